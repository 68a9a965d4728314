#!/usr/bin/env python3
"""The hardening of the built binaries, as a packager's checker sees it. Prints TAP.

    check-hardening.py elf --require pie,stackprotector,fortify,relro,bindnow,cet BIN...
    check-hardening.py pe --objdump x86_64-w64-mingw32-objdump --require dynamicbase,nxcompat,highentropyva,reloc BIN...

ELF: Debian's hardening-check (devscripts) for PIE, the stack protector,
_FORTIFY_SOURCE, RELRO and BIND_NOW. For -fcf-protection (cet) hardening-check
wants the IBT/SHSTK property note on the linked binary, which the linker drops
when any start file lacks it (Debian 12's glibc crt1.o/crti.o do); so where
that note is absent, main must start with an ENDBR instruction instead.
PE: objdump -p, the DllCharacteristics bits (ASLR, DEP, 64-bit ASLR) and a
non-empty base relocation directory (without it Windows cannot move the image).

--expect-missing instead of --require: the self-test on a binary built without
the flags; each named property must be reported missing (so the check can fail).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

ELF_PROPS = {
    # name: (hardening-check line, what adds it)
    "pie": ("Position Independent Executable", "b_pie=true (-fPIE -pie)"),
    "stackprotector": ("Stack protected", "-fstack-protector-strong"),
    "fortify": ("Fortify Source functions", "-D_FORTIFY_SOURCE=3 (or 2) with optimisation"),
    "relro": ("Read-only relocations", "-Wl,-z,relro"),
    "bindnow": ("Immediate binding", "-Wl,-z,now"),
    "cet": ("Control flow integrity", "-fcf-protection"),
}
PE_BITS = {
    "dynamicbase": (0x0040, "DYNAMIC_BASE", "-Wl,--dynamicbase"),
    "nxcompat": (0x0100, "NX_COMPAT", "-Wl,--nxcompat"),
    "highentropyva": (0x0020, "HIGH_ENTROPY_VA", "-Wl,--high-entropy-va"),
}

results = []


def report(ok, desc, why=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {desc}")
    if why:
        print(f"#   {why}")


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.stdout


def starts_with_endbr(path):
    """Whether main's first instruction is ENDBR64/ENDBR32."""
    out = run(["objdump", "-d", "--no-show-raw-insn", "--disassemble=main", path])
    m = re.search(r"<main>:\n\s*[0-9a-f]+:\s*(\S+)", out)
    return bool(m) and m.group(1) in ("endbr64", "endbr32")


def elf_props(path):
    """{prop: (present, hardening-check's words)}"""
    out = run(["hardening-check", path])
    lines = {}
    for line in out.splitlines():
        k, sep, v = line.strip().partition(": ")
        if sep:
            lines[k] = v
    props = {}
    for name, (key, _) in ELF_PROPS.items():
        v = lines.get(key)
        if v is None:
            props[name] = (False, f"hardening-check printed no '{key}' line: {out.strip()[:300]}")
            continue
        present = v.startswith("yes")
        if name == "fortify" and v.startswith("unknown, no protectable"):
            present = True  # nothing to protect is not a missing flag
        if name == "cet" and not present and starts_with_endbr(path):
            present = True
            v += " (the start files lack the note; main starts with ENDBR)"
        props[name] = (present, v)
    for key in ("Stack clash protection",):
        if key in lines:
            print(f"# {os.path.basename(path)}: {key}: {lines[key]}")
    return props


def pe_props(objdump, path):
    out = run([objdump, "-p", path])
    props = {}
    m = re.search(r"^DllCharacteristics\s+([0-9a-fA-F]+)", out, re.M)
    chars = int(m.group(1), 16) if m else None
    for name, (bit, word, _) in PE_BITS.items():
        if chars is None:
            props[name] = (False, "objdump printed no DllCharacteristics")
        else:
            props[name] = (bool(chars & bit), f"DllCharacteristics {chars:08x}, {word} {'set' if chars & bit else 'not set'}")
    m = re.search(r"^Entry 5 [0-9a-fA-F]+ ([0-9a-fA-F]+) Base Relocation Directory", out, re.M)
    size = int(m.group(1), 16) if m else 0
    props["reloc"] = (size > 0, f"base relocation directory of {size} bytes")
    return props


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["elf", "pe"])
    ap.add_argument("--objdump", default="objdump")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--require", help="comma-separated properties that must be present")
    g.add_argument("--expect-missing", help="comma-separated properties the check must report missing")
    ap.add_argument("binaries", nargs="+")
    a = ap.parse_args()
    names = [n for n in (a.require or a.expect_missing).split(",") if n]
    known = ELF_PROPS if a.kind == "elf" else {**PE_BITS, "reloc": None}
    for n in names:
        if n not in known:
            ap.error(f"unknown property {n!r} for {a.kind} (one of {', '.join(known)})")

    tool = "hardening-check" if a.kind == "elf" else a.objdump
    if not shutil.which(tool):
        report(False, f"{tool} found", "install it: tools/install-deps.sh test (hardening-check is in devscripts)")
        print(f"1..{len(results)}")
        return 1

    for path in a.binaries:
        base = os.path.basename(path)
        if not os.path.exists(path):
            report(False, f"{base} exists", path)
            continue
        props = elf_props(path) if a.kind == "elf" else pe_props(a.objdump, path)
        for n in names:
            present, words = props[n]
            if a.require:
                how = ELF_PROPS[n][1] if a.kind == "elf" else (PE_BITS[n][2] if n in PE_BITS else "--dynamicbase keeps .reloc")
                report(present, f"{base}: {n}", f"{words}" + ("" if present else f"; missing: {how}"))
            else:
                report(not present, f"{base}: the check reports {n} missing", words)
    print(f"1..{len(results)}")
    failed = results.count(False)
    print(f"# {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
