/* sealgate Outlook add-in: the ItemSend handler (see send.h).
 *
 * First what an earlier attempt on the same item left is undone (the
 * sgApplied marker: headers, subject tag, encrypt bit), since another
 * handler or an Outlook dialog may have cancelled that send. Order of
 * precedence (send-input.c): a policy that blocks wins over everything; then
 * the ribbon's toggles (Encrypt, then Send securely) and Outlook's own
 * Encrypt button are the user's choice made in advance and replace the
 * prompt; then the decision (allow, route, encrypt, prompt). What that means
 * for the item — headers, subject, encryption, fallback route, the audit
 * record — is the engine's outcome (core/engine/outcome.c), the same as in
 * Thunderbird; this file only applies it.
 *
 * Encryption with Outlook's S/MIME is used only when every recipient has a
 * usable certificate where Outlook looks (item.c, certs.c): otherwise
 * Outlook's own "encryption problems" dialog would offer Send Unencrypted
 * after ItemSend. So the prompt offers "Encrypt" only then (else the
 * fallback route, with one line saying why), and an encrypt outcome without
 * certificates takes the policy's fallback route. Outlook's encryption is
 * switched on through its own Encrypt button on the item's window and read
 * back; when it had to be switched on, the send is stopped and the user
 * sends again with the button visibly on. A route never leaves with
 * Outlook's encryption on. Every path writes one audit record: the choice is
 * what was requested, the outcome and route what was done. */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "auditlog.h"
#include "checklist.h"
#include "countdown.h"
#include "disp.h"
#include "item.h"
#include "missend.h"
#include "outlook-om.h"
#include "prompt.h"
#include "sealgate/audit.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"
#include "send.h"
#include "window.h"

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

static wchar_t *header_prop_dup(const char *name);

static HRESULT set_header(IDispatch *item, const char *name, const char *value) {
        wchar_t *full = header_prop_dup(name);
        VARIANT v;
        HRESULT hr;

        if (!full)
                return E_OUTOFMEMORY;
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = sg_bstr_from_utf8(value);
        hr = V_BSTR(&v) ? set_property(item, full, &v) : E_OUTOFMEMORY;
        VariantClear(&v);
        free(full);
        return hr;
}

static HRESULT delete_property(IDispatch *item, const wchar_t *name) {
        IDispatch *pa;
        VARIANT arg;
        HRESULT hr = sg_disp_get_obj(item, L"PropertyAccessor", &pa);
        if (FAILED(hr))
                return hr;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(name);
        hr = V_BSTR(&arg) ? sg_disp_call(pa, L"DeleteProperty", &arg, 1, NULL) : E_OUTOFMEMORY;
        VariantClear(&arg);
        IDispatch_Release(pa);
        return hr;
}

static wchar_t *header_prop_dup(const char *name) {
        size_t pl = wcslen(SG_PS_INTERNET_HEADERS_PREFIX);
        wchar_t *wname = sg_wide_from_utf8(name), *full;
        if (!wname)
                return NULL;
        full = malloc((pl + wcslen(wname) + 1) * sizeof(wchar_t));
        if (full) {
                wcscpy(full, SG_PS_INTERNET_HEADERS_PREFIX);
                wcscat(full, wname);
        }
        free(wname);
        return full;
}

/* PR_SECURITY_FLAGS, 0 when the item has none, -1 when it cannot be read. */
static long security_flags(IDispatch *item) {
        IDispatch *pa;
        VARIANT arg, cur;
        long flags = -1;
        HRESULT hr;
        if (SUCCEEDED(sg_disp_get_obj(item, L"PropertyAccessor", &pa))) {
                V_VT(&arg) = VT_BSTR;
                V_BSTR(&arg) = SysAllocString(SG_PR_SECURITY_FLAGS);
                hr = V_BSTR(&arg) ? sg_disp_call(pa, L"GetProperty", &arg, 1, &cur) : E_OUTOFMEMORY;
                if (SUCCEEDED(hr)) {
                        if (SUCCEEDED(VariantChangeType(&cur, &cur, 0, VT_I4)))
                                flags = V_I4(&cur);
                        VariantClear(&cur);
                } else if (hr == DISP_E_EXCEPTION) {
                        flags = 0; /* Outlook raises an error for a property the item does not have */
                }
                VariantClear(&arg);
                IDispatch_Release(pa);
        }
        return flags;
}

bool sg_send_security_on(IDispatch *item) {
        long f = security_flags(item);
        return f > 0 && (f & SG_SECURITY_ENCRYPT) != 0;
}

HRESULT sg_send_set_security(IDispatch *item, bool encrypt) {
        long flags = security_flags(item);
        VARIANT v;

        if (flags < 0) { /* unreadable: clearing has nothing to clear */
                if (!encrypt)
                        return S_OK;
                flags = 0;
        }
        /* Keep the sign bit the user may have set in Outlook. */
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
        char *text;
        if (ctx->no_ui) /* sent by code: nobody to tell; the audit record says it */
                return;
        text = sg_text_format_dup(ctx->lang, fmt, arg);
        sg_prompt_message(ctx->lang, ctx->owner, sg_text_get(ctx->lang, title), text ? text : "");
        free(text);
}

/* Append `s` to the owned string *buf (NULL: empty); false on ENOMEM. */
static bool append(char **buf, const char *s) {
        size_t n = *buf ? strlen(*buf) : 0, l = strlen(s);
        char *nb = realloc(*buf, n + l + 1);
        if (!nb)
                return false;
        memcpy(nb + n, s, l + 1);
        *buf = nb;
        return true;
}

/* The block dialog, as the Thunderbird notice: what happened, the cause
 * (the reasons that asked for the block) apart from the context (the other
 * reasons, e.g. the outside recipients, which alone would not stop it), and
 * what the user can do, with the reference IT finds in the audit log (the
 * attempt id). */
static void tell_block(const sg_send_ctx *ctx, const sg_decision *d) {
        char *text = NULL, *r, *line;
        bool ok, any_cause = false, any_context = false;
        const char *sep = " / "; /* as the Thunderbird notice joins them */

        if (ctx->no_ui)
                return;
        for (size_t i = 0; i < d->n_reasons; i++)
                any_cause = any_cause || d->reasons[i].action == SG_ACTION_BLOCK;
        ok = append(&text, sg_text_get(ctx->lang, SG_T_BLOCK_HEADING)) && append(&text, "\n\n") &&
             append(&text, sg_text_get(ctx->lang, SG_T_BLOCK_CAUSE));
        for (size_t i = 0; ok && i < d->n_reasons; i++)
                if ((!any_cause || d->reasons[i].action == SG_ACTION_BLOCK) &&
                    (r = sg_reason_text_dup(ctx->lang, &d->reasons[i]))) {
                        ok = append(&text, "\n\xE2\x80\xA2 ") && append(&text, r);
                        free(r);
                }
        /* The context: the reasons that did not ask for the block. */
        char *context = NULL;
        for (size_t i = 0; ok && any_cause && i < d->n_reasons; i++)
                if (d->reasons[i].action != SG_ACTION_BLOCK && (r = sg_reason_text_dup(ctx->lang, &d->reasons[i]))) {
                        ok = (!any_context || append(&context, sep)) && append(&context, r);
                        any_context = true;
                        free(r);
                }
        if (ok && context && (line = sg_text_format_dup(ctx->lang, SG_T_BLOCK_CONTEXT, context))) {
                ok = append(&text, "\n\n") && append(&text, line);
                free(line);
        }
        free(context);
        if (ok && (line = sg_text_format_dup(ctx->lang, SG_T_BLOCK_WHAT_TO_DO, ctx->attempt ? ctx->attempt : ""))) {
                ok = append(&text, "\n\n") && append(&text, line);
                free(line);
        }
        if (ok)
                sg_prompt_message(ctx->lang, ctx->owner, sg_text_get(ctx->lang, SG_T_BLOCK_TITLE), text);
        free(text);
}

/* The prompt's line when a policy rule took "Send without encryption" out
 * (the engine's send_removed_by): which rule and why. Owned; NULL when none. */
static char *send_removed_dup(sg_lang lang, const sg_decision *d) {
        if (d->action != SG_ACTION_PROMPT || d->send_removed_by >= d->n_reasons)
                return NULL;
        const sg_reason *r = &d->reasons[d->send_removed_by];
        char *why = sg_reason_text_dup(lang, r);
        char *s = why ? sg_subst2_dup(sg_text_get(lang, SG_T_PROMPT_SEND_NOT_ALLOWED),
                                      r->trigger ? r->trigger : sg_reason_code_name(r->code), why)
                      : NULL;
        free(why);
        return s;
}

/* ---- what an earlier attempt left (the sgApplied marker) ----------------- */

/* The marker: one line per thing set, "h NAME" (an internet header), "t TAG"
 * (the subject tag added), "e" (the encrypt bit of PR_SECURITY_FLAGS set),
 * and the mis-send changes (missend.h): "b T ADDRESS" (moved to Bcc), "p
 * ADDRESS" (the To placeholder), "d DATE" (the deferred time before). */
typedef struct applied {
        char *s;
        size_t n, cap;
        bool oom;
} applied;

static void note(applied *a, const char *kind, const char *what) {
        size_t l = strlen(kind) + (what ? strlen(what) + 1 : 0) + 1;
        if (a->oom)
                return;
        if (a->n + l + 1 > a->cap) {
                size_t c = (a->n + l + 1) * 2;
                char *ns = realloc(a->s, c);
                if (!ns) {
                        a->oom = true;
                        return;
                }
                a->s = ns;
                a->cap = c;
        }
        a->n += (size_t) sprintf(a->s + a->n, "%s%s%s\n", kind, what ? " " : "", what ? what : "");
}

static void undo_subject(IDispatch *item, const char *tag) {
        char *subj = NULL;
        size_t tl = strlen(tag);
        if (FAILED(sg_disp_get_utf8(item, L"Subject", &subj)) || !subj)
                return;
        if (strncmp(subj, tag, tl) == 0 && (subj[tl] == '\0' || subj[tl] == ' '))
                set_subject(item, subj[tl] ? subj + tl + 1 : "");
        free(subj);
}

/* Remove what sealgate set on this item in an earlier attempt whose send did
 * not go (another handler, a dialog of Outlook's or the user cancelled it):
 * the item goes back to what the user wrote. */
static void undo(IDispatch *item) {
        IDispatch *pa;
        VARIANT arg, v;
        char *marker = NULL;

        if (FAILED(sg_disp_get_obj(item, L"PropertyAccessor", &pa)))
                return;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(SG_PROP_APPLIED);
        if (V_BSTR(&arg) && SUCCEEDED(sg_disp_call(pa, L"GetProperty", &arg, 1, &v))) {
                if (V_VT(&v) == VT_BSTR && V_BSTR(&v))
                        marker = sg_utf8_from_wide(V_BSTR(&v), (int) SysStringLen(V_BSTR(&v)), NULL);
                VariantClear(&v);
        }
        VariantClear(&arg);
        IDispatch_Release(pa);
        if (!marker)
                return;
        for (char *line = marker, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (line[0] == 'h' && line[1] == ' ') {
                        wchar_t *full = header_prop_dup(line + 2);
                        if (full)
                                delete_property(item, full);
                        free(full);
                } else if (line[0] == 't' && line[1] == ' ') {
                        undo_subject(item, line + 2);
                } else if (line[0] == 'e' && !line[1]) {
                        sg_send_set_security(item, false);
                } else if ((line[0] == 'b' || line[0] == 'p' || line[0] == 'd') && line[1] == ' ') {
                        sg_missend_undo(item, line[0], line + 2); /* the Bcc move, the hold */
                }
        }
        delete_property(item, SG_PROP_APPLIED);
        free(marker);
}

static void write_marker(IDispatch *item, applied *a) {
        VARIANT v;
        if (a->oom || !a->n)
                return;
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = sg_bstr_from_utf8(a->s);
        if (V_BSTR(&v))
                set_property(item, SG_PROP_APPLIED, &v);
        VariantClear(&v);
}

/* Headers and subject, noted in the marker. */
static HRESULT set_noted(IDispatch *item, applied *a, const sg_header *h, size_t n, const char *subject,
                         const char *old_subject, const char *tag) {
        HRESULT hr = S_OK;
        for (size_t i = 0; i < n && SUCCEEDED(hr); i++) {
                hr = set_header(item, h[i].name, h[i].value);
                if (SUCCEEDED(hr))
                        note(a, "h", h[i].name);
        }
        if (SUCCEEDED(hr) && subject && strcmp(subject, old_subject ? old_subject : "") != 0) {
                hr = set_subject(item, subject);
                if (SUCCEEDED(hr) && tag)
                        note(a, "t", tag);
        }
        return hr;
}

/* ---- Outlook's own encryption ------------------------------------------- */

/* Whether Outlook will encrypt: its Encrypt button on the item's window, or
 * for an item without a window the encrypt bit. */
bool sg_send_outlook_encrypts(IDispatch *frame, IDispatch *item) {
        int p = frame ? sg_window_pressed(frame, SG_MSO_ENCRYPT) : -1;
        return p >= 0 ? p == 1 : sg_send_security_on(item);
}

static bool outlook_encrypts(const sg_window *w, IDispatch *item) {
        return sg_send_outlook_encrypts(w->frame, item);
}

/* Outlook's encryption off (a route, or a send in the clear): never both. */
static bool encryption_off(const sg_window *w, IDispatch *item) {
        if (w->frame && sg_window_pressed(w->frame, SG_MSO_ENCRYPT) == 1 &&
            !sg_window_set(w->frame, SG_MSO_ENCRYPT, false))
                return false;
        if (sg_send_security_on(item) && FAILED(sg_send_set_security(item, false)))
                return false;
        return true;
}

typedef enum { ENC_ON, ENC_SWITCHED_ON, ENC_FAILED } enc_state;

/* Outlook's encryption on. With a window: its Encrypt button, read back;
 * ENC_SWITCHED_ON when it had to be pressed now (the send stops, and the user
 * sends again with the button visibly on). Without one: the encrypt bit,
 * saved (never Save an item open in a window). */
static enc_state encryption_on(const sg_window *w, IDispatch *item, applied *a) {
        int p = w->frame ? sg_window_pressed(w->frame, SG_MSO_ENCRYPT) : -1;
        if (p == 1)
                return ENC_ON;
        if (p == 0)
                return sg_window_set(w->frame, SG_MSO_ENCRYPT, true) ? ENC_SWITCHED_ON : ENC_FAILED;
        if (FAILED(sg_send_set_security(item, true)) || !sg_send_security_on(item))
                return ENC_FAILED;
        note(a, "e", NULL);
        if (!w->frame)
                sg_disp_call(item, L"Save", NULL, 0, NULL);
        return ENC_ON;
}

static const char *route_tag(const sg_policy *p, const char *route) {
        const sg_header *h;
        size_t n;
        const char *tag = NULL;
        return route && sg_policy_route(p, route, &h, &n, &tag) ? tag : NULL;
}

/* Apply outcome `o` to the item; true when the send goes ahead. Encrypt:
 * Outlook's S/MIME when "smime" is among the methods and every recipient has
 * a certificate (`ready`), else the first fallback route, else nothing is
 * sent. What was done replaces what was asked in `o` (the audit's outcome
 * and route). */
static bool apply(const sg_send_ctx *ctx, IDispatch *item, const sg_window *w, const sg_item *it, const sg_decision *d,
                  sg_outcome *o, bool ready, applied *marker) {
        HRESULT hr = S_OK;
        bool go = true;

        switch (o->action) {
        case SG_OUTCOME_SEND:
        case SG_OUTCOME_ROUTE:
                if (!encryption_off(w, item)) {
                        tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_ENCRYPT_OFF, NULL);
                        hr = E_FAIL;
                        break;
                }
                hr = set_noted(item, marker, o->headers, o->n_headers, o->subject, it->subject,
                               route_tag(ctx->policy, o->route));
                break;
        case SG_OUTCOME_ENCRYPT:
                if (ready && has_smime((const char *const *) o->encrypt_methods, o->n_encrypt_methods)) {
                        enc_state st = encryption_on(w, item, marker);
                        if (st == ENC_SWITCHED_ON) {
                                tell(ctx, SG_T_ENCRYPT_TITLE, SG_T_ENCRYPT_RESEND, NULL);
                                o->action = SG_OUTCOME_CANCEL;
                                o->audit = SG_AUDIT_CANCELLED;
                                go = false;
                                break;
                        }
                        if (st == ENC_ON) {
                                hr = set_noted(item, marker, o->headers, o->n_headers, NULL, NULL, NULL);
                                break;
                        }
                        /* It could not be switched on: as without certificates. */
                }
                if (o->n_fallback) {
                        if (!encryption_off(w, item)) {
                                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_ENCRYPT_OFF, NULL);
                                hr = E_FAIL;
                                break;
                        }
                        hr = set_noted(item, marker, o->fallback[0].headers, o->fallback[0].n_headers,
                                       o->fallback[0].subject, it->subject,
                                       route_tag(ctx->policy, o->fallback[0].name));
                        if (SUCCEEDED(hr) && !sg_outcome_took_fallback(o, 0))
                                hr = E_OUTOFMEMORY;
                } else {
                        tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_ENCRYPT, NULL);
                        sg_outcome_encrypt_unavailable(o);
                        go = false;
                }
                break;
        case SG_OUTCOME_BLOCK:
                tell_block(ctx, d);
                go = false;
                break;
        default:
                go = false;
                break;
        }
        if (FAILED(hr)) {
                o->action = SG_OUTCOME_CANCEL;
                o->audit = SG_AUDIT_CANCELLED;
                return false;
        }
        return go;
}

static bool sends(const sg_outcome *o) {
        return o->action == SG_OUTCOME_SEND || o->action == SG_OUTCOME_ROUTE || o->action == SG_OUTCOME_ENCRYPT;
}

static void cancelled(sg_outcome *o) {
        o->action = SG_OUTCOME_CANCEL;
        o->audit = SG_AUDIT_CANCELLED;
}

/* send.delay_mode "countdown": the countdown before anything is changed on
 * the item, so Back to editing leaves the draft as the user wrote it. False
 * when the user went back. */
static bool hold(const sg_send_ctx *ctx, sg_outcome *o, bool *defer) {
        *defer = sends(o) && o->delay_seconds > 0;
        if (!*defer || o->delay_mode != SG_DELAY_COUNTDOWN || ctx->no_ui)
                return true;
        sg_countdown_result r = sg_countdown_run(ctx->lang, ctx->owner, o->delay_seconds, o->delay_skippable);
        if (r == SG_COUNTDOWN_BACK) {
                cancelled(o);
                return false;
        }
        *defer = r == SG_COUNTDOWN_UNAVAILABLE; /* held already, unless no countdown could be shown */
        return true;
}

/* After the outcome's route or encryption: the Bcc move (with a notice when
 * the user was not asked), then the hold that is left as deferred delivery
 * (mode "deferred", an item without a window, or a countdown that could not
 * be shown). False (the outcome cancelled) when either fails: the message
 * never goes with the external addresses visible or unheld. */
static void note_cb(void *data, const char *kind, const char *what) {
        note(data, kind, what);
}

static bool missend(const sg_send_ctx *ctx, IDispatch *item, const sg_item *it, sg_outcome *o, bool defer,
                    applied *marker) {
        if (o->n_bcc_moved) {
                if (!sg_missend_move_bcc(item, it, o, note_cb, marker)) {
                        tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, "the recipients could not be moved to Bcc");
                        cancelled(o);
                        return false;
                }
                size_t len = 1;
                for (size_t i = 0; i < o->n_bcc_moved; i++)
                        len += strlen(o->bcc_moved[i]) + 2;
                char *list = malloc(len);
                if (list) {
                        list[0] = '\0';
                        for (size_t i = 0; i < o->n_bcc_moved; i++) {
                                strcat(list, i ? ", " : "");
                                strcat(list, o->bcc_moved[i]);
                        }
                        if (!ctx->no_ui)
                                tell(ctx, SG_T_COUNTDOWN_TITLE, SG_T_MISSEND_BCC_MOVED, list);
                        free(list);
                }
        }
        if (defer && FAILED(sg_missend_defer(item, o->delay_seconds, note_cb, marker))) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, "the message could not be held (deferred delivery)");
                cancelled(o);
                return false;
        }
        return true;
}

static void audit(const sg_send_ctx *ctx, const sg_item *it, const sg_decision *d, const sg_outcome *o,
                  const sg_outcome_input *in) {
        char *user = sg_auditlog_user_dup();
        sg_audit_record rec = {0};
        sg_error err;

        sg_outcome_audit_record(o, d, in, &rec);
        rec.time_ms = sg_auditlog_now_ms();
        rec.attempt = ctx->attempt;
        rec.client = "outlook";
        rec.user = user;
        rec.sender = it->from;
        (void) sg_auditlog_write(ctx->policy, &rec, &err);
        free(user);
}

/* The outcome for this send (send-input.c says which choice counts), applied
 * to the item and recorded. Returns whether the send is cancelled. */
static bool run(const sg_send_ctx *ctx, IDispatch *item, const sg_window *w, const sg_item *it, const sg_decision *d) {
        sg_choice own = {0};
        sg_prompt_answer ans = {0};
        sg_outcome_input in;
        sg_outcome *o = NULL;
        sg_error err;
        sg_decision offered;
        sg_choice *offered_choices = NULL;
        bool smime = sg_send_policy_has_smime(ctx->policy);
        bool ready = smime && sg_item_all_certs(it);
        /* Outlook's own Encrypt button pressed counts as the Encrypt toggle
         * when the policy lets Outlook encrypt. */
        bool encrypt_toggle = ctx->encrypt_toggle || (smime && !ctx->portal_toggle && outlook_encrypts(w, item));
        bool sent, defer = false, asked = sg_send_needs_prompt(d, encrypt_toggle, ctx->portal_toggle);
        bool no_encrypt = sg_send_offered(ctx->policy, d, ready, &offered, &offered_choices);
        const sg_decision *dd = asked ? &offered : d;
        /* prompt.confirm: every box ticked before any send choice (the
         * engine's list); Back to editing cancels. No window: the prompt's
         * fallback decides, as for any prompt. */
        bool back = d->action != SG_ACTION_BLOCK && !ctx->no_ui && sg_checklist_needed(d) &&
                    !sg_checklist_ask(ctx->lang, ctx->owner, d);

        if (asked && !back) {
                char num[24];
                char *why = NULL;
                snprintf(num, sizeof(num), "%u", (unsigned) (it->n_no_cert + it->n_unresolved));
                char *removed = send_removed_dup(ctx->lang, d);
                if (no_encrypt)
                        why = sg_text_format_dup(ctx->lang, SG_T_PROMPT_NO_CERT, num);
                if (removed && why && !(append(&why, "\n") && append(&why, removed))) {
                        free(why);
                        why = NULL;
                }
                if (removed && !why) {
                        why = removed;
                        removed = NULL;
                }
                free(removed);
                sg_prompt_input pin = {ctx->lang,        dd,         it->subject, it->unresolved,
                                       it->n_unresolved, ctx->owner, why,         ctx->no_ui};
                sg_prompt_ask(&pin, &ans);
                free(why);
        }
        if (!sg_send_outcome_input(ctx->policy, dd, encrypt_toggle, ctx->portal_toggle, asked ? &ans : NULL,
                                   it->subject, &own, &in))
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_PORTAL, NULL);
        if (back) {
                own = (sg_choice){.kind = SG_CHOICE_CANCEL};
                in.choice = &own;
                in.by = "button";
                in.justification = NULL;
        }
        if (sg_outcome_new(dd, &in, &o, &err)) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, err.message);
                free(ans.justification);
                free(offered_choices);
                return true;
        }
        applied marker = {0};
        sent = hold(ctx, o, &defer) && apply(ctx, item, w, it, dd, o, ready, &marker) &&
               missend(ctx, item, it, o, defer, &marker);
        write_marker(item, &marker);
        free(marker.s);
        audit(ctx, it, dd, o, &in);
        sg_outcome_free(o);
        free(ans.justification);
        free(offered_choices);
        return !sent;
}

static bool checked_class(long cls) {
        return cls == SG_OL_MAIL || (cls >= SG_OL_TASK_REQUEST_FIRST && cls <= SG_OL_TASK_REQUEST_LAST) ||
               (cls >= SG_OL_MEETING_REQUEST_FIRST && cls <= SG_OL_MEETING_REQUEST_LAST);
}

bool sg_send_handle(sg_send_ctx *ctx, IDispatch *item) {
        sg_item it;
        sg_item_opts opts = {0};
        const char *names[SG_ITEM_HEADERS_MAX];
        sg_window w;
        sg_decision *d = NULL;
        sg_error err = {0};
        bool cancel;
        long cls = 0;

        if (FAILED(sg_disp_get_long(item, L"Class", &cls)) || !checked_class(cls))
                return false; /* not something sent to recipients (a post, a sharing item) */
        sg_window_find(ctx->app, item, &w);
        ctx->no_ui = !w.frame;
        ctx->owner = w.hwnd ? w.hwnd : w.frame ? GetActiveWindow() : NULL;
        if (!ctx->policy) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_POLICY, ctx->policy_error ? ctx->policy_error->message : "");
                sg_window_clear(&w);
                return true;
        }
        undo(item);
        opts.certs = sg_send_policy_has_smime(ctx->policy);
        while (opts.n_header_names < SG_ITEM_HEADERS_MAX &&
               (names[opts.n_header_names] = sg_policy_header_trigger_name(ctx->policy, opts.n_header_names)))
                opts.n_header_names++;
        opts.header_names = names;
        opts.related = sg_policy_checks_new_domain(ctx->policy);
        opts.texts = sg_policy_reads_texts(ctx->policy);
        if (sg_item_read(item, &opts, &it, &err)) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, err.message);
                sg_window_clear(&w);
                return true;
        }
        if (sg_policy_evaluate(ctx->policy, &it.msg, &d, &err)) {
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_CHECK, err.message);
                sg_item_clear(&it);
                sg_window_clear(&w);
                return true;
        }
        if (sg_policy_audit(ctx->policy)->required && sg_auditlog_check(ctx->policy, &err)) {
                /* audit.required: fail closed before anything is changed. */
                tell(ctx, SG_T_ERROR_TITLE, SG_T_ERROR_AUDIT, err.message);
                sg_decision_free(d);
                sg_item_clear(&it);
                sg_window_clear(&w);
                return true;
        }
        /* The attempt id: the audit record's, and the block dialog's reference. */
        char attempt[33];
        sg_auditlog_attempt_id(attempt);
        ctx->attempt = attempt;
        cancel = run(ctx, item, &w, &it, d);
        ctx->attempt = NULL;
        sg_decision_free(d);
        sg_item_clear(&it);
        sg_window_clear(&w);
        return cancel;
}
