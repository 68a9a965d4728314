/* sealgate-prompt: the confirmation checklist's widgets (prompt.confirm): a
 * check button per recipient and attachment, the send choices disabled
 * until every one is ticked, "Check all" only when the policy allows it. */
#ifndef SEALGATE_PROMPT_CONFIRM_H
#define SEALGATE_PROMPT_CONFIRM_H

#include <gtk/gtk.h>

#include "prompt-confirm-model.h"

G_BEGIN_DECLS

/* Put the checklist of `c` (borrowed, outliving the window; NULL: none)
 * right above `choices` (a child of a GtkBox) and gate every button of
 * `choices` but `cancel` on it: insensitive until the last box is ticked.
 * Returns the first box (borrowed; NULL: no boxes), where the focus lands
 * on open. */
GtkWidget *sg_prompt_confirm_attach(GtkWidget *choices, GtkWidget *cancel, const sg_prompt_confirm *c);

G_END_DECLS

#endif
