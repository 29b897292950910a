/*
 * test_journal.c - unit tests of journal.c: journal_glob (literal runs,
 * '*' anywhere, backtracking, no other metacharacters, explicit lengths),
 * the rings (overflow and dropped counts per ring, the ring of requests
 * without an account), the rendering of one entry byte for byte (secret
 * headers dropped, repeated headers joined, the body cut at
 * JOURNAL_MAX_BODY, nulls), the global view in arrival order, the filters
 * and since, count, clear of one ring or all, a journal of cap 0, and
 * threads adding at once.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "journal.h"
#include "request.h"
#include "unit.h"

#define SID_A "ACa11ce000000000000000000000000001"
#define SID_B "ACb0b00000000000000000000000000002"

/* ---- helpers ---- */

/* A GET of path with no headers, query or body. */
static struct request
plain_request(const char *method, const char *path)
{
    struct request rq;

    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = path;
    rq.path_len = strlen(path);
    return rq;
}

/* Records method path in ring (-1: none) with request id rid. */
static void
add(struct journal *j, int ring, const char *rid, const char *method,
    const char *path, unsigned status)
{
    struct request rq = plain_request(method, path);
    struct journal_record r;

    memset(&r, 0, sizeof(r));
    r.ring = ring;
    r.account_sid = ring == 0 ? SID_A : ring == 1 ? SID_B : NULL;
    r.request_id = rid;
    r.time_ms = 1735689600000LL;
    r.rq = &rq;
    r.status = status;
    r.route = NULL;
    journal_add(j, &r);
}

static const struct journal_filter no_filter = {NULL, NULL, 0, NULL};

/*
 * The request ids journal_render gives for (ring, f), space-separated, and
 * its dropped count: "RQ1 RQ2 | 3". Checks the output is one JSON object
 * of exactly the members "requests" and "dropped".
 */
static char *
listing(struct journal *j, int ring, const struct journal_filter *f)
{
    struct buf b = BUF_INIT, r = BUF_INIT;
    json_object *o, *reqs, *dropped;
    size_t i;

    assert_int_equal(journal_render(j, ring, f, &b), 0);
    assert_non_null(b.data);
    o = json_tokener_parse(b.data);
    assert_non_null(o);
    assert_int_equal(json_object_object_length(o), 2);
    assert_true(json_object_object_get_ex(o, "requests", &reqs));
    assert_true(json_object_object_get_ex(o, "dropped", &dropped));
    assert_true(json_object_is_type(reqs, json_type_array));
    assert_true(json_object_is_type(dropped, json_type_int));
    buf_adds(&r, "");
    for (i = 0; i < json_object_array_length(reqs); i++) {
        json_object *id;
        assert_true(json_object_object_get_ex(
            json_object_array_get_idx(reqs, i), "request_id", &id));
        if (i)
            buf_addc(&r, ' ');
        buf_adds(&r, json_object_get_string(id));
    }
    buf_addf(&r, " | %lld", (long long)json_object_get_int64(dropped));
    json_object_put(o);
    buf_release(&b);
    return buf_detach(&r, NULL);
}

#define CHECK_LISTING(j, ring, f, want)                                        \
    do {                                                                       \
        char *got_ = listing((j), (ring), (f));                                \
        assert_string_equal(got_, (want));                                     \
        free(got_);                                                            \
    } while (0)

/* ---- journal_glob ---- */

static bool
glob(const char *g, const char *s)
{
    /* An exact-size copy: the matcher must not read s[n]. */
    size_t n = strlen(s);
    char *copy = malloc(n ? n : 1);
    bool m;

    assert_non_null(copy);
    memcpy(copy, s, n);
    m = journal_glob(g, copy, n);
    free(copy);
    return m;
}

static void
test_glob_literal(void **state)
{
    (void)state;
    assert_true(glob("abc", "abc"));
    assert_true(glob("/v1/Assistants", "/v1/Assistants"));
    assert_false(glob("abc", "abd"));
    assert_false(glob("abc", "ab"));
    assert_false(glob("ab", "abc"));
    assert_false(glob("abc", "ABC"));
    assert_false(glob("abc", ""));
    assert_false(glob("a", "b"));
}

static void
test_glob_empty_and_star(void **state)
{
    (void)state;
    /* The empty glob matches the empty string only. */
    assert_true(glob("", ""));
    assert_false(glob("", "a"));
    /* '*' alone, or several, matches everything. */
    assert_true(glob("*", ""));
    assert_true(glob("*", "a"));
    assert_true(glob("*", "/v1/Assistants/aia_asst_1"));
    assert_true(glob("**", ""));
    assert_true(glob("***", "abc"));
}

static void
test_glob_star_positions(void **state)
{
    (void)state;
    /* At the start. */
    assert_true(glob("*c", "c"));
    assert_true(glob("*c", "abc"));
    assert_true(glob("*c", "ccc"));
    assert_false(glob("*c", "abx"));
    assert_false(glob("*c", "cb"));
    assert_false(glob("*c", ""));
    /* At the end. */
    assert_true(glob("a*", "a"));
    assert_true(glob("a*", "abc"));
    assert_false(glob("a*", "ba"));
    assert_false(glob("a*", ""));
    assert_true(glob("/v1/Assistants/*", "/v1/Assistants/"));
    assert_true(glob("/v1/Assistants/*", "/v1/Assistants/x/y"));
    assert_false(glob("/v1/Assistants/*", "/v1/Assistants"));
    /* In the middle. */
    assert_true(glob("a*c", "ac"));
    assert_true(glob("a*c", "abc"));
    assert_true(glob("a*c", "abbbc"));
    assert_true(glob("a*c", "acc"));
    assert_false(glob("a*c", "ab"));
    assert_false(glob("a*c", "abcd"));
    assert_false(glob("a*c", "c"));
    /* At both ends. */
    assert_true(glob("*b*", "b"));
    assert_true(glob("*b*", "abc"));
    assert_false(glob("*b*", "ac"));
    assert_true(glob("*Assistants*", "/v1/Assistants/x"));
}

static void
test_glob_backtracking(void **state)
{
    (void)state;
    assert_true(glob("a*b*c", "abc"));
    assert_true(glob("a*b*c", "aXbYbZc"));
    assert_true(glob("a*b*c", "abbbcc"));
    assert_false(glob("a*b*c", "aXbYbZ"));
    assert_false(glob("a*b*c", "aXcYc"));
    assert_false(glob("a*b*c", "acb"));
    /* The first candidate for a run is not the right one. */
    assert_true(glob("*ab", "aab"));
    assert_true(glob("*ab*ab", "abab"));
    assert_true(glob("*ab*ab", "aabxaab"));
    assert_false(glob("*ab*ab", "aabxaa"));
    assert_true(glob("a*aab", "aaaab"));
    assert_true(glob("*abc", "ababcabc"));
    assert_false(glob("*abc", "ababcab"));
    assert_true(glob("*/Tools/*", "/v1/Assistants/a/Tools/b"));
    /* Many stars on a long run of one letter: false, and quickly. */
    {
        char s[2001];
        memset(s, 'a', 2000);
        s[2000] = '\0';
        assert_false(glob("*a*a*a*a*a*a*a*a*b", s));
        assert_true(glob("*a*a*a*a*a*a*a*a*", s));
        s[1999] = 'b';
        assert_true(glob("*a*a*a*a*a*a*a*a*b", s));
    }
}

static void
test_glob_no_other_metacharacters(void **state)
{
    (void)state;
    assert_false(glob("a?c", "abc"));
    assert_true(glob("a?c", "a?c"));
    assert_false(glob("[ab]", "a"));
    assert_true(glob("[ab]", "[ab]"));
    assert_true(glob("a.c", "a.c"));
    assert_false(glob("a.c", "abc"));
    assert_false(glob("a+", "aa"));
    /* A backslash is a plain character and does not quote the star. */
    assert_true(glob("a\\*", "a\\"));
    assert_true(glob("a\\*", "a\\xyz"));
    assert_false(glob("a\\*", "a*"));
    assert_true(glob("%2F", "%2F"));
    assert_false(glob("%2F", "/"));
}

static void
test_glob_lengths(void **state)
{
    (void)state;
    /* Only s[0..n) counts. */
    assert_true(journal_glob("abc", "abcdef", 3));
    assert_false(journal_glob("abcd", "abcdef", 3));
    assert_true(journal_glob("", "abc", 0));
    assert_true(journal_glob("*", "abc", 0));
    assert_false(journal_glob("a", "abc", 0));
    /* A NUL inside s is a character like any other. */
    assert_true(journal_glob("a*", "a\0b", 3));
    assert_true(journal_glob("*b", "a\0b", 3));
    assert_false(journal_glob("a", "a\0", 2));
    assert_false(journal_glob("ab", "a\0b", 3));
    /* Bytes past ASCII compare as bytes. */
    assert_true(journal_glob("*\xc3\xa9", "caf\xc3\xa9", 5));
    assert_false(journal_glob("*\xc3\xa9", "cafe", 4));
}

/* ---- rings ---- */

static void
test_ring_overflow(void **state)
{
    struct journal *j = journal_new(2, 3);

    (void)state;
    assert_non_null(j);
    add(j, 0, "RQa1", "GET", "/v1/Assistants", 200);
    add(j, 0, "RQa2", "GET", "/v1/Assistants", 200);
    add(j, 0, "RQa3", "GET", "/v1/Assistants", 200);
    CHECK_LISTING(j, 0, &no_filter, "RQa1 RQa2 RQa3 | 0");
    /* The fourth drops the oldest, and the fifth the next. */
    add(j, 0, "RQa4", "GET", "/v1/Assistants", 200);
    CHECK_LISTING(j, 0, &no_filter, "RQa2 RQa3 RQa4 | 1");
    add(j, 0, "RQa5", "GET", "/v1/Assistants", 200);
    CHECK_LISTING(j, 0, &no_filter, "RQa3 RQa4 RQa5 | 2");
    /* Other rings are not touched: each has its own cap and count. */
    add(j, 1, "RQb1", "GET", "/v1/Assistants", 200);
    CHECK_LISTING(j, 1, &no_filter, "RQb1 | 0");
    CHECK_LISTING(j, 2, &no_filter, " | 0");
    add(j, -1, "RQn1", "GET", "/v1", 401);
    add(j, -1, "RQn2", "GET", "/v1", 401);
    add(j, -1, "RQn3", "GET", "/v1", 401);
    add(j, -1, "RQn4", "GET", "/v1", 401);
    /* Ring -1 is ring n_accounts (2). */
    CHECK_LISTING(j, 2, &no_filter, "RQn2 RQn3 RQn4 | 1");
    CHECK_LISTING(j, 0, &no_filter, "RQa3 RQa4 RQa5 | 2");
    CHECK_LISTING(j, 1, &no_filter, "RQb1 | 0");
    /* The global view sums the dropped counts. */
    CHECK_LISTING(j, -1, &no_filter, "RQa3 RQa4 RQa5 RQb1 RQn2 RQn3 RQn4 | 3");
    /* Wrapping many times keeps the newest cap entries. */
    {
        char rid[16];
        int i;
        for (i = 6; i <= 100; i++) {
            snprintf(rid, sizeof(rid), "RQa%d", i);
            add(j, 0, rid, "GET", "/v1/Assistants", 200);
        }
    }
    CHECK_LISTING(j, 0, &no_filter, "RQa98 RQa99 RQa100 | 97");
    assert_int_equal(journal_count(j, 0, &no_filter), 3);
    assert_int_equal(journal_count(j, -1, &no_filter), 7);
    journal_free(j);
}

static void
test_ring_out_of_range(void **state)
{
    struct journal *j = journal_new(1, 4);

    (void)state;
    /* A ring index that names no account goes to the no-account ring. */
    add(j, 5, "RQx", "GET", "/v1", 401);
    add(j, -7, "RQy", "GET", "/v1", 401);
    CHECK_LISTING(j, 0, &no_filter, " | 0");
    CHECK_LISTING(j, 1, &no_filter, "RQx RQy | 0");
    journal_free(j);
    /* A journal without accounts has the one no-account ring. */
    j = journal_new(0, 2);
    add(j, -1, "RQ1", "GET", "/v1", 401);
    add(j, 0, "RQ2", "GET", "/v1", 401);
    CHECK_LISTING(j, 0, &no_filter, "RQ1 RQ2 | 0");
    CHECK_LISTING(j, -1, &no_filter, "RQ1 RQ2 | 0");
    journal_free(j);
    journal_free(NULL);
}

/* ---- rendering ---- */

static void
test_render_entry(void **state)
{
    static const struct header headers[] = {
        {"Host", "localhost:8080"},
        {"Authorization", "Basic c2VjcmV0OnNlY3JldA=="},
        {"X-Rep", "a"},
        {"Content-Type", "application/json"},
        {"proxy-authorization", "Basic cHJveHk6cHJveHk="},
        {"x-rep", "b \"q\"\t\\"},
        {"AUTHORIZATION", "Bearer t"},
        {"X-Rep", "c"},
        {"X-Empty", ""},
    };
    static const char body[] = "{\"name\":\"x\\u00e9\",\n\"n\":1}";
    struct journal *j = journal_new(2, 10);
    struct request rq = plain_request("POST", "/v1/Assistants/aia%20x");
    struct journal_record r;
    struct buf b = BUF_INIT;

    (void)state;
    rq.query = "PageSize=5&Page=0";
    rq.query_len = 10; /* only "PageSize=5" */
    rq.headers = headers;
    rq.n_headers = sizeof(headers) / sizeof(headers[0]);
    rq.body = body;
    rq.body_len = sizeof(body) - 1;
    memset(&r, 0, sizeof(r));
    r.ring = 0;
    r.account_sid = SID_A;
    r.request_id = "RQ0123456789abcdef0123456789abcdef";
    r.time_ms = 1735689600123LL;
    r.rq = &rq;
    r.status = 201;
    r.duration_us = 1234;
    r.route = "/v1/Assistants/{id}";
    journal_add(j, &r);
    assert_int_equal(journal_render(j, 0, &no_filter, &b), 0);
    assert_string_equal(
        b.data,
        "{\"requests\":[{\"request_id\":\"RQ0123456789abcdef0123456789abcdef\","
        "\"time\":\"2025-01-01T00:00:00.123Z\","
        "\"account_sid\":\"" SID_A "\","
        "\"method\":\"POST\",\"path\":\"/v1/Assistants/aia%20x\","
        "\"query\":\"PageSize=5\","
        "\"headers\":{\"Host\":\"localhost:8080\","
        "\"X-Rep\":\"a, b \\\"q\\\"\\t\\\\, c\","
        "\"Content-Type\":\"application/json\",\"X-Empty\":\"\"},"
        "\"body\":\"{\\\"name\\\":\\\"x\\\\u00e9\\\",\\n\\\"n\\\":1}\","
        "\"status\":201,\"duration_ms\":1.234,"
        "\"route\":\"/v1/Assistants/{id}\"}],\"dropped\":0}");

    /* No account, no query, no headers, no body, dropped, no route. */
    rq = plain_request("GET", "/v1/Nope");
    r.ring = -1;
    r.account_sid = NULL;
    r.request_id = "RQ2";
    r.time_ms = 86400000LL + 7;
    r.status = 0;
    r.duration_us = 0;
    r.route = NULL;
    journal_add(j, &r);
    buf_reset(&b);
    assert_int_equal(journal_render(j, 2, &no_filter, &b), 0);
    assert_string_equal(
        b.data, "{\"requests\":[{\"request_id\":\"RQ2\","
                "\"time\":\"1970-01-02T00:00:00.007Z\",\"account_sid\":null,"
                "\"method\":\"GET\",\"path\":\"/v1/Nope\",\"query\":null,"
                "\"headers\":{},\"body\":\"\",\"status\":null,"
                "\"duration_ms\":0.000,\"route\":null}],\"dropped\":0}");

    /* An empty query is a string, not null; a long duration keeps 3 places. */
    rq = plain_request("DELETE", "/v1/Assistants/x");
    rq.query = "";
    rq.query_len = 0;
    r.ring = 1;
    r.account_sid = SID_B;
    r.request_id = "RQ3";
    r.time_ms = 0;
    r.status = 204;
    r.duration_us = 60000001;
    journal_add(j, &r);
    buf_reset(&b);
    assert_int_equal(journal_render(j, 1, &no_filter, &b), 0);
    assert_string_equal(
        b.data, "{\"requests\":[{\"request_id\":\"RQ3\","
                "\"time\":\"1970-01-01T00:00:00.000Z\",\"account_sid\":\"" SID_B
                "\",\"method\":\"DELETE\",\"path\":\"/v1/Assistants/x\","
                "\"query\":\"\",\"headers\":{},\"body\":\"\",\"status\":204,"
                "\"duration_ms\":60000.001,\"route\":null}],\"dropped\":0}");

    /* What journal_render appends goes after what the buffer held. */
    buf_reset(&b);
    buf_adds(&b, "x");
    assert_int_equal(journal_render(j, 1, &no_filter, &b), 0);
    assert_true(strncmp(b.data, "x{\"requests\":[{", 15) == 0);
    buf_release(&b);
    journal_free(j);
}

/* The record's strings are copied: the journal does not keep pointers. */
static void
test_render_copies(void **state)
{
    struct journal *j = journal_new(1, 4);
    char method[8] = "GET", path[32] = "/v1/Assistants", rid[8] = "RQc";
    char hname[8] = "X-A", hval[8] = "v", bodyb[8] = "{}";
    struct header h[1];
    struct request rq;
    struct journal_record r;
    struct buf b = BUF_INIT;

    (void)state;
    h[0].name = hname;
    h[0].value = hval;
    rq = plain_request(method, path);
    rq.headers = h;
    rq.n_headers = 1;
    rq.body = bodyb;
    rq.body_len = 2;
    memset(&r, 0, sizeof(r));
    r.ring = 0;
    r.request_id = rid;
    r.rq = &rq;
    r.status = 200;
    journal_add(j, &r);
    memset(method, 'Z', sizeof(method) - 1);
    memset(path, 'Z', sizeof(path) - 1);
    memset(rid, 'Z', sizeof(rid) - 1);
    memset(hname, 'Z', sizeof(hname) - 1);
    memset(hval, 'Z', sizeof(hval) - 1);
    memset(bodyb, 'Z', sizeof(bodyb) - 1);
    assert_int_equal(journal_render(j, 0, &no_filter, &b), 0);
    assert_non_null(strstr(b.data, "\"request_id\":\"RQc\""));
    assert_non_null(strstr(b.data, "\"method\":\"GET\""));
    assert_non_null(strstr(b.data, "\"path\":\"/v1/Assistants\""));
    assert_non_null(strstr(b.data, "\"headers\":{\"X-A\":\"v\"}"));
    assert_non_null(strstr(b.data, "\"body\":\"{}\""));
    assert_null(strstr(b.data, "ZZ"));
    buf_release(&b);
    journal_free(j);
}

/* The body of the only entry of ring 0, parsed back. */
static char *
rendered_body(struct journal *j, size_t *len)
{
    struct buf b = BUF_INIT;
    json_object *o, *v;
    char *s;

    assert_int_equal(journal_render(j, 0, &no_filter, &b), 0);
    o = json_tokener_parse(b.data);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "requests", &v));
    assert_int_equal(json_object_array_length(v), 1);
    assert_true(
        json_object_object_get_ex(json_object_array_get_idx(v, 0), "body", &v));
    *len = (size_t)json_object_get_string_len(v);
    s = malloc(*len + 1);
    assert_non_null(s);
    memcpy(s, json_object_get_string(v), *len + 1);
    json_object_put(o);
    buf_release(&b);
    return s;
}

static void
test_render_body_cut(void **state)
{
    size_t sizes[] = {JOURNAL_MAX_BODY - 1, JOURNAL_MAX_BODY,
                      JOURNAL_MAX_BODY + 1, REQUEST_MAX_BODY};
    size_t i, got_len;
    char *big = malloc(REQUEST_MAX_BODY);

    (void)state;
    assert_non_null(big);
    for (i = 0; i < REQUEST_MAX_BODY; i++)
        big[i] = (char)('a' + i % 26);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct journal *j = journal_new(1, 1);
        struct request rq = plain_request("POST", "/v1/Assistants");
        struct journal_record r;
        size_t want = sizes[i] < JOURNAL_MAX_BODY ? sizes[i] : JOURNAL_MAX_BODY;
        char *got;

        memset(&r, 0, sizeof(r));
        rq.body = big;
        rq.body_len = sizes[i];
        r.ring = 0;
        r.request_id = "RQ";
        r.rq = &rq;
        r.status = 413;
        journal_add(j, &r);
        got = rendered_body(j, &got_len);
        assert_int_equal(got_len, want);
        assert_memory_equal(got, big, want);
        free(got);
        journal_free(j);
    }
    /* A body holding NUL bytes is kept whole, as \u0000. */
    {
        struct journal *j = journal_new(1, 1);
        struct request rq = plain_request("POST", "/v1/Assistants");
        struct journal_record r;
        struct buf b = BUF_INIT;
        char *got;

        memset(&r, 0, sizeof(r));
        rq.body = "a\0b";
        rq.body_len = 3;
        r.ring = 0;
        r.request_id = "RQ";
        r.rq = &rq;
        journal_add(j, &r);
        got = rendered_body(j, &got_len);
        assert_int_equal(got_len, 3);
        assert_memory_equal(got, "a\0b", 3);
        free(got);
        assert_int_equal(journal_render(j, 0, &no_filter, &b), 0);
        assert_non_null(strstr(b.data, "\"body\":\"a\\u0000b\""));
        buf_release(&b);
        journal_free(j);
    }
    free(big);
}

/* ---- the global view ---- */

static void
test_global_order(void **state)
{
    struct journal *j = journal_new(2, 10);

    (void)state;
    add(j, 1, "RQ1", "GET", "/v1/Assistants", 200);
    add(j, -1, "RQ2", "GET", "/v1/Assistants", 401);
    add(j, 0, "RQ3", "GET", "/v1/Assistants", 200);
    add(j, 1, "RQ4", "POST", "/v1/Assistants", 201);
    add(j, 0, "RQ5", "DELETE", "/v1/Assistants/x", 204);
    add(j, -1, "RQ6", "GET", "/v1/Nope", 401);
    add(j, 0, "RQ7", "GET", "/v1/Assistants", 200);
    CHECK_LISTING(j, -1, &no_filter, "RQ1 RQ2 RQ3 RQ4 RQ5 RQ6 RQ7 | 0");
    CHECK_LISTING(j, 0, &no_filter, "RQ3 RQ5 RQ7 | 0");
    CHECK_LISTING(j, 1, &no_filter, "RQ1 RQ4 | 0");
    CHECK_LISTING(j, 2, &no_filter, "RQ2 RQ6 | 0");
    assert_int_equal(journal_count(j, -1, &no_filter), 7);
    assert_int_equal(journal_count(j, 2, &no_filter), 2);
    journal_free(j);
}

/* Overflow in one ring keeps the global view in arrival order. */
static void
test_global_order_after_overflow(void **state)
{
    struct journal *j = journal_new(2, 2);

    (void)state;
    add(j, 0, "RQ1", "GET", "/v1", 200);
    add(j, 1, "RQ2", "GET", "/v1", 200);
    add(j, 0, "RQ3", "GET", "/v1", 200);
    add(j, 0, "RQ4", "GET", "/v1", 200);
    add(j, 1, "RQ5", "GET", "/v1", 200);
    add(j, 0, "RQ6", "GET", "/v1", 200);
    CHECK_LISTING(j, -1, &no_filter, "RQ2 RQ4 RQ5 RQ6 | 2");
    journal_free(j);
}

/* ---- filters ---- */

static struct journal *
filter_journal(void)
{
    struct journal *j = journal_new(2, 20);

    assert_non_null(j);
    add(j, 0, "RQ1", "GET", "/v1/Assistants", 200);
    add(j, 0, "RQ2", "POST", "/v1/Assistants", 201);
    add(j, 1, "RQ3", "GET", "/v1/Assistants/aia%5Fx", 200);
    add(j, 0, "RQ4", "DELETE", "/v1/Assistants/aia_y", 404);
    add(j, -1, "RQ5", "GET", "/v1/Assistants", 401);
    add(j, 0, "RQ6", "GET", "/v1/%zz", 404);
    add(j, 1, "RQ7", "PATCH", "/v1/Assistants/aia_x", 405);
    add(j, 0, "RQ8", "GET", "/v1/Assistants/a%2Fb", 200);
    return j;
}

static void
test_filter_method(void **state)
{
    struct journal *j = filter_journal();
    struct journal_filter f = {"GET", NULL, 0, NULL};

    (void)state;
    CHECK_LISTING(j, -1, &f, "RQ1 RQ3 RQ5 RQ6 RQ8 | 0");
    f.method = "get";
    CHECK_LISTING(j, -1, &f, "RQ1 RQ3 RQ5 RQ6 RQ8 | 0");
    f.method = "gEt";
    CHECK_LISTING(j, 0, &f, "RQ1 RQ6 RQ8 | 0");
    f.method = "patch";
    CHECK_LISTING(j, -1, &f, "RQ7 | 0");
    f.method = "GE";
    CHECK_LISTING(j, -1, &f, " | 0");
    f.method = "GETX";
    CHECK_LISTING(j, -1, &f, " | 0");
    f.method = "";
    CHECK_LISTING(j, -1, &f, " | 0");
    /* A method filter is not a glob. */
    f.method = "*";
    CHECK_LISTING(j, -1, &f, " | 0");
    journal_free(j);
}

static void
test_filter_path(void **state)
{
    struct journal *j = filter_journal();
    struct journal_filter f = {NULL, "/v1/Assistants", 0, NULL};

    (void)state;
    CHECK_LISTING(j, -1, &f, "RQ1 RQ2 RQ5 | 0");
    f.path = "/v1/Assistants/*";
    CHECK_LISTING(j, -1, &f, "RQ3 RQ4 RQ7 RQ8 | 0");
    /* On the decoded path: %5F is '_', %2F is '/'. */
    f.path = "*_x";
    CHECK_LISTING(j, -1, &f, "RQ3 RQ7 | 0");
    f.path = "*%5F*";
    CHECK_LISTING(j, -1, &f, " | 0");
    f.path = "/v1/Assistants/a/b";
    CHECK_LISTING(j, -1, &f, "RQ8 | 0");
    f.path = "/v1/Assistants/*/*";
    CHECK_LISTING(j, -1, &f, "RQ8 | 0");
    /* A path that does not decode is matched as it was sent. */
    f.path = "/v1/%zz";
    CHECK_LISTING(j, -1, &f, "RQ6 | 0");
    f.path = "*";
    CHECK_LISTING(j, 1, &f, "RQ3 RQ7 | 0");
    f.path = "";
    CHECK_LISTING(j, -1, &f, " | 0");
    journal_free(j);
}

static void
test_filter_status_and_combined(void **state)
{
    struct journal *j = filter_journal();
    struct journal_filter f = {NULL, NULL, 404, NULL};

    (void)state;
    CHECK_LISTING(j, -1, &f, "RQ4 RQ6 | 0");
    CHECK_LISTING(j, 1, &f, " | 0");
    f.status = 401;
    CHECK_LISTING(j, -1, &f, "RQ5 | 0");
    CHECK_LISTING(j, 2, &f, "RQ5 | 0");
    CHECK_LISTING(j, 0, &f, " | 0");
    f.status = 599;
    CHECK_LISTING(j, -1, &f, " | 0");
    /* All three at once. */
    f.method = "get";
    f.path = "/v1/Assistants*";
    f.status = 200;
    CHECK_LISTING(j, -1, &f, "RQ1 RQ3 RQ8 | 0");
    CHECK_LISTING(j, 0, &f, "RQ1 RQ8 | 0");
    assert_int_equal(journal_count(j, -1, &f), 3);
    assert_int_equal(journal_count(j, 1, &f), 1);
    journal_free(j);
}

static void
test_filter_since(void **state)
{
    struct journal *j = filter_journal();
    struct journal_filter f = {NULL, NULL, 0, "RQ3"};
    struct buf b = BUF_INIT;

    (void)state;
    CHECK_LISTING(j, -1, &f, "RQ4 RQ5 RQ6 RQ7 RQ8 | 0");
    CHECK_LISTING(j, 1, &f, "RQ7 | 0");
    /* RQ3 is account 1's: not in account 0's scope. */
    assert_int_equal(journal_render(j, 0, &f, &b), -1);
    assert_int_equal(b.len, 0);
    assert_int_equal(journal_count(j, 0, &f), -1);
    /* The last entry: nothing after it. */
    f.since = "RQ8";
    CHECK_LISTING(j, -1, &f, " | 0");
    CHECK_LISTING(j, 0, &f, " | 0");
    assert_int_equal(journal_count(j, -1, &f), 0);
    /* An unknown id, a prefix of one, an empty one. */
    f.since = "RQ9";
    assert_int_equal(journal_render(j, -1, &f, &b), -1);
    assert_int_equal(journal_count(j, -1, &f), -1);
    f.since = "RQ";
    assert_int_equal(journal_render(j, -1, &f, &b), -1);
    f.since = "";
    assert_int_equal(journal_render(j, -1, &f, &b), -1);
    assert_int_equal(b.len, 0);
    /* With other filters: since is a position, not a match. */
    f.since = "RQ2";
    f.method = "GET";
    CHECK_LISTING(j, -1, &f, "RQ3 RQ5 RQ6 RQ8 | 0");
    f.since = "RQ1";
    f.method = "DELETE";
    CHECK_LISTING(j, 0, &f, "RQ4 | 0");
    f.method = NULL;
    f.status = 999;
    CHECK_LISTING(j, 0, &f, " | 0");
    /* An entry dropped from its ring is unknown. */
    {
        struct journal *k = journal_new(1, 2);
        struct journal_filter g = {NULL, NULL, 0, "RQa"};
        add(k, 0, "RQa", "GET", "/v1", 200);
        add(k, 0, "RQb", "GET", "/v1", 200);
        CHECK_LISTING(k, 0, &g, "RQb | 0");
        add(k, 0, "RQc", "GET", "/v1", 200);
        assert_int_equal(journal_count(k, 0, &g), -1);
        g.since = "RQb";
        CHECK_LISTING(k, 0, &g, "RQc | 1");
        journal_free(k);
    }
    buf_release(&b);
    journal_free(j);
}

/* ---- clear ---- */

static void
test_clear(void **state)
{
    struct journal *j = journal_new(2, 2);

    (void)state;
    add(j, 0, "RQ1", "GET", "/v1", 200);
    add(j, 0, "RQ2", "GET", "/v1", 200);
    add(j, 0, "RQ3", "GET", "/v1", 200);
    add(j, 1, "RQ4", "GET", "/v1", 200);
    add(j, 1, "RQ5", "GET", "/v1", 200);
    add(j, 1, "RQ6", "GET", "/v1", 200);
    add(j, -1, "RQ7", "GET", "/v1", 401);
    CHECK_LISTING(j, -1, &no_filter, "RQ2 RQ3 RQ5 RQ6 RQ7 | 2");
    /* One ring: its entries and its dropped count go, the rest stay. */
    journal_clear(j, 0);
    CHECK_LISTING(j, 0, &no_filter, " | 0");
    CHECK_LISTING(j, 1, &no_filter, "RQ5 RQ6 | 1");
    CHECK_LISTING(j, -1, &no_filter, "RQ5 RQ6 RQ7 | 1");
    /* The cleared ring works as new; the others go on from where they were. */
    add(j, 0, "RQ8", "GET", "/v1", 200);
    add(j, 1, "RQ9", "GET", "/v1", 200);
    CHECK_LISTING(j, 0, &no_filter, "RQ8 | 0");
    CHECK_LISTING(j, -1, &no_filter, "RQ6 RQ7 RQ8 RQ9 | 2");
    /* The no-account ring by its index. */
    journal_clear(j, 2);
    CHECK_LISTING(j, -1, &no_filter, "RQ6 RQ8 RQ9 | 2");
    /* A ring that does not exist: nothing happens. */
    journal_clear(j, 3);
    CHECK_LISTING(j, -1, &no_filter, "RQ6 RQ8 RQ9 | 2");
    /* Every ring. */
    journal_clear(j, -1);
    CHECK_LISTING(j, -1, &no_filter, " | 0");
    CHECK_LISTING(j, 1, &no_filter, " | 0");
    assert_int_equal(journal_count(j, -1, &no_filter), 0);
    add(j, 1, "RQ10", "GET", "/v1", 200);
    add(j, 0, "RQ11", "GET", "/v1", 200);
    CHECK_LISTING(j, -1, &no_filter, "RQ10 RQ11 | 0");
    journal_clear(NULL, -1);
    journal_free(j);
}

static void
test_cap_zero(void **state)
{
    struct journal *j = journal_new(2, 0);
    struct journal_filter f = {NULL, NULL, 0, "RQ1"};
    struct buf b = BUF_INIT;

    (void)state;
    assert_non_null(j);
    add(j, 0, "RQ1", "GET", "/v1", 200);
    add(j, -1, "RQ2", "GET", "/v1", 200);
    CHECK_LISTING(j, 0, &no_filter, " | 0");
    CHECK_LISTING(j, -1, &no_filter, " | 0");
    assert_int_equal(journal_count(j, -1, &no_filter), 0);
    assert_int_equal(journal_render(j, -1, &f, &b), -1);
    assert_int_equal(journal_count(j, 0, &f), -1);
    assert_int_equal(b.len, 0);
    journal_clear(j, -1);
    journal_clear(j, 0);
    journal_free(j);
}

/* ---- threads ---- */

#define N_THREADS 4
#define PER_THREAD 10000
#define THREAD_CAP 1000

struct adder {
    struct journal *j;
    int t;
};

static void *
adder_run(void *arg)
{
    struct adder *a = arg;
    char rid[35], path[32];
    int i;

    for (i = 0; i < PER_THREAD; i++) {
        snprintf(rid, sizeof(rid), "RQ%d-%d", a->t, i);
        snprintf(path, sizeof(path), "/v1/Assistants/%d", a->t);
        /* Threads 0-2 write ring 0, thread 3 ring 1 (and 0 for 1 in 10). */
        add(a->j, a->t < 3 || i % 10 == 0 ? 0 : 1, rid, "GET", path, 200);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    struct journal *j = journal_new(2, THREAD_CAP);
    struct adder a[N_THREADS];
    pthread_t th[N_THREADS];
    struct buf b = BUF_INIT;
    json_object *o, *reqs, *v;
    long last[N_THREADS];
    long total0 = 3 * PER_THREAD + PER_THREAD / 10;
    long total1 = PER_THREAD - PER_THREAD / 10;
    size_t i;
    int t;

    (void)state;
    for (t = 0; t < N_THREADS; t++) {
        a[t].j = j;
        a[t].t = t;
        assert_int_equal(pthread_create(&th[t], NULL, adder_run, &a[t]), 0);
    }
    for (t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_int_equal(journal_count(j, 0, &no_filter), THREAD_CAP);
    assert_int_equal(journal_count(j, 1, &no_filter), THREAD_CAP);
    assert_int_equal(journal_count(j, -1, &no_filter), 2 * THREAD_CAP);
    assert_int_equal(journal_render(j, 0, &no_filter, &b), 0);
    o = json_tokener_parse(b.data);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "dropped", &v));
    assert_int_equal(json_object_get_int64(v), total0 - THREAD_CAP);
    assert_true(json_object_object_get_ex(o, "requests", &reqs));
    assert_int_equal(json_object_array_length(reqs), THREAD_CAP);
    /* Each thread's entries are in the order it added them. */
    for (t = 0; t < N_THREADS; t++)
        last[t] = -1;
    for (i = 0; i < THREAD_CAP; i++) {
        const char *rid;
        int tt, n;
        assert_true(json_object_object_get_ex(
            json_object_array_get_idx(reqs, i), "request_id", &v));
        rid = json_object_get_string(v);
        assert_int_equal(sscanf(rid, "RQ%d-%d", &tt, &n), 2);
        assert_true(tt >= 0 && tt < N_THREADS);
        assert_true(n > last[tt]);
        last[tt] = n;
    }
    json_object_put(o);
    buf_reset(&b);
    assert_int_equal(journal_render(j, -1, &no_filter, &b), 0);
    o = json_tokener_parse(b.data);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "dropped", &v));
    assert_int_equal(json_object_get_int64(v),
                     total0 + total1 - 2 * THREAD_CAP);
    json_object_put(o);
    buf_release(&b);
    journal_free(j);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_glob_literal),
    cmocka_unit_test(test_glob_empty_and_star),
    cmocka_unit_test(test_glob_star_positions),
    cmocka_unit_test(test_glob_backtracking),
    cmocka_unit_test(test_glob_no_other_metacharacters),
    cmocka_unit_test(test_glob_lengths),
    cmocka_unit_test(test_ring_overflow),
    cmocka_unit_test(test_ring_out_of_range),
    cmocka_unit_test(test_render_entry),
    cmocka_unit_test(test_render_copies),
    cmocka_unit_test(test_render_body_cut),
    cmocka_unit_test(test_global_order),
    cmocka_unit_test(test_global_order_after_overflow),
    cmocka_unit_test(test_filter_method),
    cmocka_unit_test(test_filter_path),
    cmocka_unit_test(test_filter_status_and_combined),
    cmocka_unit_test(test_filter_since),
    cmocka_unit_test(test_clear),
    cmocka_unit_test(test_cap_zero),
    cmocka_unit_test(test_threads),
};

UNIT_MAIN(tests)
