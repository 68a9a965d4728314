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
        GtkWidget **radios; /* per choice index: its option in the radio list, NULL for "cancel" */
        GtkWidget *primary; /* the one button that acts on the selected option */
        GtkWidget *cancel_button;
        GtkWidget *first_focus;  /* the selected option on open: where the focus lands */
        int selected;            /* index of the selected choice */
        GtkWidget *justify_back; /* "Back to the choices", in the justification step */
        GtkWidget *more;         /* "Other ways to send (n)": the expander of the further routes, or NULL */
        int first_shown;         /* the choice index of the first option (the recommended one) */
        GtkWidget **presets;     /* the preset reasons' radio buttons, n_presets; the last is "Other" */
        size_t n_presets;
        guint timeout_id;
        bool answered;
        bool announced; /* focus set again on the first activation */

        /* template children */
        GtkLabel *title_label;
        GtkLabel *lead_label;
        GtkLabel *subject_label;
        GtkLabel *recipients_heading;
        GtkScrolledWindow *recipients_scroll;
        GtkListView *recipients_list;
        GtkLabel *internal_label;
        GtkLabel *reasons_heading;
        GtkScrolledWindow *reasons_scroll;
        GtkBox *reasons_box;
        GtkBox *justify_box; /* shown by "send" when a justification is required */
        GtkLabel *justify_label;
        GtkEntry *justify_entry;
        GtkLabel *justify_hint;
        GtkButton *justify_confirm;
        GtkBox *choices_box;
        GtkBox *content;
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

/* ---- accessibility */

/* The name a screen reader says for a label with a mnemonic: the visible
 * text without the markup. "_Back" is "Back", "__" is "_", and the Japanese
 * access key "編集に戻る(_B)" is "編集に戻る" (the key is not a word). */
static char *name_from_mnemonic(const char *label) {
        GString *out = g_string_sized_new(strlen(label));
        for (const char *p = label; *p; p++) {
                if (p[0] == '(' && p[1] == '_' && p[2] && p[2] != '_' && (unsigned char) p[2] < 0x80 && p[3] == ')') {
                        p += 3;
                        continue;
                }
                if (p[0] == '_' && p[1]) {
                        p++; /* "_x" is "x", "__" is "_" */
                        if (*p == '_') {
                                g_string_append_c(out, '_');
                                continue;
                        }
                }
                g_string_append_c(out, *p);
        }
        return g_string_free(out, FALSE);
}

/* GTK 4.8 names a button with a mnemonic twice ("_Encrypt and send Encrypt
 * and send": its raw label and its child label through labelled-by); one
 * name, the visible words, replaces both. */
void sg_prompt_name_button(GtkWidget *button, const char *mnemonic_label) {
        char *name = name_from_mnemonic(mnemonic_label);
        gtk_accessible_reset_relation(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
        gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
        g_free(name);
}

/* Focus is set before the window is shown, and no focus event follows:
 * a screen reader says nothing. Setting it again once the window is
 * active sends the event ("Encrypt and send (recommended), radio button"). It is sent
 * twice: at once, and SG_PROMPT_ANNOUNCE_AGAIN_MS later, because GTK 4.8
 * connects to the accessibility bus asynchronously and an event sent before
 * that names an object the screen reader cannot read yet (seen under load
 * in the a11y suite); a screen reader does not repeat the focus it has. */
#define SG_PROMPT_ANNOUNCE_AGAIN_MS 700

static gboolean announce_focus(gpointer data) {
        SgPromptWindow *self = data;
        GtkWidget *focus = gtk_window_get_focus(GTK_WINDOW(self));
        if (!self->answered && (!focus || focus == self->first_focus)) { /* else the user has moved on */
                gtk_window_set_focus(GTK_WINDOW(self), NULL);
                gtk_widget_grab_focus(self->first_focus);
        }
        return G_SOURCE_REMOVE;
}

static void on_active_changed(GObject *object, GParamSpec *pspec, gpointer data) {
        SgPromptWindow *self = SG_PROMPT_WINDOW(object);
        if (self->announced || !gtk_window_is_active(GTK_WINDOW(self)) || !self->first_focus)
                return;
        self->announced = true;
        g_idle_add_full(G_PRIORITY_LOW, announce_focus, g_object_ref(self), g_object_unref);
        g_timeout_add_full(G_PRIORITY_LOW, SG_PROMPT_ANNOUNCE_AGAIN_MS, announce_focus, g_object_ref(self),
                           g_object_unref);
}

/* The recipient list is one Tab stop: arrow keys move inside it, Tab and
 * Shift+Tab leave it (GtkListView in GTK 4.8 makes every row a Tab stop).
 * The next stop is the first focusable widget after (before) the list in
 * the window, wrapping around. */
static gboolean focus_from(GtkWidget *start, GtkDirectionType dir) {
        for (GtkWidget *w = start; w;
             w = dir == GTK_DIR_TAB_FORWARD ? gtk_widget_get_next_sibling(w) : gtk_widget_get_prev_sibling(w))
                if (gtk_widget_get_visible(w) && gtk_widget_child_focus(w, dir))
                        return TRUE;
        return FALSE;
}

static gboolean on_list_key(GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                            gpointer data) {
        SgPromptWindow *self = data;
        if (keyval != GDK_KEY_Tab && keyval != GDK_KEY_ISO_Left_Tab && keyval != GDK_KEY_KP_Tab)
                return FALSE;
        if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
                return FALSE;
        bool back = keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK);
        GtkDirectionType dir = back ? GTK_DIR_TAB_BACKWARD : GTK_DIR_TAB_FORWARD;
        GtkWidget *list = GTK_WIDGET(self->recipients_scroll);
        GtkWidget *content = GTK_WIDGET(self->content);
        GtkWidget *after = back ? gtk_widget_get_prev_sibling(list) : gtk_widget_get_next_sibling(list);
        if (after && focus_from(after, dir))
                return TRUE;
        focus_from(back ? gtk_widget_get_last_child(content) : gtk_widget_get_first_child(content), dir);
        return TRUE;
}

/* ---- justification */

/* The entry's focusable part (a GtkText inside the GtkEntry): what a
 * screen reader meets, so the name, "required" and the hint go on it too. */
static GtkWidget *justify_text(SgPromptWindow *self) {
        GtkEditable *delegate = gtk_editable_get_delegate(GTK_EDITABLE(self->justify_entry));
        return delegate ? GTK_WIDGET(delegate) : GTK_WIDGET(self->justify_entry);
}

static void name_justification(SgPromptWindow *self) {
        char *name = name_from_mnemonic(gtk_label_get_label(self->justify_label));
        GtkWidget *targets[] = {GTK_WIDGET(self->justify_entry), justify_text(self)};
        for (size_t i = 0; i < G_N_ELEMENTS(targets); i++) {
                gtk_accessible_reset_relation(GTK_ACCESSIBLE(targets[i]), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
                gtk_accessible_update_property(GTK_ACCESSIBLE(targets[i]), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                               GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE, -1);
        }
        g_free(name);
}

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
        gtk_accessible_update_property(GTK_ACCESSIBLE(justify_text(self)), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, hint,
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
        if (self->model->choices[self->selected].kind == SG_CHOICE_SEND)
                answer(self, self->model->choices[self->selected].id, trimmed, "button");
        g_free(trimmed);
}

static void on_justify_back(GtkButton *button, gpointer data) {
        SgPromptWindow *self = data;
        gtk_widget_set_visible(GTK_WIDGET(self->justify_box), FALSE);
        gtk_widget_set_visible(GTK_WIDGET(self->choices_box), TRUE);
        gtk_scrolled_window_set_min_content_height(self->recipients_scroll, -1);
        gtk_accessible_update_state(GTK_ACCESSIBLE(self->primary), GTK_ACCESSIBLE_STATE_EXPANDED, FALSE, -1);
        gtk_widget_grab_focus(self->radios[self->selected]);
}

/* ---- preset reasons: a radio list above the entry (the catalog's usual
 * reasons, then "Other"). Choosing one puts its words in the entry, which
 * stays editable; "Other" empties the entry if it held a preset's words.
 * What is sent is the entry's text, so Enter and the confirm button behave
 * as for a typed reason: nothing is sent without one. */

#define SG_PROMPT_PRESETS 3 /* before "Other" */

static const char *preset_text(size_t i) {
        switch (i) {
        case 0:
                return _("At the business partner's request");
        case 1:
                return _("The recipient cannot receive encrypted messages");
        case 2:
                return _("The information is already public");
        default:
                return _("Other (enter the reason)");
        }
}

static bool is_preset_text(const char *text) {
        for (size_t i = 0; i < SG_PROMPT_PRESETS; i++)
                if (strcmp(text, preset_text(i)) == 0)
                        return true;
        return false;
}

static void on_preset_toggled(GtkCheckButton *button, gpointer data) {
        SgPromptWindow *self = data;
        if (!gtk_check_button_get_active(button))
                return;
        size_t i = (size_t) GPOINTER_TO_INT(g_object_get_data(G_OBJECT(button), "sg-preset"));
        if (i < SG_PROMPT_PRESETS)
                gtk_editable_set_text(GTK_EDITABLE(self->justify_entry), preset_text(i));
        else if (is_preset_text(gtk_editable_get_text(GTK_EDITABLE(self->justify_entry))))
                gtk_editable_set_text(GTK_EDITABLE(self->justify_entry), "");
}

/* Enter on a preset does nothing (it never sends). The presets are one Tab
 * stop even before one is chosen (GTK 4.8 makes every button of a group
 * with none active a stop): Tab goes on to the entry, Shift+Tab back to
 * what comes before the step. */
static gboolean on_preset_key(GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                              gpointer data) {
        SgPromptWindow *self = data;
        if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter)
                return TRUE;
        if (keyval != GDK_KEY_Tab && keyval != GDK_KEY_ISO_Left_Tab && keyval != GDK_KEY_KP_Tab)
                return FALSE;
        if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
                return FALSE;
        if (!(keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK))) {
                gtk_widget_grab_focus(GTK_WIDGET(self->justify_entry));
                return TRUE;
        }
        GtkWidget *step = GTK_WIDGET(self->justify_box);
        if (!focus_from(gtk_widget_get_prev_sibling(step), GTK_DIR_TAB_BACKWARD))
                focus_from(gtk_widget_get_last_child(GTK_WIDGET(self->content)), GTK_DIR_TAB_BACKWARD);
        return TRUE;
}

static void add_presets(SgPromptWindow *self) {
        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
        self->n_presets = SG_PROMPT_PRESETS + 1;
        self->presets = g_new0(GtkWidget *, self->n_presets);
        for (size_t i = 0; i < self->n_presets; i++) {
                const char *text = preset_text(i);
                GtkWidget *b = g_object_new(GTK_TYPE_CHECK_BUTTON, "accessible-role", GTK_ACCESSIBLE_ROLE_RADIO,
                                            "label", text, NULL);
                if (i)
                        gtk_check_button_set_group(GTK_CHECK_BUTTON(b), GTK_CHECK_BUTTON(self->presets[0]));
                for (GtkWidget *w = gtk_widget_get_first_child(b); w; w = gtk_widget_get_next_sibling(w))
                        if (!GTK_IS_LABEL(w))
                                gtk_accessible_update_state(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
                gtk_accessible_reset_relation(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
                gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
                g_object_set_data(G_OBJECT(b), "sg-preset", GINT_TO_POINTER((int) i));
                g_signal_connect(b, "toggled", G_CALLBACK(on_preset_toggled), self);
                GtkEventController *key = gtk_event_controller_key_new();
                gtk_event_controller_set_propagation_phase(key, GTK_PHASE_CAPTURE);
                g_signal_connect(key, "key-pressed", G_CALLBACK(on_preset_key), self);
                gtk_widget_add_controller(b, key);
                gtk_box_append(GTK_BOX(box), b);
                self->presets[i] = b;
        }
        gtk_accessible_update_relation(GTK_ACCESSIBLE(box), GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->justify_label,
                                       NULL, -1);
        gtk_box_insert_child_after(self->justify_box, box, GTK_WIDGET(self->justify_label));
}

/* Where the focus goes when the reason step opens: the chosen preset, else
 * the first. */
static GtkWidget *justify_first_focus(SgPromptWindow *self) {
        for (size_t i = 0; i < self->n_presets; i++)
                if (gtk_check_button_get_active(GTK_CHECK_BUTTON(self->presets[i])))
                        return self->presets[i];
        return self->n_presets ? self->presets[0] : GTK_WIDGET(self->justify_entry);
}

/* ---- choices: a radio list (one Tab stop, the arrow keys move the
 * selection), each option with one visible line saying what happens, and
 * two buttons: "Back to editing" and the primary button, which acts on the
 * selected option and is labelled after it. */

static bool protective(const sg_prompt_choice *c) {
        return c->kind == SG_CHOICE_ENCRYPT || c->kind == SG_CHOICE_ROUTE;
}

/* The primary button follows the selection: its label is the option's
 * words; it is the window's default (Enter) only while a protective option
 * is selected, so Enter never sends in the clear. */
static void update_primary(SgPromptWindow *self) {
        const sg_prompt_choice *c = &self->model->choices[self->selected];
        char *label = sg_prompt_choice_label(c);
        char *name = name_from_mnemonic(label);
        char *desc = sg_prompt_choice_description(c, self->model->require_justification);
        gtk_button_set_label(GTK_BUTTON(self->primary), name);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->primary), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
        bool safe = protective(c);
        if (safe) {
                gtk_widget_remove_css_class(self->primary, "destructive-action");
                gtk_widget_add_css_class(self->primary, "suggested-action");
        } else {
                gtk_widget_remove_css_class(self->primary, "suggested-action");
                gtk_widget_add_css_class(self->primary, "destructive-action");
        }
        gtk_window_set_default_widget(GTK_WINDOW(self), safe ? self->primary : NULL);
        bool steps = c->kind == SG_CHOICE_SEND && self->model->require_justification;
        if (steps) {
                gtk_accessible_update_state(GTK_ACCESSIBLE(self->primary), GTK_ACCESSIBLE_STATE_EXPANDED, FALSE, -1);
                gtk_accessible_update_relation(GTK_ACCESSIBLE(self->primary), GTK_ACCESSIBLE_RELATION_CONTROLS,
                                               self->justify_entry, NULL, -1);
        } else {
                gtk_accessible_reset_state(GTK_ACCESSIBLE(self->primary), GTK_ACCESSIBLE_STATE_EXPANDED);
                gtk_accessible_reset_relation(GTK_ACCESSIBLE(self->primary), GTK_ACCESSIBLE_RELATION_CONTROLS);
        }
        g_free(label);
        g_free(name);
        g_free(desc);
}

static void on_option_toggled(GtkCheckButton *button, gpointer data) {
        SgPromptWindow *self = data;
        if (!gtk_check_button_get_active(button))
                return;
        self->selected = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(button), "sg-index"));
        update_primary(self);
}

/* "Other ways to send (n)" opened: the focus goes to the first further
 * route (not selected: Space or an arrow key selects); closed while a
 * further route is selected: the first option is selected again, so the
 * selection is always in sight and the options stay one Tab stop. */
static void on_more_expanded(GObject *object, GParamSpec *pspec, gpointer data) {
        SgPromptWindow *self = data;
        GtkExpander *more = GTK_EXPANDER(object);
        GtkWidget *inner = gtk_expander_get_child(more);
        bool open = gtk_expander_get_expanded(more);
        gtk_accessible_update_state(GTK_ACCESSIBLE(more), GTK_ACCESSIBLE_STATE_EXPANDED, open, -1);
        GtkWidget *sel = self->radios[self->selected];
        if (open) {
                for (size_t i = 0; i < self->model->n_choices; i++)
                        if (self->radios[i] && gtk_widget_is_ancestor(self->radios[i], inner)) {
                                gtk_widget_grab_focus(self->radios[i]);
                                break;
                        }
                return;
        }
        /* GTK 4.8 keeps the closed part as the expander's focus child, and
         * Tab then passes the expander by: forget it */
        if (gtk_widget_get_focus_child(GTK_WIDGET(more)))
                gtk_widget_set_focus_child(GTK_WIDGET(more), NULL);
        if (sel && gtk_widget_is_ancestor(sel, inner))
                gtk_check_button_set_active(GTK_CHECK_BUTTON(self->radios[self->first_shown]), TRUE);
        /* closed by its access key with the focus inside: the focus goes to
         * the selected option (GTK would leave it on no widget in sight) */
        if (gtk_window_get_focus(GTK_WINDOW(self)) != GTK_WIDGET(more))
                gtk_widget_grab_focus(self->radios[self->selected]);
}

/* Enter on "Other ways to send (n)" opens or closes it, as Space does
 * (GTK 4.8 binds only Space: Enter would press the default button). */
static gboolean on_more_key(GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                            gpointer data) {
        if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
                return FALSE;
        GtkExpander *more = GTK_EXPANDER(gtk_event_controller_get_widget(GTK_EVENT_CONTROLLER(key)));
        gtk_expander_set_expanded(more, !gtk_expander_get_expanded(more));
        return TRUE;
}

/* An option's access key selects it and moves the focus to it (GTK 4.8
 * selects it and leaves the focus where it was). */
static gboolean on_option_mnemonic(GtkWidget *button, gboolean group_cycling, gpointer data) {
        gtk_widget_grab_focus(button);
        return FALSE;
}

/* Enter on an option presses the primary button while it is the default
 * (a protective option), and does nothing otherwise. */
static gboolean on_option_key(GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                              gpointer data) {
        SgPromptWindow *self = data;
        if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
                return FALSE;
        if (protective(&self->model->choices[self->selected]) && gtk_widget_is_sensitive(self->primary))
                gtk_widget_activate(self->primary);
        return TRUE;
}

static void on_primary_clicked(GtkButton *button, gpointer data) {
        SgPromptWindow *self = data;
        const sg_prompt_choice *c = &self->model->choices[self->selected];
        if (c->kind == SG_CHOICE_SEND && self->model->require_justification) {
                /* The justification step replaces the choices: one red
                 * button, the reason entry, and the way back to them. The
                 * step may be taller than the choices: the recipient list
                 * keeps its height (the window grows instead). */
                gtk_scrolled_window_set_min_content_height(self->recipients_scroll,
                                                           gtk_widget_get_height(GTK_WIDGET(self->recipients_list)));
                gtk_widget_set_visible(GTK_WIDGET(self->choices_box), FALSE);
                gtk_widget_set_visible(GTK_WIDGET(self->justify_box), TRUE);
                gtk_accessible_update_state(GTK_ACCESSIBLE(self->primary), GTK_ACCESSIBLE_STATE_EXPANDED, TRUE, -1);
                update_justification(self);
                gtk_widget_grab_focus(justify_first_focus(self));
                return;
        }
        answer(self, c->id, NULL, "button");
}

static void on_cancel_clicked(GtkButton *button, gpointer data) {
        SgPromptWindow *self = data;
        answer(self, cancel_id(self), NULL, "button");
}

/* "Encrypt and send (recommended)": the marker goes before a Japanese
 * access key at the end ("暗号化して送信（推奨）(_E)"). */
static char *recommended_label(const char *label) {
        size_t n = strlen(label);
        bool key = n >= 4 && label[n - 4] == '(' && label[n - 3] == '_' && label[n - 1] == ')';
        char *head = g_strndup(label, key ? n - 4 : n);
        char *marked = g_strdup_printf(_("%s (recommended)"), head);
        char *r = g_strconcat(marked, key ? label + n - 4 : "", NULL);
        g_free(head);
        g_free(marked);
        return r;
}

static GtkWidget *option_new(SgPromptWindow *self, size_t i, GtkWidget *group, GtkBox *into) {
        const sg_prompt_choice *c = &self->model->choices[i];
        char *label = sg_prompt_choice_label(c);
        if ((int) i == self->model->recommended) {
                char *marked = recommended_label(label);
                g_free(label);
                label = marked;
        }
        char *desc = sg_prompt_choice_description(c, self->model->require_justification);
        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
        /* A radio button to a screen reader (GTK 4.8 says "check box" for a
         * grouped GtkCheckButton). */
        GtkWidget *b = g_object_new(GTK_TYPE_CHECK_BUTTON, "accessible-role", GTK_ACCESSIBLE_ROLE_RADIO,
                                    "use-underline", TRUE, "label", label, NULL);
        if (group)
                gtk_check_button_set_group(GTK_CHECK_BUTTON(b), GTK_CHECK_BUTTON(group));
        sg_prompt_name_button(b, label);
        gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
        g_object_set_data(G_OBJECT(b), "sg-index", GINT_TO_POINTER((int) i));
        g_signal_connect(b, "toggled", G_CALLBACK(on_option_toggled), self);
        g_signal_connect(b, "mnemonic-activate", G_CALLBACK(on_option_mnemonic), NULL);
        /* The round indicator is drawing, not a control: GTK 4.8 would name
         * it by its type ("GtkBuiltinIcon"). */
        for (GtkWidget *w = gtk_widget_get_first_child(b); w; w = gtk_widget_get_next_sibling(w))
                if (!GTK_IS_LABEL(w))
                        gtk_accessible_update_state(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
        GtkEventController *key = gtk_event_controller_key_new();
        gtk_event_controller_set_propagation_phase(key, GTK_PHASE_CAPTURE);
        g_signal_connect(key, "key-pressed", G_CALLBACK(on_option_key), self);
        gtk_widget_add_controller(b, key);
        GtkWidget *line = gtk_label_new(desc);
        gtk_label_set_xalign(GTK_LABEL(line), 0);
        gtk_label_set_wrap(GTK_LABEL(line), TRUE);
        gtk_label_set_wrap_mode(GTK_LABEL(line), PANGO_WRAP_WORD_CHAR);
        gtk_widget_set_margin_start(line, 28);
        gtk_widget_add_css_class(line, "dim-label");
        /* The line is the option's description already: not read twice. */
        gtk_accessible_update_state(GTK_ACCESSIBLE(line), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
        gtk_box_append(GTK_BOX(box), b);
        gtk_box_append(GTK_BOX(box), line);
        gtk_box_append(into, box);
        self->radios[i] = b;
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
        /* The row, not its child label, is what a screen reader announces
         * when the arrow keys reach it: give it the text. */
        GtkWidget *row = gtk_widget_get_parent(label);
        if (row && gtk_accessible_get_accessible_role(GTK_ACCESSIBLE(row)) == GTK_ACCESSIBLE_ROLE_LIST_ITEM)
                gtk_accessible_update_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                               gtk_string_object_get_string(s), -1);
        gtk_widget_set_margin_start(label, heading ? 8 : 24);
        if (heading)
                gtk_widget_add_css_class(label, "heading");
        else
                gtk_widget_remove_css_class(label, "heading");
}

/* Scroll bars (and the range inside each) are named by the region they
 * scroll (GTK names them by their type, "GtkScrollbar", "GtkRange"). */
static void label_scrollbars(GtkScrolledWindow *scroll, GtkWidget *heading) {
        GtkWidget *bars[] = {gtk_scrolled_window_get_vscrollbar(scroll), gtk_scrolled_window_get_hscrollbar(scroll)};
        for (size_t i = 0; i < G_N_ELEMENTS(bars); i++)
                for (GtkWidget *w = bars[i]; w; w = w == bars[i] ? gtk_widget_get_first_child(w) : NULL)
                        gtk_accessible_update_relation(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading,
                                                       NULL, -1);
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
        gtk_accessible_update_relation(GTK_ACCESSIBLE(self->recipients_scroll), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       self->recipients_heading, NULL, -1);
        GtkEventController *key = gtk_event_controller_key_new();
        gtk_event_controller_set_propagation_phase(key, GTK_PHASE_CAPTURE);
        g_signal_connect(key, "key-pressed", G_CALLBACK(on_list_key), self);
        gtk_widget_add_controller(GTK_WIDGET(self->recipients_list), key);
        label_scrollbars(self->recipients_scroll, GTK_WIDGET(self->recipients_heading));

        char *internal = sg_prompt_internal_summary(self->model);
        if (internal) {
                gtk_label_set_text(self->internal_label, internal);
                gtk_widget_set_visible(GTK_WIDGET(self->internal_label), TRUE);
        }
        g_free(internal);
}

static void fill_reasons(SgPromptWindow *self) {
        GString *all = g_string_new(NULL);
        for (size_t i = 0; i < self->model->n_reasons; i++) {
                char *text = sg_prompt_reason_text(&self->model->reasons[i]);
                if (all->len)
                        g_string_append_c(all, '\n');
                g_string_append(all, text);
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
        /* The scrolled region is a Tab stop (so the keys scroll a long list
         * of reasons): it is named by its heading and described by the
         * reasons, so a screen reader says more than "tab". */
        gtk_accessible_update_relation(GTK_ACCESSIBLE(self->reasons_scroll), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       self->reasons_heading, NULL, -1);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->reasons_scroll), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       all->str, -1);
        label_scrollbars(self->reasons_scroll, GTK_WIDGET(self->reasons_heading));
        g_string_free(all, TRUE);
}

static void fill_choices(SgPromptWindow *self) {
        const sg_prompt_model *m = self->model;
        /* Why a choice is missing, one line each, above the choices. */
        for (size_t i = 0; i < m->n_notes; i++) {
                char *text = sg_prompt_note_text(m, i);
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
        GtkWidget *heading = g_object_new(GTK_TYPE_LABEL, "accessible-role", GTK_ACCESSIBLE_ROLE_HEADING, "label",
                                          _("How to send"), NULL);
        gtk_label_set_xalign(GTK_LABEL(heading), 0);
        gtk_widget_add_css_class(heading, "heading");
        gtk_accessible_update_property(GTK_ACCESSIBLE(heading), GTK_ACCESSIBLE_PROPERTY_LEVEL, 2, -1);
        gtk_box_append(self->choices_box, heading);
        gtk_accessible_update_relation(GTK_ACCESSIBLE(self->choices_box), GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading,
                                       NULL, -1);

        /* The recommended option first, the other protective ones in the
         * policy's order, then, set apart by a rule, sending in the clear. */
        self->radios = g_new0(GtkWidget *, m->n_choices + 1);
        GtkWidget *group = NULL;
        size_t n_protective = 0, shown = 0;
        for (size_t i = 0; i < m->n_choices; i++)
                n_protective += protective(&m->choices[i]);
        /* More than SG_PROMPT_PROTECTIVE_SHOWN: the rest under "Other ways to
         * send (n)" (one more would take the expander's own line: shown). */
        GtkBox *further = NULL;
        if (n_protective > SG_PROMPT_PROTECTIVE_SHOWN + 1) {
                char *text = g_strdup_printf(_("Ot_her ways to send (%zu)"), n_protective - SG_PROMPT_PROTECTIVE_SHOWN);
                self->more = gtk_expander_new_with_mnemonic(text);
                char *name = name_from_mnemonic(text);
                gtk_accessible_update_property(GTK_ACCESSIBLE(self->more), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
                gtk_accessible_update_state(GTK_ACCESSIBLE(self->more), GTK_ACCESSIBLE_STATE_EXPANDED, FALSE, -1);
                g_free(name);
                g_free(text);
                /* the arrow is drawing: GTK 4.8 would name it by its type */
                for (GtkWidget *w = gtk_widget_get_first_child(self->more); w; w = gtk_widget_get_next_sibling(w))
                        for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
                                if (!GTK_IS_LABEL(c))
                                        gtk_accessible_update_state(GTK_ACCESSIBLE(c), GTK_ACCESSIBLE_STATE_HIDDEN,
                                                                    TRUE, -1);
                further = GTK_BOX(gtk_box_new(GTK_ORIENTATION_VERTICAL, 6));
                gtk_widget_set_margin_top(GTK_WIDGET(further), 6);
                gtk_expander_set_child(GTK_EXPANDER(self->more), GTK_WIDGET(further));
        }
        self->first_shown = m->recommended;
        if (m->recommended >= 0) {
                group = option_new(self, (size_t) m->recommended, NULL, self->choices_box);
                shown++;
        }
        for (size_t i = 0; i < m->n_choices; i++)
                if ((int) i != m->recommended && protective(&m->choices[i])) {
                        GtkBox *into = further && shown >= SG_PROMPT_PROTECTIVE_SHOWN ? further : self->choices_box;
                        if (into == further && !gtk_widget_get_parent(self->more))
                                gtk_box_append(self->choices_box, self->more);
                        GtkWidget *b = option_new(self, i, group, into);
                        if (self->first_shown < 0)
                                self->first_shown = (int) i;
                        group = group ? group : b;
                        shown++;
                }
        for (size_t i = 0; i < m->n_choices; i++)
                if (m->choices[i].kind == SG_CHOICE_SEND) {
                        if (group)
                                gtk_box_append(self->choices_box, gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
                        GtkWidget *b = option_new(self, i, group, self->choices_box);
                        if (self->first_shown < 0)
                                self->first_shown = (int) i;
                        group = group ? group : b;
                }

        /* Selected first: the choice made in the compose window, else the
         * recommended one, else the first option. */
        int first = m->preselect >= 0 && self->radios[m->preselect] ? m->preselect : m->recommended;
        for (size_t i = 0; first < 0 && i < m->n_choices; i++)
                if (self->radios[i])
                        first = (int) i;

        GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
        gtk_widget_set_halign(row, GTK_ALIGN_END);
        gtk_widget_set_margin_top(row, 6);
        char *back = sg_prompt_choice_label(&m->choices[m->cancel]);
        self->cancel_button = gtk_button_new_with_mnemonic(back);
        sg_prompt_name_button(self->cancel_button, back);
        char *back_desc = sg_prompt_choice_description(&m->choices[m->cancel], m->require_justification);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->cancel_button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       back_desc, -1);
        g_signal_connect(self->cancel_button, "clicked", G_CALLBACK(on_cancel_clicked), self);
        g_free(back);
        g_free(back_desc);
        gtk_box_append(GTK_BOX(row), self->cancel_button);
        self->first_focus = self->cancel_button;
        if (first >= 0) {
                self->primary = gtk_button_new_with_label("");
                g_signal_connect(self->primary, "clicked", G_CALLBACK(on_primary_clicked), self);
                gtk_box_append(GTK_BOX(row), self->primary);
                self->selected = first;
                gtk_check_button_set_active(GTK_CHECK_BUTTON(self->radios[first]), TRUE);
                update_primary(self);
                self->first_focus = self->radios[first];
                /* a further route chosen in the compose window: shown open */
                if (self->more && gtk_widget_is_ancestor(self->radios[first], GTK_WIDGET(further)))
                        gtk_expander_set_expanded(GTK_EXPANDER(self->more), TRUE);
                if (self->more) {
                        g_signal_connect(self->more, "notify::expanded", G_CALLBACK(on_more_expanded), self);
                        GtkEventController *key = gtk_event_controller_key_new();
                        g_signal_connect(key, "key-pressed", G_CALLBACK(on_more_key), self);
                        gtk_widget_add_controller(self->more, key);
                }
        }
        if (m->require_justification && sg_prompt_model_find_choice(m, "send") >= 0) {
                self->justify_back = gtk_button_new_with_mnemonic(_("_Back to the choices"));
                sg_prompt_name_button(self->justify_back, _("_Back to the choices"));
                g_signal_connect(self->justify_back, "clicked", G_CALLBACK(on_justify_back), self);
                gtk_box_append(self->justify_box, self->justify_back);
                add_presets(self);
        }
        gtk_box_append(self->choices_box, row);
        gtk_window_set_focus(GTK_WINDOW(self), self->first_focus);
}

SgPromptWindow *sg_prompt_window_new(const sg_prompt_model *model) {
        SgPromptWindow *self = g_object_new(SG_TYPE_PROMPT_WINDOW, NULL);
        self->model = model;
        const char *title = sg_prompt_title();
        gtk_window_set_title(GTK_WINDOW(self), title);
        gtk_label_set_text(self->title_label, title);
        char *lead = sg_prompt_lead(model);
        gtk_label_set_text(self->lead_label, lead);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, lead,
                                       GTK_ACCESSIBLE_PROPERTY_MODAL, TRUE, -1);
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
        GtkWidget *first_box =
                sg_prompt_confirm_attach(GTK_WIDGET(self->choices_box), self->cancel_button, model->confirm);
        if (first_box) { /* the checklist gates the choices: the focus starts on its first box */
                self->first_focus = first_box;
                gtk_window_set_focus(GTK_WINDOW(self), first_box);
        }
        sg_prompt_name_button(GTK_WIDGET(self->justify_confirm), gtk_button_get_label(self->justify_confirm));
        name_justification(self);
        g_signal_connect(self, "notify::is-active", G_CALLBACK(on_active_changed), NULL);
        return self;
}

static void sg_prompt_window_finalize(GObject *object) {
        SgPromptWindow *self = SG_PROMPT_WINDOW(object);
        if (self->timeout_id)
                g_source_remove(self->timeout_id);
        g_free(self->row_heading);
        g_free(self->radios);
        g_free(self->presets);
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
        /* A dialog, not a frame: a screen reader reads its title and
         * description as the context of the focused button. */
        gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);

        gtk_widget_class_set_template_from_resource(widget_class, "/org/sealgate/prompt/prompt-window.ui");
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, title_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, lead_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, subject_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, recipients_heading);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, recipients_scroll);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, recipients_list);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, internal_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, reasons_heading);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, reasons_scroll);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, reasons_box);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_box);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_label);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_entry);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_hint);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, justify_confirm);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, choices_box);
        gtk_widget_class_bind_template_child(widget_class, SgPromptWindow, content);
        gtk_widget_class_bind_template_callback(widget_class, on_justify_changed);
        gtk_widget_class_bind_template_callback(widget_class, on_justify_confirm);
}

static void sg_prompt_window_init(SgPromptWindow *self) {
        gtk_widget_init_template(GTK_WIDGET(self));
}
