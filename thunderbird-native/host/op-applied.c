/* sealgate-host: attempt.applied, what the client really applied to a
 * message whose decision the host made (its own encryption, the route and
 * its headers, the subject tag) and whether it read the compose details back
 * so, written as the attempt's "applied" audit record (docs/admin/audit.md):
 * the decision record says what was chosen, this one what was done. Also
 * the gateway check header's MAC (audit.check_key), through the crypto
 * module (OpenSSL's HMAC), loaded for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-private.h"
#include "sealgate/util.h"

#define SG_APPLIED_STRING_MAX 256 /* bytes of a route name, header name or subject tag */

const char _host_hlp_attempt_applied[] =
        "{attempt, technology, route, headers[], subject_tag, fallback, not_ready{address: reason}, confirmed, copy} "
        "-> "
        "{recorded}: records what "
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

/* Whether `address` is one of the decision's recipients (the comparison
 * form is lower-case, the client's may not be). */
static bool is_recipient(const sg_decision *d, const char *address) {
        for (size_t i = 0; d && i < d->n_recipients; i++)
                if (d->recipients[i].mailbox.address &&
                    sg_ascii_strcasecmp(d->recipients[i].mailbox.address, address) == 0)
                        return true;
        return false;
}

/* "not_ready": {address: reason word}, the recipients the client's own
 * encryption could not use (at most SG_AUDIT_NOT_READY_MAX); each address
 * must be one of the decision's recipients. *ret owned (free()). */
static sg_err not_ready_list(json_object *req, const sg_decision *d, sg_audit_not_ready **ret, size_t *ret_n,
                             sg_error *err) {
        json_object *v;
        *ret = NULL;
        *ret_n = 0;
        if (!json_object_object_get_ex(req, "not_ready", &v) || !v)
                return SG_OK;
        if (!json_object_is_type(v, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "not_ready: expected an object of address: reason");
        size_t n = (size_t) json_object_object_length(v);
        if (n > SG_AUDIT_NOT_READY_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "not_ready: more than %d recipients", SG_AUDIT_NOT_READY_MAX);
        if (!n)
                return SG_OK;
        sg_audit_not_ready *list = calloc(n, sizeof *list);
        if (!list)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        size_t i = 0;
        json_object_object_foreach(v, key, val) {
                const char *why = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : NULL;
                if (strlen(key) > SG_APPLIED_STRING_MAX || !sg_audit_not_ready_word(why)) {
                        free(list);
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "not_ready[\"%.*s\"]: expected a reason word (docs/admin/audit.md)",
                                            _host_quote_len(key, 64), key);
                }
                if (!is_recipient(d, key)) {
                        free(list);
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "not_ready: \"%.*s\" is not a recipient of the attempt",
                                            _host_quote_len(key, 64), key);
                }
                list[i].address = key;
                list[i].reason = why;
                i++;
        }
        *ret = list;
        *ret_n = i;
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
            (e = opt_string(req, "subject_tag", &ap.subject_tag, err)) || (e = opt_string(req, "copy", &ap.copy, err)))
                return e;
        if (ap.copy && strcmp(ap.copy, "encrypted") != 0 && strcmp(ap.copy, "routed") != 0)
                return sg_error_set(err, SG_ERR_REQUEST, "copy: expected \"encrypted\", \"routed\" or null");
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
        /* A split delivery (outcome.split) records each of its two copies
         * once; any other message once. */
        unsigned char bit = !ap.copy ? 0 : strcmp(ap.copy, "encrypted") == 0 ? 1 : 2;
        if (bit && !a->split)
                return sg_error_set(err, SG_ERR_REQUEST, "copy: attempt %s was not split (outcome.split)", a->id);
        if (a->applied || (bit ? (a->copies & bit) != 0 : a->copies != 0))
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt %s: already recorded as applied", a->id);
        sg_audit_not_ready *not_ready;
        if ((e = not_ready_list(req, a->d, &not_ready, &ap.n_not_ready, err)))
                return e;
        ap.not_ready = not_ready;
        sg_audit_outcome o = ap.technology ? SG_AUDIT_ENCRYPT : ap.route ? SG_AUDIT_ROUTED : SG_AUDIT_SENT;
        a->copies |= bit;
        a->applied = !bit || a->copies == 3;
        bool recorded = a->audit.enabled;
        e = _host_audit_write_applied(h, a, &ap, o, err);
        free(not_ready);
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

/* ---- the check header's MAC (host-private.h, _host_sign_checks) */

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "VALUE; t=T; mac=HEX" in place of check header h's value. */
static bool sign_one(sg_host *h, const sg_host_crypto *c, const char *recipients, sg_header *check, int64_t t,
                     sg_error *err) {
        if (!check->name || !check->value)
                return true;
        const char *key = sg_policy_check_key(h->policy);
        char *base = NULL, *data = NULL, *full = NULL, mac[65];
        if (asprintf(&base, "%s; t=%lld", check->value, (long long) t) < 0)
                base = NULL;
        else if (asprintf(&data, "%s\n%s", base, recipients) < 0)
                data = NULL;
        if (base && data && c->hmac_sha256_hex(key, strlen(key), data, strlen(data), mac) &&
            asprintf(&full, "%s; mac=%s", base, mac) < 0)
                full = NULL;
        free(base);
        free(data);
        if (!full)
                return sg_error_set(err, SG_ERR_NOMEM, "the check header's MAC cannot be computed"), false;
        free(check->value);
        check->value = full;
        return true;
}

bool _host_sign_checks(sg_host *h, const sg_decision *d, sg_outcome *out, sg_error *err) {
        const sg_host_crypto *c = _host_crypto(h, err);
        if (!c)
                return false;
        char **list = calloc(d->n_recipients + 1, sizeof *list);
        size_t len = 1;
        if (!list)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory"), false;
        for (size_t i = 0; i < d->n_recipients; i++) {
                list[i] = d->recipients[i].mailbox.address ? d->recipients[i].mailbox.address : "";
                len += strlen(list[i]) + 1;
        }
        qsort(list, d->n_recipients, sizeof *list, cmp_str);
        char *joined = malloc(len);
        if (!joined) {
                free(list);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory"), false;
        }
        size_t o = 0;
        for (size_t i = 0; i < d->n_recipients; i++) {
                if (i && strcmp(list[i], list[i - 1]) == 0)
                        continue; /* once each */
                size_t n = strlen(list[i]);
                if (o)
                        joined[o++] = ',';
                memcpy(joined + o, list[i], n);
                o += n;
        }
        joined[o] = '\0';
        free(list);
        int64_t t = sg_audit_now_ms() / 1000;
        bool ok = sign_one(h, c, joined, &out->check, t, err);
        for (size_t i = 0; ok && i < out->n_fallback; i++)
                ok = sign_one(h, c, joined, &out->fallback[i].check, t, err);
        free(joined);
        return ok;
}
