/* sealgate background page, the send hook: before every send, ask the host
 * what the policy decides (policy.evaluate) and apply its outcome
 * (outcome.js); when the host cannot answer, on_helper_failure applies
 * (notices.js). Loaded last of the background scripts. */
"use strict";

/* Host error codes that are the message's fault, not the helper's. */
const MESSAGE_ERRORS = new Set(["address_syntax", "limit_exceeded", "invalid_utf8"]);

async function onBeforeSend(tab, details) {
        /* A copy of a split delivery: decided already (split.js). */
        const copy = await splitCopyBeforeSend(tab, details);
        if (copy)
                return copy;
        const steps = new SendSteps();
        let gathered, decision, skipped;
        try {
                ({ gathered, decision, skipped } = await gatherAndEvaluate(tab, details, steps));
        } catch (err) {
                if (err instanceof GatherError) {
                        log(`cannot read the message being sent: ${err.message}; send cancelled`);
                        await showNotice(tab, "block", { reasons: [msg("noticeCannotRead", [err.message])] });
                        return { cancel: true };
                }
                if (err instanceof HelperError && err.kind === "host" && err.code === "input_skipped") {
                        /* Refused even with everything gathered: the policy
                         * keeps changing under this send (inputs.js). */
                        log(`the message cannot be checked (${err.code}: ${err.message}); send cancelled`);
                        await showNotice(tab, "block", { reasons: [msg("noticeInputSkipped")] });
                        return { cancel: true };
                }
                if (err instanceof HelperError && err.kind === "host" && MESSAGE_ERRORS.has(err.code)) {
                        log(`the message cannot be checked (${err.code}: ${err.message}); send cancelled`);
                        await showNotice(tab, "block", {
                                reasons: [msg("noticeMessageError", [err.message])],
                                unexpanded: err.gathered ? err.gathered.unexpanded : [],
                        });
                        return { cancel: true };
                }
                if (!(err instanceof HelperError))
                        err = new HelperError("unavailable", String(err && err.message ? err.message : err));
                return onHelperFailure(tab, err);
        }
        if (gathered.unexpanded.length)
                log(`mailing list(s) that cannot be expanded, treated as external: ${gathered.unexpanded.join(", ")}`);
        log(`policy.evaluate answered: ${decision.action}`);
        try {
                const result = await act(tab, details, decision, gathered);
                steps.mark("apply");
                await recordApplied(tab, details, decision, result, gathered.applied, steps);
                steps.mark("record");
                log(steps.line(skipped, gathered.reused));
                return result;
        } catch (err) {
                /* e.g. keys.lookup could not reach the helper */
                if (!(err instanceof HelperError))
                        err = new HelperError("unavailable", String(err && err.message ? err.message : err));
                return onHelperFailure(tab, err);
        }
}

messenger.compose.onBeforeSend.addListener(onBeforeSend);

managedSettings().then((s) =>
        log(`on_helper_failure=${s.on_helper_failure}, helper_timeout_ms=${s.helper_timeout_ms} (${s.source}${s.source_error ? `: ${s.source_error}` : ""})`),
);

/* Start the host now so the first send does not pay for it; a failure here is
 * only logged (each send tries again). */
helper.request("version", {}, DEFAULTS.helper_timeout_ms).then(
        (v) => noteReads(v.policy) || log(`helper ${v.version}, protocol ${v.protocol}, policy ${v.policy.path} ${v.policy.loaded ? "loaded" : `not loaded (${v.policy.error && v.policy.error.code})`}`),
        (e) => log(`helper not available at start-up: ${e.message || e}`),
);
