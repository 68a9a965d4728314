/* sealgate: reading and importing certificate files into the open NSS
 * database (sealgate/certs.h): PKCS#12 through NSS's PKCS#12 decoder (it
 * reads every PKCS#12 file of the test corpus, OpenSSL 3 with the legacy
 * provider one fewer), certificates and chains through
 * CERT_DecodeCertPackage, signed messages' signature parts through
 * certs-message.c (GMime). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cert.h>
#include <certdb.h>
#include <ciferfam.h>
#include <keyhi.h>
#include <nssb64.h>
#include <p12.h>
#include <p12plcy.h>
#include <pk11pub.h>
#include <prerror.h>
#include <secerr.h>

#include "certs-private.h"
#include "nss-private.h"
#include "sealgate/certs.h"

typedef struct blob {
        unsigned char *data;
        size_t len;
} blob;

static sg_err read_file(const char *path, blob *b, sg_error *err) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return sg_error_set(err, SG_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return sg_error_set(err, SG_ERR_IO, "%s is not a regular file", path);
        }
        if (st.st_size > SG_CERTS_FILE_MAX) {
                close(fd);
                return sg_error_set(err, SG_ERR_LIMIT, "the file is larger than %d bytes", SG_CERTS_FILE_MAX);
        }
        b->data = malloc((size_t) st.st_size + 1);
        if (!b->data) {
                close(fd);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        size_t got = 0;
        for (;;) {
                ssize_t n = read(fd, b->data + got, (size_t) st.st_size + 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t) n;
                if (got > (size_t) st.st_size)
                        break;
        }
        close(fd);
        if (got > (size_t) st.st_size || got == 0) {
                free(b->data);
                b->data = NULL;
                return sg_error_set(err, got ? SG_ERR_IO : SG_ERR_TRUNCATED,
                                    got ? "%s changed while it was read" : "%s is empty", path);
        }
        b->len = got;
        return SG_OK;
}

sg_err sg_certs_sniff(const unsigned char *d, size_t len, sg_certs_kind *ret, sg_error *err) {
        if (len >= 2 && d[0] == 0x30) {
                /* PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... } */
                size_t i = 2;
                if (d[1] & 0x80)
                        i += d[1] & 0x7f;
                *ret = i + 3 <= len && d[i] == 0x02 && d[i + 1] == 0x01 && d[i + 2] == 0x03 ? SG_CERTS_KIND_PKCS12
                                                                                            : SG_CERTS_KIND_CERTS;
                return SG_OK;
        }
        const char *s = (const char *) d;
        size_t probe = len < 65536 ? len : 65536;
        if (memmem(s, probe, "-----BEGIN", 10)) {
                *ret = SG_CERTS_KIND_CERTS;
                return SG_OK;
        }
        if (memmem(s, probe, "\nContent-Type:", 14) || memmem(s, probe, "\ncontent-type:", 14) ||
            strncasecmp(s, "Content-Type:", 13) == 0 || memmem(s, probe, "MIME-Version:", 13)) {
                *ret = SG_CERTS_KIND_MESSAGE;
                return SG_OK;
        }
        /* base64 DER without armour (.p7s/.cer saved by some programs) */
        *ret = SG_CERTS_KIND_CERTS;
        (void) err;
        return SG_OK;
}

/* ---- certificates, chains, signatures ---------------------------------- */

typedef struct certset {
        CERTCertificate *certs[SG_CERTS_IN_FILE_MAX];
        size_t n;
        bool over;
} certset;

static SECStatus collect_cb(void *arg, SECItem **certs, int n) {
        certset *s = arg;
        for (int i = 0; i < n; i++) {
                if (s->n >= SG_CERTS_IN_FILE_MAX) {
                        s->over = true;
                        return SECFailure;
                }
                CERTCertificate *c =
                        CERT_NewTempCertificate(CERT_GetDefaultCertDB(), certs[i], NULL, PR_FALSE, PR_TRUE);
                if (!c)
                        return SECFailure;
                s->certs[s->n++] = c;
        }
        return SECSuccess;
}

static void certset_clear(certset *s) {
        for (size_t i = 0; i < s->n; i++)
                CERT_DestroyCertificate(s->certs[i]);
        s->n = 0;
}

static sg_err decode_der(unsigned char *data, size_t len, certset *s, sg_error *err) {
        if (len > 0x7fffffff)
                return sg_error_set(err, SG_ERR_LIMIT, "the file is too large");
        if (CERT_DecodeCertPackage((char *) data, (int) len, collect_cb, s) != SECSuccess || s->n == 0) {
                if (s->over)
                        return sg_error_set(err, SG_ERR_LIMIT, "the file holds more than %d certificates",
                                            SG_CERTS_IN_FILE_MAX);
                return sg_error_set(
                        err, s->n ? SG_ERR_TRUNCATED : SG_ERR_NO_CERTIFICATE,
                        s->n ? "the file is corrupt or cut short"
                             : "no certificate could be read from the file (corrupt, or not a certificate)");
        }
        return SG_OK;
}

/* PEM: every "-----BEGIN CERTIFICATE-----" / "PKCS7" / "X509 CERTIFICATE"
 * block (text around them, as openssl writes "Bag Attributes", is ignored);
 * else DER, or base64 without armour. */
static sg_err decode_package(unsigned char *data, size_t len, certset *s, sg_error *err) {
        char *text = (char *) data;
        if (!memmem(text, len, "-----BEGIN ", 11))
                return decode_der(data, len, s, err);
        data[len] = '\0'; /* read_file leaves room for it */
        size_t blocks = 0;
        for (char *p = strstr(text, "-----BEGIN "); p; p = strstr(p, "-----BEGIN ")) {
                char *end_hdr = strstr(p + 11, "-----");
                char *end = end_hdr ? strstr(end_hdr + 5, "-----END ") : NULL;
                if (!end)
                        return sg_error_set(err, SG_ERR_TRUNCATED,
                                            "a PEM block has no END line: the file is cut short");
                bool cert = strncmp(p + 11, "CERTIFICATE-----", 16) == 0 || strncmp(p + 11, "PKCS7-----", 10) == 0 ||
                            strncmp(p + 11, "X509 CERTIFICATE-----", 21) == 0 || strncmp(p + 11, "CMS-----", 8) == 0;
                if (cert) {
                        unsigned int n = 0;
                        SECItem *it =
                                NSSBase64_DecodeBuffer(NULL, NULL, end_hdr + 5, (unsigned int) (end - end_hdr - 5));
                        unsigned char *der = it ? it->data : NULL;
                        n = it ? it->len : 0;
                        if (!der || n == 0) {
                                if (it)
                                        SECITEM_FreeItem(it, PR_TRUE);
                                return sg_error_set(err, SG_ERR_TRUNCATED, "a PEM block is not valid base64");
                        }
                        sg_err r = decode_der(der, n, s, err);
                        SECITEM_FreeItem(it, PR_TRUE);
                        if (r != SG_OK)
                                return r;
                        blocks++;
                }
                p = end + 9;
        }
        if (!blocks)
                return sg_error_set(err, SG_ERR_NO_CERTIFICATE, "the PEM file holds no certificate");
        return SG_OK;
}

/* ---- PKCS#12 ------------------------------------------------------------- */

static void p12_policy(void) {
        static bool done;
        if (done)
                return;
        done = true;
        /* the legacy encodings Windows and older CAs still produce */
        SEC_PKCS12EnableCipher(PKCS12_RC4_40, 1);
        SEC_PKCS12EnableCipher(PKCS12_RC4_128, 1);
        SEC_PKCS12EnableCipher(PKCS12_RC2_CBC_40, 1);
        SEC_PKCS12EnableCipher(PKCS12_RC2_CBC_128, 1);
        SEC_PKCS12EnableCipher(PKCS12_DES_56, 1);
        SEC_PKCS12EnableCipher(PKCS12_DES_EDE3_168, 1);
        SEC_PKCS12EnableCipher(PKCS12_AES_CBC_128, 1);
        SEC_PKCS12EnableCipher(PKCS12_AES_CBC_192, 1);
        SEC_PKCS12EnableCipher(PKCS12_AES_CBC_256, 1);
        SEC_PKCS12SetPreferredCipher(PKCS12_AES_CBC_256, 1);
}

/* The password as PKCS#12 wants it: UCS-2 big-endian; `nul`: with the
 * terminating zero (the standard), without it (some writers). */
static bool ucs2_password(const char *pw, bool nul, SECItem *out) {
        size_t n = strlen(pw);
        unsigned char *u = PORT_ZAlloc(n * 2 + 4);
        unsigned int len = 0;
        if (!u)
                return false;
        if (n && !PORT_UCS2_UTF8Conversion(PR_TRUE, (unsigned char *) pw, (unsigned int) n, u, (unsigned int) n * 2 + 2,
                                           &len)) {
                PORT_Free(u);
                return false;
        }
        out->data = u;
        out->len = len + (nul ? 2 : 0);
        return true;
}

typedef struct p12 {
        SEC_PKCS12DecoderContext *dcx;
        SECItem pw;
        size_t keys, certs, certs_with_key;
} p12;

static void p12_free(p12 *p) {
        if (p->dcx)
                SEC_PKCS12DecoderFinish(p->dcx);
        if (p->pw.data) {
                memset(p->pw.data, 0, p->pw.len);
                PORT_Free(p->pw.data);
        }
        memset(p, 0, sizeof *p);
}

static sg_err p12_error(sg_error *err, const char *what) {
        switch (PORT_GetError()) {
        case SEC_ERROR_BAD_PASSWORD:
        case SEC_ERROR_PKCS12_INVALID_MAC:
                return sg_error_set(err, SG_ERR_WRONG_PASSPHRASE,
                                    "the password is wrong (the file's MAC does not match)");
        case SEC_ERROR_PKCS12_UNSUPPORTED_MAC_ALGORITHM:
        case SEC_ERROR_PKCS12_UNSUPPORTED_PBE_ALGORITHM:
        case SEC_ERROR_PKCS12_UNSUPPORTED_TRANSPORT_MODE:
        case SEC_ERROR_PKCS12_UNSUPPORTED_VERSION:
        case SEC_ERROR_INVALID_ALGORITHM:
        case SEC_ERROR_UNSUPPORTED_KEYALG:
        case SEC_ERROR_PKCS12_CERT_COLLISION:
                return sg_error_set(err, SG_ERR_UNKNOWN_ALGORITHM,
                                    "%s: the file uses an algorithm that is not supported (%s)", what,
                                    PORT_ErrorToName(PORT_GetError()));
        case SEC_ERROR_NO_MEMORY:
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        default:
                return sg_error_set(err, SG_ERR_TRUNCATED, "%s: the file is corrupt or cut short (%s)", what,
                                    PORT_ErrorToName(PORT_GetError()));
        }
}

/* Decodes and verifies the MAC with one encoding of the password. */
static sg_err p12_try(const blob *b, const char *password, bool nul, p12 *p, sg_error *err) {
        PK11SlotInfo *slot = PK11_GetInternalKeySlot();
        if (!slot)
                return sg_nss_error(err, SG_ERR_NSS_DB, "no internal key slot");
        if (!ucs2_password(password, nul, &p->pw)) {
                PK11_FreeSlot(slot);
                return sg_error_set(err, SG_ERR_UTF8, "the password is not valid UTF-8");
        }
        p->dcx = SEC_PKCS12DecoderStart(&p->pw, slot, NULL, NULL, NULL, NULL, NULL, NULL);
        PK11_FreeSlot(slot);
        if (!p->dcx)
                return p12_error(err, "cannot start reading the PKCS#12 file");
        if (SEC_PKCS12DecoderUpdate(p->dcx, b->data, (unsigned long) b->len) != SECSuccess)
                return p12_error(err, "cannot decode the PKCS#12 file");
        if (SEC_PKCS12DecoderVerify(p->dcx) != SECSuccess)
                return p12_error(err, "cannot verify the PKCS#12 file");
        return SG_OK;
}

static sg_err p12_open(const blob *b, const char *password, p12 *p, sg_error *err) {
        if (!password)
                password = "";
        if (strlen(password) > SG_CERTS_PASSWORD_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the password is longer than %d bytes", SG_CERTS_PASSWORD_MAX);
        p12_policy();
        sg_err r = p12_try(b, password, true, p, err);
        if (r == SG_ERR_WRONG_PASSPHRASE) {
                /* some writers (and an empty password) use no terminating zero */
                p12_free(p);
                sg_error e2 = {0};
                if (p12_try(b, password, false, p, &e2) == SG_OK)
                        r = SG_OK;
        }
        if (r != SG_OK)
                return r;
        if (SEC_PKCS12DecoderIterateInit(p->dcx) != SECSuccess)
                return p12_error(err, "cannot read the PKCS#12 file's contents");
        const SEC_PKCS12DecoderItem *it = NULL;
        while (SEC_PKCS12DecoderIterateNext(p->dcx, &it) == SECSuccess) {
                switch (it->type) {
                case SEC_OID_PKCS12_V1_KEY_BAG_ID:
                case SEC_OID_PKCS12_V1_PKCS8_SHROUDED_KEY_BAG_ID:
                        p->keys++;
                        break;
                case SEC_OID_PKCS12_V1_CERT_BAG_ID:
                        p->certs++;
                        if (it->hasKey)
                                p->certs_with_key++;
                        break;
                default:
                        break;
                }
        }
        if (p->certs == 0)
                return sg_error_set(err, SG_ERR_NO_CERTIFICATE, "the PKCS#12 file holds no certificate");
        if (p->certs > SG_CERTS_IN_FILE_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "the file holds more than %d certificates",
                                    SG_CERTS_IN_FILE_MAX);
        if (p->keys == 0)
                return sg_error_set(
                        err, SG_ERR_NO_PRIVATE_KEY,
                        "the PKCS#12 file holds no private key (import its certificates as a chain instead)");
        if (p->keys > 1)
                return sg_error_set(err, SG_ERR_CERT_UNUSABLE,
                                    "the PKCS#12 file holds %zu private keys; import one identity per file", p->keys);
        if (p->certs_with_key != 1)
                return sg_error_set(err, SG_ERR_CERT_UNUSABLE,
                                    "the PKCS#12 file's private key matches none of its certificates");
        return SG_OK;
}

/* The certificates of a decoded PKCS#12, as temporary certificates. */
static sg_err p12_certs(p12 *p, certset *s, sg_error *err) {
        CERTCertList *l = SEC_PKCS12DecoderGetCerts(p->dcx);
        if (!l)
                return p12_error(err, "cannot read the PKCS#12 file's certificates");
        for (CERTCertListNode *x = CERT_LIST_HEAD(l); !CERT_LIST_END(x, l) && s->n < SG_CERTS_IN_FILE_MAX;
             x = CERT_LIST_NEXT(x))
                s->certs[s->n++] = CERT_DupCertificate(x->cert);
        CERT_DestroyCertList(l);
        return SG_OK;
}

/* ---- reading and importing --------------------------------------------- */

typedef struct loaded {
        blob file, sig;
        sg_certs_kind kind;
        p12 p;
        certset set;
} loaded;

static void loaded_free(loaded *l) {
        certset_clear(&l->set);
        p12_free(&l->p);
        free(l->file.data);
        free(l->sig.data);
        memset(l, 0, sizeof *l);
}

static sg_err load(const char *path, const char *password, loaded *l, sg_error *err) {
        if (!sg_certs_is_open())
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no NSS database is open");
        sg_err r = read_file(path, &l->file, err);
        if (r == SG_OK)
                r = sg_certs_sniff(l->file.data, l->file.len, &l->kind, err);
        if (r != SG_OK)
                return r;
        switch (l->kind) {
        case SG_CERTS_KIND_PKCS12:
                r = p12_open(&l->file, password, &l->p, err);
                return r == SG_OK ? p12_certs(&l->p, &l->set, err) : r;
        case SG_CERTS_KIND_MESSAGE:
                r = sg_certs_message_signature(l->file.data, l->file.len, &l->sig.data, &l->sig.len, err);
                return r == SG_OK ? decode_package(l->sig.data, l->sig.len, &l->set, err) : r;
        case SG_CERTS_KIND_CERTS:
        default:
                return decode_package(l->file.data, l->file.len, &l->set, err);
        }
}

static sg_err describe_set(certset *s, bool in_db, sg_certs_list **ret, sg_error *err) {
        sg_certs_list *l = NULL;
        sg_err r = sg_certs_list_alloc(s->n, &l, err);
        for (size_t i = 0; r == SG_OK && i < s->n; i++) {
                CERTCertificate *c = s->certs[i];
                CERTCertificate *db = in_db ? CERT_FindCertByDERCert(CERT_GetDefaultCertDB(), &c->derCert) : NULL;
                r = sg_certs_describe(db ? db : c, db != NULL, l, err);
                if (db)
                        CERT_DestroyCertificate(db);
        }
        if (r != SG_OK) {
                sg_certs_list_free(l);
                return r;
        }
        *ret = l;
        return SG_OK;
}

sg_err sg_certs_read(const char *path, const char *password, sg_certs_list **ret, sg_error *err) {
        loaded l = {0};
        sg_err r = load(path, password, &l, err);
        if (r == SG_OK)
                r = describe_set(&l.set, false, ret, err);
        loaded_free(&l);
        return r;
}

/* A nickname no other certificate of the database has: the address, else
 * the common name, with " #2", " #3"... when taken by another subject. */
static char *nickname_for(CERTCertificate *c) {
        const char *email = CERT_GetFirstEmailAddress(c);
        char *cn = CERT_GetCommonName(&c->subject);
        char base[200];
        snprintf(base, sizeof base, "%s", email ? email : cn ? cn : "imported certificate");
        if (cn)
                PORT_Free(cn);
        for (int n = 1; n < 100; n++) {
                char name[220];
                if (n == 1)
                        snprintf(name, sizeof name, "%s", base);
                else
                        snprintf(name, sizeof name, "%s #%d", base, n);
                CERTCertificate *o = CERT_FindCertByNickname(CERT_GetDefaultCertDB(), name);
                bool free_name = !o || SECITEM_ItemsAreEqual(&o->derSubject, &c->derSubject);
                if (o)
                        CERT_DestroyCertificate(o);
                if (free_name)
                        return strdup(name);
        }
        return NULL;
}

static SECItem *collision_cb(SECItem *old, PRBool *cancel, void *arg) {
        *cancel = PR_FALSE;
        CERTCertificate *c = arg;
        if (!c)
                return NULL;
        (void) old;
        char *name = nickname_for(c);
        if (!name)
                return NULL;
        SECItem *it = SECITEM_AllocItem(NULL, NULL, (unsigned int) strlen(name) + 1);
        if (it) {
                memcpy(it->data, name, strlen(name) + 1);
                it->len = (unsigned int) strlen(name);
        }
        free(name);
        return it;
}

/* Removes from the database every certificate of `s` that `existed` says
 * was not there before (with its private key). */
static void roll_back(certset *s, const bool *existed) {
        /* the set's temporary certificates share NSS's objects with the
         * new token ones: let them go first, or deleting finds stale handles */
        SECItem *der[SG_CERTS_IN_FILE_MAX] = {0};
        size_t n = s->n;
        for (size_t i = 0; i < n; i++)
                der[i] = existed[i] ? NULL : SECITEM_DupItem(&s->certs[i]->derCert);
        certset_clear(s);
        PK11SlotInfo *slot = PK11_GetInternalKeySlot();
        for (size_t i = 0; i < n; i++) {
                CERTCertificate *c = slot && der[i] ? PK11_FindCertFromDERCertItem(slot, der[i], NULL) : NULL;
                if (c) {
                        /* deletes the certificate only when it has a key */
                        PK11_DeleteTokenCertAndKey(c, NULL);
                        CERT_DestroyCertificate(c);
                        c = PK11_FindCertFromDERCertItem(slot, der[i], NULL);
                        if (c) {
                                SEC_DeletePermCertificate(c);
                                CERT_DestroyCertificate(c);
                        }
                }
                if (der[i])
                        SECITEM_FreeItem(der[i], PR_TRUE);
        }
        if (slot)
                PK11_FreeSlot(slot);
}

/* The ids (CKA_ID) of the private keys in the internal slot. */
static SECItem **key_ids(size_t *n) {
        *n = 0;
        PK11SlotInfo *slot = PK11_GetInternalKeySlot();
        SECKEYPrivateKeyList *l = slot ? PK11_ListPrivKeysInSlot(slot, NULL, NULL) : NULL;
        if (slot)
                PK11_FreeSlot(slot);
        if (!l)
                return NULL;
        size_t cap = 0;
        for (SECKEYPrivateKeyListNode *x = PRIVKEY_LIST_HEAD(l); !PRIVKEY_LIST_END(x, l); x = PRIVKEY_LIST_NEXT(x))
                cap++;
        SECItem **ids = calloc(cap + 1, sizeof *ids);
        for (SECKEYPrivateKeyListNode *x = PRIVKEY_LIST_HEAD(l); ids && !PRIVKEY_LIST_END(x, l);
             x = PRIVKEY_LIST_NEXT(x))
                if ((ids[*n] = PK11_GetLowLevelKeyIDForPrivateKey(x->key)))
                        (*n)++;
        SECKEY_DestroyPrivateKeyList(l);
        return ids;
}

static void key_ids_free(SECItem **ids, size_t n) {
        for (size_t i = 0; ids && i < n; i++)
                SECITEM_FreeItem(ids[i], PR_TRUE);
        free(ids);
}

/* Deletes the private keys that are not among `before`. */
static void drop_new_keys(SECItem **before, size_t n_before) {
        PK11SlotInfo *slot = PK11_GetInternalKeySlot();
        SECKEYPrivateKeyList *l = slot ? PK11_ListPrivKeysInSlot(slot, NULL, NULL) : NULL;
        if (slot)
                PK11_FreeSlot(slot);
        if (!l)
                return;
        for (SECKEYPrivateKeyListNode *x = PRIVKEY_LIST_HEAD(l); !PRIVKEY_LIST_END(x, l); x = PRIVKEY_LIST_NEXT(x)) {
                SECItem *id = PK11_GetLowLevelKeyIDForPrivateKey(x->key);
                bool old = false;
                for (size_t i = 0; id && i < n_before; i++)
                        old = old || SECITEM_ItemsAreEqual(id, before[i]);
                if (id && !old) {
                        SECKEYPrivateKey *k = SECKEY_CopyPrivateKey(x->key);
                        if (k)
                                PK11_DeleteTokenPrivateKey(k, PR_TRUE);
                }
                if (id)
                        SECITEM_FreeItem(id, PR_TRUE);
        }
        SECKEY_DestroyPrivateKeyList(l);
}

/* After a PKCS#12 import: one of its certificates has its private key. */
static bool key_matches(certset *s) {
        for (size_t i = 0; i < s->n; i++) {
                CERTCertificate *c = CERT_FindCertByDERCert(CERT_GetDefaultCertDB(), &s->certs[i]->derCert);
                SECKEYPrivateKey *k = c ? PK11_FindKeyByAnyCert(c, NULL) : NULL;
                if (c)
                        CERT_DestroyCertificate(c);
                if (k) {
                        SECKEY_DestroyPrivateKey(k);
                        return true;
                }
        }
        return false;
}

static sg_err import_certs(certset *s, sg_error *err) {
        PK11SlotInfo *slot = PK11_GetInternalKeySlot();
        if (!slot)
                return sg_nss_error(err, SG_ERR_NSS_DB, "no internal key slot");
        sg_err r = SG_OK;
        for (size_t i = 0; r == SG_OK && i < s->n; i++) {
                CERTCertificate *c = s->certs[i];
                CERTCertificate *db = CERT_FindCertByDERCert(CERT_GetDefaultCertDB(), &c->derCert);
                bool there = db && db->isperm;
                if (db)
                        CERT_DestroyCertificate(db);
                if (there)
                        continue;
                char *name = nickname_for(c);
                if (!name)
                        r = sg_error_set(err, SG_ERR_NSS_DB, "no free nickname for the certificate");
                else if (PK11_ImportCert(slot, c, CK_INVALID_HANDLE, name, PR_FALSE) != SECSuccess)
                        r = sg_nss_error(err, SG_ERR_NSS_DB, "the NSS database refused the certificate");
                free(name);
        }
        PK11_FreeSlot(slot);
        return r;
}

sg_err sg_certs_import(const char *path, const char *password, sg_certs_list **ret, sg_error *err) {
        loaded l = {0};
        sg_err r = load(path, password, &l, err);
        if (r != SG_OK) {
                loaded_free(&l);
                return r;
        }
        bool existed[SG_CERTS_IN_FILE_MAX] = {0};
        for (size_t i = 0; i < l.set.n; i++) {
                CERTCertificate *db = CERT_FindCertByDERCert(CERT_GetDefaultCertDB(), &l.set.certs[i]->derCert);
                existed[i] = db && db->isperm;
                if (db)
                        CERT_DestroyCertificate(db);
        }
        size_t n_keys = 0;
        SECItem **keys = key_ids(&n_keys);
        if (l.kind == SG_CERTS_KIND_PKCS12) {
                if (SEC_PKCS12DecoderValidateBags(l.p.dcx, collision_cb) != SECSuccess)
                        r = p12_error(err, "the PKCS#12 file's contents cannot be imported");
                else if (SEC_PKCS12DecoderImportBags(l.p.dcx) != SECSuccess)
                        r = sg_nss_error(err, SG_ERR_NSS_DB, "the NSS database refused the PKCS#12 file's contents");
                else if (!key_matches(&l.set))
                        r = sg_error_set(err, SG_ERR_CERT_UNUSABLE,
                                         "the PKCS#12 file's private key does not match its certificate");
        } else {
                r = import_certs(&l.set, err);
        }
        if (r == SG_OK && getenv("SEALGATE_TEST_CERTS_FAIL_AFTER_WRITE")) /* TEST HOOK: a failure midway */
                r = sg_error_set(err, SG_ERR_NSS_DB, "test hook: failure after the first write");
        if (r != SG_OK) {
                roll_back(&l.set, existed);
                drop_new_keys(keys, n_keys);
        }
        key_ids_free(keys, n_keys);
        if (r == SG_OK && ret)
                r = describe_set(&l.set, true, ret, err);
        loaded_free(&l);
        return r;
}
