#!/usr/bin/env python3
"""Refresh docs/user/prompt-{en,ja}.png from the real sealgate-prompt window
(the 20-recipient test decision, tests/gui/data/) under a private Xvfb, and
with it prompt-more-{en,ja}.png ("Other ways to send (4)" opened by Alt+H)
and prompt-reason-{en,ja}.png (the reason step, a preset reason chosen).
Usage: tools/screenshot-prompt.py [BUILD_DIR] (default: build)."""
import pathlib
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "gui"))
import promptx  # noqa: E402

build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build").resolve()
prompt = build / "gtk-prompt" / "sealgate-prompt"
localedir = build / "gtk-prompt" / "po"
if not prompt.exists():
    sys.exit(f"screenshot-prompt: {prompt} not built (ninja -C {build})")

d = promptx.decision("decision-20.json")
dj = dict(d, require_justification=True)
# (file name, decision, keys pressed before the screenshot)
SHOTS = [("prompt", d, ()), ("prompt-more", d, ("alt+h",)),
         ("prompt-reason", dj, ("alt+w", "Tab", "Tab", "space", "Down"))]
with promptx.Xvfb(size="1024x1200x24") as x:
    watch = promptx.MapWatcher(x.display)
    for (name, dec, ks), lang in [(s, lang) for s in SHOTS for lang in ("en", "ja")]:
        watch.drain()
        p = promptx.start_prompt(str(prompt), dec, x.env(SEALGATE_LOCALEDIR=str(localedir)),
                                 ("--lang", lang, "--screenshot-mode"))
        wid, _ = watch.wait_map(proc=p)
        if wid is None:
            sys.exit(f"screenshot-prompt: no window for {lang}: {p.communicate()[1].decode()}")
        if ks:
            promptx.xdotool(x.env(), "windowfocus", "--sync", str(wid))
            time.sleep(0.3)
            promptx.keys(x.env(), *ks)
        time.sleep(0.5)  # the first frame
        out = ROOT / "docs" / "user" / f"{name}-{lang}.png"
        subprocess.run(["import", "-window", str(wid), "-strip", str(out)], env=x.env(), check=True)
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        print(out)
