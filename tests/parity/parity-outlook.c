/* sealgate tests: the Outlook side of the parity test (tests/parity). Built
 * with mingw-w64 and run under Wine; reads the rows that parity.py writes
 * (tab-separated commands on stdin: the registry key holding a policy, which
 * parity.py wrote from the same JSON the host reads and imported with regedit,
 * then per row a message and the prompt's scripted answer) and, for each, does
 * what the add-in does: reads the policy with the add-in's registry reader
 * (win32-common/policy-reg.c), then at ItemSend sg_policy_evaluate, the add-in's own choice of
 * the outcome input (win32-mapi/send-input.c: decision, toggles, answer),
 * sg_outcome_new and the audit record (sg_outcome_audit_record,
 * sg_audit_format). Prints one JSON line per row: the outcome and the audit
 * line, for parity.py to hold against the Thunderbird side.
 *
 *   policy  policy_reg SUBKEY (under HKCU)
 *   row     row NAME | from F | to A | cc A | bcc A | subject S | body B (\n as \\n) |
 *           attach NAME SIZE TYPE | header N V | answer ID|@escape|@close|@timeout|@fallback|- |
 *           related A | justification J | go */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json-put.h"
#include "policy-reg.h"
#include "ribbon-state.h"
#include "sealgate/addr.h"
#include "sealgate/audit.h"
#include "sealgate/outcome.h"
#include "sealgate/policy.h"
#include "send.h"

#define LINE_MAX_BYTES (1u << 20)
#define FIELDS_MAX     64
#define LIST_MAX       64

static sg_policy *policy;

static void die(const char *what, const char *detail) {
        printf("{\"fatal\":\"%s: %s\"}\n", what, detail ? detail : "");
        exit(2);
}

static void put_headers(const sg_header *h, size_t n) {
        putchar('[');
        for (size_t i = 0; i < n; i++) {
                fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
                sg_test_put_json(h[i].name);
                fputs(",\"value\":", stdout);
                sg_test_put_json(h[i].value);
                putchar('}');
        }
        putchar(']');
}

/* The policy the add-in reads: the registry reader (win32-common/policy-reg.c)
 * over the key parity.py imported, HKCU\\<subkey>, as the mandatory source. */
static void policy_cmd(char **f, size_t n) {
        sg_error err = {0};
        if (strcmp(f[0], "policy_reg") != 0 || n != 2)
                die("unknown policy command", f[0]);
        sg_reg_root m = {HKEY_CURRENT_USER, f[1]};
        sg_policy_free(policy);
        policy = NULL;
        if (sg_policy_from_registry(&m, NULL, &policy, &err))
                die("the registry policy", err.message);
}

typedef struct row {
        char *name, *from, *subject, *body, *answer, *justification;
        char *to[LIST_MAX], *cc[LIST_MAX], *bcc[LIST_MAX], *related[LIST_MAX];
        size_t n_to, n_cc, n_bcc, n_related;
        sg_attachment att[LIST_MAX];
        size_t n_att;
        sg_header hdr[LIST_MAX];
        size_t n_hdr;
} row;

static char *dup(const char *s) {
        char *d = malloc(strlen(s) + 1);
        if (!d)
                die("memory", NULL);
        return strcpy(d, s);
}

/* The sender's address without display name, as the add-in reads it. */
static char *sender_of(const char *from) {
        sg_mailbox_list l = {0};
        char *a = NULL;
        if (from && sg_addr_parse_list(from, 1, &l, NULL) == SG_OK && l.n == 1)
                a = dup(l.items[0].address);
        sg_mailbox_list_clear(&l);
        return a;
}

static void put_button(const sg_button *b) {
        printf("{\"state\":");
        sg_test_put_json(sg_button_state_name(b->state));
        printf(",\"text\":");
        sg_test_put_json(b->text);
        printf(",\"route\":");
        sg_test_put_json(b->route);
        printf(",\"label\":");
        if (b->label_en) {
                printf("{\"en\":");
                sg_test_put_json(b->label_en);
                printf(",\"ja\":");
                sg_test_put_json(b->label_ja);
                putchar('}');
        } else {
                printf("null");
        }
        putchar('}');
}

/* What the ribbon shows before Send (win32-mapi/ribbon-state.c), as the
 * add-in computes it, with no toggle and, for a prompt, with each toggle
 * that stands for one of its choices (Encrypt: "encrypt"; Send securely:
 * "route:portal"). Readiness is not looked up here (no certificates), as the
 * Thunderbird button does not use it either. */
static void put_buttons(const sg_decision *d) {
        sg_button b;
        sg_ribbon_button(policy, d, false, false, SG_RIBBON_READY_UNKNOWN, &b);
        printf(",\"button\":");
        put_button(&b);
        printf(",\"button_choices\":{");
        bool first = true;
        for (size_t i = 0; d->action == SG_ACTION_PROMPT && i < d->n_choices; i++) {
                const sg_choice *c = &d->choices[i];
                bool enc = c->kind == SG_CHOICE_ENCRYPT;
                if (!enc && !(c->kind == SG_CHOICE_ROUTE && strcmp(c->route, "portal") == 0))
                        continue;
                sg_ribbon_button(policy, d, enc, !enc, SG_RIBBON_READY_UNKNOWN, &b);
                printf(first ? "\"%s\":" : ",\"%s\":", enc ? "encrypt" : "route:portal");
                put_button(&b);
                first = false;
        }
        putchar('}');
}

/* The test hook's answer (win32-mapi/prompt.c test_answer), without the dialog. */
static void run_row(row *r) {
        sg_message m = {.from = r->from,
                        .to = (const char *const *) r->to,
                        .n_to = r->n_to,
                        .cc = (const char *const *) r->cc,
                        .n_cc = r->n_cc,
                        .bcc = (const char *const *) r->bcc,
                        .n_bcc = r->n_bcc,
                        .subject = r->subject,
                        .body = r->body,
                        .body_len = r->body ? strlen(r->body) : 0,
                        .attachments = r->att,
                        .n_attachments = r->n_att,
                        .headers = r->hdr,
                        .n_headers = r->n_hdr,
                        .related = (const char *const *) r->related,
                        .n_related = r->n_related};
        sg_decision *d = NULL;
        sg_error err = {0};
        printf("{\"row\":");
        sg_test_put_json(r->name);
        if (sg_policy_evaluate(policy, &m, &d, &err)) {
                printf(",\"error\":");
                sg_test_put_json(sg_err_code(err.code));
                printf("}\n");
                return;
        }
        sg_prompt_answer ans = {0};
        bool asked = sg_send_needs_prompt(d, false, false);
        if (asked && !sg_prompt_scripted_answer(d, r->answer ? r->answer : "-", r->justification, &ans))
                die("answer not among the choices", r->answer);
        sg_choice own;
        sg_outcome_input in;
        sg_send_outcome_input(policy, d, false, false, asked ? &ans : NULL, r->subject, &own, &in);
        sg_outcome *o = NULL;
        if (sg_outcome_new(d, &in, &o, &err))
                die("outcome", err.message);
        /* The rule that took "send" out, which every prompt names. */
        printf(",\"send_removed_by\":");
        sg_test_put_json(d->action == SG_ACTION_PROMPT && d->send_removed_by < d->n_reasons
                                 ? d->reasons[d->send_removed_by].trigger
                                 : NULL);
        put_buttons(d);
        printf(",\"action\":");
        sg_test_put_json(sg_outcome_action_name(o->action));
        printf(",\"choice\":");
        sg_test_put_json(o->choice);
        printf(",\"headers\":");
        put_headers(o->headers, o->n_headers);
        printf(",\"subject\":");
        sg_test_put_json(o->subject);
        printf(",\"route\":");
        sg_test_put_json(o->route);
        printf(",\"methods\":[");
        for (size_t i = 0; i < o->n_encrypt_methods; i++) {
                if (i)
                        putchar(',');
                sg_test_put_json(o->encrypt_methods[i]);
        }
        printf("],\"fallback\":[");
        for (size_t i = 0; i < o->n_fallback; i++) {
                printf(i ? ",{\"route\":" : "{\"route\":");
                sg_test_put_json(o->fallback[i].name);
                printf(",\"headers\":");
                put_headers(o->fallback[i].headers, o->fallback[i].n_headers);
                printf(",\"subject\":");
                sg_test_put_json(o->fallback[i].subject);
                putchar('}');
        }
        printf("],\"split\":%s", o->split ? "true" : "false");
        printf(",\"bcc\":");
        if (o->n_bcc_moved) {
                printf("{\"move\":[");
                for (size_t i = 0; i < o->n_bcc_moved; i++) {
                        if (i)
                                putchar(',');
                        sg_test_put_json(o->bcc_moved[i]);
                }
                printf("],\"to_placeholder\":");
                sg_test_put_json(o->to_placeholder);
                putchar('}');
        } else {
                printf("null");
        }
        printf(",\"delay\":");
        if (o->delay_seconds)
                printf("{\"seconds\":%u,\"skippable\":%s,\"mode\":\"%s\"}", o->delay_seconds,
                       o->delay_skippable ? "true" : "false", sg_delay_mode_name(o->delay_mode));
        else
                printf("null");
        sg_audit_record rec = {0};
        char *sender = sender_of(r->from), *line = NULL;
        size_t len = 0;
        sg_outcome_audit_record(o, d, &in, &rec);
        rec.time_ms = 0;
        rec.attempt = "0";
        rec.client = "outlook";
        rec.sender = sender;
        if (sg_audit_format(&rec, &line, &len, &err))
                die("audit", err.message);
        if (len && line[len - 1] == '\n')
                line[len - 1] = '\0';
        printf(",\"audit\":%s}\n", line);
        free(line);
        free(sender);
        free(ans.justification);
        sg_outcome_free(o);
        sg_decision_free(d);
}

/* Split `s` at tabs into f (in place); the number of fields. */
static size_t split(char *s, char **f) {
        size_t n = 0;
        f[n++] = s;
        for (char *p = s; *p && n < FIELDS_MAX; p++)
                if (*p == '\t') {
                        *p = '\0';
                        f[n++] = p + 1;
                }
        return n;
}

static void unescape_nl(char *s) {
        char *o = s;
        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] == 'n') {
                        *o++ = '\n';
                        p++;
                } else {
                        *o++ = *p;
                }
        }
        *o = '\0';
}

int main(void) {
        static char line[LINE_MAX_BYTES];
        char *f[FIELDS_MAX];
        row r = {0};
        bool in_policy = false;
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        while (fgets(line, sizeof line, stdin)) {
                size_t l = strlen(line);
                while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
                        line[--l] = '\0';
                if (!l)
                        continue;
                size_t n = split(line, f);
                if (strcmp(f[0], "policy-begin") == 0) {
                        in_policy = true;
                } else if (strcmp(f[0], "policy-end") == 0) {
                        in_policy = false;
                } else if (in_policy) {
                        policy_cmd(f, n);
                } else if (strcmp(f[0], "row") == 0 && n == 2) {
                        memset(&r, 0, sizeof r);
                        r.name = dup(f[1]);
                } else if (strcmp(f[0], "from") == 0 && n == 2) {
                        r.from = dup(f[1]);
                } else if (strcmp(f[0], "to") == 0 && n == 2 && r.n_to < LIST_MAX) {
                        r.to[r.n_to++] = dup(f[1]);
                } else if (strcmp(f[0], "cc") == 0 && n == 2 && r.n_cc < LIST_MAX) {
                        r.cc[r.n_cc++] = dup(f[1]);
                } else if (strcmp(f[0], "bcc") == 0 && n == 2 && r.n_bcc < LIST_MAX) {
                        r.bcc[r.n_bcc++] = dup(f[1]);
                } else if (strcmp(f[0], "related") == 0 && n == 2 && r.n_related < LIST_MAX) {
                        r.related[r.n_related++] = dup(f[1]);
                } else if (strcmp(f[0], "subject") == 0) {
                        r.subject = dup(n > 1 ? f[1] : "");
                } else if (strcmp(f[0], "body") == 0 && n == 2) {
                        unescape_nl(f[1]);
                        r.body = dup(f[1]);
                } else if (strcmp(f[0], "attach") == 0 && n == 4 && r.n_att < LIST_MAX) {
                        r.att[r.n_att].name = dup(f[1]);
                        r.att[r.n_att].size = strtoull(f[2], NULL, 10);
                        r.att[r.n_att++].content_type = strcmp(f[3], "-") == 0 ? NULL : dup(f[3]);
                } else if (strcmp(f[0], "header") == 0 && n == 3 && r.n_hdr < LIST_MAX) {
                        r.hdr[r.n_hdr].name = dup(f[1]);
                        r.hdr[r.n_hdr++].value = dup(f[2]);
                } else if (strcmp(f[0], "answer") == 0 && n == 2) {
                        r.answer = dup(f[1]);
                } else if (strcmp(f[0], "justification") == 0 && n == 2) {
                        r.justification = dup(f[1]);
                } else if (strcmp(f[0], "go") == 0) {
                        run_row(&r); /* the row's strings are left to the process's end */
                } else {
                        die("unknown line", f[0]);
                }
        }
        fflush(stdout);
        sg_policy_free(policy);
        return 0;
}
