/* Unit tests: sg_format_size and sg_format_date (format.h), the sizes and
 * dates every client shows, in English and Japanese (GLOSSARY.md: "12.6 MB",
 * "90 バイト", "2031年11月22日", "22 Nov 2031"). */
#include <stdlib.h>
#include <string.h>

#include "sealgate/format.h"
#include "sg-test.h"

static void size_is(uint64_t bytes, sg_format_lang lang, const char *want) {
        char buf[SG_FORMAT_TEXT_SIZE];
        SG_CHECK_STR(sg_format_size(buf, sizeof(buf), bytes, lang), want, want);
}

int main(void) {
        char buf[SG_FORMAT_TEXT_SIZE];

        size_is(0, SG_FORMAT_EN, "0 bytes");
        size_is(1, SG_FORMAT_EN, "1 byte");
        size_is(90, SG_FORMAT_EN, "90 bytes");
        size_is(90, SG_FORMAT_JA, "90 \xE3\x83\x90\xE3\x82\xA4\xE3\x83\x88");
        size_is(999, SG_FORMAT_JA, "999 \xE3\x83\x90\xE3\x82\xA4\xE3\x83\x88");
        size_is(1000, SG_FORMAT_EN, "1.0 KB");
        size_is(1049, SG_FORMAT_EN, "1.0 KB");
        size_is(1050, SG_FORMAT_EN, "1.1 KB");
        size_is(850000, SG_FORMAT_JA, "850 KB");
        size_is(999449, SG_FORMAT_EN, "999 KB");
        size_is(999450, SG_FORMAT_EN, "1.0 MB"); /* 999.5 KB */
        size_is(999500, SG_FORMAT_EN, "1.0 MB");
        size_is(12582912, SG_FORMAT_EN, "12.6 MB");
        size_is(12582912, SG_FORMAT_JA, "12.6 MB");
        size_is(1200000000, SG_FORMAT_EN, "1.2 GB");
        size_is(UINT64_MAX, SG_FORMAT_EN, "18.4 EB");

        SG_CHECK_STR(sg_format_size_text(buf, sizeof(buf), "12582912", SG_FORMAT_JA), "12.6 MB", "size from digits");
        SG_CHECK(sg_format_size_text(buf, sizeof(buf), "12 MB", SG_FORMAT_JA) == NULL, "not digits: NULL");
        SG_CHECK(sg_format_size_text(buf, sizeof(buf), "", SG_FORMAT_JA) == NULL, "empty: NULL");
        SG_CHECK(sg_format_size_text(buf, sizeof(buf), "99999999999999999999", SG_FORMAT_EN) == NULL,
                 "past UINT64_MAX: NULL");
        SG_CHECK(sg_format_size_text(buf, sizeof(buf), "18446744073709551616", SG_FORMAT_EN) == NULL,
                 "UINT64_MAX + 1 (one past): NULL");
        SG_CHECK_STR(sg_format_size_text(buf, sizeof(buf), "18446744073709551615", SG_FORMAT_EN), "18.4 EB",
                     "UINT64_MAX from digits");

        char small[6];
        sg_format_size(small, sizeof(small), 12582912, SG_FORMAT_EN);
        SG_CHECK(strlen(small) == 5, "a short buffer is cut, NUL-terminated");

        SG_CHECK_STR(sg_format_date(buf, sizeof(buf), 2031, 11, 22, SG_FORMAT_EN), "22 Nov 2031", "date en");
        SG_CHECK_STR(sg_format_date(buf, sizeof(buf), 2031, 11, 22, SG_FORMAT_JA),
                     "2031\xE5\xB9\xB4"
                     "11\xE6\x9C\x88"
                     "22\xE6\x97\xA5",
                     "date ja");
        SG_CHECK_STR(sg_format_date_text(buf, sizeof(buf), "2021-01-02", SG_FORMAT_EN), "2 Jan 2021", "ISO date en");
        SG_CHECK_STR(sg_format_date_text(buf, sizeof(buf), "2021-01-02T00:00:00Z", SG_FORMAT_EN), "2 Jan 2021",
                     "ISO date-time: the date");
        SG_CHECK(sg_format_date_text(buf, sizeof(buf), "2021-13-02", SG_FORMAT_EN) == NULL, "month 13: NULL");
        SG_CHECK(sg_format_date_text(buf, sizeof(buf), "2021/01/02", SG_FORMAT_EN) == NULL, "not ISO: NULL");
        SG_CHECK(sg_format_date_text(buf, sizeof(buf), "2021-1-2", SG_FORMAT_EN) == NULL, "short: NULL");

        SG_CHECK(sg_format_lang_from_locale("ja_JP.UTF-8") == SG_FORMAT_JA, "locale ja_JP.UTF-8");
        SG_CHECK(sg_format_lang_from_locale("ja") == SG_FORMAT_JA, "locale ja");
        SG_CHECK(sg_format_lang_from_locale("jam") == SG_FORMAT_EN, "locale jam is not Japanese");
        SG_CHECK(sg_format_lang_from_locale("C") == SG_FORMAT_EN, "locale C");
        SG_CHECK(sg_format_lang_from_locale(NULL) == SG_FORMAT_EN, "no locale");
#ifndef _WIN32
        /* the environment: LC_ALL, else LC_MESSAGES, else LANG; empty ones skipped */
        setenv("LC_ALL", "", 1);
        setenv("LC_MESSAGES", "ja_JP.UTF-8", 1);
        setenv("LANG", "C", 1);
        SG_CHECK(sg_format_lang_from_env() == SG_FORMAT_JA, "env: an empty LC_ALL is skipped, LC_MESSAGES=ja_JP");
        setenv("LC_ALL", "C.UTF-8", 1);
        SG_CHECK(sg_format_lang_from_env() == SG_FORMAT_EN, "env: LC_ALL=C.UTF-8 comes first");
        unsetenv("LC_ALL");
        unsetenv("LC_MESSAGES");
        setenv("LANG", "ja_JP.UTF-8", 1);
        SG_CHECK(sg_format_lang_from_env() == SG_FORMAT_JA, "env: LANG alone");
        unsetenv("LANG");
        SG_CHECK(sg_format_lang_from_env() == SG_FORMAT_EN, "env: none set: English");
#endif
        return sg_test_done();
}
