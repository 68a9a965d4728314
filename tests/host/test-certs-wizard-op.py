#!/usr/bin/env python3
"""certs.wizard through the real sealgate-host: the answer comes at once
(the wizard is started detached, no zombie is left) and the program gets
--lang; a bad lang is a request error and starts nothing; a missing program
and no display are prompt_unavailable. The wizard is a stand-in script
($SEALGATE_CERTS_WIZARD) that records its arguments and its session.
Usage: test-certs-wizard-op.py SEALGATE-HOST DATA-DIR. Prints TAP."""
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from nmhost import FramePipe  # noqa: E402
from tap import done, ok  # noqa: E402

HOST, DATA = sys.argv[1:3]
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sg-certs-op-"))
MARK = TMP / "started"
FAKE = TMP / "sealgate-certs"
FAKE.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" \"$(ps -o sid= -p $$)\" >{MARK}.tmp\nmv {MARK}.tmp {MARK}\n"
                "sleep 2\n")
FAKE.chmod(0o755)


def host(program=str(FAKE), display=":99"):
    env = dict(os.environ, SEALGATE_POLICY=os.path.join(DATA, "policy.json"), XDG_STATE_HOME=str(TMP / "state"),
               SEALGATE_CERTS_WIZARD=program)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("DISPLAY", None)
    if display:
        env["DISPLAY"] = display
    return FramePipe(subprocess.Popen([HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=env), 30)


def wait_mark(timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if MARK.exists():
            return MARK.read_text().split("\n")
        time.sleep(0.05)
    return None


h = host()
t0 = time.monotonic()
r = h.request({"id": 1, "op": "certs.wizard", "lang": "ja"})
took = time.monotonic() - t0
ok(r.get("result", {}).get("started") is True and r["result"].get("program") == str(FAKE),
   "certs.wizard: started, the program named", r)
ok(took < 1.5, f"answered at once, not when the wizard closes ({took:.2f} s; it lives 2 s)")
mark = wait_mark()
ok(mark is not None and mark[0] == "--lang ja", "the wizard gets --lang ja", mark)
ok(mark is not None and mark[1].strip() != str(os.getsid(h.p.pid)), "in a session of its own", mark)
zombies = subprocess.run(["ps", "-o", "stat=", "--ppid", str(h.p.pid)], capture_output=True, text=True).stdout
ok("Z" not in zombies, "no zombie left under the host", zombies)
MARK.unlink()
r = h.request({"id": 2, "op": "certs.wizard", "lang": "fr"})
ok(r.get("error", {}).get("code") == "invalid_request", "lang \"fr\": invalid_request", r)
time.sleep(0.5)
ok(not MARK.exists(), "lang \"fr\": nothing started")
r = h.request({"id": 3, "op": "certs.wizard"})
ok(r.get("result", {}).get("started") is True, "no lang: started", r)
mark = wait_mark()
ok(mark is not None and mark[0] == "", "no lang: no --lang argument", mark)
h.p.stdin.close()
h.p.wait(10)

h = host(program=str(TMP / "missing"))
r = h.request({"id": 1, "op": "certs.wizard", "lang": "en"})
ok(r.get("error", {}).get("code") == "prompt_unavailable", "a missing program: prompt_unavailable", r)
h.p.stdin.close()
h.p.wait(10)

MARK.unlink(missing_ok=True)
h = host(display=None)
r = h.request({"id": 1, "op": "certs.wizard", "lang": "en"})
ok(r.get("error", {}).get("code") == "prompt_unavailable", "no display: prompt_unavailable", r)
time.sleep(0.5)
ok(not MARK.exists(), "no display: nothing started")
h.p.stdin.close()
h.p.wait(10)
sys.exit(done())
