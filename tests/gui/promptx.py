"""X11 helpers shared by the gui tests, the prompt benchmark and
tools/screenshot-prompt.py: a private Xvfb on a free display (-displayfd, so
suites run in parallel), a watcher that sees windows being mapped (MapNotify
on the root, SubstructureNotify), and running sealgate-prompt on a decision."""
import json
import os
import pathlib
import re
import select
import subprocess
import sys
import time

try:
    import Xlib.display
    import Xlib.X
    import Xlib.protocol.event
except ImportError:  # python3-xlib is a Debian package; the interpreter may be another one
    sys.path.append("/usr/lib/python3/dist-packages")
    import Xlib.display
    import Xlib.X
    import Xlib.protocol.event

HERE = pathlib.Path(__file__).resolve().parent
PROMPT_CLASS = "sealgate-prompt"


class Xvfb:
    """A private Xvfb; .display is ":N". Use as a context manager."""

    def __init__(self, size="1280x1024x24"):
        r, w = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", size, "-nolisten", "tcp",
                                      "-noreset"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(w)
        buf = b""
        deadline = time.monotonic() + 20
        while not buf.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([r], [], [], 1)
            if ready:
                chunk = os.read(r, 64)
                if not chunk:
                    break
                buf += chunk
        os.close(r)
        if not buf.strip():
            self.proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + buf.decode().strip()

    def env(self, **extra):
        """The environment for a GTK client on this display, without GPU."""
        e = dict(os.environ)
        for k in ("WAYLAND_DISPLAY", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
            e.pop(k, None)
        e.update(DISPLAY=self.display, GDK_BACKEND="x11", GSK_RENDERER="cairo", LANG="C.UTF-8")
        e.update(extra)
        return e

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class MapWatcher:
    """Sees every top-level window mapped on the display, with its WM_CLASS."""

    def __init__(self, display):
        self.d = Xlib.display.Display(display)
        self.root = self.d.screen().root
        self.root.change_attributes(event_mask=Xlib.X.SubstructureNotifyMask)
        self.d.sync()

    def drain(self):
        while self.d.pending_events():
            self.d.next_event()

    def wait_map(self, wm_class=PROMPT_CLASS, timeout=10.0, proc=None):
        """Wait for a MapNotify of a window whose WM_CLASS contains wm_class
        (case-insensitive). Returns (window id, monotonic time of the event)
        or (None, None) on timeout or when proc exits first."""
        deadline = time.monotonic() + timeout
        fd = self.d.fileno()
        while time.monotonic() < deadline:
            while self.d.pending_events():
                ev = self.d.next_event()
                if ev.type != Xlib.X.MapNotify:
                    continue
                t = time.monotonic()
                try:
                    cls = ev.window.get_wm_class() or ()
                except Exception:  # the window may be gone already
                    cls = ()
                if any(wm_class.lower() in c.lower() for c in cls):
                    return ev.window.id, t
            if proc is not None and proc.poll() is not None:
                return None, None
            select.select([fd], [], [], 0.05)
        return None, None

    def count_maps(self):
        """Number of MapNotify events pending (drains them)."""
        n = 0
        while self.d.pending_events():
            if self.d.next_event().type == Xlib.X.MapNotify:
                n += 1
        return n

    def title(self, wid):
        w = self.d.create_resource_object("window", wid)
        net = w.get_full_property(self.d.intern_atom("_NET_WM_NAME"), self.d.intern_atom("UTF8_STRING"))
        if net:
            v = net.value
            return v.decode("utf-8") if isinstance(v, bytes) else str(v)
        return w.get_wm_name()

    def close_window(self, wid):
        """What a window manager does on the close button: WM_DELETE_WINDOW."""
        w = self.d.create_resource_object("window", wid)
        proto = self.d.intern_atom("WM_PROTOCOLS")
        delete = self.d.intern_atom("WM_DELETE_WINDOW")
        ev = Xlib.protocol.event.ClientMessage(window=w, client_type=proto, data=(32, [delete, Xlib.X.CurrentTime,
                                                                                           0, 0, 0]))
        w.send_event(ev, event_mask=Xlib.X.NoEventMask)
        self.d.flush()

    def close(self):
        self.d.close()


# The one catalog of user texts (catalog/texts.json) by id: the tests read
# the window's texts from it, as a screen reader must hear them.
CATALOG = {t["id"]: t for t in json.loads(
    (HERE.parents[1] / "catalog" / "texts.json").read_text(encoding="utf-8"))["texts"]}


def label(tid, lang, *args):
    """Catalog text `tid` in `lang` without the mnemonic markup ("(_B)", "_"),
    its {1}, {2}, ... replaced by args."""
    s = re.sub(r"\(_.\)|_", "", CATALOG[tid][lang])
    for i, a in enumerate(args, 1):
        s = s.replace("{%d}" % i, a)
    return s


def decision(name):
    return json.loads((HERE / "data" / name).read_text(encoding="utf-8"))


def confirm_decision(check_all):
    """decision-1.json with the confirmation checklist (prompt.confirm): Bob,
    the look-alike Carol in Cc and one attachment; "Check all" if check_all."""
    d = decision("decision-1.json")
    d["recipients"][0].update(confirm=True, lookalike=False, to_bcc=False)
    d["recipients"].append({"address": "carol@c0rp.example", "display_name": None, "domain": "c0rp.example",
                            "field": "cc", "class": "external", "rule": "external_domain", "matched": None,
                            "group": None, "confirm": True, "lookalike": True, "to_bcc": False})
    d["reasons"].append({"code": "confirm", "action": "prompt", "trigger": None, "detail": "confirm 3 items",
                         "items": []})
    d["missend"] = {"confirm": "external", "confirm_attachments": True, "allow_check_all": check_all,
                    "show_sender": True, "sender": "Alice Example <alice@corp.example>", "bcc_mode": "off",
                    "bcc_placeholder": None, "delay_seconds": 0, "delay_skippable": False, "delay_mode": "countdown",
                    "attachments": [{"name": "plan.pdf", "size": 123456, "content_type": "application/pdf"}]}
    return d


def with_recipients(d, n):
    """A copy of decision d with n recipients: d's recipients repeated with
    numbered addresses, externals spread over a few domains."""
    d = json.loads(json.dumps(d))
    base = d["recipients"]
    out = []
    for i in range(n):
        r = dict(base[i % len(base)])
        local, _, dom = r["address"].partition("@")
        if r["class"] == "external":
            dom = f"d{i % 7}.{dom}"
        r["address"] = f"{local}{i}@{dom}"
        r["domain"] = dom
        out.append(r)
    d["recipients"] = out
    return d


def start_prompt(prompt, d, env, args=()):
    """Start sealgate-prompt with decision d (dict or bytes) on stdin; stdin is
    written and closed before returning. Returns the Popen."""
    data = d if isinstance(d, bytes) else json.dumps(d, ensure_ascii=False).encode("utf-8")
    p = subprocess.Popen([prompt, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    try:
        p.stdin.write(data)
        p.stdin.close()
    except BrokenPipeError:
        pass
    p.stdin = None  # closed: communicate() must not touch it
    return p


def xdotool(env, *args):
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=30)


def keys(env, *seq, delay=0.2):
    """Press each key of seq (xdotool names) in the display of env, `delay`
    seconds apart."""
    for k in seq:
        xdotool(env, "key", "--clearmodifiers", k)
        time.sleep(delay)


def finish(p, timeout=10):
    """Wait for prompt process p (killing it after `timeout` seconds):
    (exit code, stdout, stderr) as text."""
    try:
        out, err = p.communicate(timeout=timeout)
    except Exception:  # noqa: BLE001
        p.kill()
        out, err = p.communicate()
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def open_prompt(prompt, localedir, x, watch, d, args=()):
    """Start the prompt with decision d in display x, wait for its window
    (watch: an X map watcher) and focus it. Returns (Popen, window id)."""
    watch.drain()
    p = start_prompt(prompt, d, x.env(SEALGATE_LOCALEDIR=localedir), args)
    wid, _ = watch.wait_map(proc=p)
    if wid is not None:
        xdotool(x.env(), "windowfocus", "--sync", str(wid))
        time.sleep(0.3)
    return p, wid


def stop(p):
    """End prompt process p if it still runs, and reap it."""
    if p.poll() is None:
        p.kill()
    p.communicate()
