/*
 * pagecache.c - see pagecache.h.
 *
 * One mutex around a chained hash table and an LRU list; a look-up is a
 * hash of the key (about a hundred bytes), one bucket walk and a reference
 * count increment, so the lock is held for well under a microsecond.
 *
 * SPDX-License-Identifier: MIT
 */
#include "pagecache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PAGECACHE_BUCKETS 16384 /* a power of two */
/*
 * The keys offered lately (pagecache_admit): sets of ways, each way a key's
 * hash (0: empty), most recent first. 64 Ki hashes: 512 KiB.
 */
#define PAGECACHE_SEEN_SETS 16384 /* a power of two */
#define PAGECACHE_SEEN_WAYS 4
/* What an entry costs besides its bytes (header, key, allocator). */
#define PAGECACHE_OVERHEAD 128

struct pagecache_entry {
    atomic_uint refs;
    struct pagecache_entry *hnext;       /* bucket chain */
    struct pagecache_entry *prev, *next; /* LRU, most recent first */
    uint64_t hash, gen;
    char *data;
    size_t len;
    size_t key_len;
    char key[]; /* key_len bytes */
};

struct pagecache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, entries;
    struct pagecache_entry *head, *tail;
    struct pagecache_entry *bucket[PAGECACHE_BUCKETS];
    uint64_t seen[PAGECACHE_SEEN_SETS][PAGECACHE_SEEN_WAYS];
};

static uint64_t
hash_key(const void *key, size_t n)
{
    /*
     * Eight bytes a step (a key is a few hundred bytes, looked up on every
     * cached answer): multiply-xorshift on each word, length mixed in.
     */
    const unsigned char *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

    for (; n >= 8; n -= 8, p += 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static size_t
cost(const struct pagecache_entry *e)
{
    return e->len + e->key_len + PAGECACHE_OVERHEAD;
}

struct pagecache *
pagecache_new(size_t max_bytes)
{
    struct pagecache *pc;

    if (max_bytes == 0)
        return NULL;
    pc = calloc(1, sizeof(*pc));
    if (pc == NULL)
        return NULL;
    pthread_mutex_init(&pc->lock, NULL);
    pc->max_bytes = max_bytes;
    return pc;
}

void
pagecache_unref(void *entry)
{
    struct pagecache_entry *e = entry;

    if (e && atomic_fetch_sub(&e->refs, 1) == 1) {
        free(e->data);
        free(e);
    }
}

/* Unlinks e from its bucket and the LRU list; pc->lock held. */
static void
unlink_entry(struct pagecache *pc, struct pagecache_entry *e)
{
    struct pagecache_entry **pp = &pc->bucket[e->hash & (PAGECACHE_BUCKETS - 1)];

    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    if (e->prev)
        e->prev->next = e->next;
    else
        pc->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        pc->tail = e->prev;
    pc->bytes -= cost(e);
    pc->entries--;
}

/* Moves e to the front of the LRU list; pc->lock held. */
static void
touch(struct pagecache *pc, struct pagecache_entry *e)
{
    if (pc->head == e)
        return;
    e->prev->next = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        pc->tail = e->prev;
    e->prev = NULL;
    e->next = pc->head;
    pc->head->prev = e;
    pc->head = e;
}

void
pagecache_free(struct pagecache *pc)
{
    if (pc == NULL)
        return;
    while (pc->head) {
        struct pagecache_entry *e = pc->head;
        unlink_entry(pc, e);
        pagecache_unref(e);
    }
    pthread_mutex_destroy(&pc->lock);
    free(pc);
}

/* The entry of key, whatever its generation; pc->lock held. */
static struct pagecache_entry *
find(struct pagecache *pc, uint64_t h, const void *key, size_t key_len)
{
    struct pagecache_entry *e = pc->bucket[h & (PAGECACHE_BUCKETS - 1)];

    for (; e; e = e->hnext)
        if (e->hash == h && e->key_len == key_len &&
            memcmp(e->key, key, key_len) == 0)
            return e;
    return NULL;
}

struct pagecache_entry *
pagecache_get(struct pagecache *pc, const void *key, size_t key_len,
              uint64_t gen)
{
    struct pagecache_entry *e;
    uint64_t h;

    if (pc == NULL)
        return NULL;
    h = hash_key(key, key_len);
    pthread_mutex_lock(&pc->lock);
    e = find(pc, h, key, key_len);
    if (e && e->gen < gen) {
        /* Written since: never served again. */
        unlink_entry(pc, e);
        pagecache_unref(e);
        e = NULL;
    } else if (e && e->gen != gen) {
        e = NULL; /* newer than the caller's view: kept for later callers */
    }
    if (e) {
        touch(pc, e);
        atomic_fetch_add(&e->refs, 1);
    }
    pthread_mutex_unlock(&pc->lock);
    return e;
}

struct pagecache_entry *
pagecache_put(struct pagecache *pc, const void *key, size_t key_len,
              uint64_t gen, char *data, size_t len)
{
    struct pagecache_entry *e, *old;

    if (pc == NULL || len + key_len + PAGECACHE_OVERHEAD > pc->max_bytes ||
        (e = malloc(sizeof(*e) + key_len)) == NULL)
        return NULL;
    atomic_init(&e->refs, 2); /* the cache's and the caller's */
    e->hash = hash_key(key, key_len);
    e->gen = gen;
    e->data = data;
    e->len = len;
    e->key_len = key_len;
    memcpy(e->key, key, key_len);
    pthread_mutex_lock(&pc->lock);
    old = find(pc, e->hash, key, key_len);
    if (old && old->gen > gen) {
        /* A later view is cached already: keep it. */
        pthread_mutex_unlock(&pc->lock);
        free(e);
        return NULL;
    }
    if (old) {
        unlink_entry(pc, old);
        pagecache_unref(old);
    }
    while (pc->tail && pc->bytes + cost(e) > pc->max_bytes) {
        old = pc->tail;
        unlink_entry(pc, old);
        pagecache_unref(old);
    }
    e->hnext = pc->bucket[e->hash & (PAGECACHE_BUCKETS - 1)];
    pc->bucket[e->hash & (PAGECACHE_BUCKETS - 1)] = e;
    e->prev = NULL;
    e->next = pc->head;
    if (pc->head)
        pc->head->prev = e;
    else
        pc->tail = e;
    pc->head = e;
    pc->bytes += cost(e);
    pc->entries++;
    pthread_mutex_unlock(&pc->lock);
    return e;
}

bool
pagecache_admit(struct pagecache *pc, const void *key, size_t key_len)
{
    uint64_t h, *set;
    bool again = false;
    size_t i;

    if (pc == NULL)
        return false;
    h = hash_key(key, key_len) | 1; /* never 0, the empty way */
    /* Other bits than the buckets' low ones pick the set. */
    set = pc->seen[(h >> 32) & (PAGECACHE_SEEN_SETS - 1)];
    pthread_mutex_lock(&pc->lock);
    for (i = 0; i < PAGECACHE_SEEN_WAYS - 1 && set[i] != h; i++)
        ;
    again = set[i] == h;
    /* To the front; the last way drops out when h is new. */
    for (; i > 0; i--)
        set[i] = set[i - 1];
    set[0] = h;
    pthread_mutex_unlock(&pc->lock);
    return again;
}

const char *
pagecache_data(const struct pagecache_entry *e, size_t *len)
{
    *len = e->len;
    return e->data;
}

void
pagecache_stats(struct pagecache *pc, size_t *entries, size_t *bytes)
{
    *entries = *bytes = 0;
    if (pc == NULL)
        return;
    pthread_mutex_lock(&pc->lock);
    *entries = pc->entries;
    *bytes = pc->bytes;
    pthread_mutex_unlock(&pc->lock);
}
