/* Fuzz target: the decision and the outcome. A JSON object
 * {"message": {...}, "choice": "route:portal", "by": 0..5,
 * "justification": "...", "subject": "...", "time_ms": n} is decoded
 * (codec.c), evaluated under a fixed policy with routes, fallbacks and a
 * justification header, and then everything a client is handed is built: the
 * decision as JSON, the outcome of the named choice (or of none) as JSON, and
 * its audit line (outcome.c, outcome-json.c, audit.c). */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/audit.h"
#include "sealgate/codec.h"
#include "sealgate/outcome-json.h"
#include "sealgate/outcome.h"
#include "sealgate/policy-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy_text[] =
        "{\"version\":1,\"internal\":{\"domains\":[\"corp.example\",\"*.corp.example\"]},"
        "\"exceptions\":{\"addresses\":[\"contractor@corp.example\"]},"
        "\"external\":{\"action\":\"prompt\"},"
        "\"prompt\":{\"choices\":[\"encrypt\",\"route:portal\",\"route:zip\",\"send\",\"cancel\"],"
        "\"require_justification\":true,\"justification_header\":\"X-Justification\"},"
        "\"encrypt\":{\"methods\":[\"smime\",\"openpgp\"],\"fallback\":[\"portal\",\"zip\"]},"
        "\"routes\":{\"portal\":{\"headers\":{\"X-SecureSend-Route\":\"portal\"},\"subject_tag\":\"[secure]\"},"
        "\"zip\":{\"headers\":{\"X-SecureSend-Route\":\"zip\"}}},"
        "\"triggers\":[{\"type\":\"attachment_extension\",\"extensions\":[\"xlsx\"],\"action\":\"route\","
        "\"route\":\"portal\"},"
        "{\"type\":\"credit_card\",\"action\":\"block\"},{\"type\":\"my_number\",\"action\":\"encrypt\"},"
        "{\"type\":\"subject_keyword\",\"keywords\":[\"secret\"],\"action\":\"encrypt\",\"forbid_send\":true},"
        "{\"type\":\"header\",\"name\":\"X-Classification\",\"values\":[\"confidential\"],\"action\":\"prompt\"}]}";

static const char *const bys[] = {NULL, "button", "escape", "close", "timeout", "fallback", "toggle"};

static const char *str_member(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

static void outcome_for(const sg_policy *policy, const sg_decision *d, const sg_choice *c, json_object *obj) {
        json_object *v;
        int by = json_object_object_get_ex(obj, "by", &v) ? json_object_get_int(v) : 0;
        sg_outcome_input in = {
                .choice = c,
                .by = bys[(unsigned) by % (sizeof bys / sizeof bys[0])],
                .justification = str_member(obj, "justification"),
                .subject = str_member(obj, "subject"),
                .prompt_error = str_member(obj, "prompt_error") ? "prompt_failed" : NULL,
                .policy = policy,
        };
        sg_outcome *o = NULL;
        if (sg_outcome_new(d, &in, &o, NULL) != SG_OK)
                return;
        if (json_object_object_get_ex(obj, "unavailable", &v))
                sg_outcome_encrypt_unavailable(o);
        json_object *j = sg_outcome_to_json(o);
        if (!j)
                abort();
        json_object_put(j);
        sg_audit_record rec = {
                .time_ms = json_object_object_get_ex(obj, "time_ms", &v) ? json_object_get_int64(v) : 0,
                .attempt = str_member(obj, "attempt"),
                .client = "thunderbird",
                .sender = str_member(obj, "sender"),
        };
        sg_outcome_audit_record(o, d, &in, &rec);
        char *line = NULL;
        size_t len = 0;
        if (sg_audit_format(&rec, &line, &len, NULL) == SG_OK) {
                if (len == 0 || line[len - 1] != '\n' || strlen(line) != len)
                        abort();
                free(line);
        }
        sg_outcome_free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static sg_policy *policy;
        if (!policy && sg_policy_from_json(policy_text, sizeof policy_text - 1, &policy, NULL) != SG_OK)
                abort();

        json_tokener *tok = json_tokener_new_ex(32);
        if (!tok)
                return 0;
        json_object *obj = json_tokener_parse_ex(tok, (const char *) data, (int) (size > 1 << 20 ? 1 << 20 : size));
        json_tokener_free(tok);
        if (!obj)
                return 0;
        json_object *m;
        sg_message_buf buf = {0};
        if (json_object_object_get_ex(obj, "message", &m) && sg_message_from_json(m, &buf, NULL) == SG_OK) {
                sg_decision *d = NULL;
                if (sg_policy_evaluate(policy, &buf.msg, &d, NULL) == SG_OK) {
                        json_object *dj = sg_decision_to_json(d);
                        if (!dj)
                                abort();
                        json_object_put(dj);
                        const char *id = str_member(obj, "choice");
                        const sg_choice *c = id ? sg_decision_choice(d, id) : NULL;
                        /* a client's own choice (the Outlook ribbon's toggle) need not be offered */
                        sg_choice own = {0};
                        const char *route = NULL;
                        if (id && !c && sg_choice_id_parse(id, &own.kind, &route)) {
                                own.route = (char *) route;
                                c = &own;
                        }
                        outcome_for(policy, d, c, obj);
                        sg_decision_free(d);
                }
                sg_message_buf_clear(&buf);
        }
        json_object_put(obj);
        return 0;
}
