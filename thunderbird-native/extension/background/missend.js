/* sealgate background page, mis-send prevention (docs/admin/policy.md,
 * "Mis-send prevention"): the original message's addresses of a reply or
 * forward (policy.evaluate's message.related), and applying the outcome's
 * Bcc move (outcome.bcc) and hold before sending (outcome.delay). Which
 * recipients move, and for how long a message is held, is the host's
 * answer: no rule is computed here. */
"use strict";

/* The address lists of the message this one replies to or forwards: its
 * From, To, Cc and Bcc (Bcc only when the user sent it). Empty when it is no
 * reply or the message cannot be read (logged: then the rule cannot apply). */
async function relatedAddresses(details) {
        const id = details && details.relatedMessageId;
        if (!id || details.type === "new" || details.type === "redirect")
                return [];
        try {
                const m = await messenger.messages.get(id);
                return [m.author, ...(m.recipients || []), ...(m.ccList || []), ...(m.bccList || [])].filter(
                        (s) => typeof s === "string" && s !== "",
                );
        } catch (e) {
                log(`the original message ${id} cannot be read: ${e.message || e}; new domains in this reply are not checked`);
                return [];
        }
}

/* The comparison form of the one mailbox in `text` (the host's recipient
 * "address": local part as written, the domain in ASCII lower case), to
 * find the compose entries the outcome names. */
function mailboxAddress(text) {
        const m = String(text).match(/<([^<>]*)>\s*$/);
        const a = (m ? m[1] : String(text)).trim();
        const at = a.lastIndexOf("@");
        if (at < 0)
                return a;
        let dom = a.slice(at + 1).replace(/\.$/, "");
        try {
                dom = new URL(`http://${dom}/`).hostname;
        } catch (e) {
                dom = dom.toLowerCase();
        }
        return `${a.slice(0, at)}@${dom}`;
}

/* The compose details that move the outcome's addresses from To and Cc to
 * Bcc ({} when nothing moves). A mailing-list entry moves when one of its
 * members is named. To left empty holds the outcome's placeholder. */
async function bccChanges(details, bcc) {
        if (!bcc || !Array.isArray(bcc.move) || bcc.move.length === 0)
                return {};
        const move = new Set(bcc.move);
        const keep = { to: [], cc: [] };
        const moved = [];
        for (const f of ["to", "cc"])
                for (const r of asList(details[f])) {
                        const texts = [];
                        await resolveRecipient(r, texts, []);
                        (texts.some((t) => move.has(mailboxAddress(t))) ? moved : keep[f]).push(r);
                }
        if (moved.length === 0)
                return {};
        const out = { to: keep.to, cc: keep.cc, bcc: [...asList(details.bcc), ...moved] };
        if (out.to.length === 0 && bcc.to_placeholder)
                out.to = [bcc.to_placeholder];
        log(`outcome bcc: ${moved.length} recipient(s) moved to Bcc${out.to.length && bcc.to_placeholder && keep.to.length === 0 ? ", To holds the placeholder" : ""}`);
        return out;
}

/* The user is told of an automatic move (a notification, no question). */
function bccNotice(bcc) {
        const n = bcc.move.length;
        const text = messenger.i18n.getMessage(n === 1 ? "noticeBccMoved" : "noticeBccMoved_plural", [String(n), bcc.move.join(listSeparator())]);
        if (messenger.notifications)
                messenger.notifications.create({ type: "basic", title: "sealgate", message: text }).catch(() => {});
}

/* Hold the message outcome.delay.seconds with a countdown notice: resolves
 * true to send (the time ran out, or "Send now" when skippable), false when
 * the user went back to editing (the draft unchanged, nothing sent). */
async function holdBeforeSend(tab, delay) {
        if (!delay || !(delay.seconds > 0))
                return true;
        log(`outcome delay: holding the message ${delay.seconds} s${delay.skippable ? " (skippable)" : ""}`);
        const nonceBefore = nextNonce;
        const shown = showNotice(tab, "countdown", { seconds: delay.seconds, skippable: !!delay.skippable });
        const timer = setTimeout(() => answerNotice(String(nonceBefore), "send"), delay.seconds * 1000);
        const answer = await shown;
        clearTimeout(timer);
        log(`outcome delay: ${answer === "send" ? "sending" : "back to editing, nothing sent"}`);
        return answer === "send";
}

/* The mis-send parts of an outcome on top of the result applyOutcome gave:
 * the Bcc move merged into its details, then the hold. */
async function applyMissend(tab, details, outcome, result) {
        if (!outcome || !result || result.cancel)
                return result;
        const changes = await bccChanges(details, outcome.bcc);
        if (Object.keys(changes).length) {
                if (outcome.choice === null || outcome.choice === undefined)
                        bccNotice(outcome.bcc);
                result = { ...result, details: { ...(result.details || {}), ...changes } };
        }
        if (!(await holdBeforeSend(tab, outcome.delay)))
                return { cancel: true };
        return result;
}
