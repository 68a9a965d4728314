/* sealgate Windows code: a scripted answer to the prompt (see prompt.h,
 * sg_prompt_scripted_answer), the one place tests turn a choice id into an
 * answer: the test builds' SEALGATE_TEST_PROMPT_CHOICE hook (prompt.c) and
 * the parity test (tests/parity). No Windows API, so the parity test
 * compiles it as it is. */
#include <stdlib.h>
#include <string.h>

#include "prompt.h"
#include "sealgate/outcome.h"

bool sg_prompt_scripted_answer(const sg_decision *d, const char *want, const char *justification,
                               sg_prompt_answer *ret) {
        const sg_choice *c;
        char id[SG_CHOICE_ID_SIZE + 5];
        size_t n = strlen(want);
        memset(ret, 0, sizeof *ret);
        if (n > 5 && n < sizeof id && strcmp(want + n - 5, "+keep") == 0) {
                memcpy(id, want, n - 5);
                id[n - 5] = '\0';
                want = id;
                ret->bcc_declined = d->bcc_mode == SG_BCC_ASK;
        }
        if (want[0] == '@') {
                bool fb = strcmp(want, "@fallback") == 0;
                ret->choice = fb ? d->prompt_fallback : d->n_choices;
                for (size_t i = 0; !fb && i < d->n_choices; i++)
                        if (d->choices[i].kind == SG_CHOICE_CANCEL)
                                ret->choice = i;
                ret->by = fb                              ? "fallback"
                          : strcmp(want, "@escape") == 0  ? "escape"
                          : strcmp(want, "@timeout") == 0 ? "timeout"
                                                          : "close";
                ret->error = fb ? "prompt_unavailable" : NULL;
                ret->bcc_declined = false;
                return ret->choice < d->n_choices;
        }
        c = sg_decision_choice(d, want);
        if (!c)
                return false;
        ret->choice = (size_t) (c - d->choices);
        ret->by = "button";
        if (c->kind == SG_CHOICE_CANCEL)
                ret->bcc_declined = false;
        if (justification && d->require_justification) {
                ret->justification = malloc(strlen(justification) + 1);
                if (ret->justification)
                        strcpy(ret->justification, justification);
        }
        return true;
}
