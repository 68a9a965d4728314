/* Unit tests of error.c: stable names round-trip, truncation at UTF-8 boundaries. */
#include <string.h>

#include "sealgate/error.h"
#include "sealgate/util.h"
#include "sg-test.h"

int main(void) {
        for (unsigned i = 0; i < SG_ERR__MAX; i++) {
                const char *name = sg_err_code((sg_err) i);
                SG_CHECK(sg_err_from_code(name) == (sg_err) i, "code %u round-trips as \"%s\"", i, name);
        }
        SG_CHECK(sg_err_from_code("no_such_code") == SG_ERR__MAX, "unknown name is refused");
        SG_CHECK_STR(sg_err_code((sg_err) 9999), "internal", "out-of-range value names itself internal");

        sg_error e;
        SG_CHECK(sg_error_set(&e, SG_ERR_LIMIT, "too many (%d)", 3) == SG_ERR_LIMIT, "set returns the code");
        SG_CHECK_STR(e.message, "too many (3)", "message formatted");
        sg_error_prefix(&e, "message.to[%d]", 2);
        SG_CHECK_STR(e.message, "message.to[2]: too many (3)", "prefix added");
        SG_CHECK(sg_error_set(NULL, SG_ERR_IO, "x") == SG_ERR_IO, "NULL error report accepted");

        /* 300 three-byte characters overflow the 512-byte buffer: no split character. */
        char big[1024] = "";
        for (int i = 0; i < 300; i++)
                strcat(big, "\xe6\xa9\x9f");
        sg_error_set(&e, SG_ERR_LIMIT, "%s", big);
        SG_CHECK(sg_utf8_valid(e.message, strlen(e.message)), "truncated message stays valid UTF-8");
        SG_CHECK(strlen(e.message) < SG_ERROR_MESSAGE_MAX, "truncated message fits");

        SG_CHECK(sg_utf8_valid("\xed\xa0\x80", 3) == false, "surrogate refused");
        SG_CHECK(sg_utf8_valid("\xc0\xaf", 2) == false, "overlong refused");
        SG_CHECK(sg_utf8_valid("\xe6\xa9", 2) == false, "truncated sequence refused");
        SG_CHECK(sg_utf8_valid("abc\xe6\xa9\x9f", 6), "valid mixed text accepted");
        /* ASCII is checked 8 bytes at a time: a bad byte, a cut sequence
         * and a good one at every position of 24 bytes, and the length
         * honoured (a bad byte just past it is not read as part). */
        int bad = 0;
        for (size_t at = 0; at < 24; at++) {
                char t[32];
                memset(t, 'x', 24);
                t[24] = '\xff';
                t[at] = '\xff';
                bad += sg_utf8_valid(t, 24);
                t[at] = '\xc3';
                bad += sg_utf8_valid(t, at + 1);
                t[at + 1 < 24 ? at + 1 : at] = at + 1 < 24 ? '\xa9' : 'x';
                bad += at + 1 < 24 && !sg_utf8_valid(t, 24);
                memset(t, 'x', 24);
                bad += !sg_utf8_valid(t, at) || !sg_utf8_valid(t, 24);
        }
        SG_CHECK(bad == 0,
                 "UTF-8 check at every position of 24 bytes: bad and cut bytes refused, good ones taken, "
                 "the length honoured (%d wrong)",
                 bad);
        SG_CHECK(sg_ascii_strcasecmp("Corp.EXAMPLE", "corp.example") == 0, "ASCII case folding");
        SG_CHECK(sg_ascii_strcasestr("Top CONFIDENTIAL report", "confidential") != NULL, "case-insensitive search");
        return sg_test_done();
}
