/* sealgate: OpenPGP operations behind a table, one table per backend (GPGME
 * now). The table works on OpenPGP data over sources and sinks; the PGP/MIME
 * wrapping (RFC 3156) is in mime-pgp.h. Results have the shape of smime.h's. */
#ifndef SEALGATE_PGP_H
#define SEALGATE_PGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"
#include "sealgate/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_PGP_RECIPIENTS_MAX 500                /* recipients of one encryption */
#define SG_PGP_SIGNATURE_MAX  (1024 * 1024)      /* a detached signature */
#define SG_PGP_DECRYPT_MAX    ((size_t) 1 << 30) /* OpenPGP input of decrypt, when max_input is 0 */
#define SG_PGP_OPAQUE_MAX     ((size_t) 1 << 30) /* a signed message with the content inside */
#define SG_PGP_PASSPHRASE_MAX 255                /* gpg-agent takes no longer one by loopback pinentry */
#define SG_PGP_SIGNERS_MAX    16                 /* signatures reported on one message */
#define SG_PGP_HOLD_MAX       (1024 * 1024)      /* decrypt: plaintext held until gpg reports integrity */

/* The keyring and the secret of one operation. Strings are borrowed. */
typedef struct sg_pgp_keyring {
        const char *homedir;    /* GNUPGHOME; NULL: GnuPG's default */
        const char *passphrase; /* given to gpg-agent by loopback pinentry; NULL: none */
        int64_t verify_at;      /* verify: the keys' validity (key_time_valid) is judged at this time, seconds
                                 * since the epoch (UTC); 0: now, as gpg judges it */
} sg_pgp_keyring;

/* What verification found about one signature; every check separately. The
 * names are those of sg_smime_signer where they mean the same. */
typedef struct sg_pgp_signer {
        bool signature_valid;      /* the signature matches the content and the signer's key */
        char *fingerprint;         /* of the signing (sub)key, as gpg reports it; hexadecimal */
        char *primary_fingerprint; /* of the primary key, NULL if the key is not in the keyring */
        char **user_ids;           /* "Name <address>", UTF-8 */
        size_t n_user_ids;
        char **emails; /* the user ids' addresses */
        size_t n_emails;
        int64_t not_before;  /* key creation, seconds since the epoch */
        int64_t not_after;   /* key expiry; 0: does not expire */
        bool key_time_valid; /* the key is not expired now (and was not at signing); with verify_at: valid then */
        bool key_revoked;    /* the key or the signing subkey is revoked */
        char *validity;      /* the key's validity in the keyring: "ultimate", "full", "marginal", "never",
                               * "unknown", "undefined" */
        bool key_trusted;    /* validity is full or ultimate */
        char *trust_error;   /* why not (NULL when trusted) */
        bool email_checked;  /* a From address was given */
        bool email_matches;  /* it is one of `emails` (case-insensitive) */
        bool usage_ok;       /* the key is capable of signing */
        char *usage_error;   /* why not (NULL when fit) */
        bool has_signing_time;
        int64_t signing_time;
        char *digest;      /* "sha256", ... */
        char *pubkey_algo; /* "EdDSA", "RSA", ... */
        bool valid;        /* every check above passed (the email one only when checked) */
} sg_pgp_signer;

typedef struct sg_pgp_verify_result {
        bool valid; /* at least one signature, and every one valid */
        sg_pgp_signer *signers;
        size_t n_signers;
} sg_pgp_verify_result;

/* Frees `r` and everything in it; takes NULL; returns NULL. */
sg_pgp_verify_result *sg_pgp_verify_result_free(sg_pgp_verify_result *r);

/* Flags of encrypt. */
enum {
        SG_PGP_ARMOR = 1 << 0,        /* ASCII armor (PGP/MIME needs it) instead of binary packets */
        SG_PGP_ALWAYS_TRUST = 1 << 1, /* encrypt to keys whose validity is not full (the caller vouches) */
};

/* The operations of one backend. Every function reads `in` to its end or
 * fails; on failure, what was already written to a sink must be discarded by
 * the caller (decryption output is only authenticated at the end). */
typedef struct sg_pgp_ops {
        const char *name; /* "gpgme" */

        /* Encrypt `in` to every recipient (an address, matched exactly against
         * a user id, or a fingerprint) onto `out`. With `signer` (an address
         * or fingerprint of a secret key; NULL: do not sign) also sign. A
         * recipient without a key gives no_public_key; with only expired,
         * revoked or non-encrypting keys key_expired, key_revoked,
         * key_unusable. */
        sg_err (*encrypt)(const sg_pgp_keyring *kr, const char *const *recipients, size_t n_recipients,
                          const char *signer, unsigned flags, sg_source *in, sg_sink *out, sg_error *err);

        /* Decrypt OpenPGP (armored or binary) from `in`, plaintext to `out`.
         * `max_input` bounds the bytes read (0: SG_PGP_DECRYPT_MAX). Data
         * without integrity protection (no MDC, no AEAD) gives no_integrity.
         * If the message is also signed and `ret_result` is not NULL,
         * *ret_result (owned) receives the verification, checked against
         * `from` (may be NULL); else it is set to NULL. */
        sg_err (*decrypt)(const sg_pgp_keyring *kr, size_t max_input, const char *from, sg_source *in, sg_sink *out,
                          sg_pgp_verify_result **ret_result, sg_error *err);

        /* Sign `in` (bytes exactly as they are to be signed) with `signer`
         * (address or fingerprint; NULL: gpg's default key): the content goes
         * to `content_out` (may be NULL) as it is read, then the detached
         * signature (armored when SG_PGP_ARMOR) to `sig_out`. *ret_digest
         * (may be NULL) receives the digest used ("sha256"; static). */
        sg_err (*sign)(const sg_pgp_keyring *kr, const char *signer, unsigned flags, sg_source *in,
                       sg_sink *content_out, sg_sink *sig_out, const char **ret_digest, sg_error *err);

        /* Verify the detached signature `sig` (at most SG_PGP_SIGNATURE_MAX
         * bytes) over `content`; `from` (may be NULL) is compared with the
         * signer's addresses. SG_OK means the checks were made: *ret_result
         * (owned, sg_pgp_verify_result_free()) says what they found. */
        sg_err (*verify)(const sg_pgp_keyring *kr, const void *sig, size_t sig_len, sg_source *content,
                         const char *from, sg_pgp_verify_result **ret_result, sg_error *err);

        /* Verify a signed message with the content inside (gpg --sign or
         * --clearsign) from `in` (at most SG_PGP_OPAQUE_MAX bytes). The content
         * goes to `content_out` (may be NULL) only when the result is valid
         * (it is held in a temporary file meanwhile). As verify otherwise. */
        sg_err (*verify_opaque)(const sg_pgp_keyring *kr, sg_source *in, const char *from, sg_sink *content_out,
                                sg_pgp_verify_result **ret_result, sg_error *err);
} sg_pgp_ops;

/* The GPGME backend (core/crypto/pgp-gpgme.c); a static table. */
const sg_pgp_ops *sg_pgp_gpgme(void);

/* GPGME's one-time set-up (gpgme_check_version, which must not race with
 * another thread's first GPGME call), made once whichever thread comes
 * first; every user of GPGME in sealgate calls this before anything else.
 * False when GPGME or GnuPG 2.2+ cannot be used. */
bool sg_pgp_gpgme_ready(void);

#ifdef __cplusplus
}
#endif
#endif
