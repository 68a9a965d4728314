/* host-io: the output side and the request dispatch both transports of
 * sealgate-host share (host-io.h). */
#include "host-io.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/frame.h"
#include "sealgate/secrets.h"
#include "sealgate/util.h"

static sg_hio_write_fn write_out;
static sg_hio_start_fn start_prompt;

void sg_hio_init(sg_hio_write_fn write_all, sg_hio_start_fn start) {
        write_out = write_all;
        start_prompt = start;
}

void sg_hio_log(const char *fmt, ...) {
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        fprintf(stderr, "sealgate-host: %s\n", line);
        fflush(stderr);
}

void sg_hio_log_cb(void *userdata, const char *line) {
        (void) userdata;
        sg_hio_log("%s", line);
}

static int send_frame(const char *payload, size_t len) {
        uint8_t hdr[4];
        sg_frame_header((uint32_t) len, hdr);
        return write_out(hdr, sizeof hdr, payload, len) < 0 ? -1 : 0;
}

/* Thunderbird kills the host for a frame over SG_FRAME_OUT_MAX, so a larger
 * response goes out as chunk frames that the extension joins. */
int sg_hio_send_response(const char *resp, const char *id_json) {
        size_t len = strlen(resp);
        if (len <= SG_FRAME_OUT_MAX)
                return send_frame(resp, len);

        char **chunks = NULL;
        size_t n = 0;
        sg_error err;
        if (sg_chunk_split(id_json ? id_json : "null", resp, len, SG_CHUNK_RAW_MAX, &chunks, &n, &err)) {
                sg_hio_log("cannot chunk a response of %zu bytes: %s", len, err.message);
                char *e = sg_host_error_response(id_json, err.code, err.message);
                int r = e ? send_frame(e, strlen(e)) : -1;
                free(e);
                return r;
        }
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++)
                r = send_frame(chunks[i], strlen(chunks[i]));
        sg_strv_free(chunks, n);
        sg_hio_log("response of %zu bytes sent as %zu chunk frames", len, n);
        return r;
}

int sg_hio_transport_send(void *userdata, const char *json, const char *id_json) {
        (void) userdata;
        return sg_hio_send_response(json, id_json);
}

int sg_hio_send_error(sg_err code, const char *message) {
        char *e = sg_host_error_response(NULL, code, message);
        int r = e ? send_frame(e, strlen(e)) : -1;
        free(e);
        return r;
}

/* Send `resp` (or out_of_memory when it is NULL and `nomem_if_null`); frees both. */
static int send_or_nomem(char *resp, char *id_json, int nomem_if_null) {
        int w = 0;
        if (resp)
                w = sg_hio_send_response(resp, id_json);
        else if (nomem_if_null)
                w = sg_hio_send_error(SG_ERR_NOMEM, "out of memory");
        free(resp);
        free(id_json);
        return w;
}

int sg_hio_finish_job(sg_host *h, sg_prompt_job *job, const sg_prompt_result *res) {
        char *id_json = NULL;
        char *resp = sg_host_prompt_done(h, job, res, &id_json);
        sg_prompt_job_free(job);
        return send_or_nomem(resp, id_json, res->end != SG_PROMPT_ABANDONED);
}

int sg_hio_serve(sg_host *h, char *payload, size_t plen) {
        sg_host_reply r;
        int w = sg_host_handle(h, payload, plen, &r);
        if (w >= 0 && r.prompt) {
                sg_prompt_job *job = r.prompt;
                r.prompt = NULL;
                w = start_prompt(h, job);
        } else if (w >= 0 && r.keys) {
                sg_keys_job *job = r.keys;
                r.keys = NULL;
                w = sg_host_keys_run(h, job);
        } else if (w >= 0 && (r.response || r.id_json)) {
                w = send_or_nomem(r.response, r.id_json, 1);
                r.response = r.id_json = NULL;
        }
        sg_host_reply_clear(&r);
        return w;
}

int sg_hio_feed(sg_host *h, sg_frame_reader *r, const char *data, size_t len, size_t *used) {
        char *payload;
        size_t plen;
        sg_error err;
        sg_err e = sg_frame_reader_feed(r, data, len, used, &payload, &plen, &err);
        if (e) {
                /* The stream cannot be resynchronised: answer and close. */
                sg_hio_log("%s", err.message);
                sg_hio_send_error(e, err.message);
                return -1;
        }
        if (!payload)
                return 0;
        int w = sg_hio_serve(h, payload, plen);
        /* a request may carry a passphrase, a frame plaintext */
        sg_secret_wipe(payload, plen);
        free(payload);
        return w < 0 ? -1 : 0;
}

int sg_hio_input_ended(const sg_frame_reader *r) {
        if (!sg_frame_reader_partial(r))
                return 0;
        sg_hio_log("stdin closed in the middle of a frame");
        sg_hio_send_error(SG_ERR_FRAME, "input ended in the middle of a frame");
        return -1;
}

void sg_hio_usage_ops(FILE *f) {
        fprintf(f, "Ops:\n");
        const char *name, *help;
        for (size_t i = 0; sg_host_op_info(i, &name, &help); i++)
                fprintf(f, "  %s\n      %s\n", name, help);
}
