/* sealgate on Windows: the mis-send checklist (prompt.confirm,
 * docs/admin/policy.md "Mis-send prevention"), the Outlook counterpart of the
 * GTK prompt's checklist (gtk-prompt/): a check box per recipient to confirm,
 * grouped by domain (external domains marked, look-alikes of an internal
 * domain flagged), one per attachment when confirm_attachments, the sender
 * when show_sender, and "check all" only when allow_check_all. Continue stays
 * disabled until every box is ticked; then the send choices are offered
 * (prompt.c). What is listed is the engine's decision: nothing is decided
 * here. */
#ifndef SG_CHECKLIST_H
#define SG_CHECKLIST_H

#include <stdbool.h>

#include <windows.h>

#include "sealgate/policy.h"
#include "strings.h"

/* Boxes a checklist shows at most; a decision with more is answered "back"
 * (the user cannot tick them all in a reasonable time; the send does not go). */
#define SG_CHECKLIST_ITEMS_MAX 2000

/* Whether decision `d` asks for a checklist: a recipient with `confirm` set,
 * or attachments to tick. */
bool sg_checklist_needed(const sg_decision *d);

/* The checklist's lines, one per box, in the order shown: the group heading
 * before the first box of each group ("# heading"), then the box's text
 * ("recipient" or "name (size)"). Owned UTF-8, '\n'-separated (free()). */
char *sg_checklist_content_dup(sg_lang lang, const sg_decision *d);

/* Show the checklist for `d` owned by `owner`; true when the user ticked
 * every box and chose Continue, false for Back to editing, Escape, closing
 * the window, too many boxes, or a dialog that cannot be shown. */
bool sg_checklist_ask(sg_lang lang, HWND owner, const sg_decision *d);

#endif
