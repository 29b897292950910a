/*
 * test_router.c - unit tests of router.c: router_match (literal and {id}
 * segments, percent-decoding of parameters, the limits), request_method,
 * and the pipeline of router_handle on an in-memory store (404, OPTIONS,
 * 431, link base, 401, 405 with Allow, 429, JSON body checks, then the
 * CRUD handlers), without any HTTP.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "router.h"
#include "unit.h"
#include "util.h"

/* ---- router_match ---- */

static char params[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM + 1];
static size_t param_len[ROUTER_MAX_PARAMS];

/* router_match on an exact-size heap copy of path[0..len). */
static bool
match_n(const char *pattern, const char *path, size_t len)
{
    char *copy = malloc(len ? len : 1);
    bool m;

    assert_non_null(copy);
    memcpy(copy, path, len);
    memset(params, 'x', sizeof(params));
    memset(param_len, 0xff, sizeof(param_len));
    m = router_match(pattern, copy, len, params, param_len);
    free(copy);
    return m;
}

static bool
match(const char *pattern, const char *path)
{
    return match_n(pattern, path, strlen(path));
}

/* Matches and checks the one parameter. */
static void
match_param_n(const char *pattern, const char *path, const char *want,
              size_t want_len)
{
    if (!match(pattern, path)) {
        print_error("no match: %s\n", path);
        fail();
    }
    assert_int_equal(param_len[0], want_len);
    assert_memory_equal(params[0], want, want_len);
    assert_int_equal(params[0][want_len], '\0');
}

#define MATCH_PARAM(pattern, path, lit)                                        \
    match_param_n((pattern), (path), (lit), sizeof(lit) - 1)

#define LIST "/v1/Assistants"
#define ITEM "/v1/Assistants/{id}"
#define TWO "/v1/Assistants/{id}/Tools/{id}"

static void
test_match_literal(void **state)
{
    (void)state;
    assert_true(match(LIST, "/v1/Assistants"));
    assert_true(match("/healthz", "/healthz"));
    assert_false(match(LIST, "/v1/Assistant"));
    assert_false(match(LIST, "/v1/AssistantsX"));
    assert_false(match(LIST, "/v1/assistants"));
    assert_false(match(LIST, "/V1/Assistants"));
    assert_false(match(LIST, "/v2/Assistants"));
    assert_false(match(LIST, "v1/Assistants"));
    assert_false(match(LIST, "/v1"));
    assert_false(match(LIST, "/"));
    assert_false(match(LIST, ""));
    assert_false(match(LIST, "/v1/Assistants/x"));
    assert_false(match(LIST, "/v1/Assistants?PageSize=1"));
    /* Literal segments are compared as sent, not decoded. */
    assert_false(match(LIST, "/v1/%41ssistants"));
    assert_false(match(LIST, "/v1%2FAssistants"));
    /* Only len bytes count. */
    assert_true(router_match(LIST, "/v1/Assistants/x", 14, params, param_len));
    assert_false(router_match(LIST, "/v1/Assistants", 13, params, param_len));
}

static void
test_match_slashes(void **state)
{
    (void)state;
    /* Trailing slash, doubled slashes, empty segments. */
    assert_false(match(LIST, "/v1/Assistants/"));
    assert_false(match(LIST, "//v1/Assistants"));
    assert_false(match(LIST, "/v1//Assistants"));
    assert_false(match(ITEM, "/v1/Assistants/"));
    assert_false(match(ITEM, "/v1/Assistants//"));
    assert_false(match(ITEM, "/v1/Assistants//x"));
    assert_false(match(ITEM, "/v1/Assistants/x/"));
    assert_false(match(ITEM, "/v1/Assistants/x/y"));
    assert_false(match(ITEM, "/v1/Assistants"));
    assert_false(match(TWO, "/v1/Assistants/a/Tools/"));
    assert_false(match(TWO, "/v1/Assistants//Tools/b"));
    assert_false(match(TWO, "/v1/Assistants/a/Tools"));
}

static void
test_match_params(void **state)
{
    (void)state;
    MATCH_PARAM(ITEM, "/v1/Assistants/aia_asst_1", "aia_asst_1");
    MATCH_PARAM(ITEM, "/v1/Assistants/x", "x");
    /* Percent-decoded, hex in either case; '+' is not a space in a path. */
    MATCH_PARAM(ITEM, "/v1/Assistants/a%20b", "a b");
    MATCH_PARAM(ITEM, "/v1/Assistants/%c3%A9", "\xc3\xa9");
    MATCH_PARAM(ITEM, "/v1/Assistants/a+b", "a+b");
    MATCH_PARAM(ITEM, "/v1/Assistants/%25", "%");
    MATCH_PARAM(ITEM, "/v1/Assistants/%3F%23", "?#");
    /* An escaped '/' stays inside the parameter. */
    MATCH_PARAM(ITEM, "/v1/Assistants/a%2Fb", "a/b");
    MATCH_PARAM(ITEM, "/v1/Assistants/%2F", "/");
    MATCH_PARAM(ITEM, "/v1/Assistants/%2f%2F", "//");
    /* Bytes that are not UTF-8 are passed through (the store finds none). */
    MATCH_PARAM(ITEM, "/v1/Assistants/%FF", "\xff");
    /* Malformed escapes. */
    assert_false(match(ITEM, "/v1/Assistants/%"));
    assert_false(match(ITEM, "/v1/Assistants/%4"));
    assert_false(match(ITEM, "/v1/Assistants/a%G1"));
    assert_false(match(ITEM, "/v1/Assistants/a%1G"));
    assert_false(match(ITEM, "/v1/Assistants/%%41"));
    /* NUL, escaped or raw, is refused. */
    assert_false(match(ITEM, "/v1/Assistants/%00"));
    assert_false(match(ITEM, "/v1/Assistants/a%00b"));
    assert_false(match_n(ITEM, "/v1/Assistants/a\0b", 17));
}

static void
test_match_two_params(void **state)
{
    (void)state;
    assert_int_equal(ROUTER_MAX_PARAMS, 2);
    assert_true(match(TWO, "/v1/Assistants/aia_asst_1/Tools/aia_tool_%2F"));
    assert_int_equal(param_len[0], 10);
    assert_string_equal(params[0], "aia_asst_1");
    assert_int_equal(param_len[1], 10);
    assert_string_equal(params[1], "aia_tool_/");
    assert_false(match(TWO, "/v1/Assistants/a/Tool/b"));
    assert_false(match(TWO, "/v1/Assistants/a/Tools/b/c"));
    /* A pattern with more parameters than ROUTER_MAX_PARAMS never matches. */
    assert_false(match("/{a}/{b}/{c}", "/x/y/z"));
    assert_true(match("/{a}/{b}", "/x/y"));
    assert_string_equal(params[0], "x");
    assert_string_equal(params[1], "y");
}

static void
test_match_long_param(void **state)
{
    char path[32 + ROUTER_MAX_PARAM * 3 + 8];
    size_t n, i;

    (void)state;
    /* ROUTER_MAX_PARAM decoded bytes: in, one more: out. */
    n = (size_t)snprintf(path, sizeof(path), "/v1/Assistants/");
    memset(path + n, 'a', ROUTER_MAX_PARAM);
    path[n + ROUTER_MAX_PARAM] = '\0';
    assert_true(match(ITEM, path));
    assert_int_equal(param_len[0], ROUTER_MAX_PARAM);
    assert_int_equal(params[0][ROUTER_MAX_PARAM], '\0');
    path[n + ROUTER_MAX_PARAM] = 'a';
    path[n + ROUTER_MAX_PARAM + 1] = '\0';
    assert_false(match(ITEM, path));
    /* The limit is on the decoded length: 512 escapes (1536 bytes) fit. */
    for (i = 0; i < ROUTER_MAX_PARAM; i++)
        memcpy(path + n + i * 3, "%41", 3);
    path[n + ROUTER_MAX_PARAM * 3] = '\0';
    assert_true(match(ITEM, path));
    assert_int_equal(param_len[0], ROUTER_MAX_PARAM);
    assert_int_equal(params[0][0], 'A');
    memcpy(path + n + ROUTER_MAX_PARAM * 3, "b", 2);
    assert_false(match(ITEM, path));
    /* A long segment elsewhere does not match a literal. */
    {
        struct buf b = BUF_INIT;
        for (i = 0; i < 100000; i++)
            buf_addc(&b, 'x');
        assert_false(match(ITEM, b.data));
        buf_reset(&b);
        buf_adds(&b, "/v1/Assistants/");
        for (i = 0; i < 100000; i++)
            buf_addc(&b, 'x');
        assert_false(match(ITEM, b.data));
        buf_release(&b);
    }
}

/* ---- request_method ---- */

static void
test_request_method(void **state)
{
    (void)state;
    assert_int_equal(request_method("GET"), HTTP_GET);
    assert_int_equal(request_method("HEAD"), HTTP_HEAD);
    assert_int_equal(request_method("POST"), HTTP_POST);
    assert_int_equal(request_method("PUT"), HTTP_PUT);
    assert_int_equal(request_method("DELETE"), HTTP_DELETE);
    assert_int_equal(request_method("OPTIONS"), HTTP_OPTIONS);
    /* Method names are case-sensitive (RFC 9110 9.1). */
    assert_int_equal(request_method("get"), HTTP_OTHER);
    assert_int_equal(request_method("Post"), HTTP_OTHER);
    assert_int_equal(request_method("PATCH"), HTTP_OTHER);
    assert_int_equal(request_method("TRACE"), HTTP_OTHER);
    assert_int_equal(request_method("CONNECT"), HTTP_OTHER);
    assert_int_equal(request_method(""), HTTP_OTHER);
    assert_int_equal(request_method("GETX"), HTTP_OTHER);
    assert_int_equal(request_method("GE"), HTTP_OTHER);
    assert_int_equal(request_method("GET "), HTTP_OTHER);
}

/* ---- router_handle ---- */

#define A1 "ACa11ce000000000000000000000000001"
#define A2 "ACb0b00000000000000000000000000002"

#define ASST(id, acct, name, date)                                             \
    "{\"account_sid\":\"" acct "\",\"customer_ai\":{"                          \
    "\"perception_engine_enabled\":false,"                                     \
    "\"personalization_engine_enabled\":true},\"id\":\"" id "\","              \
    "\"model\":\"gpt-4o\",\"name\":\"" name "\",\"owner\":\"o\","              \
    "\"personality_prompt\":\"p\",\"date_created\":\"" date "\","              \
    "\"date_updated\":\"" date "\"}"

static const char doc[] =
    "{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"tok1\"},"
    "{\"sid\":\"" A2 "\",\"auth_token\":\"tok2\"}],"
    "\"assistants\":["
    ASST("aia_asst_1", A1, "One", "2024-01-01T00:00:00Z") ","
    ASST("aia_asst_2", A1, "Two", "2024-01-02T00:00:00Z") ","
    ASST("aia_asst_3", A2, "Three", "2024-01-03T00:00:00Z") "]}";

struct world {
    struct config cfg;
    struct store *store;
    struct fixtures fx;
    struct app app;
    char auth1[160], auth2[160];
    struct response rs;
    json_object *json; /* the last response body, parsed */
};

/* "Basic " + standard base64 of user:pass. */
static void
basic(char *out, size_t cap, const char *user, const char *pass)
{
    char plain[96], enc[136];
    size_t n, m, i;

    n = (size_t)snprintf(plain, sizeof(plain), "%s:%s", user, pass);
    m = util_b64url_encode((const unsigned char *)plain, n, enc);
    for (i = 0; i < m; i++)
        enc[i] = enc[i] == '-' ? '+' : enc[i] == '_' ? '/' : enc[i];
    while (m % 4)
        enc[m++] = '=';
    enc[m] = '\0';
    snprintf(out, cap, "Basic %s", enc);
}

static int
world_up(void **state)
{
    static const struct fixtures_env no_env = {NULL, NULL, NULL, NULL};
    struct world *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    snprintf(w->cfg.default_model, sizeof(w->cfg.default_model), "%s",
             CONFIG_DEFAULT_MODEL);
    w->store = store_open();
    assert_non_null(w->store);
    fixtures_init(&w->fx);
    if (fixtures_load_buffer(&w->fx, w->store, "doc.json", doc, sizeof(doc) - 1,
                             &no_env) != 0) {
        print_error("%s", w->fx.errors.data);
        return -1;
    }
    assert_int_equal(router_init(&w->app, &w->cfg, w->store, &w->fx.accts), 0);
    basic(w->auth1, sizeof(w->auth1), A1, "tok1");
    basic(w->auth2, sizeof(w->auth2), A2, "tok2");
    *state = w;
    return 0;
}

static int
world_down(void **state)
{
    struct world *w = *state;

    buf_release(&w->rs.body);
    json_object_put(w->json);
    router_release(&w->app);
    fixtures_release(&w->fx);
    store_close(w->store);
    free(w);
    return 0;
}

/* A request: target is path[?query]; host, auth, ctype, body may be NULL. */
struct req {
    const char *method;
    const char *target;
    const char *host;
    const char *auth;
    const char *ctype;
    const char *body;
    size_t header_bytes;
    bool too_large, too_long;
};

/* Runs r through router_handle; returns the status (w->rs, w->json set). */
static unsigned
run(struct world *w, const struct req *r)
{
    static const char fallback[] = "http://127.0.0.1:9";
    struct request rq;
    const char *q = strchr(r->target, '?');

    memset(&rq, 0, sizeof(rq));
    rq.method = r->method;
    rq.m = request_method(r->method);
    rq.path = r->target;
    rq.path_len = q ? (size_t)(q - r->target) : strlen(r->target);
    rq.query = q ? q + 1 : NULL;
    rq.query_len = q ? strlen(q + 1) : 0;
    rq.host = r->host;
    rq.authorization = r->auth;
    rq.content_type = r->ctype;
    rq.body = r->body;
    rq.body_len = r->body ? strlen(r->body) : 0;
    rq.body_too_large = r->too_large;
    rq.uri_too_long = r->too_long;
    rq.header_bytes = r->header_bytes;
    rq.fallback_base = fallback;
    rq.fallback_len = sizeof(fallback) - 1;
    buf_release(&w->rs.body);
    memset(&w->rs, 0, sizeof(w->rs));
    json_object_put(w->json);
    w->json = NULL;
    router_handle(&w->app, &rq, &w->rs);
    assert_false(buf_failed(&w->rs.body));
    if (w->rs.no_content) {
        assert_int_equal(w->rs.body.len, 0);
    } else {
        json_tokener *tok = json_tokener_new();
        assert_non_null(tok);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                        JSON_TOKENER_VALIDATE_UTF8);
        w->json =
            json_tokener_parse_ex(tok, w->rs.body.data, (int)w->rs.body.len);
        if (w->json == NULL ||
            json_tokener_get_parse_end(tok) != w->rs.body.len) {
            print_error("not JSON: %s\n", w->rs.body.data);
            json_tokener_free(tok);
            fail();
        }
        json_tokener_free(tok);
    }
    return w->rs.status;
}

static const char *
str_at(struct world *w, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(w->json, key, &v) ||
        !json_object_is_type(v, json_type_string)) {
        print_error("no string \"%s\" in %s\n", key, w->rs.body.data);
        fail();
    }
    return json_object_get_string(v);
}

static int
int_at(struct world *w, const char *key)
{
    json_object *v = NULL;

    assert_true(json_object_object_get_ex(w->json, key, &v));
    return json_object_get_int(v);
}

/* Checks the response is Twilio's error with status, code and message. */
static void
check_error(struct world *w, unsigned status, int code, const char *msg)
{
    assert_int_equal(w->rs.status, status);
    assert_int_equal(int_at(w, "status"), (int)status);
    assert_int_equal(int_at(w, "code"), code);
    if (msg)
        assert_string_equal(str_at(w, "message"), msg);
}

static void
test_handle_health(void **state)
{
    struct world *w = *state;
    struct req r = {"GET", "/healthz", NULL, NULL, NULL, NULL, 0, 0, 0};

    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "status"), "ok");
    r.target = "/readyz";
    assert_int_equal(run(w, &r), 503);
    assert_string_equal(str_at(w, "status"), "starting");
    atomic_store(&w->app.ready, true);
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "status"), "ready");
    r.method = "HEAD";
    assert_int_equal(run(w, &r), 200);
    /* No authentication on these. */
    r.method = "POST";
    assert_int_equal(run(w, &r), 405);
    assert_string_equal(w->rs.allow, "GET, HEAD, OPTIONS");
}

static void
test_handle_not_found(void **state)
{
    struct world *w = *state;
    struct req r = {"GET", "/v1/Nope", NULL, NULL, NULL, NULL, 0, 0, 0};

    assert_int_equal(run(w, &r), 404);
    check_error(w, 404, 20404, "The requested resource /v1/Nope was not found");
    assert_null(w->rs.allow);
    /* The message shows the decoded path; an undecodable one as sent. */
    r.target = "/v1/N%6Fpe%2F";
    assert_int_equal(run(w, &r), 404);
    check_error(w, 404, 20404,
                "The requested resource /v1/Nope/ was not found");
    r.target = "/v1/%zz";
    assert_int_equal(run(w, &r), 404);
    check_error(w, 404, 20404, "The requested resource /v1/%zz was not found");
    r.target = "/v1/Assistants/";
    assert_int_equal(run(w, &r), 404);
    /* Before authentication, whatever the method. */
    r.method = "DELETE";
    r.target = "/v1/Assistants/a/b";
    assert_int_equal(run(w, &r), 404);
    /* The query is not part of the path. */
    r.method = "GET";
    r.target = "/v1/Nope?x=%zz";
    assert_int_equal(run(w, &r), 404);
    check_error(w, 404, 20404, "The requested resource /v1/Nope was not found");
}

static void
test_handle_limits(void **state)
{
    struct world *w = *state;
    struct req r = {"GET", "/v1/Assistants", NULL, NULL, NULL, NULL, 0, 0,
                    true};

    assert_int_equal(run(w, &r), 414);
    check_error(w, 414, 20001, "Request-URI Too Long");
    r.too_long = false;
    r.auth = w->auth1;
    r.header_bytes = 16385;
    assert_int_equal(run(w, &r), 431);
    check_error(w, 431, 20001, "Request Header Fields Too Large");
    r.header_bytes = 16384;
    assert_int_equal(run(w, &r), 200);
    /* A path that matches no route is a 404 first. */
    r.header_bytes = 100000;
    r.target = "/v1/Nope";
    assert_int_equal(run(w, &r), 404);
}

static void
test_handle_options(void **state)
{
    struct world *w = *state;
    struct req r = {"OPTIONS", "/v1/Assistants", NULL, NULL, NULL, NULL, 0, 0,
                    0};

    /* No credentials needed; Allow and the CORS methods from the table. */
    assert_int_equal(run(w, &r), 204);
    assert_true(w->rs.no_content);
    assert_string_equal(w->rs.allow, "GET, HEAD, POST, OPTIONS");
    assert_string_equal(w->rs.cors_methods, "GET, HEAD, POST, OPTIONS");
    r.target = "/v1/Assistants/aia_asst_1";
    assert_int_equal(run(w, &r), 204);
    assert_string_equal(w->rs.allow, "GET, HEAD, PUT, DELETE, OPTIONS");
    r.target = "/healthz";
    assert_int_equal(run(w, &r), 204);
    assert_string_equal(w->rs.allow, "GET, HEAD, OPTIONS");
}

static void
test_handle_auth_and_method(void **state)
{
    struct world *w = *state;
    struct req r = {"GET", "/v1/Assistants", NULL, NULL, NULL, NULL, 0, 0, 0};
    char bad[160];

    assert_int_equal(run(w, &r), 401);
    check_error(w, 401, 20003, "Authenticate");
    assert_true(w->rs.www_authenticate);
    basic(bad, sizeof(bad), A1, "tok2");
    r.auth = bad;
    assert_int_equal(run(w, &r), 401);
    /* Authentication comes before the method check. */
    r.method = "PATCH";
    assert_int_equal(run(w, &r), 401);
    assert_null(w->rs.allow);
    r.auth = w->auth1;
    assert_int_equal(run(w, &r), 405);
    check_error(w, 405, 20004,
                "The requested resource /v1/Assistants does not support the "
                "attempted HTTP method PATCH");
    assert_string_equal(w->rs.allow, "GET, HEAD, POST, OPTIONS");
    assert_false(w->rs.www_authenticate);
    r.method = "PUT";
    assert_int_equal(run(w, &r), 405);
    r.method = "POST";
    r.target = "/v1/Assistants/aia_asst_1";
    assert_int_equal(run(w, &r), 405);
    assert_string_equal(w->rs.allow, "GET, HEAD, PUT, DELETE, OPTIONS");
}

static void
test_handle_link_base(void **state)
{
    struct world *w = *state;
    struct req r = {"GET",
                    "/v1/Assistants/aia_asst_1",
                    "example.com:8443",
                    NULL,
                    NULL,
                    NULL,
                    0,
                    0,
                    0};

    r.auth = w->auth1;
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "url"),
                        "http://example.com:8443/v1/Assistants/aia_asst_1");
    r.host = "[::1]:80";
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "url"),
                        "http://[::1]:80/v1/Assistants/aia_asst_1");
    /* No Host: the listener's address. */
    r.host = NULL;
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "url"),
                        "http://127.0.0.1:9/v1/Assistants/aia_asst_1");
    /* A Host that would break the links is refused, before auth. */
    r.host = "a\"b";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid Host header.");
    r.auth = NULL;
    r.host = "a b";
    assert_int_equal(run(w, &r), 400);
    /* --public-url wins over Host. */
    snprintf(w->cfg.public_url, sizeof(w->cfg.public_url),
             "https://mock.example");
    r.auth = w->auth1;
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "url"),
                        "https://mock.example/v1/Assistants/aia_asst_1");
    w->cfg.public_url[0] = '\0';
}

static void
test_handle_list_and_fetch(void **state)
{
    struct world *w = *state;
    struct req r = {
        "GET", "/v1/Assistants?PageSize=1", "h", NULL, NULL, NULL, 0, 0, 0};
    json_object *v, *meta;

    r.auth = w->auth1;
    assert_int_equal(run(w, &r), 200);
    assert_true(json_object_object_get_ex(w->json, "assistants", &v));
    assert_int_equal(json_object_array_length(v), 1);
    assert_true(json_object_object_get_ex(w->json, "meta", &meta));
    assert_true(json_object_object_get_ex(meta, "next_page_url", &v));
    assert_non_null(v);
    assert_true(json_object_object_get_ex(meta, "key", &v));
    assert_string_equal(json_object_get_string(v), "assistants");
    /* A bad query is the list's 400. */
    r.target = "/v1/Assistants?PageSize=0";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid PageSize.");
    /* HEAD runs the GET handler (the transport drops the body). */
    r.method = "HEAD";
    r.target = "/v1/Assistants";
    assert_int_equal(run(w, &r), 200);
    /* Fetch, with the attachments; another account's id is a 404. */
    r.method = "GET";
    r.target = "/v1/Assistants/aia_asst_2";
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "id"), "aia_asst_2");
    assert_string_equal(str_at(w, "name"), "Two");
    assert_true(json_object_object_get_ex(w->json, "tools", &v));
    assert_int_equal(json_object_array_length(v), 0);
    assert_true(json_object_object_get_ex(w->json, "knowledge", &v));
    r.target = "/v1/Assistants/aia_asst_3";
    assert_int_equal(run(w, &r), 404);
    check_error(w, 404, 20404,
                "The requested resource /v1/Assistants/aia_asst_3 was not "
                "found");
    r.auth = w->auth2;
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "account_sid"), A2);
    /* The id is percent-decoded before the look-up. */
    r.target = "/v1/Assistants/aia%5Fasst%5F3";
    assert_int_equal(run(w, &r), 200);
    r.target = "/v1/Assistants/aia_asst_3%2F";
    assert_int_equal(run(w, &r), 404);
    check_error(w, 404, 20404,
                "The requested resource /v1/Assistants/aia_asst_3/ was not "
                "found");
}

static void
test_handle_body_checks(void **state)
{
    struct world *w = *state;
    struct req r = {
        "POST", "/v1/Assistants", "h", NULL, "application/json", NULL, 0, 0, 0};

    r.auth = w->auth1;
    r.too_large = true;
    r.body = "{}";
    assert_int_equal(run(w, &r), 413);
    check_error(w, 413, 20001, "Request Entity Too Large");
    r.too_large = false;
    /* No body is {}: then the missing required field. */
    r.body = NULL;
    r.ctype = NULL;
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Missing required parameter name");
    /* A body needs application/json (any case, parameters allowed). */
    r.body = "{\"name\":\"n\"}";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Content-Type must be application/json");
    r.ctype = "text/plain";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Content-Type must be application/json");
    r.ctype = "application/jsonx";
    assert_int_equal(run(w, &r), 400);
    r.ctype = "application/x-www-form-urlencoded";
    r.body = "Name=n";
    assert_int_equal(run(w, &r), 400);
    r.ctype = "Application/JSON; charset=utf-8";
    r.body = "{\"name\":\"n\"";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid JSON in request body");
    /* Only an object. */
    r.body = "[]";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid JSON in request body");
    r.body = "null";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid JSON in request body");
    r.body = "\"name\"";
    assert_int_equal(run(w, &r), 400);
    /* The strict parser's rules. */
    r.body = "{\"name\":\"a\",\"name\":\"b\"}";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid JSON in request body");
    r.body = "{\"name\":\"\\ud800\"}";
    assert_int_equal(run(w, &r), 400);
    r.body = "{\"name\":\"n\"} x";
    assert_int_equal(run(w, &r), 400);
    /* The descriptor's checks. */
    r.body = "{\"name\":1}";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid parameter name");
    r.body = "{\"name\":\"n\",\"customer_ai\":{\"perception_engine_enabled\":"
             "true}}";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001,
                "Missing required parameter "
                "customer_ai.personalization_engine_enabled");
    /* Nothing was created. */
    r.method = "GET";
    r.body = NULL;
    assert_int_equal(run(w, &r), 200);
    {
        json_object *v;
        assert_true(json_object_object_get_ex(w->json, "assistants", &v));
        assert_int_equal(json_object_array_length(v), 2);
    }
}

static void
test_handle_crud(void **state)
{
    struct world *w = *state;
    struct req r = {"POST",
                    "/v1/Assistants",
                    "h",
                    NULL,
                    "application/json",
                    "{\"name\":\"New \\\"one\\\"\",\"owner\":\"me\","
                    "\"segment_credential\":{\"write_key\":\"secret-w\"}}",
                    0,
                    0,
                    0};
    char id[128], path[256];
    json_object *v;

    r.auth = w->auth1;
    assert_int_equal(run(w, &r), 201);
    snprintf(id, sizeof(id), "%s", str_at(w, "id"));
    assert_int_equal(strncmp(id, "aia_asst_", 9), 0);
    assert_int_equal(strlen(id), 9 + 36);
    assert_string_equal(str_at(w, "name"), "New \"one\"");
    assert_string_equal(str_at(w, "owner"), "me");
    assert_string_equal(str_at(w, "model"), CONFIG_DEFAULT_MODEL);
    assert_string_equal(str_at(w, "personality_prompt"), "");
    assert_string_equal(str_at(w, "account_sid"), A1);
    assert_string_equal(str_at(w, "date_created"), str_at(w, "date_updated"));
    assert_false(json_object_object_get_ex(w->json, "segment_credential", &v));
    assert_null(strstr(w->rs.body.data, "secret-w"));
    snprintf(path, sizeof(path), "/v1/Assistants/%s", id);

    /* Fetch: the same item, plus the attachments. */
    r.method = "GET";
    r.target = path;
    r.body = NULL;
    assert_int_equal(run(w, &r), 200);
    {
        char want[300];
        snprintf(want, sizeof(want), "http://h%s", path);
        assert_string_equal(str_at(w, "url"), want);
    }
    assert_null(strstr(w->rs.body.data, "secret-w"));
    /* Another account does not see it, cannot change or delete it. */
    r.auth = w->auth2;
    assert_int_equal(run(w, &r), 404);
    r.method = "PUT";
    r.body = "{\"name\":\"stolen\"}";
    assert_int_equal(run(w, &r), 404);
    r.method = "DELETE";
    r.body = NULL;
    assert_int_equal(run(w, &r), 404);

    /* Update: given fields replace, absent and null ones stay. */
    r.auth = w->auth1;
    r.method = "PUT";
    r.body = "{\"personality_prompt\":\"pp\",\"owner\":null}";
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "id"), id);
    assert_string_equal(str_at(w, "name"), "New \"one\"");
    assert_string_equal(str_at(w, "owner"), "me");
    assert_string_equal(str_at(w, "personality_prompt"), "pp");
    r.body = "{\"name\":2}";
    assert_int_equal(run(w, &r), 400);
    check_error(w, 400, 20001, "Invalid parameter name");
    /* An empty update body is fine. */
    r.body = NULL;
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "personality_prompt"), "pp");

    /* Delete: 204, then 404 for every operation on it. */
    r.method = "DELETE";
    assert_int_equal(run(w, &r), 204);
    assert_true(w->rs.no_content);
    assert_int_equal(run(w, &r), 404);
    r.method = "GET";
    assert_int_equal(run(w, &r), 404);
    r.method = "PUT";
    r.body = "{}";
    assert_int_equal(run(w, &r), 404);
    check_error(w, 404, 20404, NULL);
    /* Seeded rows can be updated and deleted too. */
    r.target = "/v1/Assistants/aia_asst_1";
    r.body = "{\"name\":\"Uno\"}";
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "name"), "Uno");
    assert_string_equal(str_at(w, "date_created"), "2024-01-01T00:00:00Z");
    r.method = "DELETE";
    r.body = NULL;
    assert_int_equal(run(w, &r), 204);
    r.method = "GET";
    assert_int_equal(run(w, &r), 404);
    /* store_reset brings the seeded state back. */
    assert_int_equal(store_reset(w->store, -1), 0);
    assert_int_equal(run(w, &r), 200);
    assert_string_equal(str_at(w, "name"), "One");
}

/* Per-account rate limit: --rate-limit requests a second, then 429. */
static void
test_handle_rate_limit(void **state)
{
    struct world *w = *state;
    struct req r = {
        "GET", "/v1/Assistants/aia_asst_1", "h", NULL, NULL, NULL, 0, 0, 0};
    unsigned got[3];
    int attempt, i;

    router_release(&w->app);
    w->cfg.rate_limit = 2;
    assert_int_equal(router_init(&w->app, &w->cfg, w->store, &w->fx.accts), 0);
    /* Three in one second; retried if a second boundary fell inside. */
    for (attempt = 0; attempt < 5; attempt++) {
        r.auth = w->auth1;
        for (i = 0; i < 3; i++)
            got[i] = run(w, &r);
        if (got[2] == 429)
            break; /* else a new second began in between: again */
    }
    assert_int_equal(got[0], 200);
    assert_int_equal(got[2], 429);
    check_error(w, 429, 20429, "Too Many Requests");
    /* Another account has its own window; unauthenticated requests none. */
    r.auth = w->auth2;
    r.target = "/v1/Assistants/aia_asst_3";
    assert_int_equal(run(w, &r), 200);
    r.auth = NULL;
    assert_int_equal(run(w, &r), 401);
    r.target = "/healthz";
    for (i = 0; i < 5; i++)
        assert_int_equal(run(w, &r), 200);
}

/*
 * --inject-store-fault N: every Nth list answers 500 20500, the others are
 * the real list (was store_set_fault_every, now a fault rule).
 */
static void
test_handle_fault_every(void **state)
{
    struct world *w = *state;
    struct req r = {"GET", "/v1/Assistants", "h", NULL, NULL, NULL, 0, 0, 0};
    int i;

    router_release(&w->app);
    w->cfg.fault_every = 2;
    assert_int_equal(router_init(&w->app, &w->cfg, w->store, &w->fx.accts), 0);
    r.auth = w->auth1;
    for (i = 1; i <= 6; i++) {
        unsigned st = run(w, &r);
        if (i % 2 == 0) {
            assert_int_equal(st, 500);
            check_error(w, 500, 20500, "Internal Server Error");
        } else {
            json_object *v;
            assert_int_equal(st, 200);
            assert_true(json_object_object_get_ex(w->json, "assistants", &v));
            assert_int_equal(json_object_array_length(v), 2);
        }
    }
    /* Only the list: a fetch is never hit. */
    r.target = "/v1/Assistants/aia_asst_1";
    for (i = 0; i < 4; i++)
        assert_int_equal(run(w, &r), 200);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_match_literal),
    cmocka_unit_test(test_match_slashes),
    cmocka_unit_test(test_match_params),
    cmocka_unit_test(test_match_two_params),
    cmocka_unit_test(test_match_long_param),
    cmocka_unit_test(test_request_method),
    cmocka_unit_test_setup_teardown(test_handle_health, world_up, world_down),
    cmocka_unit_test_setup_teardown(test_handle_not_found, world_up,
                                    world_down),
    cmocka_unit_test_setup_teardown(test_handle_limits, world_up, world_down),
    cmocka_unit_test_setup_teardown(test_handle_options, world_up, world_down),
    cmocka_unit_test_setup_teardown(test_handle_auth_and_method, world_up,
                                    world_down),
    cmocka_unit_test_setup_teardown(test_handle_link_base, world_up,
                                    world_down),
    cmocka_unit_test_setup_teardown(test_handle_list_and_fetch, world_up,
                                    world_down),
    cmocka_unit_test_setup_teardown(test_handle_body_checks, world_up,
                                    world_down),
    cmocka_unit_test_setup_teardown(test_handle_crud, world_up, world_down),
    cmocka_unit_test_setup_teardown(test_handle_rate_limit, world_up,
                                    world_down),
    cmocka_unit_test_setup_teardown(test_handle_fault_every, world_up,
                                    world_down),
};

UNIT_MAIN(tests)
