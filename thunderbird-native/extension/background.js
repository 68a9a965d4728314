/* sealgate: the MailExtension's background page. Before every send it asks the
 * native host (sealgate-host, docs/protocol.md) what the policy decides and
 * acts on it; when the host cannot answer it follows on_helper_failure from
 * the enterprise policy (storage.managed). */
"use strict";

const NATIVE_APP = "sealgate.host";
const DEFAULTS = Object.freeze({ on_helper_failure: "block", helper_timeout_ms: 15000 });
const HELPER_TIMEOUT_MAX = 600000;
/* Requests larger than this go out as chunk frames (the host takes 16 MiB per frame). */
const REQUEST_CHUNK_THRESHOLD = 8 << 20;
const REQUEST_CHUNK_BYTES = 4 << 20;
/* Placeholder for a mailing list the address book cannot expand: the policy
 * engine classifies its domain as external (rule external_domain). */
const UNEXPANDED_LIST_ADDRESS = "unexpanded-list@invalid";
/* Host error codes that are the message's fault, not the helper's. */
const MESSAGE_ERRORS = new Set(["address_syntax", "limit_exceeded", "invalid_utf8"]);

function log(...args) {
        console.info("sealgate:", ...args);
}

function msg(name, subs) {
        return messenger.i18n.getMessage(name, subs) || name;
}

/* ---- settings from the enterprise policy (3rdparty → storage.managed) */

async function managedSettings() {
        const out = { ...DEFAULTS, source: "defaults" };
        let m = null;
        try {
                m = await messenger.storage.managed.get(["on_helper_failure", "helper_timeout_ms"]);
        } catch (e) {
                out.source_error = String(e.message || e); /* no managed storage: defaults */
                return out;
        }
        if (!m || typeof m !== "object")
                return out;
        let used = false;
        if (m.on_helper_failure === "block" || m.on_helper_failure === "warn") {
                out.on_helper_failure = m.on_helper_failure;
                used = true;
        } else if (m.on_helper_failure !== undefined) {
                log(`managed on_helper_failure ${JSON.stringify(m.on_helper_failure)} is invalid; using "block"`);
        }
        const t = m.helper_timeout_ms;
        if (Number.isInteger(t) && t > 0 && t <= HELPER_TIMEOUT_MAX) {
                out.helper_timeout_ms = t;
                used = true;
        } else if (t !== undefined) {
                log(`managed helper_timeout_ms ${JSON.stringify(t)} is invalid; using ${DEFAULTS.helper_timeout_ms}`);
        }
        if (used)
                out.source = "managed";
        return out;
}

/* ---- the native host: one persistent port, requests correlated by id */

class HelperError extends Error {
        /* kind: "unavailable" (no port, disconnect, timeout) or "host" (an error
         * response; code is the protocol's error code). */
        constructor(kind, message, code = null) {
                super(message);
                this.kind = kind;
                this.code = code;
        }
}

function b64encode(bytes) {
        let s = "";
        for (let i = 0; i < bytes.length; i += 0x8000)
                s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        return btoa(s);
}

function b64decode(text) {
        const s = atob(text);
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++)
                out[i] = s.charCodeAt(i);
        return out;
}

class Helper {
        constructor() {
                this.port = null;
                this.nextId = 1;
                this.pending = new Map(); /* id → {resolve, reject, timer} */
                this.chunks = new Map(); /* id → {count, parts[]} */
        }

        connect() {
                if (this.port)
                        return this.port;
                const port = messenger.runtime.connectNative(NATIVE_APP);
                port.onMessage.addListener((m) => this.onMessage(m));
                port.onDisconnect.addListener((p) => {
                        const why = (p && p.error && p.error.message) || "the helper exited";
                        if (this.port === port)
                                this.dropPort(why);
                });
                this.port = port;
                log(`connected to native application ${NATIVE_APP}`);
                return port;
        }

        /* Forget the port and fail everything waiting on it; the next request
         * reconnects (one host process per connection, never per message). */
        dropPort(why, disconnect = false) {
                const port = this.port;
                this.port = null;
                this.chunks.clear();
                if (disconnect && port) {
                        try {
                                port.disconnect();
                        } catch (e) {
                                /* already gone */
                        }
                }
                if (this.pending.size)
                        log(`helper port closed (${why}); failing ${this.pending.size} pending request(s)`);
                else
                        log(`helper port closed (${why})`);
                for (const [, p] of this.pending) {
                        clearTimeout(p.timer);
                        p.reject(new HelperError("unavailable", why));
                }
                this.pending.clear();
        }

        onMessage(m) {
                if (!m || typeof m !== "object")
                        return;
                if (m.chunk && typeof m.chunk === "object") {
                        this.onChunk(m);
                        return;
                }
                this.settle(m);
        }

        onChunk(m) {
                const { index, count } = m.chunk;
                const key = JSON.stringify(m.id);
                let c = this.chunks.get(key);
                if (!c || index === 0) {
                        c = { count, parts: [] };
                        this.chunks.set(key, c);
                }
                if (index !== c.parts.length || count !== c.count || typeof m.data !== "string") {
                        this.chunks.delete(key);
                        this.fail(m.id, new HelperError("unavailable", "the helper sent a malformed chunked response"));
                        return;
                }
                c.parts.push(b64decode(m.data));
                if (c.parts.length < c.count)
                        return;
                this.chunks.delete(key);
                const total = c.parts.reduce((n, p) => n + p.length, 0);
                const all = new Uint8Array(total);
                let off = 0;
                for (const p of c.parts) {
                        all.set(p, off);
                        off += p.length;
                }
                let resp;
                try {
                        resp = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(all));
                } catch (e) {
                        this.fail(m.id, new HelperError("unavailable", `the helper sent an unreadable response: ${e}`));
                        return;
                }
                this.settle(resp);
        }

        fail(id, err) {
                const p = this.pending.get(id);
                if (!p)
                        return;
                this.pending.delete(id);
                clearTimeout(p.timer);
                p.reject(err);
        }

        settle(resp) {
                const p = this.pending.get(resp.id);
                if (!p)
                        return; /* timed out earlier, or not ours */
                this.pending.delete(resp.id);
                clearTimeout(p.timer);
                if (resp.error)
                        p.reject(new HelperError("host", resp.error.message || "error", resp.error.code || "internal"));
                else
                        p.resolve(resp.result);
        }

        /* Send {id, op, ...fields}; resolves to the result. */
        async request(op, fields, timeoutMs) {
                const id = `sg-${this.nextId++}`;
                const req = { id, op, ...fields };
                let port;
                try {
                        port = this.connect();
                } catch (e) {
                        this.port = null;
                        throw new HelperError("unavailable", `cannot start ${NATIVE_APP}: ${e.message || e}`);
                }
                return new Promise((resolve, reject) => {
                        const timer = setTimeout(() => {
                                if (!this.pending.has(id))
                                        return;
                                this.pending.delete(id);
                                reject(new HelperError("unavailable", `no answer from the helper within ${timeoutMs} ms`));
                                /* A host that does not answer is restarted on the next request. */
                                if (this.port === port)
                                        this.dropPort(`request ${id} timed out`, true);
                        }, timeoutMs);
                        this.pending.set(id, { resolve, reject, timer });
                        try {
                                this.post(port, req);
                        } catch (e) {
                                this.fail(id, new HelperError("unavailable", `cannot talk to the helper: ${e.message || e}`));
                                if (this.port === port)
                                        this.dropPort(String(e.message || e), true);
                        }
                });
        }

        post(port, req) {
                const text = JSON.stringify(req);
                if (text.length * 3 < REQUEST_CHUNK_THRESHOLD) {
                        port.postMessage(req);
                        return;
                }
                const bytes = new TextEncoder().encode(text);
                if (bytes.length < REQUEST_CHUNK_THRESHOLD) {
                        port.postMessage(req);
                        return;
                }
                const count = Math.ceil(bytes.length / REQUEST_CHUNK_BYTES);
                for (let i = 0; i < count; i++) {
                        const piece = bytes.subarray(i * REQUEST_CHUNK_BYTES, (i + 1) * REQUEST_CHUNK_BYTES);
                        port.postMessage({ id: req.id, chunk: { index: i, count }, data: b64encode(piece) });
                }
        }
}

const helper = new Helper();

async function ask(op, fields = {}) {
        const s = await managedSettings();
        return helper.request(op, fields, s.helper_timeout_ms);
}

/* ---- gathering the message */

function asList(v) {
        if (v === undefined || v === null || v === "")
                return [];
        return Array.isArray(v) ? v : [v];
}

function quoteDisplayName(name) {
        return `"${String(name).replace(/[\\"]/g, (c) => "\\" + c).replace(/[\r\n]+/g, " ")}"`;
}

function formatMailbox(name, email) {
        return name ? `${quoteDisplayName(name)} <${email}>` : email;
}

function contactsApi() {
        return messenger.contacts || (messenger.addressBooks && messenger.addressBooks.contacts);
}

function listsApi() {
        return messenger.mailingLists || (messenger.addressBooks && messenger.addressBooks.mailingLists);
}

/* The first EMAIL of a vCard (contacts whose legacy properties are empty). */
function vcardEmail(vcard) {
        if (typeof vcard !== "string")
                return null;
        const unfolded = vcard.replace(/\r?\n[ \t]/g, "");
        const m = unfolded.match(/^(?:[^:\n]*\.)?EMAIL(?:;[^:\n]*)?:(.+)$/im);
        return m ? m[1].trim() : null;
}

function contactMailbox(node) {
        const p = (node && node.properties) || {};
        const email = p.PrimaryEmail || p.SecondEmail || vcardEmail(p.vCard || (node && node.vCard));
        if (!email)
                return null;
        return formatMailbox(p.DisplayName || null, email);
}

async function expandList(id, name, out, unexpanded) {
        let members = null;
        try {
                const api = listsApi();
                if (!name) {
                        const node = await api.get(id);
                        name = node && node.name;
                }
                members = await api.listMembers(id);
        } catch (e) {
                log(`mailing list ${name || id} cannot be read: ${e.message || e}`);
        }
        const addrs = (members || []).map(contactMailbox).filter(Boolean);
        if (!members || addrs.length === 0 || addrs.length !== members.length) {
                /* Not (fully) expandable: treat as external, never as harmless. */
                const label = name || id;
                unexpanded.push(label);
                out.push(formatMailbox(label, UNEXPANDED_LIST_ADDRESS));
                if (addrs.length)
                        out.push(...addrs);
                return;
        }
        out.push(...addrs);
}

let listIndex = null; /* name (lower case) → list id, for "Name <Name>" recipients */

async function findListByName(name) {
        if (!listIndex) {
                listIndex = new Map();
                try {
                        const books = await messenger.addressBooks.list(true);
                        for (const b of books)
                                for (const l of b.mailingLists || [])
                                        listIndex.set(String(l.name).toLowerCase(), l.id);
                } catch (e) {
                        log(`address books cannot be listed: ${e.message || e}`);
                }
        }
        return listIndex.get(String(name).toLowerCase()) || null;
}

/* One compose recipient → address-list strings for the host. */
async function resolveRecipient(r, out, unexpanded) {
        if (typeof r === "string") {
                /* Thunderbird writes a mailing list as "Name <Name>": no @ inside. */
                const m = r.match(/^\s*"?([^"<]*?)"?\s*<([^<>@]*)>\s*$/);
                if (m && m[2].trim()) {
                        const name = m[2].trim();
                        const id = await findListByName(name);
                        if (id) {
                                await expandList(id, name, out, unexpanded);
                                return;
                        }
                        unexpanded.push(name);
                        out.push(formatMailbox(name, UNEXPANDED_LIST_ADDRESS));
                        return;
                }
                out.push(r);
                return;
        }
        if (r && r.type === "contact") {
                let text = null;
                try {
                        text = contactMailbox(await contactsApi().get(r.id));
                } catch (e) {
                        log(`contact ${r.id} cannot be read: ${e.message || e}`);
                }
                /* A contact without an address: the host refuses it as address_syntax. */
                out.push(text || `contact-without-address-${r.id}`);
                return;
        }
        if (r && r.type === "mailingList") {
                await expandList(r.id, null, out, unexpanded);
                return;
        }
        out.push(String(r));
}

async function resolveField(v, unexpanded) {
        const out = [];
        for (const r of asList(v))
                await resolveRecipient(r, out, unexpanded);
        return out;
}

function htmlToText(html) {
        if (typeof html !== "string" || html === "")
                return "";
        const doc = new DOMParser().parseFromString(html, "text/html");
        for (const el of doc.querySelectorAll("script, style, head"))
                el.remove();
        for (const el of doc.querySelectorAll("br"))
                el.replaceWith("\n");
        for (const el of doc.querySelectorAll("p, div, li, tr, h1, h2, h3, h4, h5, h6, blockquote, pre"))
                el.append("\n");
        return (doc.body ? doc.body.textContent : doc.documentElement.textContent) || "";
}

async function senderOf(details) {
        if (details.from) {
                const f = asList(details.from)[0];
                if (typeof f === "string" && f)
                        return f;
        }
        if (details.identityId) {
                try {
                        const id = await messenger.identities.get(details.identityId);
                        if (id && id.email)
                                return formatMailbox(id.name || null, id.email);
                } catch (e) {
                        log(`identity ${details.identityId} cannot be read: ${e.message || e}`);
                }
        }
        return null;
}

async function attachmentsOf(tabId) {
        const out = [];
        const list = await messenger.compose.listAttachments(tabId);
        for (const a of list) {
                let size = Number.isInteger(a.size) ? a.size : null;
                let type = null;
                try {
                        const f = typeof a.getFile === "function" ? await a.getFile() : await messenger.compose.getAttachmentFile(a.id);
                        if (f) {
                                type = f.type || null;
                                if (size === null)
                                        size = f.size;
                        }
                } catch (e) {
                        log(`attachment ${a.name} cannot be read: ${e.message || e}`);
                }
                out.push({ name: a.name || "", size: size === null ? 0 : size, content_type: type });
        }
        return out;
}

async function gatherMessage(tab, details) {
        const unexpanded = [];
        listIndex = null; /* address books may have changed since the last send */
        const [from, to, cc, bcc, attachments] = await Promise.all([
                senderOf(details),
                resolveField(details.to, unexpanded),
                resolveField(details.cc, unexpanded),
                resolveField(details.bcc, unexpanded),
                attachmentsOf(tab.id),
        ]);
        const body =
                typeof details.plainTextBody === "string" && details.plainTextBody !== ""
                        ? details.plainTextBody
                        : htmlToText(details.body);
        const headers = (details.customHeaders || []).map((h) => ({ name: h.name, value: h.value }));
        return {
                message: { from, to, cc, bcc, subject: details.subject || "", body, attachments, headers },
                unexpanded,
        };
}

/* ---- acting on the decision */

/* Replace same-name headers (case-insensitively), keep the rest, in order. */
function mergeHeaders(existing, add) {
        const out = (existing || []).map((h) => ({ name: h.name, value: h.value }));
        for (const h of add) {
                const i = out.findIndex((e) => e.name.toLowerCase() === h.name.toLowerCase());
                if (i >= 0)
                        out[i] = { name: h.name, value: h.value };
                else
                        out.push({ name: h.name, value: h.value });
        }
        return out;
}

function tagSubject(subject, tag) {
        subject = subject || "";
        if (!tag || subject.startsWith(tag))
                return subject;
        return subject ? `${tag} ${subject}` : tag;
}

function routeResult(details, route) {
        const changes = { customHeaders: mergeHeaders(details.customHeaders, route.headers || []) };
        const subject = tagSubject(details.subject, route.subject_tag);
        if (subject !== (details.subject || ""))
                changes.subject = subject;
        return { details: changes };
}

function headersFromPolicy(h) {
        if (Array.isArray(h))
                return h.filter((x) => x && x.name).map((x) => ({ name: x.name, value: String(x.value) }));
        if (h && typeof h === "object")
                return Object.entries(h).map(([name, value]) => ({ name, value: String(value) }));
        return [];
}

/* A route's headers and tag: from the decision's route choices when it has
 * them, else from the policy in force (policy.get). */
async function routeByName(decision, name) {
        const c = (decision.choices || []).find((x) => x.kind === "route" && x.route === name);
        if (c)
                return { name, headers: c.headers || [], subject_tag: c.subject_tag || null };
        const pg = await ask("policy.get");
        const r = pg && pg.policy && pg.policy.routes && pg.policy.routes[name];
        if (!r)
                return null;
        return { name, headers: headersFromPolicy(r.headers), subject_tag: r.subject_tag || null };
}

/* Errors of prompt.show after which the policy's fallback choice applies (the
 * helper itself works; only the prompt window could not do its job). */
const PROMPT_ERRORS = new Set(["prompt_unavailable", "prompt_failed", "prompt_busy", "unknown_attempt"]);
/* How much longer than the policy's prompt timeout we wait for prompt.show:
 * the host ends an unanswered prompt itself, this only guards a hung host. */
const PROMPT_WAIT_MARGIN_MS = 30000;
const PROMPT_TIMEOUT_DEFAULT_S = 300;

function uiLanguage() {
        const l = String(messenger.i18n.getUILanguage() || "").toLowerCase();
        return l === "ja" || l.startsWith("ja-") ? "ja" : "en";
}

/* The choice the policy takes when no prompt can be shown, in prompt.show's
 * result shape. A fallback of "send" is never taken silently: the user is
 * asked in a notice window first. */
async function fallbackChoice(tab, decision, ctx, err) {
        const id = decision.prompt_fallback || "cancel";
        log(`the prompt could not be shown (${err.code}: ${err.message}); taking the policy's fallback choice "${id}"`);
        if (id === "send") {
                const answer = await showNotice(tab, "no-prompt", {
                        error: `${err.code}: ${err.message}`,
                        reasons: reasonsText(decision),
                        unexpanded: ctx.unexpanded,
                });
                log(`fallback "send": the user answered ${answer}`);
                return { choice: answer === "send" ? "send" : "cancel", kind: answer === "send" ? "send" : "cancel", by: "fallback", headers: [] };
        }
        if (id.startsWith("route:")) {
                const route = await routeByName(decision, id.slice(6));
                return { choice: id, kind: "route", by: "fallback", headers: route ? route.headers : [], subject_tag: route ? route.subject_tag : null };
        }
        if (id === "encrypt")
                return { choice: id, kind: "encrypt", by: "fallback", headers: [], encrypt: decision.encrypt || null };
        await showNotice(tab, "block", { reasons: reasonsText(decision), extra: [msg("noticeNoPrompt")], unexpanded: ctx.unexpanded });
        return { choice: "cancel", kind: "cancel", by: "fallback", headers: [] };
}

/* Ask the user through the host's prompt window (prompt.show). Resolves to
 * {choice, kind, by, justification, headers, subject_tag, encrypt}; a helper
 * failure rejects (the caller applies on_helper_failure). */
async function choose(tab, details, decision, ctx) {
        const timeoutS = Number.isInteger(decision.prompt_timeout_seconds) ? decision.prompt_timeout_seconds : PROMPT_TIMEOUT_DEFAULT_S;
        const fields = { attempt: decision.attempt, lang: uiLanguage(), subject: details.subject || "" };
        try {
                return await helper.request("prompt.show", fields, timeoutS * 1000 + PROMPT_WAIT_MARGIN_MS);
        } catch (err) {
                if (err instanceof HelperError && err.kind === "host" && PROMPT_ERRORS.has(err.code))
                        return fallbackChoice(tab, decision, ctx, err);
                throw err;
        }
}

/* Local encryption methods of the policy → keys.lookup's names, readiness
 * flags, per-recipient answer keys and Thunderbird's technology names. */
const ENCRYPT_METHODS = Object.freeze({
        smime: { lookup: "smime", ready: "smime_ready", answer: "smime", tech: "S/MIME", label: "S/MIME" },
        openpgp: { lookup: "openpgp", ready: "openpgp_ready", answer: "pgp", tech: "OpenPGP", label: "OpenPGP" },
});

/* The recipients to look keys up for: every mailbox of the decision (To, Cc,
 * Bcc, after mailing-list expansion; an unexpandable list stays as its
 * placeholder, which has no key, so it never counts as ready). */
function lookupAddresses(decision) {
        const seen = new Set();
        for (const r of decision.recipients || [])
                if (r && typeof r.address === "string" && r.address)
                        seen.add(r.address);
        return [...seen];
}

async function identityCapabilities(details) {
        if (!details.identityId)
                return {};
        try {
                const id = await messenger.identities.get(details.identityId);
                return (id && id.encryptionCapabilities) || {};
        } catch (e) {
                log(`identity ${details.identityId} cannot be read: ${e.message || e}`);
                return {};
        }
}

/* Per-recipient lines for the notice: why a method cannot be used. */
function lookupReasons(lookup, m, label) {
        const out = [];
        for (const a of (lookup && lookup.answers) || []) {
                const st = a && a[m.answer];
                if (st && st.usable)
                        continue;
                const why = (st && (st.reason || st.status)) || msg("encryptReasonUnknown");
                out.push(msg("encryptRecipientReason", [String(a.address), label, String(why)]));
        }
        return out;
}

/* Switch on Thunderbird's own S/MIME or OpenPGP for this message. Done with
 * setComposeDetails inside the listener (not only in the returned details) so
 * a refusal ("The current identity does not support S/MIME") is an error we
 * can act on, and read back so we know it took. */
async function switchOnEncryption(tab, tech) {
        await messenger.compose.setComposeDetails(tab.id, { selectedEncryptionTechnology: tech });
        const now = await messenger.compose.getComposeDetails(tab.id);
        const sel = now && now.selectedEncryptionTechnology;
        if (!sel || sel.name !== tech.name || sel.encryptBody !== true)
                throw new Error(`Thunderbird reports ${JSON.stringify(sel || null)} after switching on ${tech.name}`);
        return sel;
}

/* Put back what the compose window had before we touched it (the draft must
 * come back unchanged when the send does not go ahead). */
async function restoreEncryption(tab, original) {
        if (!original)
                return;
        try {
                await messenger.compose.setComposeDetails(tab.id, { selectedEncryptionTechnology: original });
        } catch (e) {
                log(`the compose window's encryption setting cannot be put back: ${e.message || e}`);
        }
}

/* An encrypt decision: the first of the policy's methods that the identity
 * supports and keys.lookup finds ready for every recipient is switched on in
 * Thunderbird (which checks the keys again itself and refuses to send rather
 * than send in the clear). Otherwise the policy's fallback routes, in order;
 * otherwise nothing is sent and the notice says, per recipient, why. A
 * keys.lookup that fails never leads to a clear-text send: an unavailable
 * helper is a helper failure (on_helper_failure), an error answer is a reason
 * like any other and the fallbacks apply. */
async function applyEncrypt(tab, details, decision, ctx) {
        const enc = decision.encrypt || {};
        const methods = (enc.methods || []).filter((x) => ENCRYPT_METHODS[x]);
        const why = [];
        const original = details.selectedEncryptionTechnology || null;
        const addresses = lookupAddresses(decision);
        let lookup = null;
        if (methods.length && addresses.length) {
                try {
                        lookup = await ask("keys.lookup", {
                                recipients: addresses,
                                methods: methods.map((x) => ENCRYPT_METHODS[x].lookup),
                        });
                } catch (err) {
                        if (!(err instanceof HelperError) || err.kind !== "host")
                                throw err; /* the helper is gone: on_helper_failure */
                        log(`keys.lookup failed (${err.code}: ${err.message})`);
                        why.push(msg("encryptLookupFailed", [`${err.code}: ${err.message}`]));
                }
        }
        if (lookup) {
                const s = lookup.sources || {};
                log(`keys.lookup: smime_ready=${lookup.smime_ready} openpgp_ready=${lookup.openpgp_ready} (NSS database ${s.nss_db || "none"}, from ${s.profile_from || "-"})`);
                const caps = await identityCapabilities(details);
                for (const name of methods) {
                        const m = ENCRYPT_METHODS[name];
                        const cap = caps[m.tech] || {};
                        if (!cap.canEncrypt) {
                                why.push(msg("encryptIdentityCannot", [m.label]));
                                continue;
                        }
                        if (lookup[m.ready] !== true) {
                                why.push(...lookupReasons(lookup, m, m.label));
                                continue;
                        }
                        const tech = { name: m.tech, encryptBody: true, signMessage: !!cap.canSign };
                        if (name === "openpgp")
                                tech.encryptSubject = true;
                        try {
                                await switchOnEncryption(tab, tech);
                        } catch (e) {
                                log(`${m.tech} cannot be switched on: ${e.message || e}`);
                                why.push(msg("encryptSwitchFailed", [m.label, String(e.message || e)]));
                                await restoreEncryption(tab, original);
                                continue;
                        }
                        log(`${m.tech} switched on for ${addresses.length} recipient(s) (sign: ${tech.signMessage})`);
                        const changes = { selectedEncryptionTechnology: tech };
                        /* Route headers of the decision stay; X-headers travel in the outer
                         * header block, outside the encryption. */
                        if ((decision.headers || []).length)
                                changes.customHeaders = mergeHeaders(details.customHeaders, decision.headers);
                        return { details: changes };
                }
        }
        for (const name of enc.fallback || []) {
                const route = await routeByName(decision, name);
                if (route && route.headers.length) {
                        log(`local encryption is not possible for every recipient; using fallback route "${name}"`);
                        return routeResult(details, route);
                }
        }
        log("local encryption is not possible and the policy has no usable fallback route; send cancelled");
        await showNotice(tab, "block", {
                reasons: reasonsText(decision),
                extra: [msg("noticeEncryptUnavailable"), ...why],
                unexpanded: ctx.unexpanded,
        });
        return { cancel: true };
}

function reasonsText(decision) {
        return (decision.reasons || []).map((r) => {
                const items = (r.items || []).join(", ");
                const t = messenger.i18n.getMessage(`reason_${r.code}`, [items]);
                return t || r.detail || r.code;
        });
}

async function act(tab, details, decision, ctx) {
        const action = decision.action;
        if (action === "allow") {
                log("decision allow: sent unchanged");
                return {};
        }
        if (action === "route") {
                log(`decision route "${decision.route}": headers ${(decision.headers || []).map((h) => h.name).join(", ")}${decision.subject_tag ? `, subject tag ${decision.subject_tag}` : ""}`);
                return routeResult(details, { headers: decision.headers || [], subject_tag: decision.subject_tag });
        }
        if (action === "block") {
                log(`decision block: send cancelled (${(decision.reasons || []).map((r) => r.code).join(", ")})`);
                await showNotice(tab, "block", { reasons: reasonsText(decision), unexpanded: ctx.unexpanded });
                return { cancel: true };
        }
        if (action === "encrypt") {
                log("decision encrypt");
                return applyEncrypt(tab, details, decision, ctx);
        }
        if (action === "prompt") {
                const c = await choose(tab, details, decision, ctx);
                log(`decision prompt: choice "${c.choice}" (by ${c.by})${c.justification ? " with a justification" : ""}`);
                if (c.kind === "cancel")
                        return { cancel: true }; /* back to editing: the draft is untouched */
                if (c.kind === "send") {
                        const headers = c.headers || [];
                        return headers.length ? { details: { customHeaders: mergeHeaders(details.customHeaders, headers) } } : {};
                }
                if (c.kind === "encrypt")
                        return applyEncrypt(tab, details, { ...decision, encrypt: c.encrypt || decision.encrypt }, ctx);
                if (c.kind === "route" && (c.headers || []).length)
                        return routeResult(details, { headers: c.headers, subject_tag: c.subject_tag || null });
                log(`choice ${JSON.stringify(c.choice)} cannot be applied; send cancelled`);
                await showNotice(tab, "block", {
                        reasons: reasonsText(decision),
                        extra: [msg("noticeNoPrompt")],
                        unexpanded: ctx.unexpanded,
                });
                return { cancel: true };
        }
        log(`unknown action ${JSON.stringify(action)}: send cancelled`);
        await showNotice(tab, "block", { reasons: [msg("noticeUnknownAction", [String(action)])] });
        return { cancel: true };
}

/* ---- notice windows: the listener waits for the user's answer */

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

/* ---- onBeforeSend */

async function onBeforeSend(tab, details) {
        const t0 = performance.now();
        let gathered;
        try {
                gathered = await gatherMessage(tab, details);
        } catch (e) {
                log(`cannot read the message being sent: ${e.message || e}; send cancelled`);
                await showNotice(tab, "block", { reasons: [msg("noticeCannotRead", [String(e.message || e)])] });
                return { cancel: true };
        }
        if (gathered.unexpanded.length)
                log(`mailing list(s) that cannot be expanded, treated as external: ${gathered.unexpanded.join(", ")}`);
        let decision;
        try {
                decision = await ask("policy.evaluate", { message: gathered.message });
        } catch (err) {
                if (err instanceof HelperError && err.kind === "host" && MESSAGE_ERRORS.has(err.code)) {
                        log(`the message cannot be checked (${err.code}: ${err.message}); send cancelled`);
                        await showNotice(tab, "block", {
                                reasons: [msg("noticeMessageError", [err.message])],
                                unexpanded: gathered.unexpanded,
                        });
                        return { cancel: true };
                }
                if (!(err instanceof HelperError))
                        err = new HelperError("unavailable", String(err && err.message ? err.message : err));
                return onHelperFailure(tab, err);
        }
        log(`policy.evaluate answered in ${Math.round(performance.now() - t0)} ms: ${decision.action}`);
        try {
                return await act(tab, details, decision, gathered);
        } catch (err) {
                /* e.g. policy.get failed while resolving a fallback route */
                if (!(err instanceof HelperError))
                        err = new HelperError("unavailable", String(err && err.message ? err.message : err));
                return onHelperFailure(tab, err);
        }
}

messenger.compose.onBeforeSend.addListener(onBeforeSend);

/* ---- messages from the notice and options pages */

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
        default:
                return undefined;
        }
});

managedSettings().then((s) =>
        log(`on_helper_failure=${s.on_helper_failure}, helper_timeout_ms=${s.helper_timeout_ms} (${s.source}${s.source_error ? `: ${s.source_error}` : ""})`),
);

/* Start the host now so the first send does not pay for it; a failure here is
 * only logged (each send tries again). */
helper.request("version", {}, DEFAULTS.helper_timeout_ms).then(
        (v) => log(`helper ${v.version}, protocol ${v.protocol}, policy ${v.policy.path} ${v.policy.loaded ? "loaded" : `not loaded (${v.policy.error && v.policy.error.code})`}`),
        (e) => log(`helper not available at start-up: ${e.message || e}`),
);
