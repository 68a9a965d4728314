/* sealgate: what the three policy files share, and nobody else: the
 * sg_policy structure and its parts, the limits the builder and the
 * evaluator agree on, and small helpers. policy-schema.c holds the stable
 * names and the key tables, policy.c the object and its builder, policy-eval.c
 * the evaluation (gnome-text-editor's editor-window-private.h pattern). */
#ifndef SEALGATE_POLICY_PRIVATE_H
#define SEALGATE_POLICY_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/pattern.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"

#define SUBJECT_TAG_MAX  64
#define EVIDENCE_MAX     10 /* masked numbers reported per trigger */
#define DETAIL_ITEMS_MAX 10 /* items spelled out in a detail string */
#define CHOICES_MAX      (SG_POLICY_ROUTES_MAX + 3)

/* ---- Policy structure -------------------------------------------------- */

/* One domain or address entry: the lookup key (normalised, lower case) and
 * the text as the admin wrote it, reported as sg_recipient.matched. */
struct entry {
        char *key;
        char *src;
        size_t seq; /* insertion order: among duplicates the first one wins */
};

struct entries {
        struct entry *v;
        size_t n, cap;
        /* Built at seal: an open-addressing hash index over the keys, each
         * slot an index into v plus one (0: empty) and the key's hash, n_slots a power of two
         * at least twice n. Only the first of duplicate keys is indexed. */
        struct slot {
                uint32_t hash; /* key_hash of the key, so a probe rarely reads a key */
                uint32_t index;
        } * slots;
        size_t n_slots;
};

struct route {
        char *name;
        sg_header *headers;
        size_t n_headers;
        char *subject_tag;
        char *label[2]; /* what the user sees: [0] English, [1] Japanese, or NULL (GLOSSARY.md) */
};

struct trigger {
        char *id;
        sg_trigger_type type;
        sg_action action;
        char *route;
        sg_scope scope;
        bool forbid_send;
        char **list; /* as given (attachment_extension: ".ext" lower case) */
        size_t n_list;
        sg_pattern **patterns; /* body_pattern: one per list entry */
        uint64_t size;
        unsigned min;
        char *header_name;
        char *label[2]; /* what the prompts say for its reason: [0] English, [1] Japanese, or NULL */
};

struct choice {
        sg_choice_kind kind;
        char *route;
};

struct sg_policy {
        bool sealed;
        struct entries internal_exact, internal_wild, exception_exact, exception_wild;
        struct entries internal_addr, exception_addr;
        size_t n_internal_domains, n_exception_domains, seq;
        sg_action external_action;
        char *external_route;
        struct choice *choices;
        size_t n_choices;
        bool choices_set;
        bool require_justification;
        bool accept_compose_choice; /* prompt.accept_compose_choice */
        bool split_delivery;        /* encrypt.split_delivery */
        struct choice fallback_choice;
        struct choice recommended_choice; /* prompt.recommended; kind SG_CHOICE__MAX: the first protective choice */
        char **methods;
        size_t n_methods;
        bool methods_set;
        char **fallback;
        size_t n_fallback;
        struct route *routes;
        size_t n_routes;
        struct trigger *triggers;
        size_t n_triggers;
        unsigned prompt_timeout;
        char *justification_header;
        sg_justification_to justification_to; /* prompt.justification_to */
        char *check_header;                   /* NULL: SG_POLICY_CHECK_HEADER_DEFAULT */
        char *check_key;                      /* NULL: none */
        sg_audit_settings audit;              /* audit.directory points to audit_directory */
        char *audit_directory;
        sg_keys_settings keys; /* its strings point to keys_store, keys_nss_db */
        char *keys_store, *keys_nss_db;
        char subaddress_delimiters[SG_POLICY_SUBADDRESS_DELIMITERS_MAX + 1]; /* addresses.subaddress_delimiters */
        enum { SOURCE_ROUTES_EXTERNAL = 0, SOURCE_ROUTES_ERROR, SOURCE_ROUTES_DOMAIN } source_routes;
        struct missend { /* policy-missend.c */
                sg_confirm confirm;
                bool confirm_attachments, allow_check_all, show_sender, confirm_sender;
                unsigned delay_seconds;
                bool delay_skippable, delay_all;
                sg_delay_mode delay_mode;
                unsigned bcc_min_domains, bcc_min_addresses;
                sg_bcc_mode bcc_mode;  /* AUTO or ASK; the rule is on when a minimum is set */
                char *bcc_placeholder; /* NULL: the sender */
                sg_action new_domain;  /* ALLOW: off */
        } missend;
        struct lookalike *lookalike; /* policy-lookalike.c: built at seal */
};

static inline unsigned char lower_byte(unsigned char c) {
        return c >= 'A' && c <= 'Z' ? (unsigned char) (c + 32) : c;
}

/* FNV-1a over the n bytes of s taken from the last to the first, ASCII
 * letters folded to lower case: the hash of an entry key (already lower
 * case) and of a looked-up name alike. Backwards, so one pass over a domain
 * gives the hash of every parent domain on the way (policy-eval.c). */
#define KEY_HASH_SEED  2166136261u
#define KEY_HASH_PRIME 16777619u
static inline uint32_t key_hash_step(uint32_t h, char c) {
        return (h ^ lower_byte((unsigned char) c)) * KEY_HASH_PRIME;
}

static inline uint32_t key_hash(const char *s, size_t n) {
        uint32_t h = KEY_HASH_SEED;
        while (n > 0)
                h = key_hash_step(h, s[--n]);
        return h;
}

static inline void headers_free(sg_header *h, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(h[i].name);
                free(h[i].value);
        }
        free(h);
}

static inline bool is_fallback(const sg_policy *p, const struct choice *c) {
        return c->kind == p->fallback_choice.kind &&
               (c->kind != SG_CHOICE_ROUTE || strcmp(c->route, p->fallback_choice.route) == 0);
}

static inline bool is_recommended(const sg_policy *p, const struct choice *c) {
        return c->kind == p->recommended_choice.kind &&
               (c->kind != SG_CHOICE_ROUTE || strcmp(c->route, p->recommended_choice.route) == 0);
}

/* Length of `s`, or max + 1 if it is longer (never reads past the NUL). */
static inline size_t bounded_len(const char *s, size_t max) {
        size_t n = 0;
        while (n <= max && s[n])
                n++;
        return n;
}

static inline struct route *find_route(const sg_policy *p, const char *name) {
        for (size_t i = 0; i < p->n_routes; i++)
                if (strcmp(p->routes[i].name, name) == 0)
                        return &p->routes[i];
        return NULL;
}

/* Grow an array of `size`-byte elements so one more fits. */
static inline bool grow(void **v, size_t *cap, size_t n, size_t size) {
        if (n < *cap)
                return true;
        size_t ncap = *cap ? *cap * 2 : 8;
        void *nv = realloc(*v, ncap * size);
        if (!nv)
                return false;
        *v = nv;
        *cap = ncap;
        return true;
}

static inline bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Owned copy of s without surrounding ASCII whitespace. */
static inline char *trimmed_dup(const char *s, size_t n) {
        while (n > 0 && is_space(*s)) {
                s++;
                n--;
        }
        while (n > 0 && is_space(s[n - 1]))
                n--;
        return sg_strndup(s, n);
}

/* policy-text.c: the normalised view of a message the content triggers read
 * (textnorm.h). `msg` borrows from the caller's message except where a field
 * was normalised; release with policy_text_clear(). */
struct policy_text {
        sg_message msg;
        sg_attachment *attachments; /* copy, when a name was normalised */
        sg_header *headers;         /* copy, when a value was normalised */
        char **owned;
        size_t n_owned, cap_owned;
};
sg_err policy_text_view(const sg_policy *p, const sg_message *m, struct policy_text *ret, sg_error *err);
void policy_text_clear(struct policy_text *nm);
/* A policy list entry (keyword, extension, header value) normalised the
 * same way, as an owned string. */
sg_err policy_text_entry(const char *s, size_t len, char **ret, sg_error *err);

/* The builder calls fail on a NULL or sealed policy. */
static inline sg_err check_open(const sg_policy *p, sg_error *err) {
        if (!p)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no policy");
        if (p->sealed)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the policy is sealed");
        return SG_OK;
}

/* An RFC 5322 field name: printable ASCII without ':', at most
 * SG_MSG_HEADER_NAME_MAX bytes. */
static inline sg_err check_header_name(const char *name, sg_error *err) {
        if (!name || !*name)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "a header name must not be empty");
        size_t n = bounded_len(name, SG_MSG_HEADER_NAME_MAX);
        if (n > SG_MSG_HEADER_NAME_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "a header name is longer than %d bytes", SG_MSG_HEADER_NAME_MAX);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) name[i];
                if (c < 33 || c > 126 || c == ':')
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "not a header field name: \"%.80s\" (printable ASCII without ':')", name);
        }
        return SG_OK;
}

/* policy-classify.c: the class and rule of one recipient (its `matched`
 * borrowed from the policy); false when addresses.source_routes is "error"
 * and its local part holds a source route. */
bool policy_classify(const sg_policy *p, sg_recipient *r);

/* policy-missend.c: the mis-send rules over a decision whose recipients are
 * classified: marks the recipients (confirm, lookalike, to_bcc), fills the
 * decision's mis-send fields and puts the reasons to add in ret (owned by
 * the caller on success, *ret_n of them). */
#define MISSEND_REASONS_MAX 4
sg_err policy_missend(const sg_policy *p, const sg_message *m, sg_decision *d, sg_reason ret[MISSEND_REASONS_MAX],
                      size_t *ret_n, sg_error *err);

/* policy-lookalike.c: the index of the internal domains a recipient's
 * domain is compared with, built by sg_policy_seal (after the entries are
 * sorted); whether dom looks like one of them (one edit apart, or the same
 * confusable skeleton) without being it. */
struct lookalike;
sg_err policy_lookalike_seal(sg_policy *p, sg_error *err);
void policy_lookalike_free(struct lookalike *lk);
bool policy_lookalike(const sg_policy *p, const char *dom);

#endif
