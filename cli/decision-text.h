/* sealgate CLI: a policy decision as text for an administrator, the text
 * output of `policy-check` on Linux and on Windows. */
#ifndef SEALGATE_CLI_DECISION_TEXT_H
#define SEALGATE_CLI_DECISION_TEXT_H

#include "sealgate/policy.h"

/* Print `d` for the message `file` on stdout: the action, the recipients
 * and their classes, the reasons, the choices, the route headers and the
 * encryption methods, every untrusted text through sg_cli_text(). */
void sg_cli_print_decision(const char *file, const sg_decision *d);

#endif
