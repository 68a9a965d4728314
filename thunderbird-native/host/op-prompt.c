/* sealgate-host: the prompt family: prompt.show (the decision handed to the
 * prompt program as a job), the check of the program's answer against the
 * host's own copy of the decision, and the result with the outcome the
 * client applies, made by the engine's outcome module
 * (core/engine/outcome.c, the same code the Outlook add-in calls). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-private.h"
#include "sealgate/codec.h"
#include "sealgate/frame.h"
#include "sealgate/outcome-json.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"

/* The response to `job`'s request: its result (taken) or `err`. */
static char *respond(const sg_prompt_job *job, json_object *result, const sg_error *err, char **ret_id_json) {
        char *r = result ? sg_host_result_response(job->id_json, result)
                         : sg_host_error_response(job->id_json, err->code, err->message);
        if (r && ret_id_json && !(*ret_id_json = sg_strdup(job->id_json ? job->id_json : "null"))) {
                free(r);
                r = NULL;
        }
        return r;
}

sg_prompt_job *sg_prompt_job_free(sg_prompt_job *job) {
        if (job) {
                free(job->id_json);
                free(job->input);
                free(job);
        }
        return NULL;
}

/* The choice a prompt that could not answer falls back to. */
static const sg_choice *fallback_choice(const sg_decision *d) {
        return d->prompt_fallback < d->n_choices ? &d->choices[d->prompt_fallback] : NULL;
}

/* `code` answers prompt.show for attempt `a` without a user's answer: record
 * the policy's fallback as taken, and the attempt is done. A required audit
 * record that cannot be written turns the answer into audit_failed. */
static sg_err prompt_fail(sg_host *h, struct attempt *a, sg_error *err, sg_err code, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 5, 6)))
#endif
        ;

static sg_err prompt_fail(sg_host *h, struct attempt *a, sg_error *err, sg_err code, const char *fmt, ...) {
        char msg[SG_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        _host_log(h, "prompt for attempt %s: %s: %s", a->id, sg_err_code(code), msg);
        const sg_choice *fb = fallback_choice(a->d);
        a->state = ATTEMPT_DONE;
        a->choice = fb;
        snprintf(a->by, sizeof a->by, "fallback");
        sg_err e =
                _host_audit_write(h, a, fb, "fallback", NULL, sg_audit_outcome_of(a->d, fb), sg_err_code(code), 0, err);
        if (e && a->audit.required)
                return e;
        return sg_error_set(err, code, "%s", msg);
}

static json_object *prompt_result(sg_host *h, const struct attempt *a, const sg_choice *c, const char *by,
                                  const char *justification, sg_error *err);

/* readiness: {"smime"|"openpgp": {identity: bool, not_ready: N}}; at most
 * SG_READINESS_METHODS_MAX members, N at most SG_MSG_RECIPIENTS_MAX. */
#define SG_READINESS_METHODS_MAX 2

static sg_err parse_readiness(json_object *v, sg_readiness_method *m, size_t *ret_n, sg_error *err) {
        *ret_n = 0;
        if (!json_object_is_type(v, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "readiness: expected an object or null");
        if (json_object_object_length(v) > SG_READINESS_METHODS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "readiness: more than %d methods", SG_READINESS_METHODS_MAX);
        json_object_object_foreach(v, key, val) {
                if (strcmp(key, "smime") != 0 && strcmp(key, "openpgp") != 0)
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "readiness.%.*s: unknown method (expected smime, openpgp)",
                                            _host_quote_len(key, 64), key);
                json_object *id, *nr;
                if (!json_object_is_type(val, json_type_object) || !json_object_object_get_ex(val, "identity", &id) ||
                    !json_object_is_type(id, json_type_boolean) || !json_object_object_get_ex(val, "not_ready", &nr) ||
                    !json_object_is_type(nr, json_type_int))
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "readiness.%s: expected {identity: boolean, not_ready: integer}", key);
                int64_t n = json_object_get_int64(nr);
                if (n < 0 || n > SG_MSG_RECIPIENTS_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "readiness.%s.not_ready: not between 0 and %d", key,
                                            SG_MSG_RECIPIENTS_MAX);
                m[*ret_n].method = strcmp(key, "smime") == 0 ? "smime" : "openpgp";
                m[*ret_n].identity = json_object_get_boolean(id);
                m[*ret_n].not_ready = (size_t) n;
                (*ret_n)++;
        }
        return SG_OK;
}

/* The prompt's input without what `offer` removed, and the one line that says
 * why ("notes": [{code, count}]). False on ENOMEM. */
static bool apply_offer(json_object *in, const sg_offer *offer) {
        json_object *choices, *notes, *note;
        if (!offer->encrypt_removed)
                return true;
        if (json_object_object_get_ex(in, "choices", &choices) && json_object_is_type(choices, json_type_array)) {
                for (size_t i = json_object_array_length(choices); i-- > 0;) {
                        json_object *c = json_object_array_get_idx(choices, i), *k;
                        if (json_object_object_get_ex(c, "kind", &k) &&
                            strcmp(json_object_get_string(k), "encrypt") == 0)
                                json_object_array_del_idx(choices, i, 1);
                }
        }
        if (!(notes = json_object_new_array()) || json_object_object_add(in, "notes", notes) != 0)
                return false;
        return (note = json_object_new_object()) && json_object_array_add(notes, note) == 0 &&
               json_object_object_add(note, "code", json_object_new_string(sg_offer_note_name(offer->note))) == 0 &&
               json_object_object_add(note, "count", json_object_new_int64((int64_t) offer->count)) == 0;
}

const char _host_hlp_prompt_show[] =
        "{attempt, lang, subject, readiness, preselect} -> {choice, kind, by, justification, headers[], subject_tag, "
        "encrypt, "
        "outcome}: "
        "shows "
        "the send prompt for a policy.evaluate decision whose action was prompt; answered when the user "
        "answers, while other requests are served.";

sg_err _host_op_prompt_show(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        json_object *v;
        if (!json_object_object_get_ex(req, "attempt", &v) || !json_object_is_type(v, json_type_string))
                return sg_error_set(err, SG_ERR_REQUEST,
                                    "attempt: required, a string (result.attempt of policy.evaluate)");
        const char *attempt = json_object_get_string(v);
        const char *lang = NULL, *subject = NULL, *preselect = NULL;
        /* preselect: the choice the user made before Send in the compose
         * window's popup (compose-action.js), a choice id. */
        if (json_object_object_get_ex(req, "preselect", &v) && v) {
                if (!json_object_is_type(v, json_type_string))
                        return sg_error_set(err, SG_ERR_REQUEST, "preselect: expected a choice id or null");
                preselect = json_object_get_string(v);
                if ((size_t) json_object_get_string_len(v) >= SG_CHOICE_ID_SIZE)
                        return sg_error_set(err, SG_ERR_LIMIT, "preselect: longer than %zu bytes",
                                            SG_CHOICE_ID_SIZE - 1);
        }
        sg_readiness_method rm[SG_READINESS_METHODS_MAX];
        sg_readiness readiness = {.methods = rm};
        bool have_readiness = false;
        if (json_object_object_get_ex(req, "readiness", &v) && v) {
                sg_err re = parse_readiness(v, rm, &readiness.n_methods, err);
                if (re)
                        return re;
                have_readiness = true;
        }
        if (json_object_object_get_ex(req, "lang", &v) && v) {
                if (!json_object_is_type(v, json_type_string) ||
                    (strcmp(json_object_get_string(v), "ja") != 0 && strcmp(json_object_get_string(v), "en") != 0))
                        return sg_error_set(err, SG_ERR_REQUEST, "lang: expected \"ja\", \"en\" or null");
                lang = json_object_get_string(v);
        }
        if (json_object_object_get_ex(req, "subject", &v) && v) {
                if (!json_object_is_type(v, json_type_string))
                        return sg_error_set(err, SG_ERR_REQUEST, "subject: expected a string or null, got %s",
                                            json_type_to_name(json_object_get_type(v)));
                size_t n = (size_t) json_object_get_string_len(v);
                subject = json_object_get_string(v);
                if (strlen(subject) != n)
                        return sg_error_set(err, SG_ERR_REQUEST, "subject: contains a NUL character");
                if (n > SG_MSG_SUBJECT_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "subject: longer than %d bytes", SG_MSG_SUBJECT_MAX);
        }

        struct attempt *a = _host_attempt_find(h, attempt);
        if (!a)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT,
                                    "attempt \"%.*s\": no such decision (the host keeps the last %d)",
                                    _host_quote_len(attempt, 64), attempt, SG_HOST_ATTEMPTS_MAX);
        if (a->d->action != SG_ACTION_PROMPT)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt %s: the decision was %s, not prompt", a->id,
                                    sg_action_name(a->d->action));
        if (a->state == ATTEMPT_OPEN)
                return sg_error_set(err, SG_ERR_PROMPT_BUSY, "attempt %s: its prompt is already open", a->id);
        if (a->state == ATTEMPT_DONE)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt %s: already answered", a->id);
        if (h->n_open >= SG_HOST_PROMPTS_MAX)
                return prompt_fail(h, a, err, SG_ERR_PROMPT_BUSY, "%d prompts are open already", SG_HOST_PROMPTS_MAX);

        /* The program gets the host's own copy of the decision, less what
         * cannot happen now (sg_decision_offer: the engine decides). */
        sg_decision_offer(a->d, have_readiness ? &readiness : NULL, &a->offer);
        if (a->offer.encrypt_removed)
                _host_log(h, "prompt for attempt %s: \"encrypt\" not offered (%s, %zu)", a->id,
                          sg_offer_note_name(a->offer.note), a->offer.count);
        free(a->subject);
        a->subject = NULL;
        if (subject && !(a->subject = sg_strdup(subject)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        /* The compose window's choice: one the decision offers now (never a
         * removed "encrypt"), else ignored. With the policy's
         * prompt.accept_compose_choice it is the answer (by "compose"), but
         * for "cancel" and for "send" needing a justification; otherwise the
         * prompt shows with it as the default. */
        const sg_choice *pre = NULL;
        for (size_t i = 0; preselect && i < a->d->n_choices && !pre; i++)
                if (sg_choice_is(&a->d->choices[i], preselect))
                        pre = &a->d->choices[i];
        if (preselect && (!pre || (pre->kind == SG_CHOICE_ENCRYPT && a->offer.encrypt_removed))) {
                _host_log(h, "prompt for attempt %s: preselect \"%.*s\" is not offered: ignored", a->id,
                          _host_quote_len(preselect, 64), preselect);
                pre = NULL;
        }
        if (pre && sg_policy_accept_compose_choice(h->policy) && pre->kind != SG_CHOICE_CANCEL &&
            !(pre->kind == SG_CHOICE_SEND && a->d->require_justification)) {
                a->state = ATTEMPT_DONE;
                a->choice = pre;
                snprintf(a->by, sizeof a->by, "compose");
                sg_err e = _host_audit_write(h, a, pre, "compose", NULL, sg_audit_outcome_of(a->d, pre), NULL, 0, err);
                if (e && a->audit.required)
                        return e;
                if (!(out->result = prompt_result(h, a, pre, "compose", NULL, err)))
                        return err && err->code ? err->code : SG_ERR_NOMEM;
                return SG_OK;
        }
        json_object *in = sg_decision_to_json(a->d);
        char pre_id[SG_CHOICE_ID_SIZE];
        if (!in || !apply_offer(in, &a->offer) ||
            (pre && json_object_object_add(in, "preselect", json_object_new_string(sg_choice_id(pre, pre_id))) != 0) ||
            json_object_object_add(in, "attempt", json_object_new_string(a->id)) != 0 ||
            (subject && json_object_object_add(in, "subject", json_object_new_string(subject)) != 0)) {
                json_object_put(in);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        const char *text = json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t len = strlen(text);
        if (len + 1 > SG_PROMPT_INPUT_MAX) {
                json_object_put(in);
                return prompt_fail(h, a, err, SG_ERR_PROMPT_FAILED,
                                   "the decision (%zu bytes) is over the prompt's input limit of %u bytes", len,
                                   SG_PROMPT_INPUT_MAX);
        }
        sg_prompt_job *job = calloc(1, sizeof *job);
        if (job && (job->input = malloc(len + 2))) {
                memcpy(job->input, text, len);
                job->input[len] = '\n';
                job->input[len + 1] = '\0';
                job->input_len = len + 1;
        }
        json_object_put(in);
        if (!job || !job->input) {
                sg_prompt_job_free(job);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        memcpy(job->attempt, a->id, sizeof job->attempt);
        if (lang)
                memcpy(job->lang, lang, 3);
        job->timeout_seconds = a->d->prompt_timeout_seconds;
        a->state = ATTEMPT_OPEN;
        h->n_open++;
        out->prompt = job;
        return SG_OK;
}

/* The outcome of d for choice taken by, its check headers signed when the
 * policy has a check_key: what both writers below write. */
sg_outcome *_host_outcome_new(sg_host *h, const sg_decision *d, const sg_choice *choice, const char *by,
                              const char *justification, const char *subject, const char *encrypt_method,
                              const char *attempt, bool bcc_declined, sg_error *err) {
        sg_outcome_input in = {.choice = choice,
                               .bcc_declined = bcc_declined,
                               .by = by,
                               .justification = justification,
                               .subject = subject,
                               .policy = h->policy,
                               .encrypt_method = encrypt_method,
                               .attempt = attempt,
                               .check_header = attempt ? sg_policy_check_header(h->policy) : NULL,
                               .can_split = true}; /* the extension sends split copies (background/split.js) */
        sg_outcome *o = NULL;
        if (sg_outcome_new(d, &in, &o, err))
                return NULL;
        if (attempt && sg_policy_check_key(h->policy) && !_host_sign_checks(h, d, o, err))
                return sg_outcome_free(o);
        return o;
}

json_object *_host_outcome_json(sg_host *h, const sg_decision *d, const sg_choice *choice, const char *by,
                                const char *justification, const char *subject, const char *encrypt_method,
                                const char *attempt, bool bcc_declined, sg_error *err) {
        sg_outcome *o =
                _host_outcome_new(h, d, choice, by, justification, subject, encrypt_method, attempt, bcc_declined, err);
        if (!o)
                return NULL;
        json_object *j = sg_outcome_to_json(o);
        sg_outcome_free(o);
        if (!j)
                sg_error_set(err, SG_ERR_NOMEM, "out of memory encoding the outcome");
        return j;
}

char *_host_outcome_text(sg_host *h, const sg_decision *d, const sg_choice *choice, const char *by, const char *subject,
                         const char *attempt, sg_error *err) {
        sg_outcome *o = _host_outcome_new(h, d, choice, by, NULL, subject, NULL, attempt, false, err);
        if (!o)
                return NULL;
        sg_jw w = {0};
        sg_outcome_write_json(&w, o);
        sg_outcome_free(o);
        char *t = sg_jw_take(&w, NULL);
        if (!t)
                sg_error_set(err, SG_ERR_NOMEM, "out of memory encoding the outcome");
        return t;
}

/* The prompt.show result for `choice` taken `by`: the answer, the fields of
 * protocol 1 (headers, subject_tag, encrypt: kept for older extensions) and
 * the outcome. NULL on failure (err says why). */
static json_object *prompt_result(sg_host *h, const struct attempt *a, const sg_choice *c, const char *by,
                                  const char *justification, sg_error *err) {
        const sg_decision *d = a->d;
        json_object *oj = _host_outcome_json(h, d, c, by, justification, a->subject, a->offer.method, a->id,
                                             a->bcc_declined, err);
        if (!oj)
                return NULL;
        json_object *r = json_object_new_object(), *enc = NULL, *headers;
        char id[SG_CHOICE_ID_SIZE];
        bool ok = r && json_object_object_add(r, "choice", json_object_new_string(sg_choice_id(c, id))) == 0 &&
                  json_object_object_add(r, "kind", json_object_new_string(sg_choice_kind_name(c->kind))) == 0 &&
                  json_object_object_add(r, "by", json_object_new_string(by)) == 0 &&
                  json_object_object_add(r, "justification",
                                         justification ? json_object_new_string(justification) : NULL) == 0 &&
                  json_object_object_get_ex(oj, "headers", &headers) &&
                  json_object_object_add(r, "headers", json_object_get(headers)) == 0 &&
                  json_object_object_add(r, "subject_tag",
                                         c->subject_tag ? json_object_new_string(c->subject_tag) : NULL) == 0;
        if (ok && c->kind == SG_CHOICE_ENCRYPT) {
                enc = json_object_new_object();
                json_object *m = json_object_new_array(), *f = json_object_new_array();
                for (size_t i = 0; m && i < d->n_encrypt_methods; i++)
                        json_object_array_add(m, json_object_new_string(d->encrypt_methods[i]));
                for (size_t i = 0; f && i < d->n_encrypt_fallback; i++)
                        json_object_array_add(f, json_object_new_string(d->encrypt_fallback[i]));
                ok = enc && m && f && json_object_object_add(enc, "methods", m) == 0 &&
                     json_object_object_add(enc, "fallback", f) == 0;
                if (!ok) {
                        json_object_put(enc);
                        enc = NULL;
                }
        }
        ok = ok && json_object_object_add(r, "encrypt", enc) == 0 && json_object_object_add(r, "outcome", oj) == 0;
        if (ok)
                return r;
        json_object_put(r);
        json_object_put(oj);
        sg_error_set(err, SG_ERR_NOMEM, "out of memory building the prompt.show result");
        return NULL;
}

/* Check the program's answer against the decision. On success *ret_choice,
 * *ret_by and *ret_justification (owned, or NULL) are set; otherwise `why`
 * says what is wrong. */
static int parse_answer(const sg_decision *d, const sg_offer *offer, const char *out, size_t len,
                        const sg_choice **ret_choice, char *by_out, size_t by_cap, char **ret_justification,
                        bool *ret_bcc_declined, char *why, size_t why_cap);

static int parse_answer(const sg_decision *d, const sg_offer *offer, const char *out, size_t len,
                        const sg_choice **ret_choice, char *by_out, size_t by_cap, char **ret_justification,
                        bool *ret_bcc_declined, char *why, size_t why_cap) {
        *ret_justification = NULL;
        *ret_bcc_declined = false;
        if (len > 0 && out[len - 1] == '\n')
                len--;
        if (len > 0 && out[len - 1] == '\r')
                len--;
        if (len == 0) {
                snprintf(why, why_cap, "it printed no answer");
                return 0;
        }
        if (!sg_utf8_valid(out, len) || memchr(out, '\n', len)) {
                snprintf(why, why_cap, "its answer is not one line of UTF-8");
                return 0;
        }
        json_object *o = _host_parse_json_text(out, len, 4, 1);
        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                snprintf(why, why_cap, "its answer is not a JSON object");
                return 0;
        }
        int ok = 0;
        const char *choice = _host_string_member(o, "choice"), *by = _host_string_member(o, "by");
        /* bcc: "keep": the user kept the recipients in To and Cc
         * (rules.convert_to_bcc "ask"); only with a choice that sends. */
        json_object *jv = NULL, *bv = NULL;
        bool has_bcc = json_object_object_get_ex(o, "bcc", &bv) && bv;
        int has_j = json_object_object_get_ex(o, "justification", &jv) && jv;
        const sg_choice *c = NULL;
        for (size_t i = 0; choice && i < d->n_choices && !c; i++)
                if (sg_choice_is(&d->choices[i], choice))
                        c = &d->choices[i];
        if (!choice) {
                snprintf(why, why_cap, "answer.choice: required, a string");
        } else if (!c) {
                snprintf(why, why_cap, "answer.choice: \"%.*s\" is not one of the decision's choices",
                         _host_quote_len(choice, 64), choice);
        } else if (c->kind == SG_CHOICE_ENCRYPT && offer->encrypt_removed) {
                snprintf(why, why_cap, "answer.choice: \"encrypt\" was not offered (%s)",
                         sg_offer_note_name(offer->note));
        } else if (!by || (strcmp(by, "button") != 0 && strcmp(by, "escape") != 0 && strcmp(by, "close") != 0 &&
                           strcmp(by, "timeout") != 0)) {
                snprintf(why, why_cap, "answer.by: expected \"button\", \"escape\", \"close\" or \"timeout\"");
        } else if (strcmp(by, "button") != 0 && c->kind != SG_CHOICE_CANCEL) {
                snprintf(why, why_cap, "answer.by: \"%s\" can only cancel", by);
        } else if (has_bcc &&
                   (!json_object_is_type(bv, json_type_string) || strcmp(json_object_get_string(bv), "keep") != 0)) {
                snprintf(why, why_cap, "answer.bcc: expected \"keep\" or null");
        } else if (has_bcc && (d->bcc_mode != SG_BCC_ASK || c->kind == SG_CHOICE_CANCEL)) {
                snprintf(why, why_cap,
                         "answer.bcc: only with a choice that sends, when the decision asks to move "
                         "recipients to Bcc");
        } else if (c->kind == SG_CHOICE_SEND && d->require_justification) {
                if (!has_j || !json_object_is_type(jv, json_type_string)) {
                        snprintf(why, why_cap, "answer.justification: required for \"send\", a string");
                } else {
                        const char *j = json_object_get_string(jv);
                        size_t n = (size_t) json_object_get_string_len(jv);
                        while (n > 0 && (*j == ' ' || *j == '\t'))
                                j++, n--;
                        while (n > 0 && (j[n - 1] == ' ' || j[n - 1] == '\t'))
                                n--;
                        int ctl = 0;
                        for (size_t i = 0; i < n; i++)
                                ctl = ctl || (unsigned char) j[i] < 0x20 || j[i] == 0x7F;
                        if (n == 0 || n > SG_AUDIT_JUSTIFICATION_MAX)
                                snprintf(why, why_cap, "answer.justification: must be 1 to %d bytes",
                                         SG_AUDIT_JUSTIFICATION_MAX);
                        else if (ctl)
                                snprintf(why, why_cap, "answer.justification: contains a control character");
                        else if (!(*ret_justification = sg_strndup(j, n)))
                                snprintf(why, why_cap, "out of memory");
                        else
                                ok = 1;
                }
        } else if (has_j) {
                snprintf(why, why_cap, "answer.justification: only for \"send\" when the policy requires one");
        } else {
                ok = 1;
        }
        if (ok) {
                *ret_choice = c;
                *ret_bcc_declined = has_bcc;
                snprintf(by_out, by_cap, "%s", by);
        }
        json_object_put(o);
        return ok;
}

static const sg_choice *cancel_choice(const sg_decision *d) {
        for (size_t i = 0; i < d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_CANCEL)
                        return &d->choices[i];
        return NULL;
}

char *sg_host_prompt_done(sg_host *h, const sg_prompt_job *job, const sg_prompt_result *res, char **ret_id_json) {
        if (ret_id_json)
                *ret_id_json = NULL;
        struct attempt *a = _host_attempt_find(h, job->attempt);
        sg_error err;
        if (!a || a->state != ATTEMPT_OPEN) {
                sg_error_set(&err, SG_ERR_INTERNAL, "prompt.show: attempt %s is not open", job->attempt);
                return res->end == SG_PROMPT_ABANDONED ? NULL : respond(job, NULL, &err, ret_id_json);
        }
        h->n_open--;
        const sg_decision *d = a->d;
        const sg_choice *c = NULL;
        char by[16] = "";
        char *justification = NULL;
        bool bcc_declined = false;
        sg_err e = SG_OK;
        switch (res->end) {
        case SG_PROMPT_ABANDONED:
                a->state = ATTEMPT_DONE;
                _host_audit_write(h, a, cancel_choice(d), NULL, NULL, SG_AUDIT_ABANDONED, NULL, 0, NULL);
                return NULL;
        case SG_PROMPT_TIMED_OUT:
                c = cancel_choice(d);
                snprintf(by, sizeof by, "timeout");
                break;
        case SG_PROMPT_NOT_STARTED:
                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_UNAVAILABLE, "%s",
                                res->detail ? res->detail : "the prompt program could not be started");
                break;
        case SG_PROMPT_OVERFLOW:
                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED, "the prompt program wrote more than %d bytes",
                                SG_HOST_PROMPT_OUTPUT_MAX);
                break;
        case SG_PROMPT_SIGNALED:
                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED, "the prompt program was killed by signal %d",
                                res->status);
                break;
        case SG_PROMPT_EXITED:
                if (res->status == 3) {
                        e = prompt_fail(h, a, &err, SG_ERR_PROMPT_UNAVAILABLE,
                                        "the prompt program cannot open a display (exit status 3)");
                } else if (res->status == 2) {
                        e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED,
                                        "the prompt program refused its input (exit status 2)");
                } else if (res->status != 0) {
                        e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED, "the prompt program exited with status %d",
                                        res->status);
                } else {
                        char why[256];
                        if (!parse_answer(d, &a->offer, res->out ? res->out : "", res->out ? res->out_len : 0, &c, by,
                                          sizeof by, &justification, &bcc_declined, why, sizeof why))
                                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED,
                                                "the prompt program gave an invalid answer: %s", why);
                }
                break;
        }
        if (!e && !c)
                e = prompt_fail(h, a, &err, SG_ERR_INTERNAL, "the decision has no cancel choice");
        json_object *result = NULL;
        if (!e) {
                a->state = ATTEMPT_DONE;
                a->choice = c;
                a->bcc_declined = bcc_declined;
                snprintf(a->by, sizeof a->by, "%s", by);
                e = _host_audit_write(h, a, c, by, justification, sg_audit_outcome_of(d, c), NULL, 0, &err);
                if (e && !a->audit.required)
                        e = SG_OK;
        }
        if (!e && !(result = prompt_result(h, a, c, by, justification, &err)))
                e = err.code ? err.code : SG_ERR_NOMEM;
        free(justification);
        return respond(job, result, e ? &err : NULL, ret_id_json);
}
