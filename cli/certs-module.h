/* sealgate-certs-cmd: the interface of sealgate-certs-module.so, the part of
 * `sealgate certs` that needs OpenSSL, libsoup, GMime or GIO (revocation
 * checking, the gpgsm import, a signed message's signature part). The
 * program opens it on first use (certs-load.c); the module (certs-module.c)
 * exports SG_CERTS_MODULE_SYMBOL alone, which returns this table. */
#ifndef SEALGATE_CLI_CERTS_MODULE_H
#define SEALGATE_CLI_CERTS_MODULE_H

#include <stddef.h>

#include "sealgate/certs.h"
#include "sealgate/error.h"
#include "sealgate/revocation.h"

#define SG_CERTS_MODULE_NAME   "sealgate-certs-module.so"
#define SG_CERTS_MODULE_SYMBOL "sg_certs_module_get"
#define SG_CERTS_MODULE_ABI    1 /* raised whenever the table changes */

typedef struct sg_certs_module {
        int abi;             /* SG_CERTS_MODULE_ABI */
        const char *version; /* SG_VERSION of the build: only the same build's module is used */
        sg_revocation_status (*revocation_check)(const unsigned char *cert, size_t cert_len,
                                                 const unsigned char *issuer, size_t issuer_len,
                                                 const sg_revocation_options *o, char *why, size_t n);
        sg_err (*import_gpgsm)(const char *path, const char *password, const char *homedir, int *secret_keys,
                               sg_error *err);
        sg_err (*message_signature)(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len,
                                    sg_error *err);
} sg_certs_module;

#endif
