/* sealgate: a CMS message's kind from its first bytes (cms-peek.c; internal). */
#ifndef SEALGATE_CMS_PEEK_PRIVATE_H
#define SEALGATE_CMS_PEEK_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the CMS in p[0..n) is AuthEnvelopedData (RFC 5083): its
 * ContentInfo's contentType is id-ct-authEnvelopedData. */
bool sg_cms_is_auth_enveloped(const unsigned char *p, size_t n);

/* Whether the EnvelopedData in p[0..n) has a KeyAgreeRecipientInfo (ECDH)
 * among the recipients that lie within the n bytes. */
bool sg_cms_has_key_agreement(const unsigned char *p, size_t n);

#endif
