/* sealgate Outlook add-in: what the ribbon shows for an item before Send,
 * without COM (the parity test, tests/parity, runs it too): the engine's
 * button (core/engine/button.c, the same as the Thunderbird compose
 * button's) for the decision and the choice the ribbon's toggles make
 * (send-input.c, as at Send), and, where the add-in knows the
 * certificates, what Send really does with "encrypt". */
#ifndef SG_RIBBON_STATE_H
#define SG_RIBBON_STATE_H

#include <stdbool.h>

#include "sealgate/button.h"
#include "sealgate/policy.h"

/* Whether Outlook's S/MIME can encrypt this message: every recipient has a
 * certificate where Outlook looks and the policy lists "smime". */
typedef enum sg_ribbon_ready {
        SG_RIBBON_READY_UNKNOWN = -1, /* not looked up */
        SG_RIBBON_READY_NO = 0,
        SG_RIBBON_READY_YES = 1,
} sg_ribbon_ready;

/* The button for decision `d` under policy `p` with the ribbon's toggles.
 * With `ready` NO an "encrypt" state becomes what Send then does: the
 * policy's first encryption fallback route, or BLOCK when there is none
 * (send.c apply). *ret borrows from d and p. */
void sg_ribbon_button(const sg_policy *p, const sg_decision *d, bool encrypt_toggle, bool portal_toggle,
                      sg_ribbon_ready ready, sg_button *ret);

#endif
