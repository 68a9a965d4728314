/* sealgate: the audit record as one JSON line, with its own JSON string
 * escaping (no JSON library: the Outlook add-in links this with mingw), and
 * the civil dates of audit file names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/audit.h"
#include "sealgate/outcome.h"
#include "sealgate/strbuf.h"

static const char *const outcome_names[SG_AUDIT_OUTCOME__MAX] = {
        "sent", "routed", "encrypt", "blocked", "cancelled", "abandoned",
};

const char *sg_audit_outcome_name(sg_audit_outcome o) {
        return (unsigned) o < SG_AUDIT_OUTCOME__MAX ? outcome_names[o] : "abandoned";
}

static const char *const not_ready_words[] = {
        "no_key",        "no_cert",       "expired",
        "revoked",       "not_accepted",  "wrong_usage",
        "wrong_address", "lookup_failed", "revocation_unknown",
        "invalid",       "unknown",
};

bool sg_audit_not_ready_word(const char *word) {
        for (size_t i = 0; word && i < sizeof not_ready_words / sizeof not_ready_words[0]; i++)
                if (strcmp(word, not_ready_words[i]) == 0)
                        return true;
        return false;
}

sg_audit_outcome sg_audit_outcome_of(const sg_decision *d, const sg_choice *choice) {
        if (choice) {
                switch (choice->kind) {
                case SG_CHOICE_ENCRYPT:
                        return SG_AUDIT_ENCRYPT;
                case SG_CHOICE_ROUTE:
                        return SG_AUDIT_ROUTED;
                case SG_CHOICE_SEND:
                        return SG_AUDIT_SENT;
                default:
                        return SG_AUDIT_CANCELLED;
                }
        }
        switch (d ? d->action : SG_ACTION_ALLOW) {
        case SG_ACTION_ROUTE:
                return SG_AUDIT_ROUTED;
        case SG_ACTION_ENCRYPT:
                return SG_AUDIT_ENCRYPT;
        case SG_ACTION_BLOCK:
                return SG_AUDIT_BLOCKED;
        case SG_ACTION_PROMPT:
                return SG_AUDIT_ABANDONED; /* a prompt nobody answered */
        default:
                return SG_AUDIT_SENT;
        }
}

/* ---- civil dates (proleptic Gregorian, UTC), after H. Hinnant's algorithms */

static int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
        z += 719468;
        int64_t era = floor_div(z, 146097);
        unsigned doe = (unsigned) (z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int64_t) yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        int64_t era = floor_div(y, 400);
        unsigned yoe = (unsigned) (y - era * 400);
        unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t) doe - 719468;
}

int64_t sg_audit_day_of(int64_t time_ms) {
        return floor_div(time_ms, 86400000);
}

void sg_audit_file_name(int64_t time_ms, char out[SG_AUDIT_FILE_NAME_SIZE]) {
        int64_t y;
        unsigned m, d;
        civil_from_days(sg_audit_day_of(time_ms), &y, &m, &d);
        if (y < 0 || y > 9999)
                y = 0; /* not a date a clock gives; keep the name's shape */
        /* The remainders only tell the compiler the fields fit (-Wformat-truncation at -O3). */
        snprintf(out, SG_AUDIT_FILE_NAME_SIZE, "audit-%04u-%02u-%02u.jsonl", (unsigned) y % 10000u, m % 100u, d % 100u);
}

static bool digits(const char *s, size_t n, unsigned *ret) {
        unsigned v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        *ret = v;
        return true;
}

bool sg_audit_file_day(const char *name, int64_t *ret_day) {
        unsigned y, m, d;
        if (!name || strlen(name) != SG_AUDIT_FILE_NAME_SIZE - 1 || strncmp(name, "audit-", 6) != 0 ||
            name[10] != '-' || name[13] != '-' || strcmp(name + 16, ".jsonl") != 0 || !digits(name + 6, 4, &y) ||
            !digits(name + 11, 2, &m) || !digits(name + 14, 2, &d))
                return false;
        static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
                return false;
        if (ret_day)
                *ret_day = days_from_civil(y, m, d);
        return true;
}

bool sg_audit_expired(int64_t file_day, int64_t today, unsigned retention_days) {
        return retention_days > 0 && today - file_day > (int64_t) retention_days;
}

/* ---- the line */

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
        unsigned c = s[0];
        size_t len;
        unsigned min;
        if (c < 0x80)
                return 1;
        if (c >= 0xC2 && c <= 0xDF)
                len = 2, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
                len = 3, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
                len = 4, min = 0x10000;
        else
                return 0;
        if (n < len)
                return 0;
        unsigned cp = c & (0x7F >> len);
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return len;
}

/* A JSON string (RFC 8259): quotes, backslash and controls escaped, invalid
 * UTF-8 replaced by U+FFFD, and U+2028/U+2029 escaped so the line is also
 * safe for JavaScript readers. */
static void put_json_str(sg_strbuf *b, const char *str) {
        if (!str) {
                sg_strbuf_add_str(b, "null");
                return;
        }
        static const char hex[] = "0123456789abcdef";
        const unsigned char *s = (const unsigned char *) str;
        size_t n = strlen(str);
        sg_strbuf_add_str(b, "\"");
        size_t i = 0;
        while (i < n) {
                size_t run = i;
                while (run < n && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' && s[run] != '\\')
                        run++;
                sg_strbuf_add(b, (const char *) s + i, run - i);
                i = run;
                if (i >= n)
                        break;
                unsigned char c = s[i];
                char esc[7];
                if (c == '"' || c == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char) c;
                        sg_strbuf_add(b, esc, 2);
                        i++;
                } else if (c < 0x20 || c == 0x7F) {
                        const char *short_esc = c == '\n'   ? "\\n"
                                                : c == '\r' ? "\\r"
                                                : c == '\t' ? "\\t"
                                                : c == '\b' ? "\\b"
                                                : c == '\f' ? "\\f"
                                                            : NULL;
                        if (short_esc) {
                                sg_strbuf_add_str(b, short_esc);
                        } else {
                                memcpy(esc, "\\u00", 4);
                                esc[4] = hex[c >> 4];
                                esc[5] = hex[c & 15];
                                sg_strbuf_add(b, esc, 6);
                        }
                        i++;
                } else {
                        size_t len = utf8_seq(s + i, n - i);
                        if (len == 0) {
                                sg_strbuf_add_str(b, "\\ufffd");
                                i++;
                        } else if (len == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 &&
                                   (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
                                sg_strbuf_add_str(b, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
                                i += 3;
                        } else {
                                sg_strbuf_add(b, (const char *) s + i, len);
                                i += len;
                        }
                }
        }
        sg_strbuf_add_str(b, "\"");
}

static void put_key(sg_strbuf *b, const char *key, bool first) {
        if (!first)
                sg_strbuf_add_str(b, ",");
        put_json_str(b, key);
        sg_strbuf_add_str(b, ":");
}

/* v as exactly `width` digits (v < 10^width). */
static void fixed(char *out, unsigned v, int width) {
        for (int i = width - 1; i >= 0; i--, v /= 10)
                out[i] = (char) ('0' + v % 10);
}

static void put_time(sg_strbuf *b, int64_t ms) {
        int64_t y;
        unsigned mo, d;
        int64_t day = sg_audit_day_of(ms);
        int64_t in_day = ms - day * 86400000;
        civil_from_days(day, &y, &mo, &d);
        if (y < 0 || y > 9999)
                y = 0;
        /* "YYYY-MM-DDTHH:MM:SS.mmmZ", quoted */
        char t[] = "\"0000-00-00T00:00:00.000Z\"";
        fixed(t + 1, (unsigned) y, 4);
        fixed(t + 6, mo, 2);
        fixed(t + 9, d, 2);
        fixed(t + 12, (unsigned) (in_day / 3600000), 2);
        fixed(t + 15, (unsigned) (in_day / 60000 % 60), 2);
        fixed(t + 18, (unsigned) (in_day / 1000 % 60), 2);
        fixed(t + 21, (unsigned) (in_day % 1000), 3);
        sg_strbuf_add(b, t, sizeof t - 1);
}

/* The external domains are the evidence of the built-in external_recipients
 * reason: distinct, IDNA ASCII, never a whole address of someone outside. */
static void put_domains(sg_strbuf *b, const sg_decision *d) {
        sg_strbuf_add_str(b, "[");
        for (size_t i = 0; i < d->n_reasons; i++) {
                const sg_reason *r = &d->reasons[i];
                if (r->code != SG_REASON_EXTERNAL_RECIPIENTS)
                        continue;
                for (size_t k = 0; k < r->n_items && k < SG_AUDIT_DOMAINS_MAX; k++) {
                        if (k)
                                sg_strbuf_add_str(b, ",");
                        put_json_str(b, r->items[k]);
                }
                break;
        }
        sg_strbuf_add_str(b, "]");
}

static void put_reasons(sg_strbuf *b, const sg_decision *d) {
        sg_strbuf_add_str(b, "[");
        for (size_t i = 0; i < d->n_reasons; i++) {
                const sg_reason *r = &d->reasons[i];
                sg_strbuf_add_str(b, i ? ",{" : "{");
                put_key(b, "code", true);
                put_json_str(b, sg_reason_code_name(r->code));
                put_key(b, "trigger", false);
                put_json_str(b, r->trigger);
                put_key(b, "action", false);
                put_json_str(b, sg_action_name(r->action));
                put_key(b, "detail", false);
                put_json_str(b, r->detail);
                sg_strbuf_add_str(b, "}");
        }
        sg_strbuf_add_str(b, "]");
}

sg_err sg_audit_format(const sg_audit_record *r, char **ret_line, size_t *ret_len, sg_error *err) {
        if (!r || !r->decision || !ret_line)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_audit_format: no record, decision or result");
        const sg_decision *d = r->decision;
        sg_strbuf b = {.max = SG_AUDIT_LINE_MAX};
        sg_strbuf_add_str(&b, "{");
        put_key(&b, "v", true);
        sg_strbuf_add_u64(&b, SG_AUDIT_VERSION);
        put_key(&b, "time", false);
        put_time(&b, r->time_ms);
        put_key(&b, "attempt", false);
        put_json_str(&b, r->attempt);
        put_key(&b, "client", false);
        put_json_str(&b, r->client);
        put_key(&b, "user", false);
        put_json_str(&b, r->user);
        put_key(&b, "message_id", false);
        put_json_str(&b, r->message_id);
        put_key(&b, "sender", false);
        put_json_str(&b, r->sender);
        put_key(&b, "recipients", false);
        sg_strbuf_add_str(&b, "{\"internal\":");
        sg_strbuf_add_u64(&b, d->n_recipients - d->n_external);
        sg_strbuf_add_str(&b, ",\"external\":");
        sg_strbuf_add_u64(&b, d->n_external);
        sg_strbuf_add_str(&b, "}");
        put_key(&b, "external_domains", false);
        put_domains(&b, d);
        put_key(&b, "reasons", false);
        put_reasons(&b, d);
        put_key(&b, "action", false);
        put_json_str(&b, sg_action_name(d->action));

        put_key(&b, "choice", false);
        const char *route = d->action == SG_ACTION_ROUTE ? d->route : NULL;
        if (!r->choice) {
                sg_strbuf_add_str(&b, "null");
        } else {
                char id[SG_CHOICE_ID_SIZE];
                put_json_str(&b, sg_choice_id(r->choice, id));
                route = r->choice->kind == SG_CHOICE_ROUTE ? r->choice->route : NULL;
        }
        if (r->route_given)
                route = r->route;
        put_key(&b, "by", false);
        put_json_str(&b, r->by);
        put_key(&b, "justification", false);
        put_json_str(&b, r->justification);
        put_key(&b, "route", false);
        put_json_str(&b, route);
        put_key(&b, "outcome", false);
        put_json_str(&b, sg_audit_outcome_name(r->outcome));
        put_key(&b, "prompt_error", false);
        put_json_str(&b, r->prompt_error);
        put_key(&b, "bcc", false);
        put_json_str(&b, r->bcc);
        if (r->applied) {
                const sg_audit_applied *a = r->applied;
                put_key(&b, "event", false);
                put_json_str(&b, "applied");
                put_key(&b, "applied", false);
                sg_strbuf_add_str(&b, "{\"technology\":");
                put_json_str(&b, a->technology);
                sg_strbuf_add_str(&b, ",\"route\":");
                put_json_str(&b, a->route);
                sg_strbuf_add_str(&b, ",\"headers\":[");
                for (size_t i = 0; i < a->n_headers && i < SG_AUDIT_APPLIED_HEADERS_MAX; i++) {
                        if (i)
                                sg_strbuf_add_str(&b, ",");
                        put_json_str(&b, a->headers[i]);
                }
                sg_strbuf_add_str(&b, "],\"subject_tag\":");
                put_json_str(&b, a->subject_tag);
                sg_strbuf_add_str(&b, a->fallback ? ",\"fallback\":true" : ",\"fallback\":false");
                sg_strbuf_add_str(&b, ",\"not_ready\":{");
                for (size_t i = 0, k = 0; i < a->n_not_ready && i < SG_AUDIT_NOT_READY_MAX; i++) {
                        if (!a->not_ready[i].address)
                                continue; /* an object key cannot be null */
                        if (k++)
                                sg_strbuf_add_str(&b, ",");
                        put_json_str(&b, a->not_ready[i].address);
                        sg_strbuf_add_str(&b, ":");
                        put_json_str(&b, a->not_ready[i].reason);
                }
                sg_strbuf_add_str(&b, "}");
                if (a->copy) { /* only a split delivery's records carry it */
                        sg_strbuf_add_str(&b, ",\"copy\":");
                        put_json_str(&b, a->copy);
                }
                sg_strbuf_add_str(&b, "}");
                put_key(&b, "confirmed", false);
                sg_strbuf_add_str(&b, a->confirmed > 0 ? "true" : a->confirmed == 0 ? "false" : "null");
        }
        sg_strbuf_add_str(&b, "}\n");

        if (b.oom || b.over) {
                free(b.s);
                return b.oom ? sg_error_set(err, SG_ERR_NOMEM, "out of memory formatting an audit record")
                             : sg_error_set(err, SG_ERR_LIMIT, "audit record longer than %u bytes", SG_AUDIT_LINE_MAX);
        }
        *ret_line = b.s;
        if (ret_len)
                *ret_len = b.n;
        return SG_OK;
}
