/* sealgate: what the crypto commands (smime, pgp) share: reading the input,
 * writing the output only on success, passphrases, and result formatting. */
#ifndef SEALGATE_CLI_IO_H
#define SEALGATE_CLI_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "sealgate/error.h"

/* Replace control characters in `s` (a message quoting user input) by '?'. */
void sg_cli_one_line(char *s);

/* The passphrase from environment variable `env`, or else the first line of
 * `file`; both NULL: none (*ret NULL). `buf` must have room for max + 2
 * bytes; *ret points into it. SG_ERR_LIMIT past `max` bytes. */
sg_err sg_cli_read_passphrase(const char *env, const char *file, char *buf, size_t max, const char **ret,
                              sg_error *err);

/* A file descriptor for `path` ("-" or NULL: the standard input). With
 * `seekable`, a pipe is first copied into an anonymous temporary file. -1 on
 * error (err set). */
int sg_cli_open_input(const char *path, bool seekable, sg_error *err);

/* Output goes to a temporary file (next to `path`, or anonymous for the
 * standard output) that becomes `path`, or is copied to the standard output,
 * only when close says ok: a failure never leaves partial output behind. */
typedef struct sg_cli_output {
        int fd;
        char *tmp;
        const char *path;
} sg_cli_output;

sg_err sg_cli_open_output(sg_cli_output *out, const char *path, sg_error *err);
/* ok: keep the output; else remove it. Takes a closed output too. */
sg_err sg_cli_close_output(sg_cli_output *out, bool ok, sg_error *err);

/* RFC 3339 UTC ("2026-11-23T12:00:00Z"), or "?". */
void sg_cli_format_time(int64_t t, char *buf, size_t n);
json_object *sg_cli_jstr(const char *s); /* NULL stays NULL (JSON null) */
json_object *sg_cli_jtime(int64_t t);

#endif
