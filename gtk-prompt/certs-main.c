/* sealgate-certs: the certificate import wizard (certs-wizard.c), a program
 * of its own: it links the NSS certificate engine the send prompt does not
 * need, it opens files (a desktop entry for .p12/.pfx), and it outlives no
 * request: the host starts it and returns (docs/protocol.md, "certs.wizard").
 * Prints one JSON line when closed: {"result":"imported"|"cancelled"|
 * "failed","profiles":N,"identities":M}. Exit 0 imported, 1 not imported,
 * 2 invalid usage, 3 no display. */
#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>

#include "certs-wizard.h"
#include "prompt-lang.h"
#include "sealgate-config.h"
#include "sealgate/certs.h"

#define PROG               "sealgate-certs"
#define EXIT_INVALID       2
#define EXIT_NO_DISPLAY    3
#define PROFILES_ARG_MAX   16 /* --profile options */
#define REVOCATION_TIMEOUT 5  /* seconds per OCSP or CRL request while reading a file */

static const char usage[] = "usage: " PROG " [--lang ja|en] [--profile DIR]... [--screenshot-mode] [FILE]\n"
                            "       " PROG " --version\n";

typedef struct run {
        GMainLoop *loop;
        char *result;
} run;

static void on_finished(SgCertsWizard *w, const char *json, gpointer data) {
        run *r = data;
        r->result = g_strdup(json);
        g_main_loop_quit(r->loop);
}

int main(int argc, char **argv) {
        const char *lang = NULL, *file = NULL;
        const char *profiles[PROFILES_ARG_MAX + 1] = {0};
        size_t n_profiles = 0;
        bool screenshot = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--version") == 0) {
                        printf(PROG " %s\n", SG_VERSION);
                        return 0;
                }
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        fputs(usage, stdout);
                        return 0;
                }
                if (strcmp(a, "--screenshot-mode") == 0) {
                        screenshot = true;
                } else if ((strcmp(a, "--lang") == 0 || strcmp(a, "--profile") == 0) && i + 1 < argc) {
                        const char *v = argv[++i];
                        if (a[2] == 'l') {
                                if (strcmp(v, "ja") != 0 && strcmp(v, "en") != 0) {
                                        fprintf(stderr, PROG ": --lang: expected \"ja\" or \"en\"\n");
                                        return EXIT_INVALID;
                                }
                                lang = v;
                        } else if (n_profiles < PROFILES_ARG_MAX) {
                                profiles[n_profiles++] = v;
                        } else {
                                fprintf(stderr, PROG ": at most %d --profile options\n", PROFILES_ARG_MAX);
                                return EXIT_INVALID;
                        }
                } else if (a[0] == '-' && a[1]) {
                        fprintf(stderr, PROG ": unknown option \"%.40s\"\n%s", a, usage);
                        return EXIT_INVALID;
                } else if (!file) {
                        file = a;
                } else {
                        fputs(usage, stderr);
                        return EXIT_INVALID;
                }
        }
        g_log_writer_default_set_use_stderr(TRUE); /* stdout holds the result line only */
        sg_prompt_setup_language(lang);
        if (!g_getenv("GSK_RENDERER"))
                g_setenv("GSK_RENDERER", "cairo", TRUE);
        if (!g_getenv("GDK_DEBUG"))
                g_setenv("GDK_DEBUG", "gl-disable", TRUE);
        g_set_prgname(PROG);
        gtk_disable_setlocale();
        if (!gtk_init_check()) {
                fprintf(stderr, PROG ": cannot open display\n");
                return EXIT_NO_DISPLAY;
        }
        if (screenshot)
                g_object_set(gtk_settings_get_default(), "gtk-enable-animations", FALSE, "gtk-cursor-blink", FALSE,
                             NULL);
        /* A file:// URI from a file manager is a path too. */
        g_autofree char *local =
                file && g_str_has_prefix(file, "file://") ? g_filename_from_uri(file, NULL, NULL) : NULL;
        /* "Revoked or not": asked of the issuer's OCSP responder or CRL;
         * an unanswered question is reported, not fatal (soft-fail). */
        sg_revocation_options rev = {.mode = SG_REVOCATION_SOFT_FAIL, .timeout = REVOCATION_TIMEOUT};
        sg_certs_set_revocation(&rev);
        sg_wz_targets *targets = sg_wz_targets_new(NULL, n_profiles ? profiles : NULL);
        run r = {g_main_loop_new(NULL, FALSE), NULL};
        SgCertsWizard *w = sg_certs_wizard_new(targets, local ? local : file);
        g_signal_connect(w, "finished", G_CALLBACK(on_finished), &r);
        gtk_window_present(GTK_WINDOW(w));
        g_main_loop_run(r.loop);
        int status = r.result && strstr(r.result, "\"imported\"") ? 0 : 1;
        if (!r.result || printf("%s\n", r.result) < 0 || fflush(stdout) != 0)
                status = 1;
        g_free(r.result);
        gtk_window_destroy(GTK_WINDOW(w));
        g_main_loop_unref(r.loop);
        sg_wz_targets_free(targets);
        return status;
}
