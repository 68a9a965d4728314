/* sealgate-prompt's GTK-free part: decision parsing with its limits, and the
 * texts (reason sentences, recipient grouping, button labels) in en and ja. */
#include <glib.h>
#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "prompt-model.h"
#include "sg-test.h"

/* glibc caches translations; switching LANGUAGE needs this counter bumped
 * (GNU gettext manual, "Being a gettext grok"). */
extern int _nl_msg_cat_cntr;
static void set_language(const char *lang) {
        g_setenv("LANGUAGE", lang, TRUE);
        ++_nl_msg_cat_cntr;
}

static char *fixture(const char *name) {
        char *path = g_build_filename(SG_SOURCE_ROOT, "tests", "gui", "data", name, NULL);
        char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
                sg_test_diag("cannot read %s", path);
        g_free(path);
        return text;
}

static sg_prompt_model *parse(const char *json, sg_error *err) {
        sg_prompt_model *m = NULL;
        if (sg_prompt_model_parse(json, strlen(json), &m, err) != SG_OK)
                return NULL;
        return m;
}

/* A minimal valid decision with `extra` spliced in before the closing brace
 * (members given twice: json-c keeps the last). */
static char *decision(const char *extra) {
        return g_strdup_printf("{\"action\":\"prompt\",\"recipients\":[{\"address\":\"a@x.example\",\"display_name\":"
                               "null,\"domain\":\"x.example\",\"field\":\"to\",\"class\":\"external\"}],"
                               "\"reasons\":[],\"choices\":[{\"id\":\"send\",\"kind\":\"send\"},{\"id\":\"cancel\","
                               "\"kind\":\"cancel\"}],\"require_justification\":false%s%s}",
                               extra && *extra ? "," : "", extra ? extra : "");
}

static void expect_invalid(const char *extra, sg_err code, const char *needle, const char *desc) {
        char *json = decision(extra);
        sg_error err = {0};
        sg_prompt_model *m = NULL;
        sg_err r = sg_prompt_model_parse(json, strlen(json), &m, &err);
        if (!SG_CHECK(r == code && m == NULL && strstr(err.message, needle), "invalid: %s", desc))
                sg_test_diag("  got %d \"%s\", want %d containing \"%s\"", r, err.message, code, needle);
        sg_prompt_model_free(m);
        g_free(json);
}

static void expect_valid(const char *extra, const char *desc) {
        char *json = decision(extra);
        sg_error err = {0};
        sg_prompt_model *m = parse(json, &err);
        if (!SG_CHECK(m != NULL, "valid: %s", desc))
                sg_test_diag("  %s", err.message);
        sg_prompt_model_free(m);
        g_free(json);
}

/* `n` copies of `item` joined by commas, as "key":[...]. */
static char *repeat_member(const char *key, const char *item, size_t n) {
        GString *s = g_string_new(NULL);
        g_string_append_printf(s, "\"%s\":[", key);
        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%s%s", i ? "," : "", item);
        g_string_append(s, "]");
        return g_string_free(s, FALSE);
}

static void test_limits(void) {
        const char *rcpt = "{\"address\":\"a@x.example\",\"display_name\":null,\"domain\":\"x.example\","
                           "\"field\":\"cc\",\"class\":\"internal\"}";
        const char *reason = "{\"code\":\"attachments\",\"detail\":null,\"items\":[\"a\"]}";
        struct {
                const char *key, *item;
                size_t max;
        } arrays[] = {
                {"recipients", rcpt, SG_PROMPT_RECIPIENTS_MAX},
                {"reasons", reason, SG_PROMPT_REASONS_MAX},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(arrays); i++) {
                char *at = repeat_member(arrays[i].key, arrays[i].item, arrays[i].max);
                char *past = repeat_member(arrays[i].key, arrays[i].item, arrays[i].max + 1);
                char *desc = g_strdup_printf("%s: %zu entries (the limit)", arrays[i].key, arrays[i].max);
                expect_valid(at, desc);
                g_free(desc);
                desc = g_strdup_printf("%s: %zu entries (one past)", arrays[i].key, arrays[i].max + 1);
                char *needle = g_strdup_printf("%s: more than %zu entries", arrays[i].key, arrays[i].max);
                expect_invalid(past, SG_ERR_LIMIT, needle, desc);
                g_free(needle);
                g_free(desc);
                g_free(at);
                g_free(past);
        }

        /* choices: routes r0..rN plus send and cancel */
        for (size_t extra = 0; extra < 2; extra++) {
                size_t n = SG_PROMPT_CHOICES_MAX + extra;
                GString *s = g_string_new("\"choices\":[{\"id\":\"send\",\"kind\":\"send\"},{\"id\":\"cancel\","
                                          "\"kind\":\"cancel\"}");
                for (size_t i = 2; i < n; i++)
                        g_string_append_printf(s,
                                               ",{\"id\":\"route:r%zu\",\"kind\":\"route\",\"route\":\"r%zu\","
                                               "\"headers\":[],\"subject_tag\":null}",
                                               i, i);
                g_string_append(s, "]");
                if (extra)
                        expect_invalid(s->str, SG_ERR_LIMIT, "choices: more than 67 entries", "choices: 68 (one past)");
                else
                        expect_valid(s->str, "choices: 67 (the limit)");
                g_string_free(s, TRUE);
        }

        /* items of one reason */
        for (size_t extra = 0; extra < 2; extra++) {
                char *items = repeat_member("items", "\"x\"", SG_PROMPT_ITEMS_MAX + extra);
                char *r = g_strdup_printf("\"reasons\":[{\"code\":\"external_domains\",\"detail\":null,%s}]", items);
                if (extra)
                        expect_invalid(r, SG_ERR_LIMIT, "reasons[0].items: more than 10000 entries",
                                       "reason items: 10001 (one past)");
                else
                        expect_valid(r, "reason items: 10000 (the limit)");
                g_free(items);
                g_free(r);
        }

        /* headers of a route choice */
        for (size_t extra = 0; extra < 2; extra++) {
                char *h = repeat_member("headers", "{\"name\":\"X-A\",\"value\":\"b\"}", SG_PROMPT_HEADERS_MAX + extra);
                char *c = g_strdup_printf("\"choices\":[{\"id\":\"route:p\",\"kind\":\"route\",\"route\":\"p\",%s,"
                                          "\"subject_tag\":null},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                                          h);
                if (extra)
                        expect_invalid(c, SG_ERR_LIMIT, "choices[0].headers: more than 32 entries",
                                       "route headers: 33 (one past)");
                else
                        expect_valid(c, "route headers: 32 (the limit)");
                g_free(h);
                g_free(c);
        }

        /* string length: the subject, and an item */
        for (size_t extra = 0; extra < 2; extra++) {
                char *big = g_strnfill(SG_PROMPT_STRING_MAX + extra, 'a');
                char *subj = g_strdup_printf("\"subject\":\"%s\"", big);
                char *item =
                        g_strdup_printf("\"reasons\":[{\"code\":\"header\",\"detail\":null,\"items\":[\"%s\"]}]", big);
                if (extra) {
                        expect_invalid(subj, SG_ERR_LIMIT, "subject: longer than 16384 bytes", "subject: 16385 bytes");
                        expect_invalid(item, SG_ERR_LIMIT, "reasons[0].items[0]: longer than 16384 bytes",
                                       "item: 16385 bytes");
                } else {
                        expect_valid(subj, "subject: 16384 bytes (the limit)");
                        expect_valid(item, "item: 16384 bytes (the limit)");
                }
                g_free(big);
                g_free(subj);
                g_free(item);
        }

        /* input size, checked before parsing */
        sg_error err = {0};
        sg_prompt_model *m = NULL;
        char *json = decision(NULL);
        SG_CHECK(sg_prompt_model_parse(json, SG_PROMPT_INPUT_MAX + 1, &m, &err) == SG_ERR_LIMIT && !m &&
                         strstr(err.message, "input: more than 8388608 bytes"),
                 "input: 8 MiB + 1 refused before parsing");
        g_free(json);
        /* at the limit: pad with white space */
        GString *s = g_string_new(NULL);
        char *d = decision(NULL);
        g_string_append(s, d);
        g_free(d);
        while (s->len < SG_PROMPT_INPUT_MAX)
                g_string_append_c(s, ' ');
        SG_CHECK(sg_prompt_model_parse(s->str, s->len, &m, &err) == SG_OK && m, "input: exactly 8 MiB accepted");
        m = sg_prompt_model_free(m);
        g_string_free(s, TRUE);

        /* nesting depth */
        GString *deep = g_string_new(NULL);
        for (int i = 0; i < SG_PROMPT_JSON_DEPTH; i++)
                g_string_append(deep, "[");
        for (int i = 0; i < SG_PROMPT_JSON_DEPTH; i++)
                g_string_append(deep, "]");
        char *x = g_strdup_printf("\"attempt_extra\":%s", deep->str);
        expect_invalid(x, SG_ERR_LIMIT, "nested deeper than 16", "JSON nested 17 deep");
        g_free(x);
        g_string_free(deep, TRUE);
}

static void test_invalid(void) {
        sg_error err = {0};
        sg_prompt_model *m = NULL;
        struct {
                const char *json, *needle;
                sg_err code;
        } raw[] = {
                {"", "not JSON", SG_ERR_JSON},
                {"hello", "not JSON", SG_ERR_JSON},
                {"{\"action\":", "not JSON (unexpected end)", SG_ERR_JSON},
                {"[1,2]", "expected a JSON object, got an array", SG_ERR_REQUEST},
                {"{} {}", "input: not JSON", SG_ERR_JSON},
                {"{}  x", "input: not JSON", SG_ERR_JSON},
                {"{\"action\":\"\xff\"}", "not valid UTF-8", SG_ERR_UTF8},
                {"{\"action\":\"allow\"}", "action: expected \"prompt\", got \"allow\"", SG_ERR_REQUEST},
                {"{\"action\":7}", "action: expected a string, got a number", SG_ERR_REQUEST},
                {"{\"recipients\":[]}", "action: missing", SG_ERR_REQUEST},
                {"{\"action\":\"prompt\"}", "recipients: missing", SG_ERR_REQUEST},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(raw); i++) {
                m = NULL;
                sg_err r = sg_prompt_model_parse(raw[i].json, strlen(raw[i].json), &m, &err);
                if (!SG_CHECK(r == raw[i].code && !m && strstr(err.message, raw[i].needle), "invalid input %zu: %s", i,
                              raw[i].needle))
                        sg_test_diag("  got %d \"%s\"", r, err.message);
                sg_prompt_model_free(m);
        }
        const char *to_ext = "\"domain\":\"x.example\",\"field\":\"to\",\"class\":\"external\"";
        char *t;
        expect_invalid("\"recipients\":{}", SG_ERR_REQUEST, "recipients: expected an array, got an object",
                       "recipients not an array");
        expect_invalid("\"recipients\":[3]", SG_ERR_REQUEST, "recipients[0]: expected an object, got a number",
                       "recipient not an object");
        t = g_strdup_printf("\"recipients\":[{\"address\":\"a@x\",\"display_name\":1,%s}]", to_ext);
        expect_invalid(t, SG_ERR_REQUEST, "recipients[0].display_name: expected a string or null, got a number",
                       "display_name a number");
        g_free(t);
        expect_invalid("\"recipients\":[{\"address\":\"a@x\",\"display_name\":null,\"domain\":\"x\",\"field\":\"from\","
                       "\"class\":\"external\"}]",
                       SG_ERR_REQUEST, "recipients[0].field: expected \"to\", \"cc\" or \"bcc\"", "field unknown");
        expect_invalid("\"recipients\":[{\"address\":\"a@x\",\"display_name\":null,\"domain\":\"x\",\"field\":\"to\","
                       "\"class\":\"foreign\"}]",
                       SG_ERR_REQUEST, "recipients[0].class: expected \"internal\" or \"external\"", "class unknown");
        expect_invalid("\"recipients\":[{\"address\":\"a\\u0000b@x\",\"display_name\":null,\"domain\":\"x\","
                       "\"field\":\"to\",\"class\":\"external\"}]",
                       SG_ERR_REQUEST, "recipients[0].address: contains a NUL character", "NUL in an address");
        expect_invalid("\"reasons\":[{\"code\":\"attachments\",\"detail\":null,\"items\":[1]}]", SG_ERR_REQUEST,
                       "reasons[0].items[0]: expected a string, got a number", "reason item a number");
        expect_invalid("\"reasons\":[{\"code\":\"\",\"detail\":null,\"items\":[]}]", SG_ERR_REQUEST,
                       "reasons[0].code: empty", "reason code empty");
        expect_invalid("\"reasons\":[{\"detail\":null,\"items\":[]}]", SG_ERR_REQUEST, "reasons[0].code: missing",
                       "reason code missing");
        expect_invalid("\"choices\":[{\"id\":\"send\",\"kind\":\"send\"}]", SG_ERR_REQUEST,
                       "choices: no \"cancel\" choice", "no cancel choice");
        expect_invalid("\"choices\":[{\"id\":\"cancel\",\"kind\":\"cancel\"},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[1].id: \"cancel\" given twice", "duplicate choice id");
        expect_invalid("\"choices\":[{\"id\":\"cancel\",\"kind\":\"stop\"}]", SG_ERR_REQUEST,
                       "choices[0].kind: expected \"encrypt\", \"route\", \"send\" or \"cancel\"", "kind unknown");
        expect_invalid("\"choices\":[{\"id\":\"send\",\"kind\":\"cancel\"}]", SG_ERR_REQUEST,
                       "choices[0].id: expected \"cancel\" for kind \"cancel\"", "id does not match kind");
        expect_invalid("\"choices\":[{\"id\":\"route:a\",\"kind\":\"route\",\"route\":\"b\",\"headers\":[],"
                       "\"subject_tag\":null},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[0].id: expected \"route:b\"", "route id does not match route");
        expect_invalid("\"choices\":[{\"id\":\"route:a b\",\"kind\":\"route\",\"route\":\"a b\",\"headers\":[],"
                       "\"subject_tag\":null},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[0].route: not a route name", "route name with a space");
        expect_invalid("\"choices\":[{\"id\":\"route:a\",\"kind\":\"route\",\"headers\":[],\"subject_tag\":null},"
                       "{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[0].route: missing", "route choice without route");
        expect_invalid("\"choices\":[{\"id\":\"route:a\",\"kind\":\"route\",\"route\":\"a\",\"headers\":[{\"name\":1,"
                       "\"value\":\"v\"}],\"subject_tag\":null},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[0].headers[0].name: expected a string", "header name a number");
        expect_invalid("\"choices\":[{\"id\":\"route:a\",\"kind\":\"route\",\"route\":\"a\",\"headers\":[],"
                       "\"subject_tag\":5},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[0].subject_tag: expected a string or null", "subject_tag a number");
        expect_invalid("\"choices\":[{\"id\":\"route:a\",\"kind\":\"route\",\"route\":\"a\",\"headers\":[],"
                       "\"subject_tag\":null,\"label\":\"A\"},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[0].label: expected an object, got a string", "label a string");
        expect_invalid("\"choices\":[{\"id\":\"route:a\",\"kind\":\"route\",\"route\":\"a\",\"headers\":[],"
                       "\"subject_tag\":null,\"label\":{\"en\":\"A\"}},{\"id\":\"cancel\",\"kind\":\"cancel\"}]",
                       SG_ERR_REQUEST, "choices[0].label.ja: missing", "label without ja");
        expect_invalid("\"require_justification\":\"yes\"", SG_ERR_REQUEST,
                       "require_justification: expected a boolean, got a string", "require_justification a string");
        expect_invalid("\"subject\":[]", SG_ERR_REQUEST, "subject: expected a string or null, got an array",
                       "subject an array");
        expect_invalid("\"attempt\":1", SG_ERR_REQUEST, "attempt: expected a string or null", "attempt a number");
        expect_invalid("\"prompt_timeout_seconds\":\"300\"", SG_ERR_REQUEST,
                       "prompt_timeout_seconds: expected an integer", "prompt_timeout_seconds a string");
        expect_valid("\"unknown_future_member\":{\"a\":[1,2]},\"subject\":null,\"prompt_timeout_seconds\":300",
                     "unknown members ignored, optional members null or present");
}

static void test_fixture_texts_en(void) {
        char *json = fixture("decision-20.json");
        sg_error err = {0};
        sg_prompt_model *m = json ? parse(json, &err) : NULL;
        g_free(json);
        if (!SG_CHECK(m != NULL, "decision-20.json parses")) {
                sg_test_diag("%s", err.message);
                return;
        }
        SG_CHECK(m->n_recipients == 20 && m->n_external == 14 && m->n_choices == 8 && m->n_reasons == 10,
                 "20 recipients, 14 external, 8 choices, 10 reasons");
        SG_CHECK_STR(sg_prompt_title(), "Sending outside the organisation", "title");
        char *s = sg_prompt_subject_line(m);
        SG_CHECK_STR(s, "Subject: Confidential: price list 2027", "subject line");
        g_free(s);
        s = sg_prompt_external_heading(m);
        SG_CHECK_STR(s, "External recipients (14 addresses, 5 domains)", "external heading");
        g_free(s);
        s = sg_prompt_internal_summary(m);
        SG_CHECK_STR(s, "Also to 6 internal recipients", "internal recipients summarised");
        g_free(s);

        const char *want[] = {
                ("Recipients outside the organisation, in 5 domains: example.net, partner.example, "
                 "torihiki.example.jp, third.example, fourth.example"),
                "2 attachments: contract.xlsx, price.pdf",
                "2 attachments with a file extension that needs protection: contract.xlsx, price.pdf",
                "1 attachment of a file type that needs protection: price.pdf",
                "The attachments are too large (90 bytes in total)",
                "The subject contains a keyword that needs protection (“confidential”)",
                "5 external domains: example.net, partner.example, torihiki.example.jp, third.example, fourth.example",
                "The message body contains what looks like a credit card number: **** **** **** 1111",
                "The message body contains text that your organisation marks as needing protection",
                "The message is marked as needing protection: secret",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(want) && i < m->n_reasons; i++) {
                s = sg_prompt_reason_text(&m->reasons[i]);
                char *desc = g_strdup_printf("reason %zu (%s) in words", i, m->reasons[i].code);
                SG_CHECK_STR(s, want[i], desc);
                g_free(desc);
                g_free(s);
        }

        sg_prompt_row *rows = NULL;
        size_t n = 0;
        SG_CHECK(sg_prompt_external_rows(m, &rows, &n) == SG_OK && n == 14 + 5, "rows: 5 domain headings + 14");
        const char *want_rows[] = {"example.net (5)",       "To: Bob Partner <bob@example.net>",
                                   "To: carol@example.net", "Cc: judy@example.net",
                                   "Cc: peggy@example.net", "Bcc: victor@example.net",
                                   "partner.example (4)"};
        bool rows_ok = n >= G_N_ELEMENTS(want_rows);
        for (size_t i = 0; rows_ok && i < G_N_ELEMENTS(want_rows); i++)
                rows_ok = strcmp(rows[i].text, want_rows[i]) == 0 && rows[i].heading == (i == 0 || i == 6);
        if (!SG_CHECK(rows_ok, "rows grouped by domain in order of appearance, field per address"))
                for (size_t i = 0; i < n && i < 8; i++)
                        sg_test_diag("  %s%s", rows[i].heading ? "# " : "", rows[i].text);
        bool has_ja = false;
        for (size_t i = 0; i < n; i++)
                has_ja |= strcmp(rows[i].text, "To: 佐藤 花子 <hanako@torihiki.example.jp>") == 0;
        SG_CHECK(has_ja, "a Japanese display name is kept");
        sg_prompt_rows_free(rows, n);

        const char *labels[] = {"_Encrypt and send",
                                "Send through the secure _portal",
                                "Encrypt at the gateway (_S/MIME)",
                                "Encrypt at the gateway (_OpenPGP)",
                                "Send attachments as an encrypted _ZIP",
                                "Send via the gateway (“partner-gw”)",
                                "Send _without encryption",
                                "_Back to editing"};
        for (size_t i = 0; i < m->n_choices && i < G_N_ELEMENTS(labels); i++) {
                s = sg_prompt_choice_label(&m->choices[i]);
                char *desc = g_strdup_printf("button label for %s", m->choices[i].id);
                SG_CHECK_STR(s, labels[i], desc);
                g_free(desc);
                g_free(s);
                s = sg_prompt_choice_description(&m->choices[i], false);
                SG_CHECK(s && strlen(s) > 20 && s[strlen(s) - 1] == '.', "description for %s: \"%s\"", m->choices[i].id,
                         s);
                g_free(s);
        }
        sg_prompt_model_free(m);

        sg_prompt_choice odd = {.id = "route:my_gw", .kind = SG_CHOICE_ROUTE, .route = "my_gw"};
        s = sg_prompt_choice_label(&odd);
        SG_CHECK_STR(s, "Send via the gateway (“my__gw”)", "an underscore in a route name is no mnemonic");
        g_free(s);

        /* The policy's label (routes.NAME.label) replaces the name, in the prompt's language. */
        sg_prompt_choice named = {.id = "route:my_gw",
                                  .kind = SG_CHOICE_ROUTE,
                                  .route = "my_gw",
                                  .label = {"Partner A_gateway", "\u53d6\u5f15\u5148 A"}};
        s = sg_prompt_choice_label(&named);
        SG_CHECK_STR(s, "Partner A__gateway", "en: the route's label, its underscore no mnemonic");
        g_free(s);
        s = sg_prompt_choice_description(&named, false);
        SG_CHECK(s && strstr(s, "Partner A_gateway") && !strstr(s, "my_gw"), "en: the description names the label");
        g_free(s);
}

static void test_reason_words(void) {
        char *items[] = {"a.pdf", "b.xlsx", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
        for (int c = 0; c < SG_REASON__MAX; c++) {
                char *s = sg_prompt_reason_text_for((sg_reason_code) c, items, 2);
                SG_CHECK(s && *s, "reason code \"%s\" has a sentence: %s", sg_reason_code_name((sg_reason_code) c),
                         s ? s : "(none)");
                g_free(s);
        }
        char *s = sg_prompt_reason_text_for(SG_REASON_ATTACHMENTS, items, 12);
        SG_CHECK_STR(s, "12 attachments: a.pdf, b.xlsx, c, d, e, f, g, h, i, j and 2 more", "long lists are cut");
        g_free(s);
        s = sg_prompt_reason_text_for(SG_REASON_MY_NUMBER, items, 1);
        SG_CHECK_STR(s, "The message body contains what looks like a My Number (Individual Number)", "my_number, one");
        g_free(s);
        s = sg_prompt_reason_text_for(SG_REASON_CREDIT_CARD, items, 3);
        SG_CHECK_STR(s, "The message body contains what look like 3 credit card numbers: a.pdf, b.xlsx, c",
                     "cards, three");
        g_free(s);

        char *one[] = {"x.example"};
        sg_prompt_reason unknown = {
                .code = "future_code", .detail = "something new happened", .items = one, .n_items = 1};
        s = sg_prompt_reason_text(&unknown);
        SG_CHECK_STR(s, "something new happened", "unknown code: the English detail");
        g_free(s);
        unknown.detail = NULL;
        s = sg_prompt_reason_text(&unknown);
        SG_CHECK_STR(s, "future_code", "unknown code without detail: the code");
        g_free(s);
        sg_prompt_reason noitems = {
                .code = "attachments", .known = true, .rc = SG_REASON_ATTACHMENTS, .detail = "0 attachments"};
        s = sg_prompt_reason_text(&noitems);
        SG_CHECK_STR(s, "0 attachments", "a list sentence with no items falls back to the detail");
        g_free(s);

        /* few internal recipients are named */
        char *json = g_strdup_printf(
                "{\"action\":\"prompt\",\"recipients\":[{\"address\":\"a@corp.example\",\"display_name\":null,"
                "\"domain\":\"corp.example\",\"field\":\"to\",\"class\":\"internal\"},{\"address\":\"b@corp.example\","
                "\"display_name\":null,\"domain\":\"corp.example\",\"field\":\"cc\",\"class\":\"internal\"}],"
                "\"reasons\":[],\"choices\":[{\"id\":\"cancel\",\"kind\":\"cancel\"}],\"require_justification\":true}");
        sg_error err = {0};
        sg_prompt_model *m = parse(json, &err);
        s = m ? sg_prompt_internal_summary(m) : NULL;
        SG_CHECK_STR(s, "Also to internal recipients: a@corp.example, b@corp.example", "two internal: named");
        g_free(s);
        sg_prompt_model_free(m);
        g_free(json);
}

static void test_justification(void) {
        char *t = NULL;
        SG_CHECK(!sg_prompt_justification_ok("", NULL), "justification: empty refused");
        SG_CHECK(!sg_prompt_justification_ok(" \t\u3000 ", NULL), "justification: blank (incl. U+3000) refused");
        SG_CHECK(sg_prompt_justification_ok("\u3000 取引先の依頼 \n", &t) && strcmp(t, "取引先の依頼") == 0,
                 "justification: trimmed (Unicode spaces)");
        g_free(t);
        char *k = g_strnfill(SG_PROMPT_JUSTIFICATION_MAX, 'k');
        SG_CHECK(sg_prompt_justification_ok(k, NULL), "justification: 250 characters accepted");
        char *k1 = g_strconcat(k, "x", NULL);
        SG_CHECK(!sg_prompt_justification_ok(k1, NULL), "justification: 251 characters refused");
        char *k2 = g_strconcat("  ", k, "  ", NULL);
        SG_CHECK(sg_prompt_justification_ok(k2, NULL), "justification: 250 characters plus spaces accepted");
        g_free(k);
        g_free(k1);
        g_free(k2);
        /* Counted in characters, not bytes: 250 kana (750 bytes) and 250
         * four-byte characters (1000 bytes, the audit record's limit) pass. */
        GString *kana = g_string_new(NULL), *astral = g_string_new(NULL);
        for (int i = 0; i < SG_PROMPT_JUSTIFICATION_MAX; i++) {
                g_string_append(kana, "\u3042");
                g_string_append(astral, "\U0001F600");
        }
        SG_CHECK(sg_prompt_justification_ok(kana->str, NULL), "justification: 250 kana (750 bytes) accepted");
        SG_CHECK(sg_prompt_justification_ok(astral->str, NULL) && astral->len == 1000,
                 "justification: 250 four-byte characters (1000 bytes) accepted");
        g_string_append(kana, "\u3042");
        SG_CHECK(!sg_prompt_justification_ok(kana->str, NULL), "justification: 251 kana refused");
        g_string_free(kana, TRUE);
        g_string_free(astral, TRUE);
        SG_CHECK(!sg_prompt_justification_ok("\xff", NULL), "justification: invalid UTF-8 refused");

        char *a = sg_prompt_answer_json("route:portal", NULL, "button", false);
        SG_CHECK_STR(a, "{\"choice\":\"route:portal\",\"justification\":null,\"by\":\"button\"}", "answer line");
        g_free(a);
        a = sg_prompt_answer_json("send", NULL, "button", true);
        SG_CHECK_STR(a, "{\"choice\":\"send\",\"justification\":null,\"by\":\"button\",\"bcc\":\"keep\"}",
                     "answer line: the recipients kept in To and Cc");
        g_free(a);
        a = sg_prompt_answer_json("cancel", NULL, "escape", true);
        SG_CHECK_STR(a, "{\"choice\":\"cancel\",\"justification\":null,\"by\":\"escape\"}",
                     "answer line: \"keep\" never goes with cancel");
        g_free(a);
        a = sg_prompt_answer_json("send", "He said \"ok\"/取引先", "button", false);
        SG_CHECK_STR(a, "{\"choice\":\"send\",\"justification\":\"He said \\\"ok\\\"/取引先\",\"by\":\"button\"}",
                     "answer line with an escaped justification");
        g_free(a);
}

static void test_japanese(void) {
        set_language("ja");
        setlocale(LC_ALL, "C.UTF-8");
        bindtextdomain("sealgate", SG_BUILD_LOCALEDIR);
        bind_textdomain_codeset("sealgate", "UTF-8");
        SG_CHECK_STR(sg_prompt_title(), "社外への送信確認", "ja: title");
        char *items[] = {"contract.xlsx", "price.pdf"};
        char *s = sg_prompt_reason_text_for(SG_REASON_ATTACHMENTS, items, 2);
        SG_CHECK_STR(s, "添付ファイルが 2 件あります（contract.xlsx、price.pdf）。",
                     "ja: attachments sentence and list separator");
        g_free(s);
        s = sg_prompt_reason_text_for(SG_REASON_CREDIT_CARD, items, 1);
        SG_CHECK_STR(s, "本文にクレジットカード番号と思われる番号が含まれています（1 件: contract.xlsx）。",
                     "ja: credit card");
        g_free(s);
        sg_prompt_choice named = {.id = "route:gw",
                                  .kind = SG_CHOICE_ROUTE,
                                  .route = "gw",
                                  .label = {"Partner A", "\u53d6\u5f15\u5148 A \u5411\u3051"}};
        s = sg_prompt_choice_label(&named);
        SG_CHECK_STR(s, "\u53d6\u5f15\u5148 A \u5411\u3051", "ja: the route's Japanese label");
        g_free(s);
        /* Sizes from the one formatter (sealgate/format.h), in Japanese. */
        char *big[] = {"12582912"}, *tiny[] = {"90"};
        s = sg_prompt_reason_text_for(SG_REASON_ATTACHMENT_SIZE, big, 1);
        SG_CHECK_STR(s, "添付ファイルの合計サイズが上限を超えています（合計 12.6 MB）。", "ja: size in MB");
        g_free(s);
        s = sg_prompt_reason_text_for(SG_REASON_ATTACHMENT_SIZE, tiny, 1);
        SG_CHECK_STR(s, "添付ファイルの合計サイズが上限を超えています（合計 90 バイト）。",
                     "ja: size in bytes, in Japanese");
        g_free(s);
        s = sg_prompt_reason_text_for(SG_REASON_CREDIT_CARD, items, 0);
        SG_CHECK(s == NULL, "a sentence about evidence without any: none (the caller shows the detail)");
        g_free(s);

        /* Every sentence and label is translated: none equals its English. */
        set_language("en");
        char *en[SG_REASON__MAX + SG_CHOICE__MAX + 8];
        size_t n = 0;
        sg_prompt_choice choices[] = {{.id = "encrypt", .kind = SG_CHOICE_ENCRYPT},
                                      {.id = "send", .kind = SG_CHOICE_SEND},
                                      {.id = "cancel", .kind = SG_CHOICE_CANCEL},
                                      {.id = "route:portal", .kind = SG_CHOICE_ROUTE, .route = "portal"},
                                      {.id = "route:smime", .kind = SG_CHOICE_ROUTE, .route = "smime"},
                                      {.id = "route:pgp", .kind = SG_CHOICE_ROUTE, .route = "pgp"},
                                      {.id = "route:zip", .kind = SG_CHOICE_ROUTE, .route = "zip"},
                                      {.id = "route:gw", .kind = SG_CHOICE_ROUTE, .route = "gw"}};
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 1)
                        set_language("ja");
                size_t k = 0;
                for (int c = 0; c < SG_REASON__MAX; c++) {
                        s = sg_prompt_reason_text_for((sg_reason_code) c, items, 2);
                        if (pass == 0)
                                en[k++] = s;
                        else {
                                SG_CHECK(s && strcmp(s, en[k]) != 0, "ja: reason \"%s\" translated: %s",
                                         sg_reason_code_name((sg_reason_code) c), s ? s : "(null)");
                                g_free(s);
                                k++;
                        }
                }
                for (size_t c = 0; c < G_N_ELEMENTS(choices); c++) {
                        s = sg_prompt_choice_label(&choices[c]);
                        if (pass == 0)
                                en[k++] = s;
                        else {
                                SG_CHECK(s && strcmp(s, en[k]) != 0, "ja: label for %s translated: %s", choices[c].id,
                                         s ? s : "(null)");
                                g_free(s);
                                k++;
                        }
                }
                n = k;
        }
        for (size_t i = 0; i < n; i++)
                g_free(en[i]);
        s = sg_prompt_choice_label(&choices[2]);
        SG_CHECK_STR(s, "編集に戻る(_B)", "ja: cancel label with its mnemonic");
        g_free(s);
}

/* "notes": why a choice is not offered (issue 22), one line in en and ja. */
static void test_notes(void) {
        set_language("en");
        char *json = decision("\"notes\":[{\"code\":\"encrypt_not_ready\",\"count\":3},{\"code\":\"newer\","
                              "\"count\":0}]");
        sg_error err = {0};
        sg_prompt_model *m = parse(json, &err);
        if (SG_CHECK(m && m->n_notes == 1, "notes: one known note kept, an unknown one skipped")) {
                char *t = sg_prompt_note_text(m, 0);
                SG_CHECK_STR(t, "“Encrypt and send” is not offered: 3 recipients have no certificate or key.",
                             "notes: en, plural");
                g_free(t);
                set_language("ja");
                t = sg_prompt_note_text(m, 0);
                SG_CHECK_STR(t, "「暗号化して送信」は選べません。証明書または鍵のない宛先が 3 件あります。",
                             "notes: ja");
                g_free(t);
                set_language("en");
        }
        sg_prompt_model_free(m);
        g_free(json);
        expect_valid("\"notes\":[{\"code\":\"encrypt_no_identity\",\"count\":0}]", "a note");
        expect_invalid("\"notes\":[{\"code\":\"encrypt_not_ready\",\"count\":-1}]", SG_ERR_REQUEST, "notes[0].count",
                       "a negative count");
        expect_invalid("\"notes\":[{\"code\":\"encrypt_not_ready\",\"count\":10001}]", SG_ERR_REQUEST, "notes[0].count",
                       "a count one past the recipients limit");
        char *many = repeat_member("notes", "{\"code\":\"encrypt_unknown\",\"count\":0}", SG_PROMPT_NOTES_MAX + 1);
        expect_invalid(many, SG_ERR_LIMIT, "notes: more than", "notes one past SG_PROMPT_NOTES_MAX");
        g_free(many);
}

/* send_removed_by: a policy rule took "Send without encryption" out; one
 * line says which rule and why (issue 22 item 4), in en and ja. */
static void test_send_not_allowed(void) {
        static const char json[] =
                "{\"action\":\"prompt\",\"recipients\":[{\"address\":\"a@x.example\",\"display_name\":null,"
                "\"domain\":\"x.example\",\"field\":\"to\",\"class\":\"external\"}],\"reasons\":[{\"code\":"
                "\"external_recipients\",\"action\":\"prompt\",\"trigger\":null,\"detail\":\"1 domain\",\"items\":"
                "[\"x.example\"]},{\"code\":\"external_domains\",\"action\":\"prompt\",\"trigger\":\"many-domains\","
                "\"detail\":\"3 external domains\",\"items\":[\"x.example\",\"y.example\",\"z.example\"]}],"
                "\"choices\":[{\"id\":\"route:portal\",\"kind\":\"route\",\"route\":\"portal\",\"headers\":[],"
                "\"subject_tag\":null},{\"id\":\"cancel\",\"kind\":\"cancel\"}],\"require_justification\":false,"
                "\"send_removed_by\":1}";
        set_language("en");
        sg_error err = {0};
        sg_prompt_model *m = parse(json, &err);
        if (SG_CHECK(m && m->n_notes == 1 && m->notes[0] == SG_NOTE_SEND_NOT_ALLOWED, "send_removed_by: one note (%s)",
                     m ? "parsed" : err.message)) {
                char *t = sg_prompt_note_text(m, 0);
                SG_CHECK_STR(t,
                             "“Send without encryption” is not offered: the policy rule “many-domains” does not allow "
                             "it for this message. Why: 3 external domains: x.example, y.example, z.example",
                             "send_removed_by: en, the rule and the reason");
                g_free(t);
                set_language("ja");
                t = sg_prompt_note_text(m, 0);
                SG_CHECK(t && strstr(t, "「暗号化せずに送信」は選べません。ポリシーのルール「many-domains」") &&
                                 strstr(t, "理由: 社外ドメインが多数含まれています（3 ドメイン"),
                         "send_removed_by: ja, the rule and the reason: %s", t ? t : "(null)");
                g_free(t);
                set_language("en");
        }
        sg_prompt_model_free(m);
        expect_valid("\"send_removed_by\":null", "send_removed_by null");
        char *j2 = decision("\"notes\":[{\"code\":\"send_not_allowed\",\"count\":7}]");
        m = parse(j2, &err);
        SG_CHECK(m && m->n_notes == 0, "a send_not_allowed note in notes is skipped (only send_removed_by says it)");
        sg_prompt_model_free(m);
        g_free(j2);
        expect_invalid("\"send_removed_by\":0", SG_ERR_REQUEST, "send_removed_by",
                       "send_removed_by one past the reasons (none)");
        expect_invalid("\"send_removed_by\":\"0\"", SG_ERR_REQUEST, "send_removed_by", "send_removed_by a string");
}

/* preselect: the compose window's choice, the index of a choice or -1. */
static void test_preselect(void) {
        static const struct {
                const char *extra;
                int want;
                const char *desc;
        } cases[] = {
                {"\"preselect\":\"send\"", 0, "preselect: a choice of the decision"},
                {"\"preselect\":\"route:portal\"", -1, "preselect: not a choice of the decision: none"},
                {"\"preselect\":null", -1, "preselect: null"},
                {NULL, -1, "preselect: absent"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                char *json = decision(cases[i].extra);
                sg_error err = {0};
                sg_prompt_model *m = parse(json, &err);
                SG_CHECK(m && m->preselect == cases[i].want, "%s", cases[i].desc);
                sg_prompt_model_free(m);
                g_free(json);
        }
        expect_invalid("\"preselect\":3", SG_ERR_REQUEST, "preselect", "preselect: not a string");
}

/* prompt_recommended: the policy's choice, else the first protective one;
 * -1 when nothing protects. */
static int recommended_of(const char *choices, const char *extra) {
        char *json = g_strdup_printf("{\"action\":\"prompt\",\"recipients\":[],\"reasons\":[],\"choices\":[%s],"
                                     "\"require_justification\":false%s%s}",
                                     choices, extra ? "," : "", extra ? extra : "");
        sg_error err = {0};
        sg_prompt_model *m = parse(json, &err);
        int r = m ? m->recommended : -2;
        sg_prompt_model_free(m);
        g_free(json);
        return r;
}

/* triggers[].label: the reason shows the policy's words in the prompt's
 * language; without a label, the catalog's sentence. */
static void test_trigger_label(void) {
        char *json = decision("\"reasons\":[{\"code\":\"subject_keyword\",\"action\":\"prompt\",\"trigger\":\"t\","
                              "\"detail\":null,\"items\":[\"secret\"],\"label\":{\"en\":\"Secret project\","
                              "\"ja\":\"\u6a5f\u5bc6\u6848\u4ef6\"}},{\"code\":\"attachments\",\"action\":\"prompt\","
                              "\"trigger\":null,\"detail\":null,\"items\":[\"a.pdf\"]}]");
        sg_error err = {0};
        sg_prompt_model *m = parse(json, &err);
        SG_CHECK(m && m->n_reasons == 2, "trigger label: parsed (%s)", err.message);
        for (int pass = 0; m && m->n_reasons == 2 && pass < 2; pass++) {
                set_language(pass ? "ja" : "en");
                char *s = sg_prompt_reason_text(&m->reasons[0]);
                SG_CHECK_STR(s, pass ? "\u6a5f\u5bc6\u6848\u4ef6" : "Secret project",
                             pass ? "trigger label: ja" : "trigger label: en");
                g_free(s);
                s = sg_prompt_reason_text(&m->reasons[1]);
                SG_CHECK_STR(s,
                             pass ? "\u6dfb\u4ed8\u30d5\u30a1\u30a4\u30eb\u304c 1 "
                                    "\u4ef6\u3042\u308a\u307e\u3059\uff08a.pdf\uff09\u3002"
                                  : "1 attachment: a.pdf",
                             "trigger label: a reason without one keeps the catalog's sentence");
                g_free(s);
        }
        set_language("en");
        sg_prompt_model_free(m);
        g_free(json);
        expect_invalid("\"reasons\":[{\"code\":\"attachments\",\"action\":\"prompt\",\"trigger\":null,"
                       "\"detail\":null,\"items\":[],\"label\":{\"en\":\"x\"}}]",
                       SG_ERR_REQUEST, "reasons[0].label.ja: missing", "reason label without ja");
}

static void test_recommended(void) {
        const char *three = "{\"id\":\"send\",\"kind\":\"send\"},{\"id\":\"encrypt\",\"kind\":\"encrypt\"},"
                            "{\"id\":\"route:portal\",\"kind\":\"route\",\"route\":\"portal\",\"headers\":[],"
                            "\"subject_tag\":null},{\"id\":\"cancel\",\"kind\":\"cancel\"}";
        SG_CHECK(recommended_of(three, NULL) == 1, "recommended: absent, the first protective choice");
        SG_CHECK(recommended_of(three, "\"prompt_recommended\":\"route:portal\"") == 2,
                 "recommended: the decision's choice");
        SG_CHECK(recommended_of(three, "\"prompt_recommended\":null") == 1, "recommended: null, the first protective");
        SG_CHECK(recommended_of(three, "\"prompt_recommended\":\"route:pgp\"") == 1,
                 "recommended: a choice not offered (removed for this message), the first protective");
        SG_CHECK(recommended_of("{\"id\":\"send\",\"kind\":\"send\"},{\"id\":\"cancel\",\"kind\":\"cancel\"}", NULL) ==
                         -1,
                 "recommended: none when nothing protects");
        expect_invalid("\"prompt_recommended\":\"send\"", SG_ERR_REQUEST, "not a protective choice",
                       "prompt_recommended: send");
        expect_invalid("\"prompt_recommended\":3", SG_ERR_REQUEST, "prompt_recommended",
                       "prompt_recommended: not a string");
}

int main(void) {
        setlocale(LC_ALL, "C.UTF-8");
        set_language("en");
        textdomain("sealgate");
        test_invalid();
        test_limits();
        test_fixture_texts_en();
        test_reason_words();
        test_justification();
        test_japanese();
        test_notes();
        test_send_not_allowed();
        test_preselect();
        test_recommended();
        test_trigger_label();
        return sg_test_done();
}
