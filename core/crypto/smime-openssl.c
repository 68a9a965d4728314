/* sealgate: the OpenSSL 3 backend of smime.h (CMS): its table, and what its
 * operations share. Data flows through BIOs over sg_source/sg_sink;
 * sg_ossl_map_error() is the one place that turns the OpenSSL error queue
 * into sg_err codes. The operations are in smime-openssl-crypt.c (encrypt,
 * decrypt) and smime-openssl-sign.c (sign, verify). */
#include "smime-openssl-private.h"

/* ---- Error mapping: the only place OpenSSL's reasons become sg_err. */

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
sg_err sg_ossl_map_error(sg_error *err, enum op op, sg_err fallback, const char *what) {
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

void sg_ossl_init(void) {
        pthread_once(&providers_once, load_providers);
        ERR_clear_error();
}

/* ---- BIOs over sg_source / sg_sink. */

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
BIO *sg_ossl_bio_new(sgbio *s) {
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
BIO *sg_ossl_bio_new_buffered(sgbio *s) {
        BIO *b = sg_ossl_bio_new(s), *buf = b ? BIO_new(BIO_f_buffer()) : NULL;
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
sg_err sg_ossl_load_certs(const char *path, STACK_OF(X509) * *ret, sg_error *err) {
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

void sg_ossl_identity_clear(identity *id) {
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
sg_err sg_ossl_load_identity(const sg_smime_key *key, identity *id, sg_error *err) {
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
                        r = sg_ossl_map_error(err, OP_LOAD_KEY, SG_ERR_NO_PRIVATE_KEY, NULL);
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
                        r = sg_ossl_map_error(err, OP_LOAD_KEY, SG_ERR_NO_PRIVATE_KEY, NULL);
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
                r = sg_ossl_load_certs(key->cert_path, &all, err);
                if (r != SG_OK) {
                        sg_ossl_identity_clear(id);
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
                sg_ossl_identity_clear(id);
                return sg_error_set(err, SG_ERR_NO_CERTIFICATE,
                                    "no certificate for the private key in %s: give the certificate too (--cert)",
                                    key->path);
        }
        return SG_OK;
}

/* ---- Certificate facts. */

int64_t sg_ossl_asn1_time_to_epoch(const ASN1_TIME *t) {
        struct tm tm;
        if (!t || !ASN1_TIME_to_tm(t, &tm))
                return 0;
        return (int64_t) timegm(&tm);
}

char *sg_ossl_name_string(const X509_NAME *n) {
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

char *sg_ossl_cert_label(X509 *x) {
        char *s = sg_ossl_name_string(X509_get_subject_name(x));
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
sg_err sg_ossl_check_time(X509 *x, const char *role, sg_error *err) {
        int64_t nb = sg_ossl_asn1_time_to_epoch(X509_get0_notBefore(x)),
                na = sg_ossl_asn1_time_to_epoch(X509_get0_notAfter(x));
        bool early = X509_cmp_current_time(X509_get0_notBefore(x)) >= 0;
        bool late = X509_cmp_current_time(X509_get0_notAfter(x)) <= 0;
        if (!early && !late)
                return SG_OK;
        char when[64], *label = sg_ossl_cert_label(x);
        format_time(early ? nb : na, when, sizeof when);
        sg_err r = sg_error_set(err, SG_ERR_CERT_EXPIRED,
                                early ? "the %s certificate %s is not valid before %s: check the computer's clock"
                                      : "the %s certificate %s expired on %s: get a renewed certificate",
                                role, label ? label : "?", when);
        free(label);
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
        .encrypt = sg_ossl_encrypt,
        .decrypt = sg_ossl_decrypt,
        .sign = sg_ossl_sign,
        .verify = sg_ossl_verify,
        .verify_opaque = sg_ossl_verify_opaque,
};

const sg_smime_ops *sg_smime_openssl(void) {
        return &openssl_ops;
}
