/* sealgate Outlook add-in: the add-in object Outlook creates. One COM object
 * with three faces: IDTExtensibility2 (connection), IRibbonExtensibility
 * (ribbon XML) and IDispatch (the ribbon's callbacks, by name). It owns the
 * ItemSend sink, the policy (loaded at the first send) and the ribbons; the
 * toggles are kept on the items themselves (ribbon.c). */
#ifndef SG_ADDIN_H
#define SG_ADDIN_H

#include <stdbool.h>

#include <windows.h>

#include <ocidl.h>

#include "sealgate/policy.h"
#include "strings.h"

#define SG_RIBBON_UIS_MAX 16 /* ribbons (Explorer, compose windows) refreshed after a toggle */

typedef struct sg_addin sg_addin;

/* The vtable "faces": each starts with its vtable pointer and points back to
 * the object. */
typedef struct sg_face {
        const void *vtbl;
        sg_addin *self;
} sg_face;

struct sg_addin {
        sg_face ext;    /* IDTExtensibility2 (also the IDispatch / IUnknown identity) */
        sg_face ribbon; /* IRibbonExtensibility */
        LONG refs;
        IDispatch *app;       /* Outlook's Application, held while connected */
        IDispatch *sink;      /* our ApplicationEvents_11 sink */
        IConnectionPoint *cp; /* where the sink is advised */
        DWORD cookie;
        IDispatch *ribbon_uis[SG_RIBBON_UIS_MAX]; /* every IRibbonUI from onLoad, to refresh toggles */
        size_t n_ribbon_uis;
        sg_policy *policy;     /* NULL until the first send or toggle */
        sg_error policy_error; /* why it could not be loaded */
        bool lang_known;
        sg_lang lang;
        bool busy;             /* an ItemSend is being handled (a nested one is cancelled) */
        struct sg_inline *inl; /* inline responses (inline.c), NULL before OnStartupComplete */
};

/* New add-in object with one reference, as IUnknown (the ext face). */
HRESULT sg_addin_create(REFIID iid, void **ret);

/* Load the policy if not loaded yet; NULL when it cannot be. */
const sg_policy *sg_addin_policy(sg_addin *a);
/* The UI language: Office's (Application.LanguageSettings) or Windows'. */
sg_lang sg_addin_lang(sg_addin *a);
/* Handle ItemSend for `item`; returns true to cancel. */
bool sg_addin_item_send(sg_addin *a, IDispatch *item);

/* The object's IUnknown and IDispatch, shared by its faces. */
HRESULT sg_addin_qi(sg_addin *a, REFIID iid, void **ret);
ULONG sg_addin_addref(sg_addin *a);
ULONG sg_addin_release(sg_addin *a);
HRESULT sg_addin_ids_of_names(sg_addin *a, LPOLESTR *names, UINT n, DISPID *ids);
HRESULT sg_addin_invoke(sg_addin *a, DISPID id, WORD flags, DISPPARAMS *dp, VARIANT *ret);

/* IUnknown and IDispatch for any face of the add-in: each forwards to the
 * add-in object (f->self), so every face has one identity and one dispatch
 * table. The first seven entries of each face's vtable. */
HRESULT STDMETHODCALLTYPE sg_face_qi(sg_face *f, REFIID iid, void **ret);
ULONG STDMETHODCALLTYPE sg_face_addref(sg_face *f);
ULONG STDMETHODCALLTYPE sg_face_release(sg_face *f);
HRESULT STDMETHODCALLTYPE sg_face_type_info_count(sg_face *f, UINT *n);
HRESULT STDMETHODCALLTYPE sg_face_type_info(sg_face *f, UINT i, LCID l, ITypeInfo **ret);
HRESULT STDMETHODCALLTYPE sg_face_ids_of_names(sg_face *f, REFIID iid, LPOLESTR *names, UINT n, LCID l, DISPID *ids);
HRESULT STDMETHODCALLTYPE sg_face_invoke(sg_face *f, DISPID id, REFIID iid, LCID l, WORD flags, DISPPARAMS *dp,
                                         VARIANT *ret, EXCEPINFO *ei, UINT *ae);

#endif
