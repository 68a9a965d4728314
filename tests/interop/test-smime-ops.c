/* sealgate: the S/MIME ops table (OpenSSL backend) driven in-process, on the
 * fixtures of make-fixtures.sh: round trips, every truncation of a CMS
 * message, altered bytes, and each named limit one past.
 * Usage: test-smime-ops MAKE_FIXTURES. Prints TAP. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sealgate/error.h"
#include "sealgate/smime.h"
#include "sealgate/stream.h"
#include "sg-test.h"

static char fx[512];

static const char *path(const char *name) {
        static char buf[4][600];
        static int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof buf[i], "%s/%s", fx, name);
        return buf[i];
}

typedef struct membuf {
        unsigned char *data;
        size_t len, cap;
} membuf;

static int mem_write(void *ctx, const void *p, size_t n) {
        membuf *m = ctx;
        if (m->len + n > m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 4096;
                while (cap < m->len + n)
                        cap *= 2;
                unsigned char *d = realloc(m->data, cap);
                if (!d)
                        return -1;
                m->data = d;
                m->cap = cap;
        }
        memcpy(m->data + m->len, p, n);
        m->len += n;
        return 0;
}

static sg_sink sink(membuf *m) {
        m->len = 0;
        return (sg_sink){.write = mem_write, .ctx = m};
}

static const char content[] = "Content-Type: text/plain\r\n\r\nHello Bob,\r\nthe figures.\r\n";

static sg_err encrypt(const char *cert, sg_smime_cipher c, membuf *out) {
        const sg_smime_ops *ops = sg_smime_openssl();
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, content, strlen(content));
        sg_sink s = sink(out);
        const char *r[] = {cert};
        sg_error e = {0};
        return ops->encrypt(r, 1, c, &in, &s, &e);
}

static sg_err decrypt(const char *p12, const void *data, size_t len, size_t max, membuf *out, sg_error *e) {
        const sg_smime_ops *ops = sg_smime_openssl();
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, data, len);
        sg_sink s = sink(out);
        char pass[128] = "";
        FILE *f = fopen(path("PASSPHRASE"), "r");
        if (f) {
                if (!fgets(pass, sizeof pass, f))
                        pass[0] = '\0';
                fclose(f);
        }
        pass[strcspn(pass, "\n")] = '\0';
        sg_smime_key key = {.path = p12, .passphrase = pass};
        return ops->decrypt(&key, max, &in, &s, e);
}

static bool same(const membuf *m) {
        return m->len == strlen(content) && memcmp(m->data, content, m->len) == 0;
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: test-smime-ops MAKE_FIXTURES\n");
                return 2;
        }
        snprintf(fx, sizeof fx, "%s", "/tmp/sealgate-ops-XXXXXX");
        if (!mkdtemp(fx))
                return 1;
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "sh '%s' '%s' >/dev/null", argv[1], fx);
        if (!SG_CHECK(system(cmd) == 0, "fixtures made"))
                return sg_test_done();

        membuf enc = {0}, out = {0};
        sg_error e = {0};
        const sg_smime_cipher ciphers[] = {SG_SMIME_AES256_CBC, SG_SMIME_AES256_GCM, SG_SMIME_AES128_CBC};
        for (size_t i = 0; i < 3; i++) {
                sg_err r = encrypt(path("alice.pem"), ciphers[i], &enc);
                sg_err d = r == SG_OK ? decrypt(path("alice.p12"), enc.data, enc.len, 0, &out, &e) : r;
                if (!SG_CHECK(r == SG_OK && d == SG_OK && same(&out), "round trip %s",
                              sg_smime_cipher_name(ciphers[i])))
                        sg_test_diag("  %s: %s", sg_err_code(d), e.message);
        }

        /* every truncation of an EnvelopedData (streamed) and an AuthEnvelopedData (in memory) */
        for (size_t c = 0; c < 2; c++) {
                encrypt(path("alice.pem"), c ? SG_SMIME_AES256_GCM : SG_SMIME_AES256_CBC, &enc);
                size_t bad = 0, first_bad = 0;
                for (size_t n = 0; n < enc.len; n++) {
                        sg_err r = decrypt(path("alice.p12"), enc.data, n, 0, &out, &e);
                        sg_err want = n == 0 ? SG_ERR_NOT_SMIME : SG_ERR_TRUNCATED;
                        if (r != want && !bad++)
                                first_bad = n;
                }
                if (!SG_CHECK(bad == 0, "%s: each of the %zu truncations gives truncated_input",
                              c ? "aes256-gcm" : "aes256-cbc", enc.len))
                        sg_test_diag("  %zu wrong, first at %zu bytes", bad, first_bad);
        }

        /* altered bytes: never a crash, never success with other plaintext */
        encrypt(path("alice.pem"), SG_SMIME_AES256_GCM, &enc);
        size_t wrong = 0;
        for (size_t n = 0; n < enc.len; n++) {
                enc.data[n] ^= 0x5A;
                sg_err r = decrypt(path("alice.p12"), enc.data, enc.len, 0, &out, &e);
                if (r == SG_OK && !same(&out))
                        wrong++;
                enc.data[n] ^= 0x5A;
        }
        SG_CHECK(wrong == 0, "aes256-gcm: no altered byte of %zu gives other plaintext as success", enc.len);

        /* limits one past */
        encrypt(path("alice.pem"), SG_SMIME_AES256_CBC, &enc);
        SG_CHECK(decrypt(path("alice.p12"), enc.data, enc.len, enc.len, &out, &e) == SG_OK,
                 "max_input equal to the size: decrypted");
        SG_CHECK(decrypt(path("alice.p12"), enc.data, enc.len, enc.len - 1, &out, &e) == SG_ERR_LIMIT,
                 "max_input one less than the size (streamed): limit_exceeded");
        encrypt(path("alice.pem"), SG_SMIME_AES256_GCM, &enc);
        SG_CHECK(decrypt(path("alice.p12"), enc.data, enc.len, enc.len - 1, &out, &e) == SG_ERR_LIMIT,
                 "max_input one less than the size (in memory): limit_exceeded");

        const sg_smime_ops *ops = sg_smime_openssl();
        const char **many = calloc(SG_SMIME_RECIPIENTS_MAX + 1, sizeof *many);
        for (size_t i = 0; many && i <= SG_SMIME_RECIPIENTS_MAX; i++)
                many[i] = path("alice.pem");
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, content, strlen(content));
        sg_sink s = sink(&out);
        SG_CHECK(ops->encrypt(many, SG_SMIME_RECIPIENTS_MAX + 1, SG_SMIME_AES256_CBC, &in, &s, &e) == SG_ERR_LIMIT,
                 "%d recipients: limit_exceeded", SG_SMIME_RECIPIENTS_MAX + 1);
        free(many);

        unsigned char *big = calloc(1, SG_SMIME_SIGNATURE_MAX + 1);
        sg_smime_verify_result *res = NULL;
        in = sg_source_mem(&ms, content, strlen(content));
        SG_CHECK(big && ops->verify(NULL, big, SG_SMIME_SIGNATURE_MAX + 1, &in, NULL, &res, &e) == SG_ERR_LIMIT && !res,
                 "a signature of %d bytes: limit_exceeded", SG_SMIME_SIGNATURE_MAX + 1);
        free(big);

        /* sign and verify in memory, each check reported */
        char pass[128] = "";
        FILE *f = fopen(path("PASSPHRASE"), "r");
        if (f && !fgets(pass, sizeof pass, f))
                pass[0] = '\0';
        if (f)
                fclose(f);
        pass[strcspn(pass, "\n")] = '\0';
        sg_smime_key key = {.path = path("alice-ec.p12"), .passphrase = pass};
        membuf sig = {0}, copy = {0};
        sg_sink sigs = sink(&sig), cs = sink(&copy);
        in = sg_source_mem(&ms, content, strlen(content));
        sg_err r = ops->sign(&key, SG_SMIME_SHA384, &in, &cs, &sigs, &e);
        SG_CHECK(r == SG_OK && copy.len == strlen(content), "sign with ECDSA P-256, sha384; content copied");
        sg_smime_trust trust = {.ca_file = path("root.pem")};
        in = sg_source_mem(&ms, content, strlen(content));
        r = ops->verify(&trust, sig.data, sig.len, &in, "ALICE@corp.example", &res, &e);
        SG_CHECK(r == SG_OK && res && res->valid && res->n_signers == 1 && res->signers[0].email_matches &&
                         res->signers[0].has_signing_time && strcmp(res->signers[0].digest, "sha384") == 0,
                 "verify: valid, email matches case-insensitively, signing time, digest sha384");
        res = sg_smime_verify_result_free(res);
        in = sg_source_mem(&ms, content, strlen(content) - 1);
        r = ops->verify(&trust, sig.data, sig.len, &in, NULL, &res, &e);
        SG_CHECK(r == SG_OK && res && !res->valid && !res->signers[0].signature_valid &&
                         res->signers[0].chain_trusted && !res->signers[0].email_checked,
                 "verify of other content: signature invalid, chain still reported trusted");
        res = sg_smime_verify_result_free(res);
        for (size_t n = 0; n < sig.len; n += 7) {
                in = sg_source_mem(&ms, content, strlen(content));
                r = ops->verify(&trust, sig.data, n, &in, NULL, &res, &e);
                if (r == SG_OK && res->valid) {
                        SG_CHECK(false, "truncated signature (%zu bytes) accepted", n);
                        break;
                }
                res = sg_smime_verify_result_free(res);
        }
        SG_CHECK(true, "no truncation of the signature is accepted");
        res = sg_smime_verify_result_free(res);
        free(sig.data);
        free(copy.data);
        free(enc.data);
        free(out.data);

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx);
        if (system(cmd) != 0)
                sg_test_diag("cannot remove %s", fx);
        return sg_test_done();
}
