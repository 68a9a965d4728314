/* Fuzz target: the host's one request path (thunderbird-native/host:
 * sg_host_handle, its parser, the id rules, the op table, chunk reassembly
 * and the ops' own checks). The input is a sequence of frames separated by
 * newlines, all given to one connection (so chunked requests and attempts
 * carry over between frames); the policy is tests/fuzz/host-policy.json
 * (the host's test policy with the audit log off). Every frame must be
 * answered with one valid JSON response, or be a chunk taken, or a deferred
 * job. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "conn.h"

#ifndef FUZZ_HOST_POLICY
#define FUZZ_HOST_POLICY "tests/fuzz/host-policy.json"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        sg_host *h = sg_host_new(FUZZ_HOST_POLICY);
        if (!h)
                return 0;
        const char *p = (const char *) data, *end = p + size;
        while (p <= end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = (size_t) ((nl ? nl : end) - p);
                sg_host_reply r;
                sg_host_handle(h, p, n, &r);
                if (r.response) {
                        json_object *o = json_tokener_parse(r.response);
                        if (!o || !json_object_is_type(o, json_type_object) ||
                            !json_object_object_get_ex(o, "id", NULL))
                                abort(); /* every response is one JSON object with an id */
                        json_object_put(o);
                }
                if (r.prompt) {
                        /* the program never starts: answered as a host exiting would */
                        sg_prompt_result ab = {.end = SG_PROMPT_ABANDONED};
                        free(sg_host_prompt_done(h, r.prompt, &ab, NULL));
                }
                sg_host_reply_clear(&r);
                if (!nl)
                        break;
                p = nl + 1;
        }
        sg_host_shutdown(h);
        sg_host_free(h);
        return 0;
}
