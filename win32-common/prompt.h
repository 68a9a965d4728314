/* sealgate Outlook add-in: the send prompt (a TaskDialog with common
 * controls v6 from the DLL's own manifest), the follow-up justification
 * dialog, and the message shown when a send is stopped. Same content and
 * choices as the GTK prompt (contract-prompt §1). */
#ifndef SG_PROMPT_H
#define SG_PROMPT_H

#include <stdbool.h>

#include <windows.h>

#include "sealgate/policy.h"
#include "strings.h"

typedef struct sg_prompt_input {
        sg_lang lang;
        const sg_decision *decision; /* action PROMPT */
        const char *subject;         /* may be NULL */
        char *const *unresolved;     /* names of lists/entries counted as external */
        size_t n_unresolved;
        HWND owner;
} sg_prompt_input;

typedef struct sg_prompt_answer {
        size_t choice;       /* index in decision->choices */
        const char *by;      /* "button", "escape", "timeout", "fallback" (static) */
        char *justification; /* owned (free()) or NULL */
        const char *error;   /* "prompt_unavailable" when no dialog could be shown, else NULL */
} sg_prompt_answer;

/* Ask the user. Always answers: when no dialog can be shown, the decision's
 * prompt_fallback with by "fallback". */
void sg_prompt_ask(const sg_prompt_input *in, sg_prompt_answer *ret);

/* The prompt's text body (subject, external recipients by domain, reasons);
 * owned UTF-8 (free()). */
char *sg_prompt_content_dup(const sg_prompt_input *in);

/* Tell the user why a send was stopped (a modal message box). */
void sg_prompt_message(sg_lang lang, HWND owner, const char *title, const char *text);

/* The button label of a choice, in `lang`; owned UTF-8 (free()). */
char *sg_choice_label_dup(sg_lang lang, const sg_choice *c);

/* The DLL's activation context (common controls v6) on or off. */
bool sg_actctx_push(ULONG_PTR *cookie);
void sg_actctx_pop(ULONG_PTR cookie);

#endif
