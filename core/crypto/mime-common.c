/* sealgate: what the GMime-based MIME layers share (mime-private.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime-private.h"
#include "sealgate/frame.h"
#include "sealgate/spool.h"

int sg_mime_put(sg_sink *out, const char *s) {
        return out->write(out->ctx, s, strlen(s));
}

int sg_mime_prefix_flush(prefixsink *p) {
        if (p->done)
                return 0;
        p->done = true;
        return sg_mime_put(p->out, p->prefix);
}

int sg_mime_prefix_write(void *ctx, const void *data, size_t n) {
        prefixsink *p = ctx;
        if (sg_mime_prefix_flush(p) < 0)
                return -1;
        return p->out->write(p->out->ctx, data, n);
}

ptrdiff_t sg_mime_crlf_read(void *ctx, void *buf, size_t n) {
        crlfsource *c = ctx;
        if (c->pos == c->len) {
                ptrdiff_t k = c->in->read(c->in->ctx, c->raw, sizeof c->raw);
                if (k <= 0)
                        return k;
                /* whole runs up to each LF with memchr/memcpy: a byte loop was
                 * a quarter of a 100 MiB signature's time */
                const char *p = c->raw, *end = c->raw + k;
                char *o = c->out;
                while (p < end) {
                        const char *lf = memchr(p, '\n', (size_t) (end - p));
                        size_t run = lf ? (size_t) (lf - p) : (size_t) (end - p);
                        memcpy(o, p, run);
                        o += run;
                        if (!lf) {
                                c->last_cr = run ? p[run - 1] == '\r' : c->last_cr;
                                break;
                        }
                        if (!(run ? p[run - 1] == '\r' : c->last_cr))
                                *o++ = '\r';
                        *o++ = '\n';
                        c->last_cr = false;
                        p = lf + 1;
                }
                c->len = (size_t) (o - c->out);
                c->pos = 0;
        }
        size_t m = c->len - c->pos < n ? c->len - c->pos : n;
        memcpy(buf, c->out + c->pos, m);
        c->pos += m;
        return (ptrdiff_t) m;
}

/* ---- base64 encoding sink (mime-private.h) */

static int b64_flush(b64sink *b) {
        int r = b->len ? b->out->write(b->out->ctx, b->buf, b->len) : 0;
        b->len = 0;
        return r;
}

/* Encodes `n` bytes (at most one line) as one line. */
static int b64_line(b64sink *b, const unsigned char *p, size_t n) {
        if (b->len + B64_LINE_OUT > B64_OUT_MAX && b64_flush(b) < 0)
                return -1;
        char *o = b->buf + b->len;
        size_t k = sg_base64_encode_to(p, n, o);
        o[k] = '\r';
        o[k + 1] = '\n';
        b->len += k + 2;
        return 0;
}

int sg_mime_b64_write(void *ctx, const void *data, size_t n) {
        b64sink *b = ctx;
        const unsigned char *p = data;
        if (b->ncarry) {
                size_t k = B64_LINE_IN - b->ncarry < n ? B64_LINE_IN - b->ncarry : n;
                memcpy(b->carry + b->ncarry, p, k);
                b->ncarry += k;
                p += k;
                n -= k;
                if (b->ncarry < B64_LINE_IN)
                        return 0;
                b->ncarry = 0;
                if (b64_line(b, b->carry, B64_LINE_IN) < 0)
                        return -1;
        }
        while (n >= B64_LINE_IN) {
                if (b->len + B64_LINE_OUT > B64_OUT_MAX && b64_flush(b) < 0)
                        return -1;
                char *o = b->buf + b->len;
                size_t lines = (B64_OUT_MAX - b->len) / B64_LINE_OUT;
                if (lines > n / B64_LINE_IN)
                        lines = n / B64_LINE_IN;
                for (size_t i = 0; i < lines; i++) {
                        sg_base64_encode_to(p, B64_LINE_IN, o);
                        o[76] = '\r';
                        o[77] = '\n';
                        o += B64_LINE_OUT;
                        p += B64_LINE_IN;
                }
                b->len += lines * B64_LINE_OUT;
                n -= lines * B64_LINE_IN;
        }
        memcpy(b->carry, p, n);
        b->ncarry = n;
        return 0;
}

bool sg_mime_b64_open(b64sink *b, sg_sink *out) {
        b->out = out;
        b->len = b->ncarry = 0;
        b->buf = malloc(B64_OUT_MAX);
        return b->buf != NULL;
}

int sg_mime_b64_close(b64sink *b) {
        int r = 0;
        if (b->buf) {
                r = b->ncarry ? b64_line(b, b->carry, b->ncarry) : 0;
                r = b64_flush(b) < 0 ? -1 : r;
        }
        free(b->buf);
        b->buf = NULL;
        b->ncarry = 0;
        return r;
}

ssize_t sg_mime_raw_read(GMimeStream *s, char *buf, size_t n) {
        if (g_mime_stream_eos(s))
                return 0;
        ssize_t k = g_mime_stream_read(s, buf, n);
        return k < 0 && g_mime_stream_eos(s) ? 0 : k;
}

/* Each byte's base64 value shifted to its place in a group of four (bit 24
 * for a byte outside the alphabet, '=' included); B64_SKIP marks the bytes
 * GMime's decoder ignores (everything but the alphabet and '='). */
#define B64_BAD     0x1000000u
/* clang-format off */
#define B64_VALUES(F) \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(62), F(99), F(99), F(99), F(63), \
        F(52), F(53), F(54), F(55), F(56), F(57), F(58), F(59), F(60), F(61), F(99), F(99), F(99), F(64), F(99), F(99), \
        F(99), F(0), F(1), F(2), F(3), F(4), F(5), F(6), F(7), F(8), F(9), F(10), F(11), F(12), F(13), F(14), \
        F(15), F(16), F(17), F(18), F(19), F(20), F(21), F(22), F(23), F(24), F(25), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(26), F(27), F(28), F(29), F(30), F(31), F(32), F(33), F(34), F(35), F(36), F(37), F(38), F(39), F(40), \
        F(41), F(42), F(43), F(44), F(45), F(46), F(47), F(48), F(49), F(50), F(51), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), \
        F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99), F(99)
/* clang-format on */
#define B64_AT0(v)  ((v) >= 64 ? B64_BAD : (uint32_t) (v) << 18)
#define B64_AT1(v)  ((v) >= 64 ? B64_BAD : (uint32_t) (v) << 12)
#define B64_AT2(v)  ((v) >= 64 ? B64_BAD : (uint32_t) (v) << 6)
#define B64_AT3(v)  ((v) >= 64 ? B64_BAD : (uint32_t) (v))
#define B64_RANK(v) ((uint8_t) (v))
static const uint32_t b64_at0[256] = {B64_VALUES(B64_AT0)};
static const uint32_t b64_at1[256] = {B64_VALUES(B64_AT1)};
static const uint32_t b64_at2[256] = {B64_VALUES(B64_AT2)};
static const uint32_t b64_at3[256] = {B64_VALUES(B64_AT3)};
static const uint8_t b64_rank[256] = {B64_VALUES(B64_RANK)}; /* 64: '=', 99: skipped */

size_t sg_mime_b64_decode_fast(const unsigned char *in, size_t n, unsigned char *out, size_t *used) {
        const unsigned char *p = in, *end = in + n, *last = NULL;
        unsigned char *o = out;
        for (;;) {
                while (end - p >= 4) {
                        uint32_t v = b64_at0[p[0]] | b64_at1[p[1]] | b64_at2[p[2]] | b64_at3[p[3]];
                        if (v & B64_BAD)
                                break;
                        o[0] = (unsigned char) (v >> 16);
                        o[1] = (unsigned char) (v >> 8);
                        o[2] = (unsigned char) v;
                        o += 3;
                        last = p;
                        p += 4;
                }
                /* a group with a line end (or other skipped bytes) in it */
                const unsigned char *q = p;
                uint32_t v = 0;
                int k = 0;
                while (q < end && k < 4) {
                        uint8_t c = b64_rank[*q];
                        if (c == 64)
                                break;
                        q++;
                        if (c < 64) {
                                v = v << 6 | c;
                                k++;
                        }
                }
                if (k < 4)
                        break;
                o[0] = (unsigned char) (v >> 16);
                o[1] = (unsigned char) (v >> 8);
                o[2] = (unsigned char) v;
                o += 3;
                last = p;
                p = q;
        }
        if (last && p < end) {
                /* GMime gets the rest, and with it the last whole group:
                 * its scan for trailing '=' only drops output of its own */
                p = last;
                o -= 3;
        }
        *used = (size_t) (p - in);
        return (size_t) (o - out);
}

size_t sg_mime_b64_decode_step(GMimeEncoding *enc, const char *in, size_t n, char *out) {
        const unsigned char *u = (const unsigned char *) in;
        GMimeEncoding before = *enc;
        size_t off = 0, len = 0;
        if (enc->state != 0) {
                /* a group begun in the previous read: GMime completes it,
                 * unless padding is near (then GMime takes it all) */
                int need = 4 - (enc->state & 0xff);
                size_t q = 0;
                while (q < n && need > 0 && (enc->state >> 8) == 0) {
                        uint8_t c = b64_rank[u[q]];
                        if (c == 64)
                                break;
                        q++;
                        need -= c < 64;
                }
                if (need > 0 || (enc->state >> 8) != 0)
                        return g_mime_encoding_step(enc, in, n, out);
                len = g_mime_encoding_step(enc, in, q, out);
                off = q;
        }
        size_t used = 0, fast = sg_mime_b64_decode_fast(u + off, n - off, (unsigned char *) out + len, &used);
        if (fast == 0 && off > 0 && used < n - off) {
                /* GMime's look for trailing '=' must see the whole read */
                *enc = before;
                return g_mime_encoding_step(enc, in, n, out);
        }
        len += fast;
        off += used;
        if (off < n)
                len += g_mime_encoding_step(enc, in + off, n - off, out + len);
        return len;
}

ptrdiff_t sg_mime_dec_read(void *ctx, void *buf, size_t n) {
        decsource *d = ctx;
        if (!d->decode) {
                ssize_t k = sg_mime_raw_read(d->raw, buf, n);
                if (k < 0)
                        d->error = true;
                return k < 0 ? -1 : (ptrdiff_t) k;
        }
        while (d->pos == d->len) {
                if (d->eof)
                        return 0;
                ssize_t k = sg_mime_raw_read(d->raw, d->in, sizeof d->in);
                if (k < 0) {
                        d->error = true;
                        return -1;
                }
                if (k == 0) {
                        d->len = g_mime_encoding_flush(&d->enc, d->in, 0, d->out);
                        d->eof = true;
                } else if (d->encoding == GMIME_CONTENT_ENCODING_BASE64) {
                        d->len = sg_mime_b64_decode_step(&d->enc, d->in, (size_t) k, d->out);
                } else {
                        d->len = g_mime_encoding_step(&d->enc, d->in, (size_t) k, d->out);
                }
                d->pos = 0;
        }
        size_t m = d->len - d->pos < n ? d->len - d->pos : n;
        memcpy(buf, d->out + d->pos, m);
        d->pos += m;
        return (ptrdiff_t) m;
}

int sg_mime_mem_write(void *ctx, const void *data, size_t n) {
        memsink *m = ctx;
        if (m->a->len + n > m->max) {
                m->over = true;
                return -1;
        }
        g_byte_array_append(m->a, data, (guint) n);
        return 0;
}

bool sg_mime_is_type(GMimeObject *o, const char *type, const char *sub) {
        GMimeContentType *ct = g_mime_object_get_content_type(o);
        return ct && g_mime_content_type_is_type(ct, type, sub);
}

char *sg_mime_type_string(GMimeObject *o) {
        GMimeContentType *ct = g_mime_object_get_content_type(o);
        return ct ? g_mime_content_type_get_mime_type(ct) : g_strdup("text/plain");
}

static char *first_mailbox(InternetAddressList *l) {
        for (int i = 0; l && i < internet_address_list_length(l); i++) {
                InternetAddress *a = internet_address_list_get_address(l, i);
                if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
                        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
                        if (addr && *addr)
                                return strdup(addr);
                }
        }
        return NULL;
}

char *sg_mime_message_from(GMimeMessage *m) {
        return first_mailbox(g_mime_message_get_from(m));
}

char *sg_mime_sender(const char *from, GMimeMessage *m, GMimeObject *signed_part) {
        if (from)
                return strdup(from);
        char *s = sg_mime_message_from(m);
        if (s || !signed_part)
                return s;
        /* a signed entity made from a whole message carries its From inside,
         * where the signature covers it */
        const char *h = g_mime_object_get_header(signed_part, "From");
        InternetAddressList *l = h ? internet_address_list_parse(NULL, h) : NULL;
        s = l ? first_mailbox(l) : NULL;
        if (l)
                g_object_unref(l);
        return s;
}

bool sg_mime_dec_open_stream(decsource *d, GMimeStream *raw, GMimeContentEncoding e) {
        d->raw = raw;
        d->decode = e == GMIME_CONTENT_ENCODING_BASE64 || e == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
                    e == GMIME_CONTENT_ENCODING_UUENCODE;
        d->encoding = d->decode ? e : GMIME_CONTENT_ENCODING_BASE64;
        g_mime_encoding_init_decode(&d->enc, d->encoding);
        d->out = malloc(g_mime_encoding_outlen(&d->enc, SG_MIME_CHUNK) + 16);
        return d->out != NULL;
}

bool sg_mime_dec_open(decsource *d, GMimePart *part) {
        GMimeDataWrapper *w = g_mime_part_get_content(part);
        GMimeStream *raw = w ? g_mime_data_wrapper_get_stream(w) : NULL;
        if (!raw)
                return false;
        g_mime_stream_reset(raw);
        return sg_mime_dec_open_stream(d, raw, g_mime_data_wrapper_get_encoding(w));
}

void sg_mime_dec_close(decsource *d) {
        if (d) {
                free(d->out);
                d->out = NULL;
        }
}

int sg_mime_dec_rewind(void *ctx) {
        decsource *d = ctx;
        if (g_mime_stream_reset(d->raw) < 0)
                return -1;
        g_mime_encoding_init_decode(&d->enc, d->encoding);
        d->eof = d->error = false;
        d->len = d->pos = 0;
        return 0;
}

GMimeMessage *sg_mime_parse_fd(int fd, sg_err not_code, const char *not_message, sg_error *err, sg_err *ret) {
        *ret = SG_OK;
        if (lseek(fd, 0, SEEK_SET) < 0) {
                *ret = sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the input must be a file, not a pipe");
                return NULL;
        }
        int dfd = dup(fd);
        if (dfd < 0) {
                *ret = sg_error_set(err, SG_ERR_IO, "cannot read the input: %s", strerror(errno));
                return NULL;
        }
        GMimeStream *st = g_mime_stream_fs_new(dfd);
        GMimeParser *p = g_mime_parser_new_with_stream(st);
        g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
        GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
        g_object_unref(p);
        g_object_unref(st);
        if (!m || !g_mime_message_get_mime_part(m)) {
                if (m)
                        g_object_unref(m);
                *ret = sg_error_set(err, not_code, "%s", not_message);
                return NULL;
        }
        return m;
}

int sg_mime_canonical_tmp(GMimeObject *o, sg_error *err, sg_err *ret) {
        FILE *tf = sg_spool_file_new("sealgate-canonical", err);
        if (!tf) {
                *ret = err ? err->code : SG_ERR_IO;
                return -1;
        }
        int fd = dup(fileno(tf));
        GMimeStream *fs = g_mime_stream_file_new(tf); /* owns tf */
        GMimeStream *filtered = g_mime_stream_filter_new(fs);
        GMimeFilter *f = g_mime_filter_unix2dos_new(FALSE);
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
        g_object_unref(f);
        GMimeFormatOptions *fo = g_mime_format_options_clone(g_mime_format_options_get_default());
        g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
        bool ok = g_mime_object_write_to_stream(o, fo, filtered) >= 0 && g_mime_stream_flush(filtered) == 0;
        g_mime_format_options_free(fo);
        g_object_unref(filtered);
        g_object_unref(fs);
        if (!ok || fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
                if (fd >= 0)
                        close(fd);
                *ret = sg_error_set(err, SG_ERR_IO, "cannot write a memory file");
                return -1;
        }
        return fd;
}

sg_err sg_mime_copy_fd(int fd, sg_sink *out, sg_error *err) {
        char *buf = malloc(SG_MIME_CHUNK);
        if (!buf)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_err r = SG_OK;
        if (lseek(fd, 0, SEEK_SET) < 0)
                r = sg_error_set(err, SG_ERR_IO, "cannot read a memory file: %s", strerror(errno));
        while (r == SG_OK) {
                ssize_t k = read(fd, buf, SG_MIME_CHUNK);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read a memory file");
                if (k <= 0)
                        break;
                if (out->write(out->ctx, buf, (size_t) k) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        free(buf);
        return r;
}

sg_err sg_mime_signed_parts(GMimeObject *part, const char *const *protocols, sg_err not_code, const char *family,
                            GMimeObject **ret_content, GMimeObject **ret_sig, sg_error *err) {
        const char *proto = g_mime_object_get_content_type_parameter(part, "protocol");
        bool known = false;
        for (size_t i = 0; proto && protocols[i] && !known; i++)
                known = g_ascii_strcasecmp(proto, protocols[i]) == 0;
        if (!known)
                return sg_error_set(err, not_code, "the message is signed with %s, not %s",
                                    proto ? proto : "no protocol", family);
        GMimeMultipart *mp = GMIME_MULTIPART(part);
        if (g_mime_multipart_get_count(mp) != 2)
                return sg_error_set(err, SG_ERR_MIME, "a multipart/signed with %d parts instead of 2",
                                    g_mime_multipart_get_count(mp));
        *ret_content = g_mime_multipart_get_part(mp, 0);
        *ret_sig = g_mime_multipart_get_part(mp, 1);
        if (!GMIME_IS_PART(*ret_sig))
                return sg_error_set(err, SG_ERR_MIME, "the signature part is not a single part");
        return SG_OK;
}
