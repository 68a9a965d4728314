#!/usr/bin/env python3
"""Docs are part of the feature: every stable error code (core/engine/error.c) is in
docs/protocol.md's error table, and every top-level section of the example
policy is in docs/admin/policy.md, and no user or admin doc describes a
feature as future ("does not exist yet", "a later issue", "deb/MSI later"):
docs say what is true today. Prints TAP."""
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

# Phrases that mark a feature as future. What a doc says is missing today
# ("not supported by the Outlook add-in yet") is true and allowed; "try again
# later", "Thunderbird 128 and later", "2 s later" are not about features.
FUTURE = re.compile(
    r"does(?: not|n't) exist yet|not (?:built|implemented|written|shipped) yet|\ba later (?:issue|session|release|version)"
    r"|\b(?:is|are) planned\b|\bwill (?:be added|come|ship|land)\b|\bcoming soon\b|\bin a future (?:issue|release|version)"
    r"|\b[\w/-]+ later(?=\s*(?:$|[.;)]))(?<!\bor later)(?<!\band later)(?<!\bagain later)(?<!\bs later)(?<!\bone later)(?<!\ba later)(?<!\bit later)(?<!\bthe later)",
    re.I | re.M)
user_docs = sorted(root.glob("docs/user/*.md")) + sorted(root.glob("docs/admin/*.md"))
user_docs += [root / p for p in ("README.md", "docs/ARCHITECTURE.md", "docs/cli.md", "docs/protocol.md",
                                 "gtk-prompt/README.md", "win32-mapi/README.md",
                                 "thunderbird-native/extension/README.md") if (root / p).exists()]
for doc in user_docs:
    text = doc.read_text(encoding="utf-8")
    hits = [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(0)!r}" for m in FUTURE.finditer(text)]
    checks.append((not hits, f"{doc.relative_to(root)} describes no feature as future {hits or ''}"))

for n, (ok, desc) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for ok, _ in checks) else 1)
