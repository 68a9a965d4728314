#!/bin/sh
# The Outlook add-in under Wine, driven by the stand-in Outlook (test-addin.exe):
# a fresh Wine prefix, per-user and per-machine registration with regsvr32,
# the policy cases, the ribbon XML (well-formed, callbacks resolve), then
# unregistration, which must leave HKLM\Software and HKCU\Software exactly as
# they were. Prints TAP (closing comment "# N passed, N failed").
#
#   run-addin.sh DLL TEST_EXE WORKDIR            the tests
#   run-addin.sh --bench N DLL TEST_EXE WORKDIR  timings (docs/performance.md)
set -u
bench=""
if [ "${1:-}" = "--bench" ]; then
        bench=$2
        shift 2
fi
dll=$1
exe=$2
work=$3
wine=${WINE:-wine}
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEPREFIX="$work/wineprefix-addin"
here=$(cd "$(dirname "$0")" && pwd)
n=0
fail=0
ok() { # cond-status description
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}
finish() {
        "${WINESERVER:-wineserver}" -k >/dev/null 2>&1
        # A prefix is about 700 MB: keep it only to look into a failure.
        [ "$fail" -eq 0 ] && rm -rf "$WINEPREFIX"
        echo "1..$n"
        echo "# $((n - fail)) passed, $fail failed"
        [ "$fail" -eq 0 ]
        exit $?
}
winpath() { printf 'Z:%s\n' "$(printf '%s' "$1" | sed 's|/|\\|g')"; }
export_reg() { # out
        : >"$1"
        for k in 'HKLM\Software' 'HKCU\Software'; do
                "$wine" reg export "$k" "$1.tmp" /y >/dev/null 2>&1 && iconv -f UTF-16 -t UTF-8 "$1.tmp" >>"$1"
        done
        rm -f "$1.tmp"
}
clsid='{9E56C05C-ADF8-44F4-AC0E-3E3581E04189}' # the test build's own (outlook-om.h)
wdll=$(winpath "$dll")

mkdir -p "$work"
rm -rf "$WINEPREFIX"
"$wine" wineboot -i >/dev/null 2>&1
"${WINESERVER:-wineserver}" -w
ok $([ -f "$WINEPREFIX/system.reg" ] && echo 0 || echo 1) "fresh Wine prefix"

# The test policy (Group Policy keys, read by the add-in at the first send).
python3 "$here/addin-policy.py" "$work/policy.reg" && "$wine" regedit /S "$(winpath "$work/policy.reg")"
ok $? "test policy imported (addin-policy.py, regedit /S)"

if [ -n "$bench" ]; then
        "$wine" regsvr32 /s /n /i:machine "$wdll"
        "$wine" "$exe" --bench "$bench" | tr -d '\r'
        "${WINESERVER:-wineserver}" -k >/dev/null 2>&1
        rm -rf "$WINEPREFIX"
        exit 0
fi

# The test's key containers and certificate store exist before the snapshot.
"$wine" "$exe" --prepare
ok $? "test certificate store and keys prepared (test-addin.exe --prepare)"

# Windows always has HKCU\Software\Classes\CLSID; a fresh Wine prefix does not,
# and per-user registration must not be blamed for creating it.
"$wine" reg add 'HKCU\Software\Classes\CLSID' /f >/dev/null 2>&1
export_reg "$work/registry-before.txt"

# Per user (DllRegisterServer): what a developer does. Wine's COM does not read
# HKCU\Software\Classes, so CoCreateInstance is tested per machine below.
"$wine" regsvr32 /s "$wdll"
ok $? "regsvr32 (per user)"
"$wine" reg query 'HKCU\Software\Microsoft\Office\Outlook\Addins\sealgate.OutlookAddinTest' /v LoadBehavior 2>/dev/null |
        tr -d '\r' | grep -q 'REG_DWORD *0x3'
ok $? "per user: HKCU Outlook Addins key with LoadBehavior 3"
"$wine" reg query "HKCU\\Software\\Classes\\CLSID\\$clsid\\InprocServer32" /v ThreadingModel 2>/dev/null |
        tr -d '\r' | grep -q 'Apartment'
ok $? "per user: InprocServer32 with ThreadingModel Apartment"
"$wine" regsvr32 /s /u "$wdll"
ok $? "regsvr32 /u (per user)"

"$wine" regsvr32 /s /n /i:machine "$wdll"
ok $? "regsvr32 /n /i:machine (per machine)"
"$wine" reg query "HKLM\\Software\\Classes\\CLSID\\$clsid\\InprocServer32" 2>/dev/null | tr -d '\r' |
        grep -qi "sealgate-outlook"
ok $? "per machine: InprocServer32 names the DLL"

# The stand-in Outlook.
"$wine" "$exe" --ribbon-xml "$(winpath "$work/ribbon.xml")" >"$work/test-addin.out" 2>&1
status=$?
tr -d '\r' <"$work/test-addin.out" | sed 's/^/# /'
summary=$(tr -d '\r' <"$work/test-addin.out" | tail -n 1)
echo "$summary" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' && [ "$status" -eq 0 ]
ok $? "stand-in Outlook: $summary"

python3 - "$work/ribbon.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = "{http://schemas.microsoft.com/office/2009/07/customui}"
docs = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip()]
assert len(docs) == 2, docs
for d in docs:
    root = ET.fromstring(d)
    assert root.tag == ns + "customUI", root.tag
    toggles = root.findall(".//" + ns + "toggleButton")
    assert [t.get("id") for t in toggles] == ["sgEncrypt", "sgPortal"], toggles
    for t in toggles:
        for a in ("onAction", "getPressed", "getLabel"):
            assert t.get(a), (t.get("id"), a)
print("# ribbon XML: 2 documents, well-formed")
PY
ok $? "GetCustomUI returns well-formed ribbon XML (python xml.etree)"

"$wine" regsvr32 /s /u /n /i:machine "$wdll"
ok $? "regsvr32 /u /n /i:machine"
export_reg "$work/registry-after.txt"
diff "$work/registry-before.txt" "$work/registry-after.txt" >"$work/registry.diff"
st=$?
sed 's/^/# /' "$work/registry.diff" | head -40
ok $st "unregistration leaves HKLM\\Software and HKCU\\Software as they were"

finish
