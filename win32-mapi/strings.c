/* sealgate Outlook add-in: English and Japanese text. Same wording as the
 * GTK prompt where the two show the same thing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strings.h"

static const char *const texts[SG_LANG__MAX][SG_T__MAX] = {
        [SG_LANG_EN] =
                {
                        [SG_T_GROUP] = "Secure send",
                        [SG_T_ENCRYPT_LABEL] = "Encrypt",
                        [SG_T_ENCRYPT_TIP] = "Encrypt this message",
                        [SG_T_ENCRYPT_SUPERTIP] = "Encrypts the message with your certificate (S/MIME), or has the "
                                                  "organisation's gateway encrypt it, as your organisation's policy "
                                                  "says.",
                        [SG_T_PORTAL_LABEL] = "Send securely",
                        [SG_T_PORTAL_TIP] = "Send through the secure portal",
                        [SG_T_PORTAL_SUPERTIP] = "The recipients get a link to read the message on your "
                                                 "organisation's secure portal.",
                        [SG_T_PROMPT_TITLE] = "Sending outside the organisation",
                        [SG_T_PROMPT_HEADING] = "This message goes to recipients outside your organisation. "
                                                "Encrypt before sending?",
                        [SG_T_PROMPT_RECIPIENTS] = "External recipients:",
                        [SG_T_PROMPT_REASONS] = "Why:",
                        [SG_T_PROMPT_SUBJECT] = "Subject: %s",
                        [SG_T_PROMPT_LISTS] = "Lists that could not be expanded (counted as external): %s",
                        [SG_T_PROMPT_MORE] = "and %s more",
                        [SG_T_BUTTON_ENCRYPT] = "&Encrypt and send",
                        [SG_T_BUTTON_PORTAL] = "Send through the secure &portal",
                        [SG_T_BUTTON_ROUTE] = "Send through the &gateway (%s)",
                        [SG_T_BUTTON_SEND] = "Send &without encryption",
                        [SG_T_BUTTON_CANCEL] = "&Back to editing",
                        [SG_T_JUSTIFY_TITLE] = "Sending without encryption",
                        [SG_T_JUSTIFY_TEXT] = "Your organisation asks why this message is sent without "
                                              "encryption. Your reason is recorded.",
                        [SG_T_JUSTIFY_OK] = "&Send",
                        [SG_T_JUSTIFY_BACK] = "&Back",
                        [SG_T_BLOCK_TITLE] = "Message not sent",
                        [SG_T_BLOCK_HEADING] = "Your organisation's policy does not allow this message to be "
                                               "sent.",
                        [SG_T_ERROR_TITLE] = "Message not sent",
                        [SG_T_ERROR_POLICY] = "The sealgate policy could not be read, so the message was not "
                                              "sent: %s",
                        [SG_T_ERROR_CHECK] = "The message could not be checked, so it was not sent: %s",
                        [SG_T_ERROR_ENCRYPT] = "The message cannot be encrypted: the policy allows neither "
                                               "Outlook's S/MIME nor a gateway route for encryption.",
                        [SG_T_ERROR_ROUTE] = "The policy names the route \"%s\" but does not define it.",
                        [SG_T_ERROR_PORTAL] = "\"Send securely\" is on, but the policy has no secure portal "
                                              "route.",
                        [SG_T_ERROR_AUDIT] = "Your organisation requires a record of every message sent, and "
                                             "it cannot be written, so the message was not sent: %s",
                        [SG_T_FALLBACK_HINT] = "OK: %s. Cancel: back to editing.",
                },
        [SG_LANG_JA] =
                {
                        [SG_T_GROUP] = "セキュア送信",
                        [SG_T_ENCRYPT_LABEL] = "暗号化",
                        [SG_T_ENCRYPT_TIP] = "このメッセージを暗号化",
                        [SG_T_ENCRYPT_SUPERTIP] = "組織のポリシーに従い、あなたの証明書 (S/MIME) で暗号化するか、"
                                                  "組織のゲートウェイで暗号化します。",
                        [SG_T_PORTAL_LABEL] = "安全に送信",
                        [SG_T_PORTAL_TIP] = "セキュアポータル経由で送信",
                        [SG_T_PORTAL_SUPERTIP] = "宛先には、組織のセキュアポータルでメッセージを読むための"
                                                 "リンクが届きます。",
                        [SG_T_PROMPT_TITLE] = "社外への送信",
                        [SG_T_PROMPT_HEADING] = "このメッセージは社外の宛先に送信されます。送信前に暗号化しますか?",
                        [SG_T_PROMPT_RECIPIENTS] = "社外の宛先:",
                        [SG_T_PROMPT_REASONS] = "理由:",
                        [SG_T_PROMPT_SUBJECT] = "件名: %s",
                        [SG_T_PROMPT_LISTS] = "展開できない配布リスト (社外として扱います): %s",
                        [SG_T_PROMPT_MORE] = "ほか %s 件",
                        [SG_T_BUTTON_ENCRYPT] = "暗号化して送信(&E)",
                        [SG_T_BUTTON_PORTAL] = "セキュアポータル経由で送信(&P)",
                        [SG_T_BUTTON_ROUTE] = "ゲートウェイ経由で送信 (%s)(&G)",
                        [SG_T_BUTTON_SEND] = "暗号化せずに送信(&W)",
                        [SG_T_BUTTON_CANCEL] = "編集に戻る(&B)",
                        [SG_T_JUSTIFY_TITLE] = "暗号化せずに送信",
                        [SG_T_JUSTIFY_TEXT] = "暗号化せずに送信する理由を入力してください。理由は記録されます。",
                        [SG_T_JUSTIFY_OK] = "送信(&S)",
                        [SG_T_JUSTIFY_BACK] = "戻る(&B)",
                        [SG_T_BLOCK_TITLE] = "メッセージは送信されませんでした",
                        [SG_T_BLOCK_HEADING] = "組織のポリシーにより、このメッセージは送信できません。",
                        [SG_T_ERROR_TITLE] = "メッセージは送信されませんでした",
                        [SG_T_ERROR_POLICY] = "sealgate のポリシーを読み込めなかったため、メッセージは送信されません"
                                              "でした: %s",
                        [SG_T_ERROR_CHECK] = "メッセージを確認できなかったため、送信されませんでした: %s",
                        [SG_T_ERROR_ENCRYPT] = "メッセージを暗号化できません: ポリシーは Outlook の S/MIME も"
                                               "暗号化用のゲートウェイ経路も許可していません。",
                        [SG_T_ERROR_ROUTE] = "ポリシーは経路「%s」を指定していますが、定義していません。",
                        [SG_T_ERROR_PORTAL] = "「安全に送信」がオンですが、ポリシーにセキュアポータルの経路が"
                                              "ありません。",
                        [SG_T_ERROR_AUDIT] = "組織は送信するすべてのメッセージの記録を求めていますが、記録を"
                                             "書き込めないため、メッセージは送信されませんでした: %s",
                        [SG_T_FALLBACK_HINT] = "OK: %s。キャンセル: 編集に戻る。",
                },
};

/* Reasons in words: a sentence per reason code, with "%s" for the evidence. */
static const char *const reason_texts[SG_LANG__MAX][SG_REASON__MAX] = {
        [SG_LANG_EN] =
                {
                        [SG_REASON_NO_EXTERNAL] = "All recipients are inside the organisation.",
                        [SG_REASON_EXTERNAL_RECIPIENTS] = "It goes to %s recipient(s) outside the organisation.",
                        [SG_REASON_ATTACHMENTS] = "It has attachments: %s",
                        [SG_REASON_ATTACHMENT_EXTENSION] = "It has attachments of a protected type: %s",
                        [SG_REASON_ATTACHMENT_TYPE] = "It has attachments of a protected type: %s",
                        [SG_REASON_ATTACHMENT_SIZE] = "Its attachments are large: %s",
                        [SG_REASON_SUBJECT_KEYWORD] = "The subject contains: %s",
                        [SG_REASON_EXTERNAL_DOMAINS] = "It goes to many outside organisations: %s",
                        [SG_REASON_CREDIT_CARD] = "The text contains what looks like a payment card number: %s",
                        [SG_REASON_MY_NUMBER] = "The text contains what looks like a My Number (Individual "
                                                "Number).",
                        [SG_REASON_BODY_PATTERN] = "The text matches a rule of your organisation.",
                        [SG_REASON_HEADER] = "A header of the message asks for protection: %s",
                },
        [SG_LANG_JA] =
                {
                        [SG_REASON_NO_EXTERNAL] = "宛先はすべて社内です。",
                        [SG_REASON_EXTERNAL_RECIPIENTS] = "社外の宛先が %s 件あります。",
                        [SG_REASON_ATTACHMENTS] = "添付ファイルがあります: %s",
                        [SG_REASON_ATTACHMENT_EXTENSION] = "保護が必要な種類の添付ファイルがあります: %s",
                        [SG_REASON_ATTACHMENT_TYPE] = "保護が必要な種類の添付ファイルがあります: %s",
                        [SG_REASON_ATTACHMENT_SIZE] = "添付ファイルのサイズが大きすぎます: %s",
                        [SG_REASON_SUBJECT_KEYWORD] = "件名に次の語が含まれています: %s",
                        [SG_REASON_EXTERNAL_DOMAINS] = "多数の社外組織に送信されます: %s",
                        [SG_REASON_CREDIT_CARD] = "本文にクレジットカード番号らしきものがあります: %s",
                        [SG_REASON_MY_NUMBER] = "本文にマイナンバー (個人番号) らしきものがあります。",
                        [SG_REASON_BODY_PATTERN] = "本文が組織の規則に一致しました。",
                        [SG_REASON_HEADER] = "メッセージのヘッダーが保護を求めています: %s",
                },
};

sg_lang sg_lang_from_langid(LANGID id) {
        return PRIMARYLANGID(id) == LANG_JAPANESE ? SG_LANG_JA : SG_LANG_EN;
}

const char *sg_text_get(sg_lang lang, sg_text t) {
        if ((unsigned) lang >= SG_LANG__MAX || (unsigned) t >= SG_T__MAX)
                return "";
        return texts[lang][t] ? texts[lang][t] : texts[SG_LANG_EN][t];
}

char *sg_reason_text_dup(sg_lang lang, const sg_reason *r, size_t n_external) {
        const char *fmt;
        char *items, *out;
        size_t len = 1;

        if ((unsigned) lang >= SG_LANG__MAX)
                lang = SG_LANG_EN;
        fmt = (unsigned) r->code < SG_REASON__MAX ? reason_texts[lang][r->code] : NULL;
        if (!fmt)
                fmt = "%s";
        if (r->code == SG_REASON_EXTERNAL_RECIPIENTS) {
                items = malloc(24);
                if (items)
                        snprintf(items, 24, "%u", (unsigned) n_external);
        } else {
                for (size_t i = 0; i < r->n_items; i++)
                        len += strlen(r->items[i]) + 2;
                if (!r->n_items && r->detail)
                        len += strlen(r->detail);
                items = malloc(len);
                if (items) {
                        items[0] = '\0';
                        for (size_t i = 0; i < r->n_items; i++) {
                                if (i)
                                        strcat(items, ", ");
                                strcat(items, r->items[i]);
                        }
                        if (!r->n_items && r->detail)
                                strcat(items, r->detail);
                }
        }
        if (!items)
                return NULL;
        out = sg_subst_dup(fmt, items);
        free(items);
        return out;
}

char *sg_subst_dup(const char *fmt, const char *arg) {
        const char *at = strstr(fmt, "%s");
        size_t n = strlen(fmt), a = arg ? strlen(arg) : 0;
        char *out;

        if (!at)
                return strdup(fmt);
        out = malloc(n - 2 + a + 1);
        if (!out)
                return NULL;
        memcpy(out, fmt, (size_t) (at - fmt));
        if (a)
                memcpy(out + (at - fmt), arg, a);
        strcpy(out + (at - fmt) + a, at + 2);
        return out;
}

char *sg_text_format_dup(sg_lang lang, sg_text t, const char *arg) {
        return sg_subst_dup(sg_text_get(lang, t), arg);
}
