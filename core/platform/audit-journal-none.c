/* sealgate: sg_audit_journal_send where there is no system journal
 * (Windows): always SG_ERR_IO, so a policy asking for
 * the journal is told, never silently ignored. */
#include "sealgate/audit-journal.h"

bool sg_audit_journal_available(void) {
        return false;
}

sg_err sg_audit_journal_send(const char *line, size_t len, sg_error *err) {
        (void) line;
        (void) len;
        return sg_error_set(err, SG_ERR_IO, "no system journal on this platform");
}
