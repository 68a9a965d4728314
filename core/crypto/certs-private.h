/* sealgate: helpers shared by certs.c, certs-import.c and revocation.c
 * (internal). */
#ifndef SEALGATE_CERTS_PRIVATE_H
#define SEALGATE_CERTS_PRIVATE_H

#include <cert.h>

#include "sealgate/certs.h"
#include "sealgate/revocation.h"

/* Appends a description of `c` to `l` (which has room: callers grow it).
 * `in_db`: give the nickname and look for the private key. */
sg_err sg_certs_describe(CERTCertificate *c, bool in_db, sg_certs_list *l, sg_error *err);

/* A list with room for `n` items. */
sg_err sg_certs_list_alloc(size_t n, sg_certs_list **ret, sg_error *err);

/* The revocation status of `c` under `o` (its issuer from the NSS
 * database or the temporary certificates); why gets the reason. */
sg_revocation_status sg_nss_revocation(CERTCertificate *c, const sg_revocation_options *o, char *why, size_t n);

/* Whether sg_certs_open() has a database open. */
bool sg_certs_is_open(void);

#endif
