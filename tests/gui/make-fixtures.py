#!/usr/bin/env python3
"""Regenerate tests/gui/data/decision-{1,20}.json from the real CLI: the
`result` of `sealgate policy-check --json` on data/one.eml and data/twenty.eml
under data/policy.json, plus the members the host adds (subject, attempt,
prompt_timeout_seconds). Usage: make-fixtures.py SEALGATE (from the source root)."""
import json
import pathlib
import subprocess
import sys

DATA = pathlib.Path(__file__).resolve().parent / "data"
for name, eml, subject in [("decision-1.json", "one.eml", "Meeting notes"),
                           ("decision-20.json", "twenty.eml", "Confidential: price list 2027")]:
    out = subprocess.run([sys.argv[1], "policy-check", "--json", "--policy", str(DATA / "policy.json"),
                          str(DATA / eml)], check=False, capture_output=True).stdout
    d = json.loads(out)["messages"][0]["result"]
    d["subject"] = subject
    d["attempt"] = "0123456789abcdef0123456789abcdef"
    d.setdefault("prompt_timeout_seconds", 300)
    (DATA / name).write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
