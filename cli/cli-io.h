/* sealgate: what the commands share: option errors, failure lines, and for the
 * crypto commands (smime, pgp) their options and the whole run (reading the
 * input, writing the output only on success, passphrases, results). */
#ifndef SEALGATE_CLI_IO_H
#define SEALGATE_CLI_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <getopt.h>

#include <json-c/json.h>

#include "sealgate/error.h"
#include "sealgate/spool.h"
#include "sealgate/stream.h"

/* Replace control characters in `s` (a message quoting user input) by '?'. */
void sg_cli_one_line(char *s);

/* "sealgate: option ARG needs an argument" (c == ':') or "sealgate: unknown
 * option ARG" on stderr, for getopt_long's ':' and '?'; ARG is argv[optind - 1]. */
void sg_cli_bad_option(char **argv, int c);

/* "sealgate: CMD SUB: <code>: <message>" on stderr; returns 1, the exit status
 * of a failed operation. */
int sg_cli_fail(const char *cmd, const char *sub, const sg_error *e);

/* The passphrase from environment variable `env`, or else the first line of
 * `file`; both NULL: none (*ret NULL). `buf` must have room for max + 2
 * bytes; *ret points into it. SG_ERR_LIMIT past `max` bytes. */
sg_err sg_cli_read_passphrase(const char *env, const char *file, char *buf, size_t max, const char **ret,
                              sg_error *err);

/* A file descriptor for `path` ("-" or NULL: the standard input). With
 * `seekable`, a pipe is first copied into memory (a memfd, at most
 * SG_SPOOL_MAX bytes). -1 on error (err set). */
int sg_cli_open_input(const char *path, bool seekable, sg_error *err);

/* Output goes to a temporary file next to `path` that becomes `path`, or for
 * the standard output to memory (a memfd, at most SG_SPOOL_MAX bytes: `spool`
 * says when it was over) that is copied to the standard output, only when
 * close says ok: a failure never leaves partial output behind, and no
 * plaintext reaches a disk except the file the user named. Write through
 * `sink`. */
typedef struct sg_cli_output {
        int fd;
        char *tmp;
        const char *path;
        sg_sink sink;
        sg_spool_sink spool;
} sg_cli_output;

sg_err sg_cli_open_output(sg_cli_output *out, const char *path, sg_error *err);
/* ok: keep the output; else remove it. Takes a closed output too. */
sg_err sg_cli_close_output(sg_cli_output *out, bool ok, sg_error *err);

/* The lines of a signer in `verify`'s text report that smime and pgp share
 * (docs/cli.md): "  emails: ..." (print_emails), then the email check, the
 * usage check ("fit for <fit>"), the signing time and the digest (print_checks). */
typedef struct sg_cli_signer_checks {
        bool email_checked, email_matches;
        const char *from; /* the sender checked against */
        bool usage_ok;
        const char *fit, *usage_error;
        bool has_signing_time;
        int64_t signing_time;
        const char *digest;
} sg_cli_signer_checks;

/* The checks of signer `s`, an sg_smime_signer or sg_pgp_signer (the fields
 * have the same names in both). */
#define SG_CLI_SIGNER_CHECKS(s, from_, fit_)                                                                           \
        ((sg_cli_signer_checks){.email_checked = (s)->email_checked,                                                   \
                                .email_matches = (s)->email_matches,                                                   \
                                .from = (from_),                                                                       \
                                .usage_ok = (s)->usage_ok,                                                             \
                                .fit = (fit_),                                                                         \
                                .usage_error = (s)->usage_error,                                                       \
                                .has_signing_time = (s)->has_signing_time,                                             \
                                .signing_time = (s)->signing_time,                                                     \
                                .digest = (s)->digest})

void sg_cli_print_emails(FILE *f, char *const *emails, size_t n);
void sg_cli_print_checks(FILE *f, const sg_cli_signer_checks *c);

/* "now", or "at <time>" for verify --at `at` (not 0), into buf. */
void sg_cli_when(int64_t at, char *buf, size_t n);
/* "  <label>: <ok_word><tail>" when ok, else "  <label>: <bad_word>: <why>
 * <tail>" (why NULL: `dflt`); why is user input, printed through sg_cli_text. */
void sg_cli_print_check_line(FILE *f, const char *label, bool ok, const char *ok_word, const char *bad_word,
                             const char *why, const char *dflt, const char *tail);
/* "  validity: FROM to UNTIL (valid|NOT valid <when>)<tail>"; not_after 0
 * with no_expiry_zero: "no expiry". */
void sg_cli_print_validity(FILE *f, int64_t not_before, int64_t not_after, bool no_expiry_zero, bool valid,
                           const char *when, const char *tail);
/* A check of verify's failure line: `text` (", name") if any signer failed it. */
typedef struct sg_cli_failed {
        bool failed;
        const char *text;
} sg_cli_failed;
/* The texts of the failed checks of `k`, in order, into buf ("" if none). */
void sg_cli_join_failed(const sg_cli_failed *k, size_t n_k, char *buf, size_t n);

/* RFC 3339 UTC ("2026-11-23T12:00:00Z"), or "?". */
void sg_cli_format_time(int64_t t, char *buf, size_t n);
/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]Z" (UTC; a space for the T, no Z also
 * taken) or "@SECONDS" into seconds since the epoch, at least 1 (1970-01-01
 * 00:00:01) and before 10000-01-01; false if it is none of these. */
bool sg_cli_parse_time(const char *s, int64_t *ret);
json_object *sg_cli_jstr(const char *s); /* NULL stays NULL (JSON null) */
json_object *sg_cli_jtime(int64_t t);

/* ---- The crypto commands: `sealgate smime|pgp encrypt|decrypt|sign|verify`.
 * The options every one of them has, the checks between them, and the run
 * are here; a command adds its own options and the operations (a table,
 * sg_cli_crypto). docs/cli.md is the contract. */

#define SG_CLI_PASSPHRASE_MAX 1024 /* a buffer for the longest any command takes */
#define SG_CLI_RECIPIENTS_MAX 500  /* SG_SMIME_RECIPIENTS_MAX, SG_PGP_RECIPIENTS_MAX */

/* The options and state of one run. A command's own options struct starts
 * with this one, so that its callbacks can take it back from the pointer. */
typedef struct sg_cli_crypto_opts {
        const char *cmd; /* "encrypt", "decrypt", "sign" or "verify" */
        const char *in, *out;
        const char *to[SG_CLI_RECIPIENTS_MAX]; /* encrypt's recipients (option code 't') */
        size_t n_to;
        const char *pass_file, *pass_env;
        const char *from, *signature;
        int64_t at; /* verify --at: the verification time (seconds since the epoch), 0: now */
        size_t max_input;
        bool json;
        const char *passphrase; /* read before begin: NULL (none) or in passphrase_buf */
        /* set by the operation: a verify result (verified), whether every check
         * passed (valid), the sender it was checked against (from_used, owned) */
        bool verified, valid;
        char *from_used;
        char passphrase_buf[SG_CLI_PASSPHRASE_MAX + 2];
} sg_cli_crypto_opts;

typedef struct sg_cli_crypto {
        const char *name;  /* "smime", in messages */
        const char *usage; /* printed on a usage error */
        /* the command's own options (NULL-terminated); their short codes must
         * not be one of the shared ones, P E f s a M j o h, except 't': the
         * option that names a recipient */
        const struct option *options;
        /* the option codes encrypt, decrypt, sign and verify take, shared ones included */
        const char *takes[4];
        size_t passphrase_max; /* at most SG_CLI_PASSPHRASE_MAX */
        size_t signature_max;  /* verify --signature: the largest file read */
        /* one of the command's own options: false after saying why on stderr */
        bool (*option)(sg_cli_crypto_opts *o, int c, const char *arg);
        /* after the options: false after saying why (before the shared checks) */
        bool (*check)(sg_cli_crypto_opts *o);
        /* after the passphrase is read, before the input is opened */
        sg_err (*begin)(sg_cli_crypto_opts *o, sg_error *err);
        /* around the operation: the MIME layer */
        void (*init)(void);
        void (*shutdown)(void);
        /* encrypt, decrypt, sign, or verify of a whole message; `in` is the
         * input's fd (seekable for decrypt and verify), `src` a source over it;
         * dst is NULL for verify without -o */
        sg_err (*op)(sg_cli_crypto_opts *o, int in, sg_source *src, sg_sink *dst, sg_error *err);
        /* verify --signature: the detached signature `sig` over `src` */
        sg_err (*verify_detached)(sg_cli_crypto_opts *o, const void *sig, size_t n, sg_source *src, sg_error *err);
        /* the verify result: into a JSON document (the run adds "at"), as
         * text, the failed checks as ", a, b" */
        void (*verify_json)(const sg_cli_crypto_opts *o, json_object *doc);
        void (*verify_text)(const sg_cli_crypto_opts *o, FILE *f);
        void (*failed_checks)(const sg_cli_crypto_opts *o, char *buf, size_t n);
        /* optional: after a successful operation without a verify result */
        void (*report)(const sg_cli_crypto_opts *o);
        /* free what the operation kept */
        void (*clear)(sg_cli_crypto_opts *o);
} sg_cli_crypto;

/* Parses argv (argv[0] the command's name, argv[1] the subcommand) into `o`
 * (zeroed by the caller) and runs; returns the exit status of docs/cli.md. */
int sg_cli_crypto_main(const sg_cli_crypto *cmd, sg_cli_crypto_opts *o, int argc, char **argv);

#endif
