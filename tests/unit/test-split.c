/* sealgate tests: split delivery (core/engine/split.c) and the outcome's
 * split flag (encrypt.split_delivery, the client's can_split, a fallback
 * route), as tables: which recipients go which way, and why a message is not
 * split. */
#include <stdlib.h>
#include <string.h>

#include "sealgate/outcome.h"
#include "sealgate/split.h"
#include "sealgate/util.h"
#include "sg-test.h"

static sg_policy *policy(bool split, bool with_route) {
        sg_policy *p = sg_policy_new();
        sg_policy_add_route(p, "portal", NULL);
        sg_policy_add_route_header(p, "portal", "X-SecureSend-Route", "portal", NULL);
        sg_policy_set_route_subject_tag(p, "portal", "[secure]", NULL);
        sg_policy_add_encrypt_method(p, "smime", NULL);
        if (with_route)
                sg_policy_add_encrypt_fallback(p, "portal", NULL);
        sg_policy_set_split_delivery(p, split);
        if (sg_policy_seal(p, NULL) != SG_OK)
                return sg_policy_free(p);
        return p;
}

static sg_outcome *encrypt_outcome(const sg_policy *p, bool can_split) {
        static sg_decision d = {.action = SG_ACTION_ENCRYPT};
        sg_outcome_input in = {.policy = p, .subject = "Offer", .can_split = can_split};
        sg_outcome *o = NULL;
        sg_outcome_new(&d, &in, &o, NULL);
        return o;
}

static void flag(void) {
        static const struct {
                bool policy, route, client, want;
                const char *what;
        } rows[] = {
                {true, true, true, true, "policy on, a fallback route, a client that can: split allowed"},
                {false, true, true, false, "encrypt.split_delivery off (the default): no split"},
                {true, false, true, false, "no fallback route: no split"},
                {true, true, false, false, "a client that cannot send two copies (Outlook): no split"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                sg_policy *p = policy(rows[i].policy, rows[i].route);
                sg_outcome *o = encrypt_outcome(p, rows[i].client);
                SG_CHECK(o && o->action == SG_OUTCOME_ENCRYPT && o->split == rows[i].want, "%s", rows[i].what);
                sg_outcome_free(o);
                sg_policy_free(p);
        }
        /* The user chose "encrypt" (ask_before_fallback): routing some of the
         * recipients is theirs to confirm, so no split. */
        static sg_choice enc = {.kind = SG_CHOICE_ENCRYPT};
        static sg_decision prompt = {.action = SG_ACTION_PROMPT, .choices = &enc, .n_choices = 1};
        sg_policy *p = policy(true, true);
        sg_outcome_input in = {.policy = p, .choice = &enc, .by = "button", .can_split = true};
        sg_outcome *o = NULL;
        SG_CHECK(sg_outcome_new(&prompt, &in, &o, NULL) == SG_OK && o->ask_before_fallback && !o->split,
                 "encrypt chosen with a button: no split");
        sg_outcome_free(o);
        in.by = NULL;
        SG_CHECK(sg_outcome_new(&prompt, &in, &o, NULL) == SG_OK && o->split,
                 "encrypt by the prompt's fallback: split allowed");
        sg_outcome_free(o);
        sg_policy_free(p);
        p = sg_policy_new();
        SG_CHECK(!sg_policy_split_delivery(p), "encrypt.split_delivery is off by default");
        sg_policy_free(p);
}

static void plans(void) {
        sg_policy *p = policy(true, true);
        sg_outcome *o = encrypt_outcome(p, true);
        sg_outcome *off = encrypt_outcome(p, false);
        static const sg_split_recipient two_one[] = {
                {"bob@partner.example", NULL, true},
                {"alice@corp.example", NULL, true},
                {"carol@elsewhere.example", NULL, false},
        };
        static const sg_split_recipient all[] = {{"bob@partner.example", NULL, true}, {"a@corp.example", NULL, true}};
        static const sg_split_recipient none[] = {{"carol@elsewhere.example", NULL, false}};
        /* A list's members stay together: one not ready sends the list through the route. */
        static const sg_split_recipient list[] = {
                {"bob@partner.example", NULL, true},
                {"m1@partner.example", "team", true},
                {"m2@partner.example", "team", false},
        };
        const struct {
                const sg_outcome **o;
                const sg_split_recipient *r;
                size_t n;
                bool later, no_smtp;
                sg_split_verdict want;
                const char *encrypted, *routed, *what;
        } rows[] = {
                {(const sg_outcome **) &o, two_one, 3, false, false, SG_SPLIT_YES, "0,1", "2",
                 "two ready, one not: the two encrypted, the third routed"},
                {(const sg_outcome **) &o, all, 2, false, false, SG_SPLIT_ALL_READY, "0,1", "",
                 "everyone ready: one encrypted message"},
                {(const sg_outcome **) &o, none, 1, false, false, SG_SPLIT_NONE_READY, "", "0",
                 "nobody ready: the fallback route for everyone"},
                {(const sg_outcome **) &o, two_one, 3, true, false, SG_SPLIT_SEND_LATER, "0,1", "2",
                 "Send Later: not split"},
                {(const sg_outcome **) &o, two_one, 3, false, true, SG_SPLIT_NO_TRANSPORT, "0,1", "2",
                 "an account without SMTP: not split"},
                {(const sg_outcome **) &off, two_one, 3, false, false, SG_SPLIT_NOT_ALLOWED, "0,1", "2",
                 "an outcome that does not allow it: not split"},
                {(const sg_outcome **) &o, list, 3, false, false, SG_SPLIT_YES, "0", "1,2",
                 "a list with one member not ready goes routed whole"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                sg_split_facts f = {.recipients = rows[i].r,
                                    .n_recipients = rows[i].n,
                                    .send_later = rows[i].later,
                                    .no_transport = rows[i].no_smtp};
                sg_split_plan *pl = NULL;
                sg_err e = sg_split_plan_new(*rows[i].o, &f, &pl, NULL);
                char enc[64] = "", rt[64] = "";
                for (size_t k = 0; pl && k < pl->n_encrypted; k++)
                        snprintf(enc + strlen(enc), sizeof enc - strlen(enc), "%s%zu", k ? "," : "", pl->encrypted[k]);
                for (size_t k = 0; pl && k < pl->n_routed; k++)
                        snprintf(rt + strlen(rt), sizeof rt - strlen(rt), "%s%zu", k ? "," : "", pl->routed[k]);
                SG_CHECK(e == SG_OK && pl && pl->verdict == rows[i].want && strcmp(enc, rows[i].encrypted) == 0 &&
                                 strcmp(rt, rows[i].routed) == 0 && pl->route == 0,
                         "%s (%s; encrypted %s, routed %s)", rows[i].what,
                         pl ? sg_split_verdict_name(pl->verdict) : "error", enc, rt);
                sg_split_plan_free(pl);
        }
        /* Limits and bad input. */
        sg_split_recipient *many = calloc(SG_SPLIT_RECIPIENTS_MAX + 1, sizeof *many);
        for (size_t i = 0; many && i <= SG_SPLIT_RECIPIENTS_MAX; i++)
                many[i] = (sg_split_recipient){"x@partner.example", NULL, i % 2 == 0};
        sg_split_plan *pl = NULL;
        sg_error err = {0};
        sg_split_facts f = {.recipients = many, .n_recipients = SG_SPLIT_RECIPIENTS_MAX};
        SG_CHECK(many && sg_split_plan_new(o, &f, &pl, NULL) == SG_OK && pl->verdict == SG_SPLIT_YES,
                 "%d recipients are planned", SG_SPLIT_RECIPIENTS_MAX);
        pl = sg_split_plan_free(pl);
        f.n_recipients++;
        SG_CHECK(sg_split_plan_new(o, &f, &pl, &err) == SG_ERR_LIMIT && !pl, "one recipient past the limit: %s",
                 err.message);
        free(many);
        static const sg_split_recipient noaddr[] = {{"", NULL, true}};
        f = (sg_split_facts){.recipients = noaddr, .n_recipients = 1};
        SG_CHECK(sg_split_plan_new(o, &f, &pl, &err) == SG_ERR_INVALID_ARGUMENT && !pl,
                 "a recipient without an address is refused");
        SG_CHECK(sg_split_plan_new(NULL, &f, &pl, &err) == SG_ERR_INVALID_ARGUMENT, "no outcome is refused");
        sg_outcome_free(o);
        sg_outcome_free(off);
        sg_policy_free(p);
}

static void family(void) {
        char *v = sg_split_header_value("9d2f", "routed");
        SG_CHECK_STR(v, "v=1; attempt=9d2f; copy=routed; copies=2", "the family header names the attempt and copy");
        free(v);
        SG_CHECK_STR(sg_split_verdict_name(SG_SPLIT_YES), "split", "verdict name");
        SG_CHECK_STR(sg_split_verdict_name(SG_SPLIT__MAX), "unknown", "verdict out of range");
}

int main(void) {
        flag();
        plans();
        family();
        return sg_test_done();
}
