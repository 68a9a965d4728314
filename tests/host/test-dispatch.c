/* Host tests of the dispatch table, driven directly: request/response pairs in
 * data/t-<name>.in.json and .out.json checked by a subset matcher, then the
 * cases too large for data files (message limits one past), chunked requests
 * and policy reloading. Usage: test-dispatch DATA-DIR */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "conn.h"
#include "sealgate-config.h"
#include "sealgate/audit-file.h"
#include "sealgate/audit.h"
#include "sealgate/frame.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"
#include "sg-test.h"

/* The one entry point, as the transport uses it: the response (owned) or
 * NULL; its id as JSON into *ret_id_json and prompt.show's job into *ret_job
 * when they are not NULL (else dropped). */
static char *handle(sg_host *h, const char *p, size_t n, char **ret_id_json, sg_prompt_job **ret_job) {
        sg_host_reply r;
        sg_host_handle(h, p, n, &r);
        char *resp = r.response;
        r.response = NULL;
        if (ret_id_json) {
                *ret_id_json = r.id_json;
                r.id_json = NULL;
        }
        if (ret_job) {
                *ret_job = r.prompt;
                r.prompt = NULL;
        }
        sg_host_reply_clear(&r);
        return resp;
}

static char *sg_host_dispatch(sg_host *h, const char *p, size_t n) {
        return handle(h, p, n, NULL, NULL);
}

static const char *data_dir;

static char *read_file(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        size_t cap = 4096, len = 0;
        char *s = malloc(cap);
        size_t n;
        while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
                len += n;
                if (cap - len - 1 == 0)
                        s = realloc(s, cap *= 2);
        }
        fclose(f);
        if (s)
                s[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return s;
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "wb");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0)
                abort();
}

/* ---- subset matcher: every key of `want` present and equal in `got`; arrays of
 * equal length matched element-wise. On mismatch `path` says where. */
static int subset(json_object *want, json_object *got, char *path, size_t cap) {
        size_t plen = strlen(path);
        json_type t = json_object_get_type(want);
        if (t == json_type_null)
                return got == NULL;
        if (t == json_type_int || t == json_type_double) {
                json_type gt = json_object_get_type(got);
                if (gt != json_type_int && gt != json_type_double)
                        return 0;
                if (t == json_type_int && gt == json_type_int)
                        return json_object_get_int64(want) == json_object_get_int64(got);
                return json_object_get_double(want) == json_object_get_double(got);
        }
        if (json_object_get_type(got) != t)
                return 0;
        switch (t) {
        case json_type_boolean:
                return json_object_get_boolean(want) == json_object_get_boolean(got);
        case json_type_string:
                return strcmp(json_object_get_string(want), json_object_get_string(got)) == 0;
        case json_type_array: {
                size_t n = json_object_array_length(want);
                if (json_object_array_length(got) != n) {
                        snprintf(path + plen, cap - plen, " (length %zu, want %zu)", json_object_array_length(got), n);
                        return 0;
                }
                for (size_t i = 0; i < n; i++) {
                        snprintf(path + plen, cap - plen, "[%zu]", i);
                        if (!subset(json_object_array_get_idx(want, i), json_object_array_get_idx(got, i), path, cap))
                                return 0;
                }
                path[plen] = '\0';
                return 1;
        }
        case json_type_object: {
                json_object_object_foreach(want, key, wv) {
                        json_object *gv;
                        snprintf(path + plen, cap - plen, ".%s", key);
                        if (!json_object_object_get_ex(got, key, &gv) || !subset(wv, gv, path, cap))
                                return 0;
                }
                path[plen] = '\0';
                return 1;
        }
        default:
                return 0;
        }
}

/* Check `resp` (owned, freed here) against the expected JSON text. */
static void check_response(const char *name, char *resp, const char *want_text) {
        json_object *want = json_tokener_parse(want_text);
        json_object *got = resp ? json_tokener_parse(resp) : NULL;
        char path[512] = "$";
        /* Every response must be valid UTF-8 whatever the request held:
         * Thunderbird would fail to decode it and drop the port. */
        int ok = want && got && sg_utf8_valid(resp, strlen(resp)) && subset(want, got, path, sizeof path);
        if (!SG_CHECK(ok, "%s", name)) {
                if (!want)
                        sg_test_diag("  expected JSON does not parse");
                else
                        sg_test_diag("  mismatch at %s", path);
                sg_test_diag("  got: %.600s", resp ? resp : "(null)");
        }
        json_object_put(want);
        json_object_put(got);
        free(resp);
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* ---- attempts */

/* Replace every "$ATTEMPT" in `text` by `attempt`; owned. */
static char *with_attempt(const char *text, const char *attempt) {
        size_t n = 0;
        for (const char *p = text; (p = strstr(p, "$ATTEMPT")); p += 8)
                n++;
        char *out = malloc(strlen(text) + n * 32 + 1), *o = out;
        for (const char *p = text;;) {
                const char *q = strstr(p, "$ATTEMPT");
                if (!q) {
                        strcpy(o, p);
                        break;
                }
                memcpy(o, p, (size_t) (q - p));
                o += q - p;
                o += sprintf(o, "%s", attempt);
                p = q + 8;
        }
        return out;
}

/* result.attempt of a response, copied into `out` when it is 32 lowercase hex. */
static int take_attempt(const char *resp, char out[33]) {
        json_object *o = resp ? json_tokener_parse(resp) : NULL, *r, *a;
        int ok = o && json_object_object_get_ex(o, "result", &r) && json_object_object_get_ex(r, "attempt", &a) &&
                 json_object_is_type(a, json_type_string) && json_object_get_string_len(a) == 32 &&
                 strspn(json_object_get_string(a), "0123456789abcdef") == 32;
        if (ok)
                memcpy(out, json_object_get_string(a), 33);
        json_object_put(o);
        return ok;
}

/* ---- the data-file pairs */
static void run_data_files(void) {
        DIR *d = opendir(data_dir);
        if (!SG_CHECK(d != NULL, "data directory %s opens", data_dir))
                return;
        char *names[512];
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) && n < 512) {
                size_t l = strlen(e->d_name);
                if (strncmp(e->d_name, "t-", 2) == 0 && l > 8 && strcmp(e->d_name + l - 8, ".in.json") == 0)
                        names[n++] = strndup(e->d_name, l - 8);
        }
        closedir(d);
        qsort(names, n, sizeof names[0], cmp_names);
        SG_CHECK(n >= 20, "at least 20 request/response pairs (%zu)", n);

        char path[4096], policy[4096];
        snprintf(policy, sizeof policy, "%s/policy.json", data_dir);
        sg_host *main_host = sg_host_new(policy);
        for (size_t i = 0; i < n; i++) {
                size_t in_len = 0;
                snprintf(path, sizeof path, "%s/%s.in.json", data_dir, names[i]);
                char *in = read_file(path, &in_len);
                snprintf(path, sizeof path, "%s/%s.out.json", data_dir, names[i]);
                char *out = read_file(path, NULL);
                /* t-<name>.policy names another policy file for this pair alone. */
                snprintf(path, sizeof path, "%s/%s.policy", data_dir, names[i]);
                char *alt = read_file(path, NULL);
                /* t-<name>.pre.json: requests sent first, one per line, on a
                 * host of their own; "$ATTEMPT" stands for the attempt id of
                 * the last policy.evaluate answered. */
                snprintf(path, sizeof path, "%s/%s.pre.json", data_dir, names[i]);
                char *pre = read_file(path, NULL);
                sg_host *h = main_host;
                if (alt) {
                        alt[strcspn(alt, "\r\n")] = '\0';
                        snprintf(path, sizeof path, "%s/%s", data_dir, alt);
                        h = sg_host_new(path);
                } else if (pre) {
                        h = sg_host_new(policy);
                }
                char attempt[33] = "none";
                sg_prompt_job *jobs[16];
                size_t n_jobs = 0;
                for (char *line = pre ? strtok(pre, "\n") : NULL; line; line = strtok(NULL, "\n")) {
                        char *req = with_attempt(line, attempt), *rid = NULL;
                        sg_prompt_job *job = NULL;
                        char *r = handle(h, req, strlen(req), &rid, &job);
                        take_attempt(r, attempt);
                        if (job && n_jobs < 16)
                                jobs[n_jobs++] = job;
                        free(r);
                        free(rid);
                        free(req);
                }
                if (!in || !out) {
                        SG_CHECK(0, "%s: both .in.json and .out.json exist", names[i]);
                } else {
                        char *in2 = with_attempt(in, attempt), *out2 = with_attempt(out, attempt);
                        /* Both entry points answer plain requests the same way
                         * (but for the attempt id, new for every evaluation);
                         * a pair with state before it is answered once. */
                        char *id_json = NULL;
                        char *r1 = handle(h, in2, strlen(in2), &id_json, NULL);
                        /* The response's id comes back as JSON too, for the
                         * transport to chunk a large response with. */
                        json_object *ro = r1 ? json_tokener_parse(r1) : NULL, *rid;
                        SG_CHECK(ro && id_json && json_object_object_get_ex(ro, "id", &rid) &&
                                         strcmp(json_object_to_json_string_ext(
                                                        rid, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                                                id_json) == 0,
                                 "%s: the reply's id_json is the response's id", names[i]);
                        json_object_put(ro);
                        free(id_json);
                        check_response(names[i], r1, out2);
                        free(in2);
                        free(out2);
                }
                sg_prompt_result ab = {.end = SG_PROMPT_ABANDONED};
                for (size_t k = 0; k < n_jobs; k++) {
                        free(sg_host_prompt_done(h, jobs[k], &ab, NULL));
                        sg_prompt_job_free(jobs[k]);
                }
                if (h != main_host)
                        sg_host_free(h);
                free(in);
                free(out);
                free(alt);
                free(pre);
                free(names[i]);
        }
        sg_host_free(main_host);
}

/* ---- generated cases: message limits one past (and at) */

typedef struct sbuf {
        char *p;
        size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
        if (b->n + n + 1 > b->cap) {
                while (b->n + n + 1 > b->cap)
                        b->cap = b->cap ? b->cap * 2 : 4096;
                b->p = realloc(b->p, b->cap);
                if (!b->p)
                        abort();
        }
        memcpy(b->p + b->n, s, n);
        b->n += n;
        b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) {
        sb_add(b, s, strlen(s));
}

static void sb_fill(sbuf *b, char c, size_t n) {
        char chunk[4096];
        memset(chunk, c, sizeof chunk);
        while (n > 0) {
                size_t k = n < sizeof chunk ? n : sizeof chunk;
                sb_add(b, chunk, k);
                n -= k;
        }
}

static void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
static void sb_printf(sbuf *b, const char *fmt, ...) {
        char tmp[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
        va_end(ap);
        sb_add(b, tmp, (size_t) n);
}

typedef enum {
        GEN_RECIPIENTS,
        GEN_SUBJECT,
        GEN_BODY,
        GEN_ATTACHMENTS,
        GEN_HEADERS,
        GEN_HEADER_NAME,
        GEN_HEADER_VALUE,
        GEN_ATTACHMENT_NAME,
        GEN_CONTENT_TYPE,
        GEN_MAILBOXES,    /* mailboxes packed 1000 to a string: counted by the engine */
        GEN_ADDRESS_TEXT, /* bytes of one address-list string */
} gen_kind;

/* A policy.evaluate request whose message has `n` of the thing `kind` counts. */
static char *gen_request(gen_kind kind, size_t n) {
        sbuf b = {0};
        sb_str(&b, "{\"id\":\"gen\",\"op\":\"policy.evaluate\",\"message\":{\"from\":\"alice@corp.example\",\"to\":[");
        if (kind == GEN_RECIPIENTS) {
                for (size_t i = 0; i < n; i++)
                        sb_printf(&b, "%s\"u%zu@corp.example\"", i ? "," : "", i);
        } else if (kind == GEN_MAILBOXES) {
                for (size_t i = 0; i < n; i++)
                        sb_printf(&b, "%s%su%zu@corp.example", i == 0 ? "\"" : "",
                                  i == 0     ? ""
                                  : i % 1000 ? ","
                                             : "\",\"",
                                  i);
                sb_str(&b, "\"");
        } else if (kind == GEN_ADDRESS_TEXT) {
                sb_str(&b, "\"bob@corp.example");
                sb_fill(&b, ' ', n - strlen("bob@corp.example"));
                sb_str(&b, "\"");
        } else {
                sb_str(&b, "\"bob@corp.example\"");
        }
        sb_str(&b, "],\"subject\":\"");
        if (kind == GEN_SUBJECT)
                sb_fill(&b, 's', n);
        sb_str(&b, "\",\"body\":\"");
        if (kind == GEN_BODY)
                sb_fill(&b, 'b', n);
        sb_str(&b, "\",\"attachments\":[");
        if (kind == GEN_ATTACHMENTS) {
                for (size_t i = 0; i < n; i++)
                        sb_printf(&b, "%s{\"name\":\"f%zu.txt\",\"size\":1,\"content_type\":\"text/plain\"}",
                                  i ? "," : "", i);
        } else if (kind == GEN_ATTACHMENT_NAME || kind == GEN_CONTENT_TYPE) {
                sb_str(&b, "{\"name\":\"");
                if (kind == GEN_ATTACHMENT_NAME)
                        sb_fill(&b, 'n', n);
                else
                        sb_str(&b, "a.txt");
                sb_str(&b, "\",\"size\":1,\"content_type\":\"");
                if (kind == GEN_CONTENT_TYPE) {
                        sb_str(&b, "text/");
                        sb_fill(&b, 't', n - 5);
                } else {
                        sb_str(&b, "text/plain");
                }
                sb_str(&b, "\"}");
        }
        sb_str(&b, "],\"headers\":[");
        if (kind == GEN_HEADERS) {
                for (size_t i = 0; i < n; i++)
                        sb_printf(&b, "%s{\"name\":\"X-H%zu\",\"value\":\"v\"}", i ? "," : "", i);
        } else if (kind == GEN_HEADER_NAME) {
                sb_str(&b, "{\"name\":\"X-");
                sb_fill(&b, 'h', n - 2);
                sb_str(&b, "\",\"value\":\"v\"}");
        } else if (kind == GEN_HEADER_VALUE) {
                sb_str(&b, "{\"name\":\"X-V\",\"value\":\"");
                sb_fill(&b, 'v', n);
                sb_str(&b, "\"}");
        }
        sb_str(&b, "]}}");
        return b.p;
}

static void run_limits(void) {
        static const struct {
                const char *name;
                gen_kind kind;
                size_t limit;
        } rows[] = {
                {"recipients", GEN_RECIPIENTS, SG_MSG_RECIPIENTS_MAX},
                {"mailboxes in few strings", GEN_MAILBOXES, SG_MSG_RECIPIENTS_MAX},
                {"address-list string", GEN_ADDRESS_TEXT, SG_ADDR_TEXT_MAX},
                {"subject", GEN_SUBJECT, SG_MSG_SUBJECT_MAX},
                {"body", GEN_BODY, SG_MSG_BODY_MAX},
                {"attachments", GEN_ATTACHMENTS, SG_MSG_ATTACHMENTS_MAX},
                {"headers", GEN_HEADERS, SG_MSG_HEADERS_MAX},
                {"header name", GEN_HEADER_NAME, SG_MSG_HEADER_NAME_MAX},
                {"header value", GEN_HEADER_VALUE, SG_MSG_HEADER_VALUE_MAX},
                {"attachment name", GEN_ATTACHMENT_NAME, SG_MSG_NAME_MAX},
                {"content type", GEN_CONTENT_TYPE, SG_MSG_NAME_MAX},
        };
        char policy[4096], name[128];
        snprintf(policy, sizeof policy, "%s/policy.json", data_dir);
        sg_host *h = sg_host_new(policy);
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                char *req = gen_request(rows[i].kind, rows[i].limit);
                snprintf(name, sizeof name, "limit: %s exactly at %zu is served", rows[i].name, rows[i].limit);
                check_response(name, sg_host_dispatch(h, req, strlen(req)),
                               "{\"id\":\"gen\",\"result\":{\"action\":\"allow\"}}");
                free(req);
                req = gen_request(rows[i].kind, rows[i].limit + 1);
                snprintf(name, sizeof name, "limit: %s one past (%zu) is limit_exceeded", rows[i].name,
                         rows[i].limit + 1);
                check_response(name, sg_host_dispatch(h, req, strlen(req)),
                               "{\"id\":\"gen\",\"error\":{\"code\":\"limit_exceeded\"}}");
                free(req);
        }

        /* JSON depth: SG_HOST_JSON_DEPTH levels parse, one more does not. */
        for (int extra = 0; extra <= 1; extra++) {
                sbuf b = {0};
                sb_str(&b, "{\"id\":1,\"op\":\"version\",\"x\":");
                for (int k = 0; k < SG_HOST_JSON_DEPTH - 1 + extra; k++)
                        sb_str(&b, "[");
                for (int k = 0; k < SG_HOST_JSON_DEPTH - 1 + extra; k++)
                        sb_str(&b, "]");
                sb_str(&b, "}");
                check_response(extra ? "json depth one past the limit is limit_exceeded"
                                     : "json depth at the limit is served",
                               sg_host_dispatch(h, b.p, b.n),
                               extra ? "{\"id\":null,\"error\":{\"code\":\"limit_exceeded\"}}"
                                     : "{\"id\":1,\"result\":{\"name\":\"sealgate-host\"}}");
                free(b.p);
        }

        /* id: 256 bytes accepted, 257 refused (and the response id is null). */
        for (int extra = 0; extra <= 1; extra++) {
                sbuf b = {0};
                sb_str(&b, "{\"id\":\"");
                sb_fill(&b, 'i', SG_HOST_ID_MAX + (size_t) extra);
                sb_str(&b, "\",\"op\":\"nope\"}");
                check_response(extra ? "id of 257 bytes is invalid_request with id null" : "id of 256 bytes is echoed",
                               sg_host_dispatch(h, b.p, b.n),
                               extra ? "{\"id\":null,\"error\":{\"code\":\"invalid_request\"}}"
                                     : "{\"error\":{\"code\":\"unknown_op\"}}");
                free(b.p);
        }

        /* The version result carries the build's version string. */
        char *r = sg_host_dispatch(h, "{\"id\":1,\"op\":\"version\"}", strlen("{\"id\":1,\"op\":\"version\"}"));
        json_object *o = r ? json_tokener_parse(r) : NULL, *res, *v;
        SG_CHECK(o && json_object_object_get_ex(o, "result", &res) && json_object_object_get_ex(res, "version", &v) &&
                         strcmp(json_object_get_string(v), SG_VERSION) == 0,
                 "version result is SG_VERSION (%s)", SG_VERSION);
        json_object_put(o);
        free(r);
        sg_host_free(h);
}

/* ---- chunked requests, through sg_host_handle_frame */

static char *frame_str(sg_host *h, const char *s) {
        return handle(h, s, strlen(s), NULL, NULL);
}

static char *chunk_frame(const char *id_json, size_t index, size_t count, const char *data, size_t len) {
        char *b64 = sg_base64_encode(data, len);
        size_t n = strlen(b64) + strlen(id_json) + 100;
        char *s = malloc(n);
        snprintf(s, n, "{\"id\":%s,\"chunk\":{\"index\":%zu,\"count\":%zu},\"data\":\"%s\"}", id_json, index, count,
                 b64);
        free(b64);
        return s;
}

/* Feed one chunk; returns the response (owned) or NULL when none. */
static char *feed_chunk(sg_host *h, const char *id_json, size_t index, size_t count, const char *data, size_t len) {
        char *f = chunk_frame(id_json, index, count, data, len);
        char *rid = NULL;
        char *r = handle(h, f, strlen(f), &rid, NULL);
        free(f);
        free(rid);
        return r;
}

static void run_chunks(void) {
        char policy[4096];
        snprintf(policy, sizeof policy, "%s/policy.json", data_dir);
        sg_host *h = sg_host_new(policy);
        const char *req = "{\"id\":\"c1\",\"op\":\"version\"}";
        size_t len = strlen(req);

        char *r1 = feed_chunk(h, "\"c1\"", 0, 3, req, 5);
        char *r2 = feed_chunk(h, "\"c1\"", 1, 3, req + 5, 10);
        SG_CHECK(!r1 && !r2, "chunks before the last get no response");
        /* A plain request in between is served and does not disturb the chunks. */
        check_response("plain request between chunks is served", frame_str(h, "{\"id\":9,\"op\":\"version\"}"),
                       "{\"id\":9,\"result\":{\"protocol\":3}}");
        check_response("chunked request (3 chunks) is reassembled and served",
                       feed_chunk(h, "\"c1\"", 2, 3, req + 15, len - 15),
                       "{\"id\":\"c1\",\"result\":{\"name\":\"sealgate-host\"}}");
        free(r1);
        free(r2);

        check_response(
                "chunk with index 1 first: invalid_request", feed_chunk(h, "5", 1, 2, req, 5),
                "{\"id\":5,\"error\":{\"code\":\"invalid_request\",\"message\":\"chunk.index: expected 0, got 1\"}}");

        free(feed_chunk(h, "5", 0, 3, req, 5));
        check_response(
                "chunk out of order: invalid_request", feed_chunk(h, "5", 2, 3, req + 5, 5),
                "{\"id\":5,\"error\":{\"code\":\"invalid_request\",\"message\":\"chunk.index: expected 1, got 2\"}}");

        free(feed_chunk(h, "6", 0, 3, req, 5));
        check_response(
                "chunk count changing: invalid_request", feed_chunk(h, "6", 1, 4, req + 5, 5),
                "{\"id\":6,\"error\":{\"code\":\"invalid_request\",\"message\":\"chunk.count: changed from 3 to 4\"}}");

        free(feed_chunk(h, "7", 0, 2, req, 5));
        check_response("chunk of another id while one is in progress: invalid_request",
                       feed_chunk(h, "8", 0, 2, req, 5), "{\"id\":8,\"error\":{\"code\":\"invalid_request\"}}");
        check_response("the first chunked request still completes (its own id mismatch inside)",
                       feed_chunk(h, "7", 1, 2, req + 5, len - 5),
                       "{\"id\":7,\"error\":{\"code\":\"invalid_request\"}}");

        check_response("chunk with invalid base64: invalid_request",
                       frame_str(h, "{\"id\":3,\"chunk\":{\"index\":0,\"count\":1},\"data\":\"Zg=\"}"),
                       "{\"id\":3,\"error\":{\"code\":\"invalid_request\"}}");
        check_response(
                "chunk without data: invalid_request", frame_str(h, "{\"id\":3,\"chunk\":{\"index\":0,\"count\":1}}"),
                "{\"id\":3,\"error\":{\"code\":\"invalid_request\",\"message\":\"data: required, a base64 string\"}}");
        check_response("chunk with index >= count: invalid_request",
                       frame_str(h, "{\"id\":3,\"chunk\":{\"index\":2,\"count\":2},\"data\":\"\"}"),
                       "{\"id\":3,\"error\":{\"code\":\"invalid_request\"}}");
        check_response("reassembled text that is not JSON: invalid_json with the chunks' id",
                       feed_chunk(h, "4", 0, 1, "{nope", 5), "{\"id\":4,\"error\":{\"code\":\"invalid_json\"}}");
        check_response("reassembled text with invalid UTF-8: invalid_utf8 with the chunks' id",
                       feed_chunk(h, "4", 0, 1, "{\"id\":4,\"op\":\"\xff\"}", 17),
                       "{\"id\":4,\"error\":{\"code\":\"invalid_utf8\"}}");

        /* SG_CHUNKED_IN_MAX exactly is reassembled (then refused as a request:
         * it is not JSON); one byte more is limit_exceeded. */
        size_t piece = SG_CHUNK_RAW_MAX;
        char *big = malloc(piece);
        memset(big, ' ', piece);
        size_t count = SG_CHUNKED_IN_MAX / piece + 1;
        char *last = NULL;
        for (size_t i = 0; i < count - 1; i++) {
                free(last);
                last = feed_chunk(h, "\"big\"", i, count, big, piece);
                if (last)
                        break;
        }
        SG_CHECK(last == NULL, "%zu chunks making exactly SG_CHUNKED_IN_MAX bytes are accepted", count - 1);
        free(last);
        check_response("one more byte past SG_CHUNKED_IN_MAX is limit_exceeded",
                       feed_chunk(h, "\"big\"", count - 1, count, big, 1),
                       "{\"id\":\"big\",\"error\":{\"code\":\"limit_exceeded\"}}");
        free(big);
        check_response("after an abandoned chunked request the next one starts afresh",
                       feed_chunk(h, "\"c2\"", 0, 1, "{\"id\":\"c2\",\"op\":\"version\"}", 26),
                       "{\"id\":\"c2\",\"result\":{\"protocol\":3}}");
        sg_host_free(h);
}

/* ---- policy reload: edit, break, repair, remove */

static void copy_policy(const char *from_name, const char *to) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", data_dir, from_name);
        char *text = read_file(path, NULL);
        if (!text)
                abort();
        write_file(to, text);
        free(text);
}

static int64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Past the interval at which a policy in force is looked at again. */
static void wait_policy_check(void) {
        usleep((SG_HOST_POLICY_CHECK_MS + 100) * 1000);
}

static void run_reload(void) {
        char tmpl[] = "/tmp/sg-test-dispatch-XXXXXX";
        char *dir = mkdtemp(tmpl);
        if (!SG_CHECK(dir != NULL, "temporary directory"))
                return;
        char path[4096], tmp[4096];
        snprintf(path, sizeof path, "%s/policy.json", dir);
        snprintf(tmp, sizeof tmp, "%s/policy.json.new", dir);
        sg_host *h = sg_host_new(path);
        const char *req = "{\"id\":1,\"op\":\"policy.evaluate\",\"message\":{\"to\":[\"someone@partner.example\"]}}";
        size_t len = strlen(req);

        check_response("no policy file yet: policy_unreadable", sg_host_dispatch(h, req, len),
                       "{\"id\":1,\"error\":{\"code\":\"policy_unreadable\"}}");
        copy_policy("policy.json", path);
        check_response("policy file appears: served (prompt for an external recipient)", sg_host_dispatch(h, req, len),
                       "{\"id\":1,\"result\":{\"action\":\"prompt\"}}");
        /* Edit in place (same inode): partner.example becomes internal. A
         * policy in force is looked at again at most once a second
         * (SG_HOST_POLICY_CHECK_MS): not at once, but within the second. */
        int64_t t0 = mono_ms();
        copy_policy("policy-reload.json", path);
        char *r = sg_host_dispatch(h, req, len);
        if (mono_ms() - t0 < SG_HOST_POLICY_CHECK_MS / 2)
                check_response("an edit within the second is not looked at yet (prompt)", r,
                               "{\"id\":1,\"result\":{\"action\":\"prompt\"}}");
        else
                free(r);
        wait_policy_check();
        check_response("policy edited in place is reloaded within a second (now allow)", sg_host_dispatch(h, req, len),
                       "{\"id\":1,\"result\":{\"action\":\"allow\"}}");
        /* Replace by rename (new inode), as package managers and editors do. */
        copy_policy("policy-invalid.json", tmp);
        if (rename(tmp, path) != 0)
                abort();
        wait_policy_check();
        check_response("policy replaced by an invalid one: policy_invalid, never the stale policy",
                       sg_host_dispatch(h, req, len), "{\"id\":1,\"error\":{\"code\":\"policy_invalid\"}}");
        check_response("version reports the policy error",
                       sg_host_dispatch(h, "{\"id\":2,\"op\":\"version\"}", strlen("{\"id\":2,\"op\":\"version\"}")),
                       "{\"id\":2,\"result\":{\"policy\":{\"loaded\":false,\"error\":{\"code\":\"policy_invalid\"}}}}");
        copy_policy("policy.json", tmp);
        if (rename(tmp, path) != 0)
                abort();
        check_response("policy repaired: served again", sg_host_dispatch(h, req, len),
                       "{\"id\":1,\"result\":{\"action\":\"prompt\"}}");
        unlink(path);
        wait_policy_check();
        check_response("policy removed: policy_unreadable", sg_host_dispatch(h, req, len),
                       "{\"id\":1,\"error\":{\"code\":\"policy_unreadable\"}}");
        sg_host_free(h);
        rmdir(dir);
}

/* ---- prompt.show through the one entry point and sg_host_prompt_done */

static char state_dir[4096]; /* XDG_STATE_HOME of this test */

/* The audit lines written today under the default directory, as one string. */
static char *audit_today(void) {
        char name[SG_AUDIT_FILE_NAME_SIZE], path[4200];
        sg_audit_file_name(sg_audit_now_ms(), name);
        snprintf(path, sizeof path, "%s/sealgate/audit/%s", state_dir, name);
        char *s = read_file(path, NULL);
        return s ? s : strdup("");
}

static void audit_reset(void) {
        char name[SG_AUDIT_FILE_NAME_SIZE], path[4200];
        sg_audit_file_name(sg_audit_now_ms(), name);
        snprintf(path, sizeof path, "%s/sealgate/audit/%s", state_dir, name);
        unlink(path);
}

/* The last line of the audit file, parsed. */
static json_object *audit_last(void) {
        char *s = audit_today();
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '\n')
                s[--n] = '\0';
        char *nl = strrchr(s, '\n');
        json_object *o = json_tokener_parse(nl ? nl + 1 : s);
        free(s);
        return o;
}

static const char *EVAL_PROMPT = "{\"id\":\"ev\",\"op\":\"policy.evaluate\",\"message\":{\"from\":\"Alice Example "
                                 "<alice@corp.example>\",\"to\":[\"dana@partner.example\",\"bob@corp.example\"],"
                                 "\"subject\":\"hello\"}}";

/* A host on policy-prompt.json with one prompt decision; its attempt in `attempt`. */
static sg_host *prompt_host(char attempt[33]) {
        char policy[4096];
        snprintf(policy, sizeof policy, "%s/policy-prompt.json", data_dir);
        sg_host *h = sg_host_new(policy);
        char *r = sg_host_dispatch(h, EVAL_PROMPT, strlen(EVAL_PROMPT));
        if (!take_attempt(r, attempt))
                strcpy(attempt, "missing");
        free(r);
        return h;
}

static sg_prompt_job *show(sg_host *h, const char *attempt, char **ret_resp) {
        char req[512];
        snprintf(req, sizeof req,
                 "{\"id\":\"show\",\"op\":\"prompt.show\",\"attempt\":\"%s\",\"lang\":\"ja\",\"subject\":\"Q3 "
                 "\\u6570\\u5b57\"}",
                 attempt);
        sg_prompt_job *job = NULL;
        char *rid = NULL;
        char *r = handle(h, req, strlen(req), &rid, &job);
        free(rid);
        if (ret_resp)
                *ret_resp = r;
        else
                free(r);
        return job;
}

static char *done_exit(sg_host *h, sg_prompt_job *job, int status, const char *out) {
        sg_prompt_result res = {
                .end = SG_PROMPT_EXITED, .status = status, .out = out, .out_len = out ? strlen(out) : 0};
        return sg_host_prompt_done(h, job, &res, NULL);
}

/* RFC 2047 B words back to UTF-8, checking each word's length. */
static char *decode_words(const char *v, int *ret_ok) {
        char *out = calloc(1, strlen(v) + 1);
        size_t o = 0;
        *ret_ok = 1;
        for (const char *p = v; *p;) {
                const char *end = strstr(p, "?=");
                if (strncmp(p, "=?UTF-8?B?", 10) != 0 || !end || end - p + 2 > 75) {
                        *ret_ok = 0;
                        break;
                }
                void *bytes = NULL;
                size_t n = 0;
                if (sg_base64_decode(p + 10, (size_t) (end - p - 10), &bytes, &n, NULL) != SG_OK ||
                    !sg_utf8_valid(bytes, n)) {
                        *ret_ok = 0;
                        free(bytes);
                        break;
                }
                memcpy(out + o, bytes, n);
                o += n;
                free(bytes);
                p = end + 2;
                if (*p == ' ')
                        p++;
        }
        return out;
}

/* prompt.show with the client's readiness: "encrypt" is not offered when it
 * cannot happen (issue 22), the prompt's input says why, an answer naming
 * it anyway is refused, and a ready method is the only one tried. */
static void run_prompt_readiness(void) {
        static const struct {
                const char *desc, *readiness;
                bool offered;
                const char *note, *methods;
        } rows[] = {
                {"identity without a certificate", "{\"smime\":{\"identity\":false,\"not_ready\":0}}", false,
                 "{\"code\":\"encrypt_no_identity\",\"count\":0}", NULL},
                {"3 recipients not ready", "{\"smime\":{\"identity\":true,\"not_ready\":3}}", false,
                 "{\"code\":\"encrypt_not_ready\",\"count\":3}", NULL},
                {"nothing known", "{}", false, "{\"code\":\"encrypt_unknown\",\"count\":0}", NULL},
                {"OpenPGP ready", "{\"openpgp\":{\"identity\":true,\"not_ready\":0}}", true, NULL,
                 "\"methods\":[\"openpgp\"]"},
                {"no readiness (older extension)", NULL, true, NULL, "\"methods\":[\"smime\",\"openpgp\"]"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                char attempt[33], req[1024];
                sg_host *h = prompt_host(attempt);
                snprintf(req, sizeof req,
                         "{\"id\":\"show\",\"op\":\"prompt.show\",\"attempt\":\"%s\",\"lang\":\"en\"%s%s}", attempt,
                         rows[i].readiness ? ",\"readiness\":" : "", rows[i].readiness ? rows[i].readiness : "");
                sg_prompt_job *job = NULL;
                char *rid = NULL;
                free(handle(h, req, strlen(req), &rid, &job));
                free(rid);
                if (!SG_CHECK(job != NULL, "readiness: %s: a prompt job", rows[i].desc)) {
                        sg_host_free(h);
                        continue;
                }
                bool offered = strstr(job->input, "\"kind\":\"encrypt\"") != NULL;
                SG_CHECK(offered == rows[i].offered, "readiness: %s: encrypt %s offered", rows[i].desc,
                         rows[i].offered ? "" : "not");
                if (rows[i].note)
                        SG_CHECK(strstr(job->input, rows[i].note) != NULL, "readiness: %s: the prompt is told %s",
                                 rows[i].desc, rows[i].note);
                char *r = done_exit(h, job, 0, "{\"choice\":\"encrypt\",\"by\":\"button\"}");
                if (rows[i].offered)
                        SG_CHECK(r && strstr(r, rows[i].methods) && strstr(r, "\"ask_before_fallback\":true"),
                                 "readiness: %s: encrypt with %s, a fallback asked first", rows[i].desc,
                                 rows[i].methods);
                else
                        SG_CHECK(r && strstr(r, "prompt_failed") && strstr(r, "was not offered"),
                                 "readiness: %s: an answer naming encrypt is refused: %s", rows[i].desc,
                                 r ? r : "(null)");
                free(r);
                sg_prompt_job_free(job);
                sg_host_free(h);
        }
        static const char *const bad[] = {
                "\"readiness\":[]",
                "\"readiness\":{\"pgp\":{\"identity\":true,\"not_ready\":0}}",
                "\"readiness\":{\"smime\":{\"identity\":1,\"not_ready\":0}}",
                "\"readiness\":{\"smime\":{\"identity\":true,\"not_ready\":-1}}",
                "\"readiness\":{\"smime\":{\"identity\":true,\"not_ready\":10001}}",
                ("\"readiness\":{\"smime\":{\"identity\":true,\"not_ready\":0},\"openpgp\":{\"identity\":"
                 "true,\"not_ready\":0},\"x\":1}"),
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                char attempt[33], req[1024];
                sg_host *h = prompt_host(attempt);
                snprintf(req, sizeof req, "{\"id\":\"show\",\"op\":\"prompt.show\",\"attempt\":\"%s\",%s}", attempt,
                         bad[i]);
                sg_prompt_job *job = NULL;
                char *rid = NULL;
                char *r = handle(h, req, strlen(req), &rid, &job);
                SG_CHECK(!job && r && strstr(r, "\"error\""), "readiness refused: %s", bad[i]);
                free(r);
                free(rid);
                sg_prompt_job_free(job);
                sg_host_free(h);
        }
}

static void run_prompt_answers(void) {
        static const struct row {
                const char *desc;
                sg_prompt_end end;
                int status;
                const char *out;
                const char *want; /* subset of the response */
        } rows[] = {
                {"route chosen by button", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"route:portal\",\"justification\":null,\"by\":\"button\"}\n",
                 "{\"id\":\"show\",\"result\":{\"choice\":\"route:portal\",\"kind\":\"route\",\"by\":\"button\","
                 "\"justification\":null,\"headers\":[{\"name\":\"X-Secure-Send\",\"value\":\"portal\"}],"
                 "\"subject_tag\":\"[secure]\",\"encrypt\":null}}"},
                {"encrypt chosen", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"encrypt\",\"justification\":null,\"by\":\"button\"}",
                 "{\"result\":{\"choice\":\"encrypt\",\"kind\":\"encrypt\",\"headers\":[],\"subject_tag\":null,"
                 "\"encrypt\":{\"methods\":[\"smime\",\"openpgp\"],\"fallback\":[\"portal\"]}}}"},
                {"send with an ASCII justification: the header carries it as it is", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":\"customer asked for it\",\"by\":\"button\"}",
                 "{\"result\":{\"choice\":\"send\",\"kind\":\"send\",\"justification\":\"customer asked for it\","
                 "\"headers\":[{\"name\":\"X-Sealgate-Justification\",\"value\":\"customer asked for it\"}],"
                 "\"subject_tag\":null,\"encrypt\":null}}"},
                {"send with a Japanese justification: RFC 2047 B-encoded", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":\"\xe9\xa1\xa7\xe5\xae\xa2\xe3\x81\xae\xe4\xbe\x9d\xe9\xa0\xbc"
                 "\",\"by\":\"button\"}",
                 "{\"result\":{\"headers\":[{\"name\":\"X-Sealgate-Justification\",\"value\":\"=?UTF-8?B?"
                 "6aGn5a6i44Gu5L6d6aC8?=\"}]}}"},
                {"send with '=?' in an ASCII justification: encoded", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":\"=?x?\",\"by\":\"button\"}",
                 "{\"result\":{\"headers\":[{\"value\":\"=?UTF-8?B?PT94Pw==?=\"}]}}"},
                {"justification trimmed", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":\"  why  \",\"by\":\"button\"}",
                 "{\"result\":{\"justification\":\"why\"}}"},
                {"cancel by escape", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"cancel\",\"justification\":null,\"by\":\"escape\"}",
                 "{\"result\":{\"choice\":\"cancel\",\"kind\":\"cancel\",\"by\":\"escape\",\"headers\":[]}}"},
                {"cancel by closing the window", SG_PROMPT_EXITED, 0, "{\"choice\":\"cancel\",\"by\":\"close\"}\r\n",
                 "{\"result\":{\"choice\":\"cancel\",\"by\":\"close\"}}"},
                {"send needs a justification here", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":null,\"by\":\"button\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"justification of spaces only", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":\"   \",\"by\":\"button\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"justification with a newline", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":\"a\\nX-Evil: 1\",\"by\":\"button\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"justification for a route choice", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"route:portal\",\"justification\":\"x\",\"by\":\"button\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"choice not offered", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"route:gw\",\"justification\":null,\"by\":\"button\"}",
                 "{\"error\":{\"code\":\"prompt_failed\",\"message\":\"the prompt program gave an invalid answer: "
                 "answer.choice: \\\"route:gw\\\" is not one of the decision's choices\"}}"},
                {"choice of another kind", SG_PROMPT_EXITED, 0, "{\"choice\":\"block\",\"by\":\"button\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"escape cannot send", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"send\",\"justification\":\"x\",\"by\":\"escape\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"unknown by", SG_PROMPT_EXITED, 0, "{\"choice\":\"cancel\",\"by\":\"mouse\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"bad JSON", SG_PROMPT_EXITED, 0, "{\"choice\":", "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"two lines", SG_PROMPT_EXITED, 0,
                 "{\"choice\":\"cancel\",\"by\":\"button\"}\n{\"choice\":\"cancel\",\"by\":\"button\"}\n",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"no output", SG_PROMPT_EXITED, 0, "", "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"not an object", SG_PROMPT_EXITED, 0, "[\"cancel\"]", "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"exit status 2 (invalid input)", SG_PROMPT_EXITED, 2, "", "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"exit status 3 (no display)", SG_PROMPT_EXITED, 3, "",
                 "{\"error\":{\"code\":\"prompt_unavailable\"}}"},
                {"exit status 1", SG_PROMPT_EXITED, 1, "", "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"exit status 1 even with an answer", SG_PROMPT_EXITED, 1, "{\"choice\":\"cancel\",\"by\":\"button\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"killed by a signal", SG_PROMPT_SIGNALED, 11, "", "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"not started", SG_PROMPT_NOT_STARTED, 0, NULL,
                 "{\"error\":{\"code\":\"prompt_unavailable\",\"message\":\"cannot run /x: No such file or "
                 "directory\"}}"},
                {"output over the limit", SG_PROMPT_OVERFLOW, 0, NULL, "{\"error\":{\"code\":\"prompt_failed\"}}"},
                {"timeout: cancel by timeout", SG_PROMPT_TIMED_OUT, 0, NULL,
                 "{\"id\":\"show\",\"result\":{\"choice\":\"cancel\",\"kind\":\"cancel\",\"by\":\"timeout\","
                 "\"justification\":null,\"headers\":[],\"subject_tag\":null,\"encrypt\":null}}"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                char attempt[33];
                sg_host *h = prompt_host(attempt);
                sg_prompt_job *job = show(h, attempt, NULL);
                if (!SG_CHECK(job != NULL, "answer: %s: prompt.show gives a job", rows[i].desc)) {
                        sg_host_free(h);
                        continue;
                }
                sg_prompt_result res = {.end = rows[i].end,
                                        .status = rows[i].status,
                                        .out = rows[i].out,
                                        .out_len = rows[i].out ? strlen(rows[i].out) : 0,
                                        .detail = "cannot run /x: No such file or directory"};
                char name[256];
                snprintf(name, sizeof name, "answer: %s", rows[i].desc);
                check_response(name, sg_host_prompt_done(h, job, &res, NULL), rows[i].want);
                sg_prompt_job_free(job);
                /* Answered or failed, the attempt is done. */
                char *again = NULL;
                sg_prompt_job *j2 = show(h, attempt, &again);
                SG_CHECK(!j2 && again && strstr(again, "unknown_attempt") && strstr(again, "already answered"),
                         "answer: %s: a second prompt.show is unknown_attempt", rows[i].desc);
                free(again);
                sg_prompt_job_free(j2);
                sg_host_free(h);
        }

        /* The justification limit: 1000 bytes served, 1001 refused. */
        for (int extra = 0; extra <= 1; extra++) {
                char attempt[33];
                sg_host *h = prompt_host(attempt);
                sg_prompt_job *job = show(h, attempt, NULL);
                sbuf b = {0};
                sb_str(&b, "{\"choice\":\"send\",\"by\":\"button\",\"justification\":\"");
                sb_fill(&b, 'j', 1000 + (size_t) extra);
                sb_str(&b, "\"}");
                check_response(extra ? "justification of 1001 bytes is prompt_failed"
                                     : "justification of 1000 bytes is served",
                               job ? done_exit(h, job, 0, b.p) : NULL,
                               extra ? "{\"error\":{\"code\":\"prompt_failed\"}}" : "{\"result\":{\"kind\":\"send\"}}");
                free(b.p);
                sg_prompt_job_free(job);
                sg_host_free(h);
        }

        /* A long Japanese justification: several encoded words of at most 75
         * characters, whole characters each, decoding to the text. */
        {
                char attempt[33];
                sg_host *h = prompt_host(attempt);
                sg_prompt_job *job = show(h, attempt, NULL);
                sbuf j = {0};
                for (int k = 0; k < 333; k++) /* 999 bytes */
                        sb_str(&j, k % 2 ? "\xe6\xa9\x9f" : "\xe5\xaf\x86");
                sbuf b = {0};
                sb_printf(&b, "{\"choice\":\"send\",\"by\":\"button\",\"justification\":\"");
                sb_str(&b, j.p);
                sb_str(&b, "\"}");
                char *r = job ? done_exit(h, job, 0, b.p) : NULL;
                json_object *o = r ? json_tokener_parse(r) : NULL, *res, *hs, *v;
                const char *value = NULL;
                if (o && json_object_object_get_ex(o, "result", &res) &&
                    json_object_object_get_ex(res, "headers", &hs) && json_object_array_length(hs) == 1 &&
                    json_object_object_get_ex(json_object_array_get_idx(hs, 0), "value", &v))
                        value = json_object_get_string(v);
                int ok = 0;
                char *dec = value ? decode_words(value, &ok) : NULL;
                SG_CHECK(value && ok && strcmp(dec, j.p) == 0 && strchr(value, ' '),
                         "long non-ASCII justification: several encoded words of <= 75 characters that decode back");
                free(dec);
                json_object_put(o);
                free(r);
                free(b.p);
                free(j.p);
                sg_prompt_job_free(job);
                sg_host_free(h);
        }
}

static void run_prompt_jobs(void) {
        char attempt[33];
        sg_host *h = prompt_host(attempt);
        SG_CHECK(strcmp(attempt, "missing") != 0, "policy.evaluate answers result.attempt, 32 lowercase hex");

        /* The job: the host's copy of the decision, with subject and attempt. */
        sg_prompt_job *job = show(h, attempt, NULL);
        json_object *in = job ? json_tokener_parse(job->input) : NULL, *v;
        SG_CHECK(job && strcmp(job->lang, "ja") == 0 && job->timeout_seconds == 10 &&
                         strcmp(job->id_json, "\"show\"") == 0 && job->input[job->input_len - 1] == '\n',
                 "prompt.show job: lang, timeout from the policy, id, one line of input");
        SG_CHECK(
                in && json_object_object_get_ex(in, "attempt", &v) && strcmp(json_object_get_string(v), attempt) == 0 &&
                        json_object_object_get_ex(in, "subject", &v) &&
                        strcmp(json_object_get_string(v), "Q3 \xe6\x95\xb0\xe5\xad\x97") == 0 &&
                        json_object_object_get_ex(in, "prompt_timeout_seconds", &v) && json_object_get_int(v) == 10 &&
                        json_object_object_get_ex(in, "action", &v) && strcmp(json_object_get_string(v), "prompt") == 0,
                "prompt.show input: the decision plus attempt, subject and prompt_timeout_seconds");
        json_object_put(in);

        char *r = NULL;
        sg_prompt_job *j2 = show(h, attempt, &r);
        check_response("prompt.show for an attempt whose prompt is open: prompt_busy", r,
                       "{\"id\":\"show\",\"error\":{\"code\":\"prompt_busy\"}}");
        sg_prompt_job_free(j2);

        /* A job the transport cannot start (no prompt program, no display)
         * answers prompt_unavailable with the request's id. */
        char a2[33];
        char *e = sg_host_dispatch(h, EVAL_PROMPT, strlen(EVAL_PROMPT));
        take_attempt(e, a2);
        free(e);
        char req[256];
        snprintf(req, sizeof req, "{\"id\":1,\"op\":\"prompt.show\",\"attempt\":\"%s\"}", a2);
        sg_prompt_job *j3 = NULL;
        char *none = handle(h, req, strlen(req), NULL, &j3);
        SG_CHECK(!none && j3 && strcmp(j3->id_json, "1") == 0, "prompt.show: a job with the request's id, no response");
        free(none);
        sg_prompt_result ns = {.end = SG_PROMPT_NOT_STARTED, .detail = "sealgate-prompt: not found"};
        check_response("a prompt that cannot start: prompt_unavailable",
                       j3 ? sg_host_prompt_done(h, j3, &ns, NULL) : NULL,
                       "{\"id\":1,\"error\":{\"code\":\"prompt_unavailable\"}}");
        sg_prompt_job_free(j3);

        sg_prompt_result ab = {.end = SG_PROMPT_ABANDONED};
        SG_CHECK(sg_host_prompt_done(h, job, &ab, NULL) == NULL, "an abandoned prompt has no response");
        sg_prompt_job_free(job);

        /* Eviction: after SG_HOST_ATTEMPTS_MAX more decisions the first is gone. */
        char first[33];
        e = sg_host_dispatch(h, EVAL_PROMPT, strlen(EVAL_PROMPT));
        take_attempt(e, first);
        free(e);
        audit_reset();
        for (int k = 0; k < SG_HOST_ATTEMPTS_MAX; k++)
                free(sg_host_dispatch(h, EVAL_PROMPT, strlen(EVAL_PROMPT)));
        snprintf(req, sizeof req, "{\"id\":2,\"op\":\"prompt.show\",\"attempt\":\"%s\"}", first);
        check_response("an attempt 64 decisions old is evicted: unknown_attempt", sg_host_dispatch(h, req, strlen(req)),
                       "{\"id\":2,\"error\":{\"code\":\"unknown_attempt\"}}");
        char *log = audit_today();
        SG_CHECK(strstr(log, first) && strstr(log, "\"outcome\":\"abandoned\""),
                 "the evicted prompt decision is recorded as abandoned");
        free(log);
        sg_host_free(h);
}

static void run_audit(void) {
        char attempt[33];
        audit_reset();
        sg_host *h = prompt_host(attempt);
        char *log = audit_today();
        SG_CHECK(strcmp(log, "") == 0, "audit: a prompt decision is not recorded at policy.evaluate");
        free(log);
        sg_prompt_job *job = show(h, attempt, NULL);
        free(job ? done_exit(h, job, 0, "{\"choice\":\"route:portal\",\"justification\":null,\"by\":\"button\"}")
                 : NULL);
        sg_prompt_job_free(job);
        json_object *o = audit_last(), *v;
        const char *want[] = {"v",          "time",         "attempt",    "client",           "user",
                              "message_id", "sender",       "recipients", "external_domains", "reasons",
                              "action",     "choice",       "by",         "justification",    "route",
                              "outcome",    "prompt_error", "bcc"};
        size_t k = 0;
        int order = o != NULL;
        if (o) {
                json_object_object_foreach(o, key, val) {
                        (void) val;
                        order = order && k < sizeof want / sizeof want[0] && strcmp(key, want[k]) == 0;
                        k++;
                }
        }
        SG_CHECK(order && k == sizeof want / sizeof want[0], "audit: the record's keys, in the documented order");
        char expect[1024];
        snprintf(expect, sizeof expect,
                 "{\"v\":1,\"attempt\":\"%s\",\"client\":\"thunderbird\",\"message_id\":null,\"sender\":"
                 "\"alice@corp.example\",\"recipients\":{\"internal\":1,\"external\":1},\"external_domains\":["
                 "\"partner.example\"],\"reasons\":[{\"code\":\"external_recipients\",\"trigger\":null,\"action\":"
                 "\"prompt\"}],\"action\":\"prompt\",\"choice\":\"route:portal\",\"by\":\"button\",\"justification\":"
                 "null,\"route\":\"portal\",\"outcome\":\"routed\",\"prompt_error\":null,\"bcc\":null}",
                 attempt);
        char *got = o ? strdup(json_object_to_json_string(o)) : NULL;
        check_response("audit: the record after a route choice", got, expect);
        SG_CHECK(o && json_object_object_get_ex(o, "time", &v) && json_object_get_string_len(v) == 24,
                 "audit: time is ISO 8601 UTC with milliseconds");
        json_object_put(o);

        /* What the client applied: a second line for the attempt, with the
         * choice, what was applied and whether it was read back (issue 22:
         * the record said "encrypt" when the portal fallback was sent). */
        char req[1024];
        snprintf(req, sizeof req,
                 "{\"id\":\"ap\",\"op\":\"attempt.applied\",\"attempt\":\"%s\",\"technology\":null,"
                 "\"route\":\"portal\",\"headers\":[\"X-Secure-Send\"],\"subject_tag\":\"[secure]\","
                 "\"fallback\":false,\"confirmed\":true}",
                 attempt);
        check_response("applied: recorded", sg_host_dispatch(h, req, strlen(req)),
                       "{\"id\":\"ap\",\"result\":{\"recorded\":true}}");
        o = audit_last();
        snprintf(expect, sizeof expect,
                 "{\"attempt\":\"%s\",\"choice\":\"route:portal\",\"by\":\"button\",\"route\":\"portal\","
                 "\"outcome\":\"routed\",\"event\":\"applied\",\"applied\":{\"technology\":null,\"route\":"
                 "\"portal\",\"headers\":[\"X-Secure-Send\"],\"subject_tag\":\"[secure]\",\"fallback\":false,"
                 "\"not_ready\":{}},"
                 "\"confirmed\":true}",
                 attempt);
        check_response("applied: the record's applied line", o ? strdup(json_object_to_json_string(o)) : NULL, expect);
        json_object_put(o);
        check_response("applied: a second time is unknown_attempt", sg_host_dispatch(h, req, strlen(req)),
                       "{\"error\":{\"code\":\"unknown_attempt\"}}");
        static const char *const bad[] = {
                "\"technology\":\"PGP\"",
                "\"headers\":\"X\"",
                "\"confirmed\":1",
                "\"headers\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\","
                "\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\",\"22\",\"23\",\"24\",\"25\",\"26\","
                "\"27\",\"28\",\"29\",\"30\",\"31\",\"32\",\"33\",\"34\"]",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                snprintf(req, sizeof req, "{\"id\":\"ap\",\"op\":\"attempt.applied\",\"attempt\":\"%s\",%s}", attempt,
                         bad[i]);
                char *r = sg_host_dispatch(h, req, strlen(req));
                SG_CHECK(r && strstr(r, "\"error\"") && !strstr(r, "unknown_attempt"), "applied refused: %s", bad[i]);
                free(r);
        }

        /* A failed prompt records the fallback. */
        char a2[33];
        char *e = sg_host_dispatch(h, EVAL_PROMPT, strlen(EVAL_PROMPT));
        take_attempt(e, a2);
        free(e);
        job = show(h, a2, NULL);
        free(job ? done_exit(h, job, 3, "") : NULL);
        sg_prompt_job_free(job);
        o = audit_last();
        snprintf(expect, sizeof expect,
                 "{\"attempt\":\"%s\",\"choice\":\"route:portal\",\"by\":\"fallback\",\"route\":\"portal\","
                 "\"outcome\":\"routed\",\"prompt_error\":\"prompt_unavailable\"}",
                 a2);
        check_response("audit: a prompt that cannot be shown records the policy's fallback",
                       o ? strdup(json_object_to_json_string(o)) : NULL, expect);
        json_object_put(o);

        /* Non-prompt decisions are recorded at policy.evaluate. */
        const char *route = "{\"id\":3,\"op\":\"policy.evaluate\",\"message\":{\"to\":[\"x@partner.example\"],"
                            "\"subject\":\"confidential\"}}";
        free(sg_host_dispatch(h, route, strlen(route)));
        o = audit_last();
        check_response("audit: a route decision is recorded at once", o ? strdup(json_object_to_json_string(o)) : NULL,
                       "{\"action\":\"route\",\"choice\":null,\"by\":null,\"route\":\"portal\",\"outcome\":\"routed\","
                       "\"sender\":null}");
        json_object_put(o);

        /* The recipients that made encryption impossible, and why (issue
         * 19): an encryption fallback names each one with a reason word. */
        const char *enc = "{\"id\":5,\"op\":\"policy.evaluate\",\"message\":{\"to\":[\"x@partner.example\","
                          "\"Y@Partner.example\",\"z@partner.example\"],\"subject\":\"confidential\"}}";
        char a3[33];
        e = sg_host_dispatch(h, enc, strlen(enc));
        SG_CHECK(take_attempt(e, a3), "not_ready: a decided attempt");
        free(e);
        static const char *const bad_not_ready[] = {
                "\"not_ready\":[\"x@partner.example\"]",                            /* not an object */
                "\"not_ready\":{\"x@partner.example\":\"gone\"}",                   /* not a reason word */
                "\"not_ready\":{\"x@partner.example\":1}",                          /* not a string */
                "\"not_ready\":{\"w@partner.example\":\"no_key\"}",                 /* not a recipient */
                "\"not_ready\":{\"x@partner.example\":\"no_key\",\"\":\"no_key\"}", /* empty address */
        };
        for (size_t i = 0; i < sizeof bad_not_ready / sizeof bad_not_ready[0]; i++) {
                snprintf(req, sizeof req,
                         "{\"id\":\"ap\",\"op\":\"attempt.applied\",\"attempt\":\"%s\",\"route\":\"portal\",%s}", a3,
                         bad_not_ready[i]);
                check_response(bad_not_ready[i], sg_host_dispatch(h, req, strlen(req)),
                               "{\"error\":{\"code\":\"invalid_request\"}}");
        }
        /* One past SG_AUDIT_NOT_READY_MAX. */
        {
                size_t cap = 64 + (SG_AUDIT_NOT_READY_MAX + 1) * 40;
                char *big = malloc(cap);
                size_t o2 = (size_t) snprintf(
                        big, cap, "{\"id\":\"ap\",\"op\":\"attempt.applied\",\"attempt\":\"%s\",\"not_ready\":{", a3);
                for (int i = 0; i <= SG_AUDIT_NOT_READY_MAX; i++)
                        o2 += (size_t) snprintf(big + o2, cap - o2, "%s\"r%d@partner.example\":\"no_key\"",
                                                i ? "," : "", i);
                snprintf(big + o2, cap - o2, "}}");
                check_response("not_ready: one past the limit", sg_host_dispatch(h, big, strlen(big)),
                               "{\"error\":{\"code\":\"limit_exceeded\"}}");
                free(big);
        }
        snprintf(req, sizeof req,
                 "{\"id\":\"ap\",\"op\":\"attempt.applied\",\"attempt\":\"%s\",\"technology\":null,"
                 "\"route\":\"portal\",\"headers\":[\"X-Secure-Send\"],\"subject_tag\":\"[secure]\","
                 "\"fallback\":true,\"not_ready\":{\"x@partner.example\":\"not_accepted\",\"y@partner.example\":"
                 "\"no_key\"},\"confirmed\":true}",
                 a3);
        check_response("not_ready: recorded", sg_host_dispatch(h, req, strlen(req)),
                       "{\"id\":\"ap\",\"result\":{\"recorded\":true}}");
        o = audit_last();
        snprintf(expect, sizeof expect,
                 "{\"attempt\":\"%s\",\"event\":\"applied\",\"outcome\":\"routed\",\"applied\":{\"route\":"
                 "\"portal\",\"fallback\":true,\"not_ready\":{\"x@partner.example\":\"not_accepted\","
                 "\"y@partner.example\":\"no_key\"}}}",
                 a3);
        check_response("not_ready: the applied line names each recipient with its reason",
                       o ? strdup(json_object_to_json_string(o)) : NULL, expect);
        json_object *apo = NULL, *nro = NULL;
        SG_CHECK(o && json_object_object_get_ex(o, "applied", &apo) &&
                         json_object_object_get_ex(apo, "not_ready", &nro) && json_object_object_length(nro) == 2,
                 "not_ready: exactly the two recipients named");
        json_object_put(o);

        /* Shutdown: a prompt decision never shown is abandoned. */
        e = sg_host_dispatch(h, EVAL_PROMPT, strlen(EVAL_PROMPT));
        take_attempt(e, a2);
        free(e);
        sg_host_shutdown(h);
        o = audit_last();
        snprintf(expect, sizeof expect, "{\"attempt\":\"%s\",\"choice\":null,\"outcome\":\"abandoned\"}", a2);
        check_response("audit: at exit a prompt never shown is recorded as abandoned",
                       o ? strdup(json_object_to_json_string(o)) : NULL, expect);
        json_object_put(o);
        sg_host_free(h);

        /* The file is private. */
        char name[SG_AUDIT_FILE_NAME_SIZE], path[4200];
        struct stat st;
        sg_audit_file_name(sg_audit_now_ms(), name);
        snprintf(path, sizeof path, "%s/sealgate/audit/%s", state_dir, name);
        SG_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "audit: the file is 0600");
        snprintf(path, sizeof path, "%s/sealgate/audit", state_dir);
        SG_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700, "audit: the directory is 0700");

        /* audit.required with a directory that cannot exist: audit_failed,
         * for a route decision and for a prompt decision alike. */
        char policy[4096];
        snprintf(policy, sizeof policy, "%s/policy-audit-required.json", data_dir);
        h = sg_host_new(policy);
        check_response("audit.required: a record that cannot be written is audit_failed",
                       sg_host_dispatch(h, route, strlen(route)), "{\"id\":3,\"error\":{\"code\":\"audit_failed\"}}");
        const char *prompt = "{\"id\":4,\"op\":\"policy.evaluate\",\"message\":{\"to\":[\"x@partner.example\"]}}";
        check_response("audit.required: a prompt decision whose record could not be written is audit_failed",
                       sg_host_dispatch(h, prompt, strlen(prompt)), "{\"id\":4,\"error\":{\"code\":\"audit_failed\"}}");
        sg_host_free(h);
}

/* rules.convert_to_bcc "ask" (issue 17): the prompt's answer "bcc": "keep"
 * leaves the recipients in To and Cc, and the record says "kept"; without
 * it they move ("moved"); "keep" with cancel, with another value, or on a
 * decision that does not ask is an invalid answer (fail closed: the
 * policy's fallback). */
static void run_bcc_keep(void) {
        char policy[4096];
        snprintf(policy, sizeof policy, "%s/policy-bcc-ask.json", data_dir);
        sg_host *h = sg_host_new(policy);
        const char *ev = "{\"id\":\"ev\",\"op\":\"policy.evaluate\",\"message\":{\"from\":\"alice@corp.example\","
                         "\"to\":[\"a@one.example\",\"bob@corp.example\"],\"cc\":[\"b@two.example\"]}}";
        struct {
                const char *answer;
                const char *want;       /* the prompt.show response (subset) */
                const char *want_audit; /* the record (subset) */
                bool moved;             /* the outcome's bcc.move is there */
        } rows[] = {
                {"{\"choice\":\"send\",\"justification\":null,\"by\":\"button\",\"bcc\":\"keep\"}",
                 "{\"result\":{\"choice\":\"send\",\"outcome\":{\"action\":\"send\",\"bcc\":null}}}",
                 "{\"choice\":\"send\",\"outcome\":\"sent\",\"bcc\":\"kept\"}", false},
                {"{\"choice\":\"route:portal\",\"by\":\"button\",\"bcc\":\"keep\"}",
                 "{\"result\":{\"choice\":\"route:portal\",\"outcome\":{\"action\":\"route\",\"bcc\":null}}}",
                 "{\"choice\":\"route:portal\",\"outcome\":\"routed\",\"bcc\":\"kept\"}", false},
                {"{\"choice\":\"send\",\"by\":\"button\"}",
                 "{\"result\":{\"choice\":\"send\",\"outcome\":{\"action\":\"send\",\"bcc\":{\"move\":[\"a@one."
                 "example\",\"b@two.example\"],\"to_placeholder\":null}}}}",
                 "{\"choice\":\"send\",\"outcome\":\"sent\",\"bcc\":\"moved\"}", true},
                {"{\"choice\":\"cancel\",\"by\":\"button\",\"bcc\":\"keep\"}",
                 "{\"error\":{\"code\":\"prompt_failed\"}}", "{\"by\":\"fallback\",\"prompt_error\":\"prompt_failed\"}",
                 false},
                {"{\"choice\":\"send\",\"by\":\"button\",\"bcc\":\"yes\"}", "{\"error\":{\"code\":\"prompt_failed\"}}",
                 "{\"by\":\"fallback\",\"prompt_error\":\"prompt_failed\"}", false},
                {"{\"choice\":\"send\",\"by\":\"button\",\"bcc\":true}", "{\"error\":{\"code\":\"prompt_failed\"}}",
                 "{\"by\":\"fallback\",\"prompt_error\":\"prompt_failed\"}", false},
                {"{\"choice\":\"cancel\",\"by\":\"escape\"}", "{\"result\":{\"choice\":\"cancel\"}}",
                 "{\"outcome\":\"cancelled\",\"bcc\":null}", false},
        };
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
                char attempt[33];
                char *r = sg_host_dispatch(h, ev, strlen(ev));
                if (!take_attempt(r, attempt))
                        strcpy(attempt, "missing");
                free(r);
                sg_prompt_job *job = show(h, attempt, NULL);
                char *resp = job ? done_exit(h, job, 0, rows[i].answer) : NULL;
                if (rows[i].moved)
                        SG_CHECK(resp && strstr(resp, "\"move\""), "bcc ask, %s: the move is in the outcome",
                                 rows[i].answer);
                char name[160];
                snprintf(name, sizeof name, "bcc ask, answer %s: the result", rows[i].answer);
                check_response(name, resp, rows[i].want);
                sg_prompt_job_free(job);
                json_object *o = audit_last();
                snprintf(name, sizeof name, "bcc ask, answer %s: the record", rows[i].answer);
                check_response(name, o ? strdup(json_object_to_json_string(o)) : NULL, rows[i].want_audit);
                json_object_put(o);
        }
        sg_host_free(h);

        /* A decision that does not ask about Bcc: "keep" is not an answer to it. */
        char attempt[33];
        h = prompt_host(attempt);
        sg_prompt_job *job = show(h, attempt, NULL);
        check_response("bcc: \"keep\" on a decision that does not ask is an invalid answer",
                       job ? done_exit(h, job, 0, "{\"choice\":\"route:portal\",\"by\":\"button\",\"bcc\":\"keep\"}")
                           : NULL,
                       "{\"error\":{\"code\":\"prompt_failed\"}}");
        sg_prompt_job_free(job);
        sg_host_free(h);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s DATA-DIR\n", argv[0]);
                return 2;
        }
        data_dir = argv[1];
        /* Audit records go to a directory of this run, never the user's. */
        char tmpl[] = "/tmp/sg-test-dispatch-state-XXXXXX";
        if (!mkdtemp(tmpl))
                abort();
        snprintf(state_dir, sizeof state_dir, "%s", tmpl);
        setenv("XDG_STATE_HOME", state_dir, 1);
        run_data_files();
        run_limits();
        run_chunks();
        run_reload();
        run_prompt_answers();
        run_prompt_readiness();
        run_prompt_jobs();
        run_audit();
        run_bcc_keep();
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", state_dir);
        if (system(cmd) != 0)
                sg_test_diag("could not remove %s", state_dir);
        return sg_test_done();
}
