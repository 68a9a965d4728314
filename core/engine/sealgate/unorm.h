/* sealgate: the Unicode normalisation interface the engine calls (NFKC). One
 * backend per platform fills it: unorm-libunistring.c on Linux (the library
 * libidn2 already maps), unorm-win32.c on Windows (NormalizeString). */
#ifndef SEALGATE_UNORM_H
#define SEALGATE_UNORM_H

#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NFKC of the well-formed UTF-8 text `in[0..len)` (no NUL needed; NULs are
 * kept). *ret_out is owned (free()), NUL-terminated, *ret_len its length;
 * both untouched on failure. Errors: SG_ERR_UTF8 for text that is not
 * UTF-8, SG_ERR_NOMEM. */
sg_err sg_unorm_nfkc(const char *in, size_t len, char **ret_out, size_t *ret_len, sg_error *err);

/* Human-readable backend name, e.g. "libunistring 1.0". */
const char *sg_unorm_backend(void);

#ifdef __cplusplus
}
#endif
#endif
