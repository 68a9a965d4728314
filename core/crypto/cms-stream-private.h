/* sealgate: a streaming reader of the outer BER layers of CMS (libc only), so
 * (Auth)EnvelopedData can be decrypted without holding the message in
 * memory: OpenSSL gets the small header as DER and the encrypted content as
 * a stream ("detached content"). */
#ifndef SEALGATE_CMS_STREAM_PRIVATE_H
#define SEALGATE_CMS_STREAM_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"
#include "sealgate/stream.h"

#define SG_CMS_HEADER_MAX (1024 * 1024) /* everything before the encrypted content */
#define SG_CMS_DEPTH_MAX  32            /* nesting of BER encodings skipped */

typedef enum sg_cms_type {
        SG_CMS_OTHER = 0,
        SG_CMS_ENVELOPED,
        SG_CMS_AUTH_ENVELOPED,
        SG_CMS_SIGNED,
} sg_cms_type;

typedef struct sg_cms_stream sg_cms_stream;

/* Reads the ContentInfo's outer header and type from `in` (borrowed, must
 * outlive the stream); at most `max` bytes are read in all (0: no limit).
 * Fails with not_smime, truncated_input, limit_exceeded or io. */
sg_err sg_cms_stream_open(sg_source *in, uint64_t max, sg_cms_stream **ret, sg_error *err);

sg_cms_type sg_cms_stream_type(const sg_cms_stream *s);

/* A source giving the bytes read so far and then the rest of the input, for
 * a parser that wants the whole encoding (valid while `s` lives). */
sg_source sg_cms_stream_replay(sg_cms_stream *s);

/* (Auth)EnvelopedData: reads up to the start of the encrypted content.
 * Fails with not_smime when there is no content (detached). */
sg_err sg_cms_stream_header(sg_cms_stream *s, sg_error *err);

/* The contentEncryptionAlgorithm (AlgorithmIdentifier, as read), borrowed:
 * valid while `s` lives, after sg_cms_stream_header(). */
void sg_cms_stream_content_alg(const sg_cms_stream *s, const unsigned char **ret, size_t *ret_len);

/* AuthEnvelopedData: reads past the (rest of the) content and keeps what
 * follows it (authAttrs, the mac), which the tag check needs. */
sg_err sg_cms_stream_skip_to_trailer(sg_cms_stream *s, sg_error *err);

/* That trailer, owned by the caller (free()). */
sg_err sg_cms_stream_take_trailer(sg_cms_stream *s, unsigned char **ret, size_t *ret_len, sg_error *err);

/* A DER ContentInfo equal to the input without its encrypted content, with
 * `trailer` (may be NULL) after the content info; *ret_der owned (free()). */
sg_err sg_cms_stream_skeleton(sg_cms_stream *s, const unsigned char *trailer, size_t trailer_len,
                              unsigned char **ret_der, size_t *ret_len, sg_error *err);

/* The encrypted content, as a source (valid while `s` lives): the bytes of
 * its OCTET STRING(s), 0 at the end, -1 on a failure kept for
 * sg_cms_stream_finish(). */
sg_source sg_cms_stream_content(sg_cms_stream *s);

/* After the content: reads the rest of the structure and fails with
 * truncated_input (or the failure the content source met) if it is not
 * complete. */
sg_err sg_cms_stream_finish(sg_cms_stream *s, sg_error *err);

/* Takes NULL; returns NULL. */
sg_cms_stream *sg_cms_stream_free(sg_cms_stream *s);

#endif
