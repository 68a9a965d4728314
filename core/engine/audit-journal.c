/* sealgate: the journal fields of one audit record (sealgate/audit-journal.h):
 * a small scanner over the top-level keys of the record's JSON line (libc
 * only; the record is sg_audit_format's, but every byte is still checked),
 * JSON string decoding, and the one-line MESSAGE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/audit-journal.h"
#include "sealgate/util.h"

typedef struct scan {
        const char *p, *end;
} scan;

static void skip_ws(scan *s) {
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
                s->p++;
}

static int read_u4(const char *p, const char *end, unsigned *ret) {
        if (end - p < 4)
                return -1;
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                int h = sg_hex_digit(p[i]);
                if (h < 0)
                        return -1;
                v = v << 4 | (unsigned) h;
        }
        *ret = v;
        return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
        if (cp < 0x80) {
                o[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char) (0xC0 | cp >> 6);
                o[1] = (char) (0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char) (0xE0 | cp >> 12);
                o[1] = (char) (0x80 | (cp >> 6 & 0x3F));
                o[2] = (char) (0x80 | (cp & 0x3F));
                return 3;
        }
        o[0] = (char) (0xF0 | cp >> 18);
        o[1] = (char) (0x80 | (cp >> 12 & 0x3F));
        o[2] = (char) (0x80 | (cp >> 6 & 0x3F));
        o[3] = (char) (0x80 | (cp & 0x3F));
        return 4;
}

/* A JSON string at s->p (on its opening quote). With `out` (room for the
 * string's raw length), its decoded bytes go there and *ret_len gets their
 * number. -1 on a malformed string. */
static int scan_string(scan *s, char *out, size_t *ret_len) {
        if (s->p >= s->end || *s->p != '"')
                return -1;
        s->p++;
        size_t n = 0;
        while (s->p < s->end) {
                char c = *s->p++;
                if (c == '"') {
                        if (ret_len)
                                *ret_len = n;
                        return 0;
                }
                if ((unsigned char) c < 0x20)
                        return -1;
                if (c != '\\') {
                        if (out)
                                out[n] = c;
                        n++;
                        continue;
                }
                if (s->p >= s->end)
                        return -1;
                char e = *s->p++;
                char one = 0;
                switch (e) {
                case '"':
                        one = '"';
                        break;
                case '\\':
                        one = '\\';
                        break;
                case '/':
                        one = '/';
                        break;
                case 'b':
                        one = '\b';
                        break;
                case 'f':
                        one = '\f';
                        break;
                case 'n':
                        one = '\n';
                        break;
                case 'r':
                        one = '\r';
                        break;
                case 't':
                        one = '\t';
                        break;
                case 'u': {
                        unsigned cp;
                        if (read_u4(s->p, s->end, &cp))
                                return -1;
                        s->p += 4;
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                                unsigned lo;
                                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
                                    read_u4(s->p + 2, s->end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                                        cp = 0xFFFD; /* a lone high surrogate */
                                else {
                                        s->p += 6;
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                }
                        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                                cp = 0xFFFD;
                        }
                        char buf[4];
                        size_t k = put_utf8(buf, cp);
                        if (out)
                                memcpy(out + n, buf, k);
                        n += k;
                        continue;
                }
                default:
                        return -1;
                }
                if (out)
                        out[n] = one;
                n++;
        }
        return -1;
}

/* Skip one JSON value of any kind; -1 when malformed or nested too deep. */
static int skip_value(scan *s, int depth) {
        skip_ws(s);
        if (s->p >= s->end)
                return -1;
        char c = *s->p;
        if (c == '"')
                return scan_string(s, NULL, NULL);
        if (c == '{' || c == '[') {
                if (depth >= SG_AUDIT_JOURNAL_DEPTH_MAX)
                        return -2;
                char close = c == '{' ? '}' : ']';
                s->p++;
                skip_ws(s);
                if (s->p < s->end && *s->p == close) {
                        s->p++;
                        return 0;
                }
                for (;;) {
                        if (c == '{') {
                                skip_ws(s);
                                if (scan_string(s, NULL, NULL))
                                        return -1;
                                skip_ws(s);
                                if (s->p >= s->end || *s->p != ':')
                                        return -1;
                                s->p++;
                        }
                        int r = skip_value(s, depth + 1);
                        if (r)
                                return r;
                        skip_ws(s);
                        if (s->p >= s->end)
                                return -1;
                        if (*s->p == ',') {
                                s->p++;
                                continue;
                        }
                        if (*s->p == close) {
                                s->p++;
                                return 0;
                        }
                        return -1;
                }
        }
        /* true, false, null, a number: up to the next delimiter */
        const char *start = s->p;
        while (s->p < s->end &&
               (strchr("+-.eE", *s->p) || (*s->p >= '0' && *s->p <= '9') || (*s->p >= 'a' && *s->p <= 'z')))
                s->p++;
        size_t n = (size_t) (s->p - start);
        if (n == 0)
                return -1;
        if ((start[0] >= 'a' && start[0] <= 'z') &&
            !((n == 4 && memcmp(start, "true", 4) == 0) || (n == 5 && memcmp(start, "false", 5) == 0) ||
              (n == 4 && memcmp(start, "null", 4) == 0)))
                return -1;
        return 0;
}

/* "NAME=" followed by `vlen` bytes of `v` as a new field. */
static int add_field(sg_journal_field *f, size_t *n, const char *name, const char *v, size_t vlen) {
        size_t nl = strlen(name);
        char *d = malloc(nl + 1 + vlen + 1);
        if (!d)
                return -1;
        memcpy(d, name, nl);
        d[nl] = '=';
        if (vlen)
                memcpy(d + nl + 1, v, vlen);
        d[nl + 1 + vlen] = '\0';
        f[*n].data = d;
        f[*n].len = nl + 1 + vlen;
        (*n)++;
        return 0;
}

void sg_journal_fields_free(sg_journal_field *fields, size_t n) {
        if (!fields)
                return;
        for (size_t i = 0; i < n; i++)
                free(fields[i].data);
        free(fields);
}

/* The value of field SEALGATE_<key> among f[0..n), or "-". */
static const char *field_value(const sg_journal_field *f, size_t n, const char *key) {
        size_t kl = strlen(key);
        for (size_t i = 0; i < n; i++)
                if (f[i].len > kl && memcmp(f[i].data, key, kl) == 0 && f[i].data[kl] == '=')
                        return f[i].data + kl + 1;
        return "-";
}

sg_err sg_journal_fields_new(const char *line, size_t len, sg_journal_field **ret_fields, size_t *ret_n,
                             sg_error *err) {
        if (!line || !ret_fields || !ret_n)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no audit line");
        /* MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, SEALGATE_RECORD, the keys */
        sg_journal_field *f = calloc(4 + SG_AUDIT_JOURNAL_KEYS_MAX, sizeof *f);
        if (!f)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        size_t n = 0;
        sg_err code = SG_OK;
        const char *why = NULL;
        scan s = {line, line + len};
        char *buf = NULL;

        skip_ws(&s);
        if (s.p >= s.end || *s.p != '{') {
                code = SG_ERR_JSON, why = "the audit record is not a JSON object";
                goto fail;
        }
        s.p++;
        n = 1; /* f[0]: MESSAGE, filled at the end */
        skip_ws(&s);
        if (s.p < s.end && *s.p == '}')
                s.p++;
        else
                for (size_t keys = 0;; keys++) {
                        skip_ws(&s);
                        const char *kstart = s.p;
                        size_t klen;
                        if (scan_string(&s, NULL, &klen)) {
                                code = SG_ERR_JSON, why = "a key of the audit record is not a JSON string";
                                goto fail;
                        }
                        if (keys == SG_AUDIT_JOURNAL_KEYS_MAX) {
                                code = SG_ERR_LIMIT, why = "the audit record has more keys than the journal takes";
                                goto fail;
                        }
                        if (klen == 0 || klen > SG_AUDIT_JOURNAL_KEY_MAX) {
                                code = klen ? SG_ERR_LIMIT : SG_ERR_JSON;
                                why = "a key of the audit record is empty or too long for a journal field name";
                                goto fail;
                        }
                        char name[sizeof SG_AUDIT_JOURNAL_PREFIX + SG_AUDIT_JOURNAL_KEY_MAX];
                        memcpy(name, SG_AUDIT_JOURNAL_PREFIX, sizeof SG_AUDIT_JOURNAL_PREFIX - 1);
                        char *np = name + sizeof SG_AUDIT_JOURNAL_PREFIX - 1;
                        const char *kp = kstart + 1;
                        for (size_t i = 0; i < klen; i++, kp++) {
                                char c = *kp;
                                if (c >= 'a' && c <= 'z')
                                        c = (char) (c - 'a' + 'A');
                                else if (!((c >= '0' && c <= '9') || c == '_')) {
                                        code = SG_ERR_JSON, why = "a key of the audit record is not a-z, 0-9, _";
                                        goto fail;
                                }
                                *np++ = c;
                        }
                        *np = '\0';
                        skip_ws(&s);
                        if (s.p >= s.end || *s.p != ':') {
                                code = SG_ERR_JSON, why = "the audit record is not valid JSON (no ':')";
                                goto fail;
                        }
                        s.p++;
                        skip_ws(&s);
                        const char *vstart = s.p;
                        int r;
                        if (s.p < s.end && *s.p == '"') {
                                size_t vlen;
                                scan probe = s;
                                if (scan_string(&probe, NULL, &vlen)) {
                                        code = SG_ERR_JSON, why = "a string of the audit record is not valid JSON";
                                        goto fail;
                                }
                                /* Decoding never makes a string longer than its JSON text. */
                                buf = malloc((size_t) (probe.p - s.p) + 1);
                                if (!buf) {
                                        code = SG_ERR_NOMEM, why = "out of memory";
                                        goto fail;
                                }
                                scan_string(&s, buf, &vlen);
                                r = add_field(f, &n, name, buf, vlen);
                                free(buf);
                                buf = NULL;
                        } else {
                                r = skip_value(&s, 0);
                                if (r) {
                                        code = r == -2 ? SG_ERR_LIMIT : SG_ERR_JSON;
                                        why = r == -2 ? "a value of the audit record is nested too deep"
                                                      : "a value of the audit record is not valid JSON";
                                        goto fail;
                                }
                                r = add_field(f, &n, name, vstart, (size_t) (s.p - vstart));
                        }
                        if (r) {
                                code = SG_ERR_NOMEM, why = "out of memory";
                                goto fail;
                        }
                        skip_ws(&s);
                        if (s.p < s.end && *s.p == ',') {
                                s.p++;
                                continue;
                        }
                        if (s.p < s.end && *s.p == '}') {
                                s.p++;
                                break;
                        }
                        code = SG_ERR_JSON, why = "the audit record is not valid JSON (no ',' or '}')";
                        goto fail;
                }
        skip_ws(&s);
        if (s.p != s.end) {
                code = SG_ERR_JSON, why = "something follows the audit record's object";
                goto fail;
        }

        /* The line itself, without its newline. */
        size_t ll = len;
        while (ll && (line[ll - 1] == '\n' || line[ll - 1] == '\r'))
                ll--;
        char msg[SG_AUDIT_JOURNAL_MESSAGE_MAX];
        int ml = snprintf(msg, sizeof msg,
                          "send attempt %.40s: %.20s (action %.20s, choice %.80s, by %.20s, route %.80s)",
                          field_value(f, n, "SEALGATE_ATTEMPT"), field_value(f, n, "SEALGATE_OUTCOME"),
                          field_value(f, n, "SEALGATE_ACTION"), field_value(f, n, "SEALGATE_CHOICE"),
                          field_value(f, n, "SEALGATE_BY"), field_value(f, n, "SEALGATE_ROUTE"));
        if (ml < 0)
                ml = 0;
        if ((size_t) ml >= sizeof msg)
                ml = (int) sizeof msg - 1;
        /* one line, whatever the strings held */
        for (int i = 0; i < ml; i++)
                if (msg[i] == '\n' || msg[i] == '\r')
                        msg[i] = ' ';
        size_t keys_end = n;
        n = 0;
        if (add_field(f, &n, "MESSAGE", msg, (size_t) ml)) {
                n = keys_end;
                code = SG_ERR_NOMEM, why = "out of memory";
                goto fail;
        }
        n = keys_end;
        if (add_field(f, &n, "PRIORITY", "6", 1) ||
            add_field(f, &n, "SYSLOG_IDENTIFIER", SG_AUDIT_JOURNAL_IDENTIFIER, strlen(SG_AUDIT_JOURNAL_IDENTIFIER)) ||
            add_field(f, &n, "SEALGATE_RECORD", line, ll)) {
                code = SG_ERR_NOMEM, why = "out of memory";
                goto fail;
        }
        *ret_fields = f;
        *ret_n = n;
        return SG_OK;
fail:
        free(buf);
        sg_journal_fields_free(f, n);
        return sg_error_set(err, code, "%s", why);
}
