/* sealgate: the S/MIME ops table (OpenSSL backend) driven in-process, on the
 * fixtures of make-fixtures.sh: round trips, every truncation of a CMS
 * message, altered bytes, and each named limit one past.
 * Usage: test-smime-ops MAKE_FIXTURES. Prints TAP. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops-common.h"
#include "sealgate/digest.h"
#include "sealgate/error.h"
#include "sealgate/smime.h"
#include "sealgate/stream.h"
#include "sg-test.h"

static sg_err encrypt(const char *cert, sg_smime_cipher c, membuf *out) {
        const sg_smime_ops *ops = sg_smime_openssl();
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sg_sink s = membuf_sink(out);
        const char *r[] = {cert};
        sg_error e = {0};
        return ops->encrypt(r, 1, c, &in, &s, &e);
}

static sg_err decrypt_src(const char *p12, sg_source *in, size_t max, sg_sink *s, sg_error *e) {
        const sg_smime_ops *ops = sg_smime_openssl();
        sg_smime_key key = {.path = p12, .passphrase = ops_pass};
        return ops->decrypt(&key, max, in, s, e);
}

static sg_err decrypt(const char *p12, const void *data, size_t len, size_t max, membuf *out, sg_error *e) {
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, data, len);
        sg_sink s = membuf_sink(out);
        return decrypt_src(p12, &in, max, &s, e);
}

/* ---- Large contents without holding them: a generated source, a sink
 * that checks what it gets against it. */

static unsigned char pattern_byte(uint64_t i) {
        return (unsigned char) (i * 131u + (i >> 13) + 7u);
}

typedef struct pattern {
        uint64_t size, pos;
} pattern;

static ptrdiff_t pattern_read(void *ctx, void *buf, size_t n) {
        pattern *p = ctx;
        size_t k = p->size - p->pos < n ? (size_t) (p->size - p->pos) : n;
        for (size_t i = 0; i < k; i++)
                ((unsigned char *) buf)[i] = pattern_byte(p->pos + i);
        p->pos += k;
        return (ptrdiff_t) k;
}

typedef struct checker {
        uint64_t len;
        bool wrong;
} checker;

static int check_write(void *ctx, const void *buf, size_t n) {
        checker *c = ctx;
        for (size_t i = 0; i < n && !c->wrong; i++)
                c->wrong = ((const unsigned char *) buf)[i] != pattern_byte(c->len + i);
        c->len += n;
        return 0;
}

static sg_err encrypt_pattern(const char *cert, sg_smime_cipher c, uint64_t size, sg_sink *out) {
        pattern p = {.size = size};
        sg_source in = {.read = pattern_read, .ctx = &p}; /* cannot rewind */
        const char *r[] = {cert};
        sg_error e = {0};
        return sg_smime_openssl()->encrypt(r, 1, c, &in, out, &e);
}

/* Decrypts `data` to a checker; `rewindable`: whether the source can rewind. */
static sg_err decrypt_check(const char *key, const membuf *data, size_t len, bool rewindable, checker *c, sg_error *e) {
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, data->data, len);
        if (!rewindable)
                in.rewind = NULL;
        *c = (checker){0};
        sg_sink s = {.write = check_write, .ctx = c};
        return decrypt_src(key, &in, 0, &s, e);
}

/* A field of /proc/self/status in KiB, or -1. */
static long status_kib(const char *field) {
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        long v = -1;
        size_t n = strlen(field);
        while (f && fgets(line, sizeof line, f))
                if (strncmp(line, field, n) == 0 && line[n] == ':')
                        v = strtol(line + n + 1, NULL, 10);
        if (f)
                fclose(f);
        return v;
}

/* AES-GCM (AuthEnvelopedData) decryption: sizes around the 16-byte block
 * and the 64 KiB buffers, RSA (key transport) and ECDH (key agreement)
 * recipients, altered tag and content, truncation, and memory that stays a
 * few buffers for a 64 MiB message. */
static void gcm_tests(void) {
        char cmd[2400];
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdh.key && "
                 "printf '[e]\\nbasicConstraints=CA:false\\nextendedKeyUsage=emailProtection\\n"
                 "subjectAltName=email:carol@corp.example\\n' > ecdh.cnf && "
                 "openssl req -new -key ecdh.key -subj /CN=carol -out ecdh.csr && "
                 "openssl x509 -req -in ecdh.csr -CA inter.pem -CAkey inter.key -set_serial 77 -days 30 "
                 "-extfile ecdh.cnf -extensions e -out ecdh.pem 2>/dev/null && cat ecdh.key ecdh.pem > ecdh-full.pem",
                 ops_fx);
        SG_CHECK(system(cmd) == 0, "an ECDH P-256 recipient certificate made");

        /* 0: OpenSSL 3.0 cannot stream-encrypt empty content with GCM, so
         * ossl_encrypt encrypts an empty input in one go */
        static const size_t sizes[] = {0,     1,     15,    16,     17,     4095,          4096,       4097,
                                       65535, 65536, 65537, 131071, 131072, 65536 * 3 + 1, 1048576 + 5};
        const struct {
                const char *cert, *key, *name;
        } who[] = {{"alice.pem", "alice.p12", "RSA key transport"}, {"ecdh.pem", "ecdh-full.pem", "ECDH P-256"}};
        membuf enc = {0};
        sg_error e = {0};
        for (size_t w = 0; w < 2; w++) {
                size_t bad = 0;
                for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
                        for (int rw = 0; rw < 2; rw++) {
                                sg_sink s = membuf_sink(&enc);
                                checker c;
                                sg_err r = encrypt_pattern(ops_path(who[w].cert), SG_SMIME_AES256_GCM, sizes[i], &s);
                                if (r == SG_OK)
                                        r = decrypt_check(ops_path(who[w].key), &enc, enc.len, rw, &c, &e);
                                if (r != SG_OK || c.wrong || c.len != sizes[i]) {
                                        if (!bad++)
                                                sg_test_diag("  %zu bytes (%s): %s %s", sizes[i],
                                                             rw ? "rewindable" : "one pass", sg_err_code(r),
                                                             r         ? e.message
                                                             : c.wrong ? "other bytes"
                                                                       : "length");
                                }
                        }
                SG_CHECK(bad == 0, "aes256-gcm round trips, %s, %zu sizes from 0 to 1 MiB + 5, with and without rewind",
                         who[w].name, sizeof sizes / sizeof *sizes);
        }

        /* empty content, DER (definite lengths) as `openssl cms` writes it without -stream */
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && : > empty && openssl cms -encrypt -aes-256-gcm -binary -in empty -outform DER "
                 "-out empty.p7m alice.pem",
                 ops_fx);
        FILE *f = system(cmd) == 0 ? fopen(ops_path("empty.p7m"), "rb") : NULL;
        unsigned char der[4096];
        size_t n = f ? fread(der, 1, sizeof der, f) : 0;
        if (f)
                fclose(f);
        membuf out = {0};
        sg_err r0 = n ? decrypt(ops_path("alice.p12"), der, n, 0, &out, &e) : SG_ERR_IO;
        SG_CHECK(r0 == SG_OK && out.len == 0, "aes256-gcm of 0 bytes from openssl cms (DER): decrypted, empty (%s)",
                 sg_err_code(r0));
        free(out.data);

        /* OpenSSL streams BER: ... mac (04 10 + 16 bytes), then three end-of-contents */
        sg_sink s = membuf_sink(&enc);
        const size_t size = 200000;
        encrypt_pattern(ops_path("alice.pem"), SG_SMIME_AES256_GCM, size, &s);
        size_t mac = enc.len - 6 - 18;
        if (!SG_CHECK(enc.len > 100 && enc.data[mac] == 0x04 && enc.data[mac + 1] == 16 &&
                              memcmp(enc.data + enc.len - 6, "\0\0\0\0\0\0", 6) == 0,
                      "aes256-gcm of %zu bytes: the mac is where the tests expect it", size))
                return;
        checker c;
        enc.data[enc.len - 7] ^= 1;
        sg_err r = decrypt_check(ops_path("alice.p12"), &enc, enc.len, true, &c, &e);
        SG_CHECK(r == SG_ERR_DECRYPT_FAILED, "altered tag: decrypt_failed (%s)", sg_err_code(r));
        enc.data[enc.len - 7] ^= 1;
        enc.data[enc.len / 2] ^= 0x80;
        r = decrypt_check(ops_path("alice.p12"), &enc, enc.len, false, &c, &e);
        SG_CHECK(r == SG_ERR_DECRYPT_FAILED, "altered ciphertext: decrypt_failed (%s)", sg_err_code(r));
        enc.data[enc.len / 2] ^= 0x80;
        const size_t cuts[] = {enc.len / 2, mac, mac + 10, enc.len - 6, enc.len - 1};
        size_t bad = 0;
        for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
                r = decrypt_check(ops_path("alice.p12"), &enc, cuts[i], i % 2, &c, &e);
                if (r != SG_ERR_TRUNCATED && !bad++)
                        sg_test_diag("  cut at %zu of %zu: %s", cuts[i], enc.len, sg_err_code(r));
        }
        SG_CHECK(bad == 0, "cut in the content, at the mac, in it, after it: truncated_input");
        r = decrypt_check(ops_path("alice.p12"), &enc, enc.len, true, &c, &e);
        SG_CHECK(r == SG_OK && !c.wrong && c.len == size, "the unaltered message still decrypts");

        /* the algorithm identifier: aes-256-gcm, SEQUENCE { nonce (12 bytes), ICVlen 16 } */
        static const unsigned char gcm_oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2E};
        unsigned char *alg = memmem(enc.data, mac, gcm_oid, sizeof gcm_oid);
        if (SG_CHECK(alg && alg[11] == 0x30 && alg[12] == 0x11 && alg[13] == 0x04 && alg[14] == 12 && alg[27] == 0x02 &&
                             alg[28] == 1 && alg[29] == 16,
                     "the GCM parameters are where the tests expect them")) {
                const struct {
                        size_t at;
                        unsigned char to;
                        sg_err want;
                        const char *what;
                } edits[] = {{29, 12, SG_ERR_DECRYPT_FAILED, "ICVlen 12 with a 16-byte mac: decrypt_failed"},
                             {29, 17, SG_ERR_NOT_SMIME, "ICVlen 17 (RFC 5084: 12 to 16): not_smime"},
                             {10, 0x2F, SG_ERR_UNKNOWN_ALGORITHM, "aes-256-ccm: unknown_algorithm"}};
                for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
                        unsigned char was = alg[edits[i].at];
                        alg[edits[i].at] = edits[i].to;
                        r = decrypt_check(ops_path("alice.p12"), &enc, enc.len, true, &c, &e);
                        alg[edits[i].at] = was;
                        SG_CHECK(r == edits[i].want, "%s (%s)", edits[i].what, sg_err_code(r));
                }
        }

        /* authAttrs [1] before the mac would be input first (RFC 5083): refused, not misread */
        membuf aa = {0};
        sg_sink as = membuf_sink(&aa);
        static const unsigned char attrs[] = {0xA1, 0x02, 0x30, 0x00};
        as.write(as.ctx, enc.data, mac);
        as.write(as.ctx, attrs, sizeof attrs);
        as.write(as.ctx, enc.data + mac, enc.len - mac);
        r = decrypt_check(ops_path("alice.p12"), &aa, aa.len, true, &c, &e);
        SG_CHECK(r == SG_ERR_UNKNOWN_ALGORITHM, "authenticated attributes: unknown_algorithm (%s)", sg_err_code(r));
        free(aa.data);
        free(enc.data);

        /* 64 MiB through a file: the peak memory of decryption alone */
        const uint64_t big = (uint64_t) 64 << 20;
        char tmpl[600];
        snprintf(tmpl, sizeof tmpl, "%s/big-XXXXXX", ops_fx);
        int fd = mkstemp(tmpl);
        if (!SG_CHECK(fd >= 0, "a temporary file for 64 MiB"))
                return;
        unlink(tmpl);
        sg_sink fs = sg_sink_fd(fd);
        r = encrypt_pattern(ops_path("alice.pem"), SG_SMIME_AES256_GCM, big, &fs);
        bool reset = false;
        FILE *cr = fopen("/proc/self/clear_refs", "w");
        if (cr) { /* "5" resets VmHWM to the current RSS */
                reset = fputs("5", cr) >= 0;
                reset = fclose(cr) == 0 && reset;
        }
        long before = reset ? status_kib("VmRSS") : 0;
        lseek(fd, 0, SEEK_SET);
        sg_source fsrc = sg_source_fd(fd);
        fsrc.rewind = NULL; /* as a pipe: one pass */
        c = (checker){0};
        sg_sink cs = {.write = check_write, .ctx = &c};
        if (r == SG_OK)
                r = decrypt_src(ops_path("alice.p12"), &fsrc, 0, &cs, &e);
        long peak = status_kib("VmHWM") - before;
        close(fd);
        SG_CHECK(r == SG_OK && !c.wrong && c.len == big, "64 MiB aes256-gcm decrypted, one pass (%s)", sg_err_code(r));
        sg_test_diag("peak memory of decrypting 64 MiB: %ld KiB above the start (%s)", peak,
                     reset ? "VmHWM reset before" : "VmHWM of the process");
        SG_CHECK(before >= 0 && peak > 0 && peak < 48 * 1024, "decrypting 64 MiB of aes256-gcm takes under 48 MiB");
}

/* The one selection point (smime.c): names, the default, the capability
 * bits, and the options refused before a backend is tried. */
static void backend_selection(void) {
        sg_error e = {0};
        const sg_smime_ops *ossl = sg_smime_backend(NULL), *nss = sg_smime_backend("nss");
        SG_CHECK(ossl && strcmp(ossl->name, "openssl") == 0 && sg_smime_backend("openssl") == ossl &&
                         sg_smime_backend_at(0) == ossl,
                 "the default backend is OpenSSL");
        SG_CHECK(nss && strcmp(nss->name, "nss") == 0 && sg_smime_backend_at(1) == nss && !sg_smime_backend_at(2),
                 "the NSS backend is the second of two");
        SG_CHECK(!sg_smime_backend("gnutls") && !sg_smime_supports(NULL, 0), "an unknown backend: NULL");
        const sg_smime_ops *got = NULL;
        SG_CHECK(sg_smime_backend_open("gnutls", NULL, &got, &e) == SG_ERR_INVALID_ARGUMENT && !got,
                 "opening an unknown backend: invalid_argument");
        SG_CHECK(sg_smime_backend_open(NULL, "/tmp", &got, &e) == SG_ERR_INVALID_ARGUMENT && !got,
                 "a database given to OpenSSL: invalid_argument");
        SG_CHECK(sg_smime_backend_open("openssl", NULL, &got, &e) == SG_OK && got == ossl, "OpenSSL opens");
        got->cleanup();
        SG_CHECK(sg_smime_supports(ossl, SG_SMIME_SUPPORTS_CA_DIR | SG_SMIME_SUPPORTS_ENCRYPT_GCM |
                                                 SG_SMIME_SUPPORTS_DECRYPT_GCM | SG_SMIME_SUPPORTS_KEY_FILES) &&
                         !sg_smime_supports(ossl, SG_SMIME_SUPPORTS_DATABASE),
                 "OpenSSL: key files, ca_dir, AES-GCM; no database");
        SG_CHECK(sg_smime_supports(nss, SG_SMIME_SUPPORTS_DATABASE) &&
                         !sg_smime_supports(nss, SG_SMIME_SUPPORTS_CA_DIR) &&
                         !sg_smime_supports(nss, SG_SMIME_SUPPORTS_ENCRYPT_GCM) &&
                         !sg_smime_supports(nss, SG_SMIME_SUPPORTS_DECRYPT_GCM),
                 "NSS: a database; no ca_dir, no AES-GCM");
        sg_smime_trust dir = {.ca_dir = "/etc/ssl/certs"};
        SG_CHECK(sg_smime_check_options(nss, &dir, false, &e) == SG_ERR_INVALID_ARGUMENT,
                 "ca_dir asked of NSS: invalid_argument before trying");
        SG_CHECK(sg_smime_check_options(nss, NULL, true, &e) == SG_ERR_UNKNOWN_ALGORITHM,
                 "AES-GCM encryption asked of NSS: unknown_algorithm before trying");
        SG_CHECK(sg_smime_check_options(ossl, &dir, true, &e) == SG_OK, "both asked of OpenSSL: fine");
}

/* digest.h: SHA-256 of "abc" (FIPS 180-2), in two chunks. */
static void sha256_helper(void) {
        char hex[SG_SHA256_HEX_LEN + 1];
        sg_sha256 *h = sg_sha256_new();
        bool ok = h && sg_sha256_update(h, "a", 1) && sg_sha256_update(h, "bc", 2) && sg_sha256_final_hex(h, hex);
        SG_CHECK(ok && strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
                 "sha256(\"abc\") in two chunks");
        sg_sha256_free(h);
        SG_CHECK(sg_sha256_free(NULL) == NULL, "sg_sha256_free(NULL)");
}

int main(int argc, char **argv) {
        if (!SG_CHECK(ops_start(argc, argv, "test-smime-ops MAKE_FIXTURES", "ops", false, NULL), "fixtures made"))
                return sg_test_done();

        membuf enc = {0}, out = {0};
        sg_error e = {0};
        const sg_smime_cipher ciphers[] = {SG_SMIME_AES256_CBC, SG_SMIME_AES256_GCM, SG_SMIME_AES128_CBC};
        for (size_t i = 0; i < 3; i++) {
                sg_err r = encrypt(ops_path("alice.pem"), ciphers[i], &enc);
                sg_err d = r == SG_OK ? decrypt(ops_path("alice.p12"), enc.data, enc.len, 0, &out, &e) : r;
                if (!SG_CHECK(r == SG_OK && d == SG_OK && membuf_is_content(&out), "round trip %s",
                              sg_smime_cipher_name(ciphers[i])))
                        sg_test_diag("  %s: %s", sg_err_code(d), e.message);
        }

        /* every truncation of an EnvelopedData and an AuthEnvelopedData */
        for (size_t c = 0; c < 2; c++) {
                encrypt(ops_path("alice.pem"), c ? SG_SMIME_AES256_GCM : SG_SMIME_AES256_CBC, &enc);
                size_t bad = 0, first_bad = 0;
                for (size_t n = 0; n < enc.len; n++) {
                        sg_err r = decrypt(ops_path("alice.p12"), enc.data, n, 0, &out, &e);
                        sg_err want = n == 0 ? SG_ERR_NOT_SMIME : SG_ERR_TRUNCATED;
                        if (r != want && !bad++)
                                first_bad = n;
                }
                if (!SG_CHECK(bad == 0, "%s: each of the %zu truncations gives truncated_input",
                              c ? "aes256-gcm" : "aes256-cbc", enc.len))
                        sg_test_diag("  %zu wrong, first at %zu bytes", bad, first_bad);
        }

        /* altered bytes: never a crash, never success with other plaintext */
        encrypt(ops_path("alice.pem"), SG_SMIME_AES256_GCM, &enc);
        size_t wrong = 0;
        for (size_t n = 0; n < enc.len; n++) {
                enc.data[n] ^= 0x5A;
                sg_err r = decrypt(ops_path("alice.p12"), enc.data, enc.len, 0, &out, &e);
                if (r == SG_OK && !membuf_is_content(&out))
                        wrong++;
                enc.data[n] ^= 0x5A;
        }
        SG_CHECK(wrong == 0, "aes256-gcm: no altered byte of %zu gives other plaintext as success", enc.len);

        /* limits one past */
        encrypt(ops_path("alice.pem"), SG_SMIME_AES256_CBC, &enc);
        SG_CHECK(decrypt(ops_path("alice.p12"), enc.data, enc.len, enc.len, &out, &e) == SG_OK,
                 "max_input equal to the size: decrypted");
        SG_CHECK(decrypt(ops_path("alice.p12"), enc.data, enc.len, enc.len - 1, &out, &e) == SG_ERR_LIMIT,
                 "max_input one less than the size (streamed): limit_exceeded");
        encrypt(ops_path("alice.pem"), SG_SMIME_AES256_GCM, &enc);
        SG_CHECK(decrypt(ops_path("alice.p12"), enc.data, enc.len, enc.len - 1, &out, &e) == SG_ERR_LIMIT,
                 "max_input one less than the size (aes256-gcm): limit_exceeded");

        gcm_tests();

        const sg_smime_ops *ops = sg_smime_openssl();
        const char **many = calloc(SG_SMIME_RECIPIENTS_MAX + 1, sizeof *many);
        for (size_t i = 0; many && i <= SG_SMIME_RECIPIENTS_MAX; i++)
                many[i] = ops_path("alice.pem");
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sg_sink s = membuf_sink(&out);
        SG_CHECK(ops->encrypt(many, SG_SMIME_RECIPIENTS_MAX + 1, SG_SMIME_AES256_CBC, &in, &s, &e) == SG_ERR_LIMIT,
                 "%d recipients: limit_exceeded", SG_SMIME_RECIPIENTS_MAX + 1);
        free(many);

        unsigned char *big = calloc(1, SG_SMIME_SIGNATURE_MAX + 1);
        sg_smime_verify_result *res = NULL;
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        SG_CHECK(big && ops->verify(NULL, big, SG_SMIME_SIGNATURE_MAX + 1, &in, NULL, &res, &e) == SG_ERR_LIMIT && !res,
                 "a signature of %d bytes: limit_exceeded", SG_SMIME_SIGNATURE_MAX + 1);
        free(big);

        /* sign and verify in memory, each check reported */
        sg_smime_key key = {.path = ops_path("alice-ec.p12"), .passphrase = ops_pass};
        membuf sig = {0}, copy = {0};
        sg_sink sigs = membuf_sink(&sig), cs = membuf_sink(&copy);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sg_err r = ops->sign(&key, SG_SMIME_SHA384, &in, &cs, &sigs, &e);
        SG_CHECK(r == SG_OK && copy.len == strlen(ops_content), "sign with ECDSA P-256, sha384; content copied");
        sg_smime_trust trust = {.ca_file = ops_path("root.pem")};
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        r = ops->verify(&trust, sig.data, sig.len, &in, "ALICE@corp.example", &res, &e);
        SG_CHECK(r == SG_OK && res && res->valid && res->n_signers == 1 && res->signers[0].email_matches &&
                         res->signers[0].has_signing_time && strcmp(res->signers[0].digest, "sha384") == 0,
                 "verify: valid, email matches case-insensitively, signing time, digest sha384");
        res = sg_smime_verify_result_free(res);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content) - 1);
        r = ops->verify(&trust, sig.data, sig.len, &in, NULL, &res, &e);
        SG_CHECK(r == SG_OK && res && !res->valid && !res->signers[0].signature_valid &&
                         res->signers[0].chain_trusted && !res->signers[0].email_checked,
                 "verify of other content: signature invalid, chain still reported trusted");
        res = sg_smime_verify_result_free(res);
        size_t cut = ops_smime_cut_accepted(ops, &trust, &sig, 7);
        SG_CHECK(cut == SIZE_MAX, "no truncation of the signature is accepted (%zu bytes of %zu were)", cut, sig.len);
        res = sg_smime_verify_result_free(res);
        free(sig.data);
        free(copy.data);
        free(enc.data);
        free(out.data);

        backend_selection();
        sha256_helper();
        ops_cleanup(NULL);
        return sg_test_done();
}
