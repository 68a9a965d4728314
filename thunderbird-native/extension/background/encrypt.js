/* sealgate background page, encryption switch: an outcome of "encrypt"
 * (docs/protocol.md, "Outcome") switches on Thunderbird's own S/MIME or
 * OpenPGP for the first of its methods that the identity supports and
 * keys.lookup finds ready for every recipient; otherwise its first fallback
 * route (headers and subject as the outcome gives them); otherwise nothing
 * is sent and the notice says, per recipient, why. */
"use strict";

/* The outcome's method names → keys.lookup's names, readiness flags,
 * per-recipient answer keys and Thunderbird's technology names. */
const ENCRYPT_METHODS = Object.freeze({
        smime: { lookup: "smime", ready: "smime_ready", answer: "smime", tech: "S/MIME", label: "S/MIME", none: "no_cert" },
        openpgp: { lookup: "openpgp", ready: "openpgp_ready", answer: "pgp", tech: "OpenPGP", label: "OpenPGP", none: "no_key" },
});

/* The recipients to look keys up for: every mailbox of the decision (To, Cc,
 * Bcc, after mailing-list expansion; an unresolved list stays as its
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

/* Why a recipient's certificate or key cannot be used, in the user's
 * language, from keys.lookup's stable status (docs/protocol.md); the host's
 * English reason only for a status this version does not know. */
function statusText(st) {
        if (!st)
                return msg("encryptReasonUnknown");
        if (st.status === "expired") {
                const d = /^(\d{4})-(\d{2})-(\d{2})/.exec(st.expires || "");
                if (!d)
                        return msg("encryptStatus_expired_nodate");
                const lang = messenger.i18n.getUILanguage();
                const when = new Date(Date.UTC(+d[1], +d[2] - 1, +d[3]));
                const fmt = String(lang).toLowerCase().startsWith("ja")
                        ? new Intl.DateTimeFormat("ja-JP", { dateStyle: "long", timeZone: "UTC" })
                        : new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
                return msg("encryptStatus_expired", [fmt.format(when)]);
        }
        return messenger.i18n.getMessage(`encryptStatus_${st.status}`) || st.reason || st.status || msg("encryptReasonUnknown");
}

/* Per-recipient lines for the notice: why a method cannot be used. */
/* One recipient's finding for a method: what Thunderbird itself can use
 * (answer.client, when the host knows the profile), else every source's. */
function finding(a, m) {
        if (!a)
                return null;
        if (a.client && a.client[m.answer])
                return a.client[m.answer];
        return a[m.answer] || null;
}

function lookupReasons(lookup, m, label) {
        const out = [];
        for (const a of (lookup && lookup.answers) || []) {
                const st = finding(a, m);
                if (st && st.usable)
                        continue;
                const why = statusText(st);
                out.push(msg("encryptRecipientReason", [String(a.address), label, String(why)]));
        }
        return out;
}

/* keys.lookup's statuses that are also the audit record's not-ready
 * reasons (docs/admin/audit.md, "not_ready"); "none" is the method's own
 * word (no_cert, no_key); a status this version does not know, "unknown". */
const NOT_READY_STATUSES = new Set([
        "expired", "revoked", "not_accepted", "wrong_usage", "wrong_address",
        "lookup_failed", "revocation_unknown", "invalid",
]);

/* The applied record's not_ready: address → reason word for every recipient
 * the method `m` cannot encrypt to (every address "lookup_failed" when the
 * lookup failed). The host checks the words and the addresses. */
function notReadyOf(lookup, m, addresses) {
        const out = {};
        if (!lookup) {
                for (const a of addresses)
                        out[a] = "lookup_failed";
                return out;
        }
        for (const a of lookup.answers || []) {
                const st = finding(a, m);
                if (st && st.usable)
                        continue;
                const word = !st ? "unknown" : st.status === "none" ? m.none : NOT_READY_STATUSES.has(st.status) ? st.status : "unknown";
                out[String(a.address)] = word;
        }
        return out;
}

/* What prompt.show needs to decide whether "Encrypt and send" can happen
 * now (the host's engine decides, sg_decision_offer): per method the
 * decision allows, whether the sending identity can encrypt with it and how
 * many recipients keys.lookup finds not ready. {} (nothing known: not
 * offered) when the lookup answers an error; a helper that is gone rejects. */
async function encryptReadiness(details, decision) {
        const methods = ((decision.encrypt && decision.encrypt.methods) || []).filter((x) => ENCRYPT_METHODS[x]);
        const addresses = lookupAddresses(decision);
        if (!methods.length || !addresses.length)
                return {};
        let lookup;
        try {
                lookup = await ask("keys.lookup", { recipients: addresses, methods: methods.map((x) => ENCRYPT_METHODS[x].lookup) });
        } catch (err) {
                if (!(err instanceof HelperError) || err.kind !== "host")
                        throw err;
                log(`keys.lookup before the prompt failed (${err.code}: ${err.message}): "encrypt" cannot be offered`);
                return {};
        }
        const caps = await identityCapabilities(details);
        const out = {};
        for (const name of methods) {
                const m = ENCRYPT_METHODS[name];
                const missing = ((lookup && lookup.answers) || []).filter((a) => !(finding(a, m) || {}).usable).length;
                out[name] = {
                        identity: !!(caps[m.tech] || {}).canEncrypt,
                        not_ready: lookup[m.ready] === true ? 0 : Math.max(1, missing),
                };
        }
        log(`readiness before the prompt: ${JSON.stringify(out)}`);
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

/* Apply an "encrypt" outcome. A keys.lookup that fails never leads to a
 * clear-text send: an unavailable helper is a helper failure
 * (on_helper_failure), an error answer is a reason like any other and the
 * fallbacks apply. */
async function applyEncrypt(tab, details, decision, outcome, ctx) {
        const enc = outcome.encrypt || {};
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
        /* The method the recipients' readiness is recorded for when the
         * fallback is taken: the first the identity can encrypt with. */
        let recordFor = methods.length ? ENCRYPT_METHODS[methods[0]] : null;
        if (lookup) {
                const s = lookup.sources || {};
                log(`keys.lookup: smime_ready=${lookup.smime_ready} openpgp_ready=${lookup.openpgp_ready} (NSS database ${s.nss_db || "none"}, from ${s.profile_from || "-"})`);
                const caps = await identityCapabilities(details);
                const usable = methods.find((x) => (caps[ENCRYPT_METHODS[x].tech] || {}).canEncrypt);
                if (usable)
                        recordFor = ENCRYPT_METHODS[usable];
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
                        const headers = withCheck(outcome.headers, outcome.check);
                        ctx.applied = { technology: m.tech, headers };
                        /* Headers of the outcome travel in the outer header block. */
                        if (headers.length)
                                changes.customHeaders = mergeHeaders(details.customHeaders, headers);
                        return { details: changes };
                }
                /* encrypt.split_delivery: the ready recipients encrypted, the rest routed (split.js). */
                const split = await trySplit(tab, details, decision, outcome, lookup, caps, methods);
                if (split)
                        return split;
        }
        const route = (enc.fallback || [])[0];
        if (enc.ask_before_fallback) {
                /* The user chose encryption and it cannot happen now (a key
                 * changed since the prompt): nothing leaves; they are told. */
                log("the encryption chosen in the prompt is not possible now; send cancelled, the user is told");
                await showNotice(tab, "block", {
                        reasons: [],
                        extra: [msg("noticeEncryptChanged"), ...why],
                        unexpanded: ctx.unexpanded,
                });
                return { cancel: true };
        }
        if (route) {
                log(`local encryption is not possible for every recipient; using fallback route "${route.route}"`);
                ctx.applied = {
                        route: route.route,
                        headers: withCheck(route.headers, route.check),
                        subject: route.subject,
                        fallback: true,
                        not_ready: recordFor ? notReadyOf(lookup, recordFor, addresses) : {},
                };
                return applyChanges(details, ctx.applied.headers, route.subject);
        }
        log("local encryption is not possible and the policy has no usable fallback route; send cancelled");
        await showNotice(tab, "block", {
                reasons: reasonsText(decision),
                extra: [msg("noticeEncryptUnavailable"), ...why],
                unexpanded: ctx.unexpanded,
        });
        return { cancel: true };
}
