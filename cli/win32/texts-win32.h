/* sealgate.exe: its texts in the user's language, from the one catalog
 * (catalog/texts.json, the "cli" table): Japanese when Windows' user
 * interface language (GetUserDefaultUILanguage) is Japanese, as the Outlook
 * add-in chooses, English otherwise. */
#ifndef SG_TEXTS_WIN32_H
#define SG_TEXTS_WIN32_H

#include <stddef.h>

#include "cli-texts.h"

/* 1 for Japanese, 0 for English. */
int sg_wcli_lang(void);
/* The text `t` (static UTF-8; its placeholders are "%s"). */
const char *sg_wcli_text(sg_cli_text t);
/* `t` with its "%s" placeholders filled in order from the strings after it
 * (exactly as many as the text has), into `buf` (truncated to `cap`). */
char *sg_wcli_format(char *buf, size_t cap, sg_cli_text t, ...);

#endif
