#!/usr/bin/env python3
"""Layering rule (docs/ARCHITECTURE.md): the pure core modules include only libc
headers and sealgate's own; core/ never includes host, GTK, GLib or Outlook
code; nothing includes a host header. Prints TAP."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
PURE = ["error", "util", "addr", "detect", "policy", "frame", "audit"]
# pure modules private to core/: source and private header, no public header
PURE_PRIVATE = [("idna-common.c", "idna-private.h")]
LIBC = {
    "assert.h", "ctype.h", "errno.h", "inttypes.h", "limits.h", "stdarg.h", "stdbool.h",
    "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "string.h", "time.h",
}
inc_re = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
checks = []

def includes(path):
    return inc_re.findall(path.read_text(encoding="utf-8"))

for name in PURE:
    files = [root / "core" / f"{name}.c", root / "core/include/sealgate" / f"{name}.h"]
    files += sorted((root / "core").glob(f"{name}-private.h"))
    for f in files:
        if not f.exists():
            checks.append((False, f"{f.relative_to(root)} exists"))
            continue
        bad = [i for i in includes(f) if not (i in LIBC or i.startswith("sealgate/") or i.endswith("-private.h"))]
        # the pure modules may call the interfaces idna.h and pattern.h, whose
        # backends live in separate files
        checks.append((not bad, f"{f.relative_to(root)} includes only libc and sealgate headers {bad or ''}"))

for pair in PURE_PRIVATE:
    for name in pair:
        f = root / "core" / name
        if not f.exists():
            checks.append((False, f"core/{name} exists"))
            continue
        bad = [i for i in includes(f) if not (i in LIBC or i.startswith("sealgate/") or i.endswith("-private.h"))]
        checks.append((not bad, f"core/{name} includes only libc and sealgate headers {bad or ''}"))

for f in sorted((root / "core").rglob("*.[ch]")):
    bad = [i for i in includes(f) if re.match(r"(gtk|gdk|glib|gio|libsoup|windows|mapi|host|dispatch)", i)]
    if f.name.startswith("mime"):
        bad = [i for i in bad if not i.startswith(("glib", "gio"))]
    # the Web Key Directory fetch is HTTPS through libsoup (GLib underneath)
    if f.name == "keys-wkd.c":
        bad = [i for i in bad if not i.startswith(("glib", "gio", "libsoup/"))]
    # the Windows backends of idna.h and pattern.h (idna-win32.c, ...) call Win32
    if f.name.endswith("-win32.c"):
        bad = [i for i in bad if i != "windows.h"]
    checks.append((not bad, f"{f.relative_to(root)} includes no UI, client or host header {bad or ''}"))

for sub in ["cli", "gtk-prompt", "win32-mapi", "core"]:
    for f in sorted((root / sub).rglob("*.[ch]")) if (root / sub).exists() else []:
        bad = [i for i in includes(f) if i in ("dispatch.h", "host.h")]
        checks.append((not bad, f"{f.relative_to(root)} uses no host code {bad or ''}"))

for n, (ok, desc) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for ok, _ in checks) else 1)
