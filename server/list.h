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

#define LIST_MAX_PATH 1800
#define LIST_MAX_FILTER 1200

/* One list request: which rows, how its links and tokens look. */
struct list_spec {
    enum store_table table;
    const char *key;           /* "assistants": envelope and meta.key */
    char path[LIST_MAX_PATH];  /* "/v1/Assistants/aia_asst_1/Tools", encoded */
    struct store_filter where; /* its strings borrowed */
    char filter[LIST_MAX_FILTER]; /* "AssistantId=aia_asst_1&" or "" */
    char scope[LIST_MAX_PATH + LIST_MAX_FILTER]; /* what tokens bind to */
};

/*
 * Fills l for a list of table t with key, at path (as it goes into links:
 * see list_path); param (e.g. "AssistantId", or NULL) and value (raw) name
 * the filter that goes first in every link. Tokens bind to key, path and
 * filter together. 0, or -1 when something is too long.
 */
int list_spec_init(struct list_spec *l, enum store_table t, const char *key,
                   const char *path, const char *param, const char *value);

/*
 * Writes prefix + id percent-encoded (every byte but RFC 3986's unreserved
 * ones, '/' included) + suffix into out: a list path under a parent, e.g.
 * ("/v1/Sessions/", "a/b", "/Messages"). 0, or -1 when it does not fit.
 */
int list_path(char *out, size_t cap, const char *prefix, const char *id,
              const char *suffix);

/*
 * Finds query parameter name in the raw query (may be NULL) and decodes its
 * value into out (cap bytes). Returns 1 (found), 0 (absent) or -1 (badly
 * encoded, a NUL, or longer than cap - 1).
 */
int list_query_param(const char *query, size_t len, const char *name,
                     char *out, size_t cap);

/*
 * Appends the list page for account acct (SID account_sid) to out, with
 * links under base. Returns API_OK, API_ERR_TOKEN for a token that is not
 * this account's, this list's or this filter's, or API_ERR_INTERNAL when
 * the store or memory failed.
 */
enum api_err list_page(struct store *store, const struct list_spec *l,
                       int acct, const char *account_sid,
                       const struct paging_query *q, const char *base,
                       size_t base_len, struct buf *out);

#endif
