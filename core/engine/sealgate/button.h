/* sealgate: the compose window's button, what a message would get right now
 * as every client shows it before Send: the Thunderbird compose button (the
 * host returns it with policy.evaluate, docs/protocol.md "button") and the
 * Outlook ribbon's state (win32-mapi/ribbon.c). One mapping from a decision
 * and the user's choice made in advance to a state, the catalog id of its
 * words and the route it names. Pure module: libc only. */
#ifndef SEALGATE_BUTTON_H
#define SEALGATE_BUTTON_H

#include <stdbool.h>

#include "sealgate/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The states, with stable names (sg_button_state_name). */
typedef enum sg_button_state {
        SG_BUTTON_EMPTY = 0, /* "empty": no recipients yet */
        SG_BUTTON_NORMAL,    /* "normal": sent as it is */
        SG_BUTTON_ENCRYPT,   /* "encrypt": encrypted locally (S/MIME or OpenPGP) */
        SG_BUTTON_ROUTE,     /* "route": through a gateway route (the secure portal, ZIP, ...) */
        SG_BUTTON_PROMPT,    /* "prompt": the user chooses at Send */
        SG_BUTTON_BLOCK,     /* "block": will not be sent */
        SG_BUTTON__MAX
} sg_button_state;

typedef struct sg_button {
        sg_button_state state;
        const char *text;     /* static: the catalog id of the state's words (composeState*) */
        const char *route;    /* ROUTE: the route's name (borrowed), else NULL */
        const char *label_en; /* ROUTE: the route's label for users (routes.NAME.label), borrowed, or */
        const char *label_ja; /* NULL: the words name the route instead */
} sg_button;

/* The button for decision `d` when the user has chosen `choice` in advance
 * (one of d->choices, or a client's own such as the Outlook ribbon's toggle;
 * NULL: no choice). In order: no recipients is EMPTY; a decision that blocks
 * is BLOCK whatever was chosen; then the choice (encrypt, send, a route;
 * cancel is BLOCK: nothing would be sent); then the decision's action.
 * `p` (may be NULL) gives the label of a route the decision names without
 * one. Everything in *ret is static or borrowed from d, choice and p. */
void sg_button_of(const sg_decision *d, const sg_choice *choice, const sg_policy *p, sg_button *ret);

/* The button of a message that cannot be checked (its evaluation failed,
 * or the add-in has no policy): BLOCK, "composeStateMessageError": the send
 * stops as well. */
void sg_button_unchecked(sg_button *ret);

/* The text's argument in the UI language (ja or en): the route's label,
 * else its name; NULL for a state whose words take none. Borrowed. */
const char *sg_button_arg(const sg_button *b, bool ja);

const char *sg_button_state_name(sg_button_state s); /* static; "empty", "normal", ... */

#ifdef __cplusplus
}
#endif
#endif
