/*
 * journal.c - see journal.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "journal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render.h"
#include "util.h"

/* One recorded request: one allocation, strings after the struct. */
struct entry {
    uint64_t seq;
    int64_t time_ms;
    uint64_t duration_us;
    unsigned status;
    const char *route; /* static */
    char request_id[35];
    char account_sid[35]; /* "" when none */
    char *method, *path, *query; /* query NULL when absent */
    size_t n_headers;
    char **headers; /* name, value, name, value, ... */
    char *body;
    size_t body_len;
};

struct ring {
    struct entry **v;
    size_t head; /* index of the oldest */
    size_t n;
    uint64_t dropped;
};

struct journal {
    pthread_mutex_t lock;
    size_t cap;
    size_t n_rings;
    uint64_t seq;
    struct ring rings[];
};

struct journal *
journal_new(size_t n_accounts, size_t cap)
{
    size_t n = n_accounts + 1, i;
    struct journal *j = calloc(1, sizeof(*j) + n * sizeof(j->rings[0]));

    if (j == NULL)
        return NULL;
    pthread_mutex_init(&j->lock, NULL);
    j->cap = cap;
    j->n_rings = n;
    for (i = 0; cap && i < n; i++) {
        j->rings[i].v = calloc(cap, sizeof(*j->rings[i].v));
        if (j->rings[i].v == NULL) {
            journal_free(j);
            return NULL;
        }
    }
    return j;
}

static void
clear_ring(struct ring *r, size_t cap)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->v[(r->head + i) % cap]);
    r->head = 0;
    r->n = 0;
    r->dropped = 0;
}

void
journal_free(struct journal *j)
{
    size_t i;

    if (j == NULL)
        return;
    for (i = 0; i < j->n_rings; i++) {
        if (j->rings[i].v)
            clear_ring(&j->rings[i], j->cap);
        free(j->rings[i].v);
    }
    pthread_mutex_destroy(&j->lock);
    free(j);
}

static bool
is_secret_header(const char *name)
{
    char c = (char)(name[0] | 0x20);

    return (c == 'a' && strcasecmp(name, "Authorization") == 0) ||
           (c == 'p' && strcasecmp(name, "Proxy-Authorization") == 0);
}

/* What snprintf(dst, cap, "%s", src) makes, without printf. */
static void
copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Copies r into one allocation. NULL out of memory. */
static struct entry *
make_entry(const struct journal_record *r)
{
    const struct request *rq = r->rq;
    size_t body_len = rq->body_len > JOURNAL_MAX_BODY ? JOURNAL_MAX_BODY
                                                       : rq->body_len;
    size_t size = sizeof(struct entry), i, nh = 0;
    struct entry *e;
    char *p;

    size += strlen(rq->method) + 1 + rq->path_len + 1 +
            (rq->query ? rq->query_len + 1 : 0) + body_len + 1;
    for (i = 0; i < rq->n_headers; i++) {
        if (is_secret_header(rq->headers[i].name))
            continue;
        nh++;
        size += strlen(rq->headers[i].name) + strlen(rq->headers[i].value) + 2;
    }
    size += 2 * nh * sizeof(char *) + sizeof(char *);
    e = malloc(size);
    if (e == NULL)
        return NULL;
    memset(e, 0, sizeof(*e));
    e->time_ms = r->time_ms;
    e->duration_us = r->duration_us;
    e->status = r->status;
    e->route = r->route;
    copy_str(e->request_id, sizeof(e->request_id), r->request_id);
    if (r->account_sid)
        copy_str(e->account_sid, sizeof(e->account_sid), r->account_sid);
    /* The header pointer array first (aligned), then the strings. */
    e->headers = (char **)(void *)(e + 1);
    p = (char *)(e->headers + 2 * nh + 1);
#define COPY(dst, src, n)                                                      \
    do {                                                                       \
        (dst) = p;                                                             \
        memcpy(p, (src), (n));                                                 \
        p[(n)] = '\0';                                                         \
        p += (n) + 1;                                                          \
    } while (0)
    COPY(e->method, rq->method, strlen(rq->method));
    COPY(e->path, rq->path, rq->path_len);
    if (rq->query)
        COPY(e->query, rq->query, rq->query_len);
    COPY(e->body, rq->body ? rq->body : "", body_len);
    e->body_len = body_len;
    for (i = 0; i < rq->n_headers; i++) {
        const struct header *h = &rq->headers[i];
        if (is_secret_header(h->name))
            continue;
        COPY(e->headers[2 * e->n_headers], h->name, strlen(h->name));
        COPY(e->headers[2 * e->n_headers + 1], h->value, strlen(h->value));
        e->n_headers++;
    }
#undef COPY
    return e;
}

void
journal_add(struct journal *j, const struct journal_record *r)
{
    struct ring *ring;
    struct entry *e;

    if (j == NULL || j->cap == 0)
        return;
    e = make_entry(r);
    if (e == NULL)
        return;
    ring = &j->rings[r->ring >= 0 && (size_t)r->ring < j->n_rings - 1
                         ? (size_t)r->ring
                         : j->n_rings - 1];
    pthread_mutex_lock(&j->lock);
    e->seq = ++j->seq;
    if (ring->n == j->cap) {
        free(ring->v[ring->head]);
        ring->v[ring->head] = e;
        ring->head = (ring->head + 1) % j->cap;
        ring->dropped++;
    } else {
        ring->v[(ring->head + ring->n) % j->cap] = e;
        ring->n++;
    }
    pthread_mutex_unlock(&j->lock);
}

bool
journal_glob(const char *g, const char *s, size_t n)
{
    size_t i = 0, star_g = (size_t)-1, star_s = 0;
    size_t gl = strlen(g), k = 0;

    /* Iterative matcher with backtracking to the last '*' (linear-ish). */
    while (i < n) {
        if (k < gl && g[k] == '*') {
            star_g = k++;
            star_s = i;
        } else if (k < gl && g[k] == s[i]) {
            k++;
            i++;
        } else if (star_g != (size_t)-1) {
            k = star_g + 1;
            i = ++star_s;
        } else {
            return false;
        }
    }
    while (k < gl && g[k] == '*')
        k++;
    return k == gl;
}

static bool
matches(const struct entry *e, const struct journal_filter *f,
        uint64_t since)
{
    if (e->seq <= since)
        return false;
    if (f->method && strcasecmp(f->method, e->method) != 0)
        return false;
    if (f->status && f->status != e->status)
        return false;
    if (f->path) {
        /* The glob is on the decoded path. */
        size_t n = strlen(e->path);
        char stack[512], *dec = n < sizeof(stack) ? stack : malloc(n + 1);
        long m;
        bool ok;
        if (dec == NULL)
            return false;
        m = util_percent_decode(e->path, n, dec, false);
        ok = m >= 0 ? journal_glob(f->path, dec, (size_t)m)
                    : journal_glob(f->path, e->path, n);
        if (dec != stack)
            free(dec);
        return ok;
    }
    return true;
}

static int
cmp_seq(const void *a, const void *b)
{
    const struct entry *x = *(struct entry *const *)a;
    const struct entry *y = *(struct entry *const *)b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Collects the entries of ring (-1: all) matching f, in arrival order, into
 * a new array (*out, *n). Call with the lock held. 0, -1 (since unknown) or
 * -2 (out of memory).
 */
static int
collect(struct journal *j, int ring, const struct journal_filter *f,
        struct entry ***out, size_t *n, uint64_t *dropped)
{
    size_t lo = ring < 0 ? 0 : (size_t)ring;
    size_t hi = ring < 0 ? j->n_rings : (size_t)ring + 1, r, i, total = 0;
    uint64_t since = 0;
    struct entry **v;

    *out = NULL;
    *n = 0;
    *dropped = 0;
    if (f->since) {
        bool found = false;
        for (r = lo; r < hi && !found; r++) {
            struct ring *rg = &j->rings[r];
            for (i = 0; i < rg->n; i++) {
                struct entry *e = rg->v[(rg->head + i) % j->cap];
                if (strcmp(e->request_id, f->since) == 0) {
                    since = e->seq;
                    found = true;
                    break;
                }
            }
        }
        if (!found)
            return -1;
    }
    for (r = lo; r < hi; r++) {
        total += j->rings[r].n;
        *dropped += j->rings[r].dropped;
    }
    if (total == 0)
        return 0;
    v = malloc(total * sizeof(*v));
    if (v == NULL)
        return -2;
    for (r = lo; r < hi; r++) {
        struct ring *rg = &j->rings[r];
        for (i = 0; i < rg->n; i++) {
            struct entry *e = rg->v[(rg->head + i) % j->cap];
            if (matches(e, f, since))
                v[(*n)++] = e;
        }
    }
    if (ring < 0 && *n > 1)
        qsort(v, *n, sizeof(*v), cmp_seq);
    *out = v;
    return 0;
}

static void
render_entry(struct buf *b, const struct entry *e)
{
    char date[21];
    size_t i, k;

    buf_adds(b, "{\"request_id\":\"");
    buf_adds(b, e->request_id);
    buf_adds(b, "\",\"time\":\"");
    {
        /* Floor division: before 1970 the milliseconds stay positive. */
        int64_t secs = e->time_ms >= 0 ? e->time_ms / 1000
                                       : (e->time_ms - 999) / 1000;
        util_format_date(secs, date);
        buf_add(b, date, 19);
        buf_addf(b, ".%03dZ\",\"account_sid\":",
                 (int)(e->time_ms - secs * 1000));
    }
    if (e->account_sid[0])
        render_json_string(b, e->account_sid, strlen(e->account_sid));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"method\":");
    render_json_string(b, e->method, strlen(e->method));
    buf_adds(b, ",\"path\":");
    render_json_string(b, e->path, strlen(e->path));
    buf_adds(b, ",\"query\":");
    if (e->query)
        render_json_string(b, e->query, strlen(e->query));
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"headers\":{");
    /* One member per name (case-insensitive), repeated values joined. */
    for (i = 0; i < e->n_headers; i++) {
        bool seen = false;
        for (k = 0; k < i && !seen; k++)
            seen = strcasecmp(e->headers[2 * k], e->headers[2 * i]) == 0;
        if (seen)
            continue;
        if (b->len && b->data[b->len - 1] != '{')
            buf_addc(b, ',');
        render_json_string(b, e->headers[2 * i], strlen(e->headers[2 * i]));
        buf_adds(b, ":\"");
        render_json_chars(b, e->headers[2 * i + 1],
                          strlen(e->headers[2 * i + 1]));
        for (k = i + 1; k < e->n_headers; k++) {
            if (strcasecmp(e->headers[2 * k], e->headers[2 * i]) != 0)
                continue;
            buf_adds(b, ", ");
            render_json_chars(b, e->headers[2 * k + 1],
                              strlen(e->headers[2 * k + 1]));
        }
        buf_addc(b, '"');
    }
    buf_adds(b, "},\"body\":");
    render_json_string(b, e->body, e->body_len);
    buf_adds(b, ",\"status\":");
    if (e->status)
        buf_add_long(b, e->status);
    else
        buf_adds(b, "null");
    buf_addf(b, ",\"duration_ms\":%.3f,\"route\":",
             (double)e->duration_us / 1000.0);
    if (e->route)
        render_json_string(b, e->route, strlen(e->route));
    else
        buf_adds(b, "null");
    buf_addc(b, '}');
}

int
journal_render(struct journal *j, int ring, const struct journal_filter *f,
               struct buf *out)
{
    struct entry **v;
    size_t n, i;
    uint64_t dropped;
    int rc;

    pthread_mutex_lock(&j->lock);
    rc = collect(j, ring, f, &v, &n, &dropped);
    if (rc == 0) {
        buf_adds(out, "{\"requests\":[");
        for (i = 0; i < n; i++) {
            if (i)
                buf_addc(out, ',');
            render_entry(out, v[i]);
        }
        buf_adds(out, "],\"dropped\":");
        buf_add_long(out, (long long)dropped);
        buf_addc(out, '}');
    }
    pthread_mutex_unlock(&j->lock);
    free(v);
    return rc;
}

long
journal_count(struct journal *j, int ring, const struct journal_filter *f)
{
    struct entry **v;
    size_t n;
    uint64_t dropped;
    int rc;

    pthread_mutex_lock(&j->lock);
    rc = collect(j, ring, f, &v, &n, &dropped);
    pthread_mutex_unlock(&j->lock);
    free(v);
    return rc < 0 ? rc : (long)n;
}

void
journal_clear(struct journal *j, int ring)
{
    size_t r;

    if (j == NULL || j->cap == 0)
        return;
    pthread_mutex_lock(&j->lock);
    for (r = 0; r < j->n_rings; r++)
        if (ring < 0 || (size_t)ring == r)
            clear_ring(&j->rings[r], j->cap);
    pthread_mutex_unlock(&j->lock);
}
