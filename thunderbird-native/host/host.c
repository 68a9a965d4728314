/* sealgate-host: the Thunderbird native-messaging host's transport: frames in on
 * stdin, frames out on stdout, around one connection (conn.h, whose entry
 * point sg_host_handle() runs the one op table; docs/protocol.md). One
 * poll(2) loop serves stdin, the open prompts (prompt-proc.c), and, once the
 * crypto module is loaded, the open stream's worker and the keys.lookup
 * worker, so none of them blocks other requests. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

#include "conn.h"
#include "host-io.h"
#include "prompt-proc.h"
#include "sealgate-config.h"
#include "sealgate/frame.h"
#include "sealgate/heap.h"
#include "sealgate/secrets.h"
#include "sealgate/util.h"

/* Exit statuses (docs/protocol.md). */
enum {
        EXIT_CLEAN = 0,   /* EOF between frames: Thunderbird closed the port */
        EXIT_PROTOCOL = 1 /* broken framing, or stdin/stdout failed */
};

#define READ_SIZE 65536

/* host-io's way to write stdout: header and payload in one writev(2), so that
 * the reader (Thunderbird, or bench-host) wakes once per frame, not twice. */
static int write_all(const void *head, size_t head_len, const void *data, size_t len) {
        struct iovec iov[2] = {{(void *) head, head_len}, {(void *) data, len}};
        struct iovec *v = iov;
        int n_iov = 2;
        while (n_iov > 0) {
                ssize_t n = writev(STDOUT_FILENO, v, n_iov);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        sg_hio_log("cannot write to stdout: %s", strerror(errno));
                        return -1;
                }
                /* a partial write: skip what went out */
                size_t done = (size_t) n;
                while (n_iov > 0 && done >= v->iov_len) {
                        done -= v->iov_len;
                        v++;
                        n_iov--;
                }
                if (n_iov > 0) {
                        v->iov_base = (char *) v->iov_base + done;
                        v->iov_len -= done;
                }
        }
        return 0;
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
                   "Environment: SEALGATE_POLICY  policy file (default /etc/sealgate/policy.json)\n"
                   "             SEALGATE_PROMPT  the prompt program for prompt.show (default: sealgate-prompt\n"
                   "                              next to this host, else " SG_LIBEXECDIR "/sealgate/sealgate-prompt)\n"
                   "             XDG_STATE_HOME   base of the default audit directory (~/.local/state)\n"
                   "             GNUPGHOME        the keyring keys.lookup searches (default ~/.gnupg)\n\n"
                   "The smime.*, pgp.* and keys.lookup ops load the crypto module sealgate-host-crypto.so\n"
                   "on first use: next to this host, else " SG_LIBEXECDIR "/sealgate/.\n\n");
        sg_hio_usage_ops(f);
}

/* ---- open prompts */

typedef struct open_prompt {
        sg_prompt_job *job; /* NULL: free slot */
        sg_prompt_proc proc;
} open_prompt;

static open_prompt prompts[SG_HOST_PROMPTS_MAX];
static int sigchld_pipe[2] = {-1, -1};
static char *self_exe;

/* The executable's path with symlinks resolved: the kernel's target of
 * /proc/self/exe already is (one readlink, not one per component as
 * realpath() makes); NULL, as realpath() gives, when that path is gone. */
static char *self_exe_path(void) {
        char path[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        if (n <= 0 || path[0] != '/')
                return NULL;
        path[n] = '\0';
        if (access(path, F_OK) != 0)
                return NULL;
        return strdup(path);
}

static void on_sigchld(int sig) {
        int saved = errno;
        if (write(sigchld_pipe[1], "c", 1) < 0) {
                /* full: a wake-up is pending anyway */
        }
        errno = saved;
}

static void relay_cb(void *userdata, pid_t pid, const char *line) {
        sg_hio_log("prompt %ld: %s", (long) pid, line);
}

/* Start the program for `job`; a program that cannot start is answered at once. */
static int start_job(sg_host *h, sg_prompt_job *job) {
        open_prompt *slot = NULL;
        for (size_t i = 0; i < SG_HOST_PROMPTS_MAX && !slot; i++)
                if (!prompts[i].job)
                        slot = &prompts[i];
        char why[SG_ERROR_MESSAGE_MAX] = "no free prompt slot";
        char *program = sg_prompt_program(self_exe);
        if (slot && program &&
            sg_prompt_proc_start(&slot->proc, program, job->lang, job->timeout_seconds, job->input, job->input_len,
                                 SG_HOST_PROMPT_OUTPUT_MAX, relay_cb, NULL, why, sizeof why) == 0) {
                sg_hio_log("prompt %ld started for attempt %s: %s", (long) slot->proc.pid, job->attempt, program);
                free(program);
                slot->job = job;
                return 0;
        }
        free(program);
        sg_prompt_result res = {.end = SG_PROMPT_NOT_STARTED, .detail = why};
        return sg_hio_finish_job(h, job, &res);
}

static int end_prompt(sg_host *h, open_prompt *op, int abandoned) {
        sg_prompt_proc *p = &op->proc;
        sg_prompt_result res = {.out = p->out, .out_len = p->out_len};
        if (abandoned)
                res.end = SG_PROMPT_ABANDONED;
        else if (p->overflow)
                res.end = SG_PROMPT_OVERFLOW;
        else if (p->timed_out)
                res.end = SG_PROMPT_TIMED_OUT;
        else if (WIFSIGNALED(p->wstatus))
                res.end = SG_PROMPT_SIGNALED, res.status = WTERMSIG(p->wstatus);
        else
                res.end = SG_PROMPT_EXITED, res.status = WEXITSTATUS(p->wstatus);
        sg_hio_log("prompt %ld for attempt %s ended: %s %d", (long) p->pid, op->job->attempt,
                   abandoned                       ? "abandoned"
                   : p->overflow                   ? "output over the limit"
                   : p->timed_out                  ? "timed out"
                   : res.end == SG_PROMPT_SIGNALED ? "signal"
                                                   : "exit status",
                   res.status);
        sg_prompt_job *job = op->job;
        op->job = NULL;
        int w = sg_hio_finish_job(h, job, &res);
        sg_prompt_proc_clear(p);
        return w;
}

/* stdin closed: end the open prompts (SIGTERM, SIGKILL after the grace
 * period), record them and the prompts never shown as abandoned. */
static void abandon_all(sg_host *h) {
        int64_t now = sg_prompt_now_ms();
        int any = 0;
        for (size_t i = 0; i < SG_HOST_PROMPTS_MAX; i++)
                if (prompts[i].job) {
                        sg_prompt_proc_terminate(&prompts[i].proc, now);
                        any = 1;
                }
        while (any) {
                any = 0;
                int64_t next = 0;
                now = sg_prompt_now_ms();
                for (size_t i = 0; i < SG_HOST_PROMPTS_MAX; i++) {
                        sg_prompt_proc *p = &prompts[i].proc;
                        if (!prompts[i].job || sg_prompt_proc_reap(p))
                                continue;
                        sg_prompt_proc_timers(p, now);
                        int64_t t = sg_prompt_proc_next_timer(p);
                        if (t == 0) {
                                sg_prompt_proc_wait(p); /* SIGKILL sent */
                                continue;
                        }
                        any = 1;
                        if (!next || t < next)
                                next = t;
                }
                if (any) {
                        struct pollfd pfd = {.fd = sigchld_pipe[0], .events = POLLIN};
                        int ms = next > now ? (int) (next - now) : 0;
                        if (poll(&pfd, 1, ms > 100 ? 100 : ms) > 0) {
                                char b[64];
                                while (read(sigchld_pipe[0], b, sizeof b) > 0) {
                                }
                        }
                }
        }
        for (size_t i = 0; i < SG_HOST_PROMPTS_MAX; i++)
                if (prompts[i].job)
                        end_prompt(h, &prompts[i], 1);
        sg_host_shutdown(h);
}

static int setup_sigchld(void) {
        if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
                return -1;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigchld;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
        return sigaction(SIGCHLD, &sa, NULL);
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
        sg_hio_init(write_all, start_job);
        /* The host holds passphrases and plaintext: no core file, not
         * dumpable (docs/protocol.md, "What stays in memory"). */
        if (!sg_secrets_protect_process())
                sg_hio_log("cannot turn off core dumps: %s", strerror(errno));
        /* A closed port must show up as a write error, not kill us silently. */
        signal(SIGPIPE, SIG_IGN);
        /* One process serves every message of the session: keep freed
         * memory for the next request (heap.h). */
        sg_heap_tune_for_requests();
        if (setup_sigchld() != 0) {
                sg_hio_log("cannot set up SIGCHLD handling: %s", strerror(errno));
                return EXIT_PROTOCOL;
        }

        sg_host *h = sg_host_new(NULL);
        if (!h) {
                sg_hio_log("out of memory");
                return EXIT_PROTOCOL;
        }
        sg_host_set_log(h, sg_hio_log_cb, NULL);
        sg_host_set_send(h, sg_hio_transport_send, NULL);
        /* For the doctor op and the prompt program's lookup: where we really
         * run from (symlinks resolved). */
        self_exe = self_exe_path();
        if (sg_host_set_launch(h, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL, self_exe) != SG_OK) {
                free(self_exe);
                sg_host_free(h);
                sg_hio_log("out of memory");
                return EXIT_PROTOCOL;
        }
        sg_hio_log("started: version %s, manifest %s, extension %s, policy %s", SG_VERSION,
                   argc > 1 ? argv[1] : "(none)", argc > 2 ? argv[2] : "(none)", sg_host_policy_path(h));

        sg_frame_reader r;
        sg_frame_reader_init(&r, SG_FRAME_IN_MAX);
        static char buf[READ_SIZE];
        size_t buf_off = 0, buf_len = 0; /* bytes read but not yet fed to the frame reader */
        int status = EXIT_CLEAN;
        for (;;) {
                /* Frames already read are served until a stream's input queue
                 * is full; stdin is read again only when they are all served
                 * and the queue has room (back-pressure). */
                while (buf_off < buf_len && !sg_host_input_full(h)) {
                        size_t used;
                        int w = sg_hio_feed(h, &r, buf + buf_off, buf_len - buf_off, &used);
                        buf_off += used;
                        if (w < 0) {
                                status = EXIT_PROTOCOL;
                                goto out;
                        }
                }
                bool want_stdin = buf_off == buf_len;
                struct pollfd fds[4 + SG_HOST_PROMPTS_MAX * SG_PROMPT_POLLFDS];
                size_t first[SG_HOST_PROMPTS_MAX], count[SG_HOST_PROMPTS_MAX];
                size_t nfds = 0;
                /* fd -1: poll ignores the entry, stdin is left unread */
                fds[nfds++] = (struct pollfd){.fd = want_stdin ? STDIN_FILENO : -1, .events = POLLIN};
                fds[nfds++] = (struct pollfd){.fd = sigchld_pipe[0], .events = POLLIN};
                int stream_fd, keys_fd;
                sg_host_crypto_fds(h, &stream_fd, &keys_fd);
                fds[nfds++] = (struct pollfd){.fd = stream_fd, .events = POLLIN};
                fds[nfds++] = (struct pollfd){.fd = keys_fd, .events = POLLIN};
                int64_t now = sg_prompt_now_ms(), next = 0;
                for (size_t i = 0; i < SG_HOST_PROMPTS_MAX; i++) {
                        first[i] = nfds;
                        count[i] = 0;
                        if (!prompts[i].job)
                                continue;
                        count[i] = sg_prompt_proc_pollfds(&prompts[i].proc, fds + nfds);
                        nfds += count[i];
                        int64_t t = sg_prompt_proc_next_timer(&prompts[i].proc);
                        if (t && (!next || t < next))
                                next = t;
                }
                int timeout = -1;
                if (next)
                        timeout = next > now ? (int) (next - now) : 0;
                /* Also look again now and then: a reaping signal cannot be lost then. */
                for (size_t i = 0; i < SG_HOST_PROMPTS_MAX; i++)
                        if (prompts[i].job && (timeout < 0 || timeout > 1000))
                                timeout = 1000;
                int n = poll(fds, nfds, timeout);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        sg_hio_log("poll failed: %s", strerror(errno));
                        status = EXIT_PROTOCOL;
                        break;
                }
                if (fds[1].revents) {
                        char b[64];
                        while (read(sigchld_pipe[0], b, sizeof b) > 0) {
                        }
                }
                int w = 0;
                if ((fds[2].revents || fds[3].revents) &&
                    sg_host_crypto_pump(h, fds[2].revents != 0, fds[3].revents != 0) < 0) {
                        status = EXIT_PROTOCOL;
                        break;
                }
                now = sg_prompt_now_ms();
                for (size_t i = 0; i < SG_HOST_PROMPTS_MAX && w == 0; i++) {
                        if (!prompts[i].job)
                                continue;
                        sg_prompt_proc_io(&prompts[i].proc, fds + first[i], count[i]);
                        sg_prompt_proc_timers(&prompts[i].proc, now);
                        if (sg_prompt_proc_reap(&prompts[i].proc))
                                w = end_prompt(h, &prompts[i], 0);
                }
                if (w < 0) {
                        status = EXIT_PROTOCOL;
                        break;
                }
                if (!want_stdin || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;

                ssize_t got = read(STDIN_FILENO, buf, sizeof buf);
                if (got < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        sg_hio_log("cannot read stdin: %s", strerror(errno));
                        status = EXIT_PROTOCOL;
                        break;
                }
                if (got == 0) {
                        if (sg_hio_input_ended(&r) < 0)
                                status = EXIT_PROTOCOL;
                        /* An open stream: truncated, or (input complete) run to its end. */
                        if (sg_host_input_eof(h) < 0)
                                status = EXIT_PROTOCOL;
                        break;
                }
                buf_off = 0;
                buf_len = (size_t) got;
        }
out:;
        /* A lookup cannot be interrupted (it may wait on the network): its
         * answer has nobody to go to, so it is left behind and the process
         * ends with _exit once everything else is done. */
        bool lookup_left = sg_host_crypto_end(h);
        if (lookup_left)
                sg_hio_log("a keys.lookup is still running; leaving without its answer");
        abandon_all(h);
        sg_frame_reader_clear(&r);
        sg_host_free(h);
        free(self_exe);
        sg_hio_log("exiting with status %d", status);
        if (lookup_left)
                _exit(status);
        return status;
}
