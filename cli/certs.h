/* sealgate: the `certs` command of the command line (cli/certs.c). */
#ifndef SEALGATE_CLI_CERTS_H
#define SEALGATE_CLI_CERTS_H

/* argv[0] is "certs", argv[1] the subcommand; returns the exit status. */
int sg_cli_certs(int argc, char **argv);

#endif
