/* Unit tests of the mis-send prevention rules (core/engine/policy-missend.c
 * and their part of outcome.c and the JSON readers): each threshold at,
 * below and one past, look-alike domains, a reply adding a subdomain of an
 * existing domain vs a new one, the Bcc move and its placeholder, the hold
 * before sending. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/outcome-json.h"
#include "sealgate/outcome.h"
#include "sealgate/policy-json.h"
#include "sealgate/policy.h"
#include "sg-test.h"

#include <json-c/json.h>

static sg_policy *policy(const char *json) {
        sg_error e = {0};
        sg_policy *p = NULL;
        if (sg_policy_from_json(json, strlen(json), &p, &e) != SG_OK)
                sg_test_diag("policy: %s", e.message);
        return p;
}

#define POLICY(extra)                                                                                                  \
        "{\"version\": 1, \"internal\": {\"domains\": [\"corp.example\", \"*.corp.example\", \"ab.jp\", "              \
        "\"abc.jp\"]}, \"external\": {\"action\": \"allow\"}, " extra "}"

static const sg_reason *reason(const sg_decision *d, sg_reason_code c) {
        for (size_t i = 0; d && i < d->n_reasons; i++)
                if (d->reasons[i].code == c)
                        return &d->reasons[i];
        return NULL;
}

static sg_decision *eval(const sg_policy *p, const sg_message *m) {
        sg_error e = {0};
        sg_decision *d = NULL;
        if (sg_policy_evaluate(p, m, &d, &e) != SG_OK)
                sg_test_diag("evaluate: %s", e.message);
        return d;
}

/* rules.convert_to_bcc with min_domains 2 and with min_addresses 3. */
static void bcc_thresholds(void) {
        sg_policy *p = policy(POLICY("\"rules\": {\"convert_to_bcc\": {\"min_domains\": 2}}"));
        const char *below[] = {"a@x.example, b@x.example", "boss@corp.example"};
        const char *at[] = {"a@x.example, b@y.example", "boss@corp.example"};
        const char *past[] = {"a@x.example, b@y.example, c@z.example", "boss@corp.example"};
        const char *bcc_only[] = {"q@q.example"};
        struct {
                const char *desc;
                const char *const *to;
                bool fires;
        } rows[] = {{"1 domain (below 2)", below, false},
                    {"2 domains (at 2)", at, true},
                    {"3 domains (one past)", past, true}};
        for (size_t i = 0; i < 3; i++) {
                sg_message m = {.from = "me@corp.example", .to = rows[i].to, .n_to = 2, .bcc = bcc_only, .n_bcc = 1};
                sg_decision *d = eval(p, &m);
                const sg_reason *r = reason(d, SG_REASON_CONVERT_TO_BCC);
                SG_CHECK(d && !!r == rows[i].fires, "min_domains 2, %s: fires %d", rows[i].desc, rows[i].fires);
                if (d && r) {
                        SG_CHECK(r->action == SG_ACTION_ALLOW && d->action == SG_ACTION_ALLOW &&
                                         d->bcc_mode == SG_BCC_AUTO,
                                 "auto: the reason allows (a notice), the decision stays allow");
                        bool internal_kept = true, ext_moved = true;
                        for (size_t k = 0; k < d->n_recipients; k++) {
                                const sg_recipient *rc = &d->recipients[k];
                                if (rc->cls == SG_CLASS_INTERNAL)
                                        internal_kept = internal_kept && !rc->to_bcc;
                                else if (rc->field != SG_FIELD_BCC)
                                        ext_moved = ext_moved && rc->to_bcc;
                                else
                                        ext_moved = ext_moved && !rc->to_bcc;
                        }
                        const char *w = sg_outcome_bcc_word(d, SG_AUDIT_SENT, true);
                        SG_CHECK(w && strcmp(w, "moved") == 0, "%s: auto moves even when a client says kept",
                                 rows[i].desc);
                        SG_CHECK(internal_kept, "%s: no internal recipient moves", rows[i].desc);
                        SG_CHECK(ext_moved, "%s: every external To recipient moves, Bcc stays", rows[i].desc);
                        SG_CHECK(d->bcc_placeholder == NULL, "%s: To keeps the internal recipient, no placeholder",
                                 rows[i].desc);
                }
                sg_decision_free(d);
        }
        sg_policy_free(p);

        p = policy(POLICY("\"rules\": {\"convert_to_bcc\": {\"min_addresses\": 3}}"));
        const char *two[] = {"a@x.example, b@x.example"};
        const char *three[] = {"a@x.example, b@x.example, c@x.example"};
        const char *four[] = {"a@x.example, b@x.example, c@x.example, d@x.example"};
        const char *dup[] = {"a@x.example, a@X.EXAMPLE, b@x.example"};
        const char *const *lists[] = {two, three, four, dup};
        bool want[] = {false, true, true, false};
        const char *desc[] = {"2 addresses (below 3)", "3 (at)", "4 (one past)", "a repeated address counts once"};
        for (size_t i = 0; i < 4; i++) {
                sg_message m = {.from = "me@corp.example", .to = lists[i], .n_to = 1};
                sg_decision *d = eval(p, &m);
                SG_CHECK(d && !!reason(d, SG_REASON_CONVERT_TO_BCC) == want[i], "min_addresses 3, %s", desc[i]);
                if (d && want[i])
                        SG_CHECK_STR(d->bcc_placeholder, "me@corp.example",
                                     "To left empty: the sender is the placeholder");
                sg_decision_free(d);
        }
        /* No sender to put in To: nothing is moved, the message is not sent. */
        sg_message m = {.to = three, .n_to = 1};
        sg_decision *d = eval(p, &m);
        SG_CHECK(d && d->action == SG_ACTION_BLOCK && reason(d, SG_REASON_CONVERT_TO_BCC)->action == SG_ACTION_BLOCK,
                 "no sender and To would be empty: block");
        sg_decision_free(d);
        sg_policy_free(p);

        p = policy(POLICY("\"rules\": {\"convert_to_bcc\": {\"min_addresses\": 2, \"mode\": \"ask\", "
                          "\"placeholder\": \"undisclosed@corp.example\"}}"));
        const char *cc[] = {"a@x.example, b@y.example"};
        sg_message ma = {.from = "me@corp.example", .to = three, .n_to = 1, .cc = cc, .n_cc = 1};
        d = eval(p, &ma);
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && d->bcc_mode == SG_BCC_ASK, "ask: the decision prompts");
        SG_CHECK(d && d->bcc_placeholder && strcmp(d->bcc_placeholder, "undisclosed@corp.example") == 0,
                 "the policy's placeholder");
        const sg_reason *r = d ? reason(d, SG_REASON_CONVERT_TO_BCC) : NULL;
        SG_CHECK(r && r->n_items == 4, "the reason lists the 4 distinct addresses of To and Cc: %zu",
                 r ? r->n_items : 0);
        if (d) {
                const sg_choice *send = sg_decision_choice(d, "send");
                sg_outcome *o = NULL;
                sg_error e = {0};
                sg_outcome_input in = {.choice = send, .by = "button"};
                SG_CHECK(send && sg_outcome_new(d, &in, &o, &e) == SG_OK && o->n_bcc_moved == 4 &&
                                 strcmp(o->to_placeholder, "undisclosed@corp.example") == 0,
                         "ask, send: 4 addresses move, To gets the placeholder");
                json_object *j = o ? sg_outcome_to_json(o) : NULL;
                json_object *b = j ? json_object_object_get(j, "bcc") : NULL;
                SG_CHECK(b && json_object_array_length(json_object_object_get(b, "move")) == 4,
                         "the outcome JSON carries bcc.move: %s", j ? json_object_to_json_string(j) : "(none)");
                json_object_put(j);
                o = sg_outcome_free(o);
                sg_audit_record rec = {0};
                SG_CHECK(sg_outcome_new(d, &in, &o, &e) == SG_OK, "ask, send again");
                if (o)
                        sg_outcome_audit_record(o, d, &in, &rec);
                SG_CHECK(o && rec.bcc && strcmp(rec.bcc, "moved") == 0, "ask, send: the record says \"moved\"");
                o = sg_outcome_free(o);
                in.bcc_declined = true;
                SG_CHECK(sg_outcome_new(d, &in, &o, &e) == SG_OK && o->n_bcc_moved == 0 && !o->to_placeholder,
                         "ask, declined: nothing moves");
                rec = (sg_audit_record){0};
                if (o)
                        sg_outcome_audit_record(o, d, &in, &rec);
                SG_CHECK(o && rec.bcc && strcmp(rec.bcc, "kept") == 0, "ask, declined: the record says \"kept\"");
                o = sg_outcome_free(o);
                SG_CHECK(!sg_outcome_bcc_word(d, SG_AUDIT_CANCELLED, true) &&
                                 !sg_outcome_bcc_word(d, SG_AUDIT_BLOCKED, false),
                         "not sent: the record says nothing about Bcc");
                const sg_choice *portal = NULL;
                for (size_t i = 0; i < d->n_choices; i++)
                        if (d->choices[i].kind == SG_CHOICE_ROUTE || d->choices[i].kind == SG_CHOICE_ENCRYPT)
                                portal = &d->choices[i];
                if (portal) {
                        in = (sg_outcome_input){.choice = portal, .by = "button", .bcc_declined = true};
                        SG_CHECK(sg_outcome_new(d, &in, &o, &e) == SG_OK && o->n_bcc_moved == 0,
                                 "ask, declined with a protective choice: nothing moves either");
                        o = sg_outcome_free(o);
                }
                in = (sg_outcome_input){.choice = sg_decision_choice(d, "cancel"), .by = "button"};
                SG_CHECK(sg_outcome_new(d, &in, &o, &e) == SG_OK && o->n_bcc_moved == 0, "cancel: nothing moves");
                sg_outcome_free(o);
        }
        sg_decision_free(d);
        sg_policy_free(p);
}

/* rules.new_domain_in_reply: known domains, their subdomains, a parent, a new one. */
static void new_domain(void) {
        sg_policy *p = policy(POLICY("\"rules\": {\"new_domain_in_reply\": \"prompt\"}"));
        const char *related[] = {"Alice <alice@partner.example>", "bob@mail.vendor.example, me@corp.example"};
        struct {
                const char *to;
                const char *new_domain; /* NULL: none */
        } rows[] = {
                {"alice@partner.example", NULL},
                {"carol@sales.partner.example", NULL},     /* a subdomain of a domain in the original: known */
                {"dave@vendor.example", "vendor.example"}, /* the parent of one: new */
                {"eve@other.example, alice@partner.example", "other.example"},
                {"x@newteam.corp.example", NULL}, /* internal recipients are never new */
                {"f@partner.example.net", "partner.example.net"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
                sg_message m = {.to = &rows[i].to, .n_to = 1, .related = related, .n_related = 2};
                sg_decision *d = eval(p, &m);
                const sg_reason *r = reason(d, SG_REASON_NEW_DOMAIN_IN_REPLY);
                if (rows[i].new_domain)
                        SG_CHECK(r && r->n_items == 1 && strcmp(r->items[0], rows[i].new_domain) == 0 &&
                                         r->action == SG_ACTION_PROMPT && d->action == SG_ACTION_PROMPT,
                                 "reply to %s: new domain %s", rows[i].to, rows[i].new_domain);
                else
                        SG_CHECK(d && !r, "reply to %s: no new domain", rows[i].to);
                sg_decision_free(d);
        }
        sg_message m = {.to = &rows[2].to, .n_to = 1};
        sg_decision *d = eval(p, &m);
        SG_CHECK(d && !reason(d, SG_REASON_NEW_DOMAIN_IN_REPLY), "no related addresses (not a reply): no reason");
        sg_decision_free(d);
        /* SG_MSG_RELATED_MAX lists, and one past. */
        const char **many = calloc(SG_MSG_RELATED_MAX + 1, sizeof *many);
        for (size_t i = 0; i <= SG_MSG_RELATED_MAX; i++)
                many[i] = "a@partner.example";
        m.related = many;
        m.n_related = SG_MSG_RELATED_MAX;
        d = eval(p, &m);
        SG_CHECK(d != NULL, "%d related lists are read", SG_MSG_RELATED_MAX);
        sg_decision_free(d);
        m.n_related = SG_MSG_RELATED_MAX + 1;
        sg_error e = {0};
        d = NULL;
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_ERR_LIMIT && !d, "one past: limit (%s)", e.message);
        free(many);
        sg_policy_free(p);

        p = policy(POLICY("\"rules\": {\"new_domain_in_reply\": \"block\"}"));
        m = (sg_message){.to = &rows[3].to, .n_to = 1, .related = related, .n_related = 2};
        d = eval(p, &m);
        SG_CHECK(d && d->action == SG_ACTION_BLOCK, "new_domain_in_reply block: blocks");
        sg_decision_free(d);
        sg_policy_free(p);
        p = policy(POLICY("\"rules\": {\"new_domain_in_reply\": \"off\"}"));
        d = eval(p, &m);
        SG_CHECK(d && !reason(d, SG_REASON_NEW_DOMAIN_IN_REPLY), "off: no reason");
        sg_decision_free(d);
        sg_policy_free(p);
}

/* prompt.confirm and look-alike domains. */
static void confirm(void) {
        const char *to[] = {"boss@corp.example, a@c0rp.example, b@corp.exarnple, c@corpx.example, d@other.example, "
                            "e@abd.jp, f@ax.jp"};
        sg_attachment att = {.name = "plan.pdf", .size = 1000, .content_type = "application/pdf"};
        sg_message m = {.to = to, .n_to = 1, .attachments = &att, .n_attachments = 1};
        sg_policy *p = policy(POLICY("\"prompt\": {\"confirm\": \"external\", \"confirm_attachments\": true}"));
        sg_decision *d = eval(p, &m);
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && reason(d, SG_REASON_CONFIRM) &&
                         d->confirm == SG_CONFIRM_EXTERNAL && d->confirm_attachments && !d->allow_check_all,
                 "confirm external: a prompt with a checklist, attachments too, no check-all");
        SG_CHECK(d && d->n_attachments == 1 && strcmp(d->attachments[0].name, "plan.pdf") == 0 &&
                         d->attachments[0].size == 1000 &&
                         strcmp(d->attachments[0].content_type, "application/pdf") == 0,
                 "the decision lists the attachment to tick (name, size, type)");
        const bool want_confirm[] = {false, true, true, true, true, true, true};
        const bool want_look[] = {false, true, true, true, false, true, false};
        const char *why[] = {"internal",
                             "0 for o",
                             "rn for m",
                             "one letter inserted",
                             "unrelated",
                             "one letter from abc.jp (6 characters: compared)",
                             "ab.jp has 5 characters: not compared"};
        for (size_t i = 0; d && i < d->n_recipients && i < 7; i++) {
                SG_CHECK(d->recipients[i].confirm == want_confirm[i], "%s: confirm %d",
                         d->recipients[i].mailbox.address, want_confirm[i]);
                SG_CHECK(d->recipients[i].lookalike == want_look[i], "%s: look-alike %d (%s)",
                         d->recipients[i].mailbox.address, want_look[i], why[i]);
        }
        sg_decision_free(d);
        const char *internal[] = {"boss@corp.example"};
        sg_message mi = {.to = internal, .n_to = 1, .attachments = &att, .n_attachments = 1};
        d = eval(p, &mi);
        SG_CHECK(d && d->action == SG_ACTION_ALLOW && !reason(d, SG_REASON_CONFIRM) && !d->confirm_attachments,
                 "confirm external, internal message: nothing to confirm");
        sg_decision_free(d);
        sg_policy_free(p);

        p = policy(POLICY("\"prompt\": {\"confirm\": \"all\", \"allow_check_all\": true}"));
        d = eval(p, &mi);
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && d->recipients[0].confirm && d->allow_check_all &&
                         !d->confirm_attachments,
                 "confirm all: the internal recipient too; check-all allowed; attachments not asked");
        sg_decision_free(d);
        sg_policy_free(p);
        p = policy(POLICY("\"prompt\": {\"confirm\": \"none\"}"));
        d = eval(p, &m);
        SG_CHECK(d && d->action == SG_ACTION_ALLOW && !reason(d, SG_REASON_CONFIRM), "confirm none: no prompt");
        sg_decision_free(d);
        sg_policy_free(p);
}

static void sender(void) {
        const char *to[] = {"boss@corp.example"};
        sg_policy *p = policy(POLICY("\"prompt\": {\"confirm_sender\": true, \"show_sender\": true}"));
        sg_message m = {.from = "Me <me@sub.corp.example>", .to = to, .n_to = 1};
        sg_decision *d = eval(p, &m);
        SG_CHECK(d && !reason(d, SG_REASON_SENDER_DOMAIN) && d->show_sender && d->sender &&
                         strcmp(d->sender, "Me <me@sub.corp.example>") == 0,
                 "an internal sender: no reason, shown as given");
        sg_decision_free(d);
        m.from = "Me <me@private.example>";
        d = eval(p, &m);
        const sg_reason *r = reason(d, SG_REASON_SENDER_DOMAIN);
        SG_CHECK(r && r->action == SG_ACTION_PROMPT && r->n_items == 1 && strcmp(r->items[0], "private.example") == 0,
                 "an external sender: sender_domain, prompt");
        sg_decision_free(d);
        sg_policy_free(p);
}

static void delay(void) {
        const char *ext[] = {"a@x.example"}, *in[] = {"boss@corp.example"};
        sg_error e = {0};
        sg_policy *p = sg_policy_new();
        SG_CHECK(sg_policy_set_delay_seconds(p, SG_POLICY_SEND_DELAY_MAX, &e) == SG_OK, "delay %d accepted",
                 SG_POLICY_SEND_DELAY_MAX);
        SG_CHECK(sg_policy_set_delay_seconds(p, SG_POLICY_SEND_DELAY_MAX + 1, &e) == SG_ERR_POLICY_INVALID,
                 "delay one past refused");
        SG_CHECK(sg_policy_set_delay_mode(p, "later", &e) == SG_ERR_POLICY_INVALID, "unknown delay mode refused");
        SG_CHECK(sg_policy_set_bcc_placeholder(p, "a@x.example, b@x.example", &e) == SG_ERR_POLICY_INVALID,
                 "a placeholder of two addresses refused");
        sg_policy_free(p);
        p = policy(
                POLICY("\"send\": {\"delay_seconds\": 10, \"delay_skippable\": true, \"delay_mode\": \"deferred\"}"));
        sg_message m = {.to = ext, .n_to = 1};
        sg_decision *d = eval(p, &m);
        sg_outcome *o = NULL;
        SG_CHECK(d && d->delay_seconds == 10 && sg_outcome_new(d, NULL, &o, &e) == SG_OK && o->delay_seconds == 10 &&
                         o->delay_skippable && o->delay_mode == SG_DELAY_DEFERRED,
                 "external message: the outcome holds it 10 s, skippable, deferred");
        sg_outcome_free(o);
        sg_decision_free(d);
        m.to = in;
        d = eval(p, &m);
        SG_CHECK(d && d->delay_seconds == 0, "scope external: an internal message goes at once");
        sg_decision_free(d);
        sg_policy_free(p);
        p = policy(POLICY("\"send\": {\"delay_seconds\": 5, \"delay_scope\": \"all\"}, \"prompt\": {\"confirm\": "
                          "\"all\"}"));
        d = eval(p, &m);
        SG_CHECK(d && d->delay_seconds == 5, "scope all: an internal message is held too");
        o = NULL;
        sg_outcome_input cancel = {.choice = d ? sg_decision_choice(d, "cancel") : NULL, .by = "button"};
        SG_CHECK(d && sg_outcome_new(d, &cancel, &o, &e) == SG_OK && o->delay_seconds == 0, "cancel: no hold");
        sg_outcome_free(o);
        sg_decision_free(d);
        sg_policy_free(p);
}

static void json_errors(void) {
        struct {
                const char *json, *want;
        } rows[] = {
                {POLICY("\"rules\": {\"convert_to_bcc\": {\"min_domain\": 2}}"), "rules.convert_to_bcc"},
                {POLICY("\"rules\": {\"convert_to_bcc\": {\"min_domains\": 10001}}"),
                 "rules.convert_to_bcc.min_domains"},
                {POLICY("\"rules\": {\"convert_to_bcc\": {\"mode\": \"always\"}}"), "rules.convert_to_bcc.mode"},
                {POLICY("\"rules\": {\"new_domain_in_reply\": true}"), "rules.new_domain_in_reply"},
                {POLICY("\"send\": {\"delay_seconds\": 601}"), "send.delay_seconds"},
                {POLICY("\"prompt\": {\"confirm\": \"some\"}"), "prompt.confirm"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
                sg_error e = {0};
                sg_policy *p = NULL;
                SG_CHECK(sg_policy_from_json(rows[i].json, strlen(rows[i].json), &p, &e) == SG_ERR_POLICY_INVALID &&
                                 strstr(e.message, rows[i].want),
                         "refused, naming %s: %s", rows[i].want, e.message);
                sg_policy_free(p);
        }
}

int main(void) {
        bcc_thresholds();
        new_domain();
        confirm();
        sender();
        delay();
        json_errors();
        return sg_test_done();
}
