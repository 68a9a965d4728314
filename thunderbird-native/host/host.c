/* sealgate-host: the Thunderbird native-messaging host's transport: frames in on
 * stdin, frames out on stdout, around the dispatch table (docs/protocol.md). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

#include "dispatch.h"
#include "sealgate-config.h"
#include "sealgate/frame.h"
#include "sealgate/util.h"

/* Exit statuses (docs/protocol.md). */
enum {
        EXIT_CLEAN = 0,   /* EOF between frames: Thunderbird closed the port */
        EXIT_PROTOCOL = 1 /* broken framing, or stdin/stdout failed */
};

#define READ_SIZE 65536

/* stderr is the Browser Console: one line per event, always prefixed. */
static void log_line(const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 1, 2)))
#endif
        ;

static void log_line(const char *fmt, ...) {
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        fprintf(stderr, "sealgate-host: %s\n", line);
        fflush(stderr);
}

static void log_cb(void *userdata, const char *line) {
        log_line("%s", line);
}

static int write_all(int fd, const void *data, size_t len) {
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

static int send_frame(const char *payload, size_t len) {
        uint8_t hdr[4];
        sg_frame_header((uint32_t) len, hdr);
        if (write_all(STDOUT_FILENO, hdr, 4) < 0 || write_all(STDOUT_FILENO, payload, len) < 0) {
                log_line("cannot write to stdout: %s", strerror(errno));
                return -1;
        }
        return 0;
}

/* Thunderbird kills the host for a frame over SG_FRAME_OUT_MAX, so a larger
 * response goes out as chunk frames that the extension joins. */
static int send_response(const char *resp, const char *id_json) {
        size_t len = strlen(resp);
        if (len <= SG_FRAME_OUT_MAX)
                return send_frame(resp, len);

        char **chunks = NULL;
        size_t n = 0;
        sg_error err;
        if (sg_chunk_split(id_json ? id_json : "null", resp, len, SG_CHUNK_RAW_MAX, &chunks, &n, &err)) {
                log_line("cannot chunk a response of %zu bytes: %s", len, err.message);
                char *e = sg_host_error_response(id_json, err.code, err.message);
                int r = e ? send_frame(e, strlen(e)) : -1;
                free(e);
                return r;
        }
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++)
                r = send_frame(chunks[i], strlen(chunks[i]));
        sg_strv_free(chunks, n);
        log_line("response of %zu bytes sent as %zu chunk frames", len, n);
        return r;
}

static int send_error(sg_err code, const char *message) {
        char *e = sg_host_error_response(NULL, code, message);
        int r = e ? send_frame(e, strlen(e)) : -1;
        free(e);
        return r;
}

static void usage(FILE *f) {
        fprintf(f, "Usage: sealgate-host [MANIFEST-PATH [EXTENSION-ID]]\n"
                   "       sealgate-host --version | --help\n\n"
                   "The sealgate native-messaging host. Thunderbird starts it with the path of\n"
                   "its manifest and the extension id; it then reads requests as frames (4-byte\n"
                   "native-endian length + UTF-8 JSON) on stdin and writes responses the same\n"
                   "way on stdout until stdin closes. See docs/protocol.md.\n\n"
                   "  --version  print the version as one text line (not a frame) and exit;\n"
                   "             for self-checks such as `doctor`, never for Thunderbird\n"
                   "  --help     print this text and exit\n\n"
                   "Environment: SEALGATE_POLICY  policy file (default /etc/sealgate/policy.json)\n\n"
                   "Ops:\n");
        const char *name, *help;
        for (size_t i = 0; sg_host_op_info(i, &name, &help); i++)
                fprintf(f, "  %s\n      %s\n", name, help);
}

int main(int argc, char **argv) {
        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                printf("sealgate-host %s\n", SG_VERSION);
                return 0;
        }
        if (argc > 1 && strcmp(argv[1], "--help") == 0) {
                usage(stdout);
                return 0;
        }
#ifdef SIGPIPE
        /* A closed port must show up as a write error, not kill us silently. */
        signal(SIGPIPE, SIG_IGN);
#endif
#ifdef _WIN32
        _setmode(_fileno(stdin), _O_BINARY);
        _setmode(_fileno(stdout), _O_BINARY);
#endif

        sg_host *h = sg_host_new(NULL);
        if (!h) {
                log_line("out of memory");
                return EXIT_PROTOCOL;
        }
        sg_host_set_log(h, log_cb, NULL);
        /* For the doctor op: the manifest Thunderbird found, the extension that
         * connected, and where we really run from (symlinks resolved). */
        char *self_exe = NULL;
#ifdef __linux__
        self_exe = realpath("/proc/self/exe", NULL);
#endif
        if (sg_host_set_launch(h, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL, self_exe) != SG_OK) {
                free(self_exe);
                sg_host_free(h);
                log_line("out of memory");
                return EXIT_PROTOCOL;
        }
        free(self_exe);
        log_line("started: version %s, manifest %s, extension %s, policy %s", SG_VERSION, argc > 1 ? argv[1] : "(none)",
                 argc > 2 ? argv[2] : "(none)", sg_host_policy_path(h));

        sg_frame_reader r;
        sg_frame_reader_init(&r, SG_FRAME_IN_MAX);
        static char buf[READ_SIZE];
        int status = EXIT_CLEAN;
        for (;;) {
                ssize_t got = read(STDIN_FILENO, buf, sizeof buf);
                if (got < 0) {
                        if (errno == EINTR)
                                continue;
                        log_line("cannot read stdin: %s", strerror(errno));
                        status = EXIT_PROTOCOL;
                        break;
                }
                if (got == 0) {
                        if (sg_frame_reader_partial(&r)) {
                                log_line("stdin closed in the middle of a frame");
                                send_error(SG_ERR_FRAME, "input ended in the middle of a frame");
                                status = EXIT_PROTOCOL;
                        }
                        break;
                }
                size_t off = 0;
                while (off < (size_t) got) {
                        size_t used;
                        char *payload;
                        size_t plen;
                        sg_error err;
                        sg_err e =
                                sg_frame_reader_feed(&r, buf + off, (size_t) got - off, &used, &payload, &plen, &err);
                        off += used;
                        if (e) {
                                /* The stream cannot be resynchronised: answer and close. */
                                log_line("%s", err.message);
                                send_error(e, err.message);
                                status = EXIT_PROTOCOL;
                                goto out;
                        }
                        if (!payload)
                                continue;
                        char *id_json = NULL;
                        char *resp = sg_host_handle_frame(h, payload, plen, &id_json);
                        free(payload);
                        int w = 0;
                        if (resp)
                                w = send_response(resp, id_json);
                        else if (id_json)
                                w = send_error(SG_ERR_NOMEM, "out of memory");
                        free(resp);
                        free(id_json);
                        if (w < 0) {
                                status = EXIT_PROTOCOL;
                                goto out;
                        }
                }
        }
out:
        sg_frame_reader_clear(&r);
        sg_host_free(h);
        log_line("exiting with status %d", status);
        return status;
}
