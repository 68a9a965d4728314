#!/usr/bin/env python3
"""The corpus suite: real S/MIME and OpenPGP mail from other projects' test
data (Thunderbird's, GnuPG's; ../shared/corpus, SOURCES.md names each file's
origin and password), read in place, never copied into the tree. Every case
asks a peer (openssl cms, gpgsm, gpg, NSS cmsutil/certutil) in the same run
and checks that sealgate reaches the same verdict.

Usage: test-corpus.py SEALGATE CORPUS_DIR
When CORPUS_DIR does not exist the suite is skipped (TAP "1..0 # SKIP")
with the reason: the corpus is not part of the repository. SEALGATE_CORPUS in the
environment overrides CORPUS_DIR."""
import email
import email.policy
import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done, ok  # noqa: E402

SEALGATE = pathlib.Path(sys.argv[1]).resolve()
CORPUS = pathlib.Path(os.environ.get("SEALGATE_CORPUS") or sys.argv[2])
if not (CORPUS / "SOURCES.md").is_file():
    print(f"1..0 # SKIP no corpus at {CORPUS} (clone next to shared/, or set SEALGATE_CORPUS)")
    sys.exit(0)

TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-corpus-"))
ENV = dict(os.environ, LC_ALL="C", TZ="UTC", P12PASS="nss")
TBS = CORPUS / "tb-smime"
TBP = CORPUS / "tb-openpgp"
GNC = CORPUS / "gnupg-cms"
GNP = CORPUS / "gnupg-openpgp"


def run(args, env=None, stdin=None):
    return subprocess.run([str(a) for a in args], capture_output=True, env=env or ENV, input=stdin, timeout=120)


def sg(*args, env=None):
    return run([SEALGATE, *args], env=env)


def code(p):
    """The stable error code of a `sealgate: CMD SUB: CODE: message` line, or ''."""
    for line in p.stderr.decode("utf-8", "replace").splitlines():
        parts = line.split(": ")
        if line.startswith("sealgate: ") and len(parts) >= 3:
            return parts[2]
    return ""


def jdoc(p):
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {}


def norm(b):
    return b.replace(b"\r\n", b"\n")


# ---- S/MIME: keys and an NSS database (Thunderbird's test CA and users)
pem = {}
for who in ("Alice", "Bob", "Dave"):
    pem[who] = TMP / f"{who}.pem"
    run(["openssl", "pkcs12", "-in", TBS / f"{who}.p12", "-passin", "pass:nss", "-nodes", "-out", pem[who]])
nss = TMP / "nss"
nss.mkdir()
run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"])
run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "TestCA", "-t", "C,C,C", "-i", TBS / "TestCA.pem"])
for p12 in ("tb-smime/Alice.p12", "tb-smime/Bob.p12", "tb-smime-interop/Fran.p12", "tb-smime-interop/Fran-ec.p12"):
    run(["pk12util", "-d", f"sql:{nss}", "-i", CORPUS / p12, "-W", "nss", "-K", ""])

# ---- S/MIME verify: every signed Thunderbird sample, openssl cms as the peer
for f in sorted(TBS.glob("*.eml")) + sorted((CORPUS / "tb-smime-browser").glob("*.eml")):
    peer = run(["openssl", "cms", "-verify", "-in", f, "-CAfile", TBS / "TestCA.pem", "-out", "/dev/null"])
    perr = peer.stderr.decode()
    ours = sg("smime", "verify", "--ca-file", TBS / "TestCA.pem", "--json", f)
    doc = jdoc(ours)
    sigs = [s.get("signature_valid") for s in doc.get("signers", [])]
    if peer.returncode == 0:
        ok(ours.returncode == 0 and doc.get("valid") is True,
           f"{f.name}: openssl cms verifies it; sealgate: valid", ours.stderr)
    elif "verify error" in perr or "verification failure" in perr:
        # openssl: the content does not match (a changed body, a different embedded content)
        ok(ours.returncode == 5 and sigs and not all(sigs),
           f"{f.name}: openssl cms says bad signature; sealgate: signature invalid (exit 5)", ours.stdout + ours.stderr)
    elif "no content type" in perr or "not a signed" in perr.lower() or "type not" in perr or "wrong content" in perr \
            or "no signed data" in perr.lower() or "content type not" in perr:
        ok(ours.returncode == 1 and code(ours) == "not_smime",
           f"{f.name}: not a signed message for openssl either; sealgate: not_smime", ours.stderr)
    else:
        ok(ours.returncode != 0, f"{f.name}: openssl cms fails ({perr.splitlines()[-1:]}); sealgate fails too",
           ours.stderr)

# the same messages through the NSS backend, cmsutil as the peer (it exits 0
# on a digest mismatch: its verdict is the "GoodSignature" line, PLATFORM.md)
for f in sorted(TBS.glob("alice.dsig.SHA256.multipart*.eml")):
    m = email.message_from_bytes(f.read_bytes(), policy=email.policy.compat32)
    if m.get_content_type() != "multipart/signed":
        continue
    content, sig = m.get_payload()
    raw = f.read_bytes()
    boundary = m.get_boundary().encode()
    # the signed part exactly as it is on the wire: between the first two delimiters
    first = raw.index(b"--" + boundary) + len(boundary) + 2
    first = raw.index(b"\n", first) + 1
    end = raw.index(b"\n--" + boundary, first)
    body = raw[first:end]
    if body.endswith(b"\r"):
        body = body[:-1]
    (TMP / "c.bin").write_bytes(body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    (TMP / "s.der").write_bytes(sig.get_payload(decode=True))
    if "mismatch-econtent" in f.name:
        # cmsutil checks a signature that carries its own content over that
        # content and ignores -c: what it verifies is not the part a reader
        # sees, so openssl cms (which checks the part) is the peer here
        peer = run(["openssl", "cms", "-verify", "-in", f, "-CAfile", TBS / "TestCA.pem", "-out", "/dev/null"])
        good = peer.returncode == 0
    else:
        peer = run(["cmsutil", "-D", "-d", f"sql:{nss}", "-i", TMP / "s.der", "-c", TMP / "c.bin", "-h", "1"])
        good = peer.returncode == 0 and b"status=GoodSignature" in peer.stdout
    ours = sg("smime", "verify", "--nss-db", nss, "--json", f)
    doc = jdoc(ours)
    sigs = [s.get("signature_valid") for s in doc.get("signers", [])]
    ok(bool(sigs) and all(sigs) == good,
       f"{f.name} --nss-db: the peer says {'good' if good else 'bad'} signature; sealgate agrees",
       (peer.stdout + peer.stderr + ours.stdout + ours.stderr).decode("utf-8", "replace"))

# ---- S/MIME decrypt: Bob's messages, openssl cms -decrypt as the peer (of
# the signed part, taken out unchecked, for one signed around the encryption)
for f in sorted(TBS.glob("*.env*.eml")):
    src = f
    if email.message_from_bytes(f.read_bytes()).get_content_type() == "multipart/signed":
        run(["openssl", "cms", "-verify", "-noverify", "-nosigs", "-in", f, "-out", TMP / "inner.eml"])
        src = TMP / "inner.eml"
    peer = run(["openssl", "cms", "-decrypt", "-in", src, "-inkey", pem["Bob"]])
    ours = sg("smime", "decrypt", "--key", TBS / "Bob.p12", "--passphrase-env", "P12PASS", f)
    if peer.returncode == 0:
        ok(ours.returncode == 0 and norm(ours.stdout) == norm(peer.stdout),
           f"{f.name}: decrypted as openssl cms does", ours.stderr)
    else:
        ok(ours.returncode != 0, f"{f.name}: openssl cms cannot decrypt it for Bob; sealgate cannot either",
           ours.stderr)

# an encrypted message inside a (gateway's) broken signature: decrypted, the signature reported
gw = CORPUS / "tb-smime-manual" / "outer-smime-bad-sig-inner-smime-enc.eml"
outer = run(["openssl", "cms", "-verify", "-noverify", "-in", gw, "-out", TMP / "inner.eml"])
inner = run(["openssl", "cms", "-verify", "-noverify", "-nosigs", "-in", gw, "-out", TMP / "inner.eml"])
peer = run(["openssl", "cms", "-decrypt", "-in", TMP / "inner.eml", "-inkey", pem["Bob"]])
ours = sg("smime", "decrypt", "--key", TBS / "Bob.p12", "--passphrase-env", "P12PASS", gw)
ok(outer.returncode != 0 and inner.returncode == 0 and peer.returncode == 0 and ours.returncode == 0 and
   norm(ours.stdout) == norm(peer.stdout) and b"broken" in ours.stderr,
   "gateway signature around an encrypted message: openssl says the signature is bad and decrypts the inside; "
   "sealgate decrypts it and reports the broken signature", ours.stderr + outer.stderr)

# ---- S/MIME with NSS: OpenSSL-made messages to Fran (RSA-OAEP, ECDH), cmsutil as the peer
for f in sorted((CORPUS / "tb-smime-interop").glob("*.env")):
    run(["openssl", "cms", "-cmsout", "-in", f, "-outform", "DER", "-out", TMP / "env.der"])
    peer = run(["cmsutil", "-D", "-d", f"sql:{nss}", "-i", TMP / "env.der", "-p", ""])
    ours = sg("smime", "decrypt", "--nss-db", nss, f)
    if peer.returncode == 0:
        ok(ours.returncode == 0 and norm(ours.stdout) == norm(peer.stdout), f"{f.name} --nss-db: as cmsutil",
           ours.stderr)
    else:
        ok(ours.returncode == 1 and code(ours) == "unknown_algorithm" and b"PKCS#12" in ours.stderr,
           f"{f.name} --nss-db: cmsutil cannot decrypt it either; sealgate: unknown_algorithm with the way out",
           ours.stderr + peer.stderr)
    key = CORPUS / "tb-smime-interop" / ("Fran-ec.p12" if "-ec" in f.name else "Fran.p12")
    run(["openssl", "pkcs12", "-in", key, "-passin", "pass:nss", "-nodes", "-out", TMP / "fran.pem"])
    peer = run(["openssl", "cms", "-decrypt", "-in", f, "-inkey", TMP / "fran.pem"])
    ours = sg("smime", "decrypt", "--key", key, "--passphrase-env", "P12PASS", f)
    ok(peer.returncode == 0 and ours.returncode == 0 and norm(ours.stdout) == norm(peer.stdout),
       f"{f.name}: decrypted with the PKCS#12 (OpenSSL backend) as openssl cms does", ours.stderr)

# ---- which addresses an NSS certificate covers: keys lookup, encrypt --nss-db, certutil --email
(TMP / "m.txt").write_text("hello\n")
for who in ("Alice", "Bob", "Fran"):
    text = run(["certutil", "-L", "-d", f"sql:{nss}", "-n", who]).stdout.decode("utf-8", "replace")
    addrs = sorted({w.strip('"').lower() for line in text.splitlines() for w in line.split()
                    if "@" in w and ("E=" in line or "RFC822" in line)})
    addrs = sorted({a.split("e=")[-1].split(",")[0].strip('"') for a in addrs})
    for addr in addrs + [f"not-{who.lower()}@example.com"]:
        peer = run(["certutil", "-L", "-d", f"sql:{nss}", "--email", addr]).returncode == 0
        look = jdoc(sg("keys", "lookup", "--profile", nss, "--no-pgp", "--json", addr))
        found = bool(look) and look[0]["smime"]["status"] != "none"
        enc = sg("smime", "encrypt", "--nss-db", nss, "--to", addr, "-o", TMP / "m.p7m", TMP / "m.txt")
        ok(found == peer and (enc.returncode == 0) == peer,
           f"NSS {who} {addr}: keys lookup, smime encrypt --nss-db and certutil --email agree ({peer})",
           json.dumps(look) + enc.stderr.decode())

# ---- gpgsm's old signatures (no contentType attribute; the certificate expired in 2002)
gs = TMP / "gpgsm"
gs.mkdir(mode=0o700)
genv = dict(ENV, GNUPGHOME=str(gs))
run(["gpgsm", "--batch", "--import", GNC / "cert_g10code_test1.der"], env=genv)
for name in ("text-1.osig", "text-2.osig", "text-1.osig-bad", "text-2.osig-bad"):
    lines = (GNC / f"{name}.pem").read_text().splitlines()
    b64 = lines[lines.index("-----BEGIN SIGNED MESSAGE-----") + 1:lines.index("-----END SIGNED MESSAGE-----")]
    der = TMP / f"{name}.der"
    der.write_bytes(__import__("base64").b64decode("".join(b64)))
    peer = run(["gpgsm", "--batch", "--disable-crl-checks", "--status-fd", "1", "--verify", GNC / f"{name}.pem"],
               env=genv)
    good = b"GOODSIG" in peer.stdout or b"VALIDSIG" in peer.stdout or b"TRUST_" in peer.stdout
    bad = b"BADSIG" in peer.stdout
    ours = sg("smime", "verify", "--json", der)
    doc = jdoc(ours)
    s = (doc.get("signers") or [{}])[0]
    ok(ours.returncode == 5 and s.get("signature_valid") is False and "contentType" in (s.get("signature_error") or "")
       and s.get("cert_time_valid") is False,
       f"{name}: gpgsm says {'bad' if bad else 'good' if good else 'no'} signature; sealgate cannot check it and "
       "says why (no contentType attribute), not 'changed after signing'", ours.stdout + ours.stderr)
    if name == "text-1.osig":
        at = jdoc(sg("smime", "verify", "--json", "--at", "2002-09-01", der))
        ok((at.get("signers") or [{}])[0].get("cert_time_valid") is True and b"certificate has expired" in
           peer.stderr, "--at 2002-09-01: the certificate gpgsm calls expired now was valid then", at)

# ---- OpenPGP: a GnuPG home with the samples' keys
gh = TMP / "gnupg"
gh.mkdir(mode=0o700)
penv = dict(ENV, GNUPGHOME=str(gh))


def gpg(*a):
    return run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", *a], env=penv)


gpg("--import", GNP / "pubdemo.asc", *sorted((GNP / "samplekeys").glob("*.asc")))
for k in ("alice@openpgp.example-0xf231550c4f47e38e-secret.asc", "bob@openpgp.example-0xfbfcc82a015e7330-secret.asc"):
    gpg("--import", TBP / "keys" / k)
fprs = [l.split(":")[9] for l in gpg("--with-colons", "--list-keys").stdout.decode().splitlines()
        if l.startswith("fpr:")]
run(["gpg", "--batch", "--import-ownertrust"], env=penv, stdin="".join(f"{f}:6:\n" for f in fprs).encode())
(TMP / "pw").write_text("password\n")

# AEAD (OCB), as GnuPG 2.3+ and Gpg4win 4 write it, and comment lines above the armor
for name in ("enc-sym-ocb-1", "enc-sym-ocb-2", "enc-sym-cfb-1"):
    f = GNP / "samplemsgs" / f"{name}.asc"
    peer = run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "password", "--status-fd", "2",
                "-d", f], env=penv)
    ours = sg("pgp", "decrypt", "--homedir", gh, "--passphrase-file", TMP / "pw", f)
    ok(peer.returncode == 0 and b"GOODMDC" in peer.stderr and ours.returncode == 0 and ours.stdout == peer.stdout,
       f"{name} (text above the armor): gpg decrypts it with integrity; sealgate the same", ours.stderr)

# signatures: gpg's GOODSIG against sealgate's signature_valid
for name in ("clearsig-1-key-1.asc", "signed-1-key-1.asc", "clearsig-2-keys-1.asc", "signed-2-keys-1.gpg",
             "signedz0-1-key-2.gpg"):
    f = GNP / "samplemsgs" / name
    peer = gpg("--status-fd", "1", "--verify", f)
    n_good = peer.stdout.count(b"GOODSIG")
    doc = jdoc(sg("pgp", "verify", "--homedir", gh, "--json", f))
    sigs = [s.get("signature_valid") for s in doc.get("signers", [])]
    ok(n_good > 0 and sigs.count(True) == n_good and len(sigs) == n_good,
       f"{name}: gpg finds {n_good} good signature(s); sealgate the same", doc)

# two signers and --from: each signer reported against the sender
f = GNP / "samplemsgs" / "clearsig-2-keys-1.asc"
doc = jdoc(sg("pgp", "verify", "--homedir", gh, "--json", "--from", "steve.biko@example.net", f))
ok([s.get("email_matches") for s in doc.get("signers", [])] == [True, False] and doc.get("valid") is False,
   "two signers, --from the first: email_matches per signer (true, false)", doc)

# inline-signed mail (Thunderbird's sample): gpg verifies the armored block in the body
f = TBP / "eml" / "signed-inline-indented.eml"
peer = gpg("--status-fd", "1", "--verify", f)
ours = sg("pgp", "verify", "--homedir", gh, "--json", f)
doc = jdoc(ours)
ok(b"GOODSIG" in peer.stdout and ours.returncode == 0 and doc.get("valid") is True and
   doc["signers"][0]["email_matches"] is True,
   "inline-signed OpenPGP mail: gpg says good; sealgate valid, signer is the sender", ours.stdout + ours.stderr)
plain = sg("pgp", "verify", "--homedir", gh, TBS / "alice.env.eml")
ok(plain.returncode == 1 and code(plain) == "not_pgp", "a mail with no OpenPGP in it: not_pgp", plain.stderr)

# PGP/MIME that Exchange rewrote: gpg decrypts the data part; sealgate the whole message
f = TBP / "eml" / "alice-broken-exchange.eml"
m = email.message_from_bytes(f.read_bytes(), policy=email.policy.compat32)
data = [p for p in m.walk() if p.get_content_type() == "application/octet-stream"][0].get_payload(decode=True)
(TMP / "x.asc").write_bytes(data)
peer = gpg("-d", TMP / "x.asc")
ours = sg("pgp", "decrypt", "--homedir", gh, f)
ok(peer.returncode == 0 and ours.returncode == 0 and norm(ours.stdout) == norm(peer.stdout),
   "Exchange-mangled PGP/MIME: decrypted as gpg decrypts its data part", ours.stderr)

sys.exit(done())
