/* sealgate Outlook add-in: the ribbon's state (see ribbon-state.h). No COM. */
#include <stdlib.h>
#include <string.h>

#include "ribbon-state.h"
#include "sealgate/outcome.h"
#include "send.h"

/* `name` as a string that lives as long as d and p (the outcome's copy is freed). */
static const char *stable_name(const sg_policy *p, const sg_decision *d, const char *name) {
        size_t n = 0;
        const char *const *fb = sg_policy_encrypt_fallback(p, &n);
        for (size_t i = 0; i < d->n_encrypt_fallback; i++)
                if (strcmp(d->encrypt_fallback[i], name) == 0)
                        return d->encrypt_fallback[i];
        for (size_t i = 0; i < n; i++)
                if (strcmp(fb[i], name) == 0)
                        return fb[i];
        for (size_t i = 0; i < d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_ROUTE && strcmp(d->choices[i].route, name) == 0)
                        return d->choices[i].route;
        return NULL;
}

void sg_ribbon_button(const sg_policy *p, const sg_decision *d, bool encrypt_toggle, bool portal_toggle,
                      sg_ribbon_ready ready, sg_button *ret) {
        sg_choice own;
        sg_outcome_input in;
        sg_outcome *o = NULL;
        sg_error err;

        sg_send_outcome_input(p, d, encrypt_toggle, portal_toggle, NULL, NULL, &own, &in);
        sg_button_of(d, in.choice, p, ret);
        if (ret->state != SG_BUTTON_ENCRYPT || ready != SG_RIBBON_READY_NO)
                return;
        /* No certificate for someone: Send takes the outcome's first fallback route. */
        const char *name = NULL;
        if (sg_outcome_new(d, &in, &o, &err) == SG_OK && o->n_fallback)
                name = stable_name(p, d, o->fallback[0].name);
        sg_outcome_free(o);
        if (name) {
                sg_choice fb = {.kind = SG_CHOICE_ROUTE, .route = (char *) name};
                sg_button_of(d, &fb, p, ret);
        } else {
                sg_choice none = {.kind = SG_CHOICE_CANCEL};
                sg_button_of(d, &none, p, ret);
        }
}
