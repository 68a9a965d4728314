/* sealgate: a JSON text written straight into one growing buffer, without
 * building a json-c object tree, for the responses on the host's hot path
 * (policy.evaluate). The text is byte for byte what json-c writes with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE for the same values
 * in the same order (tests/unit/test-json-writer.c compares both), so a
 * writer and a tree can stand in for each other. Libc only. */
#ifndef SEALGATE_JSON_WRITER_H
#define SEALGATE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The writer: zero-initialise it (or sg_jw_init), write, then take the
 * text. Out of memory is sticky: every later call does nothing and
 * sg_jw_take returns NULL. Commas are placed by the writer. */
typedef struct sg_jw {
        char *buf;
        size_t len, cap;
        bool failed;
} sg_jw;

void sg_jw_init(sg_jw *w);
void sg_jw_clear(sg_jw *w); /* frees the text; the writer can be used again */

/* The text (owned, NUL-terminated; *ret_len its length when not NULL), and
 * the writer is empty again; NULL when out of memory happened. */
char *sg_jw_take(sg_jw *w, size_t *ret_len);

void sg_jw_object_begin(sg_jw *w);
void sg_jw_object_end(sg_jw *w);
void sg_jw_array_begin(sg_jw *w);
void sg_jw_array_end(sg_jw *w);

/* A member's key inside an object; its value follows. */
void sg_jw_key(sg_jw *w, const char *key);
/* The same for a key that is a string literal of plain characters (no '"',
 * '\\' or control character), written as it is without a look at each byte:
 * sg_jw_key_lit(w, "action"). The writer's tests compare every key of the
 * decision and outcome with json-c's own spelling. */
void sg_jw_key_n(sg_jw *w, const char *key, size_t n);
#define sg_jw_key_lit(w, lit) sg_jw_key_n((w), "" lit "", sizeof(lit) - 1)

void sg_jw_string(sg_jw *w, const char *s); /* NULL writes null */
void sg_jw_int(sg_jw *w, int64_t v);
void sg_jw_bool(sg_jw *w, bool v);
void sg_jw_null(sg_jw *w);
/* Text that already is one JSON value (e.g. a serialised id). */
void sg_jw_raw(sg_jw *w, const char *json, size_t len);

#ifdef __cplusplus
}
#endif
#endif
