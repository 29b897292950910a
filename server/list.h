/*
 * list.h - the generic list operation: from a parsed query and an account
 * to Twilio's list envelope {"<key>":[...],"meta":{...}}, for any resource
 * table. One store range scan, then concatenation of pre-rendered items.
 * No HTTP here.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_LIST_H
#define ASSISTANTS_MOCK_LIST_H

#include <stddef.h>

#include "buf.h"
#include "errors.h"
#include "paging.h"
#include "store.h"

/* What a list is: its items' table, its envelope key and its path. */
struct list_spec {
    enum store_table table;
    const char *key;  /* "assistants" */
    const char *path; /* "/v1/Assistants" */
};

/*
 * Appends the list page for account acct (SID account_sid) to out, with
 * links under base. Returns API_OK, API_ERR_TOKEN for a token that is not
 * this account's, or API_ERR_INTERNAL when the store or memory failed.
 */
enum api_err list_page(struct store *store, const struct list_spec *l,
                       int acct, const char *account_sid,
                       const struct paging_query *q, const char *base,
                       size_t base_len, struct buf *out);

#endif
