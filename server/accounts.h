/*
 * accounts.h - the accounts and their credentials (auth tokens and API
 * keys), as the fixtures and the TWILIO_* variables define them. Lookup
 * only: authentication is auth.c's job, loading is fixtures.c's.
 *
 * Each account has an index (its place in the array, what auth_check
 * returns) and a store id (its stable number in the store, which differs
 * from the index only when a --state file is reused).
 *
 * Look-ups by SID go through open-addressing hash indexes (SQLite
 * src/hash.c in spirit, but flat: slots hold array index + 1), so loading
 * N accounts costs O(N), not O(N^2).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_ACCOUNTS_H
#define ASSISTANTS_MOCK_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

struct account {
    char sid[35];
    int store_id;    /* the store's number for it; -1 until registered */
    long n_assistants; /* loaded from the fixtures */
    bool from_env;
    bool defined;       /* a fixture gave its credentials */
    size_t n_creds;     /* credentials of this account */
    int src, src_index; /* where it was defined or first named */
};

struct credential {
    char sid[35];  /* AC... or SK... */
    char *secret;  /* owned; wiped before it is freed */
    size_t secret_len;
    int acct;      /* index into accounts */
};

struct accounts {
    struct account *accounts;
    size_t n_accounts;
    struct credential *creds; /* sorted by sid after accounts_sort */
    size_t n_creds;
    /* Internal: allocated lengths, and the indexes (power-of-two slots). */
    size_t accounts_alloc, creds_alloc;
    size_t *by_sid, by_sid_cap;           /* accounts */
    size_t *creds_by_sid, creds_by_sid_cap; /* first credential of a sid */
};

void accounts_init(struct accounts *a);
/* Frees everything, wiping secrets. Accepts NULL. */
void accounts_release(struct accounts *a);
/* Index of the account sid, or -1. */
int accounts_find(const struct accounts *a, const char *sid);
/*
 * Adds account sid (34 characters, not yet added); its index, or -1 out of
 * memory.
 */
int accounts_add(struct accounts *a, const char *sid, bool from_env);
/* The credential whose sid is sid, or NULL. */
const struct credential *accounts_find_cred(const struct accounts *a,
                                            const char *sid);
/*
 * Adds a credential of account acct (secret copied) and counts it in the
 * account's n_creds. 0 or -1.
 */
int accounts_add_cred(struct accounts *a, const char *sid,
                      const char *secret, size_t len, int acct);
/*
 * Sorts the credentials by sid, for auth_check's binary search (and
 * re-indexes them).
 */
void accounts_sort(struct accounts *a);

#endif
