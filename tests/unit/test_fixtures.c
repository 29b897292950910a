/*
 * test_fixtures.c - unit tests of fixtures.c (loading, validation and every
 * problem message) and of store.c's list queries over what was loaded.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "store.h"
#include "unit.h"

/* What the message of an unknown top-level key lists. */
#define KNOWN_KEYS                                                             \
    "\"accounts\", \"assistants\", \"tools\", \"knowledge\", "              \
    "\"policies\", \"sessions\", \"messages\", \"feedbacks\", "             \
    "\"attachments\", \"policy_links\", \"replies\" or \"meta\""
#include "util.h"

#define A1 "ACa11ce000000000000000000000000001"
#define A2 "ACb0b00000000000000000000000000002"
#define A3 "ACc0c00000000000000000000000000003"
#define K1 "SKa11ce000000000000000000000000001"
#define K2 "SKb0b00000000000000000000000000002"

#define ACCOUNT1 "{\"sid\":\"" A1 "\",\"auth_token\":\"t1\"}"
#define ACCOUNTS "\"accounts\":[" ACCOUNT1 "]"

/* A valid assistant of A1, as asst() builds it without overrides. */
#define VALID_ASST                                                             \
    "{\"id\":\"aia_asst_1\",\"account_sid\":\"" A1 "\",\"name\":\"n\","        \
    "\"owner\":\"o\",\"model\":\"m\",\"personality_prompt\":\"p\","            \
    "\"customer_ai\":{},\"date_created\":\"2025-01-02T03:04:05Z\","            \
    "\"date_updated\":\"2025-01-02T03:04:06Z\"}"

static const struct fixtures_env no_env = {NULL, NULL, NULL, NULL};

/* ---- building documents ---- */

static const char *const fields[][2] = {
    {"id", "\"aia_asst_1\""},
    {"account_sid", "\"" A1 "\""},
    {"name", "\"n\""},
    {"owner", "\"o\""},
    {"model", "\"m\""},
    {"personality_prompt", "\"p\""},
    {"customer_ai", "{}"},
    {"date_created", "\"2025-01-02T03:04:05Z\""},
    {"date_updated", "\"2025-01-02T03:04:06Z\""},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/*
 * Appends an assistant object: the fields above, overridden by the
 * (name, raw JSON value) pairs that follow (value NULL: field left out; a
 * name not above: added at the end); the list ends with NULL.
 */
static void
asst(struct buf *b, ...)
{
    const char *name[16], *value[16];
    bool used[16] = {false};
    size_t n = 0, i, j;
    bool first = true;
    va_list ap;

    va_start(ap, b);
    while ((name[n] = va_arg(ap, const char *)) != NULL) {
        value[n] = va_arg(ap, const char *);
        n++;
        assert_true(n < 16);
    }
    va_end(ap);
    buf_addc(b, '{');
    for (i = 0; i < N_FIELDS; i++) {
        const char *v = fields[i][1];
        for (j = 0; j < n; j++)
            if (strcmp(name[j], fields[i][0]) == 0) {
                v = value[j];
                used[j] = true;
            }
        if (v == NULL)
            continue;
        buf_addf(b, "%s\"%s\":%s", first ? "" : ",", fields[i][0], v);
        first = false;
    }
    for (j = 0; j < n; j++)
        if (!used[j] && value[j]) {
            buf_addf(b, "%s\"%s\":%s", first ? "" : ",", name[j], value[j]);
            first = false;
        }
    buf_addc(b, '}');
}

/* A document: ACCOUNTS and one assistant with one override. */
static char *
doc1(const char *field, const char *value)
{
    struct buf b = BUF_INIT;

    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    asst(&b, field, value, NULL);
    buf_adds(&b, "]}");
    return buf_detach(&b, NULL);
}

/* ---- loading ---- */

struct loaded {
    struct fixtures fx;
    struct store *st;
    int rc;
};

static int
dump_row(void *ctx, const struct store_row *row)
{
    struct buf *b = ctx;

    buf_addf(b, "%lld ", (long long)row->key.created);
    buf_add(b, row->key.id, row->key.id_len);
    buf_addc(b, ' ');
    buf_add(b, row->pre, row->pre_len);
    if (row->post) {
        buf_adds(b, " BASE ");
        buf_add(b, row->post, row->post_len);
    }
    buf_addc(b, '\n');
    return 0;
}

/* Every assistant row of a successful load, account by account, in order. */
static void
dump_rows(const struct loaded *l, struct buf *b)
{
    size_t a;

    buf_addf(b, "rc %d, %zu errors, %ld assistants, %ld records\n%s", l->rc,
             l->fx.n_errors, l->fx.n_assistants, l->fx.n_records,
             l->fx.errors.data ? l->fx.errors.data : "");
    for (a = 0; l->rc == 0 && a < l->fx.accts.n_accounts; a++) {
        buf_addf(b, "%s:\n", l->fx.accts.accounts[a].sid);
        assert_true(store_list(l->st, STORE_ASSISTANTS,
                               l->fx.accts.accounts[a].store_id, STORE_AFTER,
                               NULL, 1 << 30, dump_row, b) >= 0);
    }
    assert_false(buf_failed(b));
}

/*
 * Checks that slow (the same input loaded without the fast path) gave what
 * l gave: status, problems, rows. Frees slow; on a mismatch frees l too.
 */
static void
check_same(struct loaded *l, struct loaded *slow)
{
    struct buf a = BUF_INIT, b = BUF_INIT;

    dump_rows(l, &a);
    dump_rows(slow, &b);
    fixtures_release(&slow->fx);
    store_close(slow->st);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
        print_error("fast path:\n%s\nwithout it:\n%s", a.data, b.data);
        buf_release(&a);
        buf_release(&b);
        fixtures_release(&l->fx);
        store_close(l->st);
        fail();
    }
    buf_release(&a);
    buf_release(&b);
}

/*
 * Loads doc[0..len) from an exact-size copy without a terminator, so that
 * AddressSanitizer catches any read past the end. Loads with the fast path
 * and its insert thread (whatever the CPUs), then again without the fast
 * path, and with it but without the thread: all three must give the same
 * status, problems and rows.
 */
static void
load_n(struct loaded *l, const char *doc, size_t len,
       const struct fixtures_env *env)
{
    char *copy = malloc(len ? len : 1);
    struct loaded slow;
    int mode;

    assert_non_null(copy);
    memcpy(copy, doc, len);
    fixtures_init(&l->fx);
    l->st = store_open();
    assert_non_null(l->st);
    fixtures_set_pipeline(1);
    l->rc = fixtures_load_buffer(&l->fx, l->st, "x.json", copy, len,
                                 env ? env : &no_env);
    fixtures_set_pipeline(-1);
    for (mode = 0; mode < 2; mode++) {
        /* Without the fast path, and with it but without the thread. */
        fixtures_init(&slow.fx);
        slow.st = store_open();
        assert_non_null(slow.st);
        fixtures_set_fast_path(mode == 1);
        fixtures_set_pipeline(0);
        slow.rc = fixtures_load_buffer(&slow.fx, slow.st, "x.json", copy,
                                       len, env ? env : &no_env);
        fixtures_set_fast_path(true);
        fixtures_set_pipeline(-1);
        check_same(l, &slow);
    }
    free(copy);
}

static void
load(struct loaded *l, const char *doc, const struct fixtures_env *env)
{
    load_n(l, doc, strlen(doc), env);
}

static void
unload(struct loaded *l)
{
    fixtures_release(&l->fx);
    store_close(l->st);
}

static const char *
errors_of(const struct loaded *l)
{
    return l->fx.errors.data ? l->fx.errors.data : "";
}

static size_t
count_lines(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/*
 * Checks l failed with exactly the problems in want; on a mismatch frees l
 * before failing, so a failing test does not also report leaks.
 */
static void
check_errors(struct loaded *l, const char *want)
{
    if (l->rc != -1 || strcmp(errors_of(l), want) != 0 ||
        l->fx.n_errors != count_lines(want)) {
        print_error("rc %d, %zu errors:\n%s\nwant:\n%s", l->rc, l->fx.n_errors,
                    errors_of(l), want);
        unload(l);
        fail();
    }
}

/* Loads doc and expects exactly the problems in want (lines). */
static void
expect_errors_n(const char *doc, size_t len, const struct fixtures_env *env,
                const char *want)
{
    struct loaded l;

    load_n(&l, doc, len, env);
    check_errors(&l, want);
    unload(&l);
}

static void
expect_errors(const char *doc, const struct fixtures_env *env, const char *want)
{
    expect_errors_n(doc, strlen(doc), env, want);
}

static void
expect_field_error(const char *field, const char *value, const char *want)
{
    char *doc = doc1(field, value);

    expect_errors(doc, NULL, want);
    free(doc);
}

static void
expect_ok(struct loaded *l)
{
    if (l->rc != 0 || l->fx.n_errors != 0) {
        print_error("rc %d, errors:\n%s", l->rc, errors_of(l));
        unload(l);
        fail();
    }
}

/* ---- reading the store back ---- */

#define MAX_ROWS 64

struct rows {
    int n;
    int stop_after; /* 0: never */
    int64_t created[MAX_ROWS];
    char id[MAX_ROWS][FIXTURES_MAX_ID + 1];
    struct buf pre[MAX_ROWS];
    struct buf post[MAX_ROWS];
    bool has_post[MAX_ROWS];
};

static int
collect(void *ctx, const struct store_row *row)
{
    struct rows *r = ctx;

    assert_true(r->n < MAX_ROWS);
    r->created[r->n] = row->key.created;
    assert_true(row->key.id_len <= FIXTURES_MAX_ID);
    memcpy(r->id[r->n], row->key.id, row->key.id_len);
    r->id[r->n][row->key.id_len] = '\0';
    buf_init(&r->pre[r->n]);
    buf_init(&r->post[r->n]);
    buf_add(&r->pre[r->n], row->pre, row->pre_len);
    r->has_post[r->n] = row->post != NULL;
    if (row->post)
        buf_add(&r->post[r->n], row->post, row->post_len);
    else
        assert_int_equal(row->post_len, 0);
    r->n++;
    return r->stop_after && r->n >= r->stop_after;
}

static void
rows_release(struct rows *r)
{
    int i;

    for (i = 0; i < r->n; i++) {
        buf_release(&r->pre[i]);
        buf_release(&r->post[i]);
    }
    r->n = 0;
}

static long
list(struct store *st, int acct, enum store_dir dir, const struct store_key *k,
     int limit, struct rows *r)
{
    rows_release(r);
    return store_list(st, STORE_ASSISTANTS, acct, dir, k, limit, collect, r);
}

/* Checks r's ids are want[0..n). */
static void
check_ids(const struct rows *r, const char *const *want, int n)
{
    int i;

    if (r->n != n) {
        print_error("got %d rows, want %d\n", r->n, n);
        fail();
    }
    for (i = 0; i < n; i++)
        assert_string_equal(r->id[i], want[i]);
}

/* ---- happy path ---- */

static const char happy_doc[] =
    "{\n"
    "  \"accounts\": [\n"
    "    {\"sid\": \"" A1 "\", \"auth_token\": \"alice-token\",\n"
    "     \"api_keys\": [{\"sid\": \"" K1 "\", \"secret\": \"alice-key\"}]},\n"
    "    {\"sid\": \"" A2 "\", \"auth_token\": \"bob-token\"}\n"
    "  ],\n"
    "  \"assistants\": [\n"
    "    {\"id\": \"aia_asst_c\", \"account_sid\": \"" A1
    "\", \"name\": \"C\",\n"
    "     \"owner\": \"o\", \"model\": \"m\", \"personality_prompt\": \"p\",\n"
    "     \"customer_ai\": {\"x\": 1, \"y\": [true, null], \"z\": \"a/b\"},\n"
    "     \"date_created\": \"2025-01-02T03:04:05Z\",\n"
    "     \"date_updated\": \"2025-02-01T00:00:00Z\"},\n"
    "    {\"id\": \"aia_asst_a\", \"account_sid\": \"" A1
    "\", \"name\": \"A\",\n"
    "     \"owner\": \"o\", \"model\": \"m\", \"personality_prompt\": \"p\",\n"
    "     \"customer_ai\": {}, \"date_created\": \"2025-01-02T03:04:05Z\",\n"
    "     \"date_updated\": \"2025-01-02T03:04:05Z\"},\n"
    "    {\"id\": \"aia_asst_z\", \"account_sid\": \"" A1
    "\", \"name\": \"Z\",\n"
    "     \"owner\": \"o\", \"model\": \"m\", \"personality_prompt\": \"p\",\n"
    "     \"customer_ai\": {}, \"date_created\": \"2024-01-01T00:00:00Z\",\n"
    "     \"date_updated\": \"2024-01-01T00:00:00Z\",\n"
    "     \"url\": \"https://example.com/v1/Assistants/aia_asst_z\"},\n"
    "    {\"id\": \"aia_asst_b2\", \"account_sid\": \"" A2
    "\", \"name\": \"B\",\n"
    "     \"owner\": \"o\", \"model\": \"m\", \"personality_prompt\": \"p\",\n"
    "     \"customer_ai\": {}, \"date_created\": \"2023-05-05T05:05:05Z\",\n"
    "     \"date_updated\": \"2023-05-05T05:05:05Z\"},\n"
    "    {\"id\": \"aia_asst_b1\", \"account_sid\": \"" A2
    "\", \"name\": \"B\",\n"
    "     \"owner\": \"o\", \"model\": \"m\", \"personality_prompt\": \"p\",\n"
    "     \"customer_ai\": {}, \"date_created\": \"2026-05-05T05:05:05Z\",\n"
    "     \"date_updated\": \"2026-05-05T05:05:05Z\"},\n"
    "    {\"id\": \"aia_asst_0\", \"name\": \"default account\",\n"
    "     \"owner\": \"o\", \"model\": \"m\", \"personality_prompt\": \"p\",\n"
    "     \"customer_ai\": {}, \"date_created\": \"2030-01-01T00:00:00Z\",\n"
    "     \"date_updated\": \"2030-01-01T00:00:00Z\", \"url\": null}\n"
    "  ]\n"
    "}\n";

static void
test_happy_path(void **state)
{
    static const char *const want1[] = {"aia_asst_z", "aia_asst_a",
                                        "aia_asst_c", "aia_asst_0"};
    static const char *const want2[] = {"aia_asst_b2", "aia_asst_b1"};
    struct loaded l;
    struct rows *r = calloc(1, sizeof(*r));

    (void)state;
    load(&l, happy_doc, NULL);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.n_accounts, 2);
    assert_string_equal(l.fx.accts.accounts[0].sid, A1);
    assert_string_equal(l.fx.accts.accounts[1].sid, A2);
    assert_false(l.fx.accts.accounts[0].from_env);
    assert_int_equal(l.fx.accts.accounts[0].n_assistants, 4);
    assert_int_equal(l.fx.accts.accounts[1].n_assistants, 2);
    assert_int_equal(l.fx.n_assistants, 6);
    assert_int_equal(l.fx.n_files, 1);
    assert_false(l.fx.bundled);
    /* Credentials sorted by sid. */
    assert_int_equal(l.fx.accts.n_creds, 3);
    assert_string_equal(l.fx.accts.creds[0].sid, A1);
    assert_string_equal(l.fx.accts.creds[0].secret, "alice-token");
    assert_int_equal(l.fx.accts.creds[0].secret_len, 11);
    assert_int_equal(l.fx.accts.creds[0].acct, 0);
    assert_string_equal(l.fx.accts.creds[1].sid, A2);
    assert_int_equal(l.fx.accts.creds[1].acct, 1);
    assert_string_equal(l.fx.accts.creds[2].sid, K1);
    assert_string_equal(l.fx.accts.creds[2].secret, "alice-key");
    assert_int_equal(l.fx.accts.creds[2].acct, 0);
    assert_int_equal(store_count(l.st, STORE_ASSISTANTS, 0), 4);
    assert_int_equal(store_count(l.st, STORE_ASSISTANTS, 1), 2);
    assert_int_equal(store_count(l.st, STORE_ASSISTANTS, 2), 0);

    /* (created, id) order. */
    assert_int_equal(list(l.st, 0, STORE_AFTER, NULL, 100, r), 4);
    check_ids(r, want1, 4);
    assert_true(r->created[0] == 1704067200);
    assert_true(r->created[1] == 1735787045);
    assert_true(r->created[2] == 1735787045);
    assert_true(r->created[3] == 1893456000);
    /* Exact bytes of one item with a derived url... */
    assert_true(r->has_post[2]);
    assert_string_equal(
        r->pre[2].data,
        "{\"account_sid\":\"" A1 "\",\"customer_ai\":{\"x\":1,\"y\":[true,"
        "null],\"z\":\"a/b\"},\"id\":\"aia_asst_c\",\"model\":\"m\",\"name\":"
        "\"C\",\"owner\":\"o\",\"url\":\"");
    assert_string_equal(
        r->post[2].data,
        "/v1/Assistants/aia_asst_c\",\"personality_prompt\":\"p\","
        "\"date_created\":\"2025-01-02T03:04:05Z\",\"date_updated\":"
        "\"2025-02-01T00:00:00Z\"}");
    /* ... one with a fixed url, and one whose url is null (derived). */
    assert_false(r->has_post[0]);
    assert_string_equal(
        r->pre[0].data,
        "{\"account_sid\":\"" A1 "\",\"customer_ai\":{},\"id\":\"aia_asst_z\","
        "\"model\":\"m\",\"name\":\"Z\",\"owner\":\"o\",\"url\":\"https://"
        "example.com/v1/Assistants/aia_asst_z\",\"personality_prompt\":\"p\","
        "\"date_created\":\"2024-01-01T00:00:00Z\",\"date_updated\":"
        "\"2024-01-01T00:00:00Z\"}");
    assert_true(r->has_post[3]);
    assert_non_null(strstr(r->pre[3].data, "\"account_sid\":\"" A1 "\""));
    assert_true(strncmp(r->post[3].data, "/v1/Assistants/aia_asst_0\"", 26) ==
                0);

    assert_int_equal(list(l.st, 1, STORE_AFTER, NULL, 100, r), 2);
    check_ids(r, want2, 2);
    assert_non_null(strstr(r->pre[0].data, "\"account_sid\":\"" A2 "\""));
    assert_int_equal(list(l.st, 2, STORE_AFTER, NULL, 100, r), 0);
    rows_release(r);
    free(r);
    unload(&l);
}

/* Every cut of a valid document is refused with a message, never read past. */
static void
test_every_prefix(void **state)
{
    size_t n = sizeof(happy_doc) - 1, len;

    (void)state;
    for (len = 0; len < n - 1; len++) {
        struct loaded l;
        load_n(&l, happy_doc, len, NULL);
        if (l.rc != -1 || l.fx.n_errors == 0 ||
            count_lines(errors_of(&l)) != l.fx.n_errors) {
            print_error("prefix of %zu bytes: rc %d, errors:\n%s\n", len, l.rc,
                        errors_of(&l));
            unload(&l);
            fail();
        }
        unload(&l);
    }
}

/* A list response recorded from Twilio, served with env credentials. */
static void
test_recorded_twilio_response(void **state)
{
    static const char doc[] =
        "{\"assistants\": [{\"account_sid\": \"" A3 "\", \"customer_ai\": "
        "{\"perception_engine_enabled\": false, "
        "\"personalization_engine_enabled\": false}, \"id\": "
        "\"aia_asst_018ce84c-ddea-791b-9589-61c682b9bfbc\", \"model\": "
        "\"gpt-4o\", \"name\": \"Loyalty\", \"owner\": \"Acme\", \"url\": "
        "\"https://assistants.twilio.com/v1/Assistants/"
        "aia_asst_018ce84c-ddea-791b-9589-61c682b9bfbc\", "
        "\"personality_prompt\": \"You are concise.\", \"date_created\": "
        "\"2024-01-08T09:00:00Z\", \"date_updated\": "
        "\"2024-03-28T13:56:44Z\"}], \"meta\": {\"page\": 0, \"page_size\": "
        "50, \"first_page_url\": \"https://assistants.twilio.com/v1/"
        "Assistants?PageSize=50&Page=0\", \"previous_page_url\": null, "
        "\"url\": \"https://assistants.twilio.com/v1/Assistants?PageSize=50"
        "&Page=0\", \"next_page_url\": null, \"key\": \"assistants\"}}";
    const struct fixtures_env env = {A3, "env-token", K2, "env-secret"};
    struct loaded l;
    struct rows *r = calloc(1, sizeof(*r));

    (void)state;
    load(&l, doc, &env);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.n_accounts, 1);
    assert_string_equal(l.fx.accts.accounts[0].sid, A3);
    assert_true(l.fx.accts.accounts[0].from_env);
    assert_int_equal(l.fx.accts.accounts[0].n_assistants, 1);
    assert_int_equal(l.fx.accts.n_creds, 2);
    assert_string_equal(l.fx.accts.creds[0].sid, A3);
    assert_string_equal(l.fx.accts.creds[0].secret, "env-token");
    assert_string_equal(l.fx.accts.creds[1].sid, K2);
    assert_string_equal(l.fx.accts.creds[1].secret, "env-secret");
    assert_int_equal(l.fx.accts.creds[1].acct, 0);
    assert_int_equal(list(l.st, 0, STORE_AFTER, NULL, 50, r), 1);
    assert_false(r->has_post[0]);
    assert_string_equal(
        r->pre[0].data,
        "{\"account_sid\":\"" A3 "\",\"customer_ai\":{\"perception_engine_"
        "enabled\":false,\"personalization_engine_enabled\":false},\"id\":"
        "\"aia_asst_018ce84c-ddea-791b-9589-61c682b9bfbc\",\"model\":"
        "\"gpt-4o\",\"name\":\"Loyalty\",\"owner\":\"Acme\",\"url\":\"https:"
        "//assistants.twilio.com/v1/Assistants/aia_asst_018ce84c-ddea-791b-"
        "9589-61c682b9bfbc\",\"personality_prompt\":\"You are concise.\","
        "\"date_created\":\"2024-01-08T09:00:00Z\",\"date_updated\":"
        "\"2024-03-28T13:56:44Z\"}");
    rows_release(r);
    free(r);
    unload(&l);
}

/* TWILIO_ACCOUNT_SID is the default account of items without a sid. */
static void
test_default_account_from_env(void **state)
{
    struct buf b = BUF_INIT;
    const struct fixtures_env env = {A2, "env-token", NULL, NULL};
    const struct fixtures_env env1 = {A1, "second-token", NULL, NULL};
    struct loaded l;

    (void)state;
    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    asst(&b, "account_sid", NULL, NULL);
    buf_adds(&b, "]}");
    /* Without env: the first account. */
    load(&l, b.data, NULL);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.accounts[0].n_assistants, 1);
    unload(&l);
    /* With env: that account, added after the fixtures' ones. */
    load(&l, b.data, &env);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.n_accounts, 2);
    assert_string_equal(l.fx.accts.accounts[1].sid, A2);
    assert_true(l.fx.accts.accounts[1].from_env);
    assert_int_equal(l.fx.accts.accounts[0].n_assistants, 0);
    assert_int_equal(l.fx.accts.accounts[1].n_assistants, 1);
    assert_int_equal(store_count(l.st, STORE_ASSISTANTS, 1), 1);
    unload(&l);
    /* An env SID already in the fixtures: same account, a second token. */
    load(&l, b.data, &env1);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.n_accounts, 1);
    assert_int_equal(l.fx.accts.n_creds, 2);
    assert_string_equal(l.fx.accts.creds[0].sid, A1);
    assert_string_equal(l.fx.accts.creds[1].sid, A1);
    assert_int_equal(l.fx.accts.creds[0].acct, 0);
    assert_int_equal(l.fx.accts.creds[1].acct, 0);
    unload(&l);
    buf_release(&b);
}

static void
test_byte_faithful_strings(void **state)
{
    static const char doc[] =
        "{" ACCOUNTS ",\"assistants\":[{\"id\":\"aia_asst_1\","
        "\"name\":\"a\\u0000b\","
        "\"owner\":\"\\ud83d\\ude00 \xf0\x9f\x98\x80\","
        "\"model\":\"say \\\"hi\\\" \\\\ \\/ /\","
        "\"personality_prompt\":\"\\n\\t\\u001f\\u00e9\","
        "\"customer_ai\":{\"k\":\"a\\u0000b\xf0\x9f\x98\x80\\\"/\\/\","
        "\"n\":[1,-2.5e3,{}]},"
        "\"date_created\":\"2025-01-02T03:04:05Z\","
        "\"date_updated\":\"2025-01-02T03:04:05Z\"}]}";
    struct loaded l;
    struct rows *r = calloc(1, sizeof(*r));

    (void)state;
    load(&l, doc, NULL);
    expect_ok(&l);
    assert_int_equal(list(l.st, 0, STORE_AFTER, NULL, 10, r), 1);
    assert_string_equal(
        r->pre[0].data,
        "{\"account_sid\":\"" A1 "\",\"customer_ai\":{\"k\":\"a\\u0000b"
        "\xf0\x9f\x98\x80\\\"//\",\"n\":[1,-2.5e3,{}]},\"id\":\"aia_asst_1\","
        "\"model\":\"say \\\"hi\\\" \\\\ / /\",\"name\":\"a\\u0000b\","
        "\"owner\":\"\xf0\x9f\x98\x80 \xf0\x9f\x98\x80\",\"url\":\"");
    assert_string_equal(r->post[0].data,
                        "/v1/Assistants/aia_asst_1\",\"personality_prompt\":"
                        "\"\\n\\t\\u001f\xc3\xa9\",\"date_created\":\"2025-01-"
                        "02T03:04:05Z\",\"date_updated\":\"2025-01-02T03:04:"
                        "05Z\"}");
    rows_release(r);
    free(r);
    unload(&l);
}

/* ---- problems: JSON syntax ---- */

static void
test_invalid_json_lines(void **state)
{
    struct loaded l;
    static const char doc[] = "{\n" ACCOUNTS ",\n\"assistants\": [\n"
                              "  {\"id\": tru}\n"
                              "]}\n";

    (void)state;
    /* Inside an assistant, on line 4. */
    load(&l, doc, NULL);
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.fx.n_errors, 1);
    assert_true(strncmp(errors_of(&l), "x.json:4: invalid JSON: ", 24) == 0);
    assert_int_equal(count_lines(errors_of(&l)), 1);
    unload(&l);
    /* An error on line 3 of the top-level object. */
    load(&l, "{\n" ACCOUNTS "\n\"assistants\": []}", NULL);
    assert_int_equal(l.rc, -1);
    assert_true(strncmp(errors_of(&l), "x.json:3: invalid JSON: ", 24) == 0);
    unload(&l);
    expect_errors("{\n" ACCOUNTS "\n\"assistants\": []}", NULL,
                  "x.json:3: invalid JSON: expected ',' or '}'\n");
    expect_errors("{\"accounts\": [],\n\n", NULL,
                  "x.json:3: invalid JSON: expected a key string\n");
    expect_errors("{\"accounts\": [", NULL,
                  "x.json:1: invalid JSON: unexpected end of file\n");
    expect_errors("{\"accounts\"", NULL,
                  "x.json:1: invalid JSON: expected ':'\n");
    expect_errors("{\"accounts\": []", NULL,
                  "x.json:1: invalid JSON: unexpected end of file\n");
    expect_errors("{\"acc", NULL,
                  "x.json:1: invalid JSON: unterminated string\n");
    expect_errors("{}\n{}", NULL,
                  "x.json:2: invalid JSON: unexpected data after the "
                  "top-level object\n");
    expect_errors("hello", NULL, "x.json:1: invalid JSON: expected '{'\n");
    expect_errors("{\"accounts\":}", NULL,
                  "x.json:1: invalid JSON: expected a value\n");
    expect_errors("{" ACCOUNTS ",\n\"assistants\":[\n\n,1]}", NULL,
                  "x.json:4: invalid JSON: expected a value\n");
    expect_errors("{" ACCOUNTS ",\n\"assistants\":[" VALID_ASST "\n{}]}", NULL,
                  "x.json:3: invalid JSON: expected ',' or ']'\n");
    /* Invalid UTF-8 inside a value. */
    load(&l, "{" ACCOUNTS ",\n\n\"assistants\":[{\"id\":\"aia_asst_\xff\"}]}",
         NULL);
    assert_int_equal(l.rc, -1);
    assert_true(strncmp(errors_of(&l), "x.json:3: invalid JSON: ", 24) == 0);
    unload(&l);
    /* A byte order mark is allowed. */
    load(&l, "\xef\xbb\xbf{}", NULL);
    expect_ok(&l);
    unload(&l);
}

static void
test_empty_and_array(void **state)
{
    (void)state;
    expect_errors_n("", 0, NULL,
                    "x.json: empty file: expected a JSON object\n");
    expect_errors(" \n\t\r\n", NULL,
                  "x.json: empty file: expected a JSON object\n");
    expect_errors("[]", NULL,
                  "x.json: expected a JSON object with \"accounts\" and "
                  "\"assistants\", got an array\n");
    expect_errors("  [{\"id\":1}]", NULL,
                  "x.json: expected a JSON object with \"accounts\" and "
                  "\"assistants\", got an array\n");
}

static void
test_top_level_keys(void **state)
{
    struct loaded l;

    (void)state;
    expect_errors("{" ACCOUNTS ",\"foo\":1}", NULL,
                  "x.json: unknown top-level key \"foo\": expected "
                  KNOWN_KEYS "\n");
    expect_errors("{\"Accounts\":[]}", NULL,
                  "x.json: unknown top-level key \"Accounts\": expected "
                  KNOWN_KEYS "\n");
    expect_errors("{" ACCOUNTS "," ACCOUNTS "}", NULL,
                  "x.json: duplicate key \"accounts\"\n");
    expect_errors("{\"assistants\":[],\"assistants\":[]}", NULL,
                  "x.json: duplicate key \"assistants\"\n");
    expect_errors("{\"accounts\":{}}", NULL,
                  "x.json: accounts: expected an array, got an object\n");
    expect_errors("{\"assistants\":\"x\"}", NULL,
                  "x.json: assistants: expected an array, got a string\n");
    expect_errors("{\"assistants\":[1]}", NULL,
                  "x.json: assistants[0]: expected an object, got a number\n");
    expect_errors("{\"accounts\":[[]]}", NULL,
                  "x.json: accounts[0]: expected an object, got an array\n");
    /* meta is ignored, whatever it holds. */
    load(&l, "{\"meta\":{\"page\":0},\"accounts\":[],\"assistants\":[]}", NULL);
    expect_ok(&l);
    unload(&l);
    load(&l, "{}", NULL);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.n_accounts, 0);
    unload(&l);
}

/* A duplicate "meta" is a duplicate key, not an unknown one. */
static void
test_duplicate_meta(void **state)
{
    (void)state;
    expect_errors("{\"meta\":{},\"meta\":{}}", NULL,
                  "x.json: duplicate key \"meta\"\n");
}

/* Loads doc; true if it failed with exactly want (else says why). */
static bool
errors_are(const char *doc, const char *want)
{
    struct loaded l;
    bool ok;

    load(&l, doc, NULL);
    ok = l.rc == -1 && strcmp(errors_of(&l), want) == 0 &&
         l.fx.n_errors == count_lines(want);
    if (!ok)
        print_error("%s: rc %d, %zu errors:\n%s\nwant:\n%s", doc, l.rc,
                    l.fx.n_errors, errors_of(&l), want);
    unload(&l);
    return ok;
}

/*
 * JSON null where an array, object or any value is expected: each case is
 * checked (and reported) before the test fails.
 */
static void
test_null_values(void **state)
{
    struct buf b = BUF_INIT;
    struct loaded l;
    bool all_ok = true;

    (void)state;
    all_ok &= errors_are("{\"assistants\":null}",
                         "x.json: assistants: expected an array, got null\n");
    all_ok &= errors_are("{\"accounts\":null}",
                         "x.json: accounts: expected an array, got null\n");
    all_ok &=
        errors_are("{" ACCOUNTS ",\"assistants\":[null]}",
                   "x.json: assistants[0]: expected an object, got null\n");
    all_ok &= errors_are("{\"accounts\":[null]}",
                         "x.json: accounts[0]: expected an object, got null\n");
    all_ok &= errors_are("{" ACCOUNTS ",\"foo\":null}",
                         "x.json: unknown top-level key \"foo\": expected "
                         KNOWN_KEYS "\n");
    /* "meta": null is ignored like any meta: the rest still loads. */
    buf_adds(&b, "{\"meta\":null," ACCOUNTS ",\"assistants\":[");
    asst(&b, NULL);
    buf_adds(&b, "]}");
    load(&l, b.data, NULL);
    if (l.rc != 0 || l.fx.n_assistants != 1) {
        print_error("%s: rc %d, %ld assistants, errors:\n%s\n", b.data, l.rc,
                    l.fx.n_assistants, errors_of(&l));
        all_ok = false;
    }
    unload(&l);
    buf_release(&b);
    assert_true(all_ok);
}

/* ---- problems: assistants ---- */

static void
test_assistant_missing_fields(void **state)
{
    (void)state;
    expect_field_error("name", NULL,
                       "x.json: assistants[0]: missing required field "
                       "\"name\"\n");
    expect_field_error("customer_ai", NULL,
                       "x.json: assistants[0]: missing required field "
                       "\"customer_ai\"\n");
    expect_field_error("date_updated", NULL,
                       "x.json: assistants[0]: missing required field "
                       "\"date_updated\"\n");
    /* null is missing. */
    expect_field_error("owner", "null",
                       "x.json: assistants[0]: missing required field "
                       "\"owner\"\n");
    expect_errors("{" ACCOUNTS ",\"assistants\":[{}]}", NULL,
                  "x.json: assistants[0]: missing required field "
                  "\"customer_ai\"\n"
                  "x.json: assistants[0]: missing required field \"id\"\n"
                  "x.json: assistants[0]: missing required field \"model\"\n"
                  "x.json: assistants[0]: missing required field \"name\"\n"
                  "x.json: assistants[0]: missing required field \"owner\"\n"
                  "x.json: assistants[0]: missing required field "
                  "\"personality_prompt\"\n"
                  "x.json: assistants[0]: missing required field "
                  "\"date_created\"\n"
                  "x.json: assistants[0]: missing required field "
                  "\"date_updated\"\n");
}

static void
test_assistant_wrong_types(void **state)
{
    (void)state;
    expect_field_error("name", "1",
                       "x.json: assistants[0].name: expected a string, got "
                       "a number\n");
    expect_field_error("owner", "1.5",
                       "x.json: assistants[0].owner: expected a string, got "
                       "a number\n");
    expect_field_error("model", "true",
                       "x.json: assistants[0].model: expected a string, got "
                       "a boolean\n");
    expect_field_error("personality_prompt", "[]",
                       "x.json: assistants[0].personality_prompt: expected a "
                       "string, got an array\n");
    expect_field_error("date_created", "{}",
                       "x.json: assistants[0].date_created: expected a "
                       "string, got an object\n");
    expect_field_error("id", "5",
                       "x.json: assistants[0].id: expected a string, got a "
                       "number\n");
    expect_field_error("url", "5",
                       "x.json: assistants[0].url: expected a string, got a "
                       "number\n");
    expect_field_error("account_sid", "5",
                       "x.json: assistants[0].account_sid: expected \"AC\" "
                       "and 32 hex digits, got a number\n");
    expect_field_error("customer_ai", "[]",
                       "x.json: assistants[0].customer_ai: expected an "
                       "object, got an array\n");
    expect_field_error("customer_ai", "\"{}\"",
                       "x.json: assistants[0].customer_ai: expected an "
                       "object, got a string\n");
    expect_field_error("customer_ai", "false",
                       "x.json: assistants[0].customer_ai: expected an "
                       "object, got a boolean\n");
}

/* Strings are at most FIXTURES_MAX_STRING bytes. */
static void
test_assistant_long_string(void **state)
{
    char *v = malloc(FIXTURES_MAX_STRING + 4);
    struct loaded l;
    char *doc;

    (void)state;
    assert_non_null(v);
    memset(v, 'x', FIXTURES_MAX_STRING + 3);
    v[0] = '"';
    v[FIXTURES_MAX_STRING + 1] = '"';
    v[FIXTURES_MAX_STRING + 2] = '\0';
    doc = doc1("personality_prompt", v);
    load(&l, doc, NULL);
    expect_ok(&l);
    unload(&l);
    free(doc);
    v[FIXTURES_MAX_STRING + 1] = 'x';
    v[FIXTURES_MAX_STRING + 2] = '"';
    v[FIXTURES_MAX_STRING + 3] = '\0';
    expect_field_error("personality_prompt", v,
                       "x.json: assistants[0].personality_prompt: expected at "
                       "most 1048576 bytes, got 1048577\n");
    free(v);
}

static void
test_assistant_account_sid(void **state)
{
    struct buf b = BUF_INIT;
    int i;

    (void)state;
    /* The example of CONTRACT.md, at index 3. */
    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    for (i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof(id), "\"aia_asst_%d\"", i);
        asst(&b, "id", id, NULL);
        buf_addc(&b, ',');
    }
    asst(&b, "id", "\"aia_asst_3\"", "account_sid", "\"ACxyz\"", NULL);
    buf_adds(&b, "]}");
    expect_errors(b.data, NULL,
                  "x.json: assistants[3].account_sid: expected \"AC\" and 32 "
                  "hex digits, got \"ACxyz\"\n");
    buf_release(&b);
    expect_field_error("account_sid",
                       "\"AC"
                       "a11ce00000000000000000000000000\"",
                       "x.json: assistants[0].account_sid: expected \"AC\" "
                       "and 32 hex digits, got \"ACa11ce0000000000000000000000"
                       "0000\"\n");
    expect_field_error("account_sid", "\"" K1 "\"",
                       "x.json: assistants[0].account_sid: expected \"AC\" "
                       "and 32 hex digits, got \"" K1 "\"\n");
    /* A valid SID of an account with no credentials. */
    expect_field_error("account_sid", "\"" A2 "\"",
                       "x.json: assistants[0].account_sid: account \"" A2
                       "\" has no credentials: add it to \"accounts\" or set "
                       "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN\n");
}

static void
test_assistant_no_default_account(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    buf_adds(&b, "{\"assistants\":[");
    asst(&b, "account_sid", NULL, NULL);
    buf_adds(&b, "]}");
    expect_errors(b.data, NULL,
                  "x.json: assistants[0]: no \"account_sid\" and no default "
                  "account: add \"accounts\" or set TWILIO_ACCOUNT_SID\n");
    buf_release(&b);
}

static void
test_assistant_bad_id(void **state)
{
    char long_id[FIXTURES_MAX_ID + 8];
    char *doc;
    struct loaded l;

    (void)state;
    expect_field_error("id", "\"asst_1\"",
                       "x.json: assistants[0].id: expected \"aia_asst_\" "
                       "followed by at least one character, got "
                       "\"asst_1\"\n");
    expect_field_error("id", "\"aia_asst_\"",
                       "x.json: assistants[0].id: expected \"aia_asst_\" "
                       "followed by at least one character, got "
                       "\"aia_asst_\"\n");
    expect_field_error("id", "\"\"",
                       "x.json: assistants[0].id: expected \"aia_asst_\" "
                       "followed by at least one character, got \"\"\n");
    expect_field_error("id", "\"aia_asst_a\\nb\"",
                       "x.json: assistants[0].id: expected \"aia_asst_\" "
                       "followed by at least one character, got "
                       "\"aia_asst_a\\nb\"\n");
    expect_field_error("id", "\"AIA_ASST_1\"",
                       "x.json: assistants[0].id: expected \"aia_asst_\" "
                       "followed by at least one character, got "
                       "\"AIA_ASST_1\"\n");
    /* A long bad id is quoted cut to 60 bytes. */
    expect_field_error(
        "id",
        "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
        "x.json: assistants[0].id: expected \"aia_asst_\" "
        "followed by at least one character, got \"xxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
        "\"\n");
    /* At most FIXTURES_MAX_ID bytes. */
    memset(long_id, 'x', sizeof(long_id));
    memcpy(long_id, "\"aia_asst_", 10);
    long_id[FIXTURES_MAX_ID + 1] = '"';
    long_id[FIXTURES_MAX_ID + 2] = '\0';
    doc = doc1("id", long_id);
    load(&l, doc, NULL);
    expect_ok(&l);
    unload(&l);
    free(doc);
    long_id[FIXTURES_MAX_ID + 1] = 'x';
    long_id[FIXTURES_MAX_ID + 2] = '"';
    long_id[FIXTURES_MAX_ID + 3] = '\0';
    expect_field_error("id", long_id,
                       "x.json: assistants[0].id: expected at most 200 bytes, "
                       "got 201\n");
}

static void
test_assistant_bad_dates(void **state)
{
    static const char *const bad[] = {
        "2025-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2025-01-02T03:04:05.000Z",
        "2025-01-02T03:04:05+00:00",
        "2025-01-02",
        "",
        "2025-01-02t03:04:05z",
    };
    char value[64], want[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(value, sizeof(value), "\"%s\"", bad[i]);
        snprintf(want, sizeof(want),
                 "x.json: assistants[0].date_created: expected a UTC date like "
                 "\"2025-01-02T03:04:05Z\", got \"%s\"\n",
                 bad[i]);
        expect_field_error("date_created", value, want);
        snprintf(want, sizeof(want),
                 "x.json: assistants[0].date_updated: expected a UTC date like "
                 "\"2025-01-02T03:04:05Z\", got \"%s\"\n",
                 bad[i]);
        expect_field_error("date_updated", value, want);
    }
}

/* json-c would cut a key at a NUL byte: refused. */
static void
test_assistant_nul_keys(void **state)
{
    struct loaded l;

    (void)state;
    expect_field_error("customer_ai", "{\"a\\u0000b\":1}",
                       "x.json: assistants[0].customer_ai: object keys may "
                       "not contain NUL (\\u0000): it would be lost\n");
    expect_field_error("customer_ai", "{\"x\":{\"\\u0000\":1}}",
                       "x.json: assistants[0].customer_ai: object keys may "
                       "not contain NUL (\\u0000): it would be lost\n");
    expect_field_error("owner\\u0000", "\"x\"",
                       "x.json: assistants[0]: object keys may not contain "
                       "NUL (\\u0000): it would be lost\n");
    /* In values, NUL is kept (see test_byte_faithful_strings). */
    {
        char *doc = doc1("customer_ai", "{\"a\":\"\\u0000\"}");
        load(&l, doc, NULL);
        expect_ok(&l);
        unload(&l);
        free(doc);
    }
}

static void
test_assistant_unknown_key(void **state)
{
    (void)state;
    expect_field_error("foo", "1",
                       "x.json: assistants[0]: unknown key \"foo\"\n");
    expect_field_error("Name", "\"x\"",
                       "x.json: assistants[0]: unknown key \"Name\"\n");
    expect_field_error("a\\\"b", "\"x\"",
                       "x.json: assistants[0]: unknown key \"a\\\"b\"\n");
}

static void
test_assistant_duplicate_ids(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    asst(&b, "id", "\"aia_asst_dup\"", NULL);
    buf_addc(&b, ',');
    asst(&b, "id", "\"aia_asst_other\"", NULL);
    buf_addc(&b, ',');
    /* Same id, another date: still a duplicate. */
    asst(&b, "id", "\"aia_asst_dup\"", "date_created",
         "\"2020-01-01T00:00:00Z\"", NULL);
    buf_addc(&b, ',');
    asst(&b, "id", "\"aia_asst_dup\"", NULL);
    buf_adds(&b, "]}");
    expect_errors(b.data, NULL,
                  "x.json: assistants[2].id: duplicate id \"aia_asst_dup\" "
                  "(first in x.json: assistants[0])\n"
                  "x.json: assistants[3].id: duplicate id \"aia_asst_dup\" "
                  "(first in x.json: assistants[0])\n");
    buf_release(&b);
}

/*
 * Several problems in one assistant are all reported: unknown keys first,
 * then the fields in the descriptor's (the spec's) order.
 */
static void
test_assistant_several_problems(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    asst(&b, "id", "\"bad\"", "name", "2", "date_updated", "\"never\"", "extra",
         "0", NULL);
    buf_adds(&b, "]}");
    expect_errors(b.data, NULL,
                  "x.json: assistants[0]: unknown key \"extra\"\n"
                  "x.json: assistants[0].id: expected \"aia_asst_\" followed "
                  "by at least one character, got \"bad\"\n"
                  "x.json: assistants[0].name: expected a string, got a "
                  "number\n"
                  "x.json: assistants[0].date_updated: expected a UTC date "
                  "like \"2025-01-02T03:04:05Z\", got \"never\"\n");
    buf_release(&b);
}

/* ---- problems: accounts and environment ---- */

/* Found by fuzz_fixtures (fuzz/crashes/fixtures-invalid-utf8): json-c lets
 * overlong forms, surrogates and code points past U+10FFFF through. */
static void
test_invalid_utf8_rejected(void **state)
{
    (void)state;
    expect_errors("{" ACCOUNTS ",\"assistants\":[{\"id\":\"aia_asst_1\","
                  "\"name\":\"\xed\xa0\x80\",\"owner\":\"o\",\"model\":\"m\","
                  "\"personality_prompt\":\"p\",\"customer_ai\":{},"
                  "\"date_created\":\"2025-01-02T03:04:05Z\","
                  "\"date_updated\":\"2025-01-02T03:04:06Z\"}]}",
                  NULL, "x.json:1: invalid JSON: invalid UTF-8 in a string\n");
    expect_errors("{" ACCOUNTS ",\"assistants\":[{\"id\":\"aia_asst_\xc0\xaf\","
                  "\"name\":\"n\",\"owner\":\"o\",\"model\":\"m\","
                  "\"personality_prompt\":\"p\",\"customer_ai\":{},"
                  "\"date_created\":\"2025-01-02T03:04:05Z\","
                  "\"date_updated\":\"2025-01-02T03:04:06Z\"}]}",
                  NULL, "x.json:1: invalid JSON: invalid UTF-8 in a string\n");
    expect_errors("{" ACCOUNTS ",\"assistants\":[{\"id\":\"aia_asst_1\","
                  "\"name\":\"n\",\"owner\":\"o\",\"model\":\"m\","
                  "\"personality_prompt\":\"p\","
                  "\"customer_ai\":{\"k\":\"\xf4\x90\x80\x80\"},"
                  "\"date_created\":\"2025-01-02T03:04:05Z\","
                  "\"date_updated\":\"2025-01-02T03:04:06Z\"}]}",
                  NULL,
                  "x.json:1: invalid JSON: invalid UTF-8 in a string\n");
    /* The line is the string's. */
    expect_errors("{" ACCOUNTS ",\n\"assistants\":[\n{\"id\":\"aia_asst_1\","
                  "\n\"name\":\"ok\",\"owner\":\"\xc1\xbf\",\"model\":\"m\","
                  "\"personality_prompt\":\"p\",\"customer_ai\":{},"
                  "\"date_created\":\"2025-01-02T03:04:05Z\","
                  "\"date_updated\":\"2025-01-02T03:04:06Z\"}]}",
                  NULL,
                  "x.json:4: invalid JSON: invalid UTF-8 in a string\n");
}

static void
test_account_problems(void **state)
{
    (void)state;
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\"}]}", NULL,
                  "x.json: accounts[0]: no credentials: expected "
                  "\"auth_token\" or \"api_keys\" (or TWILIO_AUTH_TOKEN)\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"api_keys\":[]}]}", NULL,
                  "x.json: accounts[0]: no credentials: expected "
                  "\"auth_token\" or \"api_keys\" (or TWILIO_AUTH_TOKEN)\n");
    expect_errors("{\"accounts\":[" ACCOUNT1 ",{\"sid\":\"" A1
                  "\",\"auth_token\":\"t2\"}]}",
                  NULL,
                  "x.json: accounts[1].sid: duplicate account \"" A1 "\"\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"t\","
                  "\"api_keys\":[{\"sid\":\"" K1 "\",\"secret\":\"s\"}]},"
                  "{\"sid\":\"" A2 "\",\"auth_token\":\"t\","
                  "\"api_keys\":[{\"sid\":\"" K1 "\",\"secret\":\"s2\"}]}]}",
                  NULL,
                  "x.json: accounts[1].api_keys[0].sid: duplicate API key \"" K1
                  "\"\n");
    expect_errors("{\"accounts\":[{\"auth_token\":\"t\"}]}", NULL,
                  "x.json: accounts[0]: missing required field \"sid\"\n");
    expect_errors("{\"accounts\":[{\"sid\":\"ACxyz\",\"auth_token\":\"t\"}]}",
                  NULL,
                  "x.json: accounts[0].sid: expected \"AC\" and 32 hex "
                  "digits, got \"ACxyz\"\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"\"}]}",
                  NULL,
                  "x.json: accounts[0].auth_token: expected 1 to 1024 "
                  "bytes, got 0\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":"
                  "\"a\\u0000b\"}]}",
                  NULL,
                  "x.json: accounts[0].auth_token: must not contain NUL "
                  "(\\u0000)\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":5}]}",
                  NULL,
                  "x.json: accounts[0].auth_token: expected a string, got a "
                  "number\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"t\","
                  "\"foo\":1}]}",
                  NULL,
                  "x.json: accounts[0]: unknown key \"foo\": expected \"sid\", "
                  "\"auth_token\" or \"api_keys\"\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"t\","
                  "\"api_keys\":{}}]}",
                  NULL,
                  "x.json: accounts[0].api_keys: expected an array, got an "
                  "object\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"t\","
                  "\"api_keys\":[{\"sid\":\"" K1 "\"}]}]}",
                  NULL,
                  "x.json: accounts[0].api_keys[0]: missing required field "
                  "\"secret\"\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"t\","
                  "\"api_keys\":[{\"sid\":\"SK1\",\"secret\":\"s\"}]}]}",
                  NULL,
                  "x.json: accounts[0].api_keys[0].sid: expected \"SK\" and "
                  "32 hex digits, got \"SK1\"\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"t\","
                  "\"api_keys\":[{\"sid\":\"" K1 "\",\"secret\":\"s\","
                  "\"x\":1}]}]}",
                  NULL,
                  "x.json: accounts[0].api_keys[0]: unknown key \"x\": "
                  "expected \"sid\" or \"secret\"\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"auth_token\":\"t\","
                  "\"api_keys\":[1]}]}",
                  NULL,
                  "x.json: accounts[0].api_keys[0]: expected an object, got "
                  "a number\n");
}

static void
test_account_with_api_key_only(void **state)
{
    struct loaded l;

    (void)state;
    load(&l,
         "{\"accounts\":[{\"sid\":\"" A1 "\",\"api_keys\":[{\"sid\":\"" K1
         "\",\"secret\":\"s1\"},{\"sid\":\"" K2 "\",\"secret\":\"s2\"}]}]}",
         NULL);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.n_creds, 2);
    assert_string_equal(l.fx.accts.creds[0].sid, K1);
    assert_string_equal(l.fx.accts.creds[1].sid, K2);
    unload(&l);
}

static void
test_env_problems(void **state)
{
    const struct fixtures_env bad_sid = {"ACxyz", "t", NULL, NULL};
    const struct fixtures_env no_secret = {A1, "t", K1, NULL};
    const struct fixtures_env empty_secret = {A1, "t", K1, ""};
    const struct fixtures_env bad_key = {A1, "t", "SKbad", "s"};
    const struct fixtures_env token_only = {NULL, "t", NULL, NULL};
    const struct fixtures_env key_only = {"", NULL, K1, "s"};
    const struct fixtures_env dup_key = {A1, NULL, K1, "s"};
    const struct fixtures_env sid_only = {A2, NULL, NULL, NULL};
    const struct fixtures_env empty = {"", "", "", ""};
    struct loaded l;

    (void)state;
    expect_errors("{}", &bad_sid,
                  "environment: TWILIO_ACCOUNT_SID: expected \"AC\" and 32 "
                  "hex digits, got \"ACxyz\"\n");
    expect_errors("{}", &no_secret,
                  "environment: TWILIO_API_SECRET: must be set when "
                  "TWILIO_API_KEY is\n");
    expect_errors("{}", &empty_secret,
                  "environment: TWILIO_API_SECRET: must be set when "
                  "TWILIO_API_KEY is\n");
    expect_errors("{}", &bad_key,
                  "environment: TWILIO_API_KEY: expected \"SK\" and 32 hex "
                  "digits, got \"SKbad\"\n");
    expect_errors("{}", &token_only,
                  "environment: TWILIO_ACCOUNT_SID: must be set when "
                  "TWILIO_AUTH_TOKEN or TWILIO_API_KEY is\n");
    expect_errors("{}", &key_only,
                  "environment: TWILIO_ACCOUNT_SID: must be set when "
                  "TWILIO_AUTH_TOKEN or TWILIO_API_KEY is\n");
    expect_errors("{\"accounts\":[{\"sid\":\"" A1 "\",\"api_keys\":[{\"sid\":"
                  "\"" K1 "\",\"secret\":\"s\"}]}]}",
                  &dup_key,
                  "environment: TWILIO_API_KEY: API key \"" K1 "\" is "
                  "already defined in a fixture\n");
    expect_errors("{}", &sid_only,
                  "environment: TWILIO_ACCOUNT_SID: account " A2 " has no "
                  "credentials: set TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and "
                  "TWILIO_API_SECRET)\n");
    /* Empty variables count as unset. */
    load(&l, "{" ACCOUNTS "}", &empty);
    expect_ok(&l);
    assert_int_equal(l.fx.accts.n_accounts, 1);
    assert_int_equal(l.fx.accts.n_creds, 1);
    unload(&l);
    /* An API key alone is credentials enough for the env account. */
    {
        const struct fixtures_env key = {A2, NULL, K2, "s"};
        load(&l, "{}", &key);
        expect_ok(&l);
        assert_int_equal(l.fx.accts.n_creds, 1);
        assert_string_equal(l.fx.accts.creds[0].sid, K2);
        unload(&l);
    }
}

static void
test_error_cap(void **state)
{
    struct buf b = BUF_INIT, want = BUF_INIT;
    struct loaded l;
    int i;

    (void)state;
    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    for (i = 0; i < 60; i++) {
        if (i)
            buf_addc(&b, ',');
        asst(&b, "id", "\"bad\"", NULL);
    }
    buf_adds(&b, "]}");
    for (i = 0; i < FIXTURES_MAX_ERRORS; i++)
        buf_addf(&want,
                 "x.json: assistants[%d].id: expected \"aia_asst_\" followed "
                 "by at least one character, got \"bad\"\n",
                 i);
    buf_adds(&want, "... and 10 more problems\n");
    load(&l, b.data, NULL);
    assert_int_equal(l.rc, -1);
    assert_int_equal(l.fx.n_errors, 60);
    assert_string_equal(errors_of(&l), want.data);
    unload(&l);
    /* Exactly the cap: no trailer. */
    buf_reset(&b);
    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    for (i = 0; i < FIXTURES_MAX_ERRORS; i++) {
        if (i)
            buf_addc(&b, ',');
        asst(&b, "id", "\"bad\"", NULL);
    }
    buf_adds(&b, "]}");
    load(&l, b.data, NULL);
    assert_int_equal(l.fx.n_errors, FIXTURES_MAX_ERRORS);
    assert_null(strstr(errors_of(&l), "more problems"));
    assert_int_equal(count_lines(errors_of(&l)), FIXTURES_MAX_ERRORS);
    unload(&l);
    buf_release(&b);
    buf_release(&want);
}

/* ---- fixtures_load: files and directories ---- */

static char tmpdir[64];

static void
write_file(const char *dir, const char *name, const char *data)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
    assert_int_equal(fclose(f), 0);
}

static void
remove_tree(const char *dir)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int
make_tmpdir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/am-unit-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int
drop_tmpdir(void **state)
{
    (void)state;
    remove_tree(tmpdir);
    return 0;
}

static int
load_paths(struct loaded *l, const char *const *paths, size_t n,
           const struct fixtures_env *env)
{
    struct loaded slow;

    fixtures_init(&l->fx);
    l->st = store_open();
    assert_non_null(l->st);
    fixtures_set_pipeline(1);
    l->rc = fixtures_load(&l->fx, l->st, paths, n, env ? env : &no_env);
    fixtures_set_pipeline(-1);
    fixtures_init(&slow.fx);
    slow.st = store_open();
    assert_non_null(slow.st);
    fixtures_set_fast_path(false);
    slow.rc = fixtures_load(&slow.fx, slow.st, paths, n, env ? env : &no_env);
    fixtures_set_fast_path(true);
    check_same(l, &slow);
    return l->rc;
}

static void
test_load_directory(void **state)
{
    struct buf a = BUF_INIT, b = BUF_INIT, want = BUF_INIT;
    char dir[128], dir_slash[160];
    const char *paths[1];
    struct loaded l;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/fx", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    buf_adds(&a, "{" ACCOUNTS ",\"assistants\":[");
    asst(&a, "id", "\"aia_asst_a0\"", NULL);
    buf_addc(&a, ',');
    asst(&a, "id", "\"aia_asst_dup\"", NULL);
    buf_adds(&a, "]}");
    buf_adds(&b, "{\"assistants\":[");
    asst(&b, "id", "\"aia_asst_dup\"", NULL);
    buf_adds(&b, "]}");
    /* Written in the other order: loading is in name order. */
    write_file(dir, "b.json", b.data);
    write_file(dir, "a.json", a.data);
    write_file(dir, "c.txt", "not json");
    write_file(dir, ".hidden.json", "not json");
    paths[0] = dir;
    load_paths(&l, paths, 1, NULL);
    buf_addf(&want,
             "%s/b.json: assistants[0].id: duplicate id \"aia_asst_dup\" "
             "(first in %s/a.json: assistants[1])\n",
             dir, dir);
    check_errors(&l, want.data);
    unload(&l);

    /* Fixed, with a trailing '/': the same files, all loaded. */
    write_file(dir, "b.json", "{\"assistants\":[]}");
    snprintf(dir_slash, sizeof(dir_slash), "%s/", dir);
    paths[0] = dir_slash;
    load_paths(&l, paths, 1, NULL);
    expect_ok(&l);
    assert_int_equal(l.fx.n_files, 2);
    assert_int_equal(l.fx.n_assistants, 2);
    unload(&l);

    buf_release(&a);
    buf_release(&b);
    buf_release(&want);
}

static void
test_load_files(void **state)
{
    char p1[128], p2[128], p3[128];
    const char *paths[2];
    struct buf want = BUF_INIT;
    struct loaded l;

    (void)state;
    snprintf(p1, sizeof(p1), "%s/one.json", tmpdir);
    snprintf(p2, sizeof(p2), "%s/two.json", tmpdir);
    snprintf(p3, sizeof(p3), "%s/empty.json", tmpdir);
    write_file(tmpdir, "one.json", "{" ACCOUNTS "}");
    write_file(tmpdir, "two.json",
               "{\"accounts\":[{\"sid\":\"" A2 "\",\"auth_token\":\"t\"}]}");
    write_file(tmpdir, "empty.json", "");
    paths[0] = p1;
    paths[1] = p2;
    load_paths(&l, paths, 2, NULL);
    expect_ok(&l);
    assert_int_equal(l.fx.n_files, 2);
    assert_int_equal(l.fx.accts.n_accounts, 2);
    unload(&l);
    /* An empty file, named by its path. */
    paths[0] = p3;
    load_paths(&l, paths, 1, NULL);
    buf_addf(&want, "%s: empty file: expected a JSON object\n", p3);
    check_errors(&l, want.data);
    unload(&l);
    buf_release(&want);
}

static void
test_load_bad_paths(void **state)
{
    struct buf want = BUF_INIT;
    char empty[128], loop[128], sub[128];
    const char *paths[2];
    struct loaded l;

    (void)state;
    paths[0] = "/nonexistent/am-unit/x.json";
    load_paths(&l, paths, 1, NULL);
    check_errors(&l, "/nonexistent/am-unit/x.json: cannot open fixtures: No "
                     "such file or directory\n");
    unload(&l);

    snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
    assert_int_equal(mkdir(empty, 0700), 0);
    paths[0] = empty;
    load_paths(&l, paths, 1, NULL);
    buf_addf(&want, "%s: no *.json files in fixtures directory\n", empty);
    check_errors(&l, want.data);
    unload(&l);

    snprintf(loop, sizeof(loop), "%s/loop", tmpdir);
    assert_int_equal(symlink(loop, loop), 0);
    paths[0] = loop;
    load_paths(&l, paths, 1, NULL);
    buf_reset(&want);
    buf_addf(&want, "%s: cannot open fixtures: %s\n", loop, strerror(ELOOP));
    check_errors(&l, want.data);
    unload(&l);

    /* A symlink loop named *.json inside a directory. */
    snprintf(sub, sizeof(sub), "%s/withloop", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(loop, sizeof(loop), "%s/withloop/l.json", tmpdir);
    assert_int_equal(symlink(loop, loop), 0);
    paths[0] = sub;
    load_paths(&l, paths, 1, NULL);
    buf_reset(&want);
    buf_addf(&want, "%s: cannot open fixtures file: %s\n", loop,
             strerror(ELOOP));
    check_errors(&l, want.data);
    unload(&l);

    /* Every bad path is reported, not only the first. */
    paths[0] = "/nonexistent/a";
    paths[1] = "/nonexistent/b";
    load_paths(&l, paths, 2, NULL);
    check_errors(&l, "/nonexistent/a: cannot open fixtures: No such file or "
                     "directory\n/nonexistent/b: cannot open fixtures: No such "
                     "file or directory\n");
    unload(&l);
    buf_release(&want);
}

static void
test_load_bundled(void **state)
{
    struct loaded l;

    (void)state;
    load_paths(&l, NULL, 0, NULL);
    expect_ok(&l);
    assert_true(l.fx.bundled);
    assert_int_equal(l.fx.accts.n_accounts, 2);
    assert_string_equal(l.fx.accts.accounts[0].sid,
                        "ACa11ce000000000000000000000000001");
    assert_int_equal(l.fx.accts.accounts[0].n_assistants, 130);
    assert_int_equal(l.fx.accts.accounts[1].n_assistants, 12);
    assert_int_equal(store_count(l.st, STORE_ASSISTANTS, 0), 130);
    unload(&l);
}

/* ---- store_list paging ---- */

static void
load_paging_doc(struct loaded *l)
{
    static const char *const created[] = {
        "2025-01-01T00:00:05Z", "2025-01-01T00:00:01Z", "2025-01-01T00:00:03Z",
        "2025-01-01T00:00:03Z", "2025-01-01T00:00:02Z", "2025-01-01T00:00:03Z",
        "2025-01-01T00:00:04Z", "2025-01-01T00:00:00Z",
    };
    struct buf b = BUF_INIT;
    char id[32], date[32];
    int i;

    buf_adds(&b, "{\"accounts\":[" ACCOUNT1 ",{\"sid\":\"" A2
                 "\",\"auth_token\":\"t\"}],\"assistants\":[");
    for (i = 0; i < 8; i++) {
        snprintf(id, sizeof(id), "\"aia_asst_%c\"", "hbdecfga"[i]);
        snprintf(date, sizeof(date), "\"%s\"", created[i]);
        asst(&b, "id", id, "date_created", date, NULL);
        buf_addc(&b, ',');
    }
    /* Interleaved rows of another account are never listed. */
    asst(&b, "id", "\"aia_asst_other\"", "account_sid", "\"" A2 "\"",
         "date_created", "\"2025-01-01T00:00:03Z\"", NULL);
    buf_adds(&b, "]}");
    load(l, b.data, NULL);
    expect_ok(l);
    buf_release(&b);
}

/* In (created, id) order: a b c d e f g h. */
static const char *const order[] = {
    "aia_asst_a", "aia_asst_b", "aia_asst_c", "aia_asst_d",
    "aia_asst_e", "aia_asst_f", "aia_asst_g", "aia_asst_h",
};

static void
test_store_list_paging(void **state)
{
    struct loaded l;
    struct rows *r = calloc(1, sizeof(*r));
    struct store_key k;
    static const char *const desc[] = {"aia_asst_e", "aia_asst_d",
                                       "aia_asst_c"};

    (void)state;
    load_paging_doc(&l);
    assert_int_equal(list(l.st, 0, STORE_AFTER, NULL, 100, r), 8);
    check_ids(r, order, 8);
    /* limit respected. */
    assert_int_equal(list(l.st, 0, STORE_AFTER, NULL, 3, r), 3);
    check_ids(r, order, 3);
    assert_int_equal(list(l.st, 0, STORE_AFTER, NULL, 1, r), 1);
    check_ids(r, order, 1);
    /* After a key: the keys strictly greater. */
    k.created = r->created[0];
    k.id = order[0];
    k.id_len = strlen(order[0]);
    assert_int_equal(list(l.st, 0, STORE_AFTER, &k, 3, r), 3);
    check_ids(r, order + 1, 3);
    k.created = r->created[2]; /* aia_asst_d, at :03 */
    k.id = order[3];
    k.id_len = strlen(order[3]);
    assert_int_equal(list(l.st, 0, STORE_AFTER, &k, 100, r), 4);
    check_ids(r, order + 4, 4);
    /* A key that is not stored (between d and e). */
    k.id = "aia_asst_d0";
    k.id_len = strlen(k.id);
    assert_int_equal(list(l.st, 0, STORE_AFTER, &k, 2, r), 2);
    check_ids(r, order + 4, 2);
    /* Before a key: descending. */
    k.created = 1735689603;
    k.id = "aia_asst_f";
    k.id_len = strlen(k.id);
    assert_int_equal(list(l.st, 0, STORE_BEFORE, &k, 3, r), 3);
    check_ids(r, desc, 3);
    assert_true(r->created[0] == 1735689603);
    assert_int_equal(list(l.st, 0, STORE_BEFORE, &k, 100, r), 5);
    assert_string_equal(r->id[4], "aia_asst_a");
    /* Nothing before the first or after the last. */
    k.created = 1735689600;
    k.id = "aia_asst_a";
    k.id_len = strlen(k.id);
    assert_int_equal(list(l.st, 0, STORE_BEFORE, &k, 10, r), 0);
    k.created = 1735689605;
    k.id = "aia_asst_h";
    k.id_len = strlen(k.id);
    assert_int_equal(list(l.st, 0, STORE_AFTER, &k, 10, r), 0);
    assert_int_equal(list(l.st, 0, STORE_BEFORE, &k, 1, r), 1);
    assert_string_equal(r->id[0], "aia_asst_g");
    /* Another account. */
    assert_int_equal(list(l.st, 1, STORE_AFTER, NULL, 100, r), 1);
    assert_string_equal(r->id[0], "aia_asst_other");
    /* The callback stops the walk. */
    r->stop_after = 2;
    assert_int_equal(list(l.st, 0, STORE_AFTER, NULL, 100, r), 2);
    r->stop_after = 0;
    rows_release(r);
    free(r);
    unload(&l);
}

struct reader {
    struct store *st;
    int failures;
};

static int
count_row(void *ctx, const struct store_row *row)
{
    int *n = ctx;

    (*n)++;
    return row->pre == NULL;
}

static void *
read_many(void *arg)
{
    struct reader *rd = arg;
    struct store_key k = {1735689603, "aia_asst_d", 10};
    int i;

    for (i = 0; i < 300; i++) {
        int n = 0;
        if (store_list(rd->st, STORE_ASSISTANTS, 0, STORE_AFTER, NULL, 100,
                       count_row, &n) != 8 ||
            n != 8)
            rd->failures++;
        n = 0;
        if (store_list(rd->st, STORE_ASSISTANTS, 0, STORE_BEFORE, &k, 100,
                       count_row, &n) != 3)
            rd->failures++;
    }
    return NULL;
}

/* Readers on several threads at once, each with its own connection. */
static void
test_store_threads(void **state)
{
    enum { N = 4 };
    struct reader rd[N];
    pthread_t t[N];
    struct loaded l;
    int i;

    (void)state;
    load_paging_doc(&l);
    for (i = 0; i < N; i++) {
        rd[i].st = l.st;
        rd[i].failures = 0;
        assert_int_equal(pthread_create(&t[i], NULL, read_many, &rd[i]), 0);
    }
    for (i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(rd[i].failures, 0);
    }
    unload(&l);
}

static void
test_store_direct(void **state)
{
    struct store *st = store_open();
    struct rows *r = calloc(1, sizeof(*r));
    int df = -7, di = -7;

    (void)state;
    assert_non_null(st);
    /* Readable before the load: empty. */
    assert_int_equal(
        store_list(st, STORE_ASSISTANTS, 0, STORE_AFTER, NULL, 10, collect, r),
        0);
    assert_int_equal(r->n, 0);
    assert_int_equal(store_count(st, STORE_ASSISTANTS, 0), 0);
    assert_int_equal(store_load_begin(st), 0);
    assert_int_equal(store_insert(st, 0, 5, "aia_asst_x", 10, "{pre", 4,
                                  "post}", 5, 0, 0, &df, &di),
                     0);
    assert_int_equal(store_insert(st, 0, 4, "aia_asst_y", 10, "{fixed}", 7,
                                  NULL, 0, 2, 9, &df, &di),
                     0);
    assert_int_equal(store_insert(st, 1, 1, "aia_asst_y", 10, "{z}", 3, NULL, 0,
                                  3, 1, &df, &di),
                     1);
    assert_int_equal(df, 2);
    assert_int_equal(di, 9);
    assert_int_equal(store_load_end(st), 0);
    assert_int_equal(store_count(st, STORE_ASSISTANTS, 0), 2);
    assert_int_equal(store_count(st, STORE_ASSISTANTS, 1), 0);
    assert_int_equal(
        store_list(st, STORE_ASSISTANTS, 0, STORE_AFTER, NULL, 10, collect, r),
        2);
    assert_string_equal(r->id[0], "aia_asst_y");
    assert_false(r->has_post[0]);
    assert_string_equal(r->pre[0].data, "{fixed}");
    assert_string_equal(r->id[1], "aia_asst_x");
    assert_true(r->has_post[1]);
    assert_string_equal(r->pre[1].data, "{pre");
    assert_string_equal(r->post[1].data, "post}");
    rows_release(r);
    free(r);
    store_close(st);
    store_close(NULL);
    fixtures_release(NULL);
}

/*
 * More rows than the insert thread's ring holds, with duplicate ids
 * throughout (against earlier rows, some still in flight), records the
 * fast path leaves to the general one, and problems after them: the same
 * messages, in the same order, as a load without the fast path (load_n
 * compares).
 */
static void
test_many_rows_in_order(void **state)
{
    struct buf b = BUF_INIT, want = BUF_INIT;
    struct loaded l;
    char id[64], date[64];
    int i;

    (void)state;
    buf_adds(&b, "{" ACCOUNTS ",\"assistants\":[");
    for (i = 0; i < 3000; i++) {
        snprintf(id, sizeof(id), "\"aia_asst_%d\"",
                 i % 997 == 996 ? i - 700 : i % 1301 == 1300 ? i - 1 : i);
        snprintf(date, sizeof(date), "\"2025-01-%02dT03:04:05Z\"",
                 1 + i % 28);
        if (i)
            buf_addc(&b, ',');
        if (i % 611 == 610)
            asst(&b, "id", id, "date_created", date, "name", "7", NULL);
        else if (i % 503 == 502)
            asst(&b, "id", id, "date_created", date, "name", "\"a\\nb\"",
                 NULL);
        else
            asst(&b, "id", id, "date_created", date, NULL);
    }
    buf_adds(&b, " 5]}");
    load(&l, b.data, NULL);
    assert_int_equal(l.rc, -1);
    /* Spot checks; load_n compared everything with the general path. */
    assert_non_null(strstr(errors_of(&l),
                           "x.json: assistants[996].id: duplicate id "
                           "\"aia_asst_296\" (first in x.json: "
                           "assistants[296])\n"));
    assert_non_null(strstr(errors_of(&l), "x.json: assistants[610].name: "
                                          "expected a string, got a "
                                          "number\n"));
    assert_true(strstr(errors_of(&l), "assistants[996].id") <
                strstr(errors_of(&l), "assistants[1221].name"));
    unload(&l);
    buf_release(&b);
    buf_release(&want);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_happy_path),
    cmocka_unit_test(test_every_prefix),
    cmocka_unit_test(test_recorded_twilio_response),
    cmocka_unit_test(test_default_account_from_env),
    cmocka_unit_test(test_byte_faithful_strings),
    cmocka_unit_test(test_invalid_json_lines),
    cmocka_unit_test(test_empty_and_array),
    cmocka_unit_test(test_top_level_keys),
    cmocka_unit_test(test_duplicate_meta),
    cmocka_unit_test(test_null_values),
    cmocka_unit_test(test_assistant_missing_fields),
    cmocka_unit_test(test_assistant_wrong_types),
    cmocka_unit_test(test_assistant_long_string),
    cmocka_unit_test(test_assistant_account_sid),
    cmocka_unit_test(test_assistant_no_default_account),
    cmocka_unit_test(test_assistant_bad_id),
    cmocka_unit_test(test_assistant_bad_dates),
    cmocka_unit_test(test_assistant_nul_keys),
    cmocka_unit_test(test_assistant_unknown_key),
    cmocka_unit_test(test_assistant_duplicate_ids),
    cmocka_unit_test(test_assistant_several_problems),
    cmocka_unit_test(test_invalid_utf8_rejected),
    cmocka_unit_test(test_account_problems),
    cmocka_unit_test(test_account_with_api_key_only),
    cmocka_unit_test(test_env_problems),
    cmocka_unit_test(test_error_cap),
    cmocka_unit_test_setup_teardown(test_load_directory, make_tmpdir,
                                    drop_tmpdir),
    cmocka_unit_test_setup_teardown(test_load_files, make_tmpdir, drop_tmpdir),
    cmocka_unit_test_setup_teardown(test_load_bad_paths, make_tmpdir,
                                    drop_tmpdir),
    cmocka_unit_test(test_load_bundled),
    cmocka_unit_test(test_store_list_paging),
    cmocka_unit_test(test_store_threads),
    cmocka_unit_test(test_store_direct),
    cmocka_unit_test(test_many_rows_in_order),
};

UNIT_MAIN(tests)
