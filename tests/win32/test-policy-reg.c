/* Tests of win32-mapi/policy-reg.c under Wine: rows that write registry values
 * under a scratch key (HKCU\Software\sealgate-test\<n>\Policies and \User),
 * read them and check the policy or the error; then the real HKLM/HKCU keys,
 * and the documented example .reg file imported with regedit. TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "policy-reg.h"
#include "sg-test.h"

#define TEST_BASE "Software\\sealgate-test"

static void widen(const char *s, wchar_t *out, size_t cap) {
        int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, out, (int) cap);
        if (n <= 0)
                out[0] = 0;
}

/* Write one value: `spec` is "<P|U|M|C>:<Key\Path>\<Value>=<t>:<data>" where
 * P/U are the row's Policies/User keys, M/C the real HKLM/HKCU keys, and t is
 * s (REG_SZ), e (REG_EXPAND_SZ), m (REG_MULTI_SZ, entries split at '|'), d
 * (REG_DWORD), q (REG_QWORD), b (REG_BINARY, the bytes of data). */
static bool write_value(const char *base, const char *spec) {
        char root[512], buf[8192];
        HKEY hive = HKEY_CURRENT_USER;
        switch (spec[0]) {
        case 'P':
                snprintf(root, sizeof root, "%s\\Policies", base);
                break;
        case 'U':
                snprintf(root, sizeof root, "%s\\User", base);
                break;
        case 'M':
                hive = HKEY_LOCAL_MACHINE;
                snprintf(root, sizeof root, "%s", SG_REG_POLICY_KEY);
                break;
        default:
                snprintf(root, sizeof root, "%s", SG_REG_USER_KEY);
                break;
        }
        snprintf(buf, sizeof buf, "%s", spec + 2);
        char *eq = strchr(buf, '=');
        if (!eq)
                return false;
        *eq = '\0';
        char type = eq[1];
        const char *data = eq + 3;
        char *slash = strrchr(buf, '\\');
        const char *name = slash ? slash + 1 : buf;
        char keypath[1024];
        if (slash) {
                *slash = '\0';
                snprintf(keypath, sizeof keypath, "%s\\%s", root, buf);
        } else {
                snprintf(keypath, sizeof keypath, "%s", root);
        }
        wchar_t wkey[1024], wname[512];
        widen(keypath, wkey, 1024);
        widen(name, wname, 512);
        HKEY k;
        if (RegCreateKeyExW(hive, wkey, 0, NULL, 0, KEY_WRITE, NULL, &k, NULL) != ERROR_SUCCESS)
                return false;
        LONG rc;
        if (type == 'd' || type == 'q') {
                unsigned long long n = strtoull(data, NULL, 0);
                DWORD d = (DWORD) n;
                rc = type == 'd' ? RegSetValueExW(k, wname, 0, REG_DWORD, (const BYTE *) &d, sizeof d)
                                 : RegSetValueExW(k, wname, 0, REG_QWORD, (const BYTE *) &n, sizeof n);
        } else if (type == 'b') {
                rc = RegSetValueExW(k, wname, 0, REG_BINARY, (const BYTE *) data, (DWORD) strlen(data));
        } else {
                static wchar_t w[1 << 20];
                int n = MultiByteToWideChar(CP_UTF8, 0, data, -1, w, (int) (sizeof w / sizeof *w) - 1);
                size_t units = n > 0 ? (size_t) n : 1;
                if (type == 'm') {
                        for (size_t i = 0; i < units; i++)
                                if (w[i] == L'|')
                                        w[i] = 0;
                        w[units++] = 0;
                }
                rc = RegSetValueExW(k, wname, 0,
                                    type == 'm'   ? REG_MULTI_SZ
                                    : type == 'e' ? REG_EXPAND_SZ
                                                  : REG_SZ,
                                    (const BYTE *) w, (DWORD) (units * sizeof(wchar_t)));
        }
        RegCloseKey(k);
        return rc == ERROR_SUCCESS;
}

static void delete_tree(HKEY hive, const char *path) {
        wchar_t w[512];
        widen(path, w, 512);
        RegDeleteTreeW(hive, w);
        RegDeleteKeyW(hive, w);
}

static int row_no;

/* Write the NULL-terminated specs under a new scratch key and read. */
static sg_err load(const char *const *specs, sg_policy **ret, sg_error *err) {
        char base[256], pol[300], usr[300];
        snprintf(base, sizeof base, TEST_BASE "\\%d", ++row_no);
        snprintf(pol, sizeof pol, "%s\\Policies", base);
        snprintf(usr, sizeof usr, "%s\\User", base);
        for (size_t i = 0; specs && specs[i]; i++)
                if (!write_value(base, specs[i]))
                        sg_test_diag("could not write %s", specs[i]);
        sg_reg_root m = {HKEY_CURRENT_USER, pol}, u = {HKEY_CURRENT_USER, usr};
        sg_err e = sg_policy_from_registry(&m, &u, ret, err);
        delete_tree(HKEY_CURRENT_USER, base);
        return e;
}

/* The action for one message to `to` with `subject`. */
static sg_decision *decide(const sg_policy *p, const char *to, const char *subject) {
        sg_message msg = {.to = &to, .n_to = 1, .subject = subject};
        sg_decision *d = NULL;
        sg_error e = {0};
        if (sg_policy_evaluate(p, &msg, &d, &e) != SG_OK)
                sg_test_diag("evaluate: %s", e.message);
        return d;
}

struct bad_row {
        const char *desc;
        const char *specs[8];
        const char *want; /* the whole message, %d for the row number */
};

#define P_ "HKCU\\" TEST_BASE "\\%d\\Policies"
#define U_ "HKCU\\" TEST_BASE "\\%d\\User"

static const struct bad_row bad_rows[] = {
        {"wrong type",
         {"P:Internal\\Domains=s:corp.example"},
         "internal.domains: expected a list of strings (REG_MULTI_SZ), got REG_SZ (" P_ "\\Internal\\Domains)"},
        {"bad domain",
         {"P:Internal\\Domains=m:corp.example|ok.example|bad domain"},
         "internal.domains[2]: not a domain: \"bad domain\" (" P_ "\\Internal\\Domains)"},
        {"bad address",
         {"P:Internal\\Addresses=m:nobody"},
         "internal.addresses[0]: not an address: cannot parse address \"nobody\": no \"@\" in the address (" P_
         "\\Internal\\Addresses)"},
        {"unknown action",
         {"P:External\\Action=s:drop"},
         "external.action: unknown action \"drop\" (expected prompt, route, encrypt, block or allow) (" P_
         "\\External\\Action)"},
        {"action as a number",
         {"P:External\\Action=d:1"},
         "external.action: expected a string (REG_SZ), got REG_DWORD (" P_ "\\External\\Action)"},
        {"route required",
         {"P:External\\Action=s:route"},
         "external.route: required when the action is \"route\" (" P_ "\\External\\Route)"},
        {"unknown route",
         {"P:External\\Action=s:route", "P:External\\Route=s:portl"},
         "external.route: unknown route \"portl\" (not defined under \"routes\") (" P_ "\\External\\Route)"},
        {"unknown choice",
         {"P:Prompt\\Choices=m:encrypt|portal"},
         "prompt.choices[1]: unknown choice \"portal\" (expected encrypt, send, cancel or route:<route name>) (" P_
         "\\Prompt\\Choices)"},
        {"choice twice",
         {"P:Prompt\\Choices=m:send|send"},
         "prompt.choices[1]: choice \"send\" given twice (" P_ "\\Prompt\\Choices)"},
        {"recommended send",
         {"P:Prompt\\Recommended=s:send"},
         "prompt.recommended: \"send\" is not a protective choice (expected encrypt or route:<route name>) (" P_
         "\\Prompt\\Recommended)"},
        {"recommended not among the choices",
         {"P:Prompt\\Choices=m:send|cancel", "P:Prompt\\Recommended=s:encrypt"},
         "prompt.recommended: \"encrypt\" is not one of prompt.choices (" P_ "\\Prompt\\Recommended)"},
        {"unknown fallback",
         {"P:Prompt\\Fallback=s:drop"},
         "prompt.fallback: unknown choice \"drop\" (expected encrypt, send, cancel or route:<route name>) (" P_
         "\\Prompt\\Fallback)"},
        {"fallback not among the choices",
         {"P:Prompt\\Choices=m:encrypt|cancel", "P:Prompt\\Fallback=s:send"},
         "prompt.fallback: \"send\" is not one of prompt.choices (" P_ "\\Prompt\\Fallback)"},
        {"bool not 0 or 1",
         {"P:Prompt\\RequireJustification=d:2"},
         "prompt.require_justification: expected true or false (REG_DWORD 1 or 0), got 2 (" P_
         "\\Prompt\\RequireJustification)"},
        {"bool as a string",
         {"P:Audit\\Enabled=s:yes"},
         "audit.enabled: expected true or false (REG_DWORD 1 or 0), got REG_SZ (" P_ "\\Audit\\Enabled)"},
        {"unknown method",
         {"P:Encrypt\\Methods=m:pgp"},
         "encrypt.methods[0]: unknown encryption method \"pgp\" (\"smime\" or \"openpgp\") (" P_ "\\Encrypt\\Methods)"},
        {"misspelt value", {"P:Prompt\\Choice=m:send"}, "prompt: unknown value \"Choice\" (" P_ "\\Prompt)"},
        {"unknown key", {"P:Extern\\Action=s:allow"}, "(policy): unknown key \"Extern\" (" P_ ")"},
        {"version 2",
         {"P:Version=d:2"},
         "version: unsupported version 2 (this sealgate reads version 1) (" P_ "\\Version)"},
        {"timeout one past the limit",
         {"P:Prompt\\TimeoutSeconds=d:3601"},
         "prompt.timeout_seconds: must be between 10 and 3600 (" P_ "\\Prompt\\TimeoutSeconds)"},
        {"timeout one under the limit",
         {"P:Prompt\\TimeoutSeconds=d:9"},
         "prompt.timeout_seconds: must be between 10 and 3600 (" P_ "\\Prompt\\TimeoutSeconds)"},
        {"retention one past the limit",
         {"P:Audit\\RetentionDays=d:3651"},
         "audit.retention_days: must be between 0 and 3650 (" P_ "\\Audit\\RetentionDays)"},
        {"source routes misspelt",
         {"P:Addresses\\SourceRoutes=s:allow"},
         "addresses.source_routes: expected \"external\", \"error\" or \"domain\" (" P_ "\\Addresses\\SourceRoutes)"},
        {"delay one past the limit",
         {"P:Send\\DelaySeconds=d:601"},
         "send.delay_seconds: must be between 0 and 600 (" P_ "\\Send\\DelaySeconds)"},
        {"delay mode misspelt",
         {"P:Send\\DelayMode=s:later"},
         "send.delay_mode: expected \"countdown\" or \"deferred\" (" P_ "\\Send\\DelayMode)"},
        {"confirm misspelt",
         {"P:Prompt\\Confirm=s:some"},
         "prompt.confirm: expected \"none\", \"external\" or \"all\" (" P_ "\\Prompt\\Confirm)"},
        {"bcc minimum one past the limit",
         {"P:Rules\\ConvertToBcc\\MinDomains=d:10001"},
         "rules.convert_to_bcc.min_domains: must be between 0 and 10000 (" P_ "\\Rules\\ConvertToBcc\\MinDomains)"},
        {"bcc placeholder two addresses",
         {"P:Rules\\ConvertToBcc\\Placeholder=s:a@corp.example, b@corp.example"},
         NULL},
        {"new domain action misspelt",
         {"P:Rules\\NewDomainInReply=s:warn"},
         "rules.new_domain_in_reply: expected \"off\", \"prompt\" or \"block\" (" P_ "\\Rules\\NewDomainInReply)"},
        {"unknown value under Send", {"P:Send\\Delay=d:5"}, "send: unknown value \"Delay\" (" P_ "\\Send)"},
        {"unknown key under Rules",
         {"P:Rules\\ConvertToCc\\Mode=s:auto"},
         "rules: unknown key \"ConvertToCc\" (" P_ "\\Rules)"},
        {"an '@' as sub-address delimiter", {"P:Addresses\\SubaddressDelimiters=s:@"}, NULL},
        {"relative audit directory", {"P:Audit\\Directory=s:audit"}, NULL},
        {"justification header without X-", {"P:Prompt\\JustificationHeader=s:Reason"}, NULL},
        {"route without headers",
         {"P:Routes\\0\\Name=s:portal", "P:Routes\\0\\SubjectTag=s:[s]"},
         "routes.portal.headers: a route must set at least one header (" P_ "\\Routes\\0\\Headers)"},
        {"route without a name",
         {"P:Routes\\0\\Headers\\X-A=s:1"},
         "routes[0].name: required (" P_ "\\Routes\\0\\Name)"},
        {"bad route name",
         {"P:Routes\\0\\Name=s:my route", "P:Routes\\0\\Headers\\X-A=s:1"},
         "routes.my route: route name \"my route\" may only use A-Z, a-z, 0-9, '_', '.' and '-' (" P_
         "\\Routes\\0\\Name)"},
        {"bad header name",
         {"P:Routes\\0\\Name=s:portal", "P:Routes\\0\\Headers\\X:A=s:1"},
         "routes.portal.headers.X:A: not a header field name: \"X:A\" (printable ASCII without ':') (" P_
         "\\Routes\\0\\Headers\\X:A)"},
        {"subject tag one byte too long",
         {"P:Routes\\0\\Name=s:portal", "P:Routes\\0\\Headers\\X-A=s:1",
          "P:Routes\\0\\SubjectTag=s:12345678901234567890123456789012345678901234567890123456789012345"},
         NULL},
        {"route label in English only",
         {"P:Routes\\0\\Name=s:portal", "P:Routes\\0\\Headers\\X-A=s:1", "P:Routes\\0\\LabelEn=s:Portal"},
         NULL},
        {"route label empty in Japanese",
         {"P:Routes\\0\\Name=s:portal", "P:Routes\\0\\Headers\\X-A=s:1", "P:Routes\\0\\LabelEn=s:Portal",
          "P:Routes\\0\\LabelJa=s:"},
         NULL},
        {"trigger label in English only",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:prompt", "P:Triggers\\0\\LabelEn=s:Files"},
         "triggers[0].label: a trigger label needs both LabelEn and LabelJa (" P_ "\\Triggers\\0\\LabelJa)"},
        {"trigger label in Japanese only",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:prompt", "P:Triggers\\0\\LabelJa=s:x"},
         NULL},
        {"trigger label empty in English",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:prompt",
          "P:Triggers\\0\\LabelEn=s:", "P:Triggers\\0\\LabelJa=s:x"},
         NULL},
        {"routes numbered with a gap",
         {"P:Routes\\0\\Name=s:a", "P:Routes\\0\\Headers\\X-A=s:1", "P:Routes\\2\\Name=s:b",
          "P:Routes\\2\\Headers\\X-A=s:1"},
         "routes[1]: missing: routes are numbered from 0 without gaps (" P_ "\\Routes\\1)"},
        {"route subkey not a number",
         {"P:Routes\\portal\\Name=s:portal"},
         "routes: unknown key \"portal\" (routes are numbered 0, 1, 2, ...) (" P_ "\\Routes)"},
        {"trigger without a type",
         {"P:Triggers\\0\\Action=s:block"},
         "triggers[0].type: required (" P_ "\\Triggers\\0\\Type)"},
        {"unknown trigger type",
         {"P:Triggers\\0\\Type=s:attachmnets", "P:Triggers\\0\\Action=s:block"},
         "triggers[0].type: unknown trigger type \"attachmnets\" (" P_ "\\Triggers\\0\\Type)"},
        {"trigger action allow",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:allow"},
         "triggers[0].action: unknown action \"allow\" (expected prompt, route, encrypt or block) (" P_
         "\\Triggers\\0\\Action)"},
        {"key of another trigger type",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:block", "P:Triggers\\0\\Keywords=m:x"},
         "triggers[0].keywords: not allowed in a trigger of type \"attachments\" (" P_ "\\Triggers\\0\\Keywords)"},
        {"list required",
         {"P:Triggers\\0\\Type=s:subject_keyword", "P:Triggers\\0\\Action=s:block"},
         "triggers[0].keywords: required (" P_ "\\Triggers\\0\\Keywords)"},
        {"min one past the limit",
         {"P:Triggers\\0\\Type=s:external_domains", "P:Triggers\\0\\Action=s:block", "P:Triggers\\0\\Min=d:10001"},
         "triggers[0].min: must be between 1 and 10000 (" P_ "\\Triggers\\0\\Min)"},
        {"bytes zero",
         {"P:Triggers\\0\\Type=s:attachment_size", "P:Triggers\\0\\Action=s:block", "P:Triggers\\0\\Bytes=q:0"},
         "triggers[0].bytes: must be between 1 and 9223372036854775806 (" P_ "\\Triggers\\0\\Bytes)"},
        {"bad id",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:block", "P:Triggers\\0\\Id=s:a b"},
         "triggers[0].id: \"a b\" is not a valid id (1 to 64 of A-Z a-z 0-9 _ . -) (" P_ "\\Triggers\\0\\Id)"},
        {"id 65 characters",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:block",
          "P:Triggers\\0\\Id=s:12345678901234567890123456789012345678901234567890123456789012345"},
         NULL},
        {"duplicate id",
         {"P:Triggers\\0\\Type=s:attachments", "P:Triggers\\0\\Action=s:block", "P:Triggers\\1\\Type=s:my_number",
          "P:Triggers\\1\\Action=s:block", "P:Triggers\\1\\Id=s:attachments-0"},
         "triggers[1].id: \"attachments-0\" is already the id of triggers[0] (" P_ "\\Triggers\\1)"},
        {"body_pattern that does not compile",
         {"P:Triggers\\0\\Type=s:body_pattern", "P:Triggers\\0\\Action=s:encrypt", "P:Triggers\\0\\Patterns=m:ok|a(b"},
         "triggers[0].patterns[1]: invalid pattern at offset 3: missing closing parenthesis (" P_
         "\\Triggers\\0\\Patterns)"},
        {"content type",
         {"P:Triggers\\0\\Type=s:attachment_type", "P:Triggers\\0\\Action=s:block", "P:Triggers\\0\\Types=m:pdf"},
         NULL},
        {"an invalid user value is refused too",
         {"U:Internal\\Domains=m:bad domain"},
         "internal.domains[0]: not a domain: \"bad domain\" (" U_ "\\Internal\\Domains)"},
        {"the mandatory value is checked, not replaced by the user's",
         {"P:External\\Action=s:drop", "U:External\\Action=s:allow"},
         "external.action: unknown action \"drop\" (expected prompt, route, encrypt, block or allow) (" P_
         "\\External\\Action)"},
        {"binary value",
         {"P:Internal\\Domains=b:abc"},
         "internal.domains: expected a list of strings (REG_MULTI_SZ), got REG_BINARY (" P_ "\\Internal\\Domains)"},
};

static void bad_values(void) {
        for (size_t i = 0; i < sizeof bad_rows / sizeof *bad_rows; i++) {
                const struct bad_row *r = &bad_rows[i];
                sg_policy *p = NULL;
                sg_error e = {0};
                sg_err rc = load(r->specs, &p, &e);
                SG_CHECK(rc == SG_ERR_POLICY_INVALID && e.code == SG_ERR_POLICY_INVALID && p == NULL,
                         "%s: policy_invalid", r->desc);
                if (r->want) {
                        /* "%d" in the row stands for the row's scratch key number. */
                        char want[1024], num[16];
                        size_t o = 0;
                        snprintf(num, sizeof num, "%d", row_no);
                        for (const char *c = r->want; *c && o + 16 < sizeof want; c++) {
                                if (c[0] == '%' && c[1] == 'd') {
                                        o += (size_t) snprintf(want + o, sizeof want - o, "%s", num);
                                        c++;
                                } else {
                                        want[o++] = *c;
                                }
                        }
                        want[o] = '\0';
                        SG_CHECK_STR(e.message, want, r->desc);
                } else {
                        sg_test_diag("  %s", e.message);
                        SG_CHECK(strstr(e.message, " (HKCU\\" TEST_BASE "\\") != NULL, "%s: names the registry path",
                                 r->desc);
                }
                sg_policy_free(p);
        }
}

/* The registry value of a trigger key: its CamelCase ("forbid_send": ForbidSend). */
static void camel(const char *json, char *out, size_t cap) {
        size_t o = 0;
        bool up = true;
        for (const char *c = json; *c && o + 1 < cap; c++) {
                if (*c == '_') {
                        up = true;
                        continue;
                }
                out[o++] = up && *c >= 'a' && *c <= 'z' ? (char) (*c - 'a' + 'A') : *c;
                up = false;
        }
        out[o] = '\0';
}

/* A trigger of type t as specs in buf (NULL-terminated in specs): Type,
 * Action block and every value the type requires, except `skip`; then
 * `extra`, a whole spec or NULL. */
static void trigger_specs(sg_trigger_type t, const char *skip, const char *extra, char buf[][128],
                          const char *specs[]) {
        size_t n_keys, n = 0;
        const sg_trigger_key *keys = sg_trigger_keys(&n_keys);
        snprintf(buf[n], 128, "P:Triggers\\0\\Type=s:%s", sg_trigger_type_name(t));
        specs[n] = buf[n];
        n++;
        for (size_t i = 1; i < n_keys && n < 14; i++) {
                const sg_trigger_key *k = &keys[i];
                char value[64];
                if (!k->required || !sg_trigger_key_takes(k, t) || (skip && strcmp(k->name, skip) == 0))
                        continue;
                camel(k->name, value, sizeof value);
                if (k->slot == SG_TRIGGER_SLOT_ACTION)
                        snprintf(buf[n], 128, "P:Triggers\\0\\%s=s:block", value);
                else if (k->kind == SG_TRIGGER_KEY_INT)
                        snprintf(buf[n], 128, "P:Triggers\\0\\%s=d:%lld", value, (long long) k->min);
                else if (k->kind == SG_TRIGGER_KEY_LIST)
                        snprintf(buf[n], 128, "P:Triggers\\0\\%s=m:%s", value,
                                 t == SG_TRIGGER_ATTACHMENT_TYPE ? "image/png" : "x");
                else
                        snprintf(buf[n], 128, "P:Triggers\\0\\%s=s:X-A", value);
                specs[n] = buf[n];
                n++;
        }
        specs[n++] = extra;
        specs[n] = NULL;
}

/* core's table of trigger keys (policy.h) against the reader and its known
 * values, for every type: the required values make a trigger that loads
 * (body_pattern too: PCRE2 is cross-built); each one missing
 * is "required"; each value of the wrong type is named where the type takes
 * it and refused where it does not, always with its registry path. */
static void trigger_keys(void) {
        size_t n_keys;
        const sg_trigger_key *keys = sg_trigger_keys(&n_keys);
        for (int t = 0; t < SG_TRIGGER__MAX; t++) {
                const char *tn = sg_trigger_type_name((sg_trigger_type) t);
                char buf[16][128], extra[128], want[256], where[128], value[64];
                const char *specs[16];
                sg_policy *p = NULL;
                sg_error e = {0};
                trigger_specs((sg_trigger_type) t, NULL, NULL, buf, specs);
                sg_err rc = load(specs, &p, &e);
                SG_CHECK(rc == SG_OK, "%s: its required values are enough (%s)", tn, e.message);
                p = sg_policy_free(p);
                for (size_t i = 1; i < n_keys; i++) {
                        const sg_trigger_key *k = &keys[i];
                        bool takes = sg_trigger_key_takes(k, (sg_trigger_type) t);
                        camel(k->name, value, sizeof value);
                        if (k->kind == SG_TRIGGER_KEY_LABEL) /* two values: LabelEn and LabelJa */
                                strcat(value, "En");
                        snprintf(where, sizeof where, "\\Policies\\Triggers\\0\\%s)", value);
                        if (takes && k->required) {
                                trigger_specs((sg_trigger_type) t, k->name, NULL, buf, specs);
                                snprintf(want, sizeof want, "triggers[0].%s: required (", k->name);
                                rc = load(specs, &p, &e);
                                SG_CHECK(rc == SG_ERR_POLICY_INVALID && strncmp(e.message, want, strlen(want)) == 0 &&
                                                 strstr(e.message, where),
                                         "%s: %s (%s)", tn, want, e.message);
                                p = sg_policy_free(p);
                        }
                        /* REG_BINARY is no key's type; a string is another type's. */
                        snprintf(extra, sizeof extra, "P:Triggers\\0\\%s=%s", value, takes ? "b:zz" : "s:x");
                        trigger_specs((sg_trigger_type) t, k->name, extra, buf, specs);
                        if (takes)
                                snprintf(want, sizeof want, "triggers[0].%s: expected ", k->name);
                        else
                                snprintf(want, sizeof want, "triggers[0].%s: not allowed in a trigger of type \"%s\" (",
                                         k->name, tn);
                        rc = load(specs, &p, &e);
                        SG_CHECK(rc == SG_ERR_POLICY_INVALID && strncmp(e.message, want, strlen(want)) == 0 &&
                                         strstr(e.message, where),
                                 "%s: %s (%s)", tn, want, e.message);
                        p = sg_policy_free(p);
                }
        }
}

/* triggers[].label from LabelEn and LabelJa: the trigger's reason carries
 * both, a trigger without them none. */
static void trigger_label(void) {
        const char *specs[] = {"P:Triggers\\0\\Type=s:subject_keyword",
                               "P:Triggers\\0\\Action=s:prompt",
                               "P:Triggers\\0\\Keywords=m:secret",
                               "P:Triggers\\0\\LabelEn=s:Secret project",
                               "P:Triggers\\0\\LabelJa=s:\xe6\xa9\x9f\xe5\xaf\x86",
                               "P:Triggers\\1\\Type=s:subject_keyword",
                               "P:Triggers\\1\\Action=s:prompt",
                               "P:Triggers\\1\\Keywords=m:hello",
                               NULL};
        sg_policy *p = NULL;
        sg_error e = {0};
        SG_CHECK(load(specs, &p, &e) == SG_OK, "trigger label: loads (%s)", e.message);
        sg_decision *d = p ? decide(p, "bob@example.net", "secret hello") : NULL;
        const sg_reason *a = NULL, *b = NULL;
        for (size_t i = 0; d && i < d->n_reasons; i++)
                if (d->reasons[i].trigger)
                        *(strcmp(d->reasons[i].trigger, "subject_keyword-0") == 0 ? &a : &b) = &d->reasons[i];
        SG_CHECK(a && a->label_en && strcmp(a->label_en, "Secret project") == 0 && a->label_ja &&
                         strcmp(a->label_ja, "\xe6\xa9\x9f\xe5\xaf\x86") == 0,
                 "trigger label: the reason carries LabelEn and LabelJa");
        SG_CHECK(b && !b->label_en && !b->label_ja, "trigger label: none without the values");
        sg_decision_free(d);
        sg_policy_free(p);
}

/* One past each count limit, built with RegSetValueEx in a loop. */
/* Every key of core's settings table (but keys.*: the add-in does no key
 * lookup) is read from the registry at the CamelCase path of its JSON key
 * ("rules.convert_to_bcc.min_domains": Rules\\ConvertToBcc\\MinDomains):
 * a value of the wrong type there is refused with the key's JSON path, which
 * only a reader that knows the value gives ("unknown value" otherwise). */
static void settings_table(void) {
        size_t n;
        const sg_setting *list = sg_settings(&n);
        for (size_t i = 0; i < n; i++) {
                const sg_setting *st = &list[i];
                if (strcmp(st->section, "keys") == 0)
                        continue;
                char key[128] = "", part[64], spec[256];
                const char *c = st->section;
                while (*c) { /* "rules.convert_to_bcc" -> Rules\\ConvertToBcc */
                        const char *dot = strchr(c, '.');
                        size_t len = dot ? (size_t) (dot - c) : strlen(c);
                        char seg[64];
                        snprintf(seg, sizeof seg, "%.*s", (int) len, c);
                        camel(seg, part, sizeof part);
                        if (key[0])
                                strncat(key, "\\", sizeof key - strlen(key) - 1);
                        strncat(key, part, sizeof key - strlen(key) - 1);
                        c += len + (dot ? 1 : 0);
                }
                camel(st->name, part, sizeof part);
                /* A string where a number or boolean is due, a number where a string is. */
                snprintf(spec, sizeof spec, "P:%s\\%s=%s", key, part,
                         st->kind == SG_SETTING_BOOL || st->kind == SG_SETTING_UINT ? "s:x" : "d:1");
                const char *specs[] = {spec, NULL};
                sg_policy *p = NULL;
                sg_error e = {0};
                sg_err r = load(specs, &p, &e);
                char want[160];
                snprintf(want, sizeof want, "%s: expected ", st->path);
                SG_CHECK(r == SG_ERR_POLICY_INVALID && strncmp(e.message, want, strlen(want)) == 0,
                         "settings table: %s is read from %s\\%s (%s)", st->path, key, part, e.message);
                sg_policy_free(p);
        }
}

/* The mis-send keys from the registry reach the decision as from a policy file. */
static void missend(void) {
        const char *specs[] = {"P:Internal\\Domains=m:corp.example",
                               "P:External\\Action=s:allow",
                               "P:Prompt\\Confirm=s:external",
                               "P:Prompt\\AllowCheckAll=d:1",
                               "P:Prompt\\ShowSender=d:1",
                               "P:Send\\DelaySeconds=d:10",
                               "U:Send\\DelaySkippable=d:1",
                               "P:Rules\\ConvertToBcc\\MinDomains=d:2",
                               NULL};
        sg_policy *p = NULL;
        sg_error e = {0};
        SG_CHECK(load(specs, &p, &e) == SG_OK, "mis-send keys: load (%s)", e.message);
        const char *to[] = {"a@x.example", "b@y.example", "c@corp.example"};
        sg_message msg = {.to = to, .n_to = 3, .from = "me@corp.example", .subject = "s"};
        sg_decision *d = NULL;
        SG_CHECK(p && sg_policy_evaluate(p, &msg, &d, &e) == SG_OK, "mis-send keys: evaluate (%s)", e.message);
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && d->confirm == SG_CONFIRM_EXTERNAL && d->allow_check_all &&
                         d->show_sender,
                 "Prompt\\Confirm external: a prompt with a checklist, check all, the sender");
        SG_CHECK(d && d->n_recipients == 3 && d->recipients[0].confirm && d->recipients[0].to_bcc &&
                         !d->recipients[2].confirm && !d->recipients[2].to_bcc,
                 "external recipients to confirm and to move to Bcc, the internal one not");
        SG_CHECK(d && d->delay_seconds == 10 && d->delay_skippable,
                 "Send\\DelaySeconds 10 and the user's DelaySkippable");
        sg_decision_free(d);
        sg_policy_free(p);
}

static void limits(void) {
        char base[256], sub[256], val[64];
        sg_policy *p = NULL;
        sg_error e = {0};

        /* 65 routes. */
        snprintf(base, sizeof base, TEST_BASE "\\%d", ++row_no);
        for (int i = 0; i <= SG_POLICY_ROUTES_MAX; i++) {
                snprintf(sub, sizeof sub, "P:Routes\\%d\\Name=s:r%d", i, i);
                write_value(base, sub);
                snprintf(sub, sizeof sub, "P:Routes\\%d\\Headers\\X-A=s:1", i);
                write_value(base, sub);
        }
        char pol[300];
        snprintf(pol, sizeof pol, "%s\\Policies", base);
        sg_reg_root m = {HKEY_CURRENT_USER, pol};
        SG_CHECK(sg_policy_from_registry(&m, NULL, &p, &e) == SG_ERR_POLICY_INVALID, "65 routes refused");
        SG_CHECK(strncmp(e.message, "routes: more than 64 routes (", 29) == 0, "65 routes: message (%s)", e.message);
        /* 64 are fine. */
        snprintf(sub, sizeof sub, "%s\\Routes\\64", pol);
        delete_tree(HKEY_CURRENT_USER, sub);
        SG_CHECK(sg_policy_from_registry(&m, NULL, &p, &e) == SG_OK, "64 routes accepted");
        p = sg_policy_free(p);

        /* 33 headers on a route. */
        for (int i = 0; i < SG_POLICY_ROUTE_HEADERS_MAX; i++) {
                snprintf(sub, sizeof sub, "P:Routes\\0\\Headers\\X-H%d=s:v", i);
                write_value(base, sub);
        }
        SG_CHECK(sg_policy_from_registry(&m, NULL, &p, &e) == SG_ERR_POLICY_INVALID, "33 headers refused");
        SG_CHECK(strstr(e.message, "sets more than 32 headers") && strstr(e.message, "routes.r0.headers."),
                 "33 headers: message (%s)", e.message);
        delete_tree(HKEY_CURRENT_USER, base);

        /* 257 triggers. */
        snprintf(base, sizeof base, TEST_BASE "\\%d", ++row_no);
        snprintf(pol, sizeof pol, "%s\\Policies", base);
        m.subkey = pol;
        for (int i = 0; i <= SG_POLICY_TRIGGERS_MAX; i++) {
                snprintf(sub, sizeof sub, "P:Triggers\\%d\\Type=s:attachments", i);
                write_value(base, sub);
                snprintf(sub, sizeof sub, "P:Triggers\\%d\\Action=s:prompt", i);
                write_value(base, sub);
        }
        SG_CHECK(sg_policy_from_registry(&m, NULL, &p, &e) == SG_ERR_POLICY_INVALID, "257 triggers refused");
        SG_CHECK(strncmp(e.message, "triggers: more than 256 triggers (", 34) == 0, "257 triggers: message (%s)",
                 e.message);
        snprintf(sub, sizeof sub, "%s\\Triggers\\256", pol);
        delete_tree(HKEY_CURRENT_USER, sub);
        SG_CHECK(sg_policy_from_registry(&m, NULL, &p, &e) == SG_OK, "256 triggers accepted");
        p = sg_policy_free(p);
        delete_tree(HKEY_CURRENT_USER, base);

        /* 1025 keywords in one trigger. */
        size_t cap = (SG_POLICY_LIST_MAX + 1) * 8 + 64;
        char *spec = malloc(cap);
        size_t o = (size_t) snprintf(spec, cap, "P:Triggers\\0\\Keywords=m:");
        for (int i = 0; i <= SG_POLICY_LIST_MAX; i++)
                o += (size_t) snprintf(spec + o, cap - o, "%sk%d", i ? "|" : "", i);
        const char *specs[] = {"P:Triggers\\0\\Type=s:subject_keyword", "P:Triggers\\0\\Action=s:block", spec, NULL};
        SG_CHECK(load(specs, &p, &e) == SG_ERR_POLICY_INVALID, "1025 keywords refused");
        snprintf(val, sizeof val, "triggers[0].keywords: more than %d entries", SG_POLICY_LIST_MAX);
        SG_CHECK(strncmp(e.message, val, strlen(val)) == 0, "1025 keywords: message (%s)", e.message);
        free(spec);
}

static void defaults_and_precedence(void) {
        sg_policy *p = NULL;
        sg_error e = {0};
        sg_decision *d;

        /* No key at all: the documented defaults. */
        SG_CHECK(load(NULL, &p, &e) == SG_OK && p, "missing policy: loads (%s)", e.message);
        d = decide(p, "a@x.example", NULL);
        SG_CHECK(d && d->action == SG_ACTION_PROMPT, "missing policy: every domain is external, action prompt");
        SG_CHECK(d && d->n_choices == 3 && d->choices[0].kind == SG_CHOICE_ENCRYPT &&
                         d->choices[1].kind == SG_CHOICE_SEND && d->choices[2].kind == SG_CHOICE_CANCEL,
                 "missing policy: choices encrypt, send, cancel");
        SG_CHECK(d && !d->require_justification && d->choices[d->prompt_fallback].kind == SG_CHOICE_CANCEL,
                 "missing policy: no justification, fallback cancel");
        SG_CHECK(d && d->prompt_timeout_seconds == SG_POLICY_PROMPT_TIMEOUT_DEFAULT, "missing policy: timeout 300 s");
        SG_CHECK(d && d->n_encrypt_methods == 2 && strcmp(d->encrypt_methods[0], "smime") == 0,
                 "missing policy: methods smime, openpgp");
        sg_decision_free(d);
        const sg_audit_settings *a = sg_policy_audit(p);
        SG_CHECK(a->enabled && !a->required && a->retention_days == SG_POLICY_AUDIT_RETENTION_DEFAULT &&
                         a->directory == NULL,
                 "missing policy: audit on, not required, 90 days, default directory");
        p = sg_policy_free(p);

        /* Mandatory over user; user keys the admin did not set are honoured. */
        const char *prec[] = {"P:Internal\\Domains=m:corp.example",
                              "U:Internal\\Domains=m:evil.example",
                              "P:External\\Action=s:block",
                              "U:External\\Action=s:allow",
                              "U:Prompt\\TimeoutSeconds=d:60",
                              "U:Audit\\RetentionDays=d:7",
                              "P:Audit\\Required=d:1",
                              NULL};
        SG_CHECK(load(prec, &p, &e) == SG_OK, "precedence: loads (%s)", e.message);
        d = decide(p, "a@x.example", NULL);
        SG_CHECK(d && d->action == SG_ACTION_BLOCK, "mandatory External\\Action wins over the user's");
        SG_CHECK(d && d->prompt_timeout_seconds == 60, "user-only Prompt\\TimeoutSeconds honoured");
        sg_decision_free(d);
        d = decide(p, "a@evil.example", NULL);
        SG_CHECK(d && d->n_external == 1, "the user's Internal\\Domains is ignored when the admin set it");
        sg_decision_free(d);
        d = decide(p, "a@corp.example", NULL);
        SG_CHECK(d && d->action == SG_ACTION_ALLOW && d->n_external == 0, "the admin's internal domain applies");
        sg_decision_free(d);
        a = sg_policy_audit(p);
        SG_CHECK(a->retention_days == 7 && a->required, "audit: user retention, mandatory required");
        p = sg_policy_free(p);

        /* addresses.*: the same settings table as the JSON reader. */
        const char *addr[] = {"P:Internal\\Domains=m:corp.example", "P:Exceptions\\Addresses=m:contractor@corp.example",
                              "P:Addresses\\SubaddressDelimiters=s:+-", "U:Addresses\\SourceRoutes=s:error", NULL};
        SG_CHECK(load(addr, &p, &e) == SG_OK, "addresses: loads (%s)", e.message);
        d = decide(p, "contractor-q3@corp.example", NULL);
        SG_CHECK(d && d->n_external == 1 && d->recipients[0].rule == SG_RULE_EXCEPTION_ADDRESS,
                 "Addresses\\SubaddressDelimiters: a '-' sub-address of an exception is the exception");
        sg_decision_free(d);
        d = decide(p, "bob%evil.net@corp.example", NULL);
        SG_CHECK(!d, "Addresses\\SourceRoutes error: a source route is not evaluated");
        sg_decision_free(d);
        p = sg_policy_free(p);

        /* An empty string (a Group Policy element left blank) is "not set". */
        const char *blank[] = {"P:External\\Action=s:", "U:External\\Action=s:allow", NULL};
        SG_CHECK(load(blank, &p, &e) == SG_OK, "blank mandatory value: loads (%s)", e.message);
        d = decide(p, "a@x.example", NULL);
        SG_CHECK(d && d->action == SG_ACTION_ALLOW, "a blank mandatory value leaves the user's in force");
        sg_decision_free(d);
        p = sg_policy_free(p);

        /* Routes and triggers come whole from one source. */
        const char *routes[] = {"P:Routes\\0\\Name=s:portal",
                                "P:Routes\\0\\Headers\\X-SecureSend-Route=s:portal",
                                "U:Routes\\0\\Name=s:zip",
                                "U:Routes\\0\\Headers\\X-SecureSend-Route=s:zip",
                                "U:External\\Action=s:route",
                                "U:External\\Route=s:zip",
                                NULL};
        SG_CHECK(load(routes, &p, &e) == SG_ERR_POLICY_INVALID &&
                         strstr(e.message, "external.route: unknown route \"zip\""),
                 "the user's routes are not read when the admin defines routes (%s)", e.message);
        const char *routed[] = {
                "P:Routes\\0\\Name=s:portal",         "P:Routes\\0\\Headers\\X-SecureSend-Route=s:portal",
                "P:Routes\\0\\SubjectTag=s:[secure]", "U:External\\Action=s:route",
                "U:External\\Route=s:portal",         "P:Triggers\\0\\Type=s:subject_keyword",
                "P:Triggers\\0\\Action=s:block",      "P:Triggers\\0\\Keywords=m:\xe6\xa9\x9f\xe5\xaf\x86|secret",
                "P:Triggers\\0\\Caseless=d:0",        "U:Triggers\\0\\Type=s:attachments",
                "U:Triggers\\0\\Action=s:allow",      NULL};
        SG_CHECK(load(routed, &p, &e) == SG_OK, "routes and triggers from the admin: loads (%s)", e.message);
        d = decide(p, "a@x.example", "hello");
        SG_CHECK(d && d->action == SG_ACTION_ROUTE && d->n_headers == 1 &&
                         strcmp(d->headers[0].name, "X-SecureSend-Route") == 0 && d->subject_tag &&
                         strcmp(d->subject_tag, "[secure]") == 0,
                 "route from the registry: header and subject tag");
        sg_decision_free(d);
        d = decide(p, "a@x.example", "\xe3\x80\x90\xe6\xa9\x9f\xe5\xaf\x86\xe3\x80\x91");
        SG_CHECK(d && d->action == SG_ACTION_BLOCK, "trigger from the registry fires (Japanese keyword)");
        sg_decision_free(d);
        p = sg_policy_free(p);

        /* REG_EXPAND_SZ directory is expanded; REG_QWORD sizes over 4 GiB. */
        const char *exp[] = {"P:Audit\\Directory=e:%SystemRoot%\\sealgate-audit",
                             "P:Triggers\\0\\Type=s:attachment_size", "P:Triggers\\0\\Action=s:prompt",
                             "P:Triggers\\0\\Bytes=q:8589934592", NULL};
        SG_CHECK(load(exp, &p, &e) == SG_OK, "expand string and qword: loads (%s)", e.message);
        a = p ? sg_policy_audit(p) : NULL;
        SG_CHECK(a && a->directory && strstr(a->directory, "%") == NULL && strstr(a->directory, "sealgate-audit"),
                 "REG_EXPAND_SZ audit directory expanded (%s)", a && a->directory ? a->directory : "(null)");
        p = sg_policy_free(p);
}

/* The real keys: HKLM\Software\Policies\sealgate over HKCU\Software\sealgate. */
static void real_keys(void) {
        sg_policy *p = NULL;
        sg_error e = {0};
        delete_tree(HKEY_LOCAL_MACHINE, SG_REG_POLICY_KEY);
        delete_tree(HKEY_CURRENT_USER, SG_REG_USER_KEY);
        SG_CHECK(sg_policy_reg_load(&p, &e) == SG_OK, "real keys absent: defaults (%s)", e.message);
        p = sg_policy_free(p);
        write_value("", "M:Internal\\Domains=m:corp.example|*.corp.example");
        write_value("", "M:External\\Action=s:prompt");
        write_value("", "C:External\\Action=s:allow");
        write_value("", "C:Internal\\Domains=m:x.example");
        write_value("", "C:Prompt\\RequireJustification=d:1");
        SG_CHECK(sg_policy_reg_load(&p, &e) == SG_OK, "real keys: loads (%s)", e.message);
        sg_decision *d = p ? decide(p, "a@x.example", NULL) : NULL;
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && d->require_justification,
                 "real keys: HKLM action wins, HKCU justification honoured");
        sg_decision_free(d);
        d = p ? decide(p, "a@eng.corp.example", NULL) : NULL;
        SG_CHECK(d && d->n_external == 0, "real keys: HKLM subdomain rule");
        sg_decision_free(d);
        p = sg_policy_free(p);
        write_value("", "M:Internal\\Domains=m:corp.example|bad domain");
        SG_CHECK(sg_policy_reg_load(&p, &e) == SG_ERR_POLICY_INVALID, "real keys: invalid value refused");
        SG_CHECK_STR(e.message,
                     "internal.domains[1]: not a domain: \"bad domain\" "
                     "(HKLM\\Software\\Policies\\sealgate\\Internal\\Domains)",
                     "real keys: message names HKLM");
        delete_tree(HKEY_LOCAL_MACHINE, SG_REG_POLICY_KEY);
        delete_tree(HKEY_CURRENT_USER, SG_REG_USER_KEY);
}

/* The example in docs/admin/outlook.md, as a .reg file imported by regedit. */
static void example_reg(const char *path) {
        sg_policy *p = NULL;
        sg_error e = {0};
        char cmd[1024];
        delete_tree(HKEY_LOCAL_MACHINE, SG_REG_POLICY_KEY);
        /* A Unix path from meson is Wine's drive Z:. */
        char win[512];
        snprintf(win, sizeof win, "%s%s", path[0] == '/' ? "Z:" : "", path);
        for (char *c = win; *c; c++)
                if (*c == '/')
                        *c = '\\';
        snprintf(cmd, sizeof cmd, "regedit.exe /S \"%s\"", win);
        STARTUPINFOA si = {.cb = sizeof si};
        PROCESS_INFORMATION pi;
        bool ran = CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
        if (ran) {
                WaitForSingleObject(pi.hProcess, 60000);
                CloseHandle(pi.hProcess);
                CloseHandle(pi.hThread);
        }
        SG_CHECK(ran, "regedit /S %s ran", path);
        SG_CHECK(sg_policy_reg_load(&p, &e) == SG_OK, "example .reg: loads (%s)", e.message);
        sg_decision *d = p ? decide(p, "bob@example.net", "hello") : NULL;
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && d->n_choices == 4 && d->require_justification,
                 "example .reg: external mail prompts with 4 choices and a justification");
        sg_decision_free(d);
        d = p ? decide(p, "alice@eng.corp.example", "hello") : NULL;
        SG_CHECK(d && d->action == SG_ACTION_ALLOW, "example .reg: a subdomain is internal");
        sg_decision_free(d);
        d = p ? decide(p, "bob@example.net", "Confidential report") : NULL;
        SG_CHECK(d && d->action == SG_ACTION_ENCRYPT, "example .reg: the keyword trigger asks for encryption");
        sg_decision_free(d);
        const sg_audit_settings *a = p ? sg_policy_audit(p) : NULL;
        SG_CHECK(a && a->retention_days == 180 && a->required, "example .reg: audit settings");
        sg_policy_free(p);
        delete_tree(HKEY_LOCAL_MACHINE, SG_REG_POLICY_KEY);
}

int main(int argc, char **argv) {
        delete_tree(HKEY_CURRENT_USER, TEST_BASE);
        bad_values();
        trigger_keys();
        trigger_label();
        limits();
        settings_table();
        missend();
        defaults_and_precedence();
        real_keys();
        if (argc > 1)
                example_reg(argv[1]);
        delete_tree(HKEY_CURRENT_USER, TEST_BASE);
        printf("# %d passed, %d failed\n", sg_test_n - sg_test_failed, sg_test_failed);
        return sg_test_done();
}
