/* sealgate Outlook add-in: the one place the GUIDs of outlook-om.h are
 * defined. */
#include <windows.h>

#include <initguid.h>

#include "outlook-om.h"
