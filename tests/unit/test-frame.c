/* Unit tests of frame.c: the frame reader under every split of its input, the
 * size limit, base64 (RFC 4648 vectors), and chunk split/reassembly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/frame.h"
#include "sealgate/util.h"
#include "sg-test.h"

/* A growable byte buffer for building streams of frames. */
typedef struct buf {
        uint8_t *p;
        size_t n;
} buf;

static void buf_add(buf *b, const void *data, size_t n) {
        b->p = realloc(b->p, b->n + n + 1);
        if (!b->p)
                abort();
        memcpy(b->p + b->n, data, n);
        b->n += n;
}

static void buf_frame(buf *b, const char *payload, size_t n) {
        uint8_t hdr[4];
        sg_frame_header((uint32_t) n, hdr);
        buf_add(b, hdr, 4);
        buf_add(b, payload, n);
}

/* Feed `stream` to a fresh reader `step` bytes per call (0 = a pseudo-random
 * pattern of odd sizes); collect the frames. Returns the error of the last
 * feed, and the number of frames in *ret_n. */
#define MAX_FRAMES 16
typedef struct frames {
        char *p[MAX_FRAMES];
        size_t len[MAX_FRAMES];
        size_t n;
        int partial; /* reader state after the last byte */
} frames;

static void frames_clear(frames *f) {
        for (size_t i = 0; i < f->n; i++)
                free(f->p[i]);
        f->n = 0;
}

static sg_err read_all(const buf *stream, size_t max, size_t step, frames *f, sg_error *err) {
        sg_frame_reader r;
        size_t off = 0;
        unsigned seed = 7;
        sg_err e = SG_OK;

        memset(f, 0, sizeof *f);
        sg_frame_reader_init(&r, max);
        while (off < stream->n) {
                size_t k = step;
                if (k == 0) {
                        seed = seed * 1103515245u + 12345u;
                        k = 1 + (seed >> 16) % 13;
                }
                if (k > stream->n - off)
                        k = stream->n - off;
                /* Feed the same slice again until the reader has taken all of it. */
                size_t done = 0;
                while (done < k) {
                        size_t used;
                        char *payload;
                        size_t plen;
                        e = sg_frame_reader_feed(&r, stream->p + off + done, k - done, &used, &payload, &plen, err);
                        done += used;
                        if (e)
                                goto out;
                        if (payload) {
                                if (f->n < MAX_FRAMES) {
                                        f->p[f->n] = payload;
                                        f->len[f->n++] = plen;
                                } else
                                        free(payload);
                        } else if (used == 0) {
                                break;
                        }
                }
                off += k;
        }
out:
        f->partial = sg_frame_reader_partial(&r);
        sg_frame_reader_clear(&r);
        return e;
}

static void test_reader(void) {
        const char *msgs[] = {"{\"id\":1,\"op\":\"version\"}", "", "x", "{\"id\":\"\xe6\xa9\x9f\"}"};
        buf s = {0};
        for (size_t i = 0; i < 4; i++)
                buf_frame(&s, msgs[i], strlen(msgs[i]));

        size_t steps[] = {1, 2, 3, 4, 5, 7, 0, 64, 4096};
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
                frames f;
                sg_error err;
                sg_err e = read_all(&s, 0, steps[k], &f, &err);
                int same = e == SG_OK && f.n == 4;
                for (size_t i = 0; same && i < 4; i++)
                        same = f.len[i] == strlen(msgs[i]) && memcmp(f.p[i], msgs[i], f.len[i]) == 0 &&
                               f.p[i][f.len[i]] == '\0';
                SG_CHECK(same, "four frames (one empty) read back fed %zu byte(s) at a time%s", steps[k],
                         steps[k] == 0 ? " (odd splits)" : "");
                SG_CHECK(!f.partial, "no partial frame left after whole frames (step %zu)", steps[k]);
                frames_clear(&f);
        }
        free(s.p);

        /* A zero-length frame alone: the payload is "" (not NULL). */
        buf z = {0};
        buf_frame(&z, "", 0);
        frames f;
        SG_CHECK(read_all(&z, 0, 4, &f, NULL) == SG_OK && f.n == 1 && f.len[0] == 0 && f.p[0][0] == '\0',
                 "zero-length frame gives an empty, non-NULL payload");
        frames_clear(&f);
        free(z.p);

        /* Several frames in one buffer, fed at once: the reader takes one frame
         * per call and says how much it used. */
        buf m = {0};
        buf_frame(&m, "ab", 2);
        buf_frame(&m, "cde", 3);
        sg_frame_reader r;
        sg_frame_reader_init(&r, 0);
        size_t used;
        char *p;
        size_t plen;
        sg_err e = sg_frame_reader_feed(&r, m.p, m.n, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_OK && p && plen == 2 && memcmp(p, "ab", 2) == 0 && used == 6,
                 "first of two frames in one buffer, 6 bytes used");
        free(p);
        e = sg_frame_reader_feed(&r, m.p + used, m.n - used, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_OK && p && plen == 3 && memcmp(p, "cde", 3) == 0 && used == 7,
                 "second frame from the rest of the buffer");
        free(p);
        SG_CHECK(!sg_frame_reader_partial(&r), "reader idle after both");
        sg_frame_reader_clear(&r);
        free(m.p);

        /* Partial states: header only, header and half the payload. */
        uint8_t hdr[4];
        sg_frame_header(10, hdr);
        sg_frame_reader_init(&r, 0);
        SG_CHECK(!sg_frame_reader_partial(&r), "fresh reader is not partial");
        e = sg_frame_reader_feed(&r, hdr, 2, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_OK && !p && used == 2 && sg_frame_reader_partial(&r), "half a header is partial");
        e = sg_frame_reader_feed(&r, hdr + 2, 2, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_OK && !p && sg_frame_reader_partial(&r), "header only is partial");
        e = sg_frame_reader_feed(&r, "12345", 5, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_OK && !p && used == 5 && sg_frame_reader_partial(&r), "header + half payload is partial");
        sg_frame_reader_clear(&r);
        SG_CHECK(!sg_frame_reader_partial(&r), "clear resets the reader");
        sg_frame_reader_clear(&r);

        /* Native byte order, as Thunderbird writes it. */
        uint32_t v = 0x01020304u;
        sg_frame_header(v, hdr);
        SG_CHECK(memcmp(hdr, &v, 4) == 0, "header is the length in native byte order");
}

static void test_limit(void) {
        const size_t max = 100;
        char payload[102];
        memset(payload, 'a', sizeof payload);

        buf at = {0};
        buf_frame(&at, payload, max);
        frames f;
        sg_error err;
        SG_CHECK(read_all(&at, max, 0, &f, &err) == SG_OK && f.n == 1 && f.len[0] == max,
                 "frame exactly at the limit is accepted");
        frames_clear(&f);
        free(at.p);

        buf over = {0};
        buf_frame(&over, payload, max + 1);
        sg_err e = read_all(&over, max, 1, &f, &err);
        SG_CHECK(e == SG_ERR_FRAME_TOO_LARGE && err.code == SG_ERR_FRAME_TOO_LARGE && f.n == 0,
                 "one byte over the limit: frame_too_large, from the header alone");
        SG_CHECK(strstr(err.message, "101") && strstr(err.message, "100"), "message names size and limit: %s",
                 err.message);
        frames_clear(&f);
        free(over.p);

        /* The default limit is SG_FRAME_IN_MAX; an announced 4 GiB frame is refused
         * before anything is allocated. */
        sg_frame_reader r;
        sg_frame_reader_init(&r, 0);
        SG_CHECK(r.max == SG_FRAME_IN_MAX, "default limit is SG_FRAME_IN_MAX");
        uint8_t hdr[4];
        size_t used;
        char *p;
        size_t plen;
        sg_frame_header(SG_FRAME_IN_MAX, hdr);
        e = sg_frame_reader_feed(&r, hdr, 4, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_OK && r.buf && sg_frame_reader_partial(&r),
                 "header announcing exactly SG_FRAME_IN_MAX accepted");
        sg_frame_reader_clear(&r);
        sg_frame_reader_init(&r, 0);
        sg_frame_header(SG_FRAME_IN_MAX + 1, hdr);
        e = sg_frame_reader_feed(&r, hdr, 4, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_ERR_FRAME_TOO_LARGE && !p, "header announcing SG_FRAME_IN_MAX + 1 refused");
        sg_frame_reader_clear(&r);
        sg_frame_reader_init(&r, 0);
        sg_frame_header(UINT32_MAX, hdr);
        e = sg_frame_reader_feed(&r, hdr, 4, &used, &p, &plen, NULL);
        SG_CHECK(e == SG_ERR_FRAME_TOO_LARGE && r.buf == NULL, "header announcing 4 GiB refused, nothing allocated");
        sg_frame_reader_clear(&r);
}

static void test_base64(void) {
        /* RFC 4648 section 10. */
        static const char *const vec[][2] = {
                {"", ""},
                {"f", "Zg=="},
                {"fo", "Zm8="},
                {"foo", "Zm9v"},
                {"foob", "Zm9vYg=="},
                {"fooba", "Zm9vYmE="},
                {"foobar", "Zm9vYmFy"},
        };
        for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
                char *enc = sg_base64_encode(vec[i][0], strlen(vec[i][0]));
                SG_CHECK_STR(enc, vec[i][1], "base64 encode RFC 4648 vector");
                free(enc);
                void *dec = NULL;
                size_t dlen = 99;
                sg_err e = sg_base64_decode(vec[i][1], strlen(vec[i][1]), &dec, &dlen, NULL);
                SG_CHECK(e == SG_OK && dlen == strlen(vec[i][0]) && memcmp(dec, vec[i][0], dlen) == 0,
                         "base64 decode \"%s\"", vec[i][1]);
                free(dec);
        }

        /* Every byte value survives a round trip. */
        uint8_t all[256];
        for (int i = 0; i < 256; i++)
                all[i] = (uint8_t) i;
        char *enc = sg_base64_encode(all, sizeof all);
        void *dec = NULL;
        size_t dlen = 0;
        SG_CHECK(enc && sg_base64_decode(enc, strlen(enc), &dec, &dlen, NULL) == SG_OK && dlen == 256 &&
                         memcmp(dec, all, 256) == 0,
                 "all 256 byte values round-trip");
        free(enc);
        free(dec);

        static const char *const bad[] = {
                "Zg=",      /* length not a multiple of 4 */
                "Zg",       /* unpadded */
                "Z===",     /* too much padding */
                "Zm9v\n",   /* whitespace */
                "Zm 9",     /* space */
                "Zm=v",     /* padding in the middle */
                "Zg==Zm9v", /* data after padding */
                "Zh==",     /* non-zero bits before padding (non-canonical) */
                "Zm9=",     /* non-zero bits before one pad */
                "Zm9-",     /* base64url alphabet */
                "====",     /* padding only */
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                sg_error err;
                void *d = (void *) 0x1;
                size_t n = 77;
                sg_err e = sg_base64_decode(bad[i], strlen(bad[i]), &d, &n, &err);
                SG_CHECK(e == SG_ERR_REQUEST && d == (void *) 0x1 && n == 77,
                         "invalid base64 #%zu refused, outputs untouched", i);
        }
}

/* Parse one chunk frame by hand (the format is fixed); returns the decoded data. */
static int parse_chunk(const char *c, const char *id_json, size_t *ret_index, size_t *ret_count, void **ret_data,
                       size_t *ret_len) {
        char prefix[512];
        snprintf(prefix, sizeof prefix, "{\"id\":%s,\"chunk\":{\"index\":", id_json);
        if (strncmp(c, prefix, strlen(prefix)) != 0)
                return 0;
        const char *p = c + strlen(prefix);
        char *end;
        *ret_index = strtoul(p, &end, 10);
        if (strncmp(end, ",\"count\":", 9) != 0)
                return 0;
        *ret_count = strtoul(end + 9, &end, 10);
        if (strncmp(end, "},\"data\":\"", 10) != 0)
                return 0;
        const char *data = end + 10;
        const char *q = strchr(data, '"');
        if (!q || strcmp(q, "\"}") != 0)
                return 0;
        return sg_base64_decode(data, (size_t) (q - data), ret_data, ret_len, NULL) == SG_OK;
}

/* Split, check every frame's size and shape, reassemble, compare. */
static void check_split(const char *what, const char *id_json, const char *payload, size_t len, size_t raw_max,
                        size_t want_n) {
        char **chunks = NULL;
        size_t n = 0;
        sg_error err;
        sg_err e = sg_chunk_split(id_json, payload, len, raw_max, &chunks, &n, &err);
        if (!SG_CHECK(e == SG_OK && n == want_n, "%s: split into %zu chunk(s)", what, want_n)) {
                sg_test_diag("got %d (%s), n=%zu", e, e ? err.message : "", n);
                return;
        }
        int sizes_ok = 1, shape_ok = 1;
        char *joined = malloc(len + 1);
        size_t jlen = 0;
        for (size_t i = 0; i < n; i++) {
                if (strlen(chunks[i]) > SG_FRAME_OUT_MAX)
                        sizes_ok = 0;
                size_t index, count, dlen;
                void *data;
                if (!parse_chunk(chunks[i], id_json, &index, &count, &data, &dlen) || index != i || count != n ||
                    jlen + dlen > len) {
                        shape_ok = 0;
                        continue;
                }
                if (raw_max && dlen > raw_max)
                        shape_ok = 0;
                memcpy(joined + jlen, data, dlen);
                jlen += dlen;
                free(data);
        }
        SG_CHECK(sizes_ok, "%s: every chunk frame is at most SG_FRAME_OUT_MAX bytes", what);
        SG_CHECK(shape_ok, "%s: every chunk has id, index i, count n, base64 data", what);
        SG_CHECK(jlen == len && memcmp(joined, payload, len) == 0, "%s: reassembly equals the original", what);
        free(joined);
        sg_strv_free(chunks, n);
}

static void test_chunks(void) {
        size_t big = 3 * (size_t) SG_CHUNK_RAW_MAX + 17;
        char *p = malloc(big);
        for (size_t i = 0; i < big; i++)
                p[i] = (char) ("{\"id\":7,\"result\":\xe6\xa9\x9f}"[i % 21]);

        check_split("exactly SG_CHUNK_RAW_MAX", "7", p, SG_CHUNK_RAW_MAX, 0, 1);
        check_split("SG_CHUNK_RAW_MAX + 1", "7", p, SG_CHUNK_RAW_MAX + 1, 0, 2);
        check_split("twice SG_CHUNK_RAW_MAX", "\"req-1\"", p, 2 * (size_t) SG_CHUNK_RAW_MAX, 0, 2);
        check_split("3 x SG_CHUNK_RAW_MAX + 17", "\"req-1\"", p, big, 0, 4);
        check_split("just over SG_FRAME_OUT_MAX", "123456789", p, SG_FRAME_OUT_MAX + 1, 0, 3);
        check_split("small raw_max, odd sizes", "1", p, 1000, 7, 143);
        check_split("one byte", "1", p, 1, 0, 1);
        check_split("empty payload", "1", p, 0, 0, 1);

        /* A long (256-byte) string id still leaves every frame under the cap. */
        char id[300];
        id[0] = '"';
        memset(id + 1, 'i', 256);
        strcpy(id + 257, "\"");
        check_split("256-byte id", id, p, big, 0, 4);

        char **chunks = NULL;
        size_t n = 0;
        sg_error err;
        SG_CHECK(sg_chunk_split("1", p, 10, SG_FRAME_OUT_MAX, &chunks, &n, &err) == SG_ERR_INVALID_ARGUMENT &&
                         chunks == NULL,
                 "raw_max whose base64 would not fit a frame is refused");
        SG_CHECK(sg_chunk_split(NULL, p, 10, 0, &chunks, &n, &err) == SG_ERR_INVALID_ARGUMENT, "NULL id refused");
        free(p);
}

int main(void) {
        test_reader();
        test_limit();
        test_base64();
        test_chunks();
        return sg_test_done();
}
