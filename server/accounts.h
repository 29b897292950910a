/*
 * accounts.h - the accounts and their credentials (auth tokens and API
 * keys), as the fixtures and the TWILIO_* variables define them. Lookup
 * only: authentication is auth.c's job, loading is fixtures.c's.
 *
 * Each account has an index (its place in the array, what auth_check
 * returns) and a store id (its stable number in the store, which differs
 * from the index only when a --state file is reused).
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
};

void accounts_init(struct accounts *a);
/* Frees everything, wiping secrets. Accepts NULL. */
void accounts_release(struct accounts *a);
/* Index of the account sid, or -1. */
int accounts_find(const struct accounts *a, const char *sid);
/* Adds account sid (34 characters); its index, or -1 out of memory. */
int accounts_add(struct accounts *a, const char *sid, bool from_env);
/* The credential whose sid is sid, or NULL. */
const struct credential *accounts_find_cred(const struct accounts *a,
                                            const char *sid);
/* Adds a credential of account acct (secret copied). 0 or -1. */
int accounts_add_cred(struct accounts *a, const char *sid,
                      const char *secret, size_t len, int acct);
/* Sorts the credentials by sid, for auth_check's binary search. */
void accounts_sort(struct accounts *a);

#endif
