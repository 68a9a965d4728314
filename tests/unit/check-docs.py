#!/usr/bin/env python3
"""Docs are part of the feature: every stable error code (core/engine/error.c) is in
docs/protocol.md's error table, and every top-level section of the example
policy is in docs/admin/policy.md. Prints TAP."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
checks = []

codes = re.findall(r'\[SG_(?:OK|ERR_[A-Z0-9_]+)\]\s*=\s*"([a-z0-9_]+)"', (root / "core/engine/error.c").read_text())
checks.append((len(codes) > 40, f"core/engine/error.c names its codes ({len(codes)} found)"))
table = {m for m in re.findall(r"^\| `([a-z0-9_]+)` \|", (root / "docs/protocol.md").read_text(), re.M)}
for c in codes:
    if c == "ok":
        continue
    checks.append((c in table, f"error code {c} has a row in docs/protocol.md's error table"))

policy_doc = (root / "docs/admin/policy.md").read_text()
example = (root / "packaging/policy.example.json").read_text()
for key in sorted(set(re.findall(r'^  "([a-z_]+)"\s*:', example, re.M))):
    checks.append((f"`{key}" in policy_doc, f"policy key {key} (packaging/policy.example.json) is in docs/admin/policy.md"))

for n, (ok, desc) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for ok, _ in checks) else 1)
