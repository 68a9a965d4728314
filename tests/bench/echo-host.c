/* sealgate benchmark floor: read one native-messaging frame from stdin, write it back, exit
 * (with --loop: echo every frame until end of input, the floor of a persistent host). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-io.h"

#define ECHO_FRAME_MAX (16u << 20) /* same cap as the host's SG_FRAME_IN_MAX */

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
