#!/usr/bin/env python3
"""sealgate-certs (the certificate wizard) as a screen reader meets it: under
a private Xvfb, session bus and AT-SPI registry, the real accessibility tree
and events read through libatspi, in en and ja. For every step (file,
password, contents, target, done): the window is a dialog named by its title
and described by the step; the step title is a heading; every focusable
control is named (its visible words from the catalog, no mnemonic markup)
with its role; the focus event on opening a step lands on its field; Tab
goes round the controls in the visual (tree) order and Shift+Tab the same
backwards; the default button says so in words. Errors (no file at the
path, a wrong password) are announced: the error line has the alert role
(AT-SPI "notification"), the field's description carries the error, and a
focus event on the field says it (GTK 4.8 sends no event when a label
appears).
Usage: test-a11y-certs.py SEALGATE_CERTS LOCALEDIR SOURCE_ROOT. Needs the
corpus (tb-smime/Alice.p12) and certutil; skips without them. Prints TAP."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from tap import done, ok, skip  # noqa: E402
import a11yx  # noqa: E402
import promptx  # noqa: E402

WIZARD, LOCALEDIR = sys.argv[1], sys.argv[2]
ROOT = pathlib.Path(sys.argv[3]).resolve()
CORPUS = next((p for p in [pathlib.Path(os.environ.get("SEALGATE_CORPUS", "/nonexistent")),
                           ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus"]
               if (p / "tb-smime" / "Alice.p12").exists()), None)
if CORPUS is None or not shutil.which("certutil") or not shutil.which("xdotool"):
    skip("sealgate-certs accessibility", "the test corpus (SEALGATE_CORPUS), certutil or xdotool is missing")
    sys.exit(done())
P12, P12_PASSWORD = CORPUS / "tb-smime" / "Alice.p12", "nss"

# The wizard's texts from the one catalog, by their English words.
CATALOG = [t for t in json.loads((ROOT / "catalog" / "texts.json").read_text(encoding="utf-8"))["texts"]
           if t.get("context") == "certs wizard"]


def text(en, lang):
    hit = [t for t in CATALOG if t["en"] == en]
    if len(hit) != 1:
        raise KeyError(f"catalog: {len(hit)} certs wizard texts {en!r}")
    return re.sub(r"\(_.\)|_", "", hit[0][lang]).replace("{1}", "%s").replace("{2}", "%s")


def texts(lang):
    t = {k: text(v, lang) for k, v in dict(
        title="Import a certificate", file=("The certificate file (.p12, .pfx, .cer, .crt, .pem, .p7b, .p7s or a "
                                             "signed message .eml):"),
        choose="Choose…", cancel="Cancel", back="Back", next="Next", imp="Import", close="Close",
        password="The file's password (the one you received with the file):", show="Show the password",
        default="The default button: Enter presses it.", no_file="There is no file at this path.",
        wrong="The password is wrong. Check it (and Caps Lock) and try again.").items()}
    return t


T = {"en": texts("en"), "ja": texts("ja")}
ok(T["en"]["next"] == "Next" and T["ja"]["title"] == "証明書の取り込み", "the catalog's wizard texts", T["ja"])

TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-a11y-certs-"))


def make_home(name):
    home = TMP / name
    d = home / ".thunderbird" / "x0.default"
    d.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
    (d / "prefs.js").write_text('user_pref("mail.identity.id1.fullName", "Alice");\n'
                                'user_pref("mail.identity.id1.useremail", "alice@example.com");\n')
    (home / ".thunderbird" / "profiles.ini").write_text("[Profile0]\nName=default\nIsRelative=1\n"
                                                        "Path=x0.default\nDefault=1\n")
    return home


with promptx.Xvfb(size="1024x768x24") as x:
    bus = a11yx.Bus(x)
    Atspi = a11yx.atspi()
    r = a11yx.Reader(Atspi)
    kenv = bus.env()

    def keys(*seq, delay=0.2):
        for k in seq:
            promptx.xdotool(kenv, "key", "--clearmodifiers", k)
            time.sleep(delay)

    def type_(s):
        promptx.xdotool(kenv, "type", "--delay", "5", s)
        time.sleep(0.3)

    def window(pid):
        app = r.app(pid)
        return app.get_child_at_index(0) if app else None

    PAGES = ("file", "password", "contents", "target", "done")

    def page_sets(win):
        """The accessibles of each stack page (GTK 4.8 keeps the hidden pages
        in the tree, all "visible", none "showing")."""
        pages = [a for a, _ in r.walk(win) if a.get_name() == "GtkStackPage"]
        return [set(a for a, _ in r.walk(pg)) for pg in pages]

    def stops_of(win, page):
        """The controls Tab should reach, in the tree's (visual) order: the
        step's page, then the buttons."""
        sets = page_sets(win)
        hidden = set().union(*(st for i, st in enumerate(sets) if i != page)) if len(sets) == 5 else set()
        out = []
        for a, _ in r.walk(win):
            # a scroll pane with controls inside is no stop of its own
            if a not in hidden and {"focusable", "sensitive"} <= r.states(a) and not (
                    a.get_role_name() == "scroll pane"
                    and any(c is not a and "focusable" in r.states(c) for c, _ in r.walk(a))):
                out.append((a.get_role_name(), a.get_name()))
        return out, [a for a in (sets[page] if len(sets) == 5 else []) if a.get_name() != "GtkStackPage"]

    def tab_round(pid, key, start, limit=20):
        r.clear()
        got = []
        for _ in range(limit):
            keys(key)
            f = r.wait_focus(pid, timeout=3)
            if f is None:
                got.append(("none", ""))
                break
            got.append(f[:2])
            if got[-1] == start:
                break
        return got

    def check_step(lang, pid, label, focus_want, buttons):
        page = PAGES.index(label.split()[0])
        """The window, its heading, names and roles, the Tab order both ways."""
        t = T[lang]
        win = window(pid)
        if win is None:
            ok(False, f"{lang} {label}: the wizard is on the AT-SPI registry")
            return None
        r.pump(0.5)
        ok(win.get_role_name() == "dialog" and win.get_name().startswith(t["title"]),
           f"{lang} {label}: a dialog named \"{t['title']} — …\"", (win.get_role_name(), win.get_name()))
        headings = [a.get_name() for a, _ in r.walk(win) if a.get_role_name() == "heading"]
        ok(len(headings) == 1 and headings[0] in win.get_name() and headings[0] == win.get_description(),
           f"{lang} {label}: the step title is a heading and the window's description", (headings,
                                                                                        win.get_description()))
        stops, in_page = stops_of(win, page)
        bad = [s for s in stops if not s[1] or "_" in s[1] or s[1].startswith("Gtk")]
        gtk_names = [(a.get_role_name(), a.get_name()) for a in in_page if a.get_name().startswith("Gtk")]
        ok(not gtk_names, f"{lang} {label}: nothing on the step is named by its GTK type", gtk_names)
        ok(not bad and stops, f"{lang} {label}: every focusable control is named ({len(stops)})", stops)
        names = [s[1] for s in stops if s[0] == "push button"]
        ok(names[-len(buttons):] == buttons, f"{lang} {label}: the buttons in order: {buttons}", names)
        nxt = [a for a, _ in r.walk(win) if a.get_role_name() == "push button" and a.get_name() == buttons[-1]]
        ok(len(nxt) == 1 and nxt[0].get_description() == t["default"],
           f"{lang} {label}: \"{buttons[-1]}\" says it is the default button",
           nxt and nxt[0].get_description())
        start = focus_want
        i = stops.index(start) if start in stops else 0
        want = stops[i + 1:] + stops[:i + 1]
        got = tab_round(pid, "Tab", start, limit=len(stops) + 3)
        ok(got == want, f"{lang} {label}: Tab goes round in the visual order",
           "got:  " + "\n      ".join(map(repr, got)) + "\nwant: " + "\n      ".join(map(repr, want)))
        back = tab_round(pid, "shift+Tab", start, limit=len(stops) + 3)
        rev = list(reversed(stops[:i])) + list(reversed(stops[i:]))
        ok(back == rev, f"{lang} {label}: Shift+Tab goes the same way back",
           "got:  " + "\n      ".join(map(repr, back)) + "\nwant: " + "\n      ".join(map(repr, rev)))
        return win

    def error_announced(lang, pid, win, msg, field_role):
        f = r.wait_focus(pid, timeout=5, want=lambda role, name: role == field_role)
        desc = f[2].get_description() if f else None
        ok(f is not None and desc == msg, f"{lang}: a focus event on the field announces it (its description)",
           (f and f[:2], desc))
        alerts = [a for a, _ in r.walk(win) if a.get_role_name() in ("notification", "alert") and a.get_name()]
        ok(len(alerts) == 1 and alerts[0].get_name() == msg,
           f"{lang}: the error \"{msg}\" is an alert (AT-SPI {alerts[0].get_role_name() if alerts else '-'})",
           [(a.get_role_name(), a.get_name()) for a in alerts])
        fields = [a for a, _ in r.walk(win) if a.get_role_name() == field_role and a.get_description()]
        ok(fields and fields[0].get_description() == msg, f"{lang}: the field's description carries it",
           [(a.get_name(), a.get_description()) for a in fields])

    try:
        for lang in ("en", "ja"):
            t = T[lang]
            home = make_home(f"h-{lang}")
            env = bus.env(HOME=str(home), SEALGATE_LOCALEDIR=LOCALEDIR)
            r.clear()
            p = subprocess.Popen([WIZARD, "--lang", lang], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
            first = r.wait_focus(p.pid, timeout=20)
            ok(first is not None and first[0] == "text" and first[1] == t["file"],
               f"{lang}: on open, a focus event names the file field, text", first and first[:2])
            r.pump(0.5)
            step1 = check_step(lang, p.pid, "file step", ("text", t["file"]),
                               [t["choose"], t["cancel"], t["next"]])
            # an error: no file at the path
            type_(str(TMP / "no-such-file.p12"))
            r.clear()
            keys("Return")
            if step1:
                error_announced(lang, p.pid, step1, t["no_file"], "text")
            keys("ctrl+a")
            type_(str(P12))
            r.clear()
            keys("Return")
            f = r.wait_focus(p.pid, timeout=10)
            ok(f is not None and f[0] == "password text" and f[1] == t["password"],
               f"{lang}: the password step: a focus event names the password field, password text", f and f[:2])
            win = check_step(lang, p.pid, "password step", ("password text", t["password"]),
                             [t["cancel"], t["back"], t["next"]])
            type_("wrong")
            r.clear()
            keys("Return")
            if win:
                error_announced(lang, p.pid, win, t["wrong"], "password text")
            keys("ctrl+a")
            type_(P12_PASSWORD)
            r.clear()
            keys("Return")
            f = r.wait_focus(p.pid, timeout=15)
            ok(f is not None and f[:2] == ("push button", t["next"]),
               f"{lang}: the contents step: the focus on \"{t['next']}\"", f and f[:2])
            check_step(lang, p.pid, "contents step", ("push button", t["next"]), [t["cancel"], t["back"], t["next"]])
            r.clear()
            keys("Return")
            f = r.wait_focus(p.pid, timeout=10)
            ok(f is not None and f[0] == "check box" and f[1],
               f"{lang}: the target step: the focus on the first profile, a named check box", f and f[:2])
            win = check_step(lang, p.pid, "target step", f[:2] if f else None, [t["cancel"], t["back"], t["imp"]])
            boxes = [a for a, _ in r.walk(win) if a.get_role_name() == "check box" and a.get_name() != t["show"]]
            ok(len(boxes) == 3 and all(a.get_state_set().contains(Atspi.StateType.CHECKED) for a in boxes[:2]),
               f"{lang}: the profile and the identity are ticked check boxes, GnuPG is a third",
               [(a.get_name(), a.get_state_set().contains(Atspi.StateType.CHECKED)) for a in boxes])
            r.clear()
            keys("Return")
            f = r.wait_focus(p.pid, timeout=20)
            ok(f is not None and f[:2] == ("push button", t["close"]),
               f"{lang}: the done step: the focus on \"{t['close']}\"", f and f[:2])
            keys("Return")
            try:
                out, _ = p.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
            ok(p.returncode == 0 and b'"imported"' in out, f"{lang}: imported by the keyboard alone", out)
    finally:
        bus.close()

shutil.rmtree(TMP, ignore_errors=True)
sys.exit(done())
