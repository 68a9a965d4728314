/* sealgate: the certificates of an NSS database (sealgate/certs.h): opening
 * it for writing, describing a certificate (addresses, validity, usage,
 * chain status), listing and finding. Import is in certs-import.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cert.h>
#include <certdb.h>
#include <keyhi.h>
#include <nss.h>
#include <pk11pub.h>
#include <secerr.h>
#include <secoid.h>

#include "certs-private.h"
#include "nss-private.h"
#include "sealgate/certs.h"
#include "sealgate/smime-nss.h"

static NSSInitContext *certs_ctx;
static const sg_revocation_options *certs_revocation;

void sg_certs_set_revocation(const sg_revocation_options *o) {
        certs_revocation = o;
}

sg_revocation_status sg_nss_revocation(CERTCertificate *c, const sg_revocation_options *o, char *why, size_t n) {
        if (!o || o->mode == SG_REVOCATION_OFF)
                return SG_REVOCATION_NOT_CHECKED;
        CERTCertificate *issuer = CERT_FindCertIssuer(c, PR_Now(), certUsageAnyCA);
        sg_revocation_status r =
                sg_revocation_check(c->derCert.data, c->derCert.len, issuer ? issuer->derCert.data : NULL,
                                    issuer ? issuer->derCert.len : 0, o, why, n);
        if (issuer)
                CERT_DestroyCertificate(issuer);
        return r;
}
static char *certs_db_password;

static char *db_password_cb(PK11SlotInfo *slot, PRBool retry, void *arg) {
        (void) slot;
        (void) arg;
        if (retry || !certs_db_password)
                return NULL;
        return PORT_Strdup(certs_db_password);
}

bool sg_certs_is_open(void) {
        return certs_ctx != NULL;
}

sg_err sg_certs_open(const char *dbdir, const char *db_password, sg_error *err) {
        struct stat st;
        sg_certs_close();
        sg_smime_nss_shutdown();
        if (!dbdir || stat(dbdir, &st) != 0 || !S_ISDIR(st.st_mode))
                return sg_error_set(err, SG_ERR_NSS_DB, "the NSS database directory %s does not exist",
                                    dbdir ? dbdir : "(none)");
        char *cert9 = NULL;
        if (asprintf(&cert9, "%s/cert9.db", dbdir) < 0)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        bool have = stat(cert9, &st) == 0;
        free(cert9);
        if (!have)
                return sg_error_set(err, SG_ERR_NSS_DB,
                                    "%s has no cert9.db (an sql: NSS database, as Thunderbird's since version 58)",
                                    dbdir);
        char *cfg = NULL;
        if (asprintf(&cfg, "sql:%s", dbdir) < 0)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        certs_ctx = NSS_InitContext(cfg, "", "", SECMOD_DB, NULL,
                                    NSS_INIT_NOROOTINIT | NSS_INIT_NOMODDB | NSS_INIT_OPTIMIZESPACE);
        free(cfg);
        if (!certs_ctx)
                return sg_nss_error(err, SG_ERR_NSS_DB, "cannot open the NSS database for writing");
        if (db_password) {
                certs_db_password = strdup(db_password);
                if (!certs_db_password) {
                        sg_certs_close();
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
        }
        PK11_SetPasswordFunc(db_password_cb);
        PK11SlotInfo *slot = PK11_GetInternalKeySlot();
        SECStatus s = SECSuccess;
        if (slot && PK11_NeedLogin(slot) && !PK11_IsLoggedIn(slot, NULL))
                s = PK11_Authenticate(slot, PR_TRUE, NULL);
        if (slot)
                PK11_FreeSlot(slot);
        if (s != SECSuccess) {
                sg_certs_close();
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE, "the NSS database's password is wrong or missing");
        }
        return SG_OK;
}

void sg_certs_close(void) {
        if (certs_ctx) {
                NSS_ShutdownContext(certs_ctx);
                certs_ctx = NULL;
        }
        if (certs_db_password) {
                explicit_bzero(certs_db_password, strlen(certs_db_password));
                free(certs_db_password);
                certs_db_password = NULL;
        }
}

sg_err sg_certs_list_alloc(size_t n, sg_certs_list **ret, sg_error *err) {
        sg_certs_list *l = calloc(1, sizeof *l);
        if (l && n)
                l->items = calloc(n, sizeof *l->items);
        if (!l || (n && !l->items)) {
                free(l);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        *ret = l;
        return SG_OK;
}

void sg_certs_list_free(sg_certs_list *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                sg_cert_info *c = &l->items[i];
                free(c->nickname);
                free(c->subject);
                free(c->common_name);
                free(c->issuer);
                free(c->serial);
                free(c->fingerprint);
                free(c->revocation_detail);
                for (size_t j = 0; j < c->n_emails; j++)
                        free(c->emails[j]);
        }
        free(l->items);
        free(l);
}

/* A copy in malloc'ed memory of an NSS-allocated string, which is freed. */
static char *take(char *nss) {
        char *r = nss ? strdup(nss) : NULL;
        if (nss)
                PORT_Free(nss);
        return r;
}

static const char *chain_status(CERTCertificate *c, bool sign) {
        SECCertificateUsage got = 0;
        SECCertificateUsage want = sign ? certificateUsageEmailSigner : certificateUsageEmailRecipient;
        if (c->isRoot && CERT_IsCACert(c, NULL)) {
                /* a root is as good as the trust the database gives it */
                CERTCertTrust t;
                if (CERT_GetCertTrust(c, &t) != SECSuccess || !(t.emailFlags & CERTDB_TRUSTED_CA))
                        return "untrusted_issuer";
                want = certificateUsageAnyCA;
        }
        if (CERT_VerifyCertificateNow(CERT_GetDefaultCertDB(), c, PR_TRUE, want, NULL, &got) == SECSuccess)
                return "valid";
        switch (PORT_GetError()) {
        case SEC_ERROR_EXPIRED_CERTIFICATE:
        case SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE: {
                PRTime nb = 0, na = 0;
                CERT_GetCertTimes(c, &nb, &na);
                return nb > PR_Now() ? "not_yet_valid" : "expired";
        }
        case SEC_ERROR_UNKNOWN_ISSUER:
        case SEC_ERROR_CA_CERT_INVALID:
                return "unknown_issuer";
        case SEC_ERROR_UNTRUSTED_ISSUER:
        case SEC_ERROR_UNTRUSTED_CERT:
                return "untrusted_issuer";
        case SEC_ERROR_REVOKED_CERTIFICATE:
                return "revoked";
        case SEC_ERROR_INADEQUATE_KEY_USAGE:
        case SEC_ERROR_INADEQUATE_CERT_TYPE:
                return "bad_usage";
        default:
                return "invalid";
        }
}

static bool weak_cert(CERTCertificate *c) {
        SECOidTag sig = SECOID_GetAlgorithmTag(&c->signature);
        if (sig == SEC_OID_PKCS1_SHA1_WITH_RSA_ENCRYPTION || sig == SEC_OID_PKCS1_MD5_WITH_RSA_ENCRYPTION ||
            sig == SEC_OID_PKCS1_MD2_WITH_RSA_ENCRYPTION || sig == SEC_OID_ANSIX9_DSA_SIGNATURE_WITH_SHA1_DIGEST ||
            sig == SEC_OID_ANSIX962_ECDSA_SHA1_SIGNATURE)
                return !c->isRoot; /* a root's own signature does not matter */
        SECKEYPublicKey *k = CERT_ExtractPublicKey(c);
        bool weak = k && k->keyType == rsaKey && SECKEY_PublicKeyStrengthInBits(k) < 2048;
        if (k)
                SECKEY_DestroyPublicKey(k);
        return weak;
}

sg_err sg_certs_describe(CERTCertificate *c, bool in_db, sg_certs_list *l, sg_error *err) {
        sg_cert_info *i = &l->items[l->n];
        memset(i, 0, sizeof *i);
        char buf[160], why[160];
        PRTime nb = 0, na = 0;
        CERT_GetCertTimes(c, &nb, &na);
        i->not_before = nb / PR_USEC_PER_SEC;
        i->not_after = na / PR_USEC_PER_SEC;
        i->nickname = in_db && c->nickname ? strdup(c->nickname) : NULL;
        i->subject = take(CERT_NameToAscii(&c->subject));
        i->common_name = take(CERT_GetCommonName(&c->subject));
        i->issuer = take(CERT_NameToAscii(&c->issuer));
        sg_nss_cert_serial(c, buf, sizeof buf);
        i->serial = strdup(buf);
        sg_nss_cert_fingerprint(c, buf, sizeof buf);
        i->fingerprint = strdup(buf);
        for (const char *e = CERT_GetFirstEmailAddress(c); e && i->n_emails < SG_CERTS_EMAILS_MAX;
             e = CERT_GetNextEmailAddress(c, e)) {
                bool dup = false;
                for (size_t j = 0; j < i->n_emails; j++)
                        dup = dup || strcasecmp(i->emails[j], e) == 0;
                if (!dup && (i->emails[i->n_emails] = strdup(e)))
                        i->n_emails++;
        }
        i->is_ca = CERT_IsCACert(c, NULL);
        i->can_sign = !i->is_ca && sg_nss_cert_usage_ok(c, true, why, sizeof why);
        i->can_encrypt = !i->is_ca && sg_nss_cert_usage_ok(c, false, why, sizeof why);
        if (in_db) {
                SECKEYPrivateKey *k = PK11_FindKeyByAnyCert(c, NULL);
                i->has_key = k != NULL;
                if (k)
                        SECKEY_DestroyPrivateKey(k);
        }
        i->chain = chain_status(c, i->can_sign && !i->can_encrypt);
        i->revocation = "not_checked";
        if (!i->is_ca && certs_revocation && certs_revocation->mode != SG_REVOCATION_OFF) {
                char rwhy[256];
                sg_revocation_status rs = sg_nss_revocation(c, certs_revocation, rwhy, sizeof rwhy);
                i->revocation = sg_revocation_status_name(rs);
                if (rwhy[0])
                        i->revocation_detail = strdup(rwhy);
                i->revocation_blocks = !sg_revocation_usable(rs, certs_revocation->mode);
        }
        i->weak = weak_cert(c);
        l->n++;
        if (!i->subject || !i->issuer || !i->serial || !i->fingerprint)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        return SG_OK;
}

bool sg_cert_info_usable(const sg_cert_info *c) {
        return strcmp(c->chain, "valid") == 0 && !c->revocation_blocks && (c->can_sign || c->can_encrypt);
}

static bool has_address(CERTCertificate *c, const char *addr) {
        for (const char *e = CERT_GetFirstEmailAddress(c); e; e = CERT_GetNextEmailAddress(c, e))
                if (strcasecmp(e, addr) == 0)
                        return true;
        return false;
}

/* Every certificate (filter NULL) or those for `filter`, described. */
static sg_err collect(const char *filter, sg_certs_list **ret, sg_error *err) {
        if (!certs_ctx)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no NSS database is open");
        CERTCertList *all = PK11_ListCerts(PK11CertListAll, NULL);
        if (!all)
                return sg_nss_error(err, SG_ERR_NSS_DB, "cannot list the certificates of the NSS database");
        size_t n = 0;
        for (CERTCertListNode *x = CERT_LIST_HEAD(all); !CERT_LIST_END(x, all); x = CERT_LIST_NEXT(x))
                n++;
        if (n > SG_CERTS_LIST_MAX) {
                CERT_DestroyCertList(all);
                return sg_error_set(err, SG_ERR_LIMIT, "the database holds more than %d certificates",
                                    SG_CERTS_LIST_MAX);
        }
        sg_certs_list *l = NULL;
        sg_err r = sg_certs_list_alloc(n, &l, err);
        for (CERTCertListNode *x = CERT_LIST_HEAD(all); r == SG_OK && !CERT_LIST_END(x, all); x = CERT_LIST_NEXT(x)) {
                if (filter && !has_address(x->cert, filter) &&
                    !(x->cert->nickname && strcmp(x->cert->nickname, filter) == 0))
                        continue;
                r = sg_certs_describe(x->cert, true, l, err);
        }
        CERT_DestroyCertList(all);
        if (r != SG_OK) {
                sg_certs_list_free(l);
                return r;
        }
        *ret = l;
        return SG_OK;
}

sg_err sg_certs_list_db(sg_certs_list **ret, sg_error *err) {
        return collect(NULL, ret, err);
}

sg_err sg_certs_find(const char *address_or_nickname, sg_certs_list **ret, sg_error *err) {
        return collect(address_or_nickname, ret, err);
}
