/* sealgate-prompt: the confirmation checklist's rows, from the decision
 * (prompt-confirm-model.h). Grouped by domain in order of first appearance,
 * then the attachments. Texts from the one catalog through gettext. */
#include "prompt-confirm-model.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "prompt-i18n.h"
#include "prompt-model.h"

#include "sealgate/json-util.h"

sg_prompt_confirm *sg_prompt_confirm_free(sg_prompt_confirm *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_rows; i++) {
                g_free(c->rows[i].a);
                g_free(c->rows[i].b);
                g_free(c->rows[i].c);
        }
        g_free(c->rows);
        g_free(c->sender);
        g_free(c);
        return NULL;
}

static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;
        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* An optional boolean member: false when absent. */
static sg_err opt_bool(json_object *o, const char *key, const char *path, bool *ret, sg_error *err) {
        json_object *v = member(o, key);
        *ret = false;
        if (!v)
                return SG_OK;
        if (!json_object_is_type(v, json_type_boolean))
                return sg_error_set(err, SG_ERR_REQUEST, "%s.%s: expected a boolean, got %s", path, key,
                                    sg_json_type_desc(v));
        *ret = json_object_get_boolean(v);
        return SG_OK;
}

static const char *opt_str(json_object *o, const char *key) {
        json_object *v = member(o, key);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void add_row(GArray *rows, sg_prompt_check_kind kind, const char *a, const char *b, const char *c, uint64_t size,
                    bool external, bool lookalike) {
        sg_prompt_check r = {kind,     g_strdup(a), g_strdup(b), g_strdup(c), size, kind <= SG_CHECK_ATTACHMENTS,
                             external, lookalike};
        g_array_append_val(rows, r);
}

char *sg_prompt_check_text(const sg_prompt_check *r) {
        switch (r->kind) {
        case SG_CHECK_DOMAIN:
                return r->lookalike  ? g_strdup_printf(_("%s — looks like an internal domain: check it"), r->a)
                       : r->external ? g_strdup_printf(_("%s — outside the organisation"), r->a)
                                     : g_strdup(r->a);
        case SG_CHECK_ATTACHMENTS:
                return g_strdup(_("Attachments"));
        case SG_CHECK_RECIPIENT: {
                const char *label = g_strcmp0(r->a, "cc") == 0    ? C_("recipient field", "Cc")
                                    : g_strcmp0(r->a, "bcc") == 0 ? C_("recipient field", "Bcc")
                                                                  : C_("recipient field", "To");
                char *who = r->b && *r->b ? g_strdup_printf("%s <%s>", r->b, r->c) : g_strdup(r->c);
                char *t = g_strdup_printf(C_("recipient row", "%s: %s"), label, who);
                g_free(who);
                return t;
        }
        default: {
                char *size = g_format_size(r->size);
                char *t = r->c ? g_strdup_printf("%s (%s, %s)", r->a, size, r->c)
                               : g_strdup_printf("%s (%s)", r->a, size);
                g_free(size);
                return t;
        }
        }
}

sg_err sg_prompt_confirm_parse(json_object *root, sg_prompt_confirm **ret, sg_error *err) {
        *ret = NULL;
        json_object *rs = member(root, "recipients"), *ms = member(root, "missend");
        json_object *atts = ms ? member(ms, "attachments") : NULL;
        if (ms && !json_object_is_type(ms, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "missend: expected an object, got %s", sg_json_type_desc(ms));
        if (atts && !json_object_is_type(atts, json_type_array))
                return sg_error_set(err, SG_ERR_REQUEST, "missend.attachments: expected an array, got %s",
                                    sg_json_type_desc(atts));
        size_t n_att = atts ? json_object_array_length(atts) : 0;
        if (n_att > SG_MSG_ATTACHMENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "missend.attachments: more than %d entries",
                                    SG_MSG_ATTACHMENTS_MAX);
        sg_prompt_confirm *c = g_new0(sg_prompt_confirm, 1);
        bool show_sender = false;
        sg_err e = opt_bool(ms, "allow_check_all", "missend", &c->allow_check_all, err);
        if (!e)
                e = opt_bool(ms, "show_sender", "missend", &show_sender, err);
        const char *sender = opt_str(ms, "sender");
        if (!e && show_sender && sender && *sender) {
                if (strlen(sender) > SG_PROMPT_STRING_MAX)
                        e = sg_error_set(err, SG_ERR_LIMIT, "missend.sender: longer than %d bytes",
                                         SG_PROMPT_STRING_MAX);
                else
                        c->sender = g_strdup(sender);
        }
        GArray *rows = g_array_new(FALSE, TRUE, sizeof(sg_prompt_check));
        size_t n = rs && json_object_is_type(rs, json_type_array) ? json_object_array_length(rs) : 0;
        bool *done = g_new0(bool, n + 1);
        /* Domains in order of first appearance, each with its recipients. */
        for (size_t i = 0; !e && i < n; i++) {
                json_object *o = json_object_array_get_idx(rs, i);
                char path[48];
                snprintf(path, sizeof path, "recipients[%zu]", i);
                bool confirm, look, to_bcc;
                if ((e = opt_bool(o, "confirm", path, &confirm, err)) ||
                    (e = opt_bool(o, "lookalike", path, &look, err)) || (e = opt_bool(o, "to_bcc", path, &to_bcc, err)))
                        break;
                c->n_bcc += to_bcc;
                if (!confirm || done[i])
                        continue;
                const char *dom = opt_str(o, "domain");
                const char *cls = opt_str(o, "class");
                bool ext = cls && strcmp(cls, "external") == 0;
                add_row(rows, SG_CHECK_DOMAIN, dom ? dom : "", NULL, NULL, 0, ext, look);
                for (size_t k = i; k < n; k++) {
                        json_object *ok = json_object_array_get_idx(rs, k);
                        bool ck = false;
                        opt_bool(ok, "confirm", path, &ck, NULL);
                        const char *dk = opt_str(ok, "domain");
                        if (done[k] || !ck || g_strcmp0(dk, dom) != 0)
                                continue;
                        done[k] = true;
                        const char *addr = opt_str(ok, "address");
                        add_row(rows, SG_CHECK_RECIPIENT, opt_str(ok, "field"), opt_str(ok, "display_name"),
                                addr ? addr : "", 0, ext, look);
                        c->n_boxes++;
                }
        }
        g_free(done);
        if (!e && n_att > 0)
                add_row(rows, SG_CHECK_ATTACHMENTS, NULL, NULL, NULL, 0, false, false);
        for (size_t i = 0; !e && i < n_att; i++) {
                json_object *a = json_object_array_get_idx(atts, i);
                json_object *sz = member(a, "size");
                const char *name = opt_str(a, "name"), *type = opt_str(a, "content_type");
                if (!name || !sz || !json_object_is_type(sz, json_type_int) || json_object_get_int64(sz) < 0) {
                        e = sg_error_set(err, SG_ERR_REQUEST, "missend.attachments[%zu]: expected {name, size}", i);
                        break;
                }
                add_row(rows, SG_CHECK_ATTACHMENT, name, NULL, type, (uint64_t) json_object_get_int64(sz), false,
                        false);
                c->n_boxes++;
        }
        c->n_rows = rows->len;
        c->rows = (sg_prompt_check *) (void *) g_array_free(rows, FALSE);
        /* rules.convert_to_bcc "ask" with recipients to move: offer to keep them. */
        const char *bcc_mode = opt_str(ms, "bcc_mode");
        c->bcc_ask = bcc_mode && strcmp(bcc_mode, "ask") == 0 && c->n_bcc > 0;
        if (e || (c->n_boxes == 0 && !c->sender && !c->bcc_ask)) {
                sg_prompt_confirm_free(c);
                return e;
        }
        *ret = c;
        return SG_OK;
}
