/* sealgate Outlook add-in: the Bcc move and deferred delivery (missend.h). */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "disp.h"
#include "missend.h"
#include "outlook-om.h"
#include "sealgate/util.h"

static bool named(const sg_outcome *o, const char *addr) {
        for (size_t i = 0; i < o->n_bcc_moved; i++)
                if (sg_ascii_strcasecmp(o->bcc_moved[i], addr) == 0)
                        return true;
        return false;
}

static bool moves(const sg_item *it, size_t i, const sg_outcome *o) {
        const sg_item_top *t = &it->top[i];
        if (t->field != SG_FIELD_TO && t->field != SG_FIELD_CC)
                return false;
        for (size_t k = t->start; k < t->end && k < it->n_rcpt[t->field]; k++)
                if (named(o, it->rcpt[t->field][k]))
                        return true;
        return false;
}

static HRESULT add_placeholder(IDispatch *rcpts, const char *address) {
        VARIANT arg, ret;
        IDispatch *r;
        HRESULT hr;
        V_VT(&arg) = VT_BSTR;
        if (!(V_BSTR(&arg) = sg_bstr_from_utf8(address)))
                return E_OUTOFMEMORY;
        VariantInit(&ret);
        hr = sg_disp_call(rcpts, L"Add", &arg, 1, &ret);
        VariantClear(&arg);
        if (FAILED(hr))
                return hr;
        if (V_VT(&ret) != VT_DISPATCH || !(r = V_DISPATCH(&ret))) {
                VariantClear(&ret);
                return E_FAIL;
        }
        V_VT(&arg) = VT_I4;
        V_I4(&arg) = SG_OL_TO;
        hr = sg_disp_put(r, L"Type", &arg);
        if (SUCCEEDED(hr)) {
                VARIANT ok;
                VariantInit(&ok);
                (void) sg_disp_call(r, L"Resolve", NULL, 0, &ok); /* an SMTP address resolves to itself */
                VariantClear(&ok);
        }
        VariantClear(&ret);
        return hr;
}

/* Note "b T ADDRESS" for recipient `r`, moved from field `f`. */
static void note_moved(IDispatch *r, sg_field f, sg_missend_note_fn note, void *data) {
        char *addr = NULL;
        if (FAILED(sg_disp_get_utf8(r, L"Address", &addr)) || !addr)
                return;
        char *line = malloc(strlen(addr) + 3);
        if (line) {
                line[0] = f == SG_FIELD_CC ? '2' : '1';
                line[1] = ' ';
                strcpy(line + 2, addr);
                note(data, "b", line);
        }
        free(line);
        free(addr);
}

bool sg_missend_move_bcc(IDispatch *item, const sg_item *it, const sg_outcome *o, sg_missend_note_fn note, void *data) {
        IDispatch *rcpts;
        long count = 0;
        size_t to_left = 0;
        bool ok = true;

        if (!o->n_bcc_moved)
                return true;
        if (FAILED(sg_disp_get_obj(item, L"Recipients", &rcpts)))
                return false;
        if (FAILED(sg_disp_get_long(rcpts, L"Count", &count)) || count < 0 || (size_t) count != it->n_top) {
                IDispatch_Release(rcpts);
                return false;
        }
        for (long i = 1; i <= count && ok; i++) {
                IDispatch *r;
                if (!moves(it, (size_t) i - 1, o)) {
                        to_left += it->top[i - 1].field == SG_FIELD_TO;
                        continue;
                }
                if (FAILED(sg_disp_item(rcpts, i, &r))) {
                        ok = false;
                        break;
                }
                VARIANT v;
                V_VT(&v) = VT_I4;
                V_I4(&v) = SG_OL_BCC;
                ok = SUCCEEDED(sg_disp_put(r, L"Type", &v));
                if (ok)
                        note_moved(r, it->top[i - 1].field, note, data);
                IDispatch_Release(r);
        }
        if (ok && to_left == 0 && o->to_placeholder) {
                ok = SUCCEEDED(add_placeholder(rcpts, o->to_placeholder));
                if (ok)
                        note(data, "p", o->to_placeholder);
        }
        IDispatch_Release(rcpts);
        return ok;
}

HRESULT sg_missend_defer(IDispatch *item, unsigned seconds, sg_missend_note_fn note, void *data) {
        SYSTEMTIME st;
        VARIANT v, old;
        VariantInit(&old);
        if (SUCCEEDED(sg_disp_get(item, L"DeferredDeliveryTime", NULL, 0, &old)) && V_VT(&old) == VT_DATE) {
                char when[40];
                snprintf(when, sizeof when, "%.9f", V_DATE(&old));
                note(data, "d", when);
        }
        VariantClear(&old);
        GetLocalTime(&st);
        V_VT(&v) = VT_DATE;
        if (!SystemTimeToVariantTime(&st, &V_DATE(&v)))
                return E_FAIL;
        V_DATE(&v) += (double) seconds / 86400.0;
        return sg_disp_put(item, L"DeferredDeliveryTime", &v);
}

/* The first recipient of type `type` whose address is `addr` (1-based), or 0. */
static long find(IDispatch *rcpts, long type, const char *addr) {
        long count = 0;
        if (FAILED(sg_disp_get_long(rcpts, L"Count", &count)))
                return 0;
        for (long i = 1; i <= count; i++) {
                IDispatch *r;
                long t = 0;
                char *a = NULL;
                if (FAILED(sg_disp_item(rcpts, i, &r)))
                        continue;
                bool hit = SUCCEEDED(sg_disp_get_long(r, L"Type", &t)) && t == type &&
                           SUCCEEDED(sg_disp_get_utf8(r, L"Address", &a)) && a && sg_ascii_strcasecmp(a, addr) == 0;
                free(a);
                IDispatch_Release(r);
                if (hit)
                        return i;
        }
        return 0;
}

void sg_missend_undo(IDispatch *item, char kind, const char *what) {
        IDispatch *rcpts;
        VARIANT v;
        if (kind == 'd') {
                V_VT(&v) = VT_DATE;
                V_DATE(&v) = strtod(what, NULL);
                (void) sg_disp_put(item, L"DeferredDeliveryTime", &v);
                return;
        }
        if ((kind != 'b' && kind != 'p') || FAILED(sg_disp_get_obj(item, L"Recipients", &rcpts)))
                return;
        if (kind == 'b' && (what[0] == '1' || what[0] == '2') && what[1] == ' ') {
                long i = find(rcpts, SG_OL_BCC, what + 2);
                IDispatch *r;
                if (i && SUCCEEDED(sg_disp_item(rcpts, i, &r))) {
                        V_VT(&v) = VT_I4;
                        V_I4(&v) = what[0] == '2' ? SG_OL_CC : SG_OL_TO;
                        (void) sg_disp_put(r, L"Type", &v);
                        IDispatch_Release(r);
                }
        } else if (kind == 'p') {
                long i = find(rcpts, SG_OL_TO, what);
                if (i) {
                        VARIANT ret;
                        V_VT(&v) = VT_I4;
                        V_I4(&v) = i;
                        VariantInit(&ret);
                        (void) sg_disp_call(rcpts, L"Remove", &v, 1, &ret);
                        VariantClear(&ret);
                }
        }
        IDispatch_Release(rcpts);
}
