#!/usr/bin/env python3
"""S/MIME benchmark: encrypt and decrypt one large message with sealgate's
command line and with `openssl cms`, same key and cipher, and report wall
time and peak resident memory (GNU time's %e and %M) of each. Not a test:
it prints figures and never asserts on them.
Usage: bench-smime.py SEALGATE [MIB] [RUNS]   (defaults: 100 MiB, 3 runs; the
best wall time and the largest peak memory over the runs are shown)."""
import atexit
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SEALGATE = sys.argv[1]
MIB = int(sys.argv[2]) if len(sys.argv) > 2 else 100
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-bench-smime-"))
atexit.register(shutil.rmtree, TMP, True)
FX = TMP / "fx"
subprocess.run(["sh", str(HERE.parent / "interop" / "make-fixtures.sh"), str(FX)], check=True,
               stdout=subprocess.DEVNULL)
PASS = FX / "PASSPHRASE"

# a MIME entity of MIB MiB: base64 lines, as an attachment would be
msg = TMP / "msg.eml"
with open(msg, "wb") as f:
    f.write(b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
    line = (b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0" + b"\r\n")
    f.write(line * (MIB * 1024 * 1024 // len(line)))
size = msg.stat().st_size


def timed(cmd):
    """(wall seconds, peak RSS KiB) of cmd, via GNU time."""
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M", *map(str, cmd)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr.decode()}")
    wall, rss = p.stderr.decode().strip().splitlines()[-1].split()
    return float(wall), int(rss)


cases = [
    ("encrypt aes256-cbc", "sealgate",
     [SEALGATE, "smime", "encrypt", "--to", FX / "bob.pem", "-o", TMP / "sg.p7m", msg]),
    ("encrypt aes256-cbc", "openssl cms",
     ["openssl", "cms", "-encrypt", "-aes256", "-binary", "-stream", "-in", msg, "-out", TMP / "os.p7m",
      FX / "bob.pem"]),
    ("decrypt aes256-cbc", "sealgate",
     [SEALGATE, "smime", "decrypt", "--key", FX / "bob.p12", "--passphrase-file", PASS, "-o", TMP / "sg.out",
      TMP / "sg.p7m"]),
    ("decrypt aes256-cbc", "openssl cms",
     ["openssl", "cms", "-decrypt", "-binary", "-in", TMP / "os.p7m", "-inkey", FX / "bob.key", "-recip",
      FX / "bob.pem", "-out", TMP / "os.out"]),
    ("encrypt aes256-gcm", "sealgate",
     [SEALGATE, "smime", "encrypt", "--cipher", "aes256-gcm", "--to", FX / "bob.pem", "-o", TMP / "sg-gcm.p7m",
      msg]),
    ("encrypt aes256-gcm", "openssl cms",
     ["openssl", "cms", "-encrypt", "-aes-256-gcm", "-binary", "-stream", "-in", msg, "-out",
      TMP / "os-gcm.p7m", FX / "bob.pem"]),
    ("decrypt aes256-gcm", "sealgate",
     [SEALGATE, "smime", "decrypt", "--key", FX / "bob.p12", "--passphrase-file", PASS, "-o",
      TMP / "sg-gcm.out", TMP / "sg-gcm.p7m"]),
    ("decrypt aes256-gcm", "openssl cms",
     ["openssl", "cms", "-decrypt", "-binary", "-in", TMP / "os-gcm.p7m", "-inkey", FX / "bob.key", "-recip",
      FX / "bob.pem", "-out", TMP / "os-gcm.out"]),
    ("sign sha256", "sealgate",
     [SEALGATE, "smime", "sign", "--key", FX / "alice.p12", "--passphrase-file", PASS, "-o", TMP / "sg.sig", msg]),
    ("sign sha256", "openssl cms",
     ["openssl", "cms", "-sign", "-binary", "-stream", "-md", "sha256", "-in", msg, "-signer", FX / "alice.pem",
      "-inkey", FX / "alice.key", "-certfile", FX / "inter.pem", "-out", TMP / "os.sig"]),
    ("verify", "sealgate", [SEALGATE, "smime", "verify", "--ca-file", FX / "root.pem", TMP / "sg.sig"]),
    ("verify", "openssl cms",
     ["openssl", "cms", "-verify", "-binary", "-CAfile", FX / "root.pem", "-in", TMP / "os.sig", "-out",
      "/dev/null"]),
]

results = {}
for run in range(RUNS):  # interleaved, so load drift hits both alike
    for op, who, cmd in cases:
        wall, rss = timed(cmd)
        best = results.get((op, who))
        results[(op, who)] = (min(wall, best[0]), max(rss, best[1])) if best else (wall, rss)

for a, b in [("sg.out", msg), ("sg-gcm.out", msg), ("os.out", msg)]:
    if (TMP / a).read_bytes() != pathlib.Path(b).read_bytes():
        sys.exit(f"{a} differs from the message")

print(f"message: {size / 1048576:.1f} MiB; {RUNS} runs; best wall time, largest peak RSS")
print(f"{'operation':<20} {'tool':<12} {'wall s':>8} {'peak MiB':>9} {'time vs openssl':>16}")
for op, who, _ in cases:
    wall, rss = results[(op, who)]
    ref = results[(op, "openssl cms")][0]
    print(f"{op:<20} {who:<12} {wall:>8.2f} {rss / 1024:>9.1f} {wall / ref if ref else 0:>15.2f}x")
