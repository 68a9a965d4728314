/* sealgate: the native-messaging manifest read as Thunderbird reads it
 * (sealgate/manifest.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/manifest.h"

/* Line and column (1-based) of byte `off` in `text`. */
static void line_col(const char *text, size_t off, size_t *line, size_t *col) {
        *line = 1;
        *col = 1;
        for (size_t i = 0; i < off; i++) {
                if (text[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else {
                        (*col)++;
                }
        }
}

static sg_manifest_status parse(const char *text, size_t len, json_object **ret, sg_manifest_info *info) {
        if (len == 0)
                return info->status = SG_MANIFEST_EMPTY;
        json_tokener *tok = json_tokener_new_ex(SG_MANIFEST_JSON_DEPTH);
        if (!tok) {
                info->sys_errno = ENOMEM;
                return info->status = SG_MANIFEST_CANNOT_READ;
        }
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!o || jerr != json_tokener_success) {
                json_object_put(o);
                if (jerr == json_tokener_continue)
                        return info->status = SG_MANIFEST_INCOMPLETE;
                line_col(text, off, &info->line, &info->col);
                info->json_error = json_tokener_error_desc(jerr);
                return info->status = SG_MANIFEST_NOT_JSON;
        }
        for (size_t i = off; i < len; i++) {
                if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
                        json_object_put(o);
                        line_col(text, i, &info->line, &info->col);
                        return info->status = SG_MANIFEST_TRAILING;
                }
        }
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return info->status = SG_MANIFEST_NOT_OBJECT;
        }
        *ret = o;
        return info->status = SG_MANIFEST_OK;
}

sg_manifest_status sg_manifest_load(const char *path, json_object **ret, sg_manifest_info *info) {
        memset(info, 0, sizeof *info);
        *ret = NULL;
        FILE *f = fopen(path, "rb");
        if (!f) {
                info->sys_errno = errno;
                return info->status = errno == EISDIR ? SG_MANIFEST_IS_DIR : SG_MANIFEST_CANNOT_OPEN;
        }
        char *buf = malloc(SG_MANIFEST_MAX + 1);
        if (!buf) {
                fclose(f);
                info->sys_errno = ENOMEM;
                return info->status = SG_MANIFEST_CANNOT_READ;
        }
        size_t len = fread(buf, 1, SG_MANIFEST_MAX + 1, f);
        int e = ferror(f) ? errno : 0;
        fclose(f);
        info->len = len;
        sg_manifest_status r;
        if (e) {
                /* a directory opens on Linux; reading it fails with EISDIR */
                info->sys_errno = e;
                r = info->status = e == EISDIR ? SG_MANIFEST_IS_DIR : SG_MANIFEST_CANNOT_READ;
        } else if (len > SG_MANIFEST_MAX) {
                r = info->status = SG_MANIFEST_TOO_LARGE;
        } else {
                buf[len] = '\0';
                r = parse(buf, len, ret, info);
        }
        free(buf);
        return r;
}
