#!/usr/bin/env python3
"""Revocation checking against a real `openssl ocsp` responder on loopback
(good, revoked, unknown, unreachable), a forged response (another key signs),
a stale response (nextUpdate passed) and a CRL served on loopback and given
as a file; through `sealgate keys lookup` (revoked / revocation_unknown under
soft-fail and hard-fail) and `sealgate certs check`, and the cache.
Usage: test-revocation.py SEALGATE. Prints TAP."""
import datetime
import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done, ok, skip  # noqa: E402

SEALGATE = sys.argv[1]
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-rev-"))
try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509 import ocsp
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    skip("revocation", "python3-cryptography missing")
    sys.exit(done())
if not shutil.which("certutil") or not shutil.which("openssl"):
    skip("revocation", "certutil or openssl missing")
    sys.exit(done())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


NOW = datetime.datetime.now(datetime.timezone.utc)
P_OCSP, P_FORGED, P_STALE, P_HTTP, P_DEAD = (free_port() for _ in range(5))


def name(cn, email=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def pem(path, obj):
    path.write_bytes(obj.public_bytes(serialization.Encoding.PEM))


def key_pem(path, k):
    path.write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))


def make_ca(cn):
    k = ec.generate_private_key(ec.SECP256R1())
    c = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn)).public_key(k.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(NOW - datetime.timedelta(days=1))
         .not_valid_after(NOW + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
         .sign(k, hashes.SHA256()))
    return k, c


CA_KEY, CA = make_ca("Revocation Test CA")
EVIL_KEY, EVIL = make_ca("Someone Else")
key_pem(TMP / "ca.key", CA_KEY)
pem(TMP / "ca.crt", CA)
key_pem(TMP / "evil.key", EVIL_KEY)
pem(TMP / "evil.crt", EVIL)


def leaf(label, serial, ocsp_port=None, crl_url=None):
    k = ec.generate_private_key(ec.SECP256R1())
    email = f"{label}@example.org"
    b = (x509.CertificateBuilder().subject_name(name(label, email)).issuer_name(CA.subject)
         .public_key(k.public_key()).serial_number(serial)
         .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=20))
         .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
         .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False))
    if ocsp_port:
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.OCSP,
            x509.UniformResourceIdentifier(f"http://127.0.0.1:{ocsp_port}/"))]), critical=False)
    if crl_url:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    c = b.sign(CA_KEY, hashes.SHA256())
    pem(TMP / f"{label}.crt", c)
    return c


CERTS = {
    "good": leaf("good", 1001, P_OCSP),
    "revoked": leaf("revoked", 1002, P_OCSP),
    "unknown": leaf("unknown", 1003, P_OCSP),  # not in the responder's index
    "unreachable": leaf("unreachable", 1004, P_DEAD),
    "forged": leaf("forged", 1005, P_FORGED),
    "stale": leaf("stale", 1006, P_STALE),
    "crlgood": leaf("crlgood", 1007, None, f"http://127.0.0.1:{P_HTTP}/ca.crl"),
    "crlrevoked": leaf("crlrevoked", 1008, None, f"http://127.0.0.1:{P_HTTP}/ca.crl"),
}


def when(dt):
    return dt.strftime("%y%m%d%H%M%SZ")


def index_line(c, revoked=False):
    exp = when(c.not_valid_after_utc)
    return f"{'R' if revoked else 'V'}\t{exp}\t{when(NOW) if revoked else ''}\t{c.serial_number:X}\tunknown\t/CN=x\n"


(TMP / "index.txt").write_text(index_line(CERTS["good"]) + index_line(CERTS["revoked"], True)
                               + index_line(CERTS["forged"]))
(TMP / "index.txt.attr").write_text("unique_subject = no\n")
crl = (x509.CertificateRevocationListBuilder().issuer_name(CA.subject).last_update(NOW - datetime.timedelta(hours=1))
       .next_update(NOW + datetime.timedelta(days=1))
       .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(1008).revocation_date(NOW).build())
       .sign(CA_KEY, hashes.SHA256()))
(TMP / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
stale_crl = (x509.CertificateRevocationListBuilder().issuer_name(CA.subject)
             .last_update(NOW - datetime.timedelta(days=3)).next_update(NOW - datetime.timedelta(days=1))
             .sign(CA_KEY, hashes.SHA256()))
(TMP / "stale.crl").write_bytes(stale_crl.public_bytes(serialization.Encoding.DER))
# a stale OCSP answer, properly signed by the CA
stale_resp = (ocsp.OCSPResponseBuilder()
              .add_response(CERTS["stale"], CA, hashes.SHA1(), ocsp.OCSPCertStatus.GOOD,
                            NOW - datetime.timedelta(days=3), NOW - datetime.timedelta(days=2), None, None)
              .responder_id(ocsp.OCSPResponderEncoding.HASH, CA).sign(CA_KEY, hashes.SHA256()))
STALE_DER = stale_resp.public_bytes(serialization.Encoding.DER)


class Handler(http.server.BaseHTTPRequestHandler):
    hits = 0

    def log_message(self, *a):
        pass

    def do_GET(self):
        Handler.hits += 1
        body = (TMP / "ca.crl").read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(STALE_DER)))
        self.end_headers()
        self.wfile.write(STALE_DER)


servers = []
for port in (P_HTTP, P_STALE):
    srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    servers.append(srv)


def responder(port, signer, key):
    return subprocess.Popen(["openssl", "ocsp", "-index", TMP / "index.txt", "-port", str(port), "-rsigner", signer,
                             "-rkey", key, "-CA", TMP / "ca.crt", "-ndays", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


procs = [responder(P_OCSP, TMP / "ca.crt", TMP / "ca.key"), responder(P_FORGED, TMP / "evil.crt", TMP / "evil.key")]



def listening(port):
    """From /proc/net/tcp: a test connection would block openssl ocsp, which
    serves one connection at a time and waits on an empty one."""
    for line in pathlib.Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if f[1].endswith(f":{port:04X}") and f[3] == "0A":
            return True
    return False


for port in (P_OCSP, P_FORGED):
    for _ in range(100):
        if listening(port):
            break
        time.sleep(0.1)

db = TMP / "db"
db.mkdir()
subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True)
subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "Revocation Test CA", "-t", "C,C,C", "-i", TMP / "ca.crt"],
               check=True, capture_output=True)
for label in CERTS:
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", label, "-t", ",,", "-i", TMP / f"{label}.crt"],
                   check=True, capture_output=True)


def lookup(label, mode, *extra):
    p = subprocess.run([SEALGATE, "keys", "lookup", "--profile", db, "--no-pgp", "--json", "--timeout", "5",
                        "--revocation", mode, *map(str, extra), f"{label}@example.org"], capture_output=True,
                       timeout=120)
    try:
        return json.loads(p.stdout)[0]["smime"], p.stderr.decode()
    except (ValueError, IndexError, KeyError):
        return {}, p.stdout.decode() + p.stderr.decode()


try:
    for label, mode, status, rev in [
        ("good", "hard-fail", "usable", "good"),
        ("revoked", "soft-fail", "revoked", "revoked"),
        ("revoked", "hard-fail", "revoked", "revoked"),
        ("unknown", "soft-fail", "usable", "revocation_unknown"),
        ("unknown", "hard-fail", "revocation_unknown", None),
        ("unreachable", "soft-fail", "usable", "revocation_unknown"),
        ("unreachable", "hard-fail", "revocation_unknown", None),
        ("forged", "hard-fail", "revocation_unknown", None),
        ("stale", "hard-fail", "revocation_unknown", None),
        ("crlgood", "hard-fail", "usable", "good"),
        ("crlrevoked", "hard-fail", "revoked", "revoked"),
        ("revoked", "off", "usable", None),
    ]:
        f, diag = lookup(label, mode)
        good = f.get("status") == status and (rev is None or f.get("revocation") == rev)
        ok(good, f"keys lookup {label} under {mode}: {status}" + (f", revocation {rev}" if rev else ""),
           json.dumps(f) + diag)
    f, _ = lookup("forged", "hard-fail")
    ok("forged" in (f.get("reason") or ""), "a forged response is named so", json.dumps(f))
    f, _ = lookup("stale", "hard-fail")
    ok("stale" in (f.get("reason") or ""), "a stale response is named so", json.dumps(f))
    f, _ = lookup("crlgood", "hard-fail", "--crl", TMP / "stale.crl")
    ok(f.get("status") == "revocation_unknown" and "stale" in (f.get("reason") or ""),
       "a stale CRL file: revocation_unknown", json.dumps(f))
    f, _ = lookup("crlrevoked", "hard-fail", "--crl", TMP / "ca.crl")
    ok(f.get("status") == "revoked", "a CRL given as a file: revoked", json.dumps(f))

    # the cache: a second answer without the responder, while the first is fresh
    cache = TMP / "cache"
    f1, _ = lookup("good", "hard-fail", "--revocation-cache", cache)
    hits = Handler.hits
    f2, _ = lookup("crlgood", "hard-fail", "--revocation-cache", cache)
    f3, _ = lookup("crlgood", "hard-fail", "--revocation-cache", cache)
    ok(Handler.hits == hits + 1 and f3.get("revocation") == "good", "a CRL is fetched once while it is fresh",
       f"hits {Handler.hits - hits}")
    procs[0].terminate()
    procs[0].wait(10)
    f4, _ = lookup("good", "hard-fail", "--revocation-cache", cache)
    ok(f1.get("revocation") == "good" and f4.get("revocation") == "good" and f4.get("status") == "usable",
       "an OCSP answer comes from the cache while the responder is down", json.dumps(f4))
    f5, _ = lookup("good", "hard-fail")
    ok(f5.get("status") == "revocation_unknown", "...and without the cache it is unknown (the responder is down)",
       json.dumps(f5))

    # sealgate certs check
    p = subprocess.run([SEALGATE, "certs", "check", "crlrevoked@example.org", "--profile", db, "--revocation",
                        "hard-fail", "--json"], capture_output=True, timeout=120)
    doc = json.loads(p.stdout or b"{}")
    c = (doc.get("certificates") or [{}])[0]
    ok(p.returncode == 6 and c.get("revocation") == "revoked" and not c.get("usable"),
       "certs check of a revoked certificate: exit 6, revoked", p.stdout.decode() + p.stderr.decode())
    p = subprocess.run([SEALGATE, "certs", "check", "crlgood@example.org", "--profile", db, "--revocation",
                        "hard-fail"], capture_output=True, timeout=120)
    ok(p.returncode == 0 and "Revocation: not revoked" in p.stdout.decode(), "certs check of a good certificate: exit 0",
       p.stdout.decode() + p.stderr.decode())
    p = subprocess.run([SEALGATE, "certs", "check", "unreachable@example.org", "--profile", db, "--revocation",
                        "soft-fail"], capture_output=True, timeout=120)
    ok(p.returncode == 0 and "Revocation: unknown" in p.stdout.decode(),
       "certs check, responder unreachable, soft-fail: usable, unknown", p.stdout.decode() + p.stderr.decode())
finally:
    for pr in procs:
        pr.terminate()
    for srv in servers:
        srv.shutdown()
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(done())
