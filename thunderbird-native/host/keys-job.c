/* sealgate-host crypto module: keys.lookup in a worker thread (keys-job.h): which NSS
 * database to read, the lookup itself (core's sg_keys_lookup) and the
 * result as docs/protocol.md describes it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keys-job.h"
#include "sealgate/crypto-json.h"
#include "sealgate/keys.h"
#include "sealgate/tbkeys.h"
#include "sealgate/tbprofile.h"
#include "sealgate/util.h"

/* One lookup handed to the worker. Between pthread_create and the worker's
 * wake-up byte only the worker touches it; after pthread_join only the
 * transport. */
typedef struct running {
        sg_keys_job *job;
        const char *nss_db;       /* borrowed: the job's or the runner's */
        const char *profile_from; /* "policy", "parent", "default" or NULL */
        sg_keys_options opts;
        sg_keys_result *res;
        sg_error err;
        sg_err rc;
        struct timespec start;
} running;

struct sg_keys_runner {
        sg_keys_send_fn send;
        sg_keys_log_fn log;
        void *userdata;
        int wake[2];
        pthread_t thread;
        running *cur; /* NULL: no lookup runs */
        atomic_bool done;
        sg_keys_job *queue[SG_HOST_KEYS_QUEUE_MAX];
        size_t n_queue;
        /* The profile the host runs for, found once: Thunderbird does not
         * change profile under a running host. */
        bool discovered;
        char *profile;            /* its NSS database directory, or NULL */
        const char *profile_from; /* "parent", "default", or NULL */
        char *tb_profile;         /* the profile directory itself (cert9.db or not), or NULL */
        /* its OpenPGP keys and acceptance, read by the worker and kept
         * while pubring.gpg, openpgp.sqlite and its log are unchanged; only
         * the worker touches them (one lookup runs at a time) */
        sg_tbkeys *tk;
        char tk_sig[256];
        /* GnuPG's keylist answers (core's sg_keys_cache, keycache.c): a
         * lookup whose addresses are all known starts no gpg. Safe for the
         * send: the answer is only readiness shown before sending; at send
         * time pgp.encrypt asks GnuPG for the keys again (pgp-gpgme-ops.c)
         * and GnuPG refuses an expired or revoked key itself; and the cache
         * is dropped when the key files change. Worker only. */
        sg_keys_cache *gnupg_cache;
        /* verified OCSP answers and CRLs (keys.revocation):
         * $XDG_CACHE_HOME/sealgate/revocation, else ~/.cache/...; "" none */
        char revocation_cache[4096];
};

static void klog(sg_keys_runner *k, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(SG_PRINTF_FORMAT, 2, 3)))
#endif
        ;

static void klog(sg_keys_runner *k, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        sg_host_vlogf(k->log, k->userdata, fmt, ap);
        va_end(ap);
}

sg_keys_runner *sg_keys_runner_new(sg_keys_send_fn send, sg_keys_log_fn log, void *userdata) {
        sg_keys_runner *k = calloc(1, sizeof *k);
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (k && xdg && xdg[0] == '/')
                snprintf(k->revocation_cache, sizeof k->revocation_cache, "%s/sealgate/revocation", xdg);
        else if (k && home && home[0] == '/')
                snprintf(k->revocation_cache, sizeof k->revocation_cache, "%s/.cache/sealgate/revocation", home);
        if (!k)
                return NULL;
        if (pipe2(k->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
                free(k);
                return NULL;
        }
        k->send = send;
        k->log = log;
        k->userdata = userdata;
        atomic_init(&k->done, false);
        return k;
}

bool sg_keys_runner_busy(const sg_keys_runner *k) {
        return k && k->cur;
}

int sg_keys_runner_wake_fd(const sg_keys_runner *k) {
        return k->wake[0];
}

sg_keys_runner *sg_keys_runner_free(sg_keys_runner *k) {
        if (!k)
                return NULL;
        for (size_t i = 0; i < k->n_queue; i++)
                sg_keys_job_free(k->queue[i]);
        if (k->cur && atomic_load(&k->done)) {
                pthread_join(k->thread, NULL);
                sg_keys_job_free(k->cur->job);
                sg_keys_result_free(k->cur->res);
                free(k->cur);
                k->cur = NULL;
        }
        if (k->cur) {
                /* Still running: it owns `cur`, the wake-up pipe and the
                 * profile path until the process ends. */
                pthread_detach(k->thread);
                return NULL;
        }
        close(k->wake[0]);
        close(k->wake[1]);
        free(k->profile);
        free(k->tb_profile);
        sg_tbkeys_free(k->tk);
        sg_keys_cache_free(k->gnupg_cache);
        free(k);
        return NULL;
}

/* What identifies the profile's OpenPGP files' current contents. */
static void tk_signature(const char *dir, char *sig, size_t n) {
        static const char *const names[] = {"pubring.gpg", "openpgp.sqlite", "openpgp.sqlite-wal"};
        size_t used = 0;
        sig[0] = '\0';
        for (size_t i = 0; i < sizeof names / sizeof *names && used < n; i++) {
                char p[4200];
                struct stat st;
                int w;
                if ((size_t) snprintf(p, sizeof p, "%s/%s", dir, names[i]) < sizeof p && stat(p, &st) == 0)
                        w = snprintf(sig + used, n - used, "%llu.%llu.%lld.%ld.%ld;", (unsigned long long) st.st_dev,
                                     (unsigned long long) st.st_ino, (long long) st.st_size, (long) st.st_mtim.tv_sec,
                                     st.st_mtim.tv_nsec);
                else
                        w = snprintf(sig + used, n - used, "-;");
                if (w < 0)
                        return;
                used += (size_t) w;
        }
}

/* The cached keys when the files are unchanged, else read again; NULL
 * when they cannot be read (the lookup then says why). Worker only. */
static const sg_tbkeys *tk_current(sg_keys_runner *k) {
        char sig[sizeof k->tk_sig];
        tk_signature(k->tb_profile, sig, sizeof sig);
        if (k->tk && strcmp(sig, k->tk_sig) == 0)
                return k->tk;
        k->tk = sg_tbkeys_free(k->tk);
        sg_error e = {0};
        if (sg_tbkeys_open(k->tb_profile, &k->tk, &e) != SG_OK)
                return NULL;
        memcpy(k->tk_sig, sig, sizeof sig);
        return k->tk;
}

static void *worker(void *arg) {
        sg_keys_runner *k = arg;
        running *r = k->cur;
        if (r->opts.tb_profile && !r->opts.no_pgp)
                r->opts.tb_keys = tk_current(k);
        r->rc = sg_keys_lookup((const char *const *) r->job->addresses, r->job->n_addresses, &r->opts, &r->res,
                               &r->err);
        atomic_store(&k->done, true);
        if (write(k->wake[1], "k", 1) < 0) {
                /* full: a wake-up is pending anyway */
        }
        return NULL;
}

/* A discovered profile counts only with a certificate database in it: a
 * profile that never stored a certificate has none, and that is "no
 * certificate", not a failed lookup. */
static char *usable_db(char *dir) {
        char p[4200];
        struct stat st;
        if (dir && (size_t) snprintf(p, sizeof p, "%s/cert9.db", dir) < sizeof p && stat(p, &st) == 0)
                return dir;
        free(dir);
        return NULL;
}

static void discover(sg_keys_runner *k) {
        if (k->discovered)
                return;
        k->discovered = true;
        char *dir = NULL;
        sg_error e1 = {0}, e2 = {0};
        long parent = (long) getppid();
        if (sg_tbprofile_find_for_pid(parent, &dir, &e1) == SG_OK) {
                k->profile_from = "parent";
        } else if (sg_tbprofile_find_default(NULL, &dir, &e2) == SG_OK) {
                k->profile_from = "default";
        } else {
                klog(k, "keys.lookup: no Thunderbird profile: %s; %s", e1.message, e2.message);
                return;
        }
        klog(k, "keys.lookup: profile %s (%s)", dir, k->profile_from);
        k->tb_profile = sg_strdup(dir);
        if (!(k->profile = usable_db(dir)))
                klog(k, "keys.lookup: the profile has no certificate database (cert9.db)");
}

/* Start `job` in the worker; answered at once when it cannot start. */
static int start(sg_keys_runner *k, sg_keys_job *job) {
        running *r = calloc(1, sizeof *r);
        if (!r) {
                char *e = sg_host_error_response(job->id_json, SG_ERR_NOMEM, "out of memory");
                int w = e ? k->send(k->userdata, e, job->id_json) : -1;
                free(e);
                sg_keys_job_free(job);
                return w;
        }
        r->job = job;
        discover(k);
        if (job->nss_db) {
                r->nss_db = job->nss_db;
                r->profile_from = "policy";
        } else {
                r->nss_db = k->profile;
                r->profile_from = k->profile_from;
        }
        r->opts.nss_db = r->nss_db;
        r->opts.tb_profile = k->tb_profile; /* what Thunderbird itself encrypts with */
        r->opts.cert_store = job->certificate_store;
        r->opts.no_pgp = !job->openpgp;
        if (!k->gnupg_cache)
                k->gnupg_cache = sg_keys_cache_new(); /* NULL: every lookup asks GnuPG */
        r->opts.gnupg_cache = k->gnupg_cache;
        r->opts.wkd = job->network_lookups;
        r->opts.timeout = job->timeout_seconds;
        r->opts.revocation.mode = (sg_revocation_mode) job->revocation;
        r->opts.revocation.timeout = job->timeout_seconds;
        r->opts.revocation.cache_dir = k->revocation_cache[0] ? k->revocation_cache : NULL;
        /* TEST HOOKS (tests/host/test-keys.py): a local WKD server and its CA.
         * They only redirect where WKD connects and whom it trusts;
         * network_lookups still decides whether it is tried. */
        r->opts.wkd_ca_file = getenv("SEALGATE_TEST_WKD_CA_FILE");
        r->opts.wkd_connect = getenv("SEALGATE_TEST_WKD_CONNECT");
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        atomic_store(&k->done, false);
        k->cur = r;
        int e = pthread_create(&k->thread, NULL, worker, k);
        if (e != 0) {
                k->cur = NULL;
                char msg[128];
                snprintf(msg, sizeof msg, "cannot start the lookup: %s", strerror(e));
                char *resp = sg_host_error_response(job->id_json, SG_ERR_INTERNAL, msg);
                int w = resp ? k->send(k->userdata, resp, job->id_json) : -1;
                free(resp);
                sg_keys_job_free(job);
                free(r);
                return w;
        }
        return 0;
}

int sg_keys_runner_submit(sg_keys_runner *k, sg_keys_job *job) {
        if (!k->cur)
                return start(k, job);
        if (k->n_queue < SG_HOST_KEYS_QUEUE_MAX) {
                k->queue[k->n_queue++] = job;
                return 0;
        }
        char msg[160];
        snprintf(msg, sizeof msg, "keys.lookup: one lookup is running and %d are waiting; ask again later",
                 SG_HOST_KEYS_QUEUE_MAX);
        char *e = sg_host_error_response(job->id_json, SG_ERR_LIMIT, msg);
        int w = e ? k->send(k->userdata, e, job->id_json) : -1;
        free(e);
        sg_keys_job_free(job);
        return w;
}

/* Nothing to look in for S/MIME: say so rather than "no certificate". */
static void no_database_reason(running *r) {
        if (r->nss_db || r->job->certificate_store)
                return;
        for (size_t i = 0; i < r->res->n_answers; i++) {
                sg_key_found *f = &r->res->answers[i].smime;
                if (f->method || f->status != SG_KEY_NONE)
                        continue;
                char *why = sg_strdup("no certificate database (no Thunderbird profile found and no "
                                      "keys.certificate_store)");
                if (why) {
                        free(f->reason);
                        f->reason = why;
                }
        }
}

static json_object *nullable(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* The keys.lookup result; NULL on ENOMEM. */
static json_object *result_json(running *r) {
        const sg_keys_job *job = r->job;
        json_object *o = json_object_new_object();
        json_object *answers = json_object_new_array();
        json_object *src = json_object_new_object();
        if (!o || !answers || !src) {
                json_object_put(o);
                json_object_put(answers);
                json_object_put(src);
                return NULL;
        }
        bool smime_ready = job->smime, pgp_ready = job->openpgp;
        for (size_t i = 0; i < r->res->n_answers; i++) {
                const sg_keys_answer *a = &r->res->answers[i];
                /* the asking client's own readiness when it is known */
                smime_ready &= (a->client ? a->tb_smime.status : a->smime.status) == SG_KEY_USABLE;
                pgp_ready &= (a->client ? a->tb_pgp.status : a->pgp.status) == SG_KEY_USABLE;
                json_object *e = sg_keys_answer_to_json(a, job->smime, job->openpgp);
                if (!e || json_object_array_add(answers, e) != 0) {
                        json_object_put(e);
                        json_object_put(o);
                        json_object_put(answers);
                        json_object_put(src);
                        return NULL;
                }
        }
        json_object_object_add(o, "answers", answers);
        json_object_object_add(o, "smime_ready", json_object_new_boolean(smime_ready));
        json_object_object_add(o, "openpgp_ready", json_object_new_boolean(pgp_ready));
        json_object_object_add(src, "nss_db", nullable(r->nss_db));
        json_object_object_add(src, "profile_from", nullable(r->profile_from));
        json_object_object_add(src, "client_profile", nullable(r->opts.tb_profile));
        json_object_object_add(src, "certificate_store", nullable(job->certificate_store));
        json_object_object_add(src, "gnupg", json_object_new_boolean(job->openpgp));
        json_object_object_add(src, "wkd", json_object_new_boolean(job->openpgp && job->network_lookups));
        json_object_object_add(o, "sources", src);
        return o;
}

int sg_keys_runner_pump(sg_keys_runner *k) {
        char b[64];
        while (read(k->wake[0], b, sizeof b) > 0) {
        }
        if (!k->cur || !atomic_load(&k->done))
                return 0;
        pthread_join(k->thread, NULL);
        running *r = k->cur;
        k->cur = NULL;
        struct timespec end;
        clock_gettime(CLOCK_MONOTONIC, &end);
        long ms = (long) ((end.tv_sec - r->start.tv_sec) * 1000 + (end.tv_nsec - r->start.tv_nsec) / 1000000);
        const char *id_json = r->job->id_json;
        char *resp = NULL;
        if (r->rc != SG_OK) {
                klog(k, "keys.lookup %s of %zu recipients failed after %ld ms: %s: %s", id_json, r->job->n_addresses,
                     ms, sg_err_code(r->rc), r->err.message);
                resp = sg_host_error_response(id_json, r->rc, r->err.message);
        } else {
                no_database_reason(r);
                json_object *res = result_json(r);
                resp = res ? sg_host_result_response(id_json, res) : NULL;
                if (!resp)
                        resp = sg_host_error_response(id_json, SG_ERR_NOMEM, "out of memory building the result");
                klog(k, "keys.lookup %s of %zu recipients answered after %ld ms", id_json, r->job->n_addresses, ms);
        }
        int w = resp ? k->send(k->userdata, resp, id_json) : -1;
        free(resp);
        sg_keys_job_free(r->job);
        sg_keys_result_free(r->res);
        free(r);
        /* The next one in line. */
        while (w == 0 && !k->cur && k->n_queue > 0) {
                sg_keys_job *next = k->queue[0];
                memmove(k->queue, k->queue + 1, (k->n_queue - 1) * sizeof *k->queue);
                k->n_queue--;
                w = start(k, next);
        }
        return w;
}
