"""A local Web Key Directory over HTTPS for the keys tests (interop
test-keys.py, host test-keys.py): a TLS certificate for openpgpkey.DOMAIN
issued by the fixtures' intermediate CA (make-fixtures.sh), and a threaded
server answering the advanced method's /.well-known/openpgpkey/DOMAIN/hu/HASH
from a table local part -> key bytes. Clients reach it through the
wkd_connect test hook (the TLS name is still checked against the real host)."""
import hashlib
import http.server
import pathlib
import ssl
import subprocess
import threading
import time

HANG = object()  # a table value: the server never answers (sleeps `hang_seconds`)


def zbase32_sha1(local):
    d = hashlib.sha1(local.lower().encode()).digest()
    bits = "".join(f"{b:08b}" for b in d)
    alpha = "ybndrfg8ejkmcpqxot1uwisza345h769"
    return "".join(alpha[int(bits[i:i + 5], 2)] for i in range(0, 160, 5))


def make_tls(fx, workdir, domain="wkd.example"):
    """Key and chain (leaf + intermediate) for openpgpkey.DOMAIN in `workdir`,
    signed by fx/inter.pem; returns (chain_path, key_path)."""
    srv = pathlib.Path(workdir)
    srv.mkdir(parents=True, exist_ok=True)
    fx = pathlib.Path(fx)
    name = f"openpgpkey.{domain}"
    (srv / "ext.cnf").write_text("[x]\nbasicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                                 f"extendedKeyUsage=serverAuth\nsubjectAltName=DNS:{name}\n")

    def run(*a):
        subprocess.run([str(x) for x in a], capture_output=True, check=True)

    run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", srv / "tls.key", "-out",
        srv / "tls.csr", "-subj", f"/CN={name}")
    run("openssl", "x509", "-req", "-in", srv / "tls.csr", "-CA", fx / "inter.pem", "-CAkey", fx / "inter.key",
        "-set_serial", "4242", "-days", "30", "-extfile", srv / "ext.cnf", "-extensions", "x", "-out",
        srv / "tls.pem")
    (srv / "chain.pem").write_text((srv / "tls.pem").read_text() + (fx / "inter.pem").read_text())
    return srv / "chain.pem", srv / "tls.key"


class WkdServer:
    """serve(chain, key, table) on 127.0.0.1; `port`, `hits` [(Host, path)],
    `connect` ("127.0.0.1:PORT" for the wkd_connect hook); stop() ends it."""

    def __init__(self, chain, key, table, domain="wkd.example", hang_seconds=6):
        self.hits = []
        hashes = {zbase32_sha1(local): body for local, body in table.items()}
        prefix = f"/.well-known/openpgpkey/{domain}/hu/"
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                hits.append((self.headers.get("Host"), self.path))
                body = None
                if self.path.startswith(prefix):
                    body = hashes.get(self.path[len(prefix):].split("?")[0])
                if body is HANG:
                    time.sleep(hang_seconds)
                    return
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(chain, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.port = self.httpd.server_address[1]
        self.connect = f"127.0.0.1:{self.port}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
