#!/usr/bin/env python3
"""Screenshot of the sealgate options page in a real Thunderbird, for the user
guide (docs/user/options-en.png, and options-ja.png when Thunderbird can run
in Japanese).

    tools/screenshot-options.py [BUILD-DIR] [--out DIR] [--keep]

What it does:
  - builds the host if BUILD-DIR/thunderbird-native/host/sealgate-host is
    missing (`meson setup` + `ninja`; BUILD-DIR defaults to build-lead);
  - starts `Xvfb :99 -screen 0 1280x900x24` (killed at the end);
  - makes a temporary HOME with ~/.mozilla/native-messaging-hosts/
    sealgate.host.json pointing at the built host, and a fresh profile
    (tests/e2e/lib/thunderbird.py's user.js);
  - starts Thunderbird *not* headless on DISPLAY=:99 with Marionette and
    SEALGATE_POLICY=examples/demo-policy.json, installs the extension
    temporarily, opens moz-extension://<uuid>/options.html in a tab, clicks
    "Check the installation", waits for the result, and captures the screen
    with ImageMagick (`import -window root -display :99`);
  - then tries once more with the UI locale set to Japanese
    (intl.locale.requested=ja, -UILocale ja). Thunderbird only switches when a
    ja language pack is available; if the UI stays in English no ja
    screenshot is written (the script says so).

Only tests/e2e/lib is used (imported by path; its options_page module drives
the page, as the e2e options cases do). No root needed:
nothing touches /etc.
"""
import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXT_ID = "sealgate@sealgate.example"
DISPLAY = ":99"


def load_e2e_lib():
    """Import tests/e2e/lib as a package named e2elib (it uses relative imports)."""
    libdir = os.path.join(ROOT, "tests", "e2e", "lib")
    spec = importlib.util.spec_from_file_location(
        "e2elib", os.path.join(libdir, "__init__.py"), submodule_search_locations=[libdir])
    pkg = importlib.util.module_from_spec(spec)
    sys.modules["e2elib"] = pkg
    spec.loader.exec_module(pkg)
    import e2elib.options_page  # noqa: E402  (now importable)
    import e2elib.thunderbird  # noqa: E402
    return e2elib.thunderbird, e2elib.options_page


tbmod, options_page = load_e2e_lib()


def log(msg):
    print(f"screenshot-options: {msg}", flush=True)


def ensure_host(build_dir):
    host = os.path.join(build_dir, "thunderbird-native", "host", "sealgate-host")
    if not os.access(host, os.X_OK):
        if not os.path.exists(os.path.join(build_dir, "build.ninja")):
            log(f"meson setup {build_dir}")
            subprocess.run(["meson", "setup", build_dir, ROOT], check=True)
        log(f"ninja -C {build_dir}")
        subprocess.run(["ninja", "-C", build_dir], check=True)
    if not os.access(host, os.X_OK):
        sys.exit(f"screenshot-options: {host} was not built")
    return os.path.realpath(host)


def start_xvfb():
    if os.path.exists("/tmp/.X11-unix/X99") or os.path.exists("/tmp/.X99-lock"):
        sys.exit("screenshot-options: display :99 is already in use (/tmp/.X99-lock)")
    proc = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if os.path.exists("/tmp/.X11-unix/X99"):
            return proc
        if proc.poll() is not None:
            sys.exit("screenshot-options: Xvfb exited")
        time.sleep(0.1)
    proc.kill()
    sys.exit("screenshot-options: Xvfb did not start")


def write_manifest(home, host):
    d = os.path.join(home, ".mozilla", "native-messaging-hosts")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "sealgate.host.json"), "w", encoding="utf-8") as fh:
        json.dump({"name": "sealgate.host", "description": "sealgate secure-send helper",
                   "path": host, "type": "stdio", "allowed_extensions": [EXT_ID]}, fh, indent=2)
        fh.write("\n")


def shoot(workdir, home, host, ext_dir, policy, out_png, name, locale=None):
    """One Thunderbird run; returns the app locale Thunderbird ended up with."""
    extra_args, extra_prefs = [], ""
    if locale:
        extra_args = ["-UILocale", locale]
        extra_prefs = (f'user_pref("intl.locale.requested", "{locale}");\n'
                       'user_pref("intl.multilingual.enabled", true);\n')
    env = {"HOME": home, "SEALGATE_POLICY": policy, "DISPLAY": DISPLAY}
    tb = tbmod.Thunderbird(workdir, smtp_port=tbmod.free_port(), env=env, name=name, headless=False,
                           extra_args=extra_args, extra_prefs=extra_prefs)
    tb.start(timeout=120)
    try:
        m = tb.m
        app_locale = m.execute("return Services.locale.appLocaleAsBCP47;")
        log(f"[{name}] Thunderbird app locale: {app_locale}")
        # Fill the screen: there is no window manager under Xvfb.
        m.execute(r"""
          const w = Services.wm.getMostRecentWindow("mail:3pane");
          w.moveTo(0, 0); w.resizeTo(1280, 900); w.focus();""")
        tb.install_extension(ext_dir)
        host_name = options_page.extension_host(m, EXT_ID)
        if not host_name:
            raise RuntimeError("extension policy not found")
        log(f"[{name}] opening moz-extension://{host_name}/options.html")
        options_page.open_options(m, host_name)
        # Wait for the page to have loaded the helper's answer.
        state = options_page.wait_dom(m, host_name, r"""
          return {loading: !document.getElementById("helper-status").hidden,
                  unreachable: !document.getElementById("unreachable").hidden,
                  version: document.getElementById("version").textContent,
                  lang: document.documentElement.lang,
                  title: document.querySelector("h1").textContent};""", lambda v: not v["loading"])
        log(f"[{name}] options page: {state}")
        r = options_page.click_check(m, host_name)
        log(f"[{name}] Check the installation: {r}")
        doc = options_page.wait_dom(m, host_name, r"""
          return {status: document.getElementById("doctor-status").textContent,
                  rows: document.querySelectorAll("#doctor-checks tr").length,
                  running: document.getElementById("check").disabled};""",
                                    lambda v: not v["running"] and (v["rows"] or v["status"]))
        log(f"[{name}] doctor: {doc}")
        time.sleep(1.0)  # let the page paint
        subprocess.run(["import", "-window", "root", "-display", DISPLAY, out_png], check=True)
        log(f"[{name}] wrote {out_png}")
        return app_locale
    finally:
        tb.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build_dir", nargs="?", default=os.path.join(ROOT, "build-lead"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "user"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    host = ensure_host(os.path.abspath(args.build_dir))
    ext_dir = os.path.join(ROOT, "thunderbird-native", "extension")
    policy = os.path.join(ROOT, "examples", "demo-policy.json")
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sealgate-shot-")
    home = os.path.join(work, "home")
    write_manifest(home, host)
    xvfb = start_xvfb()

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    rc = 0
    try:
        shoot(work, home, host, ext_dir, policy, os.path.join(args.out, "options-en.png"), "en")
        ja_png = os.path.join(args.out, "options-ja.png")
        tmp_png = os.path.join(work, "options-ja.png")
        try:
            got = shoot(work, home, host, ext_dir, policy, tmp_png, "ja", locale="ja")
        except Exception as e:  # noqa: BLE001
            got = None
            log(f"[ja] run failed: {e}")
        if got and got.startswith("ja"):
            shutil.copyfile(tmp_png, ja_png)
            log(f"wrote {ja_png}")
        else:
            log(f"Thunderbird stayed in {got!r} (no ja language pack installed): "
                "no Japanese screenshot; use options-en.png for both guides")
    except KeyboardInterrupt:
        rc = 1
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(5)
        except subprocess.TimeoutExpired:
            xvfb.kill()
            xvfb.wait()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
