/* sealgate on Windows: the policy from the registry, read into the builder
 * calls of policy.h in the same order and with the same checks and messages as
 * core/json/policy-json.c, so an admin meets the same text on both platforms. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "policy-reg.h"
#include "sealgate/keypath.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"

#define WHERE_MAX_LEN 400
/* UTF-16 units of a value or key name (the registry allows 16,383). */
#define NAME_MAX_W    16384

/* Every value the reader knows, by key relative to the root ("Routes\<n>" and
 * "Triggers\<n>" stand for each numbered subkey), with the policy key it
 * holds. Under Routes\<n>\Headers every value is a header (name = header
 * name). packaging/admx/sealgate.admx names the same values; the test
 * tests/win32/check-admx.py compares the two. The Triggers\<n> rows are the
 * keys of core's sg_trigger_keys in CamelCase (tests/win32/test-policy-reg.c
 * checks every one). */
static const struct known {
        const char *key;
        const char *value;
        const char *json;
} known[] = {
        {"", "Version", "version"},
        {"Internal", "Domains", "domains"},
        {"Internal", "Addresses", "addresses"},
        {"Exceptions", "Domains", "domains"},
        {"Exceptions", "Addresses", "addresses"},
        {"External", "Action", "action"},
        {"External", "Route", "route"},
        {"Prompt", "Choices", "choices"},
        {"Prompt", "RequireJustification", "require_justification"},
        {"Prompt", "Fallback", "fallback"},
        {"Prompt", "Recommended", "recommended"},
        {"Prompt", "TimeoutSeconds", "timeout_seconds"},
        {"Prompt", "JustificationHeader", "justification_header"},
        {"Prompt", "JustificationTo", "justification_to"},
        {"Prompt", "AcceptComposeChoice", "accept_compose_choice"},
        {"Prompt", "Confirm", "confirm"},
        {"Prompt", "ConfirmAttachments", "confirm_attachments"},
        {"Prompt", "AllowCheckAll", "allow_check_all"},
        {"Prompt", "ShowSender", "show_sender"},
        {"Prompt", "ConfirmSender", "confirm_sender"},
        {"Send", "DelaySeconds", "delay_seconds"},
        {"Send", "DelaySkippable", "delay_skippable"},
        {"Send", "DelayMode", "delay_mode"},
        {"Send", "DelayScope", "delay_scope"},
        {"Rules", "NewDomainInReply", "new_domain_in_reply"},
        {"Rules\\ConvertToBcc", "MinDomains", "min_domains"},
        {"Rules\\ConvertToBcc", "MinAddresses", "min_addresses"},
        {"Rules\\ConvertToBcc", "Mode", "mode"},
        {"Rules\\ConvertToBcc", "Placeholder", "placeholder"},
        {"Encrypt", "Methods", "methods"},
        {"Encrypt", "Fallback", "fallback"},
        {"Encrypt", "SplitDelivery", "split_delivery"},
        {"Audit", "Enabled", "enabled"},
        {"Audit", "Directory", "directory"},
        {"Audit", "RetentionDays", "retention_days"},
        {"Audit", "Required", "required"},
        {"Audit", "Journal", "journal"},
        {"Addresses", "SubaddressDelimiters", "subaddress_delimiters"},
        {"Addresses", "SourceRoutes", "source_routes"},
        {"Routes\\<n>", "Name", "name"},
        {"Routes\\<n>", "SubjectTag", "subject_tag"},
        {"Routes\\<n>", "LabelEn", "label"},
        {"Routes\\<n>", "LabelJa", "label"},
        {"Triggers\\<n>", "Id", "id"},
        {"Triggers\\<n>", "Type", "type"},
        {"Triggers\\<n>", "Action", "action"},
        {"Triggers\\<n>", "Route", "route"},
        {"Triggers\\<n>", "Scope", "scope"},
        {"Triggers\\<n>", "ForbidSend", "forbid_send"},
        {"Triggers\\<n>", "Extensions", "extensions"},
        {"Triggers\\<n>", "Types", "types"},
        {"Triggers\\<n>", "Bytes", "bytes"},
        {"Triggers\\<n>", "Keywords", "keywords"},
        {"Triggers\\<n>", "Min", "min"},
        {"Triggers\\<n>", "Patterns", "patterns"},
        {"Triggers\\<n>", "Caseless", "caseless"},
        {"Triggers\\<n>", "Name", "name"},
        {"Triggers\\<n>", "Values", "values"},
        {"Triggers\\<n>", "LabelEn", "label"},
        {"Triggers\\<n>", "LabelJa", "label"},
};

/* The subkeys of the root; sections have none. */
static const char *const root_subkeys[] = {"Internal",  "Exceptions", "External", "Prompt", "Encrypt", "Audit",
                                           "Addresses", "Send",       "Rules",    "Routes", "Triggers"};
/* The one subkey of Rules (rules.convert_to_bcc's object). */
static const char *const rules_subkeys[] = {"ConvertToBcc"};

enum { MANDATORY = 0, USER = 1, N_SOURCES = 2 };

typedef struct source {
        HKEY root; /* NULL: the source does not exist */
        char label[WHERE_MAX_LEN];
} source;

typedef struct rd {
        sg_policy *p;
        source s[N_SOURCES];
        int routes_src; /* source of Routes, or -1 */
        int triggers_src;
        char **route_names;
        size_t n_routes;
        char where[WHERE_MAX_LEN]; /* registry path of what is being read */
        sg_error *err;
} rd;

/* One value's data, with NUL padding so strings always end. */
typedef struct val {
        DWORD type;
        BYTE *data;
        DWORD size;
} val;

static sg_err invalid(rd *r, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 3, 4)))
#endif
        ;

static sg_err invalid(rd *r, const char *path, const char *fmt, ...) {
        if (!r->err)
                return SG_ERR_POLICY_INVALID;
        char msg[SG_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                msg[0] = '\0';
        return sg_error_set(r->err, SG_ERR_POLICY_INVALID, "%s: %s", path, msg);
}

static sg_err nomem(rd *r) {
        return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory reading the policy from the registry");
}

/* As in policy-json.c: the builder's message gets the key path, and every
 * content problem is policy_invalid except running out of memory. */
static sg_err builder_fail(rd *r, sg_err e, const char *path) {
        sg_error_prefix(r->err, "%s", path);
        if (e == SG_ERR_NOMEM)
                return e;
        if (r->err)
                r->err->code = SG_ERR_POLICY_INVALID;
        return SG_ERR_POLICY_INVALID;
}

/* ---- Strings */

/* ASCII (names in this file, numbers) to UTF-16. */
static void widen(const char *s, wchar_t *out, size_t cap) {
        size_t i = 0;
        for (; s[i] && i + 1 < cap; i++)
                out[i] = (wchar_t) (unsigned char) s[i];
        out[i] = 0;
}

/* UTF-16 to owned UTF-8; NULL if not valid Unicode (a lone surrogate) or
 * out of memory (*ret_nomem). */
static char *narrow(const wchar_t *w, size_t n, bool *ret_nomem) {
        *ret_nomem = false;
        if (n == 0) {
                char *e = sg_strdup("");
                *ret_nomem = !e;
                return e;
        }
        int len = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, (int) n, NULL, 0, NULL, NULL);
        if (len <= 0)
                return NULL;
        char *s = malloc((size_t) len + 1);
        if (!s) {
                *ret_nomem = true;
                return NULL;
        }
        WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, (int) n, s, len, NULL, NULL);
        s[len] = '\0';
        return s;
}

static const char *type_name(DWORD t) {
        switch (t) {
        case REG_NONE:
                return "REG_NONE";
        case REG_SZ:
                return "REG_SZ";
        case REG_EXPAND_SZ:
                return "REG_EXPAND_SZ";
        case REG_BINARY:
                return "REG_BINARY";
        case REG_DWORD:
                return "REG_DWORD";
        case REG_DWORD_BIG_ENDIAN:
                return "REG_DWORD_BIG_ENDIAN";
        case REG_LINK:
                return "REG_LINK";
        case REG_MULTI_SZ:
                return "REG_MULTI_SZ";
        case REG_QWORD:
                return "REG_QWORD";
        default:
                return "an unknown registry type";
        }
}

/* ---- Keys and values */

static void set_where(rd *r, int si, const char *sub, const char *name) {
        int n = snprintf(r->where, sizeof r->where, "%s%s%s%s%s", r->s[si].label, sub[0] ? "\\" : "", sub,
                         name ? "\\" : "", name ? name : "");
        if (n < 0)
                r->where[0] = '\0';
}

/* Open `sub` (may be "") of source si; *ret NULL when it does not exist. */
static sg_err open_key(rd *r, int si, const char *sub, HKEY *ret) {
        *ret = NULL;
        if (!r->s[si].root)
                return SG_OK;
        if (!sub[0]) {
                *ret = r->s[si].root;
                return SG_OK;
        }
        wchar_t w[SG_KEYPATH_POLICY_MAX];
        widen(sub, w, SG_KEYPATH_POLICY_MAX);
        HKEY k;
        LONG rc = RegOpenKeyExW(r->s[si].root, w, 0, KEY_READ, &k);
        if (rc == ERROR_FILE_NOT_FOUND)
                return SG_OK;
        if (rc != ERROR_SUCCESS) {
                set_where(r, si, sub, NULL);
                return sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy key %s (error %ld)", r->where,
                                    (long) rc);
        }
        *ret = k;
        return SG_OK;
}

static void close_key(rd *r, int si, HKEY k) {
        if (k && k != r->s[si].root)
                RegCloseKey(k);
}

static void val_free(val *v) {
        free(v->data);
        v->data = NULL;
}

/* Whether a value read counts as set: Group Policy writes an empty string for
 * an element left blank, which means "not set" here. */
static bool val_is_set(const val *v) {
        if (v->type == REG_SZ || v->type == REG_EXPAND_SZ || v->type == REG_MULTI_SZ)
                return v->size >= sizeof(wchar_t) && ((const wchar_t *) v->data)[0] != 0;
        return true;
}

/* Read value `name` of key `k`: *found false if absent. */
static sg_err query(rd *r, HKEY k, const wchar_t *wname, val *v, bool *found) {
        *found = false;
        DWORD type = 0, size = 0;
        LONG rc = RegQueryValueExW(k, wname, NULL, &type, NULL, &size);
        if (rc == ERROR_FILE_NOT_FOUND)
                return SG_OK;
        if (rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA)
                return sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy value %s (error %ld)", r->where,
                                    (long) rc);
        if (size > SG_REG_VALUE_MAX)
                return invalid(r, "(registry)", "larger than %u bytes", SG_REG_VALUE_MAX);
        /* Read again until the size holds still (the value may change). */
        for (int tries = 0; tries < 4; tries++) {
                BYTE *data = calloc(1, (size_t) size + 2 * sizeof(wchar_t));
                if (!data)
                        return nomem(r);
                DWORD got = size;
                rc = RegQueryValueExW(k, wname, NULL, &type, data, &got);
                if (rc == ERROR_SUCCESS) {
                        v->type = type;
                        v->data = data;
                        v->size = got;
                        *found = true;
                        return SG_OK;
                }
                free(data);
                if (rc != ERROR_MORE_DATA)
                        break;
                size = got;
                if (size > SG_REG_VALUE_MAX)
                        return invalid(r, "(registry)", "larger than %u bytes", SG_REG_VALUE_MAX);
        }
        return sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy value %s (error %ld)", r->where,
                            (long) rc);
}

/* Value `name` under `sub` of source si; sets r->where. Unset values (see
 * val_is_set) are reported as not found. */
static sg_err lookup_in(rd *r, int si, const char *sub, const char *name, val *v, bool *found) {
        *found = false;
        set_where(r, si, sub, name);
        HKEY k;
        sg_err e = open_key(r, si, sub, &k);
        if (e || !k)
                return e;
        wchar_t w[SG_KEYPATH_POLICY_MAX];
        widen(name, w, SG_KEYPATH_POLICY_MAX);
        e = query(r, k, w, v, found);
        close_key(r, si, k);
        if (!e && *found && !val_is_set(v)) {
                val_free(v);
                *found = false;
        }
        return e;
}

/* The mandatory source's value if set, else the user's. */
static sg_err lookup(rd *r, const char *sub, const char *name, val *v, bool *found) {
        sg_err e = lookup_in(r, MANDATORY, sub, name, v, found);
        if (e || *found)
                return e;
        e = lookup_in(r, USER, sub, name, v, found);
        if (!e && !*found)
                set_where(r, r->s[MANDATORY].root ? MANDATORY : USER, sub, name);
        return e;
}

/* ---- Typed values (the messages follow policy-json.c's "expected ..."). */

static sg_err get_string(rd *r, const val *v, bool expand, char **ret, const char *path) {
        if (v->type != REG_SZ && !(expand && v->type == REG_EXPAND_SZ))
                return invalid(r, path, "expected a string (REG_SZ), got %s", type_name(v->type));
        const wchar_t *w = (const wchar_t *) v->data;
        size_t n = wcsnlen(w, v->size / sizeof(wchar_t));
        for (size_t i = n; i < v->size / sizeof(wchar_t); i++)
                if (w[i] != 0)
                        return invalid(r, path, "contains a NUL character");
        wchar_t *expanded = NULL;
        if (v->type == REG_EXPAND_SZ) {
                DWORD need = ExpandEnvironmentStringsW(w, NULL, 0);
                if (need == 0 || need > SG_REG_VALUE_MAX / sizeof(wchar_t))
                        return invalid(r, path, "cannot expand the environment variables in it");
                expanded = calloc(need + 1, sizeof *expanded);
                if (!expanded)
                        return nomem(r);
                ExpandEnvironmentStringsW(w, expanded, need);
                w = expanded;
                n = wcslen(w);
        }
        bool oom;
        char *s = narrow(w, n, &oom);
        free(expanded);
        if (!s)
                return oom ? nomem(r) : invalid(r, path, "not valid Unicode");
        *ret = s;
        return SG_OK;
}

/* A REG_MULTI_SZ: *ret is an owned array of owned strings (sg_strv_free). */
static sg_err get_list(rd *r, const val *v, char ***ret, size_t *ret_n, const char *path) {
        if (v->type != REG_MULTI_SZ)
                return invalid(r, path, "expected a list of strings (REG_MULTI_SZ), got %s", type_name(v->type));
        const wchar_t *w = (const wchar_t *) v->data;
        size_t units = v->size / sizeof(wchar_t), n = 0, cap = 0;
        char **list = NULL;
        for (size_t i = 0; i < units && w[i];) {
                size_t len = wcsnlen(w + i, units - i);
                bool oom;
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        char **nl = realloc(list, ncap * sizeof *nl);
                        if (!nl) {
                                sg_strv_free(list, n);
                                return nomem(r);
                        }
                        list = nl;
                        cap = ncap;
                }
                char *s = narrow(w + i, len, &oom);
                if (!s) {
                        char ip[SG_KEYPATH_POLICY_MAX];
                        sg_strv_free(list, n);
                        if (oom)
                                return nomem(r);
                        sg_keypath_idx(ip, sizeof ip, path, n);
                        return invalid(r, ip, "not valid Unicode");
                }
                list[n++] = s;
                i += len + 1;
        }
        *ret = list;
        *ret_n = n;
        return SG_OK;
}

static sg_err get_bool(rd *r, const val *v, bool *ret, const char *path) {
        if (v->type != REG_DWORD || v->size != sizeof(DWORD))
                return invalid(r, path, "expected true or false (REG_DWORD 1 or 0), got %s", type_name(v->type));
        DWORD d;
        memcpy(&d, v->data, sizeof d);
        if (d > 1)
                return invalid(r, path, "expected true or false (REG_DWORD 1 or 0), got %lu", (unsigned long) d);
        *ret = d == 1;
        return SG_OK;
}

/* REG_DWORD, or REG_QWORD where `qword` (attachment sizes beyond 4 GiB). */
static sg_err get_int(rd *r, const val *v, bool qword, int64_t min, int64_t max, int64_t *ret, const char *path) {
        uint64_t n;
        if (v->type == REG_DWORD && v->size == sizeof(DWORD)) {
                DWORD d;
                memcpy(&d, v->data, sizeof d);
                n = d;
        } else if (qword && v->type == REG_QWORD && v->size == sizeof(uint64_t)) {
                memcpy(&n, v->data, sizeof n);
        } else {
                return invalid(r, path, "expected an integer (%s), got %s",
                               qword ? "REG_DWORD or REG_QWORD" : "REG_DWORD", type_name(v->type));
        }
        if (n > (uint64_t) INT64_MAX || (int64_t) n < min || (int64_t) n > max)
                return invalid(r, path, "must be between %" PRId64 " and %" PRId64, min, max);
        *ret = (int64_t) n;
        return SG_OK;
}

/* ---- Unknown values and keys are errors, as unknown JSON keys are. */

static bool known_value(const char *pattern, const char *name) {
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
                if (strcmp(known[i].key, pattern) == 0 && sg_ascii_strcasecmp(known[i].value, name) == 0)
                        return true;
        return false;
}

/* Refuse values of `sub` in source si that `pattern` (a key of the known
 * table) does not list, and subkeys outside `subkeys`. A NULL pattern leaves
 * the values alone; n_subkeys ANY_SUBKEY the subkeys. */
#define ANY_SUBKEY ((size_t) -1)
static sg_err check_key(rd *r, int si, const char *sub, const char *pattern, const char *const *subkeys,
                        size_t n_subkeys, const char *path) {
        HKEY k;
        sg_err e = open_key(r, si, sub, &k);
        if (e || !k)
                return e;
        wchar_t *name = malloc(NAME_MAX_W * sizeof *name);
        if (!name) {
                close_key(r, si, k);
                return nomem(r);
        }
        for (DWORD i = 0; !e && pattern; i++) {
                DWORD len = NAME_MAX_W;
                LONG rc = RegEnumValueW(k, i, name, &len, NULL, NULL, NULL, NULL);
                if (rc == ERROR_NO_MORE_ITEMS)
                        break;
                if (rc != ERROR_SUCCESS) {
                        set_where(r, si, sub, NULL);
                        e = sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy key %s (error %ld)",
                                         r->where, (long) rc);
                        break;
                }
                if (len == 0) /* the key's default value: not ours, left alone */
                        continue;
                bool oom;
                char *s = narrow(name, len, &oom);
                if (!s || !known_value(pattern, s)) {
                        set_where(r, si, sub, NULL);
                        e = oom ? nomem(r)
                                : invalid(r, path[0] ? path : "(policy)", "unknown value \"%s\"", s ? s : "?");
                }
                free(s);
        }
        for (DWORD i = 0; !e && n_subkeys != ANY_SUBKEY; i++) {
                DWORD len = NAME_MAX_W;
                LONG rc = RegEnumKeyExW(k, i, name, &len, NULL, NULL, NULL, NULL);
                if (rc == ERROR_NO_MORE_ITEMS)
                        break;
                if (rc != ERROR_SUCCESS) {
                        set_where(r, si, sub, NULL);
                        e = sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy key %s (error %ld)",
                                         r->where, (long) rc);
                        break;
                }
                bool oom, ok = false;
                char *s = narrow(name, len, &oom);
                for (size_t j = 0; s && j < n_subkeys && !ok; j++)
                        ok = sg_ascii_strcasecmp(s, subkeys[j]) == 0;
                if (!ok) {
                        set_where(r, si, sub, NULL);
                        e = oom ? nomem(r) : invalid(r, path[0] ? path : "(policy)", "unknown key \"%s\"", s ? s : "?");
                }
                free(s);
        }
        free(name);
        close_key(r, si, k);
        return e;
}

/* The numbered subkeys of `sub` ("Routes", "Triggers") in source si: they
 * must be 0, 1, 2, ... without gaps (the number is the JSON index), at most
 * `max`. *ret_n is their count. */
static sg_err numbered(rd *r, int si, const char *sub, size_t max, const char *path, const char *what, size_t *ret_n) {
        *ret_n = 0;
        HKEY k;
        sg_err e = open_key(r, si, sub, &k);
        if (e || !k)
                return e;
        /* One bit per number seen, up to one past the limit. */
        bool seen[SG_POLICY_TRIGGERS_MAX + 2] = {false};
        size_t count = 0;
        wchar_t name[NAME_MAX_W];
        set_where(r, si, sub, NULL);
        for (DWORD i = 0; !e; i++) {
                DWORD len = NAME_MAX_W;
                LONG rc = RegEnumKeyExW(k, i, name, &len, NULL, NULL, NULL, NULL);
                if (rc == ERROR_NO_MORE_ITEMS)
                        break;
                if (rc != ERROR_SUCCESS) {
                        e = sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy key %s (error %ld)",
                                         r->where, (long) rc);
                        break;
                }
                size_t num = 0;
                bool digits = len > 0 && len <= 4 && !(len > 1 && name[0] == L'0');
                for (DWORD j = 0; j < len && digits; j++) {
                        digits = name[j] >= L'0' && name[j] <= L'9';
                        num = num * 10 + (size_t) (name[j] - L'0');
                }
                if (!digits) {
                        bool oom;
                        char *s = narrow(name, len, &oom);
                        e = oom ? nomem(r)
                                : invalid(r, path, "unknown key \"%s\" (%s are numbered 0, 1, 2, ...)", s ? s : "?",
                                          what);
                        free(s);
                        break;
                }
                if (++count > max)
                        e = invalid(r, path, "more than %zu %s", max, what);
                else if (num < sizeof seen / sizeof *seen)
                        seen[num] = true;
        }
        close_key(r, si, k);
        if (e)
                return e;
        for (size_t i = 0; i < count; i++)
                if (!seen[i]) {
                        char ip[SG_KEYPATH_POLICY_MAX], sub_i[SG_KEYPATH_POLICY_MAX];
                        sg_keypath_idx(ip, sizeof ip, path, i);
                        snprintf(sub_i, sizeof sub_i, "%s\\%zu", sub, i);
                        set_where(r, si, sub_i, NULL);
                        return invalid(r, ip, "missing: %s are numbered from 0 without gaps", what);
                }
        *ret_n = count;
        return SG_OK;
}

/* Whether source si has `sub` with at least one subkey. */
static bool has_subkeys(rd *r, int si, const char *sub) {
        HKEY k;
        if (open_key(r, si, sub, &k) || !k)
                return false;
        DWORD n = 0;
        LONG rc = RegQueryInfoKeyW(k, NULL, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        close_key(r, si, k);
        return rc == ERROR_SUCCESS && n > 0;
}

/* ---- The sections, in policy-json.c's order. */

typedef sg_err (*string_adder)(sg_policy *p, const char *s, sg_error *err);

static sg_err read_list(rd *r, const char *sub, const char *name, const char *path, string_adder add) {
        val v = {0};
        bool found;
        char **list = NULL;
        size_t n = 0;
        sg_err e = lookup(r, sub, name, &v, &found);
        if (e || !found)
                return e;
        e = get_list(r, &v, &list, &n, path);
        val_free(&v);
        for (size_t i = 0; !e && i < n; i++) {
                char ip[SG_KEYPATH_POLICY_MAX];
                sg_keypath_idx(ip, sizeof ip, path, i);
                sg_err be = add(r->p, list[i], r->err);
                if (be)
                        e = builder_fail(r, be, ip);
        }
        sg_strv_free(list, n);
        return e;
}

static sg_err read_string(rd *r, const char *sub, const char *name, bool expand, char **ret, const char *path) {
        val v = {0};
        bool found;
        *ret = NULL;
        sg_err e = lookup(r, sub, name, &v, &found);
        if (e || !found)
                return e;
        e = get_string(r, &v, expand, ret, path);
        val_free(&v);
        return e;
}

static sg_err read_int(rd *r, const char *sub, const char *name, int64_t min, int64_t max, int64_t *ret,
                       bool *ret_found, const char *path) {
        val v = {0};
        sg_err e = lookup(r, sub, name, &v, ret_found);
        if (e || !*ret_found)
                return e;
        e = get_int(r, &v, false, min, max, ret, path);
        val_free(&v);
        return e;
}

/* The builder's check that a named route exists (routes are read first),
 * reported at the key path of the name. */
static sg_err check_route_ref(rd *r, const char *name, const char *path) {
        sg_err be = sg_policy_check_route_ref(r->p, name, r->err);
        return be ? builder_fail(r, be, path) : SG_OK;
}

/* The registry value of a key of section `sub` ("timeout_seconds" ->
 * "TimeoutSeconds"), from the table of known values. */
static const char *value_name(const char *sub, const char *json) {
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
                if (strcmp(known[i].key, sub) == 0 && strcmp(known[i].json, json) == 0)
                        return known[i].value;
        return NULL;
}

/* The scalar settings of `section` (core's sg_settings table) under subkey
 * `sub`, each read, checked against its range and handed to its builder
 * call, as policy-json.c reads them. */
static sg_err read_settings(rd *r, const char *section, const char *sub) {
        size_t n;
        const sg_setting *list = sg_settings(&n);
        sg_err e = SG_OK;
        for (size_t i = 0; !e && i < n; i++) {
                const sg_setting *st = &list[i];
                const char *name = strcmp(st->section, section) == 0 ? value_name(sub, st->name) : NULL;
                val v = {0};
                bool found, b = false;
                int64_t num = 0; /* set by get_int; quiets -Wmaybe-uninitialized */
                char *str = NULL;
                if (!name || (e = lookup(r, sub, name, &v, &found)) || !found)
                        continue;
                sg_err be = SG_OK;
                switch (st->kind) {
                case SG_SETTING_BOOL:
                        if (!(e = get_bool(r, &v, &b, st->path)))
                                st->set_bool(r->p, b);
                        break;
                case SG_SETTING_UINT:
                        if (!(e = get_int(r, &v, false, st->min, st->max, &num, st->path)))
                                be = st->set_uint(r->p, (unsigned) num, r->err);
                        break;
                case SG_SETTING_STRING:
                case SG_SETTING_PATH:
                        /* a path may hold %VARIABLES% (REG_EXPAND_SZ) */
                        if (!(e = get_string(r, &v, st->kind == SG_SETTING_PATH, &str, st->path)))
                                be = st->set_string(r->p, str, r->err);
                        break;
                }
                val_free(&v);
                free(str);
                if (!e && be)
                        e = builder_fail(r, be, st->path);
        }
        return e;
}

/* A numbered list ("Routes", "Triggers", named `what` at `what` in the
 * JSON) of source si (-1: none; *ret NULL) through numbered(), and a zeroed
 * array of its count (*ret_n) of `elem`-byte entries in *ret (owned, at
 * least one entry). */
static sg_err numbered_list(rd *r, int si, const char *sub, size_t max, const char *what, size_t elem, void **ret,
                            size_t *ret_n) {
        *ret = NULL;
        *ret_n = 0;
        if (si < 0)
                return SG_OK;
        sg_err e = numbered(r, si, sub, max, what, what, ret_n);
        if (e)
                return e;
        if (!(*ret = calloc(*ret_n ? *ret_n : 1, elem)))
                return nomem(r);
        return SG_OK;
}

static sg_err read_routes(rd *r) {
        int si = r->routes_src;
        size_t n;
        void *names = NULL;
        sg_err e = numbered_list(r, si, "Routes", SG_POLICY_ROUTES_MAX, "routes", sizeof *r->route_names, &names, &n);
        if (e || !names)
                return e;
        r->route_names = names;
        static const char *const route_subkeys[] = {"Headers"};
        wchar_t *hname = malloc(NAME_MAX_W * sizeof *hname);
        if (!hname)
                return nomem(r);
        for (size_t i = 0; !e && i < n; i++) {
                char sub[SG_KEYPATH_POLICY_MAX], hsub[SG_KEYPATH_POLICY_MAX], ip[SG_KEYPATH_POLICY_MAX],
                        rp[SG_KEYPATH_POLICY_MAX], kp[SG_KEYPATH_POLICY_MAX];
                snprintf(sub, sizeof sub, "Routes\\%zu", i);
                snprintf(hsub, sizeof hsub, "Routes\\%zu\\Headers", i);
                sg_keypath_idx(ip, sizeof ip, "routes", i);
                if ((e = check_key(r, si, sub, "Routes\\<n>", route_subkeys, 1, ip)) ||
                    (e = check_key(r, si, hsub, NULL, NULL, 0, ip)))
                        break;
                val v = {0};
                bool found;
                char *name = NULL;
                sg_keypath_key(kp, sizeof kp, ip, "name", SG_KEYPATH_ALL);
                if ((e = lookup_in(r, si, sub, "Name", &v, &found)))
                        break;
                if (!found) {
                        e = invalid(r, kp, "required");
                        break;
                }
                e = get_string(r, &v, false, &name, kp);
                val_free(&v);
                if (e)
                        break;
                r->route_names[r->n_routes++] = name;
                sg_keypath_key(rp, sizeof rp, "routes", name, SG_KEYPATH_ALL);
                sg_err be = sg_policy_add_route(r->p, name, r->err);
                if (be) {
                        e = builder_fail(r, be, rp);
                        break;
                }

                /* Headers: every value of Routes\<n>\Headers, name = header name. */
                sg_keypath_key(kp, sizeof kp, rp, "headers", SG_KEYPATH_ALL);
                HKEY hk;
                if ((e = open_key(r, si, hsub, &hk)))
                        break;
                size_t n_headers = 0;
                for (DWORD j = 0; hk && !e; j++) {
                        DWORD len = NAME_MAX_W;
                        LONG rc = RegEnumValueW(hk, j, hname, &len, NULL, NULL, NULL, NULL);
                        if (rc == ERROR_NO_MORE_ITEMS)
                                break;
                        set_where(r, si, hsub, NULL);
                        if (rc != ERROR_SUCCESS) {
                                e = sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy key %s (error %ld)",
                                                 r->where, (long) rc);
                                break;
                        }
                        if (len == 0)
                                continue;
                        bool oom;
                        char *h = narrow(hname, len, &oom);
                        if (!h) {
                                e = oom ? nomem(r) : invalid(r, kp, "a header name that is not valid Unicode");
                                break;
                        }
                        char hp[SG_KEYPATH_POLICY_MAX], *value = NULL;
                        sg_keypath_key(hp, sizeof hp, kp, h, SG_KEYPATH_ALL);
                        set_where(r, si, hsub, h);
                        hname[len] = 0;
                        if (!(e = query(r, hk, hname, &v, &found)) && found) {
                                e = get_string(r, &v, false, &value, hp);
                                val_free(&v);
                        }
                        if (!e && value) {
                                sg_err be2 = sg_policy_add_route_header(r->p, name, h, value, r->err);
                                if (be2)
                                        e = builder_fail(r, be2, hp);
                                n_headers++;
                        }
                        free(value);
                        free(h);
                }
                close_key(r, si, hk);
                if (e)
                        break;
                if (n_headers == 0) {
                        set_where(r, si, hsub, NULL);
                        e = invalid(r, kp, "a route must set at least one header");
                        break;
                }

                /* routes.NAME.label: LabelEn and LabelJa, both or neither. */
                char *label[2] = {NULL, NULL};
                bool has[2] = {false, false};
                static const char *const label_values[2] = {"LabelEn", "LabelJa"};
                sg_keypath_key(kp, sizeof kp, rp, "label", SG_KEYPATH_ALL);
                for (int l = 0; l < 2 && !e; l++)
                        if (!(e = lookup_in(r, si, sub, label_values[l], &v, &has[l])) && has[l]) {
                                e = get_string(r, &v, false, &label[l], kp);
                                val_free(&v);
                        }
                if (!e && (has[0] || has[1])) {
                        if (!label[0] || !label[1]) {
                                e = invalid(r, kp, "a route label needs both LabelEn and LabelJa");
                        } else {
                                sg_err be2 = sg_policy_set_route_label(r->p, name, label[0], label[1], r->err);
                                if (be2)
                                        e = builder_fail(r, be2, kp);
                        }
                }
                free(label[0]);
                free(label[1]);
                if (e)
                        break;

                char *tag = NULL;
                sg_keypath_key(kp, sizeof kp, rp, "subject_tag", SG_KEYPATH_ALL);
                if ((e = lookup_in(r, si, sub, "SubjectTag", &v, &found)) || !found)
                        continue;
                e = get_string(r, &v, false, &tag, kp);
                val_free(&v);
                if (!e) {
                        sg_err be2 = sg_policy_set_route_subject_tag(r->p, name, tag, r->err);
                        if (be2)
                                e = builder_fail(r, be2, kp);
                }
                free(tag);
        }
        free(hname);
        return e;
}

static sg_err read_external(rd *r) {
        sg_action action = SG_ACTION_PROMPT;
        char *s = NULL, *route = NULL;
        sg_err e = read_string(r, "External", "Action", false, &s, "external.action");
        if (e)
                return e;
        if (s && !sg_action_from_name(s, &action)) {
                e = invalid(r, "external.action",
                            "unknown action \"%s\" (expected prompt, route, encrypt, block or allow)", s);
                free(s);
                return e;
        }
        bool action_set = s != NULL;
        free(s);
        if ((e = read_string(r, "External", "Route", false, &route, "external.route")))
                return e;
        if (route) {
                if (action != SG_ACTION_ROUTE)
                        e = invalid(r, "external.route", "only allowed when the action is \"route\"");
                else
                        e = check_route_ref(r, route, "external.route");
        } else if (action == SG_ACTION_ROUTE) {
                e = invalid(r, "external.route", "required when the action is \"route\"");
        }
        if (!e && (action_set || route)) {
                sg_err be = sg_policy_set_external_action(r->p, action, route, r->err);
                if (be)
                        e = builder_fail(r, be, "external");
        }
        free(route);
        return e;
}

/* "encrypt", "send", "cancel" or "route:<name>" (defined). */
static sg_err parse_choice(rd *r, const char *s, sg_choice_kind *kind, const char **route, const char *path) {
        if (!sg_choice_id_parse(s, kind, route))
                return invalid(r, path, "unknown choice \"%s\" (expected encrypt, send, cancel or route:<route name>)",
                               s);
        return *kind == SG_CHOICE_ROUTE ? check_route_ref(r, *route, path) : SG_OK;
}

/* A setting that names one of prompt.choices: prompt.fallback (any choice;
 * cancel is always offered) and prompt.recommended (a protective one). */
typedef struct prompt_choice_key {
        const char *path;        /* "prompt.fallback" */
        const char *always;      /* listed even when prompt.choices names it not, or NULL */
        const char *defaults[2]; /* listed when prompt.choices is unset (the engine's default choices) */
        bool protective;         /* encrypt or route:<name> only */
        sg_err (*set)(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err);
} prompt_choice_key;

static const prompt_choice_key prompt_fallback = {
        "prompt.fallback", "cancel", {"encrypt", "send"}, false, sg_policy_set_prompt_fallback};
static const prompt_choice_key prompt_recommended = {
        "prompt.recommended", NULL, {"encrypt", NULL}, true, sg_policy_set_prompt_recommended};

/* Prompt\<value>, checked against the prompt.choices read before (NULL when
 * unset). Named here, as in policy-json.c; the engine checks at seal too. */
static sg_err read_prompt_choice(rd *r, const char *value, const prompt_choice_key *k, char **choices,
                                 size_t n_choices) {
        char *s = NULL;
        sg_err e = read_string(r, "Prompt", value, false, &s, k->path);
        if (e || !s)
                return e;
        const char *route;
        sg_choice_kind kind;
        e = parse_choice(r, s, &kind, &route, k->path);
        if (!e && k->protective && kind != SG_CHOICE_ENCRYPT && kind != SG_CHOICE_ROUTE)
                e = invalid(r, k->path, "\"%s\" is not a protective choice (expected encrypt or route:<route name>)",
                            s);
        bool listed = k->always && strcmp(s, k->always) == 0;
        for (size_t i = 0; !choices && i < 2; i++)
                listed = listed || (k->defaults[i] && strcmp(s, k->defaults[i]) == 0);
        for (size_t i = 0; i < n_choices; i++)
                listed = listed || strcmp(choices[i], s) == 0;
        if (!e && !listed)
                e = invalid(r, k->path, "\"%s\" is not one of prompt.choices", s);
        if (!e) {
                sg_err be = k->set(r->p, kind, route, r->err);
                if (be)
                        e = builder_fail(r, be, k->path);
        }
        free(s);
        return e;
}

static sg_err read_prompt(rd *r) {
        val v = {0};
        bool found;
        char **choices = NULL;
        size_t n_choices = 0;
        sg_err e = lookup(r, "Prompt", "Choices", &v, &found);
        if (e)
                return e;
        if (found) {
                e = get_list(r, &v, &choices, &n_choices, "prompt.choices");
                val_free(&v);
                for (size_t i = 0; !e && i < n_choices; i++) {
                        char ip[SG_KEYPATH_POLICY_MAX];
                        const char *route;
                        sg_choice_kind kind;
                        sg_keypath_idx(ip, sizeof ip, "prompt.choices", i);
                        if ((e = parse_choice(r, choices[i], &kind, &route, ip)))
                                break;
                        sg_err be = sg_policy_add_choice(r->p, kind, route, r->err);
                        if (be)
                                e = builder_fail(r, be, ip);
                }
        }
        if (!e)
                e = read_prompt_choice(r, "Fallback", &prompt_fallback, choices, n_choices);
        if (!e)
                e = read_prompt_choice(r, "Recommended", &prompt_recommended, choices, n_choices);
        sg_strv_free(choices, n_choices);
        if (e)
                return e;
        return read_settings(r, "prompt", "Prompt");
}

static sg_err read_encrypt_fallback(rd *r) {
        sg_err e;
        val v = {0};
        bool found;
        char **list = NULL;
        size_t n = 0;
        if ((e = lookup(r, "Encrypt", "Fallback", &v, &found)) || !found)
                return e;
        e = get_list(r, &v, &list, &n, "encrypt.fallback");
        val_free(&v);
        for (size_t i = 0; !e && i < n; i++) {
                char ip[SG_KEYPATH_POLICY_MAX];
                sg_keypath_idx(ip, sizeof ip, "encrypt.fallback", i);
                if ((e = check_route_ref(r, list[i], ip)))
                        break;
                sg_err be = sg_policy_add_encrypt_fallback(r->p, list[i], r->err);
                if (be)
                        e = builder_fail(r, be, ip);
        }
        sg_strv_free(list, n);
        return e;
}

static sg_err read_encrypt(rd *r) {
        sg_err e = read_list(r, "Encrypt", "Methods", "encrypt.methods", sg_policy_add_encrypt_method);
        if (e || (e = read_encrypt_fallback(r)))
                return e;
        return read_settings(r, "encrypt", "Encrypt");
}

static sg_err read_audit(rd *r) {
        sg_err e = read_settings(r, "audit", "Audit");
        /* audit.journal, outside the settings table as in policy-json.c: on
         * Windows the Event Log (core/platform/audit-journal-eventlog.c). */
        val v = {0};
        bool found, b = false;
        if (e || (e = lookup(r, "Audit", "Journal", &v, &found)) || !found)
                return e;
        if (!(e = get_bool(r, &v, &b, "audit.journal")))
                sg_policy_set_audit_journal(r->p, b);
        val_free(&v);
        return e;
}

static sg_err read_addresses(rd *r) {
        return read_settings(r, "addresses", "Addresses");
}

/* The mis-send keys outside prompt.* (send.*, rules.*, rules.convert_to_bcc.*):
 * core's settings table, as policy-json.c's read_send and read_rules. */
static sg_err read_missend(rd *r) {
        sg_err e = read_settings(r, "send", "Send");
        if (!e)
                e = read_settings(r, "rules", "Rules");
        if (!e)
                e = read_settings(r, "rules.convert_to_bcc", "Rules\\ConvertToBcc");
        return e;
}

/* ---- Triggers: the keys of core's table (sg_trigger_keys). */

/* The registry value of a trigger key ("forbid_send" -> "ForbidSend"). */
static const char *trigger_value_name(const char *json) {
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
                if (strcmp(known[i].key, "Triggers\\<n>") == 0 && strcmp(known[i].json, json) == 0)
                        return known[i].value;
        return json;
}

/* Keys that belong to another type are refused, unless unset, empty or 0:
 * Group Policy writes every element of a trigger slot (docs/admin/outlook.md). */
static sg_err check_trigger_keys(rd *r, int si, const char *sub, sg_trigger_type type, const char *tname,
                                 const char *path) {
        for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
                if (strcmp(known[i].key, "Triggers\\<n>") != 0 ||
                    sg_trigger_key_takes(sg_trigger_key_find(known[i].json), type))
                        continue;
                val v = {0};
                bool found;
                sg_err e = lookup_in(r, si, sub, known[i].value, &v, &found);
                if (e)
                        return e;
                bool zero = false;
                if (found && (v.type == REG_DWORD || v.type == REG_QWORD)) {
                        zero = true;
                        for (DWORD b = 0; b < v.size; b++)
                                zero = zero && v.data[b] == 0;
                }
                val_free(&v);
                if (found && !zero) {
                        char kp[SG_KEYPATH_POLICY_MAX];
                        sg_keypath_key(kp, sizeof kp, path, known[i].json, SG_KEYPATH_ALL);
                        return invalid(r, kp, "not allowed in a trigger of type \"%s\"", tname);
                }
        }
        return SG_OK;
}

static sg_err trigger_fail(rd *r, sg_err e, const char *path, const sg_trigger_key *lk) {
        size_t idx;
        if (lk && sg_trigger_error_list_entry(r->err, &idx)) {
                char kp[SG_KEYPATH_POLICY_MAX], ip[SG_KEYPATH_POLICY_MAX];
                sg_keypath_key(kp, sizeof kp, path, lk->name, SG_KEYPATH_ALL);
                sg_keypath_idx(ip, sizeof ip, kp, idx);
                return builder_fail(r, e, ip);
        }
        return builder_fail(r, e, path);
}

/* Strings a trigger read holds until sg_policy_add_trigger has copied them. */
typedef struct trig_strings {
        char *s[SG_TRIGGER_SLOT__MAX]; /* the string keys' values, by slot */
        char *label[2];                /* LabelEn, LabelJa */
        char **list;
        size_t n_list;
} trig_strings;

static void trig_strings_free(trig_strings *t) {
        for (size_t i = 0; i < SG_TRIGGER_SLOT__MAX; i++)
                free(t->s[i]);
        free(t->label[0]);
        free(t->label[1]);
        sg_strv_free(t->list, t->n_list);
}

/* Value `v` of trigger key `k` as the key's kind, strings kept in *t. Sizes
 * beyond 4 GiB need a REG_QWORD. */
static sg_err trigger_value(rd *r, const val *v, const sg_trigger_key *k, sg_trigger_value *tv, trig_strings *t,
                            const char *path) {
        sg_err e;
        switch (k->kind) {
        case SG_TRIGGER_KEY_STRING:
                free(t->s[k->slot]);
                t->s[k->slot] = NULL;
                e = get_string(r, v, false, &t->s[k->slot], path);
                tv->s = t->s[k->slot];
                return e;
        case SG_TRIGGER_KEY_BOOL:
                return get_bool(r, v, &tv->b, path);
        case SG_TRIGGER_KEY_INT:
                return get_int(r, v, k->max > UINT32_MAX, k->min, k->max, &tv->n, path);
        case SG_TRIGGER_KEY_LIST:
                sg_strv_free(t->list, t->n_list);
                t->list = NULL;
                t->n_list = 0;
                e = get_list(r, v, &t->list, &t->n_list, path);
                tv->list = (const char *const *) t->list;
                tv->n_list = t->n_list;
                return e;
        case SG_TRIGGER_KEY_LABEL: /* two values: read_trigger_into reads them (trigger_label) */
                break;
        }
        return sg_error_set(r->err, SG_ERR_INTERNAL, "%s: unknown kind of trigger key", path);
}

/* triggers[].label: LabelEn and LabelJa, both or neither (as a route's). */
static sg_err trigger_label(rd *r, int si, const char *sub, sg_trigger_value *tv, trig_strings *t, const char *path) {
        static const char *const names[2] = {"LabelEn", "LabelJa"};
        bool has[2] = {false, false};
        for (int l = 0; l < 2; l++) {
                val v = {0};
                sg_err e = lookup_in(r, si, sub, names[l], &v, &has[l]);
                if (!e && has[l])
                        e = get_string(r, &v, false, &t->label[l], path);
                val_free(&v);
                if (e)
                        return e;
        }
        if (has[0] != has[1])
                return invalid(r, path, "a trigger label needs both LabelEn and LabelJa");
        tv->label[0] = t->label[0];
        tv->label[1] = t->label[1];
        return SG_OK;
}

/* The keys in sg_trigger_keys' order, "type" first, as policy-json.c. */
static sg_err read_trigger_into(rd *r, int si, size_t index, sg_trigger_spec *spec, trig_strings *t) {
        char sub[SG_KEYPATH_POLICY_MAX], path[SG_KEYPATH_POLICY_MAX];
        snprintf(sub, sizeof sub, "Triggers\\%zu", index);
        sg_keypath_idx(path, sizeof path, "triggers", index);
        sg_err e = check_key(r, si, sub, "Triggers\\<n>", NULL, 0, path);
        size_t n_keys;
        const sg_trigger_key *keys = sg_trigger_keys(&n_keys);
        for (size_t i = 0; !e && i < n_keys; i++) {
                const sg_trigger_key *k = &keys[i];
                bool takes = k->slot == SG_TRIGGER_SLOT_TYPE || sg_trigger_key_takes(k, spec->type);
                /* Another type's flag is read all the same: the 0 that
                 * check_trigger_keys lets through must still be a REG_DWORD. */
                if (!takes && k->kind != SG_TRIGGER_KEY_BOOL)
                        continue;
                char kp[SG_KEYPATH_POLICY_MAX];
                val v = {0};
                bool found;
                sg_trigger_value tv = {0};
                sg_keypath_key(kp, sizeof kp, path, k->name, SG_KEYPATH_ALL);
                if (k->kind == SG_TRIGGER_KEY_LABEL) { /* two values: LabelEn and LabelJa */
                        if ((e = trigger_label(r, si, sub, &tv, t, kp)) == SG_OK && tv.label[0] &&
                            (e = sg_trigger_spec_set(spec, k, &tv, r->err)))
                                e = builder_fail(r, e, kp);
                        continue;
                }
                if ((e = lookup_in(r, si, sub, trigger_value_name(k->name), &v, &found)))
                        break;
                if (!found) {
                        if (takes && (e = sg_trigger_spec_missing(spec, k, r->err)))
                                e = builder_fail(r, e, kp);
                        continue;
                }
                e = trigger_value(r, &v, k, &tv, t, kp);
                val_free(&v);
                if (e)
                        break;
                if ((e = sg_trigger_spec_set(spec, k, &tv, r->err))) {
                        e = builder_fail(r, e, kp);
                        break;
                }
                size_t bad;
                if (k->slot == SG_TRIGGER_SLOT_TYPE)
                        e = check_trigger_keys(r, si, sub, spec->type, tv.s, path);
                else if (k->slot == SG_TRIGGER_SLOT_ROUTE)
                        e = check_route_ref(r, spec->route, kp);
                /* A pattern that does not compile (PCRE2) is named with its index. */
                else if (k->slot == SG_TRIGGER_SLOT_LIST && (e = sg_trigger_spec_check_patterns(spec, &bad, r->err))) {
                        char ip[SG_KEYPATH_POLICY_MAX];
                        sg_keypath_idx(ip, sizeof ip, kp, bad);
                        e = builder_fail(r, e, ip);
                }
        }
        if (e)
                return e;
        sg_err be = sg_policy_add_trigger(r->p, spec, r->err);
        set_where(r, si, sub, NULL);
        if (be)
                return trigger_fail(r, be, path, sg_trigger_list_key(spec->type));
        return SG_OK;
}

static sg_err read_triggers(rd *r) {
        int si = r->triggers_src;
        size_t n;
        void *v = NULL;
        sg_err e = numbered_list(r, si, "Triggers", SG_POLICY_TRIGGERS_MAX, "triggers", SG_POLICY_NAME_MAX + 1, &v, &n);
        if (e || !v)
                return e;
        char(*ids)[SG_POLICY_NAME_MAX + 1] = v;
        for (size_t i = 0; !e && i < n; i++) {
                sg_trigger_spec spec = {.scope = SG_SCOPE_EXTERNAL};
                trig_strings t = {0};
                e = read_trigger_into(r, si, i, &spec, &t);
                if (!e) {
                        /* The id it has: its own or the default "<type>-<index>". */
                        if (snprintf(ids[i], sizeof ids[i], "%s", spec.id ? spec.id : "") < 0 || !spec.id)
                                snprintf(ids[i], sizeof ids[i], "%s-%zu", sg_trigger_type_name(spec.type), i);
                        for (size_t k = 0; spec.id && k < i; k++)
                                if (strcmp(ids[i], ids[k]) == 0) {
                                        char ip[SG_KEYPATH_POLICY_MAX], kp[SG_KEYPATH_POLICY_MAX];
                                        sg_keypath_idx(ip, sizeof ip, "triggers", i);
                                        sg_keypath_key(kp, sizeof kp, ip, "id", SG_KEYPATH_ALL);
                                        e = invalid(r, kp, "\"%s\" is already the id of triggers[%zu]", ids[i], k);
                                        break;
                                }
                }
                trig_strings_free(&t);
        }
        free(ids);
        return e;
}

/* Routes come first: everything else may name them. */
static sg_err read_policy(rd *r) {
        sg_err e;
        static const struct {
                const char *sub;
                const char *path;
        } sections[] = {{"Internal", "internal"},
                        {"Exceptions", "exceptions"},
                        {"External", "external"},
                        {"Prompt", "prompt"},
                        {"Encrypt", "encrypt"},
                        {"Audit", "audit"},
                        {"Addresses", "addresses"},
                        {"Send", "send"},
                        {"Rules\\ConvertToBcc", "rules.convert_to_bcc"}};
        for (int si = 0; si < N_SOURCES; si++) {
                if ((e = check_key(r, si, "", "", root_subkeys, sizeof root_subkeys / sizeof *root_subkeys, "")))
                        return e;
                for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
                        if ((e = check_key(r, si, sections[i].sub, sections[i].sub, NULL, 0, sections[i].path)))
                                return e;
                if ((e = check_key(r, si, "Rules", "Rules", rules_subkeys, 1, "rules")))
                        return e;
                /* No values directly under Routes or Triggers; their numbered
                 * subkeys are checked by numbered(). */
                if ((e = check_key(r, si, "Routes", "Routes", NULL, ANY_SUBKEY, "routes")) ||
                    (e = check_key(r, si, "Triggers", "Triggers", NULL, ANY_SUBKEY, "triggers")))
                        return e;
        }
        int64_t version;
        bool found;
        if ((e = read_int(r, "", "Version", 0, UINT32_MAX, &version, &found, "version")))
                return e;
        if (found && version != 1)
                return invalid(r, "version", "unsupported version %" PRId64 " (this sealgate reads version 1)",
                               version);
        r->routes_src = has_subkeys(r, MANDATORY, "Routes") ? MANDATORY : has_subkeys(r, USER, "Routes") ? USER : -1;
        r->triggers_src = has_subkeys(r, MANDATORY, "Triggers") ? MANDATORY
                          : has_subkeys(r, USER, "Triggers")    ? USER
                                                                : -1;
        if ((e = read_routes(r)) ||
            (e = read_list(r, "Internal", "Domains", "internal.domains", sg_policy_add_internal_domain)) ||
            (e = read_list(r, "Internal", "Addresses", "internal.addresses", sg_policy_add_internal_address)) ||
            (e = read_list(r, "Exceptions", "Domains", "exceptions.domains", sg_policy_add_exception_domain)) ||
            (e = read_list(r, "Exceptions", "Addresses", "exceptions.addresses", sg_policy_add_exception_address)) ||
            (e = read_external(r)) || (e = read_prompt(r)) || (e = read_encrypt(r)) || (e = read_triggers(r)) ||
            (e = read_audit(r)) || (e = read_addresses(r)) || (e = read_missend(r)))
                return e;
        return SG_OK;
}

static const char *hive_name(HKEY h) {
        if (h == HKEY_LOCAL_MACHINE)
                return "HKLM";
        if (h == HKEY_CURRENT_USER)
                return "HKCU";
        if (h == HKEY_USERS)
                return "HKU";
        return "(hive)";
}

static sg_err open_source(rd *r, int si, const sg_reg_root *root) {
        if (!root || !root->subkey)
                return SG_OK;
        snprintf(r->s[si].label, sizeof r->s[si].label, "%s\\%s", hive_name(root->hive), root->subkey);
        wchar_t w[SG_KEYPATH_POLICY_MAX];
        widen(root->subkey, w, SG_KEYPATH_POLICY_MAX);
        /* The 64-bit view: where Group Policy writes, also for 32-bit Outlook. */
        LONG rc = RegOpenKeyExW(root->hive, w, 0, KEY_READ | KEY_WOW64_64KEY, &r->s[si].root);
        if (rc == ERROR_FILE_NOT_FOUND) {
                r->s[si].root = NULL;
                return SG_OK;
        }
        if (rc != ERROR_SUCCESS) {
                r->s[si].root = NULL;
                return sg_error_set(r->err, SG_ERR_POLICY_IO, "cannot read the policy key %s (error %ld)",
                                    r->s[si].label, (long) rc);
        }
        return SG_OK;
}

sg_err sg_policy_from_registry(const sg_reg_root *mandatory, const sg_reg_root *user, sg_policy **ret, sg_error *err) {
        if (!ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_policy_from_registry: NULL argument");
        sg_error local = {0};
        rd r = {.err = err ? err : &local, .routes_src = -1, .triggers_src = -1};
        sg_err e = open_source(&r, MANDATORY, mandatory);
        if (!e)
                e = open_source(&r, USER, user);
        if (!e && !(r.p = sg_policy_new()))
                e = nomem(&r);
        if (!e && (e = read_policy(&r)) && e != SG_ERR_NOMEM && e != SG_ERR_POLICY_IO && r.where[0]) {
                /* Where it is, after what is wrong: the message starts with the
                 * same key path as on Linux. */
                char msg[SG_ERROR_MESSAGE_MAX];
                snprintf(msg, sizeof msg, "%s", r.err->message);
                sg_error_set(r.err, e, "%s (%s)", msg, r.where);
        }
        /* The builder's cross-reference checks cannot know key paths; most
         * of them were made above with one. */
        if (!e && (e = sg_policy_seal(r.p, r.err)) && e != SG_ERR_NOMEM) {
                e = SG_ERR_POLICY_INVALID;
                r.err->code = e;
        }
        for (int si = 0; si < N_SOURCES; si++)
                if (r.s[si].root)
                        RegCloseKey(r.s[si].root);
        sg_strv_free(r.route_names, r.n_routes);
        if (e) {
                sg_policy_free(r.p);
                return e;
        }
        *ret = r.p;
        return SG_OK;
}

sg_err sg_policy_reg_load(sg_policy **ret, sg_error *err) {
        const sg_reg_root mandatory = {HKEY_LOCAL_MACHINE, SG_REG_POLICY_KEY};
        const sg_reg_root user = {HKEY_CURRENT_USER, SG_REG_USER_KEY};
        return sg_policy_from_registry(&mandatory, &user, ret, err);
}
