/* sealgate: certificates in an NSS database (a Thunderbird profile's):
 * import a PKCS#12 file, a certificate, a chain or a signed message's
 * certificates, list them, and describe one (addresses, validity, usage,
 * chain and revocation status). The engine of `sealgate certs` and the
 * certificate wizard. */
#ifndef SEALGATE_CERTS_H
#define SEALGATE_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"
#include "sealgate/revocation.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_CERTS_FILE_MAX     (10 * 1024 * 1024) /* one file to import or read, bytes */
#define SG_CERTS_PASSWORD_MAX 256                /* a PKCS#12 password, bytes (UTF-8) */
#define SG_CERTS_IN_FILE_MAX  100                /* certificates in one file */
#define SG_CERTS_LIST_MAX     10000              /* certificates listed from one database */
#define SG_CERTS_EMAILS_MAX   32                 /* addresses reported for one certificate */
#define SG_CERTS_GPGSM_TRIES  5                  /* encodings of one PKCS#12 file tried with gpgsm */

typedef enum sg_certs_kind {
        SG_CERTS_KIND_PKCS12 = 0, /* .p12/.pfx: certificates and a private key */
        SG_CERTS_KIND_CERTS,      /* PEM/DER certificates, a .p7b/.p7c chain or a .p7s signature */
        SG_CERTS_KIND_MESSAGE,    /* a signed message (.eml): the signature's certificates */
} sg_certs_kind;

/* What one certificate is. Strings owned by the list. */
typedef struct sg_cert_info {
        char *nickname;    /* in the database; NULL for a file's certificate not imported */
        char *subject;     /* RFC 4514 string */
        char *common_name; /* or NULL */
        char *issuer;
        char *serial;                      /* hex */
        char *fingerprint;                 /* SHA-256, hex */
        char *emails[SG_CERTS_EMAILS_MAX]; /* subjectAltName rfc822Name and subject E= */
        size_t n_emails;
        int64_t not_before, not_after; /* seconds since the epoch, UTC */
        bool can_sign, can_encrypt;    /* key usage / extended key usage fit for e-mail */
        bool is_ca;
        bool has_key;            /* the database holds its private key */
        const char *chain;       /* "valid", "expired", "not_yet_valid", "untrusted_issuer",
                               "unknown_issuer", "revoked", "bad_usage", "invalid" */
        const char *revocation;  /* "not_checked", "good", "revoked", "revocation_unknown" */
        char *revocation_detail; /* why unknown, or NULL */
        bool revocation_blocks;  /* revoked, or unknown under hard-fail */
        bool weak;               /* RSA under 2048 bits, or signed with SHA-1/MD5 */
} sg_cert_info;

typedef struct sg_certs_list {
        sg_cert_info *items;
        size_t n;
} sg_certs_list;

/* Opens the NSS database in `dbdir` for reading and writing (the sql:
 * format, shared with a running Thunderbird). Replaces any NSS state the
 * process had (NSS is process-wide). SG_ERR_NSS_DB when it cannot be opened
 * or is not an sql: database (cert9.db). `db_password` unlocks a database
 * that has one (NULL: none). */
sg_err sg_certs_open(const char *dbdir, const char *db_password, sg_error *err);

/* How the descriptions that follow check revocation (borrowed; NULL: not
 * at all, "not_checked"). */
void sg_certs_set_revocation(const sg_revocation_options *o);

/* Closes what sg_certs_open() opened; may be called when not open. */
void sg_certs_close(void);

/* The kind of the file's content (not its name), read from `data`. */
sg_err sg_certs_sniff(const unsigned char *data, size_t len, sg_certs_kind *ret, sg_error *err);

/* Reads `path` (at most SG_CERTS_FILE_MAX bytes) and describes the
 * certificates it holds, without importing anything; a PKCS#12 needs its
 * password (its MAC is checked). Requires sg_certs_open() (chain status is
 * against the open database). *ret is owned (sg_certs_list_free()). */
sg_err sg_certs_read(const char *path, const char *password, sg_certs_list **ret, sg_error *err);

/* Imports `path` into the open database. Nothing is changed on failure: the
 * whole file is decoded and checked (password, MAC, one private key that
 * matches a certificate, at most SG_CERTS_IN_FILE_MAX certificates) before
 * anything is written, and what was written is removed when a later step
 * fails. Errors: SG_ERR_WRONG_PASSPHRASE, SG_ERR_UNKNOWN_ALGORITHM (an
 * encryption or MAC algorithm NSS does not implement), SG_ERR_TRUNCATED
 * (corrupt or cut short), SG_ERR_NO_CERTIFICATE (nothing to import),
 * SG_ERR_NO_PRIVATE_KEY / SG_ERR_CERT_UNUSABLE (a PKCS#12 with no key, with
 * several, or with a key that matches no certificate), SG_ERR_LIMIT (file or
 * password over its limit), SG_ERR_MIME (a message that is not signed),
 * SG_ERR_NSS_DB (the database refused the write). *ret (may be NULL) gets
 * the imported certificates, described after the import. */
sg_err sg_certs_import(const char *path, const char *password, sg_certs_list **ret, sg_error *err);

/* Makes Thunderbird identity `identity` ("id1", ...) of the profile in
 * `profile_dir` sign and encrypt with the certificate `nickname` of the open
 * database (which must hold its private key): the identity's
 * signing_cert_dbkey, encryption_cert_dbkey and the _name prefs, written
 * into prefs.js (atomically: a new file renamed over it). Only while
 * Thunderbird does not run on the profile (SG_ERR_IO otherwise: it rewrites
 * prefs.js when it exits); it reads them at its next start, and a later
 * choice in its settings wins. SG_ERR_INVALID_ARGUMENT when the profile has
 * no such identity. */
sg_err sg_certs_use_for_identity(const char *profile_dir, const char *nickname, const char *identity, sg_error *err);

/* Imports `path` into GnuPG's gpgsm (the keybox of `homedir`, NULL:
 * $GNUPGHOME or ~/.gnupg; the private key into its gpg-agent) with
 * `gpgsm --import`. Needs no open database. A PKCS#12 file is read with
 * OpenSSL first (every encoding; its MAC checked: SG_ERR_WRONG_PASSPHRASE)
 * and handed over re-encoded as gpgsm 2.2 reads it (3DES, SHA-1 MAC, the
 * same password). Errors besides sg_certs_import()'s: SG_ERR_KEY_UNUSABLE
 * for a key that is not RSA (gpgsm 2.2 cannot import ECDSA from PKCS#12),
 * SG_ERR_DECRYPT_FAILED when gpgsm still could not decrypt it after
 * SG_CERTS_GPGSM_TRIES fresh encodings, SG_ERR_INVALID_ARGUMENT for a
 * signed message, SG_ERR_IO when gpgsm cannot be run or refused. A refused
 * key is checked before gpgsm is started, so nothing is written then.
 * *secret_keys (may be NULL) gets the number of private keys gpgsm holds
 * from the file (imported or already there). */
sg_err sg_certs_import_gpgsm(const char *path, const char *password, const char *homedir, int *secret_keys,
                             sg_error *err);

/* The first S/MIME signature part (application/pkcs7-signature or
 * pkcs7-mime, depth-first) of the message in `data`, decoded: *out (owned,
 * malloc'ed with one spare byte after *out_len) gets its DER or PEM.
 * SG_ERR_MIME when the message cannot be parsed or has no such part
 * (certs-message.c; needs no open database). */
sg_err sg_certs_message_signature(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len,
                                  sg_error *err);

/* Every certificate in the open database. */
sg_err sg_certs_list_db(sg_certs_list **ret, sg_error *err);

/* The certificates in the open database for `address` (case-insensitive,
 * subjectAltName rfc822Name or subject E=), or with that nickname. An empty
 * list is not an error. */
sg_err sg_certs_find(const char *address_or_nickname, sg_certs_list **ret, sg_error *err);

/* Whether the certificate can be used for e-mail now: chain "valid", not
 * revoked, and fit for signing or encryption. */
bool sg_cert_info_usable(const sg_cert_info *c);

void sg_certs_list_free(sg_certs_list *l);

#ifdef __cplusplus
}
#endif
#endif
