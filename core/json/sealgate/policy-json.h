/* sealgate: reading a policy from its JSON file (json-c). Not a pure module:
 * the Outlook add-in builds its policy from the registry instead, through the
 * same builder calls in policy.h, so validation messages match. */
#ifndef SEALGATE_POLICY_JSON_H
#define SEALGATE_POLICY_JSON_H

#include <stddef.h>

#include "sealgate/error.h"
#include "sealgate/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_POLICY_FILE_MAX     (16u << 20) /* bytes of a policy file */
#define SG_POLICY_JSON_DEPTH   16          /* nesting depth */
#define SG_POLICY_DEFAULT_PATH "/etc/sealgate/policy.json"
#define SG_POLICY_ENV          "SEALGATE_POLICY"

/* Parse and validate policy JSON text (comments allowed: json-c's non-strict
 * tokener). On success *ret is a sealed policy (sg_policy_free); on failure
 * *ret is untouched and err->message names the key path and the problem, e.g.
 * `routes.portal.headers: a route must set at least one header`.
 * SG_ERR_POLICY_INVALID for every content problem. */
sg_err sg_policy_from_json(const char *text, size_t len, sg_policy **ret, sg_error *err);

/* Read `path` (at most SG_POLICY_FILE_MAX bytes) and parse it as above.
 * SG_ERR_POLICY_IO if the file cannot be read; the message names the path. */
sg_err sg_policy_load_file(const char *path, sg_policy **ret, sg_error *err);

/* The path in force: $SEALGATE_POLICY if set and non-empty, else the default.
 * Static or environment storage: do not free. */
const char *sg_policy_default_path(void);

#ifdef __cplusplus
}
#endif
#endif
