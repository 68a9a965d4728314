/* sealgate-prompt and sealgate-certs: choosing the language (prompt-lang.h). */
#include "prompt-lang.h"

#include <glib.h>
#include <libintl.h>
#include <locale.h>
#include <stdbool.h>
#include <string.h>

#include "sealgate-config.h"

static bool c_locale(const char *name) {
        return !name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

/* Where the catalogs are: $SEALGATE_LOCALEDIR; else, when this binary runs
 * from the build tree (tools/dev-install.sh), the po/ built next to it; else
 * the installed ones. */
static char *locale_dir(void) {
        const char *env = g_getenv("SEALGATE_LOCALEDIR");
        if (env && *env)
                return g_strdup(env);
        g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
        if (exe) {
                g_autofree char *here = g_path_get_dirname(exe);
                char *po = g_build_filename(here, "po", NULL);
                g_autofree char *mo = g_build_filename(po, "ja", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
                if (g_file_test(mo, G_FILE_TEST_IS_REGULAR))
                        return po;
                g_free(po);
        }
        return g_strdup(SG_LOCALEDIR);
}

/* --lang, else the desktop's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
 * gettext ignores LANGUAGE under the "C" locale, and the desktop's locale may
 * not be generated on this machine (then setlocale fails): in both cases run
 * in C.UTF-8 and name the language through LANGUAGE. */
void sg_prompt_setup_language(const char *lang) {
        const char *want = lang;
        if (!setlocale(LC_ALL, "") || c_locale(setlocale(LC_MESSAGES, NULL))) {
                if (!want) {
                        const char *const *names = g_get_language_names();
                        if (names[0] && !c_locale(names[0]))
                                want = names[0];
                }
                setlocale(LC_ALL, "C.UTF-8");
        }
        if (lang || (want && !g_getenv("LANGUAGE")))
                g_setenv("LANGUAGE", want, TRUE);
        g_autofree char *dir = locale_dir();
        bindtextdomain(GETTEXT_PACKAGE, dir);
        bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        textdomain(GETTEXT_PACKAGE);
}
