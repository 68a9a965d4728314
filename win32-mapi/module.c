/* sealgate Outlook add-in: DllMain and the exported entry points
 * (sealgate-outlook.def). */
#include <windows.h>

#include "factory.h"
#include "module.h"
#include "outlook-om.h"
#include "register.h"

HINSTANCE sg_module;
static LONG refs;

void sg_module_ref(void) {
        InterlockedIncrement(&refs);
}

void sg_module_unref(void) {
        InterlockedDecrement(&refs);
}

LONG sg_module_refs(void) {
        return refs;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved);
BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved) {
        if (reason == DLL_PROCESS_ATTACH) {
                sg_module = inst;
                DisableThreadLibraryCalls(inst);
        }
        return TRUE;
}

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID iid, void **ret);
HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID iid, void **ret) {
        if (!ret)
                return E_POINTER;
        *ret = NULL;
        if (!IsEqualCLSID(clsid, &SG_CLSID_ADDIN))
                return CLASS_E_CLASSNOTAVAILABLE;
        return sg_factory_get(iid, ret);
}

HRESULT WINAPI DllCanUnloadNow(void);
HRESULT WINAPI DllCanUnloadNow(void) {
        return refs == 0 ? S_OK : S_FALSE;
}

/* Per user (development). Installers register per machine. */
HRESULT WINAPI DllRegisterServer(void);
HRESULT WINAPI DllRegisterServer(void) {
        return sg_register(HKEY_CURRENT_USER);
}

HRESULT WINAPI DllUnregisterServer(void);
HRESULT WINAPI DllUnregisterServer(void) {
        return sg_unregister(HKEY_CURRENT_USER);
}

/* `regsvr32 /n /i:machine` (or /i:user) registers for every user (or one);
 * `regsvr32 /u /n /i:machine` removes that registration. */
HRESULT WINAPI DllInstall(BOOL install, LPCWSTR cmdline);
HRESULT WINAPI DllInstall(BOOL install, LPCWSTR cmdline) {
        HKEY root;
        if (!cmdline || !*cmdline || _wcsicmp(cmdline, L"user") == 0)
                root = HKEY_CURRENT_USER;
        else if (_wcsicmp(cmdline, L"machine") == 0)
                root = HKEY_LOCAL_MACHINE;
        else
                return E_INVALIDARG;
        return install ? sg_register(root) : sg_unregister(root);
}
