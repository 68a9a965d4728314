/* sealgate CLI: read an RFC 5322/MIME message (.eml) into the policy engine's
 * message summary, with GMime. Only the command line uses this. */
#ifndef SEALGATE_CLI_EML_H
#define SEALGATE_CLI_EML_H

#include <stddef.h>

#include "sealgate/error.h"
#include "sealgate/policy.h"

/* Named limits on an .eml file. */
#define SG_EML_FILE_MAX         (64u << 20) /* bytes of the file */
#define SG_EML_DEPTH_MAX        32          /* MIME nesting: the top-level body is depth 1 */
#define SG_EML_PARTS_MAX        1000        /* MIME entities: leaves, multiparts and enclosed messages */
#define SG_EML_HEADER_LINES_MAX 100000      /* lines in all header blocks together (folded lines count) */

/* A message read from a file: the summary plus the storage it points into. */
typedef struct sg_eml sg_eml;

/* Set GMime up / tear it down; once per process, around every other call. */
void sg_eml_library_init(void);
void sg_eml_library_shutdown(void);

/* Read and parse `path`. On success *ret is owned (sg_eml_free); untouched on
 * failure. Errors: SG_ERR_IO (cannot read; the message names the file),
 * SG_ERR_LIMIT (a limit above, or a message summary limit of policy.h),
 * SG_ERR_MIME (not a message), SG_ERR_ADDRESS_SYNTAX (an address header that
 * does not parse; the message quotes the address and the header). */
sg_err sg_eml_load_file(const char *path, sg_eml **ret, sg_error *err);

/* The same for a message already in memory (`data` is borrowed). */
sg_err sg_eml_load_data(const char *data, size_t len, sg_eml **ret, sg_error *err);

/* The summary, borrowed: valid until sg_eml_free(). Every recipient string is
 * one mailbox, `"Display Name" <addr>` or a bare `addr`. */
const sg_message *sg_eml_message(const sg_eml *eml);

/* Frees; takes NULL; returns NULL. */
sg_eml *sg_eml_free(sg_eml *eml);

#endif
