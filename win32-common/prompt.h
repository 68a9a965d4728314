/* sealgate Outlook add-in: the send prompt (a TaskDialog with common
 * controls v6 from the DLL's own manifest), the follow-up justification
 * dialog (preset reasons and a field), and the message shown when a send is
 * stopped. Same content and choices as the GTK prompt (contract-prompt §1),
 * the further routes behind "Other ways to send (n)". */
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
        const char *why; /* one line on why a choice is not offered, or NULL */
        bool no_ui;      /* the item has no window (sent by code): no dialog, the fallback */
} sg_prompt_input;

typedef struct sg_prompt_answer {
        size_t choice;       /* index in decision->choices */
        const char *by;      /* "button", "escape", "timeout", "fallback" (static) */
        char *justification; /* owned (free()) or NULL */
        const char *error;   /* "prompt_unavailable" when no dialog could be shown, else NULL */
        bool bcc_declined;   /* rules.convert_to_bcc "ask": the user kept the recipients in To and Cc */
} sg_prompt_answer;

/* Ask the user. Always answers: when no dialog can be shown (or no_ui), the
 * decision's prompt_fallback with by "fallback" (never "send": a clear-text
 * send is never made without the user seeing anything). */
void sg_prompt_ask(const sg_prompt_input *in, sg_prompt_answer *ret);

/* The prompt's text body (subject, external recipients by domain, reasons);
 * owned UTF-8 (free()). */
char *sg_prompt_content_dup(const sg_prompt_input *in);

/* A scripted answer, as tests give it (the test build's
 * SEALGATE_TEST_PROMPT_CHOICE, the parity test's rows): a choice id of `d`
 * (with "+keep" after it: the user also ticked "Keep the external
 * recipients in To and Cc", taken when the decision asks about the move),
 * or "@escape", "@close", "@timeout" (cancel that way), "@fallback" (no
 * prompt could be shown); `justification` for "send" when the decision
 * requires one. False when `want` names no offered choice.
 * ret->justification is owned (free()). prompt-answer.c. */
bool sg_prompt_scripted_answer(const sg_decision *d, const char *want, const char *justification,
                               sg_prompt_answer *ret);

/* Tell the user why a send was stopped (a modal message box). */
void sg_prompt_message(sg_lang lang, HWND owner, const char *title, const char *text);

/* The button label of a choice, in `lang`; owned UTF-8 (free()). */
char *sg_choice_label_dup(sg_lang lang, const sg_choice *c);

/* What a choice does, one line, in `lang`; owned UTF-8 (free()). */
char *sg_choice_description_dup(sg_lang lang, const sg_choice *c, bool require_justification);

/* The DLL's activation context (common controls v6) on or off. */
bool sg_actctx_push(ULONG_PTR *cookie);
void sg_actctx_pop(ULONG_PTR cookie);

#endif
