/* sealgate Outlook add-in: the add-in object and IDTExtensibility2.
 * OnConnection only advises the ItemSend sink: Outlook disables add-ins that
 * slow its start, so the policy is read at the first send (or toggle). */
#define COBJMACROS
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <ocidl.h>
#include <oleauto.h>

#include "addin.h"
#include "disp.h"
#include "inline.h"
#include "item.h"
#include "module.h"
#include "outlook-om.h"
#include "policysrc.h"
#include "ribbon.h"
#include "send.h"
#include "sink.h"

typedef struct ext_vtbl {
        HRESULT(STDMETHODCALLTYPE *QueryInterface)(sg_face *, REFIID, void **);
        ULONG(STDMETHODCALLTYPE *AddRef)(sg_face *);
        ULONG(STDMETHODCALLTYPE *Release)(sg_face *);
        HRESULT(STDMETHODCALLTYPE *GetTypeInfoCount)(sg_face *, UINT *);
        HRESULT(STDMETHODCALLTYPE *GetTypeInfo)(sg_face *, UINT, LCID, ITypeInfo **);
        HRESULT(STDMETHODCALLTYPE *GetIDsOfNames)(sg_face *, REFIID, LPOLESTR *, UINT, LCID, DISPID *);
        HRESULT(STDMETHODCALLTYPE *Invoke)
        (sg_face *, DISPID, REFIID, LCID, WORD, DISPPARAMS *, VARIANT *, EXCEPINFO *, UINT *);
        HRESULT(STDMETHODCALLTYPE *OnConnection)(sg_face *, IDispatch *, int, IDispatch *, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnDisconnection)(sg_face *, int, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnAddInsUpdate)(sg_face *, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnStartupComplete)(sg_face *, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnBeginShutdown)(sg_face *, SAFEARRAY **);
} ext_vtbl;

/* ---- IUnknown / IDispatch shared by the faces ----------------------------- */

HRESULT sg_addin_qi(sg_addin *a, REFIID iid, void **ret) {
        if (!ret)
                return E_POINTER;
        if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IDispatch) ||
            IsEqualIID(iid, &SG_IID_IDTExtensibility2))
                *ret = &a->ext;
        else if (IsEqualIID(iid, &SG_IID_IRibbonExtensibility))
                *ret = &a->ribbon;
        else {
                *ret = NULL;
                return E_NOINTERFACE;
        }
        sg_addin_addref(a);
        return S_OK;
}

ULONG sg_addin_addref(sg_addin *a) {
        return (ULONG) InterlockedIncrement(&a->refs);
}

static void disconnect(sg_addin *a) {
        if (a->cp) {
                IConnectionPoint_Unadvise(a->cp, a->cookie);
                IConnectionPoint_Release(a->cp);
                a->cp = NULL;
        }
        if (a->sink) {
                sg_sink_detach(a->sink);
                IDispatch_Release(a->sink);
                a->sink = NULL;
        }
        sg_inline_detach(a);
        sg_ribbon_clear(a);
        sg_item_cache_clear();
        if (a->app) {
                IDispatch_Release(a->app);
                a->app = NULL;
        }
}

ULONG sg_addin_release(sg_addin *a) {
        LONG n = InterlockedDecrement(&a->refs);
        if (!n) {
                disconnect(a);
                sg_policy_free(a->policy);
                free(a);
                sg_module_unref();
        }
        return (ULONG) n;
}

HRESULT sg_addin_ids_of_names(sg_addin *a, LPOLESTR *names, UINT n, DISPID *ids) {
        HRESULT hr = S_OK;
        for (UINT i = 0; i < n; i++) {
                ids[i] = i == 0 ? sg_ribbon_dispid(names[i]) : DISPID_UNKNOWN;
                if (ids[i] == DISPID_UNKNOWN)
                        hr = DISP_E_UNKNOWNNAME;
        }
        return hr;
}

HRESULT sg_addin_invoke(sg_addin *a, DISPID id, WORD flags, DISPPARAMS *dp, VARIANT *ret) {
        return sg_ribbon_invoke(a, id, dp, ret);
}

/* ---- the add-in's services ----------------------------------------------- */

const sg_policy *sg_addin_policy(sg_addin *a) {
        if (!a->policy) {
                memset(&a->policy_error, 0, sizeof(a->policy_error));
                if (sg_addin_policy_load(&a->policy, &a->policy_error))
                        a->policy = NULL; /* tried again at the next send */
        }
        return a->policy;
}

sg_lang sg_addin_lang(sg_addin *a) {
        if (!a->lang_known) {
                IDispatch *ls;
                LANGID id = GetUserDefaultUILanguage();
                if (a->app && SUCCEEDED(sg_disp_get_obj(a->app, L"LanguageSettings", &ls))) {
                        VARIANT arg, v;
                        V_VT(&arg) = VT_I4;
                        V_I4(&arg) = SG_MSO_LANGUAGE_ID_UI;
                        if (SUCCEEDED(sg_disp_get(ls, L"LanguageID", &arg, 1, &v))) {
                                if (SUCCEEDED(VariantChangeType(&v, &v, 0, VT_I4)) && V_I4(&v) > 0)
                                        id = (LANGID) V_I4(&v);
                                VariantClear(&v);
                        }
                        IDispatch_Release(ls);
                }
                a->lang = sg_lang_from_langid(id);
                a->lang_known = true;
        }
        return a->lang;
}

bool sg_addin_item_send(sg_addin *a, IDispatch *item) {
        sg_send_ctx ctx = {0};
        bool cancel;

        /* A send while one is being checked (Outlook pumps messages during
         * the prompt and address-book calls): stopped at once. */
        if (a->busy)
                return true;
        a->busy = true;
        ctx.policy = sg_addin_policy(a);
        ctx.policy_error = &a->policy_error;
        ctx.lang = sg_addin_lang(a);
        ctx.app = a->app;
        sg_ribbon_toggles(item, &ctx.encrypt_toggle, &ctx.portal_toggle);
        cancel = sg_send_handle(&ctx, item);
        a->busy = false;
        return cancel;
}

/* ---- IUnknown and IDispatch of every face (addin.h), then IDTExtensibility2 */

HRESULT STDMETHODCALLTYPE sg_face_qi(sg_face *f, REFIID iid, void **ret) {
        return sg_addin_qi(f->self, iid, ret);
}

ULONG STDMETHODCALLTYPE sg_face_addref(sg_face *f) {
        return sg_addin_addref(f->self);
}

ULONG STDMETHODCALLTYPE sg_face_release(sg_face *f) {
        return sg_addin_release(f->self);
}

HRESULT STDMETHODCALLTYPE sg_face_type_info_count(sg_face *f, UINT *n) {
        *n = 0;
        return S_OK;
}

HRESULT STDMETHODCALLTYPE sg_face_type_info(sg_face *f, UINT i, LCID l, ITypeInfo **ret) {
        *ret = NULL;
        return E_NOTIMPL;
}

HRESULT STDMETHODCALLTYPE sg_face_ids_of_names(sg_face *f, REFIID iid, LPOLESTR *names, UINT n, LCID l, DISPID *ids) {
        return sg_addin_ids_of_names(f->self, names, n, ids);
}

HRESULT STDMETHODCALLTYPE sg_face_invoke(sg_face *f, DISPID id, REFIID iid, LCID l, WORD flags, DISPPARAMS *dp,
                                         VARIANT *ret, EXCEPINFO *ei, UINT *ae) {
        return sg_addin_invoke(f->self, id, flags, dp, ret);
}

static HRESULT STDMETHODCALLTYPE e_on_connection(sg_face *f, IDispatch *app, int mode, IDispatch *inst,
                                                 SAFEARRAY **custom) {
        sg_addin *a = f->self;
        IConnectionPointContainer *cpc = NULL;
        HRESULT hr;

        if (!app)
                return E_INVALIDARG;
        disconnect(a);
        a->app = app;
        IDispatch_AddRef(app);
        hr = sg_sink_create(a, &a->sink);
        if (SUCCEEDED(hr))
                hr = IDispatch_QueryInterface(app, &IID_IConnectionPointContainer, (void **) &cpc);
        if (SUCCEEDED(hr))
                hr = IConnectionPointContainer_FindConnectionPoint(cpc, &SG_DIID_ApplicationEvents_11, &a->cp);
        if (cpc)
                IConnectionPointContainer_Release(cpc);
        if (SUCCEEDED(hr))
                hr = IConnectionPoint_Advise(a->cp, (IUnknown *) a->sink, &a->cookie);
        if (FAILED(hr)) {
                if (a->cp) {
                        IConnectionPoint_Release(a->cp);
                        a->cp = NULL;
                }
                disconnect(a);
        }
        if (SUCCEEDED(hr) && mode == 0) /* ext_cm_AfterStartup: no OnStartupComplete follows */
                sg_inline_attach(a);
        return hr;
}

static HRESULT STDMETHODCALLTYPE e_on_disconnection(sg_face *f, int mode, SAFEARRAY **custom) {
        disconnect(f->self);
        return S_OK;
}

static HRESULT STDMETHODCALLTYPE e_nothing(sg_face *f, SAFEARRAY **custom) {
        return S_OK;
}

/* The Explorer exists by now (not always at OnConnection). */
static HRESULT STDMETHODCALLTYPE e_on_startup_complete(sg_face *f, SAFEARRAY **custom) {
        sg_inline_attach(f->self);
        return S_OK;
}

static const ext_vtbl vtbl = {sg_face_qi,
                              sg_face_addref,
                              sg_face_release,
                              sg_face_type_info_count,
                              sg_face_type_info,
                              sg_face_ids_of_names,
                              sg_face_invoke,
                              e_on_connection,
                              e_on_disconnection,
                              e_nothing,
                              e_on_startup_complete,
                              e_nothing};

HRESULT sg_addin_create(REFIID iid, void **ret) {
        sg_addin *a = calloc(1, sizeof(*a));
        HRESULT hr;
        if (!a)
                return E_OUTOFMEMORY;
        a->ext.vtbl = &vtbl;
        a->ext.self = a;
        a->ribbon.vtbl = sg_ribbon_vtbl;
        a->ribbon.self = a;
        a->refs = 1;
        sg_module_ref();
        hr = sg_addin_qi(a, iid, ret);
        sg_addin_release(a);
        return hr;
}
