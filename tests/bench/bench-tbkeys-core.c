/* sealgate bench: the Thunderbird part of keys.lookup in-process (tbkeys.h):
 * reading a profile's pubring.gpg and openpgp.sqlite (what the host does
 * when the files changed) and judging N addresses (what it does with the
 * keys it kept). Usage: bench-tbkeys-core PROFILE RUNS ADDRESS...; prints
 * "open_p50_ms check_p50_ms" on stdout. Driven by bench-tbkeys.py. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sealgate/keys.h"
#include "sealgate/tbkeys.h"

#define RUNS_MAX 1000

static double now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1000.0 + (double) t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

int main(int argc, char **argv) {
        if (argc < 4)
                return 2;
        int runs = atoi(argv[2]);
        if (runs < 1 || runs > RUNS_MAX)
                return 2;
        static double open_ms[RUNS_MAX], check_ms[RUNS_MAX];
        for (int r = 0; r < runs; r++) {
                sg_tbkeys *t = NULL;
                sg_error err = {0};
                double t0 = now_ms();
                if (sg_tbkeys_open(argv[1], &t, &err) != SG_OK) {
                        fprintf(stderr, "bench-tbkeys-core: %s\n", err.message);
                        return 1;
                }
                double t1 = now_ms();
                for (int i = 3; i < argc; i++) {
                        sg_key_found f;
                        if (sg_tbkeys_check(t, argv[i], &f, &err) != SG_OK)
                                return 1;
                        free(f.method);
                        free(f.fingerprint);
                        free(f.reason);
                }
                check_ms[r] = now_ms() - t1;
                open_ms[r] = t1 - t0;
                sg_tbkeys_free(t);
        }
        qsort(open_ms, (size_t) runs, sizeof *open_ms, cmp);
        qsort(check_ms, (size_t) runs, sizeof *check_ms, cmp);
        printf("%.2f %.3f\n", open_ms[runs / 2], check_ms[runs / 2]);
        return 0;
}
