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
#include "sealgate/util.h"

#include "policy-private.h"

/* ---- Lookups ----------------------------------------------------------- */

static unsigned char lower_byte(unsigned char c) {
        return c >= 'A' && c <= 'Z' ? (unsigned char) (c + 32) : c;
}

/* strcmp(key, lower(s)) where key is already lower case. */
static int key_cmp(const char *key, const char *s) {
        const unsigned char *a = (const unsigned char *) key, *b = (const unsigned char *) s;
        for (;; a++, b++) {
                unsigned char cb = lower_byte(*b);
                if (*a != cb)
                        return (int) *a - (int) cb;
                if (!*a)
                        return 0;
        }
}

/* The first (earliest written) entry whose key equals lower(s), or NULL. */
static const struct entry *lookup(const struct entries *e, const char *s) {
        size_t lo = 0, hi = e->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (key_cmp(e->v[mid].key, s) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < e->n && key_cmp(e->v[lo].key, s) == 0 ? &e->v[lo] : NULL;
}

/* The nearest wildcard entry covering a proper parent of `domain`. */
static const struct entry *lookup_parent(const struct entries *wild, const char *domain) {
        if (wild->n == 0)
                return NULL;
        for (const char *dot = strchr(domain, '.'); dot; dot = strchr(dot + 1, '.')) {
                const struct entry *e = lookup(wild, dot + 1);
                if (e)
                        return e;
        }
        return NULL;
}

static void classify(const sg_policy *p, sg_recipient *r) {
        const char *addr = r->mailbox.address ? r->mailbox.address : "";
        const char *dom = r->mailbox.domain_ascii ? r->mailbox.domain_ascii : "";
        const struct entry *e;
        sg_class cls;
        sg_rule rule;
        if ((e = lookup(&p->exception_addr, addr))) {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXCEPTION_ADDRESS;
        } else if ((e = lookup(&p->internal_addr, addr))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_ADDRESS;
        } else if ((e = lookup(&p->exception_exact, dom)) || (e = lookup_parent(&p->exception_wild, dom))) {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXCEPTION_DOMAIN;
        } else if ((e = lookup(&p->internal_exact, dom))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_DOMAIN;
        } else if ((e = lookup_parent(&p->internal_wild, dom))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_SUBDOMAIN;
        } else {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXTERNAL_DOMAIN;
        }
        r->cls = cls;
        r->rule = rule;
        r->matched = e ? e->src : NULL; /* borrowed until copied by the caller */
}

/* ---- Evaluation helpers ------------------------------------------------ */

/* A growable string; `oom` sticks once an allocation fails. */
struct buf {
        char *s;
        size_t n, cap;
        bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n) {
        if (b->oom)
                return;
        if (b->n + n + 1 > b->cap) {
                size_t ncap = b->cap ? b->cap : 64;
                while (ncap < b->n + n + 1)
                        ncap *= 2;
                char *ns = realloc(b->s, ncap);
                if (!ns) {
                        b->oom = true;
                        return;
                }
                b->s = ns;
                b->cap = ncap;
        }
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s) {
        buf_add(b, s, strlen(s));
}

static void buf_u64(struct buf *b, uint64_t v) {
        char tmp[24];
        size_t i = sizeof tmp;
        do {
                tmp[--i] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        buf_add(b, tmp + i, sizeof tmp - i);
}

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
        }
        ev->n_reasons++;
        return pr;
}

static bool item_add(sg_reason *r, const char *s, size_t n) {
        char *copy = sg_strndup(s, n);
        char **nv = copy ? realloc(r->items, (r->n_items + 1) * sizeof *nv) : NULL;
        if (!nv) {
                free(copy);
                return false;
        }
        nv[r->n_items++] = copy;
        r->items = nv;
        return true;
}

/* Detail "<prefix>: item, item, ... (and N more)". */
static bool detail_set(sg_reason *r, const char *prefix) {
        struct buf b = {0};
        buf_str(&b, prefix);
        for (size_t i = 0; i < r->n_items && i < DETAIL_ITEMS_MAX; i++) {
                buf_str(&b, i ? ", " : ": ");
                buf_str(&b, r->items[i]);
        }
        if (r->n_items > DETAIL_ITEMS_MAX) {
                buf_str(&b, " and ");
                buf_u64(&b, r->n_items - DETAIL_ITEMS_MAX);
                buf_str(&b, " more");
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
        struct buf b = {0};
        buf_u64(&b, n);
        buf_str(&b, " ");
        buf_str(&b, n == 1 ? one : many);
        buf_str(&b, tail);
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

typedef bool (*finder)(const char *, size_t, size_t *, size_t *);

static sg_err eval_numbers(struct eval *ev, const struct trigger *t, bool *fired, struct pending **pr) {
        bool card = t->type == SG_TRIGGER_CREDIT_CARD;
        finder find = card ? sg_find_card_number : sg_find_my_number;
        const char *body = ev->msg->body;
        size_t len = body ? ev->msg->body_len : 0, pos = 0, off, mlen;
        size_t found = 0;
        while (found < EVIDENCE_MAX && pos < len && find(body + pos, len - pos, &off, &mlen)) {
                if (!*pr && !(*pr = reason_new(ev, card ? SG_REASON_CREDIT_CARD : SG_REASON_MY_NUMBER, t)))
                        return nomem(ev);
                char *m = mask(body + pos + off, mlen, card);
                bool ok = m && item_add(&(*pr)->r, m, strlen(m));
                free(m);
                if (!ok)
                        return nomem(ev);
                found++;
                /* A match ends before a non-digit, so resuming there cannot
                 * cut a longer digit run. */
                pos += off + mlen;
        }
        *fired = found > 0;
        return SG_OK;
}

static sg_err eval_trigger(struct eval *ev, const struct trigger *t) {
        const sg_message *m = ev->msg;
        struct pending *pr = NULL;
        bool fired = false;
        sg_reason_code code = SG_REASON__MAX;
        /* Items are collected in a scratch reason first so nothing is added
         * to the decision unless the trigger fires. */
        sg_reason tmp = {0};
        sg_err r = SG_OK;
        struct buf b = {0};

        switch (t->type) {
        case SG_TRIGGER_ATTACHMENTS:
                code = SG_REASON_ATTACHMENTS;
                for (size_t i = 0; i < m->n_attachments; i++)
                        if (!item_add(&tmp, att_name(&m->attachments[i]), strlen(att_name(&m->attachments[i]))))
                                goto oom;
                fired = m->n_attachments > 0;
                break;
        case SG_TRIGGER_ATTACHMENT_EXTENSION:
        case SG_TRIGGER_ATTACHMENT_TYPE:
                code = t->type == SG_TRIGGER_ATTACHMENT_EXTENSION ? SG_REASON_ATTACHMENT_EXTENSION
                                                                  : SG_REASON_ATTACHMENT_TYPE;
                for (size_t i = 0; i < m->n_attachments; i++) {
                        const sg_attachment *a = &m->attachments[i];
                        bool hit = false;
                        for (size_t k = 0; k < t->n_list && !hit; k++)
                                hit = t->type == SG_TRIGGER_ATTACHMENT_EXTENSION
                                              ? has_extension(att_name(a), t->list[k])
                                              : a->content_type && type_matches(a->content_type, t->list[k]);
                        if (hit && !item_add(&tmp, att_name(a), strlen(att_name(a))))
                                goto oom;
                }
                fired = tmp.n_items > 0;
                break;
        case SG_TRIGGER_ATTACHMENT_SIZE: {
                code = SG_REASON_ATTACHMENT_SIZE;
                uint64_t total = 0;
                for (size_t i = 0; i < m->n_attachments; i++)
                        total = m->attachments[i].size > UINT64_MAX - total ? UINT64_MAX
                                                                            : total + m->attachments[i].size;
                fired = total >= t->size;
                buf_u64(&b, total);
                if (b.oom || !item_add(&tmp, b.s, b.n))
                        goto oom;
                break;
        }
        case SG_TRIGGER_SUBJECT_KEYWORD:
                code = SG_REASON_SUBJECT_KEYWORD;
                for (size_t k = 0; m->subject && k < t->n_list; k++)
                        if (sg_ascii_strcasestr(m->subject, t->list[k]) &&
                            !item_add(&tmp, t->list[k], strlen(t->list[k])))
                                goto oom;
                fired = tmp.n_items > 0;
                break;
        case SG_TRIGGER_EXTERNAL_DOMAINS:
                code = SG_REASON_EXTERNAL_DOMAINS;
                fired = ev->n_ext_domains >= t->min;
                for (size_t i = 0; fired && i < ev->n_ext_domains; i++)
                        if (!item_add(&tmp, ev->ext_domains[i], strlen(ev->ext_domains[i])))
                                goto oom;
                break;
        case SG_TRIGGER_CREDIT_CARD:
        case SG_TRIGGER_MY_NUMBER:
                r = eval_numbers(ev, t, &fired, &pr);
                if (r)
                        return r;
                if (fired && !detail_count(&pr->r, pr->r.n_items,
                                           t->type == SG_TRIGGER_CREDIT_CARD ? "payment card number"
                                                                             : "My Number (Individual Number)",
                                           t->type == SG_TRIGGER_CREDIT_CARD ? "payment card numbers"
                                                                             : "My Numbers (Individual Numbers)",
                                           " in the body"))
                        return nomem(ev);
                return SG_OK;
        case SG_TRIGGER_BODY_PATTERN:
                code = SG_REASON_BODY_PATTERN;
                for (size_t k = 0; k < t->n_list; k++) {
                        bool found = false;
                        r = sg_pattern_search_budget(t->patterns[k], m->body ? m->body : "", m->body ? m->body_len : 0,
                                                     &ev->budget, &found, ev->err);
                        if (r) {
                                sg_error_prefix(ev->err, "trigger \"%s\", pattern \"%.80s\"", t->id, t->list[k]);
                                reason_clear(&tmp);
                                return r;
                        }
                        if (found && !item_add(&tmp, t->list[k], strlen(t->list[k])))
                                goto oom;
                }
                fired = tmp.n_items > 0;
                break;
        case SG_TRIGGER_HEADER:
                code = SG_REASON_HEADER;
                for (size_t i = 0; i < m->n_headers && !fired; i++) {
                        const sg_header *h = &m->headers[i];
                        if (sg_ascii_strcasecmp(h->name, t->header_name) != 0)
                                continue;
                        if (t->n_list == 0) {
                                fired = true;
                                if (!item_add(&tmp, t->header_name, strlen(t->header_name)))
                                        goto oom;
                                break;
                        }
                        const char *v = h->value ? h->value : "";
                        char *tv = trimmed_dup(v, strlen(v));
                        if (!tv)
                                goto oom;
                        for (size_t k = 0; k < t->n_list && !fired; k++)
                                if (sg_ascii_strcasecmp(tv, t->list[k]) == 0) {
                                        fired = true;
                                        if (!item_add(&tmp, t->list[k], strlen(t->list[k]))) {
                                                free(tv);
                                                goto oom;
                                        }
                                }
                        free(tv);
                }
                break;
        default:
                break;
        }
        if (fired) {
                if (!(pr = reason_new(ev, code, t)))
                        goto oom;
                pr->r.items = tmp.items;
                pr->r.n_items = tmp.n_items;
                tmp.items = NULL;
                tmp.n_items = 0;
                bool ok;
                switch (t->type) {
                case SG_TRIGGER_ATTACHMENTS:
                        ok = detail_count(&pr->r, m->n_attachments, "attachment", "attachments", "");
                        break;
                case SG_TRIGGER_ATTACHMENT_EXTENSION:
                        ok = detail_count(&pr->r, pr->r.n_items, "attachment", "attachments",
                                          " with a listed extension");
                        break;
                case SG_TRIGGER_ATTACHMENT_TYPE:
                        ok = detail_count(&pr->r, pr->r.n_items, "attachment", "attachments", " of a listed type");
                        break;
                case SG_TRIGGER_ATTACHMENT_SIZE: {
                        struct buf d = {0};
                        buf_str(&d, "attachments total ");
                        buf_str(&d, pr->r.items[0]);
                        buf_str(&d, " bytes, at least ");
                        buf_u64(&d, t->size);
                        ok = !d.oom;
                        pr->r.detail = d.s;
                        if (!ok)
                                free(d.s), pr->r.detail = NULL;
                        break;
                }
                case SG_TRIGGER_SUBJECT_KEYWORD:
                        ok = detail_set(&pr->r, "subject contains a keyword");
                        break;
                case SG_TRIGGER_EXTERNAL_DOMAINS:
                        ok = detail_count(&pr->r, pr->r.n_items, "external domain", "external domains", "");
                        break;
                case SG_TRIGGER_BODY_PATTERN:
                        ok = detail_set(&pr->r, "body matches a pattern");
                        break;
                default: {
                        struct buf d = {0};
                        buf_str(&d, "header ");
                        buf_str(&d, t->header_name);
                        if (t->n_list) {
                                buf_str(&d, ": ");
                                buf_str(&d, pr->r.items[0]);
                        } else
                                buf_str(&d, " present");
                        ok = !d.oom;
                        pr->r.detail = d.s;
                        if (!ok)
                                free(d.s), pr->r.detail = NULL;
                        break;
                }
                }
                if (!ok)
                        goto oom;
        }
        reason_clear(&tmp);
        free(b.s);
        return SG_OK;
oom:
        reason_clear(&tmp);
        free(b.s);
        return nomem(ev);
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
        if (m->n_attachments > SG_MSG_ATTACHMENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d attachments", SG_MSG_ATTACHMENTS_MAX);
        for (size_t i = 0; i < m->n_attachments; i++) {
                const sg_attachment *a = &m->attachments[i];
                if (a->name && bounded_len(a->name, SG_MSG_NAME_MAX) > SG_MSG_NAME_MAX)
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

static sg_err parse_recipients(const sg_message *m, sg_mailbox_list *list, sg_field **ret_fields, sg_error *err) {
        const char *const *fields[SG_FIELD__MAX] = {m->to, m->cc, m->bcc};
        size_t counts[SG_FIELD__MAX] = {m->n_to, m->n_cc, m->n_bcc};
        size_t ends[SG_FIELD__MAX] = {0};
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
        sg_field *fl = malloc((list->n ? list->n : 1) * sizeof *fl);
        if (!fl)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0, f = 0; i < list->n; i++) {
                while (i >= ends[f])
                        f++;
                fl[i] = (sg_field) f;
        }
        *ret_fields = fl;
        return SG_OK;
}

struct dom_ref {
        const char *dom;
        size_t idx;
};

static int dom_ref_cmp(const void *a, const void *b) {
        const struct dom_ref *x = a, *y = b;
        int c = strcmp(x->dom, y->dom);
        if (c)
                return c;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int dom_ref_idx_cmp(const void *a, const void *b) {
        const struct dom_ref *x = a, *y = b;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The distinct external domains in order of first appearance, in
 * O(n log n) so 10,000 recipients stay fast. */
static sg_err external_domains(struct eval *ev) {
        sg_decision *d = ev->d;
        if (d->n_external == 0)
                return SG_OK;
        struct dom_ref *refs = malloc(d->n_external * sizeof *refs);
        ev->ext_domains = malloc(d->n_external * sizeof *ev->ext_domains);
        if (!refs || !ev->ext_domains) {
                free(refs);
                return nomem(ev);
        }
        size_t n = 0;
        for (size_t i = 0; i < d->n_recipients; i++)
                if (d->recipients[i].cls == SG_CLASS_EXTERNAL) {
                        const char *dom = d->recipients[i].mailbox.domain_ascii;
                        refs[n].dom = dom ? dom : "";
                        refs[n].idx = i;
                        n++;
                }
        qsort(refs, n, sizeof *refs, dom_ref_cmp);
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
                if (i == 0 || strcmp(refs[i].dom, refs[u - 1].dom) != 0)
                        refs[u++] = refs[i];
        qsort(refs, u, sizeof *refs, dom_ref_idx_cmp);
        for (size_t i = 0; i < u; i++)
                ev->ext_domains[i] = refs[i].dom;
        ev->n_ext_domains = u;
        d->n_external_domains = u;
        free(refs);
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
                no_send = no_send || ev->reasons[i].forbid_send;
        bool fb_offered = !(p->fallback_choice.kind == SG_CHOICE_SEND && no_send);
        d->choices = calloc(p->n_choices, sizeof *d->choices);
        if (!d->choices)
                return false;
        for (size_t i = 0; i < p->n_choices; i++) {
                const struct choice *c = &p->choices[i];
                if (c->kind == SG_CHOICE_SEND && no_send)
                        continue;
                /* The fallback is "send" only while send is still offered. */
                if (fb_offered ? is_fallback(p, c) : c->kind == SG_CHOICE_CANCEL)
                        d->prompt_fallback = d->n_choices;
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
                }
        }
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
        }
        free(d->choices);
        free(d->route);
        headers_free(d->headers, d->n_headers);
        free(d->subject_tag);
        sg_strv_free(d->encrypt_methods, d->n_encrypt_methods);
        sg_strv_free(d->encrypt_fallback, d->n_encrypt_fallback);
        free(d->justification_header);
        free(d);
        return NULL;
}

static sg_err evaluate(struct eval *ev) {
        const sg_policy *p = ev->p;
        sg_decision *d = ev->d;
        sg_mailbox_list list = {0};
        sg_field *fields = NULL;
        sg_err r = parse_recipients(ev->msg, &list, &fields, ev->err);
        if (r) {
                sg_mailbox_list_clear(&list);
                return r;
        }
        /* The decision takes the mailboxes over one by one. */
        d->recipients = calloc(list.n ? list.n : 1, sizeof *d->recipients);
        if (!d->recipients) {
                sg_mailbox_list_clear(&list);
                free(fields);
                return nomem(ev);
        }
        for (size_t i = 0; i < list.n; i++) {
                sg_recipient *rc = &d->recipients[i];
                rc->mailbox = list.items[i];
                rc->field = fields[i];
                d->n_recipients++;
        }
        free(list.items);
        free(fields);
        for (size_t i = 0; i < d->n_recipients; i++) {
                sg_recipient *rc = &d->recipients[i];
                classify(p, rc);
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
                for (size_t i = 0; i < ev->n_ext_domains; i++)
                        if (!item_add(&base->r, ev->ext_domains[i], strlen(ev->ext_domains[i])))
                                return nomem(ev);
                struct buf b = {0};
                buf_u64(&b, d->n_external);
                buf_str(&b, d->n_external == 1 ? " external recipient in " : " external recipients in ");
                bool ok = !b.oom && detail_count(&base->r, ev->n_ext_domains, "domain", "domains", "");
                if (ok) {
                        buf_str(&b, base->r.detail);
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
