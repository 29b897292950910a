/*
 * store.h - the assistants store: an in-memory SQLite database, written once
 * at start-up and then read by many threads. The sole user of sqlite3.h.
 *
 * Loading goes through one writer connection (store_insert inside
 * store_load_begin/_end). After store_load_end the database is frozen, and
 * each thread that queries gets its own read-only connection with its own
 * prepared statements over the same memory, zero-copy and lock-free
 * (sqlite3_serialize NOCOPY + sqlite3_deserialize READONLY).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_STORE_H
#define ASSISTANTS_MOCK_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* A position in the list order. id is borrowed. */
struct store_key {
    int64_t created;
    const char *id;
    size_t id_len;
};

/* One row, valid only during the callback. */
struct store_row {
    struct store_key key;
    const void *pre;
    size_t pre_len;
    const void *post; /* NULL when the item has a fixed url */
    size_t post_len;
};

/* Returns 0 to go on, non-zero to stop. */
typedef int (*store_row_fn)(void *ctx, const struct store_row *row);

enum store_dir {
    STORE_AFTER,  /* ascending, keys > key (or from the start) */
    STORE_BEFORE, /* descending, keys < key */
};

/* Opens an empty store with the schema applied. NULL on failure (logged). */
struct store *store_open(void);
/* Closes every connection and frees the store. Accepts NULL. */
void store_close(struct store *s);

int store_load_begin(struct store *s);
/*
 * Inserts one pre-rendered assistant. Returns 0, -1 on failure (logged), or
 * 1 when the id is already stored; then *dup_file and *dup_index tell where
 * the first one came from.
 */
int store_insert(struct store *s, int acct, int64_t created, const char *id,
                 size_t id_len, const void *pre, size_t pre_len,
                 const void *post, size_t post_len, int src_file,
                 int src_index, int *dup_file, int *dup_index);
/* Commits and freezes the store for reading. 0 or -1. */
int store_load_end(struct store *s);

/* Number of assistants of account acct, or -1. Start-up use only. */
long store_count(struct store *s, int acct);

/*
 * Calls fn for up to limit rows of account acct in direction dir from key
 * (NULL: from the start, STORE_AFTER only). Thread-safe after
 * store_load_end. Returns the number of rows visited or -1 on a SQLite
 * failure (logged once here).
 */
long store_list(struct store *s, int acct, enum store_dir dir,
                const struct store_key *key, int limit, store_row_fn fn,
                void *ctx);

/*
 * Makes every nth store_list call fail inside SQLite (0: never), for testing
 * clients' handling of 500s.
 */
void store_set_fault_every(struct store *s, unsigned n);

#endif
