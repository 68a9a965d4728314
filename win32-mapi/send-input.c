/* sealgate Outlook add-in: which choice counts for one send (see send.h,
 * sg_send_outcome_input): the decision, the ribbon's toggles and the
 * prompt's answer, as the input of the engine's outcome. No COM, so the
 * parity test (tests/parity) runs the same code. */
#include <string.h>

#include "send.h"

bool sg_send_needs_prompt(const sg_decision *d, bool encrypt_toggle, bool portal_toggle) {
        return d->action == SG_ACTION_PROMPT && !encrypt_toggle && !portal_toggle;
}

/* The Send-securely toggle's route as a choice of the add-in's own: the
 * route named "portal", else the first route the decision's prompt offers. */
static bool portal_choice(const sg_policy *p, const sg_decision *d, sg_choice *ret) {
        const char *name = "portal";
        const sg_header *h;
        const char *tag;
        size_t n;
        bool found = sg_policy_route(p, name, &h, &n, &tag);
        for (size_t i = 0; !found && i < d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_ROUTE && sg_policy_route(p, d->choices[i].route, &h, &n, &tag)) {
                        name = d->choices[i].route;
                        found = true;
                }
        if (!found)
                return false;
        ret->kind = SG_CHOICE_ROUTE;
        ret->route = (char *) name;
        ret->headers = (sg_header *) h;
        ret->n_headers = n;
        ret->subject_tag = (char *) tag;
        return true;
}

bool sg_send_outcome_input(const sg_policy *p, const sg_decision *d, bool encrypt_toggle, bool portal_toggle,
                           const sg_prompt_answer *ans, const char *subject, sg_choice *own, sg_outcome_input *ret) {
        bool ok = true;
        memset(ret, 0, sizeof *ret);
        memset(own, 0, sizeof *own);
        ret->subject = subject;
        ret->policy = p;
        if (d->action == SG_ACTION_BLOCK)
                return true;
        if (encrypt_toggle) {
                own->kind = SG_CHOICE_ENCRYPT;
                ret->choice = own;
                ret->by = "toggle";
        } else if (portal_toggle) {
                if (!(ok = portal_choice(p, d, own)))
                        own->kind = SG_CHOICE_CANCEL;
                ret->choice = own;
                ret->by = "toggle";
        } else if (ans && ans->choice < d->n_choices) {
                ret->choice = &d->choices[ans->choice];
                ret->by = ans->by;
                ret->justification = ans->justification;
                ret->prompt_error = ans->error;
        }
        return ok;
}
