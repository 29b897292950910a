/*
 * crud.c - see crud.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "crud.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "list.h"
#include "router.h"
#include "util.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
crud_write_init(struct crud_write *w)
{
    memset(w, 0, sizeof(*w));
    buf_init(&w->pre);
    buf_init(&w->post);
}

void
crud_write_release(struct crud_write *w)
{
    json_object_put(w->rec);
    json_object_put(w->secret);
    buf_release(&w->pre);
    buf_release(&w->post);
    crud_write_init(w);
}

bool
crud_bad_body(struct call *c, const struct resource *r, json_object *body,
              bool create, const char *prefix)
{
    char field[128], full[192];
    enum api_err e = resource_check_body(r, body, create, field,
                                         sizeof(field));

    if (e == API_OK)
        return false;
    if (prefix)
        snprintf(full, sizeof(full), "%s.%s", prefix, field);
    else
        snprintf(full, sizeof(full), "%s", field);
    call_error(c, e, full, NULL);
    return true;
}

int
crud_set_string(struct crud_write *w, const char *key, const char *v)
{
    json_object *s = json_object_new_string(v);

    if (s == NULL || json_object_object_add(w->rec, key, s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

int
crud_set_bool(struct crud_write *w, const char *key, bool v)
{
    json_object *b = json_object_new_boolean(v);

    if (b == NULL || json_object_object_add(w->rec, key, b) != 0) {
        json_object_put(b);
        return -1;
    }
    return 0;
}

int
crud_new(struct call *c, const struct resource *r, json_object *body,
         struct crud_write *w)
{
    int64_t now = clock_now();
    size_t n = strlen(r->id_prefix);

    w->rec = json_object_new_object();
    if (w->rec == NULL || n + 37 > sizeof(w->id))
        return -1;
    memcpy(w->id, r->id_prefix, n);
    ids_uuid7(w->id + n);
    util_format_date(now, w->date);
    w->it.created = now;
    w->it.id = w->id;
    w->it.id_len = strlen(w->id);
    if (resource_field(r, "account_sid") &&
        crud_set_string(w, "account_sid", c->account->sid) < 0)
        return -1;
    if (crud_set_string(w, "id", w->id) < 0 ||
        crud_set_string(w, "date_created", w->date) < 0 ||
        crud_set_string(w, "date_updated", w->date) < 0)
        return -1;
    return body ? resource_apply(r, w->rec, &w->secret, body, true) : 0;
}

int
crud_render(const struct resource *r, struct crud_write *w)
{
    buf_reset(&w->pre);
    buf_reset(&w->post);
    resource_render(r, w->rec, &w->pre, &w->post);
    if (buf_failed(&w->pre) || buf_failed(&w->post))
        return -1;
    w->it.pre = w->pre.data;
    w->it.pre_len = w->pre.len;
    w->it.post = w->post.len ? w->post.data : NULL;
    w->it.post_len = w->post.len;
    if (w->secret) {
        const char *s = json_object_to_json_string_ext(w->secret, JSON_FLAGS);
        w->it.secret = s;
        w->it.secret_len = strlen(s);
    } else {
        w->it.secret = NULL;
        w->it.secret_len = 0;
    }
    return 0;
}

int
crud_merge(const struct resource *r, const struct store_row *old,
           json_object *body, struct crud_write *w, struct store_item *item)
{
    json_object_put(w->rec);
    json_object_put(w->secret);
    w->rec = w->secret = NULL;
    if (resource_parse_row(old, &w->rec, &w->secret) < 0 ||
        (body && resource_apply(r, w->rec, &w->secret, body, false) < 0))
        return -1;
    util_format_date(clock_now(), w->date);
    if (crud_set_string(w, "date_updated", w->date) < 0 ||
        crud_render(r, w) < 0)
        return -1;
    *item = w->it;
    return 0;
}

void
crud_add_item(struct call *c, struct buf *out, const void *pre,
              size_t pre_len, const void *post, size_t post_len)
{
    buf_add(out, pre, pre_len);
    if (post) {
        buf_add(out, c->base, c->base_len);
        buf_add(out, post, post_len);
    }
}

struct append_ctx {
    struct call *c;
    struct buf *out;
    long n;
};

static int
on_append(void *arg, const struct store_row *row)
{
    struct append_ctx *a = arg;

    if (a->n++)
        buf_addc(a->out, ',');
    crud_add_item(a->c, a->out, row->pre, row->pre_len, row->post,
                  row->post_len);
    return 0;
}

int
crud_fetch(struct call *c, enum store_table t, const char *id,
           struct buf *out)
{
    struct append_ctx a = {c, out, 0};

    return store_get(c->app->store, t, c->acct, id, strlen(id), on_append,
                     &a);
}

int
crud_add_linked(struct call *c, enum store_table t, const char *owner,
                struct buf *out)
{
    struct append_ctx a = {c, out, 0};

    buf_addc(out, '[');
    if (store_list_linked(c->app->store, t, c->acct, owner, on_append, &a) <
        0)
        return -1;
    buf_addc(out, ']');
    return 0;
}

void
crud_answer(struct call *c, unsigned status, struct crud_write *w)
{
    c->rs->status = status;
    buf_reset(&c->rs->body);
    crud_add_item(c, &c->rs->body, w->it.pre, w->it.pre_len, w->it.post,
                  w->it.post_len);
}

static int
on_exists(void *arg, const struct store_row *row)
{
    (void)arg;
    (void)row;
    return 0;
}

int
crud_exists(struct call *c, enum store_table t, const char *id)
{
    int rc = store_get(c->app->store, t, c->acct, id, strlen(id), on_exists,
                       NULL);

    return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

void
crud_list_page(struct call *c, const struct list_spec *l)
{
    struct paging_query q;
    enum api_err e = paging_parse_query(c->rq->query, c->rq->query_len, &q);

    if (e == API_OK &&
        buf_grow(&c->rs->body, 256 + (size_t)q.page_size * 600) < 0)
        e = API_ERR_INTERNAL;
    if (e == API_OK)
        e = list_page(c->app->store, l, c->acct, c->account->sid, &q,
                      c->base, c->base_len, &c->rs->body);
    if (e != API_OK)
        call_error(c, e, NULL, NULL);
}

void
crud_list_attached(struct call *c, enum store_table t, const char *key,
                   const char *path, const char *param)
{
    char value[ROUTER_MAX_PARAM + 1];
    struct list_spec l;
    int has = param ? list_query_param(c->rq->query, c->rq->query_len,
                                       param, value, sizeof(value))
                    : 0;

    if (has < 0 || list_spec_init(&l, t, key, path, has ? param : NULL,
                                  has ? value : NULL) < 0) {
        call_error(c, API_ERR_INVALID_PARAM, param, NULL);
        return;
    }
    if (has) {
        l.where.kind = STORE_ATTACHED_TO;
        l.where.a = value;
    }
    crud_list_page(c, &l);
}
