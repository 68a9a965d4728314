#!/usr/bin/env python3
"""sealgate: the Thunderbird demo (the second half of tools/demo.sh).

Builds the tree, then starts, all in a throwaway directory:
- a HOME with the native-messaging manifest for the built sealgate-host;
- a private Postfix gateway on 127.0.0.1 with its "portal" and "internet"
  SMTP sinks (tests/e2e/lib/gateway.py);
- a visible Thunderbird on a fresh profile (identity alice@corp.example, SMTP
  to the gateway, no account wizard) with the extension installed, the policy
  SEALGATE_POLICY=examples/demo-policy.json, and a compose window open.
It prints what to try, then every message the sinks receive, until
Thunderbird exits or Ctrl-C; then it stops everything it started and removes
the directory. /etc/thunderbird/policies is not touched.

    sudo python3 tools/demo-thunderbird.py [--no-build] [--keep] [--self-test]

Needs root (Postfix is started as root and drops to `postfix`) and a display
(DISPLAY). --self-test sends the compose window's message to someone@example.net
through Thunderbird, answers the prompt window with the keyboard ("Send
through the secure portal"), checks that the portal sink got it with the
route header and the subject tag, and exits (0 = passed). --keep leaves the directory (its
path is printed): Thunderbird's log, the Postfix log, the sink spools.
"""
import argparse
import email
import email.policy
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))

from lib.gateway import Gateway  # noqa: E402
from lib.thunderbird import Thunderbird  # noqa: E402
from lib import xdisplay  # noqa: E402

EXT_ID = "sealgate@sealgate.example"
HOST_NAME = "sealgate.host"
BUILD = os.environ.get("SEALGATE_BUILD_DIR") or os.path.join(TOP, "build")
HOST = os.path.join(BUILD, "thunderbird-native", "host", "sealgate-host")
PROMPT = os.path.join(BUILD, "gtk-prompt", "sealgate-prompt")
LOCALEDIR = os.path.join(BUILD, "gtk-prompt", "po")
EXTENSION = os.path.join(TOP, "thunderbird-native", "extension")
POLICY = os.path.join(TOP, "examples", "demo-policy.json")

DEMO_TO = "someone@example.net"
DEMO_SUBJECT = "Quarterly figures"
DEMO_BODY = ("Hello,\n\nthe figures you asked for are below.\n\n"
             "Alice\n")


def say(*a):
    print(*a, flush=True)


class Stop(Exception):
    """SIGTERM / SIGHUP: leave the wait loop and clean up."""


class SinkWatcher:
    """Prints each message the sinks store, once."""

    def __init__(self, sinks):
        self.sinks = sinks
        self.seen = set()

    def poll(self):
        new = []
        for sink in self.sinks:
            try:
                names = [f for f in os.listdir(sink.spool) if f.endswith(".eml")]
            except OSError:
                continue
            for f in sorted(names, key=lambda f: int(f.split(".")[0])):
                path = os.path.join(sink.spool, f)
                if path in self.seen:
                    continue
                self.seen.add(path)
                with open(path, "rb") as fh:
                    msg = email.message_from_binary_file(fh, policy=email.policy.default)
                meta = {}
                try:
                    with open(path[:-4] + ".json", encoding="utf-8") as fh:
                        meta = json.load(fh)
                except (OSError, ValueError):
                    pass
                route = msg.get("X-SecureSend-Route")
                rcpts = ", ".join(meta.get("rcpt_to") or []) or str(msg.get("To", ""))
                say(f"  >> {sink.name} sink: to {rcpts} | subject: {msg.get('Subject', '')!s} | "
                    f"X-SecureSend-Route: {route if route is not None else '(none)'}")
                new.append((sink.name, msg, meta))
        return new


def build():
    if not os.path.isfile(os.path.join(BUILD, "build.ninja")):
        subprocess.run(["meson", "setup", BUILD, TOP], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", BUILD], check=True, stdout=subprocess.DEVNULL)


def xauthority():
    """The X authority file of whoever ran us (HOME is replaced for Thunderbird)."""
    xa = os.environ.get("XAUTHORITY")
    if xa:
        return xa
    homes = []
    if os.environ.get("SUDO_USER"):
        try:
            homes.append(pwd.getpwnam(os.environ["SUDO_USER"]).pw_dir)
        except KeyError:
            pass
    homes.append(os.path.expanduser("~"))
    for h in homes:
        p = os.path.join(h, ".Xauthority")
        if os.path.isfile(p):
            return p
    return None


def stop_thunderbird(tb):
    """Close open compose windows and notices without saving (a "save this
    draft?" question would hold up the quit), then quit Thunderbird and kill
    what is left of its session (content processes, sealgate-host)."""
    if tb.m and tb.proc and tb.proc.poll() is None:
        try:
            tb.m.set_context("chrome")
            tb.m.execute(r"""
              for (const type of ["mail:extensionPopup", "msgcompose"]) {
                for (const w of Services.wm.getEnumerator(type)) {
                  w.gContentChanged = false;
                  if (w.gMsgCompose) w.gMsgCompose.bodyModified = false;
                  w.close();
                }
              }""", timeout=5)
        except Exception:  # noqa: BLE001
            pass
    tb.stop(timeout=10)


def instructions(gw, workdir):
    say(f"""
== sealgate Thunderbird demo is running ==
  gateway: Postfix on 127.0.0.1:{gw.port}; portal sink :{gw.portal.port}, internet sink :{gw.internet.port}
  policy:  SEALGATE_POLICY={POLICY}
  files:   {workdir}

Thunderbird is open as alice@corp.example with a message to {DEMO_TO}. Try:
  1. Send it: a window asks how to send it outside the organisation.
     "Send through the secure portal": the portal sink gets it with
     "X-SecureSend-Route: portal" and the subject "[secure] ...".
     "Send without encryption": it goes to the internet sink as written.
     "Back to editing" (or Escape): nothing is sent, the draft stays open.
     Every answer is recorded in the audit log:
     {os.path.join(workdir, "home", ".local", "state", "sealgate", "audit")}
  2. Write to bob@corp.example (internal): it goes out as written, to the
     internet sink, without a route header.
  3. Write to someone@example.net again with a card number such as
     4111 1111 1111 1111 in the body: sealgate blocks it, the draft stays
     open and a window says why; nothing reaches the gateway. (The policy
     only looks at the content of mail that leaves the organisation.)
(File > New > Message for more.) Each message the sinks receive is shown
below. Quit Thunderbird or press Ctrl-C to end the demo and clean up.
""")


def self_test(tb, tag, gw, watcher, timeout=40):
    say(f"self-test: sending the compose window's message to {DEMO_TO} through Thunderbird")
    tb.send(tag, close_timeout=0)
    display = os.environ["DISPLAY"]
    wid = xdisplay.wait_prompt(display, timeout=30)
    if wid is None:
        say(f"self-test: FAILED: no prompt window appeared (notices {tb.notices()})")
        return False
    say(f"self-test: the prompt window is open ({xdisplay.window_name(display, wid)!r}); "
        "choosing \"Send through the secure portal\" with the keyboard")
    xdisplay.answer_prompt(display, wid, "route:portal")
    closed = False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not closed:
        closed = tb.send_state(tag) == "closed"
        time.sleep(0.1)
    if not closed:
        say(f"self-test: FAILED: the compose window did not close (state {tb.send_state(tag)}, "
            f"notices {tb.notices()})")
        return False
    deadline = time.monotonic() + timeout
    got = []
    while time.monotonic() < deadline and not got:
        got = [m for m in watcher.poll() if m[0] == "portal"]
        time.sleep(0.2)
    if not got:
        say(f"self-test: FAILED: nothing reached the portal sink in {timeout}s "
            f"(internet sink: {gw.internet.count()} message(s))")
        return False
    _name, msg, meta = got[0]
    problems = []
    if str(msg.get("X-SecureSend-Route", "")).strip().lower() != "portal":
        problems.append(f"route header {msg.get('X-SecureSend-Route')!r}")
    if not str(msg.get("Subject", "")).startswith("[secure]"):
        problems.append(f"subject {msg.get('Subject')!r}")
    if DEMO_TO not in (meta.get("rcpt_to") or []):
        problems.append(f"recipients {meta.get('rcpt_to')!r}")
    if gw.internet.count():
        problems.append(f"{gw.internet.count()} message(s) also in the internet sink")
    if problems:
        say("self-test: FAILED: " + "; ".join(problems))
        return False
    say("self-test: passed (portal sink, X-SecureSend-Route: portal, subject tagged [secure])")
    return True


def main():
    ap = argparse.ArgumentParser(description="sealgate Thunderbird demo")
    ap.add_argument("--no-build", action="store_true", help="do not run meson/ninja first")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--self-test", action="store_true",
                    help="send the demo message, check the portal sink got it, exit")
    ap.add_argument("--lang", choices=("ja", "en"), default=None,
                    help="Thunderbird's UI language (ja needs the thunderbird-l10n-ja package, "
                         "tools/install-deps.sh e2e); the extension and the prompt follow it")
    a = ap.parse_args()

    if not os.environ.get("DISPLAY"):
        say("demo-thunderbird: no display (DISPLAY is unset); run it from a graphical session:")
        say(f"  sudo --preserve-env=DISPLAY,XAUTHORITY python3 {os.path.abspath(__file__)}")
        return 0
    if os.geteuid() != 0:
        say("demo-thunderbird: needs root (it starts a private Postfix); run:")
        say(f"  sudo --preserve-env=DISPLAY,XAUTHORITY python3 {os.path.abspath(__file__)}")
        return 1
    missing = [p for p in ("thunderbird", "postfix") if not shutil.which(p)
               and not os.path.exists(f"/usr/sbin/{p}")]
    if missing:
        say(f"demo-thunderbird: missing {', '.join(missing)} (tools/install-deps.sh e2e)")
        return 1
    if not a.no_build:
        say("building (meson/ninja in build/)")
        build()
    for exe in (HOST, PROMPT):
        if not os.access(exe, os.X_OK):
            say(f"demo-thunderbird: {exe} is missing; build first")
            return 1

    def on_signal(signum, _frame):
        raise Stop(signal.Signals(signum).name)

    # Ctrl-C raises KeyboardInterrupt even when started with SIGINT ignored
    # (e.g. in the background of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    workdir = tempfile.mkdtemp(prefix="sealgate-demo-")
    os.chmod(workdir, 0o755)  # the postfix user must reach the gateway's directories
    home = os.path.join(workdir, "home")
    manifest = os.path.join(home, ".mozilla", "native-messaging-hosts", f"{HOST_NAME}.json")
    os.makedirs(os.path.dirname(manifest))
    with open(manifest, "w", encoding="utf-8") as fh:
        json.dump({"name": HOST_NAME, "description": "sealgate secure-send helper",
                   "path": os.path.realpath(HOST), "type": "stdio",
                   "allowed_extensions": [EXT_ID]}, fh, indent=2)
    env = {"HOME": home, "SEALGATE_POLICY": POLICY,
           "XDG_CONFIG_HOME": os.path.join(home, ".config"),
           "XDG_CACHE_HOME": os.path.join(home, ".cache"),
           "TMPDIR": os.path.join(workdir, "tmp")}
    env.update(xdisplay.prompt_env(PROMPT, LOCALEDIR))
    os.makedirs(env["TMPDIR"])
    xa = xauthority()
    if xa:
        env["XAUTHORITY"] = xa

    gw = tb = None
    rc = 0
    try:
        say("starting the gateway (private Postfix + portal and internet sinks)")
        gw = Gateway(os.path.join(workdir, "gateway"))
        gw.start()
        say(f"starting Thunderbird on {os.environ['DISPLAY']} (log: "
            f"{os.path.join(workdir, 'thunderbird-demo.log')})")
        prefs = f'user_pref("intl.locale.requested", "{a.lang}");\n' if a.lang else ""
        if a.lang:
            env["LANGUAGE"] = a.lang
        tb = Thunderbird(workdir, gw.port, env=env, name="demo", headless=False, extra_prefs=prefs)
        tb.start(timeout=120)
        tb.install_extension(EXTENSION)
        tag = tb.compose(to=[DEMO_TO], subject=DEMO_SUBJECT, body=DEMO_BODY)
        watcher = SinkWatcher([gw.portal, gw.internet])
        if a.self_test:
            rc = 0 if self_test(tb, tag, gw, watcher) else 1
        else:
            instructions(gw, workdir)
            while tb.proc.poll() is None:
                watcher.poll()
                time.sleep(0.5)
            watcher.poll()
            say("Thunderbird has exited.")
    except KeyboardInterrupt:
        say("\ninterrupted")
    except Stop as e:
        say(f"\n{e}: stopping")
    except Exception as e:  # noqa: BLE001
        say(f"demo-thunderbird: {type(e).__name__}: {e}")
        if tb:
            say("--- end of Thunderbird's log ---\n" + tb.log()[-3000:])
        rc = 1
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        say("cleaning up: Thunderbird, Postfix, sinks" + ("" if a.keep else ", " + workdir))
        if gw and gw.master_pid():
            gw.running = True  # interrupted between `postfix start` and its bookkeeping
        for step in (lambda: tb and stop_thunderbird(tb), lambda: gw and gw.stop()):
            try:
                step()
            except Exception as e:  # noqa: BLE001
                say(f"clean-up problem: {e!r}")
                rc = rc or 1
        if a.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
