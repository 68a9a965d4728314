/* sealgate: the mis-send prevention rules (誤送信防止; docs/admin/policy.md,
 * "Mis-send prevention"): the confirmation checklist (prompt.confirm), the
 * sender's domain, the hold before sending (send.*), the conversion of
 * external recipients to Bcc and a new domain in a reply (rules.*), with
 * their builder calls. Runs over a decision whose recipients are
 * classified; what a client does with the result is outcome.c's. Pure
 * module: libc only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/error.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"

#include "policy-private.h"

/* ---- Builder calls ------------------------------------------------------ */

sg_err sg_policy_set_confirm(sg_policy *p, const char *mode, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        for (int c = SG_CONFIRM_NONE; c <= SG_CONFIRM_ALL; c++)
                if (mode && strcmp(mode, sg_confirm_name((sg_confirm) c)) == 0) {
                        p->missend.confirm = (sg_confirm) c;
                        return SG_OK;
                }
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"none\", \"external\" or \"all\"");
}

void sg_policy_set_confirm_attachments(sg_policy *p, bool on) {
        if (p && !p->sealed)
                p->missend.confirm_attachments = on;
}

void sg_policy_set_allow_check_all(sg_policy *p, bool on) {
        if (p && !p->sealed)
                p->missend.allow_check_all = on;
}

void sg_policy_set_show_sender(sg_policy *p, bool on) {
        if (p && !p->sealed)
                p->missend.show_sender = on;
}

void sg_policy_set_confirm_sender(sg_policy *p, bool on) {
        if (p && !p->sealed)
                p->missend.confirm_sender = on;
}

sg_err sg_policy_set_delay_seconds(sg_policy *p, unsigned seconds, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (seconds > SG_POLICY_SEND_DELAY_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between 0 and %d seconds",
                                    SG_POLICY_SEND_DELAY_MAX);
        p->missend.delay_seconds = seconds;
        return SG_OK;
}

void sg_policy_set_delay_skippable(sg_policy *p, bool on) {
        if (p && !p->sealed)
                p->missend.delay_skippable = on;
}

sg_err sg_policy_set_delay_mode(sg_policy *p, const char *mode, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        for (int m = SG_DELAY_COUNTDOWN; m <= SG_DELAY_DEFERRED; m++)
                if (mode && strcmp(mode, sg_delay_mode_name((sg_delay_mode) m)) == 0) {
                        p->missend.delay_mode = (sg_delay_mode) m;
                        return SG_OK;
                }
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"countdown\" or \"deferred\"");
}

sg_err sg_policy_set_delay_scope(sg_policy *p, const char *scope, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (scope && (strcmp(scope, "external") == 0 || strcmp(scope, "all") == 0)) {
                p->missend.delay_all = strcmp(scope, "all") == 0;
                return SG_OK;
        }
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"external\" or \"all\"");
}

static sg_err set_bcc_min(sg_policy *p, unsigned n, unsigned *slot, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (n > SG_POLICY_BCC_MIN_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between 0 and %d", SG_POLICY_BCC_MIN_MAX);
        *slot = n;
        return SG_OK;
}

sg_err sg_policy_set_bcc_min_domains(sg_policy *p, unsigned n, sg_error *err) {
        return set_bcc_min(p, n, p ? &p->missend.bcc_min_domains : NULL, err);
}

sg_err sg_policy_set_bcc_min_addresses(sg_policy *p, unsigned n, sg_error *err) {
        return set_bcc_min(p, n, p ? &p->missend.bcc_min_addresses : NULL, err);
}

sg_err sg_policy_set_bcc_mode(sg_policy *p, const char *mode, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (mode && (strcmp(mode, "auto") == 0 || strcmp(mode, "ask") == 0)) {
                p->missend.bcc_mode = strcmp(mode, "ask") == 0 ? SG_BCC_ASK : SG_BCC_AUTO;
                return SG_OK;
        }
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"auto\" or \"ask\"");
}

sg_err sg_policy_set_bcc_placeholder(sg_policy *p, const char *placeholder, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!placeholder)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"sender\" or an address");
        char *copy = NULL;
        if (strcmp(placeholder, "sender") != 0) {
                /* Exactly one mailbox, which the clients put in To as written. */
                sg_mailbox_list l = {0};
                sg_error e2 = {0};
                r = sg_addr_parse_list(placeholder, 2, &l, &e2);
                size_t n = l.n;
                sg_mailbox_list_clear(&l);
                if (r == SG_ERR_NOMEM)
                        return sg_error_set(err, r, "out of memory");
                if (r || n != 1)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "expected \"sender\" or one address, got \"%.80s\"", placeholder);
                if (!(copy = sg_strdup(placeholder)))
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        free(p->missend.bcc_placeholder);
        p->missend.bcc_placeholder = copy;
        return SG_OK;
}

sg_err sg_policy_set_new_domain_in_reply(sg_policy *p, const char *action, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        static const struct {
                const char *name;
                sg_action a;
        } v[] = {{"off", SG_ACTION_ALLOW}, {"prompt", SG_ACTION_PROMPT}, {"block", SG_ACTION_BLOCK}};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++)
                if (action && strcmp(action, v[i].name) == 0) {
                        p->missend.new_domain = v[i].a;
                        return SG_OK;
                }
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"off\", \"prompt\" or \"block\"");
}

bool sg_policy_checks_new_domain(const sg_policy *p) {
        return p && p->missend.new_domain != SG_ACTION_ALLOW;
}

/* ---- Helpers ------------------------------------------------------------ */

static bool strv_add(char ***v, size_t *n, const char *s) {
        char **nv = realloc(*v, (*n + 1) * sizeof *nv);
        if (!nv)
                return false;
        *v = nv;
        if (!(nv[*n] = sg_strdup(s)))
                return false;
        (*n)++;
        return true;
}

static bool strv_has(char *const *v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Sort v[0..n) and keep one of each string at the front; the count kept. */
static size_t sorted_unique(const char **v, size_t n) {
        if (n == 0)
                return 0;
        qsort(v, n, sizeof *v, cmp_str);
        size_t u = 1;
        for (size_t i = 1; i < n; i++)
                if (strcmp(v[i], v[u - 1]) != 0)
                        v[u++] = v[i];
        return u;
}

/* Whether dom is one of the domains or a subdomain of one. */
static bool known_domain(char *const *doms, size_t n, const char *dom) {
        size_t nd = strlen(dom);
        for (size_t i = 0; i < n; i++) {
                size_t k = strlen(doms[i]);
                if (nd == k ? strcmp(dom, doms[i]) == 0
                            : nd > k && dom[nd - k - 1] == '.' && strcmp(dom + nd - k, doms[i]) == 0)
                        return true;
        }
        return false;
}

static void reasons_clear(sg_reason *r, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(r[i].trigger);
                free(r[i].detail);
                free(r[i].label_en);
                free(r[i].label_ja);
                sg_strv_free(r[i].items, r[i].n_items);
        }
}

static sg_reason *reason_add(sg_reason *v, size_t *n, sg_reason_code code, sg_action a) {
        sg_reason *r = &v[(*n)++];
        memset(r, 0, sizeof *r);
        r->code = code;
        r->action = a;
        return r;
}

/* "PREFIX N WORD(s)" as the detail of r. */
static bool detail_n(sg_reason *r, const char *prefix, size_t n, const char *one, const char *many) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s%zu %s", prefix, n, n == 1 ? one : many);
        return (r->detail = sg_strdup(buf)) != NULL;
}

/* ---- The rules ---------------------------------------------------------- */

/* The domains of the original message's addresses (sg_message.related). */
static sg_err related_domains(const sg_message *m, char ***ret, size_t *ret_n, sg_error *err) {
        if (m->n_related > SG_MSG_RELATED_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "related: more than %d address lists", SG_MSG_RELATED_MAX);
        sg_mailbox_list l = {0};
        for (size_t i = 0; i < m->n_related; i++) {
                if (!m->related || !m->related[i])
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "related: address list %zu is NULL", i);
                sg_error e2 = {0};
                sg_err r = sg_addr_parse_list(m->related[i], SG_MSG_RECIPIENTS_MAX, &l, &e2);
                if (r == SG_ERR_NOMEM || r == SG_ERR_LIMIT) {
                        sg_mailbox_list_clear(&l);
                        return sg_error_set(err, r, "related: %s", e2.message);
                }
        }
        for (size_t i = 0; i < l.n; i++) {
                const char *dom = l.items[i].domain_ascii;
                if (dom && *dom && !strv_has(*ret, *ret_n, dom) && !strv_add(ret, ret_n, dom)) {
                        sg_mailbox_list_clear(&l);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
        }
        sg_mailbox_list_clear(&l);
        return SG_OK;
}

static sg_err new_domains(const sg_policy *p, const sg_message *m, sg_decision *d, sg_reason *out, size_t *n_out,
                          sg_error *err) {
        if (p->missend.new_domain == SG_ACTION_ALLOW || m->n_related == 0)
                return SG_OK;
        char **known = NULL, **fresh = NULL;
        size_t n_known = 0, n_fresh = 0;
        sg_err r = related_domains(m, &known, &n_known, err);
        for (size_t i = 0; !r && i < d->n_recipients; i++) {
                const sg_recipient *rc = &d->recipients[i];
                const char *dom = rc->mailbox.domain_ascii ? rc->mailbox.domain_ascii : "";
                if (rc->cls != SG_CLASS_EXTERNAL || known_domain(known, n_known, dom) || strv_has(fresh, n_fresh, dom))
                        continue;
                if (!strv_add(&fresh, &n_fresh, dom))
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        sg_strv_free(known, n_known);
        if (r || n_fresh == 0) {
                sg_strv_free(fresh, n_fresh);
                return r;
        }
        sg_reason *rs = reason_add(out, n_out, SG_REASON_NEW_DOMAIN_IN_REPLY, p->missend.new_domain);
        rs->items = fresh;
        rs->n_items = n_fresh;
        if (!detail_n(rs, "a reply adds ", n_fresh, "new domain", "new domains"))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        return SG_OK;
}

/* rules.convert_to_bcc: the external recipients in To and Cc, counted by
 * address and by domain. */
static sg_err convert_to_bcc(const sg_policy *p, const sg_message *m, sg_decision *d, sg_reason *out, size_t *n_out,
                             sg_error *err) {
        const struct missend *ms = &p->missend;
        if (ms->bcc_min_domains == 0 && ms->bcc_min_addresses == 0)
                return SG_OK;
        /* Sorted borrowed copies, so 10,000 recipients count in n log n. */
        const char **addr = malloc((d->n_recipients + 1) * sizeof *addr);
        const char **dom = malloc((d->n_recipients + 1) * sizeof *dom);
        if (!addr || !dom) {
                free(addr);
                free(dom);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        size_t k = 0;
        bool to_left = false;
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *rc = &d->recipients[i];
                if (rc->field == SG_FIELD_BCC)
                        continue;
                if (rc->cls != SG_CLASS_EXTERNAL) {
                        to_left = to_left || rc->field == SG_FIELD_TO;
                        continue;
                }
                addr[k] = rc->mailbox.address;
                dom[k++] = rc->mailbox.domain_ascii ? rc->mailbox.domain_ascii : "";
        }
        size_t n_addrs = sorted_unique(addr, k), n_doms = sorted_unique(dom, k);
        free(dom);
        bool fire = (ms->bcc_min_domains && n_doms >= ms->bcc_min_domains) ||
                    (ms->bcc_min_addresses && n_addrs >= ms->bcc_min_addresses);
        char **addrs = NULL;
        if (fire && (addrs = calloc(n_addrs, sizeof *addrs)))
                for (size_t i = 0; i < n_addrs; i++)
                        if (!(addrs[i] = sg_strdup(addr[i]))) {
                                sg_strv_free(addrs, i);
                                addrs = NULL;
                                break;
                        }
        free(addr);
        if (!fire)
                return SG_OK;
        if (!addrs)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_bcc_mode mode = ms->bcc_mode == SG_BCC_ASK ? SG_BCC_ASK : SG_BCC_AUTO;
        sg_reason *rs = reason_add(out, n_out, SG_REASON_CONVERT_TO_BCC,
                                   mode == SG_BCC_ASK ? SG_ACTION_PROMPT : SG_ACTION_ALLOW);
        rs->items = addrs;
        rs->n_items = n_addrs;
        if (!detail_n(rs, "moved to Bcc: ", n_addrs, "external recipient", "external recipients"))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < d->n_recipients; i++)
                d->recipients[i].to_bcc =
                        d->recipients[i].field != SG_FIELD_BCC && d->recipients[i].cls == SG_CLASS_EXTERNAL;
        d->bcc_mode = mode;
        if (to_left)
                return SG_OK;
        /* To would be empty: the placeholder. Without a sender to put there
         * nothing is moved and the message is not sent (fail closed). */
        const char *ph = ms->bcc_placeholder ? ms->bcc_placeholder : m->from;
        if (ph && *ph) {
                if (!(d->bcc_placeholder = sg_strdup(ph)))
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                return SG_OK;
        }
        rs->action = SG_ACTION_BLOCK;
        free(rs->detail);
        rs->detail = NULL;
        if (!(rs->detail = sg_strdup("To would be left empty and the message has no sender to put there")))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        return SG_OK;
}

/* prompt.confirm_sender: a sender outside the internal domains. */
static sg_err sender_domain(const sg_policy *p, const sg_message *m, sg_reason *out, size_t *n_out, sg_error *err) {
        if (!p->missend.confirm_sender || !m->from || !*m->from)
                return SG_OK;
        sg_mailbox_list l = {0};
        sg_error e2 = {0};
        sg_err r = sg_addr_parse_list(m->from, 1, &l, &e2);
        if (r == SG_ERR_NOMEM)
                return sg_error_set(err, r, "out of memory");
        bool external = true;
        const char *dom = "";
        if (!r && l.n == 1) {
                sg_recipient rc = {.mailbox = l.items[0]};
                external = !policy_classify(p, &rc) || rc.cls == SG_CLASS_EXTERNAL;
                dom = l.items[0].domain_ascii ? l.items[0].domain_ascii : "";
        }
        if (!external) {
                sg_mailbox_list_clear(&l);
                return SG_OK;
        }
        sg_reason *rs = reason_add(out, n_out, SG_REASON_SENDER_DOMAIN, SG_ACTION_PROMPT);
        bool ok = strv_add(&rs->items, &rs->n_items, *dom ? dom : m->from) &&
                  (rs->detail = sg_strdup("the sender is outside the internal domains")) != NULL;
        sg_mailbox_list_clear(&l);
        return ok ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
}

sg_err policy_missend(const sg_policy *p, const sg_message *m, sg_decision *d, sg_reason ret[MISSEND_REASONS_MAX],
                      size_t *ret_n, sg_error *err) {
        const struct missend *ms = &p->missend;
        bool external = d->n_external > 0;
        size_t n = 0;
        d->confirm = ms->confirm;
        d->allow_check_all = ms->allow_check_all;
        d->show_sender = ms->show_sender;
        d->delay_skippable = ms->delay_skippable;
        d->delay_mode = ms->delay_mode;
        d->delay_seconds = external || ms->delay_all ? ms->delay_seconds : 0;
        /* Attachments are confirmed on a message leaving the organisation,
         * or on every message when every recipient is confirmed. */
        d->confirm_attachments =
                ms->confirm_attachments && m->n_attachments > 0 && (external || ms->confirm == SG_CONFIRM_ALL);
        if (d->show_sender && m->from && *m->from && !(d->sender = sg_strdup(m->from)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (d->confirm_attachments) {
                if (!(d->attachments = calloc(m->n_attachments, sizeof *d->attachments)))
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                for (size_t i = 0; i < m->n_attachments; i++) {
                        const sg_attachment *a = &m->attachments[i];
                        sg_attachment *c = &d->attachments[d->n_attachments++];
                        c->size = a->size;
                        if (!(c->name = sg_strdup(a->name ? a->name : "")) ||
                            (a->content_type && !(c->content_type = sg_strdup(a->content_type))))
                                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
        }
        size_t n_confirm = 0;
        for (size_t i = 0; i < d->n_recipients; i++) {
                sg_recipient *rc = &d->recipients[i];
                bool ext = rc->cls == SG_CLASS_EXTERNAL;
                rc->confirm = ms->confirm == SG_CONFIRM_ALL || (ms->confirm == SG_CONFIRM_EXTERNAL && ext);
                rc->lookalike = ext && rc->mailbox.domain_ascii && policy_lookalike(p, rc->mailbox.domain_ascii);
                n_confirm += rc->confirm;
        }
        sg_err r = SG_OK;
        if (n_confirm > 0 || d->confirm_attachments) {
                sg_reason *rs = reason_add(ret, &n, SG_REASON_CONFIRM, SG_ACTION_PROMPT);
                if (!detail_n(rs, "confirm ", n_confirm + (d->confirm_attachments ? m->n_attachments : 0), "item",
                              "items"))
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        if (!r)
                r = sender_domain(p, m, ret, &n, err);
        if (!r)
                r = convert_to_bcc(p, m, d, ret, &n, err);
        if (!r)
                r = new_domains(p, m, d, ret, &n, err);
        if (r) {
                reasons_clear(ret, n);
                return r;
        }
        *ret_n = n;
        return SG_OK;
}
