/* sealgate Outlook add-in: writing audit records (see auditlog.h). One
 * WriteFile per line on a handle opened for appending only, so concurrent
 * writers (two Outlook profiles) do not interleave within a line. */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <objbase.h>
#include <shlobj.h>

#include "auditlog.h"
#include "disp.h"

#define PATH_CHARS 4096

static int64_t last_cleanup_day = -1;

int64_t sg_auditlog_now_ms(void) {
        FILETIME ft;
        ULARGE_INTEGER u;
        GetSystemTimeAsFileTime(&ft);
        u.LowPart = ft.dwLowDateTime;
        u.HighPart = ft.dwHighDateTime;
        /* 100 ns ticks since 1601 -> ms since 1970 */
        return (int64_t) (u.QuadPart / 10000u) - INT64_C(11644473600000);
}

void sg_auditlog_attempt_id(char out[33]) {
        GUID g;
        unsigned char b[16];
        if (FAILED(CoCreateGuid(&g)))
                memset(&g, 0, sizeof(g));
        memcpy(b, &g, sizeof(b));
        for (int i = 0; i < 16; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

char *sg_auditlog_user_dup(void) {
        wchar_t name[257];
        DWORD n = 257;
        if (!GetUserNameW(name, &n))
                return NULL;
        return sg_utf8_from_wide(name, -1, NULL);
}

/* The directory as a wide path: the policy's (a leading "~/" is the user's
 * profile folder) or %LOCALAPPDATA%\sealgate\audit. */
static wchar_t *audit_dir(const sg_audit_settings *s) {
        wchar_t *out = calloc(PATH_CHARS, sizeof(wchar_t));
        if (!out)
                return NULL;
        if (s->directory && (s->directory[0] == '~' && (s->directory[1] == '/' || s->directory[1] == '\\'))) {
                wchar_t *rest = sg_wide_from_utf8(s->directory + 2);
                DWORD n = GetEnvironmentVariableW(L"USERPROFILE", out, PATH_CHARS);
                if (!rest || !n || n >= PATH_CHARS || n + wcslen(rest) + 2 >= PATH_CHARS) {
                        free(rest);
                        free(out);
                        return NULL;
                }
                wcscat(out, L"\\");
                wcscat(out, rest);
                free(rest);
        } else if (s->directory) {
                wchar_t *w = sg_wide_from_utf8(s->directory);
                if (!w || wcslen(w) >= PATH_CHARS) {
                        free(w);
                        free(out);
                        return NULL;
                }
                wcscpy(out, w);
                free(w);
        } else {
                DWORD n = GetEnvironmentVariableW(L"LOCALAPPDATA", out, PATH_CHARS);
                if (!n || n + 32 >= PATH_CHARS) {
                        free(out);
                        return NULL;
                }
                wcscat(out, L"\\sealgate\\audit");
        }
        for (wchar_t *c = out; *c; c++)
                if (*c == L'/')
                        *c = L'\\';
        return out;
}

/* mkdir -p; the directory is private to the user by default inheritance of
 * %LOCALAPPDATA%. */
static bool make_dirs(wchar_t *path) {
        for (wchar_t *c = path + 1; *c; c++) {
                if (*c != L'\\' || c[-1] == L':' || c[-1] == L'\\')
                        continue;
                *c = L'\0';
                CreateDirectoryW(path, NULL);
                *c = L'\\';
        }
        return CreateDirectoryW(path, NULL) || GetLastError() == ERROR_ALREADY_EXISTS;
}

static void cleanup(const wchar_t *dir, int64_t today, unsigned retention) {
        wchar_t pattern[PATH_CHARS + 32];
        WIN32_FIND_DATAW fd;
        HANDLE h;

        if (!retention)
                return;
        _snwprintf(pattern, PATH_CHARS + 32, L"%ls\\audit-*.jsonl", dir);
        h = FindFirstFileW(pattern, &fd);
        if (h == INVALID_HANDLE_VALUE)
                return;
        do {
                char *name = sg_utf8_from_wide(fd.cFileName, -1, NULL);
                int64_t day;
                if (name && sg_audit_file_day(name, &day) && sg_audit_expired(day, today, retention)) {
                        wchar_t path[PATH_CHARS + 32];
                        _snwprintf(path, PATH_CHARS + 32, L"%ls\\%ls", dir, fd.cFileName);
                        DeleteFileW(path);
                }
                free(name);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
}

sg_err sg_auditlog_check(const sg_policy *p, sg_error *err) {
        const sg_audit_settings *s = sg_policy_audit(p);
        char file[SG_AUDIT_FILE_NAME_SIZE];
        wchar_t path[PATH_CHARS + 32];
        wchar_t *dir;
        HANDLE h;

        if (!s->enabled)
                return SG_OK;
        dir = audit_dir(s);
        if (!dir || !make_dirs(dir)) {
                free(dir);
                return sg_error_set(err, SG_ERR_IO, "cannot create the audit directory");
        }
        sg_audit_file_name(sg_auditlog_now_ms(), file);
        _snwprintf(path, PATH_CHARS + 32, L"%ls\\%hs", dir, file);
        free(dir);
        h = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE)
                return sg_error_set(err, SG_ERR_IO, "cannot open the audit file %s (error %lu)", file,
                                    (unsigned long) GetLastError());
        CloseHandle(h);
        return SG_OK;
}

sg_err sg_auditlog_write(const sg_policy *p, const sg_audit_record *rec, sg_error *err) {
        const sg_audit_settings *s = sg_policy_audit(p);
        char file[SG_AUDIT_FILE_NAME_SIZE];
        wchar_t path[PATH_CHARS + 32];
        wchar_t *dir;
        char *line = NULL;
        size_t len = 0;
        HANDLE h;
        DWORD written = 0;
        int64_t today;
        sg_err r;

        if (!s->enabled)
                return SG_OK;
        r = sg_audit_format(rec, &line, &len, err);
        if (r)
                return r;
        dir = audit_dir(s);
        if (!dir || !make_dirs(dir)) {
                free(dir);
                free(line);
                return sg_error_set(err, SG_ERR_IO, "cannot create the audit directory");
        }
        today = sg_audit_day_of(rec->time_ms);
        if (today != last_cleanup_day) {
                cleanup(dir, today, s->retention_days);
                last_cleanup_day = today;
        }
        sg_audit_file_name(rec->time_ms, file);
        _snwprintf(path, PATH_CHARS + 32, L"%ls\\%hs", dir, file);
        free(dir);
        h = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE) {
                free(line);
                return sg_error_set(err, SG_ERR_IO, "cannot open the audit file %s (error %lu)", file,
                                    (unsigned long) GetLastError());
        }
        if (!WriteFile(h, line, (DWORD) len, &written, NULL) || written != len)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the audit file %s", file);
        CloseHandle(h);
        free(line);
        return r;
}
