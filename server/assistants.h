/*
 * assistants.h - the "List all assistants" operation: from a parsed query
 * and an authenticated account to the response body. One store range scan,
 * then concatenation of pre-rendered items. No HTTP here.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_ASSISTANTS_H
#define ASSISTANTS_MOCK_ASSISTANTS_H

#include <stddef.h>

#include "buf.h"
#include "errors.h"
#include "paging.h"
#include "store.h"

/*
 * Appends the list page for account acct (SID account_sid) to out, with
 * links under base. Returns API_OK, API_ERR_TOKEN for a token that is not
 * this account's, or API_ERR_INTERNAL when the store or memory failed.
 */
enum api_err assistants_list(struct store *store, int acct,
                             const char *account_sid,
                             const struct paging_query *q, const char *base,
                             size_t base_len, struct buf *out);

#endif
