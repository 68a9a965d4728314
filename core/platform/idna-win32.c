/* sealgate: the idna.h backend on Windows (the Outlook add-in): IdnToAscii
 * (normaliz.dll) maps, and the checks below hold its result to the same rules
 * as idna-libidn2.c (IDNA2008, UTS #46 non-transitional) where Windows alone
 * would not. Differences that remain are listed in docs/admin/outlook.md. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "idna-private.h"
#include "sealgate/idna.h"
#include "sealgate/util.h"

/* UTF-16 units / code points of one domain at any stage: far more than 253
 * octets can need (mapping may drop characters, so the input may be longer). */
#define WBUF 2048

/* ---- Punycode (RFC 3492). Windows has no call that decodes or encodes
 * without also mapping, and non-transitional labels need both. */
enum { P_BASE = 36, P_TMIN = 1, P_TMAX = 26, P_SKEW = 38, P_DAMP = 700, P_BIAS = 72, P_N = 0x80 };

static uint32_t adapt(uint32_t delta, uint32_t numpoints, bool first) {
        delta = first ? delta / P_DAMP : delta / 2;
        delta += delta / numpoints;
        uint32_t k = 0;
        while (delta > ((P_BASE - P_TMIN) * P_TMAX) / 2) {
                delta /= P_BASE - P_TMIN;
                k += P_BASE;
        }
        return k + (P_BASE - P_TMIN + 1) * delta / (delta + P_SKEW);
}

static int digit_value(char c) {
        if (c >= 'a' && c <= 'z')
                return c - 'a';
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= '0' && c <= '9')
                return c - '0' + 26;
        return -1;
}

static char digit_char(uint32_t d) {
        return (char) (d < 26 ? 'a' + d : '0' + (d - 26));
}

/* Decode the Punycode `in[0..len)` (without "xn--") into code points. */
static bool puny_decode(const char *in, size_t len, uint32_t *out, size_t cap, size_t *ret_n) {
        size_t b = 0, n_out = 0;
        for (size_t j = 0; j < len; j++)
                if (in[j] == '-')
                        b = j;
        if (b > cap)
                return false;
        for (size_t j = 0; j < b; j++) {
                if ((unsigned char) in[j] >= 0x80)
                        return false;
                out[n_out++] = (unsigned char) in[j];
        }
        uint32_t n = P_N, bias = P_BIAS, i = 0;
        for (size_t in_pos = b > 0 ? b + 1 : 0; in_pos < len;) {
                uint32_t oldi = i, w = 1;
                for (uint32_t k = P_BASE;; k += P_BASE) {
                        if (in_pos >= len)
                                return false;
                        int d = digit_value(in[in_pos++]);
                        if (d < 0 || (uint32_t) d > (UINT32_MAX - i) / w)
                                return false;
                        i += (uint32_t) d * w;
                        uint32_t t = k <= bias ? P_TMIN : k >= bias + P_TMAX ? P_TMAX : k - bias;
                        if ((uint32_t) d < t)
                                break;
                        if (w > UINT32_MAX / (P_BASE - t))
                                return false;
                        w *= P_BASE - t;
                }
                bias = adapt(i - oldi, (uint32_t) n_out + 1, oldi == 0);
                if (i / ((uint32_t) n_out + 1) > 0x10FFFF - n)
                        return false;
                n += i / ((uint32_t) n_out + 1);
                i %= (uint32_t) n_out + 1;
                if (n_out >= cap || n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || n < 0x80)
                        return false;
                memmove(out + i + 1, out + i, (n_out - i) * sizeof *out);
                out[i++] = n;
                n_out++;
        }
        *ret_n = n_out;
        return true;
}

/* Encode code points as Punycode (without "xn--") into `out`, NUL-terminated. */
static bool puny_encode(const uint32_t *in, size_t len, char *out, size_t cap) {
        size_t o = 0, h, b = 0;
        for (size_t j = 0; j < len; j++)
                if (in[j] < 0x80) {
                        if (o + 1 >= cap)
                                return false;
                        out[o++] = (char) in[j];
                        b++;
                }
        h = b;
        if (b > 0) {
                if (o + 1 >= cap)
                        return false;
                out[o++] = '-';
        }
        uint32_t n = P_N, delta = 0, bias = P_BIAS;
        while (h < len) {
                uint32_t m = UINT32_MAX;
                for (size_t j = 0; j < len; j++)
                        if (in[j] >= n && in[j] < m)
                                m = in[j];
                if ((m - n) > (UINT32_MAX - delta) / (h + 1))
                        return false;
                delta += (m - n) * (uint32_t) (h + 1);
                n = m;
                for (size_t j = 0; j < len; j++) {
                        if (in[j] < n && ++delta == 0)
                                return false;
                        if (in[j] != n)
                                continue;
                        uint32_t q = delta;
                        for (uint32_t k = P_BASE;; k += P_BASE) {
                                uint32_t t = k <= bias ? P_TMIN : k >= bias + P_TMAX ? P_TMAX : k - bias;
                                if (q < t)
                                        break;
                                if (o + 1 >= cap)
                                        return false;
                                out[o++] = digit_char(t + (q - t) % (P_BASE - t));
                                q = (q - t) / (P_BASE - t);
                        }
                        if (o + 1 >= cap)
                                return false;
                        out[o++] = digit_char(q);
                        bias = adapt(delta, (uint32_t) h + 1, h == b);
                        delta = 0;
                        h++;
                }
                delta++;
                n++;
        }
        out[o] = '\0';
        return true;
}

/* ---- UTF-16 <-> code points */
static size_t to_utf16(const uint32_t *cp, size_t n, wchar_t *out, size_t cap) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                if (cp[i] >= 0x10000) {
                        if (o + 2 > cap)
                                return (size_t) -1;
                        out[o++] = (wchar_t) (0xD800 + ((cp[i] - 0x10000) >> 10));
                        out[o++] = (wchar_t) (0xDC00 + ((cp[i] - 0x10000) & 0x3FF));
                } else {
                        if (o + 1 > cap)
                                return (size_t) -1;
                        out[o++] = (wchar_t) cp[i];
                }
        }
        return o;
}

static size_t from_utf16(const wchar_t *w, size_t n, uint32_t *out, size_t cap) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                if (o >= cap)
                        return (size_t) -1;
                uint32_t c = (uint16_t) w[i];
                if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && (uint16_t) w[i + 1] >= 0xDC00 &&
                    (uint16_t) w[i + 1] <= 0xDFFF) {
                        c = 0x10000 + ((c - 0xD800) << 10) + ((uint16_t) w[i + 1] - 0xDC00);
                        i++;
                }
                out[o++] = c;
        }
        return o;
}

/* The four characters UTS #46 treats differently in transitional and
 * non-transitional processing. Windows (and Wine) map them the transitional
 * way (ß to "ss", ς to σ, ZWJ and ZWNJ removed), which names another domain. */
static bool is_deviation(uint32_t c) {
        return c == 0x00DF || c == 0x03C2;
}

static bool is_joiner(uint32_t c) {
        return c == 0x200C || c == 0x200D;
}

static bool is_dot(uint32_t c) {
        return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61;
}

/* One IdnToAscii call; the ASCII result goes to `out` (NUL-terminated). The
 * flags are 0: IDN_USE_STD3_ASCII_RULES is left to sg_idna_ldh_problem() (Wine's
 * refuses every non-ASCII label with it), and IDN_ALLOW_UNASSIGNED stays off
 * as in IDNA2008. */
static const char *win_to_ascii(const wchar_t *in, size_t n, char *out, size_t cap) {
        wchar_t buf[WBUF];
        if (n == 0)
                return "empty label";
        SetLastError(0);
        int r = IdnToAscii(0, in, (int) n, buf, WBUF);
        if (r <= 0)
                return GetLastError() == ERROR_INSUFFICIENT_BUFFER
                               ? "longer than 253 octets"
                               : "not a valid internationalized domain name (Windows IdnToAscii refused it)";
        size_t len = (size_t) r;
        if (len > 0 && buf[len - 1] == 0)
                len--;
        if (len >= cap)
                return "longer than 253 octets";
        for (size_t i = 0; i < len; i++) {
                if ((uint16_t) buf[i] >= 0x80)
                        return "not a valid internationalized domain name (Windows IdnToAscii refused it)";
                out[i] = (char) buf[i];
        }
        out[len] = '\0';
        return NULL;
}

/* Append the code points of one mapped ASCII piece (LDH or A-labels) to cp. */
static const char *append_decoded(const char *ascii, uint32_t *cp, size_t cap, size_t *n) {
        const char *p = ascii;
        for (;;) {
                const char *end = strchr(p, '.');
                size_t len = end ? (size_t) (end - p) : strlen(p);
                if (len >= 4 && sg_ascii_strncasecmp(p, "xn--", 4) == 0) {
                        size_t got;
                        if (!puny_decode(p + 4, len - 4, cp + *n, cap - *n, &got))
                                return "invalid Punycode";
                        *n += got;
                } else {
                        if (*n + len > cap)
                                return "longer than 253 octets";
                        for (size_t i = 0; i < len; i++)
                                cp[(*n)++] = (unsigned char) p[i];
                }
                if (!end)
                        return NULL;
                if (*n >= cap)
                        return "longer than 253 octets";
                cp[(*n)++] = '.';
                p = end + 1;
        }
}

/* The IDNA2008 hyphen rules on a U-label (libidn2 checks them; IdnToAscii,
 * being IDNA2003 on older Windows and in Wine, does not). */
static const char *ulabel_problem(const uint32_t *cp, size_t n) {
        if (n == 0)
                return "empty label";
        if (cp[0] == '-' || cp[n - 1] == '-')
                return "label starts or ends with a hyphen";
        if (n >= 4 && cp[2] == '-' && cp[3] == '-')
                return "hyphens in the third and fourth positions of a label";
        for (size_t i = 0; i < n; i++) {
                if (is_joiner(cp[i]))
                        return "ZERO WIDTH JOINER and NON-JOINER are not supported on Windows";
                /* IDNA2008 allows letters, digits and combining marks (RFC
                 * 5892's LetterDigits); IDNA2003, which is what Wine and
                 * older Windows give, also symbols such as U+2603. Code
                 * points beyond the BMP are left to IdnToAscii. */
                if (cp[i] < 0x80 || cp[i] > 0xFFFF)
                        continue;
                wchar_t c = (wchar_t) cp[i];
                WORD t1 = 0, t3 = 0;
                if (!GetStringTypeW(CT_CTYPE1, &c, 1, &t1) || !GetStringTypeW(CT_CTYPE3, &c, 1, &t3))
                        return "a character IDNA2008 does not allow in a domain";
                bool letter_digit = (t1 & (C1_ALPHA | C1_DIGIT)) != 0;
                bool mark = (t3 & (C3_NONSPACING | C3_DIACRITIC | C3_VOWELMARK)) != 0;
                if ((!letter_digit && !mark) || (t3 & C3_SYMBOL))
                        return "a character IDNA2008 does not allow in a domain";
        }
        return NULL;
}

/* Map a Unicode domain (UTF-16) to its lower-case ASCII form in `out`.
 * Without ß or ς IdnToAscii maps the whole domain; with them, each label is
 * mapped piece by piece around those characters (which UTS #46
 * non-transitional keeps as they are), then encoded here. No code point maps
 * to, or composes with, ß or ς, so the pieces map as the whole would. */
static const char *map_to_ascii(const wchar_t *w, size_t wn, char *out, size_t cap) {
        uint32_t cp[WBUF], in[WBUF];
        size_t n_in = from_utf16(w, wn, in, WBUF);
        if (n_in == (size_t) -1)
                return "longer than 253 octets";
        bool deviation = false;
        for (size_t i = 0; i < n_in; i++) {
                if (is_joiner(in[i]))
                        return "ZERO WIDTH JOINER and NON-JOINER are not supported on Windows";
                deviation = deviation || is_deviation(in[i]);
        }
        const char *why;
        if (!deviation) {
                if ((why = win_to_ascii(w, wn, out, cap)))
                        return why;
        } else {
                /* Code points of the mapped domain, labels separated by '.'. */
                size_t n = 0;
                for (size_t i = 0; i <= n_in;) {
                        size_t j = i;
                        while (j < n_in && !is_dot(in[j]) && !is_deviation(in[j]))
                                j++;
                        if (j > i) {
                                wchar_t piece[WBUF];
                                char ascii[WBUF];
                                size_t pn = to_utf16(in + i, j - i, piece, WBUF);
                                if (pn == (size_t) -1)
                                        return "longer than 253 octets";
                                if ((why = win_to_ascii(piece, pn, ascii, sizeof ascii)))
                                        return why;
                                if (strchr(ascii, '.'))
                                        return "a character maps to a label separator";
                                if ((why = append_decoded(ascii, cp, WBUF, &n)))
                                        return why;
                        }
                        if (j >= n_in)
                                break;
                        if (n >= WBUF)
                                return "longer than 253 octets";
                        cp[n++] = is_dot(in[j]) ? '.' : in[j];
                        i = j + 1;
                }
                /* Encode label by label. */
                size_t o = 0;
                for (size_t i = 0; i <= n;) {
                        size_t j = i;
                        bool ascii = true;
                        for (; j < n && cp[j] != '.'; j++)
                                ascii = ascii && cp[j] < 0x80;
                        if (ascii) {
                                if (o + (j - i) + 1 >= cap)
                                        return "longer than 253 octets";
                                for (size_t k = i; k < j; k++)
                                        out[o++] = (char) cp[k];
                        } else {
                                if (o + 5 >= cap)
                                        return "longer than 253 octets";
                                memcpy(out + o, "xn--", 4);
                                o += 4;
                                if (!puny_encode(cp + i, j - i, out + o, cap - o))
                                        return "longer than 253 octets";
                                o += strlen(out + o);
                        }
                        if (j >= n)
                                break;
                        out[o++] = '.';
                        i = j + 1;
                }
                out[o] = '\0';
        }
        sg_ascii_lower(out);
        return NULL;
}

/* Check every A-label of a lower-case LDH domain: valid Punycode, the IDNA2008
 * hyphen rules on its U-label and, when `canonical`, that mapping the U-label
 * again gives the same A-label (libidn2's round trip does the same). */
static const char *check_alabels(const char *d, bool canonical) {
        const char *p = d;
        for (;;) {
                const char *end = strchr(p, '.');
                size_t len = end ? (size_t) (end - p) : strlen(p);
                if (len >= 4 && memcmp(p, "xn--", 4) == 0) {
                        uint32_t cp[SG_IDNA_LABEL_MAX + 1];
                        size_t n;
                        if (!puny_decode(p + 4, len - 4, cp, SG_IDNA_LABEL_MAX, &n) || n == 0)
                                return "invalid Punycode in an A-label";
                        const char *why = ulabel_problem(cp, n);
                        if (why)
                                return why;
                        if (canonical) {
                                wchar_t w[2 * SG_IDNA_LABEL_MAX + 2];
                                char again[WBUF];
                                size_t wn = to_utf16(cp, n, w, sizeof w / sizeof *w);
                                if (wn == (size_t) -1 || map_to_ascii(w, wn, again, sizeof again) ||
                                    strlen(again) != len || memcmp(again, p, len) != 0)
                                        return "A-label is not in canonical form";
                        }
                }
                if (!end)
                        return NULL;
                p = end + 1;
        }
}

sg_err sg_idna_to_ascii(const char *domain, char **ret_ascii, sg_error *err) {
        if (!domain || !ret_ascii)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_idna_to_ascii: NULL argument");
        size_t len = strlen(domain);
        if (len == 0)
                return sg_idna_fail(err, domain, "empty domain");
        if (len >= WBUF)
                return sg_idna_fail(err, domain,
                                    sg_utf8_valid(domain, len) ? "longer than 253 octets" : "not valid UTF-8");

        char out[WBUF];
        bool has_alabel;
        const char *why;
        if (sg_idna_lower_ascii(domain, len, out)) {
                why = sg_idna_ldh_problem(out, &has_alabel);
                if (!why && has_alabel)
                        why = check_alabels(out, true);
        } else {
                if (!sg_utf8_valid(domain, len))
                        return sg_idna_fail(err, domain, "not valid UTF-8");
                wchar_t w[WBUF];
                int wn = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, domain, (int) len, w, WBUF);
                if (wn <= 0)
                        return sg_idna_fail(err, domain, "longer than 253 octets");
                why = map_to_ascii(w, (size_t) wn, out, sizeof out);
                if (!why)
                        why = sg_idna_ldh_problem(out, &has_alabel);
                if (!why && has_alabel)
                        why = check_alabels(out, false);
        }
        if (why)
                return sg_idna_fail(err, domain, why);
        char *r = sg_strdup(out);
        if (!r)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        *ret_ascii = r;
        return SG_OK;
}

const char *sg_idna_backend(void) {
        return "Windows IdnToAscii (normaliz.dll)";
}
