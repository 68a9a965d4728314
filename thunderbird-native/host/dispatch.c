/* sealgate-host: the {op, handler, help} table behind the transport, request
 * validation, chunked-request reassembly and the policy that is reloaded when
 * its file changes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include <json-c/json.h>

#include "dispatch.h"
#include "sealgate-config.h"
#include "sealgate/addr.h"
#include "sealgate/audit-file.h"
#include "sealgate/audit.h"
#include "sealgate/codec.h"
#include "sealgate/frame.h"
#include "sealgate/keys.h"
#include "sealgate/policy-json.h"
#include "sealgate/policy.h"
#include "sealgate/smime.h"
#include "sealgate/util.h"

/* What identifies one version of the policy file: an admin's edit in place
 * changes size or times, a replace-by-rename changes the inode. */
typedef struct file_id {
        unsigned long long dev, ino;
        long long size, mtime_s, mtime_ns, ctime_s, ctime_ns;
} file_id;

/* A decision policy.evaluate answered, kept for prompt.show and the audit log. */
typedef enum attempt_state {
        ATTEMPT_DONE = 0, /* recorded (not a prompt, or answered) */
        ATTEMPT_PENDING,  /* a prompt decision not shown yet */
        ATTEMPT_OPEN,     /* its prompt is open now */
} attempt_state;

struct attempt {
        char id[SG_HOST_ATTEMPT_LEN + 1]; /* "" for a free slot */
        sg_decision *d;
        char *sender;
        attempt_state state;
        uint64_t seq; /* age: the smallest is the oldest */
        sg_audit_settings audit;
        char *audit_dir; /* audit.directory when given (audit.directory points here) */
};

struct sg_host {
        char *policy_path;
        sg_policy *policy; /* NULL when not loaded: policy_err says why */
        sg_error policy_err;
        file_id policy_id;
        int have_policy_id; /* policy/policy_err belong to policy_id */
        sg_host_log_fn log;
        void *log_userdata;

        /* How Thunderbird started us (doctor); each NULL when unknown. */
        char *manifest_path, *extension_id, *self_exe;

        /* A chunked request being reassembled (chunk_id_json NULL: none). */
        char *chunk_id_json;
        size_t chunk_next, chunk_count;
        char *chunk_buf;
        size_t chunk_len, chunk_cap;

        struct attempt attempts[SG_HOST_ATTEMPTS_MAX];
        uint64_t attempt_seq;
        size_t n_open;            /* attempts in ATTEMPT_OPEN */
        sg_prompt_job **job_slot; /* set while sg_host_handle_frame_job runs */
        sg_keys_job **keys_slot;  /* set while sg_host_handle_frame_jobs runs */
        char *pruned_dir;         /* where and on which day the audit files were last pruned */
        int64_t pruned_day;
};

void sg_host_vlogf(sg_host_log_fn log, void *userdata, const char *fmt, va_list ap) {
        if (!log)
                return;
        char line[1024];
        vsnprintf(line, sizeof line, fmt, ap);
        for (char *p = line; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        log(userdata, line);
}

static void host_log(sg_host *h, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;

static void host_log(sg_host *h, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        sg_host_vlogf(h->log, h->log_userdata, fmt, ap);
        va_end(ap);
}

/* Bytes of `s` to quote in a message: at most `max`, never ending inside a
 * UTF-8 sequence, so a response stays valid UTF-8 whatever the request held. */
static int quote_len(const char *s, size_t max) {
        size_t n = strlen(s);
        if (n <= max)
                return (int) n;
        n = max;
        while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
                n--;
        return (int) n;
}

sg_host *sg_host_new(const char *policy_path) {
        sg_host *h = calloc(1, sizeof *h);
        if (!h)
                return NULL;
        h->policy_path = sg_strdup(policy_path ? policy_path : sg_policy_default_path());
        if (!h->policy_path) {
                free(h);
                return NULL;
        }
        sg_error_set(&h->policy_err, SG_ERR_POLICY_IO, "policy %s not read yet", h->policy_path);
        return h;
}

static void chunk_reset(sg_host *h) {
        free(h->chunk_id_json);
        free(h->chunk_buf);
        h->chunk_id_json = NULL;
        h->chunk_buf = NULL;
        h->chunk_len = h->chunk_cap = h->chunk_next = h->chunk_count = 0;
}

static void attempt_clear(struct attempt *a) {
        sg_decision_free(a->d);
        free(a->sender);
        free(a->audit_dir);
        memset(a, 0, sizeof *a);
}

sg_host *sg_host_free(sg_host *h) {
        if (!h)
                return NULL;
        chunk_reset(h);
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++)
                attempt_clear(&h->attempts[i]);
        free(h->pruned_dir);
        sg_policy_free(h->policy);
        free(h->policy_path);
        free(h->manifest_path);
        free(h->extension_id);
        free(h->self_exe);
        free(h);
        return NULL;
}

/* Copy `s` (NULL stays NULL) into *ret; 0 on ENOMEM. */
static int dup_nullable(const char *s, char **ret) {
        *ret = s ? sg_strdup(s) : NULL;
        return !s || *ret;
}

sg_err sg_host_set_launch(sg_host *h, const char *manifest_path, const char *extension_id, const char *self_exe) {
        char *m, *x, *e;
        if (!dup_nullable(manifest_path, &m))
                return SG_ERR_NOMEM;
        if (!dup_nullable(extension_id, &x)) {
                free(m);
                return SG_ERR_NOMEM;
        }
        if (!dup_nullable(self_exe, &e)) {
                free(m);
                free(x);
                return SG_ERR_NOMEM;
        }
        free(h->manifest_path);
        free(h->extension_id);
        free(h->self_exe);
        h->manifest_path = m;
        h->extension_id = x;
        h->self_exe = e;
        return SG_OK;
}

void sg_host_set_log(sg_host *h, sg_host_log_fn fn, void *userdata) {
        h->log = fn;
        h->log_userdata = userdata;
}

const char *sg_host_policy_path(const sg_host *h) {
        return h->policy_path;
}

static void file_id_from_stat(const struct stat *st, file_id *id) {
        memset(id, 0, sizeof *id);
        id->dev = (unsigned long long) st->st_dev;
        id->ino = (unsigned long long) st->st_ino;
        id->size = (long long) st->st_size;
        id->mtime_s = (long long) st->st_mtime;
        id->ctime_s = (long long) st->st_ctime;
#if defined(__linux__)
        id->mtime_ns = st->st_mtim.tv_nsec;
        id->ctime_ns = st->st_ctim.tv_nsec;
#endif
}

/* ---- audit */

/* Delete audit files past retention in the directory of `s`, at most once a
 * day per directory unless `force`. Failures are logged, never fatal. */
static void audit_prune(sg_host *h, const sg_audit_settings *s, int64_t now, int force) {
        if (!s || !s->enabled || s->retention_days == 0)
                return;
        char *dir = NULL;
        sg_error err;
        if (sg_audit_dir_resolve(s->directory, &dir, &err)) {
                host_log(h, "audit: %s", err.message);
                return;
        }
        int64_t today = sg_audit_day_of(now);
        if (!force && h->pruned_dir && strcmp(h->pruned_dir, dir) == 0 && h->pruned_day == today) {
                free(dir);
                return;
        }
        size_t removed = 0;
        if (sg_audit_prune(dir, now, s->retention_days, &removed, &err))
                host_log(h, "audit: %s", err.message);
        else if (removed)
                host_log(h, "audit: deleted %zu file%s older than %u days from %s", removed, removed == 1 ? "" : "s",
                         s->retention_days, dir);
        free(h->pruned_dir);
        h->pruned_dir = dir;
        h->pruned_day = today;
}

/* The login name for the audit record, or NULL. */
static const char *user_name(void) {
        const char *u = getenv("USER");
        if (u && *u)
                return u;
        u = getenv("LOGNAME");
        if (u && *u)
                return u;
        struct passwd *pw = getpwuid(getuid());
        return pw ? pw->pw_name : NULL;
}

/* Write the record of attempt `a` under its own audit settings (those of the
 * policy that decided). `len_only_check`: open the day's file without writing
 * (whether a later record can be written). SG_ERR_AUDIT on failure, logged. */
static sg_err audit_write(sg_host *h, const struct attempt *a, const sg_choice *choice, const char *by,
                          const char *justification, sg_audit_outcome outcome, const char *prompt_error, int only_check,
                          sg_error *err) {
        if (!a->audit.enabled)
                return SG_OK;
        int64_t now = sg_audit_now_ms();
        char *dir = NULL, *line = NULL;
        size_t len = 0;
        sg_error e;
        sg_err r = sg_audit_dir_resolve(a->audit.directory, &dir, &e);
        if (!r && !only_check) {
                audit_prune(h, &a->audit, now, 0);
                sg_audit_record rec = {
                        .time_ms = now,
                        .attempt = a->id,
                        .client = "thunderbird",
                        .user = user_name(),
                        .sender = a->sender,
                        .decision = a->d,
                        .choice = choice,
                        .by = by,
                        .justification = justification,
                        .outcome = outcome,
                        .prompt_error = prompt_error,
                };
                r = sg_audit_format(&rec, &line, &len, &e);
        }
        if (!r)
                r = sg_audit_append(dir, now, line, only_check ? 0 : len, &e);
        free(dir);
        free(line);
        if (!r)
                return SG_OK;
        host_log(h, "audit record %s: %s", only_check ? "cannot be written" : "not written", e.message);
        return sg_error_set(err, SG_ERR_AUDIT, "audit log: %s", e.message);
}

/* ---- attempts */

/* 32 lowercase hex characters from the system's random source. */
static int random_attempt(char out[SG_HOST_ATTEMPT_LEN + 1]) {
        unsigned char raw[SG_HOST_ATTEMPT_LEN / 2];
        size_t got = 0;
#if defined(__linux__)
        while (got < sizeof raw) {
                ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t) n;
        }
#endif
        if (got < sizeof raw) {
                int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
                got = 0;
                while (fd >= 0 && got < sizeof raw) {
                        ssize_t n = read(fd, raw + got, sizeof raw - got);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        got += (size_t) n;
                }
                if (fd >= 0)
                        close(fd);
                if (got < sizeof raw)
                        return 0;
        }
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < sizeof raw; i++) {
                out[2 * i] = hex[raw[i] >> 4];
                out[2 * i + 1] = hex[raw[i] & 15];
        }
        out[SG_HOST_ATTEMPT_LEN] = '\0';
        return 1;
}

static struct attempt *attempt_find(sg_host *h, const char *id) {
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++)
                if (h->attempts[i].id[0] && strcmp(h->attempts[i].id, id) == 0)
                        return &h->attempts[i];
        return NULL;
}

/* A free slot, evicting the oldest attempt whose prompt is not open; a
 * prompt decision never shown is recorded as abandoned first. */
static struct attempt *attempt_slot(sg_host *h) {
        struct attempt *oldest = NULL;
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++) {
                struct attempt *a = &h->attempts[i];
                if (!a->id[0])
                        return a;
                if (a->state != ATTEMPT_OPEN && (!oldest || a->seq < oldest->seq))
                        oldest = a;
        }
        /* SG_HOST_PROMPTS_MAX < SG_HOST_ATTEMPTS_MAX: never NULL. */
        if (oldest && oldest->state == ATTEMPT_PENDING)
                audit_write(h, oldest, NULL, NULL, NULL, SG_AUDIT_ABANDONED, NULL, 0, NULL);
        if (oldest)
                attempt_clear(oldest);
        return oldest;
}

static int copy_audit_settings(struct attempt *a, const sg_audit_settings *s) {
        a->audit = *s;
        a->audit.directory = NULL;
        if (s->directory) {
                if (!(a->audit_dir = sg_strdup(s->directory)))
                        return 0;
                a->audit.directory = a->audit_dir;
        }
        return 1;
}

void sg_host_shutdown(sg_host *h) {
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++) {
                struct attempt *a = &h->attempts[i];
                if (a->id[0] && a->state == ATTEMPT_PENDING) {
                        audit_write(h, a, NULL, NULL, NULL, SG_AUDIT_ABANDONED, NULL, 0, NULL);
                        a->state = ATTEMPT_DONE;
                }
        }
}

/* Bring h->policy in line with the file on disk. Fail closed: whenever the
 * file is gone, unreadable or invalid, the old policy is dropped and the
 * error is what policy.evaluate answers. */
static void policy_refresh(sg_host *h) {
        struct stat st;
        if (stat(h->policy_path, &st) != 0) {
                int e = errno;
                sg_error now;
                sg_error_set(&now, SG_ERR_POLICY_IO, "cannot read policy file %s: %s", h->policy_path, strerror(e));
                /* Log the change of state, not every request that meets it. */
                if (h->policy || strcmp(now.message, h->policy_err.message) != 0)
                        host_log(h, "policy refused (%s): %s", sg_err_code(now.code), now.message);
                h->policy = sg_policy_free(h->policy);
                h->have_policy_id = 0;
                h->policy_err = now;
                return;
        }
        file_id id;
        file_id_from_stat(&st, &id);
        if (h->have_policy_id && memcmp(&id, &h->policy_id, sizeof id) == 0)
                return;

        int reload = h->have_policy_id || h->policy;
        h->policy = sg_policy_free(h->policy);
        sg_policy *p = NULL;
        sg_error err;
        sg_err e = sg_policy_load_file(h->policy_path, &p, &err);
        if (e) {
                if (e != SG_ERR_POLICY_IO)
                        sg_error_prefix(&err, "policy %s", h->policy_path);
                if (reload || strcmp(err.message, h->policy_err.message) != 0)
                        host_log(h, "policy refused (%s): %s", sg_err_code(e), err.message);
                h->policy_err = err;
                /* A read error may be passing (the file being replaced): try
                 * again on the next request. A content error stays until the
                 * file changes. */
                h->have_policy_id = e != SG_ERR_POLICY_IO;
                h->policy_id = id;
                return;
        }
        h->policy = p;
        h->policy_err.code = SG_OK;
        h->policy_err.message[0] = '\0';
        h->policy_id = id;
        h->have_policy_id = 1;
        host_log(h, "policy %s from %s", reload ? "reloaded" : "loaded", h->policy_path);
        /* Retention applies from the start, not only from the first record. */
        audit_prune(h, sg_policy_audit(p), sg_audit_now_ms(), 1);
}

/* ---- ops */

typedef sg_err (*op_handler)(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);

static sg_err op_version(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static sg_err op_policy_evaluate(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static sg_err op_policy_get(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static sg_err op_doctor(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static sg_err op_prompt_show(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static sg_err op_stream_only(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static sg_err op_keys_lookup(sg_host *h, json_object *req, json_object **ret_result, sg_error *err);
static json_object *policy_error_json(const sg_host *h);
static json_object *parse_json_text(const char *text, size_t len, int depth, int strict);
static const char *string_member(json_object *o, const char *key);

static const struct op {
        const char *name;
        op_handler handler;
        const char *help;
} ops[] = {
        {"version", op_version,
         "{} -> {name, version, protocol, ops[], limits{}, policy{path, loaded, error}}: what this host is and "
         "whether its policy loaded."},
        {"policy.evaluate", op_policy_evaluate,
         "{message:{from, to[], cc[], bcc[], subject, body, attachments[], headers}} -> the decision "
         "(action, recipients, reasons, choices, route headers) under the policy in force."},
        {"policy.get", op_policy_get,
         "{} -> {path, loaded, error, policy}: the policy file in force as JSON (comments dropped), for display."},
        {"doctor", op_doctor,
         "{} -> {ok, checks[{id, ok, detail}]}: checks the native-messaging manifest, the extension id, the "
         "policy and the version."},
        {"prompt.show", op_prompt_show,
         "{attempt, lang, subject} -> {choice, kind, by, justification, headers[], subject_tag, encrypt}: shows "
         "the send prompt for a policy.evaluate decision whose action was prompt; answered when the user "
         "answers, while other requests are served."},
        {"keys.lookup", op_keys_lookup,
         "{recipients[], methods[]} -> {answers[{address, ready, smime{...}, pgp{...}}], smime_ready, "
         "openpgp_ready, sources{...}}: whether every recipient has a usable S/MIME certificate and OpenPGP key; "
         "answered when the lookup ends, while other requests are served."},
        /* Streams: the transport's stream-job.c serves these; through the
         * table (a chunked request, tests) they are refused. */
        {"smime.encrypt", op_stream_only,
         "{recipients[], cipher, format, input{frames, size}} + input frames -> output frames, then {complete, "
         "output{frames, size, sha256}, cipher, format}: S/MIME-encrypts a MIME entity (docs/protocol.md, Streams)."},
        {"smime.decrypt", op_stream_only,
         "{key{path, cert, passphrase}, input{frames, size}} + input frames -> output frames, then {complete, "
         "output{...}}: decrypts an S/MIME message or bare CMS."},
        {"smime.sign", op_stream_only,
         "{key{path, cert, passphrase}, digest, format, input{frames, size}} + input frames -> output frames, then "
         "{complete, output{...}, digest, format}: multipart/signed or a detached signature."},
        {"smime.verify", op_stream_only,
         "{trust{ca_file, ca_dir, system}, from, signature, output, input{frames, size}} + input frames -> "
         "{complete, valid, from, signers[], output{...}}: checks each signer separately."},
        {"pgp.encrypt", op_stream_only,
         "{recipients[], signer, passphrase, format, always_trust, input{frames, size}} + input frames -> output "
         "frames, then {complete, output{...}, format, signed}: OpenPGP-encrypts a MIME entity (PGP/MIME) or bare "
         "data with the host's GnuPG keyring."},
        {"pgp.decrypt", op_stream_only,
         "{passphrase, from, input{frames, size}} + input frames -> output frames, then {complete, output{...}, "
         "encrypted, signed, unencrypted_parts, valid, signers[]}: decrypts PGP/MIME or bare OpenPGP."},
        {"pgp.sign", op_stream_only,
         "{signer, passphrase, format, input{frames, size}} + input frames -> output frames, then {complete, "
         "output{...}, format, digest}: PGP/MIME multipart/signed or an armored detached signature."},
        {"pgp.verify", op_stream_only,
         "{from, signature, output, input{frames, size}} + input frames -> {complete, valid, from, signers[], "
         "output{...}}: checks each OpenPGP signer separately."},
};

int sg_host_op_info(size_t i, const char **ret_name, const char **ret_help) {
        if (i >= sizeof ops / sizeof ops[0])
                return 0;
        if (ret_name)
                *ret_name = ops[i].name;
        if (ret_help)
                *ret_help = ops[i].help;
        return 1;
}

static void add_int(json_object *o, const char *key, int64_t v) {
        json_object_object_add(o, key, json_object_new_int64(v));
}

static sg_err op_version(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        policy_refresh(h);

        json_object *r = json_object_new_object();
        json_object *names = json_object_new_array();
        json_object *limits = json_object_new_object();
        json_object *pol = json_object_new_object();
        if (!r || !names || !limits || !pol) {
                json_object_put(r);
                json_object_put(names);
                json_object_put(limits);
                json_object_put(pol);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the version result");
        }
        json_object_object_add(r, "name", json_object_new_string("sealgate-host"));
        json_object_object_add(r, "version", json_object_new_string(SG_VERSION));
        add_int(r, "protocol", SG_HOST_PROTOCOL);
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
                json_object_array_add(names, json_object_new_string(ops[i].name));
        json_object_object_add(r, "ops", names);

        add_int(limits, "frame_in", SG_FRAME_IN_MAX);
        add_int(limits, "frame_out", SG_FRAME_OUT_MAX);
        add_int(limits, "chunk_raw", SG_CHUNK_RAW_MAX);
        add_int(limits, "chunked_in", SG_CHUNKED_IN_MAX);
        add_int(limits, "json_depth", SG_HOST_JSON_DEPTH);
        add_int(limits, "id", SG_HOST_ID_MAX);
        add_int(limits, "recipients", SG_MSG_RECIPIENTS_MAX);
        add_int(limits, "address_text", SG_ADDR_TEXT_MAX);
        add_int(limits, "subject", SG_MSG_SUBJECT_MAX);
        add_int(limits, "body", SG_MSG_BODY_MAX);
        add_int(limits, "attachments", SG_MSG_ATTACHMENTS_MAX);
        add_int(limits, "headers", SG_MSG_HEADERS_MAX);
        add_int(limits, "header_name", SG_MSG_HEADER_NAME_MAX);
        add_int(limits, "header_value", SG_MSG_HEADER_VALUE_MAX);
        add_int(limits, "name", SG_MSG_NAME_MAX);
        add_int(limits, "attempts", SG_HOST_ATTEMPTS_MAX);
        add_int(limits, "prompts", SG_HOST_PROMPTS_MAX);
        add_int(limits, "prompt_input", SG_PROMPT_INPUT_MAX);
        add_int(limits, "prompt_output", SG_HOST_PROMPT_OUTPUT_MAX);
        add_int(limits, "streams", SG_HOST_STREAMS_MAX);
        add_int(limits, "stream_input", SG_STREAM_INPUT_MAX);
        add_int(limits, "stream_frames", SG_STREAM_FRAMES_MAX);
        add_int(limits, "stream_param", SG_STREAM_PARAM_MAX);
        add_int(limits, "smime_recipients", SG_SMIME_RECIPIENTS_MAX);
        add_int(limits, "smime_signature", SG_SMIME_SIGNATURE_MAX);
        add_int(limits, "keys_recipients", SG_KEYS_RECIPIENTS_MAX);
        add_int(limits, "keys_address", SG_KEYS_ADDRESS_MAX);
        add_int(limits, "keys_queue", SG_HOST_KEYS_QUEUE_MAX);
        json_object_object_add(r, "limits", limits);

        json_object_object_add(pol, "path", json_object_new_string(h->policy_path));
        json_object_object_add(pol, "loaded", json_object_new_boolean(h->policy != NULL));
        json_object_object_add(pol, "error", policy_error_json(h));
        json_object_object_add(r, "policy", pol);
        *ret_result = r;
        return SG_OK;
}

static sg_err op_stream_only(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        return sg_error_set(err, SG_ERR_STREAM_INVALID,
                            "%s is a stream: send its request as one frame and its input as input frames "
                            "(docs/protocol.md, Streams)",
                            string_member(req, "op"));
}

/* The sender's address (no display name) from `message.from`, or NULL. */
static char *sender_address(const char *from) {
        if (!from)
                return NULL;
        sg_mailbox_list list = {0};
        char *addr = NULL;
        if (sg_addr_parse_list(from, 1, &list, NULL) == SG_OK && list.n == 1)
                addr = sg_strdup(list.items[0].address);
        sg_mailbox_list_clear(&list);
        return addr;
}

static sg_err op_policy_evaluate(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        json_object *m;
        if (!json_object_object_get_ex(req, "message", &m) || !json_object_is_type(m, json_type_object))
                return sg_error_set(err, SG_ERR_REQUEST, "message: required, an object");

        policy_refresh(h);
        if (!h->policy) {
                if (err)
                        *err = h->policy_err;
                return h->policy_err.code;
        }

        sg_message_buf buf = {0};
        sg_err e = sg_message_from_json(m, &buf, err);
        if (e)
                return e;
        sg_decision *d = NULL;
        e = sg_policy_evaluate(h->policy, &buf.msg, &d, err);
        char *sender = e ? NULL : sender_address(buf.msg.from);
        sg_message_buf_clear(&buf);
        if (e)
                return e;

        struct attempt a = {.d = d, .sender = sender};
        if (!random_attempt(a.id)) {
                attempt_clear(&a);
                return sg_error_set(err, SG_ERR_INTERNAL, "policy.evaluate: no random bytes for the attempt id");
        }
        if (!copy_audit_settings(&a, sg_policy_audit(h->policy))) {
                attempt_clear(&a);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        /* A prompt is recorded when it is answered; a required log must be
         * writable now, or the answer could not be recorded then. */
        a.state = d->action == SG_ACTION_PROMPT ? ATTEMPT_PENDING : ATTEMPT_DONE;
        e = audit_write(h, &a, NULL, NULL, NULL, sg_audit_outcome_of(d, NULL), NULL, a.state == ATTEMPT_PENDING, err);
        if (e && a.audit.required) {
                attempt_clear(&a);
                return e;
        }

        json_object *r = sg_decision_to_json(d);
        if (!r || json_object_object_add(r, "attempt", json_object_new_string(a.id)) != 0) {
                json_object_put(r);
                attempt_clear(&a);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory encoding the decision");
        }
        struct attempt *slot = attempt_slot(h);
        a.seq = ++h->attempt_seq;
        *slot = a;
        *ret_result = r;
        return SG_OK;
}

/* ---- keys.lookup */

sg_keys_job *sg_keys_job_free(sg_keys_job *job) {
        if (job) {
                free(job->id_json);
                sg_strv_free(job->addresses, job->n_addresses);
                free(job->certificate_store);
                free(job->nss_db);
                free(job);
        }
        return NULL;
}

/* A policy path with "~/" taken as the home directory; owned, NULL for none. */
static sg_err expand_home(const char *path, const char *key, char **ret, sg_error *err) {
        *ret = NULL;
        if (!path)
                return SG_OK;
        if (path[0] != '~') {
                if (!(*ret = sg_strdup(path)))
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                return SG_OK;
        }
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
                return sg_error_set(err, SG_ERR_IO, "keys.%s starts with \"~/\" but HOME is not set", key);
        size_t n = strlen(home) + strlen(path);
        if (!(*ret = malloc(n)))
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        snprintf(*ret, n, "%s%s", home, path + 1);
        return SG_OK;
}

static sg_err op_keys_lookup(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        json_object_object_foreach(req, key, val) {
                (void) val;
                if (strcmp(key, "id") != 0 && strcmp(key, "op") != 0 && strcmp(key, "recipients") != 0 &&
                    strcmp(key, "methods") != 0)
                        return sg_error_set(err, SG_ERR_REQUEST, "%.*s: unknown key (expected recipients, methods)",
                                            quote_len(key, 64), key);
        }
        json_object *r, *m;
        if (!json_object_object_get_ex(req, "recipients", &r) || !json_object_is_type(r, json_type_array))
                return sg_error_set(err, SG_ERR_REQUEST, "recipients: required, an array of addresses");
        size_t n = json_object_array_length(r);
        if (n == 0)
                return sg_error_set(err, SG_ERR_REQUEST, "recipients: must not be empty");
        if (n > SG_KEYS_RECIPIENTS_MAX)
                return sg_error_set(err, SG_ERR_LIMIT, "recipients: more than %d in one lookup",
                                    SG_KEYS_RECIPIENTS_MAX);
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(r, i);
                if (!json_object_is_type(a, json_type_string))
                        return sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu]: expected a string, got %s", i,
                                            json_type_to_name(json_object_get_type(a)));
                size_t len = (size_t) json_object_get_string_len(a);
                if (strlen(json_object_get_string(a)) != len)
                        return sg_error_set(err, SG_ERR_REQUEST, "recipients[%zu]: contains a NUL character", i);
                if (len > SG_KEYS_ADDRESS_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "recipients[%zu]: longer than %d bytes", i,
                                            SG_KEYS_ADDRESS_MAX);
        }
        bool smime = true, openpgp = true;
        if (json_object_object_get_ex(req, "methods", &m) && m) {
                if (!json_object_is_type(m, json_type_array) || json_object_array_length(m) == 0 ||
                    json_object_array_length(m) > 2)
                        return sg_error_set(err, SG_ERR_REQUEST,
                                            "methods: expected an array of \"smime\" and/or \"openpgp\"");
                smime = openpgp = false;
                for (size_t i = 0; i < json_object_array_length(m); i++) {
                        json_object *v = json_object_array_get_idx(m, i);
                        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
                        if (strcmp(s, "smime") == 0)
                                smime = true;
                        else if (strcmp(s, "openpgp") == 0)
                                openpgp = true;
                        else
                                return sg_error_set(err, SG_ERR_REQUEST,
                                                    "methods[%zu]: expected \"smime\" or \"openpgp\"", i);
                }
        }

        /* Fail closed: no policy, no lookup (it says whether network lookups are allowed). */
        policy_refresh(h);
        if (!h->policy) {
                if (err)
                        *err = h->policy_err;
                return h->policy_err.code;
        }
        if (!h->keys_slot)
                return sg_error_set(err, SG_ERR_INTERNAL, "keys.lookup needs the host's transport");
        const sg_keys_settings *ks = sg_policy_keys(h->policy);
        sg_keys_job *job = calloc(1, sizeof *job);
        if (!job || !(job->addresses = calloc(n, sizeof *job->addresses))) {
                sg_keys_job_free(job);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++, job->n_addresses++)
                if (!(job->addresses[i] = sg_strdup(json_object_get_string(json_object_array_get_idx(r, i))))) {
                        sg_keys_job_free(job);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                }
        job->smime = smime;
        job->openpgp = openpgp;
        job->network_lookups = ks->network_lookups;
        job->timeout_seconds = ks->timeout_seconds;
        sg_err e;
        if ((e = expand_home(ks->certificate_store, "certificate_store", &job->certificate_store, err)) ||
            (e = expand_home(ks->nss_db, "nss_db", &job->nss_db, err))) {
                sg_keys_job_free(job);
                return e;
        }
        *h->keys_slot = job;
        *ret_result = NULL;
        return SG_OK;
}

/* ---- prompt.show */

sg_prompt_job *sg_prompt_job_free(sg_prompt_job *job) {
        if (job) {
                free(job->id_json);
                free(job->input);
                free(job);
        }
        return NULL;
}

/* The choice a prompt that could not answer falls back to. */
static const sg_choice *fallback_choice(const sg_decision *d) {
        return d->prompt_fallback < d->n_choices ? &d->choices[d->prompt_fallback] : NULL;
}

/* `code` answers prompt.show for attempt `a` without a user's answer: record
 * the policy's fallback as taken, and the attempt is done. A required audit
 * record that cannot be written turns the answer into audit_failed. */
static sg_err prompt_fail(sg_host *h, struct attempt *a, sg_error *err, sg_err code, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 5, 6)))
#endif
        ;

static sg_err prompt_fail(sg_host *h, struct attempt *a, sg_error *err, sg_err code, const char *fmt, ...) {
        char msg[SG_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        host_log(h, "prompt for attempt %s: %s: %s", a->id, sg_err_code(code), msg);
        const sg_choice *fb = fallback_choice(a->d);
        a->state = ATTEMPT_DONE;
        sg_err e = audit_write(h, a, fb, "fallback", NULL, sg_audit_outcome_of(a->d, fb), sg_err_code(code), 0, err);
        if (e && a->audit.required)
                return e;
        return sg_error_set(err, code, "%s", msg);
}

static int is_choice_id(const sg_choice *c, const char *id) {
        if (c->kind != SG_CHOICE_ROUTE)
                return strcmp(sg_choice_kind_name(c->kind), id) == 0;
        return strncmp(id, "route:", 6) == 0 && c->route && strcmp(id + 6, c->route) == 0;
}

static sg_err op_prompt_show(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        json_object *v;
        if (!json_object_object_get_ex(req, "attempt", &v) || !json_object_is_type(v, json_type_string))
                return sg_error_set(err, SG_ERR_REQUEST,
                                    "attempt: required, a string (result.attempt of policy.evaluate)");
        const char *attempt = json_object_get_string(v);
        const char *lang = NULL, *subject = NULL;
        if (json_object_object_get_ex(req, "lang", &v) && v) {
                if (!json_object_is_type(v, json_type_string) ||
                    (strcmp(json_object_get_string(v), "ja") != 0 && strcmp(json_object_get_string(v), "en") != 0))
                        return sg_error_set(err, SG_ERR_REQUEST, "lang: expected \"ja\", \"en\" or null");
                lang = json_object_get_string(v);
        }
        if (json_object_object_get_ex(req, "subject", &v) && v) {
                if (!json_object_is_type(v, json_type_string))
                        return sg_error_set(err, SG_ERR_REQUEST, "subject: expected a string or null, got %s",
                                            json_type_to_name(json_object_get_type(v)));
                size_t n = (size_t) json_object_get_string_len(v);
                subject = json_object_get_string(v);
                if (strlen(subject) != n)
                        return sg_error_set(err, SG_ERR_REQUEST, "subject: contains a NUL character");
                if (n > SG_MSG_SUBJECT_MAX)
                        return sg_error_set(err, SG_ERR_LIMIT, "subject: longer than %d bytes", SG_MSG_SUBJECT_MAX);
        }

        struct attempt *a = attempt_find(h, attempt);
        if (!a)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT,
                                    "attempt \"%.*s\": no such decision (the host keeps the last %d)",
                                    quote_len(attempt, 64), attempt, SG_HOST_ATTEMPTS_MAX);
        if (a->d->action != SG_ACTION_PROMPT)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt %s: the decision was %s, not prompt", a->id,
                                    sg_action_name(a->d->action));
        if (a->state == ATTEMPT_OPEN)
                return sg_error_set(err, SG_ERR_PROMPT_BUSY, "attempt %s: its prompt is already open", a->id);
        if (a->state == ATTEMPT_DONE)
                return sg_error_set(err, SG_ERR_UNKNOWN_ATTEMPT, "attempt %s: already answered", a->id);
        if (h->n_open >= SG_HOST_PROMPTS_MAX)
                return prompt_fail(h, a, err, SG_ERR_PROMPT_BUSY, "%d prompts are open already", SG_HOST_PROMPTS_MAX);
        if (!h->job_slot)
                return prompt_fail(h, a, err, SG_ERR_PROMPT_UNAVAILABLE, "this connection cannot show prompts");

        /* The program gets the host's own copy of the decision. */
        json_object *in = sg_decision_to_json(a->d);
        if (!in || json_object_object_add(in, "attempt", json_object_new_string(a->id)) != 0 ||
            (subject && json_object_object_add(in, "subject", json_object_new_string(subject)) != 0)) {
                json_object_put(in);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        const char *text = json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t len = strlen(text);
        if (len + 1 > SG_PROMPT_INPUT_MAX) {
                json_object_put(in);
                return prompt_fail(h, a, err, SG_ERR_PROMPT_FAILED,
                                   "the decision (%zu bytes) is over the prompt's input limit of %u bytes", len,
                                   SG_PROMPT_INPUT_MAX);
        }
        sg_prompt_job *job = calloc(1, sizeof *job);
        if (job && (job->input = malloc(len + 2))) {
                memcpy(job->input, text, len);
                job->input[len] = '\n';
                job->input[len + 1] = '\0';
                job->input_len = len + 1;
        }
        json_object_put(in);
        if (!job || !job->input) {
                sg_prompt_job_free(job);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        }
        memcpy(job->attempt, a->id, sizeof job->attempt);
        if (lang)
                memcpy(job->lang, lang, 3);
        job->timeout_seconds = a->d->prompt_timeout_seconds;
        a->state = ATTEMPT_OPEN;
        h->n_open++;
        *h->job_slot = job;
        *ret_result = NULL;
        return SG_OK;
}

/* RFC 2047 B-encoded words (UTF-8), each at most 75 characters and holding
 * whole characters, separated by single spaces (the mail client folds there). */
static char *rfc2047_encode(const char *s) {
        size_t n = strlen(s);
        /* 45 bytes make 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" = 72. */
        enum { WORD_RAW = 45 };
        char *out = malloc((n / 30 + 1) * 76 + 1);
        if (!out)
                return NULL;
        size_t o = 0, i = 0;
        while (i < n) {
                size_t k = n - i < WORD_RAW ? n - i : WORD_RAW;
                while (k < n - i && k > 0 && ((unsigned char) s[i + k] & 0xC0) == 0x80)
                        k--; /* do not split a character */
                char *b64 = sg_base64_encode(s + i, k);
                if (!b64) {
                        free(out);
                        return NULL;
                }
                o += (size_t) sprintf(out + o, "%s=?UTF-8?B?%s?=", o ? " " : "", b64);
                free(b64);
                i += k;
        }
        out[o] = '\0';
        return out;
}

/* The header value for a justification: as it is when it is plain printable
 * ASCII that no reader could take for an encoded word, else RFC 2047. */
static char *justification_value(const char *j) {
        int plain = strstr(j, "=?") == NULL;
        for (const char *p = j; *p && plain; p++)
                plain = (unsigned char) *p >= 0x20 && (unsigned char) *p < 0x7F;
        return plain ? sg_strdup(j) : rfc2047_encode(j);
}

static json_object *header_pair(const char *name, const char *value) {
        json_object *o = json_object_new_object();
        if (o) {
                json_object_object_add(o, "name", json_object_new_string(name));
                json_object_object_add(o, "value", json_object_new_string(value));
        }
        return o;
}

/* The prompt.show result for `choice` taken `by`. NULL on ENOMEM. */
static json_object *prompt_result(const sg_decision *d, const sg_choice *c, const char *by, const char *justification) {
        json_object *r = json_object_new_object();
        json_object *headers = json_object_new_array();
        if (!r || !headers) {
                json_object_put(r);
                json_object_put(headers);
                return NULL;
        }
        char id[sizeof "route:" + SG_POLICY_NAME_MAX];
        snprintf(id, sizeof id, "%s%s", c->kind == SG_CHOICE_ROUTE ? "route:" : sg_choice_kind_name(c->kind),
                 c->kind == SG_CHOICE_ROUTE && c->route ? c->route : "");
        json_object_object_add(r, "choice", json_object_new_string(id));
        json_object_object_add(r, "kind", json_object_new_string(sg_choice_kind_name(c->kind)));
        json_object_object_add(r, "by", json_object_new_string(by));
        json_object_object_add(r, "justification", justification ? json_object_new_string(justification) : NULL);
        const char *tag = NULL;
        if (c->kind == SG_CHOICE_ROUTE) {
                for (size_t i = 0; i < c->n_headers; i++)
                        json_object_array_add(headers, header_pair(c->headers[i].name, c->headers[i].value));
                tag = c->subject_tag;
        } else if (c->kind == SG_CHOICE_SEND && justification && d->justification_header) {
                char *value = justification_value(justification);
                if (!value) {
                        json_object_put(r);
                        json_object_put(headers);
                        return NULL;
                }
                json_object_array_add(headers, header_pair(d->justification_header, value));
                free(value);
        }
        json_object_object_add(r, "headers", headers);
        json_object_object_add(r, "subject_tag", tag ? json_object_new_string(tag) : NULL);
        json_object *enc = NULL;
        if (c->kind == SG_CHOICE_ENCRYPT) {
                enc = json_object_new_object();
                json_object *m = json_object_new_array(), *f = json_object_new_array();
                for (size_t i = 0; m && i < d->n_encrypt_methods; i++)
                        json_object_array_add(m, json_object_new_string(d->encrypt_methods[i]));
                for (size_t i = 0; f && i < d->n_encrypt_fallback; i++)
                        json_object_array_add(f, json_object_new_string(d->encrypt_fallback[i]));
                json_object_object_add(enc, "methods", m);
                json_object_object_add(enc, "fallback", f);
        }
        json_object_object_add(r, "encrypt", enc);
        return r;
}

/* Check the program's answer against the decision. On success *ret_choice,
 * *ret_by and *ret_justification (owned, or NULL) are set; otherwise `why`
 * says what is wrong. */
static int parse_answer(const sg_decision *d, const char *out, size_t len, const sg_choice **ret_choice, char *by_out,
                        size_t by_cap, char **ret_justification, char *why, size_t why_cap);

static int parse_answer(const sg_decision *d, const char *out, size_t len, const sg_choice **ret_choice, char *by_out,
                        size_t by_cap, char **ret_justification, char *why, size_t why_cap) {
        *ret_justification = NULL;
        if (len > 0 && out[len - 1] == '\n')
                len--;
        if (len > 0 && out[len - 1] == '\r')
                len--;
        if (len == 0) {
                snprintf(why, why_cap, "it printed no answer");
                return 0;
        }
        if (!sg_utf8_valid(out, len) || memchr(out, '\n', len)) {
                snprintf(why, why_cap, "its answer is not one line of UTF-8");
                return 0;
        }
        json_object *o = parse_json_text(out, len, 4, 1);
        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                snprintf(why, why_cap, "its answer is not a JSON object");
                return 0;
        }
        int ok = 0;
        const char *choice = string_member(o, "choice"), *by = string_member(o, "by");
        json_object *jv = NULL;
        int has_j = json_object_object_get_ex(o, "justification", &jv) && jv;
        const sg_choice *c = NULL;
        for (size_t i = 0; choice && i < d->n_choices && !c; i++)
                if (is_choice_id(&d->choices[i], choice))
                        c = &d->choices[i];
        if (!choice) {
                snprintf(why, why_cap, "answer.choice: required, a string");
        } else if (!c) {
                snprintf(why, why_cap, "answer.choice: \"%.*s\" is not one of the decision's choices",
                         quote_len(choice, 64), choice);
        } else if (!by || (strcmp(by, "button") != 0 && strcmp(by, "escape") != 0 && strcmp(by, "close") != 0 &&
                           strcmp(by, "timeout") != 0)) {
                snprintf(why, why_cap, "answer.by: expected \"button\", \"escape\", \"close\" or \"timeout\"");
        } else if (strcmp(by, "button") != 0 && c->kind != SG_CHOICE_CANCEL) {
                snprintf(why, why_cap, "answer.by: \"%s\" can only cancel", by);
        } else if (c->kind == SG_CHOICE_SEND && d->require_justification) {
                if (!has_j || !json_object_is_type(jv, json_type_string)) {
                        snprintf(why, why_cap, "answer.justification: required for \"send\", a string");
                } else {
                        const char *j = json_object_get_string(jv);
                        size_t n = (size_t) json_object_get_string_len(jv);
                        while (n > 0 && (*j == ' ' || *j == '\t'))
                                j++, n--;
                        while (n > 0 && (j[n - 1] == ' ' || j[n - 1] == '\t'))
                                n--;
                        int ctl = 0;
                        for (size_t i = 0; i < n; i++)
                                ctl = ctl || (unsigned char) j[i] < 0x20 || j[i] == 0x7F;
                        if (n == 0 || n > SG_AUDIT_JUSTIFICATION_MAX)
                                snprintf(why, why_cap, "answer.justification: must be 1 to %d bytes",
                                         SG_AUDIT_JUSTIFICATION_MAX);
                        else if (ctl)
                                snprintf(why, why_cap, "answer.justification: contains a control character");
                        else if (!(*ret_justification = strndup(j, n)))
                                snprintf(why, why_cap, "out of memory");
                        else
                                ok = 1;
                }
        } else if (has_j) {
                snprintf(why, why_cap, "answer.justification: only for \"send\" when the policy requires one");
        } else {
                ok = 1;
        }
        if (ok) {
                *ret_choice = c;
                snprintf(by_out, by_cap, "%s", by);
        }
        json_object_put(o);
        return ok;
}

static const sg_choice *cancel_choice(const sg_decision *d) {
        for (size_t i = 0; i < d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_CANCEL)
                        return &d->choices[i];
        return NULL;
}

static char *respond(json_object *id, json_object *result, const sg_error *err, char **ret_id_json);

char *sg_host_prompt_done(sg_host *h, const sg_prompt_job *job, const sg_prompt_result *res, char **ret_id_json) {
        if (ret_id_json)
                *ret_id_json = NULL;
        json_object *id = job->id_json ? json_tokener_parse(job->id_json) : NULL;
        struct attempt *a = attempt_find(h, job->attempt);
        sg_error err;
        char *resp;
        if (!a || a->state != ATTEMPT_OPEN) {
                sg_error_set(&err, SG_ERR_INTERNAL, "prompt.show: attempt %s is not open", job->attempt);
                resp = res->end == SG_PROMPT_ABANDONED ? NULL : respond(id, NULL, &err, ret_id_json);
                json_object_put(id);
                return resp;
        }
        h->n_open--;
        const sg_decision *d = a->d;
        const sg_choice *c = NULL;
        char by[16] = "";
        char *justification = NULL;
        sg_err e = SG_OK;
        switch (res->end) {
        case SG_PROMPT_ABANDONED:
                a->state = ATTEMPT_DONE;
                audit_write(h, a, cancel_choice(d), NULL, NULL, SG_AUDIT_ABANDONED, NULL, 0, NULL);
                json_object_put(id);
                return NULL;
        case SG_PROMPT_TIMED_OUT:
                c = cancel_choice(d);
                snprintf(by, sizeof by, "timeout");
                break;
        case SG_PROMPT_NOT_STARTED:
                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_UNAVAILABLE, "%s",
                                res->detail ? res->detail : "the prompt program could not be started");
                break;
        case SG_PROMPT_OVERFLOW:
                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED, "the prompt program wrote more than %d bytes",
                                SG_HOST_PROMPT_OUTPUT_MAX);
                break;
        case SG_PROMPT_SIGNALED:
                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED, "the prompt program was killed by signal %d",
                                res->status);
                break;
        case SG_PROMPT_EXITED:
                if (res->status == 3) {
                        e = prompt_fail(h, a, &err, SG_ERR_PROMPT_UNAVAILABLE,
                                        "the prompt program cannot open a display (exit status 3)");
                } else if (res->status == 2) {
                        e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED,
                                        "the prompt program refused its input (exit status 2)");
                } else if (res->status != 0) {
                        e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED, "the prompt program exited with status %d",
                                        res->status);
                } else {
                        char why[256];
                        if (!parse_answer(d, res->out ? res->out : "", res->out ? res->out_len : 0, &c, by, sizeof by,
                                          &justification, why, sizeof why))
                                e = prompt_fail(h, a, &err, SG_ERR_PROMPT_FAILED,
                                                "the prompt program gave an invalid answer: %s", why);
                }
                break;
        }
        if (!e && !c)
                e = prompt_fail(h, a, &err, SG_ERR_INTERNAL, "the decision has no cancel choice");
        json_object *result = NULL;
        if (!e) {
                a->state = ATTEMPT_DONE;
                e = audit_write(h, a, c, by, justification, sg_audit_outcome_of(d, c), NULL, 0, &err);
                if (e && !a->audit.required)
                        e = SG_OK;
        }
        if (!e && !(result = prompt_result(d, c, by, justification)))
                e = sg_error_set(&err, SG_ERR_NOMEM, "out of memory building the prompt.show result");
        free(justification);
        resp = respond(id, result, e ? &err : NULL, ret_id_json);
        json_object_put(id);
        return resp;
}

/* {code, message} of why the policy is not in force, or NULL (JSON null) when it is. */
static json_object *policy_error_json(const sg_host *h) {
        if (h->policy)
                return NULL;
        json_object *e = json_object_new_object();
        if (!e)
                return NULL;
        json_object_object_add(e, "code", json_object_new_string(sg_err_code(h->policy_err.code)));
        json_object_object_add(e, "message", json_object_new_string(h->policy_err.message));
        return e;
}

/* Read all of `path` (at most `max` bytes) into an owned NUL-terminated buffer;
 * `ret_id`, when not NULL, gets the identity of the file that was read.
 * SG_ERR_IO when it cannot be read, SG_ERR_LIMIT past `max`. */
static sg_err read_bounded(const char *path, size_t max, char **ret_text, size_t *ret_len, file_id *ret_id,
                           sg_error *err) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fileno(f), &st) != 0) {
                int e = errno;
                fclose(f);
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(e));
        }
        if (S_ISDIR(st.st_mode)) {
                fclose(f);
                return sg_error_set(err, SG_ERR_IO, "cannot read %s: it is a directory", path);
        }
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        sg_err r = buf ? SG_OK : sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
        while (!r) {
                if (len + 1 >= cap) {
                        char *nb = realloc(buf, cap * 2);
                        if (!nb) {
                                r = sg_error_set(err, SG_ERR_NOMEM, "out of memory reading %s", path);
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
                size_t got = fread(buf + len, 1, cap - len - 1, f);
                len += got;
                if (len > max)
                        r = sg_error_set(err, SG_ERR_LIMIT, "%s is larger than %zu bytes", path, max);
                else if (got == 0 && ferror(f))
                        r = sg_error_set(err, SG_ERR_IO, "cannot read %s: %s", path, strerror(errno));
                else if (got == 0)
                        break;
        }
        fclose(f);
        if (r) {
                free(buf);
                return r;
        }
        buf[len] = '\0';
        if (ret_id)
                file_id_from_stat(&st, ret_id);
        *ret_text = buf;
        *ret_len = len;
        return SG_OK;
}

/* Parse JSON text (a leading UTF-8 byte order mark skipped); `strict` refuses
 * comments. NULL when it is not exactly one JSON value. Owned. */
static json_object *parse_json_text(const char *text, size_t len, int depth, int strict) {
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
                text += 3;
                len -= 3;
        }
        if (len > INT32_MAX || memchr(text, '\0', len))
                return NULL;
        json_tokener *tok = json_tokener_new_ex(depth);
        if (!tok)
                return NULL;
        if (strict)
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error je = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        while (end < len && (text[end] == ' ' || text[end] == '\t' || text[end] == '\n' || text[end] == '\r'))
                end++;
        if (je != json_tokener_success || end < len) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

/* The policy in force, as the administrator wrote it, for the options page.
 * The text is read again and shown only when it is the very file that was
 * validated (same identity), so what is shown is what is enforced. */
static sg_err op_policy_get(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        for (int attempt = 0; attempt < 3; attempt++) {
                policy_refresh(h);
                json_object *shown = NULL;
                if (h->policy) {
                        char *text = NULL;
                        size_t len = 0;
                        file_id id;
                        sg_error rerr;
                        if (read_bounded(h->policy_path, SG_POLICY_FILE_MAX, &text, &len, &id, &rerr) != SG_OK)
                                continue; /* gone or replaced since: refresh again */
                        if (memcmp(&id, &h->policy_id, sizeof id) != 0) {
                                free(text);
                                continue;
                        }
                        shown = parse_json_text(text, len, SG_POLICY_JSON_DEPTH, 0);
                        free(text);
                        if (!shown)
                                return sg_error_set(err, SG_ERR_INTERNAL,
                                                    "policy.get: the validated policy file %s does not parse again",
                                                    h->policy_path);
                }
                json_object *r = json_object_new_object();
                if (!r) {
                        json_object_put(shown);
                        return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the policy.get result");
                }
                json_object_object_add(r, "path", json_object_new_string(h->policy_path));
                json_object_object_add(r, "loaded", json_object_new_boolean(h->policy != NULL));
                json_object_object_add(r, "error", policy_error_json(h));
                json_object_object_add(r, "policy", shown);
                *ret_result = r;
                return SG_OK;
        }
        return sg_error_set(err, SG_ERR_IO, "policy file %s kept changing while being read", h->policy_path);
}

/* ---- doctor: what Thunderbird itself cannot tell ("No such native application") */

static void add_check(json_object *checks, const char *id, int ok, const char *detail) {
        json_object *c = json_object_new_object();
        if (!c)
                return;
        json_object_object_add(c, "id", json_object_new_string(id));
        json_object_object_add(c, "ok", json_object_new_boolean(ok));
        json_object_object_add(c, "detail", json_object_new_string(detail));
        json_object_array_add(checks, c);
}

static const char *string_member(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* The manifest's `path` against the running executable. 1 when it is us. */
static int check_manifest_path(const sg_host *h, const char *path, char *detail, size_t cap) {
        if (!path) {
                snprintf(detail, cap, "\"path\" is missing or not a string");
                return 0;
        }
        if (path[0] != '/') {
                snprintf(detail, cap, "\"path\" %.*s is not absolute (Linux needs an absolute path)",
                         quote_len(path, 300), path);
                return 0;
        }
        struct stat st;
        if (stat(path, &st) != 0) {
                snprintf(detail, cap, "\"path\" %.*s: %s", quote_len(path, 300), path, strerror(errno));
                return 0;
        }
        if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
                snprintf(detail, cap, "\"path\" %.*s is not an executable file", quote_len(path, 300), path);
                return 0;
        }
        if (!h->self_exe) {
                snprintf(detail, cap, "\"path\" %.*s is executable (the running host's own path is unknown)",
                         quote_len(path, 300), path);
                return 1;
        }
        char *real = realpath(path, NULL);
        int same = real && strcmp(real, h->self_exe) == 0;
        if (same)
                snprintf(detail, cap, "\"path\" is this host, %.*s", quote_len(h->self_exe, 300), h->self_exe);
        else
                snprintf(detail, cap, "\"path\" %.*s is not this host, which runs from %.*s", quote_len(path, 200),
                         path, quote_len(h->self_exe, 200), h->self_exe);
        free(real);
        return same;
}

/* The `manifest` and `extension_id` checks. */
static void check_manifest(const sg_host *h, json_object *checks) {
        static const char not_tb[] = "not started by Thunderbird: no manifest path argument";
        if (!h->manifest_path) {
                add_check(checks, "manifest", 0, not_tb);
                add_check(checks, "extension_id", 0, "not started by Thunderbird: no extension id argument");
                return;
        }
        const char *mp = h->manifest_path;
        int mpl = quote_len(mp, 300);
        char detail[2 * SG_ERROR_MESSAGE_MAX];
        char *text = NULL;
        size_t len = 0;
        sg_error rerr;
        json_object *m = NULL;
        if (read_bounded(mp, SG_HOST_MANIFEST_MAX, &text, &len, NULL, &rerr) != SG_OK) {
                add_check(checks, "manifest", 0, rerr.message);
        } else if (!sg_utf8_valid(text, len) || !(m = parse_json_text(text, len, SG_HOST_JSON_DEPTH, 1))) {
                snprintf(detail, sizeof detail, "%.*s is not valid JSON (Thunderbird ignores it)", mpl, mp);
                add_check(checks, "manifest", 0, detail);
        } else if (!json_object_is_type(m, json_type_object)) {
                snprintf(detail, sizeof detail, "%.*s is not a JSON object", mpl, mp);
                add_check(checks, "manifest", 0, detail);
        } else {
                const char *name = string_member(m, "name"), *type = string_member(m, "type");
                char pdetail[SG_ERROR_MESSAGE_MAX];
                int path_ok = check_manifest_path(h, string_member(m, "path"), pdetail, sizeof pdetail);
                if (!name || strcmp(name, SG_HOST_NATIVE_NAME) != 0)
                        snprintf(detail, sizeof detail, "%.*s: \"name\" is %s%.*s%s, expected \"%s\"", mpl, mp,
                                 name ? "\"" : "", name ? quote_len(name, 100) : 7, name ? name : "missing",
                                 name ? "\"" : "", SG_HOST_NATIVE_NAME);
                else if (!type || strcmp(type, "stdio") != 0)
                        snprintf(detail, sizeof detail, "%.*s: \"type\" is %s%.*s%s, expected \"stdio\"", mpl, mp,
                                 type ? "\"" : "", type ? quote_len(type, 100) : 7, type ? type : "missing",
                                 type ? "\"" : "");
                else
                        snprintf(detail, sizeof detail, "%.*s: %s", mpl, mp, pdetail);
                add_check(checks, "manifest",
                          name && strcmp(name, SG_HOST_NATIVE_NAME) == 0 && type && strcmp(type, "stdio") == 0 &&
                                  path_ok,
                          detail);
        }
        free(text);

        if (!h->extension_id) {
                add_check(checks, "extension_id", 0, "not started by Thunderbird: no extension id argument");
        } else if (!m || !json_object_is_type(m, json_type_object)) {
                snprintf(detail, sizeof detail, "cannot check extension id \"%.*s\": the manifest is unusable",
                         quote_len(h->extension_id, 200), h->extension_id);
                add_check(checks, "extension_id", 0, detail);
        } else {
                json_object *allowed;
                int found = 0;
                if (json_object_object_get_ex(m, "allowed_extensions", &allowed) &&
                    json_object_is_type(allowed, json_type_array)) {
                        for (size_t i = 0; i < json_object_array_length(allowed); i++) {
                                json_object *v = json_object_array_get_idx(allowed, i);
                                if (json_object_is_type(v, json_type_string) &&
                                    strcmp(json_object_get_string(v), h->extension_id) == 0)
                                        found = 1;
                        }
                        snprintf(detail, sizeof detail, "extension id \"%.*s\" is %sin \"allowed_extensions\" of %.*s",
                                 quote_len(h->extension_id, 200), h->extension_id, found ? "" : "not ", mpl, mp);
                } else {
                        snprintf(detail, sizeof detail, "%.*s: \"allowed_extensions\" is missing or not an array", mpl,
                                 mp);
                }
                add_check(checks, "extension_id", found, detail);
        }
        json_object_put(m);
}

static sg_err op_doctor(sg_host *h, json_object *req, json_object **ret_result, sg_error *err) {
        json_object *r = json_object_new_object();
        json_object *checks = json_object_new_array();
        if (!r || !checks) {
                json_object_put(r);
                json_object_put(checks);
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory building the doctor result");
        }
        check_manifest(h, checks);

        char detail[SG_ERROR_MESSAGE_MAX + 64];
        policy_refresh(h);
        if (h->policy)
                snprintf(detail, sizeof detail, "%.*s loads and validates", quote_len(h->policy_path, 300),
                         h->policy_path);
        else
                snprintf(detail, sizeof detail, "%s: %s", sg_err_code(h->policy_err.code), h->policy_err.message);
        add_check(checks, "policy", h->policy != NULL, detail);

        snprintf(detail, sizeof detail, "sealgate-host %s, protocol %d", SG_VERSION, SG_HOST_PROTOCOL);
        add_check(checks, "version", 1, detail);

        int all = 1;
        for (size_t i = 0; i < json_object_array_length(checks); i++) {
                json_object *ok;
                if (!json_object_object_get_ex(json_object_array_get_idx(checks, i), "ok", &ok) ||
                    !json_object_get_boolean(ok))
                        all = 0;
        }
        json_object_object_add(r, "ok", json_object_new_boolean(all));
        json_object_object_add(r, "checks", checks);
        *ret_result = r;
        return SG_OK;
}

/* ---- requests and responses */

/* Serialise `resp` (consumed) to an owned string. */
static char *to_string_put(json_object *resp) {
        if (!resp)
                return NULL;
        char *s = sg_strdup(
                json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(resp);
        return s;
}

static char *id_to_json(json_object *id) {
        return id ? sg_strdup(
                            json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
                  : sg_strdup("null");
}

/* Build {"id", "result"} or {"id", "error"}; `id` and `result` borrowed / taken. */
static char *respond(json_object *id, json_object *result, const sg_error *err, char **ret_id_json) {
        json_object *resp = json_object_new_object();
        if (!resp) {
                json_object_put(result);
                return NULL;
        }
        json_object_object_add(resp, "id", id ? json_object_get(id) : NULL);
        if (result) {
                json_object_object_add(resp, "result", result);
        } else {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "code", json_object_new_string(sg_err_code(err->code)));
                json_object_object_add(e, "message", json_object_new_string(err->message));
                json_object_object_add(resp, "error", e);
        }
        if (ret_id_json)
                *ret_id_json = id_to_json(id);
        return to_string_put(resp);
}

char *sg_host_error_response(const char *id_json, sg_err code, const char *message) {
        json_object *e = json_object_new_object();
        if (!e)
                return NULL;
        json_object_object_add(e, "code", json_object_new_string(sg_err_code(code)));
        json_object_object_add(e, "message", json_object_new_string(message ? message : ""));
        const char *es = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        const char *id = id_json ? id_json : "null";
        size_t n = strlen(id) + strlen(es) + 32;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "{\"id\":%s,\"error\":%s}", id, es);
        json_object_put(e);
        return s;
}

/* Parse one request's text: UTF-8 first (json-c would pass some invalid
 * sequences through inside strings), then strict JSON with a depth limit and
 * nothing after the value. */
static sg_err parse_request(const char *req, size_t len, json_object **ret, sg_error *err) {
        if (!sg_utf8_valid(req, len))
                return sg_error_set(err, SG_ERR_UTF8, "request is not valid UTF-8");
        if (memchr(req, '\0', len))
                return sg_error_set(err, SG_ERR_JSON, "request contains a NUL byte");

        json_tokener *tok = json_tokener_new_ex(SG_HOST_JSON_DEPTH);
        if (!tok)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory creating a JSON parser");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        if (len > INT32_MAX) {
                json_tokener_free(tok);
                return sg_error_set(err, SG_ERR_LIMIT, "request of %zu bytes is too large to parse", len);
        }
        json_object *obj = json_tokener_parse_ex(tok, req, (int) len);
        enum json_tokener_error je = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        if (je == json_tokener_continue && !obj) {
                /* A top-level number ("7") waits for a delimiter; the text is
                 * complete, so feed the terminating NUL json-c wants. */
                obj = json_tokener_parse_ex(tok, "", 1);
                je = json_tokener_get_error(tok);
                if (je == json_tokener_success)
                        end = len;
        }
        json_tokener_free(tok);

        if (je == json_tokener_error_depth)
                return sg_error_set(err, SG_ERR_LIMIT, "request nests deeper than %d levels", SG_HOST_JSON_DEPTH);
        if (je == json_tokener_continue) {
                json_object_put(obj);
                return sg_error_set(err, SG_ERR_JSON, "request is incomplete JSON (%zu bytes)", len);
        }
        if (je != json_tokener_success)
                return sg_error_set(err, SG_ERR_JSON, "request is not JSON: %s at offset %zu",
                                    json_tokener_error_desc(je), end);
        while (end < len && (req[end] == ' ' || req[end] == '\t' || req[end] == '\n' || req[end] == '\r'))
                end++;
        if (end < len) {
                json_object_put(obj);
                return sg_error_set(err, SG_ERR_JSON, "request has data after the JSON value at offset %zu", end);
        }
        *ret = obj;
        return SG_OK;
}

/* The request id: a string of at most SG_HOST_ID_MAX bytes or an integer. */
static sg_err read_id(json_object *req, json_object **ret_id, sg_error *err) {
        json_object *id;
        if (!json_object_object_get_ex(req, "id", &id) || !id)
                return sg_error_set(err, SG_ERR_REQUEST, "id: required, a string or an integer");
        if (json_object_is_type(id, json_type_int) ||
            (json_object_is_type(id, json_type_string) && json_object_get_string_len(id) <= SG_HOST_ID_MAX)) {
                *ret_id = id;
                return SG_OK;
        }
        if (json_object_is_type(id, json_type_string))
                return sg_error_set(err, SG_ERR_REQUEST, "id: longer than %d bytes", SG_HOST_ID_MAX);
        return sg_error_set(err, SG_ERR_REQUEST, "id: expected a string or an integer, got %s",
                            json_type_to_name(json_object_get_type(id)));
}

/* Dispatch a parsed request object. `fallback_id` answers errors when the
 * request's own id cannot be read (the id of the chunks it came in). */
static char *dispatch_object(sg_host *h, json_object *req, json_object *fallback_id, char **ret_id_json) {
        sg_error err;
        json_object *id = NULL;

        if (!json_object_is_type(req, json_type_object)) {
                sg_error_set(&err, SG_ERR_REQUEST, "request: expected an object, got %s",
                             json_type_to_name(json_object_get_type(req)));
                return respond(fallback_id, NULL, &err, ret_id_json);
        }
        if (read_id(req, &id, &err))
                return respond(fallback_id, NULL, &err, ret_id_json);

        json_object *op;
        if (!json_object_object_get_ex(req, "op", &op) || !json_object_is_type(op, json_type_string)) {
                sg_error_set(&err, SG_ERR_REQUEST, "op: required, a string");
                return respond(id, NULL, &err, ret_id_json);
        }
        const char *name = json_object_get_string(op);
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                if (strcmp(ops[i].name, name) != 0)
                        continue;
                json_object *result = NULL;
                if (ops[i].handler(h, req, &result, &err) != SG_OK)
                        return respond(id, NULL, &err, ret_id_json);
                if (!result && h->keys_slot && *h->keys_slot && !(*h->keys_slot)->id_json) {
                        /* A lookup queued: answered by the transport. */
                        if (!((*h->keys_slot)->id_json = id_to_json(id))) {
                                *h->keys_slot = sg_keys_job_free(*h->keys_slot);
                                sg_error_set(&err, SG_ERR_NOMEM, "out of memory");
                                return respond(id, NULL, &err, ret_id_json);
                        }
                        if (ret_id_json)
                                *ret_id_json = NULL;
                        return NULL;
                }
                if (!result && h->job_slot && *h->job_slot) {
                        /* A prompt started: answered by sg_host_prompt_done. */
                        char *id_json = id_to_json(id);
                        if (!id_json) {
                                sg_error_set(&err, SG_ERR_NOMEM, "out of memory");
                                return respond(id, NULL, &err, ret_id_json);
                        }
                        (*h->job_slot)->id_json = id_json;
                        if (ret_id_json)
                                *ret_id_json = NULL;
                        return NULL;
                }
                return respond(id, result, NULL, ret_id_json);
        }
        sg_error_set(&err, SG_ERR_UNKNOWN_OP, "unknown op \"%.*s\" (the version op lists the ops)", quote_len(name, 64),
                     name);
        return respond(id, NULL, &err, ret_id_json);
}

char *sg_host_dispatch_id(sg_host *h, const char *req, size_t len, char **ret_id_json) {
        json_object *obj = NULL;
        sg_error err;
        if (parse_request(req, len, &obj, &err))
                return respond(NULL, NULL, &err, ret_id_json);
        char *r = dispatch_object(h, obj, NULL, ret_id_json);
        json_object_put(obj);
        return r;
}

char *sg_host_dispatch(sg_host *h, const char *req, size_t len) {
        return sg_host_dispatch_id(h, req, len, NULL);
}

/* ---- chunked requests */

/* An error for a chunk: answered with the chunk's id; `abandon` drops the
 * request being reassembled. */
static char *chunk_error(sg_host *h, json_object *id, int abandon, char **ret_id_json, sg_err code, const char *fmt,
                         ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 6, 7)))
#endif
        ;

static char *chunk_error(sg_host *h, json_object *id, int abandon, char **ret_id_json, sg_err code, const char *fmt,
                         ...) {
        sg_error err;
        char msg[SG_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        sg_error_set(&err, code, "%s", msg);
        if (abandon)
                chunk_reset(h);
        return respond(id, NULL, &err, ret_id_json);
}

static int get_size(json_object *o, const char *key, size_t *ret) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return 0;
        int64_t n = json_object_get_int64(v);
        if (n < 0 || (uint64_t) n > SIZE_MAX)
                return 0;
        *ret = (size_t) n;
        return 1;
}

static char *handle_chunk(sg_host *h, json_object *frame, json_object *chunk, char **ret_id_json) {
        sg_error err;
        json_object *id;
        if (read_id(frame, &id, &err))
                return respond(NULL, NULL, &err, ret_id_json);

        size_t index, count;
        json_object *data;
        if (!json_object_is_type(chunk, json_type_object) || !get_size(chunk, "index", &index) ||
            !get_size(chunk, "count", &count) || count == 0 || index >= count)
                return chunk_error(h, id, 0, ret_id_json, SG_ERR_REQUEST,
                                   "chunk: expected {\"index\": i, \"count\": n} with 0 <= i < n");
        if (!json_object_object_get_ex(frame, "data", &data) || !json_object_is_type(data, json_type_string))
                return chunk_error(h, id, 0, ret_id_json, SG_ERR_REQUEST, "data: required, a base64 string");

        char *id_json = id_to_json(id);
        if (!id_json)
                return NULL;
        if (h->chunk_id_json && strcmp(id_json, h->chunk_id_json) != 0) {
                char *r = chunk_error(h, id, 0, ret_id_json, SG_ERR_REQUEST,
                                      "id: chunked request %.*s is still being reassembled; send one chunked "
                                      "request at a time",
                                      quote_len(h->chunk_id_json, 256), h->chunk_id_json);
                free(id_json);
                return r;
        }
        if (h->chunk_id_json && count != h->chunk_count) {
                free(id_json);
                return chunk_error(h, id, 1, ret_id_json, SG_ERR_REQUEST, "chunk.count: changed from %zu to %zu",
                                   h->chunk_count, count);
        }
        size_t want = h->chunk_id_json ? h->chunk_next : 0;
        if (index != want) {
                free(id_json);
                return chunk_error(h, id, 1, ret_id_json, SG_ERR_REQUEST, "chunk.index: expected %zu, got %zu", want,
                                   index);
        }
        if (!h->chunk_id_json) {
                h->chunk_id_json = id_json;
                h->chunk_count = count;
                h->chunk_next = 0;
        } else {
                free(id_json);
        }

        void *bytes = NULL;
        size_t n = 0;
        if (sg_base64_decode(json_object_get_string(data), (size_t) json_object_get_string_len(data), &bytes, &n,
                             &err)) {
                sg_error_prefix(&err, "data");
                chunk_reset(h);
                return respond(id, NULL, &err, ret_id_json);
        }
        if (n > SG_CHUNKED_IN_MAX - h->chunk_len) {
                free(bytes);
                return chunk_error(h, id, 1, ret_id_json, SG_ERR_LIMIT, "chunked request is over the limit of %u bytes",
                                   SG_CHUNKED_IN_MAX);
        }
        if (h->chunk_len + n + 1 > h->chunk_cap) {
                /* Grow geometrically: a 64 MiB request in 128 chunks must not
                 * copy the whole buffer for every chunk. */
                size_t cap = h->chunk_cap ? h->chunk_cap : 65536;
                while (cap < h->chunk_len + n + 1)
                        cap *= 2;
                if (cap > (size_t) SG_CHUNKED_IN_MAX + 1)
                        cap = (size_t) SG_CHUNKED_IN_MAX + 1;
                char *nb = realloc(h->chunk_buf, cap);
                if (!nb) {
                        free(bytes);
                        return chunk_error(h, id, 1, ret_id_json, SG_ERR_NOMEM, "out of memory reassembling chunks");
                }
                h->chunk_buf = nb;
                h->chunk_cap = cap;
        }
        char *b = h->chunk_buf;
        memcpy(b + h->chunk_len, bytes, n);
        free(bytes);
        h->chunk_len += n;
        h->chunk_buf[h->chunk_len] = '\0';
        h->chunk_next++;

        if (h->chunk_next < h->chunk_count) {
                if (ret_id_json)
                        *ret_id_json = NULL;
                return NULL;
        }

        /* Complete: the reassembled text is a request like any other, and its id
         * must be the chunks' id. */
        char *text = h->chunk_buf;
        size_t len = h->chunk_len;
        char *chunks_id = h->chunk_id_json;
        h->chunk_buf = NULL;
        h->chunk_id_json = NULL;
        chunk_reset(h);

        char *r;
        json_object *req = NULL;
        json_object *req_id;
        if (parse_request(text, len, &req, &err)) {
                r = respond(id, NULL, &err, ret_id_json);
        } else if (json_object_is_type(req, json_type_object) && read_id(req, &req_id, &err) == SG_OK) {
                char *rid = id_to_json(req_id);
                if (rid && strcmp(rid, chunks_id) != 0) {
                        sg_error_set(&err, SG_ERR_REQUEST,
                                     "id: the reassembled request's id %.*s is not the chunks' id", quote_len(rid, 200),
                                     rid);
                        r = respond(id, NULL, &err, ret_id_json);
                } else {
                        r = dispatch_object(h, req, id, ret_id_json);
                }
                free(rid);
        } else {
                r = dispatch_object(h, req, id, ret_id_json);
        }
        json_object_put(req);
        free(text);
        free(chunks_id);
        return r;
}

char *sg_host_response(const char *id_json, json_object *result) {
        json_object *id = json_tokener_parse(id_json ? id_json : "null");
        char *r = respond(id, result, NULL, NULL);
        json_object_put(id);
        return r;
}

char *sg_host_handle_frame_jobs(sg_host *h, const char *payload, size_t len, char **ret_id_json,
                                sg_prompt_job **ret_job, sg_keys_job **ret_keys) {
        sg_keys_job *keys = NULL;
        h->keys_slot = &keys;
        char *r = sg_host_handle_frame_job(h, payload, len, ret_id_json, ret_job);
        h->keys_slot = NULL;
        *ret_keys = keys;
        return r;
}

char *sg_host_handle_frame_job(sg_host *h, const char *payload, size_t len, char **ret_id_json,
                               sg_prompt_job **ret_job) {
        sg_prompt_job *job = NULL;
        h->job_slot = &job;
        char *r = sg_host_handle_frame(h, payload, len, ret_id_json);
        h->job_slot = NULL;
        *ret_job = job;
        return r;
}

char *sg_host_handle_frame(sg_host *h, const char *payload, size_t len, char **ret_id_json) {
        json_object *obj = NULL;
        sg_error err;
        if (ret_id_json)
                *ret_id_json = NULL;
        if (parse_request(payload, len, &obj, &err))
                return respond(NULL, NULL, &err, ret_id_json);
        json_object *chunk;
        char *r;
        if (json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, "chunk", &chunk))
                r = handle_chunk(h, obj, chunk, ret_id_json);
        else
                r = dispatch_object(h, obj, NULL, ret_id_json);
        json_object_put(obj);
        return r;
}
