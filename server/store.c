/*
 * store.c - see store.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "embedded.h"
#include "log.h"

/* Per-thread read-only connection. */
struct store_conn {
    struct store *store;
    sqlite3 *db;
    sqlite3_stmt *first;  /* from the start */
    sqlite3_stmt *after;  /* (created, id) > key, ascending */
    sqlite3_stmt *before; /* (created, id) < key, descending */
    struct store_conn *next;
};

struct store {
    sqlite3 *db; /* writer; owns the memory the readers map */
    sqlite3_stmt *insert;
    sqlite3_stmt *find_dup;
    unsigned char *image; /* frozen database image, owned by db */
    sqlite3_int64 image_len;
    pthread_mutex_t lock; /* guards conns */
    struct store_conn *conns;
    atomic_uint fault_every;
    atomic_uint calls;
    atomic_bool frozen;
    uint64_t gen; /* unique per store, so a thread never reuses a stale conn */
};

static atomic_uint_fast64_t store_gens;
static _Thread_local struct store_conn *tl_conn;
static _Thread_local uint64_t tl_gen;

#define SQL_COLUMNS "SELECT created, id, pre, post FROM assistants "
static const char sql_first[] =
    SQL_COLUMNS "WHERE acct = ?1 ORDER BY created, id LIMIT ?2";
static const char sql_after[] =
    SQL_COLUMNS "WHERE acct = ?1 AND (created, id) > (?3, ?4) "
                "ORDER BY created, id LIMIT ?2";
static const char sql_before[] =
    SQL_COLUMNS "WHERE acct = ?1 AND (created, id) < (?3, ?4) "
                "ORDER BY created DESC, id DESC LIMIT ?2";

static void
log_db(sqlite3 *db, const char *what)
{
    log_error("store: %s failed: %s", what,
              db ? sqlite3_errmsg(db) : "out of memory");
}

static int
exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        log_error("store: '%.60s' failed: %s", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

struct store *
store_open(void)
{
    struct store *s = calloc(1, sizeof(*s));
    sqlite3_int64 limit = (sqlite3_int64)1 << 40;

    if (s == NULL)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->gen = atomic_fetch_add(&store_gens, 1) + 1;
    /* A private memdb: contiguous memory that can be shared read-only. */
    if (sqlite3_open_v2("file:assistants?vfs=memdb", &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        log_db(s->db, "open");
        goto fail;
    }
    sqlite3_file_control(s->db, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
    if (exec(s->db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                    "PRAGMA cache_size = -2048") < 0 ||
        exec(s->db, embedded_schema_sql) < 0)
        goto fail;
    if (sqlite3_prepare_v3(s->db,
                           "INSERT INTO assistants VALUES (?,?,?,?,?,?,?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->insert,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db,
                           "SELECT src_file, src_index FROM assistants "
                           "WHERE id = ?",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->find_dup,
                           NULL) != SQLITE_OK) {
        log_db(s->db, "prepare");
        goto fail;
    }
    return s;
fail:
    store_close(s);
    return NULL;
}

static void
conn_free(struct store_conn *c)
{
    sqlite3_finalize(c->first);
    sqlite3_finalize(c->after);
    sqlite3_finalize(c->before);
    sqlite3_close(c->db);
    free(c);
}

void
store_close(struct store *s)
{
    struct store_conn *c, *next;

    if (s == NULL)
        return;
    for (c = s->conns; c; c = next) {
        next = c->next;
        conn_free(c);
    }
    if (tl_gen == s->gen)
        tl_conn = NULL;
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->find_dup);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int
store_load_begin(struct store *s)
{
    return exec(s->db, "BEGIN");
}

int
store_insert(struct store *s, int acct, int64_t created, const char *id,
             size_t id_len, const void *pre, size_t pre_len,
             const void *post, size_t post_len, int src_file, int src_index,
             int *dup_file, int *dup_index)
{
    sqlite3_stmt *st = s->insert;
    int rc;

    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_int64(st, 2, created);
    sqlite3_bind_text(st, 3, id, (int)id_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, pre, (int)pre_len, SQLITE_STATIC);
    if (post_len)
        sqlite3_bind_blob(st, 5, post, (int)post_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int(st, 6, src_file);
    sqlite3_bind_int(st, 7, src_index);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_CONSTRAINT) {
        log_db(s->db, "insert");
        return -1;
    }
    /* The id, or (acct, created, id), is taken: find the first holder. */
    st = s->find_dup;
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *dup_file = sqlite3_column_int(st, 0);
        *dup_index = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW) {
        log_db(s->db, "duplicate look-up");
        return -1;
    }
    return 1;
}

int
store_load_end(struct store *s)
{
    if (exec(s->db, "COMMIT; ANALYZE") < 0)
        return -1;
    s->image = sqlite3_serialize(s->db, "main", &s->image_len,
                                 SQLITE_SERIALIZE_NOCOPY);
    if (s->image == NULL) {
        log_db(s->db, "serialize");
        return -1;
    }
    atomic_store(&s->frozen, true);
    return 0;
}

long
store_count(struct store *s, int acct)
{
    sqlite3_stmt *st;
    long n = -1;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM assistants WHERE acct = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        log_db(s->db, "count");
        return -1;
    }
    sqlite3_bind_int(st, 1, acct);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Opens this thread's reader over the frozen image. */
static struct store_conn *
conn_open(struct store *s)
{
    struct store_conn *c = calloc(1, sizeof(*c));
    char pragma[64];

    if (c == NULL)
        return NULL;
    c->store = s;
    if (sqlite3_open_v2(":memory:", &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_deserialize(c->db, "main", s->image, s->image_len,
                            s->image_len,
                            SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
        log_db(c->db, "reader open");
        goto fail;
    }
    /* Pages are read in place from the image, not copied into a cache. */
    snprintf(pragma, sizeof(pragma), "PRAGMA mmap_size = %lld",
             (long long)s->image_len);
    if (exec(c->db, pragma) < 0)
        goto fail;
    if (sqlite3_prepare_v3(c->db, sql_first, -1, SQLITE_PREPARE_PERSISTENT,
                           &c->first, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(c->db, sql_after, -1, SQLITE_PREPARE_PERSISTENT,
                           &c->after, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(c->db, sql_before, -1, SQLITE_PREPARE_PERSISTENT,
                           &c->before, NULL) != SQLITE_OK) {
        log_db(c->db, "prepare");
        goto fail;
    }
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    return c;
fail:
    conn_free(c);
    return NULL;
}

static int
fault_handler(void *arg)
{
    (void)arg;
    return 1; /* interrupts the statement: SQLITE_INTERRUPT */
}

long
store_list(struct store *s, int acct, enum store_dir dir,
           const struct store_key *key, int limit, store_row_fn fn, void *ctx)
{
    struct store_conn *c = tl_conn;
    sqlite3_stmt *st;
    unsigned every;
    bool fault = false;
    long n = 0;
    int rc;

    if (!atomic_load(&s->frozen))
        return -1;
    if (tl_gen != s->gen) {
        c = conn_open(s);
        if (c == NULL)
            return -1;
        tl_conn = c;
        tl_gen = s->gen;
    }
    if (key == NULL)
        st = c->first;
    else
        st = dir == STORE_AFTER ? c->after : c->before;
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_int(st, 2, limit);
    if (key) {
        sqlite3_bind_int64(st, 3, key->created);
        sqlite3_bind_text(st, 4, key->id, (int)key->id_len, SQLITE_STATIC);
    }
    every = atomic_load_explicit(&s->fault_every, memory_order_relaxed);
    if (every && atomic_fetch_add(&s->calls, 1) % every == every - 1) {
        sqlite3_progress_handler(c->db, 1, fault_handler, NULL);
        fault = true;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_row row;

        row.key.created = sqlite3_column_int64(st, 0);
        row.key.id = (const char *)sqlite3_column_text(st, 1);
        row.key.id_len = (size_t)sqlite3_column_bytes(st, 1);
        row.pre = sqlite3_column_blob(st, 2);
        row.pre_len = (size_t)sqlite3_column_bytes(st, 2);
        row.post = sqlite3_column_blob(st, 3);
        row.post_len = (size_t)sqlite3_column_bytes(st, 3);
        if (row.key.id == NULL || row.pre == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        n++;
        if (fn(ctx, &row) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        log_error("store: list query failed: %s", sqlite3_errstr(rc));
    if (fault)
        sqlite3_progress_handler(c->db, 0, NULL, NULL);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? n : -1;
}

void
store_set_fault_every(struct store *s, unsigned n)
{
    atomic_store(&s->fault_every, n);
}
