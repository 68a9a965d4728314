/* sealgate-host crypto module: a stream request's parameters checked into
 * its job: the members every stream has (id, op, input{frames, size}), the
 * checks the families share, and the dispatch to each family's own
 * (stream-smime.c, stream-pgp.c). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/frame.h"
#include "sealgate/secrets.h"
#include "sealgate/util.h"
#include "stream-private.h"

/* Parameter checks: each fills `err` and returns false. */
bool _stream_get_string(json_object *o, const char *key, bool required, char **ret, sg_error *err) {
        json_object *v;
        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required)
                        sg_error_set(err, SG_ERR_REQUEST, "\"%s\" is required", key);
                return !required;
        }
        if (!json_object_is_type(v, json_type_string)) {
                sg_error_set(err, SG_ERR_REQUEST, "\"%s\" must be a string", key);
                return false;
        }
        size_t n = (size_t) json_object_get_string_len(v);
        const char *str = json_object_get_string(v);
        if (n > SG_STREAM_PARAM_MAX) {
                sg_error_set(err, SG_ERR_LIMIT, "\"%s\" is longer than %d bytes", key, SG_STREAM_PARAM_MAX);
                return false;
        }
        if (strlen(str) != n || (required && n == 0)) {
                sg_error_set(err, SG_ERR_REQUEST, "\"%s\" must be a non-empty string without NUL", key);
                return false;
        }
        if (!(*ret = sg_strdup(str))) {
                sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                return false;
        }
        return true;
}

bool _stream_get_secret(json_object *o, const char *key, char **ret, sg_error *err) {
        if (!_stream_get_string(o, key, false, ret, err))
                return false;
        json_object *v;
        if (*ret && json_object_object_get_ex(o, key, &v)) {
                /* the request's copy: wiped now, not when the request is freed */
                sg_secret_wipe((char *) json_object_get_string(v), (size_t) json_object_get_string_len(v));
                sg_secret_lock(*ret, strlen(*ret));
        }
        return true;
}

bool _stream_only_keys(json_object *o, const char *const *keys, const char *what, sg_error *err) {
        json_object_object_foreach(o, k, v) {
                (void) v;
                bool known = false;
                for (size_t i = 0; keys[i] && !known; i++)
                        known = strcmp(keys[i], k) == 0;
                if (!known) {
                        char q[64];
                        snprintf(q, sizeof q, "%.*s", (int) (strlen(k) > 40 ? 40 : strlen(k)), k);
                        sg_error_set(err, SG_ERR_REQUEST, "unknown key \"%s\" in %s", q, what);
                        return false;
                }
        }
        return true;
}

bool _stream_get_bool(json_object *o, const char *key, bool *ret, sg_error *err) {
        json_object *v;
        *ret = false;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return true;
        if (!json_object_is_type(v, json_type_boolean)) {
                sg_error_set(err, SG_ERR_REQUEST, "\"%s\" must be true or false", key);
                return false;
        }
        *ret = json_object_get_boolean(v);
        return true;
}

static bool get_int(json_object *o, const char *key, long long max, long long *ret, sg_error *err) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
                sg_error_set(err, SG_ERR_REQUEST, "\"input.%s\" must be an integer", key);
                return false;
        }
        errno = 0;
        int64_t x = json_object_get_int64(v);
        if (x < 0 || errno) {
                sg_error_set(err, SG_ERR_REQUEST, "\"input.%s\" must not be negative", key);
                return false;
        }
        if (x > max) {
                sg_error_set(err, SG_ERR_LIMIT, "\"input.%s\" is over the limit of %lld", key, max);
                return false;
        }
        *ret = x;
        return true;
}

/* "recipients": 1 ... max non-empty strings. */
bool _stream_get_recipients(json_object *req, job *j, size_t max, const char *what, sg_error *err) {
        json_object *v;
        if (!json_object_object_get_ex(req, "recipients", &v) || !json_object_is_type(v, json_type_array) ||
            json_object_array_length(v) == 0) {
                sg_error_set(err, SG_ERR_REQUEST, "\"recipients\" must be a non-empty array of %s", what);
                return false;
        }
        if (json_object_array_length(v) > max) {
                sg_error_set(err, SG_ERR_LIMIT, "more than %zu recipients", max);
                return false;
        }
        j->recipients = calloc(json_object_array_length(v), sizeof *j->recipients);
        if (!j->recipients) {
                sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                return false;
        }
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *wrap = json_object_new_object();
                json_object_object_add(wrap, "recipient", json_object_get(json_object_array_get_idx(v, i)));
                bool ok = _stream_get_string(wrap, "recipient", true, &j->recipients[i], err);
                json_object_put(wrap);
                if (!ok)
                        return false;
                j->n_recipients++;
        }
        return true;
}

/* verify's "signature": null, or base64 of at most `max` bytes decoded; and
 * "output", which does not go with it. */
bool _stream_get_signature(json_object *req, job *j, size_t max, sg_error *err) {
        json_object *v;
        if (!_stream_get_bool(req, "output", &j->want_output, err))
                return false;
        if (!json_object_object_get_ex(req, "signature", &v) || json_object_is_type(v, json_type_null))
                return true;
        if (!json_object_is_type(v, json_type_string)) {
                sg_error_set(err, SG_ERR_REQUEST, "\"signature\" must be a base64 string");
                return false;
        }
        void *d = NULL;
        size_t dlen = 0;
        size_t tlen = (size_t) json_object_get_string_len(v);
        if (tlen > (max / 3 + 1) * 4) {
                sg_error_set(err, SG_ERR_LIMIT, "\"signature\" is over %zu bytes", max);
                return false;
        }
        sg_error e2;
        if (sg_base64_decode(json_object_get_string(v), tlen, &d, &dlen, &e2) != SG_OK) {
                sg_error_set(err, SG_ERR_REQUEST, "\"signature\" is not valid base64");
                return false;
        }
        j->signature = d;
        j->signature_len = dlen;
        if (dlen > max) {
                sg_error_set(err, SG_ERR_LIMIT, "\"signature\" is over %zu bytes", max);
                return false;
        }
        if (dlen == 0) {
                sg_error_set(err, SG_ERR_REQUEST, "\"signature\" is empty");
                return false;
        }
        if (j->want_output) {
                sg_error_set(err, SG_ERR_REQUEST,
                             "with a detached \"signature\" the content is the input: \"output\" is not used");
                return false;
        }
        return true;
}

/* Fill `j` from the request; false with `err` set when it is refused. */
bool _stream_parse_request(json_object *req, job *j, sg_error *err) {
        const char *keys[4 + sizeof j->sop->params / sizeof j->sop->params[0]] = {"id", "op", "input"};
        size_t n = 3;
        for (size_t i = 0; i < sizeof j->sop->params / sizeof j->sop->params[0] && j->sop->params[i]; i++)
                keys[n++] = j->sop->params[i];
        keys[n] = NULL;
        if (!_stream_only_keys(req, keys, "the request", err))
                return false;

        json_object *in;
        if (!json_object_object_get_ex(req, "input", &in) || !json_object_is_type(in, json_type_object)) {
                sg_error_set(err, SG_ERR_REQUEST, "\"input\" must be an object {frames, size}");
                return false;
        }
        static const char *const inkeys[] = {"frames", "size", NULL};
        if (!_stream_only_keys(in, inkeys, "\"input\"", err) ||
            !get_int(in, "frames", SG_STREAM_FRAMES_MAX, &j->frames, err) ||
            !get_int(in, "size", SG_STREAM_INPUT_MAX, &j->size, err))
                return false;
        if ((j->frames == 0) != (j->size == 0) || j->size > j->frames * (long long) SG_CHUNK_RAW_MAX) {
                sg_error_set(err, SG_ERR_REQUEST,
                             "\"input\": %lld bytes cannot come in %lld frames of at most %d bytes", j->size, j->frames,
                             SG_CHUNK_RAW_MAX);
                return false;
        }
        return j->sop->family == FAM_PGP ? _stream_parse_pgp(req, j, err) : _stream_parse_smime(req, j, err);
}
