/* sealgate: sg_text_normalize: NFKC (platform backend) and then the fixed
 * folds of textnorm.h, in one pass over the NFKC output. Pure module. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/textnorm.h"
#include "sealgate/unorm.h"
#include "sealgate/util.h"

/* Decode one code point of well-formed UTF-8 at s[i]; returns its length. */
static size_t utf8_next(const unsigned char *s, size_t len, size_t i, uint32_t *cp) {
        unsigned char c = s[i];
        if (c < 0x80 || i + 1 >= len) {
                *cp = c;
                return 1;
        }
        if (c < 0xE0) {
                *cp = ((uint32_t) (c & 0x1F) << 6) | (s[i + 1] & 0x3F);
                return 2;
        }
        if (c < 0xF0 && i + 2 < len) {
                *cp = ((uint32_t) (c & 0x0F) << 12) | ((uint32_t) (s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
                return 3;
        }
        if (i + 3 < len) {
                *cp = ((uint32_t) (c & 0x07) << 18) | ((uint32_t) (s[i + 1] & 0x3F) << 12) |
                      ((uint32_t) (s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
                return 4;
        }
        *cp = c;
        return 1;
}

static bool removed(uint32_t cp) {
        return cp == 0x00AD || cp == 0x180E || (cp >= 0x200B && cp <= 0x200D) || (cp >= 0x2060 && cp <= 0x2064) ||
               cp == 0xFEFF;
}

static bool dash(uint32_t cp) {
        return (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2043 || cp == 0x2212 || cp == 0xFE58 || cp == 0xFE63;
}

static bool space(uint32_t cp) {
        return cp == '\t' || cp == 0x1680 || cp == 0x2028 || cp == 0x2029;
}

static bool long_vowel(uint32_t cp) {
        return cp == 0x30FC || cp == 0xFF70;
}

static bool is_digit(int c) {
        return c >= '0' && c <= '9';
}

/* The byte after the code point at s[i] (length w), skipping removed
 * characters, or -1 at the end. */
static int next_visible(const unsigned char *s, size_t len, size_t i) {
        while (i < len) {
                uint32_t cp;
                size_t w = utf8_next(s, len, i, &cp);
                if (!removed(cp))
                        return s[i];
                i += w;
        }
        return -1;
}

bool sg_text_needs_normalize(const char *in, size_t len) {
        const unsigned char *s = (const unsigned char *) in;
        for (size_t i = 0; in && i < len; i++)
                if (s[i] >= 0x80 || s[i] == '\t')
                        return true;
        return false;
}

sg_err sg_text_normalize(const char *in, size_t len, char **ret_out, size_t *ret_len, sg_error *err) {
        if (!in || !ret_out || !ret_len)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_text_normalize: NULL argument");
        if (!sg_utf8_valid(in, len))
                return sg_error_set(err, SG_ERR_UTF8, "text to check is not UTF-8");
        char *nf = NULL;
        size_t nf_len = 0;
        sg_err e = sg_unorm_nfkc(in, len, &nf, &nf_len, err);
        if (e)
                return e;
        size_t cap = len > (SIZE_MAX - 64) / SG_TEXTNORM_GROWTH_MAX ? SIZE_MAX : len * SG_TEXTNORM_GROWTH_MAX + 64;
        if (nf_len > cap) {
                free(nf);
                return sg_error_set(err, SG_ERR_LIMIT, "text grows past %d times its size when normalised",
                                    SG_TEXTNORM_GROWTH_MAX);
        }
        /* Every fold shortens or keeps the length, so it runs in place. */
        const unsigned char *s = (const unsigned char *) nf;
        size_t o = 0;
        for (size_t i = 0; i < nf_len;) {
                uint32_t cp;
                size_t w = utf8_next(s, nf_len, i, &cp);
                if (removed(cp)) {
                        i += w;
                        continue;
                }
                if (dash(cp) ||
                    (long_vowel(cp) && o > 0 && is_digit(nf[o - 1]) && is_digit(next_visible(s, nf_len, i + w))))
                        nf[o++] = '-';
                else if (space(cp))
                        nf[o++] = ' ';
                else {
                        memmove(nf + o, nf + i, w);
                        o += w;
                }
                i += w;
        }
        nf[o] = '\0';
        *ret_out = nf;
        *ret_len = o;
        return SG_OK;
}
