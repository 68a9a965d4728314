#!/usr/bin/env python3
"""sealgate-prompt's confirmation checklist (prompt.confirm, issue 17) as a
screen reader meets it (issue 23): under a private Xvfb, session bus and
AT-SPI registry, the real tree and focus events through libatspi, en and ja,
the texts from the catalog. Checked: every check box is named by its
recipient or attachment text (no mnemonic markup) and described by its
domain heading, so the look-alike warning is heard on the box itself, not
only seen in red; the boxes' group is named by the checklist heading; the
sender line is there; the focus on open lands on the first unticked box; Tab
goes down the boxes in their visual order, then "Check all" when allowed;
the send button is insensitive until every box is ticked by Space and
sensitive after; "Check all" (Alt+A) ticks every box by keyboard.
Usage: test-a11y-confirm.py SEALGATE_PROMPT LOCALEDIR. Prints TAP."""
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

label = promptx.label


def texts(lang):
    return dict(
        heading=label("gtk_missend_checklist_heading", lang),
        check_all=label("gtk_missend_check_all", lang),
        back=label("gtk_back_to_editing", lang),
        sender=label("gtk_missend_from", lang, "Alice Example <alice@corp.example>"),
        external=label("gtk_missend_external_heading", lang, "example.net"),
        lookalike=label("gtk_missend_lookalike_heading", lang, "c0rp.example"),
        attachments=label("gtk_missend_attachments", lang),
        bob=label("gtk_recipient_row__s_s", lang, label("gtk_recipient_field__to", lang),
                  "Bob Partner <bob@example.net>"),
        carol=label("gtk_recipient_row__s_s", lang, label("gtk_recipient_field__cc", lang), "carol@c0rp.example"),
    )


T = {"en": texts("en"), "ja": texts("ja")}
ok(T["en"]["check_all"] == "Check all" and T["ja"]["check_all"] == "すべてチェック"
   and T["en"]["carol"] == "Cc: carol@c0rp.example" and "社内のドメインに似ています" in T["ja"]["lookalike"],
   "the catalog's texts, without mnemonic markup", T)


decision = promptx.confirm_decision


keys = promptx.keys
stop = promptx.stop


with promptx.Xvfb() as x:
    bus = a11yx.Bus(x)
    Atspi = a11yx.atspi()
    r = a11yx.Reader(Atspi)
    kenv = bus.env()
    try:
        for lang, check_all in (("en", True), ("ja", True), ("en", False)):
            t = T[lang]
            tag = f"{lang}{'' if check_all else ' (no Check all)'}"
            env = bus.env(SEALGATE_LOCALEDIR=LOCALEDIR)
            r.clear()
            p = promptx.start_prompt(PROMPT, decision(check_all), env, ("--lang", lang))
            first = r.wait_focus(p.pid, timeout=15)
            app = r.app(p.pid)
            ok(app is not None, f"{tag}: the prompt is on the AT-SPI registry")
            if app is None:
                stop(p)
                continue
            win = app.get_child_at_index(0)
            r.pump(1.0)  # past the second announcement (prompt-window.c)
            # the last focus event of the open is where the focus is
            last = first
            while True:
                f = r.wait_focus(p.pid, timeout=0.3)
                if f is None:
                    break
                last = f
            ok(last is not None and last[0] == "check box" and last[1] == t["bob"],
               f"{tag}: on open, the focus lands on the first unticked box \"{t['bob']}\"",
               repr(last and last[:2]))

            tree = [a for a, _ in r.walk(win)]
            boxes = [a for a in tree if a.get_role_name() == "check box"]
            names = [a.get_name() for a in boxes]
            ok(len(boxes) == 3 and names[:2] == [t["bob"], t["carol"]] and names[2].startswith("plan.pdf (")
               and not any("_" in n for n in names),
               f"{tag}: three check boxes named by their recipient or attachment, no mnemonic markup", names)
            descs = [a.get_description() for a in boxes]
            ok(len(descs) == 3 and t["lookalike"] in descs[1] and t["external"] in descs[0]
               and t["attachments"] in descs[2],
               f"{tag}: each box is described by its heading: the look-alike warning is on "
               f"\"{t['carol']}\" itself", descs)
            ok(not any("checked" in r.states(a) for a in boxes), f"{tag}: every box starts unticked")
            groups = [a for a in tree if a.get_name() == t["heading"] and a.get_role_name() != "heading"
                      and a.get_role_name() != "label"]
            inside = [a for g in groups for a, _ in r.walk(g) if a.get_role_name() == "check box"]
            # a group (GTK's "group" is AT-SPI's panel); a generic box is a
            # filler, whose name a screen reader does not say
            ok(len(groups) == 1 and len(inside) == 3 and groups[0].get_role_name() == "panel",
               f"{tag}: the boxes are in one group (panel) named by the heading \"{t['heading']}\"",
               [(a.get_role_name(), a.get_name()) for a in groups])
            heads = [a.get_name() for a in tree if a.get_role_name() in ("heading", "label")]
            ok(t["sender"] in heads and t["heading"] in heads, f"{tag}: the sender line and the heading are read",
               [h for h in heads if h][:20])
            alls = [a for a in tree if a.get_role_name() == "push button" and a.get_name() == t["check_all"]]
            ok(len(alls) == (1 if check_all else 0),
               f"{tag}: \"{t['check_all']}\" is a button {'when allowed' if check_all else 'only when allowed: absent'}",
               [a.get_name() for a in tree if a.get_role_name() == "push button"])
            # the send button: not "back", not "Check all", not the expander of
            # further ways to send (a push button that is "expandable")
            gated = [a for a in tree if a.get_role_name() == "push button" and a.get_name() not in
                     (t["back"], t["check_all"]) and "expandable" not in r.states(a)]
            ok(len(gated) == 1 and "sensitive" not in r.states(gated[0]),
               f"{tag}: the send button is insensitive while no box is ticked",
               [(a.get_name(), sorted(r.states(a))) for a in gated])

            # visual order of the boxes: top to bottom
            ys = [a.get_extents(Atspi.CoordType.WINDOW).y for a in boxes]
            ok(ys == sorted(ys) and len(set(ys)) == len(ys), f"{tag}: the boxes are shown top to bottom", ys)

            # Tab order from the first box: the boxes in visual order, then "Check all"
            r.clear()
            stops = []
            for _ in range(3 if check_all else 2):
                keys(kenv, "Tab")
                f = r.wait_focus(p.pid, timeout=3)
                stops.append(f"{f[0]} {f[1]!r}" if f else "none")
            want = [f"check box {t['carol']!r}", "check box 'plan.pdf"] + (
                [f"push button {t['check_all']!r}"] if check_all else [])
            ok(len(stops) == len(want) and all(s.startswith(w) for s, w in zip(stops, want)),
               f"{tag}: Tab goes down the boxes in their visual order"
               f"{', then ' + repr(t['check_all']) if check_all else ''}",
               "got:  " + "\n      ".join(stops) + "\nwant: " + "\n      ".join(want))
            # back up to the first box
            r.clear()
            for _ in range(len(want)):
                keys(kenv, "shift+Tab")
            f = r.wait_focus(p.pid, timeout=3, want=lambda role, name: name == t["bob"])
            ok(f is not None, f"{tag}: Shift+Tab goes back up to the first box", repr(f and f[:2]))

            if check_all:
                keys(kenv, "alt+a")
                r.pump(0.5)
                ok(all("checked" in r.states(a) for a in boxes),
                   f"{tag}: Alt+A (\"{t['check_all']}\") ticks every box",
                   [(a.get_name(), sorted(r.states(a) & {"checked"})) for a in boxes])
                ok(gated and "sensitive" in r.states(gated[0]), f"{tag}: after Alt+A the send button is sensitive",
                   gated and sorted(r.states(gated[0])))
            else:
                # Space ticks the focused box; Tab to the next
                keys(kenv, "space")
                r.pump(0.3)
                ok("checked" in r.states(boxes[0]) and "sensitive" not in r.states(gated[0]),
                   f"{tag}: Space ticks the first box; one of three: the send button stays insensitive",
                   [sorted(r.states(a) & {"checked"}) for a in boxes] + [sorted(r.states(gated[0]))])
                keys(kenv, "Tab", "space")
                r.pump(0.3)
                ok("sensitive" not in r.states(gated[0]), f"{tag}: two of three: still insensitive",
                   [sorted(r.states(a) & {"checked"}) for a in boxes])
                keys(kenv, "Tab", "space")
                r.pump(0.3)
                ok(all("checked" in r.states(a) for a in boxes) and "sensitive" in r.states(gated[0]),
                   f"{tag}: every box ticked by Space: the send button is sensitive",
                   [sorted(r.states(a) & {"checked"}) for a in boxes] + [sorted(r.states(gated[0]))])
                keys(kenv, "space")
                r.pump(0.3)
                ok("sensitive" not in r.states(gated[0]), f"{tag}: a box unticked again: insensitive again",
                   sorted(r.states(gated[0])))
            stop(p)
    finally:
        bus.close()

done()
