/* sealgate: the sg_policy object: new/free, the builder calls, their
 * validation, and seal. Pure module: libc only. The schema is in
 * policy-schema.c, the evaluation in policy-eval.c.
 *
 * Semantics:
 * - Domain entries: "corp.example" matches that domain only; "*.corp.example"
 *   matches every subdomain at any depth, never corp.example itself nor
 *   notcorp.example. Entries are normalised (IDNA ASCII, case, trailing dot)
 *   and compared with the recipient's domain_ascii.
 * - Address entries are one mailbox each, compared on mailbox.address with
 *   the local part ASCII-case-insensitive.
 * - A recipient is classified by the first rule that matches, in this order:
 *   exception address (external), internal address, exception domain
 *   (external), internal domain, internal subdomain; otherwise external.
 *   To, Cc and Bcc all count.
 * - The first reason is "external_recipients" (the external action) or
 *   "no_external_recipients" (allow). Triggers follow in policy order; a
 *   trigger with scope "external" looks only at messages with an external
 *   recipient. The decision's action is the strongest reason's
 *   (allow < prompt < route < encrypt < block).
 * - ROUTE applies the route of the first reason asking for ROUTE. PROMPT
 *   offers the policy's choices, without "send" when a fired trigger forbids
 *   it; "cancel" is always offered. ENCRYPT carries methods and fallbacks.
 * - Evidence never contains a card number's hidden digits or any My Number
 *   digit; body patterns report the pattern, not the matched text.
 * - A pattern that hits its match limit fails the evaluation (fail closed).
 * Seal sorts each entry list and builds a hash index over it, so a lookup
 * is one probe sequence per domain label and evaluation is
 * O(recipients * labels), whatever the number of entries. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"
#include "sealgate/detect.h"
#include "sealgate/error.h"
#include "sealgate/pattern.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"

#include "policy-private.h"

static void entries_clear(struct entries *e) {
        for (size_t i = 0; i < e->n; i++) {
                free(e->v[i].key);
                free(e->v[i].src);
        }
        free(e->v);
        free(e->slots);
        e->v = NULL;
        e->slots = NULL;
        e->n = e->cap = e->n_slots = 0;
}

static void trigger_clear(struct trigger *t) {
        free(t->id);
        free(t->route);
        sg_strv_free(t->list, t->n_list);
        if (t->patterns)
                for (size_t i = 0; i < t->n_list; i++)
                        sg_pattern_free(t->patterns[i]);
        free(t->patterns);
        free(t->header_name);
        free(t->label[0]);
        free(t->label[1]);
}

sg_policy *sg_policy_new(void) {
        sg_policy *p = calloc(1, sizeof *p);
        if (!p)
                return NULL;
        p->external_action = SG_ACTION_PROMPT;
        p->fallback_choice.kind = SG_CHOICE_CANCEL;
        p->recommended_choice.kind = SG_CHOICE__MAX;
        p->prompt_timeout = SG_POLICY_PROMPT_TIMEOUT_DEFAULT;
        p->audit.enabled = true;
        p->audit.retention_days = SG_POLICY_AUDIT_RETENTION_DEFAULT;
        p->keys.timeout_seconds = SG_POLICY_KEYS_TIMEOUT_DEFAULT;
        p->subaddress_delimiters[0] = '+';
        p->choices = calloc(3, sizeof *p->choices);
        p->methods = calloc(2, sizeof *p->methods);
        if (!p->choices || !p->methods)
                return sg_policy_free(p);
        p->choices[0].kind = SG_CHOICE_ENCRYPT;
        p->choices[1].kind = SG_CHOICE_SEND;
        p->choices[2].kind = SG_CHOICE_CANCEL;
        p->n_choices = 3;
        p->methods[0] = sg_strdup("smime");
        p->methods[1] = sg_strdup("openpgp");
        p->n_methods = 2;
        if (!p->methods[0] || !p->methods[1])
                return sg_policy_free(p);
        return p;
}

sg_policy *sg_policy_free(sg_policy *p) {
        if (!p)
                return NULL;
        entries_clear(&p->internal_exact);
        entries_clear(&p->internal_wild);
        entries_clear(&p->exception_exact);
        entries_clear(&p->exception_wild);
        entries_clear(&p->internal_addr);
        entries_clear(&p->exception_addr);
        free(p->external_route);
        free(p->fallback_choice.route);
        free(p->recommended_choice.route);
        for (size_t i = 0; i < p->n_choices; i++)
                free(p->choices[i].route);
        free(p->choices);
        sg_strv_free(p->methods, p->n_methods);
        sg_strv_free(p->fallback, p->n_fallback);
        for (size_t i = 0; i < p->n_routes; i++) {
                free(p->routes[i].name);
                headers_free(p->routes[i].headers, p->routes[i].n_headers);
                free(p->routes[i].subject_tag);
                free(p->routes[i].label[0]);
                free(p->routes[i].label[1]);
        }
        free(p->routes);
        for (size_t i = 0; i < p->n_triggers; i++)
                trigger_clear(&p->triggers[i]);
        free(p->triggers);
        free(p->justification_header);
        free(p->check_header);
        free(p->check_key);
        free(p->audit_directory);
        free(p->keys_store);
        free(p->keys_nss_db);
        free(p->missend.bcc_placeholder);
        policy_lookalike_free(p->lookalike);
        free(p);
        return NULL;
}

/* ---- Validation helpers ------------------------------------------------ */

static sg_err check_name(const char *what, const char *name, sg_error *err) {
        if (!name || !*name)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s name must not be empty", what);
        size_t n = bounded_len(name, SG_POLICY_NAME_MAX);
        if (n > SG_POLICY_NAME_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "a %s name is longer than %d bytes", what, SG_POLICY_NAME_MAX);
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '.' || c == '-'))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "%s name \"%s\" may only use A-Z, a-z, 0-9, '_', '.' and '-'", what, name);
        }
        return SG_OK;
}

/* Text that ends up in a header or subject: UTF-8, no control characters
 * but tab, so no header can be injected through it. */
static sg_err check_header_text(const char *what, const char *s, size_t max, sg_error *err) {
        if (!s || !*s)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s must not be empty", what);
        size_t n = bounded_len(s, max);
        if (n > max)
                return sg_error_set(err, SG_ERR_LIMIT, "a %s is longer than %zu bytes", what, max);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if ((c < 0x20 && c != '\t') || c == 0x7F)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "a %s must not contain CR, LF or other control characters", what);
        }
        if (!sg_utf8_valid(s, n))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s is not valid UTF-8", what);
        return SG_OK;
}

static sg_err entries_add(sg_policy *p, struct entries *e, char *key, const char *src, sg_error *err) {
        char *s = sg_strdup(src);
        if (!s || !grow((void **) &e->v, &e->cap, e->n, sizeof *e->v)) {
                free(s);
                free(key);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        e->v[e->n].key = key;
        e->v[e->n].src = s;
        e->v[e->n].seq = p->seq++;
        e->n++;
        return SG_OK;
}

/* ---- Builder: domains and addresses ------------------------------------ */

static sg_err add_domain(sg_policy *p, struct entries *exact, struct entries *wild, size_t *count, const char *entry,
                         sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!entry)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no domain");
        if (*count >= SG_POLICY_DOMAINS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d domains in one list", SG_POLICY_DOMAINS_MAX);
        if (!*entry)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "not a domain: \"\"");
        const char *dom = entry;
        bool wildcard = false;
        if (strchr(entry, '*')) {
                if (strncmp(entry, "*.", 2) != 0 || strchr(entry + 2, '*') || !entry[2] || entry[2] == '.')
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "a wildcard must be \"*.\" followed by a domain: \"%.80s\"", entry);
                dom = entry + 2;
                wildcard = true;
        }
        /* Catch what an IDNA library might let through in an address-less
         * context: whitespace, '@', brackets (address literals). */
        for (const char *c = dom; *c; c++)
                if ((unsigned char) *c <= ' ' || *c == '@' || *c == '[' || *c == ']' || *c == '/' || *c == '\\' ||
                    *c == ':')
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "not a domain: \"%.80s\"", entry);
        char *ascii = NULL;
        sg_error e2 = {0};
        r = sg_domain_normalize(dom, &ascii, &e2);
        if (r == SG_ERR_NOMEM)
                return sg_error_set(err, r, "out of memory");
        if (r || !ascii || !*ascii || ascii[0] == '.') {
                free(ascii);
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "not a domain: \"%.80s\"%s%s%s", entry, r ? " (" : "",
                                    r ? e2.message : "", r ? ")" : "");
        }
        r = entries_add(p, wildcard ? wild : exact, ascii, entry, err);
        if (!r)
                (*count)++;
        return r;
}

sg_err sg_policy_add_internal_domain(sg_policy *p, const char *entry, sg_error *err) {
        return add_domain(p, p ? &p->internal_exact : NULL, p ? &p->internal_wild : NULL,
                          p ? &p->n_internal_domains : NULL, entry, err);
}

sg_err sg_policy_add_exception_domain(sg_policy *p, const char *entry, sg_error *err) {
        return add_domain(p, p ? &p->exception_exact : NULL, p ? &p->exception_wild : NULL,
                          p ? &p->n_exception_domains : NULL, entry, err);
}

static sg_err add_address(sg_policy *p, struct entries *list, const char *address, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!address)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no address");
        if (list->n >= SG_POLICY_ADDRESSES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d addresses in one list", SG_POLICY_ADDRESSES_MAX);
        sg_mailbox_list ml = {0};
        sg_error e2 = {0};
        r = sg_addr_parse_list(address, 2, &ml, &e2);
        if (r == SG_ERR_NOMEM) {
                sg_mailbox_list_clear(&ml);
                return sg_error_set(err, r, "out of memory");
        }
        if (r || ml.n != 1) {
                sg_mailbox_list_clear(&ml);
                if (r && r != SG_ERR_LIMIT)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "not an address: %s", e2.message);
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "exactly one address expected: \"%.80s\"", address);
        }
        char *key = sg_strdup(ml.items[0].address);
        sg_mailbox_list_clear(&ml);
        if (!key)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        sg_ascii_lower(key);
        return entries_add(p, list, key, address, err);
}

sg_err sg_policy_add_internal_address(sg_policy *p, const char *address, sg_error *err) {
        return add_address(p, p ? &p->internal_addr : NULL, address, err);
}

sg_err sg_policy_add_exception_address(sg_policy *p, const char *address, sg_error *err) {
        return add_address(p, p ? &p->exception_addr : NULL, address, err);
}

/* ---- Builder: actions, choices, encryption, routes --------------------- */

sg_err sg_policy_check_route_ref(const sg_policy *p, const char *name, sg_error *err) {
        if (!p || !name || !find_route(p, name))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown route \"%s\" (not defined under \"routes\")",
                                    name ? name : "");
        return SG_OK;
}

/* A route given with an action: required exactly when the action is ROUTE,
 * and a valid name. */
static sg_err check_action_route(sg_action action, const char *route, sg_error *err) {
        if (action == SG_ACTION_ROUTE) {
                if (!route)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "action \"route\" needs a route");
                return check_name("route", route, err);
        }
        if (route)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a route is only given with action \"route\"");
        return SG_OK;
}

sg_err sg_policy_set_external_action(sg_policy *p, sg_action action, const char *route, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((unsigned) action >= SG_ACTION__MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown action %d", (int) action);
        r = check_action_route(action, route, err);
        if (r)
                return r;
        char *copy = NULL;
        if (route && !(copy = sg_strdup(route)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->external_route);
        p->external_route = copy;
        p->external_action = action;
        return SG_OK;
}

sg_err sg_policy_add_choice(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((unsigned) kind >= SG_CHOICE__MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown choice %d", (int) kind);
        if (kind == SG_CHOICE_ROUTE) {
                if (!route)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "choice \"route\" needs a route");
                if ((r = check_name("route", route, err)))
                        return r;
        } else if (route)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a route is only given with choice \"route\"");
        if (!p->choices_set) {
                for (size_t i = 0; i < p->n_choices; i++)
                        free(p->choices[i].route);
                p->n_choices = 0;
                p->choices_set = true;
        }
        for (size_t i = 0; i < p->n_choices; i++)
                if (p->choices[i].kind == kind && (kind != SG_CHOICE_ROUTE || strcmp(p->choices[i].route, route) == 0))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "choice \"%s%s%s\" given twice",
                                            sg_choice_kind_name(kind), route ? ":" : "", route ? route : "");
        if (p->n_choices >= CHOICES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d choices", CHOICES_MAX);
        char *copy = NULL;
        if (route && !(copy = sg_strdup(route)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        /* The array always has room for CHOICES_MAX + 1 (cancel added at seal). */
        struct choice *nc = realloc(p->choices, (CHOICES_MAX + 1) * sizeof *nc);
        if (!nc) {
                free(copy);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        p->choices = nc;
        p->choices[p->n_choices].kind = kind;
        p->choices[p->n_choices].route = copy;
        p->n_choices++;
        return SG_OK;
}

sg_err sg_policy_set_prompt_fallback(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err) {
        if (!p || p->sealed || (unsigned) kind >= SG_CHOICE__MAX)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "cannot change a sealed policy");
        if ((kind == SG_CHOICE_ROUTE) != (route != NULL))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a route is given with choice \"route\" and only then");
        char *copy = NULL;
        if (route && !(copy = sg_strdup(route)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->fallback_choice.route);
        p->fallback_choice.kind = kind;
        p->fallback_choice.route = copy;
        return SG_OK;
}

sg_err sg_policy_set_prompt_recommended(sg_policy *p, sg_choice_kind kind, const char *route, sg_error *err) {
        if (!p || p->sealed || (unsigned) kind >= SG_CHOICE__MAX)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "cannot change a sealed policy");
        if ((kind == SG_CHOICE_ROUTE) != (route != NULL))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a route is given with choice \"route\" and only then");
        if (kind != SG_CHOICE_ENCRYPT && kind != SG_CHOICE_ROUTE)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "the recommended choice must protect the message (encrypt or a route)");
        char *copy = NULL;
        if (route && !(copy = sg_strdup(route)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->recommended_choice.route);
        p->recommended_choice.kind = kind;
        p->recommended_choice.route = copy;
        return SG_OK;
}

bool sg_policy_route(const sg_policy *p, const char *name, const sg_header **ret_headers, size_t *ret_n_headers,
                     const char **ret_subject_tag) {
        const struct route *rt = p && name ? find_route(p, name) : NULL;
        if (!rt)
                return false;
        if (ret_headers)
                *ret_headers = rt->headers;
        if (ret_n_headers)
                *ret_n_headers = rt->n_headers;
        if (ret_subject_tag)
                *ret_subject_tag = rt->subject_tag;
        return true;
}

const char *const *sg_policy_encrypt_methods(const sg_policy *p, size_t *ret_n) {
        *ret_n = p ? p->n_methods : 0;
        return p ? (const char *const *) p->methods : NULL;
}

const char *const *sg_policy_encrypt_fallback(const sg_policy *p, size_t *ret_n) {
        *ret_n = p ? p->n_fallback : 0;
        return p ? (const char *const *) p->fallback : NULL;
}

static sg_err strv_append(char ***v, size_t *n, const char *s, sg_error *err) {
        char *copy = sg_strdup(s);
        char **nv = copy ? realloc(*v, (*n + 1) * sizeof *nv) : NULL;
        if (!nv) {
                free(copy);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        nv[*n] = copy;
        *v = nv;
        (*n)++;
        return SG_OK;
}

static bool strv_has(char **v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

sg_err sg_policy_add_encrypt_method(sg_policy *p, const char *method, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!method)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no method");
        if (strcmp(method, "smime") != 0 && strcmp(method, "openpgp") != 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "unknown encryption method \"%.80s\" (\"smime\" or \"openpgp\")", method);
        if (!p->methods_set) {
                sg_strv_free(p->methods, p->n_methods);
                p->methods = NULL;
                p->n_methods = 0;
                p->methods_set = true;
        }
        if (strv_has(p->methods, p->n_methods, method))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "encryption method \"%s\" given twice", method);
        return strv_append(&p->methods, &p->n_methods, method, err);
}

sg_err sg_policy_add_encrypt_fallback(sg_policy *p, const char *route, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((r = check_name("route", route, err)))
                return r;
        if (strv_has(p->fallback, p->n_fallback, route))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "fallback route \"%s\" given twice", route);
        if (p->n_fallback >= SG_POLICY_ROUTES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d fallback routes", SG_POLICY_ROUTES_MAX);
        return strv_append(&p->fallback, &p->n_fallback, route, err);
}

sg_err sg_policy_add_route(sg_policy *p, const char *name, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if ((r = check_name("route", name, err)))
                return r;
        if (find_route(p, name))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "route \"%s\" defined twice", name);
        if (p->n_routes >= SG_POLICY_ROUTES_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d routes", SG_POLICY_ROUTES_MAX);
        char *copy = sg_strdup(name);
        struct route *nr = copy ? realloc(p->routes, (p->n_routes + 1) * sizeof *nr) : NULL;
        if (!nr) {
                free(copy);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        p->routes = nr;
        memset(&p->routes[p->n_routes], 0, sizeof *nr);
        p->routes[p->n_routes].name = copy;
        p->n_routes++;
        return SG_OK;
}

static sg_err route_for_edit(sg_policy *p, const char *route, struct route **ret, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!route)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no route");
        *ret = find_route(p, route);
        if (!*ret)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "no route \"%.80s\"", route);
        return SG_OK;
}

sg_err sg_policy_add_route_header(sg_policy *p, const char *route, const char *name, const char *value, sg_error *err) {
        struct route *rt;
        sg_err r = route_for_edit(p, route, &rt, err);
        if (r)
                return r;
        if ((r = check_header_name(name, err)) ||
            (r = check_header_text("header value", value, SG_MSG_HEADER_VALUE_MAX, err)))
                return r;
        for (size_t i = 0; i < rt->n_headers; i++)
                if (sg_ascii_strcasecmp(rt->headers[i].name, name) == 0)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "route \"%s\" sets header %s twice", route,
                                            name);
        if (rt->n_headers >= SG_POLICY_ROUTE_HEADERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "route \"%s\" sets more than %d headers", route,
                                    SG_POLICY_ROUTE_HEADERS_MAX);
        char *n = sg_strdup(name), *v = sg_strdup(value);
        sg_header *nh = n && v ? realloc(rt->headers, (rt->n_headers + 1) * sizeof *nh) : NULL;
        if (!nh) {
                free(n);
                free(v);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        rt->headers = nh;
        rt->headers[rt->n_headers].name = n;
        rt->headers[rt->n_headers].value = v;
        rt->n_headers++;
        return SG_OK;
}

sg_err sg_policy_set_route_subject_tag(sg_policy *p, const char *route, const char *tag, sg_error *err) {
        struct route *rt;
        sg_err r = route_for_edit(p, route, &rt, err);
        if (r)
                return r;
        if ((r = check_header_text("subject tag", tag, SUBJECT_TAG_MAX, err)))
                return r;
        char *copy = sg_strdup(tag);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(rt->subject_tag);
        rt->subject_tag = copy;
        return SG_OK;
}

sg_err sg_policy_set_route_label(sg_policy *p, const char *route, const char *en, const char *ja, sg_error *err) {
        struct route *rt;
        sg_err r = route_for_edit(p, route, &rt, err);
        if (r || (r = check_header_text("route label", en, SG_POLICY_LABEL_MAX, err)) ||
            (r = check_header_text("route label", ja, SG_POLICY_LABEL_MAX, err)))
                return r;
        char *e = sg_strdup(en), *j = sg_strdup(ja);
        if (!e || !j) {
                free(e);
                free(j);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        free(rt->label[0]);
        free(rt->label[1]);
        rt->label[0] = e;
        rt->label[1] = j;
        return SG_OK;
}

/* ---- Builder: triggers ------------------------------------------------- */

static bool uses_list(sg_trigger_type t) {
        return sg_trigger_list_key(t) != NULL;
}

static bool is_token_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("!#$&^_.+-", c) != NULL;
}

/* "type/subtype" or "type/ *" (RFC 6838 restricted names). */
static bool valid_media_type(const char *s) {
        const char *slash = strchr(s, '/');
        if (!slash || slash == s)
                return false;
        for (const char *c = s; c < slash; c++)
                if (!is_token_char(*c))
                        return false;
        if (strcmp(slash + 1, "*") == 0)
                return true;
        if (!slash[1])
                return false;
        for (const char *c = slash + 1; *c; c++)
                if (!is_token_char(*c))
                        return false;
        return true;
}

static sg_err list_entry_copy(const sg_trigger_spec *spec, const char *s, size_t n, size_t i, char **ret,
                              sg_error *err);

/* Copy and check one list entry for a trigger of type `t`. */
static sg_err list_entry(const sg_trigger_spec *spec, size_t i, char **ret, sg_error *err) {
        const char *s = spec->list[i];
        if (!s)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "list entry %zu is NULL", i);
        size_t max = spec->type == SG_TRIGGER_BODY_PATTERN ? SG_PATTERN_MAX : SG_MSG_HEADER_VALUE_MAX;
        size_t n = bounded_len(s, max);
        if (n > max)
                return sg_error_set(err, SG_ERR_LIMIT, "list entry %zu is longer than %zu bytes", i, max);
        if (!sg_utf8_valid(s, n))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is not valid UTF-8", i);
        /* Keywords, extensions and header values are compared with the
         * normalised message text, so they are normalised alike. */
        char *norm = NULL;
        if (spec->type == SG_TRIGGER_ATTACHMENT_EXTENSION || spec->type == SG_TRIGGER_SUBJECT_KEYWORD ||
            spec->type == SG_TRIGGER_HEADER) {
                sg_err r = policy_text_entry(s, n, &norm, err);
                if (r) {
                        sg_error_prefix(err, "list entry %zu", i);
                        return r;
                }
                s = norm;
                n = strlen(norm);
        } else if (spec->type == SG_TRIGGER_BODY_PATTERN) {
                /* A pattern is matched against the normalised body, and a
                 * regular expression cannot be normalised for the admin (a
                 * full-width parenthesis would become a group): one that
                 * normalisation would change could never match as written. */
                sg_err r = policy_text_entry(s, n, &norm, err);
                if (r) {
                        sg_error_prefix(err, "list entry %zu", i);
                        return r;
                }
                bool same = strlen(norm) == n && memcmp(norm, s, n) == 0;
                if (!same) {
                        r = sg_error_set(err, SG_ERR_POLICY_INVALID,
                                         "list entry %zu: the body is matched after normalisation (full-width "
                                         "letters and digits, circled digits and other compatibility characters become "
                                         "plain text), "
                                         "so this pattern cannot match as written; write it as \"%.200s\"",
                                         i, norm);
                        free(norm);
                        return r;
                }
                free(norm);
                norm = NULL;
        }
        sg_err r = list_entry_copy(spec, s, n, i, ret, err);
        free(norm);
        return r;
}

static sg_err list_entry_copy(const sg_trigger_spec *spec, const char *s, size_t n, size_t i, char **ret,
                              sg_error *err) {
        char *v;
        switch (spec->type) {
        case SG_TRIGGER_ATTACHMENT_EXTENSION: {
                const char *ext = s[0] == '.' ? s + 1 : s;
                if (!*ext)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is empty", i);
                v = malloc(strlen(ext) + 2);
                if (v) {
                        v[0] = '.';
                        strcpy(v + 1, ext);
                        sg_ascii_lower(v);
                }
                break;
        }
        case SG_TRIGGER_ATTACHMENT_TYPE:
                if (!valid_media_type(s))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "not a content type: \"%.80s\" (\"type/subtype\" or \"type/*\")", s);
                v = sg_strdup(s);
                sg_ascii_lower(v);
                break;
        case SG_TRIGGER_HEADER:
                for (size_t k = 0; k < n; k++)
                        if ((unsigned char) s[k] < 0x20 && s[k] != '\t')
                                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                                    "list entry %zu contains a control character", i);
                v = trimmed_dup(s, n);
                if (v && !*v) {
                        free(v);
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is empty", i);
                }
                break;
        default:
                if (n == 0)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "list entry %zu is empty", i);
                v = sg_strdup(s);
                break;
        }
        if (!v)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        *ret = v;
        return SG_OK;
}

static sg_err check_spec(const sg_trigger_spec *spec, sg_error *err) {
        sg_err r;
        if ((unsigned) spec->type >= SG_TRIGGER__MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown trigger type %d", (int) spec->type);
        if (spec->id && (r = check_name("trigger", spec->id, err)))
                return r;
        if ((unsigned) spec->action >= SG_ACTION__MAX || spec->action == SG_ACTION_ALLOW)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "a trigger's action must be prompt, route, encrypt or block");
        if ((r = check_action_route(spec->action, spec->route, err)))
                return r;
        if (spec->scope != SG_SCOPE_EXTERNAL && spec->scope != SG_SCOPE_ALL)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "unknown scope %d", (int) spec->scope);
        if (spec->n_list > 0 && !spec->list)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "list is NULL");
        if (spec->n_list > SG_POLICY_LIST_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d list entries", SG_POLICY_LIST_MAX);
        const char *tn = sg_trigger_type_name(spec->type);
        if (!uses_list(spec->type) && spec->n_list > 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s trigger takes no list", tn);
        if (uses_list(spec->type) && spec->type != SG_TRIGGER_HEADER && spec->n_list == 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a %s trigger needs at least one list entry", tn);
        if (spec->type == SG_TRIGGER_HEADER) {
                if (!spec->header_name)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "a header trigger needs a header name");
                if ((r = check_header_name(spec->header_name, err)))
                        return r;
        } else if (spec->header_name)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "only a header trigger takes a header name");
        if (spec->type == SG_TRIGGER_ATTACHMENT_SIZE && spec->size == 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "an attachment_size trigger needs a size of at least 1 byte");
        if (spec->type == SG_TRIGGER_EXTERNAL_DOMAINS && spec->min < 1)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "an external_domains trigger needs a minimum of at least 1");
        if (!spec->label_en != !spec->label_ja)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a trigger label needs both English and Japanese");
        if (spec->label_en && ((r = check_header_text("trigger label", spec->label_en, SG_POLICY_LABEL_MAX, err)) ||
                               (r = check_header_text("trigger label", spec->label_ja, SG_POLICY_LABEL_MAX, err))))
                return r;
        return SG_OK;
}

sg_err sg_policy_add_trigger(sg_policy *p, const sg_trigger_spec *spec, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!spec)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no trigger");
        if (p->n_triggers >= SG_POLICY_TRIGGERS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "more than %d triggers", SG_POLICY_TRIGGERS_MAX);
        if ((r = check_spec(spec, err)))
                return r;
        struct trigger t = {.type = spec->type,
                            .action = spec->action,
                            .scope = spec->scope,
                            .forbid_send = spec->forbid_send,
                            .size = spec->size,
                            .min = spec->min};
        char auto_id[SG_POLICY_NAME_MAX + 1];
        /* Default id: type and the trigger's 0-based position, the index a
         * loader's key path ("triggers[3]") uses too. */
        snprintf(auto_id, sizeof auto_id, "%s-%zu", sg_trigger_type_name(spec->type), p->n_triggers);
        t.id = sg_strdup(spec->id ? spec->id : auto_id);
        if (!t.id)
                goto nomem;
        if (spec->route && !(t.route = sg_strdup(spec->route)))
                goto nomem;
        if (spec->header_name && !(t.header_name = sg_strdup(spec->header_name)))
                goto nomem;
        if (spec->label_en && (!(t.label[0] = sg_strdup(spec->label_en)) || !(t.label[1] = sg_strdup(spec->label_ja))))
                goto nomem;
        if (spec->n_list > 0) {
                t.list = calloc(spec->n_list, sizeof *t.list);
                if (!t.list)
                        goto nomem;
                if (spec->type == SG_TRIGGER_BODY_PATTERN && !(t.patterns = calloc(spec->n_list, sizeof *t.patterns)))
                        goto nomem;
                for (size_t i = 0; i < spec->n_list; i++) {
                        t.n_list = i;
                        if ((r = list_entry(spec, i, &t.list[i], err)))
                                goto fail;
                        t.n_list = i + 1;
                        if (t.patterns) {
                                r = sg_pattern_new(t.list[i], spec->caseless, &t.patterns[i], err);
                                if (r) {
                                        sg_error_prefix(err, "pattern \"%.80s\"", t.list[i]);
                                        goto fail;
                                }
                        }
                }
        }
        struct trigger *nt = realloc(p->triggers, (p->n_triggers + 1) * sizeof *nt);
        if (!nt)
                goto nomem;
        p->triggers = nt;
        p->triggers[p->n_triggers++] = t;
        return SG_OK;
nomem:
        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
fail:
        trigger_clear(&t);
        return r;
}

/* ---- Seal -------------------------------------------------------------- */

static int entry_cmp(const void *a, const void *b) {
        const struct entry *x = a, *y = b;
        int c = strcmp(x->key, y->key);
        if (c)
                return c;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort (so duplicates sit together, earliest first) and build the hash
 * index evaluation looks keys up in; false when out of memory. */
static bool entries_seal(struct entries *e) {
        if (e->n > 1)
                qsort(e->v, e->n, sizeof *e->v, entry_cmp);
        if (e->n == 0)
                return true;
        size_t n_slots = 16;
        while (n_slots < 2 * e->n)
                n_slots *= 2;
        struct slot *slots = calloc(n_slots, sizeof *slots);
        if (!slots)
                return false;
        for (size_t i = 0; i < e->n; i++) {
                if (i > 0 && strcmp(e->v[i].key, e->v[i - 1].key) == 0)
                        continue; /* a later duplicate: the first one wins */
                uint32_t h = key_hash(e->v[i].key, strlen(e->v[i].key));
                size_t k = h & (n_slots - 1);
                while (slots[k].index)
                        k = (k + 1) & (n_slots - 1);
                slots[k].hash = h;
                slots[k].index = (uint32_t) i + 1;
        }
        free(e->slots);
        e->slots = slots;
        e->n_slots = n_slots;
        return true;
}

static sg_err check_route_used(const sg_policy *p, const char *name, const char *user, sg_error *err) {
        const struct route *rt = find_route(p, name);
        if (!rt)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "%s names route \"%s\", which is not defined", user,
                                    name);
        if (rt->n_headers == 0)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "route \"%s\" sets no header", name);
        return SG_OK;
}

sg_err sg_policy_seal(sg_policy *p, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (p->external_route && (r = check_route_used(p, p->external_route, "the external action", err)))
                return r;
        for (size_t i = 0; i < p->n_choices; i++)
                if (p->choices[i].route && (r = check_route_used(p, p->choices[i].route, "a choice", err)))
                        return r;
        for (size_t i = 0; i < p->n_fallback; i++)
                if ((r = check_route_used(p, p->fallback[i], "an encryption fallback", err)))
                        return r;
        for (size_t i = 0; i < p->n_triggers; i++) {
                const struct trigger *t = &p->triggers[i];
                if (t->route) {
                        char who[SG_POLICY_NAME_MAX + 16];
                        snprintf(who, sizeof who, "trigger \"%s\"", t->id);
                        if ((r = check_route_used(p, t->route, who, err)))
                                return r;
                }
                for (size_t k = 0; k < i; k++)
                        if (strcmp(p->triggers[k].id, t->id) == 0)
                                return sg_error_set(err, SG_ERR_POLICY_INVALID, "trigger id \"%s\" used twice", t->id);
        }
        bool cancel = false, fallback = false, recommended = p->recommended_choice.kind == SG_CHOICE__MAX;
        for (size_t i = 0; i < p->n_choices; i++) {
                const struct choice *c = &p->choices[i];
                cancel = cancel || c->kind == SG_CHOICE_CANCEL;
                fallback = fallback || is_fallback(p, c);
                recommended = recommended || is_recommended(p, c);
        }
        if (!recommended)
                return sg_error_set(
                        err, SG_ERR_POLICY_INVALID, "the recommended choice \"%s%s%s\" is not one of the choices",
                        sg_choice_kind_name(p->recommended_choice.kind), p->recommended_choice.route ? ":" : "",
                        p->recommended_choice.route ? p->recommended_choice.route : "");
        if (p->justification_to == SG_JUSTIFICATION_TO_GATEWAY && !p->justification_header)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "prompt.justification_to \"gateway\" needs prompt.justification_header");
        if (!fallback && p->fallback_choice.kind != SG_CHOICE_CANCEL)
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "the prompt fallback \"%s%s%s\" is not one of the choices",
                                    sg_choice_kind_name(p->fallback_choice.kind), p->fallback_choice.route ? ":" : "",
                                    p->fallback_choice.route ? p->fallback_choice.route : "");
        if (!cancel) {
                /* The default list has 3 slots and includes cancel; an admin's
                 * list was allocated with one spare slot for this. */
                p->choices[p->n_choices].kind = SG_CHOICE_CANCEL;
                p->choices[p->n_choices].route = NULL;
                p->n_choices++;
        }
        if (!entries_seal(&p->internal_exact) || !entries_seal(&p->internal_wild) ||
            !entries_seal(&p->exception_exact) || !entries_seal(&p->exception_wild) ||
            !entries_seal(&p->internal_addr) || !entries_seal(&p->exception_addr))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        if ((r = policy_lookalike_seal(p, err)))
                return r;
        p->sealed = true;
        return SG_OK;
}
