#!/usr/bin/env python3
"""privacy: no plaintext on disk, no secrets in core files or logs (issue 18).

Every crypto command of the CLI (smime and pgp: encrypt, decrypt, sign,
verify; from a file and from a pipe, to stdout, to a file through the shell
and to -o) and every crypto op of the host (the stream ops, keys.lookup) run
under `strace -f` (children too: gpg, gpg-agent) on content whose every line
carries a unique marker. A check fails when the marker or a passphrase is
written to a descriptor that is a regular file other than the named
destination, or when a file or directory is made in /tmp, $TMPDIR or the
working directory. 100 MiB inputs go past every in-memory bound. Then: the
host killed with SIGSEGV while it holds a passphrase leaves no core file, and
the host's stderr and state directory (the audit log) hold no marker and no
passphrase. Usage: test-privacy.py SEALGATE SEALGATE-HOST WORKDIR. Prints TAP."""
import base64
import os
import pathlib
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from nmhost import ThreadedHost  # noqa: E402
from tap import done, ok, skip  # noqa: E402

SEALGATE = str(pathlib.Path(sys.argv[1]).resolve())
HOST = str(pathlib.Path(sys.argv[2]).resolve())
WORK = pathlib.Path(sys.argv[3]).resolve()
TIMEOUT = 300
RAW = 524288  # SG_CHUNK_RAW_MAX: one input frame
BIG = 100 << 20  # past every in-memory bound (SG_PGP_HOLD_MAX, the stdio buffers)

MARK = "SGPRIV" + secrets.token_hex(6).upper()
PASS_S = "pp-smime-" + secrets.token_hex(8)
PASS_P = "pp-pgp-" + secrets.token_hex(8)
SECRETS = [MARK, PASS_S, PASS_P]

if not shutil.which("strace"):
    sys.exit("Bail out! strace is not installed (tools/install-deps.sh test)")
shutil.rmtree(WORK, ignore_errors=True)
FX, TMPD, CWD, OUT, LOGS, STATE = (WORK / d for d in ("fx", "tmpdir", "cwd", "out", "logs", "state"))
for d in (FX, TMPD, CWD, OUT, LOGS, STATE):
    d.mkdir(parents=True)
GNUPG = FX / "gnupg"
GNUPG.mkdir(mode=0o700)
ENV = dict(os.environ, TMPDIR=str(TMPD), GNUPGHOME=str(GNUPG), XDG_STATE_HOME=str(STATE),
           SEALGATE_POLICY=str(FX / "policy.json"))
ENV.pop("SEALGATE_PASS", None)
TRACED = "openat,open,creat,write,pwrite64,writev,memfd_create,rename,renameat,renameat2,linkat,mkdir,mkdirat"
STRACE = ["strace", "-f", "-qq", "-s", "200", "-y", "-e", f"trace={TRACED}"]
if subprocess.run(["strace", "--seccomp-bpf", "-e", "trace=write", "true"], capture_output=True).returncode == 0:
    STRACE.insert(1, "--seccomp-bpf")  # only the traced calls stop the process: far faster
ROOTS = ["/tmp", str(TMPD), str(CWD)]


def entity(size):
    """A MIME entity of about `size` bytes, the marker on every line."""
    line = f"privacy {MARK} line\r\n".encode()
    return b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + line * max(1, size // len(line))


def sh(*args, **kw):
    p = subprocess.run([str(a) for a in args], capture_output=True, env=ENV, timeout=TIMEOUT, **kw)
    if p.returncode:
        sys.exit(f"Bail out! {' '.join(map(str, args))}: {p.stderr.decode(errors='replace')}")
    return p


# ---- fixtures (not traced): an S/MIME root and alice (PKCS#12 with a
# passphrase), an OpenPGP key with a passphrase in a keyring of its own
def fixtures():
    (FX / "ca.cnf").write_text("[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:true\n"
                               "keyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\n[user]\n"
                               "basicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                               "extendedKeyUsage=emailProtection\nsubjectAltName=email:alice@corp.example\n"
                               "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", FX / "root.key", "-out",
       FX / "root.pem", "-subj", "/CN=Privacy Root", "-days", "30", "-config", FX / "ca.cnf", "-extensions", "ca")
    sh("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", FX / "alice.key", "-out",
       FX / "alice.csr", "-subj", "/CN=Alice/emailAddress=alice@corp.example", "-config", FX / "ca.cnf")
    sh("openssl", "x509", "-req", "-in", FX / "alice.csr", "-CA", FX / "root.pem", "-CAkey", FX / "root.key",
       "-set_serial", "7", "-days", "30", "-extfile", FX / "ca.cnf", "-extensions", "user", "-out", FX / "alice.pem")
    sh("openssl", "pkcs12", "-export", "-inkey", FX / "alice.key", "-in", FX / "alice.pem", "-out", FX / "alice.p12",
       "-passout", f"pass:{PASS_S}", "-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC")
    (FX / "alice.key").unlink()
    (FX / "policy.json").write_text('{"version": 1, "internal": {"domains": ["corp.example"]}, '
                                    f'"keys": {{"certificate_store": "{FX / "alice.pem"}"}}}}')
    (FX / "pass-smime").write_text(PASS_S + "\n")
    (FX / "pass-pgp").write_text(PASS_P + "\n")
    (GNUPG / "gpg-agent.conf").write_text("allow-loopback-pinentry\ndefault-cache-ttl 0\nmax-cache-ttl 0\n")
    g = ["gpg", "--homedir", GNUPG, "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", PASS_P]
    sh(*g, "--quick-gen-key", "Carol <carol@corp.example>", "ed25519", "sign", "0")
    fpr = [ln.split(":")[9] for ln in sh("gpg", "--homedir", GNUPG, "--with-colons", "--list-keys",
                                         "<carol@corp.example>").stdout.decode().splitlines()
           if ln.startswith("fpr")][0]
    sh(*g, "--quick-add-key", fpr, "cv25519", "encr", "0")


fixtures()
SMIME_KEY = ["--key", str(FX / "alice.p12"), "--passphrase-file", str(FX / "pass-smime")]
PGP_PASS = ["--passphrase-file", str(FX / "pass-pgp")]
CA = ["--ca-file", str(FX / "root.pem")]

# ---- the trace: what a finding is

WRITE = re.compile(r"^(?:\d+ +)?(?:write|pwrite64|writev)\((\d+)<([^>]*)>")
CREATE = re.compile(r"^(?:\d+ +)?(openat|open|creat)\(.*\) = (\d+)<([^>]*)>")
MKDIR = re.compile(r'^(?:\d+ +)?(mkdir|mkdirat)\((?:[^,]*<([^>]*)>, )?"([^"]*)".*\) = 0')
MOVE = re.compile(r'^(?:\d+ +)?(rename|renameat2?|linkat)\(.*"([^"]*)"(?:, [A-Z_|0-9]+)?\) = 0')


def regular(path):
    """Whether a descriptor's path (strace -y) is a file on a file system
    (not a pipe, socket, memfd or device)."""
    return path.startswith("/") and not path.startswith(("/memfd:", "/dev/", "/proc/"))


def under_roots(path):
    return any(path == r or path.startswith(r + "/") for r in ROOTS)


def findings(log, allowed, cwd):
    """Violations in strace log `log`: secrets written to a regular file not
    in `allowed` (paths; a name also allows its ".tmp-" siblings), files and
    directories made in /tmp, $TMPDIR or the working directory."""
    def allowed_path(p):
        p = p.replace(" (deleted)", "")
        return any(p == a or p.startswith(a + ".tmp-") for a in allowed)

    bad = []
    for line in pathlib.Path(log).read_text(errors="replace").splitlines():
        m = WRITE.match(line)
        if m and regular(m.group(2)) and not allowed_path(m.group(2)):
            hit = [s for s in SECRETS if s in line]
            if hit:
                bad.append(f"{'marker' if hit[0] == MARK else 'passphrase'} written to {m.group(2)}: {line[:160]}")
            continue
        m = CREATE.match(line)
        if m and (m.group(1) == "creat" or "O_CREAT" in line or "O_TMPFILE" in line):
            p = m.group(3)
            if regular(p) and under_roots(p.replace(" (deleted)", "")) and not allowed_path(p):
                bad.append(f"file made: {line[:200]}")
            continue
        m = MKDIR.match(line)
        if m:
            p = m.group(3) if m.group(3).startswith("/") else os.path.join(m.group(2) or cwd, m.group(3))
            if under_roots(os.path.normpath(p)):
                bad.append(f"directory made: {line[:200]}")
            continue
        m = MOVE.match(line)
        if m:
            p = m.group(2) if m.group(2).startswith("/") else os.path.join(cwd, m.group(2))
            if under_roots(os.path.normpath(p)) and not allowed_path(os.path.normpath(p)):
                bad.append(f"file moved into place: {line[:200]}")
    return bad


n_logs = 0


def traced_cli(desc, args, data=None, infile=None, out=None, stdout_file=None, want=0):
    """Run `sealgate ARGS` under strace: input from `infile` (a path given as
    IN) or piped `data`; output to -o `out`, to `stdout_file` by the shell's
    redirection, or piped. Returns the output bytes."""
    global n_logs
    n_logs += 1
    t0 = time.monotonic()
    log = LOGS / f"cli-{n_logs}.log"
    argv = [SEALGATE, *args]
    allowed = []
    if out:
        argv += ["-o", str(out)]
        allowed.append(str(out))
    if infile:
        argv.append(str(infile))
    stdout = subprocess.PIPE
    if stdout_file:
        stdout = open(stdout_file, "wb")
        allowed.append(str(stdout_file))
    try:
        p = subprocess.run(STRACE + ["-o", str(log)] + argv, input=data if infile is None else None,
                           stdin=subprocess.DEVNULL if infile is not None else None, stdout=stdout,
                           stderr=subprocess.PIPE, env=ENV, cwd=CWD, timeout=TIMEOUT)
    finally:
        if stdout_file:
            stdout.close()
    err = p.stderr.decode(errors="replace")
    ok(p.returncode == want, f"{desc}: exits {want}", f"{p.returncode}\n{err}")
    bad = findings(log, allowed, str(CWD))
    ok(not bad, f"{desc}: no marker or passphrase in a file on disk, no file made in /tmp, $TMPDIR or the "
       "working directory", "\n".join(bad[:10]))
    ok(not any(s in err for s in SECRETS), f"{desc}: stderr has no marker and no passphrase", err)
    result = p.stdout if stdout == subprocess.PIPE else pathlib.Path(stdout_file).read_bytes()
    if out:
        result = pathlib.Path(out).read_bytes() if pathlib.Path(out).exists() else b""
    log.unlink()  # the logs of the large runs are large
    print(f"# {desc}: {time.monotonic() - t0:.1f} s", flush=True)
    return result


small = entity(64 << 10)
(FX / "small.eml").write_bytes(small)


def check_content(desc, got, want):
    ok(want in got.replace(b"\r\n", b"\n") or want in got, f"{desc}: the content comes back",
       got[:300])


# ---- the CLI: S/MIME
enc = traced_cli("smime encrypt FILE -o OUT", ["smime", "encrypt", "--to", str(FX / "alice.pem")],
                 infile=FX / "small.eml", out=OUT / "s-enc.eml")
enc2 = traced_cli("smime encrypt from a pipe to stdout", ["smime", "encrypt", "--to", str(FX / "alice.pem")],
                  data=small)
ok(MARK.encode() not in enc and MARK.encode() not in enc2, "smime encrypt: the output has no clear text")
(FX / "s-enc.eml").write_bytes(enc)
d = traced_cli("smime decrypt FILE to stdout", ["smime", "decrypt", *SMIME_KEY], infile=FX / "s-enc.eml")
check_content("smime decrypt FILE", d, f"privacy {MARK} line".encode())
d = traced_cli("smime decrypt from a pipe to stdout", ["smime", "decrypt", *SMIME_KEY], data=enc2)
check_content("smime decrypt pipe", d, f"privacy {MARK} line".encode())
d = traced_cli("smime decrypt from a pipe -o OUT", ["smime", "decrypt", *SMIME_KEY], data=enc,
               out=OUT / "s-dec.eml")
check_content("smime decrypt -o", d, f"privacy {MARK} line".encode())
d = traced_cli("smime decrypt FILE > OUT (the shell's redirection)", ["smime", "decrypt", *SMIME_KEY],
               infile=FX / "s-enc.eml", stdout_file=OUT / "s-dec-redirect.eml")
check_content("smime decrypt > OUT", d, f"privacy {MARK} line".encode())
sig = traced_cli("smime sign FILE -o OUT", ["smime", "sign", *SMIME_KEY], infile=FX / "small.eml",
                 out=OUT / "s-sig.eml")
sig2 = traced_cli("smime sign from a pipe to stdout", ["smime", "sign", *SMIME_KEY], data=small)
(FX / "s-sig.eml").write_bytes(sig)
traced_cli("smime verify FILE", ["smime", "verify", *CA, "--from", "alice@corp.example"], infile=FX / "s-sig.eml")
v = traced_cli("smime verify from a pipe -o OUT", ["smime", "verify", *CA, "--from", "alice@corp.example"],
               data=sig2, out=OUT / "s-ver.eml")
check_content("smime verify -o", v, f"privacy {MARK} line".encode())

# ---- the CLI: OpenPGP
penc = traced_cli("pgp encrypt FILE -o OUT", ["pgp", "encrypt", "--recipient", "carol@corp.example"],
                  infile=FX / "small.eml", out=OUT / "p-enc.eml")
penc2 = traced_cli("pgp encrypt from a pipe to stdout, signed", ["pgp", "encrypt", "--recipient",
                                                                 "carol@corp.example", "--local-user",
                                                                 "carol@corp.example", *PGP_PASS], data=small)
ok(MARK.encode() not in penc and MARK.encode() not in penc2, "pgp encrypt: the output has no clear text")
(FX / "p-enc.eml").write_bytes(penc)
d = traced_cli("pgp decrypt FILE to stdout", ["pgp", "decrypt", *PGP_PASS], infile=FX / "p-enc.eml")
check_content("pgp decrypt FILE", d, f"privacy {MARK} line".encode())
d = traced_cli("pgp decrypt from a pipe -o OUT", ["pgp", "decrypt", *PGP_PASS], data=penc2, out=OUT / "p-dec.eml")
check_content("pgp decrypt -o", d, f"privacy {MARK} line".encode())
d = traced_cli("pgp decrypt FILE > OUT (the shell's redirection)", ["pgp", "decrypt", *PGP_PASS],
               infile=FX / "p-enc.eml", stdout_file=OUT / "p-dec-redirect.eml")
check_content("pgp decrypt > OUT", d, f"privacy {MARK} line".encode())
psig = traced_cli("pgp sign FILE -o OUT", ["pgp", "sign", "--local-user", "carol@corp.example", *PGP_PASS],
                  infile=FX / "small.eml", out=OUT / "p-sig.eml")
psig2 = traced_cli("pgp sign from a pipe to stdout", ["pgp", "sign", "--local-user", "carol@corp.example",
                                                      *PGP_PASS], data=small)
(FX / "p-sig.eml").write_bytes(psig)
traced_cli("pgp verify FILE", ["pgp", "verify", "--from", "carol@corp.example"], infile=FX / "p-sig.eml")
v = traced_cli("pgp verify from a pipe -o OUT", ["pgp", "verify", "--from", "carol@corp.example"], data=psig2,
               out=OUT / "p-ver.eml")
check_content("pgp verify -o", v, f"privacy {MARK} line".encode())
# an opaque signed message (gpg --sign): the content waits until the signature is known good
opaque = subprocess.run(["gpg", "--homedir", GNUPG, "--batch", "--pinentry-mode", "loopback", "--passphrase",
                         PASS_P, "--local-user", "carol@corp.example", "--sign", "--armor"], input=small,
                        capture_output=True, env=ENV).stdout
v = traced_cli("pgp verify of an opaque signed message from a pipe to stdout", ["pgp", "verify", "--from",
                                                                                 "carol@corp.example", "-o", "-"],
               data=opaque)
check_content("pgp verify opaque", v, f"privacy {MARK} line".encode())
# a wrong passphrase: refused, and not quoted back
ENV["SG_WRONG"] = "wrong-" + PASS_P
traced_cli("pgp decrypt with a wrong passphrase: refused", ["pgp", "decrypt", "--passphrase-env", "SG_WRONG"],
           infile=FX / "p-enc.eml", want=1)

# ---- the CLI: 100 MiB, past every bound, from pipes to stdout (the input
# and the output both held until the end)
big = entity(BIG)
t0 = time.monotonic()
benc = traced_cli("smime encrypt 100 MiB from a pipe to stdout", ["smime", "encrypt", "--to",
                                                                    str(FX / "alice.pem")], data=big)
d = traced_cli("smime decrypt 100 MiB from a pipe to stdout", ["smime", "decrypt", *SMIME_KEY], data=benc)
ok(len(d) >= len(big) - 64 and d[-200:].replace(b"\r\n", b"\n").endswith(f"privacy {MARK} line\n".encode()),
   "smime decrypt 100 MiB: all of it comes back", len(d))
del benc, d
# the OpenPGP ciphertext by gpg itself, untraced: `pgp encrypt` from a pipe is
# checked above, and 100 MiB through gpg under strace is slow
bpenc = sh("gpg", "--homedir", GNUPG, "--batch", "--trust-model", "always", "--armor", "--encrypt", "--recipient",
           "carol@corp.example", input=big).stdout
d = traced_cli("pgp decrypt 100 MiB from a pipe to stdout", ["pgp", "decrypt", *PGP_PASS], data=bpenc)
ok(len(d) >= len(big) - 64, "pgp decrypt 100 MiB: all of it comes back", len(d))
del bpenc, d
bsig = traced_cli("smime sign 100 MiB from a pipe to stdout", ["smime", "sign", *SMIME_KEY], data=big)
print(f"# CLI 100 MiB runs: {time.monotonic() - t0:.1f} s", flush=True)


# ---- the host: every stream op and keys.lookup, the host and its children traced
class Host(ThreadedHost):
    def __init__(self, log):
        self.log = log
        super().__init__(STRACE + ["-o", str(log), HOST], ENV, TIMEOUT)


def host_stream(h, sid, op, params, data):
    """One stream; (output bytes, final response)."""
    chunks = [data[i:i + RAW] for i in range(0, len(data), RAW)] or [b""]
    req = {"id": sid, "op": op, "input": {"frames": len(chunks), "size": len(data)}, **params}

    def writer():
        h.send(req)
        for i, c in enumerate(chunks):
            if not h.send({"id": sid, "input": {"index": i}, "data": base64.b64encode(c).decode()}):
                return

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    out = bytearray()
    while True:
        m = h.get()
        if m is None:
            return bytes(out), None
        if m.get("id") == sid and "output" in m:
            out += base64.b64decode(m["data"])
        elif m.get("id") == sid:
            t.join(TIMEOUT)
            return bytes(out), m


host_log = LOGS / "host.log"
h = Host(host_log)
try:
    sk = {"path": str(FX / "alice.p12"), "passphrase": PASS_S}
    trust = {"ca_file": str(FX / "root.pem")}
    runs = [
        ("smime.encrypt", {"recipients": [str(FX / "alice.pem")]}, small, False),
        ("smime.decrypt", {"key": sk}, enc, True),
        ("smime.sign", {"key": sk}, small, True),
        ("smime.verify", {"trust": trust, "from": "alice@corp.example", "output": True}, sig, True),
        ("pgp.encrypt", {"recipients": ["carol@corp.example"], "signer": "carol@corp.example",
                         "passphrase": PASS_P}, small, False),
        ("pgp.decrypt", {"passphrase": PASS_P}, penc, True),
        ("pgp.sign", {"signer": "carol@corp.example", "passphrase": PASS_P}, small, True),
        ("pgp.verify", {"from": "carol@corp.example", "output": True}, opaque, True),
        ("smime.verify", {"trust": trust, "from": "alice@corp.example", "output": True}, bsig, True),
    ]
    for i, (op, params, data, clear) in enumerate(runs, 1):
        size = "100 MiB" if len(data) > BIG // 2 else "small"
        out, final = host_stream(h, i, op, params, data)
        good = bool(final and final.get("result", {}).get("complete"))
        ok(good, f"host {op} ({size}): complete", str(final)[:400])
        if clear:
            ok(MARK.encode() in out[:1 << 20], f"host {op} ({size}): the content comes back", out[:200])
    h.send({"id": 100, "op": "keys.lookup", "recipients": ["carol@corp.example", f"{MARK.lower()}@corp.example"]})
    m = h.get()
    ok(m and m.get("id") == 100 and "result" in m, "host keys.lookup: answered", str(m)[:400])
    h.send({"id": 101, "op": "pgp.decrypt", "passphrase": "wrong-" + PASS_P, "input": {"frames": 1,
                                                                                        "size": len(penc)}})
    h.send({"id": 101, "input": {"index": 0}, "data": base64.b64encode(penc).decode()})
    m = h.get()
    while m and "output" in m:
        m = h.get()
    ok(m and m.get("error", {}).get("code") == "wrong_passphrase" and not any(s in str(m) for s in SECRETS),
       "host pgp.decrypt with a wrong passphrase: refused, the passphrase not quoted", str(m)[:400])
finally:
    status, _ = h.close()
ok(status == 0, "the host exits cleanly", status)
bad = findings(host_log, [], str(pathlib.Path.cwd()))
ok(not bad, "host: no marker or passphrase in a file on disk, no file made in /tmp, $TMPDIR or the working "
   "directory", "\n".join(bad[:10]))
host_err = h.err.decode(errors="replace")
ok(host_err and not any(s in host_err for s in SECRETS), "the host's stderr has no marker and no passphrase",
   host_err[-2000:])
state_hits = [str(p) for p in STATE.rglob("*") if p.is_file() and any(s.encode() in p.read_bytes() for s in SECRETS)]
ok(not state_hits, "the host's state directory (audit log) has no marker and no passphrase", state_hits)
left = [str(p) for p in list(TMPD.iterdir()) + list(CWD.iterdir())]
ok(not left, "nothing left in $TMPDIR or the working directory", left)


# ---- a crash while the host holds a passphrase: no core file
def crash_test():
    crash = WORK / "crash"
    crash.mkdir()

    def unlimited():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    p = subprocess.Popen([HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                         cwd=crash, preexec_fn=unlimited)
    from nmhost import frame
    # a stream that waits for its input: the job holds the passphrase
    p.stdin.write(frame({"id": 1, "op": "pgp.decrypt", "passphrase": PASS_P, "input": {"frames": 2, "size": 10}}))
    p.stdin.flush()
    time.sleep(1.0)
    limits = pathlib.Path(f"/proc/{p.pid}/limits").read_text()
    core = [ln for ln in limits.splitlines() if ln.startswith("Max core file size")]
    ok(core and core[0].split()[4:6] == ["0", "0"], "the running host's RLIMIT_CORE is 0 (soft and hard)", core)
    os.kill(p.pid, signal.SIGSEGV)
    p.communicate(timeout=TIMEOUT)
    ok(p.returncode == -signal.SIGSEGV, "the host was killed by SIGSEGV", p.returncode)
    pattern = pathlib.Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern.startswith("|") or "/" in pattern:
        skip("no core file in the host's directory after SIGSEGV",
             f"core_pattern is {pattern!r} (system-wide, not changed by a test): the RLIMIT_CORE check above "
             "and PR_SET_DUMPABLE stand for it")
    else:
        cores = [str(c) for c in crash.iterdir()]
        ok(not cores, f"no core file in the host's directory after SIGSEGV (core_pattern {pattern!r}, "
           "RLIMIT_CORE unlimited when started)", cores)


crash_test()
sys.exit(done())
