/*
 * fuzz_router.c - router_match on arbitrary paths (exact-size copies, no
 * NUL after them) against every pattern of the route table (router.c's
 * routes[], copied below), and a few more of the shapes router_match
 * supports (two parameters, more than ROUTER_MAX_PARAMS, the root).
 *
 * Checked against a plain reference written from router.h's contract:
 * the path and the pattern split on '/' into the same number of segments;
 * a literal segment equals the path's byte for byte (no decoding); a "{}"
 * segment matches a non-empty one that percent-decodes ('%' and two hex
 * digits of either case, '+' kept) to at most ROUTER_MAX_PARAM bytes
 * without a NUL (raw or escaped); at most ROUTER_MAX_PARAMS of them. On a
 * match the parameters are the reference's bytes, NUL-terminated. Every
 * path is tried as it is and after the pattern's literal prefix (so the
 * parameters get exercised); a matched path with every parameter byte
 * re-escaped (upper- or lowercase hex) matches again, to the same values.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "router.h"

/* router.c's route table patterns (each once), then the extra shapes. */
static const char *const patterns[] = {
    "/v1/Assistants",
    "/v1/Assistants/{id}",
    "/healthz",
    "/readyz",
    "/__admin/reset",
    "/__admin/requests",
    "/__admin/requests/count",
    "/__admin/faults",
    "/__admin/faults/{id}",
    "/__admin/clock",
    "/__admin/export",
    /* Not routes: shapes router_match must handle all the same. */
    "/v1/Assistants/{id}/Tools/{id}",
    "/{id}/{id}/{id}",
    "/{id}",
    "/",
};
#define N_PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

#define REF_MAX_PARAMS 8

struct ref_match {
    size_t n;
    char param[REF_MAX_PARAMS][ROUTER_MAX_PARAM + 1];
    size_t len[REF_MAX_PARAMS];
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes seg[0..n) into out; false on a bad escape, a NUL, or too long. */
static bool
ref_decode(const char *seg, size_t n, char *out, size_t *out_len)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)seg[i];
        if (c == '%') {
            int hi, lo;
            if (n - i < 3)
                return false;
            hi = hexval((unsigned char)seg[i + 1]);
            lo = hexval((unsigned char)seg[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0' || o == ROUTER_MAX_PARAM)
            return false;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    *out_len = o;
    return true;
}

/* Segment k of a '/'-led string s[0..n): its start and length. */
struct seg {
    const char *p;
    size_t n;
};

/* Splits s[0..n) (which must start with '/') after each '/'. */
static size_t
split(const char *s, size_t n, struct seg *v, size_t max)
{
    size_t i, start = 1, k = 0;

    for (i = 1; i <= n; i++) {
        if (i == n || s[i] == '/') {
            if (k == max)
                return max + 1;
            v[k].p = s + start;
            v[k].n = i - start;
            k++;
            start = i + 1;
        }
    }
    return k;
}

static bool
ref(const char *pattern, const char *path, size_t len, struct ref_match *m)
{
    struct seg ps[16], ss[16];
    size_t np, ns, k;

    m->n = 0;
    if (len == 0 || path[0] != '/')
        return false;
    np = split(pattern, strlen(pattern), ps, 16);
    FUZZ_CHECK(np <= 16);
    ns = split(path, len, ss, 16);
    if (ns != np)
        return false;
    for (k = 0; k < np; k++) {
        if (ps[k].n && ps[k].p[0] == '{') {
            if (ss[k].n == 0 || m->n == ROUTER_MAX_PARAMS)
                return false;
            FUZZ_CHECK(m->n < REF_MAX_PARAMS);
            if (!ref_decode(ss[k].p, ss[k].n, m->param[m->n], &m->len[m->n]))
                return false;
            m->n++;
        } else if (ps[k].n != ss[k].n || memcmp(ps[k].p, ss[k].p, ps[k].n)) {
            return false;
        }
    }
    return true;
}

static size_t
count_params(const char *pattern)
{
    size_t n = 0;
    const char *p;

    for (p = pattern; (p = strstr(p, "/{")) != NULL; p++)
        n++;
    return n;
}

/* router_match on an exact-size copy; checked against the reference. */
static bool
check(const char *pattern, const char *path, size_t len, struct ref_match *want)
{
    char params[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM + 1];
    size_t param_len[ROUTER_MAX_PARAMS], k;
    char *copy = fuzz_copy((const uint8_t *)path, len, 0);
    bool got, exp;

    memset(params, 0x55, sizeof(params));
    memset(param_len, 0x55, sizeof(param_len));
    got = router_match(pattern, copy, len, params, param_len);
    exp = ref(pattern, path, len, want);
    if (got != exp) {
        fprintf(stderr, "pattern %s, path (%zu bytes) %.*s: got %d want %d\n",
                pattern, len, (int)(len < 300 ? len : 300), path, got, exp);
        FUZZ_CHECK(got == exp);
    }
    if (got) {
        FUZZ_CHECK(want->n == count_params(pattern));
        for (k = 0; k < want->n; k++) {
            FUZZ_CHECK(param_len[k] == want->len[k]);
            FUZZ_CHECK(memcmp(params[k], want->param[k], want->len[k]) == 0);
            FUZZ_CHECK(params[k][param_len[k]] == '\0');
            FUZZ_CHECK(memchr(params[k], '\0', param_len[k]) == NULL);
        }
    }
    free(copy);
    return got;
}

/*
 * The pattern with each "{}" segment replaced by param k, every byte of it
 * escaped (upper or lower hex): it must match to the same parameters.
 */
static void
check_reescaped(const char *pattern, const struct ref_match *m, bool upper)
{
    static const char hex_u[] = "0123456789ABCDEF",
                      hex_l[] = "0123456789abcdef";
    const char *hex = upper ? hex_u : hex_l;
    size_t cap = strlen(pattern) + REF_MAX_PARAMS * 3 * ROUTER_MAX_PARAM + 1;
    char *path = malloc(cap);
    struct ref_match again;
    size_t n = 0, k = 0, i;
    const char *p = pattern;

    FUZZ_CHECK(path != NULL);
    while (*p) {
        if (p[0] == '/' && p[1] == '{') {
            path[n++] = '/';
            FUZZ_CHECK(k < m->n);
            for (i = 0; i < m->len[k]; i++) {
                unsigned char c = (unsigned char)m->param[k][i];
                path[n++] = '%';
                path[n++] = hex[c >> 4];
                path[n++] = hex[c & 15];
            }
            k++;
            p = strchr(p + 1, '/');
            if (p == NULL)
                break;
        } else {
            path[n++] = *p++;
        }
    }
    FUZZ_CHECK(n < cap);
    FUZZ_CHECK(check(pattern, path, n, &again));
    FUZZ_CHECK(again.n == m->n);
    for (k = 0; k < m->n; k++) {
        FUZZ_CHECK(again.len[k] == m->len[k]);
        FUZZ_CHECK(memcmp(again.param[k], m->param[k], m->len[k]) == 0);
    }
    free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ref_match m;
    size_t i;

    for (i = 0; i < N_PATTERNS; i++) {
        const char *pattern = patterns[i];
        const char *brace = strchr(pattern, '{');
        size_t pre = brace ? (size_t)(brace - pattern) : strlen(pattern);
        char *path = malloc(pre + size + 1);

        FUZZ_CHECK(path != NULL);
        if (check(pattern, (const char *)data, size, &m) && m.n)
            check_reescaped(pattern, &m, size & 1);
        /* The literal prefix, then the input. */
        memcpy(path, pattern, pre);
        if (size)
            memcpy(path + pre, data, size);
        if (check(pattern, path, pre + size, &m) && m.n)
            check_reescaped(pattern, &m, !(size & 1));
        free(path);
    }
    return 0;
}
