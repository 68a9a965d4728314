/* sealgate: `sealgate keys lookup ADDRESS...`, recipient readiness over
 * core's keys.h: which S/MIME certificate and OpenPGP key each address has,
 * and why not. Exit statuses and output are documented in docs/cli.md. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "cli-io.h"
#include "keys.h"
#include "sealgate/crypto-json.h"
#include "sealgate/error.h"
#include "sealgate/keys.h"
#include "sealgate/smime.h"
#include "sealgate/tbprofile.h"
#include "term.h"

enum {
        EXIT_OK = 0,     /* every address has a usable certificate or key */
        EXIT_FAILED = 1, /* the lookup failed; the stable error code is on stderr */
        EXIT_USAGE = 2,
        EXIT_NOT_READY = 6, /* at least one address has neither */
};

static const char usage_text[] =
        "usage: sealgate keys lookup [--profile DIR | --no-profile] [--certs FILE|DIR] [--homedir GNUPGHOME]\n"
        "                            [--no-pgp] [--wkd] [--timeout S] [--wkd-ca-file FILE] [--json]\n"
        "                            [--revocation off|soft-fail|hard-fail] [--crl FILE] [--revocation-cache DIR]\n"
        "                            ADDRESS...\n"
        "\n"
        "For each ADDRESS: a usable S/MIME certificate (the Thunderbird profile's NSS database, then\n"
        "--certs) and a usable OpenPGP key (the GnuPG keyring, then with --wkd the Web Key Directory).\n"
        "With a profile, ready means Thunderbird itself encrypts to it now: S/MIME with a certificate\n"
        "in the profile's NSS database, OpenPGP with a key in its keyring (pubring.gpg) accepted in\n"
        "its Key Manager (openpgp.sqlite); \"fix\" says what makes a recipient ready.\n"
        "  --profile DIR      the profile (or any NSS database directory); default: the default\n"
        "                     Thunderbird profile of profiles.ini, if there is one\n"
        "  --no-profile       no NSS database\n"
        "  --certs FILE|DIR   PEM/DER certificates (a directory: *.pem *.crt *.cer *.der)\n"
        "  --homedir DIR      the GnuPG home (default: GnuPG's)\n"
        "  --wkd              network lookups allowed: WKD over HTTPS, --timeout S seconds (default 10)\n"
        "  --json             [{\"address\",\"ready\",\"client\":{...},\"smime\":{...},\"pgp\":{...}}]\n"
        "  --revocation MODE  S/MIME revocation (OCSP, else CRL): off (default), soft-fail (unknown\n"
        "                     stays usable), hard-fail (unknown is unusable); --crl FILE instead of\n"
        "                     the distribution point; --revocation-cache DIR keeps answers\n"
        "\n"
        "exit status: 0 every address is ready (with a profile: in Thunderbird), 1 failed (code on stderr),\n"
        "2 usage error, 6 at least one address has neither\n";

static int usage(void) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
}

static int fail(const sg_error *e) {
        return sg_cli_fail("keys", "lookup", e);
}

static void date_of(int64_t t, char *buf, size_t n) {
        time_t s = (time_t) t;
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(buf, n, "%Y-%m-%d", &tm);
}

static void found_text(const char *kind, const sg_key_found *f) {
        char d[32] = "";
        if (f->method && f->expires)
                date_of(f->expires, d, sizeof d);
        printf("  %-6s %s", kind, sg_key_status_name(f->status));
        if (f->method)
                printf(" (%s)", f->method);
        if (f->status == SG_KEY_USABLE) {
                if (f->serial)
                        printf(" serial %s", sg_cli_text(f->serial));
                if (f->fingerprint && !f->serial)
                        printf(" %s", f->fingerprint);
                if (d[0])
                        printf(", expires %s", d);
                if (f->validity)
                        printf(", validity %s", f->validity);
                if (f->revocation)
                        printf(", revocation %s", f->revocation);
                if (f->revocation_detail)
                        printf(" (%s)", sg_cli_text(f->revocation_detail));
        }
        if (f->acceptance)
                printf(", acceptance %s", f->acceptance);
        if (f->reason)
                printf(": %s", sg_cli_text(f->reason));
        if (f->fix)
                printf(" [fix: %s]", f->fix);
        putchar('\n');
}

int sg_cli_keys(int argc, char **argv) {
        if (argc < 2 || strcmp(argv[1], "lookup") != 0) {
                if (argc >= 2 && strcmp(argv[1], "help") != 0)
                        fprintf(stderr, "sealgate: keys: unknown subcommand\n");
                return usage();
        }
        argc--;
        argv++;
        static const struct option options[] = {
                {"profile", required_argument, NULL, 'p'},
                {"no-profile", no_argument, NULL, 'P'},
                {"certs", required_argument, NULL, 'c'},
                {"homedir", required_argument, NULL, 'g'},
                {"no-pgp", no_argument, NULL, 'G'},
                {"wkd", no_argument, NULL, 'w'},
                {"timeout", required_argument, NULL, 't'},
                {"wkd-ca-file", required_argument, NULL, 'A'},
                {"wkd-connect", required_argument, NULL, 'X'}, /* test hook, not in the usage */
                {"revocation", required_argument, NULL, 'R'},
                {"crl", required_argument, NULL, 'L'},
                {"revocation-cache", required_argument, NULL, 'C'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        sg_keys_options o = {0};
        const char *profile = NULL;
        bool no_profile = false, json = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                switch (c) {
                case 'p':
                        profile = optarg;
                        break;
                case 'P':
                        no_profile = true;
                        break;
                case 'c':
                        o.cert_store = optarg;
                        break;
                case 'g':
                        o.gnupg_home = optarg;
                        break;
                case 'G':
                        o.no_pgp = true;
                        break;
                case 'w':
                        o.wkd = true;
                        break;
                case 't': {
                        char *end;
                        long t = strtol(optarg, &end, 10);
                        if (*end || t < SG_KEYS_TIMEOUT_MIN || t > SG_KEYS_TIMEOUT_MAX) {
                                fprintf(stderr, "sealgate: --timeout takes %d to %d seconds\n", SG_KEYS_TIMEOUT_MIN,
                                        SG_KEYS_TIMEOUT_MAX);
                                return usage();
                        }
                        o.timeout = (unsigned) t;
                        break;
                }
                case 'A':
                        o.wkd_ca_file = optarg;
                        break;
                case 'X':
                        o.wkd_connect = optarg;
                        break;
                case 'R':
                        if (!sg_revocation_mode_parse(optarg, &o.revocation.mode)) {
                                fprintf(stderr, "sealgate: --revocation takes off, soft-fail or hard-fail\n");
                                return usage();
                        }
                        break;
                case 'L':
                        o.revocation.crl_file = optarg;
                        break;
                case 'C':
                        o.revocation.cache_dir = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        return usage();
                default:
                        sg_cli_bad_option(argv, c);
                        return usage();
                }
        }
        if (profile && no_profile) {
                fprintf(stderr, "sealgate: --profile and --no-profile exclude each other\n");
                return usage();
        }
        if (optind >= argc) {
                fprintf(stderr, "sealgate: keys lookup needs at least one ADDRESS\n");
                return usage();
        }
        sg_error err = {0};
        char *found = NULL;
        if (!profile && !no_profile) {
                /* the default profile when there is one; none is not an error */
                sg_err r = sg_tbprofile_find_default(NULL, &found, &err);
                if (r != SG_OK && r != SG_ERR_PROFILE_NOT_FOUND)
                        return fail(&err);
                profile = found;
        }
        /* A profile that never stored a certificate has no cert9.db: that
         * is "no certificate", not a database that cannot be opened. */
        char cert9[4200];
        struct stat st;
        bool has_db = profile && (size_t) snprintf(cert9, sizeof cert9, "%s/cert9.db", profile) < sizeof cert9 &&
                      stat(cert9, &st) == 0;
        bool is_dir = profile && stat(profile, &st) == 0 && S_ISDIR(st.st_mode);
        o.nss_db = has_db || !is_dir ? profile : NULL;
        o.tb_profile = is_dir ? profile : NULL; /* what Thunderbird itself encrypts with */
        sg_keys_result *res = NULL;
        sg_err r = sg_keys_lookup((const char *const *) argv + optind, (size_t) (argc - optind), &o, &res, &err);
        sg_smime_backend("nss")->cleanup(); /* keys lookup opened NSS through it */
        free(found);
        if (r != SG_OK)
                return fail(&err);
        bool all = true;
        json_object *arr = json ? json_object_new_array() : NULL;
        for (size_t i = 0; i < res->n_answers; i++) {
                const sg_keys_answer *a = &res->answers[i];
                bool ready = a->client ? a->tb_smime.status == SG_KEY_USABLE || a->tb_pgp.status == SG_KEY_USABLE
                                       : a->smime.status == SG_KEY_USABLE || a->pgp.status == SG_KEY_USABLE;
                all &= ready;
                if (json) {
                        json_object *e = sg_keys_answer_to_json(a, true, !o.no_pgp);
                        if (!e || json_object_array_add(arr, e) != 0) {
                                json_object_put(e);
                                json_object_put(arr);
                                sg_keys_result_free(res);
                                sg_error nomem;
                                sg_error_set(&nomem, SG_ERR_NOMEM, "out of memory");
                                return fail(&nomem);
                        }
                } else {
                        printf("%s: %s\n", sg_cli_text(a->address), ready ? "ready" : "not ready");
                        if (a->client) {
                                found_text("thunderbird smime:", &a->tb_smime);
                                if (!o.no_pgp)
                                        found_text("thunderbird pgp:", &a->tb_pgp);
                        }
                        found_text("smime:", &a->smime);
                        if (!o.no_pgp)
                                found_text("pgp:", &a->pgp);
                }
        }
        if (json) {
                puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(arr);
        }
        sg_keys_result_free(res);
        if (fflush(stdout) != 0)
                return EXIT_FAILED;
        return all ? EXIT_OK : EXIT_NOT_READY;
}
