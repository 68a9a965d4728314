#!/usr/bin/env python3
"""The smime.* stream ops of the real sealgate-host through a pipe
(docs/protocol.md, "Streams"): each op against `openssl cms` both ways, a
50 MiB message both directions with the host's peak memory bounded, and the
stream errors (truncation, frame order, sizes, limits one past, busy).
Usage: test-stream.py SEALGATE-HOST MAKE-FIXTURES.SH [SANITIZE]. Prints TAP.
The memory bound (VmHWM under 64 MiB for 50 MiB each way) is a correctness
property of the protocol, not a timing: it is skipped only under sanitizers,
whose shadow memory and quarantine are not the host's."""
import base64
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done, skip  # noqa: E402
from tap import ok as check  # noqa: E402
from nmhost import ThreadedHost  # noqa: E402

HOST = sys.argv[1]
FIXTURES = sys.argv[2]
SANITIZED = len(sys.argv) > 3 and sys.argv[3] not in ("", "none")
RAW = 524288  # SG_CHUNK_RAW_MAX
INPUT_MAX = 1 << 30
FRAMES_MAX = 262144
PARAM_MAX = 4096
TIMEOUT = 120
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sg-stream-"))
FX = TMP / "fx"
subprocess.run(["sh", FIXTURES, str(FX)], check=True, stdout=subprocess.DEVNULL)
PASS = (FX / "PASSPHRASE").read_text().strip()
ALICE_KEY = {"path": str(FX / "alice.p12"), "passphrase": PASS}
BOB_KEY = {"path": str(FX / "bob.p12"), "passphrase": PASS}
TRUST = {"ca_file": str(FX / "ca-chain.pem")}


class Host(ThreadedHost):
    """The host with a reader thread (tests/common/nmhost.py)."""

    def __init__(self):
        super().__init__([HOST], dict(os.environ, SEALGATE_POLICY=str(TMP / "no-policy.json"), XDG_STATE_HOME=str(TMP / "state")), TIMEOUT)


def input_frames(sid, data, size=RAW):
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    return [{"id": sid, "input": {"index": i}, "data": base64.b64encode(c).decode()} for i, c in enumerate(chunks)]


def collect(h, sid):
    """Output bytes, the final response and other responses, for stream sid."""
    out, others, index = bytearray(), [], 0
    while True:
        m = h.get()
        if m is None:
            return bytes(out), None, others
        if m.get("id") == sid and "output" in m:
            if m["output"]["index"] != index:
                return bytes(out), {"error": {"code": "test: output frames out of order"}}, others
            index += 1
            out += base64.b64decode(m["data"])
        elif m.get("id") == sid:
            return bytes(out), m, others
        else:
            others.append(m)


def stream(h, sid, op, params, data, size=RAW, frames=None, total=None):
    """Run one stream, writing input from a thread; (output, final, others)."""
    fr = input_frames(sid, data, size)
    req = {"id": sid, "op": op, "input": {"frames": len(fr) if frames is None else frames,
                                          "size": len(data) if total is None else total}, **params}

    def writer():
        h.send(req)
        for f in fr:
            if not h.send(f):
                return

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    res = collect(h, sid)
    t.join(TIMEOUT)
    return res


def run(op, params, data, **kw):
    h = Host()
    out, final, others = stream(h, 1, op, params, data, **kw)
    status, rest = h.close()
    return out, final, others + rest, status


def code(final):
    return (final or {}).get("error", {}).get("code")


def openssl(*args, inp=None):
    return subprocess.run(["openssl", *map(str, args)], input=inp, capture_output=True)


ENTITY = (b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "secret message \u6a5f\u5bc6\r\n".encode() * 1000)

# ---- each op against openssl cms, both directions

out, final, _, status = run("smime.encrypt", {"recipients": [str(FX / "bob.pem")], "format": "der"}, ENTITY)
r = (final or {}).get("result", {})
check(r.get("complete") is True and r.get("output", {}).get("size") == len(out)
      and r["output"]["sha256"] == hashlib.sha256(out).hexdigest() and status == 0,
      "smime.encrypt (der): output frames, then a complete result with size and sha256", final)
p = openssl("cms", "-decrypt", "-inform", "DER", "-binary", "-inkey", FX / "bob.key", "-recip", FX / "bob.pem",
            inp=out)
check(p.returncode == 0 and p.stdout == ENTITY, "host encrypts (der) -> openssl cms -decrypt", p.stderr)

out, final, _, _ = run("smime.encrypt", {"recipients": [str(FX / "bob.pem"), str(FX / "alice.pem")]}, ENTITY)
check(out.startswith(b"Content-Type: application/pkcs7-mime") or b"pkcs7-mime" in out[:400],
      "smime.encrypt (mime): an application/pkcs7-mime entity", out[:200])
p = openssl("cms", "-decrypt", "-inkey", FX / "alice.key", "-recip", FX / "alice.pem", inp=out)
check(p.returncode == 0 and p.stdout.replace(b"\r\n", b"\n") == ENTITY.replace(b"\r\n", b"\n"),
      "host encrypts (mime, two recipients) -> openssl cms -decrypt (second recipient)", p.stderr)

src = TMP / "entity.bin"
src.write_bytes(ENTITY)
p = openssl("cms", "-encrypt", "-aes256", "-binary", "-outform", "DER", "-in", src, FX / "alice.pem")
out, final, _, _ = run("smime.decrypt", {"key": ALICE_KEY}, p.stdout, size=1000)
check(out == ENTITY and (final or {}).get("result", {}).get("complete") is True,
      "openssl cms -encrypt (DER, 1000-byte input frames) -> host decrypts", final)
p = openssl("cms", "-encrypt", "-aes256", "-in", src, FX / "alice.pem")
out, final, _, _ = run("smime.decrypt", {"key": {"path": str(FX / "alice.key"), "cert": str(FX / "alice.pem")}},
                       p.stdout)
check(out.replace(b"\r\n", b"\n") == ENTITY.replace(b"\r\n", b"\n") and code(final) is None,
      "openssl cms -encrypt (S/MIME) -> host decrypts with a PEM key and certificate", final)

out, final, _, _ = run("smime.encrypt", {"recipients": [str(FX / "bob.pem")], "cipher": "aes256-gcm",
                                         "format": "der"}, ENTITY)
out2, final2, _, _ = run("smime.decrypt", {"key": BOB_KEY}, out)
check(out2 == ENTITY and (final or {}).get("result", {}).get("cipher") == "aes256-gcm",
      "aes256-gcm (AuthEnvelopedData): host encrypts, host decrypts", final2)

out, final, _, _ = run("smime.sign", {"key": ALICE_KEY}, ENTITY)
signed = TMP / "signed.eml"
signed.write_bytes(out)
p = openssl("cms", "-verify", "-CAfile", FX / "ca-chain.pem", "-in", signed)
check(p.returncode == 0 and b"secret message" in p.stdout and b"multipart/signed" in out[:2000],
      "host signs (multipart/signed) -> openssl cms -verify", p.stderr)
out, final, _, _ = run("smime.sign", {"key": ALICE_KEY, "digest": "sha512", "format": "der"}, ENTITY)
(TMP / "sig.der").write_bytes(out)
p = openssl("cms", "-verify", "-binary", "-inform", "DER", "-in", TMP / "sig.der", "-content", src, "-CAfile",
            FX / "ca-chain.pem", "-out", "/dev/null")
check(p.returncode == 0 and final["result"]["digest"] == "sha512",
      "host signs (detached DER, sha512) -> openssl cms -verify -content", p.stderr)

p = openssl("cms", "-sign", "-signer", FX / "alice.pem", "-inkey", FX / "alice.key", "-certfile", FX / "inter.pem",
            "-in", src)
osig = p.stdout
out, final, _, _ = run("smime.verify", {"trust": TRUST, "from": "alice@corp.example", "output": True}, osig)
r = (final or {}).get("result", {})
check(r.get("valid") is True and r.get("signers", [{}])[0].get("email_matches") is True
      and "alice@corp.example" in r["signers"][0].get("emails", []) and b"secret message" in out,
      "openssl cms -sign -> host verifies: valid, per-signer checks, signed content as output", final)
out, final, _, _ = run("smime.verify", {"trust": TRUST, "from": "bob@partner.example"}, osig)
r = (final or {}).get("result", {})
check(r.get("valid") is False and r["signers"][0]["email_matches"] is False and r["signers"][0]["signature_valid"]
      and out == b"", "host verify: another From -> valid false, email_matches false, no output", final)
p = openssl("cms", "-sign", "-binary", "-outform", "DER", "-signer", FX / "alice.pem", "-inkey", FX / "alice.key",
            "-in", src)
out, final, _, _ = run("smime.verify", {"trust": TRUST, "signature": base64.b64encode(p.stdout).decode()}, ENTITY)
check((final or {}).get("result", {}).get("valid") is True,
      "openssl cms -sign (detached DER) -> host verifies the content as the input stream", final)
out, final, _, _ = run("smime.verify", {"trust": TRUST, "signature": base64.b64encode(p.stdout).decode()},
                       ENTITY[:-1] + b"X")
check((final or {}).get("result", {}).get("valid") is False
      and final["result"]["signers"][0]["signature_valid"] is False, "altered content -> signature_valid false",
      final)

# ---- 50 MiB both directions, memory bounded

BIG = 50 << 20
block = hashlib.sha256(b"sealgate").digest() * 2048  # 64 KiB
big = b"Content-Type: application/octet-stream\r\n\r\n" + block * (BIG // len(block))
h = Host()
out, final, _ = stream(h, "big-enc", "smime.encrypt", {"recipients": [str(FX / "bob.pem")], "format": "der"}, big)
hwm_enc = h.hwm_kib()
check((final or {}).get("result", {}).get("complete") is True and len(out) > BIG,
      f"50 MiB encrypted through the stream ({len(out)} bytes out)", final)
out2, final2, _ = stream(h, "big-dec", "smime.decrypt", {"key": BOB_KEY}, out)
hwm = h.hwm_kib()
status, _ = h.close()
check(out2 == big and final2["result"]["output"]["sha256"] == hashlib.sha256(big).hexdigest() and status == 0,
      "50 MiB decrypted back through the stream, same bytes and sha256", final2)
print(f"# host peak RSS (VmHWM): {hwm_enc} KiB after encrypt, {hwm} KiB after decrypt")
if SANITIZED:
    skip("host peak RSS under 64 MiB for 50 MiB each way", "sanitizer build")
else:
    check(0 < hwm < 64 * 1024, f"host peak RSS {hwm} KiB is under 64 MiB for 50 MiB each way")
p = openssl("cms", "-decrypt", "-inform", "DER", "-binary", "-inkey", FX / "bob.key", "-recip", FX / "bob.pem",
            inp=out)
check(p.returncode == 0 and hashlib.sha256(p.stdout).digest() == hashlib.sha256(big).digest(),
      "the 50 MiB CMS from the host decrypts with openssl cms", p.stderr[:300])

# ---- errors

out, final, _, _ = run("smime.decrypt", {"key": {"path": str(FX / "alice.p12"), "passphrase": "wrong"}},
                       (TMP / "sig.der").read_bytes())
check(code(final) == "wrong_passphrase", "wrong passphrase -> wrong_passphrase", final)

cms = openssl("cms", "-encrypt", "-aes256", "-binary", "-outform", "DER", "-in", src, FX / "alice.pem").stdout
out, final, _, _ = run("smime.decrypt", {"key": ALICE_KEY}, cms[:len(cms) // 2])
check(code(final) == "truncated_input", "a CMS cut in half (all announced frames sent) -> truncated_input", final)

h = Host()
fr = input_frames(5, cms, 1000)
h.send({"id": 5, "op": "smime.decrypt", "key": ALICE_KEY, "input": {"frames": len(fr), "size": len(cms)}})
for f in fr[:3]:
    h.send(f)
status, rest = h.close()
check(status == 0 and len(rest) == 1 and code(rest[0]) == "truncated_input" and rest[0]["id"] == 5,
      "stdin closes after 3 of the announced frames -> truncated_input, exit 0", rest)


def errors_after(req, frames_to_send, then_version=True):
    """Send a request and frames; the responses that are not output frames."""
    h = Host()
    h.send(req)
    for f in frames_to_send:
        h.send(f)
    if then_version:
        h.send({"id": "v", "op": "version"})
    status, rest = h.close()
    return [m for m in rest if "output" not in m], status


fr = input_frames(6, cms, 1000)
req6 = {"id": 6, "op": "smime.decrypt", "key": ALICE_KEY, "input": {"frames": len(fr), "size": len(cms)}}
msgs, _ = errors_after(req6, [fr[0], fr[2]] + fr[3:])
check([m["id"] for m in msgs] == [6, "v"] and code(msgs[0]) == "stream_invalid",
      "out-of-order input frame -> stream_invalid; the rest dropped silently; the host serves on", msgs)
msgs, _ = errors_after(req6, [fr[0], fr[1], fr[1]] + fr[2:])
check([m["id"] for m in msgs] == [6, "v"] and code(msgs[0]) == "stream_invalid",
      "duplicate input frame index -> stream_invalid", msgs)
msgs, _ = errors_after(req6, [{"id": 99, "input": {"index": 0}, "data": "AAAA"}] + fr)
check(sorted(map(str, (m["id"] for m in msgs))) == ["6", "99", "v"] and code(msgs[0]) == "stream_invalid"
      and [m for m in msgs if m["id"] == 6][0]["result"]["complete"] is True,
      "an input frame for no open stream -> stream_invalid; the open stream goes on", msgs)
bad = dict(fr[0], data="not base64!")
msgs, _ = errors_after(req6, [bad] + fr[1:])
check(code(msgs[0]) == "stream_invalid", "input data not base64 -> stream_invalid", msgs)
req = {"id": 7, "op": "smime.encrypt", "recipients": [str(FX / "bob.pem")], "input": {"frames": 2, "size": RAW + 1}}
big_frame = {"id": 7, "input": {"index": 0}, "data": base64.b64encode(b"x" * (RAW + 1)).decode()}
msgs, _ = errors_after(req, [big_frame, {"id": 7, "input": {"index": 1}, "data": ""}])
check(code(msgs[0]) == "limit_exceeded", "an input frame of chunk_raw + 1 bytes -> limit_exceeded", msgs)
req = {"id": 8, "op": "smime.encrypt", "recipients": [str(FX / "bob.pem")], "input": {"frames": 2, "size": 10}}
msgs, _ = errors_after(req, input_frames(8, b"y" * 11, 6))
check(code(msgs[0]) == "stream_invalid", "more bytes than announced -> stream_invalid", msgs)

# interleaving: version answered while the stream is open, before its result
h = Host()
fr = input_frames(9, ENTITY, 4096)
h.send({"id": 9, "op": "smime.encrypt", "recipients": [str(FX / "bob.pem")],
        "input": {"frames": len(fr), "size": len(ENTITY)}})
for f in fr[:2]:
    h.send(f)
h.send({"id": "v1", "op": "version"})
h.send({"id": 10, "op": "smime.sign", "key": ALICE_KEY, "input": {"frames": 1, "size": 1}})
h.send({"id": 10, "input": {"index": 0}, "data": "eA=="})
for f in fr[2:]:
    h.send(f)
out, final, others = collect(h, 9)
status, _ = h.close()
ids = [m["id"] for m in others]
check(ids == ["v1", 10] and "smime.encrypt" in others[0]["result"]["ops"]
      and others[0]["result"]["limits"]["stream_input"] == INPUT_MAX and code(others[1]) == "stream_busy"
      and final["result"]["complete"] is True,
      "version during a stream is answered at once; a second stream -> stream_busy; the first completes", others)

# limits one past (and at)
enc = {"recipients": [str(FX / "bob.pem")]}
_, final, _, _ = run("smime.encrypt", enc, b"", frames=1, total=INPUT_MAX + 1)
check(code(final) == "limit_exceeded", "input.size = stream_input + 1 -> limit_exceeded", final)
_, final, _, _ = run("smime.encrypt", enc, b"", frames=FRAMES_MAX + 1, total=10)
check(code(final) == "limit_exceeded", "input.frames = stream_frames + 1 -> limit_exceeded", final)
_, final, _, _ = run("smime.encrypt", {"recipients": ["/" + "p" * PARAM_MAX]}, b"x")
check(code(final) == "limit_exceeded", "a path of stream_param + 1 bytes -> limit_exceeded", final)
_, final, _, _ = run("smime.encrypt", {"recipients": ["/" + "p" * (PARAM_MAX - 1)]}, b"x")
check(code(final) not in (None, "limit_exceeded"), "a path of stream_param bytes passes the limit", final)
_, final, _, _ = run("smime.encrypt", {"recipients": [str(FX / "bob.pem")] * 501}, b"x")
check(code(final) == "limit_exceeded", "501 recipients -> limit_exceeded", final)
out, final, _, _ = run("smime.encrypt", {"recipients": [str(FX / "bob.pem")] * 500, "format": "der"}, b"x")
check((final or {}).get("result", {}).get("complete") is True, "500 recipients pass", final)
sig = base64.b64encode(b"0" * ((1 << 20) + 1)).decode()
_, final, _, _ = run("smime.verify", {"signature": sig}, b"x")
check(code(final) == "limit_exceeded", "a detached signature of 1 MiB + 1 -> limit_exceeded", final)
_, final, _, _ = run("smime.encrypt", {"recipients": [str(FX / "bob.pem")], "cipher": "rot13"}, b"x")
check(code(final) == "unknown_algorithm", "cipher rot13 -> unknown_algorithm", final)
_, final, _, _ = run("smime.encrypt", {"recipients": [str(FX / "expired.pem")]}, b"x")
check(code(final) == "cert_expired", "an expired recipient -> cert_expired", final)
_, final, _, _ = run("smime.decrypt", {"key": BOB_KEY}, b"Content-Type: text/plain\r\n\r\nhello\r\n")
check(code(final) == "not_smime", "decrypting plain text -> not_smime", final)
_, final, _, _ = run("smime.decrypt", {"key": ALICE_KEY, "extra": 1}, b"x")
check(code(final) == "invalid_request", "an unknown parameter -> invalid_request", final)


# ---- input frames in the host's fast shape and near it (stream-job.c,
# input_frame_fast): frames written byte for byte, not by json.dumps (whose
# ", " and ": " always take the full parse). The exact shape
# {"id":…,"input":{"index":…},"data":"…"} is decoded without json-c; anything
# else must get the answers of the full parse (tests/host/test-stream-fast.c
# compares the two paths frame by frame).
import json  # noqa: E402
import time  # noqa: E402

last_log = ""


def raw_frame(sid_json, index, data_b64, fmt='{{"id":{id},"input":{{"index":{index}}},"data":"{data}"}}'):
    return fmt.format(id=sid_json, index=index, data=data_b64).encode()


def near(sid, sid_json, variant, data=ENTITY, size=4096, then_frames=True):
    """A smime.encrypt stream whose frame 1 is `variant` (bytes, or a function
    of the frame's base64 giving bytes); the others in the exact shape. The
    output, the responses that are not output frames, the exit status."""
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    h = Host()
    h.send({"id": sid, "op": "smime.encrypt", "recipients": [str(FX / "bob.pem")], "format": "der",
            "input": {"frames": len(chunks), "size": len(data)}})
    for i, c in enumerate(chunks):
        b64 = base64.b64encode(c).decode()
        if i == 1:
            h.send(variant(b64) if callable(variant) else variant)
            if not then_frames:
                break
        else:
            h.send(raw_frame(sid_json, i, b64))
    h.send({"id": "v", "op": "version"})
    out, msgs = bytearray(), []
    status, rest = h.close()
    global last_log
    for _ in range(100):  # stderr is read by a thread of its own
        if b"exiting with status" in h.err:
            break
        time.sleep(0.05)
    last_log = h.err.decode(errors="replace")
    for m in rest:
        if "output" in m:
            out += base64.b64decode(m["data"])
        else:
            msgs.append(m)
    return bytes(out), msgs, status


def decrypts_to(cms, want):
    p = openssl("cms", "-decrypt", "-inform", "DER", "-binary", "-inkey", FX / "bob.key", "-recip", FX / "bob.pem",
                inp=cms)
    return p.returncode == 0 and p.stdout == want


def result_of(msgs, sid):
    return [m for m in msgs if m.get("id") == sid]


def brief(msgs):
    """(id, error code and message, or "result") of each response, for diagnostics."""
    return [(m.get("id"), m["error"] if "error" in m else "result") for m in msgs]


def answered(msgs):
    """The ids answered, in order, with the version request's answer (which
    may come before or after the stream's) left out."""
    return [m.get("id") for m in msgs if m.get("id") != "v"]


out, msgs, status = near(21, "21", lambda b: raw_frame("21", 1, b))
check(decrypts_to(out, ENTITY) and result_of(msgs, 21)[0]["result"]["complete"] is True
      and answered(msgs) == [21] and status == 0,
      "every input frame in the exact shape (integer id): complete, and openssl decrypts the message", brief(msgs))
check("(6 of 6 frames on the fast path)" in last_log, "the host took all 6 frames on its fast path", last_log)
out, msgs, status = near("s/\u00e9", json.dumps("s/\u00e9", ensure_ascii=False),
                         lambda b: raw_frame(json.dumps("s/\u00e9", ensure_ascii=False), 1, b).replace(b'"s/', b'"s\\/'))
check(decrypts_to(out, ENTITY) and result_of(msgs, "s/\u00e9")[0]["result"]["complete"] is True
      and "(5 of 6 frames on the fast path)" in last_log,
      "a non-ASCII string id, one frame with the id's slash escaped (the same id): complete, the same message, "
      "5 of 6 frames on the fast path", (brief(msgs), last_log))

# frames that are still valid, only not in the exact shape: the full parse takes them
valid_variants = [
    ("whitespace between members", lambda b: raw_frame("22", 1, b).replace(b',"data"', b', "data"')),
    ("another key order", lambda b: ('{"data":"%s","input":{"index":1},"id":22}' % b).encode()),
    ("trailing whitespace", lambda b: raw_frame("22", 1, b) + b"\r\n"),
    ("an escaped slash in the data", lambda b: raw_frame("22", 1, b.replace("/", "\\/"))),
    ("a \\u escape in the data", lambda b: raw_frame("22", 1, "\\u00" + "%02x" % ord(b[0]) + b[1:])),
]
for what, variant in valid_variants:
    out, msgs, status = near(22, "22", variant)
    check(decrypts_to(out, ENTITY) and result_of(msgs, 22)[0]["result"]["complete"] is True
          and answered(msgs) == [22], f"frame 1 with {what}: complete, the same message", brief(msgs))

# near misses that are errors: the same answers as the full parse gives
ok_b64 = base64.b64encode(ENTITY[4096:8192]).decode()
bad_variants = [
    ("an extra key", raw_frame("23", 1, ok_b64)[:-1] + b',"x":1}', 23, "stream_invalid", "an input frame must be"),
    ("an extra key in input", raw_frame("23", 1, ok_b64).replace(b'{"index":1}', b'{"index":1,"x":1}'), 23,
     "stream_invalid", "an input frame must be"),
    ("the index as a string", raw_frame("23", '"1"', ok_b64), 23, "stream_invalid", "an input frame must be"),
    ("the index as 1.0", raw_frame("23", "1.0", ok_b64), 23, "stream_invalid", "an input frame must be"),
    ("the index of the next frame but one", raw_frame("23", 2, ok_b64), 23, "stream_invalid",
     "input frame 2 arrived where frame 1 was expected"),
    ("invalid base64", raw_frame("23", 1, ok_b64[:-8] + "!!!!" + ok_b64[-4:]), 23, "stream_invalid",
     "input frame 1: \"data\" is not valid base64 (invalid base64 character at offset 5456)"),
    ("base64 not a multiple of 4", raw_frame("23", 1, ok_b64[:-1]), 23, "stream_invalid", "not a multiple of 4"),
    ("non-canonical padding", raw_frame("23", 1, "ZGV="), 23, "stream_invalid", "non-canonical base64 padding"),
    ("data of chunk_raw + 1 bytes", raw_frame("23", 1, base64.b64encode(b"z" * (RAW + 1)).decode()), 23,
     "limit_exceeded", f"input frame 1 carries more than {RAW} bytes"),
    ("base64 text one past its limit", raw_frame("23", 1, "A" * ((RAW // 3 + 1) * 4 + 4)), 23, "limit_exceeded",
     f"input frame 1 carries more than {RAW} bytes"),
]
for what, frame_bytes, sid, want_code, want_msg in bad_variants:
    out, msgs, status = near(sid, str(sid), frame_bytes)
    r = result_of(msgs, sid)
    check(len(r) == 1 and code(r[0]) == want_code and want_msg in r[0]["error"]["message"]
          and answered(msgs) == [sid] and len(msgs) == 2 and out == b"" and status == 0,
          f"frame 1 with {what} -> {want_code}; the rest dropped; the host serves on", brief(msgs))

# the id written differently (another id: not this stream's frame), or a frame
# that is not JSON or not UTF-8 (the connection's answer, id null): the stream
# still waits for frame 1, so frame 2 ends it
STREAM_MISSES_1 = ("stream_invalid", "input frame 2 arrived where frame 1 was expected")
for what, sid_json, frame_bytes, first in [
        ("the integer id as a string", "24", raw_frame('"24"', 1, ok_b64),
         ("24", "stream_invalid", "no stream with this id is open")),
        ("the index with a leading zero", "25", raw_frame("25", "01", ok_b64),
         (None, "invalid_json", "request is not JSON: number expected at offset 28")),
        ("invalid UTF-8 in the data", "25",
         raw_frame("25", 1, ok_b64[:10] + "\xff" + ok_b64[11:]).replace(b"\xc3\xbf", b"\xff"),
         (None, "invalid_utf8", "request is not valid UTF-8")),
        ("no closing brace", "25", raw_frame("25", 1, ok_b64)[:-1],
         (None, "invalid_json", f"request is not JSON: unexpected end of data at offset {len(ok_b64) + 38}"))]:
    out, msgs, status = near(int(sid_json), sid_json, frame_bytes)
    got = [(m.get("id"), code(m), m.get("error", {}).get("message")) for m in msgs if m.get("id") != "v"]
    check(got == [first, (int(sid_json),) + STREAM_MISSES_1] and len(msgs) == 3 and status == 0,
          f"frame 1 with {what} -> {first[1]} for id {first[0]}; then the stream ends at frame 2", brief(msgs))

# 8 MiB in 16 frames of chunk_raw bytes, all in the exact shape: the fast path
# end to end, checked by openssl
big8 = block * 128
out, msgs, status = near(26, "26", lambda b: raw_frame("26", 1, b), data=big8, size=RAW)
check(decrypts_to(out, big8) and result_of(msgs, 26)[0]["result"]["complete"] is True
      and "(16 of 16 frames on the fast path)" in last_log,
      "8 MiB in 16 exact frames of chunk_raw bytes: all on the fast path, openssl decrypts the message",
      (brief(msgs), last_log[-300:]))

shutil.rmtree(TMP, ignore_errors=True)
sys.exit(done())
