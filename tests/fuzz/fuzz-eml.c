/* Fuzz target: an .eml file read by the CLI's MIME reader (cli/eml.c over
 * GMime: the prescan, address headers, charsets, HTML to text, the MIME walk
 * and its limits), and the summary evaluated under a fixed policy. */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "eml.h"
#include "sealgate/policy-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy_text[] =
        "{\"version\":1,\"internal\":{\"domains\":[\"corp.example\"]},"
        "\"triggers\":[{\"type\":\"attachment_extension\",\"extensions\":[\"xlsx\",\"csv\"],\"action\":\"encrypt\"},"
        "{\"type\":\"credit_card\",\"action\":\"block\"},{\"type\":\"my_number\",\"action\":\"block\"},"
        "{\"type\":\"subject_keyword\",\"keywords\":[\"secret\"],\"action\":\"encrypt\"},"
        "{\"type\":\"body_pattern\",\"patterns\":[\"falcon\"],\"action\":\"prompt\"}]}";

/* Inputs larger than this only slow the fuzzer down; the file limit itself
 * (SG_EML_FILE_MAX) has its own test in the cli suite. */
#define FUZZ_EML_MAX (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static sg_policy *policy;
        if (!policy) {
                /* a GLib critical is a bug of ours (a NULL where GLib wants a string): crash on it */
                g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
                sg_eml_library_init();
                if (sg_policy_from_json(policy_text, sizeof policy_text - 1, &policy, NULL) != SG_OK)
                        abort();
        }
        if (size > FUZZ_EML_MAX)
                return 0;
        sg_eml *eml = NULL;
        if (sg_eml_load_data((const char *) data, size, &eml, NULL) != SG_OK)
                return 0;
        sg_decision *d = NULL;
        if (sg_policy_evaluate(policy, sg_eml_message(eml), &d, NULL) == SG_OK)
                sg_decision_free(d);
        sg_eml_free(eml);
        return 0;
}
