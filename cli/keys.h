/* sealgate: the `keys` command of the command line (cli/keys.c). */
#ifndef SEALGATE_CLI_KEYS_H
#define SEALGATE_CLI_KEYS_H

/* argv[0] is "keys", argv[1] the subcommand ("lookup"); returns the exit
 * status. */
int sg_cli_keys(int argc, char **argv);

#endif
