#!/usr/bin/env python3
"""sealgate-certs (the certificate import wizard) under a private Xvfb, driven
by real key presses (xdotool): every step (file, password, contents, target,
done) with Enter, Back (Alt+Left) keeping what was typed, Space on a check
button, Escape; the error paths (no profile, no file, a 50 MB file, a file
cut short, a wrong password, a 1,000-byte password, no profile chosen,
Thunderbird running on the profile), each checked against the NSS database
with certutil -L/-K (unchanged on every error); a partner's certificate from
a signed message; en and ja (window titles and screenshots in OUTDIR).
The wizard logs each step and each error it shows with g_debug
(G_MESSAGES_DEBUG=sealgate-certs): the test reads them from stderr.
Usage: test-certs-wizard.py SEALGATE_CERTS LOCALEDIR OUTDIR SOURCE_ROOT.
Needs the corpus (tb-smime/Alice.p12; $SEALGATE_CORPUS or ../shared/corpus)
and certutil; skips without them. Prints TAP."""
import fcntl
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from nssleak import nss_p12_leak_env  # noqa: E402
from tap import done, ok, skip  # noqa: E402
import promptx  # noqa: E402

WIZARD, LOCALEDIR = sys.argv[1], sys.argv[2]
OUT = pathlib.Path(sys.argv[3])
ROOT = pathlib.Path(sys.argv[4]).resolve()
OUT.mkdir(parents=True, exist_ok=True)
CORPUS = next((p for p in [pathlib.Path(os.environ.get("SEALGATE_CORPUS", "/nonexistent")),
                           ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus"]
               if (p / "tb-smime" / "Alice.p12").exists()), None)
if CORPUS is None or not shutil.which("certutil") or not shutil.which("xdotool"):
    skip("sealgate-certs wizard", "the test corpus (SEALGATE_CORPUS), certutil or xdotool is missing")
    sys.exit(done())
P12 = CORPUS / "tb-smime" / "Alice.p12"
P12_PASSWORD = "nss"
SIGNED = CORPUS / "tb-smime" / "alice.dsig.SHA256.multipart.eml"
FILE_MAX = 10 * 1024 * 1024  # SG_CERTS_FILE_MAX
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-wizard-"))
TITLE = {"en": "Import a certificate", "ja": "証明書の取り込み"}


def make_home(name, profiles=("default", "work")):
    """A home with ~/.thunderbird/profiles.ini and real NSS databases; the
    first profile is the default and has identities id1 (Alice) and id2."""
    home = TMP / name
    tb = home / ".thunderbird"
    ini = []
    for i, p in enumerate(profiles):
        d = tb / f"x{i}.{p}"
        d.mkdir(parents=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
        prefs = ""
        if i == 0:
            prefs = ('user_pref("mail.identity.id1.fullName", "Alice");\n'
                     'user_pref("mail.identity.id1.useremail", "alice@example.com");\n'
                     'user_pref("mail.identity.id2.useremail", "other@example.org");\n')
        (d / "prefs.js").write_text(prefs)
        ini.append(f"[Profile{i}]\nName={p}\nIsRelative=1\nPath=x{i}.{p}\n" + ("Default=1\n" if i == 0 else ""))
    if profiles:
        (tb / "profiles.ini").write_text("\n".join(ini))
    else:
        home.mkdir(parents=True)
    return home, [tb / f"x{i}.{p}" for i, p in enumerate(profiles)]


def certs_of(db):
    p = subprocess.run(["certutil", "-L", "-d", f"sql:{db}"], capture_output=True, text=True)
    return sorted(l.rstrip() for l in p.stdout.splitlines()[4:] if l.strip())


def keys_of(db):
    p = subprocess.run(["certutil", "-K", "-d", f"sql:{db}"], capture_output=True, text=True)
    return sorted(l for l in p.stdout.splitlines() if l.startswith("<"))


def state(dbs):
    return [(certs_of(d), keys_of(d), (d / "prefs.js").read_text()) for d in dbs]


class Wizard:
    def __init__(self, x, watch, home, lang="en", args=(), env=None):
        self.env = x.env(HOME=str(home), G_MESSAGES_DEBUG="sealgate-certs", SEALGATE_LOCALEDIR=LOCALEDIR,
                         **(env or {}))
        self.watch = watch
        watch.drain()
        self.p = subprocess.Popen([WIZARD, "--lang", lang, "--screenshot-mode", *map(str, args)], env=self.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.wid, _ = watch.wait_map("sealgate-certs", proc=self.p, timeout=30)
        if self.wid:
            promptx.xdotool(self.env, "windowfocus", "--sync", str(self.wid))
            time.sleep(1.0)  # the first frame, and the step's field focused

    def key(self, *keys):
        for k in keys:
            promptx.xdotool(self.env, "key", "--clearmodifiers", k)
            time.sleep(0.25)

    def type(self, text, delay="5"):
        promptx.xdotool(self.env, "type", "--delay", delay, text)
        time.sleep(0.2)

    def title(self):
        try:
            return self.watch.title(self.wid)
        except Exception as e:  # the window is gone (the wizard ended)
            return f"(no window: {e!r})"

    def at(self, words, timeout=10):
        """Whether the window title comes to contain `words` (the step)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = self.title() or ""
            if words in t:
                return True
            time.sleep(0.1)
        return False

    def shot(self, name):
        time.sleep(0.3)
        subprocess.run(["import", "-window", str(self.wid), "-strip", str(OUT / f"certs-{name}.png")],
                       env=self.env, capture_output=True)

    def finish(self, timeout=15):
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
        self.out, self.err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        try:
            self.result = json.loads(self.out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.result = {}
        return self.p.returncode

    def errors(self):
        return [l.split("error shown: ", 1)[1] for l in self.err.splitlines() if "error shown: " in l]


with promptx.Xvfb(size="1024x768x24") as x:
    watch = promptx.MapWatcher(x.display)

    # ---- every step, en: wrong password, Back keeps it, the import ----------
    home, dbs = make_home("main")
    before = state(dbs)
    w = Wizard(x, watch, home)
    ok(w.wid is not None and w.at("Step 1 of 5"), "en: the window opens at the file step", w.title() if w.wid else "")
    w.shot("en-1-file")
    w.type(str(P12))
    w.key("Return")
    ok(w.at("Step 2 of 5"), "Enter on the path: the password step (a PKCS#12 file)", w.title())
    w.type("wrong")
    w.key("Return")
    time.sleep(0.5)
    ok(w.at("Step 2 of 5"), "a wrong password: still the password step", w.title())
    ok(state(dbs) == before, "a wrong password: the databases are unchanged (certutil -L/-K, prefs.js)")
    w.shot("en-2-wrong-password")
    promptx.xdotool(w.env, "key", "Caps_Lock")  # not --clearmodifiers: it would undo the lock
    w.shot("en-2-caps-lock")
    promptx.xdotool(w.env, "key", "Caps_Lock")
    time.sleep(0.3)
    w.key("ctrl+a")
    w.type(P12_PASSWORD)
    w.key("Return")
    ok(w.at("Step 3 of 5"), "the right password: what is in the file", w.title())
    w.shot("en-3-contents")
    w.key("alt+Left")
    ok(w.at("Step 2 of 5"), "Alt+Left: back to the password step")
    w.key("Return")
    ok(w.at("Step 3 of 5"), "the password typed is kept: Enter goes on again", w.title())
    w.key("Return")
    ok(w.at("Step 4 of 5"), "Enter: where to import it", w.title())
    w.shot("en-4-target")
    ok(state(dbs) == before, "nothing is written before Import")
    w.key("Return")
    ok(w.at("Step 5 of 5"), "Enter (focus on a check button) imports, not toggles", w.title())
    w.shot("en-5-done")
    w.key("Return")
    rc = w.finish()
    ok(rc == 0 and w.result == {"result": "imported", "profiles": 1, "identities": 1},
       "Close: exit 0, one profile, one identity", f"rc={rc} {w.out} {w.err[-2000:]}")
    ok(w.errors() == ["The password is wrong. Check it (and Caps Lock) and try again."],
       "the one error shown was the wrong password", w.errors())
    ok("caps lock on" in w.err and "caps lock off" in w.err, "Caps Lock is noticed on and off", w.err[-1500:])
    certs = certs_of(dbs[0])
    ok(any(c.startswith("Alice") and c.endswith("u,u,u") for c in certs), "certutil -L: Alice with her key", certs)
    ok(len(keys_of(dbs[0])) == 1, "certutil -K: one private key", keys_of(dbs[0]))
    prefs = (dbs[0] / "prefs.js").read_text()
    ok('"mail.identity.id1.signing_cert_dbkey"' in prefs and '"mail.identity.id1.encryption_cert_dbkey"' in prefs
       and "id2.signing" not in prefs, "prefs.js: id1 (alice@example.com) signs and encrypts with it, id2 not",
       prefs)
    ok(state(dbs[1:]) == before[1:], "the profile not chosen is unchanged")

    # ---- ja: the same steps, titles and screenshots -------------------------
    home, dbs = make_home("ja")
    w = Wizard(x, watch, home, lang="ja")
    ok(w.wid is not None and w.at(TITLE["ja"]) and w.at("ステップ 1/5"), "ja: the title is Japanese",
       w.title() if w.wid else "")
    w.shot("ja-1-file")
    w.type(str(P12))
    w.key("Return")
    w.type(P12_PASSWORD)
    w.key("Return")
    ok(w.at("ステップ 3/5"), "ja: what is in the file", w.title())
    w.shot("ja-3-contents")
    w.key("Return")
    w.shot("ja-4-target")
    w.key("Return")
    ok(w.at("ステップ 5/5"), "ja: done", w.title())
    w.shot("ja-5-done")
    w.key("Return")
    rc = w.finish()
    ok(rc == 0 and w.result.get("result") == "imported", "ja: imported", w.out + w.err[-1000:])

    # ---- bad files: each refused at the file step, nothing changed --------
    home, dbs = make_home("bad")
    before = state(dbs)
    big = TMP / "big.p12"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    cut = TMP / "cut.p12"
    cut.write_bytes(P12.read_bytes()[:700])
    # this run reads a PKCS#12 cut short: NSS's own leak is suppressed (nssleak.py)
    w = Wizard(x, watch, home, env=nss_p12_leak_env(TMP))
    w.key("Return")  # nothing typed
    w.type(str(TMP / "missing.p12"))
    w.key("Return")
    w.key("ctrl+a")
    w.type(str(big))
    w.key("Return")
    ok(w.at("Step 1 of"), "a 50 MB file: still the file step", w.title())
    w.shot("en-1-too-large")
    w.key("ctrl+a")
    w.type(str(cut))
    w.key("Return")
    cut_step = "password" if w.at("Step 2 of 5", timeout=2) else "file"
    if cut_step == "password":  # the start of a PKCS#12 looks right: the password finds it cut short
        w.type(P12_PASSWORD)
        w.key("Return")
        ok(w.at("Step 2 of 5"), "a file cut short: stays at the password step", w.title())
        w.key("alt+Left")
    ok(w.at("Step 1 of"), "a file cut short: back at the file step", w.title())
    w.key("Escape")
    rc = w.finish()
    errs = w.errors()
    ok(rc == 1 and w.result.get("result") == "cancelled", "Escape: exit 1, cancelled", f"rc={rc} {w.out} {w.err[-3000:]}")
    want = ["Type the file's path, or choose the file.", "There is no file at this path.",
            "The file is larger than 10 MB, far larger than a certificate: check that it is the right file."]
    ok(errs[:3] == want, "no path, no file, a 50 MB file: each its own message", errs)
    ok(len(errs) == 4 and ("cut short" in errs[3] or "not a certificate" in errs[3]),
       f"a file cut short: a clear message (at the {cut_step} step)", errs)
    ok(state(dbs) == before, "bad files: the databases are unchanged")

    # ---- a 1,000-byte password, then none chosen, then Thunderbird running ---
    home, dbs = make_home("long")
    before = state(dbs)
    w = Wizard(x, watch, home, args=[P12])  # the file given on the command line (the desktop entry)
    ok(w.at("Step 2 of 5"), "a file on the command line: opens at the password step", w.title())
    for _ in range(10):  # 1,000 bytes, in pieces xdotool types reliably
        w.type("p" * 100, delay="4")
    w.shot("en-2-long-password")
    w.key("Return")
    ok(w.at("Step 2 of 5"), "a 1,000-byte password: still the password step", w.title())
    ok(state(dbs) == before, "a 1,000-byte password: the databases are unchanged")
    w.key("ctrl+a", "BackSpace")
    w.type(P12_PASSWORD)
    w.key("Return")
    w.at("Step 3 of 5", timeout=15)
    w.key("Return")
    ok(w.at("Step 4 of 5"), "then the right one: where to import it", w.title())
    w.key("space")  # the default profile's check button has the focus: unchecked
    w.key("Return")
    ok(w.at("Step 4 of 5"), "no profile chosen: stays", w.title())
    ok(state(dbs) == before, "no profile chosen: nothing written")
    w.key("space")
    lock = open(dbs[0] / ".parentlock", "w")
    fcntl.lockf(lock, fcntl.LOCK_EX)  # what a running Thunderbird holds
    w.key("Return")
    ok(w.at("Step 5 of 5"), "imported while Thunderbird runs", w.title())
    w.shot("en-5-thunderbird-running")
    w.key("Return")
    rc = w.finish()
    fcntl.lockf(lock, fcntl.LOCK_UN)
    lock.close()
    errs = w.errors()
    ok(errs[:2] == ["The password is too long for a certificate password: check what was pasted.",
                    "Choose at least one profile, or GnuPG."], "1,000-byte password, no profile: their messages",
       errs)
    ok(rc == 0 and w.result == {"result": "imported", "profiles": 1, "identities": 0},
       "Thunderbird running: the certificate is imported, no identity changed", f"{w.out} {w.err[-1500:]}")
    ok("Thunderbird is running on this profile" in w.err and "Account Settings" in w.err,
       "Thunderbird running: the done page says so and what to do", w.err[-1500:])
    ok(len(keys_of(dbs[0])) == 1 and "cert_dbkey" not in (dbs[0] / "prefs.js").read_text(),
       "Thunderbird running: the key is in the database, prefs.js untouched")

    # ---- a partner's certificate from a signed message: no password step ---
    home, dbs = make_home("partner")
    w = Wizard(x, watch, home)
    w.type(str(SIGNED))
    w.key("Return")
    ok(w.at("Step 2 of 4"), "a signed message: four steps, no password", w.title())
    w.shot("en-partner-contents")
    w.key("Return")
    w.at("Step 3 of 4", timeout=15)
    w.key("Return")
    ok(w.at("Step 4 of 4"), "a signed message: imported", w.title())
    w.key("Return")
    rc = w.finish()
    ok(rc == 0 and any(c.startswith("alice@example.com") for c in certs_of(dbs[0])) and keys_of(dbs[0]) == [],
       "a signed message: certutil -L shows the signer, -K no key", f"{certs_of(dbs[0])} {w.err[-1000:]}")

    # ---- GnuPG (gpgsm) as the target, checked with gpgsm --list-secret-keys -
    if not shutil.which("gpgsm"):
        skip("the wizard's gpgsm target", "gpgsm not installed")
    else:
        home, dbs = make_home("gpgsm", profiles=("default",))
        gh = TMP / "gnupg-wizard"
        gh.mkdir(mode=0o700)
        (gh / "gpgsm.conf").write_text("disable-crl-checks\ndisable-dirmngr\n")

        def secret_keys():
            out = subprocess.run(["gpgsm", "--homedir", gh, "--batch", "--with-colons", "--list-secret-keys"],
                                 capture_output=True, text=True, timeout=60).stdout
            return [l for l in out.splitlines() if l.startswith("fpr:")]

        before = state(dbs)
        for p12, want in ((CORPUS / "tb-smime" / "Alice-ec.p12", "failed"), (P12, "imported")):
            w = Wizard(x, watch, home, env={"GNUPGHOME": str(gh)})
            w.type(str(p12))
            w.key("Return")
            w.type(P12_PASSWORD)
            w.key("Return")
            w.key("Return")
            ok(w.at("Step 4 of 5"), f"gpgsm, {p12.name}: where to import it", w.title())
            # untick the profile (focused; its identities turn insensitive, out of the Tab order),
            # Tab to GnuPG, tick it
            w.key("space", "Tab", "space")
            if want == "imported":
                w.shot("en-4-target-gpgsm")
            w.key("Return")
            ok(w.at("Step 5 of 5", timeout=60), f"gpgsm, {p12.name}: done", w.title())
            w.key("Return" if want == "imported" else "Escape")
            rc = w.finish(timeout=30)
            if want == "failed":
                ok(rc == 1 and w.result.get("result") == "failed" and secret_keys() == []
                   and "Not imported into GnuPG (gpgsm): GnuPG 2.2 (gpgsm) imports only RSA keys" in w.err,
                   "gpgsm, an ECDSA key: not imported, said in words, no secret key in gpgsm",
                   f"rc={rc} {w.out} {w.err[-1500:]}")
            else:
                ok(rc == 0 and w.result == {"result": "imported", "profiles": 0, "identities": 0}
                   and len(secret_keys()) == 1 and "Imported into GnuPG (gpgsm)." in w.err,
                   "gpgsm, Alice.p12: imported, gpgsm --list-secret-keys shows one key",
                   f"rc={rc} {w.out} {secret_keys()} {w.err[-1500:]}")
        ok(state(dbs) == before, "gpgsm only: the Thunderbird profile is unchanged")
        subprocess.run(["gpgconf", "--homedir", gh, "--kill", "all"], capture_output=True, timeout=60)

    # ---- no profile at all -------------------------------------------------
    home, _ = make_home("none", profiles=())
    w = Wizard(x, watch, home)
    w.type(str(P12))
    w.key("Return")
    ok(w.at("Step 1 of"), "no Thunderbird profile: stays at the file step", w.title())
    w.key("Escape")
    rc = w.finish()
    ok(rc == 1 and w.errors() == ["No Thunderbird profile was found. Start Thunderbird once, then open this "
                                  "window again."], "no Thunderbird profile: its message", w.errors())

    watch.close()

shutil.rmtree(TMP, ignore_errors=True)
sys.exit(done())
