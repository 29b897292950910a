/*
 * test_faults.c - unit tests of faults.c: what faults_add accepts and
 * refuses (each member, the defaults, -1 / -3 and the member named, the
 * rule limit), the rendered rules byte for byte, the matching order
 * (skip counts and passes on, the first rule with hits left takes the
 * request, later rules do not count it), times, scope, method and path
 * glob, the shorthands (every nth, per second), delete and clear, and
 * threads matching at once.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "body.h"
#include "buf.h"
#include "faults.h"
#include "unit.h"

#define SID_A "ACa11ce000000000000000000000000001"
#define SID_B "ACb0b00000000000000000000000000002"

#define LIST "/v1/Assistants"
#define ITEM "/v1/Assistants/aia_asst_1"

/* Two accounts (A: index 0, B: index 1) and their rules. */
struct world {
    struct accounts accts;
    struct faults *f;
};

static int
world_up(void **state)
{
    struct world *w = calloc(1, sizeof(*w));

    if (w == NULL)
        return -1;
    accounts_init(&w->accts);
    if (accounts_add(&w->accts, SID_A, false) != 0 ||
        accounts_add(&w->accts, SID_B, false) != 1)
        return -1;
    w->f = faults_new(&w->accts);
    if (w->f == NULL)
        return -1;
    *state = w;
    return 0;
}

static int
world_down(void **state)
{
    struct world *w = *state;

    faults_free(w->f);
    accounts_release(&w->accts);
    free(w);
    return 0;
}

/* ---- helpers ---- */

/*
 * faults_add of the JSON text rule (parsed as a request body is) for
 * scope; the rendered rule goes to out (may be NULL), the field to field
 * (64 bytes, may be NULL).
 */
static int
add_rule(struct faults *f, int scope, const char *rule, struct buf *out,
         char *field)
{
    struct buf tmp = BUF_INIT;
    char fbuf[64];
    json_object *o = NULL;
    int rc;

    if (body_parse(rule, strlen(rule), &o) < 0 || o == NULL) {
        print_error("not a JSON object: %s\n", rule);
        fail();
    }
    strcpy(fbuf, "(unset)");
    rc = faults_add(f, scope, o, out ? out : &tmp, fbuf, sizeof(fbuf));
    json_object_put(o);
    buf_release(&tmp);
    if (field)
        strcpy(field, fbuf);
    return rc;
}

/* Adds a rule that must be accepted; its id into id (35 bytes) if id. */
static void
add_ok(struct faults *f, int scope, const char *rule, char *id)
{
    struct buf out = BUF_INIT;
    char field[64];
    int rc = add_rule(f, scope, rule, &out, field);

    if (rc != 0) {
        print_error("refused (%d, field %s): %s\n", rc, field, rule);
        fail();
    }
    if (id) {
        assert_true(out.len > 41);
        assert_memory_equal(out.data, "{\"id\":\"FR", 9);
        memcpy(id, out.data + 7, 34);
        id[34] = '\0';
    }
    buf_release(&out);
}

static bool
is_rule_id(const char *s)
{
    size_t i;

    if (strncmp(s, "FR", 2) != 0)
        return false;
    for (i = 2; i < 34; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/*
 * A copy of s with each rule id, checked to be "FR" + 32 lowercase hex,
 * replaced by "FR*".
 */
static char *
strip_ids(const char *s)
{
    struct buf b = BUF_INIT;
    const char *p;

    buf_adds(&b, "");
    while ((p = strstr(s, "\"id\":\"")) != NULL) {
        p += 6;
        buf_add(&b, s, (size_t)(p - s));
        assert_true(is_rule_id(p));
        assert_int_equal(p[34], '"');
        buf_adds(&b, "FR*");
        s = p + 34;
    }
    buf_adds(&b, s);
    return buf_detach(&b, NULL);
}

/* Checks faults_render(scope), ids stripped. */
static void
check_render(struct faults *f, int scope, const char *want)
{
    struct buf b = BUF_INIT;
    char *got;

    faults_render(f, scope, &b);
    got = strip_ids(b.data);
    assert_string_equal(got, want);
    free(got);
    buf_release(&b);
}

/* The rendered rule of rule (scope -1), ids stripped, checked. */
static void
check_added(int scope, const char *rule, const char *want)
{
    struct accounts a;
    struct faults *f;
    struct buf b = BUF_INIT;
    char *got, field[64];

    accounts_init(&a);
    assert_int_equal(accounts_add(&a, SID_A, false), 0);
    f = faults_new(&a);
    assert_non_null(f);
    buf_adds(&b, "x");
    if (add_rule(f, scope, rule, &b, field) != 0) {
        print_error("refused (field %s): %s\n", field, rule);
        fail();
    }
    /* Appended after what the buffer held. */
    got = strip_ids(b.data);
    assert_int_equal(got[0], 'x');
    assert_string_equal(got + 1, want);
    free(got);
    buf_release(&b);
    /* And faults_render shows the same. */
    b = (struct buf)BUF_INIT;
    faults_render(f, -1, &b);
    got = strip_ids(b.data);
    assert_true(strncmp(got, "{\"faults\":[", 11) == 0);
    assert_memory_equal(got + 11, want, strlen(want));
    assert_string_equal(got + 11 + strlen(want), "]}");
    free(got);
    buf_release(&b);
    faults_free(f);
    accounts_release(&a);
}

/* One request's outcome as text: "-", the error status, "delay", "drop". */
static void
outcome(struct buf *b, const struct fault_hit *h)
{
    switch (h->action) {
    case FAULT_NONE:
        buf_adds(b, "-");
        break;
    case FAULT_ERROR:
        buf_addf(b, "%u", h->status);
        break;
    case FAULT_DELAY:
        buf_addf(b, "delay%u", h->delay_ms);
        break;
    case FAULT_DROP:
        buf_adds(b, "drop");
        break;
    }
}

/* The outcomes of n requests method path of acct, space-separated. */
static char *
run(struct faults *f, int acct, const char *method, const char *path, int n)
{
    struct buf b = BUF_INIT;
    struct fault_hit h;
    int i;

    buf_adds(&b, "");
    for (i = 0; i < n; i++) {
        memset(&h, 0x5a, sizeof(h));
        faults_match(f, acct, method, path, strlen(path), &h);
        if (i)
            buf_addc(&b, ' ');
        outcome(&b, &h);
    }
    return buf_detach(&b, NULL);
}

#define CHECK_RUN(f, acct, method, path, n, want)                              \
    do {                                                                       \
        char *got_ = run((f), (acct), (method), (path), (n));                  \
        assert_string_equal(got_, (want));                                     \
        free(got_);                                                            \
    } while (0)

/* The "hits" of rule id in faults_render(-1). */
static long long
hits_of(struct faults *f, const char *id)
{
    struct buf b = BUF_INIT;
    json_object *o, *v;
    long long hits = -1;
    size_t i;

    faults_render(f, -1, &b);
    o = json_tokener_parse(b.data);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "faults", &v));
    for (i = 0; i < json_object_array_length(v); i++) {
        json_object *r = json_object_array_get_idx(v, i), *x;
        assert_true(json_object_object_get_ex(r, "id", &x));
        if (strcmp(json_object_get_string(x), id) != 0)
            continue;
        assert_true(json_object_object_get_ex(r, "hits", &x));
        hits = json_object_get_int64(x);
    }
    json_object_put(o);
    buf_release(&b);
    return hits;
}

/* ---- faults_add: accepted ---- */

#define NULLS "\"account_sid\":null,\"method\":null"

static void
test_add_defaults(void **state)
{
    (void)state;
    check_added(-1, "{\"error\":{\"status\":429}}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                "\"times\":1,\"hits\":0,\"error\":{\"status\":429,"
                "\"code\":20429,\"message\":\"Too Many Requests\"}}");
    check_added(-1, "{\"delay_ms\":0}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                "\"times\":1,\"hits\":0,\"delay_ms\":0}");
    check_added(-1, "{\"drop\":true}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                "\"times\":1,\"hits\":0,\"drop\":true}");
    /* null method and null error are absent. */
    check_added(-1, "{\"method\":null,\"error\":null,\"drop\":true}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                "\"times\":1,\"hits\":0,\"drop\":true}");
}

static void
test_add_every_member(void **state)
{
    (void)state;
    /* Every member, in an order unlike the rendering's; scope: account A. */
    check_added(
        0,
        "{\"error\":{\"retry_after\":7,\"message\":\"down \\\"now\\\"\","
        "\"code\":12345,\"status\":503},\"times\":3,\"skip\":2,"
        "\"path\":\"/v1/Assistants/*\",\"method\":\"get\"}",
        "{\"id\":\"FR*\",\"account_sid\":\"" SID_A "\","
        "\"method\":\"GET\",\"path\":\"/v1/Assistants/*\","
        "\"skip\":2,\"times\":3,\"hits\":0,\"error\":{\"status\":503,"
        "\"code\":12345,\"message\":\"down \\\"now\\\"\","
        "\"retry_after\":7}}");
    check_added(-1,
                "{\"method\":\"Delete\",\"times\":0,\"delay_ms\":60000,"
                "\"path\":\"/v1/Assistants/\xc3\xa9*\"}",
                "{\"id\":\"FR*\",\"account_sid\":null,\"method\":\"DELETE\","
                "\"path\":\"/v1/Assistants/\xc3\xa9*\",\"skip\":0,"
                "\"times\":0,\"hits\":0,\"delay_ms\":60000}");
    check_added(-1,
                "{\"skip\":9223372036854775807,\"times\":9223372036854775807,"
                "\"error\":{\"status\":500,\"code\":0,\"message\":\"\","
                "\"retry_after\":0}}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\","
                "\"skip\":9223372036854775807,\"times\":9223372036854775807,"
                "\"hits\":0,\"error\":{\"status\":500,\"code\":0,"
                "\"message\":\"\",\"retry_after\":0}}");
    check_added(-1,
                "{\"error\":{\"status\":599,\"code\":99999999,"
                "\"retry_after\":86400}}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                "\"times\":1,\"hits\":0,\"error\":{\"status\":599,"
                "\"code\":99999999,\"message\":\"Internal Server Error\","
                "\"retry_after\":86400}}");
    /* A code without a message keeps the standard message, and back. */
    check_added(-1, "{\"error\":{\"status\":404,\"code\":1}}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                "\"times\":1,\"hits\":0,\"error\":{\"status\":404,\"code\":1,"
                "\"message\":\"The requested resource was not found\"}}");
    check_added(-1, "{\"error\":{\"status\":404,\"message\":\"gone\"}}",
                "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                "\"times\":1,\"hits\":0,\"error\":{\"status\":404,"
                "\"code\":20404,\"message\":\"gone\"}}");
}

static void
test_add_methods(void **state)
{
    static const char *const names[][2] = {
        {"GET", "GET"},         {"HEAD", "HEAD"},     {"POST", "POST"},
        {"PUT", "PUT"},         {"DELETE", "DELETE"}, {"OPTIONS", "OPTIONS"},
        {"PATCH", "PATCH"},     {"get", "GET"},       {"pAtCh", "PATCH"},
        {"options", "OPTIONS"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char rule[128], want[256];
        snprintf(rule, sizeof(rule), "{\"method\":\"%s\",\"drop\":true}",
                 names[i][0]);
        snprintf(want, sizeof(want),
                 "{\"id\":\"FR*\",\"account_sid\":null,\"method\":\"%s\","
                 "\"path\":\"*\",\"skip\":0,\"times\":1,\"hits\":0,"
                 "\"drop\":true}",
                 names[i][1]);
        check_added(-1, rule, want);
    }
}

/* The code and message a status gets by default. */
static void
test_add_default_errors(void **state)
{
    static const struct {
        unsigned status;
        int code;
        const char *message;
    } cases[] = {
        {100, 20001, "Bad Request"},
        {200, 20001, "Bad Request"},
        {400, 20001, "Bad Request"},
        {401, 20003, "Authenticate"},
        {403, 20001, "Forbidden"},
        {404, 20404, "The requested resource was not found"},
        {405, 20001, "Method Not Allowed"},
        {408, 20001, "Request Timeout"},
        {409, 20001, "Conflict"},
        {413, 20001, "Request Entity Too Large"},
        {418, 20001, "Bad Request"},
        {429, 20429, "Too Many Requests"},
        {499, 20001, "Bad Request"},
        {500, 20500, "Internal Server Error"},
        {501, 20500, "Internal Server Error"},
        {502, 20500, "Bad Gateway"},
        {503, 20503, "Service Unavailable"},
        {504, 20500, "Gateway Timeout"},
        {599, 20500, "Internal Server Error"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char rule[64], want[256];
        snprintf(rule, sizeof(rule), "{\"error\":{\"status\":%u}}",
                 cases[i].status);
        snprintf(want, sizeof(want),
                 "{\"id\":\"FR*\"," NULLS ",\"path\":\"*\",\"skip\":0,"
                 "\"times\":1,\"hits\":0,\"error\":{\"status\":%u,"
                 "\"code\":%d,\"message\":\"%s\"}}",
                 cases[i].status, cases[i].code, cases[i].message);
        check_added(-1, rule, want);
    }
}

static void
test_add_limits_accepted(void **state)
{
    struct world *w = *state;
    struct buf rule = BUF_INIT;
    int i;

    /* A path of 1024 bytes, a message of 512. */
    buf_adds(&rule, "{\"drop\":true,\"path\":\"");
    for (i = 0; i < 1024; i++)
        buf_addc(&rule, 'p');
    buf_adds(&rule, "\"}");
    add_ok(w->f, -1, rule.data, NULL);
    buf_reset(&rule);
    buf_adds(&rule, "{\"error\":{\"status\":500,\"message\":\"");
    for (i = 0; i < 512; i++)
        buf_addc(&rule, 'm');
    buf_adds(&rule, "\"}}");
    add_ok(w->f, -1, rule.data, NULL);
    /* 512 bytes of message in 256 two-byte characters. */
    buf_reset(&rule);
    buf_adds(&rule, "{\"error\":{\"status\":500,\"message\":\"");
    for (i = 0; i < 256; i++)
        buf_adds(&rule, "\xc3\xa9");
    buf_adds(&rule, "\"}}");
    add_ok(w->f, -1, rule.data, NULL);
    buf_release(&rule);
}

/* ---- faults_add: refused ---- */

static const struct {
    const char *rule;
    int rc;
    const char *field;
} refused[] = {
    /* No action at all. */
    {"{}", -3, "error"},
    {"{\"method\":\"GET\",\"path\":\"*\",\"skip\":1,\"times\":2}", -3, "error"},
    {"{\"error\":null}", -3, "error"},
    /* Two actions: "drop" is named. */
    {"{\"drop\":true,\"delay_ms\":5}", -1, "drop"},
    {"{\"delay_ms\":5,\"error\":{\"status\":500}}", -1, "drop"},
    {"{\"error\":{\"status\":500},\"drop\":true}", -1, "drop"},
    {"{\"error\":{\"status\":500},\"delay_ms\":1,\"drop\":true}", -1, "drop"},
    /* Unknown members (names are case-sensitive). */
    {"{\"foo\":1,\"drop\":true}", -1, "foo"},
    {"{\"drop\":true,\"Method\":\"GET\"}", -1, "Method"},
    {"{\"drop\":true,\"every\":2}", -1, "every"},
    {"{\"drop\":true,\"per_second\":2}", -1, "per_second"},
    {"{\"drop\":true,\"hits\":0}", -1, "hits"},
    {"{\"drop\":true,\"id\":\"FR1\"}", -1, "id"},
    {"{\"drop\":true,\"account_sid\":null}", -1, "account_sid"},
    {"{\"drop\":true,\"\":1}", -1, ""},
    /* method */
    {"{\"method\":5,\"drop\":true}", -1, "method"},
    {"{\"method\":true,\"drop\":true}", -1, "method"},
    {"{\"method\":[\"GET\"],\"drop\":true}", -1, "method"},
    {"{\"method\":\"FETCH\",\"drop\":true}", -1, "method"},
    {"{\"method\":\"TRACE\",\"drop\":true}", -1, "method"},
    {"{\"method\":\"\",\"drop\":true}", -1, "method"},
    {"{\"method\":\" GET\",\"drop\":true}", -1, "method"},
    {"{\"method\":\"GETS\",\"drop\":true}", -1, "method"},
    {"{\"method\":\"GETGETGETGETGETG\",\"drop\":true}", -1, "method"},
    {"{\"method\":\"*\",\"drop\":true}", -1, "method"},
    /* path */
    {"{\"path\":\"\",\"drop\":true}", -1, "path"},
    {"{\"path\":null,\"drop\":true}", -1, "path"},
    {"{\"path\":5,\"drop\":true}", -1, "path"},
    {"{\"path\":[],\"drop\":true}", -1, "path"},
    {"{\"path\":\"/v1\\u0000\",\"drop\":true}", -1, "path"},
    /* skip and times */
    {"{\"skip\":-1,\"drop\":true}", -1, "skip"},
    {"{\"skip\":\"1\",\"drop\":true}", -1, "skip"},
    {"{\"skip\":1.0,\"drop\":true}", -1, "skip"},
    {"{\"skip\":1e2,\"drop\":true}", -1, "skip"},
    {"{\"skip\":-0,\"drop\":true}", -1, "skip"},
    {"{\"skip\":null,\"drop\":true}", -1, "skip"},
    {"{\"skip\":true,\"drop\":true}", -1, "skip"},
    {"{\"skip\":9223372036854775808,\"drop\":true}", -1, "skip"},
    {"{\"times\":-1,\"drop\":true}", -1, "times"},
    {"{\"times\":\"0\",\"drop\":true}", -1, "times"},
    {"{\"times\":2.5,\"drop\":true}", -1, "times"},
    {"{\"times\":18446744073709551615,\"drop\":true}", -1, "times"},
    {"{\"times\":null,\"drop\":true}", -1, "times"},
    /* error */
    {"{\"error\":\"500\"}", -1, "error"},
    {"{\"error\":500}", -1, "error"},
    {"{\"error\":[]}", -1, "error"},
    {"{\"error\":true}", -1, "error"},
    {"{\"error\":{}}", -3, "error.status"},
    {"{\"error\":{\"code\":20001}}", -3, "error.status"},
    {"{\"error\":{\"status\":null}}", -3, "error.status"},
    {"{\"error\":{\"status\":99}}", -1, "error.status"},
    {"{\"error\":{\"status\":600}}", -1, "error.status"},
    {"{\"error\":{\"status\":0}}", -1, "error.status"},
    {"{\"error\":{\"status\":-500}}", -1, "error.status"},
    {"{\"error\":{\"status\":\"500\"}}", -1, "error.status"},
    {"{\"error\":{\"status\":500.0}}", -1, "error.status"},
    {"{\"error\":{\"status\":true}}", -1, "error.status"},
    {"{\"error\":{\"status\":500,\"code\":-1}}", -1, "error.code"},
    {"{\"error\":{\"status\":500,\"code\":100000000}}", -1, "error.code"},
    {"{\"error\":{\"status\":500,\"code\":\"20500\"}}", -1, "error.code"},
    {"{\"error\":{\"status\":500,\"code\":null}}", -1, "error.code"},
    {"{\"error\":{\"status\":500,\"message\":5}}", -1, "error.message"},
    {"{\"error\":{\"status\":500,\"message\":null}}", -1, "error.message"},
    {"{\"error\":{\"status\":500,\"message\":[\"x\"]}}", -1, "error.message"},
    {"{\"error\":{\"status\":500,\"retry_after\":-1}}", -1,
     "error.retry_after"},
    {"{\"error\":{\"status\":500,\"retry_after\":86401}}", -1,
     "error.retry_after"},
    {"{\"error\":{\"status\":500,\"retry_after\":\"1\"}}", -1,
     "error.retry_after"},
    {"{\"error\":{\"status\":500,\"retry_after\":1.5}}", -1,
     "error.retry_after"},
    {"{\"error\":{\"status\":500,\"foo\":1}}", -1, "error.foo"},
    {"{\"error\":{\"status\":500,\"Status\":500}}", -1, "error.Status"},
    /* The status is checked first, wherever it is. */
    {"{\"error\":{\"foo\":1,\"status\":7}}", -1, "error.status"},
    /* delay_ms */
    {"{\"delay_ms\":-1}", -1, "delay_ms"},
    {"{\"delay_ms\":60001}", -1, "delay_ms"},
    {"{\"delay_ms\":\"5\"}", -1, "delay_ms"},
    {"{\"delay_ms\":5.0}", -1, "delay_ms"},
    {"{\"delay_ms\":true}", -1, "delay_ms"},
    {"{\"delay_ms\":null}", -1, "delay_ms"},
    /* drop */
    {"{\"drop\":false}", -1, "drop"},
    {"{\"drop\":\"true\"}", -1, "drop"},
    {"{\"drop\":1}", -1, "drop"},
    {"{\"drop\":null}", -1, "drop"},
    /* The first bad member is named. */
    {"{\"foo\":1,\"drop\":false}", -1, "foo"},
    {"{\"drop\":false,\"foo\":1}", -1, "drop"},
    {"{\"skip\":-1,\"times\":-1,\"drop\":true}", -1, "skip"},
    {"{\"times\":-1,\"skip\":-1,\"drop\":true}", -1, "times"},
};

static void
test_add_refused(void **state)
{
    struct world *w = *state;
    size_t i;

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct buf out = BUF_INIT;
        char field[64];
        int rc;

        buf_adds(&out, "kept");
        rc = add_rule(w->f, -1, refused[i].rule, &out, field);
        if (rc != refused[i].rc || strcmp(field, refused[i].field) != 0) {
            print_error("%s: got %d '%s', want %d '%s'\n", refused[i].rule, rc,
                        field, refused[i].rc, refused[i].field);
            fail();
        }
        /* Nothing appended. */
        assert_string_equal(out.data, "kept");
        buf_release(&out);
    }
    /* And no rule made. */
    check_render(w->f, -1, "{\"faults\":[]}");
}

static void
test_add_limits_refused(void **state)
{
    struct world *w = *state;
    struct buf rule = BUF_INIT;
    char field[64];
    int i;

    buf_adds(&rule, "{\"drop\":true,\"path\":\"");
    for (i = 0; i < 1025; i++)
        buf_addc(&rule, 'p');
    buf_adds(&rule, "\"}");
    assert_int_equal(add_rule(w->f, -1, rule.data, NULL, field), -1);
    assert_string_equal(field, "path");
    buf_reset(&rule);
    buf_adds(&rule, "{\"error\":{\"status\":500,\"message\":\"");
    for (i = 0; i < 513; i++)
        buf_addc(&rule, 'm');
    buf_adds(&rule, "\"}}");
    assert_int_equal(add_rule(w->f, -1, rule.data, NULL, field), -1);
    assert_string_equal(field, "error.message");
    /* 257 two-byte characters: 514 bytes. */
    buf_reset(&rule);
    buf_adds(&rule, "{\"error\":{\"status\":500,\"message\":\"");
    for (i = 0; i < 257; i++)
        buf_adds(&rule, "\xc3\xa9");
    buf_adds(&rule, "\"}}");
    assert_int_equal(add_rule(w->f, -1, rule.data, NULL, field), -1);
    assert_string_equal(field, "error.message");
    buf_release(&rule);
    check_render(w->f, -1, "{\"faults\":[]}");
}

/* A string literal and its length, for body_parse. */
#define JSON_TEXT(lit) (lit), sizeof(lit) - 1

/* The field name is cut to the room given. */
static void
test_add_field_cap(void **state)
{
    struct world *w = *state;
    struct buf out = BUF_INIT;
    json_object *o = NULL;
    char field[8];

    assert_int_equal(body_parse(JSON_TEXT("{\"abcdefghij\":1}"), &o), 0);
    memset(field, 'x', sizeof(field));
    assert_int_equal(faults_add(w->f, -1, o, &out, field, 4), -1);
    assert_string_equal(field, "abc");
    json_object_put(o);
    assert_int_equal(
        body_parse(JSON_TEXT("{\"error\":{\"retry_after\":1,"
                             "\"status\":500,\"unknownmember\":1}}"),
                   &o),
        0);
    assert_int_equal(faults_add(w->f, -1, o, &out, field, sizeof(field)), -1);
    assert_string_equal(field, "error.u");
    json_object_put(o);
    assert_int_equal(out.len, 0);
    buf_release(&out);
}

static void
test_add_rule_limit(void **state)
{
    struct world *w = *state;
    struct buf out = BUF_INIT;
    char field[64];
    int i;

    for (i = 0; i < FAULTS_MAX_RULES; i++)
        add_ok(w->f, i % 3 - 1, "{\"drop\":true,\"path\":\"/nowhere\"}", NULL);
    assert_int_equal(add_rule(w->f, -1, "{\"drop\":true}", &out, field), -2);
    assert_int_equal(add_rule(w->f, 0, "{\"drop\":true}", &out, field), -2);
    assert_int_equal(out.len, 0);
    /* The shorthands count too. */
    assert_int_equal(faults_add_every(w->f, 2), -1);
    assert_int_equal(faults_add_rate(w->f, 2), -1);
    /* A refused rule is still refused for what it is. */
    assert_int_equal(add_rule(w->f, -1, "{\"drop\":false}", &out, field), -1);
    /* Room again after a clear. */
    faults_clear(w->f, 0);
    add_ok(w->f, -1, "{\"drop\":true}", NULL);
    buf_release(&out);
}

/* ---- matching ---- */

static void
test_match_skip_times(void **state)
{
    struct world *w = *state;

    add_ok(w->f, -1, "{\"skip\":2,\"error\":{\"status\":500}}", NULL);
    CHECK_RUN(w->f, 0, "GET", LIST, 5, "- - 500 - -");
    faults_clear(w->f, -1);
    add_ok(w->f, -1, "{\"times\":3,\"error\":{\"status\":503}}", NULL);
    CHECK_RUN(w->f, 0, "GET", LIST, 5, "503 503 503 - -");
    faults_clear(w->f, -1);
    add_ok(w->f, -1, "{\"skip\":1,\"times\":2,\"delay_ms\":10}", NULL);
    CHECK_RUN(w->f, 1, "POST", LIST, 5, "- delay10 delay10 - -");
    faults_clear(w->f, -1);
    /* times 0: forever. */
    add_ok(w->f, -1, "{\"times\":0,\"skip\":1,\"drop\":true}", NULL);
    CHECK_RUN(w->f, 0, "GET", LIST, 6, "- drop drop drop drop drop");
    faults_clear(w->f, -1);
    /* times 0 would hit forever; skip larger than the run, never. */
    add_ok(w->f, -1, "{\"times\":0,\"skip\":100,\"drop\":true}", NULL);
    CHECK_RUN(w->f, 0, "GET", LIST, 6, "- - - - - -");
}

/* What a hit carries. */
static void
test_match_hit(void **state)
{
    struct world *w = *state;
    struct fault_hit h;
    char id[35], id2[35], id3[35];

    add_ok(w->f, -1,
           "{\"error\":{\"status\":503,\"code\":12345,\"message\":\"down\","
           "\"retry_after\":7}}",
           id);
    add_ok(w->f, -1, "{\"delay_ms\":250}", id2);
    add_ok(w->f, -1, "{\"drop\":true,\"times\":0}", id3);
    memset(&h, 0x5a, sizeof(h));
    faults_match(w->f, 0, "GET", LIST, strlen(LIST), &h);
    assert_int_equal(h.action, FAULT_ERROR);
    assert_int_equal(h.status, 503);
    assert_int_equal(h.code, 12345);
    assert_string_equal(h.message, "down");
    assert_int_equal(h.retry_after, 7);
    assert_false(h.builtin);
    assert_string_equal(h.rule_id, id);
    memset(&h, 0x5a, sizeof(h));
    faults_match(w->f, 0, "GET", LIST, strlen(LIST), &h);
    assert_int_equal(h.action, FAULT_DELAY);
    assert_int_equal(h.delay_ms, 250);
    assert_false(h.builtin);
    assert_string_equal(h.rule_id, id2);
    memset(&h, 0x5a, sizeof(h));
    faults_match(w->f, 1, "DELETE", ITEM, strlen(ITEM), &h);
    assert_int_equal(h.action, FAULT_DROP);
    assert_false(h.builtin);
    assert_string_equal(h.rule_id, id3);
    /* Without Retry-After. */
    faults_clear(w->f, -1);
    add_ok(w->f, 1, "{\"error\":{\"status\":429}}", id);
    memset(&h, 0x5a, sizeof(h));
    faults_match(w->f, 1, "GET", LIST, strlen(LIST), &h);
    assert_int_equal(h.action, FAULT_ERROR);
    assert_int_equal(h.status, 429);
    assert_int_equal(h.code, 20429);
    assert_string_equal(h.message, "Too Many Requests");
    assert_int_equal(h.retry_after, -1);
    assert_string_equal(h.rule_id, id);
    /* No rule: FAULT_NONE; no rules object at all, the same. */
    memset(&h, 0x5a, sizeof(h));
    faults_match(w->f, 1, "GET", LIST, strlen(LIST), &h);
    assert_int_equal(h.action, FAULT_NONE);
    memset(&h, 0x5a, sizeof(h));
    faults_match(NULL, 1, "GET", LIST, strlen(LIST), &h);
    assert_int_equal(h.action, FAULT_NONE);
}

static void
test_match_order(void **state)
{
    struct world *w = *state;
    char r1[35], r2[35];

    /*
     * r1 skips one, then hits once; r2 hits twice. 1: r1 counts it (skip)
     * and passes it on: r2 hits. 2: r1 hits, r2 does not count it. 3: r1
     * is spent: r2. 4: both spent.
     */
    add_ok(w->f, -1, "{\"skip\":1,\"times\":1,\"error\":{\"status\":500}}", r1);
    add_ok(w->f, -1, "{\"times\":2,\"error\":{\"status\":503}}", r2);
    CHECK_RUN(w->f, 0, "GET", LIST, 5, "503 500 503 - -");
    assert_int_equal(hits_of(w->f, r1), 1);
    assert_int_equal(hits_of(w->f, r2), 2);
    faults_clear(w->f, -1);
    /*
     * Later rules do not count what an earlier one took: r2's skip is
     * only counted once r1 is spent.
     */
    add_ok(w->f, -1, "{\"times\":1,\"error\":{\"status\":500}}", r1);
    add_ok(w->f, -1, "{\"skip\":1,\"times\":1,\"drop\":true}", r2);
    CHECK_RUN(w->f, 0, "GET", LIST, 4, "500 - drop -");
    faults_clear(w->f, -1);
    /* Two skipping rules both count the same request. */
    add_ok(w->f, -1, "{\"skip\":2,\"error\":{\"status\":500}}", r1);
    add_ok(w->f, -1, "{\"skip\":2,\"error\":{\"status\":503}}", r2);
    CHECK_RUN(w->f, 0, "GET", LIST, 5, "- - 500 503 -");
    faults_clear(w->f, -1);
    /* A rule that does not match counts nothing. */
    add_ok(w->f, -1, "{\"method\":\"POST\",\"skip\":1,\"drop\":true}", r1);
    CHECK_RUN(w->f, 0, "GET", LIST, 3, "- - -");
    CHECK_RUN(w->f, 0, "POST", LIST, 3, "- drop -");
    faults_clear(w->f, -1);
    /* An account's rule does not count another account's requests. */
    add_ok(w->f, 1, "{\"skip\":1,\"drop\":true}", r1);
    CHECK_RUN(w->f, 0, "GET", LIST, 3, "- - -");
    CHECK_RUN(w->f, 1, "GET", LIST, 3, "- drop -");
    faults_clear(w->f, -1);
    /* Creation order, whatever the scope. */
    add_ok(w->f, 0, "{\"error\":{\"status\":500}}", r1);
    add_ok(w->f, -1, "{\"error\":{\"status\":503},\"times\":2}", r2);
    CHECK_RUN(w->f, 0, "GET", LIST, 4, "500 503 503 -");
    faults_clear(w->f, -1);
    add_ok(w->f, -1, "{\"error\":{\"status\":503},\"times\":2}", r2);
    add_ok(w->f, 0, "{\"error\":{\"status\":500}}", r1);
    CHECK_RUN(w->f, 0, "GET", LIST, 4, "503 503 500 -");
}

static void
test_match_scope(void **state)
{
    struct world *w = *state;
    char ra[35], rb[35], rg[35];

    add_ok(w->f, 0, "{\"times\":0,\"error\":{\"status\":500}}", ra);
    CHECK_RUN(w->f, 1, "GET", LIST, 3, "- - -");
    CHECK_RUN(w->f, 0, "GET", LIST, 2, "500 500");
    /* An index no account has matches no account's rule. */
    CHECK_RUN(w->f, 2, "GET", LIST, 1, "-");
    add_ok(w->f, 1, "{\"times\":0,\"error\":{\"status\":503}}", rb);
    CHECK_RUN(w->f, 1, "GET", LIST, 2, "503 503");
    CHECK_RUN(w->f, 0, "GET", LIST, 1, "500");
    faults_clear(w->f, -1);
    /* A global rule matches every account. */
    add_ok(w->f, -1, "{\"times\":3,\"drop\":true}", rg);
    CHECK_RUN(w->f, 0, "GET", LIST, 1, "drop");
    CHECK_RUN(w->f, 1, "GET", LIST, 1, "drop");
    CHECK_RUN(w->f, 0, "GET", LIST, 2, "drop -");
    assert_int_equal(hits_of(w->f, rg), 3);
}

static void
test_match_method_path(void **state)
{
    struct world *w = *state;

    add_ok(w->f, -1,
           "{\"method\":\"put\",\"path\":\"/v1/Assistants/*\",\"times\":0,"
           "\"drop\":true}",
           NULL);
    CHECK_RUN(w->f, 0, "PUT", ITEM, 1, "drop");
    CHECK_RUN(w->f, 0, "PUT", LIST, 1, "-");
    CHECK_RUN(w->f, 0, "GET", ITEM, 1, "-");
    CHECK_RUN(w->f, 0, "POST", ITEM, 1, "-");
    CHECK_RUN(w->f, 0, "PUT", "/v1/Assistants/", 1, "drop");
    CHECK_RUN(w->f, 0, "PUT", "/v1/Assistants/a/b", 1, "drop");
    CHECK_RUN(w->f, 0, "PUT", "/v2/Assistants/a", 1, "-");
    faults_clear(w->f, -1);
    /* The path is a glob: whole-path, '*' any run. */
    add_ok(
        w->f, -1,
        "{\"path\":\"/v1/Assistants\",\"times\":0,\"error\":{\"status\":500}}",
        NULL);
    add_ok(w->f, -1,
           "{\"path\":\"*_2\",\"times\":0,\"error\":{\"status\":503}}", NULL);
    add_ok(w->f, -1,
           "{\"method\":\"HEAD\",\"times\":0,\"error\":{\"status\":502}}",
           NULL);
    CHECK_RUN(w->f, 0, "GET", LIST, 1, "500");
    CHECK_RUN(w->f, 0, "DELETE", LIST, 1, "500");
    CHECK_RUN(w->f, 0, "GET", "/v1/Assistants/aia_asst_2", 1, "503");
    CHECK_RUN(w->f, 0, "GET", "/v1/Assistants/aia_asst_3", 1, "-");
    CHECK_RUN(w->f, 0, "GET", "/v1/AssistantsX", 1, "-");
    CHECK_RUN(w->f, 0, "HEAD", "/v1/Assistants/x", 1, "502");
    /* The path length given is the path: the rest is not looked at. */
    {
        struct fault_hit h;
        faults_match(w->f, 0, "GET", "/v1/Assistants/aia_asst_2", 14, &h);
        assert_int_equal(h.action, FAULT_ERROR);
        assert_int_equal(h.status, 500);
        faults_match(w->f, 0, "GET", "/v1/Assistants_2/x", 16, &h);
        assert_int_equal(h.action, FAULT_ERROR);
        assert_int_equal(h.status, 503);
    }
}

/* ---- the shorthands ---- */

static void
test_every(void **state)
{
    struct world *w = *state;
    struct fault_hit h;

    assert_int_equal(faults_add_every(w->f, 3), 0);
    check_render(w->f, -1,
                 "{\"faults\":[{\"id\":\"FR*\",\"account_sid\":null,"
                 "\"method\":\"GET\",\"path\":\"/v1/Assistants\",\"skip\":0,"
                 "\"times\":0,\"hits\":0,\"every\":3,\"error\":{\"status\":500,"
                 "\"code\":20500,\"message\":\"Internal Server Error\"}}]}");
    /* Only GET /v1/Assistants counts; every account's, on one count. */
    CHECK_RUN(w->f, 0, "GET", LIST, 2, "- -");
    CHECK_RUN(w->f, 0, "POST", LIST, 2, "- -");
    CHECK_RUN(w->f, 0, "GET", ITEM, 2, "- -");
    CHECK_RUN(w->f, 1, "GET", LIST, 1, "500");
    CHECK_RUN(w->f, 0, "GET", LIST, 8, "- - 500 - - 500 - -");
    faults_match(w->f, 0, "GET", LIST, strlen(LIST), &h);
    assert_int_equal(h.action, FAULT_ERROR);
    assert_int_equal(h.code, 20500);
    assert_string_equal(h.message, "Internal Server Error");
    assert_int_equal(h.retry_after, -1);
    assert_true(h.builtin);
    assert_true(is_rule_id(h.rule_id));
    /* A request the shorthand lets through goes on to later rules. */
    add_ok(w->f, -1, "{\"times\":0,\"delay_ms\":1}", NULL);
    CHECK_RUN(w->f, 0, "GET", LIST, 4, "delay1 delay1 500 delay1");
    faults_clear(w->f, -1);
    /* every 1, and 0: each one. */
    assert_int_equal(faults_add_every(w->f, 1), 0);
    CHECK_RUN(w->f, 0, "GET", LIST, 3, "500 500 500");
    faults_clear(w->f, -1);
    assert_int_equal(faults_add_every(w->f, 0), 0);
    CHECK_RUN(w->f, 1, "GET", LIST, 2, "500 500");
}

static long
mono_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec;
}

/* Sleeps to the start of the next second of the monotonic clock. */
static void
next_second(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec = 0;
    ts.tv_nsec = 1000000000L - ts.tv_nsec + 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec = 1;
        ts.tv_nsec -= 1000000000L;
    }
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/*
 * Runs the per-second test: true when it ran within one second (and
 * another within the next), false to try again.
 */
static bool
rate_once(void)
{
    struct accounts a;
    struct faults *f;
    struct fault_hit h;
    char *s1, *s2, *s3, *s4;
    long sec;
    bool in_time;

    accounts_init(&a);
    assert_int_equal(accounts_add(&a, SID_A, false), 0);
    assert_int_equal(accounts_add(&a, SID_B, false), 1);
    f = faults_new(&a);
    assert_non_null(f);
    assert_int_equal(faults_add_rate(f, 3), 0);
    next_second();
    sec = mono_sec();
    /* Three a second pass for each account, on its own count. */
    s1 = run(f, 0, "GET", LIST, 5);
    s2 = run(f, 1, "POST", ITEM, 4);
    /* An index that no account has is never limited. */
    s3 = run(f, 2, "GET", LIST, 5);
    faults_match(f, 0, "DELETE", ITEM, strlen(ITEM), &h);
    in_time = mono_sec() == sec;
    if (in_time) {
        assert_string_equal(s1, "- - - 429 429");
        assert_string_equal(s2, "- - - 429");
        assert_string_equal(s3, "- - - - -");
        assert_int_equal(h.action, FAULT_ERROR);
        assert_int_equal(h.status, 429);
        assert_int_equal(h.code, 20429);
        assert_string_equal(h.message, "Too Many Requests");
        assert_int_equal(h.retry_after, -1);
        assert_true(h.builtin);
        check_render(f, -1,
                     "{\"faults\":[{\"id\":\"FR*\",\"account_sid\":null,"
                     "\"method\":null,\"path\":\"*\",\"skip\":0,\"times\":0,"
                     "\"hits\":4,\"per_second\":3,\"error\":{\"status\":429,"
                     "\"code\":20429,\"message\":\"Too Many Requests\"}}]}");
    }
    free(s1);
    free(s2);
    free(s3);
    if (in_time) {
        /* The next second starts a new window. */
        next_second();
        sec = mono_sec();
        s4 = run(f, 0, "GET", LIST, 4);
        in_time = mono_sec() == sec;
        if (in_time)
            assert_string_equal(s4, "- - - 429");
        free(s4);
    }
    if (in_time) {
        /* A clear resets the windows: three more pass at once. */
        faults_clear(f, -1);
        s4 = run(f, 0, "GET", LIST, 4);
        in_time = mono_sec() == sec;
        if (in_time)
            assert_string_equal(s4, "- - - 429");
        free(s4);
    }
    faults_free(f);
    accounts_release(&a);
    return in_time;
}

static void
test_rate(void **state)
{
    int tries;

    (void)state;
    for (tries = 0; tries < 5 && !rate_once(); tries++)
        ;
    assert_true(tries < 5);
}

/* The per-second rule first, a user rule after it. */
static void
test_rate_then_rule(void **state)
{
    int tries;

    (void)state;
    for (tries = 0; tries < 5; tries++) {
        struct accounts a;
        struct faults *f;
        char *s;
        long sec;
        bool ok;

        accounts_init(&a);
        assert_int_equal(accounts_add(&a, SID_A, false), 0);
        f = faults_new(&a);
        assert_int_equal(faults_add_rate(f, 2), 0);
        add_ok(f, 0, "{\"times\":0,\"delay_ms\":1}", NULL);
        next_second();
        sec = mono_sec();
        s = run(f, 0, "GET", LIST, 4);
        ok = mono_sec() == sec;
        if (ok)
            assert_string_equal(s, "delay1 delay1 429 429");
        free(s);
        faults_free(f);
        accounts_release(&a);
        if (ok)
            break;
    }
    assert_true(tries < 5);
}

/* ---- delete, render by scope, clear ---- */

static void
test_delete(void **state)
{
    struct world *w = *state;
    char ra[35], rb[35], rg[35];
    struct buf b = BUF_INIT;

    add_ok(w->f, 0, "{\"drop\":true}", ra);
    add_ok(w->f, 1, "{\"drop\":true,\"method\":\"GET\"}", rb);
    add_ok(w->f, -1, "{\"delay_ms\":3}", rg);
    assert_int_equal(faults_add_every(w->f, 5), 0);
    /* Render by scope: an account sees its own rules, global all. */
    check_render(w->f, 0,
                 "{\"faults\":[{\"id\":\"FR*\",\"account_sid\":\"" SID_A "\","
                 "\"method\":null,\"path\":\"*\",\"skip\":0,\"times\":1,"
                 "\"hits\":0,\"drop\":true}]}");
    check_render(w->f, 1,
                 "{\"faults\":[{\"id\":\"FR*\",\"account_sid\":\"" SID_B "\","
                 "\"method\":\"GET\",\"path\":\"*\",\"skip\":0,\"times\":1,"
                 "\"hits\":0,\"drop\":true}]}");
    faults_render(w->f, -1, &b);
    assert_non_null(strstr(b.data, ra));
    assert_non_null(strstr(b.data, rb));
    assert_non_null(strstr(b.data, rg));
    assert_true(strstr(b.data, ra) < strstr(b.data, rb));
    assert_true(strstr(b.data, rb) < strstr(b.data, rg));
    buf_release(&b);
    /* Another account's rule, a global one: not found for an account. */
    assert_int_equal(faults_delete(w->f, 1, ra), 1);
    assert_int_equal(faults_delete(w->f, 0, rb), 1);
    assert_int_equal(faults_delete(w->f, 0, rg), 1);
    assert_int_equal(faults_delete(w->f, 0, "FR0"), 1);
    assert_int_equal(faults_delete(w->f, 0, ""), 1);
    /* Its own. */
    assert_int_equal(faults_delete(w->f, 0, ra), 0);
    assert_int_equal(faults_delete(w->f, 0, ra), 1);
    check_render(w->f, 0, "{\"faults\":[]}");
    /* Global may delete anyone's. */
    assert_int_equal(faults_delete(w->f, -1, rb), 0);
    assert_int_equal(faults_delete(w->f, -1, rb), 1);
    assert_int_equal(faults_delete(w->f, -1, rg), 0);
    check_render(w->f, -1,
                 "{\"faults\":[{\"id\":\"FR*\",\"account_sid\":null,"
                 "\"method\":\"GET\",\"path\":\"/v1/Assistants\",\"skip\":0,"
                 "\"times\":0,\"hits\":0,\"every\":5,\"error\":{\"status\":500,"
                 "\"code\":20500,\"message\":\"Internal Server Error\"}}]}");
    /* A deleted rule no longer matches; a later one does. */
    add_ok(w->f, 0, "{\"error\":{\"status\":500},\"times\":0}", ra);
    add_ok(w->f, 0, "{\"error\":{\"status\":503},\"times\":0}", rb);
    CHECK_RUN(w->f, 0, "POST", LIST, 1, "500");
    assert_int_equal(faults_delete(w->f, 0, ra), 0);
    CHECK_RUN(w->f, 0, "POST", LIST, 1, "503");
}

static void
test_clear(void **state)
{
    struct world *w = *state;
    char ra[35], rb[35], rg[35];

    assert_int_equal(faults_add_every(w->f, 2), 0);
    add_ok(w->f, 0,
           "{\"method\":\"POST\",\"times\":0,\"error\":{\"status\":500}}", ra);
    add_ok(w->f, 1,
           "{\"method\":\"POST\",\"times\":0,\"error\":{\"status\":503}}", rb);
    add_ok(w->f, -1, "{\"method\":\"PUT\",\"times\":0,\"drop\":true}", rg);
    CHECK_RUN(w->f, 0, "GET", LIST, 3, "- 500 -");
    CHECK_RUN(w->f, 0, "POST", LIST, 1, "500");
    CHECK_RUN(w->f, 1, "POST", LIST, 1, "503");
    CHECK_RUN(w->f, 1, "PUT", ITEM, 1, "drop");
    /* An account's clear: its rules go; the others' and global rules stay,
     * their counts too (the shorthand is one GET away from a hit). */
    faults_clear(w->f, 0);
    CHECK_RUN(w->f, 0, "POST", LIST, 1, "-");
    CHECK_RUN(w->f, 1, "POST", LIST, 1, "503");
    assert_int_equal(hits_of(w->f, rb), 2);
    assert_int_equal(hits_of(w->f, rg), 1);
    assert_int_equal(hits_of(w->f, ra), -1);
    CHECK_RUN(w->f, 0, "GET", LIST, 1, "500");
    CHECK_RUN(w->f, 0, "GET", LIST, 1, "-");
    /* A global clear: every rule but the shorthands, whose counts restart
     * (two GETs again before the next hit, hits back to 0). */
    faults_clear(w->f, -1);
    check_render(w->f, -1,
                 "{\"faults\":[{\"id\":\"FR*\",\"account_sid\":null,"
                 "\"method\":\"GET\",\"path\":\"/v1/Assistants\",\"skip\":0,"
                 "\"times\":0,\"hits\":0,\"every\":2,\"error\":{\"status\":500,"
                 "\"code\":20500,\"message\":\"Internal Server Error\"}}]}");
    CHECK_RUN(w->f, 1, "POST", LIST, 1, "-");
    CHECK_RUN(w->f, 1, "PUT", ITEM, 1, "-");
    CHECK_RUN(w->f, 0, "GET", LIST, 4, "- 500 - 500");
    /* Rules made after a clear work as before. */
    add_ok(w->f, 1, "{\"method\":\"POST\",\"drop\":true}", rb);
    CHECK_RUN(w->f, 1, "POST", LIST, 2, "drop -");
    /* A clear of an account without rules changes nothing. */
    faults_clear(w->f, 0);
    assert_int_equal(hits_of(w->f, rb), 1);
    faults_clear(NULL, -1);
    faults_free(NULL);
}

/* ---- threads ---- */

#define N_THREADS 8
#define PER_THREAD 1000

struct matcher {
    struct faults *f;
    int acct;
    atomic_long *hits;
};

static void *
matcher_run(void *arg)
{
    struct matcher *m = arg;
    struct fault_hit h;
    int i;

    for (i = 0; i < PER_THREAD; i++) {
        faults_match(m->f, m->acct, i % 2 ? "GET" : "DELETE", ITEM,
                     strlen(ITEM), &h);
        if (h.action != FAULT_NONE)
            atomic_fetch_add(m->hits, 1);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    struct world *w = *state;
    struct matcher m[N_THREADS];
    pthread_t th[N_THREADS];
    atomic_long hits, hits_a;
    char id[35], id_a[35];
    int t;

    atomic_init(&hits, 0);
    atomic_init(&hits_a, 0);
    add_ok(w->f, -1, "{\"skip\":50,\"times\":100,\"error\":{\"status\":503}}",
           id);
    /* Account A's rule behind it: what the first lets through. */
    add_ok(w->f, 0, "{\"times\":1000,\"drop\":true}", id_a);
    for (t = 0; t < N_THREADS; t++) {
        m[t].f = w->f;
        m[t].acct = t % 2;
        m[t].hits = t % 2 ? &hits : &hits_a;
        assert_int_equal(pthread_create(&th[t], NULL, matcher_run, &m[t]), 0);
    }
    for (t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    /* 4000 requests of A, 4000 of B; 100 hits of the global rule in all,
     * 1000 of A's rule (A has more than 1100 requests). */
    assert_int_equal(hits_of(w->f, id), 100);
    assert_int_equal(hits_of(w->f, id_a), 1000);
    assert_int_equal(atomic_load(&hits) + atomic_load(&hits_a), 1100);
    CHECK_RUN(w->f, 0, "GET", ITEM, 1, "-");
    CHECK_RUN(w->f, 1, "GET", ITEM, 1, "-");
}

/* The brief's case exactly: one rule of times 100, 8 x 1000 requests. */
static void
test_threads_times(void **state)
{
    struct world *w = *state;
    struct matcher m[N_THREADS];
    pthread_t th[N_THREADS];
    atomic_long hits;
    char id[35];
    int t;

    atomic_init(&hits, 0);
    add_ok(w->f, -1, "{\"times\":100,\"drop\":true}", id);
    for (t = 0; t < N_THREADS; t++) {
        m[t].f = w->f;
        m[t].acct = t % 2;
        m[t].hits = &hits;
        assert_int_equal(pthread_create(&th[t], NULL, matcher_run, &m[t]), 0);
    }
    for (t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_int_equal(atomic_load(&hits), 100);
    assert_int_equal(hits_of(w->f, id), 100);
}

/* Hits all through the run: skip 1000, times 5000 of 8000 requests. */
static void
test_threads_contended(void **state)
{
    struct world *w = *state;
    struct matcher m[N_THREADS];
    pthread_t th[N_THREADS];
    atomic_long hits;
    char id[35];
    int t;

    atomic_init(&hits, 0);
    add_ok(w->f, -1, "{\"skip\":1000,\"times\":5000,\"delay_ms\":0}", id);
    for (t = 0; t < N_THREADS; t++) {
        m[t].f = w->f;
        m[t].acct = t % 2;
        m[t].hits = &hits;
        assert_int_equal(pthread_create(&th[t], NULL, matcher_run, &m[t]), 0);
    }
    for (t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_int_equal(atomic_load(&hits), 5000);
    assert_int_equal(hits_of(w->f, id), 5000);
}

#define T(name) cmocka_unit_test_setup_teardown(name, world_up, world_down)

static const struct CMUnitTest tests[] = {
    T(test_add_defaults),
    T(test_add_every_member),
    T(test_add_methods),
    T(test_add_default_errors),
    T(test_add_limits_accepted),
    T(test_add_refused),
    T(test_add_limits_refused),
    T(test_add_field_cap),
    T(test_add_rule_limit),
    T(test_match_skip_times),
    T(test_match_hit),
    T(test_match_order),
    T(test_match_scope),
    T(test_match_method_path),
    T(test_every),
    T(test_rate),
    T(test_rate_then_rule),
    T(test_delete),
    T(test_clear),
    T(test_threads),
    T(test_threads_times),
    T(test_threads_contended),
};

UNIT_MAIN(tests)
