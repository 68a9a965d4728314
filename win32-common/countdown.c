/* sealgate on Windows: the countdown before sending (countdown.h), a
 * TaskDialog (common controls v6, TaskDialogIndirect found at run time as in
 * prompt.c) with a one-second timer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <commctrl.h>

#include "countdown.h"
#include "disp.h"
#include "prompt.h"
#include "win32-module.h"

#define ID_SEND_NOW 1000
#define ID_BACK     1001

typedef HRESULT(WINAPI *task_dialog_fn)(const TASKDIALOGCONFIG *, int *, int *, BOOL *);

typedef struct cd_state {
        sg_lang lang;
        unsigned seconds;
        unsigned shown; /* the seconds left on the heading now */
        bool elapsed;
} cd_state;

static void heading(HWND h, cd_state *s, unsigned left) {
        char num[16];
        snprintf(num, sizeof num, "%u", left);
        char *t = sg_text_format_dup(s->lang, SG_T_COUNTDOWN_HEADING, num);
        wchar_t *w = t ? sg_wide_from_utf8(t) : NULL;
        if (w)
                SendMessageW(h, TDM_SET_ELEMENT_TEXT, TDE_MAIN_INSTRUCTION, (LPARAM) w);
        free(w);
        free(t);
        s->shown = left;
}

static HRESULT CALLBACK callback(HWND h, UINT n, WPARAM wp, LPARAM lp, LONG_PTR data) {
        cd_state *s = (cd_state *) data;
        (void) lp;
        switch (n) {
        case TDN_CREATED:
                SendMessageW(h, TDM_SET_PROGRESS_BAR_RANGE, 0, MAKELPARAM(0, s->seconds));
                break;
        case TDN_TIMER: {
                unsigned gone = (unsigned) (wp / 1000);
                if (gone >= s->seconds) {
                        s->elapsed = true;
                        PostMessageW(h, WM_CLOSE, 0, 0);
                        break;
                }
                SendMessageW(h, TDM_SET_PROGRESS_BAR_POS, gone, 0);
                if (s->seconds - gone != s->shown)
                        heading(h, s, s->seconds - gone);
                break;
        }
        default:
                break;
        }
        return S_OK;
}

#ifdef SG_TEST_HOOKS
/* Test builds only: SEALGATE_TEST_COUNTDOWN ("elapse", "back", "skip")
 * answers instead of the dialog; what would be shown is logged to
 * SEALGATE_TEST_UI_LOG. "skip" without Send now on offer is logged and
 * waits the time out. */
static bool scripted(unsigned seconds, bool skippable, sg_countdown_result *ret) {
        char want[32];
        wchar_t path[MAX_PATH];
        if (!GetEnvironmentVariableA("SEALGATE_TEST_COUNTDOWN", want, sizeof want))
                return false;
        FILE *f = GetEnvironmentVariableW(L"SEALGATE_TEST_UI_LOG", path, MAX_PATH) ? _wfopen(path, L"ab") : NULL;
        if (f) {
                fprintf(f, "countdown\t%u\tskippable=%d\n", seconds, skippable ? 1 : 0);
                if (strcmp(want, "skip") == 0 && !skippable)
                        fprintf(f, "countdown-absent\tsend now\n");
                fclose(f);
        }
        *ret = strcmp(want, "back") == 0 ? SG_COUNTDOWN_BACK : SG_COUNTDOWN_SEND;
        return true;
}
#endif

sg_countdown_result sg_countdown_run(sg_lang lang, HWND owner, unsigned seconds, bool skippable) {
        sg_countdown_result r = SG_COUNTDOWN_UNAVAILABLE;
        ULONG_PTR cookie = 0;
        cd_state s = {lang, seconds, 0, false};
#ifdef SG_TEST_HOOKS
        if (scripted(seconds, skippable, &r))
                return r;
#endif
        if (!owner)
                return r;
        wchar_t *title = sg_wide_from_utf8(sg_text_get(lang, SG_T_COUNTDOWN_TITLE));
        wchar_t *intro = sg_wide_from_utf8(sg_text_get(lang, SG_T_COUNTDOWN_INTRO));
        wchar_t *skip = sg_wide_from_utf8(sg_text_get(lang, SG_T_COUNTDOWN_SKIP));
        wchar_t *back = sg_wide_from_utf8(sg_text_get(lang, SG_T_MISSEND_BACK));
        char num[16];
        snprintf(num, sizeof num, "%u", seconds);
        char *h = sg_text_format_dup(lang, SG_T_COUNTDOWN_HEADING, num);
        wchar_t *wh = h ? sg_wide_from_utf8(h) : NULL;
        bool act = sg_actctx_push(&cookie);
        HMODULE cc = LoadLibraryW(L"comctl32.dll");
        task_dialog_fn fn = cc ? (task_dialog_fn) (void (*)(void)) GetProcAddress(cc, "TaskDialogIndirect") : NULL;
        if (fn && title && intro && skip && back && wh) {
                TASKDIALOG_BUTTON buttons[2];
                UINT n = 0;
                if (skippable)
                        buttons[n++] = (TASKDIALOG_BUTTON){ID_SEND_NOW, skip};
                buttons[n++] = (TASKDIALOG_BUTTON){ID_BACK, back};
                TASKDIALOGCONFIG c = {
                        .cbSize = sizeof c,
                        .hwndParent = owner,
                        .hInstance = sg_module,
                        .dwFlags = TDF_ALLOW_DIALOG_CANCELLATION | TDF_CALLBACK_TIMER | TDF_SHOW_PROGRESS_BAR |
                                   TDF_POSITION_RELATIVE_TO_WINDOW,
                        .pszWindowTitle = title,
                        .pszMainInstruction = wh,
                        .pszContent = intro,
                        .cButtons = n,
                        .pButtons = buttons,
                        .nDefaultButton = ID_BACK,
                        .pfCallback = callback,
                        .lpCallbackData = (LONG_PTR) &s,
                };
                int pressed = 0;
                s.shown = seconds;
                if (SUCCEEDED(fn(&c, &pressed, NULL, NULL)))
                        r = s.elapsed || pressed == ID_SEND_NOW ? SG_COUNTDOWN_SEND : SG_COUNTDOWN_BACK;
        }
        if (cc)
                FreeLibrary(cc);
        if (act)
                sg_actctx_pop(cookie);
        free(title);
        free(intro);
        free(skip);
        free(back);
        free(wh);
        free(h);
        return r;
}
