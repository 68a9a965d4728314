/* sealgate-host: the dispatch table behind the transport: one request's JSON in,
 * one response's JSON out (docs/protocol.md). No I/O on stdin/stdout; tests
 * drive it directly. */
#ifndef SEALGATE_HOST_DISPATCH_H
#define SEALGATE_HOST_DISPATCH_H

#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Named limits of the protocol layer (the frame and message limits are in
 * frame.h and policy.h). */
#define SG_HOST_JSON_DEPTH   16    /* nesting depth of a request */
#define SG_HOST_ID_MAX       256   /* bytes of a string id */
#define SG_HOST_PROTOCOL     1     /* version of the protocol in docs/protocol.md */
#define SG_HOST_MANIFEST_MAX 65536 /* bytes of the native-messaging manifest `doctor` reads */

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

/* An error response {"id":<id_json>,"error":{"code","message"}}; `id_json` NULL
 * means null. Owned; NULL on ENOMEM. For the transport's own errors. */
char *sg_host_error_response(const char *id_json, sg_err code, const char *message);

/* Name and one-line help of op `i` (0-based); false past the last op. */
int sg_host_op_info(size_t i, const char **ret_name, const char **ret_help);

#ifdef __cplusplus
}
#endif
#endif
