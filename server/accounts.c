/*
 * accounts.c - see accounts.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "accounts.h"

#include <stdlib.h>
#include <string.h>

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
    accounts_init(a);
}

int
accounts_find(const struct accounts *a, const char *sid)
{
    size_t i;

    for (i = 0; i < a->n_accounts; i++)
        if (strcmp(a->accounts[i].sid, sid) == 0)
            return (int)i;
    return -1;
}

int
accounts_add(struct accounts *a, const char *sid, bool from_env)
{
    struct account *v;

    v = realloc(a->accounts, (a->n_accounts + 1) * sizeof(*v));
    if (v == NULL)
        return -1;
    a->accounts = v;
    v += a->n_accounts;
    memset(v, 0, sizeof(*v));
    memcpy(v->sid, sid, 34);
    v->from_env = from_env;
    v->store_id = -1;
    return (int)a->n_accounts++;
}

const struct credential *
accounts_find_cred(const struct accounts *a, const char *sid)
{
    size_t i;

    for (i = 0; i < a->n_creds; i++)
        if (strcmp(a->creds[i].sid, sid) == 0)
            return &a->creds[i];
    return NULL;
}

int
accounts_add_cred(struct accounts *a, const char *sid, const char *secret,
                  size_t len, int acct)
{
    struct credential *c;

    c = realloc(a->creds, (a->n_creds + 1) * sizeof(*c));
    if (c == NULL)
        return -1;
    a->creds = c;
    c += a->n_creds;
    memcpy(c->sid, sid, 34);
    c->sid[34] = '\0';
    c->secret = malloc(len + 1);
    if (c->secret == NULL)
        return -1;
    memcpy(c->secret, secret, len);
    c->secret[len] = '\0';
    c->secret_len = len;
    c->acct = acct;
    a->n_creds++;
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
    if (a->n_creds > 1)
        qsort(a->creds, a->n_creds, sizeof(*a->creds), cmp_creds);
}
