/* sealgate Outlook add-in: the ribbon (see ribbon.h).
 *
 * The compose window's ribbon is Microsoft.Outlook.Mail.Compose; replies
 * written in the reading pane use the Explorer's ribbon, so the same group
 * goes into its TabComposeTools contextual tab set. A callback's control
 * gives the window through Context: an Inspector (CurrentItem) or an
 * Explorer (ActiveInlineResponse). */
#define COBJMACROS
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "disp.h"
#include "outlook-om.h"
#include "ribbon.h"
#include "sealgate/util.h"
#include "send.h"
#include "window.h"

enum {
        CB_ON_LOAD = 100,
        CB_ON_TOGGLE,
        CB_GET_PRESSED,
        CB_GET_LABEL,
        CB_GET_SCREENTIP,
        CB_GET_SUPERTIP,
};

static const struct {
        const wchar_t *name;
        DISPID id;
} callbacks[] = {
        {L"sgOnLoad", CB_ON_LOAD},     {L"sgOnToggle", CB_ON_TOGGLE},         {L"sgGetPressed", CB_GET_PRESSED},
        {L"sgGetLabel", CB_GET_LABEL}, {L"sgGetScreentip", CB_GET_SCREENTIP}, {L"sgGetSupertip", CB_GET_SUPERTIP},
};

#define GROUP_XML                                                                                                      \
        "<group id=\"sgGroup\" getLabel=\"sgGetLabel\">"                                                               \
        "<toggleButton id=\"sgEncrypt\" size=\"large\" imageMso=\"EncryptMessage\" getLabel=\"sgGetLabel\" "           \
        "getScreentip=\"sgGetScreentip\" getSupertip=\"sgGetSupertip\" getPressed=\"sgGetPressed\" "                   \
        "onAction=\"sgOnToggle\"/>"                                                                                    \
        "<toggleButton id=\"sgPortal\" size=\"large\" imageMso=\"FileSendAsAttachment\" getLabel=\"sgGetLabel\" "      \
        "getScreentip=\"sgGetScreentip\" getSupertip=\"sgGetSupertip\" getPressed=\"sgGetPressed\" "                   \
        "onAction=\"sgOnToggle\"/>"                                                                                    \
        "</group>"

#define CUSTOMUI_OPEN                                                                                                  \
        "<customUI xmlns=\"http://schemas.microsoft.com/office/2009/07/customui\" onLoad=\"sgOnLoad\"><ribbon>"

static const char compose_xml[] =
        CUSTOMUI_OPEN "<tabs><tab idMso=\"TabNewMailMessage\">" GROUP_XML "</tab></tabs></ribbon></customUI>";
static const char explorer_xml[] =
        CUSTOMUI_OPEN "<contextualTabs><tabSet idMso=\"TabComposeTools\"><tab idMso=\"TabMessage\">" GROUP_XML
                      "</tab></tabSet></contextualTabs></ribbon></customUI>";

char *sg_ribbon_xml_dup(const wchar_t *id) {
        if (id && wcscmp(id, L"Microsoft.Outlook.Mail.Compose") == 0)
                return sg_strdup(compose_xml);
        if (id && wcscmp(id, L"Microsoft.Outlook.Explorer") == 0)
                return sg_strdup(explorer_xml);
        return NULL;
}

DISPID sg_ribbon_dispid(const wchar_t *name) {
        for (size_t i = 0; i < sizeof(callbacks) / sizeof(callbacks[0]); i++)
                if (_wcsicmp(name, callbacks[i].name) == 0)
                        return callbacks[i].id;
        return DISPID_UNKNOWN;
}

/* ---- toggles per item: the sgToggle named property ------------------------ */

static char *toggle_of(IDispatch *item) {
        return sg_disp_accessor_string(item, SG_PROP_TOGGLE);
}

static void set_toggle(IDispatch *item, const wchar_t *value) {
        IDispatch *pa;
        VARIANT args[2];
        if (FAILED(sg_disp_get_obj(item, L"PropertyAccessor", &pa)))
                return;
        V_VT(&args[0]) = VT_BSTR;
        V_BSTR(&args[0]) = SysAllocString(SG_PROP_TOGGLE);
        V_VT(&args[1]) = VT_BSTR;
        V_BSTR(&args[1]) = SysAllocString(value);
        if (V_BSTR(&args[0]) && V_BSTR(&args[1]))
                sg_disp_call(pa, L"SetProperty", args, 2, NULL);
        VariantClear(&args[0]);
        VariantClear(&args[1]);
        IDispatch_Release(pa);
}

void sg_ribbon_toggles(IDispatch *item, bool *encrypt, bool *portal) {
        char *t = toggle_of(item);
        *encrypt = t && strcmp(t, "encrypt") == 0;
        *portal = t && strcmp(t, "portal") == 0;
        free(t);
}

void sg_ribbon_clear(sg_addin *a) {
        for (size_t i = 0; i < a->n_ribbon_uis; i++)
                IDispatch_Release(a->ribbon_uis[i]);
        a->n_ribbon_uis = 0;
}

/* ---- callbacks ------------------------------------------------------------ */

/* The control's item; *ret_frame (when not NULL) gets its window, held. */
static IDispatch *control_item(IDispatch *control, IDispatch **ret_frame) {
        IDispatch *ctx, *item = NULL;
        if (ret_frame)
                *ret_frame = NULL;
        if (FAILED(sg_disp_get_obj(control, L"Context", &ctx)))
                return NULL;
        if (FAILED(sg_disp_get_obj(ctx, L"CurrentItem", &item)) &&
            FAILED(sg_disp_get_obj(ctx, L"ActiveInlineResponse", &item)))
                item = NULL;
        if (ret_frame && item)
                *ret_frame = ctx;
        else
                IDispatch_Release(ctx);
        return item;
}

/* 0 group, 1 Encrypt, 2 Send securely, -1 unknown */
static int control_kind(IDispatch *control) {
        char *id = NULL;
        int k = -1;
        if (FAILED(sg_disp_get_utf8(control, L"Id", &id)))
                return -1;
        if (strcmp(id, "sgGroup") == 0)
                k = 0;
        else if (strcmp(id, "sgEncrypt") == 0)
                k = 1;
        else if (strcmp(id, "sgPortal") == 0)
                k = 2;
        free(id);
        return k;
}

static IDispatch *arg_dispatch(VARIANT *v) {
        if (V_VT(v) == VT_DISPATCH)
                return V_DISPATCH(v);
        if (V_VT(v) == (VT_DISPATCH | VT_BYREF) && V_DISPATCHREF(v))
                return *V_DISPATCHREF(v);
        return NULL;
}

static bool arg_bool(VARIANT *v) {
        if (V_VT(v) == VT_BOOL)
                return V_BOOL(v) != VARIANT_FALSE;
        if (V_VT(v) == (VT_BOOL | VT_BYREF) && V_BOOLREF(v))
                return *V_BOOLREF(v) != VARIANT_FALSE;
        return false;
}

/* Every ribbon: the Explorer's and each compose window's (Outlook reuses
 * them across windows and calls getPressed again only when invalidated). */
static void invalidate(sg_addin *a, const wchar_t *control) {
        VARIANT arg;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(control);
        for (size_t i = 0; V_BSTR(&arg) && i < a->n_ribbon_uis; i++)
                sg_disp_call(a->ribbon_uis[i], L"InvalidateControl", &arg, 1, NULL);
        VariantClear(&arg);
}

void sg_ribbon_invalidate(sg_addin *a) {
        invalidate(a, L"sgEncrypt");
        invalidate(a, L"sgPortal");
}

/* Encrypt on: Outlook's own Encrypt button on the window is pressed too
 * (read at send, where the certificates decide), or for a window without
 * it the encrypt bit; off again with the toggle. */
static void outlook_encrypt(sg_addin *a, IDispatch *frame, IDispatch *item, bool on) {
        const sg_policy *p = sg_addin_policy(a);
        if (on && (!p || !sg_send_policy_has_smime(p)))
                return;
        if (sg_window_pressed(frame, SG_MSO_ENCRYPT) >= 0)
                sg_window_set(frame, SG_MSO_ENCRYPT, on);
        else if (on || sg_send_security_on(item))
                sg_send_set_security(item, on);
}

static void on_toggle(sg_addin *a, IDispatch *control, bool pressed) {
        int kind = control_kind(control);
        IDispatch *item, *frame;
        bool enc, portal;

        if (kind != 1 && kind != 2)
                return;
        item = control_item(control, &frame);
        if (!item)
                return;
        sg_ribbon_toggles(item, &enc, &portal);
        if (kind == 1) {
                if (pressed != enc)
                        outlook_encrypt(a, frame, item, pressed);
                set_toggle(item, pressed ? L"encrypt" : L"");
        } else {
                if (pressed && enc)
                        outlook_encrypt(a, frame, item, false);
                set_toggle(item, pressed ? L"portal" : L"");
        }
        IDispatch_Release(item);
        if (frame)
                IDispatch_Release(frame);
        invalidate(a, kind == 1 ? L"sgPortal" : L"sgEncrypt");
}

static const sg_text label_texts[3][3] = {
        {SG_T_GROUP, SG_T_GROUP, SG_T_GROUP},
        {SG_T_ENCRYPT_LABEL, SG_T_ENCRYPT_TIP, SG_T_ENCRYPT_SUPERTIP},
        {SG_T_PORTAL_LABEL, SG_T_PORTAL_TIP, SG_T_PORTAL_SUPERTIP},
};

HRESULT sg_ribbon_invoke(sg_addin *a, DISPID id, DISPPARAMS *dp, VARIANT *ret) {
        IDispatch *control;
        int kind;

        if (!dp || dp->cArgs < 1)
                return DISP_E_BADPARAMCOUNT;
        switch (id) {
        case CB_ON_LOAD: {
                IDispatch *ui = arg_dispatch(&dp->rgvarg[0]);
                if (!ui)
                        return S_OK;
                if (a->n_ribbon_uis == SG_RIBBON_UIS_MAX) { /* the oldest goes */
                        IDispatch_Release(a->ribbon_uis[0]);
                        memmove(&a->ribbon_uis[0], &a->ribbon_uis[1],
                                (SG_RIBBON_UIS_MAX - 1) * sizeof(a->ribbon_uis[0]));
                        a->n_ribbon_uis--;
                }
                a->ribbon_uis[a->n_ribbon_uis++] = ui;
                IDispatch_AddRef(ui);
                return S_OK;
        }
        case CB_ON_TOGGLE:
                if (dp->cArgs != 2)
                        return DISP_E_BADPARAMCOUNT;
                control = arg_dispatch(&dp->rgvarg[1]);
                if (control)
                        on_toggle(a, control, arg_bool(&dp->rgvarg[0]));
                return S_OK;
        case CB_GET_PRESSED: {
                bool enc = false, portal = false;
                IDispatch *item;
                control = arg_dispatch(&dp->rgvarg[dp->cArgs - 1]);
                kind = control ? control_kind(control) : -1;
                item = control ? control_item(control, NULL) : NULL;
                if (item) {
                        sg_ribbon_toggles(item, &enc, &portal);
                        IDispatch_Release(item);
                }
                if (ret) {
                        VariantInit(ret);
                        V_VT(ret) = VT_BOOL;
                        V_BOOL(ret) = (kind == 1 ? enc : kind == 2 ? portal : false) ? VARIANT_TRUE : VARIANT_FALSE;
                }
                return S_OK;
        }
        case CB_GET_LABEL:
        case CB_GET_SCREENTIP:
        case CB_GET_SUPERTIP:
                control = arg_dispatch(&dp->rgvarg[dp->cArgs - 1]);
                kind = control ? control_kind(control) : -1;
                if (kind < 0)
                        return E_INVALIDARG;
                if (ret) {
                        VariantInit(ret);
                        V_VT(ret) = VT_BSTR;
                        V_BSTR(ret) =
                                sg_bstr_from_utf8(sg_text_get(sg_addin_lang(a), label_texts[kind][id - CB_GET_LABEL]));
                        if (!V_BSTR(ret))
                                return E_OUTOFMEMORY;
                }
                return S_OK;
        default:
                return DISP_E_MEMBERNOTFOUND;
        }
}

/* ---- IRibbonExtensibility ------------------------------------------------- */

typedef struct ribbon_vtbl {
        HRESULT(STDMETHODCALLTYPE *QueryInterface)(sg_face *, REFIID, void **);
        ULONG(STDMETHODCALLTYPE *AddRef)(sg_face *);
        ULONG(STDMETHODCALLTYPE *Release)(sg_face *);
        HRESULT(STDMETHODCALLTYPE *GetTypeInfoCount)(sg_face *, UINT *);
        HRESULT(STDMETHODCALLTYPE *GetTypeInfo)(sg_face *, UINT, LCID, ITypeInfo **);
        HRESULT(STDMETHODCALLTYPE *GetIDsOfNames)(sg_face *, REFIID, LPOLESTR *, UINT, LCID, DISPID *);
        HRESULT(STDMETHODCALLTYPE *Invoke)
        (sg_face *, DISPID, REFIID, LCID, WORD, DISPPARAMS *, VARIANT *, EXCEPINFO *, UINT *);
        HRESULT(STDMETHODCALLTYPE *GetCustomUI)(sg_face *, BSTR, BSTR *);
} ribbon_vtbl;

static HRESULT STDMETHODCALLTYPE r_get_custom_ui(sg_face *f, BSTR id, BSTR *ret) {
        char *xml;
        if (!ret)
                return E_POINTER;
        *ret = NULL;
        xml = sg_ribbon_xml_dup(id);
        if (!xml)
                return S_OK; /* not our ribbon: no customisation */
        *ret = sg_bstr_from_utf8(xml);
        free(xml);
        return *ret ? S_OK : E_OUTOFMEMORY;
}

static const ribbon_vtbl vtbl = {sg_face_qi,        sg_face_addref,       sg_face_release, sg_face_type_info_count,
                                 sg_face_type_info, sg_face_ids_of_names, sg_face_invoke,  r_get_custom_ui};
const void *const sg_ribbon_vtbl = &vtbl;
