/* sealgate-host: attempt.applied, what the client really applied to a
 * message whose decision the host made (its own encryption, the route and
 * its headers, the subject tag) and whether it read the compose details back
 * so, written as the attempt's "applied" audit record (docs/admin/audit.md):
 * the decision record says what was chosen, this one what was done. */
#include <stdio.h>
#include <string.h>

#include "host-private.h"
#include "sealgate/util.h"

#define SG_APPLIED_STRING_MAX 256 /* bytes of a route name, header name or subject tag */

const char _host_hlp_attempt_applied[] =
        "{attempt, technology, route, headers[], subject_tag, fallback, confirmed} -> {recorded}: records what "
        "the client applied to the message of a decision (the audit record's \"applied\" line).";

/* A string member or null/absent (*ret NULL), at most SG_APPLIED_STRING_MAX bytes. */
static sg_err opt_string(json_object *req, const char *key, const char **ret, sg_error *err) {
        json_object *v;
        *ret = NULL;
        if (!json_object_object_get_ex(req, key, &v) || !v)
                return SG_OK;
        if (!json_object_is_type(v, json_type_string))
                return sg_error_set(err, SG_ERR_REQUEST, "%s: expected a string or null", key);
        size_t n = (size_t) json_object_get_string_len(v);
        if (strlen(json_object_get_string(v)) != n)
                return sg_error_set(err, SG_ERR_REQUEST, "%s: contains a NUL character", key);
        if (n > SG_APPLIED_STRING_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: longer than %d bytes", key, SG_APPLIED_STRING_MAX);
        *ret = json_object_get_string(v);
        return SG_OK;
}

sg_err _host_op_attempt_applied(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        (void) id_json;
        const char *attempt = _host_string_member(req, "attempt");
        if (!attempt)
                return sg_error_set(err, SG_ERR_REQUEST, "attempt: required, a string");
        sg_audit_applied ap = {.confirmed = -1};
        const char *names[SG_AUDIT_APPLIED_HEADERS_MAX];
        json_object *v;
        sg_err e;
        if ((e = opt_string(req, "technology", &ap.technology, err)) ||
            (e = opt_string(req, "route", &ap.route, err)) ||
            (e = opt_string(req, "subject_tag", &ap.subject_tag, err)))
                return e;
        if (ap.technology && strcmp(ap.technology, "S/MIME") != 0 && strcmp(ap.technology, "OpenPGP") != 0)
                return sg_error_set(err, SG_ERR_REQUEST, "technology: expected \"S/MIME\", \"OpenPGP\" or null");
        if (json_object_object_get_ex(req, "headers", &v) && v) {
                if (!json_object_is_type(v, json_type_array))
                        return sg_error_set(err, SG_ERR_REQUEST, "headers: expected an array of header names");
                size_t n = json_object_array_length(v);
                if (n > SG_AUDIT_APPLIED_HEADERS_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "headers: more than %d", SG_AUDIT_APPLIED_HEADERS_MAX);
                for (size_t i = 0; i < n; i++) {
                        json_object *x = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(x, json_type_string) ||
                            (size_t) json_object_get_string_len(x) > SG_APPLIED_STRING_MAX ||
                            strlen(json_object_get_string(x)) != (size_t) json_object_get_string_len(x))
                                return sg_error_set(err, SG_ERR_REQUEST,
                                                    "headers[%zu]: expected a header name of at most %d bytes", i,
                                                    SG_APPLIED_STRING_MAX);
                        names[i] = json_object_get_string(x);
                }
                ap.headers = names;
                ap.n_headers = n;
        }
        if (json_object_object_get_ex(req, "fallback", &v) && v) {
                if (!json_object_is_type(v, json_type_boolean))
                        return sg_error_set(err, SG_ERR_REQUEST, "fallback: expected a boolean");
                ap.fallback = json_object_get_boolean(v);
        }
        if (json_object_object_get_ex(req, "confirmed", &v) && v) {
                if (!json_object_is_type(v, json_type_boolean))
                        return sg_error_set(err, SG_ERR_REQUEST, "confirmed: expected a boolean or null");
                ap.confirmed = json_object_get_boolean(v) ? 1 : 0;
        }
        struct attempt *a = _host_attempt_find(h, attempt);
        if (!a || a->state != ATTEMPT_DONE)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt \"%.*s\": no decided attempt with that id",
                                    _host_quote_len(attempt, 64), attempt);
        if (a->applied)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt %s: already recorded as applied", a->id);
        sg_audit_outcome o = ap.technology ? SG_AUDIT_ENCRYPT : ap.route ? SG_AUDIT_ROUTED : SG_AUDIT_SENT;
        a->applied = true;
        bool recorded = a->audit.enabled;
        e = _host_audit_write_applied(h, a, &ap, o, err);
        if (e && a->audit.required)
                return e;
        json_object *r = json_object_new_object();
        if (!r || json_object_object_add(r, "recorded", json_object_new_boolean(recorded && !e)) != 0) {
                json_object_put(r);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        out->result = r;
        return SG_OK;
}
