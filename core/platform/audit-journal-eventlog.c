/* sealgate: the audit record in the Windows Event Log (audit.journal on
 * Windows; docs/admin/windows.md, "Audit forwarding"): one event per record
 * from the source "sealgate" (registered by the MSI under
 * HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\sealgate),
 * type Information, event id SG_EVENTLOG_EVENT_ID, with the record's JSON
 * line as the event's one string and as its binary data, so Windows Event
 * Forwarding and a SIEM agent collect it whole. */
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "sealgate/audit-journal.h"

#define SG_EVENTLOG_SOURCE     L"sealgate"
#define SG_EVENTLOG_EVENT_ID   1
/* ReportEvent's limit on one string is 31,839 characters; a record is far
 * shorter (sg_audit_format bounds it), a longer one is refused. */
#define SG_EVENTLOG_STRING_MAX 31839

bool sg_audit_journal_available(void) {
        HANDLE h = RegisterEventSourceW(NULL, SG_EVENTLOG_SOURCE);
        if (!h)
                return false;
        DeregisterEventSource(h);
        return true;
}

sg_err sg_audit_journal_send(const char *line, size_t len, sg_error *err) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
        if (len > SG_EVENTLOG_STRING_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the audit record (%zu bytes) is over the Event Log's limit",
                                    len);
        int n = MultiByteToWideChar(CP_UTF8, 0, line, (int) len, NULL, 0);
        wchar_t *w = malloc(((size_t) n + 1) * sizeof *w);
        if (!w)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        MultiByteToWideChar(CP_UTF8, 0, line, (int) len, w, n);
        w[n] = 0;
        sg_err r = SG_OK;
        HANDLE h = RegisterEventSourceW(NULL, SG_EVENTLOG_SOURCE);
        if (!h) {
                r = sg_error_set(err, SG_ERR_IO, "cannot open the Event Log source sealgate (error %lu)",
                                 GetLastError());
        } else {
                const wchar_t *strings[1] = {w};
                if (!ReportEventW(h, EVENTLOG_INFORMATION_TYPE, 0, SG_EVENTLOG_EVENT_ID, NULL, 1, (DWORD) len, strings,
                                  (void *) line))
                        r = sg_error_set(err, SG_ERR_IO, "cannot write to the Event Log (error %lu)", GetLastError());
                DeregisterEventSource(h);
        }
        free(w);
        return r;
}
