/* sealgate-certs: the certificate import wizard's window (template
 * certs-wizard.ui) over core's certificate engine (sealgate/certs.h), the
 * same one `sealgate certs` uses. Steps: file, password (PKCS#12 only),
 * what is in it, where to import it, done. */
#ifndef SEALGATE_CERTS_WIZARD_H
#define SEALGATE_CERTS_WIZARD_H

#include <gtk/gtk.h>

#include "certs-targets.h"

G_BEGIN_DECLS

#define SG_TYPE_CERTS_WIZARD (sg_certs_wizard_get_type())
G_DECLARE_FINAL_TYPE(SgCertsWizard, sg_certs_wizard, SG, CERTS_WIZARD, GtkWindow)

/* A new wizard over the profiles `targets` (borrowed; must outlive the
 * window), opening at `file` (NULL: the file step). Emits "finished" with
 * the result as one JSON line (owned by the signal) when the user closes
 * it. */
SgCertsWizard *sg_certs_wizard_new(sg_wz_targets *targets, const char *file);

G_END_DECLS

#endif
