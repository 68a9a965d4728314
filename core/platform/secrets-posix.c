/* sealgate: the secrets.h backend for Linux: RLIMIT_CORE 0 and
 * PR_SET_DUMPABLE 0, mlock, explicit_bzero. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "sealgate/secrets.h"

bool sg_secrets_protect_process(void) {
        bool ok = true;
        struct rlimit rl = {0, 0};
        if (setrlimit(RLIMIT_CORE, &rl) != 0)
                ok = false;
#ifdef __linux__
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
                ok = false;
#endif
        return ok;
}

bool sg_secret_lock(void *p, size_t n) {
        return p && n && mlock(p, n) == 0;
}

void sg_secret_wipe(void *p, size_t n) {
        if (!p || !n)
                return;
        explicit_bzero(p, n);
}

void sg_secret_free_string(char *s) {
        if (!s)
                return;
        explicit_bzero(s, strlen(s));
        free(s);
}
