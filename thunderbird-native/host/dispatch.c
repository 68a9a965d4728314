/* sealgate-host: the {op, handler, help} table behind the transport, request
 * validation, chunked-request reassembly and the policy that is reloaded when
 * its file changes. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "dispatch.h"
#include "sealgate-config.h"
#include "sealgate/codec.h"
#include "sealgate/frame.h"
#include "sealgate/policy-json.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"

/* What identifies one version of the policy file: an admin's edit in place
 * changes size or times, a replace-by-rename changes the inode. */
typedef struct file_id {
        unsigned long long dev, ino;
        long long size, mtime_s, mtime_ns, ctime_s, ctime_ns;
} file_id;

struct sg_host {
        char *policy_path;
        sg_policy *policy; /* NULL when not loaded: policy_err says why */
        sg_error policy_err;
        file_id policy_id;
        int have_policy_id; /* policy/policy_err belong to policy_id */
        sg_host_log_fn log;
        void *log_userdata;

        /* A chunked request being reassembled (chunk_id_json NULL: none). */
        char *chunk_id_json;
        size_t chunk_next, chunk_count;
        char *chunk_buf;
        size_t chunk_len, chunk_cap;
};

static void host_log(sg_host *h, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

static void host_log(sg_host *h, const char *fmt, ...) {
        if (!h->log)
                return;
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        for (char *p = line; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        h->log(h->log_userdata, line);
}

/* Bytes of `s` to quote in a message: at most `max`, never ending inside a
 * UTF-8 sequence, so a response stays valid UTF-8 whatever the request held. */
static int quote_len(const char *s, size_t max) {
        size_t n = strlen(s);
        if (n <= max)
                return (int) n;
        n = max;
        while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
                n--;
        return (int) n;
}

sg_host *sg_host_new(const char *policy_path) {
        sg_host *h = calloc(1, sizeof *h);
        if (!h)
                return NULL;
        h->policy_path = sg_strdup(policy_path ? policy_path : sg_policy_default_path());
        if (!h->policy_path) {
                free(h);
                return NULL;
        }
        sg_error_set(&h->policy_err, SG_ERR_POLICY_IO, "policy %s not read yet", h->policy_path);
        return h;
}

static void chunk_reset(sg_host *h) {
        free(h->chunk_id_json);
        free(h->chunk_buf);
        h->chunk_id_json = NULL;
        h->chunk_buf = NULL;
        h->chunk_len = h->chunk_cap = h->chunk_next = h->chunk_count = 0;
}

sg_host *sg_host_free(sg_host *h) {
        if (!h)
                return NULL;
        chunk_reset(h);
        sg_policy_free(h->policy);
        free(h->policy_path);
        free(h);
        return NULL;
}

void sg_host_set_log(sg_host *h, sg_host_log_fn fn, void *userdata) {
        h->log = fn;
        h->log_userdata = userdata;
}

const char *sg_host_policy_path(const sg_host *h) {
        return h->policy_path;
}

static void file_id_from_stat(const struct stat *st, file_id *id) {
        memset(id, 0, sizeof *id);
        id->dev = (unsigned long long) st->st_dev;
        id->ino = (unsigned long long) st->st_ino;
        id->size = (long long) st->st_size;
        id->mtime_s = (long long) st->st_mtime;
        id->ctime_s = (long long) st->st_ctime;
#if defined(__linux__)
        id->mtime_ns = st->st_mtim.tv_nsec;
        id->ctime_ns = st->st_ctim.tv_nsec;
#endif
}

/* Bring h->policy in line with the file on disk. Fail closed: whenever the
 * file is gone, unreadable or invalid, the old policy is dropped and the
 * error is what policy.evaluate answers. */
static void policy_refresh(sg_host *h) {
        struct stat st;
        if (stat(h->policy_path, &st) != 0) {
                int e = errno;
                sg_error now;
                sg_error_set(&now, SG_ERR_POLICY_IO, "cannot read policy file %s: %s", h->policy_path, strerror(e));
                /* Log the change of state, not every request that meets it. */
                if (h->policy || strcmp(now.message, h->policy_err.message) != 0)
                        host_log(h, "policy refused (%s): %s", sg_err_code(now.code), now.message);
                h->policy = sg_policy_free(h->policy);
                h->have_policy_id = 0;
                h->policy_err = now;
                return;
        }
        file_id id;
        file_id_from_stat(&st, &id);
        if (h->have_policy_id && memcmp(&id, &h->policy_id, sizeof id) == 0)
                return;

        int reload = h->have_policy_id || h->policy;
        h->policy = sg_policy_free(h->policy);
        sg_policy *p = NULL;
        sg_error err;
        sg_err e = sg_policy_load_file(h->policy_path, &p, &err);
        if (e) {
                if (e != SG_ERR_POLICY_IO)
                        sg_error_prefix(&err, "policy %s", h->policy_path);
                if (reload || strcmp(err.message, h->policy_err.message) != 0)
                        host_log(h, "policy refused (%s): %s", sg_err_code(e), err.message);
                h->policy_err = err;
                /* A read error may be passing (the file being replaced): try
                 * again on the next request. A content error stays until the
                 * file changes. */
                h->have_policy_id = e != SG_ERR_POLICY_IO;
                h->policy_id = id;
                return;
        }
        h->policy = p;
        h->policy_err.code = SG_OK;
        h->policy_err.message[0] = '\0';
        h->policy_id = id;
        h->have_policy_id = 1;
        host_log(h, "policy %s from %s", reload ? "reloaded" : "loaded", h->policy_path);
}

/* ---- ops */

typedef sg_err (*op_handler)(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);

static sg_err op_version(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static sg_err op_policy_evaluate(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);

static const struct op {
        const char *name;
        op_handler handler;
        const char *help;
} ops[] = {
        {"version", op_version,
         "{} -> {name, version, protocol, ops[], limits{}, policy{path, loaded, error}}: what this host is and "
         "whether its policy loaded."},
        {"policy.evaluate", op_policy_evaluate,
         "{message:{from, to[], cc[], bcc[], subject, body, attachments[], headers}} -> the decision "
         "(action, recipients, reasons, choices, route headers) under the policy in force."},
};

int sg_host_op_info(size_t i, const char **ret_name, const char **ret_help) {
        if (i >= sizeof ops / sizeof ops[0])
                return 0;
        if (ret_name)
                *ret_name = ops[i].name;
        if (ret_help)
                *ret_help = ops[i].help;
        return 1;
}

static void add_int(json_object *o, const char *key, int64_t v) {
        json_object_object_add(o, key, json_object_new_int64(v));
}

static sg_err op_version(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        policy_refresh(h);

        json_object *r = json_object_new_object();
        json_object *names = json_object_new_array();
        json_object *limits = json_object_new_object();
        json_object *pol = json_object_new_object();
        if (!r || !names || !limits || !pol) {
                json_object_put(r);
                json_object_put(names);
                json_object_put(limits);
                json_object_put(pol);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the version result");
        }
        json_object_object_add(r, "name", json_object_new_string("sealgate-host"));
        json_object_object_add(r, "version", json_object_new_string(SG_VERSION));
        add_int(r, "protocol", SG_HOST_PROTOCOL);
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
                json_object_array_add(names, json_object_new_string(ops[i].name));
        json_object_object_add(r, "ops", names);

        add_int(limits, "frame_in", SG_FRAME_IN_MAX);
        add_int(limits, "frame_out", SG_FRAME_OUT_MAX);
        add_int(limits, "chunk_raw", SG_CHUNK_RAW_MAX);
        add_int(limits, "chunked_in", SG_CHUNKED_IN_MAX);
        add_int(limits, "json_depth", SG_HOST_JSON_DEPTH);
        add_int(limits, "id", SG_HOST_ID_MAX);
        add_int(limits, "recipients", SG_MSG_RECIPIENTS_MAX);
        add_int(limits, "address_text", SG_ADDR_TEXT_MAX);
        add_int(limits, "subject", SG_MSG_SUBJECT_MAX);
        add_int(limits, "body", SG_MSG_BODY_MAX);
        add_int(limits, "attachments", SG_MSG_ATTACHMENTS_MAX);
        add_int(limits, "headers", SG_MSG_HEADERS_MAX);
        add_int(limits, "header_name", SG_MSG_HEADER_NAME_MAX);
        add_int(limits, "header_value", SG_MSG_HEADER_VALUE_MAX);
        add_int(limits, "name", SG_MSG_NAME_MAX);
        json_object_object_add(r, "limits", limits);

        json_object_object_add(pol, "path", json_object_new_string(h->policy_path));
        json_object_object_add(pol, "loaded", json_object_new_boolean(h->policy != NULL));
        if (h->policy) {
                json_object_object_add(pol, "error", NULL);
        } else {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "code", json_object_new_string(sg_err_code(h->policy_err.code)));
                json_object_object_add(e, "message", json_object_new_string(h->policy_err.message));
                json_object_object_add(pol, "error", e);
        }
        json_object_object_add(r, "policy", pol);
        *ret_result = r;
        return SG_OK;
}

static sg_err op_policy_evaluate(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        json_object *m;
        if (!json_object_object_get_ex(req, "message", &m) || !json_object_is_type(m, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "message: required, an object");

        policy_refresh(h);
        if (!h->policy) {
                if (err)
                        *err = h->policy_err;
                return h->policy_err.code;
        }

        sg_message_buf buf = {0};
        sg_err e = sg_message_from_json(m, &buf, err);
        if (e)
                return e;
        sg_decision *d = NULL;
        e = sg_policy_evaluate(h->policy, &buf.msg, &d, err);
        sg_message_buf_clear(&buf);
        if (e)
                return e;
        json_object *r = sg_decision_to_json(d);
        sg_decision_free(d);
        if (!r)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory encoding the decision");
        *ret_result = r;
        return SG_OK;
}

/* ---- requests and responses */

/* Serialise `resp` (consumed) to an owned string. */
static char *to_string_put(json_object *resp) {
        if (!resp)
                return NULL;
        char *s = sg_strdup(
                json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(resp);
        return s;
}

static char *id_to_json(json_object *id) {
        return id ? sg_strdup(
                            json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
                  : sg_strdup("null");
}

/* Build {"id", "result"} or {"id", "error"}; `id` and `result` borrowed / taken. */
static char *respond(json_object *id, json_object *result, const sg_error *err, char **ret_id_json) {
        json_object *resp = json_object_new_object();
        if (!resp) {
                json_object_put(result);
                return NULL;
        }
        json_object_object_add(resp, "id", id ? json_object_get(id) : NULL);
        if (result) {
                json_object_object_add(resp, "result", result);
        } else {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "code", json_object_new_string(sg_err_code(err->code)));
                json_object_object_add(e, "message", json_object_new_string(err->message));
                json_object_object_add(resp, "error", e);
        }
        if (ret_id_json)
                *ret_id_json = id_to_json(id);
        return to_string_put(resp);
}

char *sg_host_error_response(const char *id_json, sg_err code, const char *message) {
        json_object *e = json_object_new_object();
        if (!e)
                return NULL;
        json_object_object_add(e, "code", json_object_new_string(sg_err_code(code)));
        json_object_object_add(e, "message", json_object_new_string(message ? message : ""));
        const char *es = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        const char *id = id_json ? id_json : "null";
        size_t n = strlen(id) + strlen(es) + 32;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "{\"id\":%s,\"error\":%s}", id, es);
        json_object_put(e);
        return s;
}

/* Parse one request's text: UTF-8 first (json-c would pass some invalid
 * sequences through inside strings), then strict JSON with a depth limit and
 * nothing after the value. */
static sg_err parse_request(const char *req, size_t len, json_object **ret, sg_error *err) {
        if (!sg_utf8_valid(req, len))
                return sg_error_set(err, SG_ERR_UTF8, "request is not valid UTF-8");
        if (memchr(req, '\0', len))
                return sg_error_set(err, SG_ERR_JSON, "request contains a NUL byte");

        json_tokener *tok = json_tokener_new_ex(SG_HOST_JSON_DEPTH);
        if (!tok)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory creating a JSON parser");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        if (len > INT32_MAX) {
                json_tokener_free(tok);
                return sg_error_set(err, SG_ERR_LIMIT, "request of %zu bytes is too large to parse", len);
        }
        json_object *obj = json_tokener_parse_ex(tok, req, (int) len);
        enum json_tokener_error je = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        if (je == json_tokener_continue && !obj) {
                /* A top-level number ("7") waits for a delimiter; the text is
                 * complete, so feed the terminating NUL json-c wants. */
                obj = json_tokener_parse_ex(tok, "", 1);
                je = json_tokener_get_error(tok);
                if (je == json_tokener_success)
                        end = len;
        }
        json_tokener_free(tok);

        if (je == json_tokener_error_depth)
                return sg_error_set(err, SG_ERR_LIMIT, "request nests deeper than %d levels", SG_HOST_JSON_DEPTH);
        if (je == json_tokener_continue) {
                json_object_put(obj);
                return sg_error_set(err, SG_ERR_JSON, "request is incomplete JSON (%zu bytes)", len);
        }
        if (je != json_tokener_success)
                return sg_error_set(err, SG_ERR_JSON, "request is not JSON: %s at offset %zu",
                                    json_tokener_error_desc(je), end);
        while (end < len && (req[end] == ' ' || req[end] == '\t' || req[end] == '\n' || req[end] == '\r'))
                end++;
        if (end < len) {
                json_object_put(obj);
                return sg_error_set(err, SG_ERR_JSON, "request has data after the JSON value at offset %zu", end);
        }
        *ret = obj;
        return SG_OK;
}

/* The request id: a string of at most SG_HOST_ID_MAX bytes or an integer. */
static sg_err read_id(json_object *req, json_object **ret_id, sg_error *err) {
        json_object *id;
        if (!json_object_object_get_ex(req, "id", &id) || !id)
                return sg_error_set(err, SG_ERR_REQUEST, "id: required, a string or an integer");
        if (json_object_is_type(id, json_type_int) ||
            (json_object_is_type(id, json_type_string) && json_object_get_string_len(id) <= SG_HOST_ID_MAX)) {
                *ret_id = id;
                return SG_OK;
        }
        if (json_object_is_type(id, json_type_string))
                return sg_error_set(err, SG_ERR_REQUEST, "id: longer than %d bytes", SG_HOST_ID_MAX);
        return sg_error_set(err, SG_ERR_REQUEST, "id: expected a string or an integer, got %s",
                            json_type_to_name(json_object_get_type(id)));
}

/* Dispatch a parsed request object. `fallback_id` answers errors when the
 * request's own id cannot be read (the id of the chunks it came in). */
static char *dispatch_object(sg_host *h, json_object *req, json_object *fallback_id, char **ret_id_json) {
        sg_error err;
        json_object *id = NULL;

        if (!json_object_is_type(req, json_type_object)) {
                sg_error_set(&err, SG_ERR_REQUEST, "request: expected an object, got %s",
                             json_type_to_name(json_object_get_type(req)));
                return respond(fallback_id, NULL, &err, ret_id_json);
        }
        if (read_id(req, &id, &err))
                return respond(fallback_id, NULL, &err, ret_id_json);

        json_object *op;
        if (!json_object_object_get_ex(req, "op", &op) || !json_object_is_type(op, json_type_string)) {
                sg_error_set(&err, SG_ERR_REQUEST, "op: required, a string");
                return respond(id, NULL, &err, ret_id_json);
        }
        const char *name = json_object_get_string(op);
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                if (strcmp(ops[i].name, name) != 0)
                        continue;
                json_object *result = NULL;
                if (ops[i].handler(h, req, &result, &err) != SG_OK)
                        return respond(id, NULL, &err, ret_id_json);
                return respond(id, result, NULL, ret_id_json);
        }
        sg_error_set(&err, SG_ERR_UNKNOWN_OP, "unknown op \"%.*s\" (the version op lists the ops)", quote_len(name, 64),
                     name);
        return respond(id, NULL, &err, ret_id_json);
}

char *sg_host_dispatch_id(sg_host *h, const char *req, size_t len, char **ret_id_json) {
        json_object *obj = NULL;
        sg_error err;
        if (parse_request(req, len, &obj, &err))
                return respond(NULL, NULL, &err, ret_id_json);
        char *r = dispatch_object(h, obj, NULL, ret_id_json);
        json_object_put(obj);
        return r;
}

char *sg_host_dispatch(sg_host *h, const char *req, size_t len) {
        return sg_host_dispatch_id(h, req, len, NULL);
}

/* ---- chunked requests */

/* An error for a chunk: answered with the chunk's id; `abandon` drops the
 * request being reassembled. */
static char *chunk_error(sg_host *h, json_object *id, int abandon, char **ret_id_json, sg_err code, const char *fmt,
                         ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 6, 7)))
#endif
        ;

static char *chunk_error(sg_host *h, json_object *id, int abandon, char **ret_id_json, sg_err code, const char *fmt,
                         ...) {
        sg_error err;
        char msg[SG_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        sg_error_set(&err, code, "%s", msg);
        if (abandon)
                chunk_reset(h);
        return respond(id, NULL, &err, ret_id_json);
}

static int get_size(json_object *o, const char *key, size_t *ret) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return 0;
        int64_t n = json_object_get_int64(v);
        if (n < 0 || (uint64_t) n > SIZE_MAX)
                return 0;
        *ret = (size_t) n;
        return 1;
}

static char *handle_chunk(sg_host *h, json_object *frame, json_object *chunk, char **ret_id_json) {
        sg_error err;
        json_object *id;
        if (read_id(frame, &id, &err))
                return respond(NULL, NULL, &err, ret_id_json);

        size_t index, count;
        json_object *data;
        if (!json_object_is_type(chunk, json_type_object) || !get_size(chunk, "index", &index) ||
            !get_size(chunk, "count", &count) || count == 0 || index >= count)
                return chunk_error(h, id, 0, ret_id_json, SG_ERR_REQUEST,
                                   "chunk: expected {\"index\": i, \"count\": n} with 0 <= i < n");
        if (!json_object_object_get_ex(frame, "data", &data) || !json_object_is_type(data, json_type_string))
                return chunk_error(h, id, 0, ret_id_json, SG_ERR_REQUEST, "data: required, a base64 string");

        char *id_json = id_to_json(id);
        if (!id_json)
                return NULL;
        if (h->chunk_id_json && strcmp(id_json, h->chunk_id_json) != 0) {
                char *r = chunk_error(h, id, 0, ret_id_json, SG_ERR_REQUEST,
                                      "id: chunked request %.*s is still being reassembled; send one chunked "
                                      "request at a time",
                                      quote_len(h->chunk_id_json, 256), h->chunk_id_json);
                free(id_json);
                return r;
        }
        if (h->chunk_id_json && count != h->chunk_count) {
                free(id_json);
                return chunk_error(h, id, 1, ret_id_json, SG_ERR_REQUEST, "chunk.count: changed from %zu to %zu",
                                   h->chunk_count, count);
        }
        size_t want = h->chunk_id_json ? h->chunk_next : 0;
        if (index != want) {
                free(id_json);
                return chunk_error(h, id, 1, ret_id_json, SG_ERR_REQUEST, "chunk.index: expected %zu, got %zu", want,
                                   index);
        }
        if (!h->chunk_id_json) {
                h->chunk_id_json = id_json;
                h->chunk_count = count;
                h->chunk_next = 0;
        } else {
                free(id_json);
        }

        void *bytes = NULL;
        size_t n = 0;
        if (sg_base64_decode(json_object_get_string(data), (size_t) json_object_get_string_len(data), &bytes, &n,
                             &err)) {
                sg_error_prefix(&err, "data");
                chunk_reset(h);
                return respond(id, NULL, &err, ret_id_json);
        }
        if (n > SG_CHUNKED_IN_MAX - h->chunk_len) {
                free(bytes);
                return chunk_error(h, id, 1, ret_id_json, SG_ERR_LIMIT, "chunked request is over the limit of %u bytes",
                                   SG_CHUNKED_IN_MAX);
        }
        if (h->chunk_len + n + 1 > h->chunk_cap) {
                /* Grow geometrically: a 64 MiB request in 128 chunks must not
                 * copy the whole buffer for every chunk. */
                size_t cap = h->chunk_cap ? h->chunk_cap : 65536;
                while (cap < h->chunk_len + n + 1)
                        cap *= 2;
                if (cap > (size_t) SG_CHUNKED_IN_MAX + 1)
                        cap = (size_t) SG_CHUNKED_IN_MAX + 1;
                char *nb = realloc(h->chunk_buf, cap);
                if (!nb) {
                        free(bytes);
                        return chunk_error(h, id, 1, ret_id_json, SG_ERR_NOMEM, "out of memory reassembling chunks");
                }
                h->chunk_buf = nb;
                h->chunk_cap = cap;
        }
        char *b = h->chunk_buf;
        memcpy(b + h->chunk_len, bytes, n);
        free(bytes);
        h->chunk_len += n;
        h->chunk_buf[h->chunk_len] = '\0';
        h->chunk_next++;

        if (h->chunk_next < h->chunk_count) {
                if (ret_id_json)
                        *ret_id_json = NULL;
                return NULL;
        }

        /* Complete: the reassembled text is a request like any other, and its id
         * must be the chunks' id. */
        char *text = h->chunk_buf;
        size_t len = h->chunk_len;
        char *chunks_id = h->chunk_id_json;
        h->chunk_buf = NULL;
        h->chunk_id_json = NULL;
        chunk_reset(h);

        char *r;
        json_object *req = NULL;
        json_object *req_id;
        if (parse_request(text, len, &req, &err)) {
                r = respond(id, NULL, &err, ret_id_json);
        } else if (json_object_is_type(req, json_type_object) && read_id(req, &req_id, &err) == SG_OK) {
                char *rid = id_to_json(req_id);
                if (rid && strcmp(rid, chunks_id) != 0) {
                        sg_error_set(&err, SG_ERR_REQUEST,
                                     "id: the reassembled request's id %.*s is not the chunks' id", quote_len(rid, 200),
                                     rid);
                        r = respond(id, NULL, &err, ret_id_json);
                } else {
                        r = dispatch_object(h, req, id, ret_id_json);
                }
                free(rid);
        } else {
                r = dispatch_object(h, req, id, ret_id_json);
        }
        json_object_put(req);
        free(text);
        free(chunks_id);
        return r;
}

char *sg_host_handle_frame(sg_host *h, const char *payload, size_t len, char **ret_id_json) {
        json_object *obj = NULL;
        sg_error err;
        if (ret_id_json)
                *ret_id_json = NULL;
        if (parse_request(payload, len, &obj, &err))
                return respond(NULL, NULL, &err, ret_id_json);
        json_object *chunk;
        char *r;
        if (json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, "chunk", &chunk))
                r = handle_chunk(h, obj, chunk, ret_id_json);
        else
                r = dispatch_object(h, obj, NULL, ret_id_json);
        json_object_put(obj);
        return r;
}
