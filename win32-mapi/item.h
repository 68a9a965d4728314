/* sealgate Outlook add-in: an outgoing Outlook item (mail, meeting or task
 * request) read into the policy engine's message summary (sg_message):
 * sender, To/Cc/Bcc as SMTP addresses (Exchange users, remote users by
 * their target address, distribution lists expanded within a budget),
 * subject, attachment names and sizes, body text, the original message's
 * addresses for a reply (its conversation parent), the internet headers the
 * policy's header triggers name, the texts beyond the body the content
 * triggers read (send-texts.h), and, when asked, which recipients have no
 * certificate Outlook's S/MIME could encrypt to. */
#ifndef SG_ITEM_H
#define SG_ITEM_H

#include <stdbool.h>

#include <windows.h>

#include "sealgate/outcome.h"
#include "sealgate/policy.h"
#include "send-texts.h"

#define SG_ITEM_DL_DEPTH_MAX  8              /* nested distribution lists expanded */
#define SG_ITEM_MEMBERS_MAX   2000           /* list members read in one send, all lists together */
#define SG_ITEM_BUDGET_MS     3000           /* time for reading the recipients of one send */
#define SG_ITEM_HEADERS_MAX   16             /* internet headers read for header triggers */
#define SG_ITEM_TRANSPORT_MAX (256u * 1024u) /* bytes of PR_TRANSPORT_MESSAGE_HEADERS parsed */

/* The session's cache of recipient reads that expanded a distribution list
 * (item.c): keyed by the item's recipients as Outlook lists them (type,
 * address, name of each entry) and whether certificates were looked up, so
 * a send tried again (a later handler cancelled it, the prompt went back,
 * Outlook's Encrypt was pressed and Send is pressed again) does not expand
 * the same lists and ask the address book again, and any change of the
 * recipients misses. A read cut short by the budget is not kept, nor one
 * that found every certificate (opts.certs): that is read again at every
 * send, so a certificate removed meanwhile is seen before encryption. */
#define SG_ITEM_CACHE_ENTRIES       8                   /* reads kept; one more drops the oldest */
#define SG_ITEM_CACHE_ADDRESSES_MAX 20000               /* addresses kept, all entries together */
#define SG_ITEM_CACHE_KEY_MAX       (256u * 1024u)      /* bytes of an item's recipients key; longer: not cached */
#define SG_ITEM_CACHE_TTL_MS        (10u * 60u * 1000u) /* a list's membership may change on the server */

/* A recipient that cannot be resolved to an SMTP address (a list that cannot
 * be expanded, or not within the budget, a dynamic list, an entry without an
 * SMTP address) gets the engine's placeholder address
 * (sg_unresolved_address, sealgate/outcome.h): never internal, so it counts
 * as external. */

typedef struct sg_item_opts {
        bool certs;                      /* find each recipient's certificate */
        const char *const *header_names; /* internet headers to read (header triggers) */
        size_t n_header_names;
        bool related;         /* read the original message of a reply (new_domain_in_reply) */
        bool texts;           /* read the texts beyond the body (content triggers) */
        DWORD budget_ms;      /* 0: SG_ITEM_BUDGET_MS */
        unsigned members_max; /* 0: SG_ITEM_MEMBERS_MAX */
} sg_item_opts;

/* One entry of the item's Recipients collection (1-based position i + 1):
 * its field, and the addresses it added to rcpt[field], [start, end) (a
 * list's members; empty when every address was there already). */
typedef struct sg_item_top {
        sg_field field;
        size_t start, end;
} sg_item_top;

typedef struct sg_item {
        char *from;
        char **rcpt[SG_FIELD__MAX]; /* SMTP addresses per field, each once */
        size_t n_rcpt[SG_FIELD__MAX];
        size_t cap_rcpt[SG_FIELD__MAX];
        char *subject;
        char *body;
        size_t body_len;
        sg_attachment *attachments;
        char **attachment_names;
        size_t n_attachments;
        char **unresolved; /* display names of lists/entries counted as external */
        size_t n_unresolved;
        size_t cap_unresolved;
        char **no_cert; /* opts.certs: addresses without a usable certificate */
        size_t n_no_cert;
        size_t cap_no_cert;
        sg_header *headers; /* the internet headers read (owned names and values) */
        size_t n_headers;
        sg_item_top *top; /* per entry of Recipients, in order */
        char **related;   /* opts.related: the original message's sender and recipients */
        size_t n_related;
        size_t cap_related;
        size_t n_top;
        bool over_budget;   /* a list was not fully expanded (time or member budget) */
        unsigned n_members; /* list members read */
        sg_message msg;     /* points into the fields above */

        sg_send_texts texts; /* the HTML body as text, text and message attachments (msg.texts) */
} sg_item;

/* Read `item` into *it (zero-initialised by the call); `opts` may be NULL.
 * On failure *it is cleared. */
sg_err sg_item_read(IDispatch *item, const sg_item_opts *opts, sg_item *it, sg_error *err);
void sg_item_clear(sg_item *it);

/* Whether every recipient can be encrypted to (opts.certs): nothing
 * unresolved, no address without a certificate, no list cut short. */
bool sg_item_all_certs(const sg_item *it);

/* Empty the session's cache (the add-in disconnects). */
void sg_item_cache_clear(void);
/* Reads served from the cache since the process started (tests, bench). */
unsigned sg_item_cache_hits(void);

#endif
