/* sealgate: ISO-2022-JP and EUC-JP into code page 932 bytes (see
 * sealgate/jis.h). JIS X 0208 maps to Shift_JIS arithmetically, extension
 * rows included, so no table is needed. */
#include "sealgate/jis.h"

/* JIS X 0208 row and cell (0x21..0x7E each) as two Shift_JIS bytes at o. */
static void pair_to_sjis(unsigned c1, unsigned c2, char *o) {
        o[0] = (char) (((c1 - 0x21u) >> 1) + (c1 <= 0x5E ? 0x81u : 0xC1u));
        o[1] = (char) ((c1 & 1) ? c2 + (c2 < 0x60 ? 0x1Fu : 0x20u) : c2 + 0x7Eu);
}

bool sg_jis_has_escape(const unsigned char *s, size_t n) {
        for (size_t i = 0; i + 2 < n; i++)
                if (s[i] == 0x1B && s[i + 1] == '$' && (s[i + 2] == 'B' || s[i + 2] == '@'))
                        return true;
        return false;
}

bool sg_jis_to_sjis(const unsigned char *s, size_t n, char *out, size_t *ret_len) {
        enum { ROMAN, KANJI, KANA } mode = ROMAN;
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned c = s[i];
                if (c == 0x1B) {
                        if (i + 2 < n && s[i + 1] == '(' && (s[i + 2] == 'B' || s[i + 2] == 'J'))
                                mode = ROMAN;
                        else if (i + 2 < n && s[i + 1] == '$' && (s[i + 2] == 'B' || s[i + 2] == '@'))
                                mode = KANJI;
                        else if (i + 2 < n && s[i + 1] == '(' && s[i + 2] == 'I')
                                mode = KANA;
                        else
                                return false;
                        i += 2;
                } else if (c == 0x0E) {
                        mode = KANA;
                } else if (c == 0x0F) {
                        mode = ROMAN;
                } else if (c >= 0x80) {
                        return false;
                } else if (c == '\r' || c == '\n' || mode == ROMAN) {
                        out[o++] = (char) c;
                } else if (mode == KANA) {
                        if (c < 0x21 || c > 0x5F)
                                return false;
                        out[o++] = (char) (c | 0x80);
                } else {
                        unsigned c2 = i + 1 < n ? s[++i] : 0;
                        if (c < 0x21 || c > 0x7E || c2 < 0x21 || c2 > 0x7E)
                                return false;
                        pair_to_sjis(c, c2, out + o);
                        o += 2;
                }
        }
        *ret_len = o;
        return true;
}

bool sg_eucjp_to_sjis(const unsigned char *s, size_t n, char *out, size_t *ret_len) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned c = s[i];
                if (c < 0x80) {
                        out[o++] = (char) c;
                } else if (c == 0x8E && i + 1 < n && s[i + 1] >= 0xA1 && s[i + 1] <= 0xDF) {
                        out[o++] = (char) s[++i];
                } else if (c >= 0xA1 && c <= 0xFE && i + 1 < n && s[i + 1] >= 0xA1 && s[i + 1] <= 0xFE) {
                        pair_to_sjis(c - 0x80, s[i + 1] - 0x80u, out + o);
                        o += 2;
                        i++;
                } else {
                        return false;
                }
        }
        *ret_len = o;
        return true;
}
