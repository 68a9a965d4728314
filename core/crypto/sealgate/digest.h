/* sealgate: SHA-256 over a stream of chunks, for callers that must not
 * include a crypto library themselves (the host's stream ops report the
 * SHA-256 of what they wrote). */
#ifndef SEALGATE_DIGEST_H
#define SEALGATE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SG_SHA256_LEN     32 /* bytes of a digest */
#define SG_SHA256_HEX_LEN 64 /* characters of its lower-case hex form, without the NUL */

typedef struct sg_sha256 sg_sha256;

/* A new hash over nothing yet. Owned: sg_sha256_free(). NULL when out of
 * memory or the digest is unavailable. */
sg_sha256 *sg_sha256_new(void);
/* Hash n more bytes; false on failure (the hash is then unusable). */
bool sg_sha256_update(sg_sha256 *h, const void *data, size_t n);
/* The digest of everything hashed, as bytes or as NUL-terminated lower-case
 * hex; false on failure. Either may be called once per hash. */
bool sg_sha256_final(sg_sha256 *h, unsigned char out[SG_SHA256_LEN]);
bool sg_sha256_final_hex(sg_sha256 *h, char out[SG_SHA256_HEX_LEN + 1]);
sg_sha256 *sg_sha256_free(sg_sha256 *h); /* takes NULL, returns NULL */

/* HMAC-SHA256 (RFC 2104) of `data` under `key`, as NUL-terminated lower-case
 * hex (OpenSSL's HMAC); false on failure. */
bool sg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len, char out[SG_SHA256_HEX_LEN + 1]);

#ifdef __cplusplus
}
#endif
#endif
