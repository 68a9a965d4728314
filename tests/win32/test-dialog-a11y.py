#!/usr/bin/env python3
"""The Windows prompt dialogs (win32-common/) as a screen reader and a keyboard
user meet them, under Wine in Xvfb, in English and Japanese:

- the Outlook add-in's send prompt (TaskDialog) and its justification dialog,
  shown by the stand-in Outlook (test-addin.exe --prompt), and any other
  dialog it opens on the way: each is read through Microsoft Active
  Accessibility (dlg-probe.exe: AccessibleObjectFromWindow, get_accName,
  get_accRole, get_accState, GetNextDlgTabItem; where Wine's oleacc has no
  proxy for a standard control, the text Windows' proxy names it from, see
  effective()). Checked: the window's name is the
  catalog's title; every Tab stop and every button, edit, check box or radio
  button has a name, the catalog's label without the mnemonic "&" where the
  control shows a catalog label; the Tab order is the visual order (rows top
  to bottom, left to right); the focused control on open and the default
  button are the safe ones: in the prompt the primary button, which acts on
  the recommended protective option selected on open and reads as it
  ("Encrypt and send"; it follows the selection: P makes it "Send through the
  secure portal"; Enter never sends in the clear: with "Send without
  encryption" selected it asks for a reason), and
  the reason's field in the justification dialog.
- the Thunderbird host for Windows (the shipped sealgate-host.exe, no test
  hook): prompt.show shows the same TaskDialog, answered by key presses
  (xdotool through Wine's X11 driver): Escape, Enter (the recommended
  option), the "P" access key then Enter, "W" and "S" then a typed reason
  then Enter, and "B"; the host's answer is checked. With rules.convert_to_bcc
  "ask", the dialog's "Keep the external recipients in To and Cc" box is
  ticked by its access key K (en, ja): the outcome moves nobody; left alone,
  the external recipients move.
- the add-in's checklist dialog (prompt.confirm), by key presses in the
  stand-in Outlook (en, ja): Escape goes back to editing; Enter does not
  continue while a box is unticked; with every box ticked it continues to
  the prompt, and the portal choice sends.

    test-dialog-a11y.py SOURCE-ROOT TEST-ADDIN-DLL TEST-ADDIN-EXE HOST-EXE DLG-PROBE-EXE WORK-DIR

Prints TAP."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

if not os.environ.get("SG_IN_XVFB"):
    os.environ["SG_IN_XVFB"] = "1"
    os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, *sys.argv])

ROOT, DLL, ADDIN_EXE, HOST, PROBE, WORK = (pathlib.Path(a) for a in sys.argv[1:7])
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
from nmhost import frame, read_frame  # noqa: E402
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402

WORK.mkdir(parents=True, exist_ok=True)
PREFIX = WORK / "wineprefix"
ENV = dict(os.environ, WINEPREFIX=str(PREFIX), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
TEXTS = {t["id"]: t for t in json.loads((ROOT / "catalog/texts.json").read_text(encoding="utf-8"))["texts"]}
# MSAA roles (oleacc.h)
ROLE_PUSHBUTTON, ROLE_CHECKBUTTON, ROLE_RADIOBUTTON, ROLE_TEXT, ROLE_LIST = 0x2B, 0x2C, 0x2D, 0x2A, 0x21
NAMED_ROLES = {ROLE_PUSHBUTTON, ROLE_CHECKBUTTON, ROLE_RADIOBUTTON, ROLE_TEXT, ROLE_LIST}
IDCANCEL = 2


def text(tid, lang):
    return TEXTS[tid][lang]


def plain(label):
    """A label as MSAA names it: the mnemonic '&' removed ('&&' is one '&')."""
    return re.sub(r"&(.)", r"\1", label)


def primary_name(tid, lang):
    """The primary button's name while option `tid` is selected (win32-common/
    prompt.c, primary_label): the option's label without its access key,
    with the primary's key (the catalog's "&Send": S) put in."""
    label = re.sub(r"\(&.\)$", "", text(tid, lang))
    label = re.sub(r"&(.)", r"\1", label)
    key = re.search(r"&(.)", text("addin_button_primary", lang)).group(1)
    if lang != "ja" and key.lower() in label.lower():
        return label  # "Encrypt and &send": the name is the label
    return label + ("" if lang == "ja" else " ") + f"({key})"


def catalog_pattern(tid, lang):
    """A regular expression for the catalog text's name ({1} matches anything)."""
    parts = re.split(r"\{\d(?::[a-z]+)?\}", plain(text(tid, lang)))
    return "^" + ".+".join(re.escape(p) for p in parts) + "$"


def wine(*args, **kw):
    """Wine with its output in a file: a pipe would be held open by the
    programs Wine starts on the way (wineserver, the desktop)."""
    with open(WORK / "wine.out", "wb") as out:
        r = subprocess.run(["wine", *map(str, args)], env=ENV, stdout=out, stderr=subprocess.DEVNULL,
                           timeout=kw.get("timeout", 120))
    r.stdout = (WORK / "wine.out").read_bytes()
    return r


def winpath(p):
    return "Z:" + str(p).replace("/", "\\")


def probe_wait(title, seconds=60):
    return wine(PROBE, "wait", title, seconds, timeout=seconds + 60).returncode == 0


def probe_read(title):
    r = wine(PROBE, "read", title)
    rows = []
    for line in r.stdout.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
    return rows


def keys(*ks):
    for k in ks:
        if k.startswith("type:"):
            subprocess.run(["xdotool", "type", "--delay", "30", k[5:]], check=False)
        else:
            subprocess.run(["xdotool", "key", k], check=False)
        time.sleep(0.5)


def visual_order(stops):
    """Tab stops sorted as the eye reads them: rows (tops within 8 px), then left to right."""
    rows = []
    for s in sorted(stops, key=lambda s: (s["rect"][1], s["rect"][0])):
        if rows and abs(rows[-1][0]["rect"][1] - s["rect"][1]) <= 8:
            rows[-1].append(s)
        else:
            rows.append([s])
    return [s for row in rows for s in sorted(row, key=lambda s: s["rect"][0])]


ROLE_CLIENT = 0x0A
BS_TYPEMASK, BS_PUSHBUTTON, BS_DEFPUSHBUTTON = 0x0F, 0, 1
BS_CHECKBOXES, BS_RADIOS = {2, 3, 5, 6}, {4, 9}


def effective(row):
    """The name and role a screen reader gets. Wine 8's oleacc has no proxy
    for the standard controls ("unhandled window class" Button, Static,
    Edit, #32770): it answers every window as a bare client object with no
    name. There the name and role are the ones Windows' own proxies give:
    a button's or the dialog's name is its text without the mnemonic '&',
    an edit field's name is the static label just before it; the role comes
    from the class and style."""
    name, role = row.get("name"), row.get("role")
    if role in (None, ROLE_CLIENT):
        cls, bs = (row.get("class") or "").lower(), row.get("style", 0) & BS_TYPEMASK
        if row.get("window"):
            name = name or row.get("text")
        elif cls == "button":
            role = (ROLE_PUSHBUTTON if bs in (BS_PUSHBUTTON, BS_DEFPUSHBUTTON) else ROLE_CHECKBUTTON
                    if bs in BS_CHECKBOXES else ROLE_RADIOBUTTON if bs in BS_RADIOS else role)
            name = name or plain(row.get("text") or "")
        elif cls == "edit":
            role = ROLE_TEXT
            name = name or plain(row.get("label") or "")
        elif cls in ("listbox", "syslistview32"):
            role = ROLE_LIST
            name = name or plain(row.get("label") or "")
    if not name and (row.get("class") or "").lower() == "edit":
        name = plain(row.get("label") or "")  # Wine's Edit object has the role, not the label's name
    row["name"], row["role"] = name, role
    return row


def check_dialog(what, rows, lang, title_id, label_ids, focus_pred, default_pred, names=()):
    """The common checks of one dialog read by dlg-probe; label_ids: the
    catalog texts its controls may show; names: other names they may have."""
    rows = [effective(r) for r in rows]
    win = next((r for r in rows if r.get("window")), None)
    if not check(win is not None, f"{what} ({lang}): read through MSAA", json.dumps(rows)[:800]):
        return
    check(win.get("name") == text(title_id, lang),
          f"{what} ({lang}): the window's accessible name is the catalog's title", f"name {win.get('name')!r}")
    stops = [r for r in rows if "tab" in r]
    controls = [r for r in rows if r.get("control")]
    check(len(stops) >= 2, f"{what} ({lang}): {len(stops)} Tab stops")
    unnamed = [s for s in stops + controls
               if (s in stops or s.get("role") in NAMED_ROLES) and not (s.get("name") or "").strip()]
    check(not unnamed, f"{what} ({lang}): every Tab stop and every button, field, check box and list has a name",
          json.dumps(unnamed, ensure_ascii=False)[:800])
    pats = [catalog_pattern(t, lang) for t in label_ids] + ["^" + re.escape(n) + "$" for n in names]
    buttons = [s for s in stops if s.get("role") == ROLE_PUSHBUTTON and (s.get("text") or "")]
    strange = [b for b in buttons if not any(re.match(p, b.get("name") or "") for p in pats)]
    check(buttons and not strange,
          f"{what} ({lang}): {len(buttons)} buttons, each named with its catalog label without the mnemonic",
          json.dumps(strange, ensure_ascii=False)[:800])
    mnemonic = [b for b in buttons if "&" in (b.get("name") or "")]
    check(not mnemonic, f"{what} ({lang}): no name carries the raw '&' mnemonic",
          json.dumps(mnemonic, ensure_ascii=False)[:400])
    order = [s["id"] for s in stops]
    seen = [s["id"] for s in visual_order(stops)]
    check(order == seen, f"{what} ({lang}): the Tab order is the visual order",
          f"tab {[(s['id'], s.get('name')) for s in stops]}\nvisual {seen}")
    focused = [c for c in stops if c.get("focused")]
    check(len(focused) == 1 and focus_pred(focused[0]), f"{what} ({lang}): the focus on open is on the safe control",
          json.dumps(focused, ensure_ascii=False)[:400])
    defaults = [c for c in controls if c.get("default")]
    check(len(defaults) == 1 and default_pred(defaults[0]), f"{what} ({lang}): one default button, the right one",
          json.dumps(defaults, ensure_ascii=False)[:400])


def setup_prefix():
    shutil.rmtree(PREFIX, ignore_errors=True)
    wine("wineboot", "-i", timeout=300)
    subprocess.run(["wineserver", "-w"], env=ENV, timeout=300)
    subprocess.run([sys.executable, str(HERE / "addin-policy.py"), str(WORK / "policy.reg")], check=True)
    (WORK / "display.reg").write_text(
        "Windows Registry Editor Version 5.00\n\n"
        "[HKEY_CURRENT_USER\\Software\\Wine\\X11 Driver]\n\"Decorated\"=\"N\"\n\n"
        "[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion\\FontLink\\SystemLink]\n"
        "\"Tahoma\"=\"NotoSansCJK-Regular.ttc,Noto Sans CJK JP\"\n"
        "\"MS Shell Dlg\"=\"NotoSansCJK-Regular.ttc,Noto Sans CJK JP\"\n"
        "\"MS Shell Dlg 2\"=\"NotoSansCJK-Regular.ttc,Noto Sans CJK JP\"\n", encoding="utf-8")
    ok = all(wine("regedit", "/S", winpath(WORK / f)).returncode == 0 for f in ("policy.reg", "display.reg"))
    ok = ok and wine("regsvr32", "/s", "/n", "/i:machine", winpath(DLL)).returncode == 0
    check(ok, "a fresh prefix with the add-in tests' policy and the test add-in registered")


PRIMARY_ID = 900  # win32-common/prompt.c: the one button that acts on the selected option
BUTTON_IDS = ["addin_button_primary", "addin_button_encrypt", "addin_button_portal", "addin_button_route", "addin_button_send",
              "addin_button_cancel"]


def outlook_dialogs(lang):
    """The add-in's prompt and justification dialog, read, then left by Escape."""
    title = text("addin_prompt_title", lang)
    result = open(WORK / f"addin-{lang}.out", "wb")
    p = subprocess.Popen(["wine", str(ADDIN_EXE), "--prompt", lang], env=ENV, stdout=result,
                         stderr=subprocess.DEVNULL)
    try:
        if not check(probe_wait(title), f"Outlook prompt ({lang}): the dialog opens"):
            return
        time.sleep(1)
        rows = probe_read(title)
        # The primary button says what it does: the recommended option's words
        # (the stand-in's recipients have no certificates: the gateway route,
        # which has no label, is recommended: "Send through the mail gateway").
        primary = primary_name("addin_button_route", lang)
        check_dialog("Outlook prompt", rows, lang, "addin_prompt_title", BUTTON_IDS,
                     lambda c: c["id"] == PRIMARY_ID and c.get("name") == primary,
                     lambda c: c["id"] == PRIMARY_ID, names=[primary])
        # P selects the portal: the primary button follows the selection.
        keys("p")
        time.sleep(1)
        want = primary_name("addin_button_portal", lang)
        got = [effective(r).get("name") for r in probe_read(title) if r.get("id") == PRIMARY_ID]
        check(got and all(g == want for g in got),
              f"Outlook prompt ({lang}): with the portal selected the primary button reads {want!r}",
              f"got {got!r}")
        # "Send without encryption" (W) selected, then Send (S): the justification dialog
        keys("w", "s")
        jtitle = text("addin_justify_title", lang)
        if check(probe_wait(jtitle, 30), f"justification dialog ({lang}): opens on W then S"):
            time.sleep(1)
            rows = probe_read(jtitle)
            check_dialog("justification dialog", rows, lang, "addin_justify_title",
                         ["addin_justify_ok", "addin_justify_back"],
                         lambda c: c.get("role") == ROLE_RADIOBUTTON
                         and c.get("name") == text("justify_preset_partner", lang), lambda c: c["id"] == 1)
            edit = next((effective(r) for r in rows if "tab" in r and effective(r).get("role") == ROLE_TEXT), {})
            check(edit.get("name") == plain(text("addin_justify_reason", lang)),
                  f"justification dialog ({lang}): the reason's field is named by its label",
                  f"name {edit.get('name')!r}")
            presets = [effective(r).get("name") for r in rows
                       if r.get("control") and effective(r).get("role") == ROLE_RADIOBUTTON]
            want = [text(t, lang) for t in ("justify_preset_partner", "justify_preset_cannot_receive",
                                            "justify_preset_public", "justify_preset_other")]
            check(presets == want, f"justification dialog ({lang}): the preset reasons, named, \"Other\" last",
                  f"got {presets!r}")
            keys("Escape")
        keys("Escape")
        p.wait(timeout=60)
        out = (WORK / f"addin-{lang}.out").read_text(errors="replace")
        check("result cancel=1" in out, f"Outlook prompt ({lang}): Escape twice goes back to editing", out[-300:])
    finally:
        if p.poll() is None:
            p.kill()
        result.close()


# ---- the host's TaskDialog, answered by key presses


HOST_MESSAGE = {"from": "me@corp.example", "to": ["pat@partner.example"], "subject": "Quarterly figures"}


def host_prompt(lang, key_list, a11y=False, message=None):
    """policy.evaluate then prompt.show in the shipped host; the keys answer
    the dialog. The prompt.show answer, or {}."""
    p = subprocess.Popen(["wine", str(HOST)], env=dict(ENV, LOCALAPPDATA="C:\\sealgate-test\\appdata"),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    answer = {}
    try:
        p.stdin.write(frame({"id": "e", "op": "policy.evaluate",
                             "message": message or HOST_MESSAGE}))
        p.stdin.flush()
        first = read_frame(p.stdout)
        attempt = first.get("result", {}).get("attempt")
        p.stdin.write(frame({"id": "p", "op": "prompt.show", "attempt": attempt, "lang": lang}))
        p.stdin.flush()
        title = text("addin_prompt_title", lang)
        if probe_wait(title):
            time.sleep(1)
            if a11y:
                primary = primary_name("addin_button_encrypt", lang)
                check_dialog("Thunderbird host prompt", probe_read(title), lang, "addin_prompt_title", BUTTON_IDS,
                             lambda c: c["id"] == PRIMARY_ID and c.get("name") == primary,
                             lambda c: c["id"] == PRIMARY_ID, names=[primary])
            keys(*key_list)
        answer = read_frame(p.stdout)
        p.stdin.close()
        p.wait(timeout=60)
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        print(f"#   {e}")
    finally:
        if p.poll() is None:
            p.kill()
    return answer


def bcc_ask_cases():
    """rules.convert_to_bcc "ask" (issue 17): the real TaskDialog's check box
    "Keep the external recipients in To and Cc" (its verification box),
    ticked by its access key K: the portal route goes with nothing moved;
    left alone, the two external recipients move."""
    reg = WORK / "bcc-ask.reg"
    reg.write_text("Windows Registry Editor Version 5.00\n\n"
                   "[HKEY_LOCAL_MACHINE\\Software\\Policies\\sealgate\\Rules\\ConvertToBcc]\n"
                   "\"Mode\"=\"ask\"\n\"MinDomains\"=dword:00000002\n\n", encoding="utf-8")
    check(wine("regedit", "/S", winpath(reg)).returncode == 0, "policy: Rules\\ConvertToBcc Mode ask, MinDomains 2")
    msg = {"from": "me@corp.example", "to": ["pat@partner.example"], "cc": ["quinn@other.example"],
           "subject": "Invitation"}
    for lang, ks, keep in (("en", ["k", "p", "Return"], True), ("ja", ["k", "p", "Return"], True),
                           ("en", ["p", "Return"], False)):
        a = host_prompt(lang, ks, message=msg)
        res = a.get("result", {})
        bcc = (res.get("outcome") or {}).get("bcc", "missing")
        if keep:
            check(res.get("choice") == "route:portal" and bcc is None,
                  f"host prompt.show ({lang}), keys {' '.join(ks)}: the box ticked, routed, nothing moves to Bcc",
                  json.dumps(a, ensure_ascii=False)[:600])
        else:
            check(res.get("choice") == "route:portal" and isinstance(bcc, dict)
                  and sorted(bcc.get("move", [])) == ["pat@partner.example", "quinn@other.example"],
                  f"host prompt.show ({lang}), keys {' '.join(ks)}: the box left alone, both move to Bcc",
                  json.dumps(a, ensure_ascii=False)[:600])


def checklist_cases():
    """prompt.confirm "external" (issue 17): the add-in's real checklist
    dialog (win32-common/checklist.c) in the stand-in Outlook, by key
    presses: Escape goes back to editing (no prompt, nothing sent); with a
    box left unticked Enter (Continue) does nothing; the last box ticked
    (Space, Down), Enter continues to the prompt, whose portal choice sends."""
    reg = WORK / "confirm.reg"
    reg.write_text("Windows Registry Editor Version 5.00\n\n"
                   "[HKEY_LOCAL_MACHINE\\Software\\Policies\\sealgate\\Prompt]\n"
                   "\"Confirm\"=\"external\"\n\n", encoding="utf-8")
    check(wine("regedit", "/S", winpath(reg)).returncode == 0, "policy: Prompt\\Confirm external")
    for lang in ("en", "ja"):
        title = text("addin_missend_title", lang)
        ptitle = text("addin_prompt_title", lang)
        for escape in (True, False):
            out_path = WORK / f"checklist-{lang}-{int(escape)}.out"
            with open(out_path, "wb") as result:
                p = subprocess.Popen(["wine", str(ADDIN_EXE), "--prompt", lang], env=ENV, stdout=result,
                                     stderr=subprocess.DEVNULL)
                try:
                    if not check(probe_wait(title), f"checklist ({lang}): the dialog opens before the prompt"):
                        continue
                    time.sleep(1)
                    if escape:
                        keys("space", "Escape")
                        p.wait(timeout=60)
                        out = out_path.read_text(errors="replace")
                        check("result cancel=1" in out and "X-SecureSend" not in out,
                              f"checklist ({lang}): Escape goes back to editing, nothing set", out[-300:])
                        continue
                    keys("space", "Down", "space", "Return")
                    check(probe_wait(title, 3) and not probe_wait(ptitle, 3),
                          f"checklist ({lang}): two of three boxes ticked, Enter does not continue")
                    keys("Down", "space", "Return")
                    if check(probe_wait(ptitle, 30), f"checklist ({lang}): the last box ticked, Enter continues "
                                                     "to the prompt"):
                        time.sleep(1)
                        keys("p", "Return")
                    p.wait(timeout=60)
                    out = out_path.read_text(errors="replace")
                    check("result cancel=0" in out and "X-SecureSend-Route=portal" in out,
                          f"checklist ({lang}): then the portal choice sends with the route header", out[-300:])
                finally:
                    if p.poll() is None:
                        p.kill()


def main():
    setup_prefix()
    for lang in ("en", "ja"):
        outlook_dialogs(lang)
    cases = [
        ("en", ["Escape"], "cancel", "escape", None, True),
        ("en", ["Return"], "encrypt", "button", None, False),
        ("en", ["p", "Return"], "route:portal", "button", None, False),
        ("en", ["w", "s", "r", "type:client asked for it", "Return"], "send", "button", "client asked for it",
         False),
        ("en", ["w", "s", "Down", "Return"], "send", "button", "The recipient cannot receive encrypted messages",
         False),
        ("ja", ["w", "s", "space", "Return"], "send", "button", "取引先の指定により", False),
        ("ja", ["Escape"], "cancel", "escape", None, True),
        ("ja", ["b"], "cancel", "button", None, False),
    ]
    for lang, ks, choice, by, why, a11y in cases:
        a = host_prompt(lang, ks, a11y)
        res = a.get("result", {})
        check(res.get("choice") == choice and res.get("by") == by and res.get("justification") == why,
              f"host prompt.show ({lang}), keys {' '.join(ks)}: choice {choice}, by {by}"
              + (f", justification {why!r}" if why else ""), json.dumps(a, ensure_ascii=False)[:600])
    bcc_ask_cases()
    checklist_cases()
    subprocess.run(["wineserver", "-k"], env=ENV, timeout=60)
    if done() == 0:
        shutil.rmtree(PREFIX, ignore_errors=True)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
