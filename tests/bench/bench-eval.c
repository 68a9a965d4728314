/* sealgate benchmark: sg_policy_evaluate with n internal domains and n recipients,
 * n = 1,000 .. 10,000, to show the cost and that it grows linearly. The heap
 * is set up as the helper sets it up at start (sg_heap_tune_for_requests). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sealgate/heap.h"
#include "sealgate/policy.h"

#define RUNS_DEFAULT 9
#define TARGET_MS    8.0 /* at 10,000 domains x 10,000 recipients (issue 11) */

static const size_t sizes_full[] = {1000, 2500, 5000, 10000};
/* --quick: the smallest and the largest (SG_MSG_RECIPIENTS_MAX itself). */
static const size_t sizes_quick[] = {1000, 10000};

/* What the decision must say about the generated message. */
typedef struct expect {
        size_t internal_exact;     /* under an exact entry */
        size_t internal_subdomain; /* under a "*." entry */
        size_t external;
} expect;

typedef struct message {
        char **addrs;                      /* owned, one address per string */
        const char **field[SG_FIELD__MAX]; /* borrowed from addrs */
        size_t n_field[SG_FIELD__MAX];
        sg_message msg;
        expect want;
} message;

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* CPU time of this process: unlike the wall clock, it leaves out the time
 * the machine gave to other processes (it is shared). */
static uint64_t cpu_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xprintf(const char *fmt, ...) {
        char buf[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        char *s = strdup(buf);
        if (!s) {
                fprintf(stderr, "bench-eval: out of memory\n");
                exit(1);
        }
        return s;
}

/* Even entries exact ("dN.bench.example"), odd ones wildcard
 * ("*.wN.bench.example"); external action: route through "portal". */
static sg_policy *make_policy(size_t n) {
        sg_error err = {0};
        sg_policy *p = sg_policy_new();
        char entry[128];
        if (!p)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                if (i % 2 == 0)
                        snprintf(entry, sizeof entry, "d%zu.bench.example", i);
                else
                        snprintf(entry, sizeof entry, "*.w%zu.bench.example", i);
                if (sg_policy_add_internal_domain(p, entry, &err) != SG_OK)
                        goto fail;
        }
        if (sg_policy_add_route(p, "portal", &err) != SG_OK ||
            sg_policy_add_route_header(p, "portal", "X-SecureSend-Route", "portal", &err) != SG_OK ||
            sg_policy_set_external_action(p, SG_ACTION_ROUTE, "portal", &err) != SG_OK ||
            sg_policy_seal(p, &err) != SG_OK)
                goto fail;
        return p;
fail:
        fprintf(stderr, "bench-eval: cannot build the policy: %s (%s)\n", err.message, sg_err_code(err.code));
        sg_policy_free(p);
        return NULL;
}

/* n recipients (n even), over to/cc/bcc; half internal, half external, the
 * domains spread over the whole policy. The external half is made of near
 * misses: a subdomain of an exact entry, the apex of a "*." entry, and a
 * domain that only ends like one. */
static int make_message(size_t n, size_t n_domains, message *m) {
        memset(m, 0, sizeof *m);
        m->addrs = calloc(n, sizeof *m->addrs);
        for (int f = 0; f < SG_FIELD__MAX; f++)
                m->field[f] = calloc(n, sizeof *m->field[f]);
        if (!m->addrs || !m->field[0] || !m->field[1] || !m->field[2])
                return -1;
        for (size_t i = 0; i < n; i++) {
                size_t k = i / 2;
                size_t j = (k * 7919u) % n_domains; /* a prime stride visits every entry */
                size_t exact = j & ~(size_t) 1, wild = j | 1;
                if (wild >= n_domains)
                        wild = 1;
                if (i % 2 == 0) {
                        switch (k % 3) {
                        case 0:
                                m->addrs[i] = xprintf("u%zu@d%zu.bench.example", i, exact);
                                m->want.internal_exact++;
                                break;
                        case 1:
                                m->addrs[i] = xprintf("u%zu@s%zu.w%zu.bench.example", i, k, wild);
                                m->want.internal_subdomain++;
                                break;
                        default:
                                m->addrs[i] = xprintf("u%zu@a.b%zu.w%zu.BENCH.example", i, k, wild);
                                m->want.internal_subdomain++;
                                break;
                        }
                } else {
                        switch (k % 3) {
                        case 0:
                                m->addrs[i] = xprintf("u%zu@x%zu.d%zu.bench.example", i, k, exact);
                                break;
                        case 1:
                                m->addrs[i] = xprintf("u%zu@w%zu.bench.example", i, wild);
                                break;
                        default:
                                m->addrs[i] = xprintf("u%zu@sub.d%zu-bench.example", i, exact);
                                break;
                        }
                        m->want.external++;
                }
                sg_field f = (sg_field) (i % 5 == 4 ? SG_FIELD_BCC : i % 5 == 3 ? SG_FIELD_CC : SG_FIELD_TO);
                m->field[f][m->n_field[f]++] = m->addrs[i];
        }
        m->msg.from = "sender@d0.bench.example";
        m->msg.to = m->field[SG_FIELD_TO];
        m->msg.n_to = m->n_field[SG_FIELD_TO];
        m->msg.cc = m->field[SG_FIELD_CC];
        m->msg.n_cc = m->n_field[SG_FIELD_CC];
        m->msg.bcc = m->field[SG_FIELD_BCC];
        m->msg.n_bcc = m->n_field[SG_FIELD_BCC];
        m->msg.subject = "Benchmark";
        return 0;
}

static void message_clear(message *m, size_t n) {
        if (m->addrs)
                for (size_t i = 0; i < n; i++)
                        free(m->addrs[i]);
        free(m->addrs);
        for (int f = 0; f < SG_FIELD__MAX; f++)
                free(m->field[f]);
}

static int check_decision(const sg_decision *d, size_t n, const expect *want) {
        size_t exact = 0, sub = 0, ext = 0, bad = 0;
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *r = &d->recipients[i];
                if (r->cls == SG_CLASS_EXTERNAL && r->rule == SG_RULE_EXTERNAL_DOMAIN)
                        ext++;
                else if (r->cls == SG_CLASS_INTERNAL && r->rule == SG_RULE_INTERNAL_DOMAIN)
                        exact++;
                else if (r->cls == SG_CLASS_INTERNAL && r->rule == SG_RULE_INTERNAL_SUBDOMAIN)
                        sub++;
                else
                        bad++;
        }
        if (d->n_recipients != n || d->n_external != want->external || ext != want->external ||
            exact != want->internal_exact || sub != want->internal_subdomain || bad != 0 ||
            d->action != SG_ACTION_ROUTE) {
                fprintf(stderr,
                        "bench-eval: wrong decision for %zu recipients: got %zu recipients, n_external %zu, "
                        "%zu external, %zu internal exact, %zu internal subdomain, %zu other, action %s; "
                        "expected %zu external, %zu exact, %zu subdomain, action route\n",
                        n, d->n_recipients, d->n_external, ext, exact, sub, bad, sg_action_name(d->action),
                        want->external, want->internal_exact, want->internal_subdomain);
                return -1;
        }
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* Time `runs` evaluations of n recipients under a policy of n_domains
 * entries: the first (cold: fresh heap), best and median (ns), the median
 * CPU time, and the page faults of the last run. */
static int bench_size(size_t n_domains, size_t n, int runs, uint64_t *ret_first, uint64_t *ret_best,
                      uint64_t *ret_median, uint64_t *ret_cpu_median, uint64_t *ret_build, long *ret_faults) {
        message m;
        int rc = -1;
        uint64_t *t = calloc((size_t) runs, sizeof *t), *c = calloc((size_t) runs, sizeof *c);
        uint64_t t0 = now_ns();
        sg_policy *p = make_policy(n_domains);
        *ret_build = now_ns() - t0;
        if (!t || !c || !p || make_message(n, n_domains, &m) < 0) {
                fprintf(stderr, "bench-eval: setup failed at n=%zu\n", n);
                goto out;
        }
        for (int r = 0; r < runs; r++) {
                sg_decision *d = NULL;
                sg_error err = {0};
                struct rusage ru0, ru1;
                getrusage(RUSAGE_SELF, &ru0);
                uint64_t c0 = cpu_ns();
                t0 = now_ns();
                sg_err e = sg_policy_evaluate(p, &m.msg, &d, &err);
                t[r] = now_ns() - t0;
                c[r] = cpu_ns() - c0;
                getrusage(RUSAGE_SELF, &ru1);
                /* Page faults of the last run: memory the allocator gave back
                 * to the kernel and had to fault in again. */
                *ret_faults = ru1.ru_minflt - ru0.ru_minflt;
                if (e != SG_OK) {
                        fprintf(stderr, "bench-eval: evaluate failed at n=%zu: %s (%s)\n", n, err.message,
                                sg_err_code(e));
                        goto out_msg;
                }
                int bad = check_decision(d, n, &m.want);
                sg_decision_free(d);
                if (bad)
                        goto out_msg;
        }
        *ret_first = t[0];
        qsort(t, (size_t) runs, sizeof *t, cmp_u64);
        *ret_best = t[0];
        *ret_median = t[runs / 2];
        qsort(c, (size_t) runs, sizeof *c, cmp_u64);
        *ret_cpu_median = c[runs / 2];
        rc = 0;
out_msg:
        message_clear(&m, n);
out:
        sg_policy_free(p);
        free(t);
        free(c);
        return rc;
}

/* One table: for each size n, n recipients against a policy of n entries
 * (fixed_domains == 0) or of fixed_domains entries. */
static int series(const size_t *sizes, size_t n_sizes, size_t fixed_domains, int runs, double *ret_growth,
                  double *ret_last_ms, double *ret_last_best_ms, double *ret_last_cpu_ms) {
        if (fixed_domains)
                printf("(c2) sg_policy_evaluate: a fixed policy of %zu internal domains x n recipients\n",
                       fixed_domains);
        else
                printf("(c) sg_policy_evaluate: n internal domains (half exact, half \"*.\") x n recipients\n"
                       "    (half internal, half external near misses)\n");
        printf("    first (cold heap), best and median of %d run%s; ns per recipient from best and median;\n"
               "    median CPU time (leaves out other processes' load); page faults in the last run\n",
               runs, runs == 1 ? "" : "s");
        printf("    %8s %9s %9s %9s %10s %10s %7s %7s %9s\n", "n", "first ms", "best ms", "median ms", "ns/r best",
               "ns/r med", "cpu ms", "faults", "build ms");
        double first_best = 0, last_best = 0, first_med = 0, last_med = 0;
        for (size_t s = 0; s < n_sizes; s++) {
                uint64_t first, best, median, cpu, build;
                long faults = 0;
                size_t n_domains = fixed_domains ? fixed_domains : sizes[s];
                if (bench_size(n_domains, sizes[s], runs, &first, &best, &median, &cpu, &build, &faults) < 0)
                        return -1;
                double per_best = (double) best / (double) sizes[s], per_med = (double) median / (double) sizes[s];
                printf("    %8zu %9.3f %9.3f %9.3f %10.1f %10.1f %7.3f %7ld %9.1f\n", sizes[s], (double) first / 1e6,
                       (double) best / 1e6, (double) median / 1e6, per_best, per_med, (double) cpu / 1e6, faults,
                       (double) build / 1e6);
                fflush(stdout);
                if (s == 0) {
                        first_best = per_best;
                        first_med = per_med;
                }
                last_best = per_best;
                last_med = per_med;
                *ret_last_ms = (double) median / 1e6;
                *ret_last_best_ms = (double) best / 1e6;
                *ret_last_cpu_ms = (double) cpu / 1e6;
        }
        /* The best run is the least disturbed by other load: judge growth on it. */
        *ret_growth = last_best / first_best;
        printf("    per-recipient cost at %zu vs %zu: best %.2fx, median %.2fx (1.00 = exactly linear)\n",
               sizes[n_sizes - 1], sizes[0], *ret_growth, last_med / first_med);
        return 0;
}

int main(int argc, char **argv) {
        sg_heap_tune_for_requests();
        const size_t *sizes = sizes_full;
        size_t n_sizes = sizeof sizes_full / sizeof *sizes_full;
        int runs = RUNS_DEFAULT;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--quick") == 0) {
                        sizes = sizes_quick;
                        n_sizes = sizeof sizes_quick / sizeof *sizes_quick;
                        runs = 1;
                } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
                        runs = atoi(argv[++i]);
                        if (runs < 1 || runs > 1000)
                                goto bad;
                } else {
                        goto bad;
                }
        }

        double growth, last_ms, last_best_ms, last_cpu_ms;
        if (series(sizes, n_sizes, 0, runs, &growth, &last_ms, &last_best_ms, &last_cpu_ms) < 0)
                goto failed;
        size_t n_max = sizes[n_sizes - 1];
        printf("summary: (c) evaluate %zu x %zu: median %.3f ms, best %.3f ms, median CPU %.3f ms (per recipient "
               "%.2fx the cost at %zu); target <= %.0f ms (median): %s\n",
               n_max, n_max, last_ms, last_best_ms, last_cpu_ms, growth, sizes[0], TARGET_MS,
               last_ms <= TARGET_MS ? "met" : "MISSED");
        fflush(stdout);
        /* The same recipients against the largest policy: growth in recipients alone. */
        if (series(sizes, n_sizes, n_max, runs, &growth, &last_ms, &last_best_ms, &last_cpu_ms) < 0)
                goto failed;
        return 0;
failed:
        fprintf(stderr, "bench-eval: FAILED\n");
        return 1;
bad:
        fprintf(stderr, "usage: bench-eval [--quick] [--runs N]\n");
        return 2;
}
