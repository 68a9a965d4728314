/* sealgate: the NSS backend of smime.h (libsmime3 NSS_CMS*), over a read-only
 * NSS database such as a Thunderbird profile's. Opening NSS, certificates
 * from files and the error mapping (sg_nss_error()) are in nss-common.c. */
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
                sg_err r = sg_nss_load_cert_file(name, l, &count, err);
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
        sg_err r = sg_nss_need_open(err);
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
        sg_err r = sg_nss_need_open(err);
        if (r != SG_OK)
                return r;
        if (!max_input)
                max_input = SG_SMIME_DECRYPT_MAX;
        void *pw = key ? (void *) key->passphrase : NULL;
        out_ctx oc = {.sink = out};
        unsigned char *buf = malloc(CHUNK);
        if (!buf)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        NSSCMSDecoderContext *dcx = NSS_CMSDecoder_Start(NULL, out_cb, &oc, sg_nss_pw_cb, pw, NULL, NULL);
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
        sg_err r = sg_nss_need_open(err);
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
                arena ? NSS_CMSEncoder_Start(cmsg, NULL, NULL, &der, arena, sg_nss_pw_cb, pw, NULL, NULL, NULL, NULL)
                      : NULL;
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
        sg_err r = sg_nss_need_open(err);
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
        sg_err r = sg_nss_need_open(err);
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
