/* Unit tests of audit-file.c: the directory (XDG_STATE_HOME, "~/"), daily
 * files appended with modes 0700/0600, failures, and retention by the date
 * in the file name (never the mtime). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "sealgate/audit-file.h"
#include "sealgate/audit.h"
#include "sg-test.h"

#define DAY_MS 86400000LL

static char root[256];

static char *slurp(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void touch(const char *dir, const char *name, time_t mtime) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        if (!f)
                abort();
        fputs("{}\n", f);
        fclose(f);
        struct timeval tv[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
        utimes(path, tv);
}

static int exists(const char *dir, const char *name) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        return access(path, F_OK) == 0;
}

static void test_resolve(void) {
        char *d = NULL;
        setenv("HOME", "/home/alice", 1);
        setenv("XDG_STATE_HOME", "/xdg/state", 1);
        SG_CHECK(sg_audit_dir_resolve(NULL, &d, NULL) == SG_OK && strcmp(d, "/xdg/state/sealgate/audit") == 0,
                 "default: $XDG_STATE_HOME/sealgate/audit");
        free(d);
        setenv("XDG_STATE_HOME", "relative/state", 1);
        SG_CHECK(sg_audit_dir_resolve(NULL, &d, NULL) == SG_OK &&
                         strcmp(d, "/home/alice/.local/state/sealgate/audit") == 0,
                 "a relative XDG_STATE_HOME is ignored (XDG spec): ~/.local/state/sealgate/audit");
        free(d);
        unsetenv("XDG_STATE_HOME");
        SG_CHECK(sg_audit_dir_resolve(NULL, &d, NULL) == SG_OK &&
                         strcmp(d, "/home/alice/.local/state/sealgate/audit") == 0,
                 "no XDG_STATE_HOME: ~/.local/state/sealgate/audit");
        free(d);
        SG_CHECK(sg_audit_dir_resolve("~/audit/x", &d, NULL) == SG_OK && strcmp(d, "/home/alice/audit/x") == 0,
                 "a leading ~/ is the home directory");
        free(d);
        SG_CHECK(sg_audit_dir_resolve("/var/log/sealgate", &d, NULL) == SG_OK && strcmp(d, "/var/log/sealgate") == 0,
                 "an absolute directory is used as it is");
        free(d);
}

static void test_append(void) {
        char dir[512], path[600], name[SG_AUDIT_FILE_NAME_SIZE];
        snprintf(dir, sizeof dir, "%s/a/b/audit", root);
        int64_t t = 1795433688123LL;
        SG_CHECK(sg_audit_append(dir, t, "{\"n\":1}\n", 8, NULL) == SG_OK, "append creates missing directories");
        SG_CHECK(sg_audit_append(dir, t, "{\"n\":2}\n", 8, NULL) == SG_OK, "a second line is appended");
        sg_audit_file_name(t, name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        char *text = slurp(path);
        SG_CHECK_STR(text ? text : "(none)", "{\"n\":1}\n{\"n\":2}\n", "the day's file holds both lines in order");
        struct stat st;
        SG_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file is 0600");
        SG_CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "the directory is 0700");
        snprintf(path, sizeof path, "%s/a", root);
        SG_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700, "created parents are 0700 too");

        SG_CHECK(sg_audit_append(dir, t + DAY_MS, "{\"n\":3}\n", 8, NULL) == SG_OK, "the next day");
        sg_audit_file_name(t + DAY_MS, name);
        SG_CHECK(exists(dir, name), "the next day's record goes to the next day's file (%s)", name);

        SG_CHECK(sg_audit_append(dir, t + 2 * DAY_MS, "", 0, NULL) == SG_OK, "length 0 checks the file only");
        sg_audit_file_name(t + 2 * DAY_MS, name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        SG_CHECK(stat(path, &st) == 0 && st.st_size == 0, "... creating it empty");

        sg_error err = {0};
        SG_CHECK(sg_audit_append("/dev/null/audit", t, "x\n", 2, &err) == SG_ERR_IO &&
                         strstr(err.message, "/dev/null/audit"),
                 "a directory that cannot exist: io, naming it (%s)", err.message);
        /* A symlink planted as the day's file is not followed. */
        char link_dir[512];
        snprintf(link_dir, sizeof link_dir, "%s/linked", root);
        mkdir(link_dir, 0700);
        sg_audit_file_name(t, name);
        snprintf(path, sizeof path, "%s/%s", link_dir, name);
        char target[600];
        snprintf(target, sizeof target, "%s/target", root);
        if (symlink(target, path) != 0)
                abort();
        SG_CHECK(sg_audit_append(link_dir, t, "x\n", 2, NULL) == SG_ERR_IO && access(target, F_OK) != 0,
                 "a symlink as the day's file is refused, its target untouched");
}

static void test_prune(void) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/prune", root);
        mkdir(dir, 0700);
        int64_t now = 1795433688123LL; /* 2026-11-23 */
        time_t recent = (time_t) (now / 1000), ancient = recent - 400 * 86400;
        char n0[SG_AUDIT_FILE_NAME_SIZE], n90[SG_AUDIT_FILE_NAME_SIZE], n91[SG_AUDIT_FILE_NAME_SIZE],
                n400[SG_AUDIT_FILE_NAME_SIZE];
        sg_audit_file_name(now, n0);
        sg_audit_file_name(now - 90 * DAY_MS, n90);
        sg_audit_file_name(now - 91 * DAY_MS, n91);
        sg_audit_file_name(now - 400 * DAY_MS, n400);
        /* mtimes lie on purpose: only the names count. */
        touch(dir, n0, ancient);
        touch(dir, n90, ancient);
        touch(dir, n91, recent);
        touch(dir, n400, recent);
        touch(dir, "notes.txt", ancient);
        touch(dir, "audit-2001-02-29.jsonl", ancient);

        size_t removed = 99;
        SG_CHECK(sg_audit_prune(dir, now, 0, &removed, NULL) == SG_OK && removed == 0 && exists(dir, n400),
                 "retention 0 deletes nothing");
        SG_CHECK(sg_audit_prune(dir, now, 90, &removed, NULL) == SG_OK && removed == 2,
                 "retention 90: two files deleted (%zu)", removed);
        SG_CHECK(exists(dir, n0) && exists(dir, n90), "today's and the 90-day-old file are kept, whatever their mtime");
        SG_CHECK(!exists(dir, n91) && !exists(dir, n400), "91 days (one past) and 400 days are deleted, though recent");
        SG_CHECK(exists(dir, "notes.txt") && exists(dir, "audit-2001-02-29.jsonl"),
                 "files that are not audit files are never touched");
        char missing[600];
        snprintf(missing, sizeof missing, "%s/none", root);
        SG_CHECK(sg_audit_prune(missing, now, 90, &removed, NULL) == SG_OK && removed == 0,
                 "a missing directory is not an error");
}

int main(void) {
        snprintf(root, sizeof root, "/tmp/sg-test-audit-file-XXXXXX");
        if (!mkdtemp(root))
                return 1;
        umask(022);
        test_resolve();
        test_append();
        test_prune();
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
                sg_test_diag("could not remove %s", root);
        return sg_test_done();
}
