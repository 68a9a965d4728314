/* sealgate Outlook add-in: where the policy comes from: the registry
 * (policy-reg.h: HKLM\Software\Policies\sealgate over HKCU\Software\sealgate,
 * the documented defaults when neither exists). */
#ifndef SG_POLICYSRC_H
#define SG_POLICYSRC_H

#include "sealgate/policy.h"

/* Load and seal the policy in force. *ret owned (sg_policy_free()); untouched
 * on failure, when err->message says what is wrong, as the reader words it. */
sg_err sg_addin_policy_load(sg_policy **ret, sg_error *err);

/* Where it was read from, for messages ("registry"). */
const char *sg_addin_policy_source(void);

#endif
