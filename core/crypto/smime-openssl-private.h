/* sealgate: what the OpenSSL backend's files share (smime-openssl.c: errors,
 * providers, BIOs over sg_source/sg_sink, key and certificate files,
 * certificate facts, the table; smime-openssl-crypt.c: encrypt, decrypt;
 * smime-openssl-sign.c: sign, verify). Private to core/crypto/. */
#ifndef SEALGATE_SMIME_OPENSSL_PRIVATE_H
#define SEALGATE_SMIME_OPENSSL_PRIVATE_H

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/proverr.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cms-stream-private.h"
#include "sealgate/smime.h"

#define CHUNK 65536

enum op { OP_LOAD_KEY, OP_LOAD_CERT, OP_PARSE, OP_ENCRYPT, OP_DECRYPT, OP_SIGN, OP_VERIFY };

typedef struct sgbio {
        sg_source *src;
        sg_sink *sink;
        size_t count, max;
        bool over_limit, io_error, eof;
} sgbio;

typedef struct identity {
        EVP_PKEY *pkey;
        X509 *cert;
        STACK_OF(X509) * chain;
} identity;

sg_err sg_ossl_map_error(sg_error *err, enum op op, sg_err fallback, const char *what);
void sg_ossl_init(void);
BIO *sg_ossl_bio_new(sgbio *s);
BIO *sg_ossl_bio_new_buffered(sgbio *s);
sg_err sg_ossl_load_certs(const char *path, STACK_OF(X509) * *ret, sg_error *err);
void sg_ossl_identity_clear(identity *id);
sg_err sg_ossl_load_identity(const sg_smime_key *key, identity *id, sg_error *err);
int64_t sg_ossl_asn1_time_to_epoch(const ASN1_TIME *t);
char *sg_ossl_name_string(const X509_NAME *n);
char *sg_ossl_cert_label(X509 *x);
sg_err sg_ossl_check_time(X509 *x, const char *role, sg_error *err);
sg_err sg_ossl_encrypt(const char *const *recipients, size_t n_recipients, sg_smime_cipher cipher, sg_source *in,
                       sg_sink *out, sg_error *err);
sg_err sg_ossl_decrypt(const sg_smime_key *key, size_t max_input, sg_source *in, sg_sink *out, sg_error *err);
sg_err sg_ossl_sign(const sg_smime_key *key, sg_smime_digest digest, sg_source *in, sg_sink *content_out,
                    sg_sink *sig_out, sg_error *err);
sg_err sg_ossl_verify(const sg_smime_trust *trust, const void *sig, size_t sig_len, sg_source *content,
                      const char *from, sg_smime_verify_result **ret_result, sg_error *err);
sg_err sg_ossl_verify_opaque(const sg_smime_trust *trust, sg_source *in, const char *from, sg_sink *content_out,
                             sg_smime_verify_result **ret_result, sg_error *err);

#endif
