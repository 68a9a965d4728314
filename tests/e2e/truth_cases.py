"""e2e cases of issue 22 items 4 and 5 in real Thunderbird (run with the
compose cases: visible on the run's Xvfb, policy-compose.json in force).

  compose-send-not-allowed  a policy rule with forbid_send (the subject
      keyword "board-only") took "Send without encryption" out: the compose
      window's Secure send popup shows one line naming the rule and why, and
      offers no "Send without encryption"; without the keyword, no such line
      and the choice is offered.
  options-refresh  the options page after "Check the installation" shows the
      policy's state as it is now: with the policy file broken, the check's
      policy row fails and "Policy in force" no longer says "Loaded and
      valid" (without reopening the tab); with it repaired, both agree again.
"""
import json
import os
import time

import compose_cases as cc
from lib import options_page
from lib.thunderbird import JS_PRELUDE

tap = None  # test-send.py's Tap, set when it imports this module

CASES = ["compose-send-not-allowed", "options-refresh"]
EXT_ID = "sealgate@sealgate.example"
HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = {t["id"]: t for t in json.load(open(os.path.join(HERE, "..", "..", "catalog", "texts.json"),
                                            encoding="utf-8"))["texts"]}


def popup_state(rig, tag):
    return cc.popup_dom(rig, tag, r"""
      const n = document.getElementById("send-note");
      return {hidden: n.hidden, text: n.textContent,
              radios: [...document.querySelectorAll("input[name=method]")].map(x => x.value)};
    """).get("value")


def popup_of(rig, tag, subject):
    """Open the popup of compose window `tag` and wait for its choices."""
    st = cc.wait_label(rig.tb, tag, cc.PROMPT)
    wid = cc.compose_window_id(rig, tag)
    if st is None or not wid or cc.open_popup(rig, tag, wid) is None:
        return None, wid
    deadline = time.monotonic() + 15
    v = None
    while time.monotonic() < deadline:
        v = popup_state(rig, tag)
        if v and v["radios"]:
            return v, wid
        time.sleep(0.1)
    return v, wid


def case_send_not_allowed(rig):
    tb = rig.tb
    lead = TEXTS["popupSendNotAllowed"]["en"].replace("{1}", "board-only").split("{2}")[0]
    tag = tb.compose(to=["jane@partner.example"], subject="board-only minutes", body="minutes")
    try:
        v, wid = popup_of(rig, tag, "board-only minutes")
        tap.ok(v is not None and not v["hidden"] and v["text"].startswith(lead)
               and "board-only" in v["text"][len(lead):],
               "send not allowed: the popup names the rule \"board-only\" and why (the subject keyword)",
               f"{v}\n{rig.diag()}")
        tap.ok(v is not None and "send" not in v["radios"] and "route:portal" in v["radios"],
               "send not allowed: the popup offers no \"Send without encryption\"", str(v))
        cc.shot(rig, "compose-send-not-allowed-en.png", wid)
    finally:
        tb.close_compose(tag)
    tag = tb.compose(to=["jane@partner.example"], subject="minutes", body="minutes")
    try:
        v, _ = popup_of(rig, tag, "minutes")
        tap.ok(v is not None and v["hidden"] and "send" in v["radios"],
               "no rule forbids send: no such line, \"Send without encryption\" offered", str(v))
    finally:
        tb.close_compose(tag)


STATE_JS = r"""
  const row = document.querySelector('#doctor-checks tr[data-check="policy"]');
  return {loading: !document.getElementById("helper-status").hidden,
          running: document.getElementById("check").disabled,
          policyState: document.getElementById("policy-state").textContent,
          policyClass: document.getElementById("policy-state").className,
          row: row ? row.className : null,
          status: document.getElementById("doctor-status").textContent};
"""


def check_now(tb, host, want):
    """Click "Check the installation" and wait for its policy row and the
    page's "Policy in force" to settle on `want` ("ok" or "error")."""
    options_page.click_check(tb.m, host)
    return options_page.wait_dom(tb.m, host, STATE_JS,
                                 lambda v: not v["running"] and v["row"] == want and v["policyClass"] == want)


def case_options_refresh(rig):
    tb = rig.tb
    host = options_page.extension_host(tb.m, EXT_ID)
    options_page.open_options(tb.m, host)
    loaded = TEXTS["optionsPolicyLoaded"]["en"]
    try:
        v = options_page.wait_dom(tb.m, host, STATE_JS, lambda v: not v["loading"] and v["policyState"])
        tap.ok(v and v["policyState"] == loaded, "options: on open, the policy in force is loaded and valid", str(v))
        with open(rig.policy + ".tmp", "w", encoding="utf-8") as fh:
            fh.write("{ this is not JSON")
        os.replace(rig.policy + ".tmp", rig.policy)
        time.sleep(1.1)  # the host looks at the file's identity at most once a second
        v = check_now(tb, host, "error")
        tap.ok(v and v["row"] == "error" and v["policyClass"] == "error" and v["policyState"] != loaded,
               "options: policy broken, Check: the policy row fails and \"Policy in force\" no longer says "
               "\"Loaded and valid\" (no reopening)", str(v))
        rig.use_policy("policy-compose.json")
        v = check_now(tb, host, "ok")
        tap.ok(v and v["row"] == "ok" and v["policyState"] == loaded,
               "options: policy repaired, Check: both say it is in force again", str(v))
    finally:
        rig.use_policy("policy-compose.json")
        options_page.close_options(tb.m, host)


def run_all(rig, run):
    run("compose-send-not-allowed", case_send_not_allowed, rig)
    run("options-refresh", case_options_refresh, rig)
