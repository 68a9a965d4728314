/* sealgate-prompt: the "keep the recipients" check button (prompt-bcc.h).
 * Keyboard complete: a check button in the tab order with a mnemonic
 * (Alt+K); for a screen reader it is described by the sentence saying which
 * recipients would move. */
#include "prompt-bcc.h"

#include "prompt-i18n.h"

#define KEY "sg-bcc-keep"

void sg_prompt_bcc_attach(GtkWidget *choices, const sg_prompt_confirm *c) {
        if (!c || !c->bcc_ask)
                return;
        GtkWidget *b = gtk_check_button_new_with_mnemonic(_("_Keep the external recipients in To and Cc"));
        gtk_widget_set_name(b, "sg-bcc-keep");
        char *desc = g_strdup_printf(ngettext("Ticked, %zu external recipient is not moved to Bcc.",
                                              "Ticked, %zu external recipients are not moved to Bcc.", c->n_bcc),
                                     c->n_bcc);
        gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
        g_free(desc);
        GtkWidget *row = gtk_widget_get_last_child(choices);
        gtk_box_insert_child_after(GTK_BOX(choices), b, row ? gtk_widget_get_prev_sibling(row) : NULL);
        GtkRoot *root = gtk_widget_get_root(choices);
        if (root)
                g_object_set_data(G_OBJECT(root), KEY, b);
}

bool sg_prompt_bcc_kept(GtkWidget *window) {
        GtkWidget *b = window ? g_object_get_data(G_OBJECT(window), KEY) : NULL;
        return b && gtk_check_button_get_active(GTK_CHECK_BUTTON(b));
}
