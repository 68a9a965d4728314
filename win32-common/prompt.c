/* sealgate Outlook add-in: the send prompt (see prompt.h).
 *
 * TaskDialogIndirect is looked up with GetProcAddress inside the DLL's own
 * activation context (manifest resource 2, common controls v6): Outlook's
 * context may differ, and a static import would fail to load on a system
 * with only common controls v5. Without it, a MessageBox asks instead.
 * The choices are radio buttons (one Tab stop, the arrow keys move), the
 * recommended one first and selected, "Send without encryption" last, each
 * with one line saying what happens; two buttons: the primary button, which
 * acts on the selected option and says what it does ("Encrypt and send",
 * with the access key S whatever is selected; the default while a
 * protective option is selected: Enter never sends in the clear), and "Back
 * to editing" (Escape). With more than SG_PROMPT_PROTECTIVE_SHOWN + 1
 * protective options, the recommended one and one alternative are shown and
 * a third button "Other ways to send (n)" shows the dialog again with every
 * option, the selection kept. The justification dialog offers the preset
 * reasons (the catalog's, shared with the GTK prompt) above the field:
 * choosing one fills the field, which stays editable. */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <commctrl.h>

#include "disp.h"
#include "prompt.h"
#include "sealgate/format.h"
#include "sealgate/outcome.h"
#include "sealgate/prompt-proto.h"
#include "sealgate/util.h"
#include "win32-module.h"

#define PRIMARY_ID          900  /* the one button that acts on the selected option */
#define OTHER_ID            901  /* "Other ways to send (n)": the dialog again with every option */
#define RADIO_ID_BASE       1000 /* + the choice's index in the decision */
#define DOMAINS_SHOWN_MAX   10
#define ADDRESSES_SHOWN_MAX 5
#define PROMPT_WIDTH_DLU    300
#define JUSTIFY_CHARS_MAX   SG_JUSTIFICATION_CHARS_MAX /* UTF-16 units: at most 750 bytes of UTF-8 (contract: 1..1000) */
#define ID_JUSTIFY_TEXT     101
#define ID_JUSTIFY_EDIT     102
#define ID_JUSTIFY_LABEL    108 /* "Reason:", right before the field: its name for a screen reader */
#define ID_PRESET_BASE      103 /* + the preset's index: the preset reasons, then "Other" */
#define PRESETS             3   /* before "Other" */

typedef HRESULT(WINAPI *task_dialog_fn)(const TASKDIALOGCONFIG *, int *, int *, BOOL *);

/* ---- text building ------------------------------------------------------ */

typedef struct buf {
        char *s;
        size_t n, cap;
        bool oom;
} buf;

static void put(buf *b, const char *s) {
        size_t l = s ? strlen(s) : 0;
        if (b->oom || !l)
                return;
        if (b->n + l + 1 > b->cap) {
                size_t c = (b->n + l + 1) * 2;
                char *ns = realloc(b->s, c);
                if (!ns) {
                        b->oom = true;
                        return;
                }
                b->s = ns;
                b->cap = c;
        }
        memcpy(b->s + b->n, s, l + 1);
        b->n += l;
}

static void put_take(buf *b, char *s) {
        if (!s)
                b->oom = true;
        put(b, s);
        free(s);
}

static char *done(buf *b) {
        if (b->oom || !b->s) {
                free(b->s);
                return b->oom ? NULL : sg_strdup("");
        }
        return b->s;
}

static bool is_unresolved(const sg_recipient *r) {
        return sg_domain_is_unresolved(r->mailbox.domain_ascii);
}

char *sg_prompt_content_dup(const sg_prompt_input *in) {
        const sg_decision *d = in->decision;
        buf b = {0};
        char num[32];
        size_t shown_domains = 0, more_domains = 0;

        if (in->subject && *in->subject) {
                put_take(&b, sg_text_format_dup(in->lang, SG_T_PROMPT_SUBJECT, in->subject));
                put(&b, "\n\n");
        }
        put(&b, sg_text_get(in->lang, SG_T_PROMPT_RECIPIENTS));
        put(&b, "\n");
        /* External recipients grouped by domain, in order of first appearance. */
        for (size_t i = 0; i < d->n_recipients; i++) {
                const sg_recipient *r = &d->recipients[i];
                size_t shown = 0, more = 0;
                bool seen = false;
                if (r->cls != SG_CLASS_EXTERNAL || is_unresolved(r))
                        continue;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = d->recipients[j].cls == SG_CLASS_EXTERNAL &&
                               strcmp(d->recipients[j].mailbox.domain_ascii, r->mailbox.domain_ascii) == 0;
                if (seen)
                        continue;
                if (shown_domains == DOMAINS_SHOWN_MAX) {
                        more_domains++;
                        continue;
                }
                shown_domains++;
                put(&b, "  ");
                put(&b, r->mailbox.domain);
                put(&b, ": ");
                for (size_t j = i; j < d->n_recipients; j++) {
                        const sg_recipient *o = &d->recipients[j];
                        bool dup = false;
                        if (o->cls != SG_CLASS_EXTERNAL ||
                            strcmp(o->mailbox.domain_ascii, r->mailbox.domain_ascii) != 0)
                                continue;
                        for (size_t k = i; k < j && !dup; k++)
                                dup = strcmp(d->recipients[k].mailbox.address, o->mailbox.address) == 0;
                        if (dup)
                                continue;
                        if (shown == ADDRESSES_SHOWN_MAX) {
                                more++;
                                continue;
                        }
                        if (shown++)
                                put(&b, ", ");
                        put(&b, o->mailbox.local);
                        put(&b, "@");
                        put(&b, o->mailbox.domain);
                }
                if (more) {
                        snprintf(num, sizeof(num), "%u", (unsigned) more);
                        put(&b, " ");
                        put_take(&b, sg_text_format_dup(in->lang, SG_T_PROMPT_MORE, num));
                }
                put(&b, "\n");
        }
        if (more_domains) {
                snprintf(num, sizeof(num), "%u", (unsigned) more_domains);
                put(&b, "  ");
                put_take(&b, sg_text_format_dup(in->lang, SG_T_PROMPT_MORE, num));
                put(&b, "\n");
        }
        if (in->n_unresolved) {
                buf names = {0};
                for (size_t i = 0; i < in->n_unresolved; i++) {
                        if (i)
                                put(&names, ", ");
                        put(&names, in->unresolved[i]);
                }
                put(&b, "  ");
                put_take(&b, sg_text_format_dup(in->lang, SG_T_PROMPT_LISTS, names.s ? names.s : ""));
                put(&b, "\n");
                free(names.s);
        }
        put(&b, "\n");
        if (in->why) {
                put(&b, in->why);
                put(&b, "\n\n");
        }
        put(&b, sg_text_get(in->lang, SG_T_PROMPT_REASONS));
        put(&b, "\n");
        for (size_t i = 0; i < d->n_reasons; i++) {
                if (d->reasons[i].action == SG_ACTION_ALLOW)
                        continue;
                put(&b, "\xE2\x80\xA2 "); /* bullet */
                put_take(&b, sg_reason_text_dup(in->lang, &d->reasons[i]));
                put(&b, "\n");
        }
        if (b.n && b.s[b.n - 1] == '\n')
                b.s[--b.n] = '\0';
        return done(&b);
}

/* The routes the prompts name in their own words when the policy gives no
 * label (the GTK prompt's prompt-model.c has the same four). */
static const struct {
        const char *route;
        sg_text label, description;
} builtin_routes[] = {
        {"portal", SG_T_BUTTON_PORTAL, SG_T_CHOICE_DESC_PORTAL},
        {"smime", SG_T_BUTTON_SMIME, SG_T_CHOICE_DESC_SMIME},
        {"pgp", SG_T_BUTTON_PGP, SG_T_CHOICE_DESC_PGP},
        {"zip", SG_T_BUTTON_ZIP, SG_T_CHOICE_DESC_ZIP},
};

char *sg_choice_label_dup(sg_lang lang, const sg_choice *c) {
        switch (c->kind) {
        case SG_CHOICE_ENCRYPT:
                return sg_strdup(sg_text_get(lang, SG_T_BUTTON_ENCRYPT));
        case SG_CHOICE_ROUTE:
                if (c->label_en && c->label_ja) { /* the policy's words for the route (routes.NAME.label) */
                        const char *l = lang == SG_LANG_JA ? c->label_ja : c->label_en;
                        size_t n = 1;
                        for (const char *p = l; *p; p++)
                                n += *p == '&' ? 2 : 1;
                        char *out = malloc(n), *o = out;
                        for (const char *p = l; out && *p; p++) /* "&" is no access key */
                                if ((*o++ = *p) == '&')
                                        *o++ = '&';
                        if (out)
                                *o = '\0';
                        return out;
                }
                /* The built-in words for the usual routes; any other without a
                 * label is "the mail gateway": a route's name is no word for users. */
                for (size_t i = 0; i < sizeof(builtin_routes) / sizeof(builtin_routes[0]); i++)
                        if (strcmp(c->route, builtin_routes[i].route) == 0)
                                return sg_strdup(sg_text_get(lang, builtin_routes[i].label));
                return sg_strdup(sg_text_get(lang, SG_T_BUTTON_ROUTE));
        case SG_CHOICE_SEND:
                return sg_strdup(sg_text_get(lang, SG_T_BUTTON_SEND));
        default:
                return sg_strdup(sg_text_get(lang, SG_T_BUTTON_CANCEL));
        }
}

char *sg_choice_description_dup(sg_lang lang, const sg_choice *c, bool require_justification) {
        switch (c->kind) {
        case SG_CHOICE_ENCRYPT:
                return sg_strdup(sg_text_get(lang, SG_T_CHOICE_DESC_ENCRYPT));
        case SG_CHOICE_SEND:
                return sg_strdup(sg_text_get(lang, require_justification ? SG_T_CHOICE_DESC_SEND_JUSTIFY
                                                                         : SG_T_CHOICE_DESC_SEND));
        case SG_CHOICE_ROUTE:
                for (size_t i = 0; i < sizeof(builtin_routes) / sizeof(builtin_routes[0]); i++)
                        if (strcmp(c->route, builtin_routes[i].route) == 0)
                                return sg_strdup(sg_text_get(lang, builtin_routes[i].description));
                if (c->label_en && c->label_ja)
                        return sg_text_format_dup(lang, SG_T_CHOICE_DESC_ROUTE,
                                                  lang == SG_LANG_JA ? c->label_ja : c->label_en);
                return sg_strdup(sg_text_get(lang, SG_T_CHOICE_DESC_GATEWAY));
        default:
                return sg_strdup(sg_text_get(lang, SG_T_CHOICE_DESC_CANCEL));
        }
}

/* ---- activation context ------------------------------------------------- */

static HANDLE actctx = INVALID_HANDLE_VALUE;

bool sg_actctx_push(ULONG_PTR *cookie) {
        if (actctx == INVALID_HANDLE_VALUE) {
                wchar_t path[MAX_PATH];
                ACTCTXW ac;
                memset(&ac, 0, sizeof(ac));
                ac.cbSize = sizeof(ac);
                if (!GetModuleFileNameW(sg_module, path, MAX_PATH))
                        return false;
                ac.dwFlags = ACTCTX_FLAG_HMODULE_VALID | ACTCTX_FLAG_RESOURCE_NAME_VALID;
                ac.hModule = sg_module;
                ac.lpResourceName = MAKEINTRESOURCEW(2);
                ac.lpSource = path;
                actctx = CreateActCtxW(&ac);
                if (actctx == INVALID_HANDLE_VALUE)
                        return false;
        }
        return ActivateActCtx(actctx, cookie);
}

void sg_actctx_pop(ULONG_PTR cookie) {
        DeactivateActCtx(0, cookie);
}

/* ---- test hook ---------------------------------------------------------- */

/* rules.convert_to_bcc "ask" with recipients to move: the dialog offers
 * to keep them (the verification check box). */
static bool asks_bcc(const sg_decision *d) {
        const char *w = sg_outcome_bcc_word(d, SG_AUDIT_SENT, true);
        return w && strcmp(w, "kept") == 0;
}

#ifdef SG_TEST_HOOKS
/* Test builds only (sealgate-outlook-test.dll): SEALGATE_TEST_UI_LOG names a
 * file that gets every prompt and message text instead of a window, and
 * SEALGATE_TEST_PROMPT_CHOICE ("route:portal", "send:<justification>", ...)
 * answers the prompt. */
static bool test_log(const char *what, const char *title, const char *text) {
        wchar_t path[MAX_PATH];
        FILE *f;
        if (!GetEnvironmentVariableW(L"SEALGATE_TEST_UI_LOG", path, MAX_PATH))
                return false;
        f = _wfopen(path, L"ab");
        if (f) {
                fprintf(f, "%s\t%s\t", what, title ? title : "");
                for (const char *c = text; c && *c; c++)
                        fputc(*c == '\n' ? '|' : *c, f);
                fputc('\n', f);
                fclose(f);
        }
        return true;
}

static bool test_answer(const sg_prompt_input *in, sg_prompt_answer *ret) {
        char want[1100], *content;
        const char *just = NULL;
        if (!GetEnvironmentVariableA("SEALGATE_TEST_PROMPT_CHOICE", want, sizeof(want)))
                return false;
        content = sg_prompt_content_dup(in);
        test_log("prompt", sg_text_get(in->lang, SG_T_PROMPT_TITLE), content);
        free(content);
        {
                char ids[1024] = "";
                for (size_t i = 0; i < in->decision->n_choices; i++) {
                        char id[SG_CHOICE_ID_SIZE];
                        if (strlen(ids) + SG_CHOICE_ID_SIZE + 2 < sizeof(ids)) {
                                strcat(ids, i ? " " : "");
                                strcat(ids, sg_choice_id(&in->decision->choices[i], id));
                        }
                }
                test_log("choices", NULL, ids);
        }
        if (asks_bcc(in->decision))
                test_log("keep", NULL, sg_text_get(in->lang, SG_T_MISSEND_BCC_KEEP));
        if (strncmp(want, "send:", 5) == 0) {
                just = want + 5;
                want[4] = '\0';
        }
        if (sg_prompt_scripted_answer(in->decision, want, just, ret))
                return true;
        /* A choice that is not offered: the user closes the prompt. */
        test_log("unavailable", NULL, want);
        return sg_prompt_scripted_answer(in->decision, "@close", NULL, ret);
}
#endif

/* ---- justification dialog ----------------------------------------------- */

typedef struct justify_ctx {
        sg_lang lang;
        char *text; /* the answer, owned */
} justify_ctx;

static void set_text(HWND w, const char *utf8) {
        wchar_t *t = sg_wide_from_utf8(utf8);
        if (t)
                SetWindowTextW(w, t);
        free(t);
}

static bool blank(const wchar_t *s) {
        for (; *s; s++)
                if (!iswspace(*s))
                        return false;
        return true;
}

/* The preset reasons (the catalog's usual reasons, shared with the GTK
 * prompt), then "Other". */
static const sg_text presets[PRESETS + 1] = {SG_T_JUSTIFY_PRESET_PARTNER, SG_T_JUSTIFY_PRESET_CANNOT_RECEIVE,
                                             SG_T_JUSTIFY_PRESET_PUBLIC, SG_T_JUSTIFY_PRESET_OTHER};

/* A preset chosen: its words go into the entry, which stays editable;
 * "Other" empties it if it held a preset's words. What is sent is the
 * entry's text, so "Send without encryption" stays disabled without one. */
static void preset_chosen(HWND dlg, const justify_ctx *ctx, size_t i) {
        if (i < PRESETS) {
                set_text(GetDlgItem(dlg, ID_JUSTIFY_EDIT), sg_text_get(ctx->lang, presets[i]));
                return;
        }
        wchar_t t[JUSTIFY_CHARS_MAX + 1];
        GetDlgItemTextW(dlg, ID_JUSTIFY_EDIT, t, JUSTIFY_CHARS_MAX + 1);
        char *now = sg_utf8_from_wide(t, -1, NULL);
        for (size_t k = 0; now && k < PRESETS; k++)
                if (strcmp(now, sg_text_get(ctx->lang, presets[k])) == 0)
                        SetDlgItemTextW(dlg, ID_JUSTIFY_EDIT, L"");
        free(now);
}

static INT_PTR CALLBACK justify_proc(HWND dlg, UINT msg, WPARAM wp, LPARAM lp) {
        justify_ctx *ctx = (justify_ctx *) GetWindowLongPtrW(dlg, DWLP_USER);
        switch (msg) {
        case WM_INITDIALOG:
                ctx = (justify_ctx *) lp;
                SetWindowLongPtrW(dlg, DWLP_USER, (LONG_PTR) ctx);
                set_text(dlg, sg_text_get(ctx->lang, SG_T_JUSTIFY_TITLE));
                set_text(GetDlgItem(dlg, ID_JUSTIFY_TEXT), sg_text_get(ctx->lang, SG_T_JUSTIFY_TEXT));
                for (size_t i = 0; i <= PRESETS; i++)
                        set_text(GetDlgItem(dlg, ID_PRESET_BASE + (int) i), sg_text_get(ctx->lang, presets[i]));
                set_text(GetDlgItem(dlg, ID_JUSTIFY_LABEL), sg_text_get(ctx->lang, SG_T_JUSTIFY_REASON));
                set_text(GetDlgItem(dlg, IDOK), sg_text_get(ctx->lang, SG_T_JUSTIFY_OK));
                set_text(GetDlgItem(dlg, IDCANCEL), sg_text_get(ctx->lang, SG_T_JUSTIFY_BACK));
                SendDlgItemMessageW(dlg, ID_JUSTIFY_EDIT, EM_LIMITTEXT, JUSTIFY_CHARS_MAX, 0);
                EnableWindow(GetDlgItem(dlg, IDOK), FALSE);
                SetFocus(GetDlgItem(dlg, ID_PRESET_BASE)); /* the presets first: the quick way */
                return FALSE;
        case WM_COMMAND:
                if (LOWORD(wp) >= ID_PRESET_BASE && LOWORD(wp) <= ID_PRESET_BASE + PRESETS &&
                    HIWORD(wp) == BN_CLICKED) {
                        if (IsDlgButtonChecked(dlg, LOWORD(wp)) == BST_CHECKED)
                                preset_chosen(dlg, ctx, (size_t) (LOWORD(wp) - ID_PRESET_BASE));
                        return TRUE;
                }
                if (LOWORD(wp) == ID_JUSTIFY_EDIT && HIWORD(wp) == EN_CHANGE) {
                        wchar_t t[JUSTIFY_CHARS_MAX + 1];
                        GetDlgItemTextW(dlg, ID_JUSTIFY_EDIT, t, JUSTIFY_CHARS_MAX + 1);
                        EnableWindow(GetDlgItem(dlg, IDOK), !blank(t));
                        return TRUE;
                }
                if (LOWORD(wp) == IDOK) {
                        wchar_t t[JUSTIFY_CHARS_MAX + 1], *s = t, *e;
                        GetDlgItemTextW(dlg, ID_JUSTIFY_EDIT, t, JUSTIFY_CHARS_MAX + 1);
                        while (iswspace(*s))
                                s++;
                        e = s + wcslen(s);
                        while (e > s && iswspace(e[-1]))
                                *--e = L'\0';
                        if (!*s)
                                return TRUE;
                        ctx->text = sg_utf8_from_wide(s, -1, NULL);
                        EndDialog(dlg, IDOK);
                        return TRUE;
                }
                if (LOWORD(wp) == IDCANCEL) {
                        EndDialog(dlg, IDCANCEL);
                        return TRUE;
                }
                break;
        default:
                break;
        }
        return FALSE;
}

/* An in-memory dialog template: no .rc dialog to translate, the texts are
 * set at WM_INITDIALOG from the string table. */
typedef struct tmpl {
        WORD *p;
        WORD mem[768];
} tmpl;

static void t_word(tmpl *t, WORD w) {
        *t->p++ = w;
}

static void t_str(tmpl *t, const wchar_t *s) {
        do
                t_word(t, *s);
        while (*s++);
}

static void t_align(tmpl *t) {
        if (((ULONG_PTR) t->p) & 3)
                t->p++;
}

static void t_item(tmpl *t, DWORD style, short x, short y, short cx, short cy, WORD id, WORD cls) {
        DLGITEMTEMPLATE it = {style | WS_CHILD | WS_VISIBLE, 0, x, y, cx, cy, id};
        t_align(t);
        memcpy(t->p, &it, sizeof(it));
        t->p += sizeof(it) / sizeof(WORD);
        t_word(t, 0xFFFF);
        t_word(t, cls);
        t_word(t, 0); /* no text: set at WM_INITDIALOG */
        t_word(t, 0); /* no creation data */
}

static bool ask_justification(HWND owner, sg_lang lang, char **ret) {
        tmpl *t = calloc(1, sizeof(*t));
        DLGTEMPLATE dt = {WS_POPUP | WS_CAPTION | WS_SYSMENU | DS_MODALFRAME | DS_SETFONT | DS_CENTER,
                          0,
                          5 + PRESETS + 1,
                          0,
                          0,
                          260,
                          86 + 12 * (PRESETS + 1)};
        short y = 36;
        justify_ctx ctx = {lang, NULL};
        INT_PTR r;

        if (!t)
                return false;
        t->p = t->mem;
        memcpy(t->p, &dt, sizeof(dt));
        t->p += sizeof(dt) / sizeof(WORD);
        t_word(t, 0); /* menu */
        t_word(t, 0); /* class */
        t_word(t, 0); /* title: set later */
        t_word(t, 9);
        t_str(t, L"MS Shell Dlg");
        t_item(t, SS_LEFT, 7, 7, 246, 26, ID_JUSTIFY_TEXT, 0x0082);
        /* the presets: one group, one Tab stop, the arrow keys choose */
        for (int i = 0; i <= PRESETS; i++, y += 12)
                t_item(t, BS_AUTORADIOBUTTON | (i ? 0 : WS_GROUP | WS_TABSTOP), 7, y, 246, 11, ID_PRESET_BASE + i,
                       0x0080);
        t_item(t, SS_LEFT | WS_GROUP, 7, y + 4, 44, 10, ID_JUSTIFY_LABEL, 0x0082);
        t_item(t, ES_AUTOHSCROLL | WS_BORDER | WS_TABSTOP | WS_GROUP, 53, y + 2, 200, 14, ID_JUSTIFY_EDIT, 0x0081);
        t_item(t, BS_DEFPUSHBUTTON | WS_TABSTOP, 142, y + 26, 54, 16, IDOK, 0x0080);
        t_item(t, BS_PUSHBUTTON | WS_TABSTOP, 199, y + 26, 54, 16, IDCANCEL, 0x0080);
        r = DialogBoxIndirectParamW(sg_module, (DLGTEMPLATE *) t->mem, owner, justify_proc, (LPARAM) &ctx);
        free(t);
        if (r != IDOK || !ctx.text) {
                free(ctx.text);
                return false;
        }
        *ret = ctx.text;
        return true;
}

/* ---- the TaskDialog ----------------------------------------------------- */

typedef struct td_ctx {
        const sg_decision *d;
        unsigned timeout_ms;
        bool timed_out;
        bool escape;       /* "Back to editing" came from the Escape key */
        int selected;      /* the selected option's RADIO_ID_BASE + index */
        wchar_t **primary; /* per choice index: the primary button's words for it, or NULL */
} td_ctx;

/* The primary button's words for option `c`: the option's label ("暗号化して
 * 送信"), its own access key taken out, with the primary button's key (the
 * catalog's "&Send": S) put in, so the key that presses the button stays
 * the same whatever is selected and never equals an option's. */
static char *primary_label(sg_lang lang, const sg_choice *c) {
        char *label = sg_choice_label_dup(lang, c);
        const char *p = strchr(sg_text_get(lang, SG_T_BUTTON_PRIMARY), '&');
        char key = p && p[1] ? p[1] : 'S';
        if (!label)
                return NULL;
        size_t n = strlen(label);
        if (n >= 4 && label[n - 4] == '(' && label[n - 3] == '&' && label[n - 1] == ')')
                label[n -= 4] = '\0'; /* "暗号化して送信(&E)" */
        char *o = label;
        for (const char *q = label; *q; q++) { /* "&Encrypt and send": the '&' goes; "&&" stays */
                if (q[0] == '&' && q[1] == '&')
                        *o++ = *q++;
                else if (q[0] == '&')
                        continue;
                *o++ = *q;
        }
        *o = '\0';
        buf b = {0};
        const char *at = NULL;
        for (const char *q = label; lang != SG_LANG_JA && *q && !at; q++)
                if ((*q | 0x20) == (key | 0x20) && (q == label || q[-1] != '&'))
                        at = q;
        char tail[8];
        if (at) { /* "Encrypt and &send" */
                char *head = sg_strndup(label, (size_t) (at - label));
                put_take(&b, head);
                put(&b, "&");
                put(&b, at);
        } else { /* "暗号化して送信(&S)", "Partner A gateway (&S)" */
                snprintf(tail, sizeof(tail), "%s(&%c)", lang == SG_LANG_JA ? "" : " ", key);
                put(&b, label);
                put(&b, tail);
        }
        free(label);
        return done(&b);
}

static BOOL CALLBACK find_primary(HWND w, LPARAM data) {
        if (GetDlgCtrlID(w) != PRIMARY_ID)
                return TRUE;
        *(HWND *) data = w;
        return FALSE;
}

/* The primary button follows the selection: its text is the selected option's. */
static void update_primary(HWND dialog, const td_ctx *ctx) {
        HWND button = NULL;
        size_t i = (size_t) (ctx->selected - RADIO_ID_BASE);
        if (ctx->selected < RADIO_ID_BASE || i >= ctx->d->n_choices || !ctx->primary[i])
                return;
        EnumChildWindows(dialog, find_primary, (LPARAM) &button);
        if (button)
                SetWindowTextW(button, ctx->primary[i]);
}

static bool protective(const sg_choice *c) {
        return c->kind == SG_CHOICE_ENCRYPT || c->kind == SG_CHOICE_ROUTE;
}

static HRESULT CALLBACK td_callback(HWND w, UINT msg, WPARAM wp, LPARAM lp, LONG_PTR data) {
        td_ctx *ctx = (td_ctx *) data;
        if (msg == TDN_TIMER && ctx->timeout_ms && (unsigned) wp >= ctx->timeout_ms && !ctx->timed_out) {
                ctx->timed_out = true;
                SendMessageW(w, TDM_CLICK_BUTTON, IDCANCEL, 0);
        }
        if (msg == TDN_RADIO_BUTTON_CLICKED)
                ctx->selected = (int) wp;
        if (msg == TDN_CREATED || msg == TDN_RADIO_BUTTON_CLICKED)
                update_primary(w, ctx);
        if (msg == TDN_BUTTON_CLICKED && wp == IDCANCEL)
                ctx->escape = GetKeyState(VK_ESCAPE) < 0;
        /* Enter never sends in the clear: with "Send without encryption"
         * selected, the Enter key on "Send" is refused (S_FALSE keeps the
         * dialog open); a click, Space or the access key still press it. */
        if (msg == TDN_BUTTON_CLICKED && wp == PRIMARY_ID && ctx->selected >= RADIO_ID_BASE &&
            (size_t) (ctx->selected - RADIO_ID_BASE) < ctx->d->n_choices &&
            !protective(&ctx->d->choices[ctx->selected - RADIO_ID_BASE]) && GetKeyState(VK_RETURN) < 0)
                return S_FALSE;
        return S_OK;
}

static size_t cancel_index(const sg_decision *d) {
        for (size_t i = 0; i < d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_CANCEL)
                        return i;
        return d->prompt_fallback;
}

/* The recommended choice: the decision's, else the first protective one;
 * d->n_choices when none protects. */
static size_t recommended_index(const sg_decision *d) {
        if (d->prompt_recommended < d->n_choices && protective(&d->choices[d->prompt_recommended]))
                return d->prompt_recommended;
        for (size_t i = 0; i < d->n_choices; i++)
                if (protective(&d->choices[i]))
                        return i;
        return d->n_choices;
}

/* "Encrypt and send (recommended)": the marker goes before an access key
 * at the end ("暗号化して送信（推奨）(&E)"). Takes `label`. */
static char *recommended_label(sg_lang lang, char *label) {
        size_t n = label ? strlen(label) : 0;
        bool key = n >= 4 && label[n - 4] == '(' && label[n - 3] == '&' && label[n - 1] == ')';
        char tail[5] = "";
        if (!label)
                return NULL;
        if (key) {
                memcpy(tail, label + n - 4, 5);
                label[n - 4] = '\0';
        }
        char *marked = sg_text_format_dup(lang, SG_T_RECOMMENDED, label);
        buf b = {0};
        put_take(&b, marked);
        put(&b, tail);
        free(label);
        return done(&b);
}

/* An option's text: its label and, on a second line, what happens. */
static char *option_text(sg_lang lang, const sg_choice *c, bool recommended, bool require_justification) {
        char *label = sg_choice_label_dup(lang, c);
        if (recommended)
                label = recommended_label(lang, label);
        buf b = {0};
        put_take(&b, label);
        put(&b, "\n");
        put_take(&b, sg_choice_description_dup(lang, c, require_justification));
        return done(&b);
}

/* Returns false when no dialog could be shown. */
static bool task_dialog(const sg_prompt_input *in, task_dialog_fn fn, sg_prompt_answer *ret) {
        const sg_decision *d = in->decision;
        size_t n = d->n_choices ? d->n_choices : 1;
        TASKDIALOG_BUTTON *radios = calloc(n, sizeof(*radios));
        TASKDIALOG_BUTTON *folded = calloc(n, sizeof(*folded)); /* without the further routes */
        TASKDIALOG_BUTTON buttons[3];
        wchar_t *wother = NULL;
        wchar_t **labels = calloc(n, sizeof(*labels));
        char *content = sg_prompt_content_dup(in);
        wchar_t *wcontent = sg_wide_from_utf8(content);
        wchar_t *wtitle = sg_wide_from_utf8(sg_text_get(in->lang, SG_T_PROMPT_TITLE));
        wchar_t *wheading = sg_wide_from_utf8(sg_text_get(in->lang, SG_T_PROMPT_HEADING));
        wchar_t **primary = calloc(n, sizeof(*primary)), *wsend = NULL;
        wchar_t *wback = sg_wide_from_utf8(sg_text_get(in->lang, SG_T_BUTTON_CANCEL));
        wchar_t *wkeep = asks_bcc(d) ? sg_wide_from_utf8(sg_text_get(in->lang, SG_T_MISSEND_BCC_KEEP)) : NULL;
        BOOL keep = FALSE;
        TASKDIALOGCONFIG tc;
        td_ctx ctx = {d, d->prompt_timeout_seconds * 1000u, false, false, 0, primary};
        size_t widest = 0;
        size_t cancel = cancel_index(d), rec = recommended_index(d), n_radios = 0, n_folded = 0, n_protective = 0;
        int first = 0;
        bool ok = false, expanded = false;

        free(content);
        memset(&tc, 0, sizeof(tc));
        tc.cbSize = sizeof(tc);
        if (!radios || !folded || !labels || !primary || !wcontent || !wtitle || !wheading || !wback)
                goto out;
        for (size_t i = 0; i < d->n_choices; i++)
                n_protective += protective(&d->choices[i]);
        /* More than SG_PROMPT_PROTECTIVE_SHOWN protective options (one more
         * is shown: it would take the button's place): the rest come with
         * "Other ways to send (n)", which opens the dialog again with all. */
        if (n_protective > SG_PROMPT_PROTECTIVE_SHOWN + 1) {
                char num[24];
                snprintf(num, sizeof(num), "%u", (unsigned) (n_protective - SG_PROMPT_PROTECTIVE_SHOWN));
                char *t = sg_text_format_dup(in->lang, SG_T_OTHER_WAYS_TO_SEND, num);
                wother = sg_wide_from_utf8(t);
                free(t);
                if (!wother)
                        goto out;
        }
        /* The recommended option first, the other protective ones in the
         * policy's order, "Send without encryption" last. */
        for (int pass = 0; pass < 3; pass++)
                for (size_t i = 0; i < d->n_choices; i++) {
                        const sg_choice *c = &d->choices[i];
                        bool take = pass == 0   ? i == rec
                                    : pass == 1 ? i != rec && protective(c)
                                                : c->kind == SG_CHOICE_SEND;
                        if (!take)
                                continue;
                        char *t = option_text(in->lang, c, i == rec, d->require_justification);
                        labels[n_radios] = sg_wide_from_utf8(t);
                        free(t);
                        if (!labels[n_radios])
                                goto out;
                        char *pl = primary_label(in->lang, c);
                        primary[i] = sg_wide_from_utf8(pl);
                        free(pl);
                        if (!primary[i])
                                goto out;
                        /* The button is laid out once, for its widest words (a
                         * wide character counts twice). */
                        size_t width = 0;
                        for (const wchar_t *q = primary[i]; *q; q++)
                                width += *q < 0x1100 ? 1 : 2;
                        if (width > widest) {
                                widest = width;
                                wsend = primary[i];
                        }
                        radios[n_radios].nButtonID = RADIO_ID_BASE + (int) i;
                        radios[n_radios].pszButtonText = labels[n_radios];
                        if (!first)
                                first = RADIO_ID_BASE + (int) i;
                        if (!wother || !protective(c) || n_radios < SG_PROMPT_PROTECTIVE_SHOWN)
                                folded[n_folded++] = radios[n_radios];
                        n_radios++;
                }
        buttons[0].nButtonID = OTHER_ID;
        buttons[0].pszButtonText = wother;
        buttons[1].nButtonID = PRIMARY_ID;
        buttons[1].pszButtonText = wsend;
        buttons[2].nButtonID = IDCANCEL; /* so Escape presses it */
        buttons[2].pszButtonText = wback;
        tc.hwndParent = in->owner;
        tc.hInstance = sg_module;
        tc.dwFlags = TDF_ALLOW_DIALOG_CANCELLATION | TDF_CALLBACK_TIMER;
        tc.cxWidth = PROMPT_WIDTH_DLU;
        tc.pszWindowTitle = wtitle;
        tc.pszMainIcon = TD_WARNING_ICON;
        tc.pszMainInstruction = wheading;
        tc.pszContent = wcontent;
        tc.pfCallback = td_callback;
        tc.lpCallbackData = (LONG_PTR) &ctx;
        tc.pszVerificationText = wkeep; /* "Keep the external recipients in To and Cc" (Alt+K) */
        for (;;) {
                int pressed = 0, radio = 0;
                if (keep) /* as the user left it, back from the justification step */
                        tc.dwFlags |= TDF_VERIFICATION_FLAG_CHECKED;
                bool fold = wother && !expanded;
                tc.cButtons = !n_radios ? 1 : fold ? 3 : 2;
                tc.pButtons = !n_radios ? buttons + 2 : fold ? buttons : buttons + 1;
                tc.cRadioButtons = (UINT) (fold ? n_folded : n_radios);
                tc.pRadioButtons = fold ? folded : radios;
                tc.nDefaultRadioButton = ctx.selected ? ctx.selected : first;
                /* "Send" is the default while a protective option is selected. */
                tc.nDefaultButton = n_radios && protective(&d->choices[tc.nDefaultRadioButton - RADIO_ID_BASE])
                                            ? PRIMARY_ID
                                            : IDCANCEL;
                ctx.selected = tc.nDefaultRadioButton;
                if (FAILED(fn(&tc, &pressed, &radio, wkeep ? &keep : NULL)))
                        goto out;
                ok = true;
                if (pressed == OTHER_ID) { /* the dialog again, every option in it, the selection kept */
                        expanded = true;
                        ctx.selected = radio;
                        continue;
                }
                if (pressed != PRIMARY_ID || radio < RADIO_ID_BASE || radio >= RADIO_ID_BASE + (int) d->n_choices) {
                        ret->choice = cancel;
                        ret->by = ctx.timed_out ? "timeout" : ctx.escape || pressed != IDCANCEL ? "escape" : "button";
                        break;
                }
                ctx.selected = radio;
                ret->choice = (size_t) (radio - RADIO_ID_BASE);
                ret->by = "button";
                ret->bcc_declined = keep && d->choices[ret->choice].kind != SG_CHOICE_CANCEL;
                if (d->choices[ret->choice].kind != SG_CHOICE_SEND || !d->require_justification)
                        break;
                if (ask_justification(in->owner, in->lang, &ret->justification))
                        break;
                /* "Back" in the justification dialog: the choices again, as they were. */
        }
out:
        for (size_t i = 0; labels && i < n; i++)
                free(labels[i]);
        for (size_t i = 0; primary && i < n; i++)
                free(primary[i]);
        free(primary);
        free(labels);
        free(radios);
        free(folded);
        free(wother);
        free(wcontent);
        free(wtitle);
        free(wheading);
        free(wback);
        free(wkeep);
        return ok;
}

/* Without TaskDialogIndirect: OK takes the first protective choice
 * (encrypt or a route), Cancel goes back to editing. */
static bool message_box_prompt(const sg_prompt_input *in, sg_prompt_answer *ret) {
        const sg_decision *d = in->decision;
        size_t protect = d->n_choices;
        char *content = sg_prompt_content_dup(in), *label, *hint;
        buf b = {0};
        wchar_t *text, *title;
        int r;

        for (size_t i = 0; i < d->n_choices && protect == d->n_choices; i++)
                if (d->choices[i].kind == SG_CHOICE_ENCRYPT || d->choices[i].kind == SG_CHOICE_ROUTE)
                        protect = i;
        if (protect == d->n_choices) {
                free(content);
                return false;
        }
        label = sg_choice_label_dup(in->lang, &d->choices[protect]);
        if (label) /* drop the mnemonic marker */
                for (char *s = label, *o = label;; s++) {
                        if (*s == '&')
                                continue;
                        *o++ = *s;
                        if (!*s)
                                break;
                }
        hint = sg_text_format_dup(in->lang, SG_T_FALLBACK_HINT, label);
        put(&b, sg_text_get(in->lang, SG_T_PROMPT_HEADING));
        put(&b, "\n\n");
        put(&b, content);
        put(&b, "\n\n");
        put(&b, hint);
        free(content);
        free(label);
        free(hint);
        content = done(&b);
        text = sg_wide_from_utf8(content);
        title = sg_wide_from_utf8(sg_text_get(in->lang, SG_T_PROMPT_TITLE));
        free(content);
        if (!text || !title) {
                free(text);
                free(title);
                return false;
        }
        r = MessageBoxW(in->owner, text, title, MB_OKCANCEL | MB_ICONWARNING | MB_DEFBUTTON2);
        free(text);
        free(title);
        if (!r)
                return false;
        ret->choice = r == IDOK ? protect : cancel_index(d);
        ret->by = r == IDOK ? "button" : "escape";
        return true;
}

void sg_prompt_ask(const sg_prompt_input *in, sg_prompt_answer *ret) {
        ULONG_PTR cookie = 0;
        bool ctx, shown = false;
        HMODULE cc;

        memset(ret, 0, sizeof(*ret));
        if (in->no_ui)
                goto fallback;
#ifdef SG_TEST_HOOKS
        if (test_answer(in, ret))
                return;
#endif
        ctx = sg_actctx_push(&cookie);
        cc = LoadLibraryW(L"comctl32.dll");
        if (cc) {
                task_dialog_fn fn = (task_dialog_fn) (void (*)(void)) GetProcAddress(cc, "TaskDialogIndirect");
                if (fn)
                        shown = task_dialog(in, fn, ret);
        }
        if (!shown)
                shown = message_box_prompt(in, ret);
        if (cc)
                FreeLibrary(cc);
        if (ctx)
                sg_actctx_pop(cookie);
        if (shown)
                return;
fallback:
        /* The policy's fallback, except that a clear-text send is never made
         * without the user seeing anything. */
        {
                ret->choice = in->decision->prompt_fallback;
                if (in->decision->choices[ret->choice].kind == SG_CHOICE_SEND)
                        ret->choice = cancel_index(in->decision);
                ret->by = "fallback";
                ret->error = "prompt_unavailable";
        }
}

void sg_prompt_message(sg_lang lang, HWND owner, const char *title, const char *text) {
        wchar_t *wt, *wx;
#ifdef SG_TEST_HOOKS
        if (test_log("message", title, text))
                return;
#endif
        wt = sg_wide_from_utf8(title);
        wx = sg_wide_from_utf8(text);
        if (wt && wx)
                MessageBoxW(owner, wx, wt, MB_OK | MB_ICONSTOP);
        free(wt);
        free(wx);
}
