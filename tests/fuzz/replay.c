/* Replays a fuzz corpus through one fuzz target as a plain test, so a crash
 * once found stays fixed under gcc too. Usage: replay DIR...; prints TAP. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                printf("not ok %d - cannot open %s\n", ++n, path);
                exit(1);
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (len == cap) {
                        cap = cap ? cap * 2 : 4096;
                        uint8_t *nb = realloc(buf, cap);
                        if (!nb)
                                abort();
                        buf = nb;
                }
                size_t r = fread(buf + len, 1, cap - len, f);
                if (r == 0)
                        break;
                len += r;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        printf("ok %d - %s\n", ++n, path);
        fflush(stdout);
}

static int cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                DIR *d = opendir(argv[i]);
                if (!d) {
                        printf("not ok %d - cannot open corpus %s\n", ++n, argv[i]);
                        return 1;
                }
                char **names = NULL;
                size_t nn = 0;
                struct dirent *e;
                while ((e = readdir(d))) {
                        if (e->d_name[0] == '.')
                                continue;
                        char **nv = realloc(names, (nn + 1) * sizeof *names);
                        if (!nv)
                                abort();
                        names = nv;
                        size_t l = strlen(argv[i]) + strlen(e->d_name) + 2;
                        names[nn] = malloc(l);
                        if (!names[nn])
                                abort();
                        snprintf(names[nn++], l, "%s/%s", argv[i], e->d_name);
                }
                closedir(d);
                qsort(names, nn, sizeof *names, cmp);
                for (size_t k = 0; k < nn; k++) {
                        run_file(names[k]);
                        free(names[k]);
                }
                free(names);
        }
        printf("1..%d\n", n);
        return n ? 0 : 1;
}
