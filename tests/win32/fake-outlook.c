/* sealgate tests: the stand-in Outlook object model (see fake-outlook.h). */
#define COBJMACROS
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <ocidl.h>
#include <oleauto.h>
#include <olectl.h>

#include "fake-outlook.h"

static const GUID diid_app_events = {0x0006302C, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

#define FROM_CPC(p) ((fobj *) ((char *) (p) -offsetof(fobj, cpc_vtbl)))
#define FROM_CP(p)  ((fobj *) ((char *) (p) -offsetof(fobj, cp_vtbl)))

/* ---- IDispatch ----------------------------------------------------------- */

static HRESULT STDMETHODCALLTYPE d_qi(IDispatch *This, REFIID iid, void **ret) {
        fobj *o = (fobj *) This;
        if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IDispatch))
                *ret = This;
        else if (o->cpc_vtbl && IsEqualIID(iid, &IID_IConnectionPointContainer))
                *ret = &o->cpc_vtbl;
        else {
                *ret = NULL;
                return E_NOINTERFACE;
        }
        InterlockedIncrement(&o->refs);
        return S_OK;
}

static ULONG STDMETHODCALLTYPE d_addref(IDispatch *This) {
        return (ULONG) InterlockedIncrement(&((fobj *) This)->refs);
}

static ULONG STDMETHODCALLTYPE d_release(IDispatch *This) {
        fobj *o = (fobj *) This;
        LONG n = InterlockedDecrement(&o->refs);
        if (n)
                return (ULONG) n;
        for (unsigned i = 0; i < o->n_members; i++)
                VariantClear(&o->members[i].value);
        for (unsigned i = 0; i < o->n_children; i++)
                fake_release(o->children[i]);
        for (unsigned i = 0; i < o->n_log; i++) {
                free(o->log[i].name);
                VariantClear(&o->log[i].value);
        }
        for (unsigned i = 0; i < o->n_props; i++) {
                free(o->props[i].name);
                VariantClear(&o->props[i].value);
        }
        if (o->sink)
                IDispatch_Release(o->sink);
        free(o);
        return 0;
}

static HRESULT STDMETHODCALLTYPE d_tic(IDispatch *This, UINT *n) {
        *n = 0;
        return S_OK;
}

static HRESULT STDMETHODCALLTYPE d_ti(IDispatch *This, UINT i, LCID l, ITypeInfo **ret) {
        return E_NOTIMPL;
}

static HRESULT STDMETHODCALLTYPE d_ids(IDispatch *This, REFIID iid, LPOLESTR *names, UINT n, LCID l, DISPID *ids) {
        fobj *o = (fobj *) This;
        for (UINT k = 0; k < n; k++)
                ids[k] = DISPID_UNKNOWN;
        for (unsigned i = 0; i < o->n_members; i++)
                if (_wcsicmp(o->members[i].name, names[0]) == 0) {
                        ids[0] = (DISPID) i + 1;
                        return n == 1 ? S_OK : DISP_E_UNKNOWNNAME;
                }
        return DISP_E_UNKNOWNNAME;
}

static HRESULT STDMETHODCALLTYPE d_invoke(IDispatch *This, DISPID id, REFIID iid, LCID l, WORD flags, DISPPARAMS *dp,
                                          VARIANT *ret, EXCEPINFO *ei, UINT *ae) {
        fobj *o = (fobj *) This;
        fmember *m;
        VARIANT args[8];
        unsigned n = dp ? dp->cArgs : 0;

        if (id < 1 || (unsigned) id > o->n_members)
                return DISP_E_MEMBERNOTFOUND;
        m = &o->members[id - 1];
        if (flags & DISPATCH_PROPERTYPUT) {
                if (m->method || n != 1 || dp->cNamedArgs != 1 || dp->rgdispidNamedArgs[0] != DISPID_PROPERTYPUT)
                        return DISP_E_MEMBERNOTFOUND;
                VariantClear(&m->value);
                VariantCopy(&m->value, &dp->rgvarg[0]);
                o->n_puts++;
                return S_OK;
        }
        if (n > 8)
                return DISP_E_BADPARAMCOUNT;
        for (unsigned i = 0; i < n; i++)
                args[i] = dp->rgvarg[n - 1 - i]; /* back to natural order */
        if (m->method) {
                VARIANT tmp;
                HRESULT hr;
                VariantInit(&tmp);
                hr = m->method(o, args, n, &tmp);
                if (ret)
                        *ret = tmp;
                else
                        VariantClear(&tmp);
                return hr;
        }
        if (!(flags & DISPATCH_PROPERTYGET) || n)
                return DISP_E_MEMBERNOTFOUND;
        if (ret) {
                VariantInit(ret);
                return VariantCopy(ret, &m->value);
        }
        return S_OK;
}

static IDispatchVtbl disp_vtbl = {d_qi, d_addref, d_release, d_tic, d_ti, d_ids, d_invoke};

/* ---- IConnectionPointContainer / IConnectionPoint (Application) ---------- */

static HRESULT STDMETHODCALLTYPE cpc_qi(IConnectionPointContainer *This, REFIID iid, void **ret) {
        return d_qi((IDispatch *) FROM_CPC(This), iid, ret);
}
static ULONG STDMETHODCALLTYPE cpc_addref(IConnectionPointContainer *This) {
        return d_addref((IDispatch *) FROM_CPC(This));
}
static ULONG STDMETHODCALLTYPE cpc_release(IConnectionPointContainer *This) {
        return d_release((IDispatch *) FROM_CPC(This));
}
static HRESULT STDMETHODCALLTYPE cpc_enum(IConnectionPointContainer *This, IEnumConnectionPoints **ret) {
        return E_NOTIMPL;
}
static HRESULT STDMETHODCALLTYPE cpc_find(IConnectionPointContainer *This, REFIID iid, IConnectionPoint **ret) {
        fobj *o = FROM_CPC(This);
        if (!IsEqualIID(iid, &o->events_iid)) {
                *ret = NULL;
                return CONNECT_E_NOCONNECTION;
        }
        *ret = (IConnectionPoint *) &o->cp_vtbl;
        InterlockedIncrement(&o->refs);
        return S_OK;
}
static IConnectionPointContainerVtbl cpc_vtbl = {cpc_qi, cpc_addref, cpc_release, cpc_enum, cpc_find};

static HRESULT STDMETHODCALLTYPE cp_qi(IConnectionPoint *This, REFIID iid, void **ret) {
        if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IConnectionPoint)) {
                *ret = This;
                InterlockedIncrement(&FROM_CP(This)->refs);
                return S_OK;
        }
        *ret = NULL;
        return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE cp_addref(IConnectionPoint *This) {
        return d_addref((IDispatch *) FROM_CP(This));
}
static ULONG STDMETHODCALLTYPE cp_release(IConnectionPoint *This) {
        return d_release((IDispatch *) FROM_CP(This));
}
static HRESULT STDMETHODCALLTYPE cp_iid(IConnectionPoint *This, IID *ret) {
        *ret = FROM_CP(This)->events_iid;
        return S_OK;
}
static HRESULT STDMETHODCALLTYPE cp_container(IConnectionPoint *This, IConnectionPointContainer **ret) {
        fobj *o = FROM_CP(This);
        *ret = (IConnectionPointContainer *) &o->cpc_vtbl;
        InterlockedIncrement(&o->refs);
        return S_OK;
}
static HRESULT STDMETHODCALLTYPE cp_advise(IConnectionPoint *This, IUnknown *unk, DWORD *cookie) {
        fobj *o = FROM_CP(This);
        IDispatch *d = NULL;
        if (o->sink)
                return CONNECT_E_ADVISELIMIT;
        /* Outlook asks the sink for the event interface itself. */
        if (FAILED(IUnknown_QueryInterface(unk, &o->events_iid, (void **) &d)))
                return CONNECT_E_CANNOTCONNECT;
        o->sink_answered_diid = true;
        o->sink = d;
        *cookie = o->sink_cookie = 42;
        return S_OK;
}
static HRESULT STDMETHODCALLTYPE cp_unadvise(IConnectionPoint *This, DWORD cookie) {
        fobj *o = FROM_CP(This);
        if (!o->sink || cookie != o->sink_cookie)
                return CONNECT_E_NOCONNECTION;
        IDispatch_Release(o->sink);
        o->sink = NULL;
        return S_OK;
}
static HRESULT STDMETHODCALLTYPE cp_enum(IConnectionPoint *This, IEnumConnections **ret) {
        return E_NOTIMPL;
}
static IConnectionPointVtbl cp_vtbl = {cp_qi,        cp_addref, cp_release,  cp_iid,
                                       cp_container, cp_advise, cp_unadvise, cp_enum};

/* ---- generic members ------------------------------------------------------ */

fobj *fake_new(void) {
        fobj *o = calloc(1, sizeof(*o));
        if (!o)
                abort();
        o->vtbl = &disp_vtbl;
        o->refs = 1;
        return o;
}

void fake_release(fobj *o) {
        if (o)
                d_release((IDispatch *) o);
}

IDispatch *fake_disp(fobj *o) {
        return (IDispatch *) o;
}

static fmember *member(fobj *o, const wchar_t *name) {
        for (unsigned i = 0; i < o->n_members; i++)
                if (_wcsicmp(o->members[i].name, name) == 0) {
                        VariantClear(&o->members[i].value);
                        o->members[i].method = NULL;
                        return &o->members[i];
                }
        if (o->n_members == FAKE_MEMBERS_MAX)
                abort();
        wcsncpy(o->members[o->n_members].name, name, 47);
        VariantInit(&o->members[o->n_members].value);
        return &o->members[o->n_members++];
}

VARIANT *fake_get(fobj *o, const wchar_t *name) {
        for (unsigned i = 0; i < o->n_members; i++)
                if (_wcsicmp(o->members[i].name, name) == 0)
                        return &o->members[i].value;
        return NULL;
}

void fake_set_str(fobj *o, const wchar_t *name, const wchar_t *value) {
        fmember *m = member(o, name);
        V_VT(&m->value) = VT_BSTR;
        V_BSTR(&m->value) = SysAllocString(value);
}

void fake_set_long(fobj *o, const wchar_t *name, long value) {
        fmember *m = member(o, name);
        V_VT(&m->value) = VT_I4;
        V_I4(&m->value) = value;
}

void fake_set_obj(fobj *o, const wchar_t *name, fobj *value) {
        fmember *m = member(o, name);
        V_VT(&m->value) = VT_DISPATCH;
        V_DISPATCH(&m->value) = (IDispatch *) value;
        d_addref((IDispatch *) value);
}

void fake_set_method(fobj *o, const wchar_t *name, fake_method fn) {
        member(o, name)->method = fn;
}

/* ---- collections ---------------------------------------------------------- */

/* The one argument of Item(index) and Remove(index): a 1-based index of
 * one of self's children, as *at (0-based). */
static HRESULT child_index(fobj *self, VARIANT *args, unsigned n, unsigned *at) {
        VARIANT i;
        VariantInit(&i);
        if (n != 1 || FAILED(VariantChangeType(&i, &args[0], 0, VT_I4)))
                return DISP_E_BADPARAMCOUNT;
        if (V_I4(&i) < 1 || (unsigned) V_I4(&i) > self->n_children)
                return DISP_E_BADINDEX;
        *at = (unsigned) V_I4(&i) - 1;
        return S_OK;
}

static HRESULT coll_item(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        unsigned at;
        HRESULT hr = child_index(self, args, n, &at);
        if (FAILED(hr))
                return hr;
        V_VT(ret) = VT_DISPATCH;
        V_DISPATCH(ret) = (IDispatch *) self->children[at];
        d_addref(V_DISPATCH(ret));
        return S_OK;
}

fobj *fake_collection(void) {
        fobj *c = fake_new();
        fake_set_long(c, L"Count", 0);
        fake_set_method(c, L"Item", coll_item);
        return c;
}

void fake_add_child(fobj *coll, fobj *child) {
        if (coll->n_children == FAKE_CHILDREN_MAX)
                abort();
        coll->children[coll->n_children++] = child;
        d_addref((IDispatch *) child);
        fake_set_long(coll, L"Count", (long) coll->n_children);
}

/* ---- PropertyAccessor ----------------------------------------------------- */

static HRESULT pa_set(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        if (n != 2 || V_VT(&args[0]) != VT_BSTR || self->n_log == FAKE_LOG_MAX)
                return DISP_E_BADPARAMCOUNT;
        self->log[self->n_log].name = _wcsdup(V_BSTR(&args[0]));
        VariantInit(&self->log[self->n_log].value);
        VariantCopy(&self->log[self->n_log].value, &args[1]);
        self->n_log++;
        fake_pa_set(self, V_BSTR(&args[0]), &args[1]);
        return S_OK;
}

/* Like Outlook: a missing property raises an error instead of returning empty. */
static HRESULT pa_get(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        if (n != 1 || V_VT(&args[0]) != VT_BSTR)
                return DISP_E_BADPARAMCOUNT;
        for (unsigned i = 0; i < self->n_props; i++)
                if (_wcsicmp(self->props[i].name, V_BSTR(&args[0])) == 0)
                        return VariantCopy(ret, &self->props[i].value);
        return DISP_E_EXCEPTION;
}

/* Like Outlook: deleting a property the item does not have is an error. */
static HRESULT pa_delete(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        if (n != 1 || V_VT(&args[0]) != VT_BSTR)
                return DISP_E_BADPARAMCOUNT;
        for (unsigned i = 0; i < self->n_props; i++)
                if (_wcsicmp(self->props[i].name, V_BSTR(&args[0])) == 0) {
                        free(self->props[i].name);
                        VariantClear(&self->props[i].value);
                        self->props[i] = self->props[--self->n_props];
                        self->n_deleted++;
                        return S_OK;
                }
        return DISP_E_EXCEPTION;
}

fobj *fake_property_accessor(void) {
        fobj *pa = fake_new();
        fake_set_method(pa, L"SetProperty", pa_set);
        fake_set_method(pa, L"GetProperty", pa_get);
        fake_set_method(pa, L"DeleteProperty", pa_delete);
        return pa;
}

VARIANT *fake_pa_get(fobj *pa, const wchar_t *name) {
        for (unsigned i = 0; i < pa->n_props; i++)
                if (_wcsicmp(pa->props[i].name, name) == 0)
                        return &pa->props[i].value;
        return NULL;
}

void fake_pa_set(fobj *pa, const wchar_t *name, VARIANT *value) {
        for (unsigned i = 0; i < pa->n_props; i++)
                if (_wcsicmp(pa->props[i].name, name) == 0) {
                        VariantClear(&pa->props[i].value);
                        VariantCopy(&pa->props[i].value, value);
                        return;
                }
        if (pa->n_props == FAKE_PROPS_MAX)
                abort();
        pa->props[pa->n_props].name = _wcsdup(name);
        VariantInit(&pa->props[pa->n_props].value);
        VariantCopy(&pa->props[pa->n_props].value, value);
        pa->n_props++;
}

/* ---- address entries and recipients --------------------------------------- */

static HRESULT get_exchange_user(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT *u = fake_get(self, L"_ExchangeUser");
        if (!u || V_VT(u) != VT_DISPATCH)
                return DISP_E_EXCEPTION;
        return VariantCopy(ret, u);
}

static HRESULT get_exchange_dl(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT *u = fake_get(self, L"_ExchangeDL");
        if (!u || V_VT(u) != VT_DISPATCH)
                return DISP_E_EXCEPTION;
        return VariantCopy(ret, u);
}

unsigned fake_n_expansions, fake_n_ab_calls;

static HRESULT get_dl_members(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT *u = fake_get(self, L"_Members");
        fake_n_expansions++;
        if (!u || V_VT(u) != VT_DISPATCH)
                return DISP_E_EXCEPTION; /* e.g. the address book is offline */
        return VariantCopy(ret, u);
}

fobj *fake_smtp_entry(const wchar_t *address) {
        fobj *e = fake_new();
        fobj *pa = fake_property_accessor();
        fake_set_long(e, L"AddressEntryUserType", 30);
        fake_set_str(e, L"Type", L"SMTP");
        fake_set_str(e, L"Address", address);
        fake_set_str(e, L"Name", address);
        fake_set_obj(e, L"PropertyAccessor", pa);
        fake_release(pa);
        return e;
}

fobj *fake_exchange_entry(const wchar_t *name, const wchar_t *smtp) {
        fobj *e = fake_new(), *xu = fake_new(), *pa = fake_property_accessor();
        wchar_t dn[256];
        _snwprintf(dn, 256, L"/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=%ls", name);
        fake_set_long(e, L"AddressEntryUserType", 0);
        fake_set_str(e, L"Type", L"EX");
        fake_set_str(e, L"Address", dn);
        fake_set_str(e, L"Name", name);
        fake_set_str(xu, L"PrimarySmtpAddress", smtp);
        fake_set_obj(e, L"_ExchangeUser", xu);
        fake_set_method(e, L"GetExchangeUser", get_exchange_user);
        fake_set_obj(e, L"PropertyAccessor", pa); /* no PR_SMTP_ADDRESS: GetProperty raises */
        fake_release(xu);
        fake_release(pa);
        return e;
}

static HRESULT resolve(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        V_VT(ret) = VT_BOOL;
        V_BOOL(ret) = VARIANT_TRUE;
        return S_OK;
}

static fobj *recipient(long type, fobj *entry) {
        fobj *r = fake_new(), *pa = fake_property_accessor();
        fake_set_method(r, L"Resolve", resolve);
        VARIANT *addr = fake_get(entry, L"Address"), *name = fake_get(entry, L"Name");
        fake_set_long(r, L"Type", type);
        fake_set_str(r, L"Address", addr && V_VT(addr) == VT_BSTR ? V_BSTR(addr) : L"");
        fake_set_str(r, L"Name", name && V_VT(name) == VT_BSTR ? V_BSTR(name) : L"");
        fake_set_obj(r, L"AddressEntry", entry);
        fake_set_obj(r, L"PropertyAccessor", pa);
        fake_release(pa);
        fake_release(entry);
        return r;
}

fobj *fake_smtp_recipient(long type, const wchar_t *address) {
        return recipient(type, fake_smtp_entry(address));
}

fobj *fake_exchange_recipient(long type, const wchar_t *name, const wchar_t *smtp) {
        return recipient(type, fake_exchange_entry(name, smtp));
}

fobj *fake_recipient_for(long type, fobj *entry) {
        return recipient(type, entry);
}

fobj *fake_dl_recipient(long type, const wchar_t *name, fobj *members) {
        return recipient(type, fake_dl_entry(name, NULL, members));
}

fobj *fake_dl_entry(const wchar_t *name, const wchar_t *id, fobj *members) {
        fobj *e = fake_new(), *dl = fake_new();
        if (id)
                fake_set_str(e, L"ID", id);
        fake_set_long(e, L"AddressEntryUserType", 1);
        fake_set_str(e, L"Type", L"EX");
        fake_set_str(e, L"Address", L"/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=list");
        fake_set_str(e, L"Name", name);
        fake_set_method(e, L"GetExchangeDistributionList", get_exchange_dl);
        fake_set_method(dl, L"GetExchangeDistributionListMembers", get_dl_members);
        if (members)
                fake_set_obj(dl, L"_Members", members);
        fake_set_obj(e, L"_ExchangeDL", dl);
        fake_release(dl);
        return e;
}

fobj *fake_dynamic_dl_entry(const wchar_t *name, const wchar_t *smtp) {
        fobj *e = fake_new(), *pa = fake_property_accessor();
        VARIANT v;
        fake_set_long(e, L"AddressEntryUserType", 3);
        fake_set_str(e, L"Type", L"EX");
        fake_set_str(e, L"Address", L"/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=dynamic");
        fake_set_str(e, L"Name", name);
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = SysAllocString(smtp);
        fake_pa_set(pa, L"http://schemas.microsoft.com/mapi/proptag/0x39FE001F", &v);
        VariantClear(&v);
        fake_set_obj(e, L"PropertyAccessor", pa);
        fake_release(pa);
        return e;
}

/* A collection whose members are made on demand: user<i>@domain. */
static HRESULT gen_item(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT i, *count = fake_get(self, L"Count"), *dom = fake_get(self, L"_Domain"),
                   *delay = fake_get(self, L"_Delay");
        wchar_t a[128];
        VariantInit(&i);
        if (n != 1 || FAILED(VariantChangeType(&i, &args[0], 0, VT_I4)))
                return DISP_E_BADPARAMCOUNT;
        if (V_I4(&i) < 1 || V_I4(&i) > V_I4(count))
                return DISP_E_BADINDEX;
        fake_n_ab_calls++;
        if (V_I4(delay))
                Sleep((DWORD) V_I4(delay));
        _snwprintf(a, 128, L"user%ld@%ls", (long) V_I4(&i), V_BSTR(dom));
        V_VT(ret) = VT_DISPATCH;
        V_DISPATCH(ret) = (IDispatch *) fake_smtp_entry(a);
        return S_OK;
}

fobj *fake_generated_members(long n, const wchar_t *domain, DWORD delay_ms) {
        fobj *c = fake_new();
        fake_set_long(c, L"Count", n);
        fake_set_str(c, L"_Domain", domain);
        fake_set_long(c, L"_Delay", (long) delay_ms);
        fake_set_method(c, L"Item", gen_item);
        return c;
}

fobj *fake_remote_user_recipient(long type, const wchar_t *name, const wchar_t *primary, const wchar_t *target) {
        fobj *e = fake_exchange_entry(name, primary), *r, *pa;
        wchar_t t[320];
        VARIANT v;
        fake_set_long(e, L"AddressEntryUserType", 5);
        _snwprintf(t, 320, L"SMTP:%ls", target);
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = SysAllocString(t);
        fake_pa_set((fobj *) V_DISPATCH(fake_get(e, L"PropertyAccessor")),
                    L"http://schemas.microsoft.com/mapi/proptag/0x8011001F", &v);
        VariantClear(&v);
        r = recipient(type, e);
        /* Real resolved recipients carry PR_SMTP_ADDRESS: the primary one. */
        pa = (fobj *) V_DISPATCH(fake_get(r, L"PropertyAccessor"));
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = SysAllocString(primary);
        fake_pa_set(pa, L"http://schemas.microsoft.com/mapi/proptag/0x39FE001F", &v);
        VariantClear(&v);
        return r;
}

void fake_entry_set_cert(fobj *entry, const BYTE *der, DWORD len) {
        SAFEARRAY *outer = SafeArrayCreateVector(VT_VARIANT, 0, 1), *inner = SafeArrayCreateVector(VT_UI1, 0, len);
        VARIANT v, *e;
        BYTE *p;
        SafeArrayAccessData(inner, (void **) &p);
        memcpy(p, der, len);
        SafeArrayUnaccessData(inner);
        SafeArrayAccessData(outer, (void **) &e);
        V_VT(&e[0]) = VT_ARRAY | VT_UI1;
        V_ARRAY(&e[0]) = inner;
        SafeArrayUnaccessData(outer);
        V_VT(&v) = VT_ARRAY | VT_VARIANT;
        V_ARRAY(&v) = outer;
        fake_pa_set((fobj *) V_DISPATCH(fake_get(entry, L"PropertyAccessor")),
                    L"http://schemas.microsoft.com/mapi/proptag/0x8C6A1102", &v);
        VariantClear(&v);
}

void fake_entry_cert_in_store(fobj *entry) {
        fake_set_long(entry, L"_CertInStore", 1);
}

/* ---- mail items and the application ----------------------------------------- */

/* ---- the item's window and Outlook's Encrypt button ------------------------ */

static HRESULT get_pressed(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        if (n != 1 || V_VT(&args[0]) != VT_BSTR)
                return DISP_E_BADPARAMCOUNT;
        V_VT(ret) = VT_BOOL;
        V_BOOL(ret) = wcscmp(V_BSTR(&args[0]), L"EncryptMessage") == 0 && V_I4(fake_get(self, L"_Encrypt"))
                              ? VARIANT_TRUE
                              : VARIANT_FALSE;
        return S_OK;
}

static HRESULT execute_mso(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        if (n != 1 || V_VT(&args[0]) != VT_BSTR)
                return DISP_E_BADPARAMCOUNT;
        if (wcscmp(V_BSTR(&args[0]), L"EncryptMessage") == 0)
                fake_set_long(self, L"_Encrypt", !V_I4(fake_get(self, L"_Encrypt")));
        return S_OK;
}

void fake_inspector_open(fobj *app, fobj *item) {
        fobj *insps = (fobj *) V_DISPATCH(fake_get(app, L"Inspectors")), *in = fake_new();
        fake_set_obj(in, L"CurrentItem", item);
        fake_set_obj(in, L"CommandBars", (fobj *) V_DISPATCH(fake_get(item, L"_Bars")));
        fake_add_child(insps, in);
        fake_release(in);
        fake_set_long(item, L"_Open", 1);
}

void fake_inspector_close(fobj *app, fobj *item) {
        fobj *insps = (fobj *) V_DISPATCH(fake_get(app, L"Inspectors"));
        for (unsigned i = 0; i < insps->n_children; i++) {
                VARIANT *cur = fake_get(insps->children[i], L"CurrentItem");
                if (cur && V_DISPATCH(cur) == (IDispatch *) item) {
                        fake_release(insps->children[i]);
                        memmove(&insps->children[i], &insps->children[i + 1],
                                (insps->n_children - i - 1) * sizeof(insps->children[0]));
                        insps->n_children--;
                        fake_set_long(insps, L"Count", (long) insps->n_children);
                        break;
                }
        }
        fake_set_long(item, L"_Open", 0);
}

bool fake_encrypt_pressed(fobj *item) {
        return V_I4(fake_get((fobj *) V_DISPATCH(fake_get(item, L"_Bars")), L"_Encrypt")) != 0;
}

static bool entry_has_cert(fobj *entry) {
        VARIANT *pa = fake_get(entry, L"PropertyAccessor"), *in_store = fake_get(entry, L"_CertInStore");
        if (in_store && V_I4(in_store))
                return true;
        return pa && fake_pa_get((fobj *) V_DISPATCH(pa), L"http://schemas.microsoft.com/mapi/proptag/0x8C6A1102");
}

fake_delivery fake_deliver(fobj *item) {
        fobj *rcpts = (fobj *) V_DISPATCH(fake_get(item, L"Recipients"));
        VARIANT *flags = fake_pa_get(fake_mail_accessor(item), L"http://schemas.microsoft.com/mapi/proptag/0x6E010003");
        /* The window's Encrypt button, or the encrypt bit of an item sent
         * without one. */
        bool enc = fake_encrypt_pressed(item) || (flags && V_VT(flags) == VT_I4 && (V_I4(flags) & 1));
        if (!enc)
                return FAKE_SENT_CLEAR;
        for (unsigned i = 0; i < rcpts->n_children; i++) {
                VARIANT *e = fake_get(rcpts->children[i], L"AddressEntry");
                if (!e || !entry_has_cert((fobj *) V_DISPATCH(e)))
                        return FAKE_SENT_UNENCRYPTED; /* the dialog's "Send Unencrypted" */
        }
        return FAKE_SENT_SMIME;
}

/* Recipients.Add(address): a new To recipient, as Outlook adds one. */
static HRESULT recipients_add(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        if (n != 1 || V_VT(&args[0]) != VT_BSTR)
                return DISP_E_BADPARAMCOUNT;
        fobj *r = fake_smtp_recipient(1, V_BSTR(&args[0]));
        fake_add_child(self, r);
        V_VT(ret) = VT_DISPATCH;
        V_DISPATCH(ret) = (IDispatch *) r; /* the reference fake_smtp_recipient gave */
        return S_OK;
}

/* Recipients.Remove(index), 1-based. */
static HRESULT recipients_remove(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        unsigned at;
        HRESULT hr = child_index(self, args, n, &at);
        if (FAILED(hr))
                return hr;
        d_release((IDispatch *) self->children[at]);
        for (unsigned k = at + 1; k < self->n_children; k++)
                self->children[k - 1] = self->children[k];
        self->n_children--;
        fake_set_long(self, L"Count", (long) self->n_children);
        return S_OK;
}

static HRESULT get_conversation(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        return VariantCopy(ret, fake_get(self, L"_Conversation"));
}

static HRESULT get_parent(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        if (n != 1 || V_VT(&args[0]) != VT_DISPATCH)
                return DISP_E_BADPARAMCOUNT;
        return VariantCopy(ret, fake_get(self, L"_Parent"));
}

void fake_mail_set_parent(fobj *mail, fobj *parent) {
        fobj *conv = fake_new();
        fake_set_obj(conv, L"_Parent", parent);
        fake_set_method(conv, L"GetParent", get_parent);
        fake_set_obj(mail, L"_Conversation", conv);
        fake_set_method(mail, L"GetConversation", get_conversation);
        fake_release(conv);
}

fobj *fake_mail(const wchar_t *sender, const wchar_t *subject, const wchar_t *body) {
        fobj *m = fake_new(), *r = fake_collection(), *a = fake_collection(), *pa = fake_property_accessor(),
             *bars = fake_new();
        fake_set_long(bars, L"_Encrypt", 0);
        fake_set_method(bars, L"GetPressedMso", get_pressed);
        fake_set_method(bars, L"ExecuteMso", execute_mso);
        fake_set_obj(m, L"_Bars", bars);
        fake_release(bars);
        fake_set_long(m, L"_Open", 0);
        fake_set_long(m, L"Class", 43);
        fake_set_str(m, L"SenderEmailAddress", sender);
        fake_set_str(m, L"Subject", subject);
        fake_set_str(m, L"Body", body);
        fake_set_method(r, L"Add", recipients_add);
        fake_set_method(r, L"Remove", recipients_remove);
        fake_set_obj(m, L"Recipients", r);
        fake_set_obj(m, L"Attachments", a);
        {
                fmember *mm = member(m, L"DeferredDeliveryTime"); /* Outlook's "no date" */
                V_VT(&mm->value) = VT_DATE;
                V_DATE(&mm->value) = FAKE_DATE_NONE;
        }
        fake_set_obj(m, L"PropertyAccessor", pa);
        fake_release(r);
        fake_release(a);
        fake_release(pa);
        return m;
}

void fake_mail_add_recipient(fobj *mail, fobj *rcpt) {
        fake_add_child((fobj *) V_DISPATCH(fake_get(mail, L"Recipients")), rcpt);
        fake_release(rcpt);
}

void fake_mail_add_attachment(fobj *mail, const wchar_t *name, long size) {
        fobj *a = fake_new();
        fake_set_str(a, L"FileName", name);
        fake_set_long(a, L"Size", size);
        fake_add_child((fobj *) V_DISPATCH(fake_get(mail, L"Attachments")), a);
        fake_release(a);
}

#define FAKE_PR_ATTACH_DATA_BIN L"http://schemas.microsoft.com/mapi/proptag/0x37010102"
#define FAKE_PR_ATTACH_MIME_TAG L"http://schemas.microsoft.com/mapi/proptag/0x370E001F"

static fobj *attachment(fobj *mail, const wchar_t *name, long type, long size) {
        fobj *a = fake_new(), *pa = fake_property_accessor();
        fake_set_str(a, L"FileName", name);
        fake_set_long(a, L"Size", size);
        fake_set_long(a, L"Type", type);
        fake_set_obj(a, L"PropertyAccessor", pa);
        fake_release(pa);
        fake_add_child((fobj *) V_DISPATCH(fake_get(mail, L"Attachments")), a);
        fake_release(a);
        return pa;
}

void fake_mail_add_attachment_data(fobj *mail, const wchar_t *name, const void *data, size_t len, const wchar_t *mime) {
        fobj *pa = attachment(mail, name, 1, (long) len);
        VARIANT v;
        void *p;
        V_VT(&v) = VT_ARRAY | VT_UI1;
        V_ARRAY(&v) = SafeArrayCreateVector(VT_UI1, 0, (ULONG) len);
        if (!V_ARRAY(&v) || FAILED(SafeArrayAccessData(V_ARRAY(&v), &p)))
                abort();
        memcpy(p, data, len);
        SafeArrayUnaccessData(V_ARRAY(&v));
        fake_pa_set(pa, FAKE_PR_ATTACH_DATA_BIN, &v);
        VariantClear(&v);
        if (mime) {
                V_VT(&v) = VT_BSTR;
                V_BSTR(&v) = SysAllocString(mime);
                fake_pa_set(pa, FAKE_PR_ATTACH_MIME_TAG, &v);
                VariantClear(&v);
        }
}

void fake_mail_add_attachment_typed(fobj *mail, const wchar_t *name, long type) {
        attachment(mail, name, type, 4096);
}

fobj *fake_mail_accessor(fobj *mail) {
        return (fobj *) V_DISPATCH(fake_get(mail, L"PropertyAccessor"));
}

static HRESULT language_id(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT *v = fake_get(self, L"_UI");
        if (n != 1)
                return DISP_E_BADPARAMCOUNT;
        return VariantCopy(ret, v);
}

fobj *fake_application(LANGID ui_language) {
        fobj *app = fake_new(), *ls = fake_new();
        fake_events(app, &diid_app_events);
        fake_set_long(ls, L"_UI", ui_language);
        fake_set_method(ls, L"LanguageID", language_id);
        fake_set_obj(app, L"LanguageSettings", ls);
        fake_set_str(app, L"Version", L"16.0.0.0");
        {
                fobj *insps = fake_collection();
                fake_set_obj(app, L"Inspectors", insps);
                fake_release(insps);
        }
        fake_release(ls);
        return app;
}

void fake_events(fobj *o, const GUID *iid) {
        o->cpc_vtbl = &cpc_vtbl;
        o->cp_vtbl = &cp_vtbl;
        o->events_iid = *iid;
}

HRESULT fake_fire(fobj *o, DISPID id, VARIANT *args, unsigned n) {
        VARIANT rev[4];
        DISPPARAMS dp = {rev, NULL, n, 0};
        if (!o->sink || n > 4)
                return E_FAIL;
        for (unsigned i = 0; i < n; i++)
                rev[i] = args[n - 1 - i];
        return IDispatch_Invoke(o->sink, id, &IID_NULL, 0, DISPATCH_METHOD, &dp, NULL, NULL, NULL);
}

static HRESULT active_explorer(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT *v = fake_get(self, L"_Explorer");
        if (!v || V_VT(v) != VT_DISPATCH)
                return DISP_E_EXCEPTION;
        return VariantCopy(ret, v);
}

fobj *fake_explorer(fobj *app) {
        static const GUID diid_explorer_events = {
                0x0006300F, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
        fobj *ex = fake_new();
        fake_events(ex, &diid_explorer_events);
        fake_set_obj(app, L"_Explorer", ex);
        fake_set_method(app, L"ActiveExplorer", active_explorer);
        fake_release(ex);
        return ex;
}

void fake_item_events(fobj *item) {
        static const GUID diid_item_events = {
                0x0006302B, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
        fake_events(item, &diid_item_events);
}

HRESULT fake_fire_item_send(fobj *app, fobj *item, VARIANT_BOOL *cancel) {
        VARIANT args[2];
        DISPPARAMS dp = {args, NULL, 2, 0};
        if (!app->sink)
                return E_FAIL;
        V_VT(&args[1]) = VT_DISPATCH;
        V_DISPATCH(&args[1]) = (IDispatch *) item;
        V_VT(&args[0]) = VT_BOOL | VT_BYREF;
        V_BOOLREF(&args[0]) = cancel;
        return IDispatch_Invoke(app->sink, 0xF002, &IID_NULL, 0, DISPATCH_METHOD, &dp, NULL, NULL, NULL);
}
