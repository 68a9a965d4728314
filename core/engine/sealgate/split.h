/* sealgate: split delivery (policy encrypt.split_delivery). When an
 * "encrypt" outcome allows a split (sg_outcome.split) and some recipients
 * are ready for the local method and the others are not, the client sends
 * two copies of the same message: one encrypted to the ready recipients,
 * one through the outcome's first fallback route to the rest. The client
 * finds the facts (readiness per recipient, how the message is being sent);
 * this decides which recipients go which way, or why there is no split.
 * Both copies carry the family header (SG_SPLIT_HEADER) naming the attempt,
 * which is how the two copies relate (each has its own Message-ID).
 * Pure module: libc only. */
#ifndef SEALGATE_SPLIT_H
#define SEALGATE_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/error.h"
#include "sealgate/outcome.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_SPLIT_HEADER         "X-Sealgate-Split"
#define SG_SPLIT_RECIPIENTS_MAX 2000 /* recipients in one split request */

/* Why there is (or is not) a split; stable names (sg_split_verdict_name). */
typedef enum sg_split_verdict {
        SG_SPLIT_YES = 0,      /* "split": two copies */
        SG_SPLIT_NOT_ALLOWED,  /* "not_allowed": the outcome does not allow it (not encrypt, policy off, no
                                  fallback route, or a client that cannot send two copies) */
        SG_SPLIT_ALL_READY,    /* "all_ready": one encrypted message to everyone */
        SG_SPLIT_NONE_READY,   /* "none_ready": nobody is ready: the fallback route for everyone */
        SG_SPLIT_SEND_LATER,   /* "send_later": the message goes to the Outbox; two copies cannot be kept apart there */
        SG_SPLIT_NO_TRANSPORT, /* "no_transport": the account has no SMTP server to send the copies now */
        SG_SPLIT__MAX
} sg_split_verdict;

/* One recipient as the client knows it. `group` (NULL: none) names the
 * mailing list the address came from: a list's members stay together, so
 * one member not ready sends the whole list through the route. */
typedef struct sg_split_recipient {
        const char *address;
        const char *group;
        bool ready; /* ready for the outcome's method (the client's keys.lookup) */
} sg_split_recipient;

typedef struct sg_split_facts {
        const sg_split_recipient *recipients;
        size_t n_recipients;
        bool send_later;   /* Send Later (Outbox) rather than Send Now */
        bool no_transport; /* the sending account cannot send now (no SMTP server) */
} sg_split_facts;

/* The plan. `encrypted` and `routed` hold indexes into the facts'
 * recipients; `route` is the index of the fallback route in the outcome. */
typedef struct sg_split_plan {
        sg_split_verdict verdict;
        size_t route;
        size_t *encrypted;
        size_t n_encrypted;
        size_t *routed;
        size_t n_routed;
} sg_split_plan;

/* The plan for outcome `o` and facts `f`. *ret owned (sg_split_plan_free).
 * Errors: SG_ERR_INVALID_ARGUMENT (no outcome or facts, a recipient without
 * an address), SG_ERR_LIMIT (more than SG_SPLIT_RECIPIENTS_MAX recipients),
 * SG_ERR_NOMEM. */
sg_err sg_split_plan_new(const sg_outcome *o, const sg_split_facts *f, sg_split_plan **ret, sg_error *err);
sg_split_plan *sg_split_plan_free(sg_split_plan *p); /* takes NULL, returns NULL */

const char *sg_split_verdict_name(sg_split_verdict v); /* static; "unknown" out of range */

/* The family header's value for copy `copy` ("encrypted" or "routed") of
 * attempt `attempt`: "v=1; attempt=ID; copy=COPY; copies=2". Owned
 * (free()); NULL on ENOMEM. */
char *sg_split_header_value(const char *attempt, const char *copy);

#ifdef __cplusplus
}
#endif
#endif
