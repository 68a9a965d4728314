/* sealgate: stable error names and the error-report helpers. */
#include <stdio.h>
#include <string.h>

#include "sealgate/error.h"

static const char *const codes[SG_ERR__MAX] = {
        [SG_OK] = "ok",
        [SG_ERR_NOMEM] = "out_of_memory",
        [SG_ERR_INVALID_ARGUMENT] = "invalid_argument",
        [SG_ERR_ADDRESS_SYNTAX] = "address_syntax",
        [SG_ERR_IDNA] = "idna",
        [SG_ERR_LIMIT] = "limit_exceeded",
        [SG_ERR_POLICY_INVALID] = "policy_invalid",
        [SG_ERR_POLICY_IO] = "policy_unreadable",
        [SG_ERR_REGEX] = "regex_invalid",
        [SG_ERR_REGEX_LIMIT] = "regex_limit",
        [SG_ERR_JSON] = "invalid_json",
        [SG_ERR_UTF8] = "invalid_utf8",
        [SG_ERR_REQUEST] = "invalid_request",
        [SG_ERR_UNKNOWN_OP] = "unknown_op",
        [SG_ERR_FRAME] = "frame_invalid",
        [SG_ERR_FRAME_TOO_LARGE] = "frame_too_large",
        [SG_ERR_MIME] = "mime_invalid",
        [SG_ERR_IO] = "io",
        [SG_ERR_INTERNAL] = "internal",
        [SG_ERR_PROMPT_UNAVAILABLE] = "prompt_unavailable",
        [SG_ERR_PROMPT_FAILED] = "prompt_failed",
        [SG_ERR_PROMPT_BUSY] = "prompt_busy",
        [SG_ERR_UNKNOWN_ATTEMPT] = "unknown_attempt",
        [SG_ERR_AUDIT] = "audit_failed",
        [SG_ERR_WRONG_PASSPHRASE] = "wrong_passphrase",
        [SG_ERR_NO_PRIVATE_KEY] = "no_private_key",
        [SG_ERR_CERT_EXPIRED] = "cert_expired",
        [SG_ERR_UNKNOWN_ALGORITHM] = "unknown_algorithm",
        [SG_ERR_TRUNCATED] = "truncated_input",
        [SG_ERR_NOT_SMIME] = "not_smime",
        [SG_ERR_VERIFY_FAILED] = "verify_failed",
        [SG_ERR_NO_CERTIFICATE] = "no_certificate",
        [SG_ERR_CERT_UNUSABLE] = "cert_unusable",
        [SG_ERR_DECRYPT_FAILED] = "decrypt_failed",
        [SG_ERR_NOT_PGP] = "not_pgp",
        [SG_ERR_NO_INTEGRITY] = "no_integrity",
        [SG_ERR_NO_PUBLIC_KEY] = "no_public_key",
        [SG_ERR_KEY_EXPIRED] = "key_expired",
        [SG_ERR_KEY_REVOKED] = "key_revoked",
        [SG_ERR_KEY_UNUSABLE] = "key_unusable",
        [SG_ERR_PROFILE_NOT_FOUND] = "profile_not_found",
        [SG_ERR_NSS_DB] = "nss_db_unavailable",
        [SG_ERR_STREAM_INVALID] = "stream_invalid",
        [SG_ERR_STREAM_BUSY] = "stream_busy",
        [SG_ERR_CRYPTO_UNAVAILABLE] = "crypto_unavailable",
        [SG_ERR_UNSUPPORTED_PLATFORM] = "unsupported_platform",
        [SG_ERR_INPUT_SKIPPED] = "input_skipped",
};

const char *sg_err_code(sg_err code) {
        if ((unsigned) code >= SG_ERR__MAX || !codes[code])
                return "internal";
        return codes[code];
}

sg_err sg_err_from_code(const char *name) {
        if (!name)
                return SG_ERR__MAX;
        for (unsigned i = 0; i < SG_ERR__MAX; i++)
                if (codes[i] && strcmp(codes[i], name) == 0)
                        return (sg_err) i;
        return SG_ERR__MAX;
}

/* Cut `s` back so it does not end inside a UTF-8 sequence. */
static void utf8_trim(char *s) {
        size_t n = strlen(s);
        if (n == 0)
                return;
        size_t i = n;
        while (i > 0 && ((unsigned char) s[i - 1] & 0xC0) == 0x80)
                i--;
        if (i == 0)
                return;
        unsigned char lead = (unsigned char) s[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (n - (i - 1) < need)
                s[i - 1] = '\0';
}

sg_err sg_error_set(sg_error *err, sg_err code, const char *fmt, ...) {
        if (err) {
                va_list ap;
                err->code = code;
                va_start(ap, fmt);
                int r = vsnprintf(err->message, sizeof err->message, fmt, ap);
                va_end(ap);
                if (r < 0)
                        err->message[0] = '\0';
                else if ((size_t) r >= sizeof err->message)
                        utf8_trim(err->message);
        }
        return code;
}

void sg_error_prefix(sg_error *err, const char *fmt, ...) {
        if (!err)
                return;
        char prefix[SG_ERROR_MESSAGE_MAX];
        char old[SG_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        int r = vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        memcpy(old, err->message, sizeof old);
        old[sizeof old - 1] = '\0';
        r = snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
        if (r >= 0 && (size_t) r >= sizeof err->message)
                utf8_trim(err->message);
}
