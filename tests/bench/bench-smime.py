#!/usr/bin/env python3
"""S/MIME benchmark: encrypt and decrypt one large message with sealgate's
command line and with `openssl cms`, same key and cipher, and report wall
time, CPU time (user + system) and peak resident memory (GNU time's %e, %U+%S
and %M) of each. Not a test: it prints figures and never asserts on them.
Usage: bench-smime.py SEALGATE [MIB] [RUNS] [OPS]   (defaults: 100 MiB, 3 runs,
every op; OPS is a comma-separated list of operation prefixes such as
"encrypt aes256-cbc,sign"). Wall and CPU time are shown as min/median/max
over the runs, with the ratio of the medians to openssl's in the same run
(on a loaded machine the CPU ratio is the comparable one); peak memory is the
largest over the runs."""
import atexit
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchx  # noqa: E402

SEALGATE = sys.argv[1]
MIB = int(sys.argv[2]) if len(sys.argv) > 2 else 100
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
ONLY = [o for o in sys.argv[4].split(",") if o] if len(sys.argv) > 4 else []
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-bench-smime-"))
atexit.register(shutil.rmtree, TMP, True)
FX = TMP / "fx"
subprocess.run(["sh", str(HERE.parent / "interop" / "make-fixtures.sh"), str(FX)], check=True,
               stdout=subprocess.DEVNULL)
PASS = FX / "PASSPHRASE"

msg = TMP / "msg.eml"
size = benchx.write_message(msg, MIB)

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

# an op's decrypt/verify needs its encrypt/sign output: keep those when asked for
if ONLY:
    wanted = set()
    for op, _, _ in cases:
        if any(op.startswith(o) for o in ONLY):
            wanted.add(op)
            if op.startswith("decrypt"):
                wanted.add("encrypt" + op[len("decrypt"):])
            if op == "verify":
                wanted.add("sign sha256")
    cases = [c for c in cases if c[0] in wanted]

# The floor for decryption: the same message's plaintext in aes-256-cbc as
# base64 lines, decoded and decrypted by a pipeline of the two fastest
# tools (GNU time counts both: they are the shell's waited-for children).
KEY, IV = "11" * 32, "22" * 16
subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", KEY, "-iv", IV, "-in", msg, "-out", TMP / "floor.bin"],
               check=True)
subprocess.run(f"base64 -w 76 {TMP / 'floor.bin'} > {TMP / 'floor.b64'}", shell=True, check=True)
FLOOR = ("decrypt aes256-cbc", "floor")
cases.insert(3, (*FLOOR, ["sh", "-c", f"base64 -d {TMP / 'floor.b64'} | openssl enc -d -aes-256-cbc -K {KEY} "
                                    f"-iv {IV} -out {TMP / 'floor.out'}"]))
if ONLY and not any("decrypt aes256-cbc".startswith(o) for o in ONLY):
    cases = [c for c in cases if c[:2] != FLOOR]

results = benchx.run_interleaved(cases, RUNS)

for a, b in [("sg.out", msg), ("sg-gcm.out", msg), ("os.out", msg), ("floor.out", msg)]:
    if (TMP / a).exists() and (TMP / a).read_bytes() != pathlib.Path(b).read_bytes():
        sys.exit(f"{a} differs from the message")

print(f"message: {size / 1048576:.1f} MiB; {RUNS} runs; min/median/max, largest peak RSS")
benchx.print_table(cases, results, "openssl cms", 20, 12, 2)
if FLOOR in results and ("decrypt aes256-cbc", "sealgate") in results:
    sg = results[("decrypt aes256-cbc", "sealgate")]
    fl = results[FLOOR]
    print(f"decrypt aes256-cbc: sealgate / floor (base64 -d | openssl enc -d), medians: wall "
          f"{benchx.mmm([r[0] for r in sg])[1] / benchx.mmm([r[0] for r in fl])[1]:.2f}x, cpu "
          f"{benchx.mmm([r[2] for r in sg])[1] / benchx.mmm([r[2] for r in fl])[1]:.2f}x")
