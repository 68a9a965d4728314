/* sealgate Outlook add-in: replies written in the reading pane (inline
 * responses). The add-in listens to the active Explorer's InlineResponse and
 * InlineResponseClose (ExplorerEvents_10) and, while an inline response is
 * open, to that item's PropertyChange, Close and Unload (ItemEvents_10): the
 * ribbon is invalidated when an inline response opens or closes and when its
 * recipients change, so its toggles show that item's state; the item is held
 * only while it is open, and released (its sink unadvised) when it closes,
 * unloads or another takes its place. */
#ifndef SG_INLINE_H
#define SG_INLINE_H

#include <windows.h>

#include "addin.h"

/* Advise the sink on Application.ActiveExplorer() (none: nothing to do). */
void sg_inline_attach(sg_addin *a);
/* Unadvise everything and release the item held (disconnection). */
void sg_inline_detach(sg_addin *a);

#endif
