/* sealgate-certs: where the wizard can import a certificate: the
 * Thunderbird profiles of the user (the default one first, then every
 * [Profile] of profiles.ini under ~/.thunderbird and ~/.mozilla/thunderbird
 * that has a certificate database) and each profile's identities (the
 * mail.identity.idN.useremail / fullName prefs of prefs.js). GLib only, no
 * GTK, so the tests can link it. */
#ifndef SEALGATE_CERTS_TARGETS_H
#define SEALGATE_CERTS_TARGETS_H

#include <glib.h>
#include <stdbool.h>

#define SG_WZ_PROFILES_MAX   64                 /* profiles listed */
#define SG_WZ_IDENTITIES_MAX 256                /* identities of one profile */
#define SG_WZ_PREFS_MAX      (16 * 1024 * 1024) /* prefs.js read for identities, bytes */
#define SG_WZ_INI_MAX        (256 * 1024)       /* profiles.ini, bytes */

typedef struct sg_wz_identity {
        char *id;    /* "id1" */
        char *email; /* or NULL */
        char *name;  /* fullName, or NULL */
} sg_wz_identity;

typedef struct sg_wz_profile {
        char *dir;  /* absolute */
        char *name; /* Name= of profiles.ini, else the directory's name */
        bool is_default;
        sg_wz_identity *ids;
        size_t n_ids;
} sg_wz_profile;

typedef struct sg_wz_targets {
        sg_wz_profile *items;
        size_t n;
} sg_wz_targets;

/* The profiles of the user whose home is `home` (NULL: $HOME); with
 * `dirs` (NULL-terminated, may be NULL) exactly those directories instead.
 * Never fails: an unreadable file gives fewer profiles. Owned. */
sg_wz_targets *sg_wz_targets_new(const char *home, const char *const *dirs);

/* Whether any identity of any profile has address `email` (ASCII
 * case-insensitive). */
bool sg_wz_targets_has_address(const sg_wz_targets *t, const char *email);

void sg_wz_targets_free(sg_wz_targets *t);

#endif
