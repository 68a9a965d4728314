/* sealgate Outlook add-in: recipients' certificates (see certs.h). */
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <oleauto.h>
#include <wincrypt.h>

#include "certs.h"
#include "disp.h"

#define TAG_CERTIFICATE 0x0003 /* Outlook's certificate record: the DER certificate */

static bool usable(PCCERT_CONTEXT c) {
        BYTE usage = 0;
        if (CertVerifyTimeValidity(NULL, c->pCertInfo) != 0)
                return false;
        /* No key usage extension: any use. With one: key encipherment. */
        if (CertGetIntendedKeyUsage(X509_ASN_ENCODING, c->pCertInfo, &usage, 1))
                return (usage & CERT_KEY_ENCIPHERMENT_KEY_USAGE) != 0;
        return true;
}

bool sg_cert_der_usable(const BYTE *der, DWORD len) {
        PCCERT_CONTEXT c;
        bool ok;
        if (!der || !len)
                return false;
        c = CertCreateCertificateContext(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der, len);
        if (!c)
                return false;
        ok = usable(c);
        CertFreeCertificateContext(c);
        return ok;
}

/* A DER certificate, or Outlook's record of tagged values (2-byte tag,
 * 2-byte length including the 4-byte header, little-endian). */
static bool blob_usable(const BYTE *b, DWORD len) {
        if (sg_cert_der_usable(b, len))
                return true;
        for (DWORD off = 0; off + 4 <= len;) {
                unsigned tag = b[off] | (unsigned) b[off + 1] << 8;
                unsigned n = b[off + 2] | (unsigned) b[off + 3] << 8;
                if (n < 4 || n > len - off)
                        return false;
                if (tag == TAG_CERTIFICATE)
                        return sg_cert_der_usable(b + off + 4, n - 4);
                off += n;
        }
        return false;
}

static bool bytes_usable(SAFEARRAY *sa) {
        BYTE *p;
        LONG lo, hi;
        bool ok = false;
        if (!sa || SafeArrayGetDim(sa) != 1 || FAILED(SafeArrayGetLBound(sa, 1, &lo)) ||
            FAILED(SafeArrayGetUBound(sa, 1, &hi)) || hi < lo)
                return false;
        if (SUCCEEDED(SafeArrayAccessData(sa, (void **) &p))) {
                ok = blob_usable(p, (DWORD) (hi - lo + 1));
                SafeArrayUnaccessData(sa);
        }
        return ok;
}

bool sg_cert_value_usable(const VARIANT *v) {
        if (V_VT(v) == (VT_ARRAY | VT_UI1))
                return bytes_usable(V_ARRAY(v));
        if (V_VT(v) == (VT_ARRAY | VT_VARIANT)) {
                SAFEARRAY *sa = V_ARRAY(v);
                LONG lo, hi;
                VARIANT *e;
                bool ok = false;
                if (!sa || SafeArrayGetDim(sa) != 1 || FAILED(SafeArrayGetLBound(sa, 1, &lo)) ||
                    FAILED(SafeArrayGetUBound(sa, 1, &hi)))
                        return false;
                if (hi - lo + 1 > SG_CERT_BLOBS_MAX)
                        hi = lo + SG_CERT_BLOBS_MAX - 1;
                if (FAILED(SafeArrayAccessData(sa, (void **) &e)))
                        return false;
                for (LONG i = 0; i <= hi - lo && !ok; i++)
                        ok = V_VT(&e[i]) == (VT_ARRAY | VT_UI1) && bytes_usable(V_ARRAY(&e[i]));
                SafeArrayUnaccessData(sa);
                return ok;
        }
        return false;
}

static bool store_has(const wchar_t *store, const wchar_t *addr) {
        HCERTSTORE s = CertOpenStore(
                CERT_STORE_PROV_SYSTEM_W, 0, 0,
                CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG, store);
        PCCERT_CONTEXT c = NULL;
        bool found = false;
        if (!s)
                return false;
        /* Every certificate whose e-mail name (subject E= or the
         * rfc822Name of its alternative names) is the address. */
        while (!found && (c = CertFindCertificateInStore(s, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_ANY,
                                                         NULL, c)) != NULL) {
                wchar_t email[320];
                if (CertGetNameStringW(c, CERT_NAME_EMAIL_TYPE, 0, NULL, email, 320) > 1 &&
                    _wcsicmp(email, addr) == 0 && usable(c))
                        found = true;
        }
        if (c)
                CertFreeCertificateContext(c);
        CertCloseStore(s, 0);
        return found;
}

bool sg_cert_store_has(const char *addr) {
        wchar_t *w = sg_wide_from_utf8(addr);
        bool found;
        if (!w)
                return false;
        found = store_has(L"AddressBook", w) || store_has(L"My", w);
        free(w);
        return found;
}
