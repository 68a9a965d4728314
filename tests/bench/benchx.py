"""What the command-line benchmarks (bench-smime.py, bench-pgp.py) share: the
test message, timing one command with GNU time, interleaved runs and the
min/median/max table with ratios of medians to a reference tool."""
import statistics
import subprocess
import sys


def write_message(path, mib):
    """A MIME entity of about `mib` MiB (at least one line) at path: base64
    lines, as an attachment would be. Returns its size in bytes."""
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0" + b"\r\n"
    with open(path, "wb") as f:
        f.write(b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
        f.write(line * max(1, int(mib * 1024 * 1024) // len(line)))
    return path.stat().st_size


def timed(cmd):
    """(wall seconds, peak RSS KiB, CPU seconds user + system) of cmd and its
    waited-for children, via GNU time; exits on failure."""
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", *map(str, cmd)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr.decode()}")
    wall, rss, user, system = p.stderr.decode().strip().splitlines()[-1].split()
    return float(wall), int(rss), float(user) + float(system)


def run_interleaved(cases, runs):
    """{(op, who): [timed(), ...]} for the (op, who, cmd) cases, run after one
    another `runs` times, so that load drift hits every tool alike."""
    results = {}
    for _ in range(runs):
        for op, who, cmd in cases:
            results.setdefault((op, who), []).append(timed(cmd))
    return results


def mmm(xs):
    xs = sorted(xs)
    return xs[0], statistics.median(xs), xs[-1]


def print_table(cases, results, ref, op_w, who_w, cpu_digits):
    """One line per case: wall and CPU min/median/max, peak RSS, and the
    ratios of the medians to those of (op, ref)."""
    print(f"{'operation':<{op_w}} {'tool':<{who_w}} {'wall s':>17} {'cpu s':>17} {'peak MiB':>9} {'wall vs':>8} "
          f"{'cpu vs':>7}")
    for op, who, _ in cases:
        rs = results[(op, who)]
        wall, cpu = mmm([r[0] for r in rs]), mmm([r[2] for r in rs])
        rss = max(r[1] for r in rs)
        refs = results[(op, ref)]
        rwall, rcpu = mmm([r[0] for r in refs])[1], mmm([r[2] for r in refs])[1]
        c = cpu_digits
        print(f"{op:<{op_w}} {who:<{who_w}} {wall[0]:>5.2f}/{wall[1]:>5.2f}/{wall[2]:>5.2f} {cpu[0]:>5.{c}f}/"
              f"{cpu[1]:>5.{c}f}/{cpu[2]:>5.{c}f} {rss / 1024:>9.1f} {wall[1] / rwall if rwall else 0:>7.2f}x "
              f"{cpu[1] / rcpu if rcpu else 0:>6.2f}x")
