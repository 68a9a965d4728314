/* sealgate Outlook add-in: what happens when Outlook sends an item
 * (ItemSend): read it, evaluate the policy, then allow, stop with a message
 * that says why, ask, or act (route headers, subject tag, Outlook's S/MIME),
 * and record the decision in the audit trail. */
#ifndef SG_SEND_H
#define SG_SEND_H

#include <stdbool.h>

#include <windows.h>

#include "prompt.h"
#include "sealgate/outcome.h"
#include "sealgate/policy.h"
#include "strings.h"

typedef struct sg_send_ctx {
        const sg_policy *policy; /* NULL when it could not be loaded */
        const sg_error *policy_error;
        sg_lang lang;
        bool encrypt_toggle; /* the ribbon's Encrypt is on for this item */
        bool portal_toggle;  /* the ribbon's Send securely is on for this item */
        IDispatch *app;      /* Outlook's Application: the item's window is looked up in it */
        HWND owner;          /* set by sg_send_handle: the item's window */
        bool no_ui;          /* set by sg_send_handle: the item has no window (sent by code) */
        const char *attempt; /* set by sg_send_handle for the send: the attempt id (audit record, block dialog) */
} sg_send_ctx;

/* Whether the user is asked (a prompt decision, no ribbon toggle on). */
bool sg_send_needs_prompt(const sg_decision *d, bool encrypt_toggle, bool portal_toggle);

/* The outcome input for one send (send-input.c, no COM: the parity test
 * runs it too). Order of precedence: a decision that blocks wins; then the
 * ribbon's toggles (Encrypt, then Send securely: a choice of the add-in's
 * own in *own, by "toggle"); then the prompt's answer `ans` (NULL when no
 * prompt was needed). Everything in *ret borrows from d, p, ans, own and
 * subject. False when the Send-securely toggle finds no route (the choice is
 * then cancel). */
bool sg_send_outcome_input(const sg_policy *p, const sg_decision *d, bool encrypt_toggle, bool portal_toggle,
                           const sg_prompt_answer *ans, const char *subject, sg_choice *own, sg_outcome_input *ret);

/* Handle one outgoing item; returns true when the send must be cancelled. */
bool sg_send_handle(sg_send_ctx *ctx, IDispatch *item);

/* The choices the prompt may really offer (send-input.c, no COM): `d` with
 * "encrypt" taken out when `encrypt_ready` is false (a recipient has no
 * certificate), replaced by the policy's first encryption fallback route when
 * that is not offered already. *ret is a shallow copy of d sharing its
 * strings; *ret_choices (owned, free()) holds the new choice list, NULL when
 * nothing changed. Returns whether "encrypt" was taken out. */
bool sg_send_offered(const sg_policy *p, const sg_decision *d, bool encrypt_ready, sg_decision *ret,
                     sg_choice **ret_choices);

/* Whether the policy lets Outlook's own S/MIME encrypt ("smime" among the
 * encryption methods): the policy is how the add-in knows that users have
 * certificates (docs/admin/outlook.md). */
bool sg_send_policy_has_smime(const sg_policy *p);

/* Set or clear the encrypt bit of PR_SECURITY_FLAGS on `item` (an item with
 * no window: Outlook's own Encrypt button is not there to press). */
HRESULT sg_send_set_security(IDispatch *item, bool encrypt);
/* Whether the encrypt bit of PR_SECURITY_FLAGS is set on `item`. */
bool sg_send_security_on(IDispatch *item);
/* Whether Outlook will encrypt `item`: its own Encrypt button on `frame`
 * (the item's window, or NULL), else the encrypt bit. The ribbon's state
 * reads it as at Send. */
bool sg_send_outlook_encrypts(IDispatch *frame, IDispatch *item);

#endif
