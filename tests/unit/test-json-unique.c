/* Unit tests: the duplicate-key check (json-unique.h) that every JSON
 * sealgate reads goes through, as a table: text -> expected result and the
 * path it names; then escapes that spell the same key, comments, deep and
 * wide objects, and one past the depth limit. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/json-unique.h"
#include "sealgate/policy-json.h"
#include "sg-test.h"

struct row {
        const char *text;
        sg_err want;
        const char *msg; /* substring of the message, or NULL */
};

static const struct row rows[] = {
        {"{}", SG_OK, NULL},
        {"[]", SG_OK, NULL},
        {"{\"a\":1,\"b\":2}", SG_OK, NULL},
        {"{\"a\":1,\"a\":2}", SG_ERR_REQUEST, "(top level): duplicate key \"a\""},
        {"{\"op\":\"policy.evaluate\",\"message\":{\"to\":[\"x@example.net\"],\"to\":[\"a@corp.example\"]}}",
         SG_ERR_REQUEST, "message: duplicate key \"to\""},
        {"{\"message\":{\"t\\u006f\":[],\"to\":[]}}", SG_ERR_REQUEST, "message: duplicate key \"to\""},
        {"{\"\\u0074\\u006F\":1,\"to\":2}", SG_ERR_REQUEST, "duplicate key \"to\""},
        {"{\"a\\/b\":1,\"a/b\":2}", SG_ERR_REQUEST, "duplicate key \"a/b\""},
        {"{\"\\ud83d\\ude00\":1,\"\xF0\x9F\x98\x80\":2}", SG_ERR_REQUEST, "duplicate key"},
        {"{\"a\":1,\"A\":2}", SG_OK, NULL},
        {"{\"a\":{\"x\":1},\"b\":{\"x\":1}}", SG_OK, NULL},
        {"{\"list\":[{\"k\":1},{\"k\":1,\"k\":2}]}", SG_ERR_REQUEST, "list[1]: duplicate key \"k\""},
        {"{\"a\":\"a\",\"b\":\"a\"}", SG_OK, NULL},
        {"{\"a\":\"\\\"a\\\"\",\"\\\"a\\\"\":1}", SG_OK, NULL},
        {"{\"s\":\"{\\\"a\\\":1,\\\"a\\\":2}\"}", SG_OK, NULL},
        {"// policy\n{ \"a\": 1, /* \"a\": 2, */ \"b\": 2 }", SG_OK, NULL},
        {"{ \"a\": 1, // note\n \"a\": 2 }", SG_ERR_REQUEST, "duplicate key \"a\""},
        {"{\"x\":[1,2,{\"y\":true,\"y\":null}]}", SG_ERR_REQUEST, "x[2]: duplicate key \"y\""},
        {"{\"a\":1", SG_ERR_JSON, NULL},
        {"{\"a\":1]", SG_ERR_JSON, NULL},
        {"{\"a", SG_ERR_JSON, NULL},
        {"{\"a\\u12\":1}", SG_ERR_JSON, NULL},
        {"{\"a\":/", SG_ERR_JSON, NULL},
        {"{\"a\":1}}", SG_ERR_JSON, NULL},
};

int main(void) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                const struct row *w = &rows[i];
                sg_error err = {0};
                sg_err r = sg_json_check_unique_keys(w->text, strlen(w->text), SG_ERR_REQUEST, "", &err);
                bool ok = r == w->want && (!w->msg || strstr(err.message, w->msg));
                if (!SG_CHECK(ok, "row %zu: %s", i, w->want ? sg_err_code(w->want) : "unique"))
                        sg_test_diag("  text %s: got %s \"%s\"", w->text, sg_err_code(r), err.message);
        }
        {
                sg_error err = {0};
                const char *t = "{\"triggers\":[{\"id\":\"a\"},{\"id\":\"b\",\"type\":\"x\",\"id\":\"c\"}]}";
                SG_CHECK(sg_json_check_unique_keys(t, strlen(t), SG_ERR_POLICY_INVALID, "", &err) ==
                                         SG_ERR_POLICY_INVALID &&
                                 strcmp(err.message, "triggers[1]: duplicate key \"id\"") == 0,
                         "the policy's code and path: %s", err.message);
                SG_CHECK(sg_json_check_unique_keys(t, strlen(t), SG_ERR_REQUEST, "policy", &err) &&
                                 strcmp(err.message, "policy.triggers[1]: duplicate key \"id\"") == 0,
                         "a root name prefixes the path: %s", err.message);
        }
        {
                sg_error err = {0};
                SG_CHECK(sg_json_check_unique_keys("{\"a\":\0}", 7, SG_ERR_REQUEST, "", &err) == SG_ERR_JSON,
                         "a NUL byte where a value belongs is broken text, not a hang");
        }
        /* the policy file: a duplicate is an error naming its path */
        {
                const char *pol =
                        "// the policy\n{ \"version\": 1, \"internal\": { \"domains\": [\"corp.example\"] },\n"
                        "  \"triggers\": [ { \"type\": \"credit_card\", \"action\": \"block\",\n"
                        "                  /* later: */ \"action\": \"prompt\" } ] }";
                sg_policy *p = NULL;
                sg_error err = {0};
                sg_err r = sg_policy_from_json(pol, strlen(pol), &p, &err);
                SG_CHECK(r == SG_ERR_POLICY_INVALID && !p &&
                                 strcmp(err.message, "triggers[0]: duplicate key \"action\"") == 0,
                         "a policy trigger with two actions is refused: %s", err.message);
                sg_policy_free(p);
                const char *ok =
                        "{ \"version\": 1, /* \"version\": 2, */ \"internal\": { \"domains\": [\"corp.example\"] } }";
                r = sg_policy_from_json(ok, strlen(ok), &p, &err);
                SG_CHECK(r == SG_OK && p, "a key repeated only inside a comment is fine (%s)", r ? err.message : "ok");
                sg_policy_free(p);
        }
        /* wide: 100,000 distinct keys, then one duplicate at the end */
        {
                size_t n = 100000, cap = n * 16 + 64, o = 0;
                char *t = malloc(cap);
                t[o++] = '{';
                for (size_t k = 0; k < n; k++)
                        o += (size_t) snprintf(t + o, cap - o, "%s\"k%zu\":%zu", k ? "," : "", k, k);
                sg_error err = {0};
                SG_CHECK(sg_json_check_unique_keys(t, o, SG_ERR_REQUEST, "", &err) == SG_ERR_JSON,
                         "an unclosed object of 100,000 keys is broken text");
                t[o] = '}';
                SG_CHECK(sg_json_check_unique_keys(t, o + 1, SG_ERR_REQUEST, "", &err) == SG_OK,
                         "100,000 distinct keys pass");
                o += (size_t) snprintf(t + o, cap - o, ",\"k77777\":0}");
                SG_CHECK(sg_json_check_unique_keys(t, o, SG_ERR_REQUEST, "", &err) == SG_ERR_REQUEST &&
                                 strstr(err.message, "\"k77777\""),
                         "a duplicate among 100,000 keys is found: %s", err.message);
                free(t);
        }
        /* deep: at the limit, and one past */
        for (int extra = 0; extra < 2; extra++) {
                size_t d = SG_JSON_UNIQUE_DEPTH_MAX + (size_t) extra;
                char *t = malloc(2 * d + 1);
                memset(t, '[', d);
                memset(t + d, ']', d);
                sg_error err = {0};
                sg_err r = sg_json_check_unique_keys(t, 2 * d, SG_ERR_REQUEST, "", &err);
                SG_CHECK(extra ? r == SG_ERR_LIMIT : r == SG_OK, "nesting %zu: %s", d, sg_err_code(r));
                free(t);
        }
        return sg_test_done();
}
