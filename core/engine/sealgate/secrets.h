/* sealgate: keeping secrets (passphrases, key material) out of core dumps,
 * swap and freed memory. One backend per platform fills it: secrets-posix.c
 * (prctl, setrlimit, mlock, explicit_bzero), secrets-win32.c (VirtualLock,
 * SecureZeroMemory). */
#ifndef SEALGATE_SECRETS_H
#define SEALGATE_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* For a process that will hold secrets: no core file (RLIMIT_CORE 0) and,
 * on Linux, not dumpable (PR_SET_DUMPABLE 0: no core, no ptrace attach by
 * the same user, /proc/PID/mem unreadable). Called once at start. false
 * when a step failed (the process goes on). */
bool sg_secrets_protect_process(void);

/* Keep `n` bytes at `p` out of swap, best effort (mlock; RLIMIT_MEMLOCK may
 * refuse it). false when not locked. */
bool sg_secret_lock(void *p, size_t n);

/* Overwrite `n` bytes at `p` with zeros in a way the compiler keeps. p may
 * be NULL. A locked page stays locked (unlocking it could unlock another
 * secret on the same page); the lock ends with the process. */
void sg_secret_wipe(void *p, size_t n);

/* Wipe the NUL-terminated string `s` and free() it. s may be NULL. */
void sg_secret_free_string(char *s);

#ifdef __cplusplus
}
#endif
#endif
