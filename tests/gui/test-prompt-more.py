#!/usr/bin/env python3
"""sealgate-prompt's further routes and preset reasons (issue 20 item 2),
read as a screen reader reads them (a private Xvfb, session bus and AT-SPI
registry) while real key presses drive the window, in en and ja:
- "Other ways to send (4)": the first two protective options are shown,
  the four further routes are not in the tree until it is opened; it is
  named without mnemonic markup and not expanded; Alt+H opens it (expanded,
  the focus on the first further route, nothing newly selected); Space
  selects that route and the primary button is then named after it; Down
  selects the next and the primary follows; Enter sends the route shown on
  the primary button; Alt+H closes it again with the recommended option
  selected and the primary named after it.
- the preset reasons of "Send without encryption": the focus lands on the
  first preset (named by the catalog's words, none chosen, the confirm
  button insensitive); choosing a preset puts its words in the reason
  entry and makes the confirm button sensitive; "Other" empties the entry
  (insensitive again); typed text is sent as typed; Alt+C sends the preset's
  words in the window's language.
Usage: test-prompt-more.py SEALGATE_PROMPT LOCALEDIR. Prints TAP."""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from tap import done, ok  # noqa: E402
import a11yx  # noqa: E402
import promptx  # noqa: E402

PROMPT, LOCALEDIR = sys.argv[1], sys.argv[2]
label = promptx.label
D20 = promptx.decision("decision-20.json")
DJ = dict(D20, require_justification=True)


def texts(lang):
    ids = dict(encrypt="gtk_encrypt_and_send", portal="gtk_send_through_the_secure_portal",
               smime="gtk_encrypt_at_the_gateway_s_mime", pgp="gtk_encrypt_at_the_gateway_openpgp",
               zip="gtk_send_attachments_as_an_encrypted_zip", send="gtk_send_without_encryption",
               back="gtk_back_to_editing", back_choices="gtk_back_to_the_choices",
               confirm="gtk_confirm_and_send_without_encryption",
               p0="justify_preset_partner", p1="justify_preset_cannot_receive", p2="justify_preset_public",
               other="justify_preset_other")
    t = {k: label(v, lang) for k, v in ids.items()}
    t["more"] = label("gtk_other_ways_to_send", lang).replace("{1:zu}", "4")
    t["recommended"] = promptx.CATALOG["gtk_s_recommended"][lang].replace("{1}", t["encrypt"])
    t["route"] = promptx.CATALOG["gtk_send_via_the_gateway_s"][lang].replace("{1}", "partner-gw")
    return t


T = {lang: texts(lang) for lang in ("en", "ja")}
ok(T["en"]["more"] == "Other ways to send (4)" and T["ja"]["more"] == "その他の送信方法（4）"
   and T["ja"]["p0"] == "取引先の指定により" and T["ja"]["p1"] == "相手が暗号化メールを受け取れないため",
   "the catalog's texts, without mnemonic markup", (T["en"]["more"], T["ja"]["more"]))


def keys(env, *seq):
    promptx.keys(env, *seq, delay=0.2)


def answer(p):
    try:
        out, _ = p.communicate(timeout=10)
    except Exception:  # noqa: BLE001
        p.kill()
        out, _ = p.communicate()
    try:
        return json.loads(out.decode("utf-8"))
    except ValueError:
        return {"raw": out}


with promptx.Xvfb() as x:
    bus = a11yx.Bus(x)
    Atspi = a11yx.atspi()
    r = a11yx.Reader(Atspi)
    kenv = bus.env()

    def tree(p):
        r.pump(0.3)
        app = r.app(p.pid)
        return [a for a, _ in r.walk(app.get_child_at_index(0))] if app else []

    def named(p, role):
        return [a for a in tree(p) if a.get_role_name() == role]

    def radio_names(p):
        return [a.get_name() for a in named(p, "radio button")]

    def primary(p, t):
        """The primary button's name: the push button after "Back to editing"."""
        names = [a.get_name() for a in named(p, "push button")]
        return names[names.index(t["back"]) + 1] if t["back"] in names and names[-1] != t["back"] else None

    def entry_text(p):
        """The reason entry's text: its editable part (the GtkText inside
        the GtkEntry, the last named "text" in the tree)."""
        entry = [a for a in named(p, "text") if a.get_name()]
        return entry[-1].get_text(0, entry[-1].get_character_count()) if entry else None

    def find(p, name):
        for a in tree(p):
            if a.get_name() == name:
                return a
        return None

    try:
        for lang in ("en", "ja"):
            t = T[lang]
            env = bus.env(SEALGATE_LOCALEDIR=LOCALEDIR)

            # ---- "Other ways to send (4)"
            r.clear()
            p = promptx.start_prompt(PROMPT, D20, env, ("--lang", lang))
            r.wait_focus(p.pid, timeout=15)
            r.pump(1.0)  # past the second announcement (prompt-window.c)
            ok(radio_names(p) == [t["recommended"], t["portal"], t["send"]],
               f"{lang}: closed: the recommended option, one alternative and \"{t['send']}\"", radio_names(p))
            more = find(p, t["more"])
            ok(more is not None and "expanded" not in r.states(more),
               f"{lang}: \"{t['more']}\" is named so (no mnemonic markup) and not expanded",
               more and (more.get_role_name(), r.states(more)))
            ok(primary(p, t) == t["encrypt"], f"{lang}: the primary button reads \"{t['encrypt']}\"", primary(p, t))
            r.clear()
            keys(kenv, "alt+h")
            f = r.wait_focus(p.pid, timeout=5, want=lambda role, name: role == "radio button")
            want = [t["recommended"], t["portal"], t["smime"], t["pgp"], t["zip"], t["route"], t["send"]]
            ok(radio_names(p) == want, f"{lang}: Alt+H opens it: the four further routes in the policy's order",
               radio_names(p))
            more = find(p, t["more"])
            ok(more is not None and "expanded" in r.states(more), f"{lang}: \"{t['more']}\" is now expanded",
               more and r.states(more))
            # the focus event may name an object not yet on the bus (GTK 4.8
            # exports the opened part asynchronously): then its state says it
            smime = find(p, t["smime"])
            st = r.states(f[2]) if f is not None and f[1] == t["smime"] else smime and r.states(smime)
            ok(st and "focused" in st and "checked" not in st,
               f"{lang}: the focus is on the first further route, not selected", (f and f[:2], st))
            ok(primary(p, t) == t["encrypt"], f"{lang}: opening selects nothing: the primary still reads "
               f"\"{t['encrypt']}\"", primary(p, t))
            keys(kenv, "space")
            ok(primary(p, t) == t["smime"], f"{lang}: Space selects it: the primary reads \"{t['smime']}\"",
               primary(p, t))
            keys(kenv, "Down")
            ok(primary(p, t) == t["pgp"], f"{lang}: Down selects the next: the primary reads \"{t['pgp']}\"",
               primary(p, t))
            keys(kenv, "alt+h")
            ok(radio_names(p) == [t["recommended"], t["portal"], t["send"]] and primary(p, t) == t["encrypt"],
               f"{lang}: Alt+H closes it: the recommended option selected again, the primary reads "
               f"\"{t['encrypt']}\"", (radio_names(p), primary(p, t)))
            keys(kenv, "alt+h", "Down", "Down")
            ok(primary(p, t) == t["zip"], f"{lang}: opened again, Down twice: the primary reads \"{t['zip']}\"",
               primary(p, t))
            keys(kenv, "Return")
            a = answer(p)
            ok(a.get("choice") == "route:zip" and a.get("by") == "button",
               f"{lang}: Enter sends what the primary button says: route:zip", a)

            # ---- the preset reasons
            for ks, want_text, desc in [(("space",), t["p0"], "Space chooses the first preset"),
                                        (("Down",), t["p1"], "Down chooses the second preset"),
                                        (("Down", "Down"), t["p2"], "Down twice: the third preset")]:
                r.clear()
                p = promptx.start_prompt(PROMPT, DJ, env, ("--lang", lang))
                r.wait_focus(p.pid, timeout=15)
                r.pump(1.0)
                keys(kenv, "alt+w", "Tab", "Tab")
                r.clear()
                keys(kenv, "space")
                f = r.wait_focus(p.pid, timeout=3, want=lambda role, name: role == "radio button")
                if ks == ("space",):
                    ok(f is not None and f[1] == t["p0"] and "checked" not in r.states(f[2]),
                       f"{lang}: the reason step: the focus on the first preset \"{t['p0']}\", none chosen",
                       f and f[:2])
                    conf = find(p, t["confirm"])
                    ok(conf is not None and "sensitive" not in r.states(conf),
                       f"{lang}: \"{t['confirm']}\" is insensitive before a reason", conf and r.states(conf))
                    presets = [n for n in radio_names(p) if n in (t["p0"], t["p1"], t["p2"], t["other"])]
                    ok(presets == [t["p0"], t["p1"], t["p2"], t["other"]],
                       f"{lang}: the presets in order, \"{t['other']}\" last", radio_names(p))
                keys(kenv, *ks)
                text = entry_text(p)
                conf = find(p, t["confirm"])
                ok(text == want_text and conf is not None and "sensitive" in r.states(conf),
                   f"{lang}: {desc}: the entry holds \"{want_text}\", \"{t['confirm']}\" is sensitive",
                   (text, conf and r.states(conf)))
                if ks == ("Down", "Down"):
                    keys(kenv, "Down")
                    text = entry_text(p)
                    conf = find(p, t["confirm"])
                    ok(text == "" and "sensitive" not in r.states(conf),
                       f"{lang}: \"{t['other']}\" empties the entry, the confirm button is insensitive again",
                       (text, r.states(conf)))
                    keys(kenv, "Tab")
                    promptx.xdotool(kenv, "type", "--delay", "30", "phone OK 12/7")
                    keys(kenv, "alt+c")
                    a = answer(p)
                    ok(a.get("choice") == "send" and a.get("justification") == "phone OK 12/7",
                       f"{lang}: \"{t['other']}\", typed text, Alt+C: sent with the typed text", a)
                    continue
                keys(kenv, "alt+c")
                a = answer(p)
                ok(a.get("choice") == "send" and a.get("justification") == want_text,
                   f"{lang}: Alt+C: sent with \"{want_text}\"", a)
    finally:
        bus.close()

sys.exit(done())
