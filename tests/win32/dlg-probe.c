/* dlg-probe.exe: reads a dialog of another process as a screen reader on
 * Windows does, through Microsoft Active Accessibility (oleacc: the
 * standard controls' own IAccessible), for the accessibility test of the
 * Outlook and Windows prompt dialogs (test-dialog-a11y.py).
 *
 *   dlg-probe.exe wait TITLE SECONDS   exit 0 once a visible top-level window
 *                                      titled TITLE exists
 *   dlg-probe.exe read TITLE           one JSON object per line (UTF-8):
 *     {"window": ...}   the dialog: name, role, the focused control's id
 *     {"tab": N, ...}   each Tab stop in GetNextDlgTabItem order from the
 *                       first: class, style, text, the static label before
 *                       it, MSAA name, role, shortcut and state, focused,
 *                       default, disabled, screen rectangle
 *     {"control": ...}  every visible child window, the same fields
 *
 * Exit status 0, 2 on usage, 3 when the window is not found. */
#define COBJMACROS
#include <windows.h>

#include <oleacc.h>
#include <shellapi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "../common/json-put.h"

/* IID_IAccessible: mingw's liboleacc.a resolves the symbol to an import
 * thunk, not the GUID's data. */
static const IID iid_accessible = {0x618736e0, 0x3c3d, 0x11cf, {0x81, 0x0c, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}};

#define TAB_STOPS_MAX 256
#define TEXT_MAX      4096

static const wchar_t *want_title;
static HWND found;

static BOOL CALLBACK find_top(HWND w, LPARAM lp) {
        wchar_t t[TEXT_MAX];
        (void) lp;
        if (IsWindowVisible(w) && GetWindowTextW(w, t, TEXT_MAX) > 0 && wcscmp(t, want_title) == 0) {
                found = w;
                return FALSE;
        }
        return TRUE;
}

static HWND find_window(const wchar_t *title) {
        want_title = title;
        found = NULL;
        EnumWindows(find_top, 0);
        return found;
}

/* JSON string of a UTF-16 text, on stdout. */
static void put_json(const wchar_t *w) {
        char u[TEXT_MAX * 3];
        bool ok = w && WideCharToMultiByte(CP_UTF8, 0, w, -1, u, sizeof u, NULL, NULL) > 0;
        sg_test_put_json(ok ? u : NULL);
}

static void put_bstr(const char *key, HRESULT hr, BSTR b) {
        printf(", \"%s\": ", key);
        if (SUCCEEDED(hr) && b)
                put_json(b);
        else
                fputs("null", stdout);
        SysFreeString(b);
}

/* The MSAA fields of window `w` (its client object, as a screen reader asks). */
static void put_acc(HWND w) {
        IAccessible *acc = NULL;
        VARIANT self, v;
        BSTR b = NULL;
        self.vt = VT_I4;
        self.lVal = CHILDID_SELF;
        HRESULT hr = AccessibleObjectFromWindow(w, (DWORD) OBJID_CLIENT, &iid_accessible, (void **) &acc);
        if (FAILED(hr) || !acc) {
                printf(", \"name\": null, \"role\": null, \"error\": \"0x%08lx\"", (unsigned long) hr);
                return;
        }
        put_bstr("name", IAccessible_get_accName(acc, self, &b), b);
        b = NULL;
        put_bstr("shortcut", IAccessible_get_accKeyboardShortcut(acc, self, &b), b);
        VariantInit(&v);
        if (SUCCEEDED(IAccessible_get_accRole(acc, self, &v)) && v.vt == VT_I4) {
                wchar_t rn[128] = L"";
                GetRoleTextW((DWORD) v.lVal, rn, 128);
                printf(", \"role\": %ld, \"role_text\": ", v.lVal);
                put_json(rn);
        } else {
                fputs(", \"role\": null", stdout);
        }
        VariantClear(&v);
        if (SUCCEEDED(IAccessible_get_accState(acc, self, &v)) && v.vt == VT_I4)
                printf(", \"acc_state\": %ld", v.lVal);
        VariantClear(&v);
        IAccessible_Release(acc);
}

static void put_control(HWND w, HWND focus) {
        wchar_t cls[128] = L"", text[TEXT_MAX] = L"";
        RECT r = {0};
        LONG style = GetWindowLongW(w, GWL_STYLE);
        GetClassNameW(w, cls, 128);
        GetWindowTextW(w, text, TEXT_MAX);
        GetWindowRect(w, &r);
        printf("\"id\": %d, \"style\": %ld, \"class\": ", GetDlgCtrlID(w), style);
        put_json(cls);
        fputs(", \"text\": ", stdout);
        put_json(text);
        /* The label Windows' oleacc names a field from: the static text
         * just before it in the z-order (the dialog template's order). */
        HWND prev = GetWindow(w, GW_HWNDPREV);
        wchar_t pcls[128] = L"", ptext[TEXT_MAX] = L"";
        if (prev && GetClassNameW(prev, pcls, 128) && _wcsicmp(pcls, L"Static") == 0 &&
            GetWindowTextW(prev, ptext, TEXT_MAX) > 0) {
                fputs(", \"label\": ", stdout);
                put_json(ptext);
        }
        printf(", \"rect\": [%ld, %ld, %ld, %ld], \"focused\": %s, \"disabled\": %s, \"default\": %s", r.left, r.top,
               r.right, r.bottom, w == focus ? "true" : "false", IsWindowEnabled(w) ? "false" : "true",
               _wcsicmp(cls, L"Button") == 0 && (style & BS_TYPEMASK) == BS_DEFPUSHBUTTON ? "true" : "false");
        put_acc(w);
}

static HWND probe_focus;

static BOOL CALLBACK each_child(HWND w, LPARAM lp) {
        (void) lp;
        if (!IsWindowVisible(w))
                return TRUE;
        fputs("{\"control\": true, ", stdout);
        put_control(w, probe_focus);
        puts("}");
        return TRUE;
}

static int read_dialog(HWND dlg) {
        GUITHREADINFO gti;
        memset(&gti, 0, sizeof gti);
        gti.cbSize = sizeof gti;
        DWORD tid = GetWindowThreadProcessId(dlg, NULL);
        HWND focus = GetGUIThreadInfo(tid, &gti) ? gti.hwndFocus : NULL;
        fputs("{\"window\": true, \"id\": 0, \"text\": ", stdout);
        wchar_t text[TEXT_MAX] = L"";
        GetWindowTextW(dlg, text, TEXT_MAX);
        put_json(text);
        printf(", \"focus_id\": %d", focus ? GetDlgCtrlID(focus) : -1);
        put_acc(dlg);
        puts("}");
        HWND first = GetNextDlgTabItem(dlg, NULL, FALSE), h = first;
        for (int i = 0; h && i < TAB_STOPS_MAX; i++) {
                printf("{\"tab\": %d, ", i);
                put_control(h, focus);
                puts("}");
                h = GetNextDlgTabItem(dlg, h, FALSE);
                if (h == first)
                        break;
        }
        probe_focus = focus;
        EnumChildWindows(dlg, each_child, 0);
        fflush(stdout);
        return 0;
}

int main(void) {
        int argc = 0;
        wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
        if (!argv || argc < 3)
                return 2;
        CoInitialize(NULL);
        if (wcscmp(argv[1], L"wait") == 0 && argc == 4) {
                int tenths = _wtoi(argv[3]) * 10;
                for (int i = 0; i < tenths; i++) {
                        if (find_window(argv[2]))
                                return 0;
                        Sleep(100);
                }
                return 3;
        }
        if (wcscmp(argv[1], L"read") == 0 && argc == 3) {
                HWND dlg = find_window(argv[2]);
                return dlg ? read_dialog(dlg) : 3;
        }
        return 2;
}
