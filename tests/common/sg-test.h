/* sealgate tests: a minimal TAP producer. Each check prints one "ok"/"not ok"
 * line; sg_test_done() prints the plan and returns the exit status. */
#ifndef SG_TEST_H
#define SG_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* mingw-w64's "printf" archetype is Microsoft's (no %zu); the tests use
 * mingw's C99 stdio, "gnu_printf". */
#if defined(__MINGW32__)
#define SG_TEST_PRINTF gnu_printf
#else
#define SG_TEST_PRINTF printf
#endif

static int sg_test_n, sg_test_failed;

__attribute__((format(SG_TEST_PRINTF, 2, 3))) static inline int sg_test_check(int cond, const char *fmt, ...) {
        va_list ap;
        sg_test_n++;
        if (!cond)
                sg_test_failed++;
        printf("%s %d - ", cond ? "ok" : "not ok", sg_test_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
        return cond;
}

/* Print a diagnostic line (TAP comment). */
__attribute__((format(SG_TEST_PRINTF, 1, 2))) static inline void sg_test_diag(const char *fmt, ...) {
        va_list ap;
        printf("# ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
}

static inline int sg_test_done(void) {
        printf("1..%d\n", sg_test_n);
        if (sg_test_n == 0) {
                printf("# no checks ran: that is a failure\n");
                return 1;
        }
        return sg_test_failed ? 1 : 0;
}

#define SG_CHECK(cond, ...) sg_test_check(!!(cond), __VA_ARGS__)
#define SG_CHECK_STR(got, want, desc)                                                                                  \
        do {                                                                                                           \
                const char *g_ = (got), *w_ = (want);                                                                  \
                int eq_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0);                             \
                if (!SG_CHECK(eq_, "%s", desc))                                                                        \
                        sg_test_diag("  got \"%s\", want \"%s\"", g_ ? g_ : "(null)", w_ ? w_ : "(null)");             \
        } while (0)

#endif
