#!/usr/bin/env python3
"""The gateway check header signed with audit.check_key (issue 11: one way
the outcome is written): policy.evaluate's outcome, written straight by the
host's JSON writer, carries "; t=UNIX; mac=HEX" on its check header and on
each encrypt fallback route's, the HMAC-SHA256 over the value up to t, a
newline and the recipients (sorted, once each, comma-separated); the same
outcome without a key or in a preview is not signed. Usage:
test-check-key.py SEALGATE-HOST. Prints TAP; stdlib only."""
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402

HOST = sys.argv[1]
KEY = "host-test-check-key-0123456789"
TMP = tempfile.mkdtemp(prefix="sg-check-key-")
ROUTE = {"portal": {"headers": {"X-SecureSend-Route": "portal"}}}
POLICIES = {
    "route": {"version": 1, "internal": {"domains": ["corp.example"]},
              "external": {"action": "route", "route": "portal"}, "routes": ROUTE,
              "audit": {"check_key": KEY}},
    "encrypt": {"version": 1, "internal": {"domains": ["corp.example"]},
                "external": {"action": "encrypt"}, "routes": ROUTE,
                "encrypt": {"methods": ["smime"], "fallback": ["portal"]},
                "audit": {"check_key": KEY}},
    "nokey": {"version": 1, "internal": {"domains": ["corp.example"]},
              "external": {"action": "route", "route": "portal"}, "routes": ROUTE},
}
TO = ["Zed <zed@partner.example>", "amy@corp.example", "zed@partner.example", "bob@other.example"]
SIGNED = re.compile(r"(v=1; attempt=[0-9a-f]{32}; .*; t=(\d+)); mac=([0-9a-f]{64})")


def evaluate(name, preview=False):
    path = os.path.join(TMP, name + ".json")
    with open(path, "w") as f:
        json.dump(POLICIES[name], f)
    env = dict(os.environ, SEALGATE_POLICY=path, XDG_STATE_HOME=TMP)
    req = {"id": 1, "op": "policy.evaluate", "message": {"from": "me@corp.example", "to": TO, "subject": "s"}}
    if preview:
        req["preview"] = True
    data = json.dumps(req).encode()
    p = subprocess.run([HOST], input=struct.pack("=I", len(data)) + data, capture_output=True, env=env, timeout=60)
    (n,) = struct.unpack("=I", p.stdout[:4])
    return json.loads(p.stdout[4:4 + n])


def verify(what, value):
    m = SIGNED.fullmatch(value or "")
    check(m is not None, f"{what}: the check header ends in t and mac ({value})")
    if not m:
        return
    data = m.group(1) + "\n" + "amy@corp.example,bob@other.example,zed@partner.example"
    want = hmac.new(KEY.encode(), data.encode(), hashlib.sha256).hexdigest()
    check(hmac.compare_digest(want, m.group(3)), f"{what}: the MAC verifies (want {want})")
    check(abs(time.time() - int(m.group(2))) < 300, f"{what}: t is now ({m.group(2)})")


r = evaluate("route").get("result", {})
o = r.get("outcome") or {}
check(r.get("action") == "route" and o.get("check", {}).get("name"), f"route: an outcome with a check header ({o})")
verify("route", (o.get("check") or {}).get("value"))

r = evaluate("encrypt").get("result", {})
o = r.get("outcome") or {}
fb = ((o.get("encrypt") or {}).get("fallback")) or []
check(r.get("action") == "encrypt" and len(fb) == 1, f"encrypt: one fallback route ({o})")
verify("encrypt", (o.get("check") or {}).get("value"))
for i, route in enumerate(fb):
    verify(f"encrypt, fallback {i}", (route.get("check") or {}).get("value"))
checks = [(o.get("check") or {}).get("value")] + [(x.get("check") or {}).get("value") for x in fb]
ts = {SIGNED.fullmatch(v).group(2) for v in checks if v and SIGNED.fullmatch(v)}
check(len(ts) == 1, f"encrypt: one time for every check header of the outcome ({ts})")

r = evaluate("nokey").get("result", {})
v = ((r.get("outcome") or {}).get("check") or {}).get("value", "")
check(v.startswith("v=1; attempt=") and "; mac=" not in v and "; t=" not in v, f"no check_key: not signed ({v})")

r = evaluate("route", preview=True).get("result", {})
check(not ((r.get("outcome") or {}).get("check")), f"preview: no attempt, no check header ({r.get('outcome')})")
sys.exit(done())
