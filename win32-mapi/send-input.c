/* sealgate Outlook add-in: which choice counts for one send (see send.h,
 * sg_send_outcome_input): the decision, the ribbon's toggles and the
 * prompt's answer, as the input of the engine's outcome. No COM, so the
 * parity test (tests/parity) runs the same code. */
#include <stdlib.h>
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
                ret->bcc_declined = ans->bcc_declined;
        }
        return ok;
}

bool sg_send_offered(const sg_policy *p, const sg_decision *d, bool encrypt_ready, sg_decision *ret,
                     sg_choice **ret_choices) {
        size_t n = 0, nfb = 0, enc = d->n_choices;
        const char *const *fb = sg_policy_encrypt_fallback(p, &nfb);
        const sg_header *h = NULL;
        const char *tag = NULL;
        size_t nh = 0;
        bool have_route = false, fb_ok = false, rec_kept = false;
        sg_choice *c;

        *ret = *d;
        *ret_choices = NULL;
        for (size_t i = 0; i < d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_ENCRYPT)
                        enc = i;
        if (encrypt_ready || enc == d->n_choices)
                return false;
        fb_ok = nfb && sg_policy_route(p, fb[0], &h, &nh, &tag);
        for (size_t i = 0; fb_ok && i < d->n_choices; i++)
                have_route |= d->choices[i].kind == SG_CHOICE_ROUTE && strcmp(d->choices[i].route, fb[0]) == 0;
        c = calloc(d->n_choices, sizeof(*c));
        if (!c) { /* fail closed: offer nothing but what the decision gives, minus encrypt */
                ret->n_choices = 0;
                return true;
        }
        for (size_t i = 0; i < d->n_choices; i++) {
                if (i == enc) {
                        if (!fb_ok || have_route)
                                continue;
                        /* "Encrypt" offered as what it really is: the fallback route. */
                        c[n].kind = SG_CHOICE_ROUTE;
                        c[n].route = (char *) fb[0];
                        c[n].headers = (sg_header *) h;
                        c[n].n_headers = nh;
                        c[n].subject_tag = (char *) tag;
                } else {
                        c[n] = d->choices[i];
                }
                if (i == d->prompt_fallback)
                        ret->prompt_fallback = n;
                if (i == d->prompt_recommended) {
                        ret->prompt_recommended = n;
                        rec_kept = true;
                }
                n++;
        }
        if (!rec_kept) {
                /* The recommended choice ("encrypt") is gone: the first protective one left. */
                ret->prompt_recommended = n;
                for (size_t i = 0; i < n && ret->prompt_recommended == n; i++)
                        if (c[i].kind == SG_CHOICE_ENCRYPT || c[i].kind == SG_CHOICE_ROUTE)
                                ret->prompt_recommended = i;
        }
        if (n == 0) { /* nothing else to offer: keep the decision as it is */
                free(c);
                return false;
        }
        if (d->prompt_fallback == enc && (!fb_ok || have_route)) {
                /* The fallback was "encrypt": the fallback route when offered, else cancel. */
                size_t pick = n;
                for (size_t i = 0; i < n && pick == n; i++)
                        if (fb_ok && c[i].kind == SG_CHOICE_ROUTE && strcmp(c[i].route, fb[0]) == 0)
                                pick = i;
                for (size_t i = 0; i < n && pick == n; i++)
                        if (c[i].kind == SG_CHOICE_CANCEL)
                                pick = i;
                ret->prompt_fallback = pick < n ? pick : 0;
        }
        ret->choices = c;
        ret->n_choices = n;
        *ret_choices = c;
        return true;
}
