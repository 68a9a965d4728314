/* The audit file kept open between records (sg_audit_writer, used by the
 * host): records land in the day's file; the file stays open; it is
 * reopened when the UTC day changes, when the directory changes, and when the
 * file at its path is another one (rotated away, removed). Prints TAP. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sealgate/audit-file.h"
#include "sealgate/audit.h"
#include "sg-test.h"

#define DAY_MS (86400 * (int64_t) 1000)

static char *slurp(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return strdup("");
        char *b = calloc(1, 65536);
        size_t n = fread(b, 1, 65535, f);
        b[n] = '\0';
        fclose(f);
        return b;
}

static void file_of(char *out, size_t cap, const char *dir, int64_t t) {
        char name[SG_AUDIT_FILE_NAME_SIZE];
        sg_audit_file_name(t, name);
        snprintf(out, cap, "%s/%s", dir, name);
}

/* How many of this process's descriptors are open on `path`. */
static int fds_on(const char *path) {
        DIR *d = opendir("/proc/self/fd");
        int n = 0;
        struct dirent *e;
        while (d && (e = readdir(d))) {
                char l[512], t[4096];
                snprintf(l, sizeof l, "/proc/self/fd/%s", e->d_name);
                ssize_t k = readlink(l, t, sizeof t - 1);
                if (k > 0) {
                        t[k] = '\0';
                        n += strcmp(t, path) == 0;
                }
        }
        if (d)
                closedir(d);
        return n;
}

static bool has(const char *path, const char *line) {
        char *s = slurp(path);
        bool r = strstr(s, line) != NULL;
        free(s);
        return r;
}

int main(void) {
        char tmpl[] = "/tmp/sg-audit-writer-XXXXXX";
        char *base = mkdtemp(tmpl);
        if (!base)
                return 1;
        char dir1[4200], dir2[4200], f1[4300], f1b[4300], f2[4300], rotated[4400];
        snprintf(dir1, sizeof dir1, "%s/a/audit", base); /* created on the first record */
        snprintf(dir2, sizeof dir2, "%s/b", base);
        int64_t t = 1765000000000; /* 2025-12-06 */
        file_of(f1, sizeof f1, dir1, t);
        file_of(f1b, sizeof f1b, dir1, t + DAY_MS);
        file_of(f2, sizeof f2, dir2, t + DAY_MS);

        sg_audit_writer *w = sg_audit_writer_new();
        sg_error err;
        SG_CHECK(sg_audit_writer_append(w, dir1, t, NULL, 0, &err) == SG_OK && access(f1, F_OK) == 0,
                 "len 0: the directory and the day's file are created, nothing written");
        SG_CHECK(sg_audit_writer_append(w, dir1, t, "one\n", 4, &err) == SG_OK &&
                         sg_audit_writer_append(w, dir1, t + 1000, "two\n", 4, &err) == SG_OK,
                 "two records appended");
        char *s = slurp(f1);
        SG_CHECK(strcmp(s, "one\ntwo\n") == 0, "both records in the day's file, in order");
        free(s);
        SG_CHECK(fds_on(f1) == 1, "the file stays open between records (one descriptor)");

        /* rotated away (rename, as logrotate does): a new file at the path */
        snprintf(rotated, sizeof rotated, "%s.1", f1);
        if (rename(f1, rotated) != 0)
                return 1;
        SG_CHECK(sg_audit_writer_append(w, dir1, t + 2000, "three\n", 6, &err) == SG_OK && has(f1, "three\n") &&
                         !has(rotated, "three"),
                 "file renamed away: reopened, the record goes to a new file at the path");
        SG_CHECK(fds_on(rotated) == 0 && fds_on(f1) == 1, "the rotated file is closed");

        /* removed */
        unlink(f1);
        SG_CHECK(sg_audit_writer_append(w, dir1, t + 3000, "four\n", 5, &err) == SG_OK && has(f1, "four\n"),
                 "file removed: recreated with the record");

        /* the next UTC day */
        SG_CHECK(sg_audit_writer_append(w, dir1, t + DAY_MS, "five\n", 5, &err) == SG_OK && has(f1b, "five\n") &&
                         !has(f1, "five"),
                 "the day changes: the next day's file");
        SG_CHECK(fds_on(f1) == 0 && fds_on(f1b) == 1, "the previous day's file is closed");

        /* another directory (the policy's audit.directory changed) */
        SG_CHECK(sg_audit_writer_append(w, dir2, t + DAY_MS, "six\n", 4, &err) == SG_OK && has(f2, "six\n") &&
                         !has(f1b, "six"),
                 "the directory changes: that directory's file");
        SG_CHECK(fds_on(f1b) == 0 && fds_on(f2) == 1, "the other directory's file is closed");

        /* a failure closes the file; the next record opens it again */
        char bad[4300];
        snprintf(bad, sizeof bad, "%s/file", base);
        FILE *f = fopen(bad, "w");
        if (f)
                fclose(f);
        SG_CHECK(sg_audit_writer_append(w, bad, t, "x\n", 2, &err) == SG_ERR_IO && fds_on(f2) == 0,
                 "a directory that cannot be used: io, nothing held open (%s)", err.message);
        SG_CHECK(sg_audit_writer_append(w, dir2, t + DAY_MS, "seven\n", 6, &err) == SG_OK && has(f2, "seven\n"),
                 "and the next record opens the file again");

        w = sg_audit_writer_free(w);
        SG_CHECK(fds_on(f2) == 0, "sg_audit_writer_free closes the file");
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
        if (system(cmd) != 0)
                return 1;
        return sg_test_done();
}
