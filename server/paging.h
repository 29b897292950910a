/*
 * paging.h - the list's query parameters (Page, PageSize, PageToken), its
 * opaque page tokens, and the links of its meta block. Pure functions: no
 * store, no HTTP.
 *
 * A token is base64url of: a direction byte ('A': the page after the key,
 * 'B': the page before it), the key's date_created (8 bytes, big-endian),
 * the key's id, and a 48-bit check over the account SID, the list's scope
 * (its key and filter, e.g. "tools?AssistantId=aia_asst_1") and all of
 * that, so a token minted for one account, one list or one filter value is
 * refused by any other.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef ASSISTANTS_MOCK_PAGING_H
#define ASSISTANTS_MOCK_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "fixtures.h"
#include "store.h"

#define PAGING_DEFAULT_SIZE 50
#define PAGING_MAX_SIZE 1000
#define PAGING_MAX_PAGE 2147483647LL
/*
 * Longest id a cursor holds: a session's (a client's name, with "webhook:"
 * before it) is the longest of any list's items.
 */
#define PAGING_MAX_KEY_ID 520
/* Raw token: 1 + 8 + id + 6 bytes; its base64url form. */
#define PAGING_MAX_TOKEN_RAW (1 + 8 + PAGING_MAX_KEY_ID + 6)
#define PAGING_MAX_TOKEN 714
#define PAGING_MAX_HOST 255

struct paging_query {
    long long page;
    long long page_size;
    bool has_token;
    char token[PAGING_MAX_TOKEN + 1]; /* decoded value, checked charset */
    size_t token_len;
};

/*
 * Parses a raw query string (without '?', may be NULL) into q. Unknown
 * parameters are ignored; for a repeated known one the last wins. Checks
 * PageSize, then Page, then the token's length and alphabet (not its
 * contents, which need the account: see paging_token_decode).
 */
enum api_err paging_parse_query(const char *query, size_t len,
                                struct paging_query *q);

/* A decoded token. */
struct paging_cursor {
    char dir; /* 'A' or 'B' */
    struct store_key key; /* key.id points into id */
    char id[PAGING_MAX_KEY_ID + 1];
};

/*
 * Writes the token for (dir, key) of account_sid to out (PAGING_MAX_TOKEN + 1
 * bytes). Returns its length.
 */
size_t paging_token_encode(char dir, const char *account_sid,
                           const char *scope, const struct store_key *key,
                           char *out);
/* Decodes and verifies a token for account_sid and scope. 0 or -1. */
int paging_token_decode(const char *token, size_t len,
                        const char *account_sid, const char *scope,
                        struct paging_cursor *c);

/* True if host is a valid Host header value: name or [IPv6], opt. :port. */
bool paging_host_valid(const char *host, size_t len);

/*
 * Appends base + path + ?[filter]PageSize=N&Page=P[&PageToken=T]: filter
 * (NULL or "") is the list's filter, encoded, ending in '&'; token may be
 * NULL. P is clamped to 0..PAGING_MAX_PAGE, so the link is always one
 * paging_parse_query accepts.
 */
void paging_add_url(struct buf *out, const char *base, size_t base_len,
                    const char *path, const char *filter, long long page_size,
                    long long page, const char *token, size_t token_len);

#endif
