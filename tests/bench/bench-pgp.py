#!/usr/bin/env python3
"""OpenPGP benchmark: encrypt, decrypt, sign and verify one large message with
sealgate's command line and with `gpg`, same keys (RSA 3072, and
Ed25519/Cv25519), and report wall time and peak resident memory (GNU time's
%e and %M; the peak covers the gpg process GPGME runs, since it is a waited-for
child) of each. Not a test: it prints figures and never asserts on them.
Usage: bench-pgp.py SEALGATE [MIB] [RUNS]   (defaults: 100 MiB, 3 runs; MIB
may be a fraction, 0.01 for about 10 KiB). Wall and CPU time (user + system,
gpg included) are shown as min/median/max over the runs with the ratio of
the medians to gpg's in the same run (on a loaded machine the CPU ratio is
the comparable one); peak memory is the largest over the runs.
GPGME starts gpg detached (a double fork: gpg's parent is not sealgate), so
GNU time's CPU figure of `sealgate pgp` leaves gpg out; with `perf` at hand
the CPU time is perf stat's task-clock instead, which counts every process
the command starts, gpg included, to the millisecond (the columns say which).
The peak memory stays GNU time's: sealgate's own, without its gpg."""
import atexit
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchx  # noqa: E402

SEALGATE = sys.argv[1]
MIB = float(sys.argv[2]) if len(sys.argv) > 2 else 100
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-bench-pgp-"))
FX = TMP / "fx"
HOME = FX / "home"
atexit.register(shutil.rmtree, TMP, True)
atexit.register(subprocess.run, ["gpgconf", "--homedir", str(HOME), "--kill", "gpg-agent"])
subprocess.run(["sh", str(HERE.parent / "interop" / "make-pgp-fixtures.sh"), str(FX)], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.environ["GNUPGHOME"] = str(HOME)

msg = TMP / "msg.eml"
size = benchx.write_message(msg, MIB)

SG = [SEALGATE, "pgp"]
GPG = ["gpg", "--batch", "--yes", "--quiet"]
cases = []
for key, addr in [("rsa3072", "bob@partner.example"), ("cv25519", "alice@corp.example")]:
    cases += [
        (f"encrypt {key}", "sealgate",
         SG + ["encrypt", "--bare", "--binary", "--recipient", addr, "-o", TMP / f"sg-{key}.pgp", msg]),
        (f"encrypt {key}", "gpg", GPG + ["-z", "0", "-r", addr, "--encrypt", "-o", TMP / f"g-{key}.pgp", msg]),
        (f"decrypt {key}", "sealgate", SG + ["decrypt", "-o", TMP / f"sg-{key}.out", TMP / f"sg-{key}.pgp"]),
        (f"decrypt {key}", "gpg", GPG + ["--decrypt", "-o", TMP / f"g-{key}.out", TMP / f"g-{key}.pgp"]),
    ]
cases += [
    ("encrypt PGP/MIME rsa3072", "sealgate",
     SG + ["encrypt", "--recipient", "bob@partner.example", "-o", TMP / "sg-mime.eml", msg]),
    ("encrypt PGP/MIME rsa3072", "gpg",
     GPG + ["-z", "0", "--armor", "-r", "bob@partner.example", "--encrypt", "-o", TMP / "g.asc", msg]),
    ("decrypt PGP/MIME rsa3072", "sealgate", SG + ["decrypt", "-o", TMP / "sg-mime.out", TMP / "sg-mime.eml"]),
    ("decrypt PGP/MIME rsa3072", "gpg", GPG + ["--decrypt", "-o", TMP / "g-asc.out", TMP / "g.asc"]),
    ("sign ed25519", "sealgate",
     SG + ["sign", "--bare", "--local-user", "alice@corp.example", "-o", TMP / "sg.sig", msg]),
    ("sign ed25519", "gpg", GPG + ["-u", "alice@corp.example", "--armor", "--detach-sign", "-o", TMP / "g.sig", msg]),
    ("verify ed25519", "sealgate", SG + ["verify", "--signature", TMP / "sg.sig", msg]),
    ("verify ed25519", "gpg", GPG + ["--verify", TMP / "g.sig", msg]),
]

def timed_perf(cmd):
    """benchx.timed with the CPU time from perf stat (task-clock: the command
    and every process it starts, detached ones included); wall time and peak
    memory from GNU time inside it, so they are the command's, not perf's."""
    out = TMP / "perf-stat.csv"
    p = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock", "-o", out, "--", "/usr/bin/time", "-f",
                        "%e %M %U %S", *map(str, cmd)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr.decode()}")
    wall, rss = p.stderr.decode().strip().splitlines()[-1].split()[:2]
    for line in out.read_text().splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2].startswith("task-clock"):
            return float(wall), int(rss), float(f[0]) / 1000
    sys.exit(f"no task-clock in perf stat's output for {cmd}")


if shutil.which("perf") and subprocess.run(["perf", "stat", "-e", "task-clock", "true"],
                                           capture_output=True).returncode == 0:
    benchx.timed = timed_perf
    CPU_FROM = "perf stat task-clock, gpg included"
else:
    CPU_FROM = "GNU time: sealgate's gpg NOT included (perf is not available)"
results = benchx.run_interleaved(cases, RUNS)

for a in ["sg-rsa3072.out", "sg-cv25519.out", "g-rsa3072.out", "sg-mime.out"]:
    if (TMP / a).read_bytes() != msg.read_bytes():
        sys.exit(f"{a} differs from the message")

print(f"message: {size / 1024:.1f} KiB; {RUNS} runs; min/median/max, largest peak RSS; cpu: {CPU_FROM}")
benchx.print_table(cases, results, "gpg", 26, 9, 3)
