/* sealgate: pattern.h on Windows. The Outlook add-in has no regular-expression
 * engine yet (no PCRE2 for mingw-w64 here, and none in Windows that bounds
 * its matching), so every pattern is refused: a policy with a body_pattern
 * trigger fails to load, visibly, rather than having the trigger ignored. */
#include <stdlib.h>
#include <string.h>

#include "sealgate/pattern.h"

/* Never allocated: sg_pattern_new cannot succeed on Windows. */
struct sg_pattern {
        int unused;
};

sg_err sg_pattern_new(const char *pattern, bool caseless, sg_pattern **ret, sg_error *err) {
        (void) caseless;
        if (!pattern || !ret)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no pattern");
        if (strlen(pattern) > SG_PATTERN_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "pattern longer than %d bytes", SG_PATTERN_MAX);
        return sg_error_set(err, SG_ERR_REGEX, "body_pattern is not supported by the Outlook add-in yet");
}

sg_err sg_pattern_search_budget(const sg_pattern *p, const char *subject, size_t len, sg_pattern_budget *budget,
                                bool *ret_found, sg_error *err) {
        (void) budget;
        return sg_pattern_search(p, subject, len, ret_found, err);
}

sg_err sg_pattern_search(const sg_pattern *p, const char *subject, size_t len, bool *ret_found, sg_error *err) {
        (void) p;
        (void) subject;
        (void) len;
        (void) ret_found;
        return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no pattern or subject");
}

sg_pattern *sg_pattern_free(sg_pattern *p) {
        free(p);
        return NULL;
}
