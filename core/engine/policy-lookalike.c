/* sealgate: the look-alike domain check (docs/admin/policy.md, "Mis-send
 * prevention"): whether an external recipient's domain is one edit away
 * from an internal domain, or reads the same once confusable characters
 * are folded (its skeleton). The internal side is indexed once when the
 * policy is sealed, so a recipient costs a few hash probes and one binary
 * search instead of a comparison with every internal domain. The verdicts
 * are those of the plain definition (lookalike_of below, checked against
 * every internal domain compared); tests/unit/test-policy-lookalike.c
 * compares the two. Pure module: libc only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/policy.h"

#include "policy-private.h"

/* ---- The definition ----------------------------------------------------- */

/* One character of the confusable skeleton: digits and letters that read
 * alike fold to one letter. */
static char skeleton_char(char c) {
        switch (c) {
        case '0':
                return 'o';
        case '1':
        case 'i':
                return 'l';
        case '5':
                return 's';
        default:
                return c;
        }
}

/* s's skeleton into out (rn -> m, vv -> w, then skeleton_char). */
static void skeleton(const char *s, char out[SG_ADDR_DOMAIN_MAX + 1]) {
        size_t k = 0;
        for (size_t i = 0; s[i] && k < SG_ADDR_DOMAIN_MAX; i++) {
                if ((s[i] == 'r' && s[i + 1] == 'n') || (s[i] == 'v' && s[i + 1] == 'v')) {
                        out[k++] = s[i] == 'r' ? 'm' : 'w';
                        i++;
                        continue;
                }
                out[k++] = skeleton_char(s[i]);
        }
        out[k] = '\0';
}

/* Whether a and b are one edit apart: a character inserted, deleted,
 * replaced, or two neighbours swapped. */
static bool one_edit(const char *a, const char *b) {
        size_t na = strlen(a), nb = strlen(b);
        if (na + 1 < nb || nb + 1 < na)
                return false;
        size_t i = 0;
        while (i < na && i < nb && a[i] == b[i])
                i++;
        if (i == na && i == nb)
                return false; /* equal */
        if (na == nb)
                return strcmp(a + i + 1, b + i + 1) == 0 ||
                       (i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0);
        return na > nb ? strcmp(a + i + 1, b + i) == 0 : strcmp(a + i, b + i + 1) == 0;
}

/* ---- The index ---------------------------------------------------------- */

/* Polynomial hash over bytes modulo 2^64: H(x y) = H(x) B^|y| + H(y), so
 * the hash of s with its i-th byte deleted comes from a prefix and a
 * suffix hash in constant time. */
#define POLY_B 0x100000001b3ull

/* The 32 bits a slot keeps of a 64-bit hash. */
static uint32_t fold(uint64_t h) {
        return (uint32_t) (h ^ (h >> 32));
}

/* Calls f(h, arg) for the hash of s and of each string s with one byte
 * deleted (a deletion that gives the same string as the one before is
 * skipped); stops and returns true as soon as f does. */
static bool each_variant(const char *s, size_t n, bool (*f)(uint32_t h, void *arg), void *arg) {
        uint64_t pre[SG_ADDR_DOMAIN_MAX + 1], suf[SG_ADDR_DOMAIN_MAX + 1], pw[SG_ADDR_DOMAIN_MAX + 1];
        if (n > SG_ADDR_DOMAIN_MAX)
                return false; /* the callers compare such strings directly (never for a parsed domain) */
        pre[0] = 0;
        pw[0] = 1;
        for (size_t i = 0; i < n; i++) {
                pre[i + 1] = pre[i] * POLY_B + (unsigned char) s[i];
                pw[i + 1] = pw[i] * POLY_B;
        }
        suf[n] = 0;
        for (size_t i = n; i > 0; i--)
                suf[i - 1] = (unsigned char) s[i - 1] * pw[n - i] + suf[i];
        if (f(fold(pre[n]), arg))
                return true;
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && s[i] == s[i - 1])
                        continue; /* deleting either of two equal neighbours gives one string */
                if (f(fold(pre[i] * pw[n - 1 - i] + suf[i + 1]), arg))
                        return true;
        }
        return false;
}

struct lookalike {
        const char **keys; /* borrowed from the policy's entries, the ones compared */
        size_t n_keys;
        struct lk_skel {
                char *skeleton;
                const char *key;
        } * skels; /* sorted by skeleton */
        struct lk_slot {
                uint32_t hash;
                uint32_t index; /* into keys, plus one (0: empty) */
        } * slots;
        size_t n_slots, n_used;
        bool direct;     /* a key longer than SG_ADDR_DOMAIN_MAX: compare every key (never for a normalised domain) */
        uint32_t adding; /* the key each_variant is adding (add_slot) */
};

static bool add_slot(uint32_t h, void *arg) {
        struct lookalike *lk = arg;
        size_t k = h & (lk->n_slots - 1);
        while (lk->slots[k].index) {
                if (lk->slots[k].hash == h && lk->slots[k].index == lk->adding + 1)
                        return false; /* the same key already there with this hash */
                k = (k + 1) & (lk->n_slots - 1);
        }
        lk->slots[k].hash = h;
        lk->slots[k].index = lk->adding + 1;
        lk->n_used++;
        return false;
}

static int skel_cmp(const void *a, const void *b) {
        return strcmp(((const struct lk_skel *) a)->skeleton, ((const struct lk_skel *) b)->skeleton);
}

void policy_lookalike_free(struct lookalike *lk) {
        if (!lk)
                return;
        for (size_t i = 0; i < lk->n_keys; i++)
                free(lk->skels[i].skeleton);
        free(lk->skels);
        free(lk->keys);
        free(lk->slots);
        free(lk);
}

sg_err policy_lookalike_seal(sg_policy *p, sg_error *err) {
        struct lookalike *lk = calloc(1, sizeof *lk);
        if (!lk)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        /* The first SG_POLICY_LOOKALIKE_DOMAINS_MAX internal domains (exact
         * entries, then the bases of "*." entries, each list in its sealed
         * order); the shorter ones are not compared. */
        size_t budget = SG_POLICY_LOOKALIKE_DOMAINS_MAX, n_variants = 0;
        const struct entries *lists[] = {&p->internal_exact, &p->internal_wild};
        if (!(lk->keys = calloc(SG_POLICY_LOOKALIKE_DOMAINS_MAX, sizeof *lk->keys)) ||
            !(lk->skels = calloc(SG_POLICY_LOOKALIKE_DOMAINS_MAX, sizeof *lk->skels)))
                goto nomem;
        for (size_t l = 0; l < 2; l++)
                for (size_t i = 0; i < lists[l]->n && budget > 0; i++, budget--) {
                        const char *key = lists[l]->v[i].key;
                        size_t n = strlen(key);
                        if (n < SG_POLICY_LOOKALIKE_LEN_MIN)
                                continue;
                        char sk[SG_ADDR_DOMAIN_MAX + 1];
                        skeleton(key, sk);
                        if (!(lk->skels[lk->n_keys].skeleton = sg_strdup(sk)))
                                goto nomem;
                        lk->skels[lk->n_keys].key = key;
                        lk->keys[lk->n_keys++] = key;
                        n_variants += n + 1;
                        lk->direct = lk->direct || n > SG_ADDR_DOMAIN_MAX;
                }
        qsort(lk->skels, lk->n_keys, sizeof *lk->skels, skel_cmp);
        lk->n_slots = 16;
        while (lk->n_slots < 2 * n_variants)
                lk->n_slots *= 2;
        if (!(lk->slots = calloc(lk->n_slots, sizeof *lk->slots)))
                goto nomem;
        for (size_t i = 0; i < lk->n_keys; i++) {
                lk->adding = (uint32_t) i;
                each_variant(lk->keys[i], strlen(lk->keys[i]), add_slot, lk);
        }
        policy_lookalike_free(p->lookalike);
        p->lookalike = lk;
        return SG_OK;
nomem:
        policy_lookalike_free(lk);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
}

/* ---- The query ---------------------------------------------------------- */

struct query {
        const struct lookalike *lk;
        const char *dom;
        uint64_t seen[(SG_POLICY_LOOKALIKE_DOMAINS_MAX + 63) / 64]; /* keys already compared */
};

/* The keys sharing hash h with a variant of the domain are the only ones
 * that can be one edit from it (a replacement deletes the same position
 * in both, a swap neighbouring ones, an insertion or deletion leaves one
 * string whole); each is compared once with the definition. */
static bool probe(uint32_t h, void *arg) {
        struct query *q = arg;
        const struct lookalike *lk = q->lk;
        for (size_t k = h & (lk->n_slots - 1); lk->slots[k].index; k = (k + 1) & (lk->n_slots - 1)) {
                if (lk->slots[k].hash != h)
                        continue;
                size_t i = lk->slots[k].index - 1;
                if (q->seen[i / 64] & (UINT64_C(1) << (i % 64)))
                        continue;
                q->seen[i / 64] |= UINT64_C(1) << (i % 64);
                if (one_edit(q->dom, lk->keys[i]))
                        return true;
        }
        return false;
}

bool policy_lookalike(const sg_policy *p, const char *dom) {
        const struct lookalike *lk = p->lookalike;
        if (!lk || lk->n_keys == 0)
                return false;
        /* The same skeleton as an internal domain other than dom itself. */
        char sk[SG_ADDR_DOMAIN_MAX + 1];
        skeleton(dom, sk);
        size_t lo = 0, hi = lk->n_keys;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(lk->skels[mid].skeleton, sk) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < lk->n_keys && strcmp(lk->skels[i].skeleton, sk) == 0; i++)
                if (strcmp(lk->skels[i].key, dom) != 0)
                        return true;
        size_t n = strlen(dom);
        if (lk->direct || n > SG_ADDR_DOMAIN_MAX) {
                for (size_t i = 0; i < lk->n_keys; i++)
                        if (one_edit(dom, lk->keys[i]))
                                return true;
                return false;
        }
        struct query q = {.lk = lk, .dom = dom};
        return each_variant(dom, n, probe, &q);
}
