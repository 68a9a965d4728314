/* sealgate-prompt: the window (template prompt-window.ui). It only
 * translates: the model's texts into widgets, a button or key into a choice. */
#include "prompt-window.h"

#include "prompt-confirm.h"
#include "prompt-i18n.h"

struct _SgPromptWindow {
        GtkWindow parent_instance;

        const sg_prompt_model *model; /* borrowed */
        bool *row_heading;            /* per list row: a domain heading? */
        size_t n_rows;
        GtkWidget *send_button; /* the "send" choice, or NULL */
        GtkWidget *cancel_button;
        GtkWidget *justify_back; /* "Back to the choices", in the justification step */
        guint timeout_id;
        bool answered;

        /* template children */
        GtkLabel *title_label;
        GtkLabel *lead_label;
        GtkLabel *subject_label;
        GtkLabel *recipients_heading;
        GtkListView *recipients_list;
        GtkLabel *internal_label;
        GtkLabel *reasons_heading;
        GtkBox *reasons_box;
        GtkBox *justify_box; /* shown by "send" when a justification is required */
        GtkLabel *justify_label;
        GtkEntry *justify_entry;
        GtkLabel *justify_hint;
        GtkButton *justify_confirm;
        GtkBox *choices_box;
};

G_DEFINE_FINAL_TYPE(SgPromptWindow, sg_prompt_window, GTK_TYPE_WINDOW)

enum { SIGNAL_ANSWERED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void answer(SgPromptWindow *self, const char *choice, const char *justification, const char *by) {
        if (self->answered)
                return;
        self->answered = true;
        if (self->timeout_id) {
                g_source_remove(self->timeout_id);
                self->timeout_id = 0;
        }
        g_signal_emit(self, signals[SIGNAL_ANSWERED], 0, choice, justification, by);
}

static const char *cancel_id(SgPromptWindow *self) {
        return self->model->choices[self->model->cancel].id;
}

static gboolean on_escape(GtkWidget *widget, GVariant *args, gpointer data) {
        SgPromptWindow *self = SG_PROMPT_WINDOW(widget);
        answer(self, cancel_id(self), NULL, "escape");
        return TRUE;
}

static gboolean on_close_request(GtkWindow *window) {
        SgPromptWindow *self = SG_PROMPT_WINDOW(window);
        answer(self, cancel_id(self), NULL, "close");
        return TRUE; /* main() destroys the window after printing */
}

static gboolean on_timeout(gpointer data) {
        SgPromptWindow *self = data;
        self->timeout_id = 0;
        answer(self, cancel_id(self), NULL, "timeout");
        return G_SOURCE_REMOVE;
}

void sg_prompt_window_set_timeout(SgPromptWindow *self, guint seconds) {
        g_return_if_fail(SG_IS_PROMPT_WINDOW(self));
        if (self->timeout_id)
                g_source_remove(self->timeout_id);
        self->timeout_id = seconds ? g_timeout_add_seconds(seconds, on_timeout, self) : 0;
}

/* ---- justification */

static void update_justification(SgPromptWindow *self) {
        const char *text = gtk_editable_get_text(GTK_EDITABLE(self->justify_entry));
        bool ok = sg_prompt_justification_ok(text, NULL);
        bool too_long = g_utf8_strlen(text, -1) > SG_PROMPT_JUSTIFICATION_MAX && !ok;
        gtk_widget_set_sensitive(GTK_WIDGET(self->justify_confirm), ok);
        char *hint =
                too_long ? g_strdup_printf(_("Please keep the reason to %d characters."), SG_PROMPT_JUSTIFICATION_MAX)
                         : g_strdup(_("Required. It is recorded with your choice."));
        gtk_label_set_text(self->justify_hint, hint);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->justify_entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, hint,
                                       -1);
        g_free(hint);
}

static void on_justify_changed(GtkEditable *editable, gpointer data) {
        update_justification(SG_PROMPT_WINDOW(data));
}

static void on_justify_confirm(GtkButton *button, gpointer data) {
        SgPromptWindow *self = data;
        char *trimmed = NULL;
        if (!sg_prompt_justification_ok(gtk_editable_get_text(GTK_EDITABLE(self->justify_entry)), &trimmed))
                return;
        int i = sg_prompt_model_find_choice(self->model, "send");
        if (i >= 0)
                answer(self, self->model->choices[i].id, trimmed, "button");
        g_free(trimmed);
}

static void on_justify_back(GtkButton *button, gpointer data) {
        SgPromptWindow *self = data;
        gtk_widget_set_visible(GTK_WIDGET(self->justify_box), FALSE);
        gtk_widget_set_visible(GTK_WIDGET(self->choices_box), TRUE);
        if (self->send_button) {
                gtk_accessible_update_state(GTK_ACCESSIBLE(self->send_button), GTK_ACCESSIBLE_STATE_EXPANDED, FALSE,
                                            -1);
                gtk_widget_grab_focus(self->send_button);
        }
}

/* ---- choices */

static void on_choice_clicked(GtkButton *button, gpointer data) {
        SgPromptWindow *self = data;
        const sg_prompt_choice *c = g_object_get_data(G_OBJECT(button), "sg-choice");
        if (c->kind == SG_CHOICE_SEND && self->model->require_justification) {
                /* The justification step replaces the choices: one red
                 * button, the reason entry, and the way back to them. */
                gtk_widget_set_visible(GTK_WIDGET(self->choices_box), FALSE);
                gtk_widget_set_visible(GTK_WIDGET(self->justify_box), TRUE);
                gtk_accessible_update_state(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_STATE_EXPANDED, TRUE, -1);
                update_justification(self);
                gtk_widget_grab_focus(GTK_WIDGET(self->justify_entry));
                return;
        }
        answer(self, c->id, NULL, "button");
}

static GtkWidget *choice_button(SgPromptWindow *self, const sg_prompt_choice *c) {
        char *label = sg_prompt_choice_label(c);
        char *desc = sg_prompt_choice_description(c, self->model->require_justification);
        GtkWidget *b = gtk_button_new_with_mnemonic(label);
        gtk_widget_set_tooltip_text(b, desc);
        gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
        if (c->kind == SG_CHOICE_SEND) {
                gtk_widget_add_css_class(b, "destructive-action");
                if (self->model->require_justification)
                        gtk_accessible_update_state(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_STATE_EXPANDED, FALSE, -1);
        }
        g_object_set_data(G_OBJECT(b), "sg-choice", (gpointer) c);
        g_signal_connect(b, "clicked", G_CALLBACK(on_choice_clicked), self);
        g_free(label);
        g_free(desc);
        return b;
}

/* ---- the recipient list: a flat list of domain headings and addresses,
 * built lazily by GtkListView so 10,000 recipients cost a screenful. */

static void row_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data) {
        GtkWidget *label = gtk_label_new(NULL);
        gtk_label_set_xalign(GTK_LABEL(label), 0);
        gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
        gtk_widget_set_margin_top(label, 2);
        gtk_widget_set_margin_bottom(label, 2);
        gtk_list_item_set_child(item, label);
}

static void row_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data) {
        SgPromptWindow *self = data;
        GtkWidget *label = gtk_list_item_get_child(item);
        GtkStringObject *s = gtk_list_item_get_item(item);
        guint pos = gtk_list_item_get_position(item);
        bool heading = pos < self->n_rows && self->row_heading[pos];
        gtk_label_set_text(GTK_LABEL(label), gtk_string_object_get_string(s));
        gtk_widget_set_margin_start(label, heading ? 8 : 24);
        if (heading)
                gtk_widget_add_css_class(label, "heading");
        else
                gtk_widget_remove_css_class(label, "heading");
}

static void fill_recipients(SgPromptWindow *self) {
        sg_prompt_row *rows = NULL;
        size_t n = 0;
        if (sg_prompt_external_rows(self->model, &rows, &n) != SG_OK)
                return;
        const char **texts = g_new0(const char *, n + 1);
        self->row_heading = g_new0(bool, n + 1);
        self->n_rows = n;
        for (size_t i = 0; i < n; i++) {
                texts[i] = rows[i].text;
                self->row_heading[i] = rows[i].heading;
        }
        GtkStringList *list = gtk_string_list_new(texts);
        g_free(texts);
        sg_prompt_rows_free(rows, n);

        GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
        g_signal_connect(factory, "setup", G_CALLBACK(row_setup), self);
        g_signal_connect(factory, "bind", G_CALLBACK(row_bind), self);
        gtk_list_view_set_factory(self->recipients_list, factory);
        g_object_unref(factory);
        gtk_list_view_set_model(self->recipients_list, GTK_SELECTION_MODEL(gtk_no_selection_new(G_LIST_MODEL(list))));

        char *heading = sg_prompt_external_heading(self->model);
        gtk_label_set_text(self->recipients_heading, heading);
        g_free(heading);
        gtk_accessible_update_relation(GTK_ACCESSIBLE(self->recipients_list), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       self->recipients_heading, NULL, -1);

        char *internal = sg_prompt_internal_summary(self->model);
        if (internal) {
                gtk_label_set_text(self->internal_label, internal);
                gtk_widget_set_visible(GTK_WIDGET(self->internal_label), TRUE);
        }
        g_free(internal);
}

static void fill_reasons(SgPromptWindow *self) {
        for (size_t i = 0; i < self->model->n_reasons; i++) {
                char *text = sg_prompt_reason_text(&self->model->reasons[i]);
                char *bullet = g_strconcat("• ", text, NULL);
                GtkWidget *label = gtk_label_new(bullet);
                gtk_label_set_xalign(GTK_LABEL(label), 0);
                gtk_label_set_wrap(GTK_LABEL(label), TRUE);
                gtk_label_set_wrap_mode(GTK_LABEL(label), PANGO_WRAP_WORD_CHAR);
                gtk_accessible_update_property(GTK_ACCESSIBLE(label), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
                gtk_box_append(self->reasons_box, label);
                g_free(bullet);
                g_free(text);
        }
        gtk_widget_set_visible(GTK_WIDGET(self->reasons_heading), self->model->n_reasons > 0);
        gtk_accessible_update_relation(GTK_ACCESSIBLE(self->reasons_box), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       self->reasons_heading, NULL, -1);
}

static void fill_choices(SgPromptWindow *self) {
        /* Why a choice is missing, one line each, above the choices. */
        for (size_t i = 0; i < self->model->n_notes; i++) {
                char *text = sg_prompt_note_text(self->model, i);
                if (!text)
                        continue;
                GtkWidget *label = gtk_label_new(text);
                gtk_label_set_xalign(GTK_LABEL(label), 0);
                gtk_label_set_wrap(GTK_LABEL(label), TRUE);
                gtk_label_set_wrap_mode(GTK_LABEL(label), PANGO_WRAP_WORD_CHAR);
                gtk_widget_set_name(label, "sg-note");
                gtk_box_append(self->choices_box, label);
                g_free(text);
        }
        /* Decision order, with "Back to editing" last: the way out sits where
         * the eye ends, and it is the default. */
        for (size_t i = 0; i < self->model->n_choices; i++) {
                const sg_prompt_choice *c = &self->model->choices[i];
                if (c->kind == SG_CHOICE_CANCEL)
                        continue;
                GtkWidget *b = choice_button(self, c);
                if (c->kind == SG_CHOICE_SEND)
                        self->send_button = b;
                gtk_box_append(self->choices_box, b);
        }
        if (self->send_button && self->model->require_justification) {
                self->justify_back = gtk_button_new_with_mnemonic(_("_Back to the choices"));
                g_signal_connect(self->justify_back, "clicked", G_CALLBACK(on_justify_back), self);
                gtk_box_append(self->justify_box, self->justify_back);
        }
        self->cancel_button = choice_button(self, &self->model->choices[self->model->cancel]);
        gtk_box_append(self->choices_box, self->cancel_button);
        gtk_window_set_default_widget(GTK_WINDOW(self), self->cancel_button);
        gtk_window_set_focus(GTK_WINDOW(self), self->cancel_button);
        if (self->send_button && self->model->require_justification)
                gtk_accessible_update_relation(GTK_ACCESSIBLE(self->send_button), GTK_ACCESSIBLE_RELATION_CONTROLS,
                                               self->justify_entry, NULL, -1);
}

SgPromptWindow *sg_prompt_window_new(const sg_prompt_model *model) {
        SgPromptWindow *self = g_object_new(SG_TYPE_PROMPT_WINDOW, NULL);
        self->model = model;
        const char *title = sg_prompt_title();
        gtk_window_set_title(GTK_WINDOW(self), title);
        gtk_label_set_text(self->title_label, title);
        char *lead = sg_prompt_lead(model);
        gtk_label_set_text(self->lead_label, lead);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, lead, -1);
        g_free(lead);
        char *subject = sg_prompt_subject_line(model);
        if (subject) {
                gtk_label_set_text(self->subject_label, subject);
                gtk_widget_set_visible(GTK_WIDGET(self->subject_label), TRUE);
        }
        g_free(subject);
        fill_recipients(self);
        fill_reasons(self);
        fill_choices(self);
        sg_prompt_confirm_attach(GTK_WIDGET(self->choices_box), self->cancel_button, model->confirm);
        return self;
}

static void sg_prompt_window_finalize(GObject *object) {
        SgPromptWindow *self = SG_PROMPT_WINDOW(object);
        if (self->timeout_id)
                g_source_remove(self->timeout_id);
        g_free(self->row_heading);
        G_OBJECT_CLASS(sg_prompt_window_parent_class)->finalize(object);
}

static void sg_prompt_window_class_init(SgPromptWindowClass *klass) {
        GObjectClass *object_class = G_OBJECT_CLASS(klass);
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

        object_class->finalize = sg_prompt_window_finalize;
        window_class->close_request = on_close_request;

        signals[SIGNAL_ANSWERED] = g_signal_new("answered", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                                NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);

        gtk_widget_class_add_binding(widget_class, GDK_KEY_Escape, 0, on_escape, NULL);

        gtk_widget_class_set_template_from_resource(widget_class, "/org/sealgate/prompt/prompt-window.ui");
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, title_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, lead_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, subject_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, recipients_heading);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, recipients_list);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, internal_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, reasons_heading);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, reasons_box);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_box);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_entry);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_hint);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_confirm);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, choices_box);
        gtk_widget_class_bind_template_callback(widget_class, on_justify_changed);
        gtk_widget_class_bind_template_callback(widget_class, on_justify_confirm);
}

static void sg_prompt_window_init(SgPromptWindow *self) {
        gtk_widget_init_template(GTK_WIDGET(self));
}
