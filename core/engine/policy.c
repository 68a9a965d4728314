/* sealgate: the policy engine: builder, seal, and evaluation of a message
 * summary into a decision with reasons. Pure module: libc only.
 *
 * Semantics:
 * - Domain entries: "corp.example" matches that domain only; "*.corp.example"
 *   matches every subdomain at any depth, never corp.example itself nor
 *   notcorp.example. Entries are normalised (IDNA ASCII, case, trailing dot)
 *   and compared with the recipient's domain_ascii.
 * - Address entries are one mailbox each, compared on mailbox.address with
 *   the local part ASCII-case-insensitive.
 * - A recipient is classified by the first rule that matches, in this order:
 *   exception address (external), internal address, exception domain
 *   (external), internal domain, internal subdomain; otherwise external.
 *   To, Cc and Bcc all count.
 * - The first reason is "external_recipients" (the external action) or
 *   "no_external_recipients" (allow). Triggers follow in policy order; a
 *   trigger with scope "external" looks only at messages with an external
 *   recipient. The decision's action is the strongest reason's
 *   (allow < prompt < route < encrypt < block).
 * - ROUTE applies the route of the first reason asking for ROUTE. PROMPT
 *   offers the policy's choices, without "send" when a fired trigger forbids
 *   it; "cancel" is always offered. ENCRYPT carries methods and fallbacks.
 * - Evidence never contains a card number's hidden digits or any My Number
 *   digit; body patterns report the pattern, not the matched text.
 * - A pattern that hits its match limit fails the evaluation (fail closed).
 * Lookups use sorted arrays and binary search, so evaluation is
 * O(recipients * labels * log(entries)). */
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

#define SUBJECT_TAG_MAX  64
#define EVIDENCE_MAX     10 /* masked numbers reported per trigger */
#define DETAIL_ITEMS_MAX 10 /* items spelled out in a detail string */
#define CHOICES_MAX      (SG_POLICY_ROUTES_MAX + 3)

/* ---- Names ------------------------------------------------------------- */

static const char *const action_names[SG_ACTION__MAX] = {"allow", "prompt", "route", "encrypt", "block"};
static const char *const field_names[SG_FIELD__MAX] = {"to", "cc", "bcc"};
static const char *const class_names[] = {"internal", "external"};
static const char *const rule_names[SG_RULE__MAX] = {
        "internal_address",  "internal_domain",  "internal_subdomain",
        "exception_address", "exception_domain", "external_domain",
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

/* ---- Policy structure -------------------------------------------------- */

/* One domain or address entry: the lookup key (normalised, lower case) and
 * the text as the admin wrote it, reported as sg_recipient.matched. */
struct entry {
        char *key;
        char *src;
        size_t seq; /* insertion order: among duplicates the first one wins */
};

struct entries {
        struct entry *v;
        size_t n, cap;
};

struct route {
        char *name;
        sg_header *headers;
        size_t n_headers;
        char *subject_tag;
};

struct trigger {
        char *id;
        sg_trigger_type type;
        sg_action action;
        char *route;
        sg_scope scope;
        bool forbid_send;
        char **list; /* as given (attachment_extension: ".ext" lower case) */
        size_t n_list;
        sg_pattern **patterns; /* body_pattern: one per list entry */
        uint64_t size;
        unsigned min;
        char *header_name;
};

struct choice {
        sg_choice_kind kind;
        char *route;
};

struct sg_policy {
        bool sealed;
        struct entries internal_exact, internal_wild, exception_exact, exception_wild;
        struct entries internal_addr, exception_addr;
        size_t n_internal_domains, n_exception_domains, seq;
        sg_action external_action;
        char *external_route;
        struct choice *choices;
        size_t n_choices;
        bool choices_set;
        bool require_justification;
        struct choice fallback_choice;
        char **methods;
        size_t n_methods;
        bool methods_set;
        char **fallback;
        size_t n_fallback;
        struct route *routes;
        size_t n_routes;
        struct trigger *triggers;
        size_t n_triggers;
        unsigned prompt_timeout;
        char *justification_header;
        sg_audit_settings audit; /* audit.directory points to audit_directory */
        char *audit_directory;
        sg_keys_settings keys; /* its strings point to keys_store, keys_nss_db */
        char *keys_store, *keys_nss_db;
};

static void entries_clear(struct entries *e) {
        for (size_t i = 0; i < e->n; i++) {
                free(e->v[i].key);
                free(e->v[i].src);
        }
        free(e->v);
        e->v = NULL;
        e->n = e->cap = 0;
}

static void headers_free(sg_header *h, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(h[i].name);
                free(h[i].value);
        }
        free(h);
}

static void trigger_clear(struct trigger *t) {
        free(t->id);
        free(t->route);
        sg_strv_free(t->list, t->n_list);
        if (t->patterns)
                for (size_t i = 0; i < t->n_list; i++)
                        sg_pattern_free(t->patterns[i]);
        free(t->patterns);
        free(t->header_name);
}

static bool is_fallback(const sg_policy *p, const struct choice *c) {
        return c->kind == p->fallback_choice.kind &&
               (c->kind != SG_CHOICE_ROUTE || strcmp(c->route, p->fallback_choice.route) == 0);
}

sg_policy *sg_policy_new(void) {
        sg_policy *p = calloc(1, sizeof *p);
        if (!p)
                return NULL;
        p->external_action = SG_ACTION_PROMPT;
        p->fallback_choice.kind = SG_CHOICE_CANCEL;
        p->prompt_timeout = SG_POLICY_PROMPT_TIMEOUT_DEFAULT;
        p->audit.enabled = true;
        p->audit.retention_days = SG_POLICY_AUDIT_RETENTION_DEFAULT;
        p->keys.timeout_seconds = SG_POLICY_KEYS_TIMEOUT_DEFAULT;
        p->choices = calloc(3, sizeof *p->choices);
        p->methods = calloc(2, sizeof *p->methods);
        if (!p->choices || !p->methods)
                return sg_policy_free(p);
        p->choices[0].kind = SG_CHOICE_ENCRYPT;
        p->choices[1].kind = SG_CHOICE_SEND;
        p->choices[2].kind = SG_CHOICE_CANCEL;
        p->n_choices = 3;
        p->methods[0] = sg_strdup("smime");
        p->methods[1] = sg_strdup("openpgp");
        p->n_methods = 2;
        if (!p->methods[0] || !p->methods[1])
                return sg_policy_free(p);
        return p;
}

sg_policy *sg_policy_free(sg_policy *p) {
        if (!p)
                return NULL;
        entries_clear(&p->internal_exact);
        entries_clear(&p->internal_wild);
        entries_clear(&p->exception_exact);
        entries_clear(&p->exception_wild);
        entries_clear(&p->internal_addr);
        entries_clear(&p->exception_addr);
        free(p->external_route);
        free(p->fallback_choice.route);
        for (size_t i = 0; i < p->n_choices; i++)
                free(p->choices[i].route);
        free(p->choices);
        sg_strv_free(p->methods, p->n_methods);
        sg_strv_free(p->fallback, p->n_fallback);
        for (size_t i = 0; i < p->n_routes; i++) {
                free(p->routes[i].name);
                headers_free(p->routes[i].headers, p->routes[i].n_headers);
                free(p->routes[i].subject_tag);
        }
        free(p->routes);
        for (size_t i = 0; i < p->n_triggers; i++)
                trigger_clear(&p->triggers[i]);
        free(p->triggers);
        free(p->justification_header);
        free(p->audit_directory);
        free(p->keys_store);
        free(p->keys_nss_db);
        free(p);
        return NULL;
}

/* ---- Validation helpers ------------------------------------------------ */

static sg_err check_open(const sg_policy *p, sg_error *err) {
        if (!p)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no policy");
        if (p->sealed)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the policy is sealed");
        return SG_OK;
}

/* Length of `s`, or max + 1 if it is longer (never reads past the NUL). */
static size_t bounded_len(const char *s, size_t max) {
        size_t n = 0;
        while (n <= max && s[n])
                n++;
        return n;
}

static sg_err check_name(const char *what, const char *name, sg_error *err) {
        if (!name || !*name)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s name must not be empty", what);
        size_t n = bounded_len(name, SG_POLICY_NAME_MAX);
        if (n > SG_POLICY_NAME_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "a %s name is longer than %d bytes", what, SG_POLICY_NAME_MAX);
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '.' || c == '-'))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "%s name \"%s\" may only use A-Z, a-z, 0-9, '_', '.' and '-'", what, name);
        }
        return SG_OK;
}

static sg_err check_header_name(const char *name, sg_error *err) {
        if (!name || !*name)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a header name must not be empty");
        size_t n = bounded_len(name, SG_MSG_HEADER_NAME_MAX);
        if (n > SG_MSG_HEADER_NAME_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "a header name is longer than %d bytes", SG_MSG_HEADER_NAME_MAX);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) name[i];
                if (c < 33 || c > 126 || c == ':')
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "not a header field name: \"%.80s\" (printable ASCII without ':')", name);
        }
        return SG_OK;
}

/* Text that ends up in a header or subject: UTF-8, no control characters
 * but tab, so no header can be injected through it. */
static sg_err check_header_text(const char *what, const char *s, size_t max, sg_error *err) {
        if (!s || !*s)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s must not be empty", what);
        size_t n = bounded_len(s, max);
        if (n > max)
                return sg_error_set(err, SG_ERR_LIMIT, "a %s is longer than %zu bytes", what, max);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if ((c < 0x20 && c != '\t') || c == 0x7F)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "a %s must not contain CR, LF or other control characters", what);
        }
        if (!sg_utf8_valid(s, n))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s is not valid UTF-8", what);
        return SG_OK;
}

static struct route *find_route(const sg_policy *p, const char *name) {
        for (size_t i = 0; i < p->n_routes; i++)
                if (strcmp(p->routes[i].name, name) == 0)
                        return &p->routes[i];
        return NULL;
}

/* Grow an array of `size`-byte elements so one more fits. */
static bool grow(void **v, size_t *cap, size_t n, size_t size) {
        if (n < *cap)
                return true;
        size_t ncap = *cap ? *cap * 2 : 8;
        void *nv = realloc(*v, ncap * size);
        if (!nv)
                return false;
        *v = nv;
        *cap = ncap;
        return true;
}

static sg_err entries_add(sg_policy *p, struct entries *e, char *key, const char *src, sg_error *err) {
        char *s = sg_strdup(src);
        if (!s || !grow((void **) &e->v, &e->cap, e->n, sizeof *e->v)) {
                free(s);
                free(key);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        e->v[e->n].key = key;
        e->v[e->n].src = s;
        e->v[e->n].seq = p->seq++;
        e->n++;
        return SG_OK;
}

/* ---- Builder: domains and addresses ------------------------------------ */

static sg_err add_domain(sg_policy *p, struct entries *exact, struct entries *wild, size_t *count, const char *entry,
                         sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!entry)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no domain");
        if (*count >= SG_POLICY_DOMAINS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d domains in one list", SG_POLICY_DOMAINS_MAX);
        if (!*entry)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "not a domain: \"\"");
        const char *dom = entry;
        bool wildcard = false;
        if (strchr(entry, '*')) {
                if (strncmp(entry, "*.", 2) != 0 || strchr(entry + 2, '*') || !entry[2] || entry[2] == '.')
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "a wildcard must be \"*.\" followed by a domain: \"%.80s\"", entry);
                dom = entry + 2;
                wildcard = true;
        }
        /* Catch what an IDNA library might let through in an address-less
         * context: whitespace, '@', brackets (address literals). */
        for (const char *c = dom; *c; c++)
                if ((unsigned char) *c <= ' ' || *c == '@' || *c == '[' || *c == ']' || *c == '/' || *c == '\\' ||
                    *c == ':')
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "not a domain: \"%.80s\"", entry);
        char *ascii = NULL;
        sg_error e2 = {0};
        r = sg_domain_normalize(dom, &ascii, &e2);
        if (r == SG_ERR_NOMEM)
                return sg_error_set(err, r, "out of memory");
        if (r || !ascii || !*ascii || ascii[0] == '.') {
                free(ascii);
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "not a domain: \"%.80s\"%s%s%s", entry, r ? " (" : "",
                                    r ? e2.message : "", r ? ")" : "");
        }
        r = entries_add(p, wildcard ? wild : exact, ascii, entry, err);
        if (!r)
                (*count)++;
        return r;
}

sg_err sg_policy_add_internal_domain(sg_policy *p, const char *entry, sg_error *err) {
        return add_domain(p, p ? &p->internal_exact : NULL, p ? &p->internal_wild : NULL,
                          p ? &p->n_internal_domains : NULL, entry, err);
}

sg_err sg_policy_add_exception_domain(sg_policy *p, const char *entry, sg_error *err) {
        return add_domain(p, p ? &p->exception_exact : NULL, p ? &p->exception_wild : NULL,
                          p ? &p->n_exception_domains : NULL, entry, err);
}

static sg_err add_address(sg_policy *p, struct entries *list, const char *address, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!address)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no address");
        if (list->n >= SG_POLICY_ADDRESSES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d addresses in one list", SG_POLICY_ADDRESSES_MAX);
        sg_mailbox_list ml = {0};
        sg_error e2 = {0};
        r = sg_addr_parse_list(address, 2, &ml, &e2);
        if (r == SG_ERR_NOMEM) {
                sg_mailbox_list_clear(&ml);
                return sg_error_set(err, r, "out of memory");
        }
        if (r || ml.n != 1) {
                sg_mailbox_list_clear(&ml);
                if (r && r != SG_ERR_LIMIT)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "not an address: %s", e2.message);
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "exactly one address expected: \"%.80s\"", address);
        }
        char *key = sg_strdup(ml.items[0].address);
        sg_mailbox_list_clear(&ml);
        if (!key)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_ascii_lower(key);
        return entries_add(p, list, key, address, err);
}

sg_err sg_policy_add_internal_address(sg_policy *p, const char *address, sg_error *err) {
        return add_address(p, p ? &p->internal_addr : NULL, address, err);
}

sg_err sg_policy_add_exception_address(sg_policy *p, const char *address, sg_error *err) {
        return add_address(p, p ? &p->exception_addr : NULL, address, err);
}

/* ---- Builder: actions, choices, encryption, routes --------------------- */

/* A route reference: required exactly when the action is ROUTE. */
static sg_err check_route_ref(sg_action action, const char *route, sg_error *err) {
        if (action == SG_ACTION_ROUTE) {
                if (!route)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "action \"route\" needs a route");
                return check_name("route", route, err);
        }
        if (route)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a route is only given with action \"route\"");
        return SG_OK;
}

sg_err sg_policy_set_external_action(sg_policy *p, sg_action action, const char *route, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((unsigned) action >= SG_ACTION__MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown action %d", (int) action);
        r = check_route_ref(action, route, err);
        if (r)
                return r;
        char *copy = NULL;
        if (route && !(copy = sg_strdup(route)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->external_route);
        p->external_route = copy;
        p->external_action = action;
        return SG_OK;
}

sg_err sg_policy_add_choice(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((unsigned) kind >= SG_CHOICE__MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown choice %d", (int) kind);
        if (kind == SG_CHOICE_ROUTE) {
                if (!route)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "choice \"route\" needs a route");
                if ((r = check_name("route", route, err)))
                        return r;
        } else if (route)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a route is only given with choice \"route\"");
        if (!p->choices_set) {
                for (size_t i = 0; i < p->n_choices; i++)
                        free(p->choices[i].route);
                p->n_choices = 0;
                p->choices_set = true;
        }
        for (size_t i = 0; i < p->n_choices; i++)
                if (p->choices[i].kind == kind && (kind != SG_CHOICE_ROUTE || strcmp(p->choices[i].route, route) == 0))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "choice \"%s%s%s\" given twice",
                                            sg_choice_kind_name(kind), route ? ":" : "", route ? route : "");
        if (p->n_choices >= CHOICES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d choices", CHOICES_MAX);
        char *copy = NULL;
        if (route && !(copy = sg_strdup(route)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        /* The array always has room for CHOICES_MAX + 1 (cancel added at seal). */
        struct choice *nc = realloc(p->choices, (CHOICES_MAX + 1) * sizeof *nc);
        if (!nc) {
                free(copy);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        p->choices = nc;
        p->choices[p->n_choices].kind = kind;
        p->choices[p->n_choices].route = copy;
        p->n_choices++;
        return SG_OK;
}

sg_err sg_policy_set_prompt_fallback(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err) {
        if (!p || p->sealed || (unsigned) kind >= SG_CHOICE__MAX)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "cannot change a sealed policy");
        if ((kind == SG_CHOICE_ROUTE) != (route != NULL))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a route is given with choice \"route\" and only then");
        char *copy = NULL;
        if (route && !(copy = sg_strdup(route)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->fallback_choice.route);
        p->fallback_choice.kind = kind;
        p->fallback_choice.route = copy;
        return SG_OK;
}

void sg_policy_set_require_justification(sg_policy *p, bool required) {
        if (p && !p->sealed)
                p->require_justification = required;
}

sg_err sg_policy_set_prompt_timeout(sg_policy *p, unsigned seconds, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (seconds < SG_POLICY_PROMPT_TIMEOUT_MIN || seconds > SG_POLICY_PROMPT_TIMEOUT_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between %d and %d seconds",
                                    SG_POLICY_PROMPT_TIMEOUT_MIN, SG_POLICY_PROMPT_TIMEOUT_MAX);
        p->prompt_timeout = seconds;
        return SG_OK;
}

sg_err sg_policy_set_justification_header(sg_policy *p, const char *name, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r || (r = check_header_name(name, err)))
                return r;
        /* Thunderbird's compose API sets X- headers only. */
        if (!((name[0] == 'X' || name[0] == 'x') && name[1] == '-' && name[2]))
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "header name \"%.80s\" must start with \"X-\" and name something after it", name);
        char *copy = sg_strdup(name);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->justification_header);
        p->justification_header = copy;
        return SG_OK;
}

void sg_policy_set_audit_enabled(sg_policy *p, bool enabled) {
        if (p && !p->sealed)
                p->audit.enabled = enabled;
}

void sg_policy_set_audit_required(sg_policy *p, bool required) {
        if (p && !p->sealed)
                p->audit.required = required;
}

/* Absolute on POSIX or Windows (drive or UNC), or relative to the home
 * directory: a relative path would depend on the mail client's working
 * directory. */
static bool audit_dir_anchored(const char *d) {
        bool alpha = (d[0] >= 'A' && d[0] <= 'Z') || (d[0] >= 'a' && d[0] <= 'z');
        return d[0] == '/' || (d[0] == '~' && (d[1] == '/' || d[1] == '\\')) ||
               (alpha && d[1] == ':' && (d[2] == '\\' || d[2] == '/')) || (d[0] == '\\' && d[1] == '\\');
}

sg_err sg_policy_set_audit_directory(sg_policy *p, const char *directory, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!directory || !*directory)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must not be empty");
        size_t n = bounded_len(directory, SG_POLICY_AUDIT_DIRECTORY_MAX);
        if (n > SG_POLICY_AUDIT_DIRECTORY_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "longer than %d bytes", SG_POLICY_AUDIT_DIRECTORY_MAX);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) directory[i] < 0x20 || directory[i] == 0x7F)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "contains a control character");
        if (!sg_utf8_valid(directory, n))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "not valid UTF-8");
        if (!audit_dir_anchored(directory))
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "\"%.80s\" is neither an absolute path nor starts with \"~/\"", directory);
        char *copy = sg_strdup(directory);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->audit_directory);
        p->audit_directory = copy;
        p->audit.directory = copy;
        return SG_OK;
}

sg_err sg_policy_set_audit_retention_days(sg_policy *p, unsigned days, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (days > SG_POLICY_AUDIT_RETENTION_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between 0 and %d days",
                                    SG_POLICY_AUDIT_RETENTION_MAX);
        p->audit.retention_days = days;
        return SG_OK;
}

const sg_audit_settings *sg_policy_audit(const sg_policy *p) {
        return p ? &p->audit : NULL;
}

void sg_policy_set_keys_network_lookups(sg_policy *p, bool allowed) {
        if (p && !p->sealed)
                p->keys.network_lookups = allowed;
}

sg_err sg_policy_set_keys_timeout(sg_policy *p, unsigned seconds, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (seconds < SG_POLICY_KEYS_TIMEOUT_MIN || seconds > SG_POLICY_KEYS_TIMEOUT_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between %d and %d seconds",
                                    SG_POLICY_KEYS_TIMEOUT_MIN, SG_POLICY_KEYS_TIMEOUT_MAX);
        p->keys.timeout_seconds = seconds;
        return SG_OK;
}

/* A path of the keys section: same rules as audit.directory (anchored, no
 * control characters, UTF-8). NULL clears. */
static sg_err set_keys_path(sg_policy *p, const char *path, char **slot, const char **field, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        char *copy = NULL;
        if (path) {
                if (!*path)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "must not be empty (null for none)");
                size_t n = bounded_len(path, SG_POLICY_KEYS_PATH_MAX);
                if (n > SG_POLICY_KEYS_PATH_MAX)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "longer than %d bytes",
                                            SG_POLICY_KEYS_PATH_MAX);
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) path[i] < 0x20 || path[i] == 0x7F)
                                return sg_error_set(err, SG_ERR_POLICY_INVALID, "contains a control character");
                if (!sg_utf8_valid(path, n))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "not valid UTF-8");
                if (!audit_dir_anchored(path))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "\"%.80s\" is neither an absolute path nor starts with \"~/\"", path);
                if (!(copy = sg_strdup(path)))
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        free(*slot);
        *slot = copy;
        *field = copy;
        return SG_OK;
}

sg_err sg_policy_set_keys_certificate_store(sg_policy *p, const char *path, sg_error *err) {
        return set_keys_path(p, path, p ? &p->keys_store : NULL, p ? &p->keys.certificate_store : NULL, err);
}

sg_err sg_policy_set_keys_nss_db(sg_policy *p, const char *path, sg_error *err) {
        return set_keys_path(p, path, p ? &p->keys_nss_db : NULL, p ? &p->keys.nss_db : NULL, err);
}

const sg_keys_settings *sg_policy_keys(const sg_policy *p) {
        return p ? &p->keys : NULL;
}

bool sg_policy_route(const sg_policy *p, const char *name, const sg_header **ret_headers, size_t *ret_n_headers,
                     const char **ret_subject_tag) {
        const struct route *rt = p && name ? find_route(p, name) : NULL;
        if (!rt)
                return false;
        if (ret_headers)
                *ret_headers = rt->headers;
        if (ret_n_headers)
                *ret_n_headers = rt->n_headers;
        if (ret_subject_tag)
                *ret_subject_tag = rt->subject_tag;
        return true;
}

const char *const *sg_policy_encrypt_methods(const sg_policy *p, size_t *ret_n) {
        *ret_n = p ? p->n_methods : 0;
        return p ? (const char *const *) p->methods : NULL;
}

const char *const *sg_policy_encrypt_fallback(const sg_policy *p, size_t *ret_n) {
        *ret_n = p ? p->n_fallback : 0;
        return p ? (const char *const *) p->fallback : NULL;
}

static sg_err strv_append(char ***v, size_t *n, const char *s, sg_error *err) {
        char *copy = sg_strdup(s);
        char **nv = copy ? realloc(*v, (*n + 1) * sizeof *nv) : NULL;
        if (!nv) {
                free(copy);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        nv[*n] = copy;
        *v = nv;
        (*n)++;
        return SG_OK;
}

static bool strv_has(char **v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

sg_err sg_policy_add_encrypt_method(sg_policy *p, const char *method, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!method)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no method");
        if (strcmp(method, "smime") != 0 && strcmp(method, "openpgp") != 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "unknown encryption method \"%.80s\" (\"smime\" or \"openpgp\")", method);
        if (!p->methods_set) {
                sg_strv_free(p->methods, p->n_methods);
                p->methods = NULL;
                p->n_methods = 0;
                p->methods_set = true;
        }
        if (strv_has(p->methods, p->n_methods, method))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "encryption method \"%s\" given twice", method);
        return strv_append(&p->methods, &p->n_methods, method, err);
}

sg_err sg_policy_add_encrypt_fallback(sg_policy *p, const char *route, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((r = check_name("route", route, err)))
                return r;
        if (strv_has(p->fallback, p->n_fallback, route))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "fallback route \"%s\" given twice", route);
        if (p->n_fallback >= SG_POLICY_ROUTES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d fallback routes", SG_POLICY_ROUTES_MAX);
        return strv_append(&p->fallback, &p->n_fallback, route, err);
}

sg_err sg_policy_add_route(sg_policy *p, const char *name, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((r = check_name("route", name, err)))
                return r;
        if (find_route(p, name))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "route \"%s\" defined twice", name);
        if (p->n_routes >= SG_POLICY_ROUTES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d routes", SG_POLICY_ROUTES_MAX);
        char *copy = sg_strdup(name);
        struct route *nr = copy ? realloc(p->routes, (p->n_routes + 1) * sizeof *nr) : NULL;
        if (!nr) {
                free(copy);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        p->routes = nr;
        memset(&p->routes[p->n_routes], 0, sizeof *nr);
        p->routes[p->n_routes].name = copy;
        p->n_routes++;
        return SG_OK;
}

static sg_err route_for_edit(sg_policy *p, const char *route, struct route **ret, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!route)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no route");
        *ret = find_route(p, route);
        if (!*ret)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "no route \"%.80s\"", route);
        return SG_OK;
}

sg_err sg_policy_add_route_header(sg_policy *p, const char *route, const char *name, const char *value, sg_error *err) {
        struct route *rt;
        sg_err r = route_for_edit(p, route, &rt, err);
        if (r)
                return r;
        if ((r = check_header_name(name, err)) ||
            (r = check_header_text("header value", value, SG_MSG_HEADER_VALUE_MAX, err)))
                return r;
        for (size_t i = 0; i < rt->n_headers; i++)
                if (sg_ascii_strcasecmp(rt->headers[i].name, name) == 0)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "route \"%s\" sets header %s twice", route,
                                            name);
        if (rt->n_headers >= SG_POLICY_ROUTE_HEADERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "route \"%s\" sets more than %d headers", route,
                                    SG_POLICY_ROUTE_HEADERS_MAX);
        char *n = sg_strdup(name), *v = sg_strdup(value);
        sg_header *nh = n && v ? realloc(rt->headers, (rt->n_headers + 1) * sizeof *nh) : NULL;
        if (!nh) {
                free(n);
                free(v);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        rt->headers = nh;
        rt->headers[rt->n_headers].name = n;
        rt->headers[rt->n_headers].value = v;
        rt->n_headers++;
        return SG_OK;
}

sg_err sg_policy_set_route_subject_tag(sg_policy *p, const char *route, const char *tag, sg_error *err) {
        struct route *rt;
        sg_err r = route_for_edit(p, route, &rt, err);
        if (r)
                return r;
        if ((r = check_header_text("subject tag", tag, SUBJECT_TAG_MAX, err)))
                return r;
        char *copy = sg_strdup(tag);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(rt->subject_tag);
        rt->subject_tag = copy;
        return SG_OK;
}

/* ---- Builder: triggers ------------------------------------------------- */

static bool uses_list(sg_trigger_type t) {
        return sg_trigger_list_key(t) != NULL;
}

static bool is_token_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("!#$&^_.+-", c) != NULL;
}

/* "type/subtype" or "type/ *" (RFC 6838 restricted names). */
static bool valid_media_type(const char *s) {
        const char *slash = strchr(s, '/');
        if (!slash || slash == s)
                return false;
        for (const char *c = s; c < slash; c++)
                if (!is_token_char(*c))
                        return false;
        if (strcmp(slash + 1, "*") == 0)
                return true;
        if (!slash[1])
                return false;
        for (const char *c = slash + 1; *c; c++)
                if (!is_token_char(*c))
                        return false;
        return true;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Owned copy of s without surrounding ASCII whitespace. */
static char *trimmed_dup(const char *s, size_t n) {
        while (n > 0 && is_space(*s)) {
                s++;
                n--;
        }
        while (n > 0 && is_space(s[n - 1]))
                n--;
        return sg_strndup(s, n);
}

/* Copy and check one list entry for a trigger of type `t`. */
static sg_err list_entry(const sg_trigger_spec *spec, size_t i, char **ret, sg_error *err) {
        const char *s = spec->list[i];
        if (!s)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "list entry %zu is NULL", i);
        size_t max = spec->type == SG_TRIGGER_BODY_PATTERN ? SG_PATTERN_MAX : SG_MSG_HEADER_VALUE_MAX;
        size_t n = bounded_len(s, max);
        if (n > max)
                return sg_error_set(err, SG_ERR_LIMIT, "list entry %zu is longer than %zu bytes", i, max);
        if (!sg_utf8_valid(s, n))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is not valid UTF-8", i);
        char *v;
        switch (spec->type) {
        case SG_TRIGGER_ATTACHMENT_EXTENSION: {
                const char *ext = s[0] == '.' ? s + 1 : s;
                if (!*ext)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is empty", i);
                v = malloc(strlen(ext) + 2);
                if (v) {
                        v[0] = '.';
                        strcpy(v + 1, ext);
                        sg_ascii_lower(v);
                }
                break;
        }
        case SG_TRIGGER_ATTACHMENT_TYPE:
                if (!valid_media_type(s))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "not a content type: \"%.80s\" (\"type/subtype\" or \"type/*\")", s);
                v = sg_strdup(s);
                sg_ascii_lower(v);
                break;
        case SG_TRIGGER_HEADER:
                for (size_t k = 0; k < n; k++)
                        if ((unsigned char) s[k] < 0x20 && s[k] != '\t')
                                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                                    "list entry %zu contains a control character", i);
                v = trimmed_dup(s, n);
                if (v && !*v) {
                        free(v);
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is empty", i);
                }
                break;
        default:
                if (n == 0)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is empty", i);
                v = sg_strdup(s);
                break;
        }
        if (!v)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        *ret = v;
        return SG_OK;
}

static sg_err check_spec(const sg_trigger_spec *spec, sg_error *err) {
        sg_err r;
        if ((unsigned) spec->type >= SG_TRIGGER__MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown trigger type %d", (int) spec->type);
        if (spec->id && (r = check_name("trigger", spec->id, err)))
                return r;
        if ((unsigned) spec->action >= SG_ACTION__MAX || spec->action == SG_ACTION_ALLOW)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "a trigger's action must be prompt, route, encrypt or block");
        if ((r = check_route_ref(spec->action, spec->route, err)))
                return r;
        if (spec->scope != SG_SCOPE_EXTERNAL && spec->scope != SG_SCOPE_ALL)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown scope %d", (int) spec->scope);
        if (spec->n_list > 0 && !spec->list)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "list is NULL");
        if (spec->n_list > SG_POLICY_LIST_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d list entries", SG_POLICY_LIST_MAX);
        const char *tn = sg_trigger_type_name(spec->type);
        if (!uses_list(spec->type) && spec->n_list > 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s trigger takes no list", tn);
        if (uses_list(spec->type) && spec->type != SG_TRIGGER_HEADER && spec->n_list == 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s trigger needs at least one list entry", tn);
        if (spec->type == SG_TRIGGER_HEADER) {
                if (!spec->header_name)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "a header trigger needs a header name");
                if ((r = check_header_name(spec->header_name, err)))
                        return r;
        } else if (spec->header_name)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "only a header trigger takes a header name");
        if (spec->type == SG_TRIGGER_ATTACHMENT_SIZE && spec->size == 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "an attachment_size trigger needs a size of at least 1 byte");
        if (spec->type == SG_TRIGGER_EXTERNAL_DOMAINS && spec->min < 1)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "an external_domains trigger needs a minimum of at least 1");
        return SG_OK;
}

sg_err sg_policy_add_trigger(sg_policy *p, const sg_trigger_spec *spec, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!spec)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no trigger");
        if (p->n_triggers >= SG_POLICY_TRIGGERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d triggers", SG_POLICY_TRIGGERS_MAX);
        if ((r = check_spec(spec, err)))
                return r;
        struct trigger t = {.type = spec->type,
                            .action = spec->action,
                            .scope = spec->scope,
                            .forbid_send = spec->forbid_send,
                            .size = spec->size,
                            .min = spec->min};
        char auto_id[SG_POLICY_NAME_MAX + 1];
        /* Default id: type and the trigger's 0-based position, the index a
         * loader's key path ("triggers[3]") uses too. */
        snprintf(auto_id, sizeof auto_id, "%s-%zu", sg_trigger_type_name(spec->type), p->n_triggers);
        t.id = sg_strdup(spec->id ? spec->id : auto_id);
        if (!t.id)
                goto nomem;
        if (spec->route && !(t.route = sg_strdup(spec->route)))
                goto nomem;
        if (spec->header_name && !(t.header_name = sg_strdup(spec->header_name)))
                goto nomem;
        if (spec->n_list > 0) {
                t.list = calloc(spec->n_list, sizeof *t.list);
                if (!t.list)
                        goto nomem;
                if (spec->type == SG_TRIGGER_BODY_PATTERN && !(t.patterns = calloc(spec->n_list, sizeof *t.patterns)))
                        goto nomem;
                for (size_t i = 0; i < spec->n_list; i++) {
                        t.n_list = i;
                        if ((r = list_entry(spec, i, &t.list[i], err)))
                                goto fail;
                        t.n_list = i + 1;
                        if (t.patterns) {
                                r = sg_pattern_new(t.list[i], spec->caseless, &t.patterns[i], err);
                                if (r) {
                                        sg_error_prefix(err, "pattern \"%.80s\"", t.list[i]);
                                        goto fail;
                                }
                        }
                }
        }
        struct trigger *nt = realloc(p->triggers, (p->n_triggers + 1) * sizeof *nt);
        if (!nt)
                goto nomem;
        p->triggers = nt;
        p->triggers[p->n_triggers++] = t;
        return SG_OK;
nomem:
        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
fail:
        trigger_clear(&t);
        return r;
}

/* ---- Seal -------------------------------------------------------------- */

static int entry_cmp(const void *a, const void *b) {
        const struct entry *x = a, *y = b;
        int c = strcmp(x->key, y->key);
        if (c)
                return c;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void entries_sort(struct entries *e) {
        if (e->n > 1)
                qsort(e->v, e->n, sizeof *e->v, entry_cmp);
}

static sg_err check_route_used(const sg_policy *p, const char *name, const char *user, sg_error *err) {
        const struct route *rt = find_route(p, name);
        if (!rt)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "%s names route \"%s\", which is not defined", user,
                                    name);
        if (rt->n_headers == 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "route \"%s\" sets no header", name);
        return SG_OK;
}

sg_err sg_policy_seal(sg_policy *p, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (p->external_route && (r = check_route_used(p, p->external_route, "the external action", err)))
                return r;
        for (size_t i = 0; i < p->n_choices; i++)
                if (p->choices[i].route && (r = check_route_used(p, p->choices[i].route, "a choice", err)))
                        return r;
        for (size_t i = 0; i < p->n_fallback; i++)
                if ((r = check_route_used(p, p->fallback[i], "an encryption fallback", err)))
                        return r;
        for (size_t i = 0; i < p->n_triggers; i++) {
                const struct trigger *t = &p->triggers[i];
                if (t->route) {
                        char who[SG_POLICY_NAME_MAX + 16];
                        snprintf(who, sizeof who, "trigger \"%s\"", t->id);
                        if ((r = check_route_used(p, t->route, who, err)))
                                return r;
                }
                for (size_t k = 0; k < i; k++)
                        if (strcmp(p->triggers[k].id, t->id) == 0)
                                return sg_error_set(err, SG_ERR_POLICY_INVALID, "trigger id \"%s\" used twice", t->id);
        }
        bool cancel = false, fallback = false;
        for (size_t i = 0; i < p->n_choices; i++) {
                const struct choice *c = &p->choices[i];
                cancel = cancel || c->kind == SG_CHOICE_CANCEL;
                fallback = fallback || is_fallback(p, c);
        }
        if (!fallback && p->fallback_choice.kind != SG_CHOICE_CANCEL)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "the prompt fallback \"%s%s%s\" is not one of the choices",
                                    sg_choice_kind_name(p->fallback_choice.kind), p->fallback_choice.route ? ":" : "",
                                    p->fallback_choice.route ? p->fallback_choice.route : "");
        if (!cancel) {
                /* The default list has 3 slots and includes cancel; an admin's
                 * list was allocated with one spare slot for this. */
                p->choices[p->n_choices].kind = SG_CHOICE_CANCEL;
                p->choices[p->n_choices].route = NULL;
                p->n_choices++;
        }
        entries_sort(&p->internal_exact);
        entries_sort(&p->internal_wild);
        entries_sort(&p->exception_exact);
        entries_sort(&p->exception_wild);
        entries_sort(&p->internal_addr);
        entries_sort(&p->exception_addr);
        p->sealed = true;
        return SG_OK;
}

/* ---- Lookups ----------------------------------------------------------- */

static unsigned char lower_byte(unsigned char c) {
        return c >= 'A' && c <= 'Z' ? (unsigned char) (c + 32) : c;
}

/* strcmp(key, lower(s)) where key is already lower case. */
static int key_cmp(const char *key, const char *s) {
        const unsigned char *a = (const unsigned char *) key, *b = (const unsigned char *) s;
        for (;; a++, b++) {
                unsigned char cb = lower_byte(*b);
                if (*a != cb)
                        return (int) *a - (int) cb;
                if (!*a)
                        return 0;
        }
}

/* The first (earliest written) entry whose key equals lower(s), or NULL. */
static const struct entry *lookup(const struct entries *e, const char *s) {
        size_t lo = 0, hi = e->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (key_cmp(e->v[mid].key, s) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < e->n && key_cmp(e->v[lo].key, s) == 0 ? &e->v[lo] : NULL;
}

/* The nearest wildcard entry covering a proper parent of `domain`. */
static const struct entry *lookup_parent(const struct entries *wild, const char *domain) {
        if (wild->n == 0)
                return NULL;
        for (const char *dot = strchr(domain, '.'); dot; dot = strchr(dot + 1, '.')) {
                const struct entry *e = lookup(wild, dot + 1);
                if (e)
                        return e;
        }
        return NULL;
}

static void classify(const sg_policy *p, sg_recipient *r) {
        const char *addr = r->mailbox.address ? r->mailbox.address : "";
        const char *dom = r->mailbox.domain_ascii ? r->mailbox.domain_ascii : "";
        const struct entry *e;
        sg_class cls;
        sg_rule rule;
        if ((e = lookup(&p->exception_addr, addr))) {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXCEPTION_ADDRESS;
        } else if ((e = lookup(&p->internal_addr, addr))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_ADDRESS;
        } else if ((e = lookup(&p->exception_exact, dom)) || (e = lookup_parent(&p->exception_wild, dom))) {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXCEPTION_DOMAIN;
        } else if ((e = lookup(&p->internal_exact, dom))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_DOMAIN;
        } else if ((e = lookup_parent(&p->internal_wild, dom))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_SUBDOMAIN;
        } else {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXTERNAL_DOMAIN;
        }
        r->cls = cls;
        r->rule = rule;
        r->matched = e ? e->src : NULL; /* borrowed until copied by the caller */
}

/* ---- Evaluation helpers ------------------------------------------------ */

/* A growable string; `oom` sticks once an allocation fails. */
struct buf {
        char *s;
        size_t n, cap;
        bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n) {
        if (b->oom)
                return;
        if (b->n + n + 1 > b->cap) {
                size_t ncap = b->cap ? b->cap : 64;
                while (ncap < b->n + n + 1)
                        ncap *= 2;
                char *ns = realloc(b->s, ncap);
                if (!ns) {
                        b->oom = true;
                        return;
                }
                b->s = ns;
                b->cap = ncap;
        }
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s) {
        buf_add(b, s, strlen(s));
}

static void buf_u64(struct buf *b, uint64_t v) {
        char tmp[24];
        size_t i = sizeof tmp;
        do {
                tmp[--i] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        buf_add(b, tmp + i, sizeof tmp - i);
}

/* A reason being assembled, with what evaluation needs beyond sg_reason. */
struct pending {
        sg_reason r;
        const char *route;
        bool forbid_send;
};

struct eval {
        const sg_policy *p;
        const sg_message *msg;
        sg_decision *d;
        struct pending *reasons;
        size_t n_reasons, cap_reasons;
        const char **ext_domains; /* borrowed from the recipients */
        size_t n_ext_domains;
        sg_error *err;
};

static void reason_clear(sg_reason *r) {
        free(r->trigger);
        free(r->detail);
        sg_strv_free(r->items, r->n_items);
        memset(r, 0, sizeof *r);
}

static sg_err nomem(struct eval *ev) {
        return sg_error_set(ev->err, SG_ERR_NOMEM, "out of memory");
}

/* Start a reason; its items and detail are filled by the caller. */
static struct pending *reason_new(struct eval *ev, sg_reason_code code, const struct trigger *t) {
        if (!grow((void **) &ev->reasons, &ev->cap_reasons, ev->n_reasons, sizeof *ev->reasons))
                return NULL;
        struct pending *pr = &ev->reasons[ev->n_reasons];
        memset(pr, 0, sizeof *pr);
        pr->r.code = code;
        if (t) {
                pr->r.action = t->action;
                pr->route = t->route;
                pr->forbid_send = t->forbid_send;
                if (!(pr->r.trigger = sg_strdup(t->id)))
                        return NULL;
        }
        ev->n_reasons++;
        return pr;
}

static bool item_add(sg_reason *r, const char *s, size_t n) {
        char *copy = sg_strndup(s, n);
        char **nv = copy ? realloc(r->items, (r->n_items + 1) * sizeof *nv) : NULL;
        if (!nv) {
                free(copy);
                return false;
        }
        nv[r->n_items++] = copy;
        r->items = nv;
        return true;
}

/* Detail "<prefix>: item, item, ... (and N more)". */
static bool detail_set(sg_reason *r, const char *prefix) {
        struct buf b = {0};
        buf_str(&b, prefix);
        for (size_t i = 0; i < r->n_items && i < DETAIL_ITEMS_MAX; i++) {
                buf_str(&b, i ? ", " : ": ");
                buf_str(&b, r->items[i]);
        }
        if (r->n_items > DETAIL_ITEMS_MAX) {
                buf_str(&b, " and ");
                buf_u64(&b, r->n_items - DETAIL_ITEMS_MAX);
                buf_str(&b, " more");
        }
        if (b.oom || !b.s) {
                free(b.s);
                return false;
        }
        r->detail = b.s;
        return true;
}

/* "1 attachment" / "2 attachments". */
static bool detail_count(sg_reason *r, size_t n, const char *one, const char *many, const char *tail) {
        struct buf b = {0};
        buf_u64(&b, n);
        buf_str(&b, " ");
        buf_str(&b, n == 1 ? one : many);
        buf_str(&b, tail);
        if (b.oom)
                return false;
        bool ok = detail_set(r, b.s);
        free(b.s);
        return ok;
}

static const char *att_name(const sg_attachment *a) {
        return a->name ? a->name : "";
}

/* Case-insensitive suffix match of ".ext" on a file name, ignoring the
 * trailing dots and spaces that Windows drops when saving. */
static bool has_extension(const char *name, const char *ext) {
        size_t n = strlen(name), e = strlen(ext);
        while (n > 0 && (name[n - 1] == '.' || name[n - 1] == ' '))
                n--;
        return n >= e && sg_ascii_strncasecmp(name + n - e, ext, e) == 0;
}

static bool type_matches(const char *ct, const char *want) {
        size_t n = 0;
        while (ct[n] && ct[n] != ';')
                n++;
        while (n > 0 && is_space(ct[n - 1]))
                n--;
        while (n > 0 && is_space(*ct)) {
                ct++;
                n--;
        }
        size_t w = strlen(want);
        if (w >= 2 && strcmp(want + w - 2, "/*") == 0)
                return n >= w - 1 && sg_ascii_strncasecmp(ct, want, w - 1) == 0;
        return n == w && sg_ascii_strncasecmp(ct, want, w) == 0;
}

/* Masked evidence: card digits but the last four become '*'; My Number
 * digits all do. Separators are kept, full-width digits become ASCII. */
static char *mask(const char *s, size_t n, bool keep_last4) {
        /* Inside a match every byte is an ASCII digit, a separator, or part
         * of a 3-byte full-width digit starting with 0xEF. */
        size_t digits = 0;
        for (size_t i = 0; i < n; i++)
                if ((s[i] >= '0' && s[i] <= '9') || (unsigned char) s[i] == 0xEF)
                        digits++;
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        size_t o = 0, k = 0;
        for (size_t i = 0; i < n; i++) {
                char d;
                if (s[i] >= '0' && s[i] <= '9')
                        d = s[i];
                else if ((unsigned char) s[i] == 0xEF && i + 2 < n) {
                        d = (char) ('0' + ((unsigned char) s[i + 2] - 0x90));
                        i += 2;
                } else {
                        out[o++] = s[i];
                        continue;
                }
                k++;
                out[o++] = keep_last4 && k + 4 > digits ? d : '*';
        }
        out[o] = '\0';
        return out;
}

typedef bool (*finder)(const char *, size_t, size_t *, size_t *);

static sg_err eval_numbers(struct eval *ev, const struct trigger *t, bool *fired, struct pending **pr) {
        bool card = t->type == SG_TRIGGER_CREDIT_CARD;
        finder find = card ? sg_find_card_number : sg_find_my_number;
        const char *body = ev->msg->body;
        size_t len = body ? ev->msg->body_len : 0, pos = 0, off, mlen;
        size_t found = 0;
        while (found < EVIDENCE_MAX && pos < len && find(body + pos, len - pos, &off, &mlen)) {
                if (!*pr && !(*pr = reason_new(ev, card ? SG_REASON_CREDIT_CARD : SG_REASON_MY_NUMBER, t)))
                        return nomem(ev);
                char *m = mask(body + pos + off, mlen, card);
                bool ok = m && item_add(&(*pr)->r, m, strlen(m));
                free(m);
                if (!ok)
                        return nomem(ev);
                found++;
                /* A match ends before a non-digit, so resuming there cannot
                 * cut a longer digit run. */
                pos += off + mlen;
        }
        *fired = found > 0;
        return SG_OK;
}

static sg_err eval_trigger(struct eval *ev, const struct trigger *t) {
        const sg_message *m = ev->msg;
        struct pending *pr = NULL;
        bool fired = false;
        sg_reason_code code = SG_REASON__MAX;
        /* Items are collected in a scratch reason first so nothing is added
         * to the decision unless the trigger fires. */
        sg_reason tmp = {0};
        sg_err r = SG_OK;
        struct buf b = {0};

        switch (t->type) {
        case SG_TRIGGER_ATTACHMENTS:
                code = SG_REASON_ATTACHMENTS;
                for (size_t i = 0; i < m->n_attachments; i++)
                        if (!item_add(&tmp, att_name(&m->attachments[i]), strlen(att_name(&m->attachments[i]))))
                                goto oom;
                fired = m->n_attachments > 0;
                break;
        case SG_TRIGGER_ATTACHMENT_EXTENSION:
        case SG_TRIGGER_ATTACHMENT_TYPE:
                code = t->type == SG_TRIGGER_ATTACHMENT_EXTENSION ? SG_REASON_ATTACHMENT_EXTENSION
                                                                  : SG_REASON_ATTACHMENT_TYPE;
                for (size_t i = 0; i < m->n_attachments; i++) {
                        const sg_attachment *a = &m->attachments[i];
                        bool hit = false;
                        for (size_t k = 0; k < t->n_list && !hit; k++)
                                hit = t->type == SG_TRIGGER_ATTACHMENT_EXTENSION
                                              ? has_extension(att_name(a), t->list[k])
                                              : a->content_type && type_matches(a->content_type, t->list[k]);
                        if (hit && !item_add(&tmp, att_name(a), strlen(att_name(a))))
                                goto oom;
                }
                fired = tmp.n_items > 0;
                break;
        case SG_TRIGGER_ATTACHMENT_SIZE: {
                code = SG_REASON_ATTACHMENT_SIZE;
                uint64_t total = 0;
                for (size_t i = 0; i < m->n_attachments; i++)
                        total = m->attachments[i].size > UINT64_MAX - total ? UINT64_MAX
                                                                            : total + m->attachments[i].size;
                fired = total >= t->size;
                buf_u64(&b, total);
                if (b.oom || !item_add(&tmp, b.s, b.n))
                        goto oom;
                break;
        }
        case SG_TRIGGER_SUBJECT_KEYWORD:
                code = SG_REASON_SUBJECT_KEYWORD;
                for (size_t k = 0; m->subject && k < t->n_list; k++)
                        if (sg_ascii_strcasestr(m->subject, t->list[k]) &&
                            !item_add(&tmp, t->list[k], strlen(t->list[k])))
                                goto oom;
                fired = tmp.n_items > 0;
                break;
        case SG_TRIGGER_EXTERNAL_DOMAINS:
                code = SG_REASON_EXTERNAL_DOMAINS;
                fired = ev->n_ext_domains >= t->min;
                for (size_t i = 0; fired && i < ev->n_ext_domains; i++)
                        if (!item_add(&tmp, ev->ext_domains[i], strlen(ev->ext_domains[i])))
                                goto oom;
                break;
        case SG_TRIGGER_CREDIT_CARD:
        case SG_TRIGGER_MY_NUMBER:
                r = eval_numbers(ev, t, &fired, &pr);
                if (r)
                        return r;
                if (fired && !detail_count(&pr->r, pr->r.n_items,
                                           t->type == SG_TRIGGER_CREDIT_CARD ? "payment card number"
                                                                             : "My Number (Individual Number)",
                                           t->type == SG_TRIGGER_CREDIT_CARD ? "payment card numbers"
                                                                             : "My Numbers (Individual Numbers)",
                                           " in the body"))
                        return nomem(ev);
                return SG_OK;
        case SG_TRIGGER_BODY_PATTERN:
                code = SG_REASON_BODY_PATTERN;
                for (size_t k = 0; k < t->n_list; k++) {
                        bool found = false;
                        r = sg_pattern_search(t->patterns[k], m->body ? m->body : "", m->body ? m->body_len : 0, &found,
                                              ev->err);
                        if (r) {
                                sg_error_prefix(ev->err, "trigger \"%s\", pattern \"%.80s\"", t->id, t->list[k]);
                                reason_clear(&tmp);
                                return r;
                        }
                        if (found && !item_add(&tmp, t->list[k], strlen(t->list[k])))
                                goto oom;
                }
                fired = tmp.n_items > 0;
                break;
        case SG_TRIGGER_HEADER:
                code = SG_REASON_HEADER;
                for (size_t i = 0; i < m->n_headers && !fired; i++) {
                        const sg_header *h = &m->headers[i];
                        if (sg_ascii_strcasecmp(h->name, t->header_name) != 0)
                                continue;
                        if (t->n_list == 0) {
                                fired = true;
                                if (!item_add(&tmp, t->header_name, strlen(t->header_name)))
                                        goto oom;
                                break;
                        }
                        const char *v = h->value ? h->value : "";
                        char *tv = trimmed_dup(v, strlen(v));
                        if (!tv)
                                goto oom;
                        for (size_t k = 0; k < t->n_list && !fired; k++)
                                if (sg_ascii_strcasecmp(tv, t->list[k]) == 0) {
                                        fired = true;
                                        if (!item_add(&tmp, t->list[k], strlen(t->list[k]))) {
                                                free(tv);
                                                goto oom;
                                        }
                                }
                        free(tv);
                }
                break;
        default:
                break;
        }
        if (fired) {
                if (!(pr = reason_new(ev, code, t)))
                        goto oom;
                pr->r.items = tmp.items;
                pr->r.n_items = tmp.n_items;
                tmp.items = NULL;
                tmp.n_items = 0;
                bool ok;
                switch (t->type) {
                case SG_TRIGGER_ATTACHMENTS:
                        ok = detail_count(&pr->r, m->n_attachments, "attachment", "attachments", "");
                        break;
                case SG_TRIGGER_ATTACHMENT_EXTENSION:
                        ok = detail_count(&pr->r, pr->r.n_items, "attachment", "attachments",
                                          " with a listed extension");
                        break;
                case SG_TRIGGER_ATTACHMENT_TYPE:
                        ok = detail_count(&pr->r, pr->r.n_items, "attachment", "attachments", " of a listed type");
                        break;
                case SG_TRIGGER_ATTACHMENT_SIZE: {
                        struct buf d = {0};
                        buf_str(&d, "attachments total ");
                        buf_str(&d, pr->r.items[0]);
                        buf_str(&d, " bytes, at least ");
                        buf_u64(&d, t->size);
                        ok = !d.oom;
                        pr->r.detail = d.s;
                        if (!ok)
                                free(d.s), pr->r.detail = NULL;
                        break;
                }
                case SG_TRIGGER_SUBJECT_KEYWORD:
                        ok = detail_set(&pr->r, "subject contains a keyword");
                        break;
                case SG_TRIGGER_EXTERNAL_DOMAINS:
                        ok = detail_count(&pr->r, pr->r.n_items, "external domain", "external domains", "");
                        break;
                case SG_TRIGGER_BODY_PATTERN:
                        ok = detail_set(&pr->r, "body matches a pattern");
                        break;
                default: {
                        struct buf d = {0};
                        buf_str(&d, "header ");
                        buf_str(&d, t->header_name);
                        if (t->n_list) {
                                buf_str(&d, ": ");
                                buf_str(&d, pr->r.items[0]);
                        } else
                                buf_str(&d, " present");
                        ok = !d.oom;
                        pr->r.detail = d.s;
                        if (!ok)
                                free(d.s), pr->r.detail = NULL;
                        break;
                }
                }
                if (!ok)
                        goto oom;
        }
        reason_clear(&tmp);
        free(b.s);
        return SG_OK;
oom:
        reason_clear(&tmp);
        free(b.s);
        return nomem(ev);
}

/* ---- Message checks and recipients ------------------------------------- */

static sg_err check_message(const sg_message *m, sg_error *err) {
        if ((m->n_to && !m->to) || (m->n_cc && !m->cc) || (m->n_bcc && !m->bcc) ||
            (m->n_attachments && !m->attachments) || (m->n_headers && !m->headers) || (m->body_len && !m->body))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "a message array is NULL");
        if (m->subject && bounded_len(m->subject, SG_MSG_SUBJECT_MAX) > SG_MSG_SUBJECT_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "subject longer than %d bytes", SG_MSG_SUBJECT_MAX);
        if (m->body_len > SG_MSG_BODY_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "body longer than %u bytes", SG_MSG_BODY_MAX);
        if (m->n_attachments > SG_MSG_ATTACHMENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d attachments", SG_MSG_ATTACHMENTS_MAX);
        for (size_t i = 0; i < m->n_attachments; i++) {
                const sg_attachment *a = &m->attachments[i];
                if (a->name && bounded_len(a->name, SG_MSG_NAME_MAX) > SG_MSG_NAME_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "attachment %zu: file name longer than %d bytes", i,
                                            SG_MSG_NAME_MAX);
                if (a->content_type && bounded_len(a->content_type, SG_MSG_NAME_MAX) > SG_MSG_NAME_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "attachment %zu: content type longer than %d bytes", i,
                                            SG_MSG_NAME_MAX);
        }
        if (m->n_headers > SG_MSG_HEADERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d headers", SG_MSG_HEADERS_MAX);
        for (size_t i = 0; i < m->n_headers; i++) {
                const sg_header *h = &m->headers[i];
                if (!h->name)
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "header %zu has no name", i);
                if (bounded_len(h->name, SG_MSG_HEADER_NAME_MAX) > SG_MSG_HEADER_NAME_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "header %zu: name longer than %d bytes", i,
                                            SG_MSG_HEADER_NAME_MAX);
                if (h->value && bounded_len(h->value, SG_MSG_HEADER_VALUE_MAX) > SG_MSG_HEADER_VALUE_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "header %zu: value longer than %d bytes", i,
                                            SG_MSG_HEADER_VALUE_MAX);
        }
        return SG_OK;
}

static sg_err parse_recipients(const sg_message *m, sg_mailbox_list *list, sg_field **ret_fields, sg_error *err) {
        const char *const *fields[SG_FIELD__MAX] = {m->to, m->cc, m->bcc};
        size_t counts[SG_FIELD__MAX] = {m->n_to, m->n_cc, m->n_bcc};
        size_t ends[SG_FIELD__MAX] = {0};
        for (int f = 0; f < SG_FIELD__MAX; f++) {
                for (size_t i = 0; i < counts[f]; i++) {
                        const char *text = fields[f][i];
                        if (!text)
                                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "%s: address list %zu is NULL",
                                                    sg_field_name((sg_field) f), i);
                        sg_err r = sg_addr_parse_list(text, SG_MSG_RECIPIENTS_MAX, list, err);
                        if (r) {
                                /* Any parse failure is an address error for the
                                 * caller; limits and memory keep their code. */
                                if (r != SG_ERR_LIMIT && r != SG_ERR_NOMEM && r != SG_ERR_ADDRESS_SYNTAX) {
                                        if (err)
                                                err->code = SG_ERR_ADDRESS_SYNTAX;
                                        r = SG_ERR_ADDRESS_SYNTAX;
                                }
                                sg_error_prefix(err, "%s", sg_field_name((sg_field) f));
                                return r;
                        }
                }
                ends[f] = list->n;
        }
        sg_field *fl = malloc((list->n ? list->n : 1) * sizeof *fl);
        if (!fl)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0, f = 0; i < list->n; i++) {
                while (i >= ends[f])
                        f++;
                fl[i] = (sg_field) f;
        }
        *ret_fields = fl;
        return SG_OK;
}

struct dom_ref {
        const char *dom;
        size_t idx;
};

static int dom_ref_cmp(const void *a, const void *b) {
        const struct dom_ref *x = a, *y = b;
        int c = strcmp(x->dom, y->dom);
        if (c)
                return c;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int dom_ref_idx_cmp(const void *a, const void *b) {
        const struct dom_ref *x = a, *y = b;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The distinct external domains in order of first appearance, in
 * O(n log n) so 10,000 recipients stay fast. */
static sg_err external_domains(struct eval *ev) {
        sg_decision *d = ev->d;
        if (d->n_external == 0)
                return SG_OK;
        struct dom_ref *refs = malloc(d->n_external * sizeof *refs);
        ev->ext_domains = malloc(d->n_external * sizeof *ev->ext_domains);
        if (!refs || !ev->ext_domains) {
                free(refs);
                return nomem(ev);
        }
        size_t n = 0;
        for (size_t i = 0; i < d->n_recipients; i++)
                if (d->recipients[i].cls == SG_CLASS_EXTERNAL) {
                        const char *dom = d->recipients[i].mailbox.domain_ascii;
                        refs[n].dom = dom ? dom : "";
                        refs[n].idx = i;
                        n++;
                }
        qsort(refs, n, sizeof *refs, dom_ref_cmp);
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
                if (i == 0 || strcmp(refs[i].dom, refs[u - 1].dom) != 0)
                        refs[u++] = refs[i];
        qsort(refs, u, sizeof *refs, dom_ref_idx_cmp);
        for (size_t i = 0; i < u; i++)
                ev->ext_domains[i] = refs[i].dom;
        ev->n_ext_domains = u;
        d->n_external_domains = u;
        free(refs);
        return SG_OK;
}

/* ---- Decision assembly ------------------------------------------------- */

static bool copy_headers(const struct route *rt, sg_header **ret, size_t *ret_n) {
        if (rt->n_headers == 0)
                return true;
        sg_header *h = calloc(rt->n_headers, sizeof *h);
        if (!h)
                return false;
        for (size_t i = 0; i < rt->n_headers; i++) {
                h[i].name = sg_strdup(rt->headers[i].name);
                h[i].value = sg_strdup(rt->headers[i].value);
                if (!h[i].name || !h[i].value) {
                        headers_free(h, rt->n_headers);
                        return false;
                }
        }
        *ret = h;
        *ret_n = rt->n_headers;
        return true;
}

static bool copy_strv(char **v, size_t n, char ***ret, size_t *ret_n) {
        if (n == 0)
                return true;
        char **c = calloc(n, sizeof *c);
        if (!c)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = sg_strdup(v[i]))) {
                        sg_strv_free(c, n);
                        return false;
                }
        *ret = c;
        *ret_n = n;
        return true;
}

static bool build_choices(struct eval *ev) {
        const sg_policy *p = ev->p;
        sg_decision *d = ev->d;
        bool no_send = false;
        for (size_t i = 0; i < ev->n_reasons; i++)
                no_send = no_send || ev->reasons[i].forbid_send;
        bool fb_offered = !(p->fallback_choice.kind == SG_CHOICE_SEND && no_send);
        d->choices = calloc(p->n_choices, sizeof *d->choices);
        if (!d->choices)
                return false;
        for (size_t i = 0; i < p->n_choices; i++) {
                const struct choice *c = &p->choices[i];
                if (c->kind == SG_CHOICE_SEND && no_send)
                        continue;
                /* The fallback is "send" only while send is still offered. */
                if (fb_offered ? is_fallback(p, c) : c->kind == SG_CHOICE_CANCEL)
                        d->prompt_fallback = d->n_choices;
                sg_choice *out = &d->choices[d->n_choices++];
                out->kind = c->kind;
                if (c->kind == SG_CHOICE_SEND)
                        d->require_justification = p->require_justification;
                if (c->kind == SG_CHOICE_ROUTE) {
                        const struct route *rt = find_route(p, c->route);
                        if (!(out->route = sg_strdup(c->route)) || !copy_headers(rt, &out->headers, &out->n_headers))
                                return false;
                        if (rt->subject_tag && !(out->subject_tag = sg_strdup(rt->subject_tag)))
                                return false;
                }
        }
        return true;
}

static bool finish(struct eval *ev) {
        const sg_policy *p = ev->p;
        sg_decision *d = ev->d;
        d->reasons = calloc(ev->n_reasons, sizeof *d->reasons);
        if (!d->reasons)
                return false;
        sg_action action = SG_ACTION_ALLOW;
        for (size_t i = 0; i < ev->n_reasons; i++) {
                d->reasons[i] = ev->reasons[i].r;
                memset(&ev->reasons[i].r, 0, sizeof ev->reasons[i].r);
                if (d->reasons[i].action > action)
                        action = d->reasons[i].action;
        }
        d->n_reasons = ev->n_reasons;
        d->action = action;
        switch (action) {
        case SG_ACTION_ROUTE:
                for (size_t i = 0; i < ev->n_reasons; i++)
                        if (d->reasons[i].action == SG_ACTION_ROUTE) {
                                const struct route *rt = find_route(p, ev->reasons[i].route);
                                if (!(d->route = sg_strdup(rt->name)) || !copy_headers(rt, &d->headers, &d->n_headers))
                                        return false;
                                if (rt->subject_tag && !(d->subject_tag = sg_strdup(rt->subject_tag)))
                                        return false;
                                break;
                        }
                break;
        case SG_ACTION_PROMPT:
                if (!build_choices(ev))
                        return false;
                /* A prompt that offers "encrypt" needs the methods and
                 * fallbacks as much as an ENCRYPT decision does. */
                for (size_t i = 0; i < d->n_choices; i++)
                        if (d->choices[i].kind == SG_CHOICE_ENCRYPT)
                                return copy_strv(p->methods, p->n_methods, &d->encrypt_methods,
                                                 &d->n_encrypt_methods) &&
                                       copy_strv(p->fallback, p->n_fallback, &d->encrypt_fallback,
                                                 &d->n_encrypt_fallback);
                return true;
        case SG_ACTION_ENCRYPT:
                return copy_strv(p->methods, p->n_methods, &d->encrypt_methods, &d->n_encrypt_methods) &&
                       copy_strv(p->fallback, p->n_fallback, &d->encrypt_fallback, &d->n_encrypt_fallback);
        default:
                break;
        }
        return true;
}

sg_decision *sg_decision_free(sg_decision *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_recipients; i++) {
                sg_mailbox_clear(&d->recipients[i].mailbox);
                free(d->recipients[i].matched);
        }
        free(d->recipients);
        for (size_t i = 0; i < d->n_reasons; i++)
                reason_clear(&d->reasons[i]);
        free(d->reasons);
        for (size_t i = 0; i < d->n_choices; i++) {
                free(d->choices[i].route);
                headers_free(d->choices[i].headers, d->choices[i].n_headers);
                free(d->choices[i].subject_tag);
        }
        free(d->choices);
        free(d->route);
        headers_free(d->headers, d->n_headers);
        free(d->subject_tag);
        sg_strv_free(d->encrypt_methods, d->n_encrypt_methods);
        sg_strv_free(d->encrypt_fallback, d->n_encrypt_fallback);
        free(d->justification_header);
        free(d);
        return NULL;
}

static sg_err evaluate(struct eval *ev) {
        const sg_policy *p = ev->p;
        sg_decision *d = ev->d;
        sg_mailbox_list list = {0};
        sg_field *fields = NULL;
        sg_err r = parse_recipients(ev->msg, &list, &fields, ev->err);
        if (r) {
                sg_mailbox_list_clear(&list);
                return r;
        }
        /* The decision takes the mailboxes over one by one. */
        d->recipients = calloc(list.n ? list.n : 1, sizeof *d->recipients);
        if (!d->recipients) {
                sg_mailbox_list_clear(&list);
                free(fields);
                return nomem(ev);
        }
        for (size_t i = 0; i < list.n; i++) {
                sg_recipient *rc = &d->recipients[i];
                rc->mailbox = list.items[i];
                rc->field = fields[i];
                d->n_recipients++;
        }
        free(list.items);
        free(fields);
        for (size_t i = 0; i < d->n_recipients; i++) {
                sg_recipient *rc = &d->recipients[i];
                classify(p, rc);
                if (rc->matched && !(rc->matched = sg_strdup(rc->matched)))
                        return nomem(ev);
                if (rc->cls == SG_CLASS_EXTERNAL)
                        d->n_external++;
        }
        if ((r = external_domains(ev)))
                return r;

        bool external = d->n_external > 0;
        struct pending *base = reason_new(ev, external ? SG_REASON_EXTERNAL_RECIPIENTS : SG_REASON_NO_EXTERNAL, NULL);
        if (!base)
                return nomem(ev);
        if (external) {
                base->r.action = p->external_action;
                base->route = p->external_route;
                for (size_t i = 0; i < ev->n_ext_domains; i++)
                        if (!item_add(&base->r, ev->ext_domains[i], strlen(ev->ext_domains[i])))
                                return nomem(ev);
                struct buf b = {0};
                buf_u64(&b, d->n_external);
                buf_str(&b, d->n_external == 1 ? " external recipient in " : " external recipients in ");
                bool ok = !b.oom && detail_count(&base->r, ev->n_ext_domains, "domain", "domains", "");
                if (ok) {
                        buf_str(&b, base->r.detail);
                        free(base->r.detail);
                        base->r.detail = b.s;
                        ok = !b.oom;
                        if (!ok)
                                base->r.detail = NULL;
                }
                if (!ok) {
                        free(b.s);
                        return nomem(ev);
                }
        } else {
                base->r.action = SG_ACTION_ALLOW;
                if (!(base->r.detail = sg_strdup("no external recipients")))
                        return nomem(ev);
        }

        for (size_t i = 0; i < p->n_triggers; i++) {
                const struct trigger *t = &p->triggers[i];
                if (t->scope == SG_SCOPE_EXTERNAL && !external)
                        continue;
                if ((r = eval_trigger(ev, t)))
                        return r;
        }
        return finish(ev) ? SG_OK : nomem(ev);
}

sg_err sg_policy_evaluate(const sg_policy *p, const sg_message *msg, sg_decision **ret, sg_error *err) {
        if (!p || !msg || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no policy, message or result");
        if (!p->sealed)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the policy is not sealed");
        sg_err r = check_message(msg, err);
        if (r)
                return r;
        struct eval ev = {.p = p, .msg = msg, .err = err};
        ev.d = calloc(1, sizeof *ev.d);
        if (!ev.d)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        ev.d->prompt_timeout_seconds = p->prompt_timeout;
        if (p->justification_header && !(ev.d->justification_header = sg_strdup(p->justification_header))) {
                free(ev.d);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        r = evaluate(&ev);
        for (size_t i = 0; i < ev.n_reasons; i++)
                reason_clear(&ev.reasons[i].r);
        free(ev.reasons);
        free(ev.ext_domains);
        if (r) {
                sg_decision_free(ev.d);
                return r;
        }
        *ret = ev.d;
        return SG_OK;
}
