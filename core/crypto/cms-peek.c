/* sealgate: what a CMS message is, from its first bytes (DER/BER headers
 * only), where a backend cannot say it itself: NSS calls AuthEnvelopedData
 * and key agreement recipients badly formatted DER. */
#include <stdint.h>
#include <string.h>

#include "cms-peek-private.h"

/* Whether the CMS that starts with `p` is AuthEnvelopedData (RFC 5083): its
 * ContentInfo's contentType, the first OID, is id-ct-authEnvelopedData. NSS
 * does not know that type and would call the input not CMS at all. */
bool sg_cms_is_auth_enveloped(const unsigned char *p, size_t n) {
        static const unsigned char oid[] = {0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7,
                                            0x0D, 0x01, 0x09, 0x10, 0x01, 0x17};
        /* SEQUENCE, its length (indefinite, short or long form up to 4 octets), then the OID */
        if (n < 2 || p[0] != 0x30)
                return false;
        size_t i = 2;
        if (p[1] > 0x84)
                return false;
        if (p[1] > 0x80)
                i += p[1] & 0x7F;
        return i + sizeof oid <= n && memcmp(p + i, oid, sizeof oid) == 0;
}

/* One DER/BER header at p[*i]: its tag, and the contents' length (SIZE_MAX
 * when indefinite); *i moves to the contents. False past `n`. */
static bool der_header(const unsigned char *p, size_t n, size_t *i, unsigned char *tag, size_t *len) {
        if (*i + 2 > n)
                return false;
        *tag = p[(*i)++];
        unsigned char l = p[(*i)++];
        if (l < 0x80) {
                *len = l;
                return true;
        }
        if (l == 0x80) {
                *len = SIZE_MAX;
                return true;
        }
        size_t k = l & 0x7F, v = 0;
        if (k > 4 || *i + k > n)
                return false;
        while (k--)
                v = (v << 8) | p[(*i)++];
        *len = v;
        return true;
}

/* Whether the EnvelopedData that starts with `p` has a key agreement
 * recipient (KeyAgreeRecipientInfo, [1]: ECDH, as OpenSSL and Outlook write
 * for an EC certificate). NSS's CMS decoder cannot read one and calls the
 * whole input badly formatted DER, as cmsutil does. */
bool sg_cms_has_key_agreement(const unsigned char *p, size_t n) {
        size_t i = 0, len;
        unsigned char tag;
        /* ContentInfo SEQUENCE, contentType OID, [0], EnvelopedData SEQUENCE, version */
        if (!der_header(p, n, &i, &tag, &len) || tag != 0x30 || !der_header(p, n, &i, &tag, &len) || tag != 0x06 ||
            len == SIZE_MAX || (i += len) > n || !der_header(p, n, &i, &tag, &len) || tag != 0xA0 ||
            !der_header(p, n, &i, &tag, &len) || tag != 0x30 || !der_header(p, n, &i, &tag, &len) || tag != 0x02 ||
            len == SIZE_MAX || (i += len) > n || !der_header(p, n, &i, &tag, &len))
                return false;
        if (tag == 0xA0) { /* originatorInfo */
                if (len == SIZE_MAX || (i += len) > n || !der_header(p, n, &i, &tag, &len))
                        return false;
        }
        if (tag != 0x31) /* recipientInfos SET */
                return false;
        size_t end = len == SIZE_MAX || i + len > n ? n : i + len;
        while (i < end) {
                if (!der_header(p, n, &i, &tag, &len))
                        return false;
                if (tag == 0xA1)
                        return true;
                if (len == SIZE_MAX || len > n - i)
                        return false;
                i += len;
        }
        return false;
}
