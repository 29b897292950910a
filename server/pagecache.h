/*
 * pagecache.h - finished list pages, kept to be answered again without a
 * store scan or a copy (issue 11).
 *
 * An entry is the exact bytes of one answer under a key (what determines
 * those bytes: see crud_list_page) and a generation (store_generation of
 * its account, read before the page was rendered; generations only grow).
 * A look-up finds an entry only under the same key and the same generation,
 * so any write of the account makes its old pages unreachable at once; they
 * are dropped when met by a later generation or when memory is needed
 * (least recently used first). The total size of the entries (bytes, key
 * and a fixed overhead each) stays at most the cache's budget.
 *
 * Entries are reference counted: the cache holds one reference, and each
 * answer being sent holds one (pagecache_unref when it is sent), so an entry
 * evicted while libmicrohttpd still sends it stays alive until then.
 * Thread-safe.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_PAGECACHE_H
#define ASSISTANTS_MOCK_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pagecache;
struct pagecache_entry;

/* A cache of at most max_bytes of pages; NULL when max_bytes is 0. */
struct pagecache *pagecache_new(size_t max_bytes);
void pagecache_free(struct pagecache *pc);

/*
 * The entry of key (key_len bytes) with generation gen, referenced (the
 * caller must pagecache_unref it), or NULL. Accepts pc NULL.
 */
struct pagecache_entry *pagecache_get(struct pagecache *pc, const void *key,
                                      size_t key_len, uint64_t gen);

/*
 * Stores data (len bytes, malloc'd, handed over to the cache, which frees
 * it) under key and gen, replacing an entry of the same key, evicting the
 * least recently used ones as needed, and returns the new entry referenced;
 * or NULL (pc NULL, out of memory, larger than the whole budget, or the
 * key is cached already under a later generation), and then data is still
 * the caller's.
 */
struct pagecache_entry *pagecache_put(struct pagecache *pc, const void *key,
                                      size_t key_len, uint64_t gen,
                                      char *data, size_t len);

/*
 * Whether a page of key is worth keeping: true when the same key was
 * offered lately (it was asked for before, maybe at another generation),
 * false the first time (the key is then remembered, among the last 64 Ki
 * or so). So pages asked for once (a walk through a long list) take no
 * memory and no copy; a page asked for again is kept from its second
 * rendering on. False for pc NULL.
 */
bool pagecache_admit(struct pagecache *pc, const void *key, size_t key_len);

/* The entry's bytes. */
const char *pagecache_data(const struct pagecache_entry *e, size_t *len);

/* Drops a reference (void *: a response's release callback). */
void pagecache_unref(void *entry);

/* For tests: entries and bytes held now. */
void pagecache_stats(struct pagecache *pc, size_t *entries, size_t *bytes);

#endif
