#!/usr/bin/env python3
"""The sealgate command line on committed .eml fixtures (data/) and its own
test policy (data/policy.json), plus generated messages one past each limit.
Usage: test-cli.py SEALGATE TESTS_CLI_DIR [SOURCE_ROOT]. Prints TAP."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "common"))
from tap import done, ok, skip  # noqa: E402

SEALGATE = sys.argv[1]
DATA = pathlib.Path(sys.argv[2]) / "data"
ROOT = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else pathlib.Path(sys.argv[2]).parent.parent
POLICY = str(DATA / "policy.json")
TMP = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-cli-"))



def run(*args, env=None):
    e = dict(os.environ)
    e.pop("SEALGATE_POLICY", None)
    if env:
        e.update(env)
    p = subprocess.run([SEALGATE, *args], capture_output=True, env=e, timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def check_json(*files, policy=POLICY, rc=0):
    """Run policy-check --json; return {file name: entry}."""
    code, out, err = run("policy-check", "--json", "--policy", policy, *[str(f) for f in files])
    ok(code == rc, f"policy-check --json {' '.join(pathlib.Path(f).name for f in files)} exits {rc}", err or out)
    try:
        doc = json.loads(out)
    except ValueError as e:
        ok(False, "output is one JSON document", f"{e}\n{out}")
        return {}
    msgs = doc.get("messages", [])
    ok(len(msgs) == len(files) and [m["file"] for m in msgs] == [str(f) for f in files],
       "one entry per message, in order, named by file", out)
    return {pathlib.Path(m["file"]).name: m for m in msgs}


def reason(result, code, trigger=None):
    for r in result.get("reasons", []):
        if r["code"] == code and (trigger is None or r["trigger"] == trigger):
            return r
    return None


def recipients(result):
    return [(r["field"], r["class"], r["address"], r["display_name"]) for r in result["recipients"]]


def stderr_lines_ok(err):
    lines = [l for l in err.splitlines() if l]
    return lines and all(l.startswith("sealgate: ") for l in lines)


# ---- usage, version
for args in [(), ("help",), ("--help",), ("frobnicate",), ("policy-check",), ("policy-check", "--bogus", "x.eml"),
             ("policy-check", "--policy"), ("policy-validate",), ("policy-validate", "a", "b")]:
    code, out, err = run(*args)
    ok(code == 2 and "usage: sealgate policy-check" in err and out == "",
       f"usage error for {' '.join(args) or '(no arguments)'}: exit 2, usage on stderr", f"{code}\n{out}\n{err}")

code, out, err = run("--version")
ok(code == 0 and out.startswith("sealgate ") and len(out.split()) == 2, "--version prints the version", out + err)

# ---- policy-validate
code, out, err = run("policy-validate", POLICY)
ok(code == 0 and out == f"{POLICY}: valid\n", "policy-validate of a valid policy", out + err)
code, out, err = run("policy-validate", str(DATA / "policy-invalid.json"))
ok(code == 3 and "nowhere" in err and stderr_lines_ok(err) and len(err.splitlines()) == 1,
   "policy-validate of an invalid policy: exit 3, one line naming the problem", err)
code, out, err = run("policy-validate", str(TMP / "missing.json"))
ok(code == 3 and "missing.json" in err and stderr_lines_ok(err), "policy-validate of a missing file: exit 3", err)

# ---- the policy in force
eml = str(DATA / "bcc-only.eml")
code, out, err = run("policy-check", "--policy", str(DATA / "policy-invalid.json"), eml)
ok(code == 3 and out == "" and stderr_lines_ok(err), "policy-check with an invalid policy: exit 3", err)
code, out, err = run("policy-check", "--policy", str(TMP / "missing.json"), eml)
ok(code == 3 and "missing.json" in err, "policy-check with a missing policy: exit 3", err)
code, out, err = run("policy-check", eml, env={"SEALGATE_POLICY": POLICY})
ok(code == 0 and "action: prompt" in out, "$SEALGATE_POLICY is used without --policy", out + err)
code, out, err = run("policy-check", eml, env={"SEALGATE_POLICY": str(DATA / "policy-invalid.json")})
ok(code == 3, "an invalid $SEALGATE_POLICY: exit 3", err)
code, out, err = run("policy-check", "--policy", POLICY, eml, env={"SEALGATE_POLICY": str(TMP / "missing.json")})
ok(code == 0, "--policy wins over $SEALGATE_POLICY", err)

# ---- JSON output on the fixtures
names = ["encoded-names.eml", "iso-2022-jp.eml", "attachments.eml", "alternative.eml", "html-only.eml",
         "sjis-mynumber.eml", "group.eml", "bcc-only.eml", "forwarded.eml", "parts.eml"]
res = check_json(*[DATA / f for f in names])
get = lambda name: res.get(name, {}).get("result", {})

r = get("encoded-names.eml")
ok(recipients(r) == [("to", "internal", "yamada@corp.example", "山田 太郎"),
                     ("to", "external", "joerg@example.net", "Jörg Müller, Sales"),
                     ("cc", "external", "quoted@partner.example", '引用 "名前"')],
   "UTF-8 B and Q encoded-word display names are decoded (comma and quotes kept)", r.get("recipients"))
kw = reason(r, "subject_keyword")
ok(r.get("action") == "encrypt" and kw and "Résumé" in kw["items"], "a Q-encoded UTF-8 subject is decoded", kw)
mk = reason(r, "body_pattern", "markers")
ok(mk and mk["items"] == ["ça va"], "an 8bit UTF-8 body is read", mk)

r = get("iso-2022-jp.eml")
kw = reason(r, "subject_keyword")
ok(kw and kw["items"] == ["機密"], "an ISO-2022-JP encoded subject (機密: 見積書) is decoded", kw)
ok(recipients(r) == [("to", "external", "sato@partner.example", "佐藤 花子")],
   "an ISO-2022-JP encoded display name is decoded", r.get("recipients"))
mk = reason(r, "body_pattern", "markers")
ok(mk and mk["items"] == ["\\(株\\)サンプルの見積書"], "an ISO-2022-JP body (with ㈱) comes out as UTF-8", mk)

r = get("attachments.eml")
att = reason(r, "attachments")
ok(att and att["items"] == ["report.pdf", "見積書 2026.xlsx", "メモ-notes.txt", "請求書.zip"],
   "attachment names: plain, RFC 2231, RFC 2231 continuation, RFC 2047 ISO-2022-JP", att)
ok(r.get("action") == "route" and r.get("route") == "portal"
   and r.get("headers") == [{"name": "X-SecureSend-Route", "value": "portal"}] and r.get("subject_tag") == "[secure]",
   "the .xlsx attachment routes to the portal with its header and tag", r)

r = get("alternative.eml")
mk = reason(r, "body_pattern", "markers")
ok(mk and mk["items"] == ["numbers are fine", "HTML ONLY TEXT"],
   "nested multipart/alternative: the text/plain alternative is the body, and the HTML one is read too", mk)
att = reason(r, "attachments")
ok(att and att["items"] == ["logo.png", "q3.pdf"], "inline image and attachment inside nested multiparts", att)
ok([x[2] for x in recipients(r)] == ["bob@corp.example", "x@sales.corp.example"]
   and all(x[1] == "internal" for x in recipients(r)), "internal domain and subdomain", r.get("recipients"))

r = get("html-only.eml")
cc = reason(r, "credit_card")
ok(r.get("action") == "block" and cc and cc["items"] == ["**** **** **** 1111"],
   "text/html only: tags stripped, &nbsp; kept as a space, script text dropped", r.get("reasons"))
mk = reason(r, "body_pattern", "markers")
ok(mk and mk["items"] == ["Tom & Jerry 機密"], "HTML entities (&amp;, &#x...;, &#...;) are decoded", mk)

# ---- every part a trigger reads (docs/admin/policy.md, "Which parts each trigger reads")
r = get("forwarded.eml")
ok([x[2] for x in recipients(r)] == ["partner@partner.example"],
   "a forwarded message: its recipients are not ours", r.get("recipients"))
kw = reason(r, "subject_keyword")
ok(kw and kw["items"] == ["機密"], "a forwarded message's (encoded) subject is read", kw)
cc = reason(r, "credit_card")
ok(r.get("action") == "block" and cc and cc["items"] == ["**** **** **** 1111"],
   "a forwarded message's body is read: its card number blocks", r.get("reasons"))
ext = reason(r, "attachment_extension")
ok(ext and ext["items"] == ["budget.xlsx"], "a forwarded message's attachments are read", r.get("reasons"))

r = get("parts.eml")
cc = reason(r, "credit_card")
ok(cc and cc["items"] == ["**** **** **** 1111"], "a card number only in the HTML alternative blocks", r.get("reasons"))
mn = reason(r, "my_number")
ok(mn, "a My Number only in a .csv attachment blocks", r.get("reasons"))
mk = reason(r, "body_pattern", "markers")
ok(mk and "4000 0000" in mk["items"], "a text/enriched attachment without an extension is read", mk)
ext = reason(r, "attachment_extension")
ok(ext and r.get("action") == "block", "Content-Type name=report.xlsx under filename=report.pdf: the .xlsx "
   "trigger fires on either name", r.get("reasons"))

r = get("sjis-mynumber.eml")
ok(r.get("action") == "block" and reason(r, "my_number"), "a Shift_JIS body with a My Number blocks", r)
mk = reason(r, "body_pattern", "markers")
ok(mk and mk["items"] == ["1よろしく"], "a Shift_JIS body (with a CP932 character) comes out as UTF-8", mk)
kw = reason(r, "subject_keyword")
ok(kw and kw["items"] == ["マイナンバー"], "a Shift_JIS encoded-word subject is decoded", kw)

r = get("group.eml")
ok(recipients(r) == [("to", "external", "a@sales.example", None), ("to", "external", "b@example.org", "B, Bee"),
                     ("to", "internal", "bob@corp.example", None), ("cc", "internal", "carol@corp.example", None),
                     ("cc", "external", "dave@example.com", None), ("bcc", "external", "secret@example.net", "hidden")],
   "group syntax, an empty group, ';' separators and Bcc: every mailbox counted", r.get("recipients"))
ok(reason(r, "external_domains") and [c["kind"] for c in r.get("choices", [])] == ["encrypt", "route", "cancel"],
   "4 external domains: prompt without send", r.get("choices"))

r = get("bcc-only.eml")
ok(r.get("action") == "prompt" and ("bcc", "external", "watcher@example.net", None) in recipients(r),
   "a Bcc-only external recipient prompts", r)

# Attachment sizes are decoded bytes: 1029 + 5000 + 23 + 80 = 6132 in attachments.eml
for size, fires in [(6132, True), (6133, False)]:
    pol = json.loads("\n".join(l for l in (DATA / "policy.json").read_text(encoding="utf-8").splitlines()
                               if not l.lstrip().startswith("//")))
    pol["triggers"] = [{"id": "size", "type": "attachment_size", "bytes": size, "action": "block", "scope": "all"}]
    pf = TMP / f"size-{size}.json"
    pf.write_text(json.dumps(pol), encoding="utf-8")
    res2 = check_json(DATA / "attachments.eml", policy=str(pf))
    r = res2.get("attachments.eml", {}).get("result", {})
    ok(bool(reason(r, "attachment_size")) == fires,
       f"attachment sizes are decoded bytes (total 6132, trigger at {size} {'fires' if fires else 'does not'})",
       r.get("reasons"))

# ---- failures: the others are still evaluated
res = check_json(DATA / "bad-address.eml", DATA / "bcc-only.eml", DATA / "bad-double-at.eml", TMP / "missing.eml",
                 DATA / "not-a-message.eml", rc=1)
e = res.get("bad-address.eml", {}).get("error", {})
ok(e.get("code") == "address_syntax" and '"foo bar baz"' in e.get("message", "") and "To" in e.get("message", ""),
   "an address GMime would drop is an error naming it and the header", e)
e = res.get("bad-double-at.eml", {}).get("error", {})
ok(e.get("code") == "address_syntax" and "carol@@example.net" in e.get("message", "") and "Cc" in e.get("message", ""),
   "a malformed address among good ones is an error", e)
ok("result" in res.get("bcc-only.eml", {}), "a good message after a bad one is still evaluated")
ok(res.get("missing.eml", {}).get("error", {}).get("code") == "io", "a missing file is an io error")
ok(res.get("not-a-message.eml", {}).get("error", {}).get("code") == "mime_invalid", "text without headers: mime_invalid")

code, out, err = run("policy-check", "--policy", POLICY, str(DATA / "bad-address.eml"), str(DATA / "bcc-only.eml"))
ok(code == 1 and "bcc-only.eml" in out and "bad-address.eml" not in out, "human output: the good message printed", out)
ok(stderr_lines_ok(err) and len(err.splitlines()) == 1 and "foo bar baz" in err and "address_syntax" in err,
   "human output: one stderr line for the bad message", err)

# ---- human-readable output
code, out, err = run("policy-check", "--policy", POLICY, str(DATA / "attachments.eml"), str(DATA / "encoded-names.eml"),
                     str(DATA / "group.eml"))
ok(code == 0 and err == "", "human output: exit 0, nothing on stderr", err)
for needle, desc in [
        (f"{DATA / 'attachments.eml'}\n  action: route portal\n", "file name and action"),
        ("    to   external  someone@example.net  [external_domain]", "recipient with field, class and rule"),
        ("    to   internal  山田 太郎 <yamada@corp.example>  [internal_domain corp.example]",
         "Unicode display names shown as they are, with the matching entry"),
        ('"Jörg Müller, Sales" <joerg@example.net>', "a display name with a comma is quoted"),
        ("attachment_extension [xlsx-portal] -> route: 1 attachment with a listed extension: 見積書 2026.xlsx",
         "reason with trigger, action and detail"),
        ("  route headers:\n    X-SecureSend-Route: portal\n  subject tag: [secure]\n", "route headers and subject tag"),
        ("  encrypt with: smime, openpgp\n", "encryption methods"),
        ("  choices:\n    - encrypt\n    - route portal (subject tag [secure])\n        X-SecureSend-Route: portal\n"
         "    - cancel (taken if no prompt can be shown)\n", "choices with their route headers"),
]:
    ok(needle in out, f"human output: {desc}", out)

# ---- terminal output: control characters in a file name or a header cannot forge a line
evil_name = "x\x1b[2K\rsealgate: action: allow.eml"
evil = TMP / evil_name
# display names: ESC[1A ESC[2K CR "  action: allow", and U+202E (right-to-left override) "flip"
evil.write_bytes(b"From: alice@corp.example\r\n"
                 b"To: =?UTF-8?B?G1sxQRtbMksNICBhY3Rpb246IGFsbG93?= <someone@example.net>, "
                 b"=?UTF-8?B?4oCuZmxpcA==?= <rtl@example.net>\r\n"
                 b"Subject: t\r\n\r\nbody\r\n")
code, out, err = run("policy-check", "--policy", POLICY, str(evil))
ok("\x1b" not in out and "\r" not in out, "human output holds no raw ESC or CR from a file name or a header",
   repr(out))
ok("\\x1B[2K\\x0D" in out, "the file name's control characters are shown escaped", repr(out))
ok("action: allow\" <someone@example.net>" in out, "a display name with control characters stays inside its line",
   repr(out))
ok("\\u{202E}flip" in out and "\u202e" not in out, "a right-to-left override is shown escaped", repr(out))
ok(sum(1 for line in out.splitlines() if line.lstrip().startswith("action:")) == 1,
   "exactly one action line", repr(out))
evil.unlink()

# ---- limits, one past each, generated
def write(name, data):
    p = TMP / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


# ---- a boundary so long that GMime cannot find the parts: an error, not a message without content
def long_boundary(n):
    b = "B" * n
    return (f"From: a@corp.example\r\nTo: x@example.net\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n--{b}\r\nContent-Type: text/plain\r\n\r\n"
            f"card 4111 1111 1111 1111\r\n--{b}--\r\n")


for n in (70, 3000):
    code, out, err = run("policy-check", "--policy", POLICY, str(write(f"boundary-{n}.eml", long_boundary(n))))
    ok(code == 0 and "action: block" in out, f"a {n}-byte boundary: the body is read (card number blocks)", out + err)
code, out, err = run("policy-check", "--policy", POLICY, str(write("boundary-5000.eml", long_boundary(5000))))
ok(code != 0 and "mime_invalid" in err and "boundary is 5000 bytes" in err and not out.strip(),
   "a 5000-byte boundary GMime cannot follow: mime_invalid, no decision", out + err)

# ---- where GMime and sealgate's own parser would read different recipients: an error naming the header
def to_header(value, extra=b""):
    return b"From: a@corp.example\r\nTo: " + value + b"\r\n" + extra + b"Subject: t\r\n\r\nbody\r\n"


for value, desc in [
        (b"(x@example.net b@corp.example", "an unterminated comment holding the recipients"),
        (b"=?x@example.net b@corp.example", "a broken encoded word before a second address"),
        (b"b@corp.example\0, y@example.net", "a NUL byte in the To line"),
]:
    code, out, err = run("policy-check", "--policy", POLICY, str(write("disagree.eml", to_header(value))))
    ok(code != 0 and not out.strip() and ("address_syntax" in err or "mime_invalid" in err) and "To" in err,
       f"{desc}: an error naming the header, no decision", out + err)
code, out, err = run("policy-check", "--policy", POLICY,
                     str(write("cc-nul.eml", to_header(b"b@corp.example", b"Cc: y@example.net\0\r\n"))))
ok(code != 0 and "mime_invalid" in err and "NUL" in err, "a NUL byte in the Cc line: mime_invalid", out + err)
for value, desc in [(b"(just a comment)", "a To of only a comment"), (b"undisclosed-recipients:;", "an empty group"),
                    (b"=?ISO-2022-JP?B?GyRCNEE7ehsoQg==?= <k@corp.example>", "an encoded display name")]:
    code, out, err = run("policy-check", "--policy", POLICY, str(write("agree.eml", to_header(value))))
    ok(code == 0 and "action:" in out, f"{desc} is read as before", out + err)
code, out, err = run("policy-check", "--policy", POLICY,
                     str(write("body-nul.eml", b"From: a@corp.example\r\nTo: b@corp.example\r\n\r\nb\0dy\r\n")))
ok(code == 0 and "action: allow" in out, "a NUL byte in the body is data, not an error", out + err)

def nested(depth):
    """A message whose innermost text part is at MIME depth `depth`."""
    head = "From: alice@corp.example\r\nTo: bob@corp.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    parts, tail = [], []
    for level in range(1, depth):
        parts.append(f"Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n")
        tail.insert(0, f"\r\n--b{level}--\r\n")
    return head + "".join(parts) + "Content-Type: text/plain\r\n\r\nnumbers are fine\r\n" + "".join(tail)


def many(parts):
    """A multipart/mixed with `parts` MIME entities in all (itself included)."""
    body = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(parts - 1))
    return ("From: alice@corp.example\r\nTo: bob@corp.example\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" + body + "--b--\r\n")


def header_lines(total):
    """`total` lines in header blocks: 3 in the message's, the rest in one part's."""
    return ("From: alice@corp.example\r\nTo: bob@corp.example\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n"
            "\r\n--b\r\n" + "X-Filler: y\r\n" * (total - 3) + "\r\nbody\r\n--b--\r\n")


def recipients_to(count):
    """One folded To header with `count` external mailboxes (far over 16 KiB)."""
    return ("From: alice@corp.example\r\nTo: " + ",\r\n ".join(f"u{i}@example.net" for i in range(count)) +
            "\r\nSubject: many\r\n\r\nbody\r\n")


big = TMP / "big.eml"
with open(big, "wb") as f:
    f.write(b"From: alice@corp.example\r\nTo: bob@corp.example\r\n\r\n")
    f.truncate(64 * 1024 * 1024 + 1)
limit_files = [write("depth-32.eml", nested(32)), write("depth-33.eml", nested(33)),
               write("parts-1000.eml", many(1000)), write("parts-1001.eml", many(1001)),
               write("parts-5000.eml", many(5000)), write("header-lines-100000.eml", header_lines(100000)),
               write("header-lines-100001.eml", header_lines(100001)),
               write("recipients-10000.eml", recipients_to(10000)),
               write("recipients-10001.eml", recipients_to(10001)), big]
res = check_json(*limit_files, rc=1)
for name, good, desc in [("depth-32.eml", True, "MIME depth 32 is read"),
                         ("depth-33.eml", False, "MIME depth 33 is limit_exceeded"),
                         ("parts-1000.eml", True, "1000 MIME parts are read"),
                         ("parts-1001.eml", False, "1001 MIME parts are limit_exceeded"),
                         ("parts-5000.eml", False, "5000 MIME parts are refused before GMime builds them"),
                         ("header-lines-100000.eml", True, "100000 header lines are read"),
                         ("header-lines-100001.eml", False, "100001 header lines are limit_exceeded"),
                         ("recipients-10000.eml", True, "10000 recipients in one To header are read"),
                         ("recipients-10001.eml", False, "10001 recipients are limit_exceeded"),
                         ("big.eml", False, "a file of 64 MiB + 1 byte is limit_exceeded")]:
    e = res.get(name, {})
    if good:
        ok("result" in e, desc, e)
    else:
        ok(e.get("error", {}).get("code") == "limit_exceeded", desc, e)
ok(res.get("recipients-10000.eml", {}).get("result", {}).get("external_count") == 10000,
   "all 10000 recipients are classified")
mk = reason(res.get("depth-32.eml", {}).get("result", {}), "body_pattern", "markers")
ok(mk and mk["items"] == ["numbers are fine"], "the text part at depth 32 is read", mk)

# ---- the README's demo command over examples/
demo_policy = ROOT / "examples" / "demo-policy.json"
demo_msgs = sorted((ROOT / "examples" / "messages").glob("*.eml"))
if demo_policy.exists() and demo_msgs:
    code, out, err = run("policy-check", "--policy", str(demo_policy), *[str(m) for m in demo_msgs])
    ok(code == 0 and err == "" and all(str(m) in out for m in demo_msgs),
       f"demo: policy-check over examples/messages ({len(demo_msgs)} messages)", out + err)
else:
    skip("demo: policy-check over examples/messages", "examples/demo-policy.json not there yet")

# ---- smime decrypt of AES-GCM (AuthEnvelopedData) in bounded memory: 64 MiB
fx = pathlib.Path(tempfile.mkdtemp(prefix="sealgate-cli-gcm-"))
try:
    made = subprocess.run(["sh", str(ROOT / "tests" / "interop" / "make-fixtures.sh"), str(fx)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ok(made.returncode == 0, "S/MIME fixtures made", made.stderr.decode(errors="replace"))
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"
    # the peak memory of one decryption alone: a child of its own measures its child
    measure = ("import resource, subprocess, sys\n"
               "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
               "sys.stderr.write(p.stderr.decode(errors='replace'))\n"
               "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    peaks = {}
    for mib in (1, 64):
        msg = fx / f"gcm-{mib}.eml"
        with open(msg, "wb") as f:
            f.write(b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
            f.write(line * (mib * 1024 * 1024 // len(line)))
        code, out, err = run("smime", "encrypt", "--cipher", "aes256-gcm", "--to", str(fx / "bob.pem"), "-o",
                             str(fx / "gcm.p7m"), str(msg))
        ok(code == 0, f"smime encrypt --cipher aes256-gcm of {mib} MiB", err)
        p = subprocess.run([sys.executable, "-c", measure, SEALGATE, "smime", "decrypt", "--key", str(fx / "bob.p12"),
                            "--passphrase-file", str(fx / "PASSPHRASE"), "-o", str(fx / "gcm.out"),
                            str(fx / "gcm.p7m")], capture_output=True, timeout=600)
        rc, peaks[mib] = (int(x) for x in p.stdout.split())
        same = rc == 0 and (fx / "gcm.out").read_bytes() == msg.read_bytes()
        ok(same, f"smime decrypt of {mib} MiB aes256-gcm gives the message back", p.stderr.decode(errors="replace"))
        print(f"# peak memory of smime decrypt, {mib} MiB aes256-gcm: {peaks[mib] / 1024:.1f} MiB")
        msg.unlink()
    # bounded whatever the size: 64 MiB costs little more than 1 MiB (OpenSSL's CMS_decrypt held the
    # plaintext: about 110 MiB more); and the target, under 64 MiB (sanitizers included)
    grow = peaks[64] - peaks[1]
    ok(grow < 16 * 1024, f"decrypting 64 MiB of aes256-gcm peaks {grow / 1024:.1f} MiB above 1 MiB (under 16 MiB)")
    ok(0 < peaks[64] < 64 * 1024, f"decrypting 64 MiB of aes256-gcm peaks under 64 MiB ({peaks[64] / 1024:.1f} MiB)")
finally:
    shutil.rmtree(fx, ignore_errors=True)

status = done()
for p in TMP.iterdir():
    p.unlink()
TMP.rmdir()
sys.exit(status)
