/* sealgate: `sealgate smime encrypt|decrypt|sign|verify`, the command line over
 * core's S/MIME engine (mime-smime.h, OpenSSL backend). Exit statuses and
 * output are documented in docs/cli.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli-io.h"
#include "sealgate/codec.h"
#include "sealgate/error.h"
#include "sealgate/mime-smime.h"
#include "sealgate/smime-nss.h"
#include "sealgate/smime.h"
#include "sealgate/stream.h"
#include "smime.h"

enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1, /* the operation failed; the stable error code is on stderr */
        EXIT_USAGE = 2,
        EXIT_NOT_VALID = 5, /* verify: the checks were made and at least one did not pass */
};

#define PASSPHRASE_MAX 1024

static const char usage_text[] =
        "usage: sealgate smime encrypt --to CERT [--to CERT]... [--cipher NAME] [--der] [-o OUT] [IN]\n"
        "       sealgate smime decrypt --key FILE [--cert FILE] [PASSPHRASE] [--max-input BYTES] [-o OUT] [IN]\n"
        "       sealgate smime sign --key FILE [--cert FILE] [PASSPHRASE] [--digest NAME] [--der] [-o OUT] [IN]\n"
        "       sealgate smime verify [--ca-file FILE] [--ca-dir DIR] [--system-ca] [--from ADDRESS]\n"
        "                             [--signature SIG] [--json] [-o OUT] [IN]\n"
        "\n"
        "IN is a file or - (stdin, the default); OUT a file (written only on success) or stdout.\n"
        "encrypt  IN is a MIME entity; writes application/pkcs7-mime (--der: bare CMS)\n"
        "  --cipher aes256-cbc (default) | aes256-gcm | aes128-cbc\n"
        "decrypt  IN is an S/MIME message or bare CMS (DER); writes the enclosed entity\n"
        "sign     IN is a MIME entity; writes multipart/signed (--der: the detached signature only)\n"
        "  --digest sha256 (default) | sha384 | sha512\n"
        "verify   IN is a multipart/signed or opaque signed message (S/MIME or DER), or with\n"
        "         --signature SIG (detached, DER) the signed content as is\n"
        "  --from ADDRESS  the sender to match (default: the message's From)\n"
        "  --json          {\"valid\",\"from\",\"signers\":[...]}; -o writes the signed entity if valid\n"
        "--key FILE        PKCS#12 (.p12/.pfx) or PEM private key (then --cert FILE if separate)\n"
        "PASSPHRASE        --passphrase-file FILE (first line) or --passphrase-env VARIABLE\n"
        "--nss-db DIR      any command: the NSS backend over that database (a Thunderbird profile);\n"
        "                  --key and --to then also take a nickname or address in it\n"
        "\n"
        "exit status: 0 done (verify: every check passed), 1 failed (code on stderr),\n"
        "2 usage error, 5 verify: the signature or a check did not pass\n";

static int usage(void) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
}

static int fail(const char *cmd, const sg_error *e) {
        char m[SG_ERROR_MESSAGE_MAX];
        snprintf(m, sizeof m, "%s", e->message);
        sg_cli_one_line(m);
        fprintf(stderr, "sealgate: smime %s: %s: %s\n", cmd, sg_err_code(e->code), m);
        return EXIT_FAILED;
}

/* ---- Options shared by the commands. */

typedef struct opts {
        const char *cmd;
        const char *in, *out;
        const char *to[SG_SMIME_RECIPIENTS_MAX];
        size_t n_to;
        sg_smime_cipher cipher;
        sg_smime_digest digest;
        sg_smime_key key;
        const char *pass_file, *pass_env;
        sg_smime_trust trust;
        const char *from, *signature;
        size_t max_input;
        const char *nss_db;
        bool der, json;
        char passphrase[PASSPHRASE_MAX + 1];
} opts;

static sg_err read_passphrase(opts *o, sg_error *err) {
        const char *pw;
        sg_err e = sg_cli_read_passphrase(o->pass_env, o->pass_file, o->passphrase, PASSPHRASE_MAX, &pw, err);
        if (!e && pw)
                o->key.passphrase = pw;
        return e;
}

static void print_json(const sg_smime_verify_result *res, const char *from) {
        json_object *doc = json_object_new_object();
        sg_smime_verify_to_json(doc, res, from);
        printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
}

static void print_text(FILE *f, const sg_smime_verify_result *res, const char *from) {
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_smime_signer *s = &res->signers[i];
                char a[40], b[40];
                fprintf(f, "signer %zu: %s\n", i + 1, s->subject ? s->subject : "(certificate not in the message)");
                fprintf(f, "  signature: %s\n",
                        s->signature_valid ? "valid" : "INVALID: the content was changed after signing");
                fprintf(f, "  emails: ");
                for (size_t j = 0; j < s->n_emails; j++)
                        fprintf(f, "%s%s", j ? ", " : "", s->emails[j]);
                fprintf(f, "%s\n", s->n_emails ? "" : "(none)");
                fprintf(f, "  issuer: %s\n", s->issuer ? s->issuer : "?");
                sg_cli_format_time(s->not_before, a, sizeof a);
                sg_cli_format_time(s->not_after, b, sizeof b);
                fprintf(f, "  validity: %s to %s (%s)\n", a, b, s->cert_time_valid ? "valid now" : "NOT valid now");
                fprintf(f, "  chain: %s%s\n", s->chain_trusted ? "trusted" : "NOT trusted: ",
                        s->chain_trusted ? ""
                        : s->chain_error ? s->chain_error
                                         : "?");
                if (!s->email_checked)
                        fprintf(f, "  email: not checked (no From address)\n");
                else
                        fprintf(f, "  email: %s From %s\n", s->email_matches ? "matches" : "DOES NOT match", from);
                fprintf(f, "  usage: %s%s\n", s->usage_ok ? "fit for email signing" : "NOT fit: ",
                        s->usage_ok      ? ""
                        : s->usage_error ? s->usage_error
                                         : "?");
                if (s->has_signing_time) {
                        sg_cli_format_time(s->signing_time, a, sizeof a);
                        fprintf(f, "  signing time: %s\n", a);
                } else {
                        fprintf(f, "  signing time: none\n");
                }
                fprintf(f, "  digest: %s\n", s->digest ? s->digest : "?");
        }
        fprintf(f, "result: %s\n", res->valid ? "valid" : "NOT valid");
}

/* "signature, chain, ..." for the verify_failed line. */
static void failed_checks(const sg_smime_verify_result *res, char *buf, size_t n) {
        bool sig = false, time = false, chain = false, email = false, usage = false;
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_smime_signer *s = &res->signers[i];
                sig |= !s->signature_valid;
                time |= !s->cert_time_valid;
                chain |= !s->chain_trusted;
                email |= s->email_checked && !s->email_matches;
                usage |= !s->usage_ok;
        }
        snprintf(buf, n, "%s%s%s%s%s", sig ? ", signature invalid" : "", time ? ", certificate expired" : "",
                 chain ? ", chain not trusted" : "", email ? ", signer is not the sender" : "",
                 usage ? ", certificate not for email" : "");
}

/* ---- The commands. */

static int run(opts *o) {
        sg_error err = {0};
        sg_err r = read_passphrase(o, &err);
        if (r != SG_OK)
                return fail(o->cmd, &err);
        const sg_smime_ops *ops = sg_smime_openssl();
        if (o->nss_db && (r = sg_smime_nss_init(o->nss_db, &err)) != SG_OK)
                return fail(o->cmd, &err);
        if (o->nss_db)
                ops = sg_smime_nss();
        bool is_verify = strcmp(o->cmd, "verify") == 0;
        bool seekable = strcmp(o->cmd, "decrypt") == 0 || (is_verify && !o->signature);
        int in = sg_cli_open_input(o->in, seekable, &err);
        if (in < 0)
                return fail(o->cmd, &err);
        sg_cli_output out = {.fd = -1};
        r = sg_cli_open_output(&out, o->out, &err);
        if (r != SG_OK) {
                if (in > 0)
                        close(in);
                return fail(o->cmd, &err);
        }
        sg_source src = sg_source_fd(in);
        sg_sink dst = sg_sink_fd(out.fd);
        sg_smime_verify_result *res = NULL;
        char *from = NULL;
        sg_mime_smime_init();
        if (strcmp(o->cmd, "encrypt") == 0) {
                r = o->der ? ops->encrypt(o->to, o->n_to, o->cipher, &src, &dst, &err)
                           : sg_mime_smime_encrypt(ops, o->to, o->n_to, o->cipher, &src, &dst, &err);
        } else if (strcmp(o->cmd, "decrypt") == 0) {
                r = sg_mime_smime_decrypt(ops, &o->key, o->max_input, in, &dst, &err);
        } else if (strcmp(o->cmd, "sign") == 0) {
                r = o->der ? ops->sign(&o->key, o->digest, &src, NULL, &dst, &err)
                           : sg_mime_smime_sign(ops, &o->key, o->digest, &src, &dst, &err);
        } else if (o->signature) {
                char *sig = malloc(SG_SMIME_SIGNATURE_MAX + 1);
                FILE *f = sig ? fopen(o->signature, "rb") : NULL;
                size_t n = f ? fread(sig, 1, SG_SMIME_SIGNATURE_MAX + 1, f) : 0;
                if (!sig)
                        r = sg_error_set(&err, SG_ERR_NOMEM, "out of memory");
                else if (!f)
                        r = sg_error_set(&err, SG_ERR_IO, "cannot open %s: %s", o->signature, strerror(errno));
                else if (n > SG_SMIME_SIGNATURE_MAX)
                        r = sg_error_set(&err, SG_ERR_LIMIT, "%s is larger than %d bytes", o->signature,
                                         SG_SMIME_SIGNATURE_MAX);
                if (f)
                        fclose(f);
                if (r == SG_OK)
                        r = ops->verify(&o->trust, sig, n, &src, o->from, &res, &err);
                if (r == SG_OK && o->from)
                        from = strdup(o->from);
                free(sig);
        } else {
                r = sg_mime_smime_verify(ops, &o->trust, in, o->from, o->out ? &dst : NULL, &from, &res, &err);
        }
        sg_mime_smime_shutdown();
        if (in > 0)
                close(in);
        bool ok = r == SG_OK && (!res || res->valid);
        sg_err cr = sg_cli_close_output(&out, ok, &err);
        if (r == SG_OK && cr != SG_OK)
                r = cr;
        int status = EXIT_OK;
        if (r != SG_OK) {
                if (o->json && is_verify) {
                        json_object *doc = json_object_new_object(), *e = json_object_new_object();
                        json_object_object_add(e, "code", json_object_new_string(sg_err_code(err.code)));
                        json_object_object_add(e, "message", json_object_new_string(err.message));
                        json_object_object_add(doc, "error", e);
                        printf("%s\n",
                               json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
                        json_object_put(doc);
                }
                status = fail(o->cmd, &err);
        } else if (res) {
                if (o->json)
                        print_json(res, from);
                else
                        print_text(o->out ? stderr : stdout, res, from);
                if (!res->valid) {
                        char checks[256];
                        failed_checks(res, checks, sizeof checks);
                        sg_error_set(&err, SG_ERR_VERIFY_FAILED, "the signed message is not valid: %s",
                                     checks[0] ? checks + 2 : "no signer");
                        fail(o->cmd, &err);
                        status = EXIT_NOT_VALID;
                }
        }
        sg_smime_verify_result_free(res);
        free(from);
        memset(o->passphrase, 0, sizeof o->passphrase);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fputs("sealgate: cannot write the output\n", stderr);
                status = EXIT_FAILED;
        }
        return status;
}

int sg_cli_smime(int argc, char **argv) {
        if (argc < 2)
                return usage();
        static opts o;
        memset(&o, 0, sizeof o);
        o.cmd = argv[1];
        if (strcmp(o.cmd, "encrypt") != 0 && strcmp(o.cmd, "decrypt") != 0 && strcmp(o.cmd, "sign") != 0 &&
            strcmp(o.cmd, "verify") != 0) {
                if (strcmp(o.cmd, "help") != 0 && strcmp(o.cmd, "--help") != 0)
                        fprintf(stderr, "sealgate: unknown smime command %s\n", o.cmd);
                return usage();
        }
        static const struct option options[] = {
                {"to", required_argument, NULL, 't'},
                {"cipher", required_argument, NULL, 'C'},
                {"digest", required_argument, NULL, 'D'},
                {"key", required_argument, NULL, 'k'},
                {"cert", required_argument, NULL, 'c'},
                {"passphrase-file", required_argument, NULL, 'P'},
                {"passphrase-env", required_argument, NULL, 'E'},
                {"ca-file", required_argument, NULL, 'A'},
                {"ca-dir", required_argument, NULL, 'R'},
                {"system-ca", no_argument, NULL, 'S'},
                {"from", required_argument, NULL, 'f'},
                {"signature", required_argument, NULL, 's'},
                {"max-input", required_argument, NULL, 'M'},
                {"der", no_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},
                {"output", required_argument, NULL, 'o'},
                {"nss-db", required_argument, NULL, 'N'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        /* which options each command takes */
        const char *allowed = strcmp(o.cmd, "encrypt") == 0   ? "tCdoN"
                              : strcmp(o.cmd, "decrypt") == 0 ? "kcPEMoN"
                              : strcmp(o.cmd, "sign") == 0    ? "kcPEDdoN"
                                                              : "ARSfsjoN";
        int c;
        char *end;
        opterr = 0;
        optind = 2;
        while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
                if (c == 'h')
                        return usage();
                if (c == '?' || c == ':') {
                        const char *arg = argv[optind - 1];
                        fprintf(stderr,
                                c == ':' ? "sealgate: option %s needs an argument\n" : "sealgate: unknown option %s\n",
                                arg);
                        return usage();
                }
                if (!strchr(allowed, c)) {
                        fprintf(stderr, "sealgate: smime %s does not take %s\n", o.cmd, argv[optind - 1]);
                        return usage();
                }
                switch (c) {
                case 't':
                        if (o.n_to == SG_SMIME_RECIPIENTS_MAX) {
                                fprintf(stderr, "sealgate: more than %d recipients\n", SG_SMIME_RECIPIENTS_MAX);
                                return usage();
                        }
                        o.to[o.n_to++] = optarg;
                        break;
                case 'C':
                        if (!sg_smime_cipher_from_name(optarg, &o.cipher)) {
                                fprintf(stderr, "sealgate: unknown cipher %s\n", optarg);
                                return usage();
                        }
                        break;
                case 'D':
                        if (!sg_smime_digest_from_name(optarg, &o.digest)) {
                                fprintf(stderr, "sealgate: unknown digest %s\n", optarg);
                                return usage();
                        }
                        break;
                case 'k':
                        o.key.path = optarg;
                        break;
                case 'c':
                        o.key.cert_path = optarg;
                        break;
                case 'P':
                        o.pass_file = optarg;
                        break;
                case 'E':
                        o.pass_env = optarg;
                        break;
                case 'A':
                        o.trust.ca_file = optarg;
                        break;
                case 'R':
                        o.trust.ca_dir = optarg;
                        break;
                case 'S':
                        o.trust.system = true;
                        break;
                case 'f':
                        o.from = optarg;
                        break;
                case 's':
                        o.signature = optarg;
                        break;
                case 'M':
                        errno = 0;
                        o.max_input = (size_t) strtoull(optarg, &end, 10);
                        if (errno || *end || !*optarg || o.max_input == 0) {
                                fprintf(stderr, "sealgate: --max-input needs a positive number of bytes\n");
                                return usage();
                        }
                        break;
                case 'd':
                        o.der = true;
                        break;
                case 'j':
                        o.json = true;
                        break;
                case 'o':
                        o.out = optarg;
                        break;
                case 'N':
                        o.nss_db = optarg;
                        break;
                }
        }
        if (argc - optind > 1) {
                fputs("sealgate: give at most one input file\n", stderr);
                return usage();
        }
        o.in = optind < argc ? argv[optind] : NULL;
        if (strcmp(o.cmd, "encrypt") == 0 && o.n_to == 0) {
                fputs("sealgate: smime encrypt needs --to CERT\n", stderr);
                return usage();
        }
        if ((strcmp(o.cmd, "sign") == 0 || (strcmp(o.cmd, "decrypt") == 0 && !o.nss_db)) && !o.key.path) {
                fprintf(stderr, "sealgate: smime %s needs --key FILE\n", o.cmd);
                return usage();
        }
        if (o.signature && o.out) {
                fputs("sealgate: with --signature the content is the input: -o is not used\n", stderr);
                return usage();
        }
        if (o.pass_file && o.pass_env) {
                fputs("sealgate: give --passphrase-file or --passphrase-env, not both\n", stderr);
                return usage();
        }
        int rc = run(&o);
        sg_smime_nss_shutdown();
        return rc;
}
