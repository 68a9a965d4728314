/* sealgate-host: the policy family of ops: version, policy.evaluate and
 * policy.get. Each op's help text stands above its handler. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host-private.h"
#include "sealgate-config.h"
#include "sealgate/addr.h"
#include "sealgate/button.h"
#include "sealgate/codec.h"
#include "sealgate/frame.h"
#include "sealgate/keys.h" /* limits only: no crypto code is called here */
#include "sealgate/policy-json.h"
#include "sealgate/smime.h" /* limits only */
#include "sealgate/util.h"

static void add_int(json_object *o, const char *key, int64_t v) {
        json_object_object_add(o, key, json_object_new_int64(v));
}

const char _host_hlp_version[] =
        "{} -> {name, version, protocol, ops[], limits{}, policy{path, loaded, error, reads}}: what this host is and "
        "whether its policy loaded.";

sg_err _host_op_version(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        _host_policy_refresh(h, false);

        json_object *r = json_object_new_object();
        json_object *names = json_object_new_array();
        json_object *limits = json_object_new_object();
        json_object *pol = json_object_new_object();
        if (!r || !names || !limits || !pol) {
                json_object_put(r);
                json_object_put(names);
                json_object_put(limits);
                json_object_put(pol);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the version result");
        }
        json_object_object_add(r, "name", json_object_new_string("sealgate-host"));
        json_object_object_add(r, "version", json_object_new_string(SG_VERSION));
        add_int(r, "protocol", SG_HOST_PROTOCOL);
        _host_op_names(names);
        json_object_object_add(r, "ops", names);

        add_int(limits, "frame_in", SG_FRAME_IN_MAX);
        add_int(limits, "frame_out", SG_FRAME_OUT_MAX);
        add_int(limits, "chunk_raw", SG_CHUNK_RAW_MAX);
        add_int(limits, "chunked_in", SG_CHUNKED_IN_MAX);
        add_int(limits, "json_depth", SG_HOST_JSON_DEPTH);
        add_int(limits, "json_values", SG_HOST_VALUES_FLOOR);
        add_int(limits, "json_bytes_per_value", SG_HOST_BYTES_PER_VALUE);
        add_int(limits, "id", SG_HOST_ID_MAX);
        add_int(limits, "recipients", SG_MSG_RECIPIENTS_MAX);
        add_int(limits, "address_text", SG_ADDR_TEXT_MAX);
        add_int(limits, "subject", SG_MSG_SUBJECT_MAX);
        add_int(limits, "body", SG_MSG_BODY_MAX);
        add_int(limits, "attachments", SG_MSG_ATTACHMENTS_MAX);
        add_int(limits, "headers", SG_MSG_HEADERS_MAX);
        add_int(limits, "header_name", SG_MSG_HEADER_NAME_MAX);
        add_int(limits, "header_value", SG_MSG_HEADER_VALUE_MAX);
        add_int(limits, "name", SG_MSG_NAME_MAX);
        add_int(limits, "attempts", SG_HOST_ATTEMPTS_MAX);
        add_int(limits, "prompts", SG_HOST_PROMPTS_MAX);
        add_int(limits, "prompt_input", SG_PROMPT_INPUT_MAX);
        add_int(limits, "prompt_output", SG_HOST_PROMPT_OUTPUT_MAX);
        add_int(limits, "streams", SG_HOST_STREAMS_MAX);
        add_int(limits, "stream_input", SG_STREAM_INPUT_MAX);
        add_int(limits, "stream_frames", SG_STREAM_FRAMES_MAX);
        add_int(limits, "stream_param", SG_STREAM_PARAM_MAX);
        add_int(limits, "smime_recipients", SG_SMIME_RECIPIENTS_MAX);
        add_int(limits, "smime_signature", SG_SMIME_SIGNATURE_MAX);
        add_int(limits, "keys_recipients", SG_KEYS_RECIPIENTS_MAX);
        add_int(limits, "keys_address", SG_KEYS_ADDRESS_MAX);
        add_int(limits, "keys_queue", SG_HOST_KEYS_QUEUE_MAX);
        json_object_object_add(r, "limits", limits);

        json_object_object_add(pol, "path", json_object_new_string(h->policy_path));
        json_object_object_add(pol, "loaded", json_object_new_boolean(h->policy != NULL));
        json_object_object_add(pol, "error", _host_policy_error_json(h));
        json_object_object_add(pol, "reads", _host_reads_json(h->policy));
        json_object_object_add(r, "policy", pol);
        out->result = r;
        return SG_OK;
}

/* The sender's address (no display name) from `message.from`, or NULL. */
static char *sender_address(const char *from) {
        if (!from)
                return NULL;
        sg_mailbox_list list = {0};
        char *addr = NULL;
        if (sg_addr_parse_list(from, 1, &list, NULL) == SG_OK && list.n == 1)
                addr = sg_strdup(list.items[0].address);
        sg_mailbox_list_clear(&list);
        return addr;
}

/* One button's members: state, text, route, label (docs/protocol.md,
 * "button"); the caller opens and closes the object. */
static void write_button_members(sg_jw *w, const sg_button *b) {
        sg_jw_key(w, "state");
        sg_jw_string(w, sg_button_state_name(b->state));
        sg_jw_key(w, "text");
        sg_jw_string(w, b->text);
        sg_jw_key(w, "route");
        sg_jw_string(w, b->route);
        sg_jw_key(w, "label");
        if (b->label_en) {
                sg_jw_object_begin(w);
                sg_jw_key(w, "en");
                sg_jw_string(w, b->label_en);
                sg_jw_key(w, "ja");
                sg_jw_string(w, b->label_ja);
                sg_jw_object_end(w);
        } else {
                sg_jw_null(w);
        }
}

/* "button": what the compose window's button shows for decision `d` (the
 * engine's sg_button_of), and under its "choices" what it shows when the
 * user picks each choice of a prompt in advance (cancel is never offered
 * there). */
static void write_buttons(sg_jw *w, const sg_policy *p, const sg_decision *d) {
        sg_button b;
        sg_button_of(d, NULL, p, &b);
        sg_jw_key(w, "button");
        sg_jw_object_begin(w);
        write_button_members(w, &b);
        sg_jw_key(w, "choices");
        sg_jw_object_begin(w);
        for (size_t i = 0; i < d->n_choices; i++) {
                char id[SG_CHOICE_ID_SIZE];
                if (d->choices[i].kind == SG_CHOICE_CANCEL)
                        continue;
                sg_button_of(d, &d->choices[i], p, &b);
                sg_jw_key(w, sg_choice_id(&d->choices[i], id));
                sg_jw_object_begin(w);
                write_button_members(w, &b);
                sg_jw_object_end(w);
        }
        sg_jw_object_end(w);
        sg_jw_object_end(w);
}

/* The response written straight into one buffer: {"id":…,"result":{the
 * decision…,"attempt":…,"outcome":…,"fallback_outcome":…}}, the text
 * sg_decision_to_json's tree would give with those members; attempt NULL
 * for a preview. Takes outcome and fallback. NULL on ENOMEM. */
static char *evaluate_response(const char *id_json, const sg_policy *p, const sg_decision *d, const char *attempt,
                               char *outcome, char *fallback) {
        sg_jw w = {0};
        sg_jw_raw(&w, "{\"id\":", 6);
        sg_jw_raw(&w, id_json, strlen(id_json));
        sg_jw_key_lit(&w, "result");
        sg_jw_object_begin(&w);
        sg_decision_write_json_members(&w, d);
        sg_jw_key_lit(&w, "attempt");
        if (attempt)
                sg_jw_string(&w, attempt);
        else
                sg_jw_null(&w);
        const char *const members[2] = {outcome, fallback};
        static const char *const names[2] = {"outcome", "fallback_outcome"};
        for (int k = 0; k < 2; k++) {
                sg_jw_key(&w, names[k]);
                if (members[k])
                        sg_jw_raw(&w, members[k], strlen(members[k]));
                else
                        sg_jw_null(&w);
        }
        _host_reads_write(&w, p);
        write_buttons(&w, p, d);
        sg_jw_object_end(&w);
        sg_jw_object_end(&w);
        free(outcome);
        free(fallback);
        return sg_jw_take(&w, NULL);
}

const char _host_hlp_policy_evaluate[] =
        "{message:{from, to[], cc[], bcc[], subject, body, attachments[], headers}, preview, skipped[]} -> the "
        "decision (action, recipients, reasons, choices, route headers) under the policy in force, with its "
        "outcome (or, for a prompt, fallback_outcome) and reads{texts, related}; preview: true for the compose "
        "window's button (no attempt, no audit record); skipped: inputs left out (input_skipped when the policy "
        "reads one).";

sg_err _host_op_policy_evaluate(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        json_object *m;
        if (!json_object_object_get_ex(req, "message", &m) || !json_object_is_type(m, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "message: required, an object");

        /* preview: what the message would get now, for the compose window's
         * button (docs/protocol.md): no attempt is kept and nothing is
         * audited, since nothing is being sent. */
        bool preview = false;
        json_object *pv;
        if (json_object_object_get_ex(req, "preview", &pv) && pv) {
                if (!json_object_is_type(pv, json_type_boolean))
                        return sg_error_set(err, SG_ERR_REQUEST, "preview: expected a boolean or null, got %s",
                                            json_type_to_name(json_object_get_type(pv)));
                preview = json_object_get_boolean(pv);
        }
        _host_policy_refresh(h, false);
        if (!h->policy) {
                if (err)
                        *err = h->policy_err;
                return h->policy_err.code;
        }
        sg_err e = _host_check_skipped(h->policy, req, err);
        if (e)
                return e;
        sg_message_buf buf = {0};
        e = sg_message_from_json(m, &buf, err);
        if (e)
                return e;
        sg_decision *d = NULL;
        e = sg_policy_evaluate(h->policy, &buf.msg, &d, err);
        char *sender = e || preview ? NULL : sender_address(buf.msg.from);
        struct attempt a = {0};
        if (!e && !preview && !_host_random_attempt(a.id)) {
                sg_message_buf_clear(&buf);
                sg_decision_free(d);
                free(sender);
                return sg_error_set(err, SG_ERR_INTERNAL, "policy.evaluate: no random bytes for the attempt id");
        }
        /* What the client does: the outcome of a decision that needs no
         * prompt; for a prompt, the outcome of the policy's fallback choice,
         * taken when no prompt can be shown. */
        char *outcome = NULL, *fallback = NULL;
        sg_error oe;
        if (!e && d->action != SG_ACTION_PROMPT &&
            !(outcome = _host_outcome_text(h, d, NULL, NULL, buf.msg.subject, preview ? NULL : a.id, &oe)))
                e = oe.code;
        else if (!e && d->action == SG_ACTION_PROMPT && d->prompt_fallback < d->n_choices &&
                 !(fallback = _host_outcome_text(h, d, &d->choices[d->prompt_fallback], "fallback", buf.msg.subject,
                                                 preview ? NULL : a.id, &oe)))
                e = oe.code;
        if (e && d && err)
                *err = oe;
        sg_message_buf_clear(&buf);
        if (e) {
                sg_decision_free(d);
                free(sender);
                return e;
        }
        if (preview) {
                char *text = evaluate_response(id_json, h->policy, d, NULL, outcome, fallback);
                sg_decision_free(d);
                if (!text)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory encoding the decision");
                out->response = text;
                return SG_OK;
        }
        a.d = d;
        a.sender = sender;
        if (!_host_attempt_copy_audit(&a, sg_policy_audit(h->policy))) {
                free(outcome);
                free(fallback);
                _host_attempt_clear(&a);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        /* A prompt is recorded when it is answered; a required log must be
         * writable now, or the answer could not be recorded then. */
        a.state = d->action == SG_ACTION_PROMPT ? ATTEMPT_PENDING : ATTEMPT_DONE;
        e = _host_audit_write(h, &a, NULL, NULL, NULL, sg_audit_outcome_of(d, NULL), NULL, a.state == ATTEMPT_PENDING,
                              err);
        if (e && a.audit.required) {
                free(outcome);
                free(fallback);
                _host_attempt_clear(&a);
                return e;
        }

        char *text = evaluate_response(id_json, h->policy, d, a.id, outcome, fallback);
        if (!text) {
                _host_attempt_clear(&a);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory encoding the decision");
        }
        struct attempt *slot = _host_attempt_slot(h);
        a.seq = ++h->attempt_seq;
        *slot = a;
        out->response = text;
        return SG_OK;
}

sg_err _host_read_bounded(const char *path, size_t max, char **ret_text, size_t *ret_len, file_id *ret_id,
                          sg_error *err) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fileno(f), &st) != 0) {
                int e = errno;
                fclose(f);
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(e));
        }
        if (S_ISDIR(st.st_mode)) {
                fclose(f);
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: it is a directory", path);
        }
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        sg_err r = buf ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
        while (!r) {
                if (len + 1 >= cap) {
                        char *nb = realloc(buf, cap * 2);
                        if (!nb) {
                                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
                size_t got = fread(buf + len, 1, cap - len - 1, f);
                len += got;
                if (len > max)
                        r = sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %zu bytes", path, max);
                else if (got == 0 && ferror(f))
                        r = sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
                else if (got == 0)
                        break;
        }
        fclose(f);
        if (r) {
                free(buf);
                return r;
        }
        buf[len] = '\0';
        if (ret_id)
                _host_file_id_from_stat(&st, ret_id);
        *ret_text = buf;
        *ret_len = len;
        return SG_OK;
}

const char _host_hlp_policy_get[] =
        "{} -> {path, loaded, error, policy}: the policy file in force as JSON (comments dropped), for display.";

/* The policy in force, as the administrator wrote it, for the options page.
 * The text is read again and shown only when it is the very file that was
 * validated (same identity), so what is shown is what is enforced. */
sg_err _host_op_policy_get(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        for (int attempt = 0; attempt < 3; attempt++) {
                _host_policy_refresh(h, attempt > 0);
                json_object *shown = NULL;
                /* Windows: the registry policy has no file text to show:
                 * `policy` is null, `path` names the keys (docs/protocol.md). */
                if (SG_HOST_POLICY_FILE && h->policy) {
                        char *text = NULL;
                        size_t len = 0;
                        file_id id;
                        sg_error rerr;
                        if (_host_read_bounded(h->policy_path, SG_POLICY_FILE_MAX, &text, &len, &id, &rerr) != SG_OK)
                                continue; /* gone or replaced since: refresh again */
                        if (memcmp(&id, &h->policy_id, sizeof id) != 0) {
                                free(text);
                                continue;
                        }
                        shown = _host_parse_json_text(text, len, SG_POLICY_JSON_DEPTH, 0);
                        free(text);
                        if (!shown)
                                return sg_error_set(err, SG_ERR_INTERNAL,
                                                    "policy.get: the validated policy file %s does not parse again",
                                                    h->policy_path);
                }
                json_object *r = json_object_new_object();
                if (!r) {
                        json_object_put(shown);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the policy.get result");
                }
                json_object_object_add(r, "path", json_object_new_string(h->policy_path));
                json_object_object_add(r, "loaded", json_object_new_boolean(h->policy != NULL));
                json_object_object_add(r, "error", _host_policy_error_json(h));
                json_object_object_add(r, "policy", shown);
                out->result = r;
                return SG_OK;
        }
        return sg_error_set(err, SG_ERR_IO, "policy file %s kept changing while being read", h->policy_path);
}
