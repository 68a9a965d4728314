/* sealgate-host: the stream family, smime.* and pgp.* (docs/protocol.md,
 * "Streams"): the rows' help texts and the one handler that hands a stream
 * request to the crypto module, and the routing of the streams' input
 * frames. The module (stream-job.c, stream-smime.c, stream-pgp.c) checks each
 * op's own parameters and runs the engine in a worker thread. */
#include <stdlib.h>
#include <string.h>

#include "host-private.h"
#include "sealgate/util.h"

const char _host_hlp_smime_encrypt[] =
        "{recipients[], cipher, format, input{frames, size}} + input frames -> output frames, then {complete, "
        "output{frames, size, sha256}, cipher, format}: S/MIME-encrypts a MIME entity (docs/protocol.md, Streams).";
const char _host_hlp_smime_decrypt[] =
        "{key{path, cert, passphrase}, input{frames, size}} + input frames -> output frames, then {complete, "
        "output{...}}: decrypts an S/MIME message or bare CMS.";
const char _host_hlp_smime_sign[] =
        "{key{path, cert, passphrase}, digest, format, input{frames, size}} + input frames -> output frames, then "
        "{complete, output{...}, digest, format}: multipart/signed or a detached signature.";
const char _host_hlp_smime_verify[] =
        "{trust{ca_file, ca_dir, system}, from, signature, output, input{frames, size}} + input frames -> "
        "{complete, valid, from, signers[], output{...}}: checks each signer separately.";
const char _host_hlp_pgp_encrypt[] =
        "{recipients[], signer, passphrase, format, always_trust, input{frames, size}} + input frames -> output "
        "frames, then {complete, output{...}, format, signed}: OpenPGP-encrypts a MIME entity (PGP/MIME) or bare "
        "data with the host's GnuPG keyring.";
const char _host_hlp_pgp_decrypt[] =
        "{passphrase, from, input{frames, size}} + input frames -> output frames, then {complete, output{...}, "
        "encrypted, signed, unencrypted_parts, valid, signers[]}: decrypts PGP/MIME or bare OpenPGP.";
const char _host_hlp_pgp_sign[] =
        "{signer, passphrase, format, input{frames, size}} + input frames -> output frames, then {complete, "
        "output{...}, format, digest}: PGP/MIME multipart/signed or an armored detached signature.";
const char _host_hlp_pgp_verify[] =
        "{from, signature, output, input{frames, size}} + input frames -> {complete, valid, from, signers[], "
        "output{...}}: checks each OpenPGP signer separately.";

/* The streams, made on the first stream op; NULL with `err` set when the
 * module is missing or there is no transport to stream through. */
static sg_streams *streams_of(sg_host *h, const char *op, sg_error *err) {
        if (h->streams)
                return h->streams;
        if (!h->send) {
                sg_error_set(err, SG_ERR_STREAM_INVALID,
                             "%s is a stream: send its request as one frame and its input as input frames "
                             "(docs/protocol.md, Streams)",
                             op);
                return NULL;
        }
        const sg_host_crypto *c = _host_crypto(h, err);
        if (!c)
                return NULL;
        if (!(h->streams = c->streams_new(h->send, h->log, h->send_userdata)))
                sg_error_set(err, SG_ERR_NOMEM, "out of memory starting the streams");
        return h->streams;
}

sg_err _host_op_stream(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        const char *op = _host_string_member(req, "op");
        sg_streams *s = streams_of(h, op, err);
        if (!s)
                return err->code;
        char *id = sg_strdup(id_json);
        if (!id)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        out->send_status = h->crypto->stream_start(s, req, op, id);
        return SG_OK;
}

int _host_stream_input(sg_host *h, json_object *req, char *id_json, sg_host_reply *ret) {
        if (h->streams)
                return h->crypto->stream_input(h->streams, req, id_json);
        /* No stream was ever started on this connection. */
        ret->response = sg_host_error_response(id_json, SG_ERR_STREAM_INVALID, "no stream with this id is open");
        ret->id_json = id_json;
        return 0;
}

bool _host_stream_input_fast(sg_host *h, const char *p, size_t len, int *ret_w) {
        return h->streams && h->crypto->streams_open(h->streams) &&
               h->crypto->stream_input_fast(h->streams, p, len, ret_w);
}

void sg_host_crypto_fds(const sg_host *h, int *ret_stream_fd, int *ret_keys_fd) {
        *ret_stream_fd = h->streams ? h->crypto->streams_wake_fd(h->streams) : -1;
        *ret_keys_fd = h->keys ? h->crypto->keys_wake_fd(h->keys) : -1;
}

int sg_host_crypto_pump(sg_host *h, bool streams, bool keys) {
        if (streams && h->streams && h->crypto->streams_pump(h->streams) < 0)
                return -1;
        if (keys && h->keys && h->crypto->keys_pump(h->keys) < 0)
                return -1;
        return 0;
}

bool sg_host_input_full(const sg_host *h) {
        return h->streams && h->crypto->streams_input_full(h->streams);
}

int sg_host_input_eof(sg_host *h) {
        return h->streams ? h->crypto->streams_eof(h->streams) : 0;
}

bool sg_host_crypto_end(sg_host *h) {
        bool busy = false;
        if (h->keys) {
                busy = h->crypto->keys_busy(h->keys);
                h->keys = h->crypto->keys_free(h->keys);
        }
        if (h->streams)
                h->streams = h->crypto->streams_free(h->streams);
        return busy;
}
