/* sealgate-host: the dispatch table behind the transport: one request's JSON in,
 * one response's JSON out (docs/protocol.md). No I/O on stdin/stdout; tests
 * drive it directly. */
#ifndef SEALGATE_HOST_DISPATCH_H
#define SEALGATE_HOST_DISPATCH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Named limits of the protocol layer (the frame and message limits are in
 * frame.h and policy.h). */
#define SG_HOST_JSON_DEPTH        16         /* nesting depth of a request */
#define SG_HOST_ID_MAX            256        /* bytes of a string id */
#define SG_HOST_PROTOCOL          1          /* version of the protocol in docs/protocol.md */
#define SG_HOST_MANIFEST_MAX      65536      /* bytes of the native-messaging manifest `doctor` reads */
#define SG_HOST_ATTEMPTS_MAX      64         /* decisions remembered for prompt.show */
#define SG_HOST_PROMPTS_MAX       4          /* prompts open at once */
#define SG_HOST_ATTEMPT_LEN       32         /* hex characters of an attempt id */
#define SG_HOST_PROMPT_OUTPUT_MAX 65536      /* bytes of the prompt program's stdout */
#define SG_PROMPT_INPUT_MAX       (8u << 20) /* bytes of the decision written to the prompt program */
#define SG_HOST_KILL_GRACE_MS     2000       /* SIGTERM, then SIGKILL after this */

/* Streams (smime.* ops; stream-job.h). */
#define SG_HOST_STREAMS_MAX  1                     /* streams open at once */
#define SG_STREAM_INPUT_MAX  ((long long) 1 << 30) /* bytes of one stream's input (1 GiB) */
#define SG_STREAM_FRAMES_MAX 262144                /* input frames of one stream */
#define SG_STREAM_PARAM_MAX  4096                  /* bytes of one string parameter (path, passphrase, ...) */
#define SG_STREAM_QUEUE      4                     /* chunks queued in each direction */

/* keys.lookup (keys-job.h): one lookup runs at a time, these many wait. */
#define SG_HOST_KEYS_QUEUE_MAX 4

/* The native-messaging application name: the manifest's `name`, its file name
 * (`sealgate.host.json`) and what the extension passes to connectNative. */
#define SG_HOST_NATIVE_NAME "sealgate.host"

/* One connection's state: the policy in force and a chunked request being
 * reassembled. */
typedef struct sg_host sg_host;

/* `policy_path` NULL means sg_policy_default_path(). The policy is loaded on
 * the first request that needs it and reloaded whenever the file's identity
 * (inode, size, mtime, ctime) changes. Owned: sg_host_free(). NULL on ENOMEM. */
sg_host *sg_host_new(const char *policy_path);
sg_host *sg_host_free(sg_host *h); /* takes NULL, returns NULL */

/* Where the host logs (one line per call, no newline in `line`); default none,
 * so the dispatcher stays silent under tests. */
typedef void (*sg_host_log_fn)(void *userdata, const char *line);

/* Formats one log line (at most 1023 bytes; line breaks become spaces) and
 * hands it to `log` (NULL: nothing). The host's modules log through it. */
void sg_host_vlogf(sg_host_log_fn log, void *userdata, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));
void sg_host_set_log(sg_host *h, sg_host_log_fn fn, void *userdata);

/* How the host was started, for the `doctor` op: `manifest_path` and
 * `extension_id` are argv[1] and argv[2] as Thunderbird passes them, `self_exe`
 * the resolved absolute path of the running executable; each may be NULL
 * (not started by Thunderbird, or unknown). Copied. SG_ERR_NOMEM on failure,
 * and then the launch information is unchanged. */
sg_err sg_host_set_launch(sg_host *h, const char *manifest_path, const char *extension_id, const char *self_exe);

/* The policy path in force; borrowed from `h`. */
const char *sg_host_policy_path(const sg_host *h);

/* Answer one request `req[0..len)` (need not be NUL-terminated). Returns the
 * owned response JSON (free()), NULL only when out of memory. When
 * `ret_id_json` is not NULL it gets the response's id serialised as JSON
 * ("7", "\"a\"", "null"), owned, for the transport to chunk the response. */
char *sg_host_dispatch(sg_host *h, const char *req, size_t len);
char *sg_host_dispatch_id(sg_host *h, const char *req, size_t len, char **ret_id_json);

/* Handle one frame from the transport: either a whole request (as above) or
 * one chunk of a chunked request {"id","chunk":{"index","count"},"data"}.
 * Returns NULL with *ret_id_json NULL when a chunk was accepted and more are
 * expected (nothing to send); otherwise the owned response, as above. */
char *sg_host_handle_frame(sg_host *h, const char *payload, size_t len, char **ret_id_json);

/* ---- prompt.show: the dispatcher validates and hands the transport a job;
 * the transport runs the program without blocking and hands back how it
 * ended. */

/* What the transport must run for one prompt.show request. */
typedef struct sg_prompt_job {
        char *id_json;                         /* the request's id, serialised */
        char attempt[SG_HOST_ATTEMPT_LEN + 1]; /* the attempt shown */
        char *input;                           /* one JSON line for the program's stdin */
        size_t input_len;
        char lang[3];             /* "ja", "en", or "" (the desktop's language) */
        unsigned timeout_seconds; /* the policy's prompt.timeout_seconds */
} sg_prompt_job;
sg_prompt_job *sg_prompt_job_free(sg_prompt_job *job); /* takes NULL, returns NULL */

/* ---- keys.lookup: the dispatcher validates the request and reads the
 * policy's keys.* settings into a job; the transport runs the lookup in a
 * worker thread (keys-job.c) and answers it with sg_host_response(). */
typedef struct sg_keys_job {
        char *id_json;    /* the request's id, serialised */
        char **addresses; /* 1..SG_KEYS_RECIPIENTS_MAX, each checked by sg_keys_lookup */
        size_t n_addresses;
        bool smime, openpgp;      /* the methods asked for (both by default) */
        bool network_lookups;     /* keys.network_lookups */
        unsigned timeout_seconds; /* keys.timeout_seconds */
        char *certificate_store;  /* keys.certificate_store, "~/" expanded, or NULL */
        char *nss_db;             /* keys.nss_db, "~/" expanded, or NULL: the transport finds the profile */
} sg_keys_job;
sg_keys_job *sg_keys_job_free(sg_keys_job *job); /* takes NULL, returns NULL */

/* {"id":<id_json>,"result":<result>}; `result` is taken. Owned; NULL on ENOMEM. */
char *sg_host_response(const char *id_json, json_object *result);

/* As sg_host_handle_frame_job, and a keys.lookup request that passes
 * validation becomes *ret_keys (owned; the return is then NULL, *ret_id_json
 * NULL). Through the entry points without it, keys.lookup is answered
 * internal ("needs the host's transport"). */
char *sg_host_handle_frame_jobs(sg_host *h, const char *payload, size_t len, char **ret_id_json,
                                sg_prompt_job **ret_job, sg_keys_job **ret_keys);

/* As sg_host_handle_frame, but a prompt.show request that passes validation
 * starts a job: the return is NULL, *ret_id_json NULL and *ret_job the job
 * (owned). Every other request sets *ret_job NULL. Through the entry points
 * without a job (sg_host_dispatch, sg_host_handle_frame), prompt.show is
 * answered prompt_unavailable. */
char *sg_host_handle_frame_job(sg_host *h, const char *payload, size_t len, char **ret_id_json,
                               sg_prompt_job **ret_job);

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
 * Returns the owned response (*ret_id_json as sg_host_dispatch_id), or NULL
 * for SG_PROMPT_ABANDONED (nobody to answer: only the record is written) and
 * on ENOMEM. */
char *sg_host_prompt_done(sg_host *h, const sg_prompt_job *job, const sg_prompt_result *res, char **ret_id_json);

/* The host is exiting: write "abandoned" audit records for the prompt
 * decisions that were never shown. Call after every open job has been ended
 * (SG_PROMPT_ABANDONED). */
void sg_host_shutdown(sg_host *h);

/* An error response {"id":<id_json>,"error":{"code","message"}}; `id_json` NULL
 * means null. Owned; NULL on ENOMEM. For the transport's own errors. */
char *sg_host_error_response(const char *id_json, sg_err code, const char *message);

/* Name and one-line help of op `i` (0-based); false past the last op. */
int sg_host_op_info(size_t i, const char **ret_name, const char **ret_help);

#ifdef __cplusplus
}
#endif
#endif
