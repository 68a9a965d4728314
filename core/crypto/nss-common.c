/* sealgate: the NSS helpers of nss-private.h, shared by the S/MIME backend
 * (smime-nss.c), keys lookup and the certificate commands (certs*.c):
 * opening NSS read-only, reading certificates from files, the facts of one
 * certificate, and sg_nss_error(), the one place that turns NSS's
 * PORT_GetError() into sg_err codes. Apart from smime-nss.c so that a
 * program that uses only these (sealgate certs) does not link the CMS code
 * and, through the S/MIME backend table, OpenSSL. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cert.h>
#include <certdb.h>
#include <keyhi.h>
#include <nss.h>
#include <nssb64.h>
#include <pk11pub.h>
#include <prerror.h>
#include <secerr.h>
#include <sechash.h>
#include <secoid.h>

#include "nss-private.h"
#include "sealgate/smime-nss.h"
#include "sealgate/smime.h"

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

char *sg_nss_pw_cb(PK11SlotInfo *slot, PRBool retry, void *arg) {
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
        PK11_SetPasswordFunc(sg_nss_pw_cb);
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

sg_err sg_nss_need_open(sg_error *err) {
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

sg_err sg_nss_load_cert_file(const char *path, CERTCertList *list, size_t *count, sg_error *err) {
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
                return sg_nss_load_cert_file(path, list, count, err);
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
                r = sg_nss_load_cert_file(p, list, count, &e);
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
