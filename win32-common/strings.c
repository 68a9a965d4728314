/* sealgate Outlook add-in: English and Japanese text, from the string table
 * generated from catalog/texts.json (the same sentences as the GTK prompt
 * and the extension where they show the same thing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/format.h"
#include "strings.h"

sg_lang sg_lang_from_langid(LANGID id) {
        return PRIMARYLANGID(id) == LANG_JAPANESE ? SG_LANG_JA : SG_LANG_EN;
}

const char *sg_text_get(sg_lang lang, sg_text t) {
        if ((unsigned) lang >= SG_LANG__MAX || (unsigned) t >= SG_T__MAX)
                return "";
        return sg_addin_texts[lang][t] ? sg_addin_texts[lang][t] : sg_addin_texts[SG_LANG_EN][t];
}

/* The text of each reason code, by the code's stable name. */
static const struct {
        sg_reason_code code;
        sg_text text;
} reason_texts[] = {
        {SG_REASON_NO_EXTERNAL, SG_T_REASON_NO_EXTERNAL_RECIPIENTS},
        {SG_REASON_EXTERNAL_RECIPIENTS, SG_T_REASON_EXTERNAL_RECIPIENTS},
        {SG_REASON_ATTACHMENTS, SG_T_REASON_ATTACHMENTS},
        {SG_REASON_ATTACHMENT_EXTENSION, SG_T_REASON_ATTACHMENT_EXTENSION},
        {SG_REASON_ATTACHMENT_TYPE, SG_T_REASON_ATTACHMENT_TYPE},
        {SG_REASON_ATTACHMENT_SIZE, SG_T_REASON_ATTACHMENT_SIZE},
        {SG_REASON_SUBJECT_KEYWORD, SG_T_REASON_SUBJECT_KEYWORD},
        {SG_REASON_EXTERNAL_DOMAINS, SG_T_REASON_EXTERNAL_DOMAINS},
        {SG_REASON_CREDIT_CARD, SG_T_REASON_CREDIT_CARD},
        {SG_REASON_MY_NUMBER, SG_T_REASON_MY_NUMBER},
        {SG_REASON_BODY_PATTERN, SG_T_REASON_BODY_PATTERN},
        {SG_REASON_HEADER, SG_T_REASON_HEADER},
        {SG_REASON_CONFIRM, SG_T_REASON_CONFIRM},
        {SG_REASON_CONVERT_TO_BCC, SG_T_REASON_CONVERT_TO_BCC},
        {SG_REASON_NEW_DOMAIN_IN_REPLY, SG_T_REASON_NEW_DOMAIN_IN_REPLY},
        {SG_REASON_SENDER_DOMAIN, SG_T_REASON_SENDER_DOMAIN},
};

char *sg_reason_text_dup(sg_lang lang, const sg_reason *r) {
        const char *fmt = NULL, *sep = lang == SG_LANG_JA ? "\xE3\x80\x81" : ", "; /* 、 */
        char count[24], *items, *out;
        size_t len = 1;

        if ((unsigned) lang >= SG_LANG__MAX)
                lang = SG_LANG_EN;
        if (r->label_en && r->label_ja) /* the policy's words for its trigger (triggers[].label) */
                return strdup(lang == SG_LANG_JA ? r->label_ja : r->label_en);
        for (size_t i = 0; i < sizeof(reason_texts) / sizeof(reason_texts[0]); i++)
                if (reason_texts[i].code == r->code) {
                        sg_text t = reason_texts[i].text;
                        fmt = r->n_items != 1 && sg_addin_texts_plural[lang][t] ? sg_addin_texts_plural[lang][t]
                                                                                : sg_text_get(lang, t);
                }
        if (!fmt || (r->n_items == 0 && strchr(fmt, '%')))
                return strdup(r->detail ? r->detail : sg_reason_code_name(r->code));
        snprintf(count, sizeof(count), "%u", (unsigned) r->n_items);
        if (r->code == SG_REASON_ATTACHMENT_SIZE && r->n_items == 1) { /* "12.6 MB", not a byte count */
                char size[SG_FORMAT_TEXT_SIZE];
                const char *t = sg_format_size_text(size, sizeof(size), r->items[0],
                                                    lang == SG_LANG_JA ? SG_FORMAT_JA : SG_FORMAT_EN);
                return sg_subst2_dup(fmt, count, t ? t : r->items[0]);
        }
        for (size_t i = 0; i < r->n_items; i++)
                len += strlen(r->items[i]) + strlen(sep);
        items = malloc(len);
        if (!items)
                return NULL;
        items[0] = '\0';
        for (size_t i = 0; i < r->n_items; i++) {
                if (i)
                        strcat(items, sep);
                strcat(items, r->items[i]);
        }
        out = sg_subst2_dup(fmt, count, items);
        free(items);
        return out;
}

char *sg_subst2_dup(const char *fmt, const char *a1, const char *a2) {
        size_t n = strlen(fmt) + 1, o = 0;
        int next = 1;
        char *out;

        a1 = a1 ? a1 : "";
        a2 = a2 ? a2 : "";
        n += strlen(a1) + strlen(a2);
        for (const char *p = strstr(fmt, "%"); p; p = strstr(p + 1, "%"))
                n += strlen(a1) + strlen(a2); /* room for every placeholder */
        out = malloc(n);
        if (!out)
                return NULL;
        for (const char *p = fmt; *p; p++) {
                const char *arg = NULL;
                if (*p == '%' && p[1] == '%') {
                        out[o++] = '%';
                        p++;
                        continue;
                }
                if (*p == '%' && p[1] == 's') {
                        arg = next++ == 1 ? a1 : a2;
                        p++;
                } else if (*p == '%' && (p[1] == '1' || p[1] == '2') && p[2] == '$' && p[3] == 's') {
                        arg = p[1] == '1' ? a1 : a2;
                        p += 3;
                }
                if (arg) {
                        memcpy(out + o, arg, strlen(arg));
                        o += strlen(arg);
                } else {
                        out[o++] = *p;
                }
        }
        out[o] = '\0';
        return out;
}

char *sg_subst_dup(const char *fmt, const char *arg) {
        return sg_subst2_dup(fmt, arg, NULL);
}

char *sg_text_format_dup(sg_lang lang, sg_text t, const char *arg) {
        return sg_subst_dup(sg_text_get(lang, t), arg);
}
