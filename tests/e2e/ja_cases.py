"""e2e cases with Thunderbird's own UI in Japanese (issue 22 item 6): the
language pack of the Debian package thunderbird-l10n-ja (installed by
tools/install-deps.sh e2e, found in Thunderbird's application scope) and
intl.locale.requested = ja. The prompt, the block notice and the
helper-failure notice are shown once each on the run's Xvfb and must be in
Japanese; a screenshot of each goes to --out (docs/user/ja.md shows them).
`t` is test-send.py's module (its helpers: prompt_send, expect_held,
go_back, host_dies_mid_decision)."""
import os
import re
import subprocess

from lib import xdisplay

tap = None  # test-send.py's Tap, set when it imports this module

JA_PREFS = 'user_pref("intl.locale.requested", "ja");\n'
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
LANGPACK = "/usr/lib/thunderbird/extensions/langpack-ja@thunderbird.mozilla.org.xpi"

CASES = ["ja-prompt", "ja-block", "ja-helper-failure"]


def shot(rig, name, wid=None):
    """A screenshot of the prompt window, or of the whole display (the
    notices are Thunderbird popups; there is no window manager)."""
    out = getattr(rig, "out", None)
    if not out:
        return
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    subprocess.run(["import", "-window", str(wid) if wid else "root", "-strip", path], capture_output=True,
                   env={**os.environ, "DISPLAY": rig.xvfb.display}, timeout=30)
    tap.comment(f"screenshot {path}")


def ui_language(tb):
    """Thunderbird's UI language, as the chrome reports it."""
    return tb.m.execute("return Services.locale.appLocaleAsBCP47;")


def case_ja_prompt(rig, t):
    name = "Japanese Thunderbird: the prompt"
    tap.ok(os.path.isfile(LANGPACK), f"{name}: the language pack is installed (thunderbird-l10n-ja)", LANGPACK)
    lang = ui_language(rig.tb)
    tap.ok(str(lang).startswith("ja"), f"{name}: Thunderbird's UI is Japanese", repr(lang))
    rig.use_policy("policy-prompt.json")
    try:
        tag, before, wid = t.prompt_send(rig, name, ["mei@partner.example"], "社外への見積書", "ご確認ください。")
        if wid is None:
            rig.tb.close_compose(tag)
            return
        title = xdisplay.window_name(rig.xvfb.display, wid) or ""
        tap.ok(JAPANESE.search(title) is not None, f"{name}: the prompt window's title is Japanese", repr(title))
        shot(rig, "prompt-tb-ja.png", wid)
        xdisplay.answer_prompt(rig.xvfb.display, wid, "cancel")
        tap.ok(xdisplay.prompt_gone(rig.xvfb.display), f"{name}: the window closes")
        ok, ev = rig.nothing_sent()
        tap.ok(ok, f"{name}: back to editing sends nothing", str(ev))
        rig.tb.close_compose(tag)
    finally:
        rig.use_policy("policy-route.json")


def case_ja_block(rig, t):
    name = "Japanese Thunderbird: the block notice"
    rig.reset_sinks()
    tb = rig.tb
    tag = tb.compose(to=["bob@corp.example"], cc=["mei@partner.example"], subject="社員情報",
                     body=f"マイナンバーは {t.MY_NUMBER} です。")
    before = tb.fields(tag)
    tb.send(tag, close_timeout=5)
    notice, _ = t.expect_held(rig, name, tag, before, "block")
    if notice is not None:
        text = tb.notice_dom("kind=block", "return document.body.innerText;") or ""
        tap.comment(f"{name}: " + " | ".join(text.split("\n")[:6]))
        tap.ok(t.MY_NUMBER not in text, f"{name}: the number is not shown", text)
        tap.ok("参考（送信を中止した理由ではありません）" in text and "partner.example" in text,
               f"{name}: the outside recipients are context, in Japanese", text)
        tap.ok(re.search(r"対処: .*[0-9a-f]{32}", text) is not None,
               f"{name}: what to do, with the reference, in Japanese", text)
        tap.ok("What you can do" not in text and "For context" not in text, f"{name}: no English left", text)
        shot(rig, "block-tb-ja.png")
        t.go_back(rig, name, tag, before, "block")
    tb.close_compose(tag)
    tb.close_notices()


def case_ja_helper_failure(rig, t):
    name = "Japanese Thunderbird: the helper-failure notice"
    tag, before = t.host_dies_mid_decision(rig, name, "block")
    if tag is None:
        return
    notice, _ = t.expect_held(rig, name, tag, before, "helper-failure", want_send_anyway=False)
    if notice is not None:
        text = rig.tb.notice_dom("kind=helper-failure", "return document.body.innerText;") or ""
        tap.comment(f"{name}: " + " | ".join(text.split("\n")[:6]))
        head = text.split("\n")[0] if text else ""
        tap.ok(JAPANESE.search(head) is not None and "sealgate" in text,
               f"{name}: the notice is in Japanese", text)
        tap.ok("did not answer" not in text and "terminal" not in text,
               f"{name}: no English text and no terminal instructions", text)
        shot(rig, "helper-failure-tb-ja.png")
        t.go_back(rig, name, tag, before, "helper-failure")
    rig.tb.close_compose(tag)
    rig.tb.close_notices()


def run_all(rig, run, t):
    """Run 11: Thunderbird in Japanese, visible on Xvfb, the real prompt."""
    rig.set_helper_failure("block")
    rig.use_policy("policy-route.json")
    rig.start_thunderbird(prompt=True, visible=True, extra_prefs=JA_PREFS)
    tap.comment("thunderbird run (extension, host, UI in Japanese, visible on Xvfb)")
    run("ja-prompt", case_ja_prompt, rig, t)
    run("ja-block", case_ja_block, rig, t)
    run("ja-helper-failure", case_ja_helper_failure, rig, t)
