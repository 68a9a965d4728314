/* sealgate: `sealgate pgp encrypt|decrypt|sign|verify`, the command line over
 * core's OpenPGP engine (mime-pgp.h, GPGME backend). Exit statuses and output
 * are documented in docs/cli.md. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli-io.h"
#include "pgp.h"
#include "sealgate/crypto-json.h"
#include "sealgate/error.h"
#include "sealgate/mime-pgp.h"
#include "sealgate/pgp.h"
#include "sealgate/stream.h"
#include "term.h"

static const char usage_text[] =
        "usage: sealgate pgp encrypt --recipient WHO [--recipient WHO]... [--local-user WHO [PASSPHRASE]]\n"
        "                            [--trust-recipients] [--bare [--binary]] [--homedir DIR] [-o OUT] [IN]\n"
        "       sealgate pgp decrypt [PASSPHRASE] [--from ADDRESS] [--max-input BYTES] [--homedir DIR] [-o OUT] [IN]\n"
        "       sealgate pgp sign [--local-user WHO] [PASSPHRASE] [--bare] [--homedir DIR] [-o OUT] [IN]\n"
        "       sealgate pgp verify [--from ADDRESS] [--at TIME] [--signature SIG] [--json] [--homedir DIR]\n"
        "                           [-o OUT] [IN]\n"
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
        "  --at TIME       judge the keys' validity at TIME (YYYY-MM-DD[THH:MM:SSZ], UTC, or @SECONDS)\n"
        "  --json          {\"valid\",\"from\",\"signers\":[...]}; -o writes the signed content if valid\n"
        "--homedir DIR     the GnuPG home (default: $GNUPGHOME, else ~/.gnupg)\n"
        "PASSPHRASE        --passphrase-file FILE (first line) or --passphrase-env VARIABLE\n"
        "\n"
        "exit status: 0 done (verify: every check passed), 1 failed (code on stderr),\n"
        "2 usage error, 5 verify: the signature or a check did not pass\n";

typedef struct opts {
        sg_cli_crypto_opts c; /* first: the callbacks get &c */
        const char *local_user;
        bool bare, binary, trust;
        sg_pgp_keyring kr;
        sg_pgp_verify_result *res;
        sg_mime_pgp_info info;
} opts;

_Static_assert(SG_PGP_RECIPIENTS_MAX == SG_CLI_RECIPIENTS_MAX, "the shared recipients array");

static opts *of(const sg_cli_crypto_opts *c) {
        return (opts *) c;
}

/* ---- verify output */

static void print_text(FILE *f, const sg_pgp_verify_result *res, const char *from, int64_t at) {
        char when[48];
        sg_cli_when(at, when, sizeof when);
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_pgp_signer *s = &res->signers[i];
                char tail[80];
                fprintf(f, "signer %zu: %s\n", i + 1,
                        s->n_user_ids ? sg_cli_text(s->user_ids[0]) : "(key not in the keyring)");
                fprintf(f, "  key: %s%s%s\n", s->primary_fingerprint ? s->primary_fingerprint : s->fingerprint,
                        s->pubkey_algo ? " " : "", s->pubkey_algo ? s->pubkey_algo : "");
                sg_cli_print_check_line(f, "signature", s->signature_valid, "valid", "INVALID", NULL,
                                        "the content was changed after signing, or the key is unknown", "");
                sg_cli_print_emails(f, s->emails, s->n_emails);
                sg_cli_print_validity(f, s->not_before, s->not_after, true, s->key_time_valid, when,
                                      s->key_revoked ? ", REVOKED" : "");
                snprintf(tail, sizeof tail, " (%s)", s->validity ? s->validity : "?");
                sg_cli_print_check_line(f, "trust", s->key_trusted, "trusted", "NOT trusted", s->trust_error, "?",
                                        tail);
                sg_cli_print_checks(f, &SG_CLI_SIGNER_CHECKS(s, from, "signing"));
        }
        fprintf(f, "result: %s\n", res->valid ? "valid" : "NOT valid");
}

static void failed_checks(const sg_cli_crypto_opts *c, char *buf, size_t n) {
        const sg_pgp_verify_result *res = of(c)->res;
        sg_cli_failed k[] = {{false, ", signature invalid"},
                             {false, ", key expired"},
                             {false, ", key revoked"},
                             {false, ", key not trusted"},
                             {false, ", signer is not the sender"},
                             {false, ", key not for signing"}};
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_pgp_signer *s = &res->signers[i];
                k[0].failed |= !s->signature_valid;
                k[1].failed |= !s->key_time_valid;
                k[2].failed |= s->key_revoked;
                k[3].failed |= !s->key_trusted;
                k[4].failed |= s->email_checked && !s->email_matches;
                k[5].failed |= !s->usage_ok;
        }
        sg_cli_join_failed(k, sizeof k / sizeof k[0], buf, n);
}

static void verify_json(const sg_cli_crypto_opts *c, json_object *doc) {
        sg_pgp_verify_to_json(doc, of(c)->res, c->from_used);
}

static void verify_text(const sg_cli_crypto_opts *c, FILE *f) {
        print_text(f, of(c)->res, c->from_used, c->at);
}

/* ---- The commands. */

static sg_err begin(sg_cli_crypto_opts *c, sg_error *err) {
        (void) err;
        if (c->passphrase)
                of(c)->kr.passphrase = c->passphrase;
        of(c)->kr.verify_at = c->at;
        return SG_OK;
}

static void verdict(opts *o) {
        o->c.verified = o->res != NULL;
        o->c.valid = o->res && o->res->valid;
}

static sg_err op(sg_cli_crypto_opts *c, int in, sg_source *src, sg_sink *dst, sg_error *err) {
        opts *o = of(c);
        const sg_pgp_ops *ops = sg_pgp_gpgme();
        sg_err r;
        if (strcmp(c->cmd, "encrypt") == 0) {
                unsigned flags = (o->trust ? SG_PGP_ALWAYS_TRUST : 0) | (o->binary ? 0 : SG_PGP_ARMOR);
                r = o->bare ? ops->encrypt(&o->kr, c->to, c->n_to, o->local_user, flags, src, dst, err)
                            : sg_mime_pgp_encrypt(ops, &o->kr, c->to, c->n_to, o->local_user, flags, src, dst, err);
        } else if (strcmp(c->cmd, "decrypt") == 0) {
                r = sg_mime_pgp_decrypt(ops, &o->kr, c->max_input, in, c->from, dst, &o->info, err);
        } else if (strcmp(c->cmd, "sign") == 0) {
                r = o->bare ? ops->sign(&o->kr, o->local_user, SG_PGP_ARMOR, src, NULL, dst, NULL, err)
                            : sg_mime_pgp_sign(ops, &o->kr, o->local_user, src, dst, err);
        } else {
                r = sg_mime_pgp_verify(ops, &o->kr, in, c->from, dst, &c->from_used, &o->res, err);
        }
        verdict(o);
        return r;
}

static sg_err verify_detached(sg_cli_crypto_opts *c, const void *sig, size_t n, sg_source *src, sg_error *err) {
        opts *o = of(c);
        sg_err r = sg_pgp_gpgme()->verify(&o->kr, sig, n, src, c->from, &o->res, err);
        verdict(o);
        return r;
}

/* decrypt: what was found, on stderr (the plaintext may be on stdout) */
static void report(const sg_cli_crypto_opts *c) {
        const opts *o = of(c);
        if (strcmp(c->cmd, "decrypt") != 0)
                return;
        if (o->info.unencrypted_parts)
                fputs("sealgate: pgp decrypt: note: the message also had unencrypted parts; they were left "
                      "out\n",
                      stderr);
        if (o->info.verify) {
                fputs("sealgate: pgp decrypt: the encrypted content was signed:\n", stderr);
                print_text(stderr, o->info.verify, o->info.from, 0);
        }
}

static void clear(sg_cli_crypto_opts *c) {
        opts *o = of(c);
        o->res = sg_pgp_verify_result_free(o->res);
        sg_mime_pgp_info_clear(&o->info);
}

static bool option(sg_cli_crypto_opts *c, int ch, const char *arg) {
        opts *o = of(c);
        switch (ch) {
        case 'u':
                o->local_user = arg;
                break;
        case 'T':
                o->trust = true;
                break;
        case 'H':
                o->kr.homedir = arg;
                break;
        case 'b':
                o->bare = true;
                break;
        case 'B':
                o->binary = true;
                break;
        }
        return true;
}

static bool check(sg_cli_crypto_opts *c) {
        const opts *o = of(c);
        if (strcmp(c->cmd, "encrypt") == 0 && c->n_to == 0) {
                fputs("sealgate: pgp encrypt needs --recipient WHO\n", stderr);
                return false;
        }
        if (o->binary && !o->bare) {
                fputs("sealgate: --binary goes with --bare (PGP/MIME is always armored)\n", stderr);
                return false;
        }
        return true;
}

static const struct option options[] = {
        {"recipient", required_argument, NULL, 't'},
        {"local-user", required_argument, NULL, 'u'},
        {"trust-recipients", no_argument, NULL, 'T'},
        {"homedir", required_argument, NULL, 'H'},
        {"bare", no_argument, NULL, 'b'},
        {"binary", no_argument, NULL, 'B'},
        {NULL, 0, NULL, 0},
};

static const sg_cli_crypto pgp = {
        .name = "pgp",
        .usage = usage_text,
        .options = options,
        .takes = {"tuTPEHbBo", "PEHfMo", "uPEHbo", "Hfsajo"},
        .passphrase_max = SG_PGP_PASSPHRASE_MAX,
        .signature_max = SG_PGP_SIGNATURE_MAX,
        .option = option,
        .check = check,
        .begin = begin,
        .init = sg_mime_pgp_init,
        .shutdown = sg_mime_pgp_shutdown,
        .op = op,
        .verify_detached = verify_detached,
        .verify_json = verify_json,
        .verify_text = verify_text,
        .failed_checks = failed_checks,
        .report = report,
        .clear = clear,
};

int sg_cli_pgp(int argc, char **argv) {
        static opts o;
        memset(&o, 0, sizeof o);
        return sg_cli_crypto_main(&pgp, &o.c, argc, argv);
}
