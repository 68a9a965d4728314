/* sealgate: the Web Key Directory side of keys.lookup: the z-base-32 SHA-1
 * hash, the two URLs, and the HTTPS fetch (libsoup 3, bounded in time and
 * size). libsoup brings GLib into core/ for this file only. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>
#include <openssl/evp.h>

#include "keys-private.h"
#include "sealgate/keys.h"

void sg_keys_wkd_hash(const char *local, size_t len, char buf[33]) {
        static const char zb32[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
        unsigned char lower[SG_KEYS_ADDRESS_MAX], d[20];
        if (len > sizeof lower)
                len = sizeof lower;
        for (size_t i = 0; i < len; i++)
                lower[i] = (unsigned char) tolower((unsigned char) local[i]); /* ASCII only, as GnuPG */
        unsigned dl = 0;
        EVP_Digest(lower, len, d, &dl, EVP_sha1(), NULL);
        /* 160 bits = 32 groups of 5 */
        for (int i = 0; i < 32; i++) {
                int bit = i * 5, v = 0;
                for (int b = 0; b < 5; b++, bit++)
                        v = (v << 1) | ((d[bit / 8] >> (7 - bit % 8)) & 1);
                buf[i] = zb32[v];
        }
        buf[32] = '\0';
}

static char *pct_encode(const char *s, size_t n) {
        char *o = malloc(n * 3 + 1), *w = o;
        if (!o)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
                        *w++ = (char) c;
                else
                        w += sprintf(w, "%%%02X", c);
        }
        *w = '\0';
        return o;
}

sg_err sg_keys_wkd_urls(const char *address, char **ret_advanced, char **ret_direct, sg_error *err) {
        const char *at = address ? strrchr(address, '@') : NULL;
        size_t len = address ? strlen(address) : 0;
        if (!at || at == address || !at[1] || len > SG_KEYS_ADDRESS_MAX)
                return sg_error_set(err, SG_ERR_ADDRESS_SYNTAX, "not an address of the form local@domain");
        char domain[SG_KEYS_ADDRESS_MAX + 1];
        size_t dl = strlen(at + 1);
        for (size_t i = 0; i <= dl; i++) {
                unsigned char c = (unsigned char) at[1 + i];
                if (c && !isalnum(c) && c != '-' && c != '.')
                        return sg_error_set(err, SG_ERR_ADDRESS_SYNTAX, "the domain of %s is not a host name", address);
                domain[i] = (char) tolower(c);
        }
        char hash[33];
        size_t ll = (size_t) (at - address);
        sg_keys_wkd_hash(address, ll, hash);
        char *l = pct_encode(address, ll);
        size_t n = 2 * dl + ll * 3 + 128;
        char *a = malloc(n), *d = malloc(n);
        if (!l || !a || !d) {
                free(l);
                free(a);
                free(d);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        snprintf(a, n, "https://openpgpkey.%s/.well-known/openpgpkey/%s/hu/%s?l=%s", domain, domain, hash, l);
        snprintf(d, n, "https://%s/.well-known/openpgpkey/hu/%s?l=%s", domain, hash, l);
        free(l);
        *ret_advanced = a;
        *ret_direct = d;
        return SG_OK;
}

/* The test hook wkd_connect sends the request to another address; the
 * certificate then fails only its identity check for that address, and is
 * accepted only if it verifies against the same trust for the real host. */
typedef struct hook {
        GTlsDatabase *db;
        GSocketConnectable *identity;
} hook;

static gboolean accept_cert(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data) {
        (void) msg;
        hook *h = data;
        if (errors != G_TLS_CERTIFICATE_BAD_IDENTITY || !h->db)
                return FALSE;
        GTlsCertificateFlags f = g_tls_database_verify_chain(h->db, cert, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                                             h->identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, NULL);
        return f == 0;
}

wkd_outcome sg_keys_wkd_fetch(const sg_keys_options *o, const char *url, unsigned timeout, unsigned char **ret_data,
                              size_t *ret_len, char *why, size_t n) {
        wkd_outcome res = WKD_FAILED;
        GError *e = NULL;
        hook h = {0};
        GInputStream *body = NULL;
        unsigned char *data = NULL;
        SoupMessage *msg = NULL;
        GUri *real = g_uri_parse(url, G_URI_FLAGS_ENCODED, NULL);
        SoupSession *s = soup_session_new_with_options("timeout", timeout, "idle-timeout", timeout, "user-agent",
                                                       "sealgate", NULL);
        if (!real) {
                snprintf(why, n, "WKD: bad URL");
                goto out;
        }
        if (o->wkd_ca_file) {
                h.db = g_tls_file_database_new(o->wkd_ca_file, &e);
                if (!h.db) {
                        snprintf(why, n, "WKD: cannot read the CA file: %s", e->message);
                        goto out;
                }
                soup_session_set_tls_database(s, h.db);
        } else {
                h.db = g_tls_backend_get_default_database(g_tls_backend_get_default());
        }
        if (o->wkd_connect) {
                const char *colon = strrchr(o->wkd_connect, ':');
                int port = colon ? atoi(colon + 1) : 0;
                if (!colon || port <= 0 || port > 65535) {
                        snprintf(why, n, "WKD: the test hook wants ADDRESS:PORT");
                        goto out;
                }
                char *host = g_strndup(o->wkd_connect, (gsize) (colon - o->wkd_connect));
                GUri *to = g_uri_build(G_URI_FLAGS_ENCODED, "https", NULL, host, port, g_uri_get_path(real),
                                       g_uri_get_query(real), NULL);
                g_free(host);
                msg = soup_message_new_from_uri("GET", to);
                g_uri_unref(to);
                h.identity = g_network_address_new(g_uri_get_host(real), 443);
                soup_message_headers_replace(soup_message_get_request_headers(msg), "Host", g_uri_get_host(real));
                g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_cert), &h);
        } else {
                msg = soup_message_new_from_uri("GET", real);
        }
        body = soup_session_send(s, msg, NULL, &e);
        if (!body) {
                if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
                        snprintf(why, n, "lookup timed out after %u s", timeout);
                        res = WKD_TIMEOUT;
                } else if (e && (e->domain == G_RESOLVER_ERROR ||
                                 g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
                                 g_error_matches(e, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
                                 g_error_matches(e, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))) {
                        snprintf(why, n, "WKD: %s", e->message);
                        res = WKD_UNREACHABLE;
                } else {
                        snprintf(why, n, "WKD: %s", e ? e->message : "request failed");
                }
                goto out;
        }
        unsigned st = soup_message_get_status(msg);
        if (st != SOUP_STATUS_OK) {
                snprintf(why, n, "WKD: HTTP %u", st);
                res = WKD_HTTP;
                goto out;
        }
        size_t len = 0;
        data = malloc(SG_KEYS_WKD_RESPONSE_MAX + 1);
        if (!data) {
                snprintf(why, n, "out of memory");
                goto out;
        }
        for (;;) {
                gssize k = g_input_stream_read(body, data + len, SG_KEYS_WKD_RESPONSE_MAX + 1 - len, NULL, &e);
                if (k < 0) {
                        res = g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? WKD_TIMEOUT : WKD_FAILED;
                        if (res == WKD_TIMEOUT)
                                snprintf(why, n, "lookup timed out after %u s", timeout);
                        else
                                snprintf(why, n, "WKD: %s", e->message);
                        goto out;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
                if (len > SG_KEYS_WKD_RESPONSE_MAX) {
                        snprintf(why, n, "WKD: the answer is larger than %d bytes", SG_KEYS_WKD_RESPONSE_MAX);
                        goto out;
                }
        }
        if (len == 0) {
                snprintf(why, n, "WKD: empty answer");
                goto out;
        }
        *ret_data = data;
        *ret_len = len;
        data = NULL;
        res = WKD_OK;
out:
        free(data);
        if (e)
                g_error_free(e);
        if (body)
                g_object_unref(body);
        if (msg)
                g_object_unref(msg);
        if (h.identity)
                g_object_unref(h.identity);
        if (h.db)
                g_object_unref(h.db);
        if (real)
                g_uri_unref(real);
        g_object_unref(s);
        return res;
}
