/* sealgate: the growing byte buffer (see sealgate/strbuf.h). */
#include <stdlib.h>
#include <string.h>

#include "sealgate/strbuf.h"
#include "sealgate/util.h"

void sg_strbuf_add_slow(sg_strbuf *b, const void *s, size_t n) {
        if (b->oom || b->over)
                return;
        if (b->max && n > b->max - b->n) {
                b->over = true;
                return;
        }
        if (n > SIZE_MAX / 2 - b->n) {
                b->oom = true;
                return;
        }
        if (b->n + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                while (cap < b->n + n + 1)
                        cap *= 2;
                char *ns = realloc(b->s, cap);
                if (!ns) {
                        b->oom = true;
                        return;
                }
                b->s = ns;
                b->cap = cap;
        }
        if (n)
                memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = '\0';
}

void sg_strbuf_add_u64(sg_strbuf *b, uint64_t v) {
        char tmp[24];
        size_t i = sizeof tmp;
        do {
                tmp[--i] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        sg_strbuf_add(b, tmp + i, sizeof tmp - i);
}

char *sg_strbuf_take(sg_strbuf *b, size_t *ret_len) {
        char *s = b->s;
        size_t n = b->n;
        bool failed = b->oom || b->over;
        b->s = NULL;
        b->n = b->cap = 0;
        b->oom = b->over = false;
        if (failed) {
                free(s);
                return NULL;
        }
        if (!s && !(s = sg_strdup("")))
                return NULL;
        if (ret_len)
                *ret_len = n;
        return s;
}

void sg_strbuf_clear(sg_strbuf *b) {
        free(b->s);
        b->s = NULL;
        b->n = b->cap = 0;
        b->oom = b->over = false;
}
