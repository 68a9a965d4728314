/* sealgate background page, message gathering: the compose window's details
 * into policy.evaluate's message (recipients with address-book lists
 * expanded, sender, subject, body text, attachments, headers; the texts
 * beyond the body come from texts.js). */
"use strict";

/* The placeholder of a recipient that cannot be resolved (a mailing list the
 * address book cannot expand): the engine's own, sg_unresolved_address in
 * core/engine/sealgate/outcome.h ("unresolved-N@unresolved.invalid", N from
 * 1 in the message). Never internal, so it counts as external. The unit test
 * 'extension' checks this is the C constant. */
const UNRESOLVED_DOMAIN = "unresolved.invalid";

function unresolvedAddress(unexpanded) {
        return `unresolved-${unexpanded.length}@${UNRESOLVED_DOMAIN}`;
}

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
                out.push(formatMailbox(label, unresolvedAddress(unexpanded)));
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
async function resolveRecipient(r, out, unexpanded, reads = { books: false }) {
        if (typeof r === "string") {
                /* Thunderbird writes a mailing list as "Name <Name>": no @ inside. */
                const m = r.match(/^\s*"?([^"<]*?)"?\s*<([^<>@]*)>\s*$/);
                if (m && m[2].trim()) {
                        const name = m[2].trim();
                        reads.books = true;
                        const id = await findListByName(name);
                        if (id) {
                                await expandList(id, name, out, unexpanded);
                                return;
                        }
                        unexpanded.push(name);
                        out.push(formatMailbox(name, unresolvedAddress(unexpanded)));
                        return;
                }
                out.push(r);
                return;
        }
        if (r && r.type === "contact") {
                reads.books = true;
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
                reads.books = true;
                await expandList(r.id, null, out, unexpanded);
                return;
        }
        out.push(String(r));
}

async function resolveField(v, unexpanded, reads = { books: false }) {
        const out = [];
        for (const r of asList(v))
                await resolveRecipient(r, out, unexpanded, reads);
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

async function senderOf(details, reads = { books: false }) {
        if (details.from) {
                const f = asList(details.from)[0];
                if (typeof f === "string" && f)
                        return f;
        }
        if (details.identityId) {
                reads.books = true;
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

/* The attachments as policy.evaluate's message.attachments, and their File
 * objects (null for one that cannot be read or was not opened) for the
 * texts (texts.js). `open`: whether each attachment's file is opened (for
 * its content type, and its text when the texts are read); otherwise only
 * the compose window's list is read (names and sizes: one call however
 * large the files), the types are null and no file is touched. A size the
 * list does not give opens that one file (attachment_size needs it). The
 * files are opened all at once, not one after the other. Also resolves
 * `ids`: each attachment's id, name and size, for the reuse check
 * (inputs.js). */
async function attachmentsOf(tabId, open) {
        const list = await messenger.compose.listAttachments(tabId);
        const one = async (a) => {
                let size = Number.isInteger(a.size) && a.size >= 0 ? a.size : null;
                let type = null;
                let file = null;
                if (open || size === null) {
                        try {
                                file = typeof a.getFile === "function" ? await a.getFile() : await messenger.compose.getAttachmentFile(a.id);
                                if (file) {
                                        type = open ? file.type || null : null;
                                        if (size === null)
                                                size = file.size;
                                }
                        } catch (e) {
                                log(`attachment ${a.name} cannot be read: ${e.message || e}`);
                        }
                }
                return { att: { name: a.name || "", size: size === null ? 0 : size, content_type: type }, file: open ? file || null : null };
        };
        const got = await Promise.all(list.map(one));
        return {
                list: got.map((g) => g.att),
                files: got.map((g) => g.file),
                ids: JSON.stringify(list.map((a) => [a.id, a.name, a.size])),
        };
}

/* `skip`: the inputs to leave out (inputs.js): "texts" (the body and
 * message.texts), "attachment_types" (no attachment's file is opened for
 * its type; with "texts" too, none is opened at all), "related" (the
 * original message is not read). The result's `books` is true when an
 * address book, a contact or an identity was read (what the compose
 * details alone do not pin down: inputs.js does not reuse such a
 * gathering), `attachmentIds` the attachments as listed. */
async function gatherMessage(tab, details, skip = new Set()) {
        const unexpanded = [];
        const reads = { books: false };
        listIndex = null; /* address books may have changed since the last send */
        const open = !skip.has("texts") || !skip.has("attachment_types");
        const [from, to, cc, bcc, atts, related] = await Promise.all([
                senderOf(details, reads),
                resolveField(details.to, unexpanded, reads),
                resolveField(details.cc, unexpanded, reads),
                resolveField(details.bcc, unexpanded, reads),
                attachmentsOf(tab.id, open),
                skip.has("related") ? [] : relatedAddresses(details),
        ]);
        const body = skip.has("texts")
                ? ""
                : typeof details.plainTextBody === "string" && details.plainTextBody !== ""
                  ? details.plainTextBody
                  : htmlToText(details.body);
        const headers = (details.customHeaders || []).map((h) => ({ name: h.name, value: h.value }));
        const attachments = atts.list;
        const texts = skip.has("texts") ? null : await gatherTexts(details, body, attachments, atts.files);
        const message = { from, to, cc, bcc, subject: details.subject || "", body, attachments, headers, related };
        if (texts)
                message.texts = texts;
        return { message, unexpanded, books: reads.books, attachmentIds: atts.ids };
}
