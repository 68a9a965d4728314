/* Unit tests: the bounded search of pattern-pcre2.c. The search runs window
 * by window so that a wall-clock budget can stop a pattern that is slow
 * without being catastrophic (`project[\s\S]{0,60000}falcon` on a 4 MB body
 * took 153 s before): here the windowed search must give exactly the answer
 * of one plain pcre2_match over the whole subject (random subjects and
 * patterns at window boundaries, multibyte characters, anchors and
 * lookbehinds across a boundary), and the slow case must stop with
 * SG_ERR_REGEX_LIMIT, alone and inside a policy evaluation. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sealgate/pattern.h"
#include "sealgate/policy.h"
#include "sg-test.h"

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* One plain search, the reference. */
static int plain(const char *pat, const char *s, size_t len) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *c =
                pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &code, &off, NULL);
        if (!c)
                return -2;
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
        int rc = pcre2_match(c, (PCRE2_SPTR) s, len, 0, 0, md, NULL);
        pcre2_match_data_free(md);
        pcre2_code_free(c);
        return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int ours(const char *pat, const char *s, size_t len) {
        sg_pattern *p = NULL;
        sg_error err = {0};
        if (sg_pattern_new(pat, false, &p, &err))
                return -2;
        bool found = false;
        sg_err r = sg_pattern_search(p, s, len, &found, &err);
        sg_pattern_free(p);
        return r ? -1 : found;
}

static void same(const char *pat, const char *s, size_t len, const char *desc) {
        int a = plain(pat, s, len), b = ours(pat, s, len);
        if (!SG_CHECK(a == b && a >= 0, "%s: windowed search agrees with one plain search (%d)", desc, a))
                sg_test_diag("  pattern %s: plain %d, ours %d", pat, a, b);
}

/* A subject of `n` bytes of filler with `word` written at byte `at`. */
static char *subject_with(size_t n, const char *word, size_t at) {
        char *s = malloc(n + 1);
        memset(s, '.', n);
        s[n] = '\0';
        if (word)
                memcpy(s + at, word, strlen(word));
        return s;
}

int main(void) {
        /* matches starting or ending at each side of the first boundaries */
        static const size_t at[] = {0, 4090, 4093, 4094, 4095, 4096, 4097, 8190, 8191, 8192, 8193, 12000};
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
                char *s = subject_with(16384, "falcon", at[i]);
                char d[64];
                snprintf(d, sizeof d, "word at %zu", at[i]);
                same("falcon", s, 16384, d);
                same("f[a-z]{4}n", s, 16384, d);
                same("^falcon", s, 16384, d);        /* only at 0 */
                same("(?<=\\.)falcon", s, 16384, d); /* lookbehind into the previous window */
                same("\\bfalcon\\b", s, 16384, d);
                same("falcon$", s, 16384, d);
                free(s);
        }
        /* a match that starts in one window and ends many windows later */
        {
                char *s = subject_with(20000, "project", 4000);
                memcpy(s + 15000, "falcon", 6);
                same("project[\\s\\S]{0,12000}falcon", s, 20000, "a match spanning three windows");
                same("project[\\s\\S]{0,9000}falcon", s, 20000, "a match just too long");
                free(s);
        }
        /* multibyte characters across a boundary: 3-byte kana from 4090 on */
        {
                char *s = subject_with(12000, NULL, 0);
                for (size_t k = 4090; k + 3 <= 4200; k += 3)
                        memcpy(s + k, "\xE3\x81\x82", 3);        /* あ */
                memcpy(s + 4102, "\xE6\xA9\x9F\xE5\xAF\x86", 6); /* 機密 */
                same("\xE6\xA9\x9F\xE5\xAF\x86", s, 12000, "a kanji word across the first boundary");
                same("\xE3\x81\x82\xE6\xA9\x9F", s, 12000, "kana then kanji across the boundary");
                same("\\p{Han}{2}", s, 12000, "a Unicode property across the boundary");
                free(s);
        }
        /* random subjects and patterns */
        {
                static const char *pats[] = {"ab+c",  "a.c",          "^a",       "c$",       "(?<=b)c",
                                             "\\bab", "a[^a]{3,40}b", "[abc]{6}", "(a|bc)+d", "x*"};
                srand(7);
                for (int round = 0; round < 60; round++) {
                        size_t n = 4000 + (size_t) (rand() % 12000);
                        char *s = malloc(n + 1);
                        for (size_t k = 0; k < n; k++)
                                s[k] = "abcd .x"[rand() % 7];
                        s[n] = '\0';
                        for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
                                int a = plain(pats[k], s, n), b = ours(pats[k], s, n);
                                if (a != b) {
                                        SG_CHECK(0, "random round %d, pattern %s: plain %d, ours %d", round, pats[k], a,
                                                 b);
                                        goto next;
                                }
                        }
                next:
                        free(s);
                }
                SG_CHECK(1, "60 random subjects x 10 patterns agree with one plain search (any mismatch is listed)");
        }

        /* The slow-but-not-catastrophic pattern on a 4 MB body stops. */
        size_t big_n = 4u << 20;
        char *big = malloc(big_n + 1);
        for (size_t k = 0; k < big_n; k++)
                big[k] = "project "[k % 8];
        big[big_n] = '\0';
        {
                sg_pattern *p = NULL;
                sg_error err = {0};
                sg_pattern_new("project[\\s\\S]{0,60000}falcon", false, &p, &err);
                bool found = true;
                double t0 = now_s();
                sg_err r = sg_pattern_search(p, big, big_n, &found, &err);
                sg_test_diag("slow pattern on 4 MB: %s after %.2f s (budget %d ms)", sg_err_code(r), now_s() - t0,
                             SG_PATTERN_BUDGET_MS);
                SG_CHECK(r == SG_ERR_REGEX_LIMIT, "a slow pattern on a 4 MB body stops with regex_limit (%s)",
                         err.message);
                sg_pattern_budget b = {.remaining_us = 0};
                SG_CHECK(sg_pattern_search_budget(p, big, big_n, &b, &found, &err) == SG_ERR_REGEX_LIMIT,
                         "a spent budget stops the next search");
                b.remaining_us = 5000000;
                SG_CHECK(sg_pattern_search_budget(p, "project falcon", 14, &b, &found, &err) == SG_OK && found &&
                                 b.remaining_us > 0 && b.remaining_us <= 5000000,
                         "a quick search spends a little of its budget");
                SG_CHECK(sg_pattern_search_budget(p, "x", 1, NULL, &found, &err) == SG_ERR_INVALID_ARGUMENT,
                         "no budget: invalid_argument");
                sg_pattern_free(p);
        }
        /* Two slow body patterns in one evaluation share one budget. */
        {
                sg_policy *pol = sg_policy_new();
                sg_error err = {0};
                static const char *const to[] = {"someone@example.net"};
                sg_policy_add_internal_domain(pol, "corp.example", &err);
                sg_policy_add_trigger(pol,
                                      &(sg_trigger_spec){.type = SG_TRIGGER_BODY_PATTERN,
                                                         .action = SG_ACTION_BLOCK,
                                                         .list = (const char *const[]){"project[\\s\\S]{0,60000}falcon",
                                                                                       "project[\\s\\S]{0,50000}eagle"},
                                                         .n_list = 2},
                                      &err);
                SG_CHECK(sg_policy_seal(pol, &err) == SG_OK, "policy with two slow patterns builds");
                sg_message m = {.to = to, .n_to = 1, .body = big, .body_len = big_n};
                sg_decision *d = NULL;
                double t0 = now_s();
                sg_err r = sg_policy_evaluate(pol, &m, &d, &err);
                double took = now_s() - t0;
                sg_test_diag("evaluation with two slow patterns: %s after %.2f s", sg_err_code(r), took);
                SG_CHECK(r == SG_ERR_REGEX_LIMIT && !d, "the evaluation fails with regex_limit, no decision (%s)",
                         err.message);
                /* not a timing assertion: 4x the budget only catches a budget
                 * that is not shared or not spent at all */
                SG_CHECK(took < 4.0 * SG_PATTERN_BUDGET_MS / 1000.0 + 2.0,
                         "the two patterns share one budget rather than one each");
                sg_decision_free(d);
                sg_policy_free(pol);
        }
        free(big);
        return sg_test_done();
}
