/* sealgate-host crypto module: what the stream files share (stream-job.c,
 * the machinery; stream-smime.c and stream-pgp.c, each family's parameters
 * and its call into the engine): the job of one stream and the parameter
 * checks. Names shared across files start with `_stream_`. */
#ifndef SEALGATE_HOST_STREAM_PRIVATE_H
#define SEALGATE_HOST_STREAM_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "conn.h"
#include "sealgate/digest.h"
#include "sealgate/smime.h"
#include "sealgate/stream.h"
#include "stream-job.h"

enum family { FAM_SMIME, FAM_PGP };
enum op { OP_ENCRYPT, OP_DECRYPT, OP_SIGN, OP_VERIFY };

/* pgp.encrypt, pgp.sign: what the output is */
enum pgp_format { PGP_MIME, PGP_ARMOR, PGP_BINARY, PGP_DETACHED };

/* The stream ops: the engine, what the op does, and its own parameters
 * (besides id, op and input). */
struct stream_op {
        const char *name;
        enum family family;
        enum op op;
        const char *const params[6];
};

typedef struct chunk {
        struct chunk *next;
        unsigned char *data;
        size_t len, pos; /* pos: bytes the worker has taken */
} chunk;

typedef struct queue {
        chunk *head, *tail;
        size_t n;
} queue;

typedef struct job {
        struct sg_streams *owner;
        char *id_json;
        const struct stream_op *sop;
        enum op op;             /* sop->op */
        long long frames, size; /* announced input */

        /* parameters (owned copies) */
        char **recipients;
        size_t n_recipients;
        sg_smime_cipher cipher;
        sg_smime_digest digest;
        bool der;         /* encrypt/sign: bare CMS instead of MIME */
        bool want_output; /* verify: the signed content as output frames */
        char *key_path, *cert_path, *passphrase;
        char *ca_file, *ca_dir, *from;
        bool system_ca;
        unsigned char *signature; /* verify: detached signature (smime: DER; pgp: armored or binary) */
        size_t signature_len;
        char *signer;           /* pgp: address or fingerprint of the secret key; NULL: none / gpg's default */
        enum pgp_format format; /* pgp.encrypt, pgp.sign */
        bool always_trust;      /* pgp.encrypt */

        /* loop side */
        char *fast_head; /* {"id":<id_json>,"input":{"index": ; NULL: no fast path (input_frame_fast) */
        size_t fast_head_len;
        long long next_index, received;
        long long fast_in; /* input frames taken by input_frame_fast */
        long long out_index;
        bool started;
        pthread_t thread;

        /* shared, under mu */
        pthread_mutex_t mu;
        pthread_cond_t cv;
        queue in, out;
        bool in_done, abort, finished;
        char *final; /* the worker's final response */

        /* worker side */
        unsigned char *cur;
        size_t cur_len;
        long long out_bytes, out_frames;
        sg_sha256 *sha;
} job;

struct sg_streams {
        sg_stream_send_fn send;
        sg_stream_log_fn log;
        void *userdata;
        int wake[2];
        bool mime_ready, mime_pgp_ready;
        job *job;
        /* input frames of a stream that was refused or ended early are
         * dropped silently, up to the announced count */
        char *discard_id;
        long long discard_frames;
        long long fast_frames; /* input frames taken by input_frame_fast */
        bool slow_only;        /* tests: every frame through the full parse */
};

/* ---- parameter checks (stream-params.c): each fills `err` and returns false */

/* Fill `j` from the request (the members every stream has, then its
 * family's); false with `err` set when it is refused. */
bool _stream_parse_request(json_object *req, job *j, sg_error *err);
bool _stream_get_string(json_object *o, const char *key, bool required, char **ret, sg_error *err);
/* The same for a passphrase (optional): the copy in the request is wiped,
 * *ret is locked in memory (best effort); free it with sg_secret_free_string. */
bool _stream_get_secret(json_object *o, const char *key, char **ret, sg_error *err);
bool _stream_only_keys(json_object *o, const char *const *keys, const char *what, sg_error *err);
bool _stream_get_bool(json_object *o, const char *key, bool *ret, sg_error *err);
/* "recipients": 1 ... max non-empty strings. */
bool _stream_get_recipients(json_object *req, job *j, size_t max, const char *what, sg_error *err);
/* verify's "signature": null, or base64 of at most `max` bytes decoded; and
 * "output", which does not go with it. */
bool _stream_get_signature(json_object *req, job *j, size_t max, sg_error *err);

/* stream-job.c: decrypt and verify need a seekable input: the input copied to an unlinked
 * file; its fd, or -1 with `err` set. */
int _stream_spool(sg_source *src, sg_error *err);

/* ---- the families: fill `j` from the request (false with `err` set when
 * refused); run the engine: read `src` to its end or fail, write `dst`, put
 * the op's result members into `extra`. */
bool _stream_parse_smime(json_object *req, job *j, sg_error *err);
sg_err _stream_smime_work(job *j, sg_source *src, sg_sink *dst, json_object *extra, sg_error *err);
bool _stream_parse_pgp(json_object *req, job *j, sg_error *err);
sg_err _stream_pgp_work(job *j, sg_source *src, sg_sink *dst, json_object *extra, sg_error *err);

#endif
