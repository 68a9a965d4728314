/* sealgate-host crypto module: streams, the protocol extension for the
 * smime.* and pgp.* ops whose input and output can be far larger than a frame
 * (docs/protocol.md, "Streams"). The connection hands a stream request and
 * its input frames here (through the crypto module's table); the crypto runs
 * in a worker thread between two bounded queues, so memory stays a few
 * chunks whatever the message size. */
#ifndef SEALGATE_HOST_STREAM_JOB_H
#define SEALGATE_HOST_STREAM_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "crypto-module.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef sg_host_send_fn sg_stream_send_fn;
typedef sg_host_log_fn sg_stream_log_fn;

/* The streams of one connection (at most SG_HOST_STREAMS_MAX open). Owned:
 * sg_streams_free() ends a running worker first. NULL on ENOMEM or when the
 * wake-up pipe cannot be made. */
sg_streams *sg_streams_new(sg_stream_send_fn send, sg_stream_log_fn log, void *userdata);
sg_streams *sg_streams_free(sg_streams *s); /* takes NULL, returns NULL */

/* Readable when the worker made progress (output queued, input consumed, the
 * job ended): call sg_streams_pump() then. */
int sg_streams_wake_fd(const sg_streams *s);

/* A request for stream op `op` (parsed; its id valid, `id_json` taken):
 * checked and started, or refused through `send`. -1 when sending failed. */
int sg_streams_start(sg_streams *s, json_object *req, const char *op, char *id_json);

/* An input frame {"id", "input": {"index"}, "data"} (parsed; `id_json`
 * taken): queued for the open stream, dropped (a refused stream's frames),
 * or refused. -1 when sending failed. */
int sg_streams_input(sg_streams *s, json_object *req, char *id_json);

/* The input frame as every client writes it, for the open stream, recognised
 * by its structure without a parse (input_frame_fast in stream-job.c): true
 * when taken (*ret_w the send status), false (untouched) otherwise. */
bool sg_streams_input_fast(sg_streams *s, const char *p, size_t len, int *ret_w);

/* True while a stream is open. */
bool sg_streams_open(const sg_streams *s);

/* Send the output the worker queued and, once it ended, its final response.
 * Returns -1 when sending failed. */
int sg_streams_pump(sg_streams *s);

/* True while the open stream's input queue is full: the transport stops
 * reading stdin until the worker takes a chunk (back-pressure). */
bool sg_streams_input_full(const sg_streams *s);

/* stdin reached end of file. A stream whose input is incomplete is ended
 * with truncated_input; one whose input is complete is run to its end (its
 * output and result are still sent). Returns -1 when sending failed. */
int sg_streams_eof(sg_streams *s);

#ifdef __cplusplus
}
#endif
#endif
