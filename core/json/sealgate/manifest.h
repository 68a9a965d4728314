/* sealgate: the native-messaging manifest read as Thunderbird reads it (one
 * strict JSON object, at most SG_MANIFEST_MAX bytes), for the two places that
 * check it: `sealgate doctor` (cli/doctor.c) and the host's `doctor` op. Each
 * words its own messages from the status; the reading, the limit and the
 * JSON rules are this one implementation. */
#ifndef SEALGATE_MANIFEST_H
#define SEALGATE_MANIFEST_H

#include <stddef.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SG_MANIFEST_MAX        65536 /* bytes of a manifest file: far more than any manifest */
#define SG_MANIFEST_JSON_DEPTH 32    /* nesting depth of its JSON */

typedef enum sg_manifest_status {
        SG_MANIFEST_OK = 0,
        SG_MANIFEST_IS_DIR,      /* the path is a directory */
        SG_MANIFEST_CANNOT_OPEN, /* open failed: sys_errno */
        SG_MANIFEST_CANNOT_READ, /* read failed: sys_errno */
        SG_MANIFEST_TOO_LARGE,   /* over SG_MANIFEST_MAX bytes */
        SG_MANIFEST_EMPTY,       /* no bytes */
        SG_MANIFEST_INCOMPLETE,  /* the text ends inside the JSON value */
        SG_MANIFEST_NOT_JSON,    /* not JSON at line/col: json_error (invalid UTF-8 included) */
        SG_MANIFEST_TRAILING,    /* text after the JSON value, at line/col */
        SG_MANIFEST_NOT_OBJECT,  /* valid JSON, not an object */
} sg_manifest_status;

typedef struct sg_manifest_info {
        sg_manifest_status status;
        int sys_errno;          /* CANNOT_OPEN, CANNOT_READ */
        size_t len;             /* bytes read (from CANNOT_READ on) */
        size_t line, col;       /* NOT_JSON, TRAILING: 1-based */
        const char *json_error; /* NOT_JSON: json-c's description (static) */
} sg_manifest_info;

/* Read and parse the manifest at `path`. On SG_MANIFEST_OK *ret is the
 * object (owned: json_object_put); otherwise *ret is NULL and `info` says
 * why. `info` is always filled. */
sg_manifest_status sg_manifest_load(const char *path, json_object **ret, sg_manifest_info *info);

#ifdef __cplusplus
}
#endif
#endif
