/* sealgate: `sealgate pgp encrypt|decrypt|sign|verify`, the command line over
 * core's OpenPGP engine (mime-pgp.h, GPGME backend). Exit statuses and output
 * are documented in docs/cli.md. */
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
#include "pgp.h"
#include "sealgate/codec.h"
#include "sealgate/error.h"
#include "sealgate/mime-pgp.h"
#include "sealgate/pgp.h"
#include "sealgate/stream.h"

enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1, /* the operation failed; the stable error code is on stderr */
        EXIT_USAGE = 2,
        EXIT_NOT_VALID = 5, /* verify: the checks were made and at least one did not pass */
};

static const char usage_text[] =
        "usage: sealgate pgp encrypt --recipient WHO [--recipient WHO]... [--local-user WHO [PASSPHRASE]]\n"
        "                            [--trust-recipients] [--bare [--binary]] [--homedir DIR] [-o OUT] [IN]\n"
        "       sealgate pgp decrypt [PASSPHRASE] [--from ADDRESS] [--max-input BYTES] [--homedir DIR] [-o OUT] [IN]\n"
        "       sealgate pgp sign [--local-user WHO] [PASSPHRASE] [--bare] [--homedir DIR] [-o OUT] [IN]\n"
        "       sealgate pgp verify [--from ADDRESS] [--signature SIG] [--json] [--homedir DIR] [-o OUT] [IN]\n"
        "\n"
        "IN is a file or - (stdin, the default); OUT a file or stdout, written only on success.\n"
        "WHO is an email address (matched exactly against a user id) or a key fingerprint.\n"
        "encrypt  IN is a MIME entity; writes PGP/MIME multipart/encrypted (--bare: an armored\n"
        "         OpenPGP message; --binary: binary). --local-user also signs.\n"
        "  --trust-recipients  encrypt to keys whose validity in the keyring is not full\n"
        "decrypt  IN is a PGP/MIME message, inline OpenPGP or a bare OpenPGP message; writes\n"
        "         only what was encrypted. Refuses data without integrity protection.\n"
        "  --from ADDRESS  the sender to check a signature inside against (default: From)\n"
        "sign     IN is a MIME entity; writes multipart/signed (--bare: the armored detached\n"
        "         signature only)\n"
        "verify   IN is a multipart/signed message, a signed OpenPGP message (gpg --sign,\n"
        "         --clearsign), or with --signature SIG (detached) the signed content as is\n"
        "  --from ADDRESS  the sender to match (default: the message's From)\n"
        "  --json          {\"valid\",\"from\",\"signers\":[...]}; -o writes the signed content if valid\n"
        "--homedir DIR     the GnuPG home (default: $GNUPGHOME, else ~/.gnupg)\n"
        "PASSPHRASE        --passphrase-file FILE (first line) or --passphrase-env VARIABLE\n"
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
        fprintf(stderr, "sealgate: pgp %s: %s: %s\n", cmd, sg_err_code(e->code), m);
        return EXIT_FAILED;
}

typedef struct opts {
        const char *cmd;
        const char *in, *out;
        const char *to[SG_PGP_RECIPIENTS_MAX];
        size_t n_to;
        const char *local_user;
        const char *pass_file, *pass_env;
        const char *from, *signature;
        size_t max_input;
        bool bare, binary, json, trust;
        sg_pgp_keyring kr;
        char passphrase[SG_PGP_PASSPHRASE_MAX + 2];
} opts;

static sg_err read_passphrase(opts *o, sg_error *err) {
        const char *pw;
        sg_err e = sg_cli_read_passphrase(o->pass_env, o->pass_file, o->passphrase, SG_PGP_PASSPHRASE_MAX, &pw, err);
        if (!e && pw)
                o->kr.passphrase = pw;
        return e;
}

/* ---- Input and output. */

/* ---- verify output */

static void print_doc(json_object *doc) {
        printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
}

static void print_text(FILE *f, const sg_pgp_verify_result *res, const char *from) {
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_pgp_signer *s = &res->signers[i];
                char a[40], b[40];
                fprintf(f, "signer %zu: %s\n", i + 1, s->n_user_ids ? s->user_ids[0] : "(key not in the keyring)");
                fprintf(f, "  key: %s%s%s\n", s->primary_fingerprint ? s->primary_fingerprint : s->fingerprint,
                        s->pubkey_algo ? " " : "", s->pubkey_algo ? s->pubkey_algo : "");
                fprintf(f, "  signature: %s\n",
                        s->signature_valid ? "valid"
                                           : "INVALID: the content was changed after signing, or the key is unknown");
                fprintf(f, "  emails: ");
                for (size_t j = 0; j < s->n_emails; j++)
                        fprintf(f, "%s%s", j ? ", " : "", s->emails[j]);
                fprintf(f, "%s\n", s->n_emails ? "" : "(none)");
                sg_cli_format_time(s->not_before, a, sizeof a);
                if (s->not_after)
                        sg_cli_format_time(s->not_after, b, sizeof b);
                else
                        snprintf(b, sizeof b, "no expiry");
                fprintf(f, "  validity: %s to %s (%s)%s\n", a, b, s->key_time_valid ? "valid now" : "NOT valid now",
                        s->key_revoked ? ", REVOKED" : "");
                fprintf(f, "  trust: %s%s (%s)\n", s->key_trusted ? "trusted" : "NOT trusted: ",
                        s->key_trusted   ? ""
                        : s->trust_error ? s->trust_error
                                         : "?",
                        s->validity ? s->validity : "?");
                if (!s->email_checked)
                        fprintf(f, "  email: not checked (no From address)\n");
                else
                        fprintf(f, "  email: %s From %s\n", s->email_matches ? "matches" : "DOES NOT match", from);
                fprintf(f, "  usage: %s%s\n", s->usage_ok ? "fit for signing" : "NOT fit: ",
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

static void failed_checks(const sg_pgp_verify_result *res, char *buf, size_t n) {
        bool sig = false, time = false, revoked = false, trust = false, email = false, usage = false;
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_pgp_signer *s = &res->signers[i];
                sig |= !s->signature_valid;
                time |= !s->key_time_valid;
                revoked |= s->key_revoked;
                trust |= !s->key_trusted;
                email |= s->email_checked && !s->email_matches;
                usage |= !s->usage_ok;
        }
        snprintf(buf, n, "%s%s%s%s%s%s", sig ? ", signature invalid" : "", time ? ", key expired" : "",
                 revoked ? ", key revoked" : "", trust ? ", key not trusted" : "",
                 email ? ", signer is not the sender" : "", usage ? ", key not for signing" : "");
}

/* ---- The commands. */

static sg_err verify_detached(opts *o, sg_source *src, sg_pgp_verify_result **res, sg_error *err) {
        char *sig = malloc(SG_PGP_SIGNATURE_MAX + 1);
        FILE *f = sig ? fopen(o->signature, "rb") : NULL;
        size_t n = f ? fread(sig, 1, SG_PGP_SIGNATURE_MAX + 1, f) : 0;
        sg_err r = SG_OK;
        if (!sig)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else if (!f)
                r = sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", o->signature, strerror(errno));
        else if (n > SG_PGP_SIGNATURE_MAX)
                r = sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %d bytes", o->signature, SG_PGP_SIGNATURE_MAX);
        if (f)
                fclose(f);
        if (r == SG_OK)
                r = sg_pgp_gpgme()->verify(&o->kr, sig, n, src, o->from, res, err);
        free(sig);
        return r;
}

static int run(opts *o) {
        sg_error err = {0};
        sg_err r = read_passphrase(o, &err);
        if (r != SG_OK)
                return fail(o->cmd, &err);
        const sg_pgp_ops *ops = sg_pgp_gpgme();
        bool is_verify = strcmp(o->cmd, "verify") == 0, is_decrypt = strcmp(o->cmd, "decrypt") == 0;
        bool seekable = is_decrypt || (is_verify && !o->signature);
        int in = sg_cli_open_input(o->in, seekable, &err);
        if (in < 0)
                return fail(o->cmd, &err);
        sg_cli_output out = {.fd = -1};
        /* verify writes the content only with -o */
        if (!is_verify || o->out)
                r = sg_cli_open_output(&out, o->out, &err);
        if (r != SG_OK) {
                if (in > 0)
                        close(in);
                return fail(o->cmd, &err);
        }
        sg_source src = sg_source_fd(in);
        sg_sink dst = sg_sink_fd(out.fd);
        sg_pgp_verify_result *res = NULL;
        sg_mime_pgp_info info = {0};
        char *from = NULL;
        sg_mime_pgp_init();
        if (strcmp(o->cmd, "encrypt") == 0) {
                unsigned flags = (o->trust ? SG_PGP_ALWAYS_TRUST : 0) | (o->binary ? 0 : SG_PGP_ARMOR);
                r = o->bare ? ops->encrypt(&o->kr, o->to, o->n_to, o->local_user, flags, &src, &dst, &err)
                            : sg_mime_pgp_encrypt(ops, &o->kr, o->to, o->n_to, o->local_user, flags, &src, &dst, &err);
        } else if (is_decrypt) {
                r = sg_mime_pgp_decrypt(ops, &o->kr, o->max_input, in, o->from, &dst, &info, &err);
        } else if (strcmp(o->cmd, "sign") == 0) {
                r = o->bare ? ops->sign(&o->kr, o->local_user, SG_PGP_ARMOR, &src, NULL, &dst, NULL, &err)
                            : sg_mime_pgp_sign(ops, &o->kr, o->local_user, &src, &dst, &err);
        } else if (o->signature) {
                r = verify_detached(o, &src, &res, &err);
                if (r == SG_OK && o->from)
                        from = strdup(o->from);
        } else {
                r = sg_mime_pgp_verify(ops, &o->kr, in, o->from, o->out ? &dst : NULL, &from, &res, &err);
        }
        sg_mime_pgp_shutdown();
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
                        print_doc(doc);
                }
                status = fail(o->cmd, &err);
        } else if (is_decrypt) {
                /* what was found, on stderr: the plaintext may be on stdout */
                if (info.unencrypted_parts)
                        fputs("sealgate: pgp decrypt: note: the message also had unencrypted parts; they were left "
                              "out\n",
                              stderr);
                if (info.verify) {
                        fputs("sealgate: pgp decrypt: the encrypted content was signed:\n", stderr);
                        print_text(stderr, info.verify, info.from);
                }
        } else if (res) {
                if (o->json) {
                        json_object *doc = json_object_new_object();
                        sg_pgp_verify_to_json(doc, res, from);
                        print_doc(doc);
                } else {
                        print_text(o->out ? stderr : stdout, res, from);
                }
                if (!res->valid) {
                        char checks[256];
                        failed_checks(res, checks, sizeof checks);
                        sg_error_set(&err, SG_ERR_VERIFY_FAILED, "the signed message is not valid: %s",
                                     checks[0] ? checks + 2 : "no signer");
                        fail(o->cmd, &err);
                        status = EXIT_NOT_VALID;
                }
        }
        sg_pgp_verify_result_free(res);
        sg_mime_pgp_info_clear(&info);
        free(from);
        memset(o->passphrase, 0, sizeof o->passphrase);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fputs("sealgate: cannot write the output\n", stderr);
                status = EXIT_FAILED;
        }
        return status;
}

int sg_cli_pgp(int argc, char **argv) {
        if (argc < 2)
                return usage();
        static opts o;
        memset(&o, 0, sizeof o);
        o.cmd = argv[1];
        if (strcmp(o.cmd, "encrypt") != 0 && strcmp(o.cmd, "decrypt") != 0 && strcmp(o.cmd, "sign") != 0 &&
            strcmp(o.cmd, "verify") != 0) {
                if (strcmp(o.cmd, "help") != 0 && strcmp(o.cmd, "--help") != 0)
                        fprintf(stderr, "sealgate: unknown pgp command %s\n", o.cmd);
                return usage();
        }
        static const struct option options[] = {
                {"recipient", required_argument, NULL, 'r'},
                {"local-user", required_argument, NULL, 'u'},
                {"trust-recipients", no_argument, NULL, 'T'},
                {"passphrase-file", required_argument, NULL, 'P'},
                {"passphrase-env", required_argument, NULL, 'E'},
                {"homedir", required_argument, NULL, 'H'},
                {"from", required_argument, NULL, 'f'},
                {"signature", required_argument, NULL, 's'},
                {"max-input", required_argument, NULL, 'M'},
                {"bare", no_argument, NULL, 'b'},
                {"binary", no_argument, NULL, 'B'},
                {"json", no_argument, NULL, 'j'},
                {"output", required_argument, NULL, 'o'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        /* which options each command takes */
        const char *allowed = strcmp(o.cmd, "encrypt") == 0   ? "ruTPEHbBo"
                              : strcmp(o.cmd, "decrypt") == 0 ? "PEHfMo"
                              : strcmp(o.cmd, "sign") == 0    ? "uPEHbo"
                                                              : "Hfsjo";
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
                        fprintf(stderr, "sealgate: pgp %s does not take %s\n", o.cmd, argv[optind - 1]);
                        return usage();
                }
                switch (c) {
                case 'r':
                        if (o.n_to == SG_PGP_RECIPIENTS_MAX) {
                                fprintf(stderr, "sealgate: more than %d recipients\n", SG_PGP_RECIPIENTS_MAX);
                                return usage();
                        }
                        o.to[o.n_to++] = optarg;
                        break;
                case 'u':
                        o.local_user = optarg;
                        break;
                case 'T':
                        o.trust = true;
                        break;
                case 'P':
                        o.pass_file = optarg;
                        break;
                case 'E':
                        o.pass_env = optarg;
                        break;
                case 'H':
                        o.kr.homedir = optarg;
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
                case 'b':
                        o.bare = true;
                        break;
                case 'B':
                        o.binary = true;
                        break;
                case 'j':
                        o.json = true;
                        break;
                case 'o':
                        o.out = optarg;
                        break;
                }
        }
        if (argc - optind > 1) {
                fputs("sealgate: give at most one input file\n", stderr);
                return usage();
        }
        o.in = optind < argc ? argv[optind] : NULL;
        if (strcmp(o.cmd, "encrypt") == 0 && o.n_to == 0) {
                fputs("sealgate: pgp encrypt needs --recipient WHO\n", stderr);
                return usage();
        }
        if (o.binary && !o.bare) {
                fputs("sealgate: --binary goes with --bare (PGP/MIME is always armored)\n", stderr);
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
        return run(&o);
}
