"""tests/e2e: the compose window's Secure send button (issue 13), in a real
Thunderbird shown on the run's Xvfb (the popup is a real panel, driven by
real key presses through xdotool), with the real host and Postfix.
test-send.py runs these as "run 8" (cases compose-*)."""
import os
import subprocess
import time

from lib import xdisplay
from lib.thunderbird import JS_PRELUDE

tap = None  # test-send.py's Tap, set when it imports this module

# The button's state texts (en, the catalog's composeState*), as its label
# "Secure send: <state>" shows them.
NORMAL = "Secure send: sent normally"
PROMPT = "Secure send: you choose at Send"
BLOCK = "Secure send: will not be sent"
PORTAL = "Secure send: through the secure portal"
HELPER_BLOCK = "Secure send: helper unavailable, sending is blocked"

BUTTON_JS = JS_PRELUDE + r"""
  const w = findCompose(arguments[0]);
  if (!w || w.closed) return null;
  const b = w.document.querySelector('[id$="-composeAction-toolbarbutton"]');
  if (!b) return {missing: true};
  return {label: b.getAttribute("label"), badge: b.getAttribute("badge"),
          tooltip: b.getAttribute("tooltiptext"), id: b.id};
"""


def button(tb, tag):
    tb.m.set_context("chrome")
    return tb.m.execute(BUTTON_JS, [tag])


def wait_label(tb, tag, want, timeout=20, also=None):
    """Wait until the button's label is `want` (and `also(state)` holds: the
    extension sets label, tooltip and badge by separate calls, which land one
    after another); returns the last state seen."""
    deadline = time.monotonic() + timeout
    st = None
    while time.monotonic() < deadline:
        st = button(tb, tag)
        if st and st.get("label") == want and (also is None or also(st)):
            return st
        time.sleep(0.1)
    return st


def set_recipients(tb, tag, to):
    """Replace the To field as the user would (the compose window's own
    SetComposeDetails, what compose.setComposeDetails calls)."""
    tb.m.set_context("chrome")
    return tb.m.execute(JS_PRELUDE + r"""
      const [tag, to] = arguments;
      const w = findCompose(tag);
      w.SetComposeDetails({identityKey: null, to: to});
      return true;
    """, [tag, ", ".join(to)])


def compose_window_id(rig, tag):
    """The X window of the compose window (its title is the subject)."""
    title = rig.tb.m.execute(JS_PRELUDE + r"""
      const w = findCompose(arguments[0]); return w ? w.document.title : null;
    """, [tag])
    rc, out, _ = xdisplay.xdotool(rig.xvfb.display, "search", "--onlyvisible", "--name", title or "-")
    ids = out.split()
    return ids[-1] if rc == 0 and ids else None


def open_popup(rig, tag):
    """Click the button (a real command event on it), wait for the popup's
    panel to be open; returns the panel's state."""
    rig.tb.m.set_context("chrome")
    rig.tb.m.execute(JS_PRELUDE + r"""
      const w = findCompose(arguments[0]);
      w.focus();
      const b = w.document.querySelector('[id$="-composeAction-toolbarbutton"]');
      b.click();
      return true;
    """, [tag])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        # On Xvfb without a window manager the panel's browser gets the
        # keyboard focus only when given it (a user's click does that).
        st = rig.tb.m.execute(JS_PRELUDE + r"""
          const w = findCompose(arguments[0]);
          const p = [...w.document.querySelectorAll("panel.webextension-popup-panel")].find(x => x.state == "open");
          const b = p && p.querySelector("browser");
          if (!b) return null;
          b.focus();
          return p.id;
        """, [tag])
        if st:
            return st
        time.sleep(0.1)
    return None


def focus_popup(rig, tag):
    """Give the open popup's browser the keyboard focus (see open_popup)."""
    return rig.tb.m.execute(JS_PRELUDE + r"""
      const w = findCompose(arguments[0]);
      const p = [...w.document.querySelectorAll("panel.webextension-popup-panel")].find(x => x.state == "open");
      const b = p && p.querySelector("browser");
      if (b) b.focus();
      return !!b;
    """, [tag])


def popup_open(rig, tag):
    return bool(rig.tb.m.execute(JS_PRELUDE + r"""
      const w = findCompose(arguments[0]);
      return w ? [...w.document.querySelectorAll("panel")].some(x => x.state == "open") : false;
    """, [tag]))


def shot(rig, name, wid):
    out = getattr(rig, "out", None)
    if not out or not wid:
        return
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    subprocess.run(["import", "-window", "root", "-strip", path], capture_output=True,
                   env={**os.environ, "DISPLAY": rig.xvfb.display}, timeout=30)
    tap.comment(f"screenshot {path}")


def case_compose_states(rig):
    """The button's state for internal-only, external, mixed and blocked
    messages, and a change of recipients updating it."""
    tb = rig.tb
    tag = tb.compose(to=["bob@corp.example"], subject="compose states", body="hello")
    try:
        st = wait_label(tb, tag, NORMAL, also=lambda st: "Alt+Shift+S" in (st.get("tooltip") or ""))
        tap.ok(st and st.get("label") == NORMAL, "compose: internal only: the button says sent normally",
               f"{st}\n{rig.diag()}")
        tap.ok(st and "Alt+Shift+S" in (st.get("tooltip") or ""), "compose: the tooltip names the access key",
               str(st))
        set_recipients(tb, tag, ["jane@partner.example"])
        st = wait_label(tb, tag, PROMPT)
        tap.ok(st and st.get("label") == PROMPT,
               "compose: recipients changed to external: the button follows (you choose at Send)",
               f"{st}\n{rig.diag()}")
        set_recipients(tb, tag, ["bob@corp.example", "jane@partner.example"])
        time.sleep(1.5)
        st = wait_label(tb, tag, PROMPT)
        tap.ok(st and st.get("label") == PROMPT, "compose: mixed recipients: you choose at Send", str(st))
        set_recipients(tb, tag, ["bob@corp.example"])
        st = wait_label(tb, tag, NORMAL)
        tap.ok(st and st.get("label") == NORMAL, "compose: back to internal only: sent normally", str(st))
    finally:
        tb.close_compose(tag)
    tag = tb.compose(to=["jane@partner.example"], subject="card", body="my card 4111 1111 1111 1111 thanks")
    try:
        st = wait_label(tb, tag, BLOCK, also=lambda st: st.get("badge") == "\u2715")
        tap.ok(st and st.get("label") == BLOCK and st.get("badge") == "\u2715",
               "compose: a card number: the button says will not be sent (badge ✕)", f"{st}\n{rig.diag()}")
    finally:
        tb.close_compose(tag)
    log = tb.log()
    previews = [ln for ln in log.splitlines() if "preview in" in ln]
    tap.comment(f"compose: {len(previews)} preview evaluations logged")


def case_compose_portal(rig, audit_records, audit_for, check_routed):
    """Choosing "portal" in the popup (keyboard: Down, Escape) sends to the
    portal sink with the route headers and no prompt (the policy's
    prompt.accept_compose_choice); the audit record says by compose. Also
    the popup's time to appear with 50 recipients (reported, not
    asserted), and screenshots of the button and popup."""
    tb = rig.tb
    rig.reset_sinks()
    n0 = len(audit_records(rig))
    to = ["jane@partner.example", "bob@corp.example"] + [f"user{i}@partner{i % 5}.example" for i in range(48)]
    tag = tb.compose(to=to, subject="compose portal", body="via the popup")
    try:
        st = wait_label(tb, tag, PROMPT, timeout=30)
        tap.ok(st and st.get("label") == PROMPT, "compose portal: 50 recipients: you choose at Send",
               f"{st}\n{rig.diag()}")
        wid = compose_window_id(rig, tag)
        shot(rig, "compose-button-en.png", wid)
        opened = open_popup(rig, tag)
        tap.ok(bool(opened), "compose portal: the popup opens on a click", f"{opened}\n{rig.diag()}")
        time.sleep(1.0)
        focus_popup(rig, tag)
        time.sleep(0.5)
        shot(rig, "compose-popup-en.png", wid)
        log = tb.log()
        shown = [ln for ln in log.splitlines() if "popup shown in" in ln]
        tap.ok(bool(shown), "compose portal: the popup reports its time to appear", "\n".join(shown))
        if shown:
            tap.comment(f"compose portal: {shown[-1].strip()}")
            rig.popup_ms = shown[-1]
        # The first control has the focus (the checked "Choose when I press
        # Send"); Down moves to the next method: the portal.
        focus_popup(rig, tag)
        xdisplay.xdotool(rig.xvfb.display, "key", "--clearmodifiers", "Down")
        st = wait_label(tb, tag, PORTAL)
        tap.ok(st and st.get("label") == PORTAL, "compose portal: Down chooses the portal; the button says so",
               f"{st}\n{rig.diag()}")
        xdisplay.xdotool(rig.xvfb.display, "key", "--clearmodifiers", "Escape")
        deadline = time.monotonic() + 5
        while popup_open(rig, tag) and time.monotonic() < deadline:
            time.sleep(0.1)
        tap.ok(not popup_open(rig, tag), "compose portal: Escape closes the popup")
        res = tb.send(tag, close_timeout=60)
        got = rig.wait_delivery()
        tap.ok(got is not None and got[0] == "portal", "compose portal: delivered to the portal sink",
               f"{got and got[0]}; closed={res['closed']}\n{rig.diag()}")
        if got:
            check_routed("compose portal", got[1])
        tap.ok(xdisplay.wait_prompt(rig.xvfb.display, timeout=1) is None, "compose portal: no prompt window")
        audit_for(rig, "compose portal", n0, {"action": "prompt", "choice": "route:portal", "by": "compose",
                                               "outcome": "routed"})
    finally:
        if tb.send_state(tag) != "closed":
            tb.close_compose(tag)


def case_compose_helper_missing(rig):
    """The manifest points at no host: the button shows the helper-failure
    state (on_helper_failure block)."""
    tb = rig.tb
    tag = tb.compose(to=["jane@partner.example"], subject="no helper", body="x")
    try:
        st = wait_label(tb, tag, HELPER_BLOCK)
        tap.ok(st and st.get("label") == HELPER_BLOCK, "compose: host missing: the button shows the helper failure",
               f"{st}\n{rig.diag()}")
    finally:
        tb.close_compose(tag)
