"""Native-messaging frames (docs/protocol.md, "Framing") and two ways of
talking to a host process, shared by the host tests (tests/host)."""
import json
import os
import pathlib
import queue
import select
import struct
import subprocess
import threading
import time


def frame(obj):
    """One frame: 32-bit native-endian length, then the payload: bytes as
    given, a str as its UTF-8 (JSON text written by hand), else the JSON of obj."""
    if isinstance(obj, bytes):
        data = obj
    elif isinstance(obj, str):
        data = obj.encode()
    else:
        data = json.dumps(obj).encode()
    return struct.pack("=I", len(data)) + data


def split_frames(data):
    """Split a host's output into frames: (payloads, leftover bytes of a frame cut short)."""
    out, off = [], 0
    while len(data) - off >= 4:
        (n,) = struct.unpack_from("=I", data, off)
        if len(data) - off - 4 < n:
            break
        out.append(data[off + 4 : off + 4 + n])
        off += 4 + n
    return out, data[off:]


def read_frame(f):
    """One frame's JSON read from a file (blocking); {} when it ends first."""
    hdr = f.read(4)
    if len(hdr) < 4:
        return {}
    (n,) = struct.unpack("=I", hdr)
    return json.loads(f.read(n))


class FramePipe:
    """Frames to and from a started process, read with select() and a
    deadline: for request/response tests. `self.p` is the subprocess.Popen."""

    def __init__(self, p, timeout):
        self.p = p
        self.timeout = timeout
        self.buf = b""

    def send(self, obj):
        self.p.stdin.write(frame(obj))
        self.p.stdin.flush()

    def _read_exact(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer within {self.timeout}s")
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise EOFError("stdout closed")
                self.buf += chunk
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def read(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        (n,) = struct.unpack("=I", self._read_exact(4, deadline))
        return json.loads(self._read_exact(n, deadline))

    def request(self, obj, timeout=None):
        self.send(obj)
        return self.read(timeout)


class ThreadedHost:
    """The host with a reader thread: frames arrive in a queue while the test
    writes, as Thunderbird reads and writes at once (the streams need it)."""

    def __init__(self, argv, env, timeout):
        self.timeout = timeout
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env)
        self.q = queue.Queue()
        self.err = b""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        f = self.p.stdout
        while True:
            hdr = f.read(4)
            if len(hdr) < 4:
                self.q.put(None)
                return
            (n,) = struct.unpack("=I", hdr)
            self.q.put(json.loads(f.read(n)))

    def _read_err(self):
        self.err = self.p.stderr.read()

    def send(self, obj):
        try:
            self.p.stdin.write(frame(obj))
            self.p.stdin.flush()
            return True
        except BrokenPipeError:
            return False

    def get(self):
        return self.q.get(timeout=self.timeout)

    def hwm_kib(self):
        """The host's peak resident memory (VmHWM), KiB; -1 if unknown."""
        for line in pathlib.Path(f"/proc/{self.p.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return -1

    def close(self):
        """Close stdin, collect the frames still coming; (exit status, frames)."""
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        rest = []
        while True:
            m = self.q.get(timeout=self.timeout)
            if m is None:
                break
            rest.append(m)
        return self.p.wait(timeout=self.timeout), rest
