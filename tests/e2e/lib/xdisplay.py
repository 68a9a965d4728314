"""A private Xvfb display for tests, and the sealgate-prompt window on it,
answered with real key presses (xdotool)."""
import os
import shutil
import subprocess
import time

PROMPT_CLASS = "sealgate-prompt"


class Xvfb:
    """Xvfb on the first free display number (-displayfd), stopped by stop()."""

    def __init__(self, size="1280x1024x24"):
        self.size = size
        self.proc = None
        self.display = None

    def start(self, timeout=20):
        if not shutil.which("Xvfb"):
            raise RuntimeError("Xvfb is not installed (tools/install-deps.sh e2e)")
        r, w = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", self.size,
                                      "-nolisten", "tcp", "-noreset"],
                                     pass_fds=(w,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(w)
        buf = b""
        deadline = time.monotonic() + timeout
        with os.fdopen(r, "rb", buffering=0) as fh:
            while not buf.endswith(b"\n") and time.monotonic() < deadline:
                chunk = fh.read(16)
                if not chunk:
                    break
                buf += chunk
        if not buf.strip():
            self.stop()
            raise RuntimeError("Xvfb did not report a display number")
        self.display = ":" + buf.decode().strip()
        return self

    def env(self):
        return {"DISPLAY": self.display}

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def xdotool(display, *args, timeout=20):
    env = dict(os.environ, DISPLAY=display)
    p = subprocess.run(["xdotool", *args], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def wait_prompt(display, timeout=30):
    """The window id of the visible sealgate-prompt window, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rc, out, _ = xdotool(display, "search", "--onlyvisible", "--class", PROMPT_CLASS)
        if rc == 0 and out:
            return out.splitlines()[-1]
        time.sleep(0.1)
    return None


def prompt_gone(display, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rc, out, _ = xdotool(display, "search", "--onlyvisible", "--class", PROMPT_CLASS)
        if rc != 0 or not out:
            return True
        time.sleep(0.1)
    return False


def window_name(display, wid):
    rc, out, _ = xdotool(display, "getwindowname", wid)
    return out if rc == 0 else None


def press(display, wid, *keys, delay_ms=60):
    """Give the window the input focus and press keys one after the other
    (xdotool key names: "Tab", "Return", "Escape", "alt+p"). Real key events
    through XTEST, not XSendEvent (GTK ignores synthetic events); Xvfb has no
    window manager, so focus is set directly."""
    xdotool(display, "windowfocus", "--sync", wid)
    time.sleep(0.2)  # let GTK settle focus before the first key
    for k in keys:
        xdotool(display, "key", "--clearmodifiers", k)
        time.sleep(delay_ms / 1000.0)


def type_text(display, wid, text):
    """Type text. Characters that are not on the keyboard map (Japanese) are
    first bound to spare keycodes, all at once, through python3-xlib:
    xdotool's own on-the-fly remapping of one scratch keycode loses or repeats
    characters when they follow each other quickly."""
    xdotool(display, "windowfocus", "--sync", wid)
    extra = sorted({ch for ch in text if ord(ch) > 0x7E})
    restore = bind_keysyms(display, extra) if extra else None
    try:
        for ch in text:
            if ord(ch) > 0x7E:
                xdotool(display, "key", "--clearmodifiers", f"U{ord(ch):04X}")
            else:
                xdotool(display, "type", "--clearmodifiers", "--delay", "20", ch)
            time.sleep(0.03)
    finally:
        if restore:
            restore()


def bind_keysyms(display, chars):
    """Bind each character's Unicode keysym to a keycode that has none; return
    a function that unbinds them."""
    import sys
    try:
        import Xlib.display
    except ImportError:  # Debian's python3-xlib; the interpreter may be another one
        sys.path.append("/usr/lib/python3/dist-packages")
        import Xlib.display
    d = Xlib.display.Display(display)
    first = d.display.info.min_keycode
    count = d.display.info.max_keycode - first + 1
    mapping = d.get_keyboard_mapping(first, count)
    free = [first + i for i, syms in enumerate(mapping) if not any(syms)]
    if len(free) < len(chars):
        d.close()
        raise RuntimeError(f"only {len(free)} spare keycodes for {len(chars)} characters")
    used = []
    for kc, ch in zip(free, chars):
        keysym = 0x01000000 + ord(ch)
        d.change_keyboard_mapping(kc, [(keysym, keysym)])
        used.append(kc)
    d.sync()
    time.sleep(0.2)  # let clients see the MappingNotify

    def restore():
        for kc in used:
            d.change_keyboard_mapping(kc, [(0, 0)])
        d.sync()
        d.close()
    return restore

def prompt_env(prompt, localedir):
    """What the host needs to start the real prompt from a build tree (GTK on
    Xvfb, no GPU)."""
    env = {"SEALGATE_PROMPT": prompt, "GDK_BACKEND": "x11", "GSK_RENDERER": "cairo"}
    if localedir:
        env["SEALGATE_LOCALEDIR"] = localedir
    return env


# The English dialog's mnemonics (gtk-prompt/prompt-model.c's button labels);
# "Back to editing" also has the focus, and Escape is the same as it.
# An option's access key selects it; Enter presses the primary button for a
# protective option. "Send without encryption": Enter does nothing, so Tab
# past "Back to editing" to the primary button and press Space.
PROMPT_KEYS = {"encrypt": ("alt+e", "Return"), "route:portal": ("alt+p", "Return"),
               "route:smime": ("alt+s", "Return"), "route:pgp": ("alt+o", "Return"),
               "route:zip": ("alt+z", "Return"), "send": ("alt+w", "Tab", "Tab", "space"), "cancel": ("Escape",)}


def answer_prompt(display, wid, choice, justification=None):
    """Choose `choice` in the prompt window with real key presses; for "send"
    under a policy that requires a justification, Tab from the preset reasons
    (where the reason step opens) to the field, type it and confirm."""
    press(display, wid, *PROMPT_KEYS[choice])
    if justification is not None:
        time.sleep(0.3)
        press(display, wid, "Tab")
        time.sleep(0.2)
        type_text(display, wid, justification)
        time.sleep(0.2)
        press(display, wid, "alt+c")
