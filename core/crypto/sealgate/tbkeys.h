/* sealgate: Thunderbird's own OpenPGP readiness: the profile's public keyring
 * (pubring.gpg, read with librnp, the library Thunderbird uses) and its key
 * acceptance (openpgp.sqlite), read-only and safe while Thunderbird runs,
 * judged by Thunderbird's rules: the key and the address's user id valid,
 * not expired or revoked, an encryption-capable (sub)key, and the key
 * accepted for the address (verified or unverified) or the user's own
 * (personal). */
#ifndef SEALGATE_TBKEYS_H
#define SEALGATE_TBKEYS_H

#include <stddef.h>

#include "sealgate/error.h"
#include "sealgate/keys.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_TBKEYS_KEYRING_MAX    (64 * 1024 * 1024) /* pubring.gpg, bytes */
#define SG_TBKEYS_KEYS_MAX       20000              /* primary keys in pubring.gpg */
#define SG_TBKEYS_ACCEPTANCE_MAX 100000             /* rows of each acceptance table */
#define SG_TBKEYS_BUSY_MS        500                /* waiting for Thunderbird's write to openpgp.sqlite */

/* A profile's OpenPGP keys and acceptance, read once. */
typedef struct sg_tbkeys sg_tbkeys;

/* Reads `profile_dir`/pubring.gpg and `profile_dir`/openpgp.sqlite (each
 * may be missing: no keys, nothing accepted). The keyring is read into
 * memory at once (Thunderbird is never locked out of it); the database is
 * opened read-only through SQLite, so its write-ahead log is seen, and
 * closed before returning. SG_ERR_LIMIT past the SG_TBKEYS_* limits,
 * SG_ERR_IO when a file cannot be read or librnp refuses the
 * keyring. *ret is owned (sg_tbkeys_free()). */
sg_err sg_tbkeys_open(const char *profile_dir, sg_tbkeys **ret, sg_error *err);

/* Frees `t`; takes NULL; returns NULL. */
sg_tbkeys *sg_tbkeys_free(sg_tbkeys *t);

/* Primary keys read. */
size_t sg_tbkeys_count(const sg_tbkeys *t);

/* Whether Thunderbird encrypts to `address` now, into *f (cleared first;
 * method "thunderbird"; acceptance and fix set). The most actionable
 * finding when several keys carry the address. */
sg_err sg_tbkeys_check(const sg_tbkeys *t, const char *address, sg_key_found *f, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
