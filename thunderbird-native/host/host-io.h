/* host-io: what the two transports of sealgate-host share (host.c with
 * poll(2) on POSIX, host-win32.c with threads on Windows): the log line on
 * stderr, the response frames on stdout (chunked past SG_FRAME_OUT_MAX), and
 * serving one request's payload through the connection. Each transport gives
 * its own way to write stdout and to start a prompt; only one thread calls
 * these functions. */
#ifndef SG_HOST_IO_H
#define SG_HOST_IO_H

#include <stddef.h>
#include <stdio.h>

#include "conn.h"
#include "sealgate/error.h"
#include "sealgate/frame.h"

/* Write all of `head` and then all of `data` to stdout (a frame's header and
 * payload, in one system call where the platform has one, so that the reader
 * wakes once per frame): 0, or -1 after logging why. */
typedef int (*sg_hio_write_fn)(const void *head, size_t head_len, const void *data, size_t len);
/* Start the prompt for `job` (taking it), or answer it at once through
 * sg_hio_finish_job(): <0 only when stdout failed. */
typedef int (*sg_hio_start_fn)(sg_host *h, sg_prompt_job *job);

void sg_hio_init(sg_hio_write_fn write_all, sg_hio_start_fn start_prompt);

/* One line on stderr (the Browser Console), prefixed "sealgate-host: ". */
void sg_hio_log(const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 1, 2)))
#endif
        ;
/* sg_host_set_log()'s callback: sg_hio_log("%s", line). */
void sg_hio_log_cb(void *userdata, const char *line);
/* sg_host_set_send()'s callback: sg_hio_send_response(json, id_json). */
int sg_hio_transport_send(void *userdata, const char *json, const char *id_json);

/* A response as one frame, or as chunk frames past SG_FRAME_OUT_MAX. */
int sg_hio_send_response(const char *resp, const char *id_json);
/* An error response with id null (framing errors, out of memory). */
int sg_hio_send_error(sg_err code, const char *message);

/* Answer a prompt job that ended (or never started); frees the job. */
int sg_hio_finish_job(sg_host *h, sg_prompt_job *job, const sg_prompt_result *res);

/* Serve one frame's payload: a response, a chunk taken, a stream's frame, a
 * prompt started (through the transport's start function) or a key lookup
 * run. <0: stdout failed. */
int sg_hio_serve(sg_host *h, char *payload, size_t plen);

/* Feed input bytes to the frame reader and serve the frame they complete,
 * if any: *used is what the reader took. The payload is wiped (it may carry
 * a passphrase or plaintext) and freed. 0: go on; <0: the connection ends
 * (a framing error, answered and logged, or stdout failed). */
int sg_hio_feed(sg_host *h, sg_frame_reader *r, const char *data, size_t len, size_t *used);
/* Input ended: 0, or -1 after answering and logging when it ended in the
 * middle of a frame. */
int sg_hio_input_ended(const sg_frame_reader *r);

/* The "Ops:" part of --help: every op of the table with its one-line help. */
void sg_hio_usage_ops(FILE *f);

#endif
