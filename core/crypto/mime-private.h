/* sealgate: what the GMime-based MIME layers (mime-smime.c, mime-pgp.c)
 * share: small sinks and sources over GMime streams, and message helpers.
 * Private to core/. */
#ifndef SEALGATE_MIME_PRIVATE_H
#define SEALGATE_MIME_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <gmime/gmime.h>

#include "sealgate/error.h"
#include "sealgate/stream.h"

#define SG_MIME_CHUNK         65536
/* How far a decrypt looks for the end of the message's header before it
 * leaves the message to GMime's full parse (mime-smime.c). */
#define SG_MIME_HEAD_SCAN_MAX 262144

/* Writes the NUL-terminated `s` to `out`; the sink's status. */
int sg_mime_put(sg_sink *out, const char *s);

/* A sink that writes `prefix` before its first bytes, so nothing is written
 * when the backend fails before producing output. */
typedef struct prefixsink {
        sg_sink *out;
        const char *prefix;
        bool done;
} prefixsink;

/* ---- A sink that base64-encodes into another sink: lines of 76 characters
 * (57 bytes) with CRLF, the last one shorter, as GMime's encoder writes them.
 * Whole lines go by a table (sg_base64_encode_to) straight into one large
 * output buffer, written out in one piece when full. */

#define B64_LINE_IN  57
#define B64_LINE_OUT 78                    /* 76 characters and CRLF */
#define B64_OUT_MAX  (B64_LINE_OUT * 3361) /* 256 KiB of lines */

typedef struct b64sink {
        sg_sink *out;
        char *buf;
        size_t len;
        unsigned char carry[B64_LINE_IN]; /* the start of a line not yet whole */
        size_t ncarry;
} b64sink;

/* Opens `b` over `out` (borrowed); false when out of memory (close it all
 * the same). */
bool sg_mime_b64_open(b64sink *b, sg_sink *out);
int sg_mime_b64_write(void *ctx, const void *data, size_t n); /* ctx: b64sink */
/* Writes the last line and what is buffered, frees the buffer; the sink's
 * status. */
int sg_mime_b64_close(b64sink *b);

typedef struct crlfsource {
        sg_source *in;
        char raw[SG_MIME_CHUNK];
        char out[2 * SG_MIME_CHUNK];
        size_t len, pos;
        bool last_cr;
} crlfsource;

typedef struct decsource {
        GMimeStream *raw;
        GMimeEncoding enc;
        GMimeContentEncoding encoding; /* what `enc` undoes when `decode` */
        bool decode, eof, error;
        char in[SG_MIME_CHUNK];
        char *out;
        size_t len, pos;
} decsource;

typedef struct memsink {
        GByteArray *a;
        size_t max;
        bool over;
} memsink;

int sg_mime_prefix_flush(prefixsink *p);
int sg_mime_prefix_write(void *ctx, const void *data, size_t n); /* ctx: prefixsink */

/* crlfsource: turns bare LF into CRLF (the canonical form for signing). */
ptrdiff_t sg_mime_crlf_read(void *ctx, void *buf, size_t n); /* ctx: crlfsource */

/* decsource: decodes a GMime stream (base64 or as is). A bounded GMime
 * stream answers -1 at its end: sg_mime_raw_read makes that 0. */
ssize_t sg_mime_raw_read(GMimeStream *s, char *buf, size_t n);
ptrdiff_t sg_mime_dec_read(void *ctx, void *buf, size_t n); /* ctx: decsource */
/* Decodes the whole groups of four base64 characters at the start of `in`
 * (line ends and other bytes GMime skips allowed between them) into `out`
 * (room for n / 4 * 3 bytes), from a decoder state of zero; *used is where
 * it stopped: at a '=', at a group cut off by the end of `in`, and one whole
 * group early whenever it stops before the end, so that GMime's decoder,
 * given the rest, yields exactly what it would have for all of `in`.
 * Returns the bytes written. */
size_t sg_mime_b64_decode_fast(const unsigned char *in, size_t n, unsigned char *out, size_t *used);
/* g_mime_encoding_step() for a base64 decoder `enc`, byte for byte the same
 * output and state, with the whole groups decoded by the table above. */
size_t sg_mime_b64_decode_step(GMimeEncoding *enc, const char *in, size_t n, char *out);
/* Opens `d` (zeroed) on `part`'s content, undoing base64, quoted-printable
 * or uuencode; false if the part has no content or memory ran out. Close it
 * with sg_mime_dec_close() in either case. */
bool sg_mime_dec_open(decsource *d, GMimePart *part);
/* The same over `raw` (borrowed, read from its current position) with the
 * transfer encoding `e`. */
bool sg_mime_dec_open_stream(decsource *d, GMimeStream *raw, GMimeContentEncoding e);
void sg_mime_dec_close(decsource *d);
/* An sg_source's rewind over a decsource: back to the content's start. */
int sg_mime_dec_rewind(void *ctx);

/* Parses `fd` (seekable; read from its start) as a message. NULL when it is
 * not one: *ret is then `not_code` with `not_message`, or the I/O error. */
GMimeMessage *sg_mime_parse_fd(int fd, sg_err not_code, const char *not_message, sg_error *err, sg_err *ret);

/* Writes `o` in canonical form (CRLF) to a new memory file (a memfd) and
 * returns its descriptor at offset 0; -1 with *ret set on failure. */
int sg_mime_canonical_tmp(GMimeObject *o, sg_error *err, sg_err *ret);

/* The two parts of the multipart/signed `part` when its protocol is one of
 * `protocols` (NULL-terminated; else `not_code`, naming `family`), it has
 * exactly two parts and the second is a single part (else mime_invalid). */
sg_err sg_mime_signed_parts(GMimeObject *part, const char *const *protocols, sg_err not_code, const char *family,
                            GMimeObject **ret_content, GMimeObject **ret_sig, sg_error *err);

/* Copies what `fd` holds, from its start, to `out`. */
sg_err sg_mime_copy_fd(int fd, sg_sink *out, sg_error *err);

/* memsink: into a bounded memory buffer (`over` once `max` was passed). */
int sg_mime_mem_write(void *ctx, const void *data, size_t n); /* ctx: memsink */

/* Whether `o`'s content type is type/sub (case-insensitive). */
bool sg_mime_is_type(GMimeObject *o, const char *type, const char *sub);
/* "type/sub" of `o`, owned (g_free). */
char *sg_mime_type_string(GMimeObject *o);
/* The address of the message's From, owned (free()), or NULL. */
char *sg_mime_message_from(GMimeMessage *m);
/* The sender a signature is checked against, owned (free()), or NULL: `from`
 * when given, else the message's From, else the From header of the signed
 * entity `signed_part` (may be NULL), which the signature covers. */
char *sg_mime_sender(const char *from, GMimeMessage *m, GMimeObject *signed_part);

#endif
