/* sealgate: the settings a policy carries besides its rules: the prompt's
 * justification and timeout, audit.* and keys.* (the plain-data structs the
 * audit log and keys lookup read), each setter checking its value. Pure
 * module: libc only. The readers find them through sg_settings()
 * (policy-schema.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/error.h"
#include "sealgate/policy.h"
#include "sealgate/util.h"

#include "policy-private.h"

void sg_policy_set_require_justification(sg_policy *p, bool required) {
        if (p && !p->sealed)
                p->require_justification = required;
}

void sg_policy_set_accept_compose_choice(sg_policy *p, bool accept) {
        if (p && !p->sealed)
                p->accept_compose_choice = accept;
}

bool sg_policy_accept_compose_choice(const sg_policy *p) {
        return p && p->accept_compose_choice;
}

void sg_policy_set_split_delivery(sg_policy *p, bool on) {
        if (p && !p->sealed)
                p->split_delivery = on;
}

bool sg_policy_split_delivery(const sg_policy *p) {
        return p && p->split_delivery;
}

sg_err sg_policy_set_prompt_timeout(sg_policy *p, unsigned seconds, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (seconds < SG_POLICY_PROMPT_TIMEOUT_MIN || seconds > SG_POLICY_PROMPT_TIMEOUT_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between %d and %d seconds",
                                    SG_POLICY_PROMPT_TIMEOUT_MIN, SG_POLICY_PROMPT_TIMEOUT_MAX);
        p->prompt_timeout = seconds;
        return SG_OK;
}

/* An X- header name into *slot (justification_header, check_header):
 * Thunderbird's compose API sets X- headers only. */
static sg_err set_x_header(sg_policy *p, const char *name, char **slot, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r || (r = check_header_name(name, err)))
                return r;
        if (!((name[0] == 'X' || name[0] == 'x') && name[1] == '-' && name[2]))
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "header name \"%.80s\" must start with \"X-\" and name something after it", name);
        char *copy = sg_strdup(name);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(*slot);
        *slot = copy;
        return SG_OK;
}

sg_err sg_policy_set_justification_header(sg_policy *p, const char *name, sg_error *err) {
        return set_x_header(p, name, p ? &p->justification_header : NULL, err);
}

sg_err sg_policy_set_check_header(sg_policy *p, const char *name, sg_error *err) {
        return set_x_header(p, name, p ? &p->check_header : NULL, err);
}

static const char *const justification_to_names[SG_JUSTIFICATION_TO__MAX] = {"message", "gateway", "audit"};

const char *sg_justification_to_name(sg_justification_to t) {
        return (unsigned) t < SG_JUSTIFICATION_TO__MAX ? justification_to_names[t] : "unknown";
}

sg_err sg_policy_set_justification_to(sg_policy *p, const char *name, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        for (int t = 0; t < SG_JUSTIFICATION_TO__MAX; t++)
                if (name && strcmp(name, justification_to_names[t]) == 0) {
                        p->justification_to = (sg_justification_to) t;
                        return SG_OK;
                }
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"message\", \"gateway\" or \"audit\"");
}

const char *sg_policy_check_header(const sg_policy *p) {
        return p && p->check_header ? p->check_header : SG_POLICY_CHECK_HEADER_DEFAULT;
}

sg_err sg_policy_set_check_key(sg_policy *p, const char *key, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        size_t n = key ? strlen(key) : 0;
        if (n < SG_POLICY_CHECK_KEY_MIN || n > SG_POLICY_CHECK_KEY_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be %d to %d bytes", SG_POLICY_CHECK_KEY_MIN,
                                    SG_POLICY_CHECK_KEY_MAX);
        char *copy = sg_strdup(key);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->check_key);
        p->check_key = copy;
        return SG_OK;
}

const char *sg_policy_check_key(const sg_policy *p) {
        return p ? p->check_key : NULL;
}

void sg_policy_set_audit_enabled(sg_policy *p, bool enabled) {
        if (p && !p->sealed)
                p->audit.enabled = enabled;
}

void sg_policy_set_audit_required(sg_policy *p, bool required) {
        if (p && !p->sealed)
                p->audit.required = required;
}

void sg_policy_set_audit_journal(sg_policy *p, bool journal) {
        if (p && !p->sealed)
                p->audit.journal = journal;
}

/* Absolute on POSIX or Windows (drive or UNC), or relative to the home
 * directory: a relative path would depend on the mail client's working
 * directory. */
static bool audit_dir_anchored(const char *d) {
        bool alpha = (d[0] >= 'A' && d[0] <= 'Z') || (d[0] >= 'a' && d[0] <= 'z');
        return d[0] == '/' || (d[0] == '~' && (d[1] == '/' || d[1] == '\\')) ||
               (alpha && d[1] == ':' && (d[2] == '\\' || d[2] == '/')) || (d[0] == '\\' && d[1] == '\\');
}

/* A non-empty path setting (audit.directory, keys.*): at most `max` bytes,
 * no control characters, UTF-8, anchored. */
static sg_err check_path(const char *path, size_t max, sg_error *err) {
        size_t n = bounded_len(path, max);
        if (n > max)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "longer than %zu bytes", max);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) path[i] < 0x20 || path[i] == 0x7F)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "contains a control character");
        if (!sg_utf8_valid(path, n))
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "not valid UTF-8");
        if (!audit_dir_anchored(path))
                return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                    "\"%.80s\" is neither an absolute path nor starts with \"~/\"", path);
        return SG_OK;
}

sg_err sg_policy_set_audit_directory(sg_policy *p, const char *directory, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (!directory || !*directory)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must not be empty");
        if ((r = check_path(directory, SG_POLICY_AUDIT_DIRECTORY_MAX, err)))
                return r;
        char *copy = sg_strdup(directory);
        if (!copy)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        free(p->audit_directory);
        p->audit_directory = copy;
        p->audit.directory = copy;
        return SG_OK;
}

sg_err sg_policy_set_audit_retention_days(sg_policy *p, unsigned days, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (days > SG_POLICY_AUDIT_RETENTION_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between 0 and %d days",
                                    SG_POLICY_AUDIT_RETENTION_MAX);
        p->audit.retention_days = days;
        return SG_OK;
}

const sg_audit_settings *sg_policy_audit(const sg_policy *p) {
        return p ? &p->audit : NULL;
}

void sg_policy_set_keys_network_lookups(sg_policy *p, bool allowed) {
        if (p && !p->sealed)
                p->keys.network_lookups = allowed;
}

sg_err sg_policy_set_keys_timeout(sg_policy *p, unsigned seconds, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (seconds < SG_POLICY_KEYS_TIMEOUT_MIN || seconds > SG_POLICY_KEYS_TIMEOUT_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be between %d and %d seconds",
                                    SG_POLICY_KEYS_TIMEOUT_MIN, SG_POLICY_KEYS_TIMEOUT_MAX);
        p->keys.timeout_seconds = seconds;
        return SG_OK;
}

/* A path of the keys section: same rules as audit.directory (check_path).
 * NULL clears. */
static sg_err set_keys_path(sg_policy *p, const char *path, char **slot, const char **field, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        char *copy = NULL;
        if (path) {
                if (!*path)
                        return sg_error_set(err, SG_ERR_POLICY_INVALID, "must not be empty (null for none)");
                if ((r = check_path(path, SG_POLICY_KEYS_PATH_MAX, err)))
                        return r;
                if (!(copy = sg_strdup(path)))
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        free(*slot);
        *slot = copy;
        *field = copy;
        return SG_OK;
}

sg_err sg_policy_set_keys_certificate_store(sg_policy *p, const char *path, sg_error *err) {
        return set_keys_path(p, path, p ? &p->keys_store : NULL, p ? &p->keys.certificate_store : NULL, err);
}

sg_err sg_policy_set_keys_nss_db(sg_policy *p, const char *path, sg_error *err) {
        return set_keys_path(p, path, p ? &p->keys_nss_db : NULL, p ? &p->keys.nss_db : NULL, err);
}

const char *sg_policy_header_trigger_name(const sg_policy *p, size_t i) {
        for (size_t k = 0; p && k < p->n_triggers; k++)
                if (p->triggers[k].type == SG_TRIGGER_HEADER && i-- == 0)
                        return p->triggers[k].header_name;
        return NULL;
}

sg_err sg_policy_set_keys_revocation(sg_policy *p, const char *mode, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        static const char *const names[] = {"off", "soft-fail", "hard-fail"};
        for (int i = 0; i < 3; i++)
                if (mode && strcmp(mode, names[i]) == 0) {
                        p->keys.revocation = i;
                        return SG_OK;
                }
        return sg_error_set(err, SG_ERR_POLICY_INVALID, "must be \"off\", \"soft-fail\" or \"hard-fail\"");
}

const sg_keys_settings *sg_policy_keys(const sg_policy *p) {
        return p ? &p->keys : NULL;
}

sg_err sg_policy_set_subaddress_delimiters(sg_policy *p, const char *delimiters, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        const char *d = delimiters ? delimiters : "";
        size_t n = strlen(d);
        if (n > SG_POLICY_SUBADDRESS_DELIMITERS_MAX)
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "at most %d delimiter characters",
                                    SG_POLICY_SUBADDRESS_DELIMITERS_MAX);
        for (size_t i = 0; i < n; i++)
                if (d[i] < 0x21 || d[i] > 0x7E || (d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'z') ||
                    (d[i] >= 'A' && d[i] <= 'Z') || strchr("@\"\\.%!", d[i]))
                        return sg_error_set(err, SG_ERR_POLICY_INVALID,
                                            "'%c' cannot delimit a sub-address (ASCII punctuation other than "
                                            "@ \" \\ . %% !)",
                                            d[i] >= 0x21 && d[i] <= 0x7E ? d[i] : '?');
        memcpy(p->subaddress_delimiters, d, n + 1);
        return SG_OK;
}

sg_err sg_policy_set_source_routes(sg_policy *p, const char *mode, sg_error *err) {
        sg_err r = check_open(p, err);
        if (r)
                return r;
        if (mode && strcmp(mode, "external") == 0)
                p->source_routes = SOURCE_ROUTES_EXTERNAL;
        else if (mode && strcmp(mode, "error") == 0)
                p->source_routes = SOURCE_ROUTES_ERROR;
        else if (mode && strcmp(mode, "domain") == 0)
                p->source_routes = SOURCE_ROUTES_DOMAIN;
        else
                return sg_error_set(err, SG_ERR_POLICY_INVALID, "expected \"external\", \"error\" or \"domain\"");
        return SG_OK;
}
