/* sealgate: body-text detectors for payment-card numbers (issuer prefix and
 * Luhn) and Japanese My Number (check digit). Pure module: libc only. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "sealgate/detect.h"

#define CARD_MIN      13
#define CARD_MAX      19
#define MY_NUMBER_LEN 12

/* If text[i] starts a digit (ASCII or full-width U+FF10..U+FF19, which is
 * EF BC 90..99 in UTF-8), return its byte length and store its value. */
static size_t digit_at(const char *text, size_t len, size_t i, char *ret_digit) {
        const unsigned char *s = (const unsigned char *) text;
        if (i >= len)
                return 0;
        if (s[i] >= '0' && s[i] <= '9') {
                *ret_digit = (char) s[i];
                return 1;
        }
        if (len - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] >= 0x90 && s[i + 2] <= 0x99) {
                *ret_digit = (char) ('0' + (s[i + 2] - 0x90));
                return 3;
        }
        return 0;
}

/* True if a digit ends right before byte offset i. */
static bool digit_before(const char *text, size_t i) {
        const unsigned char *s = (const unsigned char *) text;
        if (i >= 1 && s[i - 1] >= '0' && s[i - 1] <= '9')
                return true;
        return i >= 3 && s[i - 3] == 0xEF && s[i - 2] == 0xBC && s[i - 1] >= 0x90 && s[i - 1] <= 0x99;
}

static bool is_sep(char c) {
        return c == ' ' || c == '-';
}

bool sg_luhn_valid(const char *digits, size_t n) {
        if (!digits || n == 0)
                return false;
        unsigned sum = 0;
        for (size_t k = 0; k < n; k++) {
                char c = digits[n - 1 - k];
                if (c < '0' || c > '9')
                        return false;
                unsigned d = (unsigned) (c - '0');
                if (k % 2 == 1) {
                        d *= 2;
                        if (d > 9)
                                d -= 9;
                }
                sum += d;
        }
        return sum % 10 == 0;
}

bool sg_my_number_valid(const char *digits) {
        if (!digits)
                return false;
        for (size_t i = 0; i < MY_NUMBER_LEN; i++)
                if (digits[i] < '0' || digits[i] > '9')
                        return false;
        if (digits[MY_NUMBER_LEN] != '\0')
                return false;
        /* P_n is the n-th digit from the right, not counting the check digit;
         * Q_n = n + 1 for n <= 6, n - 5 for n >= 7. */
        unsigned sum = 0;
        for (unsigned n = 1; n <= 11; n++) {
                unsigned pn = (unsigned) (digits[11 - n] - '0');
                unsigned qn = n <= 6 ? n + 1 : n - 5;
                sum += pn * qn;
        }
        unsigned r = sum % 11;
        unsigned check = r <= 1 ? 0 : 11 - r;
        return (unsigned) (digits[11] - '0') == check;
}

/* Prefix value of the first k digits. */
static unsigned prefix(const char *d, size_t k) {
        unsigned v = 0;
        for (size_t i = 0; i < k; i++)
                v = v * 10 + (unsigned) (d[i] - '0');
        return v;
}

static bool issuer_known(const char *d, size_t n) {
        unsigned p1 = prefix(d, 1), p2 = prefix(d, 2), p3 = prefix(d, 3), p4 = prefix(d, 4);
        if (p2 == 34 || p2 == 37)
                return n == 15; /* American Express */
        if (p1 == 4)
                return true; /* Visa */
        if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
                return true; /* Mastercard */
        if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65)
                return true; /* Discover */
        if (p4 >= 3528 && p4 <= 3589)
                return true; /* JCB */
        if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38)
                return true; /* Diners Club */
        return p2 == 62;     /* UnionPay */
}

bool sg_find_card_number(const char *text, size_t len, size_t *ret_off, size_t *ret_len) {
        if (!text)
                return false;
        char d[CARD_MAX + 1];
        for (size_t start = 0; start < len; start++) {
                char c;
                if (!digit_at(text, len, start, &c) || digit_before(text, start))
                        continue;
                /* Walk digits and single separators; a candidate ends wherever
                 * the next byte is not a digit (so "4111 1111 1111 1111 12"
                 * still finds the 16-digit number before the trailing group). */
                size_t i = start, n = 0;
                while (n < CARD_MAX) {
                        size_t w = digit_at(text, len, i, &d[n]);
                        if (!w)
                                break;
                        n++;
                        i += w;
                        char dummy;
                        bool more = digit_at(text, len, i, &dummy) != 0;
                        if (!more && n >= CARD_MIN && issuer_known(d, n) && sg_luhn_valid(d, n)) {
                                if (ret_off)
                                        *ret_off = start;
                                if (ret_len)
                                        *ret_len = i - start;
                                return true;
                        }
                        if (!more) {
                                if (i < len && is_sep(text[i]) && digit_at(text, len, i + 1, &dummy))
                                        i++;
                                else
                                        break;
                        }
                }
        }
        return false;
}

/* Read `groups` groups of `per` digits from text[i], one separator between
 * groups; returns the end offset or 0. */
static size_t read_groups(const char *text, size_t len, size_t i, size_t groups, size_t per, char *out) {
        size_t n = 0;
        for (size_t g = 0; g < groups; g++) {
                if (g > 0) {
                        if (i >= len || !is_sep(text[i]))
                                return 0;
                        i++;
                }
                for (size_t k = 0; k < per; k++) {
                        size_t w = digit_at(text, len, i, &out[n]);
                        if (!w)
                                return 0;
                        n++;
                        i += w;
                }
        }
        out[n] = '\0';
        return i;
}

bool sg_find_my_number(const char *text, size_t len, size_t *ret_off, size_t *ret_len) {
        if (!text)
                return false;
        char d[MY_NUMBER_LEN + 1];
        for (size_t start = 0; start < len; start++) {
                char c;
                if (!digit_at(text, len, start, &c) || digit_before(text, start))
                        continue;
                size_t end = read_groups(text, len, start, 1, 12, d);
                if (end && !digit_at(text, len, end, &c) && sg_my_number_valid(d))
                        goto found;
                /* The grouped form must stand alone: a 4-4-4 run inside a
                 * 4-4-4-4 card number is not a My Number. */
                end = read_groups(text, len, start, 3, 4, d);
                if (end && !digit_at(text, len, end, &c) &&
                    !(end < len && is_sep(text[end]) && digit_at(text, len, end + 1, &c)) &&
                    !(start >= 2 && is_sep(text[start - 1]) && digit_before(text, start - 1)) && sg_my_number_valid(d))
                        goto found;
                continue;
        found:
                if (ret_off)
                        *ret_off = start;
                if (ret_len)
                        *ret_len = end - start;
                return true;
        }
        return false;
}
