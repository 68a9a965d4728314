/* sealgate Outlook add-in: inline responses (see inline.h). One IDispatch
 * sink type for both event interfaces; Outlook passes the arguments last
 * first. */
#define COBJMACROS
#include <stdlib.h>

#include <windows.h>

#include <ocidl.h>
#include <oleauto.h>

#include "disp.h"
#include "inline.h"
#include "module.h"
#include "outlook-om.h"
#include "ribbon.h"
#include "sink.h"

struct sg_inline {
        IDispatch *explorer_sink;
        IConnectionPoint *explorer_cp;
        DWORD explorer_cookie;
        IDispatch *item; /* the open inline response, held */
        IDispatch *item_sink;
        IConnectionPoint *item_cp;
        DWORD item_cookie;
};

static void item_release(struct sg_inline *in) {
        if (in->item_cp) {
                IConnectionPoint_Unadvise(in->item_cp, in->item_cookie);
                IConnectionPoint_Release(in->item_cp);
                in->item_cp = NULL;
        }
        if (in->item_sink) {
                ((sg_sink *) in->item_sink)->addin = NULL;
                IDispatch_Release(in->item_sink);
                in->item_sink = NULL;
        }
        if (in->item) {
                IDispatch_Release(in->item);
                in->item = NULL;
        }
}

/* Advise a new sink for `diid` on `obj`; false if it has no such events. */
static bool advise(sg_addin *a, IDispatch *obj, const IID *diid, IDispatch **ret_sink, IConnectionPoint **ret_cp,
                   DWORD *ret_cookie);

static void item_watch(sg_addin *a, IDispatch *item) {
        struct sg_inline *in = a->inl;
        item_release(in);
        if (!item)
                return;
        in->item = item;
        IDispatch_AddRef(item);
        advise(a, item, &SG_DIID_ItemEvents_10, &in->item_sink, &in->item_cp, &in->item_cookie);
}

static IDispatch *arg_item(VARIANT *v) {
        if (V_VT(v) == VT_DISPATCH)
                return V_DISPATCH(v);
        if (V_VT(v) == (VT_DISPATCH | VT_BYREF) && V_DISPATCHREF(v))
                return *V_DISPATCHREF(v);
        return NULL;
}

static bool recipients_property(VARIANT *v) {
        BSTR s = V_VT(v) == VT_BSTR                                ? V_BSTR(v)
                 : V_VT(v) == (VT_BSTR | VT_BYREF) && V_BSTRREF(v) ? *V_BSTRREF(v)
                                                                   : NULL;
        return s && (_wcsicmp(s, L"To") == 0 || _wcsicmp(s, L"CC") == 0 || _wcsicmp(s, L"BCC") == 0 ||
                     _wcsicmp(s, L"Recipients") == 0);
}

static HRESULT STDMETHODCALLTYPE invoke(IDispatch *This, DISPID id, REFIID iid, LCID lcid, WORD flags, DISPPARAMS *dp,
                                        VARIANT *ret, EXCEPINFO *ei, UINT *arg_err) {
        sg_sink *s = (sg_sink *) This;
        sg_addin *a = s->addin;

        if (!a || !a->inl)
                return S_OK;
        IDispatch_AddRef(This); /* item_release may drop the last other reference */
        if (s->diid == &SG_DIID_ExplorerEvents_10) {
                if (id == SG_DISPID_INLINE_RESPONSE && dp && dp->cArgs == 1) {
                        item_watch(a, arg_item(&dp->rgvarg[0]));
                        sg_ribbon_invalidate(a);
                } else if (id == SG_DISPID_INLINE_RESPONSE_CLOSE) {
                        item_watch(a, NULL);
                        sg_ribbon_invalidate(a);
                }
        } else if (id == SG_DISPID_ITEM_PROPERTY_CHANGE && dp && dp->cArgs == 1 &&
                   recipients_property(&dp->rgvarg[0])) {
                sg_ribbon_invalidate(a);
        } else if (id == SG_DISPID_ITEM_CLOSE || id == SG_DISPID_ITEM_UNLOAD) {
                item_watch(a, NULL);
        }
        IDispatch_Release(This);
        return S_OK;
}

static IDispatchVtbl sink_vtbl = SG_SINK_VTBL(invoke);

static bool advise(sg_addin *a, IDispatch *obj, const IID *diid, IDispatch **ret_sink, IConnectionPoint **ret_cp,
                   DWORD *ret_cookie) {
        IConnectionPointContainer *cpc = NULL;
        IDispatch *sink = sg_sink_new(&sink_vtbl, diid, a);
        IConnectionPoint *cp = NULL;
        HRESULT hr;

        if (!sink)
                return false;
        hr = IDispatch_QueryInterface(obj, &IID_IConnectionPointContainer, (void **) &cpc);
        if (SUCCEEDED(hr)) {
                hr = IConnectionPointContainer_FindConnectionPoint(cpc, diid, &cp);
                IConnectionPointContainer_Release(cpc);
        }
        if (SUCCEEDED(hr))
                hr = IConnectionPoint_Advise(cp, (IUnknown *) sink, ret_cookie);
        if (FAILED(hr)) {
                if (cp)
                        IConnectionPoint_Release(cp);
                ((sg_sink *) sink)->addin = NULL;
                IDispatch_Release(sink);
                return false;
        }
        *ret_sink = sink;
        *ret_cp = cp;
        return true;
}

void sg_inline_attach(sg_addin *a) {
        IDispatch *ex = NULL;
        if (!a->app || a->inl)
                return;
        if (!(a->inl = calloc(1, sizeof(*a->inl))))
                return;
        if (FAILED(sg_disp_call_obj(a->app, L"ActiveExplorer", &ex)) || !ex)
                return;
        advise(a, ex, &SG_DIID_ExplorerEvents_10, &a->inl->explorer_sink, &a->inl->explorer_cp,
               &a->inl->explorer_cookie);
        IDispatch_Release(ex);
}

void sg_inline_detach(sg_addin *a) {
        struct sg_inline *in = a->inl;
        if (!in)
                return;
        item_release(in);
        if (in->explorer_cp) {
                IConnectionPoint_Unadvise(in->explorer_cp, in->explorer_cookie);
                IConnectionPoint_Release(in->explorer_cp);
        }
        if (in->explorer_sink) {
                ((sg_sink *) in->explorer_sink)->addin = NULL;
                IDispatch_Release(in->explorer_sink);
        }
        free(in);
        a->inl = NULL;
}
