/*
 * paging.c - see paging.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "paging.h"

#include <string.h>

#include "util.h"

/* Longest parameter name or known value looked at, decoded. */
#define PARAM_MAX 64

static bool
name_is(const char *p, size_t n, const char *name)
{
    char dec[PARAM_MAX + 1];
    long len;

    if (n > PARAM_MAX * 3)
        return false;
    if (memchr(p, '%', n) == NULL && memchr(p, '+', n) == NULL)
        return n == strlen(name) && memcmp(p, name, n) == 0;
    if (n > sizeof(dec) - 1)
        return false;
    len = util_percent_decode(p, n, dec, true);
    return len >= 0 && strcmp(dec, name) == 0;
}

static bool
token_chars_ok(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/*
 * Parses a raw (percent-encoded) integer value of any length, decoding as it
 * goes. Returns 0, -1 when it is not an integer (or badly encoded), -2 when
 * it is one but above max.
 */
static int
parse_count(const char *v, size_t vn, long long max, long long *out)
{
    long long n = 0;
    bool big = false;
    size_t i;

    if (vn == 0)
        return -1;
    for (i = 0; i < vn; i++) {
        int c = (unsigned char)v[i];
        if (c == '%') {
            int hi, lo;
            if (vn - i < 3 || (hi = util_hexval(v[i + 1])) < 0 ||
                (lo = util_hexval(v[i + 2])) < 0)
                return -1;
            c = hi << 4 | lo;
            i += 2;
        }
        if (c < '0' || c > '9')
            return -1;
        if (!big) {
            n = n * 10 + (c - '0');
            big = n > max;
        }
    }
    if (big)
        return -2;
    *out = n;
    return 0;
}

enum api_err
paging_parse_query(const char *query, size_t len, struct paging_query *q)
{
    const char *size_v = NULL, *page_v = NULL, *tok_v = NULL;
    size_t size_n = 0, page_n = 0, tok_n = 0, i = 0;
    int rc;

    q->page = 0;
    q->page_size = PAGING_DEFAULT_SIZE;
    q->has_token = false;
    q->token_len = 0;
    q->token[0] = '\0';
    while (query && i < len) {
        size_t start = i, eq, end;

        while (i < len && query[i] != '&')
            i++;
        end = i++;
        for (eq = start; eq < end && query[eq] != '='; eq++)
            ;
        if (name_is(query + start, eq - start, "PageSize")) {
            size_v = eq < end ? query + eq + 1 : "";
            size_n = eq < end ? end - eq - 1 : 0;
        } else if (name_is(query + start, eq - start, "Page")) {
            page_v = eq < end ? query + eq + 1 : "";
            page_n = eq < end ? end - eq - 1 : 0;
        } else if (name_is(query + start, eq - start, "PageToken")) {
            tok_v = eq < end ? query + eq + 1 : "";
            tok_n = eq < end ? end - eq - 1 : 0;
        }
    }
    if (size_v) {
        rc = parse_count(size_v, size_n, PAGING_MAX_SIZE, &q->page_size);
        if (rc == -2)
            return API_ERR_PAGE_SIZE_MAX;
        if (rc < 0 || q->page_size < 1)
            return API_ERR_PAGE_SIZE;
    }
    if (page_v && parse_count(page_v, page_n, PAGING_MAX_PAGE, &q->page) < 0)
        return API_ERR_PAGE;
    if (tok_v) {
        long n;
        if (tok_n > PAGING_MAX_TOKEN * 3)
            return API_ERR_TOKEN;
        if (tok_n > PAGING_MAX_TOKEN && memchr(tok_v, '%', tok_n) == NULL)
            return API_ERR_TOKEN;
        {
            char dec[PAGING_MAX_TOKEN * 3 + 1];
            n = util_percent_decode(tok_v, tok_n, dec, true);
            if (n < 0 || n > PAGING_MAX_TOKEN)
                return API_ERR_TOKEN;
            memcpy(q->token, dec, (size_t)n + 1);
        }
        if (n == 0 || !token_chars_ok(q->token, (size_t)n))
            return API_ERR_TOKEN;
        q->token_len = (size_t)n;
        q->has_token = true;
    }
    if (q->page > 0 && !q->has_token)
        return API_ERR_TOKEN_REQUIRED;
    return API_OK;
}

static uint64_t
token_check(const char *account_sid, const char *scope,
            const unsigned char *raw, size_t n)
{
    static const char tag[] = "assistants-mock page token v2";
    uint64_t h = util_hash(UTIL_HASH_INIT, tag, sizeof(tag));

    h = util_hash(h, account_sid, UTIL_SID_LEN);
    h = util_hash(h, scope, strlen(scope) + 1);
    h = util_hash(h, raw, n);
    /* Finalise (splitmix64) so that every bit depends on every input bit. */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

size_t
paging_token_encode(char dir, const char *account_sid, const char *scope,
                    const struct store_key *key, char *out)
{
    unsigned char raw[PAGING_MAX_TOKEN_RAW];
    size_t n = 0, idn = key->id_len;
    uint64_t created = (uint64_t)key->created, check;
    int i;

    if (idn > PAGING_MAX_KEY_ID)
        idn = PAGING_MAX_KEY_ID;
    raw[n++] = (unsigned char)dir;
    for (i = 7; i >= 0; i--)
        raw[n++] = (unsigned char)(created >> (i * 8));
    memcpy(raw + n, key->id, idn);
    n += idn;
    check = token_check(account_sid, scope, raw, n);
    for (i = 0; i < 6; i++)
        raw[n++] = (unsigned char)(check >> (i * 8));
    return util_b64url_encode(raw, n, out);
}

int
paging_token_decode(const char *token, size_t len, const char *account_sid,
                    const char *scope, struct paging_cursor *c)
{
    unsigned char raw[PAGING_MAX_TOKEN];
    uint64_t created = 0, check;
    long n;
    size_t idn;
    int i;

    if (len == 0 || len > PAGING_MAX_TOKEN)
        return -1;
    n = util_base64_decode(token, len, raw, true);
    if (n < 1 + 8 + 1 + 6 || n > PAGING_MAX_TOKEN_RAW)
        return -1;
    if (raw[0] != 'A' && raw[0] != 'B')
        return -1;
    check = token_check(account_sid, scope, raw, (size_t)n - 6);
    for (i = 0; i < 6; i++)
        if (raw[n - 6 + i] != (unsigned char)(check >> (i * 8)))
            return -1;
    for (i = 1; i <= 8; i++)
        created = created << 8 | raw[i];
    idn = (size_t)n - 6 - 9;
    c->dir = (char)raw[0];
    memcpy(c->id, raw + 9, idn);
    c->id[idn] = '\0';
    c->key.created = (int64_t)created;
    c->key.id = c->id;
    c->key.id_len = idn;
    return 0;
}

bool
paging_host_valid(const char *host, size_t len)
{
    size_t i = 0, label = 0;
    long port = 0;

    if (len == 0 || len > PAGING_MAX_HOST)
        return false;
    if (host[0] == '[') {
        for (i = 1; i < len && host[i] != ']'; i++) {
            char c = host[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
                return false;
        }
        if (i >= len || i < 3)
            return false;
        i++;
    } else {
        /* Labels of letters, digits and '-', not empty (but a final dot). */
        for (; i < len && host[i] != ':'; i++) {
            char c = host[i];
            if (c == '.') {
                if (label == 0)
                    return false;
                label = 0;
            } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                       (c >= 'A' && c <= 'Z') || c == '-') {
                label++;
            } else {
                return false;
            }
        }
        if (i == 0 || host[0] == '.')
            return false;
    }
    if (i == len)
        return true;
    if (host[i] != ':' || len - i < 2 || len - i > 6)
        return false;
    for (i++; i < len; i++) {
        if (host[i] < '0' || host[i] > '9')
            return false;
        port = port * 10 + (host[i] - '0');
    }
    return port <= 65535;
}

void
paging_add_url(struct buf *out, const char *base, size_t base_len,
               const char *path, const char *filter, long long page_size,
               long long page, const char *token, size_t token_len)
{
    buf_add(out, base, base_len);
    buf_adds(out, path);
    buf_addc(out, '?');
    if (filter)
        buf_adds(out, filter);
    buf_adds(out, "PageSize=");
    buf_add_long(out, page_size);
    buf_adds(out, "&Page=");
    /*
     * Saturated: the page after PAGING_MAX_PAGE says PAGING_MAX_PAGE again
     * (Page is only echoed; the token moves on), so that every link made
     * here is one paging_parse_query accepts.
     */
    buf_add_long(out, page < 0 ? 0 : page > PAGING_MAX_PAGE ? PAGING_MAX_PAGE
                                                            : page);
    if (token) {
        buf_adds(out, "&PageToken=");
        buf_add(out, token, token_len);
    }
}
