/* sealgate: what the GPGME backend's files share (pgp-gpgme.c: one
 * operation's context, error mapping, callbacks, data objects, the event
 * loop, the table; pgp-gpgme-keys.c: finding keys, verification results;
 * pgp-gpgme-ops.c: encrypt, decrypt, sign, verify). Private to core/crypto/. */
#ifndef SEALGATE_PGP_GPGME_PRIVATE_H
#define SEALGATE_PGP_GPGME_PRIVATE_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gpgme.h>

#include "sealgate/pgp.h"
#include "sealgate/stream.h"

#define CHUNK 65536

/* ---- One operation's context: what the callbacks saw, for map_error(). */

typedef struct opctx {
        const sg_pgp_keyring *kr;
        int pass_calls;        /* times gpg asked for the passphrase */
        bool pass_wrong;       /* it asked again: the one given was wrong */
        bool pass_none;        /* it asked and none was given */
        bool began_decryption; /* BEGIN_DECRYPTION: the data was encrypted */
        bool info_seen;        /* DECRYPTION_INFO came */
        bool integrity;        /* ... and named an MDC or an AEAD mode, or GOODMDC came after "0 n 0" (AEAD, gpg 2.2) */
        bool good_mdc;         /* GOODMDC: the MDC or the AEAD tags checked out */
        bool nomdc_error;      /* ERROR nomdc_with_legacy_cipher */
        bool nodata;           /* NODATA: not OpenPGP, or nothing usable in it */
        bool bad_mdc;          /* BADMDC: altered after encryption */
        bool packets_seen;     /* some OpenPGP packet was recognised */
        bool enc_seen;         /* ... an encrypted session key */
        bool sig_seen;         /* ... a signature */
        /* input and output callbacks */
        sg_source *src;
        size_t max_input, read_total;
        bool over_limit, read_error;
        sg_sink *tee; /* sign: the content as it is read */
        bool tee_error;
        sg_sink *out;
        bool write_error;
        /* decrypt through callbacks: plaintext is held (at most
         * SG_PGP_HOLD_MAX bytes) until DECRYPTION_INFO says the data has
         * integrity protection (or, when it does not say, until GOODMDC at the end), so none of a message without it ever reaches
         * the sink (gpg writes such plaintext before it fails) */
        bool hold;
        unsigned char *held;
        size_t n_held;
        bool hold_over;
        /* fd-backed data (data_fd): the input file and where it started */
        int in_fd;
        off_t in_start;
        bool out_fd;
} opctx;
typedef enum want { WANT_ENCRYPT, WANT_SIGN } want;
#define PIPE_SIZE (1 << 20)
#define LOOP_FDS  16

typedef struct io_reg {
        int fd, dir; /* dir 1: GPGME reads from gpg, 0: writes to it */
        gpgme_io_cb_t fnc;
        void *fnc_data;
        bool used;
        bool direct; /* the loop moves this pipe's bytes itself (pgp-gpgme.c, "direct") */
} io_reg;

typedef struct io_loop {
        io_reg regs[LOOP_FDS];
        bool done;
        gpgme_error_t err;
        /* direct copying: the operation's context, and which of the pipes
         * GPGME writes to gpg carries its input (-1: none is copied) */
        opctx *oc;
        int in_index, n_outbound, n_inbound;
        bool running;
        unsigned char *buf; /* 2 × IO_DIRECT: the input read and not yet in the pipe, then gpg's output */
        size_t pend_off, pend_len;
} io_loop;

sg_err sg_gpgme_map_error(gpgme_error_t e, const opctx *oc, const char *what, sg_error *err);
sg_err sg_gpgme_new_ctx(const sg_pgp_keyring *kr, opctx *oc, gpgme_ctx_t *ret, sg_error *err);
bool sg_gpgme_input_over_limit(opctx *oc);
sg_err sg_gpgme_data_in(opctx *oc, sg_source *in, size_t max, gpgme_data_t *ret, sg_error *err);
sg_err sg_gpgme_data_out(opctx *oc, sg_sink *out, gpgme_data_t *ret, sg_error *err);
/* `oc` NULL: GPGME moves every byte itself; else the input (the
 * `in_index`th data GPGME writes to gpg, -1 none) and the output go between
 * oc's source and sink and gpg's pipes directly (pgp-gpgme.c). */
void sg_gpgme_loop_attach(gpgme_ctx_t ctx, io_loop *l, opctx *oc, int in_index);
gpgme_error_t sg_gpgme_loop_run(gpgme_ctx_t ctx, io_loop *l, gpgme_error_t start);
sg_err sg_gpgme_find_key(gpgme_ctx_t ctx, opctx *oc, const char *who, want w, bool always_trust, gpgme_key_t *ret,
                         sg_error *err);
sg_err sg_gpgme_build_result(const sg_pgp_keyring *kr, gpgme_verify_result_t vr, const char *from,
                             sg_pgp_verify_result **ret, sg_error *err);
sg_err sg_gpgme_encrypt(const sg_pgp_keyring *kr, const char *const *recipients, size_t n_recipients,
                        const char *signer, unsigned flags, sg_source *in, sg_sink *out, sg_error *err);
sg_err sg_gpgme_decrypt(const sg_pgp_keyring *kr, size_t max_input, const char *from, sg_source *in, sg_sink *out,
                        sg_pgp_verify_result **ret_result, sg_error *err);
sg_err sg_gpgme_sign(const sg_pgp_keyring *kr, const char *signer, unsigned flags, sg_source *in, sg_sink *content_out,
                     sg_sink *sig_out, const char **ret_digest, sg_error *err);
sg_err sg_gpgme_verify(const sg_pgp_keyring *kr, const void *sig, size_t sig_len, sg_source *content, const char *from,
                       sg_pgp_verify_result **ret_result, sg_error *err);
sg_err sg_gpgme_verify_opaque(const sg_pgp_keyring *kr, sg_source *in, const char *from, sg_sink *content_out,
                              sg_pgp_verify_result **ret_result, sg_error *err);

#endif
