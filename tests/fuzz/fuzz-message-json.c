/* Fuzz target: a policy.evaluate message decoded from JSON and evaluated
 * under a fixed policy (codec.c, addr.c, policy.c, detect.c together). */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "sealgate/codec.h"
#include "sealgate/policy-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy_text[] =
        "{\"version\":1,\"internal\":{\"domains\":[\"corp.example\",\"*.corp.example\"]},"
        "\"external\":{\"action\":\"prompt\"},"
        "\"routes\":{\"portal\":{\"headers\":{\"X-SecureSend-Route\":\"portal\"},\"subject_tag\":\"[secure]\"}},"
        "\"triggers\":[{\"type\":\"attachments\",\"action\":\"route\",\"route\":\"portal\"},"
        "{\"type\":\"credit_card\",\"action\":\"block\"},{\"type\":\"my_number\",\"action\":\"block\"},"
        "{\"type\":\"subject_keyword\",\"keywords\":[\"secret\"],\"action\":\"encrypt\"},"
        "{\"type\":\"body_pattern\",\"patterns\":[\"(a+)+b\"],\"action\":\"prompt\"}]}";

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
        sg_message_buf buf = {0};
        if (sg_message_from_json(obj, &buf, NULL) == SG_OK) {
                sg_decision *d = NULL;
                if (sg_policy_evaluate(policy, &buf.msg, &d, NULL) == SG_OK) {
                        json_object *out = sg_decision_to_json(d);
                        if (!out)
                                abort();
                        json_object_put(out);
                        sg_decision_free(d);
                }
                sg_message_buf_clear(&buf);
        }
        json_object_put(obj);
        return 0;
}
