/* sealgate: a certificate import into GnuPG's gpgsm (its keybox and the
 * agent's private keys), the "gpgsm" target of `sealgate certs import` and
 * of the wizard. gpgsm 2.2 reads only the legacy PKCS#12 encodings
 * (3DES/RC2), fails to decrypt about one 3DES key bag in seventy (it
 * follows the random salt) and cannot import an ECDSA key (it crashes).
 * So a PKCS#12 file is read here with OpenSSL (every encoding, its MAC
 * checked), refused before gpgsm sees it when its key is not RSA, and
 * handed to `gpgsm --import` re-encoded with 3DES and a SHA-1 MAC under
 * the same password; a "decryption failed" is retried with a fresh encoding
 * (new salt), at most SG_CERTS_GPGSM_TRIES times. Certificate files go to
 * gpgsm as they are. GPGME's CMS protocol cannot be used: gpgsm's server
 * mode does not pass the PKCS#12 password through loopback pinentry. */
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sealgate/certs.h"

#define SG_CERTS_GPGSM_OUTPUT_MAX (1024 * 1024) /* gpgsm's status and log output kept, bytes */

/* gpgsm's IMPORT_RES counts (GnuPG doc/DETAILS): 1 count, 3 imported,
 * 5 unchanged, 10 secret read, 11 secret imported, 12 secret unchanged. */
typedef struct import_res {
        bool seen;
        unsigned long v[15];
} import_res;

static void parse_status(const char *out, import_res *r) {
        const char *p = out;
        while (p && (p = strstr(p, "[GNUPG:] IMPORT_RES ")) != NULL) {
                p += strlen("[GNUPG:] IMPORT_RES ");
                memset(r, 0, sizeof *r);
                r->seen = true;
                char *end;
                for (int i = 1; i < 15; i++) {
                        r->v[i] = strtoul(p, &end, 10);
                        if (end == p)
                                break;
                        p = end;
                }
        }
}

/* Runs gpgsm --import FILE with the password on its stdin. *out and *log
 * (owned) get its status lines and its messages. */
static sg_err run_gpgsm(const char *file, const char *password, const char *homedir, char **out, char **log,
                        sg_error *err) {
        const char *argv[16];
        int n = 0;
        argv[n++] = "gpgsm";
        if (homedir) {
                argv[n++] = "--homedir";
                argv[n++] = homedir;
        }
        argv[n++] = "--batch";
        argv[n++] = "--pinentry-mode";
        argv[n++] = "loopback";
        argv[n++] = "--passphrase-fd";
        argv[n++] = "0";
        argv[n++] = "--status-fd";
        argv[n++] = "1";
        argv[n++] = "--import";
        argv[n++] = file;
        argv[n] = NULL;
        GError *ge = NULL;
        GSubprocess *p = g_subprocess_newv(
                argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                &ge);
        if (!p) {
                sg_err r = sg_error_set(err, SG_ERR_IO, "gpgsm cannot be started (is GnuPG's gpgsm installed?): %s",
                                        ge->message);
                g_error_free(ge);
                return r;
        }
        size_t pl = password ? strlen(password) : 0;
        char *in = g_malloc(pl + 2);
        if (pl)
                memcpy(in, password, pl);
        in[pl] = '\n';
        GBytes *stdin_bytes = g_bytes_new_with_free_func(in, pl + 1, NULL, NULL);
        GBytes *o = NULL, *e = NULL;
        gboolean ok = g_subprocess_communicate(p, stdin_bytes, NULL, &o, &e, &ge);
        g_bytes_unref(stdin_bytes);
        explicit_bzero(in, pl + 2);
        g_free(in);
        if (!ok) {
                sg_err r = sg_error_set(err, SG_ERR_IO, "gpgsm failed to run: %s", ge->message);
                g_error_free(ge);
                g_object_unref(p);
                return r;
        }
        gsize ol = 0, el = 0;
        const char *od = o ? g_bytes_get_data(o, &ol) : NULL, *ed = e ? g_bytes_get_data(e, &el) : NULL;
        *out = g_strndup(od ? od : "", MIN(ol, SG_CERTS_GPGSM_OUTPUT_MAX));
        *log = g_strndup(ed ? ed : "", MIN(el, SG_CERTS_GPGSM_OUTPUT_MAX));
        if (o)
                g_bytes_unref(o);
        if (e)
                g_bytes_unref(e);
        g_object_unref(p);
        return SG_OK;
}

/* The last non-empty line of gpgsm's messages, for the error's detail. */
static const char *last_line(char *log) {
        char *end = log + strlen(log);
        while (end > log && (end[-1] == '\n' || end[-1] == '\r'))
                *--end = '\0';
        char *nl = strrchr(log, '\n');
        return nl ? nl + 1 : log;
}

static sg_err read_all(const char *path, unsigned char **data, size_t *len, sg_error *err) {
        GStatBuf st;
        if (g_stat(path, &st) != 0)
                return sg_error_set(err, SG_ERR_IO, "cannot read %s", path);
        if (st.st_size > SG_CERTS_FILE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the file is larger than %d bytes", SG_CERTS_FILE_MAX);
        gchar *d = NULL;
        gsize n = 0;
        if (!g_file_get_contents(path, &d, &n, NULL))
                return sg_error_set(err, SG_ERR_IO, "cannot read %s", path);
        if (n > SG_CERTS_FILE_MAX) {
                g_free(d);
                return sg_error_set(err, SG_ERR_LIMIT, "the file is larger than %d bytes", SG_CERTS_FILE_MAX);
        }
        *data = (unsigned char *) d;
        *len = n;
        return SG_OK;
}

typedef struct parsed {
        EVP_PKEY *key;
        X509 *cert;
        STACK_OF(X509) * ca;
        char *name;
} parsed;

static void parsed_clear(parsed *p) {
        EVP_PKEY_free(p->key);
        X509_free(p->cert);
        sk_X509_pop_free(p->ca, X509_free);
        g_free(p->name);
        memset(p, 0, sizeof *p);
}

/* The PKCS#12 file's key, its certificate and the others. RC2-40 (old
 * Windows exports) needs OpenSSL's legacy provider, loaded on first need. */
static sg_err parse_p12(const unsigned char *d, size_t len, const char *pw, parsed *out, sg_error *err) {
        const unsigned char *q = d;
        PKCS12 *p12 = d2i_PKCS12(NULL, &q, (long) len);
        if (!p12)
                return sg_error_set(err, SG_ERR_TRUNCATED, "the PKCS#12 file is corrupt or cut short");
        if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, pw, -1) &&
            !(pw && !*pw && PKCS12_verify_mac(p12, NULL, 0))) {
                PKCS12_free(p12);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE, "the PKCS#12 password is wrong");
        }
        sg_err r = SG_OK;
        bool done = PKCS12_parse(p12, pw, &out->key, &out->cert, &out->ca) == 1;
        if (!done) {
                static OSSL_PROVIDER *legacy, *deflt;
                ERR_clear_error();
                if (!legacy) {
                        deflt = OSSL_PROVIDER_load(NULL, "default");
                        legacy = OSSL_PROVIDER_load(NULL, "legacy");
                }
                done = legacy && PKCS12_parse(p12, pw, &out->key, &out->cert, &out->ca) == 1;
                (void) deflt;
        }
        if (!done) {
                r = sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                 "the PKCS#12 file uses an encryption algorithm OpenSSL cannot read");
        } else if (!out->key) {
                r = sg_error_set(err, SG_ERR_NO_PRIVATE_KEY, "the PKCS#12 file holds no private key");
        } else if (!out->cert) {
                r = sg_error_set(err, SG_ERR_CERT_UNUSABLE, "the PKCS#12 file's key matches none of its certificates");
        } else if (EVP_PKEY_get_base_id(out->key) != EVP_PKEY_RSA) {
                r = sg_error_set(err, SG_ERR_KEY_UNUSABLE,
                                 "gpgsm imports only RSA keys from a PKCS#12 file (GnuPG 2.2 cannot import an "
                                 "ECDSA key): this file's key is %s; nothing was imported",
                                 EVP_PKEY_get0_type_name(out->key));
        } else {
                int nl = 0;
                unsigned char *alias = X509_alias_get0(out->cert, &nl);
                out->name = alias && nl > 0 ? g_strndup((const char *) alias, (gsize) nl) : NULL;
        }
        ERR_clear_error();
        PKCS12_free(p12);
        return r;
}

/* The same key and certificates as a 3DES PKCS#12 with a SHA-1 MAC (what
 * gpgsm 2.2 reads), in a new file `path` (mode 0600). A new random salt
 * each call. */
static sg_err write_legacy(const parsed *p, const char *pw, const char *path, sg_error *err) {
        PKCS12 *o = PKCS12_create(pw, p->name, p->key, p->cert, p->ca, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                                  NID_pbe_WithSHA1And3_Key_TripleDES_CBC, PKCS12_DEFAULT_ITER, -1, 0);
        if (!o || PKCS12_set_mac(o, pw, -1, NULL, 0, PKCS12_DEFAULT_ITER, EVP_sha1()) != 1) {
                PKCS12_free(o);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_INTERNAL, "cannot encode the PKCS#12 file for gpgsm");
        }
        unsigned char *der = NULL;
        int n = i2d_PKCS12(o, &der);
        PKCS12_free(o);
        sg_err r = SG_OK;
        int fd = n > 0 ? g_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
        if (fd < 0 || write(fd, der, (size_t) n) != n)
                r = sg_error_set(err, SG_ERR_IO, "cannot write a temporary file for gpgsm");
        if (fd >= 0)
                close(fd);
        OPENSSL_free(der);
        return r;
}

sg_err sg_certs_import_gpgsm(const char *path, const char *password, const char *homedir, int *secret_keys,
                             sg_error *err) {
        if (password && strlen(password) > SG_CERTS_PASSWORD_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the password is longer than %d bytes", SG_CERTS_PASSWORD_MAX);
        unsigned char *data = NULL;
        size_t len = 0;
        sg_err r = read_all(path, &data, &len, err);
        if (r != SG_OK)
                return r;
        sg_certs_kind kind;
        r = sg_certs_sniff(data, len, &kind, err);
        if (r == SG_OK && kind == SG_CERTS_KIND_MESSAGE)
                r = sg_error_set(err, SG_ERR_INVALID_ARGUMENT,
                                 "gpgsm takes certificates and PKCS#12 files, not a signed message: import the "
                                 "message into a Thunderbird profile instead");
        if (r != SG_OK) {
                g_free(data);
                return r;
        }
        const char *pw = password ? password : "";
        parsed p = {0};
        char *dir = NULL;
        if (kind == SG_CERTS_KIND_PKCS12) {
                r = parse_p12(data, len, pw, &p, err);
                if (r == SG_OK && !(dir = g_dir_make_tmp("sealgate-gpgsm-XXXXXX", NULL)))
                        r = sg_error_set(err, SG_ERR_IO, "cannot make a temporary directory for gpgsm");
        }
        explicit_bzero(data, len);
        g_free(data);
        import_res res = {0};
        char *out = NULL, *log = NULL;
        for (int attempt = 0; r == SG_OK && attempt < (kind == SG_CERTS_KIND_PKCS12 ? SG_CERTS_GPGSM_TRIES : 1);
             attempt++) {
                char *file = NULL;
                if (kind == SG_CERTS_KIND_PKCS12) {
                        char name[32];
                        snprintf(name, sizeof name, "key%d.p12", attempt);
                        file = g_build_filename(dir, name, NULL);
                        r = write_legacy(&p, pw, file, err);
                }
                g_free(out);
                g_free(log);
                out = log = NULL;
                if (r == SG_OK)
                        r = run_gpgsm(file ? file : path, pw, homedir, &out, &log, err);
                if (file) {
                        g_unlink(file);
                        g_free(file);
                }
                if (r != SG_OK)
                        break;
                parse_status(out, &res);
                if (kind != SG_CERTS_KIND_PKCS12 || res.v[11] + res.v[12] > 0 || !strstr(log, "decryption failed"))
                        break;
        }
        parsed_clear(&p);
        if (dir) {
                g_rmdir(dir);
                g_free(dir);
        }
        if (r == SG_OK) {
                if (kind == SG_CERTS_KIND_PKCS12 && res.v[11] + res.v[12] == 0)
                        r = sg_error_set(err, strstr(log, "decryption failed") ? SG_ERR_DECRYPT_FAILED : SG_ERR_IO,
                                         "gpgsm did not import the private key: %s", last_line(log));
                else if (!res.seen || res.v[3] + res.v[5] == 0)
                        r = sg_error_set(err, SG_ERR_NO_CERTIFICATE, "gpgsm imported no certificate: %s",
                                         last_line(log));
                else if (secret_keys)
                        *secret_keys = (int) (res.v[11] + res.v[12]);
        }
        g_free(out);
        g_free(log);
        return r;
}
