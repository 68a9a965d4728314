#!/usr/bin/env python3
"""sealgate-prompt's confirmation checklist (prompt.confirm, issue 17) under a
private Xvfb, by real key presses: the send choices do nothing until the last
box is ticked (the primary button is off; Shift+Tab and space from the
selected option tick the boxes), "Check all"
(Alt+A) is absent unless the policy allows it and ticks everything when it
is there; a screenshot per language in OUTDIR.
Usage: test-prompt-confirm.py SEALGATE_PROMPT LOCALEDIR OUTDIR. Prints TAP."""
import json
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from tap import done, ok  # noqa: E402
import promptx  # noqa: E402

PROMPT, LOCALEDIR = sys.argv[1], sys.argv[2]
OUT = pathlib.Path(sys.argv[3])
OUT.mkdir(parents=True, exist_ok=True)


decision = promptx.confirm_decision


def answer(choice, by):
    return json.dumps({"choice": choice, "justification": None, "by": by}, separators=(",", ":")) + "\n"


finish = promptx.finish


def open_prompt(x, watch, d, args=()):
    return promptx.open_prompt(PROMPT, LOCALEDIR, x, watch, d, args)


def keys(x, *seq):
    promptx.keys(x.env(), *seq, delay=0.15)


def still_open(p, desc):
    time.sleep(0.3)
    ok(p.poll() is None, desc, f"exited {p.poll()}: {p.stdout.read().decode() if p.poll() is not None else ''}")


with promptx.Xvfb() as x:
    watch = promptx.MapWatcher(x.display)

    # Three boxes (bob, the look-alike carol, plan.pdf); no "Check all".
    # SEND selects "Send without encryption" (Alt+W) and presses the primary
    # button (Tab to "Back to editing", Tab to it, Space): while a box is
    # unticked the button is off, the second Tab passes it and Space lands
    # elsewhere. Alt+W puts the focus back on the option; Shift+Tab from it
    # goes to "Other ways to send (4)" (the further routes of decision-1.json
    # stand between the first two options and this one), then up the boxes,
    # the last one first.
    SEND = ("alt+w", "Tab", "Tab", "space")
    p, wid = open_prompt(x, watch, decision(False))
    ok(wid is not None, "checklist: the window maps")
    keys(x, *SEND)
    still_open(p, "no box ticked: the primary button (Send without encryption) does nothing")
    keys(x, "alt+a")
    keys(x, *SEND)
    still_open(p, "no \"Check all\" when the policy does not allow it: Alt+A ticks nothing")
    keys(x, "alt+w", "shift+Tab", "shift+Tab", "space", "shift+Tab", "space")
    keys(x, *SEND)
    still_open(p, "two of three boxes ticked: still nothing is sent")
    keys(x, "alt+w", "shift+Tab", "shift+Tab", "shift+Tab", "shift+Tab", "space")
    keys(x, *SEND)
    code, out, err = finish(p)
    ok(code == 0 and out == answer("send", "button"), "the last box ticked: the primary button sends",
       f"exit {code}\nstdout {out!r}\nstderr {err}")

    # Unticking one again disables the primary button again.
    p, wid = open_prompt(x, watch, decision(False))
    keys(x, "alt+w", "shift+Tab", "shift+Tab", "space", "shift+Tab", "space", "shift+Tab", "space", "space")
    keys(x, *SEND)
    still_open(p, "a box unticked again: the primary button is off again")
    keys(x, "Escape")
    code, out, _ = finish(p)
    ok(out == answer("cancel", "escape"), "Escape still goes back to editing", out)

    # "Check all" allowed: Alt+A ticks every box.
    for lang in ("en", "ja"):
        p, wid = open_prompt(x, watch, decision(True), ("--lang", lang, "--screenshot-mode"))
        keys(x, "alt+a")
        if wid is not None:
            shot = OUT / f"prompt-confirm-{lang}.png"
            subprocess.run(["import", "-window", str(wid), str(shot)], env=x.env(), capture_output=True, timeout=30)
            ok(shot.exists(), f"{lang}: screenshot {shot} (every box ticked)")
            # the screenshot may take the focus: give it back before the next key
            promptx.xdotool(x.env(), "windowfocus", "--sync", str(wid))
            time.sleep(0.3)
        keys(x, *SEND)
        code, out, err = finish(p)
        ok(code == 0 and out == answer("send", "button"),
           f"{lang}: \"Check all\" (Alt+A) ticks every box; the primary button sends",
           f"exit {code}\nstdout {out!r}\nstderr {err}")

done()
