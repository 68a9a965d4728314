#!/usr/bin/env python3
"""keys.lookup's per-client readiness in the host (issue 19): 50 recipients
against a Thunderbird profile whose pubring.gpg holds 2,000 keys (made here
in-process with librnp through ctypes: EdDSA + X25519, as Thunderbird makes
them) and whose openpgp.sqlite accepts half of them. The host finds the
profile as the default one of a fake HOME. Prints the first lookup (the
keyring read) and the p50/p90 of the following ones (the keys kept while the
files are unchanged), methods ["openpgp"]; checks the answers. --quick: 200
keys, 5 lookups, answers only (never timings).
The Thunderbird part alone (reading the files, judging 50 addresses) is
timed in-process by bench-tbkeys-core; the host's whole lookup also asks
GnuPG about every recipient (keys.lookup's "what other sources know").
Usage: bench-tbkeys.py [--quick] HOST POLICY CORE"""
import ctypes
import os
import pathlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from nmhost import FramePipe  # noqa: E402

args = sys.argv[1:]
quick = "--quick" in args
args = [a for a in args if a != "--quick"]
host, policy, core = args[0], args[1], args[2]
N_KEYS, N_RCPT, RUNS = (200, 50, 5) if quick else (2000, 50, 11)

rnp = ctypes.CDLL("librnp.so.0")
rnp.rnp_generate_key_25519.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.POINTER(ctypes.c_void_p)]
rnp.rnp_key_get_fprint.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p)]
rnp.rnp_key_handle_destroy.argtypes = [ctypes.c_void_p]
rnp.rnp_save_keys.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_uint32]
rnp.rnp_output_to_path.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p]
rnp.rnp_output_destroy.argtypes = [ctypes.c_void_p]
rnp.rnp_ffi_destroy.argtypes = [ctypes.c_void_p]

tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-bench-tbkeys-"))
home = tmp / "home"
prof = home / ".thunderbird" / "p.default"
prof.mkdir(parents=True)
(home / ".thunderbird" / "profiles.ini").write_text("[Profile0]\nName=default\nIsRelative=1\nPath=p.default\n"
                                                   "Default=1\n")
(tmp / "gnupg").mkdir(mode=0o700)

t0 = time.monotonic()
ffi = ctypes.c_void_p()
assert rnp.rnp_ffi_create(ctypes.byref(ffi), b"GPG", b"GPG") == 0
fprs = []
for i in range(N_KEYS):
    k = ctypes.c_void_p()
    assert rnp.rnp_generate_key_25519(ffi, f"User {i} <user{i}@bench.example>".encode(), None, ctypes.byref(k)) == 0
    fp = ctypes.c_char_p()
    rnp.rnp_key_get_fprint(k, ctypes.byref(fp))
    fprs.append(fp.value.decode().lower())
    rnp.rnp_key_handle_destroy(k)
out = ctypes.c_void_p()
assert rnp.rnp_output_to_path(ctypes.byref(out), str(prof / "pubring.gpg").encode()) == 0
assert rnp.rnp_save_keys(ffi, b"GPG", out, 1) == 0  # RNP_LOAD_SAVE_PUBLIC_KEYS
rnp.rnp_output_destroy(out)
rnp.rnp_ffi_destroy(ffi)
db = sqlite3.connect(prof / "openpgp.sqlite")
db.execute("create table acceptance_email (fpr text not null, email text not null, unique(fpr, email))")
db.execute("create table acceptance_decision (fpr text not null, decision text not null, unique(fpr))")
for i, f in enumerate(fprs):
    if i % 2 == 0:
        db.execute("insert into acceptance_decision values (?, 'verified')", (f,))
        db.execute("insert into acceptance_email values (?, ?)", (f, f"user{i}@bench.example"))
db.commit()
db.close()
made = time.monotonic() - t0

env = dict(os.environ, SEALGATE_POLICY=policy, HOME=str(home), GNUPGHOME=str(tmp / "gnupg"),
           XDG_STATE_HOME=str(tmp / "state"), XDG_CACHE_HOME=str(tmp / "cache"))
p = subprocess.Popen([host], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
h = FramePipe(p, 120)
# recipients spread over the keyring: every 40th key (half accepted), the last ones absent
rcpt = [f"user{(i * (N_KEYS // N_RCPT)) % N_KEYS}@bench.example" for i in range(N_RCPT - 2)]
rcpt += ["absent1@bench.example", "absent2@bench.example"]
times = []
ok = True
for run in range(RUNS):
    t = time.monotonic()
    r = h.request({"id": run + 1, "op": "keys.lookup", "recipients": rcpt, "methods": ["openpgp"]})
    times.append((time.monotonic() - t) * 1000)
    ans = r.get("result", {}).get("answers", [])
    for a in ans:
        i = int(a["address"][4:].split("@")[0]) if a["address"].startswith("user") else -1
        want = "usable" if i >= 0 and i % 2 == 0 else "not_accepted" if i >= 0 else "none"
        got = a.get("client", {}).get("pgp", {}).get("status")
        if got != want:
            ok = False
            print(f"# {a['address']}: {got}, expected {want}")
    ok &= len(ans) == N_RCPT
p.stdin.close()
p.wait(timeout=30)
c = subprocess.run([core, str(prof), "5" if quick else "21", *rcpt], capture_output=True, text=True)
ok &= c.returncode == 0
open_ms, check_ms = (c.stdout.split() + ["?", "?"])[:2]
subprocess.run(["rm", "-rf", str(tmp)])
print("1..1")
print(f"{'ok' if ok else 'not ok'} 1 - {N_RCPT} recipients against {N_KEYS} Thunderbird keys: every answer right")
warm = sorted(times[1:])
print(f"# keyring made in {made:.1f} s; first lookup (reads the keyring) {times[0]:.1f} ms; "
      f"then p50 {statistics.median(warm):.1f} ms, p90 {warm[int(len(warm) * 0.9) - 1]:.1f} ms "
      f"over {len(warm)} lookups")
print(f"# in-process: reading pubring.gpg + openpgp.sqlite p50 {open_ms} ms, judging {N_RCPT} addresses "
      f"p50 {check_ms} ms")
sys.exit(0 if ok else 1)
