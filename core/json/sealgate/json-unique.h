/* sealgate: duplicate keys in JSON text. json-c keeps the last of two equal
 * keys silently, so `"to"` sent twice (external, then internal) would be
 * judged on the second; every JSON sealgate reads (host requests, the policy
 * file) is checked here first and a duplicate key is an error naming where.
 * Keys are compared after their escapes are decoded ("t\u006f" is "to"). */
#ifndef SEALGATE_JSON_UNIQUE_H
#define SEALGATE_JSON_UNIQUE_H

#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_JSON_UNIQUE_DEPTH_MAX 64 /* nesting the check follows; the parsers allow less */

/* Check the JSON text[0..len) (already accepted by json-c: comments are
 * skipped) for an object with two equal keys. SG_OK when none; otherwise
 * `code` (SG_ERR_REQUEST for a request, SG_ERR_POLICY_INVALID for the policy)
 * with err->message `<path>: duplicate key "<key>"`, the path written as the
 * other errors write it (`message.to`, `triggers[2]`); `root` names the top
 * level in the path ("" for none). SG_ERR_JSON for text the check cannot
 * follow, SG_ERR_LIMIT past SG_JSON_UNIQUE_DEPTH_MAX, SG_ERR_NOMEM. */
sg_err sg_json_check_unique_keys(const char *text, size_t len, sg_err code, const char *root, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
