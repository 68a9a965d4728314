#!/usr/bin/env python3
"""The command line's three programs link what their commands need
(cli/launcher.c, docs/cli.md): `sealgate` the C library alone,
sealgate-certs-cmd none of the mail commands' libraries, sealgate-pgp-cmd
none of the S/MIME, certificate and lookup libraries, and every route
reaches the right program. Usage: test-programs.py SEALGATE CERTS-CMD FULL
[PGP-CMD]. TAP."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SEALGATE, CERTS, FULL = sys.argv[1:4]
PGP = sys.argv[4] if len(sys.argv) > 4 else None
# libraries of the mail commands (RNP, GPGME) that `certs` never calls
NOT_FOR_CERTS = ("librnp.so", "libgpgme.so", "libidn2.so", "libpcre2-8.so")
# libraries of S/MIME, certificates and key lookup that `pgp` never calls
NOT_FOR_PGP = ("libnss3.so", "libcrypto.so", "libssl.so", "libsoup-3.0.so", "librnp.so", "libsqlite3.so")
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

if PGP:
    pgp = needed(PGP)
    ok(not [l for l in pgp if l.startswith(NOT_FOR_PGP)], "sealgate-pgp-cmd needs none of " + ", ".join(NOT_FOR_PGP),
       pgp)
    ok("libgpgme.so.11" in pgp, "sealgate-pgp-cmd needs GPGME", pgp)

# Every route: `certs help` is served by the certs program, `help` by the full one.
p = subprocess.run([SEALGATE, "certs", "help"], capture_output=True, text=True)
ok("sealgate certs import FILE" in p.stdout + p.stderr, "sealgate certs help reaches sealgate-certs-cmd",
   p.stdout + p.stderr)
if PGP:
    p = subprocess.run([SEALGATE, "pgp", "help"], capture_output=True, text=True)
    ok("sealgate pgp encrypt --recipient WHO" in p.stdout + p.stderr, "sealgate pgp help reaches sealgate-pgp-cmd",
       p.stdout + p.stderr)
    # which program the launcher picks: a copy of it next to two stand-ins
    # that say who they are (the real two print the same pgp usage)
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(SEALGATE, os.path.join(d, "sealgate"))
        for name in ("sealgate-pgp-cmd", "sealgate-cli", "sealgate-certs-cmd"):
            with open(os.path.join(d, name), "w") as f:
                f.write(f'#!/bin/sh\necho "{name} $*"\n')
            os.chmod(os.path.join(d, name), 0o755)
        p = subprocess.run([os.path.join(d, "sealgate"), "pgp", "decrypt", "-o", "x"], capture_output=True, text=True)
        ok(p.stdout == "sealgate-pgp-cmd pgp decrypt -o x\n", "the launcher runs sealgate-pgp-cmd for pgp, same arguments",
           p.stdout + p.stderr)
        p = subprocess.run([os.path.join(d, "sealgate"), "pgpx"], capture_output=True, text=True)
        ok(p.stdout == "sealgate-cli pgpx\n", "the launcher runs sealgate-cli for any other command", p.stdout + p.stderr)
    p = subprocess.run([PGP, "pgp", "decrypt", "--no-such-option"], capture_output=True, text=True)
    ok(p.returncode == 2, "sealgate-pgp-cmd: an unknown option is a usage error (status 2)",
       f"status {p.returncode}\n{p.stderr}")
p = subprocess.run([SEALGATE, "help"], capture_output=True, text=True)
ok(p.returncode == 2 and "sealgate policy-check" in p.stderr, "sealgate help reaches sealgate-cli (status 2, usage)",
   f"status {p.returncode}\n{p.stderr}")
p = subprocess.run([SEALGATE, "--version"], capture_output=True, text=True)
ok(p.returncode == 0 and p.stdout.startswith("sealgate "), "sealgate --version", p.stdout + p.stderr)
print(f"1..{n}")
sys.exit(1 if failed else 0)
