#!/usr/bin/env python3
"""prompt.show through the real sealgate-host and the real sealgate-prompt
(GTK 4) on the X server xvfb-run gives us, answered with real key presses
(xdotool): the answer and its audit record, other requests served while the
window is open, the timeout, a missing program, no display, a failing
program, too many prompts, and stdin closing with a prompt open.
Usage (under xvfb-run -a): test-prompt.py SEALGATE-HOST SEALGATE-PROMPT LOCALEDIR DATA-DIR.
Prints TAP; stdlib only."""
import atexit
import glob
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402
from tap import skip  # noqa: E402
from nmhost import FramePipe  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "gui"))
import promptx  # noqa: E402

# A private X server on a display it picks itself (-displayfd): xvfb-run -a
# guesses a free number from the lock files and raced the gui suite's servers
# when both started at once ("cannot open a display").
XVFB = promptx.Xvfb()
atexit.register(XVFB.close)
os.environ["DISPLAY"] = XVFB.display

HOST, PROMPT, LOCALEDIR, DATA = sys.argv[1:5]
POLICY = os.path.join(DATA, "policy-prompt-pipe.json")
MESSAGE = {"from": "Alice Example <alice@corp.example>", "to": ["dana@partner.example", "bob@corp.example"],
           "subject": "Q3 figures"}
TIMEOUT = 30

# Under the sanitizers the prompt inherits the host's environment, and LSan
# would fail it (exit 1) for fontconfig's caches, which it never frees. Add
# that one library to the suppressions; the host does not link it, so none of
# its own leaks is hidden.
LSAN_FILE = None
if "suppressions=" in os.environ.get("LSAN_OPTIONS", "") or os.environ.get("ASAN_OPTIONS"):
    opts = os.environ.get("LSAN_OPTIONS", "")
    base = ""
    for part in opts.split(":"):
        if part.startswith("suppressions="):
            try:
                base = open(part.split("=", 1)[1]).read()
            except OSError:
                pass
    fd, LSAN_FILE = tempfile.mkstemp(prefix="sg-prompt-lsan-", suffix=".supp")
    with os.fdopen(fd, "w") as f:
        f.write(base + "\nleak:libfontconfig.so\n")
    rest = [p for p in opts.split(":") if p and not p.startswith("suppressions=")]
    os.environ["LSAN_OPTIONS"] = ":".join(rest + [f"suppressions={LSAN_FILE}"])


class Host(FramePipe):
    def __init__(self, prompt=PROMPT, display=True):
        self.state = tempfile.mkdtemp(prefix="sg-prompt-state-")
        env = dict(os.environ, SEALGATE_POLICY=POLICY, SEALGATE_PROMPT=prompt, SEALGATE_LOCALEDIR=LOCALEDIR,
                   XDG_STATE_HOME=self.state, LANGUAGE="en", LANG="C.UTF-8")
        if not display:
            env.pop("DISPLAY", None)
            env.pop("WAYLAND_DISPLAY", None)
        super().__init__(subprocess.Popen([HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, env=env), TIMEOUT)
        self.err = []
        threading.Thread(target=self._stderr, daemon=True).start()

    def _stderr(self):
        for line in self.p.stderr:
            self.err.append(line.decode(errors="replace").rstrip("\n"))

    def evaluate(self, id_="ev"):
        r = self.request({"id": id_, "op": "policy.evaluate", "message": MESSAGE})
        return r.get("result", {}).get("attempt")

    def show(self, attempt, id_="show"):
        self.send({"id": id_, "op": "prompt.show", "attempt": attempt, "lang": "en", "subject": "Q3 figures"})

    def prompt_pids(self):
        pids = []
        for line in list(self.err):
            parts = line.split()
            if len(parts) > 3 and parts[1] == "prompt" and parts[3] == "started":
                pids.append(int(parts[2]))
        return pids

    def audit(self):
        lines = []
        for f in sorted(glob.glob(os.path.join(self.state, "sealgate", "audit", "audit-*.jsonl"))):
            with open(f) as fh:
                lines += [json.loads(l) for l in fh if l.strip()]
        return lines

    def finish(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            status = self.p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            status = None
        time.sleep(0.1)
        return status

    def cleanup(self):
        shutil.rmtree(self.state, ignore_errors=True)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def windows(count=1):
    """The ids of `count` visible prompt windows (xdotool waits for them)."""
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        r = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", "sealgate-prompt"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        ids = r.stdout.split()
        if len(ids) >= count:
            return ids
        time.sleep(0.2)
    return []


def press(window, *keys):
    subprocess.run(["xdotool", "windowfocus", "--sync", window], timeout=TIMEOUT)
    time.sleep(0.3)
    subprocess.run(["xdotool", "key", "--clearmodifiers", *keys], timeout=TIMEOUT)


def test_answered_and_not_blocking():
    h = Host()
    try:
        attempt = h.evaluate()
        check(attempt and len(attempt) == 32, "policy.evaluate gives an attempt id", attempt)
        h.show(attempt)
        w = windows()
        check(len(w) == 1, "(a) the prompt window opens", w)
        # (b) the host is not blocked: version is answered while the window is open.
        v = h.request({"id": "v", "op": "version"}, timeout=10)
        check(v.get("id") == "v" and "prompt.show" in v.get("result", {}).get("ops", []),
              "(b) a version request sent while the prompt is open is answered first", v)
        if w:
            press(w[0], "alt+p", "Return")  # select "Send through the secure _portal", Enter sends
        r = h.read()
        chk = r.get("result", {}).get("outcome", {}).pop("check", None)
        check(re.fullmatch(r"v=1; attempt=[0-9a-f]{32}; decision=prompt; outcome=routed; route=portal",
                           (chk or {}).get("value", "")) is not None
              and (chk or {}).get("name") == "X-Sealgate-Checked",
              "(a) the outcome carries the gateway check header with the attempt id", chk)
        check(r == {"id": "show", "result": {"choice": "route:portal", "kind": "route", "by": "button",
                                             "justification": None,
                                             "headers": [{"name": "X-Secure-Send", "value": "portal"}],
                                             "subject_tag": "[secure]", "encrypt": None,
                                             "outcome": {"action": "route", "choice": "route:portal",
                                                         "by": "button", "justification": None,
                                                         "headers": [{"name": "X-Secure-Send", "value": "portal"}],
                                                         "subject": "[secure] Q3 figures", "route": "portal",
                                                         "encrypt": None, "audit": "routed",
                                                         "bcc": None, "delay": None}}},
              "(a) answered with the portal button: the result is exactly the route's, with its outcome", r)
        status = h.finish()
        rec = h.audit()
        want = {"v": 1, "attempt": attempt, "client": "thunderbird", "message_id": None,
                "sender": "alice@corp.example", "recipients": {"internal": 1, "external": 1},
                "external_domains": ["partner.example"], "action": "prompt", "choice": "route:portal",
                "by": "button", "justification": None, "route": "portal", "outcome": "routed",
                "prompt_error": None}
        got = rec[0] if len(rec) == 1 else {}
        check(len(rec) == 1 and all(got.get(k) == v for k, v in want.items())
              and got.get("reasons", [{}])[0].get("code") == "external_recipients",
              "(a) one audit record with the choice, by, route and outcome", rec)
        check(status == 0, "exit 0", status)
        check(all(l.startswith("sealgate-host: ") for l in h.err), "every stderr line is prefixed", h.err)
    finally:
        h.cleanup()


def test_escape_cancels():
    h = Host()
    try:
        attempt = h.evaluate()
        h.show(attempt)
        w = windows()
        if w:
            press(w[0], "Escape")
        r = h.read()
        check(r.get("result", {}).get("choice") == "cancel" and r["result"].get("by") == "escape"
              and r["result"].get("headers") == [], "Escape answers cancel by escape", r)
        h.finish()
    finally:
        h.cleanup()


def test_timeout():
    h = Host()
    try:
        attempt = h.evaluate()
        t0 = time.monotonic()
        h.show(attempt)
        windows()
        r = h.read(timeout=40)
        took = time.monotonic() - t0
        check(r.get("result", {}).get("choice") == "cancel" and r["result"].get("by") == "timeout",
              "(c) prompt.timeout_seconds 10: cancel by timeout", r)
        check(9 <= took <= 25, f"(c) after about 10 s ({took:.1f} s)", took)
        time.sleep(0.5)
        pids = h.prompt_pids()
        check(pids and not any(alive(p) for p in pids), "(c) the prompt process is gone", pids)
        h.finish()
        rec = h.audit()
        check(rec and rec[-1].get("choice") == "cancel" and rec[-1].get("by") == "timeout"
              and rec[-1].get("outcome") == "cancelled", "(c) audit: cancelled by timeout", rec)
    finally:
        h.cleanup()


def test_errors():
    for desc, kw, code in [("(d) SEALGATE_PROMPT=/nonexistent", dict(prompt="/nonexistent/sealgate-prompt"),
                            "prompt_unavailable"),
                           ("(e) no DISPLAY", dict(display=False), "prompt_unavailable"),
                           ("(f) SEALGATE_PROMPT=/bin/false", dict(prompt="/bin/false"), "prompt_failed")]:
        h = Host(**kw)
        try:
            attempt = h.evaluate()
            h.show(attempt)
            r = h.read()
            check(r.get("id") == "show" and r.get("error", {}).get("code") == code, f"{desc}: {code}", r)
            h.finish()
            rec = h.audit()
            check(len(rec) == 1 and rec[0].get("prompt_error") == code and rec[0].get("by") == "fallback"
                  and rec[0].get("choice") == "route:portal", f"{desc}: audit records the fallback", rec)
        finally:
            h.cleanup()


def test_busy_and_abandon():
    h = Host()
    try:
        attempts = [h.evaluate(f"e{i}") for i in range(5)]
        for i, a in enumerate(attempts[:4]):
            h.show(a, f"s{i}")
        w = windows(4)
        check(len(w) == 4, "(g) four prompt windows open at once", w)
        h.show(attempts[4], "s4")
        r = h.read()
        check(r.get("id") == "s4" and r.get("error", {}).get("code") == "prompt_busy", "(g) the fifth: prompt_busy", r)
        pids = h.prompt_pids()
        # (h) stdin closes with prompts open.
        status = h.finish()
        check(status == 0, "(h) stdin closed with prompts open: exit 0", status)
        check(len(pids) == 4 and not any(alive(p) for p in pids), "(h) no prompt process is left", pids)
        rec = h.audit()
        ab = [x for x in rec if x.get("outcome") == "abandoned"]
        check(len(ab) == 4 and all(x.get("choice") == "cancel" for x in ab)
              and {x["attempt"] for x in ab} == set(attempts[:4]),
              "(h) one abandoned record (choice cancel) per open prompt", rec)
        busy = [x for x in rec if x.get("prompt_error") == "prompt_busy"]
        check(len(busy) == 1 and busy[0]["attempt"] == attempts[4], "(g) the busy one records its fallback", rec)
    finally:
        h.cleanup()


if not os.environ.get("DISPLAY"):
    skip("prompt tests", "no DISPLAY: run under xvfb-run -a")
elif not os.access(PROMPT, os.X_OK) or not shutil.which("xdotool"):
    skip("prompt tests", "sealgate-prompt or xdotool missing")
else:
    for t in [test_answered_and_not_blocking, test_escape_cancels, test_errors, test_busy_and_abandon, test_timeout]:
        try:
            t()
        except Exception as e:  # one broken scenario must not hide the others
            check(False, f"{t.__name__} ran without an exception", repr(e))

if LSAN_FILE:
    os.unlink(LSAN_FILE)
sys.exit(done())
