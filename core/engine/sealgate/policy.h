/* sealgate: the policy engine. A policy is built (from JSON on Linux, the
 * registry on Windows) through the builder calls below, sealed, then
 * evaluated: a pure function from (policy, message summary) to a decision
 * with reasons. No I/O, no globals, no logging. */
#ifndef SEALGATE_POLICY_H
#define SEALGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/addr.h"
#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Named limits on a message summary (the host and CLI enforce the same) */
#define SG_MSG_RECIPIENTS_MAX   10000      /* mailboxes in to+cc+bcc together */
#define SG_MSG_SUBJECT_MAX      16384      /* bytes */
#define SG_MSG_BODY_MAX         (8u << 20) /* bytes of body text searched */
#define SG_MSG_ATTACHMENTS_MAX  1000
#define SG_MSG_HEADERS_MAX      1000
#define SG_MSG_HEADER_NAME_MAX  256
#define SG_MSG_HEADER_VALUE_MAX 16384
#define SG_MSG_NAME_MAX         1024        /* attachment file name, content type */
#define SG_MSG_TEXTS_MAX        256         /* text parts beyond the body (sg_text_part) */
#define SG_MSG_TEXT_TOTAL_MAX   (16u << 20) /* bytes of the body and every text part together */

/* ---- Named limits on a policy */
#define SG_POLICY_DOMAINS_MAX             100000 /* per domain list */
#define SG_POLICY_ADDRESSES_MAX           100000
#define SG_POLICY_TRIGGERS_MAX            256
#define SG_POLICY_ROUTES_MAX              64
#define SG_POLICY_ROUTE_HEADERS_MAX       32
#define SG_POLICY_LIST_MAX                1024 /* keywords, extensions, patterns per trigger */
#define SG_POLICY_NAME_MAX                64   /* route names, trigger ids: [A-Za-z0-9_.-] */
#define SG_POLICY_LABEL_MAX               256  /* bytes of a route's or trigger's label in one language */
#define SG_POLICY_PROMPT_TIMEOUT_MIN      10   /* prompt.timeout_seconds */
#define SG_POLICY_PROMPT_TIMEOUT_MAX      3600
#define SG_POLICY_PROMPT_TIMEOUT_DEFAULT  300
#define SG_POLICY_AUDIT_RETENTION_MAX     3650 /* audit.retention_days; 0 keeps for ever */
#define SG_POLICY_AUDIT_RETENTION_DEFAULT 90
#define SG_POLICY_AUDIT_DIRECTORY_MAX     4096 /* bytes of audit.directory */
#define SG_POLICY_KEYS_TIMEOUT_MIN        1    /* keys.timeout_seconds (= SG_KEYS_TIMEOUT_* of keys.h) */
#define SG_POLICY_KEYS_TIMEOUT_MAX        120
#define SG_POLICY_KEYS_TIMEOUT_DEFAULT    10
#define SG_POLICY_KEYS_PATH_MAX           4096  /* bytes of keys.certificate_store, keys.nss_db */
#define SG_POLICY_SEND_DELAY_MAX          600   /* send.delay_seconds; 0 (the default) sends at once */
#define SG_POLICY_BCC_MIN_MAX             10000 /* rules.convert_to_bcc.min_domains, min_addresses; 0: not used */
#define SG_POLICY_LOOKALIKE_DOMAINS_MAX   256 /* internal domains a recipient's domain is compared with for look-alikes */
#define SG_POLICY_LOOKALIKE_LEN_MIN       6   /* shorter internal domains are not compared (too many near misses) */
#define SG_MSG_RELATED_MAX                1000 /* address lists of the original message of a reply (sg_message.related) */

/* Ordered by strength: a trigger only ever raises the action. */
typedef enum sg_action {
        SG_ACTION_ALLOW = 0,
        SG_ACTION_PROMPT,
        SG_ACTION_ROUTE,
        SG_ACTION_ENCRYPT,
        SG_ACTION_BLOCK,
        SG_ACTION__MAX
} sg_action;

typedef enum sg_field { SG_FIELD_TO = 0, SG_FIELD_CC, SG_FIELD_BCC, SG_FIELD__MAX } sg_field;

typedef enum sg_class { SG_CLASS_INTERNAL = 0, SG_CLASS_EXTERNAL } sg_class;

/* Which rule classified a recipient. */
typedef enum sg_rule {
        SG_RULE_INTERNAL_ADDRESS = 0, /* internal.addresses */
        SG_RULE_INTERNAL_DOMAIN,      /* internal.domains, exact entry */
        SG_RULE_INTERNAL_SUBDOMAIN,   /* internal.domains, "*." entry */
        SG_RULE_EXCEPTION_ADDRESS,    /* exceptions.addresses: external */
        SG_RULE_EXCEPTION_DOMAIN,     /* exceptions.domains: external */
        SG_RULE_EXTERNAL_DOMAIN,      /* matched nothing internal */
        SG_RULE_SOURCE_ROUTE, /* '%', '!' or a quoted '@' in the local part: external (addresses.source_routes) */
        SG_RULE__MAX
} sg_rule;

/* What made the decision; stable codes (sg_reason_code_name). */
typedef enum sg_reason_code {
        SG_REASON_NO_EXTERNAL = 0,      /* "no_external_recipients" */
        SG_REASON_EXTERNAL_RECIPIENTS,  /* "external_recipients" */
        SG_REASON_ATTACHMENTS,          /* "attachments" */
        SG_REASON_ATTACHMENT_EXTENSION, /* "attachment_extension" */
        SG_REASON_ATTACHMENT_TYPE,      /* "attachment_type" */
        SG_REASON_ATTACHMENT_SIZE,      /* "attachment_size" */
        SG_REASON_SUBJECT_KEYWORD,      /* "subject_keyword" */
        SG_REASON_EXTERNAL_DOMAINS,     /* "external_domains" */
        SG_REASON_CREDIT_CARD,          /* "credit_card" */
        SG_REASON_MY_NUMBER,            /* "my_number" */
        SG_REASON_BODY_PATTERN,         /* "body_pattern" */
        SG_REASON_HEADER,               /* "header" */
        SG_REASON_CONFIRM,              /* "confirm": prompt.confirm asks for a checklist */
        SG_REASON_CONVERT_TO_BCC,       /* "convert_to_bcc": items are the addresses moved to Bcc */
        SG_REASON_NEW_DOMAIN_IN_REPLY,  /* "new_domain_in_reply": items are the new domains */
        SG_REASON_SENDER_DOMAIN,        /* "sender_domain": items are the sender's domain */
        SG_REASON__MAX
} sg_reason_code;

typedef enum sg_trigger_type {
        SG_TRIGGER_ATTACHMENTS = 0,      /* "attachments": any attachment */
        SG_TRIGGER_ATTACHMENT_EXTENSION, /* "attachment_extension": list of extensions */
        SG_TRIGGER_ATTACHMENT_TYPE,      /* "attachment_type": list of content types, "type/ *" */
        SG_TRIGGER_ATTACHMENT_SIZE,      /* "attachment_size": total bytes >= size */
        SG_TRIGGER_SUBJECT_KEYWORD,      /* "subject_keyword": list, case-insensitive */
        SG_TRIGGER_EXTERNAL_DOMAINS,     /* "external_domains": distinct count >= min */
        SG_TRIGGER_CREDIT_CARD,          /* "credit_card" */
        SG_TRIGGER_MY_NUMBER,            /* "my_number" */
        SG_TRIGGER_BODY_PATTERN,         /* "body_pattern": list of regexes */
        SG_TRIGGER_HEADER,               /* "header": name present, optional values */
        SG_TRIGGER__MAX
} sg_trigger_type;

/* Which messages a trigger looks at. */
typedef enum sg_scope {
        SG_SCOPE_EXTERNAL = 0, /* only messages with an external recipient (default) */
        SG_SCOPE_ALL           /* every message */
} sg_scope;

typedef enum sg_choice_kind {
        SG_CHOICE_ENCRYPT = 0, /* "encrypt": local S/MIME or OpenPGP */
        SG_CHOICE_ROUTE,       /* "route": hand to the gateway through a route */
        SG_CHOICE_SEND,        /* "send": send as it is, in the clear */
        SG_CHOICE_CANCEL,      /* "cancel": back to editing, nothing sent */
        SG_CHOICE__MAX
} sg_choice_kind;

typedef struct sg_header {
        char *name;
        char *value;
} sg_header;

/* A trigger as given to the builder. Strings are borrowed by the builder call
 * (it copies what it keeps). */
typedef struct sg_trigger_spec {
        const char *id; /* optional; default "<type>-<index>" */
        sg_trigger_type type;
        sg_action action;  /* PROMPT, ROUTE, ENCRYPT or BLOCK */
        const char *route; /* required when action == ROUTE */
        sg_scope scope;
        bool forbid_send;        /* when set, "send" is never offered */
        const char *const *list; /* extensions, types, keywords, patterns, header values */
        size_t n_list;
        uint64_t size;           /* attachment_size: bytes */
        unsigned min;            /* external_domains: threshold */
        const char *header_name; /* header: the header name */
        bool caseless;           /* body_pattern: match ignoring case */
        const char *label_en;    /* label: what the prompts say for this trigger's reason instead of the */
        const char *label_ja;    /* catalog's sentence, English and Japanese; both or neither (NULL) */
} sg_trigger_spec;

typedef struct sg_policy sg_policy;

/* prompt.confirm: which recipients the prompt lists with a check box each. */
typedef enum sg_confirm {
        SG_CONFIRM_NONE = 0, /* "none" (the default) */
        SG_CONFIRM_EXTERNAL, /* "external": the external recipients */
        SG_CONFIRM_ALL       /* "all": every recipient */
} sg_confirm;

/* rules.convert_to_bcc.mode */
typedef enum sg_bcc_mode {
        SG_BCC_OFF = 0, /* no conversion (the rule is off, or did not fire) */
        SG_BCC_AUTO,    /* "auto": moved, and the user is told */
        SG_BCC_ASK      /* "ask": the prompt asks; moved unless the user declines */
} sg_bcc_mode;

/* prompt.justification_to: where the user's justification for "send" goes
 * (docs/admin/policy.md, "Where the justification goes"). */
typedef enum sg_justification_to {
        SG_JUSTIFICATION_TO_MESSAGE = 0, /* "message": the justification header, seen by every recipient */
        SG_JUSTIFICATION_TO_GATEWAY,     /* "gateway": the header, which the mail gateway removes */
        SG_JUSTIFICATION_TO_AUDIT,       /* "audit": no header; the audit record only */
        SG_JUSTIFICATION_TO__MAX
} sg_justification_to;

/* send.delay_mode */
typedef enum sg_delay_mode {
        SG_DELAY_COUNTDOWN = 0, /* "countdown": the client waits before handing the message over */
        SG_DELAY_DEFERRED       /* "deferred": Outlook's deferred delivery; Thunderbird counts down */
} sg_delay_mode;

/* The audit settings of a policy (the audit.* keys), as plain data so the
 * Outlook add-in can fill the same struct from the registry. */
typedef struct sg_audit_settings {
        bool enabled;            /* default true */
        const char *directory;   /* NULL: the platform default; may start with "~/" */
        unsigned retention_days; /* 0 keeps files for ever; default 90 */
        bool required;           /* a record that cannot be written fails the evaluation */
        bool journal;            /* also to the system journal (audit-journal.h); default false */
} sg_audit_settings;

/* The recipient-readiness settings of a policy (the keys.* keys), as plain
 * data; the host's keys.lookup reads them. */
typedef struct sg_keys_settings {
        bool network_lookups;          /* Web Key Directory over HTTPS allowed; default false */
        unsigned timeout_seconds;      /* per address, SG_POLICY_KEYS_TIMEOUT_MIN..MAX */
        const char *certificate_store; /* PEM/DER file or directory of certificates, or NULL */
        const char *nss_db;            /* NSS database (a profile) instead of the discovered one, or NULL */
        int revocation;                /* keys.revocation: SG_POLICY_REVOCATION_*; default off */
} sg_keys_settings;

/* keys.revocation ("off", "soft-fail", "hard-fail"; the values of
 * sg_revocation_mode in core/crypto's revocation.h). */
enum { SG_POLICY_REVOCATION_OFF = 0, SG_POLICY_REVOCATION_SOFT_FAIL = 1, SG_POLICY_REVOCATION_HARD_FAIL = 2 };

/* ---- Builder. Every call returns SG_OK or an error (err->message says what
 * is wrong with the value, without the key path: loaders prefix that). */

/* New empty policy: no internal domains, external action PROMPT, choices
 * encrypt/send/cancel, no routes. Owned: sg_policy_free(). NULL on ENOMEM. */
sg_policy *sg_policy_new(void);
sg_policy *sg_policy_free(sg_policy *p); /* takes NULL, returns NULL */

/* "corp.example" (exactly) or "*.corp.example" (any subdomain, not itself).
 * Unicode and punycode forms are accepted and normalised. */
sg_err sg_policy_add_internal_domain(sg_policy *p, const char *entry, sg_error *err);
/* A single mailbox address "user@domain" treated as internal. */
sg_err sg_policy_add_internal_address(sg_policy *p, const char *address, sg_error *err);
/* Exceptions: external even under an internal domain. Same syntax as above. */
sg_err sg_policy_add_exception_domain(sg_policy *p, const char *entry, sg_error *err);
sg_err sg_policy_add_exception_address(sg_policy *p, const char *address, sg_error *err);

/* Action for a message with at least one external recipient (default
 * PROMPT); `route` is required when action == ROUTE, else must be NULL. */
sg_err sg_policy_set_external_action(sg_policy *p, sg_action action, const char *route, sg_error *err);

/* Choices a prompt may offer, in display order. `route` is the route name for
 * SG_CHOICE_ROUTE and NULL otherwise. Replaces the default list on first call
 * and appends on later calls. CANCEL is always offered, added if missing. */
sg_err sg_policy_add_choice(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err);

/* The choice taken when a prompt cannot be shown (no prompt program, no
 * display, the prompt failed): one of the choices given to
 * sg_policy_add_choice (checked at seal); default CANCEL. At evaluation it is
 * used only if the decision still offers it (a trigger's forbid_send removes
 * "send"); otherwise the fallback is CANCEL. */
sg_err sg_policy_set_prompt_fallback(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err);
/* prompt.recommended: the choice the prompt selects first and marks as
 * recommended; encrypt or a route, one of the choices (checked at seal).
 * Unset: the first protective choice offered. */
sg_err sg_policy_set_prompt_recommended(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err);

/* Whether "send" (in the clear) needs a justification from the user. */
void sg_policy_set_require_justification(sg_policy *p, bool required);

/* prompt.accept_compose_choice: whether a method the user chose before Send
 * in the compose window (Thunderbird's "Secure send" button) answers the
 * prompt, so none is shown (true), or the prompt still shows with that
 * method as its default (false, the default). Never for "send" when a
 * justification is required, never for a choice the decision does not
 * offer. */
void sg_policy_set_accept_compose_choice(sg_policy *p, bool accept);
bool sg_policy_accept_compose_choice(const sg_policy *p);

/* How long an unanswered prompt stays open: SG_POLICY_PROMPT_TIMEOUT_MIN..MAX
 * seconds (default SG_POLICY_PROMPT_TIMEOUT_DEFAULT). */
sg_err sg_policy_set_prompt_timeout(sg_policy *p, unsigned seconds, sg_error *err);

/* The header that carries the user's justification for "send": a header field
 * name starting with "X-" (any case; Thunderbird sets only X- headers), at
 * most SG_MSG_HEADER_NAME_MAX bytes. Default none. */
sg_err sg_policy_set_justification_header(sg_policy *p, const char *name, sg_error *err);
/* prompt.justification_to: "message" (default), "gateway" (needs
 * prompt.justification_header, checked at seal) or "audit". */
sg_err sg_policy_set_justification_to(sg_policy *p, const char *name, sg_error *err);
const char *sg_justification_to_name(sg_justification_to t); /* "message", "gateway", "audit" */

/* The gateway check header every message that passed sealgate carries
 * (audit.check_header): a header field name starting with "X-", at most
 * SG_MSG_HEADER_NAME_MAX bytes. Default SG_POLICY_CHECK_HEADER_DEFAULT. */
#define SG_POLICY_CHECK_HEADER_DEFAULT "X-Sealgate-Checked"
sg_err sg_policy_set_check_header(sg_policy *p, const char *name, sg_error *err);
const char *sg_policy_check_header(const sg_policy *p); /* never NULL for a policy */
/* The key that authenticates the check header (audit.check_key): text of
 * SG_POLICY_CHECK_KEY_MIN..MAX bytes. Default none (no MAC). */
#define SG_POLICY_CHECK_KEY_MIN 16
#define SG_POLICY_CHECK_KEY_MAX 256
sg_err sg_policy_set_check_key(sg_policy *p, const char *key, sg_error *err);
const char *sg_policy_check_key(const sg_policy *p); /* or NULL */

/* Audit settings (defaults in sg_audit_settings). The directory must be
 * absolute ("/var/log/x", "C:\\x", "\\\\server\\x") or start with "~/"; at most
 * SG_POLICY_AUDIT_DIRECTORY_MAX bytes, no control characters. Retention is
 * 0..SG_POLICY_AUDIT_RETENTION_MAX days. */
void sg_policy_set_audit_enabled(sg_policy *p, bool enabled);
sg_err sg_policy_set_audit_directory(sg_policy *p, const char *directory, sg_error *err);
sg_err sg_policy_set_audit_retention_days(sg_policy *p, unsigned days, sg_error *err);
void sg_policy_set_audit_required(sg_policy *p, bool required);
void sg_policy_set_audit_journal(sg_policy *p, bool journal);

/* keys.* settings. Paths must be absolute (or start with "~/"), at most
 * SG_POLICY_KEYS_PATH_MAX bytes, no control characters; NULL clears. */
void sg_policy_set_keys_network_lookups(sg_policy *p, bool allowed);
sg_err sg_policy_set_keys_timeout(sg_policy *p, unsigned seconds, sg_error *err);
sg_err sg_policy_set_keys_certificate_store(sg_policy *p, const char *path, sg_error *err);
sg_err sg_policy_set_keys_nss_db(sg_policy *p, const char *path, sg_error *err);
sg_err sg_policy_set_keys_revocation(sg_policy *p, const char *mode, sg_error *err);

/* addresses.subaddress_delimiters: the characters that start a sub-address
 * in a local part ("+" by default, as Exchange Online and Postfix's
 * recipient_delimiter use it; "" for none; at most
 * SG_POLICY_SUBADDRESS_DELIMITERS_MAX of them, ASCII punctuation other than
 * '@', '"', '\\', '.', '%', '!'). An internal or exception address then also
 * matches "contractor+q3@corp.example". */
#define SG_POLICY_SUBADDRESS_DELIMITERS_MAX 8
sg_err sg_policy_set_subaddress_delimiters(sg_policy *p, const char *delimiters, sg_error *err);

/* addresses.source_routes: what a local part with '%', '!' or a quoted '@'
 * (bob%evil.net@corp.example, which a default Postfix relays outside) means:
 * "external" (the default: the recipient counts as external, rule
 * source_route), "error" (the evaluation fails with address_syntax) or
 * "domain" (classified by its domain like any other). */
sg_err sg_policy_set_source_routes(sg_policy *p, const char *mode, sg_error *err);

/* ---- Mis-send prevention (policy-missend.c; docs/admin/policy.md) */
/* prompt.confirm: "none", "external" or "all". */
sg_err sg_policy_set_confirm(sg_policy *p, const char *mode, sg_error *err);
void sg_policy_set_confirm_attachments(sg_policy *p, bool on);
void sg_policy_set_allow_check_all(sg_policy *p, bool on);
void sg_policy_set_show_sender(sg_policy *p, bool on);
/* prompt.confirm_sender: a sender outside the internal domains raises
 * reason sender_domain (PROMPT). */
void sg_policy_set_confirm_sender(sg_policy *p, bool on);
/* send.delay_seconds 0..SG_POLICY_SEND_DELAY_MAX; send.delay_skippable;
 * send.delay_mode "countdown" or "deferred"; send.delay_scope "external"
 * (the default: messages with an external recipient) or "all". */
sg_err sg_policy_set_delay_seconds(sg_policy *p, unsigned seconds, sg_error *err);
void sg_policy_set_delay_skippable(sg_policy *p, bool on);
sg_err sg_policy_set_delay_mode(sg_policy *p, const char *mode, sg_error *err);
sg_err sg_policy_set_delay_scope(sg_policy *p, const char *scope, sg_error *err);
/* rules.convert_to_bcc: min_domains and min_addresses 0..SG_POLICY_BCC_MIN_MAX
 * (0: that count is not used; both 0: the rule is off); mode "auto" or
 * "ask"; placeholder "sender" (the default) or an address. */
sg_err sg_policy_set_bcc_min_domains(sg_policy *p, unsigned n, sg_error *err);
sg_err sg_policy_set_bcc_min_addresses(sg_policy *p, unsigned n, sg_error *err);
sg_err sg_policy_set_bcc_mode(sg_policy *p, const char *mode, sg_error *err);
sg_err sg_policy_set_bcc_placeholder(sg_policy *p, const char *placeholder, sg_error *err);
/* rules.new_domain_in_reply: "off" (the default), "prompt" or "block". */
sg_err sg_policy_set_new_domain_in_reply(sg_policy *p, const char *action, sg_error *err);
/* Whether rules.new_domain_in_reply is on: a client reads the original
 * message's addresses (sg_message.related) only then. */
bool sg_policy_checks_new_domain(const sg_policy *p);
/* Whether a content trigger reads the message's texts (sg_message.texts:
 * alternatives, text attachments, forwarded messages): a client gathers them
 * only then (docs/admin/policy.md, "Which parts each trigger reads"). */
bool sg_policy_reads_texts(const sg_policy *p);
/* Whether the policy reads the attachments' content types
 * (sg_attachment.content_type): an `attachment_type` trigger, or
 * prompt.confirm_attachments (the prompt lists each attachment with its
 * type). A client that must open each attachment to learn its type does so
 * only then; the names and sizes are always given. */
bool sg_policy_reads_attachment_types(const sg_policy *p);

/* The keys settings in force; borrowed from `p` (strings included). */
const sg_keys_settings *sg_policy_keys(const sg_policy *p);

/* The audit settings in force; borrowed from `p` (directory included). */
const sg_audit_settings *sg_policy_audit(const sg_policy *p);

/* Reading the policy back, for clients that act without a decision (the
 * Outlook ribbon's toggles). Everything is borrowed from `p`. */
/* Route `name`: its headers and subject tag (NULL when it has none); false,
 * outputs untouched, when the policy has no such route. */
bool sg_policy_route(const sg_policy *p, const char *name, const sg_header **ret_headers, size_t *ret_n_headers,
                     const char **ret_subject_tag);
/* The local encryption methods in order of preference, and the routes to fall
 * back to (as added, or the defaults); *ret_n gets the count. */
const char *const *sg_policy_encrypt_methods(const sg_policy *p, size_t *ret_n);
const char *const *sg_policy_encrypt_fallback(const sg_policy *p, size_t *ret_n);
/* The header name of the i-th `header` trigger (policy order, repeats
 * included), or NULL past the last: a client that reads headers on demand
 * (the Outlook add-in) reads these. */
const char *sg_policy_header_trigger_name(const sg_policy *p, size_t i);

/* Encryption: the local methods allowed ("smime", "openpgp") in order of
 * preference, and route names to fall back to when a recipient has no key. */
sg_err sg_policy_add_encrypt_method(sg_policy *p, const char *method, sg_error *err);
sg_err sg_policy_add_encrypt_fallback(sg_policy *p, const char *route, sg_error *err);
/* encrypt.split_delivery: when some recipients are ready for local
 * encryption and the others are not, a client that can send two copies
 * sends one encrypted to the ready recipients and one through the first
 * fallback route to the rest (sealgate/split.h). Off by default. */
void sg_policy_set_split_delivery(sg_policy *p, bool on);
bool sg_policy_split_delivery(const sg_policy *p);

/* A gateway route: name [A-Za-z0-9_.-]{1,64}, unique. */
sg_err sg_policy_add_route(sg_policy *p, const char *name, sg_error *err);
/* Add a header to route `name` (created by sg_policy_add_route). Header names
 * are RFC 5322 field names (printable ASCII, no colon or space); values have
 * no CR, LF or NUL. */
sg_err sg_policy_add_route_header(sg_policy *p, const char *route, const char *name, const char *value, sg_error *err);
/* Optional subject tag, e.g. "[secure]" (no CR/LF, at most 64 bytes). */
sg_err sg_policy_set_route_subject_tag(sg_policy *p, const char *route, const char *tag, sg_error *err);
/* The route's label for users (routes.NAME.label), in English and Japanese:
 * both 1..SG_POLICY_LABEL_MAX bytes of UTF-8 without control characters. The
 * prompts show it instead of the route's name. */
sg_err sg_policy_set_route_label(sg_policy *p, const char *route, const char *en, const char *ja, sg_error *err);

sg_err sg_policy_add_trigger(sg_policy *p, const sg_trigger_spec *spec, sg_error *err);

/* A route named by another key (external.route, a "route:NAME" choice or
 * fallback, encrypt.fallback, a trigger's route) must be one already added
 * with sg_policy_add_route: the readers read "routes" first and call this
 * where the name is, so the message can carry that key's path (seal checks
 * the same later, without one). SG_ERR_POLICY_INVALID "unknown route ..."
 * otherwise. */
sg_err sg_policy_check_route_ref(const sg_policy *p, const char *name, sg_error *err);

/* Check cross-references (every route named by a trigger, the external
 * action, a choice or a fallback exists and sets at least one header; trigger
 * ids unique), sort the lookup tables. Must be called once before
 * sg_policy_evaluate; the builder calls fail afterwards. */
sg_err sg_policy_seal(sg_policy *p, sg_error *err);

/* ---- Message summary: everything borrowed from the caller. */
typedef struct sg_attachment {
        const char *name;         /* file name, UTF-8 */
        uint64_t size;            /* bytes */
        const char *content_type; /* "application/pdf", may be NULL */
        const char *alt_name;     /* another name the same part carries (Content-Type's name= when it differs
                                   * from the disposition's filename=, a second filename=), or NULL;
                                   * attachment_extension reads both */
} sg_attachment;

/* Text of a message beyond its body that the content triggers read
 * (docs/admin/policy.md, "Which parts each trigger reads"). */
typedef enum sg_text_kind {
        SG_TEXT_ALTERNATIVE = 0,   /* another alternative of the body (the HTML one, as text) */
        SG_TEXT_ATTACHMENT,        /* a text attachment (text/ *, .txt, .csv), decoded to UTF-8 */
        SG_TEXT_FORWARDED_SUBJECT, /* the subject of an enclosed (forwarded) message */
        SG_TEXT_FORWARDED_BODY,    /* the body of an enclosed message (its alternatives and text attachments too) */
        SG_TEXT__MAX
} sg_text_kind;

typedef struct sg_text_part {
        sg_text_kind kind;
        const char *name; /* the attachment's file name, or NULL */
        const char *text; /* UTF-8 */
        size_t len;
} sg_text_part;

typedef struct sg_message {
        const char *from;      /* may be NULL */
        const char *const *to; /* each element an address-list string */
        size_t n_to;
        const char *const *cc;
        size_t n_cc;
        const char *const *bcc;
        size_t n_bcc;
        const char *subject; /* may be NULL */
        const char *body;    /* plain text, may be NULL */
        size_t body_len;
        const sg_attachment *attachments;
        size_t n_attachments;
        const sg_header *headers; /* existing headers (name, value) */
        size_t n_headers;
        const sg_text_part *texts; /* at most SG_MSG_TEXTS_MAX; body and texts at most SG_MSG_TEXT_TOTAL_MAX bytes */
        size_t n_texts;
        /* A reply or forward: the address lists of the original message (its
         * From, To, Cc, Reply-To), at most SG_MSG_RELATED_MAX; 0 when the
         * message is no reply or the client cannot tell (rule
         * new_domain_in_reply then does not apply). A list that does not
         * parse is skipped: its domains count as new. */
        const char *const *related;
        size_t n_related;
} sg_message;

/* ---- Decision: everything owned by the decision. */
typedef struct sg_recipient {
        sg_mailbox mailbox; /* parsed; mailbox.address is the comparison form */
        sg_field field;
        sg_class cls;
        sg_rule rule;
        char *matched;  /* the policy entry that matched ("*.corp.example"), or NULL */
        bool confirm;   /* prompt.confirm: the prompt lists it with a check box */
        bool lookalike; /* external, and its domain looks like an internal one (one edit away, or 0/o 1/l rn/m) */
        bool to_bcc;    /* rules.convert_to_bcc moves it from To/Cc to Bcc */
} sg_recipient;

typedef struct sg_reason {
        sg_reason_code code;
        sg_action action; /* what this reason asks for */
        char *trigger;    /* trigger id, or NULL for built-in reasons */
        char *detail;     /* English sentence fragment for logs, e.g. "2 attachments: a.pdf, b.xlsx" */
        char **items;     /* the evidence (file names, keywords, domains); n_items entries */
        size_t n_items;
        char *label_en; /* the trigger's label for users (triggers[].label), or NULL: the catalog's sentence */
        char *label_ja;
} sg_reason;

typedef struct sg_choice {
        sg_choice_kind kind;
        char *route;        /* route name for SG_CHOICE_ROUTE */
        sg_header *headers; /* the route's headers (ROUTE only) */
        size_t n_headers;
        char *subject_tag; /* the route's tag or NULL */
        char *label_en;    /* the route's label for users (routes.NAME.label), or NULL */
        char *label_ja;
} sg_choice;

typedef struct sg_decision {
        sg_action action;
        sg_recipient *recipients;
        size_t n_recipients;
        size_t n_external;
        size_t n_external_domains;
        sg_reason *reasons; /* in policy order; built-in first */
        size_t n_reasons;
        sg_choice *choices; /* what a prompt may offer (PROMPT only; else empty) */
        size_t n_choices;
        bool require_justification; /* for the "send" choice */
        size_t send_removed_by;     /* PROMPT: index in reasons of the first reason whose trigger forbids "send"
                                       (forbid_send) when the policy offers "send": the prompt says so in one
                                       line; n_reasons when "send" was not taken out */
        size_t prompt_fallback;     /* PROMPT: index in choices taken when no prompt can be shown */
        size_t prompt_recommended;  /* PROMPT: index in choices the prompt selects first (prompt.recommended,
                                       else the first protective choice); n_choices when none protects */
        char *route;                /* ROUTE: the route applied */
        sg_header *headers;         /* ROUTE: the headers to set */
        size_t n_headers;
        char *subject_tag;      /* ROUTE: tag to prepend, or NULL */
        char **encrypt_methods; /* ENCRYPT, or PROMPT offering "encrypt": allowed methods, in order */
        size_t n_encrypt_methods;
        char **encrypt_fallback; /* ENCRYPT: route names to fall back to */
        size_t n_encrypt_fallback;
        unsigned prompt_timeout_seconds;      /* the policy's prompt.timeout_seconds, always set */
        char *justification_header;           /* the policy's prompt.justification_header, or NULL */
        sg_justification_to justification_to; /* prompt.justification_to: AUDIT puts no header on the message */
        /* Mis-send prevention (docs/admin/policy.md, "Mis-send prevention") */
        sg_confirm confirm;       /* prompt.confirm (recipients with `confirm` set get a check box) */
        bool confirm_attachments; /* every attachment gets a check box too */
        bool allow_check_all;     /* the prompt may offer "check all" */
        bool show_sender;         /* the prompt shows the sender prominently */
        sg_bcc_mode bcc_mode;     /* the recipients with `to_bcc` set move to Bcc (AUTO) or may (ASK) */
        char *bcc_placeholder;    /* the To address when the move leaves To empty, or NULL */
        unsigned delay_seconds;   /* send.delay_seconds for this message (0: none) */
        bool delay_skippable;
        sg_delay_mode delay_mode;
        char *sender;               /* show_sender: the message's From as given, or NULL */
        sg_attachment *attachments; /* confirm_attachments: the attachments to tick (owned strings), else NULL */
        size_t n_attachments;
} sg_decision;

/* Evaluate `msg` under the sealed policy `p`. *ret is owned:
 * sg_decision_free(). Untouched on failure. Errors: SG_ERR_ADDRESS_SYNTAX
 * (message quotes the address and names the field), SG_ERR_LIMIT (a message
 * limit above), SG_ERR_REGEX_LIMIT, SG_ERR_INVALID_ARGUMENT (policy not sealed). */
sg_err sg_policy_evaluate(const sg_policy *p, const sg_message *msg, sg_decision **ret, sg_error *err);

sg_decision *sg_decision_free(sg_decision *d); /* takes NULL, returns NULL */

/* ---- Stable names used by JSON, the CLI and the docs. *_name returns a
 * static string; *_from_name returns false if the name is unknown. */
const char *sg_action_name(sg_action a); /* "allow", "prompt", ... */
bool sg_action_from_name(const char *name, sg_action *ret);
const char *sg_field_name(sg_field f); /* "to", "cc", "bcc" */
const char *sg_class_name(sg_class c); /* "internal", "external" */
const char *sg_rule_name(sg_rule r);   /* "internal_address", ... */
const char *sg_reason_code_name(sg_reason_code c);
const char *sg_trigger_type_name(sg_trigger_type t); /* "attachments", ... */
bool sg_trigger_type_from_name(const char *name, sg_trigger_type *ret);
const char *sg_choice_kind_name(sg_choice_kind k); /* "encrypt", "route", "send", "cancel" */
const char *sg_confirm_name(sg_confirm c);         /* "none", "external", "all" */
const char *sg_bcc_mode_name(sg_bcc_mode m);       /* "off", "auto", "ask" */
const char *sg_delay_mode_name(sg_delay_mode m);   /* "countdown", "deferred" */
bool sg_choice_kind_from_name(const char *name, sg_choice_kind *ret);

/* ---- The settings of a policy, described once: the scalar keys of
 * "prompt", "audit" and "keys" with their kind, range and builder call. The
 * readers (core/json/policy-json.c, win32-mapi/policy-reg.c) read them from
 * this table, and packaging/admx/make-admx.py takes the ranges from the
 * SG_POLICY_*_MIN/MAX/DEFAULT limits above, so no range is written twice. */
typedef enum sg_setting_kind {
        SG_SETTING_BOOL = 0,
        SG_SETTING_UINT,   /* between min and max */
        SG_SETTING_STRING, /* text */
        SG_SETTING_PATH    /* a file or directory (the registry also takes REG_EXPAND_SZ) */
} sg_setting_kind;

typedef struct sg_setting {
        const char *section; /* JSON object ("prompt"); the registry subkey is its CamelCase ("Prompt") */
        const char *name;    /* JSON key ("timeout_seconds"); the registry value is its CamelCase */
        const char *path;    /* "prompt.timeout_seconds", for messages */
        sg_setting_kind kind;
        int64_t min, max, def;                                            /* UINT */
        void (*set_bool)(sg_policy *p, bool b);                           /* BOOL */
        sg_err (*set_uint)(sg_policy *p, unsigned n, sg_error *err);      /* UINT */
        sg_err (*set_string)(sg_policy *p, const char *s, sg_error *err); /* STRING, PATH */
} sg_setting;

/* The static table, in reading order; *ret_n is its length. */
const sg_setting *sg_settings(size_t *ret_n);

/* ---- The keys of a trigger, described once for the policy readers
 * (core/json/policy-json.c, win32-mapi/policy-reg.c): which keys each trigger type
 * takes, of what kind, within which limits, and which field of
 * sg_trigger_spec each fills. A reader converts a value to the key's kind
 * (with its own "expected ..." message), then sg_trigger_spec_set checks and
 * stores it, so both readers say the same after their key path. */
typedef enum sg_trigger_key_kind {
        SG_TRIGGER_KEY_STRING = 0,
        SG_TRIGGER_KEY_BOOL,
        SG_TRIGGER_KEY_INT,  /* between min and max */
        SG_TRIGGER_KEY_LIST, /* strings, min to max of them */
        SG_TRIGGER_KEY_LABEL /* two strings: English and Japanese (JSON {"en","ja"}, registry LabelEn/LabelJa) */
} sg_trigger_key_kind;

/* The field of sg_trigger_spec a key fills. */
typedef enum sg_trigger_slot {
        SG_TRIGGER_SLOT_TYPE = 0,
        SG_TRIGGER_SLOT_ID,
        SG_TRIGGER_SLOT_ACTION,
        SG_TRIGGER_SLOT_ROUTE, /* the reader checks that the route exists */
        SG_TRIGGER_SLOT_SCOPE,
        SG_TRIGGER_SLOT_FORBID_SEND,
        SG_TRIGGER_SLOT_CASELESS,
        SG_TRIGGER_SLOT_SIZE,
        SG_TRIGGER_SLOT_MIN,
        SG_TRIGGER_SLOT_HEADER_NAME,
        SG_TRIGGER_SLOT_LIST,
        SG_TRIGGER_SLOT_LABEL,
        SG_TRIGGER_SLOT__MAX
} sg_trigger_slot;

typedef struct sg_trigger_key {
        const char *name; /* JSON key; the registry value is its CamelCase ("forbid_send": ForbidSend) */
        sg_trigger_key_kind kind;
        sg_trigger_slot slot;
        unsigned types;   /* bit (1u << type) of every trigger type that takes it */
        bool required;    /* in those types; "route" is required when the action is route */
        int64_t min, max; /* INT: the value; LIST: the number of entries */
} sg_trigger_key;

/* A value already of its key's kind; strings are borrowed. */
typedef struct sg_trigger_value {
        const char *s;
        bool b;
        int64_t n;
        const char *const *list;
        size_t n_list;
        const char *label[2]; /* LABEL: [0] English, [1] Japanese */
} sg_trigger_value;

/* The static table, in the order a reader reads the keys: "type" first, then
 * the keys every type takes, then the type's own. *ret_n is its length. */
const sg_trigger_key *sg_trigger_keys(size_t *ret_n);
/* The key `name` (JSON spelling), or NULL if no trigger type knows it. */
const sg_trigger_key *sg_trigger_key_find(const char *name);
bool sg_trigger_key_takes(const sg_trigger_key *k, sg_trigger_type t);
/* The key holding type t's list, or NULL if t takes none. */
const sg_trigger_key *sg_trigger_list_key(sg_trigger_type t);

/* Check value `v` of key `k` and store it in *spec (strings and the list stay
 * borrowed from v). Call in table order: "route" reads the action. Errors:
 * SG_ERR_POLICY_INVALID, the message saying what is wrong without the key
 * path (the reader prefixes it: sg_error_prefix). */
sg_err sg_trigger_spec_set(sg_trigger_spec *spec, const sg_trigger_key *k, const sg_trigger_value *v, sg_error *err);
/* Key `k` is absent from the trigger: SG_OK if it may be, else
 * SG_ERR_POLICY_INVALID ("required", or when only the action needs it). */
sg_err sg_trigger_spec_missing(const sg_trigger_spec *spec, const sg_trigger_key *k, sg_error *err);
/* A list of n entries for key `k`: SG_ERR_POLICY_INVALID when empty or longer
 * than the key's limit. Readers call it before reading the entries. */
sg_err sg_trigger_list_count(const sg_trigger_key *k, size_t n, sg_error *err);
/* Compile the body_pattern list of `spec` once to name the entry that fails
 * (the builder compiles again for keeps): *ret_index is its index. Errors:
 * sg_pattern_new's. */
sg_err sg_trigger_spec_check_patterns(const sg_trigger_spec *spec, size_t *ret_index, sg_error *err);
/* The builder names a bad list entry "list entry N ...": if err says so,
 * drop that prefix from the message, set *ret_index = N and return true, so
 * the reader can name the entry by its key path. */
bool sg_trigger_error_list_entry(sg_error *err, size_t *ret_index);

#ifdef __cplusplus
}
#endif
#endif
