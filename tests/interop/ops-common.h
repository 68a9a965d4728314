/* sealgate: what the in-process interop tests (test-smime-ops, test-nss-ops,
 * test-pgp-ops) share: the fixture directory made by a make-*fixtures.sh
 * script, files in it, and a growable memory sink. No TAP output here: the
 * tests check (sg-test.h keeps its counters per file). */
#ifndef SG_OPS_COMMON_H
#define SG_OPS_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/smime.h"
#include "sealgate/stream.h"

/* The fixture directory, and the first line of its PASSPHRASE file ("" if none). */
extern char ops_fx[512];
extern char ops_pass[128];

/* The message every test encrypts and signs: a small MIME entity. */
extern const char ops_content[];

/* Checks argv (exactly one argument, the fixture script; else "usage: USAGE"
 * on stderr and exit 2), makes /tmp/sealgate-TAG-XXXXXX
 * (else exit 1), and runs `sh SCRIPT DIR` there, its output thrown away
 * (`quiet`: its errors too), then with `then` the shell commands `then` in
 * DIR. False when a command failed. */
bool ops_start(int argc, char **argv, const char *usage, const char *tag, bool quiet, const char *then);

/* Kills `home`'s gpg-agent when home is not NULL, and removes the fixture directory. */
void ops_cleanup(const char *home);

/* DIR/name, in one of four buffers that are reused in turn. */
const char *ops_path(const char *name);

/* The contents of DIR/name, NUL-terminated (at most 1 MiB - 1 bytes); owned,
 * NULL if it cannot be read. */
char *ops_slurp(const char *name, size_t *len);

/* Output in memory, always NUL-terminated past len (for strstr). */
typedef struct membuf {
        unsigned char *data;
        size_t len, cap;
} membuf;

/* Appends; -1 out of memory. */
int membuf_write(void *ctx, const void *p, size_t n);
/* A sink that writes into `m`, emptied first. */
sg_sink membuf_sink(membuf *m);
/* Whether `m` holds ops_content exactly. */
bool membuf_is_content(const membuf *m);

/* The detached S/MIME signature `sig` over ops_content cut to 0, step,
 * 2 * step, ... bytes: the first length `ops` verifies as valid, SIZE_MAX
 * when none is. */
size_t ops_smime_cut_accepted(const sg_smime_ops *ops, const sg_smime_trust *trust, const membuf *sig, size_t step);

#endif
