/* sealgate-certs: the wizard's window (template certs-wizard.ui). It only
 * translates: what core's certificate engine (sealgate/certs.h) reads and
 * does into plain words, and the user's keys and clicks into calls of that
 * engine. Nothing is written before the "Import" button; a failed step
 * keeps what the user typed and says why. */
#include "certs-wizard.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "prompt-i18n.h"
#include "sealgate/certs.h"

enum { STEP_FILE, STEP_PASSWORD, STEP_CONTENTS, STEP_TARGET, STEP_DONE, N_STEPS };
static const char *const step_names[N_STEPS] = {"file", "password", "contents", "target", "done"};

struct _SgCertsWizard {
        GtkWindow parent_instance;

        sg_wz_targets *targets; /* borrowed */
        char *path;             /* the file read at the file step */
        sg_certs_kind kind;
        sg_certs_list *contents; /* what the engine read in it */
        char *open_dir;          /* the profile whose database is open, or NULL */
        int step;
        bool targets_built, finished, imported;
        int n_imported, n_assigned;
        GPtrArray *profile_checks;  /* GtkCheckButton per profile */
        GPtrArray *identity_checks; /* GtkCheckButton; data "profile" (index + 1), "identity" */
        GtkWidget *gpgsm_check;     /* GnuPG (gpgsm) as a target, or NULL */
        GdkDevice *keyboard;

        /* template children */
        GtkLabel *step_label;
        GtkStack *stack;
        GtkEntry *file_entry;
        GtkLabel *file_error;
        GtkPasswordEntry *password_entry;
        GtkCheckButton *show_password;
        GtkLabel *caps_label;
        GtkLabel *password_error;
        GtkLabel *contents_label;
        GtkLabel *warnings_label;
        GtkBox *targets_box;
        GtkLabel *target_error;
        GtkLabel *done_label;
        GtkScrolledWindow *contents_scroll, *target_scroll, *done_scroll;
        GtkButton *cancel_button;
        GtkButton *back_button;
        GtkButton *next_button;
};

G_DEFINE_FINAL_TYPE(SgCertsWizard, sg_certs_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void finish(SgCertsWizard *self, const char *result) {
        if (self->finished)
                return;
        self->finished = true;
        gtk_editable_set_text(GTK_EDITABLE(self->password_entry), "");
        char *json = g_strdup_printf("{\"result\":\"%s\",\"profiles\":%d,\"identities\":%d}", result, self->n_imported,
                                     self->n_assigned);
        g_signal_emit(self, signals[SIGNAL_FINISHED], 0, json);
        g_free(json);
}

static const char *result_word(SgCertsWizard *self) {
        return self->imported ? "imported" : self->step == STEP_DONE ? "failed" : "cancelled";
}

/* ---- the engine's errors in plain words */

static const char *error_text(sg_err code) {
        switch (code) {
        case SG_ERR_WRONG_PASSPHRASE:
                return C_("certs wizard", "The password is wrong. Check it (and Caps Lock) and try again.");
        case SG_ERR_UNKNOWN_ALGORITHM:
                return C_("certs wizard",
                          "The file uses an encryption algorithm that is not supported. Ask for the file again in "
                          "another format.");
        case SG_ERR_TRUNCATED:
                return C_("certs wizard", "The file is corrupt or cut short. Ask for the file again.");
        case SG_ERR_NO_CERTIFICATE:
                return C_("certs wizard", "The file holds no certificate that can be read.");
        case SG_ERR_NO_PRIVATE_KEY:
                return C_("certs wizard",
                          "The file holds no private key, so you could not sign with it. Ask for the PKCS#12 file "
                          "that includes your key.");
        case SG_ERR_CERT_UNUSABLE:
                return C_("certs wizard",
                          "The file's private key and certificates do not fit together (several keys, or a key that "
                          "matches no certificate).");
        case SG_ERR_LIMIT:
                return C_("certs wizard", "The file or the password is larger than allowed.");
        case SG_ERR_MIME:
                return C_("certs wizard", "The message is not S/MIME-signed, or cannot be read.");
        case SG_ERR_NSS_DB:
                return C_("certs wizard", "The profile's certificate database cannot be opened or written.");
        case SG_ERR_IO:
                return C_("certs wizard", "The file cannot be read.");
        case SG_ERR_KEY_UNUSABLE:
                return C_("certs wizard",
                          "GnuPG 2.2 (gpgsm) imports only RSA keys from a PKCS#12 file, and this file's key is not "
                          "RSA.");
        case SG_ERR_DECRYPT_FAILED:
                return C_("certs wizard",
                          "gpgsm could not decrypt the file even after it was encoded again (a known GnuPG 2.2 fault "
                          "with some files). Try again.");
        default:
                return C_("certs wizard", "The operation failed.");
        }
}

static void show_error(GtkLabel *label, GtkWidget *field, const char *text) {
        if (text)
                g_debug("error shown: %s", text);
        gtk_label_set_text(label, text ? text : "");
        gtk_widget_set_visible(GTK_WIDGET(label), text != NULL);
        if (field)
                gtk_accessible_update_property(GTK_ACCESSIBLE(field), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                               text ? text : "", -1);
        /* GTK 4.8 sends AT-SPI no event when a label appears or changes: a
         * screen reader hears the error as the field's description, when
         * the focus comes to the field again. */
        if (text && field && gtk_widget_get_root(field)) {
                gtk_window_set_focus(GTK_WINDOW(gtk_widget_get_root(field)), NULL);
                gtk_widget_grab_focus(field);
        }
}

/* ---- steps */

/* A check button's indicator is named by the button (GTK names it by its
 * type, "GtkBuiltinIcon"). */
static void label_indicator(GtkWidget *check) {
        for (GtkWidget *c = gtk_widget_get_first_child(check); c; c = gtk_widget_get_next_sibling(c))
                if (!GTK_IS_LABEL(c))
                        gtk_accessible_update_relation(GTK_ACCESSIBLE(c), GTK_ACCESSIBLE_RELATION_LABELLED_BY, check,
                                                       NULL, -1);
}

static bool needs_password(const SgCertsWizard *self) {
        return self->kind == SG_CERTS_KIND_PKCS12;
}

static void go(SgCertsWizard *self, int step) {
        static const char *titles[N_STEPS];
        titles[STEP_FILE] = C_("certs wizard", "Choose the certificate file");
        titles[STEP_PASSWORD] = C_("certs wizard", "Enter the file's password");
        titles[STEP_CONTENTS] = C_("certs wizard", "Check what is in the file");
        titles[STEP_TARGET] = C_("certs wizard", "Choose where to import it");
        titles[STEP_DONE] = C_("certs wizard", "Done");
        self->step = step;
        /* No focus while the page changes: GtkStack would move it into the
         * new page first, and a screen reader would read that control
         * before the one the step focuses. */
        gtk_window_set_focus(GTK_WINDOW(self), NULL);
        gtk_stack_set_visible_child_name(self->stack, step_names[step]);
        int total = needs_password(self) ? N_STEPS : N_STEPS - 1;
        int shown = step + 1 - (!needs_password(self) && step > STEP_PASSWORD ? 1 : 0);
        char *title = g_strdup_printf(C_("certs wizard", "Step %d of %d: %s"), shown, total, titles[step]);
        gtk_label_set_text(self->step_label, title);
        char *wtitle = g_strdup_printf("%s — %s", C_("certs wizard", "Import a certificate"), title);
        gtk_window_set_title(GTK_WINDOW(self), wtitle);
        g_free(wtitle);
        g_debug("step %s", step_names[step]);
        gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title, -1);
        g_free(title);
        gtk_widget_set_sensitive(GTK_WIDGET(self->back_button), step != STEP_FILE && step != STEP_DONE);
        gtk_widget_set_visible(GTK_WIDGET(self->back_button), step != STEP_DONE);
        gtk_widget_set_visible(GTK_WIDGET(self->cancel_button), step != STEP_DONE);
        gtk_button_set_label(self->next_button, step == STEP_TARGET ? C_("certs wizard", "Import")
                                                : step == STEP_DONE ? C_("certs wizard", "Close")
                                                                    : C_("certs wizard", "Next"));
        gtk_widget_set_visible(GTK_WIDGET(self->caps_label), step == STEP_PASSWORD && self->keyboard &&
                                                                     gdk_device_get_caps_lock_state(self->keyboard));
        GtkWidget *focus = GTK_WIDGET(self->next_button);
        if (step == STEP_FILE)
                focus = GTK_WIDGET(self->file_entry);
        else if (step == STEP_PASSWORD)
                focus = GTK_WIDGET(self->password_entry);
        else if (step == STEP_TARGET && self->profile_checks->len)
                focus = g_ptr_array_index(self->profile_checks, 0);
        gtk_window_set_focus(GTK_WINDOW(self), focus);
}

/* Focus on open: the step's field once the window is shown (a focus set
 * before, for a file given on the command line, does not hold). */
static gboolean focus_step(gpointer data) {
        SgCertsWizard *self = data;
        go(self, self->step);
        return G_SOURCE_REMOVE;
}

static void on_map(GtkWidget *w, gpointer data) {
        g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, focus_step, g_object_ref(w), g_object_unref);
}

/* The database of the first profile is open while the file is read (the
 * chain is checked against it). */
static sg_err ensure_open(SgCertsWizard *self, const char *dir, sg_error *err) {
        if (self->open_dir && strcmp(self->open_dir, dir) == 0)
                return SG_OK;
        g_clear_pointer(&self->open_dir, g_free);
        sg_err r = sg_certs_open(dir, NULL, err);
        if (r == SG_OK)
                self->open_dir = g_strdup(dir);
        return r;
}

static void date_of(int64_t t, char *buf, size_t n) {
        time_t s = (time_t) t;
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(buf, n, "%Y-%m-%d", &tm);
}

static const char *revocation_words(const sg_cert_info *c) {
        if (strcmp(c->revocation, "good") == 0)
                return C_("certs wizard", "not revoked");
        if (strcmp(c->revocation, "revoked") == 0 || strcmp(c->chain, "revoked") == 0)
                return C_("certs wizard", "REVOKED by its issuer");
        if (strcmp(c->revocation, "revocation_unknown") == 0)
                return C_("certs wizard", "unknown");

        return C_("certs wizard", "not checked");
}

static const char *usage_words(const sg_cert_info *c) {
        if (c->can_sign && c->can_encrypt)
                return C_("certs wizard", "signing and encryption");
        if (c->can_sign)
                return C_("certs wizard", "signing only");
        if (c->can_encrypt)
                return C_("certs wizard", "encryption only");
        return C_("certs wizard", "not for e-mail");
}

static bool has_identity_address(const SgCertsWizard *self, const sg_cert_info *c) {
        for (size_t i = 0; i < c->n_emails; i++)
                if (sg_wz_targets_has_address(self->targets, c->emails[i]))
                        return true;
        return false;
}

/* What is in the file, in plain words, and the warnings. */
static void describe(SgCertsWizard *self) {
        GString *s = g_string_new(NULL), *w = g_string_new(NULL);
        size_t n_ca = 0;
        int64_t now = (int64_t) time(NULL);
        if (needs_password(self))
                g_string_append_printf(s, "%s\n\n",
                                       C_("certs wizard",
                                          "This file holds your own certificate and its private key: with it you "
                                          "sign your messages and read the ones encrypted to you."));
        else
                g_string_append_printf(s, "%s\n\n",
                                       C_("certs wizard",
                                          "This is a certificate without a private key (usually someone else's): with "
                                          "it you encrypt messages to them and check their signatures."));
        for (size_t i = 0; i < self->contents->n; i++) {
                const sg_cert_info *c = &self->contents->items[i];
                if (c->is_ca) {
                        n_ca++;
                        continue;
                }
                char until[32], from[32];
                date_of(c->not_after, until, sizeof until);
                date_of(c->not_before, from, sizeof from);
                g_autofree char *emails = NULL;
                GString *e = g_string_new(NULL);
                for (size_t j = 0; j < c->n_emails; j++)
                        g_string_append_printf(e, "%s%s", j ? C_("list separator", ", ") : "", c->emails[j]);
                emails = g_string_free(e, FALSE);
                g_string_append_printf(s, C_("certs wizard", "Whose: %s"),
                                       c->common_name ? c->common_name : c->subject);
                g_string_append_c(s, '\n');
                g_string_append_printf(s, C_("certs wizard", "E-mail addresses: %s"),
                                       *emails ? emails : C_("certs wizard", "none"));
                g_string_append_c(s, '\n');
                g_string_append_printf(s, C_("certs wizard", "Valid until: %s"), until);
                g_string_append_c(s, '\n');
                g_string_append_printf(s, C_("certs wizard", "For: %s"), usage_words(c));
                g_string_append_c(s, '\n');
                g_string_append_printf(s, C_("certs wizard", "Issued by: %s"), c->issuer);
                g_string_append_c(s, '\n');
                g_string_append_printf(s, C_("certs wizard", "Revoked: %s"), revocation_words(c));
                if (strcmp(c->revocation, "revocation_unknown") == 0 && c->revocation_detail)
                        g_string_append_printf(s, " (%s)", c->revocation_detail);
                g_string_append(s, "\n\n");

                if (strcmp(c->chain, "expired") == 0 || c->not_after < now)
                        g_string_append_printf(
                                w, C_("certs wizard", "Expired on %s: it can no longer sign or encrypt."), until);
                else if (strcmp(c->chain, "not_yet_valid") == 0 || c->not_before > now)
                        g_string_append_printf(w, C_("certs wizard", "Not valid before %s."), from);
                else
                        g_string_append(w, "");
                if (w->len && w->str[w->len - 1] != '\n')
                        g_string_append_c(w, '\n');
                if (c->n_emails == 0)
                        g_string_append_printf(
                                w, "%s\n",
                                C_("certs wizard", "It has no e-mail address: Thunderbird cannot use it for mail."));
                else if (needs_password(self) && !has_identity_address(self, c))
                        g_string_append_printf(w,
                                               C_("certs wizard",
                                                  "None of its addresses (%s) is an identity of your Thunderbird "
                                                  "profiles: check that it is your certificate."),
                                               emails);
                if (w->len && w->str[w->len - 1] != '\n')
                        g_string_append_c(w, '\n');
                if (c->weak)
                        g_string_append_printf(w, "%s\n",
                                               C_("certs wizard",
                                                  "It uses a weak algorithm (RSA under 2048 bits, or SHA-1): ask your "
                                                  "administrator for a new certificate."));
                if (strcmp(c->revocation, "revoked") == 0 || strcmp(c->chain, "revoked") == 0)
                        g_string_append_printf(w, "%s\n",
                                               C_("certs wizard", "Its issuer has revoked it: do not use it."));
                if (strcmp(c->chain, "unknown_issuer") == 0 || strcmp(c->chain, "untrusted_issuer") == 0)
                        g_string_append_printf(w, "%s\n",
                                               C_("certs wizard",
                                                  "Its issuer is not trusted in this profile yet: import the "
                                                  "certificate authority's certificate too, or ask your "
                                                  "administrator."));
        }
        if (n_ca)
                g_string_append_printf(s,
                                       ngettext("The file also holds %zu certificate of an authority that issues "
                                                "certificates.",
                                                "The file also holds %zu certificates of authorities that issue "
                                                "certificates.",
                                                n_ca),
                                       n_ca);
        while (s->len && s->str[s->len - 1] == '\n')
                g_string_truncate(s, s->len - 1);
        while (w->len && w->str[w->len - 1] == '\n')
                g_string_truncate(w, w->len - 1);
        gtk_label_set_text(self->contents_label, s->str);
        /* what a screen reader says on the region's Tab stop */
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->contents_scroll), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       s->str, -1);
        gtk_label_set_text(self->warnings_label, w->str);
        gtk_widget_set_visible(GTK_WIDGET(self->warnings_label), w->len > 0);
        g_string_free(s, TRUE);
        g_string_free(w, TRUE);
}

/* Reads the file with the password (NULL: not PKCS#12) through the engine.
 * On failure the error is shown on `label` and the step stays. */
static bool read_contents(SgCertsWizard *self, const char *password, GtkLabel *label, GtkWidget *field) {
        sg_error err = {0};
        g_clear_pointer(&self->contents, sg_certs_list_free);
        if (ensure_open(self, self->targets->items[0].dir, &err) != SG_OK ||
            sg_certs_read(self->path, password, &self->contents, &err) != SG_OK) {
                show_error(label, field, error_text(err.code));
                return false;
        }
        if (self->contents->n == 0) {
                show_error(label, field, error_text(SG_ERR_NO_CERTIFICATE));
                return false;
        }
        show_error(label, field, NULL);
        describe(self);
        return true;
}

static bool next_from_file(SgCertsWizard *self) {
        GtkWidget *field = GTK_WIDGET(self->file_entry);
        g_autofree char *path = g_strstrip(g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->file_entry))));
        if (g_str_has_prefix(path, "file://")) {
                char *local = g_filename_from_uri(path, NULL, NULL);
                if (local) {
                        g_free(path);
                        path = local;
                }
        }
        if (!*path) {
                show_error(self->file_error, field, C_("certs wizard", "Type the file's path, or choose the file."));
                return false;
        }
        if (self->targets->n == 0) {
                show_error(self->file_error, field,
                           C_("certs wizard",
                              "No Thunderbird profile was found. Start Thunderbird once, then open this window "
                              "again."));
                return false;
        }
        GStatBuf st;
        if (g_stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
                show_error(self->file_error, field, C_("certs wizard", "There is no file at this path."));
                return false;
        }
        if (st.st_size > SG_CERTS_FILE_MAX) {
                char *t = g_strdup_printf(C_("certs wizard",
                                             "The file is larger than %d MB, far larger than a certificate: check that "
                                             "it is the right file."),
                                          SG_CERTS_FILE_MAX / (1024 * 1024));
                show_error(self->file_error, field, t);
                g_free(t);
                return false;
        }
        g_autofree char *data = NULL;
        gsize len = 0;
        sg_error err = {0};
        sg_certs_kind kind;
        if (!g_file_get_contents(path, &data, &len, NULL)) {
                show_error(self->file_error, field, error_text(SG_ERR_IO));
                return false;
        }
        if (len == 0 || sg_certs_sniff((const unsigned char *) data, len, &kind, &err) != SG_OK) {
                show_error(self->file_error, field,
                           C_("certs wizard",
                              "This file is not a certificate, a PKCS#12 file (.p12, .pfx) or a signed message."));
                return false;
        }
        g_free(self->path);
        self->path = g_steal_pointer(&path);
        self->kind = kind;
        show_error(self->file_error, field, NULL);
        if (kind == SG_CERTS_KIND_PKCS12) {
                go(self, STEP_PASSWORD);
                return true;
        }
        if (!read_contents(self, NULL, self->file_error, field))
                return false;
        go(self, STEP_CONTENTS);
        return true;
}

static void next_from_password(SgCertsWizard *self) {
        GtkWidget *field = GTK_WIDGET(self->password_entry);
        const char *pw = gtk_editable_get_text(GTK_EDITABLE(self->password_entry));
        if (strlen(pw) > SG_CERTS_PASSWORD_MAX) {
                show_error(self->password_error, field,
                           C_("certs wizard",
                              "The password is too long for a certificate password: check what was pasted."));
                gtk_widget_grab_focus(field);
                return;
        }
        if (!read_contents(self, pw, self->password_error, field)) {
                gtk_widget_grab_focus(field);
                gtk_editable_select_region(GTK_EDITABLE(self->password_entry), 0, -1);
                return;
        }
        go(self, STEP_CONTENTS);
}

static const sg_cert_info *own_cert(const SgCertsWizard *self) {
        for (size_t i = 0; self->contents && i < self->contents->n; i++)
                if (!self->contents->items[i].is_ca)
                        return &self->contents->items[i];
        return NULL;
}

static bool cert_has_address(const sg_cert_info *c, const char *email) {
        for (size_t i = 0; c && email && i < c->n_emails; i++)
                if (g_ascii_strcasecmp(c->emails[i], email) == 0)
                        return true;
        return false;
}

static void build_targets(SgCertsWizard *self) {
        GtkWidget *child;
        while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->targets_box))))
                gtk_box_remove(self->targets_box, child);
        g_ptr_array_set_size(self->profile_checks, 0);
        g_ptr_array_set_size(self->identity_checks, 0);
        const sg_cert_info *c = own_cert(self);
        for (size_t i = 0; i < self->targets->n; i++) {
                const sg_wz_profile *p = &self->targets->items[i];
                /* ~/.thunderbird/..., as a user knows it */
                const char *home = g_get_home_dir();
                size_t hl = strlen(home);
                g_autofree char *shown = hl > 1 && strncmp(p->dir, home, hl) == 0 && p->dir[hl] == '/'
                                                 ? g_strconcat("~", p->dir + hl, NULL)
                                                 : g_strdup(p->dir);
                char *label = p->is_default
                                      ? g_strdup_printf(C_("certs wizard", "Profile \"%s\" (the default), in %s"),
                                                        p->name, shown)
                                      : g_strdup_printf(C_("certs wizard", "Profile \"%s\", in %s"), p->name, shown);
                GtkWidget *pc = gtk_check_button_new_with_label(label);
                g_free(label);
                gtk_check_button_set_active(GTK_CHECK_BUTTON(pc), i == 0);
                label_indicator(pc);
                gtk_box_append(self->targets_box, pc);
                g_ptr_array_add(self->profile_checks, pc);
                if (!needs_password(self))
                        continue; /* identities sign with their own key only */
                for (size_t j = 0; j < p->n_ids; j++) {
                        const sg_wz_identity *id = &p->ids[j];
                        char *l = id->name && *id->name
                                          ? g_strdup_printf(C_("certs wizard", "Sign and encrypt with it as %s <%s>"),
                                                            id->name, id->email)
                                          : g_strdup_printf(C_("certs wizard", "Sign and encrypt with it as %s"),
                                                            id->email);
                        GtkWidget *ic = gtk_check_button_new_with_label(l);
                        g_free(l);
                        gtk_widget_set_margin_start(ic, 28);
                        gtk_check_button_set_active(GTK_CHECK_BUTTON(ic), i == 0 && cert_has_address(c, id->email));
                        g_object_set_data(G_OBJECT(ic), "profile", GSIZE_TO_POINTER(i + 1));
                        g_object_set_data_full(G_OBJECT(ic), "identity", g_strdup(id->id), g_free);
                        g_object_bind_property(pc, "active", ic, "sensitive", G_BINDING_SYNC_CREATE);
                        label_indicator(ic);
                        gtk_box_append(self->targets_box, ic);
                        g_ptr_array_add(self->identity_checks, ic);
                }
        }
        /* GnuPG's gpgsm, for other mail programs (not ticked): certificates
         * and PKCS#12 files, not a signed message. */
        self->gpgsm_check = NULL;
        if (self->kind != SG_CERTS_KIND_MESSAGE) {
                const char *gh = g_getenv("GNUPGHOME");
                g_autofree char *home = gh && *gh ? g_strdup(gh) : g_strdup("~/.gnupg");
                char *l = g_strdup_printf(C_("certs wizard", "GnuPG (gpgsm), for other mail programs, in %s"), home);
                self->gpgsm_check = gtk_check_button_new_with_label(l);
                g_free(l);
                label_indicator(self->gpgsm_check);
                gtk_box_append(self->targets_box, self->gpgsm_check);
        }
        self->targets_built = true;
}

static void do_import(SgCertsWizard *self) {
        bool any = false;
        for (guint i = 0; i < self->profile_checks->len; i++)
                any = any || gtk_check_button_get_active(g_ptr_array_index(self->profile_checks, i));
        bool to_gpgsm = self->gpgsm_check && gtk_check_button_get_active(GTK_CHECK_BUTTON(self->gpgsm_check));
        if (!any && !to_gpgsm) {
                show_error(self->target_error, g_ptr_array_index(self->profile_checks, 0),
                           self->gpgsm_check ? C_("certs wizard", "Choose at least one profile, or GnuPG.")
                                             : C_("certs wizard", "Choose at least one profile."));
                gtk_widget_grab_focus(g_ptr_array_index(self->profile_checks, 0));
                return;
        }
        show_error(self->target_error, NULL, NULL);
        const char *pw = needs_password(self) ? gtk_editable_get_text(GTK_EDITABLE(self->password_entry)) : NULL;
        GString *done = g_string_new(NULL), *todo = g_string_new(NULL);
        bool restart = false, by_hand = false, untrusted = false;
        for (guint i = 0; i < self->profile_checks->len; i++) {
                if (!gtk_check_button_get_active(g_ptr_array_index(self->profile_checks, i)))
                        continue;
                const sg_wz_profile *p = &self->targets->items[i];
                sg_error err = {0};
                sg_certs_list *l = NULL;
                if (ensure_open(self, p->dir, &err) != SG_OK || sg_certs_import(self->path, pw, &l, &err) != SG_OK) {
                        g_string_append_printf(
                                done,
                                C_("certs wizard", "Not imported into profile \"%s\": %s Nothing was changed in it."),
                                p->name, error_text(err.code));
                        g_string_append(done, "\n");
                        sg_certs_list_free(l);
                        continue;
                }
                self->imported = true;
                self->n_imported++;
                g_string_append_printf(done, C_("certs wizard", "Imported into profile \"%s\"."), p->name);
                g_string_append(done, "\n");
                const char *nick = NULL;
                for (size_t k = 0; k < l->n; k++) {
                        if (!l->items[k].is_ca && l->items[k].has_key && !nick)
                                nick = l->items[k].nickname;
                        untrusted = untrusted || strcmp(l->items[k].chain, "unknown_issuer") == 0 ||
                                    strcmp(l->items[k].chain, "untrusted_issuer") == 0;
                }
                bool assigned_here = false;
                for (guint k = 0; k < self->identity_checks->len; k++) {
                        GtkWidget *ic = g_ptr_array_index(self->identity_checks, k);
                        if (GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(ic), "profile")) != i + 1 ||
                            !gtk_check_button_get_active(GTK_CHECK_BUTTON(ic)))
                                continue;
                        const char *id = g_object_get_data(G_OBJECT(ic), "identity");
                        const char *email = id;
                        for (size_t j = 0; j < p->n_ids; j++)
                                if (strcmp(p->ids[j].id, id) == 0)
                                        email = p->ids[j].email;
                        if (nick && sg_certs_use_for_identity(p->dir, nick, id, &err) == SG_OK) {
                                self->n_assigned++;
                                assigned_here = true;
                                restart = true;
                                g_string_append_printf(done, C_("certs wizard", "%s now signs and encrypts with it."),
                                                       email);
                        } else if (nick && err.code == SG_ERR_IO) {
                                by_hand = true;
                                g_string_append_printf(done,
                                                       C_("certs wizard",
                                                          "%s was not changed: Thunderbird is running on this "
                                                          "profile."),
                                                       email);
                        } else {
                                by_hand = true;
                                g_string_append_printf(done, C_("certs wizard", "%s was not changed: %s"), email,
                                                       error_text(nick ? err.code : SG_ERR_NO_PRIVATE_KEY));
                        }
                        g_string_append(done, "\n");
                }
                if (needs_password(self) && !assigned_here)
                        by_hand = true;
                sg_certs_list_free(l);
        }
        if (to_gpgsm) {
                sg_error err = {0};
                int keys = 0;
                if (sg_certs_import_gpgsm(self->path, pw, NULL, &keys, &err) == SG_OK) {
                        self->imported = true;
                        g_string_append_printf(done, "%s\n", C_("certs wizard", "Imported into GnuPG (gpgsm)."));
                } else {
                        g_string_append_printf(
                                done, C_("certs wizard", "Not imported into GnuPG (gpgsm): %s"),
                                err.code == SG_ERR_IO
                                        ? C_("certs wizard", "gpgsm cannot be run, or it refused the file.")
                                        : error_text(err.code));
                        g_string_append(done, "\n");
                }
        }
        if (restart)
                g_string_append_printf(
                        todo, "• %s\n",
                        C_("certs wizard", "Restart Thunderbird: it reads the new settings when it starts."));
        if (by_hand)
                g_string_append_printf(todo, "• %s\n",
                                       C_("certs wizard",
                                          "To sign with it, open Thunderbird's Account Settings, End-To-End "
                                          "Encryption, and choose it under S/MIME (or close Thunderbird and run this "
                                          "wizard again)."));
        if (self->imported && !needs_password(self))
                g_string_append_printf(todo, "• %s\n",
                                       C_("certs wizard",
                                          "Thunderbird now finds this certificate when you write to its address with "
                                          "encryption on."));
        if (untrusted)
                g_string_append_printf(todo, "• %s\n",
                                       C_("certs wizard",
                                          "Import the certificate of the authority that issued it too, or ask your "
                                          "administrator: until then its signatures show as not verified."));
        if (!self->imported)
                g_string_append_printf(
                        todo, "• %s\n",
                        C_("certs wizard", "Nothing was imported: go back to fix the problem, or close."));
        GString *all = g_string_new(NULL);
        if (!todo->len)
                g_string_append_printf(todo, "%s\n", C_("certs wizard", "Nothing: it is ready to use."));
        g_string_append_printf(all, "%s\n%s\n%s\n%s", C_("certs wizard", "What changed:"), done->str,
                               C_("certs wizard", "What you still have to do:"), todo->str);
        while (all->len && all->str[all->len - 1] == '\n')
                g_string_truncate(all, all->len - 1);
        gtk_label_set_text(self->done_label, all->str);
        g_debug("done: %s", all->str);
        g_string_free(all, TRUE);
        g_string_free(done, TRUE);
        g_string_free(todo, TRUE);
        go(self, STEP_DONE);
        if (self->imported) /* not needed again: GTK's secure memory is wiped as it is freed */
                gtk_editable_set_text(GTK_EDITABLE(self->password_entry), "");
        if (!self->imported) {
                /* Let the user go back and fix it: nothing was written. */
                gtk_widget_set_visible(GTK_WIDGET(self->back_button), TRUE);
                gtk_widget_set_sensitive(GTK_WIDGET(self->back_button), TRUE);
        }
}

/* ---- signals */

static void on_next(GtkButton *b, gpointer data) {
        SgCertsWizard *self = data;
        switch (self->step) {
        case STEP_FILE:
                next_from_file(self);
                break;
        case STEP_PASSWORD:
                next_from_password(self);
                break;
        case STEP_CONTENTS:
                if (!self->targets_built)
                        build_targets(self);
                go(self, STEP_TARGET);
                break;
        case STEP_TARGET:
                do_import(self);
                break;
        default:
                finish(self, result_word(self));
                break;
        }
}

static void on_back(GtkButton *b, gpointer data) {
        SgCertsWizard *self = data;
        switch (self->step) {
        case STEP_PASSWORD:
                go(self, STEP_FILE);
                break;
        case STEP_CONTENTS:
                go(self, needs_password(self) ? STEP_PASSWORD : STEP_FILE);
                break;
        case STEP_TARGET:
        case STEP_DONE:
                go(self, self->step - 1);
                break;
        default:
                break;
        }
}

static void on_cancel(GtkButton *b, gpointer data) {
        SgCertsWizard *self = data;
        finish(self, result_word(self));
}

/* GtkPasswordEntry (GTK 4.8) shows its text only through its mouse-only
 * peek icon; its GtkText delegate shows it for this check button, which
 * Tab and Space reach. */
static void on_show_password(GtkCheckButton *b, gpointer data) {
        SgCertsWizard *self = data;
        GtkEditable *text = gtk_editable_get_delegate(GTK_EDITABLE(self->password_entry));
        if (GTK_IS_TEXT(text))
                gtk_text_set_visibility(GTK_TEXT(text), gtk_check_button_get_active(b));
}

static void on_choose_response(GtkNativeDialog *d, int response, gpointer data) {
        SgCertsWizard *self = data;
        if (response == GTK_RESPONSE_ACCEPT) {
                GFile *f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
                char *p = f ? g_file_get_path(f) : NULL;
                if (p)
                        gtk_editable_set_text(GTK_EDITABLE(self->file_entry), p);
                g_free(p);
                if (f)
                        g_object_unref(f);
        }
        g_object_unref(d);
        gtk_widget_grab_focus(GTK_WIDGET(self->file_entry));
}

static void on_choose(GtkButton *b, gpointer data) {
        SgCertsWizard *self = data;
        GtkFileChooserNative *d =
                gtk_file_chooser_native_new(C_("certs wizard", "Choose the certificate file"), GTK_WINDOW(self),
                                            GTK_FILE_CHOOSER_ACTION_OPEN, NULL, NULL);
        GtkFileFilter *f = gtk_file_filter_new();
        gtk_file_filter_set_name(f, C_("certs wizard", "Certificates and signed messages"));
        static const char *const pats[] = {"*.p12", "*.pfx", "*.cer", "*.crt", "*.der", "*.pem",
                                           "*.p7b", "*.p7c", "*.p7s", "*.eml", NULL};
        for (size_t i = 0; pats[i]; i++)
                gtk_file_filter_add_suffix(f, pats[i] + 2);
        gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), f);
        g_object_unref(f);
        g_signal_connect(d, "response", G_CALLBACK(on_choose_response), self);
        gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

static gboolean on_drop(GtkDropTarget *t, const GValue *value, double x, double y, gpointer data) {
        SgCertsWizard *self = data;
        if (!G_VALUE_HOLDS(value, G_TYPE_FILE) || self->step == STEP_DONE)
                return FALSE;
        char *p = g_file_get_path(g_value_get_object(value));
        if (!p)
                return FALSE;
        gtk_editable_set_text(GTK_EDITABLE(self->file_entry), p);
        g_free(p);
        go(self, STEP_FILE);
        next_from_file(self);
        return TRUE;
}

static void on_caps(GObject *o, GParamSpec *ps, gpointer data) {
        SgCertsWizard *self = data;
        bool on = gdk_device_get_caps_lock_state(self->keyboard);
        g_debug("caps lock %s", on ? "on" : "off");
        gtk_widget_set_visible(GTK_WIDGET(self->caps_label), on && self->step == STEP_PASSWORD);
}

/* Enter goes to the next step from anywhere, as in a dialog: on a check
 * button GTK would toggle it instead (Space toggles). */
static gboolean on_key(GtkEventControllerKey *k, guint keyval, guint keycode, GdkModifierType state, gpointer data) {
        SgCertsWizard *self = data;
        GtkWidget *focus = gtk_root_get_focus(GTK_ROOT(self));
        if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter) && focus &&
            GTK_IS_CHECK_BUTTON(focus) && !(state & (GDK_CONTROL_MASK | GDK_ALT_MASK))) {
                gtk_widget_activate(GTK_WIDGET(self->next_button));
                return TRUE;
        }
        return FALSE;
}

static gboolean on_alt_left(GtkWidget *w, GVariant *args, gpointer data) {
        SgCertsWizard *self = SG_CERTS_WIZARD(w);
        if (gtk_widget_get_sensitive(GTK_WIDGET(self->back_button)) &&
            gtk_widget_get_visible(GTK_WIDGET(self->back_button)))
                on_back(self->back_button, self);
        return TRUE;
}

static gboolean on_escape(GtkWidget *w, GVariant *args, gpointer data) {
        SgCertsWizard *self = SG_CERTS_WIZARD(w);
        finish(self, result_word(self));
        return TRUE;
}

static gboolean on_close_request(GtkWindow *window) {
        SgCertsWizard *self = SG_CERTS_WIZARD(window);
        finish(self, result_word(self));
        return TRUE; /* main() destroys the window */
}

static void sg_certs_wizard_dispose(GObject *o) {
        SgCertsWizard *self = SG_CERTS_WIZARD(o);
        if (self->password_entry)
                gtk_editable_set_text(GTK_EDITABLE(self->password_entry), "");
        g_clear_pointer(&self->contents, sg_certs_list_free);
        g_clear_pointer(&self->path, g_free);
        if (self->open_dir) {
                sg_certs_close();
                g_clear_pointer(&self->open_dir, g_free);
        }
        g_clear_pointer(&self->profile_checks, g_ptr_array_unref);
        g_clear_pointer(&self->identity_checks, g_ptr_array_unref);
        gtk_widget_dispose_template(GTK_WIDGET(self), SG_TYPE_CERTS_WIZARD);
        G_OBJECT_CLASS(sg_certs_wizard_parent_class)->dispose(o);
}

/* Scroll bars (and the range inside each) are named by the step's title
 * (GTK names them by their type, "GtkScrollbar", "GtkRange"). */
static void label_scrollbars(GtkScrolledWindow *scroll, GtkWidget *heading) {
        GtkWidget *bars[] = {gtk_scrolled_window_get_vscrollbar(scroll), gtk_scrolled_window_get_hscrollbar(scroll)};
        for (size_t i = 0; i < G_N_ELEMENTS(bars); i++)
                for (GtkWidget *w = bars[i]; w; w = w == bars[i] ? gtk_widget_get_first_child(w) : NULL)
                        gtk_accessible_update_relation(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading,
                                                       NULL, -1);
}

static void sg_certs_wizard_init(SgCertsWizard *self) {
        gtk_widget_init_template(GTK_WIDGET(self));
        label_scrollbars(self->contents_scroll, GTK_WIDGET(self->step_label));
        label_scrollbars(self->target_scroll, GTK_WIDGET(self->step_label));
        label_scrollbars(self->done_scroll, GTK_WIDGET(self->step_label));
        label_indicator(GTK_WIDGET(self->show_password));
        self->profile_checks = g_ptr_array_new();
        self->identity_checks = g_ptr_array_new();
        gtk_window_set_default_widget(GTK_WINDOW(self), GTK_WIDGET(self->next_button));
        /* GTK 4.8 passes no "default" state to AT-SPI: said in words. */
        gtk_accessible_update_property(GTK_ACCESSIBLE(self->next_button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       C_("certs wizard", "The default button: Enter presses it."), -1);
        GdkSeat *seat = gdk_display_get_default_seat(gtk_widget_get_display(GTK_WIDGET(self)));
        self->keyboard = seat ? gdk_seat_get_keyboard(seat) : NULL;
        if (self->keyboard)
                g_signal_connect_object(self->keyboard, "notify::caps-lock-state", G_CALLBACK(on_caps), self, 0);
        g_signal_connect(self, "map", G_CALLBACK(on_map), NULL);
        GtkEventController *kc = gtk_event_controller_key_new();
        gtk_event_controller_set_propagation_phase(kc, GTK_PHASE_CAPTURE);
        g_signal_connect(kc, "key-pressed", G_CALLBACK(on_key), self);
        gtk_widget_add_controller(GTK_WIDGET(self), kc);
        GtkDropTarget *dt = gtk_drop_target_new(G_TYPE_FILE, GDK_ACTION_COPY);
        g_signal_connect(dt, "drop", G_CALLBACK(on_drop), self);
        gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(dt));
}

static void sg_certs_wizard_class_init(SgCertsWizardClass *klass) {
        GObjectClass *object_class = G_OBJECT_CLASS(klass);
        GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
        GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);
        object_class->dispose = sg_certs_wizard_dispose;
        window_class->close_request = on_close_request;
        signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                                NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
        gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
        gtk_widget_class_add_binding(widget_class, GDK_KEY_Escape, 0, on_escape, NULL);
        gtk_widget_class_add_binding(widget_class, GDK_KEY_Left, GDK_ALT_MASK, on_alt_left, NULL);
        gtk_widget_class_set_template_from_resource(widget_class, "/org/sealgate/certs/certs-wizard.ui");
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, step_label);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, stack);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, file_entry);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, file_error);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, password_entry);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, show_password);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, caps_label);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, password_error);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, contents_label);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, warnings_label);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, targets_box);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, target_error);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, done_label);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, contents_scroll);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, target_scroll);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, done_scroll);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, cancel_button);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, back_button);
        gtk_widget_class_bind_template_child(widget_class, SgCertsWizard, next_button);
        gtk_widget_class_bind_template_callback(widget_class, on_next);
        gtk_widget_class_bind_template_callback(widget_class, on_back);
        gtk_widget_class_bind_template_callback(widget_class, on_cancel);
        gtk_widget_class_bind_template_callback(widget_class, on_show_password);
        gtk_widget_class_bind_template_callback(widget_class, on_choose);
}

SgCertsWizard *sg_certs_wizard_new(sg_wz_targets *targets, const char *file) {
        SgCertsWizard *self = g_object_new(SG_TYPE_CERTS_WIZARD, NULL);
        self->targets = targets;
        go(self, STEP_FILE);
        if (file) {
                gtk_editable_set_text(GTK_EDITABLE(self->file_entry), file);
                next_from_file(self);
        }
        return self;
}
