#!/usr/bin/env python3
"""keys.lookup through the command line: S/MIME certificates from a Thunderbird
profile found through a fake HOME (profiles.ini, installs.ini) and from a
certificate store; OpenPGP keys from a GnuPG keyring made here; WKD against a
local HTTPS server with a certificate from the test CA (real TLS verification
against that CA; the test hook --wkd-connect only says where the host is).
Usage: test-keys.py SEALGATE MAKE_FIXTURES. Prints TAP."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from wkd import HANG, WkdServer, make_tls  # noqa: E402

sealgate, make_fixtures = sys.argv[1], sys.argv[2]
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-keys-"))
fx = tmp / "fx"
n = 0
failed = 0


def check(ok, desc, diag=None):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
    if not ok:
        failed += 1
        if diag:
            for line in str(diag).splitlines()[:20]:
                print(f"# {line}")
    return ok


def run(*args, env=None, text=True, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=text, env=env, **kw)


def lookup(*args, home=None, **kw):
    env = dict(os.environ, HOME=str(home or tmp / "nohome"))
    p = run(sealgate, "keys", "lookup", "--json", *args, env=env, **kw)
    try:
        return p, json.loads(p.stdout) if p.stdout else None
    except json.JSONDecodeError:
        return p, None


try:
    check(run("sh", make_fixtures, fx).returncode == 0, "fixtures made")
    pw = (fx / "PASSPHRASE").read_text().strip()

    # ---- a fake Thunderbird home: two profiles, the default one has alice
    home = tmp / "home"
    tb = home / ".thunderbird"
    for d in ["Profiles/aaa.default", "Profiles/bbb.work"]:
        (tb / d).mkdir(parents=True)
        run("certutil", "-N", "-d", f"sql:{tb / d}", "--empty-password")
    run("pk12util", "-i", fx / "alice.p12", "-d", f"sql:{tb / 'Profiles/bbb.work'}", "-W", pw, "-K", "")
    (tb / "profiles.ini").write_text(
        "[General]\nStartWithLastProfile=1\nVersion=2\n\n"
        "[Profile1]\nName=default\nIsRelative=1\nPath=Profiles/aaa.default\nDefault=1\n\n"
        "[Profile0]\nName=work\nIsRelative=1\nPath=Profiles/bbb.work\n\n"
        "[InstallFDC34C9F024745EB]\nDefault=Profiles/bbb.work\nLocked=1\n")
    (tb / "installs.ini").write_text("[FDC34C9F024745EB]\nDefault=Profiles/bbb.work\nLocked=1\n")
    p, j = lookup("--no-pgp", "alice@corp.example", home=home)
    check(p.returncode == 0 and j and j[0]["smime"]["status"] == "usable" and j[0]["smime"]["method"] == "nss-db",
          "default profile from installs.ini (relative Path): alice's certificate found", p.stderr or p.stdout)
    (tb / "installs.ini").unlink()
    (tb / "profiles.ini").write_text(
        "[Profile1]\nName=default\nIsRelative=1\nPath=Profiles/aaa.default\nDefault=1\n\n"
        f"[Profile0]\nName=work\nIsRelative=0\nPath={tb / 'Profiles/bbb.work'}\n")
    p, j = lookup("--no-pgp", "alice@corp.example", home=home)
    check(p.returncode == 6 and j and j[0]["smime"]["status"] == "none",
          "Default=1 picks the other profile (no alice there): exit 6", p.stderr or p.stdout)
    (tb / "profiles.ini").write_text(
        "[Profile1]\nName=default\nIsRelative=1\nPath=Profiles/aaa.default\n\n"
        f"[Profile0]\nName=work\nIsRelative=0\nPath={tb / 'Profiles/bbb.work'}\nDefault=1\n")
    p, j = lookup("--no-pgp", "alice@corp.example", home=home)
    check(p.returncode == 0 and j and j[0]["smime"]["method"] == "nss-db",
          "Default=1 on an absolute (IsRelative=0) profile", p.stderr or p.stdout)
    p, j = lookup("--no-pgp", "--no-profile", "alice@corp.example", home=home)
    check(p.returncode == 6 and j[0]["smime"]["status"] == "none", "--no-profile: the profile is not read")
    p, j = lookup("--no-pgp", "--profile", tb / "Profiles/aaa.default", "alice@corp.example", home=home)
    check(p.returncode == 6, "--profile DIR overrides the discovery")
    p, j = lookup("--no-pgp", "--profile", tmp / "missing", "alice@corp.example", home=home)
    check(p.returncode == 1 and "nss_db_unavailable" in p.stderr, "a missing database: nss_db_unavailable",
          p.stderr)

    # ---- S/MIME readiness from a store: good, expired, no emailProtection, another address, none
    other = tmp / "other"
    other.mkdir()
    (other / "ext.cnf").write_text("[x]\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                                   "extendedKeyUsage=emailProtection\nsubjectAltName=email:dave@corp.example\n")
    run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", other / "carol.key", "-out",
        other / "carol.csr", "-subj", "/CN=carol/emailAddress=carol@corp.example")
    run("openssl", "x509", "-req", "-in", other / "carol.csr", "-CA", fx / "inter.pem", "-CAkey", fx / "inter.key",
        "-set_serial", "777", "-days", "30", "-extfile", other / "ext.cnf", "-extensions", "x", "-out",
        other / "carol.pem")
    cases = [
        (fx / "bob.pem", "bob@partner.example", "usable", None),
        (fx / "expired.pem", "alice@corp.example", "expired", "expired on 2021-01-01"),
        (fx / "noeku.pem", "alice@corp.example", "wrong_usage", "emailProtection"),
        # the subject's emailAddress and the subjectAltName both cover, as
        # NSS and certutil --email answer (checked below)
        (other / "carol.pem", "carol@corp.example", "usable", None),
        (other / "carol.pem", "dave@corp.example", "usable", None),
        (other / "carol.pem", "erin@corp.example", "none", "no certificate"),
        (fx / "bob.pem", "nobody@corp.example", "none", "no certificate"),
    ]
    for store, addr, status, reason in cases:
        p, j = lookup("--no-pgp", "--no-profile", "--certs", store, addr)
        s = j[0]["smime"] if j else {}
        check(s.get("status") == status and (reason is None or reason in s.get("reason", "")) and
              p.returncode == (0 if status == "usable" else 6),
              f"S/MIME {addr} with {store.name}: {status}" + (f" ({reason})" if reason else ""), p.stdout + p.stderr)
    # one answer for keys.lookup, smime encrypt --nss-db and certutil
    cdb = tmp / "carol-db"
    cdb.mkdir()
    run("certutil", "-N", "-d", f"sql:{cdb}", "--empty-password")
    run("certutil", "-A", "-d", f"sql:{cdb}", "-n", "carol", "-t", ",,", "-i", other / "carol.pem")
    (tmp / "m.txt").write_text("hello\n")
    for addr in ("carol@corp.example", "dave@corp.example", "erin@corp.example"):
        peer = run("certutil", "-L", "-d", f"sql:{cdb}", "--email", addr).returncode == 0
        p, j = lookup("--no-pgp", "--profile", cdb, addr)
        ours = bool(j) and j[0]["smime"]["status"] != "none"
        enc = run(sealgate, "smime", "encrypt", "--nss-db", cdb, "--to", addr, "-o", tmp / "m.p7m", tmp / "m.txt")
        check(ours == peer and (enc.returncode == 0) == peer,
              f"{addr}: keys lookup, smime encrypt --nss-db and certutil --email agree ({peer})",
              p.stdout + enc.stderr)
    p, j = lookup("--no-pgp", "--no-profile", "--certs", fx, "alice@corp.example")
    check(j and j[0]["smime"]["status"] == "usable" and j[0]["smime"]["serial"],
          "a store directory with good and bad certificates for one address: the usable one")
    p = run(sealgate, "keys", "lookup", "--no-pgp", "--no-profile", "--certs", fx / "expired.pem",
            "alice@corp.example")
    check(p.returncode == 6 and "not ready" in p.stdout and "expired on 2021-01-01" in p.stdout,
          "text output says why", p.stdout)

    # ---- GnuPG: good, expired, revoked, sign-only, none
    gh = tmp / "gnupg"
    gh.mkdir(mode=0o700)
    genv = dict(os.environ, GNUPGHOME=str(gh))

    def gpg(*a, home_=gh, **kw):
        return run("gpg", "--homedir", home_, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", *a, **kw)

    gpg("--quick-gen-key", "Good <good@pgp.example>", "future-default", "default", "never")
    gpg("--faked-system-time", "20200101T000000", "--quick-gen-key", "Old <old@pgp.example>", "future-default",
        "default", "2020-06-01")
    gpg("--quick-gen-key", "Gone <gone@pgp.example>", "future-default", "default", "never")
    gpg("--quick-gen-key", "Signer <sign@pgp.example>", "ed25519", "sign", "never")
    fpr = [l.split(":")[9] for l in gpg("--with-colons", "--list-keys", "gone@pgp.example").stdout.splitlines()
           if l.startswith("fpr:")][0]
    rev = (gh / "openpgp-revocs.d" / f"{fpr}.rev").read_text().replace(":-----BEGIN", "-----BEGIN")
    (tmp / "rev.asc").write_text(rev)
    gpg("--import", tmp / "rev.asc")
    pgp_cases = [
        ("good@pgp.example", "usable", None),
        ("old@pgp.example", "expired", "expired on 2020-06-01"),
        ("gone@pgp.example", "revoked", "revoked"),
        ("sign@pgp.example", "wrong_usage", "cannot encrypt"),
        ("nobody@pgp.example", "none", "no key"),
    ]
    p, j = lookup("--no-profile", "--homedir", gh, *[c[0] for c in pgp_cases])
    check(p.returncode == 6 and j and len(j) == 5, "GnuPG lookup of 5 addresses", p.stderr)
    for (addr, status, reason), a in zip(pgp_cases, j or []):
        g = a["pgp"]
        check(g.get("status") == status and (reason is None or reason in g.get("reason", "")) and
              (status != "usable" or (g.get("fingerprint") and g.get("method") == "gnupg" and a["ready"])),
              f"OpenPGP {addr}: {status}" + (f" ({reason})" if reason else ""), json.dumps(a))

    # ---- WKD over HTTPS: a server for openpgpkey.wkd.example, certificate from the test CA
    wh = tmp / "wkd-gnupg"
    wh.mkdir(mode=0o700)
    gpg("--quick-gen-key", "Web <web@wkd.example>", "future-default", "default", "never", home_=wh)
    gpg("--quick-gen-key", "Stranger <stranger@else.example>", "future-default", "default", "never", home_=wh)
    keys = {
        "web": gpg("--export", "web@wkd.example", home_=wh, text=False).stdout,
        "mismatch": gpg("--export", "stranger@else.example", home_=wh, text=False).stdout,
    }
    chain, tls_key = make_tls(fx, tmp / "srv")
    server = WkdServer(chain, tls_key, {"web": keys["web"], "mismatch": keys["mismatch"], "hang": HANG,
                                        "big": b"\x99" * (256 * 1024 + 1)})
    hits, port = server.hits, server.port
    wkd = ["--no-profile", "--homedir", gh, "--wkd", "--wkd-ca-file", fx / "root.pem",
           "--wkd-connect", f"127.0.0.1:{port}", "--timeout", "2"]

    t0 = time.monotonic()
    p, j = lookup(*wkd, "web@wkd.example", "nokey@wkd.example", "mismatch@wkd.example", "hang@wkd.example",
                  "big@wkd.example", "good@pgp.example")
    took = time.monotonic() - t0
    byaddr = {a["address"]: a["pgp"] for a in (j or [])}
    w = byaddr.get("web@wkd.example", {})
    check(w.get("status") == "usable" and w.get("method") == "wkd" and w.get("fingerprint"),
          "WKD: a usable key found over HTTPS (advanced method)", json.dumps(w) + p.stderr)
    check(any(h == "openpgpkey.wkd.example" and path.startswith("/.well-known/openpgpkey/wkd.example/hu/")
              for h, path in hits), "the request named the real host", hits)
    check("WKD: HTTP 404" in byaddr.get("nokey@wkd.example", {}).get("reason", "") and
          byaddr["nokey@wkd.example"]["status"] == "lookup_failed", "WKD: HTTP 404 reported",
          json.dumps(byaddr.get("nokey@wkd.example")))
    check(byaddr.get("mismatch@wkd.example", {}).get("status") == "wrong_address",
          "WKD: a key without the address in its user ids is not taken", json.dumps(byaddr.get("mismatch@wkd.example")))
    check("timed out" in byaddr.get("hang@wkd.example", {}).get("reason", ""), "WKD: a server that never answers: "
          "lookup timed out", json.dumps(byaddr.get("hang@wkd.example")))
    check("larger than" in byaddr.get("big@wkd.example", {}).get("reason", ""),
          "WKD: an answer one byte past the limit is refused", json.dumps(byaddr.get("big@wkd.example")))
    check(byaddr.get("good@pgp.example", {}).get("method") == "gnupg", "the keyring first: no WKD for a usable key")
    check(took < 30, f"the timeout bounds the lookup ({took:.1f} s)")
    p2 = gpg("--list-keys", "web@wkd.example")
    check(p2.returncode != 0, "the WKD key was not imported into the user's keyring")
    p, j = lookup("--no-profile", "--homedir", gh, "--wkd", "--wkd-connect", f"127.0.0.1:{port}", "--timeout", "2",
                  "web@wkd.example")
    check(j and j[0]["pgp"]["status"] == "lookup_failed" and "WKD" in j[0]["pgp"]["reason"],
          "WKD without the test CA: the TLS certificate is refused", json.dumps(j))
    p, j = lookup("--no-profile", "--homedir", gh, "web@wkd.example")
    check(j and j[0]["pgp"]["status"] == "none", "without --wkd no network lookup")

    # ---- usage and limits
    p = run(sealgate, "keys", "lookup", "--timeout", "121", "a@b.example")
    check(p.returncode == 2, "--timeout 121: usage error")
    p = run(sealgate, "keys", "lookup", "--timeout", "0", "a@b.example")
    check(p.returncode == 2, "--timeout 0: usage error")
    p = run(sealgate, "keys", "lookup")
    check(p.returncode == 2, "no address: usage error")
    p, j = lookup("--no-profile", "--no-pgp", *(["x@y.example"] * 501))
    check(p.returncode == 1 and "limit_exceeded" in p.stderr, "501 addresses: limit_exceeded", p.stderr)
    p, j = lookup("--no-profile", "--no-pgp", "not-an-address")
    check(p.returncode == 1 and "address_syntax" in p.stderr, "not an address: address_syntax", p.stderr)
finally:
    for d in ["gnupg", "wkd-gnupg"]:
        if (tmp / d).exists():
            run("gpgconf", "--homedir", tmp / d, "--kill", "all")
    shutil.rmtree(tmp, ignore_errors=True)

print(f"1..{n}")
sys.exit(1 if failed else 0)
