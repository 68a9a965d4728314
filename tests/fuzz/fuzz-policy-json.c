/* Fuzz target: the policy file reader (policy-json.c and the builder). */
#include <stdint.h>
#include <stdlib.h>

#include "sealgate/policy-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        sg_policy *p = NULL;
        sg_error err;
        if (sg_policy_from_json((const char *) data, size, &p, &err) == SG_OK && !p)
                abort();
        sg_policy_free(p);
        return 0;
}
