/* sealgate: the regular-expression interface the policy engine calls.
 * Backends: pattern-pcre2.c (PCRE2, UTF mode, bounded matching); on Windows
 * pattern-win32.c, which refuses every pattern (no engine there yet). */
#ifndef SEALGATE_PATTERN_H
#define SEALGATE_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_PATTERN_MAX 4096 /* bytes of one pattern */

typedef struct sg_pattern sg_pattern;

/* Compile `pattern` (PCRE2 syntax, UTF-8, Unicode properties on). When
 * `caseless` is true the match ignores case. *ret is owned: sg_pattern_free().
 * Errors: SG_ERR_REGEX with the offset and PCRE2's reason. */
sg_err sg_pattern_new(const char *pattern, bool caseless, sg_pattern **ret, sg_error *err);

/* Search `subject[0..len)`. Returns SG_OK and sets *ret_found. Matching is
 * bounded (match and depth limits): a pattern that would backtrack without
 * end gives SG_ERR_REGEX_LIMIT instead of hanging. */
sg_err sg_pattern_search(const sg_pattern *p, const char *subject, size_t len, bool *ret_found, sg_error *err);

/* Frees; takes NULL; returns NULL. */
sg_pattern *sg_pattern_free(sg_pattern *p);

#ifdef __cplusplus
}
#endif
#endif
