/* sealgate: the command's entry point. It links libc alone and hands the
 * command line, unchanged, to the program that serves the command:
 * `sealgate certs ...` to sealgate-certs-cmd (certs-main.c: NSS, OpenSSL,
 * json-c and what the certificate commands need), `sealgate pgp ...` to
 * sealgate-pgp-cmd (pgp-main.c: GPGME, GMime, json-c), everything else (and
 * --version, help, unknown commands) to sealgate-cli (sealgate.c, which links
 * GMime, GPGME, RNP and libsoup for the mail commands). Each program is looked
 * for next to this one (a build tree), else in SG_LIBEXECDIR/sealgate/ (an
 * installed system). Starting one more small program costs less than the
 * dynamic loader's work on the libraries a command does not use
 * (docs/performance.md, "Certificate import"). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sealgate-config.h"

/* Exit status when the serving program cannot be started (docs/cli.md). */
#define EXIT_CANNOT_RUN 127

static const char *program_for(int argc, char **argv) {
        if (argc > 1 && strcmp(argv[1], "certs") == 0)
                return "sealgate-certs-cmd";
        if (argc > 1 && strcmp(argv[1], "pgp") == 0)
                return "sealgate-pgp-cmd";
        return "sealgate-cli";
}

/* `name` next to this executable when it is there, else in the libexec
 * directory; written into `path`. */
static void find_program(const char *name, char *path, size_t cap) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0 && self[0] == '/') {
                self[n] = '\0';
                char *slash = strrchr(self, '/');
                int w = snprintf(path, cap, "%.*s/%s", (int) (slash - self), self, name);
                if (w > 0 && (size_t) w < cap && access(path, X_OK) == 0)
                        return;
        }
        snprintf(path, cap, "%s/sealgate/%s", SG_LIBEXECDIR, name);
}

int main(int argc, char **argv) {
        char path[PATH_MAX];
        find_program(program_for(argc, argv), path, sizeof path);
        execv(path, argv);
        fprintf(stderr, "sealgate: cannot run %s: %s\n", path, strerror(errno));
        return EXIT_CANNOT_RUN;
}
