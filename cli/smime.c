/* sealgate: `sealgate smime encrypt|decrypt|sign|verify`, the command line over
 * core's S/MIME engine (mime-smime.h, OpenSSL backend). Exit statuses and
 * output are documented in docs/cli.md. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli-io.h"
#include "sealgate/crypto-json.h"
#include "sealgate/error.h"
#include "sealgate/mime-smime.h"
#include "sealgate/smime.h"
#include "sealgate/stream.h"
#include "smime.h"
#include "term.h"

static const char usage_text[] =
        "usage: sealgate smime encrypt --to CERT [--to CERT]... [--cipher NAME] [--der] [-o OUT] [IN]\n"
        "       sealgate smime decrypt --key FILE [--cert FILE] [PASSPHRASE] [--max-input BYTES] [-o OUT] [IN]\n"
        "       sealgate smime sign --key FILE [--cert FILE] [PASSPHRASE] [--digest NAME] [--der] [-o OUT] [IN]\n"
        "       sealgate smime verify [--ca-file FILE] [--ca-dir DIR] [--system-ca] [--from ADDRESS]\n"
        "                             [--at TIME] [--signature SIG] [--json] [-o OUT] [IN]\n"
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
        "  --at TIME       judge the certificates' validity at TIME (YYYY-MM-DD[THH:MM:SSZ], UTC, or @SECONDS)\n"
        "  --json          {\"valid\",\"from\",\"signers\":[...]}; -o writes the signed entity if valid\n"
        "--key FILE        PKCS#12 (.p12/.pfx) or PEM private key (then --cert FILE if separate)\n"
        "PASSPHRASE        --passphrase-file FILE (first line) or --passphrase-env VARIABLE\n"
        "--nss-db DIR      any command: the NSS backend over that database (a Thunderbird profile);\n"
        "                  --key and --to then also take a nickname or address in it\n"
        "\n"
        "exit status: 0 done (verify: every check passed), 1 failed (code on stderr),\n"
        "2 usage error, 5 verify: the signature or a check did not pass\n";

typedef struct opts {
        sg_cli_crypto_opts c; /* first: the callbacks get &c */
        sg_smime_cipher cipher;
        sg_smime_digest digest;
        sg_smime_key key;
        sg_smime_trust trust;
        const char *nss_db;
        bool der;
        const sg_smime_ops *ops;
        sg_smime_verify_result *res;
        sg_smime_verify_result *outer; /* decrypt: a gateway's signature around the encryption */
} opts;

_Static_assert(SG_SMIME_RECIPIENTS_MAX == SG_CLI_RECIPIENTS_MAX, "the shared recipients array");

static opts *of(const sg_cli_crypto_opts *c) {
        return (opts *) c;
}

static void print_text(FILE *f, const sg_smime_verify_result *res, const char *from, int64_t at) {
        char when[48];
        sg_cli_when(at, when, sizeof when);
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_smime_signer *s = &res->signers[i];
                fprintf(f, "signer %zu: %s\n", i + 1,
                        s->subject ? sg_cli_text(s->subject) : "(certificate not in the message)");
                sg_cli_print_check_line(f, "signature", s->signature_valid, "valid", "INVALID", s->signature_error,
                                        "the content was changed after signing", "");
                sg_cli_print_emails(f, s->emails, s->n_emails);
                fprintf(f, "  issuer: %s\n", s->issuer ? sg_cli_text(s->issuer) : "?");
                sg_cli_print_validity(f, s->not_before, s->not_after, false, s->cert_time_valid, when, "");
                sg_cli_print_check_line(f, "chain", s->chain_trusted, "trusted", "NOT trusted", s->chain_error, "?",
                                        "");
                sg_cli_print_checks(f, &SG_CLI_SIGNER_CHECKS(s, from, "email signing"));
        }
        fprintf(f, "result: %s\n", res->valid ? "valid" : "NOT valid");
}

/* "signature, chain, ..." for the verify_failed line. */
static void failed_checks(const sg_cli_crypto_opts *c, char *buf, size_t n) {
        const sg_smime_verify_result *res = of(c)->res;
        sg_cli_failed k[] = {{false, ", signature invalid"},
                             {false, ", certificate expired"},
                             {false, ", chain not trusted"},
                             {false, ", signer is not the sender"},
                             {false, ", certificate not for email"}};
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_smime_signer *s = &res->signers[i];
                k[0].failed |= !s->signature_valid;
                k[1].failed |= !s->cert_time_valid;
                k[2].failed |= !s->chain_trusted;
                k[3].failed |= s->email_checked && !s->email_matches;
                k[4].failed |= !s->usage_ok;
        }
        sg_cli_join_failed(k, sizeof k / sizeof k[0], buf, n);
}

static void verify_json(const sg_cli_crypto_opts *c, json_object *doc) {
        sg_smime_verify_to_json(doc, of(c)->res, c->from_used);
}

static void verify_text(const sg_cli_crypto_opts *c, FILE *f) {
        print_text(f, of(c)->res, c->from_used, c->at);
}

/* ---- The commands. */

/* the passphrase, and the backend: OpenSSL, or NSS over --nss-db */
static sg_err begin(sg_cli_crypto_opts *c, sg_error *err) {
        opts *o = of(c);
        if (c->passphrase)
                o->key.passphrase = c->passphrase;
        o->trust.at = c->at;
        /* --nss-db picks the backend with a database; the default otherwise */
        sg_err r = sg_smime_backend_open(o->nss_db ? "nss" : NULL, o->nss_db, &o->ops, err);
        if (r != SG_OK)
                return r;
        /* ask before trying: an option the backend cannot honour fails here */
        bool gcm = strcmp(c->cmd, "encrypt") == 0 && o->cipher == SG_SMIME_AES256_GCM;
        return sg_smime_check_options(o->ops, strcmp(c->cmd, "verify") == 0 ? &o->trust : NULL, gcm, err);
}

static void verdict(opts *o) {
        o->c.verified = o->res != NULL;
        o->c.valid = o->res && o->res->valid;
}

static sg_err op(sg_cli_crypto_opts *c, int in, sg_source *src, sg_sink *dst, sg_error *err) {
        opts *o = of(c);
        const sg_smime_ops *ops = o->ops;
        sg_err r;
        if (strcmp(c->cmd, "encrypt") == 0) {
                r = o->der ? ops->encrypt(c->to, c->n_to, o->cipher, src, dst, err)
                           : sg_mime_smime_encrypt(ops, c->to, c->n_to, o->cipher, src, dst, err);
        } else if (strcmp(c->cmd, "decrypt") == 0) {
                r = sg_mime_smime_decrypt(ops, &o->key, c->max_input, in, dst, &o->outer, err);
        } else if (strcmp(c->cmd, "sign") == 0) {
                r = o->der ? ops->sign(&o->key, o->digest, src, NULL, dst, err)
                           : sg_mime_smime_sign(ops, &o->key, o->digest, src, dst, err);
        } else {
                r = sg_mime_smime_verify(ops, &o->trust, in, c->from, dst, &c->from_used, &o->res, err);
        }
        verdict(o);
        return r;
}

static sg_err verify_detached(sg_cli_crypto_opts *c, const void *sig, size_t n, sg_source *src, sg_error *err) {
        opts *o = of(c);
        sg_err r = o->ops->verify(&o->trust, sig, n, src, c->from, &o->res, err);
        verdict(o);
        return r;
}

/* decrypt: a signature around the encryption, on stderr (the plaintext may
 * be on stdout); it was checked for a changed content only (no trust
 * anchors: a gateway signs for the gateway, not for the sender) */
static void report(const sg_cli_crypto_opts *c) {
        const opts *o = of(c);
        if (strcmp(c->cmd, "decrypt") != 0 || !o->outer)
                return;
        bool ok = o->outer->n_signers > 0;
        const char *why = NULL;
        for (size_t i = 0; i < o->outer->n_signers; i++)
                if (!o->outer->signers[i].signature_valid) {
                        ok = false;
                        why = why ? why : o->outer->signers[i].signature_error;
                }
        if (ok)
                fputs("sealgate: smime decrypt: note: the encrypted message was inside a signature (a gateway's); "
                      "that signature matches\n",
                      stderr);
        else
                fprintf(stderr,
                        "sealgate: smime decrypt: WARNING: the encrypted message was inside a signature (a "
                        "gateway's) that is broken: %s\n",
                        why ? sg_cli_text(why) : "no signer");
}

static void clear(sg_cli_crypto_opts *c) {
        opts *o = of(c);
        o->res = sg_smime_verify_result_free(o->res);
        o->outer = sg_smime_verify_result_free(o->outer);
}

static bool option(sg_cli_crypto_opts *c, int ch, const char *arg) {
        opts *o = of(c);
        switch (ch) {
        case 'C':
                if (!sg_smime_cipher_from_name(arg, &o->cipher)) {
                        fprintf(stderr, "sealgate: unknown cipher %s\n", arg);
                        return false;
                }
                break;
        case 'D':
                if (!sg_smime_digest_from_name(arg, &o->digest)) {
                        fprintf(stderr, "sealgate: unknown digest %s\n", arg);
                        return false;
                }
                break;
        case 'k':
                o->key.path = arg;
                break;
        case 'c':
                o->key.cert_path = arg;
                break;
        case 'A':
                o->trust.ca_file = arg;
                break;
        case 'R':
                o->trust.ca_dir = arg;
                break;
        case 'S':
                o->trust.system = true;
                break;
        case 'd':
                o->der = true;
                break;
        case 'N':
                o->nss_db = arg;
                break;
        }
        return true;
}

static bool check(sg_cli_crypto_opts *c) {
        const opts *o = of(c);
        if (strcmp(c->cmd, "encrypt") == 0 && c->n_to == 0) {
                fputs("sealgate: smime encrypt needs --to CERT\n", stderr);
                return false;
        }
        if ((strcmp(c->cmd, "sign") == 0 || (strcmp(c->cmd, "decrypt") == 0 && !o->nss_db)) && !o->key.path) {
                fprintf(stderr, "sealgate: smime %s needs --key FILE\n", c->cmd);
                return false;
        }
        return true;
}

static const struct option options[] = {
        {"to", required_argument, NULL, 't'},
        {"cipher", required_argument, NULL, 'C'},
        {"digest", required_argument, NULL, 'D'},
        {"key", required_argument, NULL, 'k'},
        {"cert", required_argument, NULL, 'c'},
        {"ca-file", required_argument, NULL, 'A'},
        {"ca-dir", required_argument, NULL, 'R'},
        {"system-ca", no_argument, NULL, 'S'},
        {"der", no_argument, NULL, 'd'},
        {"nss-db", required_argument, NULL, 'N'},
        {NULL, 0, NULL, 0},
};

static const sg_cli_crypto smime = {
        .name = "smime",
        .usage = usage_text,
        .options = options,
        .takes = {"tCdoN", "kcPEMoN", "kcPEDdoN", "ARSfsajoN"},
        .passphrase_max = SG_CLI_PASSPHRASE_MAX,
        .signature_max = SG_SMIME_SIGNATURE_MAX,
        .option = option,
        .check = check,
        .begin = begin,
        .init = sg_mime_smime_init,
        .shutdown = sg_mime_smime_shutdown,
        .op = op,
        .verify_detached = verify_detached,
        .verify_json = verify_json,
        .verify_text = verify_text,
        .failed_checks = failed_checks,
        .report = report,
        .clear = clear,
};

int sg_cli_smime(int argc, char **argv) {
        static opts o;
        memset(&o, 0, sizeof o);
        int rc = sg_cli_crypto_main(&smime, &o.c, argc, argv);
        if (o.ops)
                o.ops->cleanup();
        return rc;
}
