/* sealgate-host: running the prompt program of one prompt.show without
 * blocking: spawned with close-on-exec pipes, fed its input, its stdout
 * collected (capped), its stderr relayed line by line, ended by timers
 * (SIGTERM, then SIGKILL) and reaped with waitpid(WNOHANG). POSIX; the host's
 * poll(2) loop (host.c) drives it. */
#ifndef SEALGATE_HOST_PROMPT_PROC_H
#define SEALGATE_HOST_PROMPT_PROC_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SG_PROMPT_PROGRAM_ENV  "SEALGATE_PROMPT"
#define SG_PROMPT_PROGRAM_NAME "sealgate-prompt"
#define SG_PROMPT_STDERR_MAX   65536 /* bytes of its stderr relayed to the host's */
#define SG_PROMPT_STDERR_LINE  512   /* bytes of one relayed line */
#define SG_PROMPT_POLLFDS      3     /* descriptors one process adds to poll */

/* Where relayed stderr lines go (no newline in `line`). */
typedef void (*sg_prompt_log_fn)(void *userdata, pid_t pid, const char *line);

typedef struct sg_prompt_proc {
        pid_t pid;
        int in_fd, out_fd, err_fd; /* our ends; -1 once closed */
        const char *input;         /* borrowed until written */
        size_t input_len, input_off;
        char *out; /* stdout so far (NUL-terminated), at most SG_HOST_PROMPT_OUTPUT_MAX */
        size_t out_len, out_max;
        bool overflow;  /* it wrote more than out_max: being killed */
        bool timed_out; /* the timeout passed: being killed */
        bool reaped;
        int wstatus;                     /* waitpid status once reaped */
        int64_t deadline_ms, kill_at_ms; /* monotonic; 0: none */
        char line[SG_PROMPT_STDERR_LINE + 1];
        size_t line_len, err_relayed;
        bool line_cut;
        sg_prompt_log_fn log;
        void *log_userdata;
} sg_prompt_proc;

/* The program to run: $SEALGATE_PROMPT when set and not empty, else
 * sealgate-prompt in the directory of `self_exe` (the running host) when it
 * is executable there, else SG_LIBEXECDIR/sealgate/sealgate-prompt. Owned;
 * NULL on ENOMEM. */
char *sg_prompt_program(const char *self_exe);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t sg_prompt_now_ms(void);

/* Start `program` [--lang LANG] --timeout SECONDS, in its own process group,
 * with `input` (borrowed until the process is cleared) for its stdin. On
 * failure returns -1 and `why` says what went wrong (ENOENT, EACCES, ...);
 * nothing is left to clear. `out_max` caps stdout. */
int sg_prompt_proc_start(sg_prompt_proc *p, const char *program, const char *lang, unsigned timeout_seconds,
                         const char *input, size_t input_len, size_t out_max, sg_prompt_log_fn log, void *userdata,
                         char *why, size_t why_cap);

/* Fill up to SG_PROMPT_POLLFDS entries of `fds` for its open pipes; returns
 * how many. */
size_t sg_prompt_proc_pollfds(const sg_prompt_proc *p, struct pollfd *fds);

/* Serve the events poll(2) reported in `fds[0..n)` (as filled above):
 * write input, collect stdout, relay stderr. */
void sg_prompt_proc_io(sg_prompt_proc *p, const struct pollfd *fds, size_t n);

/* Fire due timers at monotonic `now`: the timeout sends SIGTERM, and
 * SG_HOST_KILL_GRACE_MS later SIGKILL follows. */
void sg_prompt_proc_timers(sg_prompt_proc *p, int64_t now);

/* The next timer (monotonic ms), or 0 for none. */
int64_t sg_prompt_proc_next_timer(const sg_prompt_proc *p);

/* SIGTERM now (to its process group), SIGKILL after the grace period. */
void sg_prompt_proc_terminate(sg_prompt_proc *p, int64_t now);

/* Reap it if it has ended (waitpid WNOHANG), then read what its pipes still
 * hold. True once it has ended. */
bool sg_prompt_proc_reap(sg_prompt_proc *p);

/* Wait for it without limit (after SIGKILL). */
void sg_prompt_proc_wait(sg_prompt_proc *p);

/* Close the pipes and free the output; a process not reaped yet is killed
 * and waited for first. */
void sg_prompt_proc_clear(sg_prompt_proc *p);

#ifdef __cplusplus
}
#endif
#endif
