/* Unit tests of the policy engine (policy-schema.c, policy.c,
 * policy-eval.c), as tables: evaluation rows (policy setup, message,
 * expected action, recipients, reasons, choices, route/encryption details),
 * evaluation error rows, builder error rows; then the limits one past, the
 * settings table, and 10,000 recipients against 10,000 domains checked for
 * correctness. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sealgate/policy.h"
#include "sealgate/util.h"
#include "sg-test.h"

static int setup_failures;

/* A builder call in a setup function: it must succeed. */
#define B(call)                                                                                                        \
        do {                                                                                                           \
                sg_error e_ = {0};                                                                                     \
                sg_err r_ = (call);                                                                                    \
                if (r_) {                                                                                              \
                        setup_failures++;                                                                              \
                        sg_test_diag("setup: %s failed: %s: %s", #call, sg_err_code(r_), e_.message);                  \
                }                                                                                                      \
        } while (0)
#define E (&e_)

#define LIST(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

/* ---- Policies ------------------------------------------------------------ */

/* The organisation every row starts from. */
static void base(sg_policy *p) {
        B(sg_policy_add_internal_domain(p, "corp.example", E));
        B(sg_policy_add_internal_domain(p, "*.corp.example", E));
        B(sg_policy_add_internal_domain(p, "Group.EXAMPLE.", E));
        B(sg_policy_add_internal_domain(p, "*.wild.example", E));
        B(sg_policy_add_internal_domain(p, "\xe4\xbe\x8b\xe3\x81\x88.jp", E)); /* 例え.jp */
        B(sg_policy_add_internal_domain(p, "xn--bcher-kva.example", E));       /* bücher.example */
        B(sg_policy_add_internal_domain(p, "corp.example", E));                /* duplicates are fine */
        B(sg_policy_add_internal_address(p, "Liaison@Partner.example", E));
        B(sg_policy_add_internal_address(p, "lead@contractor.corp.example", E));
        B(sg_policy_add_internal_address(p, "dual@corp.example", E));
        B(sg_policy_add_exception_domain(p, "contractor.corp.example", E));
        B(sg_policy_add_exception_domain(p, "*.ext.corp.example", E));
        B(sg_policy_add_exception_address(p, "ceo-private@corp.example", E));
        B(sg_policy_add_exception_address(p, "Dual@CORP.example", E));
        B(sg_policy_add_route(p, "portal", E));
        B(sg_policy_add_route_header(p, "portal", "X-Secure-Send", "portal", E));
        B(sg_policy_add_route_header(p, "portal", "X-Gateway-Action", "encrypt", E));
        B(sg_policy_set_route_subject_tag(p, "portal", "[secure]", E));
        B(sg_policy_add_route(p, "zip", E));
        B(sg_policy_add_route_header(p, "zip", "X-Zip", "yes", E));
}

static void ext_block(sg_policy *p) {
        base(p);
        B(sg_policy_set_external_action(p, SG_ACTION_BLOCK, NULL, E));
}

static void ext_allow(sg_policy *p) {
        base(p);
        B(sg_policy_set_external_action(p, SG_ACTION_ALLOW, NULL, E));
}

static void ext_route(sg_policy *p) {
        base(p);
        B(sg_policy_set_external_action(p, SG_ACTION_ROUTE, "portal", E));
}

static void ext_encrypt(sg_policy *p) {
        base(p);
        B(sg_policy_set_external_action(p, SG_ACTION_ENCRYPT, NULL, E));
        B(sg_policy_add_encrypt_fallback(p, "portal", E));
        B(sg_policy_add_encrypt_fallback(p, "zip", E));
}

static void ext_encrypt_pgp(sg_policy *p) {
        base(p);
        B(sg_policy_set_external_action(p, SG_ACTION_ENCRYPT, NULL, E));
        B(sg_policy_add_encrypt_method(p, "openpgp", E));
}

static void choices(sg_policy *p) {
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_ROUTE, "portal", E));
        B(sg_policy_add_choice(p, SG_CHOICE_SEND, NULL, E));
        B(sg_policy_add_choice(p, SG_CHOICE_ROUTE, "zip", E));
        sg_policy_set_require_justification(p, true);
}

static void choices_cancel_first(sg_policy *p) {
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_CANCEL, NULL, E));
        B(sg_policy_add_choice(p, SG_CHOICE_ENCRYPT, NULL, E));
}

static void t_attachments(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p, &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_ENCRYPT}, E));
}

static void t_extension(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "exe",
                                                   .type = SG_TRIGGER_ATTACHMENT_EXTENSION,
                                                   .action = SG_ACTION_BLOCK,
                                                   .list = LIST(".exe", "tar.gz", "JS")},
                                E));
}

static void t_type(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "types",
                                                   .type = SG_TRIGGER_ATTACHMENT_TYPE,
                                                   .action = SG_ACTION_ENCRYPT,
                                                   .list = LIST("application/pdf", "image/*")},
                                E));
}

static void t_size(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "big",
                                                   .type = SG_TRIGGER_ATTACHMENT_SIZE,
                                                   .action = SG_ACTION_ROUTE,
                                                   .route = "zip",
                                                   .size = 1000},
                                E));
}

static void t_keyword(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "kw",
                                                   .type = SG_TRIGGER_SUBJECT_KEYWORD,
                                                   .action = SG_ACTION_ENCRYPT,
                                                   .list = LIST("confidential", "\xe6\xa9\x9f\xe5\xaf\x86")},
                                E));
}

static void t_keyword_all(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "kw-all",
                                                   .type = SG_TRIGGER_SUBJECT_KEYWORD,
                                                   .action = SG_ACTION_PROMPT,
                                                   .scope = SG_SCOPE_ALL,
                                                   .list = LIST("confidential")},
                                E));
}

static void t_domains(sg_policy *p) {
        base(p);
        sg_policy_set_require_justification(p, true);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "spread",
                                                   .type = SG_TRIGGER_EXTERNAL_DOMAINS,
                                                   .action = SG_ACTION_PROMPT,
                                                   .forbid_send = true,
                                                   .min = 2},
                                E));
}

static void t_card(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p, &(sg_trigger_spec){.type = SG_TRIGGER_CREDIT_CARD, .action = SG_ACTION_BLOCK}, E));
}

static void t_mynumber(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(
                p, &(sg_trigger_spec){.type = SG_TRIGGER_MY_NUMBER, .action = SG_ACTION_BLOCK, .scope = SG_SCOPE_ALL},
                E));
}

static void t_pattern(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "falcon",
                                                   .type = SG_TRIGGER_BODY_PATTERN,
                                                   .action = SG_ACTION_ROUTE,
                                                   .route = "portal",
                                                   .caseless = true,
                                                   .list = LIST("project\\s+falcon", "\\bhawk\\b")},
                                E));
}

static void t_header(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "class",
                                                   .type = SG_TRIGGER_HEADER,
                                                   .action = SG_ACTION_ENCRYPT,
                                                   .header_name = "X-Classification",
                                                   .list = LIST("secret", "Top Secret")},
                                E));
}

static void t_header_any(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "sensitive",
                                                   .type = SG_TRIGGER_HEADER,
                                                   .action = SG_ACTION_PROMPT,
                                                   .scope = SG_SCOPE_ALL,
                                                   .forbid_send = true,
                                                   .header_name = "X-Sensitive"},
                                E));
}

/* Several triggers: the strongest action wins, the first ROUTE reason
 * names the route. */
static void t_many(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "kw-zip",
                                                   .type = SG_TRIGGER_SUBJECT_KEYWORD,
                                                   .action = SG_ACTION_ROUTE,
                                                   .route = "zip",
                                                   .list = LIST("zip me")},
                                E));
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "pat-portal",
                                                   .type = SG_TRIGGER_BODY_PATTERN,
                                                   .action = SG_ACTION_ROUTE,
                                                   .route = "portal",
                                                   .list = LIST("portal")},
                                E));
        B(sg_policy_add_trigger(p, &(sg_trigger_spec){.type = SG_TRIGGER_CREDIT_CARD, .action = SG_ACTION_BLOCK}, E));
        B(sg_policy_add_trigger(
                p, &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_PROMPT, .forbid_send = true},
                E));
}

/* ---- Serialising a decision for comparison ------------------------------ */

struct str {
        char s[8192];
        size_t n;
};

static void put(struct str *b, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 2, 3)))
#endif
        ;

static void put(struct str *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
        va_end(ap);
        if (r > 0)
                b->n += (size_t) r < sizeof b->s - b->n ? (size_t) r : sizeof b->s - b->n - 1;
}

static void fmt_recipients(const sg_decision *d, struct str *b) {
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *r = &d->recipients[i];
                put(b, "%s%s:%s=%s/%s/%s", i ? "; " : "", sg_field_name(r->field), r->mailbox.address,
                    sg_class_name(r->cls), sg_rule_name(r->rule), r->matched ? r->matched : "-");
        }
}

static void fmt_reasons(const sg_decision *d, struct str *b) {
        for (size_t i = 0; i < d->n_reasons; i++) {
                const sg_reason *r = &d->reasons[i];
                put(b, "%s%s%s%s=%s[", i ? "; " : "", sg_reason_code_name(r->code), r->trigger ? ":" : "",
                    r->trigger ? r->trigger : "", sg_action_name(r->action));
                for (size_t k = 0; k < r->n_items; k++)
                        put(b, "%s%s", k ? "," : "", r->items[k]);
                put(b, "]");
        }
}

static void fmt_route(struct str *b, const char *name, const sg_header *h, size_t n, const char *tag) {
        put(b, "route:%s{", name);
        for (size_t i = 0; i < n; i++)
                put(b, "%s%s: %s", i ? "|" : "", h[i].name, h[i].value);
        put(b, "}%s", tag ? tag : "");
}

static void fmt_choices(const sg_decision *d, struct str *b) {
        for (size_t i = 0; i < d->n_choices; i++) {
                const sg_choice *c = &d->choices[i];
                if (i)
                        put(b, ",");
                if (c->kind == SG_CHOICE_ROUTE)
                        fmt_route(b, c->route, c->headers, c->n_headers, c->subject_tag);
                else
                        put(b, "%s", sg_choice_kind_name(c->kind));
        }
}

static void fmt_extra(const sg_decision *d, struct str *b) {
        if (d->route) {
                fmt_route(b, d->route, d->headers, d->n_headers, d->subject_tag);
                put(b, " ");
        }
        if (d->n_encrypt_methods) {
                put(b, "methods=");
                for (size_t i = 0; i < d->n_encrypt_methods; i++)
                        put(b, "%s%s", i ? "," : "", d->encrypt_methods[i]);
                put(b, " ");
        }
        if (d->n_encrypt_fallback) {
                put(b, "fallback=");
                for (size_t i = 0; i < d->n_encrypt_fallback; i++)
                        put(b, "%s%s", i ? "," : "", d->encrypt_fallback[i]);
                put(b, " ");
        }
        if (d->require_justification)
                put(b, "justify ");
        if (b->n)
                b->s[--b->n] = '\0';
}

/* ---- Evaluation rows ------------------------------------------------------ */

#define MAXS 3

struct row {
        const char *desc;
        void (*setup)(sg_policy *p);
        const char *to[MAXS], *cc[MAXS], *bcc[MAXS];
        const char *subject;
        const char *body;
        sg_attachment atts[4];
        sg_header hdrs[3];
        sg_action action;
        const char *recipients; /* NULL: not checked */
        const char *reasons;
        const char *choices;
        const char *extra;
};

#define DEFAULT_CHOICES "encrypt,send,cancel"
#define PORTAL          "route:portal{X-Secure-Send: portal|X-Gateway-Action: encrypt}[secure]"
#define ZIP             "route:zip{X-Zip: yes}"
#define FW              "\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91"

static const struct row rows[] = {
        /* Classification: domains, subdomains and their boundaries. */
        {"exact internal domain",
         base,
         {"a@corp.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@corp.example=internal/internal_domain/corp.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"subdomain through the wildcard",
         base,
         {"a@a.corp.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@a.corp.example=internal/internal_subdomain/*.corp.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"subdomain at depth 3",
         base,
         {"a@x.y.z.corp.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@x.y.z.corp.example=internal/internal_subdomain/*.corp.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"notcorp.example is not a subdomain",
         base,
         {"a@notcorp.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:a@notcorp.example=external/external_domain/-",
         .reasons = "external_recipients=prompt[notcorp.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"corp.example.evil is external",
         base,
         {"a@corp.example.evil"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:a@corp.example.evil=external/external_domain/-",
         .reasons = "external_recipients=prompt[corp.example.evil]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"a wildcard-only entry does not cover the domain itself",
         base,
         {"a@wild.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:a@wild.example=external/external_domain/-",
         .reasons = "external_recipients=prompt[wild.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"a wildcard-only entry covers its subdomains",
         base,
         {"a@b.wild.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@b.wild.example=internal/internal_subdomain/*.wild.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"recipient domain in upper case",
         base,
         {"a@CORP.Example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@corp.example=internal/internal_domain/corp.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"entry with case and trailing dot, reported as written",
         base,
         {"a@group.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@group.example=internal/internal_domain/Group.EXAMPLE.",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"recipient with a trailing dot",
         base,
         {"a@corp.example."},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@corp.example=internal/internal_domain/corp.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"IDN: Unicode entry, punycode recipient",
         base,
         {"a@xn--r8jz45g.jp"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@xn--r8jz45g.jp=internal/internal_domain/\xe4\xbe\x8b\xe3\x81\x88.jp",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"IDN: punycode entry, Unicode recipient",
         base,
         {"a@b\xc3\xbc"
          "cher.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:a@xn--bcher-kva.example=internal/internal_domain/xn--bcher-kva.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"IDN: an unlisted Unicode domain is external, items in ASCII form",
         base,
         {"a@b\xc3\xbc"
          "cher.test"},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[xn--bcher-kva.test]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        /* Fields. */
        {"BCC-only external recipient",
         base,
         {"a@corp.example"},
         .bcc = {"x@partner.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:a@corp.example=internal/internal_domain/corp.example; "
                       "bcc:x@partner.example=external/external_domain/-",
         .reasons = "external_recipients=prompt[partner.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"CC external recipient", base, .cc = {"x@partner.example"}, .action = SG_ACTION_PROMPT,
         .recipients = "cc:x@partner.example=external/external_domain/-",
         .reasons = "external_recipients=prompt[partner.example]", .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"several strings per field, lists, groups, display names",
         base,
         {"\"Doe, Jane\" <jane@corp.example>, b@y.example", "Team: t@x.example;"},
         .cc = {"c@x.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:jane@corp.example=internal/internal_domain/corp.example; "
                       "to:b@y.example=external/external_domain/-; to:t@x.example=external/external_domain/-; "
                       "cc:c@x.example=external/external_domain/-",
         .reasons = "external_recipients=prompt[y.example,x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"no recipients at all", base, .action = SG_ACTION_ALLOW, .recipients = "",
         .reasons = "no_external_recipients=allow[]", .choices = "", .extra = ""},
        {"empty address list strings",
         base,
         {"", "  "},
         .action = SG_ACTION_ALLOW,
         .recipients = "",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        /* Exceptions and addresses. */
        {"exception address beats internal domain",
         base,
         {"ceo-private@corp.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:ceo-private@corp.example=external/exception_address/ceo-private@corp.example",
         .reasons = "external_recipients=prompt[corp.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"exception address, local part in other case",
         base,
         {"CEO-Private@CORP.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:CEO-Private@corp.example=external/exception_address/ceo-private@corp.example",
         .reasons = "external_recipients=prompt[corp.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"exception address beats internal address",
         base,
         {"dual@corp.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:dual@corp.example=external/exception_address/Dual@CORP.example",
         .reasons = "external_recipients=prompt[corp.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"internal address beats exception domain",
         base,
         {"Lead@contractor.corp.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:Lead@contractor.corp.example=internal/internal_address/lead@contractor.corp.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"exception domain beats internal wildcard",
         base,
         {"bob@contractor.corp.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:bob@contractor.corp.example=external/exception_domain/contractor.corp.example",
         .reasons = "external_recipients=prompt[contractor.corp.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"exception wildcard covers subdomains",
         base,
         {"bob@a.b.ext.corp.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:bob@a.b.ext.corp.example=external/exception_domain/*.ext.corp.example",
         .reasons = "external_recipients=prompt[a.b.ext.corp.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"exception wildcard does not cover its own domain",
         base,
         {"bob@ext.corp.example"},
         .action = SG_ACTION_ALLOW,
         .recipients = "to:bob@ext.corp.example=internal/internal_subdomain/*.corp.example",
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"internal address under an external domain",
         base,
         {"liaison@partner.example, other@partner.example"},
         .action = SG_ACTION_PROMPT,
         .recipients = "to:liaison@partner.example=internal/internal_address/Liaison@Partner.example; "
                       "to:other@partner.example=external/external_domain/-",
         .reasons = "external_recipients=prompt[partner.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        /* External action variants. */
        {"external action block",
         ext_block,
         {"a@x.example"},
         .action = SG_ACTION_BLOCK,
         .reasons = "external_recipients=block[x.example]",
         .choices = "",
         .extra = ""},
        {"external action allow",
         ext_allow,
         {"a@x.example"},
         .action = SG_ACTION_ALLOW,
         .reasons = "external_recipients=allow[x.example]",
         .choices = "",
         .extra = ""},
        {"external action route copies headers and tag",
         ext_route,
         {"a@x.example"},
         .action = SG_ACTION_ROUTE,
         .reasons = "external_recipients=route[x.example]",
         .choices = "",
         .extra = PORTAL},
        {"internal-only message under a route policy",
         ext_route,
         {"a@corp.example"},
         .action = SG_ACTION_ALLOW,
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"external action encrypt: default methods and fallbacks",
         ext_encrypt,
         {"a@x.example"},
         .action = SG_ACTION_ENCRYPT,
         .reasons = "external_recipients=encrypt[x.example]",
         .choices = "",
         .extra = "methods=smime,openpgp fallback=portal,zip"},
        {"external action encrypt: admin's methods replace the default",
         ext_encrypt_pgp,
         {"a@x.example"},
         .action = SG_ACTION_ENCRYPT,
         .reasons = "external_recipients=encrypt[x.example]",
         .choices = "",
         .extra = "methods=openpgp"},
        /* Choices. */
        {"admin's choices, cancel added last, routes carry headers, justification",
         choices,
         {"a@x.example"},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = PORTAL ",send," ZIP ",cancel",
         .extra = "justify"},
        {"admin placed cancel first: kept there",
         choices_cancel_first,
         {"a@x.example"},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = "cancel,encrypt",
         .extra = "methods=smime,openpgp"},
        /* Triggers, each firing and not. */
        {"attachments: fires",
         t_attachments,
         {"a@x.example"},
         .atts = {{"a.pdf", 10, NULL, NULL}, {"b.xlsx", 20, NULL, NULL}},
         .action = SG_ACTION_ENCRYPT,
         .reasons = "external_recipients=prompt[x.example]; attachments:attachments-0=encrypt[a.pdf,b.xlsx]",
         .choices = "",
         .extra = "methods=smime,openpgp"},
        {"attachments: none attached",
         t_attachments,
         {"a@x.example"},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"attachments: scope external skips internal mail",
         t_attachments,
         {"a@corp.example"},
         .atts = {{"a.pdf", 10, NULL, NULL}},
         .action = SG_ACTION_ALLOW,
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"attachment_extension: fires (case, dotless entry, multi-part, trailing dot)",
         t_extension,
         {"a@x.example"},
         .atts = {{"Setup.EXE", 1, NULL, NULL},
                  {"notes.txt", 1, NULL, NULL},
                  {"backup.TAR.GZ", 1, NULL, NULL},
                  {"app.js.", 1, NULL, NULL}},
         .action = SG_ACTION_BLOCK,
         .reasons = "external_recipients=prompt[x.example]; "
                    "attachment_extension:exe=block[Setup.EXE,backup.TAR.GZ,app.js.]",
         .choices = "",
         .extra = ""},
        {"attachment_extension: no match",
         t_extension,
         {"a@x.example"},
         .atts = {{"exe", 1, NULL, NULL}, {"report.exe.pdf", 1, NULL, NULL}, {"archive.gz", 1, NULL, NULL}},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"attachment_type: fires (parameters, case, wildcard)",
         t_type,
         {"a@x.example"},
         .atts = {{"a.pdf", 1, "Application/PDF; name=\"a.pdf\"", NULL},
                  {"p.png", 1, "image/png", NULL},
                  {"t.txt", 1, "text/plain", NULL}},
         .action = SG_ACTION_ENCRYPT,
         .reasons = "external_recipients=prompt[x.example]; attachment_type:types=encrypt[a.pdf,p.png]",
         .choices = "",
         .extra = "methods=smime,openpgp"},
        {"attachment_type: no match (other type, no type, prefix only)",
         t_type,
         {"a@x.example"},
         .atts = {{"t.txt", 1, "text/plain", NULL},
                  {"x", 1, NULL, NULL},
                  {"y", 1, "application/pdfx", NULL},
                  {"z", 1, "imagex/png", NULL}},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"attachment_size: total at the threshold fires, routes",
         t_size,
         {"a@x.example"},
         .atts = {{"a", 600, NULL, NULL}, {"b", 400, NULL, NULL}},
         .action = SG_ACTION_ROUTE,
         .reasons = "external_recipients=prompt[x.example]; attachment_size:big=route[1000]",
         .choices = "",
         .extra = ZIP},
        {"attachment_size: one byte under",
         t_size,
         {"a@x.example"},
         .atts = {{"a", 600, NULL, NULL}, {"b", 399, NULL, NULL}},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"subject_keyword: ASCII case-insensitive",
         t_keyword,
         {"a@x.example"},
         .subject = "RE: CONFIDENTIAL plan",
         .action = SG_ACTION_ENCRYPT,
         .reasons = "external_recipients=prompt[x.example]; subject_keyword:kw=encrypt[confidential]",
         .choices = "",
         .extra = "methods=smime,openpgp"},
        {"subject_keyword: Japanese keyword",
         t_keyword,
         {"a@x.example"},
         .subject = "\xe3\x80\x90\xe6\xa9\x9f\xe5\xaf\x86\xe3\x80\x91\xe8\xb3\x87\xe6\x96\x99",
         .action = SG_ACTION_ENCRYPT,
         .reasons = "external_recipients=prompt[x.example]; subject_keyword:kw=encrypt[\xe6\xa9\x9f\xe5\xaf\x86]",
         .choices = "",
         .extra = "methods=smime,openpgp"},
        {"subject_keyword: no match, no subject",
         t_keyword,
         {"a@x.example"},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"subject_keyword: no match",
         t_keyword,
         {"a@x.example"},
         .subject = "confidentia l",
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"subject_keyword: scope all fires on internal mail",
         t_keyword_all,
         {"a@corp.example"},
         .subject = "Confidential",
         .action = SG_ACTION_PROMPT,
         .reasons = "no_external_recipients=allow[]; subject_keyword:kw-all=prompt[confidential]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"subject_keyword: scope external skips internal mail",
         t_keyword,
         {"a@corp.example"},
         .subject = "Confidential",
         .action = SG_ACTION_ALLOW,
         .reasons = "no_external_recipients=allow[]",
         .choices = "",
         .extra = ""},
        {"external_domains: two domains fire, forbid_send drops send and justification",
         t_domains,
         {"a@x.example, b@y.example, c@x.example"},
         .action = SG_ACTION_PROMPT,
         .reasons =
                 "external_recipients=prompt[x.example,y.example]; external_domains:spread=prompt[x.example,y.example]",
         .choices = "encrypt,cancel",
         .extra = "methods=smime,openpgp"},
        {"external_domains: one domain does not fire; send offered with justification",
         t_domains,
         {"a@x.example, c@x.example"},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp justify"},
        {"credit_card: masked evidence, separators kept",
         t_card,
         {"a@x.example"},
         .body = "card 4111 1111 1111 1111 exp 12/25, also 5555555555554444",
         .action = SG_ACTION_BLOCK,
         .reasons = "external_recipients=prompt[x.example]; credit_card:credit_card-0=block[**** **** **** "
                    "1111,************4444]",
         .choices = "",
         .extra = ""},
        {"credit_card: full-width digits masked to ASCII",
         t_card,
         {"a@x.example"},
         .body = "\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91" FW FW FW,
         .action = SG_ACTION_BLOCK,
         .reasons = "external_recipients=prompt[x.example]; credit_card:credit_card-0=block[************1111]",
         .choices = "",
         .extra = ""},
        {"credit_card: Luhn failure does not fire",
         t_card,
         {"a@x.example"},
         .body = "4111 1111 1111 1112",
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"my_number: fires on internal mail too (scope all), no digit in evidence",
         t_mynumber,
         {"a@corp.example"},
         .body = "\xe7\x95\xaa\xe5\x8f\xb7 1234-5678-9018",
         .action = SG_ACTION_BLOCK,
         .reasons = "no_external_recipients=allow[]; my_number:my_number-0=block[****-****-****]",
         .choices = "",
         .extra = ""},
        {"my_number: wrong check digit",
         t_mynumber,
         {"a@x.example"},
         .body = "123456789019",
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"body_pattern: caseless, reports the pattern, routes with headers and tag",
         t_pattern,
         {"a@x.example"},
         .body = "About PROJECT  Falcon and the Hawk.",
         .action = SG_ACTION_ROUTE,
         .reasons = "external_recipients=prompt[x.example]; body_pattern:falcon=route[project\\s+falcon,\\bhawk\\b]",
         .choices = "",
         .extra = PORTAL},
        {"body_pattern: no match",
         t_pattern,
         {"a@x.example"},
         .body = "projectfalcon, hawks",
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"header: value matches after trimming, any case",
         t_header,
         {"a@x.example"},
         .hdrs = {{"Subject", "x"}, {"x-classification", "  TOP SECRET "}},
         .action = SG_ACTION_ENCRYPT,
         .reasons = "external_recipients=prompt[x.example]; header:class=encrypt[Top Secret]",
         .choices = "",
         .extra = "methods=smime,openpgp"},
        {"header: present with another value",
         t_header,
         {"a@x.example"},
         .hdrs = {{"X-Classification", "public"}},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"header: absent",
         t_header,
         {"a@x.example"},
         .hdrs = {{"X-Other", "secret"}},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]",
         .choices = DEFAULT_CHOICES,
         .extra = "methods=smime,openpgp"},
        {"header without values: presence fires, scope all, forbid_send",
         t_header_any,
         {"a@corp.example"},
         .hdrs = {{"X-SENSITIVE", ""}},
         .action = SG_ACTION_PROMPT,
         .reasons = "no_external_recipients=allow[]; header:sensitive=prompt[X-Sensitive]",
         .choices = "encrypt,cancel",
         .extra = "methods=smime,openpgp"},
        /* Several triggers together. */
        {"strongest reason wins: block over route",
         t_many,
         {"a@x.example"},
         .subject = "zip me",
         .body = "portal 4111111111111111",
         .action = SG_ACTION_BLOCK,
         .reasons = "external_recipients=prompt[x.example]; subject_keyword:kw-zip=route[zip me]; "
                    "body_pattern:pat-portal=route[portal]; credit_card:credit_card-2=block[************1111]",
         .choices = "",
         .extra = ""},
        {"first ROUTE reason names the route",
         t_many,
         {"a@x.example"},
         .subject = "zip me",
         .body = "portal",
         .action = SG_ACTION_ROUTE,
         .reasons = "external_recipients=prompt[x.example]; subject_keyword:kw-zip=route[zip me]; "
                    "body_pattern:pat-portal=route[portal]",
         .choices = "",
         .extra = ZIP},
        {"a weaker trigger's forbid_send still removes send",
         t_many,
         {"a@x.example"},
         .atts = {{"a", 1, NULL, NULL}},
         .action = SG_ACTION_PROMPT,
         .reasons = "external_recipients=prompt[x.example]; attachments:attachments-3=prompt[a]",
         .choices = "encrypt,cancel",
         .extra = "methods=smime,openpgp"},
};

static size_t count(const char *const *v) {
        size_t n = 0;
        while (n < MAXS && v[n])
                n++;
        return n;
}

static sg_message row_message(const struct row *r, size_t *n_atts, size_t *n_hdrs) {
        sg_message m = {0};
        m.to = r->to;
        m.n_to = count(r->to);
        m.cc = r->cc;
        m.n_cc = count(r->cc);
        m.bcc = r->bcc;
        m.n_bcc = count(r->bcc);
        m.subject = r->subject;
        m.body = r->body;
        m.body_len = r->body ? strlen(r->body) : 0;
        for (*n_atts = 0; *n_atts < 4 && r->atts[*n_atts].name; (*n_atts)++)
                ;
        for (*n_hdrs = 0; *n_hdrs < 3 && r->hdrs[*n_hdrs].name; (*n_hdrs)++)
                ;
        m.attachments = r->atts;
        m.n_attachments = *n_atts;
        m.headers = r->hdrs;
        m.n_headers = *n_hdrs;
        return m;
}

static sg_policy *make_policy(void (*setup)(sg_policy *p)) {
        sg_policy *p = sg_policy_new();
        setup(p);
        sg_error e = {0};
        if (sg_policy_seal(p, &e) != SG_OK) {
                setup_failures++;
                sg_test_diag("seal failed: %s", e.message);
        }
        return p;
}

static void check_invariants(const char *desc, const sg_decision *d) {
        size_t ext = 0;
        bool ok = true;
        for (size_t i = 0; i < d->n_recipients; i++)
                ext += d->recipients[i].cls == SG_CLASS_EXTERNAL;
        ok = ok && ext == d->n_external;
        ok = ok && d->n_reasons >= 1 && d->reasons[0].trigger == NULL;
        ok = ok && (d->n_external ? d->reasons[0].n_items == d->n_external_domains : d->n_external_domains == 0);
        for (size_t i = 0; i < d->n_reasons; i++)
                ok = ok && d->reasons[i].detail && *d->reasons[i].detail && (i == 0 || d->reasons[i].trigger);
        SG_CHECK(ok, "%s: counts, details and trigger ids consistent", desc);
}

static void run_rows(void) {
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
                const struct row *r = &rows[i];
                int before = setup_failures;
                sg_policy *p = make_policy(r->setup);
                size_t na, nh;
                sg_message m = row_message(r, &na, &nh);
                sg_decision *d = NULL;
                sg_error e = {0};
                sg_err rc = sg_policy_evaluate(p, &m, &d, &e);
                if (!SG_CHECK(rc == SG_OK && d && setup_failures == before, "%s: evaluates", r->desc)) {
                        sg_test_diag("  %s: %s", sg_err_code(rc), e.message);
                        sg_policy_free(p);
                        continue;
                }
                if (!SG_CHECK(d->action == r->action, "%s: action %s", r->desc, sg_action_name(r->action)))
                        sg_test_diag("  got %s", sg_action_name(d->action));
                struct str b;
                if (r->recipients) {
                        b.n = 0;
                        b.s[0] = '\0';
                        fmt_recipients(d, &b);
                        SG_CHECK_STR(b.s, r->recipients, r->desc);
                }
                b.n = 0;
                b.s[0] = '\0';
                fmt_reasons(d, &b);
                SG_CHECK_STR(b.s, r->reasons, r->desc);
                b.n = 0;
                b.s[0] = '\0';
                fmt_choices(d, &b);
                SG_CHECK_STR(b.s, r->choices, r->desc);
                b.n = 0;
                b.s[0] = '\0';
                fmt_extra(d, &b);
                SG_CHECK_STR(b.s, r->extra, r->desc);
                check_invariants(r->desc, d);
                if (i == 0 || strstr(r->desc, "two domains") || strstr(r->desc, "attachments: fires"))
                        for (size_t k = 0; k < d->n_reasons; k++)
                                sg_test_diag("  detail: %s", d->reasons[k].detail);
                d = sg_decision_free(d);
                SG_CHECK(d == NULL, "%s: decision freed", r->desc);
                sg_policy_free(p);
        }
        sg_test_diag("%zu evaluation rows", sizeof rows / sizeof *rows);
}

/* ---- Evaluation errors ---------------------------------------------------- */

static void t_evil(sg_policy *p) {
        base(p);
        B(sg_policy_add_trigger(p,
                                &(sg_trigger_spec){.id = "evil",
                                                   .type = SG_TRIGGER_BODY_PATTERN,
                                                   .action = SG_ACTION_PROMPT,
                                                   .scope = SG_SCOPE_ALL,
                                                   .list = LIST("^(a|a)*$")},
                                E));
}

struct err_row {
        const char *desc;
        void (*setup)(sg_policy *p);
        const char *to[MAXS], *cc[MAXS], *bcc[MAXS];
        const char *body;
        sg_err want;
        const char *substr;
};

static const struct err_row err_rows[] = {
        {"unparsable To", base, {"a@corp.example", "bob@@x"}, .want = SG_ERR_ADDRESS_SYNTAX, .substr = "to: "},
        {"unparsable Cc", base, .cc = {"<oops"}, .want = SG_ERR_ADDRESS_SYNTAX, .substr = "cc: "},
        {"unparsable Bcc fails the whole message",
         base,
         {"a@corp.example"},
         .bcc = {"x@partner.example, bob@@x"},
         .want = SG_ERR_ADDRESS_SYNTAX,
         .substr = "bcc: "},
        {"a pattern at its match limit fails closed",
         t_evil,
         {"a@corp.example"},
         .body = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
         .want = SG_ERR_REGEX_LIMIT,
         .substr = "evil"},
};

static void run_err_rows(void) {
        for (size_t i = 0; i < sizeof err_rows / sizeof *err_rows; i++) {
                const struct err_row *r = &err_rows[i];
                sg_policy *p = make_policy(r->setup);
                sg_message m = {.to = r->to,
                                .n_to = count(r->to),
                                .cc = r->cc,
                                .n_cc = count(r->cc),
                                .bcc = r->bcc,
                                .n_bcc = count(r->bcc),
                                .body = r->body,
                                .body_len = r->body ? strlen(r->body) : 0};
                sg_decision *d = (sg_decision *) &m; /* must stay untouched */
                sg_error e = {0};
                sg_err rc = sg_policy_evaluate(p, &m, &d, &e);
                if (!SG_CHECK(rc == r->want && e.code == r->want && d == (sg_decision *) &m, "%s: %s", r->desc,
                              sg_err_code(r->want)))
                        sg_test_diag("  got %s: %s", sg_err_code(rc), e.message);
                if (!SG_CHECK(strstr(e.message, r->substr) != NULL, "%s: message mentions \"%s\"", r->desc, r->substr))
                        sg_test_diag("  message: %s", e.message);
                sg_policy_free(p);
        }
}

/* ---- Builder errors --------------------------------------------------------- */

enum op {
        OP_IDOM,
        OP_XDOM,
        OP_IADDR,
        OP_XADDR,
        OP_EXTACT,
        OP_CHOICE,
        OP_METHOD,
        OP_FALLBACK,
        OP_ROUTE,
        OP_RHDR,
        OP_TAG,
        OP_TRIGGER,
        OP_AFTER_SEAL,
        OP_SEAL_TWICE,
};

struct brow {
        const char *desc;
        enum op op;
        const char *a, *b, *c;
        int num; /* action or choice kind */
        const sg_trigger_spec *spec;
        bool seal; /* the error comes from sg_policy_seal */
        sg_err want;
        const char *substr;
};

#define PI SG_ERR_POLICY_INVALID

static const struct brow brows[] = {
        {"empty domain", OP_IDOM, "", .want = PI, .substr = "not a domain"},
        {"domain with a space", OP_IDOM, "foo bar.example", .want = PI, .substr = "not a domain"},
        {"address as domain", OP_IDOM, "user@corp.example", .want = PI, .substr = "not a domain"},
        {"empty label", OP_IDOM, "a..example", .want = PI, .substr = "not a domain"},
        {"hyphen at label edge", OP_IDOM, "-bad-.example", .want = PI, .substr = "not a domain"},
        {"bad punycode", OP_XDOM, "xn--zz.example", .want = PI, .substr = "not a domain"},
        {"address literal", OP_XDOM, "[192.0.2.1]", .want = PI, .substr = "not a domain"},
        {"wildcard without dot", OP_IDOM, "*corp.example", .want = PI,
         .substr = "a wildcard must be \"*.\" followed by a domain"},
        {"wildcard in the middle", OP_IDOM, "a.*.example", .want = PI, .substr = "a wildcard must be"},
        {"bare wildcard", OP_XDOM, "*", .want = PI, .substr = "a wildcard must be"},
        {"wildcard without domain", OP_IDOM, "*.", .want = PI, .substr = "a wildcard must be"},
        {"double wildcard", OP_IDOM, "*.*.example", .want = PI, .substr = "a wildcard must be"},
        {"wildcard over a bad domain", OP_IDOM, "*.a..b", .want = PI, .substr = "not a domain"},
        {"not an address", OP_IADDR, "not an address", .want = PI, .substr = "address"},
        {"two addresses", OP_IADDR, "a@x.example, b@y.example", .want = PI, .substr = "exactly one address"},
        {"empty address", OP_XADDR, "", .want = PI, .substr = "exactly one address"},
        {"broken exception address", OP_XADDR, "bob@@x", .want = PI, .substr = "not an address"},
        {"external route action without route", OP_EXTACT, NULL, .num = SG_ACTION_ROUTE, .want = PI,
         .substr = "needs a route"},
        {"external prompt action with a route", OP_EXTACT, "portal", .num = SG_ACTION_PROMPT, .want = PI,
         .substr = "only given"},
        {"external action names an unknown route", OP_EXTACT, "ghost", .num = SG_ACTION_ROUTE, .seal = true, .want = PI,
         .substr = "route \"ghost\", which is not defined"},
        {"external action out of range", OP_EXTACT, NULL, .num = 99, .want = PI, .substr = "unknown action"},
        {"route choice without route", OP_CHOICE, NULL, .num = SG_CHOICE_ROUTE, .want = PI, .substr = "needs a route"},
        {"send choice with route", OP_CHOICE, "portal", .num = SG_CHOICE_SEND, .want = PI, .substr = "only given"},
        {"choice names an unknown route", OP_CHOICE, "ghost", .num = SG_CHOICE_ROUTE, .seal = true, .want = PI,
         .substr = "not defined"},
        {"choice with a bad route name", OP_CHOICE, "bad name", .num = SG_CHOICE_ROUTE, .want = PI,
         .substr = "may only use"},
        {"choice kind out of range", OP_CHOICE, NULL, .num = 7, .want = PI, .substr = "unknown choice"},
        {"unknown encryption method", OP_METHOD, "rot13", .want = PI, .substr = "unknown encryption method"},
        {"fallback to an unknown route", OP_FALLBACK, "ghost", .seal = true, .want = PI, .substr = "not defined"},
        {"fallback to a route without headers", OP_FALLBACK, "bare", .seal = true, .want = PI,
         .substr = "route \"bare\" sets no header"},
        {"route name with a space", OP_ROUTE, "my route", .want = PI, .substr = "may only use"},
        {"empty route name", OP_ROUTE, "", .want = PI, .substr = "must not be empty"},
        {"route name of 65 bytes", OP_ROUTE, "a234567890123456789012345678901234567890123456789012345678901234x",
         .want = SG_ERR_LIMIT, .substr = "longer than 64"},
        {"duplicate route", OP_ROUTE, "portal", .want = PI, .substr = "defined twice"},
        {"header on an unknown route", OP_RHDR, "ghost", "X-A", "b", .want = PI, .substr = "no route"},
        {"header name with a space", OP_RHDR, "portal", "X Bad", "v", .want = PI, .substr = "not a header field name"},
        {"header name with a colon", OP_RHDR, "portal", "X-Bad:", "v", .want = PI, .substr = "not a header field name"},
        {"non-ASCII header name", OP_RHDR, "portal", "X-\xc3\xa9", "v", .want = PI,
         .substr = "not a header field name"},
        {"empty header name", OP_RHDR, "portal", "", "v", .want = PI, .substr = "must not be empty"},
        {"header injection through CRLF", OP_RHDR, "portal", "X-A", "yes\r\nBcc: evil@attacker.example", .want = PI,
         .substr = "CR, LF"},
        {"bare LF in a header value", OP_RHDR, "portal", "X-A", "yes\nX-B: 1", .want = PI, .substr = "CR, LF"},
        {"header value not UTF-8", OP_RHDR, "portal", "X-A", "\xff\xfe", .want = PI, .substr = "UTF-8"},
        {"empty header value", OP_RHDR, "portal", "X-A", "", .want = PI, .substr = "must not be empty"},
        {"same header twice (any case)", OP_RHDR, "portal", "x-secure-send", "again", .want = PI, .substr = "twice"},
        {"subject tag with CRLF", OP_TAG, "portal", "[x]\r\nBcc: a@b", .want = PI, .substr = "CR, LF"},
        {"subject tag of 65 bytes", OP_TAG, "portal",
         "[2345678901234567890123456789012345678901234567890123456789012345]", .want = SG_ERR_LIMIT, .substr = "64"},
        {"subject tag on an unknown route", OP_TAG, "ghost", "[x]", .want = PI, .substr = "no route"},
        {"trigger action allow", OP_TRIGGER, .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS}, .want = PI,
         .substr = "action must be"},
        {"trigger route action without route", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_ROUTE}, .want = PI,
         .substr = "needs a route"},
        {"trigger block action with a route", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_BLOCK, .route = "portal"},
         .want = PI, .substr = "only given"},
        {"trigger names an unknown route", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.id = "t1",
                                    .type = SG_TRIGGER_ATTACHMENTS,
                                    .action = SG_ACTION_ROUTE,
                                    .route = "ghost"},
         .seal = true, .want = PI, .substr = "trigger \"t1\" names route \"ghost\""},
        {"trigger routes through a route without headers", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_ROUTE, .route = "bare"},
         .seal = true, .want = PI, .substr = "route \"bare\" sets no header"},
        {"trigger id with a space", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.id = "my id", .type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_BLOCK},
         .want = PI, .substr = "may only use"},
        {"explicit id equal to an automatic one", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.id = "attachments-0", .type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_BLOCK},
         .seal = true, .want = PI, .substr = "trigger id \"attachments-0\" used twice"},
        {"unknown trigger type", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER__MAX, .action = SG_ACTION_BLOCK}, .want = PI,
         .substr = "unknown trigger type"},
        {"unknown scope", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_BLOCK, .scope = (sg_scope) 5},
         .want = PI, .substr = "unknown scope"},
        {"keyword trigger without keywords", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_SUBJECT_KEYWORD, .action = SG_ACTION_BLOCK}, .want = PI,
         .substr = "needs at least one list entry"},
        {"empty keyword", OP_TRIGGER,
         .spec = &(
                 sg_trigger_spec){.type = SG_TRIGGER_SUBJECT_KEYWORD, .action = SG_ACTION_BLOCK, .list = LIST("a", "")},
         .want = PI, .substr = "list entry 1 is empty"},
        {"extension that is only a dot", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENT_EXTENSION,
                                    .action = SG_ACTION_BLOCK,
                                    .list = LIST(".")},
         .want = PI, .substr = "is empty"},
        {"content type without subtype", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENT_TYPE, .action = SG_ACTION_BLOCK, .list = LIST("pdf")},
         .want = PI, .substr = "not a content type"},
        {"bad pattern named", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_BODY_PATTERN,
                                    .action = SG_ACTION_BLOCK,
                                    .list = LIST("ok", "a(b")},
         .want = SG_ERR_REGEX, .substr = "pattern \"a(b\": invalid pattern at offset 3"},
        {"list on a card trigger", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_CREDIT_CARD, .action = SG_ACTION_BLOCK, .list = LIST("x")},
         .want = PI, .substr = "takes no list"},
        {"header trigger without header name", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_HEADER, .action = SG_ACTION_BLOCK}, .want = PI,
         .substr = "needs a header name"},
        {"header trigger with a bad header name", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_HEADER, .action = SG_ACTION_BLOCK, .header_name = "X: y"},
         .want = PI, .substr = "not a header field name"},
        {"header trigger with a blank value", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_HEADER,
                                    .action = SG_ACTION_BLOCK,
                                    .header_name = "X-A",
                                    .list = LIST("  ")},
         .want = PI, .substr = "is empty"},
        {"header name on another trigger type", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_MY_NUMBER, .action = SG_ACTION_BLOCK, .header_name = "X-A"},
         .want = PI, .substr = "only a header trigger"},
        {"attachment size zero", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENT_SIZE, .action = SG_ACTION_BLOCK}, .want = PI,
         .substr = "at least 1 byte"},
        {"external domains minimum zero", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_EXTERNAL_DOMAINS, .action = SG_ACTION_BLOCK}, .want = PI,
         .substr = "minimum of at least 1"},
        {"list of 1025 entries", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_SUBJECT_KEYWORD,
                                    .action = SG_ACTION_BLOCK,
                                    .list = (const char *const[]){"x"},
                                    .n_list = SG_POLICY_LIST_MAX + 1},
         .want = SG_ERR_LIMIT, .substr = "list entries"},
        {"NULL list with entries", OP_TRIGGER,
         .spec = &(sg_trigger_spec){.type = SG_TRIGGER_SUBJECT_KEYWORD, .action = SG_ACTION_BLOCK, .n_list = 1},
         .want = SG_ERR_INVALID_ARGUMENT, .substr = "NULL"},
        {"builder call after seal", OP_AFTER_SEAL, "late.example", .want = SG_ERR_INVALID_ARGUMENT, .substr = "sealed"},
        {"seal twice", OP_SEAL_TWICE, .want = SG_ERR_INVALID_ARGUMENT, .substr = "sealed"},
};

/* Base for builder rows: one good route, one without headers, one trigger
 * with an automatic id. */
static void builder_base(sg_policy *p) {
        B(sg_policy_add_internal_domain(p, "corp.example", E));
        B(sg_policy_add_route(p, "portal", E));
        B(sg_policy_add_route_header(p, "portal", "X-Secure-Send", "portal", E));
        B(sg_policy_add_route(p, "bare", E));
        B(sg_policy_add_trigger(p, &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_PROMPT}, E));
}

static sg_err apply(sg_policy *p, const struct brow *r, sg_error *e) {
        switch (r->op) {
        case OP_IDOM:
                return sg_policy_add_internal_domain(p, r->a, e);
        case OP_XDOM:
                return sg_policy_add_exception_domain(p, r->a, e);
        case OP_IADDR:
                return sg_policy_add_internal_address(p, r->a, e);
        case OP_XADDR:
                return sg_policy_add_exception_address(p, r->a, e);
        case OP_EXTACT:
                return sg_policy_set_external_action(p, (sg_action) r->num, r->a, e);
        case OP_CHOICE:
                return sg_policy_add_choice(p, (sg_choice_kind) r->num, r->a, e);
        case OP_METHOD:
                return sg_policy_add_encrypt_method(p, r->a, e);
        case OP_FALLBACK:
                return sg_policy_add_encrypt_fallback(p, r->a, e);
        case OP_ROUTE:
                return sg_policy_add_route(p, r->a, e);
        case OP_RHDR:
                return sg_policy_add_route_header(p, r->a, r->b, r->c, e);
        case OP_TAG:
                return sg_policy_set_route_subject_tag(p, r->a, r->b, e);
        case OP_TRIGGER:
                return sg_policy_add_trigger(p, r->spec, e);
        case OP_AFTER_SEAL:
                if (sg_policy_seal(p, e))
                        return SG_ERR_INTERNAL;
                return sg_policy_add_internal_domain(p, r->a, e);
        case OP_SEAL_TWICE:
                if (sg_policy_seal(p, e))
                        return SG_ERR_INTERNAL;
                return sg_policy_seal(p, e);
        }
        return SG_ERR_INTERNAL;
}

static void run_builder_rows(void) {
        for (size_t i = 0; i < sizeof brows / sizeof *brows; i++) {
                const struct brow *r = &brows[i];
                sg_policy *p = sg_policy_new();
                builder_base(p);
                sg_error e = {0};
                sg_err rc = apply(p, r, &e);
                if (r->seal) {
                        if (!SG_CHECK(rc == SG_OK, "%s: the builder call itself succeeds", r->desc))
                                sg_test_diag("  %s", e.message);
                        rc = sg_policy_seal(p, &e);
                }
                if (!SG_CHECK(rc == r->want && e.code == r->want, "%s: %s", r->desc, sg_err_code(r->want)))
                        sg_test_diag("  got %s: %s", sg_err_code(rc), e.message);
                if (!SG_CHECK(strstr(e.message, r->substr) != NULL, "%s: message says \"%s\"", r->desc, r->substr))
                        sg_test_diag("  message: %s", e.message);
                sg_policy_free(p);
        }
        sg_test_diag("%zu builder error rows", sizeof brows / sizeof *brows);
}

/* ---- Limits one past -------------------------------------------------------- */

static void policy_limits(void) {
        sg_policy *p = sg_policy_new();
        sg_error e = {0};
        sg_err rc = SG_OK;
        size_t i;
        for (i = 0; i < SG_POLICY_TRIGGERS_MAX && rc == SG_OK; i++)
                rc = sg_policy_add_trigger(
                        p, &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_PROMPT}, &e);
        SG_CHECK(rc == SG_OK, "%d triggers accepted", SG_POLICY_TRIGGERS_MAX);
        rc = sg_policy_add_trigger(p, &(sg_trigger_spec){.type = SG_TRIGGER_ATTACHMENTS, .action = SG_ACTION_PROMPT},
                                   &e);
        SG_CHECK(rc == SG_ERR_LIMIT && strstr(e.message, "triggers"), "trigger %d refused: %s",
                 SG_POLICY_TRIGGERS_MAX + 1, e.message);
        char name[32];
        for (i = 0, rc = SG_OK; i < SG_POLICY_ROUTES_MAX && rc == SG_OK; i++) {
                snprintf(name, sizeof name, "r%zu", i);
                rc = sg_policy_add_route(p, name, &e);
        }
        SG_CHECK(rc == SG_OK, "%d routes accepted", SG_POLICY_ROUTES_MAX);
        SG_CHECK(sg_policy_add_route(p, "one-more", &e) == SG_ERR_LIMIT && strstr(e.message, "routes"),
                 "route %d refused: %s", SG_POLICY_ROUTES_MAX + 1, e.message);
        for (i = 0, rc = SG_OK; i < SG_POLICY_ROUTE_HEADERS_MAX && rc == SG_OK; i++) {
                snprintf(name, sizeof name, "X-H%zu", i);
                rc = sg_policy_add_route_header(p, "r0", name, "v", &e);
        }
        SG_CHECK(rc == SG_OK, "%d route headers accepted", SG_POLICY_ROUTE_HEADERS_MAX);
        SG_CHECK(sg_policy_add_route_header(p, "r0", "X-One-More", "v", &e) == SG_ERR_LIMIT,
                 "route header %d refused: %s", SG_POLICY_ROUTE_HEADERS_MAX + 1, e.message);
        char hname[SG_MSG_HEADER_NAME_MAX + 2];
        memset(hname, 'X', sizeof hname - 1);
        hname[sizeof hname - 1] = '\0';
        SG_CHECK(sg_policy_add_route_header(p, "r1", hname, "v", &e) == SG_ERR_LIMIT, "header name of %d bytes refused",
                 SG_MSG_HEADER_NAME_MAX + 1);
        hname[SG_MSG_HEADER_NAME_MAX] = '\0';
        SG_CHECK(sg_policy_add_route_header(p, "r1", hname, "v", &e) == SG_OK, "header name of %d bytes accepted",
                 SG_MSG_HEADER_NAME_MAX);
        char *val = malloc(SG_MSG_HEADER_VALUE_MAX + 2);
        memset(val, 'v', SG_MSG_HEADER_VALUE_MAX + 1);
        val[SG_MSG_HEADER_VALUE_MAX + 1] = '\0';
        SG_CHECK(sg_policy_add_route_header(p, "r1", "X-Long", val, &e) == SG_ERR_LIMIT,
                 "header value of %d bytes refused", SG_MSG_HEADER_VALUE_MAX + 1);
        free(val);
        SG_CHECK(sg_policy_set_route_subject_tag(
                         p, "r1", "1234567890123456789012345678901234567890123456789012345678901234", &e) == SG_OK,
                 "subject tag of 64 bytes accepted");
        for (i = 0, rc = SG_OK; i < SG_POLICY_ROUTES_MAX && rc == SG_OK; i++) {
                snprintf(name, sizeof name, "r%zu", i);
                rc = sg_policy_add_encrypt_fallback(p, name, &e);
        }
        SG_CHECK(rc == SG_OK && sg_policy_add_encrypt_fallback(p, "more", &e) == SG_ERR_LIMIT,
                 "fallback routes limited to %d", SG_POLICY_ROUTES_MAX);
        sg_policy_free(p);

        /* Domain and address lists: the limit, then one more. */
        p = sg_policy_new();
        for (i = 0, rc = SG_OK; i < SG_POLICY_DOMAINS_MAX && rc == SG_OK; i++) {
                snprintf(name, sizeof name, "%sd%zu.example", i % 2 ? "*." : "", i);
                rc = sg_policy_add_internal_domain(p, name, &e);
        }
        SG_CHECK(rc == SG_OK, "%d internal domains accepted", SG_POLICY_DOMAINS_MAX);
        SG_CHECK(sg_policy_add_internal_domain(p, "more.example", &e) == SG_ERR_LIMIT, "internal domain %d refused",
                 SG_POLICY_DOMAINS_MAX + 1);
        SG_CHECK(sg_policy_add_exception_domain(p, "more.example", &e) == SG_OK,
                 "the exception list has its own limit");
        for (i = 0, rc = SG_OK; i < SG_POLICY_ADDRESSES_MAX && rc == SG_OK; i++) {
                snprintf(name, sizeof name, "u%zu@x.example", i);
                rc = sg_policy_add_exception_address(p, name, &e);
        }
        SG_CHECK(rc == SG_OK, "%d exception addresses accepted", SG_POLICY_ADDRESSES_MAX);
        SG_CHECK(sg_policy_add_exception_address(p, "more@x.example", &e) == SG_ERR_LIMIT,
                 "exception address %d refused", SG_POLICY_ADDRESSES_MAX + 1);
        sg_policy_free(p);
}

/* Evaluate a message under the base policy. */
static sg_err eval_base(const sg_message *m, sg_error *e) {
        sg_policy *p = make_policy(base);
        sg_decision *d = NULL;
        sg_err rc = sg_policy_evaluate(p, m, &d, e);
        sg_decision_free(d);
        sg_policy_free(p);
        return rc;
}

static void message_limits(void) {
        sg_error e = {0};
        const char *to[] = {"a@x.example"};
        size_t big = SG_MSG_BODY_MAX + 1;
        char *buf = malloc(big + 1);
        memset(buf, 'a', big);
        buf[big] = '\0';

        struct {
                const char *what;
                size_t at;        /* the limit */
                const char *word; /* expected in the message */
        } lim[] = {
                {"subject", SG_MSG_SUBJECT_MAX, "subject"},
                {"body", SG_MSG_BODY_MAX, "body"},
                {"attachment name", SG_MSG_NAME_MAX, "file name"},
                {"attachment content type", SG_MSG_NAME_MAX, "content type"},
                {"header name", SG_MSG_HEADER_NAME_MAX, "name longer"},
                {"header value", SG_MSG_HEADER_VALUE_MAX, "value longer"},
                {"attachments", SG_MSG_ATTACHMENTS_MAX, "attachments"},
                {"headers", SG_MSG_HEADERS_MAX, "headers"},
        };
        sg_attachment *atts = calloc(SG_MSG_ATTACHMENTS_MAX + 1, sizeof *atts);
        sg_header *hdrs = calloc(SG_MSG_HEADERS_MAX + 1, sizeof *hdrs);
        for (size_t i = 0; i <= SG_MSG_ATTACHMENTS_MAX; i++)
                atts[i] = (sg_attachment){"a.txt", 1, "text/plain", NULL};
        for (size_t i = 0; i <= SG_MSG_HEADERS_MAX; i++)
                hdrs[i] = (sg_header){"X-A", "b"};
        for (size_t k = 0; k < sizeof lim / sizeof *lim; k++) {
                for (size_t extra = 0; extra <= 1; extra++) {
                        size_t n = lim[k].at + extra;
                        sg_message m = {.to = to, .n_to = 1};
                        sg_attachment one = {"a.txt", 1, "text/plain", NULL};
                        sg_header h = {"X-A", "b"};
                        /* a string of n bytes taken from the end of buf */
                        char *s = buf + big - n;
                        switch (k) {
                        case 0:
                                m.subject = s;
                                break;
                        case 1:
                                m.body = buf;
                                m.body_len = n;
                                break;
                        case 2:
                                one.name = s;
                                m.attachments = &one;
                                m.n_attachments = 1;
                                break;
                        case 3:
                                one.content_type = s;
                                m.attachments = &one;
                                m.n_attachments = 1;
                                break;
                        case 4:
                                h.name = s;
                                m.headers = &h;
                                m.n_headers = 1;
                                break;
                        case 5:
                                h.value = s;
                                m.headers = &h;
                                m.n_headers = 1;
                                break;
                        case 6:
                                m.attachments = atts;
                                m.n_attachments = n;
                                break;
                        default:
                                m.headers = hdrs;
                                m.n_headers = n;
                                break;
                        }
                        sg_err rc = eval_base(&m, &e);
                        if (extra)
                                SG_CHECK(rc == SG_ERR_LIMIT && strstr(e.message, lim[k].word),
                                         "%s: one past the limit refused (%s)", lim[k].what, e.message);
                        else
                                SG_CHECK(rc == SG_OK, "%s: at the limit accepted", lim[k].what);
                }
        }
        free(atts);
        free(hdrs);
        free(buf);

        /* Recipients: SG_MSG_RECIPIENTS_MAX across To, Cc and Bcc together. */
        size_t n = SG_MSG_RECIPIENTS_MAX;
        char **addrs = calloc(n + 1, sizeof *addrs);
        for (size_t i = 0; i <= n; i++) {
                addrs[i] = malloc(32);
                snprintf(addrs[i], 32, "u%zu@x.example", i);
        }
        sg_message m = {.to = (const char *const *) addrs,
                        .n_to = n / 2,
                        .bcc = (const char *const *) addrs + n / 2,
                        .n_bcc = n - n / 2};
        SG_CHECK(eval_base(&m, &e) == SG_OK, "%zu recipients accepted", n);
        m.n_bcc++;
        sg_err rc = eval_base(&m, &e);
        SG_CHECK(rc == SG_ERR_LIMIT && strstr(e.message, "bcc"), "recipient %zu (in bcc) refused: %s", n + 1,
                 e.message);
        sg_strv_free(addrs, n + 1);
}

/* ---- 10,000 recipients x 10,000 domains ------------------------------------- */

static void big_case(void) {
        const size_t nd = 10000, nr = 10000;
        sg_policy *p = sg_policy_new();
        char name[64];
        sg_err rc = SG_OK;
        sg_error e = {0};
        /* even i: exact "d<i>.example"; odd i: wildcard "*.d<i>.example" */
        for (size_t i = nd; i-- > 0 && rc == SG_OK;) {
                snprintf(name, sizeof name, "%sd%zu.example", i % 2 ? "*." : "", i);
                rc = sg_policy_add_internal_domain(p, name, &e);
        }
        SG_CHECK(rc == SG_OK && sg_policy_seal(p, &e) == SG_OK, "10,000 domains added and sealed");
        /* Recipients cycle through four shapes; j picks the domain. They go
         * in 10 address-list strings of 1,000 (one string has its own
         * SG_ADDR_TEXT_MAX), half in To and half in Bcc. */
        char *text[10];
        for (size_t g = 0; g < 10; g++) {
                text[g] = malloc(nr / 10 * 48);
                size_t off = 0;
                for (size_t j = g * (nr / 10); j < (g + 1) * (nr / 10); j++) {
                        size_t d = j % nd;
                        const char *sep = off ? "," : "";
                        switch (j % 4) {
                        case 0:
                                off += (size_t) sprintf(text[g] + off, "%su%zu@d%zu.example", sep, j, d & ~(size_t) 1);
                                break;
                        case 1:
                                off += (size_t) sprintf(text[g] + off, "%su%zu@x.y.d%zu.example", sep, j, d | 1);
                                break;
                        case 2:
                                off += (size_t) sprintf(text[g] + off, "%su%zu@d%zu.example.evil", sep, j, d);
                                break;
                        default:
                                off += (size_t) sprintf(text[g] + off, "%su%zu@D%zu.Example", sep, j, d | 1);
                                break;
                        }
                }
        }
        sg_message m = {.to = (const char *const *) text, .n_to = 5, .bcc = (const char *const *) text + 5, .n_bcc = 5};
        sg_decision *dec = NULL;
        clock_t t0 = clock();
        rc = sg_policy_evaluate(p, &m, &dec, &e);
        double ms = (double) (clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
        if (!SG_CHECK(rc == SG_OK && dec && dec->n_recipients == nr, "10,000 recipients evaluated"))
                sg_test_diag("  %s: %s", sg_err_code(rc), e.message);
        else {
                size_t wrong = 0;
                for (size_t j = 0; j < nr; j++) {
                        const sg_recipient *r = &dec->recipients[j];
                        size_t d = j % nd;
                        char want[64];
                        sg_class cls = SG_CLASS_EXTERNAL;
                        sg_rule rule = SG_RULE_EXTERNAL_DOMAIN;
                        want[0] = '\0';
                        if (j % 4 == 0) {
                                cls = SG_CLASS_INTERNAL;
                                rule = SG_RULE_INTERNAL_DOMAIN;
                                snprintf(want, sizeof want, "d%zu.example", d & ~(size_t) 1);
                        } else if (j % 4 == 1) {
                                cls = SG_CLASS_INTERNAL;
                                rule = SG_RULE_INTERNAL_SUBDOMAIN;
                                snprintf(want, sizeof want, "*.d%zu.example", d | 1);
                        }
                        if (r->cls != cls || r->rule != rule || strcmp(r->matched ? r->matched : "", want) != 0) {
                                if (wrong++ < 5)
                                        sg_test_diag("  recipient %zu %s: %s/%s/%s", j, r->mailbox.address,
                                                     sg_class_name(r->cls), sg_rule_name(r->rule),
                                                     r->matched ? r->matched : "-");
                        }
                }
                SG_CHECK(wrong == 0, "every one of 10,000 recipients classified correctly (%zu wrong)", wrong);
                SG_CHECK(dec->n_external == nr / 2 && dec->n_external_domains == nr / 2,
                         "5,000 external recipients in 5,000 distinct domains (%zu, %zu)", dec->n_external,
                         dec->n_external_domains);
                sg_test_diag("evaluation of 10,000 x 10,000 (parsing included): %.1f ms", ms);
        }
        sg_decision_free(dec);
        for (size_t g = 0; g < 10; g++)
                free(text[g]);
        sg_policy_free(p);
}

/* ---- Everything else ---------------------------------------------------------- */

/* The choice taken when no prompt can be shown. */
static const char *fallback_id(sg_policy *p, const char *const *to, size_t n_to) {
        static char id[80];
        sg_message m = {.to = to, .n_to = n_to};
        sg_decision *d = NULL;
        if (sg_policy_evaluate(p, &m, &d, NULL) != SG_OK)
                return "(error)";
        if (d->action != SG_ACTION_PROMPT || d->prompt_fallback >= d->n_choices)
                snprintf(id, sizeof id, "(none)");
        else {
                const sg_choice *c = &d->choices[d->prompt_fallback];
                snprintf(id, sizeof id, "%s%s%s", sg_choice_kind_name(c->kind), c->route ? ":" : "",
                         c->route ? c->route : "");
        }
        sg_decision_free(d);
        return id;
}

static void prompt_fallback(void) {
        sg_error e = {0};
        const char *one[] = {"a@x.example"}, *two[] = {"a@x.example", "b@y.example"}, *in[] = {"a@corp.example"};

        sg_policy *p = make_policy(base);
        SG_CHECK_STR(fallback_id(p, one, 1), "cancel", "fallback: default is cancel");
        SG_CHECK_STR(fallback_id(p, in, 1), "(none)", "fallback: none without a prompt");
        sg_policy_free(p);

        p = sg_policy_new();
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_ROUTE, "portal", E));
        B(sg_policy_add_choice(p, SG_CHOICE_SEND, NULL, E));
        B(sg_policy_set_prompt_fallback(p, SG_CHOICE_ROUTE, "portal", E));
        B(sg_policy_seal(p, E));
        SG_CHECK_STR(fallback_id(p, one, 1), "route:portal", "fallback: a route choice");
        sg_policy_free(p);

        /* "send" as fallback, then a trigger forbids send: cancel instead. */
        p = sg_policy_new();
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_SEND, NULL, E));
        B(sg_policy_set_prompt_fallback(p, SG_CHOICE_SEND, NULL, E));
        sg_trigger_spec t = {
                .type = SG_TRIGGER_EXTERNAL_DOMAINS, .action = SG_ACTION_PROMPT, .min = 2, .forbid_send = true};
        B(sg_policy_add_trigger(p, &t, E));
        B(sg_policy_seal(p, E));
        SG_CHECK_STR(fallback_id(p, one, 1), "send", "fallback: send while send is offered");
        SG_CHECK_STR(fallback_id(p, two, 2), "cancel", "fallback: cancel once a trigger forbids send");
        sg_policy_free(p);

        p = sg_policy_new();
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_ENCRYPT, NULL, E));
        B(sg_policy_set_prompt_fallback(p, SG_CHOICE_SEND, NULL, E));
        SG_CHECK(sg_policy_seal(p, &e) == SG_ERR_POLICY_INVALID && strstr(e.message, "not one of the choices"),
                 "fallback: a choice not offered is refused at seal");
        sg_policy_free(p);

        p = sg_policy_new();
        SG_CHECK(sg_policy_set_prompt_fallback(p, SG_CHOICE_ROUTE, NULL, &e) == SG_ERR_POLICY_INVALID,
                 "fallback: route choice without a route refused");
        SG_CHECK(sg_policy_set_prompt_fallback(p, SG_CHOICE_SEND, "portal", &e) == SG_ERR_POLICY_INVALID,
                 "fallback: a route on a non-route choice refused");
        sg_policy_free(p);
}

/* The choice the prompt selects first. */
static const char *recommended_id(sg_policy *p, const char *const *to, size_t n_to) {
        static char id[80];
        sg_message m = {.to = to, .n_to = n_to};
        sg_decision *d = NULL;
        if (sg_policy_evaluate(p, &m, &d, NULL) != SG_OK)
                return "(error)";
        if (d->action != SG_ACTION_PROMPT || d->prompt_recommended >= d->n_choices)
                snprintf(id, sizeof id, "(none)");
        else {
                const sg_choice *c = &d->choices[d->prompt_recommended];
                snprintf(id, sizeof id, "%s%s%s", sg_choice_kind_name(c->kind), c->route ? ":" : "",
                         c->route ? c->route : "");
        }
        sg_decision_free(d);
        return id;
}

static void prompt_recommended(void) {
        sg_error e = {0};
        const char *one[] = {"a@x.example"}, *in[] = {"a@corp.example"};

        sg_policy *p = make_policy(base);
        SG_CHECK_STR(recommended_id(p, one, 1), "encrypt", "recommended: default is the first protective choice");
        SG_CHECK_STR(recommended_id(p, in, 1), "(none)", "recommended: none without a prompt");
        sg_policy_free(p);

        p = sg_policy_new();
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_SEND, NULL, E));
        B(sg_policy_add_choice(p, SG_CHOICE_ROUTE, "portal", E));
        B(sg_policy_add_choice(p, SG_CHOICE_ENCRYPT, NULL, E));
        B(sg_policy_seal(p, E));
        SG_CHECK_STR(recommended_id(p, one, 1), "route:portal", "recommended: unset, the first protective in order");
        sg_policy_free(p);

        p = sg_policy_new();
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_ENCRYPT, NULL, E));
        B(sg_policy_add_choice(p, SG_CHOICE_ROUTE, "portal", E));
        B(sg_policy_set_prompt_recommended(p, SG_CHOICE_ROUTE, "portal", E));
        B(sg_policy_seal(p, E));
        SG_CHECK_STR(recommended_id(p, one, 1), "route:portal", "recommended: the policy's choice");
        sg_policy_free(p);

        p = sg_policy_new();
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_SEND, NULL, E));
        B(sg_policy_seal(p, E));
        SG_CHECK_STR(recommended_id(p, one, 1), "(none)", "recommended: none when nothing protects");
        sg_policy_free(p);

        p = sg_policy_new();
        base(p);
        B(sg_policy_add_choice(p, SG_CHOICE_ENCRYPT, NULL, E));
        B(sg_policy_set_prompt_recommended(p, SG_CHOICE_ROUTE, "portal", E));
        SG_CHECK(sg_policy_seal(p, &e) == SG_ERR_POLICY_INVALID && strstr(e.message, "not one of the choices"),
                 "recommended: a choice not offered is refused at seal");
        sg_policy_free(p);

        p = sg_policy_new();
        SG_CHECK(sg_policy_set_prompt_recommended(p, SG_CHOICE_SEND, NULL, &e) == SG_ERR_POLICY_INVALID,
                 "recommended: send refused");
        SG_CHECK(sg_policy_set_prompt_recommended(p, SG_CHOICE_CANCEL, NULL, &e) == SG_ERR_POLICY_INVALID,
                 "recommended: cancel refused");
        SG_CHECK(sg_policy_set_prompt_recommended(p, SG_CHOICE_ROUTE, NULL, &e) == SG_ERR_POLICY_INVALID,
                 "recommended: route choice without a route refused");
        sg_policy_free(p);
}

/* send_removed_by: the reason whose rule (forbid_send) took "send" out, so
 * every prompt can say which rule and why; none when nothing took it out or
 * the policy never offered "send". */
static void send_removed(void) {
        const char *two[] = {"a@x.example", "b@y.example"}, *one[] = {"a@x.example"};
        for (int offers_send = 0; offers_send < 2; offers_send++) {
                sg_policy *p = sg_policy_new();
                base(p);
                B(sg_policy_add_choice(p, SG_CHOICE_ROUTE, "portal", E));
                if (offers_send)
                        B(sg_policy_add_choice(p, SG_CHOICE_SEND, NULL, E));
                B(sg_policy_add_trigger(p,
                                        &(sg_trigger_spec){.id = "kw",
                                                           .type = SG_TRIGGER_SUBJECT_KEYWORD,
                                                           .action = SG_ACTION_PROMPT,
                                                           .list = LIST("offer")},
                                        E));
                B(sg_policy_add_trigger(p,
                                        &(sg_trigger_spec){.id = "many-domains",
                                                           .type = SG_TRIGGER_EXTERNAL_DOMAINS,
                                                           .action = SG_ACTION_PROMPT,
                                                           .min = 2,
                                                           .forbid_send = true},
                                        E));
                B(sg_policy_seal(p, E));
                sg_message m = {.to = two, .n_to = 2, .subject = "Offer"};
                sg_decision *d = NULL;
                B(sg_policy_evaluate(p, &m, &d, E));
                bool has_send = false;
                for (size_t i = 0; d && i < d->n_choices; i++)
                        has_send = has_send || d->choices[i].kind == SG_CHOICE_SEND;
                if (offers_send)
                        SG_CHECK(d && d->n_reasons == 3 && d->send_removed_by == 2 &&
                                         strcmp(d->reasons[2].trigger, "many-domains") == 0 && !has_send,
                                 "send_removed_by: the external_domains rule that forbids send (not the keyword)");
                else
                        SG_CHECK(d && d->send_removed_by == d->n_reasons && !has_send,
                                 "send_removed_by: none when the policy never offers send");
                d = sg_decision_free(d);
                m = (sg_message){.to = one, .n_to = 1, .subject = "Offer"};
                B(sg_policy_evaluate(p, &m, &d, E));
                has_send = false;
                for (size_t i = 0; d && i < d->n_choices; i++)
                        has_send = has_send || d->choices[i].kind == SG_CHOICE_SEND;
                SG_CHECK(d && d->send_removed_by == d->n_reasons && has_send == (offers_send != 0),
                         "send_removed_by: none when the forbidding rule does not fire (offers send: %d)", offers_send);
                sg_decision_free(d);
                sg_policy_free(p);
        }
}

static void misc(void) {
        sg_error e = {0};
        /* Evaluate before seal. */
        sg_policy *p = sg_policy_new();
        sg_message m = {0};
        sg_decision *d = NULL;
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_ERR_INVALID_ARGUMENT && d == NULL,
                 "evaluate before seal refused");
        SG_CHECK(sg_policy_seal(p, &e) == SG_OK, "empty policy seals");
        SG_CHECK(sg_policy_evaluate(p, NULL, &d, &e) == SG_ERR_INVALID_ARGUMENT, "NULL message refused");
        sg_header h = {NULL, "x"};
        m.headers = &h;
        m.n_headers = 1;
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_ERR_INVALID_ARGUMENT, "header without name refused");
        m = (sg_message){.n_to = 1};
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_ERR_INVALID_ARGUMENT, "NULL To array with a count refused");
        sg_policy_set_require_justification(p, true); /* ignored after seal */
        SG_CHECK(sg_policy_free(p) == NULL && sg_policy_free(NULL) == NULL, "policy free returns NULL, takes NULL");
        SG_CHECK(sg_decision_free(NULL) == NULL, "decision free takes NULL");
        SG_CHECK(sg_policy_add_internal_domain(NULL, "a.example", &e) == SG_ERR_INVALID_ARGUMENT,
                 "NULL policy refused");
        SG_CHECK(sg_policy_add_internal_domain(NULL, "a.example", NULL) == SG_ERR_INVALID_ARGUMENT,
                 "NULL error report accepted");

        /* The same policy evaluates many times; decisions are independent. */
        p = make_policy(t_card);
        const char *to[] = {"a@x.example"};
        m = (sg_message){.to = to, .n_to = 1, .body = "4111111111111111", .body_len = 16};
        sg_decision *d1 = NULL, *d2 = NULL;
        SG_CHECK(sg_policy_evaluate(p, &m, &d1, &e) == SG_OK && sg_policy_evaluate(p, &m, &d2, &e) == SG_OK &&
                         d1 != d2 && d1->action == SG_ACTION_BLOCK && d2->action == SG_ACTION_BLOCK,
                 "a sealed policy evaluates repeatedly");
        /* Evidence never carries the hidden digits, details neither. */
        bool leak = false;
        for (size_t i = 0; i < d1->n_reasons; i++) {
                leak = leak || strstr(d1->reasons[i].detail, "411111") != NULL;
                for (size_t k = 0; k < d1->reasons[i].n_items; k++)
                        leak = leak || strstr(d1->reasons[i].items[k], "411111") != NULL;
        }
        SG_CHECK(!leak, "no card digits beyond the last four in items or details");
        sg_decision_free(d1);
        sg_decision_free(d2);
        sg_policy_free(p);

        /* Names. */
        sg_action a;
        sg_trigger_type t;
        sg_choice_kind c;
        bool ok = true;
        for (unsigned i = 0; i < SG_ACTION__MAX; i++)
                ok = ok && sg_action_from_name(sg_action_name((sg_action) i), &a) && a == (sg_action) i;
        for (unsigned i = 0; i < SG_TRIGGER__MAX; i++)
                ok = ok && sg_trigger_type_from_name(sg_trigger_type_name((sg_trigger_type) i), &t) &&
                     t == (sg_trigger_type) i;
        for (unsigned i = 0; i < SG_CHOICE__MAX; i++)
                ok = ok && sg_choice_kind_from_name(sg_choice_kind_name((sg_choice_kind) i), &c) &&
                     c == (sg_choice_kind) i;
        SG_CHECK(ok, "action, trigger type and choice names round-trip");
        SG_CHECK(!sg_action_from_name("maybe", &a) && !sg_trigger_type_from_name(NULL, &t), "unknown names refused");
        SG_CHECK_STR(sg_rule_name(SG_RULE_INTERNAL_SUBDOMAIN), "internal_subdomain", "rule name");
        SG_CHECK_STR(sg_reason_code_name(SG_REASON_NO_EXTERNAL), "no_external_recipients", "reason name");
        SG_CHECK_STR(sg_reason_code_name(SG_REASON_MY_NUMBER), "my_number", "reason name my_number");
        SG_CHECK_STR(sg_field_name(SG_FIELD_BCC), "bcc", "field name");
        SG_CHECK_STR(sg_class_name(SG_CLASS_EXTERNAL), "external", "class name");
        SG_CHECK_STR(sg_action_name((sg_action) 42), "unknown", "out-of-range action");
}

/* Reading routes and encryption settings back (the Outlook ribbon's toggles
 * act without a decision). */
static void read_back(void) {
        sg_policy *p = sg_policy_new();
        ext_encrypt(p);
        B(sg_policy_seal(p, E));
        const sg_header *h = NULL;
        size_t n = 0;
        const char *tag = "unset";
        SG_CHECK(sg_policy_route(p, "portal", &h, &n, &tag) && n == 2 && strcmp(h[0].name, "X-Secure-Send") == 0 &&
                         strcmp(h[1].value, "encrypt") == 0 && tag && strcmp(tag, "[secure]") == 0,
                 "read back: route portal has its two headers and its tag");
        SG_CHECK(sg_policy_route(p, "zip", &h, &n, &tag) && n == 1 && tag == NULL,
                 "read back: route zip has one header and no tag");
        tag = "unset";
        SG_CHECK(!sg_policy_route(p, "nope", &h, &n, &tag) && strcmp(tag, "unset") == 0,
                 "read back: an unknown route is false and leaves the outputs alone");
        SG_CHECK(!sg_policy_route(NULL, "portal", NULL, NULL, NULL), "read back: NULL policy");
        const char *const *m = sg_policy_encrypt_methods(p, &n);
        SG_CHECK(n == 2 && strcmp(m[0], "smime") == 0 && strcmp(m[1], "openpgp") == 0,
                 "read back: the default encryption methods smime, openpgp");
        m = sg_policy_encrypt_fallback(p, &n);
        SG_CHECK(n == 2 && strcmp(m[0], "portal") == 0 && strcmp(m[1], "zip") == 0,
                 "read back: encrypt fallback portal, zip in order");
        sg_policy_free(p);
}

/* A domain of 122 labels (252 bytes, near SG_ADDR_DOMAIN_MAX): every parent
 * is looked up, the nearest first, so an exception wildcard one level below
 * an internal wildcard wins, and the internal one covers the rest. */
static void deep_domain(void) {
        char dom[300] = "", addr[320];
        for (int i = 0; i < 120; i++)
                strcat(dom, "a.");
        strcat(dom, "corp.example");
        sg_policy *p = sg_policy_new();
        sg_error e = {0};
        bool ok = p && sg_policy_add_internal_domain(p, "*.corp.example", &e) == SG_OK &&
                  sg_policy_add_exception_domain(p, "*.a.corp.example", &e) == SG_OK && sg_policy_seal(p, &e) == SG_OK;
        SG_CHECK(ok, "deep domain: policy built (%s)", e.message);
        snprintf(addr, sizeof addr, "u@%s", dom);
        const char *to[] = {addr, "v@a.corp.example", "w@b.corp.example"};
        sg_message m = {.to = to, .n_to = 3};
        sg_decision *d = NULL;
        if (ok && SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_OK && d->n_recipients == 3,
                           "deep domain: evaluated (%s)", e.message)) {
                SG_CHECK(d->recipients[0].rule == SG_RULE_EXCEPTION_DOMAIN &&
                                 strcmp(d->recipients[0].matched, "*.a.corp.example") == 0,
                         "252-byte domain: the nearest wildcard (the exception) wins");
                SG_CHECK(d->recipients[1].rule == SG_RULE_INTERNAL_SUBDOMAIN, "a.corp.example: internal subdomain");
                SG_CHECK(d->recipients[2].rule == SG_RULE_INTERNAL_SUBDOMAIN, "b.corp.example: internal subdomain");
        }
        sg_decision_free(d);
        sg_policy_free(p);
}

/* The settings table (policy-schema.c): one row per key, each with the
 * builder call of its kind; a UINT row's builder takes its min and max and
 * refuses one past either, and its default lies between them. */
static void settings_table(void) {
        size_t n;
        const sg_setting *st = sg_settings(&n);
        SG_CHECK(n == 31, "31 settings (prompt 10, encrypt 1, audit 4, keys 5, addresses 2, send 4, rules 5): %zu", n);
        for (size_t i = 0; i < n; i++) {
                const sg_setting *s = &st[i];
                char path[128];
                snprintf(path, sizeof path, "%s.%s", s->section, s->name);
                SG_CHECK(strcmp(path, s->path) == 0, "%s: path matches section and name", s->path);
                bool setter = s->kind == SG_SETTING_BOOL   ? s->set_bool && !s->set_uint && !s->set_string
                              : s->kind == SG_SETTING_UINT ? !s->set_bool && s->set_uint && !s->set_string
                                                           : !s->set_bool && !s->set_uint && s->set_string;
                SG_CHECK(setter, "%s: exactly the builder call of its kind", s->path);
                if (s->kind != SG_SETTING_UINT)
                        continue;
                sg_policy *p = sg_policy_new();
                sg_error e = {0};
                SG_CHECK(s->min <= s->def && s->def <= s->max, "%s: default %" PRId64 " within %" PRId64 "..%" PRId64,
                         s->path, s->def, s->min, s->max);
                SG_CHECK(s->set_uint(p, (unsigned) s->min, &e) == SG_OK &&
                                 s->set_uint(p, (unsigned) s->max, &e) == SG_OK,
                         "%s: the builder takes min and max", s->path);
                SG_CHECK(s->set_uint(p, (unsigned) s->max + 1, &e) == SG_ERR_POLICY_INVALID,
                         "%s: the builder refuses max + 1", s->path);
                SG_CHECK(s->min == 0 || s->set_uint(p, (unsigned) s->min - 1, &e) == SG_ERR_POLICY_INVALID,
                         "%s: the builder refuses min - 1", s->path);
                sg_policy_free(p);
        }
}

/* Issue 12, class 4: the parts beyond the body that the triggers read, and
 * their limits (SG_MSG_TEXTS_MAX parts, SG_MSG_TEXT_TOTAL_MAX bytes with the
 * body), each one past. */
static void text_parts(void) {
        sg_error e = {0};
        sg_decision *d = NULL;
        const char *to[] = {"a@x.example"};
        sg_policy *p = make_policy(t_card);
        sg_text_part alt = {SG_TEXT_ALTERNATIVE, NULL, "card 4111 1111 1111 1111", 24};
        sg_message m = {.to = to, .n_to = 1, .body = "nothing", .body_len = 7, .texts = &alt, .n_texts = 1};
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_OK && d->action == SG_ACTION_BLOCK,
                 "a card number only in another alternative blocks");
        d = sg_decision_free(d);
        alt.kind = SG_TEXT_FORWARDED_SUBJECT; /* a subject is no body text */
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_OK && d->action != SG_ACTION_BLOCK,
                 "the card triggers do not read forwarded subjects");
        d = sg_decision_free(d);
        sg_policy_free(p);

        p = make_policy(t_keyword);
        sg_text_part fwd = {SG_TEXT_FORWARDED_SUBJECT, NULL, "Re: CONFIDENTIAL plan", 21};
        m = (sg_message){.to = to, .n_to = 1, .subject = "FYI", .texts = &fwd, .n_texts = 1};
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_OK && d->action != SG_ACTION_ALLOW &&
                         d->action != SG_ACTION_PROMPT,
                 "a keyword only in a forwarded message's subject fires");
        d = sg_decision_free(d);
        sg_policy_free(p);

        p = make_policy(t_extension);
        sg_attachment a = {"invoice.pdf", 10, "application/pdf", "invoice.exe"};
        m = (sg_message){.to = to, .n_to = 1, .attachments = &a, .n_attachments = 1};
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_OK && d->action == SG_ACTION_BLOCK,
                 "an extension only in the part's other name (alt_name) fires");
        d = sg_decision_free(d);
        sg_policy_free(p);

        p = make_policy(t_card);
        sg_text_part *many = calloc(SG_MSG_TEXTS_MAX + 1, sizeof *many);
        for (size_t i = 0; i <= SG_MSG_TEXTS_MAX; i++)
                many[i] = (sg_text_part){SG_TEXT_ATTACHMENT, "a.txt", "x", 1};
        m = (sg_message){.to = to, .n_to = 1, .texts = many, .n_texts = SG_MSG_TEXTS_MAX};
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_OK, "SG_MSG_TEXTS_MAX text parts are read");
        d = sg_decision_free(d);
        m.n_texts = SG_MSG_TEXTS_MAX + 1;
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_ERR_LIMIT && d == NULL,
                 "one text part more: limit_exceeded, no decision (fail closed)");
        free(many);
        size_t big = SG_MSG_TEXT_TOTAL_MAX - SG_MSG_BODY_MAX;
        char *text = malloc(big + 1);
        memset(text, 'a', big + 1);
        char *body = malloc(SG_MSG_BODY_MAX);
        memset(body, 'b', SG_MSG_BODY_MAX);
        sg_text_part t = {SG_TEXT_ATTACHMENT, "big.txt", text, big};
        m = (sg_message){.to = to, .n_to = 1, .body = body, .body_len = SG_MSG_BODY_MAX, .texts = &t, .n_texts = 1};
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_OK, "body and text parts of SG_MSG_TEXT_TOTAL_MAX bytes");
        d = sg_decision_free(d);
        t.len = big + 1;
        SG_CHECK(sg_policy_evaluate(p, &m, &d, &e) == SG_ERR_LIMIT && d == NULL,
                 "one byte more: limit_exceeded, no decision (fail closed)");
        free(text);
        free(body);
        sg_policy_free(p);
}

int main(void) {
        text_parts();
        run_rows();
        run_err_rows();
        run_builder_rows();
        policy_limits();
        message_limits();
        big_case();
        misc();
        prompt_fallback();
        prompt_recommended();
        send_removed();
        read_back();
        settings_table();
        deep_domain();
        SG_CHECK(setup_failures == 0, "every setup builder call succeeded");
        return sg_test_done();
}
