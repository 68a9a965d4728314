/* Unit tests: the content triggers read normalised text (policy-text.c,
 * textnorm.h; docs/admin/policy.md "Normalisation"). Each row is a trigger
 * and a message written as a Japanese IME, an HTML-to-text conversion or a
 * user trying to get past the check would write it, and whether it fires.
 * The same program runs under Wine against the Windows backend. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/policy.h"
#include "sg-test.h"

#define LIST(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

struct row {
        const char *desc;
        sg_trigger_spec spec;
        const char *subject, *body, *att_name, *hdr_value;
        sg_action want; /* SG_ACTION_ALLOW: the trigger does not fire */
};

static const char *const to_ext[] = {"someone@example.net"};

static void run(const struct row *w) {
        sg_policy *p = sg_policy_new();
        sg_error err = {0};
        sg_trigger_spec spec = w->spec;
        spec.scope = SG_SCOPE_ALL;
        if (!p || sg_policy_add_internal_domain(p, "corp.example", &err) ||
            sg_policy_set_external_action(p, SG_ACTION_ALLOW, NULL, &err) || sg_policy_add_trigger(p, &spec, &err) ||
            sg_policy_seal(p, &err)) {
                SG_CHECK(0, "%s: policy builds (%s)", w->desc, err.message);
                sg_policy_free(p);
                return;
        }
        sg_attachment att = {.name = w->att_name, .size = 10, .content_type = "application/octet-stream"};
        sg_header hdr = {.name = "X-Classification", .value = (char *) w->hdr_value};
        sg_message m = {
                .to = to_ext,
                .n_to = 1,
                .subject = w->subject,
                .body = w->body,
                .body_len = w->body ? strlen(w->body) : 0,
                .attachments = w->att_name ? &att : NULL,
                .n_attachments = w->att_name ? 1 : 0,
                .headers = w->hdr_value ? &hdr : NULL,
                .n_headers = w->hdr_value ? 1 : 0,
        };
        sg_decision *d = NULL;
        sg_err r = sg_policy_evaluate(p, &m, &d, &err);
        if (SG_CHECK(r == SG_OK, "%s: evaluates (%s)", w->desc, r ? err.message : "ok"))
                SG_CHECK(d->action == w->want, "%s: %s (got %s)", w->desc, sg_action_name(w->want),
                         sg_action_name(d->action));
        sg_decision_free(d);
        sg_policy_free(p);
}

#define CARD                                                                                                           \
        { .type = SG_TRIGGER_CREDIT_CARD, .action = SG_ACTION_BLOCK }
#define MYNUM                                                                                                          \
        { .type = SG_TRIGGER_MY_NUMBER, .action = SG_ACTION_BLOCK }
#define KW(...)                                                                                                        \
        { .type = SG_TRIGGER_SUBJECT_KEYWORD, .action = SG_ACTION_ENCRYPT, .list = LIST(__VA_ARGS__) }
#define EXT(...)                                                                                                       \
        { .type = SG_TRIGGER_ATTACHMENT_EXTENSION, .action = SG_ACTION_BLOCK, .list = LIST(__VA_ARGS__) }
#define HDR(...)                                                                                                       \
        {                                                                                                              \
                .type = SG_TRIGGER_HEADER, .action = SG_ACTION_ENCRYPT, .header_name = "X-Classification",             \
                .list = LIST(__VA_ARGS__)                                                                              \
        }
#define PAT(...)                                                                                                       \
        { .type = SG_TRIGGER_BODY_PATTERN, .action = SG_ACTION_BLOCK, .list = LIST(__VA_ARGS__) }

/* 4111 1111 1111 1111 with each kind of separator, in half- and full-width */
#define FW4111 "\xEF\xBC\x94\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91"
#define FW1111 "\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91"

static const struct row rows[] = {
        {"card: groups split by U+FF0D (full-width hyphen)", CARD, NULL,
         "card 4111\xEF\xBC\x8D"
         "1111\xEF\xBC\x8D"
         "1111\xEF\xBC\x8D"
         "1111",
         NULL, NULL, SG_ACTION_BLOCK},
        {"card: full-width digits split by U+3000 (ideographic space)", CARD, NULL,
         FW4111 "\xE3\x80\x80" FW1111 "\xE3\x80\x80" FW1111 "\xE3\x80\x80" FW1111, NULL, NULL, SG_ACTION_BLOCK},
        {"card: groups split by U+00A0 (from HTML &nbsp;)", CARD, NULL,
         "4111\xC2\xA0"
         "1111\xC2\xA0"
         "1111\xC2\xA0"
         "1111",
         NULL, NULL, SG_ACTION_BLOCK},
        {"card: a zero-width space in every group", CARD, NULL,
         "41\xE2\x80\x8B"
         "11 11\xE2\x80\x8B"
         "11 1111 11\xE2\x80\x8C"
         "11",
         NULL, NULL, SG_ACTION_BLOCK},
        {"card: the IME's long-vowel mark as hyphen", CARD, NULL,
         "4111\xE3\x83\xBC"
         "1111\xE3\x83\xBC"
         "1111\xE3\x83\xBC"
         "1111",
         NULL, NULL, SG_ACTION_BLOCK},
        {"card: em dashes and a tab", CARD, NULL,
         "4111\xE2\x80\x94"
         "1111\t1111\xE2\x80\x94"
         "1111",
         NULL, NULL, SG_ACTION_BLOCK},
        {"card: a number failing Luhn in full-width stays allowed", CARD, NULL,
         FW4111 "\xE3\x80\x80" FW1111 "\xE3\x80\x80" FW1111 "\xE3\x80\x80"
                "1112",
         NULL, NULL, SG_ACTION_ALLOW},
        {"My Number: groups split by U+FF0D", MYNUM, NULL,
         "1234\xEF\xBC\x8D"
         "5678\xEF\xBC\x8D"
         "9018",
         NULL, NULL, SG_ACTION_BLOCK},
        {"My Number: soft hyphens inside", MYNUM, NULL,
         "1234\xC2\xAD"
         "56789018",
         NULL, NULL, SG_ACTION_BLOCK},
        {"keyword: full-width Latin subject", KW("confidential"),
         "\xEF\xBC\xA3\xEF\xBC\xAF\xEF\xBC\xAE\xEF\xBC\xA6\xEF\xBC\xA9\xEF\xBC\xA4\xEF\xBC\xA5\xEF\xBC\xAE\xEF\xBC\xB4"
         "\xEF\xBC\xA9\xEF\xBC\xA1\xEF\xBC\xAC \xE5\xA0\xB1\xE5\x91\x8A",
         NULL, NULL, NULL, SG_ACTION_ENCRYPT},
        {"keyword: a zero-width joiner inside the word", KW("confidential"),
         "confi\xE2\x80\x8D"
         "dential",
         NULL, NULL, NULL, SG_ACTION_ENCRYPT},
        {"keyword: half-width katakana in the policy, katakana in the subject",
         KW("\xEF\xBD\xBA\xEF\xBE\x9D\xEF\xBE\x8C\xEF\xBD\xA8\xEF\xBE\x83\xEF\xBE\x9E\xEF\xBE\x9D\xEF\xBD\xBC\xEF\xBD"
            "\xAC\xEF\xBE\x99"),
         "\xE3\x80\x90\xE3\x82\xB3\xE3\x83\xB3\xE3\x83\x95\xE3\x82\xA3\xE3\x83\x87\xE3\x83\xB3\xE3\x82\xB7\xE3\x83\xA3"
         "\xE3\x83\xAB\xE3\x80\x91",
         NULL, NULL, NULL, SG_ACTION_ENCRYPT},
        {"keyword: kanji match as before (社外秘)", KW("\xE7\xA4\xBE\xE5\xA4\x96\xE7\xA7\x98"),
         "\xE3\x80\x90\xE7\xA4\xBE\xE5\xA4\x96\xE7\xA7\x98\xE3\x80\x91", NULL, NULL, NULL, SG_ACTION_ENCRYPT},
        {"keyword: an unrelated subject does not fire", KW("confidential"), "\xE5\xA0\xB1\xE5\x91\x8A", NULL, NULL,
         NULL, SG_ACTION_ALLOW},
        {"extension: full-width name and dot", EXT("exe"), NULL, NULL,
         "setup\xEF\xBC\x8E\xEF\xBD\x85\xEF\xBD\x98\xEF\xBD\x85", NULL, SG_ACTION_BLOCK},
        {"extension: a zero-width space before the dot", EXT("exe"), NULL, NULL, "setup\xE2\x80\x8B.exe", NULL,
         SG_ACTION_BLOCK},
        {"extension: full-width in the policy", EXT("\xEF\xBD\x98\xEF\xBD\x8C\xEF\xBD\x93\xEF\xBD\x98"), NULL, NULL,
         "book.xlsx", NULL, SG_ACTION_BLOCK},
        {"header value: full-width", HDR("confidential"), NULL, NULL, NULL,
         "\xEF\xBC\xA3\xEF\xBD\x8F\xEF\xBD\x8E\xEF\xBD\x86\xEF\xBD\x89\xEF\xBD\x84\xEF\xBD\x85\xEF\xBD\x8E\xEF\xBD\x94"
         "\xEF\xBD\x89\xEF\xBD\x81\xEF\xBD\x8C",
         SG_ACTION_ENCRYPT},
        {"body pattern: matched against the normalised body", PAT("falcon-\\d+"), NULL,
         "project \xEF\xBD\x86\xEF\xBD\x81\xEF\xBD\x8C\xEF\xBD\x83\xEF\xBD\x8F\xEF\xBD\x8E\xE2\x88\x92\xEF\xBC\x93",
         NULL, NULL, SG_ACTION_BLOCK},
};

int main(void) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                run(&rows[i]);
        }

        /* A body pattern that normalisation would change could never match:
         * refused when the policy is built, with the text to write instead. */
        {
                sg_policy *p = sg_policy_new();
                sg_error err = {0};
                sg_err r = sg_policy_add_trigger(p, &(sg_trigger_spec) PAT("\xE2\x91\xA0\xE3\x82\x88\xE3\x82\x8D"),
                                                 &err); /* ①よろ */
                SG_CHECK(r == SG_ERR_POLICY_INVALID && strstr(err.message, "\"1\xE3\x82\x88\xE3\x82\x8D\""),
                         "a pattern with a circled digit is refused, naming the normalised text (%s)", err.message);
                r = sg_policy_add_trigger(p, &(sg_trigger_spec) PAT("\xEF\xBC\x88x\xEF\xBC\x89"), &err); /* （x） */
                SG_CHECK(r == SG_ERR_POLICY_INVALID, "a pattern with full-width parentheses is refused (%s)",
                         err.message);
                r = sg_policy_add_trigger(p, &(sg_trigger_spec) PAT("\xE6\xA9\x9F\xE5\xAF\x86\\s*\\d+"), &err);
                SG_CHECK(r == SG_OK, "a pattern of kanji and ASCII is accepted as it is");
                sg_policy_free(p);
        }

        /* Which policies make a client gather the texts beyond the body
         * (sg_policy_reads_texts): the content triggers, not the others. */
        {
                const struct {
                        const char *desc;
                        sg_trigger_spec spec;
                        bool want;
                } reads[] = {
                        {"a card trigger", CARD, true},
                        {"a My Number trigger", MYNUM, true},
                        {"a body pattern", PAT("secret"), true},
                        {"a subject keyword (forwarded subjects)", KW("secret"), true},
                        {"an attachment extension", EXT("exe"), false},
                        {"a header trigger", HDR("confidential"), false},
                };
                for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
                        sg_policy *p = sg_policy_new();
                        sg_error err = {0};
                        sg_trigger_spec spec = reads[i].spec;
                        spec.scope = SG_SCOPE_ALL;
                        sg_policy_add_internal_domain(p, "corp.example", &err);
                        SG_CHECK(!sg_policy_reads_texts(p), "no trigger: the texts are not gathered (%s row)",
                                 reads[i].desc);
                        sg_policy_add_trigger(p, &spec, &err);
                        sg_policy_seal(p, &err);
                        SG_CHECK(sg_policy_reads_texts(p) == reads[i].want, "%s: the texts are %sgathered",
                                 reads[i].desc, reads[i].want ? "" : "not ");
                        sg_policy_free(p);
                }
                SG_CHECK(!sg_policy_reads_texts(NULL), "no policy: nothing gathered");
        }

        /* Which policies make a client learn each attachment's content type
         * (sg_policy_reads_attachment_types): an attachment_type trigger or
         * prompt.confirm_attachments, nothing else. */
        {
                const struct {
                        const char *desc;
                        sg_trigger_spec spec;
                        bool confirm;
                        bool want;
                } reads[] = {
                        {"an attachment type",
                         {.type = SG_TRIGGER_ATTACHMENT_TYPE,
                          .action = SG_ACTION_BLOCK,
                          .list = LIST("application/pdf")},
                         false,
                         true},
                        {"an attachment extension", EXT("exe"), false, false},
                        {"an attachment size",
                         {.type = SG_TRIGGER_ATTACHMENT_SIZE, .action = SG_ACTION_BLOCK, .size = 1024},
                         false,
                         false},
                        {"any attachment", {.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_BLOCK}, false, false},
                        {"a card trigger", CARD, false, false},
                        {"a card trigger with confirm_attachments", CARD, true, true},
                };
                for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
                        sg_policy *p = sg_policy_new();
                        sg_error err = {0};
                        sg_trigger_spec spec = reads[i].spec;
                        spec.scope = SG_SCOPE_ALL;
                        sg_policy_add_internal_domain(p, "corp.example", &err);
                        SG_CHECK(!sg_policy_reads_attachment_types(p), "no trigger: no types read (%s row)",
                                 reads[i].desc);
                        sg_policy_add_trigger(p, &spec, &err);
                        sg_policy_set_confirm_attachments(p, reads[i].confirm);
                        sg_policy_seal(p, &err);
                        SG_CHECK(sg_policy_reads_attachment_types(p) == reads[i].want, "%s: the types are %sread",
                                 reads[i].desc, reads[i].want ? "" : "not ");
                        sg_policy_free(p);
                }
                SG_CHECK(!sg_policy_reads_attachment_types(NULL), "no policy: no types read");
        }

        /* Text that grows past the bound under NFKC fails closed, but only
         * when a trigger reads it. */
        size_t k = 4000;
        char *big = malloc(3 * k + 1);
        for (size_t i = 0; i < k; i++)
                memcpy(big + 3 * i, "\xEF\xB7\xBA", 3); /* U+FDFA: 18 characters under NFKC */
        big[3 * k] = '\0';
        for (int with_trigger = 0; with_trigger < 2; with_trigger++) {
                sg_policy *p = sg_policy_new();
                sg_error err = {0};
                sg_policy_add_internal_domain(p, "corp.example", &err);
                if (with_trigger)
                        sg_policy_add_trigger(p, &(sg_trigger_spec) CARD, &err);
                sg_policy_seal(p, &err);
                sg_message m = {.to = to_ext, .n_to = 1, .body = big, .body_len = 3 * k};
                sg_decision *d = NULL;
                sg_err r = sg_policy_evaluate(p, &m, &d, &err);
                if (with_trigger)
                        SG_CHECK(r == SG_ERR_LIMIT && !d,
                                 "a body growing 11 times under NFKC with a card trigger: "
                                 "limit_exceeded, no decision (%s)",
                                 err.message);
                else
                        SG_CHECK(r == SG_OK && d, "the same body with no content trigger is not normalised");
                sg_decision_free(d);
                sg_policy_free(p);
        }
        free(big);
        return sg_test_done();
}
