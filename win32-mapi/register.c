/* sealgate Outlook add-in: registration (see register.h). Keys:
 *   Software\Classes\CLSID\{clsid}                 (default) = friendly name
 *   Software\Classes\CLSID\{clsid}\InprocServer32  (default) = DLL path, ThreadingModel = Apartment
 *   Software\Classes\CLSID\{clsid}\ProgID          (default) = ProgID
 *   Software\Classes\<ProgID>\CLSID                (default) = {clsid}
 *   Software\Microsoft\Office\Outlook\Addins\<ProgID>
 *       LoadBehavior = 3 (DWORD), FriendlyName, Description */
#include <stdbool.h>
#include <string.h>

#include <windows.h>

#include "module.h"
#include "outlook-om.h"
#include "register.h"

#define FRIENDLY_NAME L"sealgate secure send"
#define DESCRIPTION   L"Checks recipients and content before sending and protects messages as the policy says."
#define CLSID_KEY     L"Software\\Classes\\CLSID\\" SG_CLSID_ADDIN_STR
#define PROGID_KEY    L"Software\\Classes\\" SG_PROGID
#define ADDINS_KEY    L"Software\\Microsoft\\Office\\Outlook\\Addins"
#define ADDIN_KEY     ADDINS_KEY L"\\" SG_PROGID

static LSTATUS set_sz(HKEY root, const wchar_t *key, const wchar_t *name, const wchar_t *value) {
        HKEY k;
        LSTATUS r = RegCreateKeyExW(root, key, 0, NULL, 0, KEY_SET_VALUE, NULL, &k, NULL);
        if (r != ERROR_SUCCESS)
                return r;
        r = RegSetValueExW(k, name, 0, REG_SZ, (const BYTE *) value, (DWORD) ((wcslen(value) + 1) * sizeof(wchar_t)));
        RegCloseKey(k);
        return r;
}

static LSTATUS set_dword(HKEY root, const wchar_t *key, const wchar_t *name, DWORD value) {
        HKEY k;
        LSTATUS r = RegCreateKeyExW(root, key, 0, NULL, 0, KEY_SET_VALUE, NULL, &k, NULL);
        if (r != ERROR_SUCCESS)
                return r;
        r = RegSetValueExW(k, name, 0, REG_DWORD, (const BYTE *) &value, sizeof(value));
        RegCloseKey(k);
        return r;
}

HRESULT sg_register(HKEY root) {
        wchar_t path[MAX_PATH];
        DWORD n = GetModuleFileNameW(sg_module, path, MAX_PATH);
        LSTATUS r;

        if (!n || n >= MAX_PATH)
                return E_FAIL;
        if ((r = set_sz(root, CLSID_KEY, NULL, FRIENDLY_NAME)) ||
            (r = set_sz(root, CLSID_KEY L"\\InprocServer32", NULL, path)) ||
            (r = set_sz(root, CLSID_KEY L"\\InprocServer32", L"ThreadingModel", L"Apartment")) ||
            (r = set_sz(root, CLSID_KEY L"\\ProgID", NULL, SG_PROGID)) ||
            (r = set_sz(root, PROGID_KEY, NULL, FRIENDLY_NAME)) ||
            (r = set_sz(root, PROGID_KEY L"\\CLSID", NULL, SG_CLSID_ADDIN_STR)) ||
            (r = set_dword(root, ADDIN_KEY, L"LoadBehavior", 3)) ||
            (r = set_sz(root, ADDIN_KEY, L"FriendlyName", FRIENDLY_NAME)) ||
            (r = set_sz(root, ADDIN_KEY, L"Description", DESCRIPTION))) {
                sg_unregister(root);
                return HRESULT_FROM_WIN32(r);
        }
        return S_OK;
}

static bool gone(LSTATUS r) {
        return r == ERROR_SUCCESS || r == ERROR_FILE_NOT_FOUND || r == ERROR_PATH_NOT_FOUND;
}

HRESULT sg_unregister(HKEY root) {
        static const wchar_t *const parents[] = {
                ADDINS_KEY,
                L"Software\\Microsoft\\Office\\Outlook",
                L"Software\\Microsoft\\Office",
        };
        LSTATUS r1 = RegDeleteTreeW(root, CLSID_KEY);
        LSTATUS r2 = RegDeleteTreeW(root, PROGID_KEY);
        LSTATUS r3 = RegDeleteTreeW(root, ADDIN_KEY);

        /* RegDeleteKeyW fails on a key that still has subkeys: only the
         * parents that registration created and nothing else uses go. */
        for (size_t i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
                HKEY k;
                DWORD subkeys = 1, values = 1;
                if (RegOpenKeyExW(root, parents[i], 0, KEY_READ, &k) != ERROR_SUCCESS)
                        continue;
                RegQueryInfoKeyW(k, NULL, NULL, NULL, &subkeys, NULL, NULL, &values, NULL, NULL, NULL, NULL);
                RegCloseKey(k);
                if (subkeys || values)
                        break;
                RegDeleteKeyW(root, parents[i]);
        }
        return gone(r1) && gone(r2) && gone(r3) ? S_OK : E_FAIL;
}
