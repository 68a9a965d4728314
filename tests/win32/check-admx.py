#!/usr/bin/env python3
"""The Group Policy templates against the registry reader: sealgate.admx and
both .adml files are well-formed XML; every value win32-common/policy-reg.c
reads (its `known` table) is set by some ADMX policy and every ADMX value is
one the reader reads; every ADMX key is under Software\\Policies\\sealgate; the
en-US and ja-JP .adml define the same string and presentation ids, and those
are exactly the ones the ADMX refers to. Usage: check-admx.py SOURCE_ROOT. TAP."""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

root = pathlib.Path(sys.argv[1])
admx_dir = root / "packaging/admx"
NS = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"
BASE = "Software\\Policies\\sealgate"
checks = []


def check(ok, desc, detail=None):
    checks.append((bool(ok), desc, detail))


def parse(path):
    try:
        tree = ET.parse(path)
        check(True, f"{path.relative_to(root)} is well-formed XML")
        return tree.getroot()
    except (ET.ParseError, OSError) as e:
        check(False, f"{path.relative_to(root)} is well-formed XML", str(e))
        return None


admx = parse(admx_dir / "sealgate.admx")
admls = {lang: parse(admx_dir / lang / "sealgate.adml") for lang in ("en-US", "ja-JP")}

# The reader's table: {"Key", "Value", "json"} rows inside `known[] = { ... };`.
src = (root / "win32-common/policy-reg.c").read_text(encoding="utf-8")
block = re.search(r"known\[\] = \{(.*?)\n\};", src, re.S)
check(block, "policy-reg.c has its table of known values")
reader = set()
for key, value in re.findall(r'\{"([^"]*)", "([A-Za-z]+)", "[a-z_]+"\}', block.group(1) if block else ""):
    reader.add((key.replace("\\\\", "\\"), value))
check(len(reader) > 20, f"the reader's table lists {len(reader)} values")


def normalise(key):
    """ADMX key -> the reader's key pattern (relative, numbered slots as <n>)."""
    if key != BASE and not key.startswith(BASE + "\\"):
        return None
    rel = key[len(BASE) + 1:] if key != BASE else ""
    return re.sub(r"^(Routes|Triggers)\\\d+", r"\1\\<n>", rel)


admx_values, header_lists, string_refs, pres_refs, bad_keys = set(), 0, set(), set(), []
if admx is not None:
    for pol in admx.iter(NS + "policy"):
        key = pol.get("key")
        rel = normalise(key)
        if rel is None:
            bad_keys.append(key)
            continue
        if pol.get("valueName"):
            admx_values.add((rel, pol.get("valueName")))
        for el in pol.find(NS + "elements") or []:
            if el.tag == NS + "list":
                lk = normalise(el.get("key") or key)
                if lk == re.sub(r"\\Headers$", "", lk) + "\\Headers" and lk.startswith("Routes\\<n>"):
                    header_lists += 1
                else:
                    bad_keys.append(el.get("key"))
                continue
            ek = normalise(el.get("key")) if el.get("key") else rel
            if ek is None:
                bad_keys.append(el.get("key"))
            else:
                admx_values.add((ek, el.get("valueName")))
        pres = re.fullmatch(r"\$\(presentation\.(\w+)\)", pol.get("presentation") or "")
        if pres:
            pres_refs.add(pres.group(1))
    text = (admx_dir / "sealgate.admx").read_text(encoding="utf-8")
    string_refs = set(re.findall(r"\$\(string\.(\w+)\)", text))

check(not bad_keys, "every ADMX key is under HKLM\\" + BASE, bad_keys)
missing = sorted(reader - admx_values)
extra = sorted(admx_values - reader)
check(not missing, "every value the reader reads is set by an ADMX policy", missing)
check(not extra, "every value the ADMX sets is one the reader reads", extra)
check(header_lists > 0, f"route headers are an ADMX list under Routes\\<n>\\Headers ({header_lists} slots)")

ids = {}
for lang, adml in admls.items():
    if adml is None:
        continue
    strings = [s.get("id") for s in adml.iter(NS + "string")]
    presentations = [p.get("id") for p in adml.iter(NS + "presentation")]
    check(len(strings) == len(set(strings)), f"{lang}: string ids are unique")
    check(all((s.text or "").strip() for s in adml.iter(NS + "string")), f"{lang}: no empty string")
    check(string_refs <= set(strings), f"{lang}: defines every string the ADMX uses",
          sorted(string_refs - set(strings)))
    check(set(presentations) == pres_refs, f"{lang}: defines exactly the ADMX's presentations",
          sorted(set(presentations) ^ pres_refs))
    # Each control refers to an element of its policy.
    elements = {}
    if admx is not None:
        for pol in admx.iter(NS + "policy"):
            elements[pol.get("name")] = {el.get("id") for el in (pol.find(NS + "elements") or [])}
    bad = []
    for p in adml.iter(NS + "presentation"):
        refs = {c.get("refId") for c in p if c.get("refId")}
        if refs != elements.get(p.get("id"), set()):
            bad.append(p.get("id"))
    check(not bad, f"{lang}: each presentation has one control per element of its policy", bad)
    ids[lang] = (set(strings), set(presentations))

if len(ids) == 2:
    en, ja = ids["en-US"], ids["ja-JP"]
    check(en[0] == ja[0], "en-US and ja-JP define the same string ids", sorted(en[0] ^ ja[0]))
    check(en[1] == ja[1], "en-US and ja-JP define the same presentation ids", sorted(en[1] ^ ja[1]))
    ja_text = (admx_dir / "ja-JP/sealgate.adml").read_text(encoding="utf-8")
    check(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja_text), "ja-JP strings are in Japanese")

for n, (ok, desc, detail) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
    if not ok and detail:
        print(f"# {detail}")
print(f"1..{len(checks)}")
sys.exit(0 if all(ok for ok, _, _ in checks) else 1)
