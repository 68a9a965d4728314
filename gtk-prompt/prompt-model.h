/* sealgate-prompt: the decision a prompt shows, parsed and checked from JSON,
 * and every text the window shows built from it (localised through gettext,
 * text domain "sealgate"). No GTK here, so tests drive it without a display. */
#ifndef SEALGATE_PROMPT_MODEL_H
#define SEALGATE_PROMPT_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "sealgate/error.h"
#include "sealgate/format.h"
#include "sealgate/outcome.h"
#include "sealgate/policy.h"
#include "sealgate/prompt-proto.h"

/* ---- Named limits on the input (stdin, from the host) */
/* SG_PROMPT_INPUT_MAX (bytes of JSON): sealgate/prompt-proto.h, shared with the host */
#define SG_PROMPT_JSON_DEPTH        16                           /* nesting of the JSON document */
#define SG_PROMPT_RECIPIENTS_MAX    SG_MSG_RECIPIENTS_MAX        /* 10000 */
#define SG_PROMPT_REASONS_MAX       (SG_POLICY_TRIGGERS_MAX + 1) /* 257: built-in + one per trigger */
#define SG_PROMPT_ITEMS_MAX         SG_MSG_RECIPIENTS_MAX        /* items of one reason (domains, files) */
#define SG_PROMPT_CHOICES_MAX       (SG_POLICY_ROUTES_MAX + 3)   /* 67: every route + encrypt, send, cancel */
#define SG_PROMPT_HEADERS_MAX       SG_POLICY_ROUTE_HEADERS_MAX  /* 32 per route choice */
#define SG_PROMPT_STRING_MAX        16384                        /* bytes of any one string member */
#define SG_PROMPT_JUSTIFICATION_MAX SG_JUSTIFICATION_CHARS_MAX   /* characters, after trimming */
#define SG_PROMPT_NOTES_MAX         4 /* "notes": why a choice is not offered (one per removable choice) */

/* ---- Display choices (not limits on the input) */
#define SG_PROMPT_ITEMS_SHOWN     10 /* items spelled out in a reason sentence */
#define SG_PROMPT_INTERNAL_LISTED 3  /* internal recipients named one by one up to this many */
#define SG_PROMPT_ITEM_CHARS      80 /* characters of one item shown before "…" */

typedef struct sg_prompt_recipient {
        char *address;
        char *display_name; /* or NULL */
        char *domain;
        sg_field field;
        bool external;
} sg_prompt_recipient;

typedef struct sg_prompt_reason {
        char *code;        /* as given; may be a code this build does not know */
        bool known;        /* code names an sg_reason_code */
        sg_reason_code rc; /* valid when known */
        char *detail;      /* the engine's English fragment, or NULL */
        char *trigger;     /* the policy rule (trigger id) that gave it, or NULL for a built-in reason */
        char **items;      /* n_items entries */
        size_t n_items;
        char *label[2]; /* the policy's words for its trigger (triggers[].label), [0] en, [1] ja; or NULL */
} sg_prompt_reason;

typedef struct sg_prompt_choice {
        char *id; /* "encrypt", "route:portal", "send", "cancel" */
        sg_choice_kind kind;
        char *route;    /* ROUTE only */
        char *label[2]; /* ROUTE only: the policy's label for users, [0] en, [1] ja; or NULL */
} sg_prompt_choice;

typedef struct sg_prompt_model {
        char *subject; /* or NULL */
        sg_prompt_recipient *recipients;
        size_t n_recipients;
        size_t n_external;
        sg_prompt_reason *reasons;
        size_t n_reasons;
        sg_prompt_choice *choices;
        size_t n_choices;
        size_t cancel;   /* index of the "cancel" choice (always present) */
        int preselect;   /* index of the choice made in the compose window (selected first), or -1 */
        int recommended; /* index of the recommended choice (prompt_recommended, else the first protective), or -1 */
        bool require_justification;
        /* why a choice is not offered (host: sg_decision_offer), then SG_NOTE_SEND_NOT_ALLOWED from the
         * decision's send_removed_by (its count: the index of the reason) */
        sg_offer_note notes[SG_PROMPT_NOTES_MAX + 1];
        size_t note_counts[SG_PROMPT_NOTES_MAX + 1];
        size_t n_notes;
        struct sg_prompt_confirm *confirm; /* the checklist of prompt.confirm (prompt-confirm-model.h), or NULL */
} sg_prompt_model;

/* Parse and check `len` bytes of JSON (a decision as policy.evaluate returns
 * it, plus the host's subject/attempt/prompt_timeout_seconds). On success
 * *ret is owned: sg_prompt_model_free(). On failure *ret is untouched and
 * err->message names the key path ("choices[2].route: expected a string").
 * Errors: SG_ERR_LIMIT, SG_ERR_JSON, SG_ERR_UTF8, SG_ERR_REQUEST, SG_ERR_NOMEM. */
sg_err sg_prompt_model_parse(const char *data, size_t len, sg_prompt_model **ret, sg_error *err);
sg_prompt_model *sg_prompt_model_free(sg_prompt_model *m); /* takes NULL, returns NULL */

/* Index of the choice with this id, or -1. */
int sg_prompt_model_find_choice(const sg_prompt_model *m, const char *id);

/* ---- Texts. Every function returns an owned, localised UTF-8 string
 * (g_free) unless it says otherwise. */

/* The window title: "Sending outside the organisation". Static. */
const char *sg_prompt_title(void);
/* The one sentence under the title. */
char *sg_prompt_lead(const sg_prompt_model *m);
/* "Subject: …" or NULL without a subject. */
char *sg_prompt_subject_line(const sg_prompt_model *m);
/* "External recipients: 14 in 5 domains". */
char *sg_prompt_external_heading(const sg_prompt_model *m);
/* "3 internal recipients" / "Internal: a@corp.example, b@…"; NULL if none. */
char *sg_prompt_internal_summary(const sg_prompt_model *m);

/* The external recipients as rows for a list: a heading row per domain
 * ("example.net (3)", in order of first appearance) followed by one row per
 * address ("To: Bob <bob@example.net>"). */
typedef struct sg_prompt_row {
        char *text;
        bool heading;
} sg_prompt_row;
/* *ret_rows owned: sg_prompt_rows_free(rows, n). SG_ERR_NOMEM only. */
sg_err sg_prompt_external_rows(const sg_prompt_model *m, sg_prompt_row **ret_rows, size_t *ret_n);
void sg_prompt_rows_free(sg_prompt_row *rows, size_t n);

/* The sentence for one reason: the policy's label for its trigger in the
 * prompt's language when it has one, else from its code and items; for an
 * unknown code the decision's English detail (or the code itself). */
char *sg_prompt_reason_text(const sg_prompt_reason *r);
/* The same for a code this build knows, with no fallback (NULL if the code has
 * no sentence): the unit test checks every sg_reason_code has one. */
char *sg_prompt_reason_text_for(sg_reason_code code, char *const *items, size_t n_items);

/* `fmt` (a catalog text: "%s" in order, or "%1$s"/"%2$s") with the
 * placeholders replaced by a1 and a2, "%%" by "%". */
char *sg_prompt_fill(const char *fmt, const char *a1, const char *a2);

/* The one line saying why a choice is not offered, for note `i` (< n_notes);
 * NULL for a note this build has no sentence for. */
char *sg_prompt_note_text(const sg_prompt_model *m, size_t i);

/* Button label with a mnemonic ("_Encrypt and send"), and a description of
 * what happens for screen readers. */
char *sg_prompt_choice_label(const sg_prompt_choice *c);
char *sg_prompt_choice_description(const sg_prompt_choice *c, bool require_justification);

/* Whether `text` is an acceptable justification: after trimming white space,
 * 1..SG_PROMPT_JUSTIFICATION_MAX characters of valid UTF-8. If so and ret_trimmed
 * is not NULL, *ret_trimmed is the trimmed copy (owned, g_free). */
bool sg_prompt_justification_ok(const char *text, char **ret_trimmed);

/* The answer line (no newline): {"choice":…,"justification":…,"by":…}, and
 * "bcc":"keep" when `bcc_keep` (prompt-bcc.h) and the choice is not
 * "cancel". `justification` may be NULL. Owned (g_free). */
char *sg_prompt_answer_json(const char *choice, const char *justification, const char *by, bool bcc_keep);

#endif
