/* sealgate benchmark: a large message through sealgate-host's streams
 * (smime.encrypt/decrypt, pgp.encrypt/decrypt; docs/protocol.md, "Streams"),
 * driven by a C client (a writer and a reader thread, OpenSSL's base64), against
 * `openssl cms` and `gpg -z 0` with the same keys. Reports wall time (the
 * client's view: from starting the host to its final response) and peak
 * memory (the host's VmHWM, the peer's ru_maxrss). Figures only, never
 * asserted; the round trips must give back the message.
 * Usage: bench-host-stream [--quick] [--no-pgp] INTEROP-DIR HOST [MIB] [RUNS]
 * (defaults: 100 MiB, 3 runs; --quick: 4 MiB, 1 run, and TAP output). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#define RAW       524288               /* bytes per input frame (chunk_raw) */
#define B64_MAX   (4 * (RAW / 3) + 8)  /* its base64 */
#define FRAME_MAX (1024 * 1024 + 4096) /* frame_out with room */

static char tmpdir[256];
static bool quick;

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 1, 2))) static _Noreturn void die(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "bench-host-stream: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        if (quick)
                printf("not ok 1 - the round trips (see stderr)\n");
        exit(1);
}

static int write_all(int fd, const void *buf, size_t n) {
        const char *p = buf;
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                p += w;
                n -= (size_t) w;
        }
        return 0;
}

static int read_all(int fd, void *buf, size_t n) {
        char *p = buf;
        while (n > 0) {
                ssize_t r = read(fd, p, n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return -1;
                p += r;
                n -= (size_t) r;
        }
        return 0;
}

/* ---- one stream through a fresh host */

typedef struct reader {
        int from_host, out;
        json_object *final;
        long long out_bytes;
        bool bad;
} reader;

static void *read_thread(void *arg) {
        reader *r = arg;
        char *frame = malloc(FRAME_MAX + 1);
        unsigned char *raw = malloc(RAW + 4);
        for (;;) {
                uint32_t len;
                if (!frame || !raw || read_all(r->from_host, &len, 4) < 0 || len > FRAME_MAX ||
                    read_all(r->from_host, frame, len) < 0) {
                        r->bad = true;
                        break;
                }
                frame[len] = 0;
                /* output frames are {"id":N,"output":{"index":I},"data":"..."}: take the
                 * data without a JSON parse; anything else is the final response */
                const char *head = memchr(frame, ',', len < 32 ? len : 32);
                if (head && strncmp(head, ",\"output\":", 10) == 0) {
                        char *d = strstr(head, "\"data\":\"");
                        char *e = d ? strchr(d + 8, '"') : NULL;
                        if (!e || (size_t) (e - d - 8) > B64_MAX) {
                                r->bad = true;
                                break;
                        }
                        size_t n64 = (size_t) (e - d - 8);
                        int k = n64 ? EVP_DecodeBlock(raw, (unsigned char *) d + 8, (int) n64) : 0;
                        if (k < 0) {
                                r->bad = true;
                                break;
                        }
                        /* EVP_DecodeBlock counts the padding as zero bytes */
                        if (n64 && d[8 + n64 - 1] == '=')
                                k -= d[8 + n64 - 2] == '=' ? 2 : 1;
                        if (write_all(r->out, raw, (size_t) k) < 0) {
                                r->bad = true;
                                break;
                        }
                        r->out_bytes += k;
                        continue;
                }
                r->final = json_tokener_parse(frame);
                break;
        }
        free(frame);
        free(raw);
        return NULL;
}

typedef struct result {
        double wall, host_cpu, client_cpu;
        long peak_kib;
} result;

static double self_cpu(void) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
               (double) ru.ru_stime.tv_usec / 1e6;
}

static long status_kib(pid_t pid, const char *key) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        FILE *f = fopen(path, "r");
        long v = 0;
        while (f && fgets(line, sizeof line, f))
                if (strncmp(line, key, strlen(key)) == 0)
                        v = strtol(line + strlen(key), NULL, 10);
        if (f)
                fclose(f);
        return v;
}

static double proc_cpu(pid_t pid) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
                fclose(f);
        buf[n] = 0;
        char *p = strrchr(buf, ')');
        unsigned long long ut = 0, st = 0;
        /* after ")": state and 10 more fields, then utime, stime */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return 0;
        return (double) (ut + st) / (double) sysconf(_SC_CLK_TCK);
}

/* Streams `src` through `op` with the JSON parameters `params`, the output to
 * `dst`; the final response's "result" must have complete: true. */
static bool unknown_op; /* the host answered unknown_op: an older host without pgp.* streams */

static result host_stream(const char *host, const char *op, const char *params, const char *src, const char *dst) {
        int in = open(src, O_RDONLY);
        int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        struct stat st;
        if (in < 0 || out < 0 || fstat(in, &st) != 0)
                die("cannot open %s", src);
        long long size = st.st_size, frames = (size + RAW - 1) / RAW;
        int to[2], from[2];
        double t0 = now(), c0 = self_cpu();
        if (pipe(to) != 0 || pipe(from) != 0)
                die("pipe: %s", strerror(errno));
        pid_t pid = fork();
        if (pid == 0) {
                signal(SIGPIPE, SIG_DFL);
                dup2(to[0], 0);
                dup2(from[1], 1);
                int null = open("/dev/null", O_WRONLY);
                dup2(null, 2);
                for (int fd = 3; fd < 64; fd++)
                        close(fd);
                execl(host, host, (char *) NULL);
                _exit(127);
        }
        close(to[0]);
        close(from[1]);
        reader r = {.from_host = from[0], .out = out};
        pthread_t t;
        pthread_create(&t, NULL, read_thread, &r);

        char head[8192];
        int hn = snprintf(head, sizeof head, "%s{\"id\":1,\"op\":\"%s\",%s,\"input\":{\"frames\":%lld,\"size\":%lld}}",
                          "    ", op, params, frames, size);
        uint32_t hl = (uint32_t) (hn - 4);
        memcpy(head, &hl, 4);
        if (write_all(to[1], head, (size_t) hn) < 0)
                die("cannot write the request to %s", host);
        /* one buffer per frame: length, prefix, base64, suffix; one write each */
        unsigned char *raw = malloc(RAW);
        char *frame = malloc(B64_MAX + 128);
        if (!raw || !frame)
                die("out of memory");
        for (long long i = 0; i < frames; i++) {
                ssize_t k = read(in, raw, RAW);
                if (k <= 0)
                        die("cannot read %s", src);
                int p = snprintf(frame + 4, 64, "{\"id\":1,\"input\":{\"index\":%lld},\"data\":\"", i);
                int b = EVP_EncodeBlock((unsigned char *) frame + 4 + p, raw, (int) k);
                memcpy(frame + 4 + p + b, "\"}", 2);
                uint32_t fl = (uint32_t) (p + b + 2);
                memcpy(frame, &fl, 4);
                if (write_all(to[1], frame, fl + 4) < 0)
                        die("the host stopped reading (%s)", op);
        }
        free(raw);
        free(frame);
        pthread_join(t, NULL);
        result res = {.wall = now() - t0, .client_cpu = self_cpu() - c0};
        res.peak_kib = status_kib(pid, "VmHWM:");
        res.host_cpu = proc_cpu(pid);
        close(to[1]);
        close(from[0]);
        int ws;
        waitpid(pid, &ws, 0);
        close(in);
        close(out);
        json_object *rj = NULL, *cj = NULL, *ej = NULL, *codej = NULL;
        if (r.final && json_object_object_get_ex(r.final, "error", &ej) &&
            json_object_object_get_ex(ej, "code", &codej) && strcmp(json_object_get_string(codej), "unknown_op") == 0) {
                unknown_op = true;
                json_object_put(r.final);
                return res;
        }
        if (r.bad || !r.final || !json_object_object_get_ex(r.final, "result", &rj) ||
            !json_object_object_get_ex(rj, "complete", &cj) || !json_object_get_boolean(cj)) {
                fprintf(stderr, "%s: %s\n", op, r.final ? json_object_to_json_string(r.final) : "no final response");
                die("%s did not complete", op);
        }
        json_object *oj = NULL, *sj = NULL;
        if (!json_object_object_get_ex(rj, "output", &oj) || !json_object_object_get_ex(oj, "size", &sj) ||
            json_object_get_int64(sj) != r.out_bytes)
                die("%s: the output size differs from the result's", op);
        json_object_put(r.final);
        return res;
}

/* ---- the peers */

static result run_peer(char *const argv[]) {
        double t0 = now();
        pid_t pid = fork();
        if (pid == 0) {
                signal(SIGPIPE, SIG_DFL);
                char log[600];
                snprintf(log, sizeof log, "%s/peer.log", tmpdir);
                int null = open("/dev/null", O_WRONLY), lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
                dup2(null, 1);
                dup2(lf, 2);
                execvp(argv[0], argv);
                _exit(127);
        }
        int ws;
        struct rusage ru;
        if (wait4(pid, &ws, 0, &ru) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
                char show[600];
                snprintf(show, sizeof show, "cat %s/peer.log >&2", tmpdir);
                if (system(show) != 0)
                        fprintf(stderr, "(no %s/peer.log)\n", tmpdir);
                die("%s %s failed (status %d)", argv[0], argv[1], ws);
        }
        result res = {.wall = now() - t0, .peak_kib = ru.ru_maxrss};
        res.host_cpu = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
                       (double) ru.ru_stime.tv_usec / 1e6;
        return res;
}

static void sh(const char *cmd) {
        if (system(cmd) != 0) {
                char show[600];
                snprintf(show, sizeof show, "cat %s/fixtures.log >&2", tmpdir);
                if (system(show) != 0)
                        fprintf(stderr, "(no %s/fixtures.log)\n", tmpdir);
                die("failed: %s", cmd);
        }
}

/* `name` under the temporary directory; a new string (never freed: a few dozen) */
static char *path(const char *name) {
        char b[512];
        snprintf(b, sizeof b, "%s/%s", tmpdir, name);
        char *d = strdup(b);
        if (!d)
                die("out of memory");
        return d;
}

static bool same_file(const char *a, const char *b) {
        FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
        bool same = fa && fb;
        static char x[65536], y[65536];
        while (same) {
                size_t na = fread(x, 1, sizeof x, fa), nb = fread(y, 1, sizeof y, fb);
                same = na == nb && memcmp(x, y, na) == 0;
                if (na == 0)
                        break;
        }
        if (fa)
                fclose(fa);
        if (fb)
                fclose(fb);
        return same;
}

typedef struct bcase {
        const char *op, *who;
        result best;
        bool done;
} bcase;

static void keep(bcase *c, result r) {
        if (!c->done || r.wall < c->best.wall)
                c->best.wall = r.wall;
        if (!c->done || r.host_cpu < c->best.host_cpu)
                c->best.host_cpu = r.host_cpu;
        if (!c->done || r.client_cpu < c->best.client_cpu)
                c->best.client_cpu = r.client_cpu;
        if (r.peak_kib > c->best.peak_kib)
                c->best.peak_kib = r.peak_kib;
        c->done = true;
}

static void cleanup(void) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "gpgconf --homedir %s/pfx/home --kill gpg-agent >/dev/null 2>&1; rm -rf %s", tmpdir,
                 tmpdir);
        if (tmpdir[0] && system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(int argc, char **argv) {
        bool pgp = true;
        int a = 1;
        for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
                if (strcmp(argv[a], "--quick") == 0)
                        quick = true;
                else if (strcmp(argv[a], "--no-pgp") == 0)
                        pgp = false;
                else
                        a = argc;
        }
        if (argc - a < 2) {
                fputs("usage: bench-host-stream [--quick] [--no-pgp] INTEROP-DIR HOST [MIB] [RUNS]\n", stderr);
                return 2;
        }
        const char *interop = argv[a], *host = argv[a + 1];
        int mib = argc - a > 2 ? atoi(argv[a + 2]) : quick ? 4 : 100;
        int runs = argc - a > 3 ? atoi(argv[a + 3]) : quick ? 1 : 3;
        if (mib <= 0 || mib > 1000 || runs <= 0)
                die("bad MIB or RUNS");
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/sealgate-bench-host-stream-XXXXXX", t ? t : "/tmp");
        if (!mkdtemp(tmpdir))
                die("mkdtemp: %s", strerror(errno));
        atexit(cleanup);
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "sh %s/make-fixtures.sh %s/fx >%s/fixtures.log 2>&1", interop, tmpdir, tmpdir);
        sh(cmd);
        if (pgp) {
                snprintf(cmd, sizeof cmd, "sh %s/make-pgp-fixtures.sh %s/pfx >%s/fixtures.log 2>&1", interop, tmpdir,
                         tmpdir);
                sh(cmd);
                setenv("GNUPGHOME", path("pfx/home"), 1);
        }
        /* a host that dies shows as a short read, not as SIGPIPE (children get it back) */
        signal(SIGPIPE, SIG_IGN);
        char pass[256] = "";
        FILE *pf = fopen(path("fx/PASSPHRASE"), "r");
        if (!pf || !fgets(pass, sizeof pass, pf))
                die("no %s", path("fx/PASSPHRASE"));
        fclose(pf);
        pass[strcspn(pass, "\r\n")] = 0;

        /* the message: one MIME entity of MIB MiB, base64 lines, as bench-smime.py writes it */
        FILE *m = fopen(path("msg.eml"), "wb");
        static const char line[] = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
        if (!m)
                die("cannot write %s", path("msg.eml"));
        fputs("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n", m);
        for (long i = 0, n = (long) mib * 1048576 / (long) (sizeof line - 1); i < n; i++)
                fwrite(line, 1, sizeof line - 1, m);
        if (fclose(m) != 0)
                die("cannot write %s", path("msg.eml"));

        char enc_params[1024], dec_params[1024];
        snprintf(enc_params, sizeof enc_params, "\"recipients\":[\"%s\"],\"format\":\"der\"", path("fx/bob.pem"));
        snprintf(dec_params, sizeof dec_params, "\"key\":{\"path\":\"%s\",\"passphrase\":\"%s\"}", path("fx/bob.p12"),
                 pass);
        char *ossl_enc[] = {"openssl",          "cms", "-encrypt", "-aes256",       "-binary", "-stream",
                            "-outform",         "DER", "-in",      path("msg.eml"), "-out",    path("os.p7m"),
                            path("fx/bob.pem"), NULL};
        char *ossl_dec[] = {"openssl", "cms",          "-decrypt", "-binary",          "-inform", "DER",
                            "-in",     path("os.p7m"), "-inkey",   path("fx/bob.key"), "-recip",  path("fx/bob.pem"),
                            "-out",    path("os.out"), NULL};
        char *gpg_enc[] = {
                "gpg",       "--batch", "--yes",       "--quiet",       "-z", "0", "-r", "bob@partner.example",
                "--encrypt", "-o",      path("g.pgp"), path("msg.eml"), NULL};
        char *gpg_dec[] = {"gpg", "--batch", "--yes", "--quiet", "--decrypt", "-o", path("g.out"), path("g.pgp"), NULL};

        bcase cases[] = {
                {.op = "smime encrypt aes256-cbc", .who = "sealgate-host"},
                {.op = "smime encrypt aes256-cbc", .who = "openssl cms"},
                {.op = "smime decrypt aes256-cbc", .who = "sealgate-host"},
                {.op = "smime decrypt aes256-cbc", .who = "openssl cms"},
                {.op = "pgp encrypt rsa3072", .who = "sealgate-host"},
                {.op = "pgp encrypt rsa3072", .who = "gpg -z 0"},
                {.op = "pgp decrypt rsa3072", .who = "sealgate-host"},
                {.op = "pgp decrypt rsa3072", .who = "gpg"},
        };
        size_t n_cases = pgp ? 8 : 4;
        for (int run = 0; run < runs; run++) { /* interleaved, so load drift hits both alike */
                keep(&cases[0], host_stream(host, "smime.encrypt", enc_params, path("msg.eml"), path("host.p7m")));
                keep(&cases[1], run_peer(ossl_enc));
                keep(&cases[2], host_stream(host, "smime.decrypt", dec_params, path("host.p7m"), path("host.out")));
                keep(&cases[3], run_peer(ossl_dec));
                if (!pgp)
                        continue;
                result pe = host_stream(host, "pgp.encrypt",
                                        "\"recipients\":[\"bob@partner.example\"],\"format\":\"binary\"",
                                        path("msg.eml"), path("host.pgp"));
                if (unknown_op) {
                        puts("# this host has no pgp.* streams: the pgp cases are left out");
                        pgp = false;
                        n_cases = 4;
                        continue;
                }
                keep(&cases[4], pe);
                keep(&cases[5], run_peer(gpg_enc));
                keep(&cases[6],
                     host_stream(host, "pgp.decrypt", "\"passphrase\":null", path("host.pgp"), path("host-pgp.out")));
                keep(&cases[7], run_peer(gpg_dec));
        }
        const char *outs[] = {"host.out", "os.out", "host-pgp.out", "g.out"};
        for (size_t i = 0; i < (pgp ? 4u : 2u); i++)
                if (!same_file(path(outs[i]), path("msg.eml")))
                        die("%s differs from the message", outs[i]);

        printf("# message: %d MiB; %d runs; best wall and CPU time, largest peak RSS\n", mib, runs);
        printf("# %-26s %-14s %8s %8s %10s %9s %9s\n", "operation", "tool", "wall s", "cpu s", "client cpu", "peak MiB",
               "vs peer");
        for (size_t i = 0; i < n_cases; i++) {
                const bcase *c = &cases[i], *peer = &cases[i | 1];
                char cc[16] = "-";
                if (!(i & 1))
                        snprintf(cc, sizeof cc, "%.2f", c->best.client_cpu);
                printf("# %-26s %-14s %8.2f %8.2f %10s %9.1f %8.2fx\n", c->op, c->who, c->best.wall, c->best.host_cpu,
                       cc, (double) c->best.peak_kib / 1024.0,
                       peer->best.wall > 0 ? c->best.wall / peer->best.wall : 0);
        }
        puts("# cpu s: the host process alone (not the gpg it starts; user + system), the peer's own;\n"
             "# client cpu: this client's two threads (base64, frames, writing the output file)");
        if (quick)
                printf("1..1\nok 1 - the host's encrypt/decrypt round trips give back the message\n");
        return 0;
}
