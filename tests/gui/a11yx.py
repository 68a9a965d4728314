"""The accessibility side of the gui tests: a private D-Bus session bus and
AT-SPI registry (at-spi-bus-launcher) for one Xvfb, and a reader of the tree
and of the events through libatspi (gir1.2-atspi-2.0), as a screen reader
reads them. The process that imports this module talks to the bus given to
start(): call start() before the first Atspi call."""
import os
import subprocess
import sys
import time

LAUNCHER = "/usr/libexec/at-spi-bus-launcher"


class Bus:
    """A private session bus with the AT-SPI bus launcher on it. .env() is the
    environment for a client (prompt or xdotool) on display x."""

    def __init__(self, x):
        self.x = x
        env = x.env()
        self.bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.address = self.bus.stdout.readline().decode().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon gave no address")
        env["DBUS_SESSION_BUS_ADDRESS"] = self.address
        self.launcher = subprocess.Popen([LAUNCHER, "--launch-immediately"], env=env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.address
        os.environ["DISPLAY"] = x.display
        # the a11y bus is up when the launcher answers GetAddress
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = subprocess.run(["dbus-send", "--session", "--print-reply", "--dest=org.a11y.Bus", "/org/a11y/bus",
                                "org.a11y.Bus.GetAddress"], env=env, capture_output=True, text=True)
            if r.returncode == 0 and "unix:" in r.stdout:
                break
            time.sleep(0.1)
        else:
            self.close()
            raise RuntimeError("the AT-SPI bus did not start")

    def env(self, **extra):
        return self.x.env(DBUS_SESSION_BUS_ADDRESS=self.address, **extra)

    def close(self):
        for p in (self.launcher, self.bus):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def atspi():
    """The Atspi module (gir1.2-atspi-2.0), initialised."""
    try:
        import gi
    except ImportError:  # python3-gi is a Debian package; the interpreter may be another one
        sys.path.append("/usr/lib/python3/dist-packages")
        import gi
    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi
    Atspi.init()
    return Atspi


class Reader:
    """Focus events and the tree of one application, by process id."""

    def __init__(self, Atspi):
        from gi.repository import GLib
        self.A = Atspi
        self.ctx = GLib.MainContext.default()
        self.events = []
        self.listener = Atspi.EventListener.new(self._on_event)
        self.listener.register("object:state-changed:focused")

    def _on_event(self, e):
        if os.environ.get("A11Y_DEBUG"):
            print("# event", e.type, e.detail1, e.source, file=sys.stderr)
        if not e.detail1:
            return
        try:
            src = e.source
            self.events.append((time.monotonic(), src.get_process_id(), src.get_role_name(), src.get_name(), src))
        except Exception as ex:  # the object is gone already
            if os.environ.get("A11Y_DEBUG"):
                print("# event source gone:", ex, file=sys.stderr)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            while self.ctx.iteration(False):
                pass
            time.sleep(0.01)

    def clear(self):
        self.pump(0.05)
        self.events.clear()

    def wait_focus(self, pid, timeout=5.0, want=None):
        """The next focus event of process pid (matching want(role, name) if
        given) as (role, name, accessible), or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            while self.ctx.iteration(False):
                pass
            while self.events:
                _, p, role, name, src = self.events.pop(0)
                if p == pid and (want is None or want(role, name)):
                    return role, name, src
            time.sleep(0.01)
        return None

    def app(self, pid, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            desk = self.A.get_desktop(0)
            for i in range(desk.get_child_count()):
                a = desk.get_child_at_index(i)
                try:
                    if a is not None and a.get_process_id() == pid and a.get_child_count() > 0:
                        return a
                except Exception:
                    pass
            self.pump(0.1)
        return None

    def states(self, acc):
        ss = acc.get_state_set()
        names = ("focusable", "focused", "required", "expanded", "expandable", "modal", "sensitive", "showing",
                 "selectable", "is_default", "editable", "checked")
        return {n for n in names if ss.contains(getattr(self.A.StateType, n.upper()))}

    def walk(self, acc, depth=0):
        """Every accessible under acc (acc first), depth first."""
        yield acc, depth
        for i in range(acc.get_child_count()):
            c = acc.get_child_at_index(i)
            if c is not None:
                yield from self.walk(c, depth + 1)
