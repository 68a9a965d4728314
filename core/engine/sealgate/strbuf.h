/* sealgate: the one growing byte buffer (a string being assembled) of the
 * engine and the Outlook add-in. Appends never fail on the spot: a failed
 * allocation sets `oom` and a length past `max` sets `over`, both sticky, so
 * a writer appends freely and checks once at the end. libc only; builds with
 * mingw-w64. */
#ifndef SEALGATE_STRBUF_H
#define SEALGATE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Zero-initialise ({0}: no limit) or set `max` first. `s` is owned, NULL
 * until the first byte, else NUL-terminated; n bytes are in it. */
typedef struct sg_strbuf {
        char *s;
        size_t n, cap;
        size_t max; /* 0: no limit; else the most bytes it takes (over past it) */
        bool oom, over;
} sg_strbuf;

/* Append s[0..n) (nothing once oom or over). Inline when the bytes fit
 * (most appends on the audit record's path are a few bytes); the rest, and
 * every limit, in sg_strbuf_add_slow. */
void sg_strbuf_add_slow(sg_strbuf *b, const void *s, size_t n);
static inline void sg_strbuf_add(sg_strbuf *b, const void *s, size_t n) {
        if (n && n < b->cap - b->n && (!b->max || n <= b->max - b->n) && !b->oom && !b->over) {
                memcpy(b->s + b->n, s, n);
                b->n += n;
                b->s[b->n] = '\0';
                return;
        }
        sg_strbuf_add_slow(b, s, n);
}
static inline void sg_strbuf_add_str(sg_strbuf *b, const char *s) {
        sg_strbuf_add(b, s, strlen(s));
}
static inline void sg_strbuf_add_c(sg_strbuf *b, char c) {
        sg_strbuf_add(b, &c, 1);
}
/* v in decimal */
void sg_strbuf_add_u64(sg_strbuf *b, uint64_t v);

/* The string (owned by the caller, "" when nothing was added; *ret_len its
 * length if ret_len), the buffer left empty; NULL (buffer freed) after oom,
 * over, or when "" cannot be allocated. */
char *sg_strbuf_take(sg_strbuf *b, size_t *ret_len);
/* Free the string; the buffer is empty (max kept). */
void sg_strbuf_clear(sg_strbuf *b);

#ifdef __cplusplus
}
#endif
#endif
