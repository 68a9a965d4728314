/* sealgate: the outcome, what a client does with a decision once it has the
 * user's choice (or needs none): the headers to set, the new subject, the
 * encryption to switch on with its fallback routes, and the fields of the
 * audit record. Written once here and used by every client: the Thunderbird
 * host returns it to the extension (docs/protocol.md, "Outcome"), the
 * Outlook add-in calls it in-process. Also the one syntax of choice ids
 * ("route:NAME") and of the placeholder address of a recipient a client
 * cannot resolve. Pure module: libc only. */
#ifndef SEALGATE_OUTCOME_H
#define SEALGATE_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/audit.h"
#include "sealgate/error.h"
#include "sealgate/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Choice ids: "encrypt", "send", "cancel", "route:NAME" */
#define SG_CHOICE_ROUTE_PREFIX "route:"
#define SG_CHOICE_ID_SIZE      (sizeof SG_CHOICE_ROUTE_PREFIX + SG_POLICY_NAME_MAX) /* with the NUL */

/* The id of `c` into out (truncated to fit; route names are at most
 * SG_POLICY_NAME_MAX bytes, so a valid choice always fits). Returns out. */
char *sg_choice_id(const sg_choice *c, char out[SG_CHOICE_ID_SIZE]);
/* Parse a choice id: *ret_kind, and for a route *ret_route points into `id`
 * (else NULL). False when `id` is no choice id ("route:" needs a name). */
bool sg_choice_id_parse(const char *id, sg_choice_kind *ret_kind, const char **ret_route);
/* Whether `id` names choice `c`. */
bool sg_choice_is(const sg_choice *c, const char *id);
/* The choice of `d` that `id` names, or NULL. */
const sg_choice *sg_decision_choice(const sg_decision *d, const char *id);

/* ---- A recipient the client cannot resolve to an address (a mailing list
 * or distribution list it cannot expand, an entry without an SMTP address)
 * is given the placeholder "unresolved-N@unresolved.invalid", N counting from
 * 1 in the message: never internal, so it counts as external (fail closed). */
#define SG_UNRESOLVED_DOMAIN       "unresolved.invalid"
#define SG_UNRESOLVED_ADDRESS_SIZE 64
/* The placeholder for the n-th unresolved recipient into out; returns out. */
char *sg_unresolved_address(size_t n, char out[SG_UNRESOLVED_ADDRESS_SIZE]);
/* Whether a domain (ASCII form) is the placeholder's. */
bool sg_domain_is_unresolved(const char *domain_ascii);

/* ---- Header values and subjects */

/* RFC 2047 limits: 45 bytes of UTF-8 per B-encoded word (60 base64
 * characters, 72 with "=?UTF-8?B?" and "?="). */
#define SG_EWORD_RAW_MAX 45

/* The value to put in a header for user text `text` (a justification): the
 * text itself when it is printable ASCII that no reader could take for an
 * encoded word (no "=?"), else RFC 2047 B-encoded words (UTF-8) of whole
 * characters separated by single spaces, where the mail client may fold.
 * Owned (free()); NULL on ENOMEM. */
char *sg_header_value_encode(const char *text);

/* The subject after tagging with `tag` (NULL: no tag): unchanged when it
 * already starts with the tag, "TAG SUBJECT" otherwise, and just "TAG" for an
 * empty (or NULL) subject. Owned (free()); NULL on ENOMEM. */
char *sg_subject_tag(const char *subject, const char *tag);

/* ---- Readiness: which choices can really happen now. A choice is offered
 * only when its outcome can happen: "encrypt" only when the sender's
 * identity and every recipient are ready for one of the decision's local
 * methods. The client finds the facts (its identity's capabilities, the
 * host's keys.lookup); this decides. */
typedef struct sg_readiness_method {
        const char *method; /* "smime", "openpgp" */
        bool identity;      /* the sender's identity can encrypt with it */
        size_t not_ready;   /* recipients without a usable certificate or key (0: all ready) */
} sg_readiness_method;

typedef struct sg_readiness {
        const sg_readiness_method *methods; /* as the client found them; a method not listed is not ready */
        size_t n_methods;
} sg_readiness;

/* Why a choice was not offered; stable names (sg_offer_note_name), the
 * prompt's one line ("prompt_note_" + name in the catalog). */
typedef enum sg_offer_note {
        SG_NOTE_NONE = 0,
        SG_NOTE_ENCRYPT_NO_IDENTITY, /* "encrypt_no_identity": the sender has no certificate or key */
        SG_NOTE_ENCRYPT_NOT_READY,   /* "encrypt_not_ready": `count` recipients have none */
        SG_NOTE_ENCRYPT_UNKNOWN,     /* "encrypt_unknown": readiness could not be checked */
        SG_NOTE_SEND_NOT_ALLOWED,    /* "send_not_allowed": a policy rule (forbid_send) took "send" out; the
                                        decision's send_removed_by names the reason (rule and why) */
        SG_NOTE__MAX
} sg_offer_note;

typedef struct sg_offer {
        bool encrypt_removed; /* the decision's "encrypt" choice is not offered */
        sg_offer_note note;   /* why (NONE when nothing was removed) */
        size_t count;         /* ENCRYPT_NOT_READY: recipients not ready (the fewest over usable methods) */
        const char *method;   /* the first method ready for everyone (borrowed from d), or NULL */
} sg_offer;

/* What of decision `d` can be offered given readiness `r`. NULL `r`: not
 * known (an older client), everything is offered as before. A decision
 * without an "encrypt" choice removes nothing. */
void sg_decision_offer(const sg_decision *d, const sg_readiness *r, sg_offer *ret);
const char *sg_offer_note_name(sg_offer_note n); /* static; "" for NONE */

/* ---- The outcome */

/* What the client does. */
typedef enum sg_outcome_action {
        SG_OUTCOME_SEND = 0, /* "send": send, with `headers` set */
        SG_OUTCOME_ROUTE,    /* "route": set `headers` and `subject`, then send */
        SG_OUTCOME_ENCRYPT,  /* "encrypt": switch on one of `encrypt_methods`, else the first fallback route */
        SG_OUTCOME_BLOCK,    /* "block": do not send; tell the user why (the reasons) */
        SG_OUTCOME_CANCEL,   /* "cancel": back to editing, nothing changed */
        SG_OUTCOME__MAX
} sg_outcome_action;

/* A route with everything applied: its headers and the tagged subject. */
typedef struct sg_outcome_route {
        char *name;
        sg_header *headers;
        size_t n_headers;
        char *subject;   /* the subject to set, or NULL: unchanged */
        sg_header check; /* the gateway check header for this route (name NULL: none) */
} sg_outcome_route;

typedef struct sg_outcome {
        sg_outcome_action action;
        char *choice;   /* the choice id taken, or NULL (no prompt) */
        const char *by; /* static: "button", "escape", "close", "timeout", "fallback", "toggle", "compose" or NULL */
        char *justification; /* the user's reason, or NULL */
        sg_header *headers;  /* to set, replacing same-name headers (case-insensitive) */
        size_t n_headers;
        char *subject;          /* the new subject, or NULL: unchanged */
        char *route;            /* the route applied (ROUTE), or NULL */
        char **encrypt_methods; /* ENCRYPT: local methods in order ("smime", "openpgp") */
        size_t n_encrypt_methods;
        sg_outcome_route *fallback; /* ENCRYPT: the routes to use, in order, when no method can */
        size_t n_fallback;
        bool ask_before_fallback; /* ENCRYPT chosen by the user: a fallback route is the user's to confirm */
        bool split;      /* ENCRYPT: recipients not ready may go through fallback[0] in a copy of their own while the
                       ready ones get the encrypted copy (encrypt.split_delivery, a client that can, a fallback
                       route, and not ask_before_fallback; sealgate/split.h decides per message) */
        sg_header check; /* SEND, ROUTE, ENCRYPT with an attempt: the gateway check header (name NULL: none) */
        sg_audit_outcome audit;   /* the record's "outcome" */
        const char *prompt_error; /* static: the record's "prompt_error", or NULL */
        /* SEND, ROUTE, ENCRYPT: rules.convert_to_bcc. Move every To and Cc
         * recipient whose address (sg_mailbox.address: local@domain, the
         * domain in ASCII lower case) is listed to Bcc; when that leaves To
         * empty, To becomes to_placeholder. */
        char **bcc_moved;
        size_t n_bcc_moved;
        char *to_placeholder;
        /* SEND, ROUTE, ENCRYPT: hold the message this long before handing it
         * over (send.*); 0: at once. */
        unsigned delay_seconds;
        bool delay_skippable;
        sg_delay_mode delay_mode;
} sg_outcome;

/* What happened, as the client knows it. Everything borrowed. */
typedef struct sg_outcome_input {
        const sg_choice *choice;    /* the choice taken (one of decision->choices, or a client's own, e.g.
                                    * the Outlook ribbon's toggle); NULL: none (no prompt was needed) */
        const char *by;             /* how the choice was made (static string as in sg_outcome.by), or NULL */
        const char *justification;  /* for "send" when the policy requires one, else NULL */
        const char *subject;        /* the message's subject now (NULL: empty) */
        const char *prompt_error;   /* why no prompt could answer ("prompt_failed"), or NULL */
        const sg_policy *policy;    /* to find encrypt fallback routes the decision does not carry; may be NULL */
        const char *encrypt_method; /* the method readiness found ready (sg_offer.method): the only one
                                     * tried; NULL: the decision's methods in order */
        const char *attempt;        /* the attempt id: with check_header, the gateway check header is made */
        const char *check_header;   /* its name (sg_policy_check_header), or NULL: none */
        bool bcc_declined;          /* rules.convert_to_bcc "ask": the user kept the recipients where they are */
        bool can_split;             /* the client can send a split delivery (Thunderbird: yes; the Outlook
                                     * add-in: no, so split is never offered there) */
} sg_outcome_input;

/* The gateway check header's value for attempt `attempt`, decision `d` and
 * an outcome that sends (`audit`, and `route` or NULL):
 * "v=1; attempt=ID; decision=ACTION; outcome=OUTCOME[; route=NAME]".
 * Says the message passed sealgate's check; proves nothing by itself (any
 * sender can write it): a gateway that must rely on it checks a MAC the host
 * adds (docs/admin/gateway.md). Owned (free()); NULL on ENOMEM. */
char *sg_check_header_value(const char *attempt, const sg_decision *d, sg_audit_outcome audit, const char *route);

/* The outcome of decision `d` given `in`. With no choice the decision's
 * action applies (allow: send, route, encrypt, block; a prompt decision
 * without a choice is cancel). A justification becomes the policy's
 * justification header (sg_header_value_encode) on "send". Encryption
 * fallbacks are the decision's encrypt_fallback routes, found among its
 * route choices, else in `in->policy`; a name found in neither is left out.
 * "encrypt" chosen with a button sets ask_before_fallback: the user chose
 * encryption, so sending through a fallback route instead is not done
 * without telling them first. An outcome that sends carries the Bcc move
 * (decision bcc_mode AUTO, or ASK unless in->bcc_declined) and the hold
 * before sending.
 * *ret is owned: sg_outcome_free(). Errors: SG_ERR_INVALID_ARGUMENT (no
 * decision), SG_ERR_LIMIT (a justification over SG_AUDIT_JUSTIFICATION_MAX
 * bytes), SG_ERR_NOMEM. */
sg_err sg_outcome_new(const sg_decision *d, const sg_outcome_input *in, sg_outcome **ret, sg_error *err);
sg_outcome *sg_outcome_free(sg_outcome *o); /* takes NULL, returns NULL */

/* Encryption was asked for and no method and no fallback route could be
 * used: the outcome becomes CANCEL (the record says "cancelled"). */
void sg_outcome_encrypt_unavailable(sg_outcome *o);

/* Encryption was asked for and the client sent through fallback route `i`
 * (o->fallback[i]) instead: the outcome becomes that ROUTE, so the record
 * says "routed" with that route, never "encrypted". False (o unchanged)
 * when `o` is not ENCRYPT, `i` is out of range, or out of memory: the
 * caller must then not send (it cannot record truthfully). */
bool sg_outcome_took_fallback(sg_outcome *o, size_t i);

/* What rules.convert_to_bcc did to a message with decision `d` and audit
 * outcome `outcome`: "moved" (the recipients go to Bcc: mode auto, or ask
 * and the user did not decline), "kept" (mode ask and the user kept them in
 * To and Cc: `declined`), NULL (nothing to move, or the message is not
 * sent). The one place the Bcc move is decided: the outcome and both
 * clients' audit records use it. Static string. */
const char *sg_outcome_bcc_word(const sg_decision *d, sg_audit_outcome outcome, bool declined);

/* The audit record of outcome `o` for decision `d`: decision, choice (as in
 * `in`), by, justification, route, outcome and prompt_error filled; the
 * caller adds time, attempt, client, user and sender. Borrows from d, in
 * and o. */
void sg_outcome_audit_record(const sg_outcome *o, const sg_decision *d, const sg_outcome_input *in,
                             sg_audit_record *rec);

const char *sg_outcome_action_name(sg_outcome_action a); /* "send", "route", ... */

#ifdef __cplusplus
}
#endif
#endif
