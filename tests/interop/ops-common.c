/* sealgate: what the in-process interop tests share (ops-common.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops-common.h"

char ops_fx[512];
char ops_pass[128];

const char ops_content[] = "Content-Type: text/plain\r\n\r\nHello Bob,\r\nthe figures.\r\n";

bool ops_start(int argc, char **argv, const char *usage, const char *tag, bool quiet, const char *then) {
        if (argc != 2) {
                fprintf(stderr, "usage: %s\n", usage);
                exit(2);
        }
        snprintf(ops_fx, sizeof ops_fx, "/tmp/sealgate-%s-XXXXXX", tag);
        if (!mkdtemp(ops_fx))
                exit(1);
        char cmd[4000];
        snprintf(cmd, sizeof cmd, "sh '%s' '%s' >/dev/null%s%s%s%s%s", argv[1], ops_fx, quiet ? " 2>&1" : "",
                 then ? " && cd '" : "", then ? ops_fx : "", then ? "' && " : "", then ? then : "");
        if (system(cmd) != 0)
                return false;
        char *p = ops_slurp("PASSPHRASE", NULL);
        snprintf(ops_pass, sizeof ops_pass, "%s", p ? p : "");
        ops_pass[strcspn(ops_pass, "\n")] = '\0';
        free(p);
        return true;
}

void ops_cleanup(const char *home) {
        char cmd[1400];
        if (home)
                snprintf(cmd, sizeof cmd, "gpgconf --homedir '%s' --kill gpg-agent >/dev/null 2>&1; rm -rf '%s'", home,
                         ops_fx);
        else
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", ops_fx);
        if (system(cmd) != 0)
                printf("# cannot remove %s\n", ops_fx);
}

const char *ops_path(const char *name) {
        static char buf[4][700];
        static int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof buf[i], "%s/%s", ops_fx, name);
        return buf[i];
}

char *ops_slurp(const char *name, size_t *len) {
        FILE *f = fopen(ops_path(name), "rb");
        char *d = f ? malloc(1 << 20) : NULL;
        size_t n = d ? fread(d, 1, (1 << 20) - 1, f) : 0;
        if (f)
                fclose(f);
        if (d)
                d[n] = '\0';
        if (len)
                *len = n;
        return d;
}

int membuf_write(void *ctx, const void *p, size_t n) {
        membuf *m = ctx;
        if (m->len + n + 1 > m->cap) { /* + 1: always NUL-terminated */
                size_t cap = m->cap ? m->cap * 2 : 4096;
                while (cap < m->len + n + 1)
                        cap *= 2;
                unsigned char *d = realloc(m->data, cap);
                if (!d)
                        return -1;
                m->data = d;
                m->cap = cap;
        }
        memcpy(m->data + m->len, p, n);
        m->len += n;
        m->data[m->len] = '\0';
        return 0;
}

sg_sink membuf_sink(membuf *m) {
        m->len = 0;
        return (sg_sink){.write = membuf_write, .ctx = m};
}

bool membuf_is_content(const membuf *m) {
        return m->len == strlen(ops_content) && memcmp(m->data, ops_content, m->len) == 0;
}

size_t ops_smime_cut_accepted(const sg_smime_ops *ops, const sg_smime_trust *trust, const membuf *sig, size_t step) {
        for (size_t n = 0; n < sig->len; n += step) {
                sg_mem_source ms;
                sg_source in = sg_source_mem(&ms, ops_content, strlen(ops_content));
                sg_smime_verify_result *res = NULL;
                sg_error e = {0};
                sg_err r = ops->verify(trust, sig->data, n, &in, NULL, &res, &e);
                bool valid = r == SG_OK && res && res->valid;
                sg_smime_verify_result_free(res);
                if (valid)
                        return n;
        }
        return SIZE_MAX;
}
