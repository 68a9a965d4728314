/* sealgate: Thunderbird's own OpenPGP readiness (tbkeys.h): pubring.gpg read
 * into memory and parsed by librnp (the library Thunderbird itself uses, so
 * validity, expiry, revocation and key usage are judged by the same code),
 * and the acceptance tables of openpgp.sqlite read through a read-only
 * SQLite connection. No key material is written anywhere. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>
#include <sqlite3.h>

#include "sealgate/keys.h"
#include "sealgate/tbkeys.h"

#define PATH_MAX_TB 4096

typedef struct uid_entry {
        char *email; /* lower case */
        size_t key;  /* index into keys */
        bool valid;  /* neither revoked nor invalid */
} uid_entry;

typedef struct key_entry {
        char *fpr; /* lower-case hex, as openpgp.sqlite keeps it */
        sg_key_status status;
        int64_t expires;
        const char *why; /* static reason when not usable */
} key_entry;

typedef struct accept_entry {
        char *fpr;   /* lower case */
        char *email; /* lower case; NULL: a decision row */
        char *decision;
} accept_entry;

struct sg_tbkeys {
        key_entry *keys;
        size_t n_keys;
        uid_entry *uids;
        size_t n_uids, cap_uids;
        accept_entry *acc;
        size_t n_acc, cap_acc;
};

static void lower(char *s) {
        for (; s && *s; s++)
                *s = (char) tolower((unsigned char) *s);
}

sg_tbkeys *sg_tbkeys_free(sg_tbkeys *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_keys; i++)
                free(t->keys[i].fpr);
        for (size_t i = 0; i < t->n_uids; i++)
                free(t->uids[i].email);
        for (size_t i = 0; i < t->n_acc; i++) {
                free(t->acc[i].fpr);
                free(t->acc[i].email);
                free(t->acc[i].decision);
        }
        free(t->keys);
        free(t->uids);
        free(t->acc);
        free(t);
        return NULL;
}

size_t sg_tbkeys_count(const sg_tbkeys *t) {
        return t ? t->n_keys : 0;
}

/* ---- pubring.gpg */

/* The whole file into *ret (owned); a missing file is SG_OK with *ret NULL. */
static sg_err read_file(const char *path, size_t max, unsigned char **ret, size_t *ret_len, sg_error *err) {
        *ret = NULL;
        *ret_len = 0;
        FILE *fp = fopen(path, "rb");
        if (!fp) {
                if (errno == ENOENT)
                        return SG_OK;
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        }
        struct stat st;
        if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
                fclose(fp);
                return sg_error_set(err, SG_ERR_IO, "%s is not a regular file", path);
        }
        if ((unsigned long long) st.st_size > max) {
                fclose(fp);
                return sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %zu bytes", path, max);
        }
        /* one byte more than the limit tells a file that grew in between */
        unsigned char *buf = malloc((size_t) st.st_size + 1);
        if (!buf) {
                fclose(fp);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        size_t n = fread(buf, 1, (size_t) st.st_size + 1, fp);
        bool bad = ferror(fp);
        fclose(fp);
        if (bad) {
                free(buf);
                return sg_error_set(err, SG_ERR_IO, "cannot read %s", path);
        }
        if (n > max) {
                free(buf);
                return sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %zu bytes", path, max);
        }
        *ret = buf;
        *ret_len = n;
        return SG_OK;
}

/* The address in a user id: between the last <...>, else the whole of it
 * when it looks like an address; owned, lower case; NULL when none. */
static char *uid_email(const char *uid) {
        const char *lt = strrchr(uid, '<'), *gt = lt ? strchr(lt, '>') : NULL;
        const char *s = uid;
        size_t n = strlen(uid);
        if (lt && gt) {
                s = lt + 1;
                n = (size_t) (gt - s);
        }
        if (n == 0 || n > SG_KEYS_ADDRESS_MAX || !memchr(s, '@', n))
                return NULL;
        char *e = strndup(s, n);
        lower(e);
        return e;
}

/* `rnp_*(h, &b) == RNP_SUCCESS && b`: the call is sequenced before the read. */
#define RNP_TRUE(call, b) ((call) == RNP_SUCCESS && (b))

/* A usable encryption key: the primary or a subkey, valid, not revoked or
 * expired, and allowed to encrypt. */
static bool can_encrypt(rnp_key_handle_t k) {
        bool b = false;
        if (!RNP_TRUE(rnp_key_is_valid(k, &b), b))
                return false;
        if (RNP_TRUE(rnp_key_is_revoked(k, &b), b) || RNP_TRUE(rnp_key_is_expired(k, &b), b))
                return false;
        return RNP_TRUE(rnp_key_allows_usage(k, "encrypt", &b), b);
}

static void key_judge(rnp_key_handle_t k, key_entry *e) {
        bool b = false;
        uint64_t till = 0;
        e->status = SG_KEY_USABLE;
        if (rnp_key_valid_till64(k, &till) == RNP_SUCCESS && till != UINT64_MAX && till != 0)
                e->expires = (int64_t) till;
        if (RNP_TRUE(rnp_key_is_revoked(k, &b), b)) {
                e->status = SG_KEY_REVOKED;
                e->why = "the key is revoked";
                return;
        }
        if (RNP_TRUE(rnp_key_is_expired(k, &b), b)) {
                e->status = SG_KEY_EXPIRED;
                e->why = "the key has expired";
                return;
        }
        if (!RNP_TRUE(rnp_key_is_valid(k, &b), b)) {
                e->status = SG_KEY_INVALID;
                e->why = "the key is not valid (no valid self-signature)";
                return;
        }
        if (can_encrypt(k))
                return;
        size_t n = 0;
        if (rnp_key_get_subkey_count(k, &n) == RNP_SUCCESS)
                for (size_t i = 0; i < n; i++) {
                        rnp_key_handle_t sub = NULL;
                        if (rnp_key_get_subkey_at(k, i, &sub) != RNP_SUCCESS)
                                continue;
                        bool ok = can_encrypt(sub);
                        rnp_key_handle_destroy(sub);
                        if (ok)
                                return;
                }
        e->status = SG_KEY_WRONG_USAGE;
        e->why = "no valid encryption subkey (expired, revoked or missing)";
}

static sg_err add_uid(sg_tbkeys *t, char *email, size_t key, bool valid, sg_error *err) {
        if (t->n_uids == t->cap_uids) {
                size_t cap = t->cap_uids ? t->cap_uids * 2 : 64;
                uid_entry *u = realloc(t->uids, cap * sizeof *u);
                if (!u) {
                        free(email);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                t->uids = u;
                t->cap_uids = cap;
        }
        t->uids[t->n_uids++] = (uid_entry){.email = email, .key = key, .valid = valid};
        return SG_OK;
}

static sg_err key_add(sg_tbkeys *t, rnp_key_handle_t k, sg_error *err) {
        key_entry *e = &t->keys[t->n_keys];
        char *fpr = NULL;
        if (rnp_key_get_fprint(k, &fpr) != RNP_SUCCESS || !fpr)
                return SG_OK; /* not a key we can name: Thunderbird cannot use it either */
        *e = (key_entry){.fpr = strdup(fpr)};
        rnp_buffer_destroy(fpr);
        if (!e->fpr)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        lower(e->fpr);
        key_judge(k, e);
        size_t idx = t->n_keys++;
        size_t n = 0;
        if (rnp_key_get_uid_count(k, &n) != RNP_SUCCESS)
                return SG_OK;
        for (size_t i = 0; i < n; i++) {
                rnp_uid_handle_t uh = NULL;
                char *text = NULL;
                if (rnp_key_get_uid_at(k, i, &text) != RNP_SUCCESS || !text)
                        continue;
                char *email = uid_email(text);
                rnp_buffer_destroy(text);
                if (!email)
                        continue;
                bool valid = false, revoked = false;
                if (rnp_key_get_uid_handle_at(k, i, &uh) == RNP_SUCCESS) {
                        if (rnp_uid_is_valid(uh, &valid) != RNP_SUCCESS)
                                valid = false;
                        if (rnp_uid_is_revoked(uh, &revoked) != RNP_SUCCESS)
                                revoked = true;
                        rnp_uid_handle_destroy(uh);
                }
                sg_err r = add_uid(t, email, idx, valid && !revoked, err);
                if (r != SG_OK)
                        return r;
        }
        return SG_OK;
}

static sg_err read_keyring(sg_tbkeys *t, const char *dir, sg_error *err) {
        char path[PATH_MAX_TB];
        if ((size_t) snprintf(path, sizeof path, "%s/pubring.gpg", dir) >= sizeof path)
                return sg_error_set(err, SG_ERR_LIMIT, "the profile path is too long");
        unsigned char *buf = NULL;
        size_t len = 0;
        sg_err r = read_file(path, SG_TBKEYS_KEYRING_MAX, &buf, &len, err);
        if (r != SG_OK || !buf)
                return r;
        rnp_ffi_t ffi = NULL;
        rnp_input_t in = NULL;
        rnp_identifier_iterator_t it = NULL;
        if (rnp_ffi_create(&ffi, "GPG", "GPG") != RNP_SUCCESS) {
                r = sg_error_set(err, SG_ERR_IO, "librnp cannot start");
                goto out;
        }
        if (len && (rnp_input_from_memory(&in, buf, len, false) != RNP_SUCCESS ||
                    rnp_load_keys(ffi, "GPG", in, RNP_LOAD_SAVE_PUBLIC_KEYS) != RNP_SUCCESS)) {
                r = sg_error_set(err, SG_ERR_IO, "%s: librnp cannot read the keyring", path);
                goto out;
        }
        size_t count = 0;
        if (rnp_get_public_key_count(ffi, &count) != RNP_SUCCESS)
                count = 0;
        /* count includes subkeys: a bound on the primaries */
        if (count > SG_TBKEYS_KEYS_MAX * 16) {
                r = sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d keys", path, SG_TBKEYS_KEYS_MAX);
                goto out;
        }
        if (count && !(t->keys = calloc(count, sizeof *t->keys))) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        if (count && rnp_identifier_iterator_create(ffi, &it, "fingerprint") != RNP_SUCCESS) {
                r = sg_error_set(err, SG_ERR_IO, "librnp cannot list the keyring");
                goto out;
        }
        const char *id = NULL;
        while (it && rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS && id) {
                rnp_key_handle_t k = NULL;
                bool primary = false;
                if (rnp_locate_key(ffi, "fingerprint", id, &k) != RNP_SUCCESS || !k)
                        continue;
                if (RNP_TRUE(rnp_key_is_primary(k, &primary), primary)) {
                        if (t->n_keys >= SG_TBKEYS_KEYS_MAX || t->n_keys >= count)
                                r = sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d keys", path, SG_TBKEYS_KEYS_MAX);
                        else
                                r = key_add(t, k, err);
                }
                rnp_key_handle_destroy(k);
                if (r != SG_OK)
                        goto out;
        }
out:
        rnp_identifier_iterator_destroy(it);
        rnp_input_destroy(in);
        rnp_ffi_destroy(ffi);
        free(buf);
        return r;
}

/* ---- openpgp.sqlite */

static sg_err add_acc(sg_tbkeys *t, const unsigned char *fpr, const unsigned char *email, const unsigned char *decision,
                      sg_error *err) {
        if (t->n_acc >= 2 * (size_t) SG_TBKEYS_ACCEPTANCE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "openpgp.sqlite: more than %d acceptance rows",
                                    SG_TBKEYS_ACCEPTANCE_MAX);
        if (t->n_acc == t->cap_acc) {
                size_t cap = t->cap_acc ? t->cap_acc * 2 : 64;
                accept_entry *a = realloc(t->acc, cap * sizeof *a);
                if (!a)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                t->acc = a;
                t->cap_acc = cap;
        }
        accept_entry *a = &t->acc[t->n_acc];
        *a = (accept_entry){.fpr = strdup((const char *) fpr)};
        if (email)
                a->email = strdup((const char *) email);
        if (decision)
                a->decision = strdup((const char *) decision);
        if (!a->fpr || (email && !a->email) || (decision && !a->decision)) {
                free(a->fpr);
                free(a->email);
                free(a->decision);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        lower(a->fpr);
        lower(a->email);
        t->n_acc++;
        return SG_OK;
}

static sg_err read_rows(sg_tbkeys *t, sqlite3 *db, const char *sql, bool emails, const char *path, sg_error *err) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
                sg_err r = sg_error_set(err, SG_ERR_IO, "%s: %s", path, sqlite3_errmsg(db));
                sqlite3_finalize(st);
                return r;
        }
        size_t rows = 0;
        int rc;
        sg_err r = SG_OK;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (++rows > SG_TBKEYS_ACCEPTANCE_MAX) {
                        r = sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d acceptance rows", path,
                                         SG_TBKEYS_ACCEPTANCE_MAX);
                        break;
                }
                const unsigned char *a = sqlite3_column_text(st, 0), *b = sqlite3_column_text(st, 1);
                if (!a || !b)
                        continue;
                r = add_acc(t, a, emails ? b : NULL, emails ? NULL : b, err);
                if (r != SG_OK)
                        break;
        }
        if (r == SG_OK && rc != SQLITE_DONE)
                r = sg_error_set(err, SG_ERR_IO, "%s: %s", path, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return r;
}

static sg_err read_acceptance(sg_tbkeys *t, const char *dir, sg_error *err) {
        char path[PATH_MAX_TB];
        if ((size_t) snprintf(path, sizeof path, "%s/openpgp.sqlite", dir) >= sizeof path)
                return sg_error_set(err, SG_ERR_LIMIT, "the profile path is too long");
        struct stat st;
        if (stat(path, &st) != 0)
                return errno == ENOENT ? SG_OK
                                       : sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        /* Read-only, never creating anything: a reader takes a shared lock
         * for the few statements below, and with a write-ahead log it does
         * not block Thunderbird's writer at all. */
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
                sg_err r = sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", path,
                                        db ? sqlite3_errmsg(db) : "out of memory");
                sqlite3_close(db);
                return r;
        }
        sqlite3_busy_timeout(db, SG_TBKEYS_BUSY_MS);
        sg_err r = read_rows(t, db, "SELECT fpr, decision FROM acceptance_decision", false, path, err);
        if (r == SG_OK)
                r = read_rows(t, db, "SELECT fpr, email FROM acceptance_email", true, path, err);
        sqlite3_close(db);
        return r;
}

sg_err sg_tbkeys_open(const char *profile_dir, sg_tbkeys **ret, sg_error *err) {
        if (!profile_dir || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no profile directory");
        sg_tbkeys *t = calloc(1, sizeof *t);
        if (!t)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_err r = read_keyring(t, profile_dir, err);
        if (r == SG_OK)
                r = read_acceptance(t, profile_dir, err);
        if (r != SG_OK) {
                sg_tbkeys_free(t);
                return r;
        }
        *ret = t;
        return SG_OK;
}

/* ---- the judgement */

static const char *decision_of(const sg_tbkeys *t, const char *fpr) {
        for (size_t i = 0; i < t->n_acc; i++)
                if (!t->acc[i].email && strcmp(t->acc[i].fpr, fpr) == 0)
                        return t->acc[i].decision;
        return NULL;
}

static bool email_accepted(const sg_tbkeys *t, const char *fpr, const char *email) {
        for (size_t i = 0; i < t->n_acc; i++)
                if (t->acc[i].email && strcmp(t->acc[i].fpr, fpr) == 0 && strcmp(t->acc[i].email, email) == 0)
                        return true;
        return false;
}

/* Lower is better: the finding a user can most likely act on. */
static int rank(sg_key_status s) {
        switch (s) {
        case SG_KEY_USABLE:
                return 0;
        case SG_KEY_NOT_ACCEPTED:
                return 1;
        case SG_KEY_EXPIRED:
                return 2;
        case SG_KEY_REVOKED:
                return 3;
        case SG_KEY_WRONG_USAGE:
                return 4;
        case SG_KEY_INVALID:
                return 5;
        default:
                return 6;
        }
}

sg_err sg_tbkeys_check(const sg_tbkeys *t, const char *address, sg_key_found *f, sg_error *err) {
        if (!t || !address || !f)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no keyring or address");
        *f = (sg_key_found){.status = SG_KEY_NONE};
        char email[SG_KEYS_ADDRESS_MAX + 1];
        size_t n = strlen(address);
        if (n > SG_KEYS_ADDRESS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "an address longer than %d bytes", SG_KEYS_ADDRESS_MAX);
        memcpy(email, address, n + 1);
        lower(email);
        const key_entry *best = NULL;
        sg_key_status best_status = SG_KEY_NONE;
        const char *best_acc = NULL, *best_why = NULL;
        for (size_t i = 0; i < t->n_uids; i++) {
                const uid_entry *u = &t->uids[i];
                if (strcmp(u->email, email) != 0)
                        continue;
                const key_entry *k = &t->keys[u->key];
                const char *d = decision_of(t, k->fpr);
                const char *acc = d ? d : "undecided";
                sg_key_status s = k->status;
                const char *why = k->why;
                if (s == SG_KEY_USABLE && !u->valid) {
                        s = SG_KEY_INVALID;
                        why = "the user id with this address is revoked or not valid";
                } else if (s == SG_KEY_USABLE && d && strcmp(d, "rejected") == 0) {
                        s = SG_KEY_NOT_ACCEPTED;
                        why = "the key is rejected in Thunderbird's Key Manager";
                } else if (s == SG_KEY_USABLE && d && strcmp(d, "personal") == 0) {
                        /* the user's own key: Thunderbird encrypts to it */
                } else if (s == SG_KEY_USABLE && !(d && (strcmp(d, "verified") == 0 || strcmp(d, "unverified") == 0) &&
                                                   email_accepted(t, k->fpr, email))) {
                        s = SG_KEY_NOT_ACCEPTED;
                        if (d && strcmp(d, "undecided") != 0)
                                acc = "undecided"; /* accepted, but not for this address */
                        why = "the key is not accepted for this address in Thunderbird's Key Manager";
                }
                if (!best || rank(s) < rank(best_status)) {
                        best = k;
                        best_status = s;
                        best_acc = acc;
                        best_why = why;
                }
        }
        f->method = strdup("thunderbird");
        if (!f->method)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (!best) {
                free(f->method);
                f->method = NULL;
                f->reason = strdup("no key in Thunderbird's keyring");
                f->fix = "import_key";
                return f->reason ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        f->status = best_status;
        f->fingerprint = strdup(best->fpr);
        f->expires = best->expires;
        static const char *const names[] = {"verified", "unverified", "personal", "undecided", "rejected"};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
                if (strcmp(best_acc, names[i]) == 0)
                        f->acceptance = names[i];
        if (!f->acceptance)
                f->acceptance = "undecided"; /* an unknown word: not accepted */
        if (best_why)
                f->reason = strdup(best_why);
        if (!f->fingerprint || (best_why && !f->reason))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        switch (best_status) {
        case SG_KEY_USABLE:
                break;
        case SG_KEY_NOT_ACCEPTED:
                f->fix = "accept_key";
                break;
        default:
                f->fix = "new_key";
                break;
        }
        return SG_OK;
}
