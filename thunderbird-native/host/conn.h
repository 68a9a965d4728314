/* sealgate-host: one connection (sg_host) and its single entry point,
 * sg_host_handle(): one frame's payload in, what the transport must do out
 * (a response to send, a prompt to start, a key lookup to run). Every op is a
 * row of the one op table (request.c); no I/O on stdin/stdout here, so tests
 * drive a connection directly. docs/protocol.md describes the protocol. */
#ifndef SEALGATE_HOST_CONN_H
#define SEALGATE_HOST_CONN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "host-limits.h"
#include "sealgate/error.h"
#include "sealgate/policy.h"
#include "sealgate/prompt-proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One connection's state: the policy in force, the decisions remembered for
 * prompt.show, a chunked request being reassembled, and (once a crypto op
 * came) the crypto module's streams and key lookups. */
typedef struct sg_host sg_host;

/* `policy_path` NULL means sg_policy_default_path(). The policy is loaded on
 * the first request that needs it and reloaded when the file's identity
 * (inode, size, mtime, ctime) changes; the identity is looked at no more than
 * once every SG_HOST_POLICY_CHECK_MS. Owned: sg_host_free(). NULL on ENOMEM. */
sg_host *sg_host_new(const char *policy_path);
sg_host *sg_host_free(sg_host *h); /* takes NULL, returns NULL */

/* Where the host logs (one line per call, no newline in `line`); default none,
 * so a connection stays silent under tests. */
typedef void (*sg_host_log_fn)(void *userdata, const char *line);
void sg_host_set_log(sg_host *h, sg_host_log_fn fn, void *userdata);

/* Formats one log line (at most 1023 bytes; line breaks become spaces) and
 * hands it to `log` (NULL: nothing). */
void sg_host_vlogf(sg_host_log_fn log, void *userdata, const char *fmt, va_list ap)
        __attribute__((format(SG_PRINTF_FORMAT, 3, 0)));

/* The transport's way out for answers that come later than the request
 * (stream output and results, key lookups): send one response or output frame
 * payload, chunking it when it is over SG_FRAME_OUT_MAX. `id_json` is the id
 * as JSON. 0 on success, -1 when stdout failed (the host then exits 1).
 * Without it (tests) the stream ops answer stream_invalid. */
typedef int (*sg_host_send_fn)(void *userdata, const char *json, const char *id_json);
void sg_host_set_send(sg_host *h, sg_host_send_fn fn, void *userdata);

/* How the host was started, for the `doctor` op: `manifest_path` and
 * `extension_id` are argv[1] and argv[2] as Thunderbird passes them, `self_exe`
 * the resolved absolute path of the running executable; each may be NULL
 * (not started by Thunderbird, or unknown). Copied. SG_ERR_NOMEM on failure,
 * and then the launch information is unchanged. */
sg_err sg_host_set_launch(sg_host *h, const char *manifest_path, const char *extension_id, const char *self_exe);

/* The policy path in force; borrowed from `h`. */
const char *sg_host_policy_path(const sg_host *h);

/* ---- deferred ops: the connection validates the request and hands the
 * transport a job; the transport runs it without blocking other requests. */

/* prompt.show: what the transport must run. */
typedef struct sg_prompt_job {
        char *id_json;                         /* the request's id, serialised */
        char attempt[SG_HOST_ATTEMPT_LEN + 1]; /* the attempt shown */
        char *input;                           /* one JSON line for the program's stdin */
        size_t input_len;
        char lang[3];             /* "ja", "en", or "" (the desktop's language) */
        unsigned timeout_seconds; /* the policy's prompt.timeout_seconds */
} sg_prompt_job;
sg_prompt_job *sg_prompt_job_free(sg_prompt_job *job); /* takes NULL, returns NULL */

/* keys.lookup: the request and the policy's keys.* settings; the transport
 * hands it to sg_host_keys_run(). */
typedef struct sg_keys_job {
        char *id_json;    /* the request's id, serialised */
        char **addresses; /* 1..SG_KEYS_RECIPIENTS_MAX, each checked by sg_keys_lookup */
        size_t n_addresses;
        bool smime, openpgp;      /* the methods asked for (both by default) */
        bool network_lookups;     /* keys.network_lookups */
        unsigned timeout_seconds; /* keys.timeout_seconds */
        char *certificate_store;  /* keys.certificate_store, "~/" expanded, or NULL */
        char *nss_db;             /* keys.nss_db, "~/" expanded, or NULL: the transport finds the profile */
        int revocation;           /* keys.revocation (SG_POLICY_REVOCATION_*) */
} sg_keys_job;
sg_keys_job *sg_keys_job_free(sg_keys_job *job); /* takes NULL, returns NULL */

/* ---- the entry point */

/* What one frame asks of the transport. At most one of `response`,
 * `prompt` and `keys` is set; none when a chunk was taken and more are
 * expected, or when a stream op answered through the send function. */
typedef struct sg_host_reply {
        char *response;        /* owned: send this now */
        char *id_json;         /* owned: the response's id as JSON ("7", "\"a\"", "null"), for chunking it */
        sg_prompt_job *prompt; /* owned: start the prompt program (sg_host_prompt_done answers it) */
        sg_keys_job *keys;     /* owned: run the lookup (sg_host_keys_run answers it) */
} sg_host_reply;
void sg_host_reply_clear(sg_host_reply *r);

/* Handle one frame `payload[0..len)` (need not be NUL-terminated): a request,
 * a chunk of a chunked request {"id","chunk":{"index","count"},"data"}, or an
 * input frame of the open stream {"id","input":{"index"},"data"}. The frame is
 * parsed once (UTF-8, strict JSON, depth SG_HOST_JSON_DEPTH, the id rules),
 * then the op is looked up in the one op table. `*ret` is always filled (all
 * NULL first); `id_json` set without `response` means the response could not
 * be built (out of memory): answer out_of_memory with that id. Returns -1 when sending a stream's answer failed (the
 * transport then exits), else 0. */
int sg_host_handle(sg_host *h, const char *payload, size_t len, sg_host_reply *ret);

/* ---- prompt.show's end */

typedef enum sg_prompt_end {
        SG_PROMPT_EXITED,      /* exited; `status` is its exit status */
        SG_PROMPT_SIGNALED,    /* killed by signal `status` (not by the host) */
        SG_PROMPT_TIMED_OUT,   /* the host ended it at the policy's timeout */
        SG_PROMPT_NOT_STARTED, /* could not be started (not found, not executable): `detail` */
        SG_PROMPT_OVERFLOW,    /* wrote more than SG_HOST_PROMPT_OUTPUT_MAX bytes; killed */
        SG_PROMPT_ABANDONED,   /* killed because the host is exiting (stdin closed) */
} sg_prompt_end;

/* How the program of a job ended; everything borrowed. */
typedef struct sg_prompt_result {
        sg_prompt_end end;
        int status;
        const char *out; /* its stdout */
        size_t out_len;
        const char *detail; /* NOT_STARTED: why, one sentence */
} sg_prompt_result;

/* Turn the end of `job`'s program into the prompt.show response: the answer
 * is checked against the host's own copy of the decision (prompt_failed when
 * it does not fit), the audit record is written, and the attempt is done.
 * Returns the owned response (*ret_id_json its id, when not NULL), or NULL
 * for SG_PROMPT_ABANDONED (nobody to answer: only the record is written) and
 * on ENOMEM. */
char *sg_host_prompt_done(sg_host *h, const sg_prompt_job *job, const sg_prompt_result *res, char **ret_id_json);

/* For a transport that shows the prompt itself (Windows, host-win32.c): the
 * decision of `job`'s attempt and the subject prompt.show gave (NULL: none),
 * both borrowed and unchanged while the job is open; NULL when the attempt
 * is not open. */
const sg_decision *sg_host_prompt_decision(sg_host *h, const sg_prompt_job *job, const char **ret_subject);

/* The host is exiting: write "abandoned" audit records for the prompt
 * decisions that were never shown. Call after every open job has been ended
 * (SG_PROMPT_ABANDONED). */
void sg_host_shutdown(sg_host *h);

/* ---- the crypto module's side of the transport (op-stream.c, op-keys.c):
 * streams and key lookups exist once the first crypto op loaded the module. */

/* Run `job` (taken): started at once when no lookup runs, else queued; the
 * answer goes out through the send function. A module that cannot be loaded,
 * or a full queue, answers at once. -1 when sending failed. */
int sg_host_keys_run(sg_host *h, sg_keys_job *job);

/* The fds to poll for the streams' and the lookups' progress (-1 for none,
 * before the module is loaded); call sg_host_crypto_pump() when one is
 * readable. */
void sg_host_crypto_fds(const sg_host *h, int *ret_stream_fd, int *ret_keys_fd);
int sg_host_crypto_pump(sg_host *h, bool streams, bool keys); /* -1 when sending failed */

/* True while the open stream's input queue is full: the transport stops
 * reading stdin until the worker takes a chunk (back-pressure). */
bool sg_host_input_full(const sg_host *h);

/* stdin reached end of file: a stream whose input is incomplete is ended
 * with truncated_input; one whose input is complete is run to its end. -1
 * when sending failed. */
int sg_host_input_eof(sg_host *h);

/* End the streams and the lookups (before sg_host_free). True when a lookup
 * was still running: it cannot be interrupted, so the process must then
 * leave with _exit(). */
bool sg_host_crypto_end(sg_host *h);

/* ---- responses, for the transport's own errors */

/* {"id":<id_json>,"error":{"code","message"}}; `id_json` NULL means null.
 * Owned; NULL on ENOMEM. */
char *sg_host_error_response(const char *id_json, sg_err code, const char *message);

/* Name and one-line help of op `i` (0-based) of the op table; false past the
 * last op. */
bool sg_host_op_info(size_t i, const char **ret_name, const char **ret_help);

#ifdef __cplusplus
}
#endif
#endif
