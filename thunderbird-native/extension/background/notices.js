/* sealgate background page, notices: the notice windows (notice.html) that
 * say why a message was not sent and wait for the user's answer, and what
 * happens when the helper cannot answer (on_helper_failure). */
"use strict";

const notices = new Map(); /* nonce → {data, resolve, windowId} */
let nextNonce = 1;

async function showNotice(tab, kind, data) {
        const nonce = String(nextNonce++);
        let params = `kind=${encodeURIComponent(kind)}`;
        if (data.mode)
                params += `&mode=${encodeURIComponent(data.mode)}`;
        params += `&n=${nonce}`;
        return new Promise((resolve) => {
                notices.set(nonce, { data: { kind, ...data }, resolve, windowId: null });
                messenger.windows
                        .create({ type: "popup", url: `notice.html?${params}`, width: 560, height: 420, allowScriptsToClose: true })
                        .then((w) => {
                                const n = notices.get(nonce);
                                if (n)
                                        n.windowId = w.id;
                        })
                        .catch((e) => {
                                log(`notice window cannot be opened: ${e.message || e}`);
                                answerNotice(nonce, "back");
                        });
        });
}

function answerNotice(nonce, answer) {
        const n = notices.get(nonce);
        if (!n)
                return;
        notices.delete(nonce);
        if (n.windowId !== null && answer !== "closed")
                messenger.windows.remove(n.windowId).catch(() => {});
        n.resolve(answer === "send" ? "send" : "back");
}

messenger.windows.onRemoved.addListener((windowId) => {
        for (const [nonce, n] of notices)
                if (n.windowId === windowId)
                        answerNotice(nonce, "closed"); /* closing the window = back */
});

/* ---- helper failure */

function failureText(err) {
        if (err.kind === "host")
                return `${err.code}: ${err.message}`;
        return err.message;
}

async function onHelperFailure(tab, err) {
        const s = await managedSettings();
        const what = failureText(err);
        if (s.on_helper_failure === "warn") {
                log(`helper unavailable (${what}); on_helper_failure=warn: asking the user`);
                const answer = await showNotice(tab, "helper-failure", { mode: "warn", error: what, code: err.code });
                if (answer === "send") {
                        log("helper unavailable; the user chose to send anyway");
                        return {};
                }
                log("helper unavailable; the user went back to editing: send cancelled");
                return { cancel: true };
        }
        log(`helper unavailable (${what}); on_helper_failure=block: send cancelled`);
        await showNotice(tab, "helper-failure", { mode: "block", error: what, code: err.code });
        return { cancel: true };
}

