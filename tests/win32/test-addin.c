/* sealgate tests: the Outlook add-in DLL driven by a stand-in Outlook.
 * Creates the add-in through COM (CoCreateInstance: the DLL must be
 * registered, see run-addin.sh), connects it to a fake Application and fires
 * ItemSend for each policy case, checking Cancel and exactly the properties
 * set. Prints TAP and a closing "N passed, N failed" line.
 *
 *   test-addin.exe                       the cases
 *   test-addin.exe --ribbon-xml FILE     also write GetCustomUI's XML to FILE
 *   test-addin.exe --bench N             timings (median of N) instead of the cases
 *   test-addin.exe --prompt en|ja        one send that shows the real prompt (no
 *                                        test hook); prints what happened
 *   test-addin.exe --prompt en|ja --card the same with a card number in the body:
 *                                        the real block dialog instead
 *   test-addin.exe --msi                 the shipped add-in as the MSI registered
 *                                        it (tests/win32/test-msi.sh): one ItemSend
 *
 * The add-in must be the test build (sealgate-outlook-test.dll): prompts are
 * answered through SEALGATE_TEST_PROMPT_CHOICE and messages go to
 * SEALGATE_TEST_UI_LOG, both set here. --msi alone takes the shipped DLL
 * (no test hooks) and sends only what needs no prompt. */
#define COBJMACROS
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <objbase.h>
#include <oleauto.h>
#include <wincrypt.h>

#include "fake-outlook.h"

/* The test build's own class (win32-mapi/outlook-om.h, SG_TEST_HOOKS). */
static const GUID clsid_addin = {0x9e56c05c, 0xadf8, 0x44f4, {0xac, 0x0e, 0x3e, 0x35, 0x81, 0xe0, 0x41, 0x89}};
/* The shipped build's class, {46241D38-B020-4FC9-8502-DD84F4AB64CC} (packaging/windows/sealgate.wxs). */
static const GUID clsid_shipped = {0x46241d38, 0xb020, 0x4fc9, {0x85, 0x02, 0xdd, 0x84, 0xf4, 0xab, 0x64, 0xcc}};
static const GUID iid_ext2 = {0xB65AD801, 0xABAF, 0x11D0, {0xBB, 0x8B, 0x00, 0xA0, 0xC9, 0x0F, 0x27, 0x44}};
static const GUID iid_ribbon = {0x000C0396, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

#define HDR            L"http://schemas.microsoft.com/mapi/string/{00020386-0000-0000-C000-000000000046}/"
#define SECURITY_FLAGS L"http://schemas.microsoft.com/mapi/proptag/0x6E010003"
#define OL_TO          1
#define OL_CC          2
#define OL_BCC         3

typedef struct ext2 ext2;
typedef struct ext2_vtbl {
        HRESULT(STDMETHODCALLTYPE *QueryInterface)(ext2 *, REFIID, void **);
        ULONG(STDMETHODCALLTYPE *AddRef)(ext2 *);
        ULONG(STDMETHODCALLTYPE *Release)(ext2 *);
        void *dispatch[4];
        HRESULT(STDMETHODCALLTYPE *OnConnection)(ext2 *, IDispatch *, int, IDispatch *, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnDisconnection)(ext2 *, int, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnAddInsUpdate)(ext2 *, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnStartupComplete)(ext2 *, SAFEARRAY **);
        HRESULT(STDMETHODCALLTYPE *OnBeginShutdown)(ext2 *, SAFEARRAY **);
} ext2_vtbl;
struct ext2 {
        const ext2_vtbl *lpVtbl;
};

typedef struct ribbonx ribbonx;
typedef struct ribbonx_vtbl {
        HRESULT(STDMETHODCALLTYPE *QueryInterface)(ribbonx *, REFIID, void **);
        ULONG(STDMETHODCALLTYPE *AddRef)(ribbonx *);
        ULONG(STDMETHODCALLTYPE *Release)(ribbonx *);
        void *dispatch[4];
        HRESULT(STDMETHODCALLTYPE *GetCustomUI)(ribbonx *, BSTR, BSTR *);
} ribbonx_vtbl;
struct ribbonx {
        const ribbonx_vtbl *lpVtbl;
};

static unsigned n_ok, n_fail, n_test;
static wchar_t ui_log[MAX_PATH];

static void check(bool cond, const char *what) {
        n_test++;
        if (cond)
                n_ok++;
        else
                n_fail++;
        printf("%s %u - %s\n", cond ? "ok" : "not ok", n_test, what);
        fflush(stdout);
}

/* check() with a printf-style description (mingw's C99 stdio: %ls, %zu). */
__attribute__((format(gnu_printf, 2, 3))) static void checkf(bool cond, const char *fmt, ...) {
        char what[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        check(cond, what);
}

/* ---- helpers ---------------------------------------------------------------- */

static ext2 *create_addin(void) {
        ext2 *a = NULL;
        HRESULT hr = CoCreateInstance(&clsid_addin, NULL, CLSCTX_INPROC_SERVER, &iid_ext2, (void **) &a);
        if (FAILED(hr)) {
                printf("# CoCreateInstance: 0x%08lx\n", (unsigned long) hr);
                return NULL;
        }
        return a;
}

static char *read_ui_log(void) {
        FILE *f = _wfopen(ui_log, L"rb");
        char *s;
        long n;
        if (!f)
                return calloc(1, 1);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        s = calloc(1, (size_t) n + 1);
        if (s && fread(s, 1, (size_t) n, f) != (size_t) n)
                s[0] = '\0';
        fclose(f);
        return s;
}

static void clear_ui_log(void) {
        DeleteFileW(ui_log);
}

/* Expected SetProperty calls: name, and a string or a long value. */
typedef struct expect_prop {
        const wchar_t *name;
        const wchar_t *str;
        long num;
} expect_prop;

#define SEALGATE_PROPS L"{8A3C2F51-6E0B-4C7D-9B1E-2D5F40A7C913}"

/* The SetProperty calls, in order, leaving out the add-in's own bookkeeping
 * (its private namespace: the sgApplied marker, the sgToggle choice). */
static bool props_are(fobj *mail, const expect_prop *want, unsigned n) {
        fobj *pa = fake_mail_accessor(mail);
        unsigned seen = 0;
        bool ok = true;
        for (unsigned k = 0; k < pa->n_log; k++) {
                VARIANT *v = &pa->log[k].value;
                unsigned i = seen;
                if (wcsstr(pa->log[k].name, SEALGATE_PROPS))
                        continue;
                seen++;
                printf("#   SetProperty(%ls, ", pa->log[k].name);
                if (V_VT(v) == VT_BSTR)
                        printf("\"%ls\")\n", V_BSTR(v));
                else if (V_VT(v) == VT_I4)
                        printf("%ld)\n", (long) V_I4(v));
                else
                        printf("vt %u)\n", V_VT(v));
                if (i >= n)
                        continue;
                if (wcscmp(pa->log[k].name, want[i].name) != 0)
                        ok = false;
                else if (want[i].str && (V_VT(v) != VT_BSTR || wcscmp(V_BSTR(v), want[i].str) != 0))
                        ok = false;
                else if (!want[i].str && (V_VT(v) != VT_I4 || V_I4(v) != want[i].num))
                        ok = false;
        }
        return ok && seen == n;
}

/* Whether the item now has internet header `name` (HDR prefix) = value
 * (NULL: whether it has it at all). */
static bool has_header(fobj *mail, const wchar_t *name, const wchar_t *value) {
        wchar_t full[256];
        VARIANT *v;
        _snwprintf(full, 256, L"%ls%ls", HDR, name);
        v = fake_pa_get(fake_mail_accessor(mail), full);
        return v && (!value || (V_VT(v) == VT_BSTR && wcscmp(V_BSTR(v), value) == 0));
}

static const wchar_t *subject_of(fobj *mail) {
        VARIANT *v = fake_get(mail, L"Subject");
        return v && V_VT(v) == VT_BSTR ? V_BSTR(v) : L"";
}

static bool fire(fobj *app, fobj *mail, const char *choice) {
        VARIANT_BOOL cancel = VARIANT_FALSE;
        HRESULT hr;
        SetEnvironmentVariableA("SEALGATE_TEST_PROMPT_CHOICE", choice);
        hr = fake_fire_item_send(app, mail, &cancel);
        if (FAILED(hr))
                printf("# ItemSend Invoke: 0x%08lx\n", (unsigned long) hr);
        return cancel != VARIANT_FALSE;
}

static fobj *internal_dl(void) {
        fobj *members = fake_collection(), *e;
        e = fake_smtp_entry(L"dave@corp.example");
        fake_add_child(members, e);
        fake_release(e);
        e = fake_exchange_entry(L"Erin", L"erin@tokyo.corp.example");
        fake_add_child(members, e);
        fake_release(e);
        return members;
}

/* ---- the cases ------------------------------------------------------------------ */

typedef struct case_result {
        bool cancel;
        char *log;
} case_result;

/* The item sent from its window (an Inspector), as a user does. */
static case_result run_case(fobj *app, fobj *mail, const char *choice) {
        case_result r;
        clear_ui_log();
        fake_inspector_open(app, mail);
        r.cancel = fire(app, mail, choice);
        fake_inspector_close(app, mail);
        r.log = read_ui_log();
        if (*r.log)
                printf("# ui: %s", r.log);
        return r;
}

/* The block dialog's three parts (GLOSSARY, issue 22): the cause apart
 * from the context (the outside recipients are not why it stopped), what to
 * do, and a reference that is the audit record's attempt id. */
static bool audit_has(const char *needle);
static void block_parts(const char *log, const char *what) {
        const char *cause = strstr(log, "Why it was stopped (your draft is unchanged):");
        const char *ctx = strstr(log, "For context (not why it was stopped): Recipients outside the organisation");
        const char *todo = strstr(log, "What you can do: remove or change what is listed above");
        const char *ref = todo ? strstr(todo, "give them this reference: ") : NULL;
        char id[33] = "";
        bool hex = ref != NULL;
        for (int i = 0; hex && i < 32; i++) {
                char c = ref[26 + i];
                hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                id[i] = c;
        }
        char label[160];
        snprintf(label, sizeof label, "%s: the block dialog gives the cause, then the context, then what to do", what);
        check(cause && ctx && todo && cause < ctx && ctx < todo && !strstr(cause, "|\xE2\x80\xA2 Recipients outside"),
              label);
        snprintf(label, sizeof label, "%s: its reference is the audit record's attempt id (%s)", what, id);
        check(hex && audit_has(id), label);
}

static void cases(fobj *app) {
        case_result r;
        fobj *m;

        /* 1. Internal only: SMTP, subdomain, Exchange user (no PR_SMTP_ADDRESS),
         * an internal distribution list. */
        m = fake_mail(L"alice@corp.example", L"Quarterly plan", L"See you tomorrow.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_CC, L"carol@sales.corp.example"));
        fake_mail_add_recipient(m, fake_exchange_recipient(OL_CC, L"Frank", L"frank@corp.example"));
        fake_mail_add_recipient(m, fake_dl_recipient(OL_BCC, L"Team", internal_dl()));
        r = run_case(app, m, "cancel");
        check(!r.cancel, "internal only: sent");
        check(props_are(m, NULL, 0), "internal only: no property set");
        check(!*r.log, "internal only: no prompt, no message");
        check(wcscmp(subject_of(m), L"Quarterly plan") == 0, "internal only: subject unchanged");
        free(r.log);
        fake_release(m);

        /* 2. External recipient, the user picks the portal. */
        m = fake_mail(L"alice@corp.example", L"Offer", L"Please find the offer.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "route:portal");
        check(!r.cancel, "external, portal chosen: sent");
        {
                static const expect_prop want[] = {{HDR L"X-SecureSend-Route", L"portal", 0}};
                check(props_are(m, want, 1), "external, portal chosen: exactly the route header");
        }
        check(wcscmp(subject_of(m), L"[secure] Offer") == 0, "external, portal chosen: subject tagged");
        check(strstr(r.log, "prompt\t") && strstr(r.log, "partner.example: pat@partner.example"),
              "external: the prompt lists the external recipient by domain");
        check(strstr(r.log, "Recipients outside the organisation, in 1 domain: partner.example") != NULL,
              "external: the prompt gives the reason in words (the catalog's sentence)");
        free(r.log);
        fake_release(m);

        /* 3. BCC-only external, the user goes back to editing. */
        m = fake_mail(L"alice@corp.example", L"Minutes", L"Minutes attached.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_BCC, L"secret@outside.example"));
        r = run_case(app, m, "cancel");
        check(r.cancel, "BCC-only external, back to editing: cancelled");
        check(props_are(m, NULL, 0), "BCC-only external, back to editing: nothing set");
        check(wcscmp(subject_of(m), L"Minutes") == 0, "BCC-only external: draft unchanged");
        check(strstr(r.log, "outside.example") != NULL, "BCC-only external: the prompt shows the BCC domain");
        free(r.log);
        fake_release(m);

        /* 4. Subdomain boundary: evil-corp.example and corp.example.evil.test are
         * not corp.example; the user encrypts (Outlook's S/MIME). */
        m = fake_mail(L"alice@corp.example", L"Numbers", L"Numbers inside.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"mallory@evil-corp.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_CC, L"eve@corp.example.evil.test"));
        r = run_case(app, m, "route:gateway-smime");
        check(!r.cancel, "subdomain boundary, encryption through the gateway chosen: sent");
        {
                static const expect_prop want[] = {{HDR L"X-SecureSend-Route", L"smime", 0}};
                check(props_are(m, want, 1) && !fake_encrypt_pressed(m),
                      "subdomain boundary, no certificates: the gateway route, Outlook's encryption not on");
        }
        check(strstr(r.log, "choices\t\troute:gateway-smime route:portal send cancel\n") &&
                      strstr(r.log, "not offered: 2 recipient(s) have no certificate"),
              "no certificates: \"Encrypt\" is offered as what it is (the gateway route), one line says why");
        check(strstr(r.log, "evil-corp.example: mallory@evil-corp.example") &&
                      strstr(r.log, "corp.example.evil.test: eve@corp.example.evil.test") &&
                      strstr(r.log, "in 2 domains: evil-corp.example, corp.example.evil.test"),
              "subdomain boundary: both look-alike domains counted as external");
        free(r.log);
        fake_release(m);

        /* 5. Blocked content: a card number to an external recipient. */
        m = fake_mail(L"alice@corp.example", L"Payment", L"Card: 4111 1111 1111 1111, exp 12/29");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"shop@partner.example"));
        r = run_case(app, m, "send:x");
        check(r.cancel, "card number: cancelled");
        check(props_are(m, NULL, 0), "card number: nothing set");
        check(strstr(r.log, "message\tMessage not sent") && strstr(r.log, "credit card number") &&
                      !strstr(r.log, "prompt\t") && !strstr(r.log, "4111 1111 1111 1111"),
              "card number: a message says why (no prompt, digits masked)");
        block_parts(r.log, "card number");
        free(r.log);
        fake_release(m);

        /* 5b. A rule that forbids "send" (Triggers\4, subject keyword
         * "board-only", forbid_send): the prompt offers no "Send without
         * encryption" and one line says which rule and why. */
        m = fake_mail(L"alice@corp.example", L"board-only minutes", L"Minutes attached.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "choices\t\t") && !strstr(r.log, " send cancel\n") &&
                      strstr(r.log, "\u201cSend without encryption\u201d is not offered: the policy rule "
                                    "\u201cboard-only\u201d does not allow it for this message. Why: The subject "
                                    "contains a keyword that needs protection"),
              "a rule forbids send: not offered, the prompt names the rule and why");
        free(r.log);
        fake_release(m);
        m = fake_mail(L"alice@corp.example", L"Minutes", L"Minutes attached.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, " send cancel\n") && !strstr(r.log, "is not offered: the policy rule"),
              "no rule forbids send: offered, no such line");
        free(r.log);
        fake_release(m);

        /* 6. Routed by attachment (.zip): no prompt, route applied. */
        m = fake_mail(L"alice@corp.example", L"Files", L"Here they are.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        fake_mail_add_attachment(m, L"report.zip", 123456);
        fake_mail_add_attachment_data(m, L"notes.txt", "Meeting notes.\r\n", 16, NULL);
        r = run_case(app, m, "cancel");
        check(!r.cancel, "zip attachment: sent");
        {
                static const expect_prop want[] = {{HDR L"X-SecureSend-Route", L"portal", 0}};
                check(props_are(m, want, 1), "zip attachment: exactly the route header");
        }
        check(wcscmp(subject_of(m), L"[secure] Files") == 0, "zip attachment: subject tagged");
        check(!*r.log, "zip attachment: no prompt");
        free(r.log);
        fake_release(m);

        /* 7. A distribution list that cannot be expanded counts as external and
         * is named; the user sends in the clear with a justification. */
        m = fake_mail(L"alice@corp.example", L"News", L"Newsletter.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_recipient(m, fake_dl_recipient(OL_TO, L"All Partners", NULL));
        r = run_case(app, m, "send:agreed with legal");
        check(!r.cancel, "unexpandable list, send with justification: sent");
        {
                static const expect_prop want[] = {{HDR L"X-SecureSend-Justification", L"agreed with legal", 0}};
                check(props_are(m, want, 1), "unexpandable list: exactly the justification header");
        }
        check(strstr(r.log, "could not be expanded (counted as external): All Partners") != NULL,
              "unexpandable list: reported by name in the prompt");
        free(r.log);
        fake_release(m);

        /* 8. A Japanese justification is RFC 2047 encoded. */
        m = fake_mail(L"alice@corp.example", L"見積", L"本文");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"tanaka@torihiki.example"));
        r = run_case(app, m, "send:取引先の依頼");
        check(!r.cancel, "Japanese justification: sent");
        {
                static const expect_prop want[] = {
                        {HDR L"X-SecureSend-Justification", L"=?UTF-8?B?5Y+W5byV5YWI44Gu5L6d6aC8?=", 0}};
                check(props_are(m, want, 1), "Japanese justification: encoded-word header");
        }
        free(r.log);
        fake_release(m);

        /* 8b. A justification with "=?" in it is encoded too: no reader may take
         * it for an encoded word (the engine's one rule, as in Thunderbird). */
        m = fake_mail(L"alice@corp.example", L"Terms", L"See the terms.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "send:=?x?");
        check(!r.cancel, "justification with \"=?\": sent");
        {
                static const expect_prop want[] = {{HDR L"X-SecureSend-Justification", L"=?UTF-8?B?PT94Pw==?=", 0}};
                check(props_are(m, want, 1), "justification with \"=?\": RFC 2047 encoded");
        }
        free(r.log);
        fake_release(m);

        /* 8c. An empty subject tagged is the tag alone, no trailing space. */
        m = fake_mail(L"alice@corp.example", L"", L"No subject.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "route:portal");
        check(!r.cancel && wcscmp(subject_of(m), L"[secure]") == 0, "empty subject, portal: the subject is the tag");
        free(r.log);
        fake_release(m);

        /* 9. A meeting request is checked like mail (its attendees are
         * recipients); a post (class 45) is not sent to anyone. */
        m = fake_mail(L"alice@corp.example", L"Meeting", L"");
        fake_set_long(m, L"Class", 53);
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "cancel");
        check(r.cancel && props_are(m, NULL, 0) && strstr(r.log, "partner.example: pat@partner.example"),
              "meeting request to an external attendee: checked, the prompt shown");
        free(r.log);
        fake_set_long(m, L"Class", 45);
        r = run_case(app, m, "cancel");
        check(!r.cancel && props_are(m, NULL, 0) && !*r.log, "a post: not touched");
        free(r.log);
        fake_release(m);

        /* 10. Cancel already set by another add-in: left as it is. */
        m = fake_mail(L"alice@corp.example", L"X", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        {
                VARIANT_BOOL cancel = VARIANT_TRUE;
                clear_ui_log();
                fake_fire_item_send(app, m, &cancel);
                r.log = read_ui_log();
                check(cancel == VARIANT_TRUE && props_are(m, NULL, 0) && !*r.log, "already cancelled: nothing done");
                free(r.log);
        }
        fake_release(m);
}

/* ---- the texts beyond the body (win32-mapi/send-texts.c) -------------------- */

/* "氏名,個人番号 / 山田,123456789018" (a valid My Number) in Shift_JIS,
 * EUC-JP; "個人番号 123456789018" in ISO-2022-JP; "カード 4111-1111-1111-1111"
 * in UTF-16 with a BOM; "氏名,住所 / 山田,東京" in Shift_JIS (nothing to find). */
static const char csv_sjis[] = "\x8e\x81\x96\xbc\x2c\x8c\xc2\x90\x6c\x94\xd4\x8d\x86\x0d\x0a\x8e\x52\x93\x63\x2c\x31"
                               "\x32\x33\x34\x35\x36\x37\x38\x39\x30\x31\x38\x0d\x0a";
static const char csv_sjis_clean[] =
        "\x8e\x81\x96\xbc\x2c\x8f\x5a\x8f\x8a\x0d\x0a\x8e\x52\x93\x63\x2c\x93\x8c\x8b\x9e\x0d\x0a";
static const char csv_eucjp[] = "\xbb\xe1\xcc\xbe\x2c\xb8\xc4\xbf\xcd\xc8\xd6\xb9\xe6\x0d\x0a\xbb\xb3\xc5\xc4\x2c\x31"
                                "\x32\x33\x34\x35\x36\x37\x38\x39\x30\x31\x38\x0d\x0a";
static const char txt_jis[] = "\x1b\x24\x42\x38\x44\x3f\x4d\x48\x56\x39\x66\x1b\x28\x42\x20\x31\x32\x33\x34\x35\x36\x37"
                              "\x38\x39\x30\x31\x38\x0d\x0a";
static const char txt_utf16[] =
        "\xff\xfe\xab\x30\xfc\x30\xc9\x30\x20\x00\x34\x00\x31\x00\x31\x00\x31\x00\x2d\x00\x31\x00\x31\x00\x31\x00\x31"
        "\x00\x2d\x00\x31\x00\x31\x00\x31\x00\x31\x00\x2d\x00\x31\x00\x31\x00\x31\x00\x31\x00\x0d\x00\x0a\x00";
/* A message file whose subject (an ISO-2022-JP encoded word: 個人番号) and
 * body (a card number) are what the triggers must read. */
static const char eml_card[] =
        "\x46\x72\x6f\x6d\x3a\x20\x70\x61\x74\x40\x70\x61\x72\x74\x6e\x65\x72\x2e\x65\x78\x61\x6d\x70\x6c\x65\x0d\x0a"
        "\x54\x6f\x3a\x20\x61\x6c\x69\x63\x65\x40\x63\x6f\x72\x70\x2e\x65\x78\x61\x6d\x70\x6c\x65\x0d\x0a\x53\x75\x62"
        "\x6a\x65\x63\x74\x3a\x20\x3d\x3f\x49\x53\x4f\x2d\x32\x30\x32\x32\x2d\x4a\x50\x3f\x42\x3f\x47\x79\x52\x43\x4f"
        "\x45\x51\x2f\x54\x55\x68\x57\x4f\x57\x59\x62\x4b\x45\x49\x3d\x3f\x3d\x0d\x0a\x0d\x0a\x43\x61\x72\x64\x20\x34"
        "\x31\x31\x31\x20\x31\x31\x31\x31\x20\x31\x31\x31\x31\x20\x31\x31\x31\x31\x0d\x0a";

static fobj *external_mail(const wchar_t *subject, const wchar_t *body) {
        fobj *m = fake_mail(L"alice@corp.example", subject, body);
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        return m;
}

/* Sent to an external recipient with the prompt answered "send": stopped
 * with the block message, nothing set on the item. */
static void expect_blocked(fobj *app, fobj *m, const char *trigger, const char *what) {
        case_result r = run_case(app, m, "send:ok");
        char label[160];
        snprintf(label, sizeof label, "%s: not sent, nothing set, the block message names %s", what, trigger);
        check(r.cancel && props_are(m, NULL, 0) && strstr(r.log, "message\tMessage not sent") &&
                      strstr(r.log, trigger) && !strstr(r.log, "prompt\t"),
              label);
        free(r.log);
        fake_release(m);
}

static void expect_stopped(fobj *app, fobj *m, const char *needle, const char *what) {
        case_result r = run_case(app, m, "send:ok");
        char label[160];
        snprintf(label, sizeof label, "%s: not sent, nothing set, the message says \"%s\"", what, needle);
        check(r.cancel && props_are(m, NULL, 0) && strstr(r.log, "message\t") && strstr(r.log, needle) &&
                      !strstr(r.log, "prompt\t"),
              label);
        free(r.log);
        fake_release(m);
}

static void attachment_texts(fobj *app) {
        fobj *m;
        case_result r;
        char *big;
        const size_t total = 16u << 20; /* SG_MSG_TEXT_TOTAL_MAX */

        /* My Number only in a Shift_JIS CSV (as in Thunderbird, e2e): blocked. */
        m = external_mail(L"名簿", L"添付を参照してください。");
        fake_mail_add_attachment_data(m, L"staff.csv", csv_sjis, sizeof csv_sjis - 1, NULL);
        expect_blocked(app, m, "My Number", "My Number only in a Shift_JIS CSV");
        /* The same by its MIME tag only (no .csv/.txt name). */
        m = external_mail(L"名簿", L"添付を参照してください。");
        fake_mail_add_attachment_data(m, L"staff", csv_sjis, sizeof csv_sjis - 1, L"text/plain");
        expect_blocked(app, m, "My Number", "My Number in an attachment tagged text/plain");
        m = external_mail(L"名簿", L"添付を参照してください。");
        fake_mail_add_attachment_data(m, L"STAFF.TXT", csv_eucjp, sizeof csv_eucjp - 1, NULL);
        expect_blocked(app, m, "My Number", "My Number only in an EUC-JP .TXT");
        m = external_mail(L"名簿", L"添付を参照してください。");
        fake_mail_add_attachment_data(m, L"number.txt", txt_jis, sizeof txt_jis - 1, NULL);
        expect_blocked(app, m, "My Number", "My Number only in an ISO-2022-JP .txt");
        m = external_mail(L"Card", L"See the file.");
        fake_mail_add_attachment_data(m, L"card.txt", txt_utf16, sizeof txt_utf16 - 1, NULL);
        expect_blocked(app, m, "credit card", "a card number only in a UTF-16 .txt");
        /* A card number only in the HTML body (Outlook's plain Body lacks it). */
        m = external_mail(L"Card", L"See the table.");
        fake_set_long(m, L"BodyFormat", 2);
        fake_set_str(m, L"HTMLBody",
                     L"<html><head><style>td{}</style></head><body><p>See the table.</p><table><tr>"
                     L"<td>4111&nbsp;1111&#32;1111&#x20;1111</td></tr></table></body></html>");
        expect_blocked(app, m, "credit card", "a card number only in the HTML body");
        /* An attached message file: its encoded subject and its body are read. */
        m = external_mail(L"Fwd", L"Forwarding.");
        fake_mail_add_attachment_data(m, L"original.eml", eml_card, sizeof eml_card - 1, NULL);
        expect_blocked(app, m, "credit card", "a card number only in an attached .eml's body");
        /* What cannot be read stops the send (never skipped). */
        m = external_mail(L"Fwd", L"Forwarding.");
        fake_mail_add_attachment_typed(m, L"Original message", 5);
        expect_stopped(app, m, "cannot be read", "an attached Outlook item (no bytes)");
        m = external_mail(L"Notes", L"Notes.");
        fake_mail_add_attachment(m, L"notes.txt", 120); /* no PropertyAccessor */
        expect_stopped(app, m, "notes.txt", "a text attachment whose bytes cannot be read");
        /* Nothing to find in a Japanese CSV, a binary attachment not read:
         * the usual prompt, and "send" sends. */
        m = external_mail(L"名簿", L"添付を参照してください。");
        fake_mail_add_attachment_data(m, L"staff.csv", csv_sjis_clean, sizeof csv_sjis_clean - 1, NULL);
        fake_mail_add_attachment_typed(m, L"figures.xlsx", 1);
        r = run_case(app, m, "send:agreed");
        check(!r.cancel && strstr(r.log, "prompt\t") && !strstr(r.log, "Message not sent"),
              "a clean Shift_JIS CSV and an unread .xlsx: the usual prompt, sent");
        free(r.log);
        fake_release(m);

        /* The limits: the body and every text at most 16 MiB; 256 texts. */
        big = malloc(total + 1);
        if (!big)
                abort();
        memset(big, 'a', total + 1);
        m = fake_mail(L"alice@corp.example", L"Big", L"x");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_attachment_data(m, L"big.txt", big, total - 1, NULL);
        r = run_case(app, m, "cancel");
        check(!r.cancel && !*r.log, "a text attachment up to the 16 MiB limit (with the body): read, sent");
        free(r.log);
        fake_release(m);
        m = fake_mail(L"alice@corp.example", L"Big", L"x");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_attachment_data(m, L"big.txt", big, total, NULL);
        expect_stopped(app, m, "16777216", "one byte past the 16 MiB text limit");
        m = fake_mail(L"alice@corp.example", L"Big", L"x");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_attachment_data(m, L"huge.txt", big, total + 1, NULL);
        fake_mail_add_attachment_data(m, L"huge2.txt", big, total + 1, NULL);
        expect_stopped(app, m, "16777216", "two attachments over the text limit");
        free(big);
        m = fake_mail(L"alice@corp.example", L"Many", L"x");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        for (int i = 0; i < 256; i++)
                fake_mail_add_attachment_data(m, L"n.txt", "a", 1, NULL);
        r = run_case(app, m, "cancel");
        check(!r.cancel && !*r.log, "256 text attachments (the limit): read, sent");
        free(r.log);
        fake_mail_add_attachment_data(m, L"n.txt", "a", 1, NULL);
        expect_stopped(app, m, "256", "257 text attachments: one past the limit");
}

/* ---- real Outlook's behaviours (review 2026-12-07, §13) ------------------------ */

#define TEST_CONTAINER_PREFIX L"sealgate-test-"

static void delete_container(const wchar_t *email) {
        HCRYPTPROV h;
        wchar_t container[64];
        _snwprintf(container, 64, TEST_CONTAINER_PREFIX L"%ls", email);
        CryptAcquireContextW(&h, container, NULL, PROV_RSA_FULL, CRYPT_DELETEKEYSET);
}

/* A self-signed certificate for `email`, valid now (or expired); its DER
 * bytes into *der (owned, free()). With `store`, also put into the user's
 * "AddressBook" store (Other People), where Outlook looks. */
static bool make_cert(const wchar_t *email, bool expired, bool store, BYTE **der, DWORD *len) {
        wchar_t x500[256];
        BYTE name[512];
        CERT_NAME_BLOB blob = {sizeof(name), name};
        SYSTEMTIME start, end;
        PCCERT_CONTEXT c;
        CRYPT_KEY_PROV_INFO prov = {0};
        wchar_t container[64];
        _snwprintf(x500, 256, L"CN=%ls, E=%ls", email, email);
        if (!CertStrToNameW(X509_ASN_ENCODING, x500, CERT_X500_NAME_STR, NULL, name, &blob.cbData, NULL))
                return false;
        GetSystemTime(&start);
        end = start;
        if (expired) {
                start.wYear -= 3;
                end.wYear -= 1;
        } else {
                start.wYear -= 1;
                end.wYear += 2;
        }
        _snwprintf(container, 64, TEST_CONTAINER_PREFIX L"%ls", email);
        prov.pwszContainerName = container;
        prov.dwProvType = PROV_RSA_FULL;
        prov.dwKeySpec = AT_KEYEXCHANGE;
        c = CertCreateSelfSignCertificate(0, &blob, 0, &prov, NULL, &start, &end, NULL);
        if (!c) {
                printf("# CertCreateSelfSignCertificate: 0x%08lx\n", (unsigned long) GetLastError());
                return false;
        }
        *len = c->cbCertEncoded;
        *der = malloc(*len);
        memcpy(*der, c->pbCertEncoded, *len);
        if (store) {
                HCERTSTORE s =
                        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"AddressBook");
                if (s) {
                        CertAddCertificateContextToStore(s, c, CERT_STORE_ADD_REPLACE_EXISTING, NULL);
                        CertCloseStore(s, 0);
                }
        }
        CertFreeCertificateContext(c);
        return true;
}

/* An address-book call during which Outlook pumps messages and a second
 * ItemSend for the same item arrives (GpgOL T3931). */
static fobj *reenter_app, *reenter_item;
static VARIANT_BOOL reenter_cancel = 2;

static HRESULT reentering_type(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT_BOOL c = VARIANT_FALSE;
        if (reenter_item) {
                fobj *item = reenter_item;
                reenter_item = NULL;
                fake_fire_item_send(reenter_app, item, &c);
                reenter_cancel = c;
        }
        V_VT(ret) = VT_I4;
        V_I4(ret) = 30; /* an SMTP entry */
        return S_OK;
}

static fobj *cert_recipient(const wchar_t *addr, const BYTE *der, DWORD len) {
        fobj *e = fake_smtp_entry(addr);
        if (der)
                fake_entry_set_cert(e, der, len);
        return fake_recipient_for(OL_TO, e);
}

static void real_outlook(fobj *app) {
        case_result r;
        fobj *m, *e, *members, *a, *b;
        BYTE *gal = NULL, *old = NULL, *st = NULL;
        DWORD gal_len = 0, old_len = 0, st_len = 0;
        bool have_certs = make_cert(L"quinn@partner.example", false, false, &gal, &gal_len) &&
                          make_cert(L"olga@partner.example", true, false, &old, &old_len) &&
                          make_cert(L"stan@other.example", false, true, &st, &st_len);
        check(have_certs, "test certificates made with CryptoAPI (one in the AddressBook store)");

        /* §1 / 15. Encrypt chosen, one recipient with a certificate in the GAL
         * and one one-off SMTP address without: before, the encrypt bit was
         * set and Outlook's own dialog sent it unencrypted ("Send
         * Unencrypted") while the audit said "encrypt". Now the prompt does
         * not offer "encrypt", and the encrypt trigger's path is the
         * fallback route. */
        m = fake_mail(L"alice@corp.example", L"Plans", L"Plans.");
        fake_mail_add_recipient(m, cert_recipient(L"quinn@partner.example", gal, gal_len));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"nocert@partner.example"));
        r = run_case(app, m, "encrypt");
        check(r.cancel && strstr(r.log, "unavailable\t\tencrypt") &&
                      strstr(r.log, "1 recipient(s) have no certificate") && !fake_encrypt_pressed(m) &&
                      props_are(m, NULL, 0),
              "a recipient without a certificate: \"encrypt\" is not offered, Outlook's encryption not switched on");
        free(r.log);
        /* The same with Outlook's own Encrypt button already pressed by the user. */
        fake_set_long((fobj *) V_DISPATCH(fake_get(m, L"_Bars")), L"_Encrypt", 1);
        r = run_case(app, m, "cancel");
        check(!r.cancel && has_header(m, L"X-SecureSend-Route", L"smime") && !fake_encrypt_pressed(m) &&
                      fake_deliver(m) == FAKE_SENT_CLEAR && !*r.log,
              "Outlook's Encrypt pressed, a recipient without a certificate: no prompt, the fallback route, "
              "Outlook's encryption off (never \"Send Unencrypted\")");
        free(r.log);
        fake_release(m);

        /* An expired certificate is no certificate. */
        m = fake_mail(L"alice@corp.example", L"Old", L"Old.");
        fake_mail_add_recipient(m, cert_recipient(L"olga@partner.example", old, old_len));
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "choices\t\troute:gateway-smime route:portal send cancel"),
              "an expired certificate: \"encrypt\" not offered");
        free(r.log);
        fake_release(m);

        /* Every recipient ready (the GAL, the Windows store): "encrypt" is
         * offered; Outlook's Encrypt button is pressed and read back, the send
         * stops once so the user sends with it visibly on; the second send
         * goes encrypted by Outlook. */
        m = fake_mail(L"alice@corp.example", L"Secret plans", L"Plans.");
        fake_mail_add_recipient(m, cert_recipient(L"quinn@partner.example", gal, gal_len));
        e = fake_smtp_entry(L"stan@other.example");
        fake_entry_cert_in_store(e);
        fake_mail_add_recipient(m, fake_recipient_for(OL_CC, e));
        r = run_case(app, m, "encrypt");
        check(r.cancel && fake_encrypt_pressed(m) && strstr(r.log, "choices\t\tencrypt route:portal send cancel") &&
                      strstr(r.log, "press Send again"),
              "all recipients have certificates: encrypt offered; Outlook's Encrypt pressed, the send stops once");
        free(r.log);
        r = run_case(app, m, "cancel");
        check(!r.cancel && !*r.log && props_are(m, NULL, 0) && fake_deliver(m) == FAKE_SENT_SMIME,
              "sent again: no prompt, nothing else set, encrypted by Outlook");
        free(r.log);
        fake_release(m);

        /* §3 / 1-2. The same item twice: portal, then cancelled by a later
         * handler (Outlook does not send it); then "send" with a reason: the
         * route header and the tag are gone, only the justification stays. A
         * "[secure]" the user typed is kept. */
        m = fake_mail(L"alice@corp.example", L"Offer", L"Offer.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "route:portal");
        check(!r.cancel && has_header(m, L"X-SecureSend-Route", L"portal") &&
                      wcscmp(subject_of(m), L"[secure] Offer") == 0,
              "first attempt: routed to the portal");
        free(r.log);
        r = run_case(app, m, "send:customer asked");
        check(!r.cancel && !has_header(m, L"X-SecureSend-Route", NULL) &&
                      has_header(m, L"X-SecureSend-Justification", L"customer asked") &&
                      wcscmp(subject_of(m), L"Offer") == 0 && fake_mail_accessor(m)->n_deleted >= 2,
              "second attempt after a later handler cancelled: route header deleted, tag stripped, only the "
              "justification");
        free(r.log);
        fake_release(m);
        m = fake_mail(L"alice@corp.example", L"[secure] typed by me", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "send:ok");
        free(r.log);
        r = run_case(app, m, "send:ok");
        check(!r.cancel && wcscmp(subject_of(m), L"[secure] typed by me") == 0, "a tag the user typed is kept");
        free(r.log);
        fake_release(m);

        /* §2 / 3. A list with no members to show (hidden membership, an M365
         * group, offline) is not "no recipients". */
        m = fake_mail(L"alice@corp.example", L"Hidden", L"");
        members = fake_collection();
        fake_mail_add_recipient(m, fake_dl_recipient(OL_TO, L"Project Guests", members));
        fake_release(members);
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "counted as external): Project Guests"),
              "a list with 0 members: external and named");
        free(r.log);
        fake_release(m);

        /* §2 / 4. A dynamic list with an internal address. */
        m = fake_mail(L"alice@corp.example", L"Dynamic", L"");
        fake_mail_add_recipient(m,
                                fake_recipient_for(OL_TO, fake_dynamic_dl_entry(L"All Sales", L"sales@corp.example")));
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "counted as external): All Sales"),
              "a dynamic list (type 3): cannot be expanded here, external and named");
        free(r.log);
        fake_release(m);

        /* §2 / 5. A cycle A -> B -> A and a member in both: each address once. */
        m = fake_mail(L"alice@corp.example", L"Cycle", L"");
        members = fake_collection();
        a = fake_dl_entry(L"List A", L"id-A", members);
        fake_release(members);
        members = fake_collection();
        b = fake_dl_entry(L"List B", L"id-B", members);
        fake_add_child(members, a);
        e = fake_smtp_entry(L"ext@partner.example");
        fake_add_child(members, e);
        fake_release(e);
        fake_release(members);
        members = (fobj *) V_DISPATCH(fake_get((fobj *) V_DISPATCH(fake_get(a, L"_ExchangeDL")), L"_Members"));
        fake_add_child(members, b);
        e = fake_smtp_entry(L"ext@partner.example");
        fake_add_child(members, e);
        fake_release(e);
        fake_release(b);
        fake_mail_add_recipient(m, fake_recipient_for(OL_TO, a));
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "partner.example: ext@partner.example|") &&
                      !strstr(r.log, "counted as external"),
              "a list cycle and a member in two lists: each address once, no list reported");
        free(r.log);
        fake_release(m);

        /* §2 / 6. "All staff" with 20,000 members: not blocked; the budget
         * stops the expansion and names the list; with 2 ms per member the
         * time budget holds. */
        {
                LARGE_INTEGER f, t0, t1;
                double ms;
                m = fake_mail(L"alice@corp.example", L"Hello all", L"");
                members = fake_generated_members(20000, L"corp.example", 2);
                fake_mail_add_recipient(m, fake_dl_recipient(OL_TO, L"All Staff", members));
                fake_release(members);
                QueryPerformanceFrequency(&f);
                QueryPerformanceCounter(&t0);
                r = run_case(app, m, "send:all hands");
                QueryPerformanceCounter(&t1);
                ms = (double) (t1.QuadPart - t0.QuadPart) * 1000.0 / (double) f.QuadPart;
                printf("# All Staff, 20000 members at 2 ms each: ItemSend took %.0f ms\n", ms);
                check(!r.cancel && strstr(r.log, "counted as external): All Staff") && ms < 4500,
                      "a 20,000-member list with slow members: sent after the prompt, within the time budget");
                free(r.log);
                fake_release(m);
        }

        /* §7 / 8. A mail contact with an internal primary address delivers to
         * an external target address. */
        m = fake_mail(L"alice@corp.example", L"Partner", L"");
        fake_mail_add_recipient(m, fake_remote_user_recipient(OL_TO, L"Bob (partner)", L"partner.bob@corp.example",
                                                              L"bob@partner.example"));
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "partner.example: bob@partner.example"),
              "a remote user: classified by its target address (external)");
        free(r.log);
        fake_release(m);

        /* §4 / 11. A header trigger: the classification header on the item. */
        m = fake_mail(L"alice@corp.example", L"Report", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        {
                VARIANT v;
                V_VT(&v) = VT_BSTR;
                V_BSTR(&v) = SysAllocString(L"secret");
                fake_pa_set(fake_mail_accessor(m), HDR L"X-Classification", &v);
                VariantClear(&v);
        }
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "message\tMessage not sent"),
              "a header trigger (X-Classification: secret): blocked");
        check(strstr(r.log, "The message is classified as secret.") && !strstr(r.log, "X-Classification"),
              "a header trigger with a label (LabelEn): the block message gives the label, not the header");
        free(r.log);
        fake_release(m);

        /* §6 / 18. Sent by code (no window): no dialog, the fallback. */
        m = fake_mail(L"alice@corp.example", L"Automated", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        clear_ui_log();
        r.cancel = fire(app, m, "send:x");
        r.log = read_ui_log();
        check(r.cancel && !*r.log && props_are(m, NULL, 0),
              "an item with no window: no dialog, the policy's fallback (never clear text)");
        free(r.log);
        fake_release(m);

        /* §6 / 19. A nested ItemSend while the first is being checked. */
        m = fake_mail(L"alice@corp.example", L"Nested", L"");
        e = fake_smtp_entry(L"bob@corp.example");
        fake_set_method(e, L"AddressEntryUserType", reentering_type);
        fake_mail_add_recipient(m, fake_recipient_for(OL_TO, e));
        reenter_app = app;
        reenter_item = m;
        r = run_case(app, m, "cancel");
        check(!r.cancel && reenter_cancel == VARIANT_TRUE, "a nested ItemSend during the check: cancelled at once");
        free(r.log);
        fake_release(m);

        /* Leave the user's store as it was (run-addin.sh compares the
         * registry): the certificate's key under the store, named by its
         * SHA-1 hash. */
        if (st) {
                PCCERT_CONTEXT c = CertCreateCertificateContext(X509_ASN_ENCODING, st, st_len);
                BYTE hash[20];
                DWORD hl = sizeof(hash);
                wchar_t key[160];
                if (c && CertGetCertificateContextProperty(c, CERT_HASH_PROP_ID, hash, &hl) && hl == 20) {
                        int n = _snwprintf(key, 160,
                                           L"Software\\Microsoft\\SystemCertificates\\AddressBook\\Certificates\\");
                        for (DWORD i = 0; i < hl; i++)
                                n += _snwprintf(key + n, 160 - (size_t) n, L"%02X", hash[i]);
                        check(RegDeleteKeyW(HKEY_CURRENT_USER, key) == ERROR_SUCCESS,
                              "the test certificate removed from the store");
                }
                if (c)
                        CertFreeCertificateContext(c);
        }
        delete_container(L"quinn@partner.example");
        delete_container(L"olga@partner.example");
        delete_container(L"stan@other.example");
        free(gal);
        free(old);
        free(st);
}

/* Before run-addin.sh's first registry snapshot: the test's key containers
 * and the "AddressBook" store, so that the certificates made in the test
 * change nothing it compares. */
static int prepare(void) {
        HCRYPTPROV h;
        HCRYPTKEY k;
        HCERTSTORE s;
        /* A key container made and deleted leaves the provider's keys. */
        if (!CryptAcquireContextW(&h, TEST_CONTAINER_PREFIX L"prepare", NULL, PROV_RSA_FULL, CRYPT_NEWKEYSET) ||
            !CryptGenKey(h, AT_KEYEXCHANGE, 0, &k))
                return 1;
        CryptDestroyKey(k);
        CryptReleaseContext(h, 0);
        CryptAcquireContextW(&h, TEST_CONTAINER_PREFIX L"prepare", NULL, PROV_RSA_FULL, CRYPT_DELETEKEYSET);
        s = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"AddressBook");
        if (!s)
                return 1;
        CertCloseStore(s, 0);
        return 0;
}

/* ---- ribbon --------------------------------------------------------------------- */

static fobj *control(const wchar_t *id, fobj *item) {
        fobj *c = fake_new(), *insp = fake_new();
        fake_set_str(c, L"Id", id);
        fake_set_obj(insp, L"CurrentItem", item);
        fake_set_obj(insp, L"CommandBars", (fobj *) V_DISPATCH(fake_get(item, L"_Bars")));
        fake_set_obj(c, L"Context", insp);
        fake_release(insp);
        return c;
}

static HRESULT call_cb(IDispatch *d, const wchar_t *name, VARIANT *args, unsigned n, VARIANT *ret) {
        DISPID id;
        LPOLESTR names[1] = {(LPOLESTR) name};
        VARIANT rev[2];
        DISPPARAMS dp = {rev, NULL, n, 0};
        HRESULT hr = IDispatch_GetIDsOfNames(d, &IID_NULL, names, 1, 0, &id);
        if (FAILED(hr))
                return hr;
        for (unsigned i = 0; i < n; i++)
                rev[i] = args[n - 1 - i];
        return IDispatch_Invoke(d, id, &IID_NULL, 0, DISPATCH_METHOD, &dp, ret, NULL, NULL);
}

static HRESULT toggle(IDispatch *d, fobj *ctl, bool pressed) {
        VARIANT args[2];
        V_VT(&args[0]) = VT_DISPATCH;
        V_DISPATCH(&args[0]) = fake_disp(ctl);
        V_VT(&args[1]) = VT_BOOL;
        V_BOOL(&args[1]) = pressed ? VARIANT_TRUE : VARIANT_FALSE;
        return call_cb(d, L"sgOnToggle", args, 2, NULL);
}

static bool pressed_of(IDispatch *d, fobj *ctl) {
        VARIANT arg, ret;
        V_VT(&arg) = VT_DISPATCH;
        V_DISPATCH(&arg) = fake_disp(ctl);
        VariantInit(&ret);
        return SUCCEEDED(call_cb(d, L"sgGetPressed", &arg, 1, &ret)) && V_VT(&ret) == VT_BOOL && V_BOOL(&ret);
}

static char *label_of(IDispatch *d, const wchar_t *cb, fobj *ctl) {
        VARIANT arg, ret;
        char *s = NULL;
        V_VT(&arg) = VT_DISPATCH;
        V_DISPATCH(&arg) = fake_disp(ctl);
        VariantInit(&ret);
        if (SUCCEEDED(call_cb(d, cb, &arg, 1, &ret)) && V_VT(&ret) == VT_BSTR) {
                int n = WideCharToMultiByte(CP_UTF8, 0, V_BSTR(&ret), -1, NULL, 0, NULL, NULL);
                s = malloc((size_t) n);
                WideCharToMultiByte(CP_UTF8, 0, V_BSTR(&ret), -1, s, n, NULL, NULL);
        }
        VariantClear(&ret);
        return s;
}

/* Every callback attribute in the XML resolves through the add-in's IDispatch. */
static bool callbacks_resolve(IDispatch *d, const char *xml) {
        static const char *const attrs[] = {"onAction=\"",     "getLabel=\"",    "getPressed=\"",
                                            "getScreentip=\"", "getSupertip=\"", "onLoad=\"",
                                            "getEnabled=\"",   "getImage=\"",    "getVisible=\""};
        unsigned n = 0;
        bool ok = true;
        for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++)
                for (const char *p = strstr(xml, attrs[a]); p; p = strstr(p + 1, attrs[a])) {
                        wchar_t name[64];
                        const char *s = p + strlen(attrs[a]), *e = strchr(s, '"');
                        DISPID id;
                        LPOLESTR names[1] = {name};
                        int len = e ? (int) (e - s) : 0;
                        if (len <= 0 || len >= 63)
                                return false;
                        MultiByteToWideChar(CP_UTF8, 0, s, len, name, 64);
                        name[len] = 0;
                        n++;
                        if (FAILED(IDispatch_GetIDsOfNames(d, &IID_NULL, names, 1, 0, &id))) {
                                printf("# callback %ls does not resolve\n", name);
                                ok = false;
                        }
                }
        printf("# %u callback attributes checked\n", n);
        return ok && n >= 10;
}

static const wchar_t *const state_ids[] = {L"sgStateNormal", L"sgStateEncrypt", L"sgStateRoute", L"sgStatePrompt",
                                           L"sgStateBlock"};

/* The one state button getVisible shows for `item` (NULL when none or
 * several), after a click on the state (sgOnState: check again now). Its
 * label into *label, its supertip into *tip (owned, may be NULL). */
static const wchar_t *state_of(IDispatch *d, fobj *item, char **label, char **tip) {
        const wchar_t *shown = NULL;
        unsigned n = 0;
        VARIANT arg, ret;
        fobj *c = control(state_ids[0], item);
        V_VT(&arg) = VT_DISPATCH;
        V_DISPATCH(&arg) = fake_disp(c);
        call_cb(d, L"sgOnState", &arg, 1, NULL);
        fake_release(c);
        *label = *tip = NULL;
        for (size_t i = 0; i < sizeof state_ids / sizeof state_ids[0]; i++) {
                c = control(state_ids[i], item);
                V_DISPATCH(&arg) = fake_disp(c);
                VariantInit(&ret);
                if (SUCCEEDED(call_cb(d, L"sgGetVisible", &arg, 1, &ret)) && V_VT(&ret) == VT_BOOL && V_BOOL(&ret)) {
                        n++;
                        shown = state_ids[i];
                        free(*label);
                        free(*tip);
                        *label = label_of(d, L"sgGetLabel", c);
                        *tip = label_of(d, L"sgGetSupertip", c);
                }
                fake_release(c);
        }
        return n == 1 ? shown : NULL;
}

/* The state `item` shows is `want` with label `want_label`. */
static void check_state(IDispatch *d, fobj *item, const wchar_t *want, const char *want_label, const char *what) {
        char *label, *tip;
        const wchar_t *got = state_of(d, item, &label, &tip);
        checkf(got && wcscmp(got, want) == 0 && label && strcmp(label, want_label) == 0,
               "ribbon state, %s: %ls \"%s\" (got %ls \"%s\"; tip \"%s\")", what, want, want_label,
               got ? got : L"(none or several)", label ? label : "", tip ? tip : "");
        free(label);
        free(tip);
}

/* What the group shows before Send (ribbon-state.c, the engine's button):
 * every state, the toggles' choice, readiness from the certificates. */
static void ribbon_states(IDispatch *d) {
        fobj *m, *enc, *portal;
        char *label, *tip;
        BYTE *der = NULL;
        DWORD len = 0;

        m = fake_mail(L"alice@corp.example", L"Draft", L"Nothing yet.");
        check_state(d, m, L"sgStateNormal", "Secure send: no recipients yet", "no recipients");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        check_state(d, m, L"sgStateNormal", "Secure send: sent normally", "internal only");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_CC, L"pat@partner.example"));
        check_state(d, m, L"sgStatePrompt", "Secure send: you choose at Send", "an external recipient");
        state_of(d, m, &label, &tip);
        checkf(tip && strstr(tip, "partner.example"), "the state's tip gives the reasons (%s)", tip ? tip : "");
        free(label);
        free(tip);
        enc = control(L"sgEncrypt", m);
        portal = control(L"sgPortal", m);
        toggle(d, portal, true);
        check_state(d, m, L"sgStateRoute", "Secure send: through the secure portal", "Send via portal on");
        /* Encrypt on, a recipient without a certificate: Send takes the
         * policy's fallback route, and the ribbon says so. */
        toggle(d, enc, true);
        check_state(d, m, L"sgStateRoute", "Secure send: through the route \u201cgateway-smime\u201d",
                    "Encrypt on, no certificate: the fallback route");
        tip = label_of(d, L"sgGetSupertip", enc);
        checkf(tip && strstr(tip, "2 recipient(s) have no certificate"),
               "the Encrypt toggle's tip: two recipients without a certificate (%s)", tip ? tip : "");
        free(tip);
        fake_release(enc);
        fake_release(portal);
        fake_release(m);

        /* Every recipient has a certificate: encrypted. */
        m = fake_mail(L"alice@corp.example", L"Plans", L"Plans.");
        check(make_cert(L"rita@partner.example", false, false, &der, &len), "a certificate for the ribbon case");
        fake_mail_add_recipient(m, cert_recipient(L"rita@partner.example", der, len));
        enc = control(L"sgEncrypt", m);
        check_state(d, m, L"sgStatePrompt", "Secure send: you choose at Send", "a ready recipient, no toggle");
        toggle(d, enc, true);
        check_state(d, m, L"sgStateEncrypt", "Secure send: encrypted", "Encrypt on, every certificate found");
        tip = label_of(d, L"sgGetSupertip", enc);
        checkf(tip && strstr(tip, "encryption ready (S/MIME)"), "the Encrypt toggle's tip: ready (%s)", tip ? tip : "");
        free(tip);
        toggle(d, enc, false);
        fake_release(enc);
        fake_release(m);
        free(der);
        delete_container(L"rita@partner.example"); /* the registry is compared after the run */

        /* A block wins over a toggle; the policy's decisions without one. */
        m = fake_mail(L"alice@corp.example", L"Card", L"Card 4111 1111 1111 1111.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        enc = control(L"sgEncrypt", m);
        toggle(d, enc, true);
        check_state(d, m, L"sgStateBlock", "Secure send: will not be sent", "a card number, Encrypt on");
        toggle(d, enc, false);
        fake_release(enc);
        fake_release(m);
        m = fake_mail(L"alice@corp.example", L"Report", L"See the file.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        fake_mail_add_attachment(m, L"report.zip", 1234);
        check_state(d, m, L"sgStateRoute", "Secure send: through the secure portal", "a .zip attachment: routed");
        fake_release(m);
}

static char *custom_ui(ext2 *addin, const wchar_t *id) {
        ribbonx *rx = NULL;
        BSTR xml = NULL, bid = SysAllocString(id);
        char *s = NULL;
        if (FAILED(addin->lpVtbl->QueryInterface(addin, &iid_ribbon, (void **) &rx)))
                return NULL;
        if (SUCCEEDED(rx->lpVtbl->GetCustomUI(rx, bid, &xml)) && xml) {
                int n = WideCharToMultiByte(CP_UTF8, 0, xml, -1, NULL, 0, NULL, NULL);
                s = malloc((size_t) n);
                WideCharToMultiByte(CP_UTF8, 0, xml, -1, s, n, NULL, NULL);
        }
        SysFreeString(xml);
        SysFreeString(bid);
        rx->lpVtbl->Release(rx);
        return s;
}

static void ribbon(ext2 *addin, fobj *app, const char *xml_out) {
        IDispatch *d = NULL;
        char *xml = custom_ui(addin, L"Microsoft.Outlook.Mail.Compose");
        char *xml_ex = custom_ui(addin, L"Microsoft.Outlook.Explorer");
        char *xml_other = custom_ui(addin, L"Microsoft.Outlook.Contact");
        fobj *m, *enc, *portal, *ui;
        case_result r;
        VARIANT arg;

        check(xml && strstr(xml, "<toggleButton id=\"sgEncrypt\"") && strstr(xml, "<toggleButton id=\"sgPortal\"") &&
                      strstr(xml, "idMso=\"TabNewMailMessage\""),
              "GetCustomUI(Mail.Compose): a group with the two toggles");
        check(xml_ex && strstr(xml_ex, "tabSet idMso=\"TabComposeTools\""),
              "GetCustomUI(Explorer): the inline-reply tab set");
        check(!xml_other, "GetCustomUI(other ribbons): nothing");
        if (xml_out && xml) {
                FILE *f = fopen(xml_out, "wb");
                if (f) {
                        fputs(xml, f);
                        fputs("\n", f);
                        fputs(xml_ex ? xml_ex : "", f);
                        fputs("\n", f);
                        fclose(f);
                }
        }
        addin->lpVtbl->QueryInterface(addin, &IID_IDispatch, (void **) &d);
        check(d && xml && callbacks_resolve(d, xml), "every callback in the XML resolves (GetIDsOfNames)");

        /* onLoad gives the IRibbonUI; toggles invalidate the other control. */
        ui = fake_new();
        fake_set_method(ui, L"InvalidateControl", NULL);
        fake_set_str(ui, L"InvalidateControl", L"");
        V_VT(&arg) = VT_DISPATCH;
        V_DISPATCH(&arg) = fake_disp(ui);
        check(SUCCEEDED(call_cb(d, L"sgOnLoad", &arg, 1, NULL)), "onLoad accepted");

        /* Encrypt toggle: Outlook's own Encrypt button is pressed at click
         * time; at send a recipient without a certificate means the policy's
         * fallback route instead, with Outlook's encryption switched off again
         * (else Outlook's own dialog would offer "Send Unencrypted"). */
        m = fake_mail(L"alice@corp.example", L"Contract", L"Signed contract.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        enc = control(L"sgEncrypt", m);
        portal = control(L"sgPortal", m);
        check(SUCCEEDED(toggle(d, enc, true)), "Encrypt toggled on");
        check(fake_encrypt_pressed(m) && props_are(m, NULL, 0),
              "Encrypt on: Outlook's Encrypt button pressed at once, no MAPI property written under the window");
        check(pressed_of(d, enc) && !pressed_of(d, portal), "getPressed: Encrypt on, Send securely off");
        r = run_case(app, m, "cancel");
        {
                static const expect_prop want[] = {{HDR L"X-SecureSend-Route", L"smime", 0}};
                check(!r.cancel && props_are(m, want, 1) && !*r.log && !fake_encrypt_pressed(m) &&
                              fake_deliver(m) == FAKE_SENT_CLEAR,
                      "Encrypt on, recipient without a certificate: the fallback route, Outlook's encryption off, "
                      "no prompt");
        }
        free(r.log);
        fake_release(enc);
        fake_release(portal);
        fake_release(m);

        /* Send securely toggle: the portal route. Encrypt then portal: Outlook's
         * encryption is switched off again. */
        m = fake_mail(L"alice@corp.example", L"Salaries", L"Table.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        enc = control(L"sgEncrypt", m);
        portal = control(L"sgPortal", m);
        toggle(d, enc, true);
        toggle(d, portal, true);
        check(pressed_of(d, portal) && !pressed_of(d, enc) && !fake_encrypt_pressed(m),
              "Send securely on turns Encrypt off (and Outlook's Encrypt button)");
        r = run_case(app, m, "cancel");
        {
                static const expect_prop want[] = {{HDR L"X-SecureSend-Route", L"portal", 0}};
                check(!r.cancel && props_are(m, want, 1) && wcscmp(subject_of(m), L"[secure] Salaries") == 0,
                      "Send securely on, internal only: routed to the portal");
        }
        free(r.log);
        fake_release(enc);
        fake_release(portal);
        fake_release(m);

        /* The toggle lives on the item (a named property): a draft saved,
         * closed and reopened is a new object, and the toggle still counts. */
        m = fake_mail(L"alice@corp.example", L"Reopened", L"Draft.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        {
                VARIANT v;
                V_VT(&v) = VT_BSTR;
                V_BSTR(&v) = SysAllocString(L"portal");
                fake_pa_set(fake_mail_accessor(m),
                            L"http://schemas.microsoft.com/mapi/string/" SEALGATE_PROPS L"/sgToggle", &v);
                VariantClear(&v);
        }
        r = run_case(app, m, "cancel");
        check(!r.cancel && has_header(m, L"X-SecureSend-Route", L"portal") && !*r.log,
              "a reopened draft with Send securely on: routed, no prompt");
        free(r.log);
        fake_release(m);

        ribbon_states(d);

        /* Labels follow the UI language: English here. */
        m = fake_mail(L"alice@corp.example", L"", L"");
        enc = control(L"sgEncrypt", m);
        {
                char *l = label_of(d, L"sgGetLabel", enc), *t = label_of(d, L"sgGetScreentip", enc);
                check(l && strcmp(l, "Encrypt") == 0 && t && strcmp(t, "Encrypt this message") == 0,
                      "labels in English for an English Office");
                free(l);
                free(t);
        }
        fake_release(enc);
        fake_release(m);
        fake_release(ui);
        if (d)
                IDispatch_Release(d);
        free(xml);
        free(xml_ex);
}

static void japanese(void) {
        fobj *app = fake_application(0x0411), *m = fake_mail(L"a@corp.example", L"", L""), *enc, *portal;
        ext2 *a = create_addin();
        IDispatch *d = NULL;
        if (!a) {
                check(false, "second add-in instance");
                return;
        }
        a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL);
        a->lpVtbl->QueryInterface(a, &IID_IDispatch, (void **) &d);
        enc = control(L"sgEncrypt", m);
        portal = control(L"sgPortal", m);
        {
                char *l = label_of(d, L"sgGetLabel", enc), *p = label_of(d, L"sgGetLabel", portal);
                check(l && strcmp(l, "暗号化") == 0 && p && strcmp(p, "ポータル経由で送信") == 0,
                      "labels in Japanese when Office's UI language is Japanese (LanguageSettings)");
                free(l);
                free(p);
        }
        /* The state in Japanese: the catalog's words, as the Thunderbird button. */
        check_state(d, m, L"sgStateNormal", "セキュア送信: 宛先がまだありません", "ja, no recipients");
        {
                fobj *x = fake_mail(L"a@corp.example", L"件名", L"");
                fake_mail_add_recipient(x, fake_smtp_recipient(OL_TO, L"x@partner.example"));
                check_state(d, x, L"sgStatePrompt", "セキュア送信: 送信時に選択", "ja, an external recipient");
                fobj *pc = control(L"sgPortal", x);
                toggle(d, pc, true);
                check_state(d, x, L"sgStateRoute", "セキュア送信: セキュアポータル経由", "ja, Send via portal on");
                toggle(d, pc, false);
                fake_release(pc);
                fake_release(x);
        }
        /* and the prompt too */
        m = (fake_release(m), fake_mail(L"a@corp.example", L"件名", L""));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"x@partner.example"));
        clear_ui_log();
        {
                case_result r = run_case(app, m, "cancel");
                check(r.cancel && strstr(r.log, "社外への送信") &&
                              strstr(r.log, "社外の宛先があります（1 ドメイン: partner.example）。"),
                      "the prompt in Japanese");
                free(r.log);
        }
        a->lpVtbl->OnDisconnection(a, 0, NULL);
        IDispatch_Release(d);
        a->lpVtbl->Release(a);
        fake_release(enc);
        fake_release(portal);
        fake_release(m);
        fake_release(app);
}

/* A policy value of the wrong type: the send is stopped, and the message
 * quotes the reader's error. The value is put back afterwards. */
static void bad_policy(void) {
        static const wchar_t good[] = L"corp.example\0*.corp.example\0";
        static const wchar_t bad[] = L"corp.example";
        fobj *app = fake_application(0x0409), *m;
        ext2 *a;
        HKEY k;
        case_result r;
        if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Policies\\sealgate\\Internal", 0, KEY_SET_VALUE, &k)) {
                check(false, "test policy key present");
                return;
        }
        RegSetValueExW(k, L"Domains", 0, REG_SZ, (const BYTE *) bad, sizeof(bad));
        a = create_addin();
        a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL);
        m = fake_mail(L"alice@corp.example", L"Hello", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        r = run_case(app, m, "send:x");
        check(r.cancel && props_are(m, NULL, 0) && strstr(r.log, "policy could not be read") &&
                      strstr(r.log, "internal.domains") && strstr(r.log, "REG_MULTI_SZ"),
              "invalid registry policy: send stopped, the message quotes the reader's error");
        free(r.log);
        RegSetValueExW(k, L"Domains", 0, REG_MULTI_SZ, (const BYTE *) good, sizeof(good));
        RegCloseKey(k);
        a->lpVtbl->OnDisconnection(a, 0, NULL);
        a->lpVtbl->Release(a);
        fake_release(m);
        fake_release(app);
}

/* audit.required with a directory that cannot be made: nothing is sent,
 * nothing on the draft is changed. The Audit key is removed afterwards. */
static void audit_required(void) {
        static const wchar_t dir[] = L"Q:\\no-such-drive\\audit";
        DWORD one = 1;
        fobj *app = fake_application(0x0409), *m;
        ext2 *a;
        HKEY k;
        case_result r;
        if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Policies\\sealgate\\Audit", 0, NULL, 0, KEY_SET_VALUE, NULL,
                            &k, NULL)) {
                check(false, "Audit key created");
                return;
        }
        RegSetValueExW(k, L"Required", 0, REG_DWORD, (const BYTE *) &one, sizeof(one));
        RegSetValueExW(k, L"Directory", 0, REG_SZ, (const BYTE *) dir, sizeof(dir));
        RegCloseKey(k);
        a = create_addin();
        a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL);
        m = fake_mail(L"alice@corp.example", L"Files", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        fake_mail_add_attachment(m, L"a.zip", 10);
        r = run_case(app, m, "cancel");
        check(r.cancel && props_are(m, NULL, 0) && wcscmp(subject_of(m), L"Files") == 0 &&
                      strstr(r.log, "requires a record"),
              "audit required but not writable: nothing sent, the draft unchanged, a message says why");
        free(r.log);
        RegDeleteKeyW(HKEY_LOCAL_MACHINE, L"Software\\Policies\\sealgate\\Audit");
        a->lpVtbl->OnDisconnection(a, 0, NULL);
        a->lpVtbl->Release(a);
        fake_release(m);
        fake_release(app);
}

/* ---- mis-send prevention (issue 17): the registry's mis-send keys applied ---- */

static void set_reg(const wchar_t *sub, const wchar_t *name, const wchar_t *str, DWORD num) {
        wchar_t path[256];
        HKEY k;
        _snwprintf(path, 256, L"Software\\Policies\\sealgate\\%ls", sub);
        if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, path, 0, NULL, 0, KEY_SET_VALUE, NULL, &k, NULL)) {
                printf("# cannot create %ls\n", path);
                return;
        }
        if (str)
                RegSetValueExW(k, name, 0, REG_SZ, (const BYTE *) str, (DWORD) ((wcslen(str) + 1) * sizeof(wchar_t)));
        else
                RegSetValueExW(k, name, 0, REG_DWORD, (const BYTE *) &num, sizeof num);
        RegCloseKey(k);
}

static long type_of(fobj *mail, unsigned i) {
        fobj *rc = (fobj *) V_DISPATCH(fake_get(mail, L"Recipients"));
        return i < rc->n_children ? V_I4(fake_get(rc->children[i], L"Type")) : -1;
}

static unsigned n_recipients(fobj *mail) {
        return ((fobj *) V_DISPATCH(fake_get(mail, L"Recipients")))->n_children;
}

static const wchar_t *address_of(fobj *mail, unsigned i) {
        fobj *rc = (fobj *) V_DISPATCH(fake_get(mail, L"Recipients"));
        return i < rc->n_children ? V_BSTR(fake_get(rc->children[i], L"Address")) : L"";
}

static double deferred(fobj *mail) {
        VARIANT *v = fake_get(mail, L"DeferredDeliveryTime");
        return v && V_VT(v) == VT_DATE ? V_DATE(v) : -1;
}

/* A mail from alice to two external domains and an internal colleague, with
 * one attachment. */
static fobj *missend_mail(bool internal_to) {
        fobj *m = fake_mail(L"alice@corp.example", L"Quote", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_CC, L"quinn@other.example"));
        if (internal_to)
                fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_attachment(m, L"quote.pdf", 2048);
        return m;
}

static ext2 *connect_addin(fobj *app) {
        ext2 *a = create_addin();
        if (a)
                a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL);
        return a;
}

static void disconnect_addin(ext2 *a) {
        if (!a)
                return;
        a->lpVtbl->OnDisconnection(a, 0, NULL);
        a->lpVtbl->Release(a);
}

/* The newest line of today's audit file ("" when none): owned. */
static char *last_audit_line(void) {
        wchar_t dir[MAX_PATH], pattern[MAX_PATH + 32], path[MAX_PATH + 64];
        WIN32_FIND_DATAW fd;
        char line[8192], *last = calloc(1, sizeof line);
        HANDLE h;
        GetEnvironmentVariableW(L"LOCALAPPDATA", dir, MAX_PATH);
        _snwprintf(pattern, MAX_PATH + 32, L"%ls\\sealgate\\audit\\audit-*.jsonl", dir);
        h = FindFirstFileW(pattern, &fd);
        if (h == INVALID_HANDLE_VALUE || !last)
                return last;
        do {
                FILE *f;
                _snwprintf(path, MAX_PATH + 64, L"%ls\\sealgate\\audit\\%ls", dir, fd.cFileName);
                f = _wfopen(path, L"rb");
                while (f && fgets(line, sizeof(line), f))
                        strcpy(last, line);
                if (f)
                        fclose(f);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
        return last;
}

static void missend_cases(void) {
        fobj *app = fake_application(0x0409), *m, *parent;
        ext2 *a;
        case_result r;

        set_reg(L"Prompt", L"Confirm", L"external", 0);
        set_reg(L"Prompt", L"ConfirmAttachments", NULL, 1);
        set_reg(L"Prompt", L"ShowSender", NULL, 1);
        set_reg(L"Send", L"DelaySeconds", NULL, 5);
        set_reg(L"Rules\\ConvertToBcc", L"MinDomains", NULL, 2);
        set_reg(L"Rules", L"NewDomainInReply", L"prompt", 0);
        a = connect_addin(app);
        check(a != NULL, "mis-send policy: add-in connected");

        /* The checklist: Continue disabled until the last box; then the
         * prompt, the countdown, the Bcc move. */
        m = missend_mail(true);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "c t0 t1 c t2 c");
        SetEnvironmentVariableA("SEALGATE_TEST_COUNTDOWN", "elapse");
        r = run_case(app, m, "route:portal");
        check(strstr(r.log, "checklist\tFrom: alice@corp.example|# partner.example \xe2\x80\x94 outside the "
                            "organisation|pat@partner.example|# other.example") &&
                      strstr(r.log, "|# Attachments|quote.pdf (2") != NULL,
              "checklist: the sender, external recipients by domain, the attachment (from the registry's Prompt keys)");
        check(strstr(r.log, "checklist-controls\tcheck_all=0") != NULL,
              "checklist: no Check all when Prompt\\AllowCheckAll is not set");
        check(strstr(r.log, "checklist-disabled\tcontinue") && strstr(r.log, "checklist-state\t2/3 continue=0") &&
                      strstr(r.log, "checklist-state\t3/3 continue=1") && strstr(r.log, "checklist-answer\tcontinue"),
              "checklist: Continue disabled until the last box is ticked");
        check(strstr(r.log, "prompt\t") != NULL && strstr(r.log, "countdown\t5\tskippable=0") != NULL,
              "after the checklist the prompt, then the countdown (Send\\DelaySeconds 5)");
        check(!r.cancel && type_of(m, 0) == OL_BCC && type_of(m, 1) == OL_BCC && type_of(m, 2) == OL_TO &&
                      n_recipients(m) == 3 && has_header(m, L"X-SecureSend-Route", L"portal"),
              "rules.convert_to_bcc: both external recipients moved to Bcc, the internal one stays in To");
        check(strstr(r.log, "pat@partner.example, quinn@other.example") != NULL, "the Bcc move is told");
        check(deferred(m) == FAKE_DATE_NONE, "countdown mode: no deferred delivery");
        free(r.log);
        fake_release(m);

        /* Back from the checklist: nothing changed, nothing sent. */
        m = missend_mail(true);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "t0 b");
        r = run_case(app, m, "route:portal");
        check(r.cancel && !strstr(r.log, "prompt\t") && !strstr(r.log, "countdown\t") && type_of(m, 0) == OL_TO &&
                      type_of(m, 1) == OL_CC && props_are(m, NULL, 0),
              "checklist Back to editing: cancelled before the prompt, the draft unchanged");
        free(r.log);
        fake_release(m);

        /* Back from the countdown: the draft unchanged. */
        m = missend_mail(true);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "t0 t1 t2 c");
        SetEnvironmentVariableA("SEALGATE_TEST_COUNTDOWN", "back");
        r = run_case(app, m, "route:portal");
        check(r.cancel && strstr(r.log, "countdown\t5") && type_of(m, 0) == OL_TO && type_of(m, 1) == OL_CC &&
                      props_are(m, NULL, 0),
              "countdown Back to editing: not sent, recipients and headers unchanged");
        free(r.log);
        fake_release(m);

        /* Every To moved: the sender as placeholder in To. */
        m = missend_mail(false);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "t0 t1 t2 c");
        SetEnvironmentVariableA("SEALGATE_TEST_COUNTDOWN", "elapse");
        r = run_case(app, m, "route:portal");
        check(!r.cancel && n_recipients(m) == 3 && type_of(m, 0) == OL_BCC && type_of(m, 1) == OL_BCC &&
                      type_of(m, 2) == OL_TO && wcscmp(address_of(m, 2), L"alice@corp.example") == 0,
              "To left empty by the move holds the placeholder (the sender)");
        free(r.log);
        fake_release(m);

        /* rules.convert_to_bcc "ask" (issue 17): the task dialog offers "Keep
         * the external recipients in To and Cc"; ticked, the portal route is
         * applied and nobody moves, and the record says "kept"; unticked,
         * they move ("moved"). */
        disconnect_addin(a);
        set_reg(L"Rules\\ConvertToBcc", L"Mode", L"ask", 0);
        a = connect_addin(app);
        m = missend_mail(true);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "t0 t1 t2 c");
        SetEnvironmentVariableA("SEALGATE_TEST_COUNTDOWN", "elapse");
        r = run_case(app, m, "route:portal+keep");
        {
                char *line = last_audit_line();
                check(strstr(r.log, "keep\t\t&Keep the external recipients in To and Cc") != NULL,
                      "Bcc ask: the dialog offers to keep the recipients (its verification box)");
                check(!r.cancel && n_recipients(m) == 3 && type_of(m, 0) == OL_TO && type_of(m, 1) == OL_CC &&
                              type_of(m, 2) == OL_TO && has_header(m, L"X-SecureSend-Route", L"portal") &&
                              !strstr(r.log, "moved to Bcc"),
                      "Bcc ask, kept: routed through the portal, every recipient where the user wrote it");
                check(line && strstr(line, "\"outcome\":\"routed\"") && strstr(line, "\"bcc\":\"kept\"}"),
                      "Bcc ask, kept: the audit record says bcc kept");
                free(line);
        }
        free(r.log);
        fake_release(m);
        m = missend_mail(true);
        r = run_case(app, m, "route:portal");
        {
                char *line = last_audit_line();
                check(!r.cancel && type_of(m, 0) == OL_BCC && type_of(m, 1) == OL_BCC && type_of(m, 2) == OL_TO,
                      "Bcc ask, not kept: the external recipients move to Bcc");
                check(line && strstr(line, "\"bcc\":\"moved\"}"), "Bcc ask, not kept: the audit record says moved");
                free(line);
        }
        free(r.log);
        fake_release(m);
        disconnect_addin(a);
        set_reg(L"Rules\\ConvertToBcc", L"Mode", L"auto", 0);
        a = connect_addin(app);

        /* A reply that adds a domain the original message did not have. */
        parent = fake_mail(L"pat@partner.example", L"Quote", L"");
        fake_mail_add_recipient(parent, fake_smtp_recipient(OL_TO, L"alice@corp.example"));
        m = fake_mail(L"alice@corp.example", L"RE: Quote", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"zed@newco.example"));
        fake_mail_set_parent(m, parent);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "t0 t1 c");
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "not in the original message: newco.example") != NULL,
              "rules.new_domain_in_reply: the conversation parent's addresses; the new domain is named");
        free(r.log);
        fake_release(m);
        m = fake_mail(L"alice@corp.example", L"RE: Quote", L"");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        fake_mail_set_parent(m, parent);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "t0 c");
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "prompt\t") && !strstr(r.log, "not in the original message"),
              "a reply to the original's own domain raises no new domain");
        free(r.log);
        fake_release(m);
        fake_release(parent);
        disconnect_addin(a);

        /* send.delay_mode deferred: DeferredDeliveryTime about 5 s from now. */
        set_reg(L"Send", L"DelayMode", L"deferred", 0);
        a = connect_addin(app);
        m = missend_mail(true);
        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", "t0 t1 t2 c");
        {
                SYSTEMTIME st;
                double now, when;
                GetLocalTime(&st);
                SystemTimeToVariantTime(&st, &now);
                r = run_case(app, m, "route:portal");
                when = deferred(m);
                check(!r.cancel && !strstr(r.log, "countdown\t") && when > now + 3.0 / 86400 &&
                              when < now + 60.0 / 86400,
                      "Send\\DelayMode deferred: no countdown, DeferredDeliveryTime set about 5 s ahead");
        }
        free(r.log);
        fake_release(m);

        /* The undo marker (issue 17): a send that did not go (a later handler
         * cancelled it) left the recipients in Bcc, the placeholder in To and
         * the deferred time; the next attempt first puts the item back as the
         * user wrote it, so going back to editing shows the draft unchanged. */
        m = missend_mail(false);
        r = run_case(app, m, "route:portal");
        check(!r.cancel && n_recipients(m) == 3 && type_of(m, 0) == OL_BCC && type_of(m, 1) == OL_BCC &&
                      type_of(m, 2) == OL_TO && deferred(m) != FAKE_DATE_NONE,
              "first attempt: both moved to Bcc, the placeholder in To, deferred delivery set");
        free(r.log);
        r = run_case(app, m, "cancel");
        check(r.cancel && n_recipients(m) == 2 && type_of(m, 0) == OL_TO && type_of(m, 1) == OL_CC &&
                      wcscmp(address_of(m, 0), L"pat@partner.example") == 0 && deferred(m) == FAKE_DATE_NONE,
              "undo marker: the next attempt puts To and Cc back, removes the placeholder and the deferred time");
        free(r.log);
        fake_release(m);
        disconnect_addin(a);

        SetEnvironmentVariableA("SEALGATE_TEST_CHECKLIST", NULL);
        SetEnvironmentVariableA("SEALGATE_TEST_COUNTDOWN", NULL);
        RegDeleteTreeW(HKEY_LOCAL_MACHINE, L"Software\\Policies\\sealgate\\Send");
        RegDeleteTreeW(HKEY_LOCAL_MACHINE, L"Software\\Policies\\sealgate\\Rules");
        {
                HKEY k;
                if (!RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Policies\\sealgate\\Prompt", 0, KEY_SET_VALUE, &k)) {
                        RegDeleteValueW(k, L"Confirm");
                        RegDeleteValueW(k, L"ConfirmAttachments");
                        RegDeleteValueW(k, L"ShowSender");
                        RegCloseKey(k);
                }
        }
        fake_release(app);
}

/* ---- issue 21: list expansions cached, slow address book, justification_to ---------- */

#define SG_TEST_CACHE_ENTRIES 8 /* win32-mapi/item.h's SG_ITEM_CACHE_ENTRIES */

/* An external mail to bob and the list `id` of `n` generated members at
 * partner.example, each address-book call sleeping `delay_ms`. */
static fobj *list_mail(const wchar_t *id, long n, DWORD delay_ms) {
        fobj *m = fake_mail(L"alice@corp.example", L"All partners", L"Hello all.");
        fobj *members = fake_generated_members(n, L"partner.example", delay_ms);
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_recipient(m, fake_recipient_for(OL_TO, fake_dl_entry(id, id, members)));
        fake_release(members);
        return m;
}

static void list_cache_cases(void) {
        fobj *app = fake_application(0x0409), *m, *ms[SG_TEST_CACHE_ENTRIES + 1];
        ext2 *a = connect_addin(app);
        unsigned x0, ab0;
        case_result r;
        LARGE_INTEGER f, t0, t1;
        double first, again, cut;

        /* One item sent three times (the prompt goes back each time): its
         * list is expanded once; a recipient added expands it again. */
        m = list_mail(L"Partners", 30, 0);
        x0 = fake_n_expansions;
        ab0 = fake_n_ab_calls;
        r = run_case(app, m, "cancel");
        free(r.log);
        check(fake_n_expansions == x0 + 1 && fake_n_ab_calls == ab0 + 30, "first send: the list expanded once");
        r = run_case(app, m, "cancel");
        free(r.log);
        r = run_case(app, m, "cancel");
        check(r.cancel && strstr(r.log, "prompt\t") != NULL, "third send: the same prompt (the cached members)");
        free(r.log);
        check(fake_n_expansions == x0 + 1 && fake_n_ab_calls == ab0 + 30,
              "second and third send of the same item: the list is not expanded again");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_CC, L"carol@corp.example"));
        r = run_case(app, m, "cancel");
        free(r.log);
        check(fake_n_expansions == x0 + 2, "a recipient added: the list is expanded again");
        fake_release(m);

        /* Bounded: one item more than the cache holds pushes the first out. */
        for (unsigned i = 0; i <= SG_TEST_CACHE_ENTRIES; i++) {
                wchar_t id[32];
                _snwprintf(id, 32, L"List %u", i);
                ms[i] = list_mail(id, 3, 0);
                r = run_case(app, ms[i], "cancel");
                free(r.log);
        }
        x0 = fake_n_expansions;
        r = run_case(app, ms[SG_TEST_CACHE_ENTRIES], "cancel");
        free(r.log);
        check(fake_n_expansions == x0, "the newest item's list is still cached");
        r = run_case(app, ms[0], "cancel");
        free(r.log);
        check(fake_n_expansions == x0 + 1, "one past the 8 cached reads: the oldest was dropped and is expanded again");
        for (unsigned i = 0; i <= SG_TEST_CACHE_ENTRIES; i++)
                fake_release(ms[i]);

        /* A slow address book (item 8): 200 members at 5 ms a call. The
         * first send pays for them once; sending again asks nothing. */
        QueryPerformanceFrequency(&f);
        m = list_mail(L"Slow partners", 200, 5);
        ab0 = fake_n_ab_calls;
        QueryPerformanceCounter(&t0);
        r = run_case(app, m, "cancel");
        QueryPerformanceCounter(&t1);
        free(r.log);
        first = (double) (t1.QuadPart - t0.QuadPart) * 1000.0 / (double) f.QuadPart;
        QueryPerformanceCounter(&t0);
        r = run_case(app, m, "cancel");
        QueryPerformanceCounter(&t1);
        free(r.log);
        again = (double) (t1.QuadPart - t0.QuadPart) * 1000.0 / (double) f.QuadPart;
        check(fake_n_ab_calls == ab0 + 200, "slow address book: 200 calls at the first send, none at the second");
        printf("# slow address book, 200 members at 5 ms: first send %.0f ms, sent again %.1f ms\n", first, again);
        fake_release(m);
        /* 2,000 members at 5 ms (10 s of calls): the budget cuts the read
         * (counted as external, not kept), and the send is not held longer. */
        m = list_mail(L"All staff", 2000, 5);
        ab0 = fake_n_ab_calls;
        QueryPerformanceCounter(&t0);
        r = run_case(app, m, "cancel");
        QueryPerformanceCounter(&t1);
        cut = (double) (t1.QuadPart - t0.QuadPart) * 1000.0 / (double) f.QuadPart;
        check(r.cancel && strstr(r.log, "All staff") != NULL && fake_n_ab_calls - ab0 < 2000,
              "2,000 slow members: cut short by the time budget, the list named as external");
        free(r.log);
        printf("# slow address book, 2,000 members at 5 ms: the send took %.0f ms (%u calls; budget %u ms)\n", cut,
               fake_n_ab_calls - ab0, 3000u);
        ab0 = fake_n_ab_calls;
        r = run_case(app, m, "cancel");
        free(r.log);
        check(fake_n_ab_calls > ab0, "a read cut short is not cached: the next send tries again");
        fake_release(m);
        disconnect_addin(a);
        fake_release(app);
}

/* prompt.justification_to "audit" (Prompt\JustificationTo): the reason is in
 * the audit record, not on the message, though JustificationHeader is set. */
static void justification_to_cases(void) {
        fobj *app = fake_application(0x0409), *m;
        ext2 *a;
        case_result r;
        HKEY k;

        set_reg(L"Prompt", L"JustificationTo", L"audit", 0);
        a = connect_addin(app);
        m = fake_mail(L"alice@corp.example", L"Offer", L"Offer.");
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        r = run_case(app, m, "send:agreed with legal");
        check(!r.cancel && !has_header(m, L"X-SecureSend-Justification", NULL) && props_are(m, NULL, 0),
              "Prompt\\JustificationTo audit: sent, no justification header on the message");
        free(r.log);
        fake_release(m);
        disconnect_addin(a);
        if (!RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Policies\\sealgate\\Prompt", 0, KEY_SET_VALUE, &k)) {
                RegDeleteValueW(k, L"JustificationTo");
                RegCloseKey(k);
        }
        fake_release(app);
}

/* ---- issue 21 item 5: inline responses ----------------------------------------------- */

static HRESULT count_invalidate(fobj *self, VARIANT *args, unsigned n, VARIANT *ret) {
        VARIANT *c = fake_get(self, L"_N");
        fake_set_long(self, L"_N", (c ? V_I4(c) : 0) + 1);
        return S_OK;
}

static long invalidations(fobj *ui) {
        VARIANT *c = fake_get(ui, L"_N");
        return c ? V_I4(c) : 0;
}

static void fire_str(fobj *o, DISPID id, const wchar_t *s) {
        VARIANT v;
        V_VT(&v) = VT_BSTR;
        V_BSTR(&v) = SysAllocString(s);
        fake_fire(o, id, &v, 1);
        VariantClear(&v);
}

static void fire_obj(fobj *o, DISPID id, fobj *arg) {
        VARIANT v;
        V_VT(&v) = VT_DISPATCH;
        V_DISPATCH(&v) = arg ? fake_disp(arg) : NULL;
        fake_fire(o, id, arg ? &v : NULL, arg ? 1 : 0);
}

static void inline_cases(void) {
        fobj *app = fake_application(0x0409), *ex = fake_explorer(app), *ui = fake_new(), *m;
        ext2 *a = create_addin();
        IDispatch *d = NULL;
        VARIANT arg, cancel;
        VARIANT_BOOL no = VARIANT_FALSE;
        LONG refs0;
        long n0;

        if (!a) {
                check(false, "inline responses: add-in created");
                return;
        }
        a->lpVtbl->OnConnection(a, fake_disp(app), 1 /* ext_cm_Startup */, NULL, NULL);
        check(ex->sink == NULL, "at OnConnection during start-up the Explorer is not asked yet");
        a->lpVtbl->OnStartupComplete(a, NULL);
        check(ex->sink != NULL && ex->sink_answered_diid,
              "OnStartupComplete: the Explorer's events (ExplorerEvents_10) are advised");
        fake_set_method(ui, L"InvalidateControl", count_invalidate);
        a->lpVtbl->QueryInterface(a, &IID_IDispatch, (void **) &d);
        V_VT(&arg) = VT_DISPATCH;
        V_DISPATCH(&arg) = fake_disp(ui);
        call_cb(d, L"sgOnLoad", &arg, 1, NULL);

        m = fake_mail(L"alice@corp.example", L"RE: Offer", L"Thanks.");
        fake_item_events(m);
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        refs0 = m->refs;
        n0 = invalidations(ui);
        fire_obj(ex, 0xFC92, m); /* InlineResponse(m) */
        check(invalidations(ui) > n0 && m->sink != NULL,
              "InlineResponse: the ribbon is invalidated and the reply's item events are advised");
        n0 = invalidations(ui);
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_CC, L"pat@partner.example"));
        fire_str(m, 0xF009, L"CC"); /* PropertyChange("CC") */
        check(invalidations(ui) > n0, "the inline reply's recipients change (PropertyChange CC): ribbon invalidated");
        n0 = invalidations(ui);
        fire_str(m, 0xF009, L"Subject");
        check(invalidations(ui) == n0, "PropertyChange(Subject): no invalidation");
        fire_obj(ex, 0xFC96, NULL); /* InlineResponseClose */
        check(invalidations(ui) > n0 && m->sink == NULL && m->refs == refs0,
              "InlineResponseClose: ribbon invalidated, the item's sink unadvised, no reference to it left");

        fire_obj(ex, 0xFC92, m);
        V_VT(&cancel) = VT_BOOL | VT_BYREF;
        V_BOOLREF(&cancel) = &no;
        fake_fire(m, 0xF004, &cancel, 1); /* ItemEvents_10.Close(Cancel) */
        check(m->sink == NULL && m->refs == refs0, "the reply's Close: unadvised and released");
        fire_obj(ex, 0xFC92, m);
        fake_fire(m, 0xFBAD, NULL, 0); /* Unload */
        check(m->sink == NULL && m->refs == refs0, "the reply's Unload: unadvised and released");

        fire_obj(ex, 0xFC92, m);
        a->lpVtbl->OnDisconnection(a, 0, NULL);
        check(m->sink == NULL && m->refs == refs0 && ex->sink == NULL,
              "OnDisconnection with a reply open: every sink unadvised, the item released");
        if (d)
                IDispatch_Release(d);
        a->lpVtbl->Release(a);
        fake_release(m);
        fake_release(ui);
        fake_release(app);
}

/* ---- audit -------------------------------------------------------------------------- */

/* Whether an audit record of the add-in contains `needle`. */
static bool audit_has(const char *needle) {
        wchar_t dir[MAX_PATH], pattern[MAX_PATH + 32], path[MAX_PATH + 64];
        WIN32_FIND_DATAW fd;
        HANDLE h;
        bool found = false;
        GetEnvironmentVariableW(L"LOCALAPPDATA", dir, MAX_PATH);
        _snwprintf(pattern, MAX_PATH + 32, L"%ls\\sealgate\\audit\\audit-*.jsonl", dir);
        h = FindFirstFileW(pattern, &fd);
        if (h == INVALID_HANDLE_VALUE)
                return false;
        do {
                char line[8192];
                FILE *f;
                _snwprintf(path, MAX_PATH + 64, L"%ls\\sealgate\\audit\\%ls", dir, fd.cFileName);
                f = _wfopen(path, L"rb");
                while (f && !found && fgets(line, sizeof(line), f))
                        found = strstr(line, needle) != NULL;
                if (f)
                        fclose(f);
        } while (!found && FindNextFileW(h, &fd));
        FindClose(h);
        return found;
}

static void audit(unsigned expected_lines) {
        wchar_t dir[MAX_PATH], pattern[MAX_PATH + 32], path[MAX_PATH + 64];
        WIN32_FIND_DATAW fd;
        HANDLE h;
        unsigned lines = 0, outlook = 0, routed = 0, cancelled = 0, blocked = 0, encrypt = 0;
        GetEnvironmentVariableW(L"LOCALAPPDATA", dir, MAX_PATH);
        _snwprintf(pattern, MAX_PATH + 32, L"%ls\\sealgate\\audit\\audit-*.jsonl", dir);
        h = FindFirstFileW(pattern, &fd);
        check(h != INVALID_HANDLE_VALUE, "audit file in %LOCALAPPDATA%\\sealgate\\audit");
        if (h == INVALID_HANDLE_VALUE)
                return;
        do {
                FILE *f;
                char line[8192];
                _snwprintf(path, MAX_PATH + 64, L"%ls\\sealgate\\audit\\%ls", dir, fd.cFileName);
                f = _wfopen(path, L"rb");
                while (f && fgets(line, sizeof(line), f)) {
                        lines++;
                        outlook +=
                                strstr(line, "{\"v\":1,\"time\":\"") == line && strstr(line, "\"client\":\"outlook\"");
                        routed += strstr(line, "\"outcome\":\"routed\"") != NULL;
                        cancelled += strstr(line, "\"outcome\":\"cancelled\"") != NULL;
                        blocked += strstr(line, "\"outcome\":\"blocked\"") != NULL;
                        encrypt += strstr(line, "\"outcome\":\"encrypt\"") != NULL;
                        if (lines == 2)
                                printf("# %s", line);
                }
                if (f)
                        fclose(f);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
        printf("# audit: %u lines, routed %u, cancelled %u, blocked %u, encrypt %u\n", lines, routed, cancelled,
               blocked, encrypt);
        check(lines == expected_lines && outlook == lines, "one audit record per mail sent, client outlook");
        check(routed == 9 && blocked == 9 && encrypt == 1 && cancelled == 13, "audit outcomes");
}

/* ---- benchmark ---------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n) {
        qsort(v, n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static fobj *fifty(bool mixed) {
        fobj *m = fake_mail(L"alice@corp.example", L"Status", L"Weekly status for everyone.");
        for (int i = 0; i < 50; i++) {
                wchar_t a[64];
                long type = i % 5 == 4 ? OL_BCC : i % 3 ? OL_TO : OL_CC;
                if (mixed && i % 2)
                        _snwprintf(a, 64, L"user%d@partner%d.example", i, i % 7);
                else
                        _snwprintf(a, 64, L"user%d@%ls", i, i % 4 ? L"corp.example" : L"osaka.corp.example");
                if (i % 5 == 0) {
                        wchar_t name[32];
                        _snwprintf(name, 32, L"User %d", i);
                        fake_mail_add_recipient(m, fake_exchange_recipient(type, name, a));
                } else {
                        fake_mail_add_recipient(m, fake_smtp_recipient(type, a));
                }
        }
        return m;
}

static double ms_since(LARGE_INTEGER t0, LARGE_INTEGER f) {
        LARGE_INTEGER t1;
        QueryPerformanceCounter(&t1);
        return (double) (t1.QuadPart - t0.QuadPart) * 1000.0 / (double) f.QuadPart;
}

static int bench(unsigned n) {
        LARGE_INTEGER f, t0;
        double *conn = calloc(n, sizeof(double)), *send_int = calloc(n, sizeof(double)),
               *send_mix = calloc(n, sizeof(double)), first_send = 0;
        fobj *app = fake_application(0x0409);
        double create_first = 0;
        QueryPerformanceFrequency(&f);
        for (unsigned i = 0; i < n; i++) {
                ext2 *a;
                QueryPerformanceCounter(&t0);
                a = create_addin();
                if (i == 0)
                        create_first = ms_since(t0, f);
                if (!a)
                        return 1;
                QueryPerformanceCounter(&t0);
                a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL);
                conn[i] = ms_since(t0, f);
                a->lpVtbl->OnDisconnection(a, 0, NULL);
                a->lpVtbl->Release(a);
        }
        {
                ext2 *a = create_addin();
                a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL);
                for (unsigned i = 0; i < n; i++) {
                        fobj *m = fifty(false), *mx = fifty(true);
                        QueryPerformanceCounter(&t0);
                        fire(app, m, "route:portal");
                        send_int[i] = ms_since(t0, f);
                        if (i == 0)
                                first_send = send_int[i];
                        QueryPerformanceCounter(&t0);
                        fire(app, mx, "route:portal");
                        send_mix[i] = ms_since(t0, f);
                        fake_release(m);
                        fake_release(mx);
                }
                a->lpVtbl->OnDisconnection(a, 0, NULL);
                a->lpVtbl->Release(a);
        }
        {
                double mc = median(conn, n), mi = median(send_int, n), mm = median(send_mix, n);
                printf("CoCreateInstance, first (loads the DLL): %.3f ms\n", create_first);
                printf("OnConnection: median %.1f us, max %.1f us (%u runs)\n", mc * 1000, conn[n - 1] * 1000, n);
                printf("ItemSend, 50 recipients, all internal (allow): first %.3f ms (loads the policy), "
                       "median %.3f ms, max %.3f ms\n",
                       first_send, mi, send_int[n - 1]);
                printf("ItemSend, 50 recipients, 25 external in 7 domains (prompt answered by the test hook, "
                       "portal route): median %.3f ms, max %.3f ms\n",
                       mm, send_mix[n - 1]);
        }
        fake_release(app);
        printf("0 passed, 0 failed\n");
        return 0;
}

/* One external message whose prompt a person (or xdotool) answers; with a
 * card number in its body (card) the policy blocks it: the block dialog. */
static int prompt(const char *lang, bool card) {
        bool ja = strcmp(lang, "ja") == 0;
        fobj *app = fake_application(ja ? 0x0411 : 0x0409), *m, *pa;
        ext2 *a = create_addin();
        bool cancel;
        if (!a)
                return 1;
        a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL);
        m = fake_mail(L"alice@corp.example", ja ? L"四半期の数字" : L"Quarterly figures",
                      card ? (ja ? L"カード番号 4111 1111 1111 1111" : L"Card: 4111 1111 1111 1111, exp 12/29")
                           : (ja ? L"資料を添付します。" : L"Figures attached."));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"pat@partner.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_CC, L"lee@partner.example"));
        fake_mail_add_recipient(m, fake_smtp_recipient(OL_BCC, L"sato@example.co.jp"));
        fake_mail_add_attachment(m, L"figures.xlsx", 48213);
        SetEnvironmentVariableW(L"SEALGATE_TEST_UI_LOG", NULL);
        SetEnvironmentVariableW(L"SEALGATE_TEST_PROMPT_CHOICE", NULL);
        fake_inspector_open(app, m); /* sent from its window: the prompt is shown */
        cancel = fire(app, m, NULL);
        fake_inspector_close(app, m);
        pa = fake_mail_accessor(m);
        printf("result cancel=%d", cancel);
        if (fake_encrypt_pressed(m))
                printf(" outlook-encrypt=on");
        for (unsigned i = 0; i < pa->n_log; i++) {
                VARIANT *v = &pa->log[i].value;
                const wchar_t *n = pa->log[i].name, *slash = wcsrchr(n, L'/');
                if (wcsstr(n, SEALGATE_PROPS))
                        continue;
                if (V_VT(v) == VT_BSTR)
                        printf(" %ls=%ls", slash ? slash + 1 : n, V_BSTR(v));
                else
                        printf(" %ls=%ld", slash ? slash + 1 : n, (long) V_I4(v));
        }
        {
                char subj[512];
                WideCharToMultiByte(CP_UTF8, 0, subject_of(m), -1, subj, sizeof(subj), NULL, NULL);
                printf(" subject=%s\n", subj);
        }
        a->lpVtbl->OnDisconnection(a, 0, NULL);
        a->lpVtbl->Release(a);
        fake_release(m);
        fake_release(app);
        return 0;
}

/* --msi: the shipped add-in loaded as Outlook loads it after the MSI: the
 * name of the Addins key (sealgate.OutlookAddin) to its class through
 * HKCR\<ProgID>\CLSID, the DLL from that class's InprocServer32 (no
 * regsvr32), then one ItemSend to an internal recipient (the MSI was given
 * INTERNALDOMAIN=corp.example): sent, no prompt. */
static int msi_case(void) {
        CLSID clsid;
        ext2 *a = NULL;
        HRESULT hr = CLSIDFromProgID(L"sealgate.OutlookAddin", &clsid);
        check(SUCCEEDED(hr) && IsEqualGUID(&clsid, &clsid_shipped),
              "CLSIDFromProgID(sealgate.OutlookAddin): the class the MSI registered");
        if (SUCCEEDED(hr)) {
                hr = CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &iid_ext2, (void **) &a);
                if (FAILED(hr))
                        printf("# CoCreateInstance: 0x%08lx\n", (unsigned long) hr);
        }
        check(a != NULL, "CoCreateInstance loads the installed DLL through the MSI's InprocServer32");
        if (a) {
                fobj *app = fake_application(0x0409);
                check(SUCCEEDED(a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL)) &&
                              SUCCEEDED(a->lpVtbl->OnStartupComplete(a, NULL)) && app->sink != NULL,
                      "OnConnection and OnStartupComplete: the ItemSend sink is advised");
                fobj *m = fake_mail(L"alice@corp.example", L"Lunch", L"See you at noon.");
                fake_mail_add_recipient(m, fake_smtp_recipient(OL_TO, L"bob@corp.example"));
                bool cancel = fire(app, m, "cancel");
                check(!cancel && props_are(m, NULL, 0),
                      "ItemSend to an internal recipient under the MSI's policy: sent, nothing set");
                fake_release(m);
                check(SUCCEEDED(a->lpVtbl->OnBeginShutdown(a, NULL)) &&
                              SUCCEEDED(a->lpVtbl->OnDisconnection(a, 1, NULL)) && app->sink == NULL,
                      "OnDisconnection unadvises the sink");
                a->lpVtbl->Release(a);
                fake_release(app);
        }
        printf("1..%u\n%u passed, %u failed\n", n_test, n_ok, n_fail);
        return n_fail ? 1 : 0;
}

int main(int argc, char **argv) {
        const char *xml_out = NULL, *prompt_lang = NULL;
        unsigned bench_n = 0;
        bool msi = false, card = false;
        fobj *app;
        ext2 *a;
        wchar_t tmp[MAX_PATH];

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--ribbon-xml") == 0 && i + 1 < argc)
                        xml_out = argv[++i];
                else if (strcmp(argv[i], "--prompt") == 0 && i + 1 < argc)
                        prompt_lang = argv[++i];
                else if (strcmp(argv[i], "--prepare") == 0)
                        return prepare();
                else if (strcmp(argv[i], "--msi") == 0)
                        msi = true;
                else if (strcmp(argv[i], "--card") == 0)
                        card = true;
                else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
                        bench_n = (unsigned) atoi(argv[++i]);
        }
        GetTempPathW(MAX_PATH, tmp);
        _snwprintf(ui_log, MAX_PATH, L"%lssealgate-test-ui-%lu.log", tmp, (unsigned long) GetCurrentProcessId());
        SetEnvironmentVariableW(L"SEALGATE_TEST_UI_LOG", ui_log);
        CoInitialize(NULL);
        if (msi)
                return msi_case();
        if (bench_n)
                return bench(bench_n);
        if (prompt_lang)
                return prompt(prompt_lang, card);

        app = fake_application(0x0409);
        a = create_addin();
        check(a != NULL, "CoCreateInstance of the registered add-in");
        if (!a)
                goto out;
        check(SUCCEEDED(a->lpVtbl->OnConnection(a, fake_disp(app), 0, NULL, NULL)), "OnConnection");
        check(app->sink != NULL && app->sink_answered_diid,
              "the sink is advised and answers QueryInterface for ApplicationEvents_11");
        check(SUCCEEDED(a->lpVtbl->OnStartupComplete(a, NULL)), "OnStartupComplete");
        cases(app);
        attachment_texts(app);
        real_outlook(app);
        ribbon(a, app, xml_out);
        japanese();
        bad_policy();
        audit_required();
        /* Records: every send that reached the policy (the post, the
         * pre-cancelled send and the nested one excluded): cases(),
         * attachment_texts() (7 blocked, 3 sent; a send stopped before
         * the decision leaves no record), real_outlook() (the item sent by
         * code included), ribbon(), japanese(). */
        audit(44);
        missend_cases();
        list_cache_cases();
        justification_to_cases();
        inline_cases();
        check(SUCCEEDED(a->lpVtbl->OnBeginShutdown(a, NULL)) && SUCCEEDED(a->lpVtbl->OnDisconnection(a, 1, NULL)) &&
                      app->sink == NULL,
              "OnDisconnection unadvises the sink");
        a->lpVtbl->Release(a);
out:
        fake_release(app);
        DeleteFileW(ui_log);
        CoUninitialize();
        printf("1..%u\n%u passed, %u failed\n", n_test, n_ok, n_fail);
        return n_fail ? 1 : 0;
}
