/* sealgate: the GPGME backend's key selection (a recipient's or signer's
 * key fit for the use) and the verification results it reports. */
#include "pgp-gpgme-private.h"

/* ---- Keys. */

static bool is_fingerprint(const char *s) {
        if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
                s += 2;
        size_t n = strlen(s);
        if (n != 40 && n != 64 && n != 16)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char) s[i]))
                        return false;
        return true;
}

static bool uid_has_email(gpgme_user_id_t u, const char *addr) {
        return u->email && !u->invalid && strcasecmp(u->email, addr) == 0;
}

static bool subkey_fit(gpgme_subkey_t sk, want w, bool secret) {
        if (sk->expired || sk->revoked || sk->disabled || sk->invalid)
                return false;
        if (secret && !sk->secret)
                return false;
        return w == WANT_ENCRYPT ? sk->can_encrypt : sk->can_sign;
}

/* The best key for `who` (address or fingerprint): usable for `w`, else the
 * reason none is. Owned key (gpgme_key_unref). */
sg_err sg_gpgme_find_key(gpgme_ctx_t ctx, opctx *oc, const char *who, want w, bool always_trust, gpgme_key_t *ret,
                         sg_error *err) {
        bool secret = w == WANT_SIGN;
        bool fpr = is_fingerprint(who);
        char pattern[600];
        if (fpr || strchr(who, '<'))
                snprintf(pattern, sizeof pattern, "%s", who);
        else
                snprintf(pattern, sizeof pattern, "<%s>", who);
        gpgme_error_t e = gpgme_op_keylist_start(ctx, pattern, secret);
        bool any = false, expired = false, revoked = false, incapable = false, untrusted = false;
        gpgme_key_t found = NULL, key;
        while (!e && !(e = gpgme_op_keylist_next(ctx, &key))) {
                bool match = fpr, uid_revoked = !fpr;
                gpgme_validity_t validity = GPGME_VALIDITY_UNKNOWN;
                for (gpgme_user_id_t u = key->uids; u; u = u->next)
                        if (fpr || uid_has_email(u, who)) {
                                match = true;
                                if (u->revoked)
                                        continue;
                                uid_revoked = false;
                                if (u->validity > validity)
                                        validity = u->validity;
                        }
                if (!match || found) {
                        gpgme_key_unref(key);
                        continue;
                }
                any = true;
                bool fit = false;
                for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next)
                        fit |= subkey_fit(sk, w, secret);
                if (key->revoked || uid_revoked)
                        revoked = true;
                else if (key->expired)
                        expired = true;
                else if (key->disabled || key->invalid || !fit) {
                        /* a subkey may be the expired or revoked one */
                        for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next)
                                if (w == WANT_ENCRYPT ? sk->can_encrypt : sk->can_sign) {
                                        expired |= sk->expired && !sk->revoked;
                                        revoked |= sk->revoked;
                                }
                        incapable = true;
                } else if (w == WANT_ENCRYPT && !always_trust && validity < GPGME_VALIDITY_FULL) {
                        untrusted = true;
                } else {
                        found = key;
                        continue;
                }
                gpgme_key_unref(key);
        }
        gpgme_op_keylist_end(ctx);
        if (found) {
                *ret = found;
                return SG_OK;
        }
        if (e && gpgme_err_code(e) != GPG_ERR_EOF)
                return sg_gpgme_map_error(e, oc, "key lookup", err);
        const char *kind = secret ? "secret key" : "key";
        if (!any)
                return sg_error_set(err, secret ? SG_ERR_NO_PRIVATE_KEY : SG_ERR_NO_PUBLIC_KEY,
                                    "there is no OpenPGP %s for %s in the keyring: import it first", kind, who);
        if (revoked)
                return sg_error_set(err, SG_ERR_KEY_REVOKED,
                                    "the OpenPGP %s for %s has been revoked: ask its owner for a new one", kind, who);
        if (expired)
                return sg_error_set(err, SG_ERR_KEY_EXPIRED,
                                    "the OpenPGP %s for %s has expired: ask its owner for an updated key", kind, who);
        if (incapable)
                return sg_error_set(err, SG_ERR_KEY_UNUSABLE, "the OpenPGP %s for %s cannot %s", kind, who,
                                    w == WANT_ENCRYPT ? "encrypt" : "sign");
        (void) untrusted;
        return sg_error_set(err, SG_ERR_KEY_UNUSABLE,
                            "the OpenPGP key for %s is not trusted (its validity is not full): certify it, or "
                            "encrypt trusting it explicitly",
                            who);
}

/* ---- Verification results. */

static char *dup0(const char *s) {
        return s ? strdup(s) : NULL;
}

static const char *validity_name(gpgme_validity_t v) {
        switch (v) {
        case GPGME_VALIDITY_ULTIMATE:
                return "ultimate";
        case GPGME_VALIDITY_FULL:
                return "full";
        case GPGME_VALIDITY_MARGINAL:
                return "marginal";
        case GPGME_VALIDITY_NEVER:
                return "never";
        case GPGME_VALIDITY_UNDEFINED:
                return "undefined";
        default:
                return "unknown";
        }
}

static char *lower_dup(const char *s) {
        char *r = dup0(s ? s : "?");
        for (char *p = r; p && *p; p++)
                *p = (char) tolower((unsigned char) *p);
        return r;
}

static void signer_clear(sg_pgp_signer *s) {
        free(s->fingerprint);
        free(s->primary_fingerprint);
        for (size_t i = 0; i < s->n_user_ids; i++)
                free(s->user_ids[i]);
        free(s->user_ids);
        for (size_t i = 0; i < s->n_emails; i++)
                free(s->emails[i]);
        free(s->emails);
        free(s->validity);
        free(s->trust_error);
        free(s->usage_error);
        free(s->digest);
        free(s->pubkey_algo);
}

sg_pgp_verify_result *sg_pgp_verify_result_free(sg_pgp_verify_result *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_signers; i++)
                signer_clear(&r->signers[i]);
        free(r->signers);
        free(r);
        return NULL;
}

/* Fills `s` from one signature and (if the keyring has it) its key. */
/* Whether a (sub)key made at `created` and expiring at `expires` (0: never)
 * is valid at `at`. */
static bool valid_at(long created, unsigned long expires, int64_t at) {
        return (int64_t) created <= at && (expires == 0 || at < (int64_t) expires);
}

/* The one public key `fpr` names, as gpgme_get_key finds it (NULL: none,
 * or two different keys), listed on `kctx` itself: gpgme_get_key makes a
 * context of its own whose engine set-up runs `gpg --version` again, one
 * more program per signer (docs/performance.md, issue 24). */
static gpgme_key_t get_key(gpgme_ctx_t kctx, const char *fpr) {
        gpgme_key_t key = NULL, more = NULL;
        if (gpgme_op_keylist_start(kctx, fpr, 0) != 0)
                return NULL;
        if (gpgme_op_keylist_next(kctx, &key) != 0)
                key = NULL;
        gpgme_error_t e = key ? gpgme_op_keylist_next(kctx, &more) : 0;
        if (key && gpgme_err_code(e) != GPG_ERR_EOF) {
                /* the same key twice (two keyrings) is still one key */
                bool same = !e && key->subkeys && more->subkeys && key->subkeys->fpr && more->subkeys->fpr &&
                            strcmp(key->subkeys->fpr, more->subkeys->fpr) == 0;
                if (!e)
                        gpgme_key_unref(more);
                if (!same) {
                        gpgme_key_unref(key);
                        key = NULL;
                }
        }
        gpgme_op_keylist_end(kctx);
        return key;
}

static bool fill_signer(gpgme_ctx_t kctx, gpgme_signature_t sig, int64_t at, const char *from, sg_pgp_signer *s) {
        gpgme_err_code_t st = gpgme_err_code(sig->status);
        s->signature_valid = st == GPG_ERR_NO_ERROR || st == GPG_ERR_KEY_EXPIRED || st == GPG_ERR_SIG_EXPIRED ||
                             st == GPG_ERR_CERT_REVOKED;
        s->fingerprint = dup0(sig->fpr ? sig->fpr : "");
        s->has_signing_time = sig->timestamp != 0;
        s->signing_time = (int64_t) sig->timestamp;
        s->digest = lower_dup(gpgme_hash_algo_name(sig->hash_algo));
        s->pubkey_algo =
                dup0(gpgme_pubkey_algo_name(sig->pubkey_algo) ? gpgme_pubkey_algo_name(sig->pubkey_algo) : "?");
        s->validity = dup0(validity_name(sig->validity));
        s->key_trusted = sig->validity >= GPGME_VALIDITY_FULL;
        s->key_revoked = (sig->summary & GPGME_SIGSUM_KEY_REVOKED) || st == GPG_ERR_CERT_REVOKED;
        s->key_time_valid = !(sig->summary & (GPGME_SIGSUM_KEY_EXPIRED | GPGME_SIGSUM_SIG_EXPIRED)) &&
                            st != GPG_ERR_KEY_EXPIRED && st != GPG_ERR_SIG_EXPIRED;
        gpgme_key_t key = sig->fpr ? get_key(kctx, sig->fpr) : NULL;
        if (!key) {
                s->key_time_valid = false;
                s->trust_error = dup0(st == GPG_ERR_NO_PUBKEY ? "the signer's public key is not in the keyring"
                                                              : "the signer's key cannot be found");
                s->usage_error = dup0("the signer's key is unknown");
                s->email_checked = from != NULL;
        } else {
                s->primary_fingerprint = dup0(key->fpr);
                gpgme_subkey_t sk = key->subkeys;
                for (gpgme_subkey_t k = key->subkeys; k; k = k->next)
                        if (k->fpr && sig->fpr && strcasecmp(k->fpr, sig->fpr) == 0)
                                sk = k;
                size_t n = 0;
                for (gpgme_user_id_t u = key->uids; u; u = u->next)
                        n++;
                s->user_ids = calloc(n ? n : 1, sizeof *s->user_ids);
                s->emails = calloc(n ? n : 1, sizeof *s->emails);
                if (!s->user_ids || !s->emails) {
                        gpgme_key_unref(key);
                        return false;
                }
                for (gpgme_user_id_t u = key->uids; u; u = u->next) {
                        if (u->revoked || u->invalid)
                                continue;
                        if (u->uid)
                                s->user_ids[s->n_user_ids++] = dup0(u->uid);
                        if (u->email && *u->email) {
                                s->emails[s->n_emails++] = dup0(u->email);
                                if (from && strcasecmp(u->email, from) == 0)
                                        s->email_matches = true;
                        }
                }
                s->email_checked = from != NULL;
                if (sk) {
                        s->not_before = (int64_t) sk->timestamp;
                        s->not_after = sk->expires > 0 ? (int64_t) sk->expires : 0;
                        if (at) /* --at: the key's and the signature's own times, not gpg's judgement now */
                                s->key_time_valid =
                                        valid_at(sk->timestamp, (unsigned long) sk->expires, at) &&
                                        (!key->subkeys || valid_at(key->subkeys->timestamp,
                                                                   (unsigned long) key->subkeys->expires, at)) &&
                                        (!sig->exp_timestamp || at < (int64_t) sig->exp_timestamp);
                        else
                                s->key_time_valid = s->key_time_valid && !sk->expired && !key->expired;
                        s->key_revoked = s->key_revoked || sk->revoked || key->revoked;
                        s->usage_ok = sk->can_sign;
                        if (!s->usage_ok)
                                s->usage_error = dup0("the key is not capable of signing");
                }
                gpgme_key_unref(key);
                if (!s->key_trusted)
                        s->trust_error =
                                dup0(sig->validity == GPGME_VALIDITY_NEVER ? "the key is marked as not to be trusted"
                                     : sig->validity == GPGME_VALIDITY_MARGINAL
                                             ? "the key is only marginally valid in the keyring"
                                             : "the key is not certified in the keyring (validity "
                                               "unknown)");
        }
        if (s->key_revoked)
                s->key_trusted = false;
        s->valid = s->signature_valid && s->key_time_valid && !s->key_revoked && s->key_trusted && s->usage_ok &&
                   (!s->email_checked || s->email_matches);
        return true;
}

sg_err sg_gpgme_build_result(const sg_pgp_keyring *kr, gpgme_verify_result_t vr, const char *from,
                             sg_pgp_verify_result **ret, sg_error *err) {
        sg_pgp_verify_result *r = calloc(1, sizeof *r);
        size_t n = 0;
        for (gpgme_signature_t s = vr ? vr->signatures : NULL; s; s = s->next)
                n++;
        if (n > SG_PGP_SIGNERS_MAX) {
                free(r);
                return sg_error_set(err, SG_ERR_LIMIT, "the message has more than %d signatures", SG_PGP_SIGNERS_MAX);
        }
        if (r)
                r->signers = calloc(n ? n : 1, sizeof *r->signers);
        if (!r || !r->signers) {
                free(r);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t kctx = NULL;
        sg_err rc = sg_gpgme_new_ctx(kr, &oc, &kctx, err);
        if (rc != SG_OK) {
                sg_pgp_verify_result_free(r);
                return rc;
        }
        gpgme_set_keylist_mode(kctx, GPGME_KEYLIST_MODE_LOCAL);
        r->valid = n > 0;
        for (gpgme_signature_t s = vr ? vr->signatures : NULL; s; s = s->next) {
                sg_pgp_signer *g = &r->signers[r->n_signers++];
                if (!fill_signer(kctx, s, kr ? kr->verify_at : 0, from, g)) {
                        gpgme_release(kctx);
                        sg_pgp_verify_result_free(r);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                r->valid = r->valid && g->valid;
        }
        gpgme_release(kctx);
        *ret = r;
        return SG_OK;
}
