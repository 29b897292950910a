/*
 * test_pagecache.c - unit tests of pagecache.c and of the store's write
 * generations: a hit only under the same key and generation, a stale entry
 * dropped, replacement, the byte budget with least-recently-used eviction,
 * an evicted entry alive while referenced, too large a page refused (data
 * still the caller's), a cache of 0 bytes; store_generation grows with
 * every write of its account and of all, and not with another account's.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pagecache.h"
#include "store.h"
#include "unit.h"

static char *
dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);

    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

/* Puts s under key k with generation g; returns the entry, unreferenced. */
static void
put(struct pagecache *pc, const char *k, uint64_t g, const char *s)
{
    struct pagecache_entry *e =
        pagecache_put(pc, k, strlen(k), g, dup_bytes(s, strlen(s)),
                      strlen(s));

    assert_non_null(e);
    pagecache_unref(e);
}

/* The bytes under (k, g), or NULL. */
static bool
has(struct pagecache *pc, const char *k, uint64_t g, const char *want)
{
    struct pagecache_entry *e = pagecache_get(pc, k, strlen(k), g);
    const char *d;
    size_t n;

    if (e == NULL)
        return false;
    d = pagecache_data(e, &n);
    if (want)
        assert_bytes_equal(d, n, want, strlen(want));
    pagecache_unref(e);
    return true;
}

/* pagecache_admit: a key is worth keeping from its second offer on. */
static void
test_admit_second_offer(void **state)
{
    struct pagecache *pc = pagecache_new(1 << 20);
    char k[32];
    int i, admitted = 0;

    (void)state;
    assert_false(pagecache_admit(NULL, "a", 1));
    assert_false(pagecache_admit(pc, "page a", 6));
    assert_true(pagecache_admit(pc, "page a", 6));
    assert_true(pagecache_admit(pc, "page a", 6));
    assert_false(pagecache_admit(pc, "page b", 6));
    assert_true(pagecache_admit(pc, "page a", 6)); /* b did not push a out */
    assert_true(pagecache_admit(pc, "page b", 6));
    /* 2,000 keys offered in turn (bench case 4): all admitted next round. */
    for (i = 0; i < 2000; i++) {
        snprintf(k, sizeof(k), "token %d", i);
        assert_false(pagecache_admit(pc, k, strlen(k)));
    }
    for (i = 0; i < 2000; i++) {
        snprintf(k, sizeof(k), "token %d", i);
        admitted += pagecache_admit(pc, k, strlen(k));
    }
    assert_int_equal(admitted, 2000);
    /* A million other keys later, a key is forgotten. */
    for (i = 0; i < 1000000; i++) {
        snprintf(k, sizeof(k), "other %d", i);
        pagecache_admit(pc, k, strlen(k));
    }
    assert_false(pagecache_admit(pc, "page a", 6));
    pagecache_free(pc);
}

static void
test_hit_key_and_generation(void **state)
{
    struct pagecache *pc = pagecache_new(1 << 20);
    size_t n, bytes;

    (void)state;
    assert_non_null(pc);
    put(pc, "a", 1, "page a");
    put(pc, "ab", 1, "page ab");
    assert_true(has(pc, "a", 1, "page a"));
    assert_true(has(pc, "ab", 1, "page ab"));
    assert_false(has(pc, "b", 1, NULL));
    assert_false(has(pc, "A", 1, NULL));
    /* Another generation: a miss, and the stale entry is gone for good. */
    assert_false(has(pc, "a", 2, NULL));
    assert_false(has(pc, "a", 1, NULL));
    pagecache_stats(pc, &n, &bytes);
    assert_int_equal(n, 1);
    /* Same key again: replaced. */
    put(pc, "ab", 3, "page ab 3");
    assert_true(has(pc, "ab", 3, "page ab 3"));
    /* An older view misses without dropping the newer page, and cannot
     * replace it. */
    assert_false(has(pc, "ab", 1, NULL));
    assert_true(has(pc, "ab", 3, "page ab 3"));
    {
        char *d = dup_bytes("old", 3);
        assert_null(pagecache_put(pc, "ab", 2, 2, d, 3));
        free(d);
    }
    assert_true(has(pc, "ab", 3, "page ab 3"));
    pagecache_stats(pc, &n, &bytes);
    assert_int_equal(n, 1);
    pagecache_free(pc);
}

static void
test_budget_lru(void **state)
{
    /* Room for about four pages of 1000 bytes with their overhead. */
    struct pagecache *pc = pagecache_new(4600);
    char page[1001], key[16];
    size_t n, bytes;
    int i;

    (void)state;
    memset(page, 'x', 1000);
    page[1000] = '\0';
    for (i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(pc, key, 7, page);
    }
    pagecache_stats(pc, &n, &bytes);
    assert_int_equal(n, 4);
    assert_true(bytes <= 4600);
    /* k0 used: k1 is now the least recent and goes first. */
    assert_true(has(pc, "k0", 7, page));
    put(pc, "k4", 7, page);
    assert_false(has(pc, "k1", 7, NULL));
    assert_true(has(pc, "k0", 7, NULL));
    assert_true(has(pc, "k2", 7, NULL));
    assert_true(has(pc, "k4", 7, NULL));
    pagecache_stats(pc, &n, &bytes);
    assert_true(bytes <= 4600);
    pagecache_free(pc);
}

static void
test_referenced_outlives_eviction(void **state)
{
    struct pagecache *pc = pagecache_new(1200);
    char big[1001];
    struct pagecache_entry *held;
    const char *d;
    size_t n;

    (void)state;
    memset(big, 'y', 1000);
    big[1000] = '\0';
    put(pc, "held", 1, "kept while sent");
    held = pagecache_get(pc, "held", 4, 1);
    assert_non_null(held);
    put(pc, "big", 1, big); /* evicts "held" */
    assert_false(has(pc, "held", 1, NULL));
    d = pagecache_data(held, &n);
    assert_bytes_equal(d, n, "kept while sent", 15);
    pagecache_unref(held); /* freed now (ASan would see a leak or reuse) */
    pagecache_free(pc);
}

static void
test_too_large_and_off(void **state)
{
    struct pagecache *pc = pagecache_new(100);
    char *data = dup_bytes("0123456789", 10);
    char *big = malloc(200);

    (void)state;
    assert_non_null(big);
    memset(big, 'z', 200);
    assert_null(pagecache_put(pc, "k", 1, 1, big, 200));
    free(big); /* still ours */
    assert_null(pagecache_new(0));
    assert_null(pagecache_put(NULL, "k", 1, 1, data, 10));
    assert_null(pagecache_get(NULL, "k", 1, 1));
    free(data);
    pagecache_free(pc);
    pagecache_free(NULL);
}

static void
test_store_generations(void **state)
{
    struct store *s = store_open();
    struct store_item it;
    int a, b;
    uint64_t ga, gb, ga2, gb2;

    (void)state;
    assert_non_null(s);
    a = store_account(s, "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    b = store_account(s, "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_true(a >= 0 && b >= 0 && a != b);
    assert_int_equal(store_load_begin(s), 0);
    assert_int_equal(store_load_end(s), 0);
    ga = store_generation(s, a);
    gb = store_generation(s, b);
    memset(&it, 0, sizeof(it));
    it.created = 1;
    it.id = "aia_asst_x";
    it.id_len = 10;
    it.pre = "{\"id\":\"aia_asst_x\"}";
    it.pre_len = strlen(it.pre);
    assert_int_equal(store_create(s, STORE_ASSISTANTS, a, &it), 0);
    ga2 = store_generation(s, a);
    gb2 = store_generation(s, b);
    assert_true(ga2 > ga);
    assert_true(gb2 == gb); /* another account (another slot) */
    assert_int_equal(store_delete(s, STORE_ASSISTANTS, a, "aia_asst_x", 10),
                     0);
    assert_true(store_generation(s, a) > ga2);
    /* A failed write (no such row) may bump; it never goes back. */
    ga = store_generation(s, a);
    assert_int_equal(store_delete(s, STORE_ASSISTANTS, a, "aia_asst_x", 10),
                     1);
    assert_true(store_generation(s, a) >= ga);
    /* A reset of all moves every account. */
    ga = store_generation(s, a);
    gb = store_generation(s, b);
    assert_int_equal(store_reset(s, -1), 0);
    assert_true(store_generation(s, a) > ga);
    assert_true(store_generation(s, b) > gb);
    /* A reset of b moves b. */
    gb = store_generation(s, b);
    assert_int_equal(store_reset(s, b), 0);
    assert_true(store_generation(s, b) > gb);
    store_close(s);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hit_key_and_generation),
    cmocka_unit_test(test_budget_lru),
    cmocka_unit_test(test_referenced_outlives_eviction),
    cmocka_unit_test(test_too_large_and_off),
    cmocka_unit_test(test_store_generations),
    cmocka_unit_test(test_admit_second_offer),
};

UNIT_MAIN(tests)
