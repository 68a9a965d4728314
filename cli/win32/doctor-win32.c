/* sealgate.exe doctor: why Thunderbird on Windows says "No such native
 * application", and whether Outlook will load the add-in. One line per check,
 * as `sealgate doctor` on Linux (cli/doctor.c) prints them; the manifest is
 * read by the same reader (core/json manifest.c) and the policy by the same
 * registry reader as the add-in and the host (win32-common/policy-reg.c).
 *
 * Thunderbird's lookup on Windows: the default value of
 * Software\Mozilla\NativeMessagingHosts\<name> under HKCU (64-bit view),
 * then under HKLM in the 32-bit registry view, then in the 64-bit view; the
 * first non-empty value wins and is the manifest's path, and the manifest's
 * "path" may be relative to the manifest's folder. An invalid manifest there
 * is not skipped for the next registry place (unlike the Linux folders).
 * Source: Gecko's toolkit/components/extensions/NativeManifests.sys.mjs,
 * NativeManifests._winLookup (readRegKey ROOT_KEY_CURRENT_USER WOW64_64,
 * then ROOT_KEY_LOCAL_MACHINE WOW64_32, then WOW64_64; mozilla/gecko-dev
 * 390455a8cc05). */
#include "doctor-win32.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include <json-c/json.h>

#include "../doctor-line.h"
#include "policy-reg.h"
#include "sealgate/error.h"
#include "sealgate/format.h"
#include "sealgate/manifest.h"
#include "sealgate/policy.h"
#include "texts-win32.h"

#define NMH_KEY        "Software\\Mozilla\\NativeMessagingHosts\\" SG_WDOCTOR_HOST_NAME
#define ADDIN_KEY      "Software\\Microsoft\\Office\\Outlook\\Addins\\" SG_WDOCTOR_ADDIN_PROGID
#define RESILIENCY_KEY "Software\\Policies\\Microsoft\\Office\\16.0\\Outlook\\Resiliency\\AddinList"
#define TB_POLICY_KEY  "Software\\Policies\\Mozilla\\Thunderbird\\ExtensionSettings\\" SG_WDOCTOR_EXTENSION_ID
#define DETAIL_MAX     1024

/* The checks, in the order they are printed. */
enum {
        C_REGISTRATION,
        C_MANIFEST,
        C_NAME,
        C_DESCRIPTION,
        C_TYPE,
        C_PATH,
        C_ALLOWED,
        C_HOST,
        C_OUTLOOK_COM,
        C_OUTLOOK_ADDIN,
        C_OUTLOOK_RESILIENCY,
        C_TB_POLICY,
        C_POLICY,
        C_COUNT
};

static const char *const check_ids[C_COUNT] = {
        "registration",
        "manifest",
        "name",
        "description",
        "type",
        "path",
        "allowed_extensions",
        "host",
        "outlook-com",
        "outlook-addin",
        "outlook-resiliency",
        "thunderbird-policy",
        "policy",
};

typedef struct report {
        bool json;
        bool write_error;
        int failed;
        json_object *checks;
} report;

/* Control characters (from the registry or a file) become '?'. */
static void clean(char *s) {
        for (unsigned char *p = (unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7F)
                        *p = '?';
}

/* One check's line; `text` is its detail in the user's language. */
static void put(report *rep, int id, bool ok, const char *text) {
        char detail[DETAIL_MAX];
        snprintf(detail, sizeof detail, "%s", text);
        clean(detail);
        if (!ok)
                rep->failed++;
        if (rep->json) {
                json_object *c = json_object_new_object();
                json_object_object_add(c, "id", json_object_new_string(check_ids[id]));
                json_object_object_add(c, "ok", json_object_new_boolean(ok));
                json_object_object_add(c, "detail", json_object_new_string(detail));
                json_object_array_add(rep->checks, c);
                return;
        }
        if (!sg_doctor_print_line(ok, check_ids[id], detail))
                rep->write_error = true;
}

/* The catalog's text `t` filled from string arguments, in a buffer that
 * lives until the end of the full expression (put's argument). */
#define TX(t, ...) sg_wcli_format((char[DETAIL_MAX]){0}, DETAIL_MAX, SG_CLI_T_WIN_##t, __VA_ARGS__)
#define T0(t)      sg_wcli_text(SG_CLI_T_WIN_##t)

/* ---- UTF-8 and UTF-16. */

static wchar_t *wide(const char *s) {
        int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
        wchar_t *w = n > 0 ? malloc((size_t) n * sizeof *w) : NULL;
        if (w && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) <= 0) {
                free(w);
                w = NULL;
        }
        return w;
}

static bool utf8(const wchar_t *w, char *out, size_t cap) {
        return WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int) cap, NULL, NULL) > 0;
}

/* ---- The registry. */

/* The string value `name` (NULL: the default value) of root\subkey in
 * registry view `view` (0, KEY_WOW64_32KEY or KEY_WOW64_64KEY), as UTF-8,
 * REG_EXPAND_SZ expanded. ERROR_SUCCESS, or the error (ERROR_FILE_NOT_FOUND
 * when the key or value is missing, ERROR_INVALID_DATA when it is not a
 * string, ERROR_MORE_DATA when it is over SG_WDOCTOR_REG_VALUE_MAX). */
static LONG reg_string(HKEY root, REGSAM view, const char *subkey, const char *name, char *out, size_t cap) {
        wchar_t *wsub = wide(subkey), *wname = name ? wide(name) : NULL;
        HKEY k = NULL;
        LONG r = wsub ? RegOpenKeyExW(root, wsub, 0, KEY_QUERY_VALUE | view, &k) : ERROR_OUTOFMEMORY;
        static wchar_t buf[SG_WDOCTOR_REG_VALUE_MAX + 1], exp[SG_WDOCTOR_REG_VALUE_MAX + 1];
        if (r == ERROR_SUCCESS) {
                DWORD type = 0, size = SG_WDOCTOR_REG_VALUE_MAX * sizeof(wchar_t);
                r = RegQueryValueExW(k, wname, NULL, &type, (BYTE *) buf, &size);
                RegCloseKey(k);
                if (r == ERROR_SUCCESS && type != REG_SZ && type != REG_EXPAND_SZ)
                        r = ERROR_INVALID_DATA;
                if (r == ERROR_SUCCESS) {
                        buf[size / sizeof(wchar_t)] = 0;
                        const wchar_t *v = buf;
                        if (type == REG_EXPAND_SZ) {
                                DWORD n = ExpandEnvironmentStringsW(buf, exp, SG_WDOCTOR_REG_VALUE_MAX + 1);
                                if (n == 0 || n > SG_WDOCTOR_REG_VALUE_MAX + 1)
                                        r = ERROR_MORE_DATA;
                                v = exp;
                        }
                        if (r == ERROR_SUCCESS && !utf8(v, out, cap))
                                r = ERROR_MORE_DATA;
                }
        }
        free(wsub);
        free(wname);
        return r;
}

static LONG reg_dword(HKEY root, const char *subkey, const char *name, DWORD *out) {
        wchar_t *wsub = wide(subkey), *wname = wide(name);
        HKEY k = NULL;
        LONG r = wsub && wname ? RegOpenKeyExW(root, wsub, 0, KEY_QUERY_VALUE, &k) : ERROR_OUTOFMEMORY;
        if (r == ERROR_SUCCESS) {
                DWORD type = 0, size = sizeof *out;
                r = RegQueryValueExW(k, wname, NULL, &type, (BYTE *) out, &size);
                RegCloseKey(k);
                if (r == ERROR_SUCCESS && type != REG_DWORD)
                        r = ERROR_INVALID_DATA;
        }
        free(wsub);
        free(wname);
        return r;
}

static bool file_exists(const char *path) {
        wchar_t *w = wide(path);
        DWORD attr = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
        free(w);
        return attr != INVALID_FILE_ATTRIBUTES && !(attr & FILE_ATTRIBUTE_DIRECTORY);
}

static bool absolute(const char *p) {
        return (p[0] && p[1] == ':' && (p[2] == '\\' || p[2] == '/')) || (p[0] == '\\' && p[1] == '\\');
}

/* ---- Thunderbird: the registration, the manifest, the host. */

static const struct {
        HKEY hive;
        REGSAM view;
        const char *label;
        int view_text; /* -1 none, else the catalog's "(32-bit view)" or "(64-bit view)" */
} nmh_lookup[] = {
        {HKEY_CURRENT_USER, KEY_WOW64_64KEY, "HKCU\\" NMH_KEY, -1},
        {HKEY_LOCAL_MACHINE, KEY_WOW64_32KEY, "HKLM\\" NMH_KEY, SG_CLI_T_WIN_VIEW32},
        {HKEY_LOCAL_MACHINE, KEY_WOW64_64KEY, "HKLM\\" NMH_KEY, SG_CLI_T_WIN_VIEW64},
};

/* The manifest path Thunderbird takes, into `out`; false if none. */
static bool check_registration(report *rep, char *out, size_t cap) {
        for (size_t i = 0; i < sizeof nmh_lookup / sizeof *nmh_lookup; i++) {
                LONG r = reg_string(nmh_lookup[i].hive, nmh_lookup[i].view, NMH_KEY, NULL, out, cap);
                if (r == ERROR_SUCCESS && *out) {
                        char label[256];
                        snprintf(label, sizeof label, "%s%s%s", nmh_lookup[i].label,
                                 nmh_lookup[i].view_text < 0 ? "" : " ",
                                 nmh_lookup[i].view_text < 0 ? ""
                                                             : sg_wcli_text((sg_cli_text) nmh_lookup[i].view_text));
                        put(rep, C_REGISTRATION, true, TX(REG_NAMES, label, out));
                        return true;
                }
        }
        put(rep, C_REGISTRATION, false, TX(REG_NONE, NMH_KEY, NMH_KEY));
        return false;
}

static const char *manifest_problem(const sg_manifest_info *info, char *buf, size_t cap) {
        char line[24], col[24], size[SG_FORMAT_TEXT_SIZE];
        snprintf(line, sizeof line, "%zu", info->line);
        snprintf(col, sizeof col, "%zu", info->col);
        switch (info->status) {
        case SG_MANIFEST_IS_DIR:
                return T0(M_IS_DIR);
        case SG_MANIFEST_CANNOT_OPEN:
                return sg_wcli_format(buf, cap, SG_CLI_T_WIN_M_CANNOT_OPEN, strerror(info->sys_errno));
        case SG_MANIFEST_CANNOT_READ:
                return sg_wcli_format(buf, cap, SG_CLI_T_WIN_M_CANNOT_READ, strerror(info->sys_errno));
        case SG_MANIFEST_TOO_LARGE:
                sg_format_size(size, sizeof size, SG_MANIFEST_MAX, sg_wcli_lang() ? SG_FORMAT_JA : SG_FORMAT_EN);
                return sg_wcli_format(buf, cap, SG_CLI_T_WIN_M_TOO_LARGE, size);
        case SG_MANIFEST_EMPTY:
                return T0(M_EMPTY);
        case SG_MANIFEST_INCOMPLETE:
                return T0(M_INCOMPLETE);
        case SG_MANIFEST_NOT_JSON:
                return sg_wcli_format(buf, cap, SG_CLI_T_WIN_M_NOT_JSON, line, col,
                                      info->json_error ? info->json_error : "?");
        case SG_MANIFEST_TRAILING:
                return sg_wcli_format(buf, cap, SG_CLI_T_WIN_M_TRAILING, line, col);
        case SG_MANIFEST_NOT_OBJECT:
                return T0(M_NOT_OBJECT);
        case SG_MANIFEST_OK:
                break;
        }
        return "cannot be used";
}

static const char *member_string(json_object *m, const char *key) {
        json_object *v = NULL;
        if (!m || !json_object_object_get_ex(m, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* Run `exe --version` in its own folder; true when it exits 0 within the
 * time limit printing "sealgate-host VERSION". */
static bool run_host(const char *exe, char *out, size_t cap) {
        SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
        HANDLE rd = NULL, wr = NULL;
        if (!CreatePipe(&rd, &wr, &sa, 0)) {
                char code[24];
                snprintf(code, sizeof code, "%lu", GetLastError());
                sg_wcli_format(out, cap, SG_CLI_T_WIN_HOST_NO_START, code);
                return false;
        }
        SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
        HANDLE nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
        STARTUPINFOW si = {0};
        si.cb = sizeof si;
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = nul;
        si.hStdOutput = wr;
        si.hStdError = wr;
        char cmd[SG_WDOCTOR_REG_VALUE_MAX * 2], dir[SG_WDOCTOR_REG_VALUE_MAX * 2];
        snprintf(cmd, sizeof cmd, "\"%s\" --version", exe);
        snprintf(dir, sizeof dir, "%s", exe);
        char *sep = strrchr(dir, '\\');
        if (sep)
                *sep = 0;
        wchar_t *wcmd = wide(cmd), *wdir = sep ? wide(dir) : NULL;
        PROCESS_INFORMATION pi = {0};
        BOOL started = wcmd && CreateProcessW(NULL, wcmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, wdir, &si, &pi);
        DWORD start_error = GetLastError();
        free(wcmd);
        free(wdir);
        CloseHandle(wr);
        if (nul != INVALID_HANDLE_VALUE)
                CloseHandle(nul);
        if (!started) {
                CloseHandle(rd);
                char code[24];
                snprintf(code, sizeof code, "%lu", start_error);
                sg_wcli_format(out, cap, SG_CLI_T_WIN_HOST_NO_START, code);
                return false;
        }
        bool ok = false;
        DWORD w = WaitForSingleObject(pi.hProcess, SG_WDOCTOR_HOST_TIMEOUT_MS);
        if (w != WAIT_OBJECT_0) {
                TerminateProcess(pi.hProcess, 1);
                char ms[24];
                snprintf(ms, sizeof ms, "%d", SG_WDOCTOR_HOST_TIMEOUT_MS);
                sg_wcli_format(out, cap, SG_CLI_T_WIN_HOST_TIMEOUT, ms);
        } else {
                char text[SG_WDOCTOR_HOST_OUTPUT_MAX + 1];
                DWORD len = 0, got = 0;
                while (len < SG_WDOCTOR_HOST_OUTPUT_MAX &&
                       ReadFile(rd, text + len, SG_WDOCTOR_HOST_OUTPUT_MAX - len, &got, NULL) && got > 0)
                        len += got;
                text[len] = 0;
                char *nl = strpbrk(text, "\r\n");
                if (nl)
                        *nl = 0;
                DWORD code = 1;
                GetExitCodeProcess(pi.hProcess, &code);
                ok = code == 0 && strncmp(text, "sealgate-host ", 14) == 0;
                char status[24];
                snprintf(status, sizeof status, "%lu", code);
                text[200] = 0;
                if (ok)
                        sg_wcli_format(out, cap, SG_CLI_T_WIN_HOST_OK, exe, text);
                else
                        sg_wcli_format(out, cap, SG_CLI_T_WIN_HOST_BAD_EXIT, exe, status, text);
        }
        CloseHandle(rd);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        return ok;
}

static void check_thunderbird(report *rep) {
        char manifest_path[SG_WDOCTOR_REG_VALUE_MAX * 3];
        char why[512];
        json_object *m = NULL;
        if (check_registration(rep, manifest_path, sizeof manifest_path)) {
                sg_manifest_info info;
                sg_manifest_load(manifest_path, &m, &info);
                if (m)
                        put(rep, C_MANIFEST, true, TX(MANIFEST_OK, manifest_path));
                else
                        put(rep, C_MANIFEST, false,
                            TX(MANIFEST_BAD, manifest_path, manifest_problem(&info, why, sizeof why)));
        } else {
                put(rep, C_MANIFEST, false, T0(NOT_CHECKED_REG));
        }
        if (!m) {
                for (int id = C_NAME; id <= C_HOST; id++)
                        put(rep, id, false, T0(NOT_CHECKED_MANIFEST));
                return;
        }
        char quoted[256];
        const char *name = member_string(m, "name");
        if (name && strcmp(name, SG_WDOCTOR_HOST_NAME) == 0) {
                snprintf(quoted, sizeof quoted, "\"%s\"", name);
                put(rep, C_NAME, true, quoted);
        } else {
                put(rep, C_NAME, false, TX(MUST_BE, "name", SG_WDOCTOR_HOST_NAME));
        }
        const char *desc = member_string(m, "description");
        if (desc) {
                snprintf(quoted, sizeof quoted, "\"%.200s\"", desc);
                put(rep, C_DESCRIPTION, true, quoted);
        } else {
                put(rep, C_DESCRIPTION, false, TX(MUST_BE_STRING, "description"));
        }
        const char *type = member_string(m, "type");
        if (type && strcmp(type, "stdio") == 0)
                put(rep, C_TYPE, true, "\"stdio\"");
        else
                put(rep, C_TYPE, false, TX(MUST_BE, "type", "stdio"));

        const char *path = member_string(m, "path");
        char exe[sizeof manifest_path * 2] = "";
        bool exe_ok = false;
        if (!path || !*path) {
                put(rep, C_PATH, false, T0(PATH_MISSING));
        } else {
                const char *sep = strrchr(manifest_path, '\\');
                if (absolute(path) || !sep)
                        snprintf(exe, sizeof exe, "%s", path);
                else
                        snprintf(exe, sizeof exe, "%.*s\\%s", (int) (sep - manifest_path), manifest_path, path);
                exe_ok = file_exists(exe);
                if (exe_ok)
                        put(rep, C_PATH, true, exe);
                else
                        put(rep, C_PATH, false, TX(PATH_NOT_FILE, exe));
        }

        json_object *allowed = NULL;
        bool listed = false;
        if (json_object_object_get_ex(m, "allowed_extensions", &allowed) &&
            json_object_is_type(allowed, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(allowed); i++) {
                        json_object *v = json_object_array_get_idx(allowed, i);
                        if (json_object_is_type(v, json_type_string) &&
                            strcmp(json_object_get_string(v), SG_WDOCTOR_EXTENSION_ID) == 0)
                                listed = true;
                }
        }
        put(rep, C_ALLOWED, listed,
            listed ? TX(ALLOWED_OK, SG_WDOCTOR_EXTENSION_ID) : TX(ALLOWED_BAD, SG_WDOCTOR_EXTENSION_ID));

        if (!exe_ok) {
                put(rep, C_HOST, false, T0(HOST_NOT_RUN));
        } else {
                char detail[DETAIL_MAX];
                bool ok = run_host(exe, detail, sizeof detail);
                put(rep, C_HOST, ok, detail);
        }
        json_object_put(m);
}

/* ---- Outlook: the COM class, the add-in key, the resiliency setting. */

static void check_outlook(report *rep) {
        char clsid[SG_WDOCTOR_REG_VALUE_MAX * 3], dll[SG_WDOCTOR_REG_VALUE_MAX * 3];
        LONG r = reg_string(HKEY_CLASSES_ROOT, 0, SG_WDOCTOR_ADDIN_PROGID "\\CLSID", NULL, clsid, sizeof clsid);
        char err[24];
        snprintf(err, sizeof err, "%ld", r);
        if (r != ERROR_SUCCESS) {
                put(rep, C_OUTLOOK_COM, false, TX(COM_NONE, SG_WDOCTOR_ADDIN_PROGID, err));
        } else {
                char key[SG_WDOCTOR_REG_VALUE_MAX * 3 + 32];
                snprintf(key, sizeof key, "CLSID\\%s\\InprocServer32", clsid);
                r = reg_string(HKEY_CLASSES_ROOT, 0, key, NULL, dll, sizeof dll);
                snprintf(err, sizeof err, "%ld", r);
                if (r != ERROR_SUCCESS)
                        put(rep, C_OUTLOOK_COM, false, TX(COM_NO_FILE, key, err));
                else if (!file_exists(dll))
                        put(rep, C_OUTLOOK_COM, false, TX(COM_NOT_FILE, key, dll));
                else
                        put(rep, C_OUTLOOK_COM, true, TX(COM_OK, SG_WDOCTOR_ADDIN_PROGID, clsid, dll));
        }

        /* Outlook reads HKCU's key first, then HKLM's */
        static const struct {
                HKEY hive;
                const char *label;
        } hives[] = {{HKEY_CURRENT_USER, "HKCU"}, {HKEY_LOCAL_MACHINE, "HKLM"}};
        bool found = false;
        for (size_t i = 0; i < 2 && !found; i++) {
                DWORD lb = 0;
                if (reg_dword(hives[i].hive, ADDIN_KEY, "LoadBehavior", &lb) != ERROR_SUCCESS)
                        continue;
                found = true;
                char n[24];
                snprintf(n, sizeof n, "%lu", lb);
                if (lb == 3)
                        put(rep, C_OUTLOOK_ADDIN, true, TX(ADDIN_OK, hives[i].label, ADDIN_KEY));
                else
                        put(rep, C_OUTLOOK_ADDIN, false, TX(ADDIN_BAD, hives[i].label, ADDIN_KEY, n));
        }
        if (!found)
                put(rep, C_OUTLOOK_ADDIN, false, TX(ADDIN_NONE, ADDIN_KEY));

        found = false;
        for (size_t i = 0; i < 2 && !found; i++) {
                char v[64];
                if (reg_string(hives[1 - i].hive, 0, RESILIENCY_KEY, SG_WDOCTOR_ADDIN_PROGID, v, sizeof v) !=
                    ERROR_SUCCESS)
                        continue;
                found = true;
                bool on = strcmp(v, "1") == 0;
                put(rep, C_OUTLOOK_RESILIENCY, on,
                    on ? TX(RESILIENCY_OK, hives[1 - i].label, RESILIENCY_KEY, SG_WDOCTOR_ADDIN_PROGID, v)
                       : TX(RESILIENCY_BAD, hives[1 - i].label, RESILIENCY_KEY, SG_WDOCTOR_ADDIN_PROGID, v));
        }
        if (!found)
                put(rep, C_OUTLOOK_RESILIENCY, false, TX(RESILIENCY_NONE, SG_WDOCTOR_ADDIN_PROGID, RESILIENCY_KEY));
}

/* ---- The Thunderbird policy (force-install) and the sealgate policy. */

static void check_policies(report *rep) {
        char mode[64], url[SG_WDOCTOR_REG_VALUE_MAX * 3];
        LONG r = reg_string(HKEY_LOCAL_MACHINE, 0, TB_POLICY_KEY, "installation_mode", mode, sizeof mode);
        if (r != ERROR_SUCCESS)
                put(rep, C_TB_POLICY, false, TX(TB_MISSING, TB_POLICY_KEY));
        else if (strcmp(mode, "force_installed") != 0 && strcmp(mode, "normal_installed") != 0)
                put(rep, C_TB_POLICY, false, TX(TB_MODE_BAD, TB_POLICY_KEY, mode));
        else if (reg_string(HKEY_LOCAL_MACHINE, 0, TB_POLICY_KEY, "install_url", url, sizeof url) != ERROR_SUCCESS)
                put(rep, C_TB_POLICY, false, TX(TB_URL_MISSING, TB_POLICY_KEY));
        else
                put(rep, C_TB_POLICY, true, TX(TB_OK, mode, url));

        sg_policy *p = NULL;
        sg_error err = {0};
        char what[256];
        sg_wcli_format(what, sizeof what, SG_CLI_T_WIN_REGISTRY_POLICY, SG_REG_POLICY_KEY, SG_REG_USER_KEY);
        if (sg_policy_reg_load(&p, &err) == SG_OK)
                put(rep, C_POLICY, true, TX(POLICY_OK, what));
        else
                put(rep, C_POLICY, false, TX(POLICY_BAD, err.message));
        sg_policy_free(p);
}

int sg_wdoctor_run(bool json) {
        report rep = {.json = json};
        if (json)
                rep.checks = json_object_new_array();
        check_thunderbird(&rep);
        check_outlook(&rep);
        check_policies(&rep);
        if (json) {
                json_object *doc = json_object_new_object();
                json_object_object_add(doc, "checks", rep.checks);
                const char *text = json_object_to_json_string_ext(
                        doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
                if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
                        rep.write_error = true;
                json_object_put(doc);
        }
        return rep.write_error ? -1 : rep.failed;
}
