/* sealgate Outlook add-in: COM and Outlook registration of the DLL, under
 * HKEY_CURRENT_USER (one user; DllRegisterServer) or HKEY_LOCAL_MACHINE
 * (every user; `regsvr32 /n /i:machine`, what an installer writes). */
#ifndef SG_REGISTER_H
#define SG_REGISTER_H

#include <windows.h>

/* Write the keys under `root` (HKEY_CURRENT_USER or HKEY_LOCAL_MACHINE). */
HRESULT sg_register(HKEY root);
/* Remove every key sg_register wrote under `root`, and the parents it
 * created if they are left empty. */
HRESULT sg_unregister(HKEY root);

#endif
