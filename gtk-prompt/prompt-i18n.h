/* sealgate-prompt: gettext macros over libintl directly. GLib's _() skips
 * translation when it guesses the program is untranslated, a guess made once
 * and cached; the prompt picks its language itself (--lang), so it asks
 * libintl every time. */
#ifndef SEALGATE_PROMPT_I18N_H
#define SEALGATE_PROMPT_I18N_H

#include <glib.h>
#include <libintl.h>

#undef _
#undef C_
#undef ngettext
#define _(s)              dgettext(GETTEXT_PACKAGE, s)
#define C_(ctx, s)        sg_prompt_pgettext(ctx "\004" s, sizeof(ctx))
#define ngettext(s, p, n) dngettext(GETTEXT_PACKAGE, s, p, n)

/* gettext's pgettext: `id` is "context\004msgid"; `ctx_size` counts the
 * context and its \004. The msgid alone when there is no translation. */
__attribute__((format_arg(1))) static inline const char *sg_prompt_pgettext(const char *id, size_t ctx_size) {
        const char *t = dgettext(GETTEXT_PACKAGE, id);
        return t == id ? id + ctx_size : t;
}

#endif
