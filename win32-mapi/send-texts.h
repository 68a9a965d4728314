/* sealgate Outlook add-in: the texts of an outgoing item beyond its body
 * that the content triggers read (the engine's sg_message.texts, as the
 * Thunderbird extension's message.texts, thunderbird-native/extension/
 * background/texts.js): the HTML body as text, the text of every text
 * attachment (*.txt, *.csv, a text/ MIME tag) decoded from UTF-8, UTF-16,
 * Shift_JIS, EUC-JP or ISO-2022-JP, and the subject and body of an attached
 * message file (*.eml, message/rfc822). Attachment bytes are read in memory
 * (PR_ATTACH_DATA_BIN through the PropertyAccessor), never through a file. */
#ifndef SG_SEND_TEXTS_H
#define SG_SEND_TEXTS_H

#include <stdbool.h>
#include <stddef.h>

#include <windows.h>

#include "sealgate/policy.h"

typedef struct sg_send_texts {
        sg_text_part *v; /* names and texts owned */
        size_t n, cap;
        size_t bytes; /* the body's and every text's UTF-8 bytes */
} sg_send_texts;

/* Read the texts of `item` whose body (as read, sg_item) is `body`. Reading stops
 * one text past the engine's limits (SG_MSG_TEXTS_MAX, SG_MSG_TEXT_TOTAL_MAX)
 * so that the evaluation answers limit_exceeded instead of a part going
 * unread. A text or message attachment whose bytes cannot be read (an
 * attached Outlook item, a linked file, an error) is SG_ERR_IO naming it:
 * what the triggers must read is never left out. On failure *t is cleared. */
sg_err sg_send_texts_read(IDispatch *item, const char *body, size_t body_len, sg_send_texts *t, sg_error *err);
void sg_send_texts_clear(sg_send_texts *t);

/* The pieces, without COM (tests/win32/test-send-texts.c runs them). */
/* `bytes` as UTF-8 (owned, NUL-terminated, *ret_len its length): a UTF-16
 * BOM, ISO-2022-JP (escape sequences, 7-bit), then the first of UTF-8,
 * EUC-JP, Shift_JIS (code page 932) that reads the whole text; else UTF-8
 * with U+FFFD for what does not decode. NULL when out of memory. */
char *sg_send_text_decode(const unsigned char *bytes, size_t len, size_t *ret_len);
/* HTML as text: tags, comments, scripts and styles dropped, a line break
 * for a block's end, the entities that matter for detection decoded (&nbsp;
 * is a space). Owned; NULL when out of memory. */
char *sg_send_html_to_text(const char *html, size_t len, size_t *ret_len);
/* Whether an attachment is text the triggers read, or a message file. */
bool sg_send_is_text_attachment(const char *name, const char *mime);
bool sg_send_is_message_attachment(const char *name, const char *mime);

#endif
