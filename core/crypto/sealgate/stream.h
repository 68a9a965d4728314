/* sealgate: byte streams for the crypto modules: a pull source and a push sink
 * over callbacks, so a backend never needs a whole message in memory and the
 * host can feed chunks as they arrive. */
#ifndef SEALGATE_STREAM_H
#define SEALGATE_STREAM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sg_source {
        /* Read up to n bytes into buf: the count, 0 at the end, -1 on error. */
        ptrdiff_t (*read)(void *ctx, void *buf, size_t n);
        void *ctx;
        /* Optional (NULL: cannot): start again from the first byte; 0 or -1.
         * Lets a backend read twice instead of holding the data in memory. */
        int (*rewind)(void *ctx);
} sg_source;

typedef struct sg_sink {
        /* Write all n bytes: 0 on success, -1 on error. */
        int (*write)(void *ctx, const void *buf, size_t n);
        void *ctx;
} sg_sink;

/* A source reading file descriptor fd (not closed); rewinding seeks fd to
 * offset 0, and fails on a pipe. */
sg_source sg_source_fd(int fd);

/* A sink writing to fd (not closed); retries short writes and EINTR. */
sg_sink sg_sink_fd(int fd);

/* The descriptor under a source made by sg_source_fd() or a sink made by
 * sg_sink_fd(), -1 for any other: lets a backend hand a file to its engine
 * instead of copying it through the callbacks. */
int sg_source_get_fd(const sg_source *s);
int sg_sink_get_fd(const sg_sink *s);

/* A source over a buffer; `m` holds the position and must outlive the source;
 * the buffer is borrowed. */
typedef struct sg_mem_source {
        const unsigned char *data;
        size_t len, pos;
} sg_mem_source;
sg_source sg_source_mem(sg_mem_source *m, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
