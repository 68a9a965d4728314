/* sealgate-host: streams, the protocol extension for the smime.* and pgp.*
 * ops whose input and output can be far larger than a frame (docs/protocol.md,
 * "Streams"). The transport hands every frame here first; the crypto runs in
 * a worker thread between two bounded queues, so memory stays a few chunks
 * whatever the message size. */
#ifndef SEALGATE_HOST_STREAM_JOB_H
#define SEALGATE_HOST_STREAM_JOB_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The transport's way out: send one response or output frame payload (JSON),
 * chunking it when it is over SG_FRAME_OUT_MAX. `id_json` is the id as JSON.
 * 0 on success, -1 when stdout failed (the host then exits 1). */
typedef int (*sg_stream_send_fn)(void *userdata, const char *json, const char *id_json);
typedef void (*sg_stream_log_fn)(void *userdata, const char *line);

/* The streams of one connection (at most SG_HOST_STREAMS_MAX open). Owned:
 * sg_streams_free() ends a running worker first. NULL on ENOMEM or when the
 * wake-up pipe cannot be made. */
typedef struct sg_streams sg_streams;
sg_streams *sg_streams_new(sg_stream_send_fn send, sg_stream_log_fn log, void *userdata);
sg_streams *sg_streams_free(sg_streams *s); /* takes NULL, returns NULL */

/* Readable when the worker made progress (output queued, input consumed, the
 * job ended): call sg_streams_pump() then. */
int sg_streams_wake_fd(const sg_streams *s);

/* Look at one frame's payload. A stream request (op smime.* or pgp.*) or an input
 * frame is handled here (*ret_handled true, answers sent through `send`);
 * anything else (*ret_handled false) is the dispatcher's, including
 * malformed frames, which it answers. Returns -1 when sending failed. */
int sg_streams_frame(sg_streams *s, const char *payload, size_t len, bool *ret_handled);

/* Send the output the worker queued and, once it ended, its final response.
 * Returns -1 when sending failed. */
int sg_streams_pump(sg_streams *s);

/* True while the open stream's input queue is full: the transport stops
 * reading stdin until the worker takes a chunk (back-pressure). */
bool sg_streams_input_full(sg_streams *s);

/* stdin reached end of file. A stream whose input is incomplete is ended
 * with truncated_input; one whose input is complete is run to its end (its
 * output and result are still sent). Returns -1 when sending failed. */
int sg_streams_eof(sg_streams *s);

#ifdef __cplusplus
}
#endif
#endif
