/* sealgate: pattern.h over PCRE2 (8-bit, UTF + Unicode properties), with
 * bounded matching so an admin's pattern cannot hang the mail client. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/pattern.h"

/* Bounds per search: generous for real patterns, small enough that a
 * catastrophic backtracker stops within milliseconds. */
#define MATCH_LIMIT    1000000
#define DEPTH_LIMIT    10000
#define HEAP_LIMIT_KIB 20480

struct sg_pattern {
        pcre2_code *code;
        pcre2_match_context *mctx;
};

sg_err sg_pattern_new(const char *pattern, bool caseless, sg_pattern **ret, sg_error *err) {
        if (!pattern || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no pattern");
        size_t len = strlen(pattern);
        if (len > SG_PATTERN_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "pattern longer than %d bytes", SG_PATTERN_MAX);
        sg_pattern *p = calloc(1, sizeof *p);
        if (!p)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
        if (caseless)
                opts |= PCRE2_CASELESS;
        int code = 0;
        PCRE2_SIZE off = 0;
        p->code = pcre2_compile((PCRE2_SPTR) pattern, len, opts, &code, &off, NULL);
        if (!p->code) {
                PCRE2_UCHAR msg[256];
                if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
                        strcpy((char *) msg, "unknown error");
                free(p);
                return sg_error_set(err, SG_ERR_REGEX, "invalid pattern at offset %zu: %s", (size_t) off,
                                    (const char *) msg);
        }
        /* JIT is an optimisation only: without it the interpreter runs. */
        (void) pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
        p->mctx = pcre2_match_context_create(NULL);
        if (!p->mctx) {
                sg_pattern_free(p);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        pcre2_set_match_limit(p->mctx, MATCH_LIMIT);
        pcre2_set_depth_limit(p->mctx, DEPTH_LIMIT);
        pcre2_set_heap_limit(p->mctx, HEAP_LIMIT_KIB);
        *ret = p;
        return SG_OK;
}

sg_err sg_pattern_search(const sg_pattern *p, const char *subject, size_t len, bool *ret_found, sg_error *err) {
        if (!p || !ret_found || (!subject && len > 0))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no pattern or subject");
        if (!subject)
                subject = "";
        /* Match data per call keeps a compiled pattern usable from several
         * threads at once. */
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code, NULL);
        if (!md)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        int rc = pcre2_match(p->code, (PCRE2_SPTR) subject, len, 0, 0, md, p->mctx);
        pcre2_match_data_free(md);
        if (rc >= 0) {
                *ret_found = true;
                return SG_OK;
        }
        if (rc == PCRE2_ERROR_NOMATCH) {
                *ret_found = false;
                return SG_OK;
        }
        if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
            rc == PCRE2_ERROR_JIT_STACKLIMIT)
                return sg_error_set(err, SG_ERR_REGEX_LIMIT, "pattern hit its match limit");
        if (rc == PCRE2_ERROR_NOMEMORY)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
                strcpy((char *) msg, "unknown error");
        return sg_error_set(err, SG_ERR_INTERNAL, "pattern search failed: %s", (const char *) msg);
}

sg_pattern *sg_pattern_free(sg_pattern *p) {
        if (!p)
                return NULL;
        pcre2_match_context_free(p->mctx);
        pcre2_code_free(p->code);
        free(p);
        return NULL;
}
