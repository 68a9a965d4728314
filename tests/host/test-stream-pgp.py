#!/usr/bin/env python3
"""The pgp.* stream ops of the real sealgate-host through a pipe
(docs/protocol.md, "Streams", "pgp.encrypt" ...): each op against `gpg` both
ways (PGP/MIME and bare forms), signed+encrypted, a tampered signature, a
message without MDC, wrong passphrase, unknown recipient, a stream error
part-way, limits one past, and a large message each way with the host's peak
memory bounded.
Usage: test-stream-pgp.py SEALGATE-HOST MAKE-PGP-FIXTURES.SH [SANITIZE].
Prints TAP. Every run has its own GNUPGHOME (the host's keyring is its
environment's). The message is 50 MiB; under sanitizers 16 MiB, and the
memory bound (VmHWM under 64 MiB) is skipped there: their shadow memory and
quarantine are not the host's."""
import base64
import hashlib
import os
import pathlib
import re
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
SIGNATURE_MAX = 1 << 20  # SG_PGP_SIGNATURE_MAX
RECIPIENTS_MAX = 500  # SG_PGP_RECIPIENTS_MAX
PASSPHRASE_MAX = 255  # SG_PGP_PASSPHRASE_MAX (gpg-agent refuses a longer one)
TIMEOUT = 300
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sg-spgp-"))
FX = TMP / "fx"
p = subprocess.run(["sh", FIXTURES, str(FX)], capture_output=True)
if p.returncode != 0:
    sys.exit(f"Bail out! {FIXTURES} failed: {p.stderr.decode(errors='replace')}")
HOME = FX / "home"
PASS = (FX / "PASSPHRASE").read_text().strip()
FPR = {k: (FX / f"{k}.fpr").read_text().strip() for k in ("alice", "bob", "carol", "dave")}


class Host(ThreadedHost):
    """The host with a reader thread (tests/common/nmhost.py); GNUPGHOME is the test's keyring."""

    def __init__(self):
        super().__init__([HOST], dict(os.environ, SEALGATE_POLICY=str(TMP / "no-policy.json"),
                                 XDG_STATE_HOME=str(TMP / "state"), GNUPGHOME=str(HOME)), TIMEOUT)


def chunks(data, size=RAW):
    for i in range(0, len(data), size):
        yield data[i:i + size]


def collect(h, sid):
    """Output bytes, output frame count, the final response and other
    responses, for stream sid."""
    out, others, index = bytearray(), [], 0
    while True:
        m = h.get()
        if m is None:
            return bytes(out), index, None, others
        if m.get("id") == sid and "output" in m:
            if m["output"]["index"] != index:
                return bytes(out), index, {"error": {"code": "test: output frames out of order"}}, others
            index += 1
            out += base64.b64decode(m["data"])
        elif m.get("id") == sid:
            return bytes(out), index, m, others
        else:
            others.append(m)


def stream(h, sid, op, params, data, size=RAW):
    """One stream, input written from a thread; (output, frames, final)."""
    n = (len(data) + size - 1) // size
    req = {"id": sid, "op": op, "input": {"frames": n, "size": len(data)}, **params}

    def writer():
        h.send(req)
        for i, c in enumerate(chunks(data, size)):
            if not h.send({"id": sid, "input": {"index": i}, "data": base64.b64encode(c).decode()}):
                return

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    out, frames, final, _ = collect(h, sid)
    t.join(TIMEOUT)
    return out, frames, final


def run(op, params, data, size=RAW):
    h = Host()
    out, frames, final = stream(h, 1, op, params, data, size)
    status, _ = h.close()
    if status != 0:
        final = {"error": {"code": f"test: host exit status {status}"}}
    return out, final


def result(final):
    return (final or {}).get("result", {})


def code(final):
    return (final or {}).get("error", {}).get("code")


def gpg(*args, inp=None):
    return subprocess.run(["gpg", "--homedir", str(HOME), "--batch", "--no-tty", "--pinentry-mode", "loopback",
                           "--status-fd", "2", *map(str, args)], input=inp, capture_output=True)


def lf(b):
    return b.replace(b"\r\n", b"\n")


def multipart_signed(msg):
    """(signed content, signature) of a multipart/signed entity."""
    b = re.search(rb'boundary="([^"]+)"', msg).group(1)
    parts = msg.split(b"\r\n--" + b)  # preamble, first part, signature part, "--"
    return parts[1][2:], parts[2].split(b"\r\n\r\n", 1)[1]


ENTITY = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "secret message \u6a5f\u5bc6\r\n".encode() * 1000
src = TMP / "entity.txt"
src.write_bytes(ENTITY)

# ---- pgp.encrypt: ours -> gpg

out, final = run("pgp.encrypt", {"recipients": ["alice@corp.example"]}, ENTITY)
r = result(final)
check(r.get("complete") is True and r.get("op") == "pgp.encrypt" and r.get("format") == "mime"
      and r["output"]["size"] == len(out) and r["output"]["sha256"] == hashlib.sha256(out).hexdigest()
      and b"multipart/encrypted" in out[:400] and b"application/pgp-encrypted" in out,
      "pgp.encrypt (mime): a multipart/encrypted entity, then a complete result with size and sha256", final)
p = gpg("--decrypt", inp=out)
check(p.returncode == 0 and lf(p.stdout) == lf(ENTITY), "host encrypts (PGP/MIME) -> gpg --decrypt", p.stderr)

out, final = run("pgp.encrypt", {"recipients": [FPR["bob"], "alice@corp.example"], "format": "armor"}, ENTITY)
p = gpg("--decrypt", inp=out)
check(out.startswith(b"-----BEGIN PGP MESSAGE-----") and p.returncode == 0 and p.stdout == ENTITY
      and result(final).get("format") == "armor",
      "host encrypts (armor, fingerprint + address) -> gpg --decrypt, same bytes", p.stderr)

out, final = run("pgp.encrypt", {"recipients": ["bob@partner.example"], "format": "binary"}, ENTITY, size=1000)
p = gpg("--decrypt", inp=out)
check(not out.startswith(b"-----") and p.returncode == 0 and p.stdout == ENTITY,
      "host encrypts (binary, 1000-byte input frames) -> gpg --decrypt", p.stderr)

out, final = run("pgp.encrypt", {"recipients": ["bob@partner.example"], "signer": "alice@corp.example",
                                 "format": "armor"}, ENTITY)
p = gpg("--decrypt", inp=out)
check(p.returncode == 0 and p.stdout == ENTITY and b"GOODSIG" in p.stderr and FPR["alice"].encode() in p.stderr
      and result(final).get("signed") is True,
      "host encrypts and signs (signer alice) -> gpg --decrypt: GOODSIG by alice", p.stderr)

# ---- pgp.decrypt: gpg -> ours

p = gpg("--armor", "--recipient", "alice@corp.example", "--encrypt", inp=ENTITY)
out, final = run("pgp.decrypt", {}, p.stdout)
r = result(final)
check(out == ENTITY and r.get("complete") is True and r.get("encrypted") is True and r.get("signed") is False
      and r.get("unencrypted_parts") is False and "signers" not in r,
      "gpg --encrypt (armor) -> host decrypts: same bytes, encrypted, not signed", final)
p = gpg("--recipient", "alice@corp.example", "--encrypt", inp=ENTITY)
out, final = run("pgp.decrypt", {}, p.stdout, size=777)
check(out == ENTITY and result(final).get("complete") is True,
      "gpg --encrypt (binary, 777-byte input frames) -> host decrypts", final)

p = gpg("--armor", "--local-user", "bob@partner.example", "--recipient", "alice@corp.example", "--sign", "--encrypt",
        inp=ENTITY)
out, final = run("pgp.decrypt", {"from": "bob@partner.example"}, p.stdout)
r = result(final)
s0 = (r.get("signers") or [{}])[0]
check(out == ENTITY and r.get("signed") is True and r.get("valid") is True and r.get("from") == "bob@partner.example"
      and s0.get("signature_valid") is True and s0.get("email_matches") is True
      and s0.get("primary_fingerprint") == FPR["bob"] and "bob@partner.example" in s0.get("emails", []),
      "gpg --sign --encrypt -> host decrypts: signed, valid, the signer (bob) in signers[]", final)
out, final = run("pgp.decrypt", {"from": "mallory@other.example"}, p.stdout)
r = result(final)
check(r.get("signed") is True and r.get("valid") is False and r["signers"][0]["email_matches"] is False,
      "signed+encrypted, another From -> valid false, email_matches false", final)

# gpg's ciphertext in a PGP/MIME message (RFC 3156), as a mail client sends it
p = gpg("--armor", "--recipient", "alice@corp.example", "--encrypt", inp=ENTITY)
pgpmime = (b"From: bob@partner.example\r\nTo: alice@corp.example\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b1\"\r\n\r\n"
           b"--b1\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b1\r\n"
           b"Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n"
           + p.stdout.replace(b"\n", b"\r\n") + b"\r\n--b1--\r\n")
out, final = run("pgp.decrypt", {}, pgpmime)
r = result(final)
check(out == ENTITY and r.get("encrypted") is True and r.get("unencrypted_parts") is False,
      "gpg --encrypt inside a PGP/MIME message -> host decrypts", final)

# host -> host, PGP/MIME, signed inside
out, final = run("pgp.encrypt", {"recipients": ["alice@corp.example"], "signer": FPR["bob"]}, ENTITY)
out2, final2 = run("pgp.decrypt", {"from": "bob@partner.example"}, out)
r = result(final2)
check(lf(out2) == lf(ENTITY) and r.get("encrypted") is True and r.get("signed") is True and r.get("valid") is True,
      "host encrypts+signs (PGP/MIME) -> host decrypts: signed, valid", final2)
wrapped = (b"From: bob@partner.example\r\nTo: alice@corp.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n"
           b"Content-Type: text/plain\r\n\r\nInjected, not encrypted.\r\n--outer\r\n" + out + b"\r\n--outer--\r\n")
out2, final2 = run("pgp.decrypt", {}, wrapped)
r = result(final2)
check(lf(out2) == lf(ENTITY) and b"Injected" not in out2 and r.get("unencrypted_parts") is True
      and r.get("from") == "bob@partner.example",
      "an encrypted part inside unencrypted parts -> only the encrypted content, unencrypted_parts true", final2)

# ---- pgp.sign: ours -> gpg

out, final = run("pgp.sign", {"signer": "alice@corp.example"}, ENTITY)
content, sig = multipart_signed(out)
(TMP / "c.txt").write_bytes(content)
(TMP / "c.sig").write_bytes(sig)
p = gpg("--verify", TMP / "c.sig", TMP / "c.txt")
check(b"multipart/signed" in out[:400] and b"application/pgp-signature" in out and result(final).get("format") == "mime"
      and p.returncode == 0 and b"GOODSIG" in p.stderr and FPR["alice"].encode() in p.stderr,
      "host signs (multipart/signed) -> gpg --verify of the signed part", p.stderr)

out, final = run("pgp.sign", {"signer": FPR["bob"], "format": "detached"}, ENTITY)
(TMP / "d.sig").write_bytes(out)
p = gpg("--verify", TMP / "d.sig", src)
check(out.startswith(b"-----BEGIN PGP SIGNATURE-----") and p.returncode == 0 and b"GOODSIG" in p.stderr
      and result(final).get("digest") and result(final).get("format") == "detached",
      "host signs (detached, armored) -> gpg --verify over the input bytes", (p.stderr, final))

out, final = run("pgp.sign", {"signer": "carol@corp.example", "passphrase": PASS, "format": "detached"}, ENTITY)
(TMP / "e.sig").write_bytes(out)
p = gpg("--verify", TMP / "e.sig", src)
check(p.returncode == 0 and b"GOODSIG" in p.stderr, "host signs with a passphrase-protected key (carol)",
      (final, p.stderr))

# ---- pgp.verify: gpg -> ours and ours -> ours

p = gpg("--armor", "--local-user", "bob@partner.example", "--detach-sign", src)
gsig = (TMP / "entity.txt.asc").read_bytes()
out, final = run("pgp.verify", {"signature": base64.b64encode(gsig).decode(), "from": "bob@partner.example"}, ENTITY)
r = result(final)
check(r.get("complete") is True and r.get("valid") is True and r.get("from") == "bob@partner.example"
      and r["signers"][0]["signature_valid"] is True and r["signers"][0]["primary_fingerprint"] == FPR["bob"]
      and out == b"", "gpg --detach-sign -> host verifies the content as the input stream: valid", final)
out, final = run("pgp.verify", {"signature": base64.b64encode(gsig).decode()}, ENTITY[:-3] + b"X\r\n")
r = result(final)
check(r.get("complete") is True and r.get("valid") is False and r["signers"][0]["signature_valid"] is False,
      "altered content with gpg's detached signature -> valid false, signature_valid false", final)

# a multipart/signed around gpg's detached signature over the canonical part
p = gpg("--armor", "--local-user", "bob@partner.example", "--detach-sign", inp=ENTITY)
msigned = (b"From: Bob <bob@partner.example>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/signed; micalg=pgp-sha512; protocol=\"application/pgp-signature\"; "
           b"boundary=\"s1\"\r\n\r\n--s1\r\n" + ENTITY + b"\r\n--s1\r\n"
           b"Content-Type: application/pgp-signature\r\n\r\n" + p.stdout.replace(b"\n", b"\r\n")
           + b"\r\n--s1--\r\n")
out, final = run("pgp.verify", {"output": True}, msigned)
r = result(final)
check(r.get("valid") is True and r.get("from") == "bob@partner.example" and r["signers"][0]["email_matches"] is True
      and lf(out) == lf(ENTITY), "gpg --detach-sign in a multipart/signed -> host verifies (From of the message)",
      final)

signed, _ = run("pgp.sign", {"signer": "alice@corp.example"}, ENTITY)
out, final = run("pgp.verify", {"from": "alice@corp.example", "output": True}, signed)
r = result(final)
check(r.get("valid") is True and r["signers"][0]["email_matches"] is True and lf(out) == lf(ENTITY),
      "host signs (PGP/MIME) -> host verifies: valid, the signed entity as output", final)
tampered = signed.replace(b"secret message", b"secret massage", 1)
out, final = run("pgp.verify", {"from": "alice@corp.example", "output": True}, tampered)
r = result(final)
check(r.get("complete") is True and r.get("valid") is False and r["signers"][0]["signature_valid"] is False
      and out == b"", "a tampered multipart/signed -> valid false, no output", final)

p = gpg("--local-user", "alice@corp.example", "--clearsign", inp=b"Hello from gpg --clearsign.\n")
out, final = run("pgp.verify", {"from": "alice@corp.example", "output": True}, p.stdout)
check(result(final).get("valid") is True and b"Hello from gpg --clearsign." in out,
      "gpg --clearsign -> host verifies, content as output", final)

# ---- errors from the engine

nomdc = (FX / "nomdc.asc").read_bytes()
h = Host()
out, frames, final = stream(h, "nomdc", "pgp.decrypt", {}, nomdc, size=64)
status, _ = h.close()
check(code(final) == "no_integrity" and frames == 0 and out == b"" and status == 0,
      "a message without MDC -> no_integrity, and no output frame at all", (final, frames))

# Larger than a chunk: gpg writes the plaintext before it fails for want of
# an MDC; the engine holds plaintext until gpg has said whether the data has
# integrity protection, so not one output frame goes out.
(TMP / "nomdc.bin").write_bytes(os.urandom(3 << 20))
p = gpg("--rfc2440", "--cipher-algo", "CAST5", "-z", "0", "--recipient", "alice@corp.example", "--output",
        TMP / "nomdc.gpg", "--encrypt", TMP / "nomdc.bin")
h = Host()
out, frames, final = stream(h, "nomdc-big", "pgp.decrypt", {}, (TMP / "nomdc.gpg").read_bytes())
status, _ = h.close()
check(p.returncode == 0 and code(final) == "no_integrity" and "result" not in final and frames == 0 and out == b""
      and status == 0, "a 3 MiB message without MDC -> no_integrity, and no output frame at all",
      (final, frames, p.stderr[-300:]))

out, final = run("pgp.decrypt", {}, (FX / "to-dave.asc").read_bytes())
check(code(final) == "no_private_key" and out == b"", "encrypted to someone else -> no_private_key", final)

p = gpg("--armor", "--recipient", "carol@corp.example", "--encrypt", inp=ENTITY)
out, final = run("pgp.decrypt", {"passphrase": "wrong"}, p.stdout)
check(code(final) == "wrong_passphrase" and out == b"", "wrong passphrase (carol's key) -> wrong_passphrase", final)
out, final = run("pgp.decrypt", {"passphrase": PASS}, p.stdout)
check(out == ENTITY and result(final).get("complete") is True, "the right passphrase (carol's key) decrypts", final)
out, final = run("pgp.sign", {"signer": "carol@corp.example", "passphrase": "wrong"}, ENTITY)
check(code(final) == "wrong_passphrase" and out == b"", "pgp.sign with a wrong passphrase -> wrong_passphrase", final)

out, final = run("pgp.encrypt", {"recipients": ["alice@corp.example", "nobody@nowhere.example"]}, ENTITY)
check(code(final) == "no_public_key" and out == b"", "an unknown recipient -> no_public_key", final)
out, final = run("pgp.encrypt", {"recipients": ["dave@elsewhere.example"], "format": "armor"}, ENTITY)
check(code(final) == "key_unusable", "a recipient key of unknown validity -> key_unusable", final)
out, final = run("pgp.encrypt", {"recipients": ["dave@elsewhere.example"], "format": "armor", "always_trust": True},
                 ENTITY)
p = subprocess.run(["gpg", "--homedir", str(FX / "dave-home"), "--batch", "--decrypt"], input=out, capture_output=True)
check(p.returncode == 0 and p.stdout == ENTITY, "... with always_trust: encrypted, and dave's own gpg decrypts it",
      (final, p.stderr))
out, final = run("pgp.encrypt", {"recipients": ["revoked@corp.example"]}, ENTITY)
check(code(final) == "key_revoked", "a revoked recipient key -> key_revoked", final)
out, final = run("pgp.encrypt", {"recipients": ["old@corp.example"]}, ENTITY)
check(code(final) == "key_expired", "an expired recipient key -> key_expired", final)
out, final = run("pgp.decrypt", {}, ENTITY)
check(code(final) == "not_pgp", "decrypting plain text -> not_pgp", final)
p = gpg("--armor", "--recipient", "alice@corp.example", "--encrypt", inp=ENTITY)
out, final = run("pgp.decrypt", {}, p.stdout[:len(p.stdout) // 2])
check(code(final) == "truncated_input", "an OpenPGP message cut in half -> truncated_input", final)

# ---- a stream error part-way: the stream ends with one error, the host serves on

h = Host()
data = ENTITY * 8
fr = [{"id": 5, "input": {"index": i}, "data": base64.b64encode(c).decode()} for i, c in enumerate(chunks(data, 4096))]
h.send({"id": 5, "op": "pgp.encrypt", "recipients": ["alice@corp.example"], "input": {"frames": len(fr),
                                                                                     "size": len(data)}})
for f in fr[:5] + fr[6:]:
    h.send(f)
h.send({"id": "v", "op": "version"})
status, rest = h.close()
msgs = [m for m in rest if "output" not in m]
check([m["id"] for m in msgs] == [5, "v"] and code(msgs[0]) == "stream_invalid"
      and "pgp.encrypt" in msgs[1]["result"]["ops"] and status == 0,
      "input frame 5 skipped part-way through pgp.encrypt -> stream_invalid; the rest dropped; version answered",
      msgs)
h = Host()
h.send({"id": 6, "op": "pgp.decrypt", "input": {"frames": len(fr), "size": len(data)}})
for f in fr[:3]:
    h.send(dict(f, id=6))
status, rest = h.close()
check(status == 0 and [code(m) for m in rest if "output" not in m] == ["truncated_input"],
      "stdin closes after 3 of the announced frames -> truncated_input", rest)

# ---- requests refused, limits one past

_, final = run("pgp.encrypt", {"recipients": ["alice@corp.example"] * (RECIPIENTS_MAX + 1)}, b"x")
check(code(final) == "limit_exceeded", f"{RECIPIENTS_MAX + 1} recipients -> limit_exceeded", final)
out, final = run("pgp.encrypt", {"recipients": [FPR["alice"]] * RECIPIENTS_MAX, "format": "armor"}, b"x")
check(result(final).get("complete") is True and gpg("--decrypt", inp=out).stdout == b"x",
      f"{RECIPIENTS_MAX} recipients pass", final)
sig = base64.b64encode(b"0" * (SIGNATURE_MAX + 1)).decode()
_, final = run("pgp.verify", {"signature": sig}, b"x")
check(code(final) == "limit_exceeded", "a detached signature of 1 MiB + 1 -> limit_exceeded", final)
sig = base64.b64encode(b"0" * SIGNATURE_MAX).decode()
_, final = run("pgp.verify", {"signature": sig}, b"x")
check(code(final) not in (None, "limit_exceeded"), "a detached signature of 1 MiB passes the limit", final)
_, final = run("pgp.encrypt", {"recipients": []}, b"x")
check(code(final) == "invalid_request", "no recipients -> invalid_request", final)
_, final = run("pgp.encrypt", {"recipients": ["alice@corp.example"], "format": "der"}, b"x")
check(code(final) == "invalid_request", "pgp.encrypt format der -> invalid_request", final)
_, final = run("pgp.sign", {"format": "armor"}, b"x")
check(code(final) == "invalid_request", "pgp.sign format armor -> invalid_request", final)
_, final = run("pgp.decrypt", {"homedir": str(HOME)}, b"x")
check(code(final) == "invalid_request", "a homedir parameter -> invalid_request (the keyring is the host's)", final)
_, final = run("pgp.verify", {"signature": base64.b64encode(gsig).decode(), "output": True}, b"x")
check(code(final) == "invalid_request", "signature with output -> invalid_request", final)
p = gpg("--armor", "--recipient", "carol@corp.example", "--encrypt", inp=b"x")
_, final = run("pgp.decrypt", {"passphrase": "p" * (PASSPHRASE_MAX + 1)}, p.stdout)
check(code(final) == "limit_exceeded", f"a passphrase of {PASSPHRASE_MAX + 1} bytes -> limit_exceeded", final)
_, final = run("pgp.decrypt", {"passphrase": "p" * PASSPHRASE_MAX}, p.stdout)
check(code(final) == "wrong_passphrase", f"a passphrase of {PASSPHRASE_MAX} bytes reaches gpg (wrong_passphrase)",
      final)
_, final = run("pgp.decrypt", {"passphrase": "a\nb"}, b"x")
check(code(final) == "invalid_request", "a passphrase with a line break -> invalid_request", final)

# ---- a large message each way, memory bounded

BIG = (16 if SANITIZED else 50) << 20
block = hashlib.sha256(b"sealgate").digest() * 2048  # 64 KiB
big = b"Content-Type: application/octet-stream\r\n\r\n" + block * (BIG // len(block))
h = Host()
out, _, final = stream(h, "big-enc", "pgp.encrypt", {"recipients": ["alice@corp.example"], "format": "binary"}, big)
hwm_enc = h.hwm_kib()
check(result(final).get("complete") is True and result(final)["output"]["sha256"] == hashlib.sha256(out).hexdigest(),
      f"{BIG >> 20} MiB encrypted through the stream ({len(out)} bytes out)", final)
out2, _, final2 = stream(h, "big-dec", "pgp.decrypt", {}, out)
hwm = h.hwm_kib()
status, _ = h.close()
check(out2 == big and result(final2).get("output", {}).get("sha256") == hashlib.sha256(big).hexdigest()
      and status == 0, f"{BIG >> 20} MiB decrypted back through the stream, same bytes and sha256", final2)
(TMP / "big.gpg").write_bytes(out)
p = subprocess.run(["gpg", "--homedir", str(HOME), "--batch", "--decrypt", str(TMP / "big.gpg")], capture_output=True)
check(p.returncode == 0 and hashlib.sha256(p.stdout).digest() == hashlib.sha256(big).digest(),
      f"the {BIG >> 20} MiB OpenPGP message from the host decrypts with gpg", p.stderr[:300])
del out, out2, p
print(f"# host peak RSS (VmHWM): {hwm_enc} KiB after encrypt, {hwm} KiB after decrypt ({BIG >> 20} MiB each way)")
if SANITIZED:
    skip("host peak RSS under 64 MiB for 50 MiB each way", "sanitizer build")
else:
    check(0 < hwm < 64 * 1024, f"host peak RSS {hwm} KiB is under 64 MiB for 50 MiB each way")

subprocess.run(["gpgconf", "--homedir", str(HOME), "--kill", "all"], capture_output=True)
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(done())
