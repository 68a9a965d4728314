/* sealgate: Japanese mail charsets into code page 932 (Shift_JIS with the
 * NEC and IBM rows Windows adds) bytes, the one place that decodes
 * ISO-2022-JP as Japanese mailers write it (iconv's strict ISO-2022-JP
 * refuses those rows). The caller turns the CP932 bytes into UTF-8 with its
 * platform's converter (iconv in the CLI, MultiByteToWideChar in the
 * Outlook add-in). libc only; builds with mingw-w64. */
#ifndef SEALGATE_JIS_H
#define SEALGATE_JIS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether s[0..n) holds a JIS X 0208 designation (ESC $ B or ESC $ @): text
 * undeclared or declared wrongly that is ISO-2022-JP. */
bool sg_jis_has_escape(const unsigned char *s, size_t n);

/* ISO-2022-JP s[0..n) into CP932 bytes at `out`, which has room for n bytes
 * (the output is never longer than the input), *ret_len its length; not
 * NUL-terminated. Knows ESC ( B, ESC ( J (ASCII), ESC $ B, ESC $ @ (JIS X
 * 0208: row and cell 0x21..0x7E), ESC ( I, SO and SI (half-width kana
 * 0x21..0x5F); CR and LF pass in any mode. False on any other escape, a
 * byte at or above 0x80, a byte out of its set's range or a pair cut off by
 * the end (*ret_len then undefined). */
bool sg_jis_to_sjis(const unsigned char *s, size_t n, char *out, size_t *ret_len);

/* EUC-JP s[0..n) (ASCII, JIS X 0208 as two bytes 0xA1..0xFE, half-width
 * kana as 0x8E 0xA1..0xDF) into CP932 bytes at `out`, room for n bytes as
 * above. False on anything else (JIS X 0212, a broken or cut-off pair). */
bool sg_eucjp_to_sjis(const unsigned char *s, size_t n, char *out, size_t *ret_len);

#ifdef __cplusplus
}
#endif
#endif
