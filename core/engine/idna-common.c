/* sealgate: the checks both idna.h backends share (idna-private.h). */
#include <stdbool.h>
#include <string.h>

#include "idna-private.h"
#include "sealgate/util.h"

#define QUOTE_MAX 80

/* Copy at most QUOTE_MAX bytes of `s` for an error message: cut at a UTF-8
 * boundary, stop before invalid UTF-8, and show control bytes as '?'. */
static void quote(const char *s, char out[QUOTE_MAX + 1]) {
        size_t n = strlen(s);
        if (n > QUOTE_MAX) {
                n = QUOTE_MAX;
                while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
                        n--;
        }
        while (n > 0 && !sg_utf8_valid(s, n))
                n--;
        for (size_t i = 0; i < n; i++)
                out[i] = (unsigned char) s[i] < 0x20 || s[i] == 0x7F ? '?' : s[i];
        out[n] = '\0';
}

sg_err sg_idna_fail(sg_error *err, const char *domain, const char *why) {
        char q[QUOTE_MAX + 1];
        quote(domain, q);
        return sg_error_set(err, SG_ERR_IDNA, "invalid domain \"%s\": %s", q, why);
}

bool sg_idna_is_ascii(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s >= 0x80)
                        return false;
        return true;
}

const char *sg_idna_ldh_problem(const char *d, bool *ret_has_alabel) {
        size_t total = strlen(d);
        *ret_has_alabel = false;
        if (total == 0)
                return "empty domain";
        if (total > SG_IDNA_DOMAIN_MAX)
                return "longer than 253 octets";
        const char *p = d;
        for (;;) {
                const char *end = strchr(p, '.');
                size_t n = end ? (size_t) (end - p) : strlen(p);
                if (n == 0)
                        return "empty label";
                if (n > SG_IDNA_LABEL_MAX)
                        return "label longer than 63 octets";
                for (size_t i = 0; i < n; i++) {
                        char c = p[i];
                        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                                return "only letters, digits and hyphens are allowed in a domain";
                }
                if (p[0] == '-' || p[n - 1] == '-')
                        return "label starts or ends with a hyphen";
                if (n >= 4 && memcmp(p, "xn--", 4) == 0)
                        *ret_has_alabel = true;
                if (!end)
                        return NULL;
                p = end + 1;
        }
}
