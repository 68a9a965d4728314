/* sealgate: the one normalisation every content check reads text through, so
 * that a number typed in full-width mode, a keyword in full-width Latin or
 * half-width katakana, or a zero-width character slipped between digits
 * cannot sidestep a trigger (docs/admin/policy.md, "What each trigger
 * reads"). Pure module: NFKC comes from the platform's unorm.h backend; the
 * folds after it are a fixed, documented table:
 *   - NFKC (full-width ASCII -> ASCII, U+3000 and U+00A0 -> space,
 *     half-width katakana -> katakana, ...);
 *   - removed: U+00AD soft hyphen, U+180E, U+200B..U+200D, U+2060..U+2064,
 *     U+FEFF (zero-width and invisible characters);
 *   - to "-": U+2010..U+2015, U+2043, U+2212, U+FE58, U+FE63 (hyphens,
 *     dashes, minus), and U+30FC / U+FF70 (the long-vowel mark an IME types
 *     for "-") when it stands between two ASCII digits;
 *   - to " ": U+1680, U+2028, U+2029, and TAB (spaces NFKC leaves alone).
 * Policy keywords are put through the same function when the policy is
 * built, so both sides of a comparison are normalised alike. */
#ifndef SEALGATE_TEXTNORM_H
#define SEALGATE_TEXTNORM_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NFKC can expand text (U+FDFA is 18 characters); output longer than this
 * multiple of the input (plus 64 bytes) is refused. */
#define SG_TEXTNORM_GROWTH_MAX 4

/* Normalise the UTF-8 text `in[0..len)`. *ret_out is owned (free()),
 * NUL-terminated, *ret_len its length; untouched on failure. Errors:
 * SG_ERR_UTF8 (not UTF-8), SG_ERR_LIMIT (past SG_TEXTNORM_GROWTH_MAX),
 * SG_ERR_NOMEM. */
sg_err sg_text_normalize(const char *in, size_t len, char **ret_out, size_t *ret_len, sg_error *err);

/* False when sg_text_normalize would return `in` unchanged for certain
 * (ASCII without TAB), so a caller can skip the copy. */
bool sg_text_needs_normalize(const char *in, size_t len);

#ifdef __cplusplus
}
#endif
#endif
