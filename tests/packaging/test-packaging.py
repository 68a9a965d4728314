#!/usr/bin/env python3
"""The Debian packages, end to end (issue 15). TAP output.

Builds the packages from the source tree with packaging/build-deb.sh (the
tree must stay as it was), runs lintian on them (any error or warning fails),
makes a "previous" build of the same packages under a lower version, installs
that with apt-get, changes /etc/sealgate/policy.json the way an administrator
would, upgrades to the new build (the changed policy must be kept), runs the
e2e cases against the installed packages (tests/e2e/test-send.py with
SEALGATE_E2E_INSTALLED=1: the system manifest, the extension Thunderbird loads
by itself at first start, the package's Thunderbird policy, a fresh profile,
no development install step), removes (the policy stays), purges, and checks
that nothing the packages installed is left.

Usage: test-packaging.py [--out DIR] [--debs DIR] [--keep]
  --debs DIR  use the packages already built in DIR instead of building
  --out DIR   where the packages and logs go (default: a temporary directory)

Needs root (apt-get, /etc); exit 77 (skip) otherwise. Holds the e2e lock
(/tmp/sealgate-e2e.lock) for the whole run, since installed packages change
what every Thunderbird on the machine loads. Restores
/etc/thunderbird/policies/policies.json if it moves it away.
"""
import argparse
import fcntl
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
E2E = os.path.join(TOP, "tests", "e2e")
sys.path.insert(0, os.path.join(TOP, "tests", "common"))
from tap import Tap  # noqa: E402
LOCK = "/tmp/sealgate-e2e.lock"
PACKAGES = ("sealgate", "webext-sealgate", "sealgate-thunderbird-policy")
EXT_ID = "sealgate@sealgate.example"
HOST = "/usr/libexec/sealgate/sealgate-host"
PROMPT = "/usr/libexec/sealgate/sealgate-prompt"
CLI = "/usr/bin/sealgate"
XPI = "/usr/share/webext/sealgate/sealgate.xpi"
MANIFEST = "/usr/lib/mozilla/native-messaging-hosts/sealgate.host.json"
POLICY = "/etc/sealgate/policy.json"
TB_POLICIES = "/usr/lib/thunderbird/distribution/policies.json"
ADMIN_TB_POLICIES = "/etc/thunderbird/policies/policies.json"
E2E_CASES = "internal,external,block,prompt-fallback,prompt-portal,prompt-back"
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
# What an administrator's fleet tool passes: keep a changed conffile, take
# the new one where it was not changed.
APT_CONF = ["-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]


tap = Tap()


def run(cmd, timeout=600, env=None, cwd=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout, env=env, cwd=cwd, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout


def installed_version(pkg):
    rc, out = run(["dpkg-query", "-W", "-f=${Status} ${Version}", pkg])
    if rc != 0 or not out.startswith("install ok installed"):
        return None
    return out.split()[-1]


def package_state(pkg):
    rc, out = run(["dpkg-query", "-W", "-f=${Status}", pkg])
    return out.strip() if rc == 0 else "unknown"


def git_state():
    rc, out = run(["git", "-C", TOP, "status", "--porcelain", "--ignored=no"])
    return out if rc == 0 else None


def meson_version():
    with open(os.path.join(TOP, "meson.build"), encoding="utf-8") as fh:
        m = re.search(r"^\s*version\s*:\s*'([^']+)'", fh.read(), re.M)
    return m.group(1) if m else None


def repack(deb, outdir, old, new):
    """The same package under version `new` (and its exact dependencies on
    its siblings too): the "previous build" the upgrade starts from."""
    work = tempfile.mkdtemp(dir=outdir)
    try:
        rc, out = run(["dpkg-deb", "-R", deb, work])
        if rc:
            raise RuntimeError(out)
        ctl = os.path.join(work, "DEBIAN", "control")
        with open(ctl, encoding="utf-8") as fh:
            text = fh.read()
        text = re.sub(r"^Version: .*$", f"Version: {new}", text, flags=re.M)
        text = text.replace(f"(= {old})", f"(= {new})").replace(f"(>= {old})", f"(>= {new})")
        with open(ctl, "w", encoding="utf-8") as fh:
            fh.write(text)
        pkg = re.search(r"^Package: (.*)$", text, re.M).group(1)
        arch = re.search(r"^Architecture: (.*)$", text, re.M).group(1)
        dest = os.path.join(outdir, f"{pkg}_{new}_{arch}.deb")
        rc, out = run(["dpkg-deb", "--root-owner-group", "-b", work, dest])
        if rc:
            raise RuntimeError(out)
        return dest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def package_files(pkg):
    rc, out = run(["dpkg", "-L", pkg])
    return [ln for ln in out.splitlines() if ln.startswith("/")] if rc == 0 else []


def tb_policy_state(out_dir):
    """Start a fresh Thunderbird (no sealgate step at all) and report the
    sealgate add-on and the enterprise policies in force."""
    sys.path.insert(0, E2E)
    from lib.thunderbird import Thunderbird  # noqa: E402
    d = tempfile.mkdtemp(prefix="tbprobe-", dir=out_dir)
    os.chmod(d, 0o755)
    tb = Thunderbird(d, 9, env={"HOME": d, "TMPDIR": d}, name="probe")
    tb.start()
    try:
        r = None
        for _ in range(60):
            r = tb.m.execute_async(r"""
              const [id, done] = arguments;
              (async () => {
                const { AddonManager } = ChromeUtils.importESModule(
                  "resource://gre/modules/AddonManager.sys.mjs");
                const { ExtensionParent } = ChromeUtils.importESModule(
                  "resource://gre/modules/ExtensionParent.sys.mjs");
                const a = await AddonManager.getAddonByID(id);
                const ext = ExtensionParent.GlobalManager.getExtension(id);
                const pol = Services.policies.getActivePolicies() || {};
                return {
                  found: !!a, active: a ? a.isActive : false, version: a ? a.version : null,
                  can_disable: a ? !!(a.permissions & AddonManager.PERM_CAN_DISABLE) : null,
                  can_uninstall: a ? !!(a.permissions & AddonManager.PERM_CAN_UNINSTALL) : null,
                  background: ext ? (ext.backgroundState || (ext.backgroundContext ? "running" : "starting")) : "none",
                  policy_status: Services.policies.status,
                  extension_settings: (pol.ExtensionSettings || {})[id] || null,
                  managed: ((pol["3rdparty"] || {}).Extensions || {})[id] || null,
                };
              })().then(done, e => done({error: String(e)}));
            """, [EXT_ID])
            if isinstance(r, dict) and r.get("background") == "running":
                break
            time.sleep(0.5)
        return r
    finally:
        tb.stop()
        shutil.rmtree(d, ignore_errors=True)


JOURNAL_SOCKET = "/run/systemd/journal/socket"
JOURNALD = "/lib/systemd/systemd-journald"


def journald_listening():
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(JOURNAL_SOCKET)
        return True
    except OSError:
        return False
    finally:
        s.close()


def journal_check(out_dir):
    """One send's audit record, read back from the system journal with
    journalctl -o json and compared key by key with the local audit line.
    The send is a policy.evaluate of an external message answered `route`
    by the installed host (through a pipe, as Thunderbird talks to it),
    under a policy with audit.journal on. systemd-journald is started for the
    test when the machine runs none, and stopped again."""
    started = None
    if not journald_listening():
        started = subprocess.Popen([JOURNALD], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not journald_listening():
            time.sleep(0.1)
        tap.comment(f"started {JOURNALD} (pid {started.pid}) for the journal check")
    try:
        if not tap.ok(journald_listening(), "systemd-journald listens on " + JOURNAL_SOCKET):
            return
        d = tempfile.mkdtemp(prefix="journal-", dir=out_dir)
        policy = os.path.join(d, "policy.json")
        with open(policy, "w", encoding="utf-8") as fh:
            json.dump({"version": 1, "internal": {"domains": ["corp.example"]},
                       "external": {"action": "route", "route": "portal"},
                       "routes": {"portal": {"headers": {"X-SecureSend-Route": "portal"}}},
                       "audit": {"journal": True}}, fh)
        env = dict(os.environ, SEALGATE_POLICY=policy, XDG_STATE_HOME=os.path.join(d, "state"), HOME=d,
                   USER="journal-test")
        p = subprocess.Popen([HOST, MANIFEST, EXT_ID], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, cwd=os.path.dirname(HOST))
        req = json.dumps({"id": 1, "op": "policy.evaluate",
                          "message": {"from": "alice@corp.example", "to": ["dana@partner.example"],
                                      "subject": "journal check", "body": "hello"}}).encode()
        import struct
        p.stdin.write(struct.pack("=I", len(req)) + req)
        p.stdin.flush()
        (n,) = struct.unpack("=I", p.stdout.read(4))
        answer = json.loads(p.stdout.read(n))
        p.stdin.close()
        p.wait(timeout=30)
        stderr = p.stderr.read().decode(errors="replace")
        tap.ok(answer.get("result", {}).get("action") == "route",
               "the installed host routes the external message", f"{answer}\n{stderr}")
        files = sorted(glob.glob(os.path.join(d, "state", "sealgate", "audit", "audit-*.jsonl")))
        line = None
        if files:
            with open(files[-1], encoding="utf-8") as fh:
                lines = fh.read().splitlines()
            line = lines[-1] if lines else None
        if not tap.ok(line is not None, "the local audit record is written", stderr):
            return
        record = json.loads(line)
        entry = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and entry is None:
            rc, outp = run(["journalctl", "--no-pager", "-o", "json", "SYSLOG_IDENTIFIER=sealgate",
                            f"SEALGATE_ATTEMPT={record['attempt']}"])
            for ln in outp.splitlines():
                if ln.startswith("{"):
                    entry = json.loads(ln)
            if entry is None:
                time.sleep(0.3)
        if not tap.ok(entry is not None, "journalctl -o json finds the record by its attempt id",
                      f"attempt {record['attempt']}; host stderr:\n{stderr}"):
            return
        tap.comment("journal entry: " + json.dumps({k: v for k, v in entry.items() if not k.startswith("__")}))
        diff = []
        for k, v in record.items():
            got = entry.get("SEALGATE_" + k.upper())
            if isinstance(v, str):
                same = got == v
            else:
                try:
                    same = got is not None and json.loads(got) == v
                except ValueError:
                    same = False
            if not same:
                diff.append(f"{k}: file {v!r}, journal {got!r}")
        tap.ok(not diff, f"every key of the local record is the same in the journal ({len(record)} keys)",
               "\n".join(diff))
        tap.ok(entry.get("SEALGATE_RECORD") == line, "SEALGATE_RECORD is the local line")
        tap.ok(entry.get("MESSAGE", "").startswith(f"send attempt {record['attempt']}: routed")
               and "\n" not in entry.get("MESSAGE", ""),
               f"MESSAGE is the one-line summary: {entry.get('MESSAGE')!r}")
        tap.ok(entry.get("_COMM") == "sealgate-host" and entry.get("PRIORITY") == "6",
               "sent by sealgate-host, priority info", f"_COMM {entry.get('_COMM')}, PRIORITY {entry.get('PRIORITY')}")
    finally:
        if started:
            started.terminate()
            try:
                started.wait(10)
            except subprocess.TimeoutExpired:
                started.kill()


MERGE = "/usr/sbin/sealgate-thunderbird-policy-merge"


def merge_check(out_dir):
    """sealgate-thunderbird-policy-merge on an administrator's own
    policies.json (a copy in the run directory): sealgate's entries added,
    every other policy kept, --check, a differing entry kept without
    --force, --remove."""
    d = tempfile.mkdtemp(prefix="merge-", dir=out_dir)
    target = os.path.join(d, "policies.json")
    admin = {"policies": {"DisableTelemetry": True,
                          "ExtensionSettings": {"other@example": {"installation_mode": "blocked"}},
                          "3rdparty": {"Extensions": {"other@example": {"k": 1}}}}}
    with open(target, "w", encoding="utf-8") as fh:
        json.dump(admin, fh)
    rc, log = run([MERGE, "--check", "--to", target])
    tap.ok(rc == 3, "merge --check: exit 3 before the merge", log)
    rc, log = run([MERGE, "--to", target])
    with open(target, encoding="utf-8") as fh:
        doc = json.load(fh)
    with open(TB_POLICIES, encoding="utf-8") as fh:
        ours = json.load(fh)["policies"]
    pol = doc.get("policies", {})
    tap.ok(rc == 0 and pol.get("DisableTelemetry") is True
           and pol["ExtensionSettings"].get("other@example") == {"installation_mode": "blocked"}
           and pol["3rdparty"]["Extensions"].get("other@example") == {"k": 1}
           and pol["ExtensionSettings"].get(EXT_ID) == ours["ExtensionSettings"][EXT_ID]
           and pol["3rdparty"]["Extensions"].get(EXT_ID) == ours["3rdparty"]["Extensions"][EXT_ID],
           "merge: sealgate's entries added, the administrator's policies kept", f"{log}\n{doc}")
    rc, log = run([MERGE, "--check", "--to", target])
    tap.ok(rc == 0, "merge --check: exit 0 after the merge", log)
    pol["3rdparty"]["Extensions"][EXT_ID] = {"on_helper_failure": "warn"}
    with open(target, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    rc, log = run([MERGE, "--to", target])
    with open(target, encoding="utf-8") as fh:
        kept = json.load(fh)["policies"]["3rdparty"]["Extensions"][EXT_ID]
    tap.ok(rc == 1 and kept == {"on_helper_failure": "warn"},
           "merge: an entry the administrator set differently is kept (exit 1 without --force)", log)
    rc, log = run([MERGE, "--remove", "--to", target])
    with open(target, encoding="utf-8") as fh:
        pol = json.load(fh)["policies"]
    tap.ok(rc == 0 and EXT_ID not in pol["ExtensionSettings"] and EXT_ID not in pol["3rdparty"]["Extensions"]
           and pol["ExtensionSettings"].get("other@example") and pol.get("DisableTelemetry") is True,
           "merge --remove: only sealgate's entries taken out", f"{log}\n{pol}")


def run_e2e(out_dir):
    """tests/e2e/test-send.py against the installed packages; its TAP lines
    are renumbered into ours."""
    env = dict(os.environ, SEALGATE_E2E_INSTALLED="1")
    cmd = [sys.executable, os.path.join(E2E, "test-send.py"), HOST, XPI, "--cli", CLI,
           "--prompt", PROMPT, "--localedir", "/usr/share/locale", "--only", E2E_CASES,
           "--out", out_dir]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=env, stdin=subprocess.DEVNULL)
    seen = 0
    for line in p.stdout:
        line = line.rstrip("\n")
        m = re.match(r"^(ok|not ok) \d+ - (.*)$", line)
        if m:
            seen += 1
            name = m.group(2)
            skip = " # SKIP" in name
            tap.ok(m.group(1) == "ok", f"e2e (installed): {name}")
            if skip:
                tap.comment("(skipped inside the e2e run)")
        elif line.startswith("1.."):
            continue
        else:
            tap.comment(line.lstrip("# "))
    rc = p.wait()
    tap.ok(rc == 0 and seen > 0, f"e2e against the installed packages: exit {rc}, {seen} results")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--debs", default=None)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (apt-get, /etc)")
        return 77

    out = a.out or tempfile.mkdtemp(prefix="sealgate-packaging-")
    os.makedirs(out, exist_ok=True)
    os.chmod(out, 0o755)
    tap.comment(f"work directory {out}")

    before = {p: installed_version(p) for p in PACKAGES}
    if not tap.ok(not any(before.values()),
                  "no sealgate package installed before the test",
                  f"installed: {before}; purge them first (apt-get purge {' '.join(PACKAGES)})"):
        print(f"1..{tap.n}")
        return 1

    lockfh = open(LOCK, "w")
    deadline = time.monotonic() + 900
    while True:
        try:
            fcntl.flock(lockfh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                tap.ok(False, f"another e2e run holds {LOCK}")
                print(f"1..{tap.n}")
                return 1
            time.sleep(1)

    admin_backup = None
    try:
        version = meson_version()
        with open(os.path.join(TOP, "packaging", "debian", "changelog"), encoding="utf-8") as fh:
            first = fh.readline()
        tap.ok(first.startswith(f"sealgate ({version}) "),
               f"packaging/debian/changelog's latest entry is meson.build's version {version}",
               f"changelog: {first.strip()}")

        # -- build from the tree; the tree stays as it was ----------------
        debs = os.path.join(out, "debs")
        if a.debs:
            debs = os.path.abspath(a.debs)
        else:
            git_before = git_state()
            t0 = time.monotonic()
            rc, log = run([os.path.join(TOP, "packaging", "build-deb.sh"), debs], timeout=900)
            tap.ok(rc == 0, f"packaging/build-deb.sh builds the packages ({time.monotonic() - t0:.0f} s)",
                   log[-4000:])
            tap.ok(git_state() == git_before, "the source tree is unchanged by the build",
                   f"before:\n{git_before}\nafter:\n{git_state()}")
        new = {p: os.path.join(debs, f"{p}_{version}_{'amd64' if p == 'sealgate' else 'all'}.deb")
               for p in PACKAGES}
        changes = os.path.join(debs, f"sealgate_{version}_amd64.changes")
        missing = [f for f in list(new.values()) + [changes] if not os.path.isfile(f)]
        if not tap.ok(not missing, "the .deb files and the .changes are in the output directory",
                      f"missing: {missing}"):
            return 1

        # -- lintian ------------------------------------------------------
        rc, log = run(["lintian", "--fail-on", "error,warning", "--display-info", "--pedantic",
                       "--show-overrides", changes], timeout=600)
        tags = [ln for ln in log.splitlines() if re.match(r"^[EWIPXO]: ", ln)]
        bad = [ln for ln in tags if ln[0] in "EW"]
        tap.ok(rc == 0 and not bad, "lintian: no error, no warning", log)
        for ln in tags:
            tap.comment(f"lintian {ln}")
        # Every override carries a reason (a comment line just above it).
        for f in glob.glob(os.path.join(TOP, "packaging", "debian", "*lintian-overrides")):
            with open(f, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
            unexplained = [ln for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")
                           and (i == 0 or not lines[i - 1].startswith("#"))]
            tap.ok(not unexplained, f"{os.path.basename(f)}: every override has a reason above it",
                   "\n".join(unexplained))

        # -- contents -----------------------------------------------------
        rc, listing = run(["dpkg-deb", "-c", new["sealgate"]])
        for path in ("./usr/bin/sealgate", "." + HOST, "." + PROMPT, "." + MANIFEST, "." + POLICY,
                     "./usr/share/locale/ja/LC_MESSAGES/sealgate.mo",
                     "./usr/share/man/man1/sealgate.1.gz", "./usr/share/man/man8/sealgate-host.8.gz"):
            tap.ok(f" {path}" in listing, f"sealgate ships {path[1:]}")
        rc, ctrl = run(["dpkg-deb", "-I", new["sealgate"], "conffiles"])
        tap.ok(POLICY in ctrl, f"{POLICY} is a conffile", ctrl)

        # -- the previous build -------------------------------------------
        prev_version = f"{version}~prev1"
        prevdir = os.path.join(out, "prev")
        os.makedirs(prevdir, exist_ok=True)
        old = {p: repack(new[p], prevdir, version, prev_version) for p in PACKAGES}
        tap.comment(f"previous build: the same packages as version {prev_version}")

        # Thunderbird reads /etc/thunderbird/policies/policies.json instead of
        # the package's file when it exists: move an existing one aside.
        if os.path.exists(ADMIN_TB_POLICIES):
            admin_backup = os.path.join(out, "admin-policies.json")
            shutil.move(ADMIN_TB_POLICIES, admin_backup)
            tap.comment(f"moved {ADMIN_TB_POLICIES} aside (restored at the end)")

        # -- install the previous build -----------------------------------
        rc, log = run(["apt-get", "install", "-y", "--no-install-recommends", *APT_CONF,
                       *old.values()], env=APT_ENV)
        tap.ok(rc == 0 and all(installed_version(p) == prev_version for p in PACKAGES),
               f"apt-get install of the previous build ({prev_version})", log[-3000:])
        with open(MANIFEST, encoding="utf-8") as fh:
            man = json.load(fh)
        tap.ok(man.get("path") == HOST and os.access(HOST, os.X_OK)
               and man.get("allowed_extensions") == [EXT_ID] and man.get("name") == "sealgate.host",
               "the native-messaging manifest names the installed host and the extension", man)
        rc, log = run([CLI, "policy-validate", POLICY])
        tap.ok(rc == 0, "the default policy passes sealgate policy-validate", log)
        rc, log = run([HOST, "--version"])
        tap.ok(rc == 0 and version in log, f"the installed host answers --version ({log.strip()})", log)

        # The administrator's change to the policy.
        shutil.copyfile(os.path.join(E2E, "data", "policy-route.json"), POLICY + ".new")
        os.replace(POLICY + ".new", POLICY)
        with open(POLICY, "rb") as fh:
            changed = fh.read()

        # -- upgrade ------------------------------------------------------
        rc, log = run(["apt-get", "install", "-y", "--no-install-recommends", *APT_CONF,
                       *new.values()], env=APT_ENV)
        tap.ok(rc == 0 and all(installed_version(p) == version for p in PACKAGES),
               f"apt-get install upgrades {prev_version} -> {version}", log[-3000:])
        with open(POLICY, "rb") as fh:
            tap.ok(fh.read() == changed, "the upgrade keeps the administrator's changed policy")
        tap.ok(not os.path.exists(POLICY + ".dpkg-new") and not os.path.exists(POLICY + ".dpkg-dist"),
               "no .dpkg-new/.dpkg-dist beside it (the shipped policy did not change)")

        # -- a fresh Thunderbird: extension active, policy in force -------
        st = tb_policy_state(out)
        tap.comment(f"fresh profile: {st}")
        st = st if isinstance(st, dict) else {}
        tap.ok(st.get("active") and st.get("background") == "running" and st.get("version") == version,
               "a fresh profile has the extension active at first start", st)
        tap.ok(st.get("policy_status") == 1 and st.get("extension_settings", {}) and
               st["extension_settings"].get("installation_mode") == "force_installed",
               "Thunderbird's enterprise policy force-installs it", st)
        tap.ok(st.get("can_disable") is False and st.get("can_uninstall") is False,
               "the user can neither disable nor remove it", st)
        tap.ok((st.get("managed") or {}).get("on_helper_failure") == "block",
               "managed setting on_helper_failure = block is in force", st)

        # -- the e2e cases against the installed packages -----------------
        run_e2e(out)

        # -- an administrator's own policies.json ------------------------
        merge_check(out)

        # -- the journal -------------------------------------------------
        journal_check(out)

        # -- remove: the policy stays -------------------------------------
        files = {p: package_files(p) for p in PACKAGES}
        rc, log = run(["apt-get", "remove", "-y", *PACKAGES], env=APT_ENV)
        tap.ok(rc == 0 and os.path.isfile(POLICY) and not os.path.exists(HOST)
               and not os.path.exists(MANIFEST) and not os.path.exists(XPI),
               "apt-get remove takes the programs away and keeps /etc/sealgate/policy.json", log[-2000:])

        # -- purge: nothing left ------------------------------------------
        rc, log = run(["apt-get", "purge", "-y", *PACKAGES], env=APT_ENV)
        tap.ok(rc == 0 and all(package_state(p) in ("unknown", "") or "not-installed" in package_state(p)
                               for p in PACKAGES),
               "apt-get purge", log[-2000:] + str({p: package_state(p) for p in PACKAGES}))
        shared = {"/.", "/etc", "/usr", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec", "/usr/share",
                  "/usr/share/doc", "/usr/share/man", "/usr/share/man/man1", "/usr/share/man/man8",
                  "/usr/share/locale", "/usr/share/locale/ja", "/usr/share/locale/ja/LC_MESSAGES",
                  "/usr/lib/thunderbird", "/usr/lib/mozilla"}
        # A directory another installed package also ships stays, rightly
        # (thunderbird-l10n-ja's /usr/lib/thunderbird/extensions); after the
        # purge dpkg names only the other owners.
        def owned_by_another(f):
            return subprocess.run(["dpkg-query", "-S", f], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode == 0

        left = sorted(f for p in PACKAGES for f in files[p]
                      if f not in shared and os.path.lexists(f) and not owned_by_another(f))
        tap.ok(not left, "nothing the packages installed is left", "\n".join(left))
        tap.ok(not os.path.exists("/etc/sealgate"), "/etc/sealgate is gone")
        alts = [f for f in os.listdir("/etc/alternatives") if "sealgate" in f]
        tap.ok(not alts, "no alternatives left", str(alts))
    except Exception as e:  # noqa: BLE001
        import traceback
        tap.ok(False, "the run finished without error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
    finally:
        if any(installed_version(p) for p in PACKAGES) or os.path.exists("/etc/sealgate"):
            run(["apt-get", "purge", "-y", *PACKAGES], env=APT_ENV)
        if admin_backup:
            os.makedirs(os.path.dirname(ADMIN_TB_POLICIES), exist_ok=True)
            shutil.move(admin_backup, ADMIN_TB_POLICIES)
        lockfh.close()
        if not a.keep and not a.out:
            shutil.rmtree(out, ignore_errors=True)
    print(f"1..{tap.n}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
