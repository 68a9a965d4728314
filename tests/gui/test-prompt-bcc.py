#!/usr/bin/env python3
"""sealgate-prompt's "Keep the external recipients in To and Cc" (rules.convert_to_bcc
in "ask" mode, issue 17) under a private Xvfb, by real key presses: Alt+K
ticks it and the answer then carries "bcc":"keep" with the choice that sends;
left unticked, ticked twice, or with "Back to editing" it does not; a
decision that does not ask has no such control (Alt+K does nothing); a
screenshot per language in OUTDIR (the box ticked).
Usage: test-prompt-bcc.py SEALGATE_PROMPT LOCALEDIR OUTDIR. Prints TAP."""
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


def decision(mode):
    d = promptx.decision("decision-1.json")
    d["recipients"][0].update(to_bcc=mode != "off")
    d["recipients"].append({"address": "carol@example.org", "display_name": None, "domain": "example.org",
                            "field": "cc", "class": "external", "rule": "external_domain", "matched": None,
                            "group": None, "confirm": False, "lookalike": False, "to_bcc": mode != "off"})
    if mode != "off":
        d["reasons"].append({"code": "convert_to_bcc", "action": "prompt" if mode == "ask" else "allow",
                             "trigger": None, "detail": "2 external recipients move to Bcc",
                             "items": ["bob@example.net", "carol@example.org"]})
    d["missend"]["bcc_mode"] = mode
    return d


def answer(choice, by, keep=False):
    a = {"choice": choice, "justification": None, "by": by}
    if keep:
        a["bcc"] = "keep"
    return json.dumps(a, separators=(",", ":")) + "\n"


finish = promptx.finish


def open_prompt(x, watch, d, args=()):
    return promptx.open_prompt(PROMPT, LOCALEDIR, x, watch, d, args)


def keys(x, *seq):
    promptx.keys(x.env(), *seq, delay=0.15)


# "Send through the secure portal" (Alt+P) and Enter, which presses the
# primary button for a protective option.
PORTAL = ("alt+p", "Return")

with promptx.Xvfb() as x:
    watch = promptx.MapWatcher(x.display)
    rows = [
        ("ask", ("alt+k", *PORTAL), answer("route:portal", "button", keep=True),
         "ask: Alt+K ticks \"Keep the external recipients\"; the portal choice answers with bcc keep"),
        ("ask", PORTAL, answer("route:portal", "button"),
         "ask: left unticked, the answer has no bcc (the recipients move)"),
        ("ask", ("alt+k", "alt+k", *PORTAL), answer("route:portal", "button"),
         "ask: ticked and unticked again: no bcc"),
        ("ask", ("alt+k", "Escape"), answer("cancel", "escape"),
         "ask: ticked, then Escape: back to editing, never with keep"),
        ("auto", ("alt+k", *PORTAL), answer("route:portal", "button"),
         "auto: no control to keep them (Alt+K does nothing)"),
        ("off", ("alt+k", *PORTAL), answer("route:portal", "button"),
         "off: no control (Alt+K does nothing)"),
    ]
    for mode, seq, want, desc in rows:
        p, wid = open_prompt(x, watch, decision(mode))
        keys(x, *seq)
        code, out, err = finish(p)
        ok(wid is not None and code == 0 and out == want, desc, f"exit {code}\nstdout {out!r}\nstderr {err}")

    for lang in ("en", "ja"):
        p, wid = open_prompt(x, watch, decision("ask"), ("--lang", lang, "--screenshot-mode"))
        keys(x, "alt+k")
        if wid is not None:
            shot = OUT / f"prompt-bcc-{lang}.png"
            subprocess.run(["import", "-window", str(wid), str(shot)], env=x.env(), capture_output=True, timeout=30)
            ok(shot.exists(), f"{lang}: screenshot {shot} (the box ticked)")
            promptx.xdotool(x.env(), "windowfocus", "--sync", str(wid))
            time.sleep(0.3)
        keys(x, *PORTAL)
        code, out, err = finish(p)
        ok(code == 0 and out == answer("route:portal", "button", keep=True),
           f"{lang}: the access key works in this language too", f"exit {code}\nstdout {out!r}\nstderr {err}")

done()
