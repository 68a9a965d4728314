/* sealgate doctor: the one line each check prints in text mode, shared by
 * `sealgate doctor` on Linux (doctor.c) and on Windows (win32/doctor-win32.c):
 * "ok   ID: DETAIL" or "FAIL ID: DETAIL", control characters of the detail
 * (from a file, the registry or a program) shown as '?'. libc only. */
#ifndef SG_CLI_DOCTOR_LINE_H
#define SG_CLI_DOCTOR_LINE_H

#include <stdbool.h>
#include <stdio.h>

/* Print the line on stdout and flush; false when it could not be written. */
static inline bool sg_doctor_print_line(bool ok, const char *id, const char *detail) {
        bool good = printf("%s %s: ", ok ? "ok  " : "FAIL", id) >= 0;
        for (const unsigned char *p = (const unsigned char *) detail; good && *p; p++)
                good = putchar(*p < 0x20 || *p == 0x7F ? '?' : *p) != EOF;
        return good && putchar('\n') != EOF && fflush(stdout) == 0;
}

#endif
