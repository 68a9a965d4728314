/* sealgate: the NSS backend of smime.h (libsmime3 NSS_CMS*), over a read-only
 * NSS database such as a Thunderbird profile's. sg_nss_error() is the one
 * place that turns NSS's PORT_GetError() into sg_err codes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <cert.h>
#include <certdb.h>
#include <cms.h>
#include <keyhi.h>
#include <nss.h>
#include <nssb64.h>
#include <pk11pub.h>
#include <prerror.h>
#include <secerr.h>
#include <sechash.h>
#include <secoid.h>

#include "cms-peek-private.h"
#include "nss-private.h"
#include "sealgate/smime-nss.h"
#include "sealgate/smime.h"

#define CHUNK       65536
#define SIGNERS_MAX 64 /* signers reported of one message */

/* ---- Error mapping: the only place NSS errors become sg_err. */

sg_err sg_nss_error(sg_error *err, sg_err fallback, const char *what) {
        PRErrorCode e = PORT_GetError();
        sg_err c = fallback;
        switch (e) {
        case SEC_ERROR_NO_MEMORY:
                c = SG_ERR_NOMEM;
                break;
        case SEC_ERROR_BAD_PASSWORD:
                c = SG_ERR_WRONG_PASSPHRASE;
                break;
        case SEC_ERROR_NOT_A_RECIPIENT:
        case SEC_ERROR_NO_KEY:
                c = SG_ERR_NO_PRIVATE_KEY;
                break;
        case SEC_ERROR_EXPIRED_CERTIFICATE:
                c = SG_ERR_CERT_EXPIRED;
                break;
        case SEC_ERROR_INADEQUATE_KEY_USAGE:
        case SEC_ERROR_INADEQUATE_CERT_TYPE:
                c = SG_ERR_CERT_UNUSABLE;
                break;
        case SEC_ERROR_INVALID_ALGORITHM:
        case SEC_ERROR_UNSUPPORTED_KEYALG:
        case SEC_ERROR_UNSUPPORTED_MESSAGE_TYPE:
                c = SG_ERR_UNKNOWN_ALGORITHM;
                break;
        case SEC_ERROR_BAD_DATA:
                c = fallback == SG_ERR_TRUNCATED || fallback == SG_ERR_NOT_SMIME ? SG_ERR_DECRYPT_FAILED : fallback;
                break;
        case SEC_ERROR_BAD_SIGNATURE:
                c = SG_ERR_VERIFY_FAILED;
                break;
        case SEC_ERROR_BAD_DATABASE:
        case SEC_ERROR_READ_ONLY:
        case SEC_ERROR_PKCS11_GENERAL_ERROR:
                if (fallback == SG_ERR_NSS_DB || fallback == SG_ERR_IO)
                        c = SG_ERR_NSS_DB;
                break;
        default: /* bad DER, input length and the rest: what the caller was doing says most */
                break;
        }
        const char *s = e ? PORT_ErrorToString(e) : NULL;
        if (!s)
                s = e ? PR_ErrorToName(e) : NULL;
        if (s)
                return sg_error_set(err, c, "%s: %s", what, s);
        return sg_error_set(err, c, "%s", what);
}

/* ---- Opening NSS. */

static bool nss_open;
static char *nss_dir; /* NULL: no database */

static char *pw_cb(PK11SlotInfo *slot, PRBool retry, void *arg) {
        (void) slot;
        if (retry || !arg)
                return NULL; /* never loop on a wrong password */
        return PORT_Strdup(arg);
}

sg_err sg_smime_nss_init(const char *dbdir, sg_error *err) {
        if (nss_open && ((!dbdir && !nss_dir) || (dbdir && nss_dir && strcmp(dbdir, nss_dir) == 0)))
                return SG_OK;
        sg_smime_nss_shutdown();
        SECStatus s;
        if (dbdir) {
                struct stat st;
                if (stat(dbdir, &st) != 0 || !S_ISDIR(st.st_mode))
                        return sg_error_set(err, SG_ERR_NSS_DB, "the NSS database directory %s does not exist", dbdir);
                size_t n = strlen(dbdir) + 5;
                char *cfg = malloc(n);
                if (!cfg)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                snprintf(cfg, n, "%s%s", strncmp(dbdir, "sql:", 4) == 0 ? "" : "sql:", dbdir);
                /* read-only, no root module and no module database: NSS takes no
                 * write lock and loads no smart-card module the profile lists, so
                 * a running Thunderbird on the same database is not disturbed */
                s = NSS_Initialize(cfg, "", "", SECMOD_DB,
                                   NSS_INIT_READONLY | NSS_INIT_NOROOTINIT | NSS_INIT_NOMODDB | NSS_INIT_OPTIMIZESPACE);
                free(cfg);
        } else {
                s = NSS_NoDB_Init(NULL);
        }
        if (s != SECSuccess) {
                char what[600];
                snprintf(what, sizeof what, "cannot open the NSS database %s", dbdir ? dbdir : "(none)");
                return sg_nss_error(err, SG_ERR_NSS_DB, what);
        }
        if (dbdir && !(nss_dir = strdup(dbdir))) {
                NSS_Shutdown();
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        PK11_SetPasswordFunc(pw_cb);
        nss_open = true;
        return SG_OK;
}

void sg_smime_nss_shutdown(void) {
        if (!nss_open)
                return;
        NSS_Shutdown();
        free(nss_dir);
        nss_dir = NULL;
        nss_open = false;
}

static sg_err need_open(sg_error *err) {
        return nss_open ? SG_OK : sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "NSS is not open (sg_smime_nss_init)");
}

/* ---- Certificates from files. */

static sg_err read_file(const char *path, SECItem *ret, sg_error *err) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        unsigned char *buf = malloc(SG_SMIME_KEYFILE_MAX + 1);
        if (!buf) {
                fclose(f);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        size_t n = fread(buf, 1, SG_SMIME_KEYFILE_MAX + 1, f);
        bool bad = ferror(f);
        fclose(f);
        if (bad) {
                free(buf);
                return sg_error_set(err, SG_ERR_IO, "cannot read %s", path);
        }
        if (n > SG_SMIME_KEYFILE_MAX) {
                free(buf);
                return sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %d bytes", path, SG_SMIME_KEYFILE_MAX);
        }
        ret->type = siBuffer;
        ret->data = buf;
        ret->len = (unsigned) n;
        return SG_OK;
}

static sg_err add_der(const char *path, SECItem *der, CERTCertList *list, size_t *count, sg_error *err) {
        if (*count >= SG_NSS_PEM_CERTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d certificates in %s", SG_NSS_PEM_CERTS_MAX, path);
        CERTCertificate *c = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), der, NULL, PR_FALSE, PR_TRUE);
        if (!c) {
                char what[600];
                snprintf(what, sizeof what, "%s holds a certificate that cannot be read", path);
                return sg_nss_error(err, SG_ERR_NO_CERTIFICATE, what);
        }
        if (CERT_AddCertToListTail(list, c) != SECSuccess) {
                CERT_DestroyCertificate(c);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        (*count)++;
        return SG_OK;
}

static sg_err load_file(const char *path, CERTCertList *list, size_t *count, sg_error *err) {
        SECItem file = {0};
        sg_err r = read_file(path, &file, err);
        if (r != SG_OK)
                return r;
        static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
        char *text = (char *) file.data;
        size_t before = *count;
        bool pem = false;
        for (size_t i = 0; i + sizeof begin - 1 <= file.len && r == SG_OK;) {
                char *b = memmem(text + i, file.len - i, begin, sizeof begin - 1);
                if (!b)
                        break;
                pem = true;
                char *body = b + sizeof begin - 1;
                char *e = memmem(body, file.len - (size_t) (body - text), end, sizeof end - 1);
                if (!e) {
                        r = sg_error_set(err, SG_ERR_NO_CERTIFICATE, "%s: a PEM certificate has no end line", path);
                        break;
                }
                SECItem der = {0};
                if (!NSSBase64_DecodeBuffer(NULL, &der, body, (unsigned) (e - body))) {
                        r = sg_error_set(err, SG_ERR_NO_CERTIFICATE, "%s: a PEM certificate is not base64", path);
                        break;
                }
                r = add_der(path, &der, list, count, err);
                SECITEM_FreeItem(&der, PR_FALSE);
                i = (size_t) (e - text) + sizeof end - 1;
        }
        if (r == SG_OK && !pem && file.len > 0 && file.data[0] == 0x30)
                r = add_der(path, &file, list, count, err);
        free(file.data);
        if (r == SG_OK && *count == before)
                r = sg_error_set(err, SG_ERR_NO_CERTIFICATE, "%s holds no certificate", path);
        return r;
}

sg_err sg_nss_load_certs(const char *path, CERTCertList *list, size_t *count, sg_error *err) {
        struct stat st;
        if (stat(path, &st) != 0)
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        if (!S_ISDIR(st.st_mode))
                return load_file(path, list, count, err);
        DIR *d = opendir(path);
        if (!d)
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        sg_err r = SG_OK;
        struct dirent *de;
        while (r == SG_OK && (de = readdir(d))) {
                const char *dot = strrchr(de->d_name, '.');
                if (de->d_name[0] == '.' || !dot ||
                    (strcasecmp(dot, ".pem") != 0 && strcasecmp(dot, ".crt") != 0 && strcasecmp(dot, ".cer") != 0 &&
                     strcasecmp(dot, ".der") != 0))
                        continue;
                char p[4096];
                if ((size_t) snprintf(p, sizeof p, "%s/%s", path, de->d_name) >= sizeof p)
                        continue;
                if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
                        continue;
                sg_error e = {0};
                r = load_file(p, list, count, &e);
                if (r == SG_ERR_NO_CERTIFICATE) /* a stray file in a store is not fatal */
                        r = SG_OK;
                else if (r != SG_OK && err)
                        *err = e;
        }
        closedir(d);
        return r;
}

/* ---- Certificate facts. */

bool sg_nss_cert_usage_ok(CERTCertificate *c, bool sign, char *why, size_t n) {
        if (c->keyUsagePresent) {
                unsigned want =
                        sign ? (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) : (KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT);
                if (!(c->keyUsage & want)) {
                        snprintf(why, n, "wrong key usage: %s", sign ? "no digitalSignature" : "no keyEncipherment");
                        return false;
                }
        }
        SECItem ext = {0};
        if (CERT_FindCertExtension(c, SEC_OID_X509_EXT_KEY_USAGE, &ext) == SECSuccess) {
                CERTOidSequence *seq = CERT_DecodeOidSequence(&ext);
                bool ok = false;
                for (SECItem **o = seq ? seq->oids : NULL; o && *o; o++) {
                        SECOidTag t = SECOID_FindOIDTag(*o);
                        if (t == SEC_OID_EXT_KEY_USAGE_EMAIL_PROTECT || t == SEC_OID_X509_ANY_EXT_KEY_USAGE)
                                ok = true;
                }
                if (seq)
                        CERT_DestroyOidSequence(seq);
                PORT_Free(ext.data);
                if (!ok) {
                        snprintf(why, n, "wrong key usage: the extended key usage lacks emailProtection");
                        return false;
                }
        }
        return true;
}

bool sg_nss_cert_has_email(CERTCertificate *c, const char *addr) {
        for (const char *e = CERT_GetFirstEmailAddress(c); e; e = CERT_GetNextEmailAddress(c, e))
                if (strcasecmp(e, addr) == 0)
                        return true;
        return false;
}

CERTCertificate *sg_nss_find_email_cert(const char *addr) {
        CERTCertList *all = PK11_ListCerts(PK11CertListAll, NULL);
        CERTCertificate *best = NULL;
        bool best_fit = false;
        char why[128];
        for (CERTCertListNode *n = all ? CERT_LIST_HEAD(all) : NULL; n && !CERT_LIST_END(n, all) && !best_fit;
             n = CERT_LIST_NEXT(n)) {
                if (!sg_nss_cert_has_email(n->cert, addr))
                        continue;
                bool fit = CERT_CheckCertValidTimes(n->cert, PR_Now(), PR_FALSE) == secCertTimeValid &&
                           sg_nss_cert_usage_ok(n->cert, false, why, sizeof why);
                if (!best || fit) {
                        if (best)
                                CERT_DestroyCertificate(best);
                        best = CERT_DupCertificate(n->cert);
                        best_fit = fit;
                }
        }
        if (all)
                CERT_DestroyCertList(all);
        return best;
}

void sg_nss_cert_serial(CERTCertificate *c, char *buf, size_t n) {
        size_t o = 0;
        buf[0] = '\0';
        for (unsigned i = 0; i < c->serialNumber.len && o + 3 <= n; i++)
                o += (size_t) snprintf(buf + o, n - o, "%02X", c->serialNumber.data[i]);
}

void sg_nss_cert_fingerprint(CERTCertificate *c, char *buf, size_t n) {
        unsigned char d[32];
        buf[0] = '\0';
        if (PK11_HashBuf(SEC_OID_SHA256, d, c->derCert.data, (PRInt32) c->derCert.len) != SECSuccess)
                return;
        size_t o = 0;
        for (unsigned i = 0; i < sizeof d && o + 3 <= n; i++)
                o += (size_t) snprintf(buf + o, n - o, "%02X", d[i]);
}

static void format_time(PRTime t, char *buf, size_t n) {
        time_t s = (time_t) (t / PR_USEC_PER_SEC);
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(buf, n, "%Y-%m-%d", &tm);
}

/* ---- encrypt */

typedef struct out_ctx {
        sg_sink *sink;
        bool failed;
} out_ctx;

static void out_cb(void *arg, const char *buf, unsigned long len) {
        out_ctx *o = arg;
        if (!o->failed && len && o->sink && o->sink->write(o->sink->ctx, buf, len) != 0)
                o->failed = true;
}

static sg_err recipient_cert(const char *name, CERTCertificate **ret, sg_error *err) {
        CERTCertificate *c = NULL;
        struct stat st;
        if (stat(name, &st) == 0) {
                CERTCertList *l = CERT_NewCertList();
                size_t count = 0;
                if (!l)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                sg_err r = load_file(name, l, &count, err);
                if (r == SG_OK)
                        c = CERT_DupCertificate(CERT_LIST_HEAD(l)->cert);
                CERT_DestroyCertList(l);
                if (r != SG_OK)
                        return r;
        } else {
                c = strchr(name, '@') ? sg_nss_find_email_cert(name)
                                      : CERT_FindCertByNicknameOrEmailAddr(CERT_GetDefaultCertDB(), name);
                if (!c)
                        return sg_error_set(err, SG_ERR_NO_CERTIFICATE,
                                            "no certificate for %s: not a file and not in the NSS database", name);
        }
        PRTime nb, na;
        char why[128];
        if (CERT_CheckCertValidTimes(c, PR_Now(), PR_FALSE) != secCertTimeValid &&
            CERT_GetCertTimes(c, &nb, &na) == SECSuccess) {
                char when[32];
                format_time(na, when, sizeof when);
                CERT_DestroyCertificate(c);
                return sg_error_set(err, SG_ERR_CERT_EXPIRED, "the certificate for %s expired on %s", name, when);
        }
        if (!sg_nss_cert_usage_ok(c, false, why, sizeof why)) {
                CERT_DestroyCertificate(c);
                return sg_error_set(err, SG_ERR_CERT_UNUSABLE, "the certificate for %s is not for encryption: %s", name,
                                    why);
        }
        *ret = c;
        return SG_OK;
}

static sg_err nss_encrypt(const char *const *recipients, size_t n_recipients, sg_smime_cipher cipher, sg_source *in,
                          sg_sink *out, sg_error *err) {
        sg_err r = need_open(err);
        if (r != SG_OK)
                return r;
        if (n_recipients == 0 || !recipients)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no recipient");
        if (n_recipients > SG_SMIME_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d recipients", SG_SMIME_RECIPIENTS_MAX);
        SECOidTag alg;
        int bits;
        switch (cipher) {
        case SG_SMIME_AES256_CBC:
                alg = SEC_OID_AES_256_CBC, bits = 256;
                break;
        case SG_SMIME_AES128_CBC:
                alg = SEC_OID_AES_128_CBC, bits = 128;
                break;
        default:
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                    "the NSS backend cannot write %s (AuthEnvelopedData); use the OpenSSL backend",
                                    sg_smime_cipher_name(cipher) ? sg_smime_cipher_name(cipher) : "this cipher");
        }
        NSSCMSMessage *cmsg = NSS_CMSMessage_Create(NULL);
        NSSCMSEncoderContext *ecx = NULL;
        unsigned char *buf = malloc(CHUNK);
        if (!cmsg || !buf) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        NSSCMSEnvelopedData *envd = NSS_CMSEnvelopedData_Create(cmsg, alg, bits);
        NSSCMSContentInfo *ci = NSS_CMSMessage_GetContentInfo(cmsg);
        if (!envd || NSS_CMSContentInfo_SetContent_EnvelopedData(cmsg, ci, envd) != SECSuccess) {
                r = sg_nss_error(err, SG_ERR_INTERNAL, "cannot create the enveloped data");
                goto out;
        }
        for (size_t i = 0; i < n_recipients; i++) {
                CERTCertificate *c = NULL;
                r = recipient_cert(recipients[i], &c, err);
                if (r != SG_OK)
                        goto out;
                NSSCMSRecipientInfo *ri = NSS_CMSRecipientInfo_Create(cmsg, c);
                CERT_DestroyCertificate(c);
                if (!ri || NSS_CMSEnvelopedData_AddRecipient(envd, ri) != SECSuccess) {
                        if (ri)
                                NSS_CMSRecipientInfo_Destroy(ri);
                        r = sg_nss_error(err, SG_ERR_CERT_UNUSABLE, "cannot encrypt to this certificate");
                        sg_error_prefix(err, "%s", recipients[i]);
                        goto out;
                }
        }
        ci = NSS_CMSEnvelopedData_GetContentInfo(envd);
        if (NSS_CMSContentInfo_SetContent_Data(cmsg, ci, NULL, PR_FALSE) != SECSuccess) {
                r = sg_nss_error(err, SG_ERR_INTERNAL, "cannot set the content");
                goto out;
        }
        out_ctx oc = {.sink = out};
        ecx = NSS_CMSEncoder_Start(cmsg, out_cb, &oc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        if (!ecx) {
                r = sg_nss_error(err, SG_ERR_INTERNAL, "cannot start the encoder");
                goto out;
        }
        for (;;) {
                ptrdiff_t n = in->read(in->ctx, buf, CHUNK);
                if (n < 0) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                        goto out;
                }
                if (n == 0)
                        break;
                if (NSS_CMSEncoder_Update(ecx, (const char *) buf, (unsigned long) n) != SECSuccess) {
                        r = sg_nss_error(err, SG_ERR_INTERNAL, "encryption failed");
                        goto out;
                }
                if (oc.failed) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                        goto out;
                }
        }
        SECStatus s = NSS_CMSEncoder_Finish(ecx);
        ecx = NULL;
        if (s != SECSuccess)
                r = sg_nss_error(err, SG_ERR_INTERNAL, "encryption failed");
        else if (oc.failed)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
out:
        if (ecx)
                NSS_CMSEncoder_Cancel(ecx);
        if (cmsg)
                NSS_CMSMessage_Destroy(cmsg);
        free(buf);
        return r;
}

/* ---- decrypt */

static sg_err nss_decrypt(const sg_smime_key *key, size_t max_input, sg_source *in, sg_sink *out, sg_error *err) {
        sg_err r = need_open(err);
        if (r != SG_OK)
                return r;
        if (!max_input)
                max_input = SG_SMIME_DECRYPT_MAX;
        void *pw = key ? (void *) key->passphrase : NULL;
        out_ctx oc = {.sink = out};
        unsigned char *buf = malloc(CHUNK);
        if (!buf)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        NSSCMSDecoderContext *dcx = NSS_CMSDecoder_Start(NULL, out_cb, &oc, pw_cb, pw, NULL, NULL);
        if (!dcx) {
                free(buf);
                return sg_nss_error(err, SG_ERR_INTERNAL, "cannot start the decoder");
        }
        size_t total = 0;
        for (;;) {
                ptrdiff_t n = in->read(in->ctx, buf, CHUNK);
                if (n < 0) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                        break;
                }
                if (n == 0)
                        break;
                if (total == 0 && sg_cms_is_auth_enveloped(buf, (size_t) n)) {
                        r = sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                         "the message is encrypted with AES-GCM (AuthEnvelopedData), which NSS "
                                         "cannot decrypt: decrypt it with your PKCS#12 file instead of the "
                                         "certificate database (the OpenSSL backend)");
                        break;
                }
                if (total == 0 && sg_cms_has_key_agreement(buf, (size_t) n)) {
                        r = sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                         "the message is encrypted to an elliptic-curve key (ECDH key agreement), "
                                         "which NSS cannot decrypt: decrypt it with your PKCS#12 file instead of "
                                         "the certificate database (the OpenSSL backend)");
                        break;
                }
                total += (size_t) n;
                if (total > max_input) {
                        r = sg_error_set(err, SG_ERR_LIMIT, "the CMS input is larger than %zu bytes", max_input);
                        break;
                }
                if (NSS_CMSDecoder_Update(dcx, (const char *) buf, (unsigned long) n) != SECSuccess) {
                        r = sg_nss_error(err, SG_ERR_NOT_SMIME, "cannot decrypt");
                        if (r == SG_ERR_UNKNOWN_ALGORITHM && err) { /* RSA-OAEP and the like: OpenSSL reads them */
                                char what[SG_ERROR_MESSAGE_MAX];
                                snprintf(what, sizeof what, "%s", err->message);
                                r = sg_error_set(err, r,
                                                 "%s: decrypt it with your PKCS#12 file instead of the certificate "
                                                 "database (the OpenSSL backend)",
                                                 what);
                        }
                        break;
                }
                if (oc.failed) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                        break;
                }
        }
        free(buf);
        if (r != SG_OK) {
                NSS_CMSDecoder_Cancel(dcx);
                return r;
        }
        NSSCMSMessage *cmsg = NSS_CMSDecoder_Finish(dcx);
        if (!cmsg)
                return total ? sg_nss_error(err, SG_ERR_TRUNCATED, "the CMS message is truncated or damaged")
                             : sg_error_set(err, SG_ERR_NOT_SMIME, "the input is empty");
        NSSCMSContentInfo *ci = NSS_CMSMessage_ContentLevel(cmsg, 0);
        if (!ci || NSS_CMSContentInfo_GetContentTypeTag(ci) != SEC_OID_PKCS7_ENVELOPED_DATA)
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "not an encrypted (enveloped) CMS message");
        else if (oc.failed)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        NSS_CMSMessage_Destroy(cmsg);
        return r;
}

/* ---- sign */

static SECOidTag digest_tag(sg_smime_digest d) {
        return d == SG_SMIME_SHA384 ? SEC_OID_SHA384 : d == SG_SMIME_SHA512 ? SEC_OID_SHA512 : SEC_OID_SHA256;
}

static sg_err nss_sign(const sg_smime_key *key, sg_smime_digest digest, sg_source *in, sg_sink *content_out,
                       sg_sink *sig_out, sg_error *err) {
        sg_err r = need_open(err);
        if (r != SG_OK)
                return r;
        if (!key || !key->path)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no signing certificate named");
        void *pw = (void *) key->passphrase;
        CERTCertificate *cert = CERT_FindUserCertByUsage(CERT_GetDefaultCertDB(), (char *) key->path,
                                                         certUsageEmailSigner, PR_FALSE, pw);
        if (!cert)
                cert = CERT_FindCertByNicknameOrEmailAddrForUsage(CERT_GetDefaultCertDB(), key->path,
                                                                  certUsageEmailSigner);
        if (!cert)
                return sg_error_set(err, SG_ERR_NO_CERTIFICATE, "no signing certificate %s in the NSS database",
                                    key->path);
        NSSCMSMessage *cmsg = NULL;
        HASHContext *h = NULL;
        PLArenaPool *arena = NULL;
        unsigned char *buf = malloc(CHUNK);
        char why[128];
        SECKEYPrivateKey *pk = PK11_FindKeyByAnyCert(cert, pw);
        if (!pk) {
                r = PORT_GetError() == SEC_ERROR_BAD_PASSWORD
                            ? sg_nss_error(err, SG_ERR_WRONG_PASSPHRASE, "cannot unlock the NSS database")
                            : sg_error_set(err, SG_ERR_NO_PRIVATE_KEY, "no private key for %s in the NSS database",
                                           key->path);
                goto out;
        }
        SECKEY_DestroyPrivateKey(pk);
        if (CERT_CheckCertValidTimes(cert, PR_Now(), PR_FALSE) != secCertTimeValid) {
                r = sg_error_set(err, SG_ERR_CERT_EXPIRED, "the signing certificate %s is expired", key->path);
                goto out;
        }
        if (!sg_nss_cert_usage_ok(cert, true, why, sizeof why)) {
                r = sg_error_set(err, SG_ERR_CERT_UNUSABLE, "the certificate %s cannot sign email: %s", key->path, why);
                goto out;
        }
        SECOidTag tag = digest_tag(digest);
        h = HASH_Create(HASH_GetHashTypeByOidTag(tag));
        if (!buf || !h) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        HASH_Begin(h);
        for (;;) {
                ptrdiff_t n = in->read(in->ctx, buf, CHUNK);
                if (n < 0) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                        goto out;
                }
                if (n == 0)
                        break;
                HASH_Update(h, buf, (unsigned) n);
                if (content_out && content_out->write(content_out->ctx, buf, (size_t) n) != 0) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                        goto out;
                }
        }
        unsigned char dg[HASH_LENGTH_MAX];
        unsigned dlen = 0;
        HASH_End(h, dg, &dlen, sizeof dg);
        SECItem ditem = {siBuffer, dg, dlen};

        cmsg = NSS_CMSMessage_Create(NULL);
        NSSCMSSignedData *sigd = cmsg ? NSS_CMSSignedData_Create(cmsg) : NULL;
        NSSCMSContentInfo *ci = cmsg ? NSS_CMSMessage_GetContentInfo(cmsg) : NULL;
        if (!sigd || NSS_CMSContentInfo_SetContent_SignedData(cmsg, ci, sigd) != SECSuccess ||
            NSS_CMSContentInfo_SetContent_Data(cmsg, NSS_CMSSignedData_GetContentInfo(sigd), NULL, PR_TRUE) !=
                    SECSuccess) {
                r = sg_nss_error(err, SG_ERR_INTERNAL, "cannot create the signed data");
                goto out;
        }
        NSSCMSSignerInfo *si = NSS_CMSSignerInfo_Create(cmsg, cert, tag);
        if (!si || NSS_CMSSignerInfo_IncludeCerts(si, NSSCMSCM_CertChain, certUsageEmailSigner) != SECSuccess ||
            NSS_CMSSignerInfo_AddSigningTime(si, PR_Now()) != SECSuccess ||
            NSS_CMSSignedData_AddSignerInfo(sigd, si) != SECSuccess ||
            NSS_CMSSignedData_SetDigestValue(sigd, tag, &ditem) != SECSuccess) {
                r = sg_nss_error(err, SG_ERR_INTERNAL, "cannot add the signer");
                goto out;
        }
        arena = PORT_NewArena(4096);
        SECItem der = {0};
        NSSCMSEncoderContext *ecx =
                arena ? NSS_CMSEncoder_Start(cmsg, NULL, NULL, &der, arena, pw_cb, pw, NULL, NULL, NULL, NULL) : NULL;
        if (!ecx || NSS_CMSEncoder_Finish(ecx) != SECSuccess) {
                r = sg_nss_error(err, SG_ERR_INTERNAL, "signing failed");
                goto out;
        }
        if (sig_out->write(sig_out->ctx, der.data, der.len) != 0)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the signature");
out:
        if (h)
                HASH_Destroy(h);
        if (cmsg)
                NSS_CMSMessage_Destroy(cmsg);
        if (arena)
                PORT_FreeArena(arena, PR_FALSE);
        CERT_DestroyCertificate(cert);
        free(buf);
        return r;
}

/* ---- verify */

typedef struct digests {
        SECOidTag tag[SIGNERS_MAX];
        HASHContext *h[SIGNERS_MAX];
        unsigned char value[SIGNERS_MAX][HASH_LENGTH_MAX];
        unsigned len[SIGNERS_MAX];
        size_t n;
} digests;

static void digests_clear(digests *d) {
        for (size_t i = 0; i < d->n; i++)
                if (d->h[i])
                        HASH_Destroy(d->h[i]);
        d->n = 0;
}

static char *dup_nss(char *s) {
        char *d = s ? strdup(s) : NULL;
        if (s)
                PORT_Free(s);
        return d;
}

static void check_chain(CERTCertificate *c, CERTCertList *anchors, sg_smime_signer *s) {
        PRTime nb, na;
        CERT_GetCertTimes(c, &nb, &na);
        CERTValInParam in[5];
        int i = 0;
        /* no network: revocation is not checked here (and libpkix refuses
         * trust anchors without a revocation policy) */
        in[i].type = cert_pi_revocationFlags;
        in[i++].value.pointer.revocation = (CERTRevocationFlags *) CERT_GetClassicOCSPDisabledPolicy();
        in[i].type = cert_pi_date; /* the path only: validity times are reported on their own */
        in[i++].value.scalar.time = nb + (na - nb) / 2;
        if (anchors && !CERT_LIST_EMPTY(anchors)) {
                in[i].type = cert_pi_trustAnchors;
                in[i++].value.pointer.chain = anchors;
                in[i].type = cert_pi_useOnlyTrustAnchors;
                in[i++].value.scalar.b = PR_FALSE;
        }
        in[i].type = cert_pi_end;
        CERTValOutParam out[1] = {{.type = cert_po_end}};
        if (CERT_PKIXVerifyCert(c, certificateUsageEmailSigner, in, out, NULL) == SECSuccess) {
                s->chain_trusted = true;
        } else {
                const char *e = PORT_ErrorToString(PORT_GetError());
                s->chain_error = strdup(e ? e : "the chain does not reach a trusted certificate");
        }
}

static void fill_signer(NSSCMSSignerInfo *si, CERTCertificate *c, bool sig_ok, CERTCertList *anchors, PRTime when,
                        const char *from, sg_smime_signer *s) {
        s->signature_valid = sig_ok;
        if (!sig_ok)
                s->signature_error = strdup("the signature does not match the content: it was changed after signing, "
                                            "or signed with another key");
        SECOidData *od = SECOID_FindOIDByTag(SECOID_GetAlgorithmTag(&si->digestAlg));
        const char *dn = od ? od->desc : "unknown";
        s->digest = strdup(strncasecmp(dn, "SHA-", 4) == 0 ? dn : "unknown");
        if (s->digest && strncasecmp(dn, "SHA-", 4) == 0) { /* "SHA-256" -> "sha256" */
                char *w = s->digest;
                for (const char *p = dn; *p; p++)
                        if (*p != '-')
                                *w++ = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                *w = '\0';
        }
        PRTime st;
        if (NSS_CMSSignerInfo_GetSigningTime(si, &st) == SECSuccess) {
                s->has_signing_time = true;
                s->signing_time = st / PR_USEC_PER_SEC;
        }
        if (!c) {
                s->chain_error = strdup("the signer's certificate is not in the message");
                s->usage_error = strdup("no certificate");
                return;
        }
        s->subject = dup_nss(CERT_NameToAscii(&c->subject));
        s->issuer = dup_nss(CERT_NameToAscii(&c->issuer));
        char serial[256];
        sg_nss_cert_serial(c, serial, sizeof serial);
        s->serial = strdup(serial);
        size_t ne = 0;
        for (const char *e = CERT_GetFirstEmailAddress(c); e && ne < 64; e = CERT_GetNextEmailAddress(c, e))
                ne++;
        s->emails = calloc(ne + 1, sizeof *s->emails);
        for (const char *e = CERT_GetFirstEmailAddress(c); s->emails && e && s->n_emails < ne;
             e = CERT_GetNextEmailAddress(c, e)) {
                bool dup = false; /* NSS lists the subject's address and the altName's */
                for (size_t j = 0; j < s->n_emails; j++)
                        dup |= strcasecmp(s->emails[j], e) == 0;
                if (!dup && (s->emails[s->n_emails] = strdup(e)))
                        s->n_emails++;
        }
        PRTime nb, na;
        if (CERT_GetCertTimes(c, &nb, &na) == SECSuccess) {
                s->not_before = nb / PR_USEC_PER_SEC;
                s->not_after = na / PR_USEC_PER_SEC;
        }
        s->cert_time_valid = CERT_CheckCertValidTimes(c, when, PR_FALSE) == secCertTimeValid;
        check_chain(c, anchors, s);
        char why[128];
        if (sg_nss_cert_usage_ok(c, true, why, sizeof why))
                s->usage_ok = true;
        else
                s->usage_error = strdup(why);
        if (from && *from) {
                s->email_checked = true;
                s->email_matches = sg_nss_cert_has_email(c, from);
        }
}

/* The checks of verify and verify_opaque over decoded `cmsg`: the content is
 * read from `content` (detached) or taken from `inner`. */
static sg_err verify_cmsg(NSSCMSMessage *cmsg, const sg_smime_trust *trust, sg_source *content, const SECItem *inner,
                          const char *from, sg_smime_verify_result **ret_result, sg_error *err) {
        NSSCMSContentInfo *ci = NSS_CMSMessage_ContentLevel(cmsg, 0);
        if (!ci || NSS_CMSContentInfo_GetContentTypeTag(ci) != SEC_OID_PKCS7_SIGNED_DATA)
                return sg_error_set(err, SG_ERR_NOT_SMIME, "not a signed CMS message");
        NSSCMSSignedData *sigd = NSS_CMSContentInfo_GetContent(ci);
        if (!sigd)
                return sg_error_set(err, SG_ERR_NOT_SMIME, "not a signed CMS message");
        int n = NSS_CMSSignedData_SignerInfoCount(sigd);
        if (n > SIGNERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d signers", SIGNERS_MAX);
        CERTCertDBHandle *db = CERT_GetDefaultCertDB();
        CERTCertList *anchors = CERT_NewCertList();
        digests *d = calloc(1, sizeof *d);
        sg_smime_verify_result *res = calloc(1, sizeof *res);
        unsigned char *buf = malloc(CHUNK);
        sg_err r = SG_OK;
        if (!anchors || !d || !res || !buf || (n > 0 && !(res->signers = calloc((size_t) n, sizeof *res->signers)))) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        if (trust && trust->ca_dir) {
                r = sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the NSS backend takes trust anchors as a file");
                goto out;
        }
        if (trust && trust->ca_file) {
                size_t count = 0;
                r = sg_nss_load_certs(trust->ca_file, anchors, &count, err);
                if (r != SG_OK)
                        goto out;
        }
        /* the certificates in the message help build paths; never kept */
        NSS_CMSSignedData_ImportCerts(sigd, db, certUsageEmailSigner, PR_FALSE);
        for (int i = 0; i < n; i++) {
                SECOidTag t = SECOID_GetAlgorithmTag(&NSS_CMSSignedData_GetSignerInfo(sigd, i)->digestAlg);
                bool have = false;
                for (size_t j = 0; j < d->n; j++)
                        have |= d->tag[j] == t;
                HASH_HashType ht = HASH_GetHashTypeByOidTag(t);
                if (have || ht == HASH_AlgNULL)
                        continue;
                d->tag[d->n] = t;
                if (!(d->h[d->n] = HASH_Create(ht))) {
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                        goto out;
                }
                HASH_Begin(d->h[d->n++]);
        }
        if (inner) {
                for (size_t j = 0; j < d->n; j++)
                        HASH_Update(d->h[j], inner->data, inner->len);
        } else {
                for (;;) {
                        ptrdiff_t k = content->read(content->ctx, buf, CHUNK);
                        if (k < 0) {
                                r = sg_error_set(err, SG_ERR_IO, "cannot read the signed content");
                                goto out;
                        }
                        if (k == 0)
                                break;
                        for (size_t j = 0; j < d->n; j++)
                                HASH_Update(d->h[j], buf, (unsigned) k);
                }
        }
        for (size_t j = 0; j < d->n; j++)
                HASH_End(d->h[j], d->value[j], &d->len[j], HASH_LENGTH_MAX);
        /* NSS exports no getter for the OID item: look it up by tag */
        SECOidData *cto =
                SECOID_FindOIDByTag(NSS_CMSContentInfo_GetContentTypeTag(NSS_CMSSignedData_GetContentInfo(sigd)));
        SECItem *ctype = cto ? &cto->oid : NULL;
        res->valid = n > 0;
        for (int i = 0; i < n; i++) {
                NSSCMSSignerInfo *si = NSS_CMSSignedData_GetSignerInfo(sigd, i);
                CERTCertificate *c = NSS_CMSSignerInfo_GetSigningCertificate(si, db);
                bool ok = false;
                SECOidTag t = SECOID_GetAlgorithmTag(&si->digestAlg);
                for (size_t j = 0; c && j < d->n; j++)
                        if (d->tag[j] == t) {
                                SECItem dig = {siBuffer, d->value[j], d->len[j]};
                                ok = NSS_CMSSignerInfo_Verify(si, &dig, ctype) == SECSuccess &&
                                     NSS_CMSSignerInfo_GetVerificationStatus(si) == NSSCMSVS_GoodSignature;
                        }
                sg_smime_signer *s = &res->signers[res->n_signers++];
                fill_signer(si, c, ok, anchors, trust && trust->at ? (PRTime) trust->at * PR_USEC_PER_SEC : PR_Now(),
                            from, s);
                s->valid = s->signature_valid && s->cert_time_valid && s->chain_trusted && s->usage_ok &&
                           (!s->email_checked || s->email_matches);
                res->valid &= s->valid;
        }
        *ret_result = res;
        res = NULL;
out:
        if (d) {
                digests_clear(d);
                free(d);
        }
        sg_smime_verify_result_free(res);
        if (anchors)
                CERT_DestroyCertList(anchors);
        free(buf);
        return r;
}

static sg_err nss_verify(const sg_smime_trust *trust, const void *sig, size_t sig_len, sg_source *content,
                         const char *from, sg_smime_verify_result **ret_result, sg_error *err) {
        sg_err r = need_open(err);
        if (r != SG_OK)
                return r;
        if (sig_len > SG_SMIME_SIGNATURE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the signature is larger than %d bytes", SG_SMIME_SIGNATURE_MAX);
        SECItem der = {siBuffer, (unsigned char *) sig, (unsigned) sig_len};
        NSSCMSMessage *cmsg = NSS_CMSMessage_CreateFromDER(&der, NULL, NULL, NULL, NULL, NULL, NULL);
        if (!cmsg)
                return sg_nss_error(err, SG_ERR_NOT_SMIME, "the signature is not CMS");
        r = verify_cmsg(cmsg, trust, content, NULL, from, ret_result, err);
        NSS_CMSMessage_Destroy(cmsg);
        return r;
}

static sg_err nss_verify_opaque(const sg_smime_trust *trust, sg_source *in, const char *from, sg_sink *content_out,
                                sg_smime_verify_result **ret_result, sg_error *err) {
        sg_err r = need_open(err);
        if (r != SG_OK)
                return r;
        size_t len = 0, cap = CHUNK;
        unsigned char *data = malloc(cap);
        if (!data)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (;;) {
                if (len == cap) {
                        if (cap > SG_SMIME_OPAQUE_MAX) {
                                free(data);
                                return sg_error_set(err, SG_ERR_LIMIT, "the signed message is larger than %zu bytes",
                                                    SG_SMIME_OPAQUE_MAX);
                        }
                        unsigned char *p = realloc(data, cap * 2);
                        if (!p) {
                                free(data);
                                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                        }
                        data = p;
                        cap *= 2;
                }
                ptrdiff_t n = in->read(in->ctx, data + len, cap - len);
                if (n < 0) {
                        free(data);
                        return sg_error_set(err, SG_ERR_IO, "cannot read the input");
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > SG_SMIME_OPAQUE_MAX) {
                        free(data);
                        return sg_error_set(err, SG_ERR_LIMIT, "the signed message is larger than %zu bytes",
                                            SG_SMIME_OPAQUE_MAX);
                }
        }
        SECItem der = {siBuffer, data, (unsigned) len};
        NSSCMSMessage *cmsg = len ? NSS_CMSMessage_CreateFromDER(&der, NULL, NULL, NULL, NULL, NULL, NULL) : NULL;
        if (!cmsg) {
                free(data);
                return len ? sg_nss_error(err, SG_ERR_NOT_SMIME, "not a CMS message")
                           : sg_error_set(err, SG_ERR_NOT_SMIME, "the input is empty");
        }
        SECItem *inner = NSS_CMSMessage_GetContent(cmsg);
        static SECItem empty = {siBuffer, NULL, 0};
        sg_smime_verify_result *res = NULL;
        r = verify_cmsg(cmsg, trust, NULL, inner ? inner : &empty, from, &res, err);
        if (r == SG_OK && res->valid && content_out && inner && inner->len &&
            content_out->write(content_out->ctx, inner->data, inner->len) != 0)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        NSS_CMSMessage_Destroy(cmsg);
        free(data);
        if (r == SG_OK)
                *ret_result = res;
        else
                sg_smime_verify_result_free(res);
        return r;
}

static const sg_smime_ops nss_ops = {
        .name = "nss",
        .supports = SG_SMIME_SUPPORTS_DATABASE,
        .init = sg_smime_nss_init,
        .cleanup = sg_smime_nss_shutdown,
        .encrypt = nss_encrypt,
        .decrypt = nss_decrypt,
        .sign = nss_sign,
        .verify = nss_verify,
        .verify_opaque = nss_verify_opaque,
};

const sg_smime_ops *sg_smime_nss(void) {
        return &nss_ops;
}
