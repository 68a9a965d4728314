/* sealgate-host: the interface between the connection and the crypto
 * module, the part of the host that runs the smime.*, pgp.* and keys.lookup
 * work (stream-job.c, stream-smime.c, stream-pgp.c, keys-job.c, module.c).
 * The connection reaches it only through this table, so the policy path never
 * touches OpenSSL, NSS, GMime, GLib or GPGME. */
#ifndef SEALGATE_HOST_CRYPTO_MODULE_H
#define SEALGATE_HOST_CRYPTO_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "conn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the table or the structs it passes change. */
#define SG_HOST_CRYPTO_ABI 2

typedef struct sg_streams sg_streams;
typedef struct sg_keys_runner sg_keys_runner;

typedef struct sg_host_crypto {
        unsigned abi; /* SG_HOST_CRYPTO_ABI */

        /* Streams (stream-job.h): at most SG_HOST_STREAMS_MAX open. */
        sg_streams *(*streams_new)(sg_host_send_fn send, sg_host_log_fn log, void *userdata);
        sg_streams *(*streams_free)(sg_streams *s);
        int (*streams_wake_fd)(const sg_streams *s);
        /* A stream request `req` for op `op` (one of the stream ops): checked,
         * then started or refused; takes `id_json`. -1 when sending failed. */
        int (*stream_start)(sg_streams *s, json_object *req, const char *op, char *id_json);
        /* An input frame (parsed; `req` has no op, has "input"); takes `id_json`. */
        int (*stream_input)(sg_streams *s, json_object *req, char *id_json);
        /* The input frame as every client writes it, recognised without a
         * parse; false (untouched) when it is not exactly that. */
        bool (*stream_input_fast)(sg_streams *s, const char *p, size_t len, int *ret_w);
        bool (*streams_open)(const sg_streams *s);
        int (*streams_pump)(sg_streams *s);
        bool (*streams_input_full)(const sg_streams *s);
        int (*streams_eof)(sg_streams *s);

        /* Key lookups (keys-job.h). */
        sg_keys_runner *(*keys_new)(sg_host_send_fn send, sg_host_log_fn log, void *userdata);
        sg_keys_runner *(*keys_free)(sg_keys_runner *k);
        bool (*keys_busy)(const sg_keys_runner *k);
        int (*keys_wake_fd)(const sg_keys_runner *k);
        int (*keys_submit)(sg_keys_runner *k, sg_keys_job *job);
        int (*keys_pump)(sg_keys_runner *k);

        /* HMAC-SHA256 as lower-case hex (the gateway check header's mac). */
        bool (*hmac_sha256_hex)(const void *key, size_t key_len, const void *data, size_t len, char out[65]);
} sg_host_crypto;

/* shared.c, compiled into both sides. The one request parser: UTF-8 first
 * (json-c would pass some invalid sequences through inside strings), then
 * strict JSON with a depth limit of SG_HOST_JSON_DEPTH and nothing after the
 * value. Owned *ret on SG_OK. */
sg_err sg_host_parse_request(const char *req, size_t len, json_object **ret, sg_error *err);
/* The same, with the number of object members the text holds (its ':'
 * outside strings) in *ret_members: json-c keeps the last of two equal keys,
 * so the tree has fewer members than that exactly when an object repeats a
 * key (the request path runs the full duplicate-key check only then). */
sg_err sg_host_parse_request_counted(const char *req, size_t len, json_object **ret, size_t *ret_members,
                                     sg_error *err);

/* The request id: an integer, or a string of at most SG_HOST_ID_MAX bytes
 * without a NUL character; borrowed from `req`. */
sg_err sg_host_read_id(json_object *req, json_object **ret_id, sg_error *err);

/* {"id":<id_json>,"result":<result>}
 * (`result` taken; `id_json` NULL means null). Owned; NULL on ENOMEM. */
char *sg_host_result_response(const char *id_json, json_object *result);

/* The module's one exported symbol. */
#define SG_HOST_CRYPTO_SYMBOL "sg_host_crypto_module"
const sg_host_crypto *sg_host_crypto_module(void);

#ifdef __cplusplus
}
#endif
#endif
