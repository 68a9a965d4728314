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

bool sg_idna_lower_ascii(const char *s, size_t n, char *out) {
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c >= 0x80)
                        return false;
                out[i] = (char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        out[n] = '\0';
        return true;
}

static bool is_ldh(unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* One pass per label; the checks keep the order they are documented in
 * (empty, too long, a character outside LDH, a hyphen at an end). */
const char *sg_idna_ldh_problem(const char *d, bool *ret_has_alabel) {
        size_t total = strlen(d);
        *ret_has_alabel = false;
        if (total == 0)
                return "empty domain";
        if (total > SG_IDNA_DOMAIN_MAX)
                return "longer than 253 octets";
        for (size_t start = 0;;) {
                size_t i = start;
                bool bad = false;
                for (; d[i] && d[i] != '.'; i++)
                        bad |= !is_ldh((unsigned char) d[i]);
                size_t n = i - start;
                if (n == 0)
                        return "empty label";
                if (n > SG_IDNA_LABEL_MAX)
                        return "label longer than 63 octets";
                if (bad)
                        return "only letters, digits and hyphens are allowed in a domain";
                if (d[start] == '-' || d[i - 1] == '-')
                        return "label starts or ends with a hyphen";
                if (n >= 4 && memcmp(d + start, "xn--", 4) == 0)
                        *ret_has_alabel = true;
                if (!d[i])
                        return NULL;
                start = i + 1;
        }
}
