/* sealgate: numbers, sizes and dates as users read them, in English and
 * Japanese (GLOSSARY.md): one formatter every client uses, so the prompt,
 * the notices and the Outlook add-in write "12.6 MB" and "90 バイト" alike. */
#ifndef SEALGATE_FORMAT_H
#define SEALGATE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest justification a user may type, in characters (what the prompt
 * tells them). 250 characters are at most 1000 bytes of UTF-8, the audit
 * record's SG_AUDIT_JUSTIFICATION_MAX, whatever the script. */
#define SG_JUSTIFICATION_CHARS_MAX 250

/* Room for any sg_format_size / sg_format_date text, NUL included. */
#define SG_FORMAT_TEXT_SIZE 32

/* Languages of the formatted texts. */
typedef enum sg_format_lang {
        SG_FORMAT_EN = 0,
        SG_FORMAT_JA = 1,
} sg_format_lang;

/* `bytes` as a size with a unit, decimal (1 KB = 1000 bytes, as Thunderbird
 * and GNOME show sizes): "90 bytes" / "90 バイト", "1 byte", "850 KB",
 * "12.6 MB", "1.2 GB"; one decimal under 100 of a unit, none from 100 on.
 * Writes at most `size` bytes (NUL included) into `buf`; returns `buf`. */
char *sg_format_size(char *buf, size_t size, uint64_t bytes, sg_format_lang lang);

/* A decimal byte count as written by the engine ("12582912") formatted as
 * sg_format_size does; NULL when `digits` is not a plain decimal number. */
char *sg_format_size_text(char *buf, size_t size, const char *digits, sg_format_lang lang);

/* A calendar date (year, month 1..12, day 1..31) in the user's form:
 * "22 Nov 2031" / "2031年11月22日". An ISO "YYYY-MM-DD" prefix is parsed by
 * sg_format_date_text (NULL when it is not one). */
char *sg_format_date(char *buf, size_t size, int year, int month, int day, sg_format_lang lang);
char *sg_format_date_text(char *buf, size_t size, const char *iso, sg_format_lang lang);

/* The language of a POSIX locale name ("ja_JP.UTF-8", "ja", "C"): Japanese
 * when it starts with "ja". NULL or empty is English. */
sg_format_lang sg_format_lang_from_locale(const char *name);

/* The language of the process's messages: the first of LC_ALL, LC_MESSAGES
 * and LANG that is set and not empty, read by sg_format_lang_from_locale. */
sg_format_lang sg_format_lang_from_env(void);

#ifdef __cplusplus
}
#endif

#endif
