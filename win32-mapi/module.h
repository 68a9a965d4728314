/* sealgate Outlook add-in: the DLL itself: its module handle and the count
 * of live objects and server locks that DllCanUnloadNow reports. */
#ifndef SG_MODULE_H
#define SG_MODULE_H

#include <windows.h>

extern HINSTANCE sg_module;

void sg_module_ref(void);
void sg_module_unref(void);
LONG sg_module_refs(void);

#endif
