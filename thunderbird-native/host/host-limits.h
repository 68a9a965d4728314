/* sealgate-host: the named limits of the host's protocol layer (the frame
 * and message limits are in sealgate/frame.h and sealgate/policy.h, the
 * prompt's input limit in sealgate/prompt-proto.h). The version op reports
 * them; docs/protocol.md lists them. */
#ifndef SEALGATE_HOST_LIMITS_H
#define SEALGATE_HOST_LIMITS_H

#define SG_HOST_JSON_DEPTH        16                 /* nesting depth of a request */
#define SG_HOST_ID_MAX            256                /* bytes of a string id */
#define SG_HOST_ID_INT_MAX        9007199254740991LL /* 2^53 - 1: the largest integer id (JavaScript's safe integers) */
#define SG_HOST_PROTOCOL          1                  /* version of the protocol in docs/protocol.md */
#define SG_HOST_ATTEMPTS_MAX      64                 /* decisions remembered for prompt.show */
#define SG_HOST_PROMPTS_MAX       4                  /* prompts open at once */
#define SG_HOST_ATTEMPT_LEN       32                 /* hex characters of an attempt id */
#define SG_HOST_PROMPT_OUTPUT_MAX 65536              /* bytes of the prompt program's stdout */
#define SG_HOST_KILL_GRACE_MS     2000               /* SIGTERM, then SIGKILL after this */
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

#endif
