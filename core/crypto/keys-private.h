/* sealgate: between keys.c, keys-wkd.c and keycache.c (internal). */
#ifndef SEALGATE_KEYS_PRIVATE_H
#define SEALGATE_KEYS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* What keys.c judges an OpenPGP key by for one address (keycache.c):
 * GnuPG's keylist answer, public data only, so the judgement runs again
 * against the current time on every lookup. Only the user ids whose email
 * is the address are kept. */
typedef struct kc_uid {
        char *uid;
        int validity; /* gpgme_validity_t */
        bool revoked, invalid;
} kc_uid;

typedef struct kc_subkey {
        bool can_encrypt, revoked, expired, disabled, invalid;
        int64_t expires; /* 0: never */
} kc_subkey;

typedef struct kc_key {
        char *fpr;
        bool revoked, expired, disabled, invalid;
        int owner_trust; /* gpgme_validity_t */
        kc_uid *uids;
        size_t n_uids;
        kc_subkey *subkeys; /* the first is the primary key */
        size_t n_subkeys;
} kc_key;

/* The keys GnuPG listed for one address. */
typedef struct kc_keys {
        kc_key *keys;
        size_t n;
} kc_keys;

void sg_kc_keys_clear(kc_keys *l);
/* Appends GnuPG's key `k` (a gpgme_key_t) as judged for `addr`. */
sg_err sg_kc_keys_add(kc_keys *l, void *gpgme_key, const char *addr);

/* The cache (keycache.c): sg_kc_begin() stats the GnuPG home's key files
 * and drops every entry when they, or the home, changed; sg_kc_get() gives
 * an entry younger than SG_KEYS_CACHE_AGE_MAX seconds or NULL;
 * sg_kc_put() takes *l over (it is left empty). */
void sg_kc_begin(sg_keys_cache *c, const char *home);
const kc_keys *sg_kc_get(const sg_keys_cache *c, const char *addr);
void sg_kc_put(sg_keys_cache *c, const char *addr, kc_keys *l);

#endif
