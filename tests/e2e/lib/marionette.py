"""A minimal Marionette client (the protocol geckodriver speaks to Gecko).

Wire format: TCP to 127.0.0.1:<port>; every packet is `<decimal length>:<json>`.
The server speaks first (greeting `{"applicationType": "gecko",
"marionetteProtocol": 3}`); a command is `[0, msgid, name, params]`, its reply
`[1, msgid, error, result]` (error null on success). Every call has a timeout.
"""
import json
import socket
import time


class MarionetteError(Exception):
    def __init__(self, error):
        self.error = error
        msg = error.get("message") if isinstance(error, dict) else str(error)
        kind = error.get("error") if isinstance(error, dict) else ""
        super().__init__(f"{kind}: {msg}")


class Marionette:
    def __init__(self, host="127.0.0.1", port=2828):
        self.host, self.port = host, port
        self.sock = None
        self.msgid = 0
        self._buf = b""
        self.greeting = None

    # -- connection --------------------------------------------------------
    def connect(self, timeout=60):
        """Connect, retrying until Marionette listens or timeout passes."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                self.sock = socket.create_connection((self.host, self.port), timeout=5)
                self.sock.settimeout(10)
                self.greeting = self._recv(deadline=time.monotonic() + 10)
                return self
            except (OSError, ValueError) as e:
                last = e
                if self.sock:
                    self.sock.close()
                    self.sock = None
                time.sleep(0.25)
        raise TimeoutError(f"marionette on {self.host}:{self.port} not ready in {timeout}s: {last}")

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def _send(self, obj):
        data = json.dumps(obj).encode("utf-8")
        self.sock.sendall(str(len(data)).encode("ascii") + b":" + data)

    def _recv(self, deadline):
        while True:
            if b":" in self._buf:
                head, rest = self._buf.split(b":", 1)
                n = int(head)
                if len(rest) >= n:
                    self._buf = rest[n:]
                    return json.loads(rest[:n].decode("utf-8"))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("marionette: no reply in time")
            self.sock.settimeout(min(left, 10))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise ConnectionError("marionette: connection closed")
            self._buf += chunk

    def call(self, name, params=None, timeout=60):
        self.msgid += 1
        mid = self.msgid
        self._send([0, mid, name, params or {}])
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(deadline)
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == 1 and msg[1] == mid:
                if msg[2]:
                    raise MarionetteError(msg[2])
                return msg[3]
            # a reply to an earlier, timed-out command: skip it

    # -- commands ----------------------------------------------------------
    def new_session(self, capabilities=None):
        return self.call("WebDriver:NewSession",
                         {"capabilities": capabilities or {"alwaysMatch": {}}})

    def set_context(self, context):  # "chrome" or "content"
        return self.call("Marionette:SetContext", {"value": context})

    def execute(self, script, args=None, timeout=30, sandbox=None):
        """Run a synchronous script (its `return` value comes back)."""
        params = {"script": script, "args": args or [], "scriptTimeout": int(timeout * 1000)}
        if sandbox:
            params["sandbox"] = sandbox
        r = self.call("WebDriver:ExecuteScript", params, timeout=timeout + 10)
        return r.get("value") if isinstance(r, dict) else r

    def execute_async(self, script, args=None, timeout=30):
        """Run an async script: it must call arguments[arguments.length - 1](value)."""
        params = {"script": script, "args": args or [], "scriptTimeout": int(timeout * 1000)}
        r = self.call("WebDriver:ExecuteAsyncScript", params, timeout=timeout + 10)
        return r.get("value") if isinstance(r, dict) else r

    def set_timeouts(self, script_ms=None):
        p = {}
        if script_ms is not None:
            p["script"] = script_ms
        return self.call("WebDriver:SetTimeouts", p)

    def window_handles(self):
        """Window handles: chrome windows in the chrome context, tabs/browsers
        in the content context (Marionette removed GetChromeWindowHandles)."""
        r = self.call("WebDriver:GetWindowHandles")
        return r.get("value", r) if isinstance(r, dict) else r

    def switch_to_window(self, handle):
        return self.call("WebDriver:SwitchToWindow", {"handle": handle, "focus": False})

    def window_handle(self):
        r = self.call("WebDriver:GetWindowHandle")
        return r.get("value", r) if isinstance(r, dict) else r

    def install_addon(self, path, temporary=True):
        r = self.call("Addon:Install", {"path": path, "temporary": temporary}, timeout=60)
        return r.get("value", r) if isinstance(r, dict) else r

    def quit(self, timeout=30):
        try:
            return self.call("Marionette:Quit", {"flags": ["eForceQuit"]}, timeout=timeout)
        except (ConnectionError, TimeoutError, OSError):
            return None
