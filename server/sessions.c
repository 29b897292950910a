/*
 * sessions.c - see sessions.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sessions.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crud.h"
#include "ids.h"
#include "journal.h"
#include "list.h"
#include "render.h"
#include "router.h"
#include "util.h"
#include "webhooks.h"

/* Longest session name; with "webhook:" it still fits a path parameter. */
#define SESSION_MAX_ID 512

/* 404 naming /v1/<what>/<id>. */
static void
not_found(struct call *c, const char *what, const char *id)
{
    char path[ROUTER_MAX_PARAM + 32];

    snprintf(path, sizeof(path), "/v1/%s/%s", what, id);
    call_error(c, API_ERR_NOT_FOUND, path, NULL);
}

static const char *
member(json_object *o, const char *key)
{
    json_object *v = NULL;

    json_object_object_get_ex(o, key, &v);
    return v ? json_object_get_string(v) : NULL;
}

/* Inserts one message of the session. 0 or -1. */
static int
add_message(struct call *c, const char *session, const char *identity,
            const char *role, const char *text, bool reply)
{
    struct crud_write w;
    json_object *content = json_object_new_object(),
                *meta = json_object_new_object();
    int rc = -1;

    crud_write_init(&w);
    if (content == NULL || meta == NULL)
        goto out;
    json_object_object_add(content, "text", json_object_new_string(text));
    if (reply) {
        json_object_object_add(meta, "flagged", json_object_new_boolean(0));
        json_object_object_add(meta, "aborted", json_object_new_boolean(0));
    }
    if (crud_new(c, &resource_message, NULL, &w) < 0)
        goto out;
    json_object_object_add(w.rec, "content", content);
    json_object_object_add(w.rec, "meta", meta);
    content = meta = NULL;
    if (crud_set_string(&w, "assistant_id", c->param[0]) < 0 ||
        crud_set_string(&w, "session_id", session) < 0 ||
        crud_set_string(&w, "identity", identity) < 0 ||
        crud_set_string(&w, "role", role) < 0 ||
        crud_render(&resource_message, &w) < 0)
        goto out;
    w.it.parent = session;
    rc = store_txn_create(c->app->store, STORE_MESSAGES, c->acct, &w.it) == 0
             ? 0
             : -1;
out:
    json_object_put(content);
    json_object_put(meta);
    crud_write_release(&w);
    return rc;
}

struct touch_ctx {
    struct crud_write w;
};

/* A later message bumps the session's date_updated; nothing else moves. */
static int
on_touch(void *arg, const struct store_row *old, struct store_item *item)
{
    struct touch_ctx *t = arg;

    return crud_merge(&resource_session, old, NULL, &t->w, item);
}

/* Creates session id, or bumps it. 0 or -1. */
static int
open_session(struct call *c, const char *id, const char *identity)
{
    struct crud_write w;
    struct touch_ctx t;
    int rc = store_txn_get(c->app->store, STORE_SESSIONS, c->acct, id,
                           strlen(id), NULL, NULL);

    if (rc < 0)
        return -1;
    if (rc == 0) {
        crud_write_init(&t.w);
        rc = store_txn_update(c->app->store, STORE_SESSIONS, c->acct, id,
                              strlen(id), on_touch, &t);
        crud_write_release(&t.w);
        return rc == 0 ? 0 : -1;
    }
    crud_write_init(&w);
    rc = -1;
    if (crud_new(c, &resource_session, NULL, &w) == 0 &&
        crud_set_string(&w, "id", id) == 0 &&
        crud_set_string(&w, "assistant_id", c->param[0]) == 0 &&
        crud_set_bool(&w, "verified", false) == 0 &&
        crud_set_string(&w, "identity", identity) == 0 &&
        crud_render(&resource_session, &w) == 0) {
        w.it.id = id;
        w.it.id_len = strlen(id);
        rc = store_txn_create(c->app->store, STORE_SESSIONS, c->acct,
                              &w.it) == 0
                 ? 0
                 : -1;
    }
    crud_write_release(&w);
    return rc;
}

/*
 * The reply to a message: the first canned reply of the fixtures whose
 * assistant (if any) is this one and whose glob matches the body, else
 * "Echo: " + the body.
 */
static void
make_reply(struct call *c, const char *body, struct buf *out)
{
    size_t i;

    for (i = 0; i < c->app->n_replies; i++) {
        const struct fixtures_reply *r = &c->app->replies[i];
        if ((r->assistant_id == NULL ||
             strcmp(r->assistant_id, c->param[0]) == 0) &&
            journal_glob(r->match, body, strlen(body))) {
            buf_adds(out, r->reply);
            return;
        }
    }
    buf_adds(out, "Echo: ");
    buf_adds(out, body);
}

static void
answer_send(struct call *c, const char *status, const char *session,
            const char *reply)
{
    struct buf *b = &c->rs->body;

    buf_reset(b);
    buf_adds(b, "{\"status\":\"");
    buf_adds(b, status);
    buf_adds(b, "\",\"flagged\":false,\"aborted\":false,\"session_id\":");
    render_json_string(b, session, strlen(session));
    buf_adds(b, ",\"account_sid\":\"");
    buf_adds(b, c->account->sid);
    buf_adds(b, "\",\"body\":");
    if (reply)
        render_json_string(b, reply, strlen(reply));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"error\":null}");
}

void
sessions_send(struct call *c)
{
    static const char *const modes[] = {"chat", "email", "voice"};
    const char *identity, *body, *name, *webhook, *mode;
    char session[SESSION_MAX_ID + 16], uuid[37];
    struct buf reply = BUF_INIT;
    size_t i;
    bool mode_ok = false;
    int rc;

    if (crud_bad_body(c, &resource_send_message, c->body, true, NULL))
        return;
    identity = member(c->body, "identity");
    body = member(c->body, "body");
    name = member(c->body, "session_id");
    webhook = member(c->body, "webhook");
    mode = member(c->body, "mode");
    for (i = 0; mode && i < sizeof(modes) / sizeof(modes[0]); i++)
        mode_ok = mode_ok || strcmp(mode, modes[i]) == 0;
    if (mode && !mode_ok) {
        call_error(c, API_ERR_INVALID_PARAM, "mode", NULL);
        return;
    }
    if (webhook && !webhooks_url_ok(webhook)) {
        call_error(c, API_ERR_INVALID_PARAM, "webhook", NULL);
        return;
    }
    if (name == NULL) {
        ids_uuid4(uuid);
        name = uuid;
    }
    if (name[0] == '\0' || strlen(name) > SESSION_MAX_ID ||
        (name != uuid &&
         strlen(name) != (size_t)json_object_get_string_len(
                             json_object_object_get(c->body, "session_id")))) {
        call_error(c, API_ERR_INVALID_PARAM, "session_id", NULL);
        return;
    }
    snprintf(session, sizeof(session), "%s%s", webhook ? "webhook:" : "",
             name);
    make_reply(c, body, &reply);
    if (buf_failed(&reply) || store_txn_begin(c->app->store) < 0) {
        buf_release(&reply);
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    rc = store_txn_get(c->app->store, STORE_ASSISTANTS, c->acct, c->param[0],
                       strlen(c->param[0]), NULL, NULL);
    if (rc == 0)
        rc = open_session(c, session, identity) == 0 &&
                     add_message(c, session, identity, "user", body, false) ==
                         0 &&
                     add_message(c, session, identity, "assistant",
                                 reply.data, true) == 0
                 ? 0
                 : -1;
    if (store_txn_end(c->app->store, rc == 0) < 0 && rc == 0)
        rc = -1;
    if (rc == 1)
        not_found(c, "Assistants", c->param[0]);
    else if (rc < 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    else if (webhook) {
        c->rs->status = 202;
        answer_send(c, "Queued", session, NULL);
        webhooks_deliver(c, webhook, session, identity, reply.data);
    } else {
        answer_send(c, "Success", session, reply.data);
    }
    buf_release(&reply);
}

/* The session id a path parameter names: itself, or webhook:<it>. */
static int
find_session(struct call *c, const char *param, char *out, size_t cap)
{
    int rc = crud_exists(c, STORE_SESSIONS, param);

    if (rc != 0) {
        snprintf(out, cap, "%s", param);
        return rc;
    }
    snprintf(out, cap, "webhook:%s", param);
    return crud_exists(c, STORE_SESSIONS, out);
}

void
sessions_list(struct call *c)
{
    struct list_spec l;

    if (list_spec_init(&l, STORE_SESSIONS, "sessions", "/v1/Sessions", NULL,
                       NULL) < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    crud_list_page(c, &l);
}

void
sessions_fetch(struct call *c)
{
    char id[ROUTER_MAX_PARAM + 16];
    int rc = find_session(c, c->param[0], id, sizeof(id));

    if (rc == 1)
        rc = crud_fetch(c, STORE_SESSIONS, id, &c->rs->body);
    else
        rc = rc == 0 ? 1 : -1;
    if (rc == 1)
        call_not_found(c);
    else if (rc < 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
}

/* Lists the children of parent in t under path. */
static void
list_children(struct call *c, enum store_table t, const char *key,
              const char *path, const char *parent)
{
    struct list_spec l;

    if (list_spec_init(&l, t, key, path, NULL, NULL) < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    l.where.kind = STORE_CHILDREN_OF;
    l.where.a = parent;
    crud_list_page(c, &l);
}

void
sessions_messages(struct call *c)
{
    char id[ROUTER_MAX_PARAM + 16], path[LIST_MAX_PATH];
    int rc = find_session(c, c->param[0], id, sizeof(id));

    if (rc <= 0) {
        if (rc == 0)
            call_not_found(c);
        else
            call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    if (list_path(path, sizeof(path), "/v1/Sessions/", c->param[0],
                  "/Messages") < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    list_children(c, STORE_MESSAGES, "messages", path, id);
}

/* The message_id of a feedback must be a message of its session. */
struct message_check {
    const char *session;
    bool ok;
};

static int
on_message(void *arg, const struct store_row *row)
{
    struct message_check *m = arg;
    json_object *rec = NULL, *secret = NULL;

    if (resource_parse_row(row, &rec, &secret) == 0)
        m->ok = strcmp(member(rec, "session_id") ? member(rec, "session_id")
                                                 : "",
                       m->session) == 0;
    json_object_put(rec);
    json_object_put(secret);
    return 0;
}

void
feedbacks_create(struct call *c)
{
    const char *session = NULL, *message;
    char sid[ROUTER_MAX_PARAM + 16];
    struct message_check m = {NULL, false};
    json_object *score = NULL;
    struct crud_write w;
    double v;
    int rc;

    if (crud_bad_body(c, &resource_feedback, c->body, true, NULL))
        return;
    message = member(c->body, "message_id");
    json_object_object_get_ex(c->body, "score", &score);
    if (message && (strncmp(message, "aia_msg_", 8) != 0 ||
                    strlen(message) <= 8)) {
        call_error(c, API_ERR_INVALID_PARAM, "message_id", NULL);
        return;
    }
    if (score && ((v = json_object_get_double(score)) < 0 || v > 1)) {
        call_error(c, API_ERR_INVALID_PARAM, "score", NULL);
        return;
    }
    rc = crud_exists(c, STORE_ASSISTANTS, c->param[0]);
    if (rc == 0) {
        not_found(c, "Assistants", c->param[0]);
        return;
    }
    session = member(c->body, "session_id");
    if (rc > 0 && (rc = find_session(c, session, sid, sizeof(sid))) == 0) {
        not_found(c, "Sessions", session);
        return;
    }
    if (rc > 0 && message) {
        m.session = sid;
        rc = store_get(c->app->store, STORE_MESSAGES, c->acct, message,
                       strlen(message), on_message, &m);
        if (rc == 1 || (rc == 0 && !m.ok)) {
            not_found(c, "Messages", message);
            return;
        }
        rc = rc == 0 ? 1 : -1;
    }
    crud_write_init(&w);
    if (rc > 0 && crud_new(c, &resource_feedback, c->body, &w) == 0 &&
        crud_set_string(&w, "assistant_id", c->param[0]) == 0 &&
        crud_set_string(&w, "session_id", sid) == 0 &&
        crud_render(&resource_feedback, &w) == 0) {
        w.it.parent = c->param[0];
        rc = store_create(c->app->store, STORE_FEEDBACKS, c->acct, &w.it);
    } else {
        rc = -1;
    }
    if (rc == 0)
        crud_answer(c, 201, &w);
    else
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    crud_write_release(&w);
}

void
feedbacks_list(struct call *c)
{
    char path[LIST_MAX_PATH];
    int rc = crud_exists(c, STORE_ASSISTANTS, c->param[0]);

    if (rc <= 0) {
        if (rc == 0)
            not_found(c, "Assistants", c->param[0]);
        else
            call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    if (list_path(path, sizeof(path), "/v1/Assistants/", c->param[0],
                  "/Feedbacks") < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    list_children(c, STORE_FEEDBACKS, "feedbacks", path, c->param[0]);
}
