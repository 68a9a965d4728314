/* sealgate: sg_audit_journal_send through libsystemd's sd-journal (the native
 * journal protocol on /run/systemd/journal/socket). libsystemd is opened on
 * the first record sent, not linked: it brings libgcrypt, liblzma, libzstd,
 * liblz4 and libcap along, and a helper whose policy leaves audit.journal off
 * (or that never writes a record) must not pay for mapping them at start
 * (docs/performance.md, (a)). */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "sealgate/audit-journal.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define LIBSYSTEMD     "libsystemd.so.0" /* the soname of Debian's libsystemd0 */

typedef int (*sendv_fn)(const struct iovec *iov, int n);

/* sd_journal_sendv from libsystemd, opened once; NULL (with the reason in
 * *ret_why) when the library or the symbol is not there. The handle stays
 * open for the life of the process. Not thread-safe: the helper sends from
 * its one thread. */
static sendv_fn journal_sendv(const char **ret_why) {
        static sendv_fn fn;
        static void *lib;
        if (fn)
                return fn;
        if (!lib && !(lib = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL))) {
                *ret_why = "libsystemd.so.0 cannot be loaded";
                return NULL;
        }
        *(void **) &fn = dlsym(lib, "sd_journal_sendv");
        if (!fn)
                *ret_why = "libsystemd.so.0 has no sd_journal_sendv";
        return fn;
}

bool sg_audit_journal_available(void) {
        struct stat st;
        return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

sg_err sg_audit_journal_send(const char *line, size_t len, sg_error *err) {
        const char *why = NULL;
        sendv_fn sendv = journal_sendv(&why);
        if (!sendv)
                return sg_error_set(err, SG_ERR_IO, "cannot write the audit record to the system journal: %s", why);
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
        int r = sendv(iov, (int) n);
        free(iov);
        sg_journal_fields_free(f, n);
        if (r < 0)
                return sg_error_set(err, SG_ERR_IO, "cannot write the audit record to the system journal: %s",
                                    strerror(-r));
        return SG_OK;
}
