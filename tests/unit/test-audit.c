/* Unit tests of audit.c: the record as one JSON line (exact text, key order,
 * escaping, limits), outcomes, and the dates of audit file names. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/audit.h"
#include "sealgate/util.h"
#include "sg-test.h"

#define T_2026_11_23 1795433688123LL /* 2026-11-23T11:34:48.123Z */

static char *items[] = {"example.net", "partner.example"};
static sg_reason reasons[] = {
        {.code = SG_REASON_EXTERNAL_RECIPIENTS,
         .action = SG_ACTION_PROMPT,
         .detail = "3 external recipients in 2 domains: example.net, partner.example",
         .items = items,
         .n_items = 2},
        {.code = SG_REASON_ATTACHMENTS, .action = SG_ACTION_ROUTE, .trigger = "att", .detail = "1 attachment: a.pdf"},
};
static sg_header portal_headers[] = {{"X-SecureSend-Route", "portal"}};
static sg_choice choices[] = {
        {.kind = SG_CHOICE_ENCRYPT},
        {.kind = SG_CHOICE_ROUTE, .route = "portal", .headers = portal_headers, .n_headers = 1},
        {.kind = SG_CHOICE_SEND},
        {.kind = SG_CHOICE_CANCEL},
};

static sg_decision prompt_decision(void) {
        sg_decision d = {.action = SG_ACTION_PROMPT,
                         .n_recipients = 5,
                         .n_external = 3,
                         .n_external_domains = 2,
                         .reasons = reasons,
                         .n_reasons = 2,
                         .choices = choices,
                         .n_choices = 4,
                         .prompt_fallback = 3};
        return d;
}

static char *line_of(const sg_audit_record *r) {
        char *line = NULL;
        size_t len = 0;
        if (sg_audit_format(r, &line, &len, NULL) != SG_OK)
                return NULL;
        if (strlen(line) != len)
                abort();
        return line;
}

static void test_line(void) {
        sg_decision d = prompt_decision();
        sg_audit_record r = {.time_ms = T_2026_11_23,
                             .attempt = "0123456789abcdef0123456789abcdef",
                             .client = "thunderbird",
                             .user = "alice",
                             .sender = "alice@corp.example",
                             .decision = &d,
                             .choice = &choices[1],
                             .by = "button",
                             .outcome = SG_AUDIT_ROUTED};
        char *line = line_of(&r);
        SG_CHECK_STR(
                line,
                "{\"v\":1,\"time\":\"2026-11-23T11:34:48.123Z\",\"attempt\":\"0123456789abcdef0123456789abcdef\","
                "\"client\":\"thunderbird\",\"user\":\"alice\",\"message_id\":null,\"sender\":\"alice@corp.example\","
                "\"recipients\":{\"internal\":2,\"external\":3},\"external_domains\":[\"example.net\","
                "\"partner.example\"],\"reasons\":[{\"code\":\"external_recipients\",\"trigger\":null,\"action\":"
                "\"prompt\",\"detail\":\"3 external recipients in 2 domains: example.net, partner.example\"},"
                "{\"code\":\"attachments\",\"trigger\":\"att\",\"action\":\"route\",\"detail\":\"1 attachment: "
                "a.pdf\"}],\"action\":\"prompt\",\"choice\":\"route:portal\",\"by\":\"button\",\"justification\":"
                "null,\"route\":\"portal\",\"outcome\":\"routed\",\"prompt_error\":null,\"bcc\":null}\n",
                "a route choice: the exact line, keys in the documented order");
        free(line);

        /* A route decision: no choice, the decision's route. */
        sg_decision rd = {.action = SG_ACTION_ROUTE, .route = "gw", .n_recipients = 1, .n_external = 1};
        sg_audit_record r2 = {.time_ms = 0, .decision = &rd, .outcome = sg_audit_outcome_of(&rd, NULL)};
        line = line_of(&r2);
        SG_CHECK(line && strstr(line, "\"time\":\"1970-01-01T00:00:00.000Z\",\"attempt\":null,\"client\":null") &&
                         strstr(line, "\"external_domains\":[],\"reasons\":[],\"action\":\"route\",\"choice\":null,"
                                      "\"by\":null,\"justification\":null,\"route\":\"gw\",\"outcome\":\"routed\""),
                 "a route decision: nulls, no choice, the decision's route");
        free(line);

        /* The send choice with a justification; the prompt failed into the fallback. */
        r.choice = &choices[2];
        r.justification = "customer \xe9\xa1\xa7\xe5\xae\xa2";
        r.outcome = SG_AUDIT_SENT;
        line = line_of(&r);
        SG_CHECK(line && strstr(line, "\"choice\":\"send\",\"by\":\"button\",\"justification\":\"customer "
                                      "\xe9\xa1\xa7\xe5\xae\xa2\",\"route\":null,\"outcome\":\"sent\""),
                 "send with a justification (UTF-8 kept as it is)");
        free(line);
        r.choice = &choices[3];
        r.by = "fallback";
        r.justification = NULL;
        r.prompt_error = "prompt_unavailable";
        r.outcome = sg_audit_outcome_of(&d, r.choice);
        line = line_of(&r);
        SG_CHECK(line && strstr(line,
                                "\"choice\":\"cancel\",\"by\":\"fallback\",\"justification\":null,\"route\":null,"
                                "\"outcome\":\"cancelled\",\"prompt_error\":\"prompt_unavailable\",\"bcc\":null}"),
                 "a failed prompt: fallback and prompt_error");
        free(line);
        r.choice = &choices[2];
        r.by = "button";
        r.prompt_error = NULL;
        r.outcome = SG_AUDIT_SENT;
        r.bcc = "kept";
        line = line_of(&r);
        SG_CHECK(line && strstr(line, "\"outcome\":\"sent\",\"prompt_error\":null,\"bcc\":\"kept\"}\n"),
                 "the user kept the recipients in To and Cc: bcc \"kept\", the last key");
        free(line);
}

static void test_escaping(void) {
        sg_decision d = {.action = SG_ACTION_ALLOW};
        sg_audit_record r = {.decision = &d,
                             .user = "q\"b\\n\nr\rt\tc\x01\x1f"
                                     "d\x7f"
                                     "x\xff"
                                     "y\xe2\x80\xa8z\xed\xa0\x80!\xc3\xa9"};
        char *line = line_of(&r);
        SG_CHECK(line && strstr(line, "\"user\":\"q\\\"b\\\\n\\nr\\rt\\tc\\u0001\\u001fd\\u007fx\\ufffdy\\u2028z"
                                      "\\ufffd\\ufffd\\ufffd!\xc3\xa9\""),
                 "escaping: quote, backslash, controls, DEL, invalid UTF-8 (U+FFFD), U+2028, surrogates");
        json_object *o = line ? json_tokener_parse(line) : NULL, *u;
        SG_CHECK(o && sg_utf8_valid(line, strlen(line)) && json_object_object_get_ex(o, "user", &u) &&
                         strncmp(json_object_get_string(u), "q\"b\\n\nr", 7) == 0,
                 "the escaped line is valid UTF-8 and parses back");
        json_object_put(o);
        SG_CHECK(line && strchr(line, '\n') == line + strlen(line) - 1, "exactly one newline, at the end");
        free(line);
}

static void test_limits(void) {
        /* SG_AUDIT_DOMAINS_MAX domains listed; the count stays complete. */
        char **many = calloc(SG_AUDIT_DOMAINS_MAX + 1, sizeof *many);
        for (size_t i = 0; i <= SG_AUDIT_DOMAINS_MAX; i++)
                many[i] = "d.example";
        sg_reason rs = {.code = SG_REASON_EXTERNAL_RECIPIENTS, .items = many, .n_items = SG_AUDIT_DOMAINS_MAX + 1};
        sg_decision d = {
                .action = SG_ACTION_PROMPT, .reasons = &rs, .n_reasons = 1, .n_recipients = 1001, .n_external = 1001};
        sg_audit_record r = {.decision = &d};
        char *line = line_of(&r);
        size_t n = 0;
        for (const char *p = line; p && (p = strstr(p, "\"d.example\"")); p++)
                n++;
        SG_CHECK(n == SG_AUDIT_DOMAINS_MAX, "external_domains: %d listed of %d (got %zu)", SG_AUDIT_DOMAINS_MAX,
                 SG_AUDIT_DOMAINS_MAX + 1, n);
        free(line);
        free(many);

        /* A line over SG_AUDIT_LINE_MAX is refused, not cut. */
        char *big = malloc(SG_AUDIT_LINE_MAX + 1);
        memset(big, 'x', SG_AUDIT_LINE_MAX);
        big[SG_AUDIT_LINE_MAX] = '\0';
        sg_decision d2 = {.action = SG_ACTION_ALLOW};
        sg_audit_record r2 = {.decision = &d2, .user = big};
        char *out = (char *) "untouched";
        sg_error err;
        SG_CHECK(sg_audit_format(&r2, &out, NULL, &err) == SG_ERR_LIMIT && strcmp(out, "untouched") == 0,
                 "a record over SG_AUDIT_LINE_MAX is limit_exceeded, the result untouched");
        free(big);
        SG_CHECK(sg_audit_format(&(sg_audit_record){0}, &out, NULL, NULL) == SG_ERR_INVALID_ARGUMENT,
                 "no decision: invalid_argument");
}

static void test_outcomes(void) {
        static const struct {
                sg_action action;
                int choice; /* index in choices, -1 none */
                const char *want;
        } rows[] = {
                {SG_ACTION_ALLOW, -1, "sent"},       {SG_ACTION_ROUTE, -1, "routed"},
                {SG_ACTION_ENCRYPT, -1, "encrypt"},  {SG_ACTION_BLOCK, -1, "blocked"},
                {SG_ACTION_PROMPT, -1, "abandoned"}, {SG_ACTION_PROMPT, 0, "encrypt"},
                {SG_ACTION_PROMPT, 1, "routed"},     {SG_ACTION_PROMPT, 2, "sent"},
                {SG_ACTION_PROMPT, 3, "cancelled"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                sg_decision d = {.action = rows[i].action};
                const char *got = sg_audit_outcome_name(
                        sg_audit_outcome_of(&d, rows[i].choice < 0 ? NULL : &choices[rows[i].choice]));
                SG_CHECK(strcmp(got, rows[i].want) == 0, "outcome of %s with choice %d is %s",
                         sg_action_name(rows[i].action), rows[i].choice, rows[i].want);
        }
        SG_CHECK_STR(sg_audit_outcome_name(SG_AUDIT_ABANDONED), "abandoned", "abandoned has its name");
}

/* The applied line's not_ready object (issue 19): address → reason word,
 * in the order given, escaped; an entry without an address is left out (an
 * object key cannot be null); {} when every recipient was ready. */
static void test_not_ready(void) {
        sg_decision d = {.action = SG_ACTION_ENCRYPT, .n_recipients = 3, .n_external = 3};
        static const char *const names[] = {"X-SecureSend-Route"};
        static const sg_audit_not_ready nr[] = {
                {"b@partner.example", "not_accepted"}, {NULL, "no_key"}, {"d\"q@partner.example", "no_key"}};
        sg_audit_applied ap = {.route = "portal",
                               .headers = names,
                               .n_headers = 1,
                               .fallback = true,
                               .not_ready = nr,
                               .n_not_ready = 3,
                               .confirmed = 1};
        sg_audit_record r = {
                .time_ms = T_2026_11_23, .attempt = "a", .decision = &d, .outcome = SG_AUDIT_ROUTED, .applied = &ap};
        char *line = line_of(&r);
        SG_CHECK(line && strstr(line, "\"fallback\":true,\"not_ready\":{\"b@partner.example\":\"not_accepted\","
                                      "\"d\\\"q@partner.example\":\"no_key\"}},\"confirmed\":true}\n"),
                 "not_ready: each recipient with its reason, escaped, no null key: %s", line ? line : "(null)");
        free(line);
        ap.n_not_ready = 0;
        line = line_of(&r);
        SG_CHECK(line && strstr(line, "\"fallback\":true,\"not_ready\":{}}"), "not_ready: {} when none: %s",
                 line ? line : "(null)");
        free(line);
        static const char *const words[] = {"no_key",        "no_cert",       "expired",
                                            "revoked",       "not_accepted",  "wrong_usage",
                                            "wrong_address", "lookup_failed", "revocation_unknown",
                                            "invalid",       "unknown"};
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
                SG_CHECK(sg_audit_not_ready_word(words[i]), "not_ready word %s", words[i]);
        SG_CHECK(!sg_audit_not_ready_word(NULL) && !sg_audit_not_ready_word("") && !sg_audit_not_ready_word("none") &&
                         !sg_audit_not_ready_word("no_key "),
                 "not_ready: other words are refused");
}

static void test_dates(void) {
        char name[SG_AUDIT_FILE_NAME_SIZE];
        sg_audit_file_name(T_2026_11_23, name);
        SG_CHECK_STR(name, "audit-2026-11-23.jsonl", "file name of a time");
        sg_audit_file_name(0, name);
        SG_CHECK_STR(name, "audit-1970-01-01.jsonl", "file name at the epoch");
        sg_audit_file_name(-1, name);
        SG_CHECK_STR(name, "audit-1969-12-31.jsonl", "one millisecond before the epoch");
        sg_audit_file_name(1709164799999LL, name);
        SG_CHECK_STR(name, "audit-2024-02-28.jsonl", "last millisecond of 2024-02-28 (UTC)");
        sg_audit_file_name(1709164800000LL, name);
        SG_CHECK_STR(name, "audit-2024-02-29.jsonl", "leap day");

        int64_t day = -1;
        SG_CHECK(sg_audit_file_day("audit-2026-11-23.jsonl", &day) && day == sg_audit_day_of(T_2026_11_23),
                 "a name gives back its day");
        SG_CHECK(sg_audit_file_day("audit-2024-02-29.jsonl", &day) && day == 19782, "leap day parses (day 19782)");
        static const char *bad[] = {"audit-2023-02-29.jsonl",
                                    "audit-2024-13-01.jsonl",
                                    "audit-2024-00-10.jsonl",
                                    "audit-2024-04-31.jsonl",
                                    "audit-2024-01-01.json",
                                    "audit-2024-1-01.jsonl",
                                    "xaudit-2024-01-01.jsonl",
                                    "audit-2024-01-01.jsonl~",
                                    "audit-2024-01-0a.jsonl",
                                    "notes.txt",
                                    ""};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                SG_CHECK(!sg_audit_file_day(bad[i], NULL), "not an audit file name: \"%s\"", bad[i]);

        SG_CHECK(!sg_audit_expired(100 - 90, 100, 90), "retention 90: the file of 90 days ago is kept");
        SG_CHECK(sg_audit_expired(100 - 91, 100, 90), "retention 90: 91 days ago (one past) is deleted");
        SG_CHECK(!sg_audit_expired(100, 100, 1) && !sg_audit_expired(99, 100, 1) && sg_audit_expired(98, 100, 1),
                 "retention 1 keeps today and yesterday");
        SG_CHECK(!sg_audit_expired(-5000, 100, 0), "retention 0 keeps for ever");
        SG_CHECK(!sg_audit_expired(200, 100, 90), "a file from the future is kept");
}

int main(void) {
        test_line();
        test_escaping();
        test_limits();
        test_outcomes();
        test_not_ready();
        test_dates();
        return sg_test_done();
}
