/* sealgate: RFC 5322 address lists as mail clients hand them over, and
 * domain normalisation (case, trailing dot, IDNA ASCII form).
 * Pure module: libc only, IDNA through idna.h. */
#ifndef SEALGATE_ADDR_H
#define SEALGATE_ADDR_H

#include <stddef.h>

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Named limits. */
#define SG_ADDR_TEXT_MAX    65536 /* bytes in one address-list string */
#define SG_ADDR_LOCAL_MAX   64    /* RFC 5321 local-part octets (unquoted form) */
#define SG_ADDR_DOMAIN_MAX  253   /* domain octets, ASCII form, no trailing dot */
#define SG_ADDR_DISPLAY_MAX 1024  /* bytes of a decoded display name */

/* One mailbox. All strings owned by the mailbox, UTF-8, NUL-terminated. */
typedef struct sg_mailbox {
        char *display_name; /* decoded (quotes/escapes removed), or NULL */
        char *local;        /* local part as it must be sent (quoted if it needs quotes) */
        char *domain;       /* domain as given (may be Unicode), no trailing dot */
        char *domain_ascii; /* IDNA ASCII form, lower case, no trailing dot */
        char *address;      /* local@domain_ascii: the form used for comparisons */
        char *group;        /* name of the RFC 5322 group it was listed in, or NULL */
} sg_mailbox;

/* A growable list of mailboxes; zero-initialise before use. */
typedef struct sg_mailbox_list {
        sg_mailbox *items;
        size_t n;
        size_t cap;
} sg_mailbox_list;

/* Parse `text`, an RFC 5322 address list (display names, quotes, comments,
 * angle addresses, groups, quoted local parts, Unicode domains) and APPEND
 * its mailboxes to `list`. An empty list (or only whitespace) appends nothing
 * and succeeds. At most `max_total` mailboxes may be in `list` afterwards
 * (SG_ERR_LIMIT past that).
 * On error nothing is appended, and err->message quotes the offending text
 * (truncated to 80 bytes), e.g. `cannot parse address "bob@@x": ...`. */
sg_err sg_addr_parse_list(const char *text, size_t max_total, sg_mailbox_list *list, sg_error *err);

/* Normalise a bare domain: strip one trailing dot, IDNA to ASCII, lower case.
 * On success *ret_ascii is an owned string (free()); untouched on failure. */
sg_err sg_domain_normalize(const char *domain, char **ret_ascii, sg_error *err);

/* Release the strings of one mailbox (not the struct itself). */
void sg_mailbox_clear(sg_mailbox *m);
/* Release every mailbox and the array; the list is left empty and reusable. */
void sg_mailbox_list_clear(sg_mailbox_list *list);

#ifdef __cplusplus
}
#endif
#endif
