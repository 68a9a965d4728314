/* sealgate tests: the compose window's button (core/engine/button.c): the
 * state, the catalog id of its words and the route's words for every
 * decision kind, with and without a choice made in advance, as a table. */
#include <string.h>

#include "sealgate/button.h"
#include "sg-test.h"

static int streq(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void table(void) {
        static sg_recipient one[1];
        static const sg_choice enc = {.kind = SG_CHOICE_ENCRYPT}, send = {.kind = SG_CHOICE_SEND},
                               cancel = {.kind = SG_CHOICE_CANCEL},
                               portal = {.kind = SG_CHOICE_ROUTE, .route = "portal"},
                               zip = {.kind = SG_CHOICE_ROUTE, .route = "zip"},
                               zip_l = {.kind = SG_CHOICE_ROUTE,
                                        .route = "zip",
                                        .label_en = "Password ZIP",
                                        .label_ja = "パスワード付き ZIP"};
        static const struct {
                const char *what;
                sg_action action;
                size_t n_recipients;
                const char *route;
                const sg_choice *choice;
                sg_button_state state;
                const char *text, *arg_en, *arg_ja;
        } rows[] = {
                {"no recipients", SG_ACTION_ALLOW, 0, NULL, NULL, SG_BUTTON_EMPTY, "composeStateEmpty", NULL, NULL},
                {"no recipients, a choice", SG_ACTION_PROMPT, 0, NULL, &enc, SG_BUTTON_EMPTY, "composeStateEmpty", NULL,
                 NULL},
                {"allow", SG_ACTION_ALLOW, 1, NULL, NULL, SG_BUTTON_NORMAL, "composeStateNormal", NULL, NULL},
                {"encrypt", SG_ACTION_ENCRYPT, 1, NULL, NULL, SG_BUTTON_ENCRYPT, "composeStateEncrypt", NULL, NULL},
                {"route portal", SG_ACTION_ROUTE, 1, "portal", NULL, SG_BUTTON_ROUTE, "composeStatePortal", NULL, NULL},
                {"route zip, no label", SG_ACTION_ROUTE, 1, "zip", NULL, SG_BUTTON_ROUTE, "composeStateRoute", "zip",
                 "zip"},
                {"route gw, labelled in the policy", SG_ACTION_ROUTE, 1, "gw", NULL, SG_BUTTON_ROUTE,
                 "composeStateRoute", "Gateway", "ゲートウェイ"},
                {"prompt", SG_ACTION_PROMPT, 1, NULL, NULL, SG_BUTTON_PROMPT, "composeStatePrompt", NULL, NULL},
                {"block", SG_ACTION_BLOCK, 1, NULL, NULL, SG_BUTTON_BLOCK, "composeStateBlock", NULL, NULL},
                {"block wins over a choice", SG_ACTION_BLOCK, 1, NULL, &enc, SG_BUTTON_BLOCK, "composeStateBlock", NULL,
                 NULL},
                {"prompt, encrypt chosen", SG_ACTION_PROMPT, 1, NULL, &enc, SG_BUTTON_ENCRYPT, "composeStateEncrypt",
                 NULL, NULL},
                {"prompt, send chosen", SG_ACTION_PROMPT, 1, NULL, &send, SG_BUTTON_NORMAL, "composeStateNormal", NULL,
                 NULL},
                {"prompt, portal chosen", SG_ACTION_PROMPT, 1, NULL, &portal, SG_BUTTON_ROUTE, "composeStatePortal",
                 NULL, NULL},
                {"prompt, zip chosen", SG_ACTION_PROMPT, 1, NULL, &zip, SG_BUTTON_ROUTE, "composeStateRoute", "zip",
                 "zip"},
                {"prompt, labelled zip chosen", SG_ACTION_PROMPT, 1, NULL, &zip_l, SG_BUTTON_ROUTE, "composeStateRoute",
                 "Password ZIP", "パスワード付き ZIP"},
                {"prompt, cancel chosen: not sent", SG_ACTION_PROMPT, 1, NULL, &cancel, SG_BUTTON_BLOCK,
                 "composeStateBlock", NULL, NULL},
                {"allow, the portal toggle", SG_ACTION_ALLOW, 1, NULL, &portal, SG_BUTTON_ROUTE, "composeStatePortal",
                 NULL, NULL},
                {"route, the encrypt toggle", SG_ACTION_ROUTE, 1, "zip", &enc, SG_BUTTON_ENCRYPT, "composeStateEncrypt",
                 NULL, NULL},
        };
        sg_error err;
        sg_policy *p = sg_policy_new();
        SG_CHECK(p && !sg_policy_add_route(p, "gw", &err) &&
                         !sg_policy_set_route_label(p, "gw", "Gateway", "ゲートウェイ", &err),
                 "a policy with a labelled route");
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                sg_decision d = {.action = rows[i].action,
                                 .recipients = one,
                                 .n_recipients = rows[i].n_recipients,
                                 .route = (char *) rows[i].route};
                sg_button b;
                memset(&b, 0x5a, sizeof b);
                sg_button_of(&d, rows[i].choice, p, &b);
                SG_CHECK(b.state == rows[i].state && streq(b.text, rows[i].text) &&
                                 streq(sg_button_arg(&b, false), rows[i].arg_en) &&
                                 streq(sg_button_arg(&b, true), rows[i].arg_ja),
                         "%s: %s, %s (%s / %s)", rows[i].what, sg_button_state_name(b.state), b.text,
                         sg_button_arg(&b, false) ? sg_button_arg(&b, false) : "-",
                         sg_button_arg(&b, true) ? sg_button_arg(&b, true) : "-");
        }
        /* Every action of the engine has a state (a new action must be mapped here). */
        for (int a = 0; a < SG_ACTION__MAX; a++) {
                sg_decision d = {.action = (sg_action) a, .recipients = one, .n_recipients = 1, .route = "portal"};
                sg_button b;
                sg_button_of(&d, NULL, NULL, &b);
                SG_CHECK(b.state < SG_BUTTON__MAX && b.state != SG_BUTTON_EMPTY && b.text &&
                                 strncmp(b.text, "composeState", 12) == 0,
                         "action %d has a state (%s)", a, sg_button_state_name(b.state));
        }
        sg_button b;
        sg_button_of(NULL, NULL, NULL, &b);
        SG_CHECK(b.state == SG_BUTTON_EMPTY, "no decision: empty");
        sg_button_unchecked(&b);
        SG_CHECK(b.state == SG_BUTTON_BLOCK && strcmp(b.text, "composeStateMessageError") == 0 &&
                         !sg_button_arg(&b, true),
                 "a message that cannot be checked: block, composeStateMessageError");
        static const char *const names[SG_BUTTON__MAX] = {"empty", "normal", "encrypt", "route", "prompt", "block"};
        for (int s = 0; s < SG_BUTTON__MAX; s++)
                SG_CHECK(strcmp(sg_button_state_name((sg_button_state) s), names[s]) == 0, "state name %s", names[s]);
        SG_CHECK(strcmp(sg_button_state_name(SG_BUTTON__MAX), "") == 0, "no name past the last state");
        sg_policy_free(p);
}

int main(void) {
        table();
        return sg_test_done();
}
