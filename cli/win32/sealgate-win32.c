/* sealgate.exe: the command line on Windows (docs/cli.md, "Windows"):
 * `doctor` (doctor-win32.c), `policy-validate` of a JSON policy file or of
 * the registry policy, and `policy-check` of a message given as the
 * protocol's message JSON against the registry policy. The .eml reader
 * needs GMime, which is not built for Windows; the crypto commands are
 * Linux-only. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../decision-text.h"
#include "doctor-win32.h"
#include "policy-reg.h"
#include "sealgate-config.h"
#include "sealgate/codec.h"
#include "sealgate/error.h"
#include "sealgate/json-util.h"
#include "sealgate/policy-json.h"
#include "sealgate/policy.h"
#include "texts-win32.h"

/* Exit statuses, the same as on Linux (docs/cli.md). */
enum {
        EXIT_ALL_OK = 0,
        EXIT_MESSAGE_FAILED = 1,
        EXIT_USAGE = 2,
        EXIT_POLICY = 3,
        EXIT_DOCTOR = 4,
};

/* The largest message JSON file policy-check reads (the body alone may be
 * SG_MSG_BODY_MAX, 8 MiB, and JSON escapes can double it). */
#define SG_WCLI_MESSAGE_JSON_MAX   (32u << 20)
/* Nesting depth of the message JSON. */
#define SG_WCLI_MESSAGE_JSON_DEPTH 32

/* The usage text, in the user's language, on `f`. */
static void put_usage(FILE *f) {
        char keys[256], text[4096];
        sg_wcli_format(keys, sizeof keys, SG_CLI_T_WIN_REGISTRY_POLICY, SG_REG_POLICY_KEY, SG_REG_USER_KEY);
        fputs(sg_wcli_format(text, sizeof text, SG_CLI_T_WIN_USAGE, keys), f);
}

static int usage(void) {
        put_usage(stderr);
        return EXIT_USAGE;
}

/* Control characters in a message for one line of output become '?'. */
static void complain(const char *what, const char *message) {
        char line[SG_ERROR_MESSAGE_MAX + 512];
        snprintf(line, sizeof line, "sealgate: %s%s%s\n", what ? what : "", what ? ": " : "", message);
        for (char *p = line; p[1]; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7F)
                        *p = '?';
        fputs(line, stderr);
}

static int finish(int status) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fputs("sealgate: cannot write the output\n", stderr);
                return EXIT_MESSAGE_FAILED;
        }
        return status;
}

/* The registry policy, or the JSON file `path`; false (reported) on failure. */
static bool load_policy(const char *path, sg_policy **ret) {
        sg_error err = {0};
        sg_err r = path ? sg_policy_load_file(path, ret, &err) : sg_policy_reg_load(ret, &err);
        if (r == SG_OK)
                return true;
        complain(path && r != SG_ERR_POLICY_IO ? path : NULL, err.message);
        return false;
}

static int policy_validate(int argc, char **argv) {
        if (argc != 2 || strcmp(argv[1], "--help") == 0) {
                fputs("sealgate: policy-validate needs exactly one policy file or --registry\n", stderr);
                return usage();
        }
        bool registry = strcmp(argv[1], "--registry") == 0;
        if (!registry && argv[1][0] == '-' && argv[1][1]) {
                complain(NULL, sg_wcli_text(SG_CLI_T_WIN_UNKNOWN_OPTION));
                return usage();
        }
        sg_policy *p = NULL;
        if (!load_policy(registry ? NULL : argv[1], &p))
                return EXIT_POLICY;
        sg_policy_free(p);
        char what[256], line[1024];
        if (registry)
                sg_wcli_format(what, sizeof what, SG_CLI_T_WIN_REGISTRY_POLICY, SG_REG_POLICY_KEY, SG_REG_USER_KEY);
        else
                snprintf(what, sizeof what, "%s", argv[1]);
        printf("%s\n", sg_wcli_format(line, sizeof line, SG_CLI_T_WIN_VALID, what));
        return finish(EXIT_ALL_OK);
}

/* Read all of `path` (at most SG_WCLI_MESSAGE_JSON_MAX bytes); owned. */
static char *read_file(const char *path, size_t *ret_len, sg_error *err) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                sg_error_set(err, SG_ERR_IO, "cannot open the file: %s", strerror(errno));
                return NULL;
        }
        size_t cap = 65536, len = 0;
        char *buf = malloc(cap + 1);
        while (buf) {
                size_t got = fread(buf + len, 1, cap - len, f);
                len += got;
                if (len > SG_WCLI_MESSAGE_JSON_MAX) {
                        sg_error_set(err, SG_ERR_LIMIT, "the message JSON is over %u bytes", SG_WCLI_MESSAGE_JSON_MAX);
                        free(buf);
                        buf = NULL;
                        break;
                }
                if (got == 0) {
                        if (ferror(f)) {
                                sg_error_set(err, SG_ERR_IO, "cannot read the file");
                                free(buf);
                                buf = NULL;
                        }
                        break;
                }
                if (len == cap) {
                        cap = cap * 2 > SG_WCLI_MESSAGE_JSON_MAX + 1 ? SG_WCLI_MESSAGE_JSON_MAX + 1 : cap * 2;
                        char *b = realloc(buf, cap + 1);
                        if (!b) {
                                free(buf);
                                buf = NULL;
                        }
                        buf = b;
                }
        }
        fclose(f);
        if (!buf && err->code == SG_OK)
                sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (buf) {
                buf[len] = 0;
                *ret_len = len;
        }
        return buf;
}

/* The decision for the message JSON in `file`, or an error. */
static sg_err evaluate_file(const sg_policy *policy, const char *file, sg_decision **ret, sg_error *err) {
        size_t len = 0;
        char *text = read_file(file, &len, err);
        if (!text)
                return err->code;
        json_object *obj = NULL;
        size_t offset = 0;
        const char *desc = NULL;
        sg_json_parse_status st = sg_json_parse_strict(text, len, SG_WCLI_MESSAGE_JSON_DEPTH,
                                                       JSON_TOKENER_VALIDATE_UTF8, &obj, &offset, &desc);
        free(text);
        if (st != SG_JSON_PARSED) {
                sg_error_set(err, SG_ERR_JSON, "not a JSON value (at byte %zu: %s)", offset,
                             desc                       ? desc
                             : st == SG_JSON_INCOMPLETE ? "the text ends inside the value"
                                                        : "invalid");
                return SG_ERR_JSON;
        }
        sg_message_buf buf = {0};
        sg_err r = sg_message_from_json(obj, &buf, err);
        if (r == SG_OK)
                r = sg_policy_evaluate(policy, &buf.msg, ret, err);
        sg_message_buf_clear(&buf);
        json_object_put(obj);
        return r;
}

static int policy_check(int argc, char **argv) {
        const char *file = NULL, *policy_path = NULL;
        bool json = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0) {
                        json = true;
                } else if ((strcmp(argv[i], "--message-json") == 0 || strcmp(argv[i], "--policy") == 0) &&
                           i + 1 < argc) {
                        *(argv[i][2] == 'm' ? &file : &policy_path) = argv[i + 1];
                        i++;
                } else if (argv[i][0] == '-') {
                        complain(argv[i], "unknown option or missing argument");
                        return usage();
                } else {
                        complain(argv[i], "an .eml file needs the Linux command (GMime is not built for "
                                          "Windows): give the message as --message-json FILE");
                        return usage();
                }
        }
        if (!file) {
                fputs("sealgate: policy-check needs --message-json FILE\n", stderr);
                return usage();
        }
        sg_policy *policy = NULL;
        if (!load_policy(policy_path, &policy))
                return EXIT_POLICY;
        sg_error err = {0};
        sg_decision *d = NULL;
        sg_err r = evaluate_file(policy, file, &d, &err);
        int status = EXIT_ALL_OK;
        if (r != SG_OK) {
                char line[SG_ERROR_MESSAGE_MAX + 32];
                snprintf(line, sizeof line, "%s: %s", sg_err_code(r), err.message);
                complain(file, line);
                status = EXIT_MESSAGE_FAILED;
        }
        if (json) {
                json_object *doc = json_object_new_object(), *list = json_object_new_array(),
                            *entry = json_object_new_object();
                json_object_object_add(entry, "file", json_object_new_string(file));
                if (r == SG_OK) {
                        json_object_object_add(entry, "result", sg_decision_to_json(d));
                } else {
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "code", json_object_new_string(sg_err_code(r)));
                        json_object_object_add(e, "message", json_object_new_string(err.message));
                        json_object_object_add(entry, "error", e);
                }
                json_object_array_add(list, entry);
                json_object_object_add(doc, "messages", list);
                printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(doc);
        } else if (r == SG_OK) {
                sg_cli_print_decision(file, d);
        }
        sg_decision_free(d);
        sg_policy_free(policy);
        return finish(status);
}

static int doctor(int argc, char **argv) {
        bool json = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0) {
                        json = true;
                } else {
                        complain(argv[i], sg_wcli_text(SG_CLI_T_WIN_DOCTOR_JSON_ONLY));
                        return usage();
                }
        }
        int failed = sg_wdoctor_run(json);
        if (failed < 0) {
                fputs("sealgate: cannot write the output\n", stderr);
                return EXIT_MESSAGE_FAILED;
        }
        return failed ? EXIT_DOCTOR : EXIT_ALL_OK;
}

int main(int argc, char **argv) {
        if (argc < 2)
                return usage();
        const char *cmd = argv[1];
        if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
                printf("sealgate %s\n", SG_VERSION);
                return finish(EXIT_ALL_OK);
        }
        if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
                put_usage(stdout);
                return finish(EXIT_ALL_OK);
        }
        if (strcmp(cmd, "doctor") == 0)
                return doctor(argc - 1, argv + 1);
        if (strcmp(cmd, "policy-validate") == 0)
                return policy_validate(argc - 1, argv + 1);
        if (strcmp(cmd, "policy-check") == 0)
                return policy_check(argc - 1, argv + 1);
        complain(cmd, sg_wcli_text(SG_CLI_T_WIN_UNKNOWN_COMMAND));
        return usage();
}
