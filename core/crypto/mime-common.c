/* sealgate: what the GMime-based MIME layers share (mime-private.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mime-private.h"
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
                size_t m = 0;
                for (ptrdiff_t i = 0; i < k; i++) {
                        if (c->raw[i] == '\n' && !c->last_cr)
                                c->out[m++] = '\r';
                        c->out[m++] = c->raw[i];
                        c->last_cr = c->raw[i] == '\r';
                }
                c->len = m;
                c->pos = 0;
        }
        size_t m = c->len - c->pos < n ? c->len - c->pos : n;
        memcpy(buf, c->out + c->pos, m);
        c->pos += m;
        return (ptrdiff_t) m;
}

ssize_t sg_mime_raw_read(GMimeStream *s, char *buf, size_t n) {
        if (g_mime_stream_eos(s))
                return 0;
        ssize_t k = g_mime_stream_read(s, buf, n);
        return k < 0 && g_mime_stream_eos(s) ? 0 : k;
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

bool sg_mime_dec_open(decsource *d, GMimePart *part) {
        GMimeDataWrapper *w = g_mime_part_get_content(part);
        GMimeStream *raw = w ? g_mime_data_wrapper_get_stream(w) : NULL;
        if (!raw)
                return false;
        g_mime_stream_reset(raw);
        d->raw = raw;
        GMimeContentEncoding e = g_mime_data_wrapper_get_encoding(w);
        d->decode = e == GMIME_CONTENT_ENCODING_BASE64 || e == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
                    e == GMIME_CONTENT_ENCODING_UUENCODE;
        d->encoding = d->decode ? e : GMIME_CONTENT_ENCODING_BASE64;
        g_mime_encoding_init_decode(&d->enc, d->encoding);
        d->out = malloc(g_mime_encoding_outlen(&d->enc, SG_MIME_CHUNK) + 16);
        return d->out != NULL;
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
