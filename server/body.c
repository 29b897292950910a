/*
 * body.c - see body.h. A recursive-descent parser bounded by
 * BODY_MAX_DEPTH, so the C stack is bounded too.
 *
 * SPDX-License-Identifier: MIT
 */
#include "body.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "render.h"

struct parser {
    const char *p;
    const char *start;
    const char *end;
    struct buf str; /* scratch for decoded strings */
    const char *why; /* the first problem, static text */
    const char *at;  /* where it is */
    char dup[96];    /* "duplicate key ..." */
};

/* Records the first problem; returns -1 for the caller to pass up. */
static int
fail_at(struct parser *ps, const char *at, const char *why)
{
    if (ps->why == NULL) {
        ps->why = why;
        ps->at = at;
    }
    return -1;
}

static int parse_value(struct parser *ps, int depth, json_object **out);

static void
skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
                               *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int
hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void
add_utf8(struct buf *b, uint32_t cp)
{
    char u[4];

    if (cp < 0x80) {
        buf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        buf_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        buf_add(b, u, 3);
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        buf_add(b, u, 4);
    }
}

/* Parses a string at ps->p ('"') into ps->str. 0 or -1. */
static int
parse_string(struct parser *ps)
{
    const char *run;

    buf_reset(&ps->str);
    ps->p++;
    run = ps->p;
    while (ps->p < ps->end) {
        unsigned char c = (unsigned char)*ps->p;
        uint32_t cp, lo;

        if (c == '"') {
            if (!render_utf8_valid(run, (size_t)(ps->p - run)))
                return fail_at(ps, run, "invalid UTF-8 in a string");
            buf_add(&ps->str, run, (size_t)(ps->p - run));
            ps->p++;
            return buf_failed(&ps->str) ? -1 : 0;
        }
        if (c < 0x20)
            return fail_at(ps, ps->p, "control character in a string");
        if (c != '\\') {
            ps->p++;
            continue;
        }
        if (!render_utf8_valid(run, (size_t)(ps->p - run)))
            return fail_at(ps, run, "invalid UTF-8 in a string");
        buf_add(&ps->str, run, (size_t)(ps->p - run));
        if (ps->end - ps->p < 2)
            return fail_at(ps, ps->p, "unterminated string");
        switch (ps->p[1]) {
        case '"':
        case '\\':
        case '/':
            buf_addc(&ps->str, ps->p[1]);
            break;
        case 'b':
            buf_addc(&ps->str, '\b');
            break;
        case 'f':
            buf_addc(&ps->str, '\f');
            break;
        case 'n':
            buf_addc(&ps->str, '\n');
            break;
        case 'r':
            buf_addc(&ps->str, '\r');
            break;
        case 't':
            buf_addc(&ps->str, '\t');
            break;
        case 'u':
            if (ps->end - ps->p < 6 || hex4(ps->p + 2, &cp) < 0)
                return fail_at(ps, ps->p, "invalid \\u escape");
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail_at(ps, ps->p, "lone surrogate in a \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (ps->end - ps->p < 12 || ps->p[6] != '\\' ||
                    ps->p[7] != 'u' || hex4(ps->p + 8, &lo) < 0 ||
                    lo < 0xdc00 || lo > 0xdfff)
                    return fail_at(ps, ps->p,
                                   "lone surrogate in a \\u escape");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                ps->p += 6;
            }
            add_utf8(&ps->str, cp);
            ps->p += 4;
            break;
        default:
            return fail_at(ps, ps->p, "invalid escape in a string");
        }
        ps->p += 2;
        run = ps->p;
    }
    return fail_at(ps, ps->p, "unterminated string");
}

static int
parse_number(struct parser *ps, json_object **out)
{
    const char *s = ps->p, *q = ps->p;
    bool is_int = true;
    char text[BODY_MAX_NUMBER];
    size_t n;

    if (q < ps->end && *q == '-')
        q++;
    if (q >= ps->end)
        return fail_at(ps, s, "invalid number");
    if (*q == '0') {
        q++;
    } else if (*q >= '1' && *q <= '9') {
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    } else {
        return fail_at(ps, s, q == s ? "unexpected character"
                                     : "invalid number");
    }
    if (q < ps->end && *q == '.') {
        is_int = false;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return fail_at(ps, s, "invalid number");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_int = false;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return fail_at(ps, s, "invalid number");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    n = (size_t)(q - s);
    if (n >= sizeof(text))
        return fail_at(ps, s, "number too long");
    memcpy(text, s, n);
    text[n] = '\0';
    ps->p = q;
    if (is_int) {
        long long v;
        char *e;
        errno = 0;
        v = strtoll(text, &e, 10);
        if (errno == 0 && *e == '\0' && strcmp(text, "-0") != 0) {
            *out = json_object_new_int64(v);
            return *out ? 0 : -1;
        }
    }
    /* Kept as written when serialised. */
    *out = json_object_new_double_s(strtod(text, NULL), text);
    return *out ? 0 : -1;
}

static int
parse_object(struct parser *ps, int depth, json_object **out)
{
    json_object *o = json_object_new_object();

    if (o == NULL)
        return -1;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        *out = o;
        return 0;
    }
    for (;;) {
        json_object *v = NULL;
        char *key;

        const char *kat;

        skip_ws(ps);
        kat = ps->p;
        if (ps->p >= ps->end || *ps->p != '"') {
            fail_at(ps, ps->p, ps->p >= ps->end ? "unexpected end of data"
                                                : "expected a key string");
            goto fail;
        }
        if (parse_string(ps) < 0)
            goto fail;
        if (memchr(ps->str.data ? ps->str.data : "", '\0', ps->str.len)) {
            fail_at(ps, kat, "NUL (\\u0000) in an object key");
            goto fail;
        }
        if (json_object_object_get_ex(o, ps->str.data ? ps->str.data : "",
                                      NULL)) {
            struct buf q = BUF_INIT;
            render_json_string(&q, ps->str.data, ps->str.len > 60 ? 60
                                                                  : ps->str.len);
            snprintf(ps->dup, sizeof(ps->dup), "duplicate key %s",
                     buf_failed(&q) ? "?" : q.data);
            buf_release(&q);
            fail_at(ps, kat, ps->dup);
            goto fail;
        }
        key = strdup(ps->str.data ? ps->str.data : "");
        if (key == NULL)
            goto fail;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            fail_at(ps, ps->p, "expected ':'");
            free(key);
            goto fail;
        }
        ps->p++;
        if (parse_value(ps, depth, &v) < 0) {
            free(key);
            goto fail;
        }
        if (json_object_object_add(o, key, v) != 0) {
            json_object_put(v);
            free(key);
            goto fail;
        }
        free(key);
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            *out = o;
            return 0;
        }
        fail_at(ps, ps->p, ps->p >= ps->end ? "unexpected end of data"
                                            : "expected ',' or '}'");
        goto fail;
    }
fail:
    json_object_put(o);
    return -1;
}

static int
parse_array(struct parser *ps, int depth, json_object **out)
{
    json_object *a = json_object_new_array();

    if (a == NULL)
        return -1;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        *out = a;
        return 0;
    }
    for (;;) {
        json_object *v = NULL;

        if (parse_value(ps, depth, &v) < 0)
            goto fail;
        if (json_object_array_add(a, v) != 0) {
            json_object_put(v);
            goto fail;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            *out = a;
            return 0;
        }
        fail_at(ps, ps->p, ps->p >= ps->end ? "unexpected end of data"
                                            : "expected ',' or ']'");
        goto fail;
    }
fail:
    json_object_put(a);
    return -1;
}

static bool
literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static int
parse_value(struct parser *ps, int depth, json_object **out)
{
    *out = NULL;
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail_at(ps, ps->p, "unexpected end of data");
    switch (*ps->p) {
    case '{':
        return depth >= BODY_MAX_DEPTH
                   ? fail_at(ps, ps->p, "nested too deeply")
                   : parse_object(ps, depth + 1, out);
    case '[':
        return depth >= BODY_MAX_DEPTH
                   ? fail_at(ps, ps->p, "nested too deeply")
                   : parse_array(ps, depth + 1, out);
    case '"':
        if (parse_string(ps) < 0)
            return -1;
        *out = json_object_new_string_len(ps->str.data ? ps->str.data : "",
                                          (int)ps->str.len);
        return *out ? 0 : -1;
    case 't':
        if (!literal(ps, "true"))
            return fail_at(ps, ps->p, "unexpected character");
        *out = json_object_new_boolean(1);
        return *out ? 0 : -1;
    case 'f':
        if (!literal(ps, "false"))
            return fail_at(ps, ps->p, "unexpected character");
        *out = json_object_new_boolean(0);
        return *out ? 0 : -1;
    case 'n':
        return literal(ps, "null") ? 0
                                   : fail_at(ps, ps->p, "unexpected character");
    default:
        return parse_number(ps, out);
    }
}

int
body_parse_ex(const char *data, size_t len, json_object **out,
              struct body_error *err)
{
    struct parser ps;
    int rc;

    *out = NULL;
    ps.p = data;
    ps.start = data;
    ps.end = data + len;
    ps.why = NULL;
    ps.at = data;
    buf_init(&ps.str);
    rc = parse_value(&ps, 0, out);
    if (rc == 0) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            rc = fail_at(&ps, ps.p, "unexpected data after the value");
    }
    buf_release(&ps.str);
    if (rc < 0) {
        json_object_put(*out);
        *out = NULL;
        if (err) {
            err->offset = (size_t)(ps.at - data);
            snprintf(err->why, sizeof(err->why), "%s",
                     ps.why ? ps.why : "out of memory");
        }
    }
    return rc;
}

int
body_parse(const char *data, size_t len, json_object **out)
{
    return body_parse_ex(data, len, out, NULL);
}
