/* sealgate Outlook add-in: the item's window and its commands (see
 * window.h). Objects are compared by COM identity (IUnknown). */
#define COBJMACROS
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>
#include <oleidl.h>

#include "disp.h"
#include "window.h"

static bool same(IDispatch *a, IDispatch *b) {
        IUnknown *ua = NULL, *ub = NULL;
        bool eq;
        if (!a || !b)
                return false;
        IDispatch_QueryInterface(a, &IID_IUnknown, (void **) &ua);
        IDispatch_QueryInterface(b, &IID_IUnknown, (void **) &ub);
        eq = ua && ua == ub;
        if (ua)
                IUnknown_Release(ua);
        if (ub)
                IUnknown_Release(ub);
        return eq;
}

static bool take(IDispatch *frame, sg_window *w) {
        IOleWindow *ow = NULL;
        w->frame = frame;
        w->hwnd = NULL;
        if (SUCCEEDED(IDispatch_QueryInterface(frame, &IID_IOleWindow, (void **) &ow))) {
                if (FAILED(IOleWindow_GetWindow(ow, &w->hwnd)))
                        w->hwnd = NULL;
                IOleWindow_Release(ow);
        }
        return true;
}

bool sg_window_find(IDispatch *app, IDispatch *item, sg_window *w) {
        IDispatch *insps, *ex;
        long n = 0;

        memset(w, 0, sizeof(*w));
        if (!app || !item)
                return false;
        if (SUCCEEDED(sg_disp_get_obj(app, L"Inspectors", &insps))) {
                if (SUCCEEDED(sg_disp_get_long(insps, L"Count", &n)))
                        for (long i = 1; i <= n && i <= SG_WINDOW_INSPECTORS_MAX; i++) {
                                IDispatch *in, *cur;
                                bool found = false;
                                if (FAILED(sg_disp_item(insps, i, &in)))
                                        continue;
                                if (SUCCEEDED(sg_disp_get_obj(in, L"CurrentItem", &cur))) {
                                        found = same(cur, item);
                                        IDispatch_Release(cur);
                                }
                                if (found) {
                                        IDispatch_Release(insps);
                                        return take(in, w);
                                }
                                IDispatch_Release(in);
                        }
                IDispatch_Release(insps);
        }
        /* An inline reply: the Explorer's ActiveInlineResponse. */
        if (SUCCEEDED(sg_disp_call_obj(app, L"ActiveExplorer", &ex))) {
                IDispatch *cur;
                bool found = false;
                if (SUCCEEDED(sg_disp_get_obj(ex, L"ActiveInlineResponse", &cur))) {
                        found = same(cur, item);
                        IDispatch_Release(cur);
                }
                if (found)
                        return take(ex, w);
                IDispatch_Release(ex);
        }
        return false;
}

int sg_window_pressed(IDispatch *frame, const wchar_t *mso) {
        IDispatch *bars;
        VARIANT arg, v;
        int r = -1;
        if (!frame || FAILED(sg_disp_get_obj(frame, L"CommandBars", &bars)))
                return -1;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(mso);
        if (V_BSTR(&arg) && SUCCEEDED(sg_disp_call(bars, L"GetPressedMso", &arg, 1, &v))) {
                if (SUCCEEDED(VariantChangeType(&v, &v, 0, VT_BOOL)))
                        r = V_BOOL(&v) != VARIANT_FALSE;
                VariantClear(&v);
        }
        VariantClear(&arg);
        IDispatch_Release(bars);
        return r;
}

HRESULT sg_window_execute(IDispatch *frame, const wchar_t *mso) {
        IDispatch *bars;
        VARIANT arg;
        HRESULT hr;
        if (!frame)
                return E_INVALIDARG;
        hr = sg_disp_get_obj(frame, L"CommandBars", &bars);
        if (FAILED(hr))
                return hr;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(mso);
        hr = V_BSTR(&arg) ? sg_disp_call(bars, L"ExecuteMso", &arg, 1, NULL) : E_OUTOFMEMORY;
        VariantClear(&arg);
        IDispatch_Release(bars);
        return hr;
}

bool sg_window_set(IDispatch *frame, const wchar_t *mso, bool on) {
        int p = sg_window_pressed(frame, mso);
        if (p < 0)
                return false;
        if (p != (int) on && FAILED(sg_window_execute(frame, mso)))
                return false;
        return sg_window_pressed(frame, mso) == (int) on;
}

void sg_window_clear(sg_window *w) {
        if (w->frame)
                IDispatch_Release(w->frame);
        memset(w, 0, sizeof(*w));
}
