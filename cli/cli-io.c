/* sealgate: what the commands share: option errors, failure lines, and for the
 * crypto commands (smime, pgp) their options and the whole run (reading the
 * input, writing the output only on success, passphrases, results). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-io.h"
#include "sealgate/codec.h"
#include "sealgate/secrets.h"
#include "sealgate/spool.h"
#include "sealgate/stream.h"
#include "term.h"

void sg_cli_one_line(char *s) {
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7F)
                        *p = '?';
}

void sg_cli_bad_option(char **argv, int c) {
        const char *arg = argv[optind - 1];
        if (c == ':')
                fprintf(stderr, "sealgate: option %s needs an argument\n", arg);
        else
                fprintf(stderr, "sealgate: unknown option %s\n", arg);
}

int sg_cli_fail(const char *cmd, const char *sub, const sg_error *e) {
        char m[SG_ERROR_MESSAGE_MAX];
        snprintf(m, sizeof m, "%s", e->message);
        sg_cli_one_line(m);
        fprintf(stderr, "sealgate: %s %s: %s: %s\n", cmd, sub, sg_err_code(e->code), m);
        return 1;
}

sg_err sg_cli_read_passphrase(const char *env, const char *file, char *buf, size_t max, const char **ret,
                              sg_error *err) {
        *ret = NULL;
        /* best effort: kept out of swap; wiped by the caller (explicit_bzero) */
        sg_secret_lock(buf, max + 2);
        if (env) {
                const char *v = getenv(env);
                if (!v)
                        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the environment variable %s is not set",
                                            env);
                if (strlen(v) > max)
                        return sg_error_set(err, SG_ERR_LIMIT, "the passphrase is longer than %zu bytes", max);
                memcpy(buf, v, strlen(v) + 1);
        } else if (file) {
                FILE *f = fopen(file, "r");
                if (!f)
                        return sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", file, strerror(errno));
                /* unbuffered: no copy in a stdio buffer freed without wiping */
                setvbuf(f, NULL, _IONBF, 0);
                /* max + 2: room to see that the first line is longer than max */
                if (!fgets(buf, (int) (max + 2), f))
                        buf[0] = '\0';
                fclose(f);
                buf[strcspn(buf, "\r\n")] = '\0';
                if (strlen(buf) > max)
                        return sg_error_set(err, SG_ERR_LIMIT, "the passphrase is longer than %zu bytes", max);
        } else {
                return SG_OK;
        }
        *ret = buf;
        return SG_OK;
}

/* An fd for IN; `seekable`: copy a pipe into memory (a memfd) first. */
int sg_cli_open_input(const char *path, bool seekable, sg_error *err) {
        if (path && strcmp(path, "-") != 0) {
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                struct stat st;
                if (fd < 0)
                        sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
                else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                        close(fd);
                        sg_error_set(err, SG_ERR_IO, "%s is a directory", path);
                        return -1;
                }
                return fd;
        }
        if (!seekable || lseek(0, 0, SEEK_CUR) >= 0)
                return 0;
        /* a pipe: into memory, never a file on a disk (it may be plaintext) */
        sg_source in = sg_source_fd(0);
        int fd = sg_spool_fd_from_source("sealgate-input", &in, SG_SPOOL_MAX, "the standard input", err);
        if (fd < 0 && err && err->code == SG_ERR_LIMIT)
                sg_error_set(err, SG_ERR_LIMIT,
                             "the standard input is larger than %zu bytes, the most held in memory: give the input "
                             "as a file",
                             (size_t) SG_SPOOL_MAX);
        return fd;
}

sg_err sg_cli_open_output(sg_cli_output *out, const char *path, sg_error *err) {
        out->path = path && strcmp(path, "-") != 0 ? path : NULL;
        out->tmp = NULL;
        if (!out->path) {
                /* the standard output: held in memory until the operation succeeded */
                out->fd = sg_spool_fd_new("sealgate-output", err);
                if (out->fd < 0)
                        return err ? err->code : SG_ERR_IO;
                out->sink = sg_spool_sink_new(&out->spool, out->fd, SG_SPOOL_MAX);
                return SG_OK;
        }
        size_t n = strlen(path) + 16;
        out->tmp = malloc(n);
        if (!out->tmp)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        snprintf(out->tmp, n, "%s.tmp-XXXXXX", path);
        out->fd = mkstemp(out->tmp);
        out->sink = sg_sink_fd(out->fd);
        if (out->fd < 0) {
                sg_err r = sg_error_set(err, SG_ERR_IO, "cannot create %s: %s", out->tmp, strerror(errno));
                free(out->tmp);
                out->tmp = NULL;
                return r;
        }
        return SG_OK;
}

sg_err sg_cli_close_output(sg_cli_output *out, bool ok, sg_error *err) {
        sg_err r = SG_OK;
        if (out->fd < 0)
                return SG_OK;
        if (!out->tmp) { /* stdout */
                if (ok) {
                        char buf[65536];
                        sg_sink so = sg_sink_fd(1);
                        lseek(out->fd, 0, SEEK_SET);
                        for (;;) {
                                ssize_t k = read(out->fd, buf, sizeof buf);
                                if (k < 0 && errno == EINTR)
                                        continue;
                                if (k < 0 || (k > 0 && so.write(so.ctx, buf, (size_t) k) < 0)) {
                                        r = sg_error_set(err, SG_ERR_IO, "cannot write the standard output");
                                        break;
                                }
                                if (k == 0)
                                        break;
                        }
                        explicit_bzero(buf, sizeof buf);
                }
                close(out->fd);
                out->fd = -1;
                return r;
        }
        if (ok && (fsync(out->fd) != 0 || close(out->fd) != 0 || rename(out->tmp, out->path) != 0)) {
                r = sg_error_set(err, SG_ERR_IO, "cannot write %s: %s", out->path, strerror(errno));
                ok = false;
        } else if (!ok) {
                close(out->fd);
        }
        if (!ok)
                unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
        out->fd = -1;
        return r;
}

void sg_cli_format_time(int64_t t, char *buf, size_t n) {
        time_t tt = (time_t) t;
        struct tm tm;
        if (gmtime_r(&tt, &tm))
                strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
        else
                snprintf(buf, n, "?");
}

void sg_cli_print_emails(FILE *f, char *const *emails, size_t n) {
        fprintf(f, "  emails: ");
        for (size_t j = 0; j < n; j++)
                fprintf(f, "%s%s", j ? ", " : "", sg_cli_text(emails[j]));
        fprintf(f, "%s\n", n ? "" : "(none)");
}

void sg_cli_when(int64_t at, char *buf, size_t n) {
        char at_s[40];
        if (!at) {
                snprintf(buf, n, "now");
                return;
        }
        sg_cli_format_time(at, at_s, sizeof at_s);
        snprintf(buf, n, "at %s", at_s);
}

void sg_cli_print_check_line(FILE *f, const char *label, bool ok, const char *ok_word, const char *bad_word,
                             const char *why, const char *dflt, const char *tail) {
        if (ok)
                fprintf(f, "  %s: %s%s\n", label, ok_word, tail);
        else
                fprintf(f, "  %s: %s: %s%s\n", label, bad_word, why ? sg_cli_text(why) : dflt, tail);
}

void sg_cli_print_validity(FILE *f, int64_t not_before, int64_t not_after, bool no_expiry_zero, bool valid,
                           const char *when, const char *tail) {
        char a[40], b[40];
        sg_cli_format_time(not_before, a, sizeof a);
        if (not_after || !no_expiry_zero)
                sg_cli_format_time(not_after, b, sizeof b);
        else
                snprintf(b, sizeof b, "no expiry");
        fprintf(f, "  validity: %s to %s (%svalid %s)%s\n", a, b, valid ? "" : "NOT ", when, tail);
}

void sg_cli_join_failed(const sg_cli_failed *k, size_t n_k, char *buf, size_t n) {
        size_t used = 0;
        if (n)
                buf[0] = 0;
        for (size_t i = 0; i < n_k; i++)
                if (k[i].failed && used < n) {
                        int w = snprintf(buf + used, n - used, "%s", k[i].text);
                        used += w > 0 ? (size_t) w : 0;
                }
}

void sg_cli_print_checks(FILE *f, const sg_cli_signer_checks *c) {
        if (!c->email_checked)
                fprintf(f, "  email: not checked (no From address)\n");
        else
                fprintf(f, "  email: %s From %s\n", c->email_matches ? "matches" : "DOES NOT match",
                        sg_cli_text(c->from));
        fprintf(f, "  usage: %s%s%s\n", c->usage_ok ? "fit for " : "NOT fit: ", c->usage_ok ? c->fit : "",
                c->usage_ok      ? ""
                : c->usage_error ? c->usage_error
                                 : "?");
        if (c->has_signing_time) {
                char a[40];
                sg_cli_format_time(c->signing_time, a, sizeof a);
                fprintf(f, "  signing time: %s\n", a);
        } else {
                fprintf(f, "  signing time: none\n");
        }
        fprintf(f, "  digest: %s\n", c->digest ? c->digest : "?");
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned) (y - era * 400);
        unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t) doe - 719468;
}

bool sg_cli_parse_time(const char *s, int64_t *ret) {
        int64_t t;
        if (s[0] == '@') {
                char *end;
                errno = 0;
                long long v = strtoll(s + 1, &end, 10);
                if (errno || end == s + 1 || *end || v < 1)
                        return false;
                t = v;
        } else {
                unsigned y, mo, d, h = 0, mi = 0, sec = 0;
                int n = 0;
                char sep = 0;
                if (sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d, &n) != 3 || n != 10)
                        return false;
                const char *p = s + n;
                if (*p == 'T' || *p == ' ') {
                        sep = *p++;
                        int k = 0;
                        if (sscanf(p, "%2u:%2u%n", &h, &mi, &k) != 2 || k != 5)
                                return false;
                        p += k;
                        if (*p == ':') {
                                if (sscanf(p + 1, "%2u%n", &sec, &k) != 1 || k != 2)
                                        return false;
                                p += 3;
                        }
                        if (*p == 'Z')
                                p++;
                }
                (void) sep;
                static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
                bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
                if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
                    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 59)
                        return false;
                t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
                if (t < 1)
                        return false;
        }
        if (t >= 253402300800LL) /* 10000-01-01 */
                return false;
        *ret = t;
        return true;
}

json_object *sg_cli_jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

json_object *sg_cli_jtime(int64_t t) {
        char b[40];
        sg_cli_format_time(t, b, sizeof b);
        return json_object_new_string(b);
}

/* ---- The crypto commands. */

enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1, /* the operation failed; the stable error code is on stderr */
        EXIT_USAGE = 2,
        EXIT_NOT_VALID = 5, /* verify: the checks were made and at least one did not pass */
};

static const struct option shared_options[] = {
        {"passphrase-file", required_argument, NULL, 'P'},
        {"passphrase-env", required_argument, NULL, 'E'},
        {"from", required_argument, NULL, 'f'},
        {"signature", required_argument, NULL, 's'},
        {"at", required_argument, NULL, 'a'},
        {"max-input", required_argument, NULL, 'M'},
        {"json", no_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
};

#define N_SHARED    (sizeof shared_options / sizeof *shared_options)
#define OPTIONS_MAX 32 /* the shared ones, a command's own, the terminator */

static int usage(const sg_cli_crypto *cmd) {
        fputs(cmd->usage, stderr);
        return EXIT_USAGE;
}

static void print_doc(json_object *doc) {
        printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
}

/* verify --signature: read the file (at most signature_max bytes), then the command checks it */
static sg_err verify_detached(const sg_cli_crypto *cmd, sg_cli_crypto_opts *o, sg_source *src, sg_error *err) {
        char *sig = malloc(cmd->signature_max + 1);
        FILE *f = sig ? fopen(o->signature, "rb") : NULL;
        size_t n = f ? fread(sig, 1, cmd->signature_max + 1, f) : 0;
        sg_err r = SG_OK;
        if (!sig)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else if (!f)
                r = sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", o->signature, strerror(errno));
        else if (n > cmd->signature_max)
                r = sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %zu bytes", o->signature, cmd->signature_max);
        if (f)
                fclose(f);
        if (r == SG_OK)
                r = cmd->verify_detached(o, sig, n, src, err);
        if (r == SG_OK && o->from)
                o->from_used = strdup(o->from);
        free(sig);
        return r;
}

static int run(const sg_cli_crypto *cmd, sg_cli_crypto_opts *o) {
        sg_error err = {0};
        sg_err r = sg_cli_read_passphrase(o->pass_env, o->pass_file, o->passphrase_buf, cmd->passphrase_max,
                                          &o->passphrase, &err);
        if (r == SG_OK && cmd->begin)
                r = cmd->begin(o, &err);
        if (r != SG_OK)
                return sg_cli_fail(cmd->name, o->cmd, &err);
        bool is_verify = strcmp(o->cmd, "verify") == 0;
        bool seekable = strcmp(o->cmd, "decrypt") == 0 || (is_verify && !o->signature);
        int in = sg_cli_open_input(o->in, seekable, &err);
        if (in < 0)
                return sg_cli_fail(cmd->name, o->cmd, &err);
        sg_cli_output out = {.fd = -1};
        /* verify writes the content only with -o */
        if (!is_verify || o->out)
                r = sg_cli_open_output(&out, o->out, &err);
        if (r != SG_OK) {
                if (in > 0)
                        close(in);
                return sg_cli_fail(cmd->name, o->cmd, &err);
        }
        sg_source src = sg_source_fd(in);
        cmd->init();
        if (is_verify && o->signature)
                r = verify_detached(cmd, o, &src, &err);
        else
                r = cmd->op(o, in, &src, out.fd >= 0 ? &out.sink : NULL, &err);
        if (r != SG_OK && out.spool.over)
                r = sg_error_set(&err, SG_ERR_LIMIT,
                                 "the output is larger than %zu bytes, the most held in memory for the standard "
                                 "output: write it to a file with -o FILE",
                                 (size_t) SG_SPOOL_MAX);
        cmd->shutdown();
        if (in > 0)
                close(in);
        bool ok = r == SG_OK && (!o->verified || o->valid);
        sg_err cr = sg_cli_close_output(&out, ok, &err);
        if (r == SG_OK && cr != SG_OK)
                r = cr;
        int status = EXIT_OK;
        if (r != SG_OK) {
                if (o->json && is_verify) {
                        json_object *doc = json_object_new_object(), *e = json_object_new_object();
                        json_object_object_add(e, "code", json_object_new_string(sg_err_code(err.code)));
                        json_object_object_add(e, "message", json_object_new_string(err.message));
                        json_object_object_add(doc, "error", e);
                        print_doc(doc);
                }
                status = sg_cli_fail(cmd->name, o->cmd, &err);
        } else if (o->verified) {
                if (o->json) {
                        json_object *doc = json_object_new_object();
                        cmd->verify_json(o, doc);
                        json_object_object_add(doc, "at", o->at ? sg_cli_jtime(o->at) : NULL);
                        print_doc(doc);
                } else {
                        cmd->verify_text(o, o->out ? stderr : stdout);
                }
                if (!o->valid) {
                        char checks[256];
                        cmd->failed_checks(o, checks, sizeof checks);
                        sg_error_set(&err, SG_ERR_VERIFY_FAILED, "the signed message is not valid: %s",
                                     checks[0] ? checks + 2 : "no signer");
                        sg_cli_fail(cmd->name, o->cmd, &err);
                        status = EXIT_NOT_VALID;
                }
        } else if (cmd->report) {
                cmd->report(o);
        }
        cmd->clear(o);
        free(o->from_used);
        o->from_used = NULL;
        sg_secret_wipe(o->passphrase_buf, sizeof o->passphrase_buf);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fputs("sealgate: cannot write the output\n", stderr);
                status = EXIT_FAILED;
        }
        return status;
}

int sg_cli_crypto_main(const sg_cli_crypto *cmd, sg_cli_crypto_opts *o, int argc, char **argv) {
        static const char *const subs[] = {"encrypt", "decrypt", "sign", "verify"};
        if (argc < 2)
                return usage(cmd);
        o->cmd = argv[1];
        size_t sub = 0;
        while (sub < 4 && strcmp(o->cmd, subs[sub]) != 0)
                sub++;
        if (sub == 4) {
                if (strcmp(o->cmd, "help") != 0 && strcmp(o->cmd, "--help") != 0)
                        fprintf(stderr, "sealgate: unknown %s command %s\n", cmd->name, o->cmd);
                return usage(cmd);
        }
        struct option options[OPTIONS_MAX];
        size_t n = 0;
        for (; n < N_SHARED; n++)
                options[n] = shared_options[n];
        for (const struct option *p = cmd->options; p->name && n < OPTIONS_MAX - 1; p++)
                options[n++] = *p;
        options[n] = (struct option){NULL, 0, NULL, 0};
        const char *allowed = cmd->takes[sub];
        int c;
        char *end;
        opterr = 0;
        optind = 2;
        while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
                if (c == 'h')
                        return usage(cmd);
                if (c == '?' || c == ':') {
                        sg_cli_bad_option(argv, c);
                        return usage(cmd);
                }
                if (!strchr(allowed, c)) {
                        fprintf(stderr, "sealgate: %s %s does not take %s\n", cmd->name, o->cmd, argv[optind - 1]);
                        return usage(cmd);
                }
                switch (c) {
                case 'P':
                        o->pass_file = optarg;
                        break;
                case 'E':
                        o->pass_env = optarg;
                        break;
                case 'f':
                        o->from = optarg;
                        break;
                case 's':
                        o->signature = optarg;
                        break;
                case 'a':
                        if (!sg_cli_parse_time(optarg, &o->at)) {
                                fprintf(stderr,
                                        "sealgate: --at needs a time: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or "
                                        "@SECONDS\n");
                                return usage(cmd);
                        }
                        break;
                case 'M':
                        errno = 0;
                        o->max_input = (size_t) strtoull(optarg, &end, 10);
                        if (errno || *end || !*optarg || o->max_input == 0) {
                                fprintf(stderr, "sealgate: --max-input needs a positive number of bytes\n");
                                return usage(cmd);
                        }
                        break;
                case 'j':
                        o->json = true;
                        break;
                case 'o':
                        o->out = optarg;
                        break;
                case 't':
                        if (o->n_to == SG_CLI_RECIPIENTS_MAX) {
                                fprintf(stderr, "sealgate: more than %d recipients\n", SG_CLI_RECIPIENTS_MAX);
                                return usage(cmd);
                        }
                        o->to[o->n_to++] = optarg;
                        break;
                default:
                        if (!cmd->option(o, c, optarg))
                                return usage(cmd);
                }
        }
        if (argc - optind > 1) {
                fputs("sealgate: give at most one input file\n", stderr);
                return usage(cmd);
        }
        o->in = optind < argc ? argv[optind] : NULL;
        if (!cmd->check(o))
                return usage(cmd);
        if (o->signature && o->out) {
                fputs("sealgate: with --signature the content is the input: -o is not used\n", stderr);
                return usage(cmd);
        }
        if (o->pass_file && o->pass_env) {
                fputs("sealgate: give --passphrase-file or --passphrase-env, not both\n", stderr);
                return usage(cmd);
        }
        return run(cmd, o);
}
