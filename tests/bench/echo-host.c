/* sealgate benchmark floor: read one native-messaging frame from stdin, write it back, exit
 * (with --loop: echo every frame until end of input, the floor of a persistent host). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ECHO_FRAME_MAX (16u << 20) /* same cap as the host's SG_FRAME_IN_MAX */

/* 0 on success, 1 on end of input before the first byte, -1 otherwise. */
static int read_all(int fd, void *buf, size_t len) {
        char *p = buf;
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, p + got, len - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                if (n == 0)
                        return got == 0 ? 1 : -1;
                got += (size_t) n;
        }
        return 0;
}

static int write_all(int fd, const void *buf, size_t len) {
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

/* Echo one frame: 0 done, 1 clean end of input, -1 error. */
static int echo_frame(void) {
        uint32_t len;
        int r = read_all(STDIN_FILENO, &len, sizeof len);
        if (r != 0)
                return r;
        if (len > ECHO_FRAME_MAX)
                return -1;
        /* Header and payload go out in one write, as a host would send them. */
        char *frame = malloc(sizeof len + (size_t) len);
        if (!frame)
                return -1;
        memcpy(frame, &len, sizeof len);
        r = read_all(STDIN_FILENO, frame + sizeof len, len) == 0 &&
                            write_all(STDOUT_FILENO, frame, sizeof len + (size_t) len) == 0
                    ? 0
                    : -1;
        free(frame);
        return r;
}

int main(int argc, char **argv) {
        int loop = argc > 1 && strcmp(argv[1], "--loop") == 0;
        int r;
        do
                r = echo_frame();
        while (loop && r == 0);
        return r < 0 || (!loop && r != 0) ? 1 : 0;
}
