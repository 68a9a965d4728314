/* sealgate-host: one connection's state (sg_host): creation, the launch
 * information, logging, and the policy that is reloaded when its file
 * changes (on Windows: the registry policy, read again once a second). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#ifdef _WIN32
#include <windows.h>

#include "policy-reg.h"
#define SG_HOST_REG_POLICY_NAME "HKLM\\" SG_REG_POLICY_KEY " over HKCU\\" SG_REG_USER_KEY
#endif

#include "host-private.h"
#include "sealgate/audit-file.h"
#include "sealgate/policy-json.h"
#include "sealgate/util.h"

void _host_log(sg_host *h, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        sg_host_vlogf(h->log, h->log_userdata, fmt, ap);
        va_end(ap);
}

int _host_quote_len(const char *s, size_t max) {
        size_t n = strlen(s);
        if (n <= max)
                return (int) n;
        n = max;
        while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
                n--;
        return (int) n;
}

sg_host *sg_host_new(const char *policy_path) {
        sg_host *h = calloc(1, sizeof *h);
        if (!h)
                return NULL;
#ifdef _WIN32
        /* Windows: the registry policy (policy-reg.h), named for the logs and doctor. */
        h->policy_path = sg_strdup(policy_path ? policy_path : SG_HOST_REG_POLICY_NAME);
#else
        h->policy_path = sg_strdup(policy_path ? policy_path : sg_policy_default_path());
#endif
        if (!h->policy_path) {
                free(h);
                return NULL;
        }
        sg_error_set(&h->policy_err, SG_ERR_POLICY_IO, "policy %s not read yet", h->policy_path);
        return h;
}

sg_host *sg_host_free(sg_host *h) {
        if (!h)
                return NULL;
        sg_host_crypto_end(h);
        free(h->chunk_id_json);
        free(h->chunk_buf);
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++)
                _host_attempt_clear(&h->attempts[i]);
        sg_audit_writer_free(h->audit_writer);
        free(h->pruned_dir);
        sg_policy_free(h->policy);
        free(h->policy_path);
        free(h->manifest_path);
        free(h->extension_id);
        free(h->self_exe);
        free(h);
        return NULL;
}

/* Copy `s` (NULL stays NULL) into *ret; false on ENOMEM. */
static bool dup_nullable(const char *s, char **ret) {
        *ret = s ? sg_strdup(s) : NULL;
        return !s || *ret;
}

sg_err sg_host_set_launch(sg_host *h, const char *manifest_path, const char *extension_id, const char *self_exe) {
        char *m, *x, *e;
        if (!dup_nullable(manifest_path, &m))
                return SG_ERR_NOMEM;
        if (!dup_nullable(extension_id, &x)) {
                free(m);
                return SG_ERR_NOMEM;
        }
        if (!dup_nullable(self_exe, &e)) {
                free(m);
                free(x);
                return SG_ERR_NOMEM;
        }
        free(h->manifest_path);
        free(h->extension_id);
        free(h->self_exe);
        h->manifest_path = m;
        h->extension_id = x;
        h->self_exe = e;
        return SG_OK;
}

void sg_host_set_log(sg_host *h, sg_host_log_fn fn, void *userdata) {
        h->log = fn;
        h->log_userdata = userdata;
}

void sg_host_set_send(sg_host *h, sg_host_send_fn fn, void *userdata) {
        h->send = fn;
        h->send_userdata = userdata;
}

const char *sg_host_policy_path(const sg_host *h) {
        return h->policy_path;
}

void _host_file_id_from_stat(const void *stp, file_id *id) {
        const struct stat *st = stp;
        memset(id, 0, sizeof *id);
        id->dev = (unsigned long long) st->st_dev;
        id->ino = (unsigned long long) st->st_ino;
        id->size = (long long) st->st_size;
        id->mtime_s = (long long) st->st_mtime;
        id->ctime_s = (long long) st->st_ctime;
#if defined(__linux__)
        id->mtime_ns = st->st_mtim.tv_nsec;
        id->ctime_ns = st->st_ctim.tv_nsec;
#endif
}

#ifdef _WIN32
/* Windows: the policy from the registry (HKLM\Software\Policies\sealgate
 * over HKCU\Software\sealgate, win32-common/policy-reg.c, as the Outlook
 * add-in reads it). A key has no cheap identity to compare, so a policy in
 * force is read again at most once every SG_HOST_POLICY_CHECK_MS, a missing
 * or refused one on every request; a change of state is logged once. */
void _host_policy_refresh(sg_host *h, bool force) {
        int64_t t = (int64_t) GetTickCount64();
        if (!force && h->policy && h->policy_check_ms && t - h->policy_check_ms < SG_HOST_POLICY_CHECK_MS)
                return;
        h->policy_check_ms = t;
        sg_policy *p = NULL;
        sg_error err;
        sg_err e = sg_policy_reg_load(&p, &err);
        int had = h->policy != NULL;
        if (e) {
                if (had || strcmp(err.message, h->policy_err.message) != 0)
                        _host_log(h, "policy refused (%s): %s", sg_err_code(e), err.message);
                h->policy = sg_policy_free(h->policy);
                h->policy_err = err;
                return;
        }
        h->policy = sg_policy_free(h->policy);
        h->policy = p;
        h->policy_err.code = SG_OK;
        h->policy_err.message[0] = '\0';
        if (!had) {
                _host_log(h, "policy loaded from %s", h->policy_path);
                _host_audit_prune(h, sg_policy_audit(p), sg_audit_now_ms(), 1);
        }
}
#else
static int64_t monotonic_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void _host_policy_refresh(sg_host *h, bool force) {
        /* A policy in force is looked at again at most once a second (the
         * stat is a large share of a policy.evaluate); a missing or refused
         * one on every request, so that a repair applies at once. */
        int64_t t = monotonic_ms();
        if (!force && h->policy && h->policy_check_ms && t - h->policy_check_ms < SG_HOST_POLICY_CHECK_MS)
                return;
        h->policy_check_ms = t;
        struct stat st;
        if (stat(h->policy_path, &st) != 0) {
                int e = errno;
                sg_error now;
                sg_error_set(&now, SG_ERR_POLICY_IO, "cannot read policy file %s: %s", h->policy_path, strerror(e));
                /* Log the change of state, not every request that meets it. */
                if (h->policy || strcmp(now.message, h->policy_err.message) != 0)
                        _host_log(h, "policy refused (%s): %s", sg_err_code(now.code), now.message);
                h->policy = sg_policy_free(h->policy);
                h->have_policy_id = 0;
                h->policy_err = now;
                return;
        }
        file_id id;
        _host_file_id_from_stat(&st, &id);
        if (h->have_policy_id && memcmp(&id, &h->policy_id, sizeof id) == 0)
                return;

        int reload = h->have_policy_id || h->policy;
        h->policy = sg_policy_free(h->policy);
        sg_policy *p = NULL;
        sg_error err;
        sg_err e = sg_policy_load_file(h->policy_path, &p, &err);
        if (e) {
                if (e != SG_ERR_POLICY_IO)
                        sg_error_prefix(&err, "policy %s", h->policy_path);
                if (reload || strcmp(err.message, h->policy_err.message) != 0)
                        _host_log(h, "policy refused (%s): %s", sg_err_code(e), err.message);
                h->policy_err = err;
                /* A read error may be passing (the file being replaced): try
                 * again on the next request. A content error stays until the
                 * file changes. */
                h->have_policy_id = e != SG_ERR_POLICY_IO;
                h->policy_id = id;
                return;
        }
        h->policy = p;
        h->policy_err.code = SG_OK;
        h->policy_err.message[0] = '\0';
        h->policy_id = id;
        h->have_policy_id = 1;
        _host_log(h, "policy %s from %s", reload ? "reloaded" : "loaded", h->policy_path);
        /* Retention applies from the start, not only from the first record. */
        _host_audit_prune(h, sg_policy_audit(p), sg_audit_now_ms(), 1);
}
#endif

json_object *_host_policy_error_json(const sg_host *h) {
        if (h->policy)
                return NULL;
        json_object *e = json_object_new_object();
        if (!e)
                return NULL;
        json_object_object_add(e, "code", json_object_new_string(sg_err_code(h->policy_err.code)));
        json_object_object_add(e, "message", json_object_new_string(h->policy_err.message));
        return e;
}

const char *_host_string_member(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

json_object *_host_parse_json_text(const char *text, size_t len, int depth, int strict) {
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
                text += 3;
                len -= 3;
        }
        if (len > INT32_MAX || memchr(text, '\0', len))
                return NULL;
        json_tokener *tok = json_tokener_new_ex(depth);
        if (!tok)
                return NULL;
        if (strict)
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error je = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        while (end < len && (text[end] == ' ' || text[end] == '\t' || text[end] == '\n' || text[end] == '\r'))
                end++;
        if (je != json_tokener_success || end < len) {
                json_object_put(o);
                return NULL;
        }
        return o;
}
