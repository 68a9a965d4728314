/* sealgate background page, helper port: the managed settings (on_helper_failure,
 * helper_timeout_ms from storage.managed) and the one persistent port to the
 * native host (sealgate-host, docs/protocol.md), requests correlated by id,
 * large ones chunked. Loaded first of the background scripts (manifest.json);
 * the later ones use `helper`, `ask`, `HelperError`, `log` and `msg`. */
"use strict";

const NATIVE_APP = "sealgate.host";
const DEFAULTS = Object.freeze({ on_helper_failure: "block", helper_timeout_ms: 15000 });
const HELPER_TIMEOUT_MAX = 600000;
/* Requests larger than this go out as chunk frames (the host takes 16 MiB per frame). */
const REQUEST_CHUNK_THRESHOLD = 8 << 20;
const REQUEST_CHUNK_BYTES = 4 << 20;

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

/* The managed settings, read once: Thunderbird reads its enterprise policy
 * (storage.managed) at start-up only, so they cannot change while it runs,
 * and reading them costs each request a round trip to the main process. */
let settingsOnce = null;

async function ask(op, fields = {}) {
        if (!settingsOnce)
                settingsOnce = managedSettings();
        const s = await settingsOnce;
        return helper.request(op, fields, s.helper_timeout_ms);
}

