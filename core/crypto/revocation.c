/* sealgate: revocation checking (sealgate/revocation.h): OCSP requests and
 * responses and CRLs with OpenSSL's OCSP and X509_CRL code, the HTTP
 * transport with libsoup, and a cache of verified answers (each answer is
 * verified again when it is read back, so the cache is only a store). The
 * modes' and statuses' names are in revocation-mode.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sealgate/revocation.h"

#define WHY(...) (why ? (void) snprintf(why, n, __VA_ARGS__) : (void) 0)

/* ---- HTTP ------------------------------------------------------------------ */

/* GET (body NULL) or POST `url`; at most `max` bytes of answer. */
static bool fetch(const char *url, const unsigned char *body, size_t body_len, unsigned timeout, size_t max,
                  unsigned char **ret, size_t *ret_len, char *why, size_t n) {
        if (strlen(url) > SG_REVOCATION_URL_MAX ||
            (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
                WHY("not an http(s) URL: %.100s", url);
                return false;
        }
        SoupSession *s = soup_session_new_with_options("timeout", timeout, "idle-timeout", timeout, "user-agent",
                                                       "sealgate", NULL);
        SoupMessage *msg = soup_message_new(body ? "POST" : "GET", url);
        bool okay = false;
        GError *e = NULL;
        GInputStream *in = NULL;
        unsigned char *data = NULL;
        if (!msg) {
                WHY("not a valid URL: %.100s", url);
                goto out;
        }
        if (body) {
                GBytes *b = g_bytes_new(body, body_len);
                soup_message_set_request_body_from_bytes(msg, "application/ocsp-request", b);
                g_bytes_unref(b);
        }
        in = soup_session_send(s, msg, NULL, &e);
        if (!in) {
                WHY("%.100s unreachable: %s", url, e ? e->message : "no answer");
                goto out;
        }
        if (soup_message_get_status(msg) != 200) {
                WHY("%.100s answered HTTP %u", url, soup_message_get_status(msg));
                goto out;
        }
        data = malloc(max + 1);
        size_t len = 0;
        while (data && len <= max) {
                gssize k = g_input_stream_read(in, data + len, max + 1 - len, NULL, &e);
                if (k < 0) {
                        WHY("%.100s: reading the answer failed: %s", url, e ? e->message : "error");
                        goto out;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        if (!data || len > max) {
                WHY("%.100s: the answer is larger than %zu bytes", url, max);
                goto out;
        }
        *ret = data;
        *ret_len = len;
        data = NULL;
        okay = true;
out:
        free(data);
        if (e)
                g_error_free(e);
        if (in)
                g_object_unref(in);
        if (msg)
                g_object_unref(msg);
        g_object_unref(s);
        return okay;
}

/* ---- cache ------------------------------------------------------------------ */

static char *cache_path(const char *dir, const char *kind, const unsigned char *key, size_t key_len) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        if (!dir || !EVP_Digest(key, key_len, md, &mdlen, EVP_sha256(), NULL))
                return NULL;
        for (unsigned i = 0; i < mdlen; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
        char *p = NULL;
        return asprintf(&p, "%s/%s-%s.der", dir, kind, hex) < 0 ? NULL : p;
}

static bool cache_read(const char *path, size_t max, unsigned char **ret, size_t *ret_len) {
        if (!path)
                return false;
        FILE *f = fopen(path, "rb");
        if (!f)
                return false;
        unsigned char *d = malloc(max + 1);
        size_t len = d ? fread(d, 1, max + 1, f) : 0;
        fclose(f);
        if (!d || len == 0 || len > max) {
                free(d);
                return false;
        }
        *ret = d;
        *ret_len = len;
        return true;
}

/* Written to a temporary file and renamed: a reader never sees half. */
static void cache_write(const char *path, const unsigned char *d, size_t len) {
        if (!path)
                return;
        char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) {
                *slash = '\0';
                mkdir(dir, 0700);
        }
        free(dir);
        char *tmp = NULL;
        if (asprintf(&tmp, "%s.%ld.tmp", path, (long) getpid()) < 0)
                return;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
                bool ok = write(fd, d, len) == (ssize_t) len;
                ok = close(fd) == 0 && ok;
                if (!ok || rename(tmp, path) != 0)
                        unlink(tmp);
        }
        free(tmp);
}

/* ---- OCSP --------------------------------------------------------------------- */

/* Verifies `der` as the answer about `id` (nonce against `req` unless NULL).
 * Returns the status; UNKNOWN with why when it cannot be trusted. */
static sg_revocation_status ocsp_verify(const unsigned char *der, size_t len, OCSP_REQUEST *req, OCSP_CERTID *id,
                                        X509 *issuer, char *why, size_t n) {
        const unsigned char *p = der;
        OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long) len);
        OCSP_BASICRESP *bs = NULL;
        X509_STORE *store = NULL;
        STACK_OF(X509) *certs = NULL;
        sg_revocation_status r = SG_REVOCATION_UNKNOWN;
        int status = -1, reason = -1;
        ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
        if (!resp) {
                WHY("the OCSP response cannot be decoded");
                goto out;
        }
        if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
                WHY("the OCSP responder refused: %s", OCSP_response_status_str(OCSP_response_status(resp)));
                goto out;
        }
        bs = OCSP_response_get1_basic(resp);
        if (!bs) {
                WHY("the OCSP response has no basic response");
                goto out;
        }
        if (req && OCSP_check_nonce(req, bs) == 0) {
                WHY("the OCSP response's nonce does not match the request's (a replayed response)");
                goto out;
        }
        store = X509_STORE_new();
        certs = sk_X509_new_null();
        if (!store || !certs || !X509_STORE_add_cert(store, issuer) || !sk_X509_push(certs, issuer))
                goto out;
        X509_up_ref(issuer);
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
        if (OCSP_basic_verify(bs, certs, store, 0) <= 0) {
                WHY("the OCSP response's signature is not the issuer's or its delegated responder's (forged)");
                goto out;
        }
        if (!OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd)) {
                WHY("the OCSP response does not answer for this certificate");
                goto out;
        }
        if (!OCSP_check_validity(thisupd, nextupd, SG_REVOCATION_SKEW, SG_REVOCATION_MAX_AGE)) {
                WHY("the OCSP response is stale (or not yet valid)");
                goto out;
        }
        if (status == V_OCSP_CERTSTATUS_GOOD) {
                r = SG_REVOCATION_GOOD;
        } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
                r = SG_REVOCATION_REVOKED;
                WHY("revoked (OCSP, reason %s)", reason >= 0 ? OCSP_crl_reason_str(reason) : "unspecified");
        } else {
                WHY("the OCSP responder does not know the certificate");
        }
out:
        sk_X509_pop_free(certs, X509_free);
        X509_STORE_free(store);
        OCSP_BASICRESP_free(bs);
        OCSP_RESPONSE_free(resp);
        return r;
}

/* -1: the certificate names no OCSP responder. */
static int ocsp_check(X509 *cert, X509 *issuer, const sg_revocation_options *o, unsigned timeout, char *why, size_t n) {
        STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(cert);
        if (!urls || sk_OPENSSL_STRING_num(urls) == 0) {
                X509_email_free(urls);
                return -1;
        }
        const char *url = sk_OPENSSL_STRING_value(urls, 0);
        OCSP_CERTID *id = OCSP_cert_to_id(NULL, cert, issuer);
        unsigned char *key = NULL, *reqder = NULL, *answer = NULL;
        size_t answer_len = 0;
        int key_len = id ? i2d_OCSP_CERTID(id, &key) : -1;
        char *cpath = key_len > 0 ? cache_path(o->cache_dir, "ocsp", key, (size_t) key_len) : NULL;
        sg_revocation_status r = SG_REVOCATION_UNKNOWN;
        OCSP_REQUEST *req = NULL;
        if (!id) {
                WHY("cannot make the OCSP certificate id");
                goto out;
        }
        if (cache_read(cpath, SG_REVOCATION_RESPONSE_MAX, &answer, &answer_len)) {
                char cwhy[256];
                r = ocsp_verify(answer, answer_len, NULL, id, issuer, cwhy, sizeof cwhy);
                free(answer);
                answer = NULL;
                if (r != SG_REVOCATION_UNKNOWN) {
                        if (r == SG_REVOCATION_REVOKED)
                                WHY("%s", cwhy);
                        goto out;
                }
                unlink(cpath); /* stale: ask again */
        }
        req = OCSP_REQUEST_new();
        OCSP_CERTID *id2 = OCSP_CERTID_dup(id);
        if (!req || !id2 || !OCSP_request_add0_id(req, id2) || !OCSP_request_add1_nonce(req, NULL, -1)) {
                WHY("cannot make the OCSP request");
                goto out;
        }
        int reqlen = i2d_OCSP_REQUEST(req, &reqder);
        if (reqlen <= 0 ||
            !fetch(url, reqder, (size_t) reqlen, timeout, SG_REVOCATION_RESPONSE_MAX, &answer, &answer_len, why, n))
                goto out;
        r = ocsp_verify(answer, answer_len, req, id, issuer, why, n);
        if (r != SG_REVOCATION_UNKNOWN)
                cache_write(cpath, answer, answer_len);
out:
        free(answer);
        OPENSSL_free(reqder);
        OPENSSL_free(key);
        free(cpath);
        OCSP_REQUEST_free(req);
        OCSP_CERTID_free(id);
        X509_email_free(urls);
        return (int) r;
}

/* ---- CRL ----------------------------------------------------------------------- */

static X509_CRL *crl_decode(const unsigned char *d, size_t len) {
        const unsigned char *p = d;
        X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long) len);
        if (!crl) {
                BIO *b = BIO_new_mem_buf(d, (int) len);
                crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
                BIO_free(b);
        }
        return crl;
}

static char *crl_url(X509 *cert) {
        STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
        char *url = NULL;
        for (int i = 0; dps && !url && i < sk_DIST_POINT_num(dps); i++) {
                DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
                if (!dp->distpoint || dp->distpoint->type != 0)
                        continue;
                GENERAL_NAMES *names = dp->distpoint->name.fullname;
                for (int j = 0; !url && j < sk_GENERAL_NAME_num(names); j++) {
                        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, j);
                        if (g->type == GEN_URI)
                                url = strndup((const char *) ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
                                              (size_t) ASN1_STRING_length(g->d.uniformResourceIdentifier));
                }
        }
        sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
        return url;
}

/* The CRL's verdict; UNKNOWN when it is not the issuer's, or stale. */
static sg_revocation_status crl_verdict(X509_CRL *crl, X509 *cert, X509 *issuer, char *why, size_t n) {
        EVP_PKEY *k = X509_get0_pubkey(issuer);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0 || !k ||
            X509_CRL_verify(crl, k) != 1) {
                WHY("the CRL is not signed by the certificate's issuer");
                return SG_REVOCATION_UNKNOWN;
        }
        const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
        if (!next || X509_cmp_current_time(next) < 0) {
                WHY("the CRL is stale (its nextUpdate has passed)");
                return SG_REVOCATION_UNKNOWN;
        }
        X509_REVOKED *e = NULL;
        if (X509_CRL_get0_by_cert(crl, &e, cert) == 1) {
                WHY("revoked (CRL)");
                return SG_REVOCATION_REVOKED;
        }
        return SG_REVOCATION_GOOD;
}

static sg_revocation_status crl_check(X509 *cert, X509 *issuer, const sg_revocation_options *o, unsigned timeout,
                                      char *why, size_t n) {
        unsigned char *d = NULL;
        size_t len = 0;
        char *url = NULL, *cpath = NULL;
        bool fetched = false;
        if (o->crl_file) {
                if (!cache_read(o->crl_file, SG_REVOCATION_CRL_MAX, &d, &len)) {
                        WHY("the CRL file %s cannot be read (or is over %d bytes)", o->crl_file, SG_REVOCATION_CRL_MAX);
                        return SG_REVOCATION_UNKNOWN;
                }
        } else {
                url = crl_url(cert);
                if (!url) {
                        WHY("the certificate names no OCSP responder and no CRL distribution point");
                        return SG_REVOCATION_UNKNOWN;
                }
                cpath = cache_path(o->cache_dir, "crl", (const unsigned char *) url, strlen(url));
                if (!cache_read(cpath, SG_REVOCATION_CRL_MAX, &d, &len)) {
                        if (!fetch(url, NULL, 0, timeout, SG_REVOCATION_CRL_MAX, &d, &len, why, n)) {
                                free(url);
                                free(cpath);
                                return SG_REVOCATION_UNKNOWN;
                        }
                        fetched = true;
                }
        }
        X509_CRL *crl = crl_decode(d, len);
        sg_revocation_status r = SG_REVOCATION_UNKNOWN;
        if (!crl)
                WHY("the CRL cannot be decoded");
        else
                r = crl_verdict(crl, cert, issuer, why, n);
        if (fetched && r != SG_REVOCATION_UNKNOWN)
                cache_write(cpath, d, len);
        else if (!fetched && cpath && r == SG_REVOCATION_UNKNOWN)
                unlink(cpath); /* a stale cached CRL */
        X509_CRL_free(crl);
        free(d);
        free(url);
        free(cpath);
        return r;
}

sg_revocation_status sg_revocation_check(const unsigned char *cert_der, size_t cert_len,
                                         const unsigned char *issuer_der, size_t issuer_len,
                                         const sg_revocation_options *o, char *why, size_t n) {
        if (why && n)
                why[0] = '\0';
        if (!o || o->mode == SG_REVOCATION_OFF)
                return SG_REVOCATION_NOT_CHECKED;
        unsigned timeout = o->timeout ? o->timeout : SG_REVOCATION_TIMEOUT_DEFAULT;
        if (timeout > SG_REVOCATION_TIMEOUT_MAX)
                timeout = SG_REVOCATION_TIMEOUT_MAX;
        const unsigned char *p = cert_der, *q = issuer_der;
        X509 *cert = d2i_X509(NULL, &p, (long) cert_len);
        X509 *issuer = issuer_der ? d2i_X509(NULL, &q, (long) issuer_len) : NULL;
        sg_revocation_status r = SG_REVOCATION_UNKNOWN;
        if (!cert || !issuer) {
                WHY("%s", cert ? "the issuer's certificate is missing" : "the certificate cannot be decoded");
        } else {
                int oc = o->crl_file ? -1 : ocsp_check(cert, issuer, o, timeout, why, n);
                r = oc >= 0 ? (sg_revocation_status) oc : crl_check(cert, issuer, o, timeout, why, n);
        }
        X509_free(cert);
        X509_free(issuer);
        return r;
}
