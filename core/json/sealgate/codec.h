/* sealgate: the JSON shapes of the host protocol and the CLI's --json output
 * (json-c): a message summary in, a decision out. One place for both, so the
 * host and `sealgate policy-check --json` print the same thing. */
#ifndef SEALGATE_CODEC_H
#define SEALGATE_CODEC_H

#include <json-c/json.h>

#include "sealgate/error.h"
#include "sealgate/json-writer.h"
#include "sealgate/policy.h"

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
 * {from, to[], cc[], bcc[], subject, attachments[{name,size,content_type,alt_name}],
 *  body, headers (object name->string, or array of {name,value}),
 *  texts[{kind,name,text}] (sg_text_part; kind "alternative", "attachment",
 *  "forwarded_subject" or "forwarded_body")}.
 * Enforces the SG_MSG_* limits (SG_ERR_LIMIT) and types (SG_ERR_REQUEST);
 * err->message names the key path ("message.to[3]: expected a string").
 * On failure `buf` is left cleared. */
sg_err sg_message_from_json(json_object *obj, sg_message_buf *buf, sg_error *err);
void sg_message_buf_clear(sg_message_buf *buf);

/* Headers as [{"name","value"}...] (a NULL string as ""), the shape of the
 * decision's and the outcome's headers. New reference, NULL on ENOMEM. */
json_object *sg_headers_to_json(const sg_header *h, size_t n);

/* Encode a decision as the `result` object of policy.evaluate (see
 * docs/protocol.md). Returns a new reference, NULL on ENOMEM. */
json_object *sg_decision_to_json(const sg_decision *d);

/* The same object's members (no braces), in the same order, written straight
 * into `w` (the host's hot path: no object tree). The text of
 * {members} is byte for byte json-c's plain serialisation of
 * sg_decision_to_json(d) (tests/unit/test-json-writer.c). */
void sg_decision_write_json_members(sg_jw *w, const sg_decision *d);

/* "key":[{"name":…,"value":…},…] into `w`, as sg_headers_to_json's array. */
void sg_headers_write_json(sg_jw *w, const char *key, const sg_header *h, size_t n);

#ifdef __cplusplus
}
#endif
#endif
