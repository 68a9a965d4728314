/* sealgate: the `pgp` command of the command line (cli/pgp.c). */
#ifndef SEALGATE_CLI_PGP_H
#define SEALGATE_CLI_PGP_H

/* argv[0] is "pgp", argv[1] the subcommand; returns the exit status. */
int sg_cli_pgp(int argc, char **argv);

#endif
