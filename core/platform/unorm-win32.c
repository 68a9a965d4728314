/* sealgate: the unorm.h backend for Windows: NFKC through NormalizeString
 * (normaliz.dll, which the IDNA backend already links), UTF-8 <-> UTF-16
 * with MultiByteToWideChar / WideCharToMultiByte. */
#include <stdlib.h>
#include <windows.h>

#include "sealgate/unorm.h"

#define UNORM_INPUT_MAX (64u << 20) /* bytes; the engine's inputs are far below */

sg_err sg_unorm_nfkc(const char *in, size_t len, char **ret_out, size_t *ret_len, sg_error *err) {
        if (!in || !ret_out || !ret_len)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_unorm_nfkc: NULL argument");
        if (len > UNORM_INPUT_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "text to normalise is longer than %u bytes", UNORM_INPUT_MAX);
        if (len == 0) {
                char *e = calloc(1, 1);
                if (!e)
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory normalising text");
                *ret_out = e;
                *ret_len = 0;
                return SG_OK;
        }
        int wn = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, in, (int) len, NULL, 0);
        if (wn <= 0)
                return sg_error_set(err, SG_ERR_UTF8, "text to normalise is not UTF-8");
        wchar_t *w = malloc((size_t) wn * sizeof *w);
        if (!w)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory normalising text");
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, in, (int) len, w, wn);
        /* NormalizeString's estimate can be short; grow as it asks. */
        int cap = NormalizeString(NormalizationKC, w, wn, NULL, 0);
        wchar_t *nw = NULL;
        int nn = 0;
        for (int tries = 0; tries < 8 && cap > 0; tries++) {
                wchar_t *g = realloc(nw, (size_t) cap * sizeof *g);
                if (!g)
                        break;
                nw = g;
                nn = NormalizeString(NormalizationKC, w, wn, nw, cap);
                if (nn > 0)
                        break;
                if (GetLastError() != ERROR_INSUFFICIENT_BUFFER)
                        break;
                cap = -nn > cap ? -nn : cap * 2;
                nn = 0;
        }
        free(w);
        if (nn <= 0) {
                free(nw);
                return sg_error_set(err, SG_ERR_UTF8, "text cannot be normalised (NormalizeString failed)");
        }
        int on = WideCharToMultiByte(CP_UTF8, 0, nw, nn, NULL, 0, NULL, NULL);
        char *out = on > 0 ? malloc((size_t) on + 1) : NULL;
        if (!out) {
                free(nw);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory normalising text");
        }
        WideCharToMultiByte(CP_UTF8, 0, nw, nn, out, on, NULL, NULL);
        free(nw);
        out[on] = '\0';
        *ret_out = out;
        *ret_len = (size_t) on;
        return SG_OK;
}

const char *sg_unorm_backend(void) {
        return "Windows NormalizeString";
}
