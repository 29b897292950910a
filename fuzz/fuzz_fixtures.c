/*
 * fuzz_fixtures.c - fixture loading and validation on arbitrary bytes, into
 * a fresh store each run (no TWILIO_* environment).
 *
 * When the load fails there must be problems, one per line, in valid UTF-8.
 * When it succeeds:
 * - the input must be one valid JSON document (json-c, strict);
 * - each account's rows, listed with store_list, must come in (created, id)
 *   order, as many as the account counts, and each row's pre + base + post
 *   must be a valid JSON object with the spec's keys in order whose values
 *   are those of the input's assistant with that id;
 * - paging through the store (after a key, before a key) and PageTokens of
 *   every row must give the same rows back;
 * - the credentials must be those of the input, sorted by sid.
 *
 * SPDX-License-Identifier: MIT
 */
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>

#include "fixtures.h"
#include "fuzz_common.h"
#include "paging.h"
#include "store.h"
#include "util.h"

#define BASE "http://h.example:8080"

static const char *const item_keys[] = {
    "account_sid", "customer_ai", "id", "model", "name", "owner", "url",
    "personality_prompt", "date_created", "date_updated"};

struct key_copy {
    int64_t created;
    char *id;
    size_t id_len;
};

struct list_ctx {
    const struct fixtures *fx;
    int acct;
    json_object *input;    /* the whole input document */
    struct key_copy *keys; /* rows seen, in order */
    size_t n_keys;
    size_t cap;
};

static json_object *
parse_strict(const char *s, size_t n, int depth)
{
    json_tokener *tok = json_tokener_new_ex(depth);
    json_object *o;
    size_t end;

    FUZZ_CHECK(tok != NULL);
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, s, (int)n);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        fprintf(stderr, "json-c: %s at %zu\n",
                json_tokener_error_desc(json_tokener_get_error(tok)),
                json_tokener_get_parse_end(tok));
        json_object_put(o);
        o = NULL;
    } else {
        for (end = json_tokener_get_parse_end(tok); end < n; end++)
            FUZZ_CHECK(strchr(" \t\r\n", s[end]) && s[end]);
    }
    json_tokener_free(tok);
    return o;
}

static int
key_cmp(int64_t ca, const char *a, size_t an, int64_t cb, const char *b,
        size_t bn)
{
    int c;

    if (ca != cb)
        return ca < cb ? -1 : 1;
    c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* The input's assistant with this id (the loader took them all). */
static json_object *
find_input(json_object *input, const char *id, size_t id_len)
{
    json_object *arr, *a, *v;
    size_t i, n;

    FUZZ_CHECK(json_object_object_get_ex(input, "assistants", &arr));
    FUZZ_CHECK(json_object_is_type(arr, json_type_array));
    n = json_object_array_length(arr);
    for (i = 0; i < n; i++) {
        a = json_object_array_get_idx(arr, i);
        if (json_object_object_get_ex(a, "id", &v) &&
            (size_t)json_object_get_string_len(v) == id_len &&
            memcmp(json_object_get_string(v), id, id_len) == 0)
            return a;
    }
    FUZZ_CHECK(!"row not in the input");
    return NULL;
}

static bool
str_eq(json_object *a, json_object *b)
{
    return json_object_is_type(a, json_type_string) &&
           json_object_is_type(b, json_type_string) &&
           json_object_get_string_len(a) == json_object_get_string_len(b) &&
           memcmp(json_object_get_string(a), json_object_get_string(b),
                  (size_t)json_object_get_string_len(a)) == 0;
}

static void
check_item(struct list_ctx *ctx, const struct store_row *row)
{
    struct buf doc = BUF_INIT, url = BUF_INIT;
    json_object *item, *src, *v, *w;
    size_t i = 0, k;
    int64_t created;

    buf_add(&doc, row->pre, row->pre_len);
    if (row->post) {
        buf_adds(&doc, BASE);
        buf_add(&doc, row->post, row->post_len);
    }
    FUZZ_CHECK(!buf_failed(&doc));
    /*
     * fuzz/crashes/fixtures-invalid-utf8 (fixed): what is served is valid
     * UTF-8 (the input as a whole need not be: a value replaced by a later
     * duplicate key, or meta, is not served).
     */
    FUZZ_CHECK(fuzz_utf8_valid(doc.data, doc.len));
    item = parse_strict(doc.data, doc.len, 64);
    FUZZ_CHECK(item != NULL && json_object_is_type(item, json_type_object));
    {
        json_object_object_foreach(item, key, val) {
            (void)val;
            FUZZ_CHECK(i < sizeof(item_keys) / sizeof(item_keys[0]));
            FUZZ_CHECK(strcmp(key, item_keys[i]) == 0);
            i++;
        }
    }
    FUZZ_CHECK(i == sizeof(item_keys) / sizeof(item_keys[0]));

    src = find_input(ctx->input, row->key.id, row->key.id_len);
    json_object_object_get_ex(item, "account_sid", &v);
    FUZZ_CHECK(strcmp(json_object_get_string(v),
                      ctx->fx->accts.accounts[ctx->acct].sid) == 0);
    if (json_object_object_get_ex(src, "account_sid", &w))
        FUZZ_CHECK(str_eq(v, w));
    else
        FUZZ_CHECK(ctx->acct == 0);
    for (k = 2; k < sizeof(item_keys) / sizeof(item_keys[0]); k++) {
        if (k == 6)
            continue; /* url */
        json_object_object_get_ex(item, item_keys[k], &v);
        FUZZ_CHECK(json_object_object_get_ex(src, item_keys[k], &w));
        FUZZ_CHECK(str_eq(v, w));
    }
    json_object_object_get_ex(item, "customer_ai", &v);
    json_object_object_get_ex(src, "customer_ai", &w);
    FUZZ_CHECK(json_object_equal(v, w));
    json_object_object_get_ex(item, "url", &v);
    if (json_object_object_get_ex(src, "url", &w) &&
        !json_object_is_type(w, json_type_null)) {
        FUZZ_CHECK(row->post == NULL);
        FUZZ_CHECK(str_eq(v, w));
    } else {
        FUZZ_CHECK(row->post != NULL);
        buf_adds(&url, BASE "/v1/Assistants/");
        for (k = 0; k < row->key.id_len; k++) {
            unsigned char c = (unsigned char)row->key.id[k];
            if (fuzz_is_token_char(c) || c == '.' || c == '~')
                buf_addc(&url, (char)c);
            else
                buf_addf(&url, "%%%02X", c);
        }
        FUZZ_CHECK(json_object_is_type(v, json_type_string) &&
                   (size_t)json_object_get_string_len(v) == url.len &&
                   memcmp(json_object_get_string(v), url.data, url.len) == 0);
    }
    json_object_object_get_ex(item, "id", &v);
    FUZZ_CHECK((size_t)json_object_get_string_len(v) == row->key.id_len &&
               memcmp(json_object_get_string(v), row->key.id,
                      row->key.id_len) == 0);
    json_object_object_get_ex(item, "date_created", &v);
    FUZZ_CHECK(util_parse_date(json_object_get_string(v),
                               (size_t)json_object_get_string_len(v),
                               &created) == 0 &&
               created == row->key.created);
    json_object_put(item);
    buf_release(&doc);
    buf_release(&url);
}

static int
on_row(void *arg, const struct store_row *row)
{
    struct list_ctx *ctx = arg;
    struct key_copy *k;

    FUZZ_CHECK(row->key.id != NULL && row->pre != NULL);
    if (ctx->n_keys) {
        k = &ctx->keys[ctx->n_keys - 1];
        FUZZ_CHECK(key_cmp(k->created, k->id, k->id_len, row->key.created,
                           row->key.id, row->key.id_len) < 0);
    }
    check_item(ctx, row);
    if (ctx->n_keys == ctx->cap) {
        ctx->cap = ctx->cap ? ctx->cap * 2 : 16;
        ctx->keys = realloc(ctx->keys, ctx->cap * sizeof(*ctx->keys));
        FUZZ_CHECK(ctx->keys != NULL);
    }
    k = &ctx->keys[ctx->n_keys++];
    k->created = row->key.created;
    k->id_len = row->key.id_len;
    k->id = fuzz_copy((const uint8_t *)row->key.id, row->key.id_len, 1);
    return 0;
}

/* Collects the keys of a paging walk. */
struct walk_ctx {
    const struct key_copy *want;
    size_t n_want;
    size_t at;     /* index of the next expected row */
    int step;      /* +1 after, -1 before */
    struct key_copy last;
    char last_id[FIXTURES_MAX_ID + 1];
};

static int
on_walk(void *arg, const struct store_row *row)
{
    struct walk_ctx *w = arg;
    const struct key_copy *k;

    FUZZ_CHECK(w->at < w->n_want);
    k = &w->want[w->at];
    FUZZ_CHECK(row->key.created == k->created &&
               row->key.id_len == k->id_len &&
               memcmp(row->key.id, k->id, k->id_len) == 0);
    FUZZ_CHECK(row->key.id_len <= FIXTURES_MAX_ID);
    memcpy(w->last_id, row->key.id, row->key.id_len);
    w->last.created = row->key.created;
    w->last.id = w->last_id;
    w->last.id_len = row->key.id_len;
    w->at += (size_t)w->step;
    return 0;
}

/* Pages through the account forwards then backwards, 2 rows at a time. */
static void
check_paging(struct store *st, int acct, const char *sid,
             const struct key_copy *keys, size_t n)
{
    struct walk_ctx w;
    struct paging_cursor cur;
    struct store_key key;
    char tok[PAGING_MAX_TOKEN + 1];
    size_t tn;
    long got;

    memset(&w, 0, sizeof(w));
    w.want = keys;
    w.n_want = n;
    w.step = 1;
    got = store_list(st, STORE_ASSISTANTS, acct, STORE_AFTER, NULL, 2,
                     on_walk, &w);
    while (got > 0) {
        /* Resume from a PageToken, as a client would. */
        key.created = w.last.created;
        key.id = w.last.id;
        key.id_len = w.last.id_len;
        tn = paging_token_encode('A', sid, "assistants", &key, tok);
        FUZZ_CHECK(paging_token_decode(tok, tn, sid, "assistants", &cur) == 0);
        got = store_list(st, STORE_ASSISTANTS, acct, STORE_AFTER, &cur.key, 2,
                         on_walk, &w);
    }
    FUZZ_CHECK(got == 0 && w.at == n);
    if (n == 0)
        return;
    /* Backwards from past the last row. */
    w.at = n - 1;
    w.step = -1;
    key.created = INT64_MAX;
    key.id = "";
    key.id_len = 0;
    got = store_list(st, STORE_ASSISTANTS, acct, STORE_BEFORE, &key, 2,
                     on_walk, &w);
    while (got > 0 && w.at != (size_t)-1) {
        key.created = w.last.created;
        key.id = w.last.id;
        key.id_len = w.last.id_len;
        got = store_list(st, STORE_ASSISTANTS, acct, STORE_BEFORE, &key, 2,
                         on_walk, &w);
    }
    FUZZ_CHECK(got >= 0 && w.at == (size_t)-1);
}

/* Length of the input's array at key (0 when absent). */
static size_t
input_count(json_object *input, const char *key)
{
    json_object *arr;

    if (!json_object_object_get_ex(input, key, &arr))
        return 0;
    FUZZ_CHECK(json_object_is_type(arr, json_type_array));
    return json_object_array_length(arr);
}

/*
 * True if the input has a null as a top-level value or as an element of
 * "accounts" or "assistants".
 */
static bool
has_null(json_object *input)
{
    static const char *const arrays[] = {"accounts", "assistants"};
    json_object *arr;
    size_t i, k;

    {
        json_object_object_foreach(input, key, val) {
            (void)key;
            if (val == NULL)
                return true;
        }
    }
    for (k = 0; k < 2; k++) {
        if (!json_object_object_get_ex(input, arrays[k], &arr) ||
            !json_object_is_type(arr, json_type_array))
            continue;
        for (i = 0; i < json_object_array_length(arr); i++)
            if (json_object_array_get_idx(arr, i) == NULL)
                return true;
    }
    return false;
}

/* Counts the credentials the input defines. */
static size_t
input_creds(json_object *input)
{
    json_object *accts, *a, *v;
    size_t i, n, count = 0;

    if (!json_object_object_get_ex(input, "accounts", &accts))
        return 0;
    n = json_object_array_length(accts);
    for (i = 0; i < n; i++) {
        a = json_object_array_get_idx(accts, i);
        if (json_object_object_get_ex(a, "auth_token", &v))
            count++;
        if (json_object_object_get_ex(a, "api_keys", &v))
            count += json_object_array_length(v);
    }
    return count;
}

static void
check_loaded(struct store *st, const struct fixtures *fx, const char *data,
             size_t size)
{
    struct list_ctx ctx;
    json_object *input;
    size_t a, i, skip = 0;
    long total = 0, n;

    FUZZ_CHECK(fx->n_errors == 0 && fx->errors.len == 0);
    if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        skip = 3;
    input = parse_strict(data + skip, size - skip, 64);
    FUZZ_CHECK(input != NULL && json_object_is_type(input, json_type_object));
    /* fuzz/crashes/fixtures-null-value (fixed): no null skipped. */
    FUZZ_CHECK(!has_null(input));
    /* Everything in the input was taken: nothing skipped silently. */
    FUZZ_CHECK(input_count(input, "accounts") == fx->accts.n_accounts);
    FUZZ_CHECK(input_count(input, "assistants") == (size_t)fx->n_assistants);
    FUZZ_CHECK(input_creds(input) == fx->accts.n_creds);
    for (i = 0; i < fx->accts.n_creds; i++) {
        FUZZ_CHECK(fx->accts.creds[i].acct >= 0 &&
                   (size_t)fx->accts.creds[i].acct < fx->accts.n_accounts);
        FUZZ_CHECK(fx->accts.creds[i].secret_len > 0 &&
                   strlen(fx->accts.creds[i].secret) <=
                       fx->accts.creds[i].secret_len);
        if (i > 0)
            FUZZ_CHECK(strcmp(fx->accts.creds[i - 1].sid,
                              fx->accts.creds[i].sid) <= 0);
    }
    for (a = 0; a < fx->accts.n_accounts; a++) {
        memset(&ctx, 0, sizeof(ctx));
        ctx.fx = fx;
        ctx.acct = (int)a;
        ctx.input = input;
        /* The store numbers accounts in load order: as their indexes. */
        FUZZ_CHECK(fx->accts.accounts[a].store_id == (int)a);
        n = store_list(st, STORE_ASSISTANTS, fx->accts.accounts[a].store_id,
                       STORE_AFTER, NULL, INT_MAX, on_row, &ctx);
        FUZZ_CHECK(n >= 0 && n == fx->accts.accounts[a].n_assistants);
        check_paging(st, fx->accts.accounts[a].store_id,
                     fx->accts.accounts[a].sid, ctx.keys, ctx.n_keys);
        total += n;
        for (i = 0; i < ctx.n_keys; i++)
            free(ctx.keys[i].id);
        free(ctx.keys);
    }
    FUZZ_CHECK(total == fx->n_assistants);
    json_object_put(input);
}

/* Valid UTF-8, no NUL, one problem per line (plus a summary line). */
static void
check_errors(const struct fixtures *fx)
{
    const unsigned char *p = (const unsigned char *)fx->errors.data;
    size_t i, lines = 0, want;

    FUZZ_CHECK(fx->n_errors > 0 && fx->errors.len > 0);
    FUZZ_CHECK(strlen(fx->errors.data) == fx->errors.len);
    FUZZ_CHECK(p[fx->errors.len - 1] == '\n');
    for (i = 0; i < fx->errors.len; i++) {
        if (p[i] == '\n')
            lines++;
    }
    want = fx->n_errors > FIXTURES_MAX_ERRORS ? FIXTURES_MAX_ERRORS + 1
                                              : fx->n_errors;
    FUZZ_CHECK(lines == want);
    {
        json_tokener *tok = json_tokener_new();
        json_object *o;
        struct buf b = BUF_INIT;

        /* A JSON string of the raw text checks its UTF-8. */
        buf_addc(&b, '"');
        for (i = 0; i < fx->errors.len; i++) {
            if (p[i] < 0x20 || p[i] == '"' || p[i] == '\\')
                buf_addf(&b, "\\u%04x", p[i]);
            else
                buf_addc(&b, (char)p[i]);
        }
        buf_addc(&b, '"');
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                        JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, b.data, (int)b.len);
        if (json_tokener_get_error(tok) != json_tokener_success)
            fprintf(stderr, "errors:\n%s", fx->errors.data);
        FUZZ_CHECK(json_tokener_get_error(tok) == json_tokener_success);
        json_object_put(o);
        json_tokener_free(tok);
        buf_release(&b);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fixtures_env env = {NULL, NULL, NULL, NULL};
    char *copy = fuzz_copy(data, size, 0);
    struct fixtures fx;
    struct store *st = store_open();
    int rc;

    FUZZ_CHECK(st != NULL);
    fixtures_init(&fx);
    rc = fixtures_load_buffer(&fx, st, "fuzz.json", copy, size, &env);
    if (rc == 0)
        check_loaded(st, &fx, copy, size);
    else
        check_errors(&fx);
    fixtures_release(&fx);
    store_close(st);
    free(copy);
    return 0;
}
