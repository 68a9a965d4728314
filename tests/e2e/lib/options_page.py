"""sealgate end-to-end rig: driving the extension's options page
(options.html) in a running Thunderbird through Marionette, shared by the
e2e options cases (tests/e2e/truth_cases.py) and tools/screenshot-options.py:
open it in a tab, run a script in the page, click "Check the installation",
close the tab. The page runs in the extension process, so scripts reach it
through the tab browser's MarionetteCommands actor."""
import time

EXT_ID = "sealgate@sealgate.example"

# The Marionette actor of the options tab's browser.
TAB_ACTOR = r"""
  function optionsActor(match) {
    for (const w of Services.wm.getEnumerator("mail:3pane")) {
      const tabmail = w.document.getElementById("tabmail");
      if (!tabmail) continue;
      for (const info of tabmail.tabInfo) {
        const b = info.browser || info.linkedBrowser || null;
        if (b && b.currentURI && b.currentURI.spec.includes(match)
            && b.browsingContext && b.browsingContext.currentWindowGlobal)
          return b.browsingContext.currentWindowGlobal.getActor("MarionetteCommands");
      }
    }
    return null;
  }
"""


def extension_host(m, ext_id=EXT_ID):
    """The extension's moz-extension:// host name, or None when it is not installed."""
    m.set_context("chrome")
    return m.execute(r"""
      const p = WebExtensionPolicy.getByID(arguments[0]);
      return p ? p.mozExtensionHostname : null;""", [ext_id])


def open_options(m, host):
    """Open moz-extension://HOST/options.html in a tab of the main window."""
    m.set_context("chrome")
    m.execute(r"""
      const w = Services.wm.getMostRecentWindow("mail:3pane");
      w.document.getElementById("tabmail").openTab("contentTab", {url: arguments[0]});""",
              [f"moz-extension://{host}/options.html"])


def options_dom(m, host, script):
    """What `script` (a function body run in the page) returns, or None when
    the tab or the script failed."""
    m.set_context("chrome")
    r = m.execute_async(TAB_ACTOR + r"""
      const [match, script, done] = arguments;
      const actor = optionsActor(match);
      if (!actor) { done({error: "no tab"}); return; }
      actor.executeScript(script, [], {timeout: 10000}).then(v => done({value: v}), e => done({error: String(e)}));
    """, [host, script], timeout=20)
    return r.get("value") if isinstance(r, dict) else None


def wait_dom(m, host, script, done, timeout=30):
    """options_dom until done(value) holds or `timeout` seconds pass; the last value."""
    deadline = time.monotonic() + timeout
    v = None
    while time.monotonic() < deadline:
        v = options_dom(m, host, script)
        if v and done(v):
            break
        time.sleep(0.3)
    return v


def click_check(m, host):
    """Click "Check the installation" (#check); "clicked", or what went wrong."""
    m.set_context("chrome")
    return m.execute_async(TAB_ACTOR + r"""
      const [match, done] = arguments;
      const actor = optionsActor(match);
      if (!actor) { done("no-tab"); return; }
      (async () => {
        const el = await actor.findElement("css selector", "#check", {});
        await actor.clickElement(el, {toJSON: () => ({
          "moz:accessibilityChecks": false, "moz:webdriverClick": true})});
        return "clicked";
      })().then(done, e => done("error: " + e));
    """, [host], timeout=20)


def close_options(m, host):
    """Close every tab showing the options page."""
    m.set_context("chrome")
    m.execute(r"""
      const w = Services.wm.getMostRecentWindow("mail:3pane");
      const tabmail = w.document.getElementById("tabmail");
      for (const info of [...tabmail.tabInfo])
        if (info.browser && info.browser.currentURI && info.browser.currentURI.spec.includes(arguments[0]))
          tabmail.closeTab(info);""", [host])
