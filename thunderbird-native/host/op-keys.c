/* sealgate-host: the keys family: keys.lookup's request checked against
 * the policy's keys.* settings into a job (here, without crypto), and the
 * job run by the crypto module's lookup worker (keys-job.c), loaded on the
 * first lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-private.h"
#include "sealgate/keys.h" /* limits only: the lookup runs in the crypto module */
#include "sealgate/util.h"

/* A policy path with "~/" taken as the home directory; owned, NULL for none. */
static sg_err expand_home(const char *path, const char *key, char **ret, sg_error *err) {
        *ret = NULL;
        if (!path)
                return SG_OK;
        if (path[0] != '~') {
                if (!(*ret = sg_strdup(path)))
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                return SG_OK;
        }
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
                return sg_error_set(err, SG_ERR_IO, "keys.%s starts with \"~/\" but HOME is not set", key);
        size_t n = strlen(home) + strlen(path);
        if (!(*ret = malloc(n)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        snprintf(*ret, n, "%s%s", home, path + 1);
        return SG_OK;
}

const char _host_hlp_keys_lookup[] =
        "{recipients[], methods[]} -> {answers[{address, ready, client{name, smime{...}, pgp{...}}, smime{...}, "
        "pgp{...}}], smime_ready, openpgp_ready, sources{...}}: whether Thunderbird itself can encrypt to every "
        "recipient now (its profile's NSS database; its keyring and Key Manager acceptance), and what other "
        "sources know; answered when the lookup ends, while other requests are served.";

sg_err _host_op_keys_lookup(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        json_object_object_foreach(req, key, val) {
                (void) val;
                if (strcmp(key, "id") != 0 && strcmp(key, "op") != 0 && strcmp(key, "recipients") != 0 &&
                    strcmp(key, "methods") != 0)
                        return sg_error_set(err, SG_ERR_REQUEST, "%.*s: unknown key (expected recipients, methods)",
                                            _host_quote_len(key, 64), key);
        }
        json_object *r, *m;
        if (!json_object_object_get_ex(req, "recipients", &r) || !json_object_is_type(r, json_type_array))
                return sg_error_set(err, SG_ERR_REQUEST, "recipients: required, an array of addresses");
        size_t n = json_object_array_length(r);
        if (n == 0)
                return sg_error_set(err, SG_ERR_REQUEST, "recipients: must not be empty");
        if (n > SG_KEYS_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "recipients: more than %d in one lookup",
                                    SG_KEYS_RECIPIENTS_MAX);
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(r, i);
                if (!json_object_is_type(a, json_type_string))
                        return sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu]: expected a string, got %s", i,
                                            json_type_to_name(json_object_get_type(a)));
                size_t len = (size_t) json_object_get_string_len(a);
                if (strlen(json_object_get_string(a)) != len)
                        return sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu]: contains a NUL character", i);
                if (len > SG_KEYS_ADDRESS_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "recipients[%zu]: longer than %d bytes", i,
                                            SG_KEYS_ADDRESS_MAX);
        }
        bool smime = true, openpgp = true;
        if (json_object_object_get_ex(req, "methods", &m) && m) {
                if (!json_object_is_type(m, json_type_array) || json_object_array_length(m) == 0 ||
                    json_object_array_length(m) > 2)
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "methods: expected an array of \"smime\" and/or \"openpgp\"");
                smime = openpgp = false;
                for (size_t i = 0; i < json_object_array_length(m); i++) {
                        json_object *v = json_object_array_get_idx(m, i);
                        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
                        if (strcmp(s, "smime") == 0)
                                smime = true;
                        else if (strcmp(s, "openpgp") == 0)
                                openpgp = true;
                        else
                                return sg_error_set(err, SG_ERR_REQUEST,
                                                    "methods[%zu]: expected \"smime\" or \"openpgp\"", i);
                }
        }

        /* Fail closed: no policy, no lookup (it says whether network lookups are allowed). */
        _host_policy_refresh(h, false);
        if (!h->policy) {
                if (err)
                        *err = h->policy_err;
                return h->policy_err.code;
        }
        const sg_keys_settings *ks = sg_policy_keys(h->policy);
        sg_keys_job *job = calloc(1, sizeof *job);
        if (!job || !(job->addresses = calloc(n, sizeof *job->addresses))) {
                sg_keys_job_free(job);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++, job->n_addresses++)
                if (!(job->addresses[i] = sg_strdup(json_object_get_string(json_object_array_get_idx(r, i))))) {
                        sg_keys_job_free(job);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
        job->smime = smime;
        job->openpgp = openpgp;
        job->network_lookups = ks->network_lookups;
        job->timeout_seconds = ks->timeout_seconds;
        job->revocation = ks->revocation;
        sg_err e;
        if ((e = expand_home(ks->certificate_store, "certificate_store", &job->certificate_store, err)) ||
            (e = expand_home(ks->nss_db, "nss_db", &job->nss_db, err))) {
                sg_keys_job_free(job);
                return e;
        }
        out->keys = job;
        return SG_OK;
}

int sg_host_keys_run(sg_host *h, sg_keys_job *job) {
        sg_error err;
        const sg_host_crypto *c = _host_crypto(h, &err);
        if (c && !h->keys && !(h->keys = c->keys_new(h->send, h->log, h->send_userdata)))
                sg_error_set(&err, SG_ERR_NOMEM, "out of memory starting the key lookups");
        if (!c || !h->keys || !h->send) {
                if (c && h->keys && !h->send)
                        sg_error_set(&err, SG_ERR_INTERNAL, "keys.lookup needs the host's transport");
                char *resp = sg_host_error_response(job->id_json, err.code, err.message);
                int w = resp && h->send ? h->send(h->send_userdata, resp, job->id_json) : -1;
                free(resp);
                sg_keys_job_free(job);
                return w;
        }
        return c->keys_submit(h->keys, job);
}
