/* sealgate-host.exe: the Thunderbird native-messaging host's transport on
 * Windows: frames in on stdin, frames out on stdout (binary mode), around
 * the same connection and op table as on Linux (conn.h, request.c). Instead
 * of poll(2): one thread reads stdin and one thread per open prompt shows
 * the TaskDialog (prompt-win32.c); both hand their results to the main
 * thread through one queue, and only the main thread touches the connection
 * and writes stdout. Framing and limits are sealgate/frame.h's, as on Linux. */
#include <fcntl.h>
#include <io.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "conn.h"
#include "disp.h"
#include "host-io.h"
#include "prompt-win32.h"
#include "sealgate-config.h"
#include "sealgate/frame.h"
#include "sealgate/util.h"
#include "win32-module.h"

HINSTANCE sg_module; /* this executable: the prompt's manifest resource */

enum {
        EXIT_CLEAN = 0,   /* EOF between frames: Thunderbird closed the port */
        EXIT_PROTOCOL = 1 /* broken framing, or stdin/stdout failed */
};

#define READ_SIZE       65536
/* Bytes read from stdin but not yet served: the reader waits past this. */
#define QUEUE_BYTES_MAX (4u << 20)

/* ---- stdout (main thread only) */

static HANDLE out_h;

/* All of `data` to stdout: 0, or -1 after logging why. */
static int write_buf(const void *data, size_t len) {
        const char *p = data;
        while (len > 0) {
                DWORD n = 0;
                if (!WriteFile(out_h, p, len > 0x10000000 ? 0x10000000 : (DWORD) len, &n, NULL) || n == 0) {
                        sg_hio_log("cannot write to stdout (error %lu)", GetLastError());
                        return -1;
                }
                p += n;
                len -= n;
        }
        return 0;
}

/* host-io's way to write stdout: the header, then the payload. */
static int write_all(const void *head, size_t head_len, const void *data, size_t len) {
        return write_buf(head, head_len) < 0 || write_buf(data, len) < 0 ? -1 : 0;
}

/* ---- the queue the threads hand their results to the main thread through */

typedef enum ev_kind { EV_INPUT, EV_EOF, EV_READ_ERROR, EV_PROMPT } ev_kind;

typedef struct ev {
        struct ev *next;
        ev_kind kind;
        char *data; /* EV_INPUT: bytes read */
        size_t len;
        size_t slot;           /* EV_PROMPT: the prompt's slot */
        sg_win_prompt_out out; /* EV_PROMPT */
        DWORD error;           /* EV_READ_ERROR */
} ev;

static SRWLOCK q_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE q_ready = CONDITION_VARIABLE_INIT; /* an event was queued */
static CONDITION_VARIABLE q_room = CONDITION_VARIABLE_INIT;  /* input was taken */
static ev *q_head, *q_tail;
static size_t q_bytes;

static void q_push(ev *e) {
        AcquireSRWLockExclusive(&q_lock);
        e->next = NULL;
        if (q_tail)
                q_tail->next = e;
        else
                q_head = e;
        q_tail = e;
        q_bytes += e->len;
        ReleaseSRWLockExclusive(&q_lock);
        WakeAllConditionVariable(&q_ready);
}

static ev *q_pop(void) {
        AcquireSRWLockExclusive(&q_lock);
        while (!q_head)
                SleepConditionVariableSRW(&q_ready, &q_lock, INFINITE, 0);
        ev *e = q_head;
        q_head = e->next;
        if (!q_head)
                q_tail = NULL;
        q_bytes -= e->len;
        ReleaseSRWLockExclusive(&q_lock);
        WakeAllConditionVariable(&q_room);
        return e;
}

static ev *ev_new(ev_kind kind) {
        ev *e = calloc(1, sizeof *e);
        if (!e) {
                sg_hio_log("out of memory");
                ExitProcess(EXIT_PROTOCOL);
        }
        e->kind = kind;
        return e;
}

/* The stdin reader: blocks in ReadFile, never touches the connection. */
static DWORD WINAPI reader_main(void *arg) {
        HANDLE in = arg;
        for (;;) {
                AcquireSRWLockExclusive(&q_lock);
                while (q_bytes >= QUEUE_BYTES_MAX)
                        SleepConditionVariableSRW(&q_room, &q_lock, INFINITE, 0);
                ReleaseSRWLockExclusive(&q_lock);
                char *buf = malloc(READ_SIZE);
                DWORD n = 0;
                if (!buf)
                        ExitProcess(EXIT_PROTOCOL);
                if (!ReadFile(in, buf, READ_SIZE, &n, NULL) || n == 0) {
                        DWORD e = n == 0 ? GetLastError() : 0;
                        free(buf);
                        ev *x = ev_new(e == ERROR_SUCCESS || e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF
                                               ? EV_EOF
                                               : EV_READ_ERROR);
                        x->error = e;
                        q_push(x);
                        return 0;
                }
                ev *x = ev_new(EV_INPUT);
                x->data = buf;
                x->len = n;
                q_push(x);
        }
}

/* ---- open prompts */

/* What a prompt's thread reads is copied or borrowed here before it starts;
 * the thread never looks at the slot's job, which the main thread owns. */
typedef struct open_prompt {
        sg_prompt_job *job; /* NULL: free slot */
        const sg_decision *d;
        const char *subject;
        char lang[3];
        HANDLE thread;
} open_prompt;

static size_t threads_running; /* prompt threads not yet joined */

static open_prompt prompts[SG_HOST_PROMPTS_MAX];

static DWORD WINAPI prompt_main(void *arg) {
        size_t slot = (size_t) (uintptr_t) arg;
        open_prompt *op = &prompts[slot];
        ev *x = ev_new(EV_PROMPT);
        x->slot = slot;
        sg_win_prompt_run(op->d, op->subject, op->lang, &x->out);
        q_push(x);
        return 0;
}

static int start_job(sg_host *h, sg_prompt_job *job) {
        open_prompt *slot = NULL;
        size_t i;
        for (i = 0; i < SG_HOST_PROMPTS_MAX && !slot; i++)
                if (!prompts[i].job)
                        slot = &prompts[i];
        const char *why = "no free prompt slot";
        if (slot) {
                i--;
                slot->d = sg_host_prompt_decision(h, job, &slot->subject);
                slot->job = job;
                memcpy(slot->lang, job->lang, sizeof slot->lang);
                slot->thread = slot->d ? CreateThread(NULL, 0, prompt_main, (void *) (uintptr_t) i, 0, NULL) : NULL;
                if (slot->thread) {
                        threads_running++;
                        sg_hio_log("prompt %zu started for attempt %s", i, job->attempt);
                        return 0;
                }
                slot->job = NULL;
                why = slot->d ? "cannot start the prompt's thread" : "the attempt is not open";
        }
        sg_prompt_result res = {.end = SG_PROMPT_NOT_STARTED, .detail = why};
        return sg_hio_finish_job(h, job, &res);
}

static int end_prompt(sg_host *h, ev *x) {
        open_prompt *op = &prompts[x->slot];
        WaitForSingleObject(op->thread, INFINITE);
        CloseHandle(op->thread);
        threads_running--;
        sg_prompt_result res = {.end = x->out.end,
                                .status = x->out.status,
                                .out = x->out.answer,
                                .out_len = x->out.answer ? strlen(x->out.answer) : 0,
                                .detail = x->out.detail};
        sg_hio_log("prompt %zu for attempt %s ended (%d)", x->slot, op->job->attempt, (int) res.end);
        sg_prompt_job *job = op->job;
        op->job = NULL;
        int w = sg_hio_finish_job(h, job, &res);
        free(x->out.answer);
        return w;
}

/* stdin closed: the prompts still open are recorded as abandoned (their
 * threads end with the process), then the prompts never shown. */
static void abandon_all(sg_host *h) {
        for (size_t i = 0; i < SG_HOST_PROMPTS_MAX; i++)
                if (prompts[i].job) {
                        sg_prompt_result res = {.end = SG_PROMPT_ABANDONED};
                        sg_prompt_job *job = prompts[i].job;
                        prompts[i].job = NULL;
                        sg_hio_finish_job(h, job, &res);
                }
        sg_host_shutdown(h);
}

static void usage(FILE *f) {
        fprintf(f, "Usage: sealgate-host.exe [MANIFEST-PATH [EXTENSION-ID]]\n"
                   "       sealgate-host.exe --version | --help\n\n"
                   "The sealgate native-messaging host for Thunderbird on Windows. Thunderbird\n"
                   "starts it with the path of its manifest and the extension id; it then reads\n"
                   "requests as frames (4-byte native-endian length + UTF-8 JSON) on stdin and\n"
                   "writes responses the same way on stdout until stdin closes. The policy is\n"
                   "read from the registry (HKLM\\Software\\Policies\\sealgate over\n"
                   "HKCU\\Software\\sealgate), as the Outlook add-in reads it. The smime.*, pgp.*\n"
                   "and keys.lookup ops answer unsupported_platform. See docs/protocol.md.\n\n");
        sg_hio_usage_ops(f);
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
        sg_module = GetModuleHandleW(NULL);
        _setmode(_fileno(stdin), _O_BINARY);
        _setmode(_fileno(stdout), _O_BINARY);
        HANDLE in_h = GetStdHandle(STD_INPUT_HANDLE);
        out_h = GetStdHandle(STD_OUTPUT_HANDLE);

        sg_host *h = sg_host_new(NULL);
        if (!h) {
                sg_hio_log("out of memory");
                return EXIT_PROTOCOL;
        }
        sg_host_set_log(h, sg_hio_log_cb, NULL);
        sg_host_set_send(h, sg_hio_transport_send, NULL);
        wchar_t wpath[MAX_PATH];
        DWORD wn = GetModuleFileNameW(NULL, wpath, MAX_PATH);
        char *self_exe = wn > 0 && wn < MAX_PATH ? sg_utf8_from_wide(wpath, -1, NULL) : NULL;
        if (sg_host_set_launch(h, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL, self_exe) != SG_OK) {
                sg_hio_log("out of memory");
                return EXIT_PROTOCOL;
        }
        sg_hio_log("started: version %s, manifest %s, extension %s, policy %s", SG_VERSION,
                   argc > 1 ? argv[1] : "(none)", argc > 2 ? argv[2] : "(none)", sg_host_policy_path(h));
        HANDLE reader = CreateThread(NULL, 0, reader_main, in_h, 0, NULL);
        if (!reader) {
                sg_hio_log("cannot start the stdin reader (error %lu)", GetLastError());
                return EXIT_PROTOCOL;
        }

        sg_frame_reader r;
        sg_frame_reader_init(&r, SG_FRAME_IN_MAX);
        int status = EXIT_CLEAN;
        for (bool done = false; !done;) {
                ev *x = q_pop();
                switch (x->kind) {
                case EV_PROMPT:
                        if (end_prompt(h, x) < 0)
                                status = EXIT_PROTOCOL, done = true;
                        break;
                case EV_READ_ERROR:
                        sg_hio_log("cannot read stdin (error %lu)", x->error);
                        status = EXIT_PROTOCOL, done = true;
                        break;
                case EV_EOF:
                        if (sg_hio_input_ended(&r) < 0)
                                status = EXIT_PROTOCOL;
                        done = true;
                        break;
                case EV_INPUT:
                        for (size_t off = 0; off < x->len && !done;) {
                                size_t used;
                                if (sg_hio_feed(h, &r, x->data + off, x->len - off, &used) < 0)
                                        status = EXIT_PROTOCOL, done = true;
                                off += used;
                        }
                        free(x->data);
                        break;
                }
                free(x);
        }
        abandon_all(h);
        sg_frame_reader_clear(&r);
        /* A prompt's thread still shows its decision: the connection stays
         * until the process ends. */
        if (!threads_running)
                sg_host_free(h);
        free(self_exe);
        sg_hio_log("exiting with status %d", status);
        fflush(NULL);
        /* The reader may be blocked in ReadFile and a prompt thread in its
         * dialog: the process ends them. */
        ExitProcess((UINT) status);
}
