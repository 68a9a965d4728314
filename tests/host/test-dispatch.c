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
#include <unistd.h>

#include <json-c/json.h>

#include "dispatch.h"
#include "sealgate-config.h"
#include "sealgate/frame.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"
#include "sg-test.h"

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
                sg_host *h = main_host;
                if (alt) {
                        alt[strcspn(alt, "\r\n")] = '\0';
                        snprintf(path, sizeof path, "%s/%s", data_dir, alt);
                        h = sg_host_new(path);
                }
                if (!in || !out) {
                        SG_CHECK(0, "%s: both .in.json and .out.json exist", names[i]);
                } else {
                        /* Both entry points answer plain requests the same way. */
                        char *r1 = sg_host_dispatch(h, in, in_len);
                        char *id_json = NULL;
                        char *r2 = sg_host_handle_frame(h, in, in_len, &id_json);
                        SG_CHECK(r1 && r2 && strcmp(r1, r2) == 0 && id_json, "%s: handle_frame answers as dispatch",
                                 names[i]);
                        free(r2);
                        free(id_json);
                        check_response(names[i], r1, out);
                }
                if (alt)
                        sg_host_free(h);
                free(in);
                free(out);
                free(alt);
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
        return sg_host_handle_frame(h, s, strlen(s), NULL);
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
        char *r = sg_host_handle_frame(h, f, strlen(f), &rid);
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
                       "{\"id\":9,\"result\":{\"protocol\":1}}");
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
                       "{\"id\":\"c2\",\"result\":{\"protocol\":1}}");
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
        /* Edit in place (same inode): partner.example becomes internal. */
        copy_policy("policy-reload.json", path);
        check_response("policy edited in place is reloaded (now allow)", sg_host_dispatch(h, req, len),
                       "{\"id\":1,\"result\":{\"action\":\"allow\"}}");
        /* Replace by rename (new inode), as package managers and editors do. */
        copy_policy("policy-invalid.json", tmp);
        if (rename(tmp, path) != 0)
                abort();
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
        check_response("policy removed: policy_unreadable", sg_host_dispatch(h, req, len),
                       "{\"id\":1,\"error\":{\"code\":\"policy_unreadable\"}}");
        sg_host_free(h);
        rmdir(dir);
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s DATA-DIR\n", argv[0]);
                return 2;
        }
        data_dir = argv[1];
        run_data_files();
        run_limits();
        run_chunks();
        run_reload();
        return sg_test_done();
}
