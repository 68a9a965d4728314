/* sealgate: key paths for messages (keypath.h). Pure module: libc only. */
#include <stdio.h>

#include "sealgate/keypath.h"

void sg_keypath_key(char *out, size_t size, const char *base, const char *key, size_t key_max) {
        if (size == 0)
                return;
        int shown = key_max > 4096 ? 4096 : (int) key_max;
        int r = base[0] ? snprintf(out, size, "%s.%.*s", base, shown, key) : snprintf(out, size, "%.*s", shown, key);
        if (r < 0)
                out[0] = '\0';
}

void sg_keypath_idx(char *out, size_t size, const char *base, size_t i) {
        if (size == 0)
                return;
        if (snprintf(out, size, "%s[%zu]", base, i) < 0)
                out[0] = '\0';
}
