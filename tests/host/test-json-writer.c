/* The direct JSON writer (core/json/json-writer.c) and the decision written
 * through it (sg_decision_write_json_members, the host's policy.evaluate
 * response) against json-c's tree (sg_decision_to_json serialised plain):
 * byte for byte the same text for every decision the host's data files give
 * (each policy*.json in DATA-DIR × each policy.evaluate message of
 * t-*.in.json, plus generated messages), and for every single byte and
 * random strings. Usage: test-json-writer DATA-DIR. Prints TAP. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sealgate/codec.h"
#include "sealgate/json-writer.h"
#include "sealgate/outcome-json.h"
#include "sealgate/policy-json.h"
#include "sealgate/util.h"
#include "sg-test.h"

static char *plain(json_object *o) {
        char *s = sg_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return s;
}

static char *written(const sg_decision *d) {
        sg_jw w = {0};
        sg_jw_object_begin(&w);
        sg_decision_write_json_members(&w, d);
        sg_jw_object_end(&w);
        return sg_jw_take(&w, NULL);
}

static char *read_file(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        char *b = malloc(1 << 20);
        size_t n = b ? fread(b, 1, (1 << 20) - 1, f) : 0;
        fclose(f);
        if (b)
                b[n] = '\0';
        return b;
}

/* Every string member escaped alike: each byte 1..255 alone, then random
 * strings over all bytes. */
static void strings(void) {
        int bad = 0;
        char s[2] = {0};
        for (int c = 1; c < 256 && !bad; c++) {
                s[0] = (char) c;
                sg_jw w = {0};
                sg_jw_string(&w, s);
                char *a = sg_jw_take(&w, NULL), *b = plain(json_object_new_string(s));
                bad = !a || !b || strcmp(a, b) != 0;
                if (bad)
                        sg_test_diag("byte 0x%02x: writer %s, json-c %s", c, a ? a : "(null)", b ? b : "(null)");
                free(a);
                free(b);
        }
        SG_CHECK(!bad, "every byte 0x01..0xff is escaped as json-c escapes it");
        /* The writer copies plain runs 8 bytes at a time: every byte at
         * every position of a 24-byte plain string. */
        bad = 0;
        for (int c = 1; c < 256 && !bad; c++)
                for (size_t at = 0; at < 24 && !bad; at++) {
                        char r[25];
                        memset(r, 'a' + (int) (at % 26), 24);
                        r[24] = '\0';
                        r[at] = (char) c;
                        sg_jw w = {0};
                        sg_jw_string(&w, r);
                        char *a = sg_jw_take(&w, NULL), *b = plain(json_object_new_string(r));
                        bad = !a || !b || strcmp(a, b) != 0;
                        if (bad)
                                sg_test_diag("byte 0x%02x at %zu: writer %s, json-c %s", c, at, a ? a : "(null)",
                                             b ? b : "(null)");
                        free(a);
                        free(b);
                }
        SG_CHECK(!bad, "every byte at every position of a 24-byte string is escaped as json-c escapes it");
        /* A string of 8 or more bytes whose length is not a multiple of 8
         * ends with its last 8 bytes stored in one word: every length 1..23,
         * every byte at every position, as a value and as a key. */
        bad = 0;
        for (size_t len = 1; len < 24 && !bad; len++)
                for (size_t at = 0; at < len && !bad; at++)
                        for (int c = 1; c < 256 && !bad; c++) {
                                char r[24];
                                for (size_t k = 0; k < len; k++)
                                        r[k] = (char) ('a' + (int) (k % 26));
                                r[len] = '\0';
                                r[at] = (char) c;
                                sg_jw w = {0};
                                sg_jw_object_begin(&w);
                                sg_jw_key(&w, r);
                                sg_jw_string(&w, r);
                                sg_jw_object_end(&w);
                                char *a = sg_jw_take(&w, NULL);
                                json_object *o = json_object_new_object();
                                json_object_object_add(o, r, json_object_new_string(r));
                                char *b = plain(o);
                                bad = !a || !b || strcmp(a, b) != 0;
                                if (bad)
                                        sg_test_diag("length %zu, byte 0x%02x at %zu: writer %s, json-c %s", len, c, at,
                                                     a ? a : "(null)", b ? b : "(null)");
                                free(a);
                                free(b);
                        }
        SG_CHECK(!bad, "every byte at every position of strings and keys of 1 to 23 bytes is escaped as json-c "
                       "escapes it");
        /* A literal key is written as sg_jw_key writes it. */
        sg_jw wl = {0}, wk = {0};
        sg_jw_object_begin(&wl);
        sg_jw_object_begin(&wk);
        static const char *const keys[] = {"a", "action", "external_domain_count", "prompt_timeout_seconds"};
        sg_jw_key_lit(&wl, "a");
        sg_jw_null(&wl);
        sg_jw_key_lit(&wl, "action");
        sg_jw_bool(&wl, true);
        sg_jw_key_lit(&wl, "external_domain_count");
        sg_jw_bool(&wl, false);
        sg_jw_key_lit(&wl, "prompt_timeout_seconds");
        sg_jw_int(&wl, 3);
        sg_jw_key(&wk, keys[0]);
        sg_jw_null(&wk);
        sg_jw_key(&wk, keys[1]);
        sg_jw_bool(&wk, true);
        sg_jw_key(&wk, keys[2]);
        sg_jw_bool(&wk, false);
        sg_jw_key(&wk, keys[3]);
        sg_jw_int(&wk, 3);
        sg_jw_object_end(&wl);
        sg_jw_object_end(&wk);
        char *tl = sg_jw_take(&wl, NULL), *tk = sg_jw_take(&wk, NULL);
        SG_CHECK(tl && tk && strcmp(tl, tk) == 0 &&
                         strcmp(tl, "{\"a\":null,\"action\":true,\"external_domain_count\":false,"
                                    "\"prompt_timeout_seconds\":3}") == 0,
                 "sg_jw_key_lit writes a key as sg_jw_key does");
        free(tl);
        free(tk);
        static const int64_t ints[] = {0, 1, -1, 9, 10, -10, 300, 65536, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
        bad = 0;
        for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !bad; i++) {
                sg_jw w = {0};
                sg_jw_int(&w, ints[i]);
                char *a = sg_jw_take(&w, NULL), *b = plain(json_object_new_int64(ints[i]));
                bad = !a || !b || strcmp(a, b) != 0;
                if (bad)
                        sg_test_diag("integer: writer %s, json-c %s", a ? a : "(null)", b ? b : "(null)");
                free(a);
                free(b);
        }
        SG_CHECK(!bad, "integers, INT64_MIN and INT64_MAX included, are written as json-c writes them");
        srand(7);
        bad = 0;
        for (int i = 0; i < 2000 && !bad; i++) {
                char r[64];
                size_t n = (size_t) (rand() % 63);
                for (size_t k = 0; k < n; k++)
                        r[k] = (char) (1 + rand() % 255);
                r[n] = '\0';
                sg_jw w = {0};
                sg_jw_array_begin(&w);
                sg_jw_string(&w, r);
                sg_jw_int(&w, (int64_t) rand() - RAND_MAX / 2);
                sg_jw_bool(&w, n & 1);
                sg_jw_null(&w);
                sg_jw_object_begin(&w);
                sg_jw_key(&w, r);
                sg_jw_array_begin(&w);
                sg_jw_array_end(&w);
                sg_jw_object_end(&w);
                sg_jw_array_end(&w);
                char *a = sg_jw_take(&w, NULL);
                json_object *pa = a ? json_tokener_parse(a) : NULL;
                char *again = pa ? plain(json_object_get(pa)) : NULL;
                bad = !a || !again || strcmp(a, again) != 0;
                if (bad)
                        sg_test_diag("random string %d: writer %s, json-c %s", i, a ? a : "(null)",
                                     again ? again : "(null)");
                json_object_put(pa);
                free(again);
                free(a);
        }
        SG_CHECK(!bad,
                 "2000 random strings, keys, numbers, booleans, nulls and nesting: json-c reads the writer's text "
                 "and writes it back the same");
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: test-json-writer DATA-DIR\n");
                return 2;
        }
        strings();

        const char *dir = argv[1];
        char *policies[32], *messages[256];
        size_t np = 0, nm = 0;
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                size_t l = strlen(e->d_name);
                if (strncmp(e->d_name, "policy", 6) == 0 && l > 5 && strcmp(e->d_name + l - 5, ".json") == 0 && np < 32)
                        policies[np++] = sg_strdup(path);
                if (strncmp(e->d_name, "t-", 2) == 0 && l > 8 && strcmp(e->d_name + l - 8, ".in.json") == 0 &&
                    nm < 256) {
                        char *text = read_file(path);
                        json_object *req = text ? json_tokener_parse(text) : NULL, *op, *m;
                        if (req && json_object_object_get_ex(req, "op", &op) &&
                            strcmp(json_object_get_string(op), "policy.evaluate") == 0 &&
                            json_object_object_get_ex(req, "message", &m))
                                messages[nm++] = sg_strdup(json_object_to_json_string(m));
                        json_object_put(req);
                        free(text);
                }
        }
        if (d)
                closedir(d);
        /* generated: every field, display names, groups, IDN, odd characters */
        static const char *const extra[] = {
                "{\"from\":\"A <a@corp.example>\",\"to\":[\"\\\"Q, \\\\x\\\" "
                "<b@partner.example>\",\"c@xn--bcher-kva.example\"],"
                "\"cc\":[\"g: d@other.example, "
                "e@corp.example;\"],\"bcc\":[\"f@evil.test\"],\"subject\":\"\\u0001\\t\\u007f\","
                "\"body\":\"confidential \\u6a5f\\u5bc6\",\"attachments\":[{\"name\":\"x.pdf\",\"size\":10}]}",
                "{\"to\":[\"\\u5c71\\u7530 <y@\\u4f8b\\u3048.jp>\"],\"subject\":\"\"}",
                "{\"to\":[]}",
        };
        for (size_t i = 0; i < sizeof extra / sizeof extra[0] && nm < 256; i++)
                messages[nm++] = sg_strdup(extra[i]);
        SG_CHECK(np >= 5 && nm >= 20, "data: %zu policies, %zu messages", np, nm);

        size_t compared = 0, differ = 0, outcomes = 0, odiffer = 0;
        for (size_t p = 0; p < np; p++) {
                sg_policy *pol = NULL;
                if (sg_policy_load_file(policies[p], &pol, NULL) != SG_OK)
                        continue; /* policy-invalid.json */
                for (size_t m = 0; m < nm; m++) {
                        json_object *mo = json_tokener_parse(messages[m]);
                        sg_message_buf buf = {0};
                        sg_decision *dec = NULL;
                        if (mo && sg_message_from_json(mo, &buf, NULL) == SG_OK &&
                            sg_policy_evaluate(pol, &buf.msg, &dec, NULL) == SG_OK) {
                                char *a = plain(sg_decision_to_json(dec)), *b = written(dec);
                                compared++;
                                /* its outcomes: no choice, and each choice */
                                for (size_t c = 0; c <= dec->n_choices; c++) {
                                        sg_outcome_input in = {.choice = c ? &dec->choices[c - 1] : NULL,
                                                               .by = c ? "user" : NULL,
                                                               .subject = "subject / x",
                                                               .policy = pol,
                                                               .attempt = "0123456789abcdef",
                                                               .check_header = sg_policy_check_header(pol)};
                                        sg_outcome *o = NULL;
                                        if (sg_outcome_new(dec, &in, &o, NULL) != SG_OK)
                                                continue;
                                        sg_jw w = {0};
                                        sg_outcome_write_json(&w, o);
                                        char *oa = plain(sg_outcome_to_json(o)), *ob = sg_jw_take(&w, NULL);
                                        outcomes++;
                                        if (!oa || !ob || strcmp(oa, ob) != 0) {
                                                if (odiffer++ < 3)
                                                        sg_test_diag("outcome %zu:\n# tree   %.400s\n# writer %.400s",
                                                                     c, oa ? oa : "(null)", ob ? ob : "(null)");
                                        }
                                        free(oa);
                                        free(ob);
                                        sg_outcome_free(o);
                                }
                                if (!a || !b || strcmp(a, b) != 0) {
                                        if (differ++ < 3)
                                                sg_test_diag("%s × message %zu:\n# tree   %.400s\n# writer %.400s",
                                                             policies[p], m, a ? a : "(null)", b ? b : "(null)");
                                }
                                free(a);
                                free(b);
                        }
                        sg_decision_free(dec);
                        sg_message_buf_clear(&buf);
                        json_object_put(mo);
                }
                sg_policy_free(pol);
        }
        SG_CHECK(compared >= 50 && differ == 0,
                 "sg_decision_write_json_members gives sg_decision_to_json's text: %zu decisions, %zu differ", compared,
                 differ);
        SG_CHECK(outcomes >= 100 && odiffer == 0,
                 "sg_outcome_write_json gives sg_outcome_to_json's text: %zu outcomes, %zu differ", outcomes, odiffer);
        for (size_t i = 0; i < np; i++)
                free(policies[i]);
        for (size_t i = 0; i < nm; i++)
                free(messages[i]);
        return sg_test_done();
}
