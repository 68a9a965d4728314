/* sealgate.exe: the catalog's texts in the user's language (texts-win32.h). */
#include "texts-win32.h"

#include <stdarg.h>
#include <stdio.h>
#include <windows.h>

static int lang = -1;

int sg_wcli_lang(void) {
        if (lang < 0)
                lang = PRIMARYLANGID(GetUserDefaultUILanguage()) == LANG_JAPANESE ? 1 : 0;
        return lang;
}

const char *sg_wcli_text(sg_cli_text t) {
        int l = sg_wcli_lang();
        if ((unsigned) t >= SG_CLI_T__MAX)
                return "";
        return sg_cli_texts[l][t];
}

char *sg_wcli_format(char *buf, size_t cap, sg_cli_text t, ...) {
        va_list ap;
        va_start(ap, t);
        /* The format is the catalog's, checked by catalog.py to carry only
         * the English text's placeholders ("%s", every argument a string). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        vsnprintf(buf, cap, sg_wcli_text(t), ap);
#pragma GCC diagnostic pop
        va_end(ap);
        return buf;
}
