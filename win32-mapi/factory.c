/* sealgate Outlook add-in: IClassFactory (a static object; LockServer counts
 * in the module's references). */
#define COBJMACROS
#include <windows.h>

#include <unknwn.h>

#include "addin.h"
#include "factory.h"
#include "module.h"

static HRESULT STDMETHODCALLTYPE qi(IClassFactory *This, REFIID iid, void **ret) {
        if (!ret)
                return E_POINTER;
        if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IClassFactory)) {
                *ret = This;
                IClassFactory_AddRef(This);
                return S_OK;
        }
        *ret = NULL;
        return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE addref(IClassFactory *This) {
        sg_module_ref();
        return 2;
}

static ULONG STDMETHODCALLTYPE release(IClassFactory *This) {
        sg_module_unref();
        return 1;
}

static HRESULT STDMETHODCALLTYPE create(IClassFactory *This, IUnknown *outer, REFIID iid, void **ret) {
        if (!ret)
                return E_POINTER;
        *ret = NULL;
        if (outer)
                return CLASS_E_NOAGGREGATION;
        return sg_addin_create(iid, ret);
}

static HRESULT STDMETHODCALLTYPE lock_server(IClassFactory *This, BOOL lock) {
        if (lock)
                sg_module_ref();
        else
                sg_module_unref();
        return S_OK;
}

static IClassFactoryVtbl vtbl = {qi, addref, release, create, lock_server};
static IClassFactory factory = {&vtbl};

HRESULT sg_factory_get(REFIID iid, void **ret) {
        return qi(&factory, iid, ret);
}
