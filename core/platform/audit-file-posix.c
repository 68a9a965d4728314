/* sealgate: audit files on POSIX: the directory (XDG_STATE_HOME, "~/"),
 * daily files appended atomically, pruning by the date in the file name. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sealgate/audit-file.h"
#include "sealgate/audit.h"
#include "sealgate/util.h"

static const char *home_dir(void) {
        const char *h = getenv("HOME");
        if (h && h[0] == '/')
                return h;
        struct passwd *pw = getpwuid(getuid());
        return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

static char *join(const char *a, const char *b) {
        size_t na = strlen(a), nb = strlen(b);
        bool slash = !(na && a[na - 1] == '/');
        char *s = malloc(na + slash + nb + 1);
        if (s) {
                memcpy(s, a, na);
                s[na] = '/';
                memcpy(s + na + slash, b, nb + 1);
        }
        return s;
}

sg_err sg_audit_dir_resolve(const char *configured, char **ret_dir, sg_error *err) {
        if (!ret_dir)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_audit_dir_resolve: no result");
        char *dir;
        if (configured && !(configured[0] == '~' && configured[1] == '/')) {
                dir = sg_strdup(configured);
        } else if (configured) {
                const char *home = home_dir();
                if (!home)
                        return sg_error_set(err, SG_ERR_IO, "audit directory %s: no home directory", configured);
                dir = join(home, configured + 2);
        } else {
                const char *state = getenv("XDG_STATE_HOME");
                if (state && state[0] == '/') {
                        dir = join(state, "sealgate/audit");
                } else {
                        const char *home = home_dir();
                        if (!home)
                                return sg_error_set(err, SG_ERR_IO,
                                                    "audit directory: no home directory and no XDG_STATE_HOME");
                        dir = join(home, ".local/state/sealgate/audit");
                }
        }
        if (!dir)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        *ret_dir = dir;
        return SG_OK;
}

/* mkdir -p with mode 0700 for what it creates. */
static sg_err make_dirs(const char *dir, sg_error *err) {
        char *p = sg_strdup(dir);
        if (!p)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
                p[--n] = '\0';
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdir(p, SG_AUDIT_DIR_MODE) != 0 && errno != EEXIST) {
                        int e = errno;
                        sg_err r = sg_error_set(err, SG_ERR_IO, "cannot create audit directory %s: %s", p, strerror(e));
                        free(p);
                        return r;
                }
                *s = c;
                if (c == '\0')
                        break;
        }
        free(p);
        return SG_OK;
}

/* Open `path` for appending, creating `dir` when it is missing; -1 with
 * `err` set on failure. */
static int open_append(const char *dir, const char *path, sg_error *err) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, SG_AUDIT_FILE_MODE);
        if (fd < 0 && errno == ENOENT) {
                if (make_dirs(dir, err))
                        return -1;
                fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, SG_AUDIT_FILE_MODE);
        }
        if (fd < 0)
                sg_error_set(err, SG_ERR_IO, "cannot open audit file %s: %s", path, strerror(errno));
        return fd;
}

/* One record in one write(2). */
static sg_err write_line(int fd, const char *path, const char *line, size_t len, sg_error *err) {
        if (len == 0)
                return SG_OK;
        ssize_t w;
        do
                w = write(fd, line, len);
        while (w < 0 && errno == EINTR);
        if (w < 0)
                return sg_error_set(err, SG_ERR_IO, "cannot write audit file %s: %s", path, strerror(errno));
        if ((size_t) w != len)
                return sg_error_set(err, SG_ERR_IO, "short write to audit file %s (%zd of %zu bytes)", path, w, len);
        return SG_OK;
}

sg_err sg_audit_append(const char *dir, int64_t time_ms, const char *line, size_t len, sg_error *err) {
        if (!dir || (!line && len))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_audit_append: no directory or line");
        char name[SG_AUDIT_FILE_NAME_SIZE];
        sg_audit_file_name(time_ms, name);
        char *path = join(dir, name);
        if (!path)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        int fd = open_append(dir, path, err);
        if (fd < 0) {
                free(path);
                return SG_ERR_IO;
        }
        sg_err r = write_line(fd, path, line, len, err);
        if (close(fd) != 0 && !r)
                r = sg_error_set(err, SG_ERR_IO, "cannot write audit file %s: %s", path, strerror(errno));
        free(path);
        return r;
}

struct sg_audit_writer {
        int fd; /* -1: none open */
        char *dir, *path;
        int64_t day;
        dev_t dev;
        ino_t ino;
};

sg_audit_writer *sg_audit_writer_new(void) {
        sg_audit_writer *w = calloc(1, sizeof *w);
        if (w)
                w->fd = -1;
        return w;
}

static void writer_close(sg_audit_writer *w) {
        if (w->fd >= 0)
                close(w->fd);
        w->fd = -1;
        free(w->dir);
        free(w->path);
        w->dir = w->path = NULL;
}

sg_audit_writer *sg_audit_writer_free(sg_audit_writer *w) {
        if (w) {
                writer_close(w);
                free(w);
        }
        return NULL;
}

/* Whether the open file is still the day's file of `dir` at its path. */
static bool writer_current(const sg_audit_writer *w, const char *dir, int64_t day) {
        if (w->fd < 0 || w->day != day || strcmp(w->dir, dir) != 0)
                return false;
        struct stat st;
        return stat(w->path, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino;
}

sg_err sg_audit_writer_append(sg_audit_writer *w, const char *dir, int64_t time_ms, const char *line, size_t len,
                              sg_error *err) {
        if (!w || !dir || (!line && len))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT,
                                    "sg_audit_writer_append: no writer, directory or line");
        int64_t day = sg_audit_day_of(time_ms);
        if (!writer_current(w, dir, day)) {
                writer_close(w);
                char name[SG_AUDIT_FILE_NAME_SIZE];
                sg_audit_file_name(time_ms, name);
                if (!(w->dir = sg_strdup(dir)) || !(w->path = join(dir, name))) {
                        writer_close(w);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                struct stat st;
                if ((w->fd = open_append(dir, w->path, err)) < 0 || fstat(w->fd, &st) != 0) {
                        if (w->fd >= 0)
                                sg_error_set(err, SG_ERR_IO, "cannot read audit file %s: %s", w->path, strerror(errno));
                        writer_close(w);
                        return SG_ERR_IO;
                }
                w->day = day;
                w->dev = st.st_dev;
                w->ino = st.st_ino;
        }
        sg_err r = write_line(w->fd, w->path, line, len, err);
        if (r)
                writer_close(w);
        return r;
}

sg_err sg_audit_prune(const char *dir, int64_t time_ms, unsigned retention_days, size_t *ret_removed, sg_error *err) {
        size_t removed = 0;
        if (ret_removed)
                *ret_removed = 0;
        if (!dir)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_audit_prune: no directory");
        if (retention_days == 0)
                return SG_OK;
        DIR *d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return SG_OK;
                return sg_error_set(err, SG_ERR_IO, "cannot list audit directory %s: %s", dir, strerror(errno));
        }
        int64_t today = sg_audit_day_of(time_ms);
        sg_err r = SG_OK;
        struct dirent *e;
        while ((e = readdir(d))) {
                int64_t day;
                if (!sg_audit_file_day(e->d_name, &day) || !sg_audit_expired(day, today, retention_days))
                        continue;
                if (unlinkat(dirfd(d), e->d_name, 0) == 0)
                        removed++;
                else if (errno != ENOENT && !r)
                        r = sg_error_set(err, SG_ERR_IO, "cannot delete audit file %s/%s: %s", dir, e->d_name,
                                         strerror(errno));
        }
        closedir(d);
        if (ret_removed)
                *ret_removed = removed;
        return r;
}

int64_t sg_audit_now_ms(void) {
        struct timespec ts;
        if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
                return (int64_t) time(NULL) * 1000;
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
