/* sealgate: sources and sinks over file descriptors and buffers (POSIX). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sealgate/stream.h"

static ptrdiff_t fd_read(void *ctx, void *buf, size_t n) {
        int fd = (int) (intptr_t) ctx;
        for (;;) {
                ssize_t r = read(fd, buf, n);
                if (r >= 0)
                        return (ptrdiff_t) r;
                if (errno != EINTR)
                        return -1;
        }
}

static int fd_write(void *ctx, const void *buf, size_t n) {
        int fd = (int) (intptr_t) ctx;
        const char *p = buf;
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += w;
                n -= (size_t) w;
        }
        return 0;
}

static int fd_rewind(void *ctx) {
        return lseek((int) (intptr_t) ctx, 0, SEEK_SET) == 0 ? 0 : -1;
}

sg_source sg_source_fd(int fd) {
        return (sg_source){.read = fd_read, .ctx = (void *) (intptr_t) fd, .rewind = fd_rewind};
}

sg_sink sg_sink_fd(int fd) {
        return (sg_sink){.write = fd_write, .ctx = (void *) (intptr_t) fd};
}

int sg_source_get_fd(const sg_source *s) {
        return s && s->read == fd_read ? (int) (intptr_t) s->ctx : -1;
}

int sg_sink_get_fd(const sg_sink *s) {
        return s && s->write == fd_write ? (int) (intptr_t) s->ctx : -1;
}

static ptrdiff_t mem_read(void *ctx, void *buf, size_t n) {
        sg_mem_source *m = ctx;
        size_t left = m->len - m->pos;
        if (n > left)
                n = left;
        if (n)
                memcpy(buf, m->data + m->pos, n);
        m->pos += n;
        return (ptrdiff_t) n;
}

static int mem_rewind(void *ctx) {
        ((sg_mem_source *) ctx)->pos = 0;
        return 0;
}

sg_source sg_source_mem(sg_mem_source *m, const void *data, size_t len) {
        m->data = data;
        m->len = len;
        m->pos = 0;
        return (sg_source){.read = mem_read, .ctx = m, .rewind = mem_rewind};
}
