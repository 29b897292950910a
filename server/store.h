/*
 * store.h - the resource store: SQLite, in memory by default or in a state
 * file (--state). The sole user of sqlite3.h.
 *
 * Loading goes through the writer connection (store_insert inside
 * store_load_begin/_end). Then any thread may read and write: each reading
 * thread has its own connection with its own prepared statements, so reads
 * run in parallel; writes go through the one writer connection, one at a
 * time. A read and a write never overlap: they take a phase-fair lock for
 * the span of one statement (never around a whole request), so a read waits
 * for at most the one write in progress, and a write for the reads in
 * progress. Every write is committed before the call returns, so the next
 * read of any thread sees it.
 *
 * Rows hold a resource item pre-rendered (see schema/store.sql). The store
 * does not know JSON: callers give and get the rendered bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_STORE_H
#define ASSISTANTS_MOCK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_item;

/* The tables of resources, each with the shape of `assistants`. */
enum store_table {
    STORE_ASSISTANTS,
    STORE_TOOLS,
    STORE_KNOWLEDGE,
    STORE_POLICIES,
    STORE_SESSIONS,
    STORE_MESSAGES,
    STORE_FEEDBACKS,
    STORE_CHUNKS, /* of a knowledge source, made when it completes */
    STORE_TABLE_COUNT
};

/* Which rows of a table a list wants (besides the account). */
enum store_filter_kind {
    STORE_ALL,
    STORE_CHILDREN_OF,  /* parent = a (messages of a session, ...) */
    STORE_ATTACHED_TO,  /* attached to assistant a (tools, knowledge) */
    STORE_POLICIES_OF,  /* linked to tool or knowledge a (policies) */
    STORE_POLICIES_OF2, /* linked to both a and b */
    STORE_FILTER_COUNT
};

struct store_filter {
    enum store_filter_kind kind;
    const char *a, *b; /* NUL-terminated ids, borrowed */
};

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
    const void *secret; /* write-only fields: only an update's callback */
    size_t secret_len;  /* gets them; NULL when none (and in lists) */
};

/* Returns 0 to go on, non-zero to stop. */
typedef int (*store_row_fn)(void *ctx, const struct store_row *row);

enum store_dir {
    STORE_AFTER,  /* ascending, keys > key (or from the start) */
    STORE_BEFORE, /* descending, keys < key */
};

/* Opens an empty in-memory store. NULL on failure (logged). */
struct store *store_open(void);
/*
 * Opens the state file at path, creating it (then store_is_new) when it does
 * not exist. NULL on failure, with the reason in err (cap bytes): not a
 * database, another program's database, another schema version, I/O.
 */
struct store *store_open_file(const char *path, char *err, size_t cap);
/* Closes every connection and frees the store. Accepts NULL. */
void store_close(struct store *s);
/*
 * True if the store was created empty by this process (memory, or a new
 * state file), so the fixtures must seed it. A reused state file is not new:
 * store_insert then does nothing (its rows are kept as they were).
 */
bool store_is_new(const struct store *s);

/*
 * The store's stable number for account sid (34 characters), registered on
 * first use: in a new store the accounts are numbered 0, 1, ... in the order
 * they are first asked for. -1 on failure (logged). Call before serving.
 */
int store_account(struct store *s, const char *sid);

int store_load_begin(struct store *s);
/*
 * Inserts one seeded assistant. Returns 0, -1 on failure (logged), or 1 when
 * the id is already stored; then *dup_file and *dup_index tell where the
 * first one came from.
 */
int store_insert(struct store *s, int acct, int64_t created, const char *id,
                 size_t id_len, const void *pre, size_t pre_len,
                 const void *post, size_t post_len, int src_file,
                 int src_index, int *dup_file, int *dup_index);
/* store_insert for any table, with a parent and private fields. */
int store_insert_item(struct store *s, enum store_table t, int acct,
                      const struct store_item *item, int src_file,
                      int src_index, int *dup_file, int *dup_index);
/* Commits the load. 0 or -1. */
int store_load_end(struct store *s);

/* Number of rows of account acct in table t, or -1. */
long store_count(struct store *s, enum store_table t, int acct);

/*
 * Calls fn for up to limit rows of account acct in table t, in direction
 * dir from key (NULL: from the start, STORE_AFTER only). Returns the number
 * of rows visited or -1 on a SQLite failure (logged once here).
 */
long store_list(struct store *s, enum store_table t, int acct,
                enum store_dir dir, const struct store_key *key, int limit,
                store_row_fn fn, void *ctx);
/* store_list of the rows f selects (NULL: all). */
long store_list_where(struct store *s, enum store_table t, int acct,
                      const struct store_filter *f, enum store_dir dir,
                      const struct store_key *key, int limit, store_row_fn fn,
                      void *ctx);
/*
 * Calls fn for every row of table t linked to owner: t = tools or
 * knowledge, owner an assistant (attach order); t = policies, owner a tool
 * or knowledge source (link order). Returns the rows visited, or -1.
 */
long store_list_linked(struct store *s, enum store_table t, int acct,
                       const char *owner, store_row_fn fn, void *ctx);

/* One link: an attachment (owner an assistant, target a tool or knowledge
 * id, kind its table) or a policy link (owner a tool or knowledge id,
 * target the policy). Valid during the callback. */
typedef int (*store_link_fn)(void *ctx, const char *owner, const char *target,
                             enum store_table kind);
/*
 * Calls fn for every attachment (attachments true: in attach order per
 * assistant) or policy link of account acct. Returns the number visited or
 * -1.
 */
long store_each_link(struct store *s, int acct, bool attachments,
                     store_link_fn fn, void *ctx);

/*
 * Calls fn with the row of account acct whose id is id. Returns 0 (found),
 * 1 (no such row in this account) or -1 (store failure, logged).
 */
int store_get(struct store *s, enum store_table t, int acct, const char *id,
              size_t id_len, store_row_fn fn, void *ctx);

/* A row to write; all borrowed. */
struct store_item {
    int64_t created;
    const char *id;
    size_t id_len;
    const char *parent; /* NUL-terminated, or NULL */
    const void *pre;
    size_t pre_len;
    const void *post; /* NULL: fixed url */
    size_t post_len;
    const void *secret; /* NULL: none */
    size_t secret_len;
};

/* One row for store_insert_many, and what inserting it gave. */
struct store_seed {
    int acct;
    struct store_item item; /* borrowed */
    int src_file, src_index;
    int rc;                  /* store_insert_item's return */
    int dup_file, dup_index; /* when rc is 1 */
};
#define STORE_SEED_BATCH 32
/*
 * store_insert_item of rows[0..n) in order, setting each one's rc (and dup
 * place): the same rows and results, in fewer statements (one per
 * STORE_SEED_BATCH rows when none of them is refused).
 */
void store_insert_many(struct store *s, enum store_table t,
                       struct store_seed *rows, size_t n);

/*
 * Writes. Each store_create/_update/_delete is one transaction. Several
 * writes that must happen together (a tool, its policy and its attachment)
 * go between store_txn_begin and store_txn_end, with the store_txn_*
 * functions; readers see all of them or none.
 */

/* Inserts a new row. 0, 1 when the id exists, -1 on failure. */
int store_create(struct store *s, enum store_table t, int acct,
                 const struct store_item *item);

/*
 * Replaces the row (acct, id) atomically: under the write lock, calls
 * fn(ctx, old, new) with the current row; fn fills *new (its buffers must
 * live until fn's caller returns, i.e. be owned by ctx) and returns 0 to
 * write it, or non-zero to leave the row unchanged (that value is returned).
 * The key (created, id) and the parent never change. Returns 0, 1 when
 * there is no such row, fn's non-zero value, or -1 on failure.
 */
typedef int (*store_update_fn)(void *ctx, const struct store_row *old,
                               struct store_item *item);
int store_update(struct store *s, enum store_table t, int acct,
                 const char *id, size_t id_len, store_update_fn fn,
                 void *ctx);

/*
 * Deletes the row (acct, id), and what hangs on it: an assistant's
 * attachments and feedbacks, a tool's or knowledge source's attachments and
 * policy links (and a knowledge source's chunks), a session's messages. 0,
 * 1 when there is no such row, -1.
 */
int store_delete(struct store *s, enum store_table t, int acct,
                 const char *id, size_t id_len);

/* Takes the write lock and begins a transaction. 0 or -1 (lock released). */
int store_txn_begin(struct store *s);
/* Commits (ok) or rolls back, and releases the lock. 0, or -1 when the
 * commit failed (then rolled back). */
int store_txn_end(struct store *s, bool ok);
/* Inside a transaction: as store_create. */
int store_txn_create(struct store *s, enum store_table t, int acct,
                     const struct store_item *item);
/* Inside a transaction: as store_update. */
int store_txn_update(struct store *s, enum store_table t, int acct,
                     const char *id, size_t id_len, store_update_fn fn,
                     void *ctx);
/* Inside a transaction: as store_get, on the writer's view (fn may be
 * NULL: whether the row exists). */
int store_txn_get(struct store *s, enum store_table t, int acct,
                  const char *id, size_t id_len, store_row_fn fn, void *ctx);
/*
 * Inside a transaction: attaches target (a tool or knowledge id, kind its
 * table) to assistant; attaching again keeps the first place. 0 or -1.
 */
int store_txn_attach(struct store *s, int acct, const char *assistant,
                     enum store_table kind, const char *target);
/* Detaches; 0, 1 when it was not attached, -1. */
int store_txn_detach(struct store *s, int acct, const char *assistant,
                     enum store_table kind, const char *target);
/* Links policy to owner (a tool or knowledge id); again: no change. */
int store_txn_link_policy(struct store *s, int acct, const char *owner,
                          const char *policy);
/* Deletes the rows of t whose parent is parent. 0 or -1. */
int store_txn_delete_children(struct store *s, enum store_table t, int acct,
                              const char *parent);
/* Removes every policy link of owner. 0 or -1. */
int store_txn_unlink_policies(struct store *s, int acct, const char *owner);
/* Number of policies linked to owner, or -1. */
long store_txn_count_policies(struct store *s, int acct, const char *owner);

/*
 * Restores the seeded state of account acct (-1: of every account): rows
 * created since are deleted, rows updated or deleted since come back as they
 * were seeded. One transaction: readers see the state before or after. 0/-1
 * (also when another account now holds a seeded row's id, which generated
 * ids never do: then nothing changes).
 */
int store_reset(struct store *s, int acct);

/* Account slots of the write generations (accounts share a slot mod this). */
#define STORE_GEN_SLOTS 64

/*
 * The write generation of account acct (-1: of the writes that concern every
 * account only): a number that grows with every committed (or rolled back)
 * write that may change what a read of acct returns, i.e. any write of acct,
 * of an account in the same slot, of every account (a reset of all, a load),
 * or one that did not say which account. It has grown before the write's
 * caller gets control back, so a value read after a write returned differs
 * from any value read before it began. For caches of rendered reads:
 * read it before the read, keep it with the result, and use the result only
 * while it is unchanged. Lock-free.
 */
uint64_t store_generation(struct store *s, int acct);

#endif
