/* sealgate: RFC 5322 address lists as mail clients hand them over, and domain normalisation (addr.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/idna.h"
#include "sealgate/util.h"

#define COMMENT_DEPTH_MAX 32 /* nesting of (comments) */
#define QUOTE_MAX         80 /* bytes of the input quoted in an error message */
/* A Unicode domain can be longer in bytes than its ASCII form (a full-width
 * letter takes three); this only bounds what is handed to IDNA. */
#define DOMAIN_RAW_MAX    (4 * SG_ADDR_DOMAIN_MAX)

typedef struct parser {
        const char *s;
        size_t len;
        size_t pos;
        size_t elem;               /* start of the element being parsed, quoted in errors */
        bool capture;              /* record the first comment skipped (display name fallback) */
        size_t cmt_start, cmt_end; /* its content; cmt_end == 0: none */
        sg_error *err;
} parser;

enum tok_kind { TOK_END, TOK_ATOM, TOK_QUOTED, TOK_DOT, TOK_SPECIAL };

typedef struct token {
        enum tok_kind kind;
        size_t start, end;
        bool space_before; /* whitespace or a comment came before it */
} token;

static bool is_wsp(unsigned char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_ctl(unsigned char c) {
        return (c < 0x20 && !is_wsp(c)) || c == 0x7F;
}

/* RFC 5322 atext, widened by RFC 6532 to every non-ASCII byte (the whole
 * text is checked to be UTF-8 first). */
static bool is_atext(unsigned char c) {
        if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                return true;
        return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* End of the element that starts at `start`: the next ',' or ';' outside
 * quotes, comments and <...>, with trailing whitespace cut. */
static size_t elem_end(const parser *p, size_t start) {
        size_t depth = 0, i = start;
        bool quoted = false, angle = false;
        for (; i < p->len; i++) {
                char c = p->s[i];
                if ((quoted || depth > 0) && c == '\\') {
                        i++;
                        continue;
                }
                if (quoted) {
                        quoted = c != '"';
                } else if (c == '(') {
                        depth++;
                } else if (depth > 0) {
                        if (c == ')')
                                depth--;
                } else if (c == '"') {
                        quoted = true;
                } else if (c == '<') {
                        angle = true;
                } else if (c == '>') {
                        angle = false;
                } else if ((c == ',' || c == ';') && !angle) {
                        break;
                }
        }
        if (i > p->len)
                i = p->len;
        while (i > start && is_wsp((unsigned char) p->s[i - 1]))
                i--;
        return i;
}

/* Copy s[start..end) for a message: at most QUOTE_MAX bytes, cut at a UTF-8
 * boundary, line breaks and control bytes shown as spaces. */
static void quote_span(const char *s, size_t start, size_t end, char out[QUOTE_MAX + 1]) {
        size_t n = end - start;
        if (n > QUOTE_MAX) {
                n = QUOTE_MAX;
                while (n > 0 && ((unsigned char) s[start + n] & 0xC0) == 0x80)
                        n--;
        }
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[start + i];
                out[i] = (char) (c < 0x20 || c == 0x7F ? ' ' : c);
        }
        out[n] = '\0';
}

/* Report a problem with the current element: `cannot parse address "<text>": <why>`. */
static sg_err fail(parser *p, sg_err code, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 3, 4)))
#endif
        ;

static sg_err fail(parser *p, sg_err code, const char *fmt, ...) {
        char why[SG_ERROR_MESSAGE_MAX];
        char q[QUOTE_MAX + 1];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        quote_span(p->s, p->elem, elem_end(p, p->elem), q);
        if (code == SG_ERR_LIMIT)
                return sg_error_set(p->err, code, "address \"%s\": %s", q, why);
        return sg_error_set(p->err, code, "cannot parse address \"%s\": %s", q, why);
}

static sg_err nomem(parser *p) {
        return sg_error_set(p->err, SG_ERR_NOMEM, "out of memory while parsing addresses");
}

/* Name a character for a message. */
static const char *describe(unsigned char c, char buf[16]) {
        if (c >= 0x21 && c < 0x7F)
                snprintf(buf, 16, "\"%c\"", c);
        else
                snprintf(buf, 16, "byte 0x%02X", c);
        return buf;
}

/* Skip whitespace (folding included) and comments. Comments nest, so the
 * depth is counted, not recursed, and capped. */
static sg_err skip_cfws(parser *p, bool *ret_skipped) {
        bool skipped = false;
        for (;;) {
                while (p->pos < p->len && is_wsp((unsigned char) p->s[p->pos])) {
                        p->pos++;
                        skipped = true;
                }
                if (p->pos >= p->len || p->s[p->pos] != '(')
                        break;
                size_t start = p->pos, depth = 0;
                do {
                        if (p->pos >= p->len)
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "unterminated comment \"(\"");
                        unsigned char c = (unsigned char) p->s[p->pos++];
                        if (c == '\\') {
                                if (p->pos >= p->len)
                                        return fail(p, SG_ERR_ADDRESS_SYNTAX, "unterminated comment \"(\"");
                                p->pos++;
                        } else if (c == '(') {
                                if (++depth > COMMENT_DEPTH_MAX)
                                        return fail(p, SG_ERR_LIMIT, "comments nested deeper than %d levels",
                                                    COMMENT_DEPTH_MAX);
                        } else if (c == ')') {
                                depth--;
                        } else if (is_ctl(c)) {
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "control character in a comment");
                        }
                } while (depth > 0);
                if (p->capture && p->cmt_end == 0) {
                        p->cmt_start = start + 1;
                        p->cmt_end = p->pos - 1;
                }
                skipped = true;
        }
        if (ret_skipped)
                *ret_skipped = skipped;
        return SG_OK;
}

/* Next atom, quoted string or dot after CFWS; anything else is TOK_SPECIAL
 * and is not consumed. */
static sg_err next_token(parser *p, token *t) {
        sg_err e = skip_cfws(p, &t->space_before);
        if (e != SG_OK)
                return e;
        t->start = p->pos;
        if (p->pos >= p->len) {
                t->kind = TOK_END;
        } else if (is_atext((unsigned char) p->s[p->pos])) {
                while (p->pos < p->len && is_atext((unsigned char) p->s[p->pos]))
                        p->pos++;
                t->kind = TOK_ATOM;
        } else if (p->s[p->pos] == '"') {
                p->pos++;
                for (;;) {
                        if (p->pos >= p->len)
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "unterminated quoted string");
                        unsigned char c = (unsigned char) p->s[p->pos++];
                        if (c == '"')
                                break;
                        if (c == '\\') {
                                if (p->pos >= p->len)
                                        return fail(p, SG_ERR_ADDRESS_SYNTAX, "unterminated quoted string");
                                c = (unsigned char) p->s[p->pos++];
                        }
                        if (is_ctl(c))
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "control character in a quoted string");
                }
                t->kind = TOK_QUOTED;
        } else if (p->s[p->pos] == '.') {
                p->pos++;
                t->kind = TOK_DOT;
        } else {
                t->kind = TOK_SPECIAL;
        }
        t->end = p->pos;
        return SG_OK;
}

/* Advance over words, dots and CFWS; *stop is the first other token (END or
 * SPECIAL), not consumed. */
static sg_err scan_words(parser *p, token *stop) {
        for (;;) {
                sg_err e = next_token(p, stop);
                if (e != SG_OK)
                        return e;
                if (stop->kind == TOK_END || stop->kind == TOK_SPECIAL)
                        return SG_OK;
        }
}

/* Decode the content of a quoted string or comment into `out`: quoted pairs
 * lose their backslash, line breaks (folding) are dropped. Returns bytes written. */
static size_t unescape(const char *s, size_t start, size_t end, char *out) {
        size_t n = 0;
        for (size_t i = start; i < end; i++) {
                char c = s[i];
                if (c == '\\' && i + 1 < end)
                        c = s[++i];
                if (c == '\r' || c == '\n')
                        continue;
                out[n++] = c;
        }
        return n;
}

/* Decode the phrase in s[start..end) (a display or group name): words joined
 * by one space where CFWS separated them. `lenient` also takes specials
 * (for `bob@x <bob@x>`). *ret is NULL for an empty phrase. */
static sg_err build_phrase(parser *p, size_t start, size_t end, bool lenient, char **ret) {
        parser q = *p;
        q.pos = start;
        q.len = end;
        q.capture = false;
        char *out = malloc(end - start + 1);
        if (!out)
                return nomem(p);
        size_t n = 0;
        for (;;) {
                token t;
                sg_err e = next_token(&q, &t);
                if (e != SG_OK) {
                        free(out);
                        return e;
                }
                if (t.kind == TOK_END)
                        break;
                if (t.kind == TOK_SPECIAL) {
                        /* lenient: the span already parsed as an addr-spec,
                         * so its specials ('@', a [literal]) are text here */
                        if (!lenient) {
                                free(out);
                                return sg_error_set(p->err, SG_ERR_INTERNAL, "addr.c: unexpected token in a phrase");
                        }
                        t.end = ++q.pos;
                }
                if (t.space_before && n > 0)
                        out[n++] = ' ';
                if (t.kind == TOK_QUOTED) {
                        n += unescape(p->s, t.start + 1, t.end - 1, out + n);
                } else {
                        memcpy(out + n, p->s + t.start, t.end - t.start);
                        n += t.end - t.start;
                }
        }
        out[n] = '\0';
        if (n == 0) {
                free(out);
                out = NULL;
        } else if (n > SG_ADDR_DISPLAY_MAX) {
                free(out);
                return fail(p, SG_ERR_LIMIT, "name longer than %d bytes", SG_ADDR_DISPLAY_MAX);
        }
        *ret = out;
        return SG_OK;
}

static bool is_dot_atom(const char *s, size_t n) {
        if (n == 0 || s[0] == '.' || s[n - 1] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '.') {
                        if (s[i + 1] == '.')
                                return false;
                } else if (!is_atext((unsigned char) s[i])) {
                        return false;
                }
        }
        return true;
}

/* Build the local part from s[start..end): word *("." word). Its decoded
 * form is kept bare when it is a dot-atom ("john"@x is john@x), otherwise
 * quoted with the escapes it needs. */
static sg_err build_local(parser *p, size_t start, size_t end, char **ret) {
        parser q = *p;
        q.pos = start;
        q.len = end;
        q.capture = false;
        char *dec = malloc(end - start + 1);
        if (!dec)
                return nomem(p);
        size_t n = 0;
        enum tok_kind prev = TOK_END;
        const char *why = NULL;
        for (;;) {
                token t;
                sg_err e = next_token(&q, &t);
                if (e != SG_OK) {
                        free(dec);
                        return e;
                }
                if (t.kind == TOK_END)
                        break;
                if (t.kind == TOK_DOT) {
                        if (prev != TOK_ATOM) {
                                why = prev == TOK_END ? "the local part starts with a dot"
                                                      : "two dots in a row in the local part";
                                break;
                        }
                        dec[n++] = '.';
                        prev = TOK_DOT;
                        continue;
                }
                if (prev == TOK_ATOM) {
                        why = "unexpected space in the local part (a display name needs the address in <...>)";
                        break;
                }
                if (t.kind == TOK_QUOTED) {
                        n += unescape(p->s, t.start + 1, t.end - 1, dec + n);
                } else {
                        memcpy(dec + n, p->s + t.start, t.end - t.start);
                        n += t.end - t.start;
                }
                prev = TOK_ATOM; /* a word, atom or quoted */
        }
        if (!why && prev == TOK_END)
                why = "missing local part before \"@\"";
        if (!why && prev == TOK_DOT)
                why = "the local part ends with a dot";
        if (!why && n == 0)
                why = "empty local part";
        if (why) {
                free(dec);
                return fail(p, SG_ERR_ADDRESS_SYNTAX, "%s", why);
        }
        if (n > SG_ADDR_LOCAL_MAX) {
                free(dec);
                return fail(p, SG_ERR_LIMIT, "local part longer than %d octets", SG_ADDR_LOCAL_MAX);
        }
        dec[n] = '\0';
        if (is_dot_atom(dec, n)) {
                *ret = dec;
                return SG_OK;
        }
        char *qs = malloc(2 * n + 3);
        if (!qs) {
                free(dec);
                return nomem(p);
        }
        size_t k = 0;
        qs[k++] = '"';
        for (size_t i = 0; i < n; i++) {
                if (dec[i] == '"' || dec[i] == '\\')
                        qs[k++] = '\\';
                qs[k++] = dec[i];
        }
        qs[k++] = '"';
        qs[k] = '\0';
        free(dec);
        *ret = qs;
        return SG_OK;
}

static bool at_delim(const parser *p) {
        return p->pos >= p->len || p->s[p->pos] == ',' || p->s[p->pos] == ';' || p->s[p->pos] == '>';
}

/* Parse the domain after "@": a dot-atom (CFWS around dots tolerated, one
 * trailing dot dropped) or a [literal] (lower-cased, *ret_literal set). No
 * IDNA here: route domains are only checked for syntax. */
static sg_err parse_domain(parser *p, char **ret, bool *ret_literal) {
        sg_err e = skip_cfws(p, NULL);
        if (e != SG_OK)
                return e;
        char *d = malloc(p->len - p->pos + 1);
        if (!d)
                return nomem(p);
        size_t n = 0;
        char cb[16];
        *ret_literal = false;
        if (p->pos < p->len && p->s[p->pos] == '[') {
                d[n++] = p->s[p->pos++];
                for (;;) {
                        if (p->pos >= p->len) {
                                free(d);
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "unterminated domain literal \"[\"");
                        }
                        unsigned char c = (unsigned char) p->s[p->pos++];
                        if (is_wsp(c))
                                continue;
                        if (c == '[' || c == '\\' || c < 0x21 || c >= 0x7F) {
                                free(d);
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "%s in a domain literal", describe(c, cb));
                        }
                        d[n++] = (char) c;
                        if (c == ']')
                                break;
                }
                d[n] = '\0';
                if (n == 2) {
                        free(d);
                        return fail(p, SG_ERR_ADDRESS_SYNTAX, "empty domain literal \"[]\"");
                }
                sg_ascii_lower(d);
                *ret_literal = true;
        } else {
                for (;;) {
                        if (p->pos >= p->len || !is_atext((unsigned char) p->s[p->pos])) {
                                const char *why;
                                if (n == 0 && at_delim(p))
                                        why = "missing domain after \"@\"";
                                else if (p->pos < p->len && (p->s[p->pos] == '.' || p->s[p->pos] == '@'))
                                        why = "empty domain label";
                                else if (p->pos < p->len)
                                        why = describe((unsigned char) p->s[p->pos], cb);
                                else
                                        why = "empty domain label";
                                free(d);
                                if (why == cb)
                                        return fail(p, SG_ERR_ADDRESS_SYNTAX, "unexpected %s in the domain", cb);
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "%s", why);
                        }
                        while (p->pos < p->len && is_atext((unsigned char) p->s[p->pos]))
                                d[n++] = p->s[p->pos++];
                        /* Look past CFWS for a dot; if none, leave the CFWS
                         * for the caller (a trailing comment may be a name). */
                        size_t save = p->pos;
                        if ((e = skip_cfws(p, NULL)) != SG_OK) {
                                free(d);
                                return e;
                        }
                        if (p->pos >= p->len || p->s[p->pos] != '.') {
                                p->pos = save;
                                break;
                        }
                        p->pos++;
                        save = p->pos;
                        if ((e = skip_cfws(p, NULL)) != SG_OK) {
                                free(d);
                                return e;
                        }
                        if (p->pos < p->len && is_atext((unsigned char) p->s[p->pos])) {
                                d[n++] = '.';
                                continue;
                        }
                        if (p->pos < p->len && p->s[p->pos] == '.') {
                                free(d);
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "empty domain label");
                        }
                        p->pos = save; /* the one trailing dot, dropped */
                        break;
                }
                d[n] = '\0';
        }
        bool ascii = true;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) d[i] >= 0x80)
                        ascii = false;
        if (n > (ascii ? SG_ADDR_DOMAIN_MAX : DOMAIN_RAW_MAX)) {
                free(d);
                return fail(p, SG_ERR_LIMIT, "domain longer than %d octets", SG_ADDR_DOMAIN_MAX);
        }
        *ret = d;
        return SG_OK;
}

/* After "<": [obs-route] addr-spec ">". The route is checked and dropped. */
static sg_err parse_angle(parser *p, char **ret_local, char **ret_domain, bool *ret_literal) {
        char cb[16];
        char *d = NULL;
        bool lit;
        sg_err e = skip_cfws(p, NULL);
        if (e != SG_OK)
                return e;
        if (p->pos < p->len && p->s[p->pos] == '@') {
                for (;;) {
                        p->pos++; /* the '@' */
                        if ((e = parse_domain(p, &d, &lit)) != SG_OK)
                                return e;
                        free(d);
                        if ((e = skip_cfws(p, NULL)) != SG_OK)
                                return e;
                        if (p->pos < p->len && p->s[p->pos] == ':') {
                                p->pos++;
                                break;
                        }
                        while (p->pos < p->len && p->s[p->pos] == ',') {
                                p->pos++;
                                if ((e = skip_cfws(p, NULL)) != SG_OK)
                                        return e;
                        }
                        if (p->pos >= p->len || p->s[p->pos] != '@')
                                return fail(p, SG_ERR_ADDRESS_SYNTAX, "invalid route in <...>");
                }
        }
        size_t start = p->pos;
        token stop;
        if ((e = scan_words(p, &stop)) != SG_OK)
                return e;
        if (stop.kind == TOK_END)
                return fail(p, SG_ERR_ADDRESS_SYNTAX, "missing \"@\" and \">\" in <...>");
        char c = p->s[stop.start];
        if (c == '>')
                return fail(p, SG_ERR_ADDRESS_SYNTAX,
                            stop.start == start ? "empty address <>" : "missing \"@\" in <...>");
        if (c != '@')
                return fail(p, SG_ERR_ADDRESS_SYNTAX, "unexpected %s in <...>", describe((unsigned char) c, cb));
        char *local = NULL;
        if ((e = build_local(p, start, stop.start, &local)) != SG_OK)
                return e;
        p->pos++;
        if ((e = parse_domain(p, &d, &lit)) != SG_OK) {
                free(local);
                return e;
        }
        if ((e = skip_cfws(p, NULL)) != SG_OK) {
                free(local);
                free(d);
                return e;
        }
        const char *why = NULL;
        if (p->pos >= p->len)
                why = "missing \">\" after the address";
        else if (p->s[p->pos] == '@')
                why = "more than one \"@\"";
        else if (p->s[p->pos] != '>')
                why = describe((unsigned char) p->s[p->pos], cb);
        if (why) {
                free(local);
                free(d);
                if (why == cb)
                        return fail(p, SG_ERR_ADDRESS_SYNTAX, "unexpected %s in <...>", cb);
                return fail(p, SG_ERR_ADDRESS_SYNTAX, "%s", why);
        }
        p->pos++;
        *ret_local = local;
        *ret_domain = d;
        *ret_literal = lit;
        return SG_OK;
}

/* Decode a comment's content for use as a display name: escapes removed,
 * surrounding spaces cut. */
static sg_err comment_name(parser *p, char **ret) {
        char *out = malloc(p->cmt_end - p->cmt_start + 1);
        if (!out)
                return nomem(p);
        size_t n = unescape(p->s, p->cmt_start, p->cmt_end, out);
        size_t b = 0;
        while (b < n && is_wsp((unsigned char) out[b]))
                b++;
        while (n > b && is_wsp((unsigned char) out[n - 1]))
                n--;
        memmove(out, out + b, n - b);
        n -= b;
        out[n] = '\0';
        if (n == 0) {
                free(out);
                out = NULL;
        } else if (n > SG_ADDR_DISPLAY_MAX) {
                free(out);
                return fail(p, SG_ERR_LIMIT, "name longer than %d bytes", SG_ADDR_DISPLAY_MAX);
        }
        *ret = out;
        return SG_OK;
}

/* Complete one mailbox and append it. Takes `display`, `local` and `domain`
 * whatever happens; `group` is copied. */
static sg_err append_mailbox(parser *p, char *display, char *local, char *domain, bool literal, const char *group,
                             size_t max_total, sg_mailbox_list *list) {
        sg_mailbox m = {.display_name = display, .local = local, .domain = domain};
        sg_err e = SG_OK;
        if (literal) {
                m.domain_ascii = sg_strdup(domain);
                if (!m.domain_ascii)
                        e = nomem(p);
        } else if ((e = sg_idna_to_ascii(domain, &m.domain_ascii, p->err)) != SG_OK) {
                char q[QUOTE_MAX + 1];
                quote_span(p->s, p->elem, elem_end(p, p->elem), q);
                sg_error_prefix(p->err, "cannot parse address \"%s\"", q);
        } else if (strlen(m.domain_ascii) > SG_ADDR_DOMAIN_MAX) {
                e = fail(p, SG_ERR_LIMIT, "domain longer than %d octets", SG_ADDR_DOMAIN_MAX);
        }
        if (e == SG_OK) {
                size_t nl = strlen(local), nd = strlen(m.domain_ascii);
                m.address = malloc(nl + nd + 2);
                if (m.address) {
                        memcpy(m.address, local, nl);
                        m.address[nl] = '@';
                        memcpy(m.address + nl + 1, m.domain_ascii, nd + 1);
                } else {
                        e = nomem(p);
                }
        }
        if (e == SG_OK && group && !(m.group = sg_strdup(group)))
                e = nomem(p);
        if (e == SG_OK && list->n >= max_total)
                e = sg_error_set(p->err, SG_ERR_LIMIT, "more than %zu recipients in the address lists", max_total);
        if (e == SG_OK && list->n == list->cap) {
                size_t cap = list->cap ? list->cap * 2 : 8;
                sg_mailbox *items = cap < list->cap || cap > (size_t) -1 / sizeof *items
                                            ? NULL
                                            : realloc(list->items, cap * sizeof *items);
                if (items) {
                        list->items = items;
                        list->cap = cap;
                } else {
                        e = nomem(p);
                }
        }
        if (e != SG_OK) {
                sg_mailbox_clear(&m);
                return e;
        }
        list->items[list->n++] = m;
        return SG_OK;
}

/* One mailbox starting at p->pos (a display name, "<", or a local part). */
static sg_err parse_mailbox(parser *p, token stop, size_t start, const char *group, size_t max_total,
                            sg_mailbox_list *list) {
        char cb[16];
        char *display = NULL, *local = NULL, *domain = NULL;
        bool literal = false, bare = false;
        sg_err e;
        char c = p->s[stop.start];
        if (c == '<') {
                if ((e = build_phrase(p, start, stop.start, false, &display)) != SG_OK)
                        return e;
                p->pos++;
                if ((e = parse_angle(p, &local, &domain, &literal)) != SG_OK)
                        goto out;
        } else {
                if ((e = build_local(p, start, stop.start, &local)) != SG_OK)
                        return e;
                p->pos++;
                if ((e = parse_domain(p, &domain, &literal)) != SG_OK)
                        goto out;
                bare = true;
        }

        p->capture = bare;
        p->cmt_end = 0;
        e = skip_cfws(p, NULL);
        p->capture = false;
        if (e != SG_OK)
                goto out;
        if (bare && p->pos < p->len && p->s[p->pos] == '<') {
                /* `bob@x <bob@x>`: an unquoted address used as the display name. */
                free(local);
                free(domain);
                local = domain = NULL;
                if ((e = build_phrase(p, start, p->pos, true, &display)) != SG_OK)
                        goto out;
                p->pos++;
                if ((e = parse_angle(p, &local, &domain, &literal)) != SG_OK)
                        goto out;
                if ((e = skip_cfws(p, NULL)) != SG_OK)
                        goto out;
        } else if (bare && p->cmt_end != 0) {
                if ((e = comment_name(p, &display)) != SG_OK)
                        goto out;
        }
        if (p->pos < p->len && p->s[p->pos] != ',' && p->s[p->pos] != ';') {
                c = p->s[p->pos];
                if (c == '@')
                        e = fail(p, SG_ERR_ADDRESS_SYNTAX, "more than one \"@\"");
                else if (is_atext((unsigned char) c) || c == '"' || c == '.')
                        e = fail(p, SG_ERR_ADDRESS_SYNTAX, "unexpected text after the address (missing comma?)");
                else
                        e = fail(p, SG_ERR_ADDRESS_SYNTAX, "unexpected %s after the address",
                                 describe((unsigned char) c, cb));
                goto out;
        }
        e = append_mailbox(p, display, local, domain, literal, group, max_total, list);
        return e;
out:
        free(display);
        free(local);
        free(domain);
        return e;
}

/* Offset of the first byte that is not valid UTF-8, or len. */
static size_t utf8_bad_offset(const char *s, size_t len) {
        if (sg_utf8_valid(s, len))
                return len; /* the common case in one pass; the walk below only finds where */
        size_t i = 0;
        while (i < len) {
                unsigned char c = (unsigned char) s[i];
                size_t need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                if (need > len - i || !sg_utf8_valid(s + i, need))
                        return i;
                i += need;
        }
        return len;
}

sg_err sg_addr_parse_list(const char *text, size_t max_total, sg_mailbox_list *list, sg_error *err) {
        if (!text || !list)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_addr_parse_list: NULL argument");
        size_t len = strlen(text);
        if (len > SG_ADDR_TEXT_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "address list longer than %d bytes (%zu)", SG_ADDR_TEXT_MAX,
                                    len);
        parser p = {.s = text, .len = len, .err = err};
        size_t bad = utf8_bad_offset(text, len);
        if (bad < len) {
                size_t from = bad;
                while (from > 0 && text[from - 1] != ',')
                        from--;
                while (from < bad && is_wsp((unsigned char) text[from]))
                        from++;
                if (bad - from > QUOTE_MAX)
                        from = bad - QUOTE_MAX;
                while (from < bad && ((unsigned char) text[from] & 0xC0) == 0x80)
                        from++;
                char q[QUOTE_MAX + 1];
                quote_span(text, from, bad, q);
                return sg_error_set(err, SG_ERR_UTF8, "cannot parse address \"%s\": invalid UTF-8 at byte %zu", q, bad);
        }

        size_t n0 = list->n;
        char *group = NULL;
        bool in_group = false;
        sg_err e = SG_OK;
        char cb[16];
        for (;;) {
                if ((e = skip_cfws(&p, NULL)) != SG_OK)
                        break;
                if (p.pos >= p.len)
                        break; /* an open group at the end is tolerated: nothing is lost */
                p.elem = p.pos;
                char c = text[p.pos];
                if (c == ',') {
                        p.pos++;
                        continue;
                }
                if (c == ';') {
                        /* Ends a group; outside one it separates like a comma
                         * (how Outlook users type lists). */
                        p.pos++;
                        free(group);
                        group = NULL;
                        in_group = false;
                        continue;
                }
                size_t start = p.pos;
                token stop;
                if ((e = scan_words(&p, &stop)) != SG_OK)
                        break;
                c = stop.kind == TOK_END ? '\0' : text[stop.start];
                if (c == ':') {
                        if (in_group) {
                                e = fail(&p, SG_ERR_ADDRESS_SYNTAX, "a group cannot contain another group");
                                break;
                        }
                        if ((e = build_phrase(&p, start, stop.start, false, &group)) != SG_OK)
                                break;
                        in_group = true;
                        p.pos++;
                        continue;
                }
                if (c == '<' || c == '@') {
                        if ((e = parse_mailbox(&p, stop, start, group, max_total, list)) != SG_OK)
                                break;
                        continue;
                }
                if (c == '\0' || c == ',' || c == ';')
                        e = fail(&p, SG_ERR_ADDRESS_SYNTAX, "no \"@\" in the address");
                else
                        e = fail(&p, SG_ERR_ADDRESS_SYNTAX, "unexpected %s", describe((unsigned char) c, cb));
                break;
        }
        free(group);
        if (e != SG_OK) {
                while (list->n > n0)
                        sg_mailbox_clear(&list->items[--list->n]);
        }
        return e;
}

sg_err sg_domain_normalize(const char *domain, char **ret_ascii, sg_error *err) {
        if (!domain || !ret_ascii)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_domain_normalize: NULL argument");
        size_t n = strlen(domain);
        if (n > 0 && domain[n - 1] == '.')
                n--;
        char *d = sg_strndup(domain, n);
        if (!d)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_err e = sg_idna_to_ascii(d, ret_ascii, err);
        free(d);
        return e;
}

void sg_mailbox_clear(sg_mailbox *m) {
        if (!m)
                return;
        free(m->display_name);
        free(m->local);
        free(m->domain);
        free(m->domain_ascii);
        free(m->address);
        free(m->group);
        *m = (sg_mailbox){0};
}

void sg_mailbox_list_clear(sg_mailbox_list *list) {
        if (!list)
                return;
        for (size_t i = 0; i < list->n; i++)
                sg_mailbox_clear(&list->items[i]);
        free(list->items);
        *list = (sg_mailbox_list){0};
}
