/* sealgate: Thunderbird profile discovery: a small bounded INI reader and the
 * rules Thunderbird itself uses to pick the default profile. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealgate/tbprofile.h"

typedef struct section {
        char *name;
        char *path;    /* Path= (profiles), or Default= (installs) */
        bool relative; /* IsRelative=1 */
        bool is_default;
} section;

typedef struct ini {
        section s[SG_TBPROFILE_SECTIONS_MAX];
        size_t n;
} ini;

static void ini_clear(ini *f) {
        for (size_t i = 0; i < f->n; i++) {
                free(f->s[i].name);
                free(f->s[i].path);
        }
        f->n = 0;
}

static char *trim(char *s) {
        while (isspace((unsigned char) *s))
                s++;
        size_t n = strlen(s);
        while (n && isspace((unsigned char) s[n - 1]))
                s[--n] = '\0';
        return s;
}

/* Reads `path` into `f`; a missing file is SG_OK with no sections. */
static sg_err ini_read(const char *path, bool installs_file, ini *f, bool *ret_exists, sg_error *err) {
        *ret_exists = false;
        FILE *fp = fopen(path, "r");
        if (!fp) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return SG_OK;
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        }
        *ret_exists = true;
        char line[SG_TBPROFILE_LINE_MAX + 2];
        size_t total = 0;
        section *cur = NULL;
        sg_err r = SG_OK;
        while (fgets(line, sizeof line, fp)) {
                size_t len = strlen(line);
                total += len;
                if (total > SG_TBPROFILE_INI_MAX) {
                        r = sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %d bytes", path, SG_TBPROFILE_INI_MAX);
                        break;
                }
                if (len > SG_TBPROFILE_LINE_MAX && line[len - 1] != '\n') {
                        r = sg_error_set(err, SG_ERR_LIMIT, "%s has a line longer than %d bytes", path,
                                         SG_TBPROFILE_LINE_MAX);
                        break;
                }
                char *s = trim(line);
                if (*s == '\0' || *s == ';' || *s == '#')
                        continue;
                if (*s == '[') {
                        char *end = strchr(s, ']');
                        if (!end) {
                                cur = NULL;
                                continue;
                        }
                        if (f->n == SG_TBPROFILE_SECTIONS_MAX) {
                                r = sg_error_set(err, SG_ERR_LIMIT, "%s has more than %d sections", path,
                                                 SG_TBPROFILE_SECTIONS_MAX);
                                break;
                        }
                        *end = '\0';
                        cur = &f->s[f->n];
                        *cur = (section){.name = strdup(s + 1)};
                        if (!cur->name) {
                                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                                break;
                        }
                        f->n++;
                        continue;
                }
                char *eq = strchr(s, '=');
                if (!cur || !eq)
                        continue;
                *eq = '\0';
                char *key = trim(s), *val = trim(eq + 1);
                if (strcasecmp(key, "Path") == 0 || strcasecmp(key, "Default") == 0) {
                        /* profiles' Default=1 is a flag; installs' Default= a path */
                        if (strcasecmp(key, "Default") == 0 && !installs_file &&
                            strncasecmp(cur->name, "Install", 7) != 0) {
                                cur->is_default = strcmp(val, "1") == 0;
                                continue;
                        }
                        free(cur->path);
                        cur->path = strdup(val);
                        if (!cur->path) {
                                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                                break;
                        }
                } else if (strcasecmp(key, "IsRelative") == 0) {
                        cur->relative = strcmp(val, "1") == 0;
                }
        }
        if (r == SG_OK && ferror(fp))
                r = sg_error_set(err, SG_ERR_IO, "cannot read %s", path);
        fclose(fp);
        if (r != SG_OK)
                ini_clear(f);
        return r;
}

static bool is_dir(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static sg_err join(const char *base, const char *path, bool relative, char **ret, sg_error *err) {
        size_t n = strlen(base) + strlen(path) + 2;
        char *s = malloc(n);
        if (!s)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (relative && path[0] != '/')
                snprintf(s, n, "%s/%s", base, path);
        else
                snprintf(s, n, "%s", path);
        *ret = s;
        return SG_OK;
}

/* The first install's Default=: every section of installs.ini, the
 * [Install...] ones of profiles.ini. It names a profile by its Path=. */
static const char *install_default(const ini *f, bool installs_file) {
        for (size_t i = 0; i < f->n; i++) {
                const section *s = &f->s[i];
                if (s->path && (installs_file || strncasecmp(s->name, "Install", 7) == 0))
                        return s->path;
        }
        return NULL;
}

sg_err sg_tbprofile_find_in(const char *base, char **ret_dir, sg_error *err) {
        if (!base || !ret_dir)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no base directory");
        size_t n = strlen(base) + sizeof "/profiles.ini";
        char *p = malloc(n);
        if (!p)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        ini *profiles = calloc(1, sizeof *profiles), *installs = calloc(1, sizeof *installs);
        sg_err r = SG_OK;
        char *dir = NULL;
        bool have_profiles = false, have_installs = false;
        if (!profiles || !installs) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        snprintf(p, n, "%s/profiles.ini", base);
        r = ini_read(p, false, profiles, &have_profiles, err);
        if (r != SG_OK)
                goto out;
        snprintf(p, n, "%s/installs.ini", base);
        r = ini_read(p, true, installs, &have_installs, err);
        if (r != SG_OK)
                goto out;
        if (!have_profiles) {
                r = sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND, "no profiles.ini in %s", base);
                goto out;
        }

        const char *chosen = install_default(installs, true);
        if (!chosen)
                chosen = install_default(profiles, false);
        bool relative = true;
        const section *only = NULL;
        size_t n_profiles = 0;
        if (chosen) {
                relative = chosen[0] != '/';
                for (size_t i = 0; i < profiles->n; i++)
                        if (profiles->s[i].path && strcmp(profiles->s[i].path, chosen) == 0 &&
                            strncasecmp(profiles->s[i].name, "Profile", 7) == 0)
                                relative = profiles->s[i].relative;
        } else {
                for (size_t i = 0; i < profiles->n; i++) {
                        const section *s = &profiles->s[i];
                        if (strncasecmp(s->name, "Profile", 7) != 0 || !s->path)
                                continue;
                        n_profiles++;
                        only = s;
                        if (s->is_default) {
                                chosen = s->path;
                                relative = s->relative;
                                break;
                        }
                }
                if (!chosen && n_profiles == 1) {
                        chosen = only->path;
                        relative = only->relative;
                }
        }
        if (!chosen) {
                r = sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND,
                                 n_profiles ? "%s has several profiles and none is marked as the default"
                                            : "%s lists no profile",
                                 base);
                goto out;
        }
        r = join(base, chosen, relative, &dir, err);
        if (r != SG_OK)
                goto out;
        if (!is_dir(dir)) {
                r = sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND, "the default profile %s does not exist", dir);
                goto out;
        }
        *ret_dir = dir;
        dir = NULL;
out:
        free(dir);
        free(p);
        if (profiles)
                ini_clear(profiles);
        if (installs)
                ini_clear(installs);
        free(profiles);
        free(installs);
        return r;
}

sg_err sg_tbprofile_find_default(const char *home, char **ret_dir, sg_error *err) {
        if (!home)
                home = getenv("HOME");
        if (!home || !*home)
                return sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND, "HOME is not set; give the profile directory");
        static const char *const bases[] = {".thunderbird", ".mozilla/thunderbird"};
        sg_error first = {0};
        for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
                char b[4096];
                if ((size_t) snprintf(b, sizeof b, "%s/%s", home, bases[i]) >= sizeof b)
                        return sg_error_set(err, SG_ERR_LIMIT, "the home directory path is too long");
                sg_error e = {0};
                sg_err r = sg_tbprofile_find_in(b, ret_dir, &e);
                if (r == SG_OK)
                        return SG_OK;
                if (r != SG_ERR_PROFILE_NOT_FOUND) {
                        if (err)
                                *err = e;
                        return r;
                }
                if (!first.code && !strstr(e.message, "no profiles.ini"))
                        first = e;
        }
        if (first.code) {
                if (err)
                        *err = first;
                return first.code;
        }
        return sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND,
                            "no Thunderbird profile under %s/.thunderbird or %s/.mozilla/thunderbird", home, home);
}

/* What Thunderbird writes into every profile it has used. */
static bool looks_like_profile(const char *dir) {
        static const char *const marks[] = {"prefs.js", "cert9.db", "times.json", "compatibility.ini"};
        for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
                char p[4200];
                struct stat st;
                if ((size_t) snprintf(p, sizeof p, "%s/%s", dir, marks[i]) < sizeof p && stat(p, &st) == 0 &&
                    S_ISREG(st.st_mode))
                        return true;
        }
        return false;
}

sg_err sg_tbprofile_find_for_pid(long pid, char **ret_dir, sg_error *err) {
        if (pid <= 0)
                return sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND, "no process %ld", pid);
        char fddir[64];
        snprintf(fddir, sizeof fddir, "/proc/%ld/fd", pid);
        DIR *d = opendir(fddir);
        if (!d)
                return sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND, "cannot list the open files of process %ld: %s", pid,
                                    strerror(errno));
        static const char lockname[] = "/.parentlock";
        const size_t ll = sizeof lockname - 1;
        size_t seen = 0;
        bool not_profile = false;
        char target[4096];
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                if (++seen > SG_TBPROFILE_FDS_MAX)
                        break;
                char link[128];
                snprintf(link, sizeof link, "%s/%.32s", fddir, e->d_name);
                ssize_t n = readlink(link, target, sizeof target - 1);
                if (n <= (ssize_t) ll)
                        continue;
                target[n] = '\0';
                if (target[0] != '/' || strcmp(target + n - ll, lockname) != 0)
                        continue;
                target[n - ll] = '\0';
                if (!is_dir(target) || !looks_like_profile(target)) {
                        not_profile = true;
                        continue;
                }
                closedir(d);
                char *copy = strdup(target);
                if (!copy)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                *ret_dir = copy;
                return SG_OK;
        }
        closedir(d);
        if (seen > SG_TBPROFILE_FDS_MAX)
                return sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND,
                                    "process %ld holds no profile's .parentlock among its first %d open files", pid,
                                    SG_TBPROFILE_FDS_MAX);
        return sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND,
                            not_profile ? "process %ld holds a .parentlock open, but not in a Thunderbird profile"
                                        : "process %ld holds no Thunderbird profile open (no .parentlock)",
                            pid);
}
