/*
 * crud.c - see crud.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "crud.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "list.h"
#include "pagecache.h"
#include "router.h"
#include "util.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
crud_write_init(struct crud_write *w)
{
    memset(w, 0, sizeof(*w));
    buf_init(&w->pre);
    buf_init(&w->post);
}

void
crud_write_release(struct crud_write *w)
{
    json_object_put(w->rec);
    json_object_put(w->secret);
    buf_release(&w->pre);
    buf_release(&w->post);
    crud_write_init(w);
}

bool
crud_bad_body(struct call *c, const struct resource *r, json_object *body,
              bool create, const char *prefix)
{
    char field[128], full[192];
    enum api_err e = resource_check_body(r, body, create, field,
                                         sizeof(field));

    if (e == API_OK)
        return false;
    if (prefix)
        snprintf(full, sizeof(full), "%s.%s", prefix, field);
    else
        snprintf(full, sizeof(full), "%s", field);
    call_error(c, e, full, NULL);
    return true;
}

int
crud_set_string(struct crud_write *w, const char *key, const char *v)
{
    json_object *s = json_object_new_string(v);

    if (s == NULL || json_object_object_add(w->rec, key, s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

int
crud_set_bool(struct crud_write *w, const char *key, bool v)
{
    json_object *b = json_object_new_boolean(v);

    if (b == NULL || json_object_object_add(w->rec, key, b) != 0) {
        json_object_put(b);
        return -1;
    }
    return 0;
}

int
crud_new(struct call *c, const struct resource *r, json_object *body,
         struct crud_write *w)
{
    int64_t now = clock_now();
    size_t n = strlen(r->id_prefix);

    w->rec = json_object_new_object();
    if (w->rec == NULL || n + 37 > sizeof(w->id))
        return -1;
    memcpy(w->id, r->id_prefix, n);
    ids_uuid7(w->id + n);
    util_format_date(now, w->date);
    w->it.created = now;
    w->it.id = w->id;
    w->it.id_len = strlen(w->id);
    if (resource_field(r, "account_sid") &&
        crud_set_string(w, "account_sid", c->account->sid) < 0)
        return -1;
    if (crud_set_string(w, "id", w->id) < 0 ||
        crud_set_string(w, "date_created", w->date) < 0 ||
        crud_set_string(w, "date_updated", w->date) < 0)
        return -1;
    return body ? resource_apply(r, w->rec, &w->secret, body, true) : 0;
}

int
crud_render(const struct resource *r, struct crud_write *w)
{
    buf_reset(&w->pre);
    buf_reset(&w->post);
    resource_render(r, w->rec, &w->pre, &w->post);
    if (buf_failed(&w->pre) || buf_failed(&w->post))
        return -1;
    w->it.pre = w->pre.data;
    w->it.pre_len = w->pre.len;
    w->it.post = w->post.len ? w->post.data : NULL;
    w->it.post_len = w->post.len;
    if (w->secret) {
        const char *s = json_object_to_json_string_ext(w->secret, JSON_FLAGS);
        w->it.secret = s;
        w->it.secret_len = strlen(s);
    } else {
        w->it.secret = NULL;
        w->it.secret_len = 0;
    }
    return 0;
}

int
crud_merge(const struct resource *r, const struct store_row *old,
           json_object *body, struct crud_write *w, struct store_item *item)
{
    json_object_put(w->rec);
    json_object_put(w->secret);
    w->rec = w->secret = NULL;
    if (resource_parse_row(old, &w->rec, &w->secret) < 0 ||
        (body && resource_apply(r, w->rec, &w->secret, body, false) < 0))
        return -1;
    util_format_date(clock_now(), w->date);
    if (crud_set_string(w, "date_updated", w->date) < 0 ||
        crud_render(r, w) < 0)
        return -1;
    *item = w->it;
    return 0;
}

void
crud_add_item(struct call *c, struct buf *out, const void *pre,
              size_t pre_len, const void *post, size_t post_len)
{
    buf_add(out, pre, pre_len);
    if (post) {
        buf_add(out, c->base, c->base_len);
        buf_add(out, post, post_len);
    }
}

struct append_ctx {
    struct call *c;
    struct buf *out;
    long n;
};

static int
on_append(void *arg, const struct store_row *row)
{
    struct append_ctx *a = arg;

    if (a->n++)
        buf_addc(a->out, ',');
    crud_add_item(a->c, a->out, row->pre, row->pre_len, row->post,
                  row->post_len);
    return 0;
}

int
crud_fetch(struct call *c, enum store_table t, const char *id,
           struct buf *out)
{
    struct append_ctx a = {c, out, 0};

    return store_get(c->app->store, t, c->acct, id, strlen(id), on_append,
                     &a);
}

int
crud_add_linked(struct call *c, enum store_table t, const char *owner,
                struct buf *out)
{
    struct append_ctx a = {c, out, 0};

    buf_addc(out, '[');
    if (store_list_linked(c->app->store, t, c->acct, owner, on_append, &a) <
        0)
        return -1;
    buf_addc(out, ']');
    return 0;
}

void
crud_answer(struct call *c, unsigned status, struct crud_write *w)
{
    c->rs->status = status;
    buf_reset(&c->rs->body);
    crud_add_item(c, &c->rs->body, w->it.pre, w->it.pre_len, w->it.post,
                  w->it.post_len);
}

static int
on_exists(void *arg, const struct store_row *row)
{
    (void)arg;
    (void)row;
    return 0;
}

int
crud_exists(struct call *c, enum store_table t, const char *id)
{
    int rc = store_get(c->app->store, t, c->acct, id, strlen(id), on_exists,
                       NULL);

    return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* Appends a tagged, length-prefixed field to the key k (cap bytes). */
static size_t
key_add(char *k, size_t o, size_t cap, char tag, const void *s, size_t n)
{
    if (o == (size_t)-1 || n + 1 + sizeof(n) > cap - o)
        return (size_t)-1;
    k[o++] = tag;
    memcpy(k + o, &n, sizeof(n));
    o += sizeof(n);
    memcpy(k + o, s, n);
    return o + n;
}

/*
 * The page cache's key of list l for the call and query q: everything its
 * bytes depend on. The rows come from the store (the generation covers
 * them); the rest is the table and filter (l), the account (its number and
 * SID: tokens are bound to the SID), the query as parsed (page, size,
 * token: the raw query's order, spelling and other parameters make no
 * difference), and the link base exactly as the router computed it (Host,
 * --public-url or the listener, and its scheme). The credential beyond its
 * account, the clock and the request id do not appear in a list page. Its
 * length, or 0 when it does not fit (then the page is not cached).
 */
static size_t
page_key(const struct call *c, const struct list_spec *l,
         const struct paging_query *q, char *k, size_t cap)
{
    long long nums[7];
    const char *a = l->where.a ? l->where.a : "";
    const char *b = l->where.b ? l->where.b : "";
    size_t o;

    nums[0] = (long long)l->table;
    nums[1] = c->acct;
    nums[2] = (long long)l->where.kind;
    nums[3] = (l->where.a != NULL) | (l->where.b != NULL) << 1;
    nums[4] = q->page;
    nums[5] = q->page_size;
    nums[6] = q->has_token;
    o = key_add(k, 0, cap, 'n', nums, sizeof(nums));
    o = key_add(k, o, cap, 's', c->account->sid, strlen(c->account->sid));
    o = key_add(k, o, cap, 'k', l->key, strlen(l->key));
    o = key_add(k, o, cap, 'p', l->scope, strlen(l->scope));
    o = key_add(k, o, cap, 'a', a, strlen(a));
    o = key_add(k, o, cap, 'b', b, strlen(b));
    o = key_add(k, o, cap, 'u', c->base, c->base_len);
    o = key_add(k, o, cap, 't', q->has_token ? q->token : "",
                q->has_token ? q->token_len : 0);
    return o == (size_t)-1 ? 0 : o;
}

/*
 * Answers c from the page cache when key (key_len bytes) is there at the
 * account's write generation, read here before any row: true then. Else
 * *gen is that generation, for crud_cache_keep.
 */
static bool
cache_answer(struct call *c, const char *key, size_t key_len, uint64_t *gen)
{
    struct pagecache *pc = c->app->pages;
    struct pagecache_entry *hit;

    *gen = 0;
    if (pc == NULL || key_len == 0)
        return false;
    /* Before the rows are read: a write from now on changes it. */
    *gen = store_generation(c->app->store, c->acct);
    hit = pagecache_get(pc, key, key_len, *gen);
    if (hit == NULL)
        return false;
    c->rs->shared = pagecache_data(hit, &c->rs->shared_len);
    c->rs->shared_ref = hit;
    c->rs->shared_release = pagecache_unref;
    return true;
}

/*
 * Keeps c's finished 200 body in the page cache under key at gen (from
 * the second time its key is asked for: pagecache_admit) and answers from
 * there. The page goes in a block of its own size (the render
 * buffer grew by doubling; kept as it is, its slack would stay behind in
 * the heap).
 */
static void
cache_keep(struct call *c, const char *key, size_t key_len, uint64_t gen)
{
    struct pagecache *pc = c->app->pages;
    struct pagecache_entry *hit;
    size_t len;
    char *data;

    if (pc == NULL || key_len == 0 || c->rs->status != 200 ||
        buf_failed(&c->rs->body) || !pagecache_admit(pc, key, key_len))
        return;
    len = c->rs->body.len;
    data = malloc(len ? len : 1);
    if (data == NULL)
        return; /* not cached: answered from the body as it is */
    memcpy(data, c->rs->body.data, len);
    hit = pagecache_put(pc, key, key_len, gen, data, len);
    if (hit == NULL) {
        free(data);
        return;
    }
    buf_release(&c->rs->body);
    c->rs->shared = data;
    c->rs->shared_len = len;
    c->rs->shared_ref = hit;
    c->rs->shared_release = pagecache_unref;
}

void
crud_list_page(struct call *c, const struct list_spec *l)
{
    struct paging_query q;
    enum api_err e = paging_parse_query(c->rq->query, c->rq->query_len, &q);
    char key[6144];
    size_t key_len = 0;
    uint64_t gen = 0;

    if (e == API_OK) {
        key_len = page_key(c, l, &q, key, sizeof(key));
        if (cache_answer(c, key, key_len, &gen))
            return;
    }
    if (e == API_OK &&
        buf_grow(&c->rs->body, 256 + (size_t)q.page_size * 600) < 0)
        e = API_ERR_INTERNAL;
    if (e == API_OK)
        e = list_page(c->app->store, l, c->acct, c->account->sid, &q,
                      c->base, c->base_len, &c->rs->body);
    if (e != API_OK) {
        call_error(c, e, NULL, NULL);
        return;
    }
    cache_keep(c, key, key_len, gen);
}

/*
 * The page cache's key of a fetch of id in table t: the table, the
 * account (number and SID), the id as the path gave it and the link base
 * (its items' urls). Tagged 'f' first, so never a list's key.
 */
static size_t
fetch_key(const struct call *c, enum store_table t, const char *id,
          size_t id_len, char *k, size_t cap)
{
    long long nums[2];
    size_t o;

    nums[0] = (long long)t;
    nums[1] = c->acct;
    o = key_add(k, 0, cap, 'f', nums, sizeof(nums));
    o = key_add(k, o, cap, 's', c->account->sid, strlen(c->account->sid));
    o = key_add(k, o, cap, 'i', id, id_len);
    o = key_add(k, o, cap, 'u', c->base, c->base_len);
    return o == (size_t)-1 ? 0 : o;
}

bool
crud_fetch_cached(struct call *c, enum store_table t, const char *id,
                  size_t id_len, struct crud_fetch *f)
{
    f->key_len = fetch_key(c, t, id, id_len, f->key, sizeof(f->key));
    return cache_answer(c, f->key, f->key_len, &f->gen);
}

void
crud_fetch_keep(struct call *c, const struct crud_fetch *f)
{
    cache_keep(c, f->key, f->key_len, f->gen);
}

void
crud_list_attached(struct call *c, enum store_table t, const char *key,
                   const char *path, const char *param)
{
    char value[ROUTER_MAX_PARAM + 1];
    struct list_spec l;
    int has = param ? list_query_param(c->rq->query, c->rq->query_len,
                                       param, value, sizeof(value))
                    : 0;

    if (has < 0 || list_spec_init(&l, t, key, path, has ? param : NULL,
                                  has ? value : NULL) < 0) {
        call_error(c, API_ERR_INVALID_PARAM, param, NULL);
        return;
    }
    if (has) {
        l.where.kind = STORE_ATTACHED_TO;
        l.where.a = value;
    }
    crud_list_page(c, &l);
}
