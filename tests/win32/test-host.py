#!/usr/bin/env python3
"""sealgate-host.exe under Wine, driven like the Linux host: the request/
response table of tests/host/data (t-*.in.json / .out.json, subset match) over
the same policy written to the registry (policy-to-reg.py, imported with
regedit), the crypto ops answering unsupported_platform, prompt.show answered
through the test build's hook, the Event Log sink (audit.journal), the frame
limits one past and invalid frames. Prints TAP.

    test-host.py SEALGATE-HOST-TEST.EXE DATA-DIR WORK-DIR
"""
import json
import os
import pathlib
import struct
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done  # noqa: E402
from tap import ok as check  # noqa: E402
from nmhost import frame, read_frame, split_frames  # noqa: E402

HOST, DATA, WORK = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
HERE = pathlib.Path(__file__).resolve().parent
FRAME_IN_MAX = 16 << 20
CRYPTO_OPS = {"smime.encrypt", "smime.decrypt", "smime.sign", "smime.verify", "pgp.encrypt", "pgp.decrypt",
              "pgp.sign", "pgp.verify", "keys.lookup"}
# Rows whose answer differs on Windows by design: the policy is the registry,
# not a file (policy.get shows no file text; its path names the keys).
WINDOWS_ROWS = {"t-policy-get"}
POLICY_KEY = r"HKLM\Software\Policies\sealgate"


def run(data, env=None, timeout=120):
    p = subprocess.run(["wine", HOST], input=data, capture_output=True, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, [json.loads(f) for f in split_frames(p.stdout)[0]], p.stderr.decode(errors="replace")


def subset(want, got):
    if want is None:
        return got is None
    if isinstance(want, bool) or isinstance(got, bool):
        return type(want) is type(got) and want == got
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and want == got
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(subset(w, g) for w, g in zip(want, got))
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and subset(v, got[k]) for k, v in want.items())
    return want == got


def reg(*args):
    return subprocess.run(["wine", "reg", *args], capture_output=True, timeout=60)


def import_policy(path):
    out = WORK / (path.stem + ".reg")
    subprocess.run([sys.executable, str(HERE / "policy-to-reg.py"), str(path), str(out)], check=True)
    r = subprocess.run(["wine", "regedit", "/S", str(out)], capture_output=True, timeout=60)
    return r.returncode == 0


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    env = {"LOCALAPPDATA": "C:\\sealgate-test\\appdata"}
    check(import_policy(DATA / "policy.json"), "tests/host/data/policy.json imported into " + POLICY_KEY)

    # ---- the request/response table, one host for all rows
    rows = []
    for f in sorted(DATA.glob("t-*.in.json")):
        name = f.name[: -len(".in.json")]
        if (DATA / (name + ".policy")).exists() or (DATA / (name + ".pre.json")).exists():
            continue  # another policy file, or requests sent first: the Linux table's own runs
        if name in WINDOWS_ROWS or name.startswith("t-prompt-show"):
            continue
        req = f.read_bytes().strip()
        want = json.loads((DATA / (name + ".out.json")).read_text(encoding="utf-8"))
        try:
            op = json.loads(req).get("op") or ""
        except (ValueError, AttributeError):
            op = ""
        if op in CRYPTO_OPS:
            want = {"id": want.get("id"), "error": {"code": "unsupported_platform"}}
        rows.append((name, req, want))
    status, got, err = run(b"".join(frame(r) for _, r, _ in rows), env)
    check(status == 0, f"table: the host exits 0 at end of input ({status})")
    check(len(got) == len(rows), f"table: one response per request ({len(got)} of {len(rows)})")
    for (name, _, want), g in zip(rows, got):
        if not check(subset(want, g), f"table: {name}"):
            print(f"#   want {json.dumps(want)[:400]}\n#   got  {json.dumps(g)[:400]}")

    # ---- Windows specifics
    status, got, err = run(frame('{"id":1,"op":"policy.get"}') + frame('{"id":2,"op":"version"}') +
                           frame('{"id":3,"op":"doctor"}'), env)
    pg = got[0].get("result", {}) if got else {}
    check(pg.get("loaded") is True and pg.get("policy") is None and "HKLM\\Software\\Policies\\sealgate" in pg.get("path", ""),
          f"policy.get: the registry policy is loaded, path names the keys ({pg})")
    ver = got[1].get("result", {}) if len(got) > 1 else {}
    check(ver.get("policy", {}).get("loaded") is True, "version: the policy from the registry is in force")
    checks = {c["id"]: c for c in got[2]["result"]["checks"]} if len(got) > 2 else {}
    check(checks.get("policy", {}).get("ok") is True, "doctor: the policy check passes")
    crypto = (("smime.encrypt", {}), ("pgp.sign", {}), ("keys.lookup", {"recipients": ["a@partner.example"]}))
    _, g, _ = run(b"".join(frame(json.dumps({"id": i, "op": op, **params})) for i, (op, params) in enumerate(crypto)), env)
    for i, (op, _) in enumerate(crypto):
        r = g[i] if len(g) > i else {}
        if not check(r.get("error", {}).get("code") == "unsupported_platform", f"{op}: unsupported_platform"):
            print(f"#   {r}")

    # prompt.show through the test build's hook (SEALGATE_TEST_PROMPT_CHOICE)
    ev = json.dumps({"id": "e", "op": "policy.evaluate",
                     "message": {"from": "me@corp.example", "to": ["x@partner.example"], "subject": "hello"}})
    for choice, want_choice, want_by in (("cancel", "cancel", "button"), ("@escape", "cancel", "escape"),
                                         ("send:customer asked", "send", "button")):
        status, g, err = run_prompt(frame(ev), choice, env)
        check(g and g[0]["result"]["action"] == "prompt", f"prompt ({choice}): policy.evaluate prompts")
        r = g[1] if len(g) > 1 else {}
        res = r.get("result", {})
        if not check(res.get("choice") == want_choice and res.get("by") == want_by,
                     f"prompt.show {choice!r}: choice {want_choice}, by {want_by}"):
            print(f"#   {json.dumps(g)[:600]}\n#   {err[-400:]}")

    # ---- framing: limits one past, invalid frames
    status, got, _ = run(struct.pack("=I", FRAME_IN_MAX + 1), env)
    check(status == 1 and got and got[0]["error"]["code"] == "frame_too_large",
          f"a frame header one past {FRAME_IN_MAX} bytes: frame_too_large, exit 1 ({status})")
    status, got, _ = run(struct.pack("=I", FRAME_IN_MAX) + b"{", env)
    check(status == 1 and got and got[0]["error"]["code"] == "frame_invalid",
          f"a frame of {FRAME_IN_MAX} bytes announced, input ends early: frame_invalid, exit 1 ({status})")
    status, got, _ = run(b"\x05\x00", env)
    check(status == 1 and got and got[0]["error"]["code"] == "frame_invalid", "half a header: frame_invalid, exit 1")
    status, got, _ = run(frame("{not json"), env)
    check(status == 0 and got and got[0]["error"]["code"] == "invalid_json", "a frame that is not JSON: invalid_json")
    status, got, _ = run(frame(b'{"id":1,"op":"version","x":"\xff"}'), env)
    check(got and got[0]["error"]["code"] == "invalid_utf8", "a frame that is not UTF-8: invalid_utf8")
    big = json.dumps({"id": 1, "op": "version", "pad": "a" * (FRAME_IN_MAX - 40)})
    status, got, _ = run(frame(big[: FRAME_IN_MAX]) if len(big) > FRAME_IN_MAX else frame(big), env)
    check(got and "error" in got[0] or got and "result" in got[0], f"a frame of {FRAME_IN_MAX} bytes is read whole")
    reg("delete", POLICY_KEY, "/f")
    done()


def run_prompt(script, choice, env):
    """One host: policy.evaluate, then prompt.show for the attempt it gives.
    The host answers only after reading the request, so the two requests go
    through a pipe, the second written once the first answer is read."""
    p = subprocess.Popen(["wine", HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, **env, SEALGATE_TEST_PROMPT_CHOICE=choice))
    out = []
    try:
        p.stdin.write(script)
        p.stdin.flush()
        first = read_frame(p.stdout)
        out.append(first)
        attempt = first.get("result", {}).get("attempt")
        p.stdin.write(frame(json.dumps({"id": "p", "op": "prompt.show", "attempt": attempt, "lang": "en"})))
        p.stdin.flush()
        out.append(read_frame(p.stdout))
        p.stdin.close()
        p.wait(timeout=60)
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        print(f"#   {e}")
        p.kill()
    return p.returncode, out, p.stderr.read().decode(errors="replace")


if __name__ == "__main__":
    main()
