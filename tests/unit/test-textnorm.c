/* Unit tests: sg_text_normalize (textnorm.h) — the one normalisation every
 * content check reads text through — and the detectors over its output: the
 * separators and characters a Japanese IME or an HTML-to-text conversion
 * produces must not hide a card number, a My Number or a keyword. The same
 * program runs under Wine against the Windows backend (NormalizeString). */
#include <stdlib.h>
#include <string.h>

#include "sealgate/detect.h"
#include "sealgate/textnorm.h"
#include "sealgate/unorm.h"
#include "sealgate/util.h"
#include "sg-test.h"

static char *norm(const char *in) {
        char *out = NULL;
        size_t n = 0;
        sg_error err = {0};
        if (sg_text_normalize(in, strlen(in), &out, &n, &err) != SG_OK) {
                sg_test_diag("  error: %s", err.message);
                return NULL;
        }
        if (strlen(out) != n)
                sg_test_diag("  length %zu != strlen %zu", n, strlen(out));
        return out;
}

static void check_norm(const char *in, const char *want, const char *desc) {
        char *got = norm(in);
        SG_CHECK_STR(got, want, desc);
        free(got);
}

static void check_card(const char *in, bool want, const char *desc) {
        char *t = norm(in);
        bool got = t && sg_find_card_number(t, strlen(t), NULL, NULL);
        SG_CHECK(got == want, "card %s: %s", want ? "found" : "not found", desc);
        free(t);
}

static void check_mynumber(const char *in, bool want, const char *desc) {
        char *t = norm(in);
        bool got = t && sg_find_my_number(t, strlen(t), NULL, NULL);
        SG_CHECK(got == want, "My Number %s: %s", want ? "found" : "not found", desc);
        free(t);
}

int main(void) {
        sg_test_diag("backend: %s", sg_unorm_backend());

        /* NFKC */
        check_norm("\xEF\xBC\xA3\xEF\xBC\xAF\xEF\xBC\xAE\xEF\xBC\xA6", "CONF", "full-width Latin becomes ASCII");
        check_norm("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93", "123", "full-width digits become ASCII");
        check_norm("a\xE3\x80\x80"
                   "b",
                   "a b", "U+3000 ideographic space becomes a space");
        check_norm("a\xC2\xA0"
                   "b",
                   "a b", "U+00A0 no-break space becomes a space");
        check_norm("a\xE2\x80\x83"
                   "b",
                   "a b", "U+2003 em space becomes a space");
        check_norm("\xEF\xBD\xBA\xEF\xBE\x9D\xEF\xBE\x8C\xEF\xBD\xA8\xEF\xBE\x83\xEF\xBE\x9E\xEF\xBE\x9D\xEF\xBD\xBC"
                   "\xEF\xBD\xAC\xEF\xBE\x99",
                   "\xE3\x82\xB3\xE3\x83\xB3\xE3\x83\x95\xE3\x82\xA3\xE3\x83\x87\xE3\x83\xB3\xE3\x82\xB7\xE3\x83\xA3"
                   "\xE3\x83\xAB",
                   "half-width katakana with a voiced mark becomes katakana (コンフィデンシャル)");
        check_norm("\xE2\x91\xA0", "1", "circled digit one becomes 1");
        check_norm("\xE7\xA4\xBE\xE5\xA4\x96\xE7\xA7\x98", "\xE7\xA4\xBE\xE5\xA4\x96\xE7\xA7\x98",
                   "kanji stay as they are (社外秘)");
        check_norm("caf\x65\xCC\x81", "caf\xC3\xA9", "a combining accent is composed");

        /* the folds after NFKC */
        check_norm("41\xE2\x80\x8B"
                   "11",
                   "4111", "U+200B zero-width space is removed");
        check_norm("41\xE2\x80\x8D"
                   "11\xEF\xBB\xBF"
                   "1\xC2\xAD"
                   "1",
                   "411111", "ZWJ, BOM and soft hyphen are removed");
        check_norm("1\xE2\x80\x90"
                   "2\xE2\x80\x93"
                   "3\xE2\x80\x94"
                   "4\xE2\x88\x92"
                   "5",
                   "1-2-3-4-5", "hyphen, en dash, em dash and minus become -");
        check_norm("1\xEF\xBC\x8D"
                   "2",
                   "1-2", "U+FF0D full-width hyphen-minus becomes -");
        check_norm("1\xE3\x83\xBC"
                   "2",
                   "1-2", "a long-vowel mark between digits becomes -");
        check_norm("1\xEF\xBD\xB0"
                   "2",
                   "1-2", "a half-width long-vowel mark between digits becomes -");
        check_norm("\xE3\x82\xB5\xE3\x83\xBC\xE3\x83\x90\xE3\x83\xBC",
                   "\xE3\x82\xB5\xE3\x83\xBC\xE3\x83\x90\xE3\x83\xBC",
                   "a long-vowel mark inside a word stays (サーバー)");
        check_norm("1\xE3\x83\xBC\xE2\x80\x8B"
                   "2",
                   "1-2", "a long-vowel mark before a zero-width space and a digit");
        check_norm("a\tb", "a b", "TAB becomes a space");
        check_norm("", "", "empty text");

        SG_CHECK(!sg_text_needs_normalize("plain ASCII 4111-1111", 21), "ASCII text needs no normalising");
        SG_CHECK(sg_text_needs_normalize("a\tb", 3), "a TAB needs normalising");
        SG_CHECK(sg_text_needs_normalize("\xEF\xBC\x91", 3), "a full-width digit needs normalising");

        /* errors */
        {
                char *out = (char *) 1;
                size_t n = 7;
                sg_error err = {0};
                SG_CHECK(sg_text_normalize("\xC3(", 2, &out, &n, &err) == SG_ERR_UTF8 && out == (char *) 1 && n == 7,
                         "not UTF-8: SG_ERR_UTF8, outputs untouched");
                /* U+FDFA expands to 18 characters (33 bytes from 3): past the bound */
                size_t k = 400;
                char *big = malloc(3 * k + 1);
                for (size_t i = 0; i < k; i++)
                        memcpy(big + 3 * i, "\xEF\xB7\xBA", 3);
                big[3 * k] = '\0';
                SG_CHECK(sg_text_normalize(big, 3 * k, &out, &n, &err) == SG_ERR_LIMIT,
                         "text that grows past SG_TEXTNORM_GROWTH_MAX times its size: SG_ERR_LIMIT (%s)", err.message);
                free(big);
                SG_CHECK(sg_text_normalize(NULL, 0, &out, &n, &err) == SG_ERR_INVALID_ARGUMENT, "NULL text refused");
        }

        /* card numbers behind the separators of real input (4111 1111 1111 1111, Visa test number) */
        check_card("4111\xEF\xBC\x8D"
                   "1111\xEF\xBC\x8D"
                   "1111\xEF\xBC\x8D"
                   "1111",
                   true, "U+FF0D between groups");
        check_card("4111\xE3\x80\x80"
                   "1111\xE3\x80\x80"
                   "1111\xE3\x80\x80"
                   "1111",
                   true, "U+3000 between groups");
        check_card("4111\xC2\xA0"
                   "1111\xC2\xA0"
                   "1111\xC2\xA0"
                   "1111",
                   true, "U+00A0 between groups");
        check_card("4111\xE2\x80\x93"
                   "1111\xE2\x80\x93"
                   "1111\xE2\x80\x93"
                   "1111",
                   true, "en dash between groups");
        check_card("4111\xE3\x83\xBC"
                   "1111\xE3\x83\xBC"
                   "1111\xE3\x83\xBC"
                   "1111",
                   true, "long-vowel mark between groups");
        check_card("4\xE2\x80\x8B"
                   "111111111111111",
                   true, "a zero-width space inside the digits");
        check_card("\xEF\xBC\x94\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xE3\x80\x80\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91"
                   "\xEF\xBC\x91\xE3\x80\x80\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xE3\x80\x80\xEF\xBC\x91"
                   "\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91",
                   true, "full-width digits and U+3000, as typed in full-width mode");
        check_card("4111\xE3\x80\x80\xE3\x80\x80"
                   "1111 1111 1111",
                   false, "two separators in a row are not one number");
        check_card("4111-1111-1111-1112", false, "a failing Luhn check stays not found");

        /* My Number (123456789018 has a valid check digit) */
        check_mynumber("1234\xEF\xBC\x8D"
                       "5678\xEF\xBC\x8D"
                       "9018",
                       true, "U+FF0D between groups");
        check_mynumber("1234\xE3\x80\x80"
                       "5678\xE3\x80\x80"
                       "9018",
                       true, "U+3000 between groups");
        check_mynumber("\xE2\x91\xA0"
                       "23456789018",
                       true, "a circled digit");
        check_mynumber("1234\xE3\x83\xBC"
                       "5678\xE3\x83\xBC"
                       "9018",
                       true, "long-vowel marks between groups");
        return sg_test_done();
}
