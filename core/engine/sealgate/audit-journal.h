/* sealgate: the audit record in the system journal (docs/admin/audit.md,
 * "The system journal"). The fields of one record are computed here, in
 * the pure engine (libc only); sg_audit_journal_send, implemented by
 * core/platform/ (sd-journal where libsystemd is there, else a stub that
 * says it is not), writes them as one journal entry. */
#ifndef SEALGATE_AUDIT_JOURNAL_H
#define SEALGATE_AUDIT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_AUDIT_JOURNAL_IDENTIFIER  "sealgate"  /* SYSLOG_IDENTIFIER */
#define SG_AUDIT_JOURNAL_PREFIX      "SEALGATE_" /* of every record field's name */
#define SG_AUDIT_JOURNAL_KEYS_MAX    64          /* top-level keys of one record */
#define SG_AUDIT_JOURNAL_KEY_MAX     55          /* bytes of a key (journal names: 64 with the prefix) */
#define SG_AUDIT_JOURNAL_DEPTH_MAX   16          /* nesting of a value */
#define SG_AUDIT_JOURNAL_MESSAGE_MAX 512         /* bytes of MESSAGE, the summary */

/* One journal field: "NAME=value", `len` bytes (the value may hold any byte). */
typedef struct sg_journal_field {
        char *data;
        size_t len;
} sg_journal_field;

/* The journal fields of one audit record `line` (sg_audit_format's output,
 * one JSON object; a trailing newline is allowed): MESSAGE (a one-line
 * summary), PRIORITY=6, SYSLOG_IDENTIFIER=sealgate, then one field per
 * top-level key in order, named SEALGATE_<KEY in capitals>: a string value
 * decoded (JSON escapes undone), any other value as its JSON text (null,
 * numbers, objects, arrays), and SEALGATE_RECORD, the line itself.
 * *ret_fields is owned (sg_journal_fields_free); untouched on failure.
 * SG_ERR_JSON when the line is not one JSON object, SG_ERR_LIMIT past a
 * limit above (a key of other bytes than a-z, 0-9, _ is SG_ERR_JSON too). */
sg_err sg_journal_fields_new(const char *line, size_t len, sg_journal_field **ret_fields, size_t *ret_n, sg_error *err);
void sg_journal_fields_free(sg_journal_field *fields, size_t n);

/* Whether sg_audit_journal_send can reach a journal on this build and
 * machine (built with libsystemd, and the journal socket exists). */
bool sg_audit_journal_available(void);

/* Write the record `line` to the system journal as one entry with the
 * fields of sg_journal_fields_new. SG_ERR_IO when it cannot (built without
 * libsystemd, no journal running, the send failed: the message says which). */
sg_err sg_audit_journal_send(const char *line, size_t len, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
