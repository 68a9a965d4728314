/* The memory spools (core/crypto/spool.c): a memfd, never a path on a disk;
 * the limit of sg_spool_fd_from_source and of the spool sink, at and one past. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealgate/spool.h"
#include "sg-test.h"

static void fd_path(int fd, char *buf, size_t n) {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t k = readlink(link, buf, n - 1);
        buf[k > 0 ? k : 0] = '\0';
}

int main(void) {
        static const char data[] = "privacy spool content\r\n";
        size_t len = sizeof data - 1;
        char path[256];
        sg_error err = {0};

        int fd = sg_spool_fd_new("sealgate-test", &err);
        fd_path(fd, path, sizeof path);
        SG_CHECK(fd >= 0 && strncmp(path, "/memfd:sealgate-test", 20) == 0, "a spool is a memfd (%s)", path);
        SG_CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "a spool is close-on-exec");
        if (fd >= 0)
                close(fd);

        sg_mem_source m;
        sg_source src = sg_source_mem(&m, data, len);
        fd = sg_spool_fd_from_source("sealgate-test", &src, len, "the test input", &err);
        char back[64] = "";
        ssize_t k = fd >= 0 ? read(fd, back, sizeof back) : -1;
        SG_CHECK(fd >= 0 && k == (ssize_t) len && memcmp(back, data, len) == 0,
                 "a source of exactly the limit: spooled, read back from offset 0");
        if (fd >= 0)
                close(fd);

        src = sg_source_mem(&m, data, len);
        err = (sg_error){0};
        fd = sg_spool_fd_from_source("sealgate-test", &src, len - 1, "the test input", &err);
        SG_CHECK(fd < 0 && err.code == SG_ERR_LIMIT && strstr(err.message, "the test input is larger than"),
                 "one byte past the limit: limit_exceeded naming the input (%s)", err.message);

        fd = sg_spool_fd_new("sealgate-test", &err);
        sg_spool_sink s;
        sg_sink sink = sg_spool_sink_new(&s, fd, len);
        SG_CHECK(sink.write(sink.ctx, data, len) == 0 && !s.over && s.n == len, "the sink takes exactly its limit");
        SG_CHECK(sink.write(sink.ctx, "x", 1) < 0 && s.over && s.n == len, "one byte more: refused, over set");
        struct stat st;
        SG_CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t) len, "nothing past the limit was written");
        close(fd);
        return sg_test_done();
}
