#!/usr/bin/env python3
"""outcome.split (encrypt.split_delivery, issue 13 item 3) through the real
host binary: an encrypt outcome says whether it may be split; the op says
which recipients get the encrypted copy and which the routed one (with the
route's headers, tagged subject and the family header), or why not (Send
Later, no transport, all ready, policy off); attempt.applied records each
copy once, and the audit file has both applied records. Bad input: a
recipient not in the attempt, one past the limit, a copy of an attempt that
was not split. Usage: test-split.py SEALGATE-HOST. Prints TAP; stdlib only."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402
from nmhost import FramePipe  # noqa: E402

HOST = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="sg-split-")
BASE = {"version": 1, "internal": {"domains": ["corp.example"]}, "external": {"action": "encrypt"},
        "routes": {"portal": {"headers": {"X-SecureSend-Route": "portal"}, "subject_tag": "[secure]"}},
        "encrypt": {"methods": ["smime"], "fallback": ["portal"], "split_delivery": True}}
TO = ["bob@partner.example", "Alice <alice@corp.example>", "carol@elsewhere.example"]
READY = [{"address": "bob@partner.example", "ready": True}, {"address": "alice@corp.example", "ready": True},
         {"address": "carol@elsewhere.example", "ready": False}]


def host(policy):
    path = os.path.join(TMP, "policy.json")
    with open(path, "w") as f:
        json.dump(policy, f)
    env = dict(os.environ, SEALGATE_POLICY=path, XDG_STATE_HOME=TMP)
    return FramePipe(subprocess.Popen([HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=env), 30)


N = [0]


def ask(h, op, **fields):
    N[0] += 1
    h.send(dict(id=N[0], op=op, **fields))
    return h.read()


def evaluate(h):
    return ask(h, "policy.evaluate", message={"from": "me@corp.example", "to": TO, "subject": "Offer"})["result"]


h = host(BASE)
d = evaluate(h)
enc = (d.get("outcome") or {}).get("encrypt") or {}
check(enc.get("split") is True, "an encrypt outcome under split_delivery says split: true", json.dumps(enc))
r = ask(h, "outcome.split", attempt=d["attempt"], recipients=READY, subject="Offer")["result"]
check(r["split"] == "split" and r["encrypted"] == ["bob@partner.example", "alice@corp.example"]
      and r["routed"] == ["carol@elsewhere.example"],
      "two ready, one not: the two get the encrypted copy, the third the routed one", json.dumps(r))
check(r["route"]["route"] == "portal" and r["route"]["subject"] == "[secure] Offer"
      and r["route"]["headers"] == [{"name": "X-SecureSend-Route", "value": "portal"}],
      "the routed copy's route: headers and tagged subject", json.dumps(r["route"]))
fam = r["family"]
check(fam["name"] == "X-Sealgate-Split"
      and fam["encrypted"] == f"v=1; attempt={d['attempt']}; copy=encrypted; copies=2"
      and fam["routed"] == f"v=1; attempt={d['attempt']}; copy=routed; copies=2",
      "both copies carry the family header with the attempt id", json.dumps(fam))
a1 = ask(h, "attempt.applied", attempt=d["attempt"], technology="S/MIME", headers=["X-Sealgate-Split"],
         copy="encrypted", confirmed=True)
a2 = ask(h, "attempt.applied", attempt=d["attempt"], route="portal", headers=["X-SecureSend-Route"],
         subject_tag="[secure]", fallback=True, not_ready={"carol@elsewhere.example": "no_cert"}, copy="routed",
         confirmed=True)
a3 = ask(h, "attempt.applied", attempt=d["attempt"], route="portal", copy="routed")
check(a1.get("result", {}).get("recorded") and a2.get("result", {}).get("recorded"),
      "each copy is recorded once", json.dumps([a1, a2]))
check(a3.get("error", {}).get("code") == "unknown_attempt", "a copy recorded twice is refused", json.dumps(a3))
recs = []
for f in sorted(pathlib.Path(TMP).rglob("audit-*.jsonl")):
    recs += [json.loads(x) for x in f.read_text().splitlines() if x.strip()]
mine = [x for x in recs if x.get("attempt") == d["attempt"] and x.get("event") == "applied"]
check(sorted((x["applied"].get("copy"), x["outcome"]) for x in mine) == [("encrypted", "encrypt"), ("routed", "routed")],
      "the audit log has both copies' applied records", json.dumps(mine))

for what, fields, want in (
        ("Send Later", {"send_later": True}, "send_later"),
        ("no transport", {"no_transport": True}, "no_transport")):
    d = evaluate(h)
    r = ask(h, "outcome.split", attempt=d["attempt"], recipients=READY, **fields)["result"]
    check(r["split"] == want and r["route"] is None and r["family"] is None, f"{what}: not split ({want})",
          json.dumps(r))
    e = ask(h, "attempt.applied", attempt=d["attempt"], copy="routed")
    check(e.get("error", {}).get("code") == "invalid_request", f"{what}: a copy of an attempt not split is refused",
          json.dumps(e))
d = evaluate(h)
r = ask(h, "outcome.split", attempt=d["attempt"], recipients=[dict(x, ready=True) for x in READY])["result"]
check(r["split"] == "all_ready", "everyone ready: all_ready", json.dumps(r))
d = evaluate(h)
e = ask(h, "outcome.split", attempt=d["attempt"], recipients=READY + [{"address": "eve@x.example", "ready": False}])
check(e.get("error", {}).get("code") == "invalid_request", "a recipient not in the attempt is refused", json.dumps(e))
many = [{"address": "bob@partner.example", "ready": True}] * 2001
e = ask(h, "outcome.split", attempt=d["attempt"], recipients=many)
check(e.get("error", {}).get("code") == "limit_exceeded", "2,001 recipients: limit_exceeded", json.dumps(e)[:300])
e = ask(h, "outcome.split", attempt=d["attempt"], recipients=[{"address": "bob@partner.example"}])
check(e.get("error", {}).get("code") == "invalid_request", "a recipient without ready is refused", json.dumps(e))
e = ask(h, "outcome.split", attempt="0" * 32, recipients=READY)
check(e.get("error", {}).get("code") == "unknown_attempt", "an unknown attempt is refused", json.dumps(e))
h.p.stdin.close()
h.p.wait(timeout=30)

off = dict(BASE, encrypt={"methods": ["smime"], "fallback": ["portal"]})
h = host(off)
d = evaluate(h)
check(((d.get("outcome") or {}).get("encrypt") or {}).get("split") is False,
      "split_delivery off (the default): split: false", json.dumps(d.get("outcome")))
r = ask(h, "outcome.split", attempt=d["attempt"], recipients=READY)["result"]
check(r["split"] == "not_allowed", "split_delivery off: not_allowed", json.dumps(r))
h.p.stdin.close()
h.p.wait(timeout=30)
sys.exit(done())
