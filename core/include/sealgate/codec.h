/* sealgate: the JSON shapes of the host protocol and the CLI's --json output
 * (json-c): a message summary in, a decision out. One place for both, so the
 * host and `sealgate policy-check --json` print the same thing. */
#ifndef SEALGATE_CODEC_H
#define SEALGATE_CODEC_H

#include <json-c/json.h>

#include "sealgate/error.h"
#include "sealgate/keys.h"
#include "sealgate/pgp.h"
#include "sealgate/policy.h"
#include "sealgate/smime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A message summary decoded from JSON; owns the strings that `msg` points to.
 * Zero-initialise; release with sg_message_buf_clear(). */
typedef struct sg_message_buf {
        sg_message msg;
        void *priv; /* owned storage */
} sg_message_buf;

/* Decode the `message` object of a policy.evaluate request:
 * {from, to[], cc[], bcc[], subject, attachments[{name,size,content_type}],
 *  body, headers (object name->string, or array of {name,value})}.
 * Enforces the SG_MSG_* limits (SG_ERR_LIMIT) and types (SG_ERR_REQUEST);
 * err->message names the key path ("message.to[3]: expected a string").
 * On failure `buf` is left cleared. */
sg_err sg_message_from_json(json_object *obj, sg_message_buf *buf, sg_error *err);
void sg_message_buf_clear(sg_message_buf *buf);

/* Encode a decision as the `result` object of policy.evaluate (see
 * docs/protocol.md). Returns a new reference, NULL on ENOMEM. */
json_object *sg_decision_to_json(const sg_decision *d);

/* Adds an S/MIME verification's members to the object `into`: "valid",
 * "from" (`from`, may be NULL) and "signers" (every check separately). The
 * shape of `sealgate smime verify --json` and of the host's smime.verify
 * result (docs/cli.md, docs/protocol.md). */
void sg_smime_verify_to_json(json_object *into, const sg_smime_verify_result *res, const char *from);

/* Adds an OpenPGP verification's members to `into`: "valid", "from" (`from`,
 * may be NULL) and "signers" (every check separately; `res` may be NULL: no
 * signer, valid false). The shape of `sealgate pgp verify --json` and of the
 * host's pgp.verify and pgp.decrypt results (docs/cli.md, docs/protocol.md). */
void sg_pgp_verify_to_json(json_object *into, const sg_pgp_verify_result *res, const char *from);

/* One recipient of a keys lookup: {"address", "ready", "smime":{status,
 * usable, method, fingerprint, serial, subject, validity, expires, reason},
 * "pgp":{...}}; members a lookup did not find are left out. `smime`/`pgp`
 * false leave that object out and out of "ready" (a method not asked for).
 * The shape of `sealgate keys lookup --json` and of the host's keys.lookup
 * answers (docs/cli.md, docs/protocol.md). New reference, NULL on ENOMEM. */
json_object *sg_keys_answer_to_json(const sg_keys_answer *a, bool smime, bool pgp);

/* "usable", "none", "expired", "revoked", "wrong_usage", "wrong_address",
 * "invalid", "lookup_failed" ("unknown" for another value); static. */
const char *sg_key_status_name(sg_key_status s);

#ifdef __cplusplus
}
#endif
#endif
