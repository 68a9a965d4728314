/* sealgate-prompt: read a "prompt" decision on stdin, ask the user, print the
 * choice as one JSON line. The contract is docs/protocol.md ("prompt.show")
 * and the usage below; exit 0 answered, 1 other failure, 2 invalid input, 3
 * no display. Everything is checked before GTK starts, so bad input never
 * opens a window. */
#include <errno.h>
#include <gtk/gtk.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prompt-bcc.h"
#include "prompt-lang.h"
#include "prompt-model.h"
#include "prompt-window.h"
#include "sealgate-config.h"

#define PROG            "sealgate-prompt"
#define TIMEOUT_MAX     86400 /* seconds; the policy allows up to 3600 */
#define EXIT_INVALID    2
#define EXIT_NO_DISPLAY 3

static const char usage[] = "usage: " PROG " [--lang ja|en] [--timeout SECONDS] [--screenshot-mode] < decision.json\n"
                            "       " PROG " --version\n";

typedef struct options {
        const char *lang; /* "ja", "en" or NULL: the desktop's */
        unsigned timeout; /* seconds; 0 = none */
        bool screenshot;
} options;

static int fail(int status, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int fail(int status, const char *fmt, ...) {
        va_list ap;
        fputs(PROG ": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return status;
}

/* 0 ok, 1 --version/--help printed, 2 bad usage (message printed). */
static int parse_args(int argc, char **argv, options *o) {
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = NULL;
                if (strcmp(a, "--version") == 0) {
                        printf(PROG " %s\n", SG_VERSION);
                        return 1;
                }
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        fputs(usage, stdout);
                        return 1;
                }
                if (strcmp(a, "--screenshot-mode") == 0) {
                        o->screenshot = true;
                        continue;
                }
                bool lang = strncmp(a, "--lang", 6) == 0 && (a[6] == '=' || a[6] == 0);
                bool timeout = strncmp(a, "--timeout", 9) == 0 && (a[9] == '=' || a[9] == 0);
                if (!lang && !timeout) {
                        fail(EXIT_INVALID, "unknown option \"%s\"", a);
                        fputs(usage, stderr);
                        return 2;
                }
                const char *eq = strchr(a, '=');
                if (eq)
                        v = eq + 1;
                else if (i + 1 < argc)
                        v = argv[++i];
                else {
                        fail(EXIT_INVALID, "%s needs a value", a);
                        return 2;
                }
                if (lang) {
                        if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0) {
                                fail(EXIT_INVALID, "--lang: expected \"ja\" or \"en\", got \"%.20s\"", v);
                                return 2;
                        }
                        o->lang = v;
                } else {
                        char *end = NULL;
                        errno = 0;
                        unsigned long n = strtoul(v, &end, 10);
                        if (errno || !*v || *end || v[0] == '-' || n < 1 || n > TIMEOUT_MAX) {
                                fail(EXIT_INVALID, "--timeout: expected whole seconds from 1 to %d, got \"%.20s\"",
                                     TIMEOUT_MAX, v);
                                return 2;
                        }
                        o->timeout = (unsigned) n;
                }
        }
        return 0;
}

/* Read all of stdin, at most SG_PROMPT_INPUT_MAX bytes. */
static int read_input(GString **ret) {
        GString *s = g_string_sized_new(64 * 1024);
        char buf[65536];
        for (;;) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        g_string_free(s, TRUE);
                        return fail(1, "cannot read stdin: %s", g_strerror(errno));
                }
                if (n == 0)
                        break;
                if (s->len + (size_t) n > SG_PROMPT_INPUT_MAX) {
                        g_string_free(s, TRUE);
                        return fail(EXIT_INVALID, "input: more than %u bytes", SG_PROMPT_INPUT_MAX);
                }
                g_string_append_len(s, buf, n);
        }
        if (s->len == 0) {
                g_string_free(s, TRUE);
                return fail(EXIT_INVALID, "input: empty (expected a decision object on stdin)");
        }
        *ret = s;
        return 0;
}

typedef struct run {
        GMainLoop *loop;
        char *answer;
} run;

static void on_answered(SgPromptWindow *w, const char *choice, const char *justification, const char *by,
                        gpointer data) {
        run *r = data;
        r->answer = sg_prompt_answer_json(choice, justification, by, sg_prompt_bcc_kept(GTK_WIDGET(w)));
        g_main_loop_quit(r->loop);
}

int main(int argc, char **argv) {
        options o = {0};
        int st = parse_args(argc, argv, &o);
        if (st)
                return st == 1 ? 0 : EXIT_INVALID;

        GString *input = NULL;
        if ((st = read_input(&input)))
                return st;
        sg_prompt_model *model = NULL;
        sg_error err = {0};
        sg_err e = sg_prompt_model_parse(input->str, input->len, &model, &err);
        g_string_free(input, TRUE);
        if (e)
                return fail(e == SG_ERR_NOMEM ? 1 : EXIT_INVALID, "%s", err.message);

        sg_prompt_setup_language(o.lang);
        /* A window of text needs no GPU. On X11, GDK probes GL (Mesa, GLX)
         * while opening the display to choose visuals, about a third of the
         * time to map (docs/performance.md); render with cairo and skip the
         * probe unless the user asks otherwise. */
        if (!g_getenv("GSK_RENDERER"))
                g_setenv("GSK_RENDERER", "cairo", TRUE);
        if (!g_getenv("GDK_DEBUG"))
                g_setenv("GDK_DEBUG", "gl-disable", TRUE);
        g_set_prgname(PROG); /* WM_CLASS and the app id */
        gtk_disable_setlocale();
        if (!gtk_init_check()) {
                sg_prompt_model_free(model);
                return fail(EXIT_NO_DISPLAY, "cannot open display");
        }
        if (o.screenshot)
                g_object_set(gtk_settings_get_default(), "gtk-enable-animations", FALSE, "gtk-cursor-blink", FALSE,
                             NULL);

        run r = {g_main_loop_new(NULL, FALSE), NULL};
        SgPromptWindow *w = sg_prompt_window_new(model);
        g_signal_connect(w, "answered", G_CALLBACK(on_answered), &r);
        sg_prompt_window_set_timeout(w, o.timeout);
        gtk_window_present(GTK_WINDOW(w));
        g_main_loop_run(r.loop);

        /* Print before the window goes: the caller waits on this line only. */
        int status = 0;
        if (!r.answer || printf("%s\n", r.answer) < 0 || fflush(stdout) != 0)
                status = fail(1, "cannot write the answer");
        g_free(r.answer);
        gtk_window_destroy(GTK_WINDOW(w));
        g_main_loop_unref(r.loop);
        sg_prompt_model_free(model);
        return status;
}
