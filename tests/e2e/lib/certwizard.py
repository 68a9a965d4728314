"""The certificate wizard (sealgate-certs) in the e2e rig: a fresh
Thunderbird profile with the test CA but without alice's key, filled by the
real wizard driven by key presses on the run's Xvfb (file, password,
contents, targets with identity id1 ticked, Import, Close), before
Thunderbird starts (the wizard assigns the certificate to an identity only
while Thunderbird does not run on the profile: it writes prefs.js).

    fx = smime.make_fixtures(...)
    profile_setup=lambda p: certwizard.setup_profile(p, fx)
    certwizard.run(wizard, display, home, profile, fx.f("alice.p12"), fx.passphrase, localedir)
"""
import json
import os
import subprocess
import time

from . import smime, xdisplay

WIZARD_CLASS = "sealgate-certs"


def setup_profile(profile, fx):
    """The profile's NSS database with the root (trusted for e-mail), the
    intermediate and bob's certificate, no key of alice's; identity id1's
    address in prefs.js (where the wizard finds the identities; Thunderbird
    reads user.js over it)."""
    db = f"sql:{profile}"
    os.makedirs(profile, exist_ok=True)
    smime.run(["certutil", "-N", "-d", db, "--empty-password"])
    smime.run(["certutil", "-A", "-d", db, "-n", "sealgate test root CA", "-t", "C,C,C", "-i", fx.f("root.pem")])
    smime.run(["certutil", "-A", "-d", db, "-n", "sealgate test intermediate CA", "-t", ",,",
               "-i", fx.f("inter.pem")])
    smime.run(["certutil", "-A", "-d", db, "-n", "bob", "-t", ",,", "-i", fx.f("bob.pem")])
    with open(os.path.join(profile, "prefs.js"), "w", encoding="utf-8") as fh:
        fh.write('user_pref("mail.identity.id1.fullName", "Alice Example");\n'
                 f'user_pref("mail.identity.id1.useremail", "{smime.SENDER}");\n')


def keys_in(profile):
    p = subprocess.run(["certutil", "-K", "-d", f"sql:{profile}"], capture_output=True, text=True, timeout=60)
    return [l for l in p.stdout.splitlines() if l.startswith("<")]


def _title(display, wid):
    return xdotool_out(display, "getwindowname", wid) or ""


def xdotool_out(display, *args):
    rc, out, _ = xdotool_rc(display, *args)
    return out if rc == 0 else None


def xdotool_rc(display, *args):
    return xdisplay.xdotool(display, *args)


def run(wizard, display, home, profile, p12, password, localedir=None, timeout=60):
    """Drives the wizard by key presses. Returns (steps seen, result JSON,
    stderr tail): steps are the window titles after each key."""
    env = dict(os.environ, DISPLAY=display, HOME=home, GDK_BACKEND="x11", GSK_RENDERER="cairo",
               G_MESSAGES_DEBUG="sealgate-certs", LANG="C.UTF-8")
    env.pop("LC_ALL", None)
    if localedir:
        env["SEALGATE_LOCALEDIR"] = localedir
    p = subprocess.Popen([wizard, "--lang", "en", "--profile", profile], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    steps = []
    try:
        wid = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and p.poll() is None:
            rc, out, _ = xdotool_rc(display, "search", "--onlyvisible", "--class", WIZARD_CLASS)
            if rc == 0 and out:
                wid = out.splitlines()[-1]
                break
            time.sleep(0.2)
        if wid is None:
            raise RuntimeError("the wizard window did not appear")
        time.sleep(1.0)  # the first frame, the file entry focused

        def at(words, limit=15):
            end = time.monotonic() + limit
            while time.monotonic() < end:
                t = _title(display, wid)
                if words in t:
                    steps.append(t)
                    return True
                time.sleep(0.1)
            steps.append(_title(display, wid) + f" (waited for {words!r})")
            return False

        at("Step 1 of 5")
        xdisplay.type_text(display, wid, p12)
        xdisplay.press(display, wid, "Return")
        at("Step 2 of 5")
        xdisplay.type_text(display, wid, password)
        xdisplay.press(display, wid, "Return")
        at("Step 3 of 5")
        xdisplay.press(display, wid, "Return")
        at("Step 4 of 5")  # the profile and identity id1 are ticked (its address is in the certificate)
        xdisplay.press(display, wid, "Return")
        at("Step 5 of 5", limit=30)
        xdisplay.press(display, wid, "Return")
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            out, err = p.communicate()
    try:
        result = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    return steps, result, err.decode("utf-8", "replace")[-3000:]
