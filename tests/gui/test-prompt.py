#!/usr/bin/env python3
"""sealgate-prompt's real window under a private Xvfb: every choice made with
real key presses (xdotool: the options a radio list, one Tab stop, the
arrow keys and mnemonics select, the routes past the first two under "Other
ways to send (n)" (Alt+H; their access keys do nothing while it is closed),
the primary button acts on the selection and is the default only for a
protective option; Enter never sends in the clear; the recipient list one
Tab stop), the window
closed through WM_DELETE_WINDOW, --timeout, the justification path (a
preset reason or typed text), 1/20/500
recipients, en and ja (window title + screenshots in tests/out/gui/), and
invalid input (exit 2, no window) and no display (exit 3).
Usage: test-prompt.py SEALGATE_PROMPT LOCALEDIR OUTDIR. Prints TAP."""
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from tap import done, ok  # noqa: E402
import promptx  # noqa: E402

PROMPT = sys.argv[1]
LOCALEDIR = sys.argv[2]
OUT = pathlib.Path(sys.argv[3])
OUT.mkdir(parents=True, exist_ok=True)

D1 = promptx.decision("decision-1.json")
D20 = promptx.decision("decision-20.json")
TITLE = {"en": "Sending outside the organisation", "ja": "社外への送信確認"}


def answer(choice, by, justification=None):
    return json.dumps({"choice": choice, "justification": justification, "by": by}, ensure_ascii=False,
                      separators=(",", ":")) + "\n"


def finish(p, timeout=10):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        err += b"\n(killed: no answer in time)"
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def open_prompt(x, watch, d, args=(), env=None):
    """Start the prompt, wait for its window, give it the keyboard focus."""
    watch.drain()
    t0 = time.monotonic()
    p = promptx.start_prompt(PROMPT, d, env or x.env(SEALGATE_LOCALEDIR=LOCALEDIR), args)
    wid, t = watch.wait_map(proc=p)
    if wid is None:
        return p, None, None
    e = x.env()
    promptx.xdotool(e, "windowfocus", "--sync", str(wid))
    time.sleep(0.25)  # let GTK see the focus before the first key
    return p, wid, t - t0


def keys(x, *seq, delay=0.12):
    e = x.env()
    for k in seq:
        promptx.xdotool(e, "key", "--clearmodifiers", k)
        time.sleep(delay)


def check_answer(p, want, desc, rc=0):
    code, out, err = finish(p)
    ok(code == rc and out == want, desc, f"exit {code}\nstdout: {out!r}\nwant:   {want!r}\nstderr: {err}")


def run_invalid(x, watch, data, needle, desc, args=()):
    watch.drain()
    p = promptx.start_prompt(PROMPT, data, x.env(SEALGATE_LOCALEDIR=LOCALEDIR), args)
    code, out, err = finish(p)
    time.sleep(0.05)
    maps = watch.count_maps()
    lines = err.splitlines()
    ok(code == 2 and out == "" and len(lines) >= 1 and lines[0].startswith("sealgate-prompt: ") and needle in err
       and maps == 0, f"invalid: {desc}: exit 2, \"{needle}\" on stderr, no window",
       f"exit {code}, {maps} windows mapped\nstdout: {out!r}\nstderr: {err}")


with promptx.Xvfb() as x:
    watch = promptx.MapWatcher(x.display)

    # ---- on open the recommended option (encrypt) is selected and the
    # primary button, which follows it, is the default: Enter takes it
    p, wid, _ = open_prompt(x, watch, D1)
    ok(wid is not None, "1 recipient: the window maps")
    keys(x, "Return")
    check_answer(p, answer("encrypt", "button"), "Enter on open: the recommended choice (encrypt), never a send")

    p, wid, _ = open_prompt(x, watch, D1)
    keys(x, "Escape")
    check_answer(p, answer("cancel", "escape"), "Escape: cancel by escape")

    p, wid, _ = open_prompt(x, watch, D1)
    if wid:
        watch.close_window(wid)
    check_answer(p, answer("cancel", "close"), "WM_DELETE_WINDOW: cancel by close")

    # policy's recommended choice: the portal is selected first
    p, wid, _ = open_prompt(x, watch, dict(D20, prompt_recommended="route:portal"))
    keys(x, "Return")
    check_answer(p, answer("route:portal", "button"), "prompt_recommended route:portal: Enter on open takes it")

    # ---- a mnemonic selects an option; Enter sends through the primary button.
    # The routes past the first two are under "Other ways to send (4)": Alt+H
    # opens it, and only then do their access keys select them.
    for ks, choice in [(("alt+e",), "encrypt"), (("alt+p",), "route:portal"), (("alt+h", "alt+s"), "route:smime"),
                       (("alt+h", "alt+o"), "route:pgp"), (("alt+h", "alt+z"), "route:zip")]:
        p, wid, _ = open_prompt(x, watch, D20)
        keys(x, *ks)
        time.sleep(0.2)
        ok(p.poll() is None, f"20 recipients: {' '.join(ks)} selects {choice}, sends nothing yet")
        keys(x, "Return")
        check_answer(p, answer(choice, "button"), f"20 recipients: {' '.join(ks)} and Enter: {choice}")
    for key in ("alt+s", "alt+o", "alt+z"):
        p, wid, _ = open_prompt(x, watch, D20)
        keys(x, key, "Return")
        check_answer(p, answer("encrypt", "button"),
                     f"20 recipients: {key} with \"Other ways to send\" closed selects nothing: Enter, encrypt")
    # Alt+H twice: opened and closed again; a further route chosen, then
    # closed: the first option is selected again (the selection stays in sight)
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "alt+h", "alt+h", "alt+s", "Return")
    check_answer(p, answer("encrypt", "button"), "Alt+H twice (open, closed), Alt+S does nothing: Enter, encrypt")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "alt+h", "alt+h", "alt+e", "Tab", "space", "space", "Return")
    check_answer(p, answer("route:smime", "button"),
                 "opened and closed: still a Tab stop (Tab, Space opens it again, Space selects S/MIME)")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "alt+h", "alt+z", "alt+h", "Return")
    check_answer(p, answer("encrypt", "button"),
                 "ZIP chosen inside, then Alt+H closes it: the recommended option is selected again")
    # opened by Tab and Space: the focus is on the first further route, not
    # selected; Space selects it, Down the next ones
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Tab", "space", "Return")
    check_answer(p, answer("encrypt", "button"),
                 "Tab to \"Other ways to send\", Space opens it: nothing newly selected, Enter: encrypt")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Tab", "space", "space", "Return")
    check_answer(p, answer("route:smime", "button"), "Tab, Space opens, Space selects the first further route")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Tab", "Return", "Down", "Down", "Down", "Return")
    check_answer(p, answer("route:partner-gw", "button"),
                 "Tab, Enter opens, Down three times: the custom route (no access key), Enter")
    # a further route chosen in the compose window: shown open, selected
    p, wid, _ = open_prompt(x, watch, dict(D20, preselect="route:zip"))
    keys(x, "Return")
    check_answer(p, answer("route:zip", "button"), "preselect route:zip (a further route): selected, Enter takes it")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "alt+b")
    check_answer(p, answer("cancel", "button"), "20 recipients: Alt+B presses \"Back to editing\"")

    # ---- "Send without encryption": Enter is inert; the primary button sends
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "alt+w", "Return", "KP_Enter")
    time.sleep(0.3)
    ok(p.poll() is None, "send selected: Enter does nothing (the primary button is not the default)")
    keys(x, "Tab", "Tab", "space")
    check_answer(p, answer("send", "button"), "send selected: Tab to \"Back to editing\", Tab to the primary, space")

    # ---- the options are one Tab stop: the arrow keys move the selection
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Down")
    time.sleep(0.2)
    ok(p.poll() is None, "Down on the options moves the selection, answers nothing")
    keys(x, "Return")
    check_answer(p, answer("route:portal", "button"), "Down then Enter: the next option (portal)")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Down", "Down", "Return", "KP_Enter")
    time.sleep(0.3)
    ok(p.poll() is None, "Down twice: past the closed \"Other ways to send\" to \"Send without encryption\", "
       "Enter does nothing")
    keys(x, "Up", "Return")
    check_answer(p, answer("route:portal", "button"), "then Up: the portal again (the further routes hidden), Enter")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Tab", "shift+Tab", "Down", "Return")
    check_answer(p, answer("route:portal", "button"),
                 "Tab then Shift+Tab comes back to the options (one stop), Down, Enter: portal")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Tab", "Tab", "Tab", "Return")
    check_answer(p, answer("encrypt", "button"),
                 "Tab past \"Other ways to send\" and \"Back to editing\" to the primary button, Enter")
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "Tab", "Tab", "Return")
    check_answer(p, answer("cancel", "button"), "Tab, Tab: \"Back to editing\", Enter presses it")

    # ---- keyboard only, by Tab: the recipient list (20 recipients) is one
    # Tab stop; the arrow keys move inside it and answer nothing
    p, wid, _ = open_prompt(x, watch, D20)
    keys(x, "shift+Tab", "shift+Tab", "Down", "Down", "Up")
    time.sleep(0.2)
    ok(p.poll() is None, "keyboard: Shift+Tab into the recipient list and the arrow keys there answer nothing")
    keys(x, "Tab", "Tab", "Return")
    check_answer(p, answer("encrypt", "button"),
                 "keyboard: from the list, Tab, Tab: the options again (the list is one stop), Enter: encrypt")

    # ---- justification
    dj = dict(D20, require_justification=True)
    p, wid, _ = open_prompt(x, watch, dj)
    keys(x, "alt+w", "Return")
    time.sleep(0.2)
    ok(p.poll() is None, "justification: \"Send without encryption\" selected, Enter does nothing")
    keys(x, "Tab", "Tab", "space")
    time.sleep(0.2)
    ok(p.poll() is None, "justification: the primary button opens the reason step, sends nothing")
    keys(x, "Return")
    keys(x, "alt+c")
    ok(p.poll() is None, "justification: Enter on the preset reasons (none chosen) and the confirm mnemonic "
       "do nothing")
    keys(x, "alt+r", "Return", "alt+c")
    ok(p.poll() is None, "justification: Alt+R to the field: Enter in the empty field and Alt+C do nothing")
    promptx.xdotool(x.env(), "type", "--delay", "20", "   ")
    keys(x, "alt+c", "Return")
    ok(p.poll() is None, "justification: blank text refused (confirm stays disabled, Enter does not send)")
    keys(x, "ctrl+a")
    promptx.xdotool(x.env(), "type", "--delay", "30", "  Customer asked, no S/MIME ")
    keys(x, "Return")
    time.sleep(0.2)
    ok(p.poll() is None, "justification: Enter in the field with text does not send")
    keys(x, "alt+c")
    check_answer(p, answer("send", "button", "Customer asked, no S/MIME"),
                 "justification: confirm sends, text trimmed and printed")

    # Preset reasons: the focus starts on them; Space chooses the first, Down
    # the next; what is sent is the chosen preset's words; Enter on a preset
    # does nothing, Alt+C sends
    for ks, want in [(("space",), "At the business partner's request"),
                     (("Down",), "The recipient cannot receive encrypted messages"),
                     (("Down", "Down"), "The information is already public"),
                     (("Down", "Down", "Down", "Up"), "The information is already public")]:
        p, wid, _ = open_prompt(x, watch, dj)
        keys(x, "alt+w", "Tab", "Tab", "space")
        time.sleep(0.3)
        keys(x, *ks, "Return")
        time.sleep(0.3)
        ok(p.poll() is None, f"presets: {' '.join(ks)} chooses a preset, Enter does not send")
        keys(x, "alt+c")
        check_answer(p, answer("send", "button", want), f"presets: {' '.join(ks)}, Alt+C: sent with \"{want}\"")
    # "Other" empties the field a preset filled: nothing to send until typed
    p, wid, _ = open_prompt(x, watch, dj)
    keys(x, "alt+w", "Tab", "Tab", "space")
    time.sleep(0.3)
    keys(x, "space", "Down", "Down", "Down", "alt+c")
    time.sleep(0.3)
    ok(p.poll() is None, "presets: \"Other\" empties the field: Alt+C does nothing")
    keys(x, "Tab")
    promptx.xdotool(x.env(), "type", "--delay", "30", "Agreed by phone")
    keys(x, "alt+c")
    check_answer(p, answer("send", "button", "Agreed by phone"), "presets: \"Other\", Tab, typed text, Alt+C: sent")
    # a preset's words can be added to in the field
    p, wid, _ = open_prompt(x, watch, dj)
    keys(x, "alt+w", "Tab", "Tab", "space")
    time.sleep(0.3)
    keys(x, "Down", "Tab", "End")
    promptx.xdotool(x.env(), "type", "--delay", "30", " (ticket 42)")
    keys(x, "alt+c")
    check_answer(p, answer("send", "button", "The recipient cannot receive encrypted messages (ticket 42)"),
                 "presets: a preset, Tab to the field, text added, Alt+C: sent as edited")

    # The justification step replaces the choices (issue 22 item 4): Alt+P
    # does nothing there; "Back to the choices" (Alt+B) brings them back,
    # and Alt+P then selects the portal.
    p, wid, _ = open_prompt(x, watch, dj)
    keys(x, "alt+w", "Tab", "Tab", "space")
    time.sleep(0.3)
    keys(x, "alt+p")
    time.sleep(0.3)
    ok(p.poll() is None, "justification step: the options are gone (Alt+P does nothing)")
    keys(x, "alt+b")
    time.sleep(0.3)
    ok(p.poll() is None, "justification step: Alt+B goes back to the choices, not to editing")
    keys(x, "alt+p", "Return")
    check_answer(p, answer("route:portal", "button"), "justification step: back, then Alt+P and Enter: portal")

    p, wid, _ = open_prompt(x, watch, dj)
    keys(x, "alt+w", "Tab", "Tab", "space", "Tab")
    promptx.xdotool(x.env(), "type", "--delay", "30", "reason")
    keys(x, "Escape")
    check_answer(p, answer("cancel", "escape"), "justification: Escape still cancels")

    # only "send" and "cancel": nothing is recommended, send is selected,
    # and Enter still sends nothing
    d2 = dict(D20, choices=[c for c in D20["choices"] if c["kind"] in ("send", "cancel")], prompt_recommended=None)
    p, wid, _ = open_prompt(x, watch, d2)
    keys(x, "Return")
    time.sleep(0.3)
    ok(p.poll() is None, "send and cancel only: Enter on open sends nothing")
    keys(x, "Escape")
    check_answer(p, answer("cancel", "escape"), "send and cancel only: Escape cancels")

    # ---- 500 recipients
    d500 = promptx.with_recipients(D20, 500)
    p, wid, t = open_prompt(x, watch, d500)
    ok(wid is not None, f"500 recipients: the window maps ({t * 1000:.0f} ms from start)" if t else
       "500 recipients: the window maps")
    ok(t is not None and t < 5.0, "500 recipients: mapped within 5 s (the benchmark measures properly)", t)
    keys(x, "Escape")
    check_answer(p, answer("cancel", "escape"), "500 recipients: Escape cancels")

    # ---- timeout
    t0 = time.monotonic()
    p, wid, _ = open_prompt(x, watch, D1, args=("--timeout", "2"))
    code, out, err = finish(p, timeout=15)
    el = time.monotonic() - t0
    ok(code == 0 and out == answer("cancel", "timeout") and 1.5 < el < 8,
       f"--timeout 2: cancel by timeout after {el:.1f} s", f"{code} {out!r} {err}")

    # ---- languages: window title and a screenshot each
    for lang, args, env_extra in [("en", ("--lang", "en"), {}), ("ja", ("--lang", "ja"), {}),
                                  ("ja", (), {"LANGUAGE": "ja"}), ("en", ("--lang", "en"), {"LANGUAGE": "ja"}),
                                  ("ja", (), {"LANG": "ja_JP.UTF-8"})]:
        env = x.env(SEALGATE_LOCALEDIR=LOCALEDIR, **env_extra)
        how = " ".join(args) or ", ".join(f"{k}={v}" for k, v in env_extra.items())
        if args and env_extra:
            how += " with " + ", ".join(f"{k}={v}" for k, v in env_extra.items())
        p, wid, _ = open_prompt(x, watch, D20, args=args + ("--screenshot-mode",), env=env)
        title = watch.title(wid) if wid else None
        ok(title == TITLE[lang], f"{lang} ({how}): window title \"{TITLE[lang]}\"", repr(title))
        if not env_extra:
            shot = OUT / f"prompt-{lang}.png"
            subprocess.run(["import", "-window", str(wid), str(shot)], env=x.env(), capture_output=True, timeout=30)
            colors = subprocess.run(["identify", "-format", "%k", str(shot)], capture_output=True, text=True,
                                    timeout=30).stdout if shot.exists() else "0"
            ok(shot.exists() and int(colors or 0) > 20, f"{lang}: screenshot {shot} ({colors} colours)")
        keys(x, "Escape")
        check_answer(p, answer("cancel", "escape"), f"{lang} ({how}): Escape cancels")
    # a screenshot differs between the languages
    a, b = OUT / "prompt-en.png", OUT / "prompt-ja.png"
    if a.exists() and b.exists():
        cmp = subprocess.run(["compare", "-metric", "AE", str(a), str(b), "null:"], capture_output=True, text=True)
        diff = cmp.stderr.split()[0] if cmp.stderr else "0"
        ok(float(diff.replace("e+", "E")) > 1000, f"en and ja screenshots differ ({diff} pixels)")

    # ---- invalid input: exit 2, the key path on stderr, no window
    run_invalid(x, watch, b"this is not json", "input: not JSON", "not JSON")
    run_invalid(x, watch, b"", "input: empty", "empty input")
    run_invalid(x, watch, dict(D1, action="route"), "action: expected \"prompt\", got \"route\"", "action route")
    bad = json.loads(json.dumps(D1))
    bad["recipients"][0]["field"] = 3
    run_invalid(x, watch, bad, "recipients[0].field: expected a string, got a number", "field a number")
    bad = json.loads(json.dumps(D1))
    bad["choices"][1]["route"] = ["portal"]
    run_invalid(x, watch, bad, "choices[1].route: expected a string, got an array", "route an array")
    run_invalid(x, watch, dict(D1, require_justification="no"), "require_justification: expected a boolean",
                "require_justification a string")
    run_invalid(x, watch, promptx.with_recipients(D1, 10001), "recipients: more than 10000 entries (10001)",
                "10001 recipients (limit + 1)")
    run_invalid(x, watch, dict(D1, subject="s" * 16385), "subject: longer than 16384 bytes", "subject 16385 bytes")
    big = json.dumps(D1).encode()
    big = big + b" " * (8 * 1024 * 1024 + 1 - len(big))
    run_invalid(x, watch, big, "input: more than 8388608 bytes", "input of 8 MiB + 1")
    run_invalid(x, watch, json.dumps(D1).encode(), "--lang: expected \"ja\" or \"en\"", "--lang fr",
                args=("--lang", "fr"))
    run_invalid(x, watch, json.dumps(D1).encode(), "--timeout: expected whole seconds", "--timeout 0",
                args=("--timeout", "0"))
    run_invalid(x, watch, json.dumps(D1).encode(), "unknown option \"--frobnicate\"", "unknown option",
                args=("--frobnicate",))

    # ---- no display: exit 3
    env = x.env(SEALGATE_LOCALEDIR=LOCALEDIR)
    del env["DISPLAY"]
    p = promptx.start_prompt(PROMPT, D1, env)
    code, out, err = finish(p)
    ok(code == 3 and out == "" and "sealgate-prompt: cannot open display" in err, "no DISPLAY: exit 3",
       f"{code} {out!r} {err}")
    env = x.env(SEALGATE_LOCALEDIR=LOCALEDIR, DISPLAY=":4999")
    p = promptx.start_prompt(PROMPT, D1, env)
    code, out, err = finish(p)
    ok(code == 3 and out == "" and "sealgate-prompt: cannot open display" in err, "display :4999 absent: exit 3",
       f"{code} {out!r} {err}")
    watch.close()

sys.exit(done())
