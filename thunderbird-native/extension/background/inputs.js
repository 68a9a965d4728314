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
 * not opened) and "related" (a reply's original addresses). */
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
        line(skipped) {
                return `send steps (ms): ${this.steps.join(", ")}, total ${(performance.now() - this.t0).toFixed(1)}; skipped: ${skipped.length ? skipped.join(" ") : "none"}`;
        }
}

/* policy.evaluate for this send: the message gathered without what the
 * policy does not read; when the host refuses it for a skipped input (the
 * policy changed since it last said), everything is gathered and asked once
 * more. Resolves to {gathered, decision, skipped}; a gathering failure
 * throws GatherError, a host failure HelperError (with `gathered`). */
class GatherError extends Error {}

async function gatherAndEvaluate(tab, details, steps) {
        for (let round = 0; ; round++) {
                const skipped = inputsToSkip(round > 0);
                let gathered;
                try {
                        gathered = await gatherMessage(tab, details, new Set(skipped));
                } catch (e) {
                        throw new GatherError(String(e.message || e));
                }
                steps.mark(round ? "gather again" : "gather");
                const fields = { message: gathered.message };
                if (skipped.length)
                        fields.skipped = skipped;
                try {
                        const decision = await ask("policy.evaluate", fields);
                        steps.mark("evaluate");
                        noteReads(decision);
                        return { gathered, decision, skipped };
                } catch (err) {
                        steps.mark("evaluate");
                        if (err instanceof HelperError && err.kind === "host" && err.code === "input_skipped" && round === 0) {
                                log(`the policy reads an input this send left out (input_skipped: ${err.message}); gathering everything`);
                                policyReads = null;
                                continue;
                        }
                        if (err && typeof err === "object")
                                err.gathered = gathered;
                        throw err;
                }
        }
}
