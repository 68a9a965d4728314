/* sealgate: the json-c helpers the JSON readers share (json-util.h). */
#include <stdint.h>
#include <string.h>

#include "sealgate/json-util.h"
#include "sealgate/keypath.h"

const char *sg_json_type_desc(json_object *v) {
        switch (json_object_get_type(v)) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "a boolean";
        case json_type_double:
                return "a non-integer number";
        case json_type_int:
                return "a number";
        case json_type_object:
                return "an object";
        case json_type_array:
                return "an array";
        case json_type_string:
                return "a string";
        }
        return "something else";
}

json_object *sg_json_member(json_object *obj, const char *key) {
        json_object *v = NULL;
        return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

bool sg_json_keys_known(json_object *obj, const char *const *allowed, const char *path, size_t key_max, char *path_out,
                        size_t path_size) {
        json_object_object_foreach(obj, key, val) {
                (void) val;
                bool ok = false;
                for (size_t i = 0; allowed[i] && !ok; i++)
                        ok = strcmp(key, allowed[i]) == 0;
                if (!ok) {
                        sg_keypath_key(path_out, path_size, path, key, key_max);
                        return false;
                }
        }
        return true;
}

static bool is_white(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

sg_json_parse_status sg_json_parse_strict(const char *text, size_t len, int depth, int flags, json_object **ret,
                                          size_t *ret_offset, const char **ret_desc) {
        size_t off_dummy;
        const char *desc_dummy;
        size_t *off = ret_offset ? ret_offset : &off_dummy;
        const char **desc = ret_desc ? ret_desc : &desc_dummy;
        *off = 0;
        *desc = NULL;
        if (len > INT32_MAX)
                return SG_JSON_TOO_LARGE;
        json_tokener *tok = json_tokener_new_ex(depth);
        if (!tok)
                return SG_JSON_NOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | flags);
        json_object *obj = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error je = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        bool incomplete = false;
        if (je == json_tokener_continue && !obj) {
                /* A top-level number ("7") waits for a delimiter; the text is
                 * complete, so feed the terminating NUL json-c wants. Any
                 * other value is then cut short. */
                obj = json_tokener_parse_ex(tok, "", 1);
                je = json_tokener_get_error(tok);
                if (je == json_tokener_success)
                        end = len;
                else
                        incomplete = true;
        }
        json_tokener_free(tok);
        if (je != json_tokener_success || !obj) {
                json_object_put(obj);
                *off = end;
                *desc = json_tokener_error_desc(je);
                if (je == json_tokener_error_depth)
                        return SG_JSON_TOO_DEEP;
                return incomplete || je == json_tokener_continue ? SG_JSON_INCOMPLETE : SG_JSON_SYNTAX;
        }
        while (end < len && is_white(text[end]))
                end++;
        if (end < len) {
                json_object_put(obj);
                *off = end;
                return SG_JSON_TRAILING;
        }
        *ret = obj;
        return SG_JSON_PARSED;
}
