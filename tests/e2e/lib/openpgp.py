"""The e2e OpenPGP run (issue 19): keys made with gpg, and a Thunderbird
profile prepared before start the way Thunderbird keeps it: pubring.gpg,
openpgp.sqlite with the Key Manager's acceptance, and the identity's key in
user.js; the sender's secret key is imported after start through
Thunderbird's own RNP module (a secring.gpg written beforehand is refused:
Thunderbird wants its encrypted-openpgp-passphrase.txt with it). Recipients:
(a) accepted in Thunderbird, (b) in Thunderbird, undecided, (c) only in the
GnuPG keyring of the host's HOME, (d) nowhere."""
import os
import sqlite3
import subprocess

SENDER = "alice@corp.example"
ACCEPTED = "pgp-a@partner.example"
UNDECIDED = "pgp-b@partner.example"
GNUPG_ONLY = "pgp-c@partner.example"
ABSENT = "pgp-d@partner.example"


class Keys:
    def __init__(self, path):
        self.dir = path
        self.home = os.path.join(path, "gnupg")
        self.fpr = {}

    def gpg(self, *args, home=None):
        return subprocess.run(["gpg", "--homedir", home or self.home, "--batch", "--yes", "--pinentry-mode",
                               "loopback", "--passphrase", "", *args], capture_output=True, check=True)


def make_keys(path):
    k = Keys(path)
    os.makedirs(k.home, mode=0o700, exist_ok=True)
    for addr in (SENDER, ACCEPTED, UNDECIDED, GNUPG_ONLY):
        k.gpg("--quick-gen-key", f"{addr.split('@')[0]} <{addr}>", "ed25519", "sign,cert", "never")
        out = k.gpg("--with-colons", "--list-keys", f"<{addr}>").stdout.decode()
        fpr = [ln.split(":")[9] for ln in out.splitlines() if ln.startswith("fpr:")][0]
        k.gpg("--quick-add-key", fpr, "cv25519", "encr", "never")
        k.fpr[addr] = fpr
    return k


def setup_profile(profile, k, host_home):
    """The profile's OpenPGP files, and (c)'s key in the host's GnuPG keyring."""
    pub = b"".join(k.gpg("--export", k.fpr[a]).stdout for a in (SENDER, ACCEPTED, UNDECIDED))
    with open(os.path.join(profile, "pubring.gpg"), "wb") as fh:
        fh.write(pub)
    db = sqlite3.connect(os.path.join(profile, "openpgp.sqlite"))
    db.execute("create table acceptance_email (fpr text not null, email text not null, unique(fpr, email))")
    db.execute("create table acceptance_decision (fpr text not null, decision text not null, unique(fpr))")
    db.execute("create unique index acceptance_email_i1 on acceptance_email(fpr, email)")
    db.execute("create unique index acceptance__decision_i1 on acceptance_decision(fpr)")
    db.execute("insert into acceptance_decision values (?, 'personal')", (k.fpr[SENDER].lower(),))
    db.execute("insert into acceptance_decision values (?, 'verified')", (k.fpr[ACCEPTED].lower(),))
    db.execute("insert into acceptance_email values (?, ?)", (k.fpr[ACCEPTED].lower(), ACCEPTED))
    db.commit()
    db.close()
    gh = os.path.join(host_home, ".gnupg")
    os.makedirs(gh, mode=0o700, exist_ok=True)
    exp = os.path.join(k.dir, "c.gpg")
    with open(exp, "wb") as fh:
        fh.write(k.gpg("--export", k.fpr[GNUPG_ONLY]).stdout)
    k.gpg("--import", exp, home=gh)


def import_secret(tb, k):
    """The sender's secret key into Thunderbird's keyring, as its Key
    Manager's import does (protected with Thunderbird's automatic passphrase)."""
    armored = k.gpg("--armor", "--export-secret-keys", k.fpr[SENDER]).stdout.decode()
    tb.m.set_context("chrome")
    return tb.m.execute_async(r"""
      const [block, done] = arguments;
      const { RNP } = ChromeUtils.importESModule("chrome://openpgp/content/modules/RNP.sys.mjs");
      RNP.importSecKeyBlockImpl(null, () => ({ password: "", remember: false }), false, block)
        .then(r => done({ exitCode: r && r.exitCode, errorMsg: r && r.errorMsg, n: r && r.importedKeys &&
                          r.importedKeys.length }),
              e => done({ error: String(e) }));""", [armored], timeout=60)


def identity_prefs(k):
    return (f'user_pref("mail.identity.id1.openpgp_key_id", "{k.fpr[SENDER][-16:]}");\n'
            'user_pref("mail.identity.id1.encryptionpolicy", 0);\n'
            'user_pref("mail.identity.id1.sign_mail", false);\n'
            'user_pref("mail.identity.id1.attachPgpKey", false);\n'
            'user_pref("mail.identity.id1.e2etechpref", 0);\n')


def decrypt(k, raw):
    """The sink's copy decrypted with gpg and the recipients' secret keys:
    (ok, plaintext or gpg's stderr)."""
    p = subprocess.run(["gpg", "--homedir", k.home, "--batch", "--decrypt"], input=raw, capture_output=True)
    return p.returncode == 0, (p.stdout if p.returncode == 0 else p.stderr).decode("utf-8", "replace")
