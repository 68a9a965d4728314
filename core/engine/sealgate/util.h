/* sealgate: small libc-only helpers shared by the pure modules.
 * Portable to mingw-w64: no POSIX-only calls. */
#ifndef SEALGATE_UTIL_H
#define SEALGATE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Owned copy of `s` (NULL in, NULL out); free with free(). */
char *sg_strdup(const char *s);
/* Owned copy of the first `n` bytes of `s`, NUL-terminated. */
char *sg_strndup(const char *s, size_t n);
/* ASCII-only case folding; bytes >= 0x80 compare as they are. */
int sg_ascii_strcasecmp(const char *a, const char *b);
int sg_ascii_strncasecmp(const char *a, const char *b, size_t n);
/* Lower-case ASCII letters of `s` in place. */
void sg_ascii_lower(char *s);

/* The value of a hexadecimal digit (either case), or -1. */
int sg_hex_digit(char c);
/* True if `s[0..len)` is well-formed UTF-8 (no overlongs, no surrogates). */
bool sg_utf8_valid(const char *s, size_t len);
/* Case-insensitive (ASCII) substring search; returns pointer into hay or NULL. */
const char *sg_ascii_strcasestr(const char *hay, const char *needle);

/* free() every element of an array of `n` strings, then the array. */
void sg_strv_free(char **v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
