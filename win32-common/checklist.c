/* sealgate on Windows: the mis-send checklist dialog (checklist.h). A dialog
 * from an in-memory template (the dialog manager gives Tab, Space, Enter and
 * Escape), a list view with a check box per line and one group per domain
 * (and one for the attachments), sized in dialog units so it follows the
 * system font and the monitor's DPI. Texts come from the catalog
 * (SG_T_MISSEND_*). */
#define COBJMACROS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <commctrl.h>

#include "checklist.h"
#include "disp.h"
#include "prompt.h"
#include "sealgate/format.h"
#include "sealgate/util.h"
#include "win32-module.h"

#define IDC_LIST     100
#define IDC_HEADING  101
#define IDC_FROM     102
#define IDC_HINT     103
#define IDC_CHECKALL 104

/* The dialog's size in dialog units. */
#define DLG_W 320
#define DLG_H 230

typedef BOOL(WINAPI *init_fn)(const INITCOMMONCONTROLSEX *);

typedef struct cl_line {
        char *text;
        int group; /* index in groups */
} cl_line;

typedef struct cl_model {
        char **groups; /* headings */
        size_t n_groups;
        cl_line *lines;
        size_t n_lines;
        char *sender; /* show_sender: the "From:" line, or NULL */
        bool check_all;
} cl_model;

typedef struct cl_dialog {
        sg_lang lang;
        const cl_model *m;
        HWND list;
        bool ready; /* the lines are in: check-state changes count */
} cl_dialog;

static void model_clear(cl_model *m) {
        sg_strv_free(m->groups, m->n_groups);
        for (size_t i = 0; i < m->n_lines; i++)
                free(m->lines[i].text);
        free(m->lines);
        free(m->sender);
        memset(m, 0, sizeof(*m));
}

/* The group of heading `h` (taken), added when new; -1 on ENOMEM. */
static int group_of(cl_model *m, char *h) {
        if (!h)
                return -1;
        for (size_t i = 0; i < m->n_groups; i++)
                if (strcmp(m->groups[i], h) == 0) {
                        free(h);
                        return (int) i;
                }
        char **ng = realloc(m->groups, (m->n_groups + 1) * sizeof(*ng));
        if (!ng) {
                free(h);
                return -1;
        }
        m->groups = ng;
        m->groups[m->n_groups] = h;
        return (int) m->n_groups++;
}

static bool add_line(cl_model *m, int group, char *text) {
        if (group < 0 || !text) {
                free(text);
                return false;
        }
        cl_line *nl = realloc(m->lines, (m->n_lines + 1) * sizeof(*nl));
        if (!nl) {
                free(text);
                return false;
        }
        m->lines = nl;
        m->lines[m->n_lines].text = text;
        m->lines[m->n_lines].group = group;
        m->n_lines++;
        return true;
}

static char *join3(const char *a, const char *b, const char *c) {
        size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
        char *s = malloc(n);
        if (s)
                snprintf(s, n, "%s%s%s", a, b, c);
        return s;
}

/* The boxes of `d`: recipients to confirm by domain, in the decision's
 * order of first appearance, then the attachments. False on ENOMEM. */
static bool model_build(sg_lang lang, const sg_decision *d, cl_model *m) {
        memset(m, 0, sizeof(*m));
        m->check_all = d->allow_check_all;
        if (d->show_sender && d->sender)
                m->sender = sg_text_format_dup(lang, SG_T_MISSEND_FROM, d->sender);
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *r = &d->recipients[i];
                const sg_mailbox *mb = &r->mailbox;
                const char *dom = mb->domain ? mb->domain : "";
                if (!r->confirm)
                        continue;
                char *h = r->lookalike                  ? sg_text_format_dup(lang, SG_T_MISSEND_LOOKALIKE, dom)
                          : r->cls == SG_CLASS_EXTERNAL ? sg_text_format_dup(lang, SG_T_MISSEND_EXTERNAL, dom)
                                                        : sg_strdup(dom);
                const char *addr = mb->address ? mb->address : "";
                char *text = NULL;
                if (mb->display_name && *mb->display_name) {
                        char *s = join3(mb->display_name, " <", addr);
                        text = s ? join3(s, ">", "") : NULL;
                        free(s);
                } else {
                        text = sg_strdup(addr);
                }
                if (!add_line(m, group_of(m, h), text))
                        return false;
        }
        if (d->n_attachments) {
                int g = group_of(m, sg_strdup(sg_text_get(lang, SG_T_MISSEND_ATTACHMENTS)));
                for (size_t i = 0; i < d->n_attachments; i++) {
                        char size[SG_FORMAT_TEXT_SIZE];
                        sg_format_size(size, sizeof size, d->attachments[i].size,
                                       lang == SG_LANG_JA ? SG_FORMAT_JA : SG_FORMAT_EN);
                        char *s = join3(d->attachments[i].name ? d->attachments[i].name : "", " (", size);
                        char *text = s ? join3(s, ")", "") : NULL;
                        free(s);
                        if (!add_line(m, g, text))
                                return false;
                }
        }
        return true;
}

bool sg_checklist_needed(const sg_decision *d) {
        for (size_t i = 0; d && i < d->n_recipients; i++)
                if (d->recipients[i].confirm)
                        return true;
        return d && d->n_attachments > 0;
}

char *sg_checklist_content_dup(sg_lang lang, const sg_decision *d) {
        cl_model m;
        size_t len = 1;
        char *out;
        if (!model_build(lang, d, &m)) {
                model_clear(&m);
                return NULL;
        }
        if (m.sender)
                len += strlen(m.sender) + 1;
        for (size_t i = 0; i < m.n_lines; i++)
                len += strlen(m.lines[i].text) + strlen(m.groups[m.lines[i].group]) + 4;
        if ((out = malloc(len))) {
                out[0] = '\0';
                if (m.sender) {
                        strcat(out, m.sender);
                        strcat(out, "\n");
                }
                for (size_t i = 0; i < m.n_lines; i++) {
                        if (i == 0 || m.lines[i].group != m.lines[i - 1].group) {
                                strcat(out, "# ");
                                strcat(out, m.groups[m.lines[i].group]);
                                strcat(out, "\n");
                        }
                        strcat(out, m.lines[i].text);
                        strcat(out, "\n");
                }
        }
        model_clear(&m);
        return out;
}

/* ---- the dialog ---------------------------------------------------------- */

static size_t ticked(HWND list, size_t n) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                k += ListView_GetCheckState(list, (int) i) ? 1 : 0;
        return k;
}

static void update(HWND dlg, cl_dialog *c) {
        EnableWindow(GetDlgItem(dlg, IDOK), ticked(c->list, c->m->n_lines) == c->m->n_lines);
}

static HWND child(HWND dlg, const wchar_t *cls, const char *text, DWORD style, int id, RECT r) {
        wchar_t *w = sg_wide_from_utf8(text ? text : "");
        MapDialogRect(dlg, &r);
        HWND h = CreateWindowExW(0, cls, w ? w : L"", WS_CHILD | WS_VISIBLE | style, r.left, r.top, r.right - r.left,
                                 r.bottom - r.top, dlg, (HMENU) (INT_PTR) id, sg_module, NULL);
        free(w);
        if (h)
                SendMessageW(h, WM_SETFONT, SendMessageW(dlg, WM_GETFONT, 0, 0), TRUE);
        return h;
}

static void fill(HWND dlg, cl_dialog *c) {
        const cl_model *m = c->m;
        int y = 7;
        child(dlg, L"STATIC", sg_text_get(c->lang, SG_T_MISSEND_HEADING), SS_LEFT, IDC_HEADING,
              (RECT){7, y, DLG_W - 7, y + 10});
        y += 13;
        if (m->sender) {
                child(dlg, L"STATIC", m->sender, SS_LEFT | SS_NOPREFIX, IDC_FROM, (RECT){7, y, DLG_W - 7, y + 10});
                y += 13;
        }
        c->list = child(dlg, WC_LISTVIEWW, NULL,
                        WS_BORDER | WS_TABSTOP | LVS_REPORT | LVS_NOCOLUMNHEADER | LVS_SINGLESEL | LVS_SHOWSELALWAYS,
                        IDC_LIST, (RECT){7, y, DLG_W - 7, DLG_H - 44});
        child(dlg, L"STATIC", sg_text_get(c->lang, SG_T_MISSEND_HINT), SS_LEFT, IDC_HINT,
              (RECT){7, DLG_H - 40, DLG_W - 7, DLG_H - 28});
        int x = 7;
        if (m->check_all) {
                child(dlg, L"BUTTON", sg_text_get(c->lang, SG_T_MISSEND_CHECK_ALL), WS_TABSTOP | BS_PUSHBUTTON,
                      IDC_CHECKALL, (RECT){x, DLG_H - 21, x + 80, DLG_H - 7});
        }
        child(dlg, L"BUTTON", sg_text_get(c->lang, SG_T_MISSEND_CONTINUE), WS_TABSTOP | BS_DEFPUSHBUTTON, IDOK,
              (RECT){DLG_W - 7 - 80 - 4 - 80, DLG_H - 21, DLG_W - 7 - 80 - 4, DLG_H - 7});
        child(dlg, L"BUTTON", sg_text_get(c->lang, SG_T_MISSEND_BACK), WS_TABSTOP | BS_PUSHBUTTON, IDCANCEL,
              (RECT){DLG_W - 7 - 80, DLG_H - 21, DLG_W - 7, DLG_H - 7});
        if (!c->list)
                return;
        ListView_SetExtendedListViewStyle(c->list, LVS_EX_CHECKBOXES | LVS_EX_FULLROWSELECT);
        RECT lr;
        GetClientRect(c->list, &lr);
        LVCOLUMNW col = {.mask = LVCF_WIDTH, .cx = lr.right - lr.left - GetSystemMetrics(SM_CXVSCROLL)};
        ListView_InsertColumn(c->list, 0, &col);
        ListView_EnableGroupView(c->list, TRUE);
        for (size_t g = 0; g < m->n_groups; g++) {
                wchar_t *h = sg_wide_from_utf8(m->groups[g]);
                LVGROUP lg = {
                        .cbSize = sizeof lg, .mask = LVGF_HEADER | LVGF_GROUPID, .pszHeader = h, .iGroupId = (int) g};
                ListView_InsertGroup(c->list, -1, &lg);
                free(h);
        }
        for (size_t i = 0; i < m->n_lines; i++) {
                wchar_t *t = sg_wide_from_utf8(m->lines[i].text);
                LVITEMW it = {.mask = LVIF_TEXT | LVIF_GROUPID,
                              .iItem = (int) i,
                              .pszText = t ? t : L"",
                              .iGroupId = m->lines[i].group};
                SendMessageW(c->list, LVM_INSERTITEMW, 0, (LPARAM) &it);
                free(t);
        }
        ListView_SetItemState(c->list, 0, LVIS_FOCUSED | LVIS_SELECTED, LVIS_FOCUSED | LVIS_SELECTED);
        c->ready = true;
        update(dlg, c);
}

static INT_PTR CALLBACK dlg_proc(HWND dlg, UINT msg, WPARAM wp, LPARAM lp) {
        cl_dialog *c = (cl_dialog *) GetWindowLongPtrW(dlg, DWLP_USER);
        switch (msg) {
        case WM_INITDIALOG: {
                wchar_t *title;
                c = (cl_dialog *) lp;
                SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR) c);
                if ((title = sg_wide_from_utf8(sg_text_get(c->lang, SG_T_MISSEND_TITLE))))
                        SetWindowTextW(dlg, title);
                free(title);
                fill(dlg, c);
                if (c->list)
                        SetFocus(c->list);
                return FALSE; /* the focus is set */
        }
        case WM_NOTIFY: {
                const NMLISTVIEW *nm = (const NMLISTVIEW *) lp;
                if (c && c->ready && nm->hdr.idFrom == IDC_LIST && nm->hdr.code == LVN_ITEMCHANGED &&
                    (nm->uChanged & LVIF_STATE) && ((nm->uNewState ^ nm->uOldState) & LVIS_STATEIMAGEMASK))
                        update(dlg, c);
                return FALSE;
        }
        case WM_COMMAND:
                switch (LOWORD(wp)) {
                case IDC_CHECKALL:
                        for (size_t i = 0; c && i < c->m->n_lines; i++)
                                ListView_SetCheckState(c->list, (int) i, TRUE);
                        return TRUE;
                case IDOK:
                        /* Enter on the list: only with every box ticked. */
                        if (c && ticked(c->list, c->m->n_lines) == c->m->n_lines)
                                EndDialog(dlg, IDOK);
                        return TRUE;
                case IDCANCEL:
                        EndDialog(dlg, IDCANCEL);
                        return TRUE;
                }
                return FALSE;
        }
        return FALSE;
}

/* An empty dialog template (the controls are made in WM_INITDIALOG), with
 * the shell font, centred. */
static DLGTEMPLATE *template_new(void) {
        size_t size = sizeof(DLGTEMPLATE) + 3 * sizeof(WORD) + sizeof(WORD) + sizeof(L"MS Shell Dlg") + 8;
        BYTE *b = calloc(1, size);
        if (!b)
                return NULL;
        DLGTEMPLATE *t = (DLGTEMPLATE *) b;
        t->style = DS_MODALFRAME | DS_SETFONT | DS_CENTER | WS_POPUP | WS_CAPTION | WS_SYSMENU;
        t->cdit = 0;
        t->cx = DLG_W;
        t->cy = DLG_H;
        WORD *w = (WORD *) (t + 1);
        *w++ = 0; /* no menu */
        *w++ = 0; /* the dialog class */
        *w++ = 0; /* the title: set in WM_INITDIALOG */
        *w++ = 9; /* point size */
        memcpy(w, L"MS Shell Dlg", sizeof(L"MS Shell Dlg"));
        return t;
}

#ifdef SG_TEST_HOOKS
/* Test builds only: SEALGATE_TEST_CHECKLIST is a script of the user's
 * presses on the real dialog, made hidden: "tN" ticks box N, "a" presses
 * Check all, "c" Continue, "b" Back to editing, separated by spaces. Each
 * step is logged to SEALGATE_TEST_UI_LOG with the boxes ticked and whether
 * Continue is enabled; a press on a control that is absent or disabled is
 * logged and does nothing. Where no window can be made (Wine without a
 * display) the same rules run over the boxes' state, logged as "no window". */
static void cl_log(const char *what, const char *text) {
        wchar_t path[MAX_PATH];
        FILE *f;
        if (!GetEnvironmentVariableW(L"SEALGATE_TEST_UI_LOG", path, MAX_PATH) || !(f = _wfopen(path, L"ab")))
                return;
        fprintf(f, "%s\t", what);
        for (const char *p = text; p && *p; p++)
                fputc(*p == '\n' ? '|' : *p, f);
        fputc('\n', f);
        fclose(f);
}

/* The boxes' state: from the dialog's list view, or (no window can be made:
 * Wine without a display) the same rules over an array. */
typedef struct cl_script {
        HWND dlg;
        cl_dialog *c;
        bool *ticks; /* no window */
} cl_script;

static size_t script_ticked(const cl_script *s) {
        size_t k = 0;
        if (s->dlg)
                return ticked(s->c->list, s->c->m->n_lines);
        for (size_t i = 0; i < s->c->m->n_lines; i++)
                k += s->ticks[i];
        return k;
}

static bool script_can_continue(const cl_script *s) {
        return s->dlg ? IsWindowEnabled(GetDlgItem(s->dlg, IDOK)) != 0 : script_ticked(s) == s->c->m->n_lines;
}

static bool scripted(sg_lang lang, const sg_decision *d, DLGTEMPLATE *t, cl_dialog *c, bool *ret) {
        char script[1024], state[96];
        cl_script s = {NULL, c, NULL};
        if (!GetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", script, sizeof script))
                return false;
        char *content = sg_checklist_content_dup(lang, d);
        cl_log("checklist", content);
        free(content);
        *ret = false;
        s.dlg = CreateDialogIndirectParamW(sg_module, t, NULL, dlg_proc, (LPARAM) c);
        if (!s.dlg && !(s.ticks = calloc(c->m->n_lines, sizeof(*s.ticks)))) {
                cl_log("checklist-error", "out of memory");
                return true;
        }
        cl_log("checklist-mode", s.dlg ? "dialog" : "no window");
        bool has_all = s.dlg ? GetDlgItem(s.dlg, IDC_CHECKALL) != NULL : c->m->check_all;
        snprintf(state, sizeof state, "check_all=%d", has_all);
        cl_log("checklist-controls", state);
        for (char *tok = strtok(script, " "); tok; tok = strtok(NULL, " ")) {
                if (tok[0] == 't') {
                        size_t i = (size_t) atoi(tok + 1);
                        if (s.dlg) {
                                ListView_SetCheckState(c->list, (int) i, TRUE);
                        } else if (i < c->m->n_lines) {
                                s.ticks[i] = true;
                        }
                } else if (tok[0] == 'a') {
                        if (!has_all)
                                cl_log("checklist-absent", "check all");
                        else if (s.dlg)
                                SendMessageW(s.dlg, WM_COMMAND, IDC_CHECKALL, 0);
                        else
                                for (size_t i = 0; i < c->m->n_lines; i++)
                                        s.ticks[i] = true;
                } else if (tok[0] == 'c') {
                        if (script_can_continue(&s)) {
                                *ret = true;
                                break;
                        }
                        cl_log("checklist-disabled", "continue");
                } else if (tok[0] == 'b') {
                        break;
                }
                snprintf(state, sizeof state, "%u/%u continue=%d", (unsigned) script_ticked(&s),
                         (unsigned) c->m->n_lines, script_can_continue(&s) ? 1 : 0);
                cl_log("checklist-state", state);
        }
        cl_log("checklist-answer", *ret ? "continue" : "back");
        if (s.dlg)
                DestroyWindow(s.dlg);
        free(s.ticks);
        return true;
}
#endif

bool sg_checklist_ask(sg_lang lang, HWND owner, const sg_decision *d) {
        cl_model m;
        bool ok = false;
        ULONG_PTR cookie = 0;
        INITCOMMONCONTROLSEX icc = {sizeof icc, ICC_LISTVIEW_CLASSES};

        if (!model_build(lang, d, &m) || m.n_lines == 0 || m.n_lines > SG_CHECKLIST_ITEMS_MAX) {
                model_clear(&m);
                return false;
        }
        DLGTEMPLATE *t = template_new();
        cl_dialog c = {lang, &m, NULL, false};
        bool act = sg_actctx_push(&cookie);
        /* comctl32 v6 through the DLL's activation context, found at run time
         * (never imported: tests/win32/check-dll.sh). */
        HMODULE cc = LoadLibraryW(L"comctl32.dll");
        init_fn init = cc ? (init_fn) (void (*)(void)) GetProcAddress(cc, "InitCommonControlsEx") : NULL;
        if (init)
                init(&icc);
        if (t) {
#ifdef SG_TEST_HOOKS
                if (!scripted(lang, d, t, &c, &ok))
#endif
                        ok = DialogBoxIndirectParamW(sg_module, t, owner, dlg_proc, (LPARAM) &c) == IDOK;
        }
        if (cc)
                FreeLibrary(cc);
        if (act)
                sg_actctx_pop(cookie);
        free(t);
        model_clear(&m);
        return ok;
}
