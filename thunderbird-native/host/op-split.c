/* sealgate-host: outcome.split, the split delivery of an "encrypt" outcome
 * (policy encrypt.split_delivery; sealgate/split.h decides): given each
 * recipient's readiness as the extension's keys.lookup found it and how the
 * message is being sent, which recipients get the encrypted copy and which
 * the routed one, with the route's headers, subject and check header and
 * the family header both copies carry. The extension only executes it
 * (background/split.js). */
#include <stdlib.h>
#include <string.h>

#include "host-private.h"
#include "sealgate/codec.h"
#include "sealgate/split.h"
#include "sealgate/util.h"

#define SG_SPLIT_STRING_MAX 998 /* bytes of an address or a list name: a header line */

const char _host_hlp_outcome_split[] =
        "{attempt, recipients[{address, group, ready}], send_later, no_transport, subject} -> {split, encrypted[], "
        "routed[], route{route, headers, subject, check}, family{name, encrypted, routed}}: which recipients of an "
        "encrypt outcome get the encrypted copy and which the fallback route's (encrypt.split_delivery).";

static sg_err opt_bool(json_object *req, const char *key, bool *ret, sg_error *err) {
        json_object *v;
        *ret = false;
        if (!json_object_object_get_ex(req, key, &v) || !v)
                return SG_OK;
        if (!json_object_is_type(v, json_type_boolean))
                return sg_error_set(err, SG_ERR_REQUEST, "%s: expected a boolean", key);
        *ret = json_object_get_boolean(v);
        return SG_OK;
}

/* A string of at most SG_SPLIT_STRING_MAX bytes without NUL, or NULL (err set). */
static const char *bounded_string(json_object *v, const char *what, size_t i, bool nullable, bool *ret_ok,
                                  sg_error *err) {
        *ret_ok = true;
        if (!v && nullable)
                return NULL;
        if (!json_object_is_type(v, json_type_string) ||
            strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v)) {
                *ret_ok = false;
                sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu].%s: expected a string", i, what);
                return NULL;
        }
        if ((size_t) json_object_get_string_len(v) > SG_SPLIT_STRING_MAX) {
                *ret_ok = false;
                sg_error_set(err, SG_ERR_LIMIT, "recipients[%zu].%s: longer than %d bytes", i, what,
                             SG_SPLIT_STRING_MAX);
                return NULL;
        }
        return json_object_get_string(v);
}

/* "recipients": [{address, group, ready}], each a recipient of decision d.
 * *ret owned (free()). */
static sg_err read_recipients(json_object *req, const sg_decision *d, sg_split_recipient **ret, size_t *ret_n,
                              sg_error *err) {
        json_object *v;
        *ret = NULL;
        *ret_n = 0;
        if (!json_object_object_get_ex(req, "recipients", &v) || !json_object_is_type(v, json_type_array))
                return sg_error_set(err, SG_ERR_REQUEST, "recipients: required, an array of objects");
        size_t n = json_object_array_length(v);
        if (n > SG_SPLIT_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "recipients: more than %d", SG_SPLIT_RECIPIENTS_MAX);
        sg_split_recipient *list = calloc(n ? n : 1, sizeof *list);
        if (!list)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                json_object *r = json_object_array_get_idx(v, i), *x;
                bool ok = json_object_is_type(r, json_type_object);
                if (!ok) {
                        free(list);
                        return sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu]: expected an object", i);
                }
                json_object_object_get_ex(r, "address", &x);
                list[i].address = bounded_string(x, "address", i, false, &ok, err);
                if (ok) {
                        x = NULL;
                        json_object_object_get_ex(r, "group", &x);
                        list[i].group = bounded_string(x, "group", i, true, &ok, err);
                }
                if (ok && (!json_object_object_get_ex(r, "ready", &x) || !json_object_is_type(x, json_type_boolean))) {
                        ok = false;
                        sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu].ready: required, a boolean", i);
                }
                if (!ok) {
                        free(list);
                        return err ? err->code : SG_ERR_REQUEST;
                }
                list[i].ready = json_object_get_boolean(x);
                bool known = false;
                for (size_t k = 0; !known && k < d->n_recipients; k++)
                        known = d->recipients[k].mailbox.address &&
                                sg_ascii_strcasecmp(d->recipients[k].mailbox.address, list[i].address) == 0;
                if (!known) {
                        sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu]: \"%.*s\" is not a recipient of the attempt",
                                     i, _host_quote_len(list[i].address, 64), list[i].address);
                        free(list);
                        return SG_ERR_REQUEST;
                }
        }
        *ret = list;
        *ret_n = n;
        return SG_OK;
}

static bool add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return false;
        if (json_object_object_add(o, key, v) != 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

static json_object *addresses(const sg_split_recipient *r, const size_t *idx, size_t n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < n; i++) {
                json_object *s = json_object_new_string(r[idx[i]].address);
                if (!s || json_object_array_add(a, s) != 0) {
                        json_object_put(s);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static json_object *route_json(const sg_outcome_route *r) {
        json_object *o = json_object_new_object();
        bool ok = o && add(o, "route", json_object_new_string(r->name)) &&
                  add(o, "headers", sg_headers_to_json(r->headers, r->n_headers));
        if (ok)
                ok = r->subject ? add(o, "subject", json_object_new_string(r->subject))
                                : json_object_object_add(o, "subject", NULL) == 0;
        if (ok && r->check.name) {
                json_object *c = json_object_new_object();
                ok = add(o, "check", c) && add(c, "name", json_object_new_string(r->check.name)) &&
                     add(c, "value", json_object_new_string(r->check.value));
        } else if (ok) {
                ok = json_object_object_add(o, "check", NULL) == 0;
        }
        if (ok)
                return o;
        json_object_put(o);
        return NULL;
}

static json_object *family_json(const char *attempt) {
        json_object *f = json_object_new_object();
        char *enc = sg_split_header_value(attempt, "encrypted"), *rt = sg_split_header_value(attempt, "routed");
        bool ok = f && enc && rt && add(f, "name", json_object_new_string(SG_SPLIT_HEADER)) &&
                  add(f, "encrypted", json_object_new_string(enc)) && add(f, "routed", json_object_new_string(rt));
        free(enc);
        free(rt);
        if (ok)
                return f;
        json_object_put(f);
        return NULL;
}

sg_err _host_op_outcome_split(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        (void) id_json;
        const char *attempt = _host_string_member(req, "attempt");
        if (!attempt)
                return sg_error_set(err, SG_ERR_REQUEST, "attempt: required, a string");
        sg_split_facts f = {0};
        json_object *v;
        sg_err e;
        if ((e = opt_bool(req, "send_later", &f.send_later, err)) ||
            (e = opt_bool(req, "no_transport", &f.no_transport, err)))
                return e;
        const char *subject = NULL;
        if (json_object_object_get_ex(req, "subject", &v) && v) {
                if (!json_object_is_type(v, json_type_string) ||
                    (size_t) json_object_get_string_len(v) > SG_SPLIT_STRING_MAX)
                        return sg_error_set(err, SG_ERR_REQUEST, "subject: expected a string of at most %d bytes",
                                            SG_SPLIT_STRING_MAX);
                subject = json_object_get_string(v);
        }
        struct attempt *a = _host_attempt_find(h, attempt);
        if (!a || a->state != ATTEMPT_DONE)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt \"%.*s\": no decided attempt with that id",
                                    _host_quote_len(attempt, 64), attempt);
        if (a->applied || a->copies)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt %s: already recorded as applied", a->id);
        sg_split_recipient *list;
        if ((e = read_recipients(req, a->d, &list, &f.n_recipients, err)))
                return e;
        f.recipients = list;
        sg_outcome *o = _host_outcome_new(h, a->d, a->choice, a->by[0] ? a->by : NULL, NULL,
                                          subject ? subject : a->subject, a->offer.method, a->id, a->bcc_declined, err);
        sg_split_plan *p = NULL;
        if (!o || (e = sg_split_plan_new(o, &f, &p, err))) {
                sg_outcome_free(o);
                free(list);
                return o ? e : err ? err->code : SG_ERR_NOMEM;
        }
        a->split = p->verdict == SG_SPLIT_YES;
        json_object *r = json_object_new_object();
        bool ok = r && add(r, "split", json_object_new_string(sg_split_verdict_name(p->verdict))) &&
                  add(r, "encrypted", addresses(list, p->encrypted, p->n_encrypted)) &&
                  add(r, "routed", addresses(list, p->routed, p->n_routed));
        if (ok && a->split)
                ok = add(r, "route", route_json(&o->fallback[p->route])) && add(r, "family", family_json(a->id));
        else if (ok)
                ok = json_object_object_add(r, "route", NULL) == 0 && json_object_object_add(r, "family", NULL) == 0;
        sg_split_plan_free(p);
        sg_outcome_free(o);
        free(list);
        if (!ok) {
                json_object_put(r);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        out->result = r;
        return SG_OK;
}
