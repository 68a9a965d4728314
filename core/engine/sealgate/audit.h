/* sealgate: the audit record, one JSON line per send attempt
 * (docs/admin/audit.md), and the dates in audit file names. Pure module: libc
 * only, so the Outlook add-in writes the very same lines; the file side is
 * audit-file.h. */
#ifndef SEALGATE_AUDIT_H
#define SEALGATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"
#include "sealgate/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_AUDIT_VERSION           1          /* the record's "v" */
#define SG_AUDIT_LINE_MAX          (1u << 20) /* bytes of one line, newline included */
#define SG_AUDIT_DOMAINS_MAX       1000       /* external_domains listed (the count is complete) */
#define SG_AUDIT_JUSTIFICATION_MAX 1000       /* bytes of a justification */
#define SG_AUDIT_FILE_NAME_SIZE    23         /* "audit-YYYY-MM-DD.jsonl" and its NUL */

/* What happened to the message; stable names (sg_audit_outcome_name). */
typedef enum sg_audit_outcome {
        SG_AUDIT_SENT = 0,  /* "sent": as it was (allow, or the user chose send) */
        SG_AUDIT_ROUTED,    /* "routed": through a gateway route */
        SG_AUDIT_ENCRYPT,   /* "encrypt": handed to local encryption */
        SG_AUDIT_BLOCKED,   /* "blocked" */
        SG_AUDIT_CANCELLED, /* "cancelled": back to editing */
        SG_AUDIT_ABANDONED, /* "abandoned": no answer ever came (host exit, eviction) */
        SG_AUDIT_OUTCOME__MAX
} sg_audit_outcome;

/* What the client applied to the message and whether it read it back so
 * (the "applied" record: a second line for the same attempt, written once
 * the message is set up to leave; docs/admin/audit.md). Borrowed. */
#define SG_AUDIT_APPLIED_HEADERS_MAX 33  /* header names listed: a route's 32 + the justification's */
#define SG_AUDIT_NOT_READY_MAX       500 /* recipients listed as not ready: as many as one keys.lookup asks */

/* A recipient the client's own encryption could not use, and why: a stable
 * word (sg_audit_not_ready_word: "no_key", "no_cert", "expired", …). */
typedef struct sg_audit_not_ready {
        const char *address;
        const char *reason;
} sg_audit_not_ready;

typedef struct sg_audit_applied {
        const char *technology;     /* the client's own encryption: "S/MIME", "OpenPGP", or NULL */
        const char *route;          /* the route whose headers were set, or NULL */
        const char *const *headers; /* names of the headers set */
        size_t n_headers;
        const char *subject_tag;             /* the tag the subject carries now, or NULL */
        bool fallback;                       /* the route is an encryption fallback (no method could be used) */
        const sg_audit_not_ready *not_ready; /* the recipients that made encryption impossible, and why */
        size_t n_not_ready;
        int confirmed;    /* 1: read back as applied; 0: read back otherwise; -1: not read back */
        const char *copy; /* a split delivery's copy ("encrypted", "routed"; sealgate/split.h), or NULL */
} sg_audit_applied;

/* One record. Everything borrowed; NULL strings are written as null. */
typedef struct sg_audit_record {
        int64_t time_ms;             /* Unix time in milliseconds (UTC) */
        const char *attempt;         /* the attempt id */
        const char *client;          /* "thunderbird", "outlook" */
        const char *user;            /* the login name */
        const char *message_id;      /* Message-ID when known */
        const char *sender;          /* the sender's address (no display name) */
        const sg_decision *decision; /* required: action, counts, domains, reasons, route */
        const sg_choice *choice;     /* the choice taken, one of decision->choices; NULL: none */
        const char *by;              /* "button", "escape", "close", "timeout", "fallback" or NULL */
        const char *justification;   /* the user's reason for "send", or NULL */
        sg_audit_outcome outcome;
        const char *prompt_error; /* error code when no prompt could answer ("prompt_failed"), or NULL */
        bool route_given;         /* "route" is `route` (sg_outcome_audit_record sets both), else it is derived: */
        const char *route;        /* the choice's route, or the decision's for a route decision without one */
        const char *bcc;          /* rules.convert_to_bcc: "moved", "kept" or NULL (sg_outcome_bcc_word) */
        const sg_audit_applied *applied; /* non-NULL: the "applied" record (event, applied, confirmed keys) */
} sg_audit_record;

/* The outcome of taking `choice` (NULL: none) on decision `d`: the choice's
 * kind when there is one, else the decision's action. */
sg_audit_outcome sg_audit_outcome_of(const sg_decision *d, const sg_choice *choice);
const char *sg_audit_outcome_name(sg_audit_outcome o); /* static string */

/* Whether `word` is one of the not-ready reasons an applied record names
 * (docs/admin/audit.md): no_key, no_cert, expired, revoked, not_accepted,
 * wrong_usage, wrong_address, invalid, lookup_failed, revocation_unknown,
 * unknown. */
bool sg_audit_not_ready_word(const char *word);

/* The record as one line of JSON ending in "\n", keys in the documented
 * order, valid UTF-8 whatever the strings hold (invalid bytes become U+FFFD).
 * *ret_line is owned (free()); untouched on failure. SG_ERR_INVALID_ARGUMENT
 * without a decision, SG_ERR_LIMIT past SG_AUDIT_LINE_MAX, SG_ERR_NOMEM. */
sg_err sg_audit_format(const sg_audit_record *r, char **ret_line, size_t *ret_len, sg_error *err);

/* Days since 1970-01-01 (UTC) of a time in milliseconds. */
int64_t sg_audit_day_of(int64_t time_ms);

/* "audit-YYYY-MM-DD.jsonl" for the UTC day of `time_ms`. */
void sg_audit_file_name(int64_t time_ms, char out[SG_AUDIT_FILE_NAME_SIZE]);

/* The day (days since 1970-01-01) an audit file name stands for; false when
 * `name` is not exactly "audit-YYYY-MM-DD.jsonl" with a real date. */
bool sg_audit_file_day(const char *name, int64_t *ret_day);

/* Whether the file of `file_day` is past its retention on `today`: older than
 * `retention_days` whole days (today and the retention_days days before it
 * are kept). 0 keeps everything. */
bool sg_audit_expired(int64_t file_day, int64_t today, unsigned retention_days);

#ifdef __cplusplus
}
#endif
#endif
