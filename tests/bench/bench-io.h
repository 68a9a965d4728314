/* sealgate benchmarks: whole reads and writes on a file descriptor, retried
 * on EINTR, shared by bench-host.c and its echo-host.c floor (static inline:
 * the floor stays one small program with no library of its own). */
#ifndef SEALGATE_BENCH_IO_H
#define SEALGATE_BENCH_IO_H

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

/* 0 on success, 1 on end of input before the first byte, -1 otherwise. */
static inline int read_all(int fd, void *buf, size_t len) {
        char *p = buf;
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, p + got, len - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                if (n == 0)
                        return got == 0 ? 1 : -1;
                got += (size_t) n;
        }
        return 0;
}

/* 0 on success, -1 on an error. */
static inline int write_all(int fd, const void *buf, size_t len) {
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

#endif
