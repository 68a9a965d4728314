/* sealgate-host: the doctor op: what Thunderbird itself cannot tell ("No
 * such native application"): the manifest that started this host, the
 * extension id, the policy and the version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>
#endif

#include "host-private.h"
#include "sealgate-config.h"
#include "sealgate/manifest.h"
#include "sealgate/util.h"

static void add_check(json_object *checks, const char *id, int ok, const char *detail) {
        json_object *c = json_object_new_object();
        if (!c)
                return;
        json_object_object_add(c, "id", json_object_new_string(id));
        json_object_object_add(c, "ok", json_object_new_boolean(ok));
        json_object_object_add(c, "detail", json_object_new_string(detail));
        json_object_array_add(checks, c);
}

#ifdef _WIN32
/* Windows: `path` absolute, or relative to the manifest's folder (as Firefox
 * and Thunderbird resolve it), compared with the running executable without
 * regard to case. 1 when it is us. */
static int check_manifest_path(const sg_host *h, const char *path, char *detail, size_t cap) {
        if (!path) {
                snprintf(detail, cap, "\"path\" is missing or not a string");
                return 0;
        }
        char full[2 * MAX_PATH] = "";
        const char *mp = h->manifest_path, *sep = mp ? strrchr(mp, '\\') : NULL;
        int absolute = (path[0] && path[1] == ':') || (path[0] == '\\' && path[1] == '\\');
        if (!absolute && sep)
                snprintf(full, sizeof full, "%.*s\\%s", (int) (sep - mp), mp, path);
        else
                snprintf(full, sizeof full, "%s", path);
        DWORD attr = GetFileAttributesA(full);
        if (attr == INVALID_FILE_ATTRIBUTES || (attr & FILE_ATTRIBUTE_DIRECTORY)) {
                snprintf(detail, cap, "\"path\" %.*s is not a file", _host_quote_len(full, 300), full);
                return 0;
        }
        char real[2 * MAX_PATH];
        DWORD n = GetFullPathNameA(full, sizeof real, real, NULL);
        int same = h->self_exe && n > 0 && n < sizeof real && _stricmp(real, h->self_exe) == 0;
        if (same)
                snprintf(detail, cap, "\"path\" is this host, %.*s", _host_quote_len(h->self_exe, 300), h->self_exe);
        else
                snprintf(detail, cap, "\"path\" %.*s is not this host, which runs from %.*s",
                         _host_quote_len(full, 200), full, _host_quote_len(h->self_exe ? h->self_exe : "?", 200),
                         h->self_exe ? h->self_exe : "?");
        return same;
}
#else
/* The manifest's `path` against the running executable. 1 when it is us. */
static int check_manifest_path(const sg_host *h, const char *path, char *detail, size_t cap) {
        if (!path) {
                snprintf(detail, cap, "\"path\" is missing or not a string");
                return 0;
        }
        if (path[0] != '/') {
                snprintf(detail, cap, "\"path\" %.*s is not absolute (Linux needs an absolute path)",
                         _host_quote_len(path, 300), path);
                return 0;
        }
        struct stat st;
        if (stat(path, &st) != 0) {
                snprintf(detail, cap, "\"path\" %.*s: %s", _host_quote_len(path, 300), path, strerror(errno));
                return 0;
        }
        if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
                snprintf(detail, cap, "\"path\" %.*s is not an executable file", _host_quote_len(path, 300), path);
                return 0;
        }
        if (!h->self_exe) {
                snprintf(detail, cap, "\"path\" %.*s is executable (the running host's own path is unknown)",
                         _host_quote_len(path, 300), path);
                return 1;
        }
        char *real = realpath(path, NULL);
        int same = real && strcmp(real, h->self_exe) == 0;
        if (same)
                snprintf(detail, cap, "\"path\" is this host, %.*s", _host_quote_len(h->self_exe, 300), h->self_exe);
        else
                snprintf(detail, cap, "\"path\" %.*s is not this host, which runs from %.*s",
                         _host_quote_len(path, 200), path, _host_quote_len(h->self_exe, 200), h->self_exe);
        free(real);
        return same;
}
#endif

/* The `manifest` and `extension_id` checks. */
static void check_manifest(const sg_host *h, json_object *checks) {
        static const char not_tb[] = "not started by Thunderbird: no manifest path argument";
        if (!h->manifest_path) {
                add_check(checks, "manifest", 0, not_tb);
                add_check(checks, "extension_id", 0, "not started by Thunderbird: no extension id argument");
                return;
        }
        const char *mp = h->manifest_path;
        int mpl = _host_quote_len(mp, 300);
        char detail[2 * SG_ERROR_MESSAGE_MAX];
        json_object *m = NULL;
        sg_manifest_info info;
        switch (sg_manifest_load(mp, &m, &info)) {
        case SG_MANIFEST_IS_DIR:
                snprintf(detail, sizeof detail, "cannot read %.*s: it is a directory", mpl, mp);
                add_check(checks, "manifest", 0, detail);
                break;
        case SG_MANIFEST_CANNOT_OPEN:
        case SG_MANIFEST_CANNOT_READ:
                snprintf(detail, sizeof detail, "cannot read %.*s: %s", mpl, mp, strerror(info.sys_errno));
                add_check(checks, "manifest", 0, detail);
                break;
        case SG_MANIFEST_TOO_LARGE:
                snprintf(detail, sizeof detail, "%.*s is larger than %d bytes", mpl, mp, SG_MANIFEST_MAX);
                add_check(checks, "manifest", 0, detail);
                break;
        case SG_MANIFEST_EMPTY:
        case SG_MANIFEST_INCOMPLETE:
        case SG_MANIFEST_NOT_JSON:
        case SG_MANIFEST_TRAILING:
                snprintf(detail, sizeof detail, "%.*s is not valid JSON (Thunderbird ignores it)", mpl, mp);
                add_check(checks, "manifest", 0, detail);
                break;
        case SG_MANIFEST_NOT_OBJECT:
                snprintf(detail, sizeof detail, "%.*s is not a JSON object", mpl, mp);
                add_check(checks, "manifest", 0, detail);
                break;
        case SG_MANIFEST_OK: {
                const char *name = _host_string_member(m, "name"), *type = _host_string_member(m, "type");
                char pdetail[SG_ERROR_MESSAGE_MAX];
                int path_ok = check_manifest_path(h, _host_string_member(m, "path"), pdetail, sizeof pdetail);
                if (!name || strcmp(name, SG_HOST_NATIVE_NAME) != 0)
                        snprintf(detail, sizeof detail, "%.*s: \"name\" is %s%.*s%s, expected \"%s\"", mpl, mp,
                                 name ? "\"" : "", name ? _host_quote_len(name, 100) : 7, name ? name : "missing",
                                 name ? "\"" : "", SG_HOST_NATIVE_NAME);
                else if (!type || strcmp(type, "stdio") != 0)
                        snprintf(detail, sizeof detail, "%.*s: \"type\" is %s%.*s%s, expected \"stdio\"", mpl, mp,
                                 type ? "\"" : "", type ? _host_quote_len(type, 100) : 7, type ? type : "missing",
                                 type ? "\"" : "");
                else
                        snprintf(detail, sizeof detail, "%.*s: %s", mpl, mp, pdetail);
                add_check(checks, "manifest",
                          name && strcmp(name, SG_HOST_NATIVE_NAME) == 0 && type && strcmp(type, "stdio") == 0 &&
                                  path_ok,
                          detail);
                break;
        }
        }

        if (!h->extension_id) {
                add_check(checks, "extension_id", 0, "not started by Thunderbird: no extension id argument");
        } else if (!m || !json_object_is_type(m, json_type_object)) {
                snprintf(detail, sizeof detail, "cannot check extension id \"%.*s\": the manifest is unusable",
                         _host_quote_len(h->extension_id, 200), h->extension_id);
                add_check(checks, "extension_id", 0, detail);
        } else {
                json_object *allowed;
                int found = 0;
                if (json_object_object_get_ex(m, "allowed_extensions", &allowed) &&
                    json_object_is_type(allowed, json_type_array)) {
                        for (size_t i = 0; i < json_object_array_length(allowed); i++) {
                                json_object *v = json_object_array_get_idx(allowed, i);
                                if (json_object_is_type(v, json_type_string) &&
                                    strcmp(json_object_get_string(v), h->extension_id) == 0)
                                        found = 1;
                        }
                        snprintf(detail, sizeof detail, "extension id \"%.*s\" is %sin \"allowed_extensions\" of %.*s",
                                 _host_quote_len(h->extension_id, 200), h->extension_id, found ? "" : "not ", mpl, mp);
                } else {
                        snprintf(detail, sizeof detail, "%.*s: \"allowed_extensions\" is missing or not an array", mpl,
                                 mp);
                }
                add_check(checks, "extension_id", found, detail);
        }
        json_object_put(m);
}

const char _host_hlp_doctor[] =
        "{} -> {ok, checks[{id, ok, detail}]}: checks the native-messaging manifest, the extension id, the "
        "policy and the version.";

sg_err _host_op_doctor(sg_host *h, json_object *req, const char *id_json, op_out *out, sg_error *err) {
        json_object *r = json_object_new_object();
        json_object *checks = json_object_new_array();
        if (!r || !checks) {
                json_object_put(r);
                json_object_put(checks);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the doctor result");
        }
        check_manifest(h, checks);

        char detail[SG_ERROR_MESSAGE_MAX + 64];
        _host_policy_refresh(h, false);
        if (h->policy)
                snprintf(detail, sizeof detail, "%.*s loads and validates", _host_quote_len(h->policy_path, 300),
                         h->policy_path);
        else
                snprintf(detail, sizeof detail, "%s: %s", sg_err_code(h->policy_err.code), h->policy_err.message);
        add_check(checks, "policy", h->policy != NULL, detail);

        snprintf(detail, sizeof detail, "sealgate-host %s, protocol %d", SG_VERSION, SG_HOST_PROTOCOL);
        add_check(checks, "version", 1, detail);

        int all = 1;
        for (size_t i = 0; i < json_object_array_length(checks); i++) {
                json_object *ok;
                if (!json_object_object_get_ex(json_object_array_get_idx(checks, i), "ok", &ok) ||
                    !json_object_get_boolean(ok))
                        all = 0;
        }
        json_object_object_add(r, "ok", json_object_new_boolean(all));
        json_object_object_add(r, "checks", checks);
        out->result = r;
        return SG_OK;
}
