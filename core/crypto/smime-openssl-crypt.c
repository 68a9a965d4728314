/* sealgate: the OpenSSL backend's encrypt and decrypt (CMS EnvelopedData
 * and AuthEnvelopedData), streaming through cms-stream.c. */
#include "smime-openssl-private.h"

/* ---- encrypt */

static const EVP_CIPHER *cipher_of(sg_smime_cipher c) {
        switch (c) {
        case SG_SMIME_AES256_CBC:
                return EVP_aes_256_cbc();
        case SG_SMIME_AES256_GCM:
                return EVP_aes_256_gcm();
        case SG_SMIME_AES128_CBC:
                return EVP_aes_128_cbc();
        }
        return NULL;
}

/* A source that gives one byte read ahead before the rest of `in`: encrypt
 * peeks to learn whether the input is empty. */
typedef struct peeked {
        sg_source *in;
        unsigned char first;
        bool pending;
} peeked;

static ptrdiff_t peeked_read(void *ctx, void *buf, size_t n) {
        peeked *p = ctx;
        if (n == 0)
                return 0;
        if (p->pending) {
                p->pending = false;
                *(unsigned char *) buf = p->first;
                return 1;
        }
        return p->in->read(p->in->ctx, buf, n);
}

sg_err sg_ossl_encrypt(const char *const *recipients, size_t n_recipients, sg_smime_cipher cipher, sg_source *in,
                       sg_sink *out, sg_error *err) {
        sg_ossl_init();
        const EVP_CIPHER *ciph = cipher_of(cipher);
        if (!ciph)
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM, "unknown cipher %d", (int) cipher);
        if (n_recipients == 0)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no recipient certificate given");
        if (n_recipients > SG_SMIME_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d recipients", SG_SMIME_RECIPIENTS_MAX);
        sg_err r = SG_OK;
        STACK_OF(X509) *recips = sk_X509_new_null();
        if (!recips)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n_recipients && r == SG_OK; i++) {
                STACK_OF(X509) *certs = NULL;
                r = sg_ossl_load_certs(recipients[i], &certs, err);
                if (r != SG_OK)
                        break;
                X509 *x = sk_X509_shift(certs);
                sk_X509_pop_free(certs, X509_free);
                sk_X509_push(recips, x);
                r = sg_ossl_check_time(x, "recipient's", err);
                if (r == SG_OK && X509_check_purpose(x, X509_PURPOSE_SMIME_ENCRYPT, 0) != 1) {
                        char *label = sg_ossl_cert_label(x);
                        r = sg_error_set(err, SG_ERR_CERT_UNUSABLE,
                                         "the certificate %s (%s) does not allow email encryption (key usage or "
                                         "extended key usage): ask the recipient for an S/MIME certificate",
                                         label ? label : "?", recipients[i]);
                        free(label);
                }
        }
        ERR_clear_error();
        /* OpenSSL 3.0 cannot stream AuthEnvelopedData over empty content
         * (i2d_CMS_bio_stream fails; so does openssl cms -stream): learn
         * whether the input is empty and encrypt an empty one in one go. */
        peeked pk = {.in = in};
        sg_source pks = {.read = peeked_read, .ctx = &pk};
        bool empty = false;
        if (r == SG_OK) {
                ptrdiff_t k = in->read(in->ctx, &pk.first, 1);
                if (k < 0)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                pk.pending = k == 1;
                empty = k == 0;
        }
        CMS_ContentInfo *cms = NULL;
        sgbio in_s = {.src = &pks}, out_s = {.sink = out};
        BIO *inb = NULL, *outb = NULL;
        if (r == SG_OK && empty) {
                BIO *none = BIO_new_mem_buf("", 0);
                outb = sg_ossl_bio_new_buffered(&out_s);
                cms = none && outb ? CMS_encrypt(recips, none, ciph, CMS_BINARY) : NULL;
                if (!none || !outb)
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                else if (!cms || !i2d_CMS_bio(outb, cms))
                        r = out_s.io_error ? sg_error_set(err, SG_ERR_IO, "cannot write the output")
                                           : sg_ossl_map_error(err, OP_ENCRYPT, SG_ERR_INTERNAL, "encryption failed");
                BIO_free(none);
        }
        if (r == SG_OK && !empty) {
                cms = CMS_encrypt(recips, NULL, ciph, CMS_BINARY | CMS_STREAM);
                if (!cms)
                        r = sg_ossl_map_error(err, OP_ENCRYPT, SG_ERR_INTERNAL, "cannot prepare the encryption");
        }
        if (r == SG_OK && !empty) {
                inb = sg_ossl_bio_new_buffered(&in_s);
                outb = sg_ossl_bio_new_buffered(&out_s);
                if (!inb || !outb)
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        if (r == SG_OK && !empty && !i2d_CMS_bio_stream(outb, cms, inb, CMS_BINARY | CMS_STREAM)) {
                if (in_s.io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                else if (out_s.io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                else
                        r = sg_ossl_map_error(err, OP_ENCRYPT, SG_ERR_INTERNAL, "encryption failed");
        }
        if (r == SG_OK && BIO_flush(outb) <= 0)
                out_s.io_error = true;
        if (r == SG_OK && (in_s.io_error || out_s.io_error))
                r = sg_error_set(err, SG_ERR_IO, in_s.io_error ? "cannot read the input" : "cannot write the output");
        ERR_clear_error();
        BIO_free_all(inb);
        BIO_free_all(outb);
        CMS_ContentInfo_free(cms);
        sk_X509_pop_free(recips, X509_free);
        return r;
}

/* ---- decrypt */

/* Whether `cms` has a recipient info for `cert` (key transport or agreement). */
static bool has_recipient(CMS_ContentInfo *cms, X509 *cert) {
        STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
        for (int i = 0; ris && i < sk_CMS_RecipientInfo_num(ris); i++) {
                CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
                int type = CMS_RecipientInfo_type(ri);
                if (type == CMS_RECIPINFO_TRANS && CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0)
                        return true;
                if (type == CMS_RECIPINFO_AGREE) {
                        STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
                        for (int j = 0; reks && j < sk_CMS_RecipientEncryptedKey_num(reks); j++)
                                if (CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, j),
                                                                       cert) == 0)
                                        return true;
                }
        }
        ERR_clear_error();
        return false;
}

static sg_err not_for_us(identity *id, sg_error *err) {
        char *label = sg_ossl_cert_label(id->cert);
        sg_err r = sg_error_set(err, SG_ERR_NO_PRIVATE_KEY,
                                "this message was not encrypted for your certificate %s: ask the sender to encrypt it "
                                "to your current certificate",
                                label ? label : "?");
        free(label);
        return r;
}

/* OpenSSL's CMS_ContentInfo for the message's header without its content
 * (sg_cms_stream_skeleton; `mac`: AuthEnvelopedData's mac in its place). */
static sg_err parse_skeleton(sg_cms_stream *cs, const unsigned char *mac, size_t mac_len, CMS_ContentInfo **ret,
                             sg_error *err) {
        unsigned char *der = NULL;
        size_t len = 0;
        sg_err r = sg_cms_stream_skeleton(cs, mac, mac_len, &der, &len, err);
        if (r != SG_OK)
                return r;
        const unsigned char *p = der;
        *ret = d2i_CMS_ContentInfo(NULL, &p, (long) len);
        free(der);
        if (!*ret)
                return sg_ossl_map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                                         "the input is not S/MIME (CMS) data: give an S/MIME encrypted message");
        return SG_OK;
}

/* EnvelopedData, streaming: OpenSSL parses the header (as DER, without the
 * content) and decrypts the content as "detached content" read from `cs`. */
static sg_err decrypt_streaming(identity *id, sg_cms_stream *cs, BIO *outb, sgbio *out_s, sg_error *err) {
        sg_err r = sg_cms_stream_header(cs, err);
        CMS_ContentInfo *cms = NULL;
        if (r == SG_OK)
                r = parse_skeleton(cs, NULL, 0, &cms, err);
        if (r != SG_OK)
                return r;
        sg_source content = sg_cms_stream_content(cs);
        sgbio c_s = {.src = &content};
        BIO *cb = sg_ossl_bio_new(&c_s);
        if (!cb)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else if (!has_recipient(cms, id->cert))
                r = not_for_us(id, err);
        else if (!CMS_decrypt(cms, id->pkey, id->cert, cb, outb, CMS_BINARY)) {
                if (out_s->io_error)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                else if (c_s.io_error) /* the content ended early or is malformed */
                        r = sg_cms_stream_finish(cs, err);
                if (r == SG_OK)
                        r = sg_ossl_map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
        }
        if (r == SG_OK)
                r = sg_cms_stream_finish(cs, err);
        ERR_clear_error();
        BIO_free(cb);
        CMS_ContentInfo_free(cms);
        return r;
}

/* The tag length of AES-GCM from its GCMParameters (RFC 5084: SEQUENCE {
 * nonce OCTET STRING, ICVlen INTEGER DEFAULT 12 }, ICVlen 12 to 16). */
static sg_err gcm_icv_len(const unsigned char *alg_der, size_t alg_len, int *ret, sg_error *err) {
        const unsigned char *p = alg_der;
        X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, (long) alg_len);
        const ASN1_OBJECT *obj = NULL;
        int ptype = V_ASN1_UNDEF;
        const void *pval = NULL;
        if (alg)
                X509_ALGOR_get0(&obj, &ptype, &pval, alg);
        int nid = obj ? OBJ_obj2nid(obj) : NID_undef;
        sg_err r = SG_OK;
        long icv = 12;
        if (!alg) {
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message's algorithm cannot be read");
        } else if (nid != NID_aes_128_gcm && nid != NID_aes_192_gcm && nid != NID_aes_256_gcm) {
                char name[80];
                OBJ_obj2txt(name, sizeof name, obj, 0);
                r = sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                 "the message is authenticated-encrypted with %s, which sealgate does not support: "
                                 "ask the sender to use AES-GCM or AES-CBC",
                                 name);
        } else if (ptype != V_ASN1_SEQUENCE) {
                r = sg_error_set(err, SG_ERR_NOT_SMIME, "the AES-GCM parameters are missing");
        } else {
                const ASN1_STRING *seq = pval;
                const unsigned char *q = ASN1_STRING_get0_data(seq);
                STACK_OF(ASN1_TYPE) *params = d2i_ASN1_SEQUENCE_ANY(NULL, &q, ASN1_STRING_length(seq));
                int n = params ? sk_ASN1_TYPE_num(params) : 0;
                if (n < 1 || n > 2 || ASN1_TYPE_get(sk_ASN1_TYPE_value(params, 0)) != V_ASN1_OCTET_STRING ||
                    (n == 2 && ASN1_TYPE_get(sk_ASN1_TYPE_value(params, 1)) != V_ASN1_INTEGER))
                        r = sg_error_set(err, SG_ERR_NOT_SMIME, "the AES-GCM parameters are malformed");
                else if (n == 2)
                        icv = ASN1_INTEGER_get(sk_ASN1_TYPE_value(params, 1)->value.integer);
                if (r == SG_OK && (icv < 12 || icv > 16))
                        r = sg_error_set(err, SG_ERR_NOT_SMIME,
                                         "the AES-GCM tag length is %ld bytes, not 12 to 16 (RFC 5084)", icv);
                sk_ASN1_TYPE_pop_free(params, ASN1_TYPE_free);
        }
        X509_ALGOR_free(alg);
        ERR_clear_error();
        if (r == SG_OK)
                *ret = (int) icv;
        return r;
}

/* The mac from the elements after the content (`trailer`: authAttrs [1]
 * if any, then the mac OCTET STRING), borrowed from `trailer`. */
static sg_err gcm_mac(const unsigned char *trailer, size_t len, int icv, const unsigned char **ret, sg_error *err) {
        const unsigned char *p = trailer, *end = trailer + len;
        while (p < end) {
                const unsigned char *q = p;
                long n = 0;
                int tag = 0, cls = 0;
                int f = ASN1_get_object(&q, &n, &tag, &cls, (long) (end - p));
                ERR_clear_error();
                if (f & 0x80)
                        return sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message's tag cannot be read");
                if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 1)
                        /* they would be additional authenticated data, which is input before the content */
                        return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                            "the message has authenticated attributes (RFC 5083 authAttrs), which "
                                            "sealgate does not support: ask the sender to encrypt without them");
                if (cls == V_ASN1_UNIVERSAL && tag == V_ASN1_OCTET_STRING && !(f & V_ASN1_CONSTRUCTED)) {
                        if (n != icv)
                                return sg_error_set(err, SG_ERR_DECRYPT_FAILED,
                                                    "the authentication tag is %ld bytes, not the %d its parameters "
                                                    "say: the message is damaged or was altered; ask the sender to "
                                                    "send it again",
                                                    n, icv);
                        *ret = q;
                        return SG_OK;
                }
                if (f & 1) /* an indefinite length: not DER, cannot be skipped here */
                        return sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message's tag cannot be read");
                p = q + n;
        }
        return sg_error_set(err, SG_ERR_NOT_SMIME, "the encrypted message has no authentication tag");
}

/* AuthEnvelopedData with AES-GCM, one pass. OpenSSL decrypts the recipient
 * info and sets up the cipher with the content-encryption key (as "detached
 * content", from a header whose mac is a placeholder); the content then goes
 * through that cipher context chunk by chunk, so memory stays a few buffers.
 * The mac follows the content: it is set just before the final check, and
 * the plaintext written before it is valid only if this returns SG_OK (see
 * smime.h). OpenSSL's own CMS_decrypt would hold the whole plaintext in a
 * memory BIO until the tag is checked. */
static sg_err decrypt_gcm(identity *id, sg_cms_stream *cs, BIO *outb, sg_error *err) {
        unsigned char placeholder[2 + 16] = {V_ASN1_OCTET_STRING};
        const unsigned char *alg_der = NULL, *mac = NULL;
        size_t alg_len = 0, trailer_len = 0;
        unsigned char *trailer = NULL, *in = NULL, *plain = NULL;
        int icv = 0;
        sg_err r = sg_cms_stream_header(cs, err);
        if (r == SG_OK) {
                sg_cms_stream_content_alg(cs, &alg_der, &alg_len);
                r = gcm_icv_len(alg_der, alg_len, &icv, err);
        }
        CMS_ContentInfo *cms = NULL;
        if (r == SG_OK) {
                placeholder[1] = (unsigned char) icv;
                r = parse_skeleton(cs, placeholder, 2 + (size_t) icv, &cms, err);
        }
        if (r != SG_OK)
                return r;
        BIO *chain = NULL, *null = BIO_new(BIO_s_null());
        EVP_CIPHER_CTX *ctx = NULL;
        if (!null || !(in = malloc(CHUNK)) || !(plain = malloc(CHUNK + EVP_MAX_BLOCK_LENGTH)))
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        else if (!has_recipient(cms, id->cert))
                r = not_for_us(id, err);
        else if (!CMS_decrypt_set1_pkey(cms, id->pkey, id->cert) || !(chain = CMS_dataInit(cms, null)))
                r = sg_ossl_map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
        else
                null = NULL; /* in the chain now */
        if (r == SG_OK && (BIO_method_type(chain) != BIO_TYPE_CIPHER || BIO_get_cipher_ctx(chain, &ctx) <= 0 || !ctx))
                r = sg_error_set(err, SG_ERR_INTERNAL, "OpenSSL did not set up the AES-GCM decryption");
        sg_source content = sg_cms_stream_content(cs);
        while (r == SG_OK) {
                ptrdiff_t n = content.read(content.ctx, in, CHUNK);
                int outl = 0;
                if (n < 0 && (r = sg_cms_stream_finish(cs, err)) == SG_OK) /* the failure the content met */
                        r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
                if (n <= 0)
                        break;
                if (!EVP_DecryptUpdate(ctx, plain, &outl, in, (int) n))
                        r = sg_ossl_map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
                else if (outl > 0 && BIO_write(outb, plain, outl) != outl)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        if (r == SG_OK)
                r = sg_cms_stream_skip_to_trailer(cs, err);
        if (r == SG_OK)
                r = sg_cms_stream_take_trailer(cs, &trailer, &trailer_len, err);
        if (r == SG_OK)
                r = sg_cms_stream_finish(cs, err);
        if (r == SG_OK)
                r = gcm_mac(trailer, trailer_len, icv, &mac, err);
        if (r == SG_OK) {
                int outl = 0;
                if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, icv, (void *) mac) <= 0)
                        r = sg_ossl_map_error(err, OP_DECRYPT, SG_ERR_INTERNAL, "cannot check the authentication tag");
                else if (EVP_DecryptFinal_ex(ctx, plain, &outl) <= 0)
                        r = sg_error_set(err, SG_ERR_DECRYPT_FAILED,
                                         "the authentication tag does not match: the encrypted content is damaged "
                                         "or was altered, discard what was decrypted; ask the sender to send it "
                                         "again");
                else if (outl > 0 && BIO_write(outb, plain, outl) != outl)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        }
        ERR_clear_error();
        free(trailer);
        free(in);
        if (plain)
                OPENSSL_cleanse(plain, CHUNK + EVP_MAX_BLOCK_LENGTH);
        free(plain);
        BIO_free_all(chain);
        BIO_free(null);
        CMS_ContentInfo_free(cms);
        return r;
}

/* What is neither (Auth)EnvelopedData nor SignedData: OpenSSL reads the
 * whole structure, at most `max` bytes, and says what it is. */
static sg_err decrypt_in_memory(identity *id, sg_source *in, size_t max, BIO *outb, sgbio *out_s, sg_error *err) {
        sgbio in_s = {.src = in, .max = max};
        BIO *inb = sg_ossl_bio_new(&in_s);
        if (!inb)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_err r = SG_OK;
        CMS_ContentInfo *cms = d2i_CMS_bio(inb, NULL);
        if (in_s.over_limit)
                r = sg_error_set(err, SG_ERR_LIMIT, "the encrypted data is larger than %zu bytes", in_s.max);
        else if (in_s.io_error)
                r = sg_error_set(err, SG_ERR_IO, "cannot read the input");
        else if (!cms)
                r = sg_ossl_map_error(err, OP_PARSE, SG_ERR_NOT_SMIME,
                                      "the input is not S/MIME (CMS) data: give an S/MIME encrypted message");
        if (r == SG_OK) {
                int nid = OBJ_obj2nid(CMS_get0_type(cms));
                if (nid != NID_pkcs7_enveloped && nid != NID_id_smime_ct_authEnvelopedData)
                        r = sg_error_set(err, SG_ERR_NOT_SMIME, "the data is CMS of type %s, not an encrypted message",
                                         OBJ_nid2sn(nid));
        }
        if (r == SG_OK && !has_recipient(cms, id->cert))
                r = not_for_us(id, err);
        if (r == SG_OK && !CMS_decrypt(cms, id->pkey, id->cert, NULL, outb, CMS_BINARY))
                r = out_s->io_error ? sg_error_set(err, SG_ERR_IO, "cannot write the output")
                                    : sg_ossl_map_error(err, OP_DECRYPT, SG_ERR_DECRYPT_FAILED, NULL);
        ERR_clear_error();
        BIO_free(inb);
        CMS_ContentInfo_free(cms);
        return r;
}

sg_err sg_ossl_decrypt(const sg_smime_key *key, size_t max_input, sg_source *in, sg_sink *out, sg_error *err) {
        sg_ossl_init();
        identity id;
        sg_err r = sg_ossl_load_identity(key, &id, err);
        if (r != SG_OK)
                return r;
        size_t max = max_input ? max_input : SG_SMIME_DECRYPT_MAX;
        sg_cms_stream *cs = NULL;
        sgbio out_s = {.sink = out};
        BIO *outb = sg_ossl_bio_new_buffered(&out_s);
        if (!outb)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if (r == SG_OK)
                r = sg_cms_stream_open(in, max, &cs, err);
        if (r == SG_OK) {
                switch (sg_cms_stream_type(cs)) {
                case SG_CMS_ENVELOPED:
                        r = decrypt_streaming(&id, cs, outb, &out_s, err);
                        break;
                case SG_CMS_AUTH_ENVELOPED:
                        r = decrypt_gcm(&id, cs, outb, err);
                        break;
                case SG_CMS_SIGNED:
                        r = sg_error_set(err, SG_ERR_NOT_SMIME, "the message is signed, not encrypted: verify it");
                        break;
                default: {
                        sg_source replay = sg_cms_stream_replay(cs);
                        r = decrypt_in_memory(&id, &replay, max, outb, &out_s, err);
                        break;
                }
                }
        }
        if (outb && BIO_flush(outb) <= 0 && r == SG_OK)
                r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
        sg_cms_stream_free(cs);
        BIO_free_all(outb);
        sg_ossl_identity_clear(&id);
        return r;
}
