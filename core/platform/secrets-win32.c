/* sealgate: the secrets.h backend for Windows: VirtualLock and
 * SecureZeroMemory; a process there has no core file to turn off (Windows
 * Error Reporting is the system's, docs/admin). */
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "sealgate/secrets.h"

bool sg_secrets_protect_process(void) {
        return true;
}

bool sg_secret_lock(void *p, size_t n) {
        return p && n && VirtualLock(p, n);
}

void sg_secret_wipe(void *p, size_t n) {
        if (!p || !n)
                return;
        SecureZeroMemory(p, n);
}

void sg_secret_free_string(char *s) {
        if (!s)
                return;
        SecureZeroMemory(s, strlen(s));
        free(s);
}
