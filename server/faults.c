/*
 * faults.c - see faults.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "faults.h"

#include <ctype.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "journal.h"
#include "render.h"

#define FAULTS_MAX_PATH 1024

struct rule {
    char id[35];
    int scope;        /* account index, or -1: all */
    bool builtin;     /* from a flag: kept by faults_clear, counters reset */
    char method[16];  /* "" : any */
    char path[FAULTS_MAX_PATH + 1];
    long long skip, times; /* times 0: forever */
    long long seen, hits;  /* matching requests skipped, and hit */
    unsigned every;        /* hit every nth matching request (0/1: each) */
    long long matched;
    unsigned per_second;   /* hit beyond this many a second per account */
    uint64_t *windows;     /* per_second: second << 32 | count, per account */
    struct fault_hit hit;
};

struct faults {
    pthread_mutex_t lock;
    const struct accounts *accts;
    size_t n_accounts;
    struct rule **v;
    size_t n;
};

struct faults *
faults_new(const struct accounts *accts)
{
    struct faults *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    pthread_mutex_init(&f->lock, NULL);
    f->accts = accts;
    f->n_accounts = accts->n_accounts;
    return f;
}

/* The account SID of a rule's scope, or NULL for every account. */
static const char *
scope_sid(const struct faults *f, int scope)
{
    return scope >= 0 && (size_t)scope < f->n_accounts
               ? f->accts->accounts[scope].sid
               : NULL;
}

static void
rule_free(struct rule *r)
{
    if (r == NULL)
        return;
    free(r->windows);
    free(r);
}

void
faults_free(struct faults *f)
{
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < f->n; i++)
        rule_free(f->v[i]);
    free(f->v);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* Twilio's code and message for an injected status, unless given. */
static void
default_error(unsigned status, int *code, const char **message)
{
    static const struct {
        unsigned status;
        int code; /* 0: the default, 20001 (4xx) or 20500 (5xx) */
        const char *message;
    } known[] = {
        {400, 20001, "Bad Request"},
        {401, 20003, "Authenticate"},
        {403, 0, "Forbidden"},
        {404, 20404, "The requested resource was not found"},
        {405, 0, "Method Not Allowed"},
        {408, 0, "Request Timeout"},
        {409, 0, "Conflict"},
        {413, 0, "Request Entity Too Large"},
        {429, 20429, "Too Many Requests"},
        {500, 20500, "Internal Server Error"},
        {502, 0, "Bad Gateway"},
        {503, 20503, "Service Unavailable"},
        {504, 0, "Gateway Timeout"},
    };
    size_t i;

    *code = status >= 500 ? 20500 : 20001;
    *message = status >= 500 ? "Internal Server Error" : "Bad Request";
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (known[i].status != status)
            continue;
        if (known[i].code)
            *code = known[i].code;
        *message = known[i].message;
    }
}

static bool
get_int(json_object *v, long long min, long long max, long long *out)
{
    if (!json_object_is_type(v, json_type_int))
        return false;
    *out = (long long)json_object_get_int64(v);
    return *out >= min && *out <= max;
}

#define BAD(name)                                                              \
    do {                                                                       \
        snprintf(field, cap, "%s", (name));                                    \
        goto bad;                                                              \
    } while (0)
/* A required member is missing: -3 instead of -1. */
#define MISSING(name)                                                          \
    do {                                                                       \
        snprintf(field, cap, "%s", (name));                                    \
        return -3;                                                             \
    } while (0)

/* Fills r->hit from the "error" object. 0 or -1 (field set). */
static int
parse_error(struct rule *r, json_object *err, char *field, size_t cap)
{
    json_object *v;
    long long n;
    const char *message;
    int code;

    if (!json_object_is_type(err, json_type_object))
        BAD("error");
    if (!json_object_object_get_ex(err, "status", &v) || v == NULL)
        MISSING("error.status");
    if (!get_int(v, 100, 599, &n))
        BAD("error.status");
    r->hit.status = (unsigned)n;
    default_error(r->hit.status, &code, &message);
    r->hit.code = code;
    r->hit.retry_after = -1;
    json_object_object_foreach(err, key, val) {
        if (strcmp(key, "status") == 0)
            continue;
        if (strcmp(key, "code") == 0) {
            if (!get_int(val, 0, 99999999, &n))
                BAD("error.code");
            r->hit.code = (int)n;
        } else if (strcmp(key, "message") == 0) {
            if (!json_object_is_type(val, json_type_string) ||
                json_object_get_string_len(val) > FAULTS_MAX_MESSAGE ||
                memchr(json_object_get_string(val), '\0',
                       (size_t)json_object_get_string_len(val)))
                BAD("error.message");
            message = json_object_get_string(val);
        } else if (strcmp(key, "retry_after") == 0) {
            if (!get_int(val, 0, 86400, &n))
                BAD("error.retry_after");
            r->hit.retry_after = (int)n;
        } else {
            snprintf(field, cap, "error.%s", key);
            goto bad;
        }
    }
    snprintf(r->hit.message, sizeof(r->hit.message), "%s", message);
    r->hit.action = FAULT_ERROR;
    return 0;
bad:
    return -1;
}

/* Checks a rule's JSON into r. 0 or -1 (field set). */
static int
parse_rule(struct rule *r, json_object *rule, char *field, size_t cap)
{
    int actions = 0;
    long long n;

    r->times = 1;
    snprintf(r->path, sizeof(r->path), "*");
    json_object_object_foreach(rule, key, v) {
        if (strcmp(key, "method") == 0) {
            static const char *const ok[] = {"GET",    "HEAD",    "POST",
                                             "PUT",    "DELETE",  "OPTIONS",
                                             "PATCH"};
            const char *m;
            size_t i;
            bool found = false;
            if (v == NULL)
                continue;
            if (!json_object_is_type(v, json_type_string) ||
                json_object_get_string_len(v) >= (int)sizeof(r->method) ||
                memchr(json_object_get_string(v), '\0',
                       (size_t)json_object_get_string_len(v)))
                BAD("method");
            m = json_object_get_string(v);
            for (i = 0; m[i]; i++)
                r->method[i] = (char)toupper((unsigned char)m[i]);
            r->method[i] = '\0';
            for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                found = found || strcmp(ok[i], r->method) == 0;
            if (!found)
                BAD("method");
        } else if (strcmp(key, "path") == 0) {
            if (!json_object_is_type(v, json_type_string) ||
                json_object_get_string_len(v) > FAULTS_MAX_PATH ||
                json_object_get_string_len(v) == 0 ||
                memchr(json_object_get_string(v), '\0',
                       (size_t)json_object_get_string_len(v)))
                BAD("path");
            snprintf(r->path, sizeof(r->path), "%s",
                     json_object_get_string(v));
        } else if (strcmp(key, "skip") == 0) {
            if (!get_int(v, 0, INT64_MAX, &r->skip))
                BAD("skip");
        } else if (strcmp(key, "times") == 0) {
            if (!get_int(v, 0, INT64_MAX, &r->times))
                BAD("times");
        } else if (strcmp(key, "error") == 0) {
            int rc;
            if (v == NULL)
                continue; /* null: absent */
            actions++;
            if ((rc = parse_error(r, v, field, cap)) < 0)
                return rc;
        } else if (strcmp(key, "delay_ms") == 0) {
            actions++;
            if (!get_int(v, 0, FAULTS_MAX_DELAY_MS, &n))
                BAD("delay_ms");
            r->hit.action = FAULT_DELAY;
            r->hit.delay_ms = (unsigned)n;
        } else if (strcmp(key, "drop") == 0) {
            actions++;
            if (!json_object_is_type(v, json_type_boolean) ||
                !json_object_get_boolean(v))
                BAD("drop");
            r->hit.action = FAULT_DROP;
        } else {
            BAD(key);
        }
    }
    if (actions == 0)
        MISSING("error");
    if (actions > 1)
        BAD("drop");
    return 0;
bad:
    return -1;
}
#undef BAD

static void
render_rule(struct buf *b, const struct rule *r, const char *sid)
{
    buf_adds(b, "{\"id\":\"");
    buf_adds(b, r->id);
    buf_adds(b, "\",\"account_sid\":");
    if (sid)
        render_json_string(b, sid, strlen(sid));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"method\":");
    if (r->method[0])
        render_json_string(b, r->method, strlen(r->method));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"path\":");
    render_json_string(b, r->path, strlen(r->path));
    buf_addf(b, ",\"skip\":%lld,\"times\":%lld,\"hits\":%lld", r->skip,
             r->times, r->hits);
    if (r->every > 1)
        buf_addf(b, ",\"every\":%u", r->every);
    if (r->per_second)
        buf_addf(b, ",\"per_second\":%u", r->per_second);
    switch (r->hit.action) {
    case FAULT_ERROR:
        buf_addf(b, ",\"error\":{\"status\":%u,\"code\":%d,\"message\":",
                 r->hit.status, r->hit.code);
        render_json_string(b, r->hit.message, strlen(r->hit.message));
        if (r->hit.retry_after >= 0)
            buf_addf(b, ",\"retry_after\":%d", r->hit.retry_after);
        buf_addc(b, '}');
        break;
    case FAULT_DELAY:
        buf_addf(b, ",\"delay_ms\":%u", r->hit.delay_ms);
        break;
    case FAULT_DROP:
        buf_adds(b, ",\"drop\":true");
        break;
    case FAULT_NONE:
        break;
    }
    buf_addc(b, '}');
}

static struct rule *
rule_new(int scope)
{
    struct rule *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->scope = scope;
    ids_request_id(r->id);
    r->id[0] = 'F';
    r->id[1] = 'R';
    return r;
}

static int
append(struct faults *f, struct rule *r)
{
    struct rule **v;

    if (f->n >= FAULTS_MAX_RULES)
        return -2;
    v = realloc(f->v, (f->n + 1) * sizeof(*v));
    if (v == NULL)
        return -2;
    f->v = v;
    f->v[f->n++] = r;
    return 0;
}

int
faults_add(struct faults *f, int scope, json_object *rule, struct buf *out,
           char *field, size_t cap)
{
    struct rule *r = rule_new(scope);
    int rc;

    if (r == NULL)
        return -2;
    if ((rc = parse_rule(r, rule, field, cap)) < 0) {
        rule_free(r);
        return rc;
    }
    pthread_mutex_lock(&f->lock);
    rc = append(f, r);
    if (rc == 0)
        render_rule(out, r, scope_sid(f, scope));
    pthread_mutex_unlock(&f->lock);
    if (rc < 0)
        rule_free(r);
    return rc;
}

static int
add_builtin(struct faults *f, struct rule *r)
{
    int rc;

    r->builtin = true;
    pthread_mutex_lock(&f->lock);
    rc = append(f, r);
    pthread_mutex_unlock(&f->lock);
    if (rc < 0)
        rule_free(r);
    return rc < 0 ? -1 : 0;
}

/* A built-in rule of every account answering Twilio's error for status. */
static struct rule *
builtin_rule(unsigned status)
{
    struct rule *r = rule_new(-1);
    const char *message;

    if (r == NULL)
        return NULL;
    snprintf(r->path, sizeof(r->path), "*");
    r->times = 0;
    r->hit.action = FAULT_ERROR;
    r->hit.status = status;
    r->hit.retry_after = -1;
    default_error(status, &r->hit.code, &message);
    snprintf(r->hit.message, sizeof(r->hit.message), "%s", message);
    return r;
}

int
faults_add_every(struct faults *f, unsigned n)
{
    struct rule *r = builtin_rule(500);

    if (r == NULL)
        return -1;
    snprintf(r->method, sizeof(r->method), "GET");
    snprintf(r->path, sizeof(r->path), "/v1/Assistants");
    r->every = n;
    return add_builtin(f, r);
}

int
faults_add_rate(struct faults *f, unsigned per_second)
{
    struct rule *r = builtin_rule(429);

    if (r == NULL)
        return -1;
    r->windows = calloc(f->n_accounts + 1, sizeof(*r->windows));
    if (r->windows == NULL) {
        rule_free(r);
        return -1;
    }
    r->per_second = per_second;
    return add_builtin(f, r);
}

/* True when the per-second window of acct is full (else counts it). */
static bool
over_rate(struct rule *r, int acct)
{
    uint64_t *w = &r->windows[acct >= 0 ? (size_t)acct : 0];
    struct timespec ts;
    uint64_t now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (uint64_t)ts.tv_sec;
    if (*w >> 32 != now) {
        *w = now << 32 | 1;
        return false;
    }
    if ((*w & 0xffffffffu) >= r->per_second)
        return true;
    (*w)++;
    return false;
}

void
faults_match(struct faults *f, int acct, const char *method, const char *path,
             size_t path_len, struct fault_hit *hit)
{
    size_t i;

    hit->action = FAULT_NONE;
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    for (i = 0; i < f->n; i++) {
        struct rule *r = f->v[i];

        if (r->scope >= 0 && r->scope != acct)
            continue;
        if (r->method[0] && strcmp(r->method, method) != 0)
            continue;
        if (!journal_glob(r->path, path, path_len))
            continue;
        if (r->seen < r->skip) {
            r->seen++;
            continue;
        }
        if (r->times && r->hits >= r->times)
            continue;
        if (r->every > 1 && ++r->matched % r->every != 0)
            continue;
        if (r->per_second && (acct < 0 || (size_t)acct >= f->n_accounts ||
                              !over_rate(r, acct)))
            continue;
        r->hits++;
        *hit = r->hit;
        hit->builtin = r->builtin;
        memcpy(hit->rule_id, r->id, sizeof(hit->rule_id));
        break;
    }
    pthread_mutex_unlock(&f->lock);
}

void
faults_render(struct faults *f, int scope, struct buf *out)
{
    size_t i, n = 0;

    buf_adds(out, "{\"faults\":[");
    pthread_mutex_lock(&f->lock);
    for (i = 0; i < f->n; i++) {
        if (scope >= 0 && f->v[i]->scope != scope)
            continue;
        if (n++)
            buf_addc(out, ',');
        render_rule(out, f->v[i], scope_sid(f, f->v[i]->scope));
    }
    pthread_mutex_unlock(&f->lock);
    buf_adds(out, "]}");
}

int
faults_delete(struct faults *f, int scope, const char *id)
{
    size_t i;
    int rc = 1;

    pthread_mutex_lock(&f->lock);
    for (i = 0; i < f->n; i++) {
        struct rule *r = f->v[i];
        if (strcmp(r->id, id) != 0 || (scope >= 0 && r->scope != scope))
            continue;
        rule_free(r);
        memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof(*f->v));
        f->n--;
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

void
faults_clear(struct faults *f, int scope)
{
    size_t i, k = 0;

    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    for (i = 0; i < f->n; i++) {
        struct rule *r = f->v[i];
        if (scope >= 0 && r->scope != scope) {
            f->v[k++] = r;
        } else if (r->builtin) {
            r->seen = r->hits = r->matched = 0;
            if (r->windows)
                memset(r->windows, 0,
                       (f->n_accounts + 1) * sizeof(*r->windows));
            f->v[k++] = r;
        } else {
            rule_free(r);
        }
    }
    f->n = k;
    pthread_mutex_unlock(&f->lock);
}
