/* sealgate: JSON written straight into a buffer (sealgate/json-writer.h),
 * with json-c's plain output's spelling: no spaces, strings escaped as
 * json-c escapes them (\" \\ \b \f \n \r \t, other control characters as
 * \u00xx with lowercase hex, everything else as it is). */
#include <stdbool.h>
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

/* Room for `n` more bytes and the NUL. */
static bool reserve(sg_jw *w, size_t n) {
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

static void put(sg_jw *w, const char *s, size_t n) {
        if (!reserve(w, n))
                return;
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len] = '\0';
}

/* A value or a key starts: a comma unless it is the first in its container
 * or the value of a key. */
static void sep(sg_jw *w) {
        if (w->len && !w->failed) {
                char c = w->buf[w->len - 1];
                if (c != '{' && c != '[' && c != ':')
                        put(w, ",", 1);
        }
}

void sg_jw_object_begin(sg_jw *w) {
        sep(w);
        put(w, "{", 1);
}

void sg_jw_object_end(sg_jw *w) {
        put(w, "}", 1);
}

void sg_jw_array_begin(sg_jw *w) {
        sep(w);
        put(w, "[", 1);
}

void sg_jw_array_end(sg_jw *w) {
        put(w, "]", 1);
}

/* Bytes written as they are: everything but the control characters, '"'
 * and '\\'. */
static bool plain_byte(unsigned char c) {
        return c >= 0x20 && c != '"' && c != '\\';
}

static void quoted(sg_jw *w, const char *s) {
        static const char hex[] = "0123456789abcdef";
        size_t n = strlen(s);
        /* worst case: every byte as \u00xx */
        if (!reserve(w, n * 6 + 2))
                return;
        char *o = w->buf + w->len;
        *o++ = '"';
        const unsigned char *p = (const unsigned char *) s, *end = p + n;
        while (p < end) {
                /* A run of plain bytes in one copy (most strings are one run). */
                const unsigned char *run = p;
                while (p < end && plain_byte(*p))
                        p++;
                memcpy(o, run, (size_t) (p - run));
                o += p - run;
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
        w->len = (size_t) (o - w->buf);
        w->buf[w->len] = '\0';
}

void sg_jw_key(sg_jw *w, const char *key) {
        sep(w);
        quoted(w, key);
        put(w, ":", 1);
}

void sg_jw_string(sg_jw *w, const char *s) {
        if (!s) {
                sg_jw_null(w);
                return;
        }
        sep(w);
        quoted(w, s);
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
        put(w, v ? "true" : "false", v ? 4 : 5);
}

void sg_jw_null(sg_jw *w) {
        sep(w);
        put(w, "null", 4);
}

void sg_jw_raw(sg_jw *w, const char *json, size_t len) {
        sep(w);
        put(w, json, len);
}
