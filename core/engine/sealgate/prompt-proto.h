/* sealgate: the protocol between the host and the prompt program (the
 * decision as one JSON line on the program's stdin, its answer as one JSON
 * line on stdout; docs/protocol.md, "prompt.show"). The limits both sides
 * enforce have their one definition here. Pure header: no functions. */
#ifndef SEALGATE_PROMPT_PROTO_H
#define SEALGATE_PROMPT_PROTO_H

/* Bytes of the decision the host writes to the prompt program (the JSON line
 * and its newline); the program refuses more. */
#define SG_PROMPT_INPUT_MAX (8u << 20)

/* Protective choices (encrypt, routes) both prompts (GTK and Outlook) show
 * at once: the recommended one and one alternative; the rest go under
 * "Other ways to send (n)". A display choice, not a limit. */
#define SG_PROMPT_PROTECTIVE_SHOWN 2

#endif
