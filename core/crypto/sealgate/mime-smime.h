/* sealgate: S/MIME messages (RFC 8551) over the CMS operations of smime.h:
 * application/pkcs7-mime and multipart/signed, built and taken apart with
 * GMime, streaming (memory does not grow with the message). */
#ifndef SEALGATE_MIME_SMIME_H
#define SEALGATE_MIME_SMIME_H

#include "sealgate/error.h"
#include "sealgate/smime.h"
#include "sealgate/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GMime's global set-up; counted, so it pairs with any other user's. */
void sg_mime_smime_init(void);
void sg_mime_smime_shutdown(void);

/* Encrypt the MIME entity read from `in` (headers, blank line, body) into an
 * application/pkcs7-mime entity on `out` (CRLF line ends, base64). */
sg_err sg_mime_smime_encrypt(const sg_smime_ops *ops, const char *const *recipients, size_t n_recipients,
                             sg_smime_cipher cipher, sg_source *in, sg_sink *out, sg_error *err);

/* Sign the MIME entity read from `in` into a multipart/signed entity on
 * `out`. The entity is signed in canonical form (CRLF line ends), which is
 * also how it is written. */
sg_err sg_mime_smime_sign(const sg_smime_ops *ops, const sg_smime_key *key, sg_smime_digest digest, sg_source *in,
                          sg_sink *out, sg_error *err);

/* Decrypt an S/MIME message or entity (application/pkcs7-mime), or bare CMS
 * (DER/BER), read from `fd`, which must be seekable (a file, not a pipe);
 * the enclosed entity goes to `out`. An encrypted message inside a
 * multipart/signed (a gateway's signature around it) is decrypted whatever
 * that signature says; *ret_outer (may be NULL; owned,
 * sg_smime_verify_result_free(); NULL when there is no such signature or on
 * failure) then gets the signature's checks, without trust anchors: its
 * signature_valid says whether it still matches. */
sg_err sg_mime_smime_decrypt(const sg_smime_ops *ops, const sg_smime_key *key, size_t max_input, int fd, sg_sink *out,
                             sg_smime_verify_result **ret_outer, sg_error *err);

/* Verify a multipart/signed message or entity, an opaque signed one
 * (application/pkcs7-mime; smime-type=signed-data) or bare opaque CMS
 * (DER/BER), read from seekable `fd`.
 * `from`: the sender to compare with the signer's addresses; NULL takes the
 * message's From header (if any). *ret_from (may be NULL; owned, free())
 * receives the address compared, or NULL. If the result is valid and
 * `content_out` is not NULL, the signed entity is written to it.
 * *ret_result is owned (sg_smime_verify_result_free()). */
sg_err sg_mime_smime_verify(const sg_smime_ops *ops, const sg_smime_trust *trust, int fd, const char *from,
                            sg_sink *content_out, char **ret_from, sg_smime_verify_result **ret_result, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
