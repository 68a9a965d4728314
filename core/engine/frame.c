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

/* The two characters of every 12-bit value (4096 pairs): one lookup per two
 * output characters. Built by string literal concatenation, row by row. */
/* clang-format off */
#define B64_ROW(x) \
        x "A" x "B" x "C" x "D" x "E" x "F" x "G" x "H" x "I" x "J" x "K" x "L" x "M" x "N" x "O" x "P" \
        x "Q" x "R" x "S" x "T" x "U" x "V" x "W" x "X" x "Y" x "Z" x "a" x "b" x "c" x "d" x "e" x "f" \
        x "g" x "h" x "i" x "j" x "k" x "l" x "m" x "n" x "o" x "p" x "q" x "r" x "s" x "t" x "u" x "v" \
        x "w" x "x" x "y" x "z" x "0" x "1" x "2" x "3" x "4" x "5" x "6" x "7" x "8" x "9" x "+" x "/"
static const char b64_pairs[4096 * 2 + 1] =
        B64_ROW("A") B64_ROW("B") B64_ROW("C") B64_ROW("D") B64_ROW("E") B64_ROW("F") B64_ROW("G") B64_ROW("H")
        B64_ROW("I") B64_ROW("J") B64_ROW("K") B64_ROW("L") B64_ROW("M") B64_ROW("N") B64_ROW("O") B64_ROW("P")
        B64_ROW("Q") B64_ROW("R") B64_ROW("S") B64_ROW("T") B64_ROW("U") B64_ROW("V") B64_ROW("W") B64_ROW("X")
        B64_ROW("Y") B64_ROW("Z") B64_ROW("a") B64_ROW("b") B64_ROW("c") B64_ROW("d") B64_ROW("e") B64_ROW("f")
        B64_ROW("g") B64_ROW("h") B64_ROW("i") B64_ROW("j") B64_ROW("k") B64_ROW("l") B64_ROW("m") B64_ROW("n")
        B64_ROW("o") B64_ROW("p") B64_ROW("q") B64_ROW("r") B64_ROW("s") B64_ROW("t") B64_ROW("u") B64_ROW("v")
        B64_ROW("w") B64_ROW("x") B64_ROW("y") B64_ROW("z") B64_ROW("0") B64_ROW("1") B64_ROW("2") B64_ROW("3")
        B64_ROW("4") B64_ROW("5") B64_ROW("6") B64_ROW("7") B64_ROW("8") B64_ROW("9") B64_ROW("+") B64_ROW("/");
#undef B64_ROW
/* clang-format on */

size_t sg_base64_encode_to(const void *data, size_t len, char *out) {
        const uint8_t *s = data;
        char *o = out;
        size_t i = 0;
        for (; i + 3 <= len; i += 3) {
                uint32_t v = (uint32_t) s[i] << 16 | (uint32_t) s[i + 1] << 8 | s[i + 2];
                memcpy(o, b64_pairs + 2 * (v >> 12), 2);
                memcpy(o + 2, b64_pairs + 2 * (v & 0xFFF), 2);
                o += 4;
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
        return (size_t) (o - out);
}

char *sg_base64_encode(const void *data, size_t len) {
        if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
                return NULL;
        size_t out_len = (len + 2) / 3 * 4;
        char *out = malloc(out_len + 1);
        if (!out)
                return NULL;
        out[sg_base64_encode_to(data, len, out)] = '\0';
        return out;
}

/* Each byte's value in the base64 alphabet; 64 for any other byte, as a list
 * F(value) for the tables below. Tables, not branches: input frames carry up
 * to 1 GiB of base64. */
/* clang-format off */
#define B64_DEC_VALUES(F) \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(62), F(64), F(64), F(64), F(63), \
        F(52), F(53), F(54), F(55), F(56), F(57), F(58), F(59), F(60), F(61), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7), F(8), F(9), F(10), F(11), F(12), F(13), F(14), \
        F(15), F(16), F(17), F(18), F(19), F(20), F(21), F(22), F(23), F(24), F(25), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(26), F(27), F(28), F(29), F(30), F(31), F(32), F(33), F(34), F(35), F(36), F(37), F(38), F(39), F(40), \
        F(41), F(42), F(43), F(44), F(45), F(46), F(47), F(48), F(49), F(50), F(51), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), \
        F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64), F(64)
/* The value already shifted to its place in a group of four characters, bit
 * 24 set for a byte outside the alphabet: one OR per character. */
#define B64_AT0(v) ((v) == 64 ? 0x1000000u : (uint32_t) (v) << 18)
#define B64_AT1(v) ((v) == 64 ? 0x1000000u : (uint32_t) (v) << 12)
#define B64_AT2(v) ((v) == 64 ? 0x1000000u : (uint32_t) (v) << 6)
#define B64_AT3(v) ((v) == 64 ? 0x1000000u : (uint32_t) (v))
#define B64_BAD    0x1000000u
#define B64_VAL(v) (v)
static const uint8_t b64_dec[256] = {B64_DEC_VALUES(B64_VAL)};
static const uint32_t b64_at0[256] = {B64_DEC_VALUES(B64_AT0)};
static const uint32_t b64_at1[256] = {B64_DEC_VALUES(B64_AT1)};
static const uint32_t b64_at2[256] = {B64_DEC_VALUES(B64_AT2)};
static const uint32_t b64_at3[256] = {B64_DEC_VALUES(B64_AT3)};
/* clang-format on */

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
        uint32_t bad = 0; /* B64_BAD set once any byte was not in the alphabet */
        for (size_t i = 0; i < full; i += 4) {
                uint32_t w = b64_at0[t[i]] | b64_at1[t[i + 1]] | b64_at2[t[i + 2]] | b64_at3[t[i + 3]];
                bad |= w;
                out[o] = (uint8_t) (w >> 16);
                out[o + 1] = (uint8_t) (w >> 8);
                out[o + 2] = (uint8_t) w;
                o += 3;
        }
        uint32_t last = 0;
        if (pad) {
                last = b64_at0[t[full]] | b64_at1[t[full + 1]] | (pad == 1 ? b64_at2[t[full + 2]] : 0);
                bad |= last;
                last &= B64_BAD - 1;
                out[o++] = (uint8_t) (last >> 16);
                if (pad == 1)
                        out[o++] = (uint8_t) (last >> 8);
        }
        if (bad & B64_BAD) {
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
