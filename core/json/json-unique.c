/* sealgate: the duplicate-key check of json-unique.h: one pass over the text
 * with a stack of open objects and arrays; each object's decoded keys are
 * sorted when it closes, so an object of n keys costs n log n. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/json-unique.h"
#include "sealgate/util.h"

struct key {
        const char *s; /* into the text when the key has no escape */
        size_t n;
        char *owned; /* the decoded copy otherwise */
};

struct level {
        bool object;
        struct key *keys; /* object: every key so far */
        size_t n_keys, cap_keys;
        size_t index;  /* array: the element being read */
        bool want_key; /* object: after '{' or ',' */
        bool has_last; /* object: keys[n_keys - 1] is the member being read */
};

struct scan {
        const char *t;
        size_t len, i;
        struct level stack[SG_JSON_UNIQUE_DEPTH_MAX];
        size_t depth;
        bool oom;
};

static void skip_space(struct scan *s) {
        while (s->i < s->len) {
                char c = s->t[s->i];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                        s->i++;
                else if (c == '/' && s->i + 1 < s->len && s->t[s->i + 1] == '/') {
                        while (s->i < s->len && s->t[s->i] != '\n')
                                s->i++;
                } else if (c == '/' && s->i + 1 < s->len && s->t[s->i + 1] == '*') {
                        size_t k = s->i + 2;
                        while (k + 1 < s->len && !(s->t[k] == '*' && s->t[k + 1] == '/'))
                                k++;
                        s->i = k + 1 < s->len ? k + 2 : s->len;
                } else
                        return;
        }
}

static bool hex4(const char *p, size_t avail, uint32_t *v) {
        if (avail < 4)
                return false;
        *v = 0;
        for (int k = 0; k < 4; k++) {
                int h = sg_hex_digit(p[k]);
                if (h < 0)
                        return false;
                *v = (*v << 4) | (uint32_t) h;
        }
        return true;
}

static size_t put_utf8(char *o, uint32_t cp) {
        if (cp < 0x80) {
                o[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char) (0xC0 | (cp >> 6));
                o[1] = (char) (0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char) (0xE0 | (cp >> 12));
                o[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
                o[2] = (char) (0x80 | (cp & 0x3F));
                return 3;
        }
        o[0] = (char) (0xF0 | (cp >> 18));
        o[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char) (0x80 | (cp & 0x3F));
        return 4;
}

/* Read the string at s->i (its opening quote); with `out`, decode it into a
 * new buffer (no escape is shorter than what it decodes to). false on broken
 * text or ENOMEM (s->oom). */
static bool read_string(struct scan *s, struct key *out) {
        size_t start = ++s->i;
        char *o = NULL;
        size_t n = 0;
        if (out) {
                size_t k = start;
                bool escaped = false;
                while (k < s->len && s->t[k] != '"') {
                        escaped |= s->t[k] == '\\';
                        k += s->t[k] == '\\' ? 2 : 1;
                }
                if (!escaped && k < s->len) { /* the common case: no copy */
                        *out = (struct key){.s = s->t + start, .n = k - start};
                        s->i = k + 1;
                        return true;
                }
                if (!(o = malloc(k - start + 1))) {
                        s->oom = true;
                        return false;
                }
        }
        while (s->i < s->len) {
                char c = s->t[s->i];
                if (c == '"') {
                        s->i++;
                        if (out) {
                                o[n] = '\0';
                                *out = (struct key){.s = o, .n = n, .owned = o};
                        }
                        return true;
                }
                if (c != '\\') {
                        if (o)
                                o[n++] = c;
                        s->i++;
                        continue;
                }
                if (s->i + 1 >= s->len)
                        break;
                char e = s->t[s->i + 1];
                s->i += 2;
                if (e != 'u') {
                        char d = e == 'b'   ? '\b'
                                 : e == 'f' ? '\f'
                                 : e == 'n' ? '\n'
                                 : e == 'r' ? '\r'
                                 : e == 't' ? '\t'
                                            : e;
                        if (o)
                                o[n++] = d;
                        continue;
                }
                uint32_t cp;
                if (!hex4(s->t + s->i, s->len - s->i, &cp))
                        break;
                s->i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && s->i + 6 <= s->len && s->t[s->i] == '\\' && s->t[s->i + 1] == 'u') {
                        uint32_t lo;
                        if (hex4(s->t + s->i + 2, s->len - s->i - 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                s->i += 6;
                        }
                }
                if (o)
                        n += put_utf8(o + n, cp); /* from 6 or 12 escape bytes: at most 4 */
        }
        free(o);
        return false;
}

static int key_cmp(const void *a, const void *b) {
        const struct key *x = a, *y = b;
        size_t n = x->n < y->n ? x->n : y->n;
        int c = memcmp(x->s, y->s, n);
        return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The path of the levels above the innermost one, as the other errors
 * write it (`message.to`, `triggers[2]`). */
static void path_of(const struct scan *s, const char *root, char *b, size_t cap) {
        size_t o = (size_t) snprintf(b, cap, "%s", root);
        for (size_t d = 0; d + 1 < s->depth && o < cap; d++) {
                const struct level *l = &s->stack[d];
                if (l->object && l->has_last)
                        o += (size_t) snprintf(b + o, cap - o, "%s%.*s", o ? "." : "", (int) l->keys[l->n_keys - 1].n,
                                               l->keys[l->n_keys - 1].s);
                else if (!l->object)
                        o += (size_t) snprintf(b + o, cap - o, "[%zu]", l->index);
        }
        if (!b[0])
                snprintf(b, cap, "(top level)");
}

static void level_free(struct level *l) {
        for (size_t k = 0; k < l->n_keys; k++)
                free(l->keys[k].owned);
        free(l->keys);
        memset(l, 0, sizeof *l);
}

/* A key of the innermost object: kept for the check when it closes. */
static bool add_key(struct scan *s, struct level *top) {
        if (top->n_keys == top->cap_keys) {
                size_t cap = top->cap_keys ? top->cap_keys * 2 : 8;
                struct key *g = realloc(top->keys, cap * sizeof *g);
                if (!g) {
                        s->oom = true;
                        return false;
                }
                top->keys = g;
                top->cap_keys = cap;
        }
        if (!read_string(s, &top->keys[top->n_keys]))
                return false;
        top->n_keys++;
        top->want_key = false;
        top->has_last = true;
        return true;
}

/* The innermost object closes: two equal keys are the error. */
static sg_err check_closing(struct scan *s, struct level *top, sg_err code, const char *root, sg_error *err) {
        if (top->n_keys < 2)
                return SG_OK;
        qsort(top->keys, top->n_keys, sizeof *top->keys, key_cmp);
        for (size_t j = 1; j < top->n_keys; j++)
                if (key_cmp(&top->keys[j - 1], &top->keys[j]) == 0) {
                        char path[320];
                        path_of(s, root, path, sizeof path);
                        int n = top->keys[j].n > 80 ? 80 : (int) top->keys[j].n;
                        return sg_error_set(err, code, "%s: duplicate key \"%.*s\"", path, n, top->keys[j].s);
                }
        return SG_OK;
}

sg_err sg_json_check_unique_keys(const char *text, size_t len, sg_err code, const char *root, sg_error *err) {
        if (!text)
                return sg_error_set(err, SG_ERR_INVALID_ARGUMENT, "sg_json_check_unique_keys: NULL text");
        /* Not calloc: the stack is large and each level is set as it is
         * pushed; only the scan's own fields need a start value. */
        struct scan *s = malloc(sizeof *s);
        if (!s)
                return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        s->t = text;
        s->len = len;
        s->i = 0;
        s->depth = 0;
        s->oom = false;
        sg_err r = SG_OK;
        for (;;) {
                skip_space(s);
                if (s->i >= s->len)
                        break;
                char c = s->t[s->i];
                struct level *top = s->depth ? &s->stack[s->depth - 1] : NULL;
                if (c == '{' || c == '[') {
                        if (s->depth == SG_JSON_UNIQUE_DEPTH_MAX) {
                                r = sg_error_set(err, SG_ERR_LIMIT, "JSON nested deeper than %d levels",
                                                 SG_JSON_UNIQUE_DEPTH_MAX);
                                goto out;
                        }
                        s->stack[s->depth++] = (struct level){.object = c == '{', .want_key = c == '{'};
                        s->i++;
                } else if (c == '}' || c == ']') {
                        if (!top || top->object != (c == '}'))
                                goto broken;
                        if (top->object && (r = check_closing(s, top, code, root ? root : "", err)))
                                goto out;
                        level_free(top);
                        s->depth--;
                        s->i++;
                } else if (c == ',') {
                        if (top && !top->object)
                                top->index++;
                        if (top && top->object)
                                top->want_key = true;
                        s->i++;
                } else if (c == ':') {
                        s->i++;
                } else if (c == '"') {
                        if (top && top->object && top->want_key ? !add_key(s, top) : !read_string(s, NULL))
                                goto broken;
                } else {
                        /* a number, true, false or null (a NUL byte is none) */
                        size_t from = s->i;
                        while (s->i < s->len && s->t[s->i] && !strchr(",:]} \t\r\n/", s->t[s->i]))
                                s->i++;
                        if (s->i == from)
                                goto broken;
                }
        }
        if (s->depth)
                goto broken;
        goto out;
broken:
        r = s->oom ? sg_error_set(err, SG_ERR_NOMEM, "out of memory")
                   : sg_error_set(err, SG_ERR_JSON, "JSON text the duplicate-key check cannot follow (offset %zu)",
                                  s->i);
out:
        for (size_t d = 0; d < s->depth; d++)
                level_free(&s->stack[d]);
        free(s);
        return r;
}
