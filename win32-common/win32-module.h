/* sealgate on Windows, shared by the Outlook add-in and the Thunderbird host:
 * the module whose resources the prompt uses (its common controls v6
 * manifest, resource 2): the add-in's DLL, or the host's executable. Each
 * program defines it. */
#ifndef SG_WIN32_MODULE_H
#define SG_WIN32_MODULE_H

#include <windows.h>

extern HINSTANCE sg_module;

#endif
