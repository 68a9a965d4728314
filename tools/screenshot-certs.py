#!/usr/bin/env python3
"""Refresh docs/user/certs-en.png and docs/user/certs-ja.png (the wizard's
"what is in the file" step) and docs/user/certs-target-en.png / -ja.png
(where to import it) from the real sealgate-certs window under a private
Xvfb: the corpus's tb-smime/Alice.p12 (password "nss") read against a
throw-away Thunderbird profile with one identity, by key presses.
Usage: tools/screenshot-certs.py [BUILD_DIR] (default: build). Needs the
corpus ($SEALGATE_CORPUS or ../shared/corpus) and certutil."""
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "gui"))
import promptx  # noqa: E402

build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build").resolve()
wizard = build / "gtk-prompt" / "sealgate-certs"
localedir = build / "gtk-prompt" / "po"
corpus = next((p for p in [pathlib.Path(os.environ.get("SEALGATE_CORPUS", "/nonexistent")),
                           ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus"]
               if (p / "tb-smime" / "Alice.p12").exists()), None)
if not wizard.exists() or corpus is None:
    sys.exit(f"screenshot-certs: {wizard} not built, or the corpus is missing")

tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-shot-"))
try:
    prof = tmp / ".thunderbird" / "abcd1234.default-esr"
    prof.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{prof}", "--empty-password"], check=True, capture_output=True)
    (prof / "prefs.js").write_text('user_pref("mail.identity.id1.fullName", "Alice");\n'
                                   'user_pref("mail.identity.id1.useremail", "alice@example.com");\n')
    (tmp / ".thunderbird" / "profiles.ini").write_text(
        "[Profile0]\nName=default-esr\nIsRelative=1\nPath=abcd1234.default-esr\nDefault=1\n")
    with promptx.Xvfb(size="1024x768x24") as x:
        watch = promptx.MapWatcher(x.display)
        for lang in ("en", "ja"):
            env = x.env(HOME=str(tmp), SEALGATE_LOCALEDIR=str(localedir))
            watch.drain()
            p = subprocess.Popen([str(wizard), "--lang", lang, "--screenshot-mode", str(corpus / "tb-smime" /
                                                                                       "Alice.p12")],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wid, _ = watch.wait_map("sealgate-certs", proc=p, timeout=30)
            if wid is None:
                sys.exit(f"screenshot-certs: no window for {lang}")
            promptx.xdotool(env, "windowfocus", "--sync", str(wid))
            time.sleep(1.0)
            promptx.xdotool(env, "type", "nss")
            promptx.xdotool(env, "key", "Return")
            time.sleep(1.5)
            for name in (f"certs-{lang}.png", f"certs-target-{lang}.png"):
                out = ROOT / "docs" / "user" / name
                subprocess.run(["import", "-window", str(wid), "-strip", str(out)], env=env, check=True)
                print(out)
                promptx.xdotool(env, "key", "Return")
                time.sleep(0.8)
            p.send_signal(signal.SIGTERM)
            p.wait(10)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
