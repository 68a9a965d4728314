/* sealgate Outlook add-in: the ItemSend sink (see sink.h). Outlook calls
 * Invoke with the arguments last first: rgvarg[1] is the item, rgvarg[0]
 * the Cancel flag (VT_BOOL | VT_BYREF). */
#define COBJMACROS
#include <stdlib.h>

#include <windows.h>

#include <oleauto.h>

#include "module.h"
#include "outlook-om.h"
#include "sink.h"

HRESULT STDMETHODCALLTYPE sg_sink_qi(IDispatch *This, REFIID iid, void **ret) {
        if (!ret)
                return E_POINTER;
        if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IDispatch) ||
            IsEqualIID(iid, ((sg_sink *) This)->diid)) {
                *ret = This;
                IDispatch_AddRef(This);
                return S_OK;
        }
        *ret = NULL;
        return E_NOINTERFACE;
}

ULONG STDMETHODCALLTYPE sg_sink_addref(IDispatch *This) {
        return (ULONG) InterlockedIncrement(&((sg_sink *) This)->refs);
}

ULONG STDMETHODCALLTYPE sg_sink_release(IDispatch *This) {
        sg_sink *s = (sg_sink *) This;
        LONG n = InterlockedDecrement(&s->refs);
        if (!n) {
                free(s);
                sg_module_unref();
        }
        return (ULONG) n;
}

HRESULT STDMETHODCALLTYPE sg_sink_type_info_count(IDispatch *This, UINT *n) {
        *n = 0;
        return S_OK;
}

HRESULT STDMETHODCALLTYPE sg_sink_type_info(IDispatch *This, UINT i, LCID lcid, ITypeInfo **ret) {
        *ret = NULL;
        return E_NOTIMPL;
}

HRESULT STDMETHODCALLTYPE sg_sink_ids_of_names(IDispatch *This, REFIID iid, LPOLESTR *names, UINT n, LCID lcid,
                                               DISPID *ids) {
        for (UINT i = 0; i < n; i++)
                ids[i] = DISPID_UNKNOWN;
        return DISP_E_UNKNOWNNAME;
}

IDispatch *sg_sink_new(IDispatchVtbl *vtbl, const IID *diid, sg_addin *a) {
        sg_sink *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->vtbl = vtbl;
        s->refs = 1;
        s->diid = diid;
        s->addin = a;
        sg_module_ref();
        return (IDispatch *) s;
}

static HRESULT STDMETHODCALLTYPE invoke(IDispatch *This, DISPID id, REFIID iid, LCID lcid, WORD flags, DISPPARAMS *dp,
                                        VARIANT *ret, EXCEPINFO *ei, UINT *arg_err) {
        sg_sink *s = (sg_sink *) This;
        VARIANT *item, *cancel;

        if (id != SG_DISPID_ITEM_SEND || !s->addin)
                return S_OK; /* every other application event: nothing to do */
        if (!dp || dp->cArgs != 2)
                return DISP_E_BADPARAMCOUNT;
        item = &dp->rgvarg[1];
        cancel = &dp->rgvarg[0];
        if (V_VT(cancel) != (VT_BOOL | VT_BYREF) || !V_BOOLREF(cancel))
                return DISP_E_TYPEMISMATCH;
        if (*V_BOOLREF(cancel))
                return S_OK; /* already cancelled by someone else */
        if (V_VT(item) == VT_DISPATCH && V_DISPATCH(item)) {
                if (sg_addin_item_send(s->addin, V_DISPATCH(item)))
                        *V_BOOLREF(cancel) = VARIANT_TRUE;
        } else if (V_VT(item) == (VT_DISPATCH | VT_BYREF) && V_DISPATCHREF(item) && *V_DISPATCHREF(item)) {
                if (sg_addin_item_send(s->addin, *V_DISPATCHREF(item)))
                        *V_BOOLREF(cancel) = VARIANT_TRUE;
        }
        return S_OK;
}

static IDispatchVtbl sink_vtbl = SG_SINK_VTBL(invoke);

HRESULT sg_sink_create(sg_addin *a, IDispatch **ret) {
        IDispatch *d = sg_sink_new(&sink_vtbl, &SG_DIID_ApplicationEvents_11, a);
        if (!d)
                return E_OUTOFMEMORY;
        *ret = d;
        return S_OK;
}

void sg_sink_detach(IDispatch *d) {
        ((sg_sink *) d)->addin = NULL;
}
