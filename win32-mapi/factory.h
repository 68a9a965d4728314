/* sealgate Outlook add-in: the class factory for the add-in object. */
#ifndef SG_FACTORY_H
#define SG_FACTORY_H

#include <windows.h>

/* The factory (a static object) as `iid`. */
HRESULT sg_factory_get(REFIID iid, void **ret);

#endif
