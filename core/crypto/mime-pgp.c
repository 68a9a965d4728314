/* sealgate: the MIME side of OpenPGP (RFC 3156 multipart/encrypted and
 * multipart/signed) with GMime; the OpenPGP work is done by a backend's
 * sg_pgp_ops. Input is parsed from seekable files so GMime keeps parts as
 * offsets, not in memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "mime-private.h"
#include "sealgate/mime-pgp.h"
#include "sealgate/spool.h"

void sg_mime_pgp_init(void) {
        g_mime_init();
}

void sg_mime_pgp_shutdown(void) {
        g_mime_shutdown();
}

void sg_mime_pgp_info_clear(sg_mime_pgp_info *info) {
        if (!info)
                return;
        info->verify = sg_pgp_verify_result_free(info->verify);
        free(info->from);
        info->from = NULL;
}

/* ---- A sink that turns LF into CRLF (gpg's armor has LF line ends). */

typedef struct crlfsink {
        sg_sink *out;
        bool last_cr;
        char buf[2 * 4096];
} crlfsink;

static int crlf_write(void *ctx, const void *data, size_t n) {
        crlfsink *c = ctx;
        const char *p = data;
        while (n > 0) {
                size_t m = 0, k = n < 4096 ? n : 4096;
                for (size_t i = 0; i < k; i++) {
                        if (p[i] == '\n' && !c->last_cr)
                                c->buf[m++] = '\r';
                        c->buf[m++] = p[i];
                        c->last_cr = p[i] == '\r';
                }
                if (c->out->write(c->out->ctx, c->buf, m) < 0)
                        return -1;
                p += k;
                n -= k;
        }
        return 0;
}

static int file_write(void *ctx, const void *data, size_t n) {
        return fwrite(data, 1, n, ctx) == n ? 0 : -1;
}

static void new_boundary(char *b, size_t n) {
        snprintf(b, n, "----sealgate-%08x%08x%08x", g_random_int(), g_random_int(), g_random_int());
}

/* ---- encrypt */

sg_err sg_mime_pgp_encrypt(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, const char *const *recipients,
                           size_t n_recipients, const char *signer, unsigned flags, sg_source *in, sg_sink *out,
                           sg_error *err) {
        char boundary[64], head[1024];
        new_boundary(boundary, sizeof boundary);
        snprintf(head, sizeof head,
                 "MIME-Version: 1.0\r\n"
                 "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
                 " boundary=\"%s\"\r\n"
                 "\r\n"
                 "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
                 "--%s\r\n"
                 "Content-Type: application/pgp-encrypted\r\n"
                 "Content-Description: PGP/MIME version identification\r\n"
                 "\r\n"
                 "Version: 1\r\n"
                 "\r\n"
                 "--%s\r\n"
                 "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
                 "Content-Description: OpenPGP encrypted message\r\n"
                 "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
                 "\r\n",
                 boundary, boundary, boundary);
        prefixsink ps = {.out = out, .prefix = head};
        sg_sink pss = {.write = sg_mime_prefix_write, .ctx = &ps};
        crlfsink *c = calloc(1, sizeof *c);
        if (!c)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        c->out = &pss;
        sg_sink cs = {.write = crlf_write, .ctx = c};
        sg_err r = ops->encrypt(kr, recipients, n_recipients, signer, flags | SG_PGP_ARMOR, in, &cs, err);
        free(c);
        if (r == SG_OK) {
                snprintf(head, sizeof head, "\r\n--%s--\r\n", boundary);
                if (sg_mime_prefix_flush(&ps) < 0 || sg_mime_put(out, head) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        return r;
}

/* ---- sign */

sg_err sg_mime_pgp_sign(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, const char *signer, sg_source *in,
                        sg_sink *out, sg_error *err) {
        crlfsource *c = calloc(1, sizeof *c);
        if (!c)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        FILE *tf = sg_spool_file_new("sealgate-sign", err);
        if (!tf) {
                free(c);
                return err ? err->code : SG_ERR_IO;
        }
        c->in = in;
        sg_source cs = {.read = sg_mime_crlf_read, .ctx = c};
        /* the content is kept in memory (a memfd) until the digest (micalg) is known */
        sg_sink content = {.write = file_write, .ctx = tf};
        memsink ms = {.a = g_byte_array_new(), .max = SG_PGP_SIGNATURE_MAX};
        sg_sink sig = {.write = sg_mime_mem_write, .ctx = &ms};
        const char *digest = NULL;
        sg_err r = ops->sign(kr, signer, SG_PGP_ARMOR, &cs, &content, &sig, &digest, err);
        free(c);
        if (r == SG_OK && ms.over)
                r = sg_error_set(err, SG_ERR_LIMIT, "the signature is larger than %d bytes", SG_PGP_SIGNATURE_MAX);
        if (r == SG_OK && fflush(tf) != 0)
                r = sg_error_set(err, SG_ERR_IO, "cannot write a memory file");
        char boundary[64], head[512];
        new_boundary(boundary, sizeof boundary);
        if (r == SG_OK) {
                snprintf(head, sizeof head,
                         "MIME-Version: 1.0\r\n"
                         "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-%s;\r\n"
                         " boundary=\"%s\"\r\n"
                         "\r\n"
                         "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n"
                         "--%s\r\n",
                         digest ? digest : "sha256", boundary, boundary);
                if (sg_mime_put(out, head) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        if (r == SG_OK)
                r = sg_mime_copy_fd(fileno(tf), out, err);
        if (r == SG_OK) {
                snprintf(head, sizeof head,
                         "\r\n--%s\r\n"
                         "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
                         "Content-Description: OpenPGP digital signature\r\n"
                         "Content-Disposition: attachment; filename=\"signature.asc\"\r\n"
                         "\r\n",
                         boundary);
                crlfsink cl = {.out = out};
                sg_sink cls = {.write = crlf_write, .ctx = &cl};
                bool ok = sg_mime_put(out, head) == 0 && cls.write(cls.ctx, ms.a->data, ms.a->len) == 0;
                snprintf(head, sizeof head, "\r\n--%s--\r\n", boundary);
                if (!ok || sg_mime_put(out, head) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        fclose(tf);
        g_byte_array_unref(ms.a);
        return r;
}

/* ---- parsing input */

/* What the input starts with: bare OpenPGP (armor or a binary packet), or
 * something to parse as MIME. */
typedef enum kind { KIND_EMPTY, KIND_ARMOR, KIND_BINARY, KIND_MIME, KIND_ERROR } kind;

/* True if the text starts with a header field ("Name:"), as a MIME
 * message does; a mbox "From " line counts too. */
static bool header_first(const char *s, size_t n) {
        if (n >= 5 && strncmp(s, "From ", 5) == 0)
                return true;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c == ':')
                        return i > 0;
                if (c <= ' ' || c >= 0x7F)
                        return false;
        }
        return false;
}

/* True if a line of s[0..n) starts an OpenPGP armor. */
static bool has_armor_line(const char *s, size_t n) {
        static const char tag[] = "-----BEGIN PGP ";
        for (size_t i = 0; i + sizeof tag - 1 <= n; i++)
                if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, tag, sizeof tag - 1) == 0)
                        return true;
        return false;
}

static kind peek(int fd, sg_error *err) {
        char buf[SG_MIME_PGP_ARMOR_SCAN_MAX + 1] = {0};
        if (lseek(fd, 0, SEEK_SET) < 0) {
                sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the input must be a file, not a pipe");
                return KIND_ERROR;
        }
        ssize_t k = read(fd, buf, sizeof buf - 1);
        lseek(fd, 0, SEEK_SET);
        if (k < 0) {
                sg_error_set(err, SG_ERR_IO, "cannot read the input: %s", strerror(errno));
                return KIND_ERROR;
        }
        if (k == 0)
                return KIND_EMPTY;
        if (strncmp(buf, "-----BEGIN PGP ", 15) == 0)
                return KIND_ARMOR;
        /* an OpenPGP packet tag: bit 7 set; text and MIME headers never have it first */
        if ((unsigned char) buf[0] & 0x80)
                return KIND_BINARY;
        /* text above the armor (gpg's samples, a pasted note): gpg skips it
         * as it does for a file; a MIME message starts with a header field */
        if (!header_first(buf, (size_t) k) && has_armor_line(buf, (size_t) k))
                return KIND_ARMOR;
        return KIND_MIME;
}

static bool is_pgp_encrypted(GMimeObject *o) {
        const char *proto = g_mime_object_get_content_type_parameter(o, "protocol");
        return sg_mime_is_type(o, "multipart", "encrypted") && GMIME_IS_MULTIPART(o) && proto &&
               g_ascii_strcasecmp(proto, "application/pgp-encrypted") == 0;
}

/* True if a leaf part's decoded content is empty or white space only. */
static bool part_blank(GMimeObject *o) {
        decsource d = {0};
        bool blank = true;
        if (sg_mime_dec_open(&d, GMIME_PART(o))) {
                char buf[256];
                ptrdiff_t k;
                size_t total = 0;
                while (blank && total < 4096 && (k = sg_mime_dec_read(&d, buf, sizeof buf)) > 0) {
                        total += (size_t) k;
                        for (ptrdiff_t i = 0; i < k && blank; i++)
                                blank = buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n';
                }
                blank = blank && !d.error;
        }
        sg_mime_dec_close(&d);
        return blank;
}

/* PGP/MIME that Exchange rewrote: a multipart/mixed of exactly an empty
 * text/plain, the application/pgp-encrypted version part and the
 * application/octet-stream data; Thunderbird repairs it the same way
 * (MimeTypeIsExchangeMangled). The data part, or NULL. */
static GMimeObject *exchange_mangled(GMimeObject *o) {
        if (!sg_mime_is_type(o, "multipart", "mixed") || !GMIME_IS_MULTIPART(o))
                return NULL;
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        if (g_mime_multipart_get_count(mp) != 3)
                return NULL;
        GMimeObject *t = g_mime_multipart_get_part(mp, 0), *v = g_mime_multipart_get_part(mp, 1),
                    *data = g_mime_multipart_get_part(mp, 2);
        if (!GMIME_IS_PART(t) || !GMIME_IS_PART(v) || !GMIME_IS_PART(data) || !sg_mime_is_type(t, "text", "plain") ||
            !sg_mime_is_type(v, "application", "pgp-encrypted") ||
            !sg_mime_is_type(data, "application", "octet-stream") || !part_blank(t))
                return NULL;
        return data;
}

/* Finds the multipart/encrypted parts under `o`; counts the other leaves. */
static void walk(GMimeObject *o, int depth, GMimeObject **found, int *n_found, int *n_other, bool *too_deep) {
        if (depth > SG_MIME_PGP_DEPTH_MAX) {
                *too_deep = true;
                return;
        }
        if (is_pgp_encrypted(o)) {
                if ((*n_found)++ == 0)
                        *found = o;
                return;
        }
        if (GMIME_IS_MULTIPART(o)) {
                GMimeMultipart *mp = GMIME_MULTIPART(o);
                for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
                        walk(g_mime_multipart_get_part(mp, i), depth + 1, found, n_found, n_other, too_deep);
        } else if (GMIME_IS_MESSAGE_PART(o)) {
                GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
                (*n_other)++; /* a forwarded message is not ours to open */
                (void) inner;
        } else {
                (*n_other)++;
        }
}

/* ---- decrypt */

static sg_err decrypt_part(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, size_t max_input, GMimePart *part,
                           const char *from, sg_sink *out, sg_pgp_verify_result **ret_result, sg_error *err) {
        decsource *d = calloc(1, sizeof *d);
        if (!d || !sg_mime_dec_open(d, part)) {
                sg_err r = d ? sg_error_set(err, SG_ERR_NOT_PGP, "the encrypted part has no content")
                             : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                sg_mime_dec_close(d);
                free(d);
                return r;
        }
        sg_source s = {.read = sg_mime_dec_read, .ctx = d};
        sg_err r = ops->decrypt(kr, max_input, from, &s, out, ret_result, err);
        if (d->error && r != SG_OK)
                r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
        sg_mime_dec_close(d);
        free(d);
        return r;
}

sg_err sg_mime_pgp_decrypt(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, size_t max_input, int fd, const char *from,
                           sg_sink *out, sg_mime_pgp_info *ret_info, sg_error *err) {
        sg_mime_pgp_info info_local = {0}, *info = ret_info ? ret_info : &info_local;
        memset(info, 0, sizeof *info);
        kind k = peek(fd, err);
        sg_err r = SG_OK;
        if (k == KIND_ERROR)
                return err ? err->code : SG_ERR_IO;
        if (k == KIND_EMPTY)
                return sg_error_set(err, SG_ERR_NOT_PGP, "the input is empty: give an OpenPGP message");
        if (k == KIND_ARMOR || k == KIND_BINARY) {
                sg_source s = sg_source_fd(fd);
                r = ops->decrypt(kr, max_input, from, &s, out, &info->verify, err);
                if (r == SG_OK) {
                        info->encrypted = true;
                        info->is_signed = info->verify != NULL;
                        info->from = from ? strdup(from) : NULL;
                }
                sg_mime_pgp_info_clear(&info_local);
                return r;
        }
        GMimeMessage *m = sg_mime_parse_fd(fd, SG_ERR_NOT_PGP,
                                           "the input is not a MIME message: give an OpenPGP message", err, &r);
        if (!m)
                return r;
        GMimeObject *top = g_mime_message_get_mime_part(m), *found = NULL;
        int n_found = 0, n_other = 0;
        bool too_deep = false;
        walk(top, 0, &found, &n_found, &n_other, &too_deep);
        char *sender = sg_mime_sender(from, m, NULL);
        if (too_deep) {
                r = sg_error_set(err, SG_ERR_LIMIT, "the message is nested deeper than %d levels",
                                 SG_MIME_PGP_DEPTH_MAX);
        } else if (n_found > 1) {
                r = sg_error_set(err, SG_ERR_MIME,
                                 "the message has %d encrypted parts; sealgate decrypts a message with one", n_found);
        } else if (n_found == 1) {
                GMimeMultipart *mp = GMIME_MULTIPART(found);
                GMimeObject *body = g_mime_multipart_get_count(mp) == 2 ? g_mime_multipart_get_part(mp, 1) : NULL;
                if (!body || !GMIME_IS_PART(body))
                        r = sg_error_set(err, SG_ERR_MIME,
                                         "a multipart/encrypted that is not two parts (version, then the data)");
                else
                        r = decrypt_part(ops, kr, max_input, GMIME_PART(body), sender, out, &info->verify, err);
                info->unencrypted_parts = found != top;
        } else if (exchange_mangled(top)) {
                r = decrypt_part(ops, kr, max_input, GMIME_PART(exchange_mangled(top)), sender, out, &info->verify,
                                 err);
        } else if (GMIME_IS_PART(top) && !sg_mime_is_type(top, "multipart", "*")) {
                /* inline OpenPGP in a single part (text/plain, application/pgp-encrypted, ...) */
                r = decrypt_part(ops, kr, max_input, GMIME_PART(top), sender, out, &info->verify, err);
                if (r == SG_ERR_NOT_PGP) {
                        char *t = sg_mime_type_string(top);
                        r = sg_error_set(err, SG_ERR_NOT_PGP, "the message is not OpenPGP encrypted (its type is %s)",
                                         t);
                        g_free(t);
                }
        } else {
                char *t = sg_mime_type_string(top);
                r = sg_error_set(err, SG_ERR_NOT_PGP,
                                 sg_mime_is_type(top, "multipart", "signed")
                                         ? "the message is signed, not encrypted (%s): verify it instead"
                                         : "the message is not OpenPGP encrypted (its type is %s)",
                                 t);
                g_free(t);
        }
        g_object_unref(m);
        if (r == SG_OK) {
                info->encrypted = true;
                info->is_signed = info->verify != NULL;
                info->from = sender;
        } else {
                free(sender);
        }
        sg_mime_pgp_info_clear(&info_local);
        return r;
}

/* ---- verify */

/* Inline OpenPGP in a single text part (a cleartext signature, or a signed
 * message in armor): the decoded content (transfer encoding undone, the
 * bytes as signed) goes to the backend as it is. SG_ERR_NOT_PGP when the
 * part's first SG_MIME_PGP_ARMOR_SCAN_MAX bytes hold no such armor line. */
static sg_err verify_inline(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, GMimePart *part, const char *from,
                            sg_sink *content_out, sg_pgp_verify_result **ret_result, sg_error *err) {
        decsource *d = calloc(1, sizeof *d);
        char *head = malloc(SG_MIME_PGP_ARMOR_SCAN_MAX);
        sg_err r = SG_OK;
        if (!d || !head) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        } else if (!sg_mime_dec_open(d, part)) {
                r = sg_error_set(err, SG_ERR_NOT_PGP, "the message is empty: it is not OpenPGP signed");
        } else {
                size_t n = 0;
                ptrdiff_t k;
                while (n < SG_MIME_PGP_ARMOR_SCAN_MAX &&
                       (k = sg_mime_dec_read(d, head + n, SG_MIME_PGP_ARMOR_SCAN_MAX - n)) > 0)
                        n += (size_t) k;
                static const char *const tags[] = {"-----BEGIN PGP SIGNED MESSAGE-----", "-----BEGIN PGP MESSAGE-----",
                                                   NULL};
                bool found = false;
                for (const char *const *t = tags; *t && !found; t++) {
                        size_t l = strlen(*t);
                        for (size_t i = 0; i + l <= n && !found; i++)
                                found = (i == 0 || head[i - 1] == '\n') && memcmp(head + i, *t, l) == 0;
                }
                if (d->error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                else if (!found || sg_mime_dec_rewind(d) != 0)
                        r = sg_error_set(err, SG_ERR_NOT_PGP, "no OpenPGP armor in the message");
                else {
                        sg_source src = {.read = sg_mime_dec_read, .ctx = d, .rewind = sg_mime_dec_rewind};
                        r = ops->verify_opaque(kr, &src, from, content_out, ret_result, err);
                }
        }
        free(head);
        sg_mime_dec_close(d);
        free(d);
        return r;
}

sg_err sg_mime_pgp_verify(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, int fd, const char *from,
                          sg_sink *content_out, char **ret_from, sg_pgp_verify_result **ret_result, sg_error *err) {
        kind k = peek(fd, err);
        if (k == KIND_ERROR)
                return err ? err->code : SG_ERR_IO;
        if (k == KIND_EMPTY)
                return sg_error_set(err, SG_ERR_NOT_PGP, "the input is empty: give an OpenPGP message");
        if (k == KIND_ARMOR || k == KIND_BINARY) {
                sg_source s = sg_source_fd(fd);
                sg_err r = ops->verify_opaque(kr, &s, from, content_out, ret_result, err);
                if (r == SG_OK && ret_from)
                        *ret_from = from ? strdup(from) : NULL;
                return r;
        }
        sg_err r;
        GMimeMessage *m = sg_mime_parse_fd(fd, SG_ERR_NOT_PGP,
                                           "the input is not a MIME message: give an OpenPGP message", err, &r);
        if (!m)
                return r;
        GMimeObject *part = g_mime_message_get_mime_part(m);
        GMimeObject *content = NULL, *sigpart = NULL;
        if (GMIME_IS_PART(part) && sg_mime_is_type(part, "text", "*")) {
                /* inline OpenPGP (Thunderbird, Enigmail and many others send it) */
                char *sender = sg_mime_sender(from, m, NULL);
                sg_pgp_verify_result *res = NULL;
                r = verify_inline(ops, kr, GMIME_PART(part), sender, content_out, &res, err);
                if (r == SG_ERR_NOT_PGP) {
                        char *t = sg_mime_type_string(part);
                        r = sg_error_set(err, SG_ERR_NOT_PGP,
                                         "the message is not OpenPGP signed (its type is %s, with no OpenPGP armor "
                                         "in it)",
                                         t);
                        g_free(t);
                }
                g_object_unref(m);
                if (r != SG_OK) {
                        free(sender);
                        sg_pgp_verify_result_free(res);
                        return r;
                }
                if (ret_from)
                        *ret_from = sender;
                else
                        free(sender);
                *ret_result = res;
                return SG_OK;
        }
        if (!sg_mime_is_type(part, "multipart", "signed") || !GMIME_IS_MULTIPART(part)) {
                char *t = sg_mime_type_string(part);
                r = sg_error_set(err, SG_ERR_NOT_PGP,
                                 is_pgp_encrypted(part) ? "the message is OpenPGP encrypted (%s): decrypt it first"
                                                        : "the message is not OpenPGP signed (its type is %s)",
                                 t);
                g_free(t);
        } else {
                static const char *const protocols[] = {"application/pgp-signature", NULL};
                r = sg_mime_signed_parts(part, protocols, SG_ERR_NOT_PGP, "OpenPGP", &content, &sigpart, err);
        }
        GByteArray *sig = NULL;
        if (r == SG_OK) {
                decsource *d = calloc(1, sizeof *d);
                memsink ms = {.a = g_byte_array_new(), .max = SG_PGP_SIGNATURE_MAX};
                char buf[4096];
                ptrdiff_t n = 0;
                if (!d || !sg_mime_dec_open(d, GMIME_PART(sigpart)))
                        r = sg_error_set(err, SG_ERR_MIME, "the signature part has no content");
                while (r == SG_OK && (n = sg_mime_dec_read(d, buf, sizeof buf)) > 0)
                        if (sg_mime_mem_write(&ms, buf, (size_t) n) < 0)
                                r = sg_error_set(err, SG_ERR_LIMIT, "the signature part is larger than %d bytes",
                                                 SG_PGP_SIGNATURE_MAX);
                if (r == SG_OK && n < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                sg_mime_dec_close(d);
                free(d);
                if (r == SG_OK)
                        sig = ms.a;
                else
                        g_byte_array_unref(ms.a);
        }
        int cfd = r == SG_OK ? sg_mime_canonical_tmp(content, err, &r) : -1;
        char *sender = NULL;
        sg_pgp_verify_result *res = NULL;
        if (r == SG_OK) {
                sender = sg_mime_sender(from, m, content);
                sg_source cs = sg_source_fd(cfd);
                r = ops->verify(kr, sig->data, sig->len, &cs, sender, &res, err);
        }
        if (r == SG_OK && res->valid && content_out)
                r = sg_mime_copy_fd(cfd, content_out, err);
        if (cfd >= 0)
                close(cfd);
        if (sig)
                g_byte_array_unref(sig);
        g_object_unref(m);
        if (r != SG_OK) {
                free(sender);
                sg_pgp_verify_result_free(res);
                return r;
        }
        if (ret_from)
                *ret_from = sender;
        else
                free(sender);
        *ret_result = res;
        return SG_OK;
}
