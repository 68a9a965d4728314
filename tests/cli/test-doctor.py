#!/usr/bin/env python3
"""`sealgate doctor` in a temporary HOME, with $SEALGATE_DOCTOR_SYSTEM_DIRS
pointing at a temporary "system" directory (never /usr/lib/mozilla).
Usage: test-doctor.py SEALGATE TESTS_CLI_DIR [SEALGATE_HOST]. Prints TAP."""
import json
import os
import re
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done, ok, skip  # noqa: E402

SEALGATE = os.path.abspath(sys.argv[1])
DATA = pathlib.Path(sys.argv[2]).resolve() / "data"
HOST = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None  # a manifest's path is absolute
POLICY = str(DATA / "policy.json")
BAD_POLICY = str(DATA / "policy-invalid.json")
NAME = "sealgate.host"
EXT = "sealgate@sealgate.example"
IDS = ["manifest", "manifest-readable", "manifest-json", "name", "description", "type", "path",
       "allowed_extensions", "host", "policy", "calendar-invitations"]

TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-doctor-"))
HOME = TMP / "home"
USER_DIR = HOME / ".mozilla" / "native-messaging-hosts"
SYS_DIR = TMP / "system"
BIN = TMP / "bin"



def reset():
    for d in (HOME, SYS_DIR, BIN):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)


def run(*args, env=None, timeout=30):
    e = dict(os.environ)
    e.pop("SEALGATE_POLICY", None)
    for v in ("LC_ALL", "LC_MESSAGES", "LANG"):
        e.pop(v, None)
    e["LC_ALL"] = "C.UTF-8"  # English unless a test asks for Japanese
    e["HOME"] = str(HOME)
    e["SEALGATE_DOCTOR_SYSTEM_DIRS"] = str(SYS_DIR)
    e["SEALGATE_POLICY"] = POLICY  # the host reads it too
    if env:
        e.update(env)
    t = time.monotonic()
    p = subprocess.run([SEALGATE, "doctor", *args], capture_output=True, env=e, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), time.monotonic() - t


def checks(*args, env=None, timeout=30):
    """Run doctor as text and as JSON; return (exit status, {id: (ok, detail)}, text, seconds)."""
    code, out, err, secs = run(*args, env=env, timeout=timeout)
    lines = out.splitlines()
    text = {}
    shape = True
    for line in lines:
        if line.startswith("ok   ") or line.startswith("FAIL "):
            cid, _, detail = line[5:].partition(": ")
            text[cid] = (line.startswith("ok"), detail)
        else:
            shape = False
    ok(shape and list(text) == IDS, f"doctor {' '.join(args)}: one line per check, stable order", out + err)
    return code, text, out + err, secs


def write_manifest(directory=USER_DIR, **fields):
    m = {"name": NAME, "description": "sealgate secure-send helper", "path": HOST or "/bin/true",
         "type": "stdio", "allowed_extensions": [EXT]}
    for k, v in fields.items():
        if v is None:
            m.pop(k, None)
        else:
            m[k] = v
    directory.mkdir(parents=True, exist_ok=True)
    f = directory / f"{NAME}.json"
    f.write_text(json.dumps(m), encoding="utf-8")
    return f


def fake_host(name, script):
    p = BIN / name
    p.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    p.chmod(0o755)
    return str(p)


def fails(res, cid, *needles):
    okv, detail = res.get(cid, (True, ""))
    return not okv and all(s in detail for s in needles)


def passes(res, *ids):
    return all(res.get(i, (False, ""))[0] for i in ids)


# ---- usage
for args in [("doctor", "extra"), ("doctor", "--bogus"), ("doctor", "--host-name", "../x"),
             ("doctor", "--host-name"), ("doctor", "--extension-id", "")]:
    p = subprocess.run([SEALGATE, *args], capture_output=True)
    ok(p.returncode == 2 and b"usage: sealgate" in p.stderr and p.stdout == b"",
       f"usage error for {' '.join(args)}: exit 2", p.stderr.decode())

# ---- no manifest anywhere
reset()
code, res, out, _ = checks()
ok(code == 4 and fails(res, "manifest", "no sealgate.host.json where Thunderbird looks", str(USER_DIR), str(SYS_DIR)),
   "no manifest: manifest fails naming both directories, exit 4", out)
ok(all(fails(res, i, "not") for i in IDS[1:9]) and passes(res, "policy"),
   "no manifest: the manifest checks and the host are not checked, the policy still is", out)

# ~/.thunderbird is not searched
write_manifest(HOME / ".thunderbird" / "native-messaging-hosts")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "manifest", "does NOT look in ~/.thunderbird", "move it to ~/.mozilla/native-messaging-hosts"),
   "a manifest only in ~/.thunderbird: reported as not searched", out)
ok(passes(res, "manifest-json", "name", "allowed_extensions"), "... and still checked", out)

# ---- a valid manifest in HOME, the real host
if HOST:
    reset()
    write_manifest()
    code, res, out, _ = checks()
    ok(code == 0 and all(res[i][0] for i in IDS), "valid manifest in HOME, real host, valid policy: all ok, exit 0", out)
    ok(str(USER_DIR / f"{NAME}.json") in res.get("manifest", (0, ""))[1], "the manifest used is named", out)
    ok("sealgate-host" in res.get("host", (0, ""))[1] and "protocol 3" in res.get("host", (0, ""))[1],
       "the host answered version", out)

    code, out, err, _ = run("--json")
    try:
        doc = json.loads(out)
        ok(code == 0 and [c["id"] for c in doc["checks"]] == IDS and all(c["ok"] is True for c in doc["checks"])
           and all(isinstance(c["detail"], str) and c["detail"] for c in doc["checks"]),
           "--json: {checks:[{id, ok, detail}]} in the same order", out)
    except (ValueError, KeyError, TypeError) as e:
        ok(False, "--json: one JSON document", f"{e}\n{out}")

    # the system directory is used when HOME has none; HOME wins when both exist
    reset()
    write_manifest(SYS_DIR)
    code, res, out, _ = checks()
    ok(code == 0 and f"uses {SYS_DIR / (NAME + '.json')}" in res["manifest"][1], "a manifest in the system dir is used",
       out)
    write_manifest(USER_DIR)
    code, res, out, _ = checks()
    ok(code == 0 and f"uses {USER_DIR / (NAME + '.json')}" in res["manifest"][1] and "also there but not used" in
       res["manifest"][1], "HOME's manifest wins over the system one", out)
    # an invalid manifest in HOME is skipped, Thunderbird falls through to the system one
    (USER_DIR / f"{NAME}.json").write_text("{not json", encoding="utf-8")
    code, res, out, _ = checks()
    ok(code == 0 and f"uses {SYS_DIR / (NAME + '.json')}" in res["manifest"][1] and "skips" in res["manifest"][1],
       "an invalid manifest in HOME is skipped and reported; the system one is used", out)

    code, res, out, _ = checks("--host-name", "other.host")
    ok(code == 4 and fails(res, "manifest", "other.host.json"), "--host-name looks for NAME.json", out)
else:
    skip("valid manifest with the real host", "the host is not built (-Dhost=false)")

# ---- manifest problems
reset()
(USER_DIR).mkdir(parents=True)
(USER_DIR / f"{NAME}.json").write_text('{"name": "sealgate.host", // comment\n "type": "stdio",}', encoding="utf-8")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "manifest-json", "not valid JSON", "line ") and fails(res, "manifest", "rejects"),
   "invalid JSON (a comment): manifest-json fails with a position", out)
ok(all(fails(res, i, "not checked") for i in ["name", "description", "type", "path", "allowed_extensions"])
   and fails(res, "host", "not run"), "invalid JSON: the fields are not checked, the host not run", out)

(USER_DIR / f"{NAME}.json").write_text("[1, 2]", encoding="utf-8")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "manifest-json", "not an object"), "JSON that is not an object", out)

if os.geteuid() != 0:
    (USER_DIR / f"{NAME}.json").chmod(0)
    code, res, out, _ = checks()
    ok(code == 4 and fails(res, "manifest-readable", "cannot open"), "unreadable manifest", out)
    (USER_DIR / f"{NAME}.json").chmod(0o644)
else:
    skip("unreadable manifest", "running as root")

host_ok = HOST or fake_host("ok-host", "exit 0\n")
reset()
write_manifest(name="other.host")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "name", '"other.host"', f'set "name": "{NAME}"') and fails(res, "manifest", "name check"),
   "wrong name", out)
write_manifest(name="bad name!")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "name", "does not match"), "a name that does not match the pattern", out)
write_manifest(description=None)
code, res, out, _ = checks()
ok(code == 4 and fails(res, "description", 'no "description"'), "missing description", out)
write_manifest(type="pipe")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "type", '"pipe"', '"stdio"'), "wrong type", out)

write_manifest(path="bin/sealgate-host")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "path", "relative", "absolute") and fails(res, "host", "not run")
   and fails(res, "manifest", "path check"), "relative path: fails, host not run", out)

write_manifest(path=str(TMP / "nowhere" / "sealgate-host"))
code, res, out, _ = checks()
ok(code == 4 and fails(res, "path", "No such file or directory") and fails(res, "host", "not run")
   and passes(res, "manifest"), "path missing: fails (the manifest itself is still accepted)", out)

write_manifest(path=str(BIN))
code, res, out, _ = checks()
ok(code == 4 and fails(res, "path", "a directory"), "path is a directory", out)

noexec = BIN / "noexec-host"
noexec.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
noexec.chmod(0o644)
write_manifest(path=str(noexec))
code, res, out, _ = checks()
ok(code == 4 and fails(res, "path", "not executable", "chmod") and fails(res, "host", "not run"),
   "path not executable", out)

write_manifest(path=host_ok, allowed_extensions=["other@example.org"])
code, res, out, _ = checks()
ok(code == 4 and fails(res, "allowed_extensions", EXT, '"other@example.org"') and fails(res, "manifest", "rejects"),
   "extension id not allowed", out)
code, res, out, _ = checks("--extension-id", "other@example.org")
ok(passes(res, "allowed_extensions"), "--extension-id ID is the id looked for", out)
write_manifest(path=host_ok, allowed_extensions="sealgate@sealgate.example")
code, res, out, _ = checks()
ok(code == 4 and fails(res, "allowed_extensions", "not an array"), "allowed_extensions not an array", out)

# ---- hosts that misbehave (a shell script as fake host)
reset()
write_manifest(path=fake_host("garbage", "cat >/dev/null &\necho 'hello world, I am not a frame'\nsleep 30\n"))
code, res, out, secs = checks()
ok(code == 4 and fails(res, "host", "wrote text", "stdout must carry only frames") and secs < 4,
   f"a host that prints text: host fails at once ({secs:.1f} s)", out)

write_manifest(path=fake_host("silent", "echo 'silent host starting' >&2\nsleep 60\n"))
code, res, out, secs = checks()
ok(code == 4 and fails(res, "host", "no answer", "within 5 s", "killed", "silent host starting")
   and 4.5 <= secs < 8, f"a host that never answers: killed after the timeout ({secs:.1f} s), stderr quoted", out)

write_manifest(path=fake_host("crash", "echo 'boom: cannot start' >&2\nexit 3\n"))
code, res, out, secs = checks()
ok(code == 4 and fails(res, "host", "exited with status 3", "boom: cannot start") and secs < 4,
   "a host that exits at once: its status and last stderr line", out)

write_manifest(path=fake_host("badjson",
                              "head -c 27 >/dev/null\nprintf '\\005\\000\\000\\000hello'\nsleep 30\n"))
code, res, out, secs = checks()
ok(code == 4 and fails(res, "host", "not a JSON object") and secs < 4, "a host that answers a frame of garbage", out)

write_manifest(path=fake_host("args", 'echo "args: $1 $2 cwd: $(pwd)" >&2\nexit 1\n'))
code, res, out, _ = checks()
ok(fails(res, "host", f"args: {USER_DIR / (NAME + '.json')} {EXT} cwd: {BIN}"),
   "the host gets argv[1] = manifest, argv[2] = extension id, cwd = its directory", out)

noshebang = BIN / "noshebang"
noshebang.write_bytes(b"\x00\x01\x02garbage")
noshebang.chmod(0o755)
write_manifest(path=str(noshebang))
code, res, out, _ = checks()
ok(code == 4 and fails(res, "host", "cannot be started"), "a file that cannot be executed", out)

# ---- the policy
reset()
write_manifest(path=host_ok)
code, res, out, _ = checks("--policy", BAD_POLICY)
ok(code == 4 and fails(res, "policy", BAD_POLICY, "invalid", "policy-validate"), "--policy with an invalid policy", out)
code, res, out, _ = checks(env={"SEALGATE_POLICY": BAD_POLICY})
ok(fails(res, "policy", "$SEALGATE_POLICY", "nowhere"), "an invalid $SEALGATE_POLICY", out)
code, res, out, _ = checks("--policy", str(TMP / "missing.json"))
ok(fails(res, "policy", "missing.json"), "a missing policy", out)
code, res, out, _ = checks("--policy", POLICY)
ok(passes(res, "policy") and "(--policy)" in res["policy"][1], "--policy with a valid policy", out)
ok(passes(res, "calendar-invitations") and "NOT checked" in res["calendar-invitations"][1]
   and "thunderbird-calendar.md" in res["calendar-invitations"][1],
   "the calendar's invitations are reported as not checked (no Experiment API), without failing", out)

# ---- Japanese (LANG/LC_ALL/LC_MESSAGES=ja_JP.UTF-8): the catalog's texts; --json stays English
JA_ENV = {"LC_ALL": "ja_JP.UTF-8"}
QUOTED = re.compile(r'"[^"]*"|\S*[/.]\S*')  # quoted JSON, paths and file names are not prose
ENGLISH = re.compile(r"\b[a-z]{2,}[ ,;:]+[a-z]{2,}\b")


def checks_ja(*args, env=None):
    """doctor in Japanese: (exit status, {id: (ok, detail)}, text); each line "正常 " or "要対応"."""
    code, out, err, _ = run(*args, env={**JA_ENV, **(env or {})})
    res, shape = {}, True
    for line in out.splitlines():
        for label, good in (("正常   ", True), ("要対応 ", False)):
            if line.startswith(label):
                cid, _, detail = line[len(label):].partition(": ")
                res[cid] = (good, detail)
                break
        else:
            shape = False
    ok(shape and list(res) == IDS, f"doctor {' '.join(args)} in Japanese: one 正常/要対応 line per check, in order",
       out + err)
    return code, res, out + err


def english_left(res):
    return [(i, d) for i, (_, d) in res.items() if ENGLISH.search(QUOTED.sub(" ", d))]


reset()
code, res, out = checks_ja()
ok(code == 4 and fails(res, "manifest", "Thunderbird が探す場所", str(USER_DIR), "sealgate.host.json がないため"),
   "ja, no manifest: the manifest line is Japanese and names the directories, exit 4", out)
ok(all(fails(res, i, "未") for i in IDS[1:9]) and passes(res, "policy")
   and "を読み込み、正しい形式であることを確認しました" in res["policy"][1],
   "ja, no manifest: 未確認/未実行 for the manifest checks, the policy 正常 in Japanese", out)
ok(not english_left(res), "ja, no manifest: no English detail remains", repr(english_left(res)))
ok(passes(res, "calendar-invitations") and res["calendar-invitations"][1].startswith("未確認: "),
   "ja: the calendar line is 未確認 and 正常 (a known limit)", out)
code_en, out_en, _, _ = run("--json", env=JA_ENV)
try:
    doc = json.loads(out_en)
    details = [c["detail"] for c in doc["checks"]]
except (ValueError, KeyError, TypeError):
    details = []
ok(details and "no sealgate.host.json where Thunderbird looks" in details[0]
   and not any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", d) for d in details),
   "ja, --json: the details stay English (machine-readable output unchanged)", out_en)

write_manifest(path=str(BIN / "relative-not-there"), type="pipe", allowed_extensions=[])
code, res, out = checks_ja()
ok(fails(res, "type", "\"type\": \"stdio\" にしてください") and fails(res, "allowed_extensions", "が空です")
   and fails(res, "path", "そこに sealgate-host をインストールするか"),
   "ja, a wrong manifest: each fix is said in Japanese", out)
ok(not english_left({k: v for k, v in res.items() if k != "path"}),
   "ja, a wrong manifest: no English detail remains (the system's error text aside)", repr(english_left(res)))

if HOST:
    reset()
    write_manifest()
    code, res, out = checks_ja()
    ok(code == 0 and all(v[0] for v in res.values()) and "ミリ秒で version に応答しました" in res["host"][1]
       and "バイト" in res["manifest-readable"][1],
       "ja, valid manifest and the real host: all 正常, the host line and the size in Japanese", out)
    ok(not english_left(res), "ja, valid manifest: no English detail remains", repr(english_left(res)))
else:
    skip("ja, valid manifest and the real host", "no sealgate-host given")
    skip("ja, valid manifest and the real host", "no sealgate-host given")

p = subprocess.run([SEALGATE, "doctor", "extra"], capture_output=True, env={**os.environ, "LC_ALL": "ja_JP.UTF-8"})
err = p.stderr.decode("utf-8", "replace")
ok(p.returncode == 2 and "doctor にはオプション以外の引数を指定できません" in err and "使い方: sealgate" in err
   and "usage:" not in err and p.stdout == b"", "ja: a usage error and the usage in Japanese, exit 2", err)
p = subprocess.run([SEALGATE, "help"], capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
ok(p.stderr.decode().startswith("usage: sealgate policy-check [--policy FILE]") and "$SEALGATE_POLICY" in p.stderr.decode(),
   "en: the usage unchanged", p.stderr.decode())

for var in ("LANG", "LC_MESSAGES"):
    reset()
    code, out, err, _ = run(env={"LC_ALL": "", var: "ja_JP.UTF-8"})
    ok(out.startswith("要対応 manifest: "), f"{var}=ja_JP.UTF-8 selects Japanese as LC_ALL does", out + err)

status = done()
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
