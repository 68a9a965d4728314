#!/usr/bin/env python3
"""sealgate-prompt's real window under a private Xvfb and AT-SPI registry
when a policy rule (a trigger with forbid_send) took "Send without
encryption" out (issue 22 item 4): the window shows one line naming the rule
and why (the reason's sentence), in en and ja, and offers no "Send without
encryption"; a decision with nothing taken out shows no such line.
Screenshots in OUTDIR (prompt-send-not-allowed-LANG.png, for docs/user).
Usage: test-send-not-allowed.py SEALGATE_PROMPT LOCALEDIR OUTDIR. Prints TAP."""
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from tap import done, ok  # noqa: E402
import a11yx  # noqa: E402
import promptx  # noqa: E402

PROMPT, LOCALEDIR, OUT = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
OUT.mkdir(parents=True, exist_ok=True)
CATALOG = {t["id"]: t for t in json.loads(
    (HERE.parents[1] / "catalog" / "texts.json").read_text(encoding="utf-8"))["texts"]}
SEND = {"en": "Send without encryption", "ja": "暗号化せずに送信"}


def note(lang, rule):
    """The catalog's line up to the reason (the reason is the window's own sentence)."""
    text = CATALOG["gtk_note_send_not_allowed"][lang]
    return text.replace("{1}", rule).split("{2}")[0]


base = promptx.decision("decision-1.json")
domains = ["x.example", "y.example", "z.example"]
forbidden = dict(base)
forbidden["reasons"] = base["reasons"] + [{
    "code": "external_domains", "action": "prompt", "trigger": "many-domains",
    "detail": "3 external domains", "items": domains}]
forbidden["choices"] = [c for c in base["choices"] if c["kind"] != "send"]
forbidden["send_removed_by"] = 1
plain = dict(base, send_removed_by=None)

with promptx.Xvfb() as x:
    bus = a11yx.Bus(x)
    Atspi = a11yx.atspi()
    r = a11yx.Reader(Atspi)
    try:
        for lang in ("en", "ja"):
            for d, removed in ((forbidden, True), (plain, False)):
                env = bus.env(SEALGATE_LOCALEDIR=LOCALEDIR)
                r.clear()
                p = promptx.start_prompt(PROMPT, d, env, ("--lang", lang, "--screenshot-mode"))
                r.wait_focus(p.pid, timeout=15)
                app = r.app(p.pid)
                tree = list(r.walk(app.get_child_at_index(0))) if app else []
                labels = [a.get_name() for a, _ in tree if a.get_role_name() == "label"]
                radios = [a.get_name() for a, _ in tree if a.get_role_name() == "radio button"]
                lines = [t for t in labels if t.startswith(note(lang, "many-domains"))]
                what = "a rule took send out" if removed else "nothing taken out"
                if removed:
                    ok(len(lines) == 1 and all(dom in lines[0] for dom in domains),
                       f"{lang}: {what}: one line names the rule \"many-domains\" and why (its domains)", labels)
                    ok(SEND[lang] not in radios, f"{lang}: {what}: \"{SEND[lang]}\" is not offered", radios)
                    shot = OUT / f"prompt-send-not-allowed-{lang}.png"
                    wid = promptx.xdotool(x.env(), "search", "--onlyvisible", "--class",
                                          promptx.PROMPT_CLASS).stdout.split()
                    if wid:
                        subprocess.run(["import", "-window", wid[-1], str(shot)], env=x.env(), capture_output=True,
                                       timeout=30)
                    ok(shot.exists(), f"{lang}: screenshot {shot}")
                else:
                    ok(not lines and SEND[lang] in radios, f"{lang}: {what}: no such line, \"{SEND[lang]}\" offered",
                       (labels, radios))
                p.kill()
                p.wait(timeout=10)
    finally:
        bus.close()

sys.exit(done())
