/* sealgate: key paths for messages (keypath.h). Pure module: libc only. */
#include <stdio.h>
#include <string.h>

#include "sealgate/keypath.h"

void sg_keypath_key(char *out, size_t size, const char *base, const char *key, size_t key_max) {
        if (size == 0)
                return;
        int shown = key_max > 4096 ? 4096 : (int) key_max;
        int r = base[0] ? snprintf(out, size, "%s.%.*s", base, shown, key) : snprintf(out, size, "%.*s", shown, key);
        if (r < 0)
                out[0] = '\0';
}

/* Appends n bytes of s at *len, as far as `size` allows (snprintf's
 * truncation, without its cost: this runs for every array item a request
 * holds, error or not). */
static void append(char *out, size_t size, size_t *len, const char *s, size_t n) {
        size_t room = size - 1 - *len;
        if (n > room)
                n = room;
        memcpy(out + *len, s, n);
        *len += n;
}

void sg_keypath_idx(char *out, size_t size, const char *base, size_t i) {
        if (size == 0)
                return;
        char num[24];
        size_t k = sizeof num;
        do {
                num[--k] = (char) ('0' + i % 10);
                i /= 10;
        } while (i);
        size_t len = 0;
        append(out, size, &len, base, strlen(base));
        append(out, size, &len, "[", 1);
        append(out, size, &len, num + k, sizeof num - k);
        append(out, size, &len, "]", 1);
        out[len] = '\0';
}
