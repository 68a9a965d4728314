/* sealgate: the OpenPGP backend over GPGME (gpg 2.2+): sources and sinks
 * become GPGME data callbacks (plain files: fd-backed data), so memory stays
 * a few buffers whatever the message size; the bulk operations run on an
 * event loop of ours with enlarged pipes; every gpgme_error_t becomes an
 * sg_err in map_error(). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gpgme.h>

#include "sealgate/pgp.h"
#include "sealgate/stream.h"

#define CHUNK 65536

/* ---- One operation's context: what the callbacks saw, for map_error(). */

typedef struct opctx {
        const sg_pgp_keyring *kr;
        int pass_calls;        /* times gpg asked for the passphrase */
        bool pass_wrong;       /* it asked again: the one given was wrong */
        bool pass_none;        /* it asked and none was given */
        bool began_decryption; /* BEGIN_DECRYPTION: the data was encrypted */
        bool info_seen;        /* DECRYPTION_INFO came */
        bool integrity;        /* ... and named an MDC or an AEAD mode */
        bool nomdc_error;      /* ERROR nomdc_with_legacy_cipher */
        bool nodata;           /* NODATA: not OpenPGP, or nothing usable in it */
        bool bad_mdc;          /* BADMDC: altered after encryption */
        bool packets_seen;     /* some OpenPGP packet was recognised */
        bool enc_seen;         /* ... an encrypted session key */
        bool sig_seen;         /* ... a signature */
        /* input and output callbacks */
        sg_source *src;
        size_t max_input, read_total;
        bool over_limit, read_error;
        sg_sink *tee; /* sign: the content as it is read */
        bool tee_error;
        sg_sink *out;
        bool write_error;
        /* decrypt through callbacks: plaintext is held (at most
         * SG_PGP_HOLD_MAX bytes) until DECRYPTION_INFO says the data has
         * integrity protection, so none of a message without it ever reaches
         * the sink (gpg writes such plaintext before it fails) */
        bool hold;
        unsigned char *held;
        size_t n_held;
        bool hold_over;
        /* fd-backed data (data_fd): the input file and where it started */
        int in_fd;
        off_t in_start;
        bool out_fd;
} opctx;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static void init(void) {
        init_ok = gpgme_check_version("1.11.0") != NULL &&
                  gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR;
}

bool sg_pgp_gpgme_ready(void) {
        pthread_once(&init_once, init);
        return init_ok;
}

/* The one place a gpgme_error_t becomes an sg_err; `what` names the operation. */
static sg_err map_error(gpgme_error_t e, const opctx *oc, const char *what, sg_error *err) {
        gpgme_err_code_t c = gpgme_err_code(e);
        if (oc->over_limit)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: the input is larger than %zu bytes", what, oc->max_input);
        if (oc->read_error)
                return sg_error_set(err, SG_ERR_IO, "%s: cannot read the input", what);
        if (oc->write_error || oc->tee_error)
                return sg_error_set(err, SG_ERR_IO, "%s: cannot write the output", what);
        if (oc->nomdc_error || (oc->info_seen && !oc->integrity))
                return sg_error_set(err, SG_ERR_NO_INTEGRITY,
                                    "%s: the message has no integrity protection (no MDC), so it may have been "
                                    "altered; ask the sender to encrypt it again with a current OpenPGP program",
                                    what);
        if (oc->bad_mdc)
                return sg_error_set(err, SG_ERR_DECRYPT_FAILED,
                                    "%s: the message was altered after it was encrypted (integrity check failed): "
                                    "do not trust it, ask the sender to send it again",
                                    what);
        if (oc->pass_wrong || c == GPG_ERR_BAD_PASSPHRASE || c == GPG_ERR_INV_PASSPHRASE)
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE, "%s: the passphrase of the secret key is wrong",
                                    what);
        if (oc->pass_none || c == GPG_ERR_NO_PASSPHRASE)
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE,
                                    "%s: the secret key needs a passphrase and none was given", what);
        switch (c) {
        case GPG_ERR_ENOMEM:
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        case GPG_ERR_NO_SECKEY:
        case GPG_ERR_UNUSABLE_SECKEY:
                return sg_error_set(err, SG_ERR_NO_PRIVATE_KEY,
                                    "%s: none of the secret keys in the keyring can open this message (it was "
                                    "encrypted to someone else)",
                                    what);
        case GPG_ERR_NO_PUBKEY:
                return sg_error_set(err, SG_ERR_NO_PUBLIC_KEY, "%s: the public key is not in the keyring", what);
        case GPG_ERR_KEY_EXPIRED:
        case GPG_ERR_CERT_EXPIRED:
                return sg_error_set(err, SG_ERR_KEY_EXPIRED, "%s: the key has expired", what);
        case GPG_ERR_CERT_REVOKED:
                return sg_error_set(err, SG_ERR_KEY_REVOKED, "%s: the key has been revoked", what);
        case GPG_ERR_UNUSABLE_PUBKEY:
        case GPG_ERR_WRONG_KEY_USAGE:
                return sg_error_set(err, SG_ERR_KEY_UNUSABLE, "%s: the key cannot be used for this", what);
        case GPG_ERR_UNSUPPORTED_ALGORITHM:
        case GPG_ERR_CIPHER_ALGO:
        case GPG_ERR_PUBKEY_ALGO:
        case GPG_ERR_DIGEST_ALGO:
        case GPG_ERR_UNKNOWN_VERSION:
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                    "%s: the message uses an algorithm GnuPG does not support (%s)", what,
                                    gpgme_strerror(e));
        case GPG_ERR_BAD_SIGNATURE:
                return sg_error_set(err, SG_ERR_VERIFY_FAILED, "%s: the signature does not match", what);
        case GPG_ERR_NO_DATA:
                if (oc->packets_seen || oc->began_decryption)
                        break;
                return sg_error_set(err, SG_ERR_NOT_PGP, "%s: the input is not OpenPGP data: give an OpenPGP message",
                                    what);
        case GPG_ERR_CANCELED:
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE, "%s: the passphrase was not accepted", what);
        case GPG_ERR_INV_ENGINE:
        case GPG_ERR_ENOENT:
                return sg_error_set(err, SG_ERR_INTERNAL, "%s: gpg cannot be run: install GnuPG 2.2 or later", what);
        case GPG_ERR_INV_VALUE:
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "%s: %s", what, gpgme_strerror(e));
        default:
                break;
        }
        /* fd-backed data: GPGME itself read the file or wrote the output */
        if ((oc->in_fd >= 0 || oc->out_fd) && gpgme_err_code_to_errno(c) != 0)
                return sg_error_set(err, SG_ERR_IO, "%s: cannot read the input or write the output: %s", what,
                                    gpgme_strerror(e));
        /* What is left: broken or cut-off data. */
        if (oc->packets_seen || oc->began_decryption)
                switch (c) {
                case GPG_ERR_BAD_DATA:
                case GPG_ERR_INV_PACKET:
                case GPG_ERR_TRUNCATED:
                case GPG_ERR_EOF:
                case GPG_ERR_NO_DATA:
                case GPG_ERR_INV_ARMOR:
                case GPG_ERR_DECRYPT_FAILED:
                        return sg_error_set(err, SG_ERR_TRUNCATED,
                                            "%s: the OpenPGP data is cut off or damaged (%s): get the whole message "
                                            "again",
                                            what, gpgme_strerror(e));
                default:
                        break;
                }
        if (c == GPG_ERR_BAD_DATA || c == GPG_ERR_INV_PACKET || c == GPG_ERR_INV_ARMOR)
                return sg_error_set(err, SG_ERR_NOT_PGP, "%s: the input is not OpenPGP data (%s)", what,
                                    gpgme_strerror(e));
        if (c == GPG_ERR_DECRYPT_FAILED)
                return sg_error_set(err, SG_ERR_DECRYPT_FAILED, "%s: the message cannot be decrypted", what);
        return sg_error_set(err, SG_ERR_INTERNAL, "%s: gpg failed: %s (%s)", what, gpgme_strerror(e),
                            gpgme_strsource(e));
}

/* ---- Callbacks: passphrase, status lines, data. */

static gpgme_error_t passphrase_cb(void *hook, const char *uid_hint, const char *info, int prev_was_bad, int fd) {
        (void) uid_hint;
        (void) info;
        opctx *oc = hook;
        if (prev_was_bad || oc->pass_calls++ > 0) {
                oc->pass_wrong = true;
                return gpg_error(GPG_ERR_BAD_PASSPHRASE);
        }
        const char *p = oc->kr ? oc->kr->passphrase : NULL;
        if (!p) {
                oc->pass_none = true;
                return gpg_error(GPG_ERR_NO_PASSPHRASE);
        }
        size_t n = strnlen(p, SG_PGP_PASSPHRASE_MAX + 1);
        if (n > SG_PGP_PASSPHRASE_MAX || memchr(p, '\n', n))
                return gpg_error(GPG_ERR_INV_PASSPHRASE);
        if (gpgme_io_writen(fd, p, n) != 0 || gpgme_io_writen(fd, "\n", 1) != 0)
                return gpg_error_from_syserror();
        return 0;
}

static gpgme_error_t status_cb(void *hook, const char *keyword, const char *args) {
        opctx *oc = hook;
        if (strcmp(keyword, "BEGIN_DECRYPTION") == 0) {
                oc->began_decryption = true;
        } else if (strcmp(keyword, "DECRYPTION_INFO") == 0) {
                /* DECRYPTION_INFO <mdc_method> <sym_algo> [<aead_algo>] */
                unsigned mdc = 0, sym = 0, aead = 0;
                oc->info_seen = true;
                oc->integrity = sscanf(args ? args : "", "%u %u %u", &mdc, &sym, &aead) >= 2 && (mdc || aead);
        } else if (strcmp(keyword, "ERROR") == 0 && args && strncmp(args, "nomdc_with_legacy_cipher", 24) == 0) {
                oc->nomdc_error = true;
        } else if (strcmp(keyword, "BADMDC") == 0) {
                oc->bad_mdc = true;
        } else if (strcmp(keyword, "NODATA") == 0) {
                oc->nodata = true;
        } else if (strcmp(keyword, "ENC_TO") == 0 || strcmp(keyword, "NEED_PASSPHRASE_SYM") == 0) {
                oc->packets_seen = oc->enc_seen = true;
        } else if (strcmp(keyword, "NEWSIG") == 0 || strcmp(keyword, "ERRSIG") == 0 || strcmp(keyword, "BADSIG") == 0 ||
                   strcmp(keyword, "GOODSIG") == 0) {
                oc->packets_seen = oc->sig_seen = true;
        } else if (strcmp(keyword, "PLAINTEXT") == 0) {
                oc->packets_seen = true;
        }
        return 0;
}

static ssize_t src_read(void *hook, void *buf, size_t n) {
        opctx *oc = hook;
        if (oc->max_input && oc->read_total >= oc->max_input) {
                /* one byte more tells "exactly the limit" from "over it" */
                char c;
                ptrdiff_t k = oc->src->read(oc->src->ctx, &c, 1);
                if (k == 0)
                        return 0;
                oc->over_limit = k > 0;
                oc->read_error = k < 0;
                errno = EFBIG;
                return -1;
        }
        if (oc->max_input && n > oc->max_input - oc->read_total)
                n = oc->max_input - oc->read_total;
        ptrdiff_t k = oc->src->read(oc->src->ctx, buf, n);
        if (k < 0) {
                oc->read_error = true;
                errno = EIO;
                return -1;
        }
        oc->read_total += (size_t) k;
        if (k > 0 && oc->tee && oc->tee->write(oc->tee->ctx, buf, (size_t) k) < 0) {
                oc->tee_error = true;
                errno = EIO;
                return -1;
        }
        return (ssize_t) k;
}

static off_t src_seek(void *hook, off_t offset, int whence) {
        opctx *oc = hook;
        if (offset == 0 && whence == SEEK_SET && oc->read_total == 0)
                return 0;
        errno = EOPNOTSUPP;
        return -1;
}

static ssize_t sink_write(void *hook, const void *buf, size_t n) {
        opctx *oc = hook;
        if (oc->hold) {
                if (oc->info_seen && !oc->integrity) { /* refused: drop it all */
                        errno = EIO;
                        return -1;
                }
                if (!oc->info_seen) {
                        if (n > SG_PGP_HOLD_MAX - oc->n_held) {
                                oc->hold_over = true;
                                errno = EIO;
                                return -1;
                        }
                        unsigned char *h = realloc(oc->held, oc->n_held + n);
                        if (!h) {
                                oc->write_error = true;
                                errno = ENOMEM;
                                return -1;
                        }
                        memcpy(h + oc->n_held, buf, n);
                        oc->held = h;
                        oc->n_held += n;
                        return (ssize_t) n;
                }
                /* integrity known: what was held goes first */
                oc->hold = false;
                bool ok = oc->n_held == 0 || oc->out->write(oc->out->ctx, oc->held, oc->n_held) == 0;
                free(oc->held);
                oc->held = NULL;
                oc->n_held = 0;
                if (!ok) {
                        oc->write_error = true;
                        errno = EIO;
                        return -1;
                }
        }
        if (oc->out->write(oc->out->ctx, buf, n) < 0) {
                oc->write_error = true;
                errno = EIO;
                return -1;
        }
        return (ssize_t) n;
}

static struct gpgme_data_cbs source_cbs = {.read = src_read, .seek = src_seek};
static struct gpgme_data_cbs sink_cbs = {.write = sink_write};

/* A context on the keyring of `kr`; loopback pinentry, no network. */
static sg_err new_ctx(const sg_pgp_keyring *kr, opctx *oc, gpgme_ctx_t *ret, sg_error *err) {
        if (!sg_pgp_gpgme_ready())
                return sg_error_set(err, SG_ERR_INTERNAL, "GPGME or gpg cannot be used: install GnuPG 2.2 or later");
        gpgme_ctx_t ctx;
        gpgme_error_t e = gpgme_new(&ctx);
        if (e)
                return map_error(e, oc, "GPGME", err);
        e = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
        if (!e && kr && kr->homedir)
                e = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, kr->homedir);
        if (!e)
                e = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
        if (!e)
                e = gpgme_set_ctx_flag(ctx, "full-status", "1");
        if (e) {
                gpgme_release(ctx);
                return map_error(e, oc, "GPGME", err);
        }
        gpgme_set_offline(ctx, 1);
        gpgme_set_passphrase_cb(ctx, passphrase_cb, oc);
        gpgme_set_status_cb(ctx, status_cb, oc);
        *ret = ctx;
        return SG_OK;
}

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

typedef enum want { WANT_ENCRYPT, WANT_SIGN } want;

static bool subkey_fit(gpgme_subkey_t sk, want w, bool secret) {
        if (sk->expired || sk->revoked || sk->disabled || sk->invalid)
                return false;
        if (secret && !sk->secret)
                return false;
        return w == WANT_ENCRYPT ? sk->can_encrypt : sk->can_sign;
}

/* The best key for `who` (address or fingerprint): usable for `w`, else the
 * reason none is. Owned key (gpgme_key_unref). */
static sg_err find_key(gpgme_ctx_t ctx, opctx *oc, const char *who, want w, bool always_trust, gpgme_key_t *ret,
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
                return map_error(e, oc, "key lookup", err);
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
static bool fill_signer(gpgme_ctx_t kctx, gpgme_signature_t sig, const char *from, sg_pgp_signer *s) {
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
        gpgme_key_t key = NULL;
        if (sig->fpr && gpgme_get_key(kctx, sig->fpr, &key, 0) != 0)
                key = NULL;
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

static sg_err build_result(const sg_pgp_keyring *kr, gpgme_verify_result_t vr, const char *from,
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
        sg_err rc = new_ctx(kr, &oc, &kctx, err);
        if (rc != SG_OK) {
                sg_pgp_verify_result_free(r);
                return rc;
        }
        gpgme_set_keylist_mode(kctx, GPGME_KEYLIST_MODE_LOCAL);
        r->valid = n > 0;
        for (gpgme_signature_t s = vr ? vr->signatures : NULL; s; s = s->next) {
                sg_pgp_signer *g = &r->signers[r->n_signers++];
                if (!fill_signer(kctx, s, from, g)) {
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

/* ---- Data objects over sources and sinks. */

/* GPGME moves callback data in 4 KiB pieces by default, one trip through its
 * event loop each: four to five times slower than gpg on a large message. */
#define IO_BUFFER "262144"

static sg_err data_new(opctx *oc, struct gpgme_data_cbs *cbs, gpgme_data_t *ret, sg_error *err) {
        gpgme_error_t e = gpgme_data_new_from_cbs(ret, cbs, oc);
        if (!e && (e = gpgme_data_set_flag(*ret, "io-buffer-size", IO_BUFFER)) != 0) {
                gpgme_data_release(*ret);
                *ret = NULL;
        }
        return e ? map_error(e, oc, "GPGME", err) : SG_OK;
}

/* A plain file whose remaining size is within the limit goes to GPGME as
 * fd-backed data: GPGME reads or writes it itself, in IO_BUFFER pieces, and
 * no byte passes through the source and sink callbacks. GPGME 1.18 still
 * pipes it to gpg (engine-gpg.c makes a pipe for every data object). A file
 * over the limit is refused before gpg runs; one that grows meanwhile is
 * caught by the offset check in input_over_limit(). */
static int input_fd(opctx *oc, sg_source *in, size_t max) {
        int fd = sg_source_get_fd(in);
        struct stat st;
        if (fd < 0 || oc->tee || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
                return -1;
        off_t at = lseek(fd, 0, SEEK_CUR);
        if (at < 0)
                return -1;
        oc->in_fd = fd;
        oc->in_start = at;
        if (max && st.st_size > at && (uintmax_t) (st.st_size - at) > max)
                oc->over_limit = true;
        return fd;
}

static bool input_over_limit(opctx *oc) {
        if (oc->in_fd < 0 || !oc->max_input || oc->over_limit)
                return oc->over_limit;
        off_t at = lseek(oc->in_fd, 0, SEEK_CUR);
        oc->over_limit = at < 0 || (uintmax_t) (at - oc->in_start) > oc->max_input;
        return oc->over_limit;
}

static sg_err data_fd(opctx *oc, int fd, gpgme_data_t *ret, sg_error *err) {
        gpgme_error_t e = gpgme_data_new_from_fd(ret, fd);
        if (!e && (e = gpgme_data_set_flag(*ret, "io-buffer-size", IO_BUFFER)) != 0) {
                gpgme_data_release(*ret);
                *ret = NULL;
        }
        return e ? map_error(e, oc, "GPGME", err) : SG_OK;
}

static sg_err data_in(opctx *oc, sg_source *in, size_t max, gpgme_data_t *ret, sg_error *err) {
        oc->src = in;
        oc->max_input = max;
        oc->in_fd = -1;
        int fd = input_fd(oc, in, max);
        if (oc->over_limit)
                return sg_error_set(err, SG_ERR_LIMIT, "the input is larger than %zu bytes", max);
        return fd >= 0 ? data_fd(oc, fd, ret, err) : data_new(oc, &source_cbs, ret, err);
}

static sg_err data_out(opctx *oc, sg_sink *out, gpgme_data_t *ret, sg_error *err) {
        oc->out = out;
        int fd = sg_sink_get_fd(out);
        oc->out_fd = fd >= 0;
        return fd >= 0 ? data_fd(oc, fd, ret, err) : data_new(oc, &sink_cbs, ret, err);
}

/* ---- The event loop of the bulk operations.
 *
 * GPGME 1.18 moves every data object through a pipe to or from gpg (a file
 * descriptor is not passed through), 64 KiB at a time by default: gpg writes
 * 4 KiB pieces and each filled pipe is a trip through both processes'
 * schedulers. Running the operation on our own loop (gpgme_set_io_cbs) hands
 * us GPGME's pipes, which are then enlarged to PIPE_SIZE (F_SETPIPE_SZ, Linux;
 * elsewhere, or over the system's limit, they stay as they are). */

#define PIPE_SIZE (1 << 20)
#define LOOP_FDS  16

typedef struct io_reg {
        int fd, dir; /* dir 1: GPGME reads from gpg, 0: writes to it */
        gpgme_io_cb_t fnc;
        void *fnc_data;
        bool used;
} io_reg;

typedef struct io_loop {
        io_reg regs[LOOP_FDS];
        bool done;
        gpgme_error_t err;
} io_loop;

static gpgme_error_t loop_add(void *data, int fd, int dir, gpgme_io_cb_t fnc, void *fnc_data, void **r_tag) {
        io_loop *l = data;
        for (size_t i = 0; i < LOOP_FDS; i++)
                if (!l->regs[i].used) {
                        l->regs[i] = (io_reg){.fd = fd, .dir = dir, .fnc = fnc, .fnc_data = fnc_data, .used = true};
#ifdef F_SETPIPE_SZ
                        (void) fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
#endif
                        *r_tag = &l->regs[i];
                        return 0;
                }
        return gpg_error(GPG_ERR_GENERAL);
}

static void loop_remove(void *tag) {
        ((io_reg *) tag)->used = false;
}

static void loop_event(void *data, gpgme_event_io_t type, void *type_data) {
        io_loop *l = data;
        if (type == GPGME_EVENT_DONE) {
                gpgme_io_event_done_data_t d = type_data;
                l->done = true;
                l->err = d ? (d->err ? d->err : d->op_err) : 0;
        }
}

static void loop_attach(gpgme_ctx_t ctx, io_loop *l) {
        memset(l, 0, sizeof *l);
        struct gpgme_io_cbs cbs = {
                .add = loop_add, .add_priv = l, .remove = loop_remove, .event = loop_event, .event_priv = l};
        gpgme_set_io_cbs(ctx, &cbs);
}

/* Runs the operation `start` began to its end: its error, as the
 * synchronous call would have returned it. */
static gpgme_error_t loop_run(gpgme_ctx_t ctx, io_loop *l, gpgme_error_t start) {
        if (start)
                return start;
        while (!l->done) {
                struct pollfd p[LOOP_FDS];
                io_reg *r[LOOP_FDS];
                nfds_t n = 0;
                for (size_t i = 0; i < LOOP_FDS; i++)
                        if (l->regs[i].used) {
                                r[n] = &l->regs[i];
                                p[n] = (struct pollfd){.fd = l->regs[i].fd,
                                                       .events = l->regs[i].dir ? POLLIN : POLLOUT};
                                n++;
                        }
                if (n == 0)
                        break; /* GPGME sends DONE when the last fd goes; not reached */
                if (poll(p, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        gpgme_error_t e = gpg_error_from_syserror();
                        gpgme_cancel(ctx);
                        return e;
                }
                for (nfds_t i = 0; i < n && !l->done; i++)
                        if (p[i].revents && r[i]->used && r[i]->fd == p[i].fd)
                                (void) r[i]->fnc(r[i]->fnc_data, r[i]->fd);
        }
        return l->done ? l->err : gpg_error(GPG_ERR_GENERAL);
}

/* ---- encrypt */

static sg_err pgp_encrypt(const sg_pgp_keyring *kr, const char *const *recipients, size_t n_recipients,
                          const char *signer, unsigned flags, sg_source *in, sg_sink *out, sg_error *err) {
        if (n_recipients == 0 || !recipients || !in || !out)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "encrypt needs at least one recipient");
        if (n_recipients > SG_PGP_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d recipients", SG_PGP_RECIPIENTS_MAX);
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        gpgme_key_t *keys = calloc(n_recipients + 1, sizeof *keys);
        gpgme_data_t din = NULL, dout = NULL;
        if (!keys)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; r == SG_OK && i < n_recipients; i++)
                r = find_key(ctx, &oc, recipients[i], WANT_ENCRYPT, flags & SG_PGP_ALWAYS_TRUST, &keys[i], err);
        if (r == SG_OK && signer) {
                gpgme_key_t sk;
                r = find_key(ctx, &oc, signer, WANT_SIGN, true, &sk, err);
                if (r == SG_OK) {
                        gpgme_error_t e = gpgme_signers_add(ctx, sk);
                        gpgme_key_unref(sk);
                        if (e)
                                r = map_error(e, &oc, "sign", err);
                }
        }
        if (r == SG_OK)
                r = data_in(&oc, in, 0, &din, err);
        if (r == SG_OK)
                r = data_out(&oc, out, &dout, err);
        if (r == SG_OK) {
                gpgme_set_armor(ctx, (flags & SG_PGP_ARMOR) != 0);
                gpgme_encrypt_flags_t ef = GPGME_ENCRYPT_NO_COMPRESS;
                if (flags & SG_PGP_ALWAYS_TRUST)
                        ef |= GPGME_ENCRYPT_ALWAYS_TRUST;
                io_loop l;
                loop_attach(ctx, &l);
                gpgme_error_t e = loop_run(ctx, &l,
                                           signer ? gpgme_op_encrypt_sign_start(ctx, keys, ef, din, dout)
                                                  : gpgme_op_encrypt_start(ctx, keys, ef, din, dout));
                gpgme_encrypt_result_t er = gpgme_op_encrypt_result(ctx);
                if (!e && er && er->invalid_recipients)
                        e = er->invalid_recipients->reason ? er->invalid_recipients->reason
                                                           : gpg_error(GPG_ERR_UNUSABLE_PUBKEY);
                if (!e && signer) {
                        gpgme_sign_result_t sr = gpgme_op_sign_result(ctx);
                        if (sr && sr->invalid_signers)
                                e = sr->invalid_signers->reason ? sr->invalid_signers->reason
                                                                : gpg_error(GPG_ERR_UNUSABLE_SECKEY);
                }
                if (e || oc.read_error || oc.write_error)
                        r = map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "encrypt", err);
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        for (size_t i = 0; keys && i < n_recipients; i++)
                if (keys[i])
                        gpgme_key_unref(keys[i]);
        free(keys);
        gpgme_release(ctx);
        return r;
}

/* ---- decrypt */

static sg_err pgp_decrypt(const sg_pgp_keyring *kr, size_t max_input, const char *from, sg_source *in, sg_sink *out,
                          sg_pgp_verify_result **ret_result, sg_error *err) {
        if (ret_result)
                *ret_result = NULL;
        if (!in || !out)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "decrypt needs an input and an output");
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        gpgme_data_t din = NULL, dout = NULL;
        r = data_in(&oc, in, max_input ? max_input : SG_PGP_DECRYPT_MAX, &din, err);
        if (r == SG_OK)
                r = data_out(&oc, out, &dout, err);
        oc.hold = !oc.out_fd; /* a file output is discarded by its owner on failure */
        if (r == SG_OK) {
                io_loop l;
                loop_attach(ctx, &l);
                gpgme_error_t e = loop_run(ctx, &l, gpgme_op_decrypt_ext_start(ctx, GPGME_DECRYPT_VERIFY, din, dout));
                /* a short message can end before its first write saw DECRYPTION_INFO */
                if (oc.hold && oc.n_held && oc.info_seen && oc.integrity && !oc.write_error) {
                        oc.hold = false;
                        if (out->write(out->ctx, oc.held, oc.n_held) < 0)
                                oc.write_error = true;
                }
                gpgme_decrypt_result_t dr = gpgme_op_decrypt_result(ctx);
                input_over_limit(&oc);
                if (dr && dr->legacy_cipher_nomdc)
                        oc.nomdc_error = true;
                if (!e && dr && dr->unsupported_algorithm)
                        e = gpg_error(GPG_ERR_UNSUPPORTED_ALGORITHM);
                if (!oc.enc_seen && !oc.began_decryption && oc.sig_seen && !oc.read_error && !oc.over_limit) {
                        /* gpg --decrypt also passes signed-only data through */
                        r = sg_error_set(err, SG_ERR_NOT_PGP,
                                         "decrypt: the OpenPGP message is signed, not encrypted: verify it instead");
                } else if (oc.hold_over && !oc.nomdc_error && (!oc.info_seen || oc.integrity)) {
                        r = sg_error_set(err, SG_ERR_NO_INTEGRITY,
                                         "decrypt: gpg did not say whether the message has integrity protection "
                                         "before %zu bytes of its content: refused",
                                         (size_t) SG_PGP_HOLD_MAX);
                } else if (e || oc.read_error || oc.write_error || oc.over_limit || oc.nomdc_error ||
                           (oc.info_seen && !oc.integrity)) {
                        r = map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "decrypt", err);
                } else if (!oc.began_decryption || !oc.info_seen) {
                        /* gpg --decrypt also passes signed-only data through */
                        r = sg_error_set(err, SG_ERR_NOT_PGP,
                                         "decrypt: the OpenPGP message is not encrypted (only signed?): verify it "
                                         "instead");
                } else if (ret_result) {
                        gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);
                        if (vr && vr->signatures)
                                r = build_result(kr, vr, from, ret_result, err);
                }
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        gpgme_release(ctx);
        free(oc.held);
        if (r != SG_OK && ret_result)
                *ret_result = sg_pgp_verify_result_free(*ret_result);
        return r;
}

/* ---- sign */

static sg_err pgp_sign(const sg_pgp_keyring *kr, const char *signer, unsigned flags, sg_source *in,
                       sg_sink *content_out, sg_sink *sig_out, const char **ret_digest, sg_error *err) {
        if (!in || !sig_out)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sign needs an input and an output");
        opctx oc = {.kr = kr, .tee = content_out, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        if (signer) {
                gpgme_key_t sk;
                r = find_key(ctx, &oc, signer, WANT_SIGN, true, &sk, err);
                if (r == SG_OK) {
                        gpgme_error_t e = gpgme_signers_add(ctx, sk);
                        gpgme_key_unref(sk);
                        if (e)
                                r = map_error(e, &oc, "sign", err);
                }
        }
        gpgme_data_t din = NULL, dout = NULL;
        if (r == SG_OK)
                r = data_in(&oc, in, 0, &din, err);
        if (r == SG_OK)
                r = data_out(&oc, sig_out, &dout, err);
        if (r == SG_OK) {
                gpgme_set_armor(ctx, (flags & SG_PGP_ARMOR) != 0);
                gpgme_set_textmode(ctx, 0);
                io_loop l;
                loop_attach(ctx, &l);
                gpgme_error_t e = loop_run(ctx, &l, gpgme_op_sign_start(ctx, din, dout, GPGME_SIG_MODE_DETACH));
                gpgme_sign_result_t sr = gpgme_op_sign_result(ctx);
                if (!e && sr && sr->invalid_signers)
                        e = sr->invalid_signers->reason ? sr->invalid_signers->reason
                                                        : gpg_error(GPG_ERR_UNUSABLE_SECKEY);
                if (!e && (!sr || !sr->signatures))
                        e = gpg_error(GPG_ERR_NO_SECKEY);
                if (e || oc.read_error || oc.write_error || oc.tee_error)
                        r = map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "sign", err);
                else if (ret_digest) {
                        static const struct {
                                gpgme_hash_algo_t a;
                                const char *name;
                        } names[] = {{GPGME_MD_SHA256, "sha256"},
                                     {GPGME_MD_SHA384, "sha384"},
                                     {GPGME_MD_SHA512, "sha512"},
                                     {GPGME_MD_SHA224, "sha224"},
                                     {GPGME_MD_SHA1, "sha1"}};
                        *ret_digest = "unknown";
                        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                                if (names[i].a == sr->signatures->hash_algo)
                                        *ret_digest = names[i].name;
                }
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        gpgme_release(ctx);
        return r;
}

/* ---- verify */

static sg_err pgp_verify(const sg_pgp_keyring *kr, const void *sig, size_t sig_len, sg_source *content,
                         const char *from, sg_pgp_verify_result **ret_result, sg_error *err) {
        if (!sig || !content || !ret_result)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "verify needs a signature and the content");
        if (sig_len > SG_PGP_SIGNATURE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the signature is larger than %d bytes", SG_PGP_SIGNATURE_MAX);
        if (sig_len == 0)
                return sg_error_set(err, SG_ERR_NOT_PGP, "the signature is empty: give an OpenPGP signature");
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        gpgme_data_t dsig = NULL, dcontent = NULL;
        gpgme_error_t e = gpgme_data_new_from_mem(&dsig, sig, sig_len, 0);
        if (e)
                r = map_error(e, &oc, "verify", err);
        if (r == SG_OK)
                r = data_in(&oc, content, 0, &dcontent, err);
        if (r == SG_OK) {
                io_loop l;
                loop_attach(ctx, &l);
                e = loop_run(ctx, &l, gpgme_op_verify_start(ctx, dsig, dcontent, NULL));
                gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);
                if (e || oc.read_error)
                        r = map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "verify", err);
                else if (!vr || !vr->signatures)
                        r = sg_error_set(err, SG_ERR_NOT_PGP, "verify: no OpenPGP signature found");
                else
                        r = build_result(kr, vr, from, ret_result, err);
        }
        gpgme_data_release(dsig);
        gpgme_data_release(dcontent);
        gpgme_release(ctx);
        return r;
}

static sg_err copy_file(FILE *f, sg_sink *out, sg_error *err) {
        char *buf = malloc(CHUNK);
        if (!buf)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_err r = SG_OK;
        rewind(f);
        size_t k;
        while ((k = fread(buf, 1, CHUNK, f)) > 0)
                if (out->write(out->ctx, buf, k) < 0) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                        break;
                }
        if (r == SG_OK && ferror(f))
                r = sg_error_set(err, SG_ERR_IO, "cannot read a temporary file");
        free(buf);
        return r;
}

static int file_write(void *ctx, const void *buf, size_t n) {
        return fwrite(buf, 1, n, ctx) == n ? 0 : -1;
}

static int discard_write(void *ctx, const void *buf, size_t n) {
        (void) ctx;
        (void) buf;
        (void) n;
        return 0;
}

static sg_err pgp_verify_opaque(const sg_pgp_keyring *kr, sg_source *in, const char *from, sg_sink *content_out,
                                sg_pgp_verify_result **ret_result, sg_error *err) {
        if (!in || !ret_result)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "verify needs an input");
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        FILE *tf = content_out ? tmpfile() : NULL;
        sg_sink ts = {.write = file_write, .ctx = tf};
        sg_sink discard_sink = {.write = discard_write};
        gpgme_data_t din = NULL, dout = NULL;
        if (content_out && !tf)
                r = sg_error_set(err, SG_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
        if (r == SG_OK)
                r = data_in(&oc, in, SG_PGP_OPAQUE_MAX, &din, err);
        if (r == SG_OK)
                r = data_out(&oc, tf ? &ts : &discard_sink, &dout, err);
        sg_pgp_verify_result *res = NULL;
        if (r == SG_OK) {
                io_loop l;
                loop_attach(ctx, &l);
                gpgme_error_t e = loop_run(ctx, &l, gpgme_op_verify_start(ctx, din, NULL, dout));
                gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);
                input_over_limit(&oc);
                if (e || oc.read_error || oc.over_limit || oc.write_error)
                        r = map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "verify", err);
                else if (!vr || !vr->signatures)
                        r = sg_error_set(err, SG_ERR_NOT_PGP, "verify: no OpenPGP signature found");
                else
                        r = build_result(kr, vr, from, &res, err);
                if (r != SG_OK && oc.enc_seen && !oc.sig_seen)
                        r = sg_error_set(err, SG_ERR_NOT_PGP,
                                         "verify: the OpenPGP message is encrypted: decrypt it first");
        }
        if (r == SG_OK && res->valid && tf && (fflush(tf) != 0 || (r = copy_file(tf, content_out, err)) != SG_OK)) {
                if (r == SG_OK)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write a temporary file");
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        gpgme_release(ctx);
        if (tf)
                fclose(tf);
        if (r != SG_OK) {
                sg_pgp_verify_result_free(res);
                return r;
        }
        *ret_result = res;
        return SG_OK;
}

static const sg_pgp_ops gpgme_ops = {
        .name = "gpgme",
        .encrypt = pgp_encrypt,
        .decrypt = pgp_decrypt,
        .sign = pgp_sign,
        .verify = pgp_verify,
        .verify_opaque = pgp_verify_opaque,
};

const sg_pgp_ops *sg_pgp_gpgme(void) {
        return &gpgme_ops;
}
