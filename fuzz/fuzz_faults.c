/*
 * fuzz_faults.c - fault rules (faults_add, faults_match, faults_render,
 * faults_delete) on a JSON request body, and journal_glob on a (glob,
 * string) pair, both from each input.
 *
 * Rules: the input, if body_parse makes an object of it (as POST
 * /__admin/faults does), is given to faults_add for a scope taken from its
 * size (global, account A or account B), and checked against a reference
 * of the contract (faults.h and the README: members, types, bounds,
 * defaults, -1 or -3 with the member named, the first bad member in order;
 * no action -> "error", two -> "drop"):
 * - a refused rule appends nothing and adds no rule;
 * - an accepted one renders, and faults_render shows, exactly the members
 *   of the contract in order, with the input's values or the defaults;
 *   both parse back with body_parse; the rendered rule, added again
 *   without id, account_sid and hits, renders the same;
 * - faults_match on a fixed list of methods and paths for both accounts,
 *   twice over, hits exactly when a reference (scope, method, glob, skip,
 *   times) says, with the rule's error, delay or drop and its id, and the
 *   rendered hits count them;
 * - another account cannot delete it; its own scope can, once.
 * Glob: the input up to the first newline is the glob (up to a NUL, as a C
 * string), the rest the string (exact-size, NULs allowed); journal_glob
 * must agree with a memoised recursive reference matcher, and a glob
 * always matches its own text.
 *
 * A NUL inside "method" or "error.message" must be refused (known_bug marks
 * the inputs of the two bugs found this way, now fixed).
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <strings.h>

#include "accounts.h"
#include "body.h"
#include "buf.h"
#include "faults.h"
#include "fuzz_common.h"
#include "ids.h"
#include "journal.h"

#define SID_A "ACa11ce000000000000000000000000001"
#define SID_B "ACb0b00000000000000000000000000002"

static struct accounts accts;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    accounts_init(&accts);
    FUZZ_CHECK(accounts_add(&accts, SID_A, false) == 0);
    FUZZ_CHECK(accounts_add(&accts, SID_B, false) == 1);
    ids_seed(1);
    return 0;
}

/* ---- the reference glob: recursive, memoised ---- */

struct rglob {
    const char *g, *s;
    size_t gl, n;
    unsigned char *memo; /* 0: unknown, 1: false, 2: true */
};

static bool
rglob_at(struct rglob *m, size_t k, size_t i)
{
    unsigned char *c = &m->memo[k * (m->n + 1) + i];
    bool r;

    if (*c)
        return *c == 2;
    if (k == m->gl)
        r = i == m->n;
    else if (m->g[k] == '*')
        r = rglob_at(m, k + 1, i) || (i < m->n && rglob_at(m, k, i + 1));
    else
        r = i < m->n && m->g[k] == m->s[i] && rglob_at(m, k + 1, i + 1);
    *c = r ? 2 : 1;
    return r;
}

/* 1 or 0, or -1 when too big to work out here. */
static int
ref_glob(const char *g, const char *s, size_t n)
{
    struct rglob m;
    int r;

    m.g = g;
    m.gl = strlen(g);
    m.s = s;
    m.n = n;
    if ((m.gl + 1) * (n + 1) > ((size_t)1 << 22) || m.gl + n > 20000)
        return -1;
    m.memo = calloc((m.gl + 1) * (n + 1), 1);
    FUZZ_CHECK(m.memo != NULL);
    r = rglob_at(&m, 0, 0);
    free(m.memo);
    return r;
}

static void
check_glob(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t gn = nl ? (size_t)(nl - data) : size;
    char *g = fuzz_copy(data, gn, 1);
    char *s = fuzz_copy(nl ? nl + 1 : data, nl ? size - gn - 1 : 0, 0);
    size_t sn = nl ? size - gn - 1 : 0;
    int want = ref_glob(g, s, sn);
    char *self;

    if (want >= 0 && journal_glob(g, s, sn) != (want == 1)) {
        fprintf(stderr, "glob '%s' on %zu bytes: want %d\n", g, sn, want);
        FUZZ_CHECK(journal_glob(g, s, sn) == (want == 1));
    }
    /* Each literal matches itself, each '*' the character '*'. */
    self = fuzz_copy((const uint8_t *)g, strlen(g), 0);
    FUZZ_CHECK(journal_glob(g, self, strlen(g)));
    free(self);
    free(s);
    free(g);
}

/* ---- the reference rule parser ---- */

struct expect {
    int rc;          /* 0, -1, -3 */
    char field[128]; /* when rc < 0 */
    bool known_bug;  /* a NUL in method or error.message */
    char method[16]; /* "" : any */
    const char *path;
    size_t path_len;
    long long skip, times;
    enum fault_action action;
    unsigned status;
    int code;
    const char *message;
    size_t message_len;
    int retry_after;
    unsigned delay_ms;
};

static bool
int_in(json_object *v, long long min, long long max, long long *out)
{
    if (!json_object_is_type(v, json_type_int))
        return false;
    *out = (long long)json_object_get_int64(v);
    return *out >= min && *out <= max;
}

static int
default_code(unsigned status)
{
    switch (status) {
    case 401:
        return 20003;
    case 404:
        return 20404;
    case 429:
        return 20429;
    case 500:
        return 20500;
    case 503:
        return 20503;
    default:
        return status >= 500 ? 20500 : 20001;
    }
}

/* The standard message of a status, where the contract names it. */
static const char *
default_message(unsigned status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Authenticate";
    case 404:
        return "The requested resource was not found";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return NULL;
    }
}

static bool
has_nul(json_object *v)
{
    return memchr(json_object_get_string(v), '\0',
                  (size_t)json_object_get_string_len(v)) != NULL;
}

#define REF_BAD(...)                                                           \
    do {                                                                       \
        snprintf(e->field, sizeof(e->field), __VA_ARGS__);                     \
        e->rc = -1;                                                            \
        return;                                                                \
    } while (0)

static void
ref_error(struct expect *e, json_object *err)
{
    json_object *st;
    long long n;

    if (!json_object_is_type(err, json_type_object))
        REF_BAD("error");
    if (!json_object_object_get_ex(err, "status", &st) || st == NULL) {
        snprintf(e->field, sizeof(e->field), "error.status");
        e->rc = -3;
        return;
    }
    if (!int_in(st, 100, 599, &n))
        REF_BAD("error.status");
    e->action = FAULT_ERROR;
    e->status = (unsigned)n;
    e->code = default_code(e->status);
    e->message = NULL;
    e->retry_after = -1;
    json_object_object_foreach(err, key, v)
    {
        if (strcmp(key, "status") == 0)
            continue;
        if (strcmp(key, "code") == 0) {
            if (!int_in(v, 0, 99999999, &n))
                REF_BAD("error.code");
            e->code = (int)n;
        } else if (strcmp(key, "message") == 0) {
            if (!json_object_is_type(v, json_type_string) ||
                json_object_get_string_len(v) > FAULTS_MAX_MESSAGE)
                REF_BAD("error.message");
            if (has_nul(v)) {
                e->known_bug = true;
                REF_BAD("error.message");
            }
            e->message = json_object_get_string(v);
            e->message_len = (size_t)json_object_get_string_len(v);
        } else if (strcmp(key, "retry_after") == 0) {
            if (!int_in(v, 0, 86400, &n))
                REF_BAD("error.retry_after");
            e->retry_after = (int)n;
        } else {
            REF_BAD("error.%s", key);
        }
    }
}

static void
ref_rule(struct expect *e, json_object *rule)
{
    static const char *const methods[] = {"GET",    "HEAD",    "POST", "PUT",
                                          "DELETE", "OPTIONS", "PATCH"};
    int actions = 0;
    long long n;
    size_t i;

    memset(e, 0, sizeof(*e));
    e->path = "*";
    e->path_len = 1;
    e->times = 1;
    e->retry_after = -1;
    json_object_object_foreach(rule, key, v)
    {
        if (strcmp(key, "method") == 0) {
            bool found = false;
            if (v == NULL)
                continue;
            if (!json_object_is_type(v, json_type_string))
                REF_BAD("method");
            if (has_nul(v)) {
                e->known_bug = true;
                REF_BAD("method");
            }
            for (i = 0; i < sizeof(methods) / sizeof(methods[0]) && !found;
                 i++) {
                if (strcasecmp(json_object_get_string(v), methods[i]) == 0) {
                    snprintf(e->method, sizeof(e->method), "%s", methods[i]);
                    found = true;
                }
            }
            if (!found)
                REF_BAD("method");
        } else if (strcmp(key, "path") == 0) {
            if (!json_object_is_type(v, json_type_string) ||
                json_object_get_string_len(v) < 1 ||
                json_object_get_string_len(v) > 1024 || has_nul(v))
                REF_BAD("path");
            e->path = json_object_get_string(v);
            e->path_len = (size_t)json_object_get_string_len(v);
        } else if (strcmp(key, "skip") == 0) {
            if (!int_in(v, 0, INT64_MAX, &e->skip))
                REF_BAD("skip");
        } else if (strcmp(key, "times") == 0) {
            if (!int_in(v, 0, INT64_MAX, &e->times))
                REF_BAD("times");
        } else if (strcmp(key, "error") == 0) {
            if (v == NULL)
                continue;
            actions++;
            ref_error(e, v);
            if (e->rc < 0)
                return;
        } else if (strcmp(key, "delay_ms") == 0) {
            actions++;
            if (!int_in(v, 0, FAULTS_MAX_DELAY_MS, &n))
                REF_BAD("delay_ms");
            e->action = FAULT_DELAY;
            e->delay_ms = (unsigned)n;
        } else if (strcmp(key, "drop") == 0) {
            actions++;
            if (!json_object_is_type(v, json_type_boolean) ||
                !json_object_get_boolean(v))
                REF_BAD("drop");
            e->action = FAULT_DROP;
        } else {
            REF_BAD("%s", key);
        }
    }
    if (actions == 0) {
        snprintf(e->field, sizeof(e->field), "error");
        e->rc = -3;
    } else if (actions > 1) {
        REF_BAD("drop");
    }
}
#undef REF_BAD

/* ---- checks of an accepted rule ---- */

static bool
is_rule_id(json_object *v)
{
    const char *s = json_object_get_string(v);
    int i;

    if (!json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) != 34 || strncmp(s, "FR", 2) != 0)
        return false;
    for (i = 2; i < 34; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool
is_string(json_object *v, const char *s, size_t n)
{
    return json_object_is_type(v, json_type_string) &&
           (size_t)json_object_get_string_len(v) == n &&
           memcmp(json_object_get_string(v), s, n) == 0;
}

static bool
is_int(json_object *v, long long n)
{
    return json_object_is_type(v, json_type_int) &&
           json_object_get_int64(v) == n;
}

/* The member names of o, in order, against names (NULL-terminated). */
static void
check_keys(json_object *o, const char *const *names)
{
    size_t i = 0;

    FUZZ_CHECK(json_object_is_type(o, json_type_object));
    json_object_object_foreach(o, key, v)
    {
        (void)v;
        FUZZ_CHECK(names[i] != NULL);
        FUZZ_CHECK(strcmp(key, names[i]) == 0);
        i++;
    }
    FUZZ_CHECK(names[i] == NULL);
}

static json_object *
get(json_object *o, const char *key)
{
    json_object *v = NULL;

    FUZZ_CHECK(json_object_object_get_ex(o, key, &v));
    return v;
}

/* The rendered rule r against what e says, for scope. */
static void
check_rendered(json_object *r, const struct expect *e, int scope)
{
    static const char *const with_error[] = {"id",   "account_sid", "method",
                                             "path", "skip",        "times",
                                             "hits", "error",       NULL};
    static const char *const with_delay[] = {"id",   "account_sid", "method",
                                             "path", "skip",        "times",
                                             "hits", "delay_ms",    NULL};
    static const char *const with_drop[] = {"id",   "account_sid", "method",
                                            "path", "skip",        "times",
                                            "hits", "drop",        NULL};
    json_object *v;

    check_keys(r, e->action == FAULT_ERROR   ? with_error
                  : e->action == FAULT_DELAY ? with_delay
                                             : with_drop);
    FUZZ_CHECK(is_rule_id(get(r, "id")));
    v = get(r, "account_sid");
    if (scope < 0)
        FUZZ_CHECK(v == NULL);
    else
        FUZZ_CHECK(is_string(v, accts.accounts[scope].sid, 34));
    v = get(r, "method");
    if (e->method[0])
        FUZZ_CHECK(is_string(v, e->method, strlen(e->method)));
    else
        FUZZ_CHECK(v == NULL);
    FUZZ_CHECK(is_string(get(r, "path"), e->path, e->path_len));
    FUZZ_CHECK(is_int(get(r, "skip"), e->skip));
    FUZZ_CHECK(is_int(get(r, "times"), e->times));
    FUZZ_CHECK(is_int(get(r, "hits"), 0));
    switch (e->action) {
    case FAULT_ERROR: {
        static const char *const plain[] = {"status", "code", "message", NULL};
        static const char *const retry[] = {"status", "code", "message",
                                            "retry_after", NULL};
        const char *dm = default_message(e->status);
        json_object *err = get(r, "error"), *m;
        check_keys(err, e->retry_after >= 0 ? retry : plain);
        FUZZ_CHECK(is_int(get(err, "status"), e->status));
        FUZZ_CHECK(is_int(get(err, "code"), e->code));
        m = get(err, "message");
        if (e->message)
            FUZZ_CHECK(is_string(m, e->message, e->message_len));
        else if (dm)
            FUZZ_CHECK(is_string(m, dm, strlen(dm)));
        else
            FUZZ_CHECK(json_object_is_type(m, json_type_string) &&
                       json_object_get_string_len(m) > 0);
        if (e->retry_after >= 0)
            FUZZ_CHECK(is_int(get(err, "retry_after"), e->retry_after));
        break;
    }
    case FAULT_DELAY:
        FUZZ_CHECK(is_int(get(r, "delay_ms"), e->delay_ms));
        break;
    case FAULT_DROP:
        v = get(r, "drop");
        FUZZ_CHECK(json_object_is_type(v, json_type_boolean) &&
                   json_object_get_boolean(v));
        break;
    case FAULT_NONE:
        FUZZ_CHECK(!"an accepted rule has an action");
    }
}

static json_object *
parse_back(const struct buf *b)
{
    json_object *o = NULL;

    FUZZ_CHECK(b->data != NULL && !buf_failed(b));
    if (body_parse(b->data, b->len, &o) < 0 || o == NULL) {
        fprintf(stderr, "does not parse back: %s\n", b->data);
        FUZZ_CHECK(!"rendered JSON parses back");
    }
    return o;
}

/* The requests every accepted rule is tried on (decoded paths). */
static const struct {
    const char *method, *path;
} requests[] = {
    {"GET", "/v1/Assistants"},
    {"POST", "/v1/Assistants"},
    {"GET", "/v1/Assistants/aia_asst_1"},
    {"PUT", "/v1/Assistants/aia_asst_1"},
    {"DELETE", "/v1/Assistants/aia_asst_1"},
    {"HEAD", "/v1/Assistants"},
    {"OPTIONS", "/v1"},
    {"PATCH", "/v1/Assistants/x/y"},
    {"GET", "/v1/Assistants/caf\xc3\xa9 *?[]"},
    {"GET", "/"},
};
#define N_REQUESTS (sizeof(requests) / sizeof(requests[0]))

static void
check_matches(struct faults *f, const struct expect *e, int scope,
              const char *id)
{
    long long seen = 0, hits = 0;
    struct buf b = BUF_INIT;
    json_object *o, *v;
    int round, acct;
    size_t i;

    for (round = 0; round < 2; round++) {
        for (acct = 0; acct < 2; acct++) {
            for (i = 0; i < N_REQUESTS; i++) {
                const char *m = requests[i].method, *p = requests[i].path;
                struct fault_hit h;
                bool match = (scope < 0 || scope == acct) &&
                             (!e->method[0] || strcmp(e->method, m) == 0) &&
                             ref_glob(e->path, p, strlen(p)) == 1;
                bool hit = false;

                if (match && seen < e->skip)
                    seen++;
                else if (match && (e->times == 0 || hits < e->times))
                    hit = true;
                if (hit)
                    hits++;
                memset(&h, 0x5a, sizeof(h));
                faults_match(f, acct, m, p, strlen(p), &h);
                if (!hit) {
                    FUZZ_CHECK(h.action == FAULT_NONE);
                    continue;
                }
                FUZZ_CHECK(h.action == e->action);
                FUZZ_CHECK(!h.builtin);
                FUZZ_CHECK(strcmp(h.rule_id, id) == 0);
                if (e->action == FAULT_ERROR) {
                    const char *dm = default_message(e->status);
                    FUZZ_CHECK(h.status == e->status);
                    FUZZ_CHECK(h.code == e->code);
                    FUZZ_CHECK(h.retry_after == e->retry_after);
                    if (e->message)
                        FUZZ_CHECK(
                            strlen(h.message) == e->message_len &&
                            memcmp(h.message, e->message, e->message_len) == 0);
                    else if (dm)
                        FUZZ_CHECK(strcmp(h.message, dm) == 0);
                } else if (e->action == FAULT_DELAY) {
                    FUZZ_CHECK(h.delay_ms == e->delay_ms);
                }
            }
        }
    }
    faults_render(f, -1, &b);
    o = parse_back(&b);
    v = get(o, "faults");
    FUZZ_CHECK(json_object_array_length(v) == 1);
    FUZZ_CHECK(is_int(get(json_object_array_get_idx(v, 0), "hits"), hits));
    json_object_put(o);
    buf_release(&b);
}

/* The rule rendered as r, without id, account_sid, hits, renders as r. */
static void
check_round_trip(json_object *r, int scope)
{
    struct faults *f = faults_new(&accts);
    struct buf b = BUF_INIT;
    json_object *in = NULL, *again, *a, *c;
    char field[128];

    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(json_object_deep_copy(r, &in, NULL) == 0);
    json_object_object_del(in, "id");
    json_object_object_del(in, "account_sid");
    json_object_object_del(in, "hits");
    FUZZ_CHECK(faults_add(f, scope, in, &b, field, sizeof(field)) == 0);
    again = parse_back(&b);
    a = NULL;
    c = NULL;
    FUZZ_CHECK(json_object_deep_copy(r, &a, NULL) == 0);
    FUZZ_CHECK(json_object_deep_copy(again, &c, NULL) == 0);
    json_object_object_del(a, "id");
    json_object_object_del(c, "id");
    FUZZ_CHECK(json_object_equal(a, c));
    json_object_put(a);
    json_object_put(c);
    json_object_put(again);
    json_object_put(in);
    buf_release(&b);
    faults_free(f);
}

static void
check_rule(const uint8_t *data, size_t size)
{
    json_object *rule = NULL, *r, *all, *v;
    struct faults *f;
    struct expect e;
    struct buf out = BUF_INIT, b = BUF_INIT;
    char field[128], id[35];
    int scope = (int)(size % 3) - 1, rc, other;

    if (body_parse((const char *)data, size, &rule) < 0 ||
        !json_object_is_type(rule, json_type_object)) {
        json_object_put(rule);
        return;
    }
    f = faults_new(&accts);
    FUZZ_CHECK(f != NULL);
    ref_rule(&e, rule);
    strcpy(field, "(unset)");
    rc = faults_add(f, scope, rule, &out, field, sizeof(field));
    if (rc != e.rc || (rc < 0 && strcmp(field, e.field) != 0)) {
        fprintf(stderr, "faults_add: got %d '%s', want %d '%s'\n", rc,
                rc < 0 ? field : "", e.rc, e.rc < 0 ? e.field : "");
        FUZZ_CHECK(rc == e.rc);
        FUZZ_CHECK(strcmp(field, e.field) == 0);
    }
    if (rc < 0) {
        FUZZ_CHECK(out.len == 0);
        faults_render(f, -1, &b);
        FUZZ_CHECK(strcmp(b.data, "{\"faults\":[]}") == 0);
        goto out;
    }
    r = parse_back(&out);
    check_rendered(r, &e, scope);
    memcpy(id, json_object_get_string(get(r, "id")), 35);
    /* faults_render shows the same rule; an account's view, if its own. */
    faults_render(f, -1, &b);
    all = parse_back(&b);
    check_keys(all, (const char *const[]){"faults", NULL});
    v = get(all, "faults");
    FUZZ_CHECK(json_object_array_length(v) == 1);
    FUZZ_CHECK(json_object_equal(json_object_array_get_idx(v, 0), r));
    json_object_put(all);
    for (other = 0; other < 2; other++) {
        buf_reset(&b);
        faults_render(f, other, &b);
        all = parse_back(&b);
        FUZZ_CHECK(json_object_array_length(get(all, "faults")) ==
                   (scope == other ? 1u : 0u));
        json_object_put(all);
    }
    check_round_trip(r, scope);
    check_matches(f, &e, scope, id);
    /* Delete: never by the other account's scope, then by its own. */
    FUZZ_CHECK(faults_delete(f, scope == 0 ? 1 : 0, id) == 1);
    FUZZ_CHECK(faults_delete(f, scope, id) == 0);
    FUZZ_CHECK(faults_delete(f, scope, id) == 1);
    buf_reset(&b);
    faults_render(f, -1, &b);
    FUZZ_CHECK(strcmp(b.data, "{\"faults\":[]}") == 0);
    json_object_put(r);
out:
    buf_release(&out);
    buf_release(&b);
    faults_free(f);
    json_object_put(rule);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_glob(data, size);
    check_rule(data, size);
    return 0;
}
