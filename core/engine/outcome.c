/* sealgate: the outcome of a decision (see sealgate/outcome.h): choice ids,
 * the justification header value, the subject tag, the encryption plan with
 * its fallback routes, and the audit record's fields, for every client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/frame.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"

/* ---- choice ids */

char *sg_choice_id(const sg_choice *c, char out[SG_CHOICE_ID_SIZE]) {
        if (c->kind == SG_CHOICE_ROUTE)
                snprintf(out, SG_CHOICE_ID_SIZE, "%s%s", SG_CHOICE_ROUTE_PREFIX, c->route ? c->route : "");
        else
                snprintf(out, SG_CHOICE_ID_SIZE, "%s", sg_choice_kind_name(c->kind));
        return out;
}

bool sg_choice_id_parse(const char *id, sg_choice_kind *ret_kind, const char **ret_route) {
        size_t n = sizeof SG_CHOICE_ROUTE_PREFIX - 1;
        if (!id)
                return false;
        if (strncmp(id, SG_CHOICE_ROUTE_PREFIX, n) == 0) {
                if (!id[n])
                        return false;
                *ret_kind = SG_CHOICE_ROUTE;
                *ret_route = id + n;
                return true;
        }
        sg_choice_kind k;
        if (!sg_choice_kind_from_name(id, &k) || k == SG_CHOICE_ROUTE)
                return false;
        *ret_kind = k;
        *ret_route = NULL;
        return true;
}

bool sg_choice_is(const sg_choice *c, const char *id) {
        sg_choice_kind k;
        const char *route;
        if (!sg_choice_id_parse(id, &k, &route) || k != c->kind)
                return false;
        return k != SG_CHOICE_ROUTE || (c->route && strcmp(route, c->route) == 0);
}

const sg_choice *sg_decision_choice(const sg_decision *d, const char *id) {
        for (size_t i = 0; i < d->n_choices; i++)
                if (sg_choice_is(&d->choices[i], id))
                        return &d->choices[i];
        return NULL;
}

/* ---- unresolved recipients */

char *sg_unresolved_address(size_t n, char out[SG_UNRESOLVED_ADDRESS_SIZE]) {
        snprintf(out, SG_UNRESOLVED_ADDRESS_SIZE, "unresolved-%llu@%s", (unsigned long long) n, SG_UNRESOLVED_DOMAIN);
        return out;
}

bool sg_domain_is_unresolved(const char *domain_ascii) {
        return domain_ascii && sg_ascii_strcasecmp(domain_ascii, SG_UNRESOLVED_DOMAIN) == 0;
}

/* ---- header values and subjects */

static char *rfc2047_encode(const char *s) {
        size_t n = strlen(s);
        /* Each word: at most SG_EWORD_RAW_MAX bytes → 60 base64 characters,
         * 72 with the markers, plus a separating space; every word but the
         * last has at least SG_EWORD_RAW_MAX - 3 bytes (> 30). */
        char *out = malloc((n / 30 + 1) * 76 + 1);
        if (!out)
                return NULL;
        size_t o = 0, i = 0;
        while (i < n) {
                size_t k = n - i < SG_EWORD_RAW_MAX ? n - i : SG_EWORD_RAW_MAX, full = k;
                while (k < n - i && k > full - 3 && ((unsigned char) s[i + k] & 0xC0) == 0x80)
                        k--; /* do not split a character (at most 3 bytes back: a run of
                              * continuation bytes is no character, and an empty word
                              * would never end) */
                if (k < n - i && ((unsigned char) s[i + k] & 0xC0) == 0x80)
                        k = full;
                if (o)
                        out[o++] = ' ';
                memcpy(out + o, "=?UTF-8?B?", 10);
                o += 10;
                o += sg_base64_encode_to(s + i, k, out + o);
                memcpy(out + o, "?=", 2);
                o += 2;
                i += k;
        }
        out[o] = '\0';
        return out;
}

char *sg_header_value_encode(const char *text) {
        if (!text)
                text = "";
        bool plain = strstr(text, "=?") == NULL;
        for (const char *p = text; *p && plain; p++)
                plain = (unsigned char) *p >= 0x20 && (unsigned char) *p < 0x7F;
        return plain ? sg_strdup(text) : rfc2047_encode(text);
}

char *sg_subject_tag(const char *subject, const char *tag) {
        if (!subject)
                subject = "";
        if (!tag || !*tag || strncmp(subject, tag, strlen(tag)) == 0)
                return sg_strdup(subject);
        if (!*subject)
                return sg_strdup(tag);
        size_t n = strlen(tag) + 1 + strlen(subject) + 1;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "%s %s", tag, subject);
        return s;
}

/* ---- readiness */

static const char *const note_names[SG_NOTE__MAX] = {"", "encrypt_no_identity", "encrypt_not_ready", "encrypt_unknown",
                                                     "send_not_allowed"};

const char *sg_offer_note_name(sg_offer_note n) {
        return (unsigned) n < SG_NOTE__MAX ? note_names[n] : "";
}

void sg_decision_offer(const sg_decision *d, const sg_readiness *r, sg_offer *ret) {
        memset(ret, 0, sizeof *ret);
        bool has_encrypt = false;
        for (size_t i = 0; i < d->n_choices; i++)
                has_encrypt = has_encrypt || d->choices[i].kind == SG_CHOICE_ENCRYPT;
        if (!r || !has_encrypt)
                return;
        bool known = false, identity = false;
        size_t fewest = (size_t) -1;
        for (size_t m = 0; m < d->n_encrypt_methods; m++) {
                for (size_t k = 0; k < r->n_methods; k++) {
                        const sg_readiness_method *rm = &r->methods[k];
                        if (!rm->method || strcmp(rm->method, d->encrypt_methods[m]) != 0)
                                continue;
                        known = true;
                        if (!rm->identity)
                                break;
                        identity = true;
                        if (rm->not_ready == 0) {
                                ret->method = d->encrypt_methods[m];
                                return;
                        }
                        if (rm->not_ready < fewest)
                                fewest = rm->not_ready;
                        break;
                }
        }
        ret->encrypt_removed = true;
        if (!known) {
                ret->note = SG_NOTE_ENCRYPT_UNKNOWN;
        } else if (!identity) {
                ret->note = SG_NOTE_ENCRYPT_NO_IDENTITY;
        } else {
                ret->note = SG_NOTE_ENCRYPT_NOT_READY;
                ret->count = fewest;
        }
}

/* ---- the gateway check header */

char *sg_check_header_value(const char *attempt, const sg_decision *d, sg_audit_outcome audit, const char *route) {
        const char *a = attempt ? attempt : "";
        const char *act = sg_action_name(d->action), *out = sg_audit_outcome_name(audit);
        size_t n = strlen(a) + strlen(act) + strlen(out) + (route ? strlen(route) : 0) + 64;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "v=1; attempt=%s; decision=%s; outcome=%s%s%s", a, act, out, route ? "; route=" : "",
                         route ? route : "");
        return s;
}

/* ---- the outcome */

static const char *const action_names[SG_OUTCOME__MAX] = {"send", "route", "encrypt", "block", "cancel"};

const char *sg_outcome_action_name(sg_outcome_action a) {
        return (unsigned) a < SG_OUTCOME__MAX ? action_names[a] : "unknown";
}

static void headers_free(sg_header *h, size_t n) {
        for (size_t i = 0; h && i < n; i++) {
                free(h[i].name);
                free(h[i].value);
        }
        free(h);
}

static bool headers_copy(const sg_header *h, size_t n, sg_header **ret, size_t *ret_n) {
        *ret = NULL;
        *ret_n = 0;
        if (n == 0)
                return true;
        sg_header *c = calloc(n, sizeof *c);
        if (!c)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(c[i].name = sg_strdup(h[i].name)) || !(c[i].value = sg_strdup(h[i].value))) {
                        headers_free(c, n);
                        return false;
                }
        *ret = c;
        *ret_n = n;
        return true;
}

sg_outcome *sg_outcome_free(sg_outcome *o) {
        if (!o)
                return NULL;
        free(o->choice);
        free(o->justification);
        headers_free(o->headers, o->n_headers);
        free(o->subject);
        free(o->route);
        free(o->check.name);
        free(o->check.value);
        sg_strv_free(o->encrypt_methods, o->n_encrypt_methods);
        for (size_t i = 0; i < o->n_fallback; i++) {
                free(o->fallback[i].check.name);
                free(o->fallback[i].check.value);
                free(o->fallback[i].name);
                headers_free(o->fallback[i].headers, o->fallback[i].n_headers);
                free(o->fallback[i].subject);
        }
        free(o->fallback);
        sg_strv_free(o->bcc_moved, o->n_bcc_moved);
        free(o->to_placeholder);
        free(o);
        return NULL;
}

/* The new subject for `tag`, or NULL (unchanged) through *ret; false on ENOMEM. */
static bool tagged(const char *subject, const char *tag, char **ret) {
        *ret = NULL;
        if (!tag)
                return true;
        char *s = sg_subject_tag(subject, tag);
        if (!s)
                return false;
        if (strcmp(s, subject ? subject : "") == 0)
                free(s);
        else
                *ret = s;
        return true;
}

/* A route by name: among the decision's route choices, else in the policy. */
static bool find_route(const sg_decision *d, const sg_policy *p, const char *name, const sg_header **ret_h,
                       size_t *ret_n, const char **ret_tag) {
        for (size_t i = 0; i < d->n_choices; i++) {
                const sg_choice *c = &d->choices[i];
                if (c->kind == SG_CHOICE_ROUTE && c->route && strcmp(c->route, name) == 0) {
                        *ret_h = c->headers;
                        *ret_n = c->n_headers;
                        *ret_tag = c->subject_tag;
                        return true;
                }
        }
        return p && sg_policy_route(p, name, ret_h, ret_n, ret_tag);
}

static bool plan_encrypt(sg_outcome *o, const sg_decision *d, const sg_outcome_input *in) {
        /* A decision that offers no encryption (a client's own choice, such as
         * the ribbon's Encrypt toggle): the policy's methods and fallbacks. */
        const char *const *methods = (const char *const *) d->encrypt_methods;
        const char *const *fallback = (const char *const *) d->encrypt_fallback;
        size_t n_methods = d->n_encrypt_methods, n_fallback = d->n_encrypt_fallback;
        if (!n_methods && !n_fallback && in->policy) {
                methods = sg_policy_encrypt_methods(in->policy, &n_methods);
                fallback = sg_policy_encrypt_fallback(in->policy, &n_fallback);
        }
        for (size_t i = 0; in->encrypt_method && i < n_methods; i++)
                if (strcmp(methods[i], in->encrypt_method) == 0) {
                        methods += i; /* readiness found this one ready: only it */
                        n_methods = 1;
                        break;
                }
        if (n_methods) {
                o->encrypt_methods = calloc(n_methods, sizeof *o->encrypt_methods);
                if (!o->encrypt_methods)
                        return false;
                for (size_t i = 0; i < n_methods; i++) {
                        if (!(o->encrypt_methods[i] = sg_strdup(methods[i])))
                                return false;
                        o->n_encrypt_methods++;
                }
        }
        if (n_fallback) {
                o->fallback = calloc(n_fallback, sizeof *o->fallback);
                if (!o->fallback)
                        return false;
        }
        for (size_t i = 0; i < n_fallback; i++) {
                const sg_header *h;
                size_t n;
                const char *tag;
                if (!find_route(d, in->policy, fallback[i], &h, &n, &tag) || n == 0)
                        continue; /* no such route (any more): not usable */
                sg_outcome_route *r = &o->fallback[o->n_fallback++];
                if (!(r->name = sg_strdup(fallback[i])) || !headers_copy(h, n, &r->headers, &r->n_headers) ||
                    !tagged(in->subject, tag, &r->subject))
                        return false;
        }
        /* Not when the user chose encryption: routing some recipients is
         * then the user's to confirm (ask_before_fallback). */
        o->split =
                in->can_split && o->n_fallback > 0 && !o->ask_before_fallback && sg_policy_split_delivery(in->policy);
        return true;
}

static bool apply_route(sg_outcome *o, const char *name, const sg_header *h, size_t n, const char *tag,
                        const char *subject) {
        o->action = SG_OUTCOME_ROUTE;
        return (o->route = sg_strdup(name ? name : "")) && headers_copy(h, n, &o->headers, &o->n_headers) &&
               tagged(subject, tag, &o->subject);
}

static bool build(sg_outcome *o, const sg_decision *d, const sg_outcome_input *in) {
        const sg_choice *c = in->choice;
        if (!c) {
                switch (d->action) {
                case SG_ACTION_ALLOW:
                        o->action = SG_OUTCOME_SEND;
                        return true;
                case SG_ACTION_ROUTE:
                        return apply_route(o, d->route, d->headers, d->n_headers, d->subject_tag, in->subject);
                case SG_ACTION_ENCRYPT:
                        o->action = SG_OUTCOME_ENCRYPT;
                        return plan_encrypt(o, d, in);
                case SG_ACTION_BLOCK:
                        o->action = SG_OUTCOME_BLOCK;
                        return true;
                default:
                        o->action = SG_OUTCOME_CANCEL; /* a prompt nobody answered */
                        return true;
                }
        }
        switch (c->kind) {
        case SG_CHOICE_ROUTE:
                return apply_route(o, c->route, c->headers, c->n_headers, c->subject_tag, in->subject);
        case SG_CHOICE_ENCRYPT:
                o->action = SG_OUTCOME_ENCRYPT;
                /* chosen by the user: in the prompt, or before Send in the
                 * compose window (prompt.accept_compose_choice) */
                o->ask_before_fallback = in->by && (strcmp(in->by, "button") == 0 || strcmp(in->by, "compose") == 0);
                return plan_encrypt(o, d, in);
        case SG_CHOICE_SEND:
                o->action = SG_OUTCOME_SEND;
                /* prompt.justification_to "audit": the reason stays in the
                 * audit record (sg_outcome_audit_record), off the message */
                if (o->justification && d->justification_header && d->justification_to != SG_JUSTIFICATION_TO_AUDIT) {
                        o->headers = calloc(1, sizeof *o->headers);
                        if (!o->headers)
                                return false;
                        o->n_headers = 1;
                        return (o->headers[0].name = sg_strdup(d->justification_header)) &&
                               (o->headers[0].value = sg_header_value_encode(o->justification));
                }
                return true;
        default:
                o->action = SG_OUTCOME_CANCEL;
                return true;
        }
}

static const sg_audit_outcome audit_of[SG_OUTCOME__MAX] = {
        [SG_OUTCOME_SEND] = SG_AUDIT_SENT,        [SG_OUTCOME_ROUTE] = SG_AUDIT_ROUTED,
        [SG_OUTCOME_ENCRYPT] = SG_AUDIT_ENCRYPT,  [SG_OUTCOME_BLOCK] = SG_AUDIT_BLOCKED,
        [SG_OUTCOME_CANCEL] = SG_AUDIT_CANCELLED,
};

static bool check_for(sg_header *h, const char *name, const char *attempt, const sg_decision *d, sg_audit_outcome audit,
                      const char *route) {
        return (h->name = sg_strdup(name)) && (h->value = sg_check_header_value(attempt, d, audit, route));
}

/* The gateway check header on an outcome that sends, and on each fallback. */
static bool add_checks(sg_outcome *o, const sg_decision *d, const sg_outcome_input *in) {
        if (!in->attempt || !in->check_header ||
            (o->action != SG_OUTCOME_SEND && o->action != SG_OUTCOME_ROUTE && o->action != SG_OUTCOME_ENCRYPT))
                return true;
        if (!check_for(&o->check, in->check_header, in->attempt, d, o->audit, o->route))
                return false;
        for (size_t i = 0; i < o->n_fallback; i++)
                if (!check_for(&o->fallback[i].check, in->check_header, in->attempt, d, SG_AUDIT_ROUTED,
                               o->fallback[i].name))
                        return false;
        return true;
}

/* The rule's reason (it lists the addresses, each once), or NULL. */
static const sg_reason *bcc_reason(const sg_decision *d) {
        for (size_t i = 0; d && i < d->n_reasons; i++)
                if (d->reasons[i].code == SG_REASON_CONVERT_TO_BCC && d->reasons[i].n_items)
                        return &d->reasons[i];
        return NULL;
}

const char *sg_outcome_bcc_word(const sg_decision *d, sg_audit_outcome outcome, bool declined) {
        if ((outcome != SG_AUDIT_SENT && outcome != SG_AUDIT_ROUTED && outcome != SG_AUDIT_ENCRYPT) || !d ||
            d->bcc_mode == SG_BCC_OFF || !bcc_reason(d))
                return NULL;
        return d->bcc_mode == SG_BCC_ASK && declined ? "kept" : "moved";
}

/* The mis-send actions of an outcome that sends: the Bcc move and the hold. */
static bool add_missend(sg_outcome *o, const sg_decision *d, const sg_outcome_input *in) {
        if (o->action != SG_OUTCOME_SEND && o->action != SG_OUTCOME_ROUTE && o->action != SG_OUTCOME_ENCRYPT)
                return true;
        o->delay_seconds = d->delay_seconds;
        o->delay_skippable = d->delay_skippable;
        o->delay_mode = d->delay_mode;
        const char *word = sg_outcome_bcc_word(d, o->audit, in->bcc_declined);
        if (!word || strcmp(word, "moved") != 0)
                return true;
        const sg_reason *r = bcc_reason(d);
        if (!(o->bcc_moved = calloc(r->n_items, sizeof *o->bcc_moved)))
                return false;
        for (size_t i = 0; i < r->n_items; i++)
                if (!(o->bcc_moved[o->n_bcc_moved++] = sg_strdup(r->items[i])))
                        return false;
        return !d->bcc_placeholder || (o->to_placeholder = sg_strdup(d->bcc_placeholder));
}

sg_err sg_outcome_new(const sg_decision *d, const sg_outcome_input *in, sg_outcome **ret, sg_error *err) {
        static const sg_outcome_input none = {0};
        if (!d || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_outcome_new: no decision or result");
        if (!in)
                in = &none;
        if (in->justification && strlen(in->justification) > SG_AUDIT_JUSTIFICATION_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "justification: longer than %d bytes",
                                    SG_AUDIT_JUSTIFICATION_MAX);
        sg_outcome *o = calloc(1, sizeof *o);
        if (!o)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        o->by = in->by;
        o->prompt_error = in->prompt_error;
        bool toggle = in->by && strcmp(in->by, "toggle") == 0;
        char id[SG_CHOICE_ID_SIZE];
        bool ok = (!in->choice || toggle || (o->choice = sg_strdup(sg_choice_id(in->choice, id)))) &&
                  (!in->justification || (o->justification = sg_strdup(in->justification))) && build(o, d, in);
        if (!ok) {
                sg_outcome_free(o);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the outcome");
        }
        o->audit = audit_of[o->action];
        if (!add_missend(o, d, in)) {
                sg_outcome_free(o);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the outcome");
        }
        if (!add_checks(o, d, in)) {
                sg_outcome_free(o);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the check header");
        }
        *ret = o;
        return SG_OK;
}

void sg_outcome_encrypt_unavailable(sg_outcome *o) {
        if (!o || o->action != SG_OUTCOME_ENCRYPT)
                return;
        o->action = SG_OUTCOME_CANCEL;
        o->audit = SG_AUDIT_CANCELLED;
}

bool sg_outcome_took_fallback(sg_outcome *o, size_t i) {
        if (!o || o->action != SG_OUTCOME_ENCRYPT || i >= o->n_fallback || !o->fallback[i].name)
                return false;
        char *name = sg_strdup(o->fallback[i].name);
        if (!name)
                return false;
        free(o->route);
        o->route = name;
        o->action = SG_OUTCOME_ROUTE;
        o->audit = SG_AUDIT_ROUTED;
        return true;
}

void sg_outcome_audit_record(const sg_outcome *o, const sg_decision *d, const sg_outcome_input *in,
                             sg_audit_record *rec) {
        bool toggle = in && in->by && strcmp(in->by, "toggle") == 0;
        rec->decision = d;
        rec->choice = in && !toggle ? in->choice : NULL;
        rec->by = o->by;
        rec->justification = o->justification;
        rec->route_given = true;
        rec->route = o->route;
        rec->outcome = o->audit;
        rec->prompt_error = o->prompt_error;
        rec->bcc = sg_outcome_bcc_word(d, o->audit, in && in->bcc_declined);
}
