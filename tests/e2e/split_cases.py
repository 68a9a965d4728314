"""e2e cases of issue 13 item 3, split delivery (policy encrypt.split_delivery,
tests/e2e/data/policy-split.json), run with the S/MIME profile of run 7
(alice's key, bob's certificate; carol has none):

  split-smime        To bob and carol, Cc alice: two ready (bob, alice), one
      not (carol). One S/MIME message to bob and alice at the internet sink,
      decrypted and verified by `sealgate smime` with bob's key, and one
      message through the portal to carol with the route header and tag;
      each lists only its own recipients; both carry X-Sealgate-Split with
      the same attempt; the compose window closed only after both; the audit
      log has both copies' applied records.
  split-fail-second  the same, the body carrying the marker the gateway's
      body_checks refuses (the routed copy is plain text, the encrypted one
      is not readable to the gateway): the encrypted copy arrives, the routed
      one is refused; the compose window stays with carol only, a notice says
      which copy went, and the portal sink gets nothing.
"""
import time

from lib import gateway
from lib import smime

tap = None  # test-send.py's Tap, set when it imports this module

CASES = ["split-smime", "split-fail-second"]
CAROL = "carol@elsewhere.example"
ALICE = smime.SENDER


def family(msg, hv):
    """(attempt, copy) of the X-Sealgate-Split header, or None."""
    vals = hv(msg, "X-Sealgate-Split")
    if len(vals) != 1:
        return None
    parts = dict(p.strip().split("=", 1) for p in vals[0].split(";") if "=" in p)
    return parts.get("attempt"), parts.get("copy"), parts.get("copies")


def wait_both(rig, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if rig.gw.internet.count() >= 1 and rig.gw.portal.count() >= 1:
            time.sleep(0.5)
            return True
        time.sleep(0.1)
    return False


def split_records(t, rig, attempt):
    deadline = time.monotonic() + 10
    while True:
        recs = [r for r in t.applied_records(rig) if r.get("attempt") == attempt]
        if len(recs) >= 2 or time.monotonic() > deadline:
            return recs
        time.sleep(0.2)


def case_split_smime(rig, t):
    tb = rig.tb
    name = "split delivery"
    rig.use_policy("policy-split.json")
    rig.reset_sinks()
    body = "One message, two copies: encrypted where a certificate is ready."
    tag = tb.compose(to=[smime.RECIPIENT, CAROL], cc=[ALICE], subject="split delivery", body=body)
    try:
        res = tb.send(tag, close_timeout=90)
        both = wait_both(rig, 60)
        counts = (rig.gw.internet.count(), rig.gw.portal.count())
        tap.ok(both and counts == (1, 1), f"{name}: one message at the internet sink, one at the portal sink",
               f"internet/portal = {counts}; closed={res['closed']}\n{rig.diag()}")
        tap.ok(res["closed"], f"{name}: the compose window closed once both copies were accepted", str(res))
        if not both:
            return
        ipath, imsg, imeta = rig.gw.internet.messages()[0]
        ppath, pmsg, pmeta = rig.gw.portal.messages()[0]
        t.check_applied(rig, "internet", imsg, ipath)
        t.check_applied(rig, "portal", pmsg, ppath)
        with open(ipath, "rb") as fh:
            raw = fh.read()
        t.smime_checks(rig, f"{name} (encrypted copy)", raw, body)
        fi, fp = family(imsg, t.header_values), family(pmsg, t.header_values)
        tap.ok(fi and fp and fi[0] == fp[0] and len(fi[0] or "") == 32 and fi[1:] == ("encrypted", "2")
               and fp[1:] == ("routed", "2"),
               f"{name}: both copies carry X-Sealgate-Split with the same attempt (encrypted, routed)",
               f"{fi} {fp}")
        rcpt_i = sorted(a.lower() for a in imeta.get("rcpt_to", []))
        rcpt_p = sorted(a.lower() for a in pmeta.get("rcpt_to", []))
        tap.ok(rcpt_i == sorted([ALICE, smime.RECIPIENT]) and rcpt_p == [CAROL],
               f"{name}: the encrypted copy went to bob and alice, the routed copy to carol",
               f"encrypted {rcpt_i}, routed {rcpt_p}")
        tap.ok(smime.RECIPIENT in str(imsg.get("To", "")) and ALICE in str(imsg.get("Cc", ""))
               and CAROL not in str(imsg.get("To", "")) + str(imsg.get("Cc", "")),
               f"{name}: the encrypted copy lists bob (To) and alice (Cc) only",
               f"To {imsg.get('To')!r} Cc {imsg.get('Cc')!r}")
        tap.ok(str(pmsg.get("To", "")).strip() == CAROL and not pmsg.get("Cc"),
               f"{name}: the routed copy lists carol only", f"To {pmsg.get('To')!r} Cc {pmsg.get('Cc')!r}")
        t.check_routed(f"{name} (routed copy)", pmsg)
        tap.ok(t.unflow(t.body_text(pmsg)) == body, f"{name}: the routed copy's body is the message's",
               repr(t.body_text(pmsg)))
        recs = split_records(t, rig, fi[0] if fi else None)
        got = sorted(((r.get("applied") or {}).get("copy"), r.get("outcome"), (r.get("applied") or {}).get("route"),
                      r.get("confirmed")) for r in recs)
        tap.ok(got == [("encrypted", "encrypt", None, True), ("routed", "routed", "portal", True)],
               f"{name}: the audit log records both copies (applied, copy encrypted and routed)", str(recs))
    finally:
        if tb.send_state(tag) != "closed":
            tb.close_compose(tag)
        tb.close_all_compose()
        tb.close_notices()
        rig.use_policy("policy-route.json")


def case_split_fail_second(rig, t):
    tb = rig.tb
    name = "split delivery, second copy refused"
    rig.use_policy("policy-split.json")
    rig.reset_sinks()
    body = f"Two copies; the gateway refuses the second. {gateway.REJECT_MARKER}"
    tag = tb.compose(to=[smime.RECIPIENT, CAROL], cc=[ALICE], subject="split delivery refused", body=body)
    try:
        tb.send(tag, close_timeout=0)
        notice = tb.wait_notice("kind=split", timeout=90)
        tap.ok(notice is not None, f"{name}: a notice says what happened", f"{tb.notices()}\n{rig.diag()}")
        text = ""
        if notice:
            text = tb.notice_dom("kind=split", "return document.body.innerText;") or ""
        tap.ok(smime.RECIPIENT in text and CAROL in text and "portal" in text,
               f"{name}: the notice says the encrypted copy went to bob and the routed one to carol did not",
               text[:800])
        time.sleep(2)
        tap.ok(tb.send_state(tag) != "closed", f"{name}: the compose window (the draft) is kept", tb.send_state(tag))
        fields = tb.fields(tag) if tb.send_state(tag) != "closed" else {}
        # tb.fields gives each recipient field as one string (a list only
        # when the harness reads pills).
        def joined(v):
            return v if isinstance(v, str) else " ".join(v or [])
        to = joined(fields.get("to")) + " " + joined(fields.get("cc"))
        tap.ok(CAROL in to and smime.RECIPIENT not in to and ALICE not in to,
               f"{name}: the draft keeps carol, who got nothing, and only her", str(fields)[:600])
        tap.ok(rig.gw.internet.count() == 1 and rig.gw.portal.count() == 0,
               f"{name}: the encrypted copy arrived, nothing at the portal",
               f"internet/portal = {rig.gw.internet.count()}/{rig.gw.portal.count()}")
        for p, m, _ in rig.gw.internet.messages():
            t.check_applied(rig, "internet", m, p)
    finally:
        # Thunderbird's own "sending failed" dialog, if it opened.
        rig.tb.m.set_context("chrome")
        rig.tb.m.execute(r"""
          for (const w of Services.wm.getEnumerator("Prompt:Dialog") || []) w.close();
          for (const w of Services.wm.getEnumerator(null))
            if (w.document && w.document.documentElement && w.document.documentElement.id === "commonDialogWindow") w.close();
          return true;""")
        tb.close_compose(tag)
        tb.close_all_compose()
        tb.close_notices()
        rig.use_policy("policy-route.json")


def run_all(rig, run, t):
    run("split-smime", case_split_smime, rig, t)
    run("split-fail-second", case_split_fail_second, rig, t)
