/* sealgate: content detectors for body text: payment-card numbers (Luhn and
 * issuer prefix) and Japanese My Number (Individual Number, check digit).
 * Pure module: libc only. Half-width and full-width digits (U+FF10..U+FF19)
 * are both recognised; groups may be separated by one space or hyphen. */
#ifndef SEALGATE_DETECT_H
#define SEALGATE_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Luhn check over ASCII digits `d[0..n)`. */
bool sg_luhn_valid(const char *digits, size_t n);

/* My Number check digit: `digits` holds exactly 12 ASCII digits. */
bool sg_my_number_valid(const char *digits);

/* Find the first payment-card number in `text[0..len)`: 13..19 digits, not
 * part of a longer digit run, passing Luhn, with a known issuer prefix.
 * Returns true and the byte offset/length of the match (if the pointers are
 * non-NULL). */
bool sg_find_card_number(const char *text, size_t len, size_t *ret_off, size_t *ret_len);

/* Find the first My Number: 12 digits (or 4-4-4 with one space/hyphen between
 * groups), not part of a longer digit run, with a valid check digit. */
bool sg_find_my_number(const char *text, size_t len, size_t *ret_off, size_t *ret_len);

#ifdef __cplusplus
}
#endif
#endif
