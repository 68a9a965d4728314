/* Unit tests of the look-alike domain check (core/engine/policy-lookalike.c):
 * the indexed check built at seal gives exactly the verdicts of the plain
 * definition it replaced (every recipient compared with each of the first
 * SG_POLICY_LOOKALIKE_DOMAINS_MAX internal domains: one edit apart, or the
 * same confusable skeleton), for hand-picked confusables, edits at both
 * ends, IDN domains, short internal domains and the budget, and for a
 * generated set of thousands of near misses. The definition is written out
 * here once more as the reference. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/policy.h"
#include "sg-test.h"

/* ---- The reference: the definition, compared with every domain ---------- */

static char ref_skeleton_char(char c) {
        return c == '0' ? 'o' : c == '1' || c == 'i' ? 'l' : c == '5' ? 's' : c;
}

static void ref_skeleton(const char *s, char out[SG_ADDR_DOMAIN_MAX + 1]) {
        size_t k = 0;
        for (size_t i = 0; s[i] && k < SG_ADDR_DOMAIN_MAX; i++) {
                if ((s[i] == 'r' && s[i + 1] == 'n') || (s[i] == 'v' && s[i + 1] == 'v')) {
                        out[k++] = s[i] == 'r' ? 'm' : 'w';
                        i++;
                        continue;
                }
                out[k++] = ref_skeleton_char(s[i]);
        }
        out[k] = '\0';
}

/* Levenshtein with adjacent swaps (optimal string alignment) == 1. */
static bool ref_one_edit(const char *a, const char *b) {
        size_t na = strlen(a), nb = strlen(b);
        if (na > 64 || nb > 64)
                return false; /* the tests keep to short domains */
        unsigned d[66][66];
        for (size_t i = 0; i <= na; i++)
                d[i][0] = (unsigned) i;
        for (size_t j = 0; j <= nb; j++)
                d[0][j] = (unsigned) j;
        for (size_t i = 1; i <= na; i++)
                for (size_t j = 1; j <= nb; j++) {
                        unsigned v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
                        if (d[i - 1][j] + 1 < v)
                                v = d[i - 1][j] + 1;
                        if (d[i][j - 1] + 1 < v)
                                v = d[i][j - 1] + 1;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                                v = d[i - 2][j - 2] + 1;
                        d[i][j] = v;
                }
        return d[na][nb] == 1;
}

static bool ref_lookalike_of(const char *dom, const char *internal) {
        if (strlen(internal) < SG_POLICY_LOOKALIKE_LEN_MIN || strcmp(dom, internal) == 0)
                return false;
        if (ref_one_edit(dom, internal))
                return true;
        char a[SG_ADDR_DOMAIN_MAX + 1], b[SG_ADDR_DOMAIN_MAX + 1];
        ref_skeleton(dom, a);
        ref_skeleton(internal, b);
        return strcmp(a, b) == 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The internal domains as the policy compares them: exact entries sorted,
 * then the bases of "*." entries sorted, the first
 * SG_POLICY_LOOKALIKE_DOMAINS_MAX of them. */
typedef struct domains {
        char **exact, **wild;
        size_t n_exact, n_wild;
} domains;

static bool ref_lookalike(const domains *ds, const char *dom) {
        size_t budget = SG_POLICY_LOOKALIKE_DOMAINS_MAX;
        for (size_t i = 0; i < ds->n_exact && budget > 0; i++, budget--)
                if (ref_lookalike_of(dom, ds->exact[i]))
                        return true;
        for (size_t i = 0; i < ds->n_wild && budget > 0; i++, budget--)
                if (ref_lookalike_of(dom, ds->wild[i]))
                        return true;
        return false;
}

/* ---- The engine --------------------------------------------------------- */

static sg_policy *make_policy(const domains *ds) {
        sg_error e = {0};
        sg_policy *p = sg_policy_new();
        for (size_t i = 0; p && i < ds->n_exact; i++)
                if (sg_policy_add_internal_domain(p, ds->exact[i], &e) != SG_OK) {
                        sg_test_diag("internal domain \"%s\": %s", ds->exact[i], e.message);
                        return sg_policy_free(p);
                }
        for (size_t i = 0; p && i < ds->n_wild; i++) {
                char entry[300];
                snprintf(entry, sizeof entry, "*.%s", ds->wild[i]);
                if (sg_policy_add_internal_domain(p, entry, &e) != SG_OK) {
                        sg_test_diag("internal domain \"%s\": %s", entry, e.message);
                        return sg_policy_free(p);
                }
        }
        if (p && sg_policy_seal(p, &e) != SG_OK) {
                sg_test_diag("seal: %s", e.message);
                return sg_policy_free(p);
        }
        qsort(ds->exact, ds->n_exact, sizeof *ds->exact, cmp_str);
        qsort(ds->wild, ds->n_wild, sizeof *ds->wild, cmp_str);
        return p;
}

/* Evaluates one message to the given addresses; counts the recipients
 * whose flag differs from the reference (and those flagged, those
 * external). */
static size_t compare(const sg_policy *p, const domains *ds, const char **to, size_t n, size_t *flagged,
                      size_t *external, bool verbose) {
        sg_message m = {.to = to, .n_to = n};
        sg_decision *d = NULL;
        sg_error e = {0};
        size_t bad = 0;
        *flagged = *external = 0;
        if (sg_policy_evaluate(p, &m, &d, &e) != SG_OK) {
                sg_test_diag("evaluate: %s", e.message);
                return n + 1;
        }
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *rc = &d->recipients[i];
                bool ext = rc->cls == SG_CLASS_EXTERNAL;
                bool want = ext && rc->mailbox.domain_ascii && ref_lookalike(ds, rc->mailbox.domain_ascii);
                *external += ext;
                *flagged += rc->lookalike;
                if (rc->lookalike != want) {
                        bad++;
                        if (verbose || bad <= 5)
                                sg_test_diag("  %s: engine %d, reference %d", rc->mailbox.address, rc->lookalike, want);
                }
        }
        if (d->n_recipients != n) {
                sg_test_diag("%zu recipients in the decision, %zu sent", d->n_recipients, n);
                bad += n;
        }
        sg_decision_free(d);
        return bad;
}

/* ---- Hand-picked cases -------------------------------------------------- */

static void picked(void) {
        char *exact[] = {"corp.example",          "ab.jp",       "abc.jp", "mail.vvidget.example",
                         "xn--bcher-kva.example", "corp.example"};
        char *wild[] = {"sales.example", "c0rp.example"};
        domains ds = {exact, wild, 6, 2};
        sg_policy *p = make_policy(&ds);
        SG_CHECK(p != NULL, "hand-picked policy builds");
        if (!p)
                return;
        static const struct {
                const char *addr;
                bool want;
                const char *why;
        } rows[] = {
                {"a@corp.example", false, "internal"},
                {"a@c0rp.example", false,
                 "the apex of a \"*.\" entry is external; not compared with itself, "
                 "and corp.example is one edit away: checked below by the reference"},
                {"a@corp.exarnple", true, "rn for m"},
                {"a@c0rp.exarnple", true, "0 for o and rn for m together (skeleton)"},
                {"a@corp.examp1e", true, "1 for l"},
                {"a@corp.exampie", true, "i for l"},
                {"a@5ales.example", true, "5 for s"},
                {"a@mail.widget.example", true, "w for vv (the skeleton of the internal domain)"},
                {"a@rnail.vvidget.example", true, "rn for m in the recipient's domain"},
                {"a@corpx.example", true, "one letter inserted"},
                {"a@xcorp.example", true, "one letter inserted at the start"},
                {"a@corp.examplex", true, "one letter inserted at the end"},
                {"a@orp.example", true, "the first letter deleted"},
                {"a@corp.exampl", true, "the last letter deleted"},
                {"a@cprp.example", true, "one letter replaced"},
                {"a@ocrp.example", true, "the first two letters swapped"},
                {"a@corp.exampel", true, "the last two letters swapped"},
                {"a@copr.example", true, "two neighbours swapped"},
                {"a@crop.example", true, "two neighbours swapped"},
                {"a@cpro.example", false, "two edits"},
                {"a@corp.exampleXY", false, "two letters inserted"},
                {"a@other.example", false, "unrelated"},
                {"a@abd.jp", true, "one letter from abc.jp (6 characters: compared)"},
                {"a@ax.jp", false, "ab.jp has 5 characters: not compared"},
                {"a@xn--bcher-kva.exarnple", true, "IDN: rn for m after the A-label"},
                {"a@bücher.examp1e", true, "IDN in Unicode form: its A-label, 1 for l"},
                {"a@bucher.example", false, "IDN: the ASCII look-alike is not one edit from the A-label"},
                {"a@bücher.exampel", true, "IDN in Unicode form: two letters swapped after its A-label"},
                {"a@büchér.example", false, "IDN: another A-label altogether"},
                {"a@sub.sales.example", false, "internal under a \"*.\" entry"},
                {"a@sales.exarnple", true, "the base of a \"*.\" entry, rn for m"},
        };
        size_t n = sizeof rows / sizeof *rows;
        for (size_t i = 0; i < n; i++) {
                const char *to[] = {rows[i].addr};
                sg_message m = {.to = to, .n_to = 1};
                sg_decision *d = NULL;
                sg_error e = {0};
                bool ok = sg_policy_evaluate(p, &m, &d, &e) == SG_OK && d->n_recipients == 1;
                bool ext = ok && d->recipients[0].cls == SG_CLASS_EXTERNAL;
                bool ref = ext && ref_lookalike(&ds, d->recipients[0].mailbox.domain_ascii);
                if (i == 1) {
                        SG_CHECK(ok && d->recipients[0].lookalike == ref && ref, "%s: look-alike %d (%s)", rows[i].addr,
                                 ref, rows[i].why);
                } else {
                        SG_CHECK(ok && d->recipients[0].lookalike == rows[i].want && ref == rows[i].want,
                                 "%s: look-alike %d, as the reference (%s)", rows[i].addr, rows[i].want, rows[i].why);
                }
                sg_decision_free(d);
        }
        sg_policy_free(p);
}

/* A recipient equal to one compared domain but with the skeleton of
 * another is still a look-alike of the other. */
static void equal_and_skeleton(void) {
        char *exact[] = {"c0rp.example"};
        char *wild[] = {"corp.example"};
        domains ds = {exact, wild, 1, 1};
        sg_policy *p = make_policy(&ds);
        const char *to[] = {"a@corp.example", "b@c0rp.example"};
        size_t flagged = 0, external = 0;
        size_t bad = p ? compare(p, &ds, to, 2, &flagged, &external, true) : 1;
        SG_CHECK(p && bad == 0 && external == 1 && flagged == 1,
                 "the apex of *.corp.example looks like c0rp.example although it is corp.example itself");
        sg_policy_free(p);
}

/* ---- Generated near misses ---------------------------------------------- */

static uint32_t rng_state = 12345u;

static uint32_t rng(void) {
        rng_state = rng_state * 1103515245u + 12345u;
        return rng_state >> 8;
}

/* Letters the skeleton folds and their partners, so near misses are many. */
static const char alphabet[] = "abclmnorsvwio015";

static char *random_domain(void) {
        static const char *const tlds[] = {".example", ".jp", ".co.jp", ".examp1e"};
        char buf[64];
        size_t n = 3 + rng() % 7, k = 0;
        for (size_t i = 0; i < n; i++)
                buf[k++] = alphabet[rng() % (sizeof alphabet - 1)];
        buf[k] = '\0';
        strcat(buf, tlds[rng() % 4]);
        return strdup(buf);
}

/* d with one edit or one confusable change (or two, now and then). */
static char *mutate(const char *d) {
        char buf[80];
        snprintf(buf, sizeof buf, "%s", d);
        size_t edits = 1 + (rng() % 5 == 0);
        for (size_t e = 0; e < edits; e++) {
                size_t n = strlen(buf), i = rng() % n;
                char c = alphabet[rng() % (sizeof alphabet - 1)];
                switch (rng() % 6) {
                case 0: /* insert */
                        if (n + 1 < sizeof buf) {
                                memmove(buf + i + 1, buf + i, n - i + 1);
                                buf[i] = c;
                        }
                        break;
                case 1: /* delete */
                        if (n > 4)
                                memmove(buf + i, buf + i + 1, n - i);
                        break;
                case 2: /* replace */
                        buf[i] = c;
                        break;
                case 3: /* swap */
                        if (i + 1 < n) {
                                char t = buf[i];
                                buf[i] = buf[i + 1];
                                buf[i + 1] = t;
                        }
                        break;
                case 4: /* rn or vv for m or w */
                        for (size_t j = 0; j < n; j++)
                                if ((buf[j] == 'm' || buf[j] == 'w') && n + 2 < sizeof buf) {
                                        memmove(buf + j + 2, buf + j + 1, n - j);
                                        buf[j + 1] = buf[j] == 'm' ? 'n' : 'v';
                                        buf[j] = buf[j] == 'm' ? 'r' : 'v';
                                        break;
                                }
                        break;
                default: /* a confusable digit */
                        for (size_t j = 0; j < n; j++)
                                if (strchr("olsi", buf[j])) {
                                        buf[j] = buf[j] == 'o' ? '0' : buf[j] == 's' ? '5' : '1';
                                        break;
                                }
                        break;
                }
        }
        /* Keep it a domain: no dot at either end, no two dots together. */
        size_t n = strlen(buf), k = 0;
        for (size_t j = 0; j < n; j++)
                if (!(buf[j] == '.' && (k == 0 || buf[k - 1] == '.' || j + 1 == n)))
                        buf[k++] = buf[j];
        buf[k] = '\0';
        return strdup(buf);
}

static void generated(size_t n_exact, size_t n_wild, size_t n_recipients, const char *desc) {
        domains ds = {calloc(n_exact, sizeof(char *)), calloc(n_wild, sizeof(char *)), n_exact, n_wild};
        for (size_t i = 0; i < n_exact; i++)
                ds.exact[i] = random_domain();
        for (size_t i = 0; i < n_wild; i++)
                ds.wild[i] = random_domain();
        sg_policy *p = make_policy(&ds);
        char **addr = calloc(n_recipients, sizeof *addr);
        for (size_t i = 0; i < n_recipients; i++) {
                size_t pick = rng() % (n_exact + n_wild + 1);
                char *dom = pick < n_exact            ? mutate(ds.exact[pick])
                            : pick < n_exact + n_wild ? mutate(ds.wild[pick - n_exact])
                                                      : random_domain();
                char buf[128];
                snprintf(buf, sizeof buf, "u%zu@%s", i, dom);
                free(dom);
                addr[i] = strdup(buf);
        }
        size_t flagged = 0, external = 0;
        size_t bad = p ? compare(p, &ds, (const char **) addr, n_recipients, &flagged, &external, false) : 1;
        SG_CHECK(p && bad == 0, "%s: %zu recipients (%zu external, %zu look-alikes), every flag as the reference", desc,
                 n_recipients, external, flagged);
        SG_CHECK(flagged > n_recipients / 10 && flagged + n_recipients / 10 < external,
                 "%s: the sample has both verdicts in number (%zu of %zu external flagged)", desc, flagged, external);
        for (size_t i = 0; i < n_recipients; i++)
                free(addr[i]);
        free(addr);
        for (size_t i = 0; i < n_exact; i++)
                free(ds.exact[i]);
        for (size_t i = 0; i < n_wild; i++)
                free(ds.wild[i]);
        free(ds.exact);
        free(ds.wild);
        sg_policy_free(p);
}

int main(void) {
        picked();
        equal_and_skeleton();
        generated(20, 10, 3000, "30 internal domains");
        generated(150, 150, 5000, "300 internal domains (past the budget of 256)");
        generated(400, 0, 3000, "400 exact domains (the budget ends within them)");
        return sg_test_done();
}
