/* sealgate: audit-file.h on Windows (the Thunderbird host): the same
 * audit-YYYY-MM-DD.jsonl files, in %LOCALAPPDATA%\sealgate\audit by default
 * (where the Outlook add-in writes its records too), each record appended
 * with one WriteFile on a handle opened for FILE_APPEND_DATA only, so lines
 * of concurrent writers never interleave. The writer opens the day's file
 * per record (a host writes a few records a minute at most). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "sealgate/audit-file.h"
#include "sealgate/audit.h"
#include "sealgate/util.h"

static wchar_t *wide(const char *s) {
        int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
        wchar_t *w = n > 0 ? malloc((size_t) n * sizeof *w) : NULL;
        if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
                free(w);
                w = NULL;
        }
        return w;
}

static char *utf8(const wchar_t *w) {
        int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
        char *s = n > 0 ? malloc((size_t) n) : NULL;
        if (s && WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) != n) {
                free(s);
                s = NULL;
        }
        return s;
}

static char *env_utf8(const wchar_t *name) {
        wchar_t buf[MAX_PATH];
        DWORD n = GetEnvironmentVariableW(name, buf, MAX_PATH);
        return n > 0 && n < MAX_PATH ? utf8(buf) : NULL;
}

static char *join(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        char *s = malloc(la + lb + 2);
        if (s) {
                memcpy(s, a, la);
                s[la] = '\\';
                memcpy(s + la + 1, b, lb + 1);
        }
        return s;
}

sg_err sg_audit_dir_resolve(const char *configured, char **ret_dir, sg_error *err) {
        char *base, *dir;
        if (configured && strncmp(configured, "~/", 2) != 0 && strncmp(configured, "~\\", 2) != 0) {
                dir = sg_strdup(configured);
        } else if (configured) {
                if (!(base = env_utf8(L"USERPROFILE")))
                        return sg_error_set(err, SG_ERR_IO, "no home folder (USERPROFILE is not set)");
                dir = join(base, configured + 2);
                free(base);
        } else {
                if (!(base = env_utf8(L"LOCALAPPDATA")))
                        return sg_error_set(err, SG_ERR_IO,
                                            "no local application data folder (LOCALAPPDATA is not set)");
                dir = join(base, "sealgate\\audit");
                free(base);
        }
        if (!dir)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (char *c = dir; *c; c++)
                if (*c == '/')
                        *c = '\\';
        *ret_dir = dir;
        return SG_OK;
}

/* Create `w` and its missing parents. */
static bool make_dirs(wchar_t *w) {
        if (CreateDirectoryW(w, NULL) || GetLastError() == ERROR_ALREADY_EXISTS)
                return true;
        if (GetLastError() != ERROR_PATH_NOT_FOUND)
                return false;
        wchar_t *sep = wcsrchr(w, L'\\');
        if (!sep || sep == w || sep[-1] == L':')
                return false;
        *sep = 0;
        bool ok = make_dirs(w);
        *sep = L'\\';
        return ok && (CreateDirectoryW(w, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
}

sg_err sg_audit_append(const char *dir, int64_t time_ms, const char *line, size_t len, sg_error *err) {
        char name[SG_AUDIT_FILE_NAME_SIZE];
        sg_audit_file_name(time_ms, name);
        char *path = join(dir, name);
        wchar_t *wdir = wide(dir), *wpath = path ? wide(path) : NULL;
        sg_err r = SG_OK;
        if (!wdir || !wpath) {
                r = sg_error_set(err, SG_ERR_IO, "%s: not a valid path", dir);
        } else if (!make_dirs(wdir)) {
                r = sg_error_set(err, SG_ERR_IO, "%s: cannot create the folder (error %lu)", dir, GetLastError());
        } else {
                HANDLE f = CreateFileW(wpath, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                       NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
                DWORD n = 0;
                if (f == INVALID_HANDLE_VALUE)
                        r = sg_error_set(err, SG_ERR_IO, "%s: cannot open (error %lu)", path, GetLastError());
                else if (len > 0 && (len > 0xFFFFFFFFu || !WriteFile(f, line, (DWORD) len, &n, NULL) || n != len))
                        r = sg_error_set(err, SG_ERR_IO, "%s: cannot write (error %lu)", path, GetLastError());
                if (f != INVALID_HANDLE_VALUE)
                        CloseHandle(f);
        }
        free(wdir);
        free(wpath);
        free(path);
        return r;
}

struct sg_audit_writer {
        int unused;
};

sg_audit_writer *sg_audit_writer_new(void) {
        return calloc(1, sizeof(sg_audit_writer));
}

sg_audit_writer *sg_audit_writer_free(sg_audit_writer *w) {
        free(w);
        return NULL;
}

sg_err sg_audit_writer_append(sg_audit_writer *w, const char *dir, int64_t time_ms, const char *line, size_t len,
                              sg_error *err) {
        (void) w;
        return sg_audit_append(dir, time_ms, line, len, err);
}

sg_err sg_audit_prune(const char *dir, int64_t time_ms, unsigned retention_days, size_t *ret_removed, sg_error *err) {
        size_t removed = 0;
        if (ret_removed)
                *ret_removed = 0;
        if (retention_days == 0)
                return SG_OK;
        char *pattern = join(dir, "audit-*.jsonl");
        wchar_t *wpat = pattern ? wide(pattern) : NULL;
        free(pattern);
        if (!wpat)
                return sg_error_set(err, SG_ERR_IO, "%s: not a valid path", dir);
        WIN32_FIND_DATAW fd;
        HANDLE fh = FindFirstFileW(wpat, &fd);
        free(wpat);
        if (fh == INVALID_HANDLE_VALUE)
                return SG_OK; /* no folder, or no file */
        int64_t today = sg_audit_day_of(time_ms);
        do {
                char *name = utf8(fd.cFileName);
                int64_t day;
                if (name && sg_audit_file_day(name, &day) && sg_audit_expired(day, today, retention_days)) {
                        char *path = join(dir, name);
                        wchar_t *wp = path ? wide(path) : NULL;
                        if (wp && DeleteFileW(wp))
                                removed++;
                        free(wp);
                        free(path);
                }
                free(name);
        } while (FindNextFileW(fh, &fd));
        FindClose(fh);
        if (ret_removed)
                *ret_removed = removed;
        return SG_OK;
}

int64_t sg_audit_now_ms(void) {
        FILETIME ft;
        GetSystemTimeAsFileTime(&ft);
        uint64_t t = ((uint64_t) ft.dwHighDateTime << 32) | ft.dwLowDateTime; /* 100 ns since 1601 */
        return (int64_t) (t / 10000u) - 11644473600000LL;
}
