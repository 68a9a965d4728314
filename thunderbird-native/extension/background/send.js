/* sealgate background page, the send hook: before every send, ask the host
 * what the policy decides (policy.evaluate) and apply its outcome
 * (outcome.js); when the host cannot answer, on_helper_failure applies
 * (notices.js). Loaded last of the background scripts. */
"use strict";

/* Host error codes that are the message's fault, not the helper's. */
const MESSAGE_ERRORS = new Set(["address_syntax", "limit_exceeded", "invalid_utf8"]);

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
                const result = await act(tab, details, decision, gathered);
                await recordApplied(tab, details, decision, result, gathered.applied);
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
        (v) => log(`helper ${v.version}, protocol ${v.protocol}, policy ${v.policy.path} ${v.policy.loaded ? "loaded" : `not loaded (${v.policy.error && v.policy.error.code})`}`),
        (e) => log(`helper not available at start-up: ${e.message || e}`),
);
