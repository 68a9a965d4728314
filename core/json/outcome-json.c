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
                    add(e, "ask_before_fallback", json_object_new_boolean(o->ask_before_fallback)) &&
                    add(e, "split", json_object_new_boolean(o->split)))
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

/* ---- The same through the writer. */

static void jw_check(sg_jw *w, const sg_header *h) {
        sg_jw_key_lit(w, "check");
        if (!h->name) {
                sg_jw_null(w);
                return;
        }
        sg_jw_object_begin(w);
        sg_jw_key_lit(w, "name");
        sg_jw_string(w, h->name);
        sg_jw_key_lit(w, "value");
        sg_jw_string(w, h->value ? h->value : "");
        sg_jw_object_end(w);
}

static void jw_nullable_n(sg_jw *w, const char *key, size_t kn, const char *s) {
        sg_jw_key_n(w, key, kn);
        sg_jw_string(w, s);
}
/* key: a string literal of plain characters (sg_jw_key_lit) */
#define jw_nullable(w, key, s) jw_nullable_n((w), "" key "", sizeof(key) - 1, (s))

void sg_outcome_write_json(sg_jw *w, const sg_outcome *o) {
        sg_jw_object_begin(w);
        jw_nullable(w, "action", sg_outcome_action_name(o->action));
        jw_nullable(w, "choice", o->choice);
        jw_nullable(w, "by", o->by);
        jw_nullable(w, "justification", o->justification);
        sg_headers_write_json(w, "headers", o->headers, o->n_headers);
        jw_nullable(w, "subject", o->subject);
        jw_nullable(w, "route", o->route);
        sg_jw_key_lit(w, "encrypt");
        if (o->action == SG_OUTCOME_ENCRYPT) {
                sg_jw_object_begin(w);
                sg_jw_key_lit(w, "methods");
                sg_jw_array_begin(w);
                for (size_t i = 0; i < o->n_encrypt_methods; i++)
                        sg_jw_string(w, o->encrypt_methods[i] ? o->encrypt_methods[i] : "");
                sg_jw_array_end(w);
                sg_jw_key_lit(w, "fallback");
                sg_jw_array_begin(w);
                for (size_t i = 0; i < o->n_fallback; i++) {
                        sg_jw_object_begin(w);
                        jw_nullable(w, "route", o->fallback[i].name ? o->fallback[i].name : "");
                        sg_headers_write_json(w, "headers", o->fallback[i].headers, o->fallback[i].n_headers);
                        jw_nullable(w, "subject", o->fallback[i].subject);
                        jw_check(w, &o->fallback[i].check);
                        sg_jw_object_end(w);
                }
                sg_jw_array_end(w);
                sg_jw_key_lit(w, "ask_before_fallback");
                sg_jw_bool(w, o->ask_before_fallback);
                sg_jw_key(w, "split");
                sg_jw_bool(w, o->split);
                sg_jw_object_end(w);
        } else {
                sg_jw_null(w);
        }
        jw_nullable(w, "audit", sg_audit_outcome_name(o->audit));
        jw_check(w, &o->check);
        sg_jw_key_lit(w, "bcc");
        if (o->n_bcc_moved) {
                sg_jw_object_begin(w);
                sg_jw_key_lit(w, "move");
                sg_jw_array_begin(w);
                for (size_t i = 0; i < o->n_bcc_moved; i++)
                        sg_jw_string(w, o->bcc_moved[i] ? o->bcc_moved[i] : "");
                sg_jw_array_end(w);
                jw_nullable(w, "to_placeholder", o->to_placeholder);
                sg_jw_object_end(w);
        } else {
                sg_jw_null(w);
        }
        sg_jw_key_lit(w, "delay");
        if (o->delay_seconds) {
                sg_jw_object_begin(w);
                sg_jw_key_lit(w, "seconds");
                sg_jw_int(w, (int64_t) o->delay_seconds);
                sg_jw_key_lit(w, "skippable");
                sg_jw_bool(w, o->delay_skippable);
                jw_nullable(w, "mode", sg_delay_mode_name(o->delay_mode));
                sg_jw_object_end(w);
        } else {
                sg_jw_null(w);
        }
        sg_jw_object_end(w);
}
