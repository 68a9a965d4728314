#!/usr/bin/env python3
"""The Group Policy templates' texts come from the one catalog: the checked-in
sealgate.admx and .adml files are what packaging/admx/make-admx.py makes from
catalog/texts.json; make-admx.py holds no Japanese literal; every text of the
en-US and ja-JP .adml (display name, description, strings, control labels) is
a catalog text for "admx" in that language, its {n} placeholders filled with
numbers only; every such catalog text is used; the .admx shows no text of its
own (only $(string.*) references). Usage: check-admx-catalog.py SOURCE_ROOT. TAP."""
import ast
import json
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

root = pathlib.Path(sys.argv[1])
admx_dir = root / "packaging/admx"
NS = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"
JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")
checks = []


def check(ok, desc, detail=None):
    checks.append((bool(ok), desc, detail))


# 1. The files in the tree are what the catalog makes.
run = subprocess.run([sys.executable, str(admx_dir / "make-admx.py"), "--check"], capture_output=True, text=True)
check(run.returncode == 0, "sealgate.admx and the .adml files are what make-admx.py makes from the catalog",
      run.stderr.strip())

# 2. No Japanese literal in the generator (its texts are the catalog's).
gen = (admx_dir / "make-admx.py").read_text(encoding="utf-8")
literals = [n.value for n in ast.walk(ast.parse(gen)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
ja_literals = [s[:60] for s in literals if JA_CHAR.search(s)]
check(not ja_literals, "make-admx.py has no Japanese string literal", ja_literals[:5])

# 3. Every text of each .adml is a catalog text.
texts = [t for t in json.loads((root / "catalog/texts.json").read_text(encoding="utf-8"))["texts"]
         if "admx" in t["for"]]
check(len(texts) > 50, f"the catalog has {len(texts)} texts for admx")


def pattern(s):
    """A catalog text as a regular expression: {n} stands for a number."""
    parts = re.split(r"\{\d\}", s)
    return re.compile("[0-9][0-9,]*".join(re.escape(p) for p in parts), re.S)


def adml_texts(adml):
    """(where, text) of every text an administrator reads in the .adml."""
    out = []
    for tag in ("displayName", "description"):
        el = adml.find(NS + tag)
        out.append((tag, el.text if el is not None else None))
    for s in adml.iter(NS + "string"):
        out.append(("string " + s.get("id"), s.text))
    for p in adml.iter(NS + "presentation"):
        for c in p:
            label = c.find(NS + "label")
            out.append((f"presentation {p.get('id')} {c.get('refId')}", (label if label is not None else c).text))
    return out


for locale, lang in (("en-US", "en"), ("ja-JP", "ja")):
    path = admx_dir / locale / "sealgate.adml"
    try:
        adml = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        check(False, f"{locale}: the .adml parses", str(e))
        continue
    pats = [(t["id"], pattern(t[lang])) for t in texts]
    used, foreign = set(), []
    for where, s in adml_texts(adml):
        hit = [tid for tid, rx in pats if s is not None and rx.fullmatch(s)]
        if hit:
            used.update(hit)
        else:
            foreign.append(f"{where}: {s!r:.80}")
    check(not foreign, f"{locale}: every text of the .adml is a catalog text for admx", foreign[:5])
    unused = sorted({t["id"] for t in texts} - used)
    check(not unused, f"{locale}: every catalog text for admx appears in the .adml", unused[:5])

# 4. The .admx refers to the strings; it shows no text of its own.
try:
    admx = ET.parse(admx_dir / "sealgate.admx").getroot()
    bare = sorted({el.get(a) for el in admx.iter() for a in ("displayName", "explainText")
                   if el.get(a) is not None and not re.fullmatch(r"\$\(string\.\w+\)", el.get(a))})
    check(not bare, "sealgate.admx names every text by $(string.*) reference", bare[:5])
except (ET.ParseError, OSError) as e:
    check(False, "sealgate.admx parses", str(e))

for n, (ok, desc, detail) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
    if not ok and detail:
        print(f"# {detail}")
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for ok, _, _ in checks) else 1)
