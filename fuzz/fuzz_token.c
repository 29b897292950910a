/*
 * fuzz_token.c - PageToken decoding and encoding.
 *
 * 1. The input as a token for a fixed account: when it decodes, encoding
 *    the cursor again must give the very same bytes (one encoding per
 *    cursor), it must be refused for another account, and it must survive
 *    the query parser as a PageToken.
 * 2. The input as a cursor (direction bit, 8 bytes of date_created, id):
 *    encode, then decode must give it back.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>

#include "fuzz_common.h"
#include "paging.h"

static const char alice[] = "ACa11ce000000000000000000000000001";
static const char bob[] = "ACb0b00000000000000000000000000002";

static void
check_token_chars(const char *t, size_t n)
{
    size_t i;

    FUZZ_CHECK(n >= 1 && n <= PAGING_MAX_TOKEN);
    FUZZ_CHECK(t[n] == '\0');
    for (i = 0; i < n; i++)
        FUZZ_CHECK(fuzz_is_token_char((unsigned char)t[i]));
}

static void
as_token(const uint8_t *data, size_t size)
{
    char *tok = fuzz_copy(data, size, 0);
    char again[PAGING_MAX_TOKEN + 1];
    struct paging_cursor c, other;
    struct paging_query q;
    struct buf query = BUF_INIT;
    size_t n;

    if (paging_token_decode(tok, size, alice, "assistants", &c) == 0) {
        FUZZ_CHECK(c.dir == 'A' || c.dir == 'B');
        FUZZ_CHECK(c.key.id == c.id && c.key.id_len <= FIXTURES_MAX_ID);
        FUZZ_CHECK(c.id[c.key.id_len] == '\0');
        n = paging_token_encode(c.dir, alice, "assistants", &c.key, again);
        FUZZ_CHECK(n == size && memcmp(again, tok, size) == 0);
        /* Bound to the account (a 48-bit check: a false accept is a bug). */
        FUZZ_CHECK(paging_token_decode(tok, size, bob, "assistants", &other) < 0);
        /* Survives the query parser. */
        buf_adds(&query, "PageSize=5&Page=1&PageToken=");
        buf_add(&query, tok, size);
        FUZZ_CHECK(paging_parse_query(query.data, query.len, &q) == API_OK);
        FUZZ_CHECK(q.token_len == size && memcmp(q.token, tok, size) == 0);
        buf_release(&query);
    }
    free(tok);
}

static void
as_cursor(const uint8_t *data, size_t size)
{
    char tok[PAGING_MAX_TOKEN + 1];
    char *id;
    struct store_key key;
    struct paging_cursor c;
    uint64_t created = 0;
    size_t n, idn, i;
    char dir;

    /* Store ids are never empty and the decoder wants at least 1 byte. */
    if (size < 10)
        return;
    dir = data[0] & 1 ? 'B' : 'A';
    for (i = 1; i <= 8; i++)
        created = created << 8 | data[i];
    id = fuzz_copy(data + 9, size - 9, 0);
    key.created = (int64_t)created;
    key.id = id;
    key.id_len = size - 9;
    /* Longer ids are cut to PAGING_MAX_KEY_ID bytes by the encoder. */
    idn = key.id_len > PAGING_MAX_KEY_ID ? PAGING_MAX_KEY_ID : key.id_len;
    n = paging_token_encode(dir, alice, "assistants", &key, tok);
    check_token_chars(tok, n);
    FUZZ_CHECK(paging_token_decode(tok, n, alice, "assistants", &c) == 0);
    FUZZ_CHECK(c.dir == dir && c.key.created == key.created);
    FUZZ_CHECK(c.key.id_len == idn && memcmp(c.key.id, id, idn) == 0);
    FUZZ_CHECK(paging_token_decode(tok, n, bob, "assistants", &c) < 0);
    free(id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_token(data, size);
    as_cursor(data, size);
    return 0;
}
