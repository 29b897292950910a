/*
 * test_body.c - unit tests of body.c, the strict JSON parser of request
 * bodies: every value kind, string escapes and surrogate pairs, UTF-8 and
 * control characters, duplicate and NUL keys, the depth limit, numbers
 * (kept as written beyond 64 bits, RFC 8259 forms only), trailing data,
 * and body_parse_ex's reasons and offsets.
 * Every input is parsed from an exact-size heap copy without a NUL, so
 * ASan sees any read past its end.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "buf.h"
#include "unit.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* body_parse on an exact-size copy of s[0..n). */
static int
parse_n(const char *s, size_t n, json_object **out)
{
    char *copy = malloc(n ? n : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, s, n);
    *out = (json_object *)(uintptr_t)1; /* must be overwritten */
    rc = body_parse(copy, n, out);
    free(copy);
    return rc;
}

/* Parses s[0..n), which must be accepted; returns the value (caller puts). */
static json_object *
accept_n(const char *s, size_t n)
{
    json_object *o;

    if (parse_n(s, n, &o) != 0) {
        print_error("refused: %.*s\n", (int)n, s);
        fail();
    }
    return o;
}

/* Parses s[0..n), which must be refused with *out NULL. */
static void
refuse_n(const char *s, size_t n)
{
    json_object *o;

    if (parse_n(s, n, &o) != -1 || o != NULL) {
        print_error("accepted: %.*s\n", (int)n, s);
        json_object_put(o);
        fail();
    }
}

#define ACCEPT(lit) accept_n((lit), sizeof(lit) - 1)
#define REFUSE(lit) refuse_n((lit), sizeof(lit) - 1)

/* Parses lit, checks its plain serialisation is want, puts it. */
static void
same_n(const char *s, size_t n, const char *want)
{
    json_object *o = accept_n(s, n);

    assert_string_equal(json_object_to_json_string_ext(o, JSON_FLAGS), want);
    json_object_put(o);
}

#define SAME(lit, want) same_n((lit), sizeof(lit) - 1, (want))
#define KEPT(lit) same_n((lit), sizeof(lit) - 1, (lit))

/* Parses the string literal (a JSON string) and checks its bytes. */
static void
string_is_n(const char *json, size_t n, const char *want, size_t want_len)
{
    json_object *o = accept_n(json, n);

    assert_true(json_object_is_type(o, json_type_string));
    assert_bytes_equal(json_object_get_string(o),
                       (size_t)json_object_get_string_len(o), want, want_len);
    json_object_put(o);
}

#define STRING_IS(lit, want)                                                   \
    string_is_n((lit), sizeof(lit) - 1, (want), sizeof(want) - 1)

/* ---- value kinds ---- */

static void
test_value_kinds(void **state)
{
    json_object *o, *v;

    (void)state;
    /* null is a value: rc 0 and NULL. */
    assert_int_equal(parse_n("null", 4, &o), 0);
    assert_null(o);
    o = ACCEPT("true");
    assert_true(json_object_is_type(o, json_type_boolean));
    assert_true(json_object_get_boolean(o));
    json_object_put(o);
    o = ACCEPT("false");
    assert_true(json_object_is_type(o, json_type_boolean));
    assert_false(json_object_get_boolean(o));
    json_object_put(o);
    o = ACCEPT("42");
    assert_true(json_object_is_type(o, json_type_int));
    assert_int_equal(json_object_get_int64(o), 42);
    json_object_put(o);
    o = ACCEPT("1.5");
    assert_true(json_object_is_type(o, json_type_double));
    json_object_put(o);
    o = ACCEPT("\"s\"");
    assert_true(json_object_is_type(o, json_type_string));
    assert_string_equal(json_object_get_string(o), "s");
    json_object_put(o);
    o = ACCEPT("[]");
    assert_true(json_object_is_type(o, json_type_array));
    assert_int_equal(json_object_array_length(o), 0);
    json_object_put(o);
    o = ACCEPT("{}");
    assert_true(json_object_is_type(o, json_type_object));
    assert_int_equal(json_object_object_length(o), 0);
    json_object_put(o);
    STRING_IS("\"\"", "");

    /* Nested, with every kind inside, and null members kept. */
    o = ACCEPT("{\"a\":[1,-2,true,false,null,\"x\",{},[],{\"b\":null}],"
               "\"c\":{\"d\":0.5}}");
    assert_true(json_object_object_get_ex(o, "a", &v));
    assert_int_equal(json_object_array_length(v), 9);
    assert_null(json_object_array_get_idx(v, 4));
    assert_string_equal(json_object_to_json_string_ext(o, JSON_FLAGS),
                        "{\"a\":[1,-2,true,false,null,\"x\",{},[],"
                        "{\"b\":null}],\"c\":{\"d\":0.5}}");
    v = json_object_array_get_idx(v, 8);
    assert_true(json_object_object_get_ex(v, "b", NULL));
    json_object_put(o);

    /* The four whitespace characters, anywhere between tokens. */
    SAME(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , 2 ] \t\r\n, \"b\":true}"
         " \t\r\n",
         "{\"a\":[1,2],\"b\":true}");
    /* Key order is kept. */
    SAME("{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}");
}

/* A failed parse leaves *out NULL, and frees what it had built. */
static void
test_failure_out_null(void **state)
{
    (void)state;
    REFUSE("");
    REFUSE("{\"a\":[1,2,{\"b\":\"c\"}],\"d\":");
    REFUSE("[1,2,3,{\"a\":[true]},x]");
    REFUSE("{\"a\":{\"b\":{\"c\":1}},\"a\":2}");
}

/* ---- strings ---- */

static void
test_string_escapes(void **state)
{
    (void)state;
    STRING_IS("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t");
    STRING_IS("\"a\\nb\"", "a\nb");
    STRING_IS("\"\\u0041\\u0062\"", "Ab");
    STRING_IS("\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9");
    STRING_IS("\"\\u20ac\"", "\xe2\x82\xac");
    STRING_IS("\"\\u07ff\\u0800\"", "\xdf\xbf\xe0\xa0\x80");
    STRING_IS("\"\\uffff\\uFFFD\"", "\xef\xbf\xbf\xef\xbf\xbd");
    STRING_IS("\"\\u001f\\u007f\"", "\x1f\x7f");
    /* Escapes next to raw UTF-8. */
    STRING_IS("\"\xc3\xa9\\n\xe2\x82\xac\"", "\xc3\xa9\n\xe2\x82\xac");
    /* '/' may be escaped or not. */
    STRING_IS("\"a/b\\/c\"", "a/b/c");

    REFUSE("\"\\x41\"");
    REFUSE("\"\\U0041\"");
    REFUSE("\"\\'\"");
    REFUSE("\"\\a\"");
    REFUSE("\"\\0\"");
    REFUSE("\"\\ \"");
    REFUSE("\"\\u12\"");
    REFUSE("\"\\u123\"");
    REFUSE("\"\\u12G4\"");
    REFUSE("\"\\u-123\"");
    REFUSE("\"\\u 123\"");
    /* Cut inside an escape or before the closing quote. */
    REFUSE("\"\\");
    REFUSE("\"\\u");
    REFUSE("\"\\u004");
    REFUSE("\"\\u0041");
    REFUSE("\"abc");
    REFUSE("\"");
    REFUSE("\"\\\"");
    /* Single quotes are not strings. */
    REFUSE("'a'");
}

static void
test_surrogate_pairs(void **state)
{
    (void)state;
    STRING_IS("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
    STRING_IS("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80");
    STRING_IS("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80"); /* U+10000 */
    STRING_IS("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    STRING_IS("\"x\\ud83d\\ude00y\"", "x\xf0\x9f\x98\x80y");
    /*
     * Code points whose low 16 bits look like a surrogate (U+1D800 and the
     * like): json-c 0.16 decodes these pairs as U+FFFD (found by fuzz_body
     * against it); body_parse gets them right.
     */
    STRING_IS("\"\\ud836\\udc00\"", "\xf0\x9d\xa0\x80"); /* U+1D800 */
    STRING_IS("\"\\ud836\\udfff\"", "\xf0\x9d\xaf\xbf"); /* U+1DBFF */
    STRING_IS("\"\\ud87f\\udfff\"", "\xf0\xaf\xbf\xbf"); /* U+2FFFF */
    /* Every high surrogate, with the lowest and highest low one. */
    {
        unsigned hi, l;
        for (hi = 0xd800; hi <= 0xdbff; hi++)
            for (l = 0; l < 2; l++) {
                unsigned lo = l ? 0xdfff : 0xdc00;
                uint32_t cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                char json[32], want[4];
                json_object *o;
                snprintf(json, sizeof(json), "\"\\u%04x\\u%04X\"", hi, lo);
                want[0] = (char)(0xf0 | cp >> 18);
                want[1] = (char)(0x80 | (cp >> 12 & 0x3f));
                want[2] = (char)(0x80 | (cp >> 6 & 0x3f));
                want[3] = (char)(0x80 | (cp & 0x3f));
                o = accept_n(json, strlen(json));
                assert_bytes_equal(json_object_get_string(o),
                                   (size_t)json_object_get_string_len(o), want,
                                   4);
                json_object_put(o);
            }
    }
    /* Lone or misordered surrogates. */
    REFUSE("\"\\ud800\"");
    REFUSE("\"\\udbff\"");
    REFUSE("\"\\udc00\"");
    REFUSE("\"\\udfff\"");
    REFUSE("\"\\ud800x\"");
    REFUSE("\"\\ud800\\u0041\"");
    REFUSE("\"\\ud800\\ud800\"");
    REFUSE("\"\\ude00\\ud83d\"");
    REFUSE("\"\\ud800\\n\"");
    REFUSE("\"\\ud800\\\"");
    REFUSE("\"\\ud83d\\ude0\"");
    REFUSE("\"\\ud83d\\uZe00\"");
    REFUSE("\"\\ud83d\\");
    REFUSE("\"\\ud83d\\u");
    REFUSE("\"\\ud83d\\ude00");
    /* Raw surrogate bytes are invalid UTF-8 (below). */
}

static void
test_utf8(void **state)
{
    static const char *const bad[] = {
        "\xc0\xaf",
        "\xc1\xbf", /* overlong, 2 bytes */
        "\xe0\x80\xaf",
        "\xe0\x9f\xbf", /* overlong, 3 bytes */
        "\xf0\x80\x80\xaf",
        "\xf0\x8f\xbf\xbf", /* overlong, 4 bytes */
        "\xed\xa0\x80",
        "\xed\xbf\xbf",     /* surrogates U+D800, DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80",
        "\xf7\xbf\xbf\xbf",
        "\xf8\x88\x80\x80\x80",
        "\xfe",
        "\xff",
        "\x80",
        "\xbf", /* lone continuation */
        "\xc3",
        "\xe2\x82", /* truncated */
        "\xf0\x9f\x98",
        "\xc3x",
        "\xe2x\xac",
        "\xf0\x9f\x98x",
    };
    struct buf b = BUF_INIT;
    size_t i;

    (void)state;
    STRING_IS("\"\xc2\x80\xdf\xbf\"", "\xc2\x80\xdf\xbf");
    STRING_IS("\"\xe0\xa0\x80\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"",
              "\xe0\xa0\x80\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80");
    STRING_IS("\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
              "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
    STRING_IS("\"\x7f\"", "\x7f");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* In a value, a key, before and after an escape. */
        static const char *const forms[][2] = {
            {"\"", "\""},     {"{\"", "\":1}"},      {"\"a\\n", "\""},
            {"\"", "\\nb\""}, {"[\"ok\",\"", "\"]"}, {"{\"k\":\"", "\"}"},
        };
        size_t f;
        for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
            buf_reset(&b);
            buf_adds(&b, forms[f][0]);
            buf_adds(&b, bad[i]);
            buf_adds(&b, forms[f][1]);
            refuse_n(b.data, b.len);
        }
        /* And outside any string. */
        refuse_n(bad[i], strlen(bad[i]));
    }
    buf_release(&b);
}

static void
test_control_characters(void **state)
{
    struct buf b = BUF_INIT;
    char esc[16];
    int c;

    (void)state;
    for (c = 0; c < 0x20; c++) {
        char raw[3] = {'"', (char)c, '"'};
        json_object *o;

        refuse_n(raw, 3);
        /* In a key, and after other characters. */
        buf_reset(&b);
        buf_adds(&b, "{\"ab");
        buf_addc(&b, (char)c);
        buf_adds(&b, "\":1}");
        refuse_n(b.data, b.len);
        /* Escaped, it is fine. */
        snprintf(esc, sizeof(esc), "\"\\u%04x\"", (unsigned)c);
        o = accept_n(esc, strlen(esc));
        assert_int_equal(json_object_get_string_len(o), 1);
        assert_int_equal(json_object_get_string(o)[0], (char)c);
        json_object_put(o);
    }
    buf_release(&b);
}

/* ---- keys ---- */

static void
test_duplicate_keys(void **state)
{
    json_object *o;

    (void)state;
    REFUSE("{\"a\":1,\"a\":2}");
    REFUSE("{\"a\":1,\"a\":1}");
    REFUSE("{\"a\":null,\"a\":1}");
    REFUSE("{\"a\":1,\"b\":2,\"a\":3}");
    REFUSE("{\"\":1,\"\":2}");
    /* The same key written two ways. */
    REFUSE("{\"a\":1,\"\\u0061\":2}");
    REFUSE("{\"\xc3\xa9\":1,\"\\u00e9\":2}");
    REFUSE("{\"/\":1,\"\\/\":2}");
    /* Nested, at any depth, in arrays. */
    REFUSE("{\"x\":{\"a\":1,\"a\":2}}");
    REFUSE("{\"x\":{\"y\":{\"z\":{\"a\":[],\"a\":{}}}}}");
    REFUSE("[{\"a\":1,\"a\":1}]");
    REFUSE("[1,[2,[{\"k\":true,\"k\":false}]]]");
    REFUSE("{\"customer_ai\":{\"perception_engine_enabled\":true,"
           "\"perception_engine_enabled\":false},\"name\":\"n\"}");
    /* Keys repeated in different objects, or differing in case: fine. */
    o = ACCEPT("[{\"a\":1},{\"a\":1}]");
    json_object_put(o);
    SAME("{\"a\":{\"a\":{\"a\":1}}}", "{\"a\":{\"a\":{\"a\":1}}}");
    SAME("{\"a\":1,\"A\":2,\"a \":3,\" a\":4}",
         "{\"a\":1,\"A\":2,\"a \":3,\" a\":4}");
    SAME("{\"\\u00e9\":1,\"e\\u0301\":2}", "{\"\xc3\xa9\":1,\"e\xcc\x81\":2}");
}

static void
test_nul(void **state)
{
    json_object *o, *v;

    (void)state;
    /* In a key: refused (json-c keys are C strings). */
    REFUSE("{\"\\u0000\":1}");
    REFUSE("{\"a\\u0000\":1}");
    REFUSE("{\"a\\u0000b\":1}");
    REFUSE("{\"x\":{\"a\\u0000\":1}}");
    REFUSE("[{\"\\u0000\":null}]");
    /* "a" and "a\0" are not duplicates: refused for the NUL anyway. */
    REFUSE("{\"a\":1,\"a\\u0000\":2}");
    /* In a value: kept, with its length. */
    STRING_IS("\"\\u0000\"", "\0");
    STRING_IS("\"a\\u0000b\"", "a\0b");
    STRING_IS("\"\\u0000\\u0000x\\u0000\"", "\0\0x\0");
    o = ACCEPT("{\"k\":\"a\\u0000b\"}");
    assert_true(json_object_object_get_ex(o, "k", &v));
    assert_int_equal(json_object_get_string_len(v), 3);
    assert_memory_equal(json_object_get_string(v), "a\0b", 3);
    assert_string_equal(json_object_to_json_string_ext(o, JSON_FLAGS),
                        "{\"k\":\"a\\u0000b\"}");
    json_object_put(o);
    /* A raw NUL byte is refused everywhere. */
    refuse_n("\"a\0b\"", 5);
    refuse_n("{\"a\0\":1}", 8);
    refuse_n("1\0", 2);
    refuse_n("\0", 1);
    refuse_n("[1,\0 2]", 7);
    refuse_n("{}\0", 3);
}

/* ---- depth ---- */

/* n nested arrays (or objects {"k":...}) around inner. */
static void
nest(struct buf *b, int n, bool objects, const char *inner)
{
    int i;

    buf_reset(b);
    for (i = 0; i < n; i++)
        buf_adds(b, objects ? "{\"k\":" : "[");
    buf_adds(b, inner);
    for (i = 0; i < n; i++)
        buf_addc(b, objects ? '}' : ']');
}

static void
test_depth(void **state)
{
    struct buf b = BUF_INIT;
    json_object *o;
    int i;

    (void)state;
    assert_int_equal(BODY_MAX_DEPTH, 64);
    for (i = 0; i < 2; i++) {
        bool objects = i == 1;
        nest(&b, 64, objects, "1");
        o = accept_n(b.data, b.len);
        assert_string_equal(json_object_to_json_string_ext(o, JSON_FLAGS),
                            b.data);
        json_object_put(o);
        nest(&b, 64, objects, objects ? "{}" : "[]"); /* 65 levels */
        refuse_n(b.data, b.len);
        nest(&b, 65, objects, "1");
        refuse_n(b.data, b.len);
        nest(&b, 63, objects, objects ? "{}" : "[]");
        o = accept_n(b.data, b.len);
        json_object_put(o);
    }
    /* Depth is counted per branch: two siblings 64 deep are fine. */
    {
        struct buf all = BUF_INIT;
        nest(&b, 63, false, "0");
        buf_addc(&all, '[');
        buf_add(&all, b.data, b.len);
        buf_addc(&all, ',');
        buf_add(&all, b.data, b.len);
        buf_addc(&all, ']');
        o = accept_n(all.data, all.len);
        json_object_put(o);
        /* Objects and arrays count alike: 32 + 32 levels. */
        buf_reset(&all);
        for (i = 0; i < 32; i++)
            buf_adds(&all, "{\"k\":");
        nest(&b, 32, false, "null");
        buf_add(&all, b.data, b.len);
        for (i = 0; i < 32; i++)
            buf_addc(&all, '}');
        o = accept_n(all.data, all.len);
        json_object_put(o);
        /* One more level inside refuses the whole. */
        buf_reset(&all);
        for (i = 0; i < 32; i++)
            buf_adds(&all, "{\"k\":");
        nest(&b, 33, false, "null");
        buf_add(&all, b.data, b.len);
        for (i = 0; i < 32; i++)
            buf_addc(&all, '}');
        refuse_n(all.data, all.len);
        buf_release(&all);
    }
    /* Very deep input is refused without exhausting the stack. */
    buf_reset(&b);
    for (i = 0; i < 200000; i++)
        buf_addc(&b, i % 2 ? '[' : '{');
    refuse_n(b.data, b.len);
    buf_reset(&b);
    for (i = 0; i < 200000; i++)
        buf_addc(&b, '[');
    refuse_n(b.data, b.len);
    buf_release(&b);
}

/* ---- numbers ---- */

static void
int_is(const char *lit, int64_t want)
{
    json_object *o = accept_n(lit, strlen(lit));

    assert_true(json_object_is_type(o, json_type_int));
    assert_true(json_object_get_int64(o) == want);
    json_object_put(o);
}

static void
test_numbers_int(void **state)
{
    (void)state;
    int_is("0", 0);
    int_is("7", 7);
    int_is("-7", -7);
    int_is("10", 10);
    int_is("1234567890", 1234567890LL);
    int_is("-1234567890123", -1234567890123LL);
    int_is("9223372036854775807", INT64_MAX);
    int_is("-9223372036854775808", INT64_MIN);
    KEPT("[1,-1,0,9223372036854775807,-9223372036854775808]");
    /* -0 is kept as written (json-c would make it the integer 0). */
    {
        json_object *o = ACCEPT("-0");
        assert_false(json_object_is_type(o, json_type_int));
        assert_string_equal(json_object_to_json_string_ext(o, JSON_FLAGS),
                            "-0");
        json_object_put(o);
    }
    KEPT("[-0,{\"a\":-0}]");
}

static void
test_numbers_beyond_64_bits(void **state)
{
    static const char *const big[] = {
        "9223372036854775808",  /* INT64_MAX + 1 */
        "-9223372036854775809", /* INT64_MIN - 1 */
        "18446744073709551615", /* UINT64_MAX */
        "18446744073709551616",
        "-18446744073709551616",
        "123456789012345678901234567890",
        "100000000000000000000000000000000000000000000000000000000000000",
    };
    struct buf b = BUF_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        json_object *o = accept_n(big[i], strlen(big[i]));
        /* Not an int (it does not fit), and written as it came. */
        assert_false(json_object_is_type(o, json_type_int));
        assert_string_equal(json_object_to_json_string_ext(o, JSON_FLAGS),
                            big[i]);
        json_object_put(o);
        buf_reset(&b);
        buf_addf(&b, "{\"n\":%s,\"a\":[%s]}", big[i], big[i]);
        same_n(b.data, b.len, b.data);
    }
    buf_release(&b);
}

static void
test_numbers_forms(void **state)
{
    static const char *const kept[] = {
        "1.5",
        "-1.5",
        "0.0",
        "-0.0",
        "0.5",
        "1.50",
        "1e5",
        "1E5",
        "1e+5",
        "1e-5",
        "1E+05",
        "0e0",
        "0E-0",
        "-0e0",
        "2.0e10",
        "-1.25e-10",
        "1e400",
        "-1e400",
        "1e-400",
        "123.456e-789",
        "0.1000000000000000055511151231257827021181583404541015625",
    };
    static const char *const bad[] = {
        "01",    "00",   "-01",  "-00",   "+1",       "+0",        ".5",
        "-.5",   "1.",   "-1.",  "1.e5",  "-",        "--1",       "- 1",
        "1e",    "1e+",  "1e-",  "1E",    "e5",       "1.5.",      "1e5.5",
        "1e5e5", "0x10", "0X1",  "1_000", "Infinity", "-Infinity", "NaN",
        "inf",   "nan",  "1.5e", "0.",    "1..5",     "١",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        json_object *o = accept_n(kept[i], strlen(kept[i]));
        assert_true(json_object_is_type(o, json_type_double));
        assert_string_equal(json_object_to_json_string_ext(o, JSON_FLAGS),
                            kept[i]);
        json_object_put(o);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf b = BUF_INIT;
        refuse_n(bad[i], strlen(bad[i]));
        buf_addf(&b, "[%s]", bad[i]);
        refuse_n(b.data, b.len);
        buf_reset(&b);
        buf_addf(&b, "{\"n\":%s}", bad[i]);
        refuse_n(b.data, b.len);
        buf_release(&b);
    }
    /* Values are right too. */
    {
        json_object *o = ACCEPT("-1.25e-1");
        assert_true(json_object_get_double(o) == -0.125);
        json_object_put(o);
    }
}

/* ---- literals, syntax, trailing data ---- */

static void
test_syntax(void **state)
{
    static const char *const bad[] = {
        "tru",        "t",          "nul",
        "fals",       "True",       "NULL",
        "FALSE",      "truex",      "nullnull",
        "[1,]",       "[,1]",       "[,]",
        "[1,,2]",     "[1 2]",      "[",
        "]",          "[1",         "[1,",
        "{",          "}",          "{,}",
        "{\"a\"}",    "{\"a\":}",   "{\"a\" 1}",
        "{\"a\"::1}", "{1:2}",      "{a:1}",
        "{'a':1}",    "{\"a\":1,}", "{\"a\":1",
        "{\"a\":1,",  "{\"a\",1}",  "{\"a\":1;\"b\":2}",
        "[1;2]",      "/* c */1",   "1 // c",
        "#1",         "()",         "<>",
        "{\"a\":1}}", "[[]",        "[]]",
        "\"a\"\"b\"", "undefined",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refuse_n(bad[i], strlen(bad[i]));
}

static void
test_trailing(void **state)
{
    json_object *o;

    (void)state;
    REFUSE("1 2");
    REFUSE("{} {}");
    REFUSE("{}x");
    REFUSE("{},");
    REFUSE("[] []");
    REFUSE("true false");
    REFUSE("\"a\" \"b\"");
    REFUSE("null x");
    REFUSE("0 0");
    REFUSE("{}\xef\xbb\xbf");
    /* A BOM and whitespace JSON does not know are not whitespace. */
    REFUSE("\xef\xbb\xbf{}");
    REFUSE("{}\f");
    REFUSE("\v{}");
    REFUSE("{}\xc2\xa0");
    REFUSE("[1,\f2]");
    /* Empty and blank bodies. */
    REFUSE("");
    REFUSE(" ");
    REFUSE(" \t\r\n");
    /* Leading and trailing JSON whitespace is fine. */
    o = ACCEPT(" \t\r\n{} \t\r\n");
    assert_true(json_object_is_type(o, json_type_object));
    json_object_put(o);
    assert_int_equal(parse_n("  null\n", 7, &o), 0);
    assert_null(o);
    SAME("\n7\n", "7");
    /* Only len bytes are read: a prefix of a longer buffer. */
    {
        static const char s[] = "{\"a\":1} trailing";
        assert_int_equal(body_parse(s, 7, &o), 0);
        assert_non_null(o);
        json_object_put(o);
        assert_int_equal(body_parse(s, sizeof(s) - 1, &o), -1);
        assert_null(o);
    }
}

/* What body_parse writes with json-c parses back to the same text. */
static void
test_round_trip(void **state)
{
    static const char *const docs[] = {
        "{\"name\":\"Night \\\"Loyalty\\\" Helper\",\"owner\":\"a/b\","
        "\"personality_prompt\":\"l1\\nl2\\t\\u0000\\u001f\xf0\x9f\x98\x80\","
        "\"customer_ai\":{\"perception_engine_enabled\":true,"
        "\"personalization_engine_enabled\":false},\"n\":[1,-0.5,1e400,"
        "123456789012345678901234567890,-9223372036854775808],"
        "\"segment_credential\":{\"write_key\":\"\\ud83d\\ude00\"},"
        "\"e\":{},\"z\":[[],[{}]],\"t\":true,\"f\":false,\"x\":null}",
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"\\u007f\\u0080\\u07ff\\uffff\"]",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_object *o = accept_n(docs[i], strlen(docs[i])), *o2;
        const char *s = json_object_to_json_string_ext(o, JSON_FLAGS);
        char *copy = strdup(s);

        assert_non_null(copy);
        o2 = accept_n(copy, strlen(copy));
        assert_string_equal(json_object_to_json_string_ext(o2, JSON_FLAGS),
                            copy);
        json_object_put(o);
        json_object_put(o2);
        free(copy);
    }
}

/* ---- body_parse_ex: why and where ---- */

static void
why_is(const char *s, size_t n, size_t offset, const char *why)
{
    char *copy = malloc(n ? n : 1);
    struct body_error err;
    json_object *o = (json_object *)&err;

    assert_non_null(copy);
    memcpy(copy, s, n);
    memset(&err, 0x55, sizeof(err));
    assert_int_equal(body_parse_ex(copy, n, &o, &err), -1);
    assert_null(o);
    if (err.offset != offset || strcmp(err.why, why) != 0) {
        print_error("%.*s: got %zu \"%s\", want %zu \"%s\"\n", (int)n, s,
                    err.offset, err.why, offset, why);
        free(copy);
        fail();
    }
    free(copy);
}

#define WHY(lit, off, why) why_is((lit), sizeof(lit) - 1, (off), (why))

static void
test_errors(void **state)
{
    struct buf b = BUF_INIT;
    struct body_error err;
    json_object *o;
    int i;

    (void)state;
    WHY("", 0, "unexpected end of data");
    WHY("   ", 3, "unexpected end of data");
    WHY("{\"a\":1,\"a\":2}", 7, "duplicate key \"a\"");
    WHY("{\"x\":{\"k\\n\":1,\"k\\n\":2}}", 14, "duplicate key \"k\\n\"");
    WHY("{\"a\\u0000\":1}", 1, "NUL (\\u0000) in an object key");
    WHY("\"a\x01\"", 2, "control character in a string");
    WHY("\"\\ud800\"", 1, "lone surrogate in a \\u escape");
    WHY("\"\\q\"", 1, "invalid escape in a string");
    WHY("\"\\u12G4\"", 1, "invalid \\u escape");
    WHY("\"abc", 4, "unterminated string");
    WHY("[1,]", 3, "unexpected character");
    WHY("{1:2}", 1, "expected a key string");
    WHY("{\"a\" 1}", 5, "expected ':'");
    WHY("01", 1, "unexpected data after the value");
    WHY("1.", 0, "invalid number");
    WHY("{} x", 3, "unexpected data after the value");
    WHY("[1", 2, "unexpected end of data");
    /* Invalid UTF-8: where the run of plain bytes it is in starts. */
    WHY("[\"ab\xff\"]", 2, "invalid UTF-8 in a string");
    WHY("[\"a\\nb\xc0\xaf\"]", 5, "invalid UTF-8 in a string");
    /* Depth: at the container that is one too many. */
    for (i = 0; i < 65; i++)
        buf_addc(&b, '[');
    why_is(b.data, b.len, 64, "nested too deeply");
    /* A duplicate key is cut in the message, which stays valid UTF-8. */
    buf_reset(&b);
    buf_adds(&b, "{\"");
    for (i = 0; i < 100; i++)
        buf_adds(&b, "\xc3\xa9");
    buf_adds(&b, "\":1,\"");
    for (i = 0; i < 100; i++)
        buf_adds(&b, "\xc3\xa9");
    buf_adds(&b, "\":2}");
    assert_int_equal(body_parse_ex(b.data, b.len, &o, &err), -1);
    assert_int_equal(err.offset, 206);
    assert_int_equal(strncmp(err.why, "duplicate key \"\xc3\xa9", 17), 0);
    assert_true(strlen(err.why) < sizeof(err.why));
    {
        json_object *s = json_object_new_string(err.why);
        char *q;
        assert_non_null(s);
        q = strdup(json_object_to_json_string_ext(s, JSON_FLAGS));
        json_object_put(s);
        o = accept_n(q, strlen(q)); /* valid UTF-8, or refused */
        json_object_put(o);
        free(q);
    }
    /* Success leaves err alone; NULL err is fine. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(body_parse_ex("{}", 2, &o, &err), 0);
    assert_int_equal(err.offset, 0);
    assert_string_equal(err.why, "");
    json_object_put(o);
    assert_int_equal(body_parse_ex("{", 1, &o, NULL), -1);
    assert_null(o);
    buf_release(&b);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_value_kinds),
    cmocka_unit_test(test_failure_out_null),
    cmocka_unit_test(test_string_escapes),
    cmocka_unit_test(test_surrogate_pairs),
    cmocka_unit_test(test_utf8),
    cmocka_unit_test(test_control_characters),
    cmocka_unit_test(test_duplicate_keys),
    cmocka_unit_test(test_nul),
    cmocka_unit_test(test_depth),
    cmocka_unit_test(test_numbers_int),
    cmocka_unit_test(test_numbers_beyond_64_bits),
    cmocka_unit_test(test_numbers_forms),
    cmocka_unit_test(test_syntax),
    cmocka_unit_test(test_trailing),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_errors),
};

UNIT_MAIN(tests)
