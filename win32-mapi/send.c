/* sealgate Outlook add-in: the ItemSend handler (see send.h).
 *
 * Order of precedence: a policy that blocks wins over everything; then the
 * ribbon's toggles (Encrypt, then Send securely) are the user's choice made
 * in advance and replace the prompt; then the decision (allow, route,
 * encrypt, prompt). Every path writes one audit record. */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "auditlog.h"
#include "disp.h"
#include "item.h"
#include "outlook-om.h"
#include "prompt.h"
#include "sealgate/audit.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"
#include "send.h"

/* ---- acting on the item ------------------------------------------------- */

static HRESULT set_property(IDispatch *item, const wchar_t *name, VARIANT *value) {
        IDispatch *pa;
        VARIANT args[2];
        HRESULT hr = sg_disp_get_obj(item, L"PropertyAccessor", &pa);
        if (FAILED(hr))
                return hr;
        V_VT(&args[0]) = VT_BSTR;
        V_BSTR(&args[0]) = SysAllocString(name);
        args[1] = *value;
        hr = V_BSTR(&args[0]) ? sg_disp_call(pa, L"SetProperty", args, 2, NULL) : E_OUTOFMEMORY;
        SysFreeString(V_BSTR(&args[0]));
        IDispatch_Release(pa);
        return hr;
}

static HRESULT set_header(IDispatch *item, const char *name, const char *value) {
        size_t pl = wcslen(SG_PS_INTERNET_HEADERS_PREFIX);
        wchar_t *wname = sg_wide_from_utf8(name), *full;
        VARIANT v;
        HRESULT hr;

        if (!wname)
                return E_OUTOFMEMORY;
        full = malloc((pl + wcslen(wname) + 1) * sizeof(wchar_t));
        if (!full) {
                free(wname);
                return E_OUTOFMEMORY;
        }
        wcscpy(full, SG_PS_INTERNET_HEADERS_PREFIX);
        wcscat(full, wname);
        free(wname);
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = sg_bstr_from_utf8(value);
        hr = V_BSTR(&v) ? set_property(item, full, &v) : E_OUTOFMEMORY;
        VariantClear(&v);
        free(full);
        return hr;
}

HRESULT sg_send_set_security(IDispatch *item, bool encrypt) {
        IDispatch *pa;
        VARIANT arg, cur, v;
        long flags = 0;

        /* Keep the sign bit the user may have set in Outlook. */
        if (SUCCEEDED(sg_disp_get_obj(item, L"PropertyAccessor", &pa))) {
                V_VT(&arg) = VT_BSTR;
                V_BSTR(&arg) = SysAllocString(SG_PR_SECURITY_FLAGS);
                if (V_BSTR(&arg) && SUCCEEDED(sg_disp_call(pa, L"GetProperty", &arg, 1, &cur))) {
                        if (SUCCEEDED(VariantChangeType(&cur, &cur, 0, VT_I4)))
                                flags = V_I4(&cur);
                        VariantClear(&cur);
                }
                VariantClear(&arg);
                IDispatch_Release(pa);
        }
        flags = encrypt ? (flags | SG_SECURITY_ENCRYPT) : (flags & ~(long) SG_SECURITY_ENCRYPT);
        V_VT(&v) = VT_I4;
        V_I4(&v) = flags;
        return set_property(item, SG_PR_SECURITY_FLAGS, &v);
}

static HRESULT set_subject(IDispatch *item, const char *subject) {
        VARIANT v;
        HRESULT hr;
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = sg_bstr_from_utf8(subject);
        hr = V_BSTR(&v) ? sg_disp_put(item, L"Subject", &v) : E_OUTOFMEMORY;
        VariantClear(&v);
        return hr;
}

/* Headers, then the subject when the outcome changes it. */
static HRESULT set_all(IDispatch *item, const sg_header *h, size_t n, const char *subject) {
        HRESULT hr = S_OK;
        for (size_t i = 0; i < n && SUCCEEDED(hr); i++)
                hr = set_header(item, h[i].name, h[i].value);
        if (SUCCEEDED(hr) && subject)
                hr = set_subject(item, subject);
        return hr;
}

/* ---- looking up routes and methods -------------------------------------- */

static bool has_smime(const char *const *m, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(m[i], "smime") == 0)
                        return true;
        return false;
}

bool sg_send_policy_has_smime(const sg_policy *p) {
        size_t n;
        const char *const *m = sg_policy_encrypt_methods(p, &n);
        return has_smime(m, n);
}

/* ---- the handler -------------------------------------------------------- */

static void tell(const sg_send_ctx *ctx, sg_text title, sg_text fmt, const char *arg) {
        char *text = sg_text_format_dup(ctx->lang, fmt, arg);
        sg_prompt_message(ctx->lang, ctx->owner, sg_text_get(ctx->lang, title), text ? text : "");
        free(text);
}

static void tell_block(const sg_send_ctx *ctx, const sg_decision *d) {
        char *r;
        size_t len = strlen(sg_text_get(ctx->lang, SG_T_BLOCK_HEADING)) + 4;
        char *text;

        for (size_t i = 0; i < d->n_reasons; i++)
                if (d->reasons[i].action == SG_ACTION_BLOCK && (r = sg_reason_text_dup(ctx->lang, &d->reasons[i]))) {
                        len += strlen(r) + 8;
                        free(r);
                }
        text = malloc(len);
        if (!text)
                return;
        strcpy(text, sg_text_get(ctx->lang, SG_T_BLOCK_HEADING));
        strcat(text, "\n");
        for (size_t i = 0; i < d->n_reasons; i++)
                if (d->reasons[i].action == SG_ACTION_BLOCK && (r = sg_reason_text_dup(ctx->lang, &d->reasons[i]))) {
                        strcat(text, "\n\xE2\x80\xA2 ");
                        strcat(text, r);
                        free(r);
                }
        sg_prompt_message(ctx->lang, ctx->owner, sg_text_get(ctx->lang, SG_T_BLOCK_TITLE), text);
        free(text);
}

/* Apply outcome `o` to the item; true when the send goes ahead. Encrypt:
 * Outlook's S/MIME when "smime" is among the methods, else the first
 * fallback route, else nothing is sent. */
static bool apply(const sg_send_ctx *ctx, IDispatch *item, const sg_decision *d, sg_outcome *o) {
        HRESULT hr = S_OK;
        switch (o->action) {
        case SG_OUTCOME_SEND:
        case SG_OUTCOME_ROUTE:
                hr = set_all(item, o->headers, o->n_headers, o->subject);
                break;
        case SG_OUTCOME_ENCRYPT:
                if (has_smime((const char *const *) o->encrypt_methods, o->n_encrypt_methods)) {
                        hr = sg_send_set_security(item, true);
                        if (SUCCEEDED(hr))
                                hr = set_all(item, o->headers, o->n_headers, NULL);
                } else if (o->n_fallback) {
                        hr = set_all(item, o->fallback[0].headers, o->fallback[0].n_headers, o->fallback[0].subject);
                } else {
                        tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_ENCRYPT, NULL);
                        sg_outcome_encrypt_unavailable(o);
                        return false;
                }
                break;
        case SG_OUTCOME_BLOCK:
                tell_block(ctx, d);
                return false;
        default:
                return false;
        }
        if (FAILED(hr)) {
                o->action = SG_OUTCOME_CANCEL;
                o->audit = SG_AUDIT_CANCELLED;
                return false;
        }
        return true;
}

static void audit(const sg_send_ctx *ctx, const sg_item *it, const sg_decision *d, const sg_outcome *o,
                  const sg_outcome_input *in) {
        char attempt[33];
        char *user = sg_auditlog_user_dup();
        sg_audit_record rec = {0};
        sg_error err;

        sg_auditlog_attempt_id(attempt);
        sg_outcome_audit_record(o, d, in, &rec);
        rec.time_ms = sg_auditlog_now_ms();
        rec.attempt = attempt;
        rec.client = "outlook";
        rec.user = user;
        rec.sender = it->from;
        (void) sg_auditlog_write(ctx->policy, &rec, &err);
        free(user);
}

/* The outcome for this send (send-input.c says which choice counts), applied
 * to the item and recorded. Returns whether the send is cancelled. */
static bool run(const sg_send_ctx *ctx, IDispatch *item, const sg_item *it, const sg_decision *d) {
        sg_choice own = {0};
        sg_prompt_answer ans = {0};
        sg_outcome_input in;
        sg_outcome *o = NULL;
        sg_error err;
        bool sent, asked = sg_send_needs_prompt(d, ctx->encrypt_toggle, ctx->portal_toggle);

        if (asked) {
                sg_prompt_input pin = {ctx->lang, d, it->subject, it->unresolved, it->n_unresolved, ctx->owner};
                sg_prompt_ask(&pin, &ans);
        }
        if (!sg_send_outcome_input(ctx->policy, d, ctx->encrypt_toggle, ctx->portal_toggle, asked ? &ans : NULL,
                                   it->subject, &own, &in))
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_PORTAL, NULL);
        if (sg_outcome_new(d, &in, &o, &err)) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, err.message);
                free(ans.justification);
                return true;
        }
        sent = apply(ctx, item, d, o);
        audit(ctx, it, d, o, &in);
        sg_outcome_free(o);
        free(ans.justification);
        return !sent;
}

bool sg_send_handle(const sg_send_ctx *ctx, IDispatch *item) {
        sg_item it;
        sg_decision *d = NULL;
        sg_error err = {0};
        bool cancel;
        long cls = 0;

        if (FAILED(sg_disp_get_long(item, L"Class", &cls)) || cls != SG_OL_MAIL)
                return false; /* meeting requests, task requests: not mail */
        if (!ctx->policy) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_POLICY, ctx->policy_error ? ctx->policy_error->message : "");
                return true;
        }
        if (sg_item_read(item, &it, &err)) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, err.message);
                return true;
        }
        if (sg_policy_evaluate(ctx->policy, &it.msg, &d, &err)) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, err.message);
                sg_item_clear(&it);
                return true;
        }
        if (sg_policy_audit(ctx->policy)->required && sg_auditlog_check(ctx->policy, &err)) {
                /* audit.required: fail closed before anything is changed. */
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_AUDIT, err.message);
                sg_decision_free(d);
                sg_item_clear(&it);
                return true;
        }
        cancel = run(ctx, item, &it, d);
        sg_decision_free(d);
        sg_item_clear(&it);
        return cancel;
}
