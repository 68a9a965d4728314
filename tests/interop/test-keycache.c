/* The keys cache (core/crypto/keycache.c) on its own: SG_KEYS_CACHE_MAX
 * addresses kept and one past it drops them all; a change of the GnuPG
 * home's key files or of the home drops every entry. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys-private.h"
#include "sg-test.h"

static void put(sg_keys_cache *c, const char *addr) {
        kc_keys none = {0};
        sg_kc_put(c, addr, &none);
}

int main(void) {
        char home[] = "/tmp/sealgate-keycache-XXXXXX", other[] = "/tmp/sealgate-keycache-XXXXXX", file[4200];
        SG_CHECK(mkdtemp(home) && mkdtemp(other), "temporary homes");
        snprintf(file, sizeof file, "%s/pubring.kbx", home);
        FILE *f = fopen(file, "w");
        fputs("one", f);
        fclose(f);

        sg_keys_cache *c = sg_keys_cache_new();
        sg_kc_begin(c, home);
        char a[64];
        for (int i = 0; i < SG_KEYS_CACHE_MAX; i++) {
                snprintf(a, sizeof a, "user%d@example.org", i);
                put(c, a);
        }
        SG_CHECK(sg_keys_cache_count(c) == SG_KEYS_CACHE_MAX, "%d addresses kept", SG_KEYS_CACHE_MAX);
        SG_CHECK(sg_kc_get(c, "USER7@example.org") != NULL, "found again, any case");
        put(c, "user7@example.org");
        SG_CHECK(sg_keys_cache_count(c) == SG_KEYS_CACHE_MAX, "an address kept again is replaced, not added");
        put(c, "one-more@example.org");
        SG_CHECK(sg_keys_cache_count(c) == 1 && sg_kc_get(c, "one-more@example.org") &&
                         !sg_kc_get(c, "user7@example.org"),
                 "one past the limit: the others dropped, the new one kept");

        sg_kc_begin(c, home);
        SG_CHECK(sg_kc_get(c, "one-more@example.org") != NULL, "files unchanged: kept");
        f = fopen(file, "a");
        fputs("two", f);
        fclose(f);
        sg_kc_begin(c, home);
        SG_CHECK(sg_kc_get(c, "one-more@example.org") == NULL, "pubring.kbx changed: dropped");

        put(c, "x@example.org");
        snprintf(file, sizeof file, "%s/trustdb.gpg", home);
        f = fopen(file, "w");
        fclose(f);
        sg_kc_begin(c, home);
        SG_CHECK(sg_kc_get(c, "x@example.org") == NULL, "trustdb.gpg appeared: dropped");

        put(c, "x@example.org");
        sg_kc_begin(c, other);
        SG_CHECK(sg_kc_get(c, "x@example.org") == NULL, "another GnuPG home: dropped");
        sg_keys_cache_free(c);

        unlink(file);
        snprintf(file, sizeof file, "%s/pubring.kbx", home);
        unlink(file);
        rmdir(home);
        rmdir(other);
        return sg_test_done();
}
