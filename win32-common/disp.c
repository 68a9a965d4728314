/* sealgate Outlook add-in: IDispatch helpers (late binding by name). */
#define COBJMACROS
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "disp.h"

#define DISP_ARGS_MAX 4

static HRESULT invoke(IDispatch *obj, const wchar_t *name, WORD flags, VARIANT *args, unsigned n, VARIANT *ret) {
        DISPID id;
        LPOLESTR names[1] = {(LPOLESTR) name};
        VARIANT rev[DISP_ARGS_MAX];
        DISPPARAMS dp = {rev, NULL, n, 0};
        HRESULT hr;

        if (!obj || n > DISP_ARGS_MAX)
                return E_INVALIDARG;
        hr = IDispatch_GetIDsOfNames(obj, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id);
        if (FAILED(hr))
                return hr;
        /* IDispatch takes its arguments last first. */
        for (unsigned i = 0; i < n; i++)
                rev[i] = args[n - 1 - i];
        if (ret)
                VariantInit(ret);
        return IDispatch_Invoke(obj, id, &IID_NULL, LOCALE_USER_DEFAULT, flags, &dp, ret, NULL, NULL);
}

HRESULT sg_disp_get(IDispatch *obj, const wchar_t *name, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT v;
        HRESULT hr = invoke(obj, name, DISPATCH_PROPERTYGET | (n ? DISPATCH_METHOD : 0), args, n, &v);
        if (FAILED(hr))
                return hr;
        *ret = v;
        return S_OK;
}

HRESULT sg_disp_call(IDispatch *obj, const wchar_t *name, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT v;
        HRESULT hr = invoke(obj, name, DISPATCH_METHOD, args, n, &v);
        if (FAILED(hr))
                return hr;
        if (ret)
                *ret = v;
        else
                VariantClear(&v);
        return S_OK;
}

HRESULT sg_disp_put(IDispatch *obj, const wchar_t *name, VARIANT *value) {
        DISPID id, named = DISPID_PROPERTYPUT;
        LPOLESTR names[1] = {(LPOLESTR) name};
        DISPPARAMS dp = {value, &named, 1, 1};
        HRESULT hr;

        if (!obj)
                return E_INVALIDARG;
        hr = IDispatch_GetIDsOfNames(obj, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id);
        if (FAILED(hr))
                return hr;
        return IDispatch_Invoke(obj, id, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_PROPERTYPUT, &dp, NULL, NULL, NULL);
}

static HRESULT take_obj(VARIANT *v, IDispatch **ret) {
        if (V_VT(v) != VT_DISPATCH || !V_DISPATCH(v)) {
                VariantClear(v);
                return DISP_E_TYPEMISMATCH;
        }
        *ret = V_DISPATCH(v); /* the variant's reference moves to the caller */
        return S_OK;
}

HRESULT sg_disp_get_obj(IDispatch *obj, const wchar_t *name, IDispatch **ret) {
        VARIANT v;
        HRESULT hr = sg_disp_get(obj, name, NULL, 0, &v);
        return FAILED(hr) ? hr : take_obj(&v, ret);
}

HRESULT sg_disp_call_obj(IDispatch *obj, const wchar_t *name, IDispatch **ret) {
        VARIANT v;
        HRESULT hr = sg_disp_call(obj, name, NULL, 0, &v);
        return FAILED(hr) ? hr : take_obj(&v, ret);
}

HRESULT sg_disp_item(IDispatch *coll, long index, IDispatch **ret) {
        VARIANT arg, v;
        HRESULT hr;
        V_VT(&arg) = VT_I4;
        V_I4(&arg) = index;
        hr = sg_disp_get(coll, L"Item", &arg, 1, &v);
        return FAILED(hr) ? hr : take_obj(&v, ret);
}

HRESULT sg_disp_get_long(IDispatch *obj, const wchar_t *name, long *ret) {
        VARIANT v;
        HRESULT hr = sg_disp_get(obj, name, NULL, 0, &v);
        if (FAILED(hr))
                return hr;
        hr = VariantChangeType(&v, &v, 0, VT_I4);
        if (SUCCEEDED(hr))
                *ret = V_I4(&v);
        VariantClear(&v);
        return hr;
}

HRESULT sg_disp_get_utf8(IDispatch *obj, const wchar_t *name, char **ret) {
        VARIANT v;
        char *s;
        HRESULT hr = sg_disp_get(obj, name, NULL, 0, &v);
        if (FAILED(hr))
                return hr;
        if (V_VT(&v) == VT_EMPTY || V_VT(&v) == VT_NULL) {
                s = calloc(1, 1);
        } else {
                hr = VariantChangeType(&v, &v, 0, VT_BSTR);
                if (FAILED(hr)) {
                        VariantClear(&v);
                        return hr;
                }
                s = sg_utf8_from_wide(V_BSTR(&v) ? V_BSTR(&v) : L"", V_BSTR(&v) ? (int) SysStringLen(V_BSTR(&v)) : 0,
                                      NULL);
        }
        VariantClear(&v);
        if (!s)
                return E_OUTOFMEMORY;
        *ret = s;
        return S_OK;
}

char *sg_utf8_from_wide(const wchar_t *w, int len, size_t *ret_len) {
        int n;
        char *s;
        if (!w)
                return NULL;
        if (len < 0)
                len = (int) wcslen(w);
        n = len ? WideCharToMultiByte(CP_UTF8, 0, w, len, NULL, 0, NULL, NULL) : 0;
        if (len && n <= 0)
                return NULL;
        s = malloc((size_t) n + 1);
        if (!s)
                return NULL;
        if (n)
                WideCharToMultiByte(CP_UTF8, 0, w, len, s, n, NULL, NULL);
        s[n] = '\0';
        if (ret_len)
                *ret_len = (size_t) n;
        return s;
}

wchar_t *sg_wide_from_utf8(const char *s) {
        int n;
        wchar_t *w;
        if (!s)
                return NULL;
        n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
        if (n <= 0)
                return NULL;
        w = malloc((size_t) n * sizeof(wchar_t));
        if (w)
                MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
        return w;
}

BSTR sg_bstr_from_utf8(const char *s) {
        wchar_t *w = sg_wide_from_utf8(s);
        BSTR b = w ? SysAllocString(w) : NULL;
        free(w);
        return b;
}

char *sg_disp_accessor_string(IDispatch *obj, const wchar_t *prop) {
        IDispatch *pa;
        VARIANT arg, v;
        char *s = NULL;

        if (!obj || FAILED(sg_disp_get_obj(obj, L"PropertyAccessor", &pa)))
                return NULL;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(prop);
        if (V_BSTR(&arg) && SUCCEEDED(sg_disp_call(pa, L"GetProperty", &arg, 1, &v))) {
                if (V_VT(&v) == VT_BSTR && V_BSTR(&v))
                        s = sg_utf8_from_wide(V_BSTR(&v), (int) SysStringLen(V_BSTR(&v)), NULL);
                VariantClear(&v);
        }
        VariantClear(&arg);
        IDispatch_Release(pa);
        return s;
}
