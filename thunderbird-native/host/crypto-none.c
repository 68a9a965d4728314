/* sealgate-host: no crypto module (test builds of the connection alone): the
 * crypto ops answer crypto_unavailable. */
#include "host-private.h"

const sg_host_crypto *_host_crypto(sg_host *h, sg_error *err) {
        sg_error_set(err, SG_ERR_INTERNAL, "the crypto module is not part of this build");
        return NULL;
}
