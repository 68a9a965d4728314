/* sealgate-host on Windows: no crypto module. The smime.*, pgp.* and
 * keys.lookup ops answer unsupported_platform, so the extension takes the
 * policy's fallback (Thunderbird's own S/MIME/OpenPGP); docs/protocol.md. */
#include "host-private.h"

const sg_host_crypto *_host_crypto(sg_host *h, sg_error *err) {
        sg_error_set(err, SG_ERR_UNSUPPORTED_PLATFORM,
                     "the host's crypto ops are not available on Windows; Thunderbird encrypts by itself");
        return NULL;
}
