/* sealgate-prompt: the confirmation checklist of prompt.confirm (issue 17):
 * the rows to tick, read from the decision (recipients' "confirm" and
 * "lookalike", "missend.attachments", "missend.allow_check_all"). No GTK
 * here, so tests drive it without a display; prompt-confirm.c shows it. */
#ifndef SEALGATE_PROMPT_CONFIRM_MODEL_H
#define SEALGATE_PROMPT_CONFIRM_MODEL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"

/* One row: a domain or "Attachments" heading, or a box to tick. The text
 * is made when shown (sg_prompt_check_text), in the language then in force. */
typedef enum sg_prompt_check_kind {
        SG_CHECK_DOMAIN = 0,  /* heading: a = the domain */
        SG_CHECK_ATTACHMENTS, /* heading */
        SG_CHECK_RECIPIENT,   /* a = field ("to", "cc", "bcc"), b = display name or NULL, c = address */
        SG_CHECK_ATTACHMENT   /* a = file name, c = content type or NULL, size */
} sg_prompt_check_kind;

typedef struct sg_prompt_check {
        sg_prompt_check_kind kind;
        char *a, *b, *c; /* owned */
        uint64_t size;
        bool heading;   /* a heading, not a box */
        bool external;  /* a recipient outside the organisation (highlighted) */
        bool lookalike; /* its domain looks like an internal one (flagged) */
} sg_prompt_check;

typedef struct sg_prompt_confirm {
        sg_prompt_check *rows;
        size_t n_rows;
        size_t n_boxes;       /* rows that are boxes */
        bool allow_check_all; /* a "check all" control is offered */
        char *sender;         /* prompt.show_sender: the From to show prominently, or NULL */
        bool bcc_ask;         /* rules.convert_to_bcc "ask": the user may keep the recipients (prompt-bcc.h) */
        size_t n_bcc;         /* the recipients the move concerns ("to_bcc") */
} sg_prompt_confirm;

/* The checklist of decision `root` (the prompt's input object): *ret owned
 * (sg_prompt_confirm_free), NULL when nothing is to be ticked, no sender
 * is to be shown and no Bcc move is asked about. The members
 * are optional (an older host sends none). Errors: SG_ERR_REQUEST (a member
 * of the wrong type, naming its path), SG_ERR_LIMIT. */
sg_err sg_prompt_confirm_parse(json_object *root, sg_prompt_confirm **ret, sg_error *err);
sg_prompt_confirm *sg_prompt_confirm_free(sg_prompt_confirm *c); /* takes NULL, returns NULL */

/* The row's text, localised now. Owned (g_free). */
char *sg_prompt_check_text(const sg_prompt_check *r);

#endif
