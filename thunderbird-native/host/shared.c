/* sealgate-host: what both the connection and the crypto module compile in
 * (the module is loaded on demand and does not call back into the
 * executable): the one request parser and the id rules, log line
 * formatting, response building and freeing a key lookup job. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "conn.h"
#include "crypto-module.h"
#include "sealgate/util.h"

void sg_host_vlogf(sg_host_log_fn log, void *userdata, const char *fmt, va_list ap) {
        if (!log)
                return;
        char line[1024];
        vsnprintf(line, sizeof line, fmt, ap);
        for (char *p = line; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        log(userdata, line);
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

char *sg_host_result_response(const char *id_json, json_object *result) {
        if (!result)
                return NULL;
        const char *rs =
                json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        const char *id = id_json ? id_json : "null";
        size_t n = strlen(id) + strlen(rs) + 32;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "{\"id\":%s,\"result\":%s}", id, rs);
        json_object_put(result);
        return s;
}

sg_err sg_host_parse_request(const char *req, size_t len, json_object **ret, sg_error *err) {
        size_t members;
        return sg_host_parse_request_counted(req, len, ret, &members, err);
}

sg_err sg_host_parse_request_counted(const char *req, size_t len, json_object **ret, size_t *ret_members,
                                     sg_error *err) {
        *ret = NULL;
        *ret_members = 0;
        if (!sg_utf8_valid(req, len))
                return sg_error_set(err, SG_ERR_UTF8, "request is not valid UTF-8");
        if (memchr(req, '\0', len))
                return sg_error_set(err, SG_ERR_JSON, "request contains a NUL byte");
        if (len > INT32_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "request of %zu bytes is too large to parse", len);
        /* count the values before json-c builds them: every one but the
         * first follows a ',', '[', '{' or ':' outside a string */
        size_t values = 1, members = 0, max_values = SG_HOST_VALUES_FLOOR + len / SG_HOST_BYTES_PER_VALUE;
        bool in_string = false;
        const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
        for (size_t i = 0; i < len; i++) {
                if (in_string) {
                        /* Through a string's run of other bytes 8 at a time
                         * (SWAR: a zero byte of x ^ '"' or x ^ '\\'). */
                        for (uint64_t x, q, b; len - i >= 8; i += 8) {
                                memcpy(&x, req + i, 8);
                                q = x ^ (ones * '"');
                                b = x ^ (ones * '\\');
                                if ((((q - ones) & ~q) | ((b - ones) & ~b)) & high)
                                        break;
                        }
                        if (i >= len)
                                break;
                }
                char c = req[i];
                if (in_string) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_string = false;
                } else if (c == '"') {
                        in_string = true;
                } else if (c == '{') {
                        values += SG_HOST_OBJECT_WEIGHT;
                } else if (c == '[') {
                        values += SG_HOST_ARRAY_WEIGHT;
                } else if (c == ',') {
                        values++;
                } else if (c == ':') {
                        values++;
                        members++;
                }
        }
        if (values > max_values)
                return sg_error_set(err, SG_ERR_LIMIT,
                                    "request of %zu bytes holds JSON values weighing %zu, more than the %zu allowed "
                                    "(%d, and one per %d bytes; an array weighs %d, an object %d)",
                                    len, values, max_values, SG_HOST_VALUES_FLOOR, SG_HOST_BYTES_PER_VALUE,
                                    SG_HOST_ARRAY_WEIGHT, SG_HOST_OBJECT_WEIGHT);

        /* One parser per thread, reset for each request, instead of a new
         * one (its depth stack and buffer) per request. */
        static _Thread_local json_tokener *kept;
        if (!kept && !(kept = json_tokener_new_ex(SG_HOST_JSON_DEPTH)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory creating a JSON parser");
        json_tokener *tok = kept;
        json_tokener_reset(tok);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
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
        json_tokener_reset(tok);

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
        *ret_members = members;
        return SG_OK;
}

sg_err sg_host_read_id(json_object *req, json_object **ret_id, sg_error *err) {
        json_object *id;
        if (!json_object_object_get_ex(req, "id", &id) || !id)
                return sg_error_set(err, SG_ERR_REQUEST, "id: required, a string or an integer");
        if (json_object_is_type(id, json_type_int)) {
                /* The extension's ids are JavaScript numbers: beyond 2^53 - 1
                 * it could not match the answer (and json-c would clamp an id
                 * past 2^63 to another number), so such ids are refused. */
                int64_t v = json_object_get_int64(id);
                if (v > SG_HOST_ID_INT_MAX || v < -SG_HOST_ID_INT_MAX)
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "id: an integer id must be within -(2^53 - 1) and 2^53 - 1");
                *ret_id = id;
                return SG_OK;
        }
        if (!json_object_is_type(id, json_type_string))
                return sg_error_set(err, SG_ERR_REQUEST, "id: expected a string or an integer, got %s",
                                    json_type_to_name(json_object_get_type(id)));
        size_t n = (size_t) json_object_get_string_len(id);
        if (n > SG_HOST_ID_MAX)
                return sg_error_set(err, SG_ERR_REQUEST, "id: longer than %d bytes", SG_HOST_ID_MAX);
        if (strlen(json_object_get_string(id)) != n)
                return sg_error_set(err, SG_ERR_REQUEST, "id: contains a NUL character");
        *ret_id = id;
        return SG_OK;
}

sg_keys_job *sg_keys_job_free(sg_keys_job *job) {
        if (job) {
                free(job->id_json);
                sg_strv_free(job->addresses, job->n_addresses);
                free(job->certificate_store);
                free(job->nss_db);
                free(job);
        }
        return NULL;
}
