/*
 * list.c - see list.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "list.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "util.h"

#include "fixtures.h"

/* A copied key, to outlive the row it came from. */
struct saved_key {
    struct store_key key;
    char id[PAGING_MAX_KEY_ID + 1];
};

static void
save_key(struct saved_key *s, const struct store_key *k)
{
    size_t n = k->id_len > PAGING_MAX_KEY_ID ? PAGING_MAX_KEY_ID : k->id_len;

    memcpy(s->id, k->id, n);
    s->id[n] = '\0';
    s->key.created = k->created;
    s->key.id = s->id;
    s->key.id_len = n;
}

struct page_ctx {
    struct buf *out;
    const char *base;
    size_t base_len;
    long limit; /* items on the page; one more row means "there is more" */
    long n;
    bool more;
    struct saved_key first, last;
    /* STORE_BEFORE: rows arrive in reverse; item i spans ends[i-1]..ends[i]
     * of out, and is reordered at the end. */
    size_t *ends;
};

static void
add_item(struct page_ctx *p, const struct store_row *r)
{
    if (p->n > 0 && p->ends == NULL)
        buf_addc(p->out, ',');
    buf_add(p->out, r->pre, r->pre_len);
    if (r->post) {
        buf_add(p->out, p->base, p->base_len);
        buf_add(p->out, r->post, r->post_len);
    }
}

static int
on_row(void *ctx, const struct store_row *r)
{
    struct page_ctx *p = ctx;

    if (p->n == p->limit) {
        p->more = true;
        return 1;
    }
    if (p->n == 0)
        save_key(&p->first, &r->key);
    save_key(&p->last, &r->key);
    add_item(p, r);
    if (p->ends)
        p->ends[p->n] = p->out->len;
    p->n++;
    return 0;
}

/* Reverses the items appended after start (their ends in p->ends). */
static int
reverse_items(struct page_ctx *p, size_t start)
{
    size_t total = p->out->len - start, o = 0;
    char *copy;
    long i;

    if (p->n == 0)
        return 0;
    copy = malloc(total + (size_t)p->n);
    if (copy == NULL)
        return -1;
    for (i = p->n - 1; i >= 0; i--) {
        size_t b = i == 0 ? start : p->ends[i - 1], e = p->ends[i];
        memcpy(copy + o, p->out->data + b, e - b);
        o += e - b;
        if (i > 0)
            copy[o++] = ',';
    }
    p->out->len = start;
    buf_add(p->out, copy, o);
    free(copy);
    return 0;
}

enum api_err
list_page(struct store *store, const struct list_spec *l, int acct,
          const char *account_sid, const struct paging_query *q,
          const char *base, size_t base_len, struct buf *out)
{
    struct paging_cursor cur;
    struct page_ctx p;
    struct saved_key first, last;
    char token[PAGING_MAX_TOKEN + 1];
    enum store_dir dir = STORE_AFTER;
    const struct store_key *key = NULL;
    bool has_next, has_prev;
    size_t start, n;
    long got;

    if (q->has_token) {
        if (paging_token_decode(q->token, q->token_len, account_sid, l->scope,
                                &cur) < 0)
            return API_ERR_TOKEN;
        dir = cur.dir == 'B' ? STORE_BEFORE : STORE_AFTER;
        key = &cur.key;
    }
    memset(&p, 0, sizeof(p));
    p.out = out;
    p.base = base;
    p.base_len = base_len;
    p.limit = (long)q->page_size;
    if (dir == STORE_BEFORE) {
        p.ends = malloc(sizeof(*p.ends) * (size_t)q->page_size);
        if (p.ends == NULL)
            return API_ERR_INTERNAL;
    }
    buf_adds(out, "{\"");
    buf_adds(out, l->key);
    buf_adds(out, "\":[");
    start = out->len;
    got = store_list_where(store, l->table, acct, &l->where, dir, key, (int)q->page_size + 1, on_row, &p);
    if (got < 0 || (dir == STORE_BEFORE && reverse_items(&p, start) < 0)) {
        free(p.ends);
        return API_ERR_INTERNAL;
    }
    free(p.ends);
    if (dir == STORE_BEFORE) {
        /* Rows came newest first. */
        first = p.last;
        last = p.first;
        first.key.id = first.id;
        last.key.id = last.id;
        has_next = false;
        if (p.n > 0) {
            struct page_ctx probe;
            memset(&probe, 0, sizeof(probe));
            probe.limit = 0;
            if (store_list_where(store, l->table, acct, &l->where, STORE_AFTER,
                                 &last.key, 1, on_row,
                           &probe) < 0)
                return API_ERR_INTERNAL;
            has_next = probe.more;
        }
    } else {
        first = p.first;
        last = p.last;
        first.key.id = first.id;
        last.key.id = last.id;
        has_next = p.more;
    }
    has_prev = q->page > 0 && p.n > 0;

    buf_adds(out, "],\"meta\":{\"page\":");
    buf_add_long(out, q->page);
    buf_adds(out, ",\"page_size\":");
    buf_add_long(out, q->page_size);
    buf_adds(out, ",\"first_page_url\":\"");
    paging_add_url(out, base, base_len, l->path, l->filter, q->page_size, 0, NULL, 0);
    buf_adds(out, "\",\"previous_page_url\":");
    if (has_prev) {
        n = paging_token_encode('B', account_sid, l->scope, &first.key,
                                token);
        buf_addc(out, '"');
        paging_add_url(out, base, base_len, l->path, l->filter, q->page_size, q->page - 1, token,
                       n);
        buf_addc(out, '"');
    } else {
        buf_adds(out, "null");
    }
    buf_adds(out, ",\"url\":\"");
    paging_add_url(out, base, base_len, l->path, l->filter, q->page_size, q->page,
                   q->has_token ? q->token : NULL, q->token_len);
    buf_adds(out, "\",\"next_page_url\":");
    if (has_next) {
        n = paging_token_encode('A', account_sid, l->scope, &last.key,
                                token);
        buf_addc(out, '"');
        paging_add_url(out, base, base_len, l->path, l->filter, q->page_size, q->page + 1, token,
                       n);
        buf_addc(out, '"');
    } else {
        buf_adds(out, "null");
    }
    buf_adds(out, ",\"key\":\"");
    buf_adds(out, l->key);
    buf_adds(out, "\"}}");
    return buf_failed(out) ? API_ERR_INTERNAL : API_OK;
}

/* Writes s percent-encoded (RFC 3986 unreserved characters stay). */
static size_t
encode(char *out, size_t cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                     (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                     c == '_' || c == '~';
        if (o + 4 >= cap)
            return (size_t)-1;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}

/* Appends n bytes of s at *o in out (cap bytes with the NUL); -1 if full. */
static int
put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (n >= cap - *o)
        return -1;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return 0;
}

int
list_spec_init(struct list_spec *l, enum store_table t, const char *key,
               const char *path, const char *param, const char *value)
{
    size_t n = 0, e, kl = strlen(key), pl = strlen(path);

    memset(&l->where, 0, sizeof(l->where));
    l->table = t;
    l->key = key;
    if (pl >= sizeof(l->path))
        return -1;
    memcpy(l->path, path, pl + 1);
    l->filter[0] = '\0';
    if (param && value) {
        /* "param=" + value encoded + "&" (a byte kept for the "&"). */
        if (put(l->filter, sizeof(l->filter), &n, param, strlen(param)) < 0 ||
            put(l->filter, sizeof(l->filter), &n, "=", 1) < 0 ||
            (e = encode(l->filter + n, sizeof(l->filter) - n - 1, value)) ==
                (size_t)-1)
            return -1;
        n += e;
        l->filter[n++] = '&';
        l->filter[n] = '\0';
    }
    /* scope: "key path?filter" */
    e = 0;
    if (put(l->scope, sizeof(l->scope), &e, key, kl) < 0 ||
        put(l->scope, sizeof(l->scope), &e, " ", 1) < 0 ||
        put(l->scope, sizeof(l->scope), &e, l->path, pl) < 0 ||
        put(l->scope, sizeof(l->scope), &e, "?", 1) < 0 ||
        put(l->scope, sizeof(l->scope), &e, l->filter, n) < 0)
        return -1;
    return 0;
}

int
list_query_param(const char *query, size_t len, const char *name, char *out,
                 size_t cap)
{
    size_t i = 0, nl = strlen(name);
    int found = 0;

    while (query && i < len) {
        size_t start = i, eq, end;
        char key[64];
        long n;

        while (i < len && query[i] != '&')
            i++;
        end = i++;
        for (eq = start; eq < end && query[eq] != '='; eq++)
            ;
        if (eq - start >= sizeof(key) / 3 + 1 && eq - start > nl * 3)
            continue;
        if (eq - start >= sizeof(key))
            continue;
        n = util_percent_decode(query + start, eq - start, key, true);
        if (n < 0 || strcmp(key, name) != 0)
            continue;
        /* The last one wins, as for the paging parameters. */
        if (eq >= end) {
            out[0] = '\0';
            found = 1;
            continue;
        }
        if (end - eq - 1 > (cap - 1) * 3)
            return -1;
        {
            char *dec = malloc(end - eq);
            if (dec == NULL)
                return -1;
            n = util_percent_decode(query + eq + 1, end - eq - 1, dec, true);
            if (n < 0 || (size_t)n >= cap) {
                free(dec);
                return -1;
            }
            memcpy(out, dec, (size_t)n + 1);
            free(dec);
        }
        found = 1;
    }
    return found;
}

int
list_path(char *out, size_t cap, const char *prefix, const char *id,
          const char *suffix)
{
    size_t n = strlen(prefix), m;

    if (n + 1 >= cap)
        return -1;
    memcpy(out, prefix, n + 1);
    m = encode(out + n, cap - n, id);
    if (m == (size_t)-1 || n + m + strlen(suffix) + 1 > cap)
        return -1;
    strcat(out, suffix);
    return 0;
}
