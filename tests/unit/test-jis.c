/* Unit tests: sealgate/jis.h, the one ISO-2022-JP and EUC-JP decoder (into
 * CP932 bytes) the CLI and the Outlook add-in share: each designation, each
 * range's first and last byte and the byte one past it, malformed and
 * cut-off escapes and pairs. The output buffer is exactly the input's size,
 * so a decoder writing past it shows under ASan. Runs under Wine too. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/jis.h"
#include "sg-test.h"

typedef bool (*conv_fn)(const unsigned char *, size_t, char *, size_t *);

/* `in` (n bytes) through `conv`: want NULL for a refusal, else the bytes of
 * `want` (want_n of them). */
static void check_conv(conv_fn conv, const char *in, size_t n, const char *want, size_t want_n, const char *desc) {
        char *out = malloc(n ? n : 1);
        size_t len = (size_t) -1;
        bool ok = out && conv((const unsigned char *) in, n, out, &len);
        if (!want)
                SG_CHECK(!ok, "refused: %s", desc);
        else if (!SG_CHECK(ok && len == want_n && memcmp(out, want, want_n) == 0, "%s", desc))
                sg_test_diag("  ok %d, length %zu, want %zu", ok, ok ? len : 0, want_n);
        free(out);
}

#define JIS(in, want, desc) check_conv(sg_jis_to_sjis, in, sizeof in - 1, want, sizeof want - 1, desc)
#define JIS_BAD(in, desc)   check_conv(sg_jis_to_sjis, in, sizeof in - 1, NULL, 0, desc)
#define EUC(in, want, desc) check_conv(sg_eucjp_to_sjis, in, sizeof in - 1, want, sizeof want - 1, desc)
#define EUC_BAD(in, desc)   check_conv(sg_eucjp_to_sjis, in, sizeof in - 1, NULL, 0, desc)
#define ESCAPE(in, want, desc)                                                                                         \
        SG_CHECK(sg_jis_has_escape((const unsigned char *) in, sizeof in - 1) == want, "escape %s: %s",                \
                 want ? "found" : "not found", desc)

int main(void) {
        /* designations */
        JIS("", "", "empty input");
        JIS("plain ASCII", "plain ASCII", "ASCII passes unchanged");
        JIS("\x1b$B$3$s\x1b(B!", "\x82\xb1\x82\xf1!", "ESC $ B kanji, ESC ( B back to ASCII");
        JIS("\x1b$@$3\x1b(Jx", "\x82\xb1x", "ESC $ @ (JIS C 6226) and ESC ( J (JIS Roman)");
        JIS("\x1b(I\x21\x5f\x1b(B", "\xa1\xdf", "ESC ( I half-width kana, first and last");
        JIS("a\x0e\x21\x5f\x0f"
            "b",
            "a\xa1\xdf"
            "b",
            "SO/SI half-width kana");
        JIS("\x1b$B$3\r\n$s\x1b(B", "\x82\xb1\r\n\x82\xf1", "CR and LF pass in kanji mode");
        JIS("\x1b$B-!y!\x1b(B", "\x87\x40\xed\x40", "NEC row 13 and IBM row 89 (CP932 extensions)");
        /* the ranges: first, last, one past */
        JIS("\x1b$B!!~~\x1b(B", "\x81\x40\xef\xfc", "kanji row and cell 0x21 and 0x7E");
        JIS_BAD("\x1b$B\x7f!\x1b(B", "kanji row 0x7F (one past 0x7E)");
        JIS_BAD("\x1b$B!\x7f\x1b(B", "kanji cell 0x7F (one past 0x7E)");
        JIS_BAD("\x1b$B\x20!\x1b(B", "kanji row 0x20 (one below 0x21)");
        JIS_BAD("\x1b$B!\x20\x1b(B", "kanji cell 0x20 (one below 0x21)");
        JIS_BAD("\x1b(I\x60\x1b(B", "kana 0x60 (one past 0x5F)");
        JIS_BAD("\x1b(I\x20\x1b(B", "kana 0x20 (one below 0x21)");
        JIS_BAD("abc\x80", "a byte 0x80 in ASCII mode");
        JIS_BAD("\x1b$B\xa4\xb3\x1b(B", "8-bit bytes in kanji mode");
        JIS_BAD("\x1b$B$3$", "a pair cut off by the end");
        /* malformed escapes */
        JIS_BAD("\x1b(X", "unknown ESC ( X");
        JIS_BAD("\x1b$A!!", "ESC $ A (GB 2312) is not ISO-2022-JP");
        JIS_BAD("\x1b$(D!!", "ESC $ ( D (JIS X 0212) is not known");
        JIS_BAD("ab\x1b", "ESC at the end");
        JIS_BAD("ab\x1b(", "ESC ( cut off by the end");
        JIS_BAD("ab\x1b$", "ESC $ cut off by the end");
        /* has_escape */
        ESCAPE("x\x1b$B", true, "ESC $ B at the very end");
        ESCAPE("x\x1b$@y", true, "ESC $ @");
        ESCAPE("x\x1b$", false, "ESC $ cut off");
        ESCAPE("x\x1b(B\x1b(I", false, "no kanji designation");
        ESCAPE("", false, "empty");

        /* EUC-JP */
        EUC("a\xa4\xb3\xa4\xf3z", "a\x82\xb1\x82\xf1z", "ASCII and JIS X 0208");
        EUC("\xa1\xa1\xfe\xfe", "\x81\x40\xef\xfc", "pair bytes 0xA1 and 0xFE");
        EUC("\x8e\xa1\x8e\xdf", "\xa1\xdf", "half-width kana 0xA1 and 0xDF");
        EUC_BAD("\x8e\xe0", "half-width kana 0xE0 (one past 0xDF)");
        EUC_BAD("\x8e\xa0", "half-width kana 0xA0 (one below 0xA1)");
        EUC_BAD("\xa1\xa0", "second byte 0xA0 (one below 0xA1)");
        EUC_BAD("\xa1\xff", "second byte 0xFF (one past 0xFE)");
        EUC_BAD("\xff\xa1", "first byte 0xFF (one past 0xFE)");
        EUC_BAD("\x8f\xa1\xa1", "JIS X 0212 (0x8F) is not known");
        EUC_BAD("a\xa4", "a pair cut off by the end");
        EUC_BAD("a\x8e", "a kana cut off by the end");
        return sg_test_done();
}
