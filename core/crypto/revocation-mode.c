/* sealgate: the names of revocation modes and statuses and what a status
 * means under a mode (sealgate/revocation.h). The C library alone, apart
 * from revocation.c (OpenSSL, libsoup): a program that only names modes or
 * judges a status (sealgate certs, which loads the checking itself on
 * demand) links none of the checking's libraries. */
#include <string.h>

#include "sealgate/revocation.h"

bool sg_revocation_mode_parse(const char *s, sg_revocation_mode *ret) {
        static const char *const names[] = {"off", "soft-fail", "hard-fail"};
        for (int i = 0; i < 3; i++)
                if (s && strcmp(s, names[i]) == 0) {
                        *ret = (sg_revocation_mode) i;
                        return true;
                }
        return false;
}

const char *sg_revocation_mode_name(sg_revocation_mode m) {
        return m == SG_REVOCATION_HARD_FAIL ? "hard-fail" : m == SG_REVOCATION_SOFT_FAIL ? "soft-fail" : "off";
}

const char *sg_revocation_status_name(sg_revocation_status s) {
        switch (s) {
        case SG_REVOCATION_GOOD:
                return "good";
        case SG_REVOCATION_REVOKED:
                return "revoked";
        case SG_REVOCATION_UNKNOWN:
                return "revocation_unknown";
        default:
                return "not_checked";
        }
}

bool sg_revocation_usable(sg_revocation_status s, sg_revocation_mode mode) {
        if (mode == SG_REVOCATION_OFF)
                return true;
        if (s == SG_REVOCATION_REVOKED)
                return false;
        return s != SG_REVOCATION_UNKNOWN || mode == SG_REVOCATION_SOFT_FAIL;
}
