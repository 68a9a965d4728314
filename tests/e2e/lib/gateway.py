"""The reference gateway: a private Postfix instance on 127.0.0.1 plus two
SMTP sinks ("internet" and "portal").

Postfix gets its own configuration directory (main.cf, master.cf,
header_checks) and its own queue and data directories under a temporary
directory, so it never touches /etc/postfix or the system queue. It must be
started as root (Postfix drops to the `postfix` user itself).

Routing, all on loopback:
- smtpd listens on 127.0.0.1:<port>, accepts mail from 127.0.0.0/8 for any
  domain (mynetworks, no local delivery);
- default delivery is `relayhost = [127.0.0.1]:<internet sink port>`;
- `header_checks` (regexp tables are case-insensitive by default, so the
  re-capitalised `X-Securesend-Route` matches) send a message carrying
  `X-SecureSend-Route: portal` to the portal sink with FILTER, and the
  smime/pgp/zip routes there too, tagged so tests can tell them apart.

    gw = Gateway(workdir).start()
    ... gw.port (Postfix), gw.probe_port (the same through an AcceptProbe that
    records when Postfix accepted each message), gw.internet, gw.portal
    (SmtpSink), gw.queue_ids(), gw.log() ...
    gw.stop()
"""
import os
import re
import shutil
import socket
import subprocess
import threading
import time

from .smtpsink import SmtpSink

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
POSTCONF = shutil.which("postconf") or "/usr/sbin/postconf"
POSTQUEUE = shutil.which("postqueue") or "/usr/sbin/postqueue"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


MASTER_CF = """\
# private sealgate test gateway: nothing chrooted, smtpd on loopback only
127.0.0.1:{port} inet n - n - - smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

# Route header -> where it goes. Postfix regexp tables match
# case-insensitively by default (the `i` flag would TOGGLE that off), so the
# re-capitalised `X-Securesend-Route` matches these patterns.
HEADER_CHECKS = """\
# sealgate reference gateway: act on the route header set by the extension.
/^X-SecureSend-Route:[[:space:]]*portal([^[:alnum:]_-]|$)/ FILTER smtp:[127.0.0.1]:{portal}
/^X-SecureSend-Route:[[:space:]]*smime([^[:alnum:]_-]|$)/  FILTER smtp:[127.0.0.1]:{portal}
/^X-SecureSend-Route:[[:space:]]*pgp([^[:alnum:]_-]|$)/    FILTER smtp:[127.0.0.1]:{portal}
/^X-SecureSend-Route:[[:space:]]*zip([^[:alnum:]_-]|$)/    FILTER smtp:[127.0.0.1]:{portal}
"""

# body_checks: a message whose plain body carries this marker is refused
# (tests/e2e/split_cases.py: the routed copy of a split delivery refused
# while the encrypted copy, opaque to the gateway, passes).
REJECT_MARKER = "e2e-gateway-refuses-this-body"
BODY_CHECKS = f"/{REJECT_MARKER}/ REJECT refused by the e2e gateway's body_checks\n"

# The gated gateway (docs/admin/gateway.md, issue 22 item 7): every message
# goes to the "held" sink (content_filter) unless it carries a well-formed
# sealgate check header, which then routes it: FILTER in header_checks
# overrides content_filter. The route comes from the check header itself, so
# a route header alone does not pass.
GATED_HEADER_CHECKS = """\
# sealgate reference gateway, gated: only mail that passed sealgate leaves.
/^X-Sealgate-Checked:[[:space:]]*v=1;[[:space:]]+attempt=[0-9a-f]{{32}};[[:space:]]+decision=[a-z]+;[[:space:]]+outcome=routed;[[:space:]]+route=(portal|smime|pgp|zip)(;|$)/ FILTER smtp:[127.0.0.1]:{portal}
/^X-Sealgate-Checked:[[:space:]]*v=1;[[:space:]]+attempt=[0-9a-f]{{32}};[[:space:]]+decision=[a-z]+;[[:space:]]+outcome=(sent|encrypt)(;|$)/ FILTER smtp:[127.0.0.1]:{internet}
"""


class AcceptProbe:
    """A transparent TCP relay in front of Postfix's smtpd that notes the
    moment the gateway accepts a message: when smtpd's reply to DATA
    ("250 ... queued as ...") passes through. Clients connect to .port."""

    QUEUED = re.compile(rb"^250[ -].*queued as", re.M)

    def __init__(self, target_port):
        self.target_port = target_port
        self.accepted = []      # wall-clock times (time.time()) of acceptances
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.5)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name="accept-probe")
        self._thread.start()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            for a, b, watch in ((client, server, False), (server, client, True)):
                threading.Thread(target=self._pump, args=(a, b, watch), daemon=True).start()

    def _pump(self, src, dst, watch):
        src.settimeout(120)
        buf = b""
        try:
            while not self._stop.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if watch:
                    buf = (buf + data)[-4096:]
                    n = len(self.QUEUED.findall(buf))
                    if n:
                        t = time.time()
                        with self._lock:
                            self.accepted.extend([t] * n)
                        buf = b""
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def acceptances(self):
        with self._lock:
            return list(self.accepted)

    def stop(self):
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        self._thread.join(2)


class Gateway:
    def __init__(self, workdir, port=None):
        self.workdir = os.path.abspath(workdir)
        self.config_dir = os.path.join(self.workdir, "postfix-etc")
        self.queue_dir = os.path.join(self.workdir, "postfix-spool")
        self.data_dir = os.path.join(self.workdir, "postfix-data")
        self.maillog = os.path.join(self.workdir, "postfix-maillog")
        self.port = port or free_port()
        self.internet = SmtpSink("internet", os.path.join(self.workdir, "sink-internet"))
        self.portal = SmtpSink("portal", os.path.join(self.workdir, "sink-portal"))
        self.held = SmtpSink("held", os.path.join(self.workdir, "sink-held"))
        self.gated = False
        self.running = False
        self.probe = None
        self.probe_port = None

    def _env(self):
        env = dict(os.environ)
        env["MAIL_CONFIG"] = self.config_dir
        return env

    def _run(self, *args, timeout=60, check=True):
        p = subprocess.run([POSTFIX, "-c", self.config_dir, *args], env=self._env(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError(f"postfix {' '.join(args)} failed ({p.returncode}):\n"
                               f"{p.stdout}\n--- maillog ---\n{self.log()[-4000:]}")
        return p

    def write_config(self):
        os.makedirs(self.config_dir, exist_ok=True)
        # The postfix user must be able to reach the data and queue
        # directories (a mkdtemp() directory is 0700).
        os.chmod(self.workdir, 0o755)
        for d in (self.queue_dir, self.data_dir):
            os.makedirs(d, exist_ok=True)
        # Postfix insists that the data directory belongs to the mail owner.
        shutil.chown(self.data_dir, "postfix", "postfix")
        hc = os.path.join(self.config_dir, "header_checks")
        with open(hc, "w", encoding="ascii") as fh:
            if self.gated:
                fh.write(GATED_HEADER_CHECKS.format(portal=self.portal.port, internet=self.internet.port))
            else:
                fh.write(HEADER_CHECKS.format(portal=self.portal.port))
        bc = os.path.join(self.config_dir, "body_checks")
        with open(bc, "w", encoding="ascii") as fh:
            fh.write(BODY_CHECKS)
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue_dir,
            "data_directory": self.data_dir,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "gateway.sealgate.test",
            "mydomain": "sealgate.test",
            "myorigin": "$myhostname",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "mydestination": "",
            "local_recipient_maps": "",
            "relay_domains": "",
            "alias_maps": "",
            "alias_database": "",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "smtpd_recipient_restrictions": "permit_mynetworks, reject",
            "relayhost": f"[127.0.0.1]:{self.internet.port}",
            "header_checks": f"regexp:{hc}",
            "body_checks": f"regexp:{bc}",
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            "disable_dns_lookups": "yes",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "maximal_queue_lifetime": "10m",
            "bounce_queue_lifetime": "10m",
            "smtp_connect_timeout": "5s",
            "message_size_limit": str(64 << 20),
            "maillog_file": self.maillog,
            "maillog_file_prefixes": self.workdir,
            "syslog_name": "sealgate-test-postfix",
            "biff": "no",
            "append_dot_mydomain": "no",
            "smtputf8_enable": "yes",
            "notify_classes": "",
            "in_flow_delay": "0",
        }
        if self.gated:
            main["content_filter"] = f"smtp:[127.0.0.1]:{self.held.port}"
        with open(os.path.join(self.config_dir, "main.cf"), "w", encoding="ascii") as fh:
            for k, v in main.items():
                fh.write(f"{k} = {v}\n")
        with open(os.path.join(self.config_dir, "master.cf"), "w", encoding="ascii") as fh:
            fh.write(MASTER_CF.format(port=self.port))

    def start(self, timeout=30):
        if os.geteuid() != 0:
            raise RuntimeError("the Postfix gateway must be started as root")
        self.internet.start()
        self.portal.start()
        self.held.start()
        self.write_config()
        # Creates the queue directories with the right owners and modes.
        self._run("set-permissions", "upgrade-configuration", check=False)
        self._run("check")
        self._run("start")
        self.running = True
        if not wait_port(self.port, timeout):
            raise RuntimeError(f"postfix smtpd not listening on 127.0.0.1:{self.port} "
                               f"within {timeout}s\n{self.log()[-4000:]}")
        self.probe = AcceptProbe(self.port)
        self.probe_port = self.probe.port
        return self

    def gate(self, on):
        """Switch the gated configuration on or off (Postfix restarted)."""
        self.gated = on
        self.write_config()
        # A restart, not a reload: smtpd and cleanup processes that served
        # the previous message keep the old header_checks until they exit.
        self._run("stop", timeout=30, check=False)
        deadline = time.monotonic() + 15
        while self.master_pid() and time.monotonic() < deadline:
            time.sleep(0.1)
        self._run("start")
        if not wait_port(self.port, 30):
            raise RuntimeError(f"postfix smtpd not listening again on 127.0.0.1:{self.port}")

    def stop(self):
        if self.probe:
            self.probe.stop()
        if self.running:
            try:
                self._run("stop", timeout=30, check=False)
            except subprocess.TimeoutExpired:
                pass
            # `stop` signals master; give it a moment, then make sure nothing
            # is left anyway.
            deadline = time.monotonic() + 10
            while self.master_pid() and time.monotonic() < deadline:
                time.sleep(0.1)
            pid = self.master_pid()
            if pid:
                try:
                    self._run("abort", timeout=15, check=False)
                except subprocess.TimeoutExpired:
                    pass
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            self.running = False
        self.internet.stop()
        self.held.stop()
        self.portal.stop()

    def master_pid(self):
        try:
            with open(os.path.join(self.queue_dir, "pid", "master.pid"), encoding="ascii") as fh:
                pid = int(fh.read().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    # -- inspection --------------------------------------------------------
    def log(self):
        try:
            with open(self.maillog, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def queue_ids(self):
        """Queue ids of messages still in the queue (any state)."""
        ids = []
        for sub in ("incoming", "active", "deferred", "hold", "maildrop"):
            for root, _dirs, files in os.walk(os.path.join(self.queue_dir, sub)):
                ids.extend(files)
        return ids

    def received_count(self):
        """How many messages smtpd has accepted (queued) so far, from the log."""
        return len(re.findall(r"postfix/cleanup\[\d+\]: \w+: message-id=", self.log())) \
            or len(re.findall(r"cleanup\[\d+\]: [0-9A-F]+: message-id=", self.log()))

    def smtpd_connections(self):
        return len(re.findall(r"smtpd\[\d+\]: connect from", self.log()))

    def wait_idle(self, timeout):
        """Wait until the queue is empty; return True if it is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.queue_ids():
                return True
            time.sleep(0.1)
        return not self.queue_ids()
