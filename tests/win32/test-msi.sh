#!/bin/sh
# The MSI of this build's architecture (packaging/build-msi.sh). Always: its
# tables read with msiinfo (files, registry values, the Condition rows, the
# upgrade), so the x86 MSI is checked where it cannot run. On x64 also, under
# Wine in a fresh prefix: msiexec /i /qn with public properties, the files
# and keys read back with `wine reg query`, the installed host answering
# doctor through the registration the MSI wrote and writing its audit record
# to the Event Log (Wine's ReportEventW logs the event's string on the
# eventlog debug channel: that is what is read back), an upgrade from a lower
# version leaving one product, and an uninstall leaving no file and no key
# (every value under the keys it
# touches, before and after, compared). After the install also: the
# installed sealgate.exe doctor passes through the MSI's registration, fails
# naming the manifest once the manifest file is deleted, and passes again
# after a repair (REINSTALL=ALL REINSTALLMODE=amus, what /fa sets) has
# brought the file back, and kept the policy values of the public properties
# (remembered at install: also through the upgrade, and a new value on the
# command line wins); and the stand-in
# Outlook (test-addin.exe --msi) loads the shipped add-in through the COM
# registration the MSI wrote (no regsvr32) and sends one message. Prints TAP.
#
#   test-msi.sh SOURCE-ROOT BUILD-DIR ARCH(x64|x86) WORK-DIR [TEST-ADDIN.EXE]
set -u
root=$1 bdir=$2 arch=$3 work=$4 addin_exe=${5:-}
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
check() { desc=$1; shift; "$@" >/dev/null 2>&1; ok $? "$desc"; }
finish() { echo "1..$n"; echo "# $((n - failed)) passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

rm -rf "$work"
mkdir -p "$work/old" "$work/new"
if [ "$arch" = x64 ]; then b64=$bdir b32=/nonexistent; else b64=/nonexistent b32=$bdir; fi
msi=$("$root/packaging/build-msi.sh" "$work/new" "$b64" "$b32" 2>"$work/build.log")
ok $? "build-msi.sh builds the $arch MSI"
[ -f "$msi" ] || { cat "$work/build.log" | sed 's/^/# /'; finish; }
version=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$root/meson.build" | head -1)
check "the MSI is named after meson's version $version" test "$(basename "$msi")" = "sealgate-$version-$arch.msi"

# ---- tables
msiinfo export "$msi" Property >"$work/Property.idt"
msiinfo export "$msi" Registry >"$work/Registry.idt"
msiinfo export "$msi" File >"$work/File.idt"
msiinfo export "$msi" Component >"$work/Component.idt"
msiinfo export "$msi" Condition >"$work/Condition.idt"
msiinfo export "$msi" Upgrade >"$work/Upgrade.idt"
check "ProductVersion is $version" grep -q "^ProductVersion	$version" "$work/Property.idt"
for f in sealgate-host.exe sealgate.exe sealgate-outlook.dll sealgate.host.json sealgate.xpi sealgate.admx sealgate.adml windows.md windows.ja.md; do
        check "File table: $f" grep -q "	$f	" "$work/File.idt"
done
for k in 'Software\\Classes\\CLSID\\{46241D38-B020-4FC9-8502-DD84F4AB64CC}\\InprocServer32		\[#AddinDll\]' \
        'Software\\Microsoft\\Office\\Outlook\\Addins\\sealgate.OutlookAddin	LoadBehavior	#3' \
        'Resiliency\\AddinList	sealgate.OutlookAddin	1' \
        'Software\\Mozilla\\NativeMessagingHosts\\sealgate.host		\[#HostManifest\]' \
        'ExtensionSettings\\sealgate@sealgate.example	installation_mode	force_installed' \
        'EventLog\\Application\\sealgate	TypesSupported	#7'; do
        check "Registry table: $k" grep -q "$k" "$work/Registry.idt"
done
check "Condition: the internal domain only when INTERNALDOMAIN is given" grep -q "^PropDomain	0	NOT INTERNALDOMAIN" "$work/Condition.idt"
msiinfo export "$msi" AppSearch | tr -d "\r" >"$work/AppSearch.idt"
msiinfo export "$msi" RegLocator | tr -d "\r" >"$work/RegLocator.idt"
msiinfo export "$msi" InstallExecuteSequence | tr -d "\r" >"$work/InstallExecuteSequence.idt"
if [ "$arch" = x64 ]; then regtype=18; else regtype=2; fi # raw, in the 64-bit view on x64
for p in INTERNALDOMAIN EXTERNALACTION EVENTLOG; do
        check "AppSearch reads the remembered $p" sh -c "grep -q '^$p	' '$work/AppSearch.idt' &&
                grep -q '	Software\\\\sealgate\\\\Installer	$p	$regtype\$' '$work/RegLocator.idt'"
done
check "the command line's value is saved before AppSearch and put back after it" \
        sh -c "awk -F'\t' '\$1 == \"SaveDomain\" && \$3 < 50 { a = 1 } \$1 == \"AppSearch\" && \$3 == 50 { b = 1 }
                \$1 == \"RestoreDomain\" && \$3 > 50 && \$3 < 100 { c = 1 } END { exit !(a && b && c) }' '$work/InstallExecuteSequence.idt'"
check "Upgrade table: MajorUpgrade (older versions removed)" test "$(grep -c '^{' "$work/Upgrade.idt")" -ge 1
# msidbComponentAttributes64bit (256) on every component of the x64 MSI, on none of the x86 one
bits=$(awk -F'\t' 'NR > 3 { print (int($4 / 256) % 2) }' "$work/Component.idt" | sort -u | tr -d '\n')
if [ "$arch" = x64 ]; then want=1; else want=0; fi
check "components are ${want:+64-bit: $want}" test "$bits" = "$want"

if [ "$arch" != x64 ] || ! command -v wine >/dev/null; then
        echo "# $arch: tables only (32-bit Wine cannot run here)"
        finish
fi

# ---- under Wine, a fresh prefix
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineboot -i >/dev/null 2>&1
wineserver -w
pf=$(wine cmd /c 'echo %ProgramFiles%' 2>/dev/null | tr -d '\r')
dir="$WINEPREFIX/drive_c/Program Files/sealgate"
snap() { # every value under the keys an install touches, "key\value = data"
        for k in 'HKLM\Software\Classes\CLSID\{46241D38-B020-4FC9-8502-DD84F4AB64CC}' \
                'HKLM\Software\Classes\sealgate.OutlookAddin' 'HKLM\Software\Microsoft\Office' \
                'HKLM\Software\Policies' 'HKLM\Software\Mozilla' 'HKLM\Software\Wow6432Node' 'HKLM\Software\sealgate' \
                'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application' \
                'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'; do
                wine reg query "$k" /s 2>/dev/null | tr -d '\r' |
                        awk '/^HKEY/ { key = $0; next } NF && !/Unable to find/ { print key "\\" $0 }'
        done | sort
}
snap >"$work/before.txt"
check "no sealgate folder before" test ! -e "$dir"

wine msiexec /i "$(winepath -w "$msi")" /qn INTERNALDOMAIN=corp.example EVENTLOG=1 >/dev/null 2>&1
ok $? "msiexec /i /qn INTERNALDOMAIN=corp.example EVENTLOG=1"
wineserver -w
for f in sealgate-host.exe sealgate.exe sealgate-outlook.dll sealgate.host.json sealgate.xpi admx/sealgate.admx \
        admx/en-US/sealgate.adml admx/ja-JP/sealgate.adml docs/windows.md docs/windows.ja.md; do
        check "installed: $f" test -f "$dir/$f"
done
q() { wine reg query "$@" 2>/dev/null | tr -d '\r'; }
check "COM class registered to the installed DLL" sh -c "wine reg query 'HKLM\\Software\\Classes\\CLSID\\{46241D38-B020-4FC9-8502-DD84F4AB64CC}\\InprocServer32' 2>/dev/null | grep -q 'sealgate-outlook.dll'"
check "Outlook Addins\\sealgate.OutlookAddin LoadBehavior 3" sh -c "wine reg query 'HKLM\\Software\\Microsoft\\Office\\Outlook\\Addins\\sealgate.OutlookAddin' /v LoadBehavior 2>/dev/null | grep -q 0x3"
check "Resiliency AddinList keeps the add-in enabled" sh -c "wine reg query 'HKLM\\Software\\Policies\\Microsoft\\Office\\16.0\\Outlook\\Resiliency\\AddinList' /v sealgate.OutlookAddin 2>/dev/null | grep -q REG_SZ"
manifest=$(q 'HKLM\Software\Mozilla\NativeMessagingHosts\sealgate.host' /ve | sed -n 's/.*REG_SZ[[:space:]]*//p')
check "NativeMessagingHosts\\sealgate.host names the installed manifest ($manifest)" test -n "$manifest" -a -f "$(winepath -u "$manifest" 2>/dev/null)"
check "Thunderbird ExtensionSettings force-installs the xpi" sh -c "wine reg query 'HKLM\\Software\\Policies\\Mozilla\\Thunderbird\\ExtensionSettings\\sealgate@sealgate.example' /v install_url 2>/dev/null | grep -q 'sealgate.xpi'"
check "the Event Log source is registered" sh -c "wine reg query 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\sealgate' /v TypesSupported 2>/dev/null | grep -q 0x7"
check "INTERNALDOMAIN written to the policy key" sh -c "wine reg query 'HKLM\\Software\\Policies\\sealgate\\Internal' /v Domains 2>/dev/null | grep -q corp.example"
check "EVENTLOG written to the policy key" sh -c "wine reg query 'HKLM\\Software\\Policies\\sealgate\\Audit' /v Journal 2>/dev/null | grep -q 0x1"
check "EXTERNALACTION not given: no External key" sh -c "! wine reg query 'HKLM\\Software\\Policies\\sealgate\\External' >/dev/null 2>&1"

# The installed host, started as Thunderbird starts it (manifest, extension id).
python3 - "$dir/sealgate-host.exe" "$manifest" "$work" <<'EOF' | sed 's/^/#/' >"$work/host.txt"
import json, os, struct, subprocess, sys
host, manifest, work = sys.argv[1:4]
reqs = [{"id": 1, "op": "doctor"},
        {"id": 2, "op": "policy.evaluate", "message": {"from": "me@corp.example", "to": ["you@corp.example"]}}]
data = b"".join(struct.pack("=I", len(json.dumps(r))) + json.dumps(r).encode() for r in reqs)
env = dict(os.environ, WINEDEBUG="trace+eventlog")
p = subprocess.run(["wine", host, manifest, "sealgate@sealgate.example"], input=data, capture_output=True, env=env, timeout=120)
out, off, res = p.stdout, 0, []
while off + 4 <= len(out):
    (n,) = struct.unpack_from("=I", out, off)
    res.append(json.loads(out[off + 4: off + 4 + n]))
    off += 4 + n
print(json.dumps(res))
open(os.path.join(work, "host-stderr.txt"), "wb").write(p.stderr)
EOF
check "doctor through the MSI's registration: manifest, extension id and policy checks pass" \
        sh -c "grep -q '\"id\": \"manifest\", \"ok\": true' '$work/host.txt' && grep -q '\"id\": \"extension_id\", \"ok\": true' '$work/host.txt' && grep -q '\"id\": \"policy\", \"ok\": true' '$work/host.txt'"
check "policy.evaluate: corp.example is internal through INTERNALDOMAIN (allow)" grep -q '"action": "allow"' "$work/host.txt"
check "Event Log: ReportEventW got the audit record as its string" \
        sh -c "grep -a 'eventlog:ReportEventW' '$work/host-stderr.txt' | grep -q 'client.*thunderbird.*sender.*me@corp.example'"

# ---- the stand-in Outlook: the shipped add-in through the MSI's COM registration
if [ -n "$addin_exe" ]; then
        wine "$addin_exe" --msi 2>/dev/null | tr -d '\r' >"$work/addin.txt"
        st=$?
        sed 's/^/#   /' "$work/addin.txt"
        check "stand-in Outlook: the add-in loads through the MSI's registration and sends one message" \
                sh -c "grep -q '^1\\.\\.[1-9]' '$work/addin.txt' && ! grep -q '^not ok' '$work/addin.txt' && grep -q ' 0 failed' '$work/addin.txt'"
fi

# ---- sealgate.exe doctor through the MSI's registration, and a repair
wdoctor() { # the installed sealgate.exe doctor: its exit status; its lines in doctor.txt
        wine "$dir/sealgate.exe" doctor >"$work/doctor.raw" 2>/dev/null
        st=$?
        tr -d '\r' <"$work/doctor.raw" >"$work/doctor.txt"
        sed 's/^/#   /' "$work/doctor.txt"
        return $st
}
wdoctor
ok $? "sealgate.exe doctor passes through the MSI's registration (exit 0)"
check "doctor: 13 lines, none FAIL" sh -c "[ \$(wc -l <'$work/doctor.txt') -eq 13 ] && ! grep -q '^FAIL' '$work/doctor.txt'"
check "doctor: the registration is HKLM's 64-bit view, naming the installed manifest" \
        grep -q '^ok   registration: HKLM.*(64-bit view) names .*sealgate.host.json' "$work/doctor.txt"
rm -f "$dir/sealgate.host.json"
wdoctor
check "doctor with the manifest file deleted: exit 4" test $? -eq 4
check "doctor with the manifest file deleted: the manifest line names it" \
        grep -q '^FAIL manifest: the manifest .*sealgate.host.json cannot be opened' "$work/doctor.txt"
check "doctor with the manifest file deleted: the registration itself still passes" \
        grep -q '^ok   registration:' "$work/doctor.txt"
# The repair as msiexec /fa asks for it: REINSTALL=ALL with REINSTALLMODE
# "a" (every file again) plus "mus" (the registry and shortcuts). Wine's own
# msiexec /fa exits 69 without reinstalling (Wine 8), so the properties are
# passed directly; Windows' /fa sets the same two.
wine msiexec /i "$(winepath -w "$msi")" REINSTALL=ALL REINSTALLMODE=amus /qn >/dev/null 2>&1
ok $? "repair: msiexec /i REINSTALL=ALL REINSTALLMODE=amus /qn"
wineserver -w
check "the repair brought the manifest back" test -f "$dir/sealgate.host.json"
wdoctor
ok $? "sealgate.exe doctor passes again after the repair (exit 0)"
# Remember property: the repair was run without INTERNALDOMAIN and EVENTLOG;
# AppSearch read them back from HKLM\Software\sealgate\Installer, so the
# policy values they wrote are as after the install.
domains() { q 'HKLM\Software\Policies\sealgate\Internal' /v Domains | sed -n 's/.*REG_MULTI_SZ[[:space:]]*//p'; }
remembered() { q 'HKLM\Software\sealgate\Installer' /v "$1" | sed -n 's/.*REG_SZ[[:space:]]*//p'; }
echo "# after the repair: Domains '$(domains)', remembered INTERNALDOMAIN '$(remembered INTERNALDOMAIN)'"
check "repair without the properties keeps the internal domain (Domains = corp.example)" test "$(domains)" = corp.example
check "repair without the properties keeps EVENTLOG (Journal = 1)" sh -c "wine reg query 'HKLM\\Software\\Policies\\sealgate\\Audit' /v Journal 2>/dev/null | grep -q 0x1"
check "the properties are remembered under HKLM\\Software\\sealgate\\Installer" \
        sh -c "[ '$(remembered INTERNALDOMAIN)' = corp.example ] && [ '$(remembered EVENTLOG)' = 1 ]"
check "EXTERNALACTION never given: not remembered, no External key" \
        sh -c "[ -z '$(remembered EXTERNALACTION)' ] && ! wine reg query 'HKLM\\Software\\Policies\\sealgate\\External' >/dev/null 2>&1"

# ---- upgrade: a higher version replaces this one (one product left)
SEALGATE_MSI_VERSION=$(echo "$version" | awk -F. '{ printf "%d.%d.%d", $1, $2, $3 + 1 }')
export SEALGATE_MSI_VERSION
msi2=$("$root/packaging/build-msi.sh" "$work/old" "$b64" "$b32" 2>>"$work/build.log")
unset SEALGATE_MSI_VERSION
wine msiexec /i "$(winepath -w "$msi2")" /qn >/dev/null 2>&1
ok $? "msiexec /i of $(basename "$msi2") over $version"
wineserver -w
products=$(wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s 2>/dev/null | tr -d '\r' | grep -c 'DisplayName.*REG_SZ.*sealgate$')
check "one sealgate product installed after the upgrade ($products)" test "$products" -eq 1
check "the host is still installed after the upgrade" test -f "$dir/sealgate-host.exe"
check "the upgrade without the properties keeps the internal domain ($(domains))" test "$(domains)" = corp.example
check "the upgrade without the properties keeps EVENTLOG" sh -c "wine reg query 'HKLM\\Software\\Policies\\sealgate\\Audit' /v Journal 2>/dev/null | grep -q 0x1"

# A value given on the command line wins over the remembered one (a repair
# of the upgraded product with a new INTERNALDOMAIN); the next repair
# without it keeps the new one.
wine msiexec /i "$(winepath -w "$msi2")" REINSTALL=ALL REINSTALLMODE=amus INTERNALDOMAIN=new.example /qn >/dev/null 2>&1
ok $? "repair with INTERNALDOMAIN=new.example"
wineserver -w
echo "# after the repair with a new value: Domains '$(domains)', remembered '$(remembered INTERNALDOMAIN)'"
check "the new INTERNALDOMAIN is remembered" test "$(remembered INTERNALDOMAIN)" = new.example
check "the new INTERNALDOMAIN is in Domains" sh -c "echo '$(domains)' | grep -q new.example"
wine msiexec /i "$(winepath -w "$msi2")" REINSTALL=ALL REINSTALLMODE=amus /qn >/dev/null 2>&1
wineserver -w
check "a later repair without it keeps new.example" test "$(remembered INTERNALDOMAIN)" = new.example

# ---- uninstall: nothing left
wine msiexec /x "$(winepath -w "$msi2")" /qn >/dev/null 2>&1
ok $? "msiexec /x /qn"
wineserver -w
check "no sealgate folder after uninstall" test ! -e "$dir"
snap >"$work/after.txt"
diff "$work/before.txt" "$work/after.txt" >"$work/registry.diff"
ok $? "the registry is as before the install ($(wc -l <"$work/registry.diff") lines differ)"
[ -s "$work/registry.diff" ] && head -20 "$work/registry.diff" | sed 's/^/#   /'
finish
