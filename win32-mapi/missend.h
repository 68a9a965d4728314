/* sealgate Outlook add-in: the mis-send parts of an outcome applied to the
 * item (docs/admin/outlook.md, "Mis-send prevention"): the Bcc move
 * (outcome bcc_moved, to_placeholder) and the hold as deferred delivery
 * (send.delay_mode "deferred"). Which recipients move and for how long a
 * message is held is the engine's outcome: nothing is decided here. */
#ifndef SG_MISSEND_H
#define SG_MISSEND_H

#include <stdbool.h>

#include <windows.h>

#include "item.h"
#include "sealgate/outcome.h"

/* What the Bcc move and the hold changed, as lines of the add-in's sgApplied
 * marker (send.c) so that a later attempt on the same item, whose send did
 * not go, puts the item back as the user wrote it: kind "b" what "T ADDRESS"
 * (a recipient moved to Bcc from type T, 1 To or 2 Cc), "p" ADDRESS (the
 * placeholder added to To), "d" DATE (DeferredDeliveryTime before the hold,
 * a variant date). */
typedef void (*sg_missend_note_fn)(void *data, const char *kind, const char *what);

/* Move to Bcc (Recipient.Type olBCC) every To or Cc entry of the item's
 * Recipients that `o` names: a plain recipient by its address, a list when
 * one of its members is named (as the Thunderbird extension does). When no
 * To entry is left, o->to_placeholder is added to To. `it` is the item as
 * read for this send (sg_item_read; its `top` maps the entries). False when
 * the recipients changed since they were read or a change failed: the send
 * must not go. */
bool sg_missend_move_bcc(IDispatch *item, const sg_item *it, const sg_outcome *o, sg_missend_note_fn note, void *data);

/* Deferred delivery `seconds` from now (MailItem.DeferredDeliveryTime, local
 * time: PR_DEFERRED_DELIVERY_TIME): Outlook keeps the message in the Outbox
 * (Exchange: on the server) until then. The time before is noted ("d"). */
HRESULT sg_missend_defer(IDispatch *item, unsigned seconds, sg_missend_note_fn note, void *data);

/* Undo one marker line of kind 'b', 'p' or 'd' (`what`: the text after the
 * kind and its space). A recipient no longer there is left alone. */
void sg_missend_undo(IDispatch *item, char kind, const char *what);

#endif
