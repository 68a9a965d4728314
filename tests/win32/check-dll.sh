#!/bin/sh
# The add-in DLLs as Windows sees them: the five COM entry points exported,
# TaskDialogIndirect never imported statically (it is looked up at run time
# inside the DLL's activation context), no MinGW runtime DLL needed, the
# common-controls manifest as resource 2. Prints TAP.
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
echo "1..$n"
echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
