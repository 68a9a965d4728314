/* sealgate: between keys.c and keys-wkd.c (internal). */
#ifndef SEALGATE_KEYS_PRIVATE_H
#define SEALGATE_KEYS_PRIVATE_H

#include <stddef.h>

#include "sealgate/keys.h"

typedef enum wkd_outcome {
        WKD_OK = 0,      /* *ret_data holds the answer */
        WKD_HTTP,        /* the server answered with an error status */
        WKD_UNREACHABLE, /* name resolution or connection failed: the next method may be tried */
        WKD_TIMEOUT,
        WKD_FAILED, /* TLS, size limit, other */
} wkd_outcome;

/* GET `url` over HTTPS with libsoup within `timeout` seconds, at most
 * SG_KEYS_WKD_RESPONSE_MAX bytes; *ret_data (owned, free()) on WKD_OK, else a
 * reason ("HTTP 404") in `why`. */
wkd_outcome sg_keys_wkd_fetch(const sg_keys_options *o, const char *url, unsigned timeout, unsigned char **ret_data,
                              size_t *ret_len, char *why, size_t n);

#endif
