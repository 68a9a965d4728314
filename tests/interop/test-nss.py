#!/usr/bin/env python3
"""The NSS backend through `sealgate smime --nss-db DIR`, both directions with
`openssl cms`, NSS's own `cmsutil` and sealgate's OpenSSL backend:
encrypt/decrypt and sign/verify, on a database made here with
certutil/pk12util from make-fixtures.sh's PKCS#12 files; the database is then
made read-only on disk, as a profile a running Thunderbird holds, and must
still serve every operation and be left unchanged. Writes the matrix to
OUT_DIR/interop-matrix-nss.md, whose rows must be those of the generated block
in DOC (docs/interop.md; tools/update-interop-doc.py).
Usage: test-nss.py SEALGATE MAKE_FIXTURES OUT_DIR DOC. Prints TAP."""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from matrix import Matrix  # noqa: E402
from tap import done, ok  # noqa: E402

sealgate, make_fixtures, out_dir, doc_path = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-nss-"))
fx, db = tmp / "fx", tmp / "db"
PEERS = {"openssl": 0, "nss": 1, "sealgate (OpenSSL)": 2}
OPS = {"decrypt": 0, "verify": 1, "verify opaque": 2}
# by peer, operation, ours first; otherwise (a stable sort) in the order the checks ran
MATRIX = Matrix("test-nss.py", ["peer", "direction", "operation", "algorithm", "key", "result"],
                sort_key=lambda r: (PEERS[r[0]], OPS[r[2]], not r[1].startswith("sealgate (NSS)")))
NO_GCM = "not supported by sealgate's NSS backend (no AuthEnvelopedData"
KEYS = {"rsa2048": "alice", "rsa3072": "bob", "ecdsa-p256": "alice-ec"}  # label -> fixture and nickname
SIGNERS = [("rsa2048", "sha256"), ("ecdsa-p256", "sha384")]


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, **kw)


def sg(*args):
    return run(sealgate, "smime", *args)


def sgerr(stderr):
    """The stable code of a `sealgate: smime CMD: CODE: message` line."""
    parts = stderr.decode("utf-8", "replace").strip().split(": ")
    return parts[2] if len(parts) > 2 else ""


def unix(b):
    return b.replace(b"\r\n", b"\n")


def verified(p, digest=None):
    """A `verify --json` run: valid, and signed with that digest."""
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return False
    return (p.returncode == 0 and doc.get("valid") is True
            and (digest is None or doc["signers"][0]["digest"] == digest))


def cmsutil_good(p):
    """cmsutil -D exits 0 on a bad signature too: its signer status must say GoodSignature."""
    return p.returncode == 0 and b"status=GoodSignature" in p.stdout


msg = b"Content-Type: text/plain\r\n\r\nHello Bob,\r\nthe figures.\r\n"
try:
    if not ok(run("sh", make_fixtures, fx).returncode == 0, "fixtures made"):
        sys.exit(done())
    pw = (fx / "PASSPHRASE").read_text().strip()
    db.mkdir()
    run("certutil", "-N", "-d", f"sql:{db}", "--empty-password")
    for name in KEYS.values():
        p = run("pk12util", "-i", fx / f"{name}-legacy.p12" if name == "bob" else fx / f"{name}.p12", "-d",
                f"sql:{db}", "-W", pw, "-K", "")
        ok(p.returncode == 0, f"pk12util imports {name}", p.stdout + p.stderr)
    (tmp / "msg.txt").write_bytes(msg)
    # cmsutil's side: a copy of the database that also trusts the test root
    tdb = tmp / "trusting"
    shutil.copytree(db, tdb)
    run("certutil", "-M", "-d", f"sql:{tdb}", "-n", "sealgate test root CA - sealgate test", "-t", "C,C,C")
    for f in db.iterdir():
        f.chmod(0o444)
    db.chmod(0o555)
    before = {f.name: f.stat().st_mtime for f in db.iterdir()}

    # ---- encrypt and decrypt (to bob, RSA 3072)
    for cipher, ocipher in [("aes256-cbc", "-aes256"), ("aes128-cbc", "-aes128"), ("aes256-gcm", "-aes-256-gcm")]:
        row = ("openssl", "sealgate (NSS) -> openssl cms", "decrypt", cipher, "rsa3072")
        p = sg("encrypt", "--nss-db", db, "--to", "bob@partner.example", "--cipher", cipher, "--der", "-o",
               tmp / "e.der", tmp / "msg.txt")
        if p.returncode != 0:
            refused = cipher == "aes256-gcm" and sgerr(p.stderr) == "unknown_algorithm"
            MATRIX.cell(row, False, f"ours (NSS, {cipher}) -> openssl cms -decrypt", p.stderr,
                        unsupported=refused and f"{NO_GCM}: encrypt refuses, unknown_algorithm)")
        else:
            q = run("openssl", "cms", "-decrypt", "-inform", "DER", "-in", tmp / "e.der", "-inkey", fx / "bob.key",
                    "-recip", fx / "bob.pem")
            MATRIX.cell(row, q.stdout == msg, f"ours (NSS, {cipher}) -> openssl cms -decrypt", q.stderr)
            q = run("cmsutil", "-D", "-d", f"sql:{tdb}", "-i", tmp / "e.der")
            MATRIX.cell(("nss", "sealgate (NSS) -> NSS cmsutil", "decrypt", cipher, "rsa3072"),
                        q.returncode == 0 and q.stdout == msg, f"ours (NSS, {cipher}) -> cmsutil -D", q.stderr,
                        unsupported=cipher == "aes256-gcm"
                        and "not supported by the peer (NSS cmsutil has no AuthEnvelopedData)")
            if cipher == "aes256-cbc":
                q = sg("decrypt", "--key", fx / "bob.p12", "--passphrase-file", fx / "PASSPHRASE", tmp / "e.der")
                MATRIX.cell(("sealgate (OpenSSL)", "sealgate (NSS) -> sealgate (OpenSSL)", "decrypt", cipher,
                             "rsa3072"), q.returncode == 0 and q.stdout == msg, "ours (NSS) -> ours (OpenSSL)",
                            q.stderr)
        q = run("openssl", "cms", "-encrypt", ocipher, "-binary", "-in", tmp / "msg.txt", "-out", tmp / "o.eml",
                fx / "bob.pem")
        p = sg("decrypt", "--nss-db", db, tmp / "o.eml")
        good = q.returncode == 0 and p.returncode == 0 and unix(p.stdout) == unix(msg)
        # a clean refusal: exit 1, a stable code, nothing on stdout
        refused = (cipher == "aes256-gcm" and q.returncode == 0 and p.returncode == 1 and not p.stdout
                   and sgerr(p.stderr) == "unknown_algorithm")
        MATRIX.cell(("openssl", "openssl cms -> sealgate (NSS)", "decrypt", cipher, "rsa3072"), good,
                    f"openssl cms -encrypt {ocipher} -> ours (NSS)", q.stderr + p.stderr,
                    unsupported=refused and f"{NO_GCM}: refused, {sgerr(p.stderr)})")
    p = sg("encrypt", "--to", fx / "bob.pem", "-o", tmp / "ossl.eml", tmp / "msg.txt")
    q = sg("decrypt", "--nss-db", db, tmp / "ossl.eml")
    MATRIX.cell(("sealgate (OpenSSL)", "sealgate (OpenSSL) -> sealgate (NSS)", "decrypt", "aes256-cbc", "rsa3072"),
                p.returncode == 0 and q.returncode == 0 and unix(q.stdout) == unix(msg),
                "ours (OpenSSL) -> ours (NSS)", p.stderr + q.stderr)
    q = run("cmsutil", "-E", "-r", "bob", "-d", f"sql:{tdb}", "-i", tmp / "msg.txt", "-o", tmp / "n.der")
    p = sg("decrypt", "--nss-db", db, tmp / "n.der")
    o = run("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", tmp / "n.der")
    alg = "aes128-cbc (NSS default)" if b"aes-128-cbc" in o.stdout else "NSS default"
    MATRIX.cell(("nss", "NSS cmsutil -> sealgate (NSS)", "decrypt", alg, "rsa3072"),
                q.returncode == 0 and p.returncode == 0 and p.stdout == msg, "cmsutil -E -> ours (NSS)",
                q.stderr + p.stderr)

    p = sg("encrypt", "--nss-db", db, "--to", fx / "bob.pem", "-o", tmp / "e.eml", tmp / "msg.txt")
    q = sg("decrypt", "--nss-db", db, tmp / "e.eml")
    ok(p.returncode == 0 and q.returncode == 0 and q.stdout == msg,
       "ours (NSS) S/MIME message -> ours (NSS), recipient given as a PEM file", p.stderr + q.stderr)
    run("openssl", "cms", "-encrypt", "-aes256", "-binary", "-in", tmp / "msg.txt", "-out", tmp / "m.eml",
        fx / "mallory.pem")
    p = sg("decrypt", "--nss-db", db, tmp / "m.eml")
    ok(p.returncode == 1 and sgerr(p.stderr) == "no_private_key" and not p.stdout,
       "encrypted to someone else: no_private_key, no output", p.stderr)
    p = sg("encrypt", "--nss-db", db, "--to", fx / "expired.pem", tmp / "msg.txt")
    ok(p.returncode == 1 and sgerr(p.stderr) == "cert_expired" and not p.stdout, "expired recipient: cert_expired",
       p.stderr)
    p = sg("encrypt", "--nss-db", db, "--to", fx / "noeku.pem", tmp / "msg.txt")
    ok(p.returncode == 1 and sgerr(p.stderr) == "cert_unusable" and not p.stdout,
       "recipient without emailProtection: cert_unusable", p.stderr)

    # ---- sign and verify (alice: RSA 2048 and ECDSA P-256)
    for key, digest in SIGNERS:
        name = KEYS[key]
        p = sg("sign", "--nss-db", db, "--key", name, "--digest", digest, "--der", "-o", tmp / "s.der",
               tmp / "msg.txt")
        q = run("openssl", "cms", "-verify", "-inform", "DER", "-in", tmp / "s.der", "-content", tmp / "msg.txt",
                "-binary", "-CAfile", fx / "root.pem", "-out", "/dev/null")
        MATRIX.cell(("openssl", "sealgate (NSS) -> openssl cms", "verify", digest, key),
                    p.returncode == 0 and q.returncode == 0, f"ours (NSS sign, {key}, {digest}) -> openssl cms -verify",
                    p.stderr + q.stderr)
        q = run("cmsutil", "-D", "-d", f"sql:{tdb}", "-c", tmp / "msg.txt", "-i", tmp / "s.der", "-u", "4", "-h", "1")
        MATRIX.cell(("nss", "sealgate (NSS) -> NSS cmsutil", "verify", digest, key), p.returncode == 0
                    and cmsutil_good(q), f"ours (NSS sign, {key}, {digest}) -> cmsutil -D (detached)",
                    q.stdout + q.stderr)
        if key == "rsa2048":
            (tmp / "msg2.txt").write_bytes(msg.replace(b"Bob", b"Eve"))
            q = run("cmsutil", "-D", "-d", f"sql:{tdb}", "-c", tmp / "msg2.txt", "-i", tmp / "s.der", "-u", "4",
                    "-h", "1")
            ok(not cmsutil_good(q), "other content -> cmsutil -D: not GoodSignature (the check above can fail)",
               q.stdout)
            q = sg("verify", "--nss-db", db, "--ca-file", fx / "root.pem", "--signature", tmp / "s.der",
                   tmp / "msg2.txt")
            ok(q.returncode == 5, "other content -> ours (NSS): not valid (exit 5)", q.stdout + q.stderr)

        run("openssl", "cms", "-sign", "-binary", "-in", tmp / "msg.txt", "-signer", fx / f"{name}.pem", "-inkey",
            fx / f"{name}.key", "-certfile", fx / "inter.pem", "-md", digest, "-out", tmp / "os.eml")
        q = sg("verify", "--json", "--nss-db", db, "--ca-file", fx / "root.pem", "--from", "alice@corp.example",
               tmp / "os.eml")
        MATRIX.cell(("openssl", "openssl cms -> sealgate (NSS)", "verify", digest, key), verified(q, digest),
                    f"openssl cms -sign ({key}, {digest}) -> ours (NSS) verify", q.stdout + q.stderr)
        q = run("cmsutil", "-S", "-T", "-G", "-N", name, "-H", digest.upper(), "-d", f"sql:{tdb}", "-i",
                tmp / "msg.txt", "-o", tmp / "ns.p7s")
        p = sg("verify", "--json", "--nss-db", db, "--ca-file", fx / "root.pem", "--signature", tmp / "ns.p7s",
               tmp / "msg.txt")
        MATRIX.cell(("nss", "NSS cmsutil -> sealgate (NSS)", "verify", digest, key),
                    q.returncode == 0 and verified(p, digest), f"cmsutil -S ({key}, {digest}) -> ours (NSS) verify",
                    q.stderr + p.stdout + p.stderr)

    p = sg("sign", "--nss-db", db, "--key", "alice", "-o", tmp / "s.eml", tmp / "msg.txt")
    q = sg("verify", "--nss-db", db, "--ca-file", fx / "root.pem", tmp / "s.eml")
    ok(p.returncode == 0 and q.returncode == 0 and b"result: valid" in q.stdout,
       "ours (NSS) multipart/signed -> ours (NSS) verify", p.stderr + q.stdout + q.stderr)
    q = sg("verify", "--json", "--ca-file", fx / "root.pem", tmp / "s.eml")
    MATRIX.cell(("sealgate (OpenSSL)", "sealgate (NSS) -> sealgate (OpenSSL)", "verify", "sha256", "rsa2048"),
                p.returncode == 0 and verified(q, "sha256"), "ours (NSS) multipart/signed -> ours (OpenSSL) verify",
                q.stdout + q.stderr)
    p = sg("sign", "--key", fx / "alice-ec.p12", "--passphrase-file", fx / "PASSPHRASE", "--digest", "sha384", "-o",
           tmp / "ec.eml", tmp / "msg.txt")
    q = sg("verify", "--json", "--nss-db", db, "--ca-file", fx / "root.pem", tmp / "ec.eml")
    MATRIX.cell(("sealgate (OpenSSL)", "sealgate (OpenSSL) -> sealgate (NSS)", "verify", "sha384", "ecdsa-p256"),
                p.returncode == 0 and verified(q, "sha384"), "ours (OpenSSL, ECDSA) multipart/signed -> ours (NSS)",
                p.stderr + q.stdout + q.stderr)

    run("openssl", "cms", "-sign", "-nodetach", "-binary", "-outform", "DER", "-in", tmp / "msg.txt", "-signer",
        fx / "alice.pem", "-inkey", fx / "alice.key", "-out", tmp / "opaque.der")
    (tmp / "inner.txt").unlink(missing_ok=True)
    q = sg("verify", "--json", "--nss-db", db, "--ca-file", fx / "ca-chain.pem", "-o", tmp / "inner.txt",
           tmp / "opaque.der")
    MATRIX.cell(("openssl", "openssl cms -> sealgate (NSS)", "verify opaque", "sha256", "rsa2048"),
                verified(q, "sha256") and (tmp / "inner.txt").read_bytes() == msg,
                "openssl cms -sign -nodetach -> ours (NSS) opaque verify, content written", q.stdout + q.stderr)
    run("cmsutil", "-S", "-G", "-N", "alice", "-H", "SHA256", "-d", f"sql:{tdb}", "-i", tmp / "msg.txt", "-o",
        tmp / "nopaque.p7m")
    (tmp / "inner.txt").unlink(missing_ok=True)
    q = sg("verify", "--json", "--nss-db", db, "--ca-file", fx / "root.pem", "-o", tmp / "inner.txt",
           tmp / "nopaque.p7m")
    MATRIX.cell(("nss", "NSS cmsutil -> sealgate (NSS)", "verify opaque", "sha256", "rsa2048"),
                verified(q, "sha256") and (tmp / "inner.txt").read_bytes() == msg,
                "cmsutil -S (opaque) -> ours (NSS) opaque verify, content written", q.stdout + q.stderr)

    # ---- negative cases (sealgate with --nss-db receiving)
    run("openssl", "cms", "-sign", "-binary", "-in", tmp / "msg.txt", "-signer", fx / "mallory.pem", "-inkey",
        fx / "mallory.key", "-certfile", fx / "inter.pem", "-md", "sha256", "-out", tmp / "mallory.eml")
    q = sg("verify", "--json", "--nss-db", db, "--ca-file", fx / "root.pem", "--from", "alice@corp.example",
           tmp / "mallory.eml")
    s = (json.loads(q.stdout)["signers"] or [{}])[0] if q.returncode == 5 else {}
    ok(q.returncode == 5 and s.get("signature_valid") is True and s.get("email_matches") is False,
       "signer for another address -> ours (NSS): signature valid, email_matches false, exit 5", q.stdout + q.stderr)
    run("openssl", "cms", "-sign", "-binary", "-in", tmp / "msg.txt", "-signer", fx / "noeku.pem", "-inkey",
        fx / "noeku.key", "-certfile", fx / "inter.pem", "-md", "sha256", "-out", tmp / "noeku.eml")
    q = sg("verify", "--json", "--nss-db", db, "--ca-file", fx / "root.pem", tmp / "noeku.eml")
    s = (json.loads(q.stdout)["signers"] or [{}])[0] if q.returncode == 5 else {}
    ok(q.returncode == 5 and s.get("signature_valid") is True and s.get("usage_ok") is False
       and s.get("chain_trusted") is False, "signer without emailProtection -> ours (NSS): usage_ok false and "
       "chain_trusted false (libpkix checks the usage on the path)", q.stdout + q.stderr)
    q = sg("verify", "--nss-db", db, "--ca-dir", fx, tmp / "s.eml")
    ok(q.returncode == 1 and sgerr(q.stderr) == "invalid_argument", "--ca-dir with --nss-db: invalid_argument",
       q.stderr)

    after = {f.name: f.stat().st_mtime for f in db.iterdir()}
    ok(before == after, "the read-only database was neither written nor added to", (before, after))

    # ---- the matrix, and the doc's copy of it
    v = run("openssl", "version").stdout.decode().strip() or "openssl ?"
    nss = run("dpkg-query", "-W", "-f", "${Version}", "libnss3").stdout.decode().strip() or "(version unknown)"
    MATRIX.write(out_dir,
                 "Direction \"sealgate (NSS) -> X\": `sealgate smime --nss-db` encrypts or signs, X decrypts or "
                 "verifies; \"X -> sealgate (NSS)\": the other way. A decrypt row passes when the plaintext is the "
                 "original; a verify row when the peer (cmsutil: signer status GoodSignature) or sealgate (every "
                 "check of its report, and the digest named in the row) accepts the signature. The database "
                 "sealgate uses is read-only on disk; cmsutil works on a copy that trusts the test root.",
                 f"peers: {v}; NSS {nss}", "; the others are limits of sealgate's NSS backend")
    MATRIX.check_doc(doc_path)
finally:
    if db.exists():
        db.chmod(0o755)
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(done())
