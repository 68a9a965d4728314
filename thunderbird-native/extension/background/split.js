/* sealgate background page, split delivery (policy encrypt.split_delivery,
 * docs/admin/policy.md): when an "encrypt" outcome allows a split and
 * keys.lookup finds some recipients ready and the others not, the host's
 * outcome.split says who gets which copy (the engine decides); this only
 * executes it. The send that asked is cancelled, and once Thunderbird says
 * it was a Send Now (compose.onAfterSend: onBeforeSend is not told the
 * mode), the encrypted copy goes from a new compose window
 * (compose.beginNew, compose.sendMessage) and then the routed copy from the
 * original window, which Thunderbird closes (and whose draft it removes)
 * only when that second copy was accepted. A failure keeps the window and
 * tells the user which copy went. Send Later is never split: the message is
 * sent again as one, to the Outbox. */
"use strict";

/* Plans waiting for the mode of the send they cancelled: tab id → plan. */
const splitPending = new Map();
/* Compose tabs sending a split copy: tab id → what to record for it. */
const splitCopies = new Map();
/* Tabs whose next send is not split (it goes to the Outbox). */
const splitOff = new Set();
/* How long to wait for Thunderbird to report the cancelled send's mode. */
const SPLIT_MODE_WAIT_MS = 10000;

/* The compose window's To, Cc and Bcc entries with their addresses (lists
 * expanded, as gather.js does, numbered the same way); an entry with more
 * than one address (a list) is a group the engine keeps whole. */
async function splitEntries(details) {
        const out = [];
        const unexpanded = [];
        for (const field of ["to", "cc", "bcc"])
                for (const [i, entry] of asList(details[field]).entries()) {
                        const texts = [];
                        await resolveRecipient(entry, texts, unexpanded);
                        const addresses = texts.map(mailboxAddress);
                        const group = addresses.length !== 1 || (entry && entry.type === "mailingList") ? `${field}:${i}` : null;
                        out.push({ field, entry, addresses, group });
                }
        return out;
}

/* The entries of one copy: the encrypted copy's are those whose addresses
 * all get it (the engine keeps lists whole), the routed copy's the rest. */
function splitFields(entries, encryptedAddresses, encrypted) {
        const set = new Set(encryptedAddresses.map((a) => a.toLowerCase()));
        const out = { to: [], cc: [], bcc: [] };
        for (const e of entries)
                if (e.addresses.length && e.addresses.every((a) => set.has(a.toLowerCase())) === encrypted)
                        out[e.field].push(e.entry);
        return out;
}

/* Called by applyEncrypt (encrypt.js) when no method is ready for every
 * recipient: { cancel: true } when the message is to be split (the split
 * itself follows the cancelled send), else null (the fallback route, as
 * without the policy key). */
async function trySplit(tab, details, decision, outcome, lookup, caps, methods) {
        const enc = outcome.encrypt || {};
        if (!enc.split || !decision.attempt || !lookup)
                return null;
        if (splitOff.delete(tab.id)) {
                log("split delivery: not for a message going to the Outbox; sent as one message");
                return null;
        }
        const name = methods.find((x) => (caps[ENCRYPT_METHODS[x].tech] || {}).canEncrypt);
        if (!name)
                return null;
        const m = ENCRYPT_METHODS[name];
        const ready = new Map();
        for (const a of lookup.answers || [])
                ready.set(String(a.address).toLowerCase(), !!(finding(a, m) || {}).usable);
        const entries = await splitEntries(details);
        const recipients = [];
        for (const e of entries)
                for (const address of e.addresses)
                        recipients.push({ address, ready: ready.get(address.toLowerCase()) === true, ...(e.group ? { group: e.group } : {}) });
        let plan;
        try {
                /* Thunderbird offline sends to the Outbox: no transport now. */
                plan = await ask("outcome.split", {
                        attempt: decision.attempt,
                        recipients,
                        subject: details.subject || "",
                        send_later: false,
                        no_transport: navigator.onLine === false,
                });
        } catch (err) {
                if (!(err instanceof HelperError) || err.kind !== "host")
                        throw err;
                log(`outcome.split failed (${err.code}: ${err.message}): not split`);
                return null;
        }
        log(`split delivery: ${plan.split} (encrypted ${plan.encrypted.length}, routed ${plan.routed.length})`);
        if (plan.split !== "split")
                return null;
        const tech = { name: m.tech, encryptBody: true, signMessage: !!(caps[m.tech] || {}).canSign };
        if (name === "openpgp")
                tech.encryptSubject = true;
        const p = { plan, tech, m, lookup, decision, outcome };
        p.timer = setTimeout(() => {
                if (splitPending.get(tab.id) !== p)
                        return;
                splitPending.delete(tab.id);
                log("split delivery: Thunderbird did not report the send mode; nothing was sent");
                showNotice(tab, "split", { heading: "noticeBlockHeading", lines: [msg("splitNotStarted")] });
        }, SPLIT_MODE_WAIT_MS);
        splitPending.set(tab.id, p);
        return { cancel: true };
}

function splitList(addresses) {
        return addresses.join(listSeparator());
}

/* The compose details a copy keeps from the original. */
function copyDetails(d) {
        const out = { identityId: d.identityId, subject: d.subject || "", isPlainText: !!d.isPlainText };
        if (d.isPlainText)
                out.plainTextBody = d.plainTextBody || "";
        else
                out.body = d.body || "";
        /* Every field the original has (the set the encrypted copy was
         * verified with in the e2e run: with fewer, TB 153's S/MIME
         * encapsulation failed). */
        for (const k of ["from", "replyTo", "priority", "returnReceipt", "deliveryStatusNotification", "deliveryFormat", "attachVCard"])
                if (d[k] !== undefined && d[k] !== null)
                        out[k] = d[k];
        return out;
}

async function copyAttachments(tabId) {
        const out = [];
        for (const a of await messenger.compose.listAttachments(tabId))
                out.push({ file: await messenger.compose.getAttachmentFile(a.id), name: a.name });
        return out;
}

/* Whether a copy's compose.sendMessage really went: Thunderbird 153 can
 * fulfil the promise although the server refused the message (its send
 * progress stops either way), so a copy counts as sent when Thunderbird
 * names its Message-ID or closes its window; a window still open after
 * SPLIT_CLOSE_WAIT_MS is a failure (Thunderbird keeps it on an error). */
const SPLIT_CLOSE_WAIT_MS = 15000;
/* How long one copy's compose.sendMessage may take: on some errors
 * Thunderbird shows its own error window and never settles the promise. */
const SPLIT_SEND_WAIT_MS = 60000;

/* compose.sendMessage for a copy, failing after SPLIT_SEND_WAIT_MS. */
function sendCopy(tabId) {
        let timer;
        const late = new Promise((resolve, reject) => {
                timer = setTimeout(() => reject(new Error(msg("splitNotAccepted"))), SPLIT_SEND_WAIT_MS);
        });
        return Promise.race([messenger.compose.sendMessage(tabId, { mode: "sendNow" }), late]).finally(() => clearTimeout(timer));
}

/* A new compose window (compose.beginNew) fills its recipients and looks up
 * their S/MIME certificates asynchronously after beginNew has returned;
 * Thunderbird's S/MIME encapsulation uses only the certificates it has
 * cached by then (a recipient not yet looked up makes
 * beginCryptoEncapsulation fail with NS_ERROR_ILLEGAL_VALUE). So the copy
 * is sent only once the window says it can send (getComposeState) and the
 * lookups had SPLIT_SETTLE_MS to finish, the state the original window is
 * in when the non-split encrypt path switches S/MIME on there. */
const SPLIT_READY_WAIT_MS = 5000;
const SPLIT_SETTLE_MS = 2000;

async function copyReady(tabId) {
        const until = Date.now() + SPLIT_READY_WAIT_MS;
        for (;;) {
                let state = null;
                try {
                        state = await messenger.compose.getComposeState(tabId);
                } catch (e) {
                        state = null;
                }
                if ((state && state.canSendNow) || Date.now() >= until)
                        break;
                await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, SPLIT_SETTLE_MS));
}

/* The encrypted copy's send, tried a second time when the first left the
 * window open (Thunderbird keeps it when encapsulation fails before any
 * byte went to the server: nothing was sent). */
async function copySentOnce(tabId) {
        let first;
        try {
                first = await copySent(tabId, await sendCopy(tabId));
        } catch (e) {
                log(`split delivery: the encrypted copy's first try failed (${e.message || e})`);
                first = false;
        }
        if (first)
                return true;
        await copyReady(tabId);
        return copySent(tabId, await sendCopy(tabId));
}

async function copySent(tabId, info) {
        if (info && info.headerMessageId) {
                log(`split delivery: copy sent as <${info.headerMessageId}>`);
                return true;
        }
        const until = Date.now() + SPLIT_CLOSE_WAIT_MS;
        while (Date.now() < until) {
                try {
                        await messenger.tabs.get(tabId);
                } catch (e) {
                        return true; /* the window closed: sent */
                }
                await new Promise((r) => setTimeout(r, 200));
        }
        return false;
}

/* Send both copies: encrypted first (a new window), then routed (this one). */
async function runSplit(tab, p) {
        const { plan } = p;
        const attempt = p.decision.attempt;
        const fam = plan.family;
        const now = await messenger.compose.getComposeDetails(tab.id);
        const entries = await splitEntries(now);
        let copyTab = null;
        try {
                const headers = [...withCheck(p.outcome.headers, p.outcome.check), { name: fam.name, value: fam.encrypted }];
                const details = {
                        ...copyDetails(now),
                        ...splitFields(entries, plan.encrypted, true),
                        customHeaders: mergeHeaders(now.customHeaders, headers),
                        attachments: await copyAttachments(tab.id),
                };
                copyTab = await messenger.compose.beginNew(details);
                await copyReady(copyTab.id);
                await switchOnEncryption(copyTab, p.tech);
                await copyReady(copyTab.id);
                splitCopies.set(copyTab.id, { attempt, copy: "encrypted", changes: { selectedEncryptionTechnology: p.tech }, applied: { technology: p.tech.name, headers } });
                if (!(await copySentOnce(copyTab.id)))
                        throw new Error(msg("splitNotAccepted"));
                log(`split delivery: the encrypted copy went to ${plan.encrypted.length} recipient(s)`);
        } catch (e) {
                if (copyTab) {
                        splitCopies.delete(copyTab.id);
                        messenger.tabs.remove(copyTab.id).catch(() => {});
                }
                log(`split delivery: the encrypted copy was not sent (${e.message || e}); nothing was sent`);
                await showNotice(tab, "split", {
                        heading: "noticeBlockHeading",
                        lines: [msg("splitEncryptedFailed", [splitList(plan.encrypted), String(e.message || e)])],
                });
                return;
        }
        const route = plan.route;
        const headers = [...withCheck(route.headers, route.check), { name: fam.name, value: fam.routed }];
        const changes = { ...splitFields(entries, plan.encrypted, false), customHeaders: mergeHeaders(now.customHeaders, headers) };
        if (typeof route.subject === "string")
                changes.subject = route.subject;
        try {
                await messenger.compose.setComposeDetails(tab.id, changes);
                splitCopies.set(tab.id, {
                        attempt,
                        copy: "routed",
                        changes: {},
                        applied: { route: route.route, headers, subject: route.subject, fallback: true, not_ready: notReadyOf(p.lookup, p.m, plan.routed) },
                        subjectBefore: now.subject || "",
                });
                if (!(await copySent(tab.id, await sendCopy(tab.id))))
                        throw new Error(msg("splitNotAccepted"));
                log("split delivery: both copies sent");
        } catch (e) {
                splitCopies.delete(tab.id);
                log(`split delivery: the routed copy was not sent (${e.message || e}); the compose window keeps it`);
                await showNotice(tab, "split", {
                        heading: "noticeSplitPartHeading",
                        lines: [
                                msg("splitEncryptedWent", [splitList(plan.encrypted)]),
                                msg("splitRoutedFailed", [splitList(plan.routed), route.route, String(e.message || e)]),
                        ],
                });
        }
}

/* The send of a split copy (onBeforeSend, send.js): nothing is decided
 * again; the copy's applied record is written; null for any other send. */
async function splitCopyBeforeSend(tab, details) {
        const c = splitCopies.get(tab.id);
        if (!c)
                return null;
        splitCopies.delete(tab.id);
        const sel = details.selectedEncryptionTechnology;
        const confirmed = c.applied.technology
                ? !!sel && sel.name === c.applied.technology && sel.encryptBody === true
                : readBackMatches(details, { details: {} }, c.applied);
        const fields = {
                attempt: c.attempt,
                technology: c.applied.technology || null,
                route: c.applied.route || null,
                headers: (c.applied.headers || []).map((h) => h.name),
                subject_tag: c.applied.route ? subjectTag(c.subjectBefore, c.applied.subject) : null,
                fallback: !!c.applied.fallback,
                not_ready: c.applied.not_ready || {},
                confirmed,
                copy: c.copy,
        };
        ask("attempt.applied", fields).then(
                () => log(`applied recorded: ${JSON.stringify(fields)}`),
                (e) => log(`the applied record was not written: ${e.message || e}`),
        );
        return Object.keys(c.changes).length ? { details: c.changes } : {};
}

messenger.compose.onAfterSend.addListener((tab, info) => {
        const p = splitPending.get(tab.id);
        if (!p)
                return;
        splitPending.delete(tab.id);
        clearTimeout(p.timer);
        if (info && info.mode !== "sendNow") {
                /* Send Later: never split; the message goes as one. */
                log(`split delivery: the message was sent with mode ${info && info.mode}; sent again as one message`);
                splitOff.add(tab.id);
                messenger.compose.sendMessage(tab.id, { mode: info.mode }).catch((e) => log(`the send to the Outbox failed: ${e.message || e}`));
                return;
        }
        runSplit(tab, p).catch((e) => log(`split delivery failed: ${e.message || e}`));
});
