/* sealgate doctor: why Thunderbird says "No such native application". Checks
 * the native-messaging manifest Thunderbird will use, runs the host it names
 * with one `version` frame, and validates the policy in force (docs/cli.md). */
#ifndef SEALGATE_CLI_DOCTOR_H
#define SEALGATE_CLI_DOCTOR_H

#include <stdbool.h>

#define SG_DOCTOR_EXTENSION_ID    "sealgate@sealgate.example"
#define SG_DOCTOR_HOST_NAME       "sealgate.host"
/* How long the host has to answer the version frame. */
#define SG_DOCTOR_HOST_TIMEOUT_MS 5000
/* For tests: colon-separated system manifest directories searched after
 * ~/.mozilla/native-messaging-hosts, instead of
 * /usr/lib/mozilla/native-messaging-hosts (and /usr/lib64/..., which is then
 * not looked at either). */
#define SG_DOCTOR_SYSTEM_DIRS_ENV "SEALGATE_DOCTOR_SYSTEM_DIRS"

typedef struct sg_doctor_options {
        const char *extension_id; /* NULL: SG_DOCTOR_EXTENSION_ID */
        const char *host_name;    /* NULL: SG_DOCTOR_HOST_NAME; must pass sg_doctor_name_valid */
        const char *policy_path;  /* NULL: $SEALGATE_POLICY, else the default path */
        bool json;                /* {"checks":[{"id","ok","detail"}]} instead of text lines */
        bool japanese;            /* text lines in Japanese (the caller reads the locale); JSON stays English */
} sg_doctor_options;

/* True if `name` is a valid native application name: ^\w+(\.\w+)*$ (ASCII). */
bool sg_doctor_name_valid(const char *name);

/* Run every check and print the report on stdout, one line per check
 * ("ok   id: detail" / "FAIL id: detail") or one JSON document. Returns the
 * number of failed checks, or -1 if the report could not be written. */
int sg_doctor_run(const sg_doctor_options *options);

#endif
