/* sealgate: libc-only string helpers for the pure modules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/util.h"

char *sg_strdup(const char *s) {
        return s ? sg_strndup(s, strlen(s)) : NULL;
}

char *sg_strndup(const char *s, size_t n) {
        if (!s)
                return NULL;
        char *r = malloc(n + 1);
        if (!r)
                return NULL;
        memcpy(r, s, n);
        r[n] = '\0';
        return r;
}

static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int sg_ascii_strncasecmp(const char *a, const char *b, size_t n) {
        for (size_t i = 0; i < n; i++) {
                int ca = lower((unsigned char) a[i]), cb = lower((unsigned char) b[i]);
                if (ca != cb || ca == 0)
                        return ca - cb;
        }
        return 0;
}

int sg_ascii_strcasecmp(const char *a, const char *b) {
        return sg_ascii_strncasecmp(a, b, (size_t) -1);
}

void sg_ascii_lower(char *s) {
        for (; s && *s; s++)
                *s = (char) lower((unsigned char) *s);
}

const char *sg_ascii_strcasestr(const char *hay, const char *needle) {
        size_t n = strlen(needle);
        if (n == 0)
                return hay;
        for (; *hay; hay++)
                if (lower((unsigned char) *hay) == lower((unsigned char) *needle) &&
                    sg_ascii_strncasecmp(hay, needle, n) == 0)
                        return hay;
        return NULL;
}

bool sg_utf8_valid(const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str;
        size_t i = 0;
        while (i < len) {
                /* ASCII 8 bytes at a time (no high bit in the word). */
                uint64_t w;
                while (len - i >= 8 && (memcpy(&w, s + i, 8), (w & UINT64_C(0x8080808080808080)) == 0))
                        i += 8;
                if (i >= len)
                        break;
                unsigned char c = s[i];
                if (c < 0x80) {
                        i++;
                        continue;
                }
                size_t need;
                unsigned cp;
                if (c >= 0xC2 && c <= 0xDF) {
                        need = 1;
                        cp = c & 0x1F;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        need = 2;
                        cp = c & 0x0F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        need = 3;
                        cp = c & 0x07;
                } else
                        return false;
                if (len - i - 1 < need)
                        return false;
                for (size_t k = 1; k <= need; k++) {
                        if ((s[i + k] & 0xC0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + k] & 0x3F);
                }
                if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                    (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                i += need + 1;
        }
        return true;
}

void sg_strv_free(char **v, size_t n) {
        if (!v)
                return;
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

int sg_hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}
