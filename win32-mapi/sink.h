/* sealgate Outlook add-in: event sinks. The shared base every sink of the
 * add-in is built on, and the ApplicationEvents_11 sink that receives
 * ItemSend (DISPID 0xF002) and hands it to the add-in. */
#ifndef SG_SINK_H
#define SG_SINK_H

#include <windows.h>

#include "addin.h"

/* An event sink: an IDispatch that Outlook calls with the events of the
 * dispinterface `diid`. Every sink of the add-in starts with this header
 * and shares the IUnknown/IDispatch methods below; only Invoke differs. */
typedef struct sg_sink {
        IDispatchVtbl *vtbl;
        LONG refs;
        const IID *diid;
        sg_addin *addin; /* not held; NULL once detached */
} sg_sink;

/* New sink of `vtbl` for `diid` and `a` (not holding a reference to it: the
 * add-in owns the sink and unadvises it before it goes); NULL when out of
 * memory. Owned (Release). */
IDispatch *sg_sink_new(IDispatchVtbl *vtbl, const IID *diid, sg_addin *a);
/* The methods every sink shares, for its vtable. */
HRESULT STDMETHODCALLTYPE sg_sink_qi(IDispatch *This, REFIID iid, void **ret);
ULONG STDMETHODCALLTYPE sg_sink_addref(IDispatch *This);
ULONG STDMETHODCALLTYPE sg_sink_release(IDispatch *This);
HRESULT STDMETHODCALLTYPE sg_sink_type_info_count(IDispatch *This, UINT *n);
HRESULT STDMETHODCALLTYPE sg_sink_type_info(IDispatch *This, UINT i, LCID lcid, ITypeInfo **ret);
HRESULT STDMETHODCALLTYPE sg_sink_ids_of_names(IDispatch *This, REFIID iid, LPOLESTR *names, UINT n, LCID lcid,
                                               DISPID *ids);
#define SG_SINK_VTBL(invoke)                                                                                           \
        {                                                                                                              \
                sg_sink_qi, sg_sink_addref, sg_sink_release, sg_sink_type_info_count, sg_sink_type_info,               \
                        sg_sink_ids_of_names, invoke                                                                   \
        }

/* New ItemSend sink for `a`. *ret owned (Release). */
HRESULT sg_sink_create(sg_addin *a, IDispatch **ret);
/* Cut the sink from the add-in (after Unadvise; Outlook may still hold it). */
void sg_sink_detach(IDispatch *sink);

#endif
