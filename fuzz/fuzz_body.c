/*
 * fuzz_body.c - the strict JSON parser of request bodies (body_parse) on
 * arbitrary bytes (an exact-size copy, no NUL after it).
 *
 * Checked against json-c's own tokener (strict, UTF-8 validating, the same
 * depth limit) and against itself:
 * - what body_parse accepts, json-c accepts as one whole document, and the
 *   two trees are equal: same kinds, keys in the same order, same string
 *   bytes, numbers serialised alike (but json-c saturates integers beyond
 *   64 bits, which body_parse keeps as written: then body_parse's number
 *   must be that out-of-range integer, as written; body_parse keeps -0,
 *   json-c makes it 0; and json-c decodes some escaped surrogate pairs as
 *   U+FFFD: see same_bytes);
 * - the serialisation of an accepted value is valid UTF-8 and parses again
 *   to the same serialisation;
 * - the accepted value with one of its objects' first member repeated at
 *   the end of that object (a duplicate key) is refused, though json-c
 *   takes it;
 * - what json-c accepts and body_parse refuses breaks one of body_parse's
 *   stricter rules: json-c's serialisation of it, unless that is invalid
 *   UTF-8 or holds a number RFC 8259 does not allow, is accepted by
 *   body_parse.
 * A failed parse leaves *out NULL.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "body.h"
#include "buf.h"
#include "fuzz_common.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* body.c copies a number's text to a 128-byte buffer (see the README). */
#define BODY_MAX_NUMBER 127

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/*
 * json-c on s[0..n) (s[n] must be NUL: it ends a top-level number), with
 * at most depth levels. The value, or NULL with *ok false when json-c
 * refuses it or stops before the end (only whitespace may follow).
 *
 * json-c counts a scalar inside the innermost container as a level, so
 * the BODY_MAX_DEPTH containers body_parse allows can need one more: the
 * acceptance checks give json-c BODY_MAX_DEPTH + 1, the completeness check
 * BODY_MAX_DEPTH (all of which body_parse must take).
 */
static json_object *
jsonc_parse(const char *s, size_t n, int depth, bool *ok)
{
    json_tokener *tok = json_tokener_new_ex(depth);
    json_object *o;
    size_t end;

    FUZZ_CHECK(tok != NULL && s[n] == '\0');
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, s, (int)n + 1);
    *ok = json_tokener_get_error(tok) == json_tokener_success;
    if (*ok) {
        for (end = json_tokener_get_parse_end(tok); end < n; end++)
            if (!strchr(" \t\r\n", s[end]) || s[end] == '\0')
                *ok = false;
    }
    json_tokener_free(tok);
    if (!*ok) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

static const char *
ser(json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_FLAGS);
}

/* '-'? digits only, no leading zero: an integer literal. */
static bool
is_int_literal(const char *s)
{
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1]))
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    return *s == '\0';
}

/* An integer literal past int64 (negative) or uint64 (positive). */
static bool
beyond_64_bits(const char *s)
{
    errno = 0;
    if (*s == '-')
        (void)strtoll(s, NULL, 10);
    else
        (void)strtoull(s, NULL, 10);
    return errno == ERANGE;
}

/* The numbers body and json-c made of one token agree. */
static bool
same_number(json_object *b, json_object *j)
{
    char sb[256];
    const char *sj;

    snprintf(sb, sizeof(sb), "%s", ser(b));
    sj = ser(j);
    if (strcmp(sb, sj) == 0)
        return true;
    /* body keeps -0 as written; json-c makes it the integer 0. */
    if (strcmp(sb, "-0") == 0 && strcmp(sj, "0") == 0)
        return true;
    /* json-c saturates integers it cannot hold; body keeps them. */
    return json_object_is_type(b, json_type_double) &&
           json_object_is_type(j, json_type_int) && is_int_literal(sb) &&
           beyond_64_bits(sb) &&
           strcmp(sj, sb[0] == '-' ? "-9223372036854775808"
                                   : "18446744073709551615") == 0;
}

/*
 * The string bytes body and json-c made of one token agree. json-c 0.16
 * turns an escaped surrogate pair whose code point has the bits of a
 * surrogate in its low 16 (cp & 0xF800 == 0xD800: U+1D800-U+1DFFF,
 * U+2D800-..., 32 high surrogates out of 1024) into U+FFFD; body_parse
 * decodes it: there json-c's U+FFFD stands for body_parse's 4 bytes.
 */
static bool
same_bytes(const char *bs, size_t n, const char *js, size_t m)
{
    const unsigned char *p = (const unsigned char *)bs;
    const unsigned char *q = (const unsigned char *)js;
    size_t i = 0, k = 0;

    while (i < n && k < m) {
        if (p[i] == q[k]) {
            i++;
            k++;
            continue;
        }
        if (n - i >= 4 && m - k >= 3 && fuzz_utf8_len(p + i, n - i) == 4 &&
            memcmp(q + k, "\xef\xbf\xbd", 3) == 0) {
            unsigned cp = (unsigned)(p[i] & 0x07) << 18 |
                          (unsigned)(p[i + 1] & 0x3f) << 12 |
                          (unsigned)(p[i + 2] & 0x3f) << 6 |
                          (unsigned)(p[i + 3] & 0x3f);
            if ((cp & 0xf800) == 0xd800) {
                i += 4;
                k += 3;
                continue;
            }
        }
        return false;
    }
    return i == n && k == m;
}

static bool
same_string(json_object *b, json_object *j)
{
    return same_bytes(
        json_object_get_string(b), (size_t)json_object_get_string_len(b),
        json_object_get_string(j), (size_t)json_object_get_string_len(j));
}

static bool
same(json_object *b, json_object *j)
{
    json_type tb = json_object_get_type(b), tj = json_object_get_type(j);

    if (b == NULL || j == NULL)
        return b == j;
    if ((tb == json_type_int || tb == json_type_double) &&
        (tj == json_type_int || tj == json_type_double))
        return same_number(b, j);
    if (tb != tj)
        return false;
    switch (tb) {
    case json_type_boolean:
        return json_object_get_boolean(b) == json_object_get_boolean(j);
    case json_type_string:
        return same_string(b, j);
    case json_type_array: {
        size_t i, n = json_object_array_length(b);
        if (n != json_object_array_length(j))
            return false;
        for (i = 0; i < n; i++)
            if (!same(json_object_array_get_idx(b, i),
                      json_object_array_get_idx(j, i)))
                return false;
        return true;
    }
    case json_type_object: {
        struct json_object_iterator ib, ie, jb, je;
        if (json_object_object_length(b) != json_object_object_length(j))
            return false;
        ib = json_object_iter_begin(b);
        ie = json_object_iter_end(b);
        jb = json_object_iter_begin(j);
        je = json_object_iter_end(j);
        while (!json_object_iter_equal(&ib, &ie)) {
            if (json_object_iter_equal(&jb, &je) ||
                !same_bytes(json_object_iter_peek_name(&ib),
                            strlen(json_object_iter_peek_name(&ib)),
                            json_object_iter_peek_name(&jb),
                            strlen(json_object_iter_peek_name(&jb))) ||
                !same(json_object_iter_peek_value(&ib),
                      json_object_iter_peek_value(&jb)))
                return false;
            json_object_iter_next(&ib);
            json_object_iter_next(&jb);
        }
        return json_object_iter_equal(&jb, &je);
    }
    default:
        return false;
    }
}

/* Number of non-empty objects in v. */
static size_t
count_objects(json_object *v)
{
    size_t n = 0, i;

    if (json_object_is_type(v, json_type_array)) {
        for (i = 0; i < json_object_array_length(v); i++)
            n += count_objects(json_object_array_get_idx(v, i));
    } else if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, val)
        {
            (void)key;
            n += count_objects(val);
        }
        n += json_object_object_length(v) > 0;
    }
    return n;
}

static void
emit_key(struct buf *b, const char *key)
{
    json_object *s = json_object_new_string(key);

    FUZZ_CHECK(s != NULL);
    buf_adds(b, ser(s));
    buf_addc(b, ':');
    json_object_put(s);
}

/* Which object gets the duplicate (pre-order, non-empty ones counted). */
struct dup_ctx {
    size_t target; /* SIZE_MAX: none */
    size_t seen;
    bool done;
};

/*
 * Writes v as JSON, repeating the first member of non-empty object number
 * d->target at its end.
 */
static void
emit_dup(struct buf *b, json_object *v, struct dup_ctx *d)
{
    size_t i;

    if (json_object_is_type(v, json_type_array)) {
        buf_addc(b, '[');
        for (i = 0; i < json_object_array_length(v); i++) {
            if (i)
                buf_addc(b, ',');
            emit_dup(b, json_object_array_get_idx(v, i), d);
        }
        buf_addc(b, ']');
    } else if (json_object_is_type(v, json_type_object)) {
        bool first = true, mine = false;
        const char *k0 = NULL;
        json_object *v0 = NULL;

        buf_addc(b, '{');
        if (json_object_object_length(v) > 0)
            mine = d->seen++ == d->target;
        json_object_object_foreach(v, key, val)
        {
            if (first) {
                k0 = key;
                v0 = val;
            } else {
                buf_addc(b, ',');
            }
            first = false;
            emit_key(b, key);
            emit_dup(b, val, d);
        }
        if (mine) {
            struct dup_ctx none = {SIZE_MAX, 0, false};
            buf_addc(b, ',');
            emit_key(b, k0);
            emit_dup(b, v0, &none);
            d->done = true;
        }
        buf_addc(b, '}');
    } else {
        buf_adds(b, v ? ser(v) : "null");
    }
}

/* RFC 8259 number grammar, and short enough for body_parse. */
static bool
rfc_number(const char *s)
{
    const char *p = s;

    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0' && (size_t)(p - s) <= BODY_MAX_NUMBER;
}

/* Every number of v is one body_parse takes. */
static bool
numbers_ok(json_object *v)
{
    size_t i;

    switch (json_object_get_type(v)) {
    case json_type_double:
        return rfc_number(ser(v));
    case json_type_array:
        for (i = 0; i < json_object_array_length(v); i++)
            if (!numbers_ok(json_object_array_get_idx(v, i)))
                return false;
        return true;
    case json_type_object: {
        json_object_object_foreach(v, key, val)
        {
            (void)key;
            if (!numbers_ok(val))
                return false;
        }
        return true;
    }
    default:
        return true;
    }
}

/* body_parse of a NUL-terminated string; *out as body_parse sets it. */
static int
body_parse_exact(const char *s, size_t n, json_object **out)
{
    char *copy = fuzz_copy((const uint8_t *)s, n, 0);
    int rc = body_parse(copy, n, out);

    free(copy);
    return rc;
}

static void
check_accepted(json_object *v, const char *input, size_t size)
{
    json_object *ref, *again = NULL;
    bool ok;
    char *s1;
    size_t n1, objects;

    /* json-c takes the same text to the same tree. */
    ref = jsonc_parse(input, size, BODY_MAX_DEPTH + 1, &ok);
    if (!ok)
        fprintf(stderr, "body_parse took what json-c refuses\n");
    FUZZ_CHECK(ok);
    FUZZ_CHECK(same(v, ref));
    json_object_put(ref);

    /* The serialisation is valid UTF-8 and reads back the same. */
    s1 = strdup(v ? ser(v) : "null");
    FUZZ_CHECK(s1 != NULL);
    n1 = strlen(s1);
    FUZZ_CHECK(fuzz_utf8_valid(s1, n1));
    FUZZ_CHECK(body_parse_exact(s1, n1, &again) == 0);
    FUZZ_CHECK(strcmp(again ? ser(again) : "null", s1) == 0);
    json_object_put(again);

    /* A duplicate key in any one object is refused. */
    objects = count_objects(v);
    if (objects > 0) {
        struct buf dup = BUF_INIT;
        struct dup_ctx dc = {0, 0, false};
        json_object *d = (json_object *)&dup;

        dc.target = size % objects;
        emit_dup(&dup, v, &dc);
        FUZZ_CHECK(!buf_failed(&dup) && dc.done && dc.seen == objects);
        FUZZ_CHECK(body_parse_exact(dup.data, dup.len, &d) == -1);
        FUZZ_CHECK(d == NULL);
        ref = jsonc_parse(dup.data, dup.len, BODY_MAX_DEPTH + 1, &ok);
        FUZZ_CHECK(ok);
        json_object_put(ref);
        buf_release(&dup);
    }
    free(s1);
}

/* json-c takes input; body_parse refused it: for a rule of its own. */
static void
check_refused(const char *input, size_t size)
{
    json_object *ref, *v = NULL;
    const char *s2;
    bool ok;

    ref = jsonc_parse(input, size, BODY_MAX_DEPTH, &ok);
    if (!ok)
        return;
    s2 = ref ? ser(ref) : "null";
    if (fuzz_utf8_valid(s2, strlen(s2)) && numbers_ok(ref)) {
        int rc = body_parse_exact(s2, strlen(s2), &v);
        if (rc != 0)
            fprintf(stderr, "body_parse refuses json-c's output: %s\n", s2);
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(same(v, ref));
        json_object_put(v);
    }
    json_object_put(ref);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *exact = fuzz_copy(data, size, 0);
    char *str = fuzz_copy(data, size, 1);
    json_object *v = (json_object *)exact;
    int rc;

    rc = body_parse(exact, size, &v);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc == 0) {
        check_accepted(v, str, size);
    } else {
        FUZZ_CHECK(v == NULL);
        check_refused(str, size);
    }
    json_object_put(v);
    free(exact);
    free(str);
    return 0;
}
