/* Unit tests of detect.c: Luhn, issuer prefixes, My Number check digits,
 * separators, full-width digits and digit-run boundaries, as tables. */
#include <string.h>

#include "sealgate/detect.h"
#include "sg-test.h"

/* Full-width digits U+FF10..U+FF19 in UTF-8. */
#define FW0 "\xef\xbc\x90"
#define FW1 "\xef\xbc\x91"
#define FW4 "\xef\xbc\x94"

struct find_row {
        const char *desc;
        const char *text;
        bool found;
        const char *match; /* the text expected at the reported offset/length */
};

static const struct find_row card_rows[] = {
        {"Visa 16", "card 4111111111111111 ok", true, "4111111111111111"},
        {"Visa 13", "4222222222222", true, "4222222222222"},
        {"Visa 19", "x 4000000000000000006 y", true, "4000000000000000006"},
        {"Mastercard 55", "5555555555554444", true, "5555555555554444"},
        {"Mastercard 51", "5100000000000008", true, "5100000000000008"},
        {"Mastercard 2221", "2221000000000009", true, "2221000000000009"},
        {"Mastercard 2720", "2720000000000005", true, "2720000000000005"},
        {"2721 is no issuer", "2721000000000004", false, NULL},
        {"56 is no issuer", "5600000000000003", false, NULL},
        {"Amex 34, 15 digits", "340000000000009", true, "340000000000009"},
        {"Amex 37 real test number", "378282246310005", true, "378282246310005"},
        {"Amex prefix with 16 digits refused", "3700000000000007", false, NULL},
        {"Amex 4-6-5 grouping", "amex 3782 822463 10005.", true, "3782 822463 10005"},
        {"Discover 6011", "6011111111111117", true, "6011111111111117"},
        {"Discover 644", "6440000000000005", true, "6440000000000005"},
        {"Discover 649", "6490000000000004", true, "6490000000000004"},
        {"Discover 65", "6500000000000002", true, "6500000000000002"},
        {"JCB 3528", "3528000000000007", true, "3528000000000007"},
        {"JCB 3589", "3589000000000003", true, "3589000000000003"},
        {"3590 is no issuer", "3590000000000000", false, NULL},
        {"Diners 300", "30000000000004", true, "30000000000004"},
        {"Diners 305", "30500000000003", true, "30500000000003"},
        {"306 is no issuer", "30600000000001", false, NULL},
        {"Diners 36", "36000000000008", true, "36000000000008"},
        {"Diners 38", "38000000000006", true, "38000000000006"},
        {"UnionPay 62 (16)", "6200000000000005", true, "6200000000000005"},
        {"UnionPay 62 (19)", "6200000000000000000", true, "6200000000000000000"},
        {"prefix 1 refused", "1000000000000008", false, NULL},
        {"Luhn failure refused", "4111111111111112", false, NULL},
        {"12 digits too short", "400000000002", false, NULL},
        {"20 digits too long", "40000000000000000002", false, NULL},
        {"inside a longer run", "94111111111111111", false, NULL},
        {"followed by a digit", "41111111111111119", false, NULL},
        {"spaces between groups", "pay 4111 1111 1111 1111 now", true, "4111 1111 1111 1111"},
        {"hyphens between groups", "4111-1111-1111-1111", true, "4111-1111-1111-1111"},
        {"double space breaks it", "4111  1111 1111 1111", false, NULL},
        {"trailing group after a space", "4111 1111 1111 1111 12/25", true, "4111 1111 1111 1111"},
        {"full-width digits",
         "\xe3\x82\xab\xe3\x83\xbc\xe3\x83\x89 " FW4 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1, true,
         FW4 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1 FW1},
        {"full-width digit before breaks the run", FW1 "4111111111111111", false, NULL},
        {"letters around are fine", "ref:4111111111111111;", true, "4111111111111111"},
        {"second candidate found", "order 123456 then 5555555555554444", true, "5555555555554444"},
        {"empty", "", false, NULL},
        {"no digits", "nothing to see here", false, NULL},
};

static const struct find_row mn_rows[] = {
        {"contiguous", "番号 123456789018 です", true, "123456789018"},
        {"all zeros is valid", "000000000000", true, "000000000000"},
        {"other valid", "987654321093", true, "987654321093"},
        {"remainder 0 or 1 gives check 0", "444444444440", true, "444444444440"},
        {"wrong check digit", "123456789019", false, NULL},
        {"4-4-4 spaces", "no. 1234 5678 9018.", true, "1234 5678 9018"},
        {"4-4-4 hyphens", "1234-5678-9018", true, "1234-5678-9018"},
        {"4-4-4 mixed separators", "1234-5678 9018", true, "1234-5678 9018"},
        {"13 digits", "1234567890180", false, NULL},
        {"preceded by a digit", "9123456789018", false, NULL},
        {"11 digits", "12345678901", false, NULL},
        {"4-4-4 inside a 4-4-4-4 run", "4111 1111 1111 1111", false, NULL},
        {"4-4-4 after a group", "0000 1234 5678 9018", false, NULL},
        {"double separator", "1234  5678 9018", false, NULL},
        {"3-4-5 grouping is not the official form", "123 4567 89018", false, NULL},
        {"full-width",
         FW1 "\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98"
             "\xef\xbc\x99" FW0 FW1 "\xef\xbc\x98",
         true,
         FW1 "\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98\xef\xbc\x99" FW0 FW1
             "\xef\xbc\x98"},
        {"second candidate found", "123456789019 and 111111111118", true, "111111111118"},
};

static void run(const char *what, const struct find_row *rows, size_t n,
                bool (*find)(const char *, size_t, size_t *, size_t *)) {
        for (size_t i = 0; i < n; i++) {
                const struct find_row *r = &rows[i];
                size_t off = 999, len = 999;
                bool got = find(r->text, strlen(r->text), &off, &len);
                SG_CHECK(got == r->found, "%s: %s: %s", what, r->desc, r->found ? "found" : "not found");
                if (got && r->found) {
                        int same = len == strlen(r->match) && memcmp(r->text + off, r->match, len) == 0;
                        if (!SG_CHECK(same, "%s: %s: offset and length", what, r->desc))
                                sg_test_diag("  got offset %zu length %zu", off, len);
                }
        }
}

int main(void) {
        SG_CHECK(sg_luhn_valid("79927398713", 11), "Luhn: classic example valid");
        SG_CHECK(!sg_luhn_valid("79927398710", 11), "Luhn: wrong check digit");
        SG_CHECK(!sg_luhn_valid("", 0), "Luhn: empty refused");
        SG_CHECK(!sg_luhn_valid("4111x11111111111", 16), "Luhn: non-digit refused");
        SG_CHECK(sg_luhn_valid("0", 1), "Luhn: single zero");

        SG_CHECK(sg_my_number_valid("123456789018"), "My Number: 123456789018 valid");
        SG_CHECK(!sg_my_number_valid("123456789012"), "My Number: 123456789012 invalid");
        SG_CHECK(sg_my_number_valid("201901011236"), "My Number: 201901011236 valid");
        SG_CHECK(!sg_my_number_valid("12345678901"), "My Number: 11 digits refused");
        SG_CHECK(!sg_my_number_valid("1234567890180"), "My Number: 13 digits refused");
        SG_CHECK(!sg_my_number_valid("12345678901a"), "My Number: letter refused");
        SG_CHECK(!sg_my_number_valid(NULL), "My Number: NULL refused");

        run("card", card_rows, sizeof card_rows / sizeof *card_rows, sg_find_card_number);
        run("my number", mn_rows, sizeof mn_rows / sizeof *mn_rows, sg_find_my_number);

        /* Length bounds are respected: the card is cut off by len. */
        const char *t = "4111111111111111";
        SG_CHECK(!sg_find_card_number(t, 15, NULL, NULL), "card: length bound respected, NULL outputs accepted");
        SG_CHECK(sg_find_card_number(t, 16, NULL, NULL), "card: NULL outputs accepted");
        SG_CHECK(!sg_find_card_number(NULL, 0, NULL, NULL), "card: NULL text");
        /* A truncated full-width digit at the end must not be read past. */
        SG_CHECK(!sg_find_my_number("12345678901\xef\xbc", 13, NULL, NULL), "my number: truncated full-width digit");
        return sg_test_done();
}
