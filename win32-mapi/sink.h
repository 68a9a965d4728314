/* sealgate Outlook add-in: the ApplicationEvents_11 sink that receives
 * ItemSend (DISPID 0xF002) and hands it to the add-in. */
#ifndef SG_SINK_H
#define SG_SINK_H

#include <windows.h>

#include "addin.h"

/* New sink for `a` (not holding a reference to it: the add-in owns the sink
 * and unadvises it before it goes). *ret owned (Release). */
HRESULT sg_sink_create(sg_addin *a, IDispatch **ret);
/* Cut the sink from the add-in (after Unadvise; Outlook may still hold it). */
void sg_sink_detach(IDispatch *sink);

#endif
