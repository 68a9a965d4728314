#!/usr/bin/env python3
"""keys.lookup through the real sealgate-host: S/MIME certificates from the NSS
database of the profile the host's parent holds locked (.parentlock), of the
default profile, or of the policy's keys.nss_db, and from keys.certificate_store;
OpenPGP keys from a GnuPG keyring (make-pgp-fixtures.sh) and, with
keys.network_lookups, from a local HTTPS Web Key Directory (tests/common/wkd.py).
The lookup is asynchronous: a request sent after a slow lookup is answered
first. The host's answers are the CLI's `keys lookup --json` answers.
Usage: test-keys.py SEALGATE-HOST SEALGATE MAKE-FIXTURES MAKE-PGP-FIXTURES. TAP."""
import json
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402
from nmhost import FramePipe  # noqa: E402
from wkd import HANG, WkdServer, make_tls  # noqa: E402

HOST, CLI, MAKE_FX, MAKE_PGP = sys.argv[1:5]
TIMEOUT = 60
RECIPIENTS_MAX = 500
FDS_MAX = 4096  # SG_TBPROFILE_FDS_MAX
ADDRESS_MAX = 254
QUEUE_MAX = 4
tmp = pathlib.Path(tempfile.mkdtemp(prefix="sg-host-keys-"))

# The host's parent: holds LOCK (a profile's .parentlock) open, as a running
# Thunderbird does, and runs the host as its child with stdio passed through.
# With BEFORE > 0 it first holds other files open so that the lock is the
# (BEFORE+1)-th entry of /proc/PID/fd (numeric order, no holes).
PARENT = ("import os, resource, subprocess, sys\n"
          "lock, before = sys.argv[1], int(sys.argv[2])\n"
          "if before:\n"
          "    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
          "    want = before + 64\n"
          "    if soft != resource.RLIM_INFINITY and soft < want:\n"
          "        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))\n"
          "    for _ in range(before - (len(os.listdir('/proc/self/fd')) - 1)):\n"
          "        os.open('/dev/null', os.O_RDONLY)\n"
          "fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644) if lock else None\n"
          "sys.exit(subprocess.call(sys.argv[3:]))\n")


ENDS = []  # (status, stderr) of every host: each must exit 0 without a sanitizer report


class Host(FramePipe):
    def __init__(self, policy, lock=None, home=None, gnupg=None, env_extra=None, before=0):
        env = dict(os.environ, SEALGATE_POLICY=str(policy), XDG_STATE_HOME=str(tmp / "state"),
                   HOME=str(home or tmp / "nohome"))
        if gnupg:
            env["GNUPGHOME"] = str(gnupg)
        env.update(env_extra or {})
        p = subprocess.Popen([sys.executable, "-c", PARENT, str(lock or ""), str(before), HOST], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        super().__init__(p, TIMEOUT)

    def finish(self):
        try:
            _, err = self.p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate()
            ENDS.append((None, err.decode(errors="replace")))
            return ENDS[-1]
        ENDS.append((self.p.returncode, err.decode(errors="replace")))
        return ENDS[-1]


def lookup(h, id_, recipients, **extra):
    return h.request(dict({"id": id_, "op": "keys.lookup", "recipients": recipients}, **extra))


def run(*a, **kw):
    return subprocess.run([str(x) for x in a], capture_output=True, text=True, **kw)


def policy(name, keys):
    p = tmp / f"{name}.json"
    p.write_text(json.dumps({"version": 1, "internal": {"domains": ["corp.example"]}, "keys": keys}))
    return p


def make_profile(d, certs):
    d.mkdir(parents=True)
    run("certutil", "-N", "-d", f"sql:{d}", "--empty-password")
    for nick, pem in certs:
        r = run("certutil", "-A", "-n", nick, "-t", ",,", "-i", pem, "-d", f"sql:{d}")
        if r.returncode:
            raise RuntimeError(r.stderr)
    (d / "prefs.js").write_text("// a profile\n")
    return d


def leaf(name, email, ext, fx):
    """A certificate from the test intermediate: subject email `email`, extensions `ext`."""
    (tmp / f"{name}.cnf").write_text(f"[x]\n{ext}\n")
    run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp / f"{name}.key", "-out",
        tmp / f"{name}.csr", "-subj", f"/CN={name}/emailAddress={email}")
    run("openssl", "x509", "-req", "-in", tmp / f"{name}.csr", "-CA", fx / "inter.pem", "-CAkey", fx / "inter.key",
        "-set_serial", str(abs(hash(name)) % 100000 + 1000), "-days", "30", "-extfile", tmp / f"{name}.cnf",
        "-extensions", "x", "-out", tmp / f"{name}.pem")
    return tmp / f"{name}.pem"


def answers_by_address(resp):
    return {a["address"]: a for a in resp.get("result", {}).get("answers", [])}


server = None
gnupg_homes = []
try:
    fx, pgp = tmp / "fx", tmp / "pgp"
    check(run("sh", MAKE_FX, fx).returncode == 0 and run("sh", MAKE_PGP, pgp).returncode == 0, "fixtures made")
    gnupg = pgp / "home"
    gnupg_homes.append(gnupg)
    carol = leaf("carol", "carol@corp.example", "keyUsage=critical,digitalSignature,keyEncipherment\n"
                 "extendedKeyUsage=emailProtection\nsubjectAltName=email:dave@corp.example", fx)
    dan = leaf("dan", "dan@corp.example", "keyUsage=critical,digitalSignature,keyEncipherment\n"
               "extendedKeyUsage=serverAuth\nsubjectAltName=email:dan@corp.example", fx)
    prof = make_profile(tmp / "profile", [("bob", fx / "bob.pem"), ("expired", fx / "expired.pem"),
                                          ("carol", carol), ("dan", dan)])

    # Thunderbird's own OpenPGP keyring in the profile: bob's key (from the
    # GnuPG keyring), accepted for his address in openpgp.sqlite
    (prof / "pubring.gpg").write_bytes(subprocess.run(["gpg", "--homedir", str(gnupg), "--export",
                                                       "bob@partner.example"], capture_output=True).stdout)
    bob_fpr = [ln.split(":")[9] for ln in subprocess.run(
        ["gpg", "--homedir", str(gnupg), "--with-colons", "--list-keys", "bob@partner.example"],
        capture_output=True, text=True).stdout.splitlines() if ln.startswith("fpr:")][0].lower()
    acc = sqlite3.connect(prof / "openpgp.sqlite")
    acc.execute("create table acceptance_email (fpr text not null, email text not null, unique(fpr, email))")
    acc.execute("create table acceptance_decision (fpr text not null, decision text not null, unique(fpr))")
    acc.execute("insert into acceptance_decision values (?, 'verified')", (bob_fpr,))
    acc.execute("insert into acceptance_email values (?, 'bob@partner.example')", (bob_fpr,))
    acc.commit()
    acc.close()

    # ---- the parent's profile, a certificate store, the GnuPG keyring
    pol = policy("local", {"certificate_store": str(fx / "mallory.pem")})
    h = Host(pol, lock=prof / ".parentlock", gnupg=gnupg)
    addrs = ["bob@partner.example", "alice@corp.example", "carol@corp.example", "dan@corp.example",
             "nobody@corp.example", "mallory@other.example", "old@corp.example", "revoked@corp.example"]
    r = lookup(h, 1, addrs)
    res = r.get("result", {})
    by = answers_by_address(r)
    check(r.get("id") == 1 and len(res.get("answers", [])) == len(addrs) and
          [a["address"] for a in res["answers"]] == addrs, "answers for every recipient, in order", r)
    src = res.get("sources", {})
    check(src.get("profile_from") == "parent" and src.get("nss_db") == str(prof),
          "the NSS database is the profile the parent holds locked (.parentlock)", src)
    check(src.get("certificate_store") == str(fx / "mallory.pem") and src.get("gnupg") is True and
          src.get("wkd") is False, "sources: the certificate store, GnuPG, no WKD", src)
    s = lambda a: by.get(a, {}).get("smime", {})  # noqa: E731
    g = lambda a: by.get(a, {}).get("pgp", {})  # noqa: E731
    check(s("bob@partner.example").get("status") == "usable" and s("bob@partner.example").get("usable") is True and
          s("bob@partner.example").get("method") == "nss-db" and s("bob@partner.example").get("serial") and
          s("bob@partner.example").get("fingerprint") and s("bob@partner.example").get("expires"),
          "S/MIME usable from the profile: method, serial, fingerprint, expires", by.get("bob@partner.example"))
    check(s("alice@corp.example").get("status") == "expired" and
          "expired on 2021-01-01" in s("alice@corp.example").get("reason", ""), "S/MIME expired: says when",
          s("alice@corp.example"))
    # carol's certificate names her in the subject's emailAddress and dave in
    # its subjectAltName: NSS (and so Thunderbird and certutil --email) takes
    # both as the certificate's addresses, and so does keys.lookup.
    check(s("carol@corp.example").get("status") == "usable",
          "S/MIME named in the subject's emailAddress, another address in the subjectAltName: usable, as NSS sees it",
          s("carol@corp.example"))
    check(s("dan@corp.example").get("status") == "wrong_usage" and
          "emailProtection" in s("dan@corp.example").get("reason", ""), "S/MIME without emailProtection: wrong_usage",
          s("dan@corp.example"))
    check(s("nobody@corp.example").get("status") == "none" and s("nobody@corp.example").get("usable") is False and
          s("nobody@corp.example").get("reason") == "no certificate", "S/MIME none: no certificate",
          s("nobody@corp.example"))
    check(s("mallory@other.example").get("status") == "usable" and
          s("mallory@other.example").get("method") == "cert-store", "S/MIME usable from keys.certificate_store",
          s("mallory@other.example"))
    check(g("bob@partner.example").get("status") == "usable" and g("bob@partner.example").get("method") == "gnupg",
          "OpenPGP usable from the keyring", g("bob@partner.example"))
    check(g("old@corp.example").get("status") == "expired", "OpenPGP expired", g("old@corp.example"))
    check(g("revoked@corp.example").get("status") == "revoked", "OpenPGP revoked", g("revoked@corp.example"))
    check(g("nobody@corp.example").get("status") == "none" and
          g("nobody@corp.example").get("reason") == "no key in the keyring", "OpenPGP none, no network lookup",
          g("nobody@corp.example"))
    # ready: what Thunderbird itself encrypts with (issue 19); the other
    # sources stay in smime/pgp, and client.* says what makes it usable
    c = lambda a, m: by.get(a, {}).get("client", {}).get(m, {})  # noqa: E731
    check(by.get("bob@partner.example", {}).get("ready") is True and
          by.get("alice@corp.example", {}).get("ready") is False and
          by.get("nobody@corp.example", {}).get("ready") is False,
          "ready: a certificate in the profile's NSS database or a key accepted in Thunderbird", by)
    check(g("alice@corp.example").get("status") == "usable" and c("alice@corp.example", "pgp").get("status") ==
          "none" and c("alice@corp.example", "pgp").get("fix") == "import_key" and
          "GnuPG has one" in c("alice@corp.example", "pgp").get("reason", ""),
          "a key only in GnuPG: not ready in Thunderbird, import_key", by.get("alice@corp.example"))
    check(c("mallory@other.example", "smime").get("status") == "none" and
          c("mallory@other.example", "smime").get("fix") == "import_certificate" and
          by.get("mallory@other.example", {}).get("ready") is False,
          "a certificate only in keys.certificate_store: not ready in Thunderbird, import_certificate",
          by.get("mallory@other.example"))
    check(c("bob@partner.example", "pgp").get("status") == "usable" and
          c("bob@partner.example", "pgp").get("acceptance") == "verified" and
          c("bob@partner.example", "smime").get("method") == "nss-db",
          "bob: accepted in Thunderbird's Key Manager, certificate in its NSS database", by.get("bob@partner.example"))
    check(res.get("smime_ready") is False and res.get("openpgp_ready") is False,
          "smime_ready/openpgp_ready false when some recipient lacks one")
    r = lookup(h, 2, ["bob@partner.example"])
    check(r.get("result", {}).get("smime_ready") is True and r["result"].get("openpgp_ready") is True,
          "smime_ready and openpgp_ready when every recipient has both in Thunderbird", r)
    r = lookup(h, 6, ["bob@partner.example", "mallory@other.example"])
    check(r.get("result", {}).get("smime_ready") is False and r["result"].get("openpgp_ready") is False and
          r["result"].get("sources", {}).get("client_profile") == str(prof),
          "smime_ready/openpgp_ready false when a recipient is known only outside Thunderbird", r)
    r = lookup(h, 3, ["bob@partner.example"], methods=["smime"])
    a = r.get("result", {}).get("answers", [{}])[0]
    check("smime" in a and "pgp" not in a and r["result"].get("openpgp_ready") is False and
          r["result"]["sources"].get("gnupg") is False, "methods [smime]: no OpenPGP lookup", r)
    r = lookup(h, 4, ["bob@partner.example"], methods=["openpgp"])
    a = r.get("result", {}).get("answers", [{}])[0]
    check("pgp" in a and "smime" not in a and r["result"].get("smime_ready") is False and a.get("ready") is True,
          "methods [openpgp]: no S/MIME answer", r)

    # The CLI prints the same per-recipient JSON (one function in core/crypto/crypto-json.c).
    p = run(CLI, "keys", "lookup", "--json", "--profile", prof, "--certs", fx / "mallory.pem", "--homedir", gnupg,
            *addrs)
    try:
        cli = json.loads(p.stdout)
    except json.JSONDecodeError:
        cli = None
    r = lookup(h, 5, addrs)
    check(cli == r.get("result", {}).get("answers"), "the host's answers are `sealgate keys lookup --json`'s",
          f"{p.stderr}\n{json.dumps(cli)[:800]}\n{json.dumps(r)[:800]}")

    # ---- bad requests and limits, answered at once with a stable code
    bad = [
        ({"id": 10, "op": "keys.lookup"}, "invalid_request", "recipients: required"),
        ({"id": 11, "op": "keys.lookup", "recipients": "bob@partner.example"}, "invalid_request", "recipients"),
        ({"id": 12, "op": "keys.lookup", "recipients": []}, "invalid_request", "must not be empty"),
        ({"id": 13, "op": "keys.lookup", "recipients": [1]}, "invalid_request", "recipients[0]: expected a string"),
        ({"id": 14, "op": "keys.lookup", "recipients": ["a@b.example"], "wkd": True}, "invalid_request",
         "wkd: unknown key"),
        ({"id": 15, "op": "keys.lookup", "recipients": ["a@b.example"], "methods": ["x509"]}, "invalid_request",
         "methods[0]"),
        ({"id": 16, "op": "keys.lookup", "recipients": ["a@b.example"], "methods": "smime"}, "invalid_request",
         "methods"),
        ({"id": 17, "op": "keys.lookup", "recipients": ["a@b.example"], "methods": []}, "invalid_request",
         "methods"),
        ({"id": 18, "op": "keys.lookup", "recipients": ["x@y.example"] * (RECIPIENTS_MAX + 1)}, "limit_exceeded",
         f"more than {RECIPIENTS_MAX}"),
        ({"id": 19, "op": "keys.lookup", "recipients": ["a" * (ADDRESS_MAX - 9) + "@b.example"]}, "limit_exceeded",
         f"longer than {ADDRESS_MAX}"),
        ({"id": 20, "op": "keys.lookup", "recipients": ["not-an-address"]}, "address_syntax", "not-an-address"),
    ]
    for req, code, msg in bad:
        r = h.request(req)
        e = r.get("error", {})
        check(r.get("id") == req["id"] and e.get("code") == code and msg in e.get("message", ""),
              f"{code}: {msg}", r)
    r = lookup(h, 21, ["x@y.example"] * RECIPIENTS_MAX, methods=["smime"])
    check(len(r.get("result", {}).get("answers", [])) == RECIPIENTS_MAX, f"{RECIPIENTS_MAX} recipients: answered",
          str(r)[:300])
    r = lookup(h, 22, ["a" * (ADDRESS_MAX - 10) + "@b.example"], methods=["smime"])
    check("result" in r, f"an address of {ADDRESS_MAX} bytes: answered", str(r)[:300])
    st, err = h.finish()
    check(st == 0, "the host exits 0 at EOF", err)

    # ---- WKD: a local HTTPS server, certificate from the test CA
    wh = tmp / "wkd-gnupg"
    wh.mkdir(mode=0o700)
    gnupg_homes.append(wh)
    run("gpg", "--homedir", wh, "--batch", "--passphrase", "", "--quick-gen-key", "Web <web@wkd.example>",
        "future-default", "default", "never")
    web = subprocess.run(["gpg", "--homedir", str(wh), "--export", "web@wkd.example"], capture_output=True).stdout
    chain, tls_key = make_tls(fx, tmp / "srv")
    server = WkdServer(chain, tls_key, {"web": web, "hang": HANG}, hang_seconds=8)
    wenv = {"SEALGATE_TEST_WKD_CONNECT": server.connect, "SEALGATE_TEST_WKD_CA_FILE": str(fx / "root.pem")}

    h = Host(pol, lock=prof / ".parentlock", gnupg=gnupg, env_extra=wenv)
    r = lookup(h, 30, ["web@wkd.example"])
    check(r.get("result", {}).get("answers", [{}])[0].get("pgp", {}).get("status") == "none" and not server.hits and
          r["result"]["sources"].get("wkd") is False, "network_lookups false: WKD is not tried", r)
    h.finish()

    # A default profile under HOME (no lock held by the parent).
    home = tmp / "home"
    dprof = make_profile(home / ".thunderbird" / "Profiles" / "d.default", [("bob", fx / "bob.pem")])
    (home / ".thunderbird" / "profiles.ini").write_text(
        "[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/d.default\nDefault=1\n")
    wpol = policy("wkd", {"network_lookups": True, "timeout_seconds": 1})
    h = Host(wpol, home=home, gnupg=gnupg, env_extra=wenv)
    r = lookup(h, 31, ["web@wkd.example", "bob@partner.example"])
    res = r.get("result", {})
    w = answers_by_address(r).get("web@wkd.example", {}).get("pgp", {})
    check(w.get("status") == "usable" and w.get("method") == "wkd" and w.get("fingerprint"),
          "network_lookups true: a key found in the Web Key Directory over HTTPS", r)
    check(res.get("sources", {}).get("wkd") is True and res["sources"].get("profile_from") == "default" and
          res["sources"].get("nss_db") == str(dprof), "no profile locked by the parent: the default profile", r)

    # Asynchronous: a version request sent after a lookup that waits on the
    # network is answered first.
    t0 = time.monotonic()
    h.send({"id": 32, "op": "keys.lookup", "recipients": ["hang@wkd.example"]})
    h.send({"id": 33, "op": "version"})
    first = h.read()
    t_first = time.monotonic() - t0
    second = h.read()
    # The lookup takes at least keys.timeout_seconds (1 s); the order is the proof.
    check(first.get("id") == 33 and "result" in first,
          f"a version request sent after a slow lookup is answered first ({t_first:.2f} s)", first)
    hang = second.get("result", {}).get("answers", [{}])[0].get("pgp", {})
    check(second.get("id") == 32 and hang.get("status") == "lookup_failed" and "timed out" in hang.get("reason", ""),
          "the lookup is answered when WKD times out (keys.timeout_seconds)", second)
    check(first.get("result", {}).get("limits", {}).get("keys_queue") == QUEUE_MAX and
          first["result"]["limits"].get("keys_recipients") == RECIPIENTS_MAX, "version lists the keys limits", first)

    # One lookup runs, QUEUE_MAX wait, one more is refused at once.
    for i in range(QUEUE_MAX + 2):
        h.send({"id": 40 + i, "op": "keys.lookup", "recipients": ["hang@wkd.example"]})
    first = h.read()
    check(first.get("id") == 40 + QUEUE_MAX + 1 and first.get("error", {}).get("code") == "limit_exceeded",
          f"one past the queue of {QUEUE_MAX}: limit_exceeded at once", first)
    rest = [h.read() for _ in range(QUEUE_MAX + 1)]
    check([x.get("id") for x in rest] == list(range(40, 40 + QUEUE_MAX + 1)) and all("result" in x for x in rest),
          "the running and the queued lookups are answered in order", [x.get("id") for x in rest])
    st, err = h.finish()
    check(st == 0, "the host exits 0 at EOF after the lookups", err)

    # Thunderbird closes the port while a lookup waits on the network: the
    # host does not wait for it.
    h = Host(policy("slow", {"network_lookups": True, "timeout_seconds": 20}), gnupg=gnupg, env_extra=wenv)
    h.send({"id": 34, "op": "keys.lookup", "recipients": ["hang@wkd.example"]})
    time.sleep(0.5)
    t0 = time.monotonic()
    st, err = h.finish()
    took = time.monotonic() - t0
    check(st == 0 and took < 5 and "still running" in err,
          f"stdin closed during a lookup: the host exits 0 at once ({took:.1f} s)", err)

    # ---- no profile at all; then keys.nss_db from the policy
    h = Host(policy("none", {}), gnupg=gnupg)
    r = lookup(h, 50, ["bob@partner.example"], methods=["smime"])
    res = r.get("result", {})
    a = res.get("answers", [{}])[0].get("smime", {})
    check(res.get("sources", {}).get("profile_from") is None and res["sources"].get("nss_db") is None and
          a.get("status") == "none" and "no certificate database" in a.get("reason", ""),
          "no profile and no store: S/MIME says there is no certificate database", r)
    st, err = h.finish()
    check("holds no Thunderbird profile open" in err, "the log says why the parent's profile was not found", err)
    h = Host(policy("nssdb", {"nss_db": str(prof)}), home=home, gnupg=gnupg)
    r = lookup(h, 51, ["carol@corp.example"], methods=["smime"])
    src = r.get("result", {}).get("sources", {})
    check(src.get("profile_from") == "policy" and src.get("nss_db") == str(prof) and
          r["result"]["answers"][0]["smime"]["status"] == "usable" and
          r["result"]["answers"][0]["smime"]["method"] == "nss-db", "keys.nss_db overrides the discovery", r)
    h.finish()
    # ---- keys.revocation: bob's certificate names no responder and its issuer
    # is not in the profile, so no answer can be had: hard-fail makes it
    # unusable, soft-fail keeps it usable and says so, off checks nothing
    for mode, status, rev in [("hard-fail", "revocation_unknown", "revocation_unknown"),
                              ("soft-fail", "usable", "revocation_unknown"), ("off", "usable", None)]:
        h = Host(policy("rev-" + mode, {"nss_db": str(prof), "revocation": mode, "timeout_seconds": 2}),
                 gnupg=gnupg)
        r = lookup(h, 56, ["bob@partner.example"], methods=["smime"])
        a = r.get("result", {}).get("answers", [{}])[0].get("smime", {})
        check(a.get("status") == status and a.get("revocation") == rev and
              (rev is None or a.get("revocation_detail")),
              f"keys.revocation {mode}: {status}" + (f", revocation {rev} with its detail" if rev else
                                                     ", not checked"), r)
        h.finish()
    h = Host(policy("missing", {"nss_db": str(tmp / "missing")}), gnupg=gnupg)
    r = lookup(h, 52, ["bob@partner.example"])
    check(r.get("error", {}).get("code") == "nss_db_unavailable", "a keys.nss_db that does not exist: "
          "nss_db_unavailable", r)
    h.finish()
    h = Host(policy("nostore", {"certificate_store": str(tmp / "no-store")}), gnupg=gnupg)
    r = lookup(h, 54, ["bob@partner.example"])
    check(r.get("error", {}).get("code") == "io" and "no-store" in r["error"]["message"],
          "a keys.certificate_store that does not exist: io, not \"no certificate\"", r)
    h.finish()
    bad_pol = tmp / "bad.json"
    bad_pol.write_text('{"version": 1, "keys": {"timeout_seconds": 121}}')
    h = Host(bad_pol, gnupg=gnupg)
    r = lookup(h, 53, ["bob@partner.example"])
    check(r.get("error", {}).get("code") == "policy_invalid" and "keys.timeout_seconds" in r["error"]["message"],
          "an invalid policy: no lookup (fail closed)", r)
    h.finish()
    # The parent's descriptors examined are bounded: the lock as the last one
    # examined is found, one further is not.
    for before, found in ((FDS_MAX - 1, True), (FDS_MAX, False)):
        h = Host(policy("fds", {}), lock=prof / ".parentlock", gnupg=gnupg, before=before)
        r = lookup(h, 60, ["bob@partner.example"], methods=["smime"])
        src = r.get("result", {}).get("sources", {})
        st, err = h.finish()
        if found:
            check(src.get("profile_from") == "parent", f"the .parentlock as open file {FDS_MAX}: found", r)
        else:
            check(src.get("profile_from") is None and f"among its first {FDS_MAX} open files" in err,
                  f"the .parentlock as open file {FDS_MAX + 1}: not examined (SG_TBPROFILE_FDS_MAX)", err)
    bad_ends = [e for e in ENDS if e[0] != 0 or "Sanitizer" in e[1] or "runtime error" in e[1]]
    check(len(ENDS) == 14 and not bad_ends, f"every host ({len(ENDS)}) exited 0 without a sanitizer report",
          bad_ends[0][1] if bad_ends else ENDS)
finally:
    if server:
        server.stop()
    for d in gnupg_homes:
        run("gpgconf", "--homedir", d, "--kill", "all")
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(done())
