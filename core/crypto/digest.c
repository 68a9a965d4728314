/* sealgate: SHA-256 (digest.h) over OpenSSL's EVP interface. */
#include <limits.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sealgate/digest.h"

struct sg_sha256 {
        EVP_MD_CTX *ctx;
};

sg_sha256 *sg_sha256_new(void) {
        sg_sha256 *h = calloc(1, sizeof *h);
        if (!h)
                return NULL;
        if (!(h->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
                return sg_sha256_free(h);
        return h;
}

bool sg_sha256_update(sg_sha256 *h, const void *data, size_t n) {
        return h && (n == 0 || EVP_DigestUpdate(h->ctx, data, n) == 1);
}

bool sg_sha256_final(sg_sha256 *h, unsigned char out[SG_SHA256_LEN]) {
        unsigned int len = 0;
        return h && EVP_DigestFinal_ex(h->ctx, out, &len) == 1 && len == SG_SHA256_LEN;
}

bool sg_sha256_final_hex(sg_sha256 *h, char out[SG_SHA256_HEX_LEN + 1]) {
        static const char hex[] = "0123456789abcdef";
        unsigned char md[SG_SHA256_LEN];
        if (!sg_sha256_final(h, md))
                return false;
        for (size_t i = 0; i < SG_SHA256_LEN; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 15];
        }
        out[SG_SHA256_HEX_LEN] = '\0';
        return true;
}

sg_sha256 *sg_sha256_free(sg_sha256 *h) {
        if (h) {
                EVP_MD_CTX_free(h->ctx);
                free(h);
        }
        return NULL;
}

bool sg_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                        char out[SG_SHA256_HEX_LEN + 1]) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (!key || key_len > INT_MAX ||
            !HMAC(EVP_sha256(), key, (int) key_len, (const unsigned char *) data, len, mac, &n) || n != SG_SHA256_LEN)
                return false;
        static const char hex[] = "0123456789abcdef";
        for (unsigned i = 0; i < n; i++) {
                out[2 * i] = hex[mac[i] >> 4];
                out[2 * i + 1] = hex[mac[i] & 15];
        }
        out[SG_SHA256_HEX_LEN] = '\0';
        return true;
}
