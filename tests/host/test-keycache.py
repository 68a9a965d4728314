#!/usr/bin/env python3
"""keys.lookup's cache of GnuPG's answers (core/crypto/keycache.c) through the
real sealgate-host: two lookups in one host give the same answers; a key
imported, a revocation imported, between two lookups is seen by the second
(the key files changed: the cache is dropped); a key whose expiry passes
between two lookups reads expired the second time (the cache keeps key data,
not a verdict). Usage: test-keycache.py SEALGATE-HOST. TAP."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402
from nmhost import FramePipe  # noqa: E402

HOST = sys.argv[1]
TIMEOUT = 60
EXPIRY = 8  # seconds: the key that expires between two lookups
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sg-host-keycache-"))
gnupg, other = tmp / "gnupg", tmp / "other"


def gpg(home, *a, **kw):
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--quiet", *a], capture_output=True, **kw)


def make_key(home, who, expiry="0"):
    gpg(home, "--passphrase", "", "--quick-gen-key", f"{who} <{who}@example.org>", "ed25519", "sign,cert", expiry)
    fpr = [ln.split(":")[9] for ln in gpg(home, "--with-colons", "--list-keys", f"{who}@example.org")
           .stdout.decode().splitlines() if ln.startswith("fpr:")][0]
    gpg(home, "--passphrase", "", "--quick-add-key", fpr, "cv25519", "encr", expiry)
    return fpr


def status(resp, addr):
    for a in resp.get("result", {}).get("answers", []):
        if a["address"] == addr:
            return a.get("pgp", {}).get("status")
    return None


def pgp_of(resp):
    return [(a["address"], a.get("pgp")) for a in resp.get("result", {}).get("answers", [])]


class Host(FramePipe):
    def __init__(self):
        pol = tmp / "policy.json"
        pol.write_text(json.dumps({"version": 1, "internal": {"domains": ["example.org"]}, "keys": {}}))
        env = dict(os.environ, SEALGATE_POLICY=str(pol), XDG_STATE_HOME=str(tmp / "state"),
                   HOME=str(tmp / "nohome"), GNUPGHOME=str(gnupg))
        p = subprocess.Popen([HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        super().__init__(p, TIMEOUT)
        self.n = 0

    def lookup(self, addrs):
        self.n += 1
        return self.request({"id": self.n, "op": "keys.lookup", "recipients": addrs})

    def finish(self):
        _, err = self.p.communicate(timeout=TIMEOUT)
        return self.p.returncode, err.decode(errors="replace")


try:
    for d in (gnupg, other):
        d.mkdir(mode=0o700)
    make_key(gnupg, "ann")
    revoke_fpr = make_key(gnupg, "rex")
    make_key(other, "new")
    new_key = gpg(other, "--export", "new@example.org").stdout
    rev = (gnupg / "openpgp-revocs.d" / f"{revoke_fpr}.rev").read_text().replace(":-----BEGIN", "-----BEGIN")

    h = Host()
    addrs = ["ann@example.org", "rex@example.org", "new@example.org", "nobody@example.org"]
    r1 = h.lookup(addrs)
    r2 = h.lookup(addrs)
    check("result" in r1 and pgp_of(r1) == pgp_of(r2) and status(r1, "ann@example.org") == "usable" and
          status(r1, "new@example.org") == "none", "two lookups in one host: the same answers", (r1, r2))

    gpg(gnupg, "--import", input=new_key)
    r = h.lookup(addrs)
    check(status(r, "new@example.org") == "usable", "a key imported between two lookups is seen", pgp_of(r))

    check(status(r, "rex@example.org") == "usable", "before the revocation: usable", pgp_of(r))
    gpg(gnupg, "--import", input=rev.encode())
    r = h.lookup(addrs)
    check(status(r, "rex@example.org") == "revoked", "a revocation imported between two lookups is seen", pgp_of(r))

    # expires EXPIRY seconds after it is made; OpenPGP times are whole
    # seconds: wait until 2.5 s past it. Made before the host starts, so the
    # key files do not change between the two lookups.
    made = time.time()
    make_key(gnupg, "eve", f"seconds={EXPIRY}")
    gpg(gnupg, "--check-trustdb")  # the trust database settled now, not during the lookups
    h.finish()
    h = Host()
    stamp = [os.stat(gnupg / f).st_mtime_ns for f in ("pubring.kbx", "trustdb.gpg") if (gnupg / f).exists()]
    r = h.lookup(["eve@example.org", "ann@example.org"])
    first_ok = time.time() < made + EXPIRY
    check(not first_ok or status(r, "eve@example.org") == "usable", "the key about to expire: usable", pgp_of(r))
    time.sleep(max(0.0, made + EXPIRY + 2.5 - time.time()))
    r = h.lookup(["eve@example.org", "ann@example.org"])
    check(status(r, "eve@example.org") == "expired" and status(r, "ann@example.org") == "usable",
          "an expiry passing between two lookups: expired the second time", pgp_of(r))
    same = stamp == [os.stat(gnupg / f).st_mtime_ns for f in ("pubring.kbx", "trustdb.gpg") if (gnupg / f).exists()]
    check(same, "the key files did not change between the two (the cache was used, not dropped)",
          (stamp, [os.stat(gnupg / f).st_mtime_ns for f in ("pubring.kbx", "trustdb.gpg")]))
    rc, err = h.finish()
    check(rc == 0 and "ERROR: " not in err, "the host exits 0 without a sanitizer report", err[-2000:])
finally:
    subprocess.run(["gpgconf", "--homedir", str(gnupg), "--kill", "all"], capture_output=True)
    subprocess.run(["gpgconf", "--homedir", str(other), "--kill", "all"], capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(done())
