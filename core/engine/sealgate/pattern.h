/* sealgate: the regular-expression interface the policy engine calls.
 * Backends: pattern-pcre2.c (PCRE2, UTF mode, bounded matching); on Windows
 * pattern-win32.c, which refuses every pattern (no engine there yet). */
#ifndef SEALGATE_PATTERN_H
#define SEALGATE_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_PATTERN_MAX 4096 /* bytes of one pattern */

/* The time one evaluation may spend matching its body patterns, all of them
 * together; past it the search fails with SG_ERR_REGEX_LIMIT. */
#define SG_PATTERN_BUDGET_MS 2000

/* What is left of a matching budget; the backend spends it. */
typedef struct sg_pattern_budget {
        uint64_t remaining_us;
} sg_pattern_budget;

typedef struct sg_pattern sg_pattern;

/* Compile `pattern` (PCRE2 syntax, UTF-8, Unicode properties on). When
 * `caseless` is true the match ignores case. *ret is owned: sg_pattern_free().
 * Errors: SG_ERR_REGEX with the offset and PCRE2's reason. */
sg_err sg_pattern_new(const char *pattern, bool caseless, sg_pattern **ret, sg_error *err);

/* Search `subject[0..len)`. Returns SG_OK and sets *ret_found. Matching is
 * bounded twice: match and depth limits at each start position (a pattern
 * that would backtrack without end fails at once), and a wall-clock budget
 * over the whole search, taken from *budget (a pattern that is merely slow on
 * a large body, such as `a[\s\S]{0,60000}b`, stops when it is spent). Past
 * either: SG_ERR_REGEX_LIMIT. */
sg_err sg_pattern_search_budget(const sg_pattern *p, const char *subject, size_t len, sg_pattern_budget *budget,
                                bool *ret_found, sg_error *err);

/* The same with a budget of SG_PATTERN_BUDGET_MS for this search alone. */
sg_err sg_pattern_search(const sg_pattern *p, const char *subject, size_t len, bool *ret_found, sg_error *err);

/* Frees; takes NULL; returns NULL. */
sg_pattern *sg_pattern_free(sg_pattern *p);

#ifdef __cplusplus
}
#endif
#endif
