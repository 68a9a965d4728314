/* sealgate: the outcome (sealgate/outcome.h) as JSON, the shape the host
 * returns to the extension with prompt.show's answer and policy.evaluate's
 * decision (docs/protocol.md, "Outcome"). */
#ifndef SEALGATE_OUTCOME_JSON_H
#define SEALGATE_OUTCOME_JSON_H

#include <json-c/json.h>

#include "sealgate/json-writer.h"
#include "sealgate/outcome.h"

#ifdef __cplusplus
extern "C" {
#endif

/* {action, choice, by, justification, headers, subject, route, encrypt, audit};
 * owned (json_object_put). NULL on ENOMEM. */
json_object *sg_outcome_to_json(const sg_outcome *o);

/* The same object written straight into `w` (no tree): byte for byte
 * json-c's plain serialisation of sg_outcome_to_json(o) without slash
 * escapes (tests/host/test-json-writer.c). */
void sg_outcome_write_json(sg_jw *w, const sg_outcome *o);

#ifdef __cplusplus
}
#endif
#endif
