/* sealgate-certs-module.so: core's revocation checking (revocation.c:
 * OpenSSL, libsoup), gpgsm import (certs-gpgsm.c: OpenSSL, GIO) and signed
 * message reading (certs-message.c: GMime) for sealgate-certs-cmd, which
 * opens this module only when a command needs one of them (certs-load.c),
 * so that an import into NSS never maps those libraries. Only
 * SG_CERTS_MODULE_SYMBOL is exported; the static libraries' symbols stay
 * inside. */
#include "certs-module.h"
#include "sealgate-config.h"

static const sg_certs_module module = {
        .abi = SG_CERTS_MODULE_ABI,
        .version = SG_VERSION,
        .revocation_check = sg_revocation_check,
        .import_gpgsm = sg_certs_import_gpgsm,
        .message_signature = sg_certs_message_signature,
};

__attribute__((visibility("default"))) const sg_certs_module *sg_certs_module_get(void);

const sg_certs_module *sg_certs_module_get(void) {
        return &module;
}
