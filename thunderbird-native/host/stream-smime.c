/* sealgate-host crypto module: the smime.* streams: each op's parameters
 * and its call into the S/MIME engine (the backend from the one selection
 * point, sg_smime_backend). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sealgate/crypto-json.h"
#include "sealgate/mime-smime.h"
#include "sealgate/util.h"
#include "stream-private.h"

static bool get_key(json_object *req, job *j, sg_error *err) {
        json_object *k;
        if (!json_object_object_get_ex(req, "key", &k) || !json_object_is_type(k, json_type_object)) {
                sg_error_set(err, SG_ERR_REQUEST, "\"key\" must be an object {path, cert, passphrase}");
                return false;
        }
        static const char *const keys[] = {"path", "cert", "passphrase", NULL};
        return _stream_only_keys(k, keys, "\"key\"", err) && _stream_get_string(k, "path", true, &j->key_path, err) &&
               _stream_get_string(k, "cert", false, &j->cert_path, err) &&
               _stream_get_secret(k, "passphrase", &j->passphrase, err);
}

static bool get_format(json_object *req, job *j, sg_error *err) {
        char *f = NULL;
        if (!_stream_get_string(req, "format", false, &f, err))
                return false;
        bool ok = !f || strcmp(f, "mime") == 0 || strcmp(f, "der") == 0;
        j->der = f && strcmp(f, "der") == 0;
        free(f);
        if (!ok)
                sg_error_set(err, SG_ERR_REQUEST, "\"format\" must be \"mime\" or \"der\"");
        return ok;
}

bool _stream_parse_smime(json_object *req, job *j, sg_error *err) {
        char *name = NULL;
        json_object *v;
        switch (j->op) {
        case OP_ENCRYPT:
                if (!_stream_get_recipients(req, j, SG_SMIME_RECIPIENTS_MAX, "certificate paths", err) ||
                    !_stream_get_string(req, "cipher", false, &name, err))
                        return false;
                if (name && !sg_smime_cipher_from_name(name, &j->cipher)) {
                        sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                     "unknown cipher \"%.64s\": use aes256-cbc, aes256-gcm or aes128-cbc", name);
                        free(name);
                        return false;
                }
                free(name);
                return get_format(req, j, err);
        case OP_SIGN:
                if (!get_key(req, j, err) || !_stream_get_string(req, "digest", false, &name, err))
                        return false;
                if (name && !sg_smime_digest_from_name(name, &j->digest)) {
                        sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                     "unknown digest \"%.64s\": use sha256, sha384 or sha512", name);
                        free(name);
                        return false;
                }
                free(name);
                return get_format(req, j, err);
        case OP_DECRYPT:
                return get_key(req, j, err);
        case OP_VERIFY:
                if (json_object_object_get_ex(req, "trust", &v) && !json_object_is_type(v, json_type_null)) {
                        static const char *const tkeys[] = {"ca_file", "ca_dir", "system", NULL};
                        if (!json_object_is_type(v, json_type_object)) {
                                sg_error_set(err, SG_ERR_REQUEST,
                                             "\"trust\" must be an object {ca_file, ca_dir, system}");
                                return false;
                        }
                        if (!_stream_only_keys(v, tkeys, "\"trust\"", err) ||
                            !_stream_get_string(v, "ca_file", false, &j->ca_file, err) ||
                            !_stream_get_string(v, "ca_dir", false, &j->ca_dir, err) ||
                            !_stream_get_bool(v, "system", &j->system_ca, err))
                                return false;
                }
                return _stream_get_string(req, "from", false, &j->from, err) &&
                       _stream_get_signature(req, j, SG_SMIME_SIGNATURE_MAX, err);
        }
        return false;
}

sg_err _stream_smime_work(job *j, sg_source *src, sg_sink *dst, json_object *extra, sg_error *err) {
        const sg_smime_ops *ops = sg_smime_backend(NULL);
        sg_smime_key key = {.path = j->key_path, .cert_path = j->cert_path, .passphrase = j->passphrase};
        sg_smime_trust trust = {.ca_file = j->ca_file, .ca_dir = j->ca_dir, .system = j->system_ca};
        sg_smime_verify_result *vres = NULL;
        char *from = NULL;
        sg_err r = SG_OK;
        int fd = -1;

        switch (j->op) {
        case OP_ENCRYPT:
                r = j->der ? ops->encrypt((const char *const *) j->recipients, j->n_recipients, j->cipher, src, dst,
                                          err)
                           : sg_mime_smime_encrypt(ops, (const char *const *) j->recipients, j->n_recipients, j->cipher,
                                                   src, dst, err);
                json_object_object_add(extra, "cipher", json_object_new_string(sg_smime_cipher_name(j->cipher)));
                json_object_object_add(extra, "format", json_object_new_string(j->der ? "der" : "mime"));
                break;
        case OP_SIGN:
                r = j->der ? ops->sign(&key, j->digest, src, NULL, dst, err)
                           : sg_mime_smime_sign(ops, &key, j->digest, src, dst, err);
                json_object_object_add(extra, "digest", json_object_new_string(sg_smime_digest_name(j->digest)));
                json_object_object_add(extra, "format", json_object_new_string(j->der ? "der" : "mime"));
                break;
        case OP_DECRYPT:
                fd = _stream_spool(src, err);
                r = fd < 0 ? err->code
                           : sg_mime_smime_decrypt(ops, &key, (size_t) SG_STREAM_INPUT_MAX, fd, dst, NULL, err);
                break;
        case OP_VERIFY:
                if (j->signature) {
                        r = ops->verify(&trust, j->signature, j->signature_len, src, j->from, &vres, err);
                        if (r == SG_OK && j->from && !(from = sg_strdup(j->from)))
                                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                } else {
                        fd = _stream_spool(src, err);
                        r = fd < 0 ? err->code
                                   : sg_mime_smime_verify(ops, &trust, fd, j->from, j->want_output ? dst : NULL, &from,
                                                          &vres, err);
                }
                if (r == SG_OK)
                        sg_smime_verify_to_json(extra, vres, from);
                break;
        }
        if (fd >= 0)
                close(fd);
        sg_smime_verify_result_free(vres);
        free(from);
        return r;
}
