/* sealgate: the small IDNA interface the pure modules call. One backend per
 * platform fills it: idna-libidn2.c on Linux, idna-win32.c on Windows. */
#ifndef SEALGATE_IDNA_H
#define SEALGATE_IDNA_H

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Convert one domain (UTF-8, any case, no trailing dot) to its IDNA2008 ASCII
 * form in lower case (UTS #46 non-transitional mapping, so full-width and
 * upper-case input maps). Pure-ASCII input is lower-cased and checked as an
 * LDH or A-label domain. *ret_ascii is owned (free()); untouched on failure.
 * Errors: SG_ERR_IDNA with a message naming the domain. */
sg_err sg_idna_to_ascii(const char *domain, char **ret_ascii, sg_error *err);

/* Human-readable backend name, e.g. "libidn2 2.3.3". */
const char *sg_idna_backend(void);

#ifdef __cplusplus
}
#endif
#endif
