/* sealgate: the keys cache (sealgate/keys.h, sg_keys_cache): GnuPG's
 * keylist answers per GnuPG home and address, kept between the host's
 * keys.lookup requests so a lookup whose addresses are all known starts no
 * gpg. It stores key data (validity, expiry time, revoked/disabled,
 * can-encrypt, fingerprint), never a verdict: keys.c judges the data again
 * against the current time on every lookup, so an expiry passing between
 * two lookups is seen. Public key data only.
 *
 * Correctness: the key files' identity (st_dev, st_ino, st_size, st_mtim of
 * pubring.kbx, pubring.gpg, trustdb.gpg, public-keys.d/pubring.db) is taken
 * before each keylist; any change (an import, a revocation, a trust change,
 * a key refreshed by dirmngr, all of which gpg writes into these files)
 * drops the whole cache. SG_KEYS_CACHE_AGE_MAX bounds an entry's age as a
 * belt for anything else. */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <gpgme.h>

#include "keys-private.h"

static const char *const key_files[] = {"pubring.kbx", "pubring.gpg", "trustdb.gpg", "public-keys.d/pubring.db"};
enum { N_KEY_FILES = sizeof key_files / sizeof key_files[0] };

typedef struct file_id {
        bool exists;
        dev_t dev;
        ino_t ino;
        off_t size;
        long long mtime_sec;
        long mtime_nsec;
} file_id;

typedef struct entry {
        char *addr;    /* lower case */
        time_t stored; /* CLOCK_MONOTONIC seconds */
        kc_keys keys;
} entry;

struct sg_keys_cache {
        char *home;
        file_id files[N_KEY_FILES];
        entry *entries; /* SG_KEYS_CACHE_MAX */
        size_t n;
};

static time_t mono_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec;
}

static void key_clear(kc_key *k) {
        free(k->fpr);
        for (size_t i = 0; i < k->n_uids; i++)
                free(k->uids[i].uid);
        free(k->uids);
        free(k->subkeys);
        *k = (kc_key){0};
}

void sg_kc_keys_clear(kc_keys *l) {
        for (size_t i = 0; i < l->n; i++)
                key_clear(&l->keys[i]);
        free(l->keys);
        *l = (kc_keys){0};
}

sg_err sg_kc_keys_add(kc_keys *l, void *gpgme_key, const char *addr) {
        gpgme_key_t k = gpgme_key;
        kc_key *grown = realloc(l->keys, (l->n + 1) * sizeof *grown);
        if (!grown)
                return SG_ERR_NOMEM;
        l->keys = grown;
        kc_key *c = &l->keys[l->n];
        *c = (kc_key){.revoked = k->revoked,
                      .expired = k->expired,
                      .disabled = k->disabled,
                      .invalid = k->invalid,
                      .owner_trust = k->owner_trust};
        size_t nu = 0, ns = 0;
        for (gpgme_user_id_t u = k->uids; u; u = u->next)
                nu += u->email && strcasecmp(u->email, addr) == 0;
        for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
                ns++;
        c->fpr = k->fpr ? strdup(k->fpr) : NULL;
        c->uids = calloc(nu ? nu : 1, sizeof *c->uids);
        c->subkeys = calloc(ns ? ns : 1, sizeof *c->subkeys);
        if ((k->fpr && !c->fpr) || !c->uids || !c->subkeys) {
                key_clear(c);
                return SG_ERR_NOMEM;
        }
        for (gpgme_user_id_t u = k->uids; u; u = u->next) {
                if (!u->email || strcasecmp(u->email, addr) != 0)
                        continue;
                kc_uid *d = &c->uids[c->n_uids++];
                *d = (kc_uid){.validity = u->validity, .revoked = u->revoked, .invalid = u->invalid};
                if (u->uid && !(d->uid = strdup(u->uid))) {
                        key_clear(c);
                        return SG_ERR_NOMEM;
                }
        }
        for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
                c->subkeys[c->n_subkeys++] = (kc_subkey){.can_encrypt = s->can_encrypt,
                                                         .revoked = s->revoked,
                                                         .expired = s->expired,
                                                         .disabled = s->disabled,
                                                         .invalid = s->invalid,
                                                         .expires = s->expires};
        l->n++;
        return SG_OK;
}

sg_keys_cache *sg_keys_cache_new(void) {
        sg_keys_cache *c = calloc(1, sizeof *c);
        if (c && !(c->entries = calloc(SG_KEYS_CACHE_MAX, sizeof *c->entries))) {
                free(c);
                return NULL;
        }
        return c;
}

static void drop_all(sg_keys_cache *c) {
        for (size_t i = 0; i < c->n; i++) {
                free(c->entries[i].addr);
                sg_kc_keys_clear(&c->entries[i].keys);
        }
        c->n = 0;
}

sg_keys_cache *sg_keys_cache_free(sg_keys_cache *c) {
        if (!c)
                return NULL;
        drop_all(c);
        free(c->entries);
        free(c->home);
        free(c);
        return NULL;
}

size_t sg_keys_cache_count(const sg_keys_cache *c) {
        return c ? c->n : 0;
}

void sg_kc_begin(sg_keys_cache *c, const char *home) {
        file_id now[N_KEY_FILES];
        memset(now, 0, sizeof now); /* compared with memcmp: padding too */
        for (size_t i = 0; home && i < N_KEY_FILES; i++) {
                char p[4096];
                struct stat st;
                snprintf(p, sizeof p, "%s/%s", home, key_files[i]);
                if (stat(p, &st) != 0)
                        continue;
                now[i].exists = true;
                now[i].dev = st.st_dev;
                now[i].ino = st.st_ino;
                now[i].size = st.st_size;
                now[i].mtime_sec = (long long) st.st_mtim.tv_sec;
                now[i].mtime_nsec = st.st_mtim.tv_nsec;
        }
        bool same_home = home && c->home && strcmp(home, c->home) == 0;
        if (same_home && memcmp(now, c->files, sizeof now) == 0)
                return;
        drop_all(c);
        if (!same_home) {
                free(c->home);
                c->home = home ? strdup(home) : NULL;
        }
        memcpy(c->files, now, sizeof now);
}

static entry *find(const sg_keys_cache *c, const char *addr) {
        if (!c->home)
                return NULL; /* no home known: never cached */
        for (size_t i = 0; i < c->n; i++)
                if (strcasecmp(c->entries[i].addr, addr) == 0)
                        return &c->entries[i];
        return NULL;
}

const kc_keys *sg_kc_get(const sg_keys_cache *c, const char *addr) {
        entry *e = find(c, addr);
        if (!e || mono_now() - e->stored >= SG_KEYS_CACHE_AGE_MAX)
                return NULL;
        return &e->keys;
}

void sg_kc_put(sg_keys_cache *c, const char *addr, kc_keys *l) {
        if (!c->home) {
                sg_kc_keys_clear(l);
                return;
        }
        entry *e = find(c, addr);
        if (!e) {
                if (c->n >= SG_KEYS_CACHE_MAX)
                        drop_all(c); /* full: start again rather than track use */
                char *a = strdup(addr);
                if (!a) {
                        sg_kc_keys_clear(l);
                        return;
                }
                for (char *p = a; *p; p++)
                        *p = (char) tolower((unsigned char) *p);
                e = &c->entries[c->n++];
                *e = (entry){.addr = a};
        }
        sg_kc_keys_clear(&e->keys);
        e->keys = *l;
        e->stored = mono_now();
        *l = (kc_keys){0};
}
