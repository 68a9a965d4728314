/* sealgate: the OpenSSL backend's sign and verify (CMS SignedData,
 * detached and opaque), each check of a signer reported separately. */
#include "smime-openssl-private.h"

/* ---- sign */

static const EVP_MD *digest_of(sg_smime_digest d) {
        switch (d) {
        case SG_SMIME_SHA256:
                return EVP_sha256();
        case SG_SMIME_SHA384:
                return EVP_sha384();
        case SG_SMIME_SHA512:
                return EVP_sha512();
        }
        return NULL;
}

sg_err sg_ossl_sign(const sg_smime_key *key, sg_smime_digest digest, sg_source *in, sg_sink *content_out,
                    sg_sink *sig_out, sg_error *err) {
        sg_ossl_init();
        const EVP_MD *md = digest_of(digest);
        if (!md)
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM, "unknown digest %d", (int) digest);
        identity id;
        sg_err r = sg_ossl_load_identity(key, &id, err);
        if (r != SG_OK)
                return r;
        r = sg_ossl_check_time(id.cert, "signing", err);
        if (r == SG_OK && X509_check_purpose(id.cert, X509_PURPOSE_SMIME_SIGN, 0) != 1) {
                char *label = sg_ossl_cert_label(id.cert);
                r = sg_error_set(err, SG_ERR_CERT_UNUSABLE,
                                 "the certificate %s does not allow email signing (key usage or extended key "
                                 "usage): use an S/MIME certificate",
                                 label ? label : "?");
                free(label);
        }
        ERR_clear_error();
        CMS_ContentInfo *cms = NULL;
        BIO *data = NULL;
        unsigned char *buf = NULL;
        if (r == SG_OK) {
                cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
                if (!cms || !CMS_add1_signer(cms, id.cert, id.pkey, md, CMS_BINARY))
                        r = sg_ossl_map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot prepare the signature");
        }
        /* the chain (not the root) so verifiers can build the path */
        for (int i = 0; r == SG_OK && id.chain && i < sk_X509_num(id.chain); i++) {
                X509 *x = sk_X509_value(id.chain, i);
                if (X509_check_issued(x, x) == X509_V_OK)
                        continue;
                if (!CMS_add1_cert(cms, x))
                        r = sg_ossl_map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot add a certificate");
        }
        if (r == SG_OK && !(data = CMS_dataInit(cms, NULL)))
                r = sg_ossl_map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot start the signature");
        if (r == SG_OK && !(buf = malloc(CHUNK)))
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        while (r == SG_OK) {
                ptrdiff_t n = in->read(in->ctx, buf, CHUNK);
                if (n < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                if (n <= 0)
                        break;
                if (content_out && content_out->write(content_out->ctx, buf, (size_t) n) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                else if (BIO_write(data, buf, (int) n) != (int) n)
                        r = sg_ossl_map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot digest the content");
        }
        free(buf);
        if (r == SG_OK && (BIO_flush(data) <= 0 || !CMS_dataFinal(cms, data)))
                r = sg_ossl_map_error(err, OP_SIGN, SG_ERR_INTERNAL, "signing failed");
        if (r == SG_OK) {
                sgbio out_s = {.sink = sig_out};
                BIO *outb = sg_ossl_bio_new(&out_s);
                if (!outb || !i2d_CMS_bio(outb, cms))
                        r = out_s.io_error
                                    ? sg_error_set(err, SG_ERR_IO, "cannot write the output")
                                    : sg_ossl_map_error(err, OP_SIGN, SG_ERR_INTERNAL, "cannot write the signature");
                BIO_free(outb);
        }
        ERR_clear_error();
        BIO_free_all(data);
        CMS_ContentInfo_free(cms);
        sg_ossl_identity_clear(&id);
        return r;
}

/* ---- verify */

static sg_err load_trust(const sg_smime_trust *trust, X509_STORE **ret, sg_error *err) {
        X509_STORE *st = X509_STORE_new();
        if (!st)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (trust && trust->ca_file && !X509_STORE_load_file(st, trust->ca_file)) {
                X509_STORE_free(st);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_IO, "cannot read trust anchors from %s: give a PEM file",
                                    trust->ca_file);
        }
        if (trust && trust->ca_dir && !X509_STORE_load_path(st, trust->ca_dir)) {
                X509_STORE_free(st);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_IO, "cannot use %s as a certificate directory", trust->ca_dir);
        }
        if (trust && trust->system && !X509_STORE_set_default_paths(st)) {
                X509_STORE_free(st);
                ERR_clear_error();
                return sg_error_set(err, SG_ERR_IO, "cannot load the system's trust store");
        }
        *ret = st;
        return SG_OK;
}

/* Fills the certificate facts and the separate checks of one signer. */
static sg_err check_signer(CMS_ContentInfo *cms, CMS_SignerInfo *si, X509_STORE *store, int64_t at, const char *from,
                           bool sig_ok, sg_smime_signer *s) {
        X509 *x = NULL;
        X509_ALGOR *dig = NULL;
        CMS_SignerInfo_get0_algs(si, NULL, &x, &dig, NULL);
        s->signature_valid = sig_ok;
        if (!sig_ok)
                /* OpenSSL refuses signed attributes without a contentType
                 * (RFC 5652, 5.3) before it looks at the signature: gpgsm's
                 * old signatures lack it; the content may be intact */
                s->signature_error = strdup(
                        CMS_signed_get_attr_count(si) > 0 &&
                                        CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) < 0
                                ? "the signed attributes lack the contentType attribute that CMS requires (RFC 5652, "
                                  "5.3), as older gpgsm versions wrote them: the signature cannot be checked"
                                : "the signature does not match the content: it was changed after signing, or signed "
                                  "with another key");
        if (dig) {
                const ASN1_OBJECT *obj;
                X509_ALGOR_get0(&obj, NULL, NULL, dig);
                const char *sn = OBJ_nid2sn(OBJ_obj2nid(obj));
                s->digest = strdup(sn ? sn : "unknown");
                for (char *p = s->digest; p && *p; p++)
                        *p = (char) tolower((unsigned char) *p);
        }
        int ti = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
        if (ti >= 0) {
                ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, ti), 0);
                if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME)) {
                        s->has_signing_time = true;
                        s->signing_time = sg_ossl_asn1_time_to_epoch(t->value.utctime);
                }
        }
        if (!x) {
                s->chain_error = strdup("the signer's certificate is not in the message");
                s->usage_error = strdup("no certificate");
                return SG_OK;
        }
        s->subject = sg_ossl_name_string(X509_get_subject_name(x));
        s->issuer = sg_ossl_name_string(X509_get_issuer_name(x));
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL;
        s->serial = strdup(hex ? hex : "");
        OPENSSL_free(hex);
        BN_free(bn);
        STACK_OF(OPENSSL_STRING) *emails = X509_get1_email(x);
        int ne = emails ? sk_OPENSSL_STRING_num(emails) : 0;
        s->emails = calloc((size_t) ne + 1, sizeof *s->emails);
        for (int i = 0; s->emails && i < ne; i++)
                if ((s->emails[s->n_emails] = strdup(sk_OPENSSL_STRING_value(emails, i))))
                        s->n_emails++;
        X509_email_free(emails);
        s->not_before = sg_ossl_asn1_time_to_epoch(X509_get0_notBefore(x));
        s->not_after = sg_ossl_asn1_time_to_epoch(X509_get0_notAfter(x));
        time_t when = at ? (time_t) at : time(NULL);
        s->cert_time_valid =
                X509_cmp_time(X509_get0_notBefore(x), &when) < 0 && X509_cmp_time(X509_get0_notAfter(x), &when) > 0;

        /* the path only: validity times and usage are reported on their own */
        STACK_OF(X509) *untrusted = CMS_get1_certs(cms);
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        if (ctx && X509_STORE_CTX_init(ctx, store, x, untrusted)) {
                X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
                if (X509_verify_cert(ctx) == 1)
                        s->chain_trusted = true;
                else
                        s->chain_error = strdup(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        } else {
                s->chain_error = strdup("cannot check the chain");
        }
        X509_STORE_CTX_free(ctx);
        sk_X509_pop_free(untrusted, X509_free);

        if (X509_check_purpose(x, X509_PURPOSE_SMIME_SIGN, 0) == 1) {
                s->usage_ok = true;
        } else {
                uint32_t xku = X509_get_extended_key_usage(x), ku = X509_get_key_usage(x);
                if (!(xku & XKU_SMIME))
                        s->usage_error = strdup("the extended key usage does not include email protection");
                else if (!(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
                        s->usage_error = strdup("the key usage does not allow digital signatures");
                else
                        s->usage_error = strdup("the certificate is not fit for email signing");
        }
        if (from && *from) {
                s->email_checked = true;
                for (size_t i = 0; i < s->n_emails; i++)
                        if (strcasecmp(s->emails[i], from) == 0)
                                s->email_matches = true;
        }
        ERR_clear_error();
        return SG_OK;
}

/* The checks of verify and verify_opaque: the signature over the content
 * (`dcont`, or the content inside when NULL, copied to `out`), then each
 * signer's certificate facts. */
static sg_err verify_cms(CMS_ContentInfo *cms, const sg_smime_trust *trust, BIO *dcont, const sgbio *dcont_s, BIO *out,
                         const char *from, sg_smime_verify_result **ret_result, sg_error *err) {
        X509_STORE *store = NULL;
        sg_err r = load_trust(trust, &store, err);
        bool sig_ok = false;
        if (r == SG_OK) {
                sig_ok = CMS_verify(cms, NULL, store, dcont, out, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
                if (dcont_s && dcont_s->io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the signed content");
                else if (!sig_ok) {
                        sg_error e = {0};
                        sg_err m = sg_ossl_map_error(&e, OP_VERIFY, SG_ERR_VERIFY_FAILED, NULL);
                        if (m != SG_ERR_VERIFY_FAILED) /* not a bad signature: we could not check */
                                r = sg_error_set(err, m, "%s", e.message);
                }
        }
        sg_smime_verify_result *res = NULL;
        STACK_OF(CMS_SignerInfo) *sis = r == SG_OK ? CMS_get0_SignerInfos(cms) : NULL;
        if (r == SG_OK && (!sis || sk_CMS_SignerInfo_num(sis) == 0))
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the signature has no signers");
        if (r == SG_OK) {
                /* CMS_verify found the certificates only if it got that far */
                STACK_OF(X509) *certs = CMS_get1_certs(cms);
                CMS_set1_signers_certs(cms, certs, 0);
                sk_X509_pop_free(certs, X509_free);
                ERR_clear_error();
                res = calloc(1, sizeof *res);
                size_t n = (size_t) sk_CMS_SignerInfo_num(sis);
                if (res)
                        res->signers = calloc(n, sizeof *res->signers);
                if (!res || !res->signers)
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                else
                        res->n_signers = n;
        }
        for (size_t i = 0; r == SG_OK && i < res->n_signers; i++) {
                sg_smime_signer *s = &res->signers[i];
                r = check_signer(cms, sk_CMS_SignerInfo_value(sis, (int) i), store, trust ? trust->at : 0, from, sig_ok,
                                 s);
                s->valid = s->signature_valid && s->subject && s->cert_time_valid && s->chain_trusted && s->usage_ok &&
                           (!s->email_checked || s->email_matches);
        }
        if (r == SG_OK) {
                res->valid = res->n_signers > 0;
                for (size_t i = 0; i < res->n_signers; i++)
                        res->valid = res->valid && res->signers[i].valid;
                *ret_result = res;
        } else {
                sg_smime_verify_result_free(res);
        }
        ERR_clear_error();
        X509_STORE_free(store);
        return r;
}

sg_err sg_ossl_verify(const sg_smime_trust *trust, const void *sig, size_t sig_len, sg_source *content,
                      const char *from, sg_smime_verify_result **ret_result, sg_error *err) {
        sg_ossl_init();
        if (sig_len > SG_SMIME_SIGNATURE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the signature is larger than %d bytes", SG_SMIME_SIGNATURE_MAX);
        const unsigned char *p = sig;
        CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long) sig_len);
        if (!cms)
                return sg_ossl_map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                                         "the signature is not S/MIME (CMS) data: give a detached S/MIME signature");
        sg_err r = SG_OK;
        if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the data is CMS of type %s, not a signature",
                                 OBJ_nid2sn(OBJ_obj2nid(CMS_get0_type(cms))));
        /* A signature that also carries a content (eContent) is checked over
         * the content given, the one the reader sees: a different embedded
         * content is a bad signature, as every peer says (openssl cms, NSS,
         * Thunderbird), never a way to show one text and sign another. */
        sgbio c_s = {.src = content};
        BIO *cb = NULL;
        if (r == SG_OK && !(cb = sg_ossl_bio_new_buffered(&c_s)))
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        BIO *sink = r == SG_OK ? BIO_new(BIO_s_null()) : NULL;
        if (r == SG_OK)
                r = verify_cms(cms, trust, cb, &c_s, sink, from, ret_result, err);
        BIO_free(sink);
        BIO_free_all(cb);
        CMS_ContentInfo_free(cms);
        return r;
}

sg_err sg_ossl_verify_opaque(const sg_smime_trust *trust, sg_source *in, const char *from, sg_sink *content_out,
                             sg_smime_verify_result **ret_result, sg_error *err) {
        sg_ossl_init();
        sgbio in_s = {.src = in, .max = SG_SMIME_OPAQUE_MAX};
        BIO *inb = sg_ossl_bio_new_buffered(&in_s), *mem = BIO_new(BIO_s_mem());
        CMS_ContentInfo *cms = NULL;
        sg_err r = SG_OK;
        if (!inb || !mem)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (r == SG_OK) {
                cms = d2i_CMS_bio(inb, NULL);
                if (in_s.over_limit)
                        r = sg_error_set(err, SG_ERR_LIMIT, "the signed message is larger than %zu bytes", in_s.max);
                else if (in_s.io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                else if (!cms)
                        r = sg_ossl_map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                                              "the input is not S/MIME (CMS) data: give an S/MIME signed message");
        }
        if (r == SG_OK && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the data is CMS of type %s, not a signed message",
                                 OBJ_nid2sn(OBJ_obj2nid(CMS_get0_type(cms))));
        else if (r == SG_OK && CMS_is_detached(cms) == 1)
                r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                 "this is a detached signature without its content: give the content too");
        sg_smime_verify_result *res = NULL;
        if (r == SG_OK)
                r = verify_cms(cms, trust, NULL, NULL, mem, from, &res, err);
        if (r == SG_OK && res->valid && content_out) { /* the content only once it is known good */
                char *data;
                long n = BIO_get_mem_data(mem, &data);
                if (n > 0 && content_out->write(content_out->ctx, data, (size_t) n) < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        if (r == SG_OK)
                *ret_result = res;
        else
                sg_smime_verify_result_free(res);
        ERR_clear_error();
        BIO_free_all(inb);
        BIO_free(mem);
        CMS_ContentInfo_free(cms);
        return r;
}
