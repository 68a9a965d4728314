#!/usr/bin/env python3
"""`sealgate certs` against real NSS databases (certutil -N with an empty
password in a temporary directory), checked with certutil -L/-K: every
PKCS#12 file of the corpus, certificates, a chain, a signed message and its
signature, and the bad inputs (wrong password, corrupt, cut short, no key, a
key that matches no certificate, an unsigned message, one byte past the file
limit, one byte past the password limit, a failure after the first write)
each refused with the database unchanged.
Usage: test-certs.py SEALGATE SOURCE_ROOT. The corpus is $SEALGATE_CORPUS,
else SOURCE_ROOT/../shared/corpus or SOURCE_ROOT/../../shared/corpus (a
worktree); without it every case is skipped. Prints TAP."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from nssleak import nss_p12_leak_env  # noqa: E402
from tap import done, ok, skip  # noqa: E402

SEALGATE = sys.argv[1]
ROOT = pathlib.Path(sys.argv[2]).resolve()
CORPUS = next((p for p in [pathlib.Path(os.environ.get("SEALGATE_CORPUS", "/nonexistent")),
                           ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus"]
               if (p / "tb-smime" / "Alice.p12").exists()), None)
if CORPUS is None or not shutil.which("certutil"):
    skip("sealgate certs", "the test corpus (SEALGATE_CORPUS) or certutil is missing")
    sys.exit(done())
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-certs-"))
FILE_MAX = 10 * 1024 * 1024  # SG_CERTS_FILE_MAX
PASSWORD_MAX = 256  # SG_CERTS_PASSWORD_MAX

# corpus PKCS#12 files and their passwords (corpus SOURCES.md)
P12 = {
    "tb-smime/Alice.p12": "nss",
    "tb-smime/Alice-ec.p12": "nss",
    "tb-smime/Bob.p12": "nss",
    "tb-smime/Dave.p12": "nss",
    "tb-smime/Eve.p12": "nss",
    "tb-smime-interop/Fran.p12": "nss",
    "tb-smime-interop/Fran-ec.p12": "nss",
    "gnupg-cms/samplekeys/ov-user.p12": "start",
    "gnupg-cms/samplekeys/t6752-ov-user-ff.p12": "start",
    "gnupg-cms/samplekeys/opensc-test.p12": "password",
    "gnupg-cms/samplekeys/t5793-openssl.pfx": "test",
    "gnupg-cms/samplekeys/nistp256-openssl-self-signed.p12": "abc",
    "gnupg-cms/samplekeys/credential_private_encrypted_3DES.p12": "qeFGds84/Sf0eKkJwcp6",
    "gnupg-cms/samplekeys/credential_private_encrypted_AES256.p12": "qeFGds84/Sf0eKkJwcp6",
}
_n = 0


def new_db():
    global _n
    _n += 1
    d = TMP / f"db{_n}"
    d.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
    return d


def pwfile(pw):
    p = TMP / "pw"
    p.write_bytes(pw.encode("utf-8") + b"\n")
    return str(p)


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("SEALGATE_TEST_CERTS_FAIL_AFTER_WRITE", None)
    e["LANG"] = "C.UTF-8"
    e.pop("LC_ALL", None)
    e.pop("LC_MESSAGES", None)
    if env:
        e.update(env)
    p = subprocess.run([SEALGATE, "certs", *map(str, args)], capture_output=True, env=e, timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def certs_of(db):
    """{nickname: trust} from certutil -L."""
    p = subprocess.run(["certutil", "-L", "-d", f"sql:{db}"], capture_output=True, text=True)
    out = {}
    for line in p.stdout.splitlines()[4:]:
        if line.strip():
            name, _, trust = line.rstrip().rpartition(" ")
            out[name.strip() or trust] = trust
    return out


def keys_of(db):
    p = subprocess.run(["certutil", "-K", "-d", f"sql:{db}"], capture_output=True, text=True)
    return sorted(l.split(None, 3)[-1] if l.count(" ") >= 3 else l for l in p.stdout.splitlines() if l.startswith("<"))


def state(db):
    return (certs_of(db), keys_of(db))


def refused(what, db, args, code, env=None):
    before = state(db)
    rc, out, err = run("import", *args, "--profile", db, env=env)
    ok(rc == 1 and f": {code}: " in err, f"{what}: exit 1, {code}", f"rc={rc}\n{out}{err}")
    ok(state(db) == before, f"{what}: the database is unchanged", f"{before}\n{state(db)}")


# ---- every PKCS#12 of the corpus ------------------------------------------
for rel, pw in P12.items():
    db = new_db()
    rc, out, err = run("import", CORPUS / rel, "--profile", db, "--password-file", pwfile(pw), "--json")
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    imported = doc.get("imported", [])
    ok(rc == 0 and imported, f"{rel}: imported", err or out)
    keys = keys_of(db)
    ok(len(keys) == 1, f"{rel}: certutil -K shows one private key", str(keys))
    names = certs_of(db)
    leaf = [c for c in imported if c["has_private_key"]]
    ok(len(leaf) == 1 and leaf[0]["nickname"] in names and names[leaf[0]["nickname"]].startswith("u"),
       f"{rel}: certutil -L shows its certificate with the key (u,u,u)", f"{names}\n{leaf}")

# QuaVadis' file: its MAC verifies with no encoding of the documented
# password; openssl refuses it, pk12util warns and exits 17. Refused.
db = new_db()
refused("t5793-test.pfx (MAC does not verify)", db,
        [CORPUS / "gnupg-cms/samplekeys/t5793-test.pfx", "--password-file", pwfile("test")], "wrong_passphrase")

# ---- certificates, chain, signed message, signature -----------------------
alice_p12 = CORPUS / "tb-smime/Alice.p12"
pem = TMP / "alice-and-ca.pem"
subprocess.run(["openssl", "pkcs12", "-in", alice_p12, "-passin", "pass:nss", "-nokeys", "-out", pem],
               check=True, capture_output=True)
der = TMP / "testca.der"
subprocess.run(["openssl", "x509", "-in", CORPUS / "tb-smime/TestCA.pem", "-outform", "DER", "-out", der],
               check=True, capture_output=True)
p7b = TMP / "chain.p7b"
subprocess.run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", pem, "-outform", "DER", "-out", p7b],
               check=True, capture_output=True)
eml = CORPUS / "tb-smime/alice.dsig.SHA256.multipart.eml"
p7s_pem = TMP / "signature-pem.p7s"
subprocess.run(["openssl", "smime", "-pk7out", "-in", eml, "-out", p7s_pem], check=True, capture_output=True)
p7s = TMP / "signature.p7s"
subprocess.run(["openssl", "pkcs7", "-in", p7s_pem, "-outform", "DER", "-out", p7s], check=True, capture_output=True)

for what, f, want in [
    ("PEM certificates", pem, {"Alice", "NSS Test CA (RSA)"}),
    ("DER certificate", der, {"NSS Test CA (RSA)"}),
    (".p7b chain", p7b, {"Alice", "NSS Test CA (RSA)"}),
    ("signed .eml (the signer's certificate)", eml, {"Alice"}),
    (".p7s signature (DER)", p7s, {"Alice"}),
    (".p7s signature (PEM)", p7s_pem, {"Alice"}),
]:
    db = new_db()
    rc, out, err = run("import", f, "--profile", db, "--json")
    imported = json.loads(out).get("imported", []) if rc == 0 else []
    cns = {c["common_name"] for c in imported}
    ok(rc == 0 and want <= cns, f"{what}: imported {sorted(want)}", f"rc={rc} {cns}\n{err}")
    names = certs_of(db)
    ok(all(c["nickname"] in names for c in imported) and len(names) >= len(want),
       f"{what}: certutil -L lists them", f"{names}")
    ok(keys_of(db) == [], f"{what}: no private key added", str(keys_of(db)))

# a second import of the same file adds nothing and succeeds
rc, out, err = run("import", pem, "--profile", db)
ok(rc == 0 and len(certs_of(db)) == 2, "importing the same certificates again: exit 0, no duplicate", f"{certs_of(db)}")

# ---- list, show, check ------------------------------------------------------
db = new_db()
run("import", alice_p12, "--profile", db, "--password-file", pwfile("nss"))
rc, out, err = run("list", "--profile", db, "--json")
doc = json.loads(out) if rc == 0 else {}
alice = [c for c in doc.get("certificates", []) if c["common_name"] == "Alice"]
ok(rc == 0 and len(alice) == 1 and alice[0]["emails"] == ["alice@example.com"] and alice[0]["can_sign"]
   and alice[0]["can_encrypt"] and alice[0]["has_private_key"], "list --json: Alice, her address, usage and key",
   out + err)
ok(alice and alice[0]["chain"] == "untrusted_issuer", "list: the CA is not trusted yet: untrusted_issuer", out)
rc, out, err = run("check", "alice@example.com", "--profile", db)
ok(rc == 6, "check ADDRESS with an untrusted issuer: exit 6", f"rc={rc}\n{out}{err}")
ca = [c["nickname"] for c in doc.get("certificates", []) if c["is_ca"]]
subprocess.run(["certutil", "-M", "-d", f"sql:{db}", "-n", ca[0] if ca else "?", "-t", "C,C,C"], capture_output=True)
rc, out, err = run("check", "ALICE@example.com", "--profile", db, "--json")
doc = json.loads(out) if out else {}
ok(rc == 0 and doc["certificates"][0]["usable"] and doc["certificates"][0]["chain"] == "valid",
   "check ADDRESS (case-insensitive) once the CA is trusted: exit 0, valid", f"rc={rc}\n{out}{err}")
rc, out, err = run("check", "nobody@example.com", "--profile", db)
ok(rc == 6 and "No certificate for nobody@example.com" in out, "check an unknown address: exit 6", out + err)
rc, out, err = run("show", CORPUS / "tb-smime/Bob.p12", "--profile", db, "--password-file", pwfile("nss"))
ok(rc == 0 and "bob@example.com" in out and "Bob" not in certs_of(db), "show FILE describes it and imports nothing",
   out + err)
rc, out, err = run("show", "Alice", "--profile", db, env={"LANG": "ja_JP.UTF-8"})
ok(rc == 0 and "メールアドレス: alice@example.com" in out and "用途: 署名, 暗号化" in out, "show in Japanese", out + err)

# ---- bad input ---------------------------------------------------------------
db = new_db()
run("import", CORPUS / "tb-smime/Bob.p12", "--profile", db, "--password-file", pwfile("nss"))
refused("wrong password", db, [alice_p12, "--password-file", pwfile("wrong")], "wrong_passphrase")
rc, out, err = run("import", alice_p12, "--profile", db, "--password-file", pwfile("wrong"),
                   env={"LANG": "ja_JP.UTF-8"})
ok(rc == 1 and "パスワードが違います。" in err and "証明書データベースは変更していません。" in err,
   "wrong password, in Japanese", err)
data = alice_p12.read_bytes()
cut = TMP / "cut.p12"
cut.write_bytes(data[: len(data) // 2])
# NSS leaks inside its PKCS#12 decoder on DER that ends early (nssleak.py).
nss_leak_env = nss_p12_leak_env(TMP)
refused("a PKCS#12 cut short", db, [cut, "--password-file", pwfile("nss")], "truncated_input", env=nss_leak_env)
bad = bytearray(data)
for i in range(len(bad) // 3, len(bad) // 3 + 64):
    bad[i] ^= 0x5A
corrupt = TMP / "corrupt.p12"
corrupt.write_bytes(bytes(bad))
before = state(db)
rc, out, err = run("import", corrupt, "--profile", db, "--password-file", pwfile("nss"))
ok(rc == 1 and any(f": {c}: " in err for c in ("truncated_input", "wrong_passphrase")),
   "a corrupt PKCS#12: refused (corrupt, or its MAC fails)", err)
ok(state(db) == before, "a corrupt PKCS#12: the database is unchanged")
garbage = TMP / "garbage.cer"
garbage.write_bytes(b"\x30\x82\x01\x00" + os.urandom(300))
refused("a corrupt certificate", db, [garbage], "no_certificate")
nokey = TMP / "nokey.p12"
subprocess.run(["openssl", "pkcs12", "-export", "-nokeys", "-in", pem, "-passout", "pass:x", "-out", nokey],
               check=True, capture_output=True)
refused("a PKCS#12 with no key", db, [nokey, "--password-file", pwfile("x")], "no_private_key")
try:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    cert = x509.load_pem_x509_certificate(
        subprocess.run(["openssl", "x509", "-in", pem], capture_output=True, check=True).stdout)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    mismatch = TMP / "mismatch.p12"
    # a key and a certificate that is not its own (no localKeyID ties them)
    mismatch.write_bytes(pkcs12.serialize_key_and_certificates(b"x", other, None, [cert], BestAvailableEncryption(b"x")))
    refused("a PKCS#12 whose key does not match its certificate", db, [mismatch, "--password-file", pwfile("x")],
            "cert_unusable")
except ImportError:
    skip("a PKCS#12 whose key does not match its certificate", "python3-cryptography missing")
refused("an unsigned message", db, [pathlib.Path(__file__).parent / "data" / "attachments.eml"], "mime_invalid")
big = TMP / "big.p12"
big.write_bytes(data + b"\0" * (FILE_MAX + 1 - len(data)))
refused("a file one byte past SG_CERTS_FILE_MAX", db, [big, "--password-file", pwfile("nss")], "limit_exceeded")
refused("a password one byte past SG_CERTS_PASSWORD_MAX", db,
        [alice_p12, "--password-file", pwfile("p" * (PASSWORD_MAX + 1))], "limit_exceeded")
refused("a password of 1,000 bytes", db, [alice_p12, "--password-file", pwfile("p" * 1000)], "limit_exceeded")
refused("a password of exactly SG_CERTS_PASSWORD_MAX bytes (read, then wrong)", db,
        [alice_p12, "--password-file", pwfile("p" * PASSWORD_MAX)], "wrong_passphrase")
refused("a failure after the PKCS#12 was written", db, [alice_p12, "--password-file", pwfile("nss")], "nss_db_unavailable",
        env={"SEALGATE_TEST_CERTS_FAIL_AFTER_WRITE": "1"})
refused("a failure after a chain was written", db, [p7b], "nss_db_unavailable",
        env={"SEALGATE_TEST_CERTS_FAIL_AFTER_WRITE": "1"})
rc, out, err = run("import", alice_p12, "--profile", TMP / "nowhere", "--password-file", pwfile("nss"))
ok(rc == 1 and ": nss_db_unavailable: " in err, "a missing profile: exit 1, nss_db_unavailable", err)
rc, out, err = run("import")
ok(rc == 2 and "usage:" in err, "no file: usage, exit 2", err)
rc, out, err = run("frobnicate")
ok(rc == 2, "unknown subcommand: exit 2", err)

# ---- use-for-identity ---------------------------------------------------------
import base64  # noqa: E402
import fcntl  # noqa: E402

db = new_db()
prefs = db / "prefs.js"
prefs.write_text('// Mozilla User Preferences\n'
                 'user_pref("mail.identity.id1.useremail", "alice@example.com");\n'
                 'user_pref("mail.identity.id1.signing_cert_name", "old");\n'
                 'user_pref("mail.identity.id2.useremail", "other@example.com");\n')
run("import", alice_p12, "--profile", db, "--password-file", pwfile("nss"))
alice_pem = subprocess.run(["certutil", "-L", "-d", f"sql:{db}", "-n", "Alice", "-a"], capture_output=True).stdout
from cryptography import x509 as _x509  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding as _Enc  # noqa: E402

ac = _x509.load_pem_x509_certificate(alice_pem)
serial = ac.serial_number.to_bytes((ac.serial_number.bit_length() + 8) // 8, "big")
issuer = ac.issuer.public_bytes()
want = base64.b64encode(b"\0" * 8 + len(serial).to_bytes(4, "big") + len(issuer).to_bytes(4, "big") + serial
                        + issuer).decode()
rc, out, err = run("use-for-identity", "Alice", "--identity", "id1", "--profile", db)
text = prefs.read_text()
ok(rc == 0 and f'user_pref("mail.identity.id1.signing_cert_dbkey", "{want}");' in text
   and f'user_pref("mail.identity.id1.encryption_cert_dbkey", "{want}");' in text
   and 'user_pref("mail.identity.id1.signing_cert_name", "Alice");' in text
   and 'user_pref("mail.identity.id1.encryption_cert_name", "Alice");' in text,
   "use-for-identity: the dbkey (Mozilla's format) and name prefs of id1", f"rc={rc}\n{err}\n{text}")
ok(text.count("id1.signing_cert_name") == 1 and "other@example.com" in text and "id2.signing" not in text,
   "...the old value replaced, the other identity untouched", text)
before = prefs.read_text()
rc, out, err = run("use-for-identity", "Alice", "--identity", "id7", "--profile", db)
ok(rc == 1 and ": invalid_argument: " in err and prefs.read_text() == before, "an identity the profile lacks: exit 1, "
   "prefs.js unchanged", err)
rc, out, err = run("use-for-identity", "TestCA", "--identity", "id1", "--profile", db)
ok(rc == 1 and ": no_private_key: " in err and prefs.read_text() == before, "a certificate without its key: refused",
   err)
lock = open(db / ".parentlock", "w")
fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
rc, out, err = run("use-for-identity", "Alice", "--identity", "id1", "--profile", db, env={"LANG": "ja_JP.UTF-8"})
ok(rc == 1 and "Thunderbird を終了してから" in err and prefs.read_text() == before,
   "while the profile is locked (Thunderbird runs): refused, in Japanese, prefs.js unchanged", err)
lock.close()

# ---- while Thunderbird has the profile open ---------------------------------
tb = shutil.which("thunderbird")
if not tb:
    skip("import while Thunderbird runs on the profile", "thunderbird not installed")
else:
    import time

    db = new_db()
    (db / "user.js").write_text('user_pref("mail.shell.checkDefaultClient", false);\n'
                                'user_pref("mailnews.start_page.enabled", false);\n')
    e = dict(os.environ, HOME=str(TMP), MOZ_HEADLESS="1")
    proc = subprocess.Popen([tb, "--headless", "--no-remote", "--profile", str(db)], env=e,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):  # Thunderbird holds the profile once .parentlock is there
            if (db / ".parentlock").exists() or (db / "lock").exists():
                break
            time.sleep(0.5)
        time.sleep(3)
        running = proc.poll() is None
        rc, out, err = run("import", alice_p12, "--profile", db, "--password-file", pwfile("nss"))
        ok(running and rc == 0, "import while Thunderbird runs on the profile: exit 0", f"running={running}\n{err}")
        ok("Alice" in certs_of(db) and len(keys_of(db)) == 1 and proc.poll() is None,
           "...certutil -L/-K see the certificate and key, Thunderbird still runs", f"{certs_of(db)}")
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()

# ---- --to gpgsm: a temporary GNUPGHOME, checked with gpgsm --list-secret-keys
if not shutil.which("gpgsm"):
    skip("import --to gpgsm", "gpgsm not installed")
else:
    gh = TMP / "gnupg"
    gh.mkdir(mode=0o700)
    (gh / "gpg-agent.conf").write_text("allow-loopback-pinentry\n")
    (gh / "gpgsm.conf").write_text("disable-crl-checks\ndisable-dirmngr\n")

    def gpgsm_state():
        sec = subprocess.run(["gpgsm", "--homedir", gh, "--batch", "--with-colons", "--list-secret-keys"],
                             capture_output=True, text=True, timeout=60).stdout
        pub = subprocess.run(["gpgsm", "--homedir", gh, "--batch", "--with-colons", "--list-keys"],
                             capture_output=True, text=True, timeout=60).stdout
        return ([l.split(":")[9] for l in sec.splitlines() if l.startswith("fpr:")],
                [l.split(":")[9] for l in pub.splitlines() if l.startswith("fpr:")])

    empty = gpgsm_state()
    rc, out, err = run("import", CORPUS / "tb-smime" / "Alice-ec.p12", "--to", "gpgsm", "--homedir", gh,
                       "--password-file", pwfile("nss"))
    ok(rc == 1 and "key_unusable" in err and "only RSA keys" in err and gpgsm_state() == empty,
       "--to gpgsm, an ECDSA PKCS#12: key_unusable, said in words, the keybox unchanged", err)
    rc, out, err = run("import", CORPUS / "tb-smime" / "Alice.p12", "--to", "gpgsm", "--homedir", gh,
                       "--password-file", pwfile("wrong"))
    ok(rc == 1 and "wrong_passphrase" in err and gpgsm_state() == empty,
       "--to gpgsm, a wrong password: wrong_passphrase, the keybox unchanged", err)
    rc, out, err = run("import", CORPUS / "tb-smime" / "Alice.p12", "--to", "gpgsm", "--homedir", gh,
                       "--password-file", pwfile("x" * (PASSWORD_MAX + 1)))
    ok(rc == 1 and "limit_exceeded" in err and gpgsm_state() == empty,
       "--to gpgsm, a password one byte past the limit: limit_exceeded, unchanged", err)
    cut = TMP / "cut-gpgsm.p12"
    cut.write_bytes((CORPUS / "tb-smime" / "Alice.p12").read_bytes()[:600])
    rc, out, err = run("import", cut, "--to", "gpgsm", "--homedir", gh, "--password-file", pwfile("nss"))
    ok(rc == 1 and gpgsm_state() == empty, "--to gpgsm, a file cut short: refused, unchanged", err)
    rc, out, err = run("import", CORPUS / "tb-smime" / "alice.dsig.SHA256.multipart.eml", "--to", "gpgsm",
                       "--homedir", gh)
    ok(rc == 1 and "invalid_argument" in err and "signed message" in err and gpgsm_state() == empty,
       "--to gpgsm, a signed message: refused in words, unchanged", err)
    rc, out, err = run("import", CORPUS / "tb-smime" / "Alice.p12", "--to", "gpgsm", "--profile", TMP)
    ok(rc == 2, "--to gpgsm with --profile: usage error", err)
    for name, pw in [("tb-smime/Alice.p12", "nss"), ("gnupg-cms/samplekeys/credential_private_encrypted_AES256.p12",
                                                     "qeFGds84/Sf0eKkJwcp6")]:
        before = gpgsm_state()
        rc, out, err = run("import", CORPUS / name, "--to", "gpgsm", "--homedir", gh, "--password-file", pwfile(pw),
                           "--json")
        try:
            j = json.loads(out)
        except ValueError:
            j = {}
        after = gpgsm_state()
        ok(rc == 0 and j.get("private_keys") == 1 and len(after[0]) == len(before[0]) + 1,
           f"--to gpgsm {name} (re-encoded as gpgsm 2.2 reads it): one more secret key in "
           "gpgsm --list-secret-keys", f"{err}\n{out}\n{before} -> {after}")
    rc, out, err = run("import", CORPUS / "tb-smime" / "TestCA.pem", "--to", "gpgsm", "--homedir", gh,
                       env={"LANG": "ja_JP.UTF-8"})
    ok(rc == 0 and "gpgsm" in out and "取り込みました" in out and "秘密鍵: 0" in out,
       "--to gpgsm, a certificate: imported, said in Japanese, no private key", out + err)
    subprocess.run(["gpgconf", "--homedir", gh, "--kill", "all"], capture_output=True, timeout=60)

shutil.rmtree(TMP, ignore_errors=True)
sys.exit(done())
