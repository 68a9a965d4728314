#!/usr/bin/env python3
"""The NSS backend through `sealgate smime --nss-db DIR`, both directions with
`openssl cms` and NSS's own `cmsutil`: encrypt/decrypt and sign/verify, on a
database made here with certutil/pk12util from make-fixtures.sh's PKCS#12
files; the database is then made read-only on disk, as a profile a running
Thunderbird holds, and must still serve every operation.
Usage: test-nss.py SEALGATE MAKE_FIXTURES. Prints TAP."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sealgate, make_fixtures = sys.argv[1], sys.argv[2]
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-nss-"))
fx, db = tmp / "fx", tmp / "db"
n = failed = 0


def check(ok, desc, diag=None):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
    if not ok:
        failed += 1
        for line in str(diag or "").splitlines()[:20]:
            print(f"# {line}")
    return ok


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, **kw)


def sg(*args):
    return run(sealgate, "smime", *args)


msg = b"Content-Type: text/plain\r\n\r\nHello Bob,\r\nthe figures.\r\n"
try:
    check(run("sh", make_fixtures, fx).returncode == 0, "fixtures made")
    pw = (fx / "PASSPHRASE").read_text().strip()
    db.mkdir()
    run("certutil", "-N", "-d", f"sql:{db}", "--empty-password")
    for u in ["alice", "bob", "alice-ec"]:
        run("pk12util", "-i", fx / f"{u}-legacy.p12" if u == "bob" else fx / f"{u}.p12", "-d", f"sql:{db}",
            "-W", pw, "-K", "")
    (tmp / "msg.txt").write_bytes(msg)
    tdb = tmp / "trusting"  # cmsutil's side: a database that trusts the test root
    tdb.mkdir()
    run("certutil", "-N", "-d", f"sql:{tdb}", "--empty-password")
    run("certutil", "-A", "-d", f"sql:{tdb}", "-n", "root", "-t", "C,C,C", "-i", fx / "root.pem")
    for f in db.iterdir():
        f.chmod(0o444)
    db.chmod(0o555)
    before = {f.name: f.stat().st_mtime for f in db.iterdir()}

    for cipher in ["aes256-cbc", "aes128-cbc"]:
        p = sg("encrypt", "--nss-db", db, "--to", "bob@partner.example", "--cipher", cipher, "--der", "-o",
               tmp / "e.der", tmp / "msg.txt")
        q = run("openssl", "cms", "-decrypt", "-inform", "DER", "-in", tmp / "e.der", "-inkey", fx / "bob.key",
                "-recip", fx / "bob.pem")
        check(p.returncode == 0 and q.stdout == msg, f"ours (NSS, {cipher}) -> openssl cms -decrypt",
              p.stderr + q.stderr)
        q = run("cmsutil", "-D", "-d", f"sql:{db}", "-i", tmp / "e.der")
        check(q.returncode == 0 and q.stdout == msg, f"ours (NSS, {cipher}) -> cmsutil -D", q.stderr)
        ocipher = "-aes256" if cipher == "aes256-cbc" else "-aes128"
        run("openssl", "cms", "-encrypt", ocipher, "-binary", "-in", tmp / "msg.txt", "-out", tmp / "o.eml",
            fx / "bob.pem")
        p = sg("decrypt", "--nss-db", db, tmp / "o.eml")
        check(p.returncode == 0 and p.stdout.replace(b"\r\n", b"\n") == msg.replace(b"\r\n", b"\n"),
              f"openssl cms -encrypt {ocipher} -> ours (NSS)", p.stderr)
    p = sg("encrypt", "--nss-db", db, "--to", fx / "bob.pem", "-o", tmp / "e.eml", tmp / "msg.txt")
    q = sg("decrypt", "--nss-db", db, tmp / "e.eml")
    check(p.returncode == 0 and q.returncode == 0 and b"Hello Bob" in q.stdout,
          "ours (NSS) S/MIME message -> ours (NSS), recipient given as a PEM file", p.stderr + q.stderr)
    q = sg("decrypt", "--key", fx / "bob.p12", "--passphrase-file", fx / "PASSPHRASE", tmp / "e.eml")
    check(q.returncode == 0 and b"Hello Bob" in q.stdout, "ours (NSS) -> ours (OpenSSL)", q.stderr)
    run("openssl", "cms", "-encrypt", "-aes256", "-binary", "-in", tmp / "msg.txt", "-out", tmp / "m.eml",
        fx / "mallory.pem")
    p = sg("decrypt", "--nss-db", db, tmp / "m.eml")
    check(p.returncode == 1 and b"no_private_key" in p.stderr and not p.stdout,
          "encrypted to someone else: no_private_key, no output", p.stderr)
    p = sg("encrypt", "--nss-db", db, "--to", fx / "expired.pem", tmp / "msg.txt")
    check(p.returncode == 1 and b"cert_expired" in p.stderr, "expired recipient: cert_expired", p.stderr)
    p = sg("encrypt", "--nss-db", db, "--to", "bob@partner.example", "--cipher", "aes256-gcm", tmp / "msg.txt")
    check(p.returncode == 1 and b"unknown_algorithm" in p.stderr, "AES-GCM with NSS: unknown_algorithm", p.stderr)

    # sign / verify
    for key, digest in [("alice", "sha256"), ("alice-ec", "sha384")]:
        p = sg("sign", "--nss-db", db, "--key", key, "--digest", digest, "--der", "-o", tmp / "s.der",
               tmp / "msg.txt")
        q = run("openssl", "cms", "-verify", "-inform", "DER", "-in", tmp / "s.der", "-content", tmp / "msg.txt",
                "-binary", "-CAfile", fx / "root.pem", "-out", "/dev/null")
        check(p.returncode == 0 and q.returncode == 0, f"ours (NSS sign, {key}, {digest}) -> openssl cms -verify",
              p.stderr + q.stderr)
        q = run("cmsutil", "-D", "-d", f"sql:{tdb}", "-c", tmp / "msg.txt", "-i", tmp / "s.der", "-u", "4")
        check(q.returncode == 0, f"ours (NSS sign, {key}) -> cmsutil -D (detached)", q.stderr)
    p = sg("sign", "--nss-db", db, "--key", "alice", "-o", tmp / "s.eml", tmp / "msg.txt")
    q = sg("verify", "--nss-db", db, "--ca-file", fx / "root.pem", tmp / "s.eml")
    check(p.returncode == 0 and q.returncode == 0 and b"result: valid" in q.stdout,
          "ours (NSS) multipart/signed -> ours (NSS) verify, From matched", p.stderr + q.stdout + q.stderr)
    q = sg("verify", "--ca-file", fx / "root.pem", tmp / "s.eml")
    check(q.returncode == 0, "ours (NSS) multipart/signed -> ours (OpenSSL) verify", q.stdout + q.stderr)
    for signer, ok in [("alice", True), ("mallory", False)]:
        run("openssl", "cms", "-sign", "-binary", "-in", tmp / "msg.txt", "-signer", fx / f"{signer}.pem", "-inkey",
            fx / f"{signer}.key", "-certfile", fx / "inter.pem", "-md", "sha256", "-out", tmp / "os.eml")
        q = sg("verify", "--nss-db", db, "--ca-file", fx / "root.pem", "--from", "alice@corp.example",
               tmp / "os.eml")
        check(q.returncode == (0 if ok else 5), f"openssl cms -sign ({signer}) -> ours (NSS) verify: "
              + ("valid" if ok else "signer is not the sender (exit 5)"), q.stdout + q.stderr)
    run("openssl", "cms", "-sign", "-nodetach", "-binary", "-outform", "DER", "-in", tmp / "msg.txt", "-signer",
        fx / "alice.pem", "-inkey", fx / "alice.key", "-out", tmp / "opaque.der")
    q = sg("verify", "--nss-db", db, "--ca-file", fx / "ca-chain.pem", "-o", tmp / "inner.txt", tmp / "opaque.der")
    check(q.returncode == 0 and (tmp / "inner.txt").read_bytes() == msg, "openssl cms -sign -nodetach -> ours "
          "(NSS) opaque verify, content written", q.stdout + q.stderr)
    data = bytearray((tmp / "s.der").read_bytes())
    (tmp / "msg2.txt").write_bytes(msg.replace(b"Bob", b"Eve"))
    q = sg("verify", "--nss-db", db, "--ca-file", fx / "root.pem", "--signature", tmp / "s.der", tmp / "msg2.txt")
    check(q.returncode == 5, "tampered content -> ours (NSS): not valid (exit 5)", q.stdout + q.stderr)
    after = {f.name: f.stat().st_mtime for f in db.iterdir()}
    check(before == after, "the read-only database was neither written nor added to", (before, after))
finally:
    if db.exists():
        db.chmod(0o755)
    shutil.rmtree(tmp, ignore_errors=True)

print(f"1..{n}")
sys.exit(1 if failed else 0)
