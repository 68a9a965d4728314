/* sealgate Outlook add-in: the window an outgoing item is open in (an
 * Inspector, or the Explorer for an inline reply), found through the object
 * model without creating one (never MailItem.GetInspector); its HWND to own
 * the prompt (IOleWindow); and Outlook's own commands on it (the Encrypt
 * button: CommandBars.GetPressedMso / ExecuteMso "EncryptMessage"). An item
 * with no window is being sent by code. */
#ifndef SG_WINDOW_H
#define SG_WINDOW_H

#include <stdbool.h>

#include <windows.h>

#define SG_WINDOW_INSPECTORS_MAX 64 /* open windows looked at */
#define SG_MSO_ENCRYPT           L"EncryptMessage"

typedef struct sg_window {
        IDispatch *frame; /* the Inspector or Explorer, held; NULL: no window */
        HWND hwnd;        /* its window, or NULL when it gives none */
} sg_window;

/* Find the window `item` is open in; false (w->frame NULL) when none. */
bool sg_window_find(IDispatch *app, IDispatch *item, sg_window *w);
/* Whether the frame (Inspector/Explorer, or a ribbon control's Context) has
 * command `mso` pressed: 1, 0, or -1 when it cannot tell. */
int sg_window_pressed(IDispatch *frame, const wchar_t *mso);
/* Press command `mso` (a toggle) on the frame. */
HRESULT sg_window_execute(IDispatch *frame, const wchar_t *mso);
/* Set toggle command `mso` to `on`, then read it back: true when it reads
 * back as asked. */
bool sg_window_set(IDispatch *frame, const wchar_t *mso, bool on);
void sg_window_clear(sg_window *w);

#endif
