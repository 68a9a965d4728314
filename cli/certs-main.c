/* sealgate-certs-cmd: `sealgate certs` in a program of its own, linked with
 * only what the certificate commands need (NSS, OpenSSL, json-c; GLib for
 * gpgsm), so that importing a certificate does not load GMime, GPGME, RNP
 * and libsoup's whole stack as the full command line does. The `sealgate`
 * launcher (launcher.c) runs it for `sealgate certs ...`; docs/cli.md. */
#include "certs.h"
#include "sealgate/secrets.h"

int main(int argc, char **argv) {
        /* it holds keys and passwords: no core file, not dumpable (docs/cli.md) */
        sg_secrets_protect_process();
        return sg_cli_certs(argc - 1, argv + 1);
}
