/* sealgate tests: the outcome module (core/engine/outcome.c): choice ids,
 * the justification header value, the subject tag, the unresolved-recipient
 * placeholder and the outcome of each decision and choice, as tables. The
 * rows marked "drift" are where the clients used to differ. */
#include <stdlib.h>
#include <string.h>

#include "sealgate/outcome.h"
#include "sealgate/util.h"
#include "sg-test.h"

static void choice_ids(void) {
        static sg_header h = {"X-Route", "portal"};
        static const struct {
                sg_choice c;
                const char *id;
        } rows[] = {
                {{.kind = SG_CHOICE_ENCRYPT}, "encrypt"},
                {{.kind = SG_CHOICE_SEND}, "send"},
                {{.kind = SG_CHOICE_CANCEL}, "cancel"},
                {{.kind = SG_CHOICE_ROUTE, .route = "portal", .headers = &h, .n_headers = 1}, "route:portal"},
                {{.kind = SG_CHOICE_ROUTE, .route = "a.b-c_d"}, "route:a.b-c_d"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                char id[SG_CHOICE_ID_SIZE];
                SG_CHECK_STR(sg_choice_id(&rows[i].c, id), rows[i].id, "choice id formatted");
                sg_choice_kind k;
                const char *route = "x";
                SG_CHECK(sg_choice_id_parse(rows[i].id, &k, &route) && k == rows[i].c.kind &&
                                 (k == SG_CHOICE_ROUTE ? strcmp(route, rows[i].c.route) == 0 : route == NULL),
                         "choice id %s parsed back", rows[i].id);
                SG_CHECK(sg_choice_is(&rows[i].c, rows[i].id), "%s names its choice", rows[i].id);
        }
        /* A route name of the longest length fits. */
        char name[SG_POLICY_NAME_MAX + 1], id[SG_CHOICE_ID_SIZE];
        memset(name, 'r', SG_POLICY_NAME_MAX);
        name[SG_POLICY_NAME_MAX] = '\0';
        sg_choice longest = {.kind = SG_CHOICE_ROUTE, .route = name};
        SG_CHECK(strlen(sg_choice_id(&longest, id)) == 6 + SG_POLICY_NAME_MAX, "a %d-byte route name fits",
                 SG_POLICY_NAME_MAX);

        static const char *const bad[] = {"route:", "route", "Route:x", "encrypt ", "", "send:x", "allow"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                sg_choice_kind k;
                const char *r;
                SG_CHECK(!sg_choice_id_parse(bad[i], &k, &r), "\"%s\" is no choice id", bad[i]);
        }
        sg_choice portal = {.kind = SG_CHOICE_ROUTE, .route = "portal"};
        SG_CHECK(!sg_choice_is(&portal, "route:portal2") && !sg_choice_is(&portal, "route:porta") &&
                         !sg_choice_is(&portal, "send"),
                 "a route choice is named only by its own name");
}

static void header_values(void) {
        char big[1001];
        memset(big, 'a', 1000);
        big[1000] = '\0';
        static const struct {
                const char *in, *out, *what;
        } rows[] = {
                {"agreed with legal", "agreed with legal", "printable ASCII stays as it is"},
                {"", "", "empty"},
                {"=?x?", "=?UTF-8?B?PT94Pw==?=", "drift: ASCII with \"=?\" is encoded"},
                {"see =?UTF-8?B?x?=", "=?UTF-8?B?c2VlID0/VVRGLTg/Qj94Pz0=?=",
                 "drift: an encoded word typed by the user"},
                {"a=b?c", "a=b?c", "= and ? apart are plain"},
                {"tab\there", "=?UTF-8?B?dGFiCWhlcmU=?=", "a control character is encoded"},
                {"取引先の依頼", "=?UTF-8?B?5Y+W5byV5YWI44Gu5L6d6aC8?=", "Japanese"},
                {"x\x7f", "=?UTF-8?B?eH8=?=", "DEL is encoded"},
                /* 16 three-byte characters = 48 bytes: the first word holds 15 (45 bytes). */
                {"あいうえおかきくけこさしすせそた",
                 "=?UTF-8?B?44GC44GE44GG44GI44GK44GL44GN44GP44GR44GT44GV44GX44GZ44Gb44Gd?= =?UTF-8?B?44Gf?=",
                 "long text: words of whole characters, at most 45 bytes each"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                char *v = sg_header_value_encode(rows[i].in);
                SG_CHECK_STR(v, rows[i].out, rows[i].what);
                free(v);
        }
        /* Folding: never a word over 75 characters, never a split character. */
        char ja[1000];
        size_t n = 0;
        while (n + 3 < sizeof ja) {
                memcpy(ja + n, "\xe6\x97\xa5", 3); /* 日 */
                n += 3;
        }
        ja[n] = '\0';
        char *v = sg_header_value_encode(ja);
        bool ok = v != NULL;
        for (char *w = v; ok && w && *w;) {
                char *sp = strchr(w, ' ');
                size_t len = sp ? (size_t) (sp - w) : strlen(w);
                ok = len <= 75 && strncmp(w, "=?UTF-8?B?", 10) == 0 && strncmp(w + len - 2, "?=", 2) == 0;
                /* 45 bytes of 3-byte characters: 15 characters, 60 base64 characters, no padding. */
                ok = ok && (len == 72 || !sp);
                w = sp ? sp + 1 : w + len;
        }
        SG_CHECK(ok, "a 999-byte Japanese text folds into words of 72 characters");
        free(v);
        v = sg_header_value_encode(big);
        SG_CHECK(v && strcmp(v, big) == 0, "1000 bytes of ASCII stay one value");
        free(v);
        /* not UTF-8: a run of continuation bytes has no character boundary to
         * keep (the fuzzer's find: an empty word, written for ever) */
        char cont[1000];
        memset(cont, 0x80, sizeof cont - 1);
        cont[0] = 'j';
        cont[sizeof cont - 1] = '\0';
        v = sg_header_value_encode(cont);
        size_t words = 0;
        for (const char *w = v; w && (w = strstr(w, "=?UTF-8?B?")); w += 10)
                words++;
        SG_CHECK(v && words == (sizeof cont - 1 + SG_EWORD_RAW_MAX - 1) / SG_EWORD_RAW_MAX,
                 "999 bytes of continuation bytes: encoded in full words, no empty one");
        free(v);
}

static void subjects(void) {
        static const struct {
                const char *subject, *tag, *out, *what;
        } rows[] = {
                {"Offer", "[secure]", "[secure] Offer", "tagged"},
                {"", "[secure]", "[secure]", "drift: an empty subject becomes the tag, no trailing space"},
                {NULL, "[secure]", "[secure]", "drift: no subject at all"},
                {"[secure] Offer", "[secure]", "[secure] Offer", "already tagged: unchanged"},
                {"[secure]Offer", "[secure]", "[secure]Offer", "starts with the tag: unchanged"},
                {"Re: [secure] Offer", "[secure]", "[secure] Re: [secure] Offer", "tag not at the start"},
                {"見積", "【社外秘】", "【社外秘】 見積", "Japanese subject and tag"},
                {"Offer", NULL, "Offer", "no tag"},
                {"Offer", "", "Offer", "empty tag"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                char *s = sg_subject_tag(rows[i].subject, rows[i].tag);
                SG_CHECK_STR(s, rows[i].out, rows[i].what);
                free(s);
        }
}

static void unresolved(void) {
        char a[SG_UNRESOLVED_ADDRESS_SIZE];
        SG_CHECK_STR(sg_unresolved_address(1, a), "unresolved-1@unresolved.invalid", "the placeholder");
        SG_CHECK_STR(sg_unresolved_address((size_t) -1, a), "unresolved-18446744073709551615@unresolved.invalid",
                     "the largest placeholder fits");
        SG_CHECK(sg_domain_is_unresolved("unresolved.invalid") && sg_domain_is_unresolved("UNRESOLVED.invalid") &&
                         !sg_domain_is_unresolved("invalid") && !sg_domain_is_unresolved(NULL),
                 "the placeholder's domain is recognised");
}

/* ---- outcomes */

static sg_header portal_h[] = {{"X-SecureSend-Route", "portal"}};
static char *methods[] = {"smime", "openpgp"};
static char *fallback[] = {"gone", "gw", "portal"};

static sg_choice prompt_choices[] = {
        {.kind = SG_CHOICE_ENCRYPT},
        {.kind = SG_CHOICE_ROUTE, .route = "portal", .headers = portal_h, .n_headers = 1, .subject_tag = "[secure]"},
        {.kind = SG_CHOICE_SEND},
        {.kind = SG_CHOICE_CANCEL},
};

static sg_decision d_allow = {.action = SG_ACTION_ALLOW};
static sg_decision d_block = {.action = SG_ACTION_BLOCK};
static sg_decision d_route = {
        .action = SG_ACTION_ROUTE, .route = "portal", .headers = portal_h, .n_headers = 1, .subject_tag = "[secure]"};
static sg_decision d_encrypt = {.action = SG_ACTION_ENCRYPT,
                                .encrypt_methods = methods,
                                .n_encrypt_methods = 2,
                                .encrypt_fallback = fallback,
                                .n_encrypt_fallback = 3};
static sg_decision d_prompt = {.action = SG_ACTION_PROMPT,
                               .choices = prompt_choices,
                               .n_choices = 4,
                               .require_justification = true,
                               .justification_header = "X-SecureSend-Justification",
                               .encrypt_methods = methods,
                               .n_encrypt_methods = 2,
                               .encrypt_fallback = fallback,
                               .n_encrypt_fallback = 3};

/* prompt.justification_to "audit": the same prompt, the reason off the message. */
static sg_decision d_prompt_audit = {.action = SG_ACTION_PROMPT,
                                     .choices = prompt_choices,
                                     .n_choices = 4,
                                     .require_justification = true,
                                     .justification_header = "X-SecureSend-Justification",
                                     .justification_to = SG_JUSTIFICATION_TO_AUDIT,
                                     .encrypt_methods = methods,
                                     .n_encrypt_methods = 2,
                                     .encrypt_fallback = fallback,
                                     .n_encrypt_fallback = 3};
static sg_decision d_prompt_gateway = {.action = SG_ACTION_PROMPT,
                                       .choices = prompt_choices,
                                       .n_choices = 4,
                                       .require_justification = true,
                                       .justification_header = "X-SecureSend-Justification",
                                       .justification_to = SG_JUSTIFICATION_TO_GATEWAY,
                                       .encrypt_methods = methods,
                                       .n_encrypt_methods = 2,
                                       .encrypt_fallback = fallback,
                                       .n_encrypt_fallback = 3};

static sg_policy *policy_with_gw(void) {
        sg_policy *p = sg_policy_new();
        sg_policy_add_route(p, "gw", NULL);
        sg_policy_add_route_header(p, "gw", "X-Gateway", "smime", NULL);
        sg_policy_add_route_header(p, "gw", "X-Gateway-Mode", "strict", NULL);
        sg_policy_set_route_subject_tag(p, "gw", "[enc]", NULL);
        if (sg_policy_seal(p, NULL) != SG_OK)
                return sg_policy_free(p);
        return p;
}

static char *headers_text(const sg_header *h, size_t n) {
        size_t len = 1;
        for (size_t i = 0; i < n; i++)
                len += strlen(h[i].name) + strlen(h[i].value) + 3;
        char *s = calloc(1, len);
        for (size_t i = 0; s && i < n; i++) {
                if (i)
                        strcat(s, ";");
                strcat(s, h[i].name);
                strcat(s, ": ");
                strcat(s, h[i].value);
        }
        return s;
}

static void outcomes(void) {
        sg_policy *p = policy_with_gw();
        SG_CHECK(p != NULL, "test policy with route gw");
        static const struct {
                const char *what;
                const sg_decision *d;
                int choice; /* index in d->choices, -1: none */
                const char *by, *justification, *subject;
                const char *action, *choice_id, *headers, *new_subject, *route, *audit;
                const char *fallback; /* "name|subject,..." */
        } rows[] = {
                {"allow", &d_allow, -1, NULL, NULL, "Hi", "send", NULL, "", NULL, NULL, "sent", ""},
                {"block", &d_block, -1, NULL, NULL, "Hi", "block", NULL, "", NULL, NULL, "blocked", ""},
                {"route decision", &d_route, -1, NULL, NULL, "Offer", "route", NULL, "X-SecureSend-Route: portal",
                 "[secure] Offer", "portal", "routed", ""},
                {"route decision, drift: empty subject", &d_route, -1, NULL, NULL, "", "route", NULL,
                 "X-SecureSend-Route: portal", "[secure]", "portal", "routed", ""},
                {"route decision, already tagged", &d_route, -1, NULL, NULL, "[secure] Offer", "route", NULL,
                 "X-SecureSend-Route: portal", NULL, "portal", "routed", ""},
                {"encrypt decision: methods, fallbacks found (gone left out)", &d_encrypt, -1, NULL, NULL, "Hi",
                 "encrypt", NULL, "", NULL, NULL, "encrypt", "gw|[enc] Hi"},
                {"prompt, encrypt", &d_prompt, 0, "button", NULL, "Q3", "encrypt", "encrypt", "", NULL, NULL, "encrypt",
                 "gw|[enc] Q3,portal|[secure] Q3"},
                {"prompt, portal", &d_prompt, 1, "button", NULL, "Q3", "route", "route:portal",
                 "X-SecureSend-Route: portal", "[secure] Q3", "portal", "routed", ""},
                {"prompt, portal, Japanese subject", &d_prompt, 1, "button", NULL, "見積", "route", "route:portal",
                 "X-SecureSend-Route: portal", "[secure] 見積", "portal", "routed", ""},
                {"prompt, send with justification", &d_prompt, 2, "button", "agreed", "Q3", "send", "send",
                 "X-SecureSend-Justification: agreed", NULL, NULL, "sent", ""},
                {"prompt, send, drift: \"=?\" in the justification", &d_prompt, 2, "button", "=?x?", "Q3", "send",
                 "send", "X-SecureSend-Justification: =?UTF-8?B?PT94Pw==?=", NULL, NULL, "sent", ""},
                {"prompt, send, Japanese justification", &d_prompt, 2, "button", "取引先の依頼", "Q3", "send", "send",
                 "X-SecureSend-Justification: =?UTF-8?B?5Y+W5byV5YWI44Gu5L6d6aC8?=", NULL, NULL, "sent", ""},
                {"prompt, send, justification_to audit: no header", &d_prompt_audit, 2, "button", "agreed", "Q3",
                 "send", "send", "", NULL, NULL, "sent", ""},
                {"prompt, send, justification_to gateway: the header", &d_prompt_gateway, 2, "button", "agreed", "Q3",
                 "send", "send", "X-SecureSend-Justification: agreed", NULL, NULL, "sent", ""},
                {"prompt, cancel by escape", &d_prompt, 3, "escape", NULL, "Q3", "cancel", "cancel", "", NULL, NULL,
                 "cancelled", ""},
                {"prompt, cancel by timeout", &d_prompt, 3, "timeout", NULL, "Q3", "cancel", "cancel", "", NULL, NULL,
                 "cancelled", ""},
                {"prompt, fallback portal", &d_prompt, 1, "fallback", NULL, "", "route", "route:portal",
                 "X-SecureSend-Route: portal", "[secure]", "portal", "routed", ""},
                {"prompt, toggle: no choice recorded", &d_prompt, 1, "toggle", NULL, "Q3", "route", NULL,
                 "X-SecureSend-Route: portal", "[secure] Q3", "portal", "routed", ""},
                {"prompt, no answer", &d_prompt, -1, NULL, NULL, "Q3", "cancel", NULL, "", NULL, NULL, "cancelled", ""},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                sg_outcome_input in = {
                        .choice = rows[i].choice >= 0 ? &rows[i].d->choices[rows[i].choice] : NULL,
                        .by = rows[i].by,
                        .justification = rows[i].justification,
                        .subject = rows[i].subject,
                        .policy = p,
                };
                sg_outcome *o = NULL;
                if (!SG_CHECK(sg_outcome_new(rows[i].d, &in, &o, NULL) == SG_OK, "%s: built", rows[i].what))
                        continue;
                SG_CHECK_STR(sg_outcome_action_name(o->action), rows[i].action, rows[i].what);
                SG_CHECK_STR(o->choice, rows[i].choice_id, "  choice id");
                char *h = headers_text(o->headers, o->n_headers);
                SG_CHECK_STR(h, rows[i].headers, "  headers");
                free(h);
                SG_CHECK_STR(o->subject, rows[i].new_subject, "  subject");
                SG_CHECK_STR(o->route, rows[i].route, "  route");
                SG_CHECK_STR(sg_audit_outcome_name(o->audit), rows[i].audit, "  audit outcome");
                char fb[256] = "";
                for (size_t k = 0; k < o->n_fallback; k++) {
                        size_t n = strlen(fb);
                        snprintf(fb + n, sizeof fb - n, "%s%s|%s", k ? "," : "", o->fallback[k].name,
                                 o->fallback[k].subject ? o->fallback[k].subject : "(null)");
                }
                SG_CHECK_STR(fb, rows[i].fallback, "  fallback routes");
                if (o->action == SG_OUTCOME_ENCRYPT)
                        SG_CHECK(o->n_encrypt_methods == 2 && strcmp(o->encrypt_methods[0], "smime") == 0,
                                 "  methods in the policy's order");
                sg_audit_record rec = {0};
                sg_outcome_audit_record(o, rows[i].d, &in, &rec);
                char *line = NULL;
                SG_CHECK(sg_audit_format(&rec, &line, NULL, NULL) == SG_OK, "  audit record formats");
                char want[128];
                snprintf(want, sizeof want, "\"route\":%s%s%s,\"outcome\":\"%s\"", rows[i].route ? "\"" : "",
                         rows[i].route ? rows[i].route : "null", rows[i].route ? "\"" : "", rows[i].audit);
                SG_CHECK(line && strstr(line, want), "  audit line has %s", want);
                if (rows[i].justification) {
                        snprintf(want, sizeof want, "\"justification\":\"%s\"", rows[i].justification);
                        SG_CHECK(line && (strstr(line, want) || rows[i].justification[0] & 0x80 ||
                                          strchr(rows[i].justification, '=')),
                                 "  the audit record keeps the justification");
                }
                free(line);
                sg_outcome_free(o);
        }

        /* Without the policy, only the decision's route choices are found. */
        sg_outcome *o = NULL;
        sg_outcome_input in = {.subject = "x"};
        SG_CHECK(sg_outcome_new(&d_encrypt, &in, &o, NULL) == SG_OK && o->n_fallback == 0,
                 "encrypt without the policy: no route found among no choices");
        sg_outcome_encrypt_unavailable(o);
        SG_CHECK(o && o->action == SG_OUTCOME_CANCEL && o->audit == SG_AUDIT_CANCELLED,
                 "encryption unavailable: cancel, recorded as cancelled");
        sg_outcome_free(o);

        /* Limits. */
        char big[SG_AUDIT_JUSTIFICATION_MAX + 2];
        memset(big, 'j', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        sg_outcome_input bin = {.choice = &prompt_choices[2], .by = "button", .justification = big};
        sg_error err;
        o = NULL;
        SG_CHECK(sg_outcome_new(&d_prompt, &bin, &o, &err) == SG_ERR_LIMIT && o == NULL,
                 "a justification one past %d bytes: SG_ERR_LIMIT", SG_AUDIT_JUSTIFICATION_MAX);
        big[SG_AUDIT_JUSTIFICATION_MAX] = '\0';
        SG_CHECK(sg_outcome_new(&d_prompt, &bin, &o, &err) == SG_OK, "a justification of exactly %d bytes",
                 SG_AUDIT_JUSTIFICATION_MAX);
        sg_outcome_free(o);
        SG_CHECK(sg_outcome_new(NULL, &bin, &o, &err) == SG_ERR_INVALID_ARGUMENT, "no decision");
        sg_policy_free(p);
}

/* Readiness: "encrypt" is offered only when it can happen now (issue 22:
 * it was offered with no certificate and fell back to the portal unseen). */
static void offers(void) {
        static const struct {
                const char *what;
                sg_readiness_method m[2];
                size_t n;
                bool removed;
                sg_offer_note note;
                size_t count;
                const char *method;
        } rows[] = {
                {"nothing known: removed, unknown", {{0}}, 0, true, SG_NOTE_ENCRYPT_UNKNOWN, 0, NULL},
                {"identity has no certificate", {{"smime", false, 0}}, 1, true, SG_NOTE_ENCRYPT_NO_IDENTITY, 0, NULL},
                {"3 recipients without a certificate",
                 {{"smime", true, 3}},
                 1,
                 true,
                 SG_NOTE_ENCRYPT_NOT_READY,
                 3,
                 NULL},
                {"the fewest over usable methods",
                 {{"smime", true, 3}, {"openpgp", true, 1}},
                 2,
                 true,
                 SG_NOTE_ENCRYPT_NOT_READY,
                 1,
                 NULL},
                {"S/MIME ready", {{"smime", true, 0}}, 1, false, SG_NOTE_NONE, 0, "smime"},
                {"OpenPGP ready, S/MIME not",
                 {{"smime", true, 2}, {"openpgp", true, 0}},
                 2,
                 false,
                 SG_NOTE_NONE,
                 0,
                 "openpgp"},
                {"a method the decision does not allow",
                 {{"pgp-mime", true, 0}},
                 1,
                 true,
                 SG_NOTE_ENCRYPT_UNKNOWN,
                 0,
                 NULL},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                sg_readiness r = {.methods = rows[i].m, .n_methods = rows[i].n};
                sg_offer o;
                sg_decision_offer(&d_prompt, &r, &o);
                SG_CHECK(o.encrypt_removed == rows[i].removed && o.note == rows[i].note && o.count == rows[i].count,
                         "offer: %s (removed %d, note %s, count %zu)", rows[i].what, o.encrypt_removed,
                         sg_offer_note_name(o.note), o.count);
                SG_CHECK_STR(o.method, rows[i].method, "  the ready method");
        }
        sg_offer o;
        sg_decision_offer(&d_prompt, NULL, &o);
        SG_CHECK(!o.encrypt_removed && o.note == SG_NOTE_NONE, "readiness not known: everything offered");
        sg_readiness none = {0};
        sg_decision_offer(&d_allow, &none, &o);
        SG_CHECK(!o.encrypt_removed, "no encrypt choice: nothing removed");

        /* The ready method is the only one tried; the user's "encrypt" asks
         * before a fallback route, the policy's own encrypt does not. */
        sg_policy *p = policy_with_gw();
        sg_outcome_input in = {.choice = &prompt_choices[0],
                               .by = "button",
                               .subject = "Q3",
                               .policy = p,
                               .encrypt_method = "openpgp"};
        sg_outcome *out = NULL;
        SG_CHECK(sg_outcome_new(&d_prompt, &in, &out, NULL) == SG_OK && out->n_encrypt_methods == 1 &&
                         strcmp(out->encrypt_methods[0], "openpgp") == 0 && out->ask_before_fallback,
                 "encrypt chosen, OpenPGP ready: only OpenPGP, and a fallback is asked first");
        sg_outcome_free(out);
        sg_outcome_input pin = {.subject = "Q3", .policy = p};
        SG_CHECK(sg_outcome_new(&d_encrypt, &pin, &out, NULL) == SG_OK && !out->ask_before_fallback,
                 "the policy's encrypt decision: its fallback applies without asking");
        sg_outcome_free(out);
        sg_policy_free(p);
}

/* The gateway check header (issue 22 item 7): on every outcome that sends,
 * with the attempt id, the decision and the outcome; none on block/cancel
 * or without an attempt. */
static void checks(void) {
        sg_policy *p = policy_with_gw();
        SG_CHECK_STR(sg_policy_check_header(p), "X-Sealgate-Checked", "check header: the default name");
        sg_policy *q = sg_policy_new();
        SG_CHECK(q && sg_policy_set_check_header(q, "Sealgate-Checked", NULL) == SG_ERR_POLICY_INVALID,
                 "check header: a name without X- is refused");
        SG_CHECK(q && sg_policy_set_check_header(q, "X-Gw-Check", NULL) == SG_OK &&
                         strcmp(sg_policy_check_header(q), "X-Gw-Check") == 0,
                 "check header: audit.check_header names it");
        sg_policy_free(q);
        const char *id = "0123456789abcdef0123456789abcdef";
        static const struct {
                const sg_decision *d;
                int choice;
                const char *want;
        } rows[] = {
                {&d_allow, -1, "v=1; attempt=0123456789abcdef0123456789abcdef; decision=allow; outcome=sent"},
                {&d_route, -1,
                 "v=1; attempt=0123456789abcdef0123456789abcdef; decision=route; outcome=routed; route=portal"},
                {&d_prompt, 1,
                 "v=1; attempt=0123456789abcdef0123456789abcdef; decision=prompt; outcome=routed; route=portal"},
                {&d_block, -1, NULL},
                {&d_prompt, 3, NULL},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                sg_outcome_input in = {.choice = rows[i].choice >= 0 ? &rows[i].d->choices[rows[i].choice] : NULL,
                                       .by = "button",
                                       .subject = "s",
                                       .policy = p,
                                       .attempt = id,
                                       .check_header = sg_policy_check_header(p)};
                sg_outcome *o = NULL;
                if (!SG_CHECK(sg_outcome_new(rows[i].d, &in, &o, NULL) == SG_OK, "check: row %zu built", i))
                        continue;
                SG_CHECK_STR(o->check.value, rows[i].want, "check header value");
                sg_outcome_free(o);
        }
        sg_outcome_input in = {.choice = &prompt_choices[0],
                               .by = "button",
                               .subject = "s",
                               .policy = p,
                               .attempt = id,
                               .check_header = "X-Checked"};
        sg_outcome *o = NULL;
        SG_CHECK(sg_outcome_new(&d_prompt, &in, &o, NULL) == SG_OK && o->n_fallback > 0 &&
                         strcmp(o->fallback[0].check.name, "X-Checked") == 0 &&
                         strstr(o->fallback[0].check.value, "outcome=routed; route=gw"),
                 "check: each encryption fallback route has its own (routed, its route)");
        /* The client sent through the fallback instead: recorded as that route. */
        SG_CHECK(o && !sg_outcome_took_fallback(o, o->n_fallback) && o->action == SG_OUTCOME_ENCRYPT,
                 "took fallback: one past the last route is refused, the outcome unchanged");
        SG_CHECK(o && sg_outcome_took_fallback(o, 0) && o->action == SG_OUTCOME_ROUTE && o->audit == SG_AUDIT_ROUTED &&
                         o->route && strcmp(o->route, "gw") == 0,
                 "took fallback 0: ROUTE through gw, recorded as routed");
        SG_CHECK(o && !sg_outcome_took_fallback(o, 0), "took fallback on a ROUTE outcome: refused");
        SG_CHECK(!sg_outcome_took_fallback(NULL, 0), "took fallback on NULL: refused");
        sg_outcome_free(o);
        sg_outcome_input none = {.choice = &prompt_choices[1], .by = "button", .subject = "s", .policy = p};
        SG_CHECK(sg_outcome_new(&d_prompt, &none, &o, NULL) == SG_OK && o->check.name == NULL,
                 "check: none without an attempt (the Outlook add-in)");
        sg_outcome_free(o);
        sg_policy_free(p);
}

int main(void) {
        checks();
        offers();
        choice_ids();
        header_values();
        subjects();
        unresolved();
        outcomes();
        return sg_test_done();
}
