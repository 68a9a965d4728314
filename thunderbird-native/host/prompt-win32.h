/* sealgate-host on Windows: show one prompt.show decision with the shared
 * TaskDialog (win32-common/prompt.c) and report it as the end of a prompt
 * program (conn.h's sg_prompt_result). Runs in a thread of its own. */
#ifndef SEALGATE_PROMPT_WIN32_H
#define SEALGATE_PROMPT_WIN32_H

#include "conn.h"
#include "sealgate/policy.h"

typedef struct sg_win_prompt_out {
        sg_prompt_end end; /* EXITED (answer set), TIMED_OUT or NOT_STARTED (detail) */
        int status;        /* EXITED: 0, or 1 when the answer could not be written */
        char *answer;      /* EXITED: the answer as one JSON line; owned (free()) */
        char detail[256];  /* NOT_STARTED: why */
} sg_win_prompt_out;

/* Ask the user about `d` (borrowed; it must stay alive meanwhile) in `lang`
 * ("ja", "en", or "" for the desktop's language); `subject` may be NULL. */
void sg_win_prompt_run(const sg_decision *d, const char *subject, const char *lang, sg_win_prompt_out *out);

#endif
