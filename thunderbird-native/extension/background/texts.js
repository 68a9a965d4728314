/* sealgate background page, the texts beyond the body: policy.evaluate's
 * message.texts (docs/protocol.md). The engine decides which trigger reads
 * which part (docs/admin/policy.md, "Which parts each trigger reads"); this
 * module only hands the parts over, as the command line does for an .eml
 * file: the HTML alternative as text when the message has a plain one too,
 * the text of every text attachment (text/* of any subtype, *.txt, *.csv),
 * and the subject and body of a forwarded message (a message/rfc822 or
 * *.eml attachment). Reading stops one text past the engine's limits, so
 * the host answers limit_exceeded (and the send follows on_helper_failure)
 * instead of a part going unread. */
"use strict";

/* The engine's limits (core/engine/sealgate/policy.h): SG_MSG_TEXTS_MAX
 * entries, SG_MSG_TEXT_TOTAL_MAX bytes of UTF-8 for the body and every
 * text together. */
const TEXTS_MAX = 256;
const TEXT_TOTAL_MAX = 16 * 1024 * 1024;

/* The encodings a text attachment is tried in, in order: UTF-8 (strict),
 * then what Japanese desks produce; a file none of them reads whole is read
 * as UTF-8 with replacement characters, so nothing is skipped. */
const TEXT_ENCODINGS = ["utf-8", "shift_jis", "euc-jp", "iso-2022-jp"];

function utf8Length(s) {
        return new TextEncoder().encode(s).length;
}

function isTextAttachment(name, type) {
        return /^text\//i.test(type || "") || /\.(txt|csv)$/i.test(name || "");
}

function isMessageAttachment(name, type) {
        return /^message\/rfc822$/i.test(type || "") || /\.eml$/i.test(name || "");
}

function decodeText(bytes) {
        if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
                return new TextDecoder("utf-16le").decode(bytes);
        if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
                return new TextDecoder("utf-16be").decode(bytes);
        for (const enc of TEXT_ENCODINGS) {
                try {
                        return new TextDecoder(enc, { fatal: true }).decode(bytes);
                } catch (e) {
                        /* not this encoding */
                }
        }
        return new TextDecoder("utf-8").decode(bytes);
}

/* A message file's headers unfolded and its body, split at the first empty
 * line. */
function splitMessage(raw) {
        const m = /\r?\n\r?\n/.exec(raw);
        const head = m ? raw.slice(0, m.index) : raw;
        const body = m ? raw.slice(m.index + m[0].length) : "";
        return { head: head.replace(/\r?\n[ \t]+/g, " "), body };
}

async function decodeHeader(value) {
        const u = messenger.messengerUtilities;
        if (u && typeof u.decodeMimeHeader === "function") {
                try {
                        const d = await u.decodeMimeHeader(value, false);
                        return Array.isArray(d) ? d.join(" ") : String(d);
                } catch (e) {
                        log(`a forwarded subject cannot be decoded: ${e.message || e}`);
                }
        }
        return value;
}

/* Texts collected under the engine's limits (above). */
class Texts {
        constructor(body) {
                this.list = [];
                this.bytes = utf8Length(body);
        }
        full() {
                return this.list.length > TEXTS_MAX || this.bytes > TEXT_TOTAL_MAX;
        }
        add(kind, name, text) {
                if (this.full() || typeof text !== "string" || text === "")
                        return;
                this.list.push(name ? { kind, name, text } : { kind, text });
                this.bytes += utf8Length(text);
        }
}

/* The subject and the text parts of the message the compose window
 * forwards, through Thunderbird's own MIME parser. */
async function addRelatedMessage(texts, messageId) {
        let full;
        try {
                full = await messenger.messages.getFull(messageId);
        } catch (e) {
                log(`the forwarded message cannot be read: ${e.message || e}`);
                return false;
        }
        const walk = async (part) => {
                if (texts.full())
                        return;
                const subject = part.headers && part.headers.subject;
                if (subject && subject.length)
                        texts.add("forwarded_subject", null, subject[0]);
                const type = (part.contentType || "").toLowerCase();
                if (typeof part.body === "string" && type === "text/html")
                        texts.add("forwarded_body", null, htmlToText(part.body));
                else if (typeof part.body === "string" && type.startsWith("text/"))
                        texts.add("forwarded_body", null, part.body);
                for (const p of part.parts || [])
                        await walk(p);
        };
        await walk(full);
        return true;
}

/* A message file attached from disk (or a forward Thunderbird's parser
 * could not give): its Subject and its body as they stand in the file. */
async function addMessageFile(texts, file) {
        const raw = decodeText(new Uint8Array(await file.arrayBuffer()));
        const { head, body } = splitMessage(raw);
        const m = /^subject:[ \t]*(.*)$/im.exec(head);
        if (m)
                texts.add("forwarded_subject", null, await decodeHeader(m[1]));
        texts.add("forwarded_body", null, body);
}

/* policy.evaluate's message.texts for this compose window, or null when the
 * message has none. `files` are the attachments' File objects (or null for
 * one that cannot be read), in the order of `attachments`. A text or message
 * attachment that cannot be read throws: what the triggers must read is
 * never left out (the send is cancelled with a notice, send.js). */
async function gatherTexts(details, body, attachments, files) {
        const texts = new Texts(body);
        if (!details.isPlainText && typeof details.body === "string" && details.body !== "") {
                const html = htmlToText(details.body);
                if (html.trim() !== body.trim())
                        texts.add("alternative", null, html);
        }
        let related = false;
        for (let i = 0; i < attachments.length && !texts.full(); i++) {
                const a = attachments[i];
                const message = isMessageAttachment(a.name, a.content_type);
                if (!message && !isTextAttachment(a.name, a.content_type))
                        continue;
                if (!files[i])
                        throw new Error(`attachment ${a.name} cannot be read`);
                if (message) {
                        if (details.type === "forward" && details.relatedMessageId && !related)
                                related = await addRelatedMessage(texts, details.relatedMessageId);
                        await addMessageFile(texts, files[i]);
                } else {
                        texts.add("attachment", a.name, decodeText(new Uint8Array(await files[i].arrayBuffer())));
                }
        }
        return texts.list.length ? texts.list : null;
}
