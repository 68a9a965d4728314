/* sealgate CLI: a policy decision as text for an administrator (the text
 * output of `policy-check`), shared by the Linux command (sealgate.c) and
 * the Windows one (win32/sealgate-win32.c). */
#include <stdio.h>
#include <string.h>

#include "decision-text.h"
#include "term.h"

/* ---- Human-readable output: every text that comes from the message or the
 * policy goes through T() (term.h), so it cannot forge a line. */
#define T sg_cli_text

static void print_mailbox(const sg_mailbox *m) {
        if (m->display_name && *m->display_name && strpbrk(m->display_name, ",;:<>@\"\\()")) {
                /* quoted, so "Doe, John" reads as one person */
                putchar('"');
                for (const char *p = T(m->display_name); *p; p++) { /* T() has doubled the backslashes */
                        if (*p == '"')
                                putchar('\\');
                        putchar(*p);
                }
                printf("\" <%s@%s>", T(m->local), T(m->domain));
        } else if (m->display_name && *m->display_name) {
                printf("%s <%s@%s>", T(m->display_name), T(m->local), T(m->domain));
        } else {
                printf("%s@%s", T(m->local), T(m->domain));
        }
        /* a Unicode domain also in the form that is compared: lookalikes show */
        if (m->domain_ascii && strcmp(m->domain, m->domain_ascii) != 0)
                printf(" (%s)", T(m->domain_ascii));
}

static void print_headers(const char *indent, const sg_header *h, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%s%s: %s\n", indent, T(h[i].name), T(h[i].value));
}

void sg_cli_print_decision(const char *file, const sg_decision *d) {
        printf("%s\n", T(file));
        printf("  action: %s", sg_action_name(d->action));
        if (d->action == SG_ACTION_ROUTE && d->route)
                printf(" %s", T(d->route));
        printf("\n");

        printf("  recipients: %zu, %zu external in %zu domain%s\n", d->n_recipients, d->n_external,
               d->n_external_domains, d->n_external_domains == 1 ? "" : "s");
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *r = &d->recipients[i];
                printf("    %-4s %-9s ", sg_field_name(r->field), sg_class_name(r->cls));
                print_mailbox(&r->mailbox);
                printf("  [%s%s%s]", sg_rule_name(r->rule), r->matched ? " " : "", r->matched ? T(r->matched) : "");
                if (r->mailbox.group)
                        printf(" (group %s)", T(r->mailbox.group));
                printf("\n");
        }

        printf("  reasons:%s\n", d->n_reasons ? "" : " none");
        for (size_t i = 0; i < d->n_reasons; i++) {
                const sg_reason *r = &d->reasons[i];
                printf("    - %s", sg_reason_code_name(r->code));
                if (r->trigger)
                        printf(" [%s]", T(r->trigger));
                printf(" -> %s", sg_action_name(r->action));
                if (r->detail && *r->detail) {
                        printf(": %s", T(r->detail));
                } else if (r->n_items) {
                        printf(":");
                        for (size_t j = 0; j < r->n_items; j++)
                                printf("%s %s", j ? "," : "", T(r->items[j]));
                }
                printf("\n");
        }

        if (d->n_choices) {
                printf("  choices:\n");
                for (size_t i = 0; i < d->n_choices; i++) {
                        const sg_choice *c = &d->choices[i];
                        printf("    - %s", sg_choice_kind_name(c->kind));
                        if (c->route)
                                printf(" %s", T(c->route));
                        if (c->kind == SG_CHOICE_SEND && d->require_justification)
                                printf(" (justification required)");
                        if (c->subject_tag)
                                printf(" (subject tag %s)", T(c->subject_tag));
                        if (d->action == SG_ACTION_PROMPT && i == d->prompt_fallback)
                                printf(" (taken if no prompt can be shown)");
                        printf("\n");
                        print_headers("        ", c->headers, c->n_headers);
                }
        }

        if (d->action == SG_ACTION_ROUTE) {
                printf("  route headers:%s\n", d->n_headers ? "" : " none");
                print_headers("    ", d->headers, d->n_headers);
                if (d->subject_tag)
                        printf("  subject tag: %s\n", T(d->subject_tag));
        }

        if (d->n_encrypt_methods) {
                printf("  encrypt with:");
                for (size_t i = 0; i < d->n_encrypt_methods; i++)
                        printf("%s %s", i ? "," : "", d->encrypt_methods[i]);
                printf("\n");
        }
        if (d->n_encrypt_fallback) {
                printf("  fallback routes:");
                for (size_t i = 0; i < d->n_encrypt_fallback; i++)
                        printf("%s %s", i ? "," : "", T(d->encrypt_fallback[i]));
                printf("\n");
        }
        printf("\n");
}
