/*
 * knowledge.c - see knowledge.h.
 *
 * The processing state lives in the row's private fields
 * {"polls":N,"since_ms":T,"last_status":S|null}; the rendered status is
 * rewritten (with date_updated) when a read finds it has moved on.
 *
 * SPDX-License-Identifier: MIT
 */
#include "knowledge.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crud.h"
#include "list.h"
#include "policies.h"
#include "router.h"
#include "tools.h"
#include "util.h"

#define R (&resource_knowledge)

static bool completed(json_object *rec);
static int make_chunks(struct call *c, json_object *rec, const char *kid);

int
knowledge_rule_parse(const char *s, struct knowledge_rule *out)
{
    size_t n = strlen(s), digits = strspn(s, "0123456789");
    long long v;
    long long mul = 0;

    if (digits == 0 || util_parse_int(s, digits, 0, 86400000LL, &v) < 0)
        return -1;
    if (digits == n)
        mul = 0;
    else if (strcmp(s + digits, "ms") == 0)
        mul = 1;
    else if (strcmp(s + digits, "s") == 0)
        mul = 1000;
    else
        return -1;
    out->by_time = mul != 0;
    out->n = mul ? v * mul : v;
    if (out->by_time && out->n > 86400000LL)
        return -1;
    return 0;
}

/* The status the knowledge ends in. */
static const char *
final_status(json_object *rec)
{
    json_object *type = NULL, *d = NULL, *f = NULL;

    json_object_object_get_ex(rec, "type", &type);
    json_object_object_get_ex(rec, "knowledge_source_details", &d);
    if (type && strcmp(json_object_get_string(type), "File") == 0 &&
        !(json_object_object_get_ex(d, "file_name", &f) &&
          json_object_is_type(f, json_type_string)))
        return "FAILED";
    return "COMPLETED";
}

static long long
state_int(json_object *secret, const char *key)
{
    json_object *v = NULL;

    json_object_object_get_ex(secret, key, &v);
    return v ? (long long)json_object_get_int64(v) : 0;
}

/* The status due now for rec, after this read (poll: counts one). */
static const char *
due_status(const struct knowledge_rule *rule, json_object *rec,
           json_object *secret, bool poll, long long *polls)
{
    *polls = state_int(secret, "polls") + (poll && !rule->by_time ? 1 : 0);
    if (rule->by_time) {
        long long age = clock_now_ms() - state_int(secret, "since_ms");
        return age >= rule->n       ? final_status(rec)
               : age >= rule->n / 2 ? "PROCESSING"
                                    : "QUEUED";
    }
    return *polls >= rule->n ? final_status(rec)
           : *polls >= 1     ? "PROCESSING"
                             : "QUEUED";
}

static int
set_state(struct crud_write *w, long long polls, long long since,
          const char *last)
{
    json_object *o = json_object_new_object();

    if (o == NULL)
        return -1;
    json_object_object_add(o, "polls", json_object_new_int64(polls));
    json_object_object_add(o, "since_ms", json_object_new_int64(since));
    json_object_object_add(o, "last_status",
                           last ? json_object_new_string(last) : NULL);
    json_object_put(w->secret);
    w->secret = o;
    return 0;
}

/* The type rules (API.md §5) on a merged record. */
static bool
bad_record(struct call *c, json_object *rec)
{
    static const char *const types[] = {"Web", "Database", "Text", "File"};
    json_object *type = NULL, *em = NULL, *d = NULL, *v = NULL;
    const char *t, *need = NULL;
    size_t i;
    bool known = false;

    json_object_object_get_ex(rec, "type", &type);
    t = json_object_get_string(type);
    for (i = 0; t && i < sizeof(types) / sizeof(types[0]); i++)
        known = known || strcmp(types[i], t) == 0;
    if (!known) {
        call_error(c, API_ERR_INVALID_PARAM, "type", NULL);
        return true;
    }
    json_object_object_get_ex(rec, "embedding_model", &em);
    if (strcmp(t, "Database") == 0 && em == NULL) {
        call_error(c, API_ERR_MISSING_PARAM, "embedding_model", NULL);
        return true;
    }
    if (strcmp(t, "Database") != 0 && em != NULL) {
        call_error(c, API_ERR_INVALID_PARAM, "embedding_model", NULL);
        return true;
    }
    need = strcmp(t, "Web") == 0 ? "source"
           : strcmp(t, "Text") == 0 ? "content"
                                    : NULL;
    json_object_object_get_ex(rec, "knowledge_source_details", &d);
    if (need) {
        char field[64];
        snprintf(field, sizeof(field), "knowledge_source_details.%s", need);
        if (!json_object_object_get_ex(d, need, &v) || v == NULL) {
            call_error(c, API_ERR_MISSING_PARAM, field, NULL);
            return true;
        }
        if (!json_object_is_type(v, json_type_string)) {
            call_error(c, API_ERR_INVALID_PARAM, field, NULL);
            return true;
        }
    }
    return false;
}

void
knowledge_list(struct call *c)
{
    knowledge_catch_up(c);
    crud_list_attached(c, STORE_KNOWLEDGE, "knowledge", "/v1/Knowledge",
                       "AssistantId");
}

void
knowledge_create(struct call *c)
{
    const struct knowledge_rule *rule = &c->app->knowledge_rule;
    struct crud_write w;
    long long polls;
    int rc = -1;

    if (crud_bad_body(c, R, c->body, true, NULL) ||
        tools_bad_assistant_id(c, c->body) || policies_bad_member(c, c->body))
        return;
    crud_write_init(&w);
    if (crud_new(c, R, c->body, &w) < 0)
        goto out;
    if (bad_record(c, w.rec)) {
        rc = 1;
        goto out;
    }
    if (set_state(&w, 0, clock_now_ms(), NULL) < 0 ||
        crud_set_string(&w, "status",
                        due_status(rule, w.rec, w.secret, false, &polls)) <
            0 ||
        crud_render(R, &w) < 0 || store_txn_begin(c->app->store) < 0)
        goto out;
    rc = store_txn_create(c->app->store, STORE_KNOWLEDGE, c->acct, &w.it);
    if (rc == 0 && completed(w.rec))
        rc = make_chunks(c, w.rec, w.id);
    if (rc == 0)
        rc = tools_attach_member(c, c->body, STORE_KNOWLEDGE, w.id);
    if (rc == 0)
        rc = policies_apply(c, w.id, c->body, false);
    if (store_txn_end(c->app->store, rc == 0) < 0 && rc == 0)
        rc = -1;
out:
    if (rc == 0)
        crud_answer(c, 201, &w);
    else if (rc < 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    crud_write_release(&w);
}

/* Bytes of text per chunk (cut back to a UTF-8 boundary). */
#define KNOWLEDGE_CHUNK 1000

/* Inserts chunk i of knowledge rec: content s[0..n). 0 or -1. */
static int
add_chunk(struct call *c, json_object *rec, const char *kid, int i,
          const char *s, size_t n)
{
    struct crud_write w;
    json_object *name = NULL, *meta;
    char id[ROUTER_MAX_PARAM + 16];
    int rc = -1;

    crud_write_init(&w);
    w.rec = json_object_new_object();
    meta = json_object_new_object();
    json_object_object_get_ex(rec, "name", &name);
    if (w.rec == NULL || meta == NULL) {
        json_object_put(meta);
        goto out;
    }
    json_object_object_add(meta, "source", json_object_get(name));
    json_object_object_add(meta, "chunk_index", json_object_new_int(i));
    json_object_object_add(w.rec, "metadata", meta);
    json_object_object_add(w.rec, "content",
                           json_object_new_string_len(s, (int)n));
    util_format_date(clock_now(), w.date);
    snprintf(id, sizeof(id), "%s#%06d", kid, i);
    if (crud_set_string(&w, "account_sid", c->account->sid) < 0 ||
        crud_set_string(&w, "date_created", w.date) < 0 ||
        crud_set_string(&w, "date_updated", w.date) < 0 ||
        crud_render(&resource_chunk, &w) < 0)
        goto out;
    w.it.created = clock_now();
    w.it.id = id;
    w.it.id_len = strlen(id);
    w.it.parent = kid;
    rc = store_txn_create(c->app->store, STORE_CHUNKS, c->acct, &w.it) == 0
             ? 0
             : -1;
out:
    crud_write_release(&w);
    return rc;
}

/*
 * Makes the chunks of a completed knowledge source: its text cut into
 * pieces of about KNOWLEDGE_CHUNK bytes (Text), or one chunk naming the
 * source (other types).
 */
static int
make_chunks(struct call *c, json_object *rec, const char *kid)
{
    json_object *type = NULL, *d = NULL, *v = NULL;
    const char *t, *text;
    char line[1200];
    size_t n, at = 0;
    int i = 0;

    json_object_object_get_ex(rec, "type", &type);
    json_object_object_get_ex(rec, "knowledge_source_details", &d);
    t = json_object_get_string(type);
    if (t && strcmp(t, "Text") == 0 &&
        json_object_object_get_ex(d, "content", &v)) {
        text = json_object_get_string(v);
        n = (size_t)json_object_get_string_len(v);
        while (at < n) {
            size_t len = n - at < KNOWLEDGE_CHUNK ? n - at : KNOWLEDGE_CHUNK;
            while (at + len < n && len > 1 &&
                   ((unsigned char)text[at + len] & 0xc0) == 0x80)
                len--;
            if (add_chunk(c, rec, kid, i++, text + at, len) < 0)
                return -1;
            at += len;
        }
        return 0;
    }
    if (!json_object_object_get_ex(d, "source", &v) &&
        !json_object_object_get_ex(d, "file_name", &v))
        json_object_object_get_ex(rec, "name", &v);
    snprintf(line, sizeof(line), "Content of %.1100s",
             v ? json_object_get_string(v) : "the source");
    return add_chunk(c, rec, kid, 0, line, strlen(line));
}

/* True when rec's status is COMPLETED. */
static bool
completed(json_object *rec)
{
    json_object *st = NULL;

    json_object_object_get_ex(rec, "status", &st);
    return st && strcmp(json_object_get_string(st), "COMPLETED") == 0;
}

struct poll_ctx {
    struct call *c;
    const char *id; /* the knowledge polled */
    struct crud_write w;
    bool count;   /* a poll (fetch, /Status), not just a look (/Chunks) */
    bool changed; /* the row was rewritten */
};

/* Counts a poll; moves the status on when due. */
static int
on_poll(void *arg, const struct store_row *old, struct store_item *item)
{
    struct poll_ctx *p = arg;
    const struct knowledge_rule *rule = &p->c->app->knowledge_rule;
    json_object *st = NULL, *last = NULL;
    const char *now_status, *before;
    long long polls;

    if (resource_parse_row(old, &p->w.rec, &p->w.secret) < 0)
        return -1;
    json_object_object_get_ex(p->w.rec, "status", &st);
    json_object_object_get_ex(p->w.secret, "last_status", &last);
    before = st ? json_object_get_string(st) : "QUEUED";
    if (strcmp(before, "COMPLETED") == 0 || strcmp(before, "FAILED") == 0)
        return 2; /* done: polls no longer count */
    now_status = due_status(rule, p->w.rec, p->w.secret, p->count, &polls);
    if (!rule->by_time && !p->count && rule->n > 0)
        return 2; /* a look changes nothing under a polls rule */
    /* Forward only: a source seeded (or left) PROCESSING stays so. */
    if (strcmp(before, "PROCESSING") == 0 && strcmp(now_status, "QUEUED") == 0)
        now_status = before;
    if (rule->by_time && strcmp(before, now_status) == 0)
        return 2; /* nothing to write */
    if (set_state(&p->w, polls, state_int(p->w.secret, "since_ms"),
                  last ? json_object_get_string(last) : NULL) < 0)
        return -1;
    if (strcmp(before, now_status) != 0) {
        util_format_date(clock_now(), p->w.date);
        if (crud_set_string(&p->w, "status", now_status) < 0 ||
            crud_set_string(&p->w, "date_updated", p->w.date) < 0)
            return -1;
        if (strcmp(now_status, "COMPLETED") == 0 &&
            make_chunks(p->c, p->w.rec, p->id) < 0)
            return -1;
    }
    if (crud_render(R, &p->w) < 0)
        return -1;
    *item = p->w.it;
    p->changed = true;
    return 0;
}

/*
 * Polls knowledge c->param[0] (count: as a status poll; else it only moves
 * on what time has made due). 0, 1 (no such knowledge) or -1.
 */
static int
poll_id(struct call *c, const char *id, bool count)
{
    struct poll_ctx p;
    int rc;

    p.c = c;
    p.id = id;
    p.count = count;
    p.changed = false;
    crud_write_init(&p.w);
    rc = store_update(c->app->store, STORE_KNOWLEDGE, c->acct, id,
                      strlen(id), on_poll, &p);
    crud_write_release(&p.w);
    return rc == 2 ? 0 : rc;
}

static int
poll(struct call *c, bool count)
{
    return poll_id(c, c->param[0], count);
}

/* Ids of the account's knowledge still processing, collected by a scan. */
struct pending {
    char (*ids)[ROUTER_MAX_PARAM + 1];
    size_t n, cap;
    struct store_key last;
    char last_id[ROUTER_MAX_PARAM + 1];
    long seen;
};

static int
on_pending(void *arg, const struct store_row *row)
{
    struct pending *p = arg;
    size_t n = row->key.id_len < ROUTER_MAX_PARAM ? row->key.id_len
                                                  : ROUTER_MAX_PARAM;

    p->seen++;
    memcpy(p->last_id, row->key.id, n);
    p->last_id[n] = '\0';
    p->last.created = row->key.created;
    p->last.id = p->last_id;
    p->last.id_len = n;
    if (!memmem(row->pre, row->pre_len, "\"status\":\"QUEUED\"", 17) &&
        !memmem(row->pre, row->pre_len, "\"status\":\"PROCESSING\"", 21))
        return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        void *v = realloc(p->ids, cap * sizeof(*p->ids));
        if (v == NULL)
            return 1;
        p->ids = v;
        p->cap = cap;
    }
    memcpy(p->ids[p->n++], p->last_id, n + 1);
    return 0;
}

void
knowledge_catch_up(struct call *c)
{
    const long chunk = 1000;
    struct pending p;
    const struct store_key *key = NULL;
    size_t i;

    /* Under a polls rule only polls move a status (but 0: done at once);
     * under a duration rule time does, and every view must show it. */
    if (!c->app->knowledge_rule.by_time && c->app->knowledge_rule.n > 0)
        return;
    memset(&p, 0, sizeof(p));
    do {
        p.seen = 0;
        if (store_list(c->app->store, STORE_KNOWLEDGE, c->acct, STORE_AFTER,
                       key, (int)chunk, on_pending, &p) < 0)
            break;
        key = &p.last;
    } while (p.seen == chunk);
    for (i = 0; i < p.n; i++)
        poll_id(c, p.ids[i], false);
    free(p.ids);
}

void
knowledge_fetch(struct call *c)
{
    int rc = poll(c, true);

    if (rc == 0)
        rc = crud_fetch(c, STORE_KNOWLEDGE, c->param[0], &c->rs->body);
    if (rc == 1)
        call_not_found(c);
    else if (rc < 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
}

static int
on_status(void *arg, const struct store_row *row)
{
    struct call *c = arg;
    json_object *rec = NULL, *secret = NULL, *st = NULL, *last = NULL,
                *du = NULL;
    struct buf *b = &c->rs->body;

    if (resource_parse_row(row, &rec, &secret) < 0) {
        json_object_put(rec);
        return 1;
    }
    json_object_object_get_ex(rec, "status", &st);
    json_object_object_get_ex(rec, "date_updated", &du);
    json_object_object_get_ex(secret, "last_status", &last);
    buf_adds(b, "{\"account_sid\":null,\"status\":\"");
    buf_adds(b, st ? json_object_get_string(st) : "QUEUED");
    buf_adds(b, "\",\"last_status\":");
    if (last) {
        buf_addc(b, '"');
        buf_adds(b, json_object_get_string(last));
        buf_addc(b, '"');
    } else {
        buf_adds(b, "null");
    }
    buf_adds(b, ",\"date_updated\":\"");
    buf_adds(b, du ? json_object_get_string(du) : "");
    buf_adds(b, "\"}");
    json_object_put(rec);
    json_object_put(secret);
    return 0;
}

void
knowledge_status(struct call *c)
{
    int rc = poll(c, true);

    /* The private state is only readable on the writer's side. */
    if (rc == 0 && store_txn_begin(c->app->store) == 0) {
        rc = store_txn_get(c->app->store, STORE_KNOWLEDGE, c->acct,
                           c->param[0], strlen(c->param[0]), on_status, c);
        store_txn_end(c->app->store, false);
    }
    if (rc == 1) {
        buf_reset(&c->rs->body);
        call_not_found(c);
    } else if (rc < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    }
}

struct update_ctx {
    struct call *c;
    struct crud_write w;
};

static bool
same_json(json_object *a, json_object *b)
{
    const char *x = a ? json_object_to_json_string(a) : "null";
    const char *y = b ? json_object_to_json_string(b) : "null";

    return strcmp(x, y) == 0;
}

static int
on_update(void *arg, const struct store_row *old, struct store_item *item)
{
    static const char *const content[] = {"type", "knowledge_source_details",
                                          "embedding_model"};
    struct update_ctx *u = arg;
    json_object *before = NULL, *bsecret = NULL, *st = NULL, *last = NULL;
    bool restart = false;
    size_t i;
    int rc = -1;

    if (resource_parse_row(old, &before, &bsecret) < 0 ||
        crud_merge(R, old, u->c->body, &u->w, item) < 0)
        goto out;
    if (bad_record(u->c, u->w.rec)) {
        rc = 1;
        goto out;
    }
    for (i = 0; i < sizeof(content) / sizeof(content[0]); i++) {
        json_object *a = NULL, *b = NULL;
        json_object_object_get_ex(before, content[i], &a);
        json_object_object_get_ex(u->w.rec, content[i], &b);
        restart = restart || !same_json(a, b);
    }
    if (restart) {
        const char *prev;
        long long polls;
        json_object_object_get_ex(before, "status", &st);
        json_object_object_get_ex(bsecret, "last_status", &last);
        prev = st ? json_object_get_string(st) : "QUEUED";
        if (strcmp(prev, "COMPLETED") != 0 && strcmp(prev, "FAILED") != 0)
            prev = last ? json_object_get_string(last) : NULL;
        if (store_txn_delete_children(u->c->app->store, STORE_CHUNKS,
                                      u->c->acct, u->c->param[0]) < 0 ||
            set_state(&u->w, 0, clock_now_ms(), prev) < 0 ||
            crud_set_string(&u->w, "status",
                            due_status(&u->c->app->knowledge_rule, u->w.rec,
                                       u->w.secret, false, &polls)) < 0 ||
            crud_render(R, &u->w) < 0)
            goto out;
    }
    if (restart && completed(u->w.rec) &&
        make_chunks(u->c, u->w.rec, u->c->param[0]) < 0)
        goto out;
    if ((rc = policies_apply(u->c, u->c->param[0], u->c->body, true)) != 0)
        goto out;
    *item = u->w.it;
    rc = 0;
out:
    json_object_put(before);
    json_object_put(bsecret);
    return rc;
}

void
knowledge_update(struct call *c)
{
    struct update_ctx u;
    int rc;

    if (crud_bad_body(c, R, c->body, false, NULL) ||
        policies_bad_member(c, c->body))
        return;
    u.c = c;
    crud_write_init(&u.w);
    rc = store_update(c->app->store, STORE_KNOWLEDGE, c->acct, c->param[0],
                      strlen(c->param[0]), on_update, &u);
    if (rc == 0)
        crud_answer(c, 200, &u.w);
    else if (rc == 1 && c->rs->status < 400)
        call_not_found(c);
    else if (rc < 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    crud_write_release(&u.w);
}

void
knowledge_delete(struct call *c)
{
    int rc = store_delete(c->app->store, STORE_KNOWLEDGE, c->acct,
                          c->param[0], strlen(c->param[0]));

    if (rc == 1)
        call_not_found(c);
    else if (rc != 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    else {
        c->rs->status = 204;
        c->rs->no_content = true;
    }
}

static int
on_any(void *arg, const struct store_row *row)
{
    (void)row;
    *(bool *)arg = true;
    return 1;
}

static int
on_record(void *arg, const struct store_row *row)
{
    json_object **rec = arg, *secret = NULL;

    if (resource_parse_row(row, rec, &secret) < 0)
        *rec = NULL;
    json_object_put(secret);
    return 0;
}

/*
 * Makes the chunks of a seeded source that was COMPLETED from the start
 * (the fixtures give none), on first asking.
 */
static int
seeded_chunks(struct call *c)
{
    struct store_filter f = {STORE_CHILDREN_OF, c->param[0], NULL};
    json_object *rec = NULL;
    bool any = false;
    int rc;

    if (store_list_where(c->app->store, STORE_CHUNKS, c->acct, &f,
                         STORE_AFTER, NULL, 1, on_any, &any) < 0)
        return -1;
    if (any || store_txn_begin(c->app->store) < 0)
        return any ? 0 : -1;
    rc = store_txn_get(c->app->store, STORE_KNOWLEDGE, c->acct, c->param[0],
                       strlen(c->param[0]), on_record, &rec);
    if (rc == 0 && rec && completed(rec))
        rc = make_chunks(c, rec, c->param[0]);
    json_object_put(rec);
    /* A concurrent request may have made them: then this one rolls back. */
    store_txn_end(c->app->store, rc == 0);
    return rc < 0 ? -1 : 0;
}

void
knowledge_chunks(struct call *c)
{
    char path[LIST_MAX_PATH];
    struct list_spec l;
    int rc = poll(c, false);

    if (rc == 1) {
        call_not_found(c);
        return;
    }
    if (rc == 0)
        rc = seeded_chunks(c);
    if (rc < 0 ||
        list_path(path, sizeof(path), "/v1/Knowledge/", c->param[0],
                  "/Chunks") < 0 ||
        list_spec_init(&l, STORE_CHUNKS, "chunks", path, NULL, NULL) < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    l.where.kind = STORE_CHILDREN_OF;
    l.where.a = c->param[0];
    crud_list_page(c, &l);
}
