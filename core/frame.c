/* sealgate: native-messaging frames (uint32 native-endian length + payload), the
 * chunking of payloads too large for one host->extension frame, and base64. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/frame.h"
#include "sealgate/util.h"

/* First allocation for a payload; the buffer then doubles up to the announced
 * length, so a header alone cannot make the reader commit SG_FRAME_IN_MAX. */
#define READER_INITIAL_ALLOC 4096u

void sg_frame_reader_init(sg_frame_reader *r, size_t max) {
        memset(r, 0, sizeof *r);
        r->max = max ? max : SG_FRAME_IN_MAX;
}

void sg_frame_reader_clear(sg_frame_reader *r) {
        if (!r)
                return;
        size_t max = r->max;
        free(r->buf);
        memset(r, 0, sizeof *r);
        r->max = max;
}

int sg_frame_reader_partial(const sg_frame_reader *r) {
        return r->hdr_len > 0;
}

void sg_frame_header(uint32_t len, uint8_t out[4]) {
        memcpy(out, &len, 4);
}

/* Allocation for a payload of `len` bytes so far (plus the NUL): the smallest
 * doubling of READER_INITIAL_ALLOC that holds it, never more than the frame
 * needs. A pure function of the state, so the struct needs no capacity field. */
static size_t reader_alloc_size(size_t len, uint32_t want) {
        size_t n = READER_INITIAL_ALLOC;
        while (n < len + 1)
                n *= 2;
        return n < (size_t) want + 1 ? n : (size_t) want + 1;
}

sg_err sg_frame_reader_feed(sg_frame_reader *r, const void *data, size_t len, size_t *ret_used, char **ret_payload,
                            size_t *ret_payload_len, sg_error *err) {
        const uint8_t *p = data;
        size_t used = 0;

        *ret_payload = NULL;
        *ret_payload_len = 0;
        *ret_used = 0;

        if (r->hdr_len < 4) {
                size_t take = 4 - r->hdr_len;
                if (take > len)
                        take = len;
                memcpy(r->hdr + r->hdr_len, p, take);
                r->hdr_len += take;
                used += take;
                if (r->hdr_len < 4) {
                        *ret_used = used;
                        return SG_OK;
                }
                memcpy(&r->want, r->hdr, 4);
                if (r->want > r->max) {
                        *ret_used = used;
                        return sg_error_set(err, SG_ERR_FRAME_TOO_LARGE,
                                            "frame of %lu bytes is over the limit of %zu bytes",
                                            (unsigned long) r->want, r->max);
                }
                r->len = 0;
        }

        size_t take = (size_t) r->want - r->len;
        if (take > len - used)
                take = len - used;
        /* Allocate even for an empty frame: the payload handed out is never NULL. */
        size_t have = r->buf ? reader_alloc_size(r->len, r->want) : 0;
        size_t need = reader_alloc_size(r->len + take, r->want);
        if (need != have) {
                char *b = realloc(r->buf, need);
                if (!b) {
                        *ret_used = used;
                        return sg_error_set(err, SG_ERR_NOMEM, "cannot allocate %zu bytes for a frame", need);
                }
                r->buf = b;
        }
        memcpy(r->buf + r->len, p + used, take);
        r->len += take;
        used += take;
        *ret_used = used;

        if (r->len == r->want) {
                r->buf[r->len] = '\0';
                *ret_payload = r->buf;
                *ret_payload_len = r->len;
                r->buf = NULL;
                r->len = 0;
                r->want = 0;
                r->hdr_len = 0;
        }
        return SG_OK;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sg_base64_encode(const void *data, size_t len) {
        const uint8_t *s = data;
        if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
                return NULL;
        size_t out_len = (len + 2) / 3 * 4;
        char *out = malloc(out_len + 1);
        if (!out)
                return NULL;
        char *o = out;
        size_t i = 0;
        for (; i + 3 <= len; i += 3) {
                uint32_t v = (uint32_t) s[i] << 16 | (uint32_t) s[i + 1] << 8 | s[i + 2];
                *o++ = b64_alphabet[v >> 18 & 63];
                *o++ = b64_alphabet[v >> 12 & 63];
                *o++ = b64_alphabet[v >> 6 & 63];
                *o++ = b64_alphabet[v & 63];
        }
        if (len - i == 1) {
                uint32_t v = (uint32_t) s[i] << 16;
                *o++ = b64_alphabet[v >> 18 & 63];
                *o++ = b64_alphabet[v >> 12 & 63];
                *o++ = '=';
                *o++ = '=';
        } else if (len - i == 2) {
                uint32_t v = (uint32_t) s[i] << 16 | (uint32_t) s[i + 1] << 8;
                *o++ = b64_alphabet[v >> 18 & 63];
                *o++ = b64_alphabet[v >> 12 & 63];
                *o++ = b64_alphabet[v >> 6 & 63];
                *o++ = '=';
        }
        *o = '\0';
        return out;
}

/* Each byte's value in the base64 alphabet; 64 for any other byte. A table,
 * not branches: input frames carry up to 1 GiB of base64. */
static const uint8_t b64_dec[256] = {
        64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
        64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 64, 63, 52, 53, 54, 55,
        56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64, 64, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
        13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 64, 64, 26, 27, 28, 29, 30, 31, 32,
        33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64, 64, 64,
        64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
        64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
        64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
        64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
        64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
};

/* Strict RFC 4648 section 4: padded, no whitespace, and the unused bits before
 * the padding must be zero (section 3.5), so every payload has one encoding. */
sg_err sg_base64_decode(const char *text, size_t len, void **ret_data, size_t *ret_len, sg_error *err) {
        if (len % 4 != 0)
                return sg_error_set(err, SG_ERR_REQUEST, "base64 length %zu is not a multiple of 4", len);
        const unsigned char *t = (const unsigned char *) text;
        size_t pad = 0;
        if (len >= 4 && t[len - 1] == '=')
                pad = t[len - 2] == '=' ? 2 : 1;
        size_t out_len = len / 4 * 3 - pad;
        uint8_t *out = malloc(out_len + 1);
        if (!out)
                return sg_error_set(err, SG_ERR_NOMEM, "cannot allocate %zu bytes for base64 data", out_len);
        size_t o = 0, full = len - (pad ? 4 : 0);
        unsigned bad = 0; /* bit 6 set once any byte was not in the alphabet */
        for (size_t i = 0; i < full; i += 4) {
                unsigned a = b64_dec[t[i]], b = b64_dec[t[i + 1]], c = b64_dec[t[i + 2]], d = b64_dec[t[i + 3]];
                bad |= a | b | c | d;
                uint32_t w = (uint32_t) (a & 63) << 18 | (uint32_t) (b & 63) << 12 | (uint32_t) (c & 63) << 6 |
                             (uint32_t) (d & 63);
                out[o++] = (uint8_t) (w >> 16);
                out[o++] = (uint8_t) (w >> 8);
                out[o++] = (uint8_t) w;
        }
        uint32_t last = 0;
        if (pad) {
                unsigned a = b64_dec[t[full]], b = b64_dec[t[full + 1]], c = pad == 1 ? b64_dec[t[full + 2]] : 0;
                bad |= a | b | c;
                last = (uint32_t) (a & 63) << 18 | (uint32_t) (b & 63) << 12 | (uint32_t) (c & 63) << 6;
                out[o++] = (uint8_t) (last >> 16);
                if (pad == 1)
                        out[o++] = (uint8_t) (last >> 8);
        }
        if (bad & 64) {
                size_t at = 0;
                while (at < len && (b64_dec[t[at]] < 64 || (t[at] == '=' && at >= len - pad)))
                        at++;
                free(out);
                return sg_error_set(err, SG_ERR_REQUEST, "invalid base64 character at offset %zu", at);
        }
        if ((pad == 1 && (last & 0xFF) != 0) || (pad == 2 && (last & 0xFFFF) != 0)) {
                free(out);
                return sg_error_set(err, SG_ERR_REQUEST, "non-canonical base64 padding at offset %zu", full);
        }
        out[o] = '\0';
        *ret_data = out;
        *ret_len = o;
        return SG_OK;
}

/* Envelope around the base64 data of one chunk, without the id and numbers. */
#define CHUNK_ENVELOPE "{\"id\":,\"chunk\":{\"index\":,\"count\":},\"data\":\"\"}"

sg_err sg_chunk_split(const char *id_json, const char *payload, size_t len, size_t raw_max, char ***ret_chunks,
                      size_t *ret_n, sg_error *err) {
        if (!id_json || (!payload && len > 0))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_chunk_split: no id or payload");
        if (raw_max == 0)
                raw_max = SG_CHUNK_RAW_MAX;
        /* 20 digits each for index and count bound the numbers. */
        size_t envelope = strlen(CHUNK_ENVELOPE) + strlen(id_json) + 40;
        if (raw_max > SG_FRAME_OUT_MAX || (raw_max + 2) / 3 * 4 + envelope > SG_FRAME_OUT_MAX)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT,
                                    "chunks of %zu raw bytes would not fit in a frame of %u bytes", raw_max,
                                    SG_FRAME_OUT_MAX);

        size_t n = len == 0 ? 1 : (len + raw_max - 1) / raw_max;
        char **chunks = calloc(n, sizeof *chunks);
        if (!chunks)
                return sg_error_set(err, SG_ERR_NOMEM, "cannot allocate %zu chunks", n);
        for (size_t i = 0; i < n; i++) {
                size_t off = i * raw_max;
                size_t part = len - off < raw_max ? len - off : raw_max;
                char *b64 = sg_base64_encode(payload + off, part);
                size_t cap = b64 ? strlen(b64) + envelope + 1 : 0;
                char *c = b64 ? malloc(cap) : NULL;
                if (!c) {
                        free(b64);
                        sg_strv_free(chunks, n);
                        return sg_error_set(err, SG_ERR_NOMEM, "cannot allocate chunk %zu of %zu", i, n);
                }
                snprintf(c, cap, "{\"id\":%s,\"chunk\":{\"index\":%zu,\"count\":%zu},\"data\":\"%s\"}", id_json, i, n,
                         b64);
                free(b64);
                chunks[i] = c;
        }
        *ret_chunks = chunks;
        *ret_n = n;
        return SG_OK;
}
