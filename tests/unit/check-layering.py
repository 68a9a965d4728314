#!/usr/bin/env python3
"""Layering rule (docs/ARCHITECTURE.md), read from the folders of core/, not
from lists of file names: a new file is checked the day it appears.

  core/engine/    libc and engine/ only
  core/platform/  engine/ and the system headers of its backends
  core/json/      engine/, json/ and json-c
  core/crypto/    engine/, json/, crypto/ and the crypto libraries
  nothing outside platform/ includes a platform header; nothing includes a
  host header (thunderbird-native/host/*.h) outside the host.
Prints TAP."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
core = root / "core"
LIBC = {
    "assert.h", "ctype.h", "errno.h", "inttypes.h", "limits.h", "stdarg.h", "stdbool.h",
    "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "string.h", "time.h",
}
# the headers each folder's sealgate/ exports (and its private headers)
def own(folder):
    d = core / folder
    return ({f"sealgate/{p.name}" for p in (d / "sealgate").glob("*.h")}
            | {p.name for p in d.glob("*.h")})

ENGINE, JSON, CRYPTO = own("engine"), own("json"), own("crypto")
POSIX = {"unistd.h", "fcntl.h", "dirent.h", "dlfcn.h", "pwd.h", "pthread.h", "poll.h", "strings.h", "ftw.h"}
POSIX_PREFIX = ("sys/", "arpa/", "netinet/")
PLATFORM_SYS = {"idn2.h", "windows.h", "uninorm.h", "unistr.h", "malloc.h"} | POSIX
PLATFORM_PREFIX = ("pcre2", "unistring/") + POSIX_PREFIX
CRYPTO_LIBS = ("openssl/", "nss", "pk11", "cert", "cms", "secoid", "secerr", "sechash", "prerror", "prio",
               "prinit", "prtime", "plbase64", "pkcs12", "p12", "ciferfam", "ocsp", "smime", "ssl", "keyhi", "secmod",
               "gpgme", "gpg-error", "gmime/", "glib", "gio/", "libsoup/", "json-c/", "rnp/",
               "sqlite3.h")
ALLOWED = {
    "engine": lambda i: i in LIBC or i in ENGINE,
    "platform": lambda i: (i in LIBC or i in ENGINE or i in PLATFORM_SYS
                           or i.startswith(PLATFORM_PREFIX) or i.startswith("sys/")),
    "json": lambda i: i in LIBC or i in ENGINE or i in JSON or i.startswith("json-c/"),
    "crypto": lambda i: (i in LIBC or i in ENGINE or i in JSON or i in CRYPTO or i in POSIX
                         or i.startswith(POSIX_PREFIX) or i.startswith(CRYPTO_LIBS)),
}
inc_re = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
checks = []

def includes(path):
    return inc_re.findall(path.read_text(encoding="utf-8"))

folders = sorted(p.name for p in core.iterdir() if p.is_dir())
checks.append((folders == sorted(ALLOWED), f"core/ holds exactly the folders {sorted(ALLOWED)} ({folders})"))
for f in sorted(core.glob("*.[ch]")):
    checks.append((False, f"{f.relative_to(root)} lives in a layer folder, not in core/ itself"))
for folder, ok in ALLOWED.items():
    for f in sorted((core / folder).rglob("*.[ch]")):
        bad = [i for i in includes(f) if not ok(i)]
        checks.append((not bad, f"{f.relative_to(root)} includes only what core/{folder}/ may {bad or ''}"))

HOST_HEADERS = {p.name for p in (root / "thunderbird-native/host").glob("*.h")}
for sub in ["cli", "gtk-prompt", "win32-mapi", "win32-common", "core"]:
    for f in sorted((root / sub).rglob("*.[ch]")) if (root / sub).exists() else []:
        bad = [i for i in includes(f) if pathlib.PurePath(i).name in HOST_HEADERS and not i.startswith("sealgate/")]
        checks.append((not bad, f"{f.relative_to(root)} uses no host code {bad or ''}"))

# One module per file pair, none a reader must scroll through for minutes.
LINES_MAX = 1000
for f in sorted(list(core.rglob("*.c")) + list((root / "thunderbird-native/host").glob("*.c"))):
    n = f.read_text(encoding="utf-8").count("\n")
    checks.append((n <= LINES_MAX, f"{f.relative_to(root)} has at most {LINES_MAX} lines ({n})"))

for n, (ok, desc) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for ok, _ in checks) else 1)
