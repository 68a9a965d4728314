/* The input-frame fast path of the host's streams (stream-job.c,
 * input_frame_fast) against the full parse: the same frames go to two
 * sg_streams, one with the fast path and one without, each with the same open
 * stream (no worker: input chunks stay queued), and after every frame both
 * must have answered the same, queued the same bytes and be in the same
 * state. Near misses of the fast shape (key order, whitespace, escapes,
 * index forms, bad base64, limits) and random mutations of valid frames.
 * Usage: test-stream-fast [ITERATIONS [SEED]]. Prints TAP. */
#include "../../thunderbird-native/host/stream-job.c"

#include <openssl/evp.h>

#include "sg-test.h"

/* The one parser, as the connection runs it (shared.c): an object or NULL. */
static json_object *parse(const char *text, size_t len) {
        json_object *o = NULL;
        if (sg_host_parse_request(text, len, &o, NULL) != SG_OK)
                return NULL;
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

/* The id as JSON when the id rules accept it, else NULL. */
static char *id_json_of(json_object *req) {
        json_object *id;
        if (sg_host_read_id(req, &id, NULL) != SG_OK)
                return NULL;
        return sg_strdup(json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* What the connection does with a frame while a stream is open (request.c's
 * sg_host_handle and op-stream.c): the fast path first, else the one parser,
 * and a frame without "op" but with "input" and a valid id goes to the
 * streams as an input frame. Anything else (*ret_handled false) is the op
 * table's or an error response of the connection's. */
static int sg_streams_frame(sg_streams *s, const char *p, size_t len, bool *ret_handled) {
        *ret_handled = false;
        int w = 0;
        if (sg_streams_open(s) && sg_streams_input_fast(s, p, len, &w)) {
                *ret_handled = true;
                return w;
        }
        json_object *req = parse(p, len);
        char *id_json =
                req && !json_object_object_get_ex(req, "op", NULL) && json_object_object_get_ex(req, "input", NULL)
                        ? id_json_of(req)
                        : NULL;
        if (id_json) {
                *ret_handled = true;
                w = sg_streams_input(s, req, id_json);
        }
        json_object_put(req);
        return w;
}

/* What one sg_streams sent. */
typedef struct record {
        char *sent; /* every response, one per line */
        size_t len;
} record;

static int record_send(void *userdata, const char *json, const char *id_json) {
        record *r = userdata;
        size_t n = strlen(json) + strlen(id_json) + 2;
        char *p = realloc(r->sent, r->len + n + 1);
        if (!p)
                abort();
        r->sent = p;
        r->len += (size_t) snprintf(r->sent + r->len, n + 1, "%s %s\n", id_json, json);
        return 0;
}

static void record_log(void *userdata, const char *line) {
        (void) userdata;
        (void) line;
}

typedef struct side {
        sg_streams *s;
        record rec;
} side;

/* An open stream with the id `id` (JSON text) expecting `frames` frames of
 * `size` bytes in all, as start_stream leaves it (the id as json-c writes
 * it back), without the worker. */
static void side_open(side *d, bool slow_only, const char *id, long long frames, long long size) {
        memset(d, 0, sizeof *d);
        d->s = sg_streams_new(record_send, record_log, &d->rec);
        if (!d->s)
                abort();
        d->s->slow_only = slow_only;
        job *j = calloc(1, sizeof *j);
        if (!j)
                abort();
        pthread_mutex_init(&j->mu, NULL);
        pthread_cond_init(&j->cv, NULL);
        j->owner = d->s;
        char req[512];
        snprintf(req, sizeof req, "{\"id\":%s}", id);
        json_object *o = parse(req, strlen(req));
        j->id_json = o ? id_json_of(o) : NULL;
        json_object_put(o);
        if (!j->id_json)
                abort();
        j->sop = &stream_params[0];
        j->op = j->sop->op;
        j->frames = frames;
        j->size = size;
        set_fast_head(j);
        d->s->job = j;
}

static void side_close(side *d) {
        d->s = sg_streams_free(d->s);
        free(d->rec.sent);
        d->rec.sent = NULL;
}

/* The state a frame can change, as text. */
static char *state_of(side *d, bool handled, int w) {
        size_t cap = d->rec.len + 256;
        job *j = d->s->job;
        for (chunk *c = j ? j->in.head : NULL; c; c = c->next)
                cap += c->len * 2 + 2;
        char *t = malloc(cap), *o = t;
        if (!t)
                abort();
        o += sprintf(o, "handled=%d w=%d discard=%s/%lld\n", handled, w, d->s->discard_id ? d->s->discard_id : "-",
                     d->s->discard_frames);
        if (j) {
                o += sprintf(o, "next=%lld received=%lld done=%d queued=", j->next_index, j->received, j->in_done);
                for (chunk *c = j->in.head; c; c = c->next) {
                        for (size_t i = 0; i < c->len; i++)
                                o += sprintf(o, "%02x", c->data[i]);
                        *o++ = '|';
                }
                *o++ = '\n';
        } else {
                o += sprintf(o, "no stream\n");
        }
        memcpy(o, d->rec.sent ? d->rec.sent : "", d->rec.len);
        o[d->rec.len] = '\0';
        return t;
}

/* Feed `frame` to both sides; true when they end in the same state. */
static bool feed_both(side *fast, side *slow, const char *frame, size_t len, char **ret_diff) {
        bool h1 = false, h2 = false;
        int w1 = sg_streams_frame(fast->s, frame, len, &h1);
        int w2 = sg_streams_frame(slow->s, frame, len, &h2);
        char *a = state_of(fast, h1, w1), *b = state_of(slow, h2, w2);
        bool same = strcmp(a, b) == 0;
        if (!same && ret_diff) {
                size_t n = strlen(a) + strlen(b) + 64;
                *ret_diff = malloc(n);
                snprintf(*ret_diff, n, "fast path:\n%s\nfull parse:\n%s", a, b);
        }
        free(a);
        free(b);
        return same;
}

/* Run `frames` (NUL-terminated strings) on a fresh pair; true when the two
 * sides agree after each. */
static bool agree(const char *id_json, long long frames, long long size, const char *const *seq, size_t n,
                  long long *ret_fast) {
        side fast, slow;
        side_open(&fast, false, id_json, frames, size);
        side_open(&slow, true, id_json, frames, size);
        bool ok = true;
        for (size_t i = 0; i < n && ok; i++) {
                char *diff = NULL;
                ok = feed_both(&fast, &slow, seq[i], strlen(seq[i]), &diff);
                if (!ok) {
                        sg_test_diag("frame %zu: %.300s", i, seq[i]);
                        for (char *line = strtok(diff, "\n"); line; line = strtok(NULL, "\n"))
                                sg_test_diag("  %.300s", line);
                }
                free(diff);
        }
        if (ret_fast)
                *ret_fast = fast.s->fast_frames;
        side_close(&fast);
        side_close(&slow);
        return ok;
}

/* One named case: a stream of 3 frames, 9 bytes; frame 0 "abc" then `frame`
 * (meant as frame 1, "def"). `fast`: whether the fast path must take it. */
static void near_miss(const char *id_json, const char *frame, int fast, const char *what) {
        char first[512];
        snprintf(first, sizeof first, "{\"id\":%s,\"input\":{\"index\":0},\"data\":\"YWJj\"}", id_json);
        const char *seq[] = {first, frame};
        long long nfast = 0;
        bool ok = agree(id_json, 3, 9, seq, 2, &nfast);
        SG_CHECK(ok && nfast == 1 + fast, "%s: the same answer and state (%lld of 2 frames fast)", what, nfast);
}

static uint64_t rng;

static uint64_t next_rand(void) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

int main(int argc, char **argv) {
        long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
        rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 0x5ea19a7e;
        if (!rng)
                rng = 1;
        sg_test_diag("%ld iterations, seed %llu", iterations, (unsigned long long) rng);

        /* ---- the shape itself: taken by the fast path, same result */
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 1, "the exact shape, integer id");
        near_miss("\"m-1\"", "{\"id\":\"m-1\",\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 1,
                  "the exact shape, string id");
        near_miss("\"a\\\"b\\\\c\"", "{\"id\":\"a\\\"b\\\\c\",\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 1,
                  "a string id with escapes, written as json-c writes it");
        near_miss("\"\xc3\xa9t\xc3\xa9\"", "{\"id\":\"\xc3\xa9t\xc3\xa9\",\"input\":{\"index\":1},\"data\":\"ZGVm\"}",
                  1, "a non-ASCII string id");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"\"}", 1, "empty data (fewer bytes)");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVmZ2hpamts\"}", 1, "more bytes than announced");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZA==\"}", 1, "padding");

        /* ---- near misses: the full parse answers (and the same way) */
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\",\"x\":1}", 0, "an extra key");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1,\"x\":1},\"data\":\"ZGVm\"}", 0, "an extra key in input");
        near_miss("7", "{\"input\":{\"index\":1},\"id\":7,\"data\":\"ZGVm\"}", 0, "another key order (valid)");
        near_miss("7", "{\"id\":7, \"input\":{\"index\":1},\"data\":\"ZGVm\"}", 0, "whitespace (valid)");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\"} \n", 0, "trailing whitespace (valid)");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\"}x", 0, "trailing garbage");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\"}}", 0, "a second closing brace");
        near_miss("\"a\"", "{\"id\":\"\\u0061\",\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 0,
                  "an escaped id (the same id)");
        near_miss("\"a/b\"", "{\"id\":\"a\\/b\",\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 0,
                  "an id with an escaped slash (the same id)");
        near_miss("7", "{\"id\":\"7\",\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 0, "the id as a string");
        near_miss("7", "{\"id\":7.0,\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 0, "the id as 7.0");
        near_miss("7", "{\"id\":8,\"input\":{\"index\":1},\"data\":\"ZGVm\"}", 0, "another id");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":\"1\"},\"data\":\"ZGVm\"}", 0, "the index as a string");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":01},\"data\":\"ZGVm\"}", 0, "the index with a leading zero");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1.0},\"data\":\"ZGVm\"}", 0, "the index as 1.0");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":-1},\"data\":\"ZGVm\"}", 0, "a negative index");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":2},\"data\":\"ZGVm\"}", 0, "the next index but one");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":0},\"data\":\"ZGVm\"}", 0, "the index again");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":10},\"data\":\"ZGVm\"}", 0, "an index that starts right");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGV\\/\"}", 0, "an escaped slash in the data");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"\\u005aGVm\"}", 0, "a \\u escape in the data");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGV\"}", 0, "base64 not a multiple of 4");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZG!m\"}", 0, "a character outside base64");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGV=\"}", 0, "non-canonical padding");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"Z===\"}", 0, "three padding characters");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZG\xc3\xa9m\"}", 0, "non-ASCII in the data");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZG\xff\xffm\"}", 0, "invalid UTF-8 in the data");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\",\"data\":\"ZGVm\"}", 0, "a duplicate key");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\",\"op\":\"version\"}", 0, "with an op");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":null}", 0, "data null");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"ZGVm\"", 0, "no closing brace");
        near_miss("7", "{\"id\":7,\"input\":{\"index\":1},\"data\":\"\"}\"}", 0, "a quote after the object");

        /* NUL bytes inside the data and after the frame (lengths, not strings) */
        {
                side fast, slow;
                side_open(&fast, false, "7", 2, 6);
                side_open(&slow, true, "7", 2, 6);
                static const char f1[] = "{\"id\":7,\"input\":{\"index\":0},\"data\":\"ZG\0m\"}";
                static const char f2[] = "{\"id\":7,\"input\":{\"index\":0},\"data\":\"ZGVm\"}\0";
                char *diff = NULL;
                bool ok = feed_both(&fast, &slow, f1, sizeof f1 - 1, &diff) &&
                          feed_both(&fast, &slow, f2, sizeof f2 - 1, &diff);
                SG_CHECK(ok && fast.s->fast_frames == 0, "NUL in the data or after the frame: the full parse answers");
                if (diff)
                        sg_test_diag("%.600s", diff);
                free(diff);
                side_close(&fast);
                side_close(&slow);
        }

        /* ---- limits: a frame of chunk_raw bytes and one of chunk_raw + 1;
         * base64 text one past its limit */
        {
                size_t raw = SG_CHUNK_RAW_MAX;
                unsigned char *bytes = malloc(raw + 3);
                for (size_t i = 0; i < raw + 3; i++)
                        bytes[i] = (unsigned char) (i * 7);
                size_t tmax = (SG_CHUNK_RAW_MAX / 3 + 1) * 4;
                char *frame = malloc(tmax + 200);
                for (int k = 0; k < 3; k++) {
                        /* at, one past; two past: the base64 text is over its limit */
                        size_t n = raw + (size_t) k;
                        int hl = sprintf(frame, "{\"id\":1,\"input\":{\"index\":0},\"data\":\"");
                        size_t o = (size_t) hl + sg_base64_encode_to(bytes, n, frame + hl);
                        size_t tlen = o - (size_t) hl;
                        strcpy(frame + o, "\"}");
                        const char *seq[] = {frame};
                        long long nfast = 0;
                        bool ok = agree("1", 1, (long long) n, seq, 1, &nfast);
                        SG_CHECK(ok && nfast == (k < 2 ? 1 : 0) && (tlen > tmax) == (k == 2),
                                 "a frame of chunk_raw + %d bytes (%zu base64 characters, limit %zu): the same answer",
                                 k, tlen, tmax);
                }
                free(frame);
                free(bytes);
        }

        /* ---- a whole stream of exact frames, all fast, and its bytes */
        {
                side fast, slow;
                side_open(&fast, false, "\"whole\"", 50, 50 * 300);
                side_open(&slow, true, "\"whole\"", 50, 50 * 300);
                unsigned char data[300];
                char frame[600];
                bool ok = true;
                for (int i = 0; i < 50 && ok; i++) {
                        for (size_t k = 0; k < sizeof data; k++)
                                data[k] = (unsigned char) next_rand();
                        int hl = sprintf(frame, "{\"id\":\"whole\",\"input\":{\"index\":%d},\"data\":\"", i);
                        size_t o = (size_t) hl + sg_base64_encode_to(data, sizeof data, frame + hl);
                        strcpy(frame + o, "\"}");
                        ok = feed_both(&fast, &slow, frame, strlen(frame), NULL);
                }
                SG_CHECK(ok && fast.s->fast_frames == 50 && fast.s->job && fast.s->job->in_done &&
                                 fast.s->job->received == 50 * 300 && fast.rec.len == 0,
                         "50 exact frames: all taken by the fast path, complete, no answer, the same queue");
                side_close(&fast);
                side_close(&slow);
        }

        /* ---- the output frames' encoder (sg_base64_encode_to, a table of
         * character pairs) against OpenSSL's, over every 12-bit value in both
         * halves of a group and each length mod 3 */
        {
                enum { N = 4096 * 3 };
                static unsigned char in[N + 2];
                static char ours[(N + 4) / 3 * 4 + 8];
                static unsigned char theirs[(N + 4) / 3 * 4 + 8];
                for (unsigned v = 0; v < 4096; v++) {
                        uint32_t w = v << 12 | (4095 - v);
                        in[3 * v] = (unsigned char) (w >> 16);
                        in[3 * v + 1] = (unsigned char) (w >> 8);
                        in[3 * v + 2] = (unsigned char) w;
                }
                in[N] = 0xfb;
                in[N + 1] = 0xff;
                bool same = true;
                for (size_t len = N; len <= N + 2; len++) {
                        size_t n = sg_base64_encode_to(in, len, ours);
                        int m = EVP_EncodeBlock(theirs, in, (int) len);
                        same = same && m >= 0 && n == (size_t) m && memcmp(ours, theirs, n) == 0;
                }
                SG_CHECK(same, "the output encoder agrees with OpenSSL's EVP_EncodeBlock on all 4096 pairs");
        }

        /* ---- random mutations of valid frames */
        static const char interesting[] = "{}[]\":,\\ \t\n0123456789-+.eE=/AZaz!\x7f\x80\xc3\xa9\xff";
        static const char *const ids[] = {"7", "0", "123456789", "\"m\"", "\"a\\\"b\"", "\"\xc3\xa9\"", "\"\""};
        long failures = 0;
        long long fast_mutated = 0;
        for (long it = 0; it < iterations; it++) {
                const char *id = ids[next_rand() % (sizeof ids / sizeof ids[0])];
                long long frames = 2 + (long long) (next_rand() % 3);
                unsigned char data[48];
                size_t n = next_rand() % sizeof data;
                for (size_t k = 0; k < n; k++)
                        data[k] = (unsigned char) next_rand();
                long long index = (long long) (next_rand() % 2);
                char frame[512];
                int hl = snprintf(frame, sizeof frame, "{\"id\":%s,\"input\":{\"index\":%lld},\"data\":\"", id, index);
                size_t len = (size_t) hl + sg_base64_encode_to(data, n, frame + hl);
                len += (size_t) sprintf(frame + len, "\"}");
                int muts = 1 + (int) (next_rand() % 3);
                for (int m = 0; m < muts && len > 0; m++) {
                        size_t at = next_rand() % len;
                        char c = interesting[next_rand() % (sizeof interesting - 1)];
                        switch (next_rand() % 5) {
                        case 0: /* replace */
                                frame[at] = c;
                                break;
                        case 1: /* insert */
                                if (len + 1 < sizeof frame) {
                                        memmove(frame + at + 1, frame + at, len - at);
                                        frame[at] = c;
                                        len++;
                                }
                                break;
                        case 2: /* delete */
                                memmove(frame + at, frame + at + 1, len - at - 1);
                                len--;
                                break;
                        case 3: /* duplicate a short range */ {
                                size_t k = 1 + next_rand() % 8;
                                if (at + k <= len && len + k < sizeof frame) {
                                        memmove(frame + at + k, frame + at, len - at);
                                        len += k;
                                }
                                break;
                        }
                        default: /* a byte of the frame elsewhere */
                                frame[at] = frame[next_rand() % len];
                                break;
                        }
                }
                frame[len] = '\0';
                /* the stream already took frame 0 when the mutated frame is meant as 1 */
                side fast, slow;
                long long size = (long long) (frames * 48);
                side_open(&fast, false, id, frames, size);
                side_open(&slow, true, id, frames, size);
                char *diff = NULL;
                char first[512];
                snprintf(first, sizeof first, "{\"id\":%s,\"input\":{\"index\":0},\"data\":\"AAAA\"}", id);
                bool ok = index == 0 || feed_both(&fast, &slow, first, strlen(first), &diff);
                long long before = fast.s->fast_frames;
                ok = ok && feed_both(&fast, &slow, frame, len, &diff);
                fast_mutated += fast.s->fast_frames - before;
                if (!ok && failures++ < 5) {
                        sg_test_diag("iteration %ld differs on %.300s", it, frame);
                        for (char *line = strtok(diff, "\n"); line; line = strtok(NULL, "\n"))
                                sg_test_diag("  %.300s", line);
                }
                free(diff);
                side_close(&fast);
                side_close(&slow);
        }
        SG_CHECK(failures == 0, "%ld random mutations of input frames: fast path and full parse agree (%ld differ)",
                 iterations, failures);
        SG_CHECK(iterations == 0 || fast_mutated > 0,
                 "some mutated frames still took the fast path (%lld of them, all agreeing)", fast_mutated);
        return sg_test_done();
}
