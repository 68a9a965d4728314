/* sealgate: the signature part of a signed message (.eml), the
 * certificates of which `sealgate certs import` and the wizard take
 * (certs-import.c). GMime, apart from certs-import.c (NSS only) so that
 * sealgate certs loads GMime only for a message (cli/certs-load.c). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "sealgate/certs.h"

static bool is_signature_type(GMimeContentType *t) {
        const char *m = g_mime_content_type_get_media_type(t), *s = g_mime_content_type_get_media_subtype(t);
        return m && s && strcasecmp(m, "application") == 0 &&
               (strcasecmp(s, "pkcs7-signature") == 0 || strcasecmp(s, "x-pkcs7-signature") == 0 ||
                strcasecmp(s, "pkcs7-mime") == 0 || strcasecmp(s, "x-pkcs7-mime") == 0);
}

/* The first S/MIME signature part of a message (depth-first), decoded. */
sg_err sg_certs_message_signature(const unsigned char *data, size_t len, unsigned char **out, size_t *out_len,
                                  sg_error *err) {
        g_mime_init();
        GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *) data, len);
        GMimeParser *p = g_mime_parser_new_with_stream(st);
        GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
        g_object_unref(p);
        g_object_unref(st);
        if (!m)
                return sg_error_set(err, SG_ERR_MIME, "the message cannot be parsed");
        GMimePartIter *it = g_mime_part_iter_new((GMimeObject *) m);
        GMimeObject *found = NULL;
        GMimeObject *top = g_mime_message_get_mime_part(m);
        if (top && GMIME_IS_PART(top) && is_signature_type(g_mime_object_get_content_type(top)))
                found = top;
        for (int guard = 0; !found && guard < 1000 && g_mime_part_iter_is_valid(it); guard++) {
                GMimeObject *o = g_mime_part_iter_get_current(it);
                if (GMIME_IS_PART(o) && is_signature_type(g_mime_object_get_content_type(o)))
                        found = o;
                if (!g_mime_part_iter_next(it))
                        break;
        }
        g_mime_part_iter_free(it);
        sg_err r = SG_OK;
        if (!found) {
                r = sg_error_set(err, SG_ERR_MIME, "the message is not S/MIME-signed: it has no signature part");
        } else {
                GMimeDataWrapper *w = g_mime_part_get_content((GMimePart *) found);
                GByteArray *ba = g_byte_array_new();
                GMimeStream *ms = g_mime_stream_mem_new_with_byte_array(ba);
                g_mime_stream_mem_set_owner((GMimeStreamMem *) ms, FALSE);
                if (!w || g_mime_data_wrapper_write_to_stream(w, ms) < 0 || ba->len == 0) {
                        r = sg_error_set(err, SG_ERR_MIME, "the message's signature part cannot be decoded");
                } else if ((*out = malloc(ba->len + 1))) {
                        memcpy(*out, ba->data, ba->len);
                        *out_len = ba->len;
                } else {
                        r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
                g_object_unref(ms);
                g_byte_array_free(ba, TRUE);
        }
        g_object_unref(m);
        return r;
}
