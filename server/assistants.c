/*
 * assistants.c - see assistants.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "assistants.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crud.h"
#include "ids.h"
#include "knowledge.h"
#include "list.h"
#include "resource.h"
#include "router.h"
#include "util.h"

#define R (&resource_assistant)
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
assistants_list(struct call *c)
{
    crud_list_attached(c, STORE_ASSISTANTS, "assistants", "/v1/Assistants",
                       NULL);
}

/* Appends the stored item pre + base + post to the response. */
static void
add_item(struct call *c, const void *pre, size_t pre_len, const void *post,
         size_t post_len)
{
    buf_add(&c->rs->body, pre, pre_len);
    if (post) {
        buf_add(&c->rs->body, c->base, c->base_len);
        buf_add(&c->rs->body, post, post_len);
    }
}

static int
add_string(json_object *o, const char *key, const char *v, size_t n)
{
    json_object *s = json_object_new_string_len(v, (int)n);

    if (s == NULL || json_object_object_add(o, key, s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

/* Renders rec (and secret) into the row item; buffers owned by the caller. */
static void
fill_item(json_object *rec, json_object *secret, struct buf *pre,
          struct buf *post, struct store_item *it)
{
    resource_render(R, rec, pre, post);
    it->pre = pre->data;
    it->pre_len = pre->len;
    it->post = post->len ? post->data : NULL;
    it->post_len = post->len;
    if (secret) {
        const char *s = json_object_to_json_string_ext(secret, JSON_FLAGS);
        it->secret = s;
        it->secret_len = strlen(s);
    }
}

/* A body problem as Twilio's 400; false when the body is fine. */
static bool
bad_body(struct call *c, bool create)
{
    char field[128];
    enum api_err e = resource_check_body(R, c->body, create, field,
                                         sizeof(field));

    if (e == API_OK)
        return false;
    call_error(c, e, field, NULL);
    return true;
}

void
assistants_create(struct call *c)
{
    json_object *rec = json_object_new_object(), *secret = NULL;
    struct buf pre = BUF_INIT, post = BUF_INIT;
    struct store_item it;
    char id[9 + 37], date[21];
    int64_t now = clock_now();
    int rc = -1;

    if (rec == NULL)
        goto out;
    if (bad_body(c, true)) {
        rc = 0;
        goto out;
    }
    memcpy(id, R->id_prefix, 9);
    ids_uuid7(id + 9);
    util_format_date(now, date);
    if (add_string(rec, "account_sid", c->account->sid, 34) < 0 ||
        add_string(rec, "id", id, strlen(id)) < 0 ||
        add_string(rec, "model", c->app->cfg->default_model,
                   strlen(c->app->cfg->default_model)) < 0 ||
        add_string(rec, "date_created", date, 20) < 0 ||
        add_string(rec, "date_updated", date, 20) < 0 ||
        resource_apply(R, rec, &secret, c->body, true) < 0)
        goto out;
    memset(&it, 0, sizeof(it));
    it.created = now;
    it.id = id;
    it.id_len = strlen(id);
    fill_item(rec, secret, &pre, &post, &it);
    if (buf_failed(&pre) || buf_failed(&post))
        goto out;
    if (store_create(c->app->store, R->table, c->acct, &it) != 0)
        goto out;
    c->rs->status = 201;
    add_item(c, it.pre, it.pre_len, it.post, it.post_len);
    rc = 0;
out:
    if (rc < 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    buf_release(&pre);
    buf_release(&post);
    json_object_put(rec);
    json_object_put(secret);
}

static int
on_fetch(void *ctx, const struct store_row *row)
{
    struct call *c = ctx;

    add_item(c, row->pre, row->pre_len, row->post, row->post_len);
    return 0;
}

void
assistants_fetch(struct call *c)
{
    struct buf *b = &c->rs->body;
    struct crud_fetch f;
    int rc;

    knowledge_catch_up(c);
    if (crud_fetch_cached(c, R->table, c->param[0], c->param_len[0], &f))
        return;
    rc = store_get(c->app->store, R->table, c->acct, c->param[0],
                   c->param_len[0], on_fetch, c);

    if (rc == 1) {
        call_not_found(c);
        return;
    }
    if (rc < 0 || b->len == 0 || b->data[b->len - 1] != '}') {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    /* Its knowledge and tools, in attach order (spec key order). */
    b->len--;
    buf_adds(b, ",\"knowledge\":");
    if (crud_add_linked(c, STORE_KNOWLEDGE, c->param[0], b) < 0)
        goto fail;
    buf_adds(b, ",\"tools\":");
    if (crud_add_linked(c, STORE_TOOLS, c->param[0], b) < 0)
        goto fail;
    buf_addc(b, '}');
    crud_fetch_keep(c, &f);
    return;
fail:
    call_error(c, API_ERR_INTERNAL, NULL, NULL);
}

/* The table and envelope key of an attachment path's kind. */
static void
attached_kind(struct call *c, enum store_table *t, const char **key,
              const char **path)
{
    bool tools = strstr(c->route, "/Tools") != NULL;

    *t = tools ? STORE_TOOLS : STORE_KNOWLEDGE;
    *key = tools ? "tools" : "knowledge";
    *path = tools ? "Tools" : "Knowledge";
}

/* 404 naming /v1/<what>/<id> when the row does not exist; true if sent. */
static bool
missing(struct call *c, enum store_table t, const char *what, const char *id)
{
    char path[ROUTER_MAX_PARAM + 32];
    int rc = store_txn_get(c->app->store, t, c->acct, id, strlen(id), NULL,
                           NULL);

    if (rc == 0)
        return false;
    snprintf(path, sizeof(path), "/v1/%s/%s", what, id);
    if (rc == 1)
        call_error(c, API_ERR_NOT_FOUND, path, NULL);
    else
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    return true;
}

void
assistants_attached(struct call *c)
{
    char path[ROUTER_MAX_PARAM + 32], lpath[LIST_MAX_PATH];
    struct list_spec l;
    enum store_table t;
    const char *key, *what;
    int rc;

    attached_kind(c, &t, &key, &what);
    if (t == STORE_KNOWLEDGE)
        knowledge_catch_up(c);
    rc = crud_exists(c, STORE_ASSISTANTS, c->param[0]);
    if (rc <= 0) {
        if (rc == 0) {
            snprintf(path, sizeof(path), "/v1/Assistants/%s", c->param[0]);
            call_error(c, API_ERR_NOT_FOUND, path, NULL);
        } else {
            call_error(c, API_ERR_INTERNAL, NULL, NULL);
        }
        return;
    }
    if (list_path(lpath, sizeof(lpath), "/v1/Assistants/", c->param[0],
                  t == STORE_TOOLS ? "/Tools" : "/Knowledge") < 0 ||
        list_spec_init(&l, t, key, lpath, NULL, NULL) < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    l.where.kind = STORE_ATTACHED_TO;
    l.where.a = c->param[0];
    crud_list_page(c, &l);
}

static void
attachment(struct call *c, bool attach)
{
    enum store_table t;
    const char *key, *what;
    int rc = -1;

    attached_kind(c, &t, &key, &what);
    if (store_txn_begin(c->app->store) < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    if (missing(c, STORE_ASSISTANTS, "Assistants", c->param[0]) ||
        missing(c, t, what, c->param[1])) {
        store_txn_end(c->app->store, false);
        return;
    }
    rc = attach ? store_txn_attach(c->app->store, c->acct, c->param[0], t,
                                   c->param[1])
                : store_txn_detach(c->app->store, c->acct, c->param[0], t,
                                   c->param[1]);
    if (store_txn_end(c->app->store, rc == 0) < 0 && rc == 0)
        rc = -1;
    if (rc == 1) {
        call_not_found(c);
    } else if (rc < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    } else if (attach && c->app->cfg->attach_returns_json) {
        /* The opt-in for twilio-node, which cannot parse an empty 204. */
        buf_adds(&c->rs->body, "{}");
    } else {
        c->rs->status = 204;
        c->rs->no_content = true;
    }
}

void
assistants_attach(struct call *c)
{
    attachment(c, true);
}

void
assistants_detach(struct call *c)
{
    attachment(c, false);
}

struct update_ctx {
    struct call *c;
    struct buf pre, post;
    json_object *rec, *secret;
    char date[21];
};

static int
on_update(void *arg, const struct store_row *old, struct store_item *it)
{
    struct update_ctx *u = arg;

    if (resource_parse_row(old, &u->rec, &u->secret) < 0 ||
        resource_apply(R, u->rec, &u->secret, u->c->body, false) < 0 ||
        add_string(u->rec, "date_updated", u->date, 20) < 0)
        return -1;
    fill_item(u->rec, u->secret, &u->pre, &u->post, it);
    return buf_failed(&u->pre) || buf_failed(&u->post) ? -1 : 0;
}

void
assistants_update(struct call *c)
{
    struct update_ctx u;
    int rc;

    if (bad_body(c, false))
        return;
    memset(&u, 0, sizeof(u));
    u.c = c;
    util_format_date(clock_now(), u.date);
    rc = store_update(c->app->store, R->table, c->acct, c->param[0],
                      c->param_len[0], on_update, &u);
    if (rc == 1)
        call_not_found(c);
    else if (rc != 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    else
        add_item(c, u.pre.data, u.pre.len, u.post.len ? u.post.data : NULL,
                 u.post.len);
    buf_release(&u.pre);
    buf_release(&u.post);
    json_object_put(u.rec);
    json_object_put(u.secret);
}

void
assistants_delete(struct call *c)
{
    int rc = store_delete(c->app->store, R->table, c->acct, c->param[0],
                          c->param_len[0]);

    if (rc == 1)
        call_not_found(c);
    else if (rc != 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    else {
        c->rs->status = 204;
        c->rs->no_content = true;
    }
}
