/* sealgate Outlook add-in: whether a recipient has a certificate Outlook's
 * own S/MIME can encrypt to, checked with CryptoAPI where Outlook looks: a
 * certificate property of the address-book entry or contact (the GAL's
 * userSMIMECertificate / PR_EMS_AB_X509_CERT, PR_USER_X509_CERTIFICATE) and
 * the user's certificate stores ("AddressBook", i.e. Other People, and
 * "My"). A certificate counts when it parses, is valid now and, when it
 * says so, may be used for key encipherment. */
#ifndef SG_CERTS_H
#define SG_CERTS_H

#include <stdbool.h>

#include <windows.h>

#include <oleauto.h>

#define SG_CERT_BLOBS_MAX 16 /* certificates looked at in one property value */

/* Whether `value` (a PropertyAccessor value: one binary, VT_ARRAY|VT_UI1, or
 * several, VT_ARRAY|VT_VARIANT of those) holds a usable certificate. Each
 * binary is a DER certificate or Outlook's tagged certificate record
 * (MS-OXOCNTC PidTagUserX509Certificate: tag 0x0003 holds the DER). */
bool sg_cert_value_usable(const VARIANT *value);

/* Whether the user's certificate stores hold a usable certificate for the
 * SMTP address `addr` (UTF-8; compared case-insensitively with the
 * certificate's e-mail name). */
bool sg_cert_store_has(const char *addr);

/* Whether DER bytes are a usable certificate. */
bool sg_cert_der_usable(const BYTE *der, DWORD len);

#endif
