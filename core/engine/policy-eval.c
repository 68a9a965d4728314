/* sealgate: sg_policy_evaluate: a sealed policy and a message summary
 * into a decision with reasons (classify the recipients, run the triggers,
 * assemble the decision). Pure module: libc only. The semantics are stated
 * at the top of policy.c. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/detect.h"
#include "sealgate/error.h"
#include "sealgate/pattern.h"
#include "sealgate/policy.h"
#include "sealgate/strbuf.h"
#include "sealgate/util.h"

#include "policy-private.h"

/* ---- Evaluation helpers ------------------------------------------------ */

/* A reason being assembled, with what evaluation needs beyond sg_reason. */
struct pending {
        sg_reason r;
        const char *route;
        bool forbid_send;
};

struct eval {
        const sg_policy *p;
        const sg_message *msg;
        sg_decision *d;
        struct pending *reasons;
        size_t n_reasons, cap_reasons;
        const char **ext_domains; /* borrowed from the recipients */
        size_t n_ext_domains;
        sg_pattern_budget budget; /* SG_PATTERN_BUDGET_MS for all body patterns together */
        sg_error *err;
};

static void reason_clear(sg_reason *r) {
        free(r->trigger);
        free(r->detail);
        free(r->label_en);
        free(r->label_ja);
        sg_strv_free(r->items, r->n_items);
        memset(r, 0, sizeof *r);
}

static sg_err nomem(struct eval *ev) {
        return sg_error_set(ev->err, SG_ERR_NOMEM, "out of memory");
}

/* Start a reason; its items and detail are filled by the caller. */
static struct pending *reason_new(struct eval *ev, sg_reason_code code, const struct trigger *t) {
        if (!grow((void **) &ev->reasons, &ev->cap_reasons, ev->n_reasons, sizeof *ev->reasons))
                return NULL;
        struct pending *pr = &ev->reasons[ev->n_reasons];
        memset(pr, 0, sizeof *pr);
        pr->r.code = code;
        if (t) {
                pr->r.action = t->action;
                pr->route = t->route;
                pr->forbid_send = t->forbid_send;
                if (!(pr->r.trigger = sg_strdup(t->id)))
                        return NULL;
                if (t->label[0] &&
                    (!(pr->r.label_en = sg_strdup(t->label[0])) || !(pr->r.label_ja = sg_strdup(t->label[1]))))
                        return NULL;
        }
        ev->n_reasons++;
        return pr;
}

/* Items grow in powers of two: the capacity is implied by n_items (the
 * next power of two), so sg_reason needs no field for it. */
static bool item_add(sg_reason *r, const char *s, size_t n) {
        char *copy = sg_strndup(s, n);
        if (!copy)
                return false;
        size_t k = r->n_items;
        if (k == 0 || (k >= 4 && (k & (k - 1)) == 0)) {
                char **nv = realloc(r->items, (k ? 2 * k : 4) * sizeof *nv);
                if (!nv) {
                        free(copy);
                        return false;
                }
                r->items = nv;
        }
        r->items[r->n_items++] = copy;
        return true;
}

/* All of v as the items of a reason that has none yet, in one array. */
static bool items_set(sg_reason *r, const char *const *v, size_t n) {
        if (n == 0)
                return true;
        if (!(r->items = malloc(n * sizeof *r->items)))
                return false;
        for (; r->n_items < n; r->n_items++)
                if (!(r->items[r->n_items] = sg_strdup(v[r->n_items])))
                        return false;
        return true;
}

/* Detail "<prefix>: item, item, ... (and N more)". */
static bool detail_set(sg_reason *r, const char *prefix) {
        sg_strbuf b = {0};
        sg_strbuf_add_str(&b, prefix);
        for (size_t i = 0; i < r->n_items && i < DETAIL_ITEMS_MAX; i++) {
                sg_strbuf_add_str(&b, i ? ", " : ": ");
                sg_strbuf_add_str(&b, r->items[i]);
        }
        if (r->n_items > DETAIL_ITEMS_MAX) {
                sg_strbuf_add_str(&b, " and ");
                sg_strbuf_add_u64(&b, r->n_items - DETAIL_ITEMS_MAX);
                sg_strbuf_add_str(&b, " more");
        }
        if (b.oom || !b.s) {
                free(b.s);
                return false;
        }
        r->detail = b.s;
        return true;
}

/* "1 attachment" / "2 attachments". */
static bool detail_count(sg_reason *r, size_t n, const char *one, const char *many, const char *tail) {
        sg_strbuf b = {0};
        sg_strbuf_add_u64(&b, n);
        sg_strbuf_add_str(&b, " ");
        sg_strbuf_add_str(&b, n == 1 ? one : many);
        sg_strbuf_add_str(&b, tail);
        if (b.oom)
                return false;
        bool ok = detail_set(r, b.s);
        free(b.s);
        return ok;
}

static const char *att_name(const sg_attachment *a) {
        return a->name ? a->name : "";
}

/* Case-insensitive suffix match of ".ext" on a file name, ignoring the
 * trailing dots and spaces that Windows drops when saving. */
static bool has_extension(const char *name, const char *ext) {
        size_t n = strlen(name), e = strlen(ext);
        while (n > 0 && (name[n - 1] == '.' || name[n - 1] == ' '))
                n--;
        return n >= e && sg_ascii_strncasecmp(name + n - e, ext, e) == 0;
}

static bool type_matches(const char *ct, const char *want) {
        size_t n = 0;
        while (ct[n] && ct[n] != ';')
                n++;
        while (n > 0 && is_space(ct[n - 1]))
                n--;
        while (n > 0 && is_space(*ct)) {
                ct++;
                n--;
        }
        size_t w = strlen(want);
        if (w >= 2 && strcmp(want + w - 2, "/*") == 0)
                return n >= w - 1 && sg_ascii_strncasecmp(ct, want, w - 1) == 0;
        return n == w && sg_ascii_strncasecmp(ct, want, w) == 0;
}

/* Masked evidence: card digits but the last four become '*'; My Number
 * digits all do. Separators are kept, full-width digits become ASCII. */
static char *mask(const char *s, size_t n, bool keep_last4) {
        /* Inside a match every byte is an ASCII digit, a separator, or part
         * of a 3-byte full-width digit starting with 0xEF. */
        size_t digits = 0;
        for (size_t i = 0; i < n; i++)
                if ((s[i] >= '0' && s[i] <= '9') || (unsigned char) s[i] == 0xEF)
                        digits++;
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        size_t o = 0, k = 0;
        for (size_t i = 0; i < n; i++) {
                char d;
                if (s[i] >= '0' && s[i] <= '9')
                        d = s[i];
                else if ((unsigned char) s[i] == 0xEF && i + 2 < n) {
                        d = (char) ('0' + ((unsigned char) s[i + 2] - 0x90));
                        i += 2;
                } else {
                        out[o++] = s[i];
                        continue;
                }
                k++;
                out[o++] = keep_last4 && k + 4 > digits ? d : '*';
        }
        out[o] = '\0';
        return out;
}

/* ---- Triggers: one check and one detail per type ---------------------- */

/* A trigger's check collects its evidence into `items` (a scratch reason,
 * kept only if the trigger fires) and says whether it fired. SG_OK, or an
 * error already set in ev->err. */
typedef sg_err (*trigger_check)(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired);
/* A fired trigger's detail sentence into r->detail; false when out of memory. */
typedef bool (*trigger_detail)(sg_reason *r, const struct trigger *t, const sg_message *m);

static bool add_name(sg_reason *items, const sg_attachment *a) {
        const char *name = att_name(a);
        return item_add(items, name, strlen(name));
}

static sg_err check_attachments(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        (void) t;
        const sg_message *m = ev->msg;
        for (size_t i = 0; i < m->n_attachments; i++)
                if (!add_name(items, &m->attachments[i]))
                        return nomem(ev);
        *fired = m->n_attachments > 0;
        return SG_OK;
}

static bool detail_attachments(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t;
        return detail_count(r, m->n_attachments, "attachment", "attachments", "");
}

static sg_err check_extension(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        const sg_message *m = ev->msg;
        for (size_t i = 0; i < m->n_attachments; i++) {
                bool hit = false;
                const char *alt = m->attachments[i].alt_name;
                for (size_t k = 0; k < t->n_list && !hit; k++)
                        hit = has_extension(att_name(&m->attachments[i]), t->list[k]) ||
                              (alt && has_extension(alt, t->list[k]));
                if (hit && !add_name(items, &m->attachments[i]))
                        return nomem(ev);
        }
        *fired = items->n_items > 0;
        return SG_OK;
}

static bool detail_extension(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t, (void) m;
        return detail_count(r, r->n_items, "attachment", "attachments", " with a listed extension");
}

static sg_err check_type(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        const sg_message *m = ev->msg;
        for (size_t i = 0; i < m->n_attachments; i++) {
                const sg_attachment *a = &m->attachments[i];
                bool hit = false;
                for (size_t k = 0; k < t->n_list && !hit && a->content_type; k++)
                        hit = type_matches(a->content_type, t->list[k]);
                if (hit && !add_name(items, a))
                        return nomem(ev);
        }
        *fired = items->n_items > 0;
        return SG_OK;
}

static bool detail_type(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t, (void) m;
        return detail_count(r, r->n_items, "attachment", "attachments", " of a listed type");
}

/* The one item is the total, in bytes. */
static sg_err check_size(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        const sg_message *m = ev->msg;
        uint64_t total = 0;
        for (size_t i = 0; i < m->n_attachments; i++)
                total = m->attachments[i].size > UINT64_MAX - total ? UINT64_MAX : total + m->attachments[i].size;
        *fired = total >= t->size;
        sg_strbuf b = {0};
        sg_strbuf_add_u64(&b, total);
        bool ok = !b.oom && item_add(items, b.s, b.n);
        free(b.s);
        return ok ? SG_OK : nomem(ev);
}

static bool detail_size(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) m;
        sg_strbuf d = {0};
        sg_strbuf_add_str(&d, "attachments total ");
        sg_strbuf_add_str(&d, r->items[0]);
        sg_strbuf_add_str(&d, " bytes, at least ");
        sg_strbuf_add_u64(&d, t->size);
        if (d.oom) {
                free(d.s);
                return false;
        }
        r->detail = d.s;
        return true;
}

static sg_err check_keyword(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        const char *subject = ev->msg->subject;
        for (size_t k = 0; subject && k < t->n_list; k++)
                if (sg_ascii_strcasestr(subject, t->list[k]) && !item_add(items, t->list[k], strlen(t->list[k])))
                        return nomem(ev);
        *fired = items->n_items > 0;
        return SG_OK;
}

static bool detail_keyword(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t, (void) m;
        return detail_set(r, "subject contains a keyword");
}

static sg_err check_domains(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        *fired = ev->n_ext_domains >= t->min;
        return !*fired || items_set(items, ev->ext_domains, ev->n_ext_domains) ? SG_OK : nomem(ev);
}

static bool detail_domains(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t, (void) m;
        return detail_count(r, r->n_items, "external domain", "external domains", "");
}

typedef bool (*finder)(const char *, size_t, size_t *, size_t *);

/* Masked numbers of the body, at most EVIDENCE_MAX of them. */
static sg_err check_numbers(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        bool card = t->type == SG_TRIGGER_CREDIT_CARD;
        finder find = card ? sg_find_card_number : sg_find_my_number;
        const char *body = ev->msg->body;
        size_t len = body ? ev->msg->body_len : 0, pos = 0, off, mlen;
        while (items->n_items < EVIDENCE_MAX && pos < len && find(body + pos, len - pos, &off, &mlen)) {
                char *m = mask(body + pos + off, mlen, card);
                bool ok = m && item_add(items, m, strlen(m));
                free(m);
                if (!ok)
                        return nomem(ev);
                /* A match ends before a non-digit, so resuming there cannot
                 * cut a longer digit run. */
                pos += off + mlen;
        }
        *fired = items->n_items > 0;
        return SG_OK;
}

static bool detail_card(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t, (void) m;
        return detail_count(r, r->n_items, "payment card number", "payment card numbers", " in the body");
}

static bool detail_my_number(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t, (void) m;
        return detail_count(r, r->n_items, "My Number (Individual Number)", "My Numbers (Individual Numbers)",
                            " in the body");
}

/* A pattern that hits its match limit fails the evaluation (fail closed). */
static sg_err check_pattern(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        const sg_message *m = ev->msg;
        for (size_t k = 0; k < t->n_list; k++) {
                bool found = false;
                sg_err r = sg_pattern_search_budget(t->patterns[k], m->body ? m->body : "", m->body ? m->body_len : 0,
                                                    &ev->budget, &found, ev->err);
                if (r) {
                        sg_error_prefix(ev->err, "trigger \"%s\", pattern \"%.80s\"", t->id, t->list[k]);
                        return r;
                }
                if (found && !item_add(items, t->list[k], strlen(t->list[k])))
                        return nomem(ev);
        }
        *fired = items->n_items > 0;
        return SG_OK;
}

static bool detail_pattern(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) t, (void) m;
        return detail_set(r, "body matches a pattern");
}

/* The first header of that name that is present (no values listed) or
 * carries one of the values (trimmed, ignoring case). */
static sg_err check_header(struct eval *ev, const struct trigger *t, sg_reason *items, bool *fired) {
        const sg_message *m = ev->msg;
        for (size_t i = 0; i < m->n_headers && !*fired; i++) {
                const sg_header *h = &m->headers[i];
                if (sg_ascii_strcasecmp(h->name, t->header_name) != 0)
                        continue;
                if (t->n_list == 0) {
                        *fired = true;
                        return item_add(items, t->header_name, strlen(t->header_name)) ? SG_OK : nomem(ev);
                }
                const char *v = h->value ? h->value : "";
                char *tv = trimmed_dup(v, strlen(v));
                if (!tv)
                        return nomem(ev);
                for (size_t k = 0; k < t->n_list && !*fired; k++)
                        if (sg_ascii_strcasecmp(tv, t->list[k]) == 0) {
                                *fired = true;
                                if (!item_add(items, t->list[k], strlen(t->list[k]))) {
                                        free(tv);
                                        return nomem(ev);
                                }
                        }
                free(tv);
        }
        return SG_OK;
}

static bool detail_header(sg_reason *r, const struct trigger *t, const sg_message *m) {
        (void) m;
        sg_strbuf d = {0};
        sg_strbuf_add_str(&d, "header ");
        sg_strbuf_add_str(&d, t->header_name);
        if (t->n_list) {
                sg_strbuf_add_str(&d, ": ");
                sg_strbuf_add_str(&d, r->items[0]);
        } else
                sg_strbuf_add_str(&d, " present");
        if (d.oom) {
                free(d.s);
                return false;
        }
        r->detail = d.s;
        return true;
}

static const struct trigger_impl {
        sg_reason_code code;
        trigger_check check;
        trigger_detail detail;
} trigger_impls[SG_TRIGGER__MAX] = {
        [SG_TRIGGER_ATTACHMENTS] = {SG_REASON_ATTACHMENTS, check_attachments, detail_attachments},
        [SG_TRIGGER_ATTACHMENT_EXTENSION] = {SG_REASON_ATTACHMENT_EXTENSION, check_extension, detail_extension},
        [SG_TRIGGER_ATTACHMENT_TYPE] = {SG_REASON_ATTACHMENT_TYPE, check_type, detail_type},
        [SG_TRIGGER_ATTACHMENT_SIZE] = {SG_REASON_ATTACHMENT_SIZE, check_size, detail_size},
        [SG_TRIGGER_SUBJECT_KEYWORD] = {SG_REASON_SUBJECT_KEYWORD, check_keyword, detail_keyword},
        [SG_TRIGGER_EXTERNAL_DOMAINS] = {SG_REASON_EXTERNAL_DOMAINS, check_domains, detail_domains},
        [SG_TRIGGER_CREDIT_CARD] = {SG_REASON_CREDIT_CARD, check_numbers, detail_card},
        [SG_TRIGGER_MY_NUMBER] = {SG_REASON_MY_NUMBER, check_numbers, detail_my_number},
        [SG_TRIGGER_BODY_PATTERN] = {SG_REASON_BODY_PATTERN, check_pattern, detail_pattern},
        [SG_TRIGGER_HEADER] = {SG_REASON_HEADER, check_header, detail_header},
};

/* Run trigger t: when it fires, a reason with its evidence and detail. */
static sg_err eval_trigger(struct eval *ev, const struct trigger *t) {
        if ((unsigned) t->type >= SG_TRIGGER__MAX)
                return SG_OK;
        const struct trigger_impl *impl = &trigger_impls[t->type];
        sg_reason items = {0};
        bool fired = false;
        sg_err r = impl->check(ev, t, &items, &fired);
        if (r == SG_OK && fired) {
                struct pending *pr = reason_new(ev, impl->code, t);
                if (!pr)
                        r = nomem(ev);
                else {
                        pr->r.items = items.items;
                        pr->r.n_items = items.n_items;
                        items.items = NULL;
                        items.n_items = 0;
                        if (!impl->detail(&pr->r, t, ev->msg))
                                r = nomem(ev);
                }
        }
        reason_clear(&items);
        return r;
}

/* ---- Message checks and recipients ------------------------------------- */

static sg_err check_message(const sg_message *m, sg_error *err) {
        if ((m->n_to && !m->to) || (m->n_cc && !m->cc) || (m->n_bcc && !m->bcc) ||
            (m->n_attachments && !m->attachments) || (m->n_headers && !m->headers) || (m->body_len && !m->body))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "a message array is NULL");
        if (m->subject && bounded_len(m->subject, SG_MSG_SUBJECT_MAX) > SG_MSG_SUBJECT_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "subject longer than %d bytes", SG_MSG_SUBJECT_MAX);
        if (m->body_len > SG_MSG_BODY_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "body longer than %u bytes", SG_MSG_BODY_MAX);
        if (m->n_texts && !m->texts)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "a message array is NULL");
        if (m->n_texts > SG_MSG_TEXTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d text parts", SG_MSG_TEXTS_MAX);
        size_t total = m->body_len;
        for (size_t i = 0; i < m->n_texts; i++) {
                if ((m->texts[i].len && !m->texts[i].text) || m->texts[i].kind >= SG_TEXT__MAX)
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "text part %zu is invalid", i);
                if (m->texts[i].len > SG_MSG_TEXT_TOTAL_MAX - total)
                        return sg_error_set(err, SG_ERR_LIMIT,
                                            "the body and the text parts are longer than %u bytes together: "
                                            "the content past that would not be read",
                                            SG_MSG_TEXT_TOTAL_MAX);
                total += m->texts[i].len;
        }
        if (m->n_attachments > SG_MSG_ATTACHMENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d attachments", SG_MSG_ATTACHMENTS_MAX);
        for (size_t i = 0; i < m->n_attachments; i++) {
                const sg_attachment *a = &m->attachments[i];
                if ((a->name && bounded_len(a->name, SG_MSG_NAME_MAX) > SG_MSG_NAME_MAX) ||
                    (a->alt_name && bounded_len(a->alt_name, SG_MSG_NAME_MAX) > SG_MSG_NAME_MAX))
                        return sg_error_set(err, SG_ERR_LIMIT, "attachment %zu: file name longer than %d bytes", i,
                                            SG_MSG_NAME_MAX);
                if (a->content_type && bounded_len(a->content_type, SG_MSG_NAME_MAX) > SG_MSG_NAME_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "attachment %zu: content type longer than %d bytes", i,
                                            SG_MSG_NAME_MAX);
        }
        if (m->n_headers > SG_MSG_HEADERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d headers", SG_MSG_HEADERS_MAX);
        for (size_t i = 0; i < m->n_headers; i++) {
                const sg_header *h = &m->headers[i];
                if (!h->name)
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "header %zu has no name", i);
                if (bounded_len(h->name, SG_MSG_HEADER_NAME_MAX) > SG_MSG_HEADER_NAME_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "header %zu: name longer than %d bytes", i,
                                            SG_MSG_HEADER_NAME_MAX);
                if (h->value && bounded_len(h->value, SG_MSG_HEADER_VALUE_MAX) > SG_MSG_HEADER_VALUE_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "header %zu: value longer than %d bytes", i,
                                            SG_MSG_HEADER_VALUE_MAX);
        }
        return SG_OK;
}

/* Every mailbox of to, cc and bcc into `list`; ends[f] is the count after
 * field f, so mailbox i belongs to the first f with i < ends[f]. */
static sg_err parse_recipients(const sg_message *m, sg_mailbox_list *list, size_t ends[SG_FIELD__MAX], sg_error *err) {
        const char *const *fields[SG_FIELD__MAX] = {m->to, m->cc, m->bcc};
        size_t counts[SG_FIELD__MAX] = {m->n_to, m->n_cc, m->n_bcc};
        for (int f = 0; f < SG_FIELD__MAX; f++) {
                for (size_t i = 0; i < counts[f]; i++) {
                        const char *text = fields[f][i];
                        if (!text)
                                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "%s: address list %zu is NULL",
                                                    sg_field_name((sg_field) f), i);
                        sg_err r = sg_addr_parse_list(text, SG_MSG_RECIPIENTS_MAX, list, err);
                        if (r) {
                                /* Any parse failure is an address error for the
                                 * caller; limits and memory keep their code. */
                                if (r != SG_ERR_LIMIT && r != SG_ERR_NOMEM && r != SG_ERR_ADDRESS_SYNTAX) {
                                        if (err)
                                                err->code = SG_ERR_ADDRESS_SYNTAX;
                                        r = SG_ERR_ADDRESS_SYNTAX;
                                }
                                sg_error_prefix(err, "%s", sg_field_name((sg_field) f));
                                return r;
                        }
                }
                ends[f] = list->n;
        }
        return SG_OK;
}

/* The distinct external domains in order of first appearance, in one pass
 * over the recipients with a hash set, so 10,000 recipients stay fast. */
static sg_err external_domains(struct eval *ev) {
        sg_decision *d = ev->d;
        if (d->n_external == 0)
                return SG_OK;
        size_t n_slots = 16;
        while (n_slots < 2 * d->n_external)
                n_slots *= 2;
        const char **set = calloc(n_slots, sizeof *set);
        ev->ext_domains = malloc(d->n_external * sizeof *ev->ext_domains);
        if (!set || !ev->ext_domains) {
                free(set);
                return nomem(ev);
        }
        size_t u = 0;
        for (size_t i = 0; i < d->n_recipients; i++) {
                if (d->recipients[i].cls != SG_CLASS_EXTERNAL)
                        continue;
                const char *dom = d->recipients[i].mailbox.domain_ascii ? d->recipients[i].mailbox.domain_ascii : "";
                size_t k = key_hash(dom, strlen(dom)) & (n_slots - 1);
                while (set[k] && strcmp(set[k], dom) != 0)
                        k = (k + 1) & (n_slots - 1);
                if (!set[k])
                        set[k] = ev->ext_domains[u++] = dom;
        }
        ev->n_ext_domains = u;
        d->n_external_domains = u;
        free(set);
        return SG_OK;
}

/* ---- Decision assembly ------------------------------------------------- */

static bool copy_headers(const struct route *rt, sg_header **ret, size_t *ret_n) {
        if (rt->n_headers == 0)
                return true;
        sg_header *h = calloc(rt->n_headers, sizeof *h);
        if (!h)
                return false;
        for (size_t i = 0; i < rt->n_headers; i++) {
                h[i].name = sg_strdup(rt->headers[i].name);
                h[i].value = sg_strdup(rt->headers[i].value);
                if (!h[i].name || !h[i].value) {
                        headers_free(h, rt->n_headers);
                        return false;
                }
        }
        *ret = h;
        *ret_n = rt->n_headers;
        return true;
}

static bool copy_strv(char **v, size_t n, char ***ret, size_t *ret_n) {
        if (n == 0)
                return true;
        char **c = calloc(n, sizeof *c);
        if (!c)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = sg_strdup(v[i]))) {
                        sg_strv_free(c, n);
                        return false;
                }
        *ret = c;
        *ret_n = n;
        return true;
}

static bool build_choices(struct eval *ev) {
        const sg_policy *p = ev->p;
        sg_decision *d = ev->d;
        bool no_send = false;
        for (size_t i = 0; i < ev->n_reasons; i++)
                if (ev->reasons[i].forbid_send && !no_send) {
                        no_send = true;
                        /* Said to the user only when the policy offers "send". */
                        for (size_t k = 0; k < p->n_choices; k++)
                                if (p->choices[k].kind == SG_CHOICE_SEND)
                                        d->send_removed_by = i;
                }
        bool fb_offered = !(p->fallback_choice.kind == SG_CHOICE_SEND && no_send);
        d->choices = calloc(p->n_choices, sizeof *d->choices);
        if (!d->choices)
                return false;
        d->prompt_recommended = SIZE_MAX;
        for (size_t i = 0; i < p->n_choices; i++) {
                const struct choice *c = &p->choices[i];
                if (c->kind == SG_CHOICE_SEND && no_send)
                        continue;
                /* The fallback is "send" only while send is still offered. */
                if (fb_offered ? is_fallback(p, c) : c->kind == SG_CHOICE_CANCEL)
                        d->prompt_fallback = d->n_choices;
                if (is_recommended(p, c))
                        d->prompt_recommended = d->n_choices;
                sg_choice *out = &d->choices[d->n_choices++];
                out->kind = c->kind;
                if (c->kind == SG_CHOICE_SEND)
                        d->require_justification = p->require_justification;
                if (c->kind == SG_CHOICE_ROUTE) {
                        const struct route *rt = find_route(p, c->route);
                        if (!(out->route = sg_strdup(c->route)) || !copy_headers(rt, &out->headers, &out->n_headers))
                                return false;
                        if (rt->subject_tag && !(out->subject_tag = sg_strdup(rt->subject_tag)))
                                return false;
                        if (rt->label[0] &&
                            (!(out->label_en = sg_strdup(rt->label[0])) || !(out->label_ja = sg_strdup(rt->label[1]))))
                                return false;
                }
        }
        /* Unset in the policy (or not offered): the first protective choice. */
        for (size_t i = 0; i < d->n_choices && d->prompt_recommended >= d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_ENCRYPT || d->choices[i].kind == SG_CHOICE_ROUTE)
                        d->prompt_recommended = i;
        if (d->prompt_recommended > d->n_choices)
                d->prompt_recommended = d->n_choices;
        return true;
}

static bool finish(struct eval *ev) {
        const sg_policy *p = ev->p;
        sg_decision *d = ev->d;
        d->reasons = calloc(ev->n_reasons, sizeof *d->reasons);
        if (!d->reasons)
                return false;
        sg_action action = SG_ACTION_ALLOW;
        for (size_t i = 0; i < ev->n_reasons; i++) {
                d->reasons[i] = ev->reasons[i].r;
                memset(&ev->reasons[i].r, 0, sizeof ev->reasons[i].r);
                if (d->reasons[i].action > action)
                        action = d->reasons[i].action;
        }
        d->n_reasons = ev->n_reasons;
        d->send_removed_by = d->n_reasons;
        d->action = action;
        switch (action) {
        case SG_ACTION_ROUTE:
                for (size_t i = 0; i < ev->n_reasons; i++)
                        if (d->reasons[i].action == SG_ACTION_ROUTE) {
                                const struct route *rt = find_route(p, ev->reasons[i].route);
                                if (!(d->route = sg_strdup(rt->name)) || !copy_headers(rt, &d->headers, &d->n_headers))
                                        return false;
                                if (rt->subject_tag && !(d->subject_tag = sg_strdup(rt->subject_tag)))
                                        return false;
                                break;
                        }
                break;
        case SG_ACTION_PROMPT:
                if (!build_choices(ev))
                        return false;
                /* A prompt that offers "encrypt" needs the methods and
                 * fallbacks as much as an ENCRYPT decision does. */
                for (size_t i = 0; i < d->n_choices; i++)
                        if (d->choices[i].kind == SG_CHOICE_ENCRYPT)
                                return copy_strv(p->methods, p->n_methods, &d->encrypt_methods,
                                                 &d->n_encrypt_methods) &&
                                       copy_strv(p->fallback, p->n_fallback, &d->encrypt_fallback,
                                                 &d->n_encrypt_fallback);
                return true;
        case SG_ACTION_ENCRYPT:
                return copy_strv(p->methods, p->n_methods, &d->encrypt_methods, &d->n_encrypt_methods) &&
                       copy_strv(p->fallback, p->n_fallback, &d->encrypt_fallback, &d->n_encrypt_fallback);
        default:
                break;
        }
        return true;
}

sg_decision *sg_decision_free(sg_decision *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_recipients; i++) {
                sg_mailbox_clear(&d->recipients[i].mailbox);
                free(d->recipients[i].matched);
        }
        free(d->recipients);
        for (size_t i = 0; i < d->n_reasons; i++)
                reason_clear(&d->reasons[i]);
        free(d->reasons);
        for (size_t i = 0; i < d->n_choices; i++) {
                free(d->choices[i].route);
                headers_free(d->choices[i].headers, d->choices[i].n_headers);
                free(d->choices[i].subject_tag);
                free(d->choices[i].label_en);
                free(d->choices[i].label_ja);
        }
        free(d->choices);
        free(d->route);
        headers_free(d->headers, d->n_headers);
        free(d->subject_tag);
        sg_strv_free(d->encrypt_methods, d->n_encrypt_methods);
        sg_strv_free(d->encrypt_fallback, d->n_encrypt_fallback);
        free(d->justification_header);
        free(d->bcc_placeholder);
        free(d->sender);
        for (size_t i = 0; i < d->n_attachments; i++) {
                free((char *) d->attachments[i].name);
                free((char *) d->attachments[i].content_type);
                free((char *) d->attachments[i].alt_name);
        }
        free(d->attachments);
        free(d);
        return NULL;
}

static sg_err evaluate(struct eval *ev) {
        const sg_policy *p = ev->p;
        sg_decision *d = ev->d;
        sg_mailbox_list list = {0};
        size_t ends[SG_FIELD__MAX] = {0};
        sg_err r = parse_recipients(ev->msg, &list, ends, ev->err);
        if (r) {
                sg_mailbox_list_clear(&list);
                return r;
        }
        /* The decision takes the mailboxes over in place: the parsed array
         * grows into the recipients array (an sg_recipient starts with its
         * sg_mailbox and is larger), filled from the last one down so no
         * mailbox is overwritten before it moves. No second array of 10,000
         * entries, and nothing cleared that is set anyway. */
        size_t n = list.n;
        sg_recipient *rcs = realloc(list.items, (n ? n : 1) * sizeof *rcs);
        if (!rcs) {
                sg_mailbox_list_clear(&list);
                return nomem(ev);
        }
        sg_mailbox *mbs = (sg_mailbox *) (void *) rcs;
        for (size_t i = n; i > 0; i--) {
                sg_mailbox mb = mbs[i - 1];
                sg_field f = SG_FIELD_TO;
                while ((size_t) f < SG_FIELD__MAX - 1 && i - 1 >= ends[f])
                        f++;
                rcs[i - 1] = (sg_recipient){.mailbox = mb,
                                            .field = f,
                                            .cls = SG_CLASS_EXTERNAL,
                                            .rule = SG_RULE_EXTERNAL_DOMAIN,
                                            .matched = NULL};
        }
        d->recipients = rcs;
        d->n_recipients = n;
        for (size_t i = 0; i < d->n_recipients; i++) {
                sg_recipient *rc = &d->recipients[i];
                if (!policy_classify(p, rc))
                        return sg_error_set(ev->err, SG_ERR_ADDRESS_SYNTAX,
                                            "the address \"%.200s\" holds a source route ('%%', '!' or a quoted "
                                            "'@' in its local part), which addresses.source_routes refuses",
                                            rc->mailbox.address);
                if (rc->matched && !(rc->matched = sg_strdup(rc->matched)))
                        return nomem(ev);
                if (rc->cls == SG_CLASS_EXTERNAL)
                        d->n_external++;
        }
        if ((r = external_domains(ev)))
                return r;

        bool external = d->n_external > 0;
        struct pending *base = reason_new(ev, external ? SG_REASON_EXTERNAL_RECIPIENTS : SG_REASON_NO_EXTERNAL, NULL);
        if (!base)
                return nomem(ev);
        if (external) {
                base->r.action = p->external_action;
                base->route = p->external_route;
                if (!items_set(&base->r, ev->ext_domains, ev->n_ext_domains))
                        return nomem(ev);
                sg_strbuf b = {0};
                sg_strbuf_add_u64(&b, d->n_external);
                sg_strbuf_add_str(&b, d->n_external == 1 ? " external recipient in " : " external recipients in ");
                bool ok = !b.oom && detail_count(&base->r, ev->n_ext_domains, "domain", "domains", "");
                if (ok) {
                        sg_strbuf_add_str(&b, base->r.detail);
                        free(base->r.detail);
                        base->r.detail = b.s;
                        ok = !b.oom;
                        if (!ok)
                                base->r.detail = NULL;
                }
                if (!ok) {
                        free(b.s);
                        return nomem(ev);
                }
        } else {
                base->r.action = SG_ACTION_ALLOW;
                if (!(base->r.detail = sg_strdup("no external recipients")))
                        return nomem(ev);
        }

        for (size_t i = 0; i < p->n_triggers; i++) {
                const struct trigger *t = &p->triggers[i];
                if (t->scope == SG_SCOPE_EXTERNAL && !external)
                        continue;
                if ((r = eval_trigger(ev, t)))
                        return r;
        }
        sg_reason extra[MISSEND_REASONS_MAX];
        size_t n_extra = 0;
        if ((r = policy_missend(p, ev->msg, d, extra, &n_extra, ev->err)))
                return r;
        for (size_t i = 0; i < n_extra; i++) {
                struct pending *pr = reason_new(ev, extra[i].code, NULL);
                if (!pr) {
                        while (i < n_extra)
                                reason_clear(&extra[i++]);
                        return nomem(ev);
                }
                pr->r = extra[i];
        }
        return finish(ev) ? SG_OK : nomem(ev);
}

sg_err sg_policy_evaluate(const sg_policy *p, const sg_message *msg, sg_decision **ret, sg_error *err) {
        if (!p || !msg || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no policy, message or result");
        if (!p->sealed)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the policy is not sealed");
        sg_err r = check_message(msg, err);
        if (r)
                return r;
        /* The content triggers read the normalised text (policy-text.c). */
        struct policy_text view;
        if ((r = policy_text_view(p, msg, &view, err)))
                return r;
        struct eval ev = {.p = p,
                          .msg = &view.msg,
                          .budget = {.remaining_us = (uint64_t) SG_PATTERN_BUDGET_MS * 1000u},
                          .err = err};
        ev.d = calloc(1, sizeof *ev.d);
        if (!ev.d) {
                policy_text_clear(&view);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        ev.d->prompt_timeout_seconds = p->prompt_timeout;
        ev.d->justification_to = p->justification_to;
        if (p->justification_header && !(ev.d->justification_header = sg_strdup(p->justification_header))) {
                free(ev.d);
                policy_text_clear(&view);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        r = evaluate(&ev);
        policy_text_clear(&view);
        for (size_t i = 0; i < ev.n_reasons; i++)
                reason_clear(&ev.reasons[i].r);
        free(ev.reasons);
        free(ev.ext_domains);
        if (r) {
                sg_decision_free(ev.d);
                return r;
        }
        *ret = ev.d;
        return SG_OK;
}
