/* sealgate: find a Thunderbird profile directory (profiles.ini, installs.ini)
 * so the NSS backend and keys.lookup can read its certificate database. */
#ifndef SEALGATE_TBPROFILE_H
#define SEALGATE_TBPROFILE_H

#include "sealgate/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_TBPROFILE_INI_MAX      (256 * 1024) /* profiles.ini or installs.ini */
#define SG_TBPROFILE_SECTIONS_MAX 256          /* [sections] in one of them */
#define SG_TBPROFILE_LINE_MAX     4096         /* one line */
#define SG_TBPROFILE_FDS_MAX      4096         /* open descriptors of a process examined */

/* The default profile under `base` (a directory holding profiles.ini, such
 * as ~/.thunderbird). In order: the Default= of an [Install...] section of
 * installs.ini, then of profiles.ini (the first one when several), then the
 * [Profile...] with Default=1, then the only profile. Path= is taken relative
 * to `base` when IsRelative=1. The directory must exist.
 * *ret_dir is owned (free()); untouched on failure. */
sg_err sg_tbprofile_find_in(const char *base, char **ret_dir, sg_error *err);

/* The default profile of the user whose home is `home` (NULL: $HOME):
 * `home`/.thunderbird, then `home`/.mozilla/thunderbird (Debian's older
 * layout). SG_ERR_PROFILE_NOT_FOUND when neither has a usable profile. */
sg_err sg_tbprofile_find_default(const char *home, char **ret_dir, sg_error *err);

/* The profile the running Thunderbird (or Firefox) process `pid` uses: on
 * Linux it holds its profile's `.parentlock` open, so the first link in
 * /proc/PID/fd naming a `.parentlock` (at most SG_TBPROFILE_FDS_MAX links
 * examined) gives the directory; it must look like a profile (prefs.js,
 * cert9.db, times.json or compatibility.ini in it). SG_ERR_PROFILE_NOT_FOUND
 * when the process holds none, or cannot be inspected (gone, another user's).
 * *ret_dir is owned (free()); untouched on failure. */
sg_err sg_tbprofile_find_for_pid(long pid, char **ret_dir, sg_error *err);

#ifdef __cplusplus
}
#endif
#endif
