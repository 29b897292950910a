/*
 * test_store.c - unit tests of store.c: account numbering, the seeded load
 * and the list order, create / get / update / delete and their return
 * codes (another account's id is not found), reset of one account or all
 * (byte for byte), cursors across deletes, state files (new, reused,
 * garbage, another program's database, another schema version), and a
 * short run of reader and writer threads at once.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "store.h"
#include "unit.h"
#include "util.h"

#define T STORE_ASSISTANTS
#define SID_A "ACa11ce000000000000000000000000001"
#define SID_B "ACb0b00000000000000000000000000002"
#define SID_C "ACc0c00000000000000000000000000003"

/* ---- helpers ---- */

/* Appends one row as text: "created id pre|post|" (post "-" when NULL). */
static void
dump_row(struct buf *b, const struct store_row *r)
{
    buf_addf(b, "%lld %.*s %.*s|", (long long)r->key.created,
             (int)r->key.id_len, r->key.id, (int)r->pre_len,
             (const char *)r->pre);
    if (r->post)
        buf_add(b, r->post, r->post_len);
    else
        buf_addc(b, '-');
    buf_adds(b, "|\n");
}

static int
on_dump(void *ctx, const struct store_row *r)
{
    dump_row(ctx, r);
    return 0;
}

/* Every row of acct, in list order, as text (caller releases b). */
static void
dump(struct store *s, int acct, struct buf *b)
{
    buf_reset(b);
    assert_true(store_list(s, T, acct, STORE_AFTER, NULL, 100000, on_dump, b) >=
                0);
    if (b->data == NULL)
        buf_adds(b, "");
}

/* A copied key. */
struct saved {
    int64_t created;
    char id[64];
    size_t id_len;
};

/* The ids of a listing, space-separated. */
struct ids {
    struct buf b;
    long n;
    long stop_at; /* the callback returns 1 on this row (1-based); 0: never */
    struct saved last;
};

static int
on_id(void *ctx, const struct store_row *r)
{
    struct ids *x = ctx;

    x->n++;
    if (x->b.len)
        buf_addc(&x->b, ' ');
    buf_add(&x->b, r->key.id, r->key.id_len);
    assert_true(r->key.id_len < sizeof(x->last.id));
    x->last.created = r->key.created;
    memcpy(x->last.id, r->key.id, r->key.id_len);
    x->last.id[r->key.id_len] = '\0';
    x->last.id_len = r->key.id_len;
    return x->stop_at && x->n == x->stop_at;
}

/* Lists ids into x (reset first); returns store_list's value. */
static long
list_ids(struct store *s, int acct, enum store_dir dir,
         const struct store_key *key, int limit, struct ids *x)
{
    buf_reset(&x->b);
    buf_adds(&x->b, "");
    x->n = 0;
    return store_list(s, T, acct, dir, key, limit, on_id, x);
}

static void
check_ids(struct ids *x, const char *want)
{
    assert_string_equal(x->b.data, want);
}

/* Seeds one row (during a load). */
static void
seed(struct store *s, int acct, int64_t created, const char *id,
     const char *pre, const char *post)
{
    int df = -1, di = -1;

    assert_int_equal(store_insert(s, acct, created, id, strlen(id), pre,
                                  strlen(pre), post, post ? strlen(post) : 0, 0,
                                  0, &df, &di),
                     0);
}

static struct store_item
item(int64_t created, const char *id, const char *pre, const char *post,
     const char *secret)
{
    struct store_item it;

    memset(&it, 0, sizeof(it));
    it.created = created;
    it.id = id;
    it.id_len = strlen(id);
    it.pre = pre;
    it.pre_len = strlen(pre);
    it.post = post;
    it.post_len = post ? strlen(post) : 0;
    it.secret = secret;
    it.secret_len = secret ? strlen(secret) : 0;
    return it;
}

static int
create(struct store *s, int acct, int64_t created, const char *id,
       const char *pre, const char *post, const char *secret)
{
    struct store_item it = item(created, id, pre, post, secret);

    return store_create(s, T, acct, &it);
}

/* What an update callback sees and writes. */
struct upd {
    int calls;
    int ret;        /* returned by the callback */
    struct buf old; /* dump of the old row */
    struct buf old_secret;
    bool had_secret;
    const char *pre, *post, *secret; /* the new row */
};

static int
on_update(void *ctx, const struct store_row *old, struct store_item *it)
{
    struct upd *u = ctx;

    u->calls++;
    buf_reset(&u->old);
    dump_row(&u->old, old);
    buf_reset(&u->old_secret);
    u->had_secret = old->secret != NULL;
    if (old->secret)
        buf_add(&u->old_secret, old->secret, old->secret_len);
    /* The callback may fill the item even when it refuses. */
    it->pre = u->pre;
    it->pre_len = u->pre ? strlen(u->pre) : 0;
    it->post = u->post;
    it->post_len = u->post ? strlen(u->post) : 0;
    it->secret = u->secret;
    it->secret_len = u->secret ? strlen(u->secret) : 0;
    return u->ret;
}

static int
update(struct store *s, int acct, const char *id, struct upd *u)
{
    return store_update(s, T, acct, id, strlen(id), on_update, u);
}

static void
upd_release(struct upd *u)
{
    buf_release(&u->old);
    buf_release(&u->old_secret);
}

/* The stored secret of (acct, id), read through a refused update. */
static bool
secret_of(struct store *s, int acct, const char *id, struct buf *out)
{
    struct upd u;
    bool had;

    memset(&u, 0, sizeof(u));
    u.ret = 42;
    assert_int_equal(update(s, acct, id, &u), 42);
    buf_reset(out);
    buf_add(out, u.old_secret.data ? u.old_secret.data : "", u.old_secret.len);
    had = u.had_secret;
    upd_release(&u);
    return had;
}

static int
on_get(void *ctx, const struct store_row *r)
{
    struct buf *b = ctx;

    dump_row(b, r);
    /* Reads do not carry the write-only column. */
    assert_null(r->secret);
    return 0;
}

/* store_get into b (reset first); returns its value. */
static int
get(struct store *s, int acct, const char *id, struct buf *b)
{
    buf_reset(b);
    return store_get(s, T, acct, id, strlen(id), on_get, b);
}

/* An in-memory store with accounts A (0), B (1) and a few seeded rows. */
static struct store *
seeded(void)
{
    struct store *s = store_open();

    assert_non_null(s);
    assert_true(store_is_new(s));
    assert_int_equal(store_account(s, SID_A), 0);
    assert_int_equal(store_account(s, SID_B), 1);
    assert_int_equal(store_load_begin(s), 0);
    seed(s, 0, 300, "aia_asst_c", "{\"c\":\"", "/c\"}");
    seed(s, 0, 100, "aia_asst_b", "{\"b\":\"", "/b\"}");
    seed(s, 0, 100, "aia_asst_a", "{\"a\":\"fixed\"}", NULL);
    seed(s, 0, 200, "aia_asst_d", "{\"d\":\"", "/d\"}");
    seed(s, 1, 150, "aia_asst_x", "{\"x\":\"", "/x\"}");
    assert_int_equal(store_load_end(s), 0);
    return s;
}

/* ---- accounts ---- */

static void
test_account_numbering(void **state)
{
    struct store *s = store_open();

    (void)state;
    assert_non_null(s);
    /* Numbered 0, 1, ... in the order first asked for. */
    assert_int_equal(store_account(s, SID_B), 0);
    assert_int_equal(store_account(s, SID_A), 1);
    assert_int_equal(store_account(s, SID_B), 0);
    assert_int_equal(store_account(s, SID_C), 2);
    assert_int_equal(store_account(s, SID_A), 1);
    assert_int_equal(store_account(s, SID_C), 2);
    store_close(s);
    /* Each store numbers its own. */
    s = store_open();
    assert_non_null(s);
    assert_int_equal(store_account(s, SID_C), 0);
    store_close(s);
    store_close(NULL);
}

/* ---- load and list ---- */

static void
test_load_and_list(void **state)
{
    struct store *s = seeded();
    struct ids x = {BUF_INIT, 0, 0, {0, "", 0}};
    struct store_key k;

    (void)state;
    assert_int_equal(store_count(s, T, 0), 4);
    assert_int_equal(store_count(s, T, 1), 1);
    assert_int_equal(store_count(s, T, 2), 0);
    assert_int_equal(store_count(s, T, -1), 0);
    /* (created, id) order, whatever the load order. */
    assert_int_equal(list_ids(s, 0, STORE_AFTER, NULL, 100, &x), 4);
    check_ids(&x, "aia_asst_a aia_asst_b aia_asst_d aia_asst_c");
    assert_int_equal(list_ids(s, 1, STORE_AFTER, NULL, 100, &x), 1);
    check_ids(&x, "aia_asst_x");
    assert_int_equal(list_ids(s, 2, STORE_AFTER, NULL, 100, &x), 0);
    check_ids(&x, "");
    /* A limit. */
    assert_int_equal(list_ids(s, 0, STORE_AFTER, NULL, 2, &x), 2);
    check_ids(&x, "aia_asst_a aia_asst_b");
    /* After and before a key, which need not be a row's. */
    k.created = 100;
    k.id = "aia_asst_a";
    k.id_len = 10;
    assert_int_equal(list_ids(s, 0, STORE_AFTER, &k, 100, &x), 3);
    check_ids(&x, "aia_asst_b aia_asst_d aia_asst_c");
    k.created = 200;
    k.id = "aia_asst_d";
    assert_int_equal(list_ids(s, 0, STORE_BEFORE, &k, 100, &x), 2);
    check_ids(&x, "aia_asst_b aia_asst_a");
    assert_int_equal(list_ids(s, 0, STORE_BEFORE, &k, 1, &x), 1);
    check_ids(&x, "aia_asst_b");
    k.created = 150;
    k.id = "zzz";
    k.id_len = 3;
    assert_int_equal(list_ids(s, 0, STORE_AFTER, &k, 100, &x), 2);
    check_ids(&x, "aia_asst_d aia_asst_c");
    assert_int_equal(list_ids(s, 0, STORE_BEFORE, &k, 100, &x), 2);
    check_ids(&x, "aia_asst_b aia_asst_a");
    k.created = 0;
    k.id = "";
    k.id_len = 0;
    assert_int_equal(list_ids(s, 0, STORE_BEFORE, &k, 100, &x), 0);
    k.created = 300;
    k.id = "aia_asst_c";
    k.id_len = 10;
    assert_int_equal(list_ids(s, 0, STORE_AFTER, &k, 100, &x), 0);
    /* Another account's key does not leak its rows. */
    assert_int_equal(list_ids(s, 1, STORE_AFTER, &k, 100, &x), 0);
    /* The callback stops the scan; the stopping row is counted. */
    x.stop_at = 2;
    assert_int_equal(list_ids(s, 0, STORE_AFTER, NULL, 100, &x), 2);
    check_ids(&x, "aia_asst_a aia_asst_b");
    x.stop_at = 0;
    /* The bytes as loaded: pre, post, NULL post for a fixed url. */
    {
        struct buf b = BUF_INIT;
        dump(s, 0, &b);
        assert_string_equal(b.data, "100 aia_asst_a {\"a\":\"fixed\"}|-|\n"
                                    "100 aia_asst_b {\"b\":\"|/b\"}|\n"
                                    "200 aia_asst_d {\"d\":\"|/d\"}|\n"
                                    "300 aia_asst_c {\"c\":\"|/c\"}|\n");
        buf_release(&b);
    }
    buf_release(&x.b);
    store_close(s);
}

/* ---- create, get, update, delete ---- */

static void
test_get(void **state)
{
    struct store *s = seeded();
    struct buf b = BUF_INIT;

    (void)state;
    assert_int_equal(get(s, 0, "aia_asst_b", &b), 0);
    assert_string_equal(b.data, "100 aia_asst_b {\"b\":\"|/b\"}|\n");
    assert_int_equal(get(s, 0, "aia_asst_a", &b), 0);
    assert_string_equal(b.data, "100 aia_asst_a {\"a\":\"fixed\"}|-|\n");
    /* Another account's id, an unknown id, a prefix of an id: not found. */
    assert_int_equal(get(s, 1, "aia_asst_b", &b), 1);
    assert_int_equal(b.len, 0);
    assert_int_equal(get(s, 0, "aia_asst_x", &b), 1);
    assert_int_equal(get(s, 0, "aia_asst_z", &b), 1);
    assert_int_equal(get(s, 0, "aia_asst_", &b), 1);
    assert_int_equal(get(s, 0, "", &b), 1);
    assert_int_equal(get(s, 7, "aia_asst_b", &b), 1);
    /* Only id_len bytes of the id count. */
    buf_reset(&b);
    assert_int_equal(store_get(s, T, 0, "aia_asst_bXYZ", 10, on_get, &b), 0);
    assert_string_equal(b.data, "100 aia_asst_b {\"b\":\"|/b\"}|\n");
    buf_release(&b);
    store_close(s);
}

static void
test_create(void **state)
{
    struct store *s = seeded();
    struct ids x = {BUF_INIT, 0, 0, {0, "", 0}};
    struct buf b = BUF_INIT;

    (void)state;
    assert_int_equal(create(s, 0, 150, "aia_asst_n", "{\"n\":\"", "/n\"}",
                            "{\"write_key\":\"w\"}"),
                     0);
    /* Read at once, by this thread, in its place in the order. */
    assert_int_equal(store_count(s, T, 0), 5);
    assert_int_equal(list_ids(s, 0, STORE_AFTER, NULL, 100, &x), 5);
    check_ids(&x, "aia_asst_a aia_asst_b aia_asst_n aia_asst_d aia_asst_c");
    assert_int_equal(get(s, 0, "aia_asst_n", &b), 0);
    assert_string_equal(b.data, "150 aia_asst_n {\"n\":\"|/n\"}|\n");
    assert_true(secret_of(s, 0, "aia_asst_n", &b));
    assert_string_equal(b.data, "{\"write_key\":\"w\"}");
    /* A fixed url (no post) and no secret. */
    assert_int_equal(create(s, 1, 10, "aia_asst_f", "{\"f\":1}", NULL, NULL),
                     0);
    assert_int_equal(get(s, 1, "aia_asst_f", &b), 0);
    assert_string_equal(b.data, "10 aia_asst_f {\"f\":1}|-|\n");
    assert_false(secret_of(s, 1, "aia_asst_f", &b));
    /* An id taken, in this account or another: 1, nothing changed. */
    assert_int_equal(create(s, 0, 999, "aia_asst_n", "{", "}", NULL), 1);
    assert_int_equal(create(s, 1, 999, "aia_asst_n", "{", "}", NULL), 1);
    assert_int_equal(create(s, 1, 100, "aia_asst_b", "{", "}", NULL), 1);
    assert_int_equal(store_count(s, T, 0), 5);
    assert_int_equal(store_count(s, T, 1), 2);
    assert_int_equal(get(s, 0, "aia_asst_n", &b), 0);
    assert_string_equal(b.data, "150 aia_asst_n {\"n\":\"|/n\"}|\n");
    /* The other account does not see it. */
    assert_int_equal(get(s, 1, "aia_asst_n", &b), 1);
    buf_release(&b);
    buf_release(&x.b);
    store_close(s);
}

static void
test_update(void **state)
{
    struct store *s = seeded();
    struct ids x = {BUF_INIT, 0, 0, {0, "", 0}};
    struct buf b = BUF_INIT;
    struct upd u;

    (void)state;
    memset(&u, 0, sizeof(u));
    /* The callback sees the current row and its secret. */
    u.pre = "{\"b2\":\"";
    u.post = "/b2\"}";
    u.secret = "{\"s\":1}";
    assert_int_equal(update(s, 0, "aia_asst_b", &u), 0);
    assert_int_equal(u.calls, 1);
    assert_string_equal(u.old.data, "100 aia_asst_b {\"b\":\"|/b\"}|\n");
    assert_false(u.had_secret);
    /* The key never changes: same created, same place. */
    assert_int_equal(get(s, 0, "aia_asst_b", &b), 0);
    assert_string_equal(b.data, "100 aia_asst_b {\"b2\":\"|/b2\"}|\n");
    assert_true(secret_of(s, 0, "aia_asst_b", &b));
    assert_string_equal(b.data, "{\"s\":1}");
    assert_int_equal(list_ids(s, 0, STORE_AFTER, NULL, 100, &x), 4);
    check_ids(&x, "aia_asst_a aia_asst_b aia_asst_d aia_asst_c");
    /* Derived url to fixed, and the secret dropped. */
    u.pre = "{\"b3\":1}";
    u.post = NULL;
    u.secret = NULL;
    assert_int_equal(update(s, 0, "aia_asst_b", &u), 0);
    assert_true(u.had_secret);
    assert_string_equal(u.old_secret.data, "{\"s\":1}");
    assert_int_equal(get(s, 0, "aia_asst_b", &b), 0);
    assert_string_equal(b.data, "100 aia_asst_b {\"b3\":1}|-|\n");
    assert_false(secret_of(s, 0, "aia_asst_b", &b));

    /* Another account's id, or none: 1 and the callback is not called. */
    u.calls = 0;
    assert_int_equal(update(s, 1, "aia_asst_b", &u), 1);
    assert_int_equal(update(s, 0, "aia_asst_x", &u), 1);
    assert_int_equal(update(s, 0, "nope", &u), 1);
    assert_int_equal(u.calls, 0);

    /* A callback's non-zero value is returned and leaves the row. */
    u.pre = "{\"never\":\"";
    u.post = "/never\"}";
    u.secret = "{\"never\":1}";
    u.ret = 7;
    assert_int_equal(update(s, 0, "aia_asst_d", &u), 7);
    assert_int_equal(u.calls, 1);
    u.ret = -1;
    assert_int_equal(update(s, 0, "aia_asst_d", &u), -1);
    u.ret = 1;
    assert_int_equal(update(s, 0, "aia_asst_d", &u), 1);
    assert_int_equal(get(s, 0, "aia_asst_d", &b), 0);
    assert_string_equal(b.data, "200 aia_asst_d {\"d\":\"|/d\"}|\n");
    assert_false(secret_of(s, 0, "aia_asst_d", &b));
    /* The store still works after refused updates (no transaction left). */
    u.ret = 0;
    u.pre = "{\"d2\":\"";
    u.post = "/d2\"}";
    u.secret = NULL;
    assert_int_equal(update(s, 0, "aia_asst_d", &u), 0);
    assert_int_equal(get(s, 0, "aia_asst_d", &b), 0);
    assert_string_equal(b.data, "200 aia_asst_d {\"d2\":\"|/d2\"}|\n");
    assert_int_equal(create(s, 0, 1, "aia_asst_new", "{", "}", NULL), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_new", 12), 0);
    assert_int_equal(store_count(s, T, 0), 4);
    upd_release(&u);
    buf_release(&b);
    buf_release(&x.b);
    store_close(s);
}

static void
test_delete(void **state)
{
    struct store *s = seeded();
    struct ids x = {BUF_INIT, 0, 0, {0, "", 0}};
    struct buf b = BUF_INIT;

    (void)state;
    /* Another account's id: not found, and the row stays. */
    assert_int_equal(store_delete(s, T, 1, "aia_asst_b", 10), 1);
    assert_int_equal(get(s, 0, "aia_asst_b", &b), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_b", 10), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_b", 10), 1);
    assert_int_equal(get(s, 0, "aia_asst_b", &b), 1);
    assert_int_equal(store_delete(s, T, 0, "nope", 4), 1);
    assert_int_equal(store_delete(s, T, 0, "", 0), 1);
    assert_int_equal(store_count(s, T, 0), 3);
    assert_int_equal(list_ids(s, 0, STORE_AFTER, NULL, 100, &x), 3);
    check_ids(&x, "aia_asst_a aia_asst_d aia_asst_c");
    /* A created row, deleted; its id can be created again. */
    assert_int_equal(create(s, 1, 5, "aia_asst_n", "{", "}", NULL), 0);
    assert_int_equal(store_delete(s, T, 1, "aia_asst_n", 10), 0);
    assert_int_equal(create(s, 0, 5, "aia_asst_n", "{", "}", NULL), 0);
    /* And a deleted seeded id too. */
    assert_int_equal(create(s, 0, 7, "aia_asst_b", "{again", "}", NULL), 0);
    assert_int_equal(get(s, 0, "aia_asst_b", &b), 0);
    assert_string_equal(b.data, "7 aia_asst_b {again|}|\n");
    buf_release(&b);
    buf_release(&x.b);
    store_close(s);
}

/* ---- reset ---- */

/* Changes every kind of row of both accounts. */
static void
mess_up(struct store *s)
{
    struct upd u;

    memset(&u, 0, sizeof(u));
    u.pre = "{\"changed\":\"";
    u.post = "/changed\"}";
    u.secret = "{\"k\":\"v\"}";
    /* Account 0: create, update twice, delete, update-then-delete. */
    assert_int_equal(
        create(s, 0, 50, "aia_asst_n1", "{\"n1\":1}", NULL, "{\"w\":1}"), 0);
    assert_int_equal(update(s, 0, "aia_asst_a", &u), 0);
    assert_int_equal(update(s, 0, "aia_asst_a", &u), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_b", 10), 0);
    assert_int_equal(update(s, 0, "aia_asst_c", &u), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_c", 10), 0);
    /* A created row updated, and one deleted. */
    assert_int_equal(update(s, 0, "aia_asst_n1", &u), 0);
    assert_int_equal(create(s, 0, 60, "aia_asst_n2", "{", "}", NULL), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_n2", 11), 0);
    /* Account 1. */
    assert_int_equal(create(s, 1, 70, "aia_asst_m1", "{\"m1\":1}", NULL, NULL),
                     0);
    assert_int_equal(update(s, 1, "aia_asst_x", &u), 0);
    upd_release(&u);
}

static void
test_reset(void **state)
{
    struct store *s = seeded();
    struct buf seed0 = BUF_INIT, seed1 = BUF_INIT, b = BUF_INIT,
               after1 = BUF_INIT;
    int round;

    (void)state;
    dump(s, 0, &seed0);
    dump(s, 1, &seed1);
    for (round = 0; round < 2; round++) {
        mess_up(s);
        dump(s, 0, &b);
        assert_string_not_equal(b.data, seed0.data);
        dump(s, 1, &after1);
        assert_string_not_equal(after1.data, seed1.data);

        /* One account: back exactly; the other untouched. */
        assert_int_equal(store_reset(s, 0), 0);
        dump(s, 0, &b);
        assert_string_equal(b.data, seed0.data);
        assert_int_equal(store_count(s, T, 0), 4);
        assert_false(secret_of(s, 0, "aia_asst_a", &b));
        assert_int_equal(get(s, 0, "aia_asst_n1", &b), 1);
        dump(s, 1, &b);
        assert_string_equal(b.data, after1.data);
        assert_true(secret_of(s, 1, "aia_asst_x", &b));
        /* Twice is the same. */
        assert_int_equal(store_reset(s, 0), 0);
        dump(s, 0, &b);
        assert_string_equal(b.data, seed0.data);
        /* Then the other one. */
        assert_int_equal(store_reset(s, 1), 0);
        dump(s, 1, &b);
        assert_string_equal(b.data, seed1.data);
        dump(s, 0, &b);
        assert_string_equal(b.data, seed0.data);

        /* Everything. */
        mess_up(s);
        assert_int_equal(store_reset(s, -1), 0);
        dump(s, 0, &b);
        assert_string_equal(b.data, seed0.data);
        dump(s, 1, &b);
        assert_string_equal(b.data, seed1.data);
        assert_false(secret_of(s, 1, "aia_asst_x", &b));
        assert_int_equal(get(s, 1, "aia_asst_m1", &b), 1);
        /* A reset of an account with no changes, or no rows. */
        assert_int_equal(store_reset(s, 1), 0);
        assert_int_equal(store_reset(s, 5), 0);
        dump(s, 1, &b);
        assert_string_equal(b.data, seed1.data);
    }
    buf_release(&seed0);
    buf_release(&seed1);
    buf_release(&b);
    buf_release(&after1);
    store_close(s);
}

/*
 * A deleted seeded id created again in the same account does not block the
 * reset of that account. In another account it does (ids are unique across
 * accounts, and the seeded row cannot come back beside it): the reset then
 * fails as one transaction, changing nothing. The API never creates such an
 * id (it makes fresh UUIDv7s), so only direct store_create calls get there.
 */
static void
test_reset_reused_id(void **state)
{
    struct store *s = seeded();
    struct buf seed0 = BUF_INIT, b0 = BUF_INIT, b1 = BUF_INIT, b = BUF_INIT;

    (void)state;
    dump(s, 0, &seed0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_b", 10), 0);
    assert_int_equal(create(s, 0, 1, "aia_asst_b", "{same}", NULL, NULL), 0);
    assert_int_equal(store_reset(s, 0), 0);
    dump(s, 0, &b);
    assert_string_equal(b.data, seed0.data);

    assert_int_equal(store_delete(s, T, 0, "aia_asst_b", 10), 0);
    assert_int_equal(create(s, 1, 1, "aia_asst_b", "{other}", NULL, NULL), 0);
    dump(s, 0, &b0);
    dump(s, 1, &b1);
    assert_int_equal(store_reset(s, 0), -1);
    dump(s, 0, &b);
    assert_string_equal(b.data, b0.data);
    dump(s, 1, &b);
    assert_string_equal(b.data, b1.data);
    /* Resetting everything drops the other row first: fine. */
    assert_int_equal(store_reset(s, -1), 0);
    dump(s, 0, &b);
    assert_string_equal(b.data, seed0.data);
    assert_int_equal(get(s, 1, "aia_asst_b", &b), 1);
    buf_release(&seed0);
    buf_release(&b0);
    buf_release(&b1);
    buf_release(&b);
    store_close(s);
}

/* ---- cursors ---- */

static void
test_cursor_after_deletes(void **state)
{
    struct store *s = store_open();
    struct ids x = {BUF_INIT, 0, 0, {0, "", 0}};
    struct store_key k;
    char id[32];
    int i;

    (void)state;
    assert_non_null(s);
    assert_int_equal(store_load_begin(s), 0);
    for (i = 0; i < 10; i++) {
        snprintf(id, sizeof(id), "aia_asst_%02d", i);
        seed(s, 0, 1000 + i / 2, id, "{", "}");
    }
    assert_int_equal(store_load_end(s), 0);
    /* Page 1. */
    assert_int_equal(list_ids(s, 0, STORE_AFTER, NULL, 3, &x), 3);
    check_ids(&x, "aia_asst_00 aia_asst_01 aia_asst_02");
    /* The page's last row, and the next one, go away: the cursor holds. */
    assert_int_equal(store_delete(s, T, 0, "aia_asst_02", 11), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_03", 11), 0);
    k.created = x.last.created;
    k.id = x.last.id;
    k.id_len = x.last.id_len;
    {
        struct ids y = {BUF_INIT, 0, 0, {0, "", 0}};
        assert_int_equal(list_ids(s, 0, STORE_AFTER, &k, 3, &y), 3);
        check_ids(&y, "aia_asst_04 aia_asst_05 aia_asst_06");
        /* Back from there: the rows before the deleted key. */
        k.created = 1002;
        k.id = "aia_asst_04";
        k.id_len = 11;
        assert_int_equal(list_ids(s, 0, STORE_BEFORE, &k, 3, &y), 2);
        check_ids(&y, "aia_asst_01 aia_asst_00");
        /* A row created before the cursor is not seen going forward. */
        assert_int_equal(create(s, 0, 1000, "aia_asst_00a", "{", "}", NULL), 0);
        k.created = 1002;
        k.id = "aia_asst_04";
        assert_int_equal(list_ids(s, 0, STORE_AFTER, &k, 100, &y), 5);
        check_ids(&y, "aia_asst_05 aia_asst_06 aia_asst_07 aia_asst_08 "
                      "aia_asst_09");
        assert_int_equal(list_ids(s, 0, STORE_BEFORE, &k, 100, &y), 3);
        check_ids(&y, "aia_asst_01 aia_asst_00a aia_asst_00");
        buf_release(&y.b);
    }
    buf_release(&x.b);
    store_close(s);
}

/* ---- state files ---- */

static int
make_tmpdir(void **state)
{
    char *dir = strdup("/tmp/test_store.XXXXXX");

    if (dir == NULL || mkdtemp(dir) == NULL)
        return -1;
    *state = dir;
    return 0;
}

static int
drop_tmpdir(void **state)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
    if (system(cmd) != 0)
        return -1;
    free(*state);
    return 0;
}

static void
write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Runs sql on the SQLite database at path (created if needed). */
static void
sql_on(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
test_file_new_and_reused(void **state)
{
    const char *dir = *state;
    char path[256], err[256];
    struct buf first = BUF_INIT, b = BUF_INIT;
    struct store *s;
    int df = -1, di = -1;

    snprintf(path, sizeof(path), "%s/state.db", dir);
    err[0] = '\0';
    s = store_open_file(path, err, sizeof(err));
    assert_non_null(s);
    assert_true(store_is_new(s));
    assert_int_equal(store_account(s, SID_A), 0);
    assert_int_equal(store_account(s, SID_B), 1);
    assert_int_equal(store_load_begin(s), 0);
    seed(s, 0, 100, "aia_asst_a", "{\"a\":\"", "/a\"}");
    seed(s, 0, 200, "aia_asst_b", "{\"b\":1}", NULL);
    seed(s, 1, 300, "aia_asst_x", "{\"x\":\"", "/x\"}");
    assert_int_equal(store_load_end(s), 0);
    assert_int_equal(
        create(s, 0, 150, "aia_asst_n", "{\"n\":\"", "/n\"}", "{\"w\":1}"), 0);
    assert_int_equal(store_delete(s, T, 0, "aia_asst_b", 10), 0);
    dump(s, 0, &first);
    assert_string_equal(first.data, "100 aia_asst_a {\"a\":\"|/a\"}|\n"
                                    "150 aia_asst_n {\"n\":\"|/n\"}|\n");
    store_close(s);

    /* Reused: not new, the rows as they were, the same account numbers. */
    s = store_open_file(path, err, sizeof(err));
    assert_non_null(s);
    assert_false(store_is_new(s));
    assert_int_equal(store_account(s, SID_B), 1);
    assert_int_equal(store_account(s, SID_A), 0);
    assert_int_equal(store_account(s, SID_C), 2);
    /* Seeding a reused state does nothing. */
    assert_int_equal(store_load_begin(s), 0);
    assert_int_equal(store_insert(s, 0, 1, "aia_asst_z", 10, "{z}", 3, NULL, 0,
                                  0, 0, &df, &di),
                     0);
    assert_int_equal(store_insert(s, 0, 1, "aia_asst_a", 10, "{dup}", 5, NULL,
                                  0, 0, 0, &df, &di),
                     0);
    assert_int_equal(store_load_end(s), 0);
    dump(s, 0, &b);
    assert_string_equal(b.data, first.data);
    assert_true(secret_of(s, 0, "aia_asst_n", &b));
    assert_string_equal(b.data, "{\"w\":1}");
    assert_int_equal(store_count(s, T, 1), 1);
    /* The seeded state survives too: a reset restores it. */
    assert_int_equal(store_reset(s, -1), 0);
    dump(s, 0, &b);
    assert_string_equal(b.data, "100 aia_asst_a {\"a\":\"|/a\"}|\n"
                                "200 aia_asst_b {\"b\":1}|-|\n");
    store_close(s);
    /* And that reset was written to the file. */
    s = store_open_file(path, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(store_load_begin(s), 0);
    assert_int_equal(store_load_end(s), 0);
    dump(s, 0, &b);
    assert_string_equal(b.data, "100 aia_asst_a {\"a\":\"|/a\"}|\n"
                                "200 aia_asst_b {\"b\":1}|-|\n");
    store_close(s);
    buf_release(&first);
    buf_release(&b);
}

/* Opening path must fail with a message containing want. */
static void
open_fails(const char *path, const char *want)
{
    char err[512];
    struct store *s;

    memset(err, 0, sizeof(err));
    s = store_open_file(path, err, sizeof(err));
    if (s != NULL || err[0] == '\0' || strstr(err, want) == NULL) {
        print_error("%s: got %p, \"%s\", want \"%s\"\n", path, (void *)s, err,
                    want);
        store_close(s);
        fail();
    }
}

static void
test_file_refused(void **state)
{
    const char *dir = *state;
    char path[256], err[64];
    struct buf junk = BUF_INIT;
    struct store *s;
    int i;

    /* Garbage. */
    for (i = 0; i < 1000; i++)
        buf_adds(&junk, "this is not a database. ");
    snprintf(path, sizeof(path), "%s/garbage.db", dir);
    write_file(path, junk.data, junk.len);
    open_fails(path, "not an assistants-mock state file");
    /* A SQLite header and garbage after it. */
    snprintf(path, sizeof(path), "%s/header.db", dir);
    memcpy(junk.data, "SQLite format 3\0", 16);
    write_file(path, junk.data, junk.len);
    open_fails(path, "not an assistants-mock state file");
    buf_release(&junk);
    /* Another program's database. */
    snprintf(path, sizeof(path), "%s/foreign.db", dir);
    sql_on(path, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    open_fails(path, "another program's SQLite database");
    /* Even with our schema version but no application id. */
    snprintf(path, sizeof(path), "%s/foreign2.db", dir);
    sql_on(path, "PRAGMA user_version = 2");
    open_fails(path, "another program's SQLite database");
    /* Ours, another schema version. */
    snprintf(path, sizeof(path), "%s/old.db", dir);
    s = store_open_file(path, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(store_load_begin(s), 0);
    assert_int_equal(store_load_end(s), 0);
    store_close(s);
    sql_on(path, "PRAGMA user_version = 1");
    open_fails(path, "state schema version 1, this build uses 3");
    sql_on(path, "PRAGMA user_version = 99");
    open_fails(path, "state schema version 99");
    /* Not a regular file, and a directory that does not exist. */
    open_fails(dir, "not a regular file");
    snprintf(path, sizeof(path), "%s/no/such/dir/state.db", dir);
    open_fails(path, "");
    /* A path too long. */
    {
        char *p = malloc(5000);
        assert_non_null(p);
        memset(p, 'a', 4999);
        p[0] = '/';
        p[4999] = '\0';
        open_fails(p, "path too long");
        free(p);
    }
    /* A message is cut to the room given. */
    snprintf(path, sizeof(path), "%s/foreign.db", dir);
    memset(err, 'x', sizeof(err));
    assert_null(store_open_file(path, err, 8));
    assert_int_equal(strlen(err), 7);
}

/* An empty file (as touch makes it) is a new state. */
static void
test_file_empty(void **state)
{
    const char *dir = *state;
    char path[256], err[256];
    struct store *s;

    snprintf(path, sizeof(path), "%s/empty.db", dir);
    write_file(path, "", 0);
    s = store_open_file(path, err, sizeof(err));
    assert_non_null(s);
    assert_true(store_is_new(s));
    assert_int_equal(store_account(s, SID_A), 0);
    assert_int_equal(store_load_begin(s), 0);
    seed(s, 0, 1, "aia_asst_1", "{", "}");
    assert_int_equal(store_load_end(s), 0);
    assert_int_equal(store_count(s, T, 0), 1);
    store_close(s);
}

/* ---- threads ---- */

#define RUN_NS 1000000000ULL

struct shared {
    struct store *s;
    atomic_bool stop;
    atomic_long errors;
    atomic_long lists, writes;
};

struct order {
    struct saved prev;
    bool any;
    long n;
    bool sorted;
};

static int
on_order(void *ctx, const struct store_row *r)
{
    struct order *o = ctx;
    int c;

    if (o->any) {
        c = r->key.created < o->prev.created   ? -1
            : r->key.created > o->prev.created ? 1
                                               : 0;
        if (c == 0) {
            size_t n =
                r->key.id_len < o->prev.id_len ? r->key.id_len : o->prev.id_len;
            c = memcmp(r->key.id, o->prev.id, n);
            if (c == 0)
                c = r->key.id_len < o->prev.id_len   ? -1
                    : r->key.id_len > o->prev.id_len ? 1
                                                     : 0;
        }
        if (c <= 0)
            o->sorted = false;
    }
    if (r->key.id_len >= sizeof(o->prev.id) || r->pre_len == 0) {
        o->sorted = false;
        return 1;
    }
    o->prev.created = r->key.created;
    memcpy(o->prev.id, r->key.id, r->key.id_len);
    o->prev.id_len = r->key.id_len;
    o->any = true;
    o->n++;
    return 0;
}

static int
on_dump_discard(void *ctx, const struct store_row *r)
{
    (void)ctx;
    return r->pre_len == 0;
}

static void *
reader_main(void *arg)
{
    struct shared *sh = arg;

    while (!atomic_load(&sh->stop)) {
        struct order o;
        long n;

        memset(&o, 0, sizeof(o));
        o.sorted = true;
        n = store_list(sh->s, T, 0, STORE_AFTER, NULL, 100000, on_order, &o);
        if (n < 0 || !o.sorted || n != o.n)
            atomic_fetch_add(&sh->errors, 1);
        /* The seeded rows are never written by the writers. */
        if (store_count(sh->s, T, 0) < 4 ||
            store_get(sh->s, T, 0, "aia_asst_a", 10, on_dump_discard, NULL) !=
                0)
            atomic_fetch_add(&sh->errors, 1);
        atomic_fetch_add(&sh->lists, 1);
    }
    return NULL;
}

struct writer {
    struct shared *sh;
    int no;
};

static int
on_upd_simple(void *ctx, const struct store_row *old, struct store_item *it)
{
    (void)old;
    it->pre = ctx;
    it->pre_len = strlen(ctx);
    it->post = "}";
    it->post_len = 1;
    return 0;
}

static void *
writer_main(void *arg)
{
    struct writer *w = arg;
    struct shared *sh = w->sh;
    char id[64];
    long i = 0;

    while (!atomic_load(&sh->stop)) {
        struct store_item it;
        snprintf(id, sizeof(id), "aia_asst_w%d_%06ld", w->no, i);
        it = item(500 + i % 7, id, "{\"w\":\"", "\"}", NULL);
        if (store_create(sh->s, T, 0, &it) != 0)
            atomic_fetch_add(&sh->errors, 1);
        if (store_update(sh->s, T, 0, id, strlen(id), on_upd_simple,
                         "{\"u\":\"") != 0)
            atomic_fetch_add(&sh->errors, 1);
        /* Keep one in three. */
        if (i % 3 && store_delete(sh->s, T, 0, id, strlen(id)) != 0)
            atomic_fetch_add(&sh->errors, 1);
        atomic_fetch_add(&sh->writes, 1);
        i++;
    }
    return (void *)(intptr_t)i;
}

/*
 * READERS threads list, count and fetch while WRITERS threads create,
 * update and delete for RUN_NS: no call fails, every listing is in order,
 * both sides make progress. The threads start cold (no reader connection
 * yet), as a server's worker threads do.
 */
static void
run_threads(struct store *s)
{
    enum { READERS = 4, WRITERS = 2 };
    struct shared sh;
    struct writer wr[WRITERS];
    pthread_t r[READERS], w[WRITERS];
    struct timespec ts = {0, 50 * 1000 * 1000};
    uint64_t t0 = util_now_ns();
    long kept = 0;
    int i;

    memset(&sh, 0, sizeof(sh));
    sh.s = s;
    atomic_init(&sh.stop, false);
    for (i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&r[i], NULL, reader_main, &sh), 0);
    for (i = 0; i < WRITERS; i++) {
        wr[i].sh = &sh;
        wr[i].no = i;
        assert_int_equal(pthread_create(&w[i], NULL, writer_main, &wr[i]), 0);
    }
    while (util_now_ns() - t0 < RUN_NS)
        nanosleep(&ts, NULL);
    atomic_store(&sh.stop, true);
    for (i = 0; i < READERS; i++)
        assert_int_equal(pthread_join(r[i], NULL), 0);
    for (i = 0; i < WRITERS; i++) {
        void *ret;
        long n;
        assert_int_equal(pthread_join(w[i], &ret), 0);
        n = (long)(intptr_t)ret;
        kept += (n + 2) / 3; /* i % 3 == 0 for i in [0, n) */
    }
    if (atomic_load(&sh.errors) != 0) {
        /* Closed here, so a failure reports no leaks besides. */
        print_error("%ld store calls failed or listed out of order\n",
                    (long)atomic_load(&sh.errors));
        store_close(s);
        fail();
    }
    assert_true(atomic_load(&sh.lists) > 0);
    assert_true(atomic_load(&sh.writes) > 0);
    assert_int_equal(store_count(s, T, 0), 4 + kept);
    /* And a reset brings back the seed. */
    assert_int_equal(store_reset(s, -1), 0);
    assert_int_equal(store_count(s, T, 0), 4);
}

static void
test_threads(void **state)
{
    struct store *s = seeded();

    (void)state;
    run_threads(s);
    store_close(s);
}

/* The same on a state file (WAL). */
static void
test_threads_file(void **state)
{
    char path[256], err[256];
    struct store *s;

    snprintf(path, sizeof(path), "%s/state.db", (const char *)*state);
    s = store_open_file(path, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(store_load_begin(s), 0);
    seed(s, 0, 300, "aia_asst_c", "{\"c\":\"", "/c\"}");
    seed(s, 0, 100, "aia_asst_b", "{\"b\":\"", "/b\"}");
    seed(s, 0, 100, "aia_asst_a", "{\"a\":\"fixed\"}", NULL);
    seed(s, 0, 200, "aia_asst_d", "{\"d\":\"", "/d\"}");
    assert_int_equal(store_load_end(s), 0);
    run_threads(s);
    store_close(s);
}

static int
dump_seeded(void *ctx, const struct store_row *row)
{
    struct buf *b = ctx;

    buf_addf(b, "%lld ", (long long)row->key.created);
    buf_add(b, row->key.id, row->key.id_len);
    buf_addc(b, ' ');
    buf_add(b, row->pre, row->pre_len);
    buf_addc(b, '\n');
    return 0;
}

/*
 * store_insert_many gives what store_insert_item gives row by row: the
 * same results (duplicates anywhere in a batch, in the batch's first and
 * last place, against a row of the same batch or an earlier one, several
 * in one batch) and the same rows.
 */
static void
test_insert_many(void **state)
{
    static const int dup_at[] = {0, 31, 32, 40, 41, 63, 64, 95, 100, 150};
    enum { N = 200 };
    struct store *many = store_open(), *one = store_open();
    struct store_seed *rows = calloc(N, sizeof(*rows));
    char ids[N][24], pre[N][32];
    struct buf a = BUF_INIT, b = BUF_INIT;
    int i, k, df, di, rc;

    (void)state;
    assert_non_null(many);
    assert_non_null(one);
    assert_non_null(rows);
    for (i = 0; i < N; i++) {
        int id = i;
        for (k = 0; k < (int)(sizeof(dup_at) / sizeof(dup_at[0])); k++)
            if (dup_at[k] == i)
                id = i > 0 && i % 2 ? i - 1 : i > 10 ? i - 10 : 150;
        snprintf(ids[i], sizeof(ids[i]), "aia_asst_%d", id);
        snprintf(pre[i], sizeof(pre[i]), "{\"n\":%d}", i);
        rows[i].acct = i % 3 == 0;
        rows[i].item.created = 1000 + i % 7;
        rows[i].item.id = ids[i];
        rows[i].item.id_len = strlen(ids[i]);
        rows[i].item.pre = pre[i];
        rows[i].item.pre_len = strlen(pre[i]);
        rows[i].src_file = 1;
        rows[i].src_index = i;
        rows[i].rc = -7;
    }
    assert_int_equal(store_load_begin(many), 0);
    assert_int_equal(store_load_begin(one), 0);
    store_insert_many(many, STORE_ASSISTANTS, rows, 70);
    store_insert_many(many, STORE_ASSISTANTS, rows + 70, N - 70);
    for (i = 0; i < N; i++) {
        df = di = -7;
        rc = store_insert_item(one, STORE_ASSISTANTS, rows[i].acct,
                               &rows[i].item, 1, i, &df, &di);
        assert_int_equal(rows[i].rc, rc);
        if (rc == 1) {
            assert_int_equal(rows[i].dup_file, df);
            assert_int_equal(rows[i].dup_index, di);
        }
    }
    assert_int_equal(rows[0].rc, 0);
    assert_int_equal(rows[31].rc, 1);
    assert_int_equal(rows[150].rc, 1);
    assert_int_equal(store_load_end(many), 0);
    assert_int_equal(store_load_end(one), 0);
    for (k = 0; k < 2; k++) {
        assert_true(store_list(many, STORE_ASSISTANTS, k, STORE_AFTER, NULL,
                               N, dump_seeded, &a) >= 0);
        assert_true(store_list(one, STORE_ASSISTANTS, k, STORE_AFTER, NULL,
                               N, dump_seeded, &b) >= 0);
    }
    assert_false(buf_failed(&a));
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    buf_release(&a);
    buf_release(&b);
    free(rows);
    store_close(many);
    store_close(one);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_account_numbering),
    cmocka_unit_test(test_load_and_list),
    cmocka_unit_test(test_get),
    cmocka_unit_test(test_create),
    cmocka_unit_test(test_update),
    cmocka_unit_test(test_delete),
    cmocka_unit_test(test_reset),
    cmocka_unit_test(test_reset_reused_id),
    cmocka_unit_test(test_cursor_after_deletes),
    cmocka_unit_test_setup_teardown(test_file_new_and_reused, make_tmpdir,
                                    drop_tmpdir),
    cmocka_unit_test_setup_teardown(test_file_refused, make_tmpdir,
                                    drop_tmpdir),
    cmocka_unit_test_setup_teardown(test_file_empty, make_tmpdir, drop_tmpdir),
    cmocka_unit_test(test_threads),
    cmocka_unit_test_setup_teardown(test_threads_file, make_tmpdir,
                                    drop_tmpdir),
    cmocka_unit_test(test_insert_many),
};

UNIT_MAIN(tests)
