/*
 * router.h - the one route table, and the pipeline every request goes
 * through before its handler: path match (404), OPTIONS, link base (Host),
 * authentication (401; for /__admin/ the scope), method (405 with Allow),
 * fault rules, JSON body (413, 400); after it, the request journal. Allow
 * and Access-Control-Allow-Methods of a path come from the same table.
 * Handlers (assistants.c, admin.c, ...) see a struct call.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_ROUTER_H
#define ASSISTANTS_MOCK_ROUTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"
#include "config.h"
#include "errors.h"
#include "fixtures.h"
#include "knowledge.h"
#include "request.h"
#include "store.h"

#define ROUTER_MAX_PARAMS 2
#define ROUTER_MAX_PARAM 1024
#define ROUTER_MAX_BASE (CONFIG_MAX_PUBLIC_URL + 16)

/* Everything a handler may use; owned by main.c, shared by all threads. */
struct app {
    const struct config *cfg;
    struct store *store;
    const struct accounts *accts;
    struct journal *journal;
    struct faults *faults;
    struct pagecache *pages; /* rendered list pages, or NULL (off) */
    struct knowledge_rule knowledge_rule; /* from --knowledge-ready-after */
    const struct fixtures_reply *replies; /* canned replies (fixtures) */
    size_t n_replies;
    const char *tls_ca_pem; /* the generated CA (GET /__admin/ca.pem) */
    atomic_bool ready;
};

/* One request on its way through a route. */
struct call {
    struct app *app;
    const struct request *rq;
    struct response *rs;
    char path[8192 + 1]; /* decoded path, for messages */
    /* Path parameters ({id}), percent-decoded, NUL-terminated. */
    char param[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM + 1];
    size_t param_len[ROUTER_MAX_PARAMS];
    const struct account *account; /* after auth */
    int acct;                      /* its store id */
    int scope;                     /* its index; -1: none / every account */
    char base[ROUTER_MAX_BASE];    /* link base, e.g. http://host:port */
    size_t base_len;
    struct json_object *body;      /* JSON routes: the parsed object */
    const char *route;             /* the matched route's pattern */
};

/*
 * Sets up app (cfg, store and accts borrowed) for router_handle: the
 * journal, the fault rules (with the --rate-limit and --inject-store-fault
 * shorthands). 0, or -1 out of memory.
 */
int router_init(struct app *app, const struct config *cfg,
                struct store *store, const struct accounts *accts);
void router_release(struct app *app);

/* Answers rq into rs (which starts zeroed). Never fails: errors are answers. */
void router_handle(struct app *app, const struct request *rq,
                   struct response *rs);

/* Sets rs to Twilio's error e (arguments as api_err_render). */
void call_error(struct call *c, enum api_err e, const char *arg1,
                const char *arg2);
/* 404 for the call's own path. */
void call_not_found(struct call *c);

/*
 * Splits a raw path into '/'-separated segments and matches them against
 * pattern, where "{}" matches one non-empty segment; matched segments are
 * percent-decoded into params (at most ROUTER_MAX_PARAMS, each at most
 * ROUTER_MAX_PARAM bytes, no NUL). Returns true on a match. Pure; exposed
 * for tests.
 */
bool router_match(const char *pattern, const char *path, size_t len,
                  char params[][ROUTER_MAX_PARAM + 1], size_t *param_len);

#endif
