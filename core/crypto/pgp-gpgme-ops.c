/* sealgate: the GPGME backend's operations: encrypt, decrypt, sign, verify
 * (detached and opaque). */
#include "pgp-gpgme-private.h"
#include "sealgate/spool.h"

/* ---- encrypt */

sg_err sg_gpgme_encrypt(const sg_pgp_keyring *kr, const char *const *recipients, size_t n_recipients,
                        const char *signer, unsigned flags, sg_source *in, sg_sink *out, sg_error *err) {
        if (n_recipients == 0 || !recipients || !in || !out)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "encrypt needs at least one recipient");
        if (n_recipients > SG_PGP_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d recipients", SG_PGP_RECIPIENTS_MAX);
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = sg_gpgme_new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        gpgme_key_t *keys = calloc(n_recipients + 1, sizeof *keys);
        gpgme_data_t din = NULL, dout = NULL;
        if (!keys)
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; r == SG_OK && i < n_recipients; i++)
                r = sg_gpgme_find_key(ctx, &oc, recipients[i], WANT_ENCRYPT, flags & SG_PGP_ALWAYS_TRUST, &keys[i],
                                      err);
        if (r == SG_OK && signer) {
                gpgme_key_t sk;
                r = sg_gpgme_find_key(ctx, &oc, signer, WANT_SIGN, true, &sk, err);
                if (r == SG_OK) {
                        gpgme_error_t e = gpgme_signers_add(ctx, sk);
                        gpgme_key_unref(sk);
                        if (e)
                                r = sg_gpgme_map_error(e, &oc, "sign", err);
                }
        }
        if (r == SG_OK)
                r = sg_gpgme_data_in(&oc, in, 0, &din, err);
        if (r == SG_OK)
                r = sg_gpgme_data_out(&oc, out, &dout, err);
        if (r == SG_OK) {
                gpgme_set_armor(ctx, (flags & SG_PGP_ARMOR) != 0);
                gpgme_encrypt_flags_t ef = GPGME_ENCRYPT_NO_COMPRESS;
                if (flags & SG_PGP_ALWAYS_TRUST)
                        ef |= GPGME_ENCRYPT_ALWAYS_TRUST;
                io_loop l;
                sg_gpgme_loop_attach(ctx, &l, &oc, 0);
                gpgme_error_t e = sg_gpgme_loop_run(ctx, &l,
                                                    signer ? gpgme_op_encrypt_sign_start(ctx, keys, ef, din, dout)
                                                           : gpgme_op_encrypt_start(ctx, keys, ef, din, dout));
                gpgme_encrypt_result_t er = gpgme_op_encrypt_result(ctx);
                if (!e && er && er->invalid_recipients)
                        e = er->invalid_recipients->reason ? er->invalid_recipients->reason
                                                           : gpg_error(GPG_ERR_UNUSABLE_PUBKEY);
                if (!e && signer) {
                        gpgme_sign_result_t sr = gpgme_op_sign_result(ctx);
                        if (sr && sr->invalid_signers)
                                e = sr->invalid_signers->reason ? sr->invalid_signers->reason
                                                                : gpg_error(GPG_ERR_UNUSABLE_SECKEY);
                }
                if (e || oc.read_error || oc.write_error)
                        r = sg_gpgme_map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "encrypt", err);
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        for (size_t i = 0; keys && i < n_recipients; i++)
                if (keys[i])
                        gpgme_key_unref(keys[i]);
        free(keys);
        gpgme_release(ctx);
        return r;
}

/* ---- decrypt */

sg_err sg_gpgme_decrypt(const sg_pgp_keyring *kr, size_t max_input, const char *from, sg_source *in, sg_sink *out,
                        sg_pgp_verify_result **ret_result, sg_error *err) {
        if (ret_result)
                *ret_result = NULL;
        if (!in || !out)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "decrypt needs an input and an output");
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = sg_gpgme_new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        gpgme_data_t din = NULL, dout = NULL;
        r = sg_gpgme_data_in(&oc, in, max_input ? max_input : SG_PGP_DECRYPT_MAX, &din, err);
        if (r == SG_OK)
                r = sg_gpgme_data_out(&oc, out, &dout, err);
        oc.hold = !oc.out_fd; /* a file output is discarded by its owner on failure */
        if (r == SG_OK) {
                io_loop l;
                sg_gpgme_loop_attach(ctx, &l, &oc, 0);
                gpgme_error_t e =
                        sg_gpgme_loop_run(ctx, &l, gpgme_op_decrypt_ext_start(ctx, GPGME_DECRYPT_VERIFY, din, dout));
                /* AEAD under gpg 2.2: DECRYPTION_INFO said "0 n 0", GOODMDC at the end */
                if (oc.info_seen && !oc.integrity && oc.good_mdc && !oc.bad_mdc && !oc.nomdc_error && !e)
                        oc.integrity = true;
                /* a short message can end before its first write saw DECRYPTION_INFO */
                if (oc.hold && oc.n_held && oc.info_seen && oc.integrity && !oc.write_error) {
                        oc.hold = false;
                        if (out->write(out->ctx, oc.held, oc.n_held) < 0)
                                oc.write_error = true;
                }
                gpgme_decrypt_result_t dr = gpgme_op_decrypt_result(ctx);
                sg_gpgme_input_over_limit(&oc);
                if (dr && dr->legacy_cipher_nomdc)
                        oc.nomdc_error = true;
                if (!e && dr && dr->unsupported_algorithm)
                        e = gpg_error(GPG_ERR_UNSUPPORTED_ALGORITHM);
                if (!oc.enc_seen && !oc.began_decryption && oc.sig_seen && !oc.read_error && !oc.over_limit) {
                        /* gpg --decrypt also passes signed-only data through */
                        r = sg_error_set(err, SG_ERR_NOT_PGP,
                                         "decrypt: the OpenPGP message is signed, not encrypted: verify it instead");
                } else if (oc.hold_over && !oc.nomdc_error) {
                        r = sg_error_set(err, SG_ERR_NO_INTEGRITY,
                                         "decrypt: gpg did not say whether the message has integrity protection "
                                         "before %zu bytes of its content: refused",
                                         (size_t) SG_PGP_HOLD_MAX);
                } else if (e || oc.read_error || oc.write_error || oc.over_limit || oc.nomdc_error ||
                           (oc.info_seen && !oc.integrity)) {
                        r = sg_gpgme_map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "decrypt", err);
                } else if (!oc.began_decryption || !oc.info_seen) {
                        /* gpg --decrypt also passes signed-only data through */
                        r = sg_error_set(err, SG_ERR_NOT_PGP,
                                         "decrypt: the OpenPGP message is not encrypted (only signed?): verify it "
                                         "instead");
                } else if (ret_result) {
                        gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);
                        if (vr && vr->signatures)
                                r = sg_gpgme_build_result(kr, vr, from, ret_result, err);
                }
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        gpgme_release(ctx);
        free(oc.held);
        if (r != SG_OK && ret_result)
                *ret_result = sg_pgp_verify_result_free(*ret_result);
        return r;
}

/* ---- sign */

sg_err sg_gpgme_sign(const sg_pgp_keyring *kr, const char *signer, unsigned flags, sg_source *in, sg_sink *content_out,
                     sg_sink *sig_out, const char **ret_digest, sg_error *err) {
        if (!in || !sig_out)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sign needs an input and an output");
        opctx oc = {.kr = kr, .tee = content_out, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = sg_gpgme_new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        if (signer) {
                gpgme_key_t sk;
                r = sg_gpgme_find_key(ctx, &oc, signer, WANT_SIGN, true, &sk, err);
                if (r == SG_OK) {
                        gpgme_error_t e = gpgme_signers_add(ctx, sk);
                        gpgme_key_unref(sk);
                        if (e)
                                r = sg_gpgme_map_error(e, &oc, "sign", err);
                }
        }
        gpgme_data_t din = NULL, dout = NULL;
        if (r == SG_OK)
                r = sg_gpgme_data_in(&oc, in, 0, &din, err);
        if (r == SG_OK)
                r = sg_gpgme_data_out(&oc, sig_out, &dout, err);
        if (r == SG_OK) {
                gpgme_set_armor(ctx, (flags & SG_PGP_ARMOR) != 0);
                gpgme_set_textmode(ctx, 0);
                io_loop l;
                sg_gpgme_loop_attach(ctx, &l, &oc, 0);
                gpgme_error_t e =
                        sg_gpgme_loop_run(ctx, &l, gpgme_op_sign_start(ctx, din, dout, GPGME_SIG_MODE_DETACH));
                gpgme_sign_result_t sr = gpgme_op_sign_result(ctx);
                if (!e && sr && sr->invalid_signers)
                        e = sr->invalid_signers->reason ? sr->invalid_signers->reason
                                                        : gpg_error(GPG_ERR_UNUSABLE_SECKEY);
                if (!e && (!sr || !sr->signatures))
                        e = gpg_error(GPG_ERR_NO_SECKEY);
                if (e || oc.read_error || oc.write_error || oc.tee_error)
                        r = sg_gpgme_map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "sign", err);
                else if (ret_digest) {
                        static const struct {
                                gpgme_hash_algo_t a;
                                const char *name;
                        } names[] = {{GPGME_MD_SHA256, "sha256"},
                                     {GPGME_MD_SHA384, "sha384"},
                                     {GPGME_MD_SHA512, "sha512"},
                                     {GPGME_MD_SHA224, "sha224"},
                                     {GPGME_MD_SHA1, "sha1"}};
                        *ret_digest = "unknown";
                        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                                if (names[i].a == sr->signatures->hash_algo)
                                        *ret_digest = names[i].name;
                }
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        gpgme_release(ctx);
        return r;
}

/* ---- verify */

sg_err sg_gpgme_verify(const sg_pgp_keyring *kr, const void *sig, size_t sig_len, sg_source *content, const char *from,
                       sg_pgp_verify_result **ret_result, sg_error *err) {
        if (!sig || !content || !ret_result)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "verify needs a signature and the content");
        if (sig_len > SG_PGP_SIGNATURE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the signature is larger than %d bytes", SG_PGP_SIGNATURE_MAX);
        if (sig_len == 0)
                return sg_error_set(err, SG_ERR_NOT_PGP, "the signature is empty: give an OpenPGP signature");
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = sg_gpgme_new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        gpgme_data_t dsig = NULL, dcontent = NULL;
        gpgme_error_t e = gpgme_data_new_from_mem(&dsig, sig, sig_len, 0);
        if (e)
                r = sg_gpgme_map_error(e, &oc, "verify", err);
        if (r == SG_OK)
                r = sg_gpgme_data_in(&oc, content, 0, &dcontent, err);
        if (r == SG_OK) {
                io_loop l;
                sg_gpgme_loop_attach(ctx, &l, &oc, 1);
                e = sg_gpgme_loop_run(ctx, &l, gpgme_op_verify_start(ctx, dsig, dcontent, NULL));
                gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);
                if (e || oc.read_error)
                        r = sg_gpgme_map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "verify", err);
                else if (!vr || !vr->signatures)
                        r = sg_error_set(err, SG_ERR_NOT_PGP, "verify: no OpenPGP signature found");
                else
                        r = sg_gpgme_build_result(kr, vr, from, ret_result, err);
        }
        gpgme_data_release(dsig);
        gpgme_data_release(dcontent);
        gpgme_release(ctx);
        return r;
}

static sg_err copy_file(FILE *f, sg_sink *out, sg_error *err) {
        char *buf = malloc(CHUNK);
        if (!buf)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_err r = SG_OK;
        rewind(f);
        size_t k;
        while ((k = fread(buf, 1, CHUNK, f)) > 0)
                if (out->write(out->ctx, buf, k) < 0) {
                        r = sg_error_set(err, SG_ERR_IO, "cannot write the output");
                        break;
                }
        if (r == SG_OK && ferror(f))
                r = sg_error_set(err, SG_ERR_IO, "cannot read a memory file");
        free(buf);
        return r;
}

static int file_write(void *ctx, const void *buf, size_t n) {
        return fwrite(buf, 1, n, ctx) == n ? 0 : -1;
}

static int discard_write(void *ctx, const void *buf, size_t n) {
        (void) ctx;
        (void) buf;
        (void) n;
        return 0;
}

sg_err sg_gpgme_verify_opaque(const sg_pgp_keyring *kr, sg_source *in, const char *from, sg_sink *content_out,
                              sg_pgp_verify_result **ret_result, sg_error *err) {
        if (!in || !ret_result)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "verify needs an input");
        opctx oc = {.kr = kr, .in_fd = -1};
        gpgme_ctx_t ctx;
        sg_err r = sg_gpgme_new_ctx(kr, &oc, &ctx, err);
        if (r != SG_OK)
                return r;
        /* the content waits in memory (a memfd) until the signature is known good */
        FILE *tf = content_out ? sg_spool_file_new("sealgate-verify", err) : NULL;
        sg_sink ts = {.write = file_write, .ctx = tf};
        sg_sink discard_sink = {.write = discard_write};
        gpgme_data_t din = NULL, dout = NULL;
        if (content_out && !tf)
                r = err ? err->code : SG_ERR_IO;
        if (r == SG_OK)
                r = sg_gpgme_data_in(&oc, in, SG_PGP_OPAQUE_MAX, &din, err);
        if (r == SG_OK)
                r = sg_gpgme_data_out(&oc, tf ? &ts : &discard_sink, &dout, err);
        sg_pgp_verify_result *res = NULL;
        if (r == SG_OK) {
                io_loop l;
                sg_gpgme_loop_attach(ctx, &l, &oc, 0);
                gpgme_error_t e = sg_gpgme_loop_run(ctx, &l, gpgme_op_verify_start(ctx, din, NULL, dout));
                gpgme_verify_result_t vr = gpgme_op_verify_result(ctx);
                sg_gpgme_input_over_limit(&oc);
                if (e || oc.read_error || oc.over_limit || oc.write_error)
                        r = sg_gpgme_map_error(e ? e : gpg_error(GPG_ERR_GENERAL), &oc, "verify", err);
                else if (!vr || !vr->signatures)
                        r = sg_error_set(err, SG_ERR_NOT_PGP, "verify: no OpenPGP signature found");
                else
                        r = sg_gpgme_build_result(kr, vr, from, &res, err);
                if (r != SG_OK && oc.enc_seen && !oc.sig_seen)
                        r = sg_error_set(err, SG_ERR_NOT_PGP,
                                         "verify: the OpenPGP message is encrypted: decrypt it first");
        }
        if (r == SG_OK && res->valid && tf && (fflush(tf) != 0 || (r = copy_file(tf, content_out, err)) != SG_OK)) {
                if (r == SG_OK)
                        r = sg_error_set(err, SG_ERR_IO, "cannot write a memory file");
        }
        gpgme_data_release(din);
        gpgme_data_release(dout);
        gpgme_release(ctx);
        if (tf)
                fclose(tf);
        if (r != SG_OK) {
                sg_pgp_verify_result_free(res);
                return r;
        }
        *ret_result = res;
        return SG_OK;
}
