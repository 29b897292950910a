/*
 * fuzz_query.c - paging_parse_query on arbitrary bytes.
 *
 * The input is the raw query string, in a buffer of exactly its size (no
 * NUL) so an overread is an ASan report. When the parse succeeds the
 * result must be in range, and the query our own links would carry
 * (paging_add_url) must parse back to the same values.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>

#include "fuzz_common.h"
#include "paging.h"

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes ('+' is a space); -1 on a bad escape or a NUL. */
static long
ref_decode(const char *in, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            if (n - i < 3 || hex_digit(in[i + 1]) < 0 ||
                hex_digit(in[i + 2]) < 0)
                return -1;
            c = (char)(hex_digit(in[i + 1]) << 4 | hex_digit(in[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == '\0')
            return -1;
        out[o++] = c;
    }
    return (long)o;
}

/* 0: an integer (saturated at max + 1 in *v), -1 not one. */
static int
ref_count(const char *raw, size_t n, long long max, long long *v)
{
    char *dec = malloc(n + 1);
    long len, i;
    int rc = 0;

    FUZZ_CHECK(dec != NULL);
    len = ref_decode(raw, n, dec);
    *v = 0;
    /* fuzz/crashes/query-long-*: values of any length (fixed). */
    if (len <= 0)
        rc = -1;
    for (i = 0; rc == 0 && i < len; i++) {
        if (dec[i] < '0' || dec[i] > '9')
            rc = -1;
        else if ((*v = *v * 10 + (dec[i] - '0')) > max)
            *v = max + 1;
    }
    free(dec);
    return rc;
}

static enum api_err
ref_parse(const char *q, size_t n)
{
    const char *val[3] = {NULL, NULL, NULL};
    size_t vn[3] = {0, 0, 0}, i = 0;
    static const char *const names[3] = {"PageSize", "Page", "PageToken"};
    long long size = PAGING_DEFAULT_SIZE, page = 0;
    char *dec = malloc(n + 1);
    long len;
    int k;

    FUZZ_CHECK(dec != NULL);
    while (i < n) {
        size_t start = i, eq, end;
        while (i < n && q[i] != '&')
            i++;
        end = i++;
        for (eq = start; eq < end && q[eq] != '='; eq++)
            ;
        len = ref_decode(q + start, eq - start, dec);
        for (k = 0; len >= 0 && k < 3; k++) {
            if ((size_t)len == strlen(names[k]) &&
                memcmp(dec, names[k], (size_t)len) == 0) {
                val[k] = eq < end ? q + eq + 1 : "";
                vn[k] = eq < end ? end - eq - 1 : 0;
            }
        }
    }
    free(dec);
    if (val[0]) {
        if (ref_count(val[0], vn[0], PAGING_MAX_SIZE, &size) < 0 || size < 1)
            return API_ERR_PAGE_SIZE;
        if (size > PAGING_MAX_SIZE)
            return API_ERR_PAGE_SIZE_MAX;
    }
    if (val[1] && (ref_count(val[1], vn[1], PAGING_MAX_PAGE, &page) < 0 ||
                   page > PAGING_MAX_PAGE))
        return API_ERR_PAGE;
    if (val[2]) {
        dec = malloc(vn[2] + 1);
        FUZZ_CHECK(dec != NULL);
        len = ref_decode(val[2], vn[2], dec);
        for (k = 0; k < len; k++)
            if (!fuzz_is_token_char((unsigned char)dec[k]))
                len = -1;
        free(dec);
        if (len < 1 || len > PAGING_MAX_TOKEN)
            return API_ERR_TOKEN;
    }
    if (page > 0 && !val[2])
        return API_ERR_TOKEN_REQUIRED;
    return API_OK;
}

static void
check_query(const struct paging_query *q)
{
    size_t i;

    FUZZ_CHECK(q->page_size >= 1 && q->page_size <= PAGING_MAX_SIZE);
    FUZZ_CHECK(q->page >= 0 && q->page <= PAGING_MAX_PAGE);
    FUZZ_CHECK(q->page == 0 || q->has_token);
    if (!q->has_token) {
        FUZZ_CHECK(q->token_len == 0);
        return;
    }
    FUZZ_CHECK(q->token_len >= 1 && q->token_len <= PAGING_MAX_TOKEN);
    FUZZ_CHECK(q->token[q->token_len] == '\0');
    for (i = 0; i < q->token_len; i++)
        FUZZ_CHECK(fuzz_is_token_char((unsigned char)q->token[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *query = fuzz_copy(data, size, 0);
    struct paging_query q, q2;
    struct buf url = BUF_INIT;
    enum api_err rc;
    const char *qs;

    rc = paging_parse_query(query, size, &q);
    FUZZ_CHECK(rc >= API_OK && rc < API_ERR_COUNT);
    FUZZ_CHECK(rc == ref_parse(query, size));
    if (rc == API_OK) {
        check_query(&q);
        /* Round trip through the link we would render. */
        paging_add_url(&url, "", 0, "/v1/Assistants", NULL, q.page_size, q.page,
                       q.has_token ? q.token : NULL, q.token_len);
        FUZZ_CHECK(!buf_failed(&url));
        qs = strchr(url.data, '?');
        FUZZ_CHECK(qs != NULL);
        qs++;
        rc = paging_parse_query(qs, strlen(qs), &q2);
        FUZZ_CHECK(rc == API_OK);
        FUZZ_CHECK(q2.page == q.page && q2.page_size == q.page_size);
        FUZZ_CHECK(q2.has_token == q.has_token &&
                   q2.token_len == q.token_len &&
                   memcmp(q2.token, q.token, q.token_len) == 0);
        buf_release(&url);
    } else {
        FUZZ_CHECK(api_err_status(rc) == 400);
    }
    if (size == 0) {
        /* A NULL query is the empty one: the defaults. */
        FUZZ_CHECK(paging_parse_query(NULL, 0, &q2) == API_OK);
        FUZZ_CHECK(q2.page == 0 && q2.page_size == PAGING_DEFAULT_SIZE &&
                   !q2.has_token);
    }
    free(query);
    return 0;
}
