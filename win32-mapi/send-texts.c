/* sealgate Outlook add-in: the texts beyond the body that the content
 * triggers read (see send-texts.h). Which trigger reads which part is the
 * engine's (docs/admin/policy.md, "Which parts each trigger reads"); this
 * file only hands the parts over, as the Thunderbird extension does. */
#define COBJMACROS
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "disp.h"
#include "outlook-om.h"
#include "sealgate/jis.h"
#include "sealgate/strbuf.h"
#include "sealgate/util.h"
#include "send-texts.h"

/* Attachment.Type: only a file attached by value has bytes of its own. */
#define OL_BY_VALUE      1
#define OL_EMBEDDED_ITEM 5
/* MailItem.BodyFormat */
#define OL_FORMAT_HTML   2

#define PR_ATTACH_DATA_BIN L"http://schemas.microsoft.com/mapi/proptag/0x37010102"
#define PR_ATTACH_MIME_TAG L"http://schemas.microsoft.com/mapi/proptag/0x370E001F"

/* ---- charsets -------------------------------------------------------------- */

/* `s` in code page `cp` as UTF-8; strict: NULL when a byte does not decode. */
static char *from_code_page(UINT cp, bool strict, const char *s, size_t len, size_t *ret_len) {
        int wn;
        wchar_t *w;
        char *out;
        if (len == 0)
                return sg_strdup("");
        if (len > INT_MAX / 2)
                return NULL;
        wn = MultiByteToWideChar(cp, strict ? MB_ERR_INVALID_CHARS : 0, s, (int) len, NULL, 0);
        if (wn <= 0 || !(w = malloc((size_t) wn * sizeof(wchar_t))))
                return NULL;
        MultiByteToWideChar(cp, strict ? MB_ERR_INVALID_CHARS : 0, s, (int) len, w, wn);
        out = sg_utf8_from_wide(w, wn, ret_len);
        free(w);
        return out;
}

static char *from_utf16(const unsigned char *s, size_t len, bool big_endian, size_t *ret_len) {
        size_t n = len / 2;
        wchar_t *w;
        char *out;
        if (n == 0)
                return sg_strdup("");
        if (n > INT_MAX || !(w = malloc(n * sizeof(wchar_t))))
                return NULL;
        for (size_t i = 0; i < n; i++)
                w[i] = big_endian ? (wchar_t) (s[2 * i] << 8 | s[2 * i + 1]) : (wchar_t) (s[2 * i + 1] << 8 | s[2 * i]);
        out = sg_utf8_from_wide(w, (int) n, ret_len);
        free(w);
        return out;
}

/* One of the converters of sealgate/jis.h, then code page 932, strictly. */
static char *via_sjis(bool (*conv)(const unsigned char *, size_t, char *, size_t *), const unsigned char *s, size_t n,
                      size_t *ret_len, bool *nomem) {
        char *sj = malloc(n ? n : 1), *out = NULL;
        size_t len = 0;
        if (!sj) {
                *nomem = true;
                return NULL;
        }
        if (conv(s, n, sj, &len))
                out = from_code_page(932, true, sj, len, ret_len);
        free(sj);
        return out;
}

char *sg_send_text_decode(const unsigned char *s, size_t n, size_t *ret_len) {
        char *out;
        bool nomem = false;
        if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE)
                return from_utf16(s + 2, n - 2, false, ret_len);
        if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF)
                return from_utf16(s + 2, n - 2, true, ret_len);
        if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
                s += 3;
                n -= 3;
        }
        if (sg_jis_has_escape(s, n) && (out = via_sjis(sg_jis_to_sjis, s, n, ret_len, &nomem)))
                return out;
        if ((out = from_code_page(CP_UTF8, true, (const char *) s, n, ret_len)))
                return out;
        /* EUC-JP before Shift_JIS: EUC-JP text is mostly valid Shift_JIS too
         * (as half-width kana), while Shift_JIS text (hiragana 0x82xx) is
         * rarely valid EUC-JP. */
        if ((out = via_sjis(sg_eucjp_to_sjis, s, n, ret_len, &nomem)))
                return out;
        if ((out = from_code_page(932, true, (const char *) s, n, ret_len)))
                return out;
        if (nomem)
                return NULL;
        return from_code_page(CP_UTF8, false, (const char *) s, n, ret_len);
}

/* ---- HTML ------------------------------------------------------------------ */

static bool at_tag(const char *s, size_t i, size_t n, const char *name) {
        size_t l = strlen(name);
        if (i + l > n || _strnicmp(s + i, name, l) != 0)
                return false;
        if (i + l == n)
                return true;
        char c = s[i + l];
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
}

static void add_codepoint(sg_strbuf *b, uint32_t c) {
        char u[4];
        if (c == 0xA0)
                c = ' ';
        if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                c = 0xFFFD;
        if (c < 0x80) {
                sg_strbuf_add_c(b, (char) c);
        } else if (c < 0x800) {
                u[0] = (char) (0xC0 | c >> 6);
                u[1] = (char) (0x80 | (c & 0x3F));
                sg_strbuf_add(b, u, 2);
        } else if (c < 0x10000) {
                u[0] = (char) (0xE0 | c >> 12);
                u[1] = (char) (0x80 | ((c >> 6) & 0x3F));
                u[2] = (char) (0x80 | (c & 0x3F));
                sg_strbuf_add(b, u, 3);
        } else {
                u[0] = (char) (0xF0 | c >> 18);
                u[1] = (char) (0x80 | ((c >> 12) & 0x3F));
                u[2] = (char) (0x80 | ((c >> 6) & 0x3F));
                u[3] = (char) (0x80 | (c & 0x3F));
                sg_strbuf_add(b, u, 4);
        }
}

static int hex_value(char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
}

/* An entity at s[i] ('&'): appended and its length returned, or 0. */
static size_t entity(const char *s, size_t i, size_t n, sg_strbuf *b) {
        static const struct {
                const char *name;
                const char *text;
        } ents[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", " "}};
        for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
                size_t l = strlen(ents[k].name);
                if (i + l <= n && _strnicmp(s + i, ents[k].name, l) == 0) {
                        sg_strbuf_add(b, ents[k].text, strlen(ents[k].text));
                        return l;
                }
        }
        if (i + 2 < n && s[i + 1] == '#') {
                size_t j = i + 2, digits = 0;
                bool hex = s[j] == 'x' || s[j] == 'X';
                uint64_t v = 0;
                if (hex)
                        j++;
                while (j < n && digits < 8 && (hex ? hex_value(s[j]) >= 0 : s[j] >= '0' && s[j] <= '9')) {
                        v = v * (hex ? 16 : 10) + (uint64_t) (hex ? hex_value(s[j]) : s[j] - '0');
                        j++;
                        digits++;
                }
                if (digits > 0) {
                        add_codepoint(b, v > 0x10FFFF ? 0xFFFD : (uint32_t) v);
                        return (j < n && s[j] == ';' ? j + 1 : j) - i;
                }
        }
        return 0;
}

static const char *find_ci(const char *s, size_t from, size_t n, const char *what) {
        size_t l = strlen(what);
        for (size_t i = from; i + l <= n; i++)
                if (_strnicmp(s + i, what, l) == 0)
                        return s + i;
        return NULL;
}

char *sg_send_html_to_text(const char *s, size_t n, size_t *ret_len) {
        static const char *const breaks[] = {"br", "p",  "div", "tr",    "li",         "h1",  "h2", "h3",
                                             "h4", "h5", "h6",  "table", "blockquote", "pre", "hr", NULL};
        sg_strbuf b = {0};
        for (size_t i = 0; i < n && !b.oom;) {
                if (s[i] == '<') {
                        const char *e;
                        size_t j = i + 1;
                        bool closing;
                        const char *skip_to = NULL;
                        if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
                                e = find_ci(s, i + 4, n, "-->");
                                i = e ? (size_t) (e - s) + 3 : n;
                                continue;
                        }
                        closing = j < n && s[j] == '/';
                        if (closing)
                                j++;
                        if (!closing && at_tag(s, j, n, "script"))
                                skip_to = "</script";
                        else if (!closing && (at_tag(s, j, n, "style") || at_tag(s, j, n, "head")))
                                skip_to = at_tag(s, j, n, "style") ? "</style" : "</head";
                        for (const char *const *t = breaks; *t; t++)
                                if (at_tag(s, j, n, *t)) {
                                        sg_strbuf_add_c(&b, '\n');
                                        break;
                                }
                        if (at_tag(s, j, n, "td") || at_tag(s, j, n, "th"))
                                sg_strbuf_add_c(&b, '\t');
                        e = memchr(s + j, '>', n - j);
                        i = e ? (size_t) (e - s) + 1 : n;
                        if (skip_to) {
                                e = find_ci(s, i, n, skip_to);
                                e = e ? memchr(e, '>', n - (size_t) (e - s)) : NULL;
                                i = e ? (size_t) (e - s) + 1 : n;
                        }
                        continue;
                }
                if (s[i] == '&') {
                        size_t l = entity(s, i, n, &b);
                        if (l) {
                                i += l;
                                continue;
                        }
                }
                sg_strbuf_add_c(&b, s[i++]);
        }
        return sg_strbuf_take(&b, ret_len);
}

/* ---- which attachments ---------------------------------------------------- */

static bool ends_with_ci(const char *s, const char *suffix) {
        size_t n = s ? strlen(s) : 0, l = strlen(suffix);
        return n > l && _stricmp(s + n - l, suffix) == 0;
}

bool sg_send_is_text_attachment(const char *name, const char *mime) {
        return (mime && _strnicmp(mime, "text/", 5) == 0) || ends_with_ci(name, ".txt") || ends_with_ci(name, ".csv");
}

bool sg_send_is_message_attachment(const char *name, const char *mime) {
        return (mime && _stricmp(mime, "message/rfc822") == 0) || ends_with_ci(name, ".eml");
}

/* ---- the texts under the engine's limits ---------------------------------- */

static bool full(const sg_send_texts *t) {
        return t->n > SG_MSG_TEXTS_MAX || t->bytes > SG_MSG_TEXT_TOTAL_MAX;
}

/* Takes `text` (and a copy of `name`); an empty text adds nothing. */
static sg_err add(sg_send_texts *t, sg_text_kind kind, const char *name, char *text, size_t len, sg_error *err) {
        char *nm = NULL;
        if (!text)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (full(t) || len == 0) {
                free(text);
                return SG_OK;
        }
        if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 8;
                sg_text_part *v = realloc(t->v, cap * sizeof(*v));
                if (!v) {
                        free(text);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                t->v = v;
                t->cap = cap;
        }
        if (name && !(nm = sg_strdup(name))) {
                free(text);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        t->v[t->n++] = (sg_text_part){.kind = kind, .name = nm, .text = text, .len = len};
        t->bytes += len;
        return SG_OK;
}

/* ---- an attached message file ---------------------------------------------- */

/* RFC 2047 encoded words in a header value decoded (each word's bytes read
 * by sg_send_text_decode, which knows the charsets mail uses in Japan). */
static char *decode_words(const char *v, size_t n) {
        sg_strbuf b = {0};
        for (size_t i = 0; i < n && !b.oom;) {
                const char *q1, *q2, *end;
                if (i + 1 < n && v[i] == '=' && v[i + 1] == '?' && (q1 = memchr(v + i + 2, '?', n - i - 2)) &&
                    (size_t) (q1 - v) + 3 < n && q1[2] == '?' && (end = find_ci(v, (size_t) (q1 - v) + 3, n, "?="))) {
                        char enc = q1[1];
                        sg_strbuf raw = {0};
                        const char *p = q1 + 3;
                        q2 = end;
                        if (enc == 'B' || enc == 'b') {
                                uint32_t acc = 0;
                                int bits = 0;
                                for (; p < q2; p++) {
                                        const char *al =
                                                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                                        const char *f = *p ? strchr(al, *p) : NULL;
                                        if (!f)
                                                continue;
                                        acc = acc << 6 | (uint32_t) (f - al);
                                        bits += 6;
                                        if (bits >= 8) {
                                                bits -= 8;
                                                sg_strbuf_add_c(&raw, (char) (acc >> bits & 0xFF));
                                        }
                                }
                        } else if (enc == 'Q' || enc == 'q') {
                                for (; p < q2; p++)
                                        if (*p == '_')
                                                sg_strbuf_add_c(&raw, ' ');
                                        else if (*p == '=' && p + 2 < q2 && hex_value(p[1]) >= 0 &&
                                                 hex_value(p[2]) >= 0) {
                                                sg_strbuf_add_c(&raw, (char) (hex_value(p[1]) << 4 | hex_value(p[2])));
                                                p += 2;
                                        } else
                                                sg_strbuf_add_c(&raw, *p);
                        } else {
                                free(raw.s);
                                sg_strbuf_add_c(&b, v[i++]);
                                continue;
                        }
                        size_t dl = 0;
                        char *d =
                                raw.oom ? NULL
                                        : sg_send_text_decode((const unsigned char *) (raw.s ? raw.s : ""), raw.n, &dl);
                        free(raw.s);
                        if (!d) {
                                b.oom = true;
                                break;
                        }
                        sg_strbuf_add(&b, d, dl);
                        free(d);
                        i = (size_t) (end - v) + 2;
                        /* whitespace between two encoded words is dropped */
                        size_t k = i;
                        while (k < n && (v[k] == ' ' || v[k] == '\t'))
                                k++;
                        if (k + 1 < n && v[k] == '=' && v[k + 1] == '?')
                                i = k;
                        continue;
                }
                sg_strbuf_add_c(&b, v[i++]);
        }
        return sg_strbuf_take(&b, NULL);
}

/* A message file's Subject (unfolded, encoded words decoded) and its body as
 * it stands in the file after the first empty line, as the Thunderbird
 * extension reads a message file attached from disk. */
static sg_err add_message_file(sg_send_texts *t, const unsigned char *bytes, size_t n, sg_error *err) {
        size_t len = 0, head_end, body_at;
        char *raw = sg_send_text_decode(bytes, n, &len), *subject = NULL, *p;
        sg_err e;
        if (!raw)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        head_end = body_at = len;
        for (size_t i = 0; i < len; i++)
                if (raw[i] == '\n' && (i + 1 < len && (raw[i + 1] == '\n' ||
                                                       (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')))) {
                        head_end = i;
                        body_at = i + (raw[i + 1] == '\n' ? 2 : 3);
                        break;
                }
        for (size_t i = 0; i < head_end && !subject;) {
                size_t e2 = i;
                while (e2 < head_end && raw[e2] != '\n')
                        e2++;
                if (e2 - i >= 8 && _strnicmp(raw + i, "subject:", 8) == 0) {
                        sg_strbuf v = {0};
                        size_t j = i + 8;
                        for (;;) { /* this line, then its continuation lines, unfolded */
                                for (; j < e2; j++)
                                        if (raw[j] != '\r')
                                                sg_strbuf_add_c(&v, raw[j]);
                                if (e2 + 1 < head_end && (raw[e2 + 1] == ' ' || raw[e2 + 1] == '\t')) {
                                        j = e2 + 1;
                                        for (e2 = j; e2 < head_end && raw[e2] != '\n'; e2++)
                                                ;
                                        continue;
                                }
                                break;
                        }
                        p = sg_strbuf_take(&v, NULL);
                        if (!p) {
                                free(raw);
                                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                        }
                        size_t k = 0;
                        while (p[k] == ' ' || p[k] == '\t')
                                k++;
                        subject = decode_words(p + k, strlen(p + k));
                        free(p);
                        if (!subject) {
                                free(raw);
                                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                        }
                }
                i = e2 + 1;
        }
        e = subject ? add(t, SG_TEXT_FORWARDED_SUBJECT, NULL, subject, strlen(subject), err) : SG_OK;
        if (!e && body_at < len) {
                char *body = malloc(len - body_at + 1);
                if (body) {
                        memcpy(body, raw + body_at, len - body_at);
                        body[len - body_at] = '\0';
                }
                e = add(t, SG_TEXT_FORWARDED_BODY, NULL, body, len - body_at, err);
        }
        free(raw);
        return e;
}

/* ---- reading the item ------------------------------------------------------ */

/* The attachment's bytes (PR_ATTACH_DATA_BIN, a byte array) into *v. */
static bool attachment_bytes(IDispatch *a, VARIANT *v) {
        IDispatch *pa;
        VARIANT arg;
        HRESULT hr;
        VariantInit(v);
        if (FAILED(sg_disp_get_obj(a, L"PropertyAccessor", &pa)))
                return false;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(PR_ATTACH_DATA_BIN);
        hr = V_BSTR(&arg) ? sg_disp_call(pa, L"GetProperty", &arg, 1, v) : E_OUTOFMEMORY;
        VariantClear(&arg);
        IDispatch_Release(pa);
        if (FAILED(hr))
                return false;
        if (V_VT(v) != (VT_ARRAY | VT_UI1) || !V_ARRAY(v) || SafeArrayGetDim(V_ARRAY(v)) != 1) {
                VariantClear(v);
                return false;
        }
        return true;
}

static sg_err read_attachment(sg_send_texts *t, IDispatch *a, sg_error *err) {
        char *name = NULL, *mime;
        long type = OL_BY_VALUE, lo = 0, hi = -1;
        bool message, text;
        VARIANT v;
        unsigned char *data = NULL;
        sg_err e = SG_OK;

        if (FAILED(sg_disp_get_utf8(a, L"FileName", &name)) || !name)
                name = sg_strdup("");
        if (!name)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (FAILED(sg_disp_get_long(a, L"Type", &type)))
                type = OL_BY_VALUE;
        mime = sg_disp_accessor_string(a, PR_ATTACH_MIME_TAG);
        message = type == OL_EMBEDDED_ITEM || sg_send_is_message_attachment(name, mime);
        text = sg_send_is_text_attachment(name, mime);
        free(mime);
        if (!message && !text) {
                free(name);
                return SG_OK;
        }
        if (type != OL_BY_VALUE || !attachment_bytes(a, &v)) {
                e = sg_error_set(err, SG_ERR_IO, "the attachment \"%s\" cannot be read for the content checks", name);
                free(name);
                return e;
        }
        SafeArrayGetLBound(V_ARRAY(&v), 1, &lo);
        SafeArrayGetUBound(V_ARRAY(&v), 1, &hi);
        size_t n = hi >= lo ? (size_t) (hi - lo) + 1 : 0;
        if (n / 2 > SG_MSG_TEXT_TOTAL_MAX) {
                /* Whatever its charset, its text is over the limit on its own
                 * (two bytes at most per UTF-8 byte): not decoded. */
                e = sg_error_set(err, SG_ERR_LIMIT, "the attachment \"%s\" has more than %u bytes of text", name,
                                 (unsigned) SG_MSG_TEXT_TOTAL_MAX);
        } else if (n && FAILED(SafeArrayAccessData(V_ARRAY(&v), (void **) &data))) {
                e = sg_error_set(err, SG_ERR_IO, "the attachment \"%s\" cannot be read for the content checks", name);
        } else if (message) {
                e = add_message_file(t, n ? data : (const unsigned char *) "", n, err);
        } else {
                size_t len = 0;
                char *s = sg_send_text_decode(n ? data : (const unsigned char *) "", n, &len);
                e = add(t, SG_TEXT_ATTACHMENT, name, s, len, err);
        }
        if (data)
                SafeArrayUnaccessData(V_ARRAY(&v));
        VariantClear(&v);
        free(name);
        return e;
}

static bool same_text(const char *a, size_t an, const char *b, size_t bn) {
        while (an && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n'))
                a++, an--;
        while (an && (a[an - 1] == ' ' || a[an - 1] == '\t' || a[an - 1] == '\r' || a[an - 1] == '\n'))
                an--;
        while (bn && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
                b++, bn--;
        while (bn && (b[bn - 1] == ' ' || b[bn - 1] == '\t' || b[bn - 1] == '\r' || b[bn - 1] == '\n'))
                bn--;
        return an == bn && memcmp(a, b, an) == 0;
}

static sg_err read_html(sg_send_texts *t, IDispatch *item, const char *body, size_t body_len, sg_error *err) {
        long format = 0;
        char *html = NULL, *text;
        size_t len = 0;
        if (FAILED(sg_disp_get_long(item, L"BodyFormat", &format)) || format != OL_FORMAT_HTML)
                return SG_OK;
        if (FAILED(sg_disp_get_utf8(item, L"HTMLBody", &html)) || !html)
                return SG_OK;
        text = sg_send_html_to_text(html, strlen(html), &len);
        free(html);
        if (text && same_text(text, len, body ? body : "", body ? body_len : 0)) {
                free(text);
                return SG_OK;
        }
        return add(t, SG_TEXT_ALTERNATIVE, NULL, text, len, err);
}

sg_err sg_send_texts_read(IDispatch *item, const char *body, size_t body_len, sg_send_texts *t, sg_error *err) {
        IDispatch *atts;
        long count = 0;
        sg_err e;

        memset(t, 0, sizeof(*t));
        t->bytes = body_len;
        e = read_html(t, item, body, body_len, err);
        if (!e && SUCCEEDED(sg_disp_get_obj(item, L"Attachments", &atts))) {
                if (SUCCEEDED(sg_disp_get_long(atts, L"Count", &count)))
                        for (long i = 1; i <= count && !e && !full(t); i++) {
                                IDispatch *a;
                                if (FAILED(sg_disp_item(atts, i, &a))) {
                                        e = sg_error_set(err, SG_ERR_IO, "cannot read attachment %ld", i);
                                        break;
                                }
                                e = read_attachment(t, a, err);
                                IDispatch_Release(a);
                        }
                IDispatch_Release(atts);
        }
        if (e)
                sg_send_texts_clear(t);
        return e;
}

void sg_send_texts_clear(sg_send_texts *t) {
        for (size_t i = 0; i < t->n; i++) {
                free((char *) t->v[i].name);
                free((char *) t->v[i].text);
        }
        free(t->v);
        memset(t, 0, sizeof(*t));
}
