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
#define STORE_SCHEMA_VERSION 3

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
    R_GET,    /* by (acct, id) */
    R_COUNT,
    R_LINKED, /* rows linked to an owner, in link order */
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
    W_SAVE_UNDO_CHILDREN,
    W_DELETE_CHILDREN,
    W_COUNT_STMTS
};

/* Statements of the writer connection on the link tables. */
enum link_stmt {
    L_ATTACH,
    L_DETACH,
    L_DETACH_ASSISTANT,
    L_DETACH_TARGET,
    L_LINK_POLICY,
    L_UNLINK_OWNER,
    L_UNLINK_POLICY,
    L_COUNT_POLICIES,
    L_COUNT_STMTS
};

static const char *const table_names[STORE_TABLE_COUNT] = {
    [STORE_ASSISTANTS] = "assistants", [STORE_TOOLS] = "tools",
    [STORE_KNOWLEDGE] = "knowledge",   [STORE_POLICIES] = "policies",
    [STORE_SESSIONS] = "sessions",     [STORE_MESSAGES] = "messages",
    [STORE_FEEDBACKS] = "feedbacks",   [STORE_CHUNKS] = "chunks",
};

/* Readers never need the write-only column: only an update reads it. */
#define COLS "created, id, pre, post"
#define COLS_SECRET COLS ", secret"
#define TCOLS "t.created, t.id, t.pre, t.post"
static const char *const read_sql[R_COUNT_STMTS] = {
    [R_GET] = "SELECT " COLS " FROM %s WHERE id = ?2 AND acct = ?1",
    [R_COUNT] = "SELECT count(*) FROM %s WHERE acct = ?1",
    [R_LINKED] = NULL, /* per table, below */
};
/* The link order of a table's rows: attachments or policy links. */
static const char *const linked_sql[STORE_TABLE_COUNT] = {
    [STORE_TOOLS] = "SELECT " TCOLS " FROM attachments a JOIN tools t ON "
                    "t.id = a.target AND t.acct = a.acct WHERE a.acct = ?1 "
                    "AND a.assistant = ?2 AND a.kind = 1 ORDER BY a.seq",
    [STORE_KNOWLEDGE] = "SELECT " TCOLS " FROM attachments a JOIN knowledge "
                        "t ON t.id = a.target AND t.acct = a.acct WHERE "
                        "a.acct = ?1 AND a.assistant = ?2 AND a.kind = 2 "
                        "ORDER BY a.seq",
    [STORE_POLICIES] = "SELECT " TCOLS " FROM policy_links l JOIN policies "
                       "t ON t.id = l.policy AND t.acct = l.acct WHERE "
                       "l.acct = ?1 AND l.owner = ?2 ORDER BY l.seq",
};
/* The row selection of each list filter (kind = ?7: the target table). */
static const char *const filter_sql[STORE_FILTER_COUNT] = {
    [STORE_ALL] = "",
    [STORE_CHILDREN_OF] = " AND parent = ?5",
    [STORE_ATTACHED_TO] = " AND id IN (SELECT target FROM attachments WHERE "
                          "acct = ?1 AND assistant = ?5 AND kind = ?7)",
    [STORE_POLICIES_OF] = " AND id IN (SELECT policy FROM policy_links "
                          "WHERE acct = ?1 AND owner = ?5)",
    [STORE_POLICIES_OF2] = " AND id IN (SELECT policy FROM policy_links "
                           "WHERE acct = ?1 AND owner = ?5) AND id IN "
                           "(SELECT policy FROM policy_links WHERE acct = ?1 "
                           "AND owner = ?6)",
};
static const char *const write_sql[W_COUNT_STMTS] = {
    [W_INSERT] = "INSERT INTO %s (acct, created, id, pre, post, secret, "
                 "parent, origin, src_file, src_index) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?)",
    [W_FIND_DUP] = "SELECT src_file, src_index FROM %s WHERE id = ?",
    [W_GET] = "SELECT " COLS_SECRET " FROM %s WHERE id = ?2 AND acct = ?1",
    [W_UPDATE] = "UPDATE %s SET pre = ?3, post = ?4, secret = ?5, "
                 "origin = 0 WHERE id = ?2 AND acct = ?1",
    [W_DELETE] = "DELETE FROM %s WHERE id = ?2 AND acct = ?1",
    [W_SAVE_UNDO] = "INSERT OR IGNORE INTO %s_undo SELECT * FROM %s "
                    "WHERE id = ?2 AND acct = ?1 AND origin = 1",
    [W_SAVE_UNDO_CHILDREN] = "INSERT OR IGNORE INTO %s_undo SELECT * FROM "
                             "%s WHERE acct = ?1 AND parent = ?2 AND "
                             "origin = 1",
    [W_DELETE_CHILDREN] = "DELETE FROM %s WHERE acct = ?1 AND parent = ?2",
};
static const char *const link_sql[L_COUNT_STMTS] = {
    [L_ATTACH] = "INSERT OR IGNORE INTO attachments VALUES (?1, ?2, ?3, ?4, "
                 "(SELECT coalesce(max(seq), 0) + 1 FROM attachments WHERE "
                 "acct = ?1 AND assistant = ?2))",
    [L_DETACH] = "DELETE FROM attachments WHERE acct = ?1 AND assistant = ?2 "
                 "AND kind = ?3 AND target = ?4",
    [L_DETACH_ASSISTANT] = "DELETE FROM attachments WHERE acct = ?1 AND "
                           "assistant = ?2",
    [L_DETACH_TARGET] = "DELETE FROM attachments WHERE acct = ?1 AND "
                        "target = ?2",
    [L_LINK_POLICY] = "INSERT OR IGNORE INTO policy_links VALUES (?1, ?2, "
                      "?3, (SELECT coalesce(max(seq), 0) + 1 FROM "
                      "policy_links WHERE acct = ?1 AND owner = ?2))",
    [L_UNLINK_OWNER] = "DELETE FROM policy_links WHERE acct = ?1 AND "
                       "owner = ?2",
    [L_UNLINK_POLICY] = "DELETE FROM policy_links WHERE acct = ?1 AND "
                        "policy = ?2",
    [L_COUNT_POLICIES] = "SELECT count(*) FROM policy_links WHERE acct = ?1 "
                         "AND owner = ?2",
};

/* The attachment kind of a table (attachments.kind). */
static int
attach_kind(enum store_table t)
{
    return t == STORE_TOOLS ? 1 : t == STORE_KNOWLEDGE ? 2 : 0;
}

/* Per-thread reader connection. */
struct store_conn {
    sqlite3 *db;
    sqlite3_stmt *st[STORE_TABLE_COUNT][R_COUNT_STMTS];
    /* List statements, prepared on first use: [table][filter][dir]. */
    sqlite3_stmt *list[STORE_TABLE_COUNT][STORE_FILTER_COUNT][3];
    struct store_conn *next;
};

struct store {
    sqlite3 *db; /* the writer; in memory it also keeps the memdb alive */
    sqlite3_stmt *st[STORE_TABLE_COUNT][W_COUNT_STMTS];
    /* STORE_SEED_BATCH rows at once, prepared on first use */
    sqlite3_stmt *insert_many[STORE_TABLE_COUNT];
    sqlite3_stmt *link[L_COUNT_STMTS];
    sqlite3_stmt *acct_find, *acct_add;
    sqlite3_stmt *begin, *commit, *rollback;
    char uri[4200]; /* what readers open */
    int open_flags;  /* and how */
    bool is_file;
    bool is_new;
    struct fair_lock lock;
    pthread_mutex_t conns_lock; /* guards conns */
    struct store_conn *conns;
    uint64_t gen; /* unique per store, so a thread never reuses a stale conn */
    /*
     * Write generations (store_generation): one for every account, one per
     * slot of accounts (acct % STORE_GEN_SLOTS). Bumped when the write lock
     * is released; which slots a write touched is noted under the lock.
     */
    atomic_uint_fast64_t gen_all;
    atomic_uint_fast64_t gen_slot[STORE_GEN_SLOTS];
    bool touched_all;
    unsigned n_touched;
    unsigned touched[4]; /* slots, when n_touched <= 4 */
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

/*
 * Notes, under the write lock, that the write in progress changes account
 * acct (-1: any account).
 */
static void
touch(struct store *s, int acct)
{
    unsigned slot, i;

    if (acct < 0) {
        s->touched_all = true;
        return;
    }
    slot = (unsigned)acct % STORE_GEN_SLOTS;
    for (i = 0; i < s->n_touched && i < 4; i++)
        if (s->touched[i] == slot)
            return;
    if (s->n_touched < 4)
        s->touched[s->n_touched] = slot;
    s->n_touched++;
}

/*
 * Before the write lock is released: bumps the generations of what the
 * write touched (of every account when it did not say, or said -1, or
 * touched more slots than are noted).
 */
static void
publish(struct store *s)
{
    unsigned i;

    if (s->touched_all || s->n_touched == 0 || s->n_touched > 4)
        atomic_fetch_add(&s->gen_all, 1);
    else
        for (i = 0; i < s->n_touched; i++)
            atomic_fetch_add(&s->gen_slot[s->touched[i]], 1);
    s->touched_all = false;
    s->n_touched = 0;
}

uint64_t
store_generation(struct store *s, int acct)
{
    uint64_t g = atomic_load(&s->gen_all);

    /* Both only grow: the sum grows with either. */
    if (acct >= 0)
        g += atomic_load(&s->gen_slot[(unsigned)acct % STORE_GEN_SLOTS]);
    return g;
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
    char sql[1024];

    if (fmt == NULL)
        return 0; /* not for this table */
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
    for (i = 0; i < L_COUNT_STMTS; i++)
        if (prepare(s->db, link_sql[i], "", &s->link[i]) < 0)
            return -1;
    if (prepare(s->db, "BEGIN", "", &s->begin) < 0 ||
        prepare(s->db, "COMMIT", "", &s->commit) < 0 ||
        prepare(s->db, "ROLLBACK", "", &s->rollback) < 0)
        return -1;
    if (prepare(s->db, "SELECT acct FROM accounts WHERE sid = ?", "",
                &s->acct_find) < 0 ||
        prepare(s->db, "INSERT INTO accounts (acct, sid) VALUES "
                       "((SELECT coalesce(max(acct) + 1, 0) FROM accounts), ?)",
                "", &s->acct_add) < 0)
        return -1;
    return 0;
}

/*
 * Before SQLite's first use: no memory statistics (nothing here reads
 * them), so its allocations do not take a global mutex each (a load
 * makes several per row).
 */
static void
configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static struct store *
store_new(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct store *s;

    pthread_once(&once, configure_sqlite);
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    fair_init(&s->lock);
    atomic_init(&s->gen_all, 0);
    for (int i = 0; i < STORE_GEN_SLOTS; i++)
        atomic_init(&s->gen_slot[i], 0);
    pthread_mutex_init(&s->conns_lock, NULL);
    s->gen = atomic_fetch_add(&store_gens, 1) + 1;
    return s;
}

/* One resource table and its undo twin (schema/store.sql says why). */
static const char resource_table_sql[] =
    "CREATE TABLE @T ("
    " acct INTEGER NOT NULL, created INTEGER NOT NULL, id TEXT NOT NULL,"
    " pre BLOB NOT NULL, post BLOB, secret BLOB, parent TEXT,"
    " origin INTEGER NOT NULL, src_file INTEGER NOT NULL,"
    " src_index INTEGER NOT NULL, PRIMARY KEY (acct, created, id)"
    ") WITHOUT ROWID;"
    "CREATE UNIQUE INDEX @T_id ON @T (@K);"
    "CREATE TABLE @T_undo ("
    " acct INTEGER NOT NULL, created INTEGER NOT NULL, id TEXT NOT NULL,"
    " pre BLOB NOT NULL, post BLOB, secret BLOB, parent TEXT,"
    " origin INTEGER NOT NULL, src_file INTEGER NOT NULL,"
    " src_index INTEGER NOT NULL, PRIMARY KEY (@K)"
    ") WITHOUT ROWID;";
/* Lists by parent (a session's messages, ...) need this index. */
static const char parent_index_sql[] =
    "CREATE INDEX @T_parent ON @T (acct, parent, created, id);";

/* Writes tmpl with @T replaced by table and @K by key (cap: enough). */
static void
expand(char *out, size_t cap, const char *tmpl, const char *table,
       const char *key)
{
    size_t o = 0;

    for (; *tmpl && o + 64 < cap; tmpl++) {
        const char *v = NULL;
        if (tmpl[0] == '@' && (tmpl[1] == 'T' || tmpl[1] == 'K'))
            v = tmpl[1] == 'T' ? table : key;
        if (v == NULL) {
            out[o++] = *tmpl;
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "%s", v);
        tmpl++;
    }
    out[o] = '\0';
}

static int
create_tables(struct store *s)
{
    char sql[2048];
    int t;

    for (t = 0; t < STORE_TABLE_COUNT; t++) {
        /* Session ids are names chosen by clients: unique per account. */
        const char *key = t == STORE_SESSIONS ? "acct, id" : "id";
        expand(sql, sizeof(sql), resource_table_sql, table_names[t], key);
        if (exec(s->db, sql) < 0)
            return -1;
        if (t == STORE_MESSAGES || t == STORE_FEEDBACKS || t == STORE_CHUNKS) {
            expand(sql, sizeof(sql), parent_index_sql, table_names[t], key);
            if (exec(s->db, sql) < 0)
                return -1;
        }
    }
    return 0;
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

    if (exec(s->db, "BEGIN") < 0 || exec(s->db, embedded_schema_sql) < 0 ||
        create_tables(s) < 0)
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
    int t, i, d;

    for (t = 0; t < STORE_TABLE_COUNT; t++) {
        for (i = 0; i < R_COUNT_STMTS; i++)
            sqlite3_finalize(c->st[t][i]);
        for (i = 0; i < STORE_FILTER_COUNT; i++)
            for (d = 0; d < 3; d++)
                sqlite3_finalize(c->list[t][i][d]);
    }
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
    for (t = 0; t < STORE_TABLE_COUNT; t++)
        sqlite3_finalize(s->insert_many[t]);
    for (i = 0; i < L_COUNT_STMTS; i++)
        sqlite3_finalize(s->link[i]);
    sqlite3_finalize(s->begin);
    sqlite3_finalize(s->commit);
    sqlite3_finalize(s->rollback);
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

/* Runs a bound statement to completion; its result code. */
static int
step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Binds one row of W_INSERT's ten columns at parameters at + 1 .. + 10. */
static void
bind_row(sqlite3_stmt *st, int at, int acct, const struct store_item *it,
         int origin, int src_file, int src_index)
{
    sqlite3_bind_int(st, at + 1, acct);
    sqlite3_bind_int64(st, at + 2, it->created);
    sqlite3_bind_text(st, at + 3, it->id, (int)it->id_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, at + 4, it->pre, (int)it->pre_len, SQLITE_STATIC);
    bind_blob(st, at + 5, it->post, it->post_len);
    bind_blob(st, at + 6, it->secret, it->secret_len);
    if (it->parent)
        sqlite3_bind_text(st, at + 7, it->parent, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, at + 7);
    sqlite3_bind_int(st, at + 8, origin);
    sqlite3_bind_int(st, at + 9, src_file);
    sqlite3_bind_int(st, at + 10, src_index);
}

/* Binds and runs the insert; the step's result code. */
static int
run_insert(struct store *s, enum store_table t, int acct,
           const struct store_item *it, int origin, int src_file,
           int src_index)
{
    sqlite3_stmt *st = s->st[t][W_INSERT];

    bind_row(st, 0, acct, it, origin, src_file, src_index);
    return step_reset(st);
}

int
store_insert_item(struct store *s, enum store_table t, int acct,
                  const struct store_item *it, int src_file, int src_index,
                  int *dup_file, int *dup_index)
{
    sqlite3_stmt *st;
    int rc;

    if (!s->is_new)
        return 0; /* a reused state keeps its rows */
    rc = run_insert(s, t, acct, it, 1, src_file, src_index);
    if (rc == SQLITE_DONE)
        return 0;
    if ((rc & 0xff) != SQLITE_CONSTRAINT) {
        log_db(s->db, "insert");
        return -1;
    }
    /* The id, or (acct, created, id), is taken: find the first holder. */
    st = s->st[t][W_FIND_DUP];
    sqlite3_bind_text(st, 1, it->id, (int)it->id_len, SQLITE_STATIC);
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

/* The insert of STORE_SEED_BATCH rows into t, prepared on first use. */
static sqlite3_stmt *
insert_many_stmt(struct store *s, enum store_table t)
{
    static const char row[] = ",(?,?,?,?,?,?,?,?,?,?)";
    char sql[256 + STORE_SEED_BATCH * sizeof(row)];
    size_t o;
    int i;

    if (s->insert_many[t])
        return s->insert_many[t];
    o = (size_t)snprintf(sql, sizeof(sql),
                         "INSERT OR FAIL INTO %s (acct, created, id, pre, "
                         "post, "
                         "secret, parent, origin, src_file, src_index) "
                         "VALUES ",
                         table_names[t]);
    for (i = 0; i < STORE_SEED_BATCH; i++) {
        memcpy(sql + o, row + (i == 0), sizeof(row) - 1 - (i == 0));
        o += sizeof(row) - 1 - (i == 0);
    }
    sql[o] = '\0';
    if (sqlite3_prepare_v3(s->db, sql, (int)o, SQLITE_PREPARE_PERSISTENT,
                           &s->insert_many[t], NULL) != SQLITE_OK) {
        log_db(s->db, "prepare");
        s->insert_many[t] = NULL;
    }
    return s->insert_many[t];
}

void
store_insert_many(struct store *s, enum store_table t,
                  struct store_seed *rows, size_t n)
{
    sqlite3_stmt *st;
    size_t i = 0, k, done;
    int rc;

    /*
     * STORE_SEED_BATCH rows a statement. OR FAIL: a refused row (a
     * duplicate id) ends the statement but keeps the rows before it (the
     * changes count them), and needs no statement journal, so a statement
     * costs little more than its rows. The refused row then goes through
     * store_insert_item, which finds the first holder, and the rest follow.
     */
    while (s->is_new && n - i >= STORE_SEED_BATCH &&
           (st = insert_many_stmt(s, t)) != NULL) {
        for (k = 0; k < STORE_SEED_BATCH; k++)
            bind_row(st, (int)k * 10, rows[i + k].acct, &rows[i + k].item,
                     1, rows[i + k].src_file, rows[i + k].src_index);
        rc = sqlite3_step(st);
        done = rc == SQLITE_DONE ? STORE_SEED_BATCH
                                 : (size_t)sqlite3_changes(s->db);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (done > STORE_SEED_BATCH)
            done = 0; /* cannot be: go row by row */
        for (k = 0; k < done; k++)
            rows[i + k].rc = 0;
        i += done;
        if (done < STORE_SEED_BATCH) {
            rows[i].rc = store_insert_item(s, t, rows[i].acct, &rows[i].item,
                                           rows[i].src_file,
                                           rows[i].src_index,
                                           &rows[i].dup_file,
                                           &rows[i].dup_index);
            i++;
        }
    }
    for (; i < n; i++)
        rows[i].rc = store_insert_item(s, t, rows[i].acct, &rows[i].item,
                                       rows[i].src_file, rows[i].src_index,
                                       &rows[i].dup_file, &rows[i].dup_index);
}

int
store_insert(struct store *s, int acct, int64_t created, const char *id,
             size_t id_len, const void *pre, size_t pre_len,
             const void *post, size_t post_len, int src_file, int src_index,
             int *dup_file, int *dup_index)
{
    struct store_item it = {created, id,       id_len, NULL, pre,
                            pre_len, post_len ? post : NULL, post_len,
                            NULL,    0};

    return store_insert_item(s, STORE_ASSISTANTS, acct, &it, src_file,
                             src_index, dup_file, dup_index);
}

int
store_load_end(struct store *s)
{
    if (s->is_new &&
        exec(s->db, "INSERT INTO attachments_seed SELECT * FROM attachments;"
                    "INSERT INTO policy_links_seed SELECT * FROM "
                    "policy_links") < 0)
        return -1;
    if (exec(s->db, "COMMIT") < 0)
        return -1;
    atomic_fetch_add(&s->gen_all, 1);
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
            if (prepare(c->db, i == R_LINKED ? linked_sql[t] : read_sql[i],
                        table_names[t], &c->st[t][i]) < 0)
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

/* The list statement of (t, filter, dir), prepared on first use. */
static sqlite3_stmt *
list_stmt(struct store_conn *c, enum store_table t,
          enum store_filter_kind f, int d)
{
    static const char *const seek[3] = {
        "", " AND (created, id) > (?3, ?4)", " AND (created, id) < (?3, ?4)"};
    char sql[1024];

    if (c->list[t][f][d] == NULL) {
        snprintf(sql, sizeof(sql),
                 "SELECT " COLS " FROM %s WHERE acct = ?1%s%s ORDER BY "
                 "%s LIMIT ?2",
                 table_names[t], filter_sql[f], seek[d],
                 d == 2 ? "created DESC, id DESC" : "created, id");
        if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                               &c->list[t][f][d], NULL) != SQLITE_OK) {
            log_db(c->db, "prepare");
            return NULL;
        }
    }
    return c->list[t][f][d];
}

/* Steps st (bound), calling fn per row; rows visited or -1. */
static long
run_rows(sqlite3_stmt *st, store_row_fn fn, void *ctx)
{
    long n = 0;
    int rc;

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
    if (rc != SQLITE_DONE) {
        log_error("store: list query failed: %s", sqlite3_errstr(rc));
        return -1;
    }
    return n;
}

long
store_list_where(struct store *s, enum store_table t, int acct,
                 const struct store_filter *f, enum store_dir dir,
                 const struct store_key *key, int limit, store_row_fn fn,
                 void *ctx)
{
    struct store_conn *c = reader(s);
    enum store_filter_kind fk = f ? f->kind : STORE_ALL;
    sqlite3_stmt *st;
    long n;

    if (c == NULL)
        return -1;
    fair_read_lock(&s->lock);
    st = list_stmt(c, t, fk, key == NULL ? 0 : dir == STORE_AFTER ? 1 : 2);
    if (st == NULL) {
        fair_read_unlock(&s->lock);
        return -1;
    }
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_int(st, 2, limit);
    if (key) {
        sqlite3_bind_int64(st, 3, key->created);
        sqlite3_bind_text(st, 4, key->id, (int)key->id_len, SQLITE_STATIC);
    }
    if (f && f->a)
        sqlite3_bind_text(st, 5, f->a, -1, SQLITE_STATIC);
    if (f && f->b)
        sqlite3_bind_text(st, 6, f->b, -1, SQLITE_STATIC);
    if (fk == STORE_ATTACHED_TO)
        sqlite3_bind_int(st, 7, attach_kind(t));
    n = run_rows(st, fn, ctx);
    fair_read_unlock(&s->lock);
    return n;
}

long
store_list(struct store *s, enum store_table t, int acct, enum store_dir dir,
           const struct store_key *key, int limit, store_row_fn fn, void *ctx)
{
    return store_list_where(s, t, acct, NULL, dir, key, limit, fn, ctx);
}

long
store_each_link(struct store *s, int acct, bool attachments,
                 store_link_fn fn, void *ctx)
{
    static const char *const sql[2] = {
        "SELECT owner, policy, CASE WHEN substr(owner, 1, 9) = 'aia_tool_' "
        "THEN 1 ELSE 2 END FROM policy_links WHERE acct = ?1 "
        "ORDER BY owner, seq",
        "SELECT assistant, target, kind FROM attachments WHERE acct = ?1 "
        "ORDER BY assistant, seq"};
    struct store_conn *c = reader(s);
    sqlite3_stmt *st = NULL;
    long n = 0;
    int rc;

    if (c == NULL)
        return -1;
    fair_read_lock(&s->lock);
    if (sqlite3_prepare_v2(c->db, sql[attachments], -1, &st, NULL) !=
        SQLITE_OK) {
        fair_read_unlock(&s->lock);
        log_db(c->db, "prepare");
        return -1;
    }
    sqlite3_bind_int(st, 1, acct);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int kind = sqlite3_column_int(st, 2);
        n++;
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 1),
               kind == 1 ? STORE_TOOLS : STORE_KNOWLEDGE) != 0)
            break;
    }
    sqlite3_finalize(st);
    fair_read_unlock(&s->lock);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

long
store_list_linked(struct store *s, enum store_table t, int acct,
                  const char *owner, store_row_fn fn, void *ctx)
{
    struct store_conn *c = reader(s);
    sqlite3_stmt *st;
    long n;

    if (c == NULL || (st = c->st[t][R_LINKED]) == NULL)
        return -1;
    fair_read_lock(&s->lock);
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
    n = run_rows(st, fn, ctx);
    fair_read_unlock(&s->lock);
    return n;
}

/* Runs a bound single-row statement st: fn on its row. 0, 1 none, -1. */
static int
get_row(sqlite3_stmt *st, store_row_fn fn, void *ctx)
{
    struct store_row row;
    int rc = sqlite3_step(st), ret;

    if (rc == SQLITE_ROW)
        ret = read_row(st, &row) < 0 ? -1 : ((fn ? fn(ctx, &row) : 0), 0);
    else
        ret = rc == SQLITE_DONE ? 1 : -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (ret < 0)
        log_error("store: fetch failed: %s", sqlite3_errstr(rc));
    return ret;
}

int
store_get(struct store *s, enum store_table t, int acct, const char *id,
          size_t id_len, store_row_fn fn, void *ctx)
{
    struct store_conn *c = reader(s);
    sqlite3_stmt *st;
    int ret;

    if (c == NULL)
        return -1;
    st = c->st[t][R_GET];
    fair_read_lock(&s->lock);
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, id, (int)id_len, SQLITE_STATIC);
    ret = get_row(st, fn, ctx);
    fair_read_unlock(&s->lock);
    return ret;
}

/* ---- writes ---- */

int
store_txn_begin(struct store *s)
{
    fair_write_lock(&s->lock);
    if (step_reset(s->begin) != SQLITE_DONE) {
        log_db(s->db, "begin");
        fair_write_unlock(&s->lock);
        return -1;
    }
    return 0;
}

int
store_txn_end(struct store *s, bool ok)
{
    int rc = 0;

    if (ok && step_reset(s->commit) != SQLITE_DONE) {
        log_db(s->db, "commit");
        rc = -1;
        ok = false;
    }
    if (!ok && !sqlite3_get_autocommit(s->db))
        step_reset(s->rollback);
    publish(s);
    fair_write_unlock(&s->lock);
    return rc;
}

int
store_txn_create(struct store *s, enum store_table t, int acct,
                 const struct store_item *item)
{
    int rc;

    touch(s, acct);
    rc = run_insert(s, t, acct, item, 0, -1, -1);
    if (rc == SQLITE_DONE)
        return 0;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return 1;
    log_db(s->db, "create");
    return -1;
}

int
store_create(struct store *s, enum store_table t, int acct,
             const struct store_item *item)
{
    int rc;

    if (store_txn_begin(s) < 0)
        return -1;
    rc = store_txn_create(s, t, acct, item);
    if (store_txn_end(s, rc == 0) < 0)
        rc = -1;
    return rc;
}

/* Binds (acct, id) as ?1, ?2 and runs st. Its result code. */
static int
run_acct_id(sqlite3_stmt *st, int acct, const char *id, int id_len)
{
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, id, id_len, SQLITE_STATIC);
    return step_reset(st);
}

/* Copies the seeded row (acct, id), if it still is one, to the undo table. */
static int
save_undo(struct store *s, enum store_table t, int acct, const char *id,
          size_t id_len)
{
    return run_acct_id(s->st[t][W_SAVE_UNDO], acct, id, (int)id_len) ==
                   SQLITE_DONE
               ? 0
               : -1;
}

int
store_txn_get(struct store *s, enum store_table t, int acct, const char *id,
              size_t id_len, store_row_fn fn, void *ctx)
{
    sqlite3_stmt *st = s->st[t][W_GET];

    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, id, (int)id_len, SQLITE_STATIC);
    return get_row(st, fn, ctx);
}

int
store_txn_update(struct store *s, enum store_table t, int acct,
                 const char *id, size_t id_len, store_update_fn fn, void *ctx)
{
    sqlite3_stmt *get = s->st[t][W_GET], *up = s->st[t][W_UPDATE];
    struct store_item item;
    struct store_row row;
    int rc, ret;

    touch(s, acct);
    sqlite3_bind_int(get, 1, acct);
    sqlite3_bind_text(get, 2, id, (int)id_len, SQLITE_STATIC);
    rc = sqlite3_step(get);
    if (rc != SQLITE_ROW || read_row(get, &row) < 0) {
        sqlite3_reset(get);
        sqlite3_clear_bindings(get);
        if (rc == SQLITE_DONE)
            return 1;
        log_db(s->db, "update");
        return -1;
    }
    memset(&item, 0, sizeof(item));
    ret = fn(ctx, &row, &item);
    sqlite3_reset(get);
    sqlite3_clear_bindings(get);
    if (ret != 0)
        return ret;
    if (save_undo(s, t, acct, id, id_len) < 0) {
        log_db(s->db, "update");
        return -1;
    }
    sqlite3_bind_int(up, 1, acct);
    sqlite3_bind_text(up, 2, id, (int)id_len, SQLITE_STATIC);
    sqlite3_bind_blob(up, 3, item.pre, (int)item.pre_len, SQLITE_STATIC);
    bind_blob(up, 4, item.post, item.post_len);
    bind_blob(up, 5, item.secret, item.secret_len);
    if (step_reset(up) != SQLITE_DONE) {
        log_db(s->db, "update");
        return -1;
    }
    return 0;
}

int
store_update(struct store *s, enum store_table t, int acct, const char *id,
             size_t id_len, store_update_fn fn, void *ctx)
{
    int rc;

    if (store_txn_begin(s) < 0)
        return -1;
    rc = store_txn_update(s, t, acct, id, id_len, fn, ctx);
    if (store_txn_end(s, rc == 0) < 0)
        rc = -1;
    return rc;
}

/* Deletes the children of parent (id) in table t, keeping seeded ones. */
static int
delete_children(struct store *s, enum store_table t, int acct, const char *id,
                int id_len)
{
    if (run_acct_id(s->st[t][W_SAVE_UNDO_CHILDREN], acct, id, id_len) !=
            SQLITE_DONE ||
        run_acct_id(s->st[t][W_DELETE_CHILDREN], acct, id, id_len) !=
            SQLITE_DONE)
        return -1;
    return 0;
}

/* What hangs on a row of t that goes when it goes. */
static int
cascade(struct store *s, enum store_table t, int acct, const char *id,
        int id_len)
{
    switch (t) {
    case STORE_ASSISTANTS:
        return run_acct_id(s->link[L_DETACH_ASSISTANT], acct, id, id_len) ==
                           SQLITE_DONE &&
                       delete_children(s, STORE_FEEDBACKS, acct, id,
                                       id_len) == 0
                   ? 0
                   : -1;
    case STORE_TOOLS:
    case STORE_KNOWLEDGE:
        return run_acct_id(s->link[L_DETACH_TARGET], acct, id, id_len) ==
                           SQLITE_DONE &&
                       run_acct_id(s->link[L_UNLINK_OWNER], acct, id,
                                   id_len) == SQLITE_DONE &&
                       (t == STORE_TOOLS ||
                        delete_children(s, STORE_CHUNKS, acct, id, id_len) ==
                            0)
                   ? 0
                   : -1;
    case STORE_POLICIES:
        return run_acct_id(s->link[L_UNLINK_POLICY], acct, id, id_len) ==
                       SQLITE_DONE
                   ? 0
                   : -1;
    case STORE_SESSIONS:
        return delete_children(s, STORE_MESSAGES, acct, id, id_len);
    default:
        return 0;
    }
}

int
store_delete(struct store *s, enum store_table t, int acct, const char *id,
             size_t id_len)
{
    int ret = -1;

    if (store_txn_begin(s) < 0)
        return -1;
    touch(s, acct);
    if (save_undo(s, t, acct, id, id_len) == 0 &&
        run_acct_id(s->st[t][W_DELETE], acct, id, (int)id_len) ==
            SQLITE_DONE) {
        ret = sqlite3_changes(s->db) == 0 ? 1 : 0;
        if (ret == 0 && cascade(s, t, acct, id, (int)id_len) < 0)
            ret = -1;
    }
    if (ret < 0)
        log_db(s->db, "delete");
    if (store_txn_end(s, ret == 0) < 0)
        ret = -1;
    return ret;
}

/* Binds the attachment (acct, assistant, kind, target) and runs st. */
static int
run_attachment(sqlite3_stmt *st, int acct, const char *assistant,
               enum store_table kind, const char *target)
{
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, assistant, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, attach_kind(kind));
    sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
    return step_reset(st);
}

int
store_txn_attach(struct store *s, int acct, const char *assistant,
                 enum store_table kind, const char *target)
{
    touch(s, acct);
    if (run_attachment(s->link[L_ATTACH], acct, assistant, kind, target) !=
        SQLITE_DONE) {
        log_db(s->db, "attach");
        return -1;
    }
    return 0;
}

int
store_txn_detach(struct store *s, int acct, const char *assistant,
                 enum store_table kind, const char *target)
{
    touch(s, acct);
    if (run_attachment(s->link[L_DETACH], acct, assistant, kind, target) !=
        SQLITE_DONE) {
        log_db(s->db, "detach");
        return -1;
    }
    return sqlite3_changes(s->db) ? 0 : 1;
}

int
store_txn_link_policy(struct store *s, int acct, const char *owner,
                      const char *policy)
{
    sqlite3_stmt *st = s->link[L_LINK_POLICY];

    touch(s, acct);
    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, policy, -1, SQLITE_STATIC);
    if (step_reset(st) != SQLITE_DONE) {
        log_db(s->db, "policy link");
        return -1;
    }
    return 0;
}

int
store_txn_delete_children(struct store *s, enum store_table t, int acct,
                          const char *parent)
{
    touch(s, acct);
    if (delete_children(s, t, acct, parent, -1) < 0) {
        log_db(s->db, "delete");
        return -1;
    }
    return 0;
}

int
store_txn_unlink_policies(struct store *s, int acct, const char *owner)
{
    touch(s, acct);
    if (run_acct_id(s->link[L_UNLINK_OWNER], acct, owner, -1) !=
        SQLITE_DONE) {
        log_db(s->db, "policy unlink");
        return -1;
    }
    return 0;
}

long
store_txn_count_policies(struct store *s, int acct, const char *owner)
{
    sqlite3_stmt *st = s->link[L_COUNT_POLICIES];
    long n = -1;

    sqlite3_bind_int(st, 1, acct);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return n;
}

int
store_reset(struct store *s, int acct)
{
    char sql[1024], where[48] = "", and_where[48] = "";
    bool ok;
    int t;

    if (acct >= 0) {
        snprintf(where, sizeof(where), " WHERE acct = %d", acct);
        snprintf(and_where, sizeof(and_where), " acct = %d AND", acct);
    }
    if (store_txn_begin(s) < 0)
        return -1;
    touch(s, acct);
    ok = true;
    for (t = 0; ok && t < STORE_TABLE_COUNT; t++) {
        const char *n = table_names[t];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE%s origin = 0;"
                 "INSERT INTO %s SELECT * FROM %s_undo%s;"
                 "DELETE FROM %s_undo%s;",
                 n, and_where, n, n, where, n, where);
        ok = exec(s->db, sql) == 0;
    }
    if (ok) {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM attachments%s;"
                 "INSERT INTO attachments SELECT * FROM attachments_seed%s;"
                 "DELETE FROM policy_links%s;"
                 "INSERT INTO policy_links SELECT * FROM policy_links_seed%s;",
                 where, where, where, where);
        ok = exec(s->db, sql) == 0;
    }
    return store_txn_end(s, ok) == 0 && ok ? 0 : -1;
}
