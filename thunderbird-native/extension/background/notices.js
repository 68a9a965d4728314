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

/* The cause of a helper failure, for the notice's one sentence (the
 * catalog's noticeCause_<cause>): the host's error code when the helper
 * answered, else what Thunderbird said about the connection. */
function helperCause(err) {
        if (err.kind === "host")
                return err.code === "policy_invalid" || err.code === "policy_unreadable" ? err.code : "helper_error";
        const m = String(err.message || "");
        if (/within \d+ ms|timed out/.test(m))
                return "helper_timeout";
        if (/No such native application/i.test(m))
                return "helper_missing";
        if (/cannot start|unexpected error/i.test(m))
                return "helper_cannot_start";
        return "helper_crashed";
}

/* A short reference for IT: the attempt id when there is one, else a random
 * one logged with the cause (the Error Console has it). */
function noticeReference(attempt) {
        if (attempt)
                return attempt;
        const b = new Uint8Array(6);
        crypto.getRandomValues(b);
        return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/* What "Copy for IT" copies. */
function forIT(cause, reference, detail) {
        return [
                `sealgate ${messenger.runtime.getManifest().version}`,
                `cause: ${cause}`,
                `reference: ${reference}`,
                `time: ${new Date().toISOString()}`,
                `detail: ${detail || "-"}`,
        ].join("\n");
}

async function onHelperFailure(tab, err) {
        const s = await managedSettings();
        const what = failureText(err);
        const cause = helperCause(err);
        const reference = noticeReference(null);
        log(`helper failure: cause ${cause}, reference ${reference}: ${what}`);
        const info = { error: what, code: err.code, cause, reference, copy: forIT(cause, reference, what) };
        if (s.on_helper_failure === "warn") {
                log(`helper unavailable (${what}); on_helper_failure=warn: asking the user`);
                const answer = await showNotice(tab, "helper-failure", { mode: "warn", ...info });
                if (answer === "send") {
                        log("helper unavailable; the user chose to send anyway");
                        return {};
                }
                log("helper unavailable; the user went back to editing: send cancelled");
                return { cancel: true };
        }
        log(`helper unavailable (${what}); on_helper_failure=block: send cancelled`);
        await showNotice(tab, "helper-failure", { mode: "block", ...info });
        return { cancel: true };
}

