/* Unit tests of policy-json.c: a table of policy texts with the error each must give (or success), then the
 * limits, the shipped example and demo policies, and reading files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/codec.h"
#include "sealgate/policy-json.h"
#include "sealgate/util.h"
#include "sg-test.h"

#define V       "\"version\":1"
#define ROUTE_P "\"routes\":{\"p\":{\"headers\":{\"X-Route\":\"p\"}}}"

static const struct row {
        const char *desc;
        const char *json;
        sg_err code;     /* SG_OK: must load */
        const char *msg; /* substring of the message */
} rows[] = {
        /* ---- accepted */
        {"minimal policy", "{" V "}", SG_OK, NULL},
        {"comments allowed", "// top\n{ /* inline */ " V " // end\n}\n/* after */\n", SG_OK, NULL},
        {"empty lists", "{" V ",\"internal\":{\"domains\":[],\"addresses\":[]},\"exceptions\":{}}", SG_OK, NULL},
        {"internal and exceptions",
         "{" V ",\"internal\":{\"domains\":[\"corp.example\",\"*.corp.example\"],\"addresses\":[\"a@x.example\"]},"
         "\"exceptions\":{\"domains\":[\"guest.corp.example\"],\"addresses\":[\"c@corp.example\"]}}",
         SG_OK, NULL},
        {"external route", "{" V ",\"external\":{\"action\":\"route\",\"route\":\"p\"}," ROUTE_P "}", SG_OK, NULL},
        {"external allow", "{" V ",\"external\":{\"action\":\"allow\"}}", SG_OK, NULL},
        {"prompt choices with a route",
         "{" V ",\"prompt\":{\"choices\":[\"encrypt\",\"route:p\",\"send\"],\"require_justification\":true}," ROUTE_P
         "}",
         SG_OK, NULL},
        {"encrypt methods and fallback",
         "{" V ",\"encrypt\":{\"methods\":[\"openpgp\",\"smime\"],\"fallback\":[\"p\"]}," ROUTE_P "}", SG_OK, NULL},
        {"route with a label",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"en\":\"Partner A "
         "gateway\",\"ja\":\"取引先 A 向けゲートウェイ\"}}}}",
         SG_OK, NULL},
        {"route with tag",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\",\"X-B\":\"2\"},\"subject_tag\":\"[s]\"}}}", SG_OK, NULL},
        {"every trigger type",
         "{" V "," ROUTE_P ",\"triggers\":["
         "{\"type\":\"attachments\",\"action\":\"prompt\"},"
         "{\"type\":\"attachment_extension\",\"extensions\":[\"xlsx\",\".docx\"],\"action\":\"route\",\"route\":\"p\"},"
         "{\"type\":\"attachment_type\",\"types\":[\"image/*\"],\"action\":\"encrypt\",\"scope\":\"all\"},"
         "{\"type\":\"attachment_size\",\"bytes\":1000,\"action\":\"block\",\"forbid_send\":true},"
         "{\"type\":\"subject_keyword\",\"keywords\":[\"\xe6\xa9\x9f\xe5\xaf\x86\"],\"action\":\"prompt\"},"
         "{\"type\":\"external_domains\",\"min\":3,\"action\":\"prompt\",\"scope\":\"external\"},"
         "{\"type\":\"credit_card\",\"action\":\"block\"},{\"type\":\"my_number\",\"action\":\"block\"},"
         "{\"type\":\"body_pattern\",\"patterns\":[\"a+b\"],\"caseless\":true,\"action\":\"prompt\"},"
         "{\"type\":\"header\",\"name\":\"X-Class\",\"action\":\"prompt\"},"
         "{\"type\":\"header\",\"name\":\"X-Class\",\"values\":[\"secret\"],\"action\":\"prompt\",\"id\":\"h2\"}]}",
         SG_OK, NULL},
        {"UTF-8 byte order mark skipped", "\xef\xbb\xbf{" V "}", SG_OK, NULL},

        /* ---- syntax */
        {"empty text", "", SG_ERR_POLICY_INVALID, "(file): invalid JSON at line 1"},
        {"syntax error names its line", "{\n" V ",\n\"internal\" {}}", SG_ERR_POLICY_INVALID,
         "(file): invalid JSON at line 3"},
        {"unterminated", "{" V ",\n\n", SG_ERR_POLICY_INVALID, "(file): invalid JSON at line 3"},
        {"trailing garbage", "{" V "}\n x", SG_ERR_POLICY_INVALID, "unexpected text after the policy object"},
        {"second object", "{" V "} {}", SG_ERR_POLICY_INVALID, "unexpected text after the policy object"},
        {"top level array", "[1]", SG_ERR_POLICY_INVALID, "(file): expected an object, got an array"},
        {"invalid UTF-8", "{" V ",\"internal\":{\"domains\":[\"\xff\"]}}", SG_ERR_POLICY_INVALID,
         "(file): not valid UTF-8"},
        {"escaped NUL in a string", "{" V ",\"internal\":{\"domains\":[\"a\\u0000b\"]}}", SG_ERR_POLICY_INVALID,
         "internal.domains[0]: contains a NUL character"},

        /* ---- top level */
        {"version missing", "{}", SG_ERR_POLICY_INVALID, "version: required"},
        {"version a string", "{\"version\":\"1\"}", SG_ERR_POLICY_INVALID,
         "version: expected an integer, got a string"},
        {"version 2", "{\"version\":2}", SG_ERR_POLICY_INVALID, "version: unsupported version 2"},
        {"version 1.0", "{\"version\":1.0}", SG_ERR_POLICY_INVALID, "version: expected an integer"},
        {"unknown top-level key", "{" V ",\"foo\":1}", SG_ERR_POLICY_INVALID, "foo: unknown key"},
        {"unknown key reported before version", "{\"foo\":1}", SG_ERR_POLICY_INVALID, "foo: unknown key"},

        /* ---- internal / exceptions */
        {"internal not an object", "{" V ",\"internal\":[]}", SG_ERR_POLICY_INVALID,
         "internal: expected an object, got an array"},
        {"internal unknown key", "{" V ",\"internal\":{\"domain\":[]}}", SG_ERR_POLICY_INVALID,
         "internal.domain: unknown key"},
        {"domain entry a number", "{" V ",\"internal\":{\"domains\":[\"a.example\",\"b.example\",3]}}",
         SG_ERR_POLICY_INVALID, "internal.domains[2]: expected a string, got a number"},
        {"domains not an array", "{" V ",\"internal\":{\"domains\":\"a.example\"}}", SG_ERR_POLICY_INVALID,
         "internal.domains: expected an array of strings, got a string"},
        {"bad domain (builder)", "{" V ",\"internal\":{\"domains\":[\"ok.example\",\"bad domain\"]}}",
         SG_ERR_POLICY_INVALID, "internal.domains[1]: "},
        {"bad address (builder)", "{" V ",\"internal\":{\"addresses\":[\"nobody\"]}}", SG_ERR_POLICY_INVALID,
         "internal.addresses[0]: "},
        {"bad exception domain", "{" V ",\"exceptions\":{\"domains\":[\"\"]}}", SG_ERR_POLICY_INVALID,
         "exceptions.domains[0]: "},
        {"exceptions unknown key", "{" V ",\"exceptions\":{\"x\":1}}", SG_ERR_POLICY_INVALID,
         "exceptions.x: unknown key"},

        /* ---- external */
        {"external unknown action", "{" V ",\"external\":{\"action\":\"drop\"}}", SG_ERR_POLICY_INVALID,
         "external.action: unknown action \"drop\""},
        {"external route without route", "{" V ",\"external\":{\"action\":\"route\"}}", SG_ERR_POLICY_INVALID,
         "external.route: required when the action is \"route\""},
        {"external route with other action", "{" V ",\"external\":{\"action\":\"block\",\"route\":\"p\"}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "external.route: only allowed when the action is \"route\""},
        {"external names an unknown route", "{" V ",\"external\":{\"action\":\"route\",\"route\":\"q\"}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "external.route: unknown route \"q\""},
        {"external action a boolean", "{" V ",\"external\":{\"action\":true}}", SG_ERR_POLICY_INVALID,
         "external.action: expected a string, got a boolean"},
        {"external unknown key", "{" V ",\"external\":{\"mode\":1}}", SG_ERR_POLICY_INVALID,
         "external.mode: unknown key"},

        /* ---- prompt */
        {"unknown choice", "{" V ",\"prompt\":{\"choices\":[\"send\",\"portal\"]}}", SG_ERR_POLICY_INVALID,
         "prompt.choices[1]: unknown choice \"portal\""},
        {"bare route choice", "{" V ",\"prompt\":{\"choices\":[\"route\"]}}", SG_ERR_POLICY_INVALID,
         "prompt.choices[0]: unknown choice \"route\""},
        {"choice names an unknown route", "{" V ",\"prompt\":{\"choices\":[\"route:q\"]}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "prompt.choices[0]: unknown route \"q\""},
        {"choice twice (builder)", "{" V ",\"prompt\":{\"choices\":[\"send\",\"send\"]}}", SG_ERR_POLICY_INVALID,
         "prompt.choices[1]: "},
        {"empty choices", "{" V ",\"prompt\":{\"choices\":[]}}", SG_ERR_POLICY_INVALID,
         "prompt.choices: must list at least one choice"},
        {"require_justification a string", "{" V ",\"prompt\":{\"require_justification\":\"yes\"}}",
         SG_ERR_POLICY_INVALID, "prompt.require_justification: expected true or false, got a string"},
        {"fallback not among the choices", "{" V ",\"prompt\":{\"choices\":[\"encrypt\"],\"fallback\":\"send\"}}",
         SG_ERR_POLICY_INVALID, "prompt.fallback: \"send\" is not one of prompt.choices"},
        {"fallback not among the default choices", "{" V ",\"prompt\":{\"fallback\":\"route:p\"}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "prompt.fallback: \"route:p\" is not one of prompt.choices"},
        {"fallback names an unknown route", "{" V ",\"prompt\":{\"fallback\":\"route:q\"}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "prompt.fallback: unknown route \"q\""},
        {"fallback unknown choice", "{" V ",\"prompt\":{\"fallback\":\"later\"}}", SG_ERR_POLICY_INVALID,
         "prompt.fallback: unknown choice \"later\""},
        {"fallback a number", "{" V ",\"prompt\":{\"fallback\":1}}", SG_ERR_POLICY_INVALID,
         "prompt.fallback: expected a string"},
        {"recommended a route",
         "{" V ",\"prompt\":{\"choices\":[\"route:p\",\"encrypt\"],\"recommended\":\"route:p\"}," ROUTE_P "}", SG_OK,
         NULL},
        {"recommended send", "{" V ",\"prompt\":{\"recommended\":\"send\"}}", SG_ERR_POLICY_INVALID,
         "prompt.recommended: \"send\" is not a protective choice"},
        {"recommended not among the choices",
         "{" V ",\"prompt\":{\"choices\":[\"encrypt\"],\"recommended\":\"route:p\"}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "prompt.recommended: \"route:p\" is not one of prompt.choices"},
        {"recommended names an unknown route", "{" V ",\"prompt\":{\"recommended\":\"route:q\"}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "prompt.recommended: unknown route \"q\""},
        {"recommended a number", "{" V ",\"prompt\":{\"recommended\":1}}", SG_ERR_POLICY_INVALID,
         "prompt.recommended: expected a string"},
        {"prompt unknown key", "{" V ",\"prompt\":{\"title\":\"x\"}}", SG_ERR_POLICY_INVALID,
         "prompt.title: unknown key"},

        /* ---- encrypt */
        {"unknown method (builder)", "{" V ",\"encrypt\":{\"methods\":[\"smime\",\"rot13\"]}}", SG_ERR_POLICY_INVALID,
         "encrypt.methods[1]: "},
        {"empty methods", "{" V ",\"encrypt\":{\"methods\":[]}}", SG_ERR_POLICY_INVALID,
         "encrypt.methods: must list at least one method"},
        {"method twice (builder)", "{" V ",\"encrypt\":{\"methods\":[\"smime\",\"smime\"]}}", SG_ERR_POLICY_INVALID,
         "encrypt.methods[1]: encryption method \"smime\" given twice"},
        {"fallback to an unknown route", "{" V ",\"encrypt\":{\"fallback\":[\"p\",\"q\"]}," ROUTE_P "}",
         SG_ERR_POLICY_INVALID, "encrypt.fallback[1]: unknown route \"q\""},
        {"fallback without routes", "{" V ",\"encrypt\":{\"fallback\":[\"p\"]}}", SG_ERR_POLICY_INVALID,
         "encrypt.fallback[0]: unknown route \"p\""},
        {"encrypt unknown key", "{" V ",\"encrypt\":{\"method\":[]}}", SG_ERR_POLICY_INVALID,
         "encrypt.method: unknown key"},

        /* ---- routes */
        {"route without headers", "{" V ",\"routes\":{\"portal\":{\"subject_tag\":\"[s]\"}}}", SG_ERR_POLICY_INVALID,
         "routes.portal.headers: a route must set at least one header"},
        {"route with empty headers", "{" V ",\"routes\":{\"portal\":{\"headers\":{}}}}", SG_ERR_POLICY_INVALID,
         "routes.portal.headers: a route must set at least one header"},
        {"route headers an array", "{" V ",\"routes\":{\"portal\":{\"headers\":[]}}}", SG_ERR_POLICY_INVALID,
         "routes.portal.headers: expected an object, got an array"},
        {"header value a number", "{" V ",\"routes\":{\"portal\":{\"headers\":{\"X-A\":1}}}}", SG_ERR_POLICY_INVALID,
         "routes.portal.headers.X-A: expected a string, got a number"},
        {"header name with a colon (builder)", "{" V ",\"routes\":{\"portal\":{\"headers\":{\"X:A\":\"1\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.portal.headers.X:A: "},
        {"header value with CR LF (builder)",
         "{" V ",\"routes\":{\"portal\":{\"headers\":{\"X-A\":\"1\\r\\nBcc: x\"}}}}", SG_ERR_POLICY_INVALID,
         "routes.portal.headers.X-A: "},
        {"bad route name (builder)", "{" V ",\"routes\":{\"my route\":{\"headers\":{\"X-A\":\"1\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.my route: "},
        {"route unknown key", "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"tag\":\"x\"}}}",
         SG_ERR_POLICY_INVALID, "routes.p.tag: unknown key"},
        {"subject tag too long (builder)",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"subject_tag\":"
         "\"[0123456789012345678901234567890123456789012345678901234567890123456789]\"}}}",
         SG_ERR_POLICY_INVALID, "routes.p.subject_tag: "},
        {"route label not an object", "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":\"x\"}}}",
         SG_ERR_POLICY_INVALID, "routes.p.label: expected an object, got a string"},
        {"route label without ja",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"en\":\"Portal\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.p.label.ja: a route label needs both"},
        {"route label without en",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"ja\":\"ポータル\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.p.label.en: a route label needs both"},
        {"route label unknown language",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"en\":\"a\",\"ja\":\"b\",\"fr\":\"c\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.p.label.fr: unknown key"},
        {"route label a number",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"en\":1,\"ja\":\"b\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.p.label.en: expected a string, got a number"},
        {"route label empty (builder)",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"en\":\"\",\"ja\":\"b\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.p.label: a route label must not be empty"},
        {"route label with a line break (builder)",
         "{" V ",\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"en\":\"a\",\"ja\":\"b\\nc\"}}}}",
         SG_ERR_POLICY_INVALID, "routes.p.label: a route label must not contain CR, LF"},
        {"route not an object", "{" V ",\"routes\":{\"p\":\"X-A\"}}", SG_ERR_POLICY_INVALID,
         "routes.p: expected an object, got a string"},
        {"routes an array", "{" V ",\"routes\":[]}", SG_ERR_POLICY_INVALID, "routes: expected an object, got an array"},

        /* ---- triggers */
        {"triggers an object", "{" V ",\"triggers\":{}}", SG_ERR_POLICY_INVALID, "triggers: expected an array"},
        {"trigger a string", "{" V ",\"triggers\":[\"attachments\"]}", SG_ERR_POLICY_INVALID,
         "triggers[0]: expected an object, got a string"},
        {"trigger type missing", "{" V ",\"triggers\":[{\"action\":\"block\"}]}", SG_ERR_POLICY_INVALID,
         "triggers[0].type: required"},
        {"trigger type misspelt",
         "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\"},{\"type\":\"attachmnets\","
         "\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[1].type: unknown trigger type \"attachmnets\""},
        {"trigger action missing", "{" V ",\"triggers\":[{\"type\":\"attachments\"}]}", SG_ERR_POLICY_INVALID,
         "triggers[0].action: required"},
        {"trigger action allow", "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"allow\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].action: unknown action \"allow\""},
        {"trigger route missing", "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"route\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].route: required when the action is \"route\""},
        {"trigger route with block",
         "{" V "," ROUTE_P ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\",\"route\":\"p\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].route: only allowed when the action is \"route\""},
        {"trigger unknown route",
         "{" V "," ROUTE_P ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"route\",\"route\":\"x\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].route: unknown route \"x\""},
        {"trigger unknown scope", "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\",\"scope\":1}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].scope: expected a string, got a number"},
        {"trigger bad scope value",
         "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\",\"scope\":\"internal\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].scope: unknown scope \"internal\""},
        {"forbid_send a number",
         "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\",\"forbid_send\":1}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].forbid_send: expected true or false, got a number"},
        {"key of another trigger type",
         "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\",\"keywords\":[\"x\"]}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].keywords: not allowed in a trigger of type \"attachments\""},
        {"caseless outside body_pattern",
         "{" V ",\"triggers\":[{\"type\":\"subject_keyword\",\"keywords\":[\"x\"],\"caseless\":true,"
         "\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].caseless: not allowed in a trigger of type \"subject_keyword\""},
        {"unknown trigger key", "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\",\"when\":1}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].when: unknown key"},
        {"extensions missing", "{" V ",\"triggers\":[{\"type\":\"attachment_extension\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].extensions: required"},
        {"extensions empty",
         "{" V ",\"triggers\":[{\"type\":\"attachment_extension\",\"extensions\":[],\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].extensions: must not be empty"},
        {"extension a number",
         "{" V ",\"triggers\":[{\"type\":\"attachment_extension\",\"extensions\":[\"a\",7],\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].extensions[1]: expected a string, got a number"},
        {"empty extension (builder)",
         "{" V ",\"triggers\":[{\"type\":\"attachment_extension\",\"extensions\":[\"a\",\".\"],\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].extensions[1]: is empty"},
        {"bad content type (builder)",
         "{" V ",\"triggers\":[{\"type\":\"attachment_type\",\"types\":[\"pdf\"],\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0]: not a content type: \"pdf\""},
        {"types missing", "{" V ",\"triggers\":[{\"type\":\"attachment_type\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].types: required"},
        {"bytes missing", "{" V ",\"triggers\":[{\"type\":\"attachment_size\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].bytes: required"},
        {"bytes zero", "{" V ",\"triggers\":[{\"type\":\"attachment_size\",\"bytes\":0,\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].bytes: must be between 1 and"},
        {"bytes negative", "{" V ",\"triggers\":[{\"type\":\"attachment_size\",\"bytes\":-5,\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].bytes: must be between 1 and"},
        {"bytes too large",
         "{" V ",\"triggers\":[{\"type\":\"attachment_size\",\"bytes\":99999999999999999999999,\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].bytes: must be between 1 and"},
        {"bytes fractional", "{" V ",\"triggers\":[{\"type\":\"attachment_size\",\"bytes\":1.5,\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].bytes: expected an integer, got a non-integer number"},
        {"bytes a string",
         "{" V ",\"triggers\":[{\"type\":\"attachment_size\",\"bytes\":\"10MB\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].bytes: expected an integer, got a string"},
        {"keywords missing", "{" V ",\"triggers\":[{\"type\":\"subject_keyword\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].keywords: required"},
        {"empty keyword (builder)",
         "{" V ",\"triggers\":[{\"type\":\"subject_keyword\",\"keywords\":[\"\"],\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].keywords[0]: is empty"},
        {"min missing", "{" V ",\"triggers\":[{\"type\":\"external_domains\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].min: required"},
        {"min zero", "{" V ",\"triggers\":[{\"type\":\"external_domains\",\"min\":0,\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].min: must be between 1 and 10000"},
        {"min too large",
         "{" V ",\"triggers\":[{\"type\":\"external_domains\",\"min\":4294967297,\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].min: must be between 1 and 10000"},
        {"patterns missing", "{" V ",\"triggers\":[{\"type\":\"body_pattern\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].patterns: required"},
        {"pattern does not compile",
         "{" V ",\"triggers\":[{\"type\":\"body_pattern\",\"patterns\":[\"ok\",\"(unclosed\"],\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].patterns[1]: "},
        {"caseless a string",
         "{" V ",\"triggers\":[{\"type\":\"body_pattern\",\"patterns\":[\"a\"],\"caseless\":\"no\","
         "\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].caseless: expected true or false, got a string"},
        {"header name missing", "{" V ",\"triggers\":[{\"type\":\"header\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].name: required"},
        {"header name invalid (builder)",
         "{" V ",\"triggers\":[{\"type\":\"header\",\"name\":\"X Bad\",\"action\":\"block\"}]}", SG_ERR_POLICY_INVALID,
         "triggers[0]: not a header field name"},
        {"header values not an array",
         "{" V ",\"triggers\":[{\"type\":\"header\",\"name\":\"X-A\",\"values\":\"v\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].values: expected an array of strings, got a string"},
        {"trigger id a number", "{" V ",\"triggers\":[{\"id\":1,\"type\":\"attachments\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].id: expected a string, got a number"},
        {"trigger id invalid (builder)",
         "{" V ",\"triggers\":[{\"id\":\"a b\",\"type\":\"attachments\",\"action\":\"block\"}]}", SG_ERR_POLICY_INVALID,
         "triggers[0].id: \"a b\" is not a valid id"},
        {"trigger id too long",
         "{" V ",\"triggers\":[{\"id\":\"a12345678901234567890123456789012345678901234567890123456789012345\","
         "\"type\":\"attachments\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[0].id: "},
        {"trigger id twice",
         "{" V ",\"triggers\":[{\"id\":\"t\",\"type\":\"attachments\",\"action\":\"block\"},"
         "{\"id\":\"t\",\"type\":\"credit_card\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[1].id: \"t\" is already the id of triggers[0]"},
        {"explicit id equal to a default id",
         "{" V ",\"triggers\":[{\"type\":\"attachments\",\"action\":\"block\"},"
         "{\"id\":\"attachments-0\",\"type\":\"credit_card\",\"action\":\"block\"}]}",
         SG_ERR_POLICY_INVALID, "triggers[1].id: \"attachments-0\" is already the id of triggers[0]"},

        /* ---- prompt.timeout_seconds, prompt.justification_header */
        {"prompt timeout at the minimum", "{" V ",\"prompt\":{\"timeout_seconds\":10}}", SG_OK, NULL},
        {"prompt timeout at the maximum", "{" V ",\"prompt\":{\"timeout_seconds\":3600}}", SG_OK, NULL},
        {"prompt timeout one under the minimum", "{" V ",\"prompt\":{\"timeout_seconds\":9}}", SG_ERR_POLICY_INVALID,
         "prompt.timeout_seconds: must be between 10 and 3600"},
        {"prompt timeout one past the maximum", "{" V ",\"prompt\":{\"timeout_seconds\":3601}}", SG_ERR_POLICY_INVALID,
         "prompt.timeout_seconds: must be between 10 and 3600"},
        {"prompt timeout a string", "{" V ",\"prompt\":{\"timeout_seconds\":\"60\"}}", SG_ERR_POLICY_INVALID,
         "prompt.timeout_seconds: expected an integer, got a string"},
        {"prompt timeout a fraction", "{" V ",\"prompt\":{\"timeout_seconds\":60.5}}", SG_ERR_POLICY_INVALID,
         "prompt.timeout_seconds: expected an integer"},
        {"justification header", "{" V ",\"prompt\":{\"justification_header\":\"X-Sealgate-Justification\"}}", SG_OK,
         NULL},
        {"justification header in lower case", "{" V ",\"prompt\":{\"justification_header\":\"x-reason\"}}", SG_OK,
         NULL},
        {"justification header not X-", "{" V ",\"prompt\":{\"justification_header\":\"Reason\"}}",
         SG_ERR_POLICY_INVALID, "prompt.justification_header: header name \"Reason\" must start with \"X-\""},
        {"justification header X- alone", "{" V ",\"prompt\":{\"justification_header\":\"X-\"}}", SG_ERR_POLICY_INVALID,
         "prompt.justification_header: header name \"X-\" must start with \"X-\""},
        {"justification header with a colon", "{" V ",\"prompt\":{\"justification_header\":\"X-A:B\"}}",
         SG_ERR_POLICY_INVALID, "prompt.justification_header: not a header field name: \"X-A:B\""},
        {"justification header empty", "{" V ",\"prompt\":{\"justification_header\":\"\"}}", SG_ERR_POLICY_INVALID,
         "prompt.justification_header: a header name must not be empty"},
        {"justification header a number", "{" V ",\"prompt\":{\"justification_header\":1}}", SG_ERR_POLICY_INVALID,
         "prompt.justification_header: expected a string, got a number"},
        {"justification to audit", "{" V ",\"prompt\":{\"justification_to\":\"audit\"}}", SG_OK, NULL},
        {"justification to message", "{" V ",\"prompt\":{\"justification_to\":\"message\"}}", SG_OK, NULL},
        {"justification to gateway with a header",
         "{" V ",\"prompt\":{\"justification_to\":\"gateway\",\"justification_header\":\"X-Reason\"}}", SG_OK, NULL},
        {"justification to gateway without a header", "{" V ",\"prompt\":{\"justification_to\":\"gateway\"}}",
         SG_ERR_POLICY_INVALID, "prompt.justification_to \"gateway\" needs prompt.justification_header"},
        {"justification to elsewhere", "{" V ",\"prompt\":{\"justification_to\":\"recipients\"}}",
         SG_ERR_POLICY_INVALID, "prompt.justification_to: expected \"message\", \"gateway\" or \"audit\""},

        /* ---- audit */
        {"audit, every key",
         "{" V ",\"audit\":{\"enabled\":true,\"directory\":\"/var/log/sealgate\","
         "\"retention_days\":30,\"required\":true}}",
         SG_OK, NULL},
        {"audit directory under the home", "{" V ",\"audit\":{\"directory\":\"~/sealgate-audit\"}}", SG_OK, NULL},
        {"audit directory on a Windows drive", "{" V ",\"audit\":{\"directory\":\"C:\\\\audit\"}}", SG_OK, NULL},
        {"audit directory on a UNC share", "{" V ",\"audit\":{\"directory\":\"\\\\\\\\srv\\\\audit\"}}", SG_OK, NULL},
        {"audit disabled", "{" V ",\"audit\":{\"enabled\":false}}", SG_OK, NULL},
        {"audit to the journal", "{" V ",\"audit\":{\"journal\":true}}", SG_OK, NULL},
        {"audit journal not a boolean", "{" V ",\"audit\":{\"journal\":\"yes\"}}", SG_ERR_POLICY_INVALID,
         "audit.journal"},
        {"gateway check header named", "{" V ",\"audit\":{\"check_header\":\"X-Gw-Checked\"}}", SG_OK, NULL},
        {"gateway check header without X-", "{" V ",\"audit\":{\"check_header\":\"Gw-Checked\"}}",
         SG_ERR_POLICY_INVALID, "audit.check_header"},
        {"gateway check key of 16 bytes", "{" V ",\"audit\":{\"check_key\":\"kkkkkkkkkkkkkkkk\"}}", SG_OK, NULL},
        {"gateway check key of 15 bytes", "{" V ",\"audit\":{\"check_key\":\"kkkkkkkkkkkkkkk\"}}",
         SG_ERR_POLICY_INVALID, "audit.check_key"},
        {"gateway check key of 256 bytes",
         "{" V ",\"audit\":{\"check_key\":"
         "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
         "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
         "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"}}",
         SG_OK, NULL},
        {"gateway check key one past 256 bytes",
         "{" V ",\"audit\":{\"check_key\":"
         "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
         "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
         "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"}}",
         SG_ERR_POLICY_INVALID, "audit.check_key"},
        {"gateway check key not a string", "{" V ",\"audit\":{\"check_key\":1}}", SG_ERR_POLICY_INVALID,
         "audit.check_key"},
        {"audit retention 0 (for ever)", "{" V ",\"audit\":{\"retention_days\":0}}", SG_OK, NULL},
        {"audit retention at the maximum", "{" V ",\"audit\":{\"retention_days\":3650}}", SG_OK, NULL},
        {"audit retention one past the maximum", "{" V ",\"audit\":{\"retention_days\":3651}}", SG_ERR_POLICY_INVALID,
         "audit.retention_days: must be between 0 and 3650"},
        {"audit retention negative", "{" V ",\"audit\":{\"retention_days\":-1}}", SG_ERR_POLICY_INVALID,
         "audit.retention_days: must be between 0 and 3650"},
        {"audit relative directory", "{" V ",\"audit\":{\"directory\":\"audit\"}}", SG_ERR_POLICY_INVALID,
         "audit.directory: \"audit\" is neither an absolute path nor starts with \"~/\""},
        {"audit directory ~user", "{" V ",\"audit\":{\"directory\":\"~bob/audit\"}}", SG_ERR_POLICY_INVALID,
         "audit.directory: \"~bob/audit\" is neither an absolute path"},
        {"audit directory empty", "{" V ",\"audit\":{\"directory\":\"\"}}", SG_ERR_POLICY_INVALID,
         "audit.directory: must not be empty"},
        {"audit directory with a newline", "{" V ",\"audit\":{\"directory\":\"/a\\nb\"}}", SG_ERR_POLICY_INVALID,
         "audit.directory: contains a control character"},
        {"audit enabled a string", "{" V ",\"audit\":{\"enabled\":\"yes\"}}", SG_ERR_POLICY_INVALID,
         "audit.enabled: expected true or false, got a string"},
        {"audit required a number", "{" V ",\"audit\":{\"required\":1}}", SG_ERR_POLICY_INVALID,
         "audit.required: expected true or false, got a number"},
        {"audit unknown key", "{" V ",\"audit\":{\"dir\":\"/x\"}}", SG_ERR_POLICY_INVALID, "audit.dir: unknown key"},
        {"audit not an object", "{" V ",\"audit\":true}", SG_ERR_POLICY_INVALID,
         "audit: expected an object, got a boolean"},

        /* ---- keys */
        {"keys, every key",
         "{" V ",\"keys\":{\"network_lookups\":true,\"timeout_seconds\":5,"
         "\"certificate_store\":\"/etc/sealgate/certs\",\"nss_db\":\"~/.thunderbird/p\"}}",
         SG_OK, NULL},
        {"keys paths null", "{" V ",\"keys\":{\"certificate_store\":null,\"nss_db\":null}}", SG_OK, NULL},
        {"keys timeout at the minimum", "{" V ",\"keys\":{\"timeout_seconds\":1}}", SG_OK, NULL},
        {"keys timeout at the maximum", "{" V ",\"keys\":{\"timeout_seconds\":120}}", SG_OK, NULL},
        {"keys timeout one past the maximum", "{" V ",\"keys\":{\"timeout_seconds\":121}}", SG_ERR_POLICY_INVALID,
         "keys.timeout_seconds: must be between 1 and 120"},
        {"keys timeout one below the minimum", "{" V ",\"keys\":{\"timeout_seconds\":0}}", SG_ERR_POLICY_INVALID,
         "keys.timeout_seconds: must be between 1 and 120"},
        {"keys timeout a string", "{" V ",\"keys\":{\"timeout_seconds\":\"5\"}}", SG_ERR_POLICY_INVALID,
         "keys.timeout_seconds: expected an integer, got a string"},
        {"keys network_lookups a string", "{" V ",\"keys\":{\"network_lookups\":\"yes\"}}", SG_ERR_POLICY_INVALID,
         "keys.network_lookups: expected true or false, got a string"},
        {"keys relative certificate store", "{" V ",\"keys\":{\"certificate_store\":\"certs\"}}", SG_ERR_POLICY_INVALID,
         "keys.certificate_store: \"certs\" is neither an absolute path"},
        {"keys revocation hard-fail", "{" V ",\"keys\":{\"revocation\":\"hard-fail\"}}", SG_OK, NULL},
        {"keys revocation soft-fail", "{" V ",\"keys\":{\"revocation\":\"soft-fail\"}}", SG_OK, NULL},
        {"keys revocation unknown", "{" V ",\"keys\":{\"revocation\":\"strict\"}}", SG_ERR_POLICY_INVALID,
         "keys.revocation: must be \"off\", \"soft-fail\" or \"hard-fail\""},
        {"keys nss_db empty", "{" V ",\"keys\":{\"nss_db\":\"\"}}", SG_ERR_POLICY_INVALID,
         "keys.nss_db: must not be empty"},
        {"keys nss_db a number", "{" V ",\"keys\":{\"nss_db\":1}}", SG_ERR_POLICY_INVALID,
         "keys.nss_db: expected a string, got a number"},
        {"keys nss_db with a tab", "{" V ",\"keys\":{\"nss_db\":\"/a\\tb\"}}", SG_ERR_POLICY_INVALID,
         "keys.nss_db: contains a control character"},
        {"keys unknown key", "{" V ",\"keys\":{\"wkd\":true}}", SG_ERR_POLICY_INVALID, "keys.wkd: unknown key"},
        {"keys not an object", "{" V ",\"keys\":[]}", SG_ERR_POLICY_INVALID, "keys: expected an object, got an array"},
};

static void run_rows(void) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                const struct row *r = &rows[i];
                sg_policy *p = (sg_policy *) &rows; /* must stay untouched on failure */
                sg_error err = {0};
                sg_err e = sg_policy_from_json(r->json, strlen(r->json), &p, &err);
                if (r->code == SG_OK) {
                        if (!SG_CHECK(e == SG_OK && p != NULL, "%s: loads", r->desc))
                                sg_test_diag("  got %s: %s", sg_err_code(e), err.message);
                        if (e == SG_OK)
                                sg_policy_free(p);
                        continue;
                }
                int ok = e == r->code && strstr(err.message, r->msg) != NULL && p == (sg_policy *) &rows;
                if (!SG_CHECK(ok, "%s: %s", r->desc, r->msg))
                        sg_test_diag("  got %s: \"%s\"", sg_err_code(e), err.message);
        }
}

/* Load `text` (len bytes); return the error code, the message in `err`. */
static sg_err load(const char *text, size_t len, sg_error *err) {
        sg_policy *p = NULL;
        sg_err e = sg_policy_from_json(text, len, &p, err);
        sg_policy_free(p);
        return e;
}

/* A trigger of type t as JSON members: "type", "action" block and every key
 * the type requires, with a valid value, except `skip`; then `extra` (a
 * whole member, or NULL). */
static void trigger_members(sg_trigger_type t, const char *skip, const char *extra, char *out, size_t cap) {
        size_t n_keys, o = (size_t) snprintf(out, cap, "\"type\":\"%s\"", sg_trigger_type_name(t));
        const sg_trigger_key *keys = sg_trigger_keys(&n_keys);
        for (size_t i = 0; i < n_keys && o < cap; i++) {
                const sg_trigger_key *k = &keys[i];
                if (k->slot == SG_TRIGGER_SLOT_TYPE || !k->required || !sg_trigger_key_takes(k, t) ||
                    (skip && strcmp(k->name, skip) == 0))
                        continue;
                if (k->slot == SG_TRIGGER_SLOT_ACTION)
                        o += (size_t) snprintf(out + o, cap - o, ",\"action\":\"block\"");
                else if (k->kind == SG_TRIGGER_KEY_INT)
                        o += (size_t) snprintf(out + o, cap - o, ",\"%s\":%lld", k->name, (long long) k->min);
                else if (k->kind == SG_TRIGGER_KEY_LIST)
                        o += (size_t) snprintf(out + o, cap - o, ",\"%s\":[\"%s\"]", k->name,
                                               t == SG_TRIGGER_ATTACHMENT_TYPE ? "image/png" : "x");
                else
                        o += (size_t) snprintf(out + o, cap - o, ",\"%s\":\"X-A\"", k->name);
        }
        if (extra && o < cap)
                snprintf(out + o, cap - o, ",%s", extra);
}

/* Core's table of trigger keys (policy.h) against the reader, for every
 * type: the type's required keys make a trigger that loads; each one missing
 * is "required"; each key with a value of the wrong kind is named where the
 * type takes it and refused where it does not. */
static void test_trigger_keys(void) {
        size_t n_keys;
        const sg_trigger_key *keys = sg_trigger_keys(&n_keys);
        SG_CHECK(n_keys > 0 && keys[0].slot == SG_TRIGGER_SLOT_TYPE, "the trigger key table starts with type");
        for (int t = 0; t < SG_TRIGGER__MAX; t++) {
                const char *tn = sg_trigger_type_name((sg_trigger_type) t);
                char members[1024], text[2048], want[256], extra[128];
                sg_error err = {0};
                trigger_members((sg_trigger_type) t, NULL, NULL, members, sizeof members);
                snprintf(text, sizeof text, "{" V ",\"triggers\":[{%s}]}", members);
                if (!SG_CHECK(load(text, strlen(text), &err) == SG_OK, "%s: its required keys are enough", tn))
                        sg_test_diag("  %s: %s", text, err.message);
                for (size_t i = 1; i < n_keys; i++) {
                        const sg_trigger_key *k = &keys[i];
                        bool takes = sg_trigger_key_takes(k, (sg_trigger_type) t);
                        if (takes && k->required) {
                                trigger_members((sg_trigger_type) t, k->name, NULL, members, sizeof members);
                                snprintf(text, sizeof text, "{" V ",\"triggers\":[{%s}]}", members);
                                snprintf(want, sizeof want, "triggers[0].%s: required", k->name);
                                sg_err e = load(text, strlen(text), &err);
                                if (!SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, want), "%s: %s", tn,
                                              want))
                                        sg_test_diag("  got %s", err.message);
                        }
                        /* A value of the wrong kind: an object, or for a label (an object itself) an array. */
                        snprintf(extra, sizeof extra, k->kind == SG_TRIGGER_KEY_LABEL ? "\"%s\":[]" : "\"%s\":{}",
                                 k->name);
                        trigger_members((sg_trigger_type) t, k->name, extra, members, sizeof members);
                        snprintf(text, sizeof text, "{" V ",\"triggers\":[{%s}]}", members);
                        if (takes)
                                snprintf(want, sizeof want, "triggers[0].%s: expected ", k->name);
                        else
                                snprintf(want, sizeof want, "triggers[0].%s: not allowed in a trigger of type \"%s\"",
                                         k->name, tn);
                        sg_err e = load(text, strlen(text), &err);
                        if (!SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, want), "%s: %s", tn, want))
                                sg_test_diag("  got %s", err.message);
                }
        }

        /* The list limit, and one past it. */
        size_t cap = (SG_POLICY_LIST_MAX + 1) * 8 + 256;
        char *text = malloc(cap);
        sg_error err = {0};
        for (int n = SG_POLICY_LIST_MAX; text && n <= SG_POLICY_LIST_MAX + 1; n++) {
                size_t o = (size_t) snprintf(text, cap,
                                             "{" V ",\"triggers\":[{\"type\":\"subject_keyword\","
                                             "\"action\":\"block\",\"keywords\":[");
                for (int i = 0; i < n; i++)
                        o += (size_t) snprintf(text + o, cap - o, "%s\"k%d\"", i ? "," : "", i);
                snprintf(text + o, cap - o, "]}]}");
                sg_err e = load(text, strlen(text), &err);
                if (n == SG_POLICY_LIST_MAX)
                        SG_CHECK(e == SG_OK, "%d keywords accepted (%s)", n, err.message);
                else
                        SG_CHECK(e == SG_ERR_POLICY_INVALID &&
                                         strstr(err.message, "triggers[0].keywords: more than 1024 entries"),
                                 "%d keywords refused (%s)", n, err.message);
        }
        free(text);
}

static void test_size_limit(void) {
        static const char head[] = "{" V "}";
        size_t max = SG_POLICY_FILE_MAX;
        char *text = malloc(max + 1);
        if (!SG_CHECK(text != NULL, "allocate a policy text of the maximum size"))
                return;
        /* White space after the object is part of the file, and counts. */
        memset(text, ' ', max + 1);
        memcpy(text, head, sizeof head - 1);
        sg_error err = {0};
        sg_err e = load(text, max, &err);
        if (!SG_CHECK(e == SG_OK, "a policy file of exactly %zu bytes loads", max))
                sg_test_diag("  got %s: %s", sg_err_code(e), err.message);
        e = load(text, max + 1, &err);
        SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, "(file): larger than 16777216 bytes"),
                 "one byte past the file limit is refused: %s", err.message);
        free(text);
}

/* {"version":1,"x":[[...[1]...]]}: json-c counts the object, each array and
 * the innermost value as one level each. */
static sg_err nested(size_t levels, sg_error *err) {
        size_t arrays = levels - 2;
        char *t = malloc(64 + 2 * arrays);
        if (!t)
                return SG_ERR_NOMEM;
        size_t n = (size_t) sprintf(t, "{" V ",\"x\":");
        for (size_t i = 0; i < arrays; i++)
                t[n++] = '[';
        t[n++] = '1';
        for (size_t i = 0; i < arrays; i++)
                t[n++] = ']';
        t[n++] = '}';
        sg_err e = load(t, n, err);
        free(t);
        return e;
}

static void test_depth_limit(void) {
        sg_error err = {0};
        sg_err e = nested(SG_POLICY_JSON_DEPTH, &err);
        SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, "x: unknown key"),
                 "nesting at the depth limit parses (then the key is refused): %s", err.message);
        e = nested(SG_POLICY_JSON_DEPTH + 1, &err);
        SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, "(file): invalid JSON at line 1") &&
                         strstr(err.message, "nested deeper than 16 levels"),
                 "one level past the depth limit is refused: %s", err.message);
}

static void test_text_edges(void) {
        sg_error err = {0};
        static const char nul[] = "{" V "}\0 ";
        SG_CHECK(load(nul, sizeof nul - 1, &err) == SG_ERR_POLICY_INVALID && strstr(err.message, "NUL byte"),
                 "a NUL byte in the file is refused: %s", err.message);
        static const char cut[] = "{\"version\":1,\"internal\":{\"domains\":[\"\xe6\xa9\"]}}";
        SG_CHECK(load(cut, sizeof cut - 1, &err) == SG_ERR_POLICY_INVALID && strstr(err.message, "UTF-8"),
                 "a truncated UTF-8 sequence is refused: %s", err.message);
        /* The length, not a NUL, ends the text. */
        static const char two[] = "{" V "}{" V "}";
        SG_CHECK(load(two, 13, &err) == SG_OK, "only `len` bytes are read");
        sg_policy *p = NULL;
        SG_CHECK(sg_policy_from_json(NULL, 0, &p, &err) == SG_ERR_INVALID_ARGUMENT && p == NULL,
                 "NULL text is a caller bug");
        SG_CHECK(load("{" V ",\"foo\":1}", 17, NULL) == SG_ERR_POLICY_INVALID, "NULL error report accepted");
}

static char *slurp(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        char *buf = malloc(1 << 20);
        size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
        fclose(f);
        if (buf)
                buf[n] = '\0';
        *ret_len = n;
        return buf;
}

static sg_policy *load_path(const char *path) {
        sg_policy *p = NULL;
        sg_error err = {0};
        sg_err e = sg_policy_load_file(path, &p, &err);
        if (!SG_CHECK(e == SG_OK && p, "%s loads", path))
                sg_test_diag("  got %s: %s", sg_err_code(e), err.message);
        return p;
}

static sg_decision *evaluate(const sg_policy *p, const char *to, const char *subject, const char *att) {
        const char *tos[] = {to};
        sg_attachment a = {.name = att, .size = 100, .content_type = "application/octet-stream"};
        sg_message m = {.from = "alice@corp.example",
                        .to = tos,
                        .n_to = 1,
                        .subject = subject,
                        .attachments = att ? &a : NULL,
                        .n_attachments = att ? 1 : 0};
        sg_decision *d = NULL;
        sg_error err = {0};
        if (sg_policy_evaluate(p, &m, &d, &err) != SG_OK)
                sg_test_diag("  evaluate: %s", err.message);
        return d;
}

static void test_shipped_policies(void) {
        sg_policy *p = load_path(SG_SOURCE_ROOT "/packaging/policy.example.json");
        sg_policy_free(p);

        /* The example must really use every key: each one named in the
         * schema appears in it. */
        size_t len = 0;
        char *text = slurp(SG_SOURCE_ROOT "/packaging/policy.example.json", &len);
        static const char *const keys[] = {
                "\"version\"",
                "\"internal\"",
                "\"exceptions\"",
                "\"domains\"",
                "\"addresses\"",
                "\"external\"",
                "\"action\"",
                "\"route\"",
                "\"prompt\"",
                "\"choices\"",
                "\"require_justification\"",
                "\"encrypt\"",
                "\"methods\"",
                "\"fallback\"",
                "\"routes\"",
                "\"headers\"",
                "\"subject_tag\"",
                "\"label\"",
                "\"triggers\"",
                "\"id\"",
                "\"type\"",
                "\"scope\"",
                "\"forbid_send\"",
                "\"extensions\"",
                "\"types\"",
                "\"bytes\"",
                "\"keywords\"",
                "\"min\"",
                "\"patterns\"",
                "\"caseless\"",
                "\"name\"",
                "\"values\"",
                "\"attachments\"",
                "\"attachment_extension\"",
                "\"attachment_type\"",
                "\"attachment_size\"",
                "\"subject_keyword\"",
                "\"external_domains\"",
                "\"credit_card\"",
                "\"my_number\"",
                "\"body_pattern\"",
                "\"header\"",
                "\"route:",
                "\"send\"",
                "\"cancel\"",
                "\"smime\"",
                "\"openpgp\"",
                "\"all\"",
                "//",
                "/*",
        };
        for (size_t i = 0; text && i < sizeof keys / sizeof keys[0]; i++)
                SG_CHECK(strstr(text, keys[i]) != NULL, "the example policy uses %s", keys[i]);
        free(text);

        p = load_path(SG_SOURCE_ROOT "/examples/demo-policy.json");
        if (!p)
                return;
        sg_decision *d = evaluate(p, "bob@example.net", "hello", NULL);
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && d->n_choices == 4, "demo: external mail prompts, 4 choices");
        if (d && d->n_choices == 4)
                SG_CHECK(d->choices[0].kind == SG_CHOICE_ENCRYPT && d->choices[1].kind == SG_CHOICE_ROUTE &&
                                 strcmp(d->choices[1].route, "portal") == 0 && d->choices[2].kind == SG_CHOICE_SEND &&
                                 d->choices[3].kind == SG_CHOICE_CANCEL,
                         "demo: choices encrypt, route:portal, send, cancel");
        sg_decision_free(d);
        d = evaluate(p, "carol@corp.example, dave@eng.corp.example", "hello", NULL);
        SG_CHECK(d && d->action == SG_ACTION_ALLOW && d->n_external == 0, "demo: internal-only mail is allowed");
        sg_decision_free(d);
        d = evaluate(p, "bob@example.net", "hello", "report.xlsx");
        SG_CHECK(d && d->action == SG_ACTION_ROUTE && d->route && strcmp(d->route, "portal") == 0 &&
                         d->n_headers == 1 && strcmp(d->headers[0].name, "X-SecureSend-Route") == 0 &&
                         strcmp(d->headers[0].value, "portal") == 0 && d->subject_tag &&
                         strcmp(d->subject_tag, "[secure]") == 0,
                 "demo: an xlsx attachment routes through the portal with its header and tag");
        sg_decision_free(d);
        d = evaluate(p, "bob@example.net", "\xe7\xa4\xbe\xe5\xa4\x96\xe7\xa7\x98: plan", NULL);
        SG_CHECK(d && d->action == SG_ACTION_ENCRYPT && d->n_encrypt_methods == 2,
                 "demo: a \"社外秘\" subject asks for encryption");
        sg_decision_free(d);
        d = evaluate(p, "a@one.example, b@two.example, c@three.example", "hello", NULL);
        bool send = false;
        for (size_t i = 0; d && i < d->n_choices; i++)
                send = send || d->choices[i].kind == SG_CHOICE_SEND;
        SG_CHECK(d && d->action == SG_ACTION_PROMPT && !send, "demo: three external domains prompt without \"send\"");
        sg_decision_free(d);
        sg_policy_free(p);
}

/* routes.NAME.label: the prompt's choice carries the route's words in both
 * languages, the limit is 256 bytes (one past refused), and a route without
 * a label has none. */
static void test_route_labels(void) {
        char text[1024], big[SG_POLICY_LABEL_MAX + 2];
        static const char base[] = "{\"version\":1,\"internal\":{\"domains\":[\"corp.example\"]},"
                                   "\"prompt\":{\"choices\":[\"route:p\",\"route:q\",\"cancel\"]},"
                                   "\"routes\":{\"p\":{\"headers\":{\"X-A\":\"1\"},\"label\":{\"en\":\"%s\",\"ja\":"
                                   "\"\xe5\x8f\x96\xe5\xbc\x95\xe5\x85\x88 A\"}},\"q\":{\"headers\":{\"X-A\":\"2\"}}}}";
        snprintf(text, sizeof text, base, "Partner A");
        sg_policy *p = NULL;
        sg_error err = {0};
        SG_CHECK(sg_policy_from_json(text, strlen(text), &p, &err) == SG_OK, "label: policy loads (%s)", err.message);
        sg_decision *d = p ? evaluate(p, "bob@example.net", "hello", NULL) : NULL;
        SG_CHECK(d && d->n_choices == 3, "label: three choices");
        if (d && d->n_choices == 3) {
                SG_CHECK(d->choices[0].label_en && strcmp(d->choices[0].label_en, "Partner A") == 0 &&
                                 d->choices[0].label_ja &&
                                 strcmp(d->choices[0].label_ja, "\xe5\x8f\x96\xe5\xbc\x95\xe5\x85\x88 A") == 0,
                         "label: the route choice carries the label in en and ja");
                SG_CHECK(!d->choices[1].label_en && !d->choices[1].label_ja, "label: a route without one has none");
                json_object *o = sg_decision_to_json(d);
                const char *js = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "";
                SG_CHECK(strstr(js, "\"route\":\"p\"") && strstr(js, "\"label\":{\"en\":\"Partner A\",\"ja\":"),
                         "label: in the decision's JSON");
                SG_CHECK(strstr(js, "\"route\":\"q\",\"headers\"") && !strstr(js, "\"label\":null"),
                         "label: absent from the JSON of a route without one");
                json_object_put(o);
        }
        sg_decision_free(d);
        sg_policy_free(p);

        memset(big, 'x', SG_POLICY_LABEL_MAX);
        big[SG_POLICY_LABEL_MAX] = '\0';
        snprintf(text, sizeof text, base, big);
        p = NULL;
        SG_CHECK(sg_policy_from_json(text, strlen(text), &p, &err) == SG_OK, "label: 256 bytes (the limit) accepted");
        sg_policy_free(p);
        big[SG_POLICY_LABEL_MAX] = 'x';
        big[SG_POLICY_LABEL_MAX + 1] = '\0';
        snprintf(text, sizeof text, base, big);
        p = NULL;
        SG_CHECK(sg_policy_from_json(text, strlen(text), &p, &err) != SG_OK && strstr(err.message, "routes.p.label") &&
                         strstr(err.message, "longer than 256 bytes"),
                 "label: 257 bytes (one past) refused: %s", err.message);
        sg_policy_free(p);
}

/* triggers[].label: carried into the trigger's reason and its JSON, both
 * languages or none, its limit and one past it. */
static void test_trigger_labels(void) {
        char text[1024], big[SG_POLICY_LABEL_MAX + 2];
        static const char base[] = "{\"version\":1,\"internal\":{\"domains\":[\"corp.example\"]},\"triggers\":["
                                   "{\"type\":\"subject_keyword\",\"keywords\":[\"secret\"],\"action\":\"prompt\","
                                   "\"label\":{\"en\":\"%s\",\"ja\":\"\xe6\xa9\x9f\xe5\xaf\x86\"}},"
                                   "{\"type\":\"subject_keyword\",\"keywords\":[\"hello\"],\"action\":\"prompt\"}]}";
        snprintf(text, sizeof text, base, "Secret project");
        sg_policy *p = NULL;
        sg_error err = {0};
        SG_CHECK(sg_policy_from_json(text, strlen(text), &p, &err) == SG_OK, "trigger label: policy loads (%s)",
                 err.message);
        sg_decision *d = p ? evaluate(p, "bob@example.net", "secret hello", NULL) : NULL;
        const sg_reason *labelled = NULL, *plain = NULL;
        for (size_t i = 0; d && i < d->n_reasons; i++)
                if (d->reasons[i].code == SG_REASON_SUBJECT_KEYWORD && d->reasons[i].trigger)
                        *(strcmp(d->reasons[i].trigger, "subject_keyword-0") == 0 ? &labelled : &plain) =
                                &d->reasons[i];
        SG_CHECK(labelled && labelled->label_en && strcmp(labelled->label_en, "Secret project") == 0 &&
                         labelled->label_ja && strcmp(labelled->label_ja, "\xe6\xa9\x9f\xe5\xaf\x86") == 0,
                 "trigger label: the trigger's reason carries the label in en and ja");
        SG_CHECK(plain && !plain->label_en && !plain->label_ja, "trigger label: a trigger without one gives none");
        if (d) {
                json_object *o = sg_decision_to_json(d);
                const char *js = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "";
                SG_CHECK(strstr(js, "\"label\":{\"en\":\"Secret project\",\"ja\":"),
                         "trigger label: in the reason's JSON");
                SG_CHECK(!strstr(js, "\"label\":null"), "trigger label: absent from the JSON of a reason without one");
                json_object_put(o);
        }
        sg_decision_free(d);
        sg_policy_free(p);

        static const char *const bad[][2] = {
                {"{\"version\":1,\"triggers\":[{\"type\":\"attachments\",\"action\":\"prompt\",\"label\":\"x\"}]}",
                 "triggers[0].label: expected an object, got a string"},
                {"{\"version\":1,\"triggers\":[{\"type\":\"attachments\",\"action\":\"prompt\","
                 "\"label\":{\"en\":\"x\"}}]}",
                 "triggers[0].label.ja: a trigger label needs both \"en\" and \"ja\""},
                {"{\"version\":1,\"triggers\":[{\"type\":\"attachments\",\"action\":\"prompt\","
                 "\"label\":{\"en\":\"x\",\"ja\":\"y\",\"de\":\"z\"}}]}",
                 "triggers[0].label.de: unknown key"},
                {"{\"version\":1,\"triggers\":[{\"type\":\"attachments\",\"action\":\"prompt\","
                 "\"label\":{\"en\":\"\",\"ja\":\"y\"}}]}",
                 "triggers[0].label: must not be empty"},
                {"{\"version\":1,\"triggers\":[{\"type\":\"attachments\",\"action\":\"prompt\","
                 "\"label\":{\"en\":\"x\",\"ja\":\"a\\nb\"}}]}",
                 "triggers[0]: a trigger label must not contain CR, LF"},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                p = NULL;
                sg_err e = sg_policy_from_json(bad[i][0], strlen(bad[i][0]), &p, &err);
                SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, bad[i][1]), "trigger label refused: %s (%s)",
                         bad[i][1], e ? err.message : "loaded");
                sg_policy_free(p);
        }

        memset(big, 'x', SG_POLICY_LABEL_MAX);
        big[SG_POLICY_LABEL_MAX] = '\0';
        snprintf(text, sizeof text, base, big);
        p = NULL;
        SG_CHECK(sg_policy_from_json(text, strlen(text), &p, &err) == SG_OK,
                 "trigger label: 256 bytes (the limit) accepted (%s)", err.message);
        sg_policy_free(p);
        big[SG_POLICY_LABEL_MAX] = 'x';
        big[SG_POLICY_LABEL_MAX + 1] = '\0';
        snprintf(text, sizeof text, base, big);
        p = NULL;
        SG_CHECK(sg_policy_from_json(text, strlen(text), &p, &err) != SG_OK &&
                         strstr(err.message, "triggers[0].label") && strstr(err.message, "longer than 256 bytes"),
                 "trigger label: 257 bytes (one past) refused: %s", err.message);
        sg_policy_free(p);
}

static void test_files(void) {
        sg_policy *p = (sg_policy *) &rows;
        sg_error err = {0};
        const char *missing = SG_SOURCE_ROOT "/no/such/policy.json";
        sg_err e = sg_policy_load_file(missing, &p, &err);
        SG_CHECK(e == SG_ERR_POLICY_IO && strstr(err.message, missing) && strstr(err.message, strerror(ENOENT)) &&
                         p == (sg_policy *) &rows,
                 "a missing file is policy_unreadable and names the path: %s", err.message);
        e = sg_policy_load_file(SG_SOURCE_ROOT "/core", &p, &err);
        SG_CHECK(e == SG_ERR_POLICY_IO && strstr(err.message, "/core"), "a directory is policy_unreadable: %s",
                 err.message);

        char path[] = "/tmp/sg-policy-json-XXXXXX";
        int fd = mkstemp(path);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!SG_CHECK(f != NULL, "create a temporary policy file"))
                return;
        fputs("{\"version\":1,\n \"internal\": {\"domains\": [1]}}\n", f);
        fclose(f);
        e = sg_policy_load_file(path, &p, &err);
        SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, "internal.domains[0]: expected a string"),
                 "a file's content errors are policy_invalid with the key path: %s", err.message);
        remove(path);

        setenv(SG_POLICY_ENV, "/srv/policy.json", 1);
        SG_CHECK_STR(sg_policy_default_path(), "/srv/policy.json", "$SEALGATE_POLICY names the policy");
        setenv(SG_POLICY_ENV, "", 1);
        SG_CHECK_STR(sg_policy_default_path(), SG_POLICY_DEFAULT_PATH, "an empty $SEALGATE_POLICY is ignored");
        unsetenv(SG_POLICY_ENV);
        SG_CHECK_STR(sg_policy_default_path(), "/etc/sealgate/policy.json", "default path");
}

/* audit.directory: SG_POLICY_AUDIT_DIRECTORY_MAX bytes load, one more does not;
 * the settings read back through sg_policy_audit. */
static void test_audit_settings(void) {
        for (int extra = 0; extra <= 1; extra++) {
                size_t n = SG_POLICY_AUDIT_DIRECTORY_MAX + (size_t) extra;
                char *text = malloc(n + 64);
                int k = sprintf(text, "{\"version\":1,\"audit\":{\"directory\":\"/");
                memset(text + k, 'd', n - 1);
                strcpy(text + k + n - 1, "\"}}");
                sg_policy *p = NULL;
                sg_error err = {0};
                sg_err e = sg_policy_from_json(text, strlen(text), &p, &err);
                if (extra)
                        SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, "audit.directory: longer than 4096"),
                                 "audit.directory one past %d bytes is refused", SG_POLICY_AUDIT_DIRECTORY_MAX);
                else
                        SG_CHECK(e == SG_OK && strlen(sg_policy_audit(p)->directory) == n,
                                 "audit.directory of exactly %d bytes loads", SG_POLICY_AUDIT_DIRECTORY_MAX);
                sg_policy_free(p);
                free(text);
        }
        const char *d = "{\"version\":1}";
        sg_policy *p = NULL;
        if (SG_CHECK(sg_policy_from_json(d, strlen(d), &p, NULL) == SG_OK, "defaults: loads")) {
                const sg_audit_settings *a = sg_policy_audit(p);
                SG_CHECK(a->enabled && !a->directory && a->retention_days == 90 && !a->required,
                         "audit defaults: enabled, default directory, 90 days, not required");
        }
        sg_policy_free(p);
        const char *all = "{\"version\":1,\"audit\":{\"enabled\":false,\"directory\":\"~/a\",\"retention_days\":0,"
                          "\"required\":true}}";
        p = NULL;
        if (SG_CHECK(sg_policy_from_json(all, strlen(all), &p, NULL) == SG_OK, "audit settings: loads")) {
                const sg_audit_settings *a = sg_policy_audit(p);
                SG_CHECK(!a->enabled && a->directory && strcmp(a->directory, "~/a") == 0 && a->retention_days == 0 &&
                                 a->required,
                         "audit settings read back as written");
        }
        sg_policy_free(p);
}

/* keys.*: defaults, read back, and each path at SG_POLICY_KEYS_PATH_MAX bytes
 * and one past. */
static void test_keys_settings(void) {
        const char *d = "{\"version\":1}";
        sg_policy *p = NULL;
        if (SG_CHECK(sg_policy_from_json(d, strlen(d), &p, NULL) == SG_OK, "keys defaults: loads")) {
                const sg_keys_settings *k = sg_policy_keys(p);
                SG_CHECK(!k->network_lookups && k->timeout_seconds == SG_POLICY_KEYS_TIMEOUT_DEFAULT &&
                                 !k->certificate_store && !k->nss_db,
                         "keys defaults: no network lookups, %d s, no store, no NSS database",
                         SG_POLICY_KEYS_TIMEOUT_DEFAULT);
        }
        sg_policy_free(p);
        const char *all = "{\"version\":1,\"keys\":{\"network_lookups\":true,\"timeout_seconds\":7,"
                          "\"certificate_store\":\"/c\",\"nss_db\":\"/n\"}}";
        p = NULL;
        if (SG_CHECK(sg_policy_from_json(all, strlen(all), &p, NULL) == SG_OK, "keys settings: loads")) {
                const sg_keys_settings *k = sg_policy_keys(p);
                SG_CHECK(k->network_lookups && k->timeout_seconds == 7 && strcmp(k->certificate_store, "/c") == 0 &&
                                 strcmp(k->nss_db, "/n") == 0,
                         "keys settings read back as written");
        }
        sg_policy_free(p);
        static const char *const keys[] = {"certificate_store", "nss_db"};
        for (size_t i = 0; i < 2; i++)
                for (int extra = 0; extra <= 1; extra++) {
                        size_t n = SG_POLICY_KEYS_PATH_MAX + (size_t) extra;
                        char *text = malloc(n + 64);
                        int k = sprintf(text, "{\"version\":1,\"keys\":{\"%s\":\"/", keys[i]);
                        memset(text + k, 'd', n - 1);
                        strcpy(text + k + n - 1, "\"}}");
                        sg_error err = {0};
                        p = NULL;
                        sg_err e = sg_policy_from_json(text, strlen(text), &p, &err);
                        char want[64];
                        snprintf(want, sizeof want, "keys.%s: longer than %d", keys[i], SG_POLICY_KEYS_PATH_MAX);
                        if (extra)
                                SG_CHECK(e == SG_ERR_POLICY_INVALID && strstr(err.message, want),
                                         "keys.%s one past %d bytes is refused", keys[i], SG_POLICY_KEYS_PATH_MAX);
                        else
                                SG_CHECK(e == SG_OK, "keys.%s of exactly %d bytes loads", keys[i],
                                         SG_POLICY_KEYS_PATH_MAX);
                        sg_policy_free(p);
                        free(text);
                }
}

int main(void) {
        test_route_labels();
        test_trigger_labels();
        run_rows();
        test_audit_settings();
        test_keys_settings();
        test_trigger_keys();
        test_size_limit();
        test_depth_limit();
        test_text_edges();
        test_shipped_policies();
        test_files();
        return sg_test_done();
}
