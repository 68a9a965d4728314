/* sealgate: the audit files: one JSON-lines file per UTC day in a private
 * directory, appended with one write(2) per record, pruned by the date in
 * the file names (never by mtime, which backups and copies change). The
 * POSIX implementation is core/platform/audit-file-posix.c; the Outlook
 * add-in writes its log through its own win32-mapi/auditlog.h instead. */
#ifndef SEALGATE_AUDIT_FILE_H
#define SEALGATE_AUDIT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_AUDIT_DIR_MODE  0700
#define SG_AUDIT_FILE_MODE 0600

/* The directory records go to. `configured` is the policy's audit.directory
 * (NULL: the default); a leading "~/" is the user's home ($HOME, else the
 * password database). The default is $XDG_STATE_HOME/sealgate/audit when
 * XDG_STATE_HOME is an absolute path, else ~/.local/state/sealgate/audit.
 * *ret_dir is owned (free()); untouched on failure (SG_ERR_IO: no home). */
sg_err sg_audit_dir_resolve(const char *configured, char **ret_dir, sg_error *err);

/* Append `line[0..len)` to `dir`/audit-YYYY-MM-DD.jsonl (the UTC day of
 * `time_ms`) with a single write(2) on an O_APPEND descriptor, so lines of
 * concurrent writers never interleave. The directory (and missing parents) is
 * created with mode 0700, the file with 0600; existing ones keep their modes.
 * `len` 0 only checks that the file can be opened for appending. SG_ERR_IO
 * (the message names the file) on any failure, a short write included. */
sg_err sg_audit_append(const char *dir, int64_t time_ms, const char *line, size_t len, sg_error *err);

/* The day's file kept open between records, for a writer that appends many
 * (the host): sg_audit_append's file, rules and single write(2), without an
 * open and a close per record. The file is reopened when the UTC day of
 * `time_ms` changes, when `dir` changes, and when the file at its path is no
 * longer the one held open (its device and inode differ: rotated, removed or
 * replaced; looked at with one stat(2) per record). Owned:
 * sg_audit_writer_free(), which closes it. NULL on ENOMEM. */
typedef struct sg_audit_writer sg_audit_writer;
sg_audit_writer *sg_audit_writer_new(void);
sg_audit_writer *sg_audit_writer_free(sg_audit_writer *w); /* takes NULL, returns NULL */

/* As sg_audit_append, through `w`. `len` 0 only checks that the file can be
 * opened for appending (and keeps it open). SG_ERR_IO on any failure; the
 * file is closed then, and the next record opens it again. */
sg_err sg_audit_writer_append(sg_audit_writer *w, const char *dir, int64_t time_ms, const char *line, size_t len,
                              sg_error *err);

/* Delete the audit files in `dir` whose name's date is past `retention_days`
 * on the UTC day of `time_ms` (sg_audit_expired); 0 keeps everything. Other
 * files are never touched. A missing directory is not an error.
 * *ret_removed (may be NULL) gets the number of files deleted. */
sg_err sg_audit_prune(const char *dir, int64_t time_ms, unsigned retention_days, size_t *ret_removed, sg_error *err);

/* The current time in milliseconds since 1970 (UTC). */
int64_t sg_audit_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
