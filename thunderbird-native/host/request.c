/* sealgate-host: the one path of every frame. The one op table (each op's
 * handler and help text live in its family's op-*.c), the one request parser,
 * responses, chunked-request reassembly and sg_host_handle(), the entry point
 * of the transport and the tests. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-private.h"
#include "sealgate/frame.h"
#include "sealgate/json-unique.h"
#include "sealgate/util.h"

/* The one op table: every op, whatever its kind (as gpgme-json's optbl[]). */
static const struct op {
        const char *name;
        op_kind kind;
        op_handler handler;
        const char *help;
} ops[] = {
        {"version", OP_SYNC, _host_op_version, _host_hlp_version},
        {"policy.evaluate", OP_SYNC, _host_op_policy_evaluate, _host_hlp_policy_evaluate},
        {"policy.get", OP_SYNC, _host_op_policy_get, _host_hlp_policy_get},
        {"doctor", OP_SYNC, _host_op_doctor, _host_hlp_doctor},
        {"prompt.show", OP_DEFERRED, _host_op_prompt_show, _host_hlp_prompt_show},
        {"keys.lookup", OP_DEFERRED, _host_op_keys_lookup, _host_hlp_keys_lookup},
        {"attempt.applied", OP_SYNC, _host_op_attempt_applied, _host_hlp_attempt_applied},
        {"outcome.split", OP_SYNC, _host_op_outcome_split, _host_hlp_outcome_split},
        {"certs.wizard", OP_SYNC, _host_op_certs_wizard, _host_hlp_certs_wizard},
        {"smime.encrypt", OP_STREAM, _host_op_stream, _host_hlp_smime_encrypt},
        {"smime.decrypt", OP_STREAM, _host_op_stream, _host_hlp_smime_decrypt},
        {"smime.sign", OP_STREAM, _host_op_stream, _host_hlp_smime_sign},
        {"smime.verify", OP_STREAM, _host_op_stream, _host_hlp_smime_verify},
        {"pgp.encrypt", OP_STREAM, _host_op_stream, _host_hlp_pgp_encrypt},
        {"pgp.decrypt", OP_STREAM, _host_op_stream, _host_hlp_pgp_decrypt},
        {"pgp.sign", OP_STREAM, _host_op_stream, _host_hlp_pgp_sign},
        {"pgp.verify", OP_STREAM, _host_op_stream, _host_hlp_pgp_verify},
};

bool sg_host_op_info(size_t i, const char **ret_name, const char **ret_help) {
        if (i >= sizeof ops / sizeof ops[0])
                return false;
        if (ret_name)
                *ret_name = ops[i].name;
        if (ret_help)
                *ret_help = ops[i].help;
        return true;
}

void _host_op_names(json_object *names) {
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
                json_object_array_add(names, json_object_new_string(ops[i].name));
}

char *_host_id_to_json(json_object *id) {
        return id ? sg_strdup(
                            json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
                  : sg_strdup("null");
}

/* ---- responses */

/* {"id", "result"} (result taken) or {"id", "error"} into `ret`. */
static void respond(json_object *id, json_object *result, const sg_error *err, sg_host_reply *ret) {
        char *id_json = _host_id_to_json(id);
        if (!id_json) {
                json_object_put(result);
                return;
        }
        ret->response = result ? sg_host_result_response(id_json, result)
                               : sg_host_error_response(id_json, err->code, err->message);
        ret->id_json = id_json; /* without a response: the transport answers out_of_memory */
}

static void respond_error(json_object *id, sg_host_reply *ret, sg_err code, const char *fmt, ...)
        __attribute__((format(SG_PRINTF_FORMAT, 4, 5)));

static void respond_error(json_object *id, sg_host_reply *ret, sg_err code, const char *fmt, ...) {
        sg_error err = {.code = code};
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err.message, sizeof err.message, fmt, ap);
        va_end(ap);
        respond(id, NULL, &err, ret);
}

void sg_host_reply_clear(sg_host_reply *r) {
        free(r->response);
        free(r->id_json);
        sg_prompt_job_free(r->prompt);
        sg_keys_job_free(r->keys);
        memset(r, 0, sizeof *r);
}

/* ---- dispatch */

/* json-c keeps the last of two equal keys, so `to` sent twice would be judged
 * on the second: a request with a duplicate key is refused (invalid_request),
 * answered with its id unless the id itself is the doubled key. True when
 * `ret` holds that answer. */
static bool refuse_duplicate_keys(const char *text, size_t len, json_object *req, json_object *fallback_id,
                                  sg_host_reply *ret) {
        sg_error err = {0};
        if (!sg_json_check_unique_keys(text, len, SG_ERR_REQUEST, "", &err))
                return false;
        json_object *id = fallback_id;
        sg_error e2;
        if (!id && json_object_is_type(req, json_type_object) &&
            !strstr(err.message, "(top level): duplicate key \"id\"") && sg_host_read_id(req, &id, &e2))
                id = NULL;
        respond(id, NULL, &err, ret);
        return true;
}

/* The members of every object in the tree (bounded by the parser's depth
 * limit); with sg_host_parse_request_counted's count, tells whether the
 * text repeated a key, since json-c keeps one member per key. */
static size_t tree_members(json_object *o) {
        size_t n = 0;
        if (json_object_is_type(o, json_type_object)) {
                json_object_object_foreach(o, key, v) {
                        (void) key;
                        n += 1 + tree_members(v);
                }
        } else if (json_object_is_type(o, json_type_array)) {
                size_t len = json_object_array_length(o);
                for (size_t i = 0; i < len; i++)
                        n += tree_members(json_object_array_get_idx(o, i));
        }
        return n;
}

/* A parsed request. `fallback_id` answers errors when the request's own id
 * cannot be read (the id of the chunks it came in; then `from_chunks`). */
static int dispatch_object(sg_host *h, json_object *req, json_object *fallback_id, bool from_chunks,
                           sg_host_reply *ret) {
        sg_error err;
        json_object *id = NULL;

        if (!json_object_is_type(req, json_type_object)) {
                respond_error(fallback_id, ret, SG_ERR_REQUEST, "request: expected an object, got %s",
                              json_type_to_name(json_object_get_type(req)));
                return 0;
        }
        if (sg_host_read_id(req, &id, &err)) {
                respond(fallback_id, NULL, &err, ret);
                return 0;
        }
        json_object *op;
        bool has_op = json_object_object_get_ex(req, "op", &op);
        if (!has_op && !from_chunks && json_object_object_get_ex(req, "input", NULL)) {
                /* An input frame of a stream (docs/protocol.md, "Streams"). */
                char *id_json = _host_id_to_json(id);
                if (!id_json) {
                        respond_error(id, ret, SG_ERR_NOMEM, "out of memory");
                        return 0;
                }
                return _host_stream_input(h, req, id_json, ret);
        }
        if (!has_op || !json_object_is_type(op, json_type_string)) {
                respond_error(id, ret, SG_ERR_REQUEST, "op: required, a string");
                return 0;
        }
        const char *name = json_object_get_string(op);
        const struct op *o = NULL;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0] && !o; i++)
                if (strcmp(ops[i].name, name) == 0)
                        o = &ops[i];
        if (!o) {
                respond_error(id, ret, SG_ERR_UNKNOWN_OP, "unknown op \"%.*s\" (the version op lists the ops)",
                              _host_quote_len(name, 64), name);
                return 0;
        }
        if (o->kind == OP_STREAM && from_chunks) {
                respond_error(id, ret, SG_ERR_STREAM_INVALID,
                              "%s is a stream: send its request as one frame and its input as input frames "
                              "(docs/protocol.md, Streams)",
                              o->name);
                return 0;
        }
        char *id_json = _host_id_to_json(id);
        if (!id_json) {
                respond_error(id, ret, SG_ERR_NOMEM, "out of memory");
                return 0;
        }
        op_out out = {0};
        if (o->handler(h, req, id_json, &out, &err) != SG_OK) {
                free(id_json);
                respond(id, NULL, &err, ret);
                return out.send_status;
        }
        switch (o->kind) {
        case OP_SYNC:
                ret->response = out.response ? out.response : sg_host_result_response(id_json, out.result);
                ret->id_json = id_json;
                return 0;
        case OP_DEFERRED:
                /* Answered when the job ends, with this id. */
                if (out.prompt) {
                        out.prompt->id_json = id_json;
                        ret->prompt = out.prompt;
                } else if (out.keys) {
                        out.keys->id_json = id_json;
                        ret->keys = out.keys;
                } else if (out.result || out.response) {
                        /* answered at once (prompt.show with a compose
                         * window's choice the policy accepts) */
                        ret->response = out.response ? out.response : sg_host_result_response(id_json, out.result);
                        ret->id_json = id_json;
                } else {
                        free(id_json);
                }
                return 0;
        case OP_STREAM:
                free(id_json);
                return out.send_status;
        }
        free(id_json);
        return 0;
}

/* ---- chunked requests */

static void chunk_reset(sg_host *h) {
        free(h->chunk_id_json);
        free(h->chunk_buf);
        h->chunk_id_json = NULL;
        h->chunk_buf = NULL;
        h->chunk_len = h->chunk_cap = h->chunk_next = h->chunk_count = 0;
}

static bool get_size(json_object *o, const char *key, size_t *ret) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return false;
        int64_t n = json_object_get_int64(v);
        if (n < 0 || (uint64_t) n > SIZE_MAX)
                return false;
        *ret = (size_t) n;
        return true;
}

static int handle_chunk(sg_host *h, json_object *frame, json_object *chunk, sg_host_reply *ret) {
        sg_error err;
        json_object *id;
        if (sg_host_read_id(frame, &id, &err)) {
                respond(NULL, NULL, &err, ret);
                return 0;
        }
        size_t index, count;
        json_object *data;
        if (!json_object_is_type(chunk, json_type_object) || !get_size(chunk, "index", &index) ||
            !get_size(chunk, "count", &count) || count == 0 || index >= count) {
                respond_error(id, ret, SG_ERR_REQUEST, "chunk: expected {\"index\": i, \"count\": n} with 0 <= i < n");
                return 0;
        }
        if (!json_object_object_get_ex(frame, "data", &data) || !json_object_is_type(data, json_type_string)) {
                respond_error(id, ret, SG_ERR_REQUEST, "data: required, a base64 string");
                return 0;
        }
        char *id_json = _host_id_to_json(id);
        if (!id_json)
                return 0;
        if (h->chunk_id_json && strcmp(id_json, h->chunk_id_json) != 0) {
                respond_error(id, ret, SG_ERR_REQUEST,
                              "id: chunked request %.*s is still being reassembled; send one chunked request at a "
                              "time",
                              _host_quote_len(h->chunk_id_json, 256), h->chunk_id_json);
                free(id_json);
                return 0;
        }
        if (h->chunk_id_json && count != h->chunk_count) {
                free(id_json);
                respond_error(id, ret, SG_ERR_REQUEST, "chunk.count: changed from %zu to %zu", h->chunk_count, count);
                chunk_reset(h);
                return 0;
        }
        size_t want = h->chunk_id_json ? h->chunk_next : 0;
        if (index != want) {
                free(id_json);
                chunk_reset(h);
                respond_error(id, ret, SG_ERR_REQUEST, "chunk.index: expected %zu, got %zu", want, index);
                return 0;
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
                respond(id, NULL, &err, ret);
                return 0;
        }
        if (n > SG_CHUNKED_IN_MAX - h->chunk_len) {
                free(bytes);
                chunk_reset(h);
                respond_error(id, ret, SG_ERR_LIMIT, "chunked request is over the limit of %u bytes",
                              SG_CHUNKED_IN_MAX);
                return 0;
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
                        chunk_reset(h);
                        respond_error(id, ret, SG_ERR_NOMEM, "out of memory reassembling chunks");
                        return 0;
                }
                h->chunk_buf = nb;
                h->chunk_cap = cap;
        }
        memcpy(h->chunk_buf + h->chunk_len, bytes, n);
        free(bytes);
        h->chunk_len += n;
        h->chunk_buf[h->chunk_len] = '\0';
        h->chunk_next++;
        if (h->chunk_next < h->chunk_count)
                return 0; /* more to come: nothing to send */

        /* Complete: the reassembled text is a request like any other, and its id
         * must be the chunks' id. */
        char *text = h->chunk_buf;
        size_t len = h->chunk_len;
        char *chunks_id = h->chunk_id_json;
        h->chunk_buf = NULL;
        h->chunk_id_json = NULL;
        chunk_reset(h);

        int w = 0;
        json_object *req = NULL, *req_id;
        size_t members;
        if (sg_host_parse_request_counted(text, len, &req, &members, &err)) {
                respond(id, NULL, &err, ret);
        } else if (tree_members(req) != members && refuse_duplicate_keys(text, len, req, id, ret)) {
                /* answered */
        } else if (json_object_is_type(req, json_type_object) && sg_host_read_id(req, &req_id, &err) == SG_OK) {
                char *rid = _host_id_to_json(req_id);
                if (rid && strcmp(rid, chunks_id) != 0)
                        respond_error(id, ret, SG_ERR_REQUEST,
                                      "id: the reassembled request's id %.*s is not the chunks' id",
                                      _host_quote_len(rid, 200), rid);
                else
                        w = dispatch_object(h, req, id, true, ret);
                free(rid);
        } else {
                w = dispatch_object(h, req, id, true, ret);
        }
        json_object_put(req);
        free(text);
        free(chunks_id);
        return w;
}

int sg_host_handle(sg_host *h, const char *payload, size_t len, sg_host_reply *ret) {
        memset(ret, 0, sizeof *ret);
        int w = 0;
        if (_host_stream_input_fast(h, payload, len, &w))
                return w;
        json_object *obj = NULL;
        sg_error err;
        size_t members;
        if (sg_host_parse_request_counted(payload, len, &obj, &members, &err)) {
                respond(NULL, NULL, &err, ret);
                return 0;
        }
        /* The full duplicate-key check (with the path of the key in its
         * message) only for a text whose tree lost members to repeated keys. */
        if (tree_members(obj) != members && refuse_duplicate_keys(payload, len, obj, NULL, ret)) {
                json_object_put(obj);
                return 0;
        }
        json_object *chunk;
        if (json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, "chunk", &chunk))
                w = handle_chunk(h, obj, chunk, ret);
        else
                w = dispatch_object(h, obj, NULL, false, ret);
        json_object_put(obj);
        return w;
}
