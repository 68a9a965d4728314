/* sealgate: spools for plaintext and what is derived from it: anonymous
 * memory files (memfd_create), never a file on a disk. Every place that needs
 * a seekable copy of a message, or holds output until it is known to be good,
 * takes one from here. */
#ifndef SEALGATE_SPOOL_H
#define SEALGATE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sealgate/error.h"
#include "sealgate/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most bytes one spool holds. Past it the operation is refused (the
 * caller's error names the limit and the way out, a named file). A spool is
 * in memory (and in swap, if the system swaps). */
#define SG_SPOOL_MAX ((size_t) 2 << 30)

/* A new, empty memory file (memfd_create, MFD_CLOEXEC) called `name` in
 * /proc/PID/fd. Owned: close(). -1 with err set (SG_ERR_IO) when the system
 * has none: the caller fails, it never falls back to a file on a disk. */
int sg_spool_fd_new(const char *name, sg_error *err);

/* The same as a stdio stream opened "w+b". Owned: fclose(). */
FILE *sg_spool_file_new(const char *name, sg_error *err);

/* Copies `src` to its end into a new spool, at most `max` bytes (SG_ERR_LIMIT
 * past it, with `what` in the message: "the standard input"); returns the
 * spool's fd at offset 0, or -1 with err set. */
int sg_spool_fd_from_source(const char *name, sg_source *src, size_t max, const char *what, sg_error *err);

/* A sink writing to a spool's fd that refuses (-1, `over` set) to write
 * past `max` bytes in all. `s` holds the count and must outlive the sink. */
typedef struct sg_spool_sink {
        int fd;
        size_t n, max;
        bool over;
} sg_spool_sink;
sg_sink sg_spool_sink_new(sg_spool_sink *s, int fd, size_t max);

#ifdef __cplusplus
}
#endif
#endif
