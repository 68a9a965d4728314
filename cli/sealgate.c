/* sealgate: the command line. `policy-check` shows what the policy decides for
 * .eml files (as text for an administrator, or as the host's JSON), and
 * `policy-validate` checks a policy file before it is deployed. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "certs.h"
#include "cli-io.h"
#include "cli-texts.h"
#include "decision-text.h"
#include "doctor.h"
#include "eml.h"
#include "keys.h"
#include "pgp.h"
#include "sealgate-config.h"
#include "sealgate/codec.h"
#include "sealgate/error.h"
#include "sealgate/format.h"
#include "sealgate/policy-json.h"
#include "sealgate/policy.h"
#include "sealgate/secrets.h"
#include "sealgate/util.h"
#include "smime.h"

/* Exit statuses, documented in docs/cli.md. */
enum {
        EXIT_ALL_OK = 0,
        EXIT_MESSAGE_FAILED = 1, /* a message could not be read or evaluated */
        EXIT_USAGE = 2,
        EXIT_POLICY = 3, /* the policy cannot be read or is invalid */
        EXIT_DOCTOR = 4, /* doctor: at least one check failed */
};

/* The user's language for the human texts, from the one catalog ("cli"
 * entries of catalog/texts.json) as `sealgate certs` picks it: LC_ALL, else
 * LC_MESSAGES, else LANG starting with "ja" gives Japanese. JSON stays English. */
static int lang; /* 0 English, 1 Japanese: the row of sg_cli_texts */

static void pick_language(void) {
        lang = sg_format_lang_from_env() == SG_FORMAT_JA ? 1 : 0;
}

static const char *T(sg_cli_text t) {
        return sg_cli_texts[lang][t];
}

/* "sealgate: TEXT\n" on stderr, TEXT's %s filled from `arg`. */
static void say(sg_cli_text t, const char *arg) {
        fputs("sealgate: ", stderr);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        fprintf(stderr, T(t), arg);
#pragma GCC diagnostic pop
        fputc('\n', stderr);
}

static int usage(void) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        fprintf(stderr, T(SG_CLI_T_MAIN_USAGE), SG_POLICY_ENV, SG_POLICY_DEFAULT_PATH, SG_DOCTOR_EXTENSION_ID,
                SG_DOCTOR_HOST_NAME);
#pragma GCC diagnostic pop
        return EXIT_USAGE;
}

/* Text from a file name or a message for one line of output: control
 * characters would break the one-line-per-message promise. Owned. */
static char *one_line(const char *s) {
        char *r = strdup(s ? s : "");
        if (!r) {
                fputs("sealgate: out of memory\n", stderr);
                exit(EXIT_MESSAGE_FAILED);
        }
        sg_cli_one_line(r);
        return r;
}

/* "sealgate: <what>: <message>" on stderr. */
static void complain(const char *what, const char *message) {
        char *w = one_line(what);
        char *m = one_line(message);
        fprintf(stderr, "sealgate: %s: %s\n", w, m);
        free(w);
        free(m);
}

/* Unknown options and missing arguments, reported our way. */
static int bad_option(char **argv, int c) {
        sg_cli_bad_option(argv, c);
        return usage();
}

static sg_err load_policy(const char *path, sg_policy **ret) {
        sg_error err = {0};
        sg_err r = sg_policy_load_file(path, ret, &err);
        if (r == SG_ERR_POLICY_IO) {
                char *m = one_line(err.message); /* it names the path already */
                fprintf(stderr, "sealgate: %s\n", m);
                free(m);
        } else if (r != SG_OK) {
                complain(path, err.message);
        }
        return r;
}

/* ---- JSON output. */

static json_object *json_error(sg_err code, const char *message) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "code", json_object_new_string(sg_err_code(code)));
        json_object_object_add(e, "message", json_object_new_string(message));
        return e;
}

/* A file name as a JSON string: JSON needs UTF-8, a file name may not be. */
static json_object *json_file_name(const char *file) {
        if (sg_utf8_valid(file, strlen(file)))
                return json_object_new_string(file);
        char *safe = one_line(file);
        for (unsigned char *p = (unsigned char *) safe; *p; p++)
                if (*p >= 0x80)
                        *p = '?';
        json_object *s = json_object_new_string(safe);
        free(safe);
        return s;
}

/* ---- Commands. */

static int policy_check(int argc, char **argv) {
        static const struct option options[] = {
                {"policy", required_argument, NULL, 'p'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *policy_path = NULL;
        bool json = false;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":p:jh", options, NULL)) != -1) {
                switch (c) {
                case 'p':
                        policy_path = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        return usage();
                default:
                        return bad_option(argv, c);
                }
        }
        if (optind >= argc) {
                say(SG_CLI_T_MAIN_NO_MESSAGE_FILE, NULL);
                return usage();
        }
        if (!policy_path)
                policy_path = sg_policy_default_path();

        sg_policy *policy = NULL;
        if (load_policy(policy_path, &policy) != SG_OK)
                return EXIT_POLICY;

        sg_eml_library_init();
        int status = EXIT_ALL_OK;
        json_object *doc = json ? json_object_new_object() : NULL;
        json_object *list = json ? json_object_new_array() : NULL;
        for (int i = optind; i < argc; i++) {
                const char *file = argv[i];
                sg_error err = {0};
                sg_eml *eml = NULL;
                sg_decision *d = NULL;
                sg_err r = sg_eml_load_file(file, &eml, &err);
                if (r == SG_OK)
                        r = sg_policy_evaluate(policy, sg_eml_message(eml), &d, &err);
                json_object *entry = json ? json_object_new_object() : NULL;
                if (entry)
                        json_object_object_add(entry, "file", json_file_name(file));
                if (r != SG_OK) {
                        status = EXIT_MESSAGE_FAILED;
                        char line[SG_ERROR_MESSAGE_MAX + 32];
                        snprintf(line, sizeof line, "%s: %s", sg_err_code(r), err.message);
                        complain(file, line);
                        if (entry)
                                json_object_object_add(entry, "error", json_error(r, err.message));
                } else if (entry) {
                        json_object *result = sg_decision_to_json(d);
                        if (!result) {
                                status = EXIT_MESSAGE_FAILED;
                                complain(file, "out of memory");
                                json_object_object_add(entry, "error", json_error(SG_ERR_NOMEM, "out of memory"));
                        } else {
                                json_object_object_add(entry, "result", result);
                        }
                } else {
                        sg_cli_print_decision(file, d);
                }
                if (entry)
                        json_object_array_add(list, entry);
                sg_decision_free(d);
                sg_eml_free(eml);
        }
        if (doc) {
                json_object_object_add(doc, "messages", list);
                const char *text = json_object_to_json_string_ext(
                        doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
                printf("%s\n", text);
                json_object_put(doc);
        }
        sg_eml_library_shutdown();
        sg_policy_free(policy);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                say(SG_CLI_T_MAIN_CANNOT_WRITE, NULL);
                status = EXIT_MESSAGE_FAILED;
        }
        return status;
}

static int policy_validate(int argc, char **argv) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                if (c == 'h')
                        return usage();
                return bad_option(argv, c);
        }
        if (argc - optind != 1) {
                say(SG_CLI_T_MAIN_ONE_POLICY_FILE, NULL);
                return usage();
        }
        const char *path = argv[optind];
        sg_policy *policy = NULL;
        if (load_policy(path, &policy) != SG_OK)
                return EXIT_POLICY;
        sg_policy_free(policy);
        char *p = one_line(path);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        printf(T(SG_CLI_T_WIN_VALID), p); /* one text with sealgate.exe */
#pragma GCC diagnostic pop
        putchar('\n');
        free(p);
        return fflush(stdout) == 0 ? EXIT_ALL_OK : EXIT_MESSAGE_FAILED;
}

static int doctor(int argc, char **argv) {
        static const struct option options[] = {
                {"extension-id", required_argument, NULL, 'e'},
                {"host-name", required_argument, NULL, 'n'},
                {"policy", required_argument, NULL, 'p'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        sg_doctor_options o = {0};
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":e:n:p:jh", options, NULL)) != -1) {
                switch (c) {
                case 'e':
                        o.extension_id = optarg;
                        break;
                case 'n':
                        o.host_name = optarg;
                        break;
                case 'p':
                        o.policy_path = optarg;
                        break;
                case 'j':
                        o.json = true;
                        break;
                case 'h':
                        return usage();
                default:
                        return bad_option(argv, c);
                }
        }
        if (optind < argc) {
                say(SG_CLI_T_MAIN_DOCTOR_NO_ARGS, NULL);
                return usage();
        }
        if (o.host_name && !sg_doctor_name_valid(o.host_name)) {
                complain(o.host_name, T(SG_CLI_T_MAIN_BAD_HOST_NAME));
                return usage();
        }
        if (o.extension_id && !*o.extension_id) {
                say(SG_CLI_T_MAIN_EMPTY_EXTENSION_ID, NULL);
                return usage();
        }
        o.japanese = lang == 1;
        int failed = sg_doctor_run(&o);
        if (failed < 0) {
                say(SG_CLI_T_MAIN_CANNOT_WRITE, NULL);
                return EXIT_MESSAGE_FAILED;
        }
        return failed ? EXIT_DOCTOR : EXIT_ALL_OK;
}

int main(int argc, char **argv) {
        /* the crypto commands hold passphrases, keys and plaintext: no core
         * file, not dumpable (docs/cli.md) */
        sg_secrets_protect_process();
        pick_language();
        if (argc < 2)
                return usage();
        const char *cmd = argv[1];
        if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
                printf("sealgate %s\n", SG_VERSION);
                return fflush(stdout) == 0 ? EXIT_ALL_OK : EXIT_MESSAGE_FAILED;
        }
        if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
                return usage();
        /* each command parses its own options; argv[0] becomes the command */
        if (strcmp(cmd, "policy-check") == 0)
                return policy_check(argc - 1, argv + 1);
        if (strcmp(cmd, "policy-validate") == 0)
                return policy_validate(argc - 1, argv + 1);
        if (strcmp(cmd, "doctor") == 0)
                return doctor(argc - 1, argv + 1);
        if (strcmp(cmd, "smime") == 0)
                return sg_cli_smime(argc - 1, argv + 1);
        if (strcmp(cmd, "pgp") == 0)
                return sg_cli_pgp(argc - 1, argv + 1);
        if (strcmp(cmd, "keys") == 0)
                return sg_cli_keys(argc - 1, argv + 1);
        if (strcmp(cmd, "certs") == 0)
                return sg_cli_certs(argc - 1, argv + 1);
        char *c = one_line(cmd);
        say(SG_CLI_T_MAIN_UNKNOWN_COMMAND, c);
        free(c);
        return usage();
}
