/* sealgate-host: the costly inputs of policy.evaluate that a client may
 * leave out (docs/protocol.md, "Inputs the policy reads"). The engine says
 * which of them the policy in force reads (`reads`, in the version and
 * policy.evaluate results); a request names what it left out (`skipped`),
 * and one that left out an input the policy reads is refused with
 * input_skipped, never evaluated on less than the policy reads (fail
 * closed: the policy may have been reloaded since the client asked).
 * "attachment_types": the attachments' content types (a client that must
 * open each attachment's file to learn its type leaves them null). */
#include <string.h>

#include "host-private.h"
#include "sealgate/json-writer.h"

/* The inputs, in the order `reads` lists them. */
static const char *const inputs[SG_HOST_SKIPPED_MAX] = {"texts", "related", "attachment_types"};

static bool reads(const sg_policy *p, size_t i) {
        switch (i) {
        case 0:
                return sg_policy_reads_texts(p);
        case 1:
                return sg_policy_checks_new_domain(p);
        default:
                return sg_policy_reads_attachment_types(p);
        }
}

json_object *_host_reads_json(const sg_policy *p) {
        if (!p)
                return NULL;
        json_object *o = json_object_new_object();
        for (size_t i = 0; o && i < SG_HOST_SKIPPED_MAX; i++)
                json_object_object_add(o, inputs[i], json_object_new_boolean(reads(p, i)));
        return o;
}

void _host_reads_write(sg_jw *w, const sg_policy *p) {
        sg_jw_key_lit(w, "reads");
        sg_jw_object_begin(w);
        for (size_t i = 0; i < SG_HOST_SKIPPED_MAX; i++) {
                sg_jw_key(w, inputs[i]);
                sg_jw_bool(w, reads(p, i));
        }
        sg_jw_object_end(w);
}

sg_err _host_check_skipped(const sg_policy *p, json_object *req, sg_error *err) {
        json_object *s;
        if (!json_object_object_get_ex(req, "skipped", &s) || !s)
                return SG_OK;
        if (!json_object_is_type(s, json_type_array))
                return sg_error_set(err, SG_ERR_REQUEST, "skipped: expected an array of input names or null, got %s",
                                    json_type_to_name(json_object_get_type(s)));
        size_t n = json_object_array_length(s);
        if (n > SG_HOST_SKIPPED_MAX)
                return sg_error_set(err, SG_ERR_REQUEST, "skipped: %zu names, at most %d (SG_HOST_SKIPPED_MAX)", n,
                                    SG_HOST_SKIPPED_MAX);
        bool seen[SG_HOST_SKIPPED_MAX] = {false};
        for (size_t k = 0; k < n; k++) {
                json_object *e = json_object_array_get_idx(s, k);
                const char *name = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
                size_t i = 0;
                while (name && i < SG_HOST_SKIPPED_MAX && strcmp(name, inputs[i]) != 0)
                        i++;
                if (!name || i == SG_HOST_SKIPPED_MAX)
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "skipped[%zu]: expected \"texts\", \"related\" or \"attachment_types\"", k);
                if (seen[i])
                        return sg_error_set(err, SG_ERR_REQUEST, "skipped: \"%s\" named twice", inputs[i]);
                seen[i] = true;
        }
        for (size_t i = 0; i < SG_HOST_SKIPPED_MAX; i++)
                if (seen[i] && reads(p, i))
                        return sg_error_set(err, SG_ERR_INPUT_SKIPPED,
                                            "policy.evaluate: the policy in force reads the message's %s, which this "
                                            "request left out (skipped); gather it and ask again",
                                            inputs[i]);
        return SG_OK;
}
