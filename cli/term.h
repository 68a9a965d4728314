/* sealgate CLI: untrusted text made safe for a terminal. A file name, an
 * address, a certificate subject or a user id can hold control characters;
 * printed raw they could erase a "block" line and print a forged one. */
#ifndef SEALGATE_CLI_TERM_H
#define SEALGATE_CLI_TERM_H

/* `s` with every control character written visibly: C0 controls (line
 * breaks and TAB included), DEL and the C1 controls as \xHH, the Unicode
 * direction marks and overrides (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069) as \u{XXXX}, and bytes that are not UTF-8 as \xHH; a
 * backslash itself as \\. NULL gives "(null)". The result is the CLI's to
 * free: it stays valid until 16 more calls (one output line's worth); on
 * ENOMEM it is a fixed "(?)". */
const char *sg_cli_text(const char *s);

#endif
