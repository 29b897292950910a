/*
 * tools.c - see tools.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "crud.h"
#include "list.h"
#include "policies.h"
#include "router.h"

#define R (&resource_tool)

/* The only tool type the API documents. */
static bool
bad_type(struct call *c, json_object *body)
{
    json_object *t = NULL;

    json_object_object_get_ex(body, "type", &t);
    if (t == NULL || strcmp(json_object_get_string(t), "WEBHOOK") == 0)
        return false;
    call_error(c, API_ERR_INVALID_PARAM, "type", NULL);
    return true;
}

bool
tools_bad_assistant_id(struct call *c, json_object *body)
{
    json_object *a = NULL;
    const char *s;

    json_object_object_get_ex(body, "assistant_id", &a);
    if (a == NULL)
        return false;
    s = json_object_get_string(a);
    if (json_object_is_type(a, json_type_string) &&
        strncmp(s, "aia_asst_", 9) == 0 && strlen(s) > 9 &&
        strlen(s) <= ROUTER_MAX_PARAM)
        return false;
    call_error(c, API_ERR_INVALID_PARAM, "assistant_id", NULL);
    return true;
}

int
tools_attach_member(struct call *c, json_object *body, int kind,
                    const char *target)
{
    json_object *a = NULL;
    char path[ROUTER_MAX_PARAM + 32];
    const char *aid;
    int rc;

    json_object_object_get_ex(body, "assistant_id", &a);
    if (a == NULL)
        return 0;
    aid = json_object_get_string(a);
    rc = store_txn_get(c->app->store, STORE_ASSISTANTS, c->acct, aid,
                       strlen(aid), NULL, NULL);
    if (rc == 1) {
        snprintf(path, sizeof(path), "/v1/Assistants/%s", aid);
        call_error(c, API_ERR_NOT_FOUND, path, NULL);
        return 1;
    }
    if (rc < 0)
        return -1;
    return store_txn_attach(c->app->store, c->acct, aid,
                            (enum store_table)kind, target);
}

void
tools_list(struct call *c)
{
    crud_list_attached(c, STORE_TOOLS, "tools", "/v1/Tools", "AssistantId");
}

/* Sets requires_auth from the policy links of w's tool, and renders it. */
static int
render_with_auth(struct call *c, const char *id, struct crud_write *w)
{
    long n = store_txn_count_policies(c->app->store, c->acct, id);

    if (n < 0 || crud_set_bool(w, "requires_auth", n > 0) < 0)
        return -1;
    return crud_render(R, w);
}

void
tools_create(struct call *c)
{
    struct crud_write w;
    int rc = -1;

    if (crud_bad_body(c, R, c->body, true, NULL) || bad_type(c, c->body) ||
        tools_bad_assistant_id(c, c->body) || policies_bad_member(c, c->body))
        return;
    crud_write_init(&w);
    /* A policy given is the tool's one policy: it requires auth. */
    if (crud_new(c, R, c->body, &w) < 0 ||
        crud_set_bool(&w, "requires_auth",
                      json_object_object_get_ex(c->body, "policy", NULL) &&
                          json_object_object_get(c->body, "policy")) < 0 ||
        crud_render(R, &w) < 0 || store_txn_begin(c->app->store) < 0)
        goto out;
    rc = store_txn_create(c->app->store, STORE_TOOLS, c->acct, &w.it);
    if (rc == 0)
        rc = tools_attach_member(c, c->body, STORE_TOOLS, w.id);
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

void
tools_fetch(struct call *c)
{
    struct buf *b = &c->rs->body;
    int rc = crud_fetch(c, STORE_TOOLS, c->param[0], b);

    if (rc == 1) {
        call_not_found(c);
        return;
    }
    if (rc < 0 || b->len == 0 || b->data[b->len - 1] != '}') {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    b->len--;
    buf_adds(b, ",\"policies\":");
    if (crud_add_linked(c, STORE_POLICIES, c->param[0], b) < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    buf_addc(b, '}');
}

struct update_ctx {
    struct call *c;
    struct crud_write w;
};

static int
on_update(void *arg, const struct store_row *old, struct store_item *item)
{
    struct update_ctx *u = arg;
    int rc;

    if (crud_merge(R, old, u->c->body, &u->w, item) < 0)
        return -1;
    /* Assistant and policy first: requires_auth follows the links. */
    if ((rc = tools_attach_member(u->c, u->c->body, STORE_TOOLS,
                                  u->c->param[0])) != 0)
        return rc;
    if ((rc = policies_apply(u->c, u->c->param[0], u->c->body, true)) != 0)
        return rc;
    if (render_with_auth(u->c, u->c->param[0], &u->w) < 0)
        return -1;
    *item = u->w.it;
    return 0;
}

void
tools_update(struct call *c)
{
    struct update_ctx u;
    int rc;

    if (crud_bad_body(c, R, c->body, false, NULL) || bad_type(c, c->body) ||
        tools_bad_assistant_id(c, c->body) || policies_bad_member(c, c->body))
        return;
    u.c = c;
    crud_write_init(&u.w);
    rc = store_update(c->app->store, STORE_TOOLS, c->acct, c->param[0],
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
tools_delete(struct call *c)
{
    int rc = store_delete(c->app->store, STORE_TOOLS, c->acct, c->param[0],
                          strlen(c->param[0]));

    if (rc == 1)
        call_not_found(c);
    else if (rc != 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    else {
        c->rs->status = 204;
        c->rs->no_content = true;
    }
}
