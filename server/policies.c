/*
 * policies.c - see policies.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "policies.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "crud.h"
#include "list.h"
#include "router.h"

#define R (&resource_policy)
/* An owner id no link has. */
#define NONE "\001"

void
policies_list(struct call *c)
{
    char tool[ROUTER_MAX_PARAM + 1] = "", know[ROUTER_MAX_PARAM + 1] = "";
    struct list_spec l;
    int ht, hk;

    ht = list_query_param(c->rq->query, c->rq->query_len, "ToolId", tool,
                          sizeof(tool));
    hk = list_query_param(c->rq->query, c->rq->query_len, "KnowledgeId",
                          know, sizeof(know));
    if (ht < 0 || hk < 0) {
        call_error(c, API_ERR_INVALID_PARAM, ht < 0 ? "ToolId" : "KnowledgeId",
                   NULL);
        return;
    }
    /* A tool filter names a tool, a knowledge one a knowledge source:
     * another kind of id matches nothing (it stays in the links). */
    const char *tool_match = strncmp(tool, "aia_tool_", 9) == 0 ? tool : NONE;
    const char *know_match = strncmp(know, "aia_know_", 9) == 0 ? know : NONE;

    /* Both filters go into the links, ToolId first. */
    if (ht && hk) {
        char both[2 * ROUTER_MAX_PARAM + 16];
        snprintf(both, sizeof(both), "%s", know);
        if (list_spec_init(&l, STORE_POLICIES, "policies", "/v1/Policies",
                           "ToolId", tool) < 0 ||
            strlen(l.filter) + strlen(both) + 16 >= sizeof(l.filter)) {
            call_error(c, API_ERR_INVALID_PARAM, "KnowledgeId", NULL);
            return;
        }
        {
            struct list_spec k;
            if (list_spec_init(&k, STORE_POLICIES, "policies", "/v1/Policies",
                               "KnowledgeId", know) < 0) {
                call_error(c, API_ERR_INVALID_PARAM, "KnowledgeId", NULL);
                return;
            }
            strcat(l.filter, k.filter);
            snprintf(l.scope, sizeof(l.scope), "policies %s?%s", l.path,
                     l.filter);
        }
        l.where.kind = STORE_POLICIES_OF2;
        l.where.a = tool_match;
        l.where.b = know_match;
    } else if (list_spec_init(&l, STORE_POLICIES, "policies", "/v1/Policies",
                              ht ? "ToolId" : hk ? "KnowledgeId" : NULL,
                              ht ? tool : hk ? know : NULL) < 0) {
        call_error(c, API_ERR_INVALID_PARAM, ht ? "ToolId" : "KnowledgeId",
                   NULL);
        return;
    } else if (ht || hk) {
        l.where.kind = STORE_POLICIES_OF;
        l.where.a = ht ? tool_match : know_match;
    }
    crud_list_page(c, &l);
}

bool
policies_bad_member(struct call *c, json_object *body)
{
    json_object *p = NULL, *id = NULL;

    json_object_object_get_ex(body, "policy", &p);
    if (p == NULL)
        return false;
    if (!json_object_is_type(p, json_type_object)) {
        call_error(c, API_ERR_INVALID_PARAM, "policy", NULL);
        return true;
    }
    json_object_object_get_ex(p, "id", &id);
    if (id != NULL) {
        const char *s = json_object_get_string(id);
        if (!json_object_is_type(id, json_type_string) ||
            strncmp(s, R->id_prefix, 9) != 0 || strlen(s) <= 9 ||
            strlen(s) > ROUTER_MAX_PARAM) {
            call_error(c, API_ERR_INVALID_PARAM, "policy.id", NULL);
            return true;
        }
    }
    /* policy_details is required for a new policy as for a linked one. */
    return crud_bad_body(c, R, p, true, "policy");
}

int
policies_apply(struct call *c, const char *owner, json_object *body,
               bool replace)
{
    json_object *p = NULL, *id = NULL;
    struct crud_write w;
    int rc = -1;

    json_object_object_get_ex(body, "policy", &p);
    if (p == NULL)
        return 0;
    if (replace && store_txn_unlink_policies(c->app->store, c->acct, owner) <
                       0)
        return -1;
    json_object_object_get_ex(p, "id", &id);
    if (id != NULL) {
        char path[ROUTER_MAX_PARAM + 32];
        const char *pid = json_object_get_string(id);
        rc = store_txn_get(c->app->store, STORE_POLICIES, c->acct, pid,
                           strlen(pid), NULL, NULL);
        if (rc == 1) {
            snprintf(path, sizeof(path), "/v1/Policies/%s", pid);
            call_error(c, API_ERR_NOT_FOUND, path, NULL);
            return 1;
        }
        if (rc < 0)
            return -1;
        return store_txn_link_policy(c->app->store, c->acct, owner, pid);
    }
    crud_write_init(&w);
    if (crud_new(c, R, p, &w) == 0 && crud_render(R, &w) == 0 &&
        store_txn_create(c->app->store, STORE_POLICIES, c->acct, &w.it) == 0 &&
        store_txn_link_policy(c->app->store, c->acct, owner, w.id) == 0)
        rc = 0;
    crud_write_release(&w);
    return rc;
}
