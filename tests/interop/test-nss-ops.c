/* sealgate: the NSS backend of smime.h, Thunderbird profile discovery and the
 * keys.lookup engine driven in-process (sanitizers see them), on the fixtures
 * of make-fixtures.sh imported into an NSS database made here: round trips
 * with the OpenSSL backend both ways, truncations, read-only opening, and each
 * named limit one past. Usage: test-nss-ops MAKE_FIXTURES. Prints TAP. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops-common.h"
#include "sealgate/error.h"
#include "sealgate/keys.h"
#include "sealgate/smime-nss.h"
#include "sealgate/smime.h"
#include "sealgate/stream.h"
#include "sealgate/tbprofile.h"
#include "sg-test.h"

static sg_err enc(const sg_smime_ops *ops, const char *to, sg_smime_cipher c, membuf *out, sg_error *e) {
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sg_sink s = membuf_sink(out);
        const char *r[] = {to};
        return ops->encrypt(r, 1, c, &in, &s, e);
}

static sg_err dec(const sg_smime_ops *ops, const sg_smime_key *key, const void *d, size_t len, size_t max, membuf *out,
                  sg_error *e) {
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, d, len);
        sg_sink s = membuf_sink(out);
        return ops->decrypt(key, max, &in, &s, e);
}

static void write_file(const char *p, const char *text) {
        FILE *f = fopen(p, "w");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static time_t mtime(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 ? st.st_mtime : 0;
}

static void test_profiles(void) {
        char home[800], cmd[4000], *dir = NULL;
        sg_error e = {0};
        snprintf(home, sizeof home, "%s/home", ops_fx);
        snprintf(cmd, sizeof cmd,
                 "mkdir -p '%s/.thunderbird/Profiles/a.default' '%s/.thunderbird/Profiles/b.work' '%s/abs.profile' "
                 "'%s/.mozilla/thunderbird/x.old'",
                 home, home, ops_fx, home);
        if (system(cmd) != 0)
                sg_test_diag("mkdir failed");
        char p[900], text[3000];
        snprintf(p, sizeof p, "%s/.thunderbird/profiles.ini", home);
        write_file(p, "[General]\nStartWithLastProfile=1\n\n[Profile1]\nName=work\nIsRelative=1\n"
                      "Path=Profiles/b.work\n\n[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/a.default\n"
                      "Default=1\n");
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_OK && strstr(dir, "/Profiles/a.default"),
                 "profiles.ini alone: the [Profile] with Default=1 (%s)", dir ? dir : e.message);
        free(dir), dir = NULL;

        snprintf(p, sizeof p, "%s/.thunderbird/installs.ini", home);
        write_file(p, "[8216C80C92C4E828]\nDefault=Profiles/b.work\nLocked=1\n");
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_OK && strstr(dir, "/Profiles/b.work"),
                 "installs.ini's Default wins over Default=1 (%s)", dir ? dir : e.message);
        free(dir), dir = NULL;

        snprintf(text, sizeof text,
                 "[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/a.default\nDefault=1\n\n"
                 "[Profile1]\nName=abs\nIsRelative=0\nPath=%s/abs.profile\n\n"
                 "[Install8216C80C92C4E828]\nDefault=%s/abs.profile\nLocked=1\n",
                 ops_fx, ops_fx);
        snprintf(p, sizeof p, "%s/.thunderbird/installs.ini", home);
        unlink(p);
        snprintf(p, sizeof p, "%s/.thunderbird/profiles.ini", home);
        write_file(p, text);
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_OK && strcmp(dir, ops_path("abs.profile")) == 0,
                 "[Install] Default= an absolute profile (IsRelative=0) (%s)", dir ? dir : e.message);
        free(dir), dir = NULL;

        write_file(p, "[Profile0]\nName=a\nIsRelative=1\nPath=Profiles/a.default\n\n"
                      "[Profile1]\nName=b\nIsRelative=1\nPath=Profiles/b.work\n");
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_ERR_PROFILE_NOT_FOUND && !dir,
                 "two profiles, no default: profile_not_found (%s)", e.message);

        write_file(p, "[Profile0]\nName=a\nIsRelative=1\nPath=Profiles/gone\nDefault=1\n");
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_ERR_PROFILE_NOT_FOUND,
                 "a default profile that does not exist: profile_not_found");
        unlink(p);
        snprintf(p, sizeof p, "%s/.mozilla/thunderbird/profiles.ini", home);
        write_file(p, "[Profile0]\nName=old\nIsRelative=1\nPath=x.old\n");
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_OK && strstr(dir, ".mozilla/thunderbird/x.old"),
                 "~/.mozilla/thunderbird (Debian), its only profile");
        free(dir), dir = NULL;

        /* limits, one past */
        FILE *f = fopen(p, "w");
        for (int i = 0; f && i <= SG_TBPROFILE_SECTIONS_MAX; i++)
                fprintf(f, "[Profile%d]\nPath=x.old\n", i);
        if (f)
                fclose(f);
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_ERR_LIMIT, "%d sections: limit_exceeded",
                 SG_TBPROFILE_SECTIONS_MAX + 1);
        f = fopen(p, "w");
        for (int i = 0; f && i < SG_TBPROFILE_SECTIONS_MAX; i++)
                fprintf(f, "[Profile%d]\nPath=x.old\n", i);
        if (f)
                fclose(f);
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_ERR_PROFILE_NOT_FOUND,
                 "%d sections are read (several profiles, no default)", SG_TBPROFILE_SECTIONS_MAX);
        f = fopen(p, "w");
        if (f) {
                fputs("[Profile0]\nPath=x.old\n", f);
                for (int i = 0; i < SG_TBPROFILE_INI_MAX / 32 + 1; i++)
                        fprintf(f, "; %-60s\n", "padding");
                fclose(f);
        }
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_ERR_LIMIT, "a profiles.ini over %d bytes",
                 SG_TBPROFILE_INI_MAX);
        f = fopen(p, "w");
        if (f) {
                fprintf(f, "[Profile0]\nName=%*s\nPath=x.old\n", SG_TBPROFILE_LINE_MAX, "x");
                fclose(f);
        }
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_ERR_LIMIT, "a line over %d bytes",
                 SG_TBPROFILE_LINE_MAX);
        free(dir);
        snprintf(home, sizeof home, "%s/nobody", ops_fx);
        SG_CHECK(sg_tbprofile_find_default(home, &dir, &e) == SG_ERR_PROFILE_NOT_FOUND, "no Thunderbird at all");
}

static void test_keys(void) {
        sg_error e = {0};
        char hash[33];
        sg_keys_wkd_hash("Joe.Doe", 7, hash);
        SG_CHECK_STR(hash, "iy9q119eutrkn8s1mk4r39qejnbu3n5q", "WKD hash of Joe.Doe (the draft's example)");
        char *a = NULL, *d = NULL;
        if (SG_CHECK(sg_keys_wkd_urls("Joe.Doe@Example.ORG", &a, &d, &e) == SG_OK, "WKD URLs")) {
                SG_CHECK_STR(a,
                             "https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/"
                             "iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe",
                             "advanced method URL");
                SG_CHECK_STR(d,
                             "https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe",
                             "direct method URL");
        }
        free(a);
        free(d);

        sg_keys_options o = {.nss_db = ops_path("db"), .cert_store = ops_path("store"), .no_pgp = true};
        const char *addrs[] = {"alice@corp.example", "mallory@other.example", "nobody@corp.example"};
        sg_keys_result *r = NULL;
        sg_err rc = sg_keys_lookup(addrs, 3, &o, &r, &e);
        if (SG_CHECK(rc == SG_OK && r && r->n_answers == 3, "lookup of 3 addresses (%s)", e.message)) {
                SG_CHECK(r->answers[0].smime.status == SG_KEY_USABLE &&
                                 strcmp(r->answers[0].smime.method, "nss-db") == 0,
                         "alice: usable, from the profile's database first");
                SG_CHECK(r->answers[1].smime.status == SG_KEY_USABLE &&
                                 strcmp(r->answers[1].smime.method, "cert-store") == 0,
                         "mallory: usable, from the store");
                SG_CHECK(r->answers[2].smime.status == SG_KEY_NONE &&
                                 strcmp(r->answers[2].smime.reason, "no certificate") == 0,
                         "nobody: no certificate");
        }
        r = sg_keys_result_free(r);

        const char **many = calloc(SG_KEYS_RECIPIENTS_MAX + 1, sizeof *many);
        for (int i = 0; many && i <= SG_KEYS_RECIPIENTS_MAX; i++)
                many[i] = "nobody@corp.example";
        o = (sg_keys_options){.no_pgp = true};
        SG_CHECK(sg_keys_lookup(many, SG_KEYS_RECIPIENTS_MAX + 1, &o, &r, &e) == SG_ERR_LIMIT && !r,
                 "%d recipients: limit_exceeded", SG_KEYS_RECIPIENTS_MAX + 1);
        SG_CHECK(sg_keys_lookup(many, SG_KEYS_RECIPIENTS_MAX, &o, &r, &e) == SG_OK && r &&
                         r->n_answers == SG_KEYS_RECIPIENTS_MAX,
                 "%d recipients answered", SG_KEYS_RECIPIENTS_MAX);
        r = sg_keys_result_free(r);
        free(many);
        o.timeout = SG_KEYS_TIMEOUT_MAX + 1;
        SG_CHECK(sg_keys_lookup(addrs, 1, &o, &r, &e) == SG_ERR_LIMIT, "timeout %d s: limit_exceeded",
                 SG_KEYS_TIMEOUT_MAX + 1);
        o.timeout = 0;
        const char *bad[] = {"not an address"};
        SG_CHECK(sg_keys_lookup(bad, 1, &o, &r, &e) == SG_ERR_ADDRESS_SYNTAX, "not an address: address_syntax");

        /* certificates examined, one past: the same certificate repeated, in
         * two files of a directory (a file is at most SG_SMIME_KEYFILE_MAX) */
        char cmd[3000];
        int half = SG_KEYS_CERTS_MAX / 2;
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && mkdir many enough && for i in $(seq %d); do cat bob.pem; done > enough/a.pem && "
                 "cp enough/a.pem enough/b.pem && cp enough/a.pem many/a.pem && cat bob.pem enough/a.pem > many/b.pem",
                 ops_fx, half);
        if (system(cmd) != 0)
                sg_test_diag("cannot make the stores");
        o.cert_store = ops_path("many");
        SG_CHECK(sg_keys_lookup(addrs, 1, &o, &r, &e) == SG_ERR_LIMIT && !r, "%d certificates: limit_exceeded (%s)",
                 SG_KEYS_CERTS_MAX + 1, e.message);
        o.cert_store = ops_path("enough");
        const char *bob[] = {"bob@partner.example"};
        SG_CHECK(sg_keys_lookup(bob, 1, &o, &r, &e) == SG_OK && r && r->answers[0].smime.status == SG_KEY_USABLE,
                 "%d certificates examined (%s)", SG_KEYS_CERTS_MAX, e.message);
        r = sg_keys_result_free(r);
}

int main(int argc, char **argv) {
        if (!SG_CHECK(ops_start(argc, argv, "test-nss-ops MAKE_FIXTURES", "nss", false,
                                "mkdir db store && certutil -N -d sql:db --empty-password && for u in alice bob; do "
                                "pk12util -i $u.p12 -d sql:db -W \"$(cat PASSPHRASE)\" -K '' >/dev/null || exit 1; "
                                "done && cp mallory.pem expired.pem noeku.pem store/"),
                      "fixtures and an NSS database made"))
                return sg_test_done();

        sg_error e = {0};
        const sg_smime_ops *nss = sg_smime_nss(), *ossl = sg_smime_openssl();
        membuf a = {0}, b = {0};
        sg_smime_key none = {0};
        SG_CHECK(enc(nss, ops_path("bob.pem"), SG_SMIME_AES256_CBC, &a, &e) == SG_ERR_INVALID_ARGUMENT,
                 "the table refuses to work before sg_smime_nss_init");
        SG_CHECK(sg_smime_nss_init(ops_path("nothing"), &e) == SG_ERR_NSS_DB, "a missing database: nss_db_unavailable");
        time_t m_cert = mtime(ops_path("db/cert9.db")), m_key = mtime(ops_path("db/key4.db"));
        sleep(1);
        if (!SG_CHECK(sg_smime_nss_init(ops_path("db"), &e) == SG_OK, "NSS opened read-only (%s)", e.message))
                return sg_test_done();

        SG_CHECK(enc(nss, ops_path("bob.pem"), SG_SMIME_AES256_CBC, &a, &e) == SG_OK, "NSS encrypts to a PEM file");
        SG_CHECK(dec(nss, &none, a.data, a.len, 0, &b, &e) == SG_OK && membuf_is_content(&b),
                 "NSS decrypts with the database's key (%s)", e.message);
        sg_smime_key bob = {.path = ops_path("bob.p12"), .passphrase = ops_pass};
        SG_CHECK(dec(ossl, &bob, a.data, a.len, 0, &b, &e) == SG_OK && membuf_is_content(&b), "OpenSSL decrypts NSS's");
        SG_CHECK(enc(nss, "bob@partner.example", SG_SMIME_AES128_CBC, &a, &e) == SG_OK &&
                         dec(ossl, &bob, a.data, a.len, 0, &b, &e) == SG_OK && membuf_is_content(&b),
                 "NSS encrypts to an address in the database, AES-128");
        SG_CHECK(enc(ossl, ops_path("bob.pem"), SG_SMIME_AES256_CBC, &a, &e) == SG_OK &&
                         dec(nss, &none, a.data, a.len, 0, &b, &e) == SG_OK && membuf_is_content(&b),
                 "NSS decrypts OpenSSL's");
        for (size_t n = 0; n < a.len; n += 13) {
                sg_err r = dec(nss, &none, a.data, n, 0, &b, &e);
                if (r == SG_OK) {
                        SG_CHECK(false, "a truncation to %zu bytes decrypted", n);
                        break;
                }
        }
        SG_CHECK(true, "no truncation of the CMS decrypts");
        SG_CHECK(dec(nss, &none, a.data, a.len - 5, 0, &b, &e) == SG_ERR_TRUNCATED,
                 "cut at the end: truncated_input (%s)", e.message);
        SG_CHECK(dec(nss, &none, a.data, a.len, a.len - 1, &b, &e) == SG_ERR_LIMIT, "max_input one past");
        SG_CHECK(dec(nss, &none, "hello", 5, 0, &b, &e) != SG_OK, "not CMS: refused (%s)", sg_err_code(e.code));
        SG_CHECK(enc(ossl, ops_path("mallory.pem"), SG_SMIME_AES256_CBC, &a, &e) == SG_OK &&
                         dec(nss, &none, a.data, a.len, 0, &b, &e) == SG_ERR_NO_PRIVATE_KEY,
                 "encrypted to someone else: no_private_key");
        SG_CHECK(enc(nss, ops_path("expired.pem"), SG_SMIME_AES256_CBC, &a, &e) == SG_ERR_CERT_EXPIRED,
                 "expired recipient: cert_expired (%s)", e.message);
        SG_CHECK(enc(nss, ops_path("noeku.pem"), SG_SMIME_AES256_CBC, &a, &e) == SG_ERR_CERT_UNUSABLE,
                 "recipient without emailProtection: cert_unusable (%s)", e.message);
        SG_CHECK(enc(nss, ops_path("bob.pem"), SG_SMIME_AES256_GCM, &a, &e) == SG_ERR_UNKNOWN_ALGORITHM,
                 "AES-GCM: unknown_algorithm");
        SG_CHECK(enc(nss, "nobody@corp.example", SG_SMIME_AES256_CBC, &a, &e) == SG_ERR_NO_CERTIFICATE,
                 "unknown recipient: no_certificate");

        /* sign and verify, both backends */
        sg_mem_source ms;
        sg_source in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sg_sink sigs = membuf_sink(&a), cs = membuf_sink(&b);
        sg_smime_key alice = {.path = "alice"};
        sg_smime_trust trust = {.ca_file = ops_path("root.pem")};
        sg_smime_verify_result *res = NULL;
        SG_CHECK(nss->sign(&alice, SG_SMIME_SHA256, &in, &cs, &sigs, &e) == SG_OK && membuf_is_content(&b),
                 "NSS signs with the database's key (%s)", e.message);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        SG_CHECK(ossl->verify(&trust, a.data, a.len, &in, "alice@corp.example", &res, &e) == SG_OK && res->valid,
                 "OpenSSL verifies NSS's signature");
        res = sg_smime_verify_result_free(res);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        SG_CHECK(nss->verify(&trust, a.data, a.len, &in, "alice@corp.example", &res, &e) == SG_OK && res->valid &&
                         res->signers[0].email_matches && res->signers[0].has_signing_time &&
                         strcmp(res->signers[0].digest, "sha256") == 0,
                 "NSS verifies its own: valid, email, signing time, sha256");
        res = sg_smime_verify_result_free(res);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content) - 1);
        SG_CHECK(nss->verify(&trust, a.data, a.len, &in, "bob@partner.example", &res, &e) == SG_OK && !res->valid &&
                         !res->signers[0].signature_valid && !res->signers[0].email_matches,
                 "other content, other sender: signature invalid, email does not match");
        res = sg_smime_verify_result_free(res);
        sg_smime_key ec = {.path = ops_path("alice-ec.p12"), .passphrase = ops_pass};
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        sigs = membuf_sink(&a);
        SG_CHECK(ossl->sign(&ec, SG_SMIME_SHA384, &in, NULL, &sigs, &e) == SG_OK, "OpenSSL signs (ECDSA, sha384)");
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        SG_CHECK(nss->verify(&trust, a.data, a.len, &in, NULL, &res, &e) == SG_OK && res->valid &&
                         strcmp(res->signers[0].digest, "sha384") == 0,
                 "NSS verifies OpenSSL's ECDSA signature (%s)",
                 res && res->n_signers && res->signers[0].chain_error ? res->signers[0].chain_error : "");
        res = sg_smime_verify_result_free(res);
        size_t cut = ops_smime_cut_accepted(nss, &trust, &a, 7);
        SG_CHECK(cut == SIZE_MAX, "no truncation of the signature is accepted (%zu bytes of %zu were)", cut, a.len);
        res = sg_smime_verify_result_free(res);
        unsigned char *big = calloc(1, SG_SMIME_SIGNATURE_MAX + 1);
        in = sg_source_mem(&ms, ops_content, strlen(ops_content));
        SG_CHECK(big && nss->verify(&trust, big, SG_SMIME_SIGNATURE_MAX + 1, &in, NULL, &res, &e) == SG_ERR_LIMIT,
                 "a signature of %d bytes: limit_exceeded", SG_SMIME_SIGNATURE_MAX + 1);
        free(big);

        test_keys();
        sg_smime_nss_shutdown();
        SG_CHECK(mtime(ops_path("db/cert9.db")) == m_cert && mtime(ops_path("db/key4.db")) == m_key,
                 "the database files were not written");
        test_profiles();

        free(a.data);
        free(b.data);
        ops_cleanup(NULL);
        return sg_test_done();
}
