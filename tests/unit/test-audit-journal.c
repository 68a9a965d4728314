/* Unit tests of audit-journal.c: the journal fields of an audit record (one
 * per top-level key, strings decoded, other values as JSON text, MESSAGE one
 * line, the identifier and the record itself), and every limit one past it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/audit-journal.h"
#include "sg-test.h"

static const char record[] =
        "{\"v\":1,\"time\":\"2026-11-23T11:34:48.123Z\",\"attempt\":\"5f0c2a9e4b7d41c3a8e6f1d2b3c4a5e6\","
        "\"client\":\"thunderbird\",\"user\":\"alice\",\"message_id\":null,\"sender\":\"alice@corp.example\","
        "\"recipients\":{\"internal\":2,\"external\":3},\"external_domains\":[\"example.net\",\"partner.example\"],"
        "\"reasons\":[{\"code\":\"external_recipients\",\"trigger\":null,\"action\":\"prompt\","
        "\"detail\":\"3 external recipients in 2 domains: example.net, partner.example\"}],"
        "\"action\":\"prompt\",\"choice\":\"route:portal\",\"by\":\"button\",\"justification\":null,"
        "\"route\":\"portal\",\"outcome\":\"routed\",\"prompt_error\":null}\n";

/* The value of field `name` (NUL-terminated copy in a static buffer), or NULL. */
static const char *get(const sg_journal_field *f, size_t n, const char *name, size_t *ret_len) {
        static char buf[4096];
        size_t nl = strlen(name);
        for (size_t i = 0; i < n; i++)
                if (f[i].len > nl && memcmp(f[i].data, name, nl) == 0 && f[i].data[nl] == '=') {
                        size_t vl = f[i].len - nl - 1;
                        if (vl >= sizeof buf)
                                vl = sizeof buf - 1;
                        memcpy(buf, f[i].data + nl + 1, vl);
                        buf[vl] = '\0';
                        if (ret_len)
                                *ret_len = vl;
                        return buf;
                }
        return NULL;
}

static sg_err fields_of(const char *line, sg_journal_field **f, size_t *n) {
        sg_error e = {0};
        sg_err r = sg_journal_fields_new(line, strlen(line), f, n, &e);
        if (r)
                sg_test_diag("  error: %s", e.message);
        return r;
}

static void test_record(void) {
        sg_journal_field *f = NULL;
        size_t n = 0;
        SG_CHECK(fields_of(record, &f, &n) == SG_OK, "the documented example record converts");
        SG_CHECK(n == 17 + 4, "one field per key (17) + MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, RECORD (got %zu)", n);
        SG_CHECK(n && strncmp(f[0].data, "MESSAGE=", 8) == 0, "MESSAGE comes first");
        SG_CHECK_STR(get(f, n, "SYSLOG_IDENTIFIER", NULL), "sealgate", "SYSLOG_IDENTIFIER=sealgate");
        SG_CHECK_STR(get(f, n, "PRIORITY", NULL), "6", "PRIORITY=6 (info)");
        SG_CHECK_STR(get(f, n, "SEALGATE_V", NULL), "1", "a number as its JSON text");
        SG_CHECK_STR(get(f, n, "SEALGATE_ATTEMPT", NULL), "5f0c2a9e4b7d41c3a8e6f1d2b3c4a5e6", "a string decoded");
        SG_CHECK_STR(get(f, n, "SEALGATE_MESSAGE_ID", NULL), "null", "null as null");
        SG_CHECK_STR(get(f, n, "SEALGATE_RECIPIENTS", NULL), "{\"internal\":2,\"external\":3}", "an object as JSON");
        SG_CHECK_STR(get(f, n, "SEALGATE_EXTERNAL_DOMAINS", NULL), "[\"example.net\",\"partner.example\"]",
                     "an array as JSON");
        SG_CHECK_STR(get(f, n, "SEALGATE_OUTCOME", NULL), "routed", "outcome");
        size_t rl = 0;
        const char *rec = get(f, n, "SEALGATE_RECORD", &rl);
        SG_CHECK(rec && rl == strlen(record) - 1 && memcmp(rec, record, rl) == 0,
                 "SEALGATE_RECORD is the line without its newline");
        SG_CHECK_STR(get(f, n, "MESSAGE", NULL),
                     "send attempt 5f0c2a9e4b7d41c3a8e6f1d2b3c4a5e6: routed (action prompt, choice route:portal, "
                     "by button, route portal)",
                     "MESSAGE: the one-line summary");
        for (size_t i = 0; i < n; i++) {
                const char *eq = memchr(f[i].data, '=', f[i].len);
                int good = eq != NULL && eq > f[i].data;
                for (const char *p = f[i].data; good && p < eq; p++)
                        good = (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
                if (!good)
                        SG_CHECK(0, "field %zu has a valid journal name", i);
        }
        sg_journal_fields_free(f, n);
}

static void test_strings(void) {
        sg_journal_field *f = NULL;
        size_t n = 0;
        const char *line =
                "{\"justification\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\\ud800x\",\"choice\":\"x\\ny\"}";
        SG_CHECK(fields_of(line, &f, &n) == SG_OK, "escapes convert");
        SG_CHECK_STR(get(f, n, "SEALGATE_JUSTIFICATION", NULL), "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx",
                     "JSON escapes decoded to UTF-8 (a lone surrogate as U+FFFD)");
        const char *msg = get(f, n, "MESSAGE", NULL);
        SG_CHECK(msg && !strchr(msg, '\n'), "MESSAGE stays one line when a value holds a newline");
        sg_journal_fields_free(f, n);

        SG_CHECK(fields_of("{}", &f, &n) == SG_OK && n == 4, "an empty object: only the fixed fields");
        sg_journal_fields_free(f, n);
}

static void test_invalid(void) {
        sg_journal_field *f = NULL;
        size_t n = 0;
        sg_error e = {0};
        static const char *const bad[] = {
                "",
                "[]",
                "{\"a\":1",
                "{\"a\":1} x",
                "{\"A\":1}",
                "{\"a-b\":1}",
                "{\"\":1}",
                "{\"a\" 1}",
                "{\"a\":\"x}",
                "{\"a\":tru}",
                "{\"a\":[1,}",
                "{\"a\":\"\\q\"}",
                "{\"a\":\"\x01\"}",
                "{a:1}",
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
                SG_CHECK(sg_journal_fields_new(bad[i], strlen(bad[i]), &f, &n, &e) == SG_ERR_JSON,
                         "not a valid record: '%s'", bad[i]);
        SG_CHECK(sg_journal_fields_new(NULL, 0, &f, &n, &e) == SG_ERR_INVALID_ARGUMENT, "no line");
}

static void test_limits(void) {
        sg_journal_field *f = NULL;
        size_t n = 0;
        sg_error e = {0};
        char line[8192];

        /* keys: SG_AUDIT_JOURNAL_KEYS_MAX, then one more */
        for (int extra = 0; extra <= 1; extra++) {
                size_t o = 0;
                line[o++] = '{';
                for (int i = 0; i < SG_AUDIT_JOURNAL_KEYS_MAX + extra; i++)
                        o += (size_t) snprintf(line + o, sizeof line - o, "%s\"k%d\":%d", i ? "," : "", i, i);
                line[o++] = '}';
                line[o] = '\0';
                sg_err r = sg_journal_fields_new(line, o, &f, &n, &e);
                SG_CHECK(r == (extra ? SG_ERR_LIMIT : SG_OK), "%d keys: %s", SG_AUDIT_JOURNAL_KEYS_MAX + extra,
                         extra ? "limit" : "taken");
                if (r == SG_OK)
                        sg_journal_fields_free(f, n);
        }
        /* key length */
        for (int extra = 0; extra <= 1; extra++) {
                size_t kl = SG_AUDIT_JOURNAL_KEY_MAX + extra, o = 0;
                line[o++] = '{';
                line[o++] = '"';
                memset(line + o, 'k', kl);
                o += kl;
                memcpy(line + o, "\":1}", 5);
                o += 4;
                sg_err r = sg_journal_fields_new(line, o, &f, &n, &e);
                SG_CHECK(r == (extra ? SG_ERR_LIMIT : SG_OK), "a key of %zu bytes: %s", kl, extra ? "limit" : "taken");
                if (r == SG_OK) {
                        SG_CHECK(strlen(f[1].data) - 2 <= 64, "its field name fits the journal's 64 bytes");
                        sg_journal_fields_free(f, n);
                }
        }
        /* nesting */
        for (int extra = 0; extra <= 1; extra++) {
                int d = SG_AUDIT_JOURNAL_DEPTH_MAX + extra;
                size_t o = 0;
                o += (size_t) snprintf(line, sizeof line, "{\"a\":");
                for (int i = 0; i < d; i++)
                        line[o++] = '[';
                for (int i = 0; i < d; i++)
                        line[o++] = ']';
                line[o++] = '}';
                line[o] = '\0';
                sg_err r = sg_journal_fields_new(line, o, &f, &n, &e);
                SG_CHECK(r == (extra ? SG_ERR_LIMIT : SG_OK), "a value nested %d deep: %s", d,
                         extra ? "limit" : "taken");
                if (r == SG_OK)
                        sg_journal_fields_free(f, n);
        }
        /* MESSAGE is cut, never longer than its limit */
        size_t o = (size_t) snprintf(line, sizeof line, "{\"choice\":\"");
        memset(line + o, 'c', 2000);
        o += 2000;
        memcpy(line + o, "\"}", 3);
        o += 2;
        SG_CHECK(sg_journal_fields_new(line, o, &f, &n, &e) == SG_OK && f[0].len - 8 < SG_AUDIT_JOURNAL_MESSAGE_MAX,
                 "MESSAGE stays under %d bytes", SG_AUDIT_JOURNAL_MESSAGE_MAX);
        sg_journal_fields_free(f, n);
}

int main(void) {
        test_record();
        test_strings();
        test_invalid();
        test_limits();
        return sg_test_done();
}
