/* sealgate-prompt: the window that shows a decision and returns the user's
 * choice through the "answered" signal. */
#ifndef SEALGATE_PROMPT_WINDOW_H
#define SEALGATE_PROMPT_WINDOW_H

#include <gtk/gtk.h>

#include "prompt-model.h"

G_BEGIN_DECLS

#define SG_TYPE_PROMPT_WINDOW (sg_prompt_window_get_type())
G_DECLARE_FINAL_TYPE(SgPromptWindow, sg_prompt_window, SG, PROMPT_WINDOW, GtkWindow)

/* A new window showing `model`, which is borrowed and must outlive the window.
 * It emits "answered" (choice id, justification or NULL, by) exactly once:
 * by is "button", "escape", "close" or "timeout". */
SgPromptWindow *sg_prompt_window_new(const sg_prompt_model *model);

/* Answer "cancel" by "timeout" after `seconds` (0: never). */
void sg_prompt_window_set_timeout(SgPromptWindow *self, guint seconds);

/* Name `button` (shown with `mnemonic_label`, "Check _all") by its visible
 * words without the markup ("Check all"), as a screen reader must say it. */
void sg_prompt_name_button(GtkWidget *button, const char *mnemonic_label);

G_END_DECLS

#endif
