/* sealgate tests: a stand-in for Outlook's object model, enough to drive the
 * add-in: generic IDispatch objects with named properties and methods,
 * collections, a PropertyAccessor that records every SetProperty, and an
 * Application with the ApplicationEvents_11 connection point. */
#ifndef FAKE_OUTLOOK_H
#define FAKE_OUTLOOK_H

#include <stdbool.h>

#include <windows.h>

#include <ocidl.h>

#define FAKE_MEMBERS_MAX  24
#define FAKE_CHILDREN_MAX 320 /* one past the engine's 256 text parts */
#define FAKE_LOG_MAX      64
#define FAKE_PROPS_MAX    32

typedef struct fobj fobj;
/* A method: args in natural order (args[0] is the first). */
typedef HRESULT (*fake_method)(fobj *self, VARIANT *args, unsigned n, VARIANT *ret);

typedef struct fmember {
        wchar_t name[48];
        VARIANT value;
        fake_method method;
} fmember;

typedef struct fake_prop {
        wchar_t *name;
        VARIANT value;
} fake_prop;

struct fobj {
        IDispatchVtbl *vtbl;
        IConnectionPointContainerVtbl *cpc_vtbl; /* Application only */
        IConnectionPointVtbl *cp_vtbl;           /* Application only */
        LONG refs;
        fmember members[FAKE_MEMBERS_MAX];
        unsigned n_members;
        fobj *children[FAKE_CHILDREN_MAX]; /* collection items (held) */
        unsigned n_children;
        fake_prop log[FAKE_LOG_MAX]; /* PropertyAccessor: every SetProperty, in order */
        unsigned n_log;
        fake_prop props[FAKE_PROPS_MAX]; /* PropertyAccessor: what GetProperty finds */
        unsigned n_props;
        unsigned n_deleted; /* PropertyAccessor: DeleteProperty calls that found the property */
        unsigned n_puts;    /* property puts (Subject) */
        IDispatch *sink;    /* Application: the advised sink */
        DWORD sink_cookie;
        bool sink_answered_diid; /* the sink answered QueryInterface for ApplicationEvents_11 */
        GUID events_iid;         /* the dispinterface its connection point takes (fake_events) */
};

fobj *fake_new(void);
void fake_release(fobj *o);
IDispatch *fake_disp(fobj *o);
/* Member setters (replace an existing member of that name). */
void fake_set_str(fobj *o, const wchar_t *name, const wchar_t *value);
void fake_set_long(fobj *o, const wchar_t *name, long value);
void fake_set_obj(fobj *o, const wchar_t *name, fobj *value); /* holds a reference */
void fake_set_method(fobj *o, const wchar_t *name, fake_method m);
/* The member's current value (borrowed), or NULL. */
VARIANT *fake_get(fobj *o, const wchar_t *name);

/* Object model pieces. */
fobj *fake_collection(void);                  /* Count + Item(i) over children */
void fake_add_child(fobj *coll, fobj *child); /* holds a reference */
fobj *fake_property_accessor(void);
void fake_pa_set(fobj *pa, const wchar_t *name, VARIANT *value); /* preset for GetProperty */
fobj *fake_smtp_recipient(long type, const wchar_t *address);
fobj *fake_exchange_recipient(long type, const wchar_t *name, const wchar_t *smtp);
fobj *fake_dl_recipient(long type, const wchar_t *name, fobj *members /* NULL: cannot be expanded */);
fobj *fake_exchange_entry(const wchar_t *name, const wchar_t *smtp);
fobj *fake_smtp_entry(const wchar_t *address);
fobj *fake_mail(const wchar_t *sender, const wchar_t *subject, const wchar_t *body);
void fake_mail_add_recipient(fobj *mail, fobj *recipient);
void fake_mail_add_attachment(fobj *mail, const wchar_t *name, long size);
/* An attachment with bytes: Type 1 (by value), the bytes as Outlook's
 * PropertyAccessor gives them (PR_ATTACH_DATA_BIN, a byte array) and, unless
 * `mime` is NULL, its MIME tag (PR_ATTACH_MIME_TAG). */
void fake_mail_add_attachment_data(fobj *mail, const wchar_t *name, const void *data, size_t len, const wchar_t *mime);
/* An attachment of another Attachment.Type (5: an attached Outlook item),
 * whose PropertyAccessor has no PR_ATTACH_DATA_BIN (GetProperty raises). */
void fake_mail_add_attachment_typed(fobj *mail, const wchar_t *name, long type);
fobj *fake_mail_accessor(fobj *mail); /* the mail's PropertyAccessor (borrowed) */
/* Outlook's "no date" (DeferredDeliveryTime unset): 1 January 4501. */
#define FAKE_DATE_NONE 949998.0
/* A reply: `parent` is what mail.GetConversation().GetParent(mail) gives
 * (holds a reference). A mail without one is in no conversation. */
void fake_mail_set_parent(fobj *mail, fobj *parent);
fobj *fake_application(LANGID ui_language);

/* ---- behaviours of real Outlook (review 2026-12-07, §13) ------------------ */
/* A property preset on a PropertyAccessor (borrowed), or NULL. */
VARIANT *fake_pa_get(fobj *pa, const wchar_t *name);
/* The item's window: an Inspector in app.Inspectors whose CommandBars are
 * the item's (Outlook's Encrypt button: GetPressedMso/ExecuteMso
 * "EncryptMessage"). Without one the item is sent "by code". */
void fake_inspector_open(fobj *app, fobj *item);
void fake_inspector_close(fobj *app, fobj *item);
bool fake_encrypt_pressed(fobj *item);
/* A certificate on an address-book entry (PR_EMS_AB_X509_CERT, DER). */
void fake_entry_set_cert(fobj *entry, const BYTE *der, DWORD len);
/* An entry whose certificate is in the user's Windows store (the test puts
 * it there); Outlook finds it, so the stand-in's delivery does too. */
void fake_entry_cert_in_store(fobj *entry);
/* Lists: an Exchange list with an ID, a contact group (type 11), a dynamic
 * list (type 3), a list of `n` generated members (user<i>@domain) whose
 * every Item() call sleeps `delay_ms`. */
fobj *fake_dl_entry(const wchar_t *name, const wchar_t *id, fobj *members /* NULL: cannot be expanded */);
fobj *fake_dynamic_dl_entry(const wchar_t *name, const wchar_t *smtp);
fobj *fake_generated_members(long n, const wchar_t *domain, DWORD delay_ms);
/* Counted since the process started: GetExchangeDistributionListMembers
 * calls (list expansions) and member Item() calls (address-book round trips,
 * each sleeping its list's delay). */
extern unsigned fake_n_expansions, fake_n_ab_calls;
fobj *fake_recipient_for(long type, fobj *entry); /* takes the entry's reference */
/* A mail user / contact in the GAL (type 5): primary SMTP address and the
 * target address mail is delivered to. */
fobj *fake_remote_user_recipient(long type, const wchar_t *name, const wchar_t *primary, const wchar_t *target);
/* What Outlook does after ItemSend returns without Cancel: */
typedef enum fake_delivery {
        FAKE_SENT_CLEAR = 0,   /* sent as it is (no S/MIME) */
        FAKE_SENT_SMIME,       /* encrypted by Outlook: every recipient had a certificate */
        FAKE_SENT_UNENCRYPTED, /* encryption was on, a recipient had no certificate, and the
                                * encryption-problems dialog's "Send Unencrypted" was taken */
} fake_delivery;
fake_delivery fake_deliver(fobj *item);
/* An object with one connection point for the dispinterface `iid` (one
 * sink at a time, in o->sink). */
void fake_events(fobj *o, const GUID *iid);
/* Invoke DISPID `id` on o's advised sink, args in natural order (at most 4). */
HRESULT fake_fire(fobj *o, DISPID id, VARIANT *args, unsigned n);
/* The application's ActiveExplorer() (borrowed; ExplorerEvents_10). */
fobj *fake_explorer(fobj *app);
/* ItemEvents_10 on a mail item (PropertyChange, Close, Unload). */
void fake_item_events(fobj *item);
/* Fire ItemSend to the advised sink; returns the Invoke result. */
HRESULT fake_fire_item_send(fobj *app, fobj *item, VARIANT_BOOL *cancel);

#endif
