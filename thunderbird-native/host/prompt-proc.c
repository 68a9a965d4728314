/* sealgate-host: one prompt program's process: spawn, pipes, timers, reaping. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "prompt-proc.h"
#include "sealgate-config.h"
#include "sealgate/util.h"

extern char **environ;

int64_t sg_prompt_now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int executable(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *sg_prompt_program(const char *self_exe) {
        const char *env = getenv(SG_PROMPT_PROGRAM_ENV);
        if (env && *env)
                return sg_strdup(env);
        if (self_exe && strrchr(self_exe, '/')) {
                size_t dir = (size_t) (strrchr(self_exe, '/') - self_exe);
                size_t n = dir + sizeof "/" SG_PROMPT_PROGRAM_NAME;
                char *p = malloc(n);
                if (!p)
                        return NULL;
                snprintf(p, n, "%.*s/%s", (int) dir, self_exe, SG_PROMPT_PROGRAM_NAME);
                if (executable(p))
                        return p;
                free(p);
        }
        return sg_strdup(SG_LIBEXECDIR "/sealgate/" SG_PROMPT_PROGRAM_NAME);
}

static int set_nonblock(int fd) {
        int fl = fcntl(fd, F_GETFL);
        return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_fd(int *fd) {
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

int sg_prompt_proc_start(sg_prompt_proc *p, const char *program, const char *lang, unsigned timeout_seconds,
                         const char *input, size_t input_len, size_t out_max, sg_prompt_log_fn log, void *userdata,
                         char *why, size_t why_cap) {
        memset(p, 0, sizeof *p);
        p->in_fd = p->out_fd = p->err_fd = -1;
        int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
        p->out = malloc(out_max + 1);
        if (!p->out) {
                snprintf(why, why_cap, "out of memory");
                return -1;
        }
        p->out[0] = '\0';
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
                snprintf(why, why_cap, "cannot create pipes: %s", strerror(errno));
                goto fail;
        }
        char tmo[16];
        snprintf(tmo, sizeof tmo, "%u", timeout_seconds);
        char *argv[7];
        size_t argc = 0;
        argv[argc++] = (char *) program;
        if (lang && *lang) {
                argv[argc++] = (char *) "--lang";
                argv[argc++] = (char *) lang;
        }
        argv[argc++] = (char *) "--timeout";
        argv[argc++] = tmo;
        argv[argc] = NULL;

        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        /* dup2 clears close-on-exec on 0, 1 and 2 only: nothing else of the
         * host (its own stdin/stdout, audit files) reaches the program. */
        posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
        sigset_t none, deflt;
        sigemptyset(&none);
        sigemptyset(&deflt);
        sigaddset(&deflt, SIGPIPE); /* the host ignores it; the program must not inherit that */
        sigaddset(&deflt, SIGCHLD);
        sigaddset(&deflt, SIGTERM);
        sigaddset(&deflt, SIGINT);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &deflt);
        /* Its own process group, so the kill reaches anything it started. */
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
        int r = posix_spawn(&p->pid, program, &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r != 0) {
                snprintf(why, why_cap, "cannot run %s: %s", program, strerror(r));
                goto fail;
        }
        close_fd(&in[0]);
        close_fd(&out[1]);
        close_fd(&err[1]);
        p->in_fd = in[1];
        p->out_fd = out[0];
        p->err_fd = err[0];
        set_nonblock(p->in_fd);
        set_nonblock(p->out_fd);
        set_nonblock(p->err_fd);
        p->input = input;
        p->input_len = input_len;
        p->out_max = out_max;
        p->log = log;
        p->log_userdata = userdata;
        p->deadline_ms = sg_prompt_now_ms() + (int64_t) timeout_seconds * 1000;
        return 0;
fail:
        for (int i = 0; i < 2; i++) {
                close_fd(&in[i]);
                close_fd(&out[i]);
                close_fd(&err[i]);
        }
        free(p->out);
        p->out = NULL;
        return -1;
}

size_t sg_prompt_proc_pollfds(const sg_prompt_proc *p, struct pollfd *fds) {
        size_t n = 0;
        if (p->in_fd >= 0)
                fds[n++] = (struct pollfd){.fd = p->in_fd, .events = POLLOUT};
        if (p->out_fd >= 0)
                fds[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
        if (p->err_fd >= 0)
                fds[n++] = (struct pollfd){.fd = p->err_fd, .events = POLLIN};
        return n;
}

static void relay_line(sg_prompt_proc *p) {
        p->line[p->line_len] = '\0';
        if (p->line_len == 0)
                return; /* a blank line says nothing in a log */
        if (p->log && p->err_relayed < SG_PROMPT_STDERR_MAX)
                p->log(p->log_userdata, p->pid, p->line);
        p->err_relayed += p->line_len + 1;
        if (p->log && p->err_relayed >= SG_PROMPT_STDERR_MAX && p->err_relayed - p->line_len - 1 < SG_PROMPT_STDERR_MAX)
                p->log(p->log_userdata, p->pid, "(further output dropped)");
        p->line_len = 0;
        p->line_cut = false;
}

/* Split stderr into lines; a line longer than SG_PROMPT_STDERR_LINE is cut. */
static void take_stderr(sg_prompt_proc *p, const char *buf, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                        if (!p->line_cut || p->line_len)
                                relay_line(p);
                        p->line_cut = false;
                        continue;
                }
                if (p->line_len == SG_PROMPT_STDERR_LINE) {
                        relay_line(p);
                        p->line_cut = true;
                }
                p->line[p->line_len++] = buf[i] == '\r' ? ' ' : buf[i];
        }
}

/* Read what `*fd` has now; closes it at EOF or error. */
static void drain(sg_prompt_proc *p, int *fd, bool is_out) {
        char buf[4096];
        for (;;) {
                ssize_t n = read(*fd, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return;
                if (n <= 0) {
                        if (!is_out && p->line_len)
                                relay_line(p);
                        close_fd(fd);
                        return;
                }
                if (!is_out) {
                        take_stderr(p, buf, (size_t) n);
                } else if (p->out_len + (size_t) n > p->out_max) {
                        if (!p->overflow && !p->reaped)
                                sg_prompt_proc_terminate(p, sg_prompt_now_ms());
                        p->overflow = true;
                } else {
                        memcpy(p->out + p->out_len, buf, (size_t) n);
                        p->out_len += (size_t) n;
                        p->out[p->out_len] = '\0';
                }
        }
}

static void write_input(sg_prompt_proc *p) {
        while (p->in_fd >= 0 && p->input_off < p->input_len) {
                ssize_t n = write(p->in_fd, p->input + p->input_off, p->input_len - p->input_off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return;
                if (n < 0) {
                        close_fd(&p->in_fd); /* EPIPE: it stopped reading; its exit says the rest */
                        return;
                }
                p->input_off += (size_t) n;
        }
        close_fd(&p->in_fd); /* all written: EOF tells it the input is complete */
}

void sg_prompt_proc_io(sg_prompt_proc *p, const struct pollfd *fds, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (!fds[i].revents)
                        continue;
                if (fds[i].fd == p->in_fd) {
                        if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL))
                                close_fd(&p->in_fd);
                        else
                                write_input(p);
                } else if (fds[i].fd == p->out_fd) {
                        drain(p, &p->out_fd, true);
                } else if (fds[i].fd == p->err_fd) {
                        drain(p, &p->err_fd, false);
                }
        }
}

static void signal_group(sg_prompt_proc *p, int sig) {
        if (p->reaped || p->pid <= 0)
                return;
        /* The group may not exist yet in the instant after spawn: then the pid. */
        if (kill(-p->pid, sig) != 0)
                kill(p->pid, sig);
}

void sg_prompt_proc_terminate(sg_prompt_proc *p, int64_t now) {
        if (p->reaped || p->kill_at_ms)
                return;
        signal_group(p, SIGTERM);
        p->kill_at_ms = now + SG_HOST_KILL_GRACE_MS;
}

void sg_prompt_proc_timers(sg_prompt_proc *p, int64_t now) {
        if (p->reaped)
                return;
        if (p->kill_at_ms && now >= p->kill_at_ms) {
                signal_group(p, SIGKILL);
                p->kill_at_ms = 0;
                p->deadline_ms = 0;
                return;
        }
        if (p->deadline_ms && now >= p->deadline_ms && !p->kill_at_ms) {
                p->timed_out = true;
                p->deadline_ms = 0;
                sg_prompt_proc_terminate(p, now);
        }
}

int64_t sg_prompt_proc_next_timer(const sg_prompt_proc *p) {
        if (p->reaped)
                return 0;
        if (p->kill_at_ms)
                return p->kill_at_ms;
        return p->deadline_ms;
}

static void after_reap(sg_prompt_proc *p) {
        p->reaped = true;
        /* Take what is still in the pipes; a descendant that kept them open
         * does not hold us up (non-blocking). */
        if (p->out_fd >= 0)
                drain(p, &p->out_fd, true);
        if (p->err_fd >= 0)
                drain(p, &p->err_fd, false);
        if (p->line_len)
                relay_line(p);
}

bool sg_prompt_proc_reap(sg_prompt_proc *p) {
        if (p->reaped)
                return true;
        int st;
        pid_t r;
        do
                r = waitpid(p->pid, &st, WNOHANG);
        while (r < 0 && errno == EINTR);
        if (r == 0)
                return false;
        p->wstatus = r == p->pid ? st : 0;
        after_reap(p);
        /* The group outlives its leader: anything it left behind goes too. */
        kill(-p->pid, SIGKILL);
        return true;
}

void sg_prompt_proc_wait(sg_prompt_proc *p) {
        if (p->reaped)
                return;
        int st = 0;
        pid_t r;
        do
                r = waitpid(p->pid, &st, 0);
        while (r < 0 && errno == EINTR);
        p->wstatus = r == p->pid ? st : 0;
        after_reap(p);
        kill(-p->pid, SIGKILL);
}

void sg_prompt_proc_clear(sg_prompt_proc *p) {
        if (p->pid > 0 && !p->reaped) {
                signal_group(p, SIGKILL);
                sg_prompt_proc_wait(p);
        }
        close_fd(&p->in_fd);
        close_fd(&p->out_fd);
        close_fd(&p->err_fd);
        free(p->out);
        p->out = NULL;
        p->pid = 0;
}
