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
#define FAKE_CHILDREN_MAX 256
#define FAKE_LOG_MAX      64

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
        fake_prop props[8]; /* PropertyAccessor: what GetProperty finds */
        unsigned n_props;
        unsigned n_puts; /* property puts (Subject) */
        IDispatch *sink; /* Application: the advised sink */
        DWORD sink_cookie;
        bool sink_answered_diid; /* the sink answered QueryInterface for ApplicationEvents_11 */
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
fobj *fake_mail_accessor(fobj *mail); /* the mail's PropertyAccessor (borrowed) */
fobj *fake_application(LANGID ui_language);
/* Fire ItemSend to the advised sink; returns the Invoke result. */
HRESULT fake_fire_item_send(fobj *app, fobj *item, VARIANT_BOOL *cancel);

#endif
