/* sealgate Outlook add-in: reading an outgoing item through its IDispatch
 * (see item.h).
 *
 * The SMTP address of a recipient, in order: the address of a one-off SMTP
 * entry; for a remote user or mail contact (AddressEntryUserType 5) the
 * target address, where mail is really delivered (PR_EMS_AB_TARGET_ADDRESS),
 * else it is unresolved; PR_SMTP_ADDRESS through the recipient's
 * PropertyAccessor (it raises an error when the property is missing); the
 * Exchange user's PrimarySmtpAddress; Address when it is an SMTP address.
 * Distribution lists (Exchange: GetExchangeDistributionList()
 * .GetExchangeDistributionListMembers(); contact groups: Members) are
 * expanded recursively, each list once (by AddressEntry.ID) and each address
 * once per field, within a member and a time budget. A list that cannot be
 * expanded, has no members to show (hidden membership, Microsoft 365 groups,
 * offline), is dynamic (type 3) or is cut short by the budget is reported by
 * name and counted as external.
 *
 * Reads that expanded a list are kept for the session (item.h,
 * SG_ITEM_CACHE_*), keyed by the item's recipient entries. */
#define COBJMACROS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>

#include "certs.h"
#include "disp.h"
#include "item.h"
#include "outlook-om.h"
#include "sealgate/util.h"

/* ---- a set of strings (addresses per field, lists seen) ------------------- */

typedef struct sg_strset {
        char **v;
        size_t n, cap;
} sg_strset;

static uint32_t fnv1a(const char *s) {
        uint32_t h = 2166136261u;
        for (; *s; s++)
                h = (h ^ (unsigned char) (*s >= 'A' && *s <= 'Z' ? *s + 32 : *s)) * 16777619u;
        return h;
}

/* 1 added, 0 already there, -1 out of memory. Keys compare ASCII-caselessly. */
static int set_add(sg_strset *s, const char *key) {
        size_t i;
        if ((s->n + 1) * 2 > s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                char **v = calloc(cap, sizeof(*v));
                if (!v)
                        return -1;
                for (size_t k = 0; k < s->cap; k++)
                        if (s->v[k]) {
                                for (i = fnv1a(s->v[k]) & (cap - 1); v[i]; i = (i + 1) & (cap - 1))
                                        ;
                                v[i] = s->v[k];
                        }
                free(s->v);
                s->v = v;
                s->cap = cap;
        }
        for (i = fnv1a(key) & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
                if (sg_ascii_strcasecmp(s->v[i], key) == 0)
                        return 0;
        if (!(s->v[i] = sg_strdup(key)))
                return -1;
        s->n++;
        return 1;
}

static void set_free(sg_strset *s) {
        for (size_t i = 0; i < s->cap; i++)
                free(s->v[i]);
        free(s->v);
        memset(s, 0, sizeof(*s));
}

/* ---- the reader ---------------------------------------------------------- */

typedef struct reader {
        sg_item *it;
        bool certs;
        ULONGLONG deadline; /* GetTickCount64 */
        unsigned members_max;
        sg_strset seen;
        sg_field field; /* the field of the recipient being read */
} reader;

static bool over_budget(reader *r) {
        if (r->it->over_budget)
                return true;
        if (GetTickCount64() > r->deadline || r->it->n_members >= r->members_max)
                r->it->over_budget = true;
        return r->it->over_budget;
}

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

/* ---- certificates -------------------------------------------------------- */

static const wchar_t *const cert_props[] = {SG_PR_EMS_AB_X509_CERT, SG_PR_USER_X509_CERTIFICATE};

static bool accessor_cert(IDispatch *obj) {
        IDispatch *pa;
        bool ok = false;
        if (!obj || FAILED(sg_disp_get_obj(obj, L"PropertyAccessor", &pa)))
                return false;
        for (size_t i = 0; i < sizeof(cert_props) / sizeof(cert_props[0]) && !ok; i++) {
                VARIANT arg, v;
                V_VT(&arg) = VT_BSTR;
                V_BSTR(&arg) = SysAllocString(cert_props[i]);
                if (V_BSTR(&arg) && SUCCEEDED(sg_disp_call(pa, L"GetProperty", &arg, 1, &v))) {
                        ok = sg_cert_value_usable(&v);
                        VariantClear(&v);
                }
                VariantClear(&arg);
        }
        IDispatch_Release(pa);
        return ok;
}

/* Where Outlook looks: the recipient, its address-book entry, the contact
 * behind a contacts entry, then the user's certificate stores. */
static bool has_cert(IDispatch *entry, IDispatch *rcpt, long type, const char *addr) {
        if (accessor_cert(rcpt) || accessor_cert(entry))
                return true;
        if (entry && type == SG_OL_OUTLOOK_CONTACT) {
                IDispatch *c;
                if (SUCCEEDED(sg_disp_call_obj(entry, L"GetContact", &c))) {
                        bool ok = accessor_cert(c);
                        IDispatch_Release(c);
                        if (ok)
                                return true;
                }
        }
        return sg_cert_store_has(addr);
}

/* ---- recipients ---------------------------------------------------------- */

static sg_err add_address(reader *r, sg_field f, char *addr, IDispatch *entry, IDispatch *rcpt, long type,
                          sg_error *err) {
        sg_item *it = r->it;
        char key[8];
        char *k;
        int added;

        if (total_rcpt(it) >= SG_MSG_RECIPIENTS_MAX) {
                free(addr);
                return sg_error_set(err, SG_ERR_LIMIT, "more than %u recipients", (unsigned) SG_MSG_RECIPIENTS_MAX);
        }
        snprintf(key, sizeof(key), "%d:", (int) f);
        k = malloc(strlen(key) + strlen(addr) + 1);
        if (!k) {
                free(addr);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        strcpy(k, key);
        strcat(k, addr);
        added = set_add(&r->seen, k);
        free(k);
        if (added < 0) {
                free(addr);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        if (!added) { /* the same address twice in one field (two lists, or a list and To) */
                free(addr);
                return SG_OK;
        }
        if (r->certs && !has_cert(entry, rcpt, type, addr)) {
                sg_err e = push(&it->no_cert, &it->n_no_cert, &it->cap_no_cert, sg_strdup(addr), err);
                if (e) {
                        free(addr);
                        return e;
                }
        }
        return push(&it->rcpt[f], &it->n_rcpt[f], &it->cap_rcpt[f], addr, err);
}

/* A recipient without an SMTP address: a synthetic external address, and its
 * name in the report. */
static sg_err add_unresolved(reader *r, sg_field f, IDispatch *entry, sg_error *err) {
        sg_item *it = r->it;
        char *name = NULL, *addr;
        sg_err e;

        if (entry && FAILED(sg_disp_get_utf8(entry, L"Name", &name)))
                name = NULL;
        if (!name || !*name) {
                free(name);
                name = sg_strdup("?");
        }
        e = push(&it->unresolved, &it->n_unresolved, &it->cap_unresolved, name, err);
        if (e)
                return e;
        if (total_rcpt(it) >= SG_MSG_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %u recipients", (unsigned) SG_MSG_RECIPIENTS_MAX);
        addr = malloc(SG_UNRESOLVED_ADDRESS_SIZE);
        if (addr)
                sg_unresolved_address(it->n_unresolved, addr);
        return push(&it->rcpt[f], &it->n_rcpt[f], &it->cap_rcpt[f], addr, err);
}

static bool is_smtp(const char *s) {
        return s && *s && strchr(s, '@') && s[0] != '/';
}

static char *smtp_from_accessor(IDispatch *obj) {
        char *s = sg_disp_accessor_string(obj, SG_PR_SMTP_ADDRESS);
        if (s && !is_smtp(s)) {
                free(s);
                s = NULL;
        }
        return s;
}

/* PR_EMS_AB_TARGET_ADDRESS is "SMTP:addr" (or another address type). */
static char *target_address(IDispatch *entry) {
        char *s = sg_disp_accessor_string(entry, SG_PR_EMS_AB_TARGET_ADDRESS);
        char *a = NULL;
        if (s && _strnicmp(s, "smtp:", 5) == 0 && is_smtp(s + 5))
                a = sg_strdup(s + 5);
        free(s);
        return a;
}

static sg_err add_entry(reader *r, sg_field f, IDispatch *entry, IDispatch *rcpt, unsigned depth, sg_error *err);

static sg_err add_members(reader *r, sg_field f, IDispatch *entry, IDispatch *members, unsigned depth, sg_error *err) {
        long count = 0;
        sg_err e = SG_OK;

        /* No members to show is not "no recipients": hidden membership, a
         * Microsoft 365 group, an offline address book. */
        if (FAILED(sg_disp_get_long(members, L"Count", &count)) || count <= 0)
                return add_unresolved(r, f, entry, err);
        for (long i = 1; i <= count && !e; i++) {
                IDispatch *m;
                if (over_budget(r))
                        return add_unresolved(r, f, entry, err);
                r->it->n_members++;
                if (FAILED(sg_disp_item(members, i, &m))) {
                        e = add_unresolved(r, f, entry, err);
                        break;
                }
                e = add_entry(r, f, m, NULL, depth + 1, err);
                IDispatch_Release(m);
        }
        return e;
}

static sg_err add_list(reader *r, sg_field f, IDispatch *entry, long type, unsigned depth, sg_error *err) {
        IDispatch *dl = NULL, *members = NULL;
        char *id = NULL, *key;
        int added = 1;
        sg_err e;

        if (depth >= SG_ITEM_DL_DEPTH_MAX || over_budget(r))
                return add_unresolved(r, f, entry, err);
        /* Each list once per field: a cycle (A in B in A) or a list in two
         * lists adds nothing new. */
        if (SUCCEEDED(sg_disp_get_utf8(entry, L"ID", &id)) && id && *id && (key = malloc(strlen(id) + 8))) {
                snprintf(key, strlen(id) + 8, "L%d:%s", (int) f, id);
                added = set_add(&r->seen, key);
                free(key);
        }
        free(id);
        if (added < 0)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (!added)
                return SG_OK;
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
                return add_unresolved(r, f, entry, err);
        e = add_members(r, f, entry, members, depth, err);
        IDispatch_Release(members);
        return e;
}

static sg_err add_entry(reader *r, sg_field f, IDispatch *entry, IDispatch *rcpt, unsigned depth, sg_error *err) {
        long type = -1;
        char *addr = NULL;

        if (FAILED(sg_disp_get_long(entry, L"AddressEntryUserType", &type)))
                type = -1;
        if (type == SG_OL_EXCHANGE_DL || type == SG_OL_OUTLOOK_DL)
                return add_list(r, f, entry, type, depth, err);
        /* A dynamic list (expanded by the server only), a public folder, an
         * organisation: where the mail goes is not known here. */
        if (type == SG_OL_EXCHANGE_AGENT || type == SG_OL_EXCHANGE_PUBLIC_FOLDER || type == SG_OL_EXCHANGE_ORGANIZATION)
                return add_unresolved(r, f, entry, err);
        if (type == SG_OL_EXCHANGE_REMOTE_USER) {
                addr = target_address(entry);
                return addr ? add_address(r, f, addr, entry, rcpt, type, err) : add_unresolved(r, f, entry, err);
        }
        if (type == SG_OL_SMTP_ADDRESS_ENTRY && SUCCEEDED(sg_disp_get_utf8(entry, L"Address", &addr)) && is_smtp(addr))
                return add_address(r, f, addr, entry, rcpt, type, err);
        free(addr);
        addr = smtp_from_accessor(rcpt ? rcpt : entry);
        if (!addr && type == SG_OL_EXCHANGE_USER) {
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
                return add_unresolved(r, f, entry, err);
        }
        return add_address(r, f, addr, entry, rcpt, type, err);
}

static sg_err add_recipient(reader *r, IDispatch *rcpt, sg_error *err) {
        long type = SG_OL_TO;
        sg_field f;
        IDispatch *entry;
        sg_err e;

        if (FAILED(sg_disp_get_long(rcpt, L"Type", &type)))
                type = SG_OL_TO;
        f = type == SG_OL_BCC ? SG_FIELD_BCC : type == SG_OL_CC ? SG_FIELD_CC : SG_FIELD_TO;
        r->field = f;
        if (FAILED(sg_disp_get_obj(rcpt, L"AddressEntry", &entry))) {
                char *addr = NULL;
                if (SUCCEEDED(sg_disp_get_utf8(rcpt, L"Address", &addr)) && is_smtp(addr))
                        return add_address(r, f, addr, NULL, rcpt, -1, err);
                free(addr);
                return add_unresolved(r, f, rcpt, err);
        }
        e = add_entry(r, f, entry, rcpt, 0, err);
        IDispatch_Release(entry);
        return e;
}

/* ---- internet headers ---------------------------------------------------- */

static sg_err add_header(sg_item *it, const char *name, char *value, sg_error *err) {
        sg_header *h;
        if (!value)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (strlen(value) > SG_MSG_HEADER_VALUE_MAX)
                value[SG_MSG_HEADER_VALUE_MAX] = '\0';
        h = realloc(it->headers, (it->n_headers + 1) * sizeof(*h));
        if (!h) {
                free(value);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        it->headers = h;
        h[it->n_headers].name = sg_strdup(name);
        h[it->n_headers].value = value;
        if (!h[it->n_headers].name) {
                free(value);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        it->n_headers++;
        return SG_OK;
}

/* The value of header `name` in a header block (RFC 5322 unfolded), owned,
 * or NULL. */
static char *block_header(const char *block, size_t len, const char *name) {
        size_t nl = strlen(name);
        for (size_t i = 0; i < len;) {
                size_t e = i;
                while (e < len && block[e] != '\n')
                        e++;
                if (e - i > nl && block[i + nl] == ':' && _strnicmp(block + i, name, nl) == 0) {
                        char *v = malloc(len - i + 1);
                        size_t n = 0;
                        size_t j = i + nl + 1;
                        if (!v)
                                return NULL;
                        for (;;) { /* this line, then continuation lines */
                                for (; j < e; j++)
                                        if (block[j] != '\r')
                                                v[n++] = block[j];
                                if (e + 1 < len && (block[e + 1] == ' ' || block[e + 1] == '\t')) {
                                        j = e + 1;
                                        for (e = j; e < len && block[e] != '\n'; e++)
                                                ;
                                        continue;
                                }
                                break;
                        }
                        v[n] = '\0';
                        {
                                char *s = v;
                                while (*s == ' ' || *s == '\t')
                                        s++;
                                memmove(v, s, strlen(s) + 1);
                        }
                        return v;
                }
                i = e + 1;
        }
        return NULL;
}

/* Each name: the PS_INTERNET_HEADERS named property (a new item, or set by a
 * classification tool), else PR_TRANSPORT_MESSAGE_HEADERS (the headers of
 * the message a reply or forward was made from, where Outlook keeps them). */
static sg_err read_headers(sg_item *it, IDispatch *item, const sg_item_opts *o, sg_error *err) {
        size_t pl = wcslen(SG_PS_INTERNET_HEADERS_PREFIX);
        char *transport = NULL;
        bool transport_read = false;
        sg_err e = SG_OK;

        for (size_t i = 0; i < o->n_header_names && i < SG_ITEM_HEADERS_MAX && !e; i++) {
                wchar_t *w = sg_wide_from_utf8(o->header_names[i]), *full;
                char *v = NULL;
                if (!w)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                full = malloc((pl + wcslen(w) + 1) * sizeof(wchar_t));
                if (!full) {
                        free(w);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                wcscpy(full, SG_PS_INTERNET_HEADERS_PREFIX);
                wcscat(full, w);
                v = sg_disp_accessor_string(item, full);
                free(full);
                free(w);
                if (!v) {
                        if (!transport_read) {
                                transport = sg_disp_accessor_string(item, SG_PR_TRANSPORT_MESSAGE_HEADERS);
                                transport_read = true;
                        }
                        if (transport)
                                v = block_header(transport, strnlen(transport, SG_ITEM_TRANSPORT_MAX),
                                                 o->header_names[i]);
                }
                if (v)
                        e = add_header(it, o->header_names[i], v, err);
        }
        free(transport);
        return e;
}

/* ---- the rest ------------------------------------------------------------ */

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

/* ---- the original message of a reply or forward ------------------------ */

/* The conversation parent of `item` (MailItem.GetConversation().GetParent):
 * the message it replies to or forwards. Its sender and its recipients'
 * SMTP addresses go to it->related, at most SG_MSG_RELATED_MAX. None when
 * the item is in no conversation (a new message, conversations off in the
 * store): the rule does not apply then. */
static sg_err read_related(sg_item *it, IDispatch *item, sg_error *err) {
        IDispatch *conv = NULL, *parent, *rcpts;
        VARIANT arg, v;
        HRESULT hr;
        long count = 0;
        sg_err e = SG_OK;
        char *s;

        if (FAILED(sg_disp_call_obj(item, L"GetConversation", &conv)) || !conv)
                return SG_OK;
        V_VT(&arg) = VT_DISPATCH;
        V_DISPATCH(&arg) = item; /* borrowed: not cleared */
        VariantInit(&v);
        hr = sg_disp_call(conv, L"GetParent", &arg, 1, &v);
        IDispatch_Release(conv);
        if (FAILED(hr) || V_VT(&v) != VT_DISPATCH || !(parent = V_DISPATCH(&v))) {
                VariantClear(&v);
                return SG_OK;
        }
        if ((s = read_sender(parent)))
                e = push(&it->related, &it->n_related, &it->cap_related, s, err);
        if (!e && SUCCEEDED(sg_disp_get_obj(parent, L"Recipients", &rcpts))) {
                if (SUCCEEDED(sg_disp_get_long(rcpts, L"Count", &count)))
                        for (long i = 1; i <= count && !e && it->n_related < SG_MSG_RELATED_MAX; i++) {
                                IDispatch *rc;
                                if (FAILED(sg_disp_item(rcpts, i, &rc)))
                                        continue;
                                char *a = smtp_from_accessor(rc);
                                if (!a && (FAILED(sg_disp_get_utf8(rc, L"Address", &a)) || !is_smtp(a))) {
                                        free(a);
                                        a = NULL;
                                }
                                if (a)
                                        e = push(&it->related, &it->n_related, &it->cap_related, a, err);
                                IDispatch_Release(rc);
                        }
                IDispatch_Release(rcpts);
        }
        VariantClear(&v);
        return e;
}

/* ---- the session's cache of list expansions ------------------------------ */

typedef struct cache_entry {
        char *key;
        ULONGLONG at; /* GetTickCount64 when read */
        char **rcpt[SG_FIELD__MAX];
        size_t n_rcpt[SG_FIELD__MAX];
        char **unresolved;
        size_t n_unresolved;
        char **no_cert;
        size_t n_no_cert;
        sg_item_top *top;
        size_t n_top;
        unsigned n_members;
        size_t n_addresses;
} cache_entry;

static cache_entry cache[SG_ITEM_CACHE_ENTRIES];
static size_t cache_n, cache_addresses;
static unsigned cache_hit_count;

static void entry_clear(cache_entry *c) {
        free(c->key);
        for (int f = 0; f < SG_FIELD__MAX; f++)
                sg_strv_free(c->rcpt[f], c->n_rcpt[f]);
        sg_strv_free(c->unresolved, c->n_unresolved);
        sg_strv_free(c->no_cert, c->n_no_cert);
        free(c->top);
        memset(c, 0, sizeof(*c));
}

static void cache_drop(size_t i) {
        cache_addresses -= cache[i].n_addresses;
        entry_clear(&cache[i]);
        memmove(&cache[i], &cache[i + 1], (cache_n - i - 1) * sizeof(cache[0]));
        cache_n--;
        memset(&cache[cache_n], 0, sizeof(cache[0]));
}

void sg_item_cache_clear(void) {
        while (cache_n)
                cache_drop(cache_n - 1);
}

unsigned sg_item_cache_hits(void) {
        return cache_hit_count;
}

/* NULL (not copied) when out of memory. */
static char **strv_dup(char *const *v, size_t n) {
        char **c = calloc(n ? n : 1, sizeof(*c));
        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = sg_strdup(v[i]))) {
                        sg_strv_free(c, i);
                        return NULL;
                }
        return c;
}

/* The key: each entry of Recipients as "type|address|name\n", after
 * whether certificates are looked up. NULL: cannot be read or too long
 * (the read is not cached). */
static char *recipients_key(IDispatch *rcpts, long count, bool certs) {
        size_t len = 0, cap = 256;
        char *k = malloc(cap);
        if (!k)
                return NULL;
        k[len++] = certs ? 'C' : 'c';
        for (long i = 1; i <= count; i++) {
                IDispatch *rc;
                long type = -1;
                char *addr = NULL, *name = NULL;
                size_t need;
                if (FAILED(sg_disp_item(rcpts, i, &rc))) {
                        free(k);
                        return NULL;
                }
                if (FAILED(sg_disp_get_long(rc, L"Type", &type)))
                        type = -1;
                if (FAILED(sg_disp_get_utf8(rc, L"Address", &addr)))
                        addr = NULL;
                if (FAILED(sg_disp_get_utf8(rc, L"Name", &name)))
                        name = NULL;
                IDispatch_Release(rc);
                need = 24 + (addr ? strlen(addr) : 0) + (name ? strlen(name) : 0);
                if (len + need + 1 > SG_ITEM_CACHE_KEY_MAX) {
                        free(addr);
                        free(name);
                        free(k);
                        return NULL;
                }
                if (len + need + 1 > cap) {
                        char *nk;
                        while (len + need + 1 > cap)
                                cap *= 2;
                        if (!(nk = realloc(k, cap))) {
                                free(addr);
                                free(name);
                                free(k);
                                return NULL;
                        }
                        k = nk;
                }
                len += (size_t) snprintf(k + len, cap - len, "%ld|%s|%s\n", type, addr ? addr : "", name ? name : "");
                free(addr);
                free(name);
        }
        k[len] = '\0';
        return k;
}

/* Fill it's recipient fields from the cache; false on a miss. */
static bool cache_get(const char *key, sg_item *it) {
        ULONGLONG now = GetTickCount64();
        for (size_t i = 0; i < cache_n; i++) {
                cache_entry *c = &cache[i];
                if (now - c->at > SG_ITEM_CACHE_TTL_MS) {
                        cache_drop(i--);
                        continue;
                }
                if (strcmp(c->key, key) != 0)
                        continue;
                for (int f = 0; f < SG_FIELD__MAX; f++) {
                        if (!(it->rcpt[f] = strv_dup(c->rcpt[f], c->n_rcpt[f])))
                                return false;
                        it->n_rcpt[f] = it->cap_rcpt[f] = c->n_rcpt[f];
                }
                if (!(it->unresolved = strv_dup(c->unresolved, c->n_unresolved)) ||
                    !(it->no_cert = strv_dup(c->no_cert, c->n_no_cert)) ||
                    !(it->top = calloc(c->n_top ? c->n_top : 1, sizeof(*it->top))))
                        return false;
                it->n_unresolved = it->cap_unresolved = c->n_unresolved;
                it->n_no_cert = it->cap_no_cert = c->n_no_cert;
                memcpy(it->top, c->top, c->n_top * sizeof(*it->top));
                it->n_top = c->n_top;
                it->n_members = c->n_members;
                cache_hit_count++;
                return true;
        }
        return false;
}

/* Keep a complete read that expanded a list (takes `key`). With
 * certificates, only a read where some recipient is not ready: kept, it can
 * only keep encryption off (the fallback route), while "every certificate
 * found" is read again at each send, so a certificate removed meanwhile is
 * seen before Outlook's encryption is switched on. */
static void cache_put(char *key, const sg_item *it, bool certs) {
        cache_entry c = {0};
        size_t n = it->n_unresolved + it->n_no_cert;
        for (int f = 0; f < SG_FIELD__MAX; f++)
                n += it->n_rcpt[f];
        if (it->over_budget || it->n_members == 0 || n > SG_ITEM_CACHE_ADDRESSES_MAX ||
            (certs && it->n_no_cert == 0 && it->n_unresolved == 0)) {
                free(key);
                return;
        }
        c.key = key;
        c.at = GetTickCount64();
        c.n_addresses = n;
        for (int f = 0; f < SG_FIELD__MAX; f++) {
                c.n_rcpt[f] = it->n_rcpt[f];
                if (!(c.rcpt[f] = strv_dup(it->rcpt[f], it->n_rcpt[f]))) {
                        entry_clear(&c);
                        return;
                }
        }
        c.n_unresolved = it->n_unresolved;
        c.n_no_cert = it->n_no_cert;
        c.n_top = it->n_top;
        c.n_members = it->n_members;
        if (!(c.unresolved = strv_dup(it->unresolved, it->n_unresolved)) ||
            !(c.no_cert = strv_dup(it->no_cert, it->n_no_cert)) ||
            !(c.top = calloc(it->n_top ? it->n_top : 1, sizeof(*c.top)))) {
                entry_clear(&c);
                return;
        }
        memcpy(c.top, it->top, it->n_top * sizeof(*c.top));
        while (cache_n && (cache_n == SG_ITEM_CACHE_ENTRIES || cache_addresses + n > SG_ITEM_CACHE_ADDRESSES_MAX))
                cache_drop(0); /* the oldest */
        cache[cache_n++] = c;
        cache_addresses += n;
}

/* Clear what a failed cache_get may have half filled. */
static void clear_recipients(sg_item *it) {
        for (int f = 0; f < SG_FIELD__MAX; f++) {
                sg_strv_free(it->rcpt[f], it->n_rcpt[f]);
                it->rcpt[f] = NULL;
                it->n_rcpt[f] = it->cap_rcpt[f] = 0;
        }
        sg_strv_free(it->unresolved, it->n_unresolved);
        sg_strv_free(it->no_cert, it->n_no_cert);
        free(it->top);
        it->unresolved = it->no_cert = NULL;
        it->top = NULL;
        it->n_unresolved = it->cap_unresolved = it->n_no_cert = it->cap_no_cert = it->n_top = 0;
        it->n_members = 0;
}

sg_err sg_item_read(IDispatch *item, const sg_item_opts *opts, sg_item *it, sg_error *err) {
        static const sg_item_opts none = {0};
        const sg_item_opts *o = opts ? opts : &none;
        reader r = {0};
        IDispatch *rcpts;
        long count = 0;
        sg_err e = SG_OK;

        memset(it, 0, sizeof(*it));
        r.it = it;
        r.certs = o->certs;
        r.deadline = GetTickCount64() + (o->budget_ms ? o->budget_ms : SG_ITEM_BUDGET_MS);
        r.members_max = o->members_max ? o->members_max : SG_ITEM_MEMBERS_MAX;
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
                char *key = NULL;
                if (FAILED(sg_disp_get_long(rcpts, L"Count", &count)))
                        count = 0;
                if (count > 0 && (key = recipients_key(rcpts, count, o->certs)) && cache_get(key, it)) {
                        free(key);
                        IDispatch_Release(rcpts);
                        goto recipients_done;
                }
                clear_recipients(it);
                if (count > 0 && !(it->top = calloc((size_t) count, sizeof(*it->top))))
                        e = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                for (long i = 1; i <= count && !e; i++) {
                        IDispatch *rc;
                        size_t before[SG_FIELD__MAX];
                        if (FAILED(sg_disp_item(rcpts, i, &rc))) {
                                e = sg_error_set(err, SG_ERR_INTERNAL, "cannot read recipient %ld", i);
                                break;
                        }
                        memcpy(before, it->n_rcpt, sizeof before);
                        e = add_recipient(&r, rc, err);
                        it->top[i - 1] = (sg_item_top){r.field, before[r.field], it->n_rcpt[r.field]};
                        it->n_top = (size_t) i;
                        IDispatch_Release(rc);
                }
                IDispatch_Release(rcpts);
                if (!e && key)
                        cache_put(key, it, o->certs);
                else
                        free(key);
        }
recipients_done:
        set_free(&r.seen);
        if (!e)
                e = read_attachments(it, item, err);
        if (!e)
                e = read_headers(it, item, o, err);
        if (!e && o->related)
                e = read_related(it, item, err);
        if (!e && o->texts)
                e = sg_send_texts_read(item, it->body, it->body_len, &it->texts, err);
        if (e) {
                sg_item_clear(it);
                return e;
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
        it->msg.headers = it->headers;
        it->msg.n_headers = it->n_headers;
        it->msg.related = (const char *const *) it->related;
        it->msg.n_related = it->n_related;
        it->msg.texts = it->texts.v;
        it->msg.n_texts = it->texts.n;
        return SG_OK;
}

bool sg_item_all_certs(const sg_item *it) {
        return it->n_no_cert == 0 && it->n_unresolved == 0 && !it->over_budget;
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
        sg_strv_free(it->no_cert, it->n_no_cert);
        for (size_t i = 0; i < it->n_headers; i++) {
                free(it->headers[i].name);
                free(it->headers[i].value);
        }
        free(it->headers);
        free(it->top);
        sg_strv_free(it->related, it->n_related);
        sg_send_texts_clear(&it->texts);
        memset(it, 0, sizeof(*it));
}
