/* sealgate-prompt: the confirmation checklist (prompt-confirm.h). Keyboard
 * complete: every box is a check button in the tab order, Space ticks it,
 * "Check all" has a mnemonic (Alt+A). For a screen reader: the boxes are a
 * group named by the heading, each box is described by its domain heading
 * (the look-alike warning is heard on the box, not only seen in red), and
 * the focus on open is on the first box. */
#include "prompt-confirm.h"

#include "prompt-bcc.h"
#include "prompt-i18n.h"
#include "prompt-window.h"

typedef struct checklist {
        GPtrArray *boxes; /* GtkCheckButton, borrowed from the widget tree */
        GPtrArray *gated; /* the choice buttons waiting for the last tick */
} checklist;

static void checklist_free(gpointer data) {
        checklist *cl = data;
        g_ptr_array_unref(cl->boxes);
        g_ptr_array_unref(cl->gated);
        g_free(cl);
}

static void update(checklist *cl) {
        bool all = true;
        for (guint i = 0; i < cl->boxes->len && all; i++)
                all = gtk_check_button_get_active(GTK_CHECK_BUTTON(g_ptr_array_index(cl->boxes, i)));
        for (guint i = 0; i < cl->gated->len; i++)
                gtk_widget_set_sensitive(GTK_WIDGET(g_ptr_array_index(cl->gated, i)), all);
}

static void on_toggled(GtkCheckButton *b, gpointer data) {
        update(data);
}

static void on_check_all(GtkButton *b, gpointer data) {
        checklist *cl = data;
        for (guint i = 0; i < cl->boxes->len; i++)
                gtk_check_button_set_active(GTK_CHECK_BUTTON(g_ptr_array_index(cl->boxes, i)), TRUE);
}

static GtkWidget *label_new(const char *text, const char *css) {
        GtkWidget *l = gtk_label_new(text);
        gtk_label_set_xalign(GTK_LABEL(l), 0);
        gtk_label_set_wrap(GTK_LABEL(l), TRUE);
        gtk_label_set_wrap_mode(GTK_LABEL(l), PANGO_WRAP_WORD_CHAR);
        if (css)
                gtk_widget_add_css_class(l, css);
        return l;
}

/* Every button under `w` (the primary button in the choices' button row)
 * except "Back to editing" waits for the last tick. */
static void gate_buttons(checklist *cl, GtkWidget *w, GtkWidget *cancel) {
        for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
                if (GTK_IS_BUTTON(c) && c != cancel)
                        g_ptr_array_add(cl->gated, c);
                else if (GTK_IS_BOX(c))
                        gate_buttons(cl, c, cancel);
        }
}

/* prompt.show_sender: the From line, prominent, above the choices. */
static void attach_sender(GtkWidget *choices, const char *sender) {
        char *text = g_strdup_printf(_("From: %s"), sender);
        GtkWidget *l = label_new(text, "heading");
        gtk_widget_set_name(l, "sg-sender");
        gtk_box_insert_child_after(GTK_BOX(gtk_widget_get_parent(choices)), l, gtk_widget_get_prev_sibling(choices));
        g_free(text);
}

GtkWidget *sg_prompt_confirm_attach(GtkWidget *choices, GtkWidget *cancel, const sg_prompt_confirm *c) {
        if (c && c->sender)
                attach_sender(choices, c->sender);
        sg_prompt_bcc_attach(choices, c);
        if (!c || c->n_boxes == 0)
                return NULL;
        checklist *cl = g_new0(checklist, 1);
        cl->boxes = g_ptr_array_new();
        cl->gated = g_ptr_array_new();
        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
        gtk_widget_set_name(box, "sg-checklist");
        GtkWidget *heading = label_new(_("Check each recipient and attachment"), "heading");
        gtk_box_append(GTK_BOX(box), heading);
        gtk_box_append(GTK_BOX(box),
                       label_new(_("The send choices are available once every box is ticked."), "dim-label"));
        GtkWidget *list = g_object_new(GTK_TYPE_BOX, "orientation", GTK_ORIENTATION_VERTICAL, "spacing", 2,
                                       "accessible-role", GTK_ACCESSIBLE_ROLE_GROUP, NULL);
        char *section = NULL; /* the heading the next boxes are under: their description */
        for (size_t i = 0; i < c->n_rows; i++) {
                const sg_prompt_check *r = &c->rows[i];
                char *text = sg_prompt_check_text(r);
                if (r->heading) {
                        GtkWidget *h = label_new(text, r->lookalike ? "error" : r->external ? "warning" : NULL);
                        gtk_widget_add_css_class(h, "heading");
                        gtk_widget_set_margin_top(h, 4);
                        gtk_box_append(GTK_BOX(list), h);
                        g_free(section);
                        section = text;
                        continue;
                }
                GtkWidget *b = gtk_check_button_new_with_label(text);
                g_free(text);
                if (section)
                        gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, section,
                                                       -1);
                gtk_widget_set_margin_start(b, 12);
                if (r->lookalike)
                        gtk_widget_add_css_class(b, "error");
                else if (r->external)
                        gtk_widget_add_css_class(b, "warning");
                g_signal_connect(b, "toggled", G_CALLBACK(on_toggled), cl);
                g_ptr_array_add(cl->boxes, b);
                gtk_box_append(GTK_BOX(list), b);
        }
        g_free(section);
        GtkWidget *scroll = gtk_scrolled_window_new();
        gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
        gtk_scrolled_window_set_propagate_natural_height(GTK_SCROLLED_WINDOW(scroll), TRUE);
        gtk_scrolled_window_set_min_content_height(GTK_SCROLLED_WINDOW(scroll), 120);
        gtk_scrolled_window_set_max_content_height(GTK_SCROLLED_WINDOW(scroll), 240);
        gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), list);
        gtk_box_append(GTK_BOX(box), scroll);
        gtk_accessible_update_relation(GTK_ACCESSIBLE(list), GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading, NULL, -1);
        if (c->allow_check_all) {
                GtkWidget *all = gtk_button_new_with_mnemonic(_("Check _all"));
                gtk_widget_set_name(all, "sg-check-all");
                sg_prompt_name_button(all, _("Check _all"));
                gtk_widget_set_halign(all, GTK_ALIGN_START);
                g_signal_connect(all, "clicked", G_CALLBACK(on_check_all), cl);
                gtk_box_append(GTK_BOX(box), all);
        }
        gate_buttons(cl, choices, cancel);
        g_object_set_data_full(G_OBJECT(box), "sg-checklist", cl, checklist_free);
        /* Right above the choices it gates, in the window's content box. */
        gtk_box_insert_child_after(GTK_BOX(gtk_widget_get_parent(choices)), box, gtk_widget_get_prev_sibling(choices));
        update(cl);
        return g_ptr_array_index(cl->boxes, 0);
}
