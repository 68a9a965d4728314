/* sealgate Outlook add-in: the ribbon: IRibbonExtensibility::GetCustomUI's
 * XML (compose window and the Explorer's inline-reply tabs), the callbacks it
 * names, resolved through the add-in's IDispatch, and the toggles per item
 * (kept on the item). */
#ifndef SG_RIBBON_H
#define SG_RIBBON_H

#include <windows.h>

#include <oleauto.h>

#include "addin.h"

extern const void *const sg_ribbon_vtbl; /* IRibbonExtensibility */

/* The XML for the ribbon `id`; owned UTF-8 (free()), NULL for a ribbon the
 * add-in does not extend. */
char *sg_ribbon_xml_dup(const wchar_t *id);

/* IDispatch for the callbacks: name -> DISPID (DISPID_UNKNOWN if none) and
 * Invoke. */
DISPID sg_ribbon_dispid(const wchar_t *name);
HRESULT sg_ribbon_invoke(sg_addin *a, DISPID id, DISPPARAMS *dp, VARIANT *ret);

/* The toggles of `item` (false/false if none): the sgToggle named property
 * on the item, so the choice survives saving and reopening the draft and
 * does not depend on which COM wrapper of the item Outlook hands out. */
void sg_ribbon_toggles(IDispatch *item, bool *encrypt, bool *portal);
/* Invalidate the toggles on every ribbon (an inline response opened,
 * closed or changed its recipients). */
void sg_ribbon_invalidate(sg_addin *a);
/* Release every IRibbonUI (disconnection). */
void sg_ribbon_clear(sg_addin *a);

#endif
