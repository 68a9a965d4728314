/* sealgate: memory-backed spools (sealgate/spool.h): memfd_create with
 * MFD_CLOEXEC, so plaintext never reaches a file system on a disk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sealgate/spool.h"

int sg_spool_fd_new(const char *name, sg_error *err) {
        int fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0)
                sg_error_set(err, SG_ERR_IO, "cannot make a memory file: %s", strerror(errno));
        return fd;
}

FILE *sg_spool_file_new(const char *name, sg_error *err) {
        int fd = sg_spool_fd_new(name, err);
        if (fd < 0)
                return NULL;
        FILE *f = fdopen(fd, "w+b");
        if (!f) {
                sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                close(fd);
        }
        return f;
}

int sg_spool_fd_from_source(const char *name, sg_source *src, size_t max, const char *what, sg_error *err) {
        int fd = sg_spool_fd_new(name, err);
        if (fd < 0)
                return -1;
        static __thread unsigned char buf[65536];
        sg_sink out = sg_sink_fd(fd);
        size_t total = 0;
        bool ok = true;
        while (ok) {
                ptrdiff_t k = src->read(src->ctx, buf, sizeof buf);
                if (k == 0)
                        break;
                if (k < 0) {
                        ok = false;
                        sg_error_set(err, SG_ERR_IO, "cannot read %s", what);
                        break;
                }
                total += (size_t) k;
                if (total > max) {
                        ok = false;
                        sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %zu bytes, the most held in memory", what,
                                     max);
                        break;
                }
                if (out.write(out.ctx, buf, (size_t) k) < 0) {
                        ok = false;
                        sg_error_set(err, SG_ERR_IO, "cannot write a memory file: %s", strerror(errno));
                        break;
                }
        }
        explicit_bzero(buf, sizeof buf);
        if (!ok) {
                close(fd);
                return -1;
        }
        if (lseek(fd, 0, SEEK_SET) != 0) {
                sg_error_set(err, SG_ERR_IO, "cannot read back a memory file: %s", strerror(errno));
                close(fd);
                return -1;
        }
        return fd;
}

static int spool_write(void *ctx, const void *buf, size_t n) {
        sg_spool_sink *s = ctx;
        if (n > s->max - s->n) {
                s->over = true;
                return -1;
        }
        sg_sink out = sg_sink_fd(s->fd);
        if (out.write(out.ctx, buf, n) < 0)
                return -1;
        s->n += n;
        return 0;
}

sg_sink sg_spool_sink_new(sg_spool_sink *s, int fd, size_t max) {
        *s = (sg_spool_sink){.fd = fd, .max = max};
        return (sg_sink){.write = spool_write, .ctx = s};
}
