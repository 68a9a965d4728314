/* sealgate background page, the compose window's "Secure send" button
 * (compose_action): per compose tab, what the message would get right now
 * (policy.evaluate with preview: the host decides, nothing is computed
 * here), shown as the button's label, tooltip and badge; the data of its
 * popup (compose-popup.html: recipients, keys.lookup readiness cached per
 * address for the compose session, the choices the decision offers); and
 * the user's choice, handed to prompt.show as `preselect` at Send
 * (outcome.js choose()). Loaded after encrypt.js (lookupAddresses,
 * identityCapabilities, ENCRYPT_METHODS) and before send.js. */
"use strict";

/* Thunderbird has no recipients-changed or subject-changed event, so a
 * compose window is looked at (getComposeDetails) now and then: every
 * COMPOSE_LOOK_MS, and less often for a long recipient list (the read costs
 * the compose window's main thread time in proportion to the recipients:
 * COMPOSE_LOOK_PER_RECIPIENT_MS each, at most COMPOSE_LOOK_MAX_MS apart).
 * The events Thunderbird does have (compose state, identity, attachments,
 * dictionaries, the window getting the focus, the popup opening) look at
 * once. A changed window is evaluated after COMPOSE_DEBOUNCE_MS with the
 * details just read (one read per change); at most one policy.evaluate per
 * compose tab is in flight. */
const COMPOSE_LOOK_MS = 1000;
const COMPOSE_LOOK_PER_RECIPIENT_MS = 3;
const COMPOSE_LOOK_MAX_MS = 15000;
const COMPOSE_DEBOUNCE_MS = 400;
/* Recipient rows the popup draws per group (outside, inside) at first; the
 * rest on request ("show all"), so a message to 2,000 recipients opens at
 * once. */
const POPUP_ROWS_FIRST = 100;
/* keys.lookup takes at most 500 recipients (docs/protocol.md). */
const COMPOSE_LOOKUP_BATCH = 500;

const BADGE = Object.freeze({
        normal: { text: "", color: "#2e7d32" },
        encrypt: { text: "\u{1F512}", color: "#2e7d32" },
        route: { text: "\u2192", color: "#1565c0" },
        prompt: { text: "?", color: "#b26a00" },
        block: { text: "\u2715", color: "#c62828" },
        helper: { text: "!", color: "#c62828" },
        checking: { text: "\u2026", color: "#616161" },
        empty: { text: "", color: "#616161" },
});

const composeTabs = new Map(); /* tabId → state */

function composeState(tabId) {
        let s = composeTabs.get(tabId);
        if (!s) {
                s = {
                        tabId,
                        fingerprint: null,
                        attachmentsChanged: true,
                        timer: null,
                        lookTimer: null,
                        recipients: 0, /* in the last details read */
                        looking: null, /* the running look's promise */
                        fresh: null, /* details read by a look, not yet evaluated */
                        shown: null, /* what the button shows (label, tooltip, badge) */
                        inFlight: false,
                        again: false,
                        decision: null, /* the last preview decision */
                        error: null, /* {cause, text, mode} when the helper could not answer */
                        messageError: null,
                        unexpanded: [],
                        details: null,
                        choice: null, /* the choice id the user made in the popup */
                        keys: new Map(), /* address → keys.lookup answer (the compose session's cache) */
                        lookup: null, /* the running lookup's promise */
                        caps: null, /* the identity's encryptionCapabilities, once known */
                        capsPending: null,
                        evaluatedAt: 0,
                };
                composeTabs.set(tabId, s);
        }
        return s;
}

/* A cheap fingerprint of what the policy looks at. */
function composeFingerprint(d) {
        const body = typeof d.plainTextBody === "string" && d.plainTextBody !== "" ? d.plainTextBody : d.body || "";
        let h = 0;
        for (let i = 0; i < body.length; i++)
                h = (h * 31 + body.charCodeAt(i)) | 0;
        return JSON.stringify([d.identityId, d.from, d.to, d.cc, d.bcc, d.subject, d.customHeaders, body.length, h]);
}

/* What the button says: {key, badge, subs}. The host says it (the
 * `button` of policy.evaluate, the engine's sg_button_of, and under its
 * `choices` the button for each choice the popup can make in advance): this
 * only picks the one for the user's choice and renders it. The states below
 * the host's are those where it gave no decision: not asked yet, no helper
 * (on_helper_failure), the message refused. */
function composeView(s) {
        if (s.error)
                return { key: s.error.mode === "warn" ? "composeStateHelperWarn" : "composeStateHelperBlock", badge: "helper" };
        if (s.messageError)
                return { key: "composeStateMessageError", badge: "block" };
        const d = s.decision;
        if (!d)
                return { key: "composeStateChecking", badge: "checking" };
        const c = composeChoiceOf(s);
        const b = d.button && c && d.button.choices && d.button.choices[c.id] ? d.button.choices[c.id] : d.button;
        if (!b || !BADGE[b.state])
                return { key: "composeStatePrompt", badge: "prompt" }; /* a host without `button` (protocol < 3): Send decides */
        return { key: b.text, badge: b.state, subs: b.route ? [routeWords(b)] : undefined };
}

/* A route's words: its label from the policy in the UI language, else its name. */
function routeWords(r) {
        return r.label && typeof r.label[uiLanguage()] === "string" ? r.label[uiLanguage()] : String(r.route);
}

/* The user's choice, when the last decision still offers it. */
function composeChoiceOf(s) {
        if (!s.choice || !s.decision || s.decision.action !== "prompt")
                return null;
        return (s.decision.choices || []).find((c) => c.id === s.choice && c.kind !== "cancel") || null;
}

async function composeShow(s) {
        const v = composeView(s);
        const text = msg(v.key, v.subs);
        const badge = BADGE[v.badge];
        s.view = { state: v.badge, text };
        const api = messenger.composeAction;
        /* The button is touched only when what it shows changed (each call
         * is work on the compose window's main thread). */
        const shown = `${v.badge}\n${text}`;
        if (shown !== s.shown) {
                try {
                        await Promise.all([
                                api.setLabel({ tabId: s.tabId, label: msg("composeActionLabelState", [text]) }),
                                api.setTitle({ tabId: s.tabId, title: msg("composeActionTooltip", [text]) }),
                                api.setBadgeText({ tabId: s.tabId, text: badge.text }),
                                api.setBadgeBackgroundColor({ tabId: s.tabId, color: badge.color }),
                        ]);
                        s.shown = shown;
                } catch (e) {
                        log(`the Secure send button of tab ${s.tabId} cannot be updated: ${e.message || e}`);
                }
                log(`compose tab ${s.tabId}: button ${v.badge}: ${text}`);
        }
        messenger.runtime.sendMessage({ type: "compose.changed", tabId: s.tabId }).catch(() => {});
}

/* Ask the host what the message would get now; at most one at a time. */
async function composeEvaluate(s) {
        if (s.inFlight) {
                s.again = true;
                return;
        }
        s.inFlight = true;
        try {
                do {
                        s.again = false;
                        const tab = { id: s.tabId };
                        /* The details a look just read, or a read of our own. */
                        let details = s.fresh;
                        s.fresh = null;
                        if (!details) {
                                try {
                                        details = await messenger.compose.getComposeDetails(s.tabId);
                                } catch (e) {
                                        return; /* the window closed */
                                }
                        }
                        s.fingerprint = composeFingerprint(details);
                        s.recipients = recipientCount(details);
                        s.attachmentsChanged = false;
                        s.details = details;
                        const t0 = performance.now();
                        try {
                                /* The send's own gathering (inputs.js): only what the policy reads. */
                                const { gathered: g, decision } = await gatherAndEvaluate(tab, details, null, true);
                                s.unexpanded = g.unexpanded;
                                s.decision = decision;
                                s.error = null;
                                s.messageError = null;
                        } catch (err) {
                                s.decision = null;
                                if (err instanceof HelperError && err.kind === "host" && MESSAGE_ERRORS.has(err.code)) {
                                        s.messageError = `${err.code}: ${err.message}`;
                                        s.error = null;
                                } else {
                                        const e = err instanceof HelperError ? err : new HelperError("unavailable", String(err && err.message ? err.message : err));
                                        const settings = await managedSettings();
                                        s.error = { cause: helperCause(e), text: failureText(e), mode: settings.on_helper_failure };
                                }
                        }
                        s.evaluatedAt = Date.now();
                        composeCaps(s);
                        log(`compose tab ${s.tabId}: preview in ${Math.round(performance.now() - t0)} ms: ${s.decision ? s.decision.action : s.error ? "helper failure" : "message error"}`);
                        await composeShow(s);
                } while (s.again);
        } finally {
                s.inFlight = false;
        }
}

function composeSchedule(s) {
        clearTimeout(s.timer);
        s.timer = setTimeout(() => composeEvaluate(s), COMPOSE_DEBOUNCE_MS);
}

function recipientCount(d) {
        let n = 0;
        for (const f of [d.to, d.cc, d.bcc])
                n += asList(f).length;
        return n;
}

/* When this tab is looked at next: COMPOSE_LOOK_MS, longer for a long list. */
function composeLookLater(s, recipients) {
        clearTimeout(s.lookTimer);
        const ms = Math.min(COMPOSE_LOOK_MAX_MS, Math.max(COMPOSE_LOOK_MS, recipients * COMPOSE_LOOK_PER_RECIPIENT_MS));
        s.lookTimer = setTimeout(() => composeLook(s), ms);
}

/* One look at a compose tab: when it changed, it is evaluated after the
 * debounce with the details read here. Resolves when the look is done. */
function composeLook(s) {
        if (s.looking)
                return s.looking;
        if (s.inFlight) {
                /* The evaluation reads the window itself; look again after. */
                composeLookLater(s, s.recipients);
                return Promise.resolve();
        }
        clearTimeout(s.lookTimer);
        s.looking = (async () => {
                let details;
                try {
                        details = await messenger.compose.getComposeDetails(s.tabId);
                } catch (e) {
                        composeForget(s.tabId);
                        return;
                } finally {
                        s.looking = null;
                }
                if (composeTabs.get(s.tabId) !== s)
                        return;
                const fp = composeFingerprint(details);
                if (fp !== s.fingerprint || s.attachmentsChanged) {
                        s.fingerprint = fp;
                        s.attachmentsChanged = false;
                        s.fresh = details;
                        composeSchedule(s);
                }
                s.recipients = recipientCount(details);
                composeLookLater(s, s.recipients);
        })();
        return s.looking;
}

function composeForget(tabId) {
        const s = composeTabs.get(tabId);
        if (s) {
                clearTimeout(s.timer);
                clearTimeout(s.lookTimer);
        }
        composeTabs.delete(tabId);
}

function composeTrack(tab) {
        if (!tab || tab.type !== "messageCompose")
                return;
        const s = composeState(tab.id);
        /* The popup learns its compose tab from its address (no tabs.query
         * on the way to its first drawing). */
        messenger.composeAction.setPopup({ tabId: tab.id, popup: `compose-popup.html?tab=${tab.id}` }).catch(() => {});
        composeSchedule(s);
        composeLookLater(s, 0);
}

/* ---- readiness (keys.lookup), cached per address for the compose session */

/* External recipients of the last decision without a cached answer are
 * looked up, 500 at a time; resolves when all are known. A helper that is
 * gone leaves them unknown (the popup says so). */
function composeLookup(s) {
        if (s.lookup)
                return s.lookup;
        const d = s.decision;
        const methods = ((d && d.encrypt && d.encrypt.methods) || ["smime", "openpgp"]).filter((x) => ENCRYPT_METHODS[x]);
        const wanted = [...new Set((d ? d.recipients || [] : []).filter((r) => r.class === "external").map((r) => r.address))].filter(
                (a) => !s.keys.has(a) && !a.endsWith(`@${UNRESOLVED_DOMAIN}`),
        );
        if (!wanted.length || !methods.length)
                return Promise.resolve();
        s.lookup = (async () => {
                try {
                        for (let i = 0; i < wanted.length; i += COMPOSE_LOOKUP_BATCH) {
                                const batch = wanted.slice(i, i + COMPOSE_LOOKUP_BATCH);
                                let r;
                                try {
                                        r = await ask("keys.lookup", { recipients: batch, methods: methods.map((x) => ENCRYPT_METHODS[x].lookup) });
                                } catch (err) {
                                        log(`keys.lookup for the Secure send popup failed: ${err.message || err}`);
                                        for (const a of batch)
                                                s.keys.set(a, { address: a, ready: false, error: `${err.code || err.kind}: ${err.message}` });
                                        continue;
                                }
                                for (const a of r.answers || [])
                                        if (a && a.address)
                                                s.keys.set(a.address, a);
                                messenger.runtime.sendMessage({ type: "compose.changed", tabId: s.tabId }).catch(() => {});
                        }
                } finally {
                        s.lookup = null;
                }
        })();
        return s.lookup;
}

/* Whether "encrypt" can happen now: a method of the decision for which the
 * identity can encrypt and every recipient (all of them, as at Send) has a
 * usable certificate or key in the cache. */
function composeEncryptReady(s) {
        const d = s.decision;
        if (!d)
                return { ready: false };
        const methods = ((d.encrypt && d.encrypt.methods) || []).filter((x) => ENCRYPT_METHODS[x]);
        const addrs = lookupAddresses(d);
        for (const name of methods) {
                const m = ENCRYPT_METHODS[name];
                if (!(s.caps && s.caps[m.tech] && s.caps[m.tech].canEncrypt))
                        continue;
                if (addrs.every((a) => {
                        const k = s.keys.get(a);
                        return k && k[m.answer] && k[m.answer].usable;
                }))
                        return { ready: true, method: name };
        }
        return { ready: false };
}

/* The identity's encryption capabilities, read once per compose tab (and
 * again when the identity changes), in the background: composePopupData
 * does not wait for them; compose.changed redraws the popup when known. */
function composeCaps(s) {
        if (s.caps || s.capsPending || !s.details)
                return;
        const details = s.details;
        s.capsPending = identityCapabilities(details).then((caps) => {
                s.capsPending = null;
                if (s.details && s.details.identityId === details.identityId) {
                        s.caps = caps;
                        messenger.runtime.sendMessage({ type: "compose.changed", tabId: s.tabId }).catch(() => {});
                }
        });
}

/* ---- the popup's data */

function choiceLabel(c) {
        if (c.kind === "encrypt")
                return msg("popupChoiceEncrypt");
        if (c.kind === "send")
                return msg("popupChoiceSend");
        if (c.kind === "route")
                return c.route === "portal" ? msg("popupChoicePortal") : msg("popupChoiceRoute", [routeWords(c)]);
        return c.id;
}

/* Everything the popup shows, as texts and flags (the popup computes
 * nothing): the state, the recipients grouped internal/external by domain,
 * readiness per external recipient, the choices. */
async function composePopupData(tabId, wantLookup, all) {
        const s = composeTabs.get(tabId);
        if (!s)
                return null;
        composeCaps(s); /* not awaited: the popup is drawn first, "Encrypt" follows */
        if (wantLookup) {
                /* The popup opened: a look at the window (a change since the
                 * last look redraws the popup through compose.changed). */
                composeLook(s);
                if (s.decision)
                        composeLookup(s); /* answers arrive later: compose.changed */
        }
        const d = s.decision;
        const groups = { internal: new Map(), external: new Map() };
        const counts = { internal: new Map(), external: new Map() };
        const built = { internal: 0, external: 0 };
        for (const r of (d && d.recipients) || []) {
                const cls = r.class === "internal" ? "internal" : "external";
                const g = groups[cls];
                counts[cls].set(r.domain, (counts[cls].get(r.domain) || 0) + 1);
                /* Rows beyond the popup's first POPUP_ROWS_FIRST per group are
                 * built only when it asks for all of them. */
                if (!all && built[cls] >= POPUP_ROWS_FIRST)
                        continue;
                built[cls]++;
                if (!g.has(r.domain))
                        g.set(r.domain, []);
                const row = { address: r.address, name: r.display_name || null, field: r.field };
                if (r.class !== "internal") {
                        const k = s.keys.get(r.address);
                        if (r.domain === UNRESOLVED_DOMAIN)
                                row.readiness = { state: "no", text: msg("popupUnresolved") };
                        else if (!k)
                                row.readiness = { state: "checking", text: msg("popupChecking") };
                        else if (k.error)
                                row.readiness = { state: "unknown", text: msg("popupLookupFailed", [k.error]) };
                        else if (k.ready) {
                                const how = [k.smime && k.smime.usable ? "S/MIME" : null, k.pgp && k.pgp.usable ? "OpenPGP" : null].filter(Boolean).join(", ");
                                row.readiness = { state: "ready", text: msg("popupReady", [how]) };
                        } else {
                                const why = [...new Set([k.smime, k.pgp].filter(Boolean).map((x) => statusText(x)).filter(Boolean))];
                                row.readiness = { state: "no", text: msg("popupNotReady", [why.join(listSeparator()) || msg("encryptReasonUnknown")]) };
                        }
                }
                g.get(r.domain).push(row);
        }
        const asGroups = (cls) =>
                [...groups[cls].entries()]
                        .sort((a, b) => a[0].localeCompare(b[0]))
                        .map(([domain, rows]) => ({ domain, rows, count: counts[cls].get(domain) }));
        const choices = [];
        let choiceNote = null;
        if (d && d.action === "prompt") {
                const enc = composeEncryptReady(s);
                for (const c of d.choices || []) {
                        if (c.kind === "cancel")
                                continue;
                        if (c.kind === "encrypt" && !enc.ready) {
                                choiceNote = msg("popupEncryptNotReady");
                                continue;
                        }
                        choices.push({ id: c.id, label: choiceLabel(c) });
                }
        }
        const view = s.view || { state: "checking", text: msg("composeStateChecking") };
        return {
                state: view.state,
                stateText: view.text,
                helper: s.error ? msg("popupHelperFailure", [s.error.text]) : null,
                messageError: s.messageError,
                reasons: d ? reasonsText(d) : [],
                internal: asGroups("internal"),
                external: asGroups("external"),
                complete: !!all || (built.internal < POPUP_ROWS_FIRST && built.external < POPUP_ROWS_FIRST),
                internalCount: d ? d.recipients.filter((r) => r.class === "internal").length : 0,
                externalCount: d ? d.external_count : 0,
                choices,
                choiceNote,
                sendNote: d && d.action === "prompt" ? sendRemovedText(d) : null,
                chosen: composeChoiceOf(s) ? s.choice : null,
                decided: d && d.action !== "prompt",
                looking: !!s.lookup,
        };
}

/* The user chose in the popup (null: decide at Send). */
async function composeChoose(tabId, id) {
        const s = composeTabs.get(tabId);
        if (!s)
                return false;
        const offered = s.decision && s.decision.action === "prompt" && (s.decision.choices || []).some((c) => c.id === id && c.kind !== "cancel");
        s.choice = offered ? id : null;
        log(`compose tab ${tabId}: the user chose ${s.choice === null ? "to decide at Send" : `"${s.choice}"`}`);
        await composeShow(s);
        return true;
}

/* For outcome.js choose(): the choice made in this compose tab, when the
 * decision being sent offers it (the host checks again). */
function composePreselect(tabId, decision) {
        const s = composeTabs.get(tabId);
        if (!s || !s.choice)
                return null;
        return (decision.choices || []).some((c) => c.id === s.choice && c.kind !== "cancel") ? s.choice : null;
}

messenger.runtime.onMessage.addListener((m) => {
        if (!m || typeof m !== "object")
                return undefined;
        if (m.type === "compose.popup")
                return composePopupData(m.tabId, !!m.lookup, !!m.all);
        if (m.type === "compose.popupShown") {
                /* The e2e case reads this line: the popup's time to appear. */
                const k = m.marks || {};
                log(`compose tab ${m.tabId}: popup shown in ${m.ms} ms (${m.recipients} recipients; script ${k.script} ms, tab ${k.tab} ms, data ${k.data} ms)`);
                return undefined;
        }
        if (m.type === "compose.choose")
                return composeChoose(m.tabId, typeof m.choice === "string" ? m.choice : null);
        return undefined;
});

messenger.tabs.onCreated.addListener(composeTrack);
messenger.tabs.onRemoved.addListener((tabId) => composeForget(tabId));
/* The events Thunderbird has: a look at once (attachments and the identity
 * are not in the fingerprint, so they force an evaluation). */
for (const ev of ["onAttachmentAdded", "onAttachmentRemoved", "onIdentityChanged", "onComposeStateChanged", "onActiveDictionariesChanged"]) {
        if (messenger.compose[ev])
                messenger.compose[ev].addListener((tab) => {
                        const s = tab && composeTabs.get(tab.id);
                        if (!s)
                                return;
                        if (ev === "onIdentityChanged")
                                s.caps = null;
                        if (ev === "onAttachmentAdded" || ev === "onAttachmentRemoved" || ev === "onIdentityChanged") {
                                s.attachmentsChanged = true;
                                if (s.inFlight) {
                                        s.again = true; /* evaluated again after the running one */
                                        return;
                                }
                        }
                        composeLook(s);
                });
}
/* A compose window getting the focus back: its tabs are looked at. */
messenger.windows.onFocusChanged.addListener((windowId) => {
        if (windowId === messenger.windows.WINDOW_ID_NONE)
                return;
        messenger.tabs.query({ windowId, type: "messageCompose" }).then(
                (tabs) => {
                        for (const t of tabs) {
                                const s = composeTabs.get(t.id);
                                if (s)
                                        composeLook(s);
                        }
                },
                () => {},
        );
});
messenger.tabs.query({ type: "messageCompose" }).then(
        (tabs) => tabs.forEach(composeTrack),
        () => {},
);
