/* sealgate Outlook add-in: the user-visible text in English and Japanese
 * (UTF-8 in a C table), and the choice of language. */
#ifndef SG_STRINGS_H
#define SG_STRINGS_H

#include <windows.h>

#include "sealgate/policy.h"

typedef enum sg_lang { SG_LANG_EN = 0, SG_LANG_JA, SG_LANG__MAX } sg_lang;

typedef enum sg_text {
        SG_T_GROUP = 0,
        SG_T_ENCRYPT_LABEL,
        SG_T_ENCRYPT_TIP,
        SG_T_ENCRYPT_SUPERTIP,
        SG_T_PORTAL_LABEL,
        SG_T_PORTAL_TIP,
        SG_T_PORTAL_SUPERTIP,
        SG_T_PROMPT_TITLE,
        SG_T_PROMPT_HEADING,
        SG_T_PROMPT_RECIPIENTS, /* "External recipients:" */
        SG_T_PROMPT_REASONS,    /* "Why:" */
        SG_T_PROMPT_SUBJECT,    /* "Subject: %s" */
        SG_T_PROMPT_LISTS,      /* lists that could not be expanded: %s */
        SG_T_PROMPT_MORE,       /* "and %s more" */
        SG_T_BUTTON_ENCRYPT,
        SG_T_BUTTON_PORTAL,
        SG_T_BUTTON_ROUTE, /* "Send through the gateway (%s)" */
        SG_T_BUTTON_SEND,
        SG_T_BUTTON_CANCEL,
        SG_T_JUSTIFY_TITLE,
        SG_T_JUSTIFY_TEXT,
        SG_T_JUSTIFY_OK,
        SG_T_JUSTIFY_BACK,
        SG_T_BLOCK_TITLE,
        SG_T_BLOCK_HEADING,
        SG_T_ERROR_TITLE,
        SG_T_ERROR_POLICY,  /* "The sealgate policy could not be read: %s" */
        SG_T_ERROR_CHECK,   /* "The message could not be checked: %s" */
        SG_T_ERROR_ENCRYPT, /* no way to encrypt */
        SG_T_ERROR_ROUTE,   /* "The policy has no route \"%s\"." */
        SG_T_ERROR_PORTAL,  /* the Send-securely toggle without a portal route */
        SG_T_ERROR_AUDIT,   /* the audit record cannot be written (audit.required) */
        SG_T_FALLBACK_HINT, /* MessageBox fallback: OK / Cancel meaning */
        SG_T__MAX
} sg_text;

/* The language for a Windows language id: Japanese for LANG_JAPANESE,
 * English otherwise. */
sg_lang sg_lang_from_langid(LANGID id);
/* Static UTF-8 text (a printf format for the entries that say so). */
const char *sg_text_get(sg_lang lang, sg_text t);
/* A reason in words, in `lang`, with its evidence; owned (free()). */
char *sg_reason_text_dup(sg_lang lang, const sg_reason *r, size_t n_external);

/* `fmt` with its one "%s" replaced by `arg`; owned (free()). */
char *sg_subst_dup(const char *fmt, const char *arg);
/* sg_text_get() of a "%s" text, filled in; owned (free()). */
char *sg_text_format_dup(sg_lang lang, sg_text t, const char *arg);

#endif
