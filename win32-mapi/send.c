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
#include "sealgate/util.h"
#include "send.h"

#define EWORD_CHUNK_MAX 45 /* bytes per RFC 2047 encoded-word: 60 base64 chars */

typedef struct act {
        const sg_choice *choice; /* the choice taken (prompt), or NULL */
        sg_choice synth;         /* a choice made by a toggle */
        const char *by;
        char *justification;
        const char *prompt_error;
        sg_audit_outcome outcome;
        const char *route; /* route applied, for the message texts */
        bool cancel;
} act;

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

static HRESULT tag_subject(IDispatch *item, const char *subject, const char *tag) {
        VARIANT v;
        size_t n = strlen(tag);
        char *s;
        HRESULT hr;

        if (!subject)
                subject = "";
        if (strncmp(subject, tag, n) == 0)
                return S_OK;
        s = malloc(n + strlen(subject) + 2);
        if (!s)
                return E_OUTOFMEMORY;
        snprintf(s, n + strlen(subject) + 2, "%s %s", tag, subject);
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = sg_bstr_from_utf8(s);
        free(s);
        hr = V_BSTR(&v) ? sg_disp_put(item, L"Subject", &v) : E_OUTOFMEMORY;
        VariantClear(&v);
        return hr;
}

static HRESULT apply_route(IDispatch *item, const char *subject, const sg_header *h, size_t n, const char *tag) {
        HRESULT hr = S_OK;
        for (size_t i = 0; i < n && SUCCEEDED(hr); i++)
                hr = set_header(item, h[i].name, h[i].value);
        if (SUCCEEDED(hr) && tag)
                hr = tag_subject(item, subject, tag);
        return hr;
}

/* RFC 2047 B encoding (UTF-8) for a non-ASCII header value. */
static char *encode_header_value(const char *v) {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t len = strlen(v), cap, o = 0;
        bool ascii = true;
        char *out;

        for (const char *c = v; *c; c++)
                if ((unsigned char) *c >= 0x80 || (unsigned char) *c < 0x20)
                        ascii = false;
        if (ascii)
                return sg_strdup(v);
        cap = (len / 30 + 2) * 80;
        out = malloc(cap);
        if (!out)
                return NULL;
        for (size_t at = 0; at < len;) {
                size_t n = len - at > EWORD_CHUNK_MAX ? EWORD_CHUNK_MAX : len - at;
                while (at + n < len && ((unsigned char) v[at + n] & 0xC0) == 0x80)
                        n--; /* never split a UTF-8 sequence */
                if (o)
                        out[o++] = ' ';
                memcpy(out + o, "=?UTF-8?B?", 10);
                o += 10;
                for (size_t i = 0; i < n; i += 3) {
                        unsigned b = (unsigned char) v[at + i] << 16;
                        if (i + 1 < n)
                                b |= (unsigned char) v[at + i + 1] << 8;
                        if (i + 2 < n)
                                b |= (unsigned char) v[at + i + 2];
                        out[o++] = b64[(b >> 18) & 63];
                        out[o++] = b64[(b >> 12) & 63];
                        out[o++] = i + 1 < n ? b64[(b >> 6) & 63] : '=';
                        out[o++] = i + 2 < n ? b64[b & 63] : '=';
                }
                memcpy(out + o, "?=", 2);
                o += 2;
                at += n;
        }
        out[o] = '\0';
        return out;
}

/* ---- looking up routes and methods -------------------------------------- */

/* A route by name, from the policy itself: the ribbon's toggles and the
 * encrypt fallbacks act whatever the decision offered. */
typedef struct route_ref {
        const char *name;
        const sg_header *headers;
        size_t n_headers;
        const char *subject_tag;
} route_ref;

static bool policy_route(const sg_policy *p, const char *name, route_ref *ret) {
        if (!sg_policy_route(p, name, &ret->headers, &ret->n_headers, &ret->subject_tag))
                return false;
        ret->name = name;
        return true;
}

/* The Send-securely toggle's route: the one named "portal", else the first
 * route the decision's prompt offers. */
static bool portal_route(const sg_policy *p, const sg_decision *d, route_ref *ret) {
        if (policy_route(p, "portal", ret))
                return true;
        for (size_t i = 0; i < d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_ROUTE && policy_route(p, d->choices[i].route, ret))
                        return true;
        return false;
}

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
                if (d->reasons[i].action == SG_ACTION_BLOCK && (r = sg_reason_text_dup(ctx->lang, &d->reasons[i], 0))) {
                        len += strlen(r) + 8;
                        free(r);
                }
        text = malloc(len);
        if (!text)
                return;
        strcpy(text, sg_text_get(ctx->lang, SG_T_BLOCK_HEADING));
        strcat(text, "\n");
        for (size_t i = 0; i < d->n_reasons; i++)
                if (d->reasons[i].action == SG_ACTION_BLOCK && (r = sg_reason_text_dup(ctx->lang, &d->reasons[i], 0))) {
                        strcat(text, "\n\xE2\x80\xA2 ");
                        strcat(text, r);
                        free(r);
                }
        sg_prompt_message(ctx->lang, ctx->owner, sg_text_get(ctx->lang, SG_T_BLOCK_TITLE), text);
        free(text);
}

/* Encrypt: Outlook's S/MIME when the policy allows it, else the first
 * fallback route the policy defines. */
static bool do_encrypt(const sg_send_ctx *ctx, IDispatch *item, const sg_item *it, act *a) {
        size_t n;
        if (sg_send_policy_has_smime(ctx->policy)) {
                a->outcome = SG_AUDIT_ENCRYPT;
                return SUCCEEDED(sg_send_set_security(item, true));
        }
        const char *const *fallback = sg_policy_encrypt_fallback(ctx->policy, &n);
        for (size_t i = 0; i < n; i++) {
                route_ref r;
                if (!policy_route(ctx->policy, fallback[i], &r))
                        continue;
                a->outcome = SG_AUDIT_ENCRYPT;
                a->route = r.name;
                return SUCCEEDED(apply_route(item, it->subject, r.headers, r.n_headers, r.subject_tag));
        }
        tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_ENCRYPT, NULL);
        return false;
}

static const char *audit_route(const sg_decision *d, const act *a) {
        if (a->route)
                return a->route;
        if (a->choice && a->choice->kind == SG_CHOICE_ROUTE)
                return a->choice->route;
        return d->action == SG_ACTION_ROUTE && !a->choice ? d->route : NULL;
}

static void audit(const sg_send_ctx *ctx, const sg_item *it, const sg_decision *d, const act *a) {
        char attempt[33];
        char *user = sg_auditlog_user_dup();
        sg_audit_record rec = {0};
        sg_decision tmp = *d;
        sg_error err;

        sg_auditlog_attempt_id(attempt);
        /* The record's "route" follows decision->route: the one actually applied. */
        tmp.route = (char *) audit_route(d, a);
        rec.time_ms = sg_auditlog_now_ms();
        rec.attempt = attempt;
        rec.client = "outlook";
        rec.user = user;
        rec.sender = it->from;
        rec.decision = &tmp;
        rec.choice = a->choice;
        rec.by = a->by;
        rec.justification = a->justification;
        rec.outcome = a->outcome;
        rec.prompt_error = a->prompt_error;
        (void) sg_auditlog_write(ctx->policy, &rec, &err);
        free(user);
}

static bool run(const sg_send_ctx *ctx, IDispatch *item, const sg_item *it, const sg_decision *d, act *a) {
        bool ok = true;

        a->outcome = sg_audit_outcome_of(d, NULL);
        if (d->action == SG_ACTION_BLOCK) {
                tell_block(ctx, d);
                a->cancel = true;
                return true;
        }
        if (ctx->encrypt_toggle) {
                a->by = "toggle";
                ok = do_encrypt(ctx, item, it, a);
        } else if (ctx->portal_toggle) {
                route_ref r;
                a->by = "toggle";
                if (!portal_route(ctx->policy, d, &r)) {
                        tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_PORTAL, NULL);
                        ok = false;
                } else {
                        a->outcome = SG_AUDIT_ROUTED;
                        a->route = r.name;
                        ok = SUCCEEDED(apply_route(item, it->subject, r.headers, r.n_headers, r.subject_tag));
                }
        } else if (d->action == SG_ACTION_ROUTE) {
                ok = SUCCEEDED(apply_route(item, it->subject, d->headers, d->n_headers, d->subject_tag));
        } else if (d->action == SG_ACTION_ENCRYPT) {
                ok = do_encrypt(ctx, item, it, a);
        } else if (d->action == SG_ACTION_PROMPT) {
                sg_prompt_input in = {ctx->lang, d, it->subject, it->unresolved, it->n_unresolved, ctx->owner};
                sg_prompt_answer ans;
                const sg_choice *c;
                sg_prompt_ask(&in, &ans);
                c = &d->choices[ans.choice];
                a->choice = c;
                a->by = ans.by;
                a->justification = ans.justification;
                a->prompt_error = ans.error;
                a->outcome = sg_audit_outcome_of(d, c);
                switch (c->kind) {
                case SG_CHOICE_ENCRYPT:
                        ok = do_encrypt(ctx, item, it, a);
                        break;
                case SG_CHOICE_ROUTE:
                        ok = SUCCEEDED(apply_route(item, it->subject, c->headers, c->n_headers, c->subject_tag));
                        break;
                case SG_CHOICE_SEND:
                        if (a->justification && d->justification_header) {
                                char *v = encode_header_value(a->justification);
                                ok = v && SUCCEEDED(set_header(item, d->justification_header, v));
                                free(v);
                        }
                        break;
                default:
                        a->cancel = true;
                        break;
                }
        }
        if (!ok) {
                a->cancel = true;
                a->outcome = SG_AUDIT_CANCELLED;
        }
        return true;
}

bool sg_send_handle(const sg_send_ctx *ctx, IDispatch *item) {
        sg_item it;
        sg_decision *d = NULL;
        sg_error err = {0};
        act a = {0};
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
        run(ctx, item, &it, d, &a);
        audit(ctx, &it, d, &a);
        free(a.justification);
        sg_decision_free(d);
        sg_item_clear(&it);
        return a.cancel;
}
