/* sealgate: the outcome as JSON (see sealgate/outcome-json.h). Every key is
 * always present; values that may be absent are JSON null. */
#include <stdbool.h>

#include "sealgate/codec.h"
#include "sealgate/outcome-json.h"

static bool add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return false;
        if (json_object_object_add(o, key, v) != 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

static bool add_nullable(json_object *o, const char *key, const char *s) {
        if (!s)
                return json_object_object_add(o, key, NULL) == 0;
        return add(o, key, json_object_new_string(s));
}

/* {name, value}, or null without a name. */
static bool add_check(json_object *o, const sg_header *h) {
        if (!h->name)
                return json_object_object_add(o, "check", NULL) == 0;
        json_object *c = json_object_new_object();
        return add(o, "check", c) && add(c, "name", json_object_new_string(h->name)) &&
               add(c, "value", json_object_new_string(h->value));
}

static bool push(json_object *a, json_object *v) {
        if (!v)
                return false;
        if (json_object_array_add(a, v) != 0) {
                json_object_put(v);
                return false;
        }
        return true;
}

static json_object *encrypt(const sg_outcome *o) {
        json_object *e = json_object_new_object(), *m = json_object_new_array(), *f = json_object_new_array();
        bool ok = e && m && f;
        for (size_t i = 0; ok && i < o->n_encrypt_methods; i++)
                ok = push(m, json_object_new_string(o->encrypt_methods[i]));
        for (size_t i = 0; ok && i < o->n_fallback; i++) {
                json_object *r = json_object_new_object();
                ok = push(f, r) && add(r, "route", json_object_new_string(o->fallback[i].name)) &&
                     add(r, "headers", sg_headers_to_json(o->fallback[i].headers, o->fallback[i].n_headers)) &&
                     add_nullable(r, "subject", o->fallback[i].subject) && add_check(r, &o->fallback[i].check);
        }
        if (ok && add(e, "methods", m)) {
                m = NULL;
                if (add(e, "fallback", f) &&
                    add(e, "ask_before_fallback", json_object_new_boolean(o->ask_before_fallback)))
                        return e;
                f = NULL; /* in e, or freed by add() */
        }
        json_object_put(e);
        json_object_put(m);
        json_object_put(f);
        return NULL;
}

json_object *sg_outcome_to_json(const sg_outcome *o) {
        json_object *r = json_object_new_object();
        if (!r)
                return NULL;
        bool ok = add(r, "action", json_object_new_string(sg_outcome_action_name(o->action))) &&
                  add_nullable(r, "choice", o->choice) && add_nullable(r, "by", o->by) &&
                  add_nullable(r, "justification", o->justification) &&
                  add(r, "headers", sg_headers_to_json(o->headers, o->n_headers)) &&
                  add_nullable(r, "subject", o->subject) && add_nullable(r, "route", o->route);
        if (ok)
                ok = o->action == SG_OUTCOME_ENCRYPT ? add(r, "encrypt", encrypt(o))
                                                     : json_object_object_add(r, "encrypt", NULL) == 0;
        if (ok)
                ok = add(r, "audit", json_object_new_string(sg_audit_outcome_name(o->audit))) &&
                     add_check(r, &o->check);
        /* rules.convert_to_bcc and send.*: null when nothing to do. */
        if (ok && o->n_bcc_moved) {
                json_object *b = json_object_new_object(), *a = json_object_new_array();
                ok = add(r, "bcc", b) && add(b, "move", a) && add_nullable(b, "to_placeholder", o->to_placeholder);
                for (size_t i = 0; ok && i < o->n_bcc_moved; i++)
                        ok = push(a, json_object_new_string(o->bcc_moved[i]));
        } else if (ok) {
                ok = json_object_object_add(r, "bcc", NULL) == 0;
        }
        if (ok && o->delay_seconds) {
                json_object *dl = json_object_new_object();
                ok = add(r, "delay", dl) && add(dl, "seconds", json_object_new_int64((int64_t) o->delay_seconds)) &&
                     add(dl, "skippable", json_object_new_boolean(o->delay_skippable)) &&
                     add(dl, "mode", json_object_new_string(sg_delay_mode_name(o->delay_mode)));
        } else if (ok) {
                ok = json_object_object_add(r, "delay", NULL) == 0;
        }
        if (ok)
                return r;
        json_object_put(r);
        return NULL;
}
