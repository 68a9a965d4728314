/* sealgate: what both idna.h backends (idna-libidn2.c, idna-win32.c) check
 * alike, so the Outlook add-in and the Linux host hold domains to the same
 * rules. Pure (libc only). Private to core/. */
#ifndef SEALGATE_IDNA_PRIVATE_H
#define SEALGATE_IDNA_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/error.h"

#define SG_IDNA_LABEL_MAX  63  /* octets of one label */
#define SG_IDNA_DOMAIN_MAX 253 /* octets of a domain */

/* SG_ERR_IDNA with "invalid domain \"<domain, quoted safely>\": <why>". */
sg_err sg_idna_fail(sg_error *err, const char *domain, const char *why);

/* Copies s[0..n) into out (n + 1 bytes) with A-Z lowered, in one pass;
 * false (out unfinished) at the first byte of 0x80 or above. */
bool sg_idna_lower_ascii(const char *s, size_t n, char *out);

/* Checks a lower-case ASCII domain: LDH labels of 1..63 octets (a-z, 0-9,
 * '-'), no hyphen at either end, at most 253 octets. Returns the reason, or
 * NULL if valid; *ret_has_alabel says whether a label starts "xn--". */
const char *sg_idna_ldh_problem(const char *d, bool *ret_has_alabel);

#endif
