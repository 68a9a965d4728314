/* sealgate-host: the crypto module, linked into the executable (the module
 * table is reached directly). */
#include "host-private.h"

const sg_host_crypto *_host_crypto(sg_host *h, sg_error *err) {
        if (!h->crypto)
                h->crypto = sg_host_crypto_module();
        return h->crypto;
}
