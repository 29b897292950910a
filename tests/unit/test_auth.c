/*
 * test_auth.c - unit tests of auth.c: parsing of the Basic Authorization
 * header and the check against a hand-built set of accounts and credentials.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "unit.h"
#include "util.h"

#define ALICE "AC00000000000000000000000000000a11"
#define BOB "AC00000000000000000000000000000b0b"
#define CAROL "AC00000000000000000000000000000ca7"
#define ALICE_KEY "SK00000000000000000000000000000a11"

/* "Basic " + standard base64 of s[0..n), padded. */
static char *
basic(const char *s, size_t n)
{
    struct buf b = BUF_INIT;
    char *enc = malloc(util_b64_len(n) + 4);
    size_t m, i;

    assert_non_null(enc);
    m = util_b64url_encode((const unsigned char *)s, n, enc);
    for (i = 0; i < m; i++)
        enc[i] = enc[i] == '-' ? '+' : enc[i] == '_' ? '/' : enc[i];
    while (m % 4)
        enc[m++] = '=';
    buf_adds(&b, "Basic ");
    buf_add(&b, enc, m);
    free(enc);
    return buf_detach(&b, NULL);
}

static char *
basic2(const char *user, const char *pass)
{
    struct buf b = BUF_INIT;
    char *h;

    buf_adds(&b, user);
    buf_addc(&b, ':');
    buf_adds(&b, pass);
    h = basic(b.data, b.len);
    buf_release(&b);
    return h;
}

/* ---- auth_parse_basic ---- */

static int
parse(const char *header, const char **user, const char **pass,
      size_t *pass_len)
{
    static char out[AUTH_MAX_HEADER];

    memset(out, 0x5a, sizeof(out));
    return auth_parse_basic(header, out, user, pass, pass_len);
}

/* Found by fuzz_auth (fuzz/crashes/auth-long-trailing-spaces): trailing
 * spaces do not count against the length limit. */
static void
test_parse_long_trailing_spaces(void **state)
{
    static char header[AUTH_MAX_HEADER * 2];
    const char *user, *pass;
    size_t pass_len;

    (void)state;
    strcpy(header, "Basic dTpw"); /* u:p */
    memset(header + strlen(header), ' ', AUTH_MAX_HEADER + 10);
    header[sizeof(header) - 1] = '\0';
    assert_int_equal(parse(header, &user, &pass, &pass_len), 0);
    assert_string_equal(user, "u");
    assert_string_equal(pass, "p");
}

static void
test_parse_valid(void **state)
{
    const char *user = NULL, *pass = NULL;
    size_t pass_len = 0;

    (void)state;
    /* alice:secret */
    assert_int_equal(parse("Basic YWxpY2U6c2VjcmV0", &user, &pass, &pass_len),
                     0);
    assert_string_equal(user, "alice");
    assert_string_equal(pass, "secret");
    assert_int_equal(pass_len, 6);
    assert_int_equal(parse("basic YWxpY2U6c2VjcmV0", &user, &pass, &pass_len),
                     0);
    assert_string_equal(user, "alice");
    assert_int_equal(parse("BASIC YWxpY2U6c2VjcmV0", &user, &pass, &pass_len),
                     0);
    assert_int_equal(
        parse("Basic     YWxpY2U6c2VjcmV0   ", &user, &pass, &pass_len), 0);
    assert_string_equal(user, "alice");
    assert_string_equal(pass, "secret");
    /* "a:bc" is "YTpiYw==": padding is optional. */
    assert_int_equal(parse("Basic YTpiYw==", &user, &pass, &pass_len), 0);
    assert_string_equal(user, "a");
    assert_string_equal(pass, "bc");
    assert_int_equal(parse("Basic YTpiYw", &user, &pass, &pass_len), 0);
    assert_string_equal(pass, "bc");
}

static void
test_parse_colons_and_empty_parts(void **state)
{
    const char *user, *pass;
    size_t pass_len;
    char *h;

    (void)state;
    h = basic2("alice", "se:cr:et");
    assert_int_equal(parse(h, &user, &pass, &pass_len), 0);
    assert_string_equal(user, "alice");
    assert_string_equal(pass, "se:cr:et");
    assert_int_equal(pass_len, 8);
    free(h);
    h = basic(":", 1);
    assert_int_equal(parse(h, &user, &pass, &pass_len), 0);
    assert_string_equal(user, "");
    assert_string_equal(pass, "");
    assert_int_equal(pass_len, 0);
    free(h);
    h = basic("alice:", 6);
    assert_int_equal(parse(h, &user, &pass, &pass_len), 0);
    assert_string_equal(user, "alice");
    assert_int_equal(pass_len, 0);
    free(h);
}

static void
test_parse_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "Basic",
        "Basic ",
        "Basic      ",
        "BasicYWxpY2U6c2VjcmV0",
        "Basic\tYWxpY2U6c2VjcmV0",
        "Bearer YWxpY2U6c2VjcmV0",
        "Digest YWxpY2U6c2VjcmV0",
        " Basic YWxpY2U6c2VjcmV0",
        "Basic YWxpY2U", /* "alice": no colon */
        "Basic !!!!",
        "Basic YWxpY2U6c2VjcmV0=", /* bad padding */
        "Basic YWxpY2U6c2VjcmV0a", /* 4n+1 characters */
        "Basic YWxp Y2U6c2VjcmV0",
        "Basic YWxpY2U6c2VjcmV0,Basic YWxpY2U6c2VjcmV0",
        "Basic YWxpY2U-c2VjcmV0", /* url alphabet */
        "Basic ====",
    };
    const char *user, *pass;
    size_t pass_len, i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &user, &pass, &pass_len) != -1) {
            print_error("accepted \"%s\"\n", bad[i]);
            fail();
        }
    assert_int_equal(parse(NULL, &user, &pass, &pass_len), -1);
}

static void
test_parse_embedded_nul(void **state)
{
    const char *user, *pass;
    size_t pass_len;
    char *h;

    (void)state;
    h = basic("alice:sec\0ret", 13);
    assert_int_equal(parse(h, &user, &pass, &pass_len), -1);
    free(h);
    h = basic("ali\0ce:secret", 13);
    assert_int_equal(parse(h, &user, &pass, &pass_len), -1);
    free(h);
    h = basic("alice:secret\0", 13);
    assert_int_equal(parse(h, &user, &pass, &pass_len), -1);
    free(h);
}

static void
test_parse_long(void **state)
{
    const char *user, *pass;
    size_t pass_len;
    char secret[1400];
    struct buf b = BUF_INIT;
    char *h;
    int i;

    (void)state;
    memset(secret, 's', sizeof(secret) - 1);
    secret[sizeof(secret) - 1] = '\0';
    h = basic2("u", secret);
    assert_true(strlen(h) < AUTH_MAX_HEADER);
    assert_int_equal(parse(h, &user, &pass, &pass_len), 0);
    assert_int_equal(pass_len, sizeof(secret) - 1);
    assert_string_equal(pass, secret);
    free(h);
    /* Longer than AUTH_MAX_HEADER: refused, not read past the limit. */
    buf_adds(&b, "Basic ");
    for (i = 0; i < AUTH_MAX_HEADER; i++)
        buf_addc(&b, 'A');
    assert_int_equal(parse(b.data, &user, &pass, &pass_len), -1);
    for (i = 0; i < 100000; i++)
        buf_adds(&b, "YWxp");
    assert_int_equal(parse(b.data, &user, &pass, &pass_len), -1);
    buf_release(&b);
}

/* ---- auth_check ---- */

static char alice_token[] = "alice-auth-token";
static char alice_token2[] = "alice-second-token";
static char bob_token[] = "bob-auth-token";
static char key_secret[] = "alice-api-key-secret";

static struct account accounts[] = {
    {.sid = ALICE, .store_id = 0, .n_assistants = 3, .src_index = 0},
    {.sid = BOB, .store_id = 1, .n_assistants = 1, .src_index = 1},
    {.sid = CAROL, .store_id = 2, .n_assistants = 0, .src_index = 2},
};

/* Sorted by sid ("AC" < "SK"), an account with two tokens. */
static struct credential creds[] = {
    {ALICE, alice_token, sizeof(alice_token) - 1, 0},
    {ALICE, alice_token2, sizeof(alice_token2) - 1, 0},
    {BOB, bob_token, sizeof(bob_token) - 1, 1},
    {ALICE_KEY, key_secret, sizeof(key_secret) - 1, 0},
};

static void
make_accts(struct accounts *a)
{
    accounts_init(a);
    a->accounts = accounts;
    a->n_accounts = 3;
    a->creds = creds;
    a->n_creds = sizeof(creds) / sizeof(creds[0]);
}

static enum api_err
check(const struct accounts *a, const char *user, const char *pass, int *acct)
{
    char *h = basic2(user, pass);
    enum api_err rc = auth_check(a, h, acct);

    free(h);
    return rc;
}

static void
test_check_right(void **state)
{
    struct accounts ac;
    int acct;

    (void)state;
    make_accts(&ac);
    acct = -1;
    assert_int_equal(check(&ac, ALICE, "alice-auth-token", &acct), API_OK);
    assert_int_equal(acct, 0);
    acct = -1;
    assert_int_equal(check(&ac, ALICE, "alice-second-token", &acct), API_OK);
    assert_int_equal(acct, 0);
    acct = -1;
    assert_int_equal(check(&ac, BOB, "bob-auth-token", &acct), API_OK);
    assert_int_equal(acct, 1);
    acct = -1;
    assert_int_equal(check(&ac, ALICE_KEY, "alice-api-key-secret", &acct),
                     API_OK);
    assert_int_equal(acct, 0);
    /* Scheme in lower case and padding-free base64 work too. */
    acct = -1;
    {
        char *h = basic2(BOB, "bob-auth-token");
        char *p;
        memcpy(h, "basic", 5);
        p = strchr(h, '=');
        if (p)
            *p = '\0';
        assert_int_equal(auth_check(&ac, h, &acct), API_OK);
        assert_int_equal(acct, 1);
        free(h);
    }
}

static void
test_check_wrong(void **state)
{
    struct accounts ac;
    int acct = 99;

    (void)state;
    make_accts(&ac);
    assert_int_equal(check(&ac, ALICE, "wrong", &acct), API_ERR_AUTH);
    assert_int_equal(check(&ac, ALICE, "", &acct), API_ERR_AUTH);
    assert_int_equal(check(&ac, ALICE, "alice-auth-toke", &acct), API_ERR_AUTH);
    assert_int_equal(check(&ac, ALICE, "alice-auth-token2", &acct),
                     API_ERR_AUTH);
    assert_int_equal(check(&ac, ALICE, "Alice-auth-token", &acct),
                     API_ERR_AUTH);
    /* Another account's token. */
    assert_int_equal(check(&ac, ALICE, "bob-auth-token", &acct), API_ERR_AUTH);
    assert_int_equal(check(&ac, BOB, "alice-auth-token", &acct), API_ERR_AUTH);
    /* The API key's sid with the account's token, and the reverse. */
    assert_int_equal(check(&ac, ALICE_KEY, "alice-auth-token", &acct),
                     API_ERR_AUTH);
    assert_int_equal(check(&ac, ALICE, "alice-api-key-secret", &acct),
                     API_ERR_AUTH);
    /* An account without credentials, and unknown sids. */
    assert_int_equal(check(&ac, CAROL, "", &acct), API_ERR_AUTH);
    assert_int_equal(
        check(&ac, "AC00000000000000000000000000000000", "x", &acct),
        API_ERR_AUTH);
    assert_int_equal(check(&ac, "ZZ00000000000000000000000000000000",
                           "alice-auth-token", &acct),
                     API_ERR_AUTH);
    assert_int_equal(check(&ac, "AC00000000000000000000000000000A11",
                           "alice-auth-token", &acct),
                     API_ERR_AUTH);
    assert_int_equal(acct, 99);
}

static void
test_check_bad_sid_length(void **state)
{
    struct accounts ac;
    int acct = 99;

    (void)state;
    make_accts(&ac);
    /* One character short or long of a known sid. */
    assert_int_equal(check(&ac, "AC00000000000000000000000000000a1",
                           "alice-auth-token", &acct),
                     API_ERR_AUTH);
    assert_int_equal(check(&ac, ALICE "1", "alice-auth-token", &acct),
                     API_ERR_AUTH);
    assert_int_equal(check(&ac, "", "alice-auth-token", &acct), API_ERR_AUTH);
    assert_int_equal(check(&ac, "AC", "alice-auth-token", &acct), API_ERR_AUTH);
    assert_int_equal(check(&ac, ALICE ":" ALICE, "alice-auth-token", &acct),
                     API_ERR_AUTH);
    assert_int_equal(acct, 99);
}

static void
test_check_malformed_headers(void **state)
{
    struct accounts ac, empty;
    int acct = 99;

    (void)state;
    make_accts(&ac);
    assert_int_equal(auth_check(&ac, NULL, &acct), API_ERR_AUTH);
    assert_int_equal(auth_check(&ac, "", &acct), API_ERR_AUTH);
    assert_int_equal(auth_check(&ac, "Basic", &acct), API_ERR_AUTH);
    assert_int_equal(auth_check(&ac, "Basic !!!", &acct), API_ERR_AUTH);
    assert_int_equal(auth_check(&ac, "Bearer alice-auth-token", &acct),
                     API_ERR_AUTH);
    assert_int_equal(acct, 99);
    /* No credentials at all. */
    accounts_init(&empty);
    {
        char *h = basic2(ALICE, "alice-auth-token");
        assert_int_equal(auth_check(&empty, h, &acct), API_ERR_AUTH);
        free(h);
    }
    assert_int_equal(acct, 99);
}

/* Every sid of a larger, sorted table is found (the binary search). */
static void
test_check_many_creds(void **state)
{
    enum { N = 257 };
    struct credential *c = calloc(N, sizeof(*c));
    char(*secrets)[16] = calloc(N, 16);
    struct accounts ac;
    int i;

    (void)state;
    assert_non_null(c);
    assert_non_null(secrets);
    accounts_init(&ac);
    for (i = 0; i < N; i++) {
        snprintf(c[i].sid, sizeof(c[i].sid), "AC%032x", (unsigned)i * 3 + 1);
        snprintf(secrets[i], 16, "s%d", i);
        c[i].secret = secrets[i];
        c[i].secret_len = strlen(secrets[i]);
        c[i].acct = i;
    }
    ac.creds = c;
    ac.n_creds = N;
    for (i = 0; i < N; i++) {
        char sid[35];
        int acct = -1;
        assert_int_equal(check(&ac, c[i].sid, secrets[i], &acct), API_OK);
        assert_int_equal(acct, i);
        /* The sids between the stored ones are unknown. */
        snprintf(sid, sizeof(sid), "AC%032x", (unsigned)i * 3 + 2);
        assert_int_equal(check(&ac, sid, secrets[i], &acct), API_ERR_AUTH);
    }
    free(c);
    free(secrets);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_valid),
    cmocka_unit_test(test_parse_long_trailing_spaces),
    cmocka_unit_test(test_parse_colons_and_empty_parts),
    cmocka_unit_test(test_parse_malformed),
    cmocka_unit_test(test_parse_embedded_nul),
    cmocka_unit_test(test_parse_long),
    cmocka_unit_test(test_check_right),
    cmocka_unit_test(test_check_wrong),
    cmocka_unit_test(test_check_bad_sid_length),
    cmocka_unit_test(test_check_malformed_headers),
    cmocka_unit_test(test_check_many_creds),
};

UNIT_MAIN(tests)
