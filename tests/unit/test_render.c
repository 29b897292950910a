/*
 * test_render.c - unit tests of render.c: JSON string escaping (control
 * characters, UTF-8 validation) and the pre-rendered assistant item
 * (resource_render with resource_assistant).
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "resource.h"
#include "unit.h"

#define FFFD "\xef\xbf\xbd"

/* Escapes in[0..n) and compares with want (NUL-terminated). */
static void
check_chars(const char *in, size_t n, const char *want)
{
    struct buf b = BUF_INIT;

    render_json_chars(&b, in, n);
    assert_false(buf_failed(&b));
    if (n == 0 && b.data == NULL) {
        assert_string_equal("", want);
        return;
    }
    assert_non_null(b.data);
    assert_bytes_equal(b.data, b.len, want, strlen(want));
    assert_int_equal(b.data[b.len], '\0');
    buf_release(&b);
}

#define CHECK(lit, want) check_chars((lit), sizeof(lit) - 1, (want))

/* True if s[0..n) is one JSON text that json-c accepts strictly. */
static bool
json_valid(const char *s, size_t n)
{
    json_tokener *tok = json_tokener_new();
    json_object *o;
    bool ok;

    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, s, (int)n);
    ok = o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
         json_tokener_get_parse_end(tok) == n;
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

static void
test_plain_ascii(void **state)
{
    char all[95 + 1];
    int i;

    (void)state;
    CHECK("", "");
    CHECK("hello, world", "hello, world");
    CHECK("a/b</script>", "a/b</script>"); /* '/' never escaped */
    CHECK("http://x/v1/Assistants", "http://x/v1/Assistants");
    CHECK("\x7f", "\x7f");
    /* Every printable ASCII character but '"' and '\\' is copied. */
    for (i = 0x20; i < 0x7f; i++)
        all[i - 0x20] = (char)i;
    all[95] = '\0';
    check_chars(all, 95,
                " !\\\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWX"
                "YZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
}

/* render_printable_words: whole words of 0x20..0x7e only. */
static void
test_printable_words(void **state)
{
    char s[40];
    size_t i, at;

    (void)state;
    assert_int_equal(render_printable_words("", 0), 0);
    assert_int_equal(render_printable_words("GET /v1", 7), 0); /* < 8 */
    assert_int_equal(render_printable_words("GET /v1/", 8), 8);
    memset(s, 'a', sizeof(s));
    assert_int_equal(render_printable_words(s, sizeof(s)), 40);
    assert_int_equal(render_printable_words(s, 39), 32);
    /* A byte outside 0x20..0x7e stops the run at its word. */
    {
        static const unsigned char bad[] = {0x00, 0x09, 0x1f, 0x7f,
                                            0x80, 0xc3, 0xff};
        for (i = 0; i < sizeof(bad); i++)
            for (at = 0; at < sizeof(s); at++) {
                memset(s, '~', sizeof(s));
                s[at] = (char)bad[i];
                assert_int_equal(render_printable_words(s, sizeof(s)),
                                 at / 8 * 8);
            }
    }
    /* 0x20 and 0x7e themselves are printable. */
    memset(s, ' ', 16);
    s[3] = '~';
    assert_int_equal(render_printable_words(s, 16), 16);
}

static void
test_quotes_backslashes(void **state)
{
    (void)state;
    CHECK("\"", "\\\"");
    CHECK("\\", "\\\\");
    CHECK("a\"b\\c", "a\\\"b\\\\c");
    CHECK("\\\"\\\"", "\\\\\\\"\\\\\\\"");
    CHECK("\\u0041", "\\\\u0041");
}

static void
test_control_chars(void **state)
{
    static const char *const want[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
        "\\u0006", "\\u0007", "\\b",     "\\t",     "\\n",     "\\u000b",
        "\\f",     "\\r",     "\\u000e", "\\u000f", "\\u0010", "\\u0011",
        "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d",
        "\\u001e", "\\u001f",
    };
    struct buf all = BUF_INIT;
    char in[3];
    int c;

    (void)state;
    for (c = 0; c < 32; c++) {
        char w[16];
        in[0] = (char)c;
        check_chars(in, 1, want[c]);
        /* Surrounded by plain text. */
        in[0] = 'x';
        in[1] = (char)c;
        in[2] = 'y';
        strcpy(w, "x");
        strcat(w, want[c]);
        strcat(w, "y");
        check_chars(in, 3, w);
        buf_adds(&all, want[c]);
    }
    {
        char raw[32];
        for (c = 0; c < 32; c++)
            raw[c] = (char)c;
        check_chars(raw, 32, all.data);
    }
    buf_release(&all);
}

static void
test_valid_utf8(void **state)
{
    static const char *const ok[] = {
        "\xc2\x80",                         /* U+0080 */
        "\xc3\xa9",                         /* é */
        "\xdf\xbf",                         /* U+07FF */
        "\xe0\xa0\x80",                     /* U+0800 */
        "\xe2\x82\xac",                     /* € */
        "\xed\x9f\xbf",                     /* U+D7FF */
        "\xee\x80\x80",                     /* U+E000 */
        "\xef\xbf\xbd",                     /* U+FFFD */
        "\xef\xbf\xbf",                     /* U+FFFF */
        "\xf0\x90\x80\x80",                 /* U+10000 */
        "\xf0\x9f\x98\x80",                 /* 😀 */
        "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", /* 👍🏽 */
        "\xf4\x8f\xbf\xbf",                 /* U+10FFFF */
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        check_chars(ok[i], strlen(ok[i]), ok[i]);
    CHECK("\xc3\xa9\"\n", "\xc3\xa9\\\"\\n");
}

static void
test_invalid_utf8(void **state)
{
    (void)state;
    CHECK("\x80", FFFD);
    CHECK("\xbf", FFFD);
    CHECK("a\x80z", "a" FFFD "z");
    CHECK("\xc0\xaf", FFFD FFFD);                   /* overlong '/' */
    CHECK("\xc1\xbf", FFFD FFFD);                   /* overlong */
    CHECK("\xe0\x80\xaf", FFFD FFFD FFFD);          /* overlong, 3 bytes */
    CHECK("\xe0\x9f\xbf", FFFD FFFD FFFD);          /* overlong U+07FF */
    CHECK("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD); /* overlong, 4 bytes */
    CHECK("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD); /* overlong U+FFFF */
    CHECK("\xed\xa0\x80", FFFD FFFD FFFD);          /* surrogate U+D800 */
    CHECK("\xed\xbf\xbf", FFFD FFFD FFFD);          /* surrogate U+DFFF */
    CHECK("\xed\xa0\xbd\xed\xb8\x80",               /* CESU-8 pair */
          FFFD FFFD FFFD FFFD FFFD FFFD);
    CHECK("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* > U+10FFFF */
    CHECK("\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD);
    CHECK("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD);
    CHECK("\xfe\xff", FFFD FFFD);
    /* Truncated sequences, at the end and before other characters. */
    CHECK("\xc3", FFFD);
    CHECK("\xe2\x82", FFFD FFFD);
    CHECK("\xf0\x9f\x98", FFFD FFFD FFFD);
    CHECK("\xc3"
          "A",
          FFFD "A");
    CHECK("\xe2\x82"
          "A",
          FFFD FFFD "A");
    CHECK("\xf0\x9f\x98"
          "\"",
          FFFD FFFD FFFD "\\\"");
    CHECK("\xc3\xc3\xa9", FFFD "\xc3\xa9");
    CHECK("\xe2\xe2\x82\xac", FFFD "\xe2\x82\xac");
    CHECK("\xe2\x82\n", FFFD FFFD "\\n");
    /* The length given is respected: a sequence cut by n is invalid. */
    check_chars("\xc3\xa9", 1, FFFD);
}

static void
test_json_string_and_append(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    render_json_string(&b, "a\"b", 3);
    assert_string_equal(b.data, "\"a\\\"b\"");
    render_json_string(&b, "", 0);
    render_json_chars(&b, "x\0y", 3);
    assert_bytes_equal(b.data, b.len, "\"a\\\"b\"\"\"x\\u0000y", 16);
    buf_release(&b);
}

/* Whatever the bytes, the result is valid JSON that decodes back. */
static void
test_random_bytes_valid_json(void **state)
{
    struct buf b = BUF_INIT;
    char in[64];
    int round, i, n;

    (void)state;
    srand(7);
    for (round = 0; round < 5000; round++) {
        n = rand() % (int)sizeof(in);
        for (i = 0; i < n; i++) {
            int r = rand() % 8;
            in[i] = (char)(r == 0   ? rand() % 0x20
                           : r < 3  ? 0x80 + rand() % 0x80
                           : r == 3 ? "\xc3\xe2\xf0\xed\xf4"[rand() % 5]
                                    : 0x20 + rand() % 0x60);
        }
        buf_reset(&b);
        render_json_string(&b, in, (size_t)n);
        assert_false(buf_failed(&b));
        if (!json_valid(b.data, b.len)) {
            print_error("invalid JSON: %s\n", b.data);
            fail();
        }
    }
    /* Valid input decodes back to itself. */
    {
        static const char s[] = "a\"\\/\b\f\n\r\t\x01\x1f\xc3\xa9\xf0\x9f"
                                "\x98\x80\x7f";
        json_object *o;
        buf_reset(&b);
        render_json_string(&b, s, sizeof(s) - 1);
        o = json_tokener_parse(b.data);
        assert_non_null(o);
        assert_int_equal(json_object_get_string_len(o), sizeof(s) - 1);
        assert_memory_equal(json_object_get_string(o), s, sizeof(s) - 1);
        json_object_put(o);
    }
    buf_release(&b);
}

/* ---- the assistant item: resource_render (was render_assistant) ---- */

/* Sets rec[key] to the string s[0..n) (may hold NUL bytes). */
static void
set_str(json_object *rec, const char *key, const char *s, size_t n)
{
    json_object *v = json_object_new_string_len(s, (int)n);

    assert_non_null(v);
    assert_int_equal(json_object_object_add(rec, key, v), 0);
}

#define SET(rec, key, lit) set_str((rec), (key), (lit), sizeof(lit) - 1)

/*
 * A record as the fixtures and the handlers build it; the keys are added out
 * of the spec's order, which the rendering must restore.
 */
static json_object *
fill(void)
{
    json_object *rec = json_object_new_object();
    json_object *cai = json_tokener_parse(
        "{\"perception_engine_enabled\":false,"
        "\"personalization_engine_enabled\":true}");

    assert_non_null(rec);
    assert_non_null(cai);
    SET(rec, "date_updated", "2024-03-28T13:56:44Z");
    SET(rec, "name", "Night \"Loyalty\" Helper");
    SET(rec, "id", "aia_asst_018ce84c-ddea-791b-9589-61c682b9bfbc");
    SET(rec, "account_sid", "ACa11ce000000000000000000000000001");
    assert_int_equal(json_object_object_add(rec, "customer_ai", cai), 0);
    SET(rec, "model", "gpt-4o");
    SET(rec, "owner", "Acme/Corp");
    SET(rec, "personality_prompt", "Line 1\nLine 2\t\xf0\x9f\x98\x80");
    SET(rec, "date_created", "2024-01-08T09:00:00Z");
    return rec;
}

static void
render(json_object *rec, struct buf *pre, struct buf *post)
{
    resource_render(&resource_assistant, rec, pre, post);
    assert_false(buf_failed(pre));
    assert_false(buf_failed(post));
}

static const char want_head[] =
    "{\"account_sid\":\"ACa11ce000000000000000000000000001\","
    "\"customer_ai\":{\"perception_engine_enabled\":false,"
    "\"personalization_engine_enabled\":true},"
    "\"id\":\"aia_asst_018ce84c-ddea-791b-9589-61c682b9bfbc\","
    "\"model\":\"gpt-4o\","
    "\"name\":\"Night \\\"Loyalty\\\" Helper\","
    "\"owner\":\"Acme/Corp\","
    "\"url\":\"";
static const char want_tail[] =
    "\",\"personality_prompt\":\"Line 1\\nLine 2\\t\xf0\x9f\x98\x80\","
    "\"date_created\":\"2024-01-08T09:00:00Z\","
    "\"date_updated\":\"2024-03-28T13:56:44Z\"}";

static void
check_key_order(const char *json, size_t n)
{
    static const char *const keys[] = {
        "account_sid",  "customer_ai",  "id",  "model",
        "name",         "owner",        "url", "personality_prompt",
        "date_created", "date_updated",
    };
    json_object *o;
    size_t i = 0;

    assert_true(json_valid(json, n));
    o = json_tokener_parse(json);
    assert_non_null(o);
    json_object_object_foreach(o, k, v)
    {
        (void)v;
        assert_true(i < 10);
        assert_string_equal(k, keys[i]);
        i++;
    }
    assert_int_equal(i, 10);
    json_object_put(o);
}

static void
test_assistant_derived_url(void **state)
{
    json_object *rec = fill();
    struct buf pre = BUF_INIT, post = BUF_INIT, all = BUF_INIT, want = BUF_INIT;
    json_object *o, *v;

    (void)state;
    render(rec, &pre, &post);
    assert_string_equal(pre.data, want_head);
    assert_int_equal(pre.len, sizeof(want_head) - 1);
    buf_adds(&want, "/v1/Assistants/aia_asst_018ce84c-ddea-791b-9589-"
                    "61c682b9bfbc");
    buf_adds(&want, want_tail);
    assert_true(post.len > 0);
    assert_bytes_equal(post.data, post.len, want.data, want.len);

    buf_add(&all, pre.data, pre.len);
    buf_adds(&all, "http://localhost:8080");
    buf_add(&all, post.data, post.len);
    check_key_order(all.data, all.len);
    o = json_tokener_parse(all.data);
    assert_true(json_object_object_get_ex(o, "url", &v));
    assert_string_equal(json_object_get_string(v),
                        "http://localhost:8080/v1/Assistants/aia_asst_018ce84c-"
                        "ddea-791b-9589-61c682b9bfbc");
    assert_true(json_object_object_get_ex(o, "name", &v));
    assert_string_equal(json_object_get_string(v), "Night \"Loyalty\" Helper");
    json_object_put(o);
    /* A null url is derived too; write-only fields are never rendered. */
    assert_int_equal(json_object_object_add(rec, "url", NULL), 0);
    o = json_tokener_parse("{\"write_key\":\"w\"}");
    assert_non_null(o);
    assert_int_equal(json_object_object_add(rec, "segment_credential", o), 0);
    buf_reset(&pre);
    buf_reset(&post);
    render(rec, &pre, &post);
    assert_bytes_equal(pre.data, pre.len, want_head, sizeof(want_head) - 1);
    assert_bytes_equal(post.data, post.len, want.data, want.len);
    json_object_put(rec);
    buf_release(&pre);
    buf_release(&post);
    buf_release(&all);
    buf_release(&want);
}

static void
test_assistant_fixed_url(void **state)
{
    json_object *rec = fill();
    struct buf pre = BUF_INIT, post = BUF_INIT, want = BUF_INIT;

    (void)state;
    SET(rec, "url", "https://assistants.twilio.com/v1/Assistants/x\"y");
    render(rec, &pre, &post);
    buf_adds(&want, want_head);
    buf_adds(&want, "https://assistants.twilio.com/v1/Assistants/x\\\"y");
    buf_adds(&want, want_tail);
    assert_bytes_equal(pre.data, pre.len, want.data, want.len);
    assert_int_equal(post.len, 0);
    check_key_order(pre.data, pre.len);
    /* An empty fixed url is still fixed. */
    buf_reset(&pre);
    buf_reset(&post);
    SET(rec, "url", "");
    render(rec, &pre, &post);
    assert_int_equal(post.len, 0);
    assert_non_null(strstr(pre.data, ",\"url\":\"\",\"personality_prompt\""));
    check_key_order(pre.data, pre.len);
    json_object_put(rec);
    buf_release(&pre);
    buf_release(&post);
    buf_release(&want);
}

static void
test_assistant_id_percent_encoded(void **state)
{
    static const char id[] =
        "aia_asst_a b/c?d#e%f\"g\\h&i+j~k.l-m_n\xc3\xa9:\n";
    json_object *rec = fill();
    struct buf pre = BUF_INIT, post = BUF_INIT, all = BUF_INIT;
    json_object *o, *v;

    (void)state;
    SET(rec, "id", id);
    SET(rec, "model", "m\0x");
    render(rec, &pre, &post);
    assert_non_null(strstr(pre.data,
                           ",\"id\":\"aia_asst_a b/c?d#e%f\\\"g\\\\h&i+j~k.l-m_"
                           "n\xc3\xa9:\\n\",\"model\":\"m\\u0000x\","));
    assert_true(post.len > 0);
    assert_true(strncmp(post.data,
                        "/v1/Assistants/aia_asst_a%20b%2Fc%3Fd%23e%25f%22g%5Ch"
                        "%26i%2Bj~k.l-m_n%C3%A9%3A%0A\",\"personality_prompt\"",
                        strlen("/v1/Assistants/aia_asst_a%20b%2Fc%3Fd%23e%25f%"
                               "22g%5Ch%26i%2Bj~k.l-m_n%C3%A9%3A%0A\",\"person"
                               "ality_prompt\"")) == 0);
    buf_add(&all, pre.data, pre.len);
    buf_adds(&all, "http://[::1]:8080");
    buf_add(&all, post.data, post.len);
    check_key_order(all.data, all.len);
    o = json_tokener_parse(all.data);
    assert_true(json_object_object_get_ex(o, "id", &v));
    assert_int_equal(json_object_get_string_len(v), sizeof(id) - 1);
    assert_memory_equal(json_object_get_string(v), id, sizeof(id) - 1);
    json_object_put(o);
    json_object_put(rec);
    buf_release(&pre);
    buf_release(&post);
    buf_release(&all);
}

static void
test_assistant_invalid_utf8_fields(void **state)
{
    json_object *rec = fill();
    struct buf pre = BUF_INIT, post = BUF_INIT, all = BUF_INIT;

    (void)state;
    SET(rec, "name", "bad \xc0\xaf name");
    SET(rec, "id", "aia_asst_\xff");
    render(rec, &pre, &post);
    assert_non_null(strstr(pre.data, "\"name\":\"bad " FFFD FFFD " name\""));
    assert_non_null(strstr(pre.data, "\"id\":\"aia_asst_" FFFD "\""));
    assert_true(strncmp(post.data, "/v1/Assistants/aia_asst_%FF\"", 28) == 0);
    buf_add(&all, pre.data, pre.len);
    buf_add(&all, post.data, post.len);
    check_key_order(all.data, all.len);
    json_object_put(rec);
    buf_release(&pre);
    buf_release(&post);
    buf_release(&all);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_plain_ascii),
    cmocka_unit_test(test_printable_words),
    cmocka_unit_test(test_quotes_backslashes),
    cmocka_unit_test(test_control_chars),
    cmocka_unit_test(test_valid_utf8),
    cmocka_unit_test(test_invalid_utf8),
    cmocka_unit_test(test_json_string_and_append),
    cmocka_unit_test(test_random_bytes_valid_json),
    cmocka_unit_test(test_assistant_derived_url),
    cmocka_unit_test(test_assistant_fixed_url),
    cmocka_unit_test(test_assistant_id_percent_encoded),
    cmocka_unit_test(test_assistant_invalid_utf8_fields),
};

UNIT_MAIN(tests)
