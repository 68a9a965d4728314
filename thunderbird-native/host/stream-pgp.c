/* sealgate-host crypto module: the pgp.* streams: each op's parameters and
 * its call into the OpenPGP engine (GPGME, the host's GnuPG keyring). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sealgate/crypto-json.h"
#include "sealgate/mime-pgp.h"
#include "sealgate/pgp.h"
#include "sealgate/util.h"
#include "stream-private.h"

static json_object *jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static const char *const pgp_format_names[] = {"mime", "armor", "binary", "detached"};

/* pgp's "format": one of `allowed` (the first is the default). */
static bool get_pgp_format(json_object *req, job *j, const enum pgp_format *allowed, size_t n, sg_error *err) {
        char *f = NULL;
        if (!_stream_get_string(req, "format", false, &f, err))
                return false;
        j->format = allowed[0];
        bool ok = !f;
        for (size_t i = 0; f && i < n && !ok; i++)
                if (strcmp(f, pgp_format_names[allowed[i]]) == 0) {
                        j->format = allowed[i];
                        ok = true;
                }
        free(f);
        if (!ok)
                sg_error_set(err, SG_ERR_REQUEST, "\"format\" must be %s",
                             n == 3 ? "\"mime\", \"armor\" or \"binary\"" : "\"mime\" or \"detached\"");
        return ok;
}

bool _stream_parse_pgp(json_object *req, job *j, sg_error *err) {
        static const enum pgp_format enc_formats[] = {PGP_MIME, PGP_ARMOR, PGP_BINARY};
        static const enum pgp_format sig_formats[] = {PGP_MIME, PGP_DETACHED};
        /* the passphrase goes to gpg on one line */
        if (!_stream_get_secret(req, "passphrase", &j->passphrase, err))
                return false;
        if (j->passphrase && strlen(j->passphrase) > SG_PGP_PASSPHRASE_MAX) {
                sg_error_set(err, SG_ERR_LIMIT, "\"passphrase\" is longer than %d bytes", SG_PGP_PASSPHRASE_MAX);
                return false;
        }
        if (j->passphrase && (strchr(j->passphrase, '\n') || strchr(j->passphrase, '\r'))) {
                sg_error_set(err, SG_ERR_REQUEST, "\"passphrase\" must not contain a line break");
                return false;
        }
        switch (j->op) {
        case OP_ENCRYPT:
                return _stream_get_recipients(req, j, SG_PGP_RECIPIENTS_MAX, "addresses or fingerprints", err) &&
                       _stream_get_string(req, "signer", false, &j->signer, err) &&
                       _stream_get_bool(req, "always_trust", &j->always_trust, err) &&
                       get_pgp_format(req, j, enc_formats, 3, err);
        case OP_SIGN:
                return _stream_get_string(req, "signer", false, &j->signer, err) &&
                       get_pgp_format(req, j, sig_formats, 2, err);
        case OP_DECRYPT:
                return _stream_get_string(req, "from", false, &j->from, err);
        case OP_VERIFY:
                return _stream_get_string(req, "from", false, &j->from, err) &&
                       _stream_get_signature(req, j, SG_PGP_SIGNATURE_MAX, err);
        }
        return false;
}

sg_err _stream_pgp_work(job *j, sg_source *src, sg_sink *dst, json_object *extra, sg_error *err) {
        const sg_pgp_ops *ops = sg_pgp_gpgme();
        /* the keyring is the host's: GNUPGHOME or GnuPG's default */
        sg_pgp_keyring kr = {.homedir = NULL, .passphrase = j->passphrase};
        const char *const *to = (const char *const *) j->recipients;
        sg_pgp_verify_result *vres = NULL;
        sg_mime_pgp_info info = {0};
        char *from = NULL;
        const char *digest = NULL;
        sg_err r = SG_OK;
        int fd = -1;

        switch (j->op) {
        case OP_ENCRYPT: {
                unsigned flags =
                        (j->always_trust ? SG_PGP_ALWAYS_TRUST : 0) | (j->format == PGP_BINARY ? 0 : SG_PGP_ARMOR);
                r = j->format == PGP_MIME
                            ? sg_mime_pgp_encrypt(ops, &kr, to, j->n_recipients, j->signer, flags, src, dst, err)
                            : ops->encrypt(&kr, to, j->n_recipients, j->signer, flags, src, dst, err);
                json_object_object_add(extra, "format", json_object_new_string(pgp_format_names[j->format]));
                json_object_object_add(extra, "signed", json_object_new_boolean(j->signer != NULL));
                break;
        }
        case OP_SIGN:
                r = j->format == PGP_MIME ? sg_mime_pgp_sign(ops, &kr, j->signer, src, dst, err)
                                          : ops->sign(&kr, j->signer, SG_PGP_ARMOR, src, NULL, dst, &digest, err);
                json_object_object_add(extra, "format", json_object_new_string(pgp_format_names[j->format]));
                json_object_object_add(extra, "digest", jstr(digest));
                break;
        case OP_DECRYPT:
                fd = _stream_spool(src, err);
                r = fd < 0 ? err->code
                           : sg_mime_pgp_decrypt(ops, &kr, (size_t) SG_STREAM_INPUT_MAX, fd, j->from, dst, &info, err);
                if (r == SG_OK) {
                        json_object_object_add(extra, "encrypted", json_object_new_boolean(info.encrypted));
                        json_object_object_add(extra, "signed", json_object_new_boolean(info.is_signed));
                        json_object_object_add(extra, "unencrypted_parts",
                                               json_object_new_boolean(info.unencrypted_parts));
                        if (info.verify)
                                sg_pgp_verify_to_json(extra, info.verify, info.from);
                }
                break;
        case OP_VERIFY:
                if (j->signature) {
                        r = ops->verify(&kr, j->signature, j->signature_len, src, j->from, &vres, err);
                        if (r == SG_OK && j->from && !(from = sg_strdup(j->from)))
                                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                } else {
                        fd = _stream_spool(src, err);
                        r = fd < 0 ? err->code
                                   : sg_mime_pgp_verify(ops, &kr, fd, j->from, j->want_output ? dst : NULL, &from,
                                                        &vres, err);
                }
                if (r == SG_OK)
                        sg_pgp_verify_to_json(extra, vres, from);
                break;
        }
        if (fd >= 0)
                close(fd);
        sg_pgp_verify_result_free(vres);
        sg_mime_pgp_info_clear(&info);
        free(from);
        return r;
}
