/* sealgate Outlook add-in: an outgoing Outlook MailItem read into the policy
 * engine's message summary (sg_message): sender, To/Cc/Bcc as SMTP
 * addresses (Exchange users and distribution lists resolved), subject,
 * attachment names and sizes, body text. */
#ifndef SG_ITEM_H
#define SG_ITEM_H

#include <windows.h>

#include "sealgate/outcome.h"
#include "sealgate/policy.h"

#define SG_ITEM_DL_DEPTH_MAX 8 /* nested distribution lists expanded */

/* A recipient that cannot be resolved to an SMTP address (a list that cannot
 * be expanded, an entry without an SMTP address) gets the engine's
 * placeholder address (sg_unresolved_address, sealgate/outcome.h): never
 * internal, so it counts as external. */

typedef struct sg_item {
        char *from;
        char **rcpt[SG_FIELD__MAX]; /* SMTP addresses per field */
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
        sg_message msg; /* points into the fields above */
} sg_item;

/* Read `item` (an Outlook MailItem) into *it (zero-initialised by the call).
 * On failure *it is cleared. */
sg_err sg_item_read(IDispatch *item, sg_item *it, sg_error *err);
void sg_item_clear(sg_item *it);

#endif
