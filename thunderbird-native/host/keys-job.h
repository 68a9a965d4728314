/* sealgate-host crypto module: keys.lookup off the poll loop. A lookup can wait seconds on
 * the network (WKD), so it runs in a worker thread; one at a time, up to
 * SG_HOST_KEYS_QUEUE_MAX more wait, and every other request is served
 * meanwhile. The transport polls the wake-up fd and calls the pump. */
#ifndef SEALGATE_HOST_KEYS_JOB_H
#define SEALGATE_HOST_KEYS_JOB_H

#include <stdbool.h>

#include "crypto-module.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The transport's way out, as stream-job.h's: send one response (chunked
 * when needed); 0 on success, -1 when stdout failed. */
typedef sg_host_send_fn sg_keys_send_fn;
typedef sg_host_log_fn sg_keys_log_fn;

/* Owned: sg_keys_runner_free(). NULL on ENOMEM or when the wake-up pipe
 * cannot be made. */
sg_keys_runner *sg_keys_runner_new(sg_keys_send_fn send, sg_keys_log_fn log, void *userdata);

/* Frees the queue (those requests get no answer: the connection is closing).
 * A lookup still running cannot be interrupted: its thread and memory are
 * left to the process's end, and the caller must then leave with _exit()
 * (sg_keys_runner_busy() before freeing says so). Takes NULL, returns NULL. */
sg_keys_runner *sg_keys_runner_free(sg_keys_runner *k);

/* True while a lookup runs in the worker. */
bool sg_keys_runner_busy(const sg_keys_runner *k);

/* Readable when the running lookup ended: call sg_keys_runner_pump(). */
int sg_keys_runner_wake_fd(const sg_keys_runner *k);

/* Takes `job`: started at once when no lookup runs, else queued; with the
 * queue full it is answered limit_exceeded. -1 when sending failed. */
int sg_keys_runner_submit(sg_keys_runner *k, sg_keys_job *job);

/* Answer the lookup that ended and start the next queued one. -1 when
 * sending failed. */
int sg_keys_runner_pump(sg_keys_runner *k);

#ifdef __cplusplus
}
#endif
#endif
