/* sealgate: NSS helpers (nss-common.c) shared by smime-nss.c, keys.c and
 * the certificate code certs*.c (internal). */
#ifndef SEALGATE_NSS_PRIVATE_H
#define SEALGATE_NSS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include <cert.h>

#include "sealgate/error.h"

/* The one place NSS's PORT_GetError() becomes sg_err: sets `err` to "what:
 * reason" and returns the code; `fallback` when the NSS error means nothing
 * more specific. */
sg_err sg_nss_error(sg_error *err, sg_err fallback, const char *what);

/* SG_OK when sg_smime_nss_init() has opened NSS, else
 * SG_ERR_INVALID_ARGUMENT. */
sg_err sg_nss_need_open(sg_error *err);

/* NSS's password callback (PK11_SetPasswordFunc, and the CMS coders'):
 * a copy of `arg` (the password), never on a retry. */
char *sg_nss_pw_cb(PK11SlotInfo *slot, PRBool retry, void *arg);

/* Adds the certificates of the one file `path` (PEM, one or more; or DER)
 * to `list`, as sg_nss_load_certs() does for each file. */
sg_err sg_nss_load_cert_file(const char *path, CERTCertList *list, size_t *count, sg_error *err);

/* Adds the certificates of `path` (a PEM file of one or more certificates, a
 * DER file, or a directory of such files; not recursive) to `list` as
 * temporary certificates. At most SG_NSS_PEM_CERTS_MAX in all (*count is the
 * running total); each file at most SG_SMIME_KEYFILE_MAX bytes. */
sg_err sg_nss_load_certs(const char *path, CERTCertList *list, size_t *count, sg_error *err);

/* Key usage and extended key usage fit for email encryption (`sign`: for
 * signing). False with a reason ("wrong key usage: ...") in `why`. */
bool sg_nss_cert_usage_ok(CERTCertificate *c, bool sign, char *why, size_t n);

/* Whether `addr` is one of the certificate's email addresses
 * (case-insensitive): the subject's emailAddress and every subjectAltName
 * rfc822Name, as NSS lists them (CERT_GetFirstEmailAddress) and `certutil
 * --email` finds them. The one answer to "does this certificate cover this
 * address" for keys.lookup, encryption and the verify result. */
bool sg_nss_cert_has_email(CERTCertificate *c, const char *addr);

/* The database's certificate for `addr` (sg_nss_cert_has_email): one valid
 * now and fit for email encryption if there is one, else any that covers it,
 * so the caller can say why it cannot be used. Owned
 * (CERT_DestroyCertificate); NULL when none covers it. */
CERTCertificate *sg_nss_find_email_cert(const char *addr);

/* Hexadecimal serial number into buf. */
void sg_nss_cert_serial(CERTCertificate *c, char *buf, size_t n);

/* SHA-256 fingerprint of the certificate, hexadecimal, into buf (65+). */
void sg_nss_cert_fingerprint(CERTCertificate *c, char *buf, size_t n);

#endif
