/* sealgate: small json-c helpers shared by the policy reader and the codec. */
#ifndef SEALGATE_JSON_PRIVATE_H
#define SEALGATE_JSON_PRIVATE_H

#include <json-c/json.h>

/* "a string", "an array", ... for error messages; static string. */
const char *sg_json_type_desc(json_object *v);

#endif
