/* sealgate-host: the named limits of the host's protocol layer (the frame
 * and message limits are in sealgate/frame.h and sealgate/policy.h, the
 * prompt's input limit in sealgate/prompt-proto.h). The version op reports
 * them; docs/protocol.md lists them. */
#ifndef SEALGATE_HOST_LIMITS_H
#define SEALGATE_HOST_LIMITS_H

#define SG_HOST_JSON_DEPTH        16                 /* nesting depth of a request */
#define SG_HOST_ID_MAX            256                /* bytes of a string id */
#define SG_HOST_ID_INT_MAX        9007199254740991LL /* 2^53 - 1: the largest integer id (JavaScript's safe integers) */
#define SG_HOST_PROTOCOL          3                  /* version of the protocol in docs/protocol.md */
#define SG_HOST_ATTEMPTS_MAX      64                 /* decisions remembered for prompt.show */
#define SG_HOST_PROMPTS_MAX       4                  /* prompts open at once */
#define SG_HOST_ATTEMPT_LEN       32                 /* hex characters of an attempt id */
#define SG_HOST_PROMPT_OUTPUT_MAX 65536              /* bytes of the prompt program's stdout */
#define SG_HOST_KILL_GRACE_MS     2000               /* SIGTERM, then SIGKILL after this */
#define SG_HOST_SKIPPED_MAX       3                  /* inputs policy.evaluate's `skipped` may name (op-inputs.c) */
#define SG_HOST_POLICY_CHECK_MS   1000 /* a policy in force: its file's identity looked at at most this often */

/* Streams (smime.* and pgp.* ops; stream-job.h). */
#define SG_HOST_STREAMS_MAX  1                     /* streams open at once */
#define SG_STREAM_INPUT_MAX  ((long long) 1 << 30) /* bytes of one stream's input (1 GiB) */
#define SG_STREAM_FRAMES_MAX 262144                /* input frames of one stream */
#define SG_STREAM_PARAM_MAX  4096                  /* bytes of one string parameter (path, passphrase, ...) */
#define SG_STREAM_QUEUE      4                     /* chunks queued in each direction */

/* keys.lookup (keys-job.h): one lookup runs at a time, these many wait. */
#define SG_HOST_KEYS_QUEUE_MAX 4

/* The native-messaging application name: the manifest's `name`, its file name
 * (`sealgate.host.json`) and what the extension passes to connectNative. */
#define SG_HOST_NATIVE_NAME "sealgate.host"

/* JSON values in one request, weighed by what json-c spends on them (some 90
 * bytes on a number or a short string, 250 on an array, 800 on an object): a
 * value or an object key weighs 1, an array SG_HOST_ARRAY_WEIGHT, an object
 * SG_HOST_OBJECT_WEIGHT; a request may weigh SG_HOST_VALUES_FLOOR plus 1 per
 * SG_HOST_BYTES_PER_VALUE bytes of its size. Without this bound a frame of
 * "0,0,0,..." took 37 times its size and a 64 MiB chunked one 2.5 GB; with
 * it the host's memory for a request stays within SG_HOST_MEMORY_FACTOR
 * times the request's size, plus a constant (the floor's values, the frame
 * buffer): tests/host/test-pipe.py measures it. */
#define SG_HOST_VALUES_FLOOR    16384
#define SG_HOST_BYTES_PER_VALUE 16
#define SG_HOST_ARRAY_WEIGHT    4
#define SG_HOST_OBJECT_WEIGHT   8
#define SG_HOST_MEMORY_FACTOR   8

#endif
