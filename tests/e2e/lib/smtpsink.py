"""A small SMTP sink: an asyncio SMTP server on loopback that stores every
message it accepts as an .eml file in a spool directory.

Commands: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP,
QUIT. Everything is bounded: line length, message size, recipients per
message, and an idle timeout per connection. The server runs in its own
thread so synchronous tests can use it:

    sink = SmtpSink("portal", "/tmp/spool").start()
    ... sink.port ... sink.messages() ... sink.wait_for(1, timeout=20)
    sink.stop()

Each stored message is <spool>/<n>.eml (the DATA as received, CRLF kept)
plus <n>.json with the envelope and the time the final "." was received
(time.monotonic() and time.time()), so senders can measure latency.
"""
import asyncio
import email
import email.policy
import json
import os
import threading
import time

MAX_LINE = 8192          # bytes per line (RFC 5321 says 1000; be lenient)
MAX_MESSAGE = 64 << 20   # bytes per message
MAX_RCPT = 1000
IDLE_TIMEOUT = 60.0      # seconds without a line before the sink hangs up


class SmtpSink:
    def __init__(self, name, spool, host="127.0.0.1", port=0):
        self.name = name
        self.spool = spool
        self.host = host
        self.port = port
        self._count = 0
        self._lock = threading.Lock()
        self._loop = None
        self._server = None
        self._thread = None
        self._ready = threading.Event()
        self._error = None
        os.makedirs(spool, exist_ok=True)

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout=10):
        self._thread = threading.Thread(target=self._run, name=f"smtpsink-{self.name}",
                                        daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"smtp sink {self.name}: did not start within {timeout}s")
        if self._error:
            raise RuntimeError(f"smtp sink {self.name}: {self._error}")
        return self

    def _run(self):
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._session, self.host, self.port,
                                     limit=MAX_LINE + 2))
            self.port = self._server.sockets[0].getsockname()[1]
        except Exception as e:  # noqa: BLE001 - reported to start()
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            try:
                self._loop.run_until_complete(self._server.wait_closed())
            except Exception:  # noqa: BLE001
                pass
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.close()

    def stop(self, timeout=5):
        if self._loop and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(timeout)

    # -- results -----------------------------------------------------------
    def messages(self):
        """[(path, email.message.EmailMessage, meta dict)] in arrival order."""
        out = []
        names = sorted((f for f in os.listdir(self.spool) if f.endswith(".eml")),
                       key=lambda f: int(f.split(".")[0]))
        for f in names:
            path = os.path.join(self.spool, f)
            with open(path, "rb") as fh:
                msg = email.message_from_binary_file(fh, policy=email.policy.default)
            meta = {}
            try:
                with open(path[:-4] + ".json", encoding="utf-8") as fh:
                    meta = json.load(fh)
            except OSError:
                pass
            out.append((path, msg, meta))
        return out

    def count(self):
        return len([f for f in os.listdir(self.spool) if f.endswith(".eml")])

    def wait_for(self, n, timeout):
        """Wait until at least n messages are stored; return True if so."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= n:
                return True
            time.sleep(0.05)
        return self.count() >= n

    def clear(self):
        for f in os.listdir(self.spool):
            os.unlink(os.path.join(self.spool, f))

    # -- the protocol ------------------------------------------------------
    def _store(self, mail_from, rcpts, data):
        t_mono, t_wall = time.monotonic(), time.time()
        with self._lock:
            self._count += 1
            n = self._count
        base = os.path.join(self.spool, f"{n}")
        with open(base + ".json.tmp", "w", encoding="utf-8") as fh:
            json.dump({"sink": self.name, "mail_from": mail_from, "rcpt_to": rcpts,
                       "received_monotonic": t_mono, "received_time": t_wall,
                       "size": len(data)}, fh)
        os.replace(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as fh:
            fh.write(data)
        os.replace(base + ".eml.tmp", base + ".eml")  # .eml appears last, complete

    async def _session(self, reader, writer):
        async def reply(text):
            writer.write(text.encode("ascii") + b"\r\n")
            await writer.drain()

        async def readline():
            try:
                line = await asyncio.wait_for(reader.readuntil(b"\n"), IDLE_TIMEOUT)
            except (asyncio.IncompleteReadError, asyncio.TimeoutError,
                    asyncio.LimitOverrunError, ConnectionError):
                return None
            return line

        mail_from, rcpts = None, []
        try:
            await reply(f"220 {self.name}.sink.test ESMTP sealgate-test-sink")
            while True:
                line = await readline()
                if line is None:
                    return
                cmd = line.decode("latin-1").rstrip("\r\n")
                verb = cmd[:4].upper()
                arg = cmd[4:].strip()
                if verb == "EHLO":
                    writer.write(f"250-{self.name}.sink.test\r\n250-8BITMIME\r\n"
                                 f"250-SIZE {MAX_MESSAGE}\r\n250 SMTPUTF8\r\n".encode())
                    await writer.drain()
                    mail_from, rcpts = None, []
                elif verb == "HELO":
                    await reply(f"250 {self.name}.sink.test")
                    mail_from, rcpts = None, []
                elif verb == "MAIL":
                    if not arg.upper().startswith("FROM:"):
                        await reply("501 5.5.4 Syntax: MAIL FROM:<address>")
                        continue
                    mail_from, rcpts = arg[5:].strip().split(" ")[0].strip("<>"), []
                    await reply("250 2.1.0 Ok")
                elif verb == "RCPT":
                    if mail_from is None:
                        await reply("503 5.5.1 Error: need MAIL command")
                    elif not arg.upper().startswith("TO:"):
                        await reply("501 5.5.4 Syntax: RCPT TO:<address>")
                    elif len(rcpts) >= MAX_RCPT:
                        await reply("452 4.5.3 Error: too many recipients")
                    else:
                        rcpts.append(arg[3:].strip().split(" ")[0].strip("<>"))
                        await reply("250 2.1.5 Ok")
                elif verb == "DATA":
                    if not rcpts:
                        await reply("503 5.5.1 Error: need RCPT command")
                        continue
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    chunks, size, too_big = [], 0, False
                    while True:
                        dl = await readline()
                        if dl is None:
                            return
                        if dl in (b".\r\n", b".\n"):
                            break
                        if dl.startswith(b"."):
                            dl = dl[1:]  # dot-unstuffing (RFC 5321 4.5.2)
                        size += len(dl)
                        if size > MAX_MESSAGE:
                            too_big = True
                        elif not too_big:
                            chunks.append(dl)
                    if too_big:
                        await reply("552 5.3.4 Error: message too large")
                    else:
                        self._store(mail_from, rcpts, b"".join(chunks))
                        await reply("250 2.0.0 Ok: stored")
                    mail_from, rcpts = None, []
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    await reply("250 2.0.0 Ok")
                elif verb == "NOOP":
                    await reply("250 2.0.0 Ok")
                elif verb == "QUIT":
                    await reply("221 2.0.0 Bye")
                    return
                else:
                    await reply("502 5.5.2 Error: command not recognized")
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass
