/* Unit tests: how addresses are compared (policy.h addresses.*): a
 * sub-address ("contractor+q3@corp.example") still matches an internal or
 * exception address, and a source route in a local part
 * (bob%evil.net@corp.example, which a default Postfix relays outside) is not
 * internal. Runs on Linux and under Wine. */
#include <stdlib.h>
#include <string.h>

#include "sealgate/policy.h"
#include "sg-test.h"

struct setup {
        const char *delimiters; /* NULL: the default */
        const char *routes;     /* NULL: the default */
};

static sg_policy *policy(const struct setup *s) {
        sg_policy *p = sg_policy_new();
        sg_error err = {0};
        sg_err r = sg_policy_add_internal_domain(p, "corp.example", &err);
        r = r ? r : sg_policy_add_internal_address(p, "liaison@partner.example", &err);
        r = r ? r : sg_policy_add_exception_address(p, "contractor@corp.example", &err);
        if (!r && s->delimiters)
                r = sg_policy_set_subaddress_delimiters(p, s->delimiters, &err);
        if (!r && s->routes)
                r = sg_policy_set_source_routes(p, s->routes, &err);
        r = r ? r : sg_policy_seal(p, &err);
        if (r) {
                SG_CHECK(0, "setup: %s", err.message);
                return sg_policy_free(p);
        }
        return p;
}

static void row(const struct setup *s, const char *to, sg_err want_err, sg_class want_cls, sg_rule want_rule,
                const char *desc) {
        sg_policy *p = policy(s);
        if (!p)
                return;
        const char *const list[] = {to};
        sg_message m = {.to = list, .n_to = 1};
        sg_decision *d = NULL;
        sg_error err = {0};
        sg_err r = sg_policy_evaluate(p, &m, &d, &err);
        if (want_err)
                SG_CHECK(r == want_err && !d, "%s: %s (%s)", desc, sg_err_code(want_err), err.message);
        else if (SG_CHECK(r == SG_OK && d && d->n_recipients == 1, "%s: evaluates (%s)", desc, r ? err.message : ""))
                SG_CHECK(d->recipients[0].cls == want_cls && d->recipients[0].rule == want_rule,
                         "%s: %s, %s (got %s, %s)", desc, sg_class_name(want_cls), sg_rule_name(want_rule),
                         sg_class_name(d->recipients[0].cls), sg_rule_name(d->recipients[0].rule));
        sg_decision_free(d);
        sg_policy_free(p);
}

int main(void) {
        const struct setup dflt = {0}, none = {.delimiters = ""}, two = {.delimiters = "+-"};
        const struct setup err_routes = {.routes = "error"}, dom_routes = {.routes = "domain"};

        /* sub-addresses */
        row(&dflt, "contractor@corp.example", 0, SG_CLASS_EXTERNAL, SG_RULE_EXCEPTION_ADDRESS, "the exception itself");
        row(&dflt, "contractor+q3@corp.example", 0, SG_CLASS_EXTERNAL, SG_RULE_EXCEPTION_ADDRESS,
            "a sub-address of an exception is the exception");
        row(&dflt, "Contractor+Q3@CORP.example", 0, SG_CLASS_EXTERNAL, SG_RULE_EXCEPTION_ADDRESS, "in any case");
        row(&none, "contractor+q3@corp.example", 0, SG_CLASS_INTERNAL, SG_RULE_INTERNAL_DOMAIN,
            "with no delimiters the sub-address is another mailbox");
        row(&dflt, "liaison+news@partner.example", 0, SG_CLASS_INTERNAL, SG_RULE_INTERNAL_ADDRESS,
            "a sub-address of an internal address is internal");
        row(&dflt, "liaison-news@partner.example", 0, SG_CLASS_EXTERNAL, SG_RULE_EXTERNAL_DOMAIN,
            "'-' is no delimiter by default");
        row(&two, "liaison-news@partner.example", 0, SG_CLASS_INTERNAL, SG_RULE_INTERNAL_ADDRESS,
            "'-' when it is listed");
        row(&dflt, "+liaison@partner.example", 0, SG_CLASS_EXTERNAL, SG_RULE_EXTERNAL_DOMAIN,
            "a delimiter first is not a sub-address");
        row(&dflt, "liaisonx+a@partner.example", 0, SG_CLASS_EXTERNAL, SG_RULE_EXTERNAL_DOMAIN,
            "another mailbox with a sub-address stays external");

        /* source routes */
        row(&dflt, "bob%evil.net@corp.example", 0, SG_CLASS_EXTERNAL, SG_RULE_SOURCE_ROUTE,
            "'%' in an internal domain is external");
        row(&dflt, "evil.net!bob@corp.example", 0, SG_CLASS_EXTERNAL, SG_RULE_SOURCE_ROUTE, "a bang path is external");
        row(&dflt, "\"bob@evil.net\"@corp.example", 0, SG_CLASS_EXTERNAL, SG_RULE_SOURCE_ROUTE,
            "a quoted '@' is external");
        row(&dflt, "contractor%x@corp.example", 0, SG_CLASS_EXTERNAL, SG_RULE_SOURCE_ROUTE,
            "not an exception either way: external");
        row(&dflt, "bob@corp.example", 0, SG_CLASS_INTERNAL, SG_RULE_INTERNAL_DOMAIN, "a plain address is internal");
        row(&err_routes, "bob%evil.net@corp.example", SG_ERR_ADDRESS_SYNTAX, 0, 0, "source_routes error: refused");
        row(&err_routes, "bob@corp.example", 0, SG_CLASS_INTERNAL, SG_RULE_INTERNAL_DOMAIN,
            "source_routes error: a plain address is fine");
        row(&dom_routes, "bob%evil.net@corp.example", 0, SG_CLASS_INTERNAL, SG_RULE_INTERNAL_DOMAIN,
            "source_routes domain: by its domain");

        /* the settings' checks */
        sg_policy *p = sg_policy_new();
        sg_error err = {0};
        SG_CHECK(sg_policy_set_subaddress_delimiters(p, "+-=", &err) == SG_OK, "three delimiters are fine");
        SG_CHECK(sg_policy_set_subaddress_delimiters(p, "+-=_#$&*~", &err) == SG_ERR_POLICY_INVALID,
                 "nine delimiters: one past the limit (%s)", err.message);
        static const char *const bad[] = {"@", "a", "7", ".", "%", "!", "\"", " ", "+\t"};
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
                SG_CHECK(sg_policy_set_subaddress_delimiters(p, bad[i], &err) == SG_ERR_POLICY_INVALID,
                         "delimiter %zu refused (%s)", i, err.message);
        SG_CHECK(sg_policy_set_source_routes(p, "allow", &err) == SG_ERR_POLICY_INVALID,
                 "an unknown source_routes value is refused (%s)", err.message);
        sg_policy_free(p);
        return sg_test_done();
}
