/* sealgate Outlook add-in: the ribbon (see ribbon.h).
 *
 * The group shows what the message would get now, as the Thunderbird
 * compose button does: one state button per state of the engine's button
 * (core/engine/button.c, through ribbon-state.c), only the one that holds
 * visible (getVisible: each has its own image), with the same catalog
 * texts (composeActionLabelState, composeState*). The item is read and
 * evaluated as at Send (item.c, the policy, the toggles), once per ribbon
 * refresh (the callbacks of one refresh share one evaluation).
 *
 * The compose window's ribbon is Microsoft.Outlook.Mail.Compose; replies
 * written in the reading pane use the Explorer's ribbon, so the same group
 * goes into its TabComposeTools contextual tab set. A callback's control
 * gives the window through Context: an Inspector (CurrentItem) or an
 * Explorer (ActiveInlineResponse). */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "disp.h"
#include "item.h"
#include "outlook-om.h"
#include "ribbon-state.h"
#include "ribbon.h"
#include "sealgate/util.h"
#include "send.h"
#include "window.h"

static void forget(void);

enum {
        CB_ON_LOAD = 100,
        CB_ON_TOGGLE,
        CB_GET_PRESSED,
        CB_GET_LABEL,
        CB_GET_SCREENTIP,
        CB_GET_SUPERTIP,
        CB_GET_VISIBLE,
        CB_ON_STATE,
};

static const struct {
        const wchar_t *name;
        DISPID id;
} callbacks[] = {
        {L"sgOnLoad", CB_ON_LOAD},         {L"sgOnToggle", CB_ON_TOGGLE},         {L"sgGetPressed", CB_GET_PRESSED},
        {L"sgGetLabel", CB_GET_LABEL},     {L"sgGetScreentip", CB_GET_SCREENTIP}, {L"sgGetSupertip", CB_GET_SUPERTIP},
        {L"sgGetVisible", CB_GET_VISIBLE}, {L"sgOnState", CB_ON_STATE},
};

/* One state button: shown only for its states (getVisible), its label and
 * tips the state's words; a click checks again. */
#define STATE_XML(id, image)                                                                                           \
        "<button id=\"" id "\" size=\"large\" imageMso=\"" image "\" getLabel=\"sgGetLabel\" "                         \
        "getScreentip=\"sgGetScreentip\" getSupertip=\"sgGetSupertip\" getVisible=\"sgGetVisible\" "                   \
        "onAction=\"sgOnState\"/>"

/* clang-format off */
#define GROUP_XML                                                                                                      \
        "<group id=\"sgGroup\" getLabel=\"sgGetLabel\">"                                                               \
        STATE_XML("sgStateNormal", "AcceptInvitation")                                                                 \
        STATE_XML("sgStateEncrypt", "EncryptMessage")                                                                  \
        STATE_XML("sgStateRoute", "FileSendAsAttachment")                                                              \
        STATE_XML("sgStatePrompt", "TentativeAcceptInvitation")                                                        \
        STATE_XML("sgStateBlock", "DeclineInvitation")                                                                 \
        "<toggleButton id=\"sgEncrypt\" size=\"large\" imageMso=\"EncryptMessage\" getLabel=\"sgGetLabel\" "           \
        "getScreentip=\"sgGetScreentip\" getSupertip=\"sgGetSupertip\" getPressed=\"sgGetPressed\" "                   \
        "onAction=\"sgOnToggle\"/>"                                                                                    \
        "<toggleButton id=\"sgPortal\" size=\"large\" imageMso=\"FileSendAsAttachment\" getLabel=\"sgGetLabel\" "      \
        "getScreentip=\"sgGetScreentip\" getSupertip=\"sgGetSupertip\" getPressed=\"sgGetPressed\" "                   \
        "onAction=\"sgOnToggle\"/>"                                                                                    \
        "</group>"
/* clang-format on */

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
        forget();
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

/* The controls: the group, the two toggles, and the state buttons in the
 * order of the XML. */
enum {
        K_GROUP = 0,
        K_ENCRYPT,
        K_PORTAL,
        K_STATE_NORMAL,
        K_STATE_ENCRYPT,
        K_STATE_ROUTE,
        K_STATE_PROMPT,
        K_STATE_BLOCK
};

static const char *const control_ids[] = {"sgGroup",        "sgEncrypt",    "sgPortal",      "sgStateNormal",
                                          "sgStateEncrypt", "sgStateRoute", "sgStatePrompt", "sgStateBlock"};

/* One of K_*, -1 unknown. */
static int control_kind(IDispatch *control) {
        char *id = NULL;
        int k = -1;
        if (FAILED(sg_disp_get_utf8(control, L"Id", &id)))
                return -1;
        for (int i = 0; i < (int) (sizeof control_ids / sizeof control_ids[0]) && k < 0; i++)
                if (strcmp(id, control_ids[i]) == 0)
                        k = i;
        free(id);
        return k;
}

/* The state button that shows engine state `s`. */
static int state_kind(sg_button_state s) {
        switch (s) {
        case SG_BUTTON_ENCRYPT:
                return K_STATE_ENCRYPT;
        case SG_BUTTON_ROUTE:
                return K_STATE_ROUTE;
        case SG_BUTTON_PROMPT:
                return K_STATE_PROMPT;
        case SG_BUTTON_BLOCK:
                return K_STATE_BLOCK;
        default:
                return K_STATE_NORMAL; /* normal, and empty (no recipients yet) */
        }
}

/* ---- the state: the item evaluated as at Send ---------------------------- */

/* The callbacks of one ribbon refresh (getVisible of five buttons, labels,
 * tips) share one evaluation of the item: kept this long, for the same item
 * object, policy and language. */
#define VIEW_TTL_MS 1000

typedef struct view {
        sg_button b;           /* borrows from d and the policy */
        sg_decision *d;        /* NULL: the message could not be checked */
        sg_ribbon_ready ready; /* certificates: UNKNOWN when the policy has no "smime" (not looked up) */
        size_t not_ready;      /* NO: recipients without a certificate, or unresolved */
        char *why;             /* the reasons in words, one a line (owned), or NULL */
} view;

static struct {
        IDispatch *item; /* compared, never used: the item of the last evaluation */
        const sg_policy *policy;
        sg_lang lang;
        DWORD at;
        bool valid;
        view v;
} cache;

static void view_clear(view *v) {
        sg_decision_free(v->d);
        free(v->why);
        memset(v, 0, sizeof *v);
}

static void forget(void) {
        view_clear(&cache.v);
        cache.valid = false;
}

static char *reasons_dup(sg_lang lang, const sg_decision *d) {
        char *out = NULL;
        size_t len = 0;
        for (size_t i = 0; i < d->n_reasons; i++) {
                char *r = sg_reason_text_dup(lang, &d->reasons[i]);
                char *nb = r ? realloc(out, len + strlen(r) + 2) : NULL;
                if (!nb) {
                        free(r);
                        break;
                }
                out = nb;
                if (len)
                        out[len++] = '\n';
                strcpy(out + len, r);
                len += strlen(r);
                free(r);
        }
        return out;
}

/* Read and evaluate the item as ItemSend does (send.c), nothing changed. */
static void evaluate(sg_addin *a, IDispatch *item, IDispatch *frame, view *v) {
        const sg_policy *p = sg_addin_policy(a);
        const char *names[SG_ITEM_HEADERS_MAX];
        sg_item_opts opts = {0};
        sg_item it;
        sg_error err;
        bool enc, portal, smime;

        memset(v, 0, sizeof *v);
        v->ready = SG_RIBBON_READY_UNKNOWN;
        sg_button_unchecked(&v->b);
        if (!p)
                return;
        smime = sg_send_policy_has_smime(p);
        opts.certs = smime;
        while (opts.n_header_names < SG_ITEM_HEADERS_MAX &&
               (names[opts.n_header_names] = sg_policy_header_trigger_name(p, opts.n_header_names)))
                opts.n_header_names++;
        opts.header_names = names;
        opts.related = sg_policy_checks_new_domain(p);
        opts.texts = sg_policy_reads_texts(p);
        if (sg_item_read(item, &opts, &it, &err))
                return;
        if (sg_policy_evaluate(p, &it.msg, &v->d, &err)) {
                v->d = NULL;
                sg_item_clear(&it);
                return;
        }
        if (smime) {
                v->ready = sg_item_all_certs(&it) ? SG_RIBBON_READY_YES : SG_RIBBON_READY_NO;
                v->not_ready = it.n_no_cert + it.n_unresolved;
        }
        sg_ribbon_toggles(item, &enc, &portal);
        /* Outlook's own Encrypt button counts as the toggle, as at Send. */
        enc = enc || (smime && !portal && sg_send_outlook_encrypts(frame, item));
        /* Without "smime" Outlook cannot encrypt at all: Send takes the fallback. */
        sg_ribbon_button(p, v->d, enc, portal, smime ? v->ready : SG_RIBBON_READY_NO, &v->b);
        v->why = reasons_dup(sg_addin_lang(a), v->d);
        sg_item_clear(&it);
}

/* The view of the control's item (the cache's; NULL when the control has no item). */
static const view *view_of(sg_addin *a, IDispatch *control) {
        IDispatch *frame, *item = control_item(control, &frame);
        const sg_policy *p;
        sg_lang lang;
        if (!item)
                return NULL;
        p = sg_addin_policy(a);
        lang = sg_addin_lang(a);
        if (!cache.valid || cache.item != item || cache.policy != p || cache.lang != lang ||
            GetTickCount() - cache.at > VIEW_TTL_MS) {
                forget();
                evaluate(a, item, frame, &cache.v);
                cache.item = item;
                cache.policy = p;
                cache.lang = lang;
                cache.at = GetTickCount();
                cache.valid = true;
        }
        IDispatch_Release(item);
        if (frame)
                IDispatch_Release(frame);
        return &cache.v;
}

static const struct {
        const char *id;
        sg_text t;
} state_texts[] = {
        {"composeStateEmpty", SG_T_COMPOSESTATEEMPTY},     {"composeStateNormal", SG_T_COMPOSESTATENORMAL},
        {"composeStateEncrypt", SG_T_COMPOSESTATEENCRYPT}, {"composeStatePortal", SG_T_COMPOSESTATEPORTAL},
        {"composeStateRoute", SG_T_COMPOSESTATEROUTE},     {"composeStatePrompt", SG_T_COMPOSESTATEPROMPT},
        {"composeStateBlock", SG_T_COMPOSESTATEBLOCK},     {"composeStateMessageError", SG_T_COMPOSESTATEMESSAGEERROR},
};

/* "Secure send: <the state's words>", the Thunderbird button's label. Owned. */
static char *state_label_dup(sg_lang lang, const sg_button *b) {
        sg_text t = SG_T_COMPOSESTATEMESSAGEERROR;
        const char *arg = sg_button_arg(b, lang == SG_LANG_JA);
        char *words, *label;
        for (size_t i = 0; i < sizeof state_texts / sizeof state_texts[0]; i++)
                if (strcmp(state_texts[i].id, b->text) == 0)
                        t = state_texts[i].t;
        words = arg ? sg_text_format_dup(lang, t, arg) : sg_strdup(sg_text_get(lang, t));
        label = words ? sg_text_format_dup(lang, SG_T_COMPOSEACTIONLABELSTATE, words) : NULL;
        free(words);
        return label;
}

/* The Encrypt toggle's tip: what it does, and whether Outlook can encrypt
 * to every recipient where the add-in looked it up. Owned. */
static char *encrypt_tip_dup(sg_lang lang, const view *v) {
        const char *base = sg_text_get(lang, SG_T_ENCRYPT_SUPERTIP);
        char num[24], *line, *out;
        if (!v || v->ready == SG_RIBBON_READY_UNKNOWN)
                return sg_strdup(base);
        if (v->ready == SG_RIBBON_READY_YES) {
                line = sg_text_format_dup(lang, SG_T_POPUPREADY, "S/MIME");
        } else {
                snprintf(num, sizeof num, "%u", (unsigned) v->not_ready);
                line = sg_text_format_dup(lang, SG_T_PROMPT_NO_CERT, num);
        }
        out = line ? sg_subst2_dup("%s\n%s", base, line) : NULL;
        free(line);
        return out ? out : sg_strdup(base);
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
        static const wchar_t *const ids[] = {L"sgEncrypt",    L"sgPortal",      L"sgStateNormal", L"sgStateEncrypt",
                                             L"sgStateRoute", L"sgStatePrompt", L"sgStateBlock"};
        forget();
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
                invalidate(a, ids[i]);
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

        if (kind != K_ENCRYPT && kind != K_PORTAL)
                return;
        item = control_item(control, &frame);
        if (!item)
                return;
        sg_ribbon_toggles(item, &enc, &portal);
        if (kind == K_ENCRYPT) {
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
        /* The other toggle, and the state the new choice gives. */
        sg_ribbon_invalidate(a);
}

static const sg_text label_texts[3][3] = {
        {SG_T_GROUP, SG_T_GROUP, SG_T_GROUP},
        {SG_T_ENCRYPT_LABEL, SG_T_ENCRYPT_TIP, SG_T_ENCRYPT_SUPERTIP},
        {SG_T_PORTAL_LABEL, SG_T_PORTAL_TIP, SG_T_PORTAL_SUPERTIP},
};

static HRESULT ret_bool(VARIANT *ret, bool b) {
        if (ret) {
                VariantInit(ret);
                V_VT(ret) = VT_BOOL;
                V_BOOL(ret) = b ? VARIANT_TRUE : VARIANT_FALSE;
        }
        return S_OK;
}

/* Takes `s` (owned UTF-8; NULL: out of memory). */
static HRESULT ret_text(VARIANT *ret, char *s) {
        HRESULT hr = S_OK;
        if (ret) {
                VariantInit(ret);
                V_VT(ret) = VT_BSTR;
                V_BSTR(ret) = s ? sg_bstr_from_utf8(s) : NULL;
                if (!V_BSTR(ret))
                        hr = E_OUTOFMEMORY;
        }
        free(s);
        return hr;
}

/* getLabel, getScreentip, getSupertip (`which` 0, 1, 2) of control `kind`. */
static HRESULT get_text(sg_addin *a, IDispatch *control, int kind, int which, VARIANT *ret) {
        sg_lang lang = sg_addin_lang(a);
        const view *v;
        if (kind >= K_STATE_NORMAL) {
                v = view_of(a, control);
                if (!v)
                        return ret_text(ret, sg_strdup(""));
                if (which == 2 && v->why)
                        return ret_text(ret, sg_strdup(v->why));
                return ret_text(ret, state_label_dup(lang, &v->b));
        }
        if (kind == K_ENCRYPT && which == 2)
                return ret_text(ret, encrypt_tip_dup(lang, view_of(a, control)));
        return ret_text(ret, sg_strdup(sg_text_get(lang, label_texts[kind][which])));
}

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
        case CB_ON_STATE: /* a click on the state: check again now */
                sg_ribbon_invalidate(a);
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
                return ret_bool(ret, kind == K_ENCRYPT ? enc : kind == K_PORTAL ? portal : false);
        }
        case CB_GET_VISIBLE: {
                const view *v;
                control = arg_dispatch(&dp->rgvarg[dp->cArgs - 1]);
                kind = control ? control_kind(control) : -1;
                if (kind < K_STATE_NORMAL)
                        return ret_bool(ret, kind >= 0);
                v = view_of(a, control);
                /* No item (a window the add-in cannot read): the normal state's button, empty. */
                return ret_bool(ret, v ? state_kind(v->b.state) == kind : kind == K_STATE_NORMAL);
        }
        case CB_GET_LABEL:
        case CB_GET_SCREENTIP:
        case CB_GET_SUPERTIP:
                control = arg_dispatch(&dp->rgvarg[dp->cArgs - 1]);
                kind = control ? control_kind(control) : -1;
                if (kind < 0)
                        return E_INVALIDARG;
                return get_text(a, control, kind, (int) (id - CB_GET_LABEL), ret);
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
