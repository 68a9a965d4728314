/* Unit tests of codec.c: message JSON in (a table of shapes, every limit one past), a decision out (a real policy
 * built with the builder, evaluated, encoded and checked field by field). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/codec.h"
#include "sealgate/util.h"
#include "sg-test.h"

static const struct row {
        const char *desc;
        const char *json;
        sg_err code; /* SG_OK: must decode */
        const char *msg;
} rows[] = {
        {"empty message", "{}", SG_OK, NULL},
        {"every key",
         "{\"from\":\"a@corp.example\",\"to\":[\"Bob <b@x.example>, c@y.example\"],\"cc\":[],"
         "\"bcc\":[\"d@z.example\"],\"subject\":\"s\",\"body\":\"b\",\"attachments\":[{\"name\":\"a.pdf\","
         "\"size\":0,\"content_type\":\"application/pdf\"}],\"headers\":[{\"name\":\"X-A\",\"value\":\"1\"}]}",
         SG_OK, NULL},
        {"headers as an object", "{\"headers\":{\"X-A\":\"1\",\"X-B\":\"\"}}", SG_OK, NULL},
        {"nulls count as absent", "{\"from\":null,\"subject\":null,\"to\":null,\"attachments\":null}", SG_OK, NULL},
        {"content_type optional or null",
         "{\"attachments\":[{\"name\":\"a\",\"size\":1},{\"name\":\"b\",\"size\":2,"
         "\"content_type\":null}]}",
         SG_OK, NULL},
        {"NUL in the body is kept", "{\"body\":\"a\\u0000b\"}", SG_OK, NULL},

        {"not an object", "[]", SG_ERR_REQUEST, "message: expected an object, got an array"},
        {"unknown key", "{\"to\":[],\"foo\":1}", SG_ERR_REQUEST, "message.foo: unknown key"},
        {"from a number", "{\"from\":1}", SG_ERR_REQUEST, "message.from: expected a string, got a number"},
        {"to a string", "{\"to\":\"b@x.example\"}", SG_ERR_REQUEST,
         "message.to: expected an array of strings, got a string"},
        {"to element a number", "{\"to\":[\"a@x.example\",2]}", SG_ERR_REQUEST,
         "message.to[1]: expected a string, got a number"},
        {"cc element an object", "{\"cc\":[{}]}", SG_ERR_REQUEST, "message.cc[0]: expected a string, got an object"},
        {"bcc element null", "{\"bcc\":[null]}", SG_ERR_REQUEST, "message.bcc[0]: expected a string, got null"},
        {"subject an array", "{\"subject\":[]}", SG_ERR_REQUEST, "message.subject: expected a string, got an array"},
        {"body a boolean", "{\"body\":true}", SG_ERR_REQUEST, "message.body: expected a string, got a boolean"},
        {"NUL in the subject", "{\"subject\":\"a\\u0000b\"}", SG_ERR_REQUEST,
         "message.subject: contains a NUL character"},
        {"NUL in an address", "{\"to\":[\"a@x\\u0000.example\"]}", SG_ERR_REQUEST,
         "message.to[0]: contains a NUL character"},
        {"attachments an object", "{\"attachments\":{}}", SG_ERR_REQUEST,
         "message.attachments: expected an array of objects, got an object"},
        {"attachment a string", "{\"attachments\":[\"a.pdf\"]}", SG_ERR_REQUEST,
         "message.attachments[0]: expected an object, got a string"},
        {"attachment unknown key", "{\"attachments\":[{\"name\":\"a\",\"size\":1,\"type\":\"x\"}]}", SG_ERR_REQUEST,
         "message.attachments[0].type: unknown key"},
        {"attachment name missing", "{\"attachments\":[{\"size\":1}]}", SG_ERR_REQUEST,
         "message.attachments[0].name: required"},
        {"attachment size missing", "{\"attachments\":[{\"name\":\"a\"}]}", SG_ERR_REQUEST,
         "message.attachments[0].size: required"},
        {"attachment size a string", "{\"attachments\":[{\"name\":\"a\",\"size\":\"10\"}]}", SG_ERR_REQUEST,
         "message.attachments[0].size: expected an integer, got a string"},
        {"attachment size fractional", "{\"attachments\":[{\"name\":\"a\",\"size\":1.5}]}", SG_ERR_REQUEST,
         "message.attachments[0].size: expected an integer, got a non-integer number"},
        {"attachment size negative", "{\"attachments\":[{\"name\":\"a\",\"size\":-1}]}", SG_ERR_REQUEST,
         "message.attachments[0].size: must not be negative"},
        {"attachment size too large", "{\"attachments\":[{\"name\":\"a\",\"size\":99999999999999999999}]}",
         SG_ERR_LIMIT, "message.attachments[0].size: too large"},
        {"attachment name a number", "{\"attachments\":[{\"name\":1,\"size\":1}]}", SG_ERR_REQUEST,
         "message.attachments[0].name: expected a string, got a number"},
        {"content_type a number", "{\"attachments\":[{\"name\":\"a\",\"size\":1,\"content_type\":5}]}", SG_ERR_REQUEST,
         "message.attachments[0].content_type: expected a string, got a number"},
        {"headers a string", "{\"headers\":\"X-A: 1\"}", SG_ERR_REQUEST,
         "message.headers: expected an array of {name, value} or an object, got a string"},
        {"header element a string", "{\"headers\":[\"X-A\"]}", SG_ERR_REQUEST,
         "message.headers[0]: expected an object, got a string"},
        {"header name missing", "{\"headers\":[{\"value\":\"1\"}]}", SG_ERR_REQUEST,
         "message.headers[0].name: required"},
        {"header value missing", "{\"headers\":[{\"name\":\"X-A\"}]}", SG_ERR_REQUEST,
         "message.headers[0].value: required"},
        {"header name empty", "{\"headers\":[{\"name\":\"\",\"value\":\"1\"}]}", SG_ERR_REQUEST,
         "message.headers[0].name: must not be empty"},
        {"header value a number", "{\"headers\":[{\"name\":\"X-A\",\"value\":1}]}", SG_ERR_REQUEST,
         "message.headers[0].value: expected a string, got a number"},
        {"header unknown key", "{\"headers\":[{\"name\":\"X-A\",\"value\":\"1\",\"x\":1}]}", SG_ERR_REQUEST,
         "message.headers[0].x: unknown key"},
        {"header object value a number", "{\"headers\":{\"X-A\":1}}", SG_ERR_REQUEST,
         "message.headers.X-A: expected a string, got a number"},
};

static void run_rows(void) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                const struct row *r = &rows[i];
                json_object *obj = json_tokener_parse(r->json);
                if (!SG_CHECK(obj != NULL, "%s: test JSON parses", r->desc))
                        continue;
                sg_message_buf buf = {0};
                sg_error err = {0};
                sg_err e = sg_message_from_json(obj, &buf, &err);
                if (r->code == SG_OK) {
                        if (!SG_CHECK(e == SG_OK, "%s: decodes", r->desc))
                                sg_test_diag("  got %s: %s", sg_err_code(e), err.message);
                } else {
                        int ok = e == r->code && strstr(err.message, r->msg) != NULL && buf.priv == NULL &&
                                 buf.msg.n_to == 0 && buf.msg.subject == NULL;
                        if (!SG_CHECK(ok, "%s: %s", r->desc, r->msg))
                                sg_test_diag("  got %s: \"%s\"", sg_err_code(e), err.message);
                }
                sg_message_buf_clear(&buf);
                json_object_put(obj);
        }
}

static void test_decoded_fields(void) {
        const char *json =
                "{\"from\":\"Alice <a@corp.example>\",\"to\":[\"Bob <b@x.example>, c@y.example\",\"e@corp.example\"],"
                "\"cc\":[\"f@x.example\"],\"bcc\":[\"d@z.example\"],\"subject\":\"\xe6\xa9\x9f\xe5\xaf\x86\","
                "\"body\":\"line\\u0000two\",\"attachments\":[{\"name\":\"a.pdf\",\"size\":1234,"
                "\"content_type\":\"application/pdf\"},{\"name\":\"b\",\"size\":0}],"
                "\"headers\":[{\"name\":\"X-A\",\"value\":\"1\"},{\"name\":\"X-A\",\"value\":\"2\"}]}";
        json_object *obj = json_tokener_parse(json);
        sg_message_buf buf = {0};
        sg_error err = {0};
        SG_CHECK(obj && sg_message_from_json(obj, &buf, &err) == SG_OK, "a full message decodes");
        /* The buf owns copies: the JSON may go first. */
        json_object_put(obj);
        const sg_message *m = &buf.msg;
        SG_CHECK_STR(m->from, "Alice <a@corp.example>", "from");
        SG_CHECK(m->n_to == 2 && m->n_cc == 1 && m->n_bcc == 1, "to/cc/bcc element counts");
        if (m->n_to == 2 && m->n_bcc == 1) {
                SG_CHECK_STR(m->to[0], "Bob <b@x.example>, c@y.example", "to[0] is the list string as given");
                SG_CHECK_STR(m->bcc[0], "d@z.example", "bcc[0]");
        }
        SG_CHECK_STR(m->subject, "\xe6\xa9\x9f\xe5\xaf\x86", "subject (UTF-8)");
        SG_CHECK(m->body_len == 8 && m->body && memcmp(m->body, "line\0two", 8) == 0, "body with its length");
        SG_CHECK(m->n_attachments == 2, "attachment count");
        if (m->n_attachments == 2) {
                SG_CHECK_STR(m->attachments[0].name, "a.pdf", "attachment name");
                SG_CHECK(m->attachments[0].size == 1234, "attachment size");
                SG_CHECK_STR(m->attachments[0].content_type, "application/pdf", "attachment content type");
                SG_CHECK(m->attachments[1].content_type == NULL, "missing content type is NULL");
        }
        SG_CHECK(m->n_headers == 2, "repeated headers kept (array form)");
        if (m->n_headers == 2)
                SG_CHECK(strcmp(m->headers[1].name, "X-A") == 0 && strcmp(m->headers[1].value, "2") == 0,
                         "second header");
        sg_message_buf_clear(&buf);
        SG_CHECK(buf.priv == NULL && buf.msg.n_to == 0, "clear empties the buf");
        sg_message_buf_clear(&buf);
        sg_message_buf_clear(NULL);
        SG_CHECK(1, "clear twice and clear NULL are harmless");

        obj = json_tokener_parse("{}");
        SG_CHECK(sg_message_from_json(obj, &buf, NULL) == SG_OK && buf.msg.from == NULL && buf.msg.subject == NULL &&
                         buf.msg.body == NULL && buf.msg.n_to == 0 && buf.msg.n_attachments == 0,
                 "missing keys default to empty (NULL error report accepted)");
        sg_message_buf_clear(&buf);
        json_object_put(obj);
        SG_CHECK(sg_message_from_json(NULL, &buf, &err) == SG_ERR_REQUEST && strstr(err.message, "message:"),
                 "a NULL object is refused: %s", err.message);
}

/* ---- limits: each one at the limit (accepted) and one past (refused). */

static json_object *str_of(char c, size_t n) {
        char *s = malloc(n + 1);
        if (!s)
                return NULL;
        memset(s, c, n);
        s[n] = '\0';
        json_object *o = json_object_new_string_len(s, (int) n);
        free(s);
        return o;
}

static json_object *array_of_strings(size_t n, const char *s) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, json_object_new_string(s));
        return a;
}

static json_object *attachments(size_t n, size_t name_len, size_t type_len) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", name_len ? str_of('n', name_len) : json_object_new_string("a"));
                json_object_object_add(o, "size", json_object_new_int64(1));
                if (type_len)
                        json_object_object_add(o, "content_type", str_of('t', type_len));
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *header_array(size_t n, size_t name_len, size_t value_len) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", name_len ? str_of('N', name_len) : json_object_new_string("X-A"));
                json_object_object_add(o, "value", value_len ? str_of('v', value_len) : json_object_new_string("1"));
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *header_object(size_t n) {
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < n; i++) {
                char name[32];
                snprintf(name, sizeof name, "X-H%zu", i);
                json_object_object_add(o, name, json_object_new_string("1"));
        }
        return o;
}

/* Decode {key: value} (value consumed); with `key2`, add a second member. */
static sg_err decode2(const char *key, json_object *value, const char *key2, json_object *value2, sg_error *err) {
        json_object *m = json_object_new_object();
        json_object_object_add(m, key, value);
        if (key2)
                json_object_object_add(m, key2, value2);
        sg_message_buf buf = {0};
        sg_err e = sg_message_from_json(m, &buf, err);
        sg_message_buf_clear(&buf);
        json_object_put(m);
        return e;
}

static sg_err decode(const char *key, json_object *value, sg_error *err) {
        return decode2(key, value, NULL, NULL, err);
}

static void limit_pair(const char *what, sg_err at, sg_error *err_at, sg_err past, sg_error *err_past,
                       const char *want) {
        if (!SG_CHECK(at == SG_OK, "%s: at the limit accepted", what))
                sg_test_diag("  got %s: %s", sg_err_code(at), err_at->message);
        SG_CHECK(past == SG_ERR_LIMIT && strstr(err_past->message, want) != NULL, "%s: one past refused: %s", what,
                 err_past->message);
}

static void test_limits(void) {
        sg_error a = {0}, b = {0};
        sg_err ea, eb;

        ea = decode("to", array_of_strings(SG_MSG_RECIPIENTS_MAX, "a@x.example"), &a);
        eb = decode("to", array_of_strings(SG_MSG_RECIPIENTS_MAX + 1, "a@x.example"), &b);
        limit_pair("recipients in to", ea, &a, eb, &b, "message.to: more than 10000 recipients");

        ea = decode2("to", array_of_strings(SG_MSG_RECIPIENTS_MAX - 5, "a@x.example"), "bcc",
                     array_of_strings(5, "b@x.example"), &a);
        eb = decode2("to", array_of_strings(SG_MSG_RECIPIENTS_MAX - 5, "a@x.example"), "bcc",
                     array_of_strings(6, "b@x.example"), &b);
        limit_pair("recipients in to and bcc together", ea, &a, eb, &b, "message.bcc: more than 10000 recipients");

        json_object *arr_a = json_object_new_array(), *arr_b = json_object_new_array();
        json_object_array_add(arr_a, str_of('a', SG_ADDR_TEXT_MAX));
        json_object_array_add(arr_b, json_object_new_string("ok@x.example"));
        json_object_array_add(arr_b, str_of('a', SG_ADDR_TEXT_MAX + 1));
        ea = decode("cc", arr_a, &a);
        eb = decode("cc", arr_b, &b);
        limit_pair("address-list string", ea, &a, eb, &b, "message.cc[1]: longer than 65536 bytes");

        ea = decode("from", str_of('a', SG_ADDR_TEXT_MAX), &a);
        eb = decode("from", str_of('a', SG_ADDR_TEXT_MAX + 1), &b);
        limit_pair("from", ea, &a, eb, &b, "message.from: longer than 65536 bytes");

        ea = decode("subject", str_of('s', SG_MSG_SUBJECT_MAX), &a);
        eb = decode("subject", str_of('s', SG_MSG_SUBJECT_MAX + 1), &b);
        limit_pair("subject", ea, &a, eb, &b, "message.subject: longer than 16384 bytes");

        ea = decode("body", str_of('b', SG_MSG_BODY_MAX), &a);
        eb = decode("body", str_of('b', SG_MSG_BODY_MAX + 1), &b);
        limit_pair("body", ea, &a, eb, &b, "message.body: longer than 8388608 bytes");

        ea = decode("attachments", attachments(SG_MSG_ATTACHMENTS_MAX, 0, 0), &a);
        eb = decode("attachments", attachments(SG_MSG_ATTACHMENTS_MAX + 1, 0, 0), &b);
        limit_pair("attachments", ea, &a, eb, &b, "message.attachments: more than 1000 attachments");

        ea = decode("attachments", attachments(1, SG_MSG_NAME_MAX, 0), &a);
        eb = decode("attachments", attachments(1, SG_MSG_NAME_MAX + 1, 0), &b);
        limit_pair("attachment name", ea, &a, eb, &b, "message.attachments[0].name: longer than 1024 bytes");

        ea = decode("attachments", attachments(1, 0, SG_MSG_NAME_MAX), &a);
        eb = decode("attachments", attachments(1, 0, SG_MSG_NAME_MAX + 1), &b);
        limit_pair("attachment content type", ea, &a, eb, &b,
                   "message.attachments[0].content_type: longer than 1024 bytes");

        ea = decode("headers", header_array(SG_MSG_HEADERS_MAX, 0, 0), &a);
        eb = decode("headers", header_array(SG_MSG_HEADERS_MAX + 1, 0, 0), &b);
        limit_pair("headers (array)", ea, &a, eb, &b, "message.headers: more than 1000 headers");

        ea = decode("headers", header_object(SG_MSG_HEADERS_MAX), &a);
        eb = decode("headers", header_object(SG_MSG_HEADERS_MAX + 1), &b);
        limit_pair("headers (object)", ea, &a, eb, &b, "message.headers: more than 1000 headers");

        ea = decode("headers", header_array(1, SG_MSG_HEADER_NAME_MAX, 0), &a);
        eb = decode("headers", header_array(1, SG_MSG_HEADER_NAME_MAX + 1, 0), &b);
        limit_pair("header name", ea, &a, eb, &b, "message.headers[0].name: longer than 256 bytes");

        ea = decode("headers", header_array(1, 0, SG_MSG_HEADER_VALUE_MAX), &a);
        eb = decode("headers", header_array(1, 0, SG_MSG_HEADER_VALUE_MAX + 1), &b);
        limit_pair("header value", ea, &a, eb, &b, "message.headers[0].value: longer than 16384 bytes");

        /* Invalid UTF-8 can only come from a caller that built the object
         * itself (json-c's own parser may let it through too). */
        ea = decode("subject", json_object_new_string("ok \xe6\xa9\x9f"), &a);
        eb = decode("subject", json_object_new_string("bad \xe6\xa9"), &b);
        SG_CHECK(ea == SG_OK && eb == SG_ERR_UTF8 && strstr(b.message, "message.subject: not valid UTF-8"),
                 "invalid UTF-8 refused: %s", b.message);
}

/* ---- decision -> JSON */

static const char *jstr(json_object *o, const char *key) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static json_object *jget(json_object *o, const char *key) {
        json_object *v = NULL;
        return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* True if `key` is present and JSON null. */
static bool jnull(json_object *o, const char *key) {
        json_object *v = (json_object *) &v;
        return json_object_object_get_ex(o, key, &v) && v == NULL;
}

static int64_t jint(json_object *o, const char *key) {
        json_object *v = jget(o, key);
        return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

#define BUILD(call)                                                                                                    \
        do {                                                                                                           \
                sg_err e_ = (call);                                                                                    \
                if (!SG_CHECK(e_ == SG_OK, "build: %s", #call))                                                        \
                        sg_test_diag("  %s", err.message);                                                             \
        } while (0)

static sg_policy *build_policy(void) {
        sg_error err = {0};
        sg_policy *p = sg_policy_new();
        BUILD(sg_policy_add_internal_domain(p, "corp.example", &err));
        BUILD(sg_policy_add_internal_domain(p, "*.corp.example", &err));
        BUILD(sg_policy_add_route(p, "portal", &err));
        BUILD(sg_policy_add_route_header(p, "portal", "X-SecureSend-Route", "portal", &err));
        BUILD(sg_policy_set_route_subject_tag(p, "portal", "[secure]", &err));
        BUILD(sg_policy_add_choice(p, SG_CHOICE_ROUTE, "portal", &err));
        BUILD(sg_policy_add_choice(p, SG_CHOICE_SEND, NULL, &err));
        BUILD(sg_policy_add_encrypt_method(p, "smime", &err));
        BUILD(sg_policy_add_encrypt_method(p, "openpgp", &err));
        BUILD(sg_policy_add_encrypt_fallback(p, "portal", &err));
        static const char *const exts[] = {"xlsx"};
        sg_trigger_spec t = {.id = "sheets",
                             .type = SG_TRIGGER_ATTACHMENT_EXTENSION,
                             .action = SG_ACTION_ROUTE,
                             .route = "portal",
                             .list = exts,
                             .n_list = 1};
        BUILD(sg_policy_add_trigger(p, &t, &err));
        static const char *const words[] = {"secret"};
        sg_trigger_spec k = {
                .type = SG_TRIGGER_SUBJECT_KEYWORD, .action = SG_ACTION_ENCRYPT, .list = words, .n_list = 1};
        BUILD(sg_policy_add_trigger(p, &k, &err));
        BUILD(sg_policy_seal(p, &err));
        return p;
}

/* Decode `json`, evaluate under `p`, encode; NULL if a step fails. */
static json_object *round_trip(const sg_policy *p, const char *json) {
        json_object *in = json_tokener_parse(json);
        sg_message_buf buf = {0};
        sg_error err = {0};
        sg_decision *d = NULL;
        json_object *out = NULL;
        if (in && sg_message_from_json(in, &buf, &err) == SG_OK && sg_policy_evaluate(p, &buf.msg, &d, &err) == SG_OK)
                out = sg_decision_to_json(d);
        else
                sg_test_diag("  round trip: %s", err.message);
        sg_decision_free(d);
        sg_message_buf_clear(&buf);
        json_object_put(in);
        return out;
}

static void test_prompt_decision(const sg_policy *p) {
        json_object *o = round_trip(p, "{\"from\":\"a@corp.example\",\"to\":[\"Bob <bob@example.net>\"],"
                                       "\"cc\":[\"Team: c@dev.corp.example;\"],\"subject\":\"hello\"}");
        if (!SG_CHECK(o != NULL, "prompt: decision encoded"))
                return;
        SG_CHECK_STR(jstr(o, "action"), "prompt", "prompt: action");
        SG_CHECK(jint(o, "external_count") == 1 && jint(o, "external_domain_count") == 1, "prompt: counts");
        json_object *rs = jget(o, "recipients");
        SG_CHECK(json_object_is_type(rs, json_type_array) && json_object_array_length(rs) == 2,
                 "prompt: two recipients");
        json_object *bob = json_object_array_get_idx(rs, 0), *c = json_object_array_get_idx(rs, 1);
        SG_CHECK_STR(jstr(bob, "address"), "bob@example.net", "recipient address");
        SG_CHECK_STR(jstr(bob, "display_name"), "Bob", "recipient display name");
        SG_CHECK_STR(jstr(bob, "domain"), "example.net", "recipient domain");
        SG_CHECK_STR(jstr(bob, "field"), "to", "recipient field");
        SG_CHECK_STR(jstr(bob, "class"), "external", "recipient class");
        SG_CHECK_STR(jstr(bob, "rule"), "external_domain", "recipient rule");
        SG_CHECK(jnull(bob, "matched") && jnull(bob, "group"), "external recipient: matched and group are null");
        SG_CHECK(jnull(c, "display_name"), "no display name is null");
        SG_CHECK_STR(jstr(c, "field"), "cc", "second recipient field");
        SG_CHECK_STR(jstr(c, "class"), "internal", "subdomain recipient is internal");
        SG_CHECK_STR(jstr(c, "rule"), "internal_subdomain", "subdomain rule");
        SG_CHECK_STR(jstr(c, "matched"), "*.corp.example", "the entry that matched");
        SG_CHECK_STR(jstr(c, "group"), "Team", "group name");

        json_object *reasons = jget(o, "reasons");
        json_object *r0 = json_object_array_get_idx(reasons, 0);
        SG_CHECK(json_object_array_length(reasons) == 1, "prompt: one reason");
        SG_CHECK_STR(jstr(r0, "code"), "external_recipients", "reason code");
        SG_CHECK_STR(jstr(r0, "action"), "prompt", "reason action");
        SG_CHECK(jnull(r0, "trigger"), "built-in reason: trigger null");
        SG_CHECK(jstr(r0, "detail") != NULL, "reason detail is a string");
        SG_CHECK(json_object_is_type(jget(r0, "items"), json_type_array), "reason items is an array");

        json_object *ch = jget(o, "choices");
        SG_CHECK(json_object_is_type(ch, json_type_array) && json_object_array_length(ch) == 3,
                 "choices: route:portal, send, cancel");
        json_object *c0 = json_object_array_get_idx(ch, 0), *c1 = json_object_array_get_idx(ch, 1),
                    *c2 = json_object_array_get_idx(ch, 2);
        SG_CHECK_STR(jstr(c0, "id"), "route:portal", "route choice id");
        SG_CHECK_STR(jstr(c0, "kind"), "route", "route choice kind");
        SG_CHECK_STR(jstr(c0, "route"), "portal", "route choice route");
        SG_CHECK_STR(jstr(c0, "subject_tag"), "[secure]", "route choice subject tag");
        json_object *h = json_object_array_get_idx(jget(c0, "headers"), 0);
        SG_CHECK(json_object_array_length(jget(c0, "headers")) == 1 &&
                         strcmp(jstr(h, "name"), "X-SecureSend-Route") == 0 && strcmp(jstr(h, "value"), "portal") == 0,
                 "route choice headers");
        SG_CHECK_STR(jstr(c1, "id"), "send", "send choice id");
        SG_CHECK(json_object_object_length(c1) == 2, "send choice has only id and kind");
        SG_CHECK_STR(jstr(c2, "id"), "cancel", "cancel added last");
        SG_CHECK(json_object_is_type(jget(o, "require_justification"), json_type_boolean) &&
                         !json_object_get_boolean(jget(o, "require_justification")),
                 "require_justification false");
        SG_CHECK_STR(jstr(o, "prompt_fallback"), "cancel", "prompt: prompt_fallback names the default choice");
        SG_CHECK(jnull(o, "route") && jnull(o, "subject_tag"), "prompt: route and subject_tag null");
        SG_CHECK(json_object_is_type(jget(o, "headers"), json_type_array) &&
                         json_object_array_length(jget(o, "headers")) == 0,
                 "prompt: headers an empty array");
        SG_CHECK(jget(o, "encrypt") == NULL || json_object_is_type(jget(o, "encrypt"), json_type_object),
                 "encrypt is null or an object");
        SG_CHECK(json_object_is_type(jget(o, "prompt_timeout_seconds"), json_type_int) &&
                         json_object_get_int(jget(o, "prompt_timeout_seconds")) == SG_POLICY_PROMPT_TIMEOUT_DEFAULT,
                 "prompt_timeout_seconds: the policy's (default 300)");
        SG_CHECK(json_object_object_get_ex(o, "justification_header", NULL) && jnull(o, "justification_header"),
                 "justification_header null when the policy has none");
        json_object_put(o);
}

static void test_route_and_encrypt(const sg_policy *p) {
        json_object *o =
                round_trip(p, "{\"to\":[\"x@example.net\"],\"attachments\":[{\"name\":\"a.XLSX\",\"size\":5}]}");
        if (SG_CHECK(o != NULL, "route: decision encoded")) {
                SG_CHECK_STR(jstr(o, "action"), "route", "route: action");
                SG_CHECK_STR(jstr(o, "route"), "portal", "route: route");
                SG_CHECK_STR(jstr(o, "subject_tag"), "[secure]", "route: subject tag");
                json_object *h = json_object_array_get_idx(jget(o, "headers"), 0);
                SG_CHECK(h && strcmp(jstr(h, "name"), "X-SecureSend-Route") == 0 &&
                                 strcmp(jstr(h, "value"), "portal") == 0,
                         "route: header to set");
                json_object *r1 = json_object_array_get_idx(jget(o, "reasons"), 1);
                SG_CHECK_STR(jstr(r1, "code"), "attachment_extension", "route: trigger reason code");
                SG_CHECK_STR(jstr(r1, "trigger"), "sheets", "route: trigger id");
                json_object *it = json_object_array_get_idx(jget(r1, "items"), 0);
                SG_CHECK(it && strstr(json_object_get_string(it), "a.XLSX"), "route: the file is the evidence");
                SG_CHECK(json_object_array_length(jget(o, "choices")) == 0, "route: no choices");
                json_object_put(o);
        }

        o = round_trip(p, "{\"to\":[\"x@example.net\"],\"subject\":\"Top SECRET\"}");
        if (SG_CHECK(o != NULL, "encrypt: decision encoded")) {
                SG_CHECK_STR(jstr(o, "action"), "encrypt", "encrypt: action");
                json_object *e = jget(o, "encrypt");
                json_object *m = jget(e, "methods"), *f = jget(e, "fallback");
                SG_CHECK(json_object_array_length(m) == 2 &&
                                 strcmp(json_object_get_string(json_object_array_get_idx(m, 0)), "smime") == 0 &&
                                 strcmp(json_object_get_string(json_object_array_get_idx(m, 1)), "openpgp") == 0,
                         "encrypt: methods in order");
                SG_CHECK(json_object_array_length(f) == 1 &&
                                 strcmp(json_object_get_string(json_object_array_get_idx(f, 0)), "portal") == 0,
                         "encrypt: fallback");
                json_object *r1 = json_object_array_get_idx(jget(o, "reasons"), 1);
                SG_CHECK_STR(jstr(r1, "trigger"), "subject_keyword-1", "encrypt: default trigger id");
                json_object_put(o);
        }

        o = round_trip(p, "{\"to\":[\"x@corp.example\"]}");
        if (SG_CHECK(o != NULL, "allow: decision encoded")) {
                SG_CHECK_STR(jstr(o, "action"), "allow", "allow: action");
                SG_CHECK(jnull(o, "encrypt"), "allow: encrypt null");
                json_object *r0 = json_object_array_get_idx(jget(o, "reasons"), 0);
                SG_CHECK_STR(jstr(r0, "code"), "no_external_recipients", "allow: reason");
                json_object *c = json_object_array_get_idx(jget(o, "recipients"), 0);
                SG_CHECK_STR(jstr(c, "matched"), "corp.example", "allow: exact domain matched");
                SG_CHECK_STR(jstr(c, "rule"), "internal_domain", "allow: rule");
                /* The encoded text parses back: what the host sends is JSON. */
                json_object *back = json_tokener_parse(json_object_to_json_string(o));
                SG_CHECK(back && json_object_equal(back, o), "the encoded decision round-trips through text");
                json_object_put(back);
                json_object_put(o);
        }
}

static void test_hand_made_decision(void) {
        /* Nullable fields and an empty decision, without the engine. */
        sg_decision d = {.action = SG_ACTION_BLOCK};
        json_object *o = sg_decision_to_json(&d);
        SG_CHECK(o && strcmp(jstr(o, "action"), "block") == 0 && json_object_array_length(jget(o, "recipients")) == 0 &&
                         json_object_array_length(jget(o, "reasons")) == 0 && jnull(o, "route") && jnull(o, "encrypt"),
                 "an empty decision encodes");
        json_object_put(o);
        SG_CHECK(sg_decision_to_json(NULL) == NULL, "NULL decision gives NULL");

        char *items[] = {"4111 **** **** 1111"};
        sg_reason r = {.code = SG_REASON_CREDIT_CARD, .action = SG_ACTION_BLOCK, .items = items, .n_items = 1};
        d.reasons = &r;
        d.n_reasons = 1;
        o = sg_decision_to_json(&d);
        json_object *r0 = json_object_array_get_idx(jget(o, "reasons"), 0);
        SG_CHECK(r0 && jnull(r0, "trigger") && jnull(r0, "detail") &&
                         strcmp(json_object_get_string(json_object_array_get_idx(jget(r0, "items"), 0)),
                                "4111 **** **** 1111") == 0,
                 "a reason without trigger or detail encodes them as null");
        json_object_put(o);

        d.prompt_timeout_seconds = 45;
        d.justification_header = "X-Reason";
        o = sg_decision_to_json(&d);
        SG_CHECK(o && json_object_get_int(jget(o, "prompt_timeout_seconds")) == 45 &&
                         strcmp(jstr(o, "justification_header"), "X-Reason") == 0,
                 "prompt_timeout_seconds and justification_header encode the decision's");
        json_object_put(o);
}

int main(void) {
        run_rows();
        test_decoded_fields();
        test_limits();
        sg_policy *p = build_policy();
        test_prompt_decision(p);
        test_route_and_encrypt(p);
        sg_policy_free(p);
        test_hand_made_decision();
        return sg_test_done();
}
