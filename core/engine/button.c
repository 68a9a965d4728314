/* sealgate: the compose window's button (see sealgate/button.h). */
#include <string.h>

#include "policy-private.h"
#include "sealgate/button.h"

static const char *const state_names[SG_BUTTON__MAX] = {"empty", "normal", "encrypt", "route", "prompt", "block"};

const char *sg_button_state_name(sg_button_state s) {
        return (unsigned) s < SG_BUTTON__MAX ? state_names[s] : "";
}

static void set(sg_button *b, sg_button_state s, const char *text) {
        memset(b, 0, sizeof *b);
        b->state = s;
        b->text = text;
}

/* A route: "composeStatePortal" for the route named "portal" (its own
 * words), else "composeStateRoute" with the label or the name. */
static void route(sg_button *b, const char *name, const char *en, const char *ja, const sg_policy *p) {
        if (name && strcmp(name, "portal") == 0) {
                set(b, SG_BUTTON_ROUTE, "composeStatePortal");
        } else {
                set(b, SG_BUTTON_ROUTE, "composeStateRoute");
                if (!en && p && name) {
                        const struct route *rt = find_route(p, name);
                        if (rt && rt->label[0]) {
                                en = rt->label[0];
                                ja = rt->label[1];
                        }
                }
                b->label_en = en;
                b->label_ja = en ? ja : NULL;
        }
        b->route = name;
}

void sg_button_of(const sg_decision *d, const sg_choice *choice, const sg_policy *p, sg_button *ret) {
        if (!d || d->n_recipients == 0) {
                set(ret, SG_BUTTON_EMPTY, "composeStateEmpty");
                return;
        }
        if (d->action == SG_ACTION_BLOCK) {
                set(ret, SG_BUTTON_BLOCK, "composeStateBlock");
                return;
        }
        if (choice) {
                switch (choice->kind) {
                case SG_CHOICE_ENCRYPT:
                        set(ret, SG_BUTTON_ENCRYPT, "composeStateEncrypt");
                        return;
                case SG_CHOICE_SEND:
                        set(ret, SG_BUTTON_NORMAL, "composeStateNormal");
                        return;
                case SG_CHOICE_ROUTE:
                        route(ret, choice->route, choice->label_en, choice->label_ja, p);
                        return;
                default:
                        set(ret, SG_BUTTON_BLOCK, "composeStateBlock");
                        return;
                }
        }
        switch (d->action) {
        case SG_ACTION_ALLOW:
                set(ret, SG_BUTTON_NORMAL, "composeStateNormal");
                return;
        case SG_ACTION_ENCRYPT:
                set(ret, SG_BUTTON_ENCRYPT, "composeStateEncrypt");
                return;
        case SG_ACTION_ROUTE:
                route(ret, d->route, NULL, NULL, p);
                return;
        case SG_ACTION_PROMPT:
                set(ret, SG_BUTTON_PROMPT, "composeStatePrompt");
                return;
        default:
                set(ret, SG_BUTTON_BLOCK, "composeStateBlock");
                return;
        }
}

void sg_button_unchecked(sg_button *ret) {
        set(ret, SG_BUTTON_BLOCK, "composeStateMessageError");
}

const char *sg_button_arg(const sg_button *b, bool ja) {
        if (b->state != SG_BUTTON_ROUTE || strcmp(b->text, "composeStateRoute") != 0)
                return NULL;
        if (b->label_en)
                return ja && b->label_ja ? b->label_ja : b->label_en;
        return b->route;
}
