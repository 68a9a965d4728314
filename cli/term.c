/* sealgate CLI: sg_cli_text (term.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/util.h"
#include "term.h"

#define RING 16

/* Length of the UTF-8 character at p (at most `avail` bytes), 0 when the
 * bytes there are not one. */
static size_t utf8_char(const unsigned char *p, size_t avail) {
        size_t n = p[0] < 0x80             ? 1
                   : (p[0] & 0xE0) == 0xC0 ? 2
                   : (p[0] & 0xF0) == 0xE0 ? 3
                   : (p[0] & 0xF8) == 0xF0 ? 4
                                           : 0;
        return n && n <= avail && sg_utf8_valid((const char *) p, n) ? n : 0;
}

static unsigned code_point(const unsigned char *p, size_t n) {
        if (n == 2)
                return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        if (n == 3)
                return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (n == 4)
                return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
        return p[0];
}

static int direction_mark(unsigned cp) {
        return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
               (cp >= 0x2066 && cp <= 0x2069);
}

const char *sg_cli_text(const char *s) {
        static char *ring[RING];
        static unsigned next;
        if (!s)
                return "(null)";
        size_t len = strlen(s);
        char *o = malloc(len * 8 + 1); /* \u{XXXX} is 8 bytes for at least 2 */
        if (!o)
                return "(?)";
        const unsigned char *p = (const unsigned char *) s;
        size_t k = 0;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_char(p + i, len - i);
                unsigned cp = n ? code_point(p + i, n) : 0;
                if (!n)
                        k += (size_t) sprintf(o + k, "\\x%02X", p[i++]);
                else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
                        k += (size_t) sprintf(o + k, "\\x%02X", cp);
                        i += n;
                } else if (direction_mark(cp)) {
                        k += (size_t) sprintf(o + k, "\\u{%04X}", cp);
                        i += n;
                } else if (cp == '\\') {
                        o[k++] = '\\';
                        o[k++] = '\\';
                        i++;
                } else {
                        memcpy(o + k, p + i, n);
                        k += n;
                        i += n;
                }
        }
        o[k] = '\0';
        free(ring[next]);
        ring[next] = o;
        next = (next + 1) % RING;
        return o;
}
