/* sealgate: PGP/MIME messages (RFC 3156) over the OpenPGP operations of
 * pgp.h: multipart/encrypted and multipart/signed, built and taken apart
 * with GMime, streaming (memory does not grow with the message). */
#ifndef SEALGATE_MIME_PGP_H
#define SEALGATE_MIME_PGP_H

#include <stdbool.h>

#include "sealgate/error.h"
#include "sealgate/pgp.h"
#include "sealgate/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_MIME_PGP_DEPTH_MAX 16 /* MIME nesting searched for the encrypted part */
#define SG_MIME_PGP_ARMOR_SCAN_MAX                                                                                     \
        8192 /* bytes of text searched for an armor line when the input is no MIME message (comment lines above it) */

/* GMime's global set-up; counted, so it pairs with any other user's. */
void sg_mime_pgp_init(void);
void sg_mime_pgp_shutdown(void);

/* Encrypt the MIME entity read from `in` (headers, blank line, body) into a
 * multipart/encrypted entity on `out` (CRLF line ends, armored). `signer`
 * (may be NULL) also signs, inside the encryption (RFC 3156 6.2). */
sg_err sg_mime_pgp_encrypt(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, const char *const *recipients,
                           size_t n_recipients, const char *signer, unsigned flags, sg_source *in, sg_sink *out,
                           sg_error *err);

/* Sign the MIME entity read from `in` into a multipart/signed entity on
 * `out`; the entity is signed, and written, in canonical form (CRLF). */
sg_err sg_mime_pgp_sign(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, const char *signer, sg_source *in,
                        sg_sink *out, sg_error *err);

/* What decryption found about a received message. */
typedef struct sg_mime_pgp_info {
        bool encrypted;               /* the output is what was inside an encrypted part */
        bool is_signed;               /* ... and it was signed inside the encryption: see `verify` */
        bool unencrypted_parts;       /* the message had parts outside the encrypted one: left out */
        sg_pgp_verify_result *verify; /* owned; NULL when not signed */
        char *from;                   /* the address compared with the signer's (owned), or NULL */
} sg_mime_pgp_info;

/* Frees what `info` holds (not `info`); takes NULL. */
void sg_mime_pgp_info_clear(sg_mime_pgp_info *info);

/* Decrypt a PGP/MIME message or entity, or bare OpenPGP data (armored or
 * binary), read from `fd`, which must be seekable. Only the content of the
 * encrypted part goes to `out`, never the parts around it (EFAIL). If the
 * encrypted part is inside a larger message, it must be the only one.
 * `from`: the sender for a signature inside (NULL: the message's From).
 * *ret_info (may be NULL) says what was found; clear it in every case. */
sg_err sg_mime_pgp_decrypt(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, size_t max_input, int fd, const char *from,
                           sg_sink *out, sg_mime_pgp_info *ret_info, sg_error *err);

/* Verify a multipart/signed message or entity (application/pgp-signature),
 * or a bare signed OpenPGP message (gpg --sign, --clearsign), read from
 * seekable `fd`. `from`, *ret_from, `content_out`, *ret_result: as
 * sg_mime_smime_verify(). */
sg_err sg_mime_pgp_verify(const sg_pgp_ops *ops, const sg_pgp_keyring *kr, int fd, const char *from,
                          sg_sink *content_out, char **ret_from, sg_pgp_verify_result **ret_result, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
