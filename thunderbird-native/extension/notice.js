/* sealgate: the notice window. Reads what to show from the background page
 * (by the nonce in its URL), answers "back" or "send" (send-anyway, only for a
 * helper failure under on_helper_failure=warn, for a policy whose choice
 * when no prompt can be shown is "send", and "send now" in the countdown of
 * send.delay_seconds); closing the window is "back". */
"use strict";

const params = new URLSearchParams(location.search);
const kind = params.get("kind") || "block";
const nonce = params.get("n");
const t = (name, subs) => messenger.i18n.getMessage(name, subs) || name;
const $details = document.getElementById("details");

function setText(id, text) {
        const el = document.getElementById(id);
        el.textContent = text || "";
        el.hidden = !text;
}

/* The technical detail behind "Details", and "Copy for IT". */
function showDetails(detail, copy) {
        if (!detail && !copy)
                return;
        $details.hidden = false;
        document.getElementById("details-summary").textContent = t("noticeDetails");
        document.getElementById("details-text").textContent = copy || detail;
        const b = document.getElementById("copy");
        b.textContent = t("noticeCopyForIT");
        b.hidden = false;
        b.addEventListener("click", () =>
                navigator.clipboard.writeText(copy || detail).then(
                        () => {
                                b.textContent = t("noticeCopied");
                                /* the live region says it: a focused button's
                                 * new name is not read by every screen reader */
                                document.getElementById("status").textContent = t("noticeCopied");
                        },
                        (e) => console.error("sealgate: notice: copy:", e),
                ),
        );
}

function answer(a) {
        messenger.runtime.sendMessage({ type: "notice.answer", nonce, answer: a }).finally(() => window.close());
}

async function main() {
        document.documentElement.lang = messenger.i18n.getUILanguage();
        const data = (await messenger.runtime.sendMessage({ type: "notice.get", nonce })) || {};
        const back = document.getElementById("back");
        const send = document.getElementById("send-anyway");
        back.textContent = t("noticeBack");
        send.textContent = t("noticeSendAnyway");
        back.addEventListener("click", () => answer("back"));

        const reasons = document.getElementById("reasons");
        reasons.replaceChildren();
        const extra = [...(data.extra || [])];
        if (data.unexpanded && data.unexpanded.length)
                extra.push(t("noticeUnexpanded", [data.unexpanded.join(t("listSeparator"))]));

        if (kind === "helper-failure") {
                const warn = params.get("mode") === "warn";
                document.title = t("noticeTitleHelper");
                document.body.classList.add("helper-failure", warn ? "warn" : "block");
                setText("heading", t("noticeHelperHeading"));
                /* One sentence per cause; the detail behind "Details"; what
                 * to do is to tell IT, never a terminal command. */
                document.body.dataset.cause = data.cause || "";
                setText("intro", messenger.i18n.getMessage(`noticeCause_${data.cause}`) || t("noticeHelperIntro"));
                setText("extra", warn ? t("noticeHelperWarn") : t("noticeHelperNotSent"));
                setText("detail", "");
                setText("fix", t("noticeContactIT", [data.reference || "-"]));
                showDetails(data.error, data.copy);
                reasons.hidden = true;
                if (warn) {
                        send.hidden = false;
                        send.addEventListener("click", () => answer("send"));
                }
        } else if (kind === "no-prompt") {
                document.title = t("noticeTitleNoPrompt");
                document.body.classList.add("helper-failure", "warn");
                setText("heading", t("noticeNoPromptHeading"));
                setText("intro", t("noticeNoPromptIntro"));
                for (const r of data.reasons || []) {
                        const li = document.createElement("li");
                        li.textContent = r;
                        reasons.append(li);
                }
                reasons.hidden = !(data.reasons && data.reasons.length);
                setText("extra", [t("noticeNoPromptSend"), ...extra].join("\n"));
                setText("detail", "");
                setText("fix", t("noticeContactIT", [data.reference || "-"]));
                showDetails(data.error, data.copy);
                send.hidden = false;
                send.addEventListener("click", () => answer("send"));
        } else if (kind === "split") {
                /* A split delivery (background/split.js): which copy went. */
                document.title = t("noticeTitleSplit");
                document.body.classList.add("block");
                setText("heading", t(data.heading || "noticeBlockHeading"));
                setText("intro", t("noticeSplitIntro"));
                for (const r of data.lines || []) {
                        const li = document.createElement("li");
                        li.textContent = r;
                        reasons.append(li);
                }
                reasons.hidden = !(data.lines && data.lines.length);
                setText("extra", extra.join("\n"));
                setText("detail", "");
                setText("fix", "");
        } else if (kind === "countdown") {
                /* send.delay_seconds: the background page sends when the
                 * time runs out; "Back to editing" stops it. */
                document.title = t("noticeTitleCountdown");
                document.body.classList.add("countdown");
                let left = Number(data.seconds) || 0;
                const tick = () => setText("heading", t("noticeCountdownHeading", [String(Math.max(left, 0))]));
                tick();
                setInterval(() => {
                        left--;
                        tick();
                }, 1000);
                setText("intro", t("noticeCountdownIntro"));
                reasons.hidden = true;
                setText("extra", extra.join("\n"));
                setText("detail", "");
                setText("fix", "");
                if (data.skippable) {
                        send.textContent = t("noticeCountdownSkip");
                        send.hidden = false;
                        send.addEventListener("click", () => answer("send"));
                }
        } else {
                document.title = t("noticeTitleBlock");
                document.body.classList.add("block");
                setText("heading", t("noticeBlockHeading"));
                setText("intro", t("noticeBlockIntro"));
                for (const r of data.reasons || []) {
                        const li = document.createElement("li");
                        li.textContent = r;
                        reasons.append(li);
                }
                reasons.hidden = !(data.reasons && data.reasons.length);
                /* The cause above; the context (outside recipients) apart,
                 * so it does not read as "you may not write to them". */
                if (data.context && data.context.length)
                        extra.unshift(t("noticeBlockContext", [data.context.join(" / ")]));
                setText("extra", extra.join("\n"));
                setText("detail", "");
                setText("fix", data.attempt ? t("noticeBlockWhatToDo", [data.attempt]) : "");
        }
        if (kind === "helper-failure" && extra.length)
                setText("extra", [document.getElementById("extra").textContent, ...extra].join("\n"));
        document.body.dataset.ready = "true";
        const shown = [...document.querySelectorAll("button")].filter((b) => !b.hidden).map((b) => `#${b.id}`);
        console.info(`sealgate: notice ${kind}${params.get("mode") ? `/${params.get("mode")}` : ""} shown: ${document.getElementById("heading").textContent} [${shown.join(" ")}]`);
        /* Focus on open: the window, then "Back", the safe answer; a
         * screen reader reads the dialog's name and description with it. */
        window.focus();
        back.focus();
}

document.addEventListener("keydown", (e) => {
        if (e.key === "Escape")
                answer("back");
});

main().catch((e) => {
        console.error("sealgate: notice window:", e);
        setText("heading", String(e));
});
