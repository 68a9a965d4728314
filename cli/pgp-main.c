/* sealgate-pgp-cmd: `sealgate pgp` in a program of its own, linked with only
 * what the OpenPGP commands need (GPGME, GMime with GLib, json-c), so that a
 * small message does not pay the dynamic loader's work on NSS, OpenSSL,
 * libsoup, RNP and SQLite as the full command line does (docs/performance.md,
 * "OpenPGP: a command line for pgp alone"). The `sealgate` launcher (launcher.c) runs
 * it for `sealgate pgp ...`; docs/cli.md. */
#include "pgp.h"
#include "sealgate/secrets.h"

int main(int argc, char **argv) {
        /* it holds passphrases and plaintext: no core file, not dumpable
         * (docs/cli.md) */
        sg_secrets_protect_process();
        return sg_cli_pgp(argc - 1, argv + 1);
}
