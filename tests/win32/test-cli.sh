#!/bin/sh
# sealgate.exe (cli/win32/) under Wine, in the shared prefix of the win32
# tests (no MSI installed there: doctor must fail): --help, --version,
# policy-validate of a good and a bad file and of the registry policy,
# policy-check of a message JSON under the registry policy, doctor's lines.
# Usage: test-cli.sh SEALGATE.EXE VERSION SOURCE-ROOT WORKDIR. Prints TAP.
set -u
exe=$1
version=$2
src=$3
work=$4
: "${WINEPREFIX:?WINEPREFIX must be set}"
wine=${WINE:-wine}
# English output (Wine takes the user interface language from the locale);
# the Japanese case below sets its own.
export LC_ALL=C.UTF-8
mkdir -p "$work"
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
        n=$((n + 1))
        fails=$((fails + 1))
        echo "not ok $n - $1"
        [ -f "$work/out" ] && sed 's/^/# out: /' "$work/out" | head -40
        [ -f "$work/err" ] && sed 's/^/# err: /' "$work/err" | head -20
}
# run EXPECTED-STATUS ARGS...: sealgate.exe ARGS, stdout in out (CR removed), stderr in err
run() {
        want=$1
        shift
        "$wine" "$exe" "$@" >"$work/out.raw" 2>"$work/err.raw"
        got=$?
        tr -d '\r' <"$work/out.raw" >"$work/out"
        tr -d '\r' <"$work/err.raw" | grep -v '^[0-9a-f]*:\(fixme\|err\|warn\):' >"$work/err"
        [ "$got" = "$want" ]
}
reg() { "$wine" reg "$@" >/dev/null 2>&1; }
clean_policy() {
        reg delete 'HKLM\Software\Policies\sealgate' /f
        reg delete 'HKCU\Software\Policies\sealgate' /f
        reg delete 'HKCU\Software\sealgate' /f
}
clean_policy

if run 0 --help && grep -q '^usage: sealgate.exe doctor' "$work/out" && grep -q 'policy-check --message-json' "$work/out"; then
        ok "--help prints the usage on stdout, exit 0"
else notok "--help prints the usage on stdout, exit 0"; fi
if run 0 --version && [ "$(cat "$work/out")" = "sealgate $version" ]; then
        ok "--version prints sealgate $version"
else notok "--version prints sealgate $version"; fi
if run 2 frobnicate && grep -q 'unknown command' "$work/err"; then
        ok "an unknown command is a usage error (2)"
else notok "an unknown command is a usage error (2)"; fi

# ---- policy-validate
cp "$src/examples/demo-policy.json" "$work/good.json"
if run 0 policy-validate "$work/good.json" && grep -q ': valid$' "$work/out"; then
        ok "policy-validate of a good file: valid, exit 0"
else notok "policy-validate of a good file: valid, exit 0"; fi
printf '{"version":1,"internal":{"domains":["example.com"]},"external":{"action":"explode"}}\n' >"$work/bad.json"
if run 3 policy-validate "$work/bad.json" && grep -q 'external.action' "$work/err"; then
        ok "policy-validate of a bad file: exit 3 naming external.action"
else notok "policy-validate of a bad file: exit 3 naming external.action"; fi
if run 0 policy-validate --registry && grep -q '^the registry policy .*: valid$' "$work/out"; then
        ok "policy-validate --registry with no keys: the defaults are valid"
else notok "policy-validate --registry with no keys: the defaults are valid"; fi
reg add 'HKCU\Software\sealgate\External' /v Action /t REG_SZ /d explode /f
if run 3 policy-validate --registry && grep -q 'external.action.*HKCU\\Software\\sealgate\\External\\Action' "$work/err"; then
        ok "policy-validate --registry with a bad value: exit 3 naming the value's key"
else notok "policy-validate --registry with a bad value: exit 3 naming the value's key"; fi

# ---- policy-check: the registry policy's decision for a message JSON
reg add 'HKCU\Software\sealgate\External' /v Action /t REG_SZ /d block /f
reg add 'HKCU\Software\sealgate\Internal' /v Domains /t REG_MULTI_SZ /d example.com /f
cat >"$work/external.json" <<'JSON'
{"from":"alice@example.com","to":["bob@example.com","carol@partner.test"],"subject":"quote","body":"hello"}
JSON
cat >"$work/internal.json" <<'JSON'
{"from":"alice@example.com","to":["bob@example.com"],"subject":"lunch","body":"hello"}
JSON
if run 0 policy-check --message-json "$work/external.json" && grep -q '^  action: block$' "$work/out" &&
        grep -q 'carol@partner.test' "$work/out"; then
        ok "policy-check: an external recipient under External\\Action=block is blocked"
else notok "policy-check: an external recipient under External\\Action=block is blocked"; fi
if run 0 policy-check --message-json "$work/internal.json" && grep -q '^  action: allow$' "$work/out"; then
        ok "policy-check: internal recipients only are allowed"
else notok "policy-check: internal recipients only are allowed"; fi
if run 0 policy-check --json --message-json "$work/external.json" && grep -q '"action": "block"' "$work/out"; then
        ok "policy-check --json: the decision as the host's result JSON"
else notok "policy-check --json: the decision as the host's result JSON"; fi
printf '{"from":"alice@example.com","to":"bob@example.com"}\n' >"$work/wrong.json"
if run 1 policy-check --message-json "$work/wrong.json" && grep -q 'message.to\|to:' "$work/err"; then
        ok "policy-check of a malformed message JSON: exit 1 naming the key"
else notok "policy-check of a malformed message JSON: exit 1 naming the key"; fi
printf '{"from":' >"$work/cut.json"
if run 1 policy-check --message-json "$work/cut.json" && grep -q 'json' "$work/err"; then
        ok "policy-check of cut-short JSON: exit 1"
else notok "policy-check of cut-short JSON: exit 1"; fi
if run 2 policy-check "$work/mail.eml" && grep -q 'GMime' "$work/err"; then
        ok "policy-check of an .eml file says it needs the Linux command (exit 2)"
else notok "policy-check of an .eml file says it needs the Linux command (exit 2)"; fi
if run 0 policy-check --policy "$work/good.json" --message-json "$work/internal.json" && grep -q '^  action: ' "$work/out"; then
        ok "policy-check --policy FILE: a JSON policy instead of the registry"
else notok "policy-check --policy FILE: a JSON policy instead of the registry"; fi

# ---- doctor without any registration
reg add 'HKCU\Software\sealgate\External' /v Action /t REG_SZ /d explode /f
run 4 doctor
st=$?
expected="FAIL registration: no manifest registered
FAIL manifest: not checked: no registration
FAIL name: not checked: no manifest
FAIL description: not checked: no manifest
FAIL type: not checked: no manifest
FAIL path: not checked: no manifest
FAIL allowed_extensions: not checked: no manifest
FAIL host: not checked: no manifest
FAIL outlook-com: no COM class
FAIL outlook-addin: no LoadBehavior
FAIL outlook-resiliency: no sealgate.OutlookAddin value
FAIL thunderbird-policy: HKLM\\Software\\Policies\\Mozilla\\Thunderbird\\ExtensionSettings\\sealgate@sealgate.example installation_mode is missing
FAIL policy: the registry policy: external.action"
i=0
lines_ok=true
echo "$expected" | while IFS= read -r want; do
        i=$((i + 1))
        line=$(sed -n "${i}p" "$work/out")
        case "$line" in
        "$want"*) ;;
        *) echo "# line $i: want '$want...', got '$line'"; exit 1 ;;
        esac
done || lines_ok=false
if [ "$st" = 0 ] && $lines_ok && [ "$(wc -l <"$work/out")" = 13 ]; then
        ok "doctor without a registration: exit 4, the 13 lines in order, each FAIL saying why"
else notok "doctor without a registration: exit 4, the 13 lines in order, each FAIL saying why"; fi
if run 4 doctor --json && grep -q '"id": "registration"' "$work/out" && grep -q '"ok": false' "$work/out" &&
        ! grep -q '"ok": true' "$work/out"; then
        ok "doctor --json: the same checks as JSON"
else notok "doctor --json: the same checks as JSON"; fi
if run 2 doctor --bogus; then
        ok "doctor --bogus: usage error (2)"
else notok "doctor --bogus: usage error (2)"; fi

# ---- doctor's registry order, as Gecko's NativeManifests._winLookup reads
# it: HKCU, then HKLM's 32-bit view, then HKLM's 64-bit view (the first
# non-empty value wins). Each place names a different manifest path.
nmh='Software\Mozilla\NativeMessagingHosts\sealgate.host'
reg add "HKLM\\$nmh" /ve /t REG_SZ /d 'C:\sg-order\hklm64.json' /f /reg:64
run 4 doctor
if grep -q '^ok   registration: HKLM.*(64-bit view) names C:\\sg-order\\hklm64.json' "$work/out"; then
        ok "doctor: HKLM's 64-bit view alone is found"
else notok "doctor: HKLM's 64-bit view alone is found"; fi
reg add "HKLM\\$nmh" /ve /t REG_SZ /d 'C:\sg-order\hklm32.json' /f /reg:32
run 4 doctor
if grep -q '^ok   registration: HKLM.*(32-bit view) names C:\\sg-order\\hklm32.json' "$work/out"; then
        ok "doctor: HKLM's 32-bit view before the 64-bit view"
else notok "doctor: HKLM's 32-bit view before the 64-bit view"; fi
reg add "HKCU\\$nmh" /ve /t REG_SZ /d '' /f
run 4 doctor
if grep -q '^ok   registration: HKLM.*(32-bit view)' "$work/out"; then
        ok "doctor: an empty HKCU value is passed over, as Gecko does"
else notok "doctor: an empty HKCU value is passed over, as Gecko does"; fi
reg add "HKCU\\$nmh" /ve /t REG_SZ /d 'C:\sg-order\hkcu.json' /f
run 4 doctor
if grep -q '^ok   registration: HKCU.* names C:\\sg-order\\hkcu.json' "$work/out" &&
        grep -q '^FAIL manifest: the manifest C:\\sg-order\\hkcu.json' "$work/out"; then
        ok "doctor: HKCU before HKLM; its manifest is the one checked"
else notok "doctor: HKCU before HKLM; its manifest is the one checked"; fi
reg delete "HKCU\\$nmh" /f
reg delete "HKLM\\$nmh" /f /reg:32
reg delete "HKLM\\$nmh" /f /reg:64

# ---- Japanese: Windows' user interface language (GetUserDefaultUILanguage)
# picks the catalog's Japanese texts. Wine takes it from the Unix locale, so
# ja_JP.UTF-8 is compiled here with localedef (package locales) into a
# private LOCPATH.
mkdir -p "$work/locale"
if [ -d "$work/locale/ja_JP.UTF-8" ] || localedef -i ja_JP -f UTF-8 "$work/locale/ja_JP.UTF-8" >/dev/null 2>&1; then
        reg add 'HKCU\Software\sealgate\External' /v Action /t REG_SZ /d explode /f
        ja() { LOCPATH="$work/locale" LC_ALL=ja_JP.UTF-8 LANG=ja_JP.UTF-8 run "$@"; }
        if ja 4 doctor && grep -q '^FAIL registration: マニフェストが登録されていません。' "$work/out" &&
                grep -q '^FAIL name: 未確認: マニフェストがありません$' "$work/out" &&
                grep -q '^FAIL policy: レジストリのポリシー: ' "$work/out" && [ "$(wc -l <"$work/out")" = 13 ]; then
                ok "doctor in Japanese (ja_JP.UTF-8): the catalog's texts, the check ids unchanged"
        else notok "doctor in Japanese (ja_JP.UTF-8): the catalog's texts, the check ids unchanged"; fi
        if ja 0 --help && grep -q '^使い方: sealgate.exe doctor' "$work/out" && grep -q '^終了コード: ' "$work/out"; then
                ok "--help in Japanese"
        else notok "--help in Japanese"; fi
        clean_policy
        if ja 0 policy-validate --registry && grep -q '^レジストリのポリシー（HKLM.*）: 正しい形式です$' "$work/out"; then
                ok "policy-validate --registry in Japanese"
        else notok "policy-validate --registry in Japanese"; fi
        if ja 2 frobnicate && grep -q '不明なコマンドです' "$work/err"; then
                ok "an unknown command in Japanese"
        else notok "an unknown command in Japanese"; fi
else
        notok "localedef cannot compile ja_JP.UTF-8 (Debian package locales, tools/install-deps.sh)"
fi

clean_policy
echo "1..$n"
[ "$fails" = 0 ]
