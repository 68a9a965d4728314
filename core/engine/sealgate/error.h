/* sealgate: error values shared by every module, the host protocol and the CLI.
 * Pure module: libc only. */
#ifndef SEALGATE_ERROR_H
#define SEALGATE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Stable error values. The string form (sg_err_code()) is what the JSON
 * protocol, the command line and docs/protocol.md use; never renumber or
 * rename, only append. */
typedef enum sg_err {
        SG_OK = 0,
        SG_ERR_NOMEM,              /* "out_of_memory" */
        SG_ERR_INVALID_ARGUMENT,   /* "invalid_argument": a caller bug */
        SG_ERR_ADDRESS_SYNTAX,     /* "address_syntax": unparsable address */
        SG_ERR_IDNA,               /* "idna": a domain that is not valid IDNA */
        SG_ERR_LIMIT,              /* "limit_exceeded": a named limit was passed */
        SG_ERR_POLICY_INVALID,     /* "policy_invalid": policy refused */
        SG_ERR_POLICY_IO,          /* "policy_unreadable": cannot read policy file */
        SG_ERR_REGEX,              /* "regex_invalid": a pattern does not compile */
        SG_ERR_REGEX_LIMIT,        /* "regex_limit": a pattern hit its match limit */
        SG_ERR_JSON,               /* "invalid_json" */
        SG_ERR_UTF8,               /* "invalid_utf8" */
        SG_ERR_REQUEST,            /* "invalid_request": well-formed JSON, wrong shape */
        SG_ERR_UNKNOWN_OP,         /* "unknown_op" */
        SG_ERR_FRAME,              /* "frame_invalid": framing broken (truncated, bad length) */
        SG_ERR_FRAME_TOO_LARGE,    /* "frame_too_large" */
        SG_ERR_MIME,               /* "mime_invalid": a message that cannot be parsed */
        SG_ERR_IO,                 /* "io": reading or writing a file or pipe failed */
        SG_ERR_INTERNAL,           /* "internal": a bug; the message says where */
        SG_ERR_PROMPT_UNAVAILABLE, /* "prompt_unavailable": prompt program missing, or no display */
        SG_ERR_PROMPT_FAILED,      /* "prompt_failed": it crashed, failed or answered wrongly */
        SG_ERR_PROMPT_BUSY,        /* "prompt_busy": too many prompts open at once */
        SG_ERR_UNKNOWN_ATTEMPT,    /* "unknown_attempt": no prompt decision with that attempt id */
        SG_ERR_AUDIT,              /* "audit_failed": a required audit record cannot be written */
        SG_ERR_WRONG_PASSPHRASE,   /* "wrong_passphrase" */
        SG_ERR_NO_PRIVATE_KEY,     /* "no_private_key" */
        SG_ERR_CERT_EXPIRED,       /* "cert_expired" */
        SG_ERR_UNKNOWN_ALGORITHM,  /* "unknown_algorithm" */
        SG_ERR_TRUNCATED,          /* "truncated_input" */
        SG_ERR_NOT_SMIME,          /* "not_smime" */
        SG_ERR_VERIFY_FAILED,      /* "verify_failed" */
        SG_ERR_NO_CERTIFICATE,     /* "no_certificate" */
        SG_ERR_CERT_UNUSABLE,      /* "cert_unusable" */
        SG_ERR_DECRYPT_FAILED,     /* "decrypt_failed" */
        SG_ERR_NOT_PGP,            /* "not_pgp": not an OpenPGP message */
        SG_ERR_NO_INTEGRITY,       /* "no_integrity": OpenPGP data without MDC/AEAD, refused */
        SG_ERR_NO_PUBLIC_KEY,      /* "no_public_key": no OpenPGP key for a recipient or signer */
        SG_ERR_KEY_EXPIRED,        /* "key_expired" */
        SG_ERR_KEY_REVOKED,        /* "key_revoked" */
        SG_ERR_KEY_UNUSABLE,       /* "key_unusable": a key not fit for the operation */
        SG_ERR_PROFILE_NOT_FOUND,  /* "profile_not_found": no (default) Thunderbird profile */
        SG_ERR_NSS_DB,             /* "nss_db_unavailable": an NSS database cannot be opened */
        SG_ERR_STREAM_INVALID,     /* "stream_invalid": a host stream's input frame is wrong (docs/protocol.md) */
        SG_ERR_STREAM_BUSY,        /* "stream_busy": a host stream is open already */
        SG_ERR_CRYPTO_UNAVAILABLE, /* "crypto_unavailable": a crypto module (the host's, or sealgate certs') cannot be loaded */
        SG_ERR_UNSUPPORTED_PLATFORM, /* "unsupported_platform": the op does not exist on this platform (Windows host's crypto ops) */
        SG_ERR_INPUT_SKIPPED, /* "input_skipped": a request left out an input the policy reads */
        SG_ERR__MAX
} sg_err;

#define SG_ERROR_MESSAGE_MAX 512

/* mingw-w64's "printf" format archetype is Microsoft's (no %zu); sealgate
 * uses mingw's C99 stdio there, "gnu_printf". */
#if defined(__MINGW32__)
#define SG_PRINTF_FORMAT gnu_printf
#else
#define SG_PRINTF_FORMAT printf
#endif

/* An optional error report. Functions that take `sg_error *err` accept NULL. */
typedef struct sg_error {
        sg_err code;
        char message[SG_ERROR_MESSAGE_MAX]; /* one sentence, UTF-8, no newline */
} sg_error;

/* Stable snake_case name of `code` ("address_syntax"); static string. */
const char *sg_err_code(sg_err code);

/* Parse a stable name back; returns SG_ERR__MAX if unknown. */
sg_err sg_err_from_code(const char *name);

/* Fill `err` (if not NULL) and return `code`, so callers can write
 * `return sg_error_set(err, SG_ERR_LIMIT, "too many recipients (%zu)", n);`.
 * The message is truncated to fit, at a UTF-8 boundary. */
sg_err sg_error_set(sg_error *err, sg_err code, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 3, 4)))
#endif
        ;

/* Prefix an existing message with "prefix: " (used to add a key path). */
void sg_error_prefix(sg_error *err, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 2, 3)))
#endif
        ;

#ifdef __cplusplus
}
#endif
#endif
