/*
 * admin.c - see admin.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "admin.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "clock.h"
#include "faults.h"
#include "journal.h"
#include "render.h"
#include "resource.h"
#include "router.h"
#include "store.h"
#include "util.h"

#define ADMIN_MAX_PARAM 1024

enum api_err
admin_scope(struct call *c, int *acct)
{
    const char *h = c->rq->authorization;
    const char *token = c->app->cfg->admin_token;

    *acct = -1;
    if (h == NULL)
        return token[0] ? API_ERR_AUTH : API_OK;
    if (strncasecmp(h, "Bearer ", 7) == 0) {
        const char *v = h + 7;
        size_t n;
        while (*v == ' ')
            v++;
        n = strlen(v);
        while (n > 0 && v[n - 1] == ' ')
            n--;
        return token[0] && util_ct_equal(v, n, token, strlen(token))
                   ? API_OK
                   : API_ERR_AUTH;
    }
    return auth_check(c->app->accts, h, acct);
}

static void
no_content(struct call *c)
{
    c->rs->status = 204;
    c->rs->no_content = true;
}

void
admin_reset(struct call *c)
{
    if (store_reset(c->app->store, c->scope >= 0 ? c->acct : -1) < 0) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    journal_clear(c->app->journal, c->scope);
    faults_clear(c->app->faults, c->scope);
    no_content(c);
}

/* The journal's query parameters, decoded into the call's own buffers. */
struct filter_params {
    struct journal_filter f;
    char method[ADMIN_MAX_PARAM + 1], path[ADMIN_MAX_PARAM + 1];
    char since[ADMIN_MAX_PARAM + 1];
};

/* Parses method, path, status and since. API_OK, or the bad one in field. */
static enum api_err
parse_filter(struct call *c, struct filter_params *p, const char **field)
{
    const char *q = c->rq->query;
    size_t len = c->rq->query_len, i = 0;

    memset(&p->f, 0, sizeof(p->f));
    while (q && i < len) {
        size_t start = i, eq, end;
        char name[32], value[ADMIN_MAX_PARAM * 3 + 1];
        long nn, vn;

        while (i < len && q[i] != '&')
            i++;
        end = i++;
        for (eq = start; eq < end && q[eq] != '='; eq++)
            ;
        if (eq - start >= sizeof(name) / 3)
            continue;
        nn = util_percent_decode(q + start, eq - start, name, true);
        if (nn < 0)
            continue;
        if (strcmp(name, "method") && strcmp(name, "path") &&
            strcmp(name, "status") && strcmp(name, "since"))
            continue; /* unknown parameters are ignored */
        *field = strcmp(name, "method") == 0   ? "method"
                 : strcmp(name, "path") == 0   ? "path"
                 : strcmp(name, "status") == 0 ? "status"
                                               : "since";
        vn = eq < end && end - eq - 1 <= ADMIN_MAX_PARAM * 3
                 ? util_percent_decode(q + eq + 1, end - eq - 1, value, true)
                 : -1;
        if (vn < 0 || vn > ADMIN_MAX_PARAM)
            return API_ERR_INVALID_PARAM;
        if (strcmp(name, "status") == 0) {
            long long st;
            if (util_parse_int(value, (size_t)vn, 100, 599, &st) < 0)
                return API_ERR_INVALID_PARAM;
            p->f.status = (unsigned)st;
        } else if (strcmp(name, "method") == 0) {
            memcpy(p->method, value, (size_t)vn + 1);
            p->f.method = p->method;
        } else if (strcmp(name, "path") == 0) {
            memcpy(p->path, value, (size_t)vn + 1);
            p->f.path = p->path;
        } else {
            memcpy(p->since, value, (size_t)vn + 1);
            p->f.since = p->since;
        }
    }
    return API_OK;
}

static void
journal_query(struct call *c, bool count)
{
    struct filter_params *p = malloc(sizeof(*p));
    const char *field = NULL;
    enum api_err e;
    long n;

    if (p == NULL) {
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
        return;
    }
    e = parse_filter(c, p, &field);
    if (e != API_OK) {
        call_error(c, e, field, NULL);
        goto out;
    }
    if (count) {
        n = journal_count(c->app->journal, c->scope, &p->f);
        if (n >= 0) {
            buf_adds(&c->rs->body, "{\"count\":");
            buf_add_long(&c->rs->body, n);
            buf_addc(&c->rs->body, '}');
        }
    } else {
        n = journal_render(c->app->journal, c->scope, &p->f, &c->rs->body);
    }
    if (n == -1)
        call_error(c, API_ERR_INVALID_PARAM, "since", NULL);
    else if (n < -1)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
out:
    free(p);
}

void
admin_requests(struct call *c)
{
    journal_query(c, false);
}

void
admin_requests_count(struct call *c)
{
    journal_query(c, true);
}

void
admin_requests_clear(struct call *c)
{
    journal_clear(c->app->journal, c->scope);
    no_content(c);
}

void
admin_faults(struct call *c)
{
    faults_render(c->app->faults, c->scope, &c->rs->body);
}

void
admin_faults_add(struct call *c)
{
    char field[64];
    int rc = faults_add(c->app->faults, c->scope, c->body, &c->rs->body,
                        field, sizeof(field));

    if (rc == -1 || rc == -3)
        call_error(c, rc == -3 ? API_ERR_MISSING_PARAM : API_ERR_INVALID_PARAM,
                   field, NULL);
    else if (rc < 0)
        call_error(c, API_ERR_INTERNAL, NULL, NULL);
    else
        c->rs->status = 201;
}

void
admin_faults_clear(struct call *c)
{
    faults_clear(c->app->faults, c->scope);
    no_content(c);
}

void
admin_fault_delete(struct call *c)
{
    if (faults_delete(c->app->faults, c->scope, c->param[0]) != 0)
        call_not_found(c);
    else
        no_content(c);
}

static void
render_clock(struct call *c)
{
    char date[21];

    util_format_date(clock_now(), date);
    buf_adds(&c->rs->body, "{\"now\":\"");
    buf_adds(&c->rs->body, date);
    buf_adds(&c->rs->body, "\",\"frozen\":");
    buf_adds(&c->rs->body, clock_frozen() ? "true" : "false");
    buf_addc(&c->rs->body, '}');
}

void
admin_clock(struct call *c)
{
    render_clock(c);
}

void
admin_clock_set(struct call *c)
{
    json_object *now = NULL, *adv = NULL;
    int64_t t;

    json_object_object_get_ex(c->body, "now", &now);
    json_object_object_get_ex(c->body, "advance_seconds", &adv);
    if (now == NULL && adv == NULL) {
        call_error(c, API_ERR_MISSING_PARAM, "now", NULL);
        return;
    }
    if (now && adv) {
        call_error(c, API_ERR_INVALID_PARAM, "advance_seconds", NULL);
        return;
    }
    if (now) {
        if (!json_object_is_type(now, json_type_string) ||
            util_parse_date(json_object_get_string(now),
                            (size_t)json_object_get_string_len(now),
                            &t) < 0) {
            call_error(c, API_ERR_INVALID_PARAM, "now", NULL);
            return;
        }
        clock_freeze(t);
    } else {
        int64_t n;
        if (!json_object_is_type(adv, json_type_int) ||
            (n = json_object_get_int64(adv)) < -3153600000LL ||
            n > 3153600000LL) {
            call_error(c, API_ERR_INVALID_PARAM, "advance_seconds", NULL);
            return;
        }
        clock_advance(n);
    }
    render_clock(c);
}

/* ---- export ---- */

/* The sections of an export, in fixture order (see fixtures.c). */
static const struct {
    const char *key;
    const struct resource *r;
} export_sections[] = {
    {"assistants", &resource_assistant}, {"tools", &resource_tool},
    {"knowledge", &resource_knowledge},  {"policies", &resource_policy},
    {"sessions", &resource_session},     {"messages", &resource_message},
    {"feedbacks", &resource_feedback},
};

struct export_ctx {
    struct buf *out;
    const struct resource *r;
    bool first;
    bool failed;
    struct store_key last;
    char last_id[ROUTER_MAX_PARAM + 16];
    long n;
};

static int
on_export(void *arg, const struct store_row *row)
{
    struct export_ctx *x = arg;
    json_object *rec = NULL, *secret = NULL;
    size_t n = row->key.id_len < sizeof(x->last_id) - 1
                   ? row->key.id_len
                   : sizeof(x->last_id) - 1;

    memcpy(x->last_id, row->key.id, n);
    x->last_id[n] = '\0';
    x->last.created = row->key.created;
    x->last.id = x->last_id;
    x->last.id_len = n;
    x->n++;
    if (resource_parse_row(row, &rec, &secret) < 0) {
        x->failed = true;
        return 1;
    }
    buf_adds(x->out, x->first ? "\n    " : ",\n    ");
    x->first = false;
    resource_render(x->r, rec, x->out, NULL);
    json_object_put(rec);
    json_object_put(secret);
    return 0;
}

/* Appends every row of table t of store account acct, in list order. */
static int
export_rows(struct call *c, enum store_table t, int acct,
            struct export_ctx *x)
{
    const long chunk = 1000;
    const struct store_key *key = NULL;
    long got;

    do {
        x->n = 0;
        got = store_list(c->app->store, t, acct, STORE_AFTER, key,
                         (int)chunk, on_export, x);
        if (got < 0 || x->failed)
            return -1;
        key = &x->last;
    } while (x->n == chunk);
    return 0;
}

struct link_ctx {
    struct buf *out;
    bool first;
    bool attachments;
};

static int
on_link(void *arg, const char *owner, const char *target,
        enum store_table kind)
{
    struct link_ctx *l = arg;

    buf_adds(l->out, l->first ? "\n    {\"" : ",\n    {\"");
    l->first = false;
    buf_adds(l->out, l->attachments ? "assistant_id" : "policy_id");
    buf_adds(l->out, "\":");
    render_json_string(l->out, l->attachments ? owner : target,
                       strlen(l->attachments ? owner : target));
    buf_adds(l->out, kind == STORE_TOOLS ? ",\"tool_id\":"
                                         : ",\"knowledge_id\":");
    render_json_string(l->out, l->attachments ? target : owner,
                       strlen(l->attachments ? target : owner));
    buf_addc(l->out, '}');
    return 0;
}

void
admin_export(struct call *c)
{
    const struct accounts *a = c->app->accts;
    struct buf *out = &c->rs->body;
    struct export_ctx x;
    struct link_ctx l;
    size_t i, k, n = 0;
    int pass;

    buf_adds(out, "{\n  \"accounts\": [");
    for (i = 0; i < a->n_accounts; i++) {
        if (c->scope >= 0 && (size_t)c->scope != i)
            continue;
        buf_adds(out, n++ ? ",\n    {\"sid\": \"" : "\n    {\"sid\": \"");
        buf_adds(out, a->accounts[i].sid);
        buf_adds(out, "\"}");
    }
    buf_adds(out, "\n  ]");
    for (k = 0; k < sizeof(export_sections) / sizeof(export_sections[0]);
         k++) {
        memset(&x, 0, sizeof(x));
        x.out = out;
        x.r = export_sections[k].r;
        x.first = true;
        buf_adds(out, ",\n  \"");
        buf_adds(out, export_sections[k].key);
        buf_adds(out, "\": [");
        for (i = 0; i < a->n_accounts; i++) {
            if (c->scope >= 0 && (size_t)c->scope != i)
                continue;
            if (export_rows(c, x.r->table, a->accounts[i].store_id, &x) < 0) {
                call_error(c, API_ERR_INTERNAL, NULL, NULL);
                return;
            }
        }
        buf_adds(out, x.first ? "]" : "\n  ]");
    }
    for (pass = 1; pass >= 0; pass--) {
        l.out = out;
        l.first = true;
        l.attachments = pass == 1;
        buf_adds(out, pass ? ",\n  \"attachments\": ["
                           : ",\n  \"policy_links\": [");
        for (i = 0; i < a->n_accounts; i++) {
            if (c->scope >= 0 && (size_t)c->scope != i)
                continue;
            if (store_each_link(c->app->store, a->accounts[i].store_id,
                                pass == 1, on_link, &l) < 0) {
                call_error(c, API_ERR_INTERNAL, NULL, NULL);
                return;
            }
        }
        buf_adds(out, l.first ? "]" : "\n  ]");
    }
    buf_adds(out, "\n}\n");
}

void
admin_ca(struct call *c)
{
    if (c->app->tls_ca_pem == NULL) {
        c->rs->status = 404;
        api_err_render_custom(&c->rs->body, 404, 20404,
                              "No generated CA: the HTTPS side is off "
                              "(--tls-port, --proxy-port) or uses --tls-cert");
        return;
    }
    buf_adds(&c->rs->body, c->app->tls_ca_pem);
    c->rs->content_type = "application/x-pem-file";
}
