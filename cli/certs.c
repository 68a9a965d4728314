/* sealgate: `sealgate certs import|list|show|check`, over core's certs.h:
 * certificates of a Thunderbird profile's NSS database. The first command
 * whose messages are translated: every text is in catalog/texts.json ("cli")
 * and the language follows LC_ALL / LC_MESSAGES / LANG (ja or en). Exit
 * statuses and output are documented in docs/cli.md. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "certs.h"
#include "cli-io.h"
#include "cli-texts.h"
#include "sealgate/certs.h"
#include "sealgate/error.h"
#include "sealgate/format.h"
#include "sealgate/tbprofile.h"

enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1, /* nothing was changed; the stable error code is on stderr */
        EXIT_USAGE = 2,
        EXIT_NOT_USABLE = 6, /* check: no usable certificate */
};

static int lang;

static void pick_language(void) {
        lang = sg_format_lang_from_env() == SG_FORMAT_JA ? 1 : 0;
}

static const char *T(sg_cli_text t) {
        return sg_cli_texts[lang][t];
}

/* Writes text `t` with its placeholders (%s in order, or %1$s, %2$s as the
 * catalog writes them when a language reorders) filled from a and b. */
static void put(FILE *f, sg_cli_text t, const char *a, const char *b) {
        const char *args[2] = {a ? a : "", b ? b : ""};
        int next = 0;
        for (const char *p = T(t); *p; p++) {
                if (p[0] == '%' && p[1] == '%') {
                        fputc('%', f);
                        p++;
                } else if (p[0] == '%' && p[1] == 's') {
                        fputs(args[next < 2 ? next : 1], f);
                        next++;
                        p++;
                } else if (p[0] == '%' && (p[1] == '1' || p[1] == '2') && p[2] == '$' && p[3] == 's') {
                        fputs(args[p[1] - '1'], f);
                        p += 3;
                } else {
                        fputc(*p, f);
                }
        }
}

static int usage(void) {
        fputs(T(SG_CLI_T_CERTS_USAGE), stderr);
        return EXIT_USAGE;
}

static sg_cli_text error_text(sg_err c) {
        switch (c) {
        case SG_ERR_WRONG_PASSPHRASE:
                return SG_CLI_T_CERTS_ERR_WRONG_PASSPHRASE;
        case SG_ERR_UNKNOWN_ALGORITHM:
                return SG_CLI_T_CERTS_ERR_UNKNOWN_ALGORITHM;
        case SG_ERR_TRUNCATED:
                return SG_CLI_T_CERTS_ERR_TRUNCATED;
        case SG_ERR_NO_CERTIFICATE:
                return SG_CLI_T_CERTS_ERR_NO_CERTIFICATE;
        case SG_ERR_NO_PRIVATE_KEY:
                return SG_CLI_T_CERTS_ERR_NO_PRIVATE_KEY;
        case SG_ERR_CERT_UNUSABLE:
                return SG_CLI_T_CERTS_ERR_CERT_UNUSABLE;
        case SG_ERR_LIMIT:
                return SG_CLI_T_CERTS_ERR_LIMIT;
        case SG_ERR_MIME:
                return SG_CLI_T_CERTS_ERR_MIME;
        case SG_ERR_NSS_DB:
                return SG_CLI_T_CERTS_ERR_NSS_DB;
        case SG_ERR_PROFILE_NOT_FOUND:
                return SG_CLI_T_CERTS_ERR_PROFILE_NOT_FOUND;
        case SG_ERR_IO:
                return SG_CLI_T_CERTS_ERR_IO;
        case SG_ERR_INVALID_ARGUMENT:
                return SG_CLI_T_CERTS_ERR_NO_IDENTITY;
        default:
                return SG_CLI_T_CERTS_ERR_OTHER;
        }
}

/* "sealgate certs SUB: CODE: sentence" (translated), the unchanged note
 * when the database was open, and the detail; with --json also
 * {"error":{"code","message","detail"}} on stdout. */
static int fail_text(const char *sub, const sg_error *e, sg_cli_text t, bool db_open, bool json) {
        char detail[SG_ERROR_MESSAGE_MAX];
        snprintf(detail, sizeof detail, "%s", e->message);
        sg_cli_one_line(detail);
        fprintf(stderr, "sealgate: certs %s: %s: %s", sub, sg_err_code(e->code), T(t));
        if (db_open)
                fprintf(stderr, " %s", T(SG_CLI_T_CERTS_UNCHANGED));
        fputc('\n', stderr);
        put(stderr, SG_CLI_T_CERTS_DETAIL, detail, NULL);
        fputc('\n', stderr);
        if (json) {
                json_object *o = json_object_new_object(), *er = json_object_new_object();
                json_object_object_add(er, "code", json_object_new_string(sg_err_code(e->code)));
                json_object_object_add(er, "message", json_object_new_string(T(t)));
                json_object_object_add(er, "detail", json_object_new_string(detail));
                json_object_object_add(er, "unchanged", json_object_new_boolean(db_open));
                json_object_object_add(o, "error", er);
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
        }
        return EXIT_FAILED;
}

static int fail(const char *sub, const sg_error *e, bool db_open, bool json) {
        return fail_text(sub, e,
                         strcmp(sub, "use-for-identity") == 0 && e->code == SG_ERR_IO
                                 ? SG_CLI_T_CERTS_ERR_PROFILE_IN_USE
                                 : error_text(e->code),
                         db_open, json);
}

static void date_of(int64_t t, char *buf, size_t n) {
        time_t s = (time_t) t;
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(buf, n, "%Y-%m-%d", &tm);
}

static json_object *str_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *info_json(const sg_cert_info *c) {
        json_object *o = json_object_new_object(), *em = json_object_new_array();
        char nb[32], na[32];
        date_of(c->not_before, nb, sizeof nb);
        date_of(c->not_after, na, sizeof na);
        json_object_object_add(o, "nickname", str_or_null(c->nickname));
        json_object_object_add(o, "subject", str_or_null(c->subject));
        json_object_object_add(o, "common_name", str_or_null(c->common_name));
        for (size_t i = 0; i < c->n_emails; i++)
                json_object_array_add(em, json_object_new_string(c->emails[i]));
        json_object_object_add(o, "emails", em);
        json_object_object_add(o, "issuer", str_or_null(c->issuer));
        json_object_object_add(o, "serial", str_or_null(c->serial));
        json_object_object_add(o, "fingerprint_sha256", str_or_null(c->fingerprint));
        json_object_object_add(o, "not_before", json_object_new_string(nb));
        json_object_object_add(o, "not_after", json_object_new_string(na));
        json_object_object_add(o, "can_sign", json_object_new_boolean(c->can_sign));
        json_object_object_add(o, "can_encrypt", json_object_new_boolean(c->can_encrypt));
        json_object_object_add(o, "is_ca", json_object_new_boolean(c->is_ca));
        json_object_object_add(o, "has_private_key", json_object_new_boolean(c->has_key));
        json_object_object_add(o, "chain", json_object_new_string(c->chain));
        json_object_object_add(o, "revocation", json_object_new_string(c->revocation));
        json_object_object_add(o, "revocation_detail", str_or_null(c->revocation_detail));
        json_object_object_add(o, "weak_algorithm", json_object_new_boolean(c->weak));
        json_object_object_add(o, "usable", json_object_new_boolean(sg_cert_info_usable(c)));
        return o;
}

static const char *chain_word(const char *s) {
        static const struct {
                const char *key;
                sg_cli_text t;
        } map[] = {
                {"valid", SG_CLI_T_CERTS_CHAIN_VALID},
                {"expired", SG_CLI_T_CERTS_CHAIN_EXPIRED},
                {"not_yet_valid", SG_CLI_T_CERTS_CHAIN_NOT_YET_VALID},
                {"unknown_issuer", SG_CLI_T_CERTS_CHAIN_UNKNOWN_ISSUER},
                {"untrusted_issuer", SG_CLI_T_CERTS_CHAIN_UNTRUSTED_ISSUER},
                {"revoked", SG_CLI_T_CERTS_CHAIN_REVOKED},
                {"bad_usage", SG_CLI_T_CERTS_CHAIN_BAD_USAGE},
                {"good", SG_CLI_T_CERTS_REV_GOOD},
                {"not_checked", SG_CLI_T_CERTS_REV_NOT_CHECKED},
                {"revocation_unknown", SG_CLI_T_CERTS_REV_UNKNOWN},
        };
        for (size_t i = 0; i < sizeof map / sizeof *map; i++)
                if (strcmp(map[i].key, s) == 0)
                        return T(map[i].t);
        return T(SG_CLI_T_CERTS_CHAIN_INVALID);
}

static void info_text(const sg_cert_info *c, bool brief) {
        char nb[32], na[32];
        date_of(c->not_before, nb, sizeof nb);
        date_of(c->not_after, na, sizeof na);
        printf("%s\n", c->nickname ? c->nickname : c->common_name ? c->common_name : c->subject);
        printf("  %s: %s\n", T(SG_CLI_T_CERTS_LABEL_SUBJECT), c->subject);
        printf("  %s:", T(SG_CLI_T_CERTS_LABEL_ADDRESSES));
        for (size_t i = 0; i < c->n_emails; i++)
                printf("%s%s", i ? ", " : " ", c->emails[i]);
        printf("\n  %s: ", T(SG_CLI_T_CERTS_LABEL_VALIDITY));
        put(stdout, SG_CLI_T_CERTS_VALIDITY_RANGE, nb, na);
        printf("\n  %s: ", T(SG_CLI_T_CERTS_LABEL_USAGE));
        if (c->is_ca)
                fputs(T(SG_CLI_T_CERTS_USAGE_CA), stdout);
        else if (!c->can_sign && !c->can_encrypt)
                fputs(T(SG_CLI_T_CERTS_USAGE_NONE), stdout);
        else
                printf("%s%s%s", c->can_sign ? T(SG_CLI_T_CERTS_USAGE_SIGN) : "",
                       c->can_sign && c->can_encrypt ? ", " : "",
                       c->can_encrypt ? T(SG_CLI_T_CERTS_USAGE_ENCRYPT) : "");
        printf("\n  %s: %s\n", T(SG_CLI_T_CERTS_LABEL_CHAIN), chain_word(c->chain));
        printf("  %s: %s%s%s\n", T(SG_CLI_T_CERTS_LABEL_REVOCATION), chain_word(c->revocation),
               c->revocation_detail ? ": " : "", c->revocation_detail ? c->revocation_detail : "");
        if (brief)
                return;
        printf("  %s: %s\n", T(SG_CLI_T_CERTS_LABEL_ISSUER), c->issuer);
        printf("  %s: %s\n", T(SG_CLI_T_CERTS_LABEL_KEY),
               T(c->has_key ? SG_CLI_T_CERTS_KEY_YES : SG_CLI_T_CERTS_KEY_NO));
        printf("  %s: %s\n", T(SG_CLI_T_CERTS_LABEL_FINGERPRINT), c->fingerprint);
        if (c->weak)
                printf("  %s\n", T(SG_CLI_T_CERTS_WARN_WEAK));
        if (!c->is_ca && c->n_emails == 0)
                printf("  %s\n", T(SG_CLI_T_CERTS_WARN_NO_ADDRESS));
}

static void print_list(const char *key, const sg_certs_list *l, bool json, bool brief, const char *profile) {
        if (json) {
                json_object *o = json_object_new_object(), *a = json_object_new_array();
                for (size_t i = 0; i < l->n; i++)
                        json_object_array_add(a, info_json(&l->items[i]));
                if (profile)
                        json_object_object_add(o, "profile", json_object_new_string(profile));
                json_object_object_add(o, key, a);
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
                return;
        }
        for (size_t i = 0; i < l->n; i++)
                info_text(&l->items[i], brief);
}

typedef struct opts {
        const char *profile, *password_file, *db_password_file;
        bool json;
        char password[SG_CERTS_PASSWORD_MAX + 2];
        char db_password[SG_CERTS_PASSWORD_MAX + 2];
        const char *pw, *dbpw;
        sg_revocation_options rev;
        const char *identity;
        bool gpgsm; /* --to gpgsm */
        const char *homedir;
} opts;

static bool is_file(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* import FILE --to gpgsm [--homedir D]: core's gpgsm import; its own
 * texts for what only gpgsm refuses. */
static int import_gpgsm(const char *file, const opts *o) {
        sg_error err = {0};
        int keys = 0;
        if (sg_certs_import_gpgsm(file, o->pw, o->homedir, &keys, &err) != SG_OK) {
                sg_cli_text t = err.code == SG_ERR_KEY_UNUSABLE       ? SG_CLI_T_CERTS_ERR_GPGSM_KEY
                                : err.code == SG_ERR_DECRYPT_FAILED   ? SG_CLI_T_CERTS_ERR_GPGSM_DECRYPT
                                : err.code == SG_ERR_INVALID_ARGUMENT ? SG_CLI_T_CERTS_ERR_GPGSM_MESSAGE
                                : err.code == SG_ERR_IO               ? SG_CLI_T_CERTS_ERR_GPGSM_RUN
                                                                      : error_text(err.code);
                return fail_text("import", &err, t, false, o->json);
        }
        const char *home = o->homedir ? o->homedir : getenv("GNUPGHOME") ? getenv("GNUPGHOME") : "~/.gnupg";
        char n[16];
        snprintf(n, sizeof n, "%d", keys);
        if (o->json) {
                json_object *j = json_object_new_object();
                json_object_object_add(j, "target", json_object_new_string("gpgsm"));
                json_object_object_add(j, "homedir", json_object_new_string(home));
                json_object_object_add(j, "private_keys", json_object_new_int(keys));
                puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(j);
        } else {
                put(stdout, SG_CLI_T_CERTS_IMPORTED_GPGSM, home, n);
                putchar('\n');
        }
        return EXIT_OK;
}

int sg_cli_certs(int argc, char **argv) {
        pick_language();
        if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
                usage();
                return argc < 2 ? EXIT_USAGE : EXIT_OK;
        }
        const char *sub = argv[1];
        bool imp = strcmp(sub, "import") == 0, list = strcmp(sub, "list") == 0, show = strcmp(sub, "show") == 0,
             check = strcmp(sub, "check") == 0, use = strcmp(sub, "use-for-identity") == 0;
        if (!imp && !list && !show && !check && !use)
                return usage();
        static const struct option lo[] = {
                {"profile", required_argument, NULL, 'p'},
                {"password-file", required_argument, NULL, 'w'},
                {"db-password-file", required_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},
                {"revocation", required_argument, NULL, 'R'},
                {"identity", required_argument, NULL, 'I'},
                {"crl", required_argument, NULL, 'L'},
                {"revocation-cache", required_argument, NULL, 'C'},
                {"to", required_argument, NULL, 'T'},
                {"homedir", required_argument, NULL, 'H'},
                {NULL, 0, NULL, 0},
        };
        opts o = {0};
        optind = 1;
        int ch;
        while ((ch = getopt_long(argc - 1, argv + 1, "", lo, NULL)) != -1) {
                switch (ch) {
                case 'p':
                        o.profile = optarg;
                        break;
                case 'w':
                        o.password_file = optarg;
                        break;
                case 'd':
                        o.db_password_file = optarg;
                        break;
                case 'j':
                        o.json = true;
                        break;
                case 'I':
                        o.identity = optarg;
                        break;
                case 'R':
                        if (!sg_revocation_mode_parse(optarg, &o.rev.mode))
                                return usage();
                        break;
                case 'L':
                        o.rev.crl_file = optarg;
                        break;
                case 'C':
                        o.rev.cache_dir = optarg;
                        break;
                case 'T':
                        if (strcmp(optarg, "gpgsm") != 0 && strcmp(optarg, "nss") != 0)
                                return usage();
                        o.gpgsm = strcmp(optarg, "gpgsm") == 0;
                        break;
                case 'H':
                        o.homedir = optarg;
                        break;
                default:
                        return usage();
                }
        }
        int rest = argc - 1 - optind;
        char **args = argv + 1 + optind;
        if ((list && rest != 0) || (!list && rest != 1) || (use != (o.identity != NULL)) || (o.gpgsm && !imp) ||
            (o.homedir && !o.gpgsm) || (o.gpgsm && o.profile))
                return usage();
        sg_error err = {0};
        if (sg_cli_read_passphrase(NULL, o.password_file, o.password, SG_CERTS_PASSWORD_MAX, &o.pw, &err) != SG_OK ||
            sg_cli_read_passphrase(NULL, o.db_password_file, o.db_password, SG_CERTS_PASSWORD_MAX, &o.dbpw, &err) !=
                    SG_OK)
                return fail(sub, &err, false, o.json);
        if (o.gpgsm) {
                int rc = import_gpgsm(args[0], &o);
                explicit_bzero(o.password, sizeof o.password);
                return rc;
        }
        char *found = NULL;
        const char *profile = o.profile;
        if (!profile) {
                if (sg_tbprofile_find_default(NULL, &found, &err) != SG_OK)
                        return fail(sub, &err, false, o.json);
                profile = found;
        }
        int rc = EXIT_OK;
        sg_certs_list *l = NULL;
        sg_certs_set_revocation(&o.rev);
        if (sg_certs_open(profile, o.dbpw, &err) != SG_OK) {
                rc = fail(sub, &err, false, o.json);
                goto out;
        }
        if (imp) {
                if (sg_certs_import(args[0], o.pw, &l, &err) != SG_OK) {
                        rc = fail(sub, &err, true, o.json);
                        goto out;
                }
                if (!o.json) {
                        put(stdout, SG_CLI_T_CERTS_IMPORTED, profile, NULL);
                        putchar('\n');
                }
                print_list("imported", l, o.json, true, profile);
                bool key = false;
                for (size_t i = 0; i < l->n; i++)
                        key = key || l->items[i].has_key;
                if (!o.json && key)
                        printf("%s\n", T(SG_CLI_T_CERTS_NEXT_STEPS));
        } else if (use) {
                if (sg_certs_use_for_identity(profile, args[0], o.identity, &err) != SG_OK) {
                        rc = fail(sub, &err, false, o.json);
                        goto out;
                }
                if (o.json)
                        printf("{\"identity\":\"%s\",\"ok\":true}\n", o.identity);
                else {
                        put(stdout, SG_CLI_T_CERTS_ASSIGNED, o.identity, args[0]);
                        putchar('\n');
                }
        } else if (list) {
                if (sg_certs_list_db(&l, &err) != SG_OK) {
                        rc = fail(sub, &err, false, o.json);
                        goto out;
                }
                if (l->n == 0 && !o.json)
                        printf("%s\n", T(SG_CLI_T_CERTS_NONE_IN_DB));
                print_list("certificates", l, o.json, true, profile);
        } else {
                sg_err r = is_file(args[0]) ? sg_certs_read(args[0], o.pw, &l, &err) : sg_certs_find(args[0], &l, &err);
                if (r != SG_OK) {
                        rc = fail(sub, &err, false, o.json);
                        goto out;
                }
                bool usable = false;
                for (size_t i = 0; i < l->n; i++)
                        usable = usable || (!l->items[i].is_ca && sg_cert_info_usable(&l->items[i]));
                if (l->n == 0 && !o.json) {
                        put(stdout, SG_CLI_T_CERTS_NONE_FOUND, args[0], NULL);
                        putchar('\n');
                }
                print_list("certificates", l, o.json, false, profile);
                if (check) {
                        if (!o.json) {
                                put(stdout, usable ? SG_CLI_T_CERTS_USABLE : SG_CLI_T_CERTS_NOT_USABLE, args[0], NULL);
                                putchar('\n');
                        }
                        rc = usable ? EXIT_OK : EXIT_NOT_USABLE;
                }
        }
out:
        sg_certs_list_free(l);
        sg_certs_close();
        sg_certs_set_revocation(NULL);
        explicit_bzero(o.password, sizeof o.password);
        explicit_bzero(o.db_password, sizeof o.db_password);
        free(found);
        return rc;
}
