#!/usr/bin/env python3
"""The command line's three programs link what their commands need
(cli/launcher.c, docs/cli.md): `sealgate` the C library alone,
sealgate-certs-cmd none of the mail commands' libraries nor those of
revocation, gpgsm and signed messages (in sealgate-certs-module.so, opened on
first use: cli/certs-load.c), sealgate-pgp-cmd none of the S/MIME,
certificate and lookup libraries, and every route reaches the right program.
With the corpus and certutil: a PKCS#12 import into NSS maps none of those
libraries nor the module (LD_DEBUG=files), a signed message's import opens
the module, and a module that cannot be loaded refuses the message
(crypto_unavailable) while the PKCS#12 import goes on.
Usage: test-programs.py SEALGATE CERTS-CMD FULL CERTS-MODULE SOURCE_ROOT [PGP-CMD]. TAP."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SEALGATE, CERTS, FULL, MODULE, ROOT = sys.argv[1:6]
PGP = sys.argv[6] if len(sys.argv) > 6 else None
# libraries of the mail commands (RNP, GPGME) that `certs` never calls
NOT_FOR_CERTS = ("librnp.so", "libgpgme.so", "libidn2.so", "libpcre2-8.so")
# libraries only revocation, gpgsm and signed messages use: the module's
MODULE_ONLY = ("libcrypto.so", "libssl.so", "libgmime-3.0.so", "libsoup-3.0.so", "libgio-2.0.so", "libglib-2.0.so",
               "libgobject-2.0.so")
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
ok(not [l for l in certs if l.startswith(MODULE_ONLY)],
   "sealgate-certs-cmd needs none of " + ", ".join(MODULE_ONLY) + " (the module's)", certs)
module = needed(MODULE)
ok("libcrypto.so.3" in module and "libgmime-3.0.so.0" in module and "libsoup-3.0.so.0" in module,
   "sealgate-certs-module.so links OpenSSL, GMime and libsoup", module)
exported = subprocess.run(["nm", "-D", "--defined-only", MODULE], capture_output=True, text=True).stdout.split()
ok([w for w in exported if w.startswith("sg_")] == ["sg_certs_module_get"],
   "sealgate-certs-module.so exports sg_certs_module_get alone", exported)
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

# ---- what an import maps at run time
root = pathlib.Path(ROOT).resolve()
corpus = next((p for p in [pathlib.Path(os.environ.get("SEALGATE_CORPUS", "/nonexistent")),
                           root.parent / "shared" / "corpus", root.parent.parent / "shared" / "corpus"]
               if (p / "tb-smime" / "Alice.p12").exists()), None)
if corpus is None or not shutil.which("certutil"):
    n += 1
    print(f"ok {n} - what an import maps at run time # SKIP the test corpus (SEALGATE_CORPUS) or certutil is missing")
else:
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-programs-"))
    pw = tmp / "pw"
    pw.write_text("nss\n")
    p12 = corpus / "tb-smime" / "Alice.p12"
    eml = corpus / "tb-smime" / "alice.dsig.SHA256.multipart.eml"

    def fresh(name):
        d = tmp / name
        d.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{d}", "--empty-password"], check=True, capture_output=True)
        return d

    def loaded(prog, *args):
        """Status, stderr without the loader's lines, and every object mapped."""
        p = subprocess.run([prog, "certs", "import", *map(str, args)], capture_output=True, text=True,
                           env=dict(os.environ, LD_DEBUG="files", LC_ALL="C"))
        objs = set(re.findall(r"file=(\S+) \[0\];", p.stderr))
        err = "\n".join(l for l in p.stderr.splitlines() if not re.match(r"^\s*\d+:", l))
        return p.returncode, err, {os.path.basename(o) for o in objs}

    rc, err, objs = loaded(SEALGATE, p12, "--profile", fresh("p12"), "--password-file", pw)
    bad = sorted(o for o in objs if o.startswith(MODULE_ONLY + NOT_FOR_CERTS) or o == os.path.basename(MODULE))
    ok(rc == 0 and not bad and "libsoftokn3.so" in objs,
       "sealgate certs import Alice.p12 maps NSS without the module or its libraries", f"{rc} {bad}\n{err}")
    rc, err, objs = loaded(SEALGATE, eml, "--profile", fresh("eml"))
    ok(rc == 0 and os.path.basename(MODULE) in objs and "libgmime-3.0.so.0" in objs,
       "sealgate certs import of a signed message opens the module (GMime)", f"{rc} {sorted(objs)}\n{err}")
    # a copy of the program next to a file that is not a module: found first, refused
    alone = tmp / "alone"
    alone.mkdir()
    shutil.copy(CERTS, alone / "sealgate-certs-cmd")
    (alone / os.path.basename(MODULE)).write_text("not a module\n")
    rc, err, objs = loaded(alone / "sealgate-certs-cmd", eml, "--profile", fresh("broken"))
    ok(rc == 1 and "crypto_unavailable" in err and "cannot be loaded" in err,
       "a module that cannot be loaded: the message is refused with crypto_unavailable", f"{rc}\n{err}")
    rc, err, objs = loaded(alone / "sealgate-certs-cmd", p12, "--profile", fresh("p12b"), "--password-file", pw)
    ok(rc == 0, "without the module a PKCS#12 import still works", f"{rc}\n{err}")
    shutil.rmtree(tmp, ignore_errors=True)
print(f"1..{n}")
sys.exit(1 if failed else 0)
