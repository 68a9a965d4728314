/* Unit tests: sealgate/strbuf.h, the one growing buffer of the engine and
 * the Outlook add-in: appends, the decimal form, take on an empty buffer, and
 * the optional limit (exactly `max` bytes fit, one past sets `over`, which
 * sticks and makes take fail). */
#include <stdlib.h>
#include <string.h>

#include "sealgate/strbuf.h"
#include "sg-test.h"

int main(void) {
        sg_strbuf b = {0};
        size_t n = 99;
        char *s = sg_strbuf_take(&b, &n);
        SG_CHECK(s && strcmp(s, "") == 0 && n == 0, "take of an empty buffer: \"\", length 0");
        free(s);

        sg_strbuf_add_str(&b, "abc");
        sg_strbuf_add_c(&b, '-');
        sg_strbuf_add_u64(&b, 0);
        sg_strbuf_add_c(&b, '-');
        sg_strbuf_add_u64(&b, UINT64_MAX);
        sg_strbuf_add(&b, "xyz", 2);
        for (int i = 0; i < 1000; i++)
                sg_strbuf_add_c(&b, 'z');
        SG_CHECK(b.n == 3 + 1 + 1 + 1 + 20 + 2 + 1000 && !b.oom && !b.over, "appends grow the buffer");
        s = sg_strbuf_take(&b, &n);
        SG_CHECK(s && strncmp(s, "abc-0-18446744073709551615xy", 28) == 0 && n == 1028 && strlen(s) == n,
                 "the bytes in order, NUL-terminated");
        SG_CHECK(b.s == NULL && b.n == 0, "take leaves the buffer empty");
        free(s);

        sg_strbuf lim = {.max = 8};
        sg_strbuf_add_str(&lim, "1234567");
        sg_strbuf_add_c(&lim, '8');
        SG_CHECK(!lim.over && lim.n == 8, "exactly max bytes fit");
        sg_strbuf_add_c(&lim, '9');
        SG_CHECK(lim.over && lim.n == 8, "one byte past max: over");
        sg_strbuf_add(&lim, "", 0);
        sg_strbuf_add_c(&lim, 'x');
        SG_CHECK(lim.over && lim.n == 8, "over sticks");
        SG_CHECK(sg_strbuf_take(&lim, NULL) == NULL && lim.s == NULL, "take after over: NULL, buffer freed");

        sg_strbuf one = {.max = 3};
        sg_strbuf_add_str(&one, "abcd");
        SG_CHECK(one.over && one.n == 0, "a single append one past max is refused whole");
        sg_strbuf_clear(&one);
        SG_CHECK(!one.over && one.max == 3 && one.s == NULL, "clear empties, keeps max");
        return sg_test_done();
}
