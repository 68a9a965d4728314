/* sealgate CLI: .eml files into the policy engine's message summary (GMime):
 * recipients, subject, body text as UTF-8, attachments, headers. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "eml.h"
#include "sealgate/addr.h"
#include "sealgate/jis.h"

#define QUOTE_MAX        80 /* bytes of untrusted text quoted in an error message */
#define REPLACEMENT      "\xEF\xBF\xBD"
#define ENCODED_WORD_MAX 1024 /* bytes of one encoded word we will look across */

struct sg_eml {
        sg_message msg;
        char *from;
        char *subject;
        GPtrArray *to, *cc, *bcc; /* char *, one mailbox each */
        GString *body;
        GArray *attachments; /* sg_attachment; name, alt_name and content_type g_malloc'd */
        GArray *texts;       /* sg_text_part; name and text g_malloc'd */
        GArray *headers;     /* sg_header; name and value g_malloc'd */
};

/* What the parser told us while it ran; the serious cases lose content. */
typedef struct parse_warnings {
        bool no_boundary;
        bool nesting_overflow;
        char item[QUOTE_MAX + 1];
} parse_warnings;

typedef struct walker {
        sg_eml *eml;
        size_t parts;
} walker;

void sg_eml_library_init(void) {
        g_mime_init();
}

void sg_eml_library_shutdown(void) {
        g_mime_shutdown();
}

/* Copy at most QUOTE_MAX bytes of `s[0..n)` as valid UTF-8 without control
 * characters, for quoting in an error message. Owned. */
static char *quote_text(const char *s, size_t n) {
        if (n > QUOTE_MAX) {
                n = QUOTE_MAX;
                while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
                        n--;
        }
        char *v = g_utf8_make_valid(s, (gssize) n);
        for (char *p = v; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7F)
                        *p = ' ';
        return v;
}

/* A valid UTF-8 copy (invalid bytes become U+FFFD). */
static char *utf8_dup(const char *s) {
        return g_utf8_make_valid(s ? s : "", -1);
}

/* ---- Address headers.
 * GMime's address parser is lenient: it silently drops what it cannot parse
 * ("a@x, foo bar", "a@x; b@y", "bob@@y", "<>"). A dropped recipient would
 * escape the policy, so the raw value is first split at its top-level
 * separators and every element must yield exactly as many mailboxes as it
 * has top-level '@' signs, each with a local part and a domain. */

static size_t skip_quoted(const char *s, size_t i, size_t n) {
        for (i++; i < n; i++) {
                if (s[i] == '\\' && i + 1 < n)
                        i++;
                else if (s[i] == '"')
                        return i + 1;
        }
        return n;
}

static size_t skip_comment(const char *s, size_t i, size_t n) {
        unsigned level = 0;
        for (; i < n; i++) {
                if (s[i] == '\\' && i + 1 < n)
                        i++;
                else if (s[i] == '(')
                        level++;
                else if (s[i] == ')' && --level == 0)
                        return i + 1;
        }
        return n;
}

/* If an RFC 2047 encoded word starts at s[i], return the index after it, else
 * i: a sloppy encoder may leave ',' or '"' inside one. The look-ahead is
 * bounded (RFC 2047 allows 75 bytes; writers exceed it) so that "=?=?=?..."
 * stays linear. */
static size_t skip_encoded_word(const char *s, size_t i, size_t n) {
        if (i + 1 >= n || s[i] != '=' || s[i + 1] != '?')
                return i;
        unsigned marks = 0;
        size_t end = n - i > ENCODED_WORD_MAX ? i + ENCODED_WORD_MAX : n;
        for (size_t j = i + 2; j < end; j++) {
                if (g_ascii_isspace(s[j]))
                        return i;
                if (s[j] != '?')
                        continue;
                marks++;
                if (marks >= 3 && j + 1 < n && s[j + 1] == '=')
                        return j + 2;
        }
        return i;
}

/* Top-level '@' signs in s[0..n): outside quoted strings, comments, encoded
 * words and obsolete source routes ("<@relay:bob@x>"). */
static size_t count_at(const char *s, size_t n) {
        size_t count = 0;
        bool angle = false;
        for (size_t i = 0; i < n;) {
                size_t e = skip_encoded_word(s, i, n);
                if (e != i && !angle) {
                        i = e;
                        continue;
                }
                char c = s[i];
                if (c == '"') {
                        i = skip_quoted(s, i, n);
                        continue;
                }
                if (c == '(') {
                        i = skip_comment(s, i, n);
                        continue;
                }
                if (c == '<') {
                        angle = true;
                        size_t j = i + 1;
                        while (j < n && (s[j] == ' ' || s[j] == '\t'))
                                j++;
                        if (j < n && s[j] == '@') {
                                while (j < n && s[j] != ':' && s[j] != '>')
                                        j++;
                                if (j < n && s[j] == ':')
                                        j++;
                        }
                        i = j;
                        continue;
                }
                if (c == '>')
                        angle = false;
                else if (c == '@')
                        count++;
                i++;
        }
        return count;
}

/* True if s[0..n) holds only white space and comments. */
static bool blank(const char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                if (s[i] == '(')
                        i = skip_comment(s, i, n);
                else if (g_ascii_isspace(s[i]))
                        i++;
                else
                        return false;
        }
        return true;
}

/* `"Display Name" <addr>` with the name always quoted (GMime's own
 * internet_address_to_string leaves a '"' inside a name unescaped), or the
 * bare address. Owned. */
static char *format_mailbox(InternetAddressMailbox *mb) {
        const char *name = internet_address_get_name(INTERNET_ADDRESS(mb));
        char *addr = utf8_dup(internet_address_mailbox_get_addr(mb));
        if (!name || !*name)
                return addr;
        char *vname = utf8_dup(name);
        GString *s = g_string_new("\"");
        for (const char *p = vname; *p; p++) {
                if (*p == '"' || *p == '\\')
                        g_string_append_c(s, '\\');
                g_string_append_c(s, (unsigned char) *p < 0x20 || *p == 0x7F ? ' ' : *p);
        }
        g_string_append_printf(s, "\" <%s>", addr);
        g_free(vname);
        g_free(addr);
        return g_string_free(s, FALSE);
}

static bool addr_complete(const char *addr) {
        const char *at = addr ? strrchr(addr, '@') : NULL;
        return at && at != addr && at[1] != '\0';
}

/* Append the mailboxes of `list` (groups flattened) to `out`; false if one
 * of them has no local part or no domain. */
static bool take_mailboxes(InternetAddressList *list, GPtrArray *out, size_t *count) {
        int n = internet_address_list_length(list);
        for (int i = 0; i < n; i++) {
                InternetAddress *a = internet_address_list_get_address(list, i);
                if (INTERNET_ADDRESS_IS_GROUP(a)) {
                        InternetAddressList *members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
                        if (members && !take_mailboxes(members, out, count))
                                return false;
                        continue;
                }
                if (!INTERNET_ADDRESS_IS_MAILBOX(a))
                        return false;
                InternetAddressMailbox *mb = INTERNET_ADDRESS_MAILBOX(a);
                if (!addr_complete(internet_address_mailbox_get_addr(mb)))
                        return false;
                g_ptr_array_add(out, format_mailbox(mb));
                (*count)++;
        }
        return true;
}

static sg_err address_error(const char *header, const char *value, const char *elem, size_t elem_len, const char *why,
                            sg_error *err) {
        while (elem_len > 0 && g_ascii_isspace(*elem)) {
                elem++;
                elem_len--;
        }
        while (elem_len > 0 && g_ascii_isspace(elem[elem_len - 1]))
                elem_len--;
        char *qe = quote_text(elem, elem_len);
        char *qv = quote_text(value, strlen(value));
        sg_err r = sg_error_set(err, SG_ERR_ADDRESS_SYNTAX, "%s \"%s\" in header %s: \"%s\"", why, qe, header, qv);
        g_free(qe);
        g_free(qv);
        return r;
}

/* Counting '@' signs is not enough: an unterminated comment or a broken
 * encoded word can make GMime return an address from inside the comment. The
 * engine's own parser (the host's) must find the same mailboxes, in order, in
 * the raw element; encoded words, which only a display name or a comment may
 * hold, stand in as a plain atom there. Where the two disagree about who the
 * recipients are, the answer is an error, never a decision. */
static bool same_mailboxes(const char *s, size_t n, GPtrArray *out, guint before) {
        GString *neutral = g_string_sized_new(n);
        for (size_t i = 0; i < n;) {
                size_t e = skip_encoded_word(s, i, n);
                if (e != i) {
                        g_string_append_c(neutral, 'x');
                        i = e;
                } else
                        g_string_append_c(neutral, s[i++]);
        }
        sg_mailbox_list raw = {0}, via = {0};
        sg_error e1, e2;
        bool same = sg_addr_parse_list(neutral->str, SG_MSG_RECIPIENTS_MAX, &raw, &e1) == SG_OK;
        for (guint k = before; same && k < out->len; k++)
                same = sg_addr_parse_list(g_ptr_array_index(out, k), SG_MSG_RECIPIENTS_MAX, &via, &e2) == SG_OK;
        same = same && raw.n == via.n;
        for (size_t k = 0; same && k < raw.n; k++)
                same = strcmp(raw.items[k].address, via.items[k].address) == 0;
        sg_mailbox_list_clear(&raw);
        sg_mailbox_list_clear(&via);
        g_string_free(neutral, TRUE);
        return same;
}

/* One element between top-level separators: a mailbox, or (rarely) several
 * with a missing comma, which GMime splits correctly. */
static sg_err parse_element(GMimeParserOptions *opts, const char *header, const char *value, const char *s, size_t n,
                            GPtrArray *out, sg_error *err) {
        if (blank(s, n)) /* only comments: the engine must agree there is no one (an unterminated comment) */
                return same_mailboxes(s, n, out, out->len)
                               ? SG_OK
                               : address_error(header, value, s, n, "cannot parse address", err);
        size_t want = count_at(s, n);
        char *text = g_strndup(s, n);
        InternetAddressList *list = internet_address_list_parse(opts, text);
        g_free(text);
        size_t got = 0;
        guint before = out->len;
        bool ok = list && take_mailboxes(list, out, &got) && got > 0 && got == want;
        if (list)
                g_object_unref(list);
        if (!ok) {
                g_ptr_array_remove_range(out, before, out->len - before);
                return address_error(header, value, s, n, "cannot parse address", err);
        }
        if (!same_mailboxes(s, n, out, before)) {
                g_ptr_array_remove_range(out, before, out->len - before);
                return address_error(header, value, s, n, "GMime and sealgate's parser read different recipients in",
                                     err);
        }
        /* the engine refuses more anyway; stop parsing a huge header early */
        if (out->len > SG_MSG_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d recipients in header %s", SG_MSG_RECIPIENTS_MAX,
                                    header);
        return SG_OK;
}

/* Parse one address header's raw value (folded) and append one string per
 * mailbox to `out`. Groups are walked; "undisclosed-recipients:;" adds
 * nothing. ';' outside a group separates like ',' (Outlook habit). */
static sg_err parse_address_header(GMimeParserOptions *opts, const char *header, const char *raw, GPtrArray *out,
                                   sg_error *err) {
        GString *unfolded = g_string_new(NULL);
        for (const char *p = raw; *p; p++)
                if (*p != '\r' && *p != '\n')
                        g_string_append_c(unfolded, *p);
        g_strstrip(unfolded->str);
        const char *s = unfolded->str;
        size_t n = strlen(s);
        guint before = out->len;
        sg_err r = SG_OK;
        bool group = false, angle = false;
        size_t start = 0;
        for (size_t i = 0; i <= n && r == SG_OK;) {
                if (i < n && !angle) {
                        size_t e = skip_encoded_word(s, i, n);
                        if (e != i) {
                                i = e;
                                continue;
                        }
                }
                char c = i < n ? s[i] : '\0';
                if (c == '"') {
                        i = skip_quoted(s, i, n);
                        continue;
                }
                if (c == '(') {
                        i = skip_comment(s, i, n);
                        continue;
                }
                if (c == '<')
                        angle = true;
                else if (c == '>')
                        angle = false;
                if (angle && c != '\0') {
                        i++;
                        continue;
                }
                if (c == ':') {
                        if (group)
                                r = address_error(header, s, s + start, i - start, "nested group at", err);
                        else if (count_at(s + start, i - start) > 0)
                                r = address_error(header, s, s + start, i - start, "cannot parse group name", err);
                        group = true;
                        start = i + 1;
                } else if (c == ',' || c == ';' || c == '\0') {
                        r = parse_element(opts, header, s, s + start, i - start, out, err);
                        if (c == ';')
                                group = false;
                        start = i + 1;
                }
                i++;
        }
        if (r != SG_OK)
                g_ptr_array_remove_range(out, before, out->len - before);
        g_string_free(unfolded, TRUE);
        return r;
}

/* ---- Body text to UTF-8. */

/* iconv `in` from `from` to UTF-8. Strict: NULL on any invalid or truncated
 * sequence. Lossy: each bad byte becomes U+FFFD. NULL if `from` is unknown. */
static GString *convert(const char *in, size_t len, const char *from, bool lossy) {
        GIConv cd = g_iconv_open("UTF-8", from);
        if (cd == (GIConv) -1)
                return NULL;
        GString *out = g_string_sized_new(len + 16);
        gchar *ip = (gchar *) in;
        gsize il = len;
        char buf[4096];
        while (il > 0) {
                gchar *op = buf;
                gsize ol = sizeof buf;
                gsize r = g_iconv(cd, &ip, &il, &op, &ol);
                int e = errno;
                g_string_append_len(out, buf, op - buf);
                if (r != (gsize) -1 || e == E2BIG)
                        continue;
                if (!lossy) {
                        g_string_free(out, TRUE);
                        g_iconv_close(cd);
                        return NULL;
                }
                g_string_append(out, REPLACEMENT);
                if (e == EINVAL) {
                        il = 0;
                } else {
                        ip++;
                        il--;
                }
        }
        gchar *op = buf;
        gsize ol = sizeof buf;
        g_iconv(cd, NULL, NULL, &op, &ol);
        g_string_append_len(out, buf, op - buf);
        g_iconv_close(cd);
        return out;
}

static bool charset_is(const char *cs, const char *const *names) {
        for (; *names; names++)
                if (g_ascii_strcasecmp(cs, *names) == 0)
                        return true;
        return false;
}

static const char *const sjis_names[] = {"shift_jis",  "shift-jis",   "sjis",  "x-sjis", "ms_kanji",
                                         "csshiftjis", "windows-31j", "cp932", "ms932",  NULL};
static const char *const jis_names[] = {"iso-2022-jp",   "csiso2022jp",   "iso-2022-jp-1",
                                        "iso-2022-jp-2", "iso-2022-jp-3", NULL};
static const char *const eucjp_names[] = {"euc-jp", "eucjp", "x-euc-jp", "cseucpkdfmtjapanese", NULL};
static const char *const utf8_names[] = {"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", NULL};

/* ISO-2022-JP as Japanese mailers write it (the NEC and IBM extension rows
 * Windows uses, which iconv's strict ISO-2022-JP refuses), through CP932
 * (sealgate/jis.h). NULL if it uses a designation the decoder does not know. */
static GString *from_jis(const char *s, size_t n) {
        char *sj = g_malloc(n ? n : 1);
        size_t len = 0;
        GString *r = NULL;
        if (sg_jis_to_sjis((const unsigned char *) s, n, sj, &len))
                r = convert(sj, len, "CP932", false);
        g_free(sj);
        return r;
}

/* Decode text in its declared charset to UTF-8. Mislabelled text is common,
 * so it tries the usual suspects, and as a last resort keeps what decodes
 * (U+FFFD for the rest) rather than losing the part. */
static GString *text_to_utf8(const char *s, size_t n, const char *charset) {
        if (!s || n == 0) /* an empty part: GByteArray keeps no buffer */
                return g_string_new(NULL);
        const char *cands[4] = {NULL};
        size_t nc = 0;
        GString *r = NULL;
        bool undeclared = !charset || charset_is(charset, utf8_names);
        if ((charset && charset_is(charset, jis_names)) ||
            (undeclared && sg_jis_has_escape((const unsigned char *) s, n))) {
                if ((r = from_jis(s, n)))
                        return r;
                cands[nc++] = "ISO-2022-JP-2";
                cands[nc++] = "ISO-2022-JP-3";
        } else if (charset && charset_is(charset, sjis_names)) {
                cands[nc++] = "CP932";
                cands[nc++] = "SHIFT_JIS";
        } else if (charset && charset_is(charset, eucjp_names)) {
                cands[nc++] = "EUC-JP-MS";
                cands[nc++] = "EUC-JP";
        } else if (!undeclared) {
                cands[nc++] = g_mime_charset_iconv_name(charset);
        }
        if (nc == 0 || undeclared) {
                if (g_utf8_validate(s, (gssize) n, NULL))
                        return g_string_new_len(s, (gssize) n);
                if (nc == 0) {
                        cands[nc++] = "CP932";
                        cands[nc++] = "WINDOWS-1252";
                }
        }
        for (size_t i = 0; i < nc; i++)
                if ((r = convert(s, n, cands[i], false)))
                        return r;
        for (size_t i = 0; i < nc; i++)
                if ((r = convert(s, n, cands[i], true)))
                        return r;
        char *v = g_utf8_make_valid(s, (gssize) n);
        r = g_string_new(v);
        g_free(v);
        return r;
}

/* Decoded (transfer encoding undone) content of a leaf part. */
static GByteArray *part_bytes(GMimePart *part) {
        GMimeDataWrapper *dw = g_mime_part_get_content(part);
        GMimeStream *mem = g_mime_stream_mem_new();
        if (dw)
                g_mime_data_wrapper_write_to_stream(dw, mem);
        GByteArray *arr = g_byte_array_new();
        GByteArray *src = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
        g_byte_array_append(arr, src->data, src->len);
        g_object_unref(mem);
        return arr;
}

static void append_utf8_char(GString *out, gunichar c) {
        if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                g_string_append(out, REPLACEMENT);
        else
                g_string_append_unichar(out, c);
}

static bool at_tag(const char *s, size_t i, size_t n, const char *name) {
        size_t l = strlen(name);
        return i + l <= n && g_ascii_strncasecmp(s + i, name, l) == 0 && (i + l == n || !g_ascii_isalnum(s[i + l]));
}

/* Crude HTML to text, for messages with no text/plain: drop tags, comments,
 * scripts and styles; line breaks for block ends; decode the entities that
 * matter for detection (&nbsp; becomes a plain space, so a card number split
 * by it is still found). */
static void html_to_text(const char *s, size_t n, GString *out) {
        static const char *const breaks[] = {"br", "p",  "div", "tr",    "li",         "h1",  "h2", "h3",
                                             "h4", "h5", "h6",  "table", "blockquote", "pre", "hr", NULL};
        for (size_t i = 0; i < n;) {
                if (s[i] == '<') {
                        if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
                                const char *e = g_strstr_len(s + i + 4, (gssize) (n - i - 4), "-->");
                                i = e ? (size_t) (e - s) + 3 : n;
                                continue;
                        }
                        size_t j = i + 1;
                        bool closing = j < n && s[j] == '/';
                        if (closing)
                                j++;
                        const char *skip_to = NULL;
                        if (!closing && at_tag(s, j, n, "script"))
                                skip_to = "</script";
                        else if (!closing && at_tag(s, j, n, "style"))
                                skip_to = "</style";
                        for (const char *const *b = breaks; *b; b++)
                                if (at_tag(s, j, n, *b)) {
                                        g_string_append_c(out, '\n');
                                        break;
                                }
                        if (at_tag(s, j, n, "td") || at_tag(s, j, n, "th"))
                                g_string_append_c(out, '\t');
                        const char *gt = memchr(s + j, '>', n - j);
                        i = gt ? (size_t) (gt - s) + 1 : n;
                        if (skip_to) {
                                size_t l = strlen(skip_to);
                                while (i + l <= n && g_ascii_strncasecmp(s + i, skip_to, l) != 0)
                                        i++;
                                gt = i < n ? memchr(s + i, '>', n - i) : NULL;
                                i = gt ? (size_t) (gt - s) + 1 : n;
                        }
                        continue;
                }
                if (s[i] == '&') {
                        static const struct {
                                const char *name;
                                const char *text;
                        } ents[] = {{"&amp;", "&"},   {"&lt;", "<"},   {"&gt;", ">"},
                                    {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", " "}};
                        bool done = false;
                        for (size_t k = 0; k < G_N_ELEMENTS(ents) && !done; k++) {
                                size_t l = strlen(ents[k].name);
                                if (i + l <= n && g_ascii_strncasecmp(s + i, ents[k].name, l) == 0) {
                                        g_string_append(out, ents[k].text);
                                        i += l;
                                        done = true;
                                }
                        }
                        if (!done && i + 2 < n && s[i + 1] == '#') {
                                size_t j = i + 2;
                                bool hex = s[j] == 'x' || s[j] == 'X';
                                if (hex)
                                        j++;
                                guint64 v = 0;
                                size_t digits = 0;
                                while (j < n && (hex ? g_ascii_isxdigit(s[j]) : g_ascii_isdigit(s[j])) && digits < 8) {
                                        v = v * (hex ? 16 : 10) +
                                            (guint64) (hex ? g_ascii_xdigit_value(s[j]) : g_ascii_digit_value(s[j]));
                                        j++;
                                        digits++;
                                }
                                if (digits > 0) {
                                        append_utf8_char(out, v == 0xA0 ? ' ' : (gunichar) v);
                                        i = j < n && s[j] == ';' ? j + 1 : j;
                                        done = true;
                                }
                        }
                        if (!done)
                                g_string_append_c(out, s[i++]);
                        continue;
                }
                g_string_append_c(out, s[i++]);
        }
}

/* ---- The MIME tree. */

static void add_attachment(sg_eml *eml, const char *name, const char *alt_name, const char *content_type,
                           guint64 size) {
        sg_attachment a = {
                .name = utf8_dup(name),
                .size = size,
                .content_type = content_type ? g_ascii_strdown(content_type, -1) : NULL,
                .alt_name = alt_name ? utf8_dup(alt_name) : NULL,
        };
        g_array_append_val(eml->attachments, a);
}

/* A text part the content triggers read besides the body (sg_text_part);
 * takes `text`. */
static void add_text(sg_eml *eml, sg_text_kind kind, const char *name, GString *text) {
        sg_text_part t = {.kind = kind, .name = name ? utf8_dup(name) : NULL, .len = text->len};
        t.text = g_string_free(text, FALSE);
        g_array_append_val(eml->texts, t);
}

/* Another name the part carries: Content-Type's name= when it differs from
 * the disposition's filename=, or a second, different filename=. NULL if
 * none. Borrowed from the part. */
static const char *other_name(GMimeObject *obj, const char *name) {
        GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
        GMimeParamList *pl = cd ? g_mime_content_disposition_get_parameters(cd) : NULL;
        for (int i = 0; pl && i < g_mime_param_list_length(pl); i++) {
                GMimeParam *prm = g_mime_param_list_get_parameter_at(pl, i);
                const char *v = g_mime_param_get_value(prm);
                if (g_ascii_strcasecmp(g_mime_param_get_name(prm), "filename") == 0 && v && name && strcmp(v, name))
                        return v;
        }
        GMimeParamList *tl = g_mime_content_type_get_parameters(g_mime_object_get_content_type(obj));
        for (int i = 0; tl && i < g_mime_param_list_length(tl); i++) {
                GMimeParam *prm = g_mime_param_list_get_parameter_at(tl, i);
                const char *v = g_mime_param_get_value(prm);
                if (g_ascii_strcasecmp(g_mime_param_get_name(prm), "name") == 0 && v && name && strcmp(v, name))
                        return v;
        }
        return NULL;
}

/* Whether an attachment is text the content triggers read: text/ *, or a
 * .txt or .csv file whatever its declared type. */
static bool text_attachment(GMimeContentType *ct, const char *name) {
        if (g_mime_content_type_is_type(ct, "text", "*"))
                return true;
        size_t n = name ? strlen(name) : 0;
        return n > 4 &&
               (g_ascii_strcasecmp(name + n - 4, ".txt") == 0 || g_ascii_strcasecmp(name + n - 4, ".csv") == 0);
}

static guint64 null_stream_written(GMimeStream *ns) {
        return (guint64) GMIME_STREAM_NULL(ns)->written;
}

static bool is_attachment(GMimePart *part) {
        const char *disp = g_mime_object_get_disposition(GMIME_OBJECT(part));
        return (disp && g_ascii_strcasecmp(disp, GMIME_DISPOSITION_ATTACHMENT) == 0) || g_mime_part_get_filename(part);
}

/* The part's text as UTF-8 (HTML as text). Owned. */
static GString *part_text(GMimePart *part, bool html) {
        GMimeObject *obj = GMIME_OBJECT(part);
        GByteArray *raw = part_bytes(part);
        GString *text = text_to_utf8((const char *) raw->data, raw->len,
                                     g_mime_object_get_content_type_parameter(obj, "charset"));
        g_byte_array_unref(raw);
        if (!html)
                return text;
        GString *t = g_string_sized_new(text->len);
        html_to_text(text->str, text->len, t);
        g_string_free(text, TRUE);
        return t;
}

/* `want_body`: this text is the body (else another alternative of it);
 * `fwd`: inside an enclosed (forwarded) message. */
static void leaf_part(walker *w, GMimePart *part, bool want_body, bool collect, bool fwd) {
        GMimeObject *obj = GMIME_OBJECT(part);
        GMimeContentType *ct = g_mime_object_get_content_type(obj);
        const char *filename = g_mime_part_get_filename(part);
        bool attachment = is_attachment(part);
        bool plain = g_mime_content_type_is_type(ct, "text", "plain");
        bool html = g_mime_content_type_is_type(ct, "text", "html");
        if (!attachment && (plain || html)) {
                GString *text = part_text(part, html);
                if (!want_body) { /* another alternative: read too, it may say more */
                        add_text(w->eml, fwd ? SG_TEXT_FORWARDED_BODY : SG_TEXT_ALTERNATIVE, NULL, text);
                        return;
                }
                if (fwd) {
                        add_text(w->eml, SG_TEXT_FORWARDED_BODY, NULL, text);
                        return;
                }
                GString *body = w->eml->body;
                if (body->len > 0 && body->str[body->len - 1] != '\n')
                        g_string_append_c(body, '\n');
                g_string_append_len(body, text->str, (gssize) text->len);
                g_string_free(text, TRUE);
                return;
        }
        if (!collect)
                return;
        if (text_attachment(ct, filename))
                add_text(w->eml, SG_TEXT_ATTACHMENT, filename, part_text(part, html));
        /* Anything else that is sent is an attachment, named or not: an
         * inline image or an unnamed application/pdf leaves the organisation
         * just the same. */
        GMimeStream *ns = g_mime_stream_null_new();
        GMimeDataWrapper *dw = g_mime_part_get_content(part);
        if (dw)
                g_mime_data_wrapper_write_to_stream(dw, ns);
        char *type = g_mime_content_type_get_mime_type(ct);
        add_attachment(w->eml, filename, other_name(obj, filename), type, null_stream_written(ns));
        g_free(type);
        g_object_unref(ns);
}

/* In multipart/alternative only one child is the body: the text/plain one
 * if there is one, else the last (the richest, RFC 2046). */
static int chosen_alternative(GMimeMultipart *mp) {
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++) {
                GMimeObject *c = g_mime_multipart_get_part(mp, i);
                if (GMIME_IS_PART(c) && !is_attachment(GMIME_PART(c)) &&
                    g_mime_content_type_is_type(g_mime_object_get_content_type(c), "text", "plain"))
                        return i;
        }
        return n - 1;
}

static sg_err walk(walker *w, GMimeObject *obj, unsigned depth, bool want_body, bool collect, bool fwd, sg_error *err) {
        if (depth > SG_EML_DEPTH_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "MIME parts nested deeper than %d levels", SG_EML_DEPTH_MAX);
        if (++w->parts > SG_EML_PARTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d MIME parts", SG_EML_PARTS_MAX);
        if (GMIME_IS_MULTIPART(obj)) {
                GMimeMultipart *mp = GMIME_MULTIPART(obj);
                int n = g_mime_multipart_get_count(mp);
                /* GMime that cannot find a multipart's delimiters (a boundary
                 * past its line buffer, some 4,000 bytes) keeps the whole
                 * content as the prologue: the body and every attachment
                 * would vanish without a word. */
                const char *pro = g_mime_multipart_get_prologue(mp);
                if (n == 0 && pro && pro[strspn(pro, " \t\r\n")]) {
                        const char *b = g_mime_multipart_get_boundary(mp);
                        return sg_error_set(err, SG_ERR_MIME,
                                            "a multipart whose parts cannot be found (its boundary is %zu bytes; "
                                            "RFC 2046 allows 70): its content would be ignored",
                                            b ? strlen(b) : 0);
                }
                int chosen =
                        g_mime_content_type_is_type(g_mime_object_get_content_type(obj), "multipart", "alternative")
                                ? chosen_alternative(mp)
                                : -1;
                for (int i = 0; i < n; i++) {
                        sg_err r = walk(w, g_mime_multipart_get_part(mp, i), depth + 1,
                                        want_body && (chosen < 0 || chosen == i), collect, fwd, err);
                        if (r != SG_OK)
                                return r;
                }
                return SG_OK;
        }
        if (GMIME_IS_MESSAGE_PART(obj)) {
                /* An enclosed (forwarded) message is one attachment, and its
                 * subject, body and attachments are read like our own (its
                 * recipients are not ours); its parts count towards the
                 * limits. */
                GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
                if (collect) {
                        GMimeStream *ns = g_mime_stream_null_new();
                        if (inner)
                                g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, ns);
                        const char *name = g_mime_object_get_content_disposition_parameter(obj, "filename");
                        if (!name)
                                name = g_mime_object_get_content_type_parameter(obj, "name");
                        char *type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(obj));
                        add_attachment(w->eml, name, NULL, type, null_stream_written(ns));
                        g_free(type);
                        g_object_unref(ns);
                }
                if (inner && collect) {
                        const char *subject = g_mime_message_get_subject(inner);
                        if (subject) {
                                GString *s = g_string_new(NULL);
                                char *v = utf8_dup(subject);
                                g_string_append(s, v);
                                g_free(v);
                                add_text(w->eml, SG_TEXT_FORWARDED_SUBJECT, NULL, s);
                        }
                }
                if (inner && inner->mime_part)
                        return walk(w, inner->mime_part, depth + 1, true, collect, true, err);
                return SG_OK;
        }
        if (GMIME_IS_PART(obj))
                leaf_part(w, GMIME_PART(obj), want_body, collect, fwd);
        return SG_OK;
}

/* ---- Bounding GMime's work.
 * GMime builds every part and header in memory before we can count them (a
 * 9 MB file of empty parts took 1.2 GB and 15 s), so the raw bytes are
 * counted first: delimiter lines of declared boundaries (a multipart of k
 * parts has k + 1, so 1000 parts never need more than 2000) and lines in
 * header blocks. Both are upper bounds of what the parser will build. */

static void collect_boundaries(const char *d, size_t n, GHashTable *set) {
        for (size_t i = 0; i + 8 < n; i++) {
                if ((d[i] | 0x20) != 'b' || g_ascii_strncasecmp(d + i, "boundary", 8) != 0)
                        continue;
                size_t j = i + 8;
                while (j < n && (d[j] == ' ' || d[j] == '\t'))
                        j++;
                if (j >= n || d[j] != '=')
                        continue;
                j++;
                while (j < n && (d[j] == ' ' || d[j] == '\t'))
                        j++;
                GString *b = g_string_new(NULL);
                if (j < n && d[j] == '"') {
                        for (j++; j < n && d[j] != '"' && d[j] != '\r' && d[j] != '\n' && b->len <= 1000; j++) {
                                if (d[j] == '\\' && j + 1 < n)
                                        j++;
                                g_string_append_c(b, d[j]);
                        }
                } else {
                        for (; j < n && !strchr(";\r\n \t", d[j]) && b->len <= 1000; j++)
                                g_string_append_c(b, d[j]);
                }
                if (b->len > 0 && b->len <= 1000)
                        g_hash_table_add(set, g_string_free(b, FALSE));
                else
                        g_string_free(b, TRUE);
                i = j - 1;
        }
}

static bool starts_with_ci(const char *s, size_t n, const char *prefix) {
        size_t l = strlen(prefix);
        return n >= l && g_ascii_strncasecmp(s, prefix, l) == 0;
}

static bool contains_ci(const char *s, size_t n, const char *needle) {
        size_t l = strlen(needle);
        for (size_t i = 0; i + l <= n; i++)
                if (g_ascii_strncasecmp(s + i, needle, l) == 0)
                        return true;
        return false;
}

static sg_err prescan(const char *d, size_t n, sg_error *err) {
        GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        collect_boundaries(d, n, set);
        size_t delimiters = 0, header_lines = 0;
        bool in_header = true, next_message = false, base64 = false;
        sg_err r = SG_OK;
        if (g_hash_table_size(set) > 2 * SG_EML_PARTS_MAX)
                r = sg_error_set(err, SG_ERR_LIMIT, "more than %d MIME parts", SG_EML_PARTS_MAX);
        for (size_t i = 0; i < n && r == SG_OK;) {
                const char *nl = memchr(d + i, '\n', n - i);
                size_t end = nl ? (size_t) (nl - d) : n;
                const char *line = d + i;
                size_t len = end - i;
                if (len > 0 && line[len - 1] == '\r')
                        len--;
                i = end + 1;
                if (len > 2 && line[0] == '-' && line[1] == '-') {
                        size_t l = len;
                        while (l > 2 && (line[l - 1] == ' ' || line[l - 1] == '\t'))
                                l--;
                        char *b = g_strndup(line + 2, l - 2);
                        bool hit = g_hash_table_contains(set, b);
                        if (!hit && l > 4 && line[l - 1] == '-' && line[l - 2] == '-') {
                                b[l - 4] = '\0';
                                hit = g_hash_table_contains(set, b);
                        }
                        g_free(b);
                        if (hit) {
                                if (++delimiters > 2 * SG_EML_PARTS_MAX)
                                        r = sg_error_set(err, SG_ERR_LIMIT, "more than %d MIME parts",
                                                         SG_EML_PARTS_MAX);
                                in_header = true;
                                next_message = base64 = false;
                                continue;
                        }
                }
                if (!in_header)
                        continue;
                /* GMime's header values are C strings: a NUL would silently
                 * drop the rest of the line (the recipients after it). */
                if (memchr(line, '\0', len)) {
                        r = sg_error_set(err, SG_ERR_MIME, "a NUL byte in a header line (\"%.40s\")", line);
                        break;
                }
                if (len == 0) {
                        /* an enclosed message's body is another header block */
                        in_header = next_message && !base64;
                        next_message = base64 = false;
                        continue;
                }
                if (++header_lines > SG_EML_HEADER_LINES_MAX)
                        r = sg_error_set(err, SG_ERR_LIMIT, "more than %d header lines", SG_EML_HEADER_LINES_MAX);
                if (starts_with_ci(line, len, "content-type:") &&
                    (contains_ci(line, len, "message/rfc822") || contains_ci(line, len, "message/global")))
                        next_message = true;
                else if (starts_with_ci(line, len, "content-transfer-encoding:") && contains_ci(line, len, "base64"))
                        base64 = true;
        }
        g_hash_table_unref(set);
        return r;
}

/* ---- Putting it together. */

static void parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer user_data) {
        parse_warnings *pw = user_data;
        if (code == GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY && !pw->no_boundary) {
                pw->no_boundary = true;
                char *q = quote_text(item ? item : "", item ? strlen(item) : 0);
                g_strlcpy(pw->item, q, sizeof pw->item);
                g_free(q);
        } else if (code == GMIME_CRIT_NESTING_OVERFLOW) {
                pw->nesting_overflow = true;
        }
}

static sg_eml *eml_new(void) {
        sg_eml *e = g_new0(sg_eml, 1);
        e->to = g_ptr_array_new_with_free_func(g_free);
        e->cc = g_ptr_array_new_with_free_func(g_free);
        e->bcc = g_ptr_array_new_with_free_func(g_free);
        e->body = g_string_new(NULL);
        e->attachments = g_array_new(FALSE, TRUE, sizeof(sg_attachment));
        e->texts = g_array_new(FALSE, TRUE, sizeof(sg_text_part));
        e->headers = g_array_new(FALSE, TRUE, sizeof(sg_header));
        return e;
}

sg_eml *sg_eml_free(sg_eml *e) {
        if (!e)
                return NULL;
        g_free(e->from);
        g_free(e->subject);
        g_ptr_array_unref(e->to);
        g_ptr_array_unref(e->cc);
        g_ptr_array_unref(e->bcc);
        g_string_free(e->body, TRUE);
        for (guint i = 0; i < e->attachments->len; i++) {
                sg_attachment *a = &g_array_index(e->attachments, sg_attachment, i);
                g_free((char *) a->name);
                g_free((char *) a->alt_name);
                g_free((char *) a->content_type);
        }
        g_array_unref(e->attachments);
        for (guint i = 0; i < e->texts->len; i++) {
                sg_text_part *t = &g_array_index(e->texts, sg_text_part, i);
                g_free((char *) t->name);
                g_free((char *) t->text);
        }
        g_array_unref(e->texts);
        for (guint i = 0; i < e->headers->len; i++) {
                sg_header *h = &g_array_index(e->headers, sg_header, i);
                g_free(h->name);
                g_free(h->value);
        }
        g_array_unref(e->headers);
        g_free(e);
        return NULL;
}

const sg_message *sg_eml_message(const sg_eml *eml) {
        return &eml->msg;
}

/* A header value for header triggers, valid UTF-8. One longer than the
 * engine takes (a To with hundreds of recipients, a long References) is cut
 * at a character boundary rather than failing the message: the recipients
 * are evaluated from their own lists, and a trigger still sees the header. */
static char *header_value(const char *v) {
        char *r = utf8_dup(v);
        size_t n = strlen(r);
        if (n > SG_MSG_HEADER_VALUE_MAX) {
                n = SG_MSG_HEADER_VALUE_MAX;
                while (n > 0 && ((unsigned char) r[n] & 0xC0) == 0x80)
                        n--;
                r[n] = '\0';
        }
        return r;
}

static sg_err read_headers(GMimeParserOptions *opts, GMimeMessage *m, sg_eml *e, sg_error *err) {
        GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
        int n = g_mime_header_list_get_count(hl);
        GPtrArray *from = g_ptr_array_new_with_free_func(g_free);
        sg_err r = SG_OK;
        for (int i = 0; i < n && r == SG_OK; i++) {
                GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
                const char *name = g_mime_header_get_name(h);
                const char *raw = g_mime_header_get_raw_value(h);
                GPtrArray *dest = NULL;
                if (g_ascii_strcasecmp(name, "From") == 0)
                        dest = from;
                else if (g_ascii_strcasecmp(name, "To") == 0)
                        dest = e->to;
                else if (g_ascii_strcasecmp(name, "Cc") == 0)
                        dest = e->cc;
                else if (g_ascii_strcasecmp(name, "Bcc") == 0)
                        dest = e->bcc;
                if (dest)
                        r = parse_address_header(opts, name, raw ? raw : "", dest, err);
                sg_header sh = {.name = utf8_dup(name), .value = header_value(g_mime_header_get_value(h))};
                g_array_append_val(e->headers, sh);
        }
        if (r == SG_OK && from->len > 0) {
                g_ptr_array_add(from, NULL);
                e->from = g_strjoinv(", ", (char **) from->pdata);
        }
        g_ptr_array_unref(from);
        return r;
}

static sg_err parse_stream(GMimeStream *stream, sg_eml **ret, sg_error *err) {
        static const char *fallback[] = {"utf-8", "cp932", "iso-8859-1", NULL};
        parse_warnings pw = {0};
        GMimeParserOptions *opts = g_mime_parser_options_new();
        g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_address_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_fallback_charsets(opts, fallback);
        g_mime_parser_options_set_warning_callback(opts, parser_warning, &pw);

        GMimeParser *parser = g_mime_parser_new_with_stream(stream);
        g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
        GMimeMessage *m = g_mime_parser_construct_message(parser, opts);
        g_object_unref(parser);

        sg_eml *e = NULL;
        sg_err r;
        if (!m) {
                r = sg_error_set(err, SG_ERR_MIME, "not a mail message: no header block found");
                goto out;
        }
        if (pw.no_boundary) {
                /* GMime keeps such a multipart empty: its content would vanish */
                r = sg_error_set(err, SG_ERR_MIME, "multipart/%s without a boundary parameter", pw.item);
                goto out;
        }
        if (pw.nesting_overflow) {
                r = sg_error_set(err, SG_ERR_LIMIT, "MIME parts nested deeper than %d levels", SG_EML_DEPTH_MAX);
                goto out;
        }
        e = eml_new();
        r = read_headers(opts, m, e, err);
        if (r != SG_OK)
                goto out;
        const char *subject = g_mime_message_get_subject(m);
        e->subject = subject ? utf8_dup(subject) : NULL;
        walker w = {.eml = e};
        if (m->mime_part)
                r = walk(&w, m->mime_part, 1, true, true, false, err);
        if (r != SG_OK)
                goto out;

        e->msg.from = e->from;
        e->msg.to = (const char *const *) e->to->pdata;
        e->msg.n_to = e->to->len;
        e->msg.cc = (const char *const *) e->cc->pdata;
        e->msg.n_cc = e->cc->len;
        e->msg.bcc = (const char *const *) e->bcc->pdata;
        e->msg.n_bcc = e->bcc->len;
        e->msg.subject = e->subject;
        e->msg.body = e->body->str;
        e->msg.body_len = e->body->len;
        e->msg.attachments = (const sg_attachment *) (void *) e->attachments->data;
        e->msg.n_attachments = e->attachments->len;
        e->msg.headers = (const sg_header *) (void *) e->headers->data;
        e->msg.n_headers = e->headers->len;
        e->msg.texts = (const sg_text_part *) (void *) e->texts->data;
        e->msg.n_texts = e->texts->len;
        *ret = e;
        e = NULL;
out:
        sg_eml_free(e);
        if (m)
                g_object_unref(m);
        g_mime_parser_options_free(opts);
        return r;
}

sg_err sg_eml_load_data(const char *data, size_t len, sg_eml **ret, sg_error *err) {
        if (!data || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_eml_load_data: NULL argument");
        if (len > SG_EML_FILE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "message larger than %u MiB (%zu bytes)", SG_EML_FILE_MAX >> 20,
                                    len);
        sg_err r = prescan(data, len, err);
        if (r != SG_OK)
                return r;
        GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
        r = parse_stream(stream, ret, err);
        g_object_unref(stream);
        return r;
}

sg_err sg_eml_load_file(const char *path, sg_eml **ret, sg_error *err) {
        if (!path || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_eml_load_file: NULL argument");
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return sg_error_set(err, SG_ERR_IO, "cannot open message: %s", g_strerror(errno));
        struct stat st;
        if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
                int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
                close(fd);
                return sg_error_set(err, SG_ERR_IO, "cannot read message: %s", g_strerror(e));
        }
        if (S_ISREG(st.st_mode) && (uintmax_t) st.st_size > SG_EML_FILE_MAX) {
                close(fd);
                return sg_error_set(err, SG_ERR_LIMIT, "message larger than %u MiB (%jd bytes)", SG_EML_FILE_MAX >> 20,
                                    (intmax_t) st.st_size);
        }
        /* Read with the cap too: the size may change, or not be known. */
        GByteArray *buf = g_byte_array_sized_new(S_ISREG(st.st_mode) ? (guint) st.st_size + 1 : 65536);
        guint8 chunk[65536];
        for (;;) {
                ssize_t got = read(fd, chunk, sizeof chunk);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        int e = errno;
                        close(fd);
                        g_byte_array_unref(buf);
                        return sg_error_set(err, SG_ERR_IO, "cannot read message: %s", g_strerror(e));
                }
                if (got == 0)
                        break;
                if (buf->len + (size_t) got > SG_EML_FILE_MAX) {
                        close(fd);
                        g_byte_array_unref(buf);
                        return sg_error_set(err, SG_ERR_LIMIT, "message larger than %u MiB", SG_EML_FILE_MAX >> 20);
                }
                g_byte_array_append(buf, chunk, (guint) got);
        }
        close(fd);
        sg_err r = prescan((const char *) buf->data, buf->len, err);
        if (r != SG_OK) {
                g_byte_array_unref(buf);
                return r;
        }
        /* the stream takes the array */
        GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(buf);
        r = parse_stream(stream, ret, err);
        g_object_unref(stream);
        return r;
}
