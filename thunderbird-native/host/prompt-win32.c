/* sealgate-host on Windows: prompt.show shown with the Outlook add-in's
 * TaskDialog (win32-common/prompt.c, the same code, not a copy), its answer
 * written as the prompt program's one JSON line (docs/protocol.md,
 * "prompt.show") so that op-prompt.c checks it exactly as on Linux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "prompt-win32.h"
#include "prompt.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"

void sg_win_prompt_run(const sg_decision *d, const char *subject, const char *lang, sg_win_prompt_out *out) {
        memset(out, 0, sizeof *out);
        sg_prompt_input in = {
                .lang = strcmp(lang, "ja") == 0   ? SG_LANG_JA
                        : strcmp(lang, "en") == 0 ? SG_LANG_EN
                                                  : sg_lang_from_langid(GetUserDefaultUILanguage()),
                .decision = d,
                .subject = subject,
        };
        sg_prompt_answer ans;
        sg_prompt_ask(&in, &ans);
        if (ans.error) {
                /* No dialog could be shown: the host answers prompt_unavailable
                 * and the extension takes the decision's fallback outcome. */
                out->end = SG_PROMPT_NOT_STARTED;
                snprintf(out->detail, sizeof out->detail, "no dialog can be shown on this desktop (%s)", ans.error);
                free(ans.justification);
                return;
        }
        if (strcmp(ans.by, "timeout") == 0) {
                out->end = SG_PROMPT_TIMED_OUT;
                free(ans.justification);
                return;
        }
        out->end = SG_PROMPT_EXITED;
        char id[SG_CHOICE_ID_SIZE];
        json_object *o = json_object_new_object();
        if (o && ans.choice < d->n_choices) {
                json_object_object_add(o, "choice", json_object_new_string(sg_choice_id(&d->choices[ans.choice], id)));
                json_object_object_add(o, "by", json_object_new_string(ans.by));
                if (ans.justification)
                        json_object_object_add(o, "justification", json_object_new_string(ans.justification));
                if (ans.bcc_declined)
                        json_object_object_add(o, "bcc", json_object_new_string("keep"));
                const char *s =
                        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                out->answer = s ? sg_strdup(s) : NULL;
        }
        json_object_put(o);
        free(ans.justification);
        if (!out->answer)
                out->status = 1; /* prompt_failed: out of memory */
}
