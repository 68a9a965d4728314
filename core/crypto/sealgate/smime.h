/* sealgate: S/MIME (RFC 5652 CMS) operations behind a table, one table per
 * backend (OpenSSL in smime-openssl*.c, NSS in smime-nss.c), chosen in one
 * place, sg_smime_backend() (smime.c). The table works on CMS objects in
 * DER/BER over sources and sinks; the MIME wrapping is in mime-smime.h. */
#ifndef SEALGATE_SMIME_H
#define SEALGATE_SMIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"
#include "sealgate/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_SMIME_KEYFILE_MAX    (1024 * 1024)        /* a PKCS#12, PEM key or certificate file */
#define SG_SMIME_SIGNATURE_MAX  (1024 * 1024)        /* a detached signature (CMS DER) */
#define SG_SMIME_RECIPIENTS_MAX 500                  /* recipients of one encryption */
#define SG_SMIME_DECRYPT_MAX    ((size_t) 1 << 30)   /* CMS input of decrypt, when max_input is 0 */
#define SG_SMIME_OPAQUE_MAX     ((size_t) 256 << 20) /* an opaque signed message (held in memory) */

typedef enum sg_smime_cipher {
        SG_SMIME_AES256_CBC = 0, /* EnvelopedData; the default, read by every peer */
        SG_SMIME_AES256_GCM,     /* AuthEnvelopedData (RFC 5083/5084): authenticated */
        SG_SMIME_AES128_CBC,
} sg_smime_cipher;

typedef enum sg_smime_digest {
        SG_SMIME_SHA256 = 0,
        SG_SMIME_SHA384,
        SG_SMIME_SHA512,
} sg_smime_digest;

/* One's own key and certificate (signing, decryption). Strings are borrowed. */
typedef struct sg_smime_key {
        const char *path;       /* OpenSSL: a PKCS#12 file, or a PEM file with the private key */
        const char *cert_path;  /* PEM certificate(s) when `path` holds only a key; else NULL */
        const char *passphrase; /* NULL: none (the empty passphrase is tried) */
} sg_smime_key;

/* Trust anchors for verification. Strings are borrowed. */
typedef struct sg_smime_trust {
        const char *ca_file; /* PEM file of trusted certificates, or NULL */
        const char *ca_dir;  /* OpenSSL hashed directory, or NULL */
        bool system;         /* also the system's store */
        int64_t at;          /* verification time, seconds since the epoch (UTC): the certificates'
                              * validity (cert_time_valid) is judged then; 0: now */
} sg_smime_trust;

/* What verification found about one signer; every check separately. */
typedef struct sg_smime_signer {
        bool signature_valid;  /* the signature matches the content and the signer's key */
        char *signature_error; /* why not (NULL when valid): what is wrong, not always a changed content */
        char *subject;         /* RFC 2253, UTF-8 */
        char *issuer;          /* RFC 2253, UTF-8 */
        char *serial;          /* hexadecimal */
        char **emails;         /* subjectAltName rfc822Name and subject emailAddress */
        size_t n_emails;
        int64_t not_before; /* seconds since the epoch, UTC */
        int64_t not_after;
        bool cert_time_valid;  /* now (or sg_smime_trust.at) is within not_before .. not_after */
        bool chain_trusted;    /* the chain reaches a trust anchor (validity times aside) */
        char *chain_error;     /* why not (NULL when trusted) */
        bool email_checked;    /* a From address was given */
        bool email_matches;    /* it is one of `emails` (case-insensitive) */
        bool usage_ok;         /* key usage and extended key usage allow email signing */
        char *usage_error;     /* why not (NULL when fit) */
        bool has_signing_time; /* the signingTime attribute is present */
        int64_t signing_time;
        char *digest; /* "sha256", ... */
        bool valid;   /* every check above passed (the email one only when checked) */
} sg_smime_signer;

typedef struct sg_smime_verify_result {
        bool valid; /* at least one signer, and every signer valid */
        sg_smime_signer *signers;
        size_t n_signers;
} sg_smime_verify_result;

/* Frees `r` and everything in it; takes NULL; returns NULL. */
sg_smime_verify_result *sg_smime_verify_result_free(sg_smime_verify_result *r);

/* The operations of one backend. Every function reads `in` to its end or
 * fails; on failure, what was already written to a sink must be discarded by
 * the caller (decryption output is only authenticated at the end). */
/* What a backend can do beyond the common ground, as bits of
 * sg_smime_ops.supports (curl's SSLSUPP_*): callers ask sg_smime_supports()
 * before they hand a backend an option, rather than find out by failing. */
#define SG_SMIME_SUPPORTS_KEY_FILES    (1u << 0) /* sg_smime_key.path is a PKCS#12 or PEM file */
#define SG_SMIME_SUPPORTS_DATABASE     (1u << 1) /* init() opens a certificate database (keys by nickname) */
#define SG_SMIME_SUPPORTS_CA_DIR       (1u << 2) /* sg_smime_trust.ca_dir (a hashed directory) */
#define SG_SMIME_SUPPORTS_SYSTEM_TRUST (1u << 3) /* sg_smime_trust.system (else it is ignored) */
#define SG_SMIME_SUPPORTS_ENCRYPT_GCM  (1u << 4) /* encrypt with SG_SMIME_AES256_GCM (AuthEnvelopedData) */
#define SG_SMIME_SUPPORTS_DECRYPT_GCM  (1u << 5) /* decrypt AuthEnvelopedData */

typedef struct sg_smime_ops {
        const char *name;  /* "openssl", "nss" */
        unsigned supports; /* SG_SMIME_SUPPORTS_* */

        /* Set the backend up before the first operation: `dbdir` is the
         * certificate database to open (only with SG_SMIME_SUPPORTS_DATABASE;
         * NULL: none). Calling it again is allowed. cleanup() releases what
         * init() took, after the last operation; it may be called when init()
         * was not. */
        sg_err (*init)(const char *dbdir, sg_error *err);
        void (*cleanup)(void);

        /* Encrypt `in` to every recipient into CMS (BER) on `out`, streaming.
         * `recipients`: certificate files (OpenSSL: PEM or DER). Refuses an
         * expired certificate (cert_expired) or one not fit for email
         * encryption (cert_unusable). */
        sg_err (*encrypt)(const char *const *recipients, size_t n_recipients, sg_smime_cipher cipher, sg_source *in,
                          sg_sink *out, sg_error *err);

        /* Decrypt CMS (EnvelopedData or AuthEnvelopedData, DER/BER) from `in`
         * with `key`, plaintext to `out`. `max_input` bounds the CMS bytes
         * read (0: SG_SMIME_DECRYPT_MAX). Both read `in` once (it need not
         * rewind), in memory of a few 64 KiB buffers whatever the size.
         * AES-GCM (AuthEnvelopedData): the plaintext goes to `out` as it is
         * decrypted and the tag, which follows the content, is checked at
         * the end: until SG_OK is returned the bytes written are not
         * authenticated, and on failure (decrypt_failed for a tag that does
         * not match, truncated_input, ...) the caller discards them, as for
         * CBC. This streams on purpose instead of staging the plaintext in
         * a temporary file: both callers already hold output back until
         * success (the CLI writes a temporary file, renamed or copied to
         * stdout only then; the host's stream output is valid only with
         * `complete: true`), so staging would only copy it a second time.
         * authAttrs (RFC 5083), which would have to be authenticated before
         * the content, and authenticated ciphers other than AES-GCM fail
         * with unknown_algorithm. */
        sg_err (*decrypt)(const sg_smime_key *key, size_t max_input, sg_source *in, sg_sink *out, sg_error *err);

        /* Sign `in` (bytes exactly as they are to be signed): the content goes
         * to `content_out` (may be NULL) as it is read, and then the detached
         * signature (CMS SignedData, DER) to `sig_out`. */
        sg_err (*sign)(const sg_smime_key *key, sg_smime_digest digest, sg_source *in, sg_sink *content_out,
                       sg_sink *sig_out, sg_error *err);

        /* Verify the detached signature `sig` (DER/BER, at most
         * SG_SMIME_SIGNATURE_MAX bytes) over `content`, against `trust`;
         * `from` (may be NULL) is compared with the signer's addresses.
         * SG_OK means the checks were made: *ret_result (owned, free with
         * sg_smime_verify_result_free()) says what they found. */
        sg_err (*verify)(const sg_smime_trust *trust, const void *sig, size_t sig_len, sg_source *content,
                         const char *from, sg_smime_verify_result **ret_result, sg_error *err);

        /* Verify an opaque signature (SignedData with the content inside,
         * DER/BER from `in`, at most SG_SMIME_OPAQUE_MAX bytes, held in
         * memory). The content goes to `content_out` (may be NULL) only when
         * the result is valid. As verify otherwise. */
        sg_err (*verify_opaque)(const sg_smime_trust *trust, sg_source *in, const char *from, sg_sink *content_out,
                                sg_smime_verify_result **ret_result, sg_error *err);
} sg_smime_ops;

/* ---- Choosing a backend: the one selection point, used by the CLI, the
 * host and keys lookup alike. */

/* The backend called `name` ("openssl", "nss"), or with NULL the default
 * (OpenSSL); NULL if no such backend is built in. A static table. */
const sg_smime_ops *sg_smime_backend(const char *name);
/* The i-th backend built in (0 is the default), NULL past the last. */
const sg_smime_ops *sg_smime_backend_at(size_t i);
/* sg_smime_backend(name), then its init(dbdir): *ret is set only on SG_OK.
 * SG_ERR_INVALID_ARGUMENT for an unknown name or a database given to a
 * backend without SG_SMIME_SUPPORTS_DATABASE; else init()'s errors. The
 * caller calls (*ret)->cleanup() after the last operation. */
sg_err sg_smime_backend_open(const char *name, const char *dbdir, const sg_smime_ops **ret, sg_error *err);
/* Whether `ops` has every bit of `what`; false for NULL. */
bool sg_smime_supports(const sg_smime_ops *ops, unsigned what);
/* Ask before trying: the trust options and an AES-GCM encryption that `ops`
 * cannot honour are refused here (ca_dir: SG_ERR_INVALID_ARGUMENT; GCM:
 * SG_ERR_UNKNOWN_ALGORITHM), as the backend would refuse them. */
sg_err sg_smime_check_options(const sg_smime_ops *ops, const sg_smime_trust *trust, bool gcm_encrypt, sg_error *err);

/* The backends' own tables (smime-openssl.c, smime-nss.c): prefer
 * sg_smime_backend(). */
const sg_smime_ops *sg_smime_openssl(void);

/* Names for options and output: "aes256-cbc", "sha256"; NULL if unknown. */
const char *sg_smime_cipher_name(sg_smime_cipher c);
bool sg_smime_cipher_from_name(const char *name, sg_smime_cipher *ret);
const char *sg_smime_digest_name(sg_smime_digest d);
bool sg_smime_digest_from_name(const char *name, sg_smime_digest *ret);

#ifdef __cplusplus
}
#endif
#endif
