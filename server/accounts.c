/*
 * accounts.c - see accounts.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "accounts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
accounts_init(struct accounts *a)
{
    memset(a, 0, sizeof(*a));
}

void
accounts_release(struct accounts *a)
{
    size_t i;

    if (a == NULL)
        return;
    for (i = 0; i < a->n_creds; i++) {
        explicit_bzero(a->creds[i].secret, a->creds[i].secret_len);
        free(a->creds[i].secret);
    }
    free(a->creds);
    free(a->accounts);
    free(a->by_sid);
    free(a->creds_by_sid);
    accounts_init(a);
}

/*
 * The index: slots hold an array index + 1 (0: empty), probed linearly
 * from the SID's hash; kept at most half full. sid_at(base, i) is the SID
 * of element i.
 */
typedef const char *(*sid_at_fn)(const void *base, size_t i);

static const char *
account_sid_at(const void *base, size_t i)
{
    return ((const struct account *)base)[i].sid;
}

static const char *
cred_sid_at(const void *base, size_t i)
{
    return ((const struct credential *)base)[i].sid;
}

static size_t
slot_of(const char *sid, size_t cap)
{
    return (size_t)util_hash(UTIL_HASH_INIT, sid, strlen(sid)) & (cap - 1);
}

/* The slot holding sid, or the empty slot where it would go. */
static size_t
index_probe(const size_t *slots, size_t cap, const void *base,
            sid_at_fn sid_at, const char *sid)
{
    size_t s = slot_of(sid, cap);

    while (slots[s] && strcmp(sid_at(base, slots[s] - 1), sid) != 0)
        s = (s + 1) & (cap - 1);
    return s;
}

/*
 * Makes room for n elements (rebuilding from base[0..n-1] when it grows, or
 * when rebuild is set), then indexes element n - 1 unless its SID is there
 * already. 0 or -1 out of memory.
 */
static int
index_add(size_t **slots, size_t *cap, const void *base, sid_at_fn sid_at,
          size_t n, bool rebuild)
{
    size_t i, s;

    if (n * 2 > *cap || rebuild) {
        size_t ncap = *cap ? *cap : 16;
        size_t *ns;
        while (n * 2 > ncap)
            ncap *= 2;
        ns = calloc(ncap, sizeof(*ns));
        if (ns == NULL)
            return -1;
        free(*slots);
        *slots = ns;
        *cap = ncap;
        for (i = 0; i < n; i++) {
            s = index_probe(ns, ncap, base, sid_at, sid_at(base, i));
            if (ns[s] == 0)
                ns[s] = i + 1;
        }
        return 0;
    }
    s = index_probe(*slots, *cap, base, sid_at, sid_at(base, n - 1));
    if ((*slots)[s] == 0)
        (*slots)[s] = n;
    return 0;
}

/* Grows *v (of *alloc elements of size sz) to hold n + 1: 0 or -1. */
static int
grow(void **v, size_t *alloc, size_t n, size_t sz)
{
    size_t na;
    void *p;

    if (n < *alloc)
        return 0;
    na = *alloc ? *alloc * 2 : 8;
    if (na > SIZE_MAX / sz)
        return -1;
    p = realloc(*v, na * sz);
    if (p == NULL)
        return -1;
    *v = p;
    *alloc = na;
    return 0;
}

int
accounts_find(const struct accounts *a, const char *sid)
{
    size_t s;

    if (a->by_sid_cap == 0)
        return -1;
    s = index_probe(a->by_sid, a->by_sid_cap, a->accounts, account_sid_at,
                    sid);
    return a->by_sid[s] ? (int)(a->by_sid[s] - 1) : -1;
}

int
accounts_add(struct accounts *a, const char *sid, bool from_env)
{
    struct account *v;
    void *p = a->accounts;

    if (a->n_accounts >= INT32_MAX ||
        grow(&p, &a->accounts_alloc, a->n_accounts, sizeof(*v)) < 0)
        return -1;
    a->accounts = p;
    v = a->accounts + a->n_accounts;
    memset(v, 0, sizeof(*v));
    memcpy(v->sid, sid, 34);
    v->sid[34] = '\0';
    v->from_env = from_env;
    v->store_id = -1;
    /* Slots hold indexes, not pointers: the realloc above keeps them. */
    if (index_add(&a->by_sid, &a->by_sid_cap, a->accounts, account_sid_at,
                  a->n_accounts + 1, false) < 0)
        return -1;
    return (int)a->n_accounts++;
}

const struct credential *
accounts_find_cred(const struct accounts *a, const char *sid)
{
    size_t s;

    if (a->creds_by_sid_cap == 0)
        return NULL;
    s = index_probe(a->creds_by_sid, a->creds_by_sid_cap, a->creds,
                    cred_sid_at, sid);
    return a->creds_by_sid[s] ? &a->creds[a->creds_by_sid[s] - 1] : NULL;
}

int
accounts_add_cred(struct accounts *a, const char *sid, const char *secret,
                  size_t len, int acct)
{
    struct credential *c;
    void *p = a->creds;

    if (grow(&p, &a->creds_alloc, a->n_creds, sizeof(*c)) < 0)
        return -1;
    a->creds = p;
    c = a->creds + a->n_creds;
    memcpy(c->sid, sid, 34);
    c->sid[34] = '\0';
    c->secret = malloc(len + 1);
    if (c->secret == NULL)
        return -1;
    memcpy(c->secret, secret, len);
    c->secret[len] = '\0';
    c->secret_len = len;
    c->acct = acct;
    if (index_add(&a->creds_by_sid, &a->creds_by_sid_cap, a->creds,
                  cred_sid_at, a->n_creds + 1, false) < 0) {
        explicit_bzero(c->secret, len);
        free(c->secret);
        return -1;
    }
    a->n_creds++;
    if (acct >= 0 && (size_t)acct < a->n_accounts)
        a->accounts[acct].n_creds++;
    return 0;
}

static int
cmp_creds(const void *x, const void *y)
{
    const struct credential *a = x, *b = y;
    int c = strcmp(a->sid, b->sid);

    return c ? c : (a < b ? -1 : a > b);
}

void
accounts_sort(struct accounts *a)
{
    if (a->n_creds > 1) {
        qsort(a->creds, a->n_creds, sizeof(*a->creds), cmp_creds);
        /* Out of memory: the index is dropped, look-ups find nothing. */
        if (index_add(&a->creds_by_sid, &a->creds_by_sid_cap, a->creds,
                      cred_sid_at, a->n_creds, true) < 0) {
            free(a->creds_by_sid);
            a->creds_by_sid = NULL;
            a->creds_by_sid_cap = 0;
        }
    }
}
