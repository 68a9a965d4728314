/* The hardening check's self-test: a program built without any of the
 * hardening flags (tests/build/meson.build), which check-hardening.py must
 * report as missing each of them. It calls functions _FORTIFY_SOURCE would
 * replace (fprintf, memcpy of a run-time length) and has an array on the stack
 * for the stack protector to guard. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
        char buf[64];
        size_t n = strlen(argv[0]);
        if (n >= sizeof buf)
                n = sizeof buf - 1;
        memcpy(buf, argv[0], n);
        buf[n] = '\0';
        fprintf(stdout, "%s %d\n", buf, argc);
        return 0;
}
