/* sealgate: recipient readiness (keys.lookup): for each address, whether a
 * usable S/MIME certificate (NSS database, then a certificate store) and a
 * usable OpenPGP key (GnuPG keyring, then the Web Key Directory when network
 * lookups are allowed) are known, and why not. */
#ifndef SEALGATE_KEYS_H
#define SEALGATE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealgate/error.h"
#include "sealgate/revocation.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_KEYS_RECIPIENTS_MAX   500          /* addresses in one lookup */
#define SG_KEYS_CERTS_MAX        1000         /* certificates examined in one lookup (database + store) */
#define SG_KEYS_PGP_KEYS_MAX     100          /* OpenPGP keys examined per address and source */
#define SG_KEYS_WKD_RESPONSE_MAX (256 * 1024) /* one WKD answer (binary keys) */
#define SG_KEYS_TIMEOUT_MIN      1            /* seconds, WKD lookup of one address */
#define SG_KEYS_TIMEOUT_MAX      120
#define SG_KEYS_TIMEOUT_DEFAULT  10
#define SG_KEYS_ADDRESS_MAX      254  /* one address, bytes (RFC 5321) */
#define SG_KEYS_CACHE_MAX        4096 /* addresses kept in a keys cache; one more drops them all */
#define SG_KEYS_CACHE_AGE_MAX    60   /* seconds a cached GnuPG answer is used at most */

/* GnuPG's keylist answers kept between lookups (keycache.c), keyed by the
 * GnuPG home and address; valid while the home's pubring.kbx, pubring.gpg,
 * trustdb.gpg and public-keys.d/pubring.db are unchanged (device, inode,
 * size, modification time) and for SG_KEYS_CACHE_AGE_MAX seconds. It holds
 * public key data only, never a verdict: readiness is judged again against
 * the current time on every lookup. One lookup at a time may use it. */
typedef struct sg_keys_cache sg_keys_cache;
sg_keys_cache *sg_keys_cache_new(void);
sg_keys_cache *sg_keys_cache_free(sg_keys_cache *c);
size_t sg_keys_cache_count(const sg_keys_cache *c);

/* Where to look. Strings are borrowed. */
typedef struct sg_keys_options {
        const char *nss_db;      /* NSS database directory (a Thunderbird profile), or NULL */
        const char *cert_store;  /* PEM/DER file or directory of certificates, or NULL */
        bool no_pgp;             /* skip OpenPGP */
        const char *gnupg_home;  /* GnuPG home for the keyring, NULL: GnuPG's default */
        bool wkd;                /* network lookups allowed: Web Key Directory over HTTPS */
        unsigned timeout;        /* seconds per address for WKD, 0: SG_KEYS_TIMEOUT_DEFAULT */
        const char *wkd_ca_file; /* trust anchors for WKD's HTTPS instead of the system's, or NULL */
        /* TEST HOOK: "ADDRESS:PORT" every WKD host is reached at (the TLS
         * certificate is still verified for the real host name); NULL in use. */
        const char *wkd_connect;
        sg_revocation_options revocation; /* S/MIME: OCSP/CRL; mode off (zero): not checked */
        /* A Thunderbird profile: also answer what Thunderbird itself can
         * encrypt with (sg_keys_answer.client); NULL: no client answer */
        const char *tb_profile;
        /* that profile's OpenPGP keys already read (borrowed; the host keeps
         * them while the files are unchanged), or NULL: read them here */
        const struct sg_tbkeys *tb_keys;
        /* GnuPG's answers kept between lookups (borrowed), or NULL: ask
         * GnuPG every time. Only the host's keys.lookup passes one. */
        sg_keys_cache *gnupg_cache;
} sg_keys_options;

typedef enum sg_key_status {
        SG_KEY_USABLE = 0,
        SG_KEY_NONE,               /* nothing found for the address */
        SG_KEY_EXPIRED,            /* found, expired (or not yet valid) */
        SG_KEY_REVOKED,            /* found, revoked */
        SG_KEY_WRONG_USAGE,        /* found, not fit for encryption */
        SG_KEY_WRONG_ADDRESS,      /* found, but not bound to the address */
        SG_KEY_INVALID,            /* found, invalid, disabled or of validity "never" */
        SG_KEY_LOOKUP_FAILED,      /* the lookup itself failed (WKD: network, timeout, HTTP status) */
        SG_KEY_REVOCATION_UNKNOWN, /* found, revocation could not be checked and the policy is hard-fail */
        SG_KEY_NOT_ACCEPTED,       /* Thunderbird: found, but not accepted for the address (undecided, rejected) */
} sg_key_status;

/* What one kind of lookup found for one address. Strings owned by the result. */
typedef struct sg_key_found {
        sg_key_status status;
        char *method;            /* "nss-db", "cert-store", "gnupg", "wkd"; NULL when nothing was found */
        char *fingerprint;       /* SHA-256 of the certificate / OpenPGP fingerprint, hex; or NULL */
        char *serial;            /* certificates: serial number, hex; else NULL */
        char *subject;           /* certificates: subject; OpenPGP: the matching user id; or NULL */
        int64_t expires;         /* seconds since the epoch, UTC; 0: never or unknown */
        char *validity;          /* OpenPGP: GnuPG's validity of the user id ("full", "unknown", ...) */
        char *reason;            /* why not usable ("expired on 2025-01-31", "no certificate"); NULL if usable */
        const char *revocation;  /* S/MIME: "good", "revoked", "revocation_unknown"; NULL: not checked (static) */
        char *revocation_detail; /* why unknown (also when soft-fail left it usable), or NULL */
        /* Thunderbird OpenPGP: "verified", "unverified", "personal",
         * "undecided", "rejected"; NULL elsewhere (static) */
        const char *acceptance;
        /* the mail client's findings: what makes it usable, a stable word
         * (docs/protocol.md): "accept_key", "import_key", "import_certificate",
         * "new_key", "new_certificate"; NULL when usable or unknown (static) */
        const char *fix;
} sg_key_found;

typedef struct sg_keys_answer {
        char *address;
        sg_key_found smime; /* every source: NSS database, certificate store */
        sg_key_found pgp;   /* every source: GnuPG, WKD */
        /* With options->tb_profile: what Thunderbird itself encrypts with:
         * S/MIME the profile's NSS database only, OpenPGP its own keyring
         * and acceptance (tbkeys.h). */
        bool client;
        sg_key_found tb_smime;
        sg_key_found tb_pgp;
} sg_keys_answer;

typedef struct sg_keys_result {
        sg_keys_answer *answers; /* in the order of the addresses */
        size_t n_answers;
} sg_keys_result;

/* Looks up every address. Per-address findings (including failed network
 * lookups) are in the result; an error is returned only when the lookup as a
 * whole cannot be made (limit, NSS database, GnuPG missing, bad options).
 * Opens NSS (sg_smime_nss_init) over `nss_db` and leaves it open.
 * *ret_result is owned (sg_keys_result_free()); untouched on failure. */
sg_err sg_keys_lookup(const char *const *addresses, size_t n_addresses, const sg_keys_options *options,
                      sg_keys_result **ret_result, sg_error *err);

/* Frees `r`; takes NULL; returns NULL. */
sg_keys_result *sg_keys_result_free(sg_keys_result *r);

/* The status names (sg_key_status_name) are in codec.h, with the JSON. */

/* The WKD hash of a local part: SHA-1 of its lower-case form in z-base-32
 * (32 characters and NUL into buf[33]). */
void sg_keys_wkd_hash(const char *local, size_t len, char buf[33]);

/* The WKD URLs for `address` (owned, free()): advanced (openpgpkey.DOMAIN)
 * and direct method. SG_ERR_ADDRESS_SYNTAX when it is not local@domain. */
sg_err sg_keys_wkd_urls(const char *address, char **ret_advanced, char **ret_direct, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
