/* sealgate-certs: the Thunderbird profiles and identities the wizard can
 * import into (certs-targets.h). The default profile comes from core
 * (sg_tbprofile_find_default, the rule Thunderbird uses); the others from
 * profiles.ini, read with GKeyFile. */
#include "certs-targets.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "sealgate/tbprofile.h"

static int id_number(const char *id) {
        return atoi(id + 2);
}

static int by_id(const void *a, const void *b) {
        return id_number(((const sg_wz_identity *) a)->id) - id_number(((const sg_wz_identity *) b)->id);
}

static sg_wz_identity *find_identity(GArray *ids, const char *id) {
        for (guint i = 0; i < ids->len; i++)
                if (strcmp(g_array_index(ids, sg_wz_identity, i).id, id) == 0)
                        return &g_array_index(ids, sg_wz_identity, i);
        return NULL;
}

/* The identities of prefs.js: user_pref("mail.identity.idN.useremail", "..."). */
static void read_identities(sg_wz_profile *p) {
        g_autofree char *path = g_build_filename(p->dir, "prefs.js", NULL);
        g_autofree char *text = NULL;
        gsize len = 0;
        GStatBuf st;
        if (g_stat(path, &st) != 0 || st.st_size > SG_WZ_PREFS_MAX || !g_file_get_contents(path, &text, &len, NULL))
                return;
        GRegex *re = g_regex_new("^user_pref\\(\"mail\\.identity\\.(id[0-9]{1,9})\\.(useremail|fullName)\",\\s*"
                                 "\"((?:[^\"\\\\]|\\\\.)*)\"\\);",
                                 G_REGEX_MULTILINE, 0, NULL);
        GArray *ids = g_array_new(FALSE, TRUE, sizeof(sg_wz_identity));
        GMatchInfo *m = NULL;
        g_regex_match_full(re, text, (gssize) len, 0, 0, &m, NULL);
        while (g_match_info_matches(m)) {
                g_autofree char *id = g_match_info_fetch(m, 1), *key = g_match_info_fetch(m, 2),
                                *raw = g_match_info_fetch(m, 3);
                sg_wz_identity *it = find_identity(ids, id);
                if (!it && ids->len < SG_WZ_IDENTITIES_MAX) {
                        sg_wz_identity n = {g_strdup(id), NULL, NULL};
                        g_array_append_val(ids, n);
                        it = &g_array_index(ids, sg_wz_identity, ids->len - 1);
                }
                if (it) {
                        char **slot = strcmp(key, "useremail") == 0 ? &it->email : &it->name;
                        g_free(*slot);
                        *slot = g_strcompress(raw);
                        if (!g_utf8_validate(*slot, -1, NULL)) {
                                g_free(*slot);
                                *slot = NULL;
                        }
                }
                g_match_info_next(m, NULL);
        }
        g_match_info_free(m);
        g_regex_unref(re);
        /* An identity without an address cannot sign mail. */
        for (guint i = ids->len; i-- > 0;) {
                sg_wz_identity *it = &g_array_index(ids, sg_wz_identity, i);
                if (!it->email || !*it->email) {
                        g_free(it->id);
                        g_free(it->email);
                        g_free(it->name);
                        g_array_remove_index(ids, i);
                }
        }
        g_array_sort(ids, by_id);
        p->n_ids = ids->len;
        p->ids = (sg_wz_identity *) g_array_free(ids, FALSE);
}

static bool is_profile(const char *dir) {
        g_autofree char *db = g_build_filename(dir, "cert9.db", NULL);
        return g_file_test(db, G_FILE_TEST_IS_REGULAR);
}

static void add(GArray *out, const char *dir, const char *name, bool is_default) {
        if (out->len >= SG_WZ_PROFILES_MAX || !is_profile(dir))
                return;
        g_autofree char *real = g_canonicalize_filename(dir, NULL);
        for (guint i = 0; i < out->len; i++) {
                sg_wz_profile *seen = &g_array_index(out, sg_wz_profile, i);
                if (strcmp(seen->dir, real) == 0) {
                        if (name) { /* the default, found first, gets its Name= */
                                g_free(seen->name);
                                seen->name = g_strdup(name);
                        }
                        return;
                }
        }
        sg_wz_profile p = {g_strdup(real), g_strdup(name), is_default, NULL, 0};
        if (!p.name) {
                p.name = g_path_get_basename(real);
        }
        read_identities(&p);
        g_array_append_val(out, p);
}

static void add_from_ini(GArray *out, const char *base) {
        g_autofree char *ini = g_build_filename(base, "profiles.ini", NULL);
        GStatBuf st;
        if (g_stat(ini, &st) != 0 || st.st_size > SG_WZ_INI_MAX)
                return;
        GKeyFile *kf = g_key_file_new();
        if (g_key_file_load_from_file(kf, ini, G_KEY_FILE_NONE, NULL)) {
                g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
                for (size_t i = 0; groups[i]; i++) {
                        if (!g_str_has_prefix(groups[i], "Profile"))
                                continue;
                        g_autofree char *path = g_key_file_get_string(kf, groups[i], "Path", NULL);
                        g_autofree char *name = g_key_file_get_string(kf, groups[i], "Name", NULL);
                        if (!path)
                                continue;
                        bool rel = g_key_file_get_integer(kf, groups[i], "IsRelative", NULL) == 1;
                        g_autofree char *dir = rel ? g_build_filename(base, path, NULL) : g_strdup(path);
                        add(out, dir, name, false);
                }
        }
        g_key_file_free(kf);
}

sg_wz_targets *sg_wz_targets_new(const char *home, const char *const *dirs) {
        GArray *out = g_array_new(FALSE, TRUE, sizeof(sg_wz_profile));
        if (dirs) {
                for (size_t i = 0; dirs[i]; i++)
                        add(out, dirs[i], NULL, i == 0);
        } else {
                const char *h = home ? home : g_get_home_dir();
                char *def = NULL;
                sg_error err = {0};
                if (sg_tbprofile_find_default(h, &def, &err) == SG_OK) {
                        add(out, def, NULL, true);
                        free(def);
                }
                g_autofree char *tb = g_build_filename(h, ".thunderbird", NULL);
                g_autofree char *moz = g_build_filename(h, ".mozilla", "thunderbird", NULL);
                add_from_ini(out, tb);
                add_from_ini(out, moz);
        }
        sg_wz_targets *t = g_new0(sg_wz_targets, 1);
        t->n = out->len;
        t->items = (sg_wz_profile *) g_array_free(out, FALSE);
        return t;
}

bool sg_wz_targets_has_address(const sg_wz_targets *t, const char *email) {
        for (size_t i = 0; i < t->n; i++)
                for (size_t j = 0; j < t->items[i].n_ids; j++)
                        if (g_ascii_strcasecmp(t->items[i].ids[j].email, email) == 0)
                                return true;
        return false;
}

void sg_wz_targets_free(sg_wz_targets *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++) {
                sg_wz_profile *p = &t->items[i];
                for (size_t j = 0; j < p->n_ids; j++) {
                        g_free(p->ids[j].id);
                        g_free(p->ids[j].email);
                        g_free(p->ids[j].name);
                }
                g_free(p->ids);
                g_free(p->dir);
                g_free(p->name);
        }
        g_free(t->items);
        g_free(t);
}
