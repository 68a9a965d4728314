/* sealgate: JSON <-> structs for the host protocol and the CLI: the `message` object in, the decision out. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sealgate/codec.h"
#include "sealgate/format.h"
#include "sealgate/json-util.h"
#include "sealgate/keypath.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"

/* Everything a decoded message owns. The arrays are exactly sized: their
 * lengths are known from the JSON before anything is copied. */
struct msg_store {
        char **strs; /* every copied string, freed together */
        size_t n_strs, cap_strs;
        const char **to, **cc, **bcc, **related;
        sg_attachment *attachments;
        sg_header *headers;
        sg_text_part *texts;
};

static void store_free(struct msg_store *s) {
        if (!s)
                return;
        sg_strv_free(s->strs, s->n_strs);
        free(s->to);
        free(s->cc);
        free(s->bcc);
        free(s->related);
        free(s->attachments);
        free(s->headers);
        free(s->texts);
        free(s);
}

void sg_message_buf_clear(sg_message_buf *buf) {
        if (!buf)
                return;
        store_free(buf->priv);
        memset(buf, 0, sizeof *buf);
}

static sg_err expect(json_object *v, json_type t, const char *what, sg_error *err, const char *path) {
        if (json_object_is_type(v, t))
                return SG_OK;
        return sg_error_set(err, SG_ERR_REQUEST, "%s: expected %s, got %s", path, what, sg_json_type_desc(v));
}

/* Copy `src[0..len)` into the store; `max` is its named limit in bytes.
 * `allow_nul` is for the body only, which travels with its length; every
 * other string is used as a C string. */
static sg_err copy_bytes(struct msg_store *s, const char *src, size_t len, size_t max, bool allow_nul, const char **ret,
                         sg_error *err, const char *path) {
        if (len > max)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: longer than %zu bytes", path, max);
        if (!allow_nul && memchr(src, '\0', len))
                return sg_error_set(err, SG_ERR_REQUEST, "%s: contains a NUL character", path);
        if (!sg_utf8_valid(src, len))
                return sg_error_set(err, SG_ERR_UTF8, "%s: not valid UTF-8", path);
        if (s->n_strs == s->cap_strs) {
                size_t ncap = s->cap_strs ? s->cap_strs * 2 : 16;
                char **n = realloc(s->strs, ncap * sizeof *n);
                if (!n)
                        return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", path);
                s->strs = n;
                s->cap_strs = ncap;
        }
        char *copy = malloc(len + 1);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", path);
        memcpy(copy, src, len);
        copy[len] = '\0';
        s->strs[s->n_strs++] = copy;
        *ret = copy;
        return SG_OK;
}

static sg_err copy_string(struct msg_store *s, json_object *v, size_t max, bool allow_nul, const char **ret,
                          size_t *ret_len, sg_error *err, const char *path) {
        sg_err e = expect(v, json_type_string, "a string", err, path);
        if (e)
                return e;
        size_t len = (size_t) json_object_get_string_len(v);
        if ((e = copy_bytes(s, json_object_get_string(v), len, max, allow_nul, ret, err, path)))
                return e;
        if (ret_len)
                *ret_len = len;
        return SG_OK;
}

static sg_err check_keys(json_object *obj, const char *const *allowed, sg_error *err, const char *path) {
        char p[SG_KEYPATH_MESSAGE_MAX];
        if (sg_json_keys_known(obj, allowed, path, SG_KEYPATH_KEY_SHOWN, p, sizeof p))
                return SG_OK;
        return sg_error_set(err, SG_ERR_REQUEST, "%s: unknown key", p);
}

/* One of to/cc/bcc. `total` counts array elements over all three: a first
 * cap only, since one element may hold several mailboxes (the engine counts
 * those precisely). */
static sg_err read_recipients(struct msg_store *s, json_object *arr, const char ***ret, size_t *ret_n, size_t *total,
                              sg_error *err, const char *path) {
        sg_err e = expect(arr, json_type_array, "an array of strings", err, path);
        if (e)
                return e;
        size_t n = json_object_array_length(arr);
        if (n > SG_MSG_RECIPIENTS_MAX - *total)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d recipients (to, cc and bcc together)", path,
                                    SG_MSG_RECIPIENTS_MAX);
        *total += n;
        if (n == 0)
                return SG_OK;
        const char **v = calloc(n, sizeof *v);
        if (!v)
                return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", path);
        *ret = v;
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                char ip[SG_KEYPATH_MESSAGE_MAX];
                sg_keypath_idx(ip, sizeof ip, path, i);
                if ((e = copy_string(s, json_object_array_get_idx(arr, i), SG_ADDR_TEXT_MAX, false, &v[i], NULL, err,
                                     ip)))
                        return e;
        }
        return SG_OK;
}

static sg_err read_attachments(struct msg_store *s, json_object *arr, sg_message *m, sg_error *err) {
        static const char *const keys[] = {"name", "size", "content_type", "alt_name", NULL};
        const char *path = "message.attachments";
        sg_err e = expect(arr, json_type_array, "an array of objects", err, path);
        if (e)
                return e;
        size_t n = json_object_array_length(arr);
        if (n > SG_MSG_ATTACHMENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d attachments", path, SG_MSG_ATTACHMENTS_MAX);
        if (n == 0)
                return SG_OK;
        if (!(s->attachments = calloc(n, sizeof *s->attachments)))
                return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", path);
        m->attachments = s->attachments;
        m->n_attachments = n;
        for (size_t i = 0; i < n; i++) {
                char ip[SG_KEYPATH_MESSAGE_MAX], kp[SG_KEYPATH_MESSAGE_MAX];
                json_object *a = json_object_array_get_idx(arr, i), *v;
                sg_attachment *att = &s->attachments[i];
                sg_keypath_idx(ip, sizeof ip, path, i);
                if ((e = expect(a, json_type_object, "an object", err, ip)) || (e = check_keys(a, keys, err, ip)))
                        return e;
                /* Name and size are what triggers look at: a missing one
                 * must not quietly pass as "" or 0. */
                sg_keypath_key(kp, sizeof kp, ip, "name", SG_KEYPATH_KEY_SHOWN);
                if (!(v = sg_json_member(a, "name")))
                        return sg_error_set(err, SG_ERR_REQUEST, "%s: required", kp);
                if ((e = copy_string(s, v, SG_MSG_NAME_MAX, false, &att->name, NULL, err, kp)))
                        return e;
                sg_keypath_key(kp, sizeof kp, ip, "size", SG_KEYPATH_KEY_SHOWN);
                if (!(v = sg_json_member(a, "size")))
                        return sg_error_set(err, SG_ERR_REQUEST, "%s: required", kp);
                if ((e = expect(v, json_type_int, "an integer", err, kp)))
                        return e;
                /* json-c clamps what does not fit to INT64_MIN/INT64_MAX. */
                int64_t size = json_object_get_int64(v);
                if (size < 0)
                        return sg_error_set(err, SG_ERR_REQUEST, "%s: must not be negative", kp);
                if (size == INT64_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "%s: too large", kp);
                att->size = (uint64_t) size;
                if ((v = sg_json_member(a, "content_type")) && !json_object_is_type(v, json_type_null)) {
                        sg_keypath_key(kp, sizeof kp, ip, "content_type", SG_KEYPATH_KEY_SHOWN);
                        if ((e = copy_string(s, v, SG_MSG_NAME_MAX, false, &att->content_type, NULL, err, kp)))
                                return e;
                }
                if ((v = sg_json_member(a, "alt_name")) && !json_object_is_type(v, json_type_null)) {
                        sg_keypath_key(kp, sizeof kp, ip, "alt_name", SG_KEYPATH_KEY_SHOWN);
                        if ((e = copy_string(s, v, SG_MSG_NAME_MAX, false, &att->alt_name, NULL, err, kp)))
                                return e;
                }
        }
        return SG_OK;
}

/* texts: [{kind, name, text}], the parts beyond the body (sg_text_part). */
static sg_err read_texts(struct msg_store *s, json_object *arr, sg_message *m, sg_error *err) {
        static const char *const keys[] = {"kind", "name", "text", NULL};
        static const char *const kinds[SG_TEXT__MAX] = {"alternative", "attachment", "forwarded_subject",
                                                        "forwarded_body"};
        const char *path = "message.texts";
        sg_err e = expect(arr, json_type_array, "an array of objects", err, path);
        if (e)
                return e;
        size_t n = json_object_array_length(arr);
        if (n > SG_MSG_TEXTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d text parts", path, SG_MSG_TEXTS_MAX);
        if (n == 0)
                return SG_OK;
        if (!(s->texts = calloc(n, sizeof *s->texts)))
                return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", path);
        m->texts = s->texts;
        m->n_texts = n;
        for (size_t i = 0; i < n; i++) {
                char ip[SG_KEYPATH_MESSAGE_MAX], kp[SG_KEYPATH_MESSAGE_MAX];
                json_object *a = json_object_array_get_idx(arr, i), *v;
                sg_text_part *t = &s->texts[i];
                sg_keypath_idx(ip, sizeof ip, path, i);
                if ((e = expect(a, json_type_object, "an object", err, ip)) || (e = check_keys(a, keys, err, ip)))
                        return e;
                sg_keypath_key(kp, sizeof kp, ip, "kind", SG_KEYPATH_KEY_SHOWN);
                const char *k = (v = sg_json_member(a, "kind")) && json_object_is_type(v, json_type_string)
                                        ? json_object_get_string(v)
                                        : NULL;
                size_t kind = 0;
                while (k && kind < SG_TEXT__MAX && strcmp(k, kinds[kind]) != 0)
                        kind++;
                if (!k || kind == SG_TEXT__MAX)
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "%s: expected \"alternative\", \"attachment\", \"forwarded_subject\" or "
                                            "\"forwarded_body\"",
                                            kp);
                t->kind = (sg_text_kind) kind;
                sg_keypath_key(kp, sizeof kp, ip, "text", SG_KEYPATH_KEY_SHOWN);
                if (!(v = sg_json_member(a, "text")))
                        return sg_error_set(err, SG_ERR_REQUEST, "%s: required", kp);
                if ((e = copy_string(s, v, SG_MSG_TEXT_TOTAL_MAX, true, &t->text, &t->len, err, kp)))
                        return e;
                if ((v = sg_json_member(a, "name")) && !json_object_is_type(v, json_type_null)) {
                        sg_keypath_key(kp, sizeof kp, ip, "name", SG_KEYPATH_KEY_SHOWN);
                        if ((e = copy_string(s, v, SG_MSG_NAME_MAX, false, &t->name, NULL, err, kp)))
                                return e;
                }
        }
        return SG_OK;
}

static sg_err read_header(struct msg_store *s, const char *name, json_object *value, sg_header *h, sg_error *err,
                          const char *npath, const char *vpath) {
        const char *n = NULL, *v = NULL;
        sg_err e = copy_bytes(s, name, strlen(name), SG_MSG_HEADER_NAME_MAX, false, &n, err, npath);
        if (e)
                return e;
        if (!n[0])
                return sg_error_set(err, SG_ERR_REQUEST, "%s: must not be empty", npath);
        if ((e = copy_string(s, value, SG_MSG_HEADER_VALUE_MAX, false, &v, NULL, err, vpath)))
                return e;
        /* sg_header is shared with the decision, where it owns its strings:
         * here the store does. */
        h->name = (char *) n;
        h->value = (char *) v;
        return SG_OK;
}

/* Headers as an array of {name, value} (repeats allowed) or an object. */
static sg_err read_headers(struct msg_store *s, json_object *hs, sg_message *m, sg_error *err) {
        static const char *const keys[] = {"name", "value", NULL};
        const char *path = "message.headers";
        bool is_array = json_object_is_type(hs, json_type_array);
        if (!is_array && !json_object_is_type(hs, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "%s: expected an array of {name, value} or an object, got %s",
                                    path, sg_json_type_desc(hs));
        size_t n = is_array ? json_object_array_length(hs) : (size_t) json_object_object_length(hs);
        if (n > SG_MSG_HEADERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d headers", path, SG_MSG_HEADERS_MAX);
        if (n == 0)
                return SG_OK;
        if (!(s->headers = calloc(n, sizeof *s->headers)))
                return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", path);
        m->headers = s->headers;
        m->n_headers = n;
        sg_err e;
        if (!is_array) {
                size_t i = 0;
                json_object_object_foreach(hs, key, val) {
                        char kp[SG_KEYPATH_MESSAGE_MAX];
                        sg_keypath_key(kp, sizeof kp, path, key, SG_KEYPATH_KEY_SHOWN);
                        if ((e = read_header(s, key, val, &s->headers[i++], err, kp, kp)))
                                return e;
                }
                return SG_OK;
        }
        for (size_t i = 0; i < n; i++) {
                char ip[SG_KEYPATH_MESSAGE_MAX], np[SG_KEYPATH_MESSAGE_MAX], vp[SG_KEYPATH_MESSAGE_MAX];
                json_object *h = json_object_array_get_idx(hs, i), *name, *value;
                sg_keypath_idx(ip, sizeof ip, path, i);
                if ((e = expect(h, json_type_object, "an object", err, ip)) || (e = check_keys(h, keys, err, ip)))
                        return e;
                sg_keypath_key(np, sizeof np, ip, "name", SG_KEYPATH_KEY_SHOWN);
                sg_keypath_key(vp, sizeof vp, ip, "value", SG_KEYPATH_KEY_SHOWN);
                if (!(name = sg_json_member(h, "name")))
                        return sg_error_set(err, SG_ERR_REQUEST, "%s: required", np);
                if (!(value = sg_json_member(h, "value")))
                        return sg_error_set(err, SG_ERR_REQUEST, "%s: required", vp);
                if ((e = expect(name, json_type_string, "a string", err, np)))
                        return e;
                /* A NUL inside the name would cut it short unseen. */
                if ((size_t) json_object_get_string_len(name) != strlen(json_object_get_string(name)))
                        return sg_error_set(err, SG_ERR_REQUEST, "%s: contains a NUL character", np);
                if ((e = read_header(s, json_object_get_string(name), value, &s->headers[i], err, np, vp)))
                        return e;
        }
        return SG_OK;
}

/* A JSON null counts as absent: JavaScript callers send null for "none". */
static json_object *present(json_object *obj, const char *key) {
        json_object *v = sg_json_member(obj, key);
        return v && !json_object_is_type(v, json_type_null) ? v : NULL;
}

static sg_err read_message(struct msg_store *s, json_object *obj, sg_message *m, sg_error *err) {
        static const char *const keys[] = {"from",        "to",      "cc",    "bcc",     "subject", "body",
                                           "attachments", "headers", "texts", "related", NULL};
        sg_err e = expect(obj, json_type_object, "an object", err, "message");
        if (e || (e = check_keys(obj, keys, err, "message")))
                return e;
        json_object *v;
        size_t total = 0;
        if ((v = present(obj, "from")) &&
            (e = copy_string(s, v, SG_ADDR_TEXT_MAX, false, &m->from, NULL, err, "message.from")))
                return e;
        if ((v = present(obj, "to")) && (e = read_recipients(s, v, &s->to, &m->n_to, &total, err, "message.to")))
                return e;
        m->to = s->to;
        if ((v = present(obj, "cc")) && (e = read_recipients(s, v, &s->cc, &m->n_cc, &total, err, "message.cc")))
                return e;
        m->cc = s->cc;
        if ((v = present(obj, "bcc")) && (e = read_recipients(s, v, &s->bcc, &m->n_bcc, &total, err, "message.bcc")))
                return e;
        m->bcc = s->bcc;
        if ((v = present(obj, "subject")) &&
            (e = copy_string(s, v, SG_MSG_SUBJECT_MAX, false, &m->subject, NULL, err, "message.subject")))
                return e;
        if ((v = present(obj, "body")) &&
            (e = copy_string(s, v, SG_MSG_BODY_MAX, true, &m->body, &m->body_len, err, "message.body")))
                return e;
        if ((v = present(obj, "attachments")) && (e = read_attachments(s, v, m, err)))
                return e;
        if ((v = present(obj, "headers")) && (e = read_headers(s, v, m, err)))
                return e;
        if ((v = present(obj, "texts")) && (e = read_texts(s, v, m, err)))
                return e;
        /* The original message's address lists (a reply or forward). */
        size_t related_total = SG_MSG_RECIPIENTS_MAX - SG_MSG_RELATED_MAX;
        if ((v = present(obj, "related")) &&
            (e = read_recipients(s, v, &s->related, &m->n_related, &related_total, err, "message.related")))
                return e;
        m->related = s->related;
        return SG_OK;
}

sg_err sg_message_from_json(json_object *obj, sg_message_buf *buf, sg_error *err) {
        if (!buf)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_message_from_json: no buffer");
        memset(buf, 0, sizeof *buf);
        struct msg_store *s = calloc(1, sizeof *s);
        if (!s)
                return sg_error_set(err, SG_ERR_NOMEM, "message: out of memory");
        buf->priv = s;
        sg_err e = read_message(s, obj, &buf->msg, err);
        if (e)
                sg_message_buf_clear(buf);
        return e;
}

/* ---- Decision -> JSON. Each helper returns false on ENOMEM; the caller
 * drops the half-built object. json-c's NULL is JSON null, so values that
 * may legitimately be null go through put_nullable(). */

static bool put(json_object *o, const char *key, json_object *v) {
        if (!v)
                return false;
        if (json_object_object_add(o, key, v) != 0) {
                json_object_put(v);
                return false;
        }
        return true;
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

static bool put_str(json_object *o, const char *key, const char *s) {
        return put(o, key, json_object_new_string(s ? s : ""));
}

static bool put_nullable(json_object *o, const char *key, const char *s) {
        if (!s)
                return json_object_object_add(o, key, NULL) == 0;
        return put_str(o, key, s);
}

static json_object *strv_json(char *const *v, size_t n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < n; i++)
                if (!push(a, json_object_new_string(v[i] ? v[i] : ""))) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

json_object *sg_headers_to_json(const sg_header *h, size_t n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < n; i++) {
                json_object *o = json_object_new_object();
                if (!push(a, o) || !put_str(o, "name", h[i].name) || !put_str(o, "value", h[i].value)) {
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static json_object *recipient_json(const sg_recipient *r) {
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        if (put_str(o, "address", r->mailbox.address) && put_nullable(o, "display_name", r->mailbox.display_name) &&
            put_str(o, "domain", r->mailbox.domain_ascii) && put_str(o, "field", sg_field_name(r->field)) &&
            put_str(o, "class", sg_class_name(r->cls)) && put_str(o, "rule", sg_rule_name(r->rule)) &&
            put_nullable(o, "matched", r->matched) && put_nullable(o, "group", r->mailbox.group) &&
            put(o, "confirm", json_object_new_boolean(r->confirm)) &&
            put(o, "lookalike", json_object_new_boolean(r->lookalike)) &&
            put(o, "to_bcc", json_object_new_boolean(r->to_bcc)))
                return o;
        json_object_put(o);
        return NULL;
}

/* An item as users read it in `lang`: a size with its unit for
 * attachment_size ("12.6 MB"; sg_format_size), else as it is.
 * Formatted here, once in C, so no client writes the rule again. */
static const char *shown_item(const sg_reason *r, size_t i, sg_format_lang lang, char *buf, size_t size) {
        const char *item = r->items[i] ? r->items[i] : "";
        const char *t = sg_format_size_text(buf, size, item, lang);
        return t ? t : item;
}

/* "shown" ({en: [...], ja: [...]}): for attachment_size only. */
static bool reason_has_shown(const sg_reason *r) {
        return r->code == SG_REASON_ATTACHMENT_SIZE;
}

static json_object *shown_json(const sg_reason *r) {
        static const char *const langs[] = {"en", "ja"};
        json_object *o = json_object_new_object();
        for (int l = 0; o && l < 2; l++) {
                json_object *a = json_object_new_array();
                for (size_t i = 0; a && i < r->n_items; i++) {
                        char buf[SG_FORMAT_TEXT_SIZE];
                        json_object *v = json_object_new_string(shown_item(r, i, (sg_format_lang) l, buf, sizeof buf));
                        if (!v || json_object_array_add(a, v) != 0) {
                                json_object_put(v);
                                json_object_put(a);
                                a = NULL;
                        }
                }
                if (!put(o, langs[l], a)) {
                        json_object_put(o);
                        return NULL;
                }
        }
        return o;
}

/* "label" ({en, ja}): the trigger's words for users (triggers[].label),
 * which the prompts show instead of the catalog's sentence. */
static bool put_label(json_object *o, const sg_reason *r) {
        json_object *l = json_object_new_object();
        return l && put(o, "label", l) && put_str(l, "en", r->label_en) && put_str(l, "ja", r->label_ja);
}

static json_object *reason_json(const sg_reason *r) {
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        if (put_str(o, "code", sg_reason_code_name(r->code)) && put_str(o, "action", sg_action_name(r->action)) &&
            put_nullable(o, "trigger", r->trigger) && put_nullable(o, "detail", r->detail) &&
            put(o, "items", strv_json(r->items, r->n_items)) &&
            (!reason_has_shown(r) || put(o, "shown", shown_json(r))) && (!r->label_en || put_label(o, r)))
                return o;
        json_object_put(o);
        return NULL;
}

static json_object *choice_json(const sg_choice *c) {
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        bool ok;
        if (c->kind == SG_CHOICE_ROUTE) {
                /* The id is what the prompt returns and the audit log records. */
                char id[SG_CHOICE_ID_SIZE];
                ok = put_str(o, "id", sg_choice_id(c, id)) && put_str(o, "kind", sg_choice_kind_name(c->kind)) &&
                     put_str(o, "route", c->route) && put(o, "headers", sg_headers_to_json(c->headers, c->n_headers)) &&
                     put_nullable(o, "subject_tag", c->subject_tag);
                if (ok && c->label_en) { /* the route's label for users, when the policy gives one */
                        json_object *l = json_object_new_object();
                        ok = l && put(o, "label", l) && put_str(l, "en", c->label_en) && put_str(l, "ja", c->label_ja);
                }
        } else {
                ok = put_str(o, "id", sg_choice_kind_name(c->kind)) && put_str(o, "kind", sg_choice_kind_name(c->kind));
        }
        if (ok)
                return o;
        json_object_put(o);
        return NULL;
}

typedef json_object *(*item_json)(const void *item);

static json_object *array_of(const void *items, size_t size, size_t n, item_json fn) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < n; i++)
                if (!push(a, fn((const char *) items + i * size))) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

static json_object *recipient_item(const void *p) {
        return recipient_json(p);
}
static json_object *reason_item(const void *p) {
        return reason_json(p);
}
static json_object *choice_item(const void *p) {
        return choice_json(p);
}

/* The id of the choice to take when no prompt can be shown; null unless PROMPT. */
static bool put_fallback(json_object *o, const sg_decision *d) {
        if (d->action != SG_ACTION_PROMPT || d->prompt_fallback >= d->n_choices)
                return json_object_object_add(o, "prompt_fallback", NULL) == 0;
        json_object *c = choice_json(&d->choices[d->prompt_fallback]);
        json_object *id = NULL;
        bool ok = c && json_object_object_get_ex(c, "id", &id) && put(o, "prompt_fallback", json_object_get(id));
        json_object_put(c);
        return ok;
}

/* The id of the choice the prompt selects first; null unless PROMPT with a protective choice. */
static bool put_recommended(json_object *o, const sg_decision *d) {
        if (d->action != SG_ACTION_PROMPT || d->prompt_recommended >= d->n_choices)
                return json_object_object_add(o, "prompt_recommended", NULL) == 0;
        json_object *c = choice_json(&d->choices[d->prompt_recommended]);
        json_object *id = NULL;
        bool ok = c && json_object_object_get_ex(c, "id", &id) && put(o, "prompt_recommended", json_object_get(id));
        json_object_put(c);
        return ok;
}

/* The index of the reason whose rule took "send" out; null when none did. */
static bool put_send_removed(json_object *o, const sg_decision *d) {
        if (d->action != SG_ACTION_PROMPT || d->send_removed_by >= d->n_reasons)
                return json_object_object_add(o, "send_removed_by", NULL) == 0;
        return put(o, "send_removed_by", json_object_new_int64((int64_t) d->send_removed_by));
}

/* Encryption settings go out whenever the decision carries them: with
 * ENCRYPT, and with a PROMPT that offers "encrypt", whose prompt must know
 * what encrypting means here. */
static bool put_encrypt(json_object *o, const sg_decision *d) {
        if (d->action != SG_ACTION_ENCRYPT && d->n_encrypt_methods == 0 && d->n_encrypt_fallback == 0)
                return json_object_object_add(o, "encrypt", NULL) == 0;
        json_object *e = json_object_new_object();
        if (!put(o, "encrypt", e))
                return false;
        return put(e, "methods", strv_json(d->encrypt_methods, d->n_encrypt_methods)) &&
               put(e, "fallback", strv_json(d->encrypt_fallback, d->n_encrypt_fallback));
}

/* The mis-send settings of a decision (docs/protocol.md, "Decision"). */
static json_object *missend_json(const sg_decision *d) {
        json_object *o = json_object_new_object();
        if (o && put_str(o, "confirm", sg_confirm_name(d->confirm)) &&
            put(o, "confirm_attachments", json_object_new_boolean(d->confirm_attachments)) &&
            put(o, "allow_check_all", json_object_new_boolean(d->allow_check_all)) &&
            put(o, "show_sender", json_object_new_boolean(d->show_sender)) &&
            put_str(o, "bcc_mode", sg_bcc_mode_name(d->bcc_mode)) &&
            put_nullable(o, "bcc_placeholder", d->bcc_placeholder) &&
            put(o, "delay_seconds", json_object_new_int64((int64_t) d->delay_seconds)) &&
            put(o, "delay_skippable", json_object_new_boolean(d->delay_skippable)) &&
            put_str(o, "delay_mode", sg_delay_mode_name(d->delay_mode)) && put_nullable(o, "sender", d->sender)) {
                json_object *a = json_object_new_array();
                if (!put(o, "attachments", a))
                        goto fail;
                for (size_t i = 0; i < d->n_attachments; i++) {
                        json_object *e = json_object_new_object();
                        if (!e || json_object_array_add(a, e) != 0) {
                                json_object_put(e);
                                goto fail;
                        }
                        if (!put_str(e, "name", d->attachments[i].name) ||
                            !put(e, "size", json_object_new_int64((int64_t) d->attachments[i].size)) ||
                            !put_nullable(e, "content_type", d->attachments[i].content_type))
                                goto fail;
                }
                return o;
        }
fail:
        json_object_put(o);
        return NULL;
}

json_object *sg_decision_to_json(const sg_decision *d) {
        if (!d)
                return NULL;
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        if (put_str(o, "action", sg_action_name(d->action)) &&
            put(o, "recipients", array_of(d->recipients, sizeof *d->recipients, d->n_recipients, recipient_item)) &&
            put(o, "external_count", json_object_new_int64((int64_t) d->n_external)) &&
            put(o, "external_domain_count", json_object_new_int64((int64_t) d->n_external_domains)) &&
            put(o, "reasons", array_of(d->reasons, sizeof *d->reasons, d->n_reasons, reason_item)) &&
            put(o, "choices", array_of(d->choices, sizeof *d->choices, d->n_choices, choice_item)) &&
            put(o, "require_justification", json_object_new_boolean(d->require_justification)) && put_fallback(o, d) &&
            put_recommended(o, d) && put_send_removed(o, d) && put_nullable(o, "route", d->route) &&
            put(o, "headers", sg_headers_to_json(d->headers, d->n_headers)) &&
            put_nullable(o, "subject_tag", d->subject_tag) && put_encrypt(o, d) &&
            put(o, "prompt_timeout_seconds", json_object_new_int64((int64_t) d->prompt_timeout_seconds)) &&
            put_nullable(o, "justification_header", d->justification_header) && put(o, "missend", missend_json(d)))
                return o;
        json_object_put(o);
        return NULL;
}

/* ---- the same decision written straight into a buffer (sg_jw): every
 * member in sg_decision_to_json's order, with its null/"" conventions. */

/* The keys are string literals of plain characters (sg_jw_key_lit): the
 * helpers take them with their length. */
static void jw_str_n(sg_jw *w, const char *key, size_t kn, const char *s) {
        sg_jw_key_n(w, key, kn);
        sg_jw_string(w, s ? s : "");
}
#define jw_str(w, key, s) jw_str_n((w), "" key "", sizeof(key) - 1, (s))

static void jw_nullable_n(sg_jw *w, const char *key, size_t kn, const char *s) {
        sg_jw_key_n(w, key, kn);
        sg_jw_string(w, s);
}
#define jw_nullable(w, key, s) jw_nullable_n((w), "" key "", sizeof(key) - 1, (s))

static void jw_strv_n(sg_jw *w, const char *key, size_t kn, char *const *v, size_t n) {
        sg_jw_key_n(w, key, kn);
        sg_jw_array_begin(w);
        for (size_t i = 0; i < n; i++)
                sg_jw_string(w, v[i] ? v[i] : "");
        sg_jw_array_end(w);
}
#define jw_strv(w, key, v, n) jw_strv_n((w), "" key "", sizeof(key) - 1, (v), (n))

/* The array of headers, after its key. */
static void jw_header_array(sg_jw *w, const sg_header *h, size_t n) {
        sg_jw_array_begin(w);
        for (size_t i = 0; i < n; i++) {
                sg_jw_object_begin(w);
                jw_str(w, "name", h[i].name);
                jw_str(w, "value", h[i].value);
                sg_jw_object_end(w);
        }
        sg_jw_array_end(w);
}
#define jw_headers(w, key, h, n) (sg_jw_key_lit((w), key), jw_header_array((w), (h), (n)))

void sg_headers_write_json(sg_jw *w, const char *key, const sg_header *h, size_t n) {
        sg_jw_key(w, key);
        jw_header_array(w, h, n);
}

/* A choice's id: "route:NAME" or the kind's name. */
static void jw_choice_id(sg_jw *w, const sg_choice *c) {
        if (c->kind != SG_CHOICE_ROUTE) {
                sg_jw_string(w, sg_choice_kind_name(c->kind));
                return;
        }
        const char *r = c->route ? c->route : "";
        size_t rl = strlen(r), len = 6 + rl + 1;
        char small[128], *id = len <= sizeof small ? small : malloc(len);
        if (!id) {
                w->failed = true;
                return;
        }
        memcpy(id, "route:", 6);
        memcpy(id + 6, r, rl + 1);
        sg_jw_string(w, id);
        if (id != small)
                free(id);
}

void sg_decision_write_json_members(sg_jw *w, const sg_decision *d) {
        jw_str(w, "action", sg_action_name(d->action));
        sg_jw_key_lit(w, "recipients");
        sg_jw_array_begin(w);
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *r = &d->recipients[i];
                sg_jw_object_begin(w);
                jw_str(w, "address", r->mailbox.address);
                jw_nullable(w, "display_name", r->mailbox.display_name);
                jw_str(w, "domain", r->mailbox.domain_ascii);
                jw_str(w, "field", sg_field_name(r->field));
                jw_str(w, "class", sg_class_name(r->cls));
                jw_str(w, "rule", sg_rule_name(r->rule));
                jw_nullable(w, "matched", r->matched);
                jw_nullable(w, "group", r->mailbox.group);
                sg_jw_key_lit(w, "confirm");
                sg_jw_bool(w, r->confirm);
                sg_jw_key_lit(w, "lookalike");
                sg_jw_bool(w, r->lookalike);
                sg_jw_key_lit(w, "to_bcc");
                sg_jw_bool(w, r->to_bcc);
                sg_jw_object_end(w);
        }
        sg_jw_array_end(w);
        sg_jw_key_lit(w, "external_count");
        sg_jw_int(w, (int64_t) d->n_external);
        sg_jw_key_lit(w, "external_domain_count");
        sg_jw_int(w, (int64_t) d->n_external_domains);
        sg_jw_key_lit(w, "reasons");
        sg_jw_array_begin(w);
        for (size_t i = 0; i < d->n_reasons; i++) {
                const sg_reason *r = &d->reasons[i];
                sg_jw_object_begin(w);
                jw_str(w, "code", sg_reason_code_name(r->code));
                jw_str(w, "action", sg_action_name(r->action));
                jw_nullable(w, "trigger", r->trigger);
                jw_nullable(w, "detail", r->detail);
                jw_strv(w, "items", r->items, r->n_items);
                if (reason_has_shown(r)) {
                        sg_jw_key_lit(w, "shown");
                        sg_jw_object_begin(w);
                        for (int l = 0; l < 2; l++) {
                                sg_jw_key_n(w, l ? "ja" : "en", 2);
                                sg_jw_array_begin(w);
                                for (size_t k = 0; k < r->n_items; k++) {
                                        char buf[SG_FORMAT_TEXT_SIZE];
                                        sg_jw_string(w, shown_item(r, k, (sg_format_lang) l, buf, sizeof buf));
                                }
                                sg_jw_array_end(w);
                        }
                        sg_jw_object_end(w);
                }
                if (r->label_en) {
                        sg_jw_key_lit(w, "label");
                        sg_jw_object_begin(w);
                        jw_str(w, "en", r->label_en);
                        jw_str(w, "ja", r->label_ja);
                        sg_jw_object_end(w);
                }
                sg_jw_object_end(w);
        }
        sg_jw_array_end(w);
        sg_jw_key_lit(w, "choices");
        sg_jw_array_begin(w);
        for (size_t i = 0; i < d->n_choices; i++) {
                const sg_choice *c = &d->choices[i];
                sg_jw_object_begin(w);
                sg_jw_key_lit(w, "id");
                jw_choice_id(w, c);
                jw_str(w, "kind", sg_choice_kind_name(c->kind));
                if (c->kind == SG_CHOICE_ROUTE) {
                        jw_str(w, "route", c->route);
                        jw_headers(w, "headers", c->headers, c->n_headers);
                        jw_nullable(w, "subject_tag", c->subject_tag);
                        if (c->label_en) {
                                sg_jw_key_lit(w, "label");
                                sg_jw_object_begin(w);
                                jw_str(w, "en", c->label_en);
                                jw_str(w, "ja", c->label_ja);
                                sg_jw_object_end(w);
                        }
                }
                sg_jw_object_end(w);
        }
        sg_jw_array_end(w);
        sg_jw_key_lit(w, "require_justification");
        sg_jw_bool(w, d->require_justification);
        sg_jw_key_lit(w, "prompt_fallback");
        if (d->action != SG_ACTION_PROMPT || d->prompt_fallback >= d->n_choices)
                sg_jw_null(w);
        else
                jw_choice_id(w, &d->choices[d->prompt_fallback]);
        sg_jw_key_lit(w, "prompt_recommended");
        if (d->action != SG_ACTION_PROMPT || d->prompt_recommended >= d->n_choices)
                sg_jw_null(w);
        else
                jw_choice_id(w, &d->choices[d->prompt_recommended]);
        sg_jw_key_lit(w, "send_removed_by");
        if (d->action != SG_ACTION_PROMPT || d->send_removed_by >= d->n_reasons)
                sg_jw_null(w);
        else
                sg_jw_int(w, (int64_t) d->send_removed_by);
        jw_nullable(w, "route", d->route);
        jw_headers(w, "headers", d->headers, d->n_headers);
        jw_nullable(w, "subject_tag", d->subject_tag);
        sg_jw_key_lit(w, "encrypt");
        if (d->action != SG_ACTION_ENCRYPT && d->n_encrypt_methods == 0 && d->n_encrypt_fallback == 0) {
                sg_jw_null(w);
        } else {
                sg_jw_object_begin(w);
                jw_strv(w, "methods", d->encrypt_methods, d->n_encrypt_methods);
                jw_strv(w, "fallback", d->encrypt_fallback, d->n_encrypt_fallback);
                sg_jw_object_end(w);
        }
        sg_jw_key_lit(w, "prompt_timeout_seconds");
        sg_jw_int(w, (int64_t) d->prompt_timeout_seconds);
        jw_nullable(w, "justification_header", d->justification_header);
        sg_jw_key_lit(w, "missend");
        sg_jw_object_begin(w);
        jw_str(w, "confirm", sg_confirm_name(d->confirm));
        sg_jw_key_lit(w, "confirm_attachments");
        sg_jw_bool(w, d->confirm_attachments);
        sg_jw_key_lit(w, "allow_check_all");
        sg_jw_bool(w, d->allow_check_all);
        sg_jw_key_lit(w, "show_sender");
        sg_jw_bool(w, d->show_sender);
        jw_str(w, "bcc_mode", sg_bcc_mode_name(d->bcc_mode));
        jw_nullable(w, "bcc_placeholder", d->bcc_placeholder);
        sg_jw_key_lit(w, "delay_seconds");
        sg_jw_int(w, (int64_t) d->delay_seconds);
        sg_jw_key_lit(w, "delay_skippable");
        sg_jw_bool(w, d->delay_skippable);
        jw_str(w, "delay_mode", sg_delay_mode_name(d->delay_mode));
        jw_nullable(w, "sender", d->sender);
        sg_jw_key_lit(w, "attachments");
        sg_jw_array_begin(w);
        for (size_t i = 0; i < d->n_attachments; i++) {
                sg_jw_object_begin(w);
                jw_str(w, "name", d->attachments[i].name);
                sg_jw_key_lit(w, "size");
                sg_jw_int(w, (int64_t) d->attachments[i].size);
                jw_nullable(w, "content_type", d->attachments[i].content_type);
                sg_jw_object_end(w);
        }
        sg_jw_array_end(w);
        sg_jw_object_end(w);
}
