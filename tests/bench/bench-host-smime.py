#!/usr/bin/env python3
"""S/MIME through the host: encrypt and decrypt one large message with the
smime.* streams of sealgate-host (docs/protocol.md, "Streams"), against
`openssl cms` with the same key and cipher. Reports wall time (client's view:
first request byte to the final response) and peak resident memory (the
host's VmHWM; openssl's via GNU time). Not a test: prints figures, asserts
only that the round trip gives back the message.
Usage: bench-host-smime.py SEALGATE-HOST [MIB] [RUNS] [--quick]
(defaults: 100 MiB, 3 runs; --quick: 4 MiB, 1 run)."""
import atexit
import base64
import json
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
args = [a for a in sys.argv[1:] if a != "--quick"]
QUICK = "--quick" in sys.argv
HOST = args[0]
MIB = int(args[1]) if len(args) > 1 else (4 if QUICK else 100)
RUNS = int(args[2]) if len(args) > 2 else (1 if QUICK else 3)
RAW = 524288
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-bench-host-smime-"))
atexit.register(shutil.rmtree, TMP, True)
FX = TMP / "fx"
subprocess.run(["sh", str(HERE.parent / "interop" / "make-fixtures.sh"), str(FX)], check=True,
               stdout=subprocess.DEVNULL)
PASS = (FX / "PASSPHRASE").read_text().strip()

msg = TMP / "msg.eml"
with open(msg, "wb") as f:
    f.write(b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0" + b"\r\n"
    f.write(line * (MIB * 1024 * 1024 // len(line)))


cpu = {}  # op -> the host process's own CPU seconds (user + system), best run


def host_stream(op, params, src, dst):
    """Run one stream through a fresh host: (wall s, host VmHWM KiB)."""
    size = src.stat().st_size
    frames = (size + RAW - 1) // RAW
    p = subprocess.Popen([HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    final = {}

    def reader():
        with open(dst, "wb") as out:
            while True:
                hdr = p.stdout.read(4)
                if len(hdr) < 4:
                    return
                m = json.loads(p.stdout.read(struct.unpack("=I", hdr)[0]))
                if "output" in m:
                    out.write(base64.b64decode(m["data"]))
                else:
                    final.update(m)
                    return

    t0 = time.monotonic()
    t = threading.Thread(target=reader)
    t.start()

    def send(obj):
        data = json.dumps(obj).encode() if isinstance(obj, dict) else obj
        p.stdin.write(struct.pack("=I", len(data)) + data)

    send({"id": 1, "op": op, **params, "input": {"frames": frames, "size": size}})
    with open(src, "rb") as f:
        for i in range(frames):
            chunk = f.read(RAW)
            send(b'{"id":1,"input":{"index":%d},"data":"%s"}' % (i, base64.b64encode(chunk)))
    p.stdin.flush()
    t.join()
    wall = time.monotonic() - t0
    st = pathlib.Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu[op] = min(cpu.get(op, 1e9), (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK"))
    hwm = 0
    for ln in pathlib.Path(f"/proc/{p.pid}/status").read_text().splitlines():
        if ln.startswith("VmHWM:"):
            hwm = int(ln.split()[1])
    p.stdin.close()
    p.wait()
    if not final.get("result", {}).get("complete"):
        sys.exit(f"{op} failed: {final}")
    return wall, hwm


def timed(cmd):
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M", *map(str, cmd)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr.decode()}")
    wall, rss = p.stderr.decode().strip().splitlines()[-1].split()
    return float(wall), int(rss)


cases = [
    ("encrypt aes256-cbc", "sealgate-host",
     lambda: host_stream("smime.encrypt", {"recipients": [str(FX / "bob.pem")], "format": "der"}, msg,
                         TMP / "host.p7m")),
    ("encrypt aes256-cbc", "openssl cms",
     lambda: timed(["openssl", "cms", "-encrypt", "-aes256", "-binary", "-stream", "-outform", "DER", "-in", msg,
                    "-out", TMP / "os.p7m", FX / "bob.pem"])),
    ("decrypt aes256-cbc", "sealgate-host",
     lambda: host_stream("smime.decrypt", {"key": {"path": str(FX / "bob.p12"), "passphrase": PASS}},
                         TMP / "host.p7m", TMP / "host.out")),
    ("decrypt aes256-cbc", "openssl cms",
     lambda: timed(["openssl", "cms", "-decrypt", "-binary", "-inform", "DER", "-in", TMP / "os.p7m", "-inkey",
                    FX / "bob.key", "-recip", FX / "bob.pem", "-out", TMP / "os.out"])),
]

results = {}
for _ in range(RUNS):  # interleaved, so load drift hits both alike
    for op, who, fn in cases:
        wall, rss = fn()
        best = results.get((op, who))
        results[(op, who)] = (min(wall, best[0]), max(rss, best[1])) if best else (wall, rss)

for a in ("host.out", "os.out"):
    if (TMP / a).read_bytes() != msg.read_bytes():
        sys.exit(f"{a} differs from the message")

# with --quick the output is TAP: the table goes out as comments
lead = "# " if QUICK else ""
print(f"{lead}message: {msg.stat().st_size / 1048576:.1f} MiB; {RUNS} runs; best wall time, largest peak RSS")
print(f"{lead}{'operation':<20} {'tool':<14} {'wall s':>8} {'peak MiB':>9} {'time vs openssl':>16}")
for op, who, _ in cases:
    wall, rss = results[(op, who)]
    ref = results[(op, "openssl cms")][0]
    print(f"{lead}{op:<20} {who:<14} {wall:>8.2f} {rss / 1024:>9.1f} {wall / ref if ref else 0:>15.2f}x")
for op, c in cpu.items():
    print(f"# sealgate-host {op}: {c:.2f} s of CPU in the host itself (the rest of its wall time is the client)")
if QUICK:
    print("1..1\nok 1 - the host's encrypt/decrypt round trip gives back the message")
