/* sealgate: is a certificate revoked? OCSP (RFC 6960, over HTTP with
 * libsoup: a nonce, the response's signature, its freshness, a timeout and a
 * size cap) and CRLs (from the distribution point or a configured file),
 * with a local cache that keeps an answer for its lifetime (nextUpdate).
 * What an unanswered question means is the policy's mode: off, soft-fail
 * (unknown is reported, the certificate stays usable) or hard-fail (unknown
 * makes it unusable). */
#ifndef SEALGATE_REVOCATION_H
#define SEALGATE_REVOCATION_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_REVOCATION_RESPONSE_MAX    (64 * 1024)        /* one OCSP response, bytes */
#define SG_REVOCATION_CRL_MAX         (10 * 1024 * 1024) /* one CRL, bytes */
#define SG_REVOCATION_TIMEOUT_DEFAULT 10                 /* seconds per request */
#define SG_REVOCATION_TIMEOUT_MAX     120
#define SG_REVOCATION_SKEW            300         /* seconds of clock skew allowed on thisUpdate */
#define SG_REVOCATION_MAX_AGE         (7 * 86400) /* a response without nextUpdate: older than this is stale */
#define SG_REVOCATION_URL_MAX         2048

typedef enum sg_revocation_mode {
        SG_REVOCATION_OFF = 0,
        SG_REVOCATION_SOFT_FAIL,
        SG_REVOCATION_HARD_FAIL,
} sg_revocation_mode;

typedef enum sg_revocation_status {
        SG_REVOCATION_NOT_CHECKED = 0, /* mode off */
        SG_REVOCATION_GOOD,
        SG_REVOCATION_REVOKED,
        SG_REVOCATION_UNKNOWN, /* no trustworthy answer (unreachable, forged, stale, "unknown") */
} sg_revocation_status;

typedef struct sg_revocation_options {
        sg_revocation_mode mode;
        unsigned timeout;      /* seconds per request, 0: SG_REVOCATION_TIMEOUT_DEFAULT */
        const char *cache_dir; /* answers kept here until nextUpdate; NULL: no cache */
        const char *crl_file;  /* a CRL (PEM or DER) used instead of the distribution point, or NULL */
} sg_revocation_options;

/* "off", "soft-fail", "hard-fail" → mode; false when unknown. */
bool sg_revocation_mode_parse(const char *s, sg_revocation_mode *ret);
const char *sg_revocation_mode_name(sg_revocation_mode m);
/* "not_checked", "good", "revoked", "revocation_unknown" */
const char *sg_revocation_status_name(sg_revocation_status s);

/* Checks the certificate `cert` (DER) issued by `issuer` (DER): OCSP at the
 * certificate's AIA responder, else the CRL (crl_file, else the
 * certificate's distribution point). Never fails as a whole: why (may be
 * NULL) gets the reason when the status is UNKNOWN or REVOKED. */
sg_revocation_status sg_revocation_check(const unsigned char *cert, size_t cert_len, const unsigned char *issuer,
                                         size_t issuer_len, const sg_revocation_options *o, char *why, size_t n);

/* Whether a certificate with this status may be used under `mode`. */
bool sg_revocation_usable(sg_revocation_status s, sg_revocation_mode mode);

#ifdef __cplusplus
}
#endif
#endif
