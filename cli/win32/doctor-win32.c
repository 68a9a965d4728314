/* sealgate.exe doctor: why Thunderbird on Windows says "No such native
 * application", and whether Outlook will load the add-in. One line per check,
 * as `sealgate doctor` on Linux (cli/doctor.c) prints them; the manifest is
 * read by the same reader (core/json manifest.c) and the policy by the same
 * registry reader as the add-in and the host (win32-common/policy-reg.c).
 *
 * Thunderbird's lookup on Windows (Gecko's NativeManifests): the default
 * value of Software\Mozilla\NativeMessagingHosts\<name> under HKCU, then
 * under HKLM in the 32-bit registry view, then in the 64-bit view; the value
 * is the manifest's path, and the manifest's "path" may be relative to the
 * manifest's folder. */
#include "doctor-win32.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include <json-c/json.h>

#include "policy-reg.h"
#include "sealgate/error.h"
#include "sealgate/manifest.h"
#include "sealgate/policy.h"

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

static void put(report *rep, int id, bool ok, const char *f, ...) __attribute__((format(printf, 4, 5)));
static void put(report *rep, int id, bool ok, const char *f, ...) {
        char detail[DETAIL_MAX];
        va_list ap;
        va_start(ap, f);
        vsnprintf(detail, sizeof detail, f, ap);
        va_end(ap);
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
        if (printf("%s %s: %s\n", ok ? "ok  " : "FAIL", check_ids[id], detail) < 0 || fflush(stdout) != 0)
                rep->write_error = true;
}

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
} nmh_lookup[] = {
        {HKEY_CURRENT_USER, KEY_WOW64_64KEY, "HKCU\\" NMH_KEY},
        {HKEY_LOCAL_MACHINE, KEY_WOW64_32KEY, "HKLM\\" NMH_KEY " (32-bit view)"},
        {HKEY_LOCAL_MACHINE, KEY_WOW64_64KEY, "HKLM\\" NMH_KEY " (64-bit view)"},
};

/* The manifest path Thunderbird takes, into `out`; false if none. */
static bool check_registration(report *rep, char *out, size_t cap) {
        for (size_t i = 0; i < sizeof nmh_lookup / sizeof *nmh_lookup; i++) {
                LONG r = reg_string(nmh_lookup[i].hive, nmh_lookup[i].view, NMH_KEY, NULL, out, cap);
                if (r == ERROR_SUCCESS && *out) {
                        put(rep, C_REGISTRATION, true, "%s names %s", nmh_lookup[i].label, out);
                        return true;
                }
        }
        put(rep, C_REGISTRATION, false,
            "no manifest registered: Thunderbird looks at the default value of HKCU\\%s, then of HKLM\\%s "
            "(32-bit, then 64-bit view); reinstall or repair the sealgate MSI",
            NMH_KEY, NMH_KEY);
        return false;
}

static const char *manifest_problem(const sg_manifest_info *info, char *buf, size_t cap) {
        switch (info->status) {
        case SG_MANIFEST_OK:
                return "ok";
        case SG_MANIFEST_IS_DIR:
                return "is a folder, not a file";
        case SG_MANIFEST_CANNOT_OPEN:
                snprintf(buf, cap, "cannot be opened (%s): repair the sealgate MSI", strerror(info->sys_errno));
                return buf;
        case SG_MANIFEST_CANNOT_READ:
                snprintf(buf, cap, "cannot be read (%s)", strerror(info->sys_errno));
                return buf;
        case SG_MANIFEST_TOO_LARGE:
                snprintf(buf, cap, "is over %d bytes", SG_MANIFEST_MAX);
                return buf;
        case SG_MANIFEST_EMPTY:
                return "is empty";
        case SG_MANIFEST_INCOMPLETE:
                return "ends inside the JSON value";
        case SG_MANIFEST_NOT_JSON:
                snprintf(buf, cap, "is not JSON at line %zu, column %zu: %s", info->line, info->col,
                         info->json_error ? info->json_error : "?");
                return buf;
        case SG_MANIFEST_TRAILING:
                snprintf(buf, cap, "has text after the JSON value at line %zu, column %zu", info->line, info->col);
                return buf;
        case SG_MANIFEST_NOT_OBJECT:
                return "is JSON but not an object";
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
                snprintf(out, cap, "cannot create a pipe (error %lu)", GetLastError());
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
                snprintf(out, cap, "cannot be started (error %lu)", start_error);
                return false;
        }
        bool ok = false;
        DWORD w = WaitForSingleObject(pi.hProcess, SG_WDOCTOR_HOST_TIMEOUT_MS);
        if (w != WAIT_OBJECT_0) {
                TerminateProcess(pi.hProcess, 1);
                snprintf(out, cap, "did not answer --version within %d ms", SG_WDOCTOR_HOST_TIMEOUT_MS);
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
                if (ok)
                        snprintf(out, cap, "%s answers \"%s\"", exe, text);
                else
                        snprintf(out, cap,
                                 "%s --version exited %lu printing \"%.200s\" (expected \"sealgate-host VERSION\")",
                                 exe, code, text);
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
                        put(rep, C_MANIFEST, true, "%s is a JSON object", manifest_path);
                else
                        put(rep, C_MANIFEST, false, "the manifest %s %s", manifest_path,
                            manifest_problem(&info, why, sizeof why));
        } else {
                put(rep, C_MANIFEST, false, "not checked: no registration");
        }
        if (!m) {
                for (int id = C_NAME; id <= C_HOST; id++)
                        put(rep, id, false, "not checked: no manifest");
                return;
        }
        const char *name = member_string(m, "name");
        if (name && strcmp(name, SG_WDOCTOR_HOST_NAME) == 0)
                put(rep, C_NAME, true, "\"%s\"", name);
        else
                put(rep, C_NAME, false, "\"name\" must be \"%s\"", SG_WDOCTOR_HOST_NAME);
        const char *desc = member_string(m, "description");
        if (desc)
                put(rep, C_DESCRIPTION, true, "\"%.200s\"", desc);
        else
                put(rep, C_DESCRIPTION, false, "\"description\" must be a string");
        const char *type = member_string(m, "type");
        if (type && strcmp(type, "stdio") == 0)
                put(rep, C_TYPE, true, "\"stdio\"");
        else
                put(rep, C_TYPE, false, "\"type\" must be \"stdio\"");

        const char *path = member_string(m, "path");
        char exe[sizeof manifest_path * 2] = "";
        bool exe_ok = false;
        if (!path || !*path) {
                put(rep, C_PATH, false, "\"path\" is missing or not a string");
        } else {
                const char *sep = strrchr(manifest_path, '\\');
                if (absolute(path) || !sep)
                        snprintf(exe, sizeof exe, "%s", path);
                else
                        snprintf(exe, sizeof exe, "%.*s\\%s", (int) (sep - manifest_path), manifest_path, path);
                exe_ok = file_exists(exe);
                if (exe_ok)
                        put(rep, C_PATH, true, "%s", exe);
                else
                        put(rep, C_PATH, false, "\"path\" names %s, which is not a file", exe);
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
        put(rep, C_ALLOWED, listed, listed ? "lists \"%s\"" : "\"allowed_extensions\" must list \"%s\"",
            SG_WDOCTOR_EXTENSION_ID);

        if (!exe_ok) {
                put(rep, C_HOST, false, "not run: \"path\" does not name a file (see path)");
        } else {
                char detail[DETAIL_MAX];
                bool ok = run_host(exe, detail, sizeof detail);
                put(rep, C_HOST, ok, "%s", detail);
        }
        json_object_put(m);
}

/* ---- Outlook: the COM class, the add-in key, the resiliency setting. */

static void check_outlook(report *rep) {
        char clsid[SG_WDOCTOR_REG_VALUE_MAX * 3], dll[SG_WDOCTOR_REG_VALUE_MAX * 3];
        LONG r = reg_string(HKEY_CLASSES_ROOT, 0, SG_WDOCTOR_ADDIN_PROGID "\\CLSID", NULL, clsid, sizeof clsid);
        if (r != ERROR_SUCCESS) {
                put(rep, C_OUTLOOK_COM, false, "no COM class: HKCR\\%s\\CLSID is missing (error %ld)",
                    SG_WDOCTOR_ADDIN_PROGID, r);
        } else {
                char key[SG_WDOCTOR_REG_VALUE_MAX * 3 + 32];
                snprintf(key, sizeof key, "CLSID\\%s\\InprocServer32", clsid);
                r = reg_string(HKEY_CLASSES_ROOT, 0, key, NULL, dll, sizeof dll);
                if (r != ERROR_SUCCESS)
                        put(rep, C_OUTLOOK_COM, false, "HKCR\\%s has no file (error %ld)", key, r);
                else if (!file_exists(dll))
                        put(rep, C_OUTLOOK_COM, false, "HKCR\\%s names %s, which is not a file", key, dll);
                else
                        put(rep, C_OUTLOOK_COM, true, "%s %s in %s", SG_WDOCTOR_ADDIN_PROGID, clsid, dll);
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
                if (lb == 3)
                        put(rep, C_OUTLOOK_ADDIN, true, "%s\\%s LoadBehavior 3 (loaded at start-up)", hives[i].label,
                            ADDIN_KEY);
                else
                        put(rep, C_OUTLOOK_ADDIN, false,
                            "%s\\%s LoadBehavior is %lu, not 3: Outlook does not load the add-in at start-up "
                            "(2 means the user or Outlook disabled it)",
                            hives[i].label, ADDIN_KEY, lb);
        }
        if (!found)
                put(rep, C_OUTLOOK_ADDIN, false, "no LoadBehavior under HKCU or HKLM\\%s", ADDIN_KEY);

        found = false;
        for (size_t i = 0; i < 2 && !found; i++) {
                char v[64];
                if (reg_string(hives[1 - i].hive, 0, RESILIENCY_KEY, SG_WDOCTOR_ADDIN_PROGID, v, sizeof v) !=
                    ERROR_SUCCESS)
                        continue;
                found = true;
                put(rep, C_OUTLOOK_RESILIENCY, strcmp(v, "1") == 0, "%s\\%s %s = \"%s\"%s", hives[1 - i].label,
                    RESILIENCY_KEY, SG_WDOCTOR_ADDIN_PROGID, v,
                    strcmp(v, "1") == 0 ? " (never disabled for slowness)" : ", not \"1\"");
        }
        if (!found)
                put(rep, C_OUTLOOK_RESILIENCY, false,
                    "no %s value under HKLM or HKCU\\%s: Outlook may disable the add-in when it is slow",
                    SG_WDOCTOR_ADDIN_PROGID, RESILIENCY_KEY);
}

/* ---- The Thunderbird policy (force-install) and the sealgate policy. */

static void check_policies(report *rep) {
        char mode[64], url[SG_WDOCTOR_REG_VALUE_MAX * 3];
        LONG r = reg_string(HKEY_LOCAL_MACHINE, 0, TB_POLICY_KEY, "installation_mode", mode, sizeof mode);
        if (r != ERROR_SUCCESS)
                put(rep, C_TB_POLICY, false,
                    "HKLM\\%s installation_mode is missing: Thunderbird does not install "
                    "the extension by itself",
                    TB_POLICY_KEY);
        else if (strcmp(mode, "force_installed") != 0 && strcmp(mode, "normal_installed") != 0)
                put(rep, C_TB_POLICY, false, "HKLM\\%s installation_mode is \"%s\", not \"force_installed\"",
                    TB_POLICY_KEY, mode);
        else if (reg_string(HKEY_LOCAL_MACHINE, 0, TB_POLICY_KEY, "install_url", url, sizeof url) != ERROR_SUCCESS)
                put(rep, C_TB_POLICY, false, "HKLM\\%s install_url is missing", TB_POLICY_KEY);
        else
                put(rep, C_TB_POLICY, true, "%s from %s", mode, url);

        sg_policy *p = NULL;
        sg_error err = {0};
        if (sg_policy_reg_load(&p, &err) == SG_OK)
                put(rep, C_POLICY, true, "the registry policy (HKLM\\%s over HKCU\\%s) loads and validates",
                    SG_REG_POLICY_KEY, SG_REG_USER_KEY);
        else
                put(rep, C_POLICY, false, "the registry policy: %s", err.message);
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
