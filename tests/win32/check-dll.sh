#!/bin/sh
# The add-in DLLs as Windows sees them: the five COM entry points exported,
# TaskDialogIndirect never imported statically (it is looked up at run time
# inside the DLL's activation context), no MinGW runtime DLL needed, the
# common-controls manifest as resource 2; the shipped DLL without the test
# build's hook and class. Prints TAP.
set -u
cpu=$3
case $cpu in
x86_64) objdump=x86_64-w64-mingw32-objdump ;;
*) objdump=i686-w64-mingw32-objdump ;;
esac
n=0
fail=0
ok() {
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}
for dll in "$1" "$2"; do
        name=$(basename "$dll")
        p=$("$objdump" -p "$dll")
        for e in DllGetClassObject DllCanUnloadNow DllRegisterServer DllUnregisterServer DllInstall; do
                echo "$p" | grep -Eq "\] $e\$"
                ok $? "$name ($cpu) exports $e"
        done
        ! echo "$p" | grep -q TaskDialog
        ok $? "$name does not import TaskDialogIndirect"
        ! echo "$p" | grep -Eiq 'DLL Name: (libgcc|libwinpthread|comctl32)'
        ok $? "$name needs no MinGW runtime DLL and no static comctl32"
        strings -a "$dll" | grep -q 'name="Microsoft.Windows.Common-Controls" version="6.0.0.0"'
        ok $? "$name carries the common-controls v6 manifest"
done
# The shipped DLL has no test hook and not the test build's class: its
# prompt can never be answered through an environment variable, and the
# test DLL registered by someone cannot stand in for it. The test DLL has
# both (so this check can fail).
shipped=$1
testdll=$2
has() { # dll pattern: in its ASCII or UTF-16LE strings
        { strings -a "$1"; strings -a -e l "$1"; } | grep -q "$2"
}
! has "$shipped" SEALGATE_TEST_
ok $? "$(basename "$shipped") has no SEALGATE_TEST_ strings (no test hook)"
has "$testdll" SEALGATE_TEST_PROMPT_CHOICE
ok $? "$(basename "$testdll") has the test hook (the check above can fail)"
! has "$shipped" '9E56C05C-ADF8-44F4-AC0E-3E3581E04189'
ok $? "$(basename "$shipped") does not carry the test build's CLSID"
has "$testdll" '9E56C05C-ADF8-44F4-AC0E-3E3581E04189' && ! has "$testdll" '46241D38-B020-4FC9-8502-DD84F4AB64CC'
ok $? "$(basename "$testdll") has its own CLSID, not the shipped one"
has "$shipped" '46241D38-B020-4FC9-8502-DD84F4AB64CC'
ok $? "$(basename "$shipped") registers the shipped CLSID"
echo "1..$n"
echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
