/* sealgate: the policy file (JSON, comments allowed) read into the builder calls of policy.h, then sealed. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/json-unique.h"
#include "sealgate/json-util.h"
#include "sealgate/keypath.h"
#include "sealgate/outcome.h"
#include "sealgate/policy-json.h"
#include "sealgate/util.h"

static sg_err invalid(sg_error *err, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 3, 4)))
#endif
        ;

static sg_err invalid(sg_error *err, const char *path, const char *fmt, ...) {
        if (!err)
                return SG_ERR_POLICY_INVALID;
        char msg[SG_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        int r = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                msg[0] = '\0';
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "%s: %s", path, msg);
}

/* A builder's message says what is wrong with the value; add where it was.
 * Every content problem is policy_invalid to the caller, whatever the
 * builder called it (limit, regex, IDNA), except running out of memory. */
static sg_err builder_fail(sg_err e, sg_error *err, const char *path) {
        sg_error_prefix(err, "%s", path);
        if (e == SG_ERR_NOMEM)
                return e;
        if (err)
                err->code = SG_ERR_POLICY_INVALID;
        return SG_ERR_POLICY_INVALID;
}

static sg_err expect(json_object *v, json_type t, const char *what, sg_error *err, const char *path) {
        if (json_object_is_type(v, t))
                return SG_OK;
        return invalid(err, path, "expected %s, got %s", what, sg_json_type_desc(v));
}

/* A string value: UTF-8 (escapes can produce what the file-level check did
 * not see) and no NUL, since the builder takes C strings. */
static sg_err get_string(json_object *v, const char **ret, sg_error *err, const char *path) {
        sg_err e = expect(v, json_type_string, "a string", err, path);
        if (e)
                return e;
        const char *s = json_object_get_string(v);
        size_t len = (size_t) json_object_get_string_len(v);
        if (strlen(s) != len)
                return invalid(err, path, "contains a NUL character");
        if (!sg_utf8_valid(s, len))
                return invalid(err, path, "not valid UTF-8");
        *ret = s;
        return SG_OK;
}

/* json-c clamps out-of-range integers to INT64_MIN/INT64_MAX, so those two
 * values mean "too large" here rather than themselves. */
static sg_err get_int(json_object *v, int64_t min, int64_t max, int64_t *ret, sg_error *err, const char *path) {
        sg_err e = expect(v, json_type_int, "an integer", err, path);
        if (e)
                return e;
        int64_t n = json_object_get_int64(v);
        if (n < min || n > max || n == INT64_MAX)
                return invalid(err, path, "must be between %" PRId64 " and %" PRId64, min, max);
        *ret = n;
        return SG_OK;
}

static sg_err get_bool(json_object *v, bool *ret, sg_error *err, const char *path) {
        sg_err e = expect(v, json_type_boolean, "true or false", err, path);
        if (e)
                return e;
        *ret = json_object_get_boolean(v);
        return SG_OK;
}

/* Refuse keys of `obj` outside the NULL-terminated `allowed`. */
static sg_err check_keys(json_object *obj, const char *const *allowed, sg_error *err, const char *path) {
        char p[SG_KEYPATH_POLICY_MAX];
        if (sg_json_keys_known(obj, allowed, path, SG_KEYPATH_ALL, p, sizeof p))
                return SG_OK;
        return invalid(err, p, "unknown key");
}

typedef sg_err (*string_adder)(sg_policy *p, const char *s, sg_error *err);

/* An array of strings, each handed to `add`. */
static sg_err string_list(sg_policy *p, json_object *arr, string_adder add, sg_error *err, const char *path) {
        sg_err e = expect(arr, json_type_array, "an array of strings", err, path);
        if (e)
                return e;
        size_t n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
                char ip[SG_KEYPATH_POLICY_MAX];
                const char *s;
                sg_keypath_idx(ip, sizeof ip, path, i);
                if ((e = get_string(json_object_array_get_idx(arr, i), &s, err, ip)))
                        return e;
                if ((e = add(p, s, err)))
                        return builder_fail(e, err, ip);
        }
        return SG_OK;
}

/* "internal" and "exceptions" share a shape. */
static sg_err read_domain_section(sg_policy *p, json_object *sec, string_adder add_domain, string_adder add_address,
                                  sg_error *err, const char *path) {
        static const char *const keys[] = {"domains", "addresses", NULL};
        sg_err e = expect(sec, json_type_object, "an object", err, path);
        if (e || (e = check_keys(sec, keys, err, path)))
                return e;
        char kp[SG_KEYPATH_POLICY_MAX];
        json_object *v;
        if ((v = sg_json_member(sec, "domains"))) {
                sg_keypath_key(kp, sizeof kp, path, "domains", SG_KEYPATH_ALL);
                if ((e = string_list(p, v, add_domain, err, kp)))
                        return e;
        }
        if ((v = sg_json_member(sec, "addresses"))) {
                sg_keypath_key(kp, sizeof kp, path, "addresses", SG_KEYPATH_ALL);
                if ((e = string_list(p, v, add_address, err, kp)))
                        return e;
        }
        return SG_OK;
}

/* A route named by some other key must be one of the file's routes: the
 * builder's check, reported where the name is (sg_policy_seal could not
 * know the key path). */
static sg_err route_ref(const sg_policy *p, const char *name, sg_error *err, const char *path) {
        sg_err e = sg_policy_check_route_ref(p, name, err);
        return e ? builder_fail(e, err, path) : SG_OK;
}

/* A label for users (routes.NAME.label, triggers[].label): an object with
 * both "en" and "ja" strings, borrowed into ret[0] and ret[1]. */
static sg_err read_label(json_object *label, const char *what, const char *ret[2], sg_error *err, const char *path) {
        static const char *const label_keys[] = {"en", "ja", NULL};
        sg_err e;
        if ((e = expect(label, json_type_object, "an object", err, path)) ||
            (e = check_keys(label, label_keys, err, path)))
                return e;
        for (int l = 0; l < 2; l++) {
                char lp[SG_KEYPATH_POLICY_MAX];
                sg_keypath_key(lp, sizeof lp, path, label_keys[l], SG_KEYPATH_ALL);
                if (!sg_json_member(label, label_keys[l]))
                        return invalid(err, lp, "%s needs both \"en\" and \"ja\"", what);
                if ((e = get_string(sg_json_member(label, label_keys[l]), &ret[l], err, lp)))
                        return e;
        }
        return SG_OK;
}

static sg_err read_routes(sg_policy *p, json_object *routes, sg_error *err) {
        static const char *const keys[] = {"headers", "subject_tag", "label", NULL};
        sg_err e = expect(routes, json_type_object, "an object", err, "routes");
        if (e)
                return e;
        if ((size_t) json_object_object_length(routes) > SG_POLICY_ROUTES_MAX)
                return invalid(err, "routes", "more than %d routes", SG_POLICY_ROUTES_MAX);
        json_object_object_foreach(routes, name, route) {
                char rp[SG_KEYPATH_POLICY_MAX], kp[SG_KEYPATH_POLICY_MAX];
                sg_keypath_key(rp, sizeof rp, "routes", name, SG_KEYPATH_ALL);
                if ((e = expect(route, json_type_object, "an object", err, rp)) ||
                    (e = check_keys(route, keys, err, rp)))
                        return e;
                if ((e = sg_policy_add_route(p, name, err)))
                        return builder_fail(e, err, rp);

                sg_keypath_key(kp, sizeof kp, rp, "headers", SG_KEYPATH_ALL);
                json_object *headers = sg_json_member(route, "headers");
                if (headers && (e = expect(headers, json_type_object, "an object", err, kp)))
                        return e;
                if (!headers || json_object_object_length(headers) == 0)
                        return invalid(err, kp, "a route must set at least one header");
                json_object_object_foreach(headers, hname, hval) {
                        char hp[SG_KEYPATH_POLICY_MAX];
                        const char *value;
                        sg_keypath_key(hp, sizeof hp, kp, hname, SG_KEYPATH_ALL);
                        if ((e = get_string(hval, &value, err, hp)))
                                return e;
                        if ((e = sg_policy_add_route_header(p, name, hname, value, err)))
                                return builder_fail(e, err, hp);
                }

                json_object *tag = sg_json_member(route, "subject_tag");
                if (tag) {
                        const char *s;
                        sg_keypath_key(kp, sizeof kp, rp, "subject_tag", SG_KEYPATH_ALL);
                        if ((e = get_string(tag, &s, err, kp)))
                                return e;
                        if ((e = sg_policy_set_route_subject_tag(p, name, s, err)))
                                return builder_fail(e, err, kp);
                }

                /* What users see instead of the name: {"en": …, "ja": …}, both. */
                json_object *label = sg_json_member(route, "label");
                if (label) {
                        const char *l[2];
                        sg_keypath_key(kp, sizeof kp, rp, "label", SG_KEYPATH_ALL);
                        if ((e = read_label(label, "a route label", l, err, kp)))
                                return e;
                        if ((e = sg_policy_set_route_label(p, name, l[0], l[1], err)))
                                return builder_fail(e, err, kp);
                }
        }
        return SG_OK;
}

static sg_err read_external(sg_policy *p, json_object *ext, sg_error *err) {
        static const char *const keys[] = {"action", "route", NULL};
        sg_err e = expect(ext, json_type_object, "an object", err, "external");
        if (e || (e = check_keys(ext, keys, err, "external")))
                return e;
        sg_action action = SG_ACTION_PROMPT;
        const char *route = NULL, *s;
        json_object *v;
        if ((v = sg_json_member(ext, "action"))) {
                if ((e = get_string(v, &s, err, "external.action")))
                        return e;
                if (!sg_action_from_name(s, &action))
                        return invalid(err, "external.action",
                                       "unknown action \"%s\" (expected prompt, route, encrypt, block or allow)", s);
        }
        if ((v = sg_json_member(ext, "route"))) {
                if ((e = get_string(v, &route, err, "external.route")))
                        return e;
                if (action != SG_ACTION_ROUTE)
                        return invalid(err, "external.route", "only allowed when the action is \"route\"");
                if ((e = route_ref(p, route, err, "external.route")))
                        return e;
        } else if (action == SG_ACTION_ROUTE) {
                return invalid(err, "external.route", "required when the action is \"route\"");
        }
        if ((e = sg_policy_set_external_action(p, action, route, err)))
                return builder_fail(e, err, "external");
        return SG_OK;
}

/* The scalar settings of `section` (policy.h's sg_settings table), each
 * read, checked against its range and handed to its builder call. A JSON
 * null is the same as leaving the key out. */
static sg_err read_settings(sg_policy *p, json_object *sec, const char *section, sg_error *err) {
        size_t n;
        const sg_setting *st = sg_settings(&n);
        for (size_t i = 0; i < n; i++) {
                json_object *v;
                if (strcmp(st[i].section, section) != 0 || !(v = sg_json_member(sec, st[i].name)))
                        continue;
                sg_err e, be;
                switch (st[i].kind) {
                case SG_SETTING_BOOL: {
                        bool b;
                        if ((e = get_bool(v, &b, err, st[i].path)))
                                return e;
                        st[i].set_bool(p, b);
                        be = SG_OK;
                        break;
                }
                case SG_SETTING_UINT: {
                        int64_t num = 0; /* set by get_int; quiets -O3 -Wmaybe-uninitialized */
                        if ((e = get_int(v, st[i].min, st[i].max, &num, err, st[i].path)))
                                return e;
                        be = st[i].set_uint(p, (unsigned) num, err);
                        break;
                }
                default: {
                        const char *str;
                        if ((e = get_string(v, &str, err, st[i].path)))
                                return e;
                        be = st[i].set_string(p, str, err);
                        break;
                }
                }
                if (be)
                        return builder_fail(be, err, st[i].path);
        }
        return SG_OK;
}

static sg_err read_prompt(sg_policy *p, json_object *prompt, sg_error *err) {
        static const char *const keys[] = {"choices",
                                           "require_justification",
                                           "fallback",
                                           "recommended",
                                           "timeout_seconds",
                                           "justification_header",
                                           "justification_to",
                                           "confirm",
                                           "confirm_attachments",
                                           "allow_check_all",
                                           "show_sender",
                                           "confirm_sender",
                                           "accept_compose_choice",
                                           NULL};
        sg_err e = expect(prompt, json_type_object, "an object", err, "prompt");
        if (e || (e = check_keys(prompt, keys, err, "prompt")))
                return e;
        json_object *v;
        if ((v = sg_json_member(prompt, "choices"))) {
                if ((e = expect(v, json_type_array, "an array of strings", err, "prompt.choices")))
                        return e;
                size_t n = json_object_array_length(v);
                /* An empty list would silently mean the default list. */
                if (n == 0)
                        return invalid(err, "prompt.choices", "must list at least one choice");
                for (size_t i = 0; i < n; i++) {
                        char ip[SG_KEYPATH_POLICY_MAX];
                        const char *s, *route = NULL;
                        sg_choice_kind kind;
                        sg_keypath_idx(ip, sizeof ip, "prompt.choices", i);
                        if ((e = get_string(json_object_array_get_idx(v, i), &s, err, ip)))
                                return e;
                        if (sg_choice_id_parse(s, &kind, &route)) {
                                if (kind == SG_CHOICE_ROUTE && (e = route_ref(p, route, err, ip)))
                                        return e;
                        } else {
                                return invalid(err, ip,
                                               "unknown choice \"%s\" (expected encrypt, send, cancel or "
                                               "route:<route name>)",
                                               s);
                        }
                        if ((e = sg_policy_add_choice(p, kind, route, err)))
                                return builder_fail(e, err, ip);
                }
        }
        if ((v = sg_json_member(prompt, "fallback"))) {
                const char *s, *route = NULL;
                sg_choice_kind kind;
                if ((e = get_string(v, &s, err, "prompt.fallback")))
                        return e;
                if (sg_choice_id_parse(s, &kind, &route)) {
                        if (kind == SG_CHOICE_ROUTE && (e = route_ref(p, route, err, "prompt.fallback")))
                                return e;
                } else {
                        return invalid(err, "prompt.fallback",
                                       "unknown choice \"%s\" (expected encrypt, send, cancel or route:<route name>)",
                                       s);
                }
                /* Checked here too so the message names the key; the engine
                 * checks the same at seal. */
                bool listed = strcmp(s, "cancel") == 0;
                json_object *ch = sg_json_member(prompt, "choices");
                if (!ch)
                        listed = listed || strcmp(s, "encrypt") == 0 || strcmp(s, "send") == 0;
                for (size_t i = 0; ch && i < json_object_array_length(ch); i++)
                        listed = listed || strcmp(json_object_get_string(json_object_array_get_idx(ch, i)), s) == 0;
                if (!listed)
                        return invalid(err, "prompt.fallback", "\"%s\" is not one of prompt.choices", s);
                if ((e = sg_policy_set_prompt_fallback(p, kind, route, err)))
                        return builder_fail(e, err, "prompt.fallback");
        }
        if ((v = sg_json_member(prompt, "recommended"))) {
                const char *s, *route = NULL;
                sg_choice_kind kind;
                if ((e = get_string(v, &s, err, "prompt.recommended")))
                        return e;
                if (!sg_choice_id_parse(s, &kind, &route) || (kind != SG_CHOICE_ENCRYPT && kind != SG_CHOICE_ROUTE))
                        return invalid(err, "prompt.recommended",
                                       "\"%s\" is not a protective choice (expected encrypt or route:<route name>)", s);
                if (kind == SG_CHOICE_ROUTE && (e = route_ref(p, route, err, "prompt.recommended")))
                        return e;
                bool listed = false;
                json_object *ch = sg_json_member(prompt, "choices");
                if (!ch)
                        listed = strcmp(s, "encrypt") == 0;
                for (size_t i = 0; ch && i < json_object_array_length(ch); i++)
                        listed = listed || strcmp(json_object_get_string(json_object_array_get_idx(ch, i)), s) == 0;
                if (!listed)
                        return invalid(err, "prompt.recommended", "\"%s\" is not one of prompt.choices", s);
                if ((e = sg_policy_set_prompt_recommended(p, kind, route, err)))
                        return builder_fail(e, err, "prompt.recommended");
        }
        return read_settings(p, prompt, "prompt", err);
}

static sg_err read_audit(sg_policy *p, json_object *audit, sg_error *err) {
        static const char *const keys[] = {"enabled", "directory",    "retention_days", "required",
                                           "journal", "check_header", "check_key",      NULL};
        sg_err e = expect(audit, json_type_object, "an object", err, "audit");
        if (e || (e = check_keys(audit, keys, err, "audit")))
                return e;
        /* audit.journal is Linux's (the system journal): read here, not in
         * the settings table the Windows registry and ADMX share. */
        json_object *v = sg_json_member(audit, "journal");
        if (v) {
                bool b;
                if ((e = get_bool(v, &b, err, "audit.journal")))
                        return e;
                sg_policy_set_audit_journal(p, b);
        }
        /* The gateway check header's name and key are Thunderbird's (the
         * Outlook add-in does not set it yet): read here too. */
        static const struct {
                const char *key, *path;
                sg_err (*set)(sg_policy *, const char *, sg_error *);
        } strs[] = {{"check_header", "audit.check_header", sg_policy_set_check_header},
                    {"check_key", "audit.check_key", sg_policy_set_check_key}};
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
                const char *s;
                if (!(v = sg_json_member(audit, strs[i].key)))
                        continue;
                if ((e = get_string(v, &s, err, strs[i].path)))
                        return e;
                sg_error se;
                if ((e = strs[i].set(p, s, &se)))
                        return invalid(err, strs[i].path, "%s", se.message);
        }
        return read_settings(p, audit, "audit", err);
}

static sg_err read_keys(sg_policy *p, json_object *keys_obj, sg_error *err) {
        static const char *const keys[] = {"network_lookups", "timeout_seconds", "certificate_store",
                                           "nss_db",          "revocation",      NULL};
        sg_err e = expect(keys_obj, json_type_object, "an object", err, "keys");
        if (e || (e = check_keys(keys_obj, keys, err, "keys")))
                return e;
        return read_settings(p, keys_obj, "keys", err);
}

static sg_err read_addresses(sg_policy *p, json_object *obj, sg_error *err) {
        static const char *const keys[] = {"subaddress_delimiters", "source_routes", NULL};
        sg_err e = expect(obj, json_type_object, "an object", err, "addresses");
        if (e || (e = check_keys(obj, keys, err, "addresses")))
                return e;
        return read_settings(p, obj, "addresses", err);
}

/* send.*: the hold before sending (policy-missend.c). */
static sg_err read_send(sg_policy *p, json_object *obj, sg_error *err) {
        static const char *const keys[] = {"delay_seconds", "delay_skippable", "delay_mode", "delay_scope", NULL};
        sg_err e = expect(obj, json_type_object, "an object", err, "send");
        if (e || (e = check_keys(obj, keys, err, "send")))
                return e;
        return read_settings(p, obj, "send", err);
}

/* rules.*: new_domain_in_reply, and convert_to_bcc's own object. */
static sg_err read_rules(sg_policy *p, json_object *obj, sg_error *err) {
        static const char *const keys[] = {"new_domain_in_reply", "convert_to_bcc", NULL};
        static const char *const bcc_keys[] = {"min_domains", "min_addresses", "mode", "placeholder", NULL};
        sg_err e = expect(obj, json_type_object, "an object", err, "rules");
        if (e || (e = check_keys(obj, keys, err, "rules")) || (e = read_settings(p, obj, "rules", err)))
                return e;
        json_object *bcc = sg_json_member(obj, "convert_to_bcc");
        if (!bcc)
                return SG_OK;
        if ((e = expect(bcc, json_type_object, "an object", err, "rules.convert_to_bcc")) ||
            (e = check_keys(bcc, bcc_keys, err, "rules.convert_to_bcc")))
                return e;
        return read_settings(p, bcc, "rules.convert_to_bcc", err);
}

static sg_err read_encrypt(sg_policy *p, json_object *enc, sg_error *err) {
        static const char *const keys[] = {"methods", "fallback", "split_delivery", NULL};
        sg_err e = expect(enc, json_type_object, "an object", err, "encrypt");
        if (e || (e = check_keys(enc, keys, err, "encrypt")))
                return e;
        json_object *v;
        if ((v = sg_json_member(enc, "methods"))) {
                /* As with prompt.choices: empty would silently mean the default. */
                if (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0)
                        return invalid(err, "encrypt.methods", "must list at least one method");
                if ((e = string_list(p, v, sg_policy_add_encrypt_method, err, "encrypt.methods")))
                        return e;
        }
        if ((v = sg_json_member(enc, "fallback"))) {
                if ((e = expect(v, json_type_array, "an array of strings", err, "encrypt.fallback")))
                        return e;
                size_t n = json_object_array_length(v);
                for (size_t i = 0; i < n; i++) {
                        char ip[SG_KEYPATH_POLICY_MAX];
                        const char *s;
                        sg_keypath_idx(ip, sizeof ip, "encrypt.fallback", i);
                        if ((e = get_string(json_object_array_get_idx(v, i), &s, err, ip)) ||
                            (e = route_ref(p, s, err, ip)))
                                return e;
                        if ((e = sg_policy_add_encrypt_fallback(p, s, err)))
                                return builder_fail(e, err, ip);
                }
        }
        return read_settings(p, enc, "encrypt", err);
}

/* Refuse keys the trigger's type does not take (sg_trigger_keys): "not
 * allowed" for another type's key, "unknown key" for one no type knows. */
static sg_err check_trigger_keys(json_object *trig, sg_trigger_type type, const char *tname, sg_error *err,
                                 const char *path) {
        json_object_object_foreach(trig, key, val) {
                (void) val;
                const sg_trigger_key *k = sg_trigger_key_find(key);
                if (sg_trigger_key_takes(k, type))
                        continue;
                char kp[SG_KEYPATH_POLICY_MAX];
                sg_keypath_key(kp, sizeof kp, path, key, SG_KEYPATH_ALL);
                if (k)
                        return invalid(err, kp, "not allowed in a trigger of type \"%s\"", tname);
                return invalid(err, kp, "unknown key");
        }
        return SG_OK;
}

/* The strings of one trigger's list, borrowed from `arr`; *ret is an owned
 * array (free()) of borrowed pointers. */
static sg_err trigger_list(json_object *arr, const sg_trigger_key *k, const char ***ret, size_t *ret_n, sg_error *err,
                           const char *path) {
        sg_err e = expect(arr, json_type_array, "an array of strings", err, path);
        if (e)
                return e;
        size_t n = json_object_array_length(arr);
        if ((e = sg_trigger_list_count(k, n, err)))
                return builder_fail(e, err, path);
        const char **v = calloc(n, sizeof *v);
        if (!v)
                return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", path);
        for (size_t i = 0; i < n; i++) {
                char ip[SG_KEYPATH_POLICY_MAX];
                sg_keypath_idx(ip, sizeof ip, path, i);
                if ((e = get_string(json_object_array_get_idx(arr, i), &v[i], err, ip))) {
                        free(v);
                        return e;
                }
        }
        *ret = v;
        *ret_n = n;
        return SG_OK;
}

/* Value `v` of trigger key `k` as the key's kind; a list goes to *list
 * (owned, free()), its strings borrowed from `v`. */
static sg_err trigger_value(json_object *v, const sg_trigger_key *k, sg_trigger_value *tv, const char ***list,
                            sg_error *err, const char *path) {
        sg_err e;
        switch (k->kind) {
        case SG_TRIGGER_KEY_STRING:
                return get_string(v, &tv->s, err, path);
        case SG_TRIGGER_KEY_BOOL:
                return get_bool(v, &tv->b, err, path);
        case SG_TRIGGER_KEY_INT:
                return get_int(v, k->min, k->max, &tv->n, err, path);
        case SG_TRIGGER_KEY_LIST:
                e = trigger_list(v, k, list, &tv->n_list, err, path);
                tv->list = *list;
                return e;
        case SG_TRIGGER_KEY_LABEL:
                return read_label(v, "a trigger label", tv->label, err, path);
        }
        return sg_error_set(err, SG_ERR_INTERNAL, "%s: unknown kind of trigger key", path);
}

/* The builder names a bad list entry by its index ("list entry 2 is
 * empty"); turn that into the entry's key path. Any other message gets the
 * trigger's path. */
static sg_err trigger_fail(sg_err e, sg_error *err, const char *path, const sg_trigger_key *lk) {
        size_t idx;
        if (lk && sg_trigger_error_list_entry(err, &idx)) {
                char kp[SG_KEYPATH_POLICY_MAX], ip[SG_KEYPATH_POLICY_MAX];
                sg_keypath_key(kp, sizeof kp, path, lk->name, SG_KEYPATH_ALL);
                sg_keypath_idx(ip, sizeof ip, kp, idx);
                return builder_fail(e, err, ip);
        }
        return builder_fail(e, err, path);
}

/* The keys in sg_trigger_keys' order: "type" first, since it says which of
 * the others the trigger may have. */
static sg_err read_trigger(sg_policy *p, json_object *trig, sg_error *err, const char *path) {
        sg_err e = expect(trig, json_type_object, "an object", err, path);
        if (e)
                return e;
        sg_trigger_spec spec = {.scope = SG_SCOPE_EXTERNAL};
        const char **list = NULL;
        size_t n_keys;
        const sg_trigger_key *keys = sg_trigger_keys(&n_keys);
        for (size_t i = 0; i < n_keys && !e; i++) {
                const sg_trigger_key *k = &keys[i];
                if (k->slot != SG_TRIGGER_SLOT_TYPE && !sg_trigger_key_takes(k, spec.type))
                        continue;
                char kp[SG_KEYPATH_POLICY_MAX];
                sg_trigger_value tv = {0};
                json_object *v = sg_json_member(trig, k->name);
                sg_keypath_key(kp, sizeof kp, path, k->name, SG_KEYPATH_ALL);
                if (!v) {
                        if ((e = sg_trigger_spec_missing(&spec, k, err)))
                                e = builder_fail(e, err, kp);
                        continue;
                }
                if ((e = trigger_value(v, k, &tv, &list, err, kp)))
                        break;
                if ((e = sg_trigger_spec_set(&spec, k, &tv, err))) {
                        e = builder_fail(e, err, kp);
                        break;
                }
                size_t bad;
                if (k->slot == SG_TRIGGER_SLOT_TYPE)
                        e = check_trigger_keys(trig, spec.type, tv.s, err, path);
                else if (k->slot == SG_TRIGGER_SLOT_ROUTE)
                        e = route_ref(p, spec.route, err, kp);
                else if (k->slot == SG_TRIGGER_SLOT_LIST && (e = sg_trigger_spec_check_patterns(&spec, &bad, err))) {
                        char ip[SG_KEYPATH_POLICY_MAX];
                        sg_keypath_idx(ip, sizeof ip, kp, bad);
                        e = builder_fail(e, err, ip);
                }
        }
        if (!e && (e = sg_policy_add_trigger(p, &spec, err)))
                e = trigger_fail(e, err, path, sg_trigger_list_key(spec.type));
        free(list);
        return e;
}

/* The id a trigger read without error has: its own, or the builder's
 * default "<type>-<index>" (policy.h). */
static void trigger_id(json_object *t, size_t i, char out[SG_POLICY_NAME_MAX + 1]) {
        json_object *id = sg_json_member(t, "id");
        int r = id ? snprintf(out, SG_POLICY_NAME_MAX + 1, "%s", json_object_get_string(id))
                   : snprintf(out, SG_POLICY_NAME_MAX + 1, "%s-%zu", json_object_get_string(sg_json_member(t, "type")),
                              i);
        if (r < 0)
                out[0] = '\0';
}

static sg_err read_triggers(sg_policy *p, json_object *arr, sg_error *err) {
        sg_err e = expect(arr, json_type_array, "an array of objects", err, "triggers");
        if (e)
                return e;
        size_t n = json_object_array_length(arr);
        if (n > SG_POLICY_TRIGGERS_MAX)
                return invalid(err, "triggers", "more than %d triggers", SG_POLICY_TRIGGERS_MAX);
        for (size_t i = 0; i < n; i++) {
                char ip[SG_KEYPATH_POLICY_MAX];
                json_object *t = json_object_array_get_idx(arr, i);
                sg_keypath_idx(ip, sizeof ip, "triggers", i);
                if ((e = read_trigger(p, t, err, ip)))
                        return e;
                /* sg_policy_seal finds duplicates too, but without a key path. */
                char id[SG_POLICY_NAME_MAX + 1];
                trigger_id(t, i, id);
                for (size_t k = 0; sg_json_member(t, "id") && k < i; k++) {
                        char other[SG_POLICY_NAME_MAX + 1];
                        trigger_id(json_object_array_get_idx(arr, k), k, other);
                        if (strcmp(id, other) == 0) {
                                char kp[SG_KEYPATH_POLICY_MAX];
                                sg_keypath_key(kp, sizeof kp, ip, "id", SG_KEYPATH_ALL);
                                return invalid(err, kp, "\"%s\" is already the id of triggers[%zu]", id, k);
                        }
                }
        }
        return SG_OK;
}

/* Routes come first: everything else may name them. */
static sg_err read_policy(sg_policy *p, json_object *root, sg_error *err) {
        static const char *const keys[] = {"version",   "internal", "exceptions", "external", "prompt",
                                           "encrypt",   "routes",   "triggers",   "audit",    "keys",
                                           "addresses", "send",     "rules",      NULL};
        sg_err e = check_keys(root, keys, err, "");
        if (e)
                return e;
        json_object *v = sg_json_member(root, "version");
        int64_t version;
        if (!v)
                return invalid(err, "version", "required");
        if ((e = expect(v, json_type_int, "an integer", err, "version")))
                return e;
        if ((version = json_object_get_int64(v)) != 1)
                return invalid(err, "version", "unsupported version %" PRId64 " (this sealgate reads version 1)",
                               version);
        json_object *routes = sg_json_member(root, "routes");
        if (routes && (e = read_routes(p, routes, err)))
                return e;
        if ((v = sg_json_member(root, "internal")) &&
            (e = read_domain_section(p, v, sg_policy_add_internal_domain, sg_policy_add_internal_address, err,
                                     "internal")))
                return e;
        if ((v = sg_json_member(root, "exceptions")) &&
            (e = read_domain_section(p, v, sg_policy_add_exception_domain, sg_policy_add_exception_address, err,
                                     "exceptions")))
                return e;
        if ((v = sg_json_member(root, "external")) && (e = read_external(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "prompt")) && (e = read_prompt(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "encrypt")) && (e = read_encrypt(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "triggers")) && (e = read_triggers(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "audit")) && (e = read_audit(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "keys")) && (e = read_keys(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "addresses")) && (e = read_addresses(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "send")) && (e = read_send(p, v, err)))
                return e;
        if ((v = sg_json_member(root, "rules")) && (e = read_rules(p, v, err)))
                return e;
        return SG_OK;
}

/* 1-based line of byte `off`, for syntax errors an admin can find. */
static size_t line_of(const char *text, size_t off) {
        size_t line = 1;
        for (size_t i = 0; i < off; i++)
                line += text[i] == '\n';
        return line;
}

/* Parse `text` into an object: *ret is a new reference, untouched on failure. */
static sg_err parse_text(const char *text, size_t len, json_object **ret, sg_error *err) {
        const char *nul = memchr(text, '\0', len);
        if (nul) {
                size_t off = (size_t) (nul - text);
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "(file): invalid JSON at line %zu, offset %zu: a NUL byte", line_of(text, off),
                                    off);
        }
        json_tokener *tok = json_tokener_new_ex(SG_POLICY_JSON_DEPTH);
        if (!tok)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory reading the policy");
        json_object *root = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error je = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!root) {
                if (je == json_tokener_error_depth)
                        return sg_error_set(
                                err, SG_ERR_POLICY_INVALID,
                                "(file): invalid JSON at line %zu, offset %zu: nested deeper than %d levels",
                                line_of(text, end), end, SG_POLICY_JSON_DEPTH);
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "(file): invalid JSON at line %zu, offset %zu: %s",
                                    line_of(text, end), end,
                                    je == json_tokener_continue ? "unexpected end of the file"
                                                                : json_tokener_error_desc(je));
        }
        /* json-c has already skipped white space and comments after the value. */
        if (end < len) {
                json_object_put(root);
                return sg_error_set(
                        err, SG_ERR_POLICY_INVALID,
                        "(file): invalid JSON at line %zu, offset %zu: unexpected text after the policy object",
                        line_of(text, end), end);
        }
        if (!json_object_is_type(root, json_type_object)) {
                const char *got = sg_json_type_desc(root);
                json_object_put(root);
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "(file): expected an object, got %s", got);
        }
        /* json-c keeps the last of two equal keys silently: an error here. */
        sg_error dup = {0};
        sg_err e = sg_json_check_unique_keys(text, len, SG_ERR_POLICY_INVALID, "", &dup);
        if (e) {
                json_object_put(root);
                if (e == SG_ERR_NOMEM || e == SG_ERR_POLICY_INVALID)
                        return sg_error_set(err, e, "%s", dup.message);
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "(file): %s", dup.message);
        }
        *ret = root;
        return SG_OK;
}

sg_err sg_policy_from_json(const char *text, size_t len, sg_policy **ret, sg_error *err) {
        if (!text || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_policy_from_json: NULL argument");
        if (len > SG_POLICY_FILE_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "(file): larger than %u bytes", SG_POLICY_FILE_MAX);
        if (!sg_utf8_valid(text, len))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "(file): not valid UTF-8");
        /* Editors on Windows like to start UTF-8 files with a byte order mark. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
                text += 3;
                len -= 3;
        }
        json_object *root = NULL;
        sg_err e = parse_text(text, len, &root, err);
        if (e)
                return e;

        sg_policy *p = sg_policy_new();
        if (!p) {
                json_object_put(root);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the policy");
        }
        e = read_policy(p, root, err);
        json_object_put(root);
        /* The builder's cross-reference checks cannot know key paths; most
         * of them were made above with one. */
        if (!e && (e = sg_policy_seal(p, err)) && e != SG_ERR_NOMEM) {
                e = SG_ERR_POLICY_INVALID;
                if (err)
                        err->code = e;
        }
        if (e) {
                sg_policy_free(p);
                return e;
        }
        *ret = p;
        return SG_OK;
}

sg_err sg_policy_load_file(const char *path, sg_policy **ret, sg_error *err) {
        if (!path || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_policy_load_file: NULL argument");
        FILE *f = fopen(path, "rb");
        if (!f)
                return sg_error_set(err, SG_ERR_POLICY_IO, "cannot read policy file %s: %s", path, strerror(errno));
        /* One byte past the limit is enough to tell "too large". */
        size_t cap = 65536, len = 0;
        char *buf = malloc(cap);
        sg_err e = SG_OK;
        if (!buf)
                e = sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
        while (!e) {
                if (len == cap) {
                        size_t ncap =
                                cap * 2 > (size_t) SG_POLICY_FILE_MAX + 1 ? (size_t) SG_POLICY_FILE_MAX + 1 : cap * 2;
                        char *nb = realloc(buf, ncap);
                        if (!nb) {
                                e = sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
                                break;
                        }
                        buf = nb;
                        cap = ncap;
                }
                size_t got = fread(buf + len, 1, cap - len, f);
                len += got;
                if (got == 0 || len > SG_POLICY_FILE_MAX) {
                        if (ferror(f))
                                e = sg_error_set(err, SG_ERR_POLICY_IO, "cannot read policy file %s: %s", path,
                                                 strerror(errno));
                        break;
                }
        }
        fclose(f);
        if (!e)
                e = sg_policy_from_json(buf, len, ret, err);
        free(buf);
        return e;
}

const char *sg_policy_default_path(void) {
        const char *env = getenv(SG_POLICY_ENV);
        return env && env[0] ? env : SG_POLICY_DEFAULT_PATH;
}
