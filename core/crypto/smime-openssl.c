/* sealgate: the OpenSSL 3 backend of smime.h (CMS). Data flows through BIOs
 * over sg_source/sg_sink; map_error() is the one place that turns the OpenSSL
 * error queue into sg_err codes. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/proverr.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cms-stream-private.h"
#include "sealgate/smime.h"

#define CHUNK 65536

/* ---- Error mapping: the only place OpenSSL's reasons become sg_err. */

enum op { OP_LOAD_KEY, OP_LOAD_CERT, OP_PARSE, OP_ENCRYPT, OP_DECRYPT, OP_SIGN, OP_VERIFY };

static sg_err classify(unsigned long e, enum op op) {
        int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);
        if (lib == ERR_LIB_PKCS12 && reason == PKCS12_R_MAC_VERIFY_FAILURE)
                return SG_ERR_WRONG_PASSPHRASE;
        if (lib == ERR_LIB_PEM && (reason == PEM_R_BAD_DECRYPT || reason == PEM_R_BAD_PASSWORD_READ ||
                                   reason == PEM_R_PROBLEMS_GETTING_PASSWORD))
                return SG_ERR_WRONG_PASSPHRASE;
        /* an encrypted PKCS#8 key: the padding check is the only sign of a wrong passphrase */
        if (op == OP_LOAD_KEY && ((lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT) ||
                                  (lib == ERR_LIB_PROV && reason == PROV_R_BAD_DECRYPT) ||
                                  (lib == ERR_LIB_PKCS12 && reason == PKCS12_R_PKCS12_CIPHERFINAL_ERROR)))
                return SG_ERR_WRONG_PASSPHRASE;
        if (reason == ERR_R_UNSUPPORTED ||
            (lib == ERR_LIB_EVP &&
             (reason == EVP_R_UNSUPPORTED_ALGORITHM || reason == EVP_R_UNSUPPORTED_CIPHER ||
              reason == EVP_R_UNKNOWN_CIPHER || reason == EVP_R_UNSUPPORTED_PRIVATE_KEY_ALGORITHM)))
                return SG_ERR_UNKNOWN_ALGORITHM;
        if (lib == ERR_LIB_CMS &&
            (reason == CMS_R_UNKNOWN_CIPHER || reason == CMS_R_UNKNOWN_DIGEST_ALGORITHM ||
             reason == CMS_R_UNSUPPORTED_KEK_ALGORITHM || reason == CMS_R_UNSUPPORTED_RECIPIENT_TYPE ||
             reason == CMS_R_UNSUPPORTED_TYPE || reason == CMS_R_UNSUPPORTED_CONTENT_TYPE ||
             reason == CMS_R_NOT_SUPPORTED_FOR_THIS_KEY_TYPE))
                return SG_ERR_UNKNOWN_ALGORITHM;
        if (lib == ERR_LIB_CMS &&
            (reason == CMS_R_NO_MATCHING_RECIPIENT || reason == CMS_R_DECRYPT_ERROR || reason == CMS_R_NO_PRIVATE_KEY))
                return SG_ERR_NO_PRIVATE_KEY;
        if (lib == ERR_LIB_CMS && (reason == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND || reason == CMS_R_NO_SIGNERS))
                return SG_ERR_NO_CERTIFICATE;
        if (lib == ERR_LIB_CMS && (reason == CMS_R_VERIFICATION_FAILURE || reason == CMS_R_CONTENT_VERIFY_ERROR ||
                                   reason == CMS_R_MESSAGEDIGEST_WRONG_LENGTH))
                return SG_ERR_VERIFY_FAILED;
        if (lib == ERR_LIB_ASN1 && (reason == ASN1_R_NOT_ENOUGH_DATA || reason == ASN1_R_HEADER_TOO_LONG ||
                                    reason == ASN1_R_TOO_LONG || reason == ASN1_R_MISSING_EOC))
                return op == OP_PARSE ? SG_ERR_TRUNCATED : 0;
        if (lib == ERR_LIB_CMS &&
            (reason == CMS_R_TYPE_NOT_ENVELOPED_DATA || reason == CMS_R_TYPE_NOT_DATA ||
             reason == CMS_R_CONTENT_TYPE_NOT_SIGNED_DATA || reason == CMS_R_CONTENT_TYPE_NOT_ENVELOPED_DATA))
                return SG_ERR_NOT_SMIME;
        if (op == OP_DECRYPT && ((lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT) ||
                                 (lib == ERR_LIB_CMS && reason == CMS_R_ERROR_SETTING_KEY)))
                return SG_ERR_DECRYPT_FAILED;
        return 0;
}

static const char *sentence(sg_err code) {
        switch (code) {
        case SG_ERR_WRONG_PASSPHRASE:
                return "the passphrase of the key file is wrong: check it (and its keyboard layout) and try again";
        case SG_ERR_NO_PRIVATE_KEY:
                return "this message was not encrypted for your key: ask the sender to encrypt it to your "
                       "current certificate";
        case SG_ERR_UNKNOWN_ALGORITHM:
                return "it uses an algorithm sealgate does not support: ask the sender to use AES and SHA-256";
        case SG_ERR_TRUNCATED:
                return "the data ends too early: it was cut off; save or download it again";
        case SG_ERR_NOT_SMIME:
                return "this is not the kind of S/MIME data the operation needs";
        case SG_ERR_VERIFY_FAILED:
                return "the signature does not match the content: it was changed after signing";
        case SG_ERR_NO_CERTIFICATE:
                return "the signer's certificate is not in the message: ask the sender for it";
        case SG_ERR_DECRYPT_FAILED:
                return "the encrypted content is damaged or was altered: ask the sender to send it again";
        default:
                return "the cryptographic operation failed";
        }
}

/* Drains the error queue into `err`: the first reason we know decides the
 * code, else `fallback`; OpenSSL's first reason is kept as the detail. */
static sg_err map_error(sg_error *err, enum op op, sg_err fallback, const char *what) {
        unsigned long e;
        sg_err code = 0;
        char detail[256] = "";
        while ((e = ERR_get_error()) != 0) {
                sg_err c = classify(e, op);
                /* a wrong passphrase also makes the decoders report "unsupported": it wins */
                if (c && (!code || c == SG_ERR_WRONG_PASSPHRASE))
                        code = c;
                if (!detail[0]) {
                        const char *r = ERR_reason_error_string(e);
                        snprintf(detail, sizeof detail, "%s", r ? r : "unknown reason");
                }
        }
        if (!code)
                code = fallback;
        /* `what` describes the fallback; a code we recognised has its own sentence */
        const char *s = code == fallback && what ? what : sentence(code);
        return sg_error_set(err, code, "%s (OpenSSL: %s)", s, detail[0] ? detail : "-");
}

/* ---- Providers: RC2 (legacy PKCS#12) lives in OpenSSL 3's legacy provider. */

static pthread_once_t providers_once = PTHREAD_ONCE_INIT;
static OSSL_PROVIDER *legacy_provider; /* kept for the life of the process */

/* Unloading lets the legacy provider free its child library context before
 * OpenSSL's own exit handler unmaps it (which would leak it). */
static void unload_providers(void) {
        if (legacy_provider)
                OSSL_PROVIDER_unload(legacy_provider);
        legacy_provider = NULL;
}

static void load_providers(void) {
        legacy_provider = OSSL_PROVIDER_try_load(NULL, "legacy", 1);
        if (legacy_provider)
                atexit(unload_providers);
        ERR_clear_error();
}

static void init(void) {
        pthread_once(&providers_once, load_providers);
        ERR_clear_error();
}

/* ---- BIOs over sg_source / sg_sink. */

typedef struct sgbio {
        sg_source *src;
        sg_sink *sink;
        size_t count, max;
        bool over_limit, io_error, eof;
} sgbio;

static int sgbio_read(BIO *b, char *buf, int len) {
        sgbio *s = BIO_get_data(b);
        BIO_clear_retry_flags(b);
        if (!s->src || len <= 0)
                return 0;
        ptrdiff_t r = s->src->read(s->src->ctx, buf, (size_t) len);
        if (r < 0) {
                s->io_error = true;
                return -1;
        }
        if (r == 0) {
                s->eof = true;
                return 0;
        }
        s->count += (size_t) r;
        if (s->max && s->count > s->max) {
                s->over_limit = true;
                return -1;
        }
        return (int) r;
}

static int sgbio_write(BIO *b, const char *buf, int len) {
        sgbio *s = BIO_get_data(b);
        BIO_clear_retry_flags(b);
        if (!s->sink || len < 0)
                return -1;
        if (s->sink->write(s->sink->ctx, buf, (size_t) len) < 0) {
                s->io_error = true;
                return -1;
        }
        s->count += (size_t) len;
        return len;
}

static long sgbio_ctrl(BIO *b, int cmd, long num, void *ptr) {
        sgbio *s = BIO_get_data(b);
        switch (cmd) {
        case BIO_CTRL_FLUSH:
                return 1;
        case BIO_CTRL_EOF:
                return s->eof;
        default:
                return 0;
        }
}

static int sgbio_create(BIO *b) {
        BIO_set_init(b, 1);
        return 1;
}

static BIO_METHOD *sgbio_method;
static pthread_once_t sgbio_once = PTHREAD_ONCE_INIT;

static void sgbio_init(void) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sealgate stream");
        if (m && BIO_meth_set_read(m, sgbio_read) && BIO_meth_set_write(m, sgbio_write) &&
            BIO_meth_set_ctrl(m, sgbio_ctrl) && BIO_meth_set_create(m, sgbio_create))
                sgbio_method = m;
        else
                BIO_meth_free(m);
}

/* A BIO over `s` (borrowed, must outlive it). */
static BIO *sgbio_new(sgbio *s) {
        pthread_once(&sgbio_once, sgbio_init);
        if (!sgbio_method)
                return NULL;
        BIO *b = BIO_new(sgbio_method);
        if (b)
                BIO_set_data(b, s);
        return b;
}

/* The same behind a 64 KiB buffer (OpenSSL moves data in 1 KiB to 4 KiB
 * pieces; one system call each would dominate). Free with BIO_free_all();
 * flush an output before. */
static BIO *sgbio_new_buffered(sgbio *s) {
        BIO *b = sgbio_new(s), *buf = b ? BIO_new(BIO_f_buffer()) : NULL;
        if (!buf || BIO_set_buffer_size(buf, CHUNK) <= 0) {
                BIO_free(buf);
                BIO_free(b);
                return NULL;
        }
        return BIO_push(buf, b);
}

/* ---- Files. */

/* Reads a whole small file into a memory BIO (at most SG_SMIME_KEYFILE_MAX). */
static sg_err read_small_file(const char *path, BIO **ret, sg_error *err) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        char *buf = malloc(SG_SMIME_KEYFILE_MAX + 1);
        if (!buf) {
                fclose(f);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
        }
        size_t n = fread(buf, 1, SG_SMIME_KEYFILE_MAX + 1, f);
        bool bad = ferror(f);
        fclose(f);
        sg_err r = SG_OK;
        if (bad)
                r = sg_error_set(err, SG_ERR_IO, "cannot read %s", path);
        else if (n > SG_SMIME_KEYFILE_MAX)
                r = sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %d bytes: not a key or certificate file", path,
                                 SG_SMIME_KEYFILE_MAX);
        BIO *b = r == SG_OK ? BIO_new(BIO_s_mem()) : NULL;
        if (r == SG_OK && (!b || BIO_write(b, buf, (int) n) != (int) n))
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
        OPENSSL_cleanse(buf, n);
        free(buf);
        if (r != SG_OK) {
                BIO_free(b);
                return r;
        }
        *ret = b;
        return SG_OK;
}

static bool is_pem(BIO *b) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        return n > 0 && memmem(p, (size_t) n, "-----BEGIN ", 11) != NULL;
}

/* Every certificate in a PEM or DER file. */
static sg_err load_certs(const char *path, STACK_OF(X509) * *ret, sg_error *err) {
        BIO *b = NULL;
        sg_err r = read_small_file(path, &b, err);
        if (r != SG_OK)
                return r;
        STACK_OF(X509) *certs = sk_X509_new_null();
        if (!certs) {
                BIO_free(b);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        if (is_pem(b)) {
                X509 *x;
                while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
                        sk_X509_push(certs, x);
        } else {
                X509 *x = d2i_X509_bio(b, NULL);
                if (x)
                        sk_X509_push(certs, x);
        }
        BIO_free(b);
        ERR_clear_error();
        if (sk_X509_num(certs) == 0) {
                sk_X509_free(certs);
                return sg_error_set(err, SG_ERR_NO_CERTIFICATE,
                                    "no certificate in %s: give a PEM or DER certificate file", path);
        }
        *ret = certs;
        return SG_OK;
}

typedef struct identity {
        EVP_PKEY *pkey;
        X509 *cert;
        STACK_OF(X509) * chain;
} identity;

static void identity_clear(identity *id) {
        EVP_PKEY_free(id->pkey);
        X509_free(id->cert);
        sk_X509_pop_free(id->chain, X509_free);
        memset(id, 0, sizeof *id);
}

static int pem_pass_cb(char *buf, int size, int rwflag, void *u) {
        const char *p = u ? u : "";
        size_t n = strlen(p);
        if (n > (size_t) size)
                return -1;
        memcpy(buf, p, n);
        return (int) n;
}

/* Key, its certificate and the other certificates from a PKCS#12 or PEM file. */
static sg_err load_identity(const sg_smime_key *key, identity *id, sg_error *err) {
        memset(id, 0, sizeof *id);
        if (!key || !key->path)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no key file given");
        BIO *b = NULL;
        sg_err r = read_small_file(key->path, &b, err);
        if (r != SG_OK)
                return r;
        STACK_OF(X509) *all = NULL;
        if (is_pem(b)) {
                BIO_set_flags(b, BIO_FLAGS_NONCLEAR_RST); /* BIO_reset() below rewinds, not empties */
                id->pkey = PEM_read_bio_PrivateKey(b, NULL, pem_pass_cb, (void *) key->passphrase);
                if (!id->pkey) {
                        BIO_free(b);
                        r = map_error(err, OP_LOAD_KEY, SG_ERR_NO_PRIVATE_KEY, NULL);
                        if (r == SG_ERR_NO_PRIVATE_KEY)
                                sg_error_set(err, r, "no private key in %s: give a PKCS#12 file or a PEM key",
                                             key->path);
                        else
                                sg_error_prefix(err, "%s", key->path);
                        return r;
                }
                (void) BIO_reset(b);
                all = sk_X509_new_null();
                X509 *x;
                while (all && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
                        sk_X509_push(all, x);
                ERR_clear_error();
        } else {
                PKCS12 *p12 = d2i_PKCS12_bio(b, NULL);
                if (!p12) {
                        BIO_free(b);
                        ERR_clear_error();
                        return sg_error_set(err, SG_ERR_NO_PRIVATE_KEY,
                                            "%s is neither a PKCS#12 file nor a PEM key: give your .p12/.pfx file",
                                            key->path);
                }
                X509 *cert = NULL;
                if (!PKCS12_parse(p12, key->passphrase, &id->pkey, &cert, &all)) {
                        PKCS12_free(p12);
                        BIO_free(b);
                        r = map_error(err, OP_LOAD_KEY, SG_ERR_NO_PRIVATE_KEY, NULL);
                        sg_error_prefix(err, "%s", key->path);
                        return r;
                }
                PKCS12_free(p12);
                if (cert) {
                        if (!all)
                                all = sk_X509_new_null();
                        if (!all || !sk_X509_insert(all, cert, 0))
                                X509_free(cert);
                }
        }
        BIO_free(b);
        if (key->cert_path) {
                sk_X509_pop_free(all, X509_free);
                all = NULL;
                r = load_certs(key->cert_path, &all, err);
                if (r != SG_OK) {
                        identity_clear(id);
                        return r;
                }
        }
        if (!id->pkey) {
                sk_X509_pop_free(all, X509_free);
                return sg_error_set(err, SG_ERR_NO_PRIVATE_KEY, "no private key in %s", key->path);
        }
        /* the certificate is the one that matches the key; the others are the chain */
        for (int i = 0; all && i < sk_X509_num(all); i++) {
                X509 *x = sk_X509_value(all, i);
                if (!id->cert && X509_check_private_key(x, id->pkey) == 1) {
                        id->cert = x;
                        (void) sk_X509_delete(all, i);
                        break;
                }
        }
        ERR_clear_error();
        id->chain = all;
        if (!id->cert) {
                identity_clear(id);
                return sg_error_set(err, SG_ERR_NO_CERTIFICATE,
                                    "no certificate for the private key in %s: give the certificate too (--cert)",
                                    key->path);
        }
        return SG_OK;
}

/* ---- Certificate facts. */

static int64_t asn1_time_to_epoch(const ASN1_TIME *t) {
        struct tm tm;
        if (!t || !ASN1_TIME_to_tm(t, &tm))
                return 0;
        return (int64_t) timegm(&tm);
}

static char *name_string(const X509_NAME *n) {
        BIO *b = BIO_new(BIO_s_mem());
        if (!b)
                return NULL;
        X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        char *p;
        long len = BIO_get_mem_data(b, &p);
        char *r = malloc((size_t) len + 1);
        if (r) {
                memcpy(r, p, (size_t) len);
                r[len] = '\0';
        }
        BIO_free(b);
        return r;
}

static char *cert_label(X509 *x) {
        char *s = name_string(X509_get_subject_name(x));
        return s ? s : strdup("(unnamed certificate)");
}

static void format_time(int64_t t, char *buf, size_t n) {
        time_t tt = (time_t) t;
        struct tm tm;
        if (gmtime_r(&tt, &tm))
                strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
        else
                snprintf(buf, n, "?");
}

/* cert_expired if `x` is not valid now. */
static sg_err check_time(X509 *x, const char *role, sg_error *err) {
        int64_t nb = asn1_time_to_epoch(X509_get0_notBefore(x)), na = asn1_time_to_epoch(X509_get0_notAfter(x));
        bool early = X509_cmp_current_time(X509_get0_notBefore(x)) >= 0;
        bool late = X509_cmp_current_time(X509_get0_notAfter(x)) <= 0;
        if (!early && !late)
                return SG_OK;
        char when[64], *label = cert_label(x);
        format_time(early ? nb : na, when, sizeof when);
        sg_err r = sg_error_set(err, SG_ERR_CERT_EXPIRED,
                                early ? "the %s certificate %s is not valid before %s: check the computer's clock"
                                      : "the %s certificate %s expired on %s: get a renewed certificate",
                                role, label ? label : "?", when);
        free(label);
        return r;
}

/* ---- encrypt */

static const EVP_CIPHER *cipher_of(sg_smime_cipher c) {
        switch (c) {
        case SG_SMIME_AES256_CBC:
                return EVP_aes_256_cbc();
        case SG_SMIME_AES256_GCM:
                return EVP_aes_256_gcm();
        case SG_SMIME_AES128_CBC:
                return EVP_aes_128_cbc();
        }
        return NULL;
}

/* A source that gives one byte read ahead before the rest of `in`: encrypt
 * peeks to learn whether the input is empty. */
typedef struct peeked {
        sg_source *in;
        unsigned char first;
        bool pending;
} peeked;

static ptrdiff_t peeked_read(void *ctx, void *buf, size_t n) {
        peeked *p = ctx;
        if (n == 0)
                return 0;
        if (p->pending) {
                p->pending = false;
                *(unsigned char *) buf = p->first;
                return 1;
        }
        return p->in->read(p->in->ctx, buf, n);
}

static sg_err ossl_encrypt(const char *const *recipients, size_t n_recipients, sg_smime_cipher cipher, sg_source *in,
                           sg_sink *out, sg_error *err) {
        init();
        const EVP_CIPHER *ciph = cipher_of(cipher);
        if (!ciph)
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM, "unknown cipher %d", (int) cipher);
        if (n_recipients == 0)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no recipient certificate given");
        if (n_recipients > SG_SMIME_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d recipients", SG_SMIME_RECIPIENTS_MAX);
        sg_err r = SG_OK;
        STACK_OF(X509) *recips = sk_X509_new_null();
        if (!recips)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n_recipients && r == SG_OK; i++) {
                STACK_OF(X509) *certs = NULL;
                r = load_certs(recipients[i], &certs, err);
                if (r != SG_OK)
                        break;
                X509 *x = sk_X509_shift(certs);
                sk_X509_pop_free(certs, X509_free);
                sk_X509_push(recips, x);
                r = check_time(x, "recipient's", err);
                if (r == SG_OK && X509_check_purpose(x, X509_PURPOSE_SMIME_ENCRYPT, 0) != 1) {
                        char *label = cert_label(x);
                        r = sg_error_set(err, SG_ERR_CERT_UNUSABLE,
                                         "the certificate %s (%s) does not allow email encryption (key usage or "
                                         "extended key usage): ask the recipient for an S/MIME certificate",
                                         label ? label : "?", recipients[i]);
                        free(label);
                }
        }
        ERR_clear_error();
        /* OpenSSL 3.0 cannot stream AuthEnvelopedData over empty content
         * (i2d_CMS_bio_stream fails; so does openssl cms -stream): learn
         * whether the input is empty and encrypt an empty one in one go. */
        peeked pk = {.in = in};
        sg_source pks = {.read = peeked_read, .ctx = &pk};
        bool empty = false;
        if (r == SG_OK) {
                ptrdiff_t k = in->read(in->ctx, &pk.first, 1);
                if (k < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                pk.pending = k == 1;
                empty = k == 0;
        }
        CMS_ContentInfo *cms = NULL;
        sgbio in_s = {.src = &pks}, out_s = {.sink = out};
        BIO *inb = NULL, *outb = NULL;
        if (r == SG_OK && empty) {
                BIO *none = BIO_new_mem_buf("", 0);
                outb = sgbio_new_buffered(&out_s);
                cms = none && outb ? CMS_encrypt(recips, none, ciph, CMS_BINARY) : NULL;
                if (!none || !outb)
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                else if (!cms || !i2d_CMS_bio(outb, cms))
                        r = out_s.io_error ? sg_error_set(err, SG_ERR_IO, "cannot write the output")
                                           : map_error(err, OP_ENCRYPT, SG_ERR_INTERNAL, "encryption failed");
                BIO_free(none);
        }
        if (r == SG_OK && !empty) {
                cms = CMS_encrypt(recips, NULL, ciph, CMS_BINARY | CMS_STREAM);
                if (!cms)
                        r = map_error(err, OP_ENCRYPT, SG_ERR_INTERNAL, "cannot prepare the encryption");
        }
        if (r == SG_OK && !empty) {
                inb = sgbio_new_buffered(&in_s);
                outb = sgbio_new_buffered(&out_s);
                if (!inb || !outb)
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        if (r == SG_OK && !empty && !i2d_CMS_bio_stream(outb, cms, inb, CMS_BINARY | CMS_STREAM)) {
                if (in_s.io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                else if (out_s.io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                else
                        r = map_error(err, OP_ENCRYPT, SG_ERR_INTERNAL, "encryption failed");
        }
        if (r == SG_OK && BIO_flush(outb) <= 0)
                out_s.io_error = true;
        if (r == SG_OK && (in_s.io_error || out_s.io_error))
                r = sg_error_set(err, SG_ERR_IO, in_s.io_error ? "cannot read the input" : "cannot write the output");
        ERR_clear_error();
        BIO_free_all(inb);
        BIO_free_all(outb);
        CMS_ContentInfo_free(cms);
        sk_X509_pop_free(recips, X509_free);
        return r;
}

/* ---- decrypt */

/* Whether `cms` has a recipient info for `cert` (key transport or agreement). */
static bool has_recipient(CMS_ContentInfo *cms, X509 *cert) {
        STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
        for (int i = 0; ris && i < sk_CMS_RecipientInfo_num(ris); i++) {
                CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
                int type = CMS_RecipientInfo_type(ri);
                if (type == CMS_RECIPINFO_TRANS && CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0)
                        return true;
                if (type == CMS_RECIPINFO_AGREE) {
                        STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
                        for (int j = 0; reks && j < sk_CMS_RecipientEncryptedKey_num(reks); j++)
                                if (CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, j),
                                                                       cert) == 0)
                                        return true;
                }
        }
        ERR_clear_error();
        return false;
}

static sg_err not_for_us(identity *id, sg_error *err) {
        char *label = cert_label(id->cert);
        sg_err r = sg_error_set(err, SG_ERR_NO_PRIVATE_KEY,
                                "this message was not encrypted for your certificate %s: ask the sender to encrypt it "
                                "to your current certificate",
                                label ? label : "?");
        free(label);
        return r;
}

/* OpenSSL's CMS_ContentInfo for the message's header without its content
 * (sg_cms_stream_skeleton; `mac`: AuthEnvelopedData's mac in its place). */
static sg_err parse_skeleton(sg_cms_stream *cs, const unsigned char *mac, size_t mac_len, CMS_ContentInfo **ret,
                             sg_error *err) {
        unsigned char *der = NULL;
        size_t len = 0;
        sg_err r = sg_cms_stream_skeleton(cs, mac, mac_len, &der, &len, err);
        if (r != SG_OK)
                return r;
        const unsigned char *p = der;
        *ret = d2i_CMS_ContentInfo(NULL, &p, (long) len);
        free(der);
        if (!*ret)
                return map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                                 "the input is not S/MIME (CMS) data: give an S/MIME encrypted message");
        return SG_OK;
}

/* EnvelopedData, streaming: OpenSSL parses the header (as DER, without the
 * content) and decrypts the content as "detached content" read from `cs`. */
static sg_err decrypt_streaming(identity *id, sg_cms_stream *cs, BIO *outb, sgbio *out_s, sg_error *err) {
        sg_err r = sg_cms_stream_header(cs, err);
        CMS_ContentInfo *cms = NULL;
        if (r == SG_OK)
                r = parse_skeleton(cs, NULL, 0, &cms, err);
        if (r != SG_OK)
                return r;
        sg_source content = sg_cms_stream_content(cs);
        sgbio c_s = {.src = &content};
        BIO *cb = sgbio_new(&c_s);
        if (!cb)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else if (!has_recipient(cms, id->cert))
                r = not_for_us(id, err);
        else if (!CMS_decrypt(cms, id->pkey, id->cert, cb, outb, CMS_BINARY)) {
                if (out_s->io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                else if (c_s.io_error) /* the content ended early or is malformed */
                        r = sg_cms_stream_finish(cs, err);
                if (r == SG_OK)
                        r = map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
        }
        if (r == SG_OK)
                r = sg_cms_stream_finish(cs, err);
        ERR_clear_error();
        BIO_free(cb);
        CMS_ContentInfo_free(cms);
        return r;
}

/* The tag length of AES-GCM from its GCMParameters (RFC 5084: SEQUENCE {
 * nonce OCTET STRING, ICVlen INTEGER DEFAULT 12 }, ICVlen 12 to 16). */
static sg_err gcm_icv_len(const unsigned char *alg_der, size_t alg_len, int *ret, sg_error *err) {
        const unsigned char *p = alg_der;
        X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, (long) alg_len);
        const ASN1_OBJECT *obj = NULL;
        int ptype = V_ASN1_UNDEF;
        const void *pval = NULL;
        if (alg)
                X509_ALGOR_get0(&obj, &ptype, &pval, alg);
        int nid = obj ? OBJ_obj2nid(obj) : NID_undef;
        sg_err r = SG_OK;
        long icv = 12;
        if (!alg) {
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message's algorithm cannot be read");
        } else if (nid != NID_aes_128_gcm && nid != NID_aes_192_gcm && nid != NID_aes_256_gcm) {
                char name[80];
                OBJ_obj2txt(name, sizeof name, obj, 0);
                r = sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                 "the message is authenticated-encrypted with %s, which sealgate does not support: "
                                 "ask the sender to use AES-GCM or AES-CBC",
                                 name);
        } else if (ptype != V_ASN1_SEQUENCE) {
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the AES-GCM parameters are missing");
        } else {
                const ASN1_STRING *seq = pval;
                const unsigned char *q = ASN1_STRING_get0_data(seq);
                STACK_OF(ASN1_TYPE) *params = d2i_ASN1_SEQUENCE_ANY(NULL, &q, ASN1_STRING_length(seq));
                int n = params ? sk_ASN1_TYPE_num(params) : 0;
                if (n < 1 || n > 2 || ASN1_TYPE_get(sk_ASN1_TYPE_value(params, 0)) != V_ASN1_OCTET_STRING ||
                    (n == 2 && ASN1_TYPE_get(sk_ASN1_TYPE_value(params, 1)) != V_ASN1_INTEGER))
                        r = sg_error_set(err, SG_ERR_NOT_SMIME, "the AES-GCM parameters are malformed");
                else if (n == 2)
                        icv = ASN1_INTEGER_get(sk_ASN1_TYPE_value(params, 1)->value.integer);
                if (r == SG_OK && (icv < 12 || icv > 16))
                        r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                         "the AES-GCM tag length is %ld bytes, not 12 to 16 (RFC 5084)", icv);
                sk_ASN1_TYPE_pop_free(params, ASN1_TYPE_free);
        }
        X509_ALGOR_free(alg);
        ERR_clear_error();
        if (r == SG_OK)
                *ret = (int) icv;
        return r;
}

/* The mac from the elements after the content (`trailer`: authAttrs [1]
 * if any, then the mac OCTET STRING), borrowed from `trailer`. */
static sg_err gcm_mac(const unsigned char *trailer, size_t len, int icv, const unsigned char **ret, sg_error *err) {
        const unsigned char *p = trailer, *end = trailer + len;
        while (p < end) {
                const unsigned char *q = p;
                long n = 0;
                int tag = 0, cls = 0;
                int f = ASN1_get_object(&q, &n, &tag, &cls, (long) (end - p));
                ERR_clear_error();
                if (f & 0x80)
                        return sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message's tag cannot be read");
                if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 1)
                        /* they would be additional authenticated data, which is input before the content */
                        return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                            "the message has authenticated attributes (RFC 5083 authAttrs), which "
                                            "sealgate does not support: ask the sender to encrypt without them");
                if (cls == V_ASN1_UNIVERSAL && tag == V_ASN1_OCTET_STRING && !(f & V_ASN1_CONSTRUCTED)) {
                        if (n != icv)
                                return sg_error_set(err, SG_ERR_DECRYPT_FAILED,
                                                    "the authentication tag is %ld bytes, not the %d its parameters "
                                                    "say: the message is damaged or was altered; ask the sender to "
                                                    "send it again",
                                                    n, icv);
                        *ret = q;
                        return SG_OK;
                }
                if (f & 1) /* an indefinite length: not DER, cannot be skipped here */
                        return sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message's tag cannot be read");
                p = q + n;
        }
        return sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message has no authentication tag");
}

/* AuthEnvelopedData with AES-GCM, one pass. OpenSSL decrypts the recipient
 * info and sets up the cipher with the content-encryption key (as "detached
 * content", from a header whose mac is a placeholder); the content then goes
 * through that cipher context chunk by chunk, so memory stays a few buffers.
 * The mac follows the content: it is set just before the final check, and
 * the plaintext written before it is valid only if this returns SG_OK (see
 * smime.h). OpenSSL's own CMS_decrypt would hold the whole plaintext in a
 * memory BIO until the tag is checked. */
static sg_err decrypt_gcm(identity *id, sg_cms_stream *cs, BIO *outb, sg_error *err) {
        unsigned char placeholder[2 + 16] = {V_ASN1_OCTET_STRING};
        const unsigned char *alg_der = NULL, *mac = NULL;
        size_t alg_len = 0, trailer_len = 0;
        unsigned char *trailer = NULL, *in = NULL, *plain = NULL;
        int icv = 0;
        sg_err r = sg_cms_stream_header(cs, err);
        if (r == SG_OK) {
                sg_cms_stream_content_alg(cs, &alg_der, &alg_len);
                r = gcm_icv_len(alg_der, alg_len, &icv, err);
        }
        CMS_ContentInfo *cms = NULL;
        if (r == SG_OK) {
                placeholder[1] = (unsigned char) icv;
                r = parse_skeleton(cs, placeholder, 2 + (size_t) icv, &cms, err);
        }
        if (r != SG_OK)
                return r;
        BIO *chain = NULL, *null = BIO_new(BIO_s_null());
        EVP_CIPHER_CTX *ctx = NULL;
        if (!null || !(in = malloc(CHUNK)) || !(plain = malloc(CHUNK + EVP_MAX_BLOCK_LENGTH)))
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else if (!has_recipient(cms, id->cert))
                r = not_for_us(id, err);
        else if (!CMS_decrypt_set1_pkey(cms, id->pkey, id->cert) || !(chain = CMS_dataInit(cms, null)))
                r = map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
        else
                null = NULL; /* in the chain now */
        if (r == SG_OK && (BIO_method_type(chain) != BIO_TYPE_CIPHER || BIO_get_cipher_ctx(chain, &ctx) <= 0 || !ctx))
                r = sg_error_set(err, SG_ERR_INTERNAL, "OpenSSL did not set up the AES-GCM decryption");
        sg_source content = sg_cms_stream_content(cs);
        while (r == SG_OK) {
                ptrdiff_t n = content.read(content.ctx, in, CHUNK);
                int outl = 0;
                if (n < 0 && (r = sg_cms_stream_finish(cs, err)) == SG_OK) /* the failure the content met */
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                if (n <= 0)
                        break;
                if (!EVP_DecryptUpdate(ctx, plain, &outl, in, (int) n))
                        r = map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
                else if (outl > 0 && BIO_write(outb, plain, outl) != outl)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        if (r == SG_OK)
                r = sg_cms_stream_skip_to_trailer(cs, err);
        if (r == SG_OK)
                r = sg_cms_stream_take_trailer(cs, &trailer, &trailer_len, err);
        if (r == SG_OK)
                r = sg_cms_stream_finish(cs, err);
        if (r == SG_OK)
                r = gcm_mac(trailer, trailer_len, icv, &mac, err);
        if (r == SG_OK) {
                int outl = 0;
                if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, icv, (void *) mac) <= 0)
                        r = map_error(err, OP_DECRYPT, SG_ERR_INTERNAL, "cannot check the authentication tag");
                else if (EVP_DecryptFinal_ex(ctx, plain, &outl) <= 0)
                        r = sg_error_set(err, SG_ERR_DECRYPT_FAILED,
                                         "the authentication tag does not match: the encrypted content is damaged "
                                         "or was altered, discard what was decrypted; ask the sender to send it "
                                         "again");
                else if (outl > 0 && BIO_write(outb, plain, outl) != outl)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        ERR_clear_error();
        free(trailer);
        free(in);
        if (plain)
                OPENSSL_cleanse(plain, CHUNK + EVP_MAX_BLOCK_LENGTH);
        free(plain);
        BIO_free_all(chain);
        BIO_free(null);
        CMS_ContentInfo_free(cms);
        return r;
}

/* What is neither (Auth)EnvelopedData nor SignedData: OpenSSL reads the
 * whole structure, at most `max` bytes, and says what it is. */
static sg_err decrypt_in_memory(identity *id, sg_source *in, size_t max, BIO *outb, sgbio *out_s, sg_error *err) {
        sgbio in_s = {.src = in, .max = max};
        BIO *inb = sgbio_new(&in_s);
        if (!inb)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_err r = SG_OK;
        CMS_ContentInfo *cms = d2i_CMS_bio(inb, NULL);
        if (in_s.over_limit)
                r = sg_error_set(err, SG_ERR_LIMIT, "the encrypted data is larger than %zu bytes", in_s.max);
        else if (in_s.io_error)
                r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
        else if (!cms)
                r = map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                              "the input is not S/MIME (CMS) data: give an S/MIME encrypted message");
        if (r == SG_OK) {
                int nid = OBJ_obj2nid(CMS_get0_type(cms));
                if (nid != NID_pkcs7_enveloped && nid != NID_id_smime_ct_authEnvelopedData)
                        r = sg_error_set(err, SG_ERR_NOT_SMIME, "the data is CMS of type %s, not an encrypted message",
                                         OBJ_nid2sn(nid));
        }
        if (r == SG_OK && !has_recipient(cms, id->cert))
                r = not_for_us(id, err);
        if (r == SG_OK && !CMS_decrypt(cms, id->pkey, id->cert, NULL, outb, CMS_BINARY))
                r = out_s->io_error ? sg_error_set(err, SG_ERR_IO, "cannot write the output")
                                    : map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
        ERR_clear_error();
        BIO_free(inb);
        CMS_ContentInfo_free(cms);
        return r;
}

static sg_err ossl_decrypt(const sg_smime_key *key, size_t max_input, sg_source *in, sg_sink *out, sg_error *err) {
        init();
        identity id;
        sg_err r = load_identity(key, &id, err);
        if (r != SG_OK)
                return r;
        size_t max = max_input ? max_input : SG_SMIME_DECRYPT_MAX;
        sg_cms_stream *cs = NULL;
        sgbio out_s = {.sink = out};
        BIO *outb = sgbio_new_buffered(&out_s);
        if (!outb)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (r == SG_OK)
                r = sg_cms_stream_open(in, max, &cs, err);
        if (r == SG_OK) {
                switch (sg_cms_stream_type(cs)) {
                case SG_CMS_ENVELOPED:
                        r = decrypt_streaming(&id, cs, outb, &out_s, err);
                        break;
                case SG_CMS_AUTH_ENVELOPED:
                        r = decrypt_gcm(&id, cs, outb, err);
                        break;
                case SG_CMS_SIGNED:
                        r = sg_error_set(err, SG_ERR_NOT_SMIME, "the message is signed, not encrypted: verify it");
                        break;
                default: {
                        sg_source replay = sg_cms_stream_replay(cs);
                        r = decrypt_in_memory(&id, &replay, max, outb, &out_s, err);
                        break;
                }
                }
        }
        if (outb && BIO_flush(outb) <= 0 && r == SG_OK)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        sg_cms_stream_free(cs);
        BIO_free_all(outb);
        identity_clear(&id);
        return r;
}

/* ---- sign */

static const EVP_MD *digest_of(sg_smime_digest d) {
        switch (d) {
        case SG_SMIME_SHA256:
                return EVP_sha256();
        case SG_SMIME_SHA384:
                return EVP_sha384();
        case SG_SMIME_SHA512:
                return EVP_sha512();
        }
        return NULL;
}

static sg_err ossl_sign(const sg_smime_key *key, sg_smime_digest digest, sg_source *in, sg_sink *content_out,
                        sg_sink *sig_out, sg_error *err) {
        init();
        const EVP_MD *md = digest_of(digest);
        if (!md)
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM, "unknown digest %d", (int) digest);
        identity id;
        sg_err r = load_identity(key, &id, err);
        if (r != SG_OK)
                return r;
        r = check_time(id.cert, "signing", err);
        if (r == SG_OK && X509_check_purpose(id.cert, X509_PURPOSE_SMIME_SIGN, 0) != 1) {
                char *label = cert_label(id.cert);
                r = sg_error_set(err, SG_ERR_CERT_UNUSABLE,
                                 "the certificate %s does not allow email signing (key usage or extended key "
                                 "usage): use an S/MIME certificate",
                                 label ? label : "?");
                free(label);
        }
        ERR_clear_error();
        CMS_ContentInfo *cms = NULL;
        BIO *data = NULL;
        unsigned char *buf = NULL;
        if (r == SG_OK) {
                cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
                if (!cms || !CMS_add1_signer(cms, id.cert, id.pkey, md, CMS_BINARY))
                        r = map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot prepare the signature");
        }
        /* the chain (not the root) so verifiers can build the path */
        for (int i = 0; r == SG_OK && id.chain && i < sk_X509_num(id.chain); i++) {
                X509 *x = sk_X509_value(id.chain, i);
                if (X509_check_issued(x, x) == X509_V_OK)
                        continue;
                if (!CMS_add1_cert(cms, x))
                        r = map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot add a certificate");
        }
        if (r == SG_OK && !(data = CMS_dataInit(cms, NULL)))
                r = map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot start the signature");
        if (r == SG_OK && !(buf = malloc(CHUNK)))
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        while (r == SG_OK) {
                ptrdiff_t n = in->read(in->ctx, buf, CHUNK);
                if (n < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                if (n <= 0)
                        break;
                if (content_out && content_out->write(content_out->ctx, buf, (size_t) n) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                else if (BIO_write(data, buf, (int) n) != (int) n)
                        r = map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot digest the content");
        }
        free(buf);
        if (r == SG_OK && (BIO_flush(data) <= 0 || !CMS_dataFinal(cms, data)))
                r = map_error(err, OP_SIGN, SG_ERR_INTERNAL, "signing failed");
        if (r == SG_OK) {
                sgbio out_s = {.sink = sig_out};
                BIO *outb = sgbio_new(&out_s);
                if (!outb || !i2d_CMS_bio(outb, cms))
                        r = out_s.io_error ? sg_error_set(err, SG_ERR_IO, "cannot write the output")
                                           : map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot write the signature");
                BIO_free(outb);
        }
        ERR_clear_error();
        BIO_free_all(data);
        CMS_ContentInfo_free(cms);
        identity_clear(&id);
        return r;
}

/* ---- verify */

static sg_err load_trust(const sg_smime_trust *trust, X509_STORE **ret, sg_error *err) {
        X509_STORE *st = X509_STORE_new();
        if (!st)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (trust && trust->ca_file && !X509_STORE_load_file(st, trust->ca_file)) {
                X509_STORE_free(st);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_IO, "cannot read trust anchors from %s: give a PEM file",
                                    trust->ca_file);
        }
        if (trust && trust->ca_dir && !X509_STORE_load_path(st, trust->ca_dir)) {
                X509_STORE_free(st);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_IO, "cannot use %s as a certificate directory", trust->ca_dir);
        }
        if (trust && trust->system && !X509_STORE_set_default_paths(st)) {
                X509_STORE_free(st);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_IO, "cannot load the system's trust store");
        }
        *ret = st;
        return SG_OK;
}

/* Fills the certificate facts and the separate checks of one signer. */
static sg_err check_signer(CMS_ContentInfo *cms, CMS_SignerInfo *si, X509_STORE *store, const char *from, bool sig_ok,
                           sg_smime_signer *s) {
        X509 *x = NULL;
        X509_ALGOR *dig = NULL;
        CMS_SignerInfo_get0_algs(si, NULL, &x, &dig, NULL);
        s->signature_valid = sig_ok;
        if (dig) {
                const ASN1_OBJECT *obj;
                X509_ALGOR_get0(&obj, NULL, NULL, dig);
                const char *sn = OBJ_nid2sn(OBJ_obj2nid(obj));
                s->digest = strdup(sn ? sn : "unknown");
                for (char *p = s->digest; p && *p; p++)
                        *p = (char) tolower((unsigned char) *p);
        }
        int ti = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
        if (ti >= 0) {
                ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, ti), 0);
                if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME)) {
                        s->has_signing_time = true;
                        s->signing_time = asn1_time_to_epoch(t->value.utctime);
                }
        }
        if (!x) {
                s->chain_error = strdup("the signer's certificate is not in the message");
                s->usage_error = strdup("no certificate");
                return SG_OK;
        }
        s->subject = name_string(X509_get_subject_name(x));
        s->issuer = name_string(X509_get_issuer_name(x));
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL;
        s->serial = strdup(hex ? hex : "");
        OPENSSL_free(hex);
        BN_free(bn);
        STACK_OF(OPENSSL_STRING) *emails = X509_get1_email(x);
        int ne = emails ? sk_OPENSSL_STRING_num(emails) : 0;
        s->emails = calloc((size_t) ne + 1, sizeof *s->emails);
        for (int i = 0; s->emails && i < ne; i++)
                if ((s->emails[s->n_emails] = strdup(sk_OPENSSL_STRING_value(emails, i))))
                        s->n_emails++;
        X509_email_free(emails);
        s->not_before = asn1_time_to_epoch(X509_get0_notBefore(x));
        s->not_after = asn1_time_to_epoch(X509_get0_notAfter(x));
        s->cert_time_valid =
                X509_cmp_current_time(X509_get0_notBefore(x)) < 0 && X509_cmp_current_time(X509_get0_notAfter(x)) > 0;

        /* the path only: validity times and usage are reported on their own */
        STACK_OF(X509) *untrusted = CMS_get1_certs(cms);
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        if (ctx && X509_STORE_CTX_init(ctx, store, x, untrusted)) {
                X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
                if (X509_verify_cert(ctx) == 1)
                        s->chain_trusted = true;
                else
                        s->chain_error = strdup(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        } else {
                s->chain_error = strdup("cannot check the chain");
        }
        X509_STORE_CTX_free(ctx);
        sk_X509_pop_free(untrusted, X509_free);

        if (X509_check_purpose(x, X509_PURPOSE_SMIME_SIGN, 0) == 1) {
                s->usage_ok = true;
        } else {
                uint32_t xku = X509_get_extended_key_usage(x), ku = X509_get_key_usage(x);
                if (!(xku & XKU_SMIME))
                        s->usage_error = strdup("the extended key usage does not include email protection");
                else if (!(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
                        s->usage_error = strdup("the key usage does not allow digital signatures");
                else
                        s->usage_error = strdup("the certificate is not fit for email signing");
        }
        if (from && *from) {
                s->email_checked = true;
                for (size_t i = 0; i < s->n_emails; i++)
                        if (strcasecmp(s->emails[i], from) == 0)
                                s->email_matches = true;
        }
        ERR_clear_error();
        return SG_OK;
}

/* The checks of verify and verify_opaque: the signature over the content
 * (`dcont`, or the content inside when NULL, copied to `out`), then each
 * signer's certificate facts. */
static sg_err verify_cms(CMS_ContentInfo *cms, const sg_smime_trust *trust, BIO *dcont, const sgbio *dcont_s, BIO *out,
                         const char *from, sg_smime_verify_result **ret_result, sg_error *err) {
        X509_STORE *store = NULL;
        sg_err r = load_trust(trust, &store, err);
        bool sig_ok = false;
        if (r == SG_OK) {
                sig_ok = CMS_verify(cms, NULL, store, dcont, out, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
                if (dcont_s && dcont_s->io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the signed content");
                else if (!sig_ok) {
                        sg_error e = {0};
                        sg_err m = map_error(&e, OP_VERIFY, SG_ERR_VERIFY_FAILED, NULL);
                        if (m != SG_ERR_VERIFY_FAILED) /* not a bad signature: we could not check */
                                r = sg_error_set(err, m, "%s", e.message);
                }
        }
        sg_smime_verify_result *res = NULL;
        STACK_OF(CMS_SignerInfo) *sis = r == SG_OK ? CMS_get0_SignerInfos(cms) : NULL;
        if (r == SG_OK && (!sis || sk_CMS_SignerInfo_num(sis) == 0))
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the signature has no signers");
        if (r == SG_OK) {
                /* CMS_verify found the certificates only if it got that far */
                STACK_OF(X509) *certs = CMS_get1_certs(cms);
                CMS_set1_signers_certs(cms, certs, 0);
                sk_X509_pop_free(certs, X509_free);
                ERR_clear_error();
                res = calloc(1, sizeof *res);
                size_t n = (size_t) sk_CMS_SignerInfo_num(sis);
                if (res)
                        res->signers = calloc(n, sizeof *res->signers);
                if (!res || !res->signers)
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                else
                        res->n_signers = n;
        }
        for (size_t i = 0; r == SG_OK && i < res->n_signers; i++) {
                sg_smime_signer *s = &res->signers[i];
                r = check_signer(cms, sk_CMS_SignerInfo_value(sis, (int) i), store, from, sig_ok, s);
                s->valid = s->signature_valid && s->subject && s->cert_time_valid && s->chain_trusted && s->usage_ok &&
                           (!s->email_checked || s->email_matches);
        }
        if (r == SG_OK) {
                res->valid = res->n_signers > 0;
                for (size_t i = 0; i < res->n_signers; i++)
                        res->valid = res->valid && res->signers[i].valid;
                *ret_result = res;
        } else {
                sg_smime_verify_result_free(res);
        }
        ERR_clear_error();
        X509_STORE_free(store);
        return r;
}

static sg_err ossl_verify(const sg_smime_trust *trust, const void *sig, size_t sig_len, sg_source *content,
                          const char *from, sg_smime_verify_result **ret_result, sg_error *err) {
        init();
        if (sig_len > SG_SMIME_SIGNATURE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the signature is larger than %d bytes", SG_SMIME_SIGNATURE_MAX);
        const unsigned char *p = sig;
        CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long) sig_len);
        if (!cms)
                return map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                                 "the signature is not S/MIME (CMS) data: give a detached S/MIME signature");
        sg_err r = SG_OK;
        if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the data is CMS of type %s, not a signature",
                                 OBJ_nid2sn(OBJ_obj2nid(CMS_get0_type(cms))));
        else if (CMS_is_detached(cms) != 1)
                r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                 "the signature contains its content (opaque signature): verify it on its own");
        sgbio c_s = {.src = content};
        BIO *cb = NULL;
        if (r == SG_OK && !(cb = sgbio_new_buffered(&c_s)))
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        BIO *sink = r == SG_OK ? BIO_new(BIO_s_null()) : NULL;
        if (r == SG_OK)
                r = verify_cms(cms, trust, cb, &c_s, sink, from, ret_result, err);
        BIO_free(sink);
        BIO_free_all(cb);
        CMS_ContentInfo_free(cms);
        return r;
}

static sg_err ossl_verify_opaque(const sg_smime_trust *trust, sg_source *in, const char *from, sg_sink *content_out,
                                 sg_smime_verify_result **ret_result, sg_error *err) {
        init();
        sgbio in_s = {.src = in, .max = SG_SMIME_OPAQUE_MAX};
        BIO *inb = sgbio_new_buffered(&in_s), *mem = BIO_new(BIO_s_mem());
        CMS_ContentInfo *cms = NULL;
        sg_err r = SG_OK;
        if (!inb || !mem)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (r == SG_OK) {
                cms = d2i_CMS_bio(inb, NULL);
                if (in_s.over_limit)
                        r = sg_error_set(err, SG_ERR_LIMIT, "the signed message is larger than %zu bytes", in_s.max);
                else if (in_s.io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                else if (!cms)
                        r = map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                                      "the input is not S/MIME (CMS) data: give an S/MIME signed message");
        }
        if (r == SG_OK && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the data is CMS of type %s, not a signed message",
                                 OBJ_nid2sn(OBJ_obj2nid(CMS_get0_type(cms))));
        else if (r == SG_OK && CMS_is_detached(cms) == 1)
                r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                 "this is a detached signature without its content: give the content too");
        sg_smime_verify_result *res = NULL;
        if (r == SG_OK)
                r = verify_cms(cms, trust, NULL, NULL, mem, from, &res, err);
        if (r == SG_OK && res->valid && content_out) { /* the content only once it is known good */
                char *data;
                long n = BIO_get_mem_data(mem, &data);
                if (n > 0 && content_out->write(content_out->ctx, data, (size_t) n) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        if (r == SG_OK)
                *ret_result = res;
        else
                sg_smime_verify_result_free(res);
        ERR_clear_error();
        BIO_free_all(inb);
        BIO_free(mem);
        CMS_ContentInfo_free(cms);
        return r;
}

static sg_err ossl_init(const char *dbdir, sg_error *err) {
        if (dbdir)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the OpenSSL backend takes no certificate database");
        return SG_OK;
}

static void ossl_cleanup(void) {
}

static const sg_smime_ops openssl_ops = {
        .name = "openssl",
        .supports = SG_SMIME_SUPPORTS_KEY_FILES | SG_SMIME_SUPPORTS_CA_DIR | SG_SMIME_SUPPORTS_SYSTEM_TRUST |
                    SG_SMIME_SUPPORTS_ENCRYPT_GCM | SG_SMIME_SUPPORTS_DECRYPT_GCM,
        .init = ossl_init,
        .cleanup = ossl_cleanup,
        .encrypt = ossl_encrypt,
        .decrypt = ossl_decrypt,
        .sign = ossl_sign,
        .verify = ossl_verify,
        .verify_opaque = ossl_verify_opaque,
};

const sg_smime_ops *sg_smime_openssl(void) {
        return &openssl_ops;
}
