#!/usr/bin/env python3
"""The command line's three programs link what their commands need
(cli/launcher.c, docs/cli.md): `sealgate` the C library alone,
sealgate-certs-cmd none of the mail commands' libraries, and both routes
reach the right program. Usage: test-programs.py SEALGATE CERTS-CMD FULL. TAP."""
import re
import subprocess
import sys

SEALGATE, CERTS, FULL = sys.argv[1:4]
# libraries of the mail commands (RNP, GPGME) that `certs` never calls
NOT_FOR_CERTS = ("librnp.so", "libgpgme.so", "libidn2.so", "libpcre2-8.so")
n = 0
failed = False


def ok(cond, what, diag=""):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    if not cond:
        failed = True
        for line in str(diag).splitlines():
            print("# " + line)


def needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


# A sanitizer build (-Db_sanitize=address,undefined with gcc) adds its
# runtimes to every program; they are the build's, not the launcher's.
SANITIZER_RUNTIMES = ("libasan.so", "libubsan.so", "liblsan.so", "libtsan.so")
launcher = [l for l in needed(SEALGATE) if not l.startswith(SANITIZER_RUNTIMES)]
ok(launcher == ["libc.so.6"], "sealgate (the launcher) needs libc alone", needed(SEALGATE))
certs = needed(CERTS)
ok(not [l for l in certs if l.startswith(NOT_FOR_CERTS)], "sealgate-certs-cmd needs none of " + ", ".join(NOT_FOR_CERTS),
   certs)
ok("libnss3.so" in certs, "sealgate-certs-cmd needs NSS", certs)
full = needed(FULL)
ok("librnp.so.0" in full and "libgpgme.so.11" in full, "sealgate-cli links the mail commands' libraries", full)

# Both routes: `certs help` is served by the certs program, `help` by the full one.
p = subprocess.run([SEALGATE, "certs", "help"], capture_output=True, text=True)
ok("sealgate certs import FILE" in p.stdout + p.stderr, "sealgate certs help reaches sealgate-certs-cmd",
   p.stdout + p.stderr)
p = subprocess.run([SEALGATE, "help"], capture_output=True, text=True)
ok(p.returncode == 2 and "sealgate policy-check" in p.stderr, "sealgate help reaches sealgate-cli (status 2, usage)",
   f"status {p.returncode}\n{p.stderr}")
p = subprocess.run([SEALGATE, "--version"], capture_output=True, text=True)
ok(p.returncode == 0 and p.stdout.startswith("sealgate "), "sealgate --version", p.stdout + p.stderr)
print(f"1..{n}")
sys.exit(1 if failed else 0)
