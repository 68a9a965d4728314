/* sealgate-prompt: parse and check the decision (json-c), and build the
 * localised texts the window shows. No GTK. */
#include "prompt-model.h"
#include "prompt-confirm-model.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prompt-i18n.h"
#include "prompt-reason-texts.h"
#include "sealgate/json-util.h"
#include "sealgate/outcome.h"

/* ---- Parsing ------------------------------------------------------------ */

static void recipient_clear(sg_prompt_recipient *r) {
        g_free(r->address);
        g_free(r->display_name);
        g_free(r->domain);
}

static void reason_clear(sg_prompt_reason *r) {
        g_free(r->code);
        g_free(r->label[0]);
        g_free(r->label[1]);
        g_free(r->detail);
        g_free(r->trigger);
        for (size_t i = 0; i < r->n_items; i++)
                g_free(r->items[i]);
        g_free(r->items);
}

static void choice_clear(sg_prompt_choice *c) {
        g_free(c->id);
        g_free(c->route);
        g_free(c->label[0]);
        g_free(c->label[1]);
}

sg_prompt_model *sg_prompt_model_free(sg_prompt_model *m) {
        if (!m)
                return NULL;
        g_free(m->subject);
        for (size_t i = 0; i < m->n_recipients; i++)
                recipient_clear(&m->recipients[i]);
        g_free(m->recipients);
        for (size_t i = 0; i < m->n_reasons; i++)
                reason_clear(&m->reasons[i]);
        g_free(m->reasons);
        for (size_t i = 0; i < m->n_choices; i++)
                choice_clear(&m->choices[i]);
        g_free(m->choices);
        sg_prompt_confirm_free(m->confirm);
        g_free(m);
        return NULL;
}

/* A member `key` of object `o`, at key path `path`; sets *ret to the object
 * or NULL when absent. */
static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(o, key, &v))
                return NULL;
        return v;
}

/* Copy a string member. `nullable`: null or absent gives *ret = NULL;
 * otherwise the member must be present and a string. */
static sg_err get_string(json_object *o, const char *key, const char *path, bool nullable, char **ret, sg_error *err) {
        json_object *v = NULL;
        bool present = json_object_object_get_ex(o, key, &v);
        *ret = NULL;
        if (!present || json_object_is_type(v, json_type_null)) {
                if (nullable)
                        return SG_OK;
                if (!present)
                        return sg_error_set(err, SG_ERR_REQUEST, "%s%s%s: missing", path, *path ? "." : "", key);
        }
        if (!json_object_is_type(v, json_type_string))
                return sg_error_set(err, SG_ERR_REQUEST, "%s%s%s: expected a string%s, got %s", path, *path ? "." : "",
                                    key, nullable ? " or null" : "", sg_json_type_desc(v));
        size_t len = (size_t) json_object_get_string_len(v);
        const char *s = json_object_get_string(v);
        if (len > SG_PROMPT_STRING_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "%s%s%s: longer than %d bytes (%zu)", path, *path ? "." : "",
                                    key, SG_PROMPT_STRING_MAX, len);
        if (strlen(s) != len)
                return sg_error_set(err, SG_ERR_REQUEST, "%s%s%s: contains a NUL character", path, *path ? "." : "",
                                    key);
        if (!(*ret = g_strndup(s, len)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        return SG_OK;
}

static sg_err get_array(json_object *o, const char *key, const char *path, size_t max, json_object **ret,
                        sg_error *err) {
        json_object *v = member(o, key);
        if (!v)
                return sg_error_set(err, SG_ERR_REQUEST, "%s%s%s: missing", path, *path ? "." : "", key);
        if (!json_object_is_type(v, json_type_array))
                return sg_error_set(err, SG_ERR_REQUEST, "%s%s%s: expected an array, got %s", path, *path ? "." : "",
                                    key, sg_json_type_desc(v));
        size_t n = json_object_array_length(v);
        if (n > max)
                return sg_error_set(err, SG_ERR_LIMIT, "%s%s%s: more than %zu entries (%zu)", path, *path ? "." : "",
                                    key, max, n);
        *ret = v;
        return SG_OK;
}

static sg_err element_object(json_object *a, size_t i, const char *key, json_object **ret, sg_error *err) {
        json_object *v = json_object_array_get_idx(a, i);
        *ret = NULL;
        if (!json_object_is_type(v, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "%s[%zu]: expected an object, got %s", key, i,
                                    sg_json_type_desc(v));
        *ret = v;
        return SG_OK;
}

static sg_err parse_recipient(json_object *o, const char *path, sg_prompt_recipient *r, sg_error *err) {
        char *field = NULL, *cls = NULL;
        sg_err e;
        if ((e = get_string(o, "address", path, false, &r->address, err)) ||
            (e = get_string(o, "display_name", path, true, &r->display_name, err)) ||
            (e = get_string(o, "domain", path, false, &r->domain, err)) ||
            (e = get_string(o, "field", path, false, &field, err)) ||
            (e = get_string(o, "class", path, false, &cls, err)))
                goto out;
        r->field = SG_FIELD__MAX;
        for (int f = 0; f < SG_FIELD__MAX; f++)
                if (strcmp(field, sg_field_name((sg_field) f)) == 0)
                        r->field = (sg_field) f;
        if (r->field == SG_FIELD__MAX) {
                e = sg_error_set(err, SG_ERR_REQUEST, "%s.field: expected \"to\", \"cc\" or \"bcc\", got \"%.40s\"",
                                 path, field);
                goto out;
        }
        if (strcmp(cls, "external") == 0)
                r->external = true;
        else if (strcmp(cls, "internal") != 0)
                e = sg_error_set(err, SG_ERR_REQUEST, "%s.class: expected \"internal\" or \"external\", got \"%.40s\"",
                                 path, cls);
out:
        g_free(field);
        g_free(cls);
        return e;
}

/* "label": {"en": …, "ja": …}, the policy's words for users (a route's or a
 * trigger's); absent or null leaves both NULL. */
static sg_err parse_label(json_object *o, const char *path, char *label[2], sg_error *err) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(o, "label", &v) || json_object_is_type(v, json_type_null))
                return SG_OK;
        char lpath[96];
        snprintf(lpath, sizeof lpath, "%s.label", path);
        if (!json_object_is_type(v, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "%s: expected an object, got %s", lpath, sg_json_type_desc(v));
        sg_err e;
        if ((e = get_string(v, "en", lpath, false, &label[0], err)) ||
            (e = get_string(v, "ja", lpath, false, &label[1], err)))
                return e;
        return SG_OK;
}

static sg_err parse_reason(json_object *o, const char *path, sg_prompt_reason *r, sg_error *err) {
        sg_err e;
        json_object *items = NULL;
        if ((e = get_string(o, "code", path, false, &r->code, err)) ||
            (e = get_string(o, "detail", path, true, &r->detail, err)) ||
            (e = get_string(o, "trigger", path, true, &r->trigger, err)) ||
            (e = get_array(o, "items", path, SG_PROMPT_ITEMS_MAX, &items, err)) ||
            (e = parse_label(o, path, r->label, err)))
                return e;
        if (!*r->code)
                return sg_error_set(err, SG_ERR_REQUEST, "%s.code: empty", path);
        for (int c = 0; c < SG_REASON__MAX; c++)
                if (strcmp(r->code, sg_reason_code_name((sg_reason_code) c)) == 0) {
                        r->known = true;
                        r->rc = (sg_reason_code) c;
                }
        size_t n = json_object_array_length(items);
        r->items = g_new0(char *, n + 1);
        for (size_t i = 0; i < n; i++) {
                json_object *v = json_object_array_get_idx(items, i);
                if (!json_object_is_type(v, json_type_string))
                        return sg_error_set(err, SG_ERR_REQUEST, "%s.items[%zu]: expected a string, got %s", path, i,
                                            sg_json_type_desc(v));
                size_t len = (size_t) json_object_get_string_len(v);
                if (len > SG_PROMPT_STRING_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "%s.items[%zu]: longer than %d bytes (%zu)", path, i,
                                            SG_PROMPT_STRING_MAX, len);
                if (strlen(json_object_get_string(v)) != len)
                        return sg_error_set(err, SG_ERR_REQUEST, "%s.items[%zu]: contains a NUL character", path, i);
                r->items[r->n_items++] = g_strndup(json_object_get_string(v), len);
        }
        return SG_OK;
}

static bool route_name_ok(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > SG_POLICY_NAME_MAX)
                return false;
        for (; *s; s++)
                if (!g_ascii_isalnum(*s) && *s != '_' && *s != '.' && *s != '-')
                        return false;
        return true;
}

static sg_err parse_choice(json_object *o, const char *path, sg_prompt_choice *c, sg_error *err) {
        char *kind = NULL, *tag = NULL;
        sg_err e;
        json_object *headers = NULL;
        if ((e = get_string(o, "id", path, false, &c->id, err)) || (e = get_string(o, "kind", path, false, &kind, err)))
                goto out;
        if (!sg_choice_kind_from_name(kind, &c->kind)) {
                e = sg_error_set(err, SG_ERR_REQUEST,
                                 "%s.kind: expected \"encrypt\", \"route\", \"send\" or \"cancel\", got \"%.40s\"",
                                 path, kind);
                goto out;
        }
        if (c->kind != SG_CHOICE_ROUTE) {
                if (strcmp(c->id, kind) != 0)
                        e = sg_error_set(err, SG_ERR_REQUEST, "%s.id: expected \"%s\" for kind \"%s\"", path, kind,
                                         kind);
                goto out;
        }
        if ((e = get_string(o, "route", path, false, &c->route, err)) ||
            (e = get_array(o, "headers", path, SG_PROMPT_HEADERS_MAX, &headers, err)) ||
            (e = get_string(o, "subject_tag", path, true, &tag, err)))
                goto out;
        if (!route_name_ok(c->route)) {
                e = sg_error_set(err, SG_ERR_REQUEST, "%s.route: not a route name ([A-Za-z0-9_.-], 1 to %d)", path,
                                 SG_POLICY_NAME_MAX);
                goto out;
        }
        if ((e = parse_label(o, path, c->label, err)))
                goto out;
        sg_choice named = {.kind = SG_CHOICE_ROUTE, .route = c->route};
        if (!sg_choice_is(&named, c->id)) {
                e = sg_error_set(err, SG_ERR_REQUEST, "%s.id: expected \"route:%s\"", path, c->route);
                goto out;
        }
        for (size_t i = 0; i < json_object_array_length(headers); i++) {
                json_object *h = json_object_array_get_idx(headers, i);
                char hpath[96];
                snprintf(hpath, sizeof hpath, "%s.headers[%zu]", path, i);
                if (!json_object_is_type(h, json_type_object)) {
                        e = sg_error_set(err, SG_ERR_REQUEST, "%s: expected an object, got %s", hpath,
                                         sg_json_type_desc(h));
                        goto out;
                }
                char *name = NULL, *value = NULL;
                e = get_string(h, "name", hpath, false, &name, err);
                if (!e)
                        e = get_string(h, "value", hpath, false, &value, err);
                g_free(name);
                g_free(value);
                if (e)
                        goto out;
        }
out:
        g_free(kind);
        g_free(tag);
        return e;
}

static sg_err parse_object(json_object *root, sg_prompt_model *m, sg_error *err) {
        sg_err e;
        char *action = NULL, *attempt = NULL;
        json_object *a = NULL, *v = NULL;
        char path[64];

        if ((e = get_string(root, "action", "", false, &action, err)))
                return e;
        bool prompt = strcmp(action, "prompt") == 0;
        if (!prompt)
                e = sg_error_set(err, SG_ERR_REQUEST, "action: expected \"prompt\", got \"%.40s\"", action);
        g_free(action);
        if (e)
                return e;
        if ((e = get_string(root, "subject", "", true, &m->subject, err)) ||
            (e = get_string(root, "attempt", "", true, &attempt, err)))
                return e;
        g_free(attempt);
        if ((v = member(root, "prompt_timeout_seconds")) && !json_object_is_type(v, json_type_int))
                return sg_error_set(err, SG_ERR_REQUEST, "prompt_timeout_seconds: expected an integer, got %s",
                                    sg_json_type_desc(v));

        if ((e = get_array(root, "recipients", "", SG_PROMPT_RECIPIENTS_MAX, &a, err)))
                return e;
        m->recipients = g_new0(sg_prompt_recipient, json_object_array_length(a) + 1);
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *o;
                if ((e = element_object(a, i, "recipients", &o, err)))
                        return e;
                snprintf(path, sizeof path, "recipients[%zu]", i);
                e = parse_recipient(o, path, &m->recipients[i], err);
                m->n_recipients++;
                if (e)
                        return e;
                if (m->recipients[i].external)
                        m->n_external++;
        }

        if ((e = get_array(root, "reasons", "", SG_PROMPT_REASONS_MAX, &a, err)))
                return e;
        m->reasons = g_new0(sg_prompt_reason, json_object_array_length(a) + 1);
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *o;
                if ((e = element_object(a, i, "reasons", &o, err)))
                        return e;
                snprintf(path, sizeof path, "reasons[%zu]", i);
                e = parse_reason(o, path, &m->reasons[i], err);
                m->n_reasons++;
                if (e)
                        return e;
        }

        if ((e = get_array(root, "choices", "", SG_PROMPT_CHOICES_MAX, &a, err)))
                return e;
        m->choices = g_new0(sg_prompt_choice, json_object_array_length(a) + 1);
        bool have_cancel = false;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *o;
                if ((e = element_object(a, i, "choices", &o, err)))
                        return e;
                snprintf(path, sizeof path, "choices[%zu]", i);
                e = parse_choice(o, path, &m->choices[i], err);
                m->n_choices++;
                if (e)
                        return e;
                if (sg_prompt_model_find_choice(m, m->choices[i].id) != (int) i)
                        return sg_error_set(err, SG_ERR_REQUEST, "%s.id: \"%s\" given twice", path, m->choices[i].id);
                if (m->choices[i].kind == SG_CHOICE_CANCEL) {
                        have_cancel = true;
                        m->cancel = i;
                }
        }
        if (!have_cancel)
                return sg_error_set(err, SG_ERR_REQUEST, "choices: no \"cancel\" choice");
        /* preselect: the choice made before Send in Thunderbird's compose
         * window (the host passes only one the decision offers). */
        m->preselect = -1;
        if (member(root, "preselect")) {
                char *pre = NULL;
                if ((e = get_string(root, "preselect", "", true, &pre, err)))
                        return e;
                m->preselect = pre ? sg_prompt_model_find_choice(m, pre) : -1;
                g_free(pre);
        }

        /* prompt_recommended: the policy's recommended choice (a choice
         * removed for this message, or an older host: the first protective). */
        m->recommended = -1;
        if (member(root, "prompt_recommended")) {
                char *rec = NULL;
                if ((e = get_string(root, "prompt_recommended", "", true, &rec, err)))
                        return e;
                m->recommended = rec ? sg_prompt_model_find_choice(m, rec) : -1;
                g_free(rec);
                if (m->recommended >= 0 && m->choices[m->recommended].kind != SG_CHOICE_ENCRYPT &&
                    m->choices[m->recommended].kind != SG_CHOICE_ROUTE)
                        return sg_error_set(err, SG_ERR_REQUEST, "prompt_recommended: not a protective choice");
        }
        for (size_t i = 0; i < m->n_choices && m->recommended < 0; i++)
                if (m->choices[i].kind == SG_CHOICE_ENCRYPT || m->choices[i].kind == SG_CHOICE_ROUTE)
                        m->recommended = (int) i;

        if (member(root, "notes")) {
                if ((e = get_array(root, "notes", "", SG_PROMPT_NOTES_MAX, &a, err)))
                        return e;
                for (size_t i = 0; i < json_object_array_length(a); i++) {
                        json_object *o, *cv;
                        char *code = NULL;
                        if ((e = element_object(a, i, "notes", &o, err)))
                                return e;
                        snprintf(path, sizeof path, "notes[%zu]", i);
                        if ((e = get_string(o, "code", path, false, &code, err)))
                                return e;
                        sg_offer_note n = SG_NOTE_NONE;
                        for (int k = 1; k < SG_NOTE__MAX; k++)
                                if (strcmp(code, sg_offer_note_name((sg_offer_note) k)) == 0)
                                        n = (sg_offer_note) k;
                        g_free(code);
                        cv = member(o, "count");
                        if (!cv || !json_object_is_type(cv, json_type_int) || json_object_get_int64(cv) < 0 ||
                            json_object_get_int64(cv) > SG_PROMPT_RECIPIENTS_MAX)
                                return sg_error_set(err, SG_ERR_REQUEST, "%s.count: expected 0 to %d", path,
                                                    SG_PROMPT_RECIPIENTS_MAX);
                        if (n == SG_NOTE_NONE || n == SG_NOTE_SEND_NOT_ALLOWED)
                                continue; /* a note of a newer host: no sentence here; send_not_allowed
                                             comes from send_removed_by only */
                        m->notes[m->n_notes] = n;
                        m->note_counts[m->n_notes++] = (size_t) json_object_get_int64(cv);
                }
        }

        /* send_removed_by: the reason whose policy rule took "send" out;
         * the prompt says which rule and why in one line. */
        if ((v = member(root, "send_removed_by"))) {
                if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
                    (uint64_t) json_object_get_int64(v) >= m->n_reasons)
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "send_removed_by: expected null or a reason index "
                                            "(0 to the number of reasons - 1)");
                m->notes[m->n_notes] = SG_NOTE_SEND_NOT_ALLOWED;
                m->note_counts[m->n_notes++] = (size_t) json_object_get_int64(v);
        }

        if (!(v = member(root, "require_justification")))
                return sg_error_set(err, SG_ERR_REQUEST, "require_justification: missing");
        if (!json_object_is_type(v, json_type_boolean))
                return sg_error_set(err, SG_ERR_REQUEST, "require_justification: expected a boolean, got %s",
                                    sg_json_type_desc(v));
        m->require_justification = json_object_get_boolean(v);
        return sg_prompt_confirm_parse(root, &m->confirm, err);
}

sg_err sg_prompt_model_parse(const char *data, size_t len, sg_prompt_model **ret, sg_error *err) {
        if (len > SG_PROMPT_INPUT_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "input: more than %u bytes", SG_PROMPT_INPUT_MAX);
        if (!g_utf8_validate(data, (gssize) len, NULL))
                return sg_error_set(err, SG_ERR_UTF8, "input: not valid UTF-8");
        json_tokener *tok = json_tokener_new_ex(SG_PROMPT_JSON_DEPTH);
        if (!tok)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        json_object *root = json_tokener_parse_ex(tok, data, (int) len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t used = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!root || jerr != json_tokener_success) {
                json_object_put(root);
                if (jerr == json_tokener_error_depth)
                        return sg_error_set(err, SG_ERR_LIMIT, "input: JSON nested deeper than %d",
                                            SG_PROMPT_JSON_DEPTH);
                return sg_error_set(err, SG_ERR_JSON, "input: not JSON (%s)",
                                    jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr));
        }
        for (size_t i = used; i < len; i++)
                if (!g_ascii_isspace(data[i])) {
                        json_object_put(root);
                        return sg_error_set(err, SG_ERR_JSON, "input: text after the JSON object");
                }
        if (!json_object_is_type(root, json_type_object)) {
                sg_err e = sg_error_set(err, SG_ERR_REQUEST, "input: expected a JSON object, got %s",
                                        sg_json_type_desc(root));
                json_object_put(root);
                return e;
        }
        sg_prompt_model *m = g_new0(sg_prompt_model, 1);
        sg_err e = parse_object(root, m, err);
        json_object_put(root);
        if (e) {
                sg_prompt_model_free(m);
                return e;
        }
        *ret = m;
        return SG_OK;
}

int sg_prompt_model_find_choice(const sg_prompt_model *m, const char *id) {
        for (size_t i = 0; id && i < m->n_choices; i++)
                if (m->choices[i].id && strcmp(m->choices[i].id, id) == 0)
                        return (int) i;
        return -1;
}

/* ---- Texts -------------------------------------------------------------- */

const char *sg_prompt_title(void) {
        return _("Sending outside the organisation");
}

/* At most `max` characters of `s`, with "…" when cut. */
static char *shorten(const char *s, long max) {
        if (g_utf8_strlen(s, -1) <= max)
                return g_strdup(s);
        char *head = g_utf8_substring(s, 0, max - 1);
        char *r = g_strconcat(head, "…", NULL);
        g_free(head);
        return r;
}

char *sg_prompt_lead(const sg_prompt_model *m) {
        (void) m;
        return g_strdup(_("This message is going to recipients outside the organisation."));
}

char *sg_prompt_subject_line(const sg_prompt_model *m) {
        if (!m->subject || !*m->subject)
                return NULL;
        char *s = shorten(m->subject, 200);
        char *r = g_strdup_printf(_("Subject: %s"), s);
        g_free(s);
        return r;
}

static size_t external_domain_count(const sg_prompt_model *m) {
        GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; i < m->n_recipients; i++)
                if (m->recipients[i].external)
                        g_hash_table_add(seen, m->recipients[i].domain);
        size_t n = g_hash_table_size(seen);
        g_hash_table_destroy(seen);
        return n;
}

char *sg_prompt_external_heading(const sg_prompt_model *m) {
        size_t nd = external_domain_count(m);
        char *a = g_strdup_printf(ngettext("%zu address", "%zu addresses", m->n_external), m->n_external);
        char *d = g_strdup_printf(ngettext("%zu domain", "%zu domains", nd), nd);
        char *r = g_strdup_printf(_("External recipients (%s, %s)"), a, d);
        g_free(a);
        g_free(d);
        return r;
}

/* "a, b, c and 4 more" with the locale's separator; items shortened. */
static char *join_items(char *const *items, size_t n) {
        GString *s = g_string_new(NULL);
        size_t shown = n < SG_PROMPT_ITEMS_SHOWN ? n : SG_PROMPT_ITEMS_SHOWN;
        for (size_t i = 0; i < shown; i++) {
                char *it = shorten(items[i], SG_PROMPT_ITEM_CHARS);
                if (i)
                        g_string_append(s, C_("list separator", ", "));
                g_string_append(s, it);
                g_free(it);
        }
        if (n > shown)
                g_string_append_printf(s, ngettext(" and %zu more", " and %zu more", n - shown), n - shown);
        return g_string_free(s, FALSE);
}

char *sg_prompt_internal_summary(const sg_prompt_model *m) {
        size_t n = m->n_recipients - m->n_external;
        if (n == 0)
                return NULL;
        if (n > SG_PROMPT_INTERNAL_LISTED)
                return g_strdup_printf(ngettext("Also to %zu internal recipient", "Also to %zu internal recipients", n),
                                       n);
        char *v[SG_PROMPT_INTERNAL_LISTED + 1] = {0};
        size_t k = 0;
        for (size_t i = 0; i < m->n_recipients && k < SG_PROMPT_INTERNAL_LISTED; i++)
                if (!m->recipients[i].external)
                        v[k++] = m->recipients[i].address;
        char *list = join_items(v, k);
        char *r = g_strdup_printf(_("Also to internal recipients: %s"), list);
        g_free(list);
        return r;
}

static const char *field_word(sg_field f) {
        switch (f) {
        case SG_FIELD_CC:
                return C_("recipient field", "Cc");
        case SG_FIELD_BCC:
                return C_("recipient field", "Bcc");
        default:
                return C_("recipient field", "To");
        }
}

void sg_prompt_rows_free(sg_prompt_row *rows, size_t n) {
        for (size_t i = 0; rows && i < n; i++)
                g_free(rows[i].text);
        g_free(rows);
}

sg_err sg_prompt_external_rows(const sg_prompt_model *m, sg_prompt_row **ret_rows, size_t *ret_n) {
        /* Domains in order of first appearance, each with its recipients. */
        GHashTable *index = g_hash_table_new(g_str_hash, g_str_equal);
        GPtrArray *groups = g_ptr_array_new_with_free_func((GDestroyNotify) g_array_unref);
        GPtrArray *names = g_ptr_array_new();
        for (size_t i = 0; i < m->n_recipients; i++) {
                const sg_prompt_recipient *r = &m->recipients[i];
                if (!r->external)
                        continue;
                gpointer slot;
                if (!g_hash_table_lookup_extended(index, r->domain, NULL, &slot)) {
                        slot = GUINT_TO_POINTER(groups->len);
                        g_hash_table_insert(index, r->domain, slot);
                        g_ptr_array_add(groups, g_array_new(FALSE, FALSE, sizeof(size_t)));
                        g_ptr_array_add(names, r->domain);
                }
                g_array_append_val((GArray *) groups->pdata[GPOINTER_TO_UINT(slot)], i);
        }
        size_t n = groups->len + m->n_external, k = 0;
        sg_prompt_row *rows = g_new0(sg_prompt_row, n + 1);
        for (guint g = 0; g < groups->len; g++) {
                GArray *members = groups->pdata[g];
                rows[k].heading = true;
                rows[k++].text =
                        g_strdup_printf(C_("domain heading", "%s (%u)"), (const char *) names->pdata[g], members->len);
                for (guint j = 0; j < members->len; j++) {
                        const sg_prompt_recipient *r = &m->recipients[g_array_index(members, size_t, j)];
                        char *who = r->display_name && *r->display_name
                                            ? g_strdup_printf("%s <%s>", r->display_name, r->address)
                                            : g_strdup(r->address);
                        rows[k++].text = g_strdup_printf(C_("recipient row", "%s: %s"), field_word(r->field), who);
                        g_free(who);
                }
        }
        g_ptr_array_unref(groups);
        g_ptr_array_unref(names);
        g_hash_table_destroy(index);
        *ret_rows = rows;
        *ret_n = k;
        return SG_OK;
}

/* A decimal byte count from the engine, shown as "12.6 MB" / "90 バイト" by
 * the one formatter every client uses (sealgate/format.h), in the language
 * of the prompt's texts. */
static char *size_text(const char *item) {
        char buf[SG_FORMAT_TEXT_SIZE];
        /* The catalog's own language: "ja" where the Japanese catalog is in use. */
        sg_format_lang lang = sg_format_lang_from_locale(C_("language code", "en"));
        const char *t = sg_format_size_text(buf, sizeof(buf), item, lang);
        return g_strdup(t ? t : item);
}

char *sg_prompt_fill(const char *fmt, const char *a1, const char *a2) {
        GString *out = g_string_new(NULL);
        int next = 1;
        for (const char *p = fmt; *p; p++) {
                if (*p != '%') {
                        g_string_append_c(out, *p);
                } else if (p[1] == '%') {
                        g_string_append_c(out, '%');
                        p++;
                } else if (p[1] == 's') {
                        g_string_append(out, next++ == 1 ? a1 : a2);
                        p++;
                } else if ((p[1] == '1' || p[1] == '2') && p[2] == '$' && p[3] == 's') {
                        g_string_append(out, p[1] == '1' ? a1 : a2);
                        p += 3;
                } else {
                        g_string_append_c(out, *p);
                }
        }
        return g_string_free(out, FALSE);
}

char *sg_prompt_reason_text_for(sg_reason_code code, char *const *items, size_t n) {
        const char *name = sg_reason_code_name(code);
        const struct sg_prompt_reason_msgid *m = NULL;
        for (size_t i = 0; i < G_N_ELEMENTS(sg_prompt_reason_msgids) && !m; i++)
                if (strcmp(sg_prompt_reason_msgids[i].code, name) == 0)
                        m = &sg_prompt_reason_msgids[i];
        if (!m)
                return NULL;
        /* Sentences about evidence need some: without, let the caller fall back. */
        if (n == 0 && strchr(m->one, '%'))
                return NULL;
        const char *fmt = m->other ? ngettext(m->one, m->other, n) : _(m->one);
        char *count = g_strdup_printf("%zu", n);
        char *list = code == SG_REASON_ATTACHMENT_SIZE && n > 0 ? size_text(items[0]) : join_items(items, n);
        char *r = sg_prompt_fill(fmt, count, list);
        g_free(count);
        g_free(list);
        return r;
}

/* Index of the prompt's language in a policy label: 1 (ja) where the
 * Japanese catalog is in use, else 0 (en). */
static int label_lang(void) {
        return sg_format_lang_from_locale(C_("language code", "en")) == SG_FORMAT_JA;
}

char *sg_prompt_reason_text(const sg_prompt_reason *r) {
        /* The policy's words for its trigger, when it gives them (triggers[].label). */
        if (r->label[label_lang()])
                return g_strdup(r->label[label_lang()]);
        char *s = r->known ? sg_prompt_reason_text_for(r->rc, r->items, r->n_items) : NULL;
        if (s)
                return s;
        return shorten(r->detail && *r->detail ? r->detail : r->code, 300);
}

char *sg_prompt_note_text(const sg_prompt_model *m, size_t i) {
        if (i >= m->n_notes)
                return NULL;
        size_t n = m->note_counts[i];
        switch (m->notes[i]) {
        case SG_NOTE_ENCRYPT_NO_IDENTITY:
                return g_strdup(_("“Encrypt and send” is not offered: your sending identity has no certificate or key "
                                  "for encryption."));
        case SG_NOTE_ENCRYPT_NOT_READY:
                return g_strdup_printf(ngettext("“Encrypt and send” is not offered: %zu recipient has no certificate "
                                                "or key.",
                                                "“Encrypt and send” is not offered: %zu recipients have no "
                                                "certificate or key.",
                                                n),
                                       n);
        case SG_NOTE_ENCRYPT_UNKNOWN:
                return g_strdup(_("“Encrypt and send” is not offered: whether the recipients can receive encrypted "
                                  "mail cannot be checked now."));
        case SG_NOTE_SEND_NOT_ALLOWED: {
                if (n >= m->n_reasons)
                        return NULL;
                const sg_prompt_reason *r = &m->reasons[n];
                char *why = sg_prompt_reason_text(r);
                char *s = sg_prompt_fill(_("“Send without encryption” is not offered: the policy rule “%s” does not "
                                           "allow it for this message. Why: %s"),
                                         r->trigger ? r->trigger : r->code, why);
                g_free(why);
                return s;
        }
        default:
                return NULL;
        }
}

char *sg_prompt_choice_label(const sg_prompt_choice *c) {
        switch (c->kind) {
        case SG_CHOICE_ENCRYPT:
                return g_strdup(_("_Encrypt and send"));
        case SG_CHOICE_SEND:
                return g_strdup(_("Send _without encryption"));
        case SG_CHOICE_CANCEL:
                return g_strdup(_("_Back to editing"));
        default:
                break;
        }
        /* The policy's own words for this route, in the prompt's language. */
        const char *label = c->label[label_lang()];
        if (label) {
                char **parts = g_strsplit(label, "_", -1); /* no mnemonic from the label's own "_" */
                char *r = g_strjoinv("__", parts);
                g_strfreev(parts);
                return r;
        }
        if (strcmp(c->route, "portal") == 0)
                return g_strdup(_("Send through the secure _portal"));
        if (strcmp(c->route, "smime") == 0)
                return g_strdup(_("Encrypt at the gateway (_S/MIME)"));
        if (strcmp(c->route, "pgp") == 0)
                return g_strdup(_("Encrypt at the gateway (_OpenPGP)"));
        if (strcmp(c->route, "zip") == 0)
                return g_strdup(_("Send attachments as an encrypted _ZIP"));
        /* Route names are [A-Za-z0-9_.-]: escape "_" so it is no mnemonic. */
        char **parts = g_strsplit(c->route, "_", -1);
        char *name = g_strjoinv("__", parts);
        g_strfreev(parts);
        char *r = g_strdup_printf(_("Send via the gateway (“%s”)"), name);
        g_free(name);
        return r;
}

char *sg_prompt_choice_description(const sg_prompt_choice *c, bool require_justification) {
        switch (c->kind) {
        case SG_CHOICE_ENCRYPT:
                return g_strdup(_("Encrypts the message for each recipient (S/MIME or OpenPGP), then sends it."));
        case SG_CHOICE_SEND:
                return g_strdup(require_justification
                                        ? _("Sends the message as it is, without encryption. You will be asked "
                                            "for the reason first.")
                                        : _("Sends the message as it is, without encryption."));
        case SG_CHOICE_CANCEL:
                return g_strdup(_("Closes this window and returns to the message. Nothing is sent."));
        default:
                break;
        }
        if (strcmp(c->route, "portal") == 0)
                return g_strdup(_("Hands the message to the mail gateway, which delivers it through the secure "
                                  "portal."));
        if (strcmp(c->route, "smime") == 0)
                return g_strdup(_("Hands the message to the mail gateway, which encrypts it with S/MIME."));
        if (strcmp(c->route, "pgp") == 0)
                return g_strdup(_("Hands the message to the mail gateway, which encrypts it with OpenPGP."));
        if (strcmp(c->route, "zip") == 0)
                return g_strdup(_("Hands the message to the mail gateway, which puts the attachments into an "
                                  "encrypted ZIP file."));
        const char *label = c->label[label_lang()];
        return g_strdup_printf(_("Hands the message to the mail gateway through the route “%s”."),
                               label ? label : c->route);
}

/* Trim Unicode white space at both ends; NULL if not valid UTF-8. */
static char *trim_utf8(const char *text) {
        if (!text || !g_utf8_validate(text, -1, NULL))
                return NULL;
        const char *b = text, *e = text + strlen(text);
        while (b < e && g_unichar_isspace(g_utf8_get_char(b)))
                b = g_utf8_next_char(b);
        while (e > b) {
                const char *p = g_utf8_find_prev_char(b, e);
                if (!p || !g_unichar_isspace(g_utf8_get_char(p)))
                        break;
                e = p;
        }
        return g_strndup(b, (gsize) (e - b));
}

bool sg_prompt_justification_ok(const char *text, char **ret_trimmed) {
        char *t = trim_utf8(text);
        size_t n = t ? (size_t) g_utf8_strlen(t, -1) : 0;
        bool ok = t && n >= 1 && n <= SG_PROMPT_JUSTIFICATION_MAX;
        if (ok && ret_trimmed)
                *ret_trimmed = t;
        else
                g_free(t);
        return ok;
}

char *sg_prompt_answer_json(const char *choice, const char *justification, const char *by, bool bcc_keep) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "choice", json_object_new_string(choice));
        json_object_object_add(o, "justification", justification ? json_object_new_string(justification) : NULL);
        json_object_object_add(o, "by", json_object_new_string(by));
        if (bcc_keep && strcmp(choice, "cancel") != 0)
                json_object_object_add(o, "bcc", json_object_new_string("keep"));
        char *r = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return r;
}
