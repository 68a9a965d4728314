/* sealgate: the MIME side of S/MIME (application/pkcs7-mime, multipart/signed)
 * with GMime; the CMS work is done by a backend's sg_smime_ops. Input is parsed
 * from seekable files so GMime keeps parts as offsets, not in memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "mime-private.h"
#include "sealgate/mime-smime.h"

void sg_mime_smime_init(void) {
        g_mime_init();
}

void sg_mime_smime_shutdown(void) {
        g_mime_shutdown();
}

/* ---- encrypt */

sg_err sg_mime_smime_encrypt(const sg_smime_ops *ops, const char *const *recipients, size_t n_recipients,
                             sg_smime_cipher cipher, sg_source *in, sg_sink *out, sg_error *err) {
        b64sink b = {0};
        if (!sg_mime_b64_open(&b, out)) {
                sg_mime_b64_close(&b);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        const char *type = cipher == SG_SMIME_AES256_GCM ? "authEnveloped-data" : "enveloped-data";
        char head[512];
        snprintf(head, sizeof head,
                 "MIME-Version: 1.0\r\n"
                 "Content-Type: application/pkcs7-mime; smime-type=%s; name=\"smime.p7m\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n"
                 "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
                 "\r\n",
                 type);
        prefixsink ps = {.out = out, .prefix = head};
        sg_sink pss = {.write = sg_mime_prefix_write, .ctx = &ps};
        b.out = &pss;
        sg_sink bs = {.write = sg_mime_b64_write, .ctx = &b};
        sg_err r = ops->encrypt(recipients, n_recipients, cipher, in, &bs, err);
        if (r != SG_OK) {
                sg_mime_b64_close(&b);
                return r;
        }
        if (sg_mime_b64_close(&b) < 0 && r == SG_OK)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        return r;
}

/* ---- sign */

static const char *micalg(sg_smime_digest d) {
        switch (d) {
        case SG_SMIME_SHA384:
                return "sha-384";
        case SG_SMIME_SHA512:
                return "sha-512";
        default:
                return "sha-256";
        }
}

sg_err sg_mime_smime_sign(const sg_smime_ops *ops, const sg_smime_key *key, sg_smime_digest digest, sg_source *in,
                          sg_sink *out, sg_error *err) {
        char boundary[64];
        snprintf(boundary, sizeof boundary, "----sealgate-%08x%08x%08x", g_random_int(), g_random_int(),
                 g_random_int());
        char head[512];
        snprintf(head, sizeof head,
                 "MIME-Version: 1.0\r\n"
                 "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=%s;\r\n"
                 " boundary=\"%s\"\r\n"
                 "\r\n"
                 "This is an S/MIME signed message.\r\n"
                 "\r\n"
                 "--%s\r\n",
                 micalg(digest), boundary, boundary);
        prefixsink ps = {.out = out, .prefix = head};
        sg_sink content_out = {.write = sg_mime_prefix_write, .ctx = &ps};
        crlfsource *c = calloc(1, sizeof *c);
        if (!c)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        c->in = in;
        sg_source cs = {.read = sg_mime_crlf_read, .ctx = c};
        memsink ms = {.a = g_byte_array_new(), .max = SG_SMIME_SIGNATURE_MAX};
        sg_sink sig = {.write = sg_mime_mem_write, .ctx = &ms};
        sg_err r = ops->sign(key, digest, &cs, &content_out, &sig, err);
        if (r == SG_OK && sg_mime_prefix_flush(&ps) < 0)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        free(c);
        if (r == SG_OK && ms.over)
                r = sg_error_set(err, SG_ERR_LIMIT, "the signature is larger than %d bytes", SG_SMIME_SIGNATURE_MAX);
        if (r == SG_OK) {
                snprintf(head, sizeof head,
                         "\r\n--%s\r\n"
                         "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
                         "Content-Transfer-Encoding: base64\r\n"
                         "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
                         "\r\n",
                         boundary);
                b64sink b = {0};
                bool ok = sg_mime_b64_open(&b, out) && sg_mime_put(out, head) == 0 &&
                          sg_mime_b64_write(&b, ms.a->data, ms.a->len) == 0;
                ok = sg_mime_b64_close(&b) == 0 && ok;
                snprintf(head, sizeof head, "--%s--\r\n", boundary);
                if (!ok || sg_mime_put(out, head) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        g_byte_array_unref(ms.a);
        return r;
}

/* ---- parsing input */

/* ---- verify a multipart/signed */

/* The checks of a multipart/signed `part` of `m` (its two parts found by
 * sg_mime_signed_parts): *ret_sender (owned) the address compared,
 * *ret_result the result; the content to `content_out` when valid. */
static sg_err verify_signed(const sg_smime_ops *ops, const sg_smime_trust *trust, GMimeMessage *m, GMimeObject *part,
                            const char *from, sg_sink *content_out, char **ret_sender,
                            sg_smime_verify_result **ret_result, sg_error *err) {
        static const char *const protocols[] = {"application/pkcs7-signature", "application/x-pkcs7-signature", NULL};
        GMimeObject *content = NULL, *sigpart = NULL;
        sg_err r = sg_mime_signed_parts(part, protocols, SG_ERR_NOT_SMIME, "S/MIME", &content, &sigpart, err);
        GByteArray *sig = NULL;
        if (r == SG_OK) {
                GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(sigpart));
                GMimeStream *raw = w ? g_mime_data_wrapper_get_stream(w) : NULL;
                gint64 len = raw ? g_mime_stream_length(raw) : -1;
                if (len < 0)
                        r = sg_error_set(err, SG_ERR_MIME, "the signature part has no content");
                else if (len > 2 * (gint64) SG_SMIME_SIGNATURE_MAX)
                        r = sg_error_set(err, SG_ERR_LIMIT, "the signature part is larger than %d bytes",
                                         2 * SG_SMIME_SIGNATURE_MAX);
                else {
                        GMimeStream *mem = g_mime_stream_mem_new();
                        g_mime_stream_reset(raw);
                        g_mime_data_wrapper_write_to_stream(w, mem);
                        sig = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
                        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE); /* ours now */
                        g_object_unref(mem);
                }
        }
        int cfd = r == SG_OK ? sg_mime_canonical_tmp(content, err, &r) : -1;
        char *sender = NULL;
        sg_smime_verify_result *res = NULL;
        if (r == SG_OK) {
                sender = sg_mime_sender(from, m, content);
                sg_source cs = sg_source_fd(cfd);
                r = ops->verify(trust, sig->data, sig->len, &cs, sender, &res, err);
        }
        if (r == SG_OK && res->valid && content_out)
                r = sg_mime_copy_fd(cfd, content_out, err);
        if (cfd >= 0)
                close(cfd);
        if (sig)
                g_byte_array_free(sig, TRUE);
        if (r != SG_OK) {
                free(sender);
                sg_smime_verify_result_free(res);
                return r;
        }
        *ret_sender = sender;
        *ret_result = res;
        return SG_OK;
}

/* ---- decrypt */

/* A gateway's signature around an encrypted message: a multipart/signed
 * whose signed part is application/pkcs7-mime other than signed-data. */
static GMimeObject *signed_around_encrypted(GMimeObject *part) {
        if (!sg_mime_is_type(part, "multipart", "signed") || !GMIME_IS_MULTIPART(part) ||
            g_mime_multipart_get_count(GMIME_MULTIPART(part)) != 2)
                return NULL;
        GMimeObject *inner = g_mime_multipart_get_part(GMIME_MULTIPART(part), 0);
        const char *st = g_mime_object_get_content_type_parameter(inner, "smime-type");
        if (!GMIME_IS_PART(inner) ||
            !(sg_mime_is_type(inner, "application", "pkcs7-mime") ||
              sg_mime_is_type(inner, "application", "x-pkcs7-mime")) ||
            (st && g_ascii_strcasecmp(st, "signed-data") == 0))
                return NULL;
        return inner;
}

/* Decrypts the content of the S/MIME part `part` (application/pkcs7-mime,
 * its data decoded by `d`, opened or not). */
static sg_err decrypt_part(const sg_smime_ops *ops, const sg_smime_key *key, size_t max_input, decsource *d,
                           bool opened, sg_sink *out, sg_error *err) {
        if (!opened)
                return sg_error_set(err, d->raw ? SG_ERR_NOMEM : SG_ERR_NOT_SMIME,
                                    d->raw ? "out of memory" : "the S/MIME part has no content");
        sg_source s = {.read = sg_mime_dec_read, .ctx = d, .rewind = sg_mime_dec_rewind};
        sg_err r = ops->decrypt(key, max_input, &s, out, err);
        if (d->error && (r == SG_OK || r == SG_ERR_TRUNCATED || r == SG_ERR_NOT_SMIME))
                r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
        return r;
}

/* Where the header of the message in `fd` ends (after its blank line), read
 * into `head` (SG_MIME_HEAD_SCAN_MAX bytes); 0 when it does not end within
 * that, or the message opens with a blank line. */
static size_t header_end(int fd, char *head) {
        size_t len = 0;
        while (len < SG_MIME_HEAD_SCAN_MAX) {
                ssize_t k = pread(fd, head + len, SG_MIME_HEAD_SCAN_MAX - len, (off_t) len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return 0;
                size_t from = len > 2 ? len - 2 : 0;
                len += (size_t) k;
                if (head[0] == '\n' || (len > 1 && head[0] == '\r' && head[1] == '\n'))
                        return 0;
                for (const char *p = head + from; (p = memchr(p, '\n', (size_t) (head + len - p))) != NULL; p++) {
                        size_t i = (size_t) (p - head);
                        if (i + 1 < len && head[i + 1] == '\n')
                                return i + 2;
                        if (i + 2 < len && head[i + 1] == '\r' && head[i + 2] == '\n')
                                return i + 3;
                }
        }
        return 0;
}

/* The usual encrypted message, a top-level application/pkcs7-mime part in
 * base64: its header is parsed alone and its body decoded straight from
 * `fd`, instead of GMime's parser first reading the whole message in 4 KiB
 * pieces (with a seek each) to find where the part ends, which is the end
 * of the file anyway. false, with nothing done, for any other shape (a
 * header GMime ends before the blank line included): the full parse then
 * decides. */
static bool decrypt_top_part(const sg_smime_ops *ops, const sg_smime_key *key, size_t max_input, int fd, sg_sink *out,
                             sg_err *ret, sg_error *err) {
        char *head = malloc(SG_MIME_HEAD_SCAN_MAX);
        size_t end = head ? header_end(fd, head) : 0;
        GMimeMessage *m = NULL;
        if (end) {
                GMimeStream *mem = g_mime_stream_mem_new_with_buffer(head, end);
                GMimeParser *p = g_mime_parser_new_with_stream(mem);
                g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
                m = g_mime_parser_construct_message(p, NULL);
                g_object_unref(p);
                g_object_unref(mem);
        }
        free(head);
        GMimeObject *part = m ? g_mime_message_get_mime_part(m) : NULL;
        const char *st = part ? g_mime_object_get_content_type_parameter(part, "smime-type") : NULL;
        GMimeDataWrapper *w = part && GMIME_IS_PART(part) ? g_mime_part_get_content(GMIME_PART(part)) : NULL;
        GMimeStream *ws = w ? g_mime_data_wrapper_get_stream(w) : NULL;
        bool fast = part && GMIME_IS_PART(part) &&
                    (sg_mime_is_type(part, "application", "pkcs7-mime") ||
                     sg_mime_is_type(part, "application", "x-pkcs7-mime")) &&
                    !(st && g_ascii_strcasecmp(st, "signed-data") == 0) &&
                    g_mime_part_get_content_encoding(GMIME_PART(part)) == GMIME_CONTENT_ENCODING_BASE64 &&
                    (!ws || g_mime_stream_length(ws) == 0);
        if (m)
                g_object_unref(m);
        if (!fast)
                return false;
        int dfd = dup(fd);
        if (dfd < 0) {
                *ret = sg_error_set(err, SG_ERR_IO, "cannot read the input: %s", strerror(errno));
                return true;
        }
        GMimeStream *raw = g_mime_stream_fs_new_with_bounds(dfd, (gint64) end, -1);
        decsource *d = calloc(1, sizeof *d);
        if (!d)
                *ret = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else
                *ret = decrypt_part(ops, key, max_input, d,
                                    sg_mime_dec_open_stream(d, raw, GMIME_CONTENT_ENCODING_BASE64), out, err);
        sg_mime_dec_close(d);
        free(d);
        g_object_unref(raw);
        return true;
}

sg_err sg_mime_smime_decrypt(const sg_smime_ops *ops, const sg_smime_key *key, size_t max_input, int fd, sg_sink *out,
                             sg_smime_verify_result **ret_outer, sg_error *err) {
        if (ret_outer)
                *ret_outer = NULL;
        unsigned char first = 0;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the input must be a file, not a pipe");
        ssize_t k = read(fd, &first, 1);
        if (k < 0)
                return sg_error_set(err, SG_ERR_IO, "cannot read the input: %s", strerror(errno));
        if (k == 0)
                return sg_error_set(err, SG_ERR_NOT_SMIME, "the input is empty: give an S/MIME message");
        if (first == 0x30) { /* a DER/BER SEQUENCE: bare CMS */
                lseek(fd, 0, SEEK_SET);
                sg_source s = sg_source_fd(fd);
                return ops->decrypt(key, max_input, &s, out, err);
        }
        sg_err r;
        if (decrypt_top_part(ops, key, max_input, fd, out, &r, err))
                return r;
        GMimeMessage *m = sg_mime_parse_fd(fd, SG_ERR_NOT_SMIME,
                                           "the input is not a MIME message: give an S/MIME message", err, &r);
        if (!m)
                return r;
        GMimeObject *part = g_mime_message_get_mime_part(m);
        sg_smime_verify_result *outer = NULL;
        GMimeObject *inner = signed_around_encrypted(part);
        if (inner) {
                /* decrypt it whatever the signature says, and report the
                 * signature (Thunderbird does the same): a broken gateway
                 * signature must not lock the recipient out */
                char *sender = NULL;
                sg_smime_trust none = {0};
                sg_error ve = {0};
                if (verify_signed(ops, &none, m, part, NULL, NULL, &sender, &outer, &ve) != SG_OK)
                        outer = NULL;
                free(sender);
                part = inner;
        }
        bool p7m = sg_mime_is_type(part, "application", "pkcs7-mime") ||
                   sg_mime_is_type(part, "application", "x-pkcs7-mime");
        const char *st = p7m ? g_mime_object_get_content_type_parameter(part, "smime-type") : NULL;
        if (!p7m || !GMIME_IS_PART(part)) {
                char *t = sg_mime_type_string(part);
                r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                 sg_mime_is_type(part, "multipart", "signed")
                                         ? "the message is signed, not encrypted (%s): verify it instead"
                                         : "the message is not S/MIME encrypted (its type is %s)",
                                 t);
                g_free(t);
        } else if (st && g_ascii_strcasecmp(st, "signed-data") == 0) {
                r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                 "the message is signed (smime-type=signed-data), not encrypted: verify it instead");
        } else {
                decsource *d = calloc(1, sizeof *d);
                if (!d)
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                else
                        r = decrypt_part(ops, key, max_input, d, sg_mime_dec_open(d, GMIME_PART(part)), out, err);
                sg_mime_dec_close(d);
                free(d);
        }
        g_object_unref(m);
        if (r == SG_OK && ret_outer)
                *ret_outer = outer;
        else
                sg_smime_verify_result_free(outer);
        return r;
}

/* ---- verify */

/* application/pkcs7-mime; smime-type=signed-data: the signed entity inside. */
static sg_err verify_opaque_part(const sg_smime_ops *ops, const sg_smime_trust *trust, GMimeMessage *m, GMimePart *part,
                                 const char *from, sg_sink *content_out, char **ret_from,
                                 sg_smime_verify_result **ret_result, sg_error *err) {
        decsource *d = calloc(1, sizeof *d);
        if (!d)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (!sg_mime_dec_open(d, part)) {
                sg_err r = d->raw ? sg_error_set(err, SG_ERR_NOMEM, "out of memory")
                                  : sg_error_set(err, SG_ERR_NOT_SMIME, "the S/MIME part has no content");
                sg_mime_dec_close(d);
                free(d);
                return r;
        }
        char *sender = sg_mime_sender(from, m, NULL);
        sg_source s = {.read = sg_mime_dec_read, .ctx = d, .rewind = sg_mime_dec_rewind};
        sg_err r = ops->verify_opaque(trust, &s, sender, content_out, ret_result, err);
        sg_mime_dec_close(d);
        free(d);
        if (r == SG_OK && ret_from)
                *ret_from = sender;
        else
                free(sender);
        return r;
}

sg_err sg_mime_smime_verify(const sg_smime_ops *ops, const sg_smime_trust *trust, int fd, const char *from,
                            sg_sink *content_out, char **ret_from, sg_smime_verify_result **ret_result, sg_error *err) {
        unsigned char first = 0;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the input must be a file, not a pipe");
        ssize_t k = read(fd, &first, 1);
        if (k < 0)
                return sg_error_set(err, SG_ERR_IO, "cannot read the input: %s", strerror(errno));
        if (k == 0)
                return sg_error_set(err, SG_ERR_NOT_SMIME, "the input is empty: give an S/MIME message");
        if (first == 0x30) { /* bare CMS: an opaque signature */
                lseek(fd, 0, SEEK_SET);
                sg_source s = sg_source_fd(fd);
                sg_err r = ops->verify_opaque(trust, &s, from, content_out, ret_result, err);
                if (r == SG_OK && ret_from)
                        *ret_from = from ? strdup(from) : NULL;
                return r;
        }
        sg_err r;
        GMimeMessage *m = sg_mime_parse_fd(fd, SG_ERR_NOT_SMIME,
                                           "the input is not a MIME message: give an S/MIME message", err, &r);
        if (!m)
                return r;
        GMimeObject *part = g_mime_message_get_mime_part(m);
        const char *st = g_mime_object_get_content_type_parameter(part, "smime-type");
        if ((sg_mime_is_type(part, "application", "pkcs7-mime") ||
             sg_mime_is_type(part, "application", "x-pkcs7-mime")) &&
            st && g_ascii_strcasecmp(st, "signed-data") == 0 && GMIME_IS_PART(part)) {
                r = verify_opaque_part(ops, trust, m, GMIME_PART(part), from, content_out, ret_from, ret_result, err);
                g_object_unref(m);
                return r;
        }
        if (!sg_mime_is_type(part, "multipart", "signed") || !GMIME_IS_MULTIPART(part)) {
                char *t = sg_mime_type_string(part);
                bool p7m = sg_mime_is_type(part, "application", "pkcs7-mime") ||
                           sg_mime_is_type(part, "application", "x-pkcs7-mime");
                r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                 p7m ? "the message is S/MIME encrypted (%s): decrypt it first"
                                     : "the message is not S/MIME signed (its type is %s)",
                                 t);
                g_free(t);
        }
        char *sender = NULL;
        sg_smime_verify_result *res = NULL;
        if (r == SG_OK)
                r = verify_signed(ops, trust, m, part, from, content_out, &sender, &res, err);
        g_object_unref(m);
        if (r != SG_OK) {
                free(sender);
                sg_smime_verify_result_free(res);
                return r;
        }
        if (ret_from)
                *ret_from = sender;
        else
                free(sender);
        *ret_result = res;
        return SG_OK;
}
