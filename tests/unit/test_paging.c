/*
 * test_paging.c - unit tests of paging.c: query parsing, page tokens, Host
 * validation and the meta links.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "paging.h"
#include "unit.h"

static const char acct1[] = "ACa11ce000000000000000000000000001";
static const char acct2[] = "ACb0b00000000000000000000000000002";

static const char token_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---- paging_parse_query ---- */

static enum api_err
parse(const char *query, struct paging_query *q)
{
    memset(q, 0x5a, sizeof(*q));
    return paging_parse_query(query, query ? strlen(query) : 0, q);
}

static void
expect(const char *query, enum api_err want)
{
    struct paging_query q;
    enum api_err got = parse(query, &q);

    if (got != want) {
        print_error("query \"%s\": got error %d, want %d\n",
                    query ? query : "(null)", (int)got, (int)want);
        fail();
    }
}

static void
expect_ok(const char *query, long long page, long long size, const char *token)
{
    struct paging_query q;
    enum api_err got = parse(query, &q);

    if (got != API_OK) {
        print_error("query \"%s\": got error %d\n", query ? query : "(null)",
                    (int)got);
        fail();
    }
    assert_int_equal(q.page, page);
    assert_int_equal(q.page_size, size);
    assert_int_equal(q.has_token, token != NULL);
    if (token) {
        assert_int_equal(q.token_len, strlen(token));
        assert_string_equal(q.token, token);
    }
}

static void
test_query_defaults(void **state)
{
    struct paging_query q;

    (void)state;
    memset(&q, 0x5a, sizeof(q));
    assert_int_equal(paging_parse_query(NULL, 0, &q), API_OK);
    assert_int_equal(q.page, 0);
    assert_int_equal(q.page_size, PAGING_DEFAULT_SIZE);
    assert_int_equal(PAGING_DEFAULT_SIZE, 50);
    assert_false(q.has_token);
    /* NULL with a stray length is still "no query". */
    assert_int_equal(paging_parse_query(NULL, 10, &q), API_OK);
    assert_int_equal(q.page_size, 50);
    expect_ok("", 0, 50, NULL);
    expect_ok("&&&", 0, 50, NULL);
    expect_ok("&", 0, 50, NULL);
    expect_ok("=", 0, 50, NULL);
    expect_ok("==&=&", 0, 50, NULL);
}

static void
test_query_page_size(void **state)
{
    (void)state;
    expect_ok("PageSize=1", 0, 1, NULL);
    expect_ok("PageSize=1000", 0, 1000, NULL);
    expect_ok("PageSize=50", 0, 50, NULL);
    expect_ok("PageSize=007", 0, 7, NULL);
    expect("PageSize=0", API_ERR_PAGE_SIZE);
    expect("PageSize=000", API_ERR_PAGE_SIZE);
    expect("PageSize=-1", API_ERR_PAGE_SIZE);
    expect("PageSize=abc", API_ERR_PAGE_SIZE);
    expect("PageSize=1.5", API_ERR_PAGE_SIZE);
    expect("PageSize=5.0", API_ERR_PAGE_SIZE);
    expect("PageSize=", API_ERR_PAGE_SIZE);
    expect("PageSize", API_ERR_PAGE_SIZE);
    expect("PageSize=+5", API_ERR_PAGE_SIZE);
    expect("PageSize=%2B5", API_ERR_PAGE_SIZE);
    expect("PageSize=%205", API_ERR_PAGE_SIZE);
    expect("PageSize=5%20", API_ERR_PAGE_SIZE);
    expect("PageSize=0x10", API_ERR_PAGE_SIZE);
    expect("PageSize=1e3", API_ERR_PAGE_SIZE);
    expect("PageSize=%", API_ERR_PAGE_SIZE);
    expect("PageSize=%3", API_ERR_PAGE_SIZE);
    expect("PageSize=%00", API_ERR_PAGE_SIZE);
    expect("PageSize=-99999999999999999999", API_ERR_PAGE_SIZE);
    expect("PageSize=1001", API_ERR_PAGE_SIZE_MAX);
    expect("PageSize=5000", API_ERR_PAGE_SIZE_MAX);
    expect("PageSize=2147483648", API_ERR_PAGE_SIZE_MAX);
    expect("PageSize=99999999999999999999", API_ERR_PAGE_SIZE_MAX);
    expect("PageSize=%31%30%30%31", API_ERR_PAGE_SIZE_MAX);
}

/* Found by fuzz_query (fuzz/crashes/query-long-*): values longer than any
 * fixed buffer are still numbers. */
static void
test_query_long_values(void **state)
{
    char q[512];

    (void)state;
    snprintf(q, sizeof(q), "PageSize=%0100d", 5);
    expect_ok(q, 0, 5, NULL);
    snprintf(q, sizeof(q), "PageSize=%0100d", 1001);
    expect(q, API_ERR_PAGE_SIZE_MAX);
    strcpy(q, "PageSize=");
    for (int i = 0; i < 40; i++)
        strcat(q, "%30");
    strcat(q, "%37");
    expect_ok(q, 0, 7, NULL);
    strcat(q, "%3");
    expect(q, API_ERR_PAGE_SIZE);
}

static void
test_query_page(void **state)
{
    (void)state;
    expect_ok("Page=0", 0, 50, NULL);
    expect_ok("Page=00", 0, 50, NULL);
    expect("Page=-1", API_ERR_PAGE);
    expect("Page=x", API_ERR_PAGE);
    expect("Page=", API_ERR_PAGE);
    expect("Page", API_ERR_PAGE);
    expect("Page=1.0", API_ERR_PAGE);
    expect("Page=2147483648", API_ERR_PAGE);
    expect("Page=99999999999999999999", API_ERR_PAGE);
    expect("Page=-1&PageToken=abc", API_ERR_PAGE);
    expect("Page=1", API_ERR_TOKEN_REQUIRED);
    expect("Page=2147483647", API_ERR_TOKEN_REQUIRED);
    expect_ok("Page=1&PageToken=abc", 1, 50, "abc");
    expect_ok("Page=2147483647&PageToken=abc", 2147483647LL, 50, "abc");
    /* A token on page 0 is kept (the client may send one). */
    expect_ok("Page=0&PageToken=abc", 0, 50, "abc");
    expect_ok("PageToken=abc", 0, 50, "abc");
}

static void
test_query_check_order(void **state)
{
    (void)state;
    /* PageSize, then Page, then the token. */
    expect("Page=x&PageSize=0", API_ERR_PAGE_SIZE);
    expect("PageToken=!&Page=x&PageSize=5000", API_ERR_PAGE_SIZE_MAX);
    expect("PageToken=!&Page=x&PageSize=5", API_ERR_PAGE);
    expect("PageToken=!&Page=1&PageSize=5", API_ERR_TOKEN);
    expect("PageToken=!", API_ERR_TOKEN);
}

static void
test_query_percent_encoded(void **state)
{
    (void)state;
    expect_ok("Page%53ize=5", 0, 5, NULL);
    expect_ok("%50%61%67%65%53%69%7a%65=5", 0, 5, NULL);
    expect_ok("PageSize=%35%30", 0, 50, NULL);
    expect_ok("PageSize=1%30", 0, 10, NULL);
    expect("%50age=1", API_ERR_TOKEN_REQUIRED);
    expect_ok("Page=1&Page%54oken=abc", 1, 50, "abc");
    expect_ok("PageToken=%41%62%2d%5f", 0, 50, "Ab-_");
    /* A different name after decoding is just unknown. */
    expect_ok("Page+Size=0", 0, 50, NULL);
    expect_ok("Page%20Size=0", 0, 50, NULL);
    expect_ok("PageSize%00=0", 0, 50, NULL);
    expect_ok("PageSize%=0", 0, 50, NULL);
}

static void
test_query_unknown_order_repeated(void **state)
{
    (void)state;
    expect_ok("foo=bar&PageSize=7&baz", 0, 7, NULL);
    expect_ok("PageSizes=0&Pages=x&PageTokens=!&XPage=1", 0, 50, NULL);
    expect_ok("a=%zz&b=%&PageSize=3", 0, 3, NULL);
    expect_ok("PageToken=tok&Page=2&PageSize=3", 2, 3, "tok");
    expect_ok("Page=2&PageToken=tok&PageSize=3", 2, 3, "tok");
    expect_ok("PageSize=3&PageToken=tok&Page=2", 2, 3, "tok");
    expect_ok("PageSize=5&PageSize=7", 0, 7, NULL);
    expect_ok("PageSize=abc&PageSize=7", 0, 7, NULL);
    expect("PageSize=7&PageSize=abc", API_ERR_PAGE_SIZE);
    expect_ok("Page=1&Page=0", 0, 50, NULL);
    expect("Page=0&Page=1", API_ERR_TOKEN_REQUIRED);
    expect_ok("PageToken=a&PageToken=b&Page=1", 1, 50, "b");
    expect_ok("&&PageSize=9&&", 0, 9, NULL);
}

static void
test_query_length_respected(void **state)
{
    struct paging_query q;
    const char *s = "PageSize=5&Page=x";

    (void)state;
    assert_int_equal(paging_parse_query(s, 10, &q), API_OK);
    assert_int_equal(q.page_size, 5);
    assert_int_equal(paging_parse_query(s, 9, &q), API_ERR_PAGE_SIZE);
    assert_int_equal(paging_parse_query(s, 0, &q), API_OK);
    assert_int_equal(q.page_size, 50);
}

static void
test_query_many_params(void **state)
{
    struct buf b = BUF_INIT;
    struct paging_query q;
    int i;

    (void)state;
    for (i = 0; i < 4999; i++)
        buf_addf(&b, "p%d=%d&", i, i);
    buf_adds(&b, "PageSize=9");
    assert_false(buf_failed(&b));
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_OK);
    assert_int_equal(q.page_size, 9);
    buf_reset(&b);
    for (i = 1; i <= 5000; i++)
        buf_addf(&b, "%sPageSize=%d", i > 1 ? "&" : "", i % 1000 + 1);
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_OK);
    assert_int_equal(q.page_size, 5000 % 1000 + 1);
    buf_release(&b);
}

static void
test_query_token(void **state)
{
    struct buf b = BUF_INIT;
    struct paging_query q;
    int i;

    (void)state;
    expect("PageToken=", API_ERR_TOKEN);
    expect("PageToken", API_ERR_TOKEN);
    expect("PageToken=abc.def", API_ERR_TOKEN);
    expect("PageToken=abc=", API_ERR_TOKEN);
    expect("PageToken=abc/def", API_ERR_TOKEN);
    expect("PageToken=a+b", API_ERR_TOKEN);
    expect("PageToken=a%2Bb", API_ERR_TOKEN);
    expect("PageToken=a%20b", API_ERR_TOKEN);
    expect("PageToken=%00", API_ERR_TOKEN);
    expect("PageToken=%zz", API_ERR_TOKEN);
    expect("PageToken=%", API_ERR_TOKEN);
    expect("PageToken=%C3%A9", API_ERR_TOKEN);
    expect("PageToken=\xc3\xa9", API_ERR_TOKEN);
    expect("Page=1&PageToken=abc%0A", API_ERR_TOKEN);

    /* Exactly PAGING_MAX_TOKEN characters, raw or percent-encoded. */
    buf_adds(&b, "Page=1&PageToken=");
    for (i = 0; i < PAGING_MAX_TOKEN; i++)
        buf_addc(&b, 'A');
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_OK);
    assert_int_equal(q.token_len, PAGING_MAX_TOKEN);
    assert_int_equal(strlen(q.token), PAGING_MAX_TOKEN);
    buf_addc(&b, 'A');
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_ERR_TOKEN);

    buf_reset(&b);
    buf_adds(&b, "PageToken=");
    for (i = 0; i < PAGING_MAX_TOKEN; i++)
        buf_adds(&b, "%41");
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_OK);
    assert_int_equal(q.token_len, PAGING_MAX_TOKEN);
    buf_adds(&b, "%41");
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_ERR_TOKEN);
    buf_adds(&b, "A");
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_ERR_TOKEN);

    buf_reset(&b);
    buf_adds(&b, "PageToken=");
    for (i = 0; i < 100000; i++)
        buf_addc(&b, 'A');
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_ERR_TOKEN);
    buf_reset(&b);
    buf_adds(&b, "PageToken=");
    for (i = 0; i < 3000; i++)
        buf_adds(&b, "%41");
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_ERR_TOKEN);
    buf_release(&b);
}

/* ---- tokens ---- */

static void
make_id(char *id, size_t n, unsigned seed)
{
    size_t i;

    memcpy(id, "aia_asst_", n < 9 ? n : 9);
    for (i = 9; i < n; i++)
        id[i] = "0123456789abcdef-xyz"[(i * 7 + seed) % 20];
    id[n] = '\0';
}

static size_t
encode(char dir, const char *sid, int64_t created, const char *id, size_t n,
       char *tok)
{
    struct store_key k = {created, id, n};
    size_t len;

    memset(tok, '#', PAGING_MAX_TOKEN + 1);
    len = paging_token_encode(dir, sid, "assistants", &k, tok);
    assert_true(len > 0);
    assert_true(len <= PAGING_MAX_TOKEN);
    assert_int_equal(strlen(tok), len);
    assert_int_equal(strspn(tok, token_alphabet), len);
    return len;
}

static void
test_token_round_trip(void **state)
{
    static const int64_t created[] = {
        0, 1, 1735787045, -1, -2208988800LL, INT64_MIN, INT64_MAX,
    };
    char id[FIXTURES_MAX_ID + 1], tok[PAGING_MAX_TOKEN + 1];
    char tok2[PAGING_MAX_TOKEN + 1];
    size_t n, c, len;
    int d;

    (void)state;
    for (d = 0; d < 2; d++) {
        char dir = d ? 'B' : 'A';
        for (n = 10; n <= FIXTURES_MAX_ID; n++) {
            for (c = 0; c < sizeof(created) / sizeof(created[0]); c++) {
                struct paging_cursor cur;
                make_id(id, n, (unsigned)c);
                len = encode(dir, acct1, created[c], id, n, tok);
                memset(&cur, 0x5a, sizeof(cur));
                assert_int_equal(paging_token_decode(tok, len, acct1, "assistants", &cur), 0);
                assert_int_equal(cur.dir, dir);
                assert_true(cur.key.created == created[c]);
                assert_int_equal(cur.key.id_len, n);
                assert_ptr_equal(cur.key.id, cur.id);
                assert_string_equal(cur.id, id);
                /* Deterministic. */
                assert_int_equal(encode(dir, acct1, created[c], id, n, tok2),
                                 len);
                assert_string_equal(tok, tok2);
            }
        }
    }
}

static void
test_token_passes_query_check(void **state)
{
    char id[FIXTURES_MAX_ID + 1], tok[PAGING_MAX_TOKEN + 1];
    struct buf b = BUF_INIT;
    struct paging_query q;
    size_t len;

    (void)state;
    make_id(id, FIXTURES_MAX_ID, 3);
    len = encode('A', acct1, 1735787045, id, FIXTURES_MAX_ID, tok);
    buf_adds(&b, "PageSize=5&Page=3&PageToken=");
    buf_add(&b, tok, len);
    assert_int_equal(paging_parse_query(b.data, b.len, &q), API_OK);
    assert_true(q.has_token);
    assert_int_equal(q.token_len, len);
    assert_string_equal(q.token, tok);
    buf_release(&b);
}

static void
test_token_other_account(void **state)
{
    char id[64], tok[PAGING_MAX_TOKEN + 1];
    char sid[35];
    struct paging_cursor cur;
    size_t len, i;

    (void)state;
    make_id(id, 40, 1);
    len = encode('A', acct1, 1735787045, id, 40, tok);
    assert_int_equal(paging_token_decode(tok, len, acct1, "assistants", &cur), 0);
    assert_int_equal(paging_token_decode(tok, len, acct2, "assistants", &cur), -1);
    /* Any one-character change of the SID. */
    for (i = 2; i < 34; i++) {
        memcpy(sid, acct1, sizeof(sid));
        sid[i] = sid[i] == '0' ? '1' : '0';
        assert_int_equal(paging_token_decode(tok, len, sid, "assistants", &cur), -1);
    }
    len = encode('B', acct2, -5, id, 40, tok);
    assert_int_equal(paging_token_decode(tok, len, acct2, "assistants", &cur), 0);
    assert_int_equal(paging_token_decode(tok, len, acct1, "assistants", &cur), -1);
}

static void
flip_each(const char *tok, size_t len)
{
    char t[PAGING_MAX_TOKEN + 1];
    struct paging_cursor cur;
    size_t i, a;

    for (i = 0; i < len; i++) {
        for (a = 0; a < sizeof(token_alphabet) - 1; a++) {
            if (token_alphabet[a] == tok[i])
                continue;
            memcpy(t, tok, len + 1);
            t[i] = token_alphabet[a];
            if (paging_token_decode(t, len, acct1, "assistants", &cur) != -1) {
                print_error("accepted %s (char %zu of %s changed)\n", t, i,
                            tok);
                fail();
            }
        }
    }
}

static void
test_token_flip_any_char(void **state)
{
    char id[FIXTURES_MAX_ID + 1], tok[PAGING_MAX_TOKEN + 1];
    size_t len;
    static const size_t lens[] = {10, 11, 12, 13, 77, FIXTURES_MAX_ID};
    size_t k;

    (void)state;
    for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        make_id(id, lens[k], (unsigned)k);
        len = encode(k % 2 ? 'B' : 'A', acct1, 1735787045, id, lens[k], tok);
        flip_each(tok, len);
    }
}

static void
test_token_truncated_and_garbled(void **state)
{
    char id[64], tok[PAGING_MAX_TOKEN + 2];
    struct paging_cursor cur;
    size_t len, i;

    (void)state;
    make_id(id, 30, 2);
    len = encode('A', acct1, 1735787045, id, 30, tok);
    for (i = 0; i < len; i++)
        if (paging_token_decode(tok, i, acct1, "assistants", &cur) != -1) {
            print_error("accepted a prefix of %zu of %zu\n", i, len);
            fail();
        }
    /* Drop the first character. */
    assert_int_equal(paging_token_decode(tok + 1, len - 1, acct1, "assistants", &cur), -1);
    /* One character more. */
    tok[len] = 'A';
    tok[len + 1] = '\0';
    assert_int_equal(paging_token_decode(tok, len + 1, acct1, "assistants", &cur), -1);
    tok[len] = '\0';
    /* Outside the alphabet. */
    tok[3] = '+';
    assert_int_equal(paging_token_decode(tok, len, acct1, "assistants", &cur), -1);
    tok[3] = '=';
    assert_int_equal(paging_token_decode(tok, len, acct1, "assistants", &cur), -1);
    assert_int_equal(paging_token_decode("", 0, acct1, "assistants", &cur), -1);
    assert_int_equal(paging_token_decode("AAAA", 4, acct1, "assistants", &cur), -1);
    memset(tok, 'A', PAGING_MAX_TOKEN + 1);
    assert_int_equal(
        paging_token_decode(tok, PAGING_MAX_TOKEN + 1, acct1, "assistants", &cur), -1);
    assert_int_equal(paging_token_decode(tok, PAGING_MAX_TOKEN, acct1, "assistants", &cur),
                     -1);
}

static void
test_token_bad_direction(void **state)
{
    char id[64], tok[PAGING_MAX_TOKEN + 1];
    struct paging_cursor cur;
    size_t len;

    (void)state;
    /* A well-formed, correctly checked token with another direction byte. */
    make_id(id, 20, 0);
    len = encode('C', acct1, 1, id, 20, tok);
    assert_int_equal(paging_token_decode(tok, len, acct1, "assistants", &cur), -1);
    len = encode('a', acct1, 1, id, 20, tok);
    assert_int_equal(paging_token_decode(tok, len, acct1, "assistants", &cur), -1);
}

/* ---- paging_host_valid ---- */

static void
test_host_valid(void **state)
{
    static const struct {
        const char *host;
        bool ok;
    } cases[] = {
        {"localhost", true},
        {"localhost:8080", true},
        {"LOCALHOST", true},
        {"127.0.0.1:1", true},
        {"127.0.0.1", true},
        {"[::1]:8080", true},
        {"[::1]", true},
        {"[2001:DB8::1]:443", true},
        {"[::ffff:127.0.0.1]", true},
        {"a.b.c", true},
        {"my-host.example.com:65535", true},
        {"host:0", true},
        {"host.:80", true}, /* a final dot */
        {"host:065535", false},
        {"host:65536", false},
        {"host:99999", false},
        {"a..b", false},
        {".a", false},
        {".", false},
        {"[1]", false},
        {"", false},
        {"a b", false},
        {"a\r\nb", false},
        {"a\r\nX-Injected: 1", false},
        {"a/b", false},
        {"a@b", false},
        {"a_b", false},
        {"a?b", false},
        {"a#b", false},
        {"h\xc3\xa9", false},
        {":80", false},
        {"host:", false},
        {"host:123456", false},
        {"host:8o", false},
        {"host:-1", false},
        {"host:80:80", false},
        {"host: 80", false},
        {"[::1", false},
        {"[]", false},
        {"[]:80", false},
        {"[::1]:", false},
        {"[::1]x", false},
        {"[::1]:8a", false},
        {"[::g]", false},
        {"[::1%eth0]", false},
        {"[::1]]", false},
        {"::1", false},
    };
    char name[PAGING_MAX_HOST + 2];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (paging_host_valid(cases[i].host, strlen(cases[i].host)) !=
            cases[i].ok) {
            print_error("host \"%s\": want %s\n", cases[i].host,
                        cases[i].ok ? "valid" : "invalid");
            fail();
        }
    }
    assert_false(paging_host_valid("a\0b", 3));
    assert_true(paging_host_valid("localhost:8080", 9));
    memset(name, 'a', sizeof(name));
    assert_true(paging_host_valid(name, PAGING_MAX_HOST));
    assert_false(paging_host_valid(name, PAGING_MAX_HOST + 1));
    memcpy(name + PAGING_MAX_HOST - 5, ":8080", 5);
    assert_true(paging_host_valid(name, PAGING_MAX_HOST));
}

/* ---- paging_add_url ---- */

static void
test_add_url(void **state)
{
    struct buf b = BUF_INIT;
    const char *base = "http://localhost:8080";

    (void)state;
    paging_add_url(&b, base, strlen(base), "/v1/Assistants", NULL, 50, 0, NULL, 0);
    assert_string_equal(
        b.data, "http://localhost:8080/v1/Assistants?PageSize=50&Page=0");
    assert_int_equal(b.len, strlen(b.data));
    buf_reset(&b);
    paging_add_url(&b, base, strlen(base), "/v1/Assistants", NULL, 10, 3, "Ab-_9", 5);
    assert_string_equal(b.data,
                        "http://localhost:8080/v1/"
                        "Assistants?PageSize=10&Page=3&PageToken=Ab-_9");
    buf_reset(&b);
    /* Lengths are respected; appends to what is there. */
    buf_adds(&b, "\"");
    paging_add_url(&b, "http://mock:8080/ignored", 16, "/v1/Assistants", NULL, 1000, 2147483647LL,
                   "tokenXX", 5);
    assert_string_equal(b.data, "\"http://mock:8080/v1/Assistants?PageSize="
                                "1000&Page=2147483647&PageToken=token");
    buf_reset(&b);
    paging_add_url(&b, "", 0, "/v1/Assistants", NULL, 1, 0, "", 0);
    assert_string_equal(b.data, "/v1/Assistants?PageSize=1&Page=0&PageToken=");
    buf_release(&b);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_query_defaults),
    cmocka_unit_test(test_query_page_size),
    cmocka_unit_test(test_query_long_values),
    cmocka_unit_test(test_query_page),
    cmocka_unit_test(test_query_check_order),
    cmocka_unit_test(test_query_percent_encoded),
    cmocka_unit_test(test_query_unknown_order_repeated),
    cmocka_unit_test(test_query_length_respected),
    cmocka_unit_test(test_query_many_params),
    cmocka_unit_test(test_query_token),
    cmocka_unit_test(test_token_round_trip),
    cmocka_unit_test(test_token_passes_query_check),
    cmocka_unit_test(test_token_other_account),
    cmocka_unit_test(test_token_flip_any_char),
    cmocka_unit_test(test_token_truncated_and_garbled),
    cmocka_unit_test(test_token_bad_direction),
    cmocka_unit_test(test_host_valid),
    cmocka_unit_test(test_add_url),
};

UNIT_MAIN(tests)
