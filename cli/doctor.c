/* sealgate doctor: finds the native-messaging manifest Thunderbird will use,
 * checks it field by field, runs the host it names with one `version` frame,
 * and validates the policy in force. Thunderbird itself only ever says "No such
 * native application"; every line here says what is wrong and how to fix it.
 *
 * Thunderbird's lookup on Linux (Gecko's NativeManifests): the user directory
 * ~/.mozilla/native-messaging-hosts, then the system directory
 * /usr/lib/mozilla/native-messaging-hosts (builds for distributions with
 * /usr/lib64 use /usr/lib64/mozilla/... instead). A manifest that cannot be
 * read, is not JSON, or fails the schema, type, name, absolute path or
 * allowed_extensions rules is skipped and the next directory is tried. */
#include "doctor.h"
#include "doctor-line.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "sealgate/error.h"
#include "sealgate/frame.h"
#include "sealgate/manifest.h"
#include "sealgate/policy-json.h"
#include "sealgate/strbuf.h"
#include "sealgate/util.h"

#define SYSTEM_DIR       "/usr/lib/mozilla/native-messaging-hosts"
#define SYSTEM_DIR_LIB64 "/usr/lib64/mozilla/native-messaging-hosts"
#define USER_SUBDIR      ".mozilla/native-messaging-hosts"
#define THUNDERBIRD_DIR  ".thunderbird/native-messaging-hosts"
#define STDERR_KEEP      2048 /* bytes of the host's stderr kept for messages */
#define EXIT_GRACE_MS    1000 /* after its answer and EOF, before the host is killed */

/* The checks, in the order they are printed. */
enum {
        C_MANIFEST,
        C_READABLE,
        C_JSON,
        C_NAME,
        C_DESCRIPTION,
        C_TYPE,
        C_PATH,
        C_ALLOWED,
        C_HOST,
        C_POLICY,
        C_CALENDAR,
        C_COUNT
};

static const char *const check_ids[C_COUNT] = {
        "manifest", "manifest-readable",  "manifest-json", "name",   "description",          "type",
        "path",     "allowed_extensions", "host",          "policy", "calendar-invitations",
};

/* Whether the extension carries an Experiment API that sees the calendar's
 * iTIP sends (docs/admin/thunderbird-calendar.md): not in this build. */
#define SG_DOCTOR_ITIP_EXPERIMENT 0

static void oom(void) {
        fputs("sealgate: out of memory\n", stderr);
        exit(1);
}

/* ---- Growing strings: core's sg_strbuf, with printf-style appends. */

static void sb_vadd(sg_strbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void sb_vadd(sg_strbuf *b, const char *fmt, va_list ap) {
        char small[256];
        va_list ap2;
        va_copy(ap2, ap);
        int n = vsnprintf(small, sizeof small, fmt, ap2);
        va_end(ap2);
        if (n < 0)
                return;
        if ((size_t) n < sizeof small) {
                sg_strbuf_add(b, small, (size_t) n);
                return;
        }
        char *big = malloc((size_t) n + 1);
        if (!big)
                oom();
        vsnprintf(big, (size_t) n + 1, fmt, ap);
        sg_strbuf_add(b, big, (size_t) n);
        free(big);
}

static void sb_add(sg_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sg_strbuf *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        sb_vadd(b, fmt, ap);
        va_end(ap);
}

/* The text built so far, owned by the caller; the buffer is left empty. */
static char *sb_take(sg_strbuf *b) {
        char *s = sg_strbuf_take(b, NULL);
        if (!s)
                oom();
        return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
        sg_strbuf b = {0};
        va_list ap;
        va_start(ap, f);
        sb_vadd(&b, f, ap);
        va_end(ap);
        return sb_take(&b);
}

static char *xstrdup(const char *s) {
        char *r = strdup(s);
        if (!r)
                oom();
        return r;
}

/* Text from a file or a program for one line of output: control characters
 * become '?', and at most `max` bytes are kept (then "..."). Owned. */
static char *clean(const char *s, size_t len, size_t max) {
        sg_strbuf b = {0};
        size_t n = len < max ? len : max;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                sb_add(&b, "%c", c < 0x20 || c == 0x7F ? '?' : (char) c);
        }
        if (len > max)
                sb_add(&b, "...");
        return sb_take(&b);
}

/* A JSON string value from the manifest, quoted for a message. Owned. */
static char *quoted(const char *s) {
        char *c = clean(s, strlen(s), 200);
        char *r = fmt("\"%s\"", c);
        free(c);
        return r;
}

/* ---- The report. */

typedef struct check {
        bool done;
        bool ok;
        char *detail;
} check;

typedef struct report {
        check c[C_COUNT];
        bool json;
        bool write_error;
} report;

/* Record check `id` (takes `detail`) and print it at once in text mode, so a
 * slow host check shows what came before it. */
static void put(report *rep, int id, bool ok, char *detail) {
        check *c = &rep->c[id];
        c->done = true;
        c->ok = ok;
        c->detail = detail;
        if (rep->json)
                return;
        if (!sg_doctor_print_line(ok, check_ids[id], detail))
                rep->write_error = true;
}

/* ---- One manifest file, as Thunderbird would judge it. */

typedef struct evaluation {
        bool exists;        /* there is something at that path */
        check c[C_COUNT];   /* C_READABLE .. C_ALLOWED */
        bool accepted;      /* Thunderbird would take it */
        int rejected_by;    /* the first check that fails, or -1 */
        bool path_absolute; /* "path" is an absolute path (Thunderbird's rule) */
        bool path_usable;   /* ... and an executable regular file: the host can be run */
        char *exe;          /* the "path" value */
} evaluation;

static void set(evaluation *ev, int id, bool ok, char *detail) {
        ev->c[id].done = true;
        ev->c[id].ok = ok;
        ev->c[id].detail = detail;
}

static void evaluation_clear(evaluation *ev) {
        for (int i = 0; i < C_COUNT; i++)
                free(ev->c[i].detail);
        free(ev->exe);
}

/* ^\w+(\.\w+)*$ with \w = [A-Za-z0-9_], as JavaScript reads it. */
bool sg_doctor_name_valid(const char *name) {
        bool word = false; /* inside a run of \w */
        if (!name || !*name)
                return false;
        for (const char *p = name; *p; p++) {
                char c = *p;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
                        word = true;
                } else if (c == '.' && word) {
                        word = false;
                } else {
                        return false;
                }
        }
        return word;
}

/* Why the manifest at `file` cannot be used, worded for the person who
 * fixes it (sealgate/manifest.h reads and parses it, as the host's doctor op
 * does). Owned. */
static char *manifest_why(const char *file, const sg_manifest_info *in) {
        switch (in->status) {
        case SG_MANIFEST_IS_DIR:
                return fmt("%s is a directory, not a file: remove it and install the manifest file there", file);
        case SG_MANIFEST_CANNOT_OPEN:
                return fmt("cannot open %s: %s%s", file, strerror(in->sys_errno),
                           in->sys_errno == EACCES ? ": Thunderbird runs as you and must read it (chmod a+r, and "
                                                     "a+x on its directories)"
                                                   : "");
        case SG_MANIFEST_CANNOT_READ:
                return fmt("cannot read %s: %s", file, strerror(in->sys_errno));
        case SG_MANIFEST_TOO_LARGE:
                return fmt("%s is larger than %u bytes: not a manifest", file, (unsigned) SG_MANIFEST_MAX);
        case SG_MANIFEST_EMPTY:
                return xstrdup("the file is empty: write the manifest JSON into it");
        case SG_MANIFEST_INCOMPLETE:
                return xstrdup("not valid JSON: the text ends before the JSON value does (a missing "
                               "'}' or '\"'?): Thunderbird skips this manifest");
        case SG_MANIFEST_NOT_JSON:
                return fmt("not valid JSON at line %zu, column %zu: %s (Thunderbird reads it as strict "
                           "JSON: no comments, no trailing commas, UTF-8): Thunderbird skips this manifest",
                           in->line, in->col, in->json_error);
        case SG_MANIFEST_TRAILING:
                return fmt("not valid JSON: text after the JSON value at line %zu, column %zu: "
                           "Thunderbird skips this manifest",
                           in->line, in->col);
        case SG_MANIFEST_NOT_OBJECT:
                return xstrdup("valid JSON but not an object: a manifest is one object {\"name\": ..., "
                               "\"description\": ..., \"path\": ..., \"type\": \"stdio\", "
                               "\"allowed_extensions\": [...]}");
        case SG_MANIFEST_OK:
                break;
        }
        return xstrdup("usable");
}

/* A string member, or NULL; *ret_present says whether the key exists at all. */
static const char *member_string(json_object *o, const char *key, bool *ret_present) {
        json_object *v = NULL;
        *ret_present = json_object_object_get_ex(o, key, &v);
        if (!*ret_present || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static void check_name(evaluation *ev, json_object *m, const char *name) {
        bool present;
        const char *v = member_string(m, "name", &present);
        if (!v) {
                set(ev, C_NAME, false,
                    fmt("%s: add \"name\": \"%s\"", present ? "\"name\" is not a string" : "no \"name\"", name));
        } else if (!sg_doctor_name_valid(v)) {
                char *q = quoted(v);
                set(ev, C_NAME, false,
                    fmt("%s does not match ^\\w+(\\.\\w+)*$ (letters, digits, '_', dots between words): set "
                        "\"name\": \"%s\"",
                        q, name));
                free(q);
        } else if (strcmp(v, name) != 0) {
                char *q = quoted(v);
                set(ev, C_NAME, false,
                    fmt("\"name\" is %s, but the extension asks for \"%s\" (and the file is %s.json): set "
                        "\"name\": \"%s\"",
                        q, name, name, name));
                free(q);
        } else {
                set(ev, C_NAME, true, fmt("\"%s\"", v));
        }
}

static void check_description(evaluation *ev, json_object *m) {
        bool present;
        const char *v = member_string(m, "description", &present);
        if (!v) {
                set(ev, C_DESCRIPTION, false,
                    fmt("%s: Thunderbird requires it: add \"description\": \"sealgate secure-send helper\"",
                        present ? "\"description\" is not a string" : "no \"description\""));
        } else {
                char *q = quoted(v);
                set(ev, C_DESCRIPTION, true, q);
        }
}

static void check_type(evaluation *ev, json_object *m) {
        bool present;
        const char *v = member_string(m, "type", &present);
        if (v && strcmp(v, "stdio") == 0) {
                set(ev, C_TYPE, true, xstrdup("\"stdio\""));
        } else if (v) {
                char *q = quoted(v);
                set(ev, C_TYPE, false, fmt("\"type\" is %s: set \"type\": \"stdio\"", q));
                free(q);
        } else {
                set(ev, C_TYPE, false,
                    fmt("%s: add \"type\": \"stdio\"", present ? "\"type\" is not a string" : "no \"type\""));
        }
}

static void check_path(evaluation *ev, json_object *m) {
        bool present;
        const char *v = member_string(m, "path", &present);
        if (!v) {
                set(ev, C_PATH, false,
                    fmt("%s: add \"path\": the absolute path of sealgate-host (e.g. "
                        "\"/usr/libexec/sealgate/sealgate-host\")",
                        present ? "\"path\" is not a string" : "no \"path\""));
                return;
        }
        ev->exe = xstrdup(v);
        char *q = quoted(v);
        struct stat st;
        if (v[0] != '/') {
                set(ev, C_PATH, false,
                    fmt("%s is relative: on Linux Thunderbird requires an absolute path and skips this manifest: "
                        "write the full path of sealgate-host",
                        q));
        } else if (stat(v, &st) != 0) {
                int e = errno;
                ev->path_absolute = true;
                set(ev, C_PATH, false, fmt("%s: %s: install sealgate-host there or correct \"path\"", q, strerror(e)));
        } else if (!S_ISREG(st.st_mode)) {
                ev->path_absolute = true;
                set(ev, C_PATH, false,
                    fmt("%s is %s, not a regular file: \"path\" must name the sealgate-host program", q,
                        S_ISDIR(st.st_mode) ? "a directory" : "a special file"));
        } else if (access(v, X_OK) != 0) {
                int e = errno;
                ev->path_absolute = true;
                set(ev, C_PATH, false,
                    fmt("%s is not executable by you (mode %04o, owner uid %u: %s): chmod a+x it (and check the "
                        "noexec mount option)",
                        q, (unsigned) (st.st_mode & 07777), (unsigned) st.st_uid, strerror(e)));
        } else {
                ev->path_absolute = true;
                ev->path_usable = true;
                set(ev, C_PATH, true, fmt("%s, an executable file", q));
        }
        free(q);
}

static void check_allowed(evaluation *ev, json_object *m, const char *ext_id) {
        json_object *a = NULL;
        if (!json_object_object_get_ex(m, "allowed_extensions", &a)) {
                set(ev, C_ALLOWED, false,
                    fmt("no \"allowed_extensions\": add \"allowed_extensions\": [\"%s\"]", ext_id));
                return;
        }
        if (!json_object_is_type(a, json_type_array)) {
                set(ev, C_ALLOWED, false,
                    fmt("\"allowed_extensions\" is not an array: set \"allowed_extensions\": [\"%s\"]", ext_id));
                return;
        }
        size_t n = json_object_array_length(a);
        bool found = false;
        sg_strbuf listed = {0};
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string)) {
                        sg_strbuf_clear(&listed);
                        set(ev, C_ALLOWED, false,
                            fmt("\"allowed_extensions\"[%zu] is not a string: Thunderbird skips this manifest: list "
                                "extension ids only, e.g. [\"%s\"]",
                                i, ext_id));
                        return;
                }
                const char *s = json_object_get_string(e);
                if (strcmp(s, ext_id) == 0)
                        found = true;
                char *q = quoted(s);
                sb_add(&listed, "%s%s", i ? ", " : "", q);
                free(q);
        }
        char *l = sb_take(&listed);
        if (n == 0)
                set(ev, C_ALLOWED, false, fmt("\"allowed_extensions\" is empty: add \"%s\"", ext_id));
        else if (!found)
                set(ev, C_ALLOWED, false,
                    fmt("\"%s\" is not in \"allowed_extensions\" (%s): add it; if the extension's id is another, "
                        "run doctor with --extension-id ID",
                        ext_id, l));
        else
                set(ev, C_ALLOWED, true, fmt("lists \"%s\"", ext_id));
        free(l);
}

static void evaluate(const char *file, const char *name, const char *ext_id, evaluation *ev) {
        memset(ev, 0, sizeof *ev);
        ev->rejected_by = -1;
        struct stat st;
        if (stat(file, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
                return;
        ev->exists = true;

        json_object *m = NULL;
        sg_manifest_info info;
        sg_manifest_status ms = sg_manifest_load(file, &m, &info);
        if (ms != SG_MANIFEST_OK && ms <= SG_MANIFEST_TOO_LARGE) {
                set(ev, C_READABLE, false, manifest_why(file, &info));
                ev->rejected_by = C_READABLE;
                return;
        }
        set(ev, C_READABLE, true, fmt("%s, %zu bytes", file, info.len));
        if (!m) {
                set(ev, C_JSON, false, manifest_why(file, &info));
                ev->rejected_by = C_JSON;
                return;
        }
        set(ev, C_JSON, true, xstrdup("a JSON object"));
        check_name(ev, m, name);
        check_description(ev, m);
        check_type(ev, m);
        check_path(ev, m);
        check_allowed(ev, m, ext_id);
        json_object_put(m);

        /* What Thunderbird checks when it looks the manifest up; whether the
         * program exists only shows when it starts it. */
        static const int lookup_checks[] = {C_NAME, C_DESCRIPTION, C_TYPE, C_ALLOWED};
        for (size_t i = 0; i < sizeof lookup_checks / sizeof lookup_checks[0]; i++) {
                if (!ev->c[lookup_checks[i]].ok && (ev->rejected_by < 0 || lookup_checks[i] < ev->rejected_by))
                        ev->rejected_by = lookup_checks[i];
        }
        if (!ev->path_absolute && (ev->rejected_by < 0 || C_PATH < ev->rejected_by))
                ev->rejected_by = C_PATH;
        ev->accepted = ev->rejected_by < 0;
}

/* ---- Running the host. */

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last non-empty line of what the host wrote on stderr, for a message:
 * "" or " (its stderr: ...)". Owned. */
static char *stderr_hint(const char *buf, size_t len) {
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
                len--;
        if (len == 0)
                return xstrdup("");
        size_t start = len;
        while (start > 0 && buf[start - 1] != '\n')
                start--;
        char *c = clean(buf + start, len - start, 300);
        char *r = fmt(" (its last stderr line: %s)", c);
        free(c);
        return r;
}

static char *describe_status(int status) {
        if (WIFEXITED(status))
                return fmt("exited with status %d", WEXITSTATUS(status));
        if (WIFSIGNALED(status))
                return fmt("was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
        return xstrdup("stopped");
}

/* Wait up to `ms` for `pid`; true if it was reaped (*status set). */
static bool wait_for(pid_t pid, int64_t ms, int *status) {
        int64_t end = now_ms() + ms;
        for (;;) {
                pid_t r = waitpid(pid, status, WNOHANG);
                if (r == pid || (r < 0 && errno != EINTR))
                        return true;
                if (now_ms() >= end)
                        return false;
                struct timespec ts = {0, 10 * 1000000};
                nanosleep(&ts, NULL);
        }
}

/* Check the version response payload. */
static bool judge_response(const char *payload, size_t len, int64_t elapsed, sg_strbuf *out) {
        if (!sg_utf8_valid(payload, len)) {
                sb_add(out, "answered a frame that is not UTF-8");
                return false;
        }
        json_tokener *tok = json_tokener_new();
        if (!tok)
                oom();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        json_object *r = json_tokener_parse_ex(tok, payload, (int) len);
        bool parsed = r && json_tokener_get_error(tok) == json_tokener_success;
        json_tokener_free(tok);
        if (!parsed || !json_object_is_type(r, json_type_object)) {
                char *c = clean(payload, len, 120);
                sb_add(out, "answered a frame that is not a JSON object: %s", c);
                free(c);
                json_object_put(r);
                return false;
        }
        json_object *id = NULL, *result = NULL, *error = NULL, *v = NULL;
        json_object_object_get_ex(r, "id", &id);
        if (!json_object_is_type(id, json_type_int) || json_object_get_int64(id) != 1) {
                sb_add(out, "answered with the wrong id (%s, expected 1)",
                       id ? json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN) : "none");
                json_object_put(r);
                return false;
        }
        if (json_object_object_get_ex(r, "error", &error)) {
                json_object *code = NULL, *msg = NULL;
                json_object_object_get_ex(error, "code", &code);
                json_object_object_get_ex(error, "message", &msg);
                char *c = clean(code ? json_object_get_string(code) : "?",
                                code ? strlen(json_object_get_string(code)) : 1, 80);
                char *m = clean(msg ? json_object_get_string(msg) : "", msg ? strlen(json_object_get_string(msg)) : 0,
                                300);
                sb_add(out, "answered the version request with an error: %s: %s", c, m);
                free(c);
                free(m);
                json_object_put(r);
                return false;
        }
        if (!json_object_object_get_ex(r, "result", &result) || !json_object_is_type(result, json_type_object)) {
                sb_add(out, "answered without a \"result\" object: is \"path\" really sealgate-host?");
                json_object_put(r);
                return false;
        }
        const char *name = json_object_object_get_ex(result, "name", &v) ? json_object_get_string(v) : "?";
        const char *version = json_object_object_get_ex(result, "version", &v) ? json_object_get_string(v) : "?";
        char *n = clean(name, strlen(name), 60);
        char *ver = clean(version, strlen(version), 60);
        sb_add(out, "answered version in %lld ms: %s %s", (long long) elapsed, n, ver);
        free(n);
        free(ver);
        if (json_object_object_get_ex(result, "protocol", &v))
                sb_add(out, ", protocol %lld", (long long) json_object_get_int64(v));
        json_object *pol = NULL, *loaded = NULL, *path = NULL, *perr = NULL;
        if (json_object_object_get_ex(result, "policy", &pol) && json_object_object_get_ex(pol, "loaded", &loaded)) {
                const char *pp = json_object_object_get_ex(pol, "path", &path) ? json_object_get_string(path) : "?";
                char *p = clean(pp, strlen(pp), 200);
                if (json_object_get_boolean(loaded)) {
                        sb_add(out, "; its policy %s is loaded", p);
                } else {
                        json_object *m = NULL;
                        const char *why = json_object_object_get_ex(pol, "error", &perr) &&
                                                          json_object_object_get_ex(perr, "message", &m)
                                                  ? json_object_get_string(m)
                                                  : "";
                        char *w = clean(why, strlen(why), 300);
                        sb_add(out, "; its policy %s is NOT loaded (%s): the extension will fail closed", p, w);
                        free(w);
                }
                free(p);
        }
        json_object_put(r);
        return true;
}

typedef struct host_io {
        int in_w, out_r, err_r;
        bool err_open;
        char errbuf[STDERR_KEEP]; /* the tail of its stderr */
        size_t errlen;
} host_io;

/* Keep the last STDERR_KEEP bytes; `n` is at most a read of 1024. */
static void keep_stderr(host_io *h, const char *data, size_t n) {
        _Static_assert(STDERR_KEEP >= 1024, "a read must fit in the tail buffer");
        if (h->errlen + n > sizeof h->errbuf) {
                size_t drop = h->errlen + n - sizeof h->errbuf;
                memmove(h->errbuf, h->errbuf + drop, h->errlen - drop);
                h->errlen -= drop;
        }
        memcpy(h->errbuf + h->errlen, data, n);
        h->errlen += n;
}

/* Read what is on its stderr now: 1 some, 0 nothing yet, -1 end of file. */
static int read_stderr(host_io *h) {
        char tmp[1024];
        ssize_t r = read(h->err_r, tmp, sizeof tmp);
        if (r > 0) {
                keep_stderr(h, tmp, (size_t) r);
                return 1;
        }
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
                return 0;
        h->err_open = false;
        return -1;
}

/* Describe a frame header over the limit: text on stdout is the usual cause. */
static void describe_big_header(const uint8_t hdr[4], uint32_t len, sg_strbuf *out) {
        bool text = true;
        for (int i = 0; i < 4; i++)
                if ((hdr[i] < 0x20 && hdr[i] != '\n' && hdr[i] != '\r' && hdr[i] != '\t') || hdr[i] >= 0x7F)
                        text = false;
        if (text) {
                char *c = clean((const char *) hdr, 4, 4);
                sb_add(out,
                       "wrote text (\"%s...\") on stdout instead of a frame: stdout must carry only frames (4-byte "
                       "length + JSON) and log lines go to stderr; Thunderbird disconnects such a host",
                       c);
                free(c);
        } else {
                sb_add(out,
                       "announced a frame of %lu bytes, over Thunderbird's limit of %u: Thunderbird disconnects "
                       "such a host",
                       (unsigned long) len, SG_FRAME_OUT_MAX);
        }
}

/* Start the host; *ret_pid, or false with a message in `out`. */
static bool spawn_host(const char *exe, const char *manifest, const char *ext_id, host_io *h, pid_t *ret_pid,
                       sg_strbuf *out) {
        int in[2] = {-1, -1}, so[2] = {-1, -1}, se[2] = {-1, -1}, ex[2] = {-1, -1};
        int *pipes[] = {in, so, se, ex};
        for (int i = 0; i < 4; i++) {
                if (pipe2(pipes[i], O_CLOEXEC) != 0) {
                        sb_add(out, "cannot create a pipe: %s", strerror(errno));
                        for (int j = 0; j < i; j++) {
                                close(pipes[j][0]);
                                close(pipes[j][1]);
                        }
                        return false;
                }
        }
        char *dir = xstrdup(exe);
        char *slash = strrchr(dir, '/');
        if (slash == dir)
                dir[1] = '\0';
        else if (slash)
                *slash = '\0';
        char *argv[] = {(char *) exe, (char *) manifest, (char *) ext_id, NULL};

        pid_t pid = fork();
        if (pid == 0) {
                /* the child: async-signal-safe calls only */
                struct sigaction dfl;
                memset(&dfl, 0, sizeof dfl);
                dfl.sa_handler = SIG_DFL;
                sigemptyset(&dfl.sa_mask);
                sigaction(SIGPIPE, &dfl, NULL);
                setpgid(0, 0);
                int what = 3; /* exec */
                if (dup2(in[0], 0) < 0 || dup2(so[1], 1) < 0 || dup2(se[1], 2) < 0)
                        what = 1;
                else if (chdir(dir) != 0) /* Thunderbird starts it in its own directory */
                        what = 2;
                else
                        execv(exe, argv);
                int msg[2] = {what, errno};
                ssize_t w = write(ex[1], msg, sizeof msg);
                (void) w;
                _exit(127);
        }
        int fork_errno = errno;
        free(dir);
        close(in[0]);
        close(so[1]);
        close(se[1]);
        close(ex[1]);
        if (pid < 0) {
                sb_add(out, "cannot be started: fork: %s", strerror(fork_errno));
                close(in[1]);
                close(so[0]);
                close(se[0]);
                close(ex[0]);
                return false;
        }
        setpgid(pid, pid); /* here too: no race with a kill of the group */

        /* the close-on-exec pipe closes without a word when execv worked */
        int msg[2] = {0, 0};
        ssize_t got;
        do
                got = read(ex[0], msg, sizeof msg);
        while (got < 0 && errno == EINTR);
        close(ex[0]);
        h->in_w = in[1];
        h->out_r = so[0];
        h->err_r = se[0];
        h->err_open = true;
        fcntl(h->err_r, F_SETFL, fcntl(h->err_r, F_GETFL) | O_NONBLOCK);
        *ret_pid = pid;
        if (got != (ssize_t) sizeof msg)
                return true;

        int e = msg[1];
        if (msg[0] == 2) {
                sb_add(out, "cannot be started in its own directory (as Thunderbird does): %s", strerror(e));
        } else {
                const char *hint = "";
                if (e == ENOEXEC)
                        hint = ": not a program this system can run (a script needs a #! line)";
                else if (e == ENOENT)
                        hint = ": the file exists, so for a script its interpreter (the #! line) is missing";
                else if (e == EACCES)
                        hint = ": permission denied (a directory on the way not searchable, or a noexec mount)";
                sb_add(out, "cannot be started: %s%s", strerror(e), hint);
        }
        return false;
}

/* Read one frame from the host until `deadline`. 1: a frame in resp (its
 * payload length in *ret_len), 0: the host closed stdout first, -1: timeout,
 * -2: a header over the limit (described in out). */
static int read_frame(host_io *h, int64_t deadline, uint8_t *resp, uint32_t *ret_len, size_t *ret_have,
                      sg_strbuf *out) {
        size_t have = 0, want = 0; /* want 0: header not complete yet */
        for (;;) {
                if (want && have == want) {
                        *ret_have = have;
                        return 1;
                }
                int64_t left = deadline - now_ms();
                if (left <= 0) {
                        *ret_have = have;
                        return -1;
                }
                struct pollfd p[2] = {{h->out_r, POLLIN, 0}, {h->err_open ? h->err_r : -1, POLLIN, 0}};
                int n = poll(p, 2, (int) left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        *ret_have = have;
                        return 0;
                }
                if (p[1].revents)
                        read_stderr(h);
                if (!p[0].revents)
                        continue;
                ssize_t r = read(h->out_r, resp + have, (want ? want : 4) - have);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        *ret_have = have;
                        return 0;
                }
                have += (size_t) r;
                if (!want && have == 4) {
                        uint32_t len;
                        memcpy(&len, resp, 4);
                        if (len > SG_FRAME_OUT_MAX) {
                                describe_big_header(resp, len, out);
                                *ret_have = have;
                                return -2;
                        }
                        *ret_len = len;
                        want = 4 + (size_t) len;
                }
        }
}

/* Start `exe` as Thunderbird does (argv[1] the manifest, argv[2] the extension
 * id, in the program's directory), send {"id":1,"op":"version"} and judge the
 * answer. Never waits more than SG_DOCTOR_HOST_TIMEOUT_MS for it; a host that
 * does not answer is killed with its process group. */
static bool run_host(const char *exe, const char *manifest, const char *ext_id, char **ret_detail) {
        static const char request[] = "{\"id\":1,\"op\":\"version\"}";
        sg_strbuf out = {0};
        host_io h;
        memset(&h, 0, sizeof h);
        pid_t pid = -1;
        bool ok = false, reaped = false;
        int status = 0;

        struct sigaction ign, old_pipe;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, &old_pipe);

        int64_t start = now_ms();
        int64_t deadline = start + SG_DOCTOR_HOST_TIMEOUT_MS;
        if (!spawn_host(exe, manifest, ext_id, &h, &pid, &out)) {
                if (pid < 0) {
                        sigaction(SIGPIPE, &old_pipe, NULL);
                        *ret_detail = sb_take(&out);
                        return false;
                }
                reaped = wait_for(pid, 1000, &status);
        } else {
                /* the request, written at once: a pipe holds far more */
                uint8_t frame[4 + sizeof request - 1];
                sg_frame_header((uint32_t) (sizeof request - 1), frame);
                memcpy(frame + 4, request, sizeof request - 1);
                bool write_failed = write(h.in_w, frame, sizeof frame) != (ssize_t) sizeof frame;

                uint8_t *resp = malloc(4 + SG_FRAME_OUT_MAX);
                if (!resp)
                        oom();
                uint32_t len = 0;
                size_t have = 0;
                int r = read_frame(&h, deadline, resp, &len, &have, &out);
                int64_t elapsed = now_ms() - start;
                if (r == 1) {
                        ok = judge_response((const char *) resp + 4, len, elapsed, &out);
                } else if (r == 0) {
                        /* stdout closed before a whole frame: it exited, most likely */
                        int64_t left = deadline - now_ms();
                        reaped = wait_for(pid, left > 0 ? left : 0, &status);
                        if (reaped) {
                                char *s = describe_status(status);
                                sb_add(&out, "%s before answering%s", s,
                                       have           ? " (after part of a frame)"
                                       : write_failed ? " (it did not read the request)"
                                                      : "");
                                free(s);
                        } else {
                                sb_add(&out, "closed its stdout without answering");
                        }
                } else if (r == -1) {
                        sb_add(&out,
                               "no answer to the version request within %d s%s: killed it. The host must answer "
                               "every frame on stdout; is \"path\" really sealgate-host?",
                               SG_DOCTOR_HOST_TIMEOUT_MS / 1000, have ? " (it sent part of a frame)" : "");
                }
                free(resp);
        }

        close(h.in_w); /* EOF: a host that answered exits now */
        close(h.out_r);
        if (!reaped && !wait_for(pid, ok ? EXIT_GRACE_MS : 0, &status)) {
                kill(-pid, SIGKILL); /* with whatever it started */
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        while (h.err_open && read_stderr(&h) > 0)
                ;
        close(h.err_r);
        sigaction(SIGPIPE, &old_pipe, NULL);
        if (!ok) {
                char *hint = stderr_hint(h.errbuf, h.errlen);
                sb_add(&out, "%s", hint);
                free(hint);
        }
        *ret_detail = sb_take(&out);
        return ok;
}

/* ---- Putting it together. */

/* The home directory: $HOME, else the password database. */
static const char *home_dir(void) {
        const char *h = getenv("HOME");
        if (h && *h)
                return h;
        struct passwd *pw = getpwuid(getuid());
        return pw && pw->pw_dir ? pw->pw_dir : "/";
}

enum { K_USER, K_SYSTEM, K_LIB64, K_THUNDERBIRD };

typedef struct candidate {
        char *dir;
        char *file;
        int kind;
        bool searched; /* Thunderbird looks here */
        evaluation ev;
} candidate;

typedef struct candidates {
        candidate *v;
        size_t n;
} candidates;

static void add_candidate(candidates *cs, const char *dir, const char *name, int kind, bool searched) {
        candidate *v = realloc(cs->v, (cs->n + 1) * sizeof *v);
        if (!v)
                oom();
        cs->v = v;
        candidate *c = &v[cs->n++];
        memset(c, 0, sizeof *c);
        c->dir = xstrdup(dir);
        size_t l = strlen(c->dir);
        while (l > 1 && c->dir[l - 1] == '/')
                c->dir[--l] = '\0';
        c->file = fmt("%s/%s.json", c->dir, name);
        c->kind = kind;
        c->searched = searched;
}

/* Where Thunderbird looks, in order, then the places people put a manifest
 * by mistake. */
static void find_candidates(candidates *cs, const char *name) {
        const char *home = home_dir();
        char *user = fmt("%s%s%s", home, home[strlen(home) - 1] == '/' ? "" : "/", USER_SUBDIR);
        add_candidate(cs, user, name, K_USER, true);
        free(user);
        const char *env = getenv(SG_DOCTOR_SYSTEM_DIRS_ENV);
        if (env) {
                char *list = xstrdup(env);
                char *save = NULL;
                for (char *d = strtok_r(list, ":", &save); d; d = strtok_r(NULL, ":", &save))
                        add_candidate(cs, d, name, K_SYSTEM, true);
                free(list);
        } else {
                add_candidate(cs, SYSTEM_DIR, name, K_SYSTEM, true);
                add_candidate(cs, SYSTEM_DIR_LIB64, name, K_LIB64, false);
        }
        char *tb = fmt("%s%s%s", home, home[strlen(home) - 1] == '/' ? "" : "/", THUNDERBIRD_DIR);
        add_candidate(cs, tb, name, K_THUNDERBIRD, false);
        free(tb);
}

static const char *rejection(const evaluation *ev) {
        return ev->rejected_by >= 0 ? ev->c[ev->rejected_by].detail : "";
}

/* The "manifest" check: which file Thunderbird uses, and what else is there. */
static bool judge_lookup(const candidates *cs, const candidate *used, const candidate *shown, const char *name,
                         char **ret_detail) {
        sg_strbuf b = {0};
        bool ok = used != NULL;
        const char *user_dir = cs->v[0].dir;
        const char *sys_dir = NULL;
        for (size_t i = 0; i < cs->n; i++)
                if (cs->v[i].kind == K_SYSTEM && !sys_dir)
                        sys_dir = cs->v[i].dir;
        if (used) {
                sb_add(&b, "Thunderbird uses %s", used->file);
        } else if (shown && shown->searched) {
                sb_add(&b,
                       "Thunderbird rejects %s (its %s check fails, below) and finds no other %s.json, so the "
                       "extension gets \"No such native application %s\"",
                       shown->file, check_ids[shown->ev.rejected_by], name, name);
        } else {
                sb_add(&b, "no %s.json where Thunderbird looks (", name);
                for (size_t i = 0, k = 0; i < cs->n; i++)
                        if (cs->v[i].searched)
                                sb_add(&b, "%s%s/", k++ ? ", then " : "", cs->v[i].dir);
                sb_add(&b, "), so the extension gets \"No such native application %s\"", name);
                if (!shown)
                        sb_add(&b,
                               ": install sealgate (it puts the manifest in %s/) or, for yourself, write %s/%s.json "
                               "(tools/dev-install.sh does)",
                               sys_dir ? sys_dir : SYSTEM_DIR, user_dir, name);
        }
        for (size_t i = 0; i < cs->n; i++) {
                const candidate *c = &cs->v[i];
                if (!c->ev.exists || c == used || (c == shown && !used && c->searched))
                        continue;
                if (c->searched && used && c < used)
                        sb_add(&b, "; it skips %s before it (%s: %s)", c->file, check_ids[c->ev.rejected_by],
                               rejection(&c->ev));
                else if (c->searched && used)
                        sb_add(&b, "; %s is also there but not used (the first usable one wins)", c->file);
                else if (c->searched)
                        sb_add(&b, "; %s is rejected too (%s: %s)", c->file, check_ids[c->ev.rejected_by],
                               rejection(&c->ev));
                else if (c->kind == K_LIB64)
                        sb_add(&b,
                               "; %s exists: only Thunderbird builds for distributions with /usr/lib64 (Fedora, "
                               "openSUSE) look there, instead of %s/; Debian's and Ubuntu's do not: %s",
                               c->file, SYSTEM_DIR, used ? "fine if it is a copy" : "copy it to " SYSTEM_DIR "/");
                else if (c->kind == K_THUNDERBIRD)
                        sb_add(&b, "; %s exists, but Thunderbird does NOT look in ~/.thunderbird: %s", c->file,
                               used ? "remove it to avoid confusion" : "move it to ~/.mozilla/native-messaging-hosts/");
        }
        if (shown && !shown->searched)
                sb_add(&b, "; the checks below are for %s", shown->file);
        *ret_detail = sb_take(&b);
        return ok;
}

static void check_policy(report *rep, const char *policy_path) {
        const char *path = policy_path;
        const char *from = "--policy";
        if (!path) {
                const char *env = getenv(SG_POLICY_ENV);
                from = env && *env ? "$" SG_POLICY_ENV : "the default";
                path = sg_policy_default_path();
        }
        sg_error err;
        memset(&err, 0, sizeof err);
        sg_policy *policy = NULL;
        sg_err r = sg_policy_load_file(path, &policy, &err);
        if (r == SG_OK) {
                sg_policy_free(policy);
                put(rep, C_POLICY, true, fmt("%s (%s) loads and validates", path, from));
        } else if (r == SG_ERR_POLICY_IO) {
                put(rep, C_POLICY, false,
                    fmt("%s (%s): %s: the host fails closed without it: install the policy there, or set "
                        "$" SG_POLICY_ENV " in Thunderbird's environment to where it is",
                        path, from, err.message));
        } else {
                put(rep, C_POLICY, false,
                    fmt("%s (%s) is invalid: %s: %s: fix it (sealgate policy-validate %s shows the same)", path, from,
                        sg_err_code(r), err.message, path));
        }
}

static int print_json(const report *rep) {
        json_object *doc = json_object_new_object();
        json_object *list = json_object_new_array();
        if (!doc || !list)
                oom();
        for (int i = 0; i < C_COUNT; i++) {
                const check *c = &rep->c[i];
                json_object *e = json_object_new_object();
                if (!e)
                        oom();
                json_object_object_add(e, "id", json_object_new_string(check_ids[i]));
                json_object_object_add(e, "ok", json_object_new_boolean(c->ok));
                char *d = clean(c->detail, strlen(c->detail), SIZE_MAX / 2);
                if (!sg_utf8_valid(d, strlen(d)))
                        for (unsigned char *p = (unsigned char *) d; *p; p++)
                                if (*p >= 0x80)
                                        *p = '?';
                json_object_object_add(e, "detail", json_object_new_string(d));
                free(d);
                json_object_array_add(list, e);
        }
        json_object_object_add(doc, "checks", list);
        int r = printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        return r < 0 || fflush(stdout) != 0 ? -1 : 0;
}

int sg_doctor_run(const sg_doctor_options *o) {
        const char *name = o->host_name ? o->host_name : SG_DOCTOR_HOST_NAME;
        const char *ext_id = o->extension_id ? o->extension_id : SG_DOCTOR_EXTENSION_ID;
        report rep;
        memset(&rep, 0, sizeof rep);
        rep.json = o->json;

        candidates cs = {0};
        find_candidates(&cs, name);
        const candidate *used = NULL, *shown = NULL;
        for (size_t i = 0; i < cs.n; i++) {
                candidate *c = &cs.v[i];
                evaluate(c->file, name, ext_id, &c->ev);
                if (c->searched && c->ev.accepted && !used)
                        used = c;
        }
        shown = used;
        for (size_t i = 0; i < cs.n && !shown; i++)
                if (cs.v[i].searched && cs.v[i].ev.exists)
                        shown = &cs.v[i];
        for (size_t i = 0; i < cs.n && !shown; i++)
                if (cs.v[i].ev.exists)
                        shown = &cs.v[i];

        char *detail = NULL;
        bool ok = judge_lookup(&cs, used, shown, name, &detail);
        put(&rep, C_MANIFEST, ok, detail);

        const char *not_checked = !shown ? "not checked: no manifest found" : NULL;
        for (int id = C_READABLE; id <= C_ALLOWED; id++) {
                if (shown && shown->ev.c[id].done) {
                        put(&rep, id, shown->ev.c[id].ok, xstrdup(shown->ev.c[id].detail));
                        continue;
                }
                if (!not_checked)
                        not_checked = id == C_JSON ? "not checked: the manifest cannot be read"
                                                   : "not checked: the manifest is not a JSON object";
                put(&rep, id, false, xstrdup(not_checked));
        }

        if (shown && shown->ev.path_usable) {
                char *d = NULL;
                bool host_ok = run_host(shown->ev.exe, shown->file, ext_id, &d);
                char *q = quoted(shown->ev.exe);
                put(&rep, C_HOST, host_ok, fmt("%s: %s", q, d));
                free(q);
                free(d);
        } else {
                put(&rep, C_HOST, false,
                    xstrdup(shown ? "not run: \"path\" does not name a program that can be run (see path)"
                                  : "not run: no manifest found"));
        }

        check_policy(&rep, o->policy_path);
        /* A known limit, not a fault of this installation: reported, never failed. */
        put(&rep, C_CALENDAR, true,
            xstrdup(SG_DOCTOR_ITIP_EXPERIMENT
                            ? "checked through the extension's Experiment API"
                            : "NOT checked: Thunderbird's calendar sends meeting invitations and replies (iTIP) "
                              "without compose.onBeforeSend, and this build has no Experiment API to see them; "
                              "see docs/admin/thunderbird-calendar.md"));

        int failed = 0;
        for (int i = 0; i < C_COUNT; i++)
                if (!rep.c[i].ok)
                        failed++;
        if (rep.json && print_json(&rep) < 0)
                rep.write_error = true;
        for (int i = 0; i < C_COUNT; i++)
                free(rep.c[i].detail);
        for (size_t i = 0; i < cs.n; i++) {
                evaluation_clear(&cs.v[i].ev);
                free(cs.v[i].dir);
                free(cs.v[i].file);
        }
        free(cs.v);
        return rep.write_error ? -1 : failed;
}
