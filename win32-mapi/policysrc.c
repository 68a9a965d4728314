/* sealgate Outlook add-in: loading the policy (see policysrc.h). */
#include "policysrc.h"
#include "policy-reg.h"

sg_err sg_addin_policy_load(sg_policy **ret, sg_error *err) {
        return sg_policy_reg_load(ret, err);
}

const char *sg_addin_policy_source(void) {
        return "registry";
}
