/* sealgate-prompt: "Keep the external recipients in To and Cc", the one
 * control of rules.convert_to_bcc in "ask" mode (issue 17): ticked, the
 * choice that sends leaves the recipients where the user wrote them, and
 * the answer says so ("bcc": "keep"; docs/protocol.md, prompt.show). */
#ifndef SEALGATE_PROMPT_BCC_H
#define SEALGATE_PROMPT_BCC_H

#include <gtk/gtk.h>
#include <stdbool.h>

#include "prompt-confirm-model.h"

G_BEGIN_DECLS

/* When `c` asks (c->bcc_ask), put the check button (unticked, Alt+K) right
 * above the last child of `choices` (the button row) and remember it on
 * the window. Nothing otherwise. */
void sg_prompt_bcc_attach(GtkWidget *choices, const sg_prompt_confirm *c);

/* Whether the user ticked it in `window` (false when it is not there). */
bool sg_prompt_bcc_kept(GtkWidget *window);

G_END_DECLS

#endif
