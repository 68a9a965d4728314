/* sealgate on Windows: the policy read from the registry (Group Policy, ADMX
 * in packaging/admx/) into the same builder calls as core/json/policy-json.c, with
 * the same checks and the same messages. Layout: docs/admin/outlook.md. */
#ifndef SEALGATE_POLICY_REG_H
#define SEALGATE_POLICY_REG_H

#include <windows.h>

#include "sealgate/error.h"
#include "sealgate/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The mandatory (Group Policy) and the user policy keys. */
#define SG_REG_POLICY_KEY "Software\\Policies\\sealgate" /* under HKLM */
#define SG_REG_USER_KEY   "Software\\sealgate"           /* under HKCU */

/* The largest value the reader accepts, like the policy file's limit. */
#define SG_REG_VALUE_MAX (16u << 20)

/* Where one policy source lives: a hive and an ASCII subkey path. Tests point
 * it at a scratch key (e.g. HKCU, "Software\\sealgate-test\\3\\Policies"). */
typedef struct sg_reg_root {
        HKEY hive;          /* HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, ... */
        const char *subkey; /* e.g. SG_REG_POLICY_KEY */
} sg_reg_root;

/* Read the policy: every value set under `mandatory` wins; values the admin
 * did not set are read from `user`; the Routes and Triggers keys are taken
 * whole from one source (mandatory if it has any route, resp. trigger). A
 * missing key is an empty source; both empty give the documented defaults.
 * Either root may be NULL. On success *ret is a sealed policy
 * (sg_policy_free); on failure *ret is untouched and err->message is the
 * JSON reader's message with its key path, followed by the registry path in
 * parentheses: `internal.domains[2]: not a domain: "bad domain"
 * (HKLM\Software\Policies\sealgate\Internal\Domains)`.
 * Errors: SG_ERR_POLICY_INVALID (a value is wrong), SG_ERR_POLICY_IO (a key
 * exists but cannot be read), SG_ERR_NOMEM. */
sg_err sg_policy_from_registry(const sg_reg_root *mandatory, const sg_reg_root *user, sg_policy **ret, sg_error *err);

/* The same for the real keys: HKLM\SG_REG_POLICY_KEY over HKCU\SG_REG_USER_KEY. */
sg_err sg_policy_reg_load(sg_policy **ret, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
