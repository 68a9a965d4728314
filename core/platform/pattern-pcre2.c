/* sealgate: pattern.h over PCRE2 (8-bit, UTF + Unicode properties), with
 * bounded matching so an admin's pattern cannot hang the mail client. On
 * Windows too, with PCRE2 cross-built by win32-common/deps/. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <windows.h>
#endif

#include "sealgate/pattern.h"

/* Bounds per search: generous for real patterns, small enough that a
 * catastrophic backtracker stops within milliseconds. */
#define MATCH_LIMIT    1000000
#define DEPTH_LIMIT    10000
#define HEAP_LIMIT_KIB 20480
/* The search runs window by window (the match must start inside the window,
 * and may run past it), so the clock is read between windows: a slow pattern
 * overruns its budget by at most one window's work. */
#define WINDOW_BYTES   4096

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
        uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_USE_OFFSET_LIMIT;
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

static uint64_t now_us(void) {
#ifdef _WIN32
        /* mingw-w64's clock_gettime is in libwinpthread: the counter instead. */
        LARGE_INTEGER c, f;
        QueryPerformanceCounter(&c);
        QueryPerformanceFrequency(&f);
        return (uint64_t) c.QuadPart / (uint64_t) f.QuadPart * 1000000u +
               (uint64_t) c.QuadPart % (uint64_t) f.QuadPart * 1000000u / (uint64_t) f.QuadPart;
#else
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
#endif
}

static sg_err match_error(int rc, sg_error *err) {
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

sg_err sg_pattern_search_budget(const sg_pattern *p, const char *subject, size_t len, sg_pattern_budget *budget,
                                bool *ret_found, sg_error *err) {
        if (!p || !ret_found || !budget || (!subject && len > 0))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no pattern, budget or subject");
        if (!subject)
                subject = "";
        /* Match data and context per call keep a compiled pattern usable from
         * several threads at once (the offset limit is set per window). */
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code, NULL);
        pcre2_match_context *mc = pcre2_match_context_copy(p->mctx);
        sg_err r = SG_OK;
        if (!md || !mc) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
        }
        const unsigned char *s = (const unsigned char *) subject;
        uint64_t t0 = now_us();
        *ret_found = false;
        for (size_t start = 0;;) {
                size_t end = len - start > WINDOW_BYTES ? start + WINDOW_BYTES : len;
                while (end < len && (s[end] & 0xC0) == 0x80) /* a window ends on a character boundary */
                        end++;
                bool last = end >= len;
                pcre2_set_offset_limit(mc, last ? len : end - 1);
                int rc = pcre2_match(p->code, (PCRE2_SPTR) subject, len, start, 0, md, mc);
                if (rc >= 0) {
                        *ret_found = true;
                        break;
                }
                if (rc != PCRE2_ERROR_NOMATCH) {
                        r = match_error(rc, err);
                        break;
                }
                uint64_t spent = now_us() - t0;
                if (spent >= budget->remaining_us) {
                        budget->remaining_us = 0;
                        r = sg_error_set(err, SG_ERR_REGEX_LIMIT,
                                         "pattern matching took longer than its budget (%d ms for the message)",
                                         SG_PATTERN_BUDGET_MS);
                        goto out;
                }
                if (last)
                        break;
                start = end;
        }
        {
                uint64_t spent = now_us() - t0;
                budget->remaining_us = spent >= budget->remaining_us ? 0 : budget->remaining_us - spent;
        }
out:
        pcre2_match_context_free(mc);
        pcre2_match_data_free(md);
        return r;
}

sg_err sg_pattern_search(const sg_pattern *p, const char *subject, size_t len, bool *ret_found, sg_error *err) {
        sg_pattern_budget b = {.remaining_us = (uint64_t) SG_PATTERN_BUDGET_MS * 1000u};
        return sg_pattern_search_budget(p, subject, len, &b, ret_found, err);
}

sg_pattern *sg_pattern_free(sg_pattern *p) {
        if (!p)
                return NULL;
        pcre2_match_context_free(p->mctx);
        pcre2_code_free(p->code);
        free(p);
        return NULL;
}
