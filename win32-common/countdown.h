/* sealgate on Windows: the hold before sending (send.delay_seconds with
 * send.delay_mode "countdown", docs/admin/policy.md): a TaskDialog counting
 * down with a progress bar, Back to editing and, when the policy lets the
 * user skip it, Send now. The message stays where it is (ItemSend has not
 * returned) until the countdown ends. */
#ifndef SG_COUNTDOWN_H
#define SG_COUNTDOWN_H

#include <stdbool.h>

#include <windows.h>

#include "strings.h"

typedef enum sg_countdown_result {
        SG_COUNTDOWN_SEND = 0,    /* the time is up, or Send now */
        SG_COUNTDOWN_BACK,        /* Back to editing, Escape or the window closed */
        SG_COUNTDOWN_UNAVAILABLE, /* no dialog could be shown */
} sg_countdown_result;

sg_countdown_result sg_countdown_run(sg_lang lang, HWND owner, unsigned seconds, bool skippable);

#endif
