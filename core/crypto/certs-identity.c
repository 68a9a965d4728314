/* sealgate: which certificate a Thunderbird identity signs and encrypts with
 * (sealgate/certs.h, sg_certs_use_for_identity): the identity's
 * signing_cert_dbkey / encryption_cert_dbkey prefs (Mozilla's dbKey: module
 * and slot id 0, the serial's and the issuer's lengths, then both) and the
 * _name prefs, written into the profile's prefs.js while Thunderbird does not
 * run (it rewrites prefs.js when it exits, and reads it at start; a later
 * choice in its settings then wins). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cert.h>
#include <keyhi.h>
#include <nssb64.h>
#include <pk11pub.h>

#include "certs-private.h"
#include "nss-private.h"
#include "sealgate/certs.h"

#define PREFS_MAX (16 * 1024 * 1024)

static char *db_key(CERTCertificate *c) {
        size_t sn = c->serialNumber.len, in = c->derIssuer.len, n = 16 + sn + in;
        unsigned char *k = calloc(1, n);
        if (!k)
                return NULL;
        k[8] = (unsigned char) (sn >> 24), k[9] = (unsigned char) (sn >> 16), k[10] = (unsigned char) (sn >> 8),
        k[11] = (unsigned char) sn;
        k[12] = (unsigned char) (in >> 24), k[13] = (unsigned char) (in >> 16), k[14] = (unsigned char) (in >> 8),
        k[15] = (unsigned char) in;
        memcpy(k + 16, c->serialNumber.data, sn);
        memcpy(k + 16 + sn, c->derIssuer.data, in);
        SECItem it = {siBuffer, k, (unsigned int) n};
        char *b64 = NSSBase64_EncodeItem(NULL, NULL, 0, &it);
        free(k);
        if (!b64)
                return NULL;
        char *r = malloc(strlen(b64) + 1), *o = r;
        for (const char *p = b64; r && *p; p++)
                if (*p != '\r' && *p != '\n')
                        *o++ = *p;
        if (r)
                *o = '\0';
        PORT_Free(b64);
        return r;
}

/* Whether a process holds the profile's lock (Thunderbird runs on it). */
static bool profile_in_use(const char *dir) {
        char path[4200];
        snprintf(path, sizeof path, "%s/.parentlock", dir);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return false;
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        bool busy = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
        close(fd);
        return busy;
}

static bool valid_identity(const char *id) {
        if (strncmp(id, "id", 2) != 0 || !id[2] || strlen(id) > 12)
                return false;
        for (const char *p = id + 2; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        return true;
}

/* Appends `user_pref("mail.identity.ID.NAME", "VALUE");`, VALUE escaped. */
static void put_pref(FILE *f, const char *id, const char *name, const char *value) {
        fprintf(f, "user_pref(\"mail.identity.%s.%s\", \"", id, name);
        for (const char *p = value; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fputc('\\', f);
                fputc(*p, f);
        }
        fputs("\");\n", f);
}

sg_err sg_certs_use_for_identity(const char *profile_dir, const char *nickname, const char *identity, sg_error *err) {
        if (!sg_certs_is_open())
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "no NSS database is open");
        if (!valid_identity(identity))
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the identity must be written idN (such as id1)");
        if (profile_in_use(profile_dir))
                return sg_error_set(
                        err, SG_ERR_IO,
                        "Thunderbird runs on this profile: close it first (it rewrites prefs.js when it exits)");
        CERTCertificate *c = CERT_FindCertByNickname(CERT_GetDefaultCertDB(), nickname);
        if (!c)
                return sg_error_set(err, SG_ERR_NO_CERTIFICATE, "no certificate named %s in the database", nickname);
        SECKEYPrivateKey *k = PK11_FindKeyByAnyCert(c, NULL);
        if (!k) {
                CERT_DestroyCertificate(c);
                return sg_error_set(err, SG_ERR_NO_PRIVATE_KEY, "the database has no private key for %s", nickname);
        }
        SECKEY_DestroyPrivateKey(k);
        char *key = db_key(c);
        char *nick = strdup(c->nickname ? c->nickname : nickname);
        CERT_DestroyCertificate(c);
        char path[4200], tmp[4300], want[128];
        snprintf(path, sizeof path, "%s/prefs.js", profile_dir);
        snprintf(tmp, sizeof tmp, "%s/prefs.js.sealgate-%ld", profile_dir, (long) getpid());
        snprintf(want, sizeof want, "\"mail.identity.%s.", identity);
        sg_err r = SG_OK;
        FILE *in = fopen(path, "r"), *out = NULL;
        bool known = false;
        if (!key || !nick) {
                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        } else if (!in) {
                r = sg_error_set(err, SG_ERR_PROFILE_NOT_FOUND, "cannot read %s: %s", path, strerror(errno));
        } else if (!(out = fopen(tmp, "w"))) {
                r = sg_error_set(err, SG_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        } else {
                char line[8192];
                size_t total = 0;
                static const char *const ours[] = {"signing_cert_dbkey\"", "encryption_cert_dbkey\"",
                                                   "signing_cert_name\"", "encryption_cert_name\""};
                while (fgets(line, sizeof line, in)) {
                        total += strlen(line);
                        if (total > PREFS_MAX) {
                                r = sg_error_set(err, SG_ERR_LIMIT, "prefs.js is larger than %d bytes", PREFS_MAX);
                                break;
                        }
                        char *at = strstr(line, want);
                        bool drop = false;
                        if (at) {
                                known = known || strstr(at, ".useremail\"") != NULL;
                                for (int i = 0; i < 4; i++)
                                        drop = drop || strncmp(at + strlen(want), ours[i], strlen(ours[i])) == 0;
                        }
                        if (!drop)
                                fputs(line, out);
                }
                if (r == SG_OK && !known)
                        r = sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "the profile has no identity %s", identity);
                if (r == SG_OK) {
                        put_pref(out, identity, "encryption_cert_dbkey", key);
                        put_pref(out, identity, "encryption_cert_name", nick);
                        put_pref(out, identity, "signing_cert_dbkey", key);
                        put_pref(out, identity, "signing_cert_name", nick);
                }
        }
        if (in)
                fclose(in);
        if (out) {
                bool ok = fflush(out) == 0 && fsync(fileno(out)) == 0;
                ok = fclose(out) == 0 && ok;
                if (r == SG_OK && (!ok || rename(tmp, path) != 0))
                        r = sg_error_set(err, SG_ERR_IO, "cannot replace %s: %s", path, strerror(errno));
                if (r != SG_OK)
                        unlink(tmp);
        }
        free(key);
        free(nick);
        return r;
}
