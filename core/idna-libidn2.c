/* sealgate: the idna.h backend over libidn2 (IDNA2008 with UTS #46 non-transitional mapping). */
#include <idn2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/idna.h"
#include "sealgate/util.h"

#define LABEL_MAX  63
#define DOMAIN_MAX 253
#define QUOTE_MAX  80

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

static sg_err fail(sg_error *err, const char *domain, const char *why) {
        char q[QUOTE_MAX + 1];
        quote(domain, q);
        return sg_error_set(err, SG_ERR_IDNA, "invalid domain \"%s\": %s", q, why);
}

static bool is_ascii(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s >= 0x80)
                        return false;
        return true;
}

/* Check a lower-case ASCII domain: LDH labels of 1..63 octets, no hyphen at
 * either end, at most 253 octets. Returns the reason, or NULL if valid. */
static const char *ldh_problem(const char *d, bool *ret_has_alabel) {
        size_t total = strlen(d);
        *ret_has_alabel = false;
        if (total == 0)
                return "empty domain";
        if (total > DOMAIN_MAX)
                return "longer than 253 octets";
        const char *p = d;
        for (;;) {
                const char *end = strchr(p, '.');
                size_t n = end ? (size_t) (end - p) : strlen(p);
                if (n == 0)
                        return "empty label";
                if (n > LABEL_MAX)
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

/* The one place libidn2's errors become sg_err. */
static sg_err to_ascii_idn2(const char *in, const char *domain, char **ret, sg_error *err) {
        char *out = NULL;
        /* Non-transitional: transitional processing maps ß, ς, ZWJ/ZWNJ to
         * other strings and so to a different domain than the one DNS will
         * look up; there is no case where falling back to it is safer. */
        int rc = idn2_to_ascii_8z(in, &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc != IDN2_OK) {
                idn2_free(out);
                return fail(err, domain, idn2_strerror(rc));
        }
        char *r = sg_strdup(out);
        idn2_free(out);
        if (!r)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_ascii_lower(r);
        *ret = r;
        return SG_OK;
}

sg_err sg_idna_to_ascii(const char *domain, char **ret_ascii, sg_error *err) {
        if (!domain || !ret_ascii)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_idna_to_ascii: NULL argument");
        size_t len = strlen(domain);
        if (!sg_utf8_valid(domain, len))
                return fail(err, domain, "not valid UTF-8");
        if (len == 0)
                return fail(err, domain, "empty domain");

        char *r = NULL;
        bool has_alabel;
        const char *why;
        if (is_ascii(domain)) {
                /* Fast path: LDH needs no mapping; only A-labels need libidn2,
                 * whose round trip rejects bad Punycode and disallowed code points. */
                r = sg_strdup(domain);
                if (!r)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                sg_ascii_lower(r);
                why = ldh_problem(r, &has_alabel);
                if (why) {
                        free(r);
                        return fail(err, domain, why);
                }
                if (has_alabel) {
                        char *checked = NULL;
                        sg_err e = to_ascii_idn2(r, domain, &checked, err);
                        if (e != SG_OK) {
                                free(r);
                                return e;
                        }
                        bool same = strcmp(checked, r) == 0;
                        free(checked);
                        if (!same) {
                                free(r);
                                return fail(err, domain, "A-label is not in canonical form");
                        }
                }
        } else {
                sg_err e = to_ascii_idn2(domain, domain, &r, err);
                if (e != SG_OK)
                        return e;
                /* libidn2 without STD3 rules lets '_' and the like through;
                 * hold the result to the same LDH rule as ASCII input. */
                why = ldh_problem(r, &has_alabel);
                if (why) {
                        free(r);
                        return fail(err, domain, why);
                }
        }
        *ret_ascii = r;
        return SG_OK;
}

const char *sg_idna_backend(void) {
        return "libidn2 " IDN2_VERSION;
}
