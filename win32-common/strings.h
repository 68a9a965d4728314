/* sealgate Outlook add-in: the user-visible text in English and Japanese
 * (the string table generated from the one catalog, catalog/texts.json), and
 * the choice of language. */
#ifndef SG_STRINGS_H
#define SG_STRINGS_H

#include <windows.h>

#include "sealgate/policy.h"

typedef enum sg_lang { SG_LANG_EN = 0, SG_LANG_JA, SG_LANG__MAX } sg_lang;

/* sg_text, the ids of the texts: generated from catalog/texts.json (the
 * entries "for" addin) by catalog/catalog.py into the build folder. */
#include "addin-texts.h"

/* The language for a Windows language id: Japanese for LANG_JAPANESE,
 * English otherwise. */
sg_lang sg_lang_from_langid(LANGID id);
/* Static UTF-8 text (a printf format for the entries that say so). */
const char *sg_text_get(sg_lang lang, sg_text t);
/* A reason in words, in `lang`, with its evidence (the catalog's sentence
 * for its code: the number of items and the items); the engine's detail when
 * the sentence needs evidence and the reason has none. Owned (free()). */
char *sg_reason_text_dup(sg_lang lang, const sg_reason *r);

/* `fmt` with "%s" (in turn) or "%1$s", "%2$s" replaced by a1, a2 and "%%"
 * by "%"; owned (free()). */
char *sg_subst2_dup(const char *fmt, const char *a1, const char *a2);
/* `fmt` with its one "%s" replaced by `arg`; owned (free()). */
char *sg_subst_dup(const char *fmt, const char *arg);
/* sg_text_get() of a "%s" text, filled in; owned (free()). */
char *sg_text_format_dup(sg_lang lang, sg_text t, const char *arg);

#endif
