/* sealgate-prompt and sealgate-certs: the language of a GTK program
 * (--lang, else the desktop's) and where its gettext catalog is. */
#ifndef SEALGATE_PROMPT_LANG_H
#define SEALGATE_PROMPT_LANG_H

/* Sets the locale and binds GETTEXT_PACKAGE: `lang` ("ja", "en") or NULL
 * for the desktop's language. Call before gtk_init. */
void sg_prompt_setup_language(const char *lang);

#endif
