/* sealgate: sg_audit_journal_send through libsystemd's sd-journal (the native
 * journal protocol on /run/systemd/journal/socket). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "sealgate/audit-journal.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

bool sg_audit_journal_available(void) {
        struct stat st;
        return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

sg_err sg_audit_journal_send(const char *line, size_t len, sg_error *err) {
        sg_journal_field *f;
        size_t n;
        sg_err e = sg_journal_fields_new(line, len, &f, &n, err);
        if (e)
                return e;
        struct iovec *iov = calloc(n, sizeof *iov);
        if (!iov) {
                sg_journal_fields_free(f, n);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
                iov[i].iov_base = f[i].data;
                iov[i].iov_len = f[i].len;
        }
        int r = sd_journal_sendv(iov, (int) n);
        free(iov);
        sg_journal_fields_free(f, n);
        if (r < 0)
                return sg_error_set(err, SG_ERR_IO, "cannot write the audit record to the system journal: %s",
                                    strerror(-r));
        return SG_OK;
}
