/* sealgate: the native-messaging frame format and the chunking of large
 * payloads (docs/protocol.md). Pure module: libc only, no I/O: the host's
 * transport feeds bytes in and writes what comes out. */
#ifndef SEALGATE_FRAME_H
#define SEALGATE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Thunderbird kills the host for a host->extension frame over this. */
#define SG_FRAME_OUT_MAX  1048576u
/* What the host accepts in one extension->host frame. */
#define SG_FRAME_IN_MAX   (16u << 20)
/* Raw bytes of the response carried by one chunk frame (base64 grows it by
 * 4/3, plus a small JSON envelope: stays well under SG_FRAME_OUT_MAX). */
#define SG_CHUNK_RAW_MAX  (512u * 1024u)
/* Largest request reassembled from chunk frames. */
#define SG_CHUNKED_IN_MAX (64u << 20)

/* Incremental frame reader: feed bytes as they arrive; complete frames come
 * out one at a time. */
typedef struct sg_frame_reader {
        uint8_t hdr[4];
        size_t hdr_len;
        uint32_t want; /* payload length of the frame being read */
        char *buf;     /* payload so far */
        size_t len;
        size_t max; /* limit on one payload */
} sg_frame_reader;

/* Initialise with a payload limit (0 = SG_FRAME_IN_MAX). */
void sg_frame_reader_init(sg_frame_reader *r, size_t max);
void sg_frame_reader_clear(sg_frame_reader *r);

/* Consume up to `len` bytes of `data`; *ret_used says how many were taken.
 * When a whole frame is ready, *ret_payload gets it (owned, NUL-terminated,
 * length in *ret_payload_len) and the reader is ready for the next frame; the
 * caller feeds the rest of `data` again. Errors: SG_ERR_FRAME_TOO_LARGE when a
 * header announces more than the limit (the reader cannot resynchronise: the
 * caller must answer and close). */
sg_err sg_frame_reader_feed(sg_frame_reader *r, const void *data, size_t len, size_t *ret_used, char **ret_payload,
                            size_t *ret_payload_len, sg_error *err);

/* True if the reader holds part of a frame (EOF now means truncation). */
int sg_frame_reader_partial(const sg_frame_reader *r);

/* Write the 4-byte native-endian header for a payload of `len` bytes. */
void sg_frame_header(uint32_t len, uint8_t out[4]);

/* Split an encoded JSON response that is too large for one frame into chunk
 * frames' payloads: {"id":<id_json>,"chunk":{"index":i,"count":n},"data":"<base64>"}.
 * `id_json` is the request id already serialised as JSON ("7", "\"a\"").
 * *ret_chunks is an owned array of *ret_n owned strings (sg_strv_free). */
sg_err sg_chunk_split(const char *id_json, const char *payload, size_t len, size_t raw_max, char ***ret_chunks,
                      size_t *ret_n, sg_error *err);

/* Base64 (RFC 4648, padded) helpers used by chunking. Owned results. */
char *sg_base64_encode(const void *data, size_t len);
/* The same base64 written into `out`, which has room for (len + 2) / 3 * 4
 * bytes (no NUL is written); returns that length. */
size_t sg_base64_encode_to(const void *data, size_t len, char *out);
sg_err sg_base64_decode(const char *text, size_t len, void **ret_data, size_t *ret_len, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
