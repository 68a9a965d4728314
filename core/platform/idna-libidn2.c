/* sealgate: the idna.h backend over libidn2 (IDNA2008 with UTS #46 non-transitional mapping). */
#include <idn2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "idna-private.h"
#include "sealgate/idna.h"
#include "sealgate/util.h"

/* The one place libidn2's errors become sg_err. */
static sg_err to_ascii_idn2(const char *in, const char *domain, char **ret, sg_error *err) {
        char *out = NULL;
        /* Non-transitional: transitional processing maps ß, ς, ZWJ/ZWNJ to
         * other strings and so to a different domain than the one DNS will
         * look up; there is no case where falling back to it is safer. */
        int rc = idn2_to_ascii_8z(in, &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc != IDN2_OK) {
                idn2_free(out);
                return sg_idna_fail(err, domain, idn2_strerror(rc));
        }
        char *r = sg_strdup(out);
        idn2_free(out);
        if (!r)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_ascii_lower(r);
        *ret = r;
        return SG_OK;
}

/* The last few non-ASCII domains converted, per thread: libidn2's mapping
 * of one Unicode domain costs about as much as parsing twenty ASCII
 * addresses, and a host sees the same recipients message after message. A
 * pure function's results, so the cache changes no answer. */
#define IDN_CACHE_SLOTS  16
#define IDN_CACHE_KEYMAX 128 /* longer domains are converted every time */
static _Thread_local struct idn_cached {
        char in[IDN_CACHE_KEYMAX + 1];
        char out[SG_IDNA_DOMAIN_MAX + 1];
} idn_cache[IDN_CACHE_SLOTS];
static _Thread_local unsigned idn_cache_next;

static const char *idn_cache_find(const char *domain, size_t len) {
        if (len > IDN_CACHE_KEYMAX)
                return NULL;
        for (size_t i = 0; i < IDN_CACHE_SLOTS; i++)
                if (idn_cache[i].in[0] && strcmp(idn_cache[i].in, domain) == 0)
                        return idn_cache[i].out;
        return NULL;
}

static void idn_cache_add(const char *domain, size_t len, const char *ascii) {
        if (len > IDN_CACHE_KEYMAX || strlen(ascii) > SG_IDNA_DOMAIN_MAX)
                return;
        struct idn_cached *c = &idn_cache[idn_cache_next++ % IDN_CACHE_SLOTS];
        memcpy(c->in, domain, len + 1);
        strcpy(c->out, ascii);
}

sg_err sg_idna_to_ascii(const char *domain, char **ret_ascii, sg_error *err) {
        if (!domain || !ret_ascii)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_idna_to_ascii: NULL argument");
        size_t len = strlen(domain);
        if (len == 0)
                return sg_idna_fail(err, domain, "empty domain");

        char *r = malloc(len + 1);
        if (!r)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        bool has_alabel;
        const char *why;
        if (sg_idna_lower_ascii(domain, len, r)) {
                /* Fast path: LDH needs no mapping; only A-labels need libidn2,
                 * whose round trip rejects bad Punycode and disallowed code
                 * points. The copy is lowered as it is made (one pass). */
                why = sg_idna_ldh_problem(r, &has_alabel);
                if (why) {
                        free(r);
                        return sg_idna_fail(err, domain, why);
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
                                return sg_idna_fail(err, domain, "A-label is not in canonical form");
                        }
                }
        } else {
                free(r);
                r = NULL;
                const char *known = idn_cache_find(domain, len);
                if (known) {
                        if (!(r = sg_strdup(known)))
                                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                        *ret_ascii = r;
                        return SG_OK;
                }
                if (!sg_utf8_valid(domain, len))
                        return sg_idna_fail(err, domain, "not valid UTF-8");
                sg_err e = to_ascii_idn2(domain, domain, &r, err);
                if (e != SG_OK)
                        return e;
                /* libidn2 without STD3 rules lets '_' and the like through;
                 * hold the result to the same LDH rule as ASCII input. */
                why = sg_idna_ldh_problem(r, &has_alabel);
                if (why) {
                        free(r);
                        return sg_idna_fail(err, domain, why);
                }
                idn_cache_add(domain, len, r);
        }
        *ret_ascii = r;
        return SG_OK;
}

const char *sg_idna_backend(void) {
        return "libidn2 " IDN2_VERSION;
}
