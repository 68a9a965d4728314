#!/usr/bin/env python3
"""sealgate: pack the MailExtension folder into an .xpi (a zip), the same
files as tools/dev-install.sh packs (README.md and dot files left out), in a
fixed order with fixed timestamps so that two builds of one tree give the
same bytes.

Usage: make-xpi.py EXTENSION-DIR OUT.xpi
"""
import os
import sys
import zipfile

EPOCH = (1980, 1, 1, 0, 0, 0)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    src, out = sys.argv[1:3]
    if not os.path.isfile(os.path.join(src, "manifest.json")):
        print(f"make-xpi: {src} has no manifest.json", file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(src):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in sorted(files):
                if f == "README.md" or f.startswith("."):
                    continue
                full = os.path.join(root, f)
                info = zipfile.ZipInfo(os.path.relpath(full, src), EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with open(full, "rb") as fh:
                    z.writestr(info, fh.read())
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
