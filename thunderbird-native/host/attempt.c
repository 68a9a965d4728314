/* sealgate-host: the decisions a connection remembers (attempts: the last
 * SG_HOST_ATTEMPTS_MAX policy.evaluate answers, kept for prompt.show) and
 * their audit records. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>

#include <bcrypt.h>
#else
#include <pwd.h>
#include <unistd.h>
#endif
#if defined(__linux__)
#include <sys/random.h>
#endif

#include "host-private.h"
#include "sealgate/audit-file.h"
#include "sealgate/audit-journal.h"
#include "sealgate/outcome.h"
#include "sealgate/util.h"

void _host_audit_prune(sg_host *h, const sg_audit_settings *s, int64_t now, int force) {
        if (!s || !s->enabled || s->retention_days == 0)
                return;
        char *dir = NULL;
        sg_error err;
        if (sg_audit_dir_resolve(s->directory, &dir, &err)) {
                _host_log(h, "audit: %s", err.message);
                return;
        }
        int64_t today = sg_audit_day_of(now);
        if (!force && h->pruned_dir && strcmp(h->pruned_dir, dir) == 0 && h->pruned_day == today) {
                free(dir);
                return;
        }
        size_t removed = 0;
        if (sg_audit_prune(dir, now, s->retention_days, &removed, &err))
                _host_log(h, "audit: %s", err.message);
        else if (removed)
                _host_log(h, "audit: deleted %zu file%s older than %u days from %s", removed, removed == 1 ? "" : "s",
                          s->retention_days, dir);
        free(h->pruned_dir);
        h->pruned_dir = dir;
        h->pruned_day = today;
}

/* The login name for the audit record, or NULL; looked up once (the
 * password database read costs more than the rest of a record). */
static const char *user_name(void) {
        static char *cached;
        static bool looked;
        if (looked)
                return cached;
        const char *u = getenv("USER");
        if (!u || !*u)
                u = getenv("LOGNAME");
#ifdef _WIN32
        if (!u || !*u)
                u = getenv("USERNAME");
#else
        if (!u || !*u) {
                struct passwd *pw = getpwuid(getuid());
                u = pw ? pw->pw_name : NULL;
        }
#endif
        cached = u ? sg_strdup(u) : NULL;
        looked = cached || !u;
        return cached;
}

static sg_err audit_write(sg_host *h, const struct attempt *a, const sg_choice *choice, const char *by,
                          const char *justification, sg_audit_outcome outcome, const char *prompt_error,
                          const sg_audit_applied *applied, int only_check, sg_error *err);

sg_err _host_audit_write(sg_host *h, const struct attempt *a, const sg_choice *choice, const char *by,
                         const char *justification, sg_audit_outcome outcome, const char *prompt_error, int only_check,
                         sg_error *err) {
        return audit_write(h, a, choice, by, justification, outcome, prompt_error, NULL, only_check, err);
}

sg_err _host_audit_write_applied(sg_host *h, const struct attempt *a, const sg_audit_applied *applied,
                                 sg_audit_outcome outcome, sg_error *err) {
        return audit_write(h, a, a->choice, a->by[0] ? a->by : NULL, NULL, outcome, NULL, applied, 0, err);
}

static sg_err audit_write(sg_host *h, const struct attempt *a, const sg_choice *choice, const char *by,
                          const char *justification, sg_audit_outcome outcome, const char *prompt_error,
                          const sg_audit_applied *applied, int only_check, sg_error *err) {
        if (!a->audit.enabled)
                return SG_OK;
        int64_t now = sg_audit_now_ms();
        char *dir = NULL, *line = NULL;
        size_t len = 0;
        sg_error e;
        sg_err r = sg_audit_dir_resolve(a->audit.directory, &dir, &e);
        if (!r && !only_check) {
                _host_audit_prune(h, &a->audit, now, 0);
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
                        .bcc = sg_outcome_bcc_word(a->d, outcome, a->bcc_declined),
                        .applied = applied,
                };
                r = sg_audit_format(&rec, &line, &len, &e);
        }
        if (!r && !h->audit_writer && !(h->audit_writer = sg_audit_writer_new()))
                r = sg_error_set(&e, SG_ERR_NOMEM, "out of memory");
        if (!r)
                r = sg_audit_writer_append(h->audit_writer, dir, now, line, only_check ? 0 : len, &e);
        if (!r && !only_check && a->audit.journal) {
                /* The journal copy (audit.journal) is for central collection:
                 * the local file above is the record, so a journal that
                 * cannot be reached is logged, never fails the attempt. */
                sg_error je;
                if (sg_audit_journal_send(line, len, &je))
                        _host_log(h, "audit record not sent to the system journal: %s", je.message);
        }
        free(dir);
        free(line);
        if (!r)
                return SG_OK;
        _host_log(h, "audit record %s: %s", only_check ? "cannot be written" : "not written", e.message);
        return sg_error_set(err, SG_ERR_AUDIT, "audit log: %s", e.message);
}

bool _host_random_attempt(char out[SG_HOST_ATTEMPT_LEN + 1]) {
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
#ifdef _WIN32
        if (BCryptGenRandom(NULL, raw, sizeof raw, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
                return false;
        got = sizeof raw;
#endif
        if (got < sizeof raw) {
#ifndef _WIN32
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
#endif
                if (got < sizeof raw)
                        return false;
        }
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < sizeof raw; i++) {
                out[2 * i] = hex[raw[i] >> 4];
                out[2 * i + 1] = hex[raw[i] & 15];
        }
        out[SG_HOST_ATTEMPT_LEN] = '\0';
        return true;
}

void _host_attempt_clear(struct attempt *a) {
        sg_decision_free(a->d);
        free(a->sender);
        free(a->audit_dir);
        free(a->subject);
        memset(a, 0, sizeof *a);
}

struct attempt *_host_attempt_find(sg_host *h, const char *id) {
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++)
                if (h->attempts[i].id[0] && strcmp(h->attempts[i].id, id) == 0)
                        return &h->attempts[i];
        return NULL;
}

struct attempt *_host_attempt_slot(sg_host *h) {
        struct attempt *oldest = NULL;
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++) {
                struct attempt *a = &h->attempts[i];
                if (!a->id[0])
                        return a;
                if (a->state != ATTEMPT_OPEN && (!oldest || a->seq < oldest->seq))
                        oldest = a;
        }
        /* SG_HOST_PROMPTS_MAX < SG_HOST_ATTEMPTS_MAX: never NULL. A prompt
         * decision never shown is recorded as abandoned first. */
        if (oldest && oldest->state == ATTEMPT_PENDING)
                _host_audit_write(h, oldest, NULL, NULL, NULL, SG_AUDIT_ABANDONED, NULL, 0, NULL);
        if (oldest)
                _host_attempt_clear(oldest);
        return oldest;
}

bool _host_attempt_copy_audit(struct attempt *a, const sg_audit_settings *s) {
        a->audit = *s;
        a->audit.directory = NULL;
        if (s->directory) {
                if (!(a->audit_dir = sg_strdup(s->directory)))
                        return false;
                a->audit.directory = a->audit_dir;
        }
        return true;
}

void sg_host_shutdown(sg_host *h) {
        for (size_t i = 0; i < SG_HOST_ATTEMPTS_MAX; i++) {
                struct attempt *a = &h->attempts[i];
                if (a->id[0] && a->state == ATTEMPT_PENDING) {
                        _host_audit_write(h, a, NULL, NULL, NULL, SG_AUDIT_ABANDONED, NULL, 0, NULL);
                        a->state = ATTEMPT_DONE;
                }
        }
}

const sg_decision *sg_host_prompt_decision(sg_host *h, const sg_prompt_job *job, const char **ret_subject) {
        struct attempt *a = _host_attempt_find(h, job->attempt);
        if (!a || a->state != ATTEMPT_OPEN)
                return NULL;
        if (ret_subject)
                *ret_subject = a->subject;
        return a->d;
}
