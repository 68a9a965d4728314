/* sealgate: the Secure send popup (compose-popup.html?tab=N: the background
 * page sets that address per compose tab, so the popup knows its tab without
 * asking). Reads this compose tab's state from the background page
 * (composePopupData: directly when the background page is in this process,
 * else by the message compose.popup), shows it, and sends the user's choice
 * back (compose.choose). Decides nothing itself. */
"use strict";

const t = (k, s) => messenger.i18n.getMessage(k, s) || k;
/* Rows drawn per group at first (the background page's POPUP_ROWS_FIRST:
 * it sends no more unless asked for all); the rest on request ("show all"),
 * so a message to 2,000 recipients opens at once. */
const ROWS_FIRST = 100;
const tabParam = Number.parseInt(new URLSearchParams(location.search).get("tab"), 10);
let tabId = Number.isInteger(tabParam) ? tabParam : null;
let showAll = false;
let firstShown = false;
let choicesKey = null;
/* Where the time to appear goes (performance.now(), ms since the page's
 * navigation began): the script's start, the tab known, the data back. */
const marks = { script: Math.round(performance.now()) };

function el(tag, cls, text) {
        const e = document.createElement(tag);
        if (cls)
                e.className = cls;
        if (text !== undefined)
                e.textContent = text;
        return e;
}

function drawGroups(box, groups, external) {
        const frag = document.createDocumentFragment();
        let drawn = 0;
        let total = 0;
        for (const g of groups)
                total += g.count;
        for (const g of groups) {
                if (!showAll && drawn >= ROWS_FIRST)
                        break;
                frag.append(el("div", "domain", `${g.domain} (${g.count})`));
                for (const r of g.rows) {
                        if (!showAll && drawn >= ROWS_FIRST)
                                break;
                        const row = el("div", "row");
                        row.append(el("span", "addr", r.name ? `${r.name} <${r.address}>` : r.address));
                        if (external && r.readiness)
                                row.append(el("span", r.readiness.state, r.readiness.text));
                        frag.append(row);
                        drawn++;
                }
        }
        if (drawn < total) {
                const more = el("button", "more", t("popupShowAll", [String(total - drawn)]));
                more.type = "button";
                more.addEventListener("click", () => {
                        showAll = true;
                        refresh(false);
                });
                frag.append(more);
        }
        box.replaceChildren(frag);
}

function draw(d) {
        document.body.className = d.state;
        document.getElementById("heading").textContent = t("popupHeading");
        document.getElementById("state").textContent = t("popupNow", [d.stateText]);
        const helper = document.getElementById("helper");
        helper.hidden = !d.helper && !d.messageError;
        helper.textContent = d.helper || d.messageError || "";
        const reasons = document.getElementById("reasons");
        reasons.replaceChildren(...d.reasons.map((r) => el("li", null, r)));
        const form = document.getElementById("choose");
        form.hidden = d.choices.length === 0;
        document.getElementById("choose-legend").textContent = t("popupMethods");
        const box = document.getElementById("choices");
        const focused = document.activeElement && document.activeElement.name === "method" ? document.activeElement.value : null;
        const opts = [{ id: "", label: t("popupChoiceAtSend") }, ...d.choices];
        /* Redrawn only when the choices change (a redraw would take the
         * keyboard focus away from the radio button the user is on). */
        const key = JSON.stringify([opts, d.chosen]);
        if (key !== choicesKey) {
                choicesKey = key;
                box.replaceChildren(
                ...opts.map((c) => {
                        const label = el("label");
                        const input = el("input");
                        input.type = "radio";
                        input.name = "method";
                        input.value = c.id;
                        input.checked = (d.chosen || "") === c.id;
                        input.addEventListener("change", () => messenger.runtime.sendMessage({ type: "compose.choose", tabId, choice: c.id || null }));
                        label.append(input, ` ${c.label}`);
                        return label;
                }),
        );
                if (focused !== null) {
                        const again = box.querySelector(`input[value="${CSS.escape(focused)}"]`);
                        if (again)
                                again.focus();
                }
        }
        const note = document.getElementById("choice-note");
        note.hidden = !d.choiceNote || form.hidden;
        note.textContent = d.choiceNote || "";
        const sendNote = document.getElementById("send-note");
        sendNote.hidden = !d.sendNote || form.hidden;
        sendNote.textContent = d.sendNote || "";
        const decided = document.getElementById("decided");
        decided.hidden = !d.decided;
        decided.textContent = t("popupDecided");
        document.getElementById("external-heading").textContent = t("popupExternal", [String(d.externalCount)]);
        document.getElementById("internal-heading").textContent = t("popupInternal", [String(d.internalCount)]);
        drawGroups(document.getElementById("external"), d.external, true);
        drawGroups(document.getElementById("internal"), d.internal, false);
        const close = document.getElementById("close");
        close.textContent = t("popupClose");
        if (!firstShown) {
                firstShown = true;
                const first = box.querySelector("input:checked") || close;
                first.focus();
                const n = d.internalCount + d.externalCount;
                messenger.runtime.sendMessage({ type: "compose.popupShown", tabId, ms: Math.round(performance.now()), marks, recipients: n }).catch(() => {});
        }
}

/* The background page itself when it lives in this process (no message
 * round trip), else null. */
let background = null;
try {
        background = messenger.extension.getBackgroundPage();
} catch (e) {
        background = null;
}

async function popupData(lookup) {
        if (background && typeof background.composePopupData === "function")
                return background.composePopupData(tabId, lookup, showAll);
        return messenger.runtime.sendMessage({ type: "compose.popup", tabId, lookup, all: showAll });
}

async function refresh(lookup) {
        const d = await popupData(lookup);
        if (marks.data === undefined)
                marks.data = Math.round(performance.now());
        if (d)
                draw(d);
}

document.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
                e.preventDefault();
                window.close();
        }
});
document.getElementById("close").addEventListener("click", () => window.close());
messenger.runtime.onMessage.addListener((m) => {
        if (m && m.type === "compose.changed" && m.tabId === tabId)
                refresh(false);
});

(async () => {
        if (tabId === null) {
                const [tab] = await messenger.tabs.query({ active: true, currentWindow: true });
                tabId = tab ? tab.id : null;
        }
        marks.tab = Math.round(performance.now());
        await refresh(true);
})();
