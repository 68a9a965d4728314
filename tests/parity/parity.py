#!/usr/bin/env python3
"""The parity test: every row of rows.json (a policy, a message, the user's
answer) goes through both clients' paths, which must give the same outcome
(headers, subject, encryption methods and fallback routes, route) and the
same audit record (all keys but time, attempt, client and user).

  Thunderbird: sealgate-host, the ops as the extension calls them:
               policy.evaluate, then (for a prompt) prompt.show answered by a
               scripted prompt program; the outcome is the host's, or the
               decision's fallback_outcome when no prompt could be shown, and
               the record is the one the host wrote to its audit file.
  Outlook:     parity-outlook.exe under Wine: the same policy JSON written
               to the registry (tests/win32/policy-to-reg.py, imported with
               regedit) and read by the add-in's registry reader
               (win32-common/policy-reg.c), the engine, the add-in's own
               choice of the outcome input (win32-mapi/send-input.c) and the
               engine's outcome and record, as the add-in's ItemSend does.

A row may also say what it expects ("expect": a subset of the outcome, or
of the record under "audit"), where the clients used to differ, and a
documented difference ("differs": {KEY: {thunderbird, outlook, why}}): each
client must give its own value of KEY, and the rest must be the same.

Usage: parity.py ROWS.json PARITY-OUTLOOK.EXE|- SEALGATE-HOST WORKDIR
(with - only the Thunderbird path runs, held against the rows' expectations)
Prints TAP; stdlib only."""
import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402
from nmhost import FramePipe  # noqa: E402

ROWS, EXE, HOST, WORK = sys.argv[1:5]
WINE = os.environ.get("WINE", "wine")
TO_REG = pathlib.Path(__file__).resolve().parents[1] / "win32" / "policy-to-reg.py"
AUDIT_IGNORED = ("time", "attempt", "client", "user")
FAKE_PROMPT = """#!/bin/sh
# parity.py's prompt program: the scripted answer of the row being run.
cat >/dev/null
answer=$(cat "$PARITY_ANSWER")
[ "$answer" = "@fallback" ] && exit 3
printf '%s\\n' "$answer"
"""


def policy_reg(name, p, work):
    """The policy as the add-in reads it: the same JSON (with the Outlook side's
    audit directory) written to the registry layout (tests/win32/policy-to-reg.py)
    under HKCU\\Software\\sealgate-parity\\<name> and imported with regedit."""
    subkey = f"Software\\sealgate-parity\\{name}"
    pol = dict(p, version=1, audit={"directory": "C:\\parity-audit"})
    src = os.path.join(work, f"policy-{name}-reg.json")
    reg = os.path.join(work, f"policy-{name}.reg")
    with open(src, "w", encoding="utf-8") as f:
        json.dump(pol, f, ensure_ascii=False)
    subprocess.run([sys.executable, str(TO_REG), src, reg, "HKEY_CURRENT_USER\\" + subkey], check=True)
    r = subprocess.run([WINE, "regedit", "/S", reg], capture_output=True, timeout=120,
                       env=dict(os.environ, WINEDEBUG="-all"))
    if r.returncode != 0:
        raise SystemExit(f"regedit {reg}: {r.stderr.decode(errors='replace')}")
    return ["policy-begin", f"policy_reg\t{subkey}", "policy-end"]


def row_lines(row):
    m = row["message"]
    out = [f"row\t{row['name']}"]
    if m.get("from"):
        out.append(f"from\t{m['from']}")
    for f in ("to", "cc", "bcc"):
        for a in m.get(f, []):
            out.append(f"{f}\t{a}")
    out.append(f"subject\t{m.get('subject', '')}")
    if m.get("body"):
        out.append("body\t" + m["body"].replace("\n", "\\n"))
    for a in m.get("attachments", []):
        out.append(f"attach\t{a['name']}\t{a['size']}\t{a.get('content_type') or '-'}")
    for a in m.get("related", []):
        out.append(f"related\t{a}")
    for h in m.get("headers", []):
        out.append(f"header\t{h['name']}\t{h['value']}")
    out.append(f"answer\t{row.get('answer', '-')}")
    if row.get("justification") is not None:
        out.append(f"justification\t{row['justification']}")
    out.append("go")
    return out


def normalise(o, audit):
    enc = o.get("encrypt") or {}
    return {
        "action": o.get("action"),
        "choice": o.get("choice"),
        "headers": o.get("headers", []),
        "subject": o.get("subject"),
        "route": o.get("route"),
        "methods": o.get("methods", enc.get("methods", [])),
        # The gateway check header ("check") carries the host's attempt id:
        # Thunderbird only, compared in tests/host and tests/e2e.
        "fallback": [{k: v for k, v in r.items() if k != "check"} if isinstance(r, dict) else r
                     for r in o.get("fallback", enc.get("fallback", []))],
        "bcc": o.get("bcc"),
        # The policy rule that took "send" out (the decision's send_removed_by), as its trigger id.
        "send_removed_by": o.get("send_removed_by"),
        "delay": o.get("delay"),
        # What the compose button / the ribbon shows before Send (the engine's
        # sg_button_of), and for a prompt with each choice the Outlook ribbon's
        # toggles stand for (Encrypt, Send securely).
        "button": o.get("button"),
        "button_choices": o.get("button_choices"),
        # encrypt.split_delivery: whether the client may split (Outlook never).
        "split": bool(o.get("split", enc.get("split", False))),
        "audit": {k: v for k, v in (audit or {}).items() if k not in AUDIT_IGNORED},
    }


def outlook(doc, work):
    lines = []
    for name, p in doc["policies"].items():
        rows = [r for r in doc["rows"] if r["policy"] == name]
        if not rows:
            continue
        lines += policy_reg(name, p, work)
        for r in rows:
            lines += row_lines(r)
    text = "\n".join(lines) + "\n"
    env = dict(os.environ, WINEDEBUG="-all")
    p = subprocess.run([WINE, EXE], input=text.encode(), capture_output=True, env=env, timeout=300)
    out = {}
    for line in p.stdout.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        j = json.loads(line)
        if "fatal" in j:
            raise SystemExit(f"parity-outlook.exe: {j['fatal']}")
        out[j["row"]] = normalise(j, j.get("audit")) if "error" not in j else {"error": j["error"]}
    if p.returncode != 0 or not out:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit(f"parity-outlook.exe exited with {p.returncode}")
    return out


def read_audit(d):
    lines = []
    for f in sorted(pathlib.Path(d).glob("audit-*.jsonl")):
        lines += [json.loads(x) for x in f.read_text().splitlines() if x.strip()]
    return lines


def thunderbird(doc, work):
    prompt = os.path.join(work, "prompt.sh")
    with open(prompt, "w") as f:
        f.write(FAKE_PROMPT)
    os.chmod(prompt, stat.S_IRWXU)
    answer_file = os.path.join(work, "answer")
    out = {}
    for name, p in doc["policies"].items():
        rows = [r for r in doc["rows"] if r["policy"] == name]
        if not rows:
            continue
        audit_dir = os.path.join(work, f"audit-{name}")
        pol = dict(p, version=1, audit={"directory": audit_dir})
        pol_file = os.path.join(work, f"policy-{name}.json")
        with open(pol_file, "w") as f:
            json.dump(pol, f, ensure_ascii=False)
        env = dict(os.environ, SEALGATE_POLICY=pol_file, SEALGATE_PROMPT=prompt, PARITY_ANSWER=answer_file,
                   XDG_STATE_HOME=work, DISPLAY=os.environ.get("DISPLAY", ":99"), LANG="C.UTF-8")
        h = FramePipe(subprocess.Popen([HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, env=env), 30)
        try:
            for i, r in enumerate(rows):
                seen = len(read_audit(audit_dir))
                ev = h.request({"id": f"ev{i}", "op": "policy.evaluate", "message": r["message"]})
                if "error" in ev:
                    out[r["name"]] = {"error": ev["error"]["code"]}
                    continue
                d = ev["result"]
                outcome = d.get("outcome")
                button = dict(d.get("button") or {})
                choices = button.pop("choices", {}) if button else {}
                button_choices = {k: v for k, v in choices.items() if k in ("encrypt", "route:portal")}
                removed = d.get("send_removed_by")
                removed = d["reasons"][removed]["trigger"] if isinstance(removed, int) else None
                if d["action"] == "prompt":
                    a = r.get("answer", "-")
                    if a.startswith("@") and a != "@fallback":
                        a = json.dumps({"choice": "cancel", "by": a[1:]})
                    elif a != "@fallback":
                        # "CHOICE+keep": the user also ticked "Keep the external
                        # recipients in To and Cc" (rules.convert_to_bcc ask).
                        keep = a.endswith("+keep")
                        a = a[:-5] if keep else a
                        a = json.dumps({"choice": a, "by": "button",
                                        "justification": r.get("justification") if a == "send" else None,
                                        **({"bcc": "keep"} if keep else {})})
                    with open(answer_file, "w") as f:
                        f.write(a)
                    s = h.request({"id": f"show{i}", "op": "prompt.show", "attempt": d["attempt"], "lang": "en",
                                   "subject": r["message"].get("subject", "")})
                    if "error" in s and s["error"]["code"] == "prompt_unavailable":
                        outcome = d.get("fallback_outcome")
                    elif "error" in s:
                        out[r["name"]] = {"error": s["error"]["code"]}
                        continue
                    else:
                        outcome = s["result"]["outcome"]
                recs = read_audit(audit_dir)[seen:]
                out[r["name"]] = normalise(dict(outcome or {}, send_removed_by=removed, button=button or None,
                                                button_choices=button_choices),
                                           recs[0] if len(recs) == 1 else {"records": len(recs)})
        finally:
            h.p.stdin.close()
            h.p.wait(timeout=30)
    return out


def subset(want, got):
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and subset(v, got[k]) for k, v in want.items())
    return want == got


def main():
    if not os.access(HOST, os.X_OK):
        check(False, f"the native build's sealgate-host at {HOST}",
              "build the native tree first (meson setup build && ninja -C build), or set SEALGATE_NATIVE_BUILD")
        return done()
    doc = json.loads(pathlib.Path(ROWS).read_text(encoding="utf-8"))
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    names = [r["name"] for r in doc["rows"]]
    check(len(names) >= 40 and len(set(names)) == len(names), f"{len(names)} rows, each named once")
    # The extension writes the engine's placeholder for a recipient it cannot
    # resolve (gather.js); the add-in calls sg_unresolved_address itself.
    root = pathlib.Path(ROWS).resolve().parents[2]
    c = re.search(r'#define SG_UNRESOLVED_DOMAIN\s+"([^"]+)"',
                  (root / "core/engine/sealgate/outcome.h").read_text())
    js = re.search(r'const UNRESOLVED_DOMAIN = "([^"]+)"',
                   (root / "thunderbird-native/extension/background/gather.js").read_text())
    check(c and js and c.group(1) == js.group(1) and "`unresolved-${" in
          (root / "thunderbird-native/extension/background/gather.js").read_text(),
          "the extension's unresolved-recipient placeholder is the engine's")
    # The extension stops reading texts one past the engine's limits (texts.js).
    policy_h = (root / "core/engine/sealgate/policy.h").read_text()
    texts_js = (root / "thunderbird-native/extension/background/texts.js").read_text()
    c_n = re.search(r"#define SG_MSG_TEXTS_MAX\s+(\d+)", policy_h)
    c_b = re.search(r"#define SG_MSG_TEXT_TOTAL_MAX\s+\((\d+)u << (\d+)\)", policy_h)
    js_n = re.search(r"const TEXTS_MAX = (\d+);", texts_js)
    js_b = re.search(r"const TEXT_TOTAL_MAX = (\d+) \* 1024 \* 1024;", texts_js)
    check(c_n and c_b and js_n and js_b and int(c_n.group(1)) == int(js_n.group(1)) and
          int(c_b.group(1)) << int(c_b.group(2)) == int(js_b.group(1)) << 20,
          "the extension's text limits are the engine's (SG_MSG_TEXTS_MAX, SG_MSG_TEXT_TOTAL_MAX)")
    tb = thunderbird(doc, WORK)
    ol = outlook(doc, WORK) if EXE != "-" else tb
    for r in doc["rows"]:
        n = r["name"]
        a, b = tb.get(n), ol.get(n)
        if EXE == "-":
            check(a is not None and "error" not in a and "records" not in a.get("audit", {}),
                  f"{n}: the host answers with an outcome and one record",
                  json.dumps(a, ensure_ascii=False))
            for k, v in r.get("differs", {}).items():
                check(a is not None and a.get(k) == v["thunderbird"], f"{n}: Thunderbird's side of {k}",
                      json.dumps(a, ensure_ascii=False))
        else:
            diff = r.get("differs", {})
            if diff:
                check(a is not None and b is not None and
                      all(a.get(k) == v["thunderbird"] and b.get(k) == v["outlook"] for k, v in diff.items()),
                      f"{n}: the documented difference ({', '.join(diff)}): "
                      + "; ".join(v["why"] for v in diff.values()),
                      f"thunderbird: {json.dumps(a, ensure_ascii=False)}\noutlook:     {json.dumps(b, ensure_ascii=False)}")
                a = {k: v for k, v in (a or {}).items() if k not in diff} if a is not None else None
                b = {k: v for k, v in (b or {}).items() if k not in diff} if b is not None else None
            check(a is not None and a == b, f"{n}: the same outcome and record in Thunderbird and Outlook",
                  f"thunderbird: {json.dumps(a, ensure_ascii=False)}\noutlook:     {json.dumps(b, ensure_ascii=False)}")
        if "expect" in r:
            check(subset(r["expect"], a or {}) and subset(r["expect"], b or {}), f"{n}: as expected",
                  f"want {json.dumps(r['expect'], ensure_ascii=False)}\ngot  {json.dumps(a, ensure_ascii=False)}")
    return done()


if __name__ == "__main__":
    sys.exit(main())
