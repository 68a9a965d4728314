/* sealgate: the normalised view of a message that the content triggers read
 * (textnorm.h; docs/admin/policy.md "Normalisation" and "Which parts each
 * trigger reads"): the subject with the subjects of forwarded messages, the
 * body with every other text part (alternatives, text attachments, forwarded
 * bodies), the attachment file names (both names of a part) and the header
 * values, each normalised only when a trigger of the policy reads it and only
 * when it is not plain ASCII. The view borrows everything else from the
 * caller's message. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy-private.h"
#include "sealgate/textnorm.h"

static bool reads(const sg_policy *p, sg_trigger_type a, sg_trigger_type b) {
        for (size_t i = 0; i < p->n_triggers; i++)
                if (p->triggers[i].type == a || p->triggers[i].type == b)
                        return true;
        return false;
}

bool sg_policy_reads_texts(const sg_policy *p) {
        return p && (reads(p, SG_TRIGGER_SUBJECT_KEYWORD, SG_TRIGGER_BODY_PATTERN) ||
                     reads(p, SG_TRIGGER_CREDIT_CARD, SG_TRIGGER_MY_NUMBER));
}

bool sg_policy_reads_attachment_types(const sg_policy *p) {
        return p &&
               (reads(p, SG_TRIGGER_ATTACHMENT_TYPE, SG_TRIGGER_ATTACHMENT_TYPE) || p->missend.confirm_attachments);
}

/* Normalise s[0..len) into a string owned by `nm`, or keep `s`. */
static sg_err norm(struct policy_text *nm, const char *s, size_t len, const char **ret, size_t *ret_len,
                   sg_error *err) {
        *ret = s;
        if (ret_len)
                *ret_len = len;
        if (!s || !sg_text_needs_normalize(s, len))
                return SG_OK;
        if (nm->n_owned == nm->cap_owned) {
                size_t cap = nm->cap_owned ? nm->cap_owned * 2 : 8;
                char **g = realloc(nm->owned, cap * sizeof *g);
                if (!g)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                nm->owned = g;
                nm->cap_owned = cap;
        }
        char *out;
        size_t n;
        sg_err r = sg_text_normalize(s, len, &out, &n, err);
        if (r)
                return r;
        nm->owned[nm->n_owned++] = out;
        *ret = out;
        if (ret_len)
                *ret_len = n;
        return SG_OK;
}

/* `first` and the text parts of `m` that `subjects` selects (the forwarded
 * subjects, or every other part), one per line, into a string owned by
 * `nm`; `first` itself when there is no such part. */
static sg_err joined(struct policy_text *nm, const char *first, size_t first_len, const sg_message *m, bool subjects,
                     const char **ret, size_t *ret_len, sg_error *err) {
        size_t total = first_len, n = 0;
        for (size_t i = 0; i < m->n_texts; i++)
                if ((m->texts[i].kind == SG_TEXT_FORWARDED_SUBJECT) == subjects) {
                        total += 1 + m->texts[i].len;
                        n++;
                }
        *ret = first;
        *ret_len = first_len;
        if (n == 0)
                return SG_OK;
        if (nm->n_owned == nm->cap_owned) {
                size_t cap = nm->cap_owned ? nm->cap_owned * 2 : 8;
                char **g = realloc(nm->owned, cap * sizeof *g);
                if (!g)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                nm->owned = g;
                nm->cap_owned = cap;
        }
        char *s = malloc(total + 1), *w = s;
        if (!s)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (first_len)
                memcpy(w, first, first_len);
        w += first_len;
        for (size_t i = 0; i < m->n_texts; i++)
                if ((m->texts[i].kind == SG_TEXT_FORWARDED_SUBJECT) == subjects) {
                        *w++ = '\n';
                        if (m->texts[i].len)
                                memcpy(w, m->texts[i].text, m->texts[i].len);
                        w += m->texts[i].len;
                }
        *w = '\0';
        nm->owned[nm->n_owned++] = s;
        *ret = s;
        *ret_len = total;
        return SG_OK;
}

sg_err policy_text_view(const sg_policy *p, const sg_message *m, struct policy_text *nm, sg_error *err) {
        memset(nm, 0, sizeof *nm);
        nm->msg = *m;
        sg_err r = SG_OK;
        const char *s;
        size_t len;
        if (reads(p, SG_TRIGGER_SUBJECT_KEYWORD, SG_TRIGGER_SUBJECT_KEYWORD) &&
            ((r = joined(nm, m->subject ? m->subject : "", m->subject ? strlen(m->subject) : 0, m, true, &s, &len,
                         err)) ||
             (r = norm(nm, s, len, &nm->msg.subject, NULL, err))))
                goto fail;
        if ((reads(p, SG_TRIGGER_CREDIT_CARD, SG_TRIGGER_MY_NUMBER) ||
             reads(p, SG_TRIGGER_BODY_PATTERN, SG_TRIGGER_BODY_PATTERN)) &&
            ((r = joined(nm, m->body ? m->body : "", m->body ? m->body_len : 0, m, false, &s, &len, err)) ||
             (r = norm(nm, s, len, &nm->msg.body, &nm->msg.body_len, err))))
                goto fail;
        if (m->n_attachments && reads(p, SG_TRIGGER_ATTACHMENT_EXTENSION, SG_TRIGGER_ATTACHMENT_EXTENSION)) {
                for (size_t i = 0; i < m->n_attachments; i++) {
                        const char *n = m->attachments[i].name, *alt = m->attachments[i].alt_name;
                        bool nn = n && sg_text_needs_normalize(n, strlen(n)),
                             na = alt && sg_text_needs_normalize(alt, strlen(alt));
                        if (!nn && !na)
                                continue;
                        if (!nm->attachments) {
                                if (!(nm->attachments = malloc(m->n_attachments * sizeof *nm->attachments))) {
                                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                                        goto fail;
                                }
                                memcpy(nm->attachments, m->attachments, m->n_attachments * sizeof *nm->attachments);
                                nm->msg.attachments = nm->attachments;
                        }
                        if ((nn && (r = norm(nm, n, strlen(n), &nm->attachments[i].name, NULL, err))) ||
                            (na && (r = norm(nm, alt, strlen(alt), &nm->attachments[i].alt_name, NULL, err))))
                                goto fail;
                }
        }
        if (m->n_headers && reads(p, SG_TRIGGER_HEADER, SG_TRIGGER_HEADER)) {
                for (size_t i = 0; i < m->n_headers; i++) {
                        const char *v = m->headers[i].value;
                        if (!v || !sg_text_needs_normalize(v, strlen(v)))
                                continue;
                        if (!nm->headers) {
                                if (!(nm->headers = malloc(m->n_headers * sizeof *nm->headers))) {
                                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                                        goto fail;
                                }
                                memcpy(nm->headers, m->headers, m->n_headers * sizeof *nm->headers);
                                nm->msg.headers = nm->headers;
                        }
                        const char *nv;
                        if ((r = norm(nm, v, strlen(v), &nv, NULL, err)))
                                goto fail;
                        /* sg_header is shared with decisions, which own their
                         * strings; this view only borrows. */
                        nm->headers[i].value = (char *) nv;
                }
        }
        return SG_OK;
fail:
        policy_text_clear(nm);
        return r;
}

void policy_text_clear(struct policy_text *nm) {
        for (size_t i = 0; i < nm->n_owned; i++)
                free(nm->owned[i]);
        free(nm->owned);
        free(nm->attachments);
        free(nm->headers);
        memset(nm, 0, sizeof *nm);
}

sg_err policy_text_entry(const char *s, size_t len, char **ret, sg_error *err) {
        size_t n;
        if (!sg_text_needs_normalize(s, len)) {
                char *c = malloc(len + 1);
                if (!c)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                memcpy(c, s, len);
                c[len] = '\0';
                *ret = c;
                return SG_OK;
        }
        return sg_text_normalize(s, len, ret, &n, err);
}
