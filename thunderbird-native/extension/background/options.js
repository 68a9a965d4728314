/* sealgate background page, options: the messages from the notice and
 * options pages (notice.get/answer, options.info, options.doctor,
 * options.certsWizard). */
"use strict";

async function optionsInfo() {
        const settings = await managedSettings();
        const out = { settings, version: null, policy: null, error: null };
        try {
                out.version = await ask("version");
                out.policy = await ask("policy.get");
        } catch (e) {
                out.error = { kind: e.kind || "unavailable", code: e.code || null, message: e.message || String(e) };
        }
        return out;
}

async function doctor() {
        try {
                return { result: await ask("doctor") };
        } catch (e) {
                return { error: { kind: e.kind || "unavailable", code: e.code || null, message: e.message || String(e) } };
        }
}

async function certsWizard() {
        const lang = messenger.i18n.getUILanguage().startsWith("ja") ? "ja" : "en";
        try {
                return { result: await ask("certs.wizard", { lang }) };
        } catch (e) {
                return { error: { kind: e.kind || "unavailable", code: e.code || null, message: e.message || String(e) } };
        }
}

messenger.runtime.onMessage.addListener((m, sender) => {
        if (!m || typeof m !== "object")
                return undefined;
        switch (m.type) {
        case "notice.get": {
                const n = notices.get(String(m.nonce));
                return Promise.resolve(n ? n.data : null);
        }
        case "notice.answer":
                answerNotice(String(m.nonce), m.answer === "send" ? "send" : "back");
                return Promise.resolve(true);
        case "options.info":
                return optionsInfo();
        case "options.doctor":
                return doctor();
        case "options.certsWizard":
                return certsWizard();
        default:
                return undefined;
        }
});

