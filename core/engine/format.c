/* sealgate: sizes and dates as users read them, in English and Japanese
 * (sealgate/format.h). libc only: the Outlook add-in links it too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/format.h"

char *sg_format_size(char *buf, size_t size, uint64_t bytes, sg_format_lang lang) {
        static const char *const units[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
        if (!buf || size == 0)
                return buf;
        if (bytes < 1000) {
                if (lang == SG_FORMAT_JA)
                        snprintf(buf, size, "%u \xE3\x83\x90\xE3\x82\xA4\xE3\x83\x88", (unsigned) bytes); /* バイト */
                else
                        snprintf(buf, size, "%u %s", (unsigned) bytes, bytes == 1 ? "byte" : "bytes");
                return buf;
        }
        /* Tenths of the unit, rounded half up, in integers (no float rounding
         * surprises between gcc and mingw). */
        size_t u = 0;
        uint64_t scale = 1000;
        while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes / scale >= 1000)
                u++, scale *= 1000;
        uint64_t tenths = (bytes / (scale / 10)) + ((bytes % (scale / 10)) * 2 >= scale / 10 ? 1 : 0);
        if (tenths >= 9995 && u + 1 < sizeof(units) / sizeof(units[0])) { /* 999.5 KB and more read 1.0 MB */
                u++, scale *= 1000;
                tenths = (bytes / (scale / 10)) + ((bytes % (scale / 10)) * 2 >= scale / 10 ? 1 : 0);
        }
        if (tenths < 1000)
                snprintf(buf, size, "%u.%u %s", (unsigned) (tenths / 10), (unsigned) (tenths % 10), units[u]);
        else
                snprintf(buf, size, "%llu %s", (unsigned long long) ((tenths + 5) / 10), units[u]);
        return buf;
}

char *sg_format_size_text(char *buf, size_t size, const char *digits, sg_format_lang lang) {
        uint64_t v = 0;
        if (!digits || !*digits)
                return NULL;
        for (const char *p = digits; *p; p++) {
                if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return NULL;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        return sg_format_size(buf, size, v, lang);
}

char *sg_format_date(char *buf, size_t size, int year, int month, int day, sg_format_lang lang) {
        static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        if (!buf || size == 0)
                return buf;
        if (month < 1 || month > 12)
                month = 1;
        if (lang == SG_FORMAT_JA) /* 年 月 日 */
                snprintf(buf, size, "%d\xE5\xB9\xB4%d\xE6\x9C\x88%d\xE6\x97\xA5", year, month, day);
        else
                snprintf(buf, size, "%d %s %d", day, months[month - 1], year);
        return buf;
}

char *sg_format_date_text(char *buf, size_t size, const char *iso, sg_format_lang lang) {
        int y, m, d;
        char tail;
        if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-')
                return NULL;
        for (int i = 0; i < 10; i++)
                if (i != 4 && i != 7 && (iso[i] < '0' || iso[i] > '9'))
                        return NULL;
        if (sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &tail) < 3 || m < 1 || m > 12 || d < 1 || d > 31)
                return NULL;
        return sg_format_date(buf, size, y, m, d, lang);
}

sg_format_lang sg_format_lang_from_locale(const char *name) {
        return name && name[0] == 'j' && name[1] == 'a' &&
                               (name[2] == '\0' || name[2] == '_' || name[2] == '-' || name[2] == '.' || name[2] == '@')
                       ? SG_FORMAT_JA
                       : SG_FORMAT_EN;
}

sg_format_lang sg_format_lang_from_env(void) {
        const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
        for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
                const char *v = getenv(vars[i]);
                if (v && *v)
                        return sg_format_lang_from_locale(v);
        }
        return SG_FORMAT_EN;
}
