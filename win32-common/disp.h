/* sealgate Outlook add-in: late-bound calls into Outlook's object model
 * through IDispatch, and UTF-8 <-> UTF-16 conversions. Every getter leaves
 * its output untouched on failure. */
#ifndef SG_DISP_H
#define SG_DISP_H

#include <windows.h>

#include <oleauto.h>

/* Get property `name` (with `n` arguments in natural order, e.g. Item(1));
 * *ret is owned (VariantClear). */
HRESULT sg_disp_get(IDispatch *obj, const wchar_t *name, VARIANT *args, unsigned n, VARIANT *ret);
/* Call method `name`; `ret` may be NULL. */
HRESULT sg_disp_call(IDispatch *obj, const wchar_t *name, VARIANT *args, unsigned n, VARIANT *ret);
/* Set property `name` to `value`. */
HRESULT sg_disp_put(IDispatch *obj, const wchar_t *name, VARIANT *value);
/* Typed property getters. *ret owned: Release() / free(). */
HRESULT sg_disp_get_obj(IDispatch *obj, const wchar_t *name, IDispatch **ret);
HRESULT sg_disp_get_long(IDispatch *obj, const wchar_t *name, long *ret);
HRESULT sg_disp_get_utf8(IDispatch *obj, const wchar_t *name, char **ret);
/* Collection.Item(index), 1-based as in Outlook. */
HRESULT sg_disp_item(IDispatch *coll, long index, IDispatch **ret);
/* Method returning an object, no arguments (GetExchangeUser()). */
/* A string property read through obj's PropertyAccessor (GetProperty with a
 * MAPI property tag or named-property URL), as UTF-8; NULL when obj is NULL,
 * the property is missing or not a string. */
char *sg_disp_accessor_string(IDispatch *obj, const wchar_t *prop);
HRESULT sg_disp_call_obj(IDispatch *obj, const wchar_t *name, IDispatch **ret);

/* Owned conversions (free()); NULL on failure. `len` -1: NUL-terminated. */
char *sg_utf8_from_wide(const wchar_t *w, int len, size_t *ret_len);
wchar_t *sg_wide_from_utf8(const char *s);
/* BSTR from UTF-8 (SysFreeString); NULL on failure. */
BSTR sg_bstr_from_utf8(const char *s);

#endif
