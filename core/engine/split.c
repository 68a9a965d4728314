/* sealgate: split delivery (see sealgate/split.h): which recipients get the
 * encrypted copy and which the routed one, or why the message is not split. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/split.h"
#include "sealgate/util.h"

static const char *const verdict_names[SG_SPLIT__MAX] = {"split",      "not_allowed", "all_ready",
                                                         "none_ready", "send_later",  "no_transport"};

const char *sg_split_verdict_name(sg_split_verdict v) {
        return (unsigned) v < SG_SPLIT__MAX ? verdict_names[v] : "unknown";
}

sg_split_plan *sg_split_plan_free(sg_split_plan *p) {
        if (!p)
                return NULL;
        free(p->encrypted);
        free(p->routed);
        free(p);
        return NULL;
}

/* Whether recipient i goes encrypted: ready, and every other member of its
 * list ready too. */
static bool goes_encrypted(const sg_split_facts *f, size_t i) {
        const sg_split_recipient *r = &f->recipients[i];
        if (!r->ready)
                return false;
        if (!r->group)
                return true;
        for (size_t j = 0; j < f->n_recipients; j++) {
                const sg_split_recipient *o = &f->recipients[j];
                if (!o->ready && o->group && strcmp(o->group, r->group) == 0)
                        return false;
        }
        return true;
}

sg_err sg_split_plan_new(const sg_outcome *o, const sg_split_facts *f, sg_split_plan **ret, sg_error *err) {
        if (!o || !f || !ret || (f->n_recipients && !f->recipients))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_split_plan_new: no outcome or facts");
        if (f->n_recipients > SG_SPLIT_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "recipients: more than %d", SG_SPLIT_RECIPIENTS_MAX);
        for (size_t i = 0; i < f->n_recipients; i++)
                if (!f->recipients[i].address || !f->recipients[i].address[0])
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "recipients[%zu]: no address", i);
        sg_split_plan *p = calloc(1, sizeof *p);
        size_t n = f->n_recipients ? f->n_recipients : 1;
        if (!p || !(p->encrypted = calloc(n, sizeof *p->encrypted)) || !(p->routed = calloc(n, sizeof *p->routed))) {
                sg_split_plan_free(p);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < f->n_recipients; i++) {
                if (goes_encrypted(f, i))
                        p->encrypted[p->n_encrypted++] = i;
                else
                        p->routed[p->n_routed++] = i;
        }
        if (o->action != SG_OUTCOME_ENCRYPT || !o->split || o->n_fallback == 0)
                p->verdict = SG_SPLIT_NOT_ALLOWED;
        else if (!p->n_routed)
                p->verdict = SG_SPLIT_ALL_READY;
        else if (!p->n_encrypted)
                p->verdict = SG_SPLIT_NONE_READY;
        else if (f->send_later)
                p->verdict = SG_SPLIT_SEND_LATER;
        else if (f->no_transport)
                p->verdict = SG_SPLIT_NO_TRANSPORT;
        else
                p->verdict = SG_SPLIT_YES;
        p->route = 0; /* the first fallback route, as for a message that is not split */
        *ret = p;
        return SG_OK;
}

char *sg_split_header_value(const char *attempt, const char *copy) {
        const char *a = attempt ? attempt : "", *c = copy ? copy : "";
        size_t n = strlen(a) + strlen(c) + 48;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "v=1; attempt=%s; copy=%s; copies=2", a, c);
        return s;
}
