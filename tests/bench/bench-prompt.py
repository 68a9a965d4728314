#!/usr/bin/env python3
"""Time from "start requested" to the window being mapped, for sealgate-prompt
(20 and 500 recipients) and for `zenity --question` started the same way
(same environment, subprocess with stdin on a pipe), all under one private
Xvfb. The map is seen by an X client that selects SubstructureNotify on the
root window (MapNotify). Rounds are interleaved so that load drift hits all
three alike; each window is then closed (SIGTERM) and reaped before the next.

Usage: bench-prompt.py [--quick] [--rounds N] SEALGATE_PROMPT [LOCALEDIR]
--quick: one round, checks that every window maps, asserts no timing (TAP)."""
import argparse
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "gui"))
sys.path.insert(0, str(HERE.parent / "common"))
import promptx  # noqa: E402
from tap import done, ok  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--quick", action="store_true")
ap.add_argument("--rounds", type=int, default=20)
ap.add_argument("--lang", default="en")
ap.add_argument("prompt")
ap.add_argument("localedir", nargs="?")
opt = ap.parse_args()

if not shutil.which("zenity"):
    print("1..0 # SKIP zenity not installed")
    sys.exit(77)

D20 = promptx.decision("decision-20.json")
D500 = promptx.with_recipients(D20, 500)
ZENITY_TEXT = ("This message is going to recipients outside the organisation.\n"
               "Encrypt before sending?")


def one(x, watch, what):
    """Start one program, return ms from Popen to MapNotify (None if no map)."""
    env = x.env(SEALGATE_LOCALEDIR=opt.localedir or "")
    watch.drain()
    t0 = time.monotonic()
    if what == "zenity":
        p = subprocess.Popen(["zenity", "--question", "--title", "Sending outside the organisation", "--text",
                              ZENITY_TEXT], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        p.stdin.close()
        cls = "zenity"
    else:
        p = promptx.start_prompt(opt.prompt, D20 if what == "prompt-20" else D500, env, ("--lang", opt.lang))
        cls = promptx.PROMPT_CLASS
    wid, t = watch.wait_map(cls, timeout=20, proc=p)
    p.send_signal(signal.SIGTERM)
    p.wait(10)
    if p.stdout:
        p.stdout.close()
    if p.stderr:
        p.stderr.close()
    return None if wid is None else (t - t0) * 1000


def pct(v, q):
    v = sorted(v)
    k = (len(v) - 1) * q
    f = int(k)
    c = min(f + 1, len(v) - 1)
    return v[f] + (v[c] - v[f]) * (k - f)


kinds = ["prompt-20", "zenity", "prompt-500"]
with promptx.Xvfb() as x:
    watch = promptx.MapWatcher(x.display)
    if opt.quick:
        for k in kinds:
            ms = one(x, watch, k)
            ok(ms is not None, f"{k}: the window maps" + (f" ({ms:.0f} ms, not a measurement)" if ms else ""))
        sys.exit(done())
    for _ in range(2):  # warm-up: page cache, font cache
        for k in kinds:
            one(x, watch, k)
    res = {k: [] for k in kinds}
    for _ in range(opt.rounds):
        for k in kinds:
            ms = one(x, watch, k)
            if ms is None:
                print(f"{k}: no window mapped", file=sys.stderr)
                sys.exit(1)
            res[k].append(ms)

load = os.getloadavg()
print(f"# {opt.rounds} rounds, interleaved, after 2 warm-up rounds; load average {load[0]:.2f} {load[1]:.2f}")
print(f"{'ms to MapNotify':<28}{'median':>9}{'p90':>9}{'min':>9}{'max':>9}")
for k, label in [("prompt-20", "sealgate-prompt, 20 rcpt"), ("prompt-500", "sealgate-prompt, 500 rcpt"),
                 ("zenity", "zenity --question")]:
    v = res[k]
    print(f"{label:<28}{statistics.median(v):9.1f}{pct(v, 0.9):9.1f}{min(v):9.1f}{max(v):9.1f}")
z = statistics.median(res["zenity"])
print(f"ratio sealgate-prompt(20)/zenity: median {statistics.median(res['prompt-20']) / z:.2f}x, "
      f"p90 {pct(res['prompt-20'], 0.9) / pct(res['zenity'], 0.9):.2f}x")
print(f"ratio sealgate-prompt(500)/zenity: median {statistics.median(res['prompt-500']) / z:.2f}x")
