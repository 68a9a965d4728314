#!/usr/bin/env python3
"""The real sealgate-host through a pipe, as Thunderbird runs it: framing,
splits and pauses, errors and exit statuses, chunking both ways, policy reload.
Usage: test-pipe.py SEALGATE-HOST DATA-DIR. Prints TAP; stdlib only."""
import base64
import json
import os
import pathlib
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402
from nmhost import frame, split_frames  # noqa: E402

HOST = sys.argv[1]
DATA = sys.argv[2]
# Under ASan the allocator's redzones and quarantine multiply every
# allocation: the memory bound is a property of the plain build.
SANITIZED = len(sys.argv) > 3 and sys.argv[3] not in ("", "none")
FRAME_OUT_MAX = 1048576
FRAME_IN_MAX = 16 << 20
TIMEOUT = 30
# policy.evaluate writes audit records: into a directory of this run.
STATE = tempfile.mkdtemp(prefix="sg-pipe-state-")


class Host:
    def __init__(self, policy, args=("/usr/lib/mozilla/native-messaging-hosts/sealgate.json", "sealgate@example")):
        env = dict(os.environ, SEALGATE_POLICY=policy, XDG_STATE_HOME=STATE)
        self.p = subprocess.Popen([HOST, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)
        self.buf = b""

    def write(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
            return True
        except BrokenPipeError:
            return False

    def read_exact(self, n, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while len(self.buf) < n:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"waited {timeout}s for {n} bytes, have {len(self.buf)}")
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise EOFError(f"stdout closed with {len(self.buf)} of {n} bytes")
                self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_frame(self):
        (n,) = struct.unpack("=I", self.read_exact(4))
        return self.read_exact(n)

    def read_json(self):
        return json.loads(self.read_frame())

    def request(self, obj):
        self.write(frame(obj))
        return self.read_json()

    def finish(self):
        """Close stdin (communicate does), wait; returns (status, rest of stdout, stderr)."""
        try:
            out, err = self.p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
            return None, self.buf + out, err
        return self.p.returncode, self.buf + out, err


def stderr_ok(err):
    lines = err.decode(errors="replace").splitlines()
    return all(l.startswith("sealgate-host: ") for l in lines), lines


def only_frames(out):
    frames, rest = split_frames(out)
    return rest == b"", frames


POLICY = os.path.join(DATA, "policy.json")
EXT = {"to": ["someone@partner.example"], "subject": "hello"}


def evaluate(id_, message):
    return {"id": id_, "op": "policy.evaluate", "message": message}


def test_several_requests():
    h = Host(POLICY)
    reqs = [{"id": 1, "op": "version"}, evaluate("two", EXT), {"id": 3, "op": "no.such.op"}]
    h.write(b"".join(frame(r) for r in reqs))
    status, out, err = h.finish()
    ok, frames = only_frames(out)
    check(status == 0, "several requests: clean EOF exits 0", status)
    check(ok and len(frames) == 3, "several requests: stdout is exactly three frames", out[:300])
    resp = [json.loads(f) for f in frames] if ok and len(frames) == 3 else [{}] * 3
    check(resp[0].get("id") == 1 and resp[0].get("result", {}).get("name") == "sealgate-host",
          "several requests: version answered", resp[0])
    check(resp[1].get("id") == "two" and resp[1].get("result", {}).get("action") == "prompt",
          "several requests: policy.evaluate answered (prompt)", resp[1])
    check(resp[2].get("id") == 3 and resp[2].get("error", {}).get("code") == "unknown_op",
          "several requests: unknown op answered", resp[2])
    good, lines = stderr_ok(err)
    check(good, "stderr lines are all prefixed 'sealgate-host: '", lines)
    check(any("sealgate@example" in l and "sealgate.json" in l for l in lines),
          "manifest path and extension id are logged to stderr", lines)


def test_split_with_pauses():
    h = Host(POLICY)
    data = frame({"id": "slow", "op": "version"})
    for b in data[:4]:
        h.write(bytes([b]))
        time.sleep(0.05)
    third = (len(data) - 4) // 3
    h.write(data[4 : 4 + third])
    time.sleep(0.1)
    h.write(data[4 + third : 4 + 2 * third])
    time.sleep(0.1)
    h.write(data[4 + 2 * third :])
    try:
        r = h.read_json()
    except (TimeoutError, EOFError) as e:
        r = {"exception": str(e)}
    check(r.get("id") == "slow" and "result" in r, "frame split across writes with pauses is answered", r)
    status, out, _ = h.finish()
    check(status == 0 and out == b"", "then clean EOF exits 0 with nothing more on stdout", (status, out[:100]))


def test_invalid_then_valid():
    h = Host(POLICY)
    r1 = h.request(b"{not json")
    r2 = h.request(b'{"id":5,"op":"version","bad":"\xff\xfe"}')
    r3 = h.request({"id": 6, "op": "version"})
    check(r1.get("id") is None and r1.get("error", {}).get("code") == "invalid_json",
          "invalid JSON: invalid_json with id null", r1)
    check(r2.get("id") is None and r2.get("error", {}).get("code") == "invalid_utf8",
          "invalid UTF-8: invalid_utf8 with id null", r2)
    check(r3.get("id") == 6 and "result" in r3, "a valid request after them is still served", r3)
    status, out, _ = h.finish()
    check(status == 0 and out == b"", "exit 0 at clean EOF", status)


def test_too_large():
    h = Host(POLICY)
    h.write(struct.pack("=I", FRAME_IN_MAX + 1))
    h.write(b"{" * 1000)
    status, out, err = h.finish()
    ok, frames = only_frames(out)
    r = json.loads(frames[0]) if ok and len(frames) == 1 else {}
    check(ok and len(frames) == 1, "frame over the limit: exactly one response frame", out[:200])
    check(r.get("id", 0) is None and r.get("error", {}).get("code") == "frame_too_large",
          "frame over the limit: frame_too_large with id null", r)
    check(status == 1, "frame over the limit: exit status 1 (no hang)", status)

    # Exactly at the limit is read (and refused as JSON, but the connection lives).
    h = Host(POLICY)
    h.write(struct.pack("=I", FRAME_IN_MAX) + b" " * FRAME_IN_MAX)
    r = h.read_json()
    r2 = h.request({"id": 2, "op": "version"})
    status, _, _ = h.finish()
    check(r.get("error", {}).get("code") == "invalid_json" and r2.get("id") == 2 and status == 0,
          "frame of exactly SG_FRAME_IN_MAX bytes is read and answered; the connection lives", (r, r2, status))


def test_truncated():
    for desc, data in [("header only", struct.pack("=I", 100)),
                       ("header and half the payload", frame(b'{"id":1,"op":"version"}')[:15]),
                       ("half a header", b"\x10\x00")]:
        h = Host(POLICY)
        h.write(data)
        status, out, _ = h.finish()
        ok, frames = only_frames(out)
        r = json.loads(frames[0]) if ok and len(frames) == 1 else {}
        check(r.get("id", 0) is None and r.get("error", {}).get("code") == "frame_invalid" and status == 1,
              f"EOF after {desc}: frame_invalid, exit 1", (status, out[:200]))


def test_clean_eof():
    h = Host(POLICY)
    status, out, _ = h.finish()
    check(status == 0 and out == b"", "EOF before any frame: exit 0, empty stdout", (status, out))


def test_large_response():
    # 10,000 external recipients with long display names: the decision lists
    # them all and is well over 1 MiB.
    pad = "Long Display Name With Department And Location " * 2
    to = [f'"{pad}{i:05d}" <user{i:05d}@partner.example>' for i in range(10000)]
    h = Host(POLICY)
    h.write(frame(evaluate("big", {"to": to, "subject": "many"})))
    frames, raw_sizes = [], []
    try:
        raw = h.read_frame()
        raw_sizes.append(len(raw))
        first = json.loads(raw)
        frames.append(first)
        count = first.get("chunk", {}).get("count", 1)
        for _ in range(count - 1):
            raw = h.read_frame()
            raw_sizes.append(len(raw))
            frames.append(json.loads(raw))
    except (TimeoutError, EOFError, ValueError) as e:
        check(False, "large response: chunk frames arrive", e)
        h.finish()
        return
    status, out, _ = h.finish()
    check(status == 0 and out == b"", "large response: nothing after the chunk frames, exit 0", (status, out[:100]))
    check(len(frames) > 1, f"large response arrives as {len(frames)} chunk frames", frames[0] if frames else None)
    check(max(raw_sizes) <= FRAME_OUT_MAX, "large response: every chunk frame is at most 1,048,576 bytes",
          raw_sizes)
    shape = all(f.get("id") == "big" and f.get("chunk", {}).get("index") == i and
                f.get("chunk", {}).get("count") == len(frames) for i, f in enumerate(frames))
    check(shape, "large response: chunks carry the id, index 0..n-1 and count n")
    try:
        whole = json.loads(b"".join(base64.b64decode(f["data"], validate=True) for f in frames))
    except (ValueError, KeyError) as e:
        whole = {"exception": str(e)}
    res = whole.get("result", {})
    check(whole.get("id") == "big" and res.get("action") == "prompt", "large response: reassembles into the response",
          str(whole)[:300])
    recips = res.get("recipients", [])
    check(len(recips) == 10000, "large response: all 10,000 recipients are in it", len(recips))


def test_chunked_request():
    h = Host(POLICY)
    req = json.dumps(evaluate("chunked", dict(EXT, body="x" * 3000))).encode()
    parts = [req[i : i + 1000] for i in range(0, len(req), 1000)]
    for i, p in enumerate(parts):
        h.write(frame({"id": "chunked", "chunk": {"index": i, "count": len(parts)},
                       "data": base64.b64encode(p).decode()}))
    r = h.read_json()
    check(r.get("id") == "chunked" and r.get("result", {}).get("action") == "prompt",
          f"chunked request in {len(parts)} frames is reassembled and answered", r)
    h.write(frame({"id": "x", "chunk": {"index": 1, "count": 2}, "data": ""}))
    r = h.read_json()
    check(r.get("id") == "x" and r.get("error", {}).get("code") == "invalid_request",
          "chunk out of order: invalid_request", r)
    status, out, _ = h.finish()
    check(status == 0 and out == b"", "exit 0 after chunked requests", status)


def test_policy_reload():
    d = tempfile.mkdtemp(prefix="sg-pipe-")
    try:
        path = os.path.join(d, "policy.json")
        shutil.copy(POLICY, path)
        h = Host(path)
        r1 = h.request(evaluate(1, EXT))
        # An admin edits the policy while Thunderbird runs: no restart. The
        # host looks at a policy in force at most once a second.
        shutil.copy(os.path.join(DATA, "policy-reload.json"), path)
        time.sleep(1.1)
        r2 = h.request(evaluate(2, EXT))
        shutil.copy(os.path.join(DATA, "policy-invalid.json"), path)
        time.sleep(1.1)
        r3 = h.request(evaluate(3, EXT))
        r4 = h.request({"id": 4, "op": "version"})
        status, out, err = h.finish()
        check(r1.get("result", {}).get("action") == "prompt", "policy reload: first policy prompts", r1)
        check(r2.get("result", {}).get("action") == "allow", "policy reload: edited policy is used (allow)", r2)
        check(r3.get("error", {}).get("code") == "policy_invalid",
              "policy reload: invalid policy file gives policy_invalid (fail closed)", r3)
        pol = r4.get("result", {}).get("policy", {})
        check(pol.get("loaded") is False and pol.get("error", {}).get("code") == "policy_invalid"
              and pol.get("path") == path, "version reports the policy path and its error", pol)
        good, lines = stderr_ok(err)
        check(good and any("reloaded" in l for l in lines) and any("policy_invalid" in l for l in lines),
              "reload and refusal are logged to stderr", lines)
        check(status == 0 and out == b"", "exit 0", status)
    finally:
        shutil.rmtree(d)


def test_reads_reload():
    """docs/protocol.md, "Inputs the policy reads": a client leaves out the
    texts while the policy reads none; the policy is replaced by one with a
    content trigger before its policy.evaluate: refused with input_skipped
    (fail closed), and answered once the texts are sent."""
    d = tempfile.mkdtemp(prefix="sg-pipe-")
    try:
        path = os.path.join(d, "policy.json")
        shutil.copy(os.path.join(DATA, "policy-reload.json"), path)
        h = Host(path)
        r1 = h.request({"id": 1, "op": "version"})
        msg = {"to": ["dana@other.example"], "subject": "confidential", "body": ""}
        r2 = h.request({"id": 2, "op": "policy.evaluate", "message": msg, "skipped": ["texts"]})
        shutil.copy(POLICY, path)  # subject_keyword and credit_card: reads the texts
        time.sleep(1.1)
        r3 = h.request({"id": 3, "op": "policy.evaluate", "message": msg, "skipped": ["texts"]})
        r4 = h.request({"id": 4, "op": "policy.evaluate", "message": msg})
        status, out, err = h.finish()
        check(r1.get("result", {}).get("policy", {}).get("reads") == {"texts": False, "related": False, "attachment_types": False},
              "reads: a policy without content triggers reads no texts (version)", r1)
        check(r2.get("result", {}).get("reads") == {"texts": False, "related": False, "attachment_types": False},
              "reads: skipped texts under that policy is answered, with reads", r2)
        check(r3.get("error", {}).get("code") == "input_skipped" and "texts" in r3["error"].get("message", ""),
              "reads: after a reload with a content trigger, skipped texts is input_skipped", r3)
        res4 = r4.get("result", {})
        check(res4.get("reads", {}).get("texts") is True and res4.get("action") == "route",
              "reads: the full request is evaluated under the new policy (subject keyword: route)", r4)
        check(status == 0 and out == b"", "exit 0", status)
    finally:
        shutil.rmtree(d)


def test_options():
    r = subprocess.run([HOST, "--version"], capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    check(r.returncode == 0 and r.stdout.decode().startswith("sealgate-host "),
          "--version prints a text line and exits 0", r.stdout)
    r = subprocess.run([HOST, "--help"], capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    out = r.stdout.decode()
    check(r.returncode == 0 and "policy.evaluate" in out and "version" in out and "prompt.show" in out,
          "--help lists the ops and exits 0", out[:300])


EXT_ID = "sealgate@sealgate.example"


def doctor_checks(manifest, ext_id=EXT_ID):
    """Run the host as Thunderbird would (argv = manifest path, extension id) and
    return {check id: (ok, detail)} from the doctor op."""
    h = Host(POLICY, args=(manifest, ext_id))
    r = h.request({"id": "doc", "op": "doctor"})
    h.finish()
    return {c["id"]: (c["ok"], c["detail"]) for c in r.get("result", {}).get("checks", [])}, r


def write_manifest(where, **fields):
    m = {"name": "sealgate.host", "description": "sealgate", "path": os.path.realpath(HOST),
         "type": "stdio", "allowed_extensions": [EXT_ID]}
    m.update(fields)
    m = {k: v for k, v in m.items() if v is not None}
    with open(where, "w") as f:
        json.dump(m, f)


def test_doctor():
    d = tempfile.mkdtemp(prefix="sg-doctor-")
    try:
        mf = os.path.join(d, "sealgate.host.json")
        write_manifest(mf)
        c, r = doctor_checks(mf)
        check(r.get("result", {}).get("ok") is True and all(ok for ok, _ in c.values())
              and list(c) == ["manifest", "extension_id", "policy", "version"],
              "doctor: a correct manifest passes every check", r)

        link = os.path.join(d, "host-link")
        os.symlink(os.path.realpath(HOST), link)
        write_manifest(mf, path=link)
        c, r = doctor_checks(mf)
        check(c.get("manifest", (False,))[0] is True, "doctor: a symlink to this host counts as this host", r)

        c, r = doctor_checks(mf, "someone-else@example")
        check(c.get("extension_id", (True, ""))[0] is False and "someone-else@example" in c["extension_id"][1],
              "doctor: an extension id not in allowed_extensions fails and is named", r)

        cases = [
            ("missing manifest", None, "No such file"),
            ("manifest not JSON", "{not json", "not valid JSON"),
            ("manifest with comments (Thunderbird's parser is strict)", "// x\n{}", "not valid JSON"),
            ("wrong name", dict(name="sealgate"), '"name" is "sealgate"'),
            ("wrong type", dict(type="pipe"), '"type" is "pipe"'),
            ("path missing", dict(path=None), '"path" is missing'),
            ("relative path", dict(path="sealgate-host"), "not absolute"),
            ("path does not exist", dict(path=os.path.join(d, "nope")), "No such file"),
            ("path not executable", dict(path=mf), "not an executable"),
            ("path is another program", dict(path="/bin/sh"), "not this host"),
        ]
        for desc, content, want in cases:
            if os.path.exists(mf):
                os.unlink(mf)
            if isinstance(content, str):
                with open(mf, "w") as f:
                    f.write(content)
            elif isinstance(content, dict):
                write_manifest(mf, **content)
            c, r = doctor_checks(mf)
            ok, detail = c.get("manifest", (True, ""))
            check(ok is False and want in detail and r["result"]["ok"] is False,
                  f"doctor: {desc}: manifest check fails saying '{want}'", r)

        write_manifest(mf, allowed_extensions=None)
        c, r = doctor_checks(mf)
        check(c.get("extension_id", (True, ""))[0] is False and "allowed_extensions" in c["extension_id"][1],
              "doctor: no allowed_extensions fails the extension_id check", r)
    finally:
        shutil.rmtree(d)


def test_policy_get():
    h = Host(os.path.join(DATA, "policy-comments.json"))
    r = h.request({"id": "pg", "op": "policy.get"})
    h.finish()
    res = r.get("result", {})
    check(res.get("loaded") is True and res.get("policy", {}).get("routes", {}).get("portal", {})
          .get("subject_tag") == "[secure]", "policy.get through the pipe returns the policy as JSON", r)


def _hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _memory_of(frames):
    """(bytes sent, growth of the host's peak resident memory, the answer) for
    one request sent as `frames`, in a fresh host."""
    h = Host(POLICY)
    h.request({"id": 0, "op": "version"})
    base = _hwm(h.p.pid)
    for f in frames:
        h.write(frame(f))
    r = h.read_json()
    peak = _hwm(h.p.pid)
    h.finish()
    return sum(len(f) for f in frames), peak - base, r


def _dense(total, unit):
    head = b'{"id":1,"op":"policy.evaluate","message":{"to":["a@partner.example"]},"pad":['
    n = (total - len(head) - 2) // len(unit)
    return head + unit * (n - 1) + unit.rstrip(b" ").rstrip(b",") + b"]}"


# host-limits.h: SG_HOST_VALUES_FLOOR, SG_HOST_BYTES_PER_VALUE, the weights and the factor
VALUES_FLOOR, BYTES_PER_VALUE, MEMORY_FACTOR = 16384, 16, 8


def test_memory():
    """The host's memory for one request stays within 8 times its size."""
    big = FRAME_IN_MAX - 64
    cases = [
        ("16 MiB of small numbers (\"0,0,0,...\")", [_dense(big, b"0,")], "limit_exceeded"),
        ("16 MiB of empty objects", [_dense(big, b"{},")], "limit_exceeded"),
        ("16 MiB of numbers at the densest allowed", [_dense(big, b"0," + b" " * 14)], None),
        ("16 MiB of short strings at the densest allowed", [_dense(big, b'"abcdefghijklm",')], None),
        ("16 MiB of one-member objects at the densest allowed", [_dense(big, b'{"a":0},' + b" " * 152)], None),
        ("16 MiB of nested arrays at the densest allowed", [_dense(big, b"[[0]]," + b" " * 138)], None),
    ]
    req = _dense(64 << 20, b"0,")
    parts = [req[i:i + (8 << 20)] for i in range(0, len(req), 8 << 20)]
    cases.append(("a 64 MiB chunked request of small numbers", [
        json.dumps({"id": 1, "chunk": {"index": i, "count": len(parts)},
                    "data": base64.b64encode(p).decode()}).encode() for i, p in enumerate(parts)], "limit_exceeded"))
    req = _dense(64 << 20, b'"abcdefghijklm",')
    parts = [req[i:i + (8 << 20)] for i in range(0, len(req), 8 << 20)]
    cases.append(("a 64 MiB chunked request of short strings at the densest allowed", [
        json.dumps({"id": 1, "chunk": {"index": i, "count": len(parts)},
                    "data": base64.b64encode(p).decode()}).encode() for i, p in enumerate(parts)], None))
    for desc, frames, want in cases:
        size, growth, r = _memory_of(frames)
        got = r.get("error", {}).get("code")
        if SANITIZED:
            check(got == want, f"{desc}: {got or 'answered'} (memory not bounded under the sanitizers: "
                  f"grew {growth / size:.2f} times)", r)
            continue
        check(got == want and growth <= MEMORY_FACTOR * size,
              f"{desc}: {got or 'answered'}, memory grew {growth / size:.2f} times the request's size (at most "
              f"{MEMORY_FACTOR})", r if got != want else growth)
    # at the weight limit, and one past it
    for extra in (0, 1):
        n = VALUES_FLOOR
        while True:
            body = (b'{"id":1,"op":"policy.evaluate","message":{"to":["a@partner.example"]},"pad":[' +
                    b",".join([b"0"] * n) + b"]}")
            diff = _weight(body) - (VALUES_FLOOR + len(body) // BYTES_PER_VALUE) - extra
            if diff == 0:
                break
            n -= diff  # one element weighs 1 and adds 2 bytes (1/8 of a unit allowed)
        h = Host(POLICY)
        h.write(frame(body))
        r = h.read_json()
        h.finish()
        got = r.get("error", {}).get("code")
        check((got == "limit_exceeded") == (extra == 1),
              f"a request weighing {'one more than' if extra else 'exactly'} the values limit: "
              f"{'limit_exceeded' if extra else 'answered'}", r)


def _weight(text):
    """The host's weight of a request's JSON values (shared.c)."""
    w, in_string, i = 1, False, 0
    while i < len(text):
        c = text[i:i + 1]
        if in_string:
            if c == b"\\":
                i += 1
            elif c == b'"':
                in_string = False
        elif c == b'"':
            in_string = True
        elif c == b"{":
            w += 8
        elif c == b"[":
            w += 4
        elif c in (b",", b":"):
            w += 1
        i += 1
    return w


def _audit_lines():
    import glob
    n = 0
    for f in glob.glob(os.path.join(STATE, "sealgate", "audit", "audit-*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            n += sum(1 for _ in fh)
    return n


def test_preview():
    """policy.evaluate with preview (the compose window's button): the
    decision without an attempt and without an audit record."""
    before = _audit_lines()
    h = Host(POLICY)
    route = {"to": ["dana@partner.example"], "subject": "confidential"}
    reqs = [dict(evaluate("p1", EXT), preview=True), dict(evaluate("p2", route), preview=True),
            evaluate("p3", route)]
    h.write(b"".join(frame(r) for r in reqs))
    status, out, err = h.finish()
    ok, frames = only_frames(out)
    resp = [json.loads(f) for f in frames] if ok and len(frames) == 3 else [{}] * 3
    r1, r2, r3 = (x.get("result", {}) for x in resp)
    check(r1.get("action") == "prompt" and r1.get("attempt") is None and r1.get("choices"),
          "preview: a prompt decision with its choices and no attempt", resp[0])
    check(r2.get("action") == "route" and r2.get("attempt") is None
          and (r2.get("outcome") or {}).get("check") is None,
          "preview: a route decision, no attempt, no check header", resp[1])
    check(isinstance(r3.get("attempt"), str) and len(r3["attempt"]) == 32, "without preview: an attempt", resp[2])
    check(_audit_lines() - before == 1, "preview: no audit record (only the real evaluation wrote one)",
          _audit_lines() - before)


for t in [test_several_requests, test_preview, test_split_with_pauses, test_invalid_then_valid, test_too_large,
          test_truncated, test_clean_eof, test_large_response, test_chunked_request, test_policy_reload, test_reads_reload,
          test_options, test_doctor, test_policy_get, test_memory]:
    try:
        t()
    except Exception as e:  # a crash in one scenario must not hide the others
        check(False, f"{t.__name__} ran without an exception", repr(e))

shutil.rmtree(STATE, ignore_errors=True)
sys.exit(done())
