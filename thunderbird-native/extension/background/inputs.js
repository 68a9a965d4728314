/* sealgate background page, what a send gathers and how long it takes:
 * the host says which costly inputs the policy in force reads
 * (docs/protocol.md, "Inputs the policy reads": `version` and every
 * `policy.evaluate` answer `reads`); a send leaves out what it does not and
 * names it in the request's `skipped`. The host refuses (`input_skipped`)
 * when the policy reads what was left out (it was reloaded in between); the
 * send then gathers everything and asks once more. No rule is computed
 * here: only the host's answer is followed. The time of each step of a send
 * goes to the log ("send steps: ..."), which the e2e timing reads. */
"use strict";

/* The inputs a request may leave out (docs/protocol.md): "texts" (the body
 * and message.texts: the HTML alternative, text attachments, forwarded
 * messages), "attachment_types" (each attachment's content type: its file is
 * not opened; the names and sizes are always sent) and "related" (a reply's
 * original addresses). */
const SKIPPABLE_INPUTS = Object.freeze(["texts", "attachment_types", "related"]);

/* The last answer from the host; null until one came (then everything is
 * gathered). */
let policyReads = null;

/* Keep the host's `reads` from a version or policy.evaluate result. Anything
 * not a boolean false counts as read. */
function noteReads(result) {
        const r = result && result.reads;
        if (!r || typeof r !== "object") {
                policyReads = null;
                return;
        }
        const out = {};
        for (const k of SKIPPABLE_INPUTS)
                out[k] = r[k] !== false;
        policyReads = out;
}

/* What this send may leave out: the inputs the host said the policy does
 * not read (none when `full`, or before the host answered). */
function inputsToSkip(full) {
        if (full || !policyReads)
                return [];
        return SKIPPABLE_INPUTS.filter((k) => policyReads[k] === false);
}

/* The time of each step of one send, in ms from onBeforeSend. */
class SendSteps {
        constructor() {
                this.t0 = performance.now();
                this.last = this.t0;
                this.steps = [];
        }
        mark(name) {
                const now = performance.now();
                this.steps.push(`${name} ${(now - this.last).toFixed(1)}`);
                this.last = now;
        }
        line(skipped, reused) {
                return `send steps (ms): ${this.steps.join(", ")}, total ${(performance.now() - this.t0).toFixed(1)}; skipped: ${skipped.length ? skipped.join(" ") : "none"}${reused ? "; reused the preview's gathering" : ""}`;
        }
}

/* The gathering the compose window's button made for its last preview, per
 * compose tab, for Send to reuse when nothing changed since: the same
 * compose details (compared whole), the same attachments (ids, names and
 * sizes, listed again at Send), the same inputs left out, a gathering that
 * read no address book, contact or identity (a list's members may have
 * changed since) and no attachment's text (its file may have changed). Only the gathering is reused: the host evaluates
 * the message again at Send under the policy in force then (the attempt
 * and its audit record need a real evaluation, and a policy reloaded in
 * between is refused with input_skipped as for any send). */
const previewGathered = new Map(); /* tabId → {key, skipped, gathered} */

/* The compose details a gathering depends on (gather.js, texts.js and
 * missend.js read no others), as one string: the body only as the
 * gathering reads it (gatherMessage and gatherTexts), and not at all when
 * the texts are left out (Thunderbird gives a plain-text message's HTML
 * `body` at Send differently from while composing, unused either way). */
const GATHER_FIELDS = Object.freeze(["identityId", "from", "to", "cc", "bcc", "subject", "customHeaders", "type", "relatedMessageId", "body"]);

function gatherView(details, skipped) {
        const d = details || {};
        const view = GATHER_FIELDS.map((k) => d[k]);
        let body;
        if (skipped.includes("texts"))
                body = null;
        else {
                const plain = typeof d.plainTextBody === "string" && d.plainTextBody !== "" ? d.plainTextBody : null;
                /* The HTML is read when there is no plain text, or as the alternative of an HTML message. */
                const html = plain === null || !d.isPlainText ? [d.isPlainText, d.body] : null;
                body = [plain, html];
        }
        view[view.length - 1] = body;
        return view;
}

function detailsKey(details, skipped) {
        try {
                return JSON.stringify(gatherView(details, skipped));
        } catch (e) {
                return null; /* never equal: no reuse */
        }
}

/* The preview's gathering, when Send may reuse it (then dropped: a send
 * uses it once). Reads the attachments' list once to compare. When there
 * was one but it cannot be reused, the log says why. */
async function reusableGathering(tab, details, skipped) {
        const c = previewGathered.get(tab.id);
        previewGathered.delete(tab.id);
        if (!c)
                return null;
        const no = (why) => {
                log(`the preview's gathering is not reused: ${why}`);
                return null;
        };
        if (c.skipped !== skipped.join(" "))
                return no(`other inputs left out (${c.skipped || "none"}, now ${skipped.join(" ") || "none"})`);
        const key = detailsKey(details, skipped);
        if (c.key === null || c.key !== key) {
                const now = key ? JSON.parse(key) : [];
                const then = c.key ? JSON.parse(c.key) : [];
                return no(`the compose details changed (${GATHER_FIELDS.filter((k, i) => JSON.stringify(now[i]) !== JSON.stringify(then[i])).join(", ")})`);
        }
        /* An attachment's text is read from its file, which may have been
         * edited since under the same name and size: read again. */
        if (!skipped.includes("texts") && c.gathered.message.attachments.length)
                return no("the attachments' texts are read");
        let list;
        try {
                list = await messenger.compose.listAttachments(tab.id);
        } catch (e) {
                return no(`the attachments cannot be listed: ${e.message || e}`);
        }
        if (JSON.stringify(list.map((a) => [a.id, a.name, a.size])) !== c.gathered.attachmentIds)
                return no("the attachments changed");
        /* A copy: the send adds its own members (outcome.js `applied`). */
        return { ...c.gathered, reused: true };
}

messenger.tabs.onRemoved.addListener((tabId) => previewGathered.delete(tabId));

/* policy.evaluate for a send (`steps`: its SendSteps) or for the compose
 * window's button (`preview`: compose-action.js; `steps` null): the
 * message gathered without what the policy does not read; when the host
 * refuses it for a skipped input (the policy changed since it last said),
 * everything is gathered and asked once more. A send reuses the button's
 * last gathering when nothing changed since (reusableGathering). Resolves
 * to {gathered, decision, skipped}; a gathering failure throws
 * GatherError, a host failure HelperError (with `gathered`). This is the
 * one gathering both use: the button asks no more than the send. */
class GatherError extends Error {}

const NO_STEPS = Object.freeze({ mark() {} });

async function gatherAndEvaluate(tab, details, steps, preview = false) {
        steps = steps || NO_STEPS;
        for (let round = 0; ; round++) {
                const skipped = inputsToSkip(round > 0);
                let gathered = null;
                if (round === 0 && !preview) {
                        gathered = await reusableGathering(tab, details, skipped);
                        if (gathered)
                                steps.mark("reuse");
                }
                if (!gathered) {
                        try {
                                gathered = await gatherMessage(tab, details, new Set(skipped));
                        } catch (e) {
                                throw new GatherError(String(e.message || e));
                        }
                        steps.mark(round ? "gather again" : "gather");
                }
                const fields = { message: gathered.message };
                if (skipped.length)
                        fields.skipped = skipped;
                if (preview)
                        fields.preview = true;
                try {
                        const decision = await ask("policy.evaluate", fields);
                        steps.mark("evaluate");
                        noteReads(decision);
                        if (preview && !gathered.books)
                                previewGathered.set(tab.id, { key: detailsKey(details, skipped), skipped: skipped.join(" "), gathered });
                        else if (preview)
                                previewGathered.delete(tab.id);
                        return { gathered, decision, skipped };
                } catch (err) {
                        steps.mark("evaluate");
                        if (preview)
                                previewGathered.delete(tab.id);
                        if (err instanceof HelperError && err.kind === "host" && err.code === "input_skipped" && round === 0) {
                                log(`the policy reads an input this ${preview ? "preview" : "send"} left out (input_skipped: ${err.message}); gathering everything`);
                                policyReads = null;
                                continue;
                        }
                        if (err && typeof err === "object")
                                err.gathered = gathered;
                        throw err;
                }
        }
}
