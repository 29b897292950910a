/*
 * router.c - see router.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "router.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "admin.h"
#include "assistants.h"
#include "auth.h"
#include "body.h"
#include "clock.h"
#include "faults.h"
#include "ids.h"
#include "journal.h"
#include "knowledge.h"
#include "log.h"
#include "pagecache.h"
#include "paging.h"
#include "policies.h"
#include "sessions.h"
#include "tools.h"
#include "util.h"
#include "webhooks.h"

#define ROUTER_MAX_HEADERS 16384

typedef void (*route_fn)(struct call *c);

/* Route flags: the policy applied before the handler. */
enum {
    R_AUTH = 1 << 0,  /* Basic auth, link base, fault rules, journal */
    R_JSON = 1 << 1,  /* a JSON object body (or none: {}) */
    R_ADMIN = 1 << 2, /* test control: scope from the credentials */
};

struct route {
    unsigned methods; /* HTTP_GET also serves HEAD */
    const char *pattern;
    route_fn fn;
    unsigned flags;
};

static void health(struct call *c);

/*
 * The API, one row per operation. Rows of one path are adjacent: they make
 * its Allow header.
 */
static const struct route routes[] = {
    {HTTP_GET, "/v1/Assistants", assistants_list, R_AUTH},
    {HTTP_POST, "/v1/Assistants", assistants_create, R_AUTH | R_JSON},
    {HTTP_GET, "/v1/Assistants/{id}", assistants_fetch, R_AUTH},
    {HTTP_PUT, "/v1/Assistants/{id}", assistants_update, R_AUTH | R_JSON},
    {HTTP_DELETE, "/v1/Assistants/{id}", assistants_delete, R_AUTH},
    {HTTP_GET, "/v1/Assistants/{id}/Feedbacks", feedbacks_list, R_AUTH},
    {HTTP_POST, "/v1/Assistants/{id}/Feedbacks", feedbacks_create,
     R_AUTH | R_JSON},
    {HTTP_POST, "/v1/Assistants/{id}/Messages", sessions_send,
     R_AUTH | R_JSON},
    {HTTP_GET, "/v1/Assistants/{id}/Tools", assistants_attached, R_AUTH},
    {HTTP_POST, "/v1/Assistants/{id}/Tools/{id}", assistants_attach, R_AUTH},
    {HTTP_DELETE, "/v1/Assistants/{id}/Tools/{id}", assistants_detach,
     R_AUTH},
    {HTTP_GET, "/v1/Assistants/{id}/Knowledge", assistants_attached, R_AUTH},
    {HTTP_POST, "/v1/Assistants/{id}/Knowledge/{id}", assistants_attach,
     R_AUTH},
    {HTTP_DELETE, "/v1/Assistants/{id}/Knowledge/{id}", assistants_detach,
     R_AUTH},
    {HTTP_GET, "/v1/Tools", tools_list, R_AUTH},
    {HTTP_POST, "/v1/Tools", tools_create, R_AUTH | R_JSON},
    {HTTP_GET, "/v1/Tools/{id}", tools_fetch, R_AUTH},
    {HTTP_PUT, "/v1/Tools/{id}", tools_update, R_AUTH | R_JSON},
    {HTTP_DELETE, "/v1/Tools/{id}", tools_delete, R_AUTH},
    {HTTP_GET, "/v1/Knowledge", knowledge_list, R_AUTH},
    {HTTP_POST, "/v1/Knowledge", knowledge_create, R_AUTH | R_JSON},
    {HTTP_GET, "/v1/Knowledge/{id}", knowledge_fetch, R_AUTH},
    {HTTP_PUT, "/v1/Knowledge/{id}", knowledge_update, R_AUTH | R_JSON},
    {HTTP_DELETE, "/v1/Knowledge/{id}", knowledge_delete, R_AUTH},
    {HTTP_GET, "/v1/Knowledge/{id}/Status", knowledge_status, R_AUTH},
    {HTTP_GET, "/v1/Knowledge/{id}/Chunks", knowledge_chunks, R_AUTH},
    {HTTP_GET, "/v1/Policies", policies_list, R_AUTH},
    {HTTP_GET, "/v1/Sessions", sessions_list, R_AUTH},
    {HTTP_GET, "/v1/Sessions/{id}", sessions_fetch, R_AUTH},
    {HTTP_GET, "/v1/Sessions/{id}/Messages", sessions_messages, R_AUTH},
    {HTTP_GET, "/healthz", health, 0},
    {HTTP_GET, "/readyz", health, 0},
    {HTTP_POST, "/__admin/reset", admin_reset, R_ADMIN},
    {HTTP_GET, "/__admin/requests", admin_requests, R_ADMIN},
    {HTTP_DELETE, "/__admin/requests", admin_requests_clear, R_ADMIN},
    {HTTP_GET, "/__admin/requests/count", admin_requests_count, R_ADMIN},
    {HTTP_GET, "/__admin/faults", admin_faults, R_ADMIN},
    {HTTP_POST, "/__admin/faults", admin_faults_add, R_ADMIN | R_JSON},
    {HTTP_DELETE, "/__admin/faults", admin_faults_clear, R_ADMIN},
    {HTTP_DELETE, "/__admin/faults/{id}", admin_fault_delete, R_ADMIN},
    {HTTP_GET, "/__admin/clock", admin_clock, R_ADMIN},
    {HTTP_POST, "/__admin/clock", admin_clock_set, R_ADMIN | R_JSON},
    {HTTP_GET, "/__admin/export", admin_export, R_ADMIN},
    {HTTP_GET, "/__admin/ca.pem", admin_ca, R_ADMIN},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* Allow of each route's path: "GET, HEAD, POST, OPTIONS". */
static char allow[N_ROUTES][64];

unsigned
request_method(const char *name)
{
    static const struct {
        const char *name;
        unsigned m;
    } methods[] = {
        {"GET", HTTP_GET},       {"HEAD", HTTP_HEAD},
        {"POST", HTTP_POST},     {"PUT", HTTP_PUT},
        {"DELETE", HTTP_DELETE}, {"OPTIONS", HTTP_OPTIONS},
    };
    size_t i;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(name, methods[i].name) == 0)
            return methods[i].m;
    return HTTP_OTHER;
}

static void
build_allow(void)
{
    static const struct {
        unsigned m;
        const char *name;
    } order[] = {
        {HTTP_GET, "GET"},   {HTTP_HEAD, "HEAD"},     {HTTP_POST, "POST"},
        {HTTP_PUT, "PUT"},   {HTTP_DELETE, "DELETE"}, {HTTP_OPTIONS, "OPTIONS"},
    };
    size_t i, j, k;

    for (i = 0; i < N_ROUTES; i++) {
        unsigned m = HTTP_OPTIONS;
        size_t n = 0;

        for (j = 0; j < N_ROUTES; j++)
            if (strcmp(routes[j].pattern, routes[i].pattern) == 0)
                m |= routes[j].methods;
        if (m & HTTP_GET)
            m |= HTTP_HEAD;
        allow[i][0] = '\0';
        for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
            if (!(m & order[k].m))
                continue;
            n += (size_t)snprintf(allow[i] + n, sizeof(allow[i]) - n, "%s%s",
                                  n ? ", " : "", order[k].name);
        }
    }
}

int
router_init(struct app *app, const struct config *cfg, struct store *store,
            const struct accounts *accts)
{
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;
    app->store = store;
    app->accts = accts;
    atomic_init(&app->ready, false);
    build_allow();
    app->knowledge_rule = cfg->knowledge_rule;
    app->journal = journal_new(accts->n_accounts, cfg->journal_size);
    app->faults = faults_new(accts);
    if (app->journal == NULL || app->faults == NULL)
        goto fail;
    if (cfg->list_cache_mb > 0 &&
        (app->pages = pagecache_new((size_t)cfg->list_cache_mb << 20)) == NULL)
        goto fail;
    if (cfg->fault_every && faults_add_every(app->faults, cfg->fault_every) < 0)
        goto fail;
    if (cfg->rate_limit && faults_add_rate(app->faults, cfg->rate_limit) < 0)
        goto fail;
    if (webhooks_start(accts, cfg->webhooks_off) < 0)
        goto fail;
    return 0;
fail:
    router_release(app);
    return -1;
}

void
router_release(struct app *app)
{
    if (app == NULL)
        return;
    webhooks_stop();
    journal_free(app->journal);
    faults_free(app->faults);
    pagecache_free(app->pages);
    app->journal = NULL;
    app->faults = NULL;
    app->pages = NULL;
}

bool
router_match(const char *pattern, const char *path, size_t len,
             char params[][ROUTER_MAX_PARAM + 1], size_t *param_len)
{
    const char *p = pattern;
    size_t i = 0;
    int np = 0;

    while (*p) {
        const char *pend;
        size_t seg, plen;

        if (*p != '/' || i >= len || path[i] != '/')
            return false;
        p++;
        i++;
        pend = strchr(p, '/');
        plen = pend ? (size_t)(pend - p) : strlen(p);
        for (seg = 0; i + seg < len && path[i + seg] != '/'; seg++)
            ;
        if (*p == '{') {
            long n;
            if (seg == 0 || np >= ROUTER_MAX_PARAMS ||
                seg > ROUTER_MAX_PARAM * 3)
                return false;
            {
                char dec[ROUTER_MAX_PARAM * 3 + 1];
                n = util_percent_decode(path + i, seg, dec, false);
                if (n < 0 || (size_t)n > ROUTER_MAX_PARAM)
                    return false;
                memcpy(params[np], dec, (size_t)n + 1);
            }
            param_len[np++] = (size_t)n;
        } else if (seg != plen || memcmp(path + i, p, plen) != 0) {
            return false;
        }
        i += seg;
        p += plen;
    }
    return i == len;
}

void
call_error(struct call *c, enum api_err e, const char *arg1, const char *arg2)
{
    response_unshare(c->rs);
    buf_reset(&c->rs->body);
    api_err_render(&c->rs->body, e, arg1, arg2);
    c->rs->status = api_err_status(e);
    c->rs->no_content = false;
    c->rs->www_authenticate = e == API_ERR_AUTH;
}

void
call_not_found(struct call *c)
{
    call_error(c, API_ERR_NOT_FOUND, c->path, NULL);
}

static void
health(struct call *c)
{
    bool live = c->path[1] == 'h';
    bool ready = live || atomic_load(&c->app->ready);

    buf_adds(&c->rs->body, live    ? "{\"status\":\"ok\"}"
                           : ready ? "{\"status\":\"ready\"}"
                                   : "{\"status\":\"starting\"}");
    c->rs->status = ready ? 200 : 503;
}

/*
 * The link base: --public-url, else http:// (https:// for a request that
 * came over TLS) + Host, else the listener.
 */
static enum api_err
link_base(struct call *c)
{
    const struct request *rq = c->rq;
    const char *pub = c->app->cfg->public_url;

    if (pub[0]) {
        c->base_len = strlen(pub);
        memcpy(c->base, pub, c->base_len + 1);
    } else if (rq->host) {
        size_t n = strlen(rq->host);
        if (!paging_host_valid(rq->host, n))
            return API_ERR_HOST;
        size_t k = rq->tls ? 8 : 7;
        memcpy(c->base, rq->tls ? "https://" : "http://", k);
        memcpy(c->base + k, rq->host, n + 1);
        c->base_len = n + k;
    } else {
        c->base_len = rq->fallback_len;
        memcpy(c->base, rq->fallback_base, c->base_len + 1);
    }
    return API_OK;
}

/* application/json, any case, optionally followed by parameters. */
static bool
is_json_type(const char *ct)
{
    size_t n;

    if (ct == NULL)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, "application/json", 16) != 0)
        return false;
    ct += 16;
    n = strspn(ct, " \t");
    return ct[n] == '\0' || ct[n] == ';';
}

static enum api_err
read_body(struct call *c)
{
    const struct request *rq = c->rq;

    if (rq->body_too_large)
        return API_ERR_BODY_TOO_LARGE;
    if (rq->body_len == 0) {
        c->body = json_object_new_object();
        return c->body ? API_OK : API_ERR_INTERNAL;
    }
    if (!is_json_type(rq->content_type))
        return API_ERR_CONTENT_TYPE;
    if (body_parse(rq->body, rq->body_len, &c->body) < 0)
        return API_ERR_INVALID_JSON;
    if (!json_object_is_type(c->body, json_type_object))
        return API_ERR_INVALID_JSON;
    return API_OK;
}

/*
 * Runs the fault rules on an authenticated request. Returns true to go on
 * (no rule, or a delay that has passed), false when the answer is made.
 */
static bool
apply_faults(struct call *c)
{
    struct fault_hit hit;

    faults_match(c->app->faults, c->scope, c->rq->method, c->path,
                 strlen(c->path), &hit);
    switch (hit.action) {
    case FAULT_NONE:
        return true;
    case FAULT_DELAY: {
        struct timespec ts = {(time_t)(hit.delay_ms / 1000),
                              (long)(hit.delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        return true;
    }
    case FAULT_DROP:
        c->rs->drop = true;
        return false;
    case FAULT_ERROR:
        break;
    }
    buf_reset(&c->rs->body);
    api_err_render_custom(&c->rs->body, hit.status, hit.code, hit.message);
    c->rs->status = hit.status;
    c->rs->retry_after = hit.retry_after;
    if (hit.status >= 500)
        log_error("%s %.200s answered %u %d by fault rule %s%s",
                  c->rq->method, c->path, hit.status, hit.code, hit.rule_id,
                  hit.builtin ? " (injected store fault)" : "");
    return false;
}

static void
dispatch(struct call *c)
{
    const struct request *rq = c->rq;
    const struct route *r = NULL;
    size_t i, first = N_ROUTES;
    unsigned m = rq->m == HTTP_HEAD ? HTTP_GET : rq->m;
    enum api_err e;
    long n;
    int acct;

    n = rq->path_len < sizeof(c->path)
            ? util_percent_decode(rq->path, rq->path_len, c->path, false)
            : -1;
    if (n < 0) {
        /* Not decodable: report it as sent. */
        size_t k = rq->path_len < sizeof(c->path) - 1 ? rq->path_len
                                                      : sizeof(c->path) - 1;
        memcpy(c->path, rq->path, k);
        c->path[k] = '\0';
        call_not_found(c);
        return;
    }
    for (i = 0; i < N_ROUTES; i++) {
        if (first < N_ROUTES &&
            strcmp(routes[i].pattern, routes[first].pattern) != 0)
            break;
        if (first == N_ROUTES &&
            !router_match(routes[i].pattern, rq->path, rq->path_len,
                          c->param, c->param_len))
            continue;
        if (first == N_ROUTES)
            first = i;
        if (routes[i].methods & m)
            r = &routes[i];
    }
    if (first < N_ROUTES)
        c->route = routes[first].pattern;
    if (rq->uri_too_long) {
        if (first < N_ROUTES)
            c->rs->cors_methods = allow[first];
        call_error(c, API_ERR_URI_TOO_LONG, NULL, NULL);
        return;
    }
    if (first == N_ROUTES) {
        call_not_found(c);
        return;
    }
    c->rs->cors_methods = allow[first];
    if (rq->header_bytes > ROUTER_MAX_HEADERS) {
        call_error(c, API_ERR_HEADERS_TOO_LARGE, NULL, NULL);
        return;
    }
    if (rq->m == HTTP_OPTIONS) {
        c->rs->status = 204;
        c->rs->no_content = true;
        c->rs->allow = allow[first];
        return;
    }
    if (routes[first].flags & (R_AUTH | R_ADMIN)) {
        if ((e = link_base(c)) != API_OK) {
            call_error(c, e, NULL, NULL);
            return;
        }
        e = (routes[first].flags & R_ADMIN) ? admin_scope(c, &acct)
            : auth_check(c->app->accts, rq->authorization, &acct);
        if (e != API_OK) {
            call_error(c, e, NULL, NULL);
            return;
        }
        if (acct >= 0) {
            c->account = &c->app->accts->accounts[acct];
            c->acct = c->account->store_id;
            c->scope = acct;
            c->rs->account_sid = c->account->sid;
        }
    }
    if (r == NULL) {
        call_error(c, API_ERR_METHOD, c->path, rq->method);
        c->rs->allow = allow[first];
        return;
    }
    if ((r->flags & R_AUTH) && !apply_faults(c))
        return;
    if ((r->flags & R_JSON) && (e = read_body(c)) != API_OK) {
        call_error(c, e, NULL, NULL);
        return;
    }
    c->rs->status = 200;
    r->fn(c);
}

/* Requests under /v1 are journaled; /__admin/ and the probes are not. */
static bool
is_api_path(const struct request *rq)
{
    return rq->path_len >= 3 && memcmp(rq->path, "/v1", 3) == 0 &&
           (rq->path_len == 3 || rq->path[3] == '/');
}

static void
record(struct call *c)
{
    struct journal_record jr;

    jr.ring = c->scope;
    jr.account_sid = c->account ? c->account->sid : NULL;
    jr.request_id = c->rs->request_id;
    jr.time_ms = clock_now_ms();
    jr.rq = c->rq;
    jr.status = c->rs->drop ? 0 : c->rs->status;
    jr.duration_us = (util_now_ns() - c->rq->t0) / 1000;
    jr.route = c->route;
    journal_add(c->app->journal, &jr);
}

void
router_handle(struct app *app, const struct request *rq, struct response *rs)
{
    /* On the stack, and not zeroed: its buffers are written before use. */
    struct call call, *c = &call;

    c->app = app;
    c->rq = rq;
    c->rs = rs;
    c->path[0] = '\0';
    c->account = NULL;
    c->acct = -1;
    c->base[0] = '\0';
    c->base_len = 0;
    c->body = NULL;
    rs->retry_after = -1;
    c->scope = -1;
    c->route = NULL;
    ids_request_id(rs->request_id);
    dispatch(c);
    if (buf_failed(&rs->body))
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    json_object_put(c->body);
    if (is_api_path(rq))
        record(c);
}
