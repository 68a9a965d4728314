/* sealgate: the JSON shapes of the crypto results (json-c): S/MIME and
 * OpenPGP verifications and keys lookup answers, for the host and the CLI. */
#ifndef SEALGATE_CRYPTO_JSON_H
#define SEALGATE_CRYPTO_JSON_H

#include <json-c/json.h>
#include <stdbool.h>

#include "sealgate/keys.h"
#include "sealgate/pgp.h"
#include "sealgate/smime.h"

#ifdef __cplusplus
extern "C" {
#endif

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
