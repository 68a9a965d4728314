/* sealgate: what the crypto commands (smime, pgp) share: reading the input,
 * writing the output only on success, passphrases, and result formatting. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-io.h"
#include "sealgate/stream.h"

void sg_cli_one_line(char *s) {
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7F)
                        *p = '?';
}

sg_err sg_cli_read_passphrase(const char *env, const char *file, char *buf, size_t max, const char **ret,
                              sg_error *err) {
        *ret = NULL;
        if (env) {
                const char *v = getenv(env);
                if (!v)
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the environment variable %s is not set",
                                            env);
                if (strlen(v) > max)
                        return sg_error_set(err, SG_ERR_LIMIT, "the passphrase is longer than %zu bytes", max);
                memcpy(buf, v, strlen(v) + 1);
        } else if (file) {
                FILE *f = fopen(file, "r");
                if (!f)
                        return sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", file, strerror(errno));
                /* max + 2: room to see that the first line is longer than max */
                if (!fgets(buf, (int) (max + 2), f))
                        buf[0] = '\0';
                fclose(f);
                buf[strcspn(buf, "\r\n")] = '\0';
                if (strlen(buf) > max)
                        return sg_error_set(err, SG_ERR_LIMIT, "the passphrase is longer than %zu bytes", max);
        } else {
                return SG_OK;
        }
        *ret = buf;
        return SG_OK;
}

/* An fd for IN; `seekable`: copy a pipe into a temporary file first. */
int sg_cli_open_input(const char *path, bool seekable, sg_error *err) {
        if (path && strcmp(path, "-") != 0) {
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                struct stat st;
                if (fd < 0)
                        sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
                else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                        close(fd);
                        sg_error_set(err, SG_ERR_IO, "%s is a directory", path);
                        return -1;
                }
                return fd;
        }
        if (!seekable || lseek(0, 0, SEEK_CUR) >= 0)
                return 0;
        FILE *tf = tmpfile();
        int fd = tf ? dup(fileno(tf)) : -1;
        if (tf)
                fclose(tf);
        if (fd < 0) {
                sg_error_set(err, SG_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
                return -1;
        }
        char buf[65536];
        sg_sink s = sg_sink_fd(fd);
        for (;;) {
                ssize_t k = read(0, buf, sizeof buf);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 || (k > 0 && s.write(s.ctx, buf, (size_t) k) < 0)) {
                        close(fd);
                        sg_error_set(err, SG_ERR_IO, "cannot read the standard input");
                        return -1;
                }
                if (k == 0)
                        break;
        }
        lseek(fd, 0, SEEK_SET);
        return fd;
}

sg_err sg_cli_open_output(sg_cli_output *out, const char *path, sg_error *err) {
        out->path = path && strcmp(path, "-") != 0 ? path : NULL;
        out->tmp = NULL;
        if (!out->path) {
                FILE *tf = tmpfile();
                out->fd = tf ? dup(fileno(tf)) : -1;
                if (tf)
                        fclose(tf);
                if (out->fd < 0)
                        return sg_error_set(err, SG_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
                return SG_OK;
        }
        size_t n = strlen(path) + 16;
        out->tmp = malloc(n);
        if (!out->tmp)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        snprintf(out->tmp, n, "%s.tmp-XXXXXX", path);
        out->fd = mkstemp(out->tmp);
        if (out->fd < 0) {
                sg_err r = sg_error_set(err, SG_ERR_IO, "cannot create %s: %s", out->tmp, strerror(errno));
                free(out->tmp);
                out->tmp = NULL;
                return r;
        }
        return SG_OK;
}

sg_err sg_cli_close_output(sg_cli_output *out, bool ok, sg_error *err) {
        sg_err r = SG_OK;
        if (out->fd < 0)
                return SG_OK;
        if (!out->tmp) { /* stdout */
                if (ok) {
                        char buf[65536];
                        sg_sink so = sg_sink_fd(1);
                        lseek(out->fd, 0, SEEK_SET);
                        for (;;) {
                                ssize_t k = read(out->fd, buf, sizeof buf);
                                if (k < 0 && errno == EINTR)
                                        continue;
                                if (k < 0 || (k > 0 && so.write(so.ctx, buf, (size_t) k) < 0)) {
                                        r = sg_error_set(err, SG_ERR_IO, "cannot write the standard output");
                                        break;
                                }
                                if (k == 0)
                                        break;
                        }
                }
                close(out->fd);
                out->fd = -1;
                return r;
        }
        if (ok && (fsync(out->fd) != 0 || close(out->fd) != 0 || rename(out->tmp, out->path) != 0)) {
                r = sg_error_set(err, SG_ERR_IO, "cannot write %s: %s", out->path, strerror(errno));
                ok = false;
        } else if (!ok) {
                close(out->fd);
        }
        if (!ok)
                unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
        out->fd = -1;
        return r;
}

void sg_cli_format_time(int64_t t, char *buf, size_t n) {
        time_t tt = (time_t) t;
        struct tm tm;
        if (gmtime_r(&tt, &tm))
                strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
        else
                snprintf(buf, n, "?");
}

json_object *sg_cli_jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

json_object *sg_cli_jtime(int64_t t) {
        char b[40];
        sg_cli_format_time(t, b, sizeof b);
        return json_object_new_string(b);
}
