/* sealgate-host: what the connection's files share (conn.c, attempt.c,
 * request.c and the op-*.c families): the connection's struct, the op
 * table's row type, and the helpers the ops call. Not for the transport or
 * the crypto module (they see conn.h and crypto-module.h). Names shared
 * across files start with `_host_` (the pattern of gnome-text-editor's
 * *-private.h). */
#ifndef SEALGATE_HOST_PRIVATE_H
#define SEALGATE_HOST_PRIVATE_H

#include <stdint.h>

#include <json-c/json.h>

#include "conn.h"
#include "crypto-module.h"
#include "sealgate/audit-file.h"
#include "sealgate/audit.h"
#include "sealgate/outcome.h"
#include "sealgate/policy.h"

/* Whether the policy is a file (SEALGATE_POLICY, /etc/sealgate/policy.json)
 * or, on Windows, the registry keys the Outlook add-in reads (conn.c). */
#ifdef _WIN32
#define SG_HOST_POLICY_FILE 0
#else
#define SG_HOST_POLICY_FILE 1
#endif

/* What identifies one version of the policy file: an admin's edit in place
 * changes size or times, a replace-by-rename changes the inode. */
typedef struct file_id {
        unsigned long long dev, ino;
        long long size, mtime_s, mtime_ns, ctime_s, ctime_ns;
} file_id;

/* A decision policy.evaluate answered, kept for prompt.show and the audit log. */
typedef enum attempt_state {
        ATTEMPT_DONE = 0, /* recorded (not a prompt, or answered) */
        ATTEMPT_PENDING,  /* a prompt decision not shown yet */
        ATTEMPT_OPEN,     /* its prompt is open now */
} attempt_state;

struct attempt {
        char id[SG_HOST_ATTEMPT_LEN + 1]; /* "" for a free slot */
        sg_decision *d;
        char *sender;
        attempt_state state;
        uint64_t seq; /* age: the smallest is the oldest */
        sg_audit_settings audit;
        char *audit_dir;         /* audit.directory when given (audit.directory points here) */
        char *subject;           /* the subject prompt.show gave (owned), for the outcome; NULL: none */
        sg_offer offer;          /* what prompt.show offered given the client's readiness (zero: everything) */
        const sg_choice *choice; /* the choice taken (one of d->choices), or NULL: none (no prompt) */
        char by[16];             /* how it was taken ("button", "fallback", …), or "" */
        bool applied;            /* attempt.applied was recorded (for a split: both copies) */
        bool split;              /* outcome.split answered "split": one applied record per copy */
        unsigned char copies;    /* split: the copies recorded (1: encrypted, 2: routed) */
        bool bcc_declined;       /* rules.convert_to_bcc "ask": the user kept the recipients in To and Cc */
};

struct sg_host {
        char *policy_path;
        sg_policy *policy; /* NULL when not loaded: policy_err says why */
        sg_error policy_err;
        file_id policy_id;
        int have_policy_id;      /* policy/policy_err belong to policy_id */
        int64_t policy_check_ms; /* when the file's identity was last looked at (0: never) */
        sg_host_log_fn log;
        void *log_userdata;
        sg_host_send_fn send;
        void *send_userdata;

        /* How Thunderbird started us (doctor); each NULL when unknown. */
        char *manifest_path, *extension_id, *self_exe;

        /* A chunked request being reassembled (chunk_id_json NULL: none). */
        char *chunk_id_json;
        size_t chunk_next, chunk_count;
        char *chunk_buf;
        size_t chunk_len, chunk_cap;

        struct attempt attempts[SG_HOST_ATTEMPTS_MAX];
        uint64_t attempt_seq;
        size_t n_open; /* attempts in ATTEMPT_OPEN */

        /* Audit: the day's file kept open (NULL until the first record), and
         * where and on which day the files were last pruned. */
        sg_audit_writer *audit_writer;
        char *pruned_dir;
        int64_t pruned_day;

        /* The crypto module, its streams and lookups: NULL until the first
         * crypto op (op-stream.c, op-keys.c). */
        const sg_host_crypto *crypto;
        sg_streams *streams;
        sg_keys_runner *keys;
};

/* ---- the op table (request.c holds the one table) */

/* What a handler gives back; which member depends on the op's kind. */
typedef struct op_out {
        json_object *result;   /* OP_SYNC: the result, owned */
        char *response;        /* OP_SYNC, instead of `result`: the whole response text, owned */
        sg_prompt_job *prompt; /* OP_DEFERRED: prompt.show's job, owned */
        sg_keys_job *keys;     /* OP_DEFERRED: keys.lookup's job, owned */
        int send_status;       /* OP_STREAM: -1 when sending failed */
} op_out;

typedef enum op_kind {
        OP_SYNC,     /* answered by the handler's result */
        OP_DEFERRED, /* a job the transport runs; answered when it ends */
        OP_STREAM,   /* a stream: answered through the send function */
} op_kind;

/* `req` is the parsed request (an object with a valid id and op), `id_json`
 * its id serialised. On failure the handler fills `err` and returns its code;
 * the request is answered with it. */
typedef sg_err (*op_handler)(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err);

/* The handlers and their help texts, one family per file. */
#define HOST_OP(x)                                                                                                     \
        extern const char _host_hlp_##x[];                                                                             \
        sg_err _host_op_##x(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err)
HOST_OP(version);         /* op-policy.c */
HOST_OP(policy_evaluate); /* op-policy.c */
HOST_OP(policy_get);      /* op-policy.c */
HOST_OP(doctor);          /* op-doctor.c */
HOST_OP(prompt_show);     /* op-prompt.c */
HOST_OP(keys_lookup);     /* op-keys.c */
HOST_OP(attempt_applied); /* op-applied.c */
HOST_OP(outcome_split);   /* op-split.c */
HOST_OP(certs_wizard);    /* op-certs.c */
HOST_OP(stream);          /* op-stream.c: every smime.* and pgp.* op */
extern const char _host_hlp_smime_encrypt[], _host_hlp_smime_decrypt[], _host_hlp_smime_sign[],
        _host_hlp_smime_verify[], _host_hlp_pgp_encrypt[], _host_hlp_pgp_decrypt[], _host_hlp_pgp_sign[],
        _host_hlp_pgp_verify[];
#undef HOST_OP

/* The names of the ops, in table order, into `names` (a JSON array). */
void _host_op_names(json_object *names);

/* ---- conn.c */

void _host_log(sg_host *h, const char *fmt, ...) __attribute__((format(SG_PRINTF_FORMAT, 2, 3)));

/* Bytes of `s` to quote in a message: at most `max`, never ending inside a
 * UTF-8 sequence, so a response stays valid UTF-8 whatever the request held. */
int _host_quote_len(const char *s, size_t max);

void _host_file_id_from_stat(const void *st, file_id *id); /* st: const struct stat * */

/* Bring h->policy in line with the file on disk (the identity looked at at
 * most once every SG_HOST_POLICY_CHECK_MS). Fail closed: whenever the file is
 * gone, unreadable or invalid, the old policy is dropped and the error is
 * what the ops answer. `force`: look at the file now. */
void _host_policy_refresh(sg_host *h, bool force);

/* {code, message} of why the policy is not in force, or NULL (JSON null). */
json_object *_host_policy_error_json(const sg_host *h);

/* ---- op-inputs.c: the inputs the policy reads, and a request's `skipped`
 * (docs/protocol.md, "Inputs the policy reads"). */
typedef struct sg_jw sg_jw;
/* {texts, related}: whether `p` reads each; NULL (JSON null) without a policy. */
json_object *_host_reads_json(const sg_policy *p);
/* The same as a "reads" member of the object `w` is writing. */
void _host_reads_write(sg_jw *w, const sg_policy *p);
/* SG_OK, SG_ERR_REQUEST for a malformed `skipped`, SG_ERR_INPUT_SKIPPED when
 * it names an input `p` reads. */
sg_err _host_check_skipped(const sg_policy *p, json_object *req, sg_error *err);

/* A string member of `o`, or NULL. */
const char *_host_string_member(json_object *o, const char *key);

/* Parse JSON text (a leading UTF-8 byte order mark skipped); `strict`
 * refuses comments. NULL when it is not exactly one JSON value. Owned. */
json_object *_host_parse_json_text(const char *text, size_t len, int depth, int strict);

/* ---- op-policy.c: read all of `path` (at most `max` bytes) into an owned
 * NUL-terminated buffer; `ret_id`, when not NULL, gets the identity of the
 * file that was read. SG_ERR_IO when it cannot be read, SG_ERR_LIMIT past
 * `max`. */
sg_err _host_read_bounded(const char *path, size_t max, char **ret_text, size_t *ret_len, file_id *ret_id,
                          sg_error *err);

/* ---- attempt.c: attempts and their audit records */

/* Write the record of attempt `a` under its own audit settings (those of the
 * policy that decided). `only_check`: open the day's file without writing
 * (whether a later record can be written). SG_ERR_AUDIT on failure, logged. */
/* The outcome (sealgate/outcome.h) of decision `d` for `choice` taken `by`
 * (NULL, NULL: the decision's own action) as JSON, the encrypt fallbacks
 * found in the policy in force; `encrypt_method` the method readiness found
 * ready (or NULL); `bcc_declined` the user kept the recipients the decision
 * asked to move to Bcc. NULL on ENOMEM or a justification over its limit
 * (err says which). */
json_object *_host_outcome_json(sg_host *h, const sg_decision *d, const sg_choice *choice, const char *by,
                                const char *justification, const char *subject, const char *encrypt_method,
                                const char *attempt, bool bcc_declined, sg_error *err);
/* The outcome itself (sg_outcome_free), as the two above make it. */
sg_outcome *_host_outcome_new(sg_host *h, const sg_decision *d, const sg_choice *choice, const char *by,
                              const char *justification, const char *subject, const char *encrypt_method,
                              const char *attempt, bool bcc_declined, sg_error *err);
/* The same as a JSON text (owned; NULL with err set), for policy.evaluate:
 * written straight by sg_outcome_write_json, no tree. Both make the outcome
 * and sign its check headers the same way (_host_sign_checks) before it is
 * written. */
char *_host_outcome_text(sg_host *h, const sg_decision *d, const sg_choice *choice, const char *by, const char *subject,
                         const char *attempt, sg_error *err);

/* With the policy's audit.check_key: "; t=UNIX; mac=HEX" appended to every
 * check header of outcome `o` (its check and each encrypt fallback's),
 * the HMAC-SHA256 (crypto module) over the value up to t, a newline and the
 * decision's recipients (comparison form, sorted, once each, comma-separated).
 * False (err set) when the crypto module cannot be loaded or on ENOMEM. */
bool _host_sign_checks(sg_host *h, const sg_decision *d, sg_outcome *o, sg_error *err);

sg_err _host_audit_write(sg_host *h, const struct attempt *a, const sg_choice *choice, const char *by,
                         const char *justification, sg_audit_outcome outcome, const char *prompt_error, int only_check,
                         sg_error *err);
/* The "applied" record of attempt `a` (what the client applied and read back). */
sg_err _host_audit_write_applied(sg_host *h, const struct attempt *a, const sg_audit_applied *applied,
                                 sg_audit_outcome outcome, sg_error *err);

/* Delete audit files past retention in the directory of `s`, at most once a
 * day per directory unless `force`. */
void _host_audit_prune(sg_host *h, const sg_audit_settings *s, int64_t now, int force);

bool _host_random_attempt(char out[SG_HOST_ATTEMPT_LEN + 1]);
struct attempt *_host_attempt_find(sg_host *h, const char *id);
/* A free slot, evicting the oldest attempt whose prompt is not open. */
struct attempt *_host_attempt_slot(sg_host *h);
bool _host_attempt_copy_audit(struct attempt *a, const sg_audit_settings *s);
void _host_attempt_clear(struct attempt *a);

/* ---- request.c */

/* `id` (borrowed; NULL is null) as JSON text. Owned; NULL on ENOMEM. */
char *_host_id_to_json(json_object *id);

/* ---- op-stream.c: the frames of a stream */

/* An input frame (parsed, no op, has "input"); takes `id_json`. Returns -1
 * when sending failed. */
int _host_stream_input(sg_host *h, json_object *req, char *id_json, sg_host_reply *ret);

/* The input frame of the open stream as every client writes it, taken
 * without a parse (true, *ret_w the send status); false otherwise. */
bool _host_stream_input_fast(sg_host *h, const char *p, size_t len, int *ret_w);

/* ---- the crypto module (crypto-load.c): loaded on the first call; NULL with
 * `err` set (crypto_unavailable) when it cannot be. */
const sg_host_crypto *_host_crypto(sg_host *h, sg_error *err);

#endif
