/* Unit tests of json-util.c and keypath.c: key paths (cut, never
 * overflowed), the unknown-key check reporting through the caller's buffer,
 * and the strict parse with its depth limit one past. */
#include <string.h>

#include "sealgate/json-util.h"
#include "sealgate/keypath.h"
#include "sg-test.h"

static void keypaths(void) {
        char p[SG_KEYPATH_POLICY_MAX], small[8];
        sg_keypath_key(p, sizeof p, "", "routes", SG_KEYPATH_ALL);
        SG_CHECK_STR(p, "routes", "an empty base: the key alone");
        sg_keypath_key(p, sizeof p, "routes", "portal", SG_KEYPATH_ALL);
        SG_CHECK_STR(p, "routes.portal", "base.key");
        sg_keypath_idx(p, sizeof p, "prompt.choices", 2);
        SG_CHECK_STR(p, "prompt.choices[2]", "base[i]");
        sg_keypath_idx(p, sizeof p, "to", 0);
        SG_CHECK_STR(p, "to[0]", "index 0");
        sg_keypath_idx(p, sizeof p, "to", 18446744073709551615u);
        SG_CHECK_STR(p, "to[18446744073709551615]", "the largest index");
        sg_keypath_key(p, sizeof p, "message", "abcdefghij", 4);
        SG_CHECK_STR(p, "message.abcd", "a key cut to key_max bytes");
        sg_keypath_key(small, sizeof small, "message", "to", SG_KEYPATH_ALL);
        SG_CHECK(strlen(small) == sizeof small - 1 && strncmp(small, "message", 7) == 0,
                 "a path longer than the buffer is cut, not overflowed");
        sg_keypath_idx(small, sizeof small, "headers", 123456);
        SG_CHECK(strlen(small) == sizeof small - 1, "an index path is cut too");
}

static void keys_known(void) {
        static const char *const allowed[] = {"a", "b", NULL};
        char p[SG_KEYPATH_MESSAGE_MAX] = "untouched";
        json_object *o = json_tokener_parse("{\"a\":1,\"b\":2}");
        SG_CHECK(sg_json_keys_known(o, allowed, "x", SG_KEYPATH_ALL, p, sizeof p) && strcmp(p, "untouched") == 0,
                 "known keys only: true, the buffer untouched");
        json_object_put(o);
        o = json_tokener_parse("{\"a\":1,\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\":2}");
        SG_CHECK(!sg_json_keys_known(o, allowed, "x", SG_KEYPATH_KEY_SHOWN, p, sizeof p) &&
                         strlen(p) == 2 + SG_KEYPATH_KEY_SHOWN,
                 "an unknown key: false, its path (the key cut to %d bytes) in the caller's buffer",
                 SG_KEYPATH_KEY_SHOWN);
        SG_CHECK(sg_json_member(o, "a") && !sg_json_member(o, "c"), "members: present and absent");
        json_object_put(o);
        SG_CHECK_STR(sg_json_type_desc(NULL), "null", "type word of null");
        o = json_object_new_double(1.5);
        SG_CHECK_STR(sg_json_type_desc(o), "a non-integer number", "type word of 1.5");
        json_object_put(o);
}

static sg_json_parse_status parse(const char *text, int depth, size_t *off) {
        json_object *o = NULL;
        sg_json_parse_status st = sg_json_parse_strict(text, strlen(text), depth, 0, &o, off, NULL);
        json_object_put(o);
        return st;
}

static void strict(void) {
        size_t off = 0;
        SG_CHECK(parse("{\"a\":[1,2]} \n", 4, &off) == SG_JSON_PARSED, "an object and white space");
        SG_CHECK(parse("7", 4, &off) == SG_JSON_PARSED, "a top-level number is complete at the end");
        sg_json_parse_status st = parse("{\"a\":1} x", 4, &off);
        SG_CHECK((st == SG_JSON_TRAILING || st == SG_JSON_SYNTAX) && off == 8, "text after the value, at 8");
        SG_CHECK(parse("{\"a\":", 4, &off) == SG_JSON_INCOMPLETE, "the text ends inside the value");
        SG_CHECK(parse("[1,]", 4, &off) == SG_JSON_SYNTAX, "a trailing comma: not strict JSON");
        SG_CHECK(parse("[[1]]", 3, &off) == SG_JSON_PARSED, "two arrays deep at json-c depth 3");
        SG_CHECK(parse("[[[1]]]", 3, &off) == SG_JSON_TOO_DEEP, "three arrays deep at depth 3: too deep (one past)");
}

int main(void) {
        keypaths();
        keys_known();
        strict();
        return sg_test_done();
}
