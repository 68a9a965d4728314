/* sealgate-host crypto module: the smime.* and pgp.* ops as streams
 * (docs/protocol.md, "Streams"): input frames go into a bounded queue that a
 * worker thread reads as an sg_source; the worker's sg_sink fills a bounded
 * output queue that the poll loop drains to stdout. One machinery for both
 * engines: each family's parameters and its call into the engine are in
 * stream-smime.c and stream-pgp.c. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sealgate/frame.h"
#include "sealgate/mime-pgp.h"
#include "sealgate/mime-smime.h"
#include "sealgate/secrets.h"
#include "sealgate/spool.h"
#include "sealgate/util.h"
#include "stream-private.h"

/* Not a router (the op table in request.c routes every op): what each
 * stream op, once routed here by name, runs — the engine, what the op does —
 * and its own parameters (besides id, op and input). */
static const struct stream_op stream_params[] = {
        {"smime.encrypt", FAM_SMIME, OP_ENCRYPT, {"recipients", "cipher", "format"}},
        {"smime.decrypt", FAM_SMIME, OP_DECRYPT, {"key"}},
        {"smime.sign", FAM_SMIME, OP_SIGN, {"key", "digest", "format"}},
        {"smime.verify", FAM_SMIME, OP_VERIFY, {"trust", "from", "signature", "output"}},
        {"pgp.encrypt", FAM_PGP, OP_ENCRYPT, {"recipients", "signer", "passphrase", "format", "always_trust"}},
        {"pgp.decrypt", FAM_PGP, OP_DECRYPT, {"passphrase", "from"}},
        {"pgp.sign", FAM_PGP, OP_SIGN, {"signer", "passphrase", "format"}},
        {"pgp.verify", FAM_PGP, OP_VERIFY, {"from", "signature", "output"}},
};
#define N_STREAM_PARAMS (sizeof stream_params / sizeof stream_params[0])

static void queue_push(queue *q, chunk *c) {
        c->next = NULL;
        if (q->tail)
                q->tail->next = c;
        else
                q->head = c;
        q->tail = c;
        q->n++;
}

static chunk *queue_pop(queue *q) {
        chunk *c = q->head;
        if (c) {
                q->head = c->next;
                if (!q->head)
                        q->tail = NULL;
                q->n--;
        }
        return c;
}

static void chunk_free(chunk *c) {
        if (c) {
                free(c->data);
                free(c);
        }
}

static void queue_clear(queue *q) {
        chunk *c;
        while ((c = queue_pop(q)))
                chunk_free(c);
}

static void slog(sg_streams *s, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

static void slog(sg_streams *s, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        sg_host_vlogf(s->log, s->userdata, fmt, ap);
        va_end(ap);
}

static void wake(sg_streams *s) {
        if (write(s->wake[1], "w", 1) < 0) {
                /* full: a wake-up is pending anyway */
        }
}

static job *job_free(job *j) {
        if (!j)
                return NULL;
        free(j->id_json);
        free(j->fast_head);
        for (size_t i = 0; i < j->n_recipients; i++)
                free(j->recipients[i]);
        free(j->recipients);
        free(j->key_path);
        free(j->cert_path);
        sg_secret_free_string(j->passphrase);
        free(j->ca_file);
        free(j->ca_dir);
        free(j->from);
        free(j->signature);
        free(j->signer);
        queue_clear(&j->in);
        queue_clear(&j->out);
        free(j->final);
        free(j->cur);
        sg_sha256_free(j->sha);
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
        free(j);
        return NULL;
}

sg_streams *sg_streams_new(sg_stream_send_fn send, sg_stream_log_fn log, void *userdata) {
        sg_streams *s = calloc(1, sizeof *s);
        if (!s)
                return NULL;
        s->send = send;
        s->log = log;
        s->userdata = userdata;
        if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

int sg_streams_wake_fd(const sg_streams *s) {
        return s->wake[0];
}

/* Stop the worker (it sees `abort` at its next queue operation) and wait. */
static void job_stop(job *j) {
        if (!j->started)
                return;
        pthread_mutex_lock(&j->mu);
        j->abort = true;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        pthread_join(j->thread, NULL);
        j->started = false;
}

sg_streams *sg_streams_free(sg_streams *s) {
        if (!s)
                return NULL;
        if (s->job) {
                job_stop(s->job);
                s->job = job_free(s->job);
        }
        if (s->mime_ready)
                sg_mime_smime_shutdown();
        if (s->mime_pgp_ready)
                sg_mime_pgp_shutdown();
        free(s->discard_id);
        close(s->wake[0]);
        close(s->wake[1]);
        free(s);
        return NULL;
}

/* ---- the worker's source and sink */

static ptrdiff_t queue_read(void *ctx, void *buf, size_t n) {
        job *j = ctx;
        pthread_mutex_lock(&j->mu);
        while (!j->in.head && !j->in_done && !j->abort)
                pthread_cond_wait(&j->cv, &j->mu);
        ptrdiff_t r = 0;
        bool freed = false;
        if (j->abort) {
                r = -1;
        } else if (j->in.head) {
                chunk *c = j->in.head;
                size_t k = c->len - c->pos;
                if (k > n)
                        k = n;
                memcpy(buf, c->data + c->pos, k);
                c->pos += k;
                r = (ptrdiff_t) k;
                if (c->pos == c->len) {
                        chunk_free(queue_pop(&j->in));
                        freed = true;
                }
        }
        pthread_mutex_unlock(&j->mu);
        if (freed)
                wake(j->owner); /* room in the queue: read stdin again */
        return r;
}

static int push_output(job *j) {
        if (!j->cur_len)
                return 0;
        chunk *c = calloc(1, sizeof *c);
        if (!c)
                return -1;
        c->data = j->cur;
        c->len = j->cur_len;
        j->cur = NULL;
        j->cur_len = 0;
        pthread_mutex_lock(&j->mu);
        while (j->out.n >= SG_STREAM_QUEUE && !j->abort)
                pthread_cond_wait(&j->cv, &j->mu);
        bool aborted = j->abort;
        if (!aborted)
                queue_push(&j->out, c);
        pthread_mutex_unlock(&j->mu);
        if (aborted) {
                chunk_free(c);
                return -1;
        }
        j->out_frames++;
        wake(j->owner);
        return 0;
}

static int queue_write(void *ctx, const void *buf, size_t n) {
        job *j = ctx;
        const unsigned char *p = buf;
        if (!sg_sha256_update(j->sha, buf, n))
                return -1;
        j->out_bytes += (long long) n;
        while (n > 0) {
                if (!j->cur && !(j->cur = malloc(SG_CHUNK_RAW_MAX)))
                        return -1;
                size_t k = SG_CHUNK_RAW_MAX - j->cur_len;
                if (k > n)
                        k = n;
                memcpy(j->cur + j->cur_len, p, k);
                j->cur_len += k;
                p += k;
                n -= k;
                if (j->cur_len == SG_CHUNK_RAW_MAX && push_output(j) < 0)
                        return -1;
        }
        return 0;
}

/* decrypt and verify need a seekable input (GMime parses the MIME
 * structure; AuthEnvelopedData's tag follows its content): the input, which
 * is ciphertext or a signed message in clear, is copied into memory (a
 * memfd, sealgate/spool.h), never to a file on a disk. The input is at most
 * SG_STREAM_INPUT_MAX bytes. */
int _stream_spool(sg_source *src, sg_error *err) {
        return sg_spool_fd_from_source("sealgate-stream", src, SG_SPOOL_MAX, "the stream", err);
}

/* The rest of the input after the op: the result says "complete" only when
 * every announced byte arrived. */
static sg_err drain(sg_source *src, sg_error *err) {
        static __thread unsigned char buf[65536];
        ptrdiff_t k;
        while ((k = src->read(src->ctx, buf, sizeof buf)) > 0) {
        }
        return k < 0 ? sg_error_set(err, SG_ERR_IO, "the stream was ended") : SG_OK;
}

/* ---- results */

/* The final result: what every stream has, plus the op's own members (those
 * of the object `extra`, shared by reference). */
static char *result_response(job *j, json_object *extra) {
        char hex[SG_SHA256_HEX_LEN + 1] = "";
        sg_sha256_final_hex(j->sha, hex);
        json_object *doc = json_object_new_object(), *r = json_object_new_object(), *in = json_object_new_object(),
                    *out = json_object_new_object();
        json_object *id = json_tokener_parse(j->id_json);
        json_object_object_add(doc, "id", id);
        json_object_object_add(r, "complete", json_object_new_boolean(1));
        json_object_object_add(r, "op", json_object_new_string(j->sop->name));
        json_object_object_add(in, "frames", json_object_new_int64(j->frames));
        json_object_object_add(in, "size", json_object_new_int64(j->size));
        json_object_object_add(r, "input", in);
        json_object_object_add(out, "frames", json_object_new_int64(j->out_frames));
        json_object_object_add(out, "size", json_object_new_int64(j->out_bytes));
        json_object_object_add(out, "sha256", json_object_new_string(hex));
        json_object_object_add(r, "output", out);
        json_object_object_foreach(extra, k, v) {
                json_object_object_add(r, k, json_object_get(v));
        }
        json_object_object_add(doc, "result", r);
        char *s =
                sg_strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        return s;
}

static void *worker(void *arg) {
        job *j = arg;
        sg_source src = {.read = queue_read, .ctx = j};
        sg_sink dst = {.write = queue_write, .ctx = j};
        json_object *extra = json_object_new_object();
        sg_error err = {0};
        sg_err r = !extra                      ? sg_error_set(&err, SG_ERR_NOMEM, "out of memory")
                   : j->sop->family == FAM_PGP ? _stream_pgp_work(j, &src, &dst, extra, &err)
                                               : _stream_smime_work(j, &src, &dst, extra, &err);
        if (r == SG_OK)
                r = drain(&src, &err);
        if (r == SG_OK && push_output(j) < 0)
                r = sg_error_set(&err, SG_ERR_IO, "the stream was ended");
        char *final = r == SG_OK ? result_response(j, extra) : sg_host_error_response(j->id_json, r, err.message);
        json_object_put(extra);
        pthread_mutex_lock(&j->mu);
        if (r != SG_OK)
                queue_clear(&j->out); /* not sent yet: unauthenticated output goes no further */
        j->final = final;
        j->finished = true;
        pthread_mutex_unlock(&j->mu);
        wake(j->owner);
        return NULL;
}

/* ---- the poll loop's side */

static int send_error(sg_streams *s, const char *id_json, sg_err code, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 4, 5)))
#endif
        ;

static int send_error(sg_streams *s, const char *id_json, sg_err code, const char *fmt, ...) {
        sg_error e = {.code = code};
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e.message, sizeof e.message, fmt, ap);
        va_end(ap);
        char *resp = sg_host_error_response(id_json, code, e.message);
        int w = resp ? s->send(s->userdata, resp, id_json) : -1;
        free(resp);
        return w;
}

static void set_discard(sg_streams *s, const char *id_json, long long next, long long frames) {
        free(s->discard_id);
        s->discard_id = next < frames ? sg_strdup(id_json) : NULL;
        s->discard_frames = frames;
}

/* End the open stream now with an error of the loop's own (bad input frame,
 * end of file): the worker is stopped, queued output dropped. */
static int abort_stream(sg_streams *s, sg_err code, const char *message) {
        job *j = s->job;
        job_stop(j);
        slog(s, "stream %s (%s) ended: %s: %s", j->id_json, j->sop->name, sg_err_code(code), message);
        set_discard(s, j->id_json, j->next_index, j->frames);
        char *resp = sg_host_error_response(j->id_json, code, message);
        int w = resp ? s->send(s->userdata, resp, j->id_json) : -1;
        free(resp);
        s->job = job_free(j);
        return w;
}

/* One output frame, {"id":…,"output":{"index":i},"data":"<base64>"}, built
 * in one buffer: the base64 is written in place, not copied again. */
static int send_output(sg_streams *s, job *j, chunk *c) {
        size_t idl = strlen(j->id_json);
        size_t cap = idl + (c->len + 2) / 3 * 4 + 64;
        char *frame = malloc(cap);
        int w = -1;
        if (frame) {
                int hl = snprintf(frame, cap, "{\"id\":%s,\"output\":{\"index\":%lld},\"data\":\"", j->id_json,
                                  j->out_index++);
                size_t o = (size_t) hl + sg_base64_encode_to(c->data, c->len, frame + hl);
                memcpy(frame + o, "\"}", 3);
                w = s->send(s->userdata, frame, j->id_json);
        }
        free(frame);
        chunk_free(c);
        return w;
}

int sg_streams_pump(sg_streams *s) {
        char b[64];
        while (read(s->wake[0], b, sizeof b) > 0) {
        }
        job *j = s->job;
        if (!j)
                return 0;
        for (;;) {
                pthread_mutex_lock(&j->mu);
                chunk *c = queue_pop(&j->out);
                bool finished = j->finished && !c;
                if (c)
                        pthread_cond_broadcast(&j->cv);
                pthread_mutex_unlock(&j->mu);
                if (c) {
                        if (send_output(s, j, c) < 0) {
                                job_stop(j);
                                s->job = job_free(j);
                                return -1;
                        }
                        continue;
                }
                if (!finished)
                        return 0;
                break;
        }
        pthread_join(j->thread, NULL);
        j->started = false;
        slog(s, "stream %s (%s) ended: %lld input bytes (%lld of %lld frames on the fast path), %lld output frames",
             j->id_json, j->sop->name, j->received, j->fast_in, j->next_index, j->out_index);
        set_discard(s, j->id_json, j->next_index, j->frames);
        int w = j->final ? s->send(s->userdata, j->final, j->id_json) : -1;
        s->job = job_free(j);
        return w;
}

bool sg_streams_input_full(const sg_streams *s) {
        job *j = s->job;
        if (!j)
                return false;
        pthread_mutex_lock(&j->mu);
        bool full = j->in.n >= SG_STREAM_QUEUE && !j->finished;
        pthread_mutex_unlock(&j->mu);
        return full;
}

int sg_streams_eof(sg_streams *s) {
        job *j = s->job;
        if (!j)
                return 0;
        if (j->next_index < j->frames) {
                char m[SG_ERROR_MESSAGE_MAX];
                snprintf(m, sizeof m, "the input ended after %lld of %lld frames (%lld of %lld bytes)", j->next_index,
                         j->frames, j->received, j->size);
                return abort_stream(s, SG_ERR_TRUNCATED, m);
        }
        while (s->job) {
                struct pollfd pfd = {.fd = s->wake[0], .events = POLLIN};
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                        return -1;
                if (sg_streams_pump(s) < 0)
                        return -1;
        }
        return 0;
}

/* The fast path's head for the stream's input frames, {"id":<id_json>,"input":{"index":,
 * kept only when a frame written with it goes through the full parse to
 * this very id (proved once here by parsing a probe frame): then the id's
 * text in a frame can be compared byte for byte. Without it (out of memory,
 * an id json-c writes in a form it would not read back the same), every
 * frame of the stream takes the full parse. */
static void set_fast_head(job *j) {
        static const char tail[] = "0},\"data\":\"\"}";
        size_t n = strlen(j->id_json) + sizeof "{\"id\":,\"input\":{\"index\":" - 1;
        char *head = malloc(n + sizeof tail);
        if (!head)
                return;
        snprintf(head, n + sizeof tail, "{\"id\":%s,\"input\":{\"index\":%s", j->id_json, tail);
        json_object *probe = NULL, *pid = NULL;
        char *id = NULL;
        if (sg_host_parse_request(head, n + sizeof tail - 1, &probe, NULL) == SG_OK &&
            json_object_is_type(probe, json_type_object) && sg_host_read_id(probe, &pid, NULL) == SG_OK)
                id = sg_strdup(
                        json_object_to_json_string_ext(pid, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object *in, *idx, *data;
        bool same = id && strcmp(id, j->id_json) == 0 && json_object_object_length(probe) == 3 &&
                    !json_object_object_get_ex(probe, "op", NULL) && json_object_object_get_ex(probe, "input", &in) &&
                    json_object_object_get_ex(in, "index", &idx) && json_object_get_int64(idx) == 0 &&
                    json_object_object_get_ex(probe, "data", &data) && json_object_get_string_len(data) == 0;
        free(id);
        json_object_put(probe);
        if (!same) {
                free(head);
                return;
        }
        head[n] = '\0';
        j->fast_head = head;
        j->fast_head_len = n;
}

static int start_stream(sg_streams *s, json_object *req, const struct stream_op *sop, char *id_json) {
        sg_error err = {0};
        job *j = calloc(1, sizeof *j);
        if (!j) {
                int w = send_error(s, id_json, SG_ERR_NOMEM, "out of memory");
                free(id_json);
                return w;
        }
        pthread_mutex_init(&j->mu, NULL);
        pthread_cond_init(&j->cv, NULL);
        j->owner = s;
        j->id_json = id_json;
        j->sop = sop;
        j->op = sop->op;
        bool ok = _stream_parse_request(req, j, &err);
        if (ok && s->job) {
                sg_error_set(&err, SG_ERR_STREAM_BUSY,
                             "a stream (id %.64s) is open: send one stream at a time (at most %d)", s->job->id_json,
                             SG_HOST_STREAMS_MAX);
                ok = false;
        }
        if (ok && !(j->sha = sg_sha256_new()))
                ok = !sg_error_set(&err, SG_ERR_NOMEM, "out of memory");
        /* GMime's global set-up, once per engine, on this thread */
        if (ok && sop->family == FAM_SMIME && !s->mime_ready) {
                sg_mime_smime_init();
                s->mime_ready = true;
        }
        if (ok && sop->family == FAM_PGP && !s->mime_pgp_ready) {
                sg_mime_pgp_init();
                s->mime_pgp_ready = true;
        }
        if (ok && pthread_create(&j->thread, NULL, worker, j) != 0)
                ok = !sg_error_set(&err, SG_ERR_NOMEM, "cannot start a worker thread");
        if (!ok) {
                /* the input frames already on their way are dropped */
                if (err.code != SG_ERR_STREAM_BUSY || strcmp(s->job->id_json, id_json) != 0)
                        set_discard(s, id_json, 0, j->frames);
                int w = send_error(s, id_json, err.code, "%s", err.message);
                job_free(j);
                return w;
        }
        j->started = true;
        s->job = j;
        set_fast_head(j);
        if (s->discard_id && strcmp(s->discard_id, id_json) == 0)
                set_discard(s, id_json, 0, 0);
        slog(s, "stream %s (%s) started: %lld bytes in %lld frames", id_json, sop->name, j->size, j->frames);
        if (j->frames == 0) {
                pthread_mutex_lock(&j->mu);
                j->in_done = true;
                pthread_cond_broadcast(&j->cv);
                pthread_mutex_unlock(&j->mu);
        }
        return 0;
}

/* One decoded input frame of the open stream, the one it expected: the
 * limits and the announced size, then the queue. Takes `bytes` (n of them). */
static int take_input(sg_streams *s, job *j, unsigned char *bytes, size_t n) {
        char m[SG_ERROR_MESSAGE_MAX];
        long long index = j->next_index;
        if (n > SG_CHUNK_RAW_MAX) {
                free(bytes);
                snprintf(m, sizeof m, "input frame %lld carries more than %d bytes", index, SG_CHUNK_RAW_MAX);
                return abort_stream(s, SG_ERR_LIMIT, m);
        }
        j->next_index++;
        j->received += (long long) n;
        bool last = j->next_index == j->frames;
        if (j->received > j->size || (last && j->received != j->size)) {
                free(bytes);
                snprintf(m, sizeof m, "the input frames carry %s%lld bytes, %lld were announced",
                         last ? "" : "more than ", j->received, j->size);
                return abort_stream(s, SG_ERR_STREAM_INVALID, m);
        }
        chunk *c = n ? calloc(1, sizeof *c) : NULL;
        if (n && !c) {
                free(bytes);
                return abort_stream(s, SG_ERR_NOMEM, "out of memory");
        }
        if (c) {
                c->data = bytes;
                c->len = n;
        } else {
                free(bytes);
        }
        pthread_mutex_lock(&j->mu);
        if (c && !j->finished)
                queue_push(&j->in, c);
        else
                chunk_free(c);
        if (last)
                j->in_done = true;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        return 0;
}

/* The input frame as every client writes it, for the open stream, the index
 * it expects and valid data, without json-c and without the UTF-8 pass:
 * {"id":<id>,"input":{"index":<next>},"data":"<base64>"} compared byte for
 * byte with the head the stream's id and next index give, and the base64
 * decoded straight from the frame. A decode that succeeds proves every data
 * byte is in the base64 alphabet (no quote, backslash, control or non-ASCII
 * byte), so the full parse would read the same frame, the same id, index and
 * data. Anything else (another key order, whitespace, escapes, an unexpected
 * index, invalid base64, over the limit) returns false untouched and goes
 * through the full parse, whose answers are the reference. */
static bool input_frame_fast(sg_streams *s, const char *p, size_t len, int *ret_w) {
        job *j = s->job;
        if (!j || !j->fast_head || s->slow_only)
                return false;
        char idx[48];
        size_t h = j->fast_head_len;
        size_t il = (size_t) snprintf(idx, sizeof idx, "%lld},\"data\":\"", j->next_index);
        if (len < h + il + 2 || memcmp(p, j->fast_head, h) != 0 || memcmp(p + h, idx, il) != 0 || p[len - 2] != '"' ||
            p[len - 1] != '}')
                return false;
        size_t tlen = len - 2 - h - il;
        if (tlen > (SG_CHUNK_RAW_MAX / 3 + 1) * 4)
                return false;
        void *decoded = NULL;
        size_t n = 0;
        sg_error be;
        if (sg_base64_decode(p + h + il, tlen, &decoded, &n, &be) != SG_OK)
                return false;
        s->fast_frames++;
        j->fast_in++;
        *ret_w = take_input(s, j, decoded, n);
        return true;
}

static int input_frame(sg_streams *s, json_object *req, char *id_json) {
        json_object *in, *idx, *data;
        int w = 0;
        bool shaped = json_object_object_get_ex(req, "input", &in) && json_object_is_type(in, json_type_object) &&
                      json_object_object_get_ex(in, "index", &idx) && json_object_is_type(idx, json_type_int) &&
                      json_object_object_length(in) == 1 && json_object_object_get_ex(req, "data", &data) &&
                      json_object_is_type(data, json_type_string) && json_object_object_length(req) == 3;
        long long index = shaped ? (long long) json_object_get_int64(idx) : -1;
        job *j = s->job;
        if (!j || strcmp(j->id_json, id_json) != 0) {
                if (s->discard_id && strcmp(s->discard_id, id_json) == 0 && index >= 0 && index < s->discard_frames) {
                        if (index == s->discard_frames - 1)
                                set_discard(s, id_json, 0, 0);
                } else {
                        w = send_error(s, id_json, SG_ERR_STREAM_INVALID, "no stream with this id is open");
                }
                free(id_json);
                return w;
        }
        free(id_json);
        char m[SG_ERROR_MESSAGE_MAX];
        if (!shaped)
                return abort_stream(s, SG_ERR_STREAM_INVALID,
                                    "an input frame must be {\"id\", \"input\": {\"index\": i}, \"data\": base64}");
        if (index != j->next_index) {
                snprintf(m, sizeof m, "input frame %lld arrived where frame %lld was expected", index, j->next_index);
                return abort_stream(s, SG_ERR_STREAM_INVALID, m);
        }
        size_t tlen = (size_t) json_object_get_string_len(data);
        if (tlen > (SG_CHUNK_RAW_MAX / 3 + 1) * 4) {
                snprintf(m, sizeof m, "input frame %lld carries more than %d bytes", index, SG_CHUNK_RAW_MAX);
                return abort_stream(s, SG_ERR_LIMIT, m);
        }
        void *decoded = NULL;
        size_t n = 0;
        sg_error be;
        sg_err de = sg_base64_decode(json_object_get_string(data), tlen, &decoded, &n, &be);
        if (de == SG_ERR_NOMEM)
                return abort_stream(s, de, be.message);
        if (de) {
                snprintf(m, sizeof m, "input frame %lld: \"data\" is not valid base64 (%.200s)", index, be.message);
                return abort_stream(s, SG_ERR_STREAM_INVALID, m);
        }
        return take_input(s, j, decoded, n);
}

int sg_streams_start(sg_streams *s, json_object *req, const char *op, char *id_json) {
        for (size_t i = 0; i < N_STREAM_PARAMS; i++)
                if (strcmp(op, stream_params[i].name) == 0)
                        return start_stream(s, req, &stream_params[i], id_json);
        int w = send_error(s, id_json, SG_ERR_INTERNAL, "%s is not a stream op", op);
        free(id_json);
        return w;
}

int sg_streams_input(sg_streams *s, json_object *req, char *id_json) {
        return input_frame(s, req, id_json);
}

bool sg_streams_input_fast(sg_streams *s, const char *p, size_t len, int *ret_w) {
        return input_frame_fast(s, p, len, ret_w);
}

bool sg_streams_open(const sg_streams *s) {
        return s->job != NULL;
}
