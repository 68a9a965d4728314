/* sealgate: the NSS backend of smime.h, over an NSS certificate database
 * (such as a Thunderbird profile's), opened read-only. */
#ifndef SEALGATE_SMIME_NSS_H
#define SEALGATE_SMIME_NSS_H

#include "sealgate/error.h"
#include "sealgate/smime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_NSS_PEM_CERTS_MAX 1000 /* certificates in one PEM file or directory given as a store */

/* Opens NSS over the database in directory `dbdir` (NULL: no database, only
 * certificates from files) read-only: no lock is taken and nothing is ever
 * written, so a running Thunderbird using the same sql: database is not
 * disturbed. Calling it again with another directory reopens NSS (NSS is
 * process-wide). SG_ERR_NSS_DB when the database cannot be opened. */
sg_err sg_smime_nss_init(const char *dbdir, sg_error *err);

/* Closes NSS (after the last use of the table); takes no arguments, may be
 * called when not open. */
void sg_smime_nss_shutdown(void);

/* The NSS backend (core/crypto/smime-nss.c); a static table. Requires
 * sg_smime_nss_init(). With this backend:
 *   - recipients of encrypt are certificate files (PEM/DER) or, when no such
 *     file exists, an email address or nickname found in the database;
 *   - sg_smime_key.path is the nickname or email address of one's own
 *     certificate in the database (sign; decrypt finds the key by the
 *     message's recipients and ignores it), .passphrase the database
 *     password (NULL: none), .cert_path unused;
 *   - sg_smime_trust.ca_file adds trust anchors to the database's trust.
 * What it cannot do is in its `supports` bits (SG_SMIME_SUPPORTS_DATABASE
 * only): no ca_dir, no system trust (ignored), no AES-GCM either way (NSS
 * writes and reads no AuthEnvelopedData). Its init and cleanup are the two
 * functions above. */
const sg_smime_ops *sg_smime_nss(void);

#ifdef __cplusplus
}
#endif
#endif
