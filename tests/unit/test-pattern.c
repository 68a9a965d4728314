/* Unit tests of pattern-pcre2.c: UTF and Unicode properties, caseless,
 * invalid UTF-8 subjects, compile errors, the length limit and the bounded
 * matching of catastrophic patterns. */
#include <stdlib.h>
#include <string.h>

#include "sealgate/pattern.h"
#include "sg-test.h"

struct row {
        const char *desc;
        const char *pattern;
        bool caseless;
        const char *subject;
        bool found;
};

static const struct row rows[] = {
        {"literal", "secret", false, "top secret plan", true},
        {"literal absent", "secret", false, "public plan", false},
        {"case-sensitive by default", "Secret", false, "top secret", false},
        {"caseless ASCII", "Secret", true, "top SECRET", true},
        {"caseless non-ASCII (UCP)",
         "stra\xc3\x9f"
         "e",
         true,
         "STRA\xc3\x9f"
         "E",
         true},
        {"caseless Cyrillic", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", true,
         "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2", true},
        {"Japanese literal", "\xe6\xa9\x9f\xe5\xaf\x86", false,
         "\xe3\x81\x93\xe3\x82\x8c\xe3\x81\xaf\xe6\xa9\x9f\xe5\xaf\x86", true},
        {"dot matches one character", "^.$", false, "\xe6\xa9\x9f", true},
        {"\\d is Unicode with UCP (full-width)", "^\\d+$", false, "\xef\xbc\x91\xef\xbc\x92", true},
        {"\\p{Han}", "\\p{Han}{2}", false, "abc\xe6\xa9\x9f\xe5\xaf\x86", true},
        {"word boundary", "\\bcard\\b", false, "discard", false},
        {"invalid UTF-8 subject still searched", "ok", false, "\xff\xfe ok", true},
        {"invalid UTF-8 subject, no match", "nope", false, "\xff\xfe ok", false},
        {"empty subject", "^$", false, "", true},
};

int main(void) {
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
                const struct row *r = &rows[i];
                sg_pattern *p = NULL;
                sg_error e = {0};
                sg_err rc = sg_pattern_new(r->pattern, r->caseless, &p, &e);
                if (!SG_CHECK(rc == SG_OK && p, "%s: compiles", r->desc)) {
                        sg_test_diag("  %s", e.message);
                        continue;
                }
                bool found = !r->found;
                rc = sg_pattern_search(p, r->subject, strlen(r->subject), &found, &e);
                SG_CHECK(rc == SG_OK && found == r->found, "%s: %s", r->desc, r->found ? "matches" : "does not match");
                sg_pattern_free(p);
        }

        /* The subject is bounded by len, not by a NUL. */
        sg_pattern *p = NULL;
        sg_error e = {0};
        bool found = true;
        SG_CHECK(sg_pattern_new("tail", false, &p, &e) == SG_OK, "bounded subject: compiles");
        SG_CHECK(sg_pattern_search(p, "head tail", 5, &found, &e) == SG_OK && !found, "search stops at len");
        SG_CHECK(sg_pattern_search(p, "a\0tail", 6, &found, &e) == SG_OK && found, "NUL inside the subject is data");
        SG_CHECK(sg_pattern_search(p, NULL, 0, &found, &e) == SG_OK && !found, "NULL subject with length 0");
        SG_CHECK(sg_pattern_search(p, NULL, 3, &found, &e) == SG_ERR_INVALID_ARGUMENT, "NULL subject with length");
        p = sg_pattern_free(p);
        SG_CHECK(p == NULL && sg_pattern_free(NULL) == NULL, "free takes NULL and returns NULL");

        /* Compile errors name the offset and PCRE2's reason. */
        p = NULL;
        SG_CHECK(sg_pattern_new("ab(c", false, &p, &e) == SG_ERR_REGEX && p == NULL, "unbalanced parenthesis refused");
        SG_CHECK(e.code == SG_ERR_REGEX && strstr(e.message, "offset 4") != NULL, "message gives the offset");
        SG_CHECK(strstr(e.message, "missing closing parenthesis") != NULL, "message gives PCRE2's reason");
        sg_test_diag("%s", e.message);
        SG_CHECK(sg_pattern_new("[z-a]", false, &p, &e) == SG_ERR_REGEX, "bad range refused");
        SG_CHECK(sg_pattern_new("\xff", false, &p, &e) == SG_ERR_REGEX, "invalid UTF-8 pattern refused");
        SG_CHECK(sg_pattern_new(NULL, false, &p, &e) == SG_ERR_INVALID_ARGUMENT, "NULL pattern refused");

        /* Length limit: exactly SG_PATTERN_MAX is fine, one more is not. */
        char *big = malloc(SG_PATTERN_MAX + 2);
        memset(big, 'a', SG_PATTERN_MAX + 1);
        big[SG_PATTERN_MAX] = '\0';
        SG_CHECK(sg_pattern_new(big, false, &p, &e) == SG_OK, "pattern of SG_PATTERN_MAX bytes accepted");
        p = sg_pattern_free(p);
        big[SG_PATTERN_MAX] = 'a';
        big[SG_PATTERN_MAX + 1] = '\0';
        SG_CHECK(sg_pattern_new(big, false, &p, &e) == SG_ERR_LIMIT && p == NULL, "pattern one byte too long refused");
        free(big);

        /* Catastrophic backtracking stops with SG_ERR_REGEX_LIMIT. */
        const char *evil[] = {"^(a+)+$", "^(a|a)*$", "^(x+x+)+$", "^(\\w+\\s?)*$"};
        size_t n = 40000;
        char *subject = malloc(n + 2);
        memset(subject, 'a', n);
        subject[n] = '!';
        subject[n + 1] = '\0';
        for (size_t i = 0; i < sizeof evil / sizeof *evil; i++) {
                const char *s = subject;
                size_t len = n + 1;
                char xs[64];
                if (strchr(evil[i], 'x')) {
                        memset(xs, 'x', 40);
                        xs[40] = '!';
                        xs[41] = '\0';
                        s = xs;
                        len = 41;
                } else if (i == 1 || i == 3) {
                        len = 60; /* short subjects already explode */
                        s = subject + n + 1 - len;
                }
                SG_CHECK(sg_pattern_new(evil[i], false, &p, &e) == SG_OK, "evil pattern %s compiles", evil[i]);
                sg_err rc = sg_pattern_search(p, s, len, &found, &e);
                if (!SG_CHECK(rc == SG_ERR_REGEX_LIMIT, "evil pattern %s stops at its limit", evil[i]))
                        sg_test_diag("  got %s: %s", sg_err_code(rc), e.message);
                p = sg_pattern_free(p);
        }
        free(subject);
        return sg_test_done();
}
