/* sealgate: the `smime` command of the command line (cli/smime.c). */
#ifndef SEALGATE_CLI_SMIME_H
#define SEALGATE_CLI_SMIME_H

/* argv[0] is "smime", argv[1] the subcommand; returns the exit status. */
int sg_cli_smime(int argc, char **argv);

#endif
