/* sealgate doctor: the one line each check prints in text mode, shared by
 * `sealgate doctor` on Linux (doctor.c) and on Windows (win32/doctor-win32.c):
 * "ok   ID: DETAIL" or "FAIL ID: DETAIL" (in Japanese "正常   ID: DETAIL" /
 * "要対応 ID: DETAIL": the label is padded to the width of the widest),
 * control characters of the detail (from a file, the registry or a program)
 * shown as '?'. libc only. */
#ifndef SG_CLI_DOCTOR_LINE_H
#define SG_CLI_DOCTOR_LINE_H

#include <stdbool.h>
#include <stdio.h>

/* Terminal columns of UTF-8 `s`: 1 per ASCII character, 2 per other
 * character (the labels are ASCII or full-width Japanese). */
static inline int sg_doctor_label_width(const char *s) {
        int w = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p & 0xC0) != 0x80)
                        w += *p < 0x80 ? 1 : 2;
        return w;
}

/* Print "LABEL ID: DETAIL" on stdout, LABEL padded to the wider of the two
 * labels, and flush; false when it could not be written. */
static inline bool sg_doctor_print_labelled(bool ok, const char *ok_label, const char *fail_label, const char *id,
                                            const char *detail) {
        int wo = sg_doctor_label_width(ok_label), wf = sg_doctor_label_width(fail_label);
        int width = wo > wf ? wo : wf;
        const char *label = ok ? ok_label : fail_label;
        bool good = printf("%s%*s %s: ", label, width - (ok ? wo : wf), "", id) >= 0;
        for (const unsigned char *p = (const unsigned char *) detail; good && *p; p++)
                good = putchar(*p < 0x20 || *p == 0x7F ? '?' : *p) != EOF;
        return good && putchar('\n') != EOF && fflush(stdout) == 0;
}

/* The English line: "ok   ID: DETAIL" / "FAIL ID: DETAIL". */
static inline bool sg_doctor_print_line(bool ok, const char *id, const char *detail) {
        return sg_doctor_print_labelled(ok, "ok", "FAIL", id, detail);
}

#endif
