/* sealgate Outlook add-in: reading a MailItem through its IDispatch.
 *
 * The SMTP address of a recipient, in order: the address of a one-off SMTP
 * entry; PR_SMTP_ADDRESS through the recipient's PropertyAccessor (it raises
 * an error when the property is missing); the Exchange user's
 * PrimarySmtpAddress; Address when it is an SMTP address. Distribution lists
 * (Exchange: GetExchangeDistributionList().GetExchangeDistributionListMembers();
 * contact lists: Members) are expanded recursively; one that cannot be is
 * reported and counted as external. */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "disp.h"
#include "item.h"
#include "outlook-om.h"
#include "sealgate/util.h"

static size_t total_rcpt(const sg_item *it) {
        return it->n_rcpt[SG_FIELD_TO] + it->n_rcpt[SG_FIELD_CC] + it->n_rcpt[SG_FIELD_BCC];
}

static sg_err push(char ***v, size_t *n, size_t *cap, char *s, sg_error *err) {
        if (!s)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 16;
                char **nv = realloc(*v, c * sizeof(*nv));
                if (!nv) {
                        free(s);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                *v = nv;
                *cap = c;
        }
        (*v)[(*n)++] = s;
        return SG_OK;
}

static sg_err add_address(sg_item *it, sg_field f, char *addr, sg_error *err) {
        if (total_rcpt(it) >= SG_MSG_RECIPIENTS_MAX) {
                free(addr);
                return sg_error_set(err, SG_ERR_LIMIT, "more than %u recipients", (unsigned) SG_MSG_RECIPIENTS_MAX);
        }
        return push(&it->rcpt[f], &it->n_rcpt[f], &it->cap_rcpt[f], addr, err);
}

/* A recipient without an SMTP address: a synthetic external address, and its
 * name in the report. */
static sg_err add_unresolved(sg_item *it, sg_field f, IDispatch *entry, sg_error *err) {
        char *name = NULL, *addr;
        sg_err r;

        if (entry && FAILED(sg_disp_get_utf8(entry, L"Name", &name)))
                name = NULL;
        if (!name || !*name) {
                free(name);
                name = sg_strdup("?");
        }
        r = push(&it->unresolved, &it->n_unresolved, &it->cap_unresolved, name, err);
        if (r)
                return r;
        addr = malloc(SG_UNRESOLVED_ADDRESS_SIZE);
        if (addr)
                sg_unresolved_address(it->n_unresolved, addr);
        return add_address(it, f, addr, err);
}

static bool is_smtp(const char *s) {
        return s && *s && strchr(s, '@') && s[0] != '/';
}

static char *smtp_from_accessor(IDispatch *obj) {
        IDispatch *pa;
        VARIANT arg, v;
        char *s = NULL;

        if (FAILED(sg_disp_get_obj(obj, L"PropertyAccessor", &pa)))
                return NULL;
        V_VT(&arg) = VT_BSTR;
        V_BSTR(&arg) = SysAllocString(SG_PR_SMTP_ADDRESS);
        if (V_BSTR(&arg) && SUCCEEDED(sg_disp_call(pa, L"GetProperty", &arg, 1, &v))) {
                if (V_VT(&v) == VT_BSTR && V_BSTR(&v))
                        s = sg_utf8_from_wide(V_BSTR(&v), (int) SysStringLen(V_BSTR(&v)), NULL);
                VariantClear(&v);
        }
        VariantClear(&arg);
        IDispatch_Release(pa);
        if (s && !is_smtp(s)) {
                free(s);
                s = NULL;
        }
        return s;
}

static sg_err add_entry(sg_item *it, sg_field f, IDispatch *entry, IDispatch *rcpt, unsigned depth, sg_error *err);

static sg_err add_members(sg_item *it, sg_field f, IDispatch *entry, IDispatch *members, unsigned depth,
                          sg_error *err) {
        long count = 0;
        sg_err r = SG_OK;

        if (FAILED(sg_disp_get_long(members, L"Count", &count)) || count < 0)
                return add_unresolved(it, f, entry, err);
        for (long i = 1; i <= count && !r; i++) {
                IDispatch *m;
                if (FAILED(sg_disp_item(members, i, &m))) {
                        r = add_unresolved(it, f, entry, err);
                        break;
                }
                r = add_entry(it, f, m, NULL, depth + 1, err);
                IDispatch_Release(m);
        }
        return r;
}

static sg_err add_list(sg_item *it, sg_field f, IDispatch *entry, long type, unsigned depth, sg_error *err) {
        IDispatch *dl = NULL, *members = NULL;
        sg_err r;

        if (depth >= SG_ITEM_DL_DEPTH_MAX)
                return add_unresolved(it, f, entry, err);
        if (type == SG_OL_EXCHANGE_DL) {
                if (SUCCEEDED(sg_disp_call_obj(entry, L"GetExchangeDistributionList", &dl))) {
                        if (FAILED(sg_disp_call_obj(dl, L"GetExchangeDistributionListMembers", &members)))
                                members = NULL;
                        IDispatch_Release(dl);
                }
        } else if (FAILED(sg_disp_get_obj(entry, L"Members", &members))) {
                members = NULL;
        }
        if (!members)
                return add_unresolved(it, f, entry, err);
        r = add_members(it, f, entry, members, depth, err);
        IDispatch_Release(members);
        return r;
}

static sg_err add_entry(sg_item *it, sg_field f, IDispatch *entry, IDispatch *rcpt, unsigned depth, sg_error *err) {
        long type = -1;
        char *addr = NULL;

        if (FAILED(sg_disp_get_long(entry, L"AddressEntryUserType", &type)))
                type = -1;
        if (type == SG_OL_EXCHANGE_DL || type == SG_OL_OUTLOOK_DL)
                return add_list(it, f, entry, type, depth, err);
        if (type == SG_OL_SMTP_ADDRESS_ENTRY && SUCCEEDED(sg_disp_get_utf8(entry, L"Address", &addr)) && is_smtp(addr))
                return add_address(it, f, addr, err);
        free(addr);
        addr = smtp_from_accessor(rcpt ? rcpt : entry);
        if (!addr && (type == SG_OL_EXCHANGE_USER || type == SG_OL_EXCHANGE_REMOTE_USER)) {
                IDispatch *xu;
                if (SUCCEEDED(sg_disp_call_obj(entry, L"GetExchangeUser", &xu))) {
                        if (FAILED(sg_disp_get_utf8(xu, L"PrimarySmtpAddress", &addr)))
                                addr = NULL;
                        IDispatch_Release(xu);
                }
        }
        if (!is_smtp(addr)) {
                free(addr);
                if (FAILED(sg_disp_get_utf8(entry, L"Address", &addr)))
                        addr = NULL;
        }
        if (!is_smtp(addr)) {
                free(addr);
                return add_unresolved(it, f, entry, err);
        }
        return add_address(it, f, addr, err);
}

static sg_err add_recipient(sg_item *it, IDispatch *rcpt, sg_error *err) {
        long type = SG_OL_TO;
        sg_field f;
        IDispatch *entry;
        sg_err r;

        if (FAILED(sg_disp_get_long(rcpt, L"Type", &type)))
                type = SG_OL_TO;
        f = type == SG_OL_BCC ? SG_FIELD_BCC : type == SG_OL_CC ? SG_FIELD_CC : SG_FIELD_TO;
        if (FAILED(sg_disp_get_obj(rcpt, L"AddressEntry", &entry))) {
                char *addr = NULL;
                if (SUCCEEDED(sg_disp_get_utf8(rcpt, L"Address", &addr)) && is_smtp(addr))
                        return add_address(it, f, addr, err);
                free(addr);
                return add_unresolved(it, f, rcpt, err);
        }
        r = add_entry(it, f, entry, rcpt, 0, err);
        IDispatch_Release(entry);
        return r;
}

static void utf8_cut(char *s, size_t *len, size_t max) {
        if (*len <= max)
                return;
        while (max > 0 && ((unsigned char) s[max] & 0xC0) == 0x80)
                max--;
        s[max] = '\0';
        *len = max;
}

static sg_err read_attachments(sg_item *it, IDispatch *item, sg_error *err) {
        IDispatch *atts;
        long count = 0;

        if (FAILED(sg_disp_get_obj(item, L"Attachments", &atts)))
                return SG_OK;
        if (FAILED(sg_disp_get_long(atts, L"Count", &count)) || count <= 0) {
                IDispatch_Release(atts);
                return SG_OK;
        }
        if (count > SG_MSG_ATTACHMENTS_MAX) {
                IDispatch_Release(atts);
                return sg_error_set(err, SG_ERR_LIMIT, "more than %u attachments", (unsigned) SG_MSG_ATTACHMENTS_MAX);
        }
        it->attachments = calloc((size_t) count, sizeof(*it->attachments));
        it->attachment_names = calloc((size_t) count, sizeof(char *));
        if (!it->attachments || !it->attachment_names) {
                IDispatch_Release(atts);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        for (long i = 1; i <= count; i++) {
                IDispatch *a;
                char *name = NULL;
                long size = 0;
                if (FAILED(sg_disp_item(atts, i, &a)))
                        continue;
                if (FAILED(sg_disp_get_utf8(a, L"FileName", &name)) || !name)
                        name = sg_strdup("");
                if (FAILED(sg_disp_get_long(a, L"Size", &size)) || size < 0)
                        size = 0;
                IDispatch_Release(a);
                if (!name) {
                        IDispatch_Release(atts);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                it->attachment_names[it->n_attachments] = name;
                it->attachments[it->n_attachments].name = name;
                it->attachments[it->n_attachments].size = (uint64_t) size;
                it->n_attachments++;
        }
        IDispatch_Release(atts);
        return SG_OK;
}

static char *read_sender(IDispatch *item) {
        char *s = NULL;
        IDispatch *acct;

        if (SUCCEEDED(sg_disp_get_utf8(item, L"SenderEmailAddress", &s)) && is_smtp(s))
                return s;
        free(s);
        s = NULL;
        if (SUCCEEDED(sg_disp_get_obj(item, L"SendUsingAccount", &acct))) {
                if (FAILED(sg_disp_get_utf8(acct, L"SmtpAddress", &s)))
                        s = NULL;
                IDispatch_Release(acct);
        }
        if (is_smtp(s))
                return s;
        free(s);
        return NULL;
}

sg_err sg_item_read(IDispatch *item, sg_item *it, sg_error *err) {
        IDispatch *rcpts;
        long count = 0;
        sg_err r = SG_OK;

        memset(it, 0, sizeof(*it));
        it->from = read_sender(item);
        if (FAILED(sg_disp_get_utf8(item, L"Subject", &it->subject)))
                it->subject = NULL;
        if (it->subject) {
                size_t len = strlen(it->subject);
                utf8_cut(it->subject, &len, SG_MSG_SUBJECT_MAX);
        }
        if (FAILED(sg_disp_get_utf8(item, L"Body", &it->body)))
                it->body = NULL;
        if (it->body) {
                it->body_len = strlen(it->body);
                utf8_cut(it->body, &it->body_len, SG_MSG_BODY_MAX);
        }
        if (SUCCEEDED(sg_disp_get_obj(item, L"Recipients", &rcpts))) {
                if (SUCCEEDED(sg_disp_get_long(rcpts, L"Count", &count)))
                        for (long i = 1; i <= count && !r; i++) {
                                IDispatch *rc;
                                if (FAILED(sg_disp_item(rcpts, i, &rc))) {
                                        r = sg_error_set(err, SG_ERR_INTERNAL, "cannot read recipient %ld", i);
                                        break;
                                }
                                r = add_recipient(it, rc, err);
                                IDispatch_Release(rc);
                        }
                IDispatch_Release(rcpts);
        }
        if (!r)
                r = read_attachments(it, item, err);
        if (r) {
                sg_item_clear(it);
                return r;
        }
        it->msg.from = it->from;
        it->msg.to = (const char *const *) it->rcpt[SG_FIELD_TO];
        it->msg.n_to = it->n_rcpt[SG_FIELD_TO];
        it->msg.cc = (const char *const *) it->rcpt[SG_FIELD_CC];
        it->msg.n_cc = it->n_rcpt[SG_FIELD_CC];
        it->msg.bcc = (const char *const *) it->rcpt[SG_FIELD_BCC];
        it->msg.n_bcc = it->n_rcpt[SG_FIELD_BCC];
        it->msg.subject = it->subject;
        it->msg.body = it->body;
        it->msg.body_len = it->body_len;
        it->msg.attachments = it->attachments;
        it->msg.n_attachments = it->n_attachments;
        return SG_OK;
}

void sg_item_clear(sg_item *it) {
        free(it->from);
        for (int f = 0; f < SG_FIELD__MAX; f++)
                sg_strv_free(it->rcpt[f], it->n_rcpt[f]);
        free(it->subject);
        free(it->body);
        free(it->attachments);
        sg_strv_free(it->attachment_names, it->n_attachments);
        sg_strv_free(it->unresolved, it->n_unresolved);
        memset(it, 0, sizeof(*it));
}
