#!/bin/sh
# The add-in's real prompt (TaskDialogIndirect with common controls v6) under
# Xvfb: test-addin.exe --prompt sends one external message with no test hook,
# and xdotool answers the dialog. The choices are radio buttons (access keys
# and arrow keys select), the recommended one selected on open; "Send" acts on
# the selection and Enter presses it, except for "Send without encryption",
# where Enter does nothing and "Send" asks for a justification (a second
# dialog: the preset reasons first, Space or an arrow key chooses one and
# puts its words in the field, "Other" empties it, Tab goes to the field);
# Escape and "Back to editing" go back. With four protective options the
# first two are shown and "Other ways to send (2)" (H) opens the dialog again
# with all of them, the selection kept. Then, for the user guides, the
# block dialog (a card number), the prompt with Rules\ConvertToBcc in ask mode
# (the "Keep the external recipients in To and Cc" box) and the checklist of
# Prompt\Confirm "external". Screenshots of the dialogs in English and
# Japanese go to WORKDIR (and to docs/user/ with SEALGATE_SCREENSHOTS=docs/user).
# Prints TAP (closing comment "# N passed, N failed").
#
#   test-prompt.sh DLL TEST_EXE WORKDIR
set -u
if [ -z "${SG_IN_XVFB:-}" ]; then
        SG_IN_XVFB=1 exec xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi
dll=$1
exe=$2
work=$3
wine=${WINE:-wine}
here=$(cd "$(dirname "$0")" && pwd)
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEPREFIX="$work/wineprefix-prompt"
n=0
fail=0
ok() {
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=$((fail + 1)); fi
}
winpath() { printf 'Z:%s\n' "$(printf '%s' "$1" | sed 's|/|\\|g')"; }

mkdir -p "$work"
rm -rf "$WINEPREFIX"
"$wine" wineboot -i >/dev/null 2>&1
"${WINESERVER:-wineserver}" -w
python3 "$here/addin-policy.py" "$work/policy.reg"
cat >"$work/display.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_CURRENT_USER\Software\Wine\X11 Driver]
"Decorated"="N"

[HKEY_LOCAL_MACHINE\Software\Microsoft\Windows NT\CurrentVersion\FontLink\SystemLink]
"Tahoma"="NotoSansCJK-Regular.ttc,Noto Sans CJK JP"
"MS Shell Dlg"="NotoSansCJK-Regular.ttc,Noto Sans CJK JP"
"MS Shell Dlg 2"="NotoSansCJK-Regular.ttc,Noto Sans CJK JP"
"Segoe UI"="NotoSansCJK-Regular.ttc,Noto Sans CJK JP"
REG
"$wine" regedit /S "$(winpath "$work/policy.reg")" &&
        "$wine" regedit /S "$(winpath "$work/display.reg")" &&
        "$wine" regsvr32 /s /n /i:machine "$(winpath "$dll")"
ok $? "prefix with the test policy and the add-in registered"

# run LANG KEYS... : start the send, wait for the dialog, press the keys
# (a "type:TEXT" word types TEXT, "sleep:S" waits, "focus" gives the dialog
# the keyboard focus again (it was opened anew), "shot:FILE" saves the
# screen trimmed to the dialog), print the result line. $dialog is the
# window waited for (prompt, block: the message has a card number, or
# checklist).
dialog=prompt
run() {
        lang=$1
        shift
        card=
        case $dialog-$lang in
        block-ja) title="メールは送信されていません" card=--card ;;
        block-*) title="Message not sent" card=--card ;;
        checklist-ja) title="宛先の確認" ;;
        checklist-*) title="Check the recipients" ;;
        *-ja) title="社外への送信確認" ;;
        *) title="Sending outside your organisation" ;;
        esac
        "$wine" "$exe" --prompt "$lang" $card >"$work/out.txt" 2>&1 &
        pid=$!
        timeout 60 xdotool search --sync --onlyvisible --name "$title" >/dev/null
        sleep 1
        for k in "$@"; do
                case $k in
                type:*) xdotool type --delay 30 "${k#type:}" ;;
                sleep:*) sleep "${k#sleep:}" ;;
                focus) xdotool search --onlyvisible --name "$title" windowfocus --sync >/dev/null 2>&1 ;;
                shot:*) import -window root -trim +repage "${k#shot:}" ;;
                *) xdotool key "$k" ;;
                esac
                sleep 0.5
        done
        wait $pid
        tr -d '\r' <"$work/out.txt" | grep '^result'
}

# expect DESCRIPTION EXPECTED-RESULT LANG KEYS...
expect() {
        what=$1
        want=$2
        shift 2
        got=$(run "$@")
        echo "# $got"
        [ "$got" = "$want" ]
        ok $? "$what"
}
sent_en="subject=Quarterly figures"
# The recipients have no certificates: "Encrypt and send" is offered as what
# it really is, the gateway's encryption route (G), with one line saying why;
# it takes the place of the recommended choice, selected on open, and "Send"
# (the default) acts on it.
expect "no certificates: the gateway route (G) instead of Encrypt, Outlook's encryption not on" \
        "result cancel=0 X-SecureSend-Route=smime $sent_en" en "shot:$work/outlook-prompt-en.png" g Return
expect "Enter on open: the recommended option (the gateway route)" \
        "result cancel=0 X-SecureSend-Route=smime $sent_en" en Return
expect "no certificates: E (Encrypt) is not an option; Escape then goes back to editing" \
        "result cancel=1 $sent_en" en e Escape
expect "the secure portal (P) selected, Enter: route header and subject tag" \
        "result cancel=0 X-SecureSend-Route=portal subject=[secure] Quarterly figures" en p Return
expect "the options are one group: from W, Up selects the portal, Enter sends through it" \
        "result cancel=0 X-SecureSend-Route=portal subject=[secure] Quarterly figures" en w Up Return
expect "Send without encryption (W) selected: Enter does nothing; Escape goes back to editing" \
        "result cancel=1 $sent_en" en w Return sleep:1 Escape
expect "Send without encryption (W), Send (S): justification dialog, R (Reason:) to the field, typed: sent with it" \
        "result cancel=0 X-SecureSend-Justification=client asked for it $sent_en" \
        en w s sleep:2 "shot:$work/outlook-justification-en.png" r "type:client asked for it" Return
expect "justification dialog: Down chooses the second preset, Enter: sent with its words" \
        "result cancel=0 X-SecureSend-Justification=The recipient cannot receive encrypted messages $sent_en" \
        en w s sleep:2 Down Return
expect "justification dialog: Space chooses the first preset, Enter: sent with its words" \
        "result cancel=0 X-SecureSend-Justification=At the business partner's request $sent_en" \
        en w s sleep:2 space Return
expect "justification dialog: Other empties the field: Enter does nothing; Escape twice: back to editing" \
        "result cancel=1 $sent_en" en w s sleep:2 space Down Down Down Return sleep:1 Escape Escape
# (ja: the header's value is checked for being there, not its encoding; the
# audit record below has the words)
got=$(run ja w s sleep:2 "shot:$work/outlook-justification-ja.png" space Return)
echo "# $got"
case $got in
"result cancel=0 X-SecureSend-Justification= "*) false ;;
"result cancel=0 X-SecureSend-Justification="*" subject=四半期の数字") true ;;
*) false ;;
esac
ok $? "justification dialog (ja): Space chooses the first preset, Enter: sent with a justification header"
expect "Send without encryption, Back in the justification dialog, then Escape: back to editing" \
        "result cancel=1 $sent_en" en w s sleep:2 Escape Escape
expect "Escape: back to editing, nothing set" "result cancel=1 $sent_en" en Escape
expect "Back to editing (B)" "result cancel=1 $sent_en" en b
expect "Japanese prompt: the portal (P), Enter" \
        "result cancel=0 X-SecureSend-Route=portal subject=[secure] 四半期の数字" \
        ja "shot:$work/outlook-prompt-ja.png" p Return

# Four protective options (two more routes offered): the gateway route and
# the portal shown, "Other ways to send (2)" (H) for the ZIP and OpenPGP
# routes; their access keys do nothing before.
python3 - "$work/more.reg" <<'PY'
import sys
root = r"HKEY_LOCAL_MACHINE\Software\Policies\sealgate"
choices = "".join(c + "\0" for c in ["encrypt", "route:portal", "route:zip", "route:pgp", "send", "cancel"]) + "\0"
hexed = ",".join("%02x" % b for b in choices.encode("utf-16-le"))
lines = ["Windows Registry Editor Version 5.00", "",
         "[%s\\Prompt]" % root, '"Choices"=hex(7):' + hexed, "",
         "[%s\\Routes\\2]" % root, '"Name"="zip"', "",
         "[%s\\Routes\\2\\Headers]" % root, '"X-SecureSend-Route"="zip"', "",
         "[%s\\Routes\\3]" % root, '"Name"="pgp"', "",
         "[%s\\Routes\\3\\Headers]" % root, '"X-SecureSend-Route"="pgp"', ""]
open(sys.argv[1], "w", encoding="utf-16").write("\r\n".join(lines) + "\r\n")
PY
"$wine" regedit /S "$(winpath "$work/more.reg")"
ok $? "policy: two more routes offered (zip, pgp)"
expect "four protective options: Z (a further route) does nothing before H; Enter: the gateway route" \
        "result cancel=0 X-SecureSend-Route=smime $sent_en" en "shot:$work/outlook-prompt-more-en.png" z Return
expect "Other ways to send (H): every option; Z, Enter: the ZIP route" \
        "result cancel=0 X-SecureSend-Route=zip $sent_en" en h sleep:2 focus "shot:$work/outlook-prompt-more-open-en.png" z Return
expect "Other ways to send keeps the selection: P, H, Enter: the portal" \
        "result cancel=0 X-SecureSend-Route=portal subject=[secure] Quarterly figures" en p h sleep:2 focus Return
expect "Japanese: Other ways to send (H), O (OpenPGP), Enter: the pgp route" \
        "result cancel=0 X-SecureSend-Route=pgp subject=四半期の数字" ja "shot:$work/outlook-prompt-more-ja.png" h sleep:2 focus o Return
"$wine" regedit /S "$(winpath "$work/policy.reg")"
ok $? "policy: the test policy again"

# The block dialog (a message box): the card number's cause, the context,
# what to do with the reference; Enter closes it, nothing is sent.
dialog=block
expect "block dialog: a card number, not sent, nothing set" "result cancel=1 $sent_en" \
        en "shot:$work/outlook-block-en.png" Return
expect "block dialog (ja): a card number, not sent, nothing set" "result cancel=1 subject=四半期の数字" \
        ja "shot:$work/outlook-block-ja.png" Return

# Rules\ConvertToBcc in ask mode (two external addresses in To and Cc): the
# prompt's "Keep the external recipients in To and Cc" box, ticked by K.
dialog=prompt
cat >"$work/bcc-ask.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\Software\Policies\sealgate\Rules\ConvertToBcc]
"Mode"="ask"
"MinAddresses"=dword:00000002
REG
"$wine" regedit /S "$(winpath "$work/bcc-ask.reg")"
ok $? "policy: Rules\\ConvertToBcc Mode ask, MinAddresses 2"
expect "Bcc ask: the keep box ticked (K), the portal (P), Enter: routed" \
        "result cancel=0 X-SecureSend-Route=portal subject=[secure] Quarterly figures" \
        en k sleep:1 "shot:$work/outlook-prompt-bcc-en.png" p Return
expect "Bcc ask (ja): the keep box ticked (K), the portal (P), Enter: routed" \
        "result cancel=0 X-SecureSend-Route=portal subject=[secure] 四半期の数字" \
        ja k sleep:1 "shot:$work/outlook-prompt-bcc-ja.png" p Return

# Prompt\Confirm "external" (the Bcc rule off again): the checklist before
# the prompt, every box ticked (Space, Down), then Escape: back to editing.
dialog=checklist
cat >"$work/confirm.reg" <<'REG'
Windows Registry Editor Version 5.00

[-HKEY_LOCAL_MACHINE\Software\Policies\sealgate\Rules\ConvertToBcc]

[HKEY_LOCAL_MACHINE\Software\Policies\sealgate\Prompt]
"Confirm"="external"
REG
"$wine" regedit /S "$(winpath "$work/confirm.reg")"
ok $? "policy: Prompt\\Confirm external"
expect "checklist: every box ticked, then Escape: back to editing" "result cancel=1 $sent_en" \
        en space Down space Down space sleep:1 "shot:$work/outlook-checklist-en.png" Escape
expect "checklist (ja): every box ticked, then Escape: back to editing" "result cancel=1 subject=四半期の数字" \
        ja space Down space Down space sleep:1 "shot:$work/outlook-checklist-ja.png" Escape

for f in outlook-prompt-en.png outlook-prompt-ja.png outlook-justification-en.png outlook-justification-ja.png \
        outlook-prompt-more-en.png outlook-prompt-more-ja.png outlook-block-en.png outlook-block-ja.png \
        outlook-prompt-bcc-en.png outlook-prompt-bcc-ja.png outlook-checklist-en.png outlook-checklist-ja.png; do
        [ -s "$work/$f" ]
        ok $? "screenshot $f"
        if [ -n "${SEALGATE_SCREENSHOTS:-}" ] && [ -s "$work/$f" ]; then
                cp "$work/$f" "$SEALGATE_SCREENSHOTS/$f"
        fi
done
# The audit trail tells Escape from the button, and keeps the justification.
audit=$(cat "$WINEPREFIX"/drive_c/users/*/AppData/Local/sealgate/audit/audit-*.jsonl 2>/dev/null)
echo "$audit" | grep -q '"choice":"cancel","by":"escape"' &&
        echo "$audit" | grep -q '"choice":"cancel","by":"button"' &&
        echo "$audit" | grep -q '"choice":"send","by":"button","justification":"client asked for it"' &&
        echo "$audit" | grep -q '"justification":"At the business partner'"'"'s request"' &&
        echo "$audit" | grep -q '"justification":"取引先の指定により"'
ok $? "audit records: by escape / by button, the justification typed and the presets' words (en, ja)"
[ "$(echo "$audit" | grep -c '"bcc":"kept"')" -eq 2 ]
ok $? "audit records: the keep box ticked twice, the recipients kept in To and Cc"
"${WINESERVER:-wineserver}" -k >/dev/null 2>&1
# A prefix is about 700 MB: keep it only to look into a failure.
[ "$fail" -eq 0 ] && rm -rf "$WINEPREFIX"

echo "1..$n"
echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
