/* sealgate: the json-c helpers every JSON reader shares (the policy file,
 * the protocol codec, the GTK prompt's model, the host): type words for
 * messages, members, the unknown-key check, and a strict parse with a depth
 * limit. Key paths themselves are sealgate/keypath.h (libc only, so the
 * registry reader builds them the same way). */
#ifndef SEALGATE_JSON_UTIL_H
#define SEALGATE_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "a string", "an array", "a non-integer number" ... for error messages;
 * static string. */
const char *sg_json_type_desc(json_object *v);

/* Member `key` of object `obj` (borrowed), or NULL when absent (or null). */
json_object *sg_json_member(json_object *obj, const char *key);

/* Whether every key of object `obj` is one of the NULL-terminated
 * `allowed`. When not, the key path of the first unknown key (`path`.key,
 * the key cut to key_max bytes, see sg_keypath_key) is written to
 * path_out[0..path_size) for the caller's own message. */
bool sg_json_keys_known(json_object *obj, const char *const *allowed, const char *path, size_t key_max, char *path_out,
                        size_t path_size);

/* How sg_json_parse_strict ended. */
typedef enum sg_json_parse_status {
        SG_JSON_PARSED = 0,
        SG_JSON_NOMEM,      /* no parser */
        SG_JSON_TOO_LARGE,  /* more than INT32_MAX bytes: json-c cannot take it */
        SG_JSON_TOO_DEEP,   /* nests deeper than json-c's depth limit `depth` allows */
        SG_JSON_INCOMPLETE, /* the text ends inside the value */
        SG_JSON_SYNTAX,     /* not JSON: *ret_desc says why, *ret_offset where */
        SG_JSON_TRAILING,   /* something other than white space after the value, at *ret_offset
                             * (json-c's strict mode usually reports it as SYNTAX already) */
} sg_json_parse_status;

/* Parse all of text[0..len) as one strict JSON value (json-c's
 * JSON_TOKENER_STRICT, plus `flags`, e.g. JSON_TOKENER_VALIDATE_UTF8) at
 * most `depth` levels deep, with nothing after it but white space; a
 * top-level number is complete at the end of the text. *ret (a new
 * reference) only on SG_JSON_PARSED. ret_offset and ret_desc may be NULL. */
sg_json_parse_status sg_json_parse_strict(const char *text, size_t len, int depth, int flags, json_object **ret,
                                          size_t *ret_offset, const char **ret_desc);

#ifdef __cplusplus
}
#endif
#endif
