/* sealgate: options page. Everything comes from the background page, which
 * asks the helper (ops version, policy.get, doctor, certs.wizard;
 * docs/protocol.md). */
"use strict";

const EXTENSION_ID = "sealgate@sealgate.example";
const t = (name, subs) => messenger.i18n.getMessage(name, subs) || name;
const $ = (id) => document.getElementById(id);

function localize() {
        document.documentElement.lang = messenger.i18n.getUILanguage();
        for (const el of document.querySelectorAll("[data-i18n]"))
                el.textContent = t(el.dataset.i18n);
}

function showUnreachable(error) {
        $("helper-status").hidden = true;
        $("helper-info").hidden = true;
        $("unreachable").hidden = false;
        $("unreachable-error").textContent = t("optionsUnreachable", [error.code ? `${error.code}: ${error.message}` : error.message]);
        $("cause-manifest").textContent = t("optionsCauseManifest", [
                "~/.mozilla/native-messaging-hosts/sealgate.host.json",
                "/usr/lib/mozilla/native-messaging-hosts/sealgate.host.json",
        ]);
        $("cause-extension-id").textContent = t("optionsCauseExtensionId", [EXTENSION_ID]);
}

function showSettings(s) {
        $("on-helper-failure").textContent = t(`optionsOnFailure_${s.on_helper_failure}`);
        const seconds = new Intl.NumberFormat(messenger.i18n.getUILanguage(), { maximumFractionDigits: 1 });
        $("helper-timeout").textContent = t("optionsSeconds", [seconds.format(s.helper_timeout_ms / 1000)]);
        $("managed-source").textContent = t(s.source === "managed" ? "optionsSourceManaged" : "optionsSourceDefaults");
}

function showPolicy(pg) {
        $("policy-path").textContent = pg.path;
        if (pg.loaded) {
                $("policy-state").textContent = t("optionsPolicyLoaded");
                $("policy-state").className = "ok";
                $("policy-json").textContent = JSON.stringify(pg.policy, null, 2);
                $("policy-json").hidden = false;
        } else {
                const e = pg.error || {};
                $("policy-state").textContent = t("optionsPolicyNotLoaded", [`${e.code}: ${e.message}`]);
                $("policy-state").className = "error";
                $("policy-json").hidden = true;
        }
}

async function load() {
        const info = await messenger.runtime.sendMessage({ type: "options.info" });
        showSettings(info.settings);
        if (info.error) {
                showUnreachable(info.error);
                $("policy-path").textContent = "—";
                return;
        }
        $("helper-status").hidden = true;
        $("unreachable").hidden = true;
        $("helper-info").hidden = false;
        $("version").textContent = `${info.version.name} ${info.version.version}`;
        $("protocol").textContent = String(info.version.protocol);
        showPolicy(info.policy);
}

async function runDoctor() {
        const button = $("check");
        button.disabled = true;
        $("doctor").setAttribute("aria-busy", "true");
        $("doctor-status").textContent = t("optionsDoctorRunning");
        $("doctor-status").className = "";
        const table = $("doctor-checks");
        const body = table.querySelector("tbody");
        body.replaceChildren();
        table.hidden = true;
        try {
                const r = await messenger.runtime.sendMessage({ type: "options.doctor" });
                if (r.error) {
                        $("doctor-status").textContent = t("optionsUnreachable", [r.error.message]);
                        $("doctor-status").className = "error";
                        showUnreachable(r.error);
                        return;
                }
                for (const c of r.result.checks) {
                        const tr = document.createElement("tr");
                        tr.dataset.check = c.id;
                        tr.className = c.ok ? "ok" : "error";
                        const name = document.createElement("th");
                name.scope = "row";
                        name.textContent = t(`check_${c.id}`);
                        const state = document.createElement("td");
                        state.className = "state";
                        state.textContent = c.ok ? `✔ ${t("optionsPass")}` : `✘ ${t("optionsFail")}`;
                        const detail = document.createElement("td");
                        detail.className = "detail";
                        detail.textContent = c.detail;
                        tr.append(name, state, detail);
                        body.append(tr);
                }
                table.hidden = false;
                $("doctor-status").textContent = t(r.result.ok ? "optionsDoctorAllOk" : "optionsDoctorSomeFailed");
                $("doctor-status").className = r.result.ok ? "ok" : "error";
        } finally {
                button.disabled = false;
                $("doctor").removeAttribute("aria-busy");
                button.focus(); /* disabling it took the focus away */
                /* The check may have found the policy changed: "Policy in
                 * force" and the helper's state are read again, so the page
                 * never says "fail" above "Loaded and valid". */
                await load().catch((e) => showUnreachable({ message: String(e) }));
        }
}

/* "Import a certificate…": the helper starts the wizard (op certs.wizard)
 * in its own window and answers at once. */
async function openCertsWizard() {
        const button = $("import-cert");
        button.disabled = true;
        try {
                const r = await messenger.runtime.sendMessage({ type: "options.certsWizard" });
                $("certs-status").textContent = r.error ? t("optionsCertsFailed", [r.error.message]) : t("optionsCertsStarted");
                $("certs-status").className = r.error ? "error" : "ok";
        } finally {
                button.disabled = false;
        }
}

localize();
$("import-cert").addEventListener("click", () => openCertsWizard().catch((e) => ($("certs-status").textContent = String(e))));
$("check").addEventListener("click", () => runDoctor().catch((e) => ($("doctor-status").textContent = String(e))));
load().catch((e) => showUnreachable({ message: String(e) }));
