/* sealgate-host: certs.wizard: start the certificate import wizard
 * (sealgate-certs, gtk-prompt/certs-main.c) on the user's desktop for the
 * options page's "Import a certificate…". Unlike prompt.show nothing waits
 * for it: it is started detached (its own session, stdio on /dev/null, a
 * grandchild so no zombie is left) and the answer says it was started. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "host-private.h"
#include "sealgate-config.h"
#include "sealgate/util.h"

#define CERTS_WIZARD_ENV      "SEALGATE_CERTS_WIZARD"
#define CERTS_WIZARD_NAME     "sealgate-certs"
#define CERTS_WIZARD_PATH_MAX 4096

const char _host_hlp_certs_wizard[] = "{lang} -> {started, program}: opens the certificate import wizard "
                                      "(sealgate-certs) on the desktop and answers at once";

#ifdef _WIN32
sg_err _host_op_certs_wizard(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        (void) h, (void) req, (void) id_json, (void) out;
        return sg_error_set(err, SG_ERR_UNSUPPORTED_PLATFORM, "the certificate wizard exists on Linux only");
}
#else
static bool runnable(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* $SEALGATE_CERTS_WIZARD, else sealgate-certs next to the host, else the
 * installed one. */
static void wizard_program(const sg_host *h, char *buf, size_t n) {
        const char *env = getenv(CERTS_WIZARD_ENV);
        if (env && *env) {
                snprintf(buf, n, "%s", env);
                return;
        }
        const char *slash = h->self_exe ? strrchr(h->self_exe, '/') : NULL;
        if (slash) {
                snprintf(buf, n, "%.*s/%s", (int) (slash - h->self_exe), h->self_exe, CERTS_WIZARD_NAME);
                if (runnable(buf))
                        return;
        }
        snprintf(buf, n, "%s/%s", SG_BINDIR, CERTS_WIZARD_NAME);
}

sg_err _host_op_certs_wizard(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        (void) id_json;
        const char *lang = NULL;
        json_object *v = NULL;
        if (json_object_object_get_ex(req, "lang", &v) && v) {
                const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
                if (!s || (strcmp(s, "ja") != 0 && strcmp(s, "en") != 0))
                        return sg_error_set(err, SG_ERR_REQUEST, "lang: expected \"ja\", \"en\" or null");
                lang = s;
        }
        char program[CERTS_WIZARD_PATH_MAX];
        wizard_program(h, program, sizeof program);
        if (!runnable(program))
                return sg_error_set(err, SG_ERR_PROMPT_UNAVAILABLE, "the certificate wizard %.*s cannot be run",
                                    _host_quote_len(program, 300), program);
        const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
        if ((!display || !*display) && (!wayland || !*wayland))
                return sg_error_set(err, SG_ERR_PROMPT_UNAVAILABLE, "no display to open the certificate wizard on");
        char *argv[] = {program, lang ? "--lang" : NULL, (char *) lang, NULL};
        pid_t child = fork();
        if (child < 0)
                return sg_error_set(err, SG_ERR_PROMPT_FAILED, "cannot start the certificate wizard: %s",
                                    strerror(errno));
        if (child == 0) {
                /* Only async-signal-safe calls from here: the host may have threads. */
                setsid();
                pid_t g = fork();
                if (g != 0)
                        _exit(g < 0 ? 1 : 0);
                int null = open("/dev/null", O_RDWR);
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                        if (null > 2)
                                close(null);
                }
                execv(program, argv);
                _exit(127);
        }
        int st = 0;
        while (waitpid(child, &st, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return sg_error_set(err, SG_ERR_PROMPT_FAILED, "cannot start the certificate wizard");
        _host_log(h, "certificate wizard started: %s", program);
        json_object *r = json_object_new_object();
        if (!r)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        json_object_object_add(r, "started", json_object_new_boolean(1));
        json_object_object_add(r, "program", json_object_new_string(program));
        out->result = r;
        return SG_OK;
}
#endif
