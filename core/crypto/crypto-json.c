/* sealgate: the JSON shapes of the crypto results (json-c): S/MIME and OpenPGP
 * verification and keys lookup answers. One place for the host and the CLI, so
 * `sealgate smime verify --json` and the host's smime.verify print the same. */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sealgate/crypto-json.h"

/* ---- S/MIME verification results */

static json_object *json_str(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* RFC 3339 UTC, or "?" for a time gmtime cannot represent. */
static json_object *json_time(int64_t t) {
        time_t tt = (time_t) t;
        struct tm tm;
        char b[40] = "?";
        if (gmtime_r(&tt, &tm))
                strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return json_object_new_string(b);
}

void sg_smime_verify_to_json(json_object *r, const sg_smime_verify_result *res, const char *from) {
        json_object *list = json_object_new_array();
        json_object_object_add(r, "valid", json_object_new_boolean(res->valid));
        json_object_object_add(r, "from", json_str(from));
        for (size_t i = 0; i < res->n_signers; i++) {
                const sg_smime_signer *s = &res->signers[i];
                json_object *o = json_object_new_object(), *em = json_object_new_array();
                json_object_object_add(o, "valid", json_object_new_boolean(s->valid));
                json_object_object_add(o, "signature_valid", json_object_new_boolean(s->signature_valid));
                json_object_object_add(o, "signature_error", json_str(s->signature_error));
                json_object_object_add(o, "subject", json_str(s->subject));
                for (size_t k = 0; k < s->n_emails; k++)
                        json_object_array_add(em, json_object_new_string(s->emails[k]));
                json_object_object_add(o, "emails", em);
                json_object_object_add(o, "issuer", json_str(s->issuer));
                json_object_object_add(o, "serial", json_str(s->serial));
                json_object_object_add(o, "not_before", s->subject ? json_time(s->not_before) : NULL);
                json_object_object_add(o, "not_after", s->subject ? json_time(s->not_after) : NULL);
                json_object_object_add(o, "cert_time_valid", json_object_new_boolean(s->cert_time_valid));
                json_object_object_add(o, "chain_trusted", json_object_new_boolean(s->chain_trusted));
                json_object_object_add(o, "chain_error", json_str(s->chain_error));
                json_object_object_add(o, "email_matches",
                                       s->email_checked ? json_object_new_boolean(s->email_matches) : NULL);
                json_object_object_add(o, "usage_ok", json_object_new_boolean(s->usage_ok));
                json_object_object_add(o, "usage_error", json_str(s->usage_error));
                json_object_object_add(o, "signing_time", s->has_signing_time ? json_time(s->signing_time) : NULL);
                json_object_object_add(o, "digest", json_str(s->digest));
                json_object_array_add(list, o);
        }
        json_object_object_add(r, "signers", list);
}

/* ---- OpenPGP verification results */

static json_object *json_list(char **v, size_t n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, json_object_new_string(v[i]));
        return a;
}

void sg_pgp_verify_to_json(json_object *r, const sg_pgp_verify_result *res, const char *from) {
        json_object *list = json_object_new_array();
        json_object_object_add(r, "valid", json_object_new_boolean(res && res->valid));
        json_object_object_add(r, "from", json_str(from));
        for (size_t i = 0; res && i < res->n_signers; i++) {
                const sg_pgp_signer *s = &res->signers[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "valid", json_object_new_boolean(s->valid));
                json_object_object_add(o, "signature_valid", json_object_new_boolean(s->signature_valid));
                json_object_object_add(o, "fingerprint", json_str(s->fingerprint));
                json_object_object_add(o, "primary_fingerprint", json_str(s->primary_fingerprint));
                json_object_object_add(o, "user_ids", json_list(s->user_ids, s->n_user_ids));
                json_object_object_add(o, "emails", json_list(s->emails, s->n_emails));
                json_object_object_add(o, "not_before", s->primary_fingerprint ? json_time(s->not_before) : NULL);
                json_object_object_add(o, "not_after", s->not_after ? json_time(s->not_after) : NULL);
                json_object_object_add(o, "key_time_valid", json_object_new_boolean(s->key_time_valid));
                json_object_object_add(o, "key_revoked", json_object_new_boolean(s->key_revoked));
                json_object_object_add(o, "validity", json_str(s->validity));
                json_object_object_add(o, "key_trusted", json_object_new_boolean(s->key_trusted));
                json_object_object_add(o, "trust_error", json_str(s->trust_error));
                json_object_object_add(o, "email_matches",
                                       s->email_checked ? json_object_new_boolean(s->email_matches) : NULL);
                json_object_object_add(o, "usage_ok", json_object_new_boolean(s->usage_ok));
                json_object_object_add(o, "usage_error", json_str(s->usage_error));
                json_object_object_add(o, "signing_time", s->has_signing_time ? json_time(s->signing_time) : NULL);
                json_object_object_add(o, "digest", json_str(s->digest));
                json_object_object_add(o, "pubkey_algo", json_str(s->pubkey_algo));
                json_object_array_add(list, o);
        }
        json_object_object_add(r, "signers", list);
}

/* ---- keys lookup answers */

const char *sg_key_status_name(sg_key_status s) {
        switch (s) {
        case SG_KEY_USABLE:
                return "usable";
        case SG_KEY_NONE:
                return "none";
        case SG_KEY_EXPIRED:
                return "expired";
        case SG_KEY_REVOKED:
                return "revoked";
        case SG_KEY_WRONG_USAGE:
                return "wrong_usage";
        case SG_KEY_WRONG_ADDRESS:
                return "wrong_address";
        case SG_KEY_LOOKUP_FAILED:
                return "lookup_failed";
        case SG_KEY_INVALID:
                return "invalid";
        case SG_KEY_REVOCATION_UNKNOWN:
                return "revocation_unknown";
        case SG_KEY_NOT_ACCEPTED:
                return "not_accepted";
        }
        return "unknown";
}

static void add_str(json_object *o, const char *key, const char *v) {
        if (v)
                json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *key_found_json(const sg_key_found *f) {
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        add_str(o, "status", sg_key_status_name(f->status));
        json_object_object_add(o, "usable", json_object_new_boolean(f->status == SG_KEY_USABLE));
        add_str(o, "method", f->method);
        add_str(o, "fingerprint", f->fingerprint);
        add_str(o, "serial", f->serial);
        add_str(o, "subject", f->subject);
        add_str(o, "validity", f->validity);
        add_str(o, "revocation", f->revocation);
        add_str(o, "revocation_detail", f->revocation_detail);
        if (f->method && f->expires) {
                time_t t = (time_t) f->expires;
                struct tm tm;
                char d[32];
                if (gmtime_r(&t, &tm) && strftime(d, sizeof d, "%Y-%m-%d", &tm))
                        add_str(o, "expires", d);
        }
        add_str(o, "reason", f->reason);
        add_str(o, "acceptance", f->acceptance);
        add_str(o, "fix", f->fix);
        return o;
}

json_object *sg_keys_answer_to_json(const sg_keys_answer *a, bool smime, bool pgp) {
        json_object *e = json_object_new_object();
        if (!e)
                return NULL;
        bool ready = (smime && a->smime.status == SG_KEY_USABLE) || (pgp && a->pgp.status == SG_KEY_USABLE);
        if (a->client) /* what the asking client itself can encrypt with */
                ready = (smime && a->tb_smime.status == SG_KEY_USABLE) || (pgp && a->tb_pgp.status == SG_KEY_USABLE);
        add_str(e, "address", a->address);
        json_object_object_add(e, "ready", json_object_new_boolean(ready));
        if (a->client) {
                json_object *c = json_object_new_object();
                json_object *cs = smime ? key_found_json(&a->tb_smime) : NULL;
                json_object *cp = pgp ? key_found_json(&a->tb_pgp) : NULL;
                if (!c || (smime && !cs) || (pgp && !cp)) {
                        json_object_put(c);
                        json_object_put(cs);
                        json_object_put(cp);
                        json_object_put(e);
                        return NULL;
                }
                add_str(c, "name", "thunderbird");
                if (cs)
                        json_object_object_add(c, "smime", cs);
                if (cp)
                        json_object_object_add(c, "pgp", cp);
                json_object_object_add(e, "client", c);
        }
        json_object *s = smime ? key_found_json(&a->smime) : NULL;
        json_object *g = pgp ? key_found_json(&a->pgp) : NULL;
        if ((smime && !s) || (pgp && !g)) {
                json_object_put(s);
                json_object_put(g);
                json_object_put(e);
                return NULL;
        }
        if (s)
                json_object_object_add(e, "smime", s);
        if (g)
                json_object_object_add(e, "pgp", g);
        return e;
}
