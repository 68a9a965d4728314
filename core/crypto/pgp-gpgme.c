/* sealgate: the OpenPGP backend over GPGME (gpg 2.2+): its table, and what
 * its operations share. Sources and sinks become GPGME data callbacks (plain
 * files: fd-backed data), so memory stays a few buffers whatever the message
 * size; the bulk operations run on an event loop of ours with enlarged pipes;
 * every gpgme_error_t becomes an sg_err in sg_gpgme_map_error(). The
 * operations are in pgp-gpgme-ops.c, key selection and verification results
 * in pgp-gpgme-keys.c. */
#include "pgp-gpgme-private.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;
/* GPGME registers gpg's pipes in the order the loop's direct copying expects
 * (see "Direct copying" below): 1.15 <= version < 2.0 */
static bool direct_known;

/* GPGME's start-up, before the first operation, ran five programs to learn
 * what sealgate never uses (gpgconf --list-dirs, --list-components and
 * --version, gpgsm --version) besides gpg --version: 3 to 5 ms each, most of
 * a small message's time. Only the OpenPGP engine is used, and gpg is found
 * on PATH as GPGME does without gpgconf; gpg --version still checks that it
 * is 2.2 or later. SEALGATE_GPGME_GPGCONF=1 turns gpgconf back on. */
static void init(void) {
        const char *use = getenv("SEALGATE_GPGME_GPGCONF");
        if (!(use && strcmp(use, "1") == 0))
                gpgme_set_global_flag("disable-gpgconf", "1");
        init_ok = gpgme_check_version("1.11.0") != NULL &&
                  gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR;
        direct_known = gpgme_check_version("1.15.0") != NULL && gpgme_check_version("2.0.0") == NULL;
}

bool sg_pgp_gpgme_ready(void) {
        pthread_once(&init_once, init);
        return init_ok;
}

/* The one place a gpgme_error_t becomes an sg_err; `what` names the operation. */
sg_err sg_gpgme_map_error(gpgme_error_t e, const opctx *oc, const char *what, sg_error *err) {
        gpgme_err_code_t c = gpgme_err_code(e);
        if (oc->over_limit)
                return sg_error_set(err, SG_ERR_LIMIT, "%s: the input is larger than %zu bytes", what, oc->max_input);
        if (oc->read_error)
                return sg_error_set(err, SG_ERR_IO, "%s: cannot read the input", what);
        if (oc->write_error || oc->tee_error)
                return sg_error_set(err, SG_ERR_IO, "%s: cannot write the output", what);
        if (oc->nomdc_error || (oc->info_seen && !oc->integrity))
                return sg_error_set(err, SG_ERR_NO_INTEGRITY,
                                    "%s: the message has no integrity protection (no MDC), so it may have been "
                                    "altered; ask the sender to encrypt it again with a current OpenPGP program",
                                    what);
        if (oc->bad_mdc)
                return sg_error_set(err, SG_ERR_DECRYPT_FAILED,
                                    "%s: the message was altered after it was encrypted (integrity check failed): "
                                    "do not trust it, ask the sender to send it again",
                                    what);
        if (oc->pass_wrong || c == GPG_ERR_BAD_PASSPHRASE || c == GPG_ERR_INV_PASSPHRASE)
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE, "%s: the passphrase of the secret key is wrong",
                                    what);
        if (oc->pass_none || c == GPG_ERR_NO_PASSPHRASE)
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE,
                                    "%s: the secret key needs a passphrase and none was given", what);
        switch (c) {
        case GPG_ERR_ENOMEM:
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        case GPG_ERR_NO_SECKEY:
        case GPG_ERR_UNUSABLE_SECKEY:
                return sg_error_set(err, SG_ERR_NO_PRIVATE_KEY,
                                    "%s: none of the secret keys in the keyring can open this message (it was "
                                    "encrypted to someone else)",
                                    what);
        case GPG_ERR_NO_PUBKEY:
                return sg_error_set(err, SG_ERR_NO_PUBLIC_KEY, "%s: the public key is not in the keyring", what);
        case GPG_ERR_KEY_EXPIRED:
        case GPG_ERR_CERT_EXPIRED:
                return sg_error_set(err, SG_ERR_KEY_EXPIRED, "%s: the key has expired", what);
        case GPG_ERR_CERT_REVOKED:
                return sg_error_set(err, SG_ERR_KEY_REVOKED, "%s: the key has been revoked", what);
        case GPG_ERR_UNUSABLE_PUBKEY:
        case GPG_ERR_WRONG_KEY_USAGE:
                return sg_error_set(err, SG_ERR_KEY_UNUSABLE, "%s: the key cannot be used for this", what);
        case GPG_ERR_UNSUPPORTED_ALGORITHM:
        case GPG_ERR_CIPHER_ALGO:
        case GPG_ERR_PUBKEY_ALGO:
        case GPG_ERR_DIGEST_ALGO:
        case GPG_ERR_UNKNOWN_VERSION:
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                    "%s: the message uses an algorithm GnuPG does not support (%s)", what,
                                    gpgme_strerror(e));
        case GPG_ERR_BAD_SIGNATURE:
                return sg_error_set(err, SG_ERR_VERIFY_FAILED, "%s: the signature does not match", what);
        case GPG_ERR_NO_DATA:
                if (oc->packets_seen || oc->began_decryption)
                        break;
                return sg_error_set(err, SG_ERR_NOT_PGP, "%s: the input is not OpenPGP data: give an OpenPGP message",
                                    what);
        case GPG_ERR_CANCELED:
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE, "%s: the passphrase was not accepted", what);
        case GPG_ERR_INV_ENGINE:
        case GPG_ERR_ENOENT:
                return sg_error_set(err, SG_ERR_INTERNAL, "%s: gpg cannot be run: install GnuPG 2.2 or later", what);
        case GPG_ERR_INV_VALUE:
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "%s: %s", what, gpgme_strerror(e));
        default:
                break;
        }
        /* fd-backed data: GPGME itself read the file or wrote the output */
        if ((oc->in_fd >= 0 || oc->out_fd) && gpgme_err_code_to_errno(c) != 0)
                return sg_error_set(err, SG_ERR_IO, "%s: cannot read the input or write the output: %s", what,
                                    gpgme_strerror(e));
        /* What is left: broken or cut-off data. */
        if (oc->packets_seen || oc->began_decryption)
                switch (c) {
                case GPG_ERR_BAD_DATA:
                case GPG_ERR_INV_PACKET:
                case GPG_ERR_TRUNCATED:
                case GPG_ERR_EOF:
                case GPG_ERR_NO_DATA:
                case GPG_ERR_INV_ARMOR:
                case GPG_ERR_DECRYPT_FAILED:
                        return sg_error_set(err, SG_ERR_TRUNCATED,
                                            "%s: the OpenPGP data is cut off or damaged (%s): get the whole message "
                                            "again",
                                            what, gpgme_strerror(e));
                default:
                        break;
                }
        if (c == GPG_ERR_BAD_DATA || c == GPG_ERR_INV_PACKET || c == GPG_ERR_INV_ARMOR)
                return sg_error_set(err, SG_ERR_NOT_PGP, "%s: the input is not OpenPGP data (%s)", what,
                                    gpgme_strerror(e));
        if (c == GPG_ERR_DECRYPT_FAILED)
                return sg_error_set(err, SG_ERR_DECRYPT_FAILED, "%s: the message cannot be decrypted", what);
        return sg_error_set(err, SG_ERR_INTERNAL, "%s: gpg failed: %s (%s)", what, gpgme_strerror(e),
                            gpgme_strsource(e));
}

/* ---- Callbacks: passphrase, status lines, data. */

static gpgme_error_t passphrase_cb(void *hook, const char *uid_hint, const char *info, int prev_was_bad, int fd) {
        (void) uid_hint;
        (void) info;
        opctx *oc = hook;
        if (prev_was_bad || oc->pass_calls++ > 0) {
                oc->pass_wrong = true;
                return gpg_error(GPG_ERR_BAD_PASSPHRASE);
        }
        const char *p = oc->kr ? oc->kr->passphrase : NULL;
        if (!p) {
                oc->pass_none = true;
                return gpg_error(GPG_ERR_NO_PASSPHRASE);
        }
        size_t n = strnlen(p, SG_PGP_PASSPHRASE_MAX + 1);
        if (n > SG_PGP_PASSPHRASE_MAX || memchr(p, '\n', n))
                return gpg_error(GPG_ERR_INV_PASSPHRASE);
        if (gpgme_io_writen(fd, p, n) != 0 || gpgme_io_writen(fd, "\n", 1) != 0)
                return gpg_error_from_syserror();
        return 0;
}

static gpgme_error_t status_cb(void *hook, const char *keyword, const char *args) {
        opctx *oc = hook;
        if (strcmp(keyword, "BEGIN_DECRYPTION") == 0) {
                oc->began_decryption = true;
        } else if (strcmp(keyword, "DECRYPTION_INFO") == 0) {
                /* DECRYPTION_INFO <mdc_method> <sym_algo> [<aead_algo>] */
                unsigned mdc = 0, sym = 0, aead = 0;
                oc->info_seen = true;
                oc->integrity = sscanf(args ? args : "", "%u %u %u", &mdc, &sym, &aead) >= 2 && (mdc || aead);
                /* gpg 2.2 writes "0 7 0" for an AEAD (OCB) message, as for one
                 * without an MDC: which of the two it was is known only at the
                 * end (GOODMDC after the last chunk's tag), so the plaintext
                 * stays held until then (sg_gpgme_decrypt) */
        } else if (strcmp(keyword, "GOODMDC") == 0) {
                oc->good_mdc = true;
        } else if (strcmp(keyword, "ERROR") == 0 && args && strncmp(args, "nomdc_with_legacy_cipher", 24) == 0) {
                oc->nomdc_error = true;
        } else if (strcmp(keyword, "BADMDC") == 0) {
                oc->bad_mdc = true;
        } else if (strcmp(keyword, "NODATA") == 0) {
                oc->nodata = true;
        } else if (strcmp(keyword, "ENC_TO") == 0 || strcmp(keyword, "NEED_PASSPHRASE_SYM") == 0) {
                oc->packets_seen = oc->enc_seen = true;
        } else if (strcmp(keyword, "NEWSIG") == 0 || strcmp(keyword, "ERRSIG") == 0 || strcmp(keyword, "BADSIG") == 0 ||
                   strcmp(keyword, "GOODSIG") == 0) {
                oc->packets_seen = oc->sig_seen = true;
        } else if (strcmp(keyword, "PLAINTEXT") == 0) {
                oc->packets_seen = true;
        }
        return 0;
}

static ssize_t src_read(void *hook, void *buf, size_t n) {
        opctx *oc = hook;
        if (oc->max_input && oc->read_total >= oc->max_input) {
                /* one byte more tells "exactly the limit" from "over it" */
                char c;
                ptrdiff_t k = oc->src->read(oc->src->ctx, &c, 1);
                if (k == 0)
                        return 0;
                oc->over_limit = k > 0;
                oc->read_error = k < 0;
                errno = EFBIG;
                return -1;
        }
        if (oc->max_input && n > oc->max_input - oc->read_total)
                n = oc->max_input - oc->read_total;
        ptrdiff_t k = oc->src->read(oc->src->ctx, buf, n);
        if (k < 0) {
                oc->read_error = true;
                errno = EIO;
                return -1;
        }
        oc->read_total += (size_t) k;
        if (k > 0 && oc->tee && oc->tee->write(oc->tee->ctx, buf, (size_t) k) < 0) {
                oc->tee_error = true;
                errno = EIO;
                return -1;
        }
        return (ssize_t) k;
}

static off_t src_seek(void *hook, off_t offset, int whence) {
        opctx *oc = hook;
        if (offset == 0 && whence == SEEK_SET && oc->read_total == 0)
                return 0;
        errno = EOPNOTSUPP;
        return -1;
}

static ssize_t sink_write(void *hook, const void *buf, size_t n) {
        opctx *oc = hook;
        if (oc->hold) {
                if (oc->nomdc_error || oc->bad_mdc) { /* refused: drop it all */
                        errno = EIO;
                        return -1;
                }
                if (!oc->info_seen || !oc->integrity) {
                        if (n > SG_PGP_HOLD_MAX - oc->n_held) {
                                oc->hold_over = true;
                                errno = EIO;
                                return -1;
                        }
                        unsigned char *h = realloc(oc->held, oc->n_held + n);
                        if (!h) {
                                oc->write_error = true;
                                errno = ENOMEM;
                                return -1;
                        }
                        memcpy(h + oc->n_held, buf, n);
                        oc->held = h;
                        oc->n_held += n;
                        return (ssize_t) n;
                }
                /* integrity known: what was held goes first */
                oc->hold = false;
                bool ok = oc->n_held == 0 || oc->out->write(oc->out->ctx, oc->held, oc->n_held) == 0;
                free(oc->held);
                oc->held = NULL;
                oc->n_held = 0;
                if (!ok) {
                        oc->write_error = true;
                        errno = EIO;
                        return -1;
                }
        }
        if (oc->out->write(oc->out->ctx, buf, n) < 0) {
                oc->write_error = true;
                errno = EIO;
                return -1;
        }
        return (ssize_t) n;
}

static struct gpgme_data_cbs source_cbs = {.read = src_read, .seek = src_seek};
static struct gpgme_data_cbs sink_cbs = {.write = sink_write};

/* A context on the keyring of `kr`; loopback pinentry, no network. */
sg_err sg_gpgme_new_ctx(const sg_pgp_keyring *kr, opctx *oc, gpgme_ctx_t *ret, sg_error *err) {
        if (!sg_pgp_gpgme_ready())
                return sg_error_set(err, SG_ERR_INTERNAL, "GPGME or gpg cannot be used: install GnuPG 2.2 or later");
        gpgme_ctx_t ctx;
        gpgme_error_t e = gpgme_new(&ctx);
        if (e)
                return sg_gpgme_map_error(e, oc, "GPGME", err);
        e = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
        if (!e && kr && kr->homedir)
                e = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, kr->homedir);
        if (!e)
                e = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
        if (!e)
                e = gpgme_set_ctx_flag(ctx, "full-status", "1");
        if (e) {
                gpgme_release(ctx);
                return sg_gpgme_map_error(e, oc, "GPGME", err);
        }
        gpgme_set_offline(ctx, 1);
        gpgme_set_passphrase_cb(ctx, passphrase_cb, oc);
        gpgme_set_status_cb(ctx, status_cb, oc);
        *ret = ctx;
        return SG_OK;
}

/* ---- Data objects over sources and sinks. */

/* GPGME moves callback data in 4 KiB pieces by default, one trip through its
 * event loop each: four to five times slower than gpg on a large message. */
#define IO_BUFFER "262144"

static sg_err data_new(opctx *oc, struct gpgme_data_cbs *cbs, gpgme_data_t *ret, sg_error *err) {
        gpgme_error_t e = gpgme_data_new_from_cbs(ret, cbs, oc);
        if (!e && (e = gpgme_data_set_flag(*ret, "io-buffer-size", IO_BUFFER)) != 0) {
                gpgme_data_release(*ret);
                *ret = NULL;
        }
        return e ? sg_gpgme_map_error(e, oc, "GPGME", err) : SG_OK;
}

/* A plain file whose remaining size is within the limit goes to GPGME as
 * fd-backed data: GPGME reads or writes it itself, in IO_BUFFER pieces, and
 * no byte passes through the source and sink callbacks. GPGME 1.18 still
 * pipes it to gpg (engine-gpg.c makes a pipe for every data object). A file
 * over the limit is refused before gpg runs; one that grows meanwhile is
 * caught by the offset check in sg_gpgme_input_over_limit(). */
static int input_fd(opctx *oc, sg_source *in, size_t max) {
        int fd = sg_source_get_fd(in);
        struct stat st;
        if (fd < 0 || oc->tee || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
                return -1;
        off_t at = lseek(fd, 0, SEEK_CUR);
        if (at < 0)
                return -1;
        oc->in_fd = fd;
        oc->in_start = at;
        if (max && st.st_size > at && (uintmax_t) (st.st_size - at) > max)
                oc->over_limit = true;
        return fd;
}

bool sg_gpgme_input_over_limit(opctx *oc) {
        if (oc->in_fd < 0 || !oc->max_input || oc->over_limit)
                return oc->over_limit;
        off_t at = lseek(oc->in_fd, 0, SEEK_CUR);
        oc->over_limit = at < 0 || (uintmax_t) (at - oc->in_start) > oc->max_input;
        return oc->over_limit;
}

static sg_err data_fd(opctx *oc, int fd, gpgme_data_t *ret, sg_error *err) {
        gpgme_error_t e = gpgme_data_new_from_fd(ret, fd);
        if (!e && (e = gpgme_data_set_flag(*ret, "io-buffer-size", IO_BUFFER)) != 0) {
                gpgme_data_release(*ret);
                *ret = NULL;
        }
        return e ? sg_gpgme_map_error(e, oc, "GPGME", err) : SG_OK;
}

sg_err sg_gpgme_data_in(opctx *oc, sg_source *in, size_t max, gpgme_data_t *ret, sg_error *err) {
        oc->src = in;
        oc->max_input = max;
        oc->in_fd = -1;
        int fd = input_fd(oc, in, max);
        if (oc->over_limit)
                return sg_error_set(err, SG_ERR_LIMIT, "the input is larger than %zu bytes", max);
        return fd >= 0 ? data_fd(oc, fd, ret, err) : data_new(oc, &source_cbs, ret, err);
}

sg_err sg_gpgme_data_out(opctx *oc, sg_sink *out, gpgme_data_t *ret, sg_error *err) {
        oc->out = out;
        int fd = sg_sink_get_fd(out);
        oc->out_fd = fd >= 0;
        return fd >= 0 ? data_fd(oc, fd, ret, err) : data_new(oc, &sink_cbs, ret, err);
}

/* ---- The event loop of the bulk operations.
 *
 * GPGME 1.18 moves every data object through a pipe to or from gpg (a file
 * descriptor is not passed through), 64 KiB at a time by default: gpg writes
 * 4 KiB pieces and each filled pipe is a trip through both processes'
 * schedulers. Running the operation on our own loop (gpgme_set_io_cbs) hands
 * us GPGME's pipes, which are then enlarged to PIPE_SIZE (F_SETPIPE_SZ, Linux;
 * elsewhere, or over the system's limit, they stay as they are).
 *
 * Direct copying. GPGME 1.18 reads and writes those pipes through
 * _gpgme_io_read/_gpgme_io_write, which format every byte moved into its
 * debug trace lines (_gpgme_debug_buffer, 48 bytes a line, even with tracing
 * off): a fifth of sealgate's CPU time in a 20 MiB decrypt (perf). So the
 * loop moves the input and output bytes itself, between the operation's
 * source and sink (a plain file: read/write on its descriptor, as GPGME's fd
 * data does; else the same callbacks GPGME would call) and gpg's pipes, and
 * hands each pipe back to GPGME's handler at its end (end of input, end of
 * gpg's output, a closed pipe, an error to report), so GPGME closes it and
 * finishes the operation as before. Which pipe is which: GPGME's gpg engine
 * registers, inside the *_start call, the status pipe first, then the data
 * pipe, then (GPGME 1.15 and later) the diagnostics pipe (gpg's --logger-fd,
 * put first among the data), then the data pipes in the order of gpg's
 * arguments (engine-gpg.c, gpg_new() and start()); the command pipe
 * (passphrases) is registered later, while the loop runs, and is left to
 * GPGME. That order is GPGME 1.x's; with another major version, or one older
 * than 1.15, GPGME moves every byte itself, as it does when `oc` is NULL. */

#define IO_DIRECT (256u * 1024u)

static gpgme_error_t loop_add(void *data, int fd, int dir, gpgme_io_cb_t fnc, void *fnc_data, void **r_tag) {
        io_loop *l = data;
        for (size_t i = 0; i < LOOP_FDS; i++)
                if (!l->regs[i].used) {
                        io_reg *r = &l->regs[i];
                        *r = (io_reg){.fd = fd, .dir = dir, .fnc = fnc, .fnc_data = fnc_data, .used = true};
#ifdef F_SETPIPE_SZ
                        (void) fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
#endif
                        if (l->oc && l->buf && !l->running) {
                                if (dir && l->n_inbound < 2) {
                                        l->n_inbound++; /* status, then diagnostics */
                                } else if (dir) {
                                        r->direct = l->n_inbound++ == 2 && l->oc->out;
                                } else {
                                        r->direct = l->n_outbound++ == l->in_index && l->oc->src;
                                        int fl = fcntl(fd, F_GETFL);
                                        if (r->direct && (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
                                                r->direct = false;
                                }
                        }
                        *r_tag = r;
                        return 0;
                }
        return gpg_error(GPG_ERR_GENERAL);
}

static void loop_remove(void *tag) {
        io_reg *r = tag;
        r->used = false;
        r->direct = false;
}

static void loop_event(void *data, gpgme_event_io_t type, void *type_data) {
        io_loop *l = data;
        if (type == GPGME_EVENT_DONE) {
                gpgme_io_event_done_data_t d = type_data;
                l->done = true;
                l->err = d ? (d->err ? d->err : d->op_err) : 0;
        }
}

void sg_gpgme_loop_attach(gpgme_ctx_t ctx, io_loop *l, opctx *oc, int in_index) {
        memset(l, 0, sizeof *l);
        l->oc = oc;
        l->in_index = in_index;
        /* no buffer: GPGME moves the bytes, as without `oc` */
        l->buf = oc && direct_known ? malloc(2 * IO_DIRECT) : NULL;
        struct gpgme_io_cbs cbs = {
                .add = loop_add, .add_priv = l, .remove = loop_remove, .event = loop_event, .event_priv = l};
        gpgme_set_io_cbs(ctx, &cbs);
}

/* Direct copying: 0 more to come, 1 hand the pipe back to GPGME (it is at
 * its end, or GPGME should see what happened to it), -1 failed (errno). */
static int direct_from_gpg(io_loop *l, io_reg *r) {
        opctx *oc = l->oc;
        unsigned char *buf = l->buf + IO_DIRECT; /* the first half holds the input */
        ssize_t n = read(r->fd, buf, IO_DIRECT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0)
                return 1;
        if (!oc->out_fd)
                return sink_write(oc, buf, (size_t) n) < 0 ? -1 : 0;
        int fd = sg_sink_get_fd(oc->out);
        for (size_t off = 0; off < (size_t) n;) {
                ssize_t w = write(fd, buf + off, (size_t) n - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        if (w == 0)
                                errno = EIO;
                        oc->write_error = true;
                        return -1;
                }
                off += (size_t) w;
        }
        return 0;
}

static int direct_to_gpg(io_loop *l, io_reg *r) {
        opctx *oc = l->oc;
        if (l->pend_len == 0) {
                ssize_t n;
                if (oc->in_fd >= 0) {
                        do
                                n = read(oc->in_fd, l->buf, IO_DIRECT);
                        while (n < 0 && errno == EINTR);
                        if (n < 0)
                                oc->read_error = true;
                } else {
                        n = src_read(oc, l->buf, IO_DIRECT);
                }
                if (n < 0)
                        return -1;
                if (n == 0)
                        return 1; /* GPGME reads the end too, and closes the pipe */
                l->pend_off = 0;
                l->pend_len = (size_t) n;
        }
        ssize_t w = write(r->fd, l->buf + l->pend_off, l->pend_len);
        if (w < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : 1; /* EPIPE: GPGME closes its end */
        l->pend_off += (size_t) w;
        l->pend_len -= (size_t) w;
        return 0;
}

/* Runs the operation `start` began to its end: its error, as the
 * synchronous call would have returned it. */
gpgme_error_t sg_gpgme_loop_run(gpgme_ctx_t ctx, io_loop *l, gpgme_error_t start) {
        gpgme_error_t e = start;
        l->running = true;
        while (!e && !l->done) {
                struct pollfd p[LOOP_FDS];
                io_reg *r[LOOP_FDS];
                nfds_t n = 0;
                for (size_t i = 0; i < LOOP_FDS; i++)
                        if (l->regs[i].used) {
                                r[n] = &l->regs[i];
                                p[n] = (struct pollfd){.fd = l->regs[i].fd,
                                                       .events = l->regs[i].dir ? POLLIN : POLLOUT};
                                n++;
                        }
                if (n == 0)
                        break; /* GPGME sends DONE when the last fd goes; not reached */
                if (poll(p, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        e = gpg_error_from_syserror();
                        gpgme_cancel(ctx);
                        break;
                }
                for (nfds_t i = 0; i < n && !l->done && !e; i++) {
                        if (!p[i].revents || !r[i]->used || r[i]->fd != p[i].fd)
                                continue;
                        int d = 1;
                        if (r[i]->direct)
                                d = r[i]->dir ? direct_from_gpg(l, r[i]) : direct_to_gpg(l, r[i]);
                        if (d < 0) {
                                e = gpg_error_from_syserror();
                                gpgme_cancel(ctx);
                        } else if (d > 0) {
                                r[i]->direct = false;
                                (void) r[i]->fnc(r[i]->fnc_data, r[i]->fd);
                        }
                }
        }
        free(l->buf);
        l->buf = NULL;
        if (e)
                return e;
        return l->done ? l->err : gpg_error(GPG_ERR_GENERAL);
}

static const sg_pgp_ops gpgme_ops = {
        .name = "gpgme",
        .encrypt = sg_gpgme_encrypt,
        .decrypt = sg_gpgme_decrypt,
        .sign = sg_gpgme_sign,
        .verify = sg_gpgme_verify,
        .verify_opaque = sg_gpgme_verify_opaque,
};

const sg_pgp_ops *sg_pgp_gpgme(void) {
        return &gpgme_ops;
}
