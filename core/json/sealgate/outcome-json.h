/* sealgate: the outcome (sealgate/outcome.h) as JSON, the shape the host
 * returns to the extension with prompt.show's answer and policy.evaluate's
 * decision (docs/protocol.md, "Outcome"). */
#ifndef SEALGATE_OUTCOME_JSON_H
#define SEALGATE_OUTCOME_JSON_H

#include <json-c/json.h>

#include "sealgate/outcome.h"

#ifdef __cplusplus
extern "C" {
#endif

/* {action, choice, by, justification, headers, subject, route, encrypt, audit};
 * owned (json_object_put). NULL on ENOMEM. */
json_object *sg_outcome_to_json(const sg_outcome *o);

#ifdef __cplusplus
}
#endif
#endif
