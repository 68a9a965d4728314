/* sealgate Outlook add-in: the audit trail, the same JSON lines as on Linux
 * (core/engine/sealgate/audit.h formats them) in %LOCALAPPDATA%\sealgate\audit\
 * audit-YYYY-MM-DD.jsonl unless the policy names another directory. */
#ifndef SG_AUDITLOG_H
#define SG_AUDITLOG_H

#include <stdint.h>

#include "sealgate/audit.h"
#include "sealgate/policy.h"

/* Milliseconds since 1970 (UTC). */
int64_t sg_auditlog_now_ms(void);
/* A new attempt id: 32 lowercase hex digits and a NUL. */
void sg_auditlog_attempt_id(char out[33]);
/* The login name, UTF-8; owned (free()), NULL if unknown. */
char *sg_auditlog_user_dup(void);

/* Whether a record could be written now (the directory exists or can be
 * made, the day's file opens for appending); SG_OK when audit is off. Used
 * before acting when the policy says audit.required. */
sg_err sg_auditlog_check(const sg_policy *p, sg_error *err);

/* Append `rec` under the policy's audit settings (does nothing when audit is
 * off). Deletes files past the retention at the first write of a day. */
sg_err sg_auditlog_write(const sg_policy *p, const sg_audit_record *rec, sg_error *err);

#endif
