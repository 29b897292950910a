/*
 * store.c - see store.h.
 *
 * The in-memory store is a named, shared memdb ("file:/NAME?vfs=memdb"):
 * the writer and every per-thread reader connection open the same memory.
 * A state file is an ordinary SQLite database in WAL mode. Either way the
 * phase-fair lock below keeps reads and writes from overlapping, so SQLite's
 * own locks never conflict (no SQLITE_BUSY, no busy-wait).
 *
 * SPDX-License-Identifier: MIT
 */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embedded.h"
#include "log.h"

/* PRAGMA application_id of a state file ("AMck") and its schema version. */
#define STORE_APP_ID 0x414d636b
#define STORE_SCHEMA_VERSION 2

/*
 * Phase-fair reader-writer lock: a reader that arrives while a writer holds
 * or waits for the lock waits for that one write only (the releasing writer
 * admits every waiting reader before the next writer); a writer waits for
 * the readers in progress. Writers are served in turn.
 */
struct fair_lock {
    pthread_mutex_t m;
    pthread_cond_t readers_go;
    pthread_cond_t writer_go;
    int readers;      /* reading now (including admitted ones) */
    int readers_wait; /* waiting for the current write to end */
    int writers_wait;
    bool writer;
    unsigned phase;   /* bumped when a writer admits the waiting readers */
};

static void
fair_init(struct fair_lock *l)
{
    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->m, NULL);
    pthread_cond_init(&l->readers_go, NULL);
    pthread_cond_init(&l->writer_go, NULL);
}

static void
fair_destroy(struct fair_lock *l)
{
    pthread_mutex_destroy(&l->m);
    pthread_cond_destroy(&l->readers_go);
    pthread_cond_destroy(&l->writer_go);
}

static void
fair_read_lock(struct fair_lock *l)
{
    pthread_mutex_lock(&l->m);
    if (l->writer || l->writers_wait > 0) {
        unsigned phase = l->phase;
        l->readers_wait++;
        while (l->phase == phase)
            pthread_cond_wait(&l->readers_go, &l->m);
        /* Admitted (and counted in readers) by the releasing writer. */
    } else {
        l->readers++;
    }
    pthread_mutex_unlock(&l->m);
}

static void
fair_read_unlock(struct fair_lock *l)
{
    pthread_mutex_lock(&l->m);
    if (--l->readers == 0 && l->writers_wait > 0)
        pthread_cond_signal(&l->writer_go);
    pthread_mutex_unlock(&l->m);
}

static void
fair_write_lock(struct fair_lock *l)
{
    pthread_mutex_lock(&l->m);
    l->writers_wait++;
    while (l->writer || l->readers > 0)
        pthread_cond_wait(&l->writer_go, &l->m);
    l->writers_wait--;
    l->writer = true;
    pthread_mutex_unlock(&l->m);
}

static void
fair_write_unlock(struct fair_lock *l)
{
    pthread_mutex_lock(&l->m);
    l->writer = false;
    if (l->readers_wait > 0) {
        l->readers += l->readers_wait;
        l->readers_wait = 0;
        l->phase++;
        pthread_cond_broadcast(&l->readers_go);
    } else if (l->writers_wait > 0) {
        pthread_cond_signal(&l->writer_go);
    }
    pthread_mutex_unlock(&l->m);
}

/* ---- statements ---- */

/* Statements of a reader connection, per table. */
enum read_stmt {
    R_FIRST,  /* from the start */
    R_AFTER,  /* (created, id) > key, ascending */
    R_BEFORE, /* (created, id) < key, descending */
    R_GET,    /* by (acct, id) */
    R_COUNT,
    R_COUNT_STMTS
};

/* Statements of the writer connection, per table. */
enum write_stmt {
    W_INSERT,
    W_FIND_DUP,
    W_GET,
    W_UPDATE,
    W_DELETE,
    W_SAVE_UNDO, /* copy a seeded row to the undo table before a write */
    W_COUNT_STMTS
};

static const char *const table_names[STORE_TABLE_COUNT] = {
    [STORE_ASSISTANTS] = "assistants",
};

/* Readers never need the write-only column: only an update reads it. */
#define COLS "created, id, pre, post"
#define COLS_SECRET COLS ", secret"
static const char *const read_sql[R_COUNT_STMTS] = {
    [R_FIRST] = "SELECT " COLS " FROM %s WHERE acct = ?1 "
                "ORDER BY created, id LIMIT ?2",
    [R_AFTER] = "SELECT " COLS " FROM %s WHERE acct = ?1 AND "
                "(created, id) > (?3, ?4) ORDER BY created, id LIMIT ?2",
    [R_BEFORE] = "SELECT " COLS " FROM %s WHERE acct = ?1 AND "
                 "(created, id) < (?3, ?4) "
                 "ORDER BY created DESC, id DESC LIMIT ?2",
    [R_GET] = "SELECT " COLS " FROM %s WHERE id = ?2 AND acct = ?1",
    [R_COUNT] = "SELECT count(*) FROM %s WHERE acct = ?1",
};
static const char *const write_sql[W_COUNT_STMTS] = {
    [W_INSERT] = "INSERT INTO %s (acct, created, id, pre, post, secret, "
                 "origin, src_file, src_index) VALUES (?,?,?,?,?,?,?,?,?)",
    [W_FIND_DUP] = "SELECT src_file, src_index FROM %s WHERE id = ?",
    [W_GET] = "SELECT " COLS_SECRET " FROM %s WHERE id = ?2 AND acct = ?1",
    [W_UPDATE] = "UPDATE %s SET pre = ?3, post = ?4, secret = ?5, "
                 "origin = 0 WHERE id = ?2 AND acct = ?1",
    [W_DELETE] = "DELETE FROM %s WHERE id = ?2 AND acct = ?1",
    [W_SAVE_UNDO] = "INSERT OR IGNORE INTO %s_undo SELECT * FROM %s "
                    "WHERE id = ?2 AND acct = ?1 AND origin = 1",
};

/* Per-thread reader connection. */
struct store_conn {
    sqlite3 *db;
    sqlite3_stmt *st[STORE_TABLE_COUNT][R_COUNT_STMTS];
    struct store_conn *next;
};

struct store {
    sqlite3 *db; /* the writer; in memory it also keeps the memdb alive */
    sqlite3_stmt *st[STORE_TABLE_COUNT][W_COUNT_STMTS];
    sqlite3_stmt *acct_find, *acct_add;
    char uri[4200]; /* what readers open */
    int open_flags;  /* and how */
    bool is_file;
    bool is_new;
    struct fair_lock lock;
    pthread_mutex_t conns_lock; /* guards conns */
    struct store_conn *conns;
    uint64_t gen; /* unique per store, so a thread never reuses a stale conn */
};

static atomic_uint_fast64_t store_gens;
static _Thread_local struct store_conn *tl_conn;
static _Thread_local uint64_t tl_gen;

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

static int
prepare(sqlite3 *db, const char *fmt, const char *table, sqlite3_stmt **out)
{
    char sql[512];

    snprintf(sql, sizeof(sql), fmt, table, table);
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
                           NULL) != SQLITE_OK) {
        log_db(db, "prepare");
        return -1;
    }
    return 0;
}

static int
prepare_writer(struct store *s)
{
    int t, i;

    for (t = 0; t < STORE_TABLE_COUNT; t++)
        for (i = 0; i < W_COUNT_STMTS; i++)
            if (prepare(s->db, write_sql[i], table_names[t], &s->st[t][i]) <
                0)
                return -1;
    if (prepare(s->db, "SELECT acct FROM accounts WHERE sid = ?", "",
                &s->acct_find) < 0 ||
        prepare(s->db, "INSERT INTO accounts (acct, sid) VALUES "
                       "((SELECT coalesce(max(acct) + 1, 0) FROM accounts), ?)",
                "", &s->acct_add) < 0)
        return -1;
    return 0;
}

static struct store *
store_new(void)
{
    struct store *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    fair_init(&s->lock);
    pthread_mutex_init(&s->conns_lock, NULL);
    s->gen = atomic_fetch_add(&store_gens, 1) + 1;
    return s;
}

/*
 * Applies the schema to a new database, in a transaction that stays open
 * until store_load_end commits it with the seeded rows: a first start that
 * dies while seeding leaves an empty file, which the next start seeds anew.
 */
static int
create_schema(struct store *s)
{
    char pragma[128];

    if (exec(s->db, "BEGIN") < 0 || exec(s->db, embedded_schema_sql) < 0)
        return -1;
    snprintf(pragma, sizeof(pragma),
             "PRAGMA application_id = %d; PRAGMA user_version = %d",
             STORE_APP_ID, STORE_SCHEMA_VERSION);
    return exec(s->db, pragma);
}

struct store *
store_open(void)
{
    struct store *s = store_new();
    sqlite3_int64 limit = (sqlite3_int64)1 << 40;

    if (s == NULL)
        return NULL;
    /* A named memdb is shared by every connection that opens the name. */
    snprintf(s->uri, sizeof(s->uri),
             "file:/assistants-mock-%ld-%llu?vfs=memdb", (long)getpid(),
             (unsigned long long)s->gen);
    s->open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI |
                    SQLITE_OPEN_NOMUTEX;
    s->is_new = true;
    if (sqlite3_open_v2(s->uri, &s->db, s->open_flags | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        log_db(s->db, "open");
        goto fail;
    }
    sqlite3_file_control(s->db, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
    if (exec(s->db, "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
                    "PRAGMA cache_size = -8192") < 0 ||
        create_schema(s) < 0 || exec(s->db, "COMMIT") < 0 ||
        prepare_writer(s) < 0)
        goto fail;
    return s;
fail:
    store_close(s);
    return NULL;
}

/* Reads one integer pragma; -1 when it cannot. */
static long long
pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

struct store *
store_open_file(const char *path, char *err, size_t cap)
{
    struct store *s;
    struct stat st;
    long long app, ver, tables;
    bool exists;

    if (strlen(path) >= 4096) {
        snprintf(err, cap, "path too long");
        return NULL;
    }
    exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        snprintf(err, cap, "not a regular file");
        return NULL;
    }
    s = store_new();
    if (s == NULL) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    s->is_file = true;
    snprintf(s->uri, sizeof(s->uri), "%s", path);
    s->open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db,
                        s->open_flags | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, cap, "%s", s->db ? sqlite3_errmsg(s->db)
                                       : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    /* Any read tells whether this is a database at all. */
    tables = pragma_int(s->db, "SELECT count(*) FROM sqlite_schema");
    if (tables < 0) {
        snprintf(err, cap, "not an assistants-mock state file (%s)",
                 sqlite3_errmsg(s->db));
        goto fail;
    }
    app = pragma_int(s->db, "PRAGMA application_id");
    ver = pragma_int(s->db, "PRAGMA user_version");
    if (exec(s->db, "PRAGMA synchronous = NORMAL") < 0) {
        snprintf(err, cap, "%s", sqlite3_errmsg(s->db));
        goto fail;
    }
    if (tables == 0 && app == 0 && ver == 0) {
        s->is_new = true;
        if (exec(s->db, "PRAGMA journal_mode = WAL") < 0 ||
            create_schema(s) < 0) {
            snprintf(err, cap, "cannot create the schema: %s",
                     sqlite3_errmsg(s->db));
            goto fail;
        }
    } else if (app != STORE_APP_ID) {
        snprintf(err, cap,
                 "not an assistants-mock state file (another program's "
                 "SQLite database)");
        goto fail;
    } else if (ver != STORE_SCHEMA_VERSION) {
        snprintf(err, cap,
                 "state schema version %lld, this build uses %d: remove "
                 "the file to start over",
                 ver, STORE_SCHEMA_VERSION);
        goto fail;
    } else if (exec(s->db, "PRAGMA journal_mode = WAL") < 0) {
        snprintf(err, cap, "%s", sqlite3_errmsg(s->db));
        goto fail;
    }
    if (prepare_writer(s) < 0) {
        snprintf(err, cap, "%s", sqlite3_errmsg(s->db));
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
    int t, i;

    for (t = 0; t < STORE_TABLE_COUNT; t++)
        for (i = 0; i < R_COUNT_STMTS; i++)
            sqlite3_finalize(c->st[t][i]);
    sqlite3_close(c->db);
    free(c);
}

void
store_close(struct store *s)
{
    struct store_conn *c, *next;
    int t, i;

    if (s == NULL)
        return;
    for (c = s->conns; c; c = next) {
        next = c->next;
        conn_free(c);
    }
    if (tl_gen == s->gen)
        tl_conn = NULL;
    for (t = 0; t < STORE_TABLE_COUNT; t++)
        for (i = 0; i < W_COUNT_STMTS; i++)
            sqlite3_finalize(s->st[t][i]);
    sqlite3_finalize(s->acct_find);
    sqlite3_finalize(s->acct_add);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->conns_lock);
    fair_destroy(&s->lock);
    free(s);
}

bool
store_is_new(const struct store *s)
{
    return s->is_new;
}

int
store_account(struct store *s, const char *sid)
{
    sqlite3_stmt *st = s->acct_find;
    int rc, id = -1;

    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW)
        return id;
    if (rc != SQLITE_DONE) {
        log_db(s->db, "account look-up");
        return -1;
    }
    st = s->acct_add;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        log_db(s->db, "account insert");
        return -1;
    }
    return (int)(sqlite3_last_insert_rowid(s->db));
}

int
store_load_begin(struct store *s)
{
    /* A new state file is still in create_schema's transaction. */
    return sqlite3_get_autocommit(s->db) ? exec(s->db, "BEGIN") : 0;
}

static void
bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    if (p == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_blob(st, i, n ? p : "", (int)n, SQLITE_STATIC);
}

/* Binds and runs the insert; the step's result code. */
static int
run_insert(struct store *s, enum store_table t, int acct,
           const struct store_item *it, int origin, int src_file,
           int src_index)
{
    sqlite3_stmt *st = s->st[t][W_INSERT];
    int rc;

    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_int64(st, 2, it->created);
    sqlite3_bind_text(st, 3, it->id, (int)it->id_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, it->pre, (int)it->pre_len, SQLITE_STATIC);
    bind_blob(st, 5, it->post, it->post_len);
    bind_blob(st, 6, it->secret, it->secret_len);
    sqlite3_bind_int(st, 7, origin);
    sqlite3_bind_int(st, 8, src_file);
    sqlite3_bind_int(st, 9, src_index);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int
store_insert(struct store *s, int acct, int64_t created, const char *id,
             size_t id_len, const void *pre, size_t pre_len,
             const void *post, size_t post_len, int src_file, int src_index,
             int *dup_file, int *dup_index)
{
    struct store_item it = {created, id, id_len, pre, pre_len,
                            post_len ? post : NULL, post_len, NULL, 0};
    sqlite3_stmt *st;
    int rc;

    if (!s->is_new)
        return 0; /* a reused state keeps its rows */
    rc = run_insert(s, STORE_ASSISTANTS, acct, &it, 1, src_file, src_index);
    if (rc == SQLITE_DONE)
        return 0;
    if ((rc & 0xff) != SQLITE_CONSTRAINT) {
        log_db(s->db, "insert");
        return -1;
    }
    /* The id, or (acct, created, id), is taken: find the first holder. */
    st = s->st[STORE_ASSISTANTS][W_FIND_DUP];
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
    if (exec(s->db, "COMMIT") < 0)
        return -1;
    return s->is_new ? exec(s->db, "ANALYZE") : 0;
}

/* Opens this thread's reader connection. */
static struct store_conn *
conn_open(struct store *s)
{
    struct store_conn *c = calloc(1, sizeof(*c));
    int t, i;

    if (c == NULL)
        return NULL;
    /* Opening and preparing read the schema: not while a write runs. */
    fair_read_lock(&s->lock);
    if (sqlite3_open_v2(s->uri, &c->db, s->open_flags, NULL) != SQLITE_OK) {
        log_db(c->db, "reader open");
        goto fail;
    }
    if (exec(c->db, "PRAGMA cache_size = -8192") < 0)
        goto fail;
    for (t = 0; t < STORE_TABLE_COUNT; t++)
        for (i = 0; i < R_COUNT_STMTS; i++)
            if (prepare(c->db, read_sql[i], table_names[t], &c->st[t][i]) <
                0)
                goto fail;
    fair_read_unlock(&s->lock);
    pthread_mutex_lock(&s->conns_lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->conns_lock);
    return c;
fail:
    fair_read_unlock(&s->lock);
    conn_free(c);
    return NULL;
}

static struct store_conn *
reader(struct store *s)
{
    if (tl_gen != s->gen || tl_conn == NULL) {
        struct store_conn *c = conn_open(s);
        if (c == NULL)
            return NULL;
        tl_conn = c;
        tl_gen = s->gen;
    }
    return tl_conn;
}

/* Fills row from the current result (COLS, or COLS_SECRET). 0 or -1. */
static int
read_row(sqlite3_stmt *st, struct store_row *row)
{
    bool secret = sqlite3_column_count(st) > 4;

    row->key.created = sqlite3_column_int64(st, 0);
    row->key.id = (const char *)sqlite3_column_text(st, 1);
    row->key.id_len = (size_t)sqlite3_column_bytes(st, 1);
    row->pre = sqlite3_column_blob(st, 2);
    row->pre_len = (size_t)sqlite3_column_bytes(st, 2);
    row->post = sqlite3_column_blob(st, 3);
    row->post_len = (size_t)sqlite3_column_bytes(st, 3);
    row->secret = secret ? sqlite3_column_blob(st, 4) : NULL;
    row->secret_len = secret ? (size_t)sqlite3_column_bytes(st, 4) : 0;
    if (row->key.id == NULL || row->pre == NULL)
        return -1;
    if (row->post == NULL && sqlite3_column_type(st, 3) != SQLITE_NULL)
        row->post = ""; /* an empty, non-NULL blob */
    return 0;
}

long
store_count(struct store *s, enum store_table t, int acct)
{
    struct store_conn *c = reader(s);
    sqlite3_stmt *st;
    long n = -1;

    if (c == NULL)
        return -1;
    st = c->st[t][R_COUNT];
    fair_read_lock(&s->lock);
    sqlite3_bind_int(st, 1, acct);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    fair_read_unlock(&s->lock);
    return n;
}

long
store_list(struct store *s, enum store_table t, int acct, enum store_dir dir,
           const struct store_key *key, int limit, store_row_fn fn, void *ctx)
{
    struct store_conn *c = reader(s);
    sqlite3_stmt *st;
    long n = 0;
    int rc;

    if (c == NULL)
        return -1;
    if (key == NULL)
        st = c->st[t][R_FIRST];
    else
        st = c->st[t][dir == STORE_AFTER ? R_AFTER : R_BEFORE];
    fair_read_lock(&s->lock);
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_int(st, 2, limit);
    if (key) {
        sqlite3_bind_int64(st, 3, key->created);
        sqlite3_bind_text(st, 4, key->id, (int)key->id_len, SQLITE_STATIC);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_row row;

        if (read_row(st, &row) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        n++;
        if (fn(ctx, &row) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    fair_read_unlock(&s->lock);
    if (rc != SQLITE_DONE)
        log_error("store: list query failed: %s", sqlite3_errstr(rc));
    return rc == SQLITE_DONE ? n : -1;
}

int
store_get(struct store *s, enum store_table t, int acct, const char *id,
          size_t id_len, store_row_fn fn, void *ctx)
{
    struct store_conn *c = reader(s);
    struct store_row row;
    sqlite3_stmt *st;
    int rc, ret;

    if (c == NULL)
        return -1;
    st = c->st[t][R_GET];
    fair_read_lock(&s->lock);
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, id, (int)id_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = read_row(st, &row) < 0 ? -1 : (fn(ctx, &row), 0);
    else
        ret = rc == SQLITE_DONE ? 1 : -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    fair_read_unlock(&s->lock);
    if (ret < 0)
        log_error("store: fetch failed: %s", sqlite3_errstr(rc));
    return ret;
}

/* Ends a write transaction: COMMIT when ok, else ROLLBACK. */
static int
finish_write(struct store *s, bool ok)
{
    if (ok && exec(s->db, "COMMIT") == 0)
        return 0;
    if (!sqlite3_get_autocommit(s->db))
        exec(s->db, "ROLLBACK");
    return -1;
}

int
store_create(struct store *s, enum store_table t, int acct,
             const struct store_item *item)
{
    int rc;

    fair_write_lock(&s->lock);
    rc = run_insert(s, t, acct, item, 0, -1, -1);
    fair_write_unlock(&s->lock);
    if (rc == SQLITE_DONE)
        return 0;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return 1;
    log_db(s->db, "create");
    return -1;
}

/* Runs a bound statement to completion; its result code. */
static int
step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Copies the seeded row (acct, id), if it still is one, to the undo table. */
static int
save_undo(struct store *s, enum store_table t, int acct, const char *id,
          size_t id_len)
{
    sqlite3_stmt *st = s->st[t][W_SAVE_UNDO];

    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, id, (int)id_len, SQLITE_STATIC);
    return step_reset(st) == SQLITE_DONE ? 0 : -1;
}

int
store_update(struct store *s, enum store_table t, int acct, const char *id,
             size_t id_len, store_update_fn fn, void *ctx)
{
    sqlite3_stmt *get = s->st[t][W_GET], *up = s->st[t][W_UPDATE];
    struct store_item item;
    struct store_row row;
    int rc, ret = -1;

    fair_write_lock(&s->lock);
    if (exec(s->db, "BEGIN") < 0)
        goto out;
    sqlite3_bind_int(get, 1, acct);
    sqlite3_bind_text(get, 2, id, (int)id_len, SQLITE_STATIC);
    rc = sqlite3_step(get);
    if (rc != SQLITE_ROW) {
        ret = rc == SQLITE_DONE ? 1 : -1;
        sqlite3_reset(get);
        sqlite3_clear_bindings(get);
        finish_write(s, false);
        goto out;
    }
    if (read_row(get, &row) < 0) {
        sqlite3_reset(get);
        finish_write(s, false);
        goto out;
    }
    memset(&item, 0, sizeof(item));
    ret = fn(ctx, &row, &item);
    sqlite3_reset(get);
    sqlite3_clear_bindings(get);
    if (ret != 0) {
        finish_write(s, false);
        goto out;
    }
    if (save_undo(s, t, acct, id, id_len) < 0) {
        ret = -1;
        finish_write(s, false);
        goto out;
    }
    sqlite3_bind_int(up, 1, acct);
    sqlite3_bind_text(up, 2, id, (int)id_len, SQLITE_STATIC);
    sqlite3_bind_blob(up, 3, item.pre, (int)item.pre_len, SQLITE_STATIC);
    bind_blob(up, 4, item.post, item.post_len);
    bind_blob(up, 5, item.secret, item.secret_len);
    rc = step_reset(up);
    ret = finish_write(s, rc == SQLITE_DONE);
out:
    fair_write_unlock(&s->lock);
    if (ret < 0 && sqlite3_errcode(s->db) != SQLITE_OK)
        log_db(s->db, "update");
    return ret;
}

int
store_delete(struct store *s, enum store_table t, int acct, const char *id,
             size_t id_len)
{
    sqlite3_stmt *st = s->st[t][W_DELETE];
    int rc, ret = -1;

    fair_write_lock(&s->lock);
    if (exec(s->db, "BEGIN") < 0)
        goto out;
    if (save_undo(s, t, acct, id, id_len) < 0) {
        finish_write(s, false);
        goto out;
    }
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, id, (int)id_len, SQLITE_STATIC);
    rc = step_reset(st);
    if (rc != SQLITE_DONE) {
        finish_write(s, false);
        goto out;
    }
    ret = sqlite3_changes(s->db) == 0 ? 1 : 0;
    if (finish_write(s, true) < 0)
        ret = -1;
out:
    fair_write_unlock(&s->lock);
    if (ret < 0)
        log_db(s->db, "delete");
    return ret;
}

int
store_reset(struct store *s, int acct)
{
    char sql[1024], where[48] = "";
    bool ok = true;
    int t;

    if (acct >= 0)
        snprintf(where, sizeof(where), " acct = %d AND", acct);
    fair_write_lock(&s->lock);
    ok = exec(s->db, "BEGIN") == 0;
    for (t = 0; ok && t < STORE_TABLE_COUNT; t++) {
        const char *n = table_names[t];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE%s origin = 0;"
                 "INSERT INTO %s SELECT * FROM %s_undo WHERE%s 1;"
                 "DELETE FROM %s_undo WHERE%s 1;",
                 n, where, n, n, where, n, where);
        ok = exec(s->db, sql) == 0;
    }
    ok = finish_write(s, ok) == 0;
    fair_write_unlock(&s->lock);
    return ok ? 0 : -1;
}
