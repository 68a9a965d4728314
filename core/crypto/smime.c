/* sealgate: the one place an S/MIME backend is chosen (as curl's
 * lib/vtls/vtls.c): the list of backends built in, the selection by name, and
 * what every backend shares (the cipher and digest names, freeing a
 * verification result). Callers ask a backend's `supports` bits before they
 * hand it an option it cannot honour. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sealgate/smime-nss.h"
#include "sealgate/smime.h"

/* In order of preference: the first is the default. */
static const sg_smime_ops *backends(size_t i) {
        switch (i) {
        case 0:
                return sg_smime_openssl();
        case 1:
                return sg_smime_nss();
        default:
                return NULL;
        }
}

const sg_smime_ops *sg_smime_backend(const char *name) {
        if (!name)
                return backends(0);
        for (size_t i = 0; backends(i); i++)
                if (strcmp(backends(i)->name, name) == 0)
                        return backends(i);
        return NULL;
}

const sg_smime_ops *sg_smime_backend_at(size_t i) {
        return backends(i);
}

sg_err sg_smime_backend_open(const char *name, const char *dbdir, const sg_smime_ops **ret, sg_error *err) {
        const sg_smime_ops *ops = sg_smime_backend(name);
        if (!ops)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no S/MIME backend called \"%.40s\"", name);
        if (dbdir && !sg_smime_supports(ops, SG_SMIME_SUPPORTS_DATABASE))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT,
                                    "the %s S/MIME backend does not read a certificate database", ops->name);
        sg_err r = ops->init(dbdir, err);
        if (r != SG_OK)
                return r;
        *ret = ops;
        return SG_OK;
}

bool sg_smime_supports(const sg_smime_ops *ops, unsigned what) {
        return ops && (ops->supports & what) == what;
}

sg_err sg_smime_check_options(const sg_smime_ops *ops, const sg_smime_trust *trust, bool gcm_encrypt, sg_error *err) {
        if (trust && trust->ca_dir && !sg_smime_supports(ops, SG_SMIME_SUPPORTS_CA_DIR))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT,
                                    "the %s backend takes trust anchors as a file, not a hashed directory", ops->name);
        if (gcm_encrypt && !sg_smime_supports(ops, SG_SMIME_SUPPORTS_ENCRYPT_GCM))
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                    "the %s backend cannot encrypt with AES-GCM (it writes no AuthEnvelopedData)",
                                    ops->name);
        return SG_OK;
}

/* ---- Names. */

static const char *const cipher_names[] = {
        [SG_SMIME_AES256_CBC] = "aes256-cbc",
        [SG_SMIME_AES256_GCM] = "aes256-gcm",
        [SG_SMIME_AES128_CBC] = "aes128-cbc",
};
static const char *const digest_names[] = {
        [SG_SMIME_SHA256] = "sha256",
        [SG_SMIME_SHA384] = "sha384",
        [SG_SMIME_SHA512] = "sha512",
};

const char *sg_smime_cipher_name(sg_smime_cipher c) {
        return (unsigned) c < sizeof cipher_names / sizeof *cipher_names ? cipher_names[c] : NULL;
}

bool sg_smime_cipher_from_name(const char *name, sg_smime_cipher *ret) {
        for (unsigned i = 0; name && i < sizeof cipher_names / sizeof *cipher_names; i++)
                if (strcasecmp(name, cipher_names[i]) == 0) {
                        *ret = (sg_smime_cipher) i;
                        return true;
                }
        return false;
}

const char *sg_smime_digest_name(sg_smime_digest d) {
        return (unsigned) d < sizeof digest_names / sizeof *digest_names ? digest_names[d] : NULL;
}

bool sg_smime_digest_from_name(const char *name, sg_smime_digest *ret) {
        for (unsigned i = 0; name && i < sizeof digest_names / sizeof *digest_names; i++)
                if (strcasecmp(name, digest_names[i]) == 0) {
                        *ret = (sg_smime_digest) i;
                        return true;
                }
        return false;
}

sg_smime_verify_result *sg_smime_verify_result_free(sg_smime_verify_result *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_signers; i++) {
                sg_smime_signer *s = &r->signers[i];
                free(s->subject);
                free(s->issuer);
                free(s->serial);
                for (size_t j = 0; j < s->n_emails; j++)
                        free(s->emails[j]);
                free(s->emails);
                free(s->chain_error);
                free(s->signature_error);
                free(s->usage_error);
                free(s->digest);
        }
        free(r->signers);
        free(r);
        return NULL;
}
