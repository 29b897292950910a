/*
 * test_errors.c - unit tests of errors.c: Twilio's error body for every
 * entry of the API_ERRORS table, with the reflected arguments escaped and
 * cut.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "unit.h"

static const struct {
    enum api_err e;
    const char *name;
    unsigned status;
    int code;
    const char *msg;
} table[] = {
#define X(name, st, cd, msg) {name, #name, st, cd, msg},
    API_ERRORS(X)
#undef X
};

/*
 * Parses b strictly (UTF-8 validated, nothing after the object) and checks
 * the keys are code, message, more_info, status in that order with the
 * status and code given. Returns the object (caller puts it).
 */
static json_object *
parse_body(const struct buf *b, unsigned status, int code)
{
    static const char *const keys[] = {"code", "message", "more_info",
                                       "status"};
    json_tokener *tok = json_tokener_new();
    json_object *o, *v;
    char more[64];
    size_t i = 0;

    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, b->data, (int)b->len);
    if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
        json_tokener_get_parse_end(tok) != b->len) {
        print_error("not valid JSON: %s\n", b->data);
        fail();
    }
    json_tokener_free(tok);
    assert_true(json_object_is_type(o, json_type_object));
    json_object_object_foreach(o, k, val)
    {
        (void)val;
        assert_true(i < 4);
        assert_string_equal(k, keys[i]);
        i++;
    }
    assert_int_equal(i, 4);
    assert_true(json_object_object_get_ex(o, "code", &v));
    assert_true(json_object_is_type(v, json_type_int));
    assert_int_equal(json_object_get_int(v), code);
    assert_true(json_object_object_get_ex(o, "status", &v));
    assert_true(json_object_is_type(v, json_type_int));
    assert_int_equal(json_object_get_int(v), (int)status);
    assert_true(json_object_object_get_ex(o, "more_info", &v));
    snprintf(more, sizeof(more), "https://www.twilio.com/docs/errors/%d", code);
    assert_string_equal(json_object_get_string(v), more);
    assert_true(json_object_object_get_ex(o, "message", &v));
    assert_true(json_object_is_type(v, json_type_string));
    return o;
}

static const char *
message_of(json_object *o)
{
    json_object *v;

    assert_true(json_object_object_get_ex(o, "message", &v));
    return json_object_get_string(v);
}

/* msg with each "%s" replaced by the next of a1, a2 (into out, cap bytes). */
static const char *
expand(const char *msg, const char *a1, const char *a2, char *out, size_t cap)
{
    const char *args[2] = {a1, a2};
    size_t n = 0;
    int next = 0;

    for (; *msg && n + 1 < cap; msg++) {
        if (msg[0] == '%' && msg[1] == 's' && next < 2) {
            n += (size_t)snprintf(out + n, cap - n, "%s", args[next++]);
            msg++;
        } else {
            out[n++] = *msg;
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
    return out;
}

static void
test_every_error(void **state)
{
    struct buf b = BUF_INIT;
    char want[512];
    size_t i;

    (void)state;
    assert_int_equal(sizeof(table) / sizeof(table[0]), API_ERR_COUNT - 1);
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        json_object *o;
        assert_int_equal(table[i].e, (enum api_err)(i + 1));
        assert_int_equal(api_err_status(table[i].e), table[i].status);
        assert_int_equal(api_err_code(table[i].e), table[i].code);
        buf_reset(&b);
        api_err_render(&b, table[i].e, "/v1/Foo", "DELETE");
        assert_false(buf_failed(&b));
        o = parse_body(&b, table[i].status, table[i].code);
        if (table[i].e == API_ERR_NOT_FOUND)
            assert_string_equal(message_of(o),
                                "The requested resource /v1/Foo was not found");
        else if (table[i].e == API_ERR_METHOD)
            assert_string_equal(message_of(o),
                                "The requested resource /v1/Foo does not "
                                "support the attempted HTTP method DELETE");
        else if (table[i].e == API_ERR_MISSING_PARAM)
            assert_string_equal(message_of(o),
                                "Missing required parameter /v1/Foo");
        else if (table[i].e == API_ERR_INVALID_PARAM)
            assert_string_equal(message_of(o), "Invalid parameter /v1/Foo");
        /* Every message: its "%s" take the arguments, in order. */
        assert_string_equal(message_of(o), expand(table[i].msg, "/v1/Foo",
                                                  "DELETE", want,
                                                  sizeof(want)));
        json_object_put(o);
        /* The arguments are optional for the others. */
        if (table[i].e != API_ERR_NOT_FOUND && table[i].e != API_ERR_METHOD) {
            buf_reset(&b);
            api_err_render(&b, table[i].e, NULL, NULL);
            o = parse_body(&b, table[i].status, table[i].code);
            assert_string_equal(message_of(o),
                                expand(table[i].msg, "", "", want,
                                       sizeof(want)));
            json_object_put(o);
        }
    }
    buf_release(&b);
}

static void
test_exact_bytes(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    api_err_render(&b, API_ERR_AUTH, NULL, NULL);
    assert_string_equal(b.data,
                        "{\"code\":20003,\"message\":\"Authenticate\","
                        "\"more_info\":\"https://www.twilio.com/docs/errors/"
                        "20003\",\"status\":401}");
    buf_reset(&b);
    api_err_render(&b, API_ERR_PAGE_SIZE_MAX, NULL, NULL);
    assert_string_equal(b.data,
                        "{\"code\":20007,\"message\":\"Page size too large. "
                        "The maximum page size is 1000.\",\"more_info\":"
                        "\"https://www.twilio.com/docs/errors/20007\","
                        "\"status\":400}");
    buf_reset(&b);
    api_err_render(&b, API_ERR_MISSING_PARAM,
                   "customer_ai.perception_engine_enabled", NULL);
    assert_string_equal(b.data,
                        "{\"code\":20001,\"message\":\"Missing required "
                        "parameter customer_ai.perception_engine_enabled\","
                        "\"more_info\":\"https://www.twilio.com/docs/errors/"
                        "20001\",\"status\":400}");
    buf_reset(&b);
    /* Appends to what is there; '/' is not escaped. */
    buf_adds(&b, ">");
    api_err_render(&b, API_ERR_NOT_FOUND, "/v1/Foo", NULL);
    assert_string_equal(b.data,
                        ">{\"code\":20404,\"message\":\"The requested resource "
                        "/v1/Foo was not found\",\"more_info\":\"https://www."
                        "twilio.com/docs/errors/20404\",\"status\":404}");
    buf_release(&b);
}

static void
test_contract_table(void **state)
{
    (void)state;
    /* The codes CONTRACT.md promises to clients. */
    assert_int_equal(api_err_status(API_ERR_AUTH), 401);
    assert_int_equal(api_err_code(API_ERR_AUTH), 20003);
    assert_int_equal(api_err_code(API_ERR_PAGE_SIZE), 20001);
    assert_int_equal(api_err_code(API_ERR_PAGE_SIZE_MAX), 20007);
    assert_int_equal(api_err_code(API_ERR_PAGE), 20001);
    assert_int_equal(api_err_code(API_ERR_TOKEN_REQUIRED), 20001);
    assert_int_equal(api_err_code(API_ERR_TOKEN), 20001);
    assert_int_equal(api_err_code(API_ERR_HOST), 20001);
    assert_int_equal(api_err_status(API_ERR_NOT_FOUND), 404);
    assert_int_equal(api_err_code(API_ERR_NOT_FOUND), 20404);
    assert_int_equal(api_err_status(API_ERR_METHOD), 405);
    assert_int_equal(api_err_code(API_ERR_METHOD), 20004);
    assert_int_equal(api_err_status(API_ERR_RATE), 429);
    assert_int_equal(api_err_code(API_ERR_RATE), 20429);
    assert_int_equal(api_err_status(API_ERR_INTERNAL), 500);
    assert_int_equal(api_err_code(API_ERR_INTERNAL), 20500);
    /* Request bodies. */
    assert_int_equal(api_err_status(API_ERR_INVALID_JSON), 400);
    assert_int_equal(api_err_code(API_ERR_INVALID_JSON), 20001);
    assert_int_equal(api_err_status(API_ERR_MISSING_PARAM), 400);
    assert_int_equal(api_err_code(API_ERR_MISSING_PARAM), 20001);
    assert_int_equal(api_err_status(API_ERR_INVALID_PARAM), 400);
    assert_int_equal(api_err_code(API_ERR_INVALID_PARAM), 20001);
    assert_int_equal(api_err_status(API_ERR_BODY_TOO_LARGE), 413);
    assert_int_equal(api_err_status(API_ERR_URI_TOO_LONG), 414);
    assert_int_equal(api_err_status(API_ERR_HEADERS_TOO_LARGE), 431);
}

static void
test_arguments_escaped(void **state)
{
    static const char path[] = "/v1/a\"b\\c\nd\te\x01/%s%d";
    struct buf b = BUF_INIT, want = BUF_INIT;
    json_object *o;

    (void)state;
    api_err_render(&b, API_ERR_NOT_FOUND, path, "ignored");
    o = parse_body(&b, 404, 20404);
    buf_adds(&want, "The requested resource ");
    buf_adds(&want, path);
    buf_adds(&want, " was not found");
    assert_string_equal(message_of(o), want.data);
    json_object_put(o);
    assert_non_null(strstr(b.data, "/v1/a\\\"b\\\\c\\nd\\te\\u0001/%s%d"));

    buf_reset(&b);
    buf_reset(&want);
    api_err_render(&b, API_ERR_METHOD, "/v1/Assistants", "DEL\"ETE\\");
    o = parse_body(&b, 405, 20004);
    assert_string_equal(message_of(o),
                        "The requested resource /v1/Assistants does not "
                        "support the attempted HTTP method DEL\"ETE\\");
    json_object_put(o);
    /* A "%s" in the first argument is not substituted by the second. */
    buf_reset(&b);
    api_err_render(&b, API_ERR_METHOD, "/%s", "PUT");
    o = parse_body(&b, 405, 20004);
    assert_string_equal(message_of(o),
                        "The requested resource /%s does not support the "
                        "attempted HTTP method PUT");
    json_object_put(o);
    buf_reset(&b);
    api_err_render(&b, API_ERR_METHOD, NULL, NULL);
    o = parse_body(&b, 405, 20004);
    json_object_put(o);
    buf_release(&b);
    buf_release(&want);
}

/* The reflected part of s (between prefix and suffix) must be a cut of arg. */
static void
check_cut(const char *msg, const char *prefix, const char *arg,
          const char *suffix, size_t *cut)
{
    size_t p = strlen(prefix), n;
    const char *end;

    assert_true(strncmp(msg, prefix, p) == 0);
    end = *suffix ? strstr(msg + p, suffix) : msg + strlen(msg);
    assert_non_null(end);
    n = (size_t)(end - (msg + p));
    assert_true(n > 0);
    assert_true(n < strlen(arg));
    assert_true(strncmp(msg + p, arg, n) == 0);
    *cut = n;
}

static void
test_long_arguments_cut(void **state)
{
    struct buf b = BUF_INIT;
    char *path = malloc(100001), *method = malloc(5001);
    json_object *o;
    size_t cut1, cut2;

    (void)state;
    memset(path, 'p', 100000);
    path[0] = '/';
    path[100000] = '\0';
    memset(method, 'M', 5000);
    method[5000] = '\0';
    api_err_render(&b, API_ERR_NOT_FOUND, path, NULL);
    o = parse_body(&b, 404, 20404);
    check_cut(message_of(o), "The requested resource ", path, " was not found",
              &cut1);
    assert_true(b.len < 2048);
    json_object_put(o);

    buf_reset(&b);
    api_err_render(&b, API_ERR_METHOD, path, method);
    o = parse_body(&b, 405, 20004);
    check_cut(message_of(o), "The requested resource ", path,
              " does not support", &cut1);
    check_cut(strstr(message_of(o), "HTTP method ") + 12, "", method, "",
              &cut2);
    assert_true(b.len < 4096);
    json_object_put(o);

    /* A long run of characters that expand when escaped stays bounded. */
    memset(path, '"', 100000);
    buf_reset(&b);
    api_err_render(&b, API_ERR_NOT_FOUND, path, NULL);
    o = parse_body(&b, 404, 20404);
    assert_true(b.len < 4096);
    json_object_put(o);
    free(path);
    free(method);
    buf_release(&b);
}

static void
test_invalid_utf8_arguments(void **state)
{
    static const char *const args[] = {
        "/v1/\xff",         "/v1/\xc0\xaf",
        "/v1/\xed\xa0\x80", "/v1/\xf4\x90\x80\x80",
        "/v1/\xe2\x82",     "/v1/\x80\x80\x80",
    };
    struct buf b = BUF_INIT;
    char *cut = malloc(2001);
    size_t i;
    json_object *o;

    (void)state;
    for (i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
        buf_reset(&b);
        api_err_render(&b, API_ERR_NOT_FOUND, args[i], NULL);
        o = parse_body(&b, 404, 20404);
        assert_non_null(strstr(message_of(o), "\xef\xbf\xbd"));
        json_object_put(o);
        buf_reset(&b);
        api_err_render(&b, API_ERR_METHOD, args[i], args[i] + 4);
        o = parse_body(&b, 405, 20004);
        json_object_put(o);
    }
    /*
     * Multi-byte characters across every possible cut point: the body is
     * valid UTF-8 JSON wherever the argument is cut.
     */
    for (i = 0; i < 4; i++) {
        size_t j, n = 0;
        for (j = 0; j < i; j++)
            cut[n++] = 'a';
        while (n + 4 <= 2000) {
            memcpy(cut + n, "\xf0\x9f\x98\x80", 4);
            n += 4;
        }
        cut[n] = '\0';
        buf_reset(&b);
        api_err_render(&b, API_ERR_METHOD, cut, cut);
        o = parse_body(&b, 405, 20004);
        json_object_put(o);
    }
    free(cut);
    buf_release(&b);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_error),
    cmocka_unit_test(test_exact_bytes),
    cmocka_unit_test(test_contract_table),
    cmocka_unit_test(test_arguments_escaped),
    cmocka_unit_test(test_long_arguments_cut),
    cmocka_unit_test(test_invalid_utf8_arguments),
};

UNIT_MAIN(tests)
