/* sealgate: the notice window. Reads what to show from the background page
 * (by the nonce in its URL), answers "back" or "send" (send-anyway, only for a
 * helper failure under on_helper_failure=warn, and for a policy whose choice
 * when no prompt can be shown is "send"); closing the window is "back". */
"use strict";

const params = new URLSearchParams(location.search);
const kind = params.get("kind") || "block";
const nonce = params.get("n");
const t = (name, subs) => messenger.i18n.getMessage(name, subs) || name;

function setText(id, text) {
        const el = document.getElementById(id);
        el.textContent = text || "";
        el.hidden = !text;
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
                extra.push(t("noticeUnexpanded", [data.unexpanded.join(", ")]));

        if (kind === "helper-failure") {
                const warn = params.get("mode") === "warn";
                document.title = t("noticeTitleHelper");
                document.body.classList.add("helper-failure", warn ? "warn" : "block");
                setText("heading", t("noticeHelperHeading"));
                setText("intro", t("noticeHelperIntro"));
                setText("extra", warn ? t("noticeHelperWarn") : t("noticeHelperNotSent"));
                setText("detail", data.error ? t("noticeHelperDetail", [data.error]) : "");
                setText("fix", t("noticeHelperFix"));
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
                setText("detail", data.error ? t("noticeHelperDetail", [data.error]) : "");
                setText("fix", t("noticeHelperFix"));
                send.hidden = false;
                send.addEventListener("click", () => answer("send"));
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
                setText("extra", extra.join("\n"));
                setText("detail", "");
                setText("fix", "");
        }
        if (kind === "helper-failure" && extra.length)
                setText("extra", [document.getElementById("extra").textContent, ...extra].join("\n"));
        document.body.dataset.ready = "true";
        const shown = [...document.querySelectorAll("button")].filter((b) => !b.hidden).map((b) => `#${b.id}`);
        console.info(`sealgate: notice ${kind}${params.get("mode") ? `/${params.get("mode")}` : ""} shown: ${document.getElementById("heading").textContent} [${shown.join(" ")}]`);
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
