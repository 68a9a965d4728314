#!/usr/bin/env python3
"""Thunderbird's own OpenPGP readiness through `sealgate keys lookup --profile`:
a profile whose pubring.gpg holds Thunderbird's own test keys (read in place
from ../shared/corpus/tb-openpgp) and keys made here with gpg, and whose
openpgp.sqlite (Thunderbird's schema, in WAL mode with a writer connection
open) holds the acceptance. Usage: test-tbkeys.py SEALGATE CORPUS. Prints TAP;
skips when the corpus is not there."""
import json
import os
import pathlib
import sqlite3
import subprocess
import sys
import tempfile

sealgate, corpus = sys.argv[1], pathlib.Path(os.environ.get("SEALGATE_CORPUS", sys.argv[2]))
keys = corpus / "tb-openpgp" / "keys"
if not keys.is_dir():
    print("1..0 # SKIP no corpus at", keys)
    sys.exit(0)
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-tbkeys-"))
n = 0
failed = 0


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
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)


gh = tmp / "gnupg"
gh.mkdir(mode=0o700)
genv = dict(os.environ, GNUPGHOME=str(gh))


def gpg(*args, **kw):
    return subprocess.run(["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "",
                           *[str(a) for a in args]], capture_output=True, env=genv, **kw)


def binary_public(path):
    """The public key of `path` (armoured or not, public or secret) as OpenPGP packets."""
    gpg("--import", path)
    fpr = [ln.split(":")[9] for ln in gpg("--with-colons", "--import-options", "show-only", "--import", path)
           .stdout.decode().splitlines() if ln.startswith("fpr:")][0]
    return fpr.lower(), gpg("--export", fpr).stdout


def lookup(profile, *addrs, extra=()):
    p = run(sealgate, "keys", "lookup", "--json", "--profile", profile, "--homedir", gh, *extra, *addrs,
            env=dict(os.environ, HOME=str(tmp)))
    try:
        return p, {a["address"]: a for a in json.loads(p.stdout)} if p.stdout else None
    except (json.JSONDecodeError, KeyError):
        return p, None


def client(ans, addr):
    return ((ans or {}).get(addr) or {}).get("client", {}).get("pgp", {})


try:
    prof = tmp / "profile"
    prof.mkdir()
    ring = b""
    fp = {}
    for name, f in [("alice", "alice@openpgp.example-0xf231550c4f47e38e-pub.asc"),
                    ("bob", "bob@openpgp.example-0xfbfcc82a015e7330-pub.asc"),
                    ("carol", "carol@pgp.icu-0xEF2FD01608AFD744-revoked-secret.asc"),
                    ("expsub", "expired-enc-subkey.pub.asc"),
                    ("signonly", "sign-subkey-only-pub.asc"),
                    ("revsigned", "revoked-then-signed.pgp")]:
        fp[name], data = binary_public(keys / f)
        check(len(data) > 0, f"{name}: public key exported from the corpus")
        ring += data
    # keys made here: dave (rejected), erin (accepted for another address),
    # frank (own key, "personal"), gina (only in GnuPG), hank (expired)
    for who, exp in [("dave", "0"), ("erin", "0"), ("frank", "0"), ("gina", "0"), ("hank", "seconds=1")]:
        r = gpg("--quick-gen-key", f"{who} <{who}@example.org>", "ed25519", "sign,cert", exp)
        fpr = [ln.split(":")[9] for ln in gpg("--with-colons", "--list-keys", f"{who}@example.org")
               .stdout.decode().splitlines() if ln.startswith("fpr:")][0]
        gpg("--quick-add-key", fpr, "cv25519", "encr", exp)
        fp[who] = fpr.lower()
        if who != "gina":
            ring += gpg("--export", fpr).stdout
    (prof / "pubring.gpg").write_bytes(ring)

    db = sqlite3.connect(prof / "openpgp.sqlite")
    db.execute("pragma journal_mode=wal")
    db.execute("create table acceptance_email (fpr text not null, email text not null, unique(fpr, email))")
    db.execute("create table acceptance_decision (fpr text not null, decision text not null, unique(fpr))")
    for who, dec, mails in [("alice", "verified", ["alice@openpgp.example"]),
                            ("carol", "verified", ["carol@pgp.icu"]),
                            ("expsub", "unverified", ["expired-enc-subkey@example.org"]),
                            ("signonly", "unverified", ["sign-subkey-only@openpgp.example"]),
                            ("dave", "rejected", []),
                            ("erin", "unverified", ["someone-else@example.org"]),
                            ("frank", "personal", []),
                            ("hank", "verified", ["hank@example.org"])]:
        db.execute("insert into acceptance_decision values (?, ?)", (fp[who], dec))
        for m in mails:
            db.execute("insert into acceptance_email values (?, ?)", (fp[who], m))
    db.commit()  # stays in the write-ahead log: the connection is still open
    check((prof / "openpgp.sqlite-wal").exists(), "the acceptance is in the write-ahead log")

    expect = {
        "alice@openpgp.example": ("usable", "verified", None),
        "ALICE@openpgp.example": ("usable", "verified", None),
        "bob@openpgp.example": ("not_accepted", "undecided", "accept_key"),
        "carol@pgp.icu": ("revoked", "verified", "new_key"),
        "expired-enc-subkey@example.org": ("wrong_usage", "unverified", "new_key"),
        "sign-subkey-only@openpgp.example": ("wrong_usage", "unverified", "new_key"),
        "revoked-then-signed@example.org": ("revoked", "undecided", "new_key"),
        "dave@example.org": ("not_accepted", "rejected", "accept_key"),
        "erin@example.org": ("not_accepted", "undecided", "accept_key"),
        "frank@example.org": ("usable", "personal", None),
        "gina@example.org": ("none", None, "import_key"),
        "nobody@example.org": ("none", None, "import_key"),
    }
    import time
    # hank's one-second keys expire: OpenPGP times are whole seconds and a key
    # counts as expired once creation + 1 s < now, so now must reach creation
    # + 2 s (1.5 s after the creation could still read as creation + 1 s).
    time.sleep(2.5)
    expect["hank@example.org"] = ("expired", "verified", "new_key")
    p, ans = lookup(prof, *expect)
    check(p.returncode == 6 and ans is not None, "lookup answers, not every recipient ready (exit 6)",
          p.stderr + p.stdout)
    for addr, (status, acc, fix) in expect.items():
        c = client(ans, addr)
        check(c.get("status") == status and c.get("acceptance") == acc and c.get("fix") == fix,
              f"{addr}: {status}, acceptance {acc}, fix {fix}", json.dumps((ans or {}).get(addr), indent=1))
        check(((ans or {}).get(addr) or {}).get("ready") == (status == "usable"),
              f"{addr}: ready means Thunderbird encrypts to it")
    check(client(ans, "alice@openpgp.example").get("fingerprint") == fp["alice"], "alice: the fingerprint")
    g = (ans or {}).get("gina@example.org", {})
    check(g.get("pgp", {}).get("status") == "usable" and "GnuPG has one" in client(ans, "gina@example.org")
          .get("reason", ""), "gina: GnuPG knows a usable key, Thunderbird does not: said so",
          json.dumps(g, indent=1))
    a = (ans or {}).get("alice@openpgp.example", {})
    check(a.get("pgp", {}).get("status") == "usable" and a.get("pgp", {}).get("method") == "gnupg",
          "alice: the other sources are still reported")

    # only ready recipients: exit 0
    p, ans = lookup(prof, "alice@openpgp.example", "frank@example.org")
    check(p.returncode == 0, "every recipient ready in Thunderbird: exit 0", p.stderr)

    # the human-readable form says the fix
    p = run(sealgate, "keys", "lookup", "--profile", prof, "--homedir", gh, "bob@openpgp.example",
            env=dict(os.environ, HOME=str(tmp)))
    check(p.returncode == 6 and "thunderbird pgp:" in p.stdout and "fix: accept_key" in p.stdout,
          "text output: the client finding and its fix", p.stdout + p.stderr)

    # acceptance changed while "Thunderbird" (our writer) keeps the database open
    db.execute("insert into acceptance_decision values (?, 'unverified')", (fp["bob"],))
    db.execute("insert into acceptance_email values (?, 'bob@openpgp.example')", (fp["bob"],))
    db.commit()
    p, ans = lookup(prof, "bob@openpgp.example")
    check(client(ans, "bob@openpgp.example").get("status") == "usable", "a new acceptance is seen at once (WAL)",
          p.stdout + p.stderr)
    # the writer is never locked out: it writes right after a lookup
    db.execute("delete from acceptance_email where fpr = ?", (fp["bob"],))
    db.commit()
    check(True, "the writer commits after the lookup")
    p, ans = lookup(prof, "bob@openpgp.example")
    check(client(ans, "bob@openpgp.example").get("status") == "not_accepted", "and its removal too")
    db.close()

    # a profile without pubring.gpg and openpgp.sqlite: nothing is ready
    empty = tmp / "empty"
    empty.mkdir()
    p, ans = lookup(empty, "alice@openpgp.example")
    check(p.returncode == 6 and client(ans, "alice@openpgp.example").get("status") == "none",
          "an empty profile: no key in Thunderbird's keyring", p.stdout + p.stderr)

    # limits: a keyring one byte past SG_TBKEYS_KEYRING_MAX (sparse)
    big = tmp / "big"
    big.mkdir()
    with open(big / "pubring.gpg", "wb") as f:
        f.truncate(64 * 1024 * 1024 + 1)
    p, ans = lookup(big, "alice@openpgp.example")
    c = client(ans, "alice@openpgp.example")
    check(c.get("status") == "lookup_failed" and "larger than" in c.get("reason", "") and p.returncode == 6,
          "a keyring one byte past the limit: lookup_failed, not ready", p.stdout + p.stderr)
    # a keyring of garbage: not ready, never an answer of "usable"
    junk = tmp / "junk"
    junk.mkdir()
    (junk / "pubring.gpg").write_bytes(os.urandom(4096))
    p, ans = lookup(junk, "alice@openpgp.example")
    check(p.returncode == 6 and client(ans, "alice@openpgp.example").get("status") in ("lookup_failed", "none"),
          "a keyring of random bytes: not ready", p.stdout + p.stderr)
    # an openpgp.sqlite that is not a database: lookup_failed
    bad = tmp / "bad"
    bad.mkdir()
    (bad / "pubring.gpg").write_bytes(ring)
    (bad / "openpgp.sqlite").write_bytes(b"not a database" * 100)
    p, ans = lookup(bad, "alice@openpgp.example")
    check(client(ans, "alice@openpgp.example").get("status") == "lookup_failed",
          "an openpgp.sqlite that is not a database: lookup_failed", p.stdout + p.stderr)
finally:
    print(f"1..{n}")
    subprocess.run(["gpgconf", "--kill", "all"], env=genv, capture_output=True)
    subprocess.run(["rm", "-rf", str(tmp)])
sys.exit(1 if failed else 0)
