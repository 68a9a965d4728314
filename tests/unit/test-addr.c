/* Unit tests of addr.c (and the libidn2 backend under it): address-list rows, limits, domain normalisation. */
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/idna.h"
#include "sealgate/util.h"
#include "sg-test.h"

typedef struct want_mb {
        const char *display, *local, *domain, *ascii, *address, *group;
} want_mb;

typedef struct row {
        const char *desc;
        const char *input;
        sg_err err;
        const char *msg_has; /* substring the error message must contain */
        size_t n;            /* mailboxes appended on success */
        want_mb mb[4];
} row;

/* Inputs and expectations for the limit rows, filled in by make_limits(). */
static char text_at[SG_ADDR_TEXT_MAX + 1], text_over[SG_ADDR_TEXT_MAX + 2];
static char local_at[128], local_over[128], local64[SG_ADDR_LOCAL_MAX + 1], addr_local64[128];
static char qlocal_at[160], qlocal_over[160], qlocal64[96], addr_qlocal64[160];
static char domain_at[300], domain_over[300], domain253[SG_ADDR_DOMAIN_MAX + 1], addr_domain253[300];
static char label_over[128];
static char display_at[1100], display_over[1100], display1024[SG_ADDR_DISPLAY_MAX + 1];
static char comments_at[128], comments_over[128];

#define SYN SG_ERR_ADDRESS_SYNTAX

/* clang-format off */
static const row rows[] = {
        /* ---- plain forms as Thunderbird hands them over */
        {"bare addr-spec", "bob@example.net", SG_OK, NULL, 1,
         {{NULL, "bob", "example.net", "example.net", "bob@example.net", NULL}}},
        {"display name and angle address", "Bob <bob@example.net>", SG_OK, NULL, 1,
         {{"Bob", "bob", "example.net", "example.net", "bob@example.net", NULL}}},
        {"quoted display name with a comma", "\"Doe, John\" <john@corp.example>", SG_OK, NULL, 1,
         {{"Doe, John", "john", "corp.example", "corp.example", "john@corp.example", NULL}}},
        {"several addresses",
         "\"Doe, John\" <john@corp.example>, Bob <bob@example.net>, carol@example.org", SG_OK, NULL, 3,
         {{"Doe, John", "john", "corp.example", "corp.example", "john@corp.example", NULL},
          {"Bob", "bob", "example.net", "example.net", "bob@example.net", NULL},
          {NULL, "carol", "example.org", "example.org", "carol@example.org", NULL}}},
        {"domain case kept as given, folded in the ASCII form; local part case kept",
         "Bob@Corp.EXAMPLE", SG_OK, NULL, 1,
         {{NULL, "Bob", "Corp.EXAMPLE", "corp.example", "Bob@corp.example", NULL}}},
        {"one trailing dot removed", "bob@corp.example.", SG_OK, NULL, 1,
         {{NULL, "bob", "corp.example", "corp.example", "bob@corp.example", NULL}}},
        {"trailing dot removed inside <...>", "Bob <bob@corp.example.>", SG_OK, NULL, 1,
         {{"Bob", "bob", "corp.example", "corp.example", "bob@corp.example", NULL}}},

        /* ---- IDN */
        {"Japanese display name and Unicode domain", "田中 太郎 <tanaka@例え.jp>", SG_OK, NULL, 1,
         {{"田中 太郎", "tanaka", "例え.jp", "xn--r8jz45g.jp", "tanaka@xn--r8jz45g.jp", NULL}}},
        {"punycode gives the same ASCII form", "tanaka@xn--r8jz45g.jp", SG_OK, NULL, 1,
         {{NULL, "tanaka", "xn--r8jz45g.jp", "xn--r8jz45g.jp", "tanaka@xn--r8jz45g.jp", NULL}}},
        {"upper-case punycode is folded", "tanaka@XN--R8JZ45G.JP", SG_OK, NULL, 1,
         {{NULL, "tanaka", "XN--R8JZ45G.JP", "xn--r8jz45g.jp", "tanaka@xn--r8jz45g.jp", NULL}}},
        {"Unicode domain with upper-case ASCII label", "a@例え.JP", SG_OK, NULL, 1,
         {{NULL, "a", "例え.JP", "xn--r8jz45g.jp", "a@xn--r8jz45g.jp", NULL}}},
        {"full-width domain maps to ASCII", "info@ＥＸＡＭＰＬＥ．ｃｏｍ", SG_OK, NULL, 1,
         {{NULL, "info", "ＥＸＡＭＰＬＥ．ｃｏｍ", "example.com", "info@example.com", NULL}}},
        {"upper-case Cyrillic maps to lower case", "ivan@БАНК.рф", SG_OK, NULL, 1,
         {{NULL, "ivan", "БАНК.рф", "xn--80ab2al.xn--p1ai", "ivan@xn--80ab2al.xn--p1ai", NULL}}},
        {"ideographic full stop separates labels", "a@例え。jp", SG_OK, NULL, 1,
         {{NULL, "a", "例え。jp", "xn--r8jz45g.jp", "a@xn--r8jz45g.jp", NULL}}},
        {"non-transitional: sharp s is kept, not mapped to ss", "a@straße.de", SG_OK, NULL, 1,
         {{NULL, "a", "straße.de", "xn--strae-oqa.de", "a@xn--strae-oqa.de", NULL}}},
        {"UTF-8 local part (RFC 6532)", "ユーザー@example.jp", SG_OK, NULL, 1,
         {{NULL, "ユーザー", "example.jp", "example.jp", "ユーザー@example.jp", NULL}}},

        /* ---- quoted local parts */
        {"quoted local part containing @", "\"a@b\"@corp.example", SG_OK, NULL, 1,
         {{NULL, "\"a@b\"", "corp.example", "corp.example", "\"a@b\"@corp.example", NULL}}},
        {"quoted local part with a space", "\"john doe\"@x.example", SG_OK, NULL, 1,
         {{NULL, "\"john doe\"", "x.example", "x.example", "\"john doe\"@x.example", NULL}}},
        {"quoted dot-atom loses its quotes", "\"john\"@x.example", SG_OK, NULL, 1,
         {{NULL, "john", "x.example", "x.example", "john@x.example", NULL}}},
        {"needless escape in quoted local dropped", "\"j\\ohn.smith\"@x.example", SG_OK, NULL, 1,
         {{NULL, "john.smith", "x.example", "x.example", "john.smith@x.example", NULL}}},
        {"needed escapes in quoted local kept", "\"a\\\"b\\\\c\"@x.example", SG_OK, NULL, 1,
         {{NULL, "\"a\\\"b\\\\c\"", "x.example", "x.example", "\"a\\\"b\\\\c\"@x.example", NULL}}},
        {"atom and quoted word joined by a dot", "john.\"doe\"@x.example", SG_OK, NULL, 1,
         {{NULL, "john.doe", "x.example", "x.example", "john.doe@x.example", NULL}}},
        {"quoted local that is not a dot-atom stays quoted", "\"john.\"@x.example", SG_OK, NULL, 1,
         {{NULL, "\"john.\"", "x.example", "x.example", "\"john.\"@x.example", NULL}}},

        /* ---- groups */
        {"group", "team: a@x.example, b@y.example;", SG_OK, NULL, 2,
         {{NULL, "a", "x.example", "x.example", "a@x.example", "team"},
          {NULL, "b", "y.example", "y.example", "b@y.example", "team"}}},
        {"empty group appends nothing", "undisclosed-recipients:;", SG_OK, NULL, 0, {{0}}},
        {"group among plain addresses", "a@x.example, team: Bee <b@y.example>;, c@z.example", SG_OK, NULL, 3,
         {{NULL, "a", "x.example", "x.example", "a@x.example", NULL},
          {"Bee", "b", "y.example", "y.example", "b@y.example", "team"},
          {NULL, "c", "z.example", "z.example", "c@z.example", NULL}}},
        {"quoted group name and quoted member name", "\"Sales, EU\": \"Doe, J\" <j@x.example>;", SG_OK, NULL, 1,
         {{"Doe, J", "j", "x.example", "x.example", "j@x.example", "Sales, EU"}}},
        {"group left open at the end is tolerated", "team: a@x.example", SG_OK, NULL, 1,
         {{NULL, "a", "x.example", "x.example", "a@x.example", "team"}}},

        /* ---- comments, escapes, odd but valid forms */
        {"comments everywhere CFWS may be",
         "(lead) Bob (the builder) <bob (x) @ example.net (y)> (tail)", SG_OK, NULL, 1,
         {{"Bob", "bob", "example.net", "example.net", "bob@example.net", NULL}}},
        {"comment after a bare address becomes the display name", "bob@example.net (Bob Smith)", SG_OK, NULL, 1,
         {{"Bob Smith", "bob", "example.net", "example.net", "bob@example.net", NULL}}},
        {"nested comment with escaped parenthesis", "bob@example.net (a (b \\) (c)) d)", SG_OK, NULL, 1,
         {{"a (b ) (c)) d", "bob", "example.net", "example.net", "bob@example.net", NULL}}},
        {"escaped quotes in a display name", "\"John \\\"JJ\\\" Doe\" <j@x.example>", SG_OK, NULL, 1,
         {{"John \"JJ\" Doe", "j", "x.example", "x.example", "j@x.example", NULL}}},
        {"obsolete phrase with a dot", "John Q. Public <jqp@x.example>", SG_OK, NULL, 1,
         {{"John Q. Public", "jqp", "x.example", "x.example", "jqp@x.example", NULL}}},
        {"quoted Japanese name with a full-width space", "\"山田　花子\" <hanako@example.co.jp>", SG_OK, NULL, 1,
         {{"山田　花子", "hanako", "example.co.jp", "example.co.jp", "hanako@example.co.jp", NULL}}},
        {"obsolete route dropped", "<@relay1.example,@relay2.example:joe@x.example>", SG_OK, NULL, 1,
         {{NULL, "joe", "x.example", "x.example", "joe@x.example", NULL}}},
        {"route with a display name", "Joe <@relay.example:joe@x.example>", SG_OK, NULL, 1,
         {{"Joe", "joe", "x.example", "x.example", "joe@x.example", NULL}}},
        {"empty elements and a trailing comma", "a@x.example,,b@y.example,", SG_OK, NULL, 2,
         {{NULL, "a", "x.example", "x.example", "a@x.example", NULL},
          {NULL, "b", "y.example", "y.example", "b@y.example", NULL}}},
        {"folded header whitespace", "Bob\r\n <bob@example.net>,\r\n\tcarol@example.org", SG_OK, NULL, 2,
         {{"Bob", "bob", "example.net", "example.net", "bob@example.net", NULL},
          {NULL, "carol", "example.org", "example.org", "carol@example.org", NULL}}},
        {"empty text", "", SG_OK, NULL, 0, {{0}}},
        {"only whitespace and commas", " , \t,\r\n ", SG_OK, NULL, 0, {{0}}},
        {"domain literal kept", "joe@[192.0.2.1]", SG_OK, NULL, 1,
         {{NULL, "joe", "[192.0.2.1]", "[192.0.2.1]", "joe@[192.0.2.1]", NULL}}},
        {"IPv6 domain literal lower-cased", "joe@[IPv6:2001:DB8::1]", SG_OK, NULL, 1,
         {{NULL, "joe", "[ipv6:2001:db8::1]", "[ipv6:2001:db8::1]", "joe@[ipv6:2001:db8::1]", NULL}}},
        {"semicolon separates like a comma outside a group", "a@x.example; b@y.example", SG_OK, NULL, 2,
         {{NULL, "a", "x.example", "x.example", "a@x.example", NULL},
          {NULL, "b", "y.example", "y.example", "b@y.example", NULL}}},
        {"unquoted address used as the display name", "bob@x.example <bob@x.example>", SG_OK, NULL, 1,
         {{"bob@x.example", "bob", "x.example", "x.example", "bob@x.example", NULL}}},
        {"spaces around @ (obsolete syntax)", "bob @ example.net", SG_OK, NULL, 1,
         {{NULL, "bob", "example.net", "example.net", "bob@example.net", NULL}}},

        /* ---- errors: never drop text that is not an address */
        {"no @", "bob", SYN, "cannot parse address \"bob\": no \"@\"", 0, {{0}}},
        {"no @ after good addresses (rolled back)", "good@x.example, bob", SYN, "\"bob\"", 0, {{0}}},
        {"missing domain", "bob@", SYN, "missing domain", 0, {{0}}},
        {"missing local part", "@x.example", SYN, "missing local part", 0, {{0}}},
        {"two @", "a@b@c", SYN, "more than one \"@\"", 0, {{0}}},
        {"double @ is an empty domain label", "bob@@x", SYN, "cannot parse address \"bob@@x\": empty domain label", 0,
         {{0}}},
        {"offending element is quoted, not the whole list",
         "a@x.example, bob@@x, c@y.example", SYN, "address \"bob@@x\": empty domain label", 0,
         {{0}}},
        {"empty label inside the domain", "a@x..example", SYN, "empty domain label", 0, {{0}}},
        {"domain starts with a dot", "a@.x.example", SYN, "empty domain label", 0, {{0}}},
        {"local part starts with a dot", ".a@x.example", SYN, "starts with a dot", 0, {{0}}},
        {"local part ends with a dot", "a.@x.example", SYN, "ends with a dot", 0, {{0}}},
        {"two dots in the local part", "a..b@x.example", SYN, "two dots", 0, {{0}}},
        {"unterminated angle address", "<a@b.example", SYN, "missing \">\"", 0, {{0}}},
        {"name without address", "Name <Name>", SYN, "missing \"@\" in <...>", 0, {{0}}},
        {"quoted name with comma and bad address quoted whole",
         "\"Doe, John\" <bad>", SYN, "\"\"Doe, John\" <bad>\"", 0,
         {{0}}},
        {"empty angle address", "<>", SYN, "empty address", 0, {{0}}},
        {"unterminated quoted string", "\"unterminated <a@x.example>", SYN, "unterminated quoted string", 0, {{0}}},
        {"unterminated comment", "(unterminated a@x.example", SYN, "unterminated comment", 0, {{0}}},
        {"garbage after an address", "a@x.example garbage", SYN, "unexpected text after the address", 0, {{0}}},
        {"addresses without a comma", "a@x.example b@y.example", SYN, "unexpected text after the address", 0, {{0}}},
        {"stray >", "a@x.example>", SYN, "unexpected \">\" after the address", 0, {{0}}},
        {"words before a bare address", "John Doe bob@x.example", SYN, "unexpected space in the local part", 0, {{0}}},
        {"empty quoted local part", "\"\"@x.example", SYN, "empty local part", 0, {{0}}},
        {"group inside a group", "team: sub: b@x.example;;", SYN, "group cannot contain another group", 0, {{0}}},
        {"unterminated domain literal", "a@[192.0.2.1", SYN, "unterminated domain literal", 0, {{0}}},
        {"control character after an address", "a@x.example\x01", SYN, "byte 0x01", 0, {{0}}},
        {"underscore in a domain is not IDNA",
         "a@exa_mple.com", SG_ERR_IDNA, "cannot parse address \"a@exa_mple.com\": invalid domain \"exa_mple.com\"", 0,
         {{0}}},
        {"disallowed code point in a domain", "a@☃.net", SG_ERR_IDNA, "invalid domain \"☃.net\"", 0, {{0}}},
        {"broken punycode", "a@xn--zz.jp", SG_ERR_IDNA, "invalid domain \"xn--zz.jp\"", 0, {{0}}},
        {"label starting with a hyphen", "a@-x.example", SG_ERR_IDNA, "hyphen", 0, {{0}}},
        {"invalid UTF-8 in a local part", "caf\xc3@x.example", SG_ERR_UTF8, "\"caf\": invalid UTF-8 at byte 3", 0,
         {{0}}},
        {"invalid UTF-8 in a display name",
         "a@x.example, \"\xff\" <b@y.example>", SG_ERR_UTF8, "invalid UTF-8 at byte 14", 0,
         {{0}}},
        {"overlong UTF-8", "\xc0\xaf@x.example", SG_ERR_UTF8, "invalid UTF-8", 0, {{0}}}, 
        /* ---- limits: at the limit passes, one past fails */
        {"text at SG_ADDR_TEXT_MAX", text_at, SG_OK, NULL, 1,
         {{NULL, "a", "b.example", "b.example", "a@b.example", NULL}}},
        {"text one past SG_ADDR_TEXT_MAX", text_over, SG_ERR_LIMIT, "longer than 65536 bytes", 0, {{0}}},
        {"local part at SG_ADDR_LOCAL_MAX", local_at, SG_OK, NULL, 1,
         {{NULL, local64, "x.example", "x.example", addr_local64, NULL}}},
        {"local part one past SG_ADDR_LOCAL_MAX", local_over, SG_ERR_LIMIT, "local part longer than 64 octets", 0,
         {{0}}},
        {"quoted local part at the limit (decoded length)", qlocal_at, SG_OK, NULL, 1,
         {{NULL, qlocal64, "x.example", "x.example", addr_qlocal64, NULL}}},
        {"quoted local part one past the limit", qlocal_over, SG_ERR_LIMIT, "local part longer", 0, {{0}}},
        {"domain at SG_ADDR_DOMAIN_MAX", domain_at, SG_OK, NULL, 1,
         {{NULL, "a", domain253, domain253, addr_domain253, NULL}}},
        {"domain one past SG_ADDR_DOMAIN_MAX", domain_over, SG_ERR_LIMIT, "domain longer than 253 octets", 0, {{0}}},
        {"domain label one past 63 octets", label_over, SG_ERR_IDNA, "label longer than 63 octets", 0, {{0}}},
        {"display name at SG_ADDR_DISPLAY_MAX", display_at, SG_OK, NULL, 1,
         {{display1024, "a", "x.example", "x.example", "a@x.example", NULL}}},
        {"display name one past SG_ADDR_DISPLAY_MAX", display_over, SG_ERR_LIMIT, "name longer than 1024 bytes", 0,
         {{0}}},
        {"comments nested 32 deep", comments_at, SG_OK, NULL, 1,
         {{NULL, "a", "x.example", "x.example", "a@x.example", NULL}}},
        {"comments nested 33 deep", comments_over, SG_ERR_LIMIT, "nested deeper than 32", 0, {{0}}},
};
/* clang-format on */

static void fill(char *dst, char c, size_t n) {
        memset(dst, c, n);
        dst[n] = '\0';
}

static void make_limits(void) {
        strcpy(text_at, "a@b.example");
        fill(text_at + strlen(text_at), ' ', SG_ADDR_TEXT_MAX - strlen(text_at));
        strcpy(text_over, text_at);
        strcat(text_over, " ");

        fill(local64, 'l', SG_ADDR_LOCAL_MAX);
        sprintf(local_at, "%s@x.example", local64);
        sprintf(local_over, "l%s@x.example", local64);
        strcpy(addr_local64, local_at);

        /* 64 octets once the quotes come off: "a b" plus 61 more */
        char q[64];
        fill(q, 'q', SG_ADDR_LOCAL_MAX - 3);
        sprintf(qlocal64, "\"a b%s\"", q);
        sprintf(qlocal_at, "%s@x.example", qlocal64);
        sprintf(qlocal_over, "\"a bq%s\"@x.example", q);
        strcpy(addr_qlocal64, qlocal_at);

        char l63[64], l61[62], l62[63];
        fill(l63, 'b', 63);
        fill(l61, 'd', 61);
        fill(l62, 'd', 62);
        sprintf(domain253, "%s.%s.%s.%s", l63, l63, l63, l61);
        sprintf(domain_at, "a@%s", domain253);
        sprintf(domain_over, "a@%s.%s.%s.%s", l63, l63, l63, l62);
        strcpy(addr_domain253, domain_at);
        sprintf(label_over, "a@b%s.example", l63);

        fill(display1024, 'n', SG_ADDR_DISPLAY_MAX);
        sprintf(display_at, "\"%s\" <a@x.example>", display1024);
        sprintf(display_over, "\"n%s\" <a@x.example>", display1024);

        comments_at[0] = comments_over[0] = '\0';
        for (int i = 0; i < 33; i++) {
                if (i < 32)
                        strcat(comments_at, "(");
                strcat(comments_over, "(");
        }
        for (int i = 0; i < 33; i++) {
                if (i < 32)
                        strcat(comments_at, ")");
                strcat(comments_over, ")");
        }
        strcat(comments_at, "a@x.example");
        strcat(comments_over, "a@x.example");
}

static void check_row(const row *r) {
        sg_mailbox_list list = {0};
        sg_error err = {0};
        /* One mailbox already in the list: parsing appends, and an error must leave it alone. */
        sg_err e = sg_addr_parse_list("pre@existing.example", 10, &list, &err);
        if (!SG_CHECK(e == SG_OK && list.n == 1, "%s: setup", r->desc))
                return;
        e = sg_addr_parse_list(r->input, 1000, &list, &err);
        if (!SG_CHECK(e == r->err, "%s: returns %s", r->desc, sg_err_code(r->err)))
                sg_test_diag("  got %s: %s", sg_err_code(e), e ? err.message : "");
        if (r->err != SG_OK) {
                SG_CHECK(list.n == 1 && strcmp(list.items[0].address, "pre@existing.example") == 0,
                         "%s: nothing appended", r->desc);
                if (!SG_CHECK(e != SG_OK && r->msg_has && strstr(err.message, r->msg_has), "%s: message has '%s'",
                              r->desc, r->msg_has ? r->msg_has : ""))
                        sg_test_diag("  message: %s", err.message);
                SG_CHECK(strchr(err.message, '\n') == NULL && sg_utf8_valid(err.message, strlen(err.message)),
                         "%s: message is one valid UTF-8 line", r->desc);
        } else if (SG_CHECK(list.n == 1 + r->n, "%s: %zu mailbox(es) appended", r->desc, r->n)) {
                for (size_t i = 0; i < r->n; i++) {
                        const sg_mailbox *m = &list.items[1 + i];
                        const want_mb *w = &r->mb[i];
                        char d[256];
                        snprintf(d, sizeof d, "%s: [%zu] display_name", r->desc, i);
                        SG_CHECK_STR(m->display_name, w->display, d);
                        snprintf(d, sizeof d, "%s: [%zu] local", r->desc, i);
                        SG_CHECK_STR(m->local, w->local, d);
                        snprintf(d, sizeof d, "%s: [%zu] domain", r->desc, i);
                        SG_CHECK_STR(m->domain, w->domain, d);
                        snprintf(d, sizeof d, "%s: [%zu] domain_ascii", r->desc, i);
                        SG_CHECK_STR(m->domain_ascii, w->ascii, d);
                        snprintf(d, sizeof d, "%s: [%zu] address", r->desc, i);
                        SG_CHECK_STR(m->address, w->address, d);
                        snprintf(d, sizeof d, "%s: [%zu] group", r->desc, i);
                        SG_CHECK_STR(m->group, w->group, d);
                }
        }
        sg_mailbox_list_clear(&list);
}

typedef struct norm_row {
        const char *desc, *input, *want; /* want NULL: SG_ERR_IDNA */
} norm_row;

static const norm_row norm_rows[] = {
        {"case and one trailing dot", "Corp.EXAMPLE.", "corp.example"},
        {"Unicode to punycode", "例え.jp", "xn--r8jz45g.jp"},
        {"punycode unchanged", "xn--r8jz45g.jp", "xn--r8jz45g.jp"},
        {"full-width maps", "ＥＸＡＭＰＬＥ．ｃｏｍ", "example.com"},
        {"upper-case Unicode maps", "БАНК.РФ", "xn--80ab2al.xn--p1ai"},
        {"single label", "localhost", "localhost"},
        {"empty", "", NULL},
        {"only a dot", ".", NULL},
        {"two trailing dots", "corp.example..", NULL},
        {"empty label", "a..b", NULL},
        {"underscore", "exa_mple.com", NULL},
        {"A-label that is not canonical", "xn--abc.com", NULL},
        {"space", "corp example", NULL},
        {"domain literal is not a domain", "[192.0.2.1]", NULL},
};

static void check_normalize(void) {
        for (size_t i = 0; i < sizeof norm_rows / sizeof norm_rows[0]; i++) {
                const norm_row *r = &norm_rows[i];
                char sentinel[] = "untouched";
                char *got = sentinel;
                sg_error err = {0};
                sg_err e = sg_domain_normalize(r->input, &got, &err);
                if (r->want) {
                        if (SG_CHECK(e == SG_OK, "normalize %s: ok", r->desc))
                                SG_CHECK_STR(got, r->want, "normalize: result");
                        else
                                sg_test_diag("  %s", err.message);
                        if (got != sentinel)
                                free(got);
                } else {
                        SG_CHECK(e == SG_ERR_IDNA && got == sentinel, "normalize %s: SG_ERR_IDNA, result untouched",
                                 r->desc);
                        SG_CHECK(strstr(err.message, "invalid domain \"") != NULL, "normalize %s: message names it",
                                 r->desc);
                }
        }
}

/* The quote in a message is cut at 80 bytes, on a character boundary. */
static void check_quote_truncation(void) {
        char in[256], a80[81];
        sg_mailbox_list list = {0};
        sg_error err;
        fill(in, 'a', 100);
        strcat(in, " <bob@@x>");
        fill(a80, 'a', 80);
        SG_CHECK(sg_addr_parse_list(in, 10, &list, &err) == SG_ERR_ADDRESS_SYNTAX, "long bad address refused");
        char want[128];
        snprintf(want, sizeof want, "\"%s\": empty domain label", a80);
        SG_CHECK(strstr(err.message, want) != NULL, "quote cut to 80 bytes");

        in[0] = '\0';
        for (int i = 0; i < 30; i++)
                strcat(in, "あ");
        strcat(in, " <bob@@x>");
        SG_CHECK(sg_addr_parse_list(in, 10, &list, &err) == SG_ERR_ADDRESS_SYNTAX, "long Unicode address refused");
        SG_CHECK(sg_utf8_valid(err.message, strlen(err.message)), "cut quote is valid UTF-8");
        char w26[128] = "\"";
        for (int i = 0; i < 26; i++)
                strcat(w26, "あ");
        strcat(w26, "\":");
        SG_CHECK(strstr(err.message, w26) != NULL, "quote cut back to 78 bytes (26 characters)");
        SG_CHECK(list.n == 0, "nothing appended");
}

/* max_total counts what is already in the list. */
static void check_max_total(void) {
        sg_mailbox_list list = {0};
        sg_error err;
        const char *three = "a@x.example, b@y.example, c@z.example";
        sg_addr_parse_list("pre@existing.example", 10, &list, &err);
        SG_CHECK(sg_addr_parse_list(three, 4, &list, &err) == SG_OK && list.n == 4,
                 "list at max_total (one mailbox already there, three added)");
        SG_CHECK_STR(list.items[3].address, "c@z.example", "at max_total: last mailbox");
        sg_mailbox_list_clear(&list);
        sg_addr_parse_list("pre@existing.example", 10, &list, &err);
        SG_CHECK(sg_addr_parse_list(three, 3, &list, &err) == SG_ERR_LIMIT, "list one past max_total: SG_ERR_LIMIT");
        SG_CHECK(strstr(err.message, "more than 3 recipients") != NULL, "one past max_total: message says it (%s)",
                 err.message);
        SG_CHECK(list.n == 1, "one past max_total: nothing appended");
        sg_mailbox_list_clear(&list);
}

static void check_misc(void) {
        sg_mailbox_list list = {0};
        sg_error err;
        SG_CHECK(sg_addr_parse_list(NULL, 10, &list, &err) == SG_ERR_INVALID_ARGUMENT, "NULL text refused");
        SG_CHECK(sg_addr_parse_list("a@x.example", 10, NULL, &err) == SG_ERR_INVALID_ARGUMENT, "NULL list refused");
        SG_CHECK(sg_addr_parse_list("bob", 10, &list, NULL) == SG_ERR_ADDRESS_SYNTAX, "NULL error report accepted");

        /* Growth past the first allocation, then clear and reuse. */
        char many[4096] = "";
        for (int i = 0; i < 100; i++) {
                char one[32];
                snprintf(one, sizeof one, "u%d@x.example, ", i);
                strcat(many, one);
        }
        SG_CHECK(sg_addr_parse_list(many, 100, &list, &err) == SG_OK && list.n == 100, "100 mailboxes appended");
        SG_CHECK_STR(list.items[99].address, "u99@x.example", "last mailbox intact after growth");
        SG_CHECK(sg_addr_parse_list("one@x.example", 100, &list, &err) == SG_ERR_LIMIT && list.n == 100,
                 "the 101st is refused");
        sg_mailbox_list_clear(&list);
        SG_CHECK(list.n == 0 && list.items == NULL && list.cap == 0, "cleared list is empty");
        SG_CHECK(sg_addr_parse_list("a@x.example", 1, &list, &err) == SG_OK && list.n == 1, "cleared list reusable");
        sg_mailbox_list_clear(&list);
        sg_mailbox_list_clear(NULL);
        sg_mailbox_clear(NULL);

#ifdef _WIN32 /* core/platform/idna-win32.c */
        SG_CHECK(strncmp(sg_idna_backend(), "Windows IdnToAscii", 18) == 0, "IDNA backend named (%s)",
                 sg_idna_backend());
#else
        SG_CHECK(strncmp(sg_idna_backend(), "libidn2 ", 8) == 0, "IDNA backend named (%s)", sg_idna_backend());
#endif
}

/* The backend keeps the last few Unicode domains it converted: 40
 * distinct ones (more than it keeps) give the same answer on the second
 * round as on the first, and no two the same. */
static void check_idn_repeat(void) {
        char *first[40] = {0};
        size_t same = 0, distinct = 0;
        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < 40; i++) {
                        char dom[64];
                        snprintf(dom, sizeof dom, "b\u00fccher%zu.\u00e9xample", i);
                        char *got = NULL;
                        sg_error err = {0};
                        if (sg_domain_normalize(dom, &got, &err) != SG_OK)
                                continue;
                        if (round == 0) {
                                first[i] = got;
                                distinct += i == 0 || strcmp(got, first[i - 1]) != 0;
                        } else {
                                same += first[i] && strcmp(first[i], got) == 0;
                                free(got);
                        }
                }
        SG_CHECK(same == 40 && distinct == 40,
                 "40 Unicode domains converted twice: the same A-labels (%zu), all distinct (%zu)", same, distinct);
        SG_CHECK(first[3] && strcmp(first[3], "xn--bcher3-3ya.xn--xample-9ua") == 0, "b\u00fccher3.\u00e9xample: %s",
                 first[3] ? first[3] : "(failed)");
        for (size_t i = 0; i < 40; i++)
                free(first[i]);
}

int main(void) {
        make_limits();
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
                check_row(&rows[i]);
        sg_test_diag("%zu address rows", sizeof rows / sizeof rows[0]);
        check_normalize();
        check_normalize(); /* once more: the Unicode rows now come from the backend's cache */
        check_idn_repeat();
        check_quote_truncation();
        check_max_total();
        check_misc();
        return sg_test_done();
}
