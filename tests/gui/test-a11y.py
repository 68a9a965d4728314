#!/usr/bin/env python3
"""sealgate-prompt as a screen reader meets it: under a private Xvfb, session
bus and AT-SPI registry, the real accessibility tree and focus events read
through libatspi, in en and ja. Checked: the window is a modal dialog named
by the title and described by the lead; the title is a heading; every
focusable control is named (its visible words, no mnemonic markup, not
doubled; a route "partner_gw" is "partner_gw"), with its role and states
(required on the justification entry, expandable on the primary button when
"send" is selected); the options are radio buttons, the recommended one
first and selected, and the focus event on open lands on it; the primary
button is named after the selected option and follows Down; "Other ways to
send (4)" is a named push button, expanded when opened (Alt+H), and the
further routes are read when it is open; the Tab order (the options one
stop, then "Other ways to send") and its reverse; the reason step's focus
on the first preset reason, Tab from it to the entry; the
recipient list is one Tab stop, the arrow keys move inside it, and its rows
are named; the "Why you are asked" region is named.
Usage: test-a11y.py SEALGATE_PROMPT LOCALEDIR. Prints TAP."""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE))
from tap import done, ok  # noqa: E402
import a11yx  # noqa: E402
import promptx  # noqa: E402

PROMPT = sys.argv[1]
LOCALEDIR = sys.argv[2]

# The texts the window shows, from the one catalog, as a screen reader must
# hear them: without the mnemonic markup (promptx.label).
label = promptx.label


def texts(lang):
    ids = dict(title="gtk_sending_outside_the_organisation", back="gtk_back_to_editing", why="gtk_why_you_are_asked",
               reason="gtk_reason_for_sending_without_encryption", confirm="gtk_confirm_and_send_without_encryption",
               back_choices="gtk_back_to_the_choices", send="gtk_send_without_encryption",
               required="gtk_required_it_is_recorded_with_your_choice", encrypt="gtk_encrypt_and_send",
               portal="gtk_send_through_the_secure_portal", how="gtk_how_to_send")
    t = {k: label(v, lang) for k, v in ids.items()}
    t["recommended"] = promptx.CATALOG["gtk_s_recommended"][lang].replace("{1}", t["encrypt"])
    t["more"] = label("gtk_other_ways_to_send", lang).replace("{1:zu}", "4")
    t["preset"] = label("justify_preset_partner", lang)
    t["lead"] = {"en": "outside the organisation", "ja": "社外"}[lang]
    return t


T = {"en": texts("en"), "ja": texts("ja")}
# The catalog's texts are what this test has always read (a changed id fails here, not silently).
ok(T["en"]["back"] == "Back to editing" and T["en"]["reason"] == "Reason for sending without encryption:"
   and T["ja"]["back"] == "編集に戻る" and T["en"]["recommended"] == "Encrypt and send (recommended)"
   and T["ja"]["recommended"] == "暗号化して送信（推奨）", "the catalog's texts, without mnemonic markup", T)

D20 = promptx.decision("decision-20.json")
# a route with an underscore: its name must not show the mnemonic escape
for c in D20["choices"]:
    if c.get("route") == "partner-gw":
        c["route"] = "partner_gw"
        c["id"] = "route:partner_gw"
DJ = dict(D20, require_justification=True)


def keys(env, *seq, delay=0.15):
    promptx.keys(env, *seq, delay=delay)


stop = promptx.stop


def visible_text(r, acc):
    """A control's visible words: its label child's text (GtkLabel shows the
    mnemonic without markup, "編集に戻る(B)")."""
    for c, _ in r.walk(acc):
        if c is not acc and c.get_role_name() == "label":
            return c.get_name()
    return None


def strip_access_key(text):
    """The visible words without the Japanese access key "(B)" at the end."""
    if len(text) >= 3 and text[-3] == "(" and text[-1] == ")" and text[-2].isascii() and text[-2].isalpha():
        return text[:-3]
    return text


def describe(stop_):
    role, name, _ = stop_
    return f"{role} {name!r}"


with promptx.Xvfb() as x:
    bus = a11yx.Bus(x)
    Atspi = a11yx.atspi()
    r = a11yx.Reader(Atspi)
    kenv = bus.env()
    try:
        for lang in ("en", "ja"):
            t = T[lang]
            env = bus.env(SEALGATE_LOCALEDIR=LOCALEDIR)

            # ---- open: the focus event lands on the recommended option
            r.clear()
            p = promptx.start_prompt(PROMPT, D20, env, ("--lang", lang))
            first = r.wait_focus(p.pid, timeout=15)
            ok(first is not None and first[0] == "radio button" and first[1] == t["recommended"],
               f"{lang}: on open, a focus event names \"{t['recommended']}\", radio button",
               repr(first and first[:2]))
            app = r.app(p.pid)
            ok(app is not None, f"{lang}: the prompt is on the AT-SPI registry")
            if app is None:
                stop(p)
                continue
            win = app.get_child_at_index(0)
            r.pump(1.0)  # past the second announcement (prompt-window.c)
            # "Other ways to send (4)" opened (Alt+H): the tree has every option
            keys(kenv, "alt+h")
            r.pump(0.5)

            # ---- the window
            ok(win.get_role_name() == "dialog", f"{lang}: the window is a dialog", win.get_role_name())
            ok(win.get_name() == t["title"], f"{lang}: the window is named \"{t['title']}\"", win.get_name())
            ok(t["lead"] in win.get_description(), f"{lang}: the window is described by the lead",
               win.get_description())
            ok("modal" in r.states(win), f"{lang}: the window is modal", r.states(win))
            tree = list(r.walk(win))
            headings = [a.get_name() for a, _ in tree if a.get_role_name() == "heading"]
            ok(headings[:1] == [t["title"]] and t["why"] in headings and t["how"] in headings,
               f"{lang}: the title, \"{t['why']}\" and \"{t['how']}\" are headings", headings)
            gtk_names = [a.get_name() for a, _ in tree if a.get_name().startswith("Gtk")]
            ok(not gtk_names, f"{lang}: no accessible is named by its GTK type", gtk_names)

            # ---- every focusable control: named by its visible words
            lists = [a for a, _ in tree if a.get_role_name() == "list"]
            in_list = set()
            for lst in lists:
                for a, _ in r.walk(lst):
                    in_list.add(a)
            focusable = [a for a, _ in tree if "focusable" in r.states(a) and a not in in_list]
            more = [a for a in focusable if a.get_role_name() == "push button" and a.get_name() == t["more"]]
            buttons = [a for a in focusable if a.get_role_name() == "push button" and a not in more]
            radios = [a for a in focusable if a.get_role_name() == "radio button"]
            bad = []
            for a in focusable:
                name, role = a.get_name(), a.get_role_name()
                if not name or "_" in name.replace("partner_gw", "") or "__" in name:
                    bad.append(f"{role} {name!r}: empty or mnemonic markup")
                words = name.split()
                half = len(words) // 2
                if len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
                    bad.append(f"{role} {name!r}: doubled")
                if a in more:  # found by its name, the catalog's words without markup: GTK 4.8 exports
                    continue   # no object for its title label (its only child is the opened part)
                if role in ("push button", "radio button"):
                    vis = visible_text(r, a)
                    if vis is None or strip_access_key(vis) != name:
                        bad.append(f"{role} {name!r}: not its visible words {vis!r}")
            ok(not bad and len(buttons) == 2 and len(radios) == 7 and len(more) == 1,
               f"{lang}: every focusable control is named by its visible words ({len(focusable)} controls: "
               f"{len(radios)} options, \"{t['more']}\", {len(buttons)} buttons)", "\n".join(bad))
            ok(more and "expanded" in r.states(more[0]), f"{lang}: \"{t['more']}\" is expanded when open",
               more and r.states(more[0]))
            ok(radios[:1] and radios[0].get_name() == t["recommended"] and "checked" in r.states(radios[0])
               and sum("checked" in r.states(a) for a in radios) == 1,
               f"{lang}: the recommended option is first and the only one selected",
               [(a.get_name(), sorted(r.states(a) & {"checked"})) for a in radios])
            ok(radios and radios[-1].get_name() == t["send"], f"{lang}: \"{t['send']}\" is the last option",
               [a.get_name() for a in radios])
            route = [a.get_name() for a in radios if "partner" in a.get_name()]
            ok(len(route) == 1 and "partner_gw" in route[0] and "partner__gw" not in route[0],
               f"{lang}: the route \"partner_gw\" is named with one underscore", route)
            ok([a.get_name() for a in buttons] == [t["back"], t["encrypt"]],
               f"{lang}: two buttons: \"{t['back']}\" and the primary, named after the selection "
               f"(\"{t['encrypt']}\")", [a.get_name() for a in buttons])
            ok(all(a.get_description() for a in buttons + radios), f"{lang}: every option and button has a description",
               [a.get_name() for a in buttons + radios if not a.get_description()])

            # ---- the recipient list: named, its rows named by their text
            rec = [a for a in lists if a.get_name()]
            rows = [a for a, _ in r.walk(rec[0]) if a.get_role_name() == "list item"] if rec else []
            unnamed = [a for a in rows if not a.get_name() or a.get_name() != visible_text(r, a)]
            ok(len(rec) == 1 and len(rows) >= 10 and not unnamed,
               f"{lang}: the recipient list is named and its {len(rows)} rows are named by their text",
               [visible_text(r, a) for a in unnamed][:5])

            # ---- Tab order: from the options round to them again. Alt+H
            # closes "Other ways to send" and the focus goes to the selected
            # option; Alt+E selects the recommended one there.
            keys(kenv, "alt+h", "alt+e")
            r.pump(0.3)
            r.clear()
            stops = []
            for _ in range(40):
                keys(kenv, "Tab")
                f = r.wait_focus(p.pid, timeout=3)
                if f is None:
                    stops.append(("none", "", None))
                    break
                stops.append(f)
                if f[0] == "radio button":
                    break
            got = [describe(s) for s in stops]
            want = [f"push button {t['more']!r}", f"push button {t['back']!r}", f"push button {t['encrypt']!r}",
                    "list item", "scroll pane " + repr(t["why"]), f"radio button {t['recommended']!r}"]
            ok(len(got) == len(want) and got[3].startswith("list item ") and got[:3] + got[4:] == want[:3] + want[4:],
               f"{lang}: Tab order: \"{t['more']}\", \"{t['back']}\", the primary button, the recipient list "
               f"(one stop), \"{t['why']}\", the options (one stop)",
               "got:  " + "\n      ".join(got) + "\nwant: " + "\n      ".join(want))
            unnamed = [s for s in got if s.endswith("''")]
            ok(not unnamed, f"{lang}: every Tab stop is named", unnamed)

            # Shift+Tab: the same stops backwards
            r.clear()
            back_stops = []
            for _ in range(40):
                keys(kenv, "shift+Tab")
                f = r.wait_focus(p.pid, timeout=3)
                if f is None:
                    break
                back_stops.append(describe(f))
                if f[0] == "radio button":
                    break
            rev = list(reversed(want[:-1])) + [want[-1]]
            ok(len(back_stops) == len(rev) and all(a == b or (b == "list item" and a.startswith("list item "))
                                                   for a, b in zip(back_stops, rev)),
               f"{lang}: Shift+Tab goes the same stops backwards",
               "got:  " + "\n      ".join(back_stops) + "\nwant: " + "\n      ".join(rev))

            # ---- inside the list: arrow keys move between named rows
            r.clear()
            keys(kenv, "shift+Tab", "shift+Tab")
            r.wait_focus(p.pid, timeout=3)
            f0 = r.wait_focus(p.pid, timeout=3)
            keys(kenv, "Down")
            f1 = r.wait_focus(p.pid, timeout=3)
            keys(kenv, "Down")
            f2 = r.wait_focus(p.pid, timeout=3)
            keys(kenv, "Up")
            f3 = r.wait_focus(p.pid, timeout=3)
            seq = [f and describe(f) for f in (f0, f1, f2, f3)]
            ok(all(f and f[0] == "list item" and f[1] for f in (f0, f1, f2, f3)) and f1[1] != f2[1]
               and f3[1] == f1[1], f"{lang}: in the list, Down and Up move between named rows", seq)
            keys(kenv, "Tab")
            f = r.wait_focus(p.pid, timeout=3)
            ok(f is not None and f[0] == "scroll pane", f"{lang}: Tab from inside the list leaves it",
               f and describe(f))

            # ---- the options: Down selects the next, the primary follows
            keys(kenv, "Tab")
            r.wait_focus(p.pid, timeout=3)
            r.clear()
            keys(kenv, "Down")
            f = r.wait_focus(p.pid, timeout=3)
            r.pump(0.3)
            ok(f is not None and f[0] == "radio button" and f[1] == t["portal"] and "checked" in r.states(f[2]),
               f"{lang}: Down on the options selects and names \"{t['portal']}\"", f and describe(f))
            ok([a.get_name() for a in buttons] == [t["back"], t["portal"]],
               f"{lang}: the primary button is now named \"{t['portal']}\"", [a.get_name() for a in buttons])
            keys(kenv, "Escape")
            out, _ = p.communicate(timeout=10)
            code = p.returncode
            ok(code == 0 and b'"cancel"' in out, f"{lang}: Escape answers cancel", out)

            # ---- the justification step
            r.clear()
            p = promptx.start_prompt(PROMPT, DJ, env, ("--lang", lang))
            first = r.wait_focus(p.pid, timeout=15)
            ok(first is not None and first[1] == t["recommended"], f"{lang}: justification case: focus on open",
               first and describe(first))
            r.pump(1.0)  # past the second announcement (prompt-window.c)
            keys(kenv, "alt+w")
            r.pump(0.5)
            app = r.app(p.pid)
            tree = list(r.walk(app.get_child_at_index(0))) if app else []
            send = [a for a, _ in tree if a.get_role_name() == "push button" and a.get_name() == t["send"]]
            ok(len(send) == 1 and "expandable" in r.states(send[0]) and "expanded" not in r.states(send[0]),
               f"{lang}: with \"{t['send']}\" selected, the primary button is named so and is expandable "
               "(it opens the reason step), not expanded", send and r.states(send[0]))
            # Issue 22 item 4: the reason step must not squeeze the
            # recipient list (the window grows to fit instead): its height
            # on screen is not smaller after (it may grow with the window).
            def list_height(tree_):
                ls = [a for a, _ in tree_ if a.get_role_name() == "list"]
                return ls[0].get_extents(Atspi.CoordType.WINDOW).height if ls else -1
            h_before = list_height(tree)
            r.clear()
            keys(kenv, "Tab", "Tab", "space")
            f = None
            for _ in range(3):
                f = r.wait_focus(p.pid, timeout=3)
                if f is None or f[0] == "radio button":
                    break
            ok(f is not None and f[0] == "radio button" and f[1] == t["preset"] and "checked" not in r.states(f[2]),
               f"{lang}: \"{t['send']}\" moves the focus to the first preset reason \"{t['preset']}\", none chosen",
               f and describe(f))
            r.clear()
            keys(kenv, "Tab")
            for _ in range(3):
                f = r.wait_focus(p.pid, timeout=3)
                if f is None or f[0] == "text":
                    break
            st = r.states(f[2]) if f else set()
            # GTK 4.8 has no AT-SPI "required" state (4.8's collect_states maps
            # no REQUIRED): the entry's description says it, as its hint does.
            desc = f[2].get_description() if f else None
            ok(f is not None and f[0] == "text" and f[1] == t["reason"] and "editable" in st
               and ("required" in st or desc == t["required"]),
               f"{lang}: Tab from the presets: the reason entry, named \"{t['reason']}\", "
               "editable, required (state or description)", (f and describe(f), st, desc))
            app = r.app(p.pid)
            tree = list(r.walk(app.get_child_at_index(0))) if app else []
            conf = [a for a, _ in tree if a.get_role_name() == "push button" and a.get_name() == t["confirm"]]
            ok(len(conf) == 1 and "sensitive" not in r.states(conf[0]),
               f"{lang}: \"{t['confirm']}\" is named and not sensitive while the reason is empty",
               [a.get_name() for a, _ in tree if a.get_role_name() == "push button"])
            h_after = list_height(tree)
            ok(h_before > 0 and h_after >= h_before,
               f"{lang}: the reason step keeps the recipient list's height (not squeezed)",
               f"list height before {h_before}, after {h_after}")
            # GTK 4.8 exports no visible/showing state: a hidden button is
            # not in the tree at all.
            shown = [a.get_name() for a, _ in tree if a.get_role_name() == "push button"]
            ok(t["send"] not in shown and shown.count(t["confirm"]) == 1,
               f"{lang}: the reason step shows one confirm button and no second \"{t['send']}\"", shown)
            r.clear()
            keys(kenv, "Tab")
            f = r.wait_focus(p.pid, timeout=3)
            ok(f is not None and f[0] == "push button" and f[1] == t["back_choices"],
               f"{lang}: Tab from the empty reason skips the disabled confirm: \"{t['back_choices']}\"",
               f and describe(f))
            keys(kenv, "Escape")
            out, _ = p.communicate(timeout=10)
            code = p.returncode
            ok(code == 0 and b'"cancel"' in out, f"{lang}: justification case: Escape answers cancel", out)
    finally:
        bus.close()

sys.exit(done())
