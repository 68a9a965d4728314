/* sealgate tests: a UTF-8 string as a JSON string on stdout (NULL: null),
 * for the probes that print one JSON line for a Python test to read
 * (tests/parity/parity-outlook.c, tests/win32/dlg-probe.c). */
#ifndef SG_TEST_JSON_PUT_H
#define SG_TEST_JSON_PUT_H

#include <stdio.h>

static inline void sg_test_put_json(const char *s) {
        if (!s) {
                fputs("null", stdout);
                return;
        }
        putchar('"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        printf("\\%c", *p);
                else if (*p < 0x20)
                        printf("\\u%04x", *p);
                else
                        putchar(*p);
        }
        putchar('"');
}

#endif
