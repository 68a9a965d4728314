/* sealgate background page, outcome application: the host says what to do
 * (the outcome of docs/protocol.md: with policy.evaluate's decision, with
 * prompt.show's answer, and as the decision's fallback when no prompt can
 * be shown) and this only applies it: headers, subject, the encryption
 * switch (encrypt.js), a notice, or cancel. No rule of the policy is
 * computed here. */
"use strict";

/* Replace same-name headers (case-insensitively), keep the rest, in order. */
function mergeHeaders(existing, add) {
        const out = (existing || []).map((h) => ({ name: h.name, value: h.value }));
        for (const h of add || []) {
                const i = out.findIndex((e) => e.name.toLowerCase() === h.name.toLowerCase());
                if (i >= 0)
                        out[i] = { name: h.name, value: h.value };
                else
                        out.push({ name: h.name, value: h.value });
        }
        return out;
}

/* The outcome's headers plus its gateway check header (X-Sealgate-Checked:
 * the attempt id and the decision; docs/admin/gateway.md), when it has one. */
function withCheck(headers, check) {
        return check && check.name ? [...(headers || []), check] : headers || [];
}

/* The compose details to change for these headers and subject (null: the
 * subject stays). */
function applyChanges(details, headers, subject) {
        const changes = {};
        if ((headers || []).length)
                changes.customHeaders = mergeHeaders(details.customHeaders, headers);
        if (typeof subject === "string" && subject !== (details.subject || ""))
                changes.subject = subject;
        return Object.keys(changes).length ? { details: changes } : {};
}

function listSeparator() {
        return messenger.i18n.getMessage("listSeparator") || ", ";
}

/* The reasons in words (the policy's label for the trigger when it has one,
 * else the catalog's sentences: reason_CODE with the number
 * of items and the items; reason_CODE_plural for a count other than 1); the
 * host's detail when a sentence needs evidence and the reason has none. */
function reasonsText(decision, keep = () => true) {
        return (decision.reasons || []).filter(keep).map((r) => {
                /* The policy's words for its trigger (triggers[].label), as the host gives them. */
                if (r.label && typeof r.label[uiLanguage()] === "string")
                        return r.label[uiLanguage()];
                const items = r.items || [];
                /* Sizes come formatted from the host (sg_format_size, in C once). */
                const shown = r.shown && Array.isArray(r.shown[uiLanguage()]) ? r.shown[uiLanguage()] : items;
                const subs = [String(items.length), shown.join(listSeparator())];
                const key = `reason_${r.code}`;
                let t = items.length !== 1 ? messenger.i18n.getMessage(`${key}_plural`, subs) : "";
                if (!t)
                        t = messenger.i18n.getMessage(key, subs);
                const needsItems = /\$\d/.test(messenger.i18n.getMessage(key, ["$1", "$2"]) || "");
                if (!t || (items.length === 0 && needsItems))
                        return r.detail || r.code;
                return t;
        });
}

/* The one line saying which policy rule took "Send without encryption" out
 * and why (the decision's send_removed_by: the engine decides), or null. */
function sendRemovedText(decision) {
        const i = decision ? decision.send_removed_by : null;
        const r = Number.isInteger(i) && decision.reasons ? decision.reasons[i] : null;
        if (!r)
                return null;
        return messenger.i18n.getMessage("popupSendNotAllowed", [r.trigger || r.code, reasonsText({ reasons: [r] })[0]]);
}

/* Errors of prompt.show after which the decision's fallback outcome applies
 * (the helper itself works; only the prompt window could not do its job). */
const PROMPT_ERRORS = new Set(["prompt_unavailable", "prompt_failed", "prompt_busy", "unknown_attempt"]);
/* How much longer than the policy's prompt timeout we wait for prompt.show:
 * the host ends an unanswered prompt itself, this only guards a hung host. */
const PROMPT_WAIT_MARGIN_MS = 30000;
const PROMPT_TIMEOUT_DEFAULT_S = 300;

function uiLanguage() {
        const l = String(messenger.i18n.getUILanguage() || "").toLowerCase();
        return l === "ja" || l.startsWith("ja-") ? "ja" : "en";
}

/* No prompt could be shown: the decision's fallback_outcome. Sending in the
 * clear is never done silently: the user is asked in a notice first. */
async function fallbackOutcome(tab, decision, ctx, err) {
        const o = decision.fallback_outcome || { action: "cancel", headers: [] };
        log(`the prompt could not be shown (${err.code}: ${err.message}); taking the policy's fallback "${o.choice || o.action}"`);
        if (o.action === "send") {
                const answer = await showNotice(tab, "no-prompt", {
                        error: `${err.code}: ${err.message}`,
                        reasons: reasonsText(decision),
                        unexpanded: ctx.unexpanded,
                });
                log(`fallback "send": the user answered ${answer}`);
                return answer === "send" ? o : { action: "cancel", headers: [] };
        }
        if (o.action === "cancel")
                await showNotice(tab, "block", { reasons: reasonsText(decision), extra: [msg("noticeNoPrompt")], unexpanded: ctx.unexpanded });
        return o;
}

/* Ask the user through the host's prompt window (prompt.show); resolves to
 * the outcome to apply. A helper failure rejects (the caller applies
 * on_helper_failure). */
async function choose(tab, details, decision, ctx) {
        const timeoutS = Number.isInteger(decision.prompt_timeout_seconds) ? decision.prompt_timeout_seconds : PROMPT_TIMEOUT_DEFAULT_S;
        const fields = { attempt: decision.attempt, lang: uiLanguage(), subject: details.subject || "" };
        /* "Encrypt and send" is offered only when it can happen now: the host
         * decides from these facts. */
        if ((decision.choices || []).some((c) => c.kind === "encrypt"))
                fields.readiness = await encryptReadiness(details, decision);
        /* The method chosen before Send with the Secure send button
         * (compose-action.js): the host makes it the answer or the default. */
        const preselect = composePreselect(tab.id, decision);
        if (preselect)
                fields.preselect = preselect;
        let r;
        try {
                r = await helper.request("prompt.show", fields, timeoutS * 1000 + PROMPT_WAIT_MARGIN_MS);
        } catch (err) {
                if (err instanceof HelperError && err.kind === "host" && PROMPT_ERRORS.has(err.code))
                        return fallbackOutcome(tab, decision, ctx, err);
                throw err;
        }
        log(`decision prompt: choice "${r.choice}" (by ${r.by})${r.justification ? " with a justification" : ""}`);
        return r.outcome;
}

/* Apply the outcome to the message being sent: the listener's answer. */
async function applyOutcome(tab, details, decision, outcome, ctx) {
        const action = outcome && outcome.action;
        if (action === "send") {
                log(`outcome send${(outcome.headers || []).length ? `: headers ${outcome.headers.map((h) => h.name).join(", ")}` : ": unchanged"}`);
                ctx.applied = { headers: withCheck(outcome.headers, outcome.check) };
                return applyChanges(details, ctx.applied.headers, null);
        }
        if (action === "route") {
                log(`outcome route "${outcome.route}": headers ${(outcome.headers || []).map((h) => h.name).join(", ")}${outcome.subject !== null ? ", subject tagged" : ""}`);
                ctx.applied = { route: outcome.route, headers: withCheck(outcome.headers, outcome.check), subject: outcome.subject };
                return applyChanges(details, ctx.applied.headers, outcome.subject);
        }
        if (action === "encrypt") {
                log("outcome encrypt");
                return applyEncrypt(tab, details, decision, outcome, ctx);
        }
        if (action === "block") {
                log(`outcome block: send cancelled (${(decision.reasons || []).map((r) => r.code).join(", ")})`);
                /* The cause: the reasons that asked for the block; the
                 * others (outside recipients) are context. */
                const cause = (r) => r.action === "block";
                const causes = reasonsText(decision, cause);
                await showNotice(tab, "block", {
                        reasons: causes.length ? causes : reasonsText(decision),
                        context: causes.length ? reasonsText(decision, (r) => !cause(r)) : [],
                        attempt: decision.attempt,
                        unexpanded: ctx.unexpanded,
                });
                return { cancel: true };
        }
        if (action === "cancel")
                return { cancel: true }; /* back to editing: the draft is untouched */
        log(`outcome ${JSON.stringify(action)} cannot be applied: send cancelled`);
        await showNotice(tab, "block", { reasons: [msg("noticeUnknownAction", [String(action)])] });
        return { cancel: true };
}

/* The decision's outcome, asking the user first when it is a prompt. */
async function act(tab, details, decision, ctx) {
        const outcome = decision.action === "prompt" ? await choose(tab, details, decision, ctx) : decision.outcome;
        return applyMissend(tab, details, outcome, await applyOutcome(tab, details, decision, outcome, ctx));
}

/* The subject tag a new subject carries: what was put before the old one. */
function subjectTag(oldSubject, newSubject) {
        if (typeof newSubject !== "string" || newSubject === (oldSubject || ""))
                return null;
        const old = oldSubject || "";
        return (old && newSubject.endsWith(old) ? newSubject.slice(0, newSubject.length - old.length) : newSubject).trim() || null;
}

/* Whether the compose window now holds what was applied (read back). */
function readBackMatches(now, changes, applied) {
        const d = (changes && changes.details) || {};
        if (typeof d.subject === "string" && now.subject !== d.subject)
                return false;
        for (const h of applied.headers || []) {
                const got = (now.customHeaders || []).find((x) => x.name.toLowerCase() === h.name.toLowerCase());
                if (!got || got.value !== h.value)
                        return false;
        }
        if (applied.technology) {
                const sel = now.selectedEncryptionTechnology;
                if (!sel || sel.name !== applied.technology || sel.encryptBody !== true)
                        return false;
        }
        return true;
}

/* Tell the host what was really applied to the message of `decision`, read
 * back from the compose window (the audit record's "applied" line, written
 * as the message leaves). The changes are set here, inside the
 * listener, so they can be read back; Thunderbird applies the returned ones
 * too (the same values). A failure is logged: the decision record exists. */
async function recordApplied(tab, details, decision, result, applied, steps = null) {
        if (!decision || !decision.attempt || !applied || (result && result.cancel))
                return;
        let confirmed = null;
        let own = null; /* Thunderbird's own encryption, switched on by the identity or the user */
        try {
                /* Nothing to change: the window holds what onBeforeSend was
                 * given, so there is nothing to read back. */
                const changes = result && result.details && Object.keys(result.details).length;
                if (changes) {
                        await messenger.compose.setComposeDetails(tab.id, result.details);
                        if (steps)
                                steps.mark("set");
                }
                const now = changes ? await messenger.compose.getComposeDetails(tab.id) : details;
                if (steps && changes)
                        steps.mark("read back");
                confirmed = readBackMatches(now, result, applied);
                const sel = now.selectedEncryptionTechnology;
                own = sel && sel.encryptBody === true ? sel.name : null;
        } catch (e) {
                log(`the compose details cannot be read back: ${e.message || e}`);
        }
        const fields = {
                attempt: decision.attempt,
                technology: applied.technology || own || null,
                route: applied.route || null,
                headers: (applied.headers || []).map((h) => h.name),
                subject_tag: subjectTag(details.subject, applied.subject),
                fallback: !!applied.fallback,
                not_ready: applied.not_ready || {},
                confirmed,
        };
        /* The record goes to the host before the message leaves; its answer
         * is not waited for (a failure was only ever logged), so the send
         * does not wait a round trip for it. */
        ask("attempt.applied", fields).then(
                () => log(`applied recorded: ${JSON.stringify(fields)}`),
                (e) => log(`the applied record was not written: ${e.message || e}`),
        );
}
