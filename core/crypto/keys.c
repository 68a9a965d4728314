/* sealgate: keys.lookup, the engine: S/MIME certificates through NSS (the
 * profile's database, then a certificate store) and OpenPGP keys through
 * GPGME (the keyring, then WKD into a temporary keyring). gpgme_fail() is
 * this file's one place for GPGME errors; NSS's go through sg_nss_error(). */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cert.h>
#include <certdb.h>
#include <gpgme.h>
#include <pk11pub.h>
#include <secerr.h>

#include "certs-private.h"
#include "keys-private.h"
#include "nss-private.h"
#include "sealgate/keys.h"
#include "sealgate/pgp.h"
#include "sealgate/smime-nss.h"
#include "sealgate/smime.h"
#include "sealgate/tbkeys.h"

#define REASON_MAX 256

/* Which unusable finding to report when there are several: the one a user
 * can most likely act on. */
static int rank(sg_key_status s) {
        switch (s) {
        case SG_KEY_USABLE:
                return 0;
        case SG_KEY_EXPIRED:
                return 1;
        case SG_KEY_REVOKED:
        case SG_KEY_REVOCATION_UNKNOWN:
                return 2;
        case SG_KEY_WRONG_USAGE:
                return 3;
        case SG_KEY_INVALID:
                return 4;
        case SG_KEY_WRONG_ADDRESS:
                return 5;
        case SG_KEY_LOOKUP_FAILED:
                return 6;
        case SG_KEY_NONE:
        default:
                return 7;
        }
}

static void found_clear(sg_key_found *f) {
        free(f->method);
        free(f->fingerprint);
        free(f->serial);
        free(f->subject);
        free(f->validity);
        free(f->reason);
        free(f->revocation_detail);
        *f = (sg_key_found){.status = SG_KEY_NONE};
}

sg_keys_result *sg_keys_result_free(sg_keys_result *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_answers; i++) {
                free(r->answers[i].address);
                found_clear(&r->answers[i].smime);
                found_clear(&r->answers[i].pgp);
                found_clear(&r->answers[i].tb_smime);
                found_clear(&r->answers[i].tb_pgp);
        }
        free(r->answers);
        free(r);
        return NULL;
}

static char *dupn(const char *s) {
        return s ? strdup(s) : NULL;
}

static void date_of(int64_t t, char *buf, size_t n) {
        time_t s = (time_t) t;
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(buf, n, "%Y-%m-%d", &tm);
}

/* A candidate replaces *best when it ranks better, or ranks the same and
 * lasts longer. `c` is consumed either way. */
static void offer(sg_key_found *best, sg_key_found *c) {
        bool take = best->method == NULL || rank(c->status) < rank(best->status) ||
                    (rank(c->status) == rank(best->status) &&
                     (c->expires == 0 ? best->expires != 0 : best->expires != 0 && c->expires > best->expires));
        if (take) {
                found_clear(best);
                *best = *c;
        } else {
                found_clear(c);
        }
        *c = (sg_key_found){0};
}

/* ---- S/MIME: certificates through NSS. */

/* The certificate covers the address (sg_nss_cert_has_email, the same
 * answer as encryption's and certutil's); `other` gets an address it does
 * cover, for the reason. */
static bool cert_bound(CERTCertificate *c, const char *addr, char *other, size_t n) {
        other[0] = '\0';
        if (sg_nss_cert_has_email(c, addr))
                return true;
        const char *e = CERT_GetFirstEmailAddress(c);
        if (e)
                snprintf(other, n, "%s", e);
        return false;
}

static void cert_eval(CERTCertificate *c, const char *addr, const char *method, const sg_revocation_options *rev,
                      sg_key_found *f) {
        char why[REASON_MAX], other[128], fp[80], serial[128], when[32];
        PRTime nb = 0, na = 0;
        CERT_GetCertTimes(c, &nb, &na);
        f->expires = na / PR_USEC_PER_SEC;
        if (!cert_bound(c, addr, other, sizeof other)) {
                f->status = SG_KEY_WRONG_ADDRESS;
                snprintf(why, sizeof why, "the certificate is bound to %s, not to this address",
                         other[0] ? other : "another address");
        } else if (CERT_CheckCertValidTimes(c, PR_Now(), PR_FALSE) != secCertTimeValid) {
                bool future = nb > PR_Now();
                date_of((future ? nb : na) / PR_USEC_PER_SEC, when, sizeof when);
                f->status = SG_KEY_EXPIRED;
                snprintf(why, sizeof why, future ? "not valid before %s" : "expired on %s", when);
        } else if (!sg_nss_cert_usage_ok(c, false, why, sizeof why)) {
                f->status = SG_KEY_WRONG_USAGE;
        } else {
                f->status = SG_KEY_USABLE;
                sg_revocation_status rs = sg_nss_revocation(c, rev, why, sizeof why);
                if (rs != SG_REVOCATION_NOT_CHECKED)
                        f->revocation = sg_revocation_status_name(rs);
                if (rs == SG_REVOCATION_UNKNOWN)
                        f->revocation_detail = dupn(why);
                if (!sg_revocation_usable(rs, rev->mode))
                        f->status = rs == SG_REVOCATION_REVOKED ? SG_KEY_REVOKED : SG_KEY_REVOCATION_UNKNOWN;
        }
        sg_nss_cert_fingerprint(c, fp, sizeof fp);
        sg_nss_cert_serial(c, serial, sizeof serial);
        char *subj = CERT_NameToAscii(&c->subject);
        f->method = dupn(method);
        f->fingerprint = dupn(fp);
        f->serial = dupn(serial);
        f->subject = dupn(subj);
        if (subj)
                PORT_Free(subj);
        if (f->status != SG_KEY_USABLE)
                f->reason = dupn(why);
}

static void smime_lookup(const char *addr, CERTCertList *db, CERTCertList *store, const sg_revocation_options *rev,
                         sg_key_found *best) {
        struct {
                CERTCertList *l;
                const char *method;
        } src[] = {{db, "nss-db"}, {store, "cert-store"}};
        for (size_t s = 0; s < 2; s++) {
                if (!src[s].l)
                        continue;
                for (CERTCertListNode *n = CERT_LIST_HEAD(src[s].l); !CERT_LIST_END(n, src[s].l);
                     n = CERT_LIST_NEXT(n)) {
                        if (!sg_nss_cert_has_email(n->cert, addr))
                                continue;
                        sg_key_found c = {0};
                        cert_eval(n->cert, addr, src[s].method, rev, &c);
                        offer(best, &c);
                }
                if (best->method && best->status == SG_KEY_USABLE)
                        return; /* the profile's certificate first */
        }
        if (!best->method) {
                best->status = SG_KEY_NONE;
                best->reason = dupn("no certificate");
        }
}

static sg_err smime_sources(const sg_keys_options *o, CERTCertList **ret_db, CERTCertList **ret_store, sg_error *err) {
        /* the certificates are read through NSS: its backend, opened at the
         * one selection point (smime.c), and left open as keys.h says */
        const sg_smime_ops *nss = NULL;
        sg_err r = sg_smime_backend_open("nss", o->nss_db, &nss, err);
        if (r != SG_OK)
                return r;
        size_t count = 0;
        CERTCertList *db = NULL, *store = NULL;
        if (o->nss_db) {
                db = PK11_ListCerts(PK11CertListAll, NULL);
                if (!db)
                        return sg_nss_error(err, SG_ERR_NSS_DB, "cannot list the certificates of the NSS database");
                for (CERTCertListNode *n = CERT_LIST_HEAD(db); !CERT_LIST_END(n, db); n = CERT_LIST_NEXT(n))
                        count++;
                if (count > SG_KEYS_CERTS_MAX) {
                        CERT_DestroyCertList(db);
                        return sg_error_set(err, SG_ERR_LIMIT, "the NSS database holds more than %d certificates",
                                            SG_KEYS_CERTS_MAX);
                }
        }
        if (o->cert_store) {
                store = CERT_NewCertList();
                r = store ? sg_nss_load_certs(o->cert_store, store, &count, err)
                          : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                if (r == SG_OK && count > SG_KEYS_CERTS_MAX)
                        r = sg_error_set(err, SG_ERR_LIMIT, "more than %d certificates to examine", SG_KEYS_CERTS_MAX);
                if (r != SG_OK) {
                        if (store)
                                CERT_DestroyCertList(store);
                        if (db)
                                CERT_DestroyCertList(db);
                        return r;
                }
        }
        *ret_db = db;
        *ret_store = store;
        return SG_OK;
}

/* ---- OpenPGP: GPGME. */

static sg_err gpgme_fail(gpgme_error_t e, sg_error *err, const char *what) {
        sg_err c = SG_ERR_INTERNAL;
        switch (gpgme_err_code(e)) {
        case GPG_ERR_ENOMEM:
                c = SG_ERR_NOMEM;
                break;
        case GPG_ERR_INV_ENGINE:
        case GPG_ERR_ENOENT:
        case GPG_ERR_NOT_FOUND:
        case GPG_ERR_EACCES:
                c = SG_ERR_IO;
                break;
        case GPG_ERR_INV_VALUE:
                c = SG_ERR_INVALID_ARGUMENT;
                break;
        default:
                break;
        }
        return sg_error_set(err, c, "%s: %s", what, gpgme_strerror(e));
}

static const char *validity_name(gpgme_validity_t v) {
        switch (v) {
        case GPGME_VALIDITY_UNDEFINED:
                return "undefined";
        case GPGME_VALIDITY_NEVER:
                return "never";
        case GPGME_VALIDITY_MARGINAL:
                return "marginal";
        case GPGME_VALIDITY_FULL:
                return "full";
        case GPGME_VALIDITY_ULTIMATE:
                return "ultimate";
        case GPGME_VALIDITY_UNKNOWN:
        default:
                return "unknown";
        }
}

/* Judges one key's data (keycache.c: fresh from GnuPG or kept) for `addr`
 * at time `now`: an expiry time already passed counts as expired even when
 * GnuPG listed the key before it passed. */
static void key_eval(const kc_key *k, const char *addr, const char *method, time_t now, sg_key_found *f) {
        char why[REASON_MAX] = "", when[32];
        const kc_uid *match = NULL;
        for (size_t i = 0; i < k->n_uids; i++)
                if (!match || (match->revoked && !k->uids[i].revoked))
                        match = &k->uids[i];
        const kc_subkey *enc = NULL, *enc_expired = NULL, *primary = k->n_subkeys ? &k->subkeys[0] : NULL;
        for (size_t i = 0; i < k->n_subkeys; i++) {
                const kc_subkey *s = &k->subkeys[i];
                bool expired = s->expired || (s->expires > 0 && s->expires <= now);
                if (!s->can_encrypt)
                        continue;
                if (!s->revoked && !expired && !s->disabled && !s->invalid)
                        enc = enc && enc->expires == 0 ? enc : s;
                else if (expired)
                        enc_expired = s;
        }
        bool primary_expired = primary && (primary->expired || (primary->expires > 0 && primary->expires <= now));
        f->method = dupn(method);
        f->fingerprint = dupn(k->fpr);
        f->subject = dupn(match ? match->uid : NULL);
        f->validity =
                dupn(validity_name(match ? (gpgme_validity_t) match->validity : (gpgme_validity_t) k->owner_trust));
        f->expires = enc ? enc->expires : primary ? primary->expires : 0;
        if (!match) {
                f->status = SG_KEY_WRONG_ADDRESS;
                snprintf(why, sizeof why, "no user id of the key is exactly %s", addr);
        } else if (k->revoked || (primary && primary->revoked)) {
                f->status = SG_KEY_REVOKED;
                snprintf(why, sizeof why, "revoked");
        } else if (match->revoked) {
                f->status = SG_KEY_REVOKED;
                snprintf(why, sizeof why, "the user id %s is revoked", addr);
        } else if (k->expired || primary_expired) {
                f->status = SG_KEY_EXPIRED;
                date_of(primary ? primary->expires : 0, when, sizeof when);
                snprintf(why, sizeof why, "expired on %s", when);
        } else if (k->disabled || k->invalid || match->invalid) {
                f->status = SG_KEY_INVALID;
                snprintf(why, sizeof why, k->disabled ? "the key is disabled" : "the key is invalid");
        } else if (!enc && enc_expired) {
                f->status = SG_KEY_EXPIRED;
                date_of(enc_expired->expires, when, sizeof when);
                snprintf(why, sizeof why, "the encryption subkey expired on %s", when);
        } else if (!enc) {
                f->status = SG_KEY_WRONG_USAGE;
                snprintf(why, sizeof why, "wrong key usage: the key cannot encrypt (no encryption subkey)");
        } else if (match->validity == GPGME_VALIDITY_NEVER) {
                f->status = SG_KEY_INVALID;
                snprintf(why, sizeof why, "the user id %s is marked as never valid", addr);
        } else {
                f->status = SG_KEY_USABLE;
        }
        if (f->status != SG_KEY_USABLE)
                f->reason = dupn(why);
}

static void keys_eval(const kc_keys *l, const char *addr, const char *method, time_t now, sg_key_found *best) {
        for (size_t j = 0; j < l->n; j++) {
                sg_key_found c = {0};
                key_eval(&l->keys[j], addr, method, now, &c);
                offer(best, &c);
        }
}

static sg_err new_ctx(const char *home, gpgme_ctx_t *ret, sg_error *err) {
        gpgme_ctx_t ctx;
        gpgme_error_t e = gpgme_new(&ctx);
        if (e)
                return gpgme_fail(e, err, "cannot start GPGME");
        gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
        if (home && (e = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home))) {
                gpgme_release(ctx);
                return gpgme_fail(e, err, "cannot use the GnuPG home");
        }
        gpgme_set_keylist_mode(ctx, GPGME_KEYLIST_MODE_LOCAL);
        *ret = ctx;
        return SG_OK;
}

static bool key_has_email(gpgme_key_t k, const char *addr) {
        for (gpgme_user_id_t u = k->uids; u; u = u->next)
                if (u->email && strcasecmp(u->email, addr) == 0)
                        return true;
        return false;
}

/* The GnuPG keyring's keys for every address at once: one keylist (one gpg
 * run, not one per recipient: docs/performance.md) with a "<address>"
 * pattern each; every key listed is judged for each address it has a user
 * id for, at most SG_KEYS_PGP_KEYS_MAX keys per address. With `cache`, the
 * addresses it holds are judged from it and only the others are listed;
 * their answers are kept (keycache.c). */
static sg_err pgp_keyring(gpgme_ctx_t ctx, sg_keys_cache *cache, const char *const *addrs, sg_key_found *const *best,
                          size_t n, const char *method, sg_error *err) {
        if (!n)
                return SG_OK;
        enum { PATTERN_SIZE = SG_KEYS_ADDRESS_MAX + 3 };
        time_t now = time(NULL);
        const char **patterns = calloc(n + 1, sizeof *patterns);
        char *buf = malloc(n * PATTERN_SIZE);
        size_t *miss = calloc(n, sizeof *miss);
        kc_keys *got = calloc(n, sizeof *got);
        size_t n_miss = 0;
        sg_err r = SG_OK;
        if (!patterns || !buf || !miss || !got) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                const kc_keys *kept = cache ? sg_kc_get(cache, addrs[i]) : NULL;
                if (kept) {
                        keys_eval(kept, addrs[i], method, now, best[i]);
                        continue;
                }
                snprintf(buf + n_miss * PATTERN_SIZE, PATTERN_SIZE, "<%s>", addrs[i]);
                patterns[n_miss] = buf + n_miss * PATTERN_SIZE;
                miss[n_miss++] = i;
        }
        if (!n_miss)
                goto out;
        gpgme_error_t e = gpgme_op_keylist_ext_start(ctx, patterns, 0, 0);
        if (e) {
                r = gpgme_fail(e, err, "cannot list the keys");
                goto out;
        }
        gpgme_key_t k;
        while (!(e = gpgme_op_keylist_next(ctx, &k))) {
                for (size_t m = 0; m < n_miss && r == SG_OK; m++) {
                        const char *a = addrs[miss[m]];
                        if (got[m].n >= SG_KEYS_PGP_KEYS_MAX || !key_has_email(k, a))
                                continue;
                        if (sg_kc_keys_add(&got[m], k, a) != SG_OK)
                                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                gpgme_key_unref(k);
        }
        gpgme_op_keylist_end(ctx);
        if (r == SG_OK && gpgme_err_code(e) != GPG_ERR_EOF)
                r = gpgme_fail(e, err, "cannot list the keys");
        for (size_t m = 0; m < n_miss && r == SG_OK; m++) {
                keys_eval(&got[m], addrs[miss[m]], method, now, best[miss[m]]);
                if (cache)
                        sg_kc_put(cache, addrs[miss[m]], &got[m]);
        }
out:
        for (size_t m = 0; got && m < n; m++)
                sg_kc_keys_clear(&got[m]);
        free(patterns);
        free(buf);
        free(miss);
        free(got);
        return r;
}

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) type;
        (void) ftw;
        return remove(p);
}

/* Imports a WKD answer into a keyring of its own, never the user's. */
static sg_err pgp_wkd_import(const unsigned char *data, size_t len, const char *addr, sg_key_found *best,
                             sg_error *err) {
        const char *tmp = getenv("TMPDIR");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/sealgate-wkd-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
                return sg_error_set(err, SG_ERR_IO, "cannot make a temporary keyring");
        gpgme_ctx_t ctx = NULL;
        gpgme_data_t d = NULL;
        sg_err r = new_ctx(dir, &ctx, err);
        if (r == SG_OK) {
                gpgme_error_t e = gpgme_data_new_from_mem(&d, (const char *) data, len, 0);
                if (!e)
                        e = gpgme_op_import(ctx, d);
                if (e) {
                        best->status = SG_KEY_LOOKUP_FAILED;
                        free(best->reason);
                        best->reason = malloc(REASON_MAX);
                        if (best->reason)
                                snprintf(best->reason, REASON_MAX, "WKD: the answer is not an OpenPGP key: %s",
                                         gpgme_strerror(e));
                } else {
                        sg_key_found mine = {0};
                        sg_key_found *minep = &mine;
                        r = pgp_keyring(ctx, NULL, &addr, &minep, 1, "wkd", err);
                        if (r == SG_OK && !mine.method) {
                                mine.status = SG_KEY_WRONG_ADDRESS;
                                mine.method = dupn("wkd");
                                mine.reason = malloc(REASON_MAX);
                                if (mine.reason)
                                        snprintf(mine.reason, REASON_MAX, "WKD: the key has no user id %s", addr);
                        }
                        if (r == SG_OK)
                                offer(best, &mine);
                        found_clear(&mine);
                }
        }
        if (d)
                gpgme_data_release(d);
        if (ctx)
                gpgme_release(ctx);
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return r;
}

static void append_reason(sg_key_found *f, const char *more) {
        size_t n = (f->reason ? strlen(f->reason) + 2 : 0) + strlen(more) + 1;
        char *s = malloc(n);
        if (!s)
                return;
        snprintf(s, n, "%s%s%s", f->reason ? f->reason : "", f->reason ? "; " : "", more);
        free(f->reason);
        f->reason = s;
}

static sg_err pgp_wkd(const sg_keys_options *o, const char *addr, unsigned timeout, sg_key_found *best, sg_error *err) {
        char *adv = NULL, *direct = NULL, why[REASON_MAX] = "";
        sg_error e = {0};
        if (sg_keys_wkd_urls(addr, &adv, &direct, &e) != SG_OK) {
                snprintf(why, sizeof why, "WKD: %.200s", e.message);
                if (!best->method)
                        best->status = SG_KEY_LOOKUP_FAILED;
                append_reason(best, why);
                return SG_OK;
        }
        unsigned char *data = NULL;
        size_t len = 0;
        wkd_outcome w = sg_keys_wkd_fetch(o, adv, timeout, &data, &len, why, sizeof why);
        if (w == WKD_UNREACHABLE) /* no openpgpkey. host: the direct method */
                w = sg_keys_wkd_fetch(o, direct, timeout, &data, &len, why, sizeof why);
        free(adv);
        free(direct);
        sg_err r = SG_OK;
        if (w == WKD_OK) {
                sg_key_found local = *best;
                *best = (sg_key_found){0};
                r = pgp_wkd_import(data, len, addr, best, err);
                free(data);
                if (best->status == SG_KEY_USABLE || local.method == NULL) {
                        if (local.method && local.reason && best->status != SG_KEY_USABLE)
                                append_reason(best, local.reason);
                        found_clear(&local);
                } else {
                        if (best->reason)
                                append_reason(&local, best->reason);
                        found_clear(best);
                        *best = local;
                }
                return r;
        }
        if (!best->method) {
                free(best->reason);
                best->reason = NULL;
                best->status = SG_KEY_LOOKUP_FAILED;
                best->method = dupn("wkd");
        }
        append_reason(best, why);
        return SG_OK;
}

/* ---- What the mail client itself encrypts with (options->tb_profile). */

/* S/MIME: Thunderbird uses only its profile's NSS database; the finding
 * from every source says how to make it usable. */
static void client_smime(const sg_keys_options *o, CERTCertList *db, sg_keys_answer *a) {
        sg_key_found *f = &a->tb_smime;
        if (db && o->nss_db && strcmp(o->nss_db, o->tb_profile) == 0) {
                smime_lookup(a->address, db, NULL, &o->revocation, f);
        } else if (o->nss_db) {
                f->status = SG_KEY_LOOKUP_FAILED;
                f->reason = dupn("the profile's certificate database was not read (keys.nss_db names another)");
                return;
        }
        if (f->status == SG_KEY_USABLE)
                return;
        f->fix = a->smime.status == SG_KEY_USABLE ? "import_certificate" : "new_certificate";
        if (f->method)
                return; /* its own reason: expired, revoked, ... */
        free(f->reason);
        f->reason =
                dupn(a->smime.status == SG_KEY_USABLE ? "the certificate is not in Thunderbird's certificate database"
                                                      : "no certificate in Thunderbird's certificate database");
}

/* OpenPGP: Thunderbird's keyring and acceptance (tbkeys.c). */
static sg_err client_pgp(const sg_tbkeys *tk, const sg_error *tk_err, sg_keys_answer *a, sg_error *err) {
        sg_key_found *f = &a->tb_pgp;
        if (!tk) {
                *f = (sg_key_found){.status = SG_KEY_LOOKUP_FAILED};
                f->reason = dupn(tk_err->message[0] ? tk_err->message : "Thunderbird's keyring was not read");
                return SG_OK;
        }
        sg_err r = sg_tbkeys_check(tk, a->address, f, err);
        if (r != SG_OK)
                return r;
        if (f->status == SG_KEY_NONE && a->pgp.status == SG_KEY_USABLE) {
                free(f->reason);
                f->reason = dupn(strcmp(a->pgp.method ? a->pgp.method : "", "wkd") == 0
                                         ? "no key in Thunderbird's keyring (the Web Key Directory has one)"
                                         : "no key in Thunderbird's keyring (GnuPG has one)");
        }
        return SG_OK;
}

/* ---- The lookup. */

/* GnuPG's own default home: $GNUPGHOME, else ~/.gnupg; NULL when neither
 * is known (then nothing is cached). */
static const char *gnupg_default_home(char *buf, size_t n) {
        const char *g = getenv("GNUPGHOME"), *h = getenv("HOME");
        if (g && *g)
                return g;
        if (!h || !*h || (size_t) snprintf(buf, n, "%s/.gnupg", h) >= n)
                return NULL;
        return buf;
}

/* GnuPG's findings for every answer, in one keylist. */
static sg_err gnupg_all(gpgme_ctx_t ctx, const sg_keys_options *o, sg_keys_result *res, sg_error *err) {
        size_t n = res->n_answers;
        const char **addrs = calloc(n + 1, sizeof *addrs);
        sg_key_found **best = calloc(n + 1, sizeof *best);
        sg_err r = SG_OK;
        if (!addrs || !best) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        } else {
                for (size_t i = 0; i < n; i++) {
                        addrs[i] = res->answers[i].address;
                        best[i] = &res->answers[i].pgp;
                }
                sg_keys_cache *cache = o->gnupg_cache;
                if (cache) {
                        /* the key files' identity before the keylist: a
                         * change during it is seen by the next lookup */
                        char dflt[4096];
                        const char *home = o->gnupg_home ? o->gnupg_home : gnupg_default_home(dflt, sizeof dflt);
                        sg_kc_begin(cache, home);
                }
                r = pgp_keyring(ctx, cache, addrs, best, n, "gnupg", err);
        }
        free(addrs);
        free(best);
        return r;
}

static bool plausible_address(const char *a) {
        const char *at = a ? strrchr(a, '@') : NULL;
        return at && at != a && at[1] && strlen(a) <= SG_KEYS_ADDRESS_MAX && !strpbrk(a, " \t\r\n<>\"");
}

sg_err sg_keys_lookup(const char *const *addresses, size_t n_addresses, const sg_keys_options *options,
                      sg_keys_result **ret_result, sg_error *err) {
        static const sg_keys_options none = {0};
        const sg_keys_options *o = options ? options : &none;
        if (!ret_result || (n_addresses && !addresses))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no addresses");
        if (n_addresses > SG_KEYS_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d recipients in one lookup", SG_KEYS_RECIPIENTS_MAX);
        unsigned timeout = o->timeout ? o->timeout : SG_KEYS_TIMEOUT_DEFAULT;
        if (timeout < SG_KEYS_TIMEOUT_MIN || timeout > SG_KEYS_TIMEOUT_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the timeout must be %d to %d seconds", SG_KEYS_TIMEOUT_MIN,
                                    SG_KEYS_TIMEOUT_MAX);
        for (size_t i = 0; i < n_addresses; i++)
                if (!plausible_address(addresses[i]))
                        return sg_error_set(err, SG_ERR_ADDRESS_SYNTAX, "not an email address: %.80s",
                                            addresses[i] ? addresses[i] : "(null)");
        CERTCertList *db = NULL, *store = NULL;
        gpgme_ctx_t ctx = NULL;
        sg_tbkeys *tk_own = NULL;
        const sg_tbkeys *tk = NULL;
        sg_error tk_err = {0};
        sg_keys_result *res = calloc(1, sizeof *res);
        sg_err r = SG_OK;
        if (!res || (n_addresses && !(res->answers = calloc(n_addresses, sizeof *res->answers)))) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        r = smime_sources(o, &db, &store, err);
        if (r != SG_OK)
                goto out;
        if (o->tb_profile && !o->no_pgp) {
                tk = o->tb_keys;
                if (!tk && sg_tbkeys_open(o->tb_profile, &tk_own, &tk_err) == SG_OK)
                        tk = tk_own;
        }
        if (!o->no_pgp) {
                (void) sg_pgp_gpgme_ready(); /* new_ctx says what is wrong, if anything */
                r = new_ctx(o->gnupg_home, &ctx, err);
                if (r != SG_OK)
                        goto out;
        }
        for (size_t i = 0; i < n_addresses; i++) {
                sg_keys_answer *a = &res->answers[res->n_answers++];
                a->smime.status = a->pgp.status = a->tb_smime.status = a->tb_pgp.status = SG_KEY_NONE;
                if (!(a->address = strdup(addresses[i]))) {
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                        goto out;
                }
                smime_lookup(a->address, db, store, &options->revocation, &a->smime);
                a->client = o->tb_profile != NULL;
                if (a->client)
                        client_smime(o, db, a);
        }
        if (!o->no_pgp && (r = gnupg_all(ctx, o, res, err)) != SG_OK)
                goto out;
        for (size_t i = 0; i < res->n_answers && !o->no_pgp; i++) {
                sg_keys_answer *a = &res->answers[i];
                if (a->pgp.status != SG_KEY_USABLE && o->wkd) {
                        r = pgp_wkd(o, a->address, timeout, &a->pgp, err);
                        if (r != SG_OK)
                                goto out;
                }
                if (!a->pgp.method && !a->pgp.reason)
                        a->pgp.reason = dupn(o->wkd ? "no key" : "no key in the keyring");
                if (a->client && (r = client_pgp(tk, &tk_err, a, err)) != SG_OK)
                        goto out;
        }
        *ret_result = res;
        res = NULL;
out:
        sg_tbkeys_free(tk_own);
        if (ctx)
                gpgme_release(ctx);
        if (db)
                CERT_DestroyCertList(db);
        if (store)
                CERT_DestroyCertList(store);
        sg_keys_result_free(res);
        return r;
}
