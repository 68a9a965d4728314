/* sealgate-host: the crypto module (sealgate-host-crypto.so), opened on the
 * first crypto op. It is looked for next to the running executable first
 * (/proc/self/exe: a build tree, or a relocated install), then in
 * SG_LIBEXECDIR/sealgate; the first file found is the one used. A module that
 * is missing or does not load answers crypto_unavailable to the crypto ops,
 * and the policy ops go on. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host-private.h"
#include "sealgate-config.h"

#define MODULE_NAME "sealgate-host-crypto.so"

/* The module's path: next to the executable when it is there, else the
 * install directory's. */
static void module_path(const sg_host *h, char *out, size_t cap) {
        char exe[PATH_MAX];
        const char *self = h->self_exe;
        if (!self) {
                ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
                if (n > 0) {
                        exe[n] = '\0';
                        self = exe;
                }
        }
        const char *slash = self ? strrchr(self, '/') : NULL;
        if (slash) {
                snprintf(out, cap, "%.*s/%s", (int) (slash - self), self, MODULE_NAME);
                if (access(out, F_OK) == 0)
                        return;
        }
        snprintf(out, cap, "%s/sealgate/%s", SG_LIBEXECDIR, MODULE_NAME);
}

const sg_host_crypto *_host_crypto(sg_host *h, sg_error *err) {
        if (h->crypto)
                return h->crypto;
        char path[PATH_MAX + 64];
        module_path(h, path, sizeof path);
        void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
                const char *why = dlerror();
                _host_log(h, "crypto module %s: %s", path, why ? why : "cannot be loaded");
                sg_error_set(err, SG_ERR_CRYPTO_UNAVAILABLE, "the crypto module %s cannot be loaded: %s", path,
                             why ? why : "unknown error");
                return NULL;
        }
        const sg_host_crypto *(*get)(void) = NULL;
        *(void **) &get = dlsym(lib, SG_HOST_CRYPTO_SYMBOL);
        const sg_host_crypto *c = get ? get() : NULL;
        if (!c || c->abi != SG_HOST_CRYPTO_ABI) {
                dlclose(lib);
                _host_log(h, "crypto module %s: not a sealgate-host %s crypto module", path, SG_VERSION);
                sg_error_set(err, SG_ERR_CRYPTO_UNAVAILABLE,
                             "the crypto module %s is not one for this sealgate-host (%s)", path, SG_VERSION);
                return NULL;
        }
        /* Never closed: its threads and its libraries' global state live as
         * long as the process. */
        _host_log(h, "crypto module loaded from %s", path);
        h->crypto = c;
        return c;
}
