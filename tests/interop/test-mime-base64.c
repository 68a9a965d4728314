/* The MIME layer's fast paths (core/crypto/mime-common.c) against GMime, the
 * behaviour they replace: the table-driven base64 decoder
 * (sg_mime_b64_decode_step) gives byte for byte GMime's output and state on
 * valid and broken base64 cut into reads of every size; the base64 sink
 * writes GMime's lines with CRLF whatever the writes' sizes; the CRLF
 * source gives what a byte-by-byte conversion gives. Random but seeded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime-private.h"
#include "sg-test.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return (uint32_t) (rng % n);
}

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 text of `n` random bytes in lines of `line` characters ending in
 * CRLF or LF, then `damage` random edits (a '=', a space, any byte, a
 * deleted character). Returns its length. */
static size_t make_text(char *out, size_t n, size_t line, bool lf, int damage) {
        unsigned char *raw = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
                raw[i] = (unsigned char) rnd(256);
        char *b = malloc((n + 2) / 3 * 4 + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i += 3) {
                uint32_t v = (uint32_t) raw[i] << 16 | (i + 1 < n ? (uint32_t) raw[i + 1] << 8 : 0) |
                             (i + 2 < n ? raw[i + 2] : 0);
                b[k++] = alphabet[v >> 18 & 63];
                b[k++] = alphabet[v >> 12 & 63];
                b[k++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
                b[k++] = i + 2 < n ? alphabet[v & 63] : '=';
        }
        size_t m = 0;
        for (size_t i = 0; i < k; i++) {
                out[m++] = b[i];
                if ((i + 1) % line == 0 || i + 1 == k) {
                        if (!lf)
                                out[m++] = '\r';
                        out[m++] = '\n';
                }
        }
        for (int d = 0; d < damage && m > 0; d++) {
                size_t at = rnd((uint32_t) m);
                switch (rnd(4)) {
                case 0:
                        out[at] = '=';
                        break;
                case 1:
                        out[at] = ' ';
                        break;
                case 2:
                        out[at] = (char) rnd(256);
                        break;
                default:
                        memmove(out + at, out + at + 1, m - at - 1);
                        m--;
                }
        }
        free(raw);
        free(b);
        return m;
}

/* Decodes `text` with GMime and with the fast step, in reads of random
 * sizes up to `maxread` (the same cuts for both), or when `first` is not 0,
 * in two reads cut after `first` bytes; whether outputs and states agree
 * after every read and at the end. */
static bool same_decode_at(const char *text, size_t len, size_t maxread, size_t first) {
        GMimeEncoding a, b;
        g_mime_encoding_init_decode(&a, GMIME_CONTENT_ENCODING_BASE64);
        g_mime_encoding_init_decode(&b, GMIME_CONTENT_ENCODING_BASE64);
        char *oa = malloc(len + 16), *ob = malloc(len + 16);
        bool same = true;
        for (size_t off = 0; off < len && same;) {
                size_t k = first ? (off ? len - off : first) : 1 + rnd((uint32_t) maxread);
                if (k > len - off)
                        k = len - off;
                size_t na = g_mime_encoding_step(&a, text + off, k, oa);
                size_t nb = sg_mime_b64_decode_step(&b, text + off, k, ob);
                same = na == nb && memcmp(oa, ob, na) == 0 && a.state == b.state && a.save == b.save;
                off += k;
        }
        if (same) {
                size_t na = g_mime_encoding_flush(&a, "", 0, oa), nb = g_mime_encoding_flush(&b, "", 0, ob);
                same = na == nb && memcmp(oa, ob, na) == 0;
        }
        free(oa);
        free(ob);
        return same;
}

static bool same_decode(const char *text, size_t len, size_t maxread) {
        return same_decode_at(text, len, maxread, 0);
}

typedef struct membuf {
        char *p;
        size_t len, cap;
} membuf;

static int mem_write(void *ctx, const void *data, size_t n) {
        membuf *m = ctx;
        if (m->len + n > m->cap) {
                m->cap = (m->len + n) * 2;
                m->p = realloc(m->p, m->cap);
        }
        memcpy(m->p + m->len, data, n);
        m->len += n;
        return 0;
}

/* GMime's base64 of `data` with CRLF line ends. */
static size_t gmime_encode(const unsigned char *data, size_t n, char **ret) {
        GMimeEncoding e;
        g_mime_encoding_init_encode(&e, GMIME_CONTENT_ENCODING_BASE64);
        char *lf = malloc(g_mime_encoding_outlen(&e, n) + 16);
        size_t k = g_mime_encoding_flush(&e, (const char *) data, n, lf);
        char *crlf = malloc(2 * k + 1);
        size_t m = 0;
        for (size_t i = 0; i < k; i++) {
                if (lf[i] == '\n')
                        crlf[m++] = '\r';
                crlf[m++] = lf[i];
        }
        free(lf);
        *ret = crlf;
        return m;
}

static bool same_encode(size_t n, size_t maxwrite) {
        unsigned char *data = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
                data[i] = (unsigned char) rnd(256);
        membuf m = {0};
        sg_sink out = {.write = mem_write, .ctx = &m};
        b64sink b = {0};
        bool ok = sg_mime_b64_open(&b, &out);
        for (size_t off = 0; off < n && ok;) {
                size_t k = 1 + rnd((uint32_t) maxwrite);
                if (k > n - off)
                        k = n - off;
                ok = sg_mime_b64_write(&b, data + off, k) == 0;
                off += k;
        }
        ok = sg_mime_b64_close(&b) == 0 && ok;
        char *want = NULL;
        size_t wlen = gmime_encode(data, n, &want);
        bool same = ok && wlen == m.len && (wlen == 0 || memcmp(want, m.p, wlen) == 0);
        free(want);
        free(m.p);
        free(data);
        return same;
}

typedef struct memsrc {
        const char *p;
        size_t len, pos, maxread;
} memsrc;

static ptrdiff_t mem_read(void *ctx, void *buf, size_t n) {
        memsrc *s = ctx;
        size_t k = 1 + rnd((uint32_t) s->maxread);
        if (k > n)
                k = n;
        if (k > s->len - s->pos)
                k = s->len - s->pos;
        memcpy(buf, s->p + s->pos, k);
        s->pos += k;
        return (ptrdiff_t) k;
}

static bool same_crlf(size_t n, size_t maxread) {
        static const char pick[] = "\r\n\r\nab";
        char *in = malloc(n + 1), *want = malloc(2 * n + 1), *got = malloc(2 * n + 64);
        size_t w = 0;
        bool last_cr = false;
        for (size_t i = 0; i < n; i++) {
                in[i] = pick[rnd(sizeof pick - 1)];
                if (in[i] == '\n' && !last_cr)
                        want[w++] = '\r';
                want[w++] = in[i];
                last_cr = in[i] == '\r';
        }
        memsrc ms = {.p = in, .len = n, .maxread = maxread};
        sg_source src = {.read = mem_read, .ctx = &ms};
        crlfsource *c = calloc(1, sizeof *c);
        c->in = &src;
        size_t g = 0;
        ptrdiff_t k;
        while ((k = sg_mime_crlf_read(c, got + g, 1 + rnd(100000))) > 0)
                g += (size_t) k;
        bool same = k == 0 && g == w && memcmp(got, want, w) == 0;
        free(c);
        free(in);
        free(want);
        free(got);
        return same;
}

int main(void) {
        char *text = malloc(8 << 20); /* 3 MiB as base64 lines: 4.2 MiB */
        int bad = 0, rounds = 0;
        for (int i = 0; i < 3000; i++) {
                size_t n = rnd(3) == 0 ? rnd(4000) : rnd(200);
                size_t line = rnd(4) == 0 ? 1 + rnd(100) : 76;
                int damage = rnd(3) == 0 ? (int) rnd(6) : 0;
                size_t len = make_text(text, n, line, rnd(2), damage);
                size_t maxread = rnd(2) ? 1 + rnd(16) : 1 + rnd(5000);
                rounds++;
                if (!same_decode(text, len, maxread))
                        bad++;
        }
        SG_CHECK(bad == 0, "base64 decoding: GMime's output and state in %d of %d random texts and cuts", rounds - bad,
                 rounds);
        size_t len = make_text(text, 3 << 20, 76, false, 0);
        SG_CHECK(same_decode(text, len, 65536) && same_decode(text, len, 100000),
                 "base64 decoding of 3 MiB in 64 KiB and odd-sized reads: GMime's output");
        len = make_text(text, 1 << 20, 76, false, 2);
        SG_CHECK(same_decode(text, len, 65536), "1 MiB with two damaged characters: GMime's output");
        static const char *const edge[] = {"",
                                           "=",
                                           "==",
                                           "A",
                                           "AB==",
                                           "ABC=",
                                           "ABCD",
                                           "AB=\r\n=",
                                           "AB\r\n==\r\n",
                                           "ABCD=\r\nEFGH",
                                           "AB=CD==",
                                           "ABCDAB==\r\n",
                                           "====",
                                           "A=B=C=D=",
                                           "ABCDAB=\r\n=",
                                           "ABCDEFGHAB\r\n=\r\n=",
                                           "AB\r\nCDEFGH=\r\n",
                                           "ABCDEFGHIJKLMNOP\r\nQRSTUVWXYZab\r\ncd==\r\n"};
        bool all = true;
        for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
                size_t n = strlen(edge[i]);
                for (size_t cut = 1; cut < n; cut++)
                        all = all && same_decode_at(edge[i], n, 0, cut);
                for (size_t r = 0; r < 20; r++)
                        all = all && same_decode(edge[i], n, 1 + r % 8);
        }
        SG_CHECK(all, "base64 decoding of padding and short texts at every cut: GMime's output");
        free(text);

        bad = 0;
        for (int i = 0; i < 400; i++)
                bad += !same_encode(rnd(3) == 0 ? rnd(300000) : rnd(400), rnd(2) ? 1 + rnd(70) : 1 + rnd(300000));
        SG_CHECK(bad == 0, "base64 sink: GMime's lines with CRLF in %d of 400 random sizes and writes", 400 - bad);
        SG_CHECK(same_encode(0, 1) && same_encode(57, 57) && same_encode(114, 1) && same_encode(58, 57),
                 "base64 sink: empty input, one line, two lines, a line and a byte");
        SG_CHECK(same_encode(3 << 20, 1 << 20), "base64 sink: 3 MiB in 1 MiB writes (buffer refills)");

        bad = 0;
        for (int i = 0; i < 300; i++)
                bad += !same_crlf(rnd(3) == 0 ? rnd(300000) : rnd(300), rnd(2) ? 1 + rnd(10) : 1 + rnd(100000));
        SG_CHECK(bad == 0, "CRLF source: a byte-by-byte conversion's output in %d of 300 random texts and reads",
                 300 - bad);
        return sg_test_done();
}
