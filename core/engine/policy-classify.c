/* sealgate: how a recipient is classified (policy.md "How recipients are
 * classified"): the hash lookups of the address and domain entries built at
 * seal, sub-addresses and source routes (addresses.*). Pure module: libc
 * only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/policy.h"

#include "policy-private.h"

/* ---- Lookups ----------------------------------------------------------- */

/* Whether the entry key (lower case) is lower(s[0..n)). */
static bool key_equals(const char *key, const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) key[i] != lower_byte((unsigned char) s[i]))
                        return false;
        return key[n] == '\0';
}

/* The first (earliest written) entry whose key equals lower(s[0..n)), whose
 * key_hash is h, or NULL: one probe sequence in the hash index built at
 * seal. */
static const struct entry *lookup_h(const struct entries *e, const char *s, size_t n, uint32_t h) {
        if (e->n == 0)
                return NULL;
        size_t mask = e->n_slots - 1;
        for (size_t k = h & mask;; k = (k + 1) & mask) {
                const struct slot *sl = &e->slots[k];
                if (!sl->index)
                        return NULL;
                if (sl->hash == h && key_equals(e->v[sl->index - 1].key, s, n))
                        return &e->v[sl->index - 1];
        }
}

static const struct entry *lookup(const struct entries *e, const char *s) {
        if (e->n == 0)
                return NULL;
        size_t n = strlen(s);
        return lookup_h(e, s, n, key_hash(s, n));
}

/* A domain with the hash of itself and of each proper parent, from one
 * backward pass (key_hash runs from the last byte). */
struct domain_hashes {
        const char *s;
        size_t len;
        uint32_t full;
        size_t n_parents;
        bool overflow; /* more parents than fit (not a valid domain): hash each on its own */
        struct {
                size_t off; /* the parent is s + off */
                uint32_t h;
        } parents[SG_ADDR_DOMAIN_MAX / 2 + 1]; /* rightmost dot first; enough for a valid domain */
};

static void domain_hash(const char *dom, struct domain_hashes *dh) {
        size_t n = strlen(dom);
        uint32_t h = KEY_HASH_SEED;
        dh->s = dom;
        dh->len = n;
        dh->n_parents = 0;
        dh->overflow = false;
        for (size_t i = n; i > 0; i--) {
                if (dom[i - 1] == '.' && i < n) {
                        if (dh->n_parents == sizeof dh->parents / sizeof *dh->parents)
                                dh->overflow = true;
                        else {
                                dh->parents[dh->n_parents].off = i;
                                dh->parents[dh->n_parents].h = h;
                                dh->n_parents++;
                        }
                }
                h = key_hash_step(h, dom[i - 1]);
        }
        dh->full = h;
}

static const struct entry *lookup_domain(const struct entries *e, const struct domain_hashes *dh) {
        return lookup_h(e, dh->s, dh->len, dh->full);
}

/* The nearest wildcard entry covering a proper parent of the domain: the
 * longest parent first. */
static const struct entry *lookup_parent(const struct entries *wild, const struct domain_hashes *dh) {
        for (const char *dot = strchr(dh->s, '.'); dh->overflow && wild->n && dot; dot = strchr(dot + 1, '.')) {
                const struct entry *e = lookup(wild, dot + 1);
                if (e)
                        return e;
        }
        for (size_t k = dh->n_parents; wild->n && k > 0; k--) {
                size_t off = dh->parents[k - 1].off;
                const struct entry *e = lookup_h(wild, dh->s + off, dh->len - off, dh->parents[k - 1].h);
                if (e)
                        return e;
        }
        return NULL;
}

/* An address entry of `list` matching `addr` as it is or, failing that,
 * without its sub-address ("contractor+q3@corp.example" ->
 * "contractor@corp.example"; addresses.subaddress_delimiters). */
static const struct entry *lookup_address(const sg_policy *p, const struct entries *list, const char *addr) {
        const struct entry *e = lookup(list, addr);
        const char *at = strrchr(addr, '@');
        if (e || !p->subaddress_delimiters[0] || !at || addr[0] == '"')
                return e;
        size_t cut = strcspn(addr, p->subaddress_delimiters);
        if (cut == 0 || addr + cut >= at)
                return NULL;
        char key[4 * SG_ADDR_LOCAL_MAX + SG_ADDR_DOMAIN_MAX + 2];
        size_t tail = strlen(at);
        if (cut + tail >= sizeof key)
                return NULL;
        memcpy(key, addr, cut);
        memcpy(key + cut, at, tail + 1);
        return lookup(list, key);
}

/* '%' or '!' in the local part, or a quoted '@': a source route that a
 * default Postfix relays to another host (bob%evil.net@corp.example). */
static bool source_route(const char *addr) {
        const char *at = strrchr(addr, '@');
        for (const char *c = addr; at && c < at; c++)
                if (*c == '%' || *c == '!' || *c == '@')
                        return true;
        return false;
}

/* Classify one recipient; false when addresses.source_routes is "error" and
 * the address holds one. */
bool policy_classify(const sg_policy *p, sg_recipient *r) {
        const char *addr = r->mailbox.address ? r->mailbox.address : "";
        struct domain_hashes dh;
        domain_hash(r->mailbox.domain_ascii ? r->mailbox.domain_ascii : "", &dh);
        const struct entry *e;
        sg_class cls;
        sg_rule rule;
        bool routed = p->source_routes != SOURCE_ROUTES_DOMAIN && source_route(addr);
        if (routed && p->source_routes == SOURCE_ROUTES_ERROR)
                return false;
        if ((e = lookup_address(p, &p->exception_addr, addr))) {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXCEPTION_ADDRESS;
        } else if (routed) {
                e = NULL;
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_SOURCE_ROUTE;
        } else if ((e = lookup_address(p, &p->internal_addr, addr))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_ADDRESS;
        } else if ((e = lookup_domain(&p->exception_exact, &dh)) || (e = lookup_parent(&p->exception_wild, &dh))) {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXCEPTION_DOMAIN;
        } else if ((e = lookup_domain(&p->internal_exact, &dh))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_DOMAIN;
        } else if ((e = lookup_parent(&p->internal_wild, &dh))) {
                cls = SG_CLASS_INTERNAL;
                rule = SG_RULE_INTERNAL_SUBDOMAIN;
        } else {
                cls = SG_CLASS_EXTERNAL;
                rule = SG_RULE_EXTERNAL_DOMAIN;
        }
        r->cls = cls;
        r->rule = rule;
        r->matched = e ? e->src : NULL; /* borrowed until copied by the caller */
        return true;
}
