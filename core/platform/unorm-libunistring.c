/* sealgate: the unorm.h backend for Linux: NFKC through libunistring (the
 * library libidn2 already loads, so no new dependency is mapped). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>
#include <unistr.h>
#include <unistring/version.h>

#include "sealgate/unorm.h"

sg_err sg_unorm_nfkc(const char *in, size_t len, char **ret_out, size_t *ret_len, sg_error *err) {
        if (!in || !ret_out || !ret_len)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_unorm_nfkc: NULL argument");
        if (u8_check((const uint8_t *) in, len))
                return sg_error_set(err, SG_ERR_UTF8, "text to normalise is not UTF-8");
        size_t n = 0;
        uint8_t *r = u8_normalize(UNINORM_NFKC, (const uint8_t *) in, len, NULL, &n);
        if (!r && len > 0)
                return errno == ENOMEM ? sg_error_set(err, SG_ERR_NOMEM, "out of memory normalising text")
                                       : sg_error_set(err, SG_ERR_UTF8, "text to normalise is not UTF-8");
        char *out = realloc(r, n + 1);
        if (!out) {
                free(r);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory normalising text");
        }
        out[n] = '\0';
        *ret_out = out;
        *ret_len = n;
        return SG_OK;
}

const char *sg_unorm_backend(void) {
        static char name[32];
        if (!name[0])
                snprintf(name, sizeof name, "libunistring %d.%d", _libunistring_version >> 8,
                         _libunistring_version & 0xff);
        return name;
}
