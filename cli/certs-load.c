/* sealgate-certs-cmd: revocation checking, the gpgsm import and reading a
 * signed message's signature part, loaded on first use from
 * sealgate-certs-module.so (certs-module.c), so that importing into NSS maps
 * NSS, NSPR, json-c and the C library alone, as pk12util does
 * (docs/performance.md, "Certificate import").
 *
 * The three functions below are core's (sealgate/revocation.h,
 * sealgate/certs.h) for this program: they forward to the module's copies.
 * A program's own objects are linked before the static libraries, and an
 * archive member is taken only for a symbol nothing defined yet, so
 * revocation.c, certs-gpgsm.c and certs-message.c and their libraries stay
 * out of sealgate-certs-cmd (tests/cli/test-programs.py checks both).
 *
 * The module is looked for next to the running program (a build tree), then
 * in SG_LIBEXECDIR/sealgate, as the host's crypto module is; the first file
 * found is used, and only one of the same build (SG_CERTS_MODULE_ABI and
 * SG_VERSION). When it cannot be loaded: a revocation check answers
 * revocation_unknown with the reason, the other two SG_ERR_CRYPTO_UNAVAILABLE. */
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "certs-module.h"
#include "sealgate-config.h"

static const sg_certs_module *loaded;
static bool tried;
static sg_error load_error; /* why it cannot be loaded */

static void module_path(char *out, size_t cap) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0 && self[0] == '/') {
                self[n] = '\0';
                char *slash = strrchr(self, '/');
                int w = snprintf(out, cap, "%.*s/%s", (int) (slash - self), self, SG_CERTS_MODULE_NAME);
                if (w > 0 && (size_t) w < cap && access(out, F_OK) == 0)
                        return;
        }
        snprintf(out, cap, "%s/sealgate/%s", SG_LIBEXECDIR, SG_CERTS_MODULE_NAME);
}

static const sg_certs_module *module(sg_error *err) {
        if (!tried) {
                tried = true;
                char path[PATH_MAX + 64];
                module_path(path, sizeof path);
                void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
                if (!lib) {
                        const char *why = dlerror();
                        sg_error_set(&load_error, SG_ERR_CRYPTO_UNAVAILABLE,
                                     "the certificate module %s cannot be loaded: %s", path,
                                     why ? why : "unknown error");
                } else {
                        const sg_certs_module *(*get)(void) = NULL;
                        *(void **) &get = dlsym(lib, SG_CERTS_MODULE_SYMBOL);
                        const sg_certs_module *m = get ? get() : NULL;
                        if (m && m->abi == SG_CERTS_MODULE_ABI && m->version && strcmp(m->version, SG_VERSION) == 0) {
                                /* never closed: its libraries' global state lives as long as the process */
                                loaded = m;
                        } else {
                                dlclose(lib);
                                sg_error_set(&load_error, SG_ERR_CRYPTO_UNAVAILABLE,
                                             "%s is not a certificate module of sealgate %s", path, SG_VERSION);
                        }
                }
        }
        if (!loaded && err)
                *err = load_error;
        return loaded;
}

sg_revocation_status sg_revocation_check(const unsigned char *cert, size_t cert_len, const unsigned char *issuer,
                                         size_t issuer_len, const sg_revocation_options *o, char *why, size_t n) {
        sg_error e = {0};
        const sg_certs_module *m = module(&e);
        if (m)
                return m->revocation_check(cert, cert_len, issuer, issuer_len, o, why, n);
        if (why && n)
                snprintf(why, n, "%s", e.message);
        return SG_REVOCATION_UNKNOWN;
}

sg_err sg_certs_import_gpgsm(const char *path, const char *password, const char *homedir, int *secret_keys,
                             sg_error *err) {
        const sg_certs_module *m = module(err);
        return m ? m->import_gpgsm(path, password, homedir, secret_keys, err) : SG_ERR_CRYPTO_UNAVAILABLE;
}

sg_err sg_certs_message_signature(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len,
                                  sg_error *err) {
        const sg_certs_module *m = module(err);
        return m ? m->message_signature(data, len, out, out_len, err) : SG_ERR_CRYPTO_UNAVAILABLE;
}
