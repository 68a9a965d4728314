/* sealgate: JSON written straight into a buffer (sealgate/json-writer.h),
 * with json-c's plain output's spelling: no spaces, strings escaped as
 * json-c escapes them (\" \\ \b \f \n \r \t, other control characters as
 * \u00xx with lowercase hex, everything else as it is). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/json-writer.h"

void sg_jw_init(sg_jw *w) {
        memset(w, 0, sizeof *w);
}

void sg_jw_clear(sg_jw *w) {
        free(w->buf);
        sg_jw_init(w);
}

char *sg_jw_take(sg_jw *w, size_t *ret_len) {
        char *s = w->failed ? NULL : w->buf;
        if (s && ret_len)
                *ret_len = w->len;
        if (!s)
                free(w->buf);
        sg_jw_init(w);
        return s;
}

/* Grow the buffer for `n` more bytes and the NUL (the slow path of
 * reserve()). */
static bool grow(sg_jw *w, size_t n) {
        if (w->failed)
                return false;
        if (w->len + n + 1 <= w->cap)
                return true;
        size_t cap = w->cap ? w->cap : 8192; /* a policy.evaluate answer for 20 recipients: 4-5 KB */
        while (cap < w->len + n + 1) {
                if (cap > SIZE_MAX / 2) {
                        w->failed = true;
                        return false;
                }
                cap *= 2;
        }
        char *b = realloc(w->buf, cap);
        if (!b) {
                w->failed = true;
                return false;
        }
        w->buf = b;
        w->cap = cap;
        return true;
}

/* Room for `n` more bytes and the NUL. */
static inline bool reserve(sg_jw *w, size_t n) {
        return (!w->failed && w->len + n + 1 <= w->cap) || grow(w, n);
}

static inline void put(sg_jw *w, const char *s, size_t n) {
        if (!reserve(w, n))
                return;
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len] = '\0';
}

/* One byte, without a call to memcpy (most punctuation). */
static inline void put_c(sg_jw *w, char c) {
        if (!reserve(w, 1))
                return;
        w->buf[w->len++] = c;
        w->buf[w->len] = '\0';
}

/* A value or a key starts: a comma unless it is the first in its container
 * or the value of a key. */
static void sep(sg_jw *w) {
        if (w->len && !w->failed) {
                char c = w->buf[w->len - 1];
                if (c != '{' && c != '[' && c != ':')
                        put_c(w, ',');
        }
}

void sg_jw_object_begin(sg_jw *w) {
        sep(w);
        put_c(w, '{');
}

void sg_jw_object_end(sg_jw *w) {
        put_c(w, '}');
}

void sg_jw_array_begin(sg_jw *w) {
        sep(w);
        put_c(w, '[');
}

void sg_jw_array_end(sg_jw *w) {
        put_c(w, ']');
}

/* Bytes written as they are: everything but the control characters, '"'
 * and '\\' (a table: one load per byte in the short runs). */
#define PLAIN_ROW(b)                                                                                                   \
        (b) >= 0x20 && (b) != '"' && (b) != '\\', (b) + 1 >= 0x20 && (b) + 1 != '"' && (b) + 1 != '\\',                \
                (b) + 2 >= 0x20 && (b) + 2 != '"' && (b) + 2 != '\\',                                                  \
                (b) + 3 >= 0x20 && (b) + 3 != '"' && (b) + 3 != '\\'
static const bool plain_tab[256] = {
        PLAIN_ROW(0),   PLAIN_ROW(4),   PLAIN_ROW(8),   PLAIN_ROW(12),  PLAIN_ROW(16),  PLAIN_ROW(20),  PLAIN_ROW(24),
        PLAIN_ROW(28),  PLAIN_ROW(32),  PLAIN_ROW(36),  PLAIN_ROW(40),  PLAIN_ROW(44),  PLAIN_ROW(48),  PLAIN_ROW(52),
        PLAIN_ROW(56),  PLAIN_ROW(60),  PLAIN_ROW(64),  PLAIN_ROW(68),  PLAIN_ROW(72),  PLAIN_ROW(76),  PLAIN_ROW(80),
        PLAIN_ROW(84),  PLAIN_ROW(88),  PLAIN_ROW(92),  PLAIN_ROW(96),  PLAIN_ROW(100), PLAIN_ROW(104), PLAIN_ROW(108),
        PLAIN_ROW(112), PLAIN_ROW(116), PLAIN_ROW(120), PLAIN_ROW(124), PLAIN_ROW(128), PLAIN_ROW(132), PLAIN_ROW(136),
        PLAIN_ROW(140), PLAIN_ROW(144), PLAIN_ROW(148), PLAIN_ROW(152), PLAIN_ROW(156), PLAIN_ROW(160), PLAIN_ROW(164),
        PLAIN_ROW(168), PLAIN_ROW(172), PLAIN_ROW(176), PLAIN_ROW(180), PLAIN_ROW(184), PLAIN_ROW(188), PLAIN_ROW(192),
        PLAIN_ROW(196), PLAIN_ROW(200), PLAIN_ROW(204), PLAIN_ROW(208), PLAIN_ROW(212), PLAIN_ROW(216), PLAIN_ROW(220),
        PLAIN_ROW(224), PLAIN_ROW(228), PLAIN_ROW(232), PLAIN_ROW(236), PLAIN_ROW(240), PLAIN_ROW(244), PLAIN_ROW(248),
        PLAIN_ROW(252),
};
#undef PLAIN_ROW

static inline bool plain_byte(unsigned char c) {
        return plain_tab[c];
}

/* Whether any of the 8 bytes in x is not plain (SWAR: a byte below 0x20,
 * or equal to '"' or '\\'); exact, as each test is exact per byte. */
static bool word_needs_escape(uint64_t x) {
        const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t low = (x - ones * 0x20) & ~x;               /* high bit set where x < 0x20 */
        uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b; /* high bit set where the byte is 0 */
        return ((low | zq | zb) & high) != 0;
}

/* `s` as a JSON string, and `tail` after it (a key's ':') when not NUL. */
static void quoted(sg_jw *w, const char *s, char tail) {
        static const char hex[] = "0123456789abcdef";
        size_t n = strlen(s);
        /* worst case: every byte as \u00xx, the quotes and the tail */
        if (!reserve(w, n * 6 + 3))
                return;
        char *o = w->buf + w->len;
        *o++ = '"';
        const unsigned char *p = (const unsigned char *) s, *end = p + n;
        while (p < end) {
                /* A run of plain bytes, 8 at a time and stored as they are
                 * read (the room is reserved): no call per run. */
                uint64_t x;
                for (; end - p >= 8 && (memcpy(&x, p, 8), !word_needs_escape(x)); p += 8, o += 8)
                        memcpy(o, &x, 8);
                /* Fewer than 8 left of a string of 8 or more: the last 8
                 * bytes in one word when they are all plain. Those before p
                 * were plain too, so they stand at the same distance before
                 * o as in the input, and storing them again changes nothing. */
                size_t left = (size_t) (end - p);
                if (left && left < 8 && n >= 8 && (memcpy(&x, end - 8, 8), !word_needs_escape(x))) {
                        memcpy(o - (8 - left), &x, 8);
                        o += left;
                        p = end;
                        break;
                }
                while (p < end && plain_byte(*p))
                        *o++ = (char) *p++;
                if (p == end)
                        break;
                unsigned char c = *p++;
                switch (c) {
                case '"':
                        *o++ = '\\', *o++ = '"';
                        break;
                case '\\':
                        *o++ = '\\', *o++ = '\\';
                        break;
                case '\b':
                        *o++ = '\\', *o++ = 'b';
                        break;
                case '\f':
                        *o++ = '\\', *o++ = 'f';
                        break;
                case '\n':
                        *o++ = '\\', *o++ = 'n';
                        break;
                case '\r':
                        *o++ = '\\', *o++ = 'r';
                        break;
                case '\t':
                        *o++ = '\\', *o++ = 't';
                        break;
                default:
                        memcpy(o, "\\u00", 4);
                        o += 4;
                        *o++ = hex[c >> 4];
                        *o++ = hex[c & 15];
                }
        }
        *o++ = '"';
        if (tail)
                *o++ = tail;
        w->len = (size_t) (o - w->buf);
        w->buf[w->len] = '\0';
}

void sg_jw_key(sg_jw *w, const char *key) {
        sep(w);
        quoted(w, key, ':');
}

void sg_jw_key_n(sg_jw *w, const char *key, size_t n) {
        sep(w);
        if (!reserve(w, n + 3))
                return;
        char *o = w->buf + w->len;
        *o++ = '"';
        memcpy(o, key, n);
        o += n;
        *o++ = '"';
        *o++ = ':';
        *o = '\0';
        w->len = (size_t) (o - w->buf);
}

void sg_jw_string(sg_jw *w, const char *s) {
        if (!s) {
                sg_jw_null(w);
                return;
        }
        sep(w);
        quoted(w, s, '\0');
}

void sg_jw_int(sg_jw *w, int64_t v) {
        char b[24], *p = b + sizeof b;
        uint64_t u = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;
        do
                *--p = (char) ('0' + u % 10);
        while (u /= 10);
        if (v < 0)
                *--p = '-';
        sep(w);
        put(w, p, (size_t) (b + sizeof b - p));
}

void sg_jw_bool(sg_jw *w, bool v) {
        sep(w);
        /* "true" with its NUL is as long as "false": one fixed-size copy */
        if (!reserve(w, 5))
                return;
        memcpy(w->buf + w->len, v ? "true" : "false", 5);
        w->len += v ? 4 : 5;
        w->buf[w->len] = '\0';
}

void sg_jw_null(sg_jw *w) {
        sep(w);
        put(w, "null", 4);
}

void sg_jw_raw(sg_jw *w, const char *json, size_t len) {
        sep(w);
        put(w, json, len);
}
