"""S/MIME for the e2e rig: test certificates made per run by the interop
suite's committed fixture script (never committed keys), a Thunderbird
profile NSS database holding alice's key and bob's certificate, the identity
prefs that point at them, and the checks of a captured message with the
sealgate command line and `openssl cms`.

    fx = smime.make_fixtures(os.path.join(run_dir, "smime"))
    tb = Thunderbird(..., profile_setup=lambda p: smime.setup_profile(p, fx),
                     extra_prefs=smime.identity_prefs(fx))
"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_FIXTURES = os.path.join(HERE, "..", "..", "interop", "make-fixtures.sh")

SENDER = "alice@corp.example"      # the profile's identity id1
RECIPIENT = "bob@partner.example"  # an external recipient with a certificate
SENDER_NICK = "alice"              # friendlyName in alice.p12 → NSS nickname


class Fixtures:
    def __init__(self, path):
        self.dir = path
        with open(os.path.join(path, "PASSPHRASE"), encoding="ascii") as fh:
            self.passphrase = fh.readline().strip()

    def f(self, name):
        return os.path.join(self.dir, name)


def run(argv, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {p.returncode}: "
                           f"{p.stderr.decode('utf-8', 'replace')[-600:]}")
    return p


def make_fixtures(path):
    """Generate the CA, intermediate and user certificates into path (the
    fixture script fixes alice@corp.example and bob@partner.example)."""
    run(["sh", MAKE_FIXTURES, path])
    return Fixtures(path)


def setup_profile(profile, fx):
    """Create the profile's NSS database (empty password): the root trusted
    for email, the intermediate, alice's PKCS#12 (key + certificate, nickname
    "alice") and bob's certificate. Thunderbird then finds alice's
    certificate by the identity prefs and bob's by his address."""
    db = f"sql:{profile}"
    os.makedirs(profile, exist_ok=True)
    run(["certutil", "-N", "-d", db, "--empty-password"])
    run(["certutil", "-A", "-d", db, "-n", "sealgate test root CA", "-t", "C,C,C",
         "-i", fx.f("root.pem")])
    run(["certutil", "-A", "-d", db, "-n", "sealgate test intermediate CA", "-t", ",,",
         "-i", fx.f("inter.pem")])
    run(["pk12util", "-i", fx.f("alice.p12"), "-d", db, "-W", fx.passphrase, "-K", ""])
    run(["certutil", "-A", "-d", db, "-n", "bob", "-t", ",,", "-i", fx.f("bob.pem")])
    out = run(["certutil", "-L", "-d", db]).stdout.decode("utf-8", "replace")
    if SENDER_NICK not in out or "bob" not in out:
        raise RuntimeError(f"NSS database in {profile} lacks alice or bob:\n{out}")
    return out


def identity_prefs(encryption_policy=0, sign=False):
    """user.js lines giving identity id1 alice's certificate for signing and
    encryption. encryption_policy 0 (the default: never) leaves switching
    encryption on to the extension; 2 makes Thunderbird encrypt every message."""
    return (f'user_pref("mail.identity.id1.signing_cert_name", "{SENDER_NICK}");\n'
            f'user_pref("mail.identity.id1.encryption_cert_name", "{SENDER_NICK}");\n'
            f'user_pref("mail.identity.id1.encryptionpolicy", {int(encryption_policy)});\n'
            f'user_pref("mail.identity.id1.sign_mail", {"true" if sign else "false"});\n'
            'user_pref("mail.identity.id1.e2etechpref", 0);\n')


def content_type(msg):
    """(type/subtype, {param: value}) of an email.message, lower-cased."""
    params = {k.lower(): (v or "").lower() for k, v in (msg.get_params() or [])[1:]}
    return msg.get_content_type().lower(), params


def check_message(raw, fx, cli, workdir, label, body, sender=SENDER):
    """What Thunderbird sent to bob, checked with our command line and
    cross-checked with openssl: enveloped-data; `sealgate smime decrypt`
    with bob's PKCS#12 gives the inner entity; `sealgate smime verify`
    over it is valid, signer alice, email_matches; `openssl cms -decrypt`
    gives the same entity and `openssl cms -verify` agrees. The message and
    every intermediate file stay in workdir. Returns [(ok, name, diag)];
    ok None: skipped (diag says why)."""
    import email
    import email.policy
    import json
    out = []
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, f"{label}.eml")
    with open(path, "wb") as fh:
        fh.write(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    ctype, params = content_type(msg)
    out.append((ctype == "application/pkcs7-mime" and params.get("smime-type") == "enveloped-data",
                "the message is application/pkcs7-mime; smime-type=enveloped-data",
                f"Content-Type: {msg.get('Content-Type')} (kept in {path})"))
    if not cli:
        out.append((None, "decrypt and verify with sealgate", "no --cli (built with -Dcli=false)"))
        return out
    inner = os.path.join(workdir, f"{label}.inner.eml")
    p = subprocess.run([cli, "smime", "decrypt", "--key", fx.f("bob.p12"),
                        "--passphrase-file", fx.f("PASSPHRASE"), "-o", inner, path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out.append((p.returncode == 0 and os.path.exists(inner),
                "sealgate smime decrypt with bob's PKCS#12 gives the inner entity",
                f"exit {p.returncode}: {p.stderr.decode('utf-8', 'replace')}"))
    if p.returncode != 0:
        return out
    with open(inner, "rb") as fh:
        inner_raw = fh.read()
    imsg = email.message_from_bytes(inner_raw, policy=email.policy.default)
    itype, iparams = content_type(imsg)
    signed = (itype == "multipart/signed" or
              (itype in ("application/pkcs7-mime", "application/x-pkcs7-mime")
               and iparams.get("smime-type") == "signed-data"))
    out.append((signed, "the inner entity is signed (multipart/signed or signed-data)",
                f"inner Content-Type: {imsg.get('Content-Type')}"))
    content = os.path.join(workdir, f"{label}.content.eml")
    p = subprocess.run([cli, "smime", "verify", "--ca-file", fx.f("root.pem"),
                        "--from", sender, "--json", "-o", content, inner],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    try:
        v = json.loads(p.stdout.decode("utf-8"))
    except ValueError:
        v = None
    signer = ((v or {}).get("signers") or [{}])[0]
    emails = [e.lower() for e in (signer.get("emails") or signer.get("email_addresses") or [])]
    out.append((p.returncode == 0 and v is not None and v.get("valid") is True,
                "sealgate smime verify --ca-file root.pem: valid",
                f"exit {p.returncode}: {p.stdout.decode('utf-8', 'replace')}"
                f"{p.stderr.decode('utf-8', 'replace')}"))
    out.append((sender in emails and signer.get("email_matches") is True,
                f"verify: signer {sender}, email_matches true", json.dumps(signer)))
    try:
        with open(content, "rb") as fh:
            ctext = fh.read().decode("utf-8", "replace")
    except OSError:
        ctext = ""
    flat = " ".join(ctext.replace("\r\n", "\n").split())
    out.append((" ".join(body.split()) in flat, "the signed content carries the body",
                ctext[:800]))
    # Cross-check with OpenSSL: the same inner entity, the same signature verdict.
    p = subprocess.run(["openssl", "cms", "-decrypt", "-in", path, "-recip", fx.f("bob.pem"),
                        "-inkey", fx.f("bob.key")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    norm = lambda b: b.replace(b"\r\n", b"\n").rstrip(b"\n")  # noqa: E731
    out.append((p.returncode == 0 and norm(p.stdout) == norm(inner_raw),
                "openssl cms -decrypt gives the same inner entity",
                f"exit {p.returncode}: {p.stderr.decode('utf-8', 'replace')[-400:]}; "
                f"{len(p.stdout)} vs {len(inner_raw)} bytes"))
    p = subprocess.run(["openssl", "cms", "-verify", "-in", inner, "-CAfile", fx.f("root.pem"),
                        "-purpose", "smimesign", "-out", os.devnull]
                       + (["-inform", "SMIME"]),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out.append((p.returncode == 0, "openssl cms -verify agrees (valid)",
                p.stderr.decode("utf-8", "replace")[-400:]))
    return out


def select_identity_cert(tb, email=SENDER, identity="id1"):
    """What choosing the certificate in Account Settings does: Thunderbird's
    compose code (nsMsgComposeSecure) finds the sender's own certificates by
    the identity's signing_cert_dbkey/encryption_cert_dbkey (the *_cert_name
    prefs only make the identity count as S/MIME-capable). Returns the dbKey."""
    tb.m.set_context("chrome")
    return tb.m.execute(r"""
      const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
      const [email, key] = arguments;
      const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
      const addrs = c => c.emailAddresses ||
        (typeof c.getEmailAddresses == "function" ? c.getEmailAddresses() : [c.emailAddress]);
      const cert = certdb.getCerts().find(c => c.certType == Ci.nsIX509Cert.USER_CERT &&
                                               addrs(c).includes(email));
      if (!cert) throw new Error("no user certificate for " + email + " in the profile");
      const id = MailServices.accounts.getIdentity(key);
      id.setCharAttribute("signing_cert_dbkey", cert.dbKey);
      id.setCharAttribute("encryption_cert_dbkey", cert.dbKey);
      return cert.dbKey;""", [email, identity])
