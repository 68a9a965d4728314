/* sealgate: the policy's schema: the stable names of its enums
 * (sg_action_name ...), and the key tables the policy readers share (the keys
 * of a trigger; the settings). Pure module: libc only. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/detect.h"
#include "sealgate/error.h"
#include "sealgate/pattern.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"

#include "policy-private.h"

/* ---- Names ------------------------------------------------------------- */

static const char *const action_names[SG_ACTION__MAX] = {"allow", "prompt", "route", "encrypt", "block"};
static const char *const field_names[SG_FIELD__MAX] = {"to", "cc", "bcc"};
static const char *const class_names[] = {"internal", "external"};
static const char *const rule_names[SG_RULE__MAX] = {
        "internal_address", "internal_domain", "internal_subdomain", "exception_address",
        "exception_domain", "external_domain", "source_route",
};
static const char *const reason_names[SG_REASON__MAX] = {
        "no_external_recipients",
        "external_recipients",
        "attachments",
        "attachment_extension",
        "attachment_type",
        "attachment_size",
        "subject_keyword",
        "external_domains",
        "credit_card",
        "my_number",
        "body_pattern",
        "header",
        "confirm",
        "convert_to_bcc",
        "new_domain_in_reply",
        "sender_domain",
};
static const char *const trigger_names[SG_TRIGGER__MAX] = {
        "attachments",      "attachment_extension", "attachment_type", "attachment_size", "subject_keyword",
        "external_domains", "credit_card",          "my_number",       "body_pattern",    "header",
};
static const char *const choice_names[SG_CHOICE__MAX] = {"encrypt", "route", "send", "cancel"};

static const char *name_of(const char *const *names, size_t n, unsigned v) {
        return v < n && names[v] ? names[v] : "unknown";
}

static bool from_name(const char *const *names, size_t n, const char *name, unsigned *ret) {
        if (!name)
                return false;
        for (unsigned i = 0; i < n; i++)
                if (strcmp(names[i], name) == 0) {
                        *ret = i;
                        return true;
                }
        return false;
}

const char *sg_action_name(sg_action a) {
        return name_of(action_names, SG_ACTION__MAX, (unsigned) a);
}

bool sg_action_from_name(const char *name, sg_action *ret) {
        unsigned v;
        if (!ret || !from_name(action_names, SG_ACTION__MAX, name, &v))
                return false;
        *ret = (sg_action) v;
        return true;
}

const char *sg_field_name(sg_field f) {
        return name_of(field_names, SG_FIELD__MAX, (unsigned) f);
}

const char *sg_class_name(sg_class c) {
        return name_of(class_names, 2, (unsigned) c);
}

const char *sg_rule_name(sg_rule r) {
        return name_of(rule_names, SG_RULE__MAX, (unsigned) r);
}

const char *sg_reason_code_name(sg_reason_code c) {
        return name_of(reason_names, SG_REASON__MAX, (unsigned) c);
}

const char *sg_confirm_name(sg_confirm c) {
        static const char *const names[] = {"none", "external", "all"};
        return name_of(names, 3, (unsigned) c);
}

const char *sg_bcc_mode_name(sg_bcc_mode m) {
        static const char *const names[] = {"off", "auto", "ask"};
        return name_of(names, 3, (unsigned) m);
}

const char *sg_delay_mode_name(sg_delay_mode m) {
        static const char *const names[] = {"countdown", "deferred"};
        return name_of(names, 2, (unsigned) m);
}

const char *sg_trigger_type_name(sg_trigger_type t) {
        return name_of(trigger_names, SG_TRIGGER__MAX, (unsigned) t);
}

bool sg_trigger_type_from_name(const char *name, sg_trigger_type *ret) {
        unsigned v;
        if (!ret || !from_name(trigger_names, SG_TRIGGER__MAX, name, &v))
                return false;
        *ret = (sg_trigger_type) v;
        return true;
}

const char *sg_choice_kind_name(sg_choice_kind k) {
        return name_of(choice_names, SG_CHOICE__MAX, (unsigned) k);
}

bool sg_choice_kind_from_name(const char *name, sg_choice_kind *ret) {
        unsigned v;
        if (!ret || !from_name(choice_names, SG_CHOICE__MAX, name, &v))
                return false;
        *ret = (sg_choice_kind) v;
        return true;
}

/* ---- The keys of a trigger (policy.h) ----------------------------------- */

#define TYPE_BIT(t) (1u << (t))
#define ALL_TYPES   ((1u << SG_TRIGGER__MAX) - 1u)
/* Trigger ids, as route names (check_name). */
#define ID_CHARS    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

/* In reading order: the first error a reader reports follows it. */
static const sg_trigger_key trigger_keys[] = {
        {"type", SG_TRIGGER_KEY_STRING, SG_TRIGGER_SLOT_TYPE, ALL_TYPES, true, 0, 0},
        {"id", SG_TRIGGER_KEY_STRING, SG_TRIGGER_SLOT_ID, ALL_TYPES, false, 0, 0},
        {"action", SG_TRIGGER_KEY_STRING, SG_TRIGGER_SLOT_ACTION, ALL_TYPES, true, 0, 0},
        {"route", SG_TRIGGER_KEY_STRING, SG_TRIGGER_SLOT_ROUTE, ALL_TYPES, false, 0, 0},
        {"scope", SG_TRIGGER_KEY_STRING, SG_TRIGGER_SLOT_SCOPE, ALL_TYPES, false, 0, 0},
        {"forbid_send", SG_TRIGGER_KEY_BOOL, SG_TRIGGER_SLOT_FORBID_SEND, ALL_TYPES, false, 0, 0},
        {"caseless", SG_TRIGGER_KEY_BOOL, SG_TRIGGER_SLOT_CASELESS, TYPE_BIT(SG_TRIGGER_BODY_PATTERN), false, 0, 0},
        {"bytes", SG_TRIGGER_KEY_INT, SG_TRIGGER_SLOT_SIZE, TYPE_BIT(SG_TRIGGER_ATTACHMENT_SIZE), true, 1,
         INT64_MAX - 1},
        /* More domains than recipients can never be seen. */
        {"min", SG_TRIGGER_KEY_INT, SG_TRIGGER_SLOT_MIN, TYPE_BIT(SG_TRIGGER_EXTERNAL_DOMAINS), true, 1,
         SG_MSG_RECIPIENTS_MAX},
        {"name", SG_TRIGGER_KEY_STRING, SG_TRIGGER_SLOT_HEADER_NAME, TYPE_BIT(SG_TRIGGER_HEADER), true, 0, 0},
        {"extensions", SG_TRIGGER_KEY_LIST, SG_TRIGGER_SLOT_LIST, TYPE_BIT(SG_TRIGGER_ATTACHMENT_EXTENSION), true, 1,
         SG_POLICY_LIST_MAX},
        {"types", SG_TRIGGER_KEY_LIST, SG_TRIGGER_SLOT_LIST, TYPE_BIT(SG_TRIGGER_ATTACHMENT_TYPE), true, 1,
         SG_POLICY_LIST_MAX},
        {"keywords", SG_TRIGGER_KEY_LIST, SG_TRIGGER_SLOT_LIST, TYPE_BIT(SG_TRIGGER_SUBJECT_KEYWORD), true, 1,
         SG_POLICY_LIST_MAX},
        {"patterns", SG_TRIGGER_KEY_LIST, SG_TRIGGER_SLOT_LIST, TYPE_BIT(SG_TRIGGER_BODY_PATTERN), true, 1,
         SG_POLICY_LIST_MAX},
        /* Without values: the header's presence is enough. */
        {"values", SG_TRIGGER_KEY_LIST, SG_TRIGGER_SLOT_LIST, TYPE_BIT(SG_TRIGGER_HEADER), false, 1,
         SG_POLICY_LIST_MAX},
        /* What the prompts say for the reason instead of the catalog's sentence. */
        {"label", SG_TRIGGER_KEY_LABEL, SG_TRIGGER_SLOT_LABEL, ALL_TYPES, false, 0, 0},
};

const sg_trigger_key *sg_trigger_keys(size_t *ret_n) {
        if (ret_n)
                *ret_n = sizeof trigger_keys / sizeof *trigger_keys;
        return trigger_keys;
}

const sg_trigger_key *sg_trigger_key_find(const char *name) {
        for (size_t i = 0; name && i < sizeof trigger_keys / sizeof *trigger_keys; i++)
                if (strcmp(trigger_keys[i].name, name) == 0)
                        return &trigger_keys[i];
        return NULL;
}

bool sg_trigger_key_takes(const sg_trigger_key *k, sg_trigger_type t) {
        return k && (unsigned) t < SG_TRIGGER__MAX && (k->types & TYPE_BIT(t));
}

const sg_trigger_key *sg_trigger_list_key(sg_trigger_type t) {
        for (size_t i = 0; i < sizeof trigger_keys / sizeof *trigger_keys; i++)
                if (trigger_keys[i].slot == SG_TRIGGER_SLOT_LIST && sg_trigger_key_takes(&trigger_keys[i], t))
                        return &trigger_keys[i];
        return NULL;
}

sg_err sg_trigger_list_count(const sg_trigger_key *k, size_t n, sg_error *err) {
        if (n == 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must not be empty");
        if (n > (uint64_t) k->max)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "more than %" PRId64 " entries", k->max);
        return SG_OK;
}

static sg_err set_string(sg_trigger_spec *spec, sg_trigger_slot slot, const char *s, sg_error *err) {
        size_t n;
        switch (slot) {
        case SG_TRIGGER_SLOT_TYPE:
                if (!sg_trigger_type_from_name(s, &spec->type))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown trigger type \"%s\"", s);
                return SG_OK;
        case SG_TRIGGER_SLOT_ID:
                /* The builder checks this too; here the reader can add the key path. */
                n = strlen(s);
                if (n == 0 || n > SG_POLICY_NAME_MAX || strspn(s, ID_CHARS) != n)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "\"%s\" is not a valid id (1 to %d of A-Z a-z 0-9 _ . -)", s,
                                            SG_POLICY_NAME_MAX);
                spec->id = s;
                return SG_OK;
        case SG_TRIGGER_SLOT_ACTION:
                if (!sg_action_from_name(s, &spec->action) || spec->action == SG_ACTION_ALLOW)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "unknown action \"%s\" (expected prompt, route, encrypt or block)", s);
                return SG_OK;
        case SG_TRIGGER_SLOT_ROUTE:
                if (spec->action != SG_ACTION_ROUTE)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "only allowed when the action is \"route\"");
                spec->route = s;
                return SG_OK;
        case SG_TRIGGER_SLOT_SCOPE:
                if (strcmp(s, "external") == 0)
                        spec->scope = SG_SCOPE_EXTERNAL;
                else if (strcmp(s, "all") == 0)
                        spec->scope = SG_SCOPE_ALL;
                else
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "unknown scope \"%s\" (expected external or all)", s);
                return SG_OK;
        case SG_TRIGGER_SLOT_HEADER_NAME:
                spec->header_name = s;
                return SG_OK;
        default:
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "not a string key");
        }
}

sg_err sg_trigger_spec_set(sg_trigger_spec *spec, const sg_trigger_key *k, const sg_trigger_value *v, sg_error *err) {
        if (!spec || !k || !v)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_trigger_spec_set: NULL argument");
        switch (k->kind) {
        case SG_TRIGGER_KEY_STRING:
                if (!v->s)
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_trigger_spec_set: no string");
                return set_string(spec, k->slot, v->s, err);
        case SG_TRIGGER_KEY_BOOL:
                if (k->slot == SG_TRIGGER_SLOT_FORBID_SEND)
                        spec->forbid_send = v->b;
                else
                        spec->caseless = v->b;
                return SG_OK;
        case SG_TRIGGER_KEY_INT:
                if (v->n < k->min || v->n > k->max)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between %" PRId64 " and %" PRId64,
                                            k->min, k->max);
                if (k->slot == SG_TRIGGER_SLOT_SIZE)
                        spec->size = (uint64_t) v->n;
                else
                        spec->min = (unsigned) v->n;
                return SG_OK;
        case SG_TRIGGER_KEY_LIST: {
                sg_err e = sg_trigger_list_count(k, v->n_list, err);
                if (e)
                        return e;
                spec->list = v->list;
                spec->n_list = v->n_list;
                return SG_OK;
        }
        case SG_TRIGGER_KEY_LABEL:
                if (!v->label[0] || !v->label[1])
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "a trigger label needs both \"en\" and \"ja\"");
                for (int l = 0; l < 2; l++) {
                        size_t n = strnlen(v->label[l], SG_POLICY_LABEL_MAX + 1);
                        if (n == 0)
                                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must not be empty");
                        if (n > SG_POLICY_LABEL_MAX)
                                return sg_error_set(err, SG_ERR_LIMIT, "longer than %d bytes", SG_POLICY_LABEL_MAX);
                }
                spec->label_en = v->label[0];
                spec->label_ja = v->label[1];
                return SG_OK;
        }
        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_trigger_spec_set: unknown kind");
}

sg_err sg_trigger_spec_missing(const sg_trigger_spec *spec, const sg_trigger_key *k, sg_error *err) {
        if (k->slot == SG_TRIGGER_SLOT_ROUTE && spec->action == SG_ACTION_ROUTE)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "required when the action is \"route\"");
        if (k->required)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "required");
        return SG_OK;
}

sg_err sg_trigger_spec_check_patterns(const sg_trigger_spec *spec, size_t *ret_index, sg_error *err) {
        for (size_t i = 0; spec->type == SG_TRIGGER_BODY_PATTERN && i < spec->n_list; i++) {
                sg_pattern *pat = NULL;
                sg_err e = sg_pattern_new(spec->list[i], spec->caseless, &pat, err);
                sg_pattern_free(pat);
                if (e) {
                        *ret_index = i;
                        return e;
                }
        }
        return SG_OK;
}

bool sg_trigger_error_list_entry(sg_error *err, size_t *ret_index) {
        size_t idx;
        int used = 0;
        if (!err || sscanf(err->message, "list entry %zu %n", &idx, &used) != 1 || used <= 0)
                return false;
        char msg[SG_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err->message + used);
        sg_error_set(err, err->code, "%s", msg);
        *ret_index = idx;
        return true;
}

/* ---- The settings (policy.h) ------------------------------------------- */

static const sg_setting settings[] = {
        {"prompt", "require_justification", "prompt.require_justification", SG_SETTING_BOOL, 0, 0, 0,
         sg_policy_set_require_justification, NULL, NULL},
        {"prompt", "timeout_seconds", "prompt.timeout_seconds", SG_SETTING_UINT, SG_POLICY_PROMPT_TIMEOUT_MIN,
         SG_POLICY_PROMPT_TIMEOUT_MAX, SG_POLICY_PROMPT_TIMEOUT_DEFAULT, NULL, sg_policy_set_prompt_timeout, NULL},
        {"prompt", "justification_header", "prompt.justification_header", SG_SETTING_STRING, 0, 0, 0, NULL, NULL,
         sg_policy_set_justification_header},
        {"prompt", "justification_to", "prompt.justification_to", SG_SETTING_STRING, 0, 0, 0, NULL, NULL,
         sg_policy_set_justification_to},
        {"prompt", "accept_compose_choice", "prompt.accept_compose_choice", SG_SETTING_BOOL, 0, 0, 0,
         sg_policy_set_accept_compose_choice, NULL, NULL},
        {"prompt", "confirm", "prompt.confirm", SG_SETTING_STRING, 0, 0, 0, NULL, NULL, sg_policy_set_confirm},
        {"prompt", "confirm_attachments", "prompt.confirm_attachments", SG_SETTING_BOOL, 0, 0, 0,
         sg_policy_set_confirm_attachments, NULL, NULL},
        {"prompt", "allow_check_all", "prompt.allow_check_all", SG_SETTING_BOOL, 0, 0, 0, sg_policy_set_allow_check_all,
         NULL, NULL},
        {"prompt", "show_sender", "prompt.show_sender", SG_SETTING_BOOL, 0, 0, 0, sg_policy_set_show_sender, NULL,
         NULL},
        {"prompt", "confirm_sender", "prompt.confirm_sender", SG_SETTING_BOOL, 0, 0, 0, sg_policy_set_confirm_sender,
         NULL, NULL},
        {"encrypt", "split_delivery", "encrypt.split_delivery", SG_SETTING_BOOL, 0, 0, 0, sg_policy_set_split_delivery,
         NULL, NULL},
        {"send", "delay_seconds", "send.delay_seconds", SG_SETTING_UINT, 0, SG_POLICY_SEND_DELAY_MAX, 0, NULL,
         sg_policy_set_delay_seconds, NULL},
        {"send", "delay_skippable", "send.delay_skippable", SG_SETTING_BOOL, 0, 0, 0, sg_policy_set_delay_skippable,
         NULL, NULL},
        {"send", "delay_mode", "send.delay_mode", SG_SETTING_STRING, 0, 0, 0, NULL, NULL, sg_policy_set_delay_mode},
        {"send", "delay_scope", "send.delay_scope", SG_SETTING_STRING, 0, 0, 0, NULL, NULL, sg_policy_set_delay_scope},
        {"rules", "new_domain_in_reply", "rules.new_domain_in_reply", SG_SETTING_STRING, 0, 0, 0, NULL, NULL,
         sg_policy_set_new_domain_in_reply},
        {"rules.convert_to_bcc", "min_domains", "rules.convert_to_bcc.min_domains", SG_SETTING_UINT, 0,
         SG_POLICY_BCC_MIN_MAX, 0, NULL, sg_policy_set_bcc_min_domains, NULL},
        {"rules.convert_to_bcc", "min_addresses", "rules.convert_to_bcc.min_addresses", SG_SETTING_UINT, 0,
         SG_POLICY_BCC_MIN_MAX, 0, NULL, sg_policy_set_bcc_min_addresses, NULL},
        {"rules.convert_to_bcc", "mode", "rules.convert_to_bcc.mode", SG_SETTING_STRING, 0, 0, 0, NULL, NULL,
         sg_policy_set_bcc_mode},
        {"rules.convert_to_bcc", "placeholder", "rules.convert_to_bcc.placeholder", SG_SETTING_STRING, 0, 0, 0, NULL,
         NULL, sg_policy_set_bcc_placeholder},
        {"audit", "enabled", "audit.enabled", SG_SETTING_BOOL, 0, 0, 1, sg_policy_set_audit_enabled, NULL, NULL},
        {"audit", "directory", "audit.directory", SG_SETTING_PATH, 0, 0, 0, NULL, NULL, sg_policy_set_audit_directory},
        {"audit", "retention_days", "audit.retention_days", SG_SETTING_UINT, 0, SG_POLICY_AUDIT_RETENTION_MAX,
         SG_POLICY_AUDIT_RETENTION_DEFAULT, NULL, sg_policy_set_audit_retention_days, NULL},
        {"audit", "required", "audit.required", SG_SETTING_BOOL, 0, 0, 0, sg_policy_set_audit_required, NULL, NULL},
        {"keys", "network_lookups", "keys.network_lookups", SG_SETTING_BOOL, 0, 0, 0,
         sg_policy_set_keys_network_lookups, NULL, NULL},
        {"keys", "timeout_seconds", "keys.timeout_seconds", SG_SETTING_UINT, SG_POLICY_KEYS_TIMEOUT_MIN,
         SG_POLICY_KEYS_TIMEOUT_MAX, SG_POLICY_KEYS_TIMEOUT_DEFAULT, NULL, sg_policy_set_keys_timeout, NULL},
        {"keys", "certificate_store", "keys.certificate_store", SG_SETTING_PATH, 0, 0, 0, NULL, NULL,
         sg_policy_set_keys_certificate_store},
        {"keys", "nss_db", "keys.nss_db", SG_SETTING_PATH, 0, 0, 0, NULL, NULL, sg_policy_set_keys_nss_db},
        {"keys", "revocation", "keys.revocation", SG_SETTING_STRING, 0, 0, 0, NULL, NULL,
         sg_policy_set_keys_revocation},
        {"addresses", "subaddress_delimiters", "addresses.subaddress_delimiters", SG_SETTING_STRING, 0, 0, 0, NULL,
         NULL, sg_policy_set_subaddress_delimiters},
        {"addresses", "source_routes", "addresses.source_routes", SG_SETTING_STRING, 0, 0, 0, NULL, NULL,
         sg_policy_set_source_routes},
};

const sg_setting *sg_settings(size_t *ret_n) {
        if (ret_n)
                *ret_n = sizeof settings / sizeof *settings;
        return settings;
}
