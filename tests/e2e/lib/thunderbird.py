"""Drive a real Thunderbird: a fresh profile, headless start with Marionette,
the extension installed temporarily, messages composed and sent through the
real compose window, extension popup windows found and their buttons clicked.

    tb = Thunderbird(workdir, smtp_port=gw.port, env={...}).start()
    tb.install_extension(ext_dir)
    c = tb.compose(to=["bob@corp.example"], subject="hi", body="text")
    r = tb.send(c)            # {"sent_at": wall ms, "closed": bool, ...}
    tb.notices()              # extension popup windows: [{"handle", "url"}]
    tb.click_notice("kind=block", "#back")
    tb.stop()

Every wait has a timeout; stop() kills the process group even when
Marionette no longer answers.
"""
import os
import shutil
import signal
import subprocess
import time

from .gateway import free_port
from .marionette import Marionette, MarionetteError

THUNDERBIRD = shutil.which("thunderbird") or "/usr/bin/thunderbird"

USER_JS = """\
// sealgate e2e profile: one identity, Local Folders, SMTP to the test gateway.
user_pref("mail.accountmanager.accounts", "account1,account2");
user_pref("mail.accountmanager.defaultaccount", "account1");
user_pref("mail.accountmanager.localfoldersserver", "server2");
user_pref("mail.account.account1.identities", "id1");
user_pref("mail.account.account1.server", "server1");
user_pref("mail.account.account2.server", "server2");
user_pref("mail.server.server1.type", "pop3");
user_pref("mail.server.server1.hostname", "127.0.0.1");
user_pref("mail.server.server1.port", {pop_port});
user_pref("mail.server.server1.userName", "alice");
user_pref("mail.server.server1.name", "alice@corp.example");
user_pref("mail.server.server1.login_at_startup", false);
user_pref("mail.server.server1.check_new_mail", false);
user_pref("mail.server.server1.download_on_biff", false);
user_pref("mail.server.server1.directory-rel", "[ProfD]Mail/pop");
user_pref("mail.server.server2.type", "none");
user_pref("mail.server.server2.hostname", "Local Folders");
user_pref("mail.server.server2.userName", "nobody");
user_pref("mail.server.server2.name", "Local Folders");
user_pref("mail.server.server2.directory-rel", "[ProfD]Mail/Local Folders");
user_pref("mail.identity.id1.fullName", "Alice Example");
user_pref("mail.identity.id1.useremail", "alice@corp.example");
user_pref("mail.identity.id1.valid", true);
user_pref("mail.identity.id1.smtpServer", "smtp1");
user_pref("mail.identity.id1.compose_html", false);
user_pref("mail.identity.id1.fcc", false);
user_pref("mail.identity.id1.attach_signature", false);
user_pref("mail.identity.id1.reply_on_top", 1);
user_pref("mail.smtpservers", "smtp1");
user_pref("mail.smtp.defaultserver", "smtp1");
user_pref("mail.smtpserver.smtp1.hostname", "127.0.0.1");
user_pref("mail.smtpserver.smtp1.port", {smtp_port});
user_pref("mail.smtpserver.smtp1.authMethod", 1);
user_pref("mail.smtpserver.smtp1.try_ssl", 0);
user_pref("mail.smtpserver.smtp1.username", "");
user_pref("mail.smtpserver.smtp1.description", "sealgate test gateway");
user_pref("mail.shell.checkDefaultClient", false);
user_pref("mailnews.start_page.enabled", false);
user_pref("mail.startup.enabledMailCheckOnce", true);
user_pref("mail.rights.version", 1);
user_pref("mail.provider.enabled", false);
user_pref("mail.compose.autosave", false);
user_pref("mail.SpellCheckBeforeSend", false);
user_pref("mail.warn_on_send_accel_key", false);
user_pref("mail.compose.attachment_reminder", false);
user_pref("mail.biff.play_sound", false);
user_pref("mail.biff.show_alert", false);
user_pref("mail.spotlight.firstRunDone", true);
user_pref("mail.winsearch.firstRunDone", true);
user_pref("mailnews.auto_config_url", "");
user_pref("mailnews.auto_config.addons_url", "");
user_pref("mail.inapp.notifications.enabled", false);
user_pref("extensions.autoDisableScopes", 0);
user_pref("extensions.enabledScopes", 15);
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("xpinstall.signatures.required", false);
user_pref("app.update.auto", false);
user_pref("app.update.enabled", false);
user_pref("app.update.disabledForTesting", true);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("toolkit.telemetry.server", "");
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.proxy.type", 0);
user_pref("offline.autoDetect", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("mail.cloud_files.enabled", false);
user_pref("calendar.integration.notify", false);
user_pref("mail.tabs.drawInTitlebar", false);
user_pref("browser.dom.window.dump.enabled", true);
user_pref("devtools.console.stdout.chrome", true);
user_pref("devtools.console.stdout.content", true);
user_pref("marionette.port", {marionette_port});
"""

# Chrome-context helpers shared by the scripts below.
JS_PRELUDE = r"""
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
function composeWindows() { return [...Services.wm.getEnumerator("msgcompose")]; }
function findCompose(tag) {
  return composeWindows().find(w => w.__sealgateE2eTag === tag) || null;
}
"""


class Thunderbird:
    def __init__(self, workdir, smtp_port, env=None, name="tb", headless=True, extra_args=(), extra_prefs="",
                 profile_setup=None):
        """headless=False starts it on $DISPLAY (the demo, the screenshots);
        extra_args go on the command line, extra_prefs (user.js lines) into
        the profile; profile_setup(profile_dir) runs on the fresh profile
        before the start (e.g. lib/smime.py's NSS database)."""
        self.workdir = os.path.abspath(workdir)
        self.headless = headless
        self.extra_args = list(extra_args)
        self.extra_prefs = extra_prefs
        self.profile_setup = profile_setup
        self.name = name
        self.profile = os.path.join(self.workdir, f"profile-{name}")
        self.smtp_port = smtp_port
        self.env_extra = dict(env or {})
        self.marionette_port = free_port()
        self.proc = None
        self.m = None
        self.log_path = os.path.join(self.workdir, f"thunderbird-{name}.log")
        self._log = None
        self._tag = 0
        self.extension_id = None

    # -- lifecycle ---------------------------------------------------------
    def make_profile(self):
        os.makedirs(self.profile, exist_ok=True)
        with open(os.path.join(self.profile, "user.js"), "w", encoding="utf-8") as fh:
            fh.write(USER_JS.replace("{smtp_port}", str(self.smtp_port))
                     .replace("{pop_port}", str(free_port()))
                     .replace("{marionette_port}", str(self.marionette_port)))
            fh.write(self.extra_prefs)
        if self.profile_setup:
            self.profile_setup(self.profile)

    def start(self, timeout=90):
        self.make_profile()
        env = dict(os.environ)
        for k in ("MOZ_HEADLESS", "MOZ_HEADLESS_WIDTH", "MOZ_HEADLESS_HEIGHT"):
            env.pop(k, None)
        if self.headless:
            env["MOZ_HEADLESS"] = "1"
        env.update({"MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_DISABLE_AUTO_SAFE_MODE": "1",
                    "NO_AT_BRIDGE": "1", "MOZ_MARIONETTE": "1"})
        env.update(self.env_extra)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [THUNDERBIRD, *(["--headless"] if self.headless else []), "--marionette",
             "--remote-allow-system-access", "--no-remote", "--profile", self.profile, *self.extra_args],
            env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            cwd=self.workdir, start_new_session=True)
        deadline = time.monotonic() + timeout
        self.m = Marionette(port=self.marionette_port)
        try:
            self.m.connect(timeout=max(5, deadline - time.monotonic()))
            self.m.new_session({"alwaysMatch": {"moz:windowless": False}})
            self.m.set_context("chrome")
            self.wait_ready(timeout=max(5, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout):
        """Wait for the main window and the configured identity."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"thunderbird exited ({self.proc.returncode}); "
                                   f"see {self.log_path}")
            try:
                r = self.m.execute(JS_PRELUDE + r"""
                  const w = Services.wm.getMostRecentWindow("mail:3pane");
                  if (!w || w.document.readyState != "complete") return "no-window";
                  const id = MailServices.accounts.getIdentity("id1");
                  if (!id || id.email != "alice@corp.example") return "no-identity";
                  return "ok";""")
                if r == "ok":
                    return
                last = r
            except (MarionetteError, TimeoutError) as e:
                last = e
            time.sleep(0.25)
        raise TimeoutError(f"thunderbird not ready in {timeout}s: {last}")

    def pids(self):
        """Pids of Thunderbird and all its descendants (its session)."""
        if not self.proc:
            return []
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                if int(fields[3]) == self.proc.pid:  # session id
                    out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
        return out

    def host_pids(self):
        """Pids of sealgate-host processes started by this Thunderbird."""
        out = []
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    argv0 = fh.read().split(b"\0")[0]
                if os.path.basename(argv0) == b"sealgate-host":
                    out.append(pid)
            except OSError:
                pass
        return out

    def stop(self, timeout=20):
        if self.m:
            try:
                if self.proc and self.proc.poll() is None:
                    self.m.quit(timeout=10)
            except Exception:  # noqa: BLE001
                pass
            self.m.close()
            self.m = None
        if self.proc:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
            # Kill the whole session (thunderbird, its content processes, the
            # native host) whether or not the quit worked.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self._log:
            self._log.close()
            self._log = None

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def set_prefs(self, prefs):
        """Set preferences in the running Thunderbird ({name: bool|int|str});
        identity prefs (mail.identity.idN.*) take effect for the next compose
        window."""
        self.m.set_context("chrome")
        return self.m.execute(r"""
          for (const [k, v] of Object.entries(arguments[0])) {
            if (typeof v == "boolean") Services.prefs.setBoolPref(k, v);
            else if (typeof v == "number") Services.prefs.setIntPref(k, v);
            else Services.prefs.setStringPref(k, String(v));
          }
          return true;""", [prefs])

    # -- extension ---------------------------------------------------------
    def install_extension(self, path, timeout=30):
        self.m.set_context("chrome")
        self.extension_id = self.m.install_addon(os.path.abspath(path), temporary=True)
        return self.wait_extension(self.extension_id, timeout)

    def wait_extension(self, ext_id, timeout=30):
        """Wait until the add-on `ext_id` is active and its background page
        has run; it becomes self.extension_id. TimeoutError otherwise."""
        self.m.set_context("chrome")
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            state = self.m.execute(r"""
              const { ExtensionParent } = ChromeUtils.importESModule(
                "resource://gre/modules/ExtensionParent.sys.mjs");
              const ext = ExtensionParent.GlobalManager.getExtension(arguments[0]);
              if (!ext) return "no-extension";
              return ext.backgroundState || (ext.backgroundContext ? "running" : "starting");
            """, [ext_id])
            if state == "running":
                self.extension_id = ext_id
                return ext_id
            time.sleep(0.2)
        raise TimeoutError(f"extension {ext_id} not running in {timeout}s: {state}")

    # -- composing and sending ----------------------------------------------
    def compose(self, to=(), cc=(), bcc=(), subject="", body="", attachments=(),
                extra_headers=None, timeout=30):
        """Open a compose window with these fields; return its tag."""
        self._tag += 1
        tag = f"e2e-{self._tag}"
        self.m.set_context("chrome")
        self.m.execute(JS_PRELUDE + r"""
          const [tag, to, cc, bcc, subject, body, attachments] = arguments;
          const fields = Cc["@mozilla.org/messengercompose/composefields;1"]
            .createInstance(Ci.nsIMsgCompFields);
          fields.to = to; fields.cc = cc; fields.bcc = bcc;
          fields.subject = subject; fields.body = body;
          for (const path of attachments) {
            const file = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
            file.initWithPath(path);
            const a = Cc["@mozilla.org/messengercompose/attachment;1"]
              .createInstance(Ci.nsIMsgAttachment);
            a.url = Services.io.newFileURI(file).spec;
            a.name = file.leafName;
            a.size = file.fileSize;
            fields.addAttachment(a);
          }
          const params = Cc["@mozilla.org/messengercompose/composeparams;1"]
            .createInstance(Ci.nsIMsgComposeParams);
          params.type = Ci.nsIMsgCompType.New;
          params.format = Ci.nsIMsgCompFormat.PlainText;
          params.identity = MailServices.accounts.getIdentity("id1");
          params.composeFields = fields;
          const before = new Set(composeWindows());
          globalThis.__sealgateE2eBefore = before;
          MailServices.compose.OpenComposeWindowWithParams(null, params);
          return true;
        """,
            [tag, ", ".join(to), ", ".join(cc), ", ".join(bcc), subject, body,
             [os.path.abspath(a) for a in attachments]])
        # Wait for the new window to finish loading and tag it.
        deadline = time.monotonic() + timeout
        r = None
        while time.monotonic() < deadline:
            try:
                r = self._compose_ready(tag, len(attachments))
            except TimeoutError:
                r = "busy"  # the main thread still laying out (2,000 recipients)
            if r == "ok":
                break
            time.sleep(0.1)
        else:
            raise TimeoutError(f"compose window not ready in {timeout}s: {r}")
        if extra_headers:
            for name, value in extra_headers.items():
                self.set_header(tag, name, value)
        return tag

    def _compose_ready(self, tag, n_attachments):
        return self.m.execute(JS_PRELUDE + r"""
              const [tag, n] = arguments;
              const before = globalThis.__sealgateE2eBefore || new Set();
              const w = composeWindows().find(w => !before.has(w) && !w.__sealgateE2eTag);
              if (!w) return "no-window";
              if (w.document.readyState != "complete" || !w.gLoadingComplete || !w.gMsgCompose)
                return "loading";
              if (w.gAttachmentBucket && w.gAttachmentBucket.itemCount < n) return "attaching";
              w.__sealgateE2eTag = tag;
              return "ok";
            """, [tag, n_attachments])

    def set_header(self, tag, name, value):
        """Set a header on the compose fields, as another add-on or Thunderbird
        itself would; it shows up in onBeforeSend's details.customHeaders."""
        return self.m.execute(JS_PRELUDE + r"""
          const [tag, name, value] = arguments;
          const w = findCompose(tag);
          w.gMsgCompose.compFields.setHeader(name, value);
          return w.gMsgCompose.compFields.getHeader(name);
        """, [tag, name, value])

    def fields(self, tag):
        """What the compose window holds now (null if it has closed)."""
        return self.m.execute(JS_PRELUDE + r"""
          const w = findCompose(arguments[0]);
          if (!w || w.closed) return null;
          const f = w.GetComposeDetails ? w.GetComposeDetails() : w.gMsgCompose.compFields;
          const headers = {};
          for (const h of f.headerNames || []) headers[h] = f.getHeader(h);
          let body = null;
          try { body = w.gMsgCompose.editor.outputToString("text/plain",
                        Ci.nsIDocumentEncoder.OutputRaw); } catch (e) { body = String(e); }
          const atts = [];
          if (w.gAttachmentBucket)
            for (const item of w.gAttachmentBucket.itemChildren) atts.push(item.attachment.name);
          return {to: f.to, cc: f.cc, bcc: f.bcc, subject: w.document.getElementById("msgSubject").value,
                  body, attachments: atts, headers,
                  locked: !!w.gWindowLocked, sending: !!w.gSendOperationInProgress};
        """, [tag])

    def send(self, tag, close_timeout=20):
        """Press Send (cmd_sendNow, what the Send button does) in the compose
        window; wait up to close_timeout for it to close. Returns
        {"sent_at": wall-clock ms of the command, "closed": bool,
         "closed_at": wall-clock ms or None}."""
        t0 = self.m.execute(JS_PRELUDE + r"""
          const w = findCompose(arguments[0]);
          if (!w) throw new Error("no compose window " + arguments[0]);
          w.focus();
          const t = w.performance.timeOrigin + w.performance.now();
          w.setTimeout(() => w.goDoCommand("cmd_sendNow"), 0);
          return t;
        """, [tag])
        closed_at = None
        deadline = time.monotonic() + close_timeout
        while time.monotonic() < deadline:
            st = self.m.execute(JS_PRELUDE + r"""
              const w = findCompose(arguments[0]);
              return (!w || w.closed) ? "closed" : "open";
            """, [tag])
            if st == "closed":
                closed_at = time.time() * 1000
                break
            time.sleep(0.05)
        return {"sent_at": t0, "closed": closed_at is not None, "closed_at": closed_at}

    def compose_reply(self, eml_path, subject, add_to=(), timeout=30):
        """Put the message file eml_path into Local Folders/e2e-orig, open a
        Reply All to it (compose details' relatedMessageId is that message),
        add add_to to To; return the compose window's tag."""
        self.m.set_context("chrome")
        self.m.execute(JS_PRELUDE + r"""
          const [path] = arguments;
          const root = MailServices.accounts.localFoldersServer.rootFolder;
          if (!root.containsChildNamed("e2e-orig")) root.createSubfolder("e2e-orig", null);
          const f = root.getChildNamed("e2e-orig");
          const file = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
          file.initWithPath(path);
          MailServices.copy.copyFileMessage(file, f, null, false, 0, "", null, null);
          return true;
        """, [os.path.abspath(eml_path)])
        uri = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not uri:
            uri = self.m.execute(JS_PRELUDE + r"""
              const root = MailServices.accounts.localFoldersServer.rootFolder;
              const f = root.getChildNamed("e2e-orig");
              for (const h of [...f.messages])
                if (h.mime2DecodedSubject == arguments[0]) return f.getUriForMsg(h);
              return null;
            """, [subject])
            if not uri:
                time.sleep(0.2)
        if not uri:
            raise TimeoutError("the original message did not arrive in Local Folders/e2e-orig")
        self._tag += 1
        tag = f"e2e-{self._tag}"
        self.m.execute(JS_PRELUDE + r"""
          const [uri] = arguments;
          const hdr = MailServices.messageServiceFromURI(uri).messageURIToMsgHdr(uri);
          globalThis.__sealgateE2eBefore = new Set(composeWindows());
          MailServices.compose.OpenComposeWindow(null, hdr, uri, Ci.nsIMsgCompType.ReplyAll,
            Ci.nsIMsgCompFormat.PlainText, MailServices.accounts.getIdentity("id1"), null, null);
          return true;
        """, [uri])
        r = None
        while time.monotonic() < deadline:
            r = self.m.execute(JS_PRELUDE + r"""
              const [tag, add] = arguments;
              const before = globalThis.__sealgateE2eBefore || new Set();
              const w = composeWindows().find(w => !before.has(w) && !w.__sealgateE2eTag);
              if (!w) return "no-window";
              if (w.document.readyState != "complete" || !w.gLoadingComplete || !w.gMsgCompose) return "loading";
              const to = w.GetComposeDetails ? w.GetComposeDetails().to : w.gMsgCompose.compFields.to;
              if (!to || !String(to).includes("@")) return "no-reply-recipients";
              if (add.length) {
                const row = w.document.getElementById("addressRowTo");
                if (typeof w.addressRowAddRecipientsArray == "function" && row)
                  w.addressRowAddRecipientsArray(row, add);
                else
                  w.SetComposeDetails({ to: [...[].concat(to), ...add] });
              }
              w.__sealgateE2eTag = tag;
              return "ok";
            """, [tag, list(add_to)])
            if r == "ok":
                return tag
            time.sleep(0.1)
        raise TimeoutError(f"reply window not ready in {timeout}s: {r}")

    def send_later(self, tag, close_timeout=20):
        """Press Send Later (cmd_sendLater): the message goes to the Outbox
        through the same onBeforeSend. Returns whether the window closed."""
        self.m.set_context("chrome")
        self.m.execute(JS_PRELUDE + r"""
          const w = findCompose(arguments[0]);
          if (!w) throw new Error("no compose window " + arguments[0]);
          w.setTimeout(() => w.goDoCommand("cmd_sendLater"), 0);
          return true;
        """, [tag])
        deadline = time.monotonic() + close_timeout
        while time.monotonic() < deadline:
            if self.m.execute(JS_PRELUDE + r"""
              const w = findCompose(arguments[0]);
              return !w || w.closed;
            """, [tag]):
                return True
            time.sleep(0.05)
        return False

    def send_unsent(self):
        """Send Unsent Messages (File menu): the Outbox through the SMTP server."""
        self.m.set_context("chrome")
        return self.m.execute(JS_PRELUDE + r"""
          const sl = Cc["@mozilla.org/messengercompose/sendlater;1"].getService(Ci.nsIMsgSendLater);
          sl.sendUnsentMessages(MailServices.accounts.getIdentity("id1"));
          return true;
        """, [])

    def send_state(self, tag):
        return self.m.execute(JS_PRELUDE + r"""
          const w = findCompose(arguments[0]);
          if (!w || w.closed) return "closed";
          return JSON.stringify({locked: !!w.gWindowLocked, sending: !!w.gSendOperationInProgress});
        """, [tag])

    def close_compose(self, tag):
        """Close a compose window without saving or prompting."""
        return self.m.execute(JS_PRELUDE + r"""
          const w = findCompose(arguments[0]);
          if (!w || w.closed) return false;
          w.gContentChanged = false;
          if (w.gMsgCompose) w.gMsgCompose.bodyModified = false;
          w.close();
          return true;
        """, [tag])

    def close_all_compose(self):
        return self.m.execute(JS_PRELUDE + r"""
          let n = 0;
          for (const w of composeWindows()) {
            w.gContentChanged = false;
            if (w.gMsgCompose) w.gMsgCompose.bodyModified = false;
            w.close(); n++;
          }
          return n;
        """)

    # -- extension windows -----------------------------------------------------
    def notices(self):
        """Extension popup windows: [{"url", "title"}] (url of the page shown)."""
        self.m.set_context("chrome")
        return self.m.execute(r"""
          const out = [];
          for (const w of Services.wm.getEnumerator("mail:extensionPopup")) {
            if (w.closed) continue;
            const b = w.document.getElementById("requestFrame");
            out.push({url: b && b.currentURI ? b.currentURI.spec : null, title: w.document.title});
          }
          return out;
        """)

    def wait_notice(self, match, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for n in self.notices():
                if n["url"] and match in n["url"]:
                    return n
            time.sleep(0.1)
        return None

    # Extension pages run in the extension process, out of reach of the chrome
    # context, and Marionette's content context only knows mail tabs. So the
    # scripts below go through Marionette's own JSWindowActor
    # ("MarionetteCommands", registered for every browsing context) of the
    # popup's <browser id="requestFrame">: executeScript runs in the page,
    # clickElement does what WebDriver:ElementClick does (scroll into view,
    # interactability checks, a synthesized trusted mouse click).
    _POPUP_ACTOR = r"""
      function popupActor(match) {
        for (const w of Services.wm.getEnumerator("mail:extensionPopup")) {
          if (w.closed) continue;
          const b = w.document.getElementById("requestFrame");
          if (b && b.currentURI && b.currentURI.spec.includes(match)
              && b.browsingContext && b.browsingContext.currentWindowGlobal)
            return b.browsingContext.currentWindowGlobal.getActor("MarionetteCommands");
        }
        return null;
      }
    """

    def notice_dom(self, match, script, args=None, timeout=15):
        """Run script (a function body; `return` gives the value) in the
        extension page of the popup whose URL contains match."""
        self.m.set_context("chrome")
        deadline = time.monotonic() + timeout
        while True:
            r = self.m.execute_async(self._POPUP_ACTOR + r"""
              const [match, script, args, done] = arguments;
              const actor = popupActor(match);
              if (!actor) { done({missing: true}); return; }
              actor.executeScript(script, args, {timeout: 10000})
                .then(v => done({value: v}), e => done({error: String(e)}));
            """, [match, script, args or []], timeout=20)
            if r.get("missing"):
                if time.monotonic() > deadline:
                    raise LookupError(f"no extension popup with {match!r}")
            elif "error" in r:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"script in popup {match!r} failed: {r['error']}")
            else:
                return r.get("value")
            time.sleep(0.2)

    def click_notice(self, match, selector, timeout=15):
        """Click the element `selector` in the notice popup whose URL contains
        match, as WebDriver:ElementClick would. Returns "clicked", or
        "missing"/"error: ..." when it could not."""
        self.m.set_context("chrome")
        deadline = time.monotonic() + timeout
        r = None
        while time.monotonic() < deadline:
            r = self.m.execute_async(self._POPUP_ACTOR + r"""
              const [match, selector, done] = arguments;
              const actor = popupActor(match);
              if (!actor) { done("no-popup"); return; }
              (async () => {
                const el = await actor.findElement("css selector", selector, {});
                await actor.clickElement(el, {toJSON: () => ({
                  "moz:accessibilityChecks": false, "moz:webdriverClick": true})});
                return "clicked";
              })().then(done, e => done("error: " + e));
            """, [match, selector], timeout=20)
            if r == "clicked":
                return r
            if "destroyed before query" in str(r):
                # The click closed the popup before the actor could answer.
                return "clicked"
            if r != "no-popup" and not str(r).startswith("error: NoSuchElement"):
                return r
            time.sleep(0.2)
        return r

    def close_notices(self):
        self.m.set_context("chrome")
        return self.m.execute(r"""
          let n = 0;
          for (const w of Services.wm.getEnumerator("mail:extensionPopup")) { w.close(); n++; }
          return n;""")
