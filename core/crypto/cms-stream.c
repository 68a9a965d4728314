/* sealgate: streaming reader of the outer layers of CMS (Auth)EnvelopedData (BER,
 * definite or indefinite lengths); see cms-stream-private.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cms-stream-private.h"

#define BUF 65536

static const unsigned char oid_enveloped[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03};
static const unsigned char oid_signed[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
static const unsigned char oid_auth_enveloped[] = {0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7,
                                                   0x0D, 0x01, 0x09, 0x10, 0x01, 0x17};

enum fail { FAIL_NONE, FAIL_TRUNCATED, FAIL_IO, FAIL_LIMIT, FAIL_MALFORMED };

typedef struct level {
        bool indef;
        uint64_t end; /* offset after the contents, when definite */
} level;

typedef struct tlv {
        int tag; /* the first identifier octet */
        bool indef;
        uint64_t len;
} tlv;

typedef struct capture {
        unsigned char *data;
        size_t len, size;
        bool on;
} capture;

struct sg_cms_stream {
        sg_source *in;
        unsigned char buf[BUF];
        size_t len, pos;
        uint64_t off, max;
        bool eof;
        enum fail fail;
        sg_cms_type type;
        capture start; /* every byte until the type is known, for replay */
        capture cap;
        level lv[4];
        int n_lv;
        /* the content */
        bool content_cons, content_done;
        level content_lv;
        uint64_t chunk_left;
        size_t replay_pos;
        size_t head_len, alg_at, eci_len, trailer_at; /* parts of `cap` */
};

static ptrdiff_t content_read(void *ctx, void *buf, size_t n);

static bool cap_add(capture *c, const unsigned char *p, size_t n) {
        if (!c->on)
                return true;
        if (c->len + n > SG_CMS_HEADER_MAX)
                return false;
        if (c->len + n > c->size) {
                size_t size = c->size ? c->size : 1024;
                while (size < c->len + n)
                        size *= 2;
                unsigned char *d = realloc(c->data, size);
                if (!d)
                        return false;
                c->data = d;
                c->size = size;
        }
        memcpy(c->data + c->len, p, n);
        c->len += n;
        return true;
}

static bool fill(sg_cms_stream *s) {
        if (s->pos < s->len)
                return true;
        if (s->eof || s->fail)
                return false;
        ptrdiff_t r = s->in->read(s->in->ctx, s->buf, sizeof s->buf);
        if (r < 0) {
                s->fail = FAIL_IO;
                return false;
        }
        if (r == 0) {
                s->eof = true;
                s->fail = FAIL_TRUNCATED;
                return false;
        }
        s->len = (size_t) r;
        s->pos = 0;
        return true;
}

/* Up to n bytes (at least 1 unless failing) into dst (may be NULL: skip). */
static size_t take(sg_cms_stream *s, unsigned char *dst, size_t n) {
        if (!fill(s))
                return 0;
        size_t k = s->len - s->pos < n ? s->len - s->pos : n;
        if (s->max && s->off + k > s->max) {
                s->fail = FAIL_LIMIT;
                return 0;
        }
        if (!cap_add(&s->start, s->buf + s->pos, k) || !cap_add(&s->cap, s->buf + s->pos, k)) {
                s->fail = FAIL_LIMIT;
                return 0;
        }
        if (dst)
                memcpy(dst, s->buf + s->pos, k);
        s->pos += k;
        s->off += k;
        return k;
}

static int getbyte(sg_cms_stream *s) {
        unsigned char c;
        return take(s, &c, 1) == 1 ? c : -1;
}

static bool skip_bytes(sg_cms_stream *s, uint64_t n) {
        while (n > 0) {
                size_t k = take(s, NULL, n > BUF ? BUF : (size_t) n);
                if (k == 0)
                        return false;
                n -= k;
        }
        return true;
}

static bool header(sg_cms_stream *s, tlv *t) {
        int c = getbyte(s);
        if (c < 0)
                return false;
        t->tag = c;
        if ((c & 0x1F) == 0x1F) { /* a long tag: read past it */
                int i = 0, d;
                do {
                        d = getbyte(s);
                        if (d < 0)
                                return false;
                } while ((d & 0x80) && ++i < 4);
                if (d & 0x80) {
                        s->fail = FAIL_MALFORMED;
                        return false;
                }
        }
        int l = getbyte(s);
        if (l < 0)
                return false;
        t->indef = l == 0x80;
        t->len = 0;
        if (l == 0x80 && !(c & 0x20)) {
                s->fail = FAIL_MALFORMED; /* indefinite length needs a constructed encoding */
                return false;
        }
        if (l > 0x80) {
                int n = l & 0x7F;
                if (n > 8) {
                        s->fail = FAIL_MALFORMED;
                        return false;
                }
                for (int i = 0; i < n; i++) {
                        int d = getbyte(s);
                        if (d < 0)
                                return false;
                        t->len = (t->len << 8) | (uint64_t) d;
                }
        } else if (l < 0x80) {
                t->len = (uint64_t) l;
        }
        return true;
}

static bool is_eoc(const tlv *t) {
        return t->tag == 0 && !t->indef && t->len == 0;
}

/* Reads the contents of `t` (its header already read). */
static bool skip_contents(sg_cms_stream *s, const tlv *t, int depth) {
        if (!t->indef)
                return skip_bytes(s, t->len);
        if (depth >= SG_CMS_DEPTH_MAX) {
                s->fail = FAIL_MALFORMED;
                return false;
        }
        for (;;) {
                tlv c;
                if (!header(s, &c))
                        return false;
                if (is_eoc(&c))
                        return true;
                if (!skip_contents(s, &c, depth + 1))
                        return false;
        }
}

static bool expect(sg_cms_stream *s, tlv *t, int tag) {
        if (!header(s, t))
                return false;
        if (t->tag != tag) {
                s->fail = FAIL_MALFORMED;
                return false;
        }
        return true;
}

static bool push(sg_cms_stream *s, const tlv *t) {
        if (s->n_lv == (int) (sizeof s->lv / sizeof *s->lv))
                return false;
        s->lv[s->n_lv++] = (level){.indef = t->indef, .end = s->off + t->len};
        return true;
}

static sg_err failure(sg_cms_stream *s, sg_error *err) {
        switch (s->fail) {
        case FAIL_TRUNCATED:
                return sg_error_set(err, SG_ERR_TRUNCATED,
                                    "the encrypted data ends too early: it was cut off; save or download it again");
        case FAIL_IO:
                return sg_error_set(err, SG_ERR_IO, "cannot read the input");
        case FAIL_LIMIT:
                return sg_error_set(err, SG_ERR_LIMIT, "the encrypted data is larger than the limit of %llu bytes",
                                    (unsigned long long) s->max);
        default:
                return sg_error_set(err, SG_ERR_NOT_SMIME,
                                    "the input is not S/MIME (CMS) data: give an S/MIME encrypted message");
        }
}

sg_err sg_cms_stream_open(sg_source *in, uint64_t max, sg_cms_stream **ret, sg_error *err) {
        sg_cms_stream *s = calloc(1, sizeof *s);
        if (!s)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        s->in = in;
        s->max = max;
        s->start.on = true;
        tlv t;
        if (!fill(s)) {
                sg_err r = s->fail == FAIL_TRUNCATED
                                   ? sg_error_set(err, SG_ERR_NOT_SMIME, "the input is empty: give an S/MIME message")
                                   : failure(s, err);
                sg_cms_stream_free(s);
                return r;
        }
        if (!expect(s, &t, 0x30) || !push(s, &t) || !expect(s, &t, 0x06) || t.len > 64 || !skip_bytes(s, t.len)) {
                if (!s->fail)
                        s->fail = FAIL_MALFORMED;
                sg_err r = failure(s, err);
                sg_cms_stream_free(s);
                return r;
        }
        const unsigned char *oid = s->start.data + s->start.len - t.len - 2;
        size_t n = t.len + 2;
        if (n == sizeof oid_enveloped && memcmp(oid, oid_enveloped, n) == 0)
                s->type = SG_CMS_ENVELOPED;
        else if (n == sizeof oid_signed && memcmp(oid, oid_signed, n) == 0)
                s->type = SG_CMS_SIGNED;
        else if (n == sizeof oid_auth_enveloped && memcmp(oid, oid_auth_enveloped, n) == 0)
                s->type = SG_CMS_AUTH_ENVELOPED;
        *ret = s;
        return SG_OK;
}

sg_cms_type sg_cms_stream_type(const sg_cms_stream *s) {
        return s->type;
}

static ptrdiff_t replay_read(void *ctx, void *buf, size_t n) {
        sg_cms_stream *s = ctx;
        if (s->replay_pos < s->start.len) {
                size_t k = s->start.len - s->replay_pos < n ? s->start.len - s->replay_pos : n;
                memcpy(buf, s->start.data + s->replay_pos, k);
                s->replay_pos += k;
                return (ptrdiff_t) k;
        }
        if (s->pos < s->len) {
                size_t k = s->len - s->pos < n ? s->len - s->pos : n;
                memcpy(buf, s->buf + s->pos, k);
                s->pos += k;
                return (ptrdiff_t) k;
        }
        return s->eof ? 0 : s->in->read(s->in->ctx, buf, n);
}

sg_source sg_cms_stream_replay(sg_cms_stream *s) {
        s->start.on = false;
        return (sg_source){.read = replay_read, .ctx = s};
}

/* DER length octets of n into p (at least 9 bytes); their count. */
static size_t der_len(unsigned char *p, size_t n) {
        if (n < 0x80) {
                p[0] = (unsigned char) n;
                return 1;
        }
        size_t k = 0;
        for (size_t m = n; m; m >>= 8)
                k++;
        p[0] = (unsigned char) (0x80 | k);
        for (size_t i = 0; i < k; i++)
                p[1 + i] = (unsigned char) (n >> (8 * (k - 1 - i)));
        return 1 + k;
}

/* Wraps data[0..len) (owned, realloc'd) in tag + length. */
static unsigned char *wrap(int tag, unsigned char *data, size_t *len) {
        unsigned char h[10];
        h[0] = (unsigned char) tag;
        size_t hl = 1 + der_len(h + 1, *len);
        unsigned char *d = malloc(hl + *len);
        if (d) {
                memcpy(d, h, hl);
                memcpy(d + hl, data, *len);
                *len += hl;
        }
        free(data);
        return d;
}

sg_err sg_cms_stream_header(sg_cms_stream *s, sg_error *err) {
        s->start.on = false;
        tlv t;
        /* [0] EXPLICIT (Auth)EnvelopedData SEQUENCE */
        if (!expect(s, &t, 0xA0) || !push(s, &t) || !expect(s, &t, 0x30) || !push(s, &t))
                return failure(s, err);
        /* version, originatorInfo [0] (optional), recipientInfos SET: kept as they are */
        s->cap.on = true;
        s->cap.len = 0;
        if (!expect(s, &t, 0x02) || !skip_contents(s, &t, 0) || !header(s, &t))
                return failure(s, err);
        if (t.tag == 0xA0 && (!skip_contents(s, &t, 0) || !header(s, &t)))
                return failure(s, err);
        if (t.tag != 0x31) {
                s->fail = FAIL_MALFORMED;
                return failure(s, err);
        }
        if (!skip_contents(s, &t, 0))
                return failure(s, err);
        s->cap.on = false;
        s->head_len = s->cap.len;
        /* (Auth)EncryptedContentInfo: contentType, contentEncryptionAlgorithm, then the content */
        if (!expect(s, &t, 0x30) || !push(s, &t))
                return failure(s, err);
        s->cap.on = true;
        if (!expect(s, &t, 0x06) || !skip_contents(s, &t, 0))
                return failure(s, err);
        s->alg_at = s->cap.len;
        if (!expect(s, &t, 0x30) || !skip_contents(s, &t, 0))
                return failure(s, err);
        s->cap.on = false;
        s->eci_len = s->cap.len - s->head_len;
        if (!header(s, &t))
                return failure(s, err);
        if (t.tag == 0x80) {
                s->content_cons = false;
                s->chunk_left = t.len;
        } else if (t.tag == 0xA0) {
                s->content_cons = true;
                s->content_lv = (level){.indef = t.indef, .end = s->off + t.len};
        } else {
                return sg_error_set(err, SG_ERR_NOT_SMIME,
                                    "the encrypted message does not contain its content (detached content)");
        }
        return SG_OK;
}

/* Closes the innermost level: its remaining elements are read past, and
 * captured if `keep` (only tags 0xA1 and 0x04: authAttrs and the mac). */
static bool close_level(sg_cms_stream *s, bool keep) {
        level *l = &s->lv[--s->n_lv];
        for (;;) {
                if (!l->indef && s->off == l->end)
                        return true;
                if (!l->indef && s->off > l->end) {
                        s->fail = FAIL_MALFORMED;
                        return false;
                }
                size_t mark = s->cap.len;
                s->cap.on = keep;
                tlv t;
                bool ok = header(s, &t);
                if (ok && l->indef && is_eoc(&t)) {
                        s->cap.len = mark;
                        s->cap.on = false;
                        return true;
                }
                ok = ok && skip_contents(s, &t, 0);
                s->cap.on = false;
                if (!ok)
                        return false;
                if (t.tag != 0xA1 && t.tag != 0x04)
                        s->cap.len = mark;
        }
}

sg_err sg_cms_stream_skip_to_trailer(sg_cms_stream *s, sg_error *err) {
        char tmp[4096];
        ptrdiff_t k;
        while ((k = content_read(s, tmp, sizeof tmp)) > 0)
                ;
        if (k < 0)
                return failure(s, err);
        s->trailer_at = s->cap.len;
        if (!close_level(s, false) || !close_level(s, true))
                return failure(s, err);
        return SG_OK;
}

void sg_cms_stream_content_alg(const sg_cms_stream *s, const unsigned char **ret, size_t *ret_len) {
        *ret = s->cap.data + s->alg_at;
        *ret_len = s->head_len + s->eci_len - s->alg_at;
}

sg_err sg_cms_stream_take_trailer(sg_cms_stream *s, unsigned char **ret, size_t *ret_len, sg_error *err) {
        size_t n = s->cap.len - s->trailer_at;
        unsigned char *d = malloc(n ? n : 1);
        if (!d)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        memcpy(d, s->cap.data + s->trailer_at, n);
        *ret = d;
        *ret_len = n;
        return SG_OK;
}

sg_err sg_cms_stream_skeleton(sg_cms_stream *s, const unsigned char *trailer, size_t trailer_len,
                              unsigned char **ret_der, size_t *ret_len, sg_error *err) {
        size_t head_len = s->head_len, eci_len = s->eci_len;
        const unsigned char *oid = s->type == SG_CMS_AUTH_ENVELOPED ? oid_auth_enveloped : oid_enveloped;
        size_t oid_len = s->type == SG_CMS_AUTH_ENVELOPED ? sizeof oid_auth_enveloped : sizeof oid_enveloped;
        /* ContentInfo { OID, [0] { SEQUENCE { head, SEQUENCE { eci }, trailer } } } */
        unsigned char *eci = malloc(eci_len ? eci_len : 1);
        if (!eci)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        memcpy(eci, s->cap.data + head_len, eci_len);
        size_t len = eci_len;
        eci = wrap(0x30, eci, &len);
        unsigned char *env = eci ? malloc(head_len + len + trailer_len) : NULL;
        if (env) {
                memcpy(env, s->cap.data, head_len);
                memcpy(env + head_len, eci, len);
                if (trailer_len)
                        memcpy(env + head_len + len, trailer, trailer_len);
                len += head_len + trailer_len;
        }
        free(eci);
        env = env ? wrap(0x30, env, &len) : NULL;
        env = env ? wrap(0xA0, env, &len) : NULL;
        unsigned char *ci = env ? malloc(oid_len + len) : NULL;
        if (ci) {
                memcpy(ci, oid, oid_len);
                memcpy(ci + oid_len, env, len);
                len += oid_len;
        }
        free(env);
        ci = ci ? wrap(0x30, ci, &len) : NULL;
        if (!ci)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        *ret_der = ci;
        *ret_len = len;
        return SG_OK;
}

static ptrdiff_t content_read(void *ctx, void *buf, size_t n) {
        sg_cms_stream *s = ctx;
        while (s->chunk_left == 0 && !s->content_done) {
                if (!s->content_cons) {
                        s->content_done = true;
                        break;
                }
                if (!s->content_lv.indef && s->off >= s->content_lv.end) {
                        s->content_done = true;
                        break;
                }
                tlv t;
                if (!header(s, &t))
                        return -1;
                if (is_eoc(&t) && s->content_lv.indef) {
                        s->content_done = true;
                        break;
                }
                if (t.tag != 0x04 || t.indef) { /* only OCTET STRING chunks */
                        s->fail = FAIL_MALFORMED;
                        return -1;
                }
                s->chunk_left = t.len;
        }
        if (s->content_done)
                return 0;
        size_t k = take(s, buf, s->chunk_left < n ? (size_t) s->chunk_left : n);
        if (k == 0)
                return -1;
        s->chunk_left -= k;
        return (ptrdiff_t) k;
}

sg_source sg_cms_stream_content(sg_cms_stream *s) {
        return (sg_source){.read = content_read, .ctx = s};
}

sg_err sg_cms_stream_finish(sg_cms_stream *s, sg_error *err) {
        if (s->fail)
                return failure(s, err);
        if (!s->content_done) {
                char tmp[4096];
                ptrdiff_t k;
                while ((k = content_read(s, tmp, sizeof tmp)) > 0)
                        ;
                if (k < 0)
                        return failure(s, err);
        }
        /* close every open level: anything left (unprotectedAttrs, the mac) is read past */
        while (s->n_lv > 0)
                if (!close_level(s, false))
                        return failure(s, err);
        return SG_OK;
}

sg_cms_stream *sg_cms_stream_free(sg_cms_stream *s) {
        if (s) {
                free(s->start.data);
                free(s->cap.data);
                free(s);
        }
        return NULL;
}
